/* ctl.c: control socket server: JSON-lines requests on a unix socket, dispatched on the event loop. */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "sbuf.h"
#include "util.h"
#include "ctl.h"

#include "ctl-int.h"


/* ---- client lifetime ---- */

void ct_ctl_client_drop(struct client *cl)
{
	struct ct_ctl_server *s = cl->srv;
	struct pending **pp;

	for (struct client **c = &s->clients; *c; c = &(*c)->next)
		if (*c == cl) {
			*c = cl->next;
			break;
		}
	for (pp = &s->pend; *pp;) {
		struct pending *p = *pp;
		if (p->cl == cl) {
			*pp = p->next;
			ct_evloop_cancel_timer(s->ev, p->timer);
			ct_json_free(p->id);
			free(p);
		} else
			pp = &p->next;
	}
	ct_evloop_cancel_timer(s->ev, cl->idle_timer);
	ct_evloop_cancel_timer(s->ev, cl->write_timer);
	ct_evloop_cancel_timer(s->ev, cl->resume_timer);
	ct_evloop_cancel_timer(s->ev, cl->kick_timer);
	ct_evloop_del_fd(s->ev, cl->fd);
	close(cl->fd);
	if (cl->stream && cl->stream_done)
		cl->stream_done(cl->stream_ud);
	ct_sbuf_fini(&cl->in);
	free(cl->held.p);
	free(cl->out.p);
	if (cl->sub) {
		ct_ctl_subq_free(cl->sub);
		cl->sub = NULL;
		ct_ctl_sub_recount(s);
	}
	s->nclients--;
	log_debug("control client %u gone (%u left)", cl->cid, s->nclients);
	free(cl);
}

static void on_idle(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct client *cl = ud;

	(void)ev;
	(void)id;
	cl->idle_timer = 0;
	log_info("control client %u: %s; disconnecting it", cl->cid,
		cl->hello_done ? "idle too long" : "no hello in time");
	ct_ctl_client_drop(cl);
}

static void on_write_stall(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct client *cl = ud;

	(void)ev;
	(void)id;
	cl->write_timer = 0;
	log_info("control client %u does not read its %s; disconnecting it", cl->cid, cl->sub ? "events" : "replies");
	ct_ctl_client_drop(cl);
}

void ct_ctl_client_arm_write(struct client *cl)
{
	if (!cl->write_timer)
		cl->write_timer = ct_evloop_add_timer(cl->srv->ev, cl->srv->lim.write_ms, on_write_stall, cl);
}

static void arm_idle(struct client *cl)
{
	struct ct_ctl_server *s = cl->srv;

	ct_evloop_cancel_timer(s->ev, cl->idle_timer);
	cl->idle_timer = 0;
	if (cl->sub)
		return; /* a subscriber may stay silent: it is there to listen */
	cl->idle_timer = ct_evloop_add_timer(s->ev, cl->hello_done ? s->lim.idle_ms : s->lim.hello_ms, on_idle, cl);
}

/* Reading while no streamed reply is under way; writing while output or events wait or a stream goes on. */
void ct_ctl_client_watch(struct client *cl)
{
	unsigned want = (cl->stream ? 0 : CT_EV_READ) |
		(cl->stream || cl->out_off < cl->out.len || (cl->sub && ct_ctl_subq_pending(cl->sub)) ?
		CT_EV_WRITE : 0);

	if (want != cl->events && ct_evloop_mod_fd(cl->srv->ev, cl->fd, want) == 0)
		cl->events = want;
}

static void on_resume(struct ct_evloop *ev, uint64_t id, void *ud);

/* The streamed reply is complete: the replies held meanwhile follow it, then the requests
 * that came behind it are read (from the event loop: no recursion into the handlers). */
static void end_stream(struct client *cl)
{
	void (*done)(void *ud) = cl->stream_done;

	if (!cl->stream_lines)
		ct_out_put(&cl->out, "}\n", 2);
	cl->stream = NULL;
	cl->stream_lines = 0;
	cl->stream_done = NULL;
	if (done)
		done(cl->stream_ud);
	if (cl->held.len) {
		ct_out_put(&cl->out, cl->held.p, cl->held.len);
		cl->held.len = 0;
	}
	if (cl->in.len && !cl->resume_timer)
		cl->resume_timer = ct_evloop_add_timer(cl->srv->ev, 0, on_resume, cl);
}

