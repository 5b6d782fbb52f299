/* ctl-client.c: blocking control-socket client with timeouts (connect, hello, call), for camtrace commands. */
#include "config.h"
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "clock.h"
#include "err.h"
#include "sbuf.h"
#include "util.h"
#include "version.h"
#include "ctl.h"

#define MAX_REPLY (256u * 1024 * 1024)

enum { SCAN_KEEP, SCAN_STREAM, SCAN_DROP };

struct scan {
	const char *key;          /* result member whose elements are streamed (NULL: none) */
	int64_t want_id;
	ct_ctl_item_fn fn;
	void *ud;
	int raw;                  /* elements handed over as text only (el NULL) */
	int stop;                 /* fn's code once it asked to stop */
	size_t pos;               /* next byte of c->in to look at */
	size_t copy_from;         /* bytes before it are in skel (or dropped) */
	int depth, in_str, esc, after_colon;
	int in_result;            /* the object at depth 2 is the reply's "result" */
	int target, mode;         /* inside result[key] (depth 3), and what happens to its elements */
	int last_mode;            /* mode of the last complete reply */
	int in_el, el_box;        /* inside an element; it is an object or an array */
	size_t el_start;
	char kb[3][32];           /* the last string at depths 0-2 (a key before ':') */
	size_t kl[3];
	struct ct_sbuf skel;      /* the reply without the streamed elements */
};

struct ct_ctl_client {
	int fd;
	struct ct_sbuf in;
	struct scan sc;     /* the reply being read: kept across calls when one ends midway */
	size_t scanned;     /* bytes of `in` known to hold no newline */
	int64_t next_id;
	struct ct_json *hello;
	char err[512];
	char code[32];
};

static int cfail(struct ct_ctl_client *c, int r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int cfail(struct ct_ctl_client *c, int r, const char *code, const char *fmt, ...)
{
	va_list ap;

	ct_strlcpy(c->code, code ? code : "", sizeof c->code);
	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	return r;
}

int ct_ctl_client_new(struct ct_ctl_client **out)
{
	struct ct_ctl_client *c = calloc(1, sizeof *c);

	*out = c;
	if (!c)
		return CT_ENOMEM;
	c->fd = -1;
	ct_sbuf_init(&c->in);
	ct_sbuf_init(&c->sc.skel);
	return 0;
}

void ct_ctl_client_free(struct ct_ctl_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	ct_sbuf_fini(&c->in);
	ct_sbuf_fini(&c->sc.skel);
	ct_json_free(c->hello);
	free(c);
}

const char *ct_ctl_client_error(const struct ct_ctl_client *c) { return c->err; }
const char *ct_ctl_client_error_code(const struct ct_ctl_client *c) { return c->code; }
const struct ct_json *ct_ctl_client_hello(const struct ct_ctl_client *c) { return c->hello; }

static int left_ms(uint64_t deadline)
{
	uint64_t now = ct_mono_ms();

	return now >= deadline ? 0 : (int)(deadline - now > 86400000 ? 86400000 : deadline - now);
}

static int wait_fd(struct ct_ctl_client *c, short ev, uint64_t deadline)
{
	struct pollfd p = { .fd = c->fd, .events = ev };

	for (;;) {
		int n = poll(&p, 1, left_ms(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cfail(c, CT_ESYS, NULL, "poll: %s", strerror(errno));
		if (n == 0)
			return cfail(c, CT_ETIMEDOUT, NULL, "camtraced did not answer in time");
		return 0;
	}
}

int ct_ctl_client_send_raw(struct ct_ctl_client *c, const char *line, int timeout_ms)
{
	uint64_t deadline = ct_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	size_t len = strlen(line), off = 0;
	char *buf = malloc(len + 1);
	int r = 0;

	if (c->fd < 0) {
		free(buf);
		return cfail(c, CT_ESTATE, NULL, "not connected");
	}
	if (!buf)
		return cfail(c, CT_ENOMEM, NULL, "out of memory");
	memcpy(buf, line, len);
	buf[len++] = '\n';
	while (off < len) {
		ssize_t n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = wait_fd(c, POLLOUT, deadline)) != 0)
				break;
			continue;
		}
		if (n < 0) {
			r = cfail(c, CT_ECLOSED, NULL, "camtraced closed the connection (%s)", strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	free(buf);
	return r;
}

/* Appends what the socket has to c->in, waiting for it until the deadline. */
static int recv_more(struct ct_ctl_client *c, uint64_t deadline)
{
	char buf[65536];

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
		int r;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = wait_fd(c, POLLIN, deadline)) != 0)
				return r;
			continue;
		}
		if (n <= 0)
			return cfail(c, CT_ECLOSED, NULL, "camtraced closed the connection%s%s",
				n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		if (ct_sbuf_add(&c->in, buf, (size_t)n) != 0)
			return cfail(c, CT_ENOMEM, NULL, "out of memory");
		return 0;
	}
}

