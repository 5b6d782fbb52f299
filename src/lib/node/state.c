/* state.c: versioned JSON state file: sections, checked reload (streamed line by line), leftover temp files. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
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
#include "state-int.h"

#define MAX_FILE (512u * 1024 * 1024)
#define MAX_LINE (16u * 1024 * 1024)

int ct_state_fail(struct ct_state *st, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
	return code;
}

#define fail ct_state_fail

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
	st->child_fd = -1;
	*out = st;
	return 0;
}

void ct_state_free(struct ct_state *st)
{
	if (!st)
		return;
	ct_state_wait(st);
	if (st->ev && st->timer)
		ct_evloop_cancel_timer(st->ev, st->timer);
	free(st->path);
	free(st);
}

const char *ct_state_path(const struct ct_state *st) { return st->path; }
const char *ct_state_error(const struct ct_state *st) { return st->err; }
const char *ct_state_moved_to(const struct ct_state *st) { return st->moved; }
uint64_t ct_state_saves(const struct ct_state *st) { return st->stats.saves; }
const struct ct_state_stats *ct_state_stats(const struct ct_state *st) { return &st->stats; }

static struct ct_state_section *find_section(struct ct_state *st, const char *name)
{
	for (size_t i = 0; i < st->nsec; i++)
		if (strcmp(st->sec[i].name, name) == 0)
			return &st->sec[i];
	return NULL;
}

static int add_section(struct ct_state *st, const char *section, struct ct_state_section **out)
{
	struct ct_state_section *s;

	if (!section || !section[0] || strlen(section) >= sizeof st->sec[0].name)
		return CT_EINVAL;
	if (!(s = find_section(st, section))) {
		if (st->nsec >= CT_STATE_MAX_SECTIONS)
			return CT_ETOOBIG;
		s = &st->sec[st->nsec++];
		ct_strlcpy(s->name, section, sizeof s->name);
	}
	memset(&s->save, 0, sizeof *s - offsetof(struct ct_state_section, save));
	*out = s;
	return 0;
}

int ct_state_register_stream(struct ct_state *st, const char *section, ct_state_stream_fn save,
	ct_state_elem_fn load, void *ud)
{
	struct ct_state_section *s;
	int r = add_section(st, section, &s);

	if (r != 0)
		return r;
	s->stream = save;
	s->elem = load;
	s->ud = ud;
	return 0;
}

int ct_state_register(struct ct_state *st, const char *section, ct_state_save_fn save,
	ct_state_load_fn load, void *ud)
{
	struct ct_state_section *s;

	int r = add_section(st, section, &s);

	if (r != 0)
		return r;
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

/* The checks of the header members (format, version, seq); 0 or the result of move_aside. */
static int check_header(struct ct_state *st, const struct ct_json *doc)
{
	const char *fmt = ct_json_get_str(doc, "format");
	int64_t ver, seq;
	char why[160], tag[32];

	if (!fmt || strcmp(fmt, CT_STATE_FORMAT) != 0)
		return move_aside(st, "foreign", "is not a camtraced state file (no \"format\": \"" CT_STATE_FORMAT "\")");
	if (ct_json_get_i64(doc, "version", &ver) != 0)
		return move_aside(st, "bad", "has no format version");
	if (ver != CT_STATE_VERSION) {
		snprintf(tag, sizeof tag, "v%lld", (long long)ver);
		snprintf(why, sizeof why, "has format version %lld, this camtraced reads version %d%s",
			(long long)ver, CT_STATE_VERSION, ver > CT_STATE_VERSION ? " (written by a newer camtraced)" : "");
		return move_aside(st, tag, why);
	}
	if (ct_json_get_i64(doc, "seq", &seq) == 0 && seq > 0)
		st->seq = (uint64_t)seq;
	return 0;
}

/* Opens the state file for reading: the fd, or -1 with the result in *r (no file, symlink
 * moved aside, not a regular file). */
static int open_file(struct ct_state *st, int *r)
{
	struct stat sb;
	int fd;

	st->moved[0] = '\0';
	st->err[0] = '\0';
	fd = open(st->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT) {
			st->blocked = 0;
			*r = fail(st, CT_ENOTFOUND, "no state file %s yet", st->path);
		} else if (errno == ELOOP) {
			*r = move_aside(st, "foreign", "is a symbolic link");
		} else {
			*r = fail(st, CT_ESYS, "cannot open state file %s: %s", st->path, strerror(errno));
		}
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		st->blocked = 1;
		*r = fail(st, CT_ESYS, "state file %s is not a regular file; remove or rename it", st->path);
		return -1;
	}
	return fd;
}

