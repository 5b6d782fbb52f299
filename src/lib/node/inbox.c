/* inbox.c: camtraced's inbox: a bounded list of received messages saved as JSON (temp file, fsync, rename). */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "addr.h"
#include "attach.h"
#include "clock.h"
#include "err.h"
#include "fsutil.h"
#include "inbox.h"
#include "log.h"
#include "msg.h"

#define INBOX_FILE_MAX (64u << 20)

struct ct_inbox {
	char *path;
	size_t max, n, cap;
	struct ct_inbox_msg **v;     /* oldest first */
	uint64_t next_id;
};

static void msg_free(struct ct_inbox_msg *m)
{
	if (!m)
		return;
	free(m->from);
	free(m->user);
	free(m->host);
	free(m->nick);
	free(m->text);
	free(m->charset);
	free(m->cipher);
	free(m->signature);
	free(m->crypt_error);
	ct_json_free(m->files);
	free(m);
}

static char *dup0(const char *s)
{
	return strdup(s ? s : "");
}

/* A string from the file, made valid UTF-8 as the JSON writer would ("\xNN" for a bad byte),
 * so what loads is what the next save writes */
static char *dup_text(const char *s)
{
	struct ct_json *o;
	char *r;

	if (!s || ct_utf8_valid(s, strlen(s)))
		return dup0(s);
	if (!(o = ct_json_obj()))
		return NULL;
	ct_json_add_str(o, "s", s);
	r = dup0(ct_json_get_str(o, "s"));
	ct_json_free(o);
	return r;
}

static void trim(struct ct_inbox *ib)
{
	size_t drop;

	if (ib->n <= ib->max)
		return;
	drop = ib->n - ib->max;
	for (size_t i = 0; i < drop; i++)
		msg_free(ib->v[i]);
	memmove(ib->v, ib->v + drop, (ib->n - drop) * sizeof *ib->v);
	ib->n -= drop;
}

static int push(struct ct_inbox *ib, struct ct_inbox_msg *m)
{
	if (!m->from || !m->user || !m->host || !m->nick || !m->text || !m->charset) {
		msg_free(m);
		return CT_ENOMEM;
	}
	if (ib->n == ib->cap) {
		size_t nc = ib->cap ? ib->cap * 2 : 16;
		struct ct_inbox_msg **v = realloc(ib->v, nc * sizeof *v);
		if (!v) {
			msg_free(m);
			return CT_ENOMEM;
		}
		ib->v = v;
		ib->cap = nc;
	}
	ib->v[ib->n++] = m;
	if (m->id >= ib->next_id)
		ib->next_id = m->id + 1;
	trim(ib);
	return 0;
}

/* The attachment list as the inbox keeps it: one object per file, state "offered". */
static struct ct_json *files_of(const char *list)
{
	struct ct_attach_list l;
	struct ct_json *arr;

	if (!list || !(arr = ct_json_arr()))
		return NULL;
	ct_attach_list_parse(list, strlen(list), &l); /* the entries before a fault are kept */
	for (size_t i = 0; i < l.n && i < 1000; i++) {
		struct ct_json *o = ct_json_add_obj(arr, NULL);
		const char *t = ct_attach_type_name(l.f[i].attr);
		ct_json_add_int(o, "id", l.f[i].id);
		ct_json_add_str(o, "name", l.f[i].name);
		ct_json_add_int(o, "size", (int64_t)l.f[i].size);
		ct_json_add_int(o, "mtime", (int64_t)l.f[i].mtime);
		ct_json_add_str(o, "type", t ? t : "unknown");
		ct_json_add_str(o, "state", "offered");
		ct_json_add_null(o, "path");
		ct_json_add_int(o, "bytes", 0);
		ct_json_add_null(o, "error");
	}
	ct_attach_list_fini(&l);
	return arr;
}

void ct_inbox_file_set(struct ct_inbox_msg *m, size_t i, const char *state, const char *path, uint64_t bytes,
	const char *error)
{
	struct ct_json *o = (struct ct_json *)ct_json_first(m->files);
	static const char *const keys[] = { "state", "path", "bytes", "error" };

	while (o && i--)
		o = (struct ct_json *)ct_json_next(o);
	if (!o)
		return;
	for (size_t k = 0; k < 4; k++)
		ct_json_free(ct_json_detach(o, keys[k]));
	ct_json_add_str(o, "state", state);
	ct_json_add_str(o, "path", path);
	ct_json_add_int(o, "bytes", (int64_t)bytes);
	ct_json_add_str(o, "error", error);
}