/* The next chunk of a streamed reply; -1 when the client was freed. */
static int pump(struct client *cl)
{
	int r = 1;

	while (r == 1 && cl->out.len < CT_CTL_STREAM_CHUNK)
		r = cl->stream(&cl->out, cl->stream_ud);
	if (r < 0 || cl->out.oom) {
		log_warn("control client %u: the streamed reply failed (%s); disconnecting it", cl->cid,
			ct_strerror(r < 0 ? r : CT_ENOMEM));
		ct_ctl_client_drop(cl);
		return -1;
	}
	arm_idle(cl);
	if (r == 0)
		end_stream(cl);
	return 0;
}

/* Writes what it can, and the next chunks of a streamed reply (or of a subscriber's events)
 * while the socket takes them; returns -1 when the client was freed. */
int ct_ctl_client_flush(struct client *cl)
{
	struct ct_ctl_server *s = cl->srv;
	int rounds = 0;

	for (;;) {
		while (cl->out_off < cl->out.len) {
			ssize_t n = send(cl->fd, cl->out.p + cl->out_off, cl->out.len - cl->out_off, MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				ct_ctl_client_watch(cl);
				ct_ctl_client_arm_write(cl);
				return 0;
			}
			if (n <= 0) {
				ct_ctl_client_drop(cl);
				return -1;
			}
			cl->out_off += (size_t)n;
		}
		cl->out.len = cl->out_off = 0;
		if (rounds++ == STREAM_ROUNDS)
			break; /* a stream goes on at the next turn: others are served meanwhile */
		if (cl->stream) {
			if (pump(cl) < 0)
				return -1;
		} else if (cl->sub && ct_ctl_subq_pending(cl->sub)) {
			ct_ctl_subq_take(cl->sub, &cl->out, CT_CTL_STREAM_CHUNK);
		} else
			break;
	}
	if (!cl->stream && cl->out.cap > 4 * CT_CTL_STREAM_CHUNK) { /* give a big reply's buffer back */
		free(cl->out.p);
		ct_out_init_buf(&cl->out);
	}
	ct_evloop_cancel_timer(s->ev, cl->write_timer);
	cl->write_timer = 0;
	if (cl->closing && !cl->stream) {
		ct_ctl_client_drop(cl);
		return -1;
	}
	ct_ctl_client_watch(cl);
	return 0;
}

/* Queues one message (consumed); returns -1 when the client was freed. */
static int send_msg(struct client *cl, struct ct_json *msg)
{
	char *text = ct_json_print(msg, 0);

	ct_json_free(msg);
	if (!text) {
		log_warn("out of memory answering control client %u", cl->cid);
		ct_ctl_client_drop(cl);
		return -1;
	}
	/* one reply of any size may be queued; more only while the queue stays under max_out */
	size_t queued = cl->stream ? cl->held.len : cl->out.len - cl->out_off;
	if (queued && queued + strlen(text) + 1 > cl->srv->lim.max_out) {
		log_warn("control client %u has %zu bytes of replies unread; disconnecting it", cl->cid, queued);
		free(text);
		ct_ctl_client_drop(cl);
		return -1;
	}
	struct ct_out *q = cl->stream ? &cl->held : &cl->out; /* held: after the streamed reply */
	ct_out_puts(q, text);
	ct_out_putc(q, '\n');
	free(text);
	if (q->oom) {
		ct_ctl_client_drop(cl);
		return -1;
	}
	return cl->stream ? 0 : ct_ctl_client_flush(cl);
}

static struct ct_json *msg_with_id(const struct ct_json *id)
{
	struct ct_json *m = ct_json_obj();

	if (id)
		ct_json_add(m, "id", ct_json_dup(id));
	else
		ct_json_add_null(m, "id");
	return m;
}

static int send_error(struct client *cl, const struct ct_json *id, const char *code, const char *message)
{
	struct ct_json *m = msg_with_id(id), *e = ct_json_add_obj(m, "error");

	ct_json_add_str(e, "code", code);
	ct_json_add_str(e, "message", message);
	return send_msg(cl, m);
}

static int send_result(struct client *cl, const struct ct_json *id, struct ct_json *result)
{
	struct ct_json *m = msg_with_id(id);

	ct_json_add(m, "result", result ? result : ct_json_obj());
	return send_msg(cl, m);
}

/* ---- requests ---- */

struct method *ct_ctl_find_method(struct ct_ctl_server *s, const char *name)
{
	for (size_t i = 0; i < s->nm; i++)
		if (strcmp(s->m[i].name, name) == 0)
			return &s->m[i];
	return NULL;
}

static struct ct_json *method_list(struct ct_ctl_server *s)
{
	struct ct_json *a = ct_json_arr();

	ct_json_add_str(a, NULL, CT_CTL_M_HELLO);
	for (size_t i = 0; i < s->nm; i++)
		ct_json_add_str(a, NULL, s->m[i].name);
	return a;
}

