/* dxfer.c: camtraced's file transfer: the engine on the node, attachments fetched into download_dir within download_quota when accept_files allows, the files offered by `send` with `files`. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include "clock.h"
#include "daemon.h"
#include "err.h"
#include "fsutil.h"
#include "inbox.h"
#include "json.h"
#include "log.h"
#include "msg.h"
#include "state.h"
#include "xfer.h"

/* A fetch running for an inbox message's file. */
struct dfetch {
	struct daemon *d;
	uint64_t msg_id;
	size_t idx;
	char name[256];
};

/* download_dir as the configuration names it ("downloads" beside state_file by default) */
static void conf_dl_path(const struct daemon *d, char *out, size_t len)
{
	char dir[PATH_MAX - 16];

	if (d->conf.download_dir && d->conf.download_dir[0]) {
		snprintf(out, len, "%s", d->conf.download_dir);
		return;
	}
	ct_fs_dirname(d->conf.state_file, dir, sizeof dir);
	snprintf(out, len, "%s/downloads", dir);
}

/* download_dir as it was opened (a reload does not move it) */
static void dl_path(const struct daemon *d, char *out, size_t len)
{
	if (d->dl_dir)
		snprintf(out, len, "%s", d->dl_dir);
	else
		conf_dl_path(d, out, len);
}

static uint64_t du_at(int dfd, int depth)
{
	uint64_t sum = 0;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!dp) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((e = readdir(dp))) {
		struct stat sb;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
			fstatat(dirfd(dp), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISREG(sb.st_mode))
			sum += (uint64_t)sb.st_size;
		else if (S_ISDIR(sb.st_mode) && depth < 40) {
			int sub = openat(dirfd(dp), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				sum += du_at(sub, depth + 1);
				close(sub);
			}
		}
	}
	closedir(dp);
	return sum;
}

static void xfer_conf_from(const struct daemon *d, struct ct_xfer_conf *c)
{
	memset(c, 0, sizeof *c);
	c->offer_ttl_ms = (uint64_t)d->conf.offer_expiry;
	c->probe_allow = &d->allow; /* camtrace probe --file from the hosts that may fetch the list */
}

/* Creates (0700) and opens download_dir: at start (as root, then given to `user`) or when a
 * reload turns accept_files on. */
static int open_dl(struct daemon *d, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	conf_dl_path(d, dir, sizeof dir);
	ct_fs_mkdir_parents(dir, 0700);
	if (geteuid() == 0 && d->conf.user) { /* written by the daemon's user after the drop */
		struct passwd *pw = getpwnam(d->conf.user);
		if (pw && chown(dir, pw->pw_uid, pw->pw_gid) != 0)
			log_warn("download_dir %s: cannot give it to %s: %s", dir, d->conf.user, strerror(errno));
	}
	d->dl_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d->dl_fd < 0) {
		snprintf(err, errlen, "download_dir %s: %s (create it, or set accept_files = no)", dir, strerror(errno));
		return EX_CANTCREAT;
	}
	d->dl_dir = strdup(dir);
	log_info("files: accept_files %s into %s (quota %lld bytes)", d->conf.accept_files, dir,
		(long long)d->conf.download_quota);
	return 0;
}

int dxfer_open(struct daemon *d, char *err, size_t errlen)
{
	struct ct_xfer_conf c;
	int r;

	d->dl_fd = -1;
	xfer_conf_from(d, &c);
	if ((r = ct_xfer_new(&d->xfer, d->node, &c)) != 0) {
		snprintf(err, errlen, "cannot set up file transfer: %s", ct_strerror(r));
		return EX_SOFTWARE;
	}
	if (strcmp(d->conf.accept_files, "no") == 0)
		return 0;
	return open_dl(d, err, errlen);
}

void dxfer_reconf(struct daemon *d)
{
	char dir[PATH_MAX], e[PATH_MAX + 100];

	/* accept_files, accept_files_from and download_quota are read at each message */
	ct_xfer_set_offer_ttl(d->xfer, (uint64_t)d->conf.offer_expiry);
	if (d->dl_fd < 0 && strcmp(d->conf.accept_files, "no") != 0 && open_dl(d, e, sizeof e) != 0)
		log_err("reload: accept_files = %s, but attachments cannot be fetched: %s", d->conf.accept_files, e);
	conf_dl_path(d, dir, sizeof dir);
	if (d->dl_dir && strcmp(dir, d->dl_dir) != 0)
		log_warn("reload: a `download_dir` change needs a restart; keeping %s", d->dl_dir);
	log_info("reload: files: accept_files %s%s%s, download_quota %lld bytes, offers expire %lld s after they are made",
		d->conf.accept_files, d->dl_dir ? " into " : "", d->dl_dir ? d->dl_dir : "",
		(long long)d->conf.download_quota, (long long)(d->conf.offer_expiry / 1000));
}