int ct_inbox_add(struct ct_inbox *ib, const struct ct_msg_in *in, uint64_t *id)
{
	struct ct_inbox_msg *m = calloc(1, sizeof *m);
	char a[CT_HADDR_STRLEN];

	if (!m)
		return CT_ENOMEM;
	m->id = ib->next_id;
	m->wall = in->wall;
	m->from = dup0(ct_haddr_str(&in->from, a, sizeof a));
	m->user = dup0(in->user);
	m->host = dup0(in->host);
	m->nick = dup0(in->nick);
	m->text = dup0(in->text);
	m->charset = dup0(in->charset);
	m->packetno = in->packetno;
	m->command = in->command;
	m->sealed = in->sealed;
	m->readcheck = in->readcheck;
	m->autoreply = in->autoreply;
	m->broadcast = in->broadcast;
	m->multicast = in->multicast;
	m->encrypted = in->encrypted;
	m->attach = in->attach;
	m->cipher = dup0(in->cipher);
	m->signature = dup0(in->signature);
	m->crypt_error = dup0(in->crypt_error);
	if (!m->cipher || !m->signature || !m->crypt_error) {
		msg_free(m);
		return CT_ENOMEM;
	}
	m->files = files_of(in->attach_list);
	if (id)
		*id = m->id;
	return push(ib, m);
}

struct ct_json *ct_inbox_msg_json(const struct ct_inbox_msg *m, int with_text)
{
	struct ct_json *o = ct_json_obj();
	char t[40];

	if (!o)
		return NULL;
	ct_json_add_int(o, "id", (int64_t)m->id);
	ct_json_add_str(o, "time", ct_wall_iso(m->wall, t, sizeof t));
	ct_json_add_str(o, "from", m->from);
	ct_json_add_str(o, "user", m->user);
	ct_json_add_str(o, "host", m->host);
	ct_json_add_str(o, "nick", m->nick);
	if (with_text || !m->sealed || m->read)
		ct_json_add_str(o, "text", m->text);
	else
		ct_json_add_null(o, "text");
	ct_json_add_str(o, "charset", m->charset);
	ct_json_add_int(o, "packetno", m->packetno);
	ct_json_add_int(o, "command", m->command);
	ct_json_add_bool(o, "sealed", m->sealed);
	ct_json_add_bool(o, "read_check", m->readcheck);
	ct_json_add_bool(o, "read", m->read);
	ct_json_add_bool(o, "auto_reply", m->autoreply);
	ct_json_add_bool(o, "broadcast", m->broadcast);
	ct_json_add_bool(o, "multicast", m->multicast);
	ct_json_add_bool(o, "encrypted", m->encrypted);
	ct_json_add_bool(o, "attachments", m->attach);
	/* encrypted: with what, the signature, and whether it could be read (why not) */
	if (m->encrypted && m->cipher && m->cipher[0])
		ct_json_add_str(o, "cipher", m->cipher);
	else
		ct_json_add_null(o, "cipher");
	if (m->encrypted && m->signature && m->signature[0])
		ct_json_add_str(o, "signature", m->signature);
	else
		ct_json_add_null(o, "signature");
	ct_json_add_bool(o, "readable", !(m->crypt_error && m->crypt_error[0]));
	if (m->crypt_error && m->crypt_error[0])
		ct_json_add_str(o, "crypt_error", m->crypt_error);
	else
		ct_json_add_null(o, "crypt_error");
	ct_json_add(o, "files", m->files ? ct_json_dup(m->files) : ct_json_arr());
	return o;
}

