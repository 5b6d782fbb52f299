/* state.c: versioned JSON state file: atomic save (temp, fsync, rename, fsync dir), checked reload. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "err.h"
#include "evloop.h"
#include "fsutil.h"
#include "log.h"
#include "sbuf.h"
#include "util.h"
#include "version.h"
#include "state.h"

#define MAX_SECTIONS 16
#define MAX_FILE (512u * 1024 * 1024)

struct section {
	char name[48];
	ct_state_save_fn save;
	ct_state_load_fn load;
	void *ud;
};

struct ct_state {
	char *path;
	char err[512];
	char moved[PATH_MAX];
	struct section sec[MAX_SECTIONS];
	size_t nsec;
	uint64_t seq, saves;
	int blocked;                      /* a bad file could not be moved aside: never overwrite it */
	struct ct_evloop *ev;
	uint64_t delay_ms, timer;
	int dirty;
};

static int fail(struct ct_state *st, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct ct_state *st, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
	return code;
}

int ct_state_new(struct ct_state **out, const char *path)
{
	struct ct_state *st;

	*out = NULL;
	if (!path || !path[0])
		return CT_EINVAL;
	st = calloc(1, sizeof *st);
	if (!st || !(st->path = strdup(path))) {
		free(st);
		return CT_ENOMEM;
	}
	*out = st;
	return 0;
}

void ct_state_free(struct ct_state *st)
{
	if (!st)
		return;
	if (st->ev && st->timer)
		ct_evloop_cancel_timer(st->ev, st->timer);
	free(st->path);
	free(st);
}

const char *ct_state_path(const struct ct_state *st) { return st->path; }
const char *ct_state_error(const struct ct_state *st) { return st->err; }
const char *ct_state_moved_to(const struct ct_state *st) { return st->moved; }
uint64_t ct_state_saves(const struct ct_state *st) { return st->saves; }

int ct_state_register(struct ct_state *st, const char *section, ct_state_save_fn save,
	ct_state_load_fn load, void *ud)
{
	struct section *s = NULL;

	if (!section || !section[0] || strlen(section) >= sizeof st->sec[0].name)
		return CT_EINVAL;
	for (size_t i = 0; i < st->nsec; i++)
		if (strcmp(st->sec[i].name, section) == 0)
			s = &st->sec[i];
	if (!s) {
		if (st->nsec >= MAX_SECTIONS)
			return CT_ETOOBIG;
		s = &st->sec[st->nsec++];
		ct_strlcpy(s->name, section, sizeof s->name);
	}
	s->save = save;
	s->load = load;
	s->ud = ud;
	return 0;
}

/* ---- reading ---- */

/* Renames the file to PATH.<tag>-<UTC time>[-N]; never overwrites an earlier one. */
static int move_aside(struct ct_state *st, const char *tag, const char *why)
{
	char stamp[32], dst[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;
	struct stat sb;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	for (int n = 0; n < 1000; n++) {
		if (n == 0)
			snprintf(dst, sizeof dst, "%s.%s-%s", st->path, tag, stamp);
		else
			snprintf(dst, sizeof dst, "%s.%s-%s-%d", st->path, tag, stamp, n);
		if (lstat(dst, &sb) != 0 && errno == ENOENT)
			break;
	}
	if (rename(st->path, dst) != 0) {
		st->blocked = 1;
		return fail(st, CT_ESYS, "state file %s %s, and it cannot be moved aside to %s (%s); "
			"move it away by hand: camtraced will not overwrite it", st->path, why, dst, strerror(errno));
	}
	ct_strlcpy(st->moved, dst, sizeof st->moved);
	fail(st, CT_EFORMAT, "state file %s %s; kept it as %s and started with empty state", st->path, why, dst);
	log_warn("%s", st->err);
	return CT_EFORMAT;
}

static int read_all(struct ct_state *st, int fd, struct ct_sbuf *b)
{
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(st, CT_ESYS, "cannot read state file %s: %s", st->path, strerror(errno));
		if (n == 0)
			break;
		if (b->len + (size_t)n > MAX_FILE)
			return CT_ETOOBIG;
		if (ct_sbuf_add(b, buf, (size_t)n) != 0)
			return fail(st, CT_ENOMEM, "out of memory reading %s", st->path);
	}
	return 0;
}