int ct_ctl_client_recv(struct ct_ctl_client *c, int timeout_ms, struct ct_json **msg)
{
	uint64_t deadline = ct_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);

	*msg = NULL;
	if (c->fd < 0)
		return cfail(c, CT_ESTATE, NULL, "not connected");
	for (;;) {
		char *nl = c->in.len > c->scanned ? memchr(c->in.p + c->scanned, '\n', c->in.len - c->scanned) : NULL;
		int r;
		if (nl) {
			size_t len = (size_t)(nl - c->in.p), rest = c->in.len - len - 1;
			r = ct_json_parse(c->in.p, len, msg);
			memmove(c->in.p, nl + 1, rest);
			c->in.len = rest;
			c->in.p[rest] = '\0';
			c->scanned = 0;
			if (r != 0 || !ct_json_is_obj(*msg)) {
				ct_json_free(*msg);
				*msg = NULL;
				return cfail(c, CT_EPROTO, NULL, "camtraced sent a reply that is not a JSON object");
			}
			return 0;
		}
		c->scanned = c->in.len;
		if (c->in.len > MAX_REPLY)
			return cfail(c, CT_ETOOBIG, NULL, "reply larger than %u MiB", MAX_REPLY >> 20);
		if ((r = recv_more(c, deadline)) != 0)
			return r;
	}
}

/* Takes the error object of a reply into the handle. */
static int remote_error(struct ct_ctl_client *c, const struct ct_json *msg)
{
	const struct ct_json *e = ct_json_get(msg, "error");
	const char *code = ct_json_get_str(e, "code"), *m = ct_json_get_str(e, "message");

	return cfail(c, CT_EPROTO, code ? code : "failed", "%s", m ? m : "camtraced reported an error");
}

/* ---- replies read as they arrive: the streamed array's elements one at a time ---- */

static void scan_reset(struct scan *s)
{
	s->pos = s->copy_from = 0;
	s->depth = s->in_str = s->esc = s->after_colon = s->in_result = s->target = 0;
	s->mode = SCAN_KEEP;
	s->in_el = 0;
	ct_sbuf_reset(&s->skel);
}

static void skel_take(struct scan *s, const char *p, size_t upto)
{
	if (upto > s->copy_from)
		ct_sbuf_add(&s->skel, p + s->copy_from, upto - s->copy_from);
	s->copy_from = upto;
}

/* The streamed array opens: stream its elements when the reply is the call's ({"id":N first),
 * drop them when it is another call's, keep them otherwise (read whole, handed over after). */
static void scan_open_target(struct scan *s, const char *p, size_t i)
{
	char *end;
	long long id;

	skel_take(s, p, i + 1);
	s->target = 1;
	s->mode = SCAN_KEEP;
	if (s->skel.p && strncmp(s->skel.p, "{\"id\":", 6) == 0) {
		id = strtoll(s->skel.p + 6, &end, 10);
		if (end != s->skel.p + 6 && (*end == ',' || *end == ' '))
			s->mode = id == s->want_id ? SCAN_STREAM : SCAN_DROP;
	}
}

static void scan_element(struct ct_ctl_client *c, struct scan *s, size_t end)
{
	const char *raw = c->in.p + s->el_start;
	size_t len = end - s->el_start;
	struct ct_json *el = NULL;

	while (len && (raw[len - 1] == ' ' || raw[len - 1] == '\t' || raw[len - 1] == '\r'))
		len--;
	s->in_el = 0;
	s->copy_from = end;
	if (s->mode != SCAN_STREAM || s->stop)
		return;
	if (s->raw ? !ct_json_valid(raw, len) : ct_json_parse(raw, len, &el) != 0)
		s->stop = cfail(c, CT_EPROTO, NULL, "camtraced sent a list element that is not JSON");
	else
		s->stop = s->fn(el, raw, len, s->ud);
	ct_json_free(el);
}