static int do_hello(struct client *cl, const struct ct_json *id, const struct ct_json *params)
{
	struct ct_ctl_server *s = cl->srv;
	struct ct_json *r;
	int64_t proto;
	char msg[256];
	const char *who = params ? ct_json_get_str(params, "client") : NULL;

	if (!params || ct_json_get_i64(params, "protocol", &proto) != 0)
		return send_error(cl, id, "bad_params", "hello needs params {\"protocol\": 1}");
	if (proto != CT_CTL_PROTOCOL) {
		snprintf(msg, sizeof msg, "client speaks control protocol %lld, this camtraced speaks %d; "
			"use camtrace and camtraced from the same release", (long long)proto, CT_CTL_PROTOCOL);
		return send_error(cl, id, "protocol_version", msg);
	}
	cl->hello_done = 1;
	log_debug("control client %u: hello from %s", cl->cid, who ? who : "(unnamed)");
	r = ct_json_obj();
	ct_json_add_int(r, "protocol", CT_CTL_PROTOCOL);
	ct_json_add_str(r, "server", s->name);
	ct_json_add_int(r, "pid", (int64_t)getpid());
	ct_json_add(r, "methods", method_list(s));
	return send_result(cl, id, r);
}

static void on_request_timeout(struct ct_evloop *ev, uint64_t tid, void *ud)
{
	struct pending *p = ud, **pp;
	struct ct_ctl_server *s = p->cl->srv;

	(void)ev;
	(void)tid;
	for (pp = &s->pend; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	p->cl->npending--;
	log_info("control client %u: request timed out", p->cl->cid);
	send_error(p->cl, p->id, "timeout", "camtraced did not finish this request in time; try again later");
	ct_json_free(p->id);
	free(p);
}

/* The reply's head, then the result as the stream writes it. */
static int start_stream(struct client *cl, const struct ct_json *id, const struct ct_ctl_call *call)
{
	char *t = id ? ct_json_print(id, 0) : NULL;

	ct_out_puts(&cl->out, "{\"id\":");
	ct_out_puts(&cl->out, t ? t : "null");
	ct_out_puts(&cl->out, ",\"result\":");
	free(t);
	cl->stream = call->stream;
	cl->stream_done = call->stream_done;
	cl->stream_ud = call->stream_ud;
	return ct_ctl_client_flush(cl);
}

/* A stream of lines after the reply (a subscription's snapshot). */
static int start_lines(struct client *cl, const struct ct_json *id, struct ct_json *result,
	const struct ct_ctl_call *call)
{
	if (send_result(cl, id, result) < 0) {
		if (call->stream_done)
			call->stream_done(call->stream_ud);
		return -1;
	}
	cl->stream = call->stream;
	cl->stream_done = call->stream_done;
	cl->stream_ud = call->stream_ud;
	cl->stream_lines = 1;
	return ct_ctl_client_flush(cl);
}

/* Handles one request line; returns -1 when the client was freed. */
static int handle_line(struct client *cl, const char *line, size_t len)
{
	struct ct_ctl_server *s = cl->srv;
	struct ct_json *doc = NULL, *result = NULL;
	const struct ct_json *id, *params;
	const char *mname;
	struct method *m;
	struct ct_ctl_call call;
	char msg[600];
	int r;

	if (ct_json_parse(line, len, &doc) != 0) {
		ct_json_free(doc);
		return send_error(cl, NULL, "bad_json", "the request is not valid JSON; send one JSON object per line");
	}
	if (!ct_json_is_obj(doc)) {
		ct_json_free(doc);
		return send_error(cl, NULL, "bad_request", "the request must be a JSON object {\"id\", \"method\", \"params\"}");
	}
	id = ct_json_get(doc, "id");
	if (id && !ct_json_str(id) && ct_json_get_num(doc, "id", &(double){0}) != 0) {
		ct_json_free(doc);
		return send_error(cl, NULL, "bad_request", "\"id\" must be a number or a string");
	}
	mname = ct_json_get_str(doc, "method");
	params = ct_json_get(doc, "params");
	if (!mname) {
		r = send_error(cl, id, "bad_request", "the request has no \"method\" string");
		goto out;
	}
	if (params && !ct_json_is_obj(params)) {
		r = send_error(cl, id, "bad_params", "\"params\" must be a JSON object");
		goto out;
	}
	if (strcmp(mname, CT_CTL_M_HELLO) == 0) {
		r = do_hello(cl, id, params);
		goto out;
	}
	if (!cl->hello_done) {
		r = send_error(cl, id, "hello_required", "start with {\"method\": \"hello\", \"params\": {\"protocol\": 1}}");
		goto out;
	}
	m = ct_ctl_find_method(s, mname);
	if (!m) {
		struct ct_sbuf b;
		ct_sbuf_init(&b);
		for (size_t i = 0; i < s->nm; i++)
			ct_sbuf_printf(&b, "%s%s", i ? ", " : "", s->m[i].name);
		snprintf(msg, sizeof msg, "unknown method '%.64s'; this camtraced offers: hello%s%s", mname,
			s->nm ? ", " : "", b.p ? b.p : "");
		ct_sbuf_fini(&b);
		r = send_error(cl, id, "unknown_method", msg);
		goto out;
	}
	memset(&call, 0, sizeof call);
	call.srv = s;
	call.cl = cl;
	call.token = ++s->next_token;
	call.method = m->name;
	if (cl->npending >= MAX_PENDING_PER_CLIENT) {
		r = send_error(cl, id, "busy", "too many unfinished requests on this connection; wait for the answers");
		goto out;
	}
	r = m->fn(&call, params, &result, m->ud);
	if (call.subscribe && r >= 0 && r != CT_CTL_DEFER && ct_ctl_sub_attach(cl, call.subscribe) != 0) {
		if (call.stream && call.stream_done)
			call.stream_done(call.stream_ud);
		ct_json_free(result);
		r = send_error(cl, id, "internal", "out of memory");
		goto out;
	}
	if (r == CT_CTL_DEFER) {
		struct pending *p = calloc(1, sizeof *p);
		ct_json_free(result);
		if (!p) {
			r = send_error(cl, id, "internal", "out of memory");
			goto out;
		}
		p->token = call.token;
		p->cl = cl;
		p->id = id ? ct_json_dup(id) : NULL;
		p->timer = ct_evloop_add_timer(s->ev, call.defer_ms > s->lim.request_ms ? call.defer_ms :
			s->lim.request_ms, on_request_timeout, p);
		p->next = s->pend;
		s->pend = p;
		cl->npending++;
		r = 0;
	} else if (r == CT_CTL_STREAM && call.stream && call.stream_lines) {
		r = start_lines(cl, id, result, &call);
	} else if (r == CT_CTL_STREAM && call.stream) {
		ct_json_free(result);
		r = start_stream(cl, id, &call);
	} else if (r < 0 || r == CT_CTL_STREAM) {
		ct_json_free(result);
		if (!call.code[0]) {
			ct_strlcpy(call.code, "failed", sizeof call.code);
			snprintf(call.msg, sizeof call.msg, "%s failed: %s", m->name, ct_strerror(r));
		}
		r = send_error(cl, id, call.code, call.msg);
	} else
		r = send_result(cl, id, result);
out:
	ct_json_free(doc);
	return r;
}

/* Handles the complete request lines in cl->in, up to one that starts a streamed reply (the
 * rest waits for its end); -1 when the client was freed, 1 at an over-long line. */
static int process_lines(struct client *cl)
{
	char *nl;

	while (!cl->stream && cl->in.len && (nl = memchr(cl->in.p, '\n', cl->in.len)) != NULL) {
		size_t len = (size_t)(nl - cl->in.p), rest;
		if (len > cl->srv->lim.max_line)
			return 1;
		if (len && cl->in.p[len - 1] == '\r')
			len--;
		arm_idle(cl);
		if (len && handle_line(cl, cl->in.p, len) < 0)
			return -1;
		rest = cl->in.len - (size_t)(nl + 1 - cl->in.p);
		memmove(cl->in.p, nl + 1, rest);
		cl->in.len = rest;
		cl->in.p[rest] = '\0';
	}
	return cl->in.len > cl->srv->lim.max_line && !cl->stream ? 1 : 0;
}

static void refuse_long_line(struct client *cl)
{
	char msg[160];

	snprintf(msg, sizeof msg, "request longer than %zu bytes; requests are one line of JSON",
		cl->srv->lim.max_line);
	cl->closing = 1;
	ct_sbuf_reset(&cl->in);
	log_info("control client %u sent an over-long line; disconnecting it", cl->cid);
	send_error(cl, NULL, "line_too_long", msg);
}

static void on_resume(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct client *cl = ud;

	(void)ev;
	(void)id;
	cl->resume_timer = 0;
	if (!cl->closing && process_lines(cl) == 1)
		refuse_long_line(cl);
}

static void on_client_io(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct client *cl = ud;
	char buf[16384];
	int r;

	(void)ev;
	if ((events & CT_EV_WRITE) || (cl->stream && (events & CT_EV_ERROR)))
		if (ct_ctl_client_flush(cl) < 0)
			return;
	if (cl->stream || !(events & (CT_EV_READ | CT_EV_ERROR)))
		return;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			ct_ctl_client_drop(cl);
			return;
		}
		if (cl->closing)
			continue; /* discard input after a fatal error, until the reply is out */
		ct_sbuf_add(&cl->in, buf, (size_t)n);
		if (cl->in.err) {
			ct_ctl_client_drop(cl);
			return;
		}
		if ((r = process_lines(cl)) < 0)
			return;
		if (r == 1) {
			refuse_long_line(cl);
			return;
		}
		if (cl->stream)
			return; /* the requests behind it wait for its end */
	}
}