int ct_state_read(struct ct_state *st, struct ct_json **sections)
{
	struct ct_sbuf b;
	struct ct_json *doc = NULL;
	const struct ct_json *secs;
	const char *fmt;
	struct stat sb;
	int64_t ver, seq;
	int fd, r;
	char why[160];

	*sections = NULL;
	st->moved[0] = '\0';
	st->err[0] = '\0';
	fd = open(st->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT) {
			st->blocked = 0;
			return fail(st, CT_ENOTFOUND, "no state file %s yet", st->path);
		}
		if (errno == ELOOP)
			return move_aside(st, "foreign", "is a symbolic link");
		return fail(st, CT_ESYS, "cannot open state file %s: %s", st->path, strerror(errno));
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		st->blocked = 1;
		return fail(st, CT_ESYS, "state file %s is not a regular file; remove or rename it", st->path);
	}
	ct_sbuf_init(&b);
	r = read_all(st, fd, &b);
	close(fd);
	if (r == CT_ETOOBIG) {
		ct_sbuf_fini(&b);
		return move_aside(st, "bad", "is larger than 512 MiB");
	}
	if (r != 0) {
		ct_sbuf_fini(&b);
		st->blocked = 1;
		return r;
	}
	if (b.len == 0) {
		ct_sbuf_fini(&b);
		return move_aside(st, "bad", "is empty");
	}
	r = ct_json_parse(b.p, b.len, &doc);
	ct_sbuf_fini(&b);
	if (r != 0 || !ct_json_is_obj(doc)) {
		ct_json_free(doc);
		return move_aside(st, "bad", "is not a JSON object (damaged or truncated)");
	}
	fmt = ct_json_get_str(doc, "format");
	if (!fmt || strcmp(fmt, CT_STATE_FORMAT) != 0) {
		ct_json_free(doc);
		return move_aside(st, "foreign", "is not a camtraced state file (no \"format\": \"" CT_STATE_FORMAT "\")");
	}
	if (ct_json_get_i64(doc, "version", &ver) != 0) {
		ct_json_free(doc);
		return move_aside(st, "bad", "has no format version");
	}
	if (ver != CT_STATE_VERSION) {
		char tag[32];
		ct_json_free(doc);
		snprintf(tag, sizeof tag, "v%lld", (long long)ver);
		snprintf(why, sizeof why, "has format version %lld, this camtraced reads version %d%s",
			(long long)ver, CT_STATE_VERSION, ver > CT_STATE_VERSION ? " (written by a newer camtraced)" : "");
		return move_aside(st, tag, why);
	}
	secs = ct_json_get(doc, "sections");
	if (!secs || !ct_json_is_obj(secs)) {
		ct_json_free(doc);
		return move_aside(st, "bad", "has no \"sections\" object");
	}
	if (ct_json_get_i64(doc, "seq", &seq) == 0 && seq > 0)
		st->seq = (uint64_t)seq;
	*sections = ct_json_dup(secs);
	ct_json_free(doc);
	st->blocked = 0;
	return *sections ? 0 : fail(st, CT_ENOMEM, "out of memory");
}

int ct_state_load(struct ct_state *st)
{
	struct ct_json *secs;
	int r = ct_state_read(st, &secs);

	if (r != 0)
		return r;
	for (size_t i = 0; i < st->nsec; i++) {
		const struct ct_json *v = ct_json_get(secs, st->sec[i].name);
		int lr;
		if (!v || !st->sec[i].load)
			continue;
		lr = st->sec[i].load(v, st->sec[i].ud);
		if (lr != 0)
			log_warn("state file %s: section \"%s\" could not be loaded (%s); it starts empty",
				st->path, st->sec[i].name, ct_strerror(lr));
	}
	ct_json_free(secs);
	return 0;
}

/* ---- writing ---- */

