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

struct ct_ctl_client {
	int fd;
	struct ct_sbuf in;
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
	return 0;
}

void ct_ctl_client_free(struct ct_ctl_client *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	ct_sbuf_fini(&c->in);
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

int ct_ctl_client_recv(struct ct_ctl_client *c, int timeout_ms, struct ct_json **msg)
{
	uint64_t deadline = ct_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	char buf[65536];

	*msg = NULL;
	if (c->fd < 0)
		return cfail(c, CT_ESTATE, NULL, "not connected");
	for (;;) {
		char *nl = c->in.len > c->scanned ? memchr(c->in.p + c->scanned, '\n', c->in.len - c->scanned) : NULL;
		ssize_t n;
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
		n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
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
	}
}

/* Takes the error object of a reply into the handle. */
static int remote_error(struct ct_ctl_client *c, const struct ct_json *msg)
{
	const struct ct_json *e = ct_json_get(msg, "error");
	const char *code = ct_json_get_str(e, "code"), *m = ct_json_get_str(e, "message");

	return cfail(c, CT_EPROTO, code ? code : "failed", "%s", m ? m : "camtraced reported an error");
}

int ct_ctl_client_call(struct ct_ctl_client *c, const char *method, const struct ct_json *params,
	int timeout_ms, struct ct_json **result)
{
	uint64_t deadline = ct_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	struct ct_json *req = ct_json_obj(), *msg;
	int64_t id = ++c->next_id, got;
	char *line;
	int r;

	*result = NULL;
	c->code[0] = '\0';
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
		const struct ct_json *res;
		if ((r = ct_ctl_client_recv(c, left_ms(deadline), &msg)) != 0)
			return r;
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
		res = ct_json_get(msg, "result");
		*result = res ? ct_json_dup(res) : ct_json_obj();
		ct_json_free(msg);
		return *result ? 0 : cfail(c, CT_ENOMEM, NULL, "out of memory");
	}
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