static struct ct_json *save_offers(void *ud)
{
	struct daemon *d = ud;

	return d->xfer ? ct_xfer_offers_save(d->xfer, ct_wall_now()) : NULL;
}

static int load_offers(const struct ct_json *v, void *ud)
{
	struct daemon *d = ud;

	if (!ct_json_is_arr(v))
		return CT_EFORMAT;
	if (d->xfer)
		ct_xfer_offers_restore(d->xfer, v, ct_wall_now());
	return 0;
}

void dxfer_state_register(struct daemon *d)
{
	ct_state_register(d->state, "offers", save_offers, load_offers, d);
}

void dxfer_close(struct daemon *d)
{
	if (!d->xfer)
		return;
	ct_xfer_free(d->xfer); /* running fetches end without their callbacks */
	d->xfer = NULL;
	if (d->dl_fd >= 0)
		close(d->dl_fd);
	d->dl_fd = -1;
	free(d->dl_dir);
	d->dl_dir = NULL;
}

static int accepted_from(const struct daemon *d, const struct ct_haddr *from)
{
	if (strcmp(d->conf.accept_files, "yes") == 0)
		return 1;
	if (strcmp(d->conf.accept_files, "listed") == 0)
		return ct_cidr_list_contains(&d->conf.accept_files_from, from->family, from->ip);
	return 0;
}

static void on_fetched(struct ct_xfer *x, uint64_t id, const struct ct_xfer_get_result *r, void *ud)
{
	struct dfetch *f = ud;
	struct ct_inbox_msg *m = f->d->inbox ? ct_inbox_find(f->d->inbox, f->msg_id) : NULL;
	char dir[PATH_MAX], path[PATH_MAX + 300];

	(void)x;
	(void)id;
	if (m) {
		dl_path(f->d, dir, sizeof dir);
		snprintf(path, sizeof path, "%s/%s", dir, f->name);
		ct_inbox_file_set(m, f->idx, r->state == CT_XFER_G_DONE ? "fetched" : ct_xfer_gstate_name(r->state),
			r->state == CT_XFER_G_DONE ? path : NULL, r->bytes + r->offset, r->error[0] ? r->error : NULL);
		dmsg_inbox_dirty(f->d);
	}
	if (r->state == CT_XFER_G_DONE)
		log_notice("file %s fetched (%llu bytes)", f->name, (unsigned long long)r->bytes);
	free(f);
}