int ct_inbox_msg_addr(const struct ct_inbox_msg *m, struct ct_haddr *a)
{
	char ip[CT_HADDR_STRLEN];
	const char *c = strrchr(m->from, ':');
	long port;

	if (!c || (size_t)(c - m->from) >= sizeof ip)
		return CT_EFORMAT;
	port = strtol(c + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return CT_EFORMAT;
	memcpy(ip, m->from, (size_t)(c - m->from));
	ip[c - m->from] = 0;
	if (ip[0] == '[' && strchr(ip, ']')) {
		memmove(ip, ip + 1, strlen(ip));
		*strchr(ip, ']') = 0;
	}
	return ct_haddr_parse(a, ip, (uint16_t)port);
}

static int get_flag(const struct ct_json *o, const char *k)
{
	int v = 0;

	ct_json_get_bool(o, k, &v);
	return v;
}

static struct ct_inbox_msg *msg_from_json(const struct ct_json *o)
{
	struct ct_inbox_msg *m = calloc(1, sizeof *m);
	int64_t v = 0;
	double w = 0;

	if (!m)
		return NULL;
	ct_json_get_i64(o, "id", &v);
	m->id = (uint64_t)v;
	ct_json_get_num(o, "wall", &w);
	m->wall = isfinite(w) && w >= 0 && w < 1e11 ? w : 0; /* a damaged time is no time (year < 5138) */
	m->from = dup_text(ct_json_get_str(o, "from"));
	m->user = dup_text(ct_json_get_str(o, "user"));
	m->host = dup_text(ct_json_get_str(o, "host"));
	m->nick = dup_text(ct_json_get_str(o, "nick"));
	m->text = dup_text(ct_json_get_str(o, "text"));
	m->charset = dup_text(ct_json_get_str(o, "charset"));
	v = 0;
	ct_json_get_i64(o, "packetno", &v);
	m->packetno = (uint32_t)v;
	v = 0;
	ct_json_get_i64(o, "command", &v);
	m->command = (uint32_t)v;
	m->sealed = get_flag(o, "sealed");
	m->readcheck = get_flag(o, "read_check");
	m->read = get_flag(o, "read");
	m->autoreply = get_flag(o, "auto_reply");
	m->broadcast = get_flag(o, "broadcast");
	m->multicast = get_flag(o, "multicast");
	m->encrypted = get_flag(o, "encrypted");
	m->attach = get_flag(o, "attachments");
	m->cipher = dup_text(ct_json_get_str(o, "cipher"));
	m->signature = dup_text(ct_json_get_str(o, "signature"));
	m->crypt_error = dup_text(ct_json_get_str(o, "crypt_error"));
	if (ct_json_is_arr(ct_json_get(o, "files")) && ct_json_first(ct_json_get(o, "files")))
		m->files = ct_json_dup(ct_json_get(o, "files"));
	return m;
}

static int load(struct ct_inbox *ib, char *err, size_t errlen)
{
	int fd = open(ib->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct ct_json *doc = NULL;
	const struct ct_json *arr;
	struct stat st;
	char *text;
	ssize_t got;
	int64_t next = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : CT_ESYS;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > INBOX_FILE_MAX) {
		close(fd);
		snprintf(err, errlen, "%s is not a regular file of at most 64 MiB", ib->path);
		return CT_EFORMAT;
	}
	text = malloc((size_t)st.st_size + 1);
	got = text ? read(fd, text, (size_t)st.st_size) : -1;
	close(fd);
	if (got != st.st_size || ct_json_parse(text, (size_t)got, &doc) != 0 || !ct_json_is_obj(doc) ||
	    !(arr = ct_json_get(doc, "messages")) || !ct_json_is_arr(arr)) {
		free(text);
		ct_json_free(doc);
		snprintf(err, errlen, "%s is not an inbox file", ib->path);
		return CT_EFORMAT;
	}
	free(text);
	for (const struct ct_json *e = ct_json_first(arr); e; e = ct_json_next(e)) {
		struct ct_inbox_msg *m = ct_json_is_obj(e) ? msg_from_json(e) : NULL;
		/* ids name messages (camtrace inbox ID): 0 and a second copy of an id are dropped,
		 * and new ids start above every id kept, whatever the file's next_id says */
		if (m && (m->id == 0 || m->id >= UINT64_MAX / 2 || ct_inbox_find(ib, m->id))) {
			msg_free(m);
			continue;
		}
		if (m && m->id >= ib->next_id)
			ib->next_id = m->id + 1;
		if (m && push(ib, m) != 0)
			break;
	}
	if (ct_json_get_i64(doc, "next_id", &next) == 0 && next > 0 && (uint64_t)next > ib->next_id &&
	    (uint64_t)next < UINT64_MAX / 2)
		ib->next_id = (uint64_t)next;
	ct_json_free(doc);
	return 0;
}

int ct_inbox_open(struct ct_inbox **out, const char *path, size_t max, char *err, size_t errlen)
{
	struct ct_inbox *ib = calloc(1, sizeof *ib);
	int r;

	*out = NULL;
	if (!ib)
		return CT_ENOMEM;
	ib->max = max ? max : 1000;
	ib->next_id = 1;
	if (path && !(ib->path = strdup(path))) {
		free(ib);
		return CT_ENOMEM;
	}
	if (ib->path && (r = load(ib, err, errlen)) != 0) {
		char bad[PATH_MAX];
		snprintf(bad, sizeof bad, "%s.bad", ib->path);
		if (r == CT_ESYS) {
			snprintf(err, errlen, "cannot read %s: %s", ib->path, strerror(errno));
			ct_inbox_close(ib);
			return r;
		}
		log_warn("inbox: %s; kept aside as %s, starting empty", err, bad);
		if (rename(ib->path, bad) != 0)
			log_warn("inbox: cannot rename %s: %s", ib->path, strerror(errno));
		for (size_t i = 0; i < ib->n; i++)
			msg_free(ib->v[i]);
		ib->n = 0;
	}
	*out = ib;
	return 0;
}

void ct_inbox_close(struct ct_inbox *ib)
{
	if (!ib)
		return;
	for (size_t i = 0; i < ib->n; i++)
		msg_free(ib->v[i]);
	free(ib->v);
	free(ib->path);
	free(ib);
}

void ct_inbox_set_max(struct ct_inbox *ib, size_t max)
{
	ib->max = max ? max : 1000;
	trim(ib);
}

int ct_inbox_save(struct ct_inbox *ib, char *err, size_t errlen)
{
	struct ct_json *doc, *arr;
	char tmp[PATH_MAX], dir[PATH_MAX], *text;
	int fd, r = 0;

	if (!ib->path)
		return 0;
	if (snprintf(tmp, sizeof tmp, "%s.tmp", ib->path) >= (int)sizeof tmp)
		return CT_ERANGE;
	doc = ct_json_obj();
	if (!doc)
		return CT_ENOMEM;
	ct_json_add_int(doc, "version", 1);
	ct_json_add_int(doc, "next_id", (int64_t)ib->next_id);
	arr = ct_json_add_arr(doc, "messages");
	for (size_t i = 0; arr && i < ib->n; i++) {
		struct ct_json *o = ct_inbox_msg_json(ib->v[i], 1);
		if (o) {
			ct_json_add_num(o, "wall", ib->v[i]->wall);
			ct_json_add(arr, NULL, o);
		}
	}
	text = ct_json_print(doc, 0);
	ct_json_free(doc);
	if (!text)
		return CT_ENOMEM;
	/* 0600: messages are private to the daemon's user */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		free(text);
		return CT_ESYS;
	}
	if (ct_fs_write_full(fd, text, strlen(text)) != 0 || ct_fs_write_full(fd, "\n", 1) != 0 || fsync(fd) != 0)
		r = CT_ESYS;
	free(text);
	if (close(fd) != 0)
		r = CT_ESYS;
	if (r == 0 && rename(tmp, ib->path) != 0)
		r = CT_ESYS;
	if (r != 0) {
		snprintf(err, errlen, "cannot write %s: %s", ib->path, strerror(errno));
		unlink(tmp);
		return r;
	}
	ct_fs_dirname(ib->path, dir, sizeof dir);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(fd) != 0 && errno != EINVAL)
			log_warn("fsync of directory %s failed: %s", dir, strerror(errno));
		close(fd);
	}
	return 0;
}

size_t ct_inbox_count(const struct ct_inbox *ib)
{
	return ib->n;
}

size_t ct_inbox_unread(const struct ct_inbox *ib)
{
	size_t k = 0;

	for (size_t i = 0; i < ib->n; i++)
		k += !ib->v[i]->read;
	return k;
}

struct ct_inbox_msg *ct_inbox_at(struct ct_inbox *ib, size_t i)
{
	return i < ib->n ? ib->v[i] : NULL;
}

struct ct_inbox_msg *ct_inbox_find(struct ct_inbox *ib, uint64_t id)
{
	for (size_t i = 0; i < ib->n; i++)
		if (ib->v[i]->id == id)
			return ib->v[i];
	return NULL;
}
