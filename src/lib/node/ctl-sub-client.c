/* ctl-sub-client.c: the non-blocking event subscriber: connect, hello, subscribe, one callback per event line, on the caller's event loop. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "err.h"
#include "evloop.h"
#include "jsonw.h"
#include "sbuf.h"
#include "util.h"
#include "version.h"
#include "ctl.h"
#include "ctl-sub-client.h"

#define MAX_EVENT_LINE (1024u * 1024)

struct ct_ctl_sub_client {
	struct ct_evloop *ev;
	int fd;
	struct ct_ctl_sub_cbs cb;
	int raw;
	int state;            /* 0 waiting for the replies, 1 subscribed, -1 over */
	int in_cb, dead;      /* closed inside a callback: freed after it */
	unsigned watching;
	struct ct_sbuf in;
	struct ct_out out;    /* hello + subscribe not yet taken by the socket */
	size_t out_off;
	unsigned long long events;
};

static void sc_free(struct ct_ctl_sub_client *c)
{
	if (c->fd >= 0) {
		ct_evloop_del_fd(c->ev, c->fd);
		close(c->fd);
	}
	ct_sbuf_fini(&c->in);
	free(c->out.p);
	free(c);
}

void ct_ctl_sub_client_close(struct ct_ctl_sub_client *c)
{
	if (!c)
		return;
	if (c->in_cb) {
		c->dead = 1;
		return;
	}
	sc_free(c);
}

int ct_ctl_sub_client_state(const struct ct_ctl_sub_client *c) { return c->state; }
unsigned long long ct_ctl_sub_client_events(const struct ct_ctl_sub_client *c) { return c->events; }

/* The end: stop watching and tell the caller once. */
static void finish(struct ct_ctl_sub_client *c, int code, const char *why)
{
	if (c->state < 0)
		return;
	c->state = -1;
	if (c->fd >= 0) {
		ct_evloop_del_fd(c->ev, c->fd);
		close(c->fd);
		c->fd = -1;
	}
	if (c->cb.closed)
		c->cb.closed(code, why, c->cb.ud);
}

/* One complete line: a reply (hello: 1, subscribe: 2) or an event. */
static void on_line(struct ct_ctl_sub_client *c, const char *line, size_t len)
{
	struct ct_json *m = NULL;
	const struct ct_json *e;
	char why[300];
	int64_t id;

	if (c->state == 1 && c->raw && !memmem(line, len < 16 ? len : 16, "\"id\"", 4)) {
		c->events++;
		if (c->cb.event)
			c->cb.event(NULL, line, len, c->cb.ud);
		return;
	}
	if (ct_json_parse(line, len, &m) != 0 || !ct_json_is_obj(m)) {
		ct_json_free(m);
		finish(c, CT_EPROTO, "camtraced sent a line that is not a JSON object");
		return;
	}
	if (ct_json_get_i64(m, "id", &id) != 0) {
		c->events++;
		if (c->cb.event)
			c->cb.event(c->raw ? NULL : m, line, len, c->cb.ud);
	} else if ((e = ct_json_get(m, "error")) != NULL) {
		snprintf(why, sizeof why, "camtraced refused the %s: %s: %s", id == 1 ? "hello" : "subscription",
			ct_json_get_str(e, "code") ? ct_json_get_str(e, "code") : "?",
			ct_json_get_str(e, "message") ? ct_json_get_str(e, "message") : "");
		finish(c, CT_EPROTO, why);
	} else if (id == 2 && c->state == 0) {
		c->state = 1;
		if (c->cb.ready)
			c->cb.ready(ct_json_get(m, "result"), c->cb.ud);
	}
	ct_json_free(m);
}

static void set_watch(struct ct_ctl_sub_client *c)
{
	unsigned want = CT_EV_READ | (c->out_off < c->out.len ? CT_EV_WRITE : 0);

	if (want != c->watching && ct_evloop_mod_fd(c->ev, c->fd, want) == 0)
		c->watching = want;
}

static int send_out(struct ct_ctl_sub_client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			finish(c, CT_ECLOSED, "camtraced closed the control connection");
			return -1;
		}
		c->out_off += (size_t)n;
	}
	set_watch(c);
	return 0;
}