void ct_ctl_on_accept(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct ct_ctl_server *s = ud;

	(void)events;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct client *cl;
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("control socket accept: %s", strerror(errno));
			return;
		}
		if (s->nclients >= s->lim.max_clients) {
			static const char busy[] = "{\"id\":null,\"error\":{\"code\":\"busy\","
				"\"message\":\"too many control clients connected; try again later\"}}\n";
			if (send(cfd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				log_debug("busy reply not sent: %s", strerror(errno));
			close(cfd);
			log_notice("control socket: refused a client, %u already connected", s->nclients);
			continue;
		}
		cl = calloc(1, sizeof *cl);
		if (!cl || ct_evloop_add_fd(ev, cfd, CT_EV_READ, on_client_io, cl) != 0) {
			free(cl);
			close(cfd);
			continue;
		}
		cl->srv = s;
		cl->fd = cfd;
		cl->cid = ++s->next_cid;
		cl->events = CT_EV_READ;
		ct_sbuf_init(&cl->in);
		ct_out_init_buf(&cl->held);
		ct_out_init_buf(&cl->out);
		cl->next = s->clients;
		s->clients = cl;
		s->nclients++;
		arm_idle(cl);
		log_debug("control client %u connected (%u now)", cl->cid, s->nclients);
	}
}