/* Structure outside strings: containers, keys, the streamed array and its elements. */
static void scan_struct(struct ct_ctl_client *c, struct scan *s, size_t i)
{
	const char *p = c->in.p;
	char ch = p[i];
	int d = s->depth;

	if (s->target && d == 3 && !s->in_el && s->mode != SCAN_KEEP) {
		if (ch == ',') {
			skel_take(s, p, i);
			s->copy_from = i + 1;
			return;
		}
		if (ch != ']' && ch != ' ' && ch != '\t' && ch != '\r') {
			skel_take(s, p, i);
			s->in_el = 1;
			s->el_start = i;
			s->el_box = ch == '{' || ch == '[';
		}
	} else if (s->in_el && !s->el_box && d == 3 && (ch == ',' || ch == ']')) {
		scan_element(c, s, i);
		if (ch == ',')
			s->copy_from = i + 1;
	}
	switch (ch) {
	case '"':
		s->in_str = 1;
		if (d < 3)
			s->kl[d] = 0;
		break;
	case '{':
	case '[':
		if (d == 1 && ch == '{' && s->after_colon && s->kl[1] == 6 && memcmp(s->kb[1], "result", 6) == 0)
			s->in_result = 1;
		else if (d == 2 && ch == '[' && s->in_result && s->key && s->after_colon &&
		    s->kl[2] == strlen(s->key) && memcmp(s->kb[2], s->key, s->kl[2]) == 0)
			scan_open_target(s, p, i);
		s->depth++;
		break;
	case '}':
	case ']':
		if (s->depth > 0)
			s->depth--;
		if (s->depth == 3 && s->in_el && s->el_box)
			scan_element(c, s, i + 1);
		else if (s->depth == 2 && s->target)
			s->target = 0;
		else if (s->depth == 1)
			s->in_result = 0;
		break;
	}
	if (ch != ' ' && ch != '\t' && ch != '\r')
		s->after_colon = ch == ':';
}

/* Scans what arrived; 1 when a whole message is in (its skeleton in skel, consumed from c->in). */
static int scan_more(struct ct_ctl_client *c, struct scan *s)
{
	const char *p = c->in.p;
	size_t i = s->pos, n = c->in.len, keep;

	if (!p)
		return 0;
	for (; i < n; i++) {
		char ch = p[i];
		if (s->in_str) {
			if (s->depth >= 3) { /* values deep inside: skip to the next quote or backslash */
				while (i < n && p[i] != '"' && p[i] != '\\' && !s->esc)
					i++;
				if (i == n)
					break;
				ch = p[i];
			}
			if (s->esc)
				s->esc = 0;
			else if (ch == '\\')
				s->esc = 1;
			else if (ch == '"') {
				s->in_str = 0;
				s->after_colon = 0;
			} else if (s->depth < 3 && s->kl[s->depth] < sizeof s->kb[0])
				s->kb[s->depth][s->kl[s->depth]++] = ch;
			continue;
		}
		if (ch == '\n') {
			skel_take(s, p, i);
			c->in.len = n - i - 1;
			memmove(c->in.p, p + i + 1, c->in.len);
			c->in.p[c->in.len] = '\0';
			return 1;
		}
		scan_struct(c, s, i);
	}
	/* keep only an unfinished element: the rest is in the skeleton or was dropped */
	if (!s->in_el)
		skel_take(s, p, n);
	keep = s->in_el ? s->el_start : n;
	memmove(c->in.p, p + keep, n - keep);
	c->in.len = n - keep;
	c->in.p[c->in.len] = '\0';
	s->pos = c->in.len;
	s->el_start -= s->in_el ? keep : 0;
	s->copy_from = s->in_el ? s->el_start : c->in.len;
	return 0;
}