int ct_state_write(struct ct_state *st, const struct ct_json *sections)
{
	struct ct_json *doc, *secs;
	char tmp[PATH_MAX], dir[PATH_MAX], when[40], *text;
	char gen[64];
	int fd, dfd;
	size_t len;

	if (st->blocked)
		return fail(st, CT_ESTATE, "not saving: %s must be moved away first", st->path);
	if (snprintf(tmp, sizeof tmp, "%s.tmp", st->path) >= (int)sizeof tmp)
		return fail(st, CT_ETOOBIG, "state path too long");
	ct_fs_dirname(st->path, dir, sizeof dir);
	if (ct_fs_mkdir_parents(dir, 0750) != 0)
		return fail(st, CT_ESYS, "cannot create state directory %s: %s", dir, strerror(errno));

	doc = ct_json_obj();
	secs = sections ? ct_json_dup(sections) : ct_json_obj();
	if (!doc || !secs) {
		ct_json_free(doc);
		ct_json_free(secs);
		return fail(st, CT_ENOMEM, "out of memory");
	}
	snprintf(gen, sizeof gen, "camtraced %s", ct_version());
	ct_json_add_str(doc, "format", CT_STATE_FORMAT);
	ct_json_add_int(doc, "version", CT_STATE_VERSION);
	ct_json_add_str(doc, "generator", gen);
	ct_json_add_str(doc, "saved_at", ct_wall_iso(ct_wall_now(), when, sizeof when));
	ct_json_add_int(doc, "seq", (int64_t)(st->seq + 1));
	ct_json_add(doc, "sections", secs);
	text = ct_json_print(doc, 0);
	ct_json_free(doc);
	if (!text)
		return fail(st, CT_ENOMEM, "out of memory");
	len = strlen(text);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		free(text);
		return fail(st, CT_ESYS, "cannot create %s: %s", tmp, strerror(errno));
	}
	if (ct_fs_write_full(fd, text, len) != 0 || ct_fs_write_full(fd, "\n", 1) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		free(text);
		return fail(st, CT_ESYS, "cannot write %s: %s", tmp, strerror(e));
	}
	free(text);
	if (close(fd) != 0) {
		int e = errno;
		unlink(tmp);
		return fail(st, CT_ESYS, "cannot write %s: %s", tmp, strerror(e));
	}
	if (rename(tmp, st->path) != 0) {
		int e = errno;
		unlink(tmp);
		return fail(st, CT_ESYS, "cannot rename %s to %s: %s", tmp, st->path, strerror(e));
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) != 0 && errno != EINVAL)
			log_warn("fsync of directory %s failed: %s", dir, strerror(errno));
		close(dfd);
	}
	st->seq++;
	st->saves++;
	return 0;
}

int ct_state_save(struct ct_state *st)
{
	struct ct_json *secs = ct_json_obj();
	int r;

	if (!secs)
		return fail(st, CT_ENOMEM, "out of memory");
	for (size_t i = 0; i < st->nsec; i++) {
		struct ct_json *v;
		if (!st->sec[i].save)
			continue;
		v = st->sec[i].save(st->sec[i].ud);
		if (v)
			ct_json_add(secs, st->sec[i].name, v);
	}
	r = ct_state_write(st, secs);
	ct_json_free(secs);
	if (r == 0)
		st->dirty = 0;
	return r;
}

/* ---- debounced saving ---- */

static void on_timer(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_state *st = ud;

	(void)ev;
	(void)id;
	st->timer = 0;
	if (ct_state_flush(st) != 0) {
		log_warn("%s; retrying in %llu s", st->err, (unsigned long long)(st->delay_ms * 4 / 1000));
		st->timer = ct_evloop_add_timer(st->ev, st->delay_ms * 4, on_timer, st);
	}
}

void ct_state_attach(struct ct_state *st, struct ct_evloop *ev, uint64_t delay_ms)
{
	st->ev = ev;
	st->delay_ms = delay_ms ? delay_ms : 1;
}

void ct_state_touch(struct ct_state *st)
{
	st->dirty = 1;
	if (st->ev && !st->timer)
		st->timer = ct_evloop_add_timer(st->ev, st->delay_ms, on_timer, st);
}

int ct_state_flush(struct ct_state *st)
{
	if (!st->dirty)
		return 0;
	return ct_state_save(st);
}