/* A name under download_dir that neither NAME nor NAME.part holds yet: "a.txt", "a (1).txt"... */
static int free_name(int dfd, const char *name, char *out, size_t len)
{
	const char *dot = strrchr(name, '.');
	size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);

	for (int k = 0; k < 100; k++) {
		char part[300];
		if (k == 0)
			snprintf(out, len, "%s", name);
		else
			snprintf(out, len, "%.*s (%d)%s", (int)stem, name, k, name + stem);
		snprintf(part, sizeof part, "%s.part", out);
		if (faccessat(dfd, out, F_OK, AT_SYMLINK_NOFOLLOW) != 0 && faccessat(dfd, part, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
			return 0;
	}
	return CT_EEXIST;
}

void dxfer_on_message(struct daemon *d, const struct ct_msg_in *in, uint64_t msg_id)
{
	struct ct_inbox_msg *m = ct_inbox_find(d->inbox, msg_id);
	size_t i = 0;
	uint64_t used, quota = (uint64_t)d->conf.download_quota;

	if (!m || !m->files)
		return;
	if (d->dl_fd < 0 || !accepted_from(d, &in->from)) {
		for (const struct ct_json *e = ct_json_first(m->files); e; e = ct_json_next(e), i++)
			ct_inbox_file_set(m, i, "not_accepted", NULL, 0, NULL);
		return;
	}
	used = du_at(d->dl_fd, 0);
	for (const struct ct_json *e = ct_json_first(m->files); e; e = ct_json_next(e), i++) {
		const char *name = ct_json_get_str(e, "name"), *type = ct_json_get_str(e, "type"), *why = NULL;
		struct ct_xfer_get_req rq;
		struct dfetch *f;
		int64_t fid = 0, size = 0;
		int r;

		ct_json_get_i64(e, "id", &fid);
		ct_json_get_i64(e, "size", &size);
		if (!name || ct_xfer_name_check(name, &why) != 0) {
			ct_inbox_file_set(m, i, "bad_name", NULL, 0, why ? why : "no name");
			continue;
		}
		if (!type || (strcmp(type, "regular") && strcmp(type, "dir"))) {
			ct_inbox_file_set(m, i, "not_accepted", NULL, 0, "neither a regular file nor a directory");
			continue;
		}
		if (used >= quota || (uint64_t)size > quota - used) {
			ct_inbox_file_set(m, i, "over_quota", NULL, 0, "does not fit in download_quota");
			continue;
		}
		if (!(f = calloc(1, sizeof *f)) || free_name(d->dl_fd, name, f->name, sizeof f->name) != 0) {
			free(f);
			ct_inbox_file_set(m, i, "exists", NULL, 0, "no free name in download_dir");
			continue;
		}
		f->d = d;
		f->msg_id = msg_id;
		f->idx = i;
		memset(&rq, 0, sizeof rq);
		rq.peer = in->from;
		rq.packetno = in->packetno;
		rq.fileid = (uint32_t)fid;
		rq.dir = strcmp(type, "dir") == 0;
		rq.name = f->name;
		rq.size = (uint64_t)size;
		rq.dirfd = d->dl_fd;
		rq.max_bytes = quota - used;
		rq.utf8 = 1;
		used += (uint64_t)size; /* reserved for this fetch */
		if ((r = ct_xfer_get(d->xfer, &rq, on_fetched, f, NULL)) != 0) {
			ct_inbox_file_set(m, i, "error", NULL, 0, ct_strerror(r));
			free(f);
			continue;
		}
		ct_inbox_file_set(m, i, "fetching", NULL, 0, NULL);
	}
}

void dxfer_status(struct daemon *d, struct ct_json *r)
{
	struct ct_xfer_stats st;
	struct ct_json *o = ct_json_add_obj(r, "files");
	char dir[PATH_MAX];

	ct_xfer_stats(d->xfer, &st);
	dl_path(d, dir, sizeof dir);
	ct_json_add_str(o, "accept_files", d->conf.accept_files);
	ct_json_add_str(o, "download_dir", dir);
	ct_json_add_int(o, "download_quota", d->conf.download_quota);
	ct_json_add_int(o, "download_used", d->dl_fd >= 0 ? (int64_t)du_at(d->dl_fd, 0) : 0);
	ct_json_add_int(o, "offers", st.offers);
	ct_json_add_int(o, "connections", st.conns);
	ct_json_add_int(o, "served", (int64_t)st.served);
	ct_json_add_int(o, "serve_refused", (int64_t)st.serve_refused);
	ct_json_add_int(o, "served_bytes", (int64_t)st.serve_bytes);
	ct_json_add_int(o, "fetched", (int64_t)st.fetched);
	ct_json_add_int(o, "fetch_failed", (int64_t)st.fetch_failed);
	ct_json_add_int(o, "fetched_bytes", (int64_t)st.fetch_bytes);
}

void dxfer_files_json(struct daemon *d, struct ct_json *o, uint64_t offer, uint32_t packetno)
{
	enum ct_xfer_fstate st[64];
	uint64_t bytes[64];
	const char *names[64];
	struct ct_json *arr = ct_json_add_arr(o, "files");
	int n = ct_xfer_offer_state(d->xfer, offer, packetno, st, bytes, 64);

	ct_xfer_offer_names(d->xfer, offer, names, 64);
	for (int i = 0; i < n && i < 64; i++) {
		struct ct_json *f = ct_json_add_obj(arr, NULL);
		ct_json_add_str(f, "name", names[i]);
		ct_json_add_str(f, "state", ct_xfer_fstate_name(st[i]));
		ct_json_add_int(f, "bytes", (int64_t)bytes[i]);
	}
}

int dxfer_all_fetched(struct daemon *d, uint64_t offer, const struct ct_msg_result *r, size_t n)
{
	enum ct_xfer_fstate st[64];

	for (size_t i = 0; i < n; i++) {
		int k = r[i].state == CT_MSG_DELIVERED ? ct_xfer_offer_state(d->xfer, offer, r[i].packetno, st, NULL, 64) : 0;
		for (int j = 0; j < k && j < 64; j++)
			if (st[j] != CT_XFER_FETCHED && st[j] != CT_XFER_RELEASED)
				return 0;
	}
	return 1;
}