/* Reads one reply through the scanner: *msg is its skeleton, parsed. */
static int scan_recv(struct ct_ctl_client *c, struct scan *s, uint64_t deadline, struct ct_json **msg)
{
	*msg = NULL;
	c->scanned = 0;
	for (;;) {
		int r;
		if (scan_more(c, s)) {
			r = s->skel.err ? CT_ENOMEM :
				ct_json_parse(s->skel.p ? s->skel.p : "", s->skel.len, msg) != 0 || !ct_json_is_obj(*msg) ?
				CT_EPROTO : 0;
			s->last_mode = s->mode;
			scan_reset(s);
			if (r == 0)
				return 0;
			ct_json_free(*msg);
			*msg = NULL;
			return r == CT_ENOMEM ? cfail(c, r, NULL, "out of memory") :
				cfail(c, r, NULL, "camtraced sent a reply that is not a JSON object");
		}
		if (s->skel.len + c->in.len > MAX_REPLY)
			return cfail(c, CT_ETOOBIG, NULL, "reply larger than %u MiB", MAX_REPLY >> 20);
		if ((r = recv_more(c, deadline)) != 0)
			return r;
	}
}

/* A reply read whole (not from this camtraced's writer): its elements handed over now. */
static int each_kept(struct scan *s, struct ct_json *res)
{
	struct ct_json *arr = ct_json_detach(res, s->key);
	int r = 0;

	for (const struct ct_json *el = ct_json_first(arr); el && !r; el = ct_json_next(el)) {
		char *raw = ct_json_print(el, 0);
		r = raw ? s->fn(el, raw, strlen(raw), s->ud) : CT_ENOMEM;
		free(raw);
	}
	ct_json_free(arr);
	if (ct_json_is_obj(res))
		ct_json_add_arr(res, s->key);
	return r;
}

static int call_scan(struct ct_ctl_client *c, const char *method, const struct ct_json *params,
	int timeout_ms, struct scan *s, struct ct_json **result)
{
	uint64_t deadline = ct_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	struct ct_json *req = ct_json_obj(), *msg;
	int64_t id = ++c->next_id, got;
	char *line;
	int r;

	*result = NULL;
	c->code[0] = '\0';
	s->want_id = id;
	ct_json_add_int(req, "id", id);
	ct_json_add_str(req, "method", method);
	if (params)
		ct_json_add(req, "params", ct_json_dup(params));
	line = ct_json_print(req, 0);
	ct_json_free(req);
	if (!line)
		return cfail(c, CT_ENOMEM, NULL, "out of memory");
	r = ct_ctl_client_send_raw(c, line, left_ms(deadline));
	free(line);
	if (r == CT_ECLOSED) {
		/* the daemon may have said why before closing (busy, line too long): read that */
		if (ct_ctl_client_recv(c, 0, &msg) == 0 && ct_json_get(msg, "error")) {
			r = remote_error(c, msg);
			ct_json_free(msg);
			return r;
		}
		ct_json_free(msg);
		return cfail(c, CT_ECLOSED, NULL, "camtraced closed the connection");
	}
	if (r != 0)
		return r;
	for (;;) {
		s->stop = 0;
		if ((r = scan_recv(c, s, deadline, &msg)) != 0)
			return s->stop && r == CT_EPROTO ? s->stop : r;
		if (ct_json_get_i64(msg, "id", &got) != 0) {
			/* id null: the server could not tie the error to a request. busy and line too long
			 * end the connection: report them; bad_json / bad_request answer lines sent raw. */
			const char *code = ct_json_get_str(ct_json_get(msg, "error"), "code");
			if (code && strcmp(code, "bad_json") != 0 && strcmp(code, "bad_request") != 0) {
				r = remote_error(c, msg);
				ct_json_free(msg);
				return r;
			}
			ct_json_free(msg);
			continue;
		}
		if (got != id) { /* a late answer to an earlier, abandoned call */
			ct_json_free(msg);
			continue;
		}
		if (ct_json_get(msg, "error")) {
			r = remote_error(c, msg);
			ct_json_free(msg);
			return r;
		}
		*result = ct_json_detach(msg, "result");
		ct_json_free(msg);
		if (!*result)
			*result = ct_json_obj();
		if (!*result)
			return cfail(c, CT_ENOMEM, NULL, "out of memory");
		if (s->stop)
			return s->stop;
		return s->key && s->last_mode == SCAN_KEEP ? each_kept(s, *result) : 0;
	}
}