int ct_state_read(struct ct_state *st, struct ct_json **sections)
{
	struct ct_sbuf b;
	struct ct_json *doc = NULL;
	const struct ct_json *secs;
	int fd, r;

	*sections = NULL;
	if ((fd = open_file(st, &r)) < 0)
		return r;
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
	if ((r = check_header(st, doc)) != 0) {
		ct_json_free(doc);
		return r;
	}
	secs = ct_json_get(doc, "sections");
	if (!secs || !ct_json_is_obj(secs)) {
		ct_json_free(doc);
		return move_aside(st, "bad", "has no \"sections\" object");
	}
	*sections = ct_json_dup(secs);
	ct_json_free(doc);
	st->blocked = 0;
	return *sections ? 0 : fail(st, CT_ENOMEM, "out of memory");
}

/* ---- loading ---- */

/* Hands one section value to its loader (a tree; a streamed section gets its elements). */
static void load_value(struct ct_state *st, struct ct_state_section *s, const struct ct_json *v)
{
	size_t bad = 0;
	int lr = 0;

	if (s->load) {
		lr = s->load(v, s->ud);
	} else if (s->elem) {
		if (!ct_json_is_arr(v))
			lr = CT_EFORMAT;
		for (const struct ct_json *el = lr ? NULL : ct_json_first(v); el; el = ct_json_next(el))
			bad += s->elem(el, s->ud) != 0;
	}
	if (lr != 0)
		log_warn("state file %s: section \"%s\" could not be loaded (%s); it starts empty",
			st->path, s->name, ct_strerror(lr));
	if (bad)
		log_warn("state file %s: section \"%s\": %zu records were not usable and were skipped",
			st->path, s->name, bad);
}

/* A file in another layout than the line layout (older files): one tree. */
static int load_tree(struct ct_state *st)
{
	struct ct_json *secs;
	int r = ct_state_read(st, &secs);

	if (r != 0)
		return r;
	for (size_t i = 0; i < st->nsec; i++) {
		const struct ct_json *v = ct_json_get(secs, st->sec[i].name);
		if (v)
			load_value(st, &st->sec[i], v);
	}
	ct_json_free(secs);
	return 0;
}

/* Parses pre + text + post as one JSON value. */
static int parse_wrapped(struct ct_sbuf *b, const char *pre, const char *text, size_t len, const char *post,
	struct ct_json **out)
{
	ct_sbuf_reset(b);
	if (ct_sbuf_add(b, pre, strlen(pre)) != 0 || ct_sbuf_add(b, text, len) != 0 || ct_sbuf_add(b, post, strlen(post)) != 0)
		return CT_ENOMEM;
	return ct_json_parse(b->p, b->len, out);
}

struct walk {
	FILE *fp;
	char *line;
	size_t cap, lineno;
	struct ct_sbuf b;
	char why[160];
};

/* The next line without its newline: its length, or -1 at the end (or a line too long). */
static ssize_t next_line(struct walk *w)
{
	ssize_t n = getline(&w->line, &w->cap, w->fp);

	if (n < 0)
		return -1;
	w->lineno++;
	if ((size_t)n > MAX_LINE) {
		snprintf(w->why, sizeof w->why, "has a line longer than 16 MiB (line %zu)", w->lineno);
		return -1;
	}
	while (n > 0 && (w->line[n - 1] == '\n' || w->line[n - 1] == '\r'))
		w->line[--n] = '\0';
	return n;
}

/* Walks the sections after the header line: checks them (apply 0) or hands them over (1).
 * 0, CT_EFORMAT (w->why says what) or CT_ENOMEM. */