/* Reads what is there and hands out the complete lines. */
static void on_io(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct ct_ctl_sub_client *c = ud;
	char buf[65536];
	size_t start = 0;

	(void)ev;
	if ((events & CT_EV_WRITE) && send_out(c) < 0)
		goto out_cb;
	c->in_cb++;
	for (int rounds = 0; rounds < 16 && c->state >= 0 && !c->dead; rounds++) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			finish(c, CT_ECLOSED, n == 0 ? "camtraced closed the control connection (it stopped, or "
				"dropped a subscriber that did not read its events for 30 s)" : strerror(errno));
			break;
		}
		if (ct_sbuf_add(&c->in, buf, (size_t)n) != 0) {
			finish(c, CT_ENOMEM, "out of memory");
			break;
		}
		start = 0;
		for (char *nl; c->state >= 0 && !c->dead &&
		     (nl = memchr(c->in.p + start, '\n', c->in.len - start)) != NULL;) {
			size_t len = (size_t)(nl - (c->in.p + start));
			if (len)
				on_line(c, c->in.p + start, len);
			start += len + 1;
		}
		if (c->state < 0 || c->dead)
			break;
		memmove(c->in.p, c->in.p + start, c->in.len - start);
		c->in.len -= start;
		c->in.p[c->in.len] = '\0';
		if (c->in.len > MAX_EVENT_LINE) {
			finish(c, CT_EPROTO, "camtraced sent a line longer than 1 MiB");
			break;
		}
	}
	c->in_cb--;
out_cb:
	if (c->dead && !c->in_cb)
		sc_free(c);
}

static void put_request(struct ct_out *o, int id, const char *method)
{
	ct_out_puts(o, "{\"id\":");
	ct_out_i64(o, id);
	ct_jw_kstr(o, "method", method);
	ct_out_puts(o, ",\"params\":");
}

int ct_ctl_sub_client_open(struct ct_ctl_sub_client **out, struct ct_evloop *ev,
	const struct ct_ctl_sub_conf *conf, const struct ct_ctl_sub_cbs *cbs, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = conf->path ? conf->path : CT_CTL_DEFAULT_PATH;
	struct ct_ctl_sub_client *c;
	char name[96];
	int r;

	*out = NULL;
	if (strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "control socket path '%s' is too long", path);
		return CT_EINVAL;
	}
	if (!(c = calloc(1, sizeof *c)))
		return CT_ENOMEM;
	c->ev = ev;
	c->cb = *cbs;
	c->raw = conf->raw;
	ct_sbuf_init(&c->in);
	ct_out_init_buf(&c->out);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		sc_free(c);
		return CT_ESYS;
	}
	ct_strlcpy(sa.sun_path, path, sizeof sa.sun_path);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS && errno != EAGAIN) {
		int e = errno;
		r = e == ENOENT ? CT_ENOTFOUND : e == ECONNREFUSED ? CT_ECLOSED : e == EACCES || e == EPERM ? CT_EPERM : CT_ESYS;
		snprintf(err, errlen, "%s: %s%s", path, strerror(e), r == CT_ENOTFOUND || r == CT_ECLOSED ?
			" (is camtraced running?)" : r == CT_EPERM ? " (run as root or as a member of the socket's group)" : "");
		sc_free(c);
		return r;
	}
	snprintf(name, sizeof name, "%s", conf->client ? conf->client : "camtrace");
	put_request(&c->out, 1, CT_CTL_M_HELLO);
	ct_out_puts(&c->out, "{\"protocol\":");
	ct_out_i64(&c->out, CT_CTL_PROTOCOL);
	ct_jw_kstr(&c->out, "client", name);
	ct_out_puts(&c->out, "}}\n");
	put_request(&c->out, 2, CT_CTL_M_SUBSCRIBE);
	ct_out_puts(&c->out, "{\"events\":[");
	{
		struct ct_json *k = ct_ctl_sub_kinds_json(conf->kinds ? conf->kinds : CT_CTL_EV_ALL);
		char *t = k ? ct_json_print(k, 0) : NULL;
		/* the array's inside: its brackets are written here */
		if (t && strlen(t) >= 2)
			ct_out_put(&c->out, t + 1, strlen(t) - 2);
		free(t);
		ct_json_free(k);
	}
	ct_out_puts(&c->out, "]");
	ct_jw_kbool(&c->out, "snapshot", !conf->no_snapshot);
	ct_out_puts(&c->out, "}}\n");
	if (c->out.oom || (r = ct_evloop_add_fd(ev, c->fd, CT_EV_READ | CT_EV_WRITE, on_io, c)) != 0) {
		r = c->out.oom ? CT_ENOMEM : CT_ESYS;
		snprintf(err, errlen, "cannot watch the control connection");
		close(c->fd);
		c->fd = -1;
		sc_free(c);
		return r;
	}
	c->watching = CT_EV_READ | CT_EV_WRITE;
	*out = c;
	return 0;
}