static int call_items(struct ct_ctl_client *c, const char *method, const struct ct_json *params,
	int timeout_ms, const char *key, ct_ctl_item_fn fn, void *ud, int raw, struct ct_json **result)
{
	struct scan *s = &c->sc;

	/* a reply an abandoned call left half read is finished first, its elements dropped */
	if (s->mode == SCAN_STREAM)
		s->mode = SCAN_DROP;
	s->key = key;
	s->fn = fn;
	s->ud = ud;
	s->raw = raw;
	return call_scan(c, method, params, timeout_ms, s, result);
}

int ct_ctl_client_call_each(struct ct_ctl_client *c, const char *method, const struct ct_json *params,
	int timeout_ms, const char *key, ct_ctl_item_fn fn, void *ud, struct ct_json **result)
{
	return call_items(c, method, params, timeout_ms, key, fn, ud, 0, result);
}

int ct_ctl_client_call_raw(struct ct_ctl_client *c, const char *method, const struct ct_json *params,
	int timeout_ms, const char *key, ct_ctl_item_fn fn, void *ud, struct ct_json **result)
{
	return call_items(c, method, params, timeout_ms, key, fn, ud, 1, result);
}

int ct_ctl_client_call(struct ct_ctl_client *c, const char *method, const struct ct_json *params,
	int timeout_ms, struct ct_json **result)
{
	return ct_ctl_client_call_each(c, method, params, timeout_ms, NULL, NULL, NULL, result);
}

int ct_ctl_client_connect(struct ct_ctl_client *c, const char *path, int timeout_ms)
{
	uint64_t deadline = ct_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ct_json *params, *res = NULL;
	char who[64];
	int64_t proto;
	int r;

	if (strlen(path) >= sizeof sa.sun_path)
		return cfail(c, CT_EINVAL, NULL, "control socket path %s is too long", path);
	ct_strlcpy(sa.sun_path, path, sizeof sa.sun_path);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return cfail(c, CT_ESYS, NULL, "socket: %s", strerror(errno));
	for (;;) {
		if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) == 0)
			break;
		if (errno == EINTR)
			continue;
		r = errno;
		close(c->fd);
		c->fd = -1;
		if (r == ENOENT || r == ENOTDIR)
			return cfail(c, CT_ENOTFOUND, NULL, "no control socket at %s", path);
		if (r == ECONNREFUSED)
			return cfail(c, CT_ECLOSED, NULL, "nothing listens on %s (stale socket)", path);
		if (r == EACCES || r == EPERM)
			return cfail(c, CT_EPERM, NULL, "not allowed to connect to %s", path);
		if (r == EAGAIN && left_ms(deadline) > 0) { /* backlog full: the daemon is busy */
			usleep(20000);
			c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (c->fd < 0)
				return cfail(c, CT_ESYS, NULL, "socket: %s", strerror(errno));
			continue;
		}
		return cfail(c, r == EAGAIN ? CT_ETIMEDOUT : CT_ESYS, NULL, "cannot connect to %s: %s", path, strerror(r));
	}
	params = ct_json_obj();
	snprintf(who, sizeof who, "camtrace %s", ct_version());
	ct_json_add_int(params, "protocol", CT_CTL_PROTOCOL);
	ct_json_add_str(params, "client", who);
	r = ct_ctl_client_call(c, CT_CTL_M_HELLO, params, left_ms(deadline), &res);
	ct_json_free(params);
	if (r == CT_EPROTO && strcmp(c->code, "busy") != 0 && strcmp(c->code, "protocol_version") != 0) {
		char code[sizeof c->code], msg[sizeof c->err];
		ct_strlcpy(code, c->code, sizeof code);
		ct_strlcpy(msg, c->err, sizeof msg);
		return cfail(c, CT_EPROTO, code, "%s does not speak the camtraced control protocol: %s", path, msg);
	}
	if (r != 0)
		return r;
	if (ct_json_get_i64(res, "protocol", &proto) != 0 || proto != CT_CTL_PROTOCOL) {
		ct_json_free(res);
		return cfail(c, CT_EPROTO, "protocol_version", "camtraced on %s speaks another control protocol version", path);
	}
	ct_json_free(c->hello);
	c->hello = res;
	return 0;
}