static int walk_sections(struct ct_state *st, struct walk *w, int apply)
{
	struct ct_state_section *arr = NULL;
	int in_arr = 0;
	size_t bad = 0;
	ssize_t n;

	while ((n = next_line(w)) >= 0) {
		const char *p = w->line;
		struct ct_json *v = NULL;
		size_t len = (size_t)n;
		if (!in_arr && strcmp(p, "}}") == 0) {
			while ((n = next_line(w)) >= 0)
				if (strspn(w->line, " \t") != (size_t)n) {
					snprintf(w->why, sizeof w->why, "has text after its end (line %zu)", w->lineno);
					return CT_EFORMAT;
				}
			return w->why[0] ? CT_EFORMAT : 0;
		}
		if (in_arr && strcmp(p, "]") == 0) {
			if (apply && bad)
				log_warn("state file %s: section \"%s\": %zu records were not usable and were skipped",
					st->path, arr->name, bad);
			in_arr = 0;
			continue;
		}
		if (*p == ',') {
			p++;
			len--;
		}
		char name[48] = "";
		const struct ct_json *m = NULL;
		if (!in_arr) { /* "name":value, the name as written by the saver (no escapes) */
			const char *q = len > 1 && p[0] == '"' ? memchr(p + 1, '"', len - 1) : NULL;
			if (q && (size_t)(q - p - 1) < sizeof name && !memchr(p + 1, '\\', (size_t)(q - p - 1)))
				memcpy(name, p + 1, (size_t)(q - p - 1));
		}
		int pr = in_arr ? ct_json_parse(p, len, &v) :
			len >= 2 && p[len - 2] == ':' && p[len - 1] == '[' ? parse_wrapped(&w->b, "{", p, len, "]}", &v) :
			parse_wrapped(&w->b, "{", p, len, "}", &v);
		if (pr == CT_ENOMEM)
			return fail(st, CT_ENOMEM, "out of memory reading %s", st->path);
		if (pr != 0 || (!in_arr && (!name[0] || !(m = ct_json_get(v, name))))) {
			ct_json_free(v);
			snprintf(w->why, sizeof w->why, "is damaged (line %zu is not JSON)", w->lineno);
			return CT_EFORMAT;
		}
		if (in_arr) {
			if (apply && arr)
				bad += arr->elem ? arr->elem(v, arr->ud) != 0 : 0;
		} else {
			struct ct_state_section *s = find_section(st, name);
			if (p[len - 1] == '[' && ct_json_is_arr(m) && !ct_json_first(m)) {
				in_arr = 1; /* a streamed section: elements follow */
				arr = s && s->elem ? s : NULL;
				bad = 0;
			} else if (apply && s) {
				load_value(st, s, m);
			}
		}
		ct_json_free(v);
	}
	if (!w->why[0])
		snprintf(w->why, sizeof w->why, "is truncated (it ends at line %zu, before its closing line)", w->lineno);
	return CT_EFORMAT;
}

/* The line layout: the header line, then a check of every line, then the loading pass. */
static int load_lines(struct ct_state *st, struct walk *w)
{
	struct ct_json *doc = NULL;
	size_t hlen = strlen(w->line);
	int r;

	if (parse_wrapped(&w->b, "", w->line, hlen, "}}", &doc) != 0 || !ct_json_is_obj(doc)) {
		ct_json_free(doc);
		return move_aside(st, "bad", "is damaged (its first line is not a state file header)");
	}
	r = check_header(st, doc);
	ct_json_free(doc);
	if (r != 0)
		return r;
	if ((r = walk_sections(st, w, 0)) != 0)
		return r == CT_EFORMAT ? move_aside(st, "bad", w->why) : r;
	rewind(w->fp);
	w->lineno = 0;
	if (next_line(w) < 0 || (r = walk_sections(st, w, 1)) != 0)
		return fail(st, CT_ESYS, "state file %s changed while it was read", st->path);
	st->blocked = 0;
	return 0;
}

int ct_state_load(struct ct_state *st)
{
	struct walk w;
	int fd, r;
	static const char tail[] = "\"sections\":{";

	ct_state_clean_tmp(st);
	if ((fd = open_file(st, &r)) < 0)
		return r;
	memset(&w, 0, sizeof w);
	if (!(w.fp = fdopen(fd, "r"))) {
		close(fd);
		return fail(st, CT_ENOMEM, "out of memory reading %s", st->path);
	}
	ct_sbuf_init(&w.b);
	ssize_t n = next_line(&w);
	if (n >= (ssize_t)sizeof tail - 1 && w.line[0] == '{' && strcmp(w.line + n - (sizeof tail - 1), tail) == 0) {
		r = load_lines(st, &w);
	} else {
		fclose(w.fp);
		w.fp = NULL;
		r = load_tree(st);
	}
	if (w.fp)
		fclose(w.fp);
	free(w.line);
	ct_sbuf_fini(&w.b);
	return r;
}

/* ---- leftover temp files ---- */

size_t ct_state_clean_tmp(struct ct_state *st)
{
	char dir[PATH_MAX], full[PATH_MAX * 2], prefix[NAME_MAX + 8];
	const char *base = strrchr(st->path, '/');
	struct dirent *e;
	size_t n = 0, plen;
	DIR *d;

	base = base ? base + 1 : st->path;
	snprintf(prefix, sizeof prefix, "%s.tmp", base);
	plen = strlen(prefix);
	ct_fs_dirname(st->path, dir, sizeof dir);
	if (!(d = opendir(dir)))
		return 0;
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		if (strncmp(e->d_name, prefix, plen) != 0 || (e->d_name[plen] != '\0' && e->d_name[plen] != '.'))
			continue;
		snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
		if (lstat(full, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		if (unlink(full) == 0) {
			n++;
			log_notice("removed %s, left by a save that a crash or kill interrupted (%lld bytes); "
				"the state comes from %s", full, (long long)sb.st_size, st->path);
		}
	}
	closedir(d);
	st->stats.tmp_removed += n;
	return n;
}