uint64_t ct_ctl_call_token(const struct ct_ctl_call *call) { return call->token; }
const char *ct_ctl_call_method(const struct ct_ctl_call *call) { return call->method; }
struct ct_ctl_server *ct_ctl_call_server(const struct ct_ctl_call *call) { return call->srv; }
void ct_ctl_call_defer_for(struct ct_ctl_call *call, uint64_t ms) { call->defer_ms = ms; }

int ct_ctl_call_error(struct ct_ctl_call *call, const char *code, const char *fmt, ...)
{
	va_list ap;

	ct_strlcpy(call->code, code && code[0] ? code : "failed", sizeof call->code);
	va_start(ap, fmt);
	vsnprintf(call->msg, sizeof call->msg, fmt, ap);
	va_end(ap);
	return CT_EINVAL;
}

void ct_ctl_call_stream(struct ct_ctl_call *call, ct_ctl_stream_fn fn, void (*done)(void *ud), void *ud)
{
	call->stream = fn;
	call->stream_done = done;
	call->stream_ud = ud;
}

void ct_ctl_call_stream_lines(struct ct_ctl_call *call, ct_ctl_stream_fn fn, void (*done)(void *ud), void *ud)
{
	ct_ctl_call_stream(call, fn, done, ud);
	call->stream_lines = 1;
}

void ct_ctl_call_subscribe(struct ct_ctl_call *call, unsigned kinds)
{
	call->subscribe = kinds & CT_CTL_EV_ALL;
}

static struct pending *take_pending(struct ct_ctl_server *s, uint64_t token)
{
	for (struct pending **pp = &s->pend; *pp; pp = &(*pp)->next)
		if ((*pp)->token == token) {
			struct pending *p = *pp;
			*pp = p->next;
			ct_evloop_cancel_timer(s->ev, p->timer);
			p->cl->npending--;
			return p;
		}
	return NULL;
}

int ct_ctl_reply(struct ct_ctl_server *s, uint64_t token, struct ct_json *result)
{
	struct pending *p = take_pending(s, token);

	if (!p) {
		ct_json_free(result);
		return CT_ENOTFOUND;
	}
	send_result(p->cl, p->id, result);
	ct_json_free(p->id);
	free(p);
	return 0;
}

int ct_ctl_reply_error(struct ct_ctl_server *s, uint64_t token, const char *code, const char *message)
{
	struct pending *p = take_pending(s, token);

	if (!p)
		return CT_ENOTFOUND;
	send_error(p->cl, p->id, code && code[0] ? code : "failed", message ? message : "");
	ct_json_free(p->id);
	free(p);
	return 0;
}
