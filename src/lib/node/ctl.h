/* ctl.h: the camtraced control protocol: JSON lines over a unix socket, server (evloop) and client. */
#ifndef CT_CTL_H
#define CT_CTL_H

#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "outbuf.h"

struct ct_evloop;

/*
 * Protocol (documented in camtraced(8)): each message is one JSON object on one line.
 *   request:  {"id": 7, "method": "users", "params": {"filter": "unstable"}}
 *   reply:    {"id": 7, "result": {...}}
 *   error:    {"id": 7, "error": {"code": "unknown_method", "message": "..."}}
 * The first request of a connection must be
 *   {"id": 1, "method": "hello", "params": {"protocol": 1, "client": "camtrace 0.1.0"}}
 * answered with {"protocol": 1, "server": "camtraced 0.1.0", "methods": [...]}.
 * "id" is any JSON number or string, echoed unchanged (null when the request had none or could
 * not be parsed). Replies may come out of order when a method defers its answer.
 * Error codes: bad_json, bad_request, line_too_long, hello_required, protocol_version,
 * unknown_method, bad_params, busy, timeout, failed (the method's own failure), not_available
 * (a feature this build lacks), internal.
 * Requests are bounded (CT_CTL_MAX_LINE); a client silent for the idle timeout (unless it
 * subscribed: ct_ctl_call_subscribe), one that does
 * not say hello in time, or one that does not read its replies is disconnected; a deferred
 * request not answered within the request timeout gets a "timeout" error.
 */
#define CT_CTL_PROTOCOL 1
#define CT_CTL_DEFAULT_PATH RUNSTATEDIR "/camtraced/ctl.sock"
#define CT_CTL_MAX_LINE 65536

/* Method names the daemon registers (params -> result shapes are in camtraced(8)). */
#define CT_CTL_M_HELLO "hello"
#define CT_CTL_M_STATUS "status"
#define CT_CTL_M_USERS "users"           /* {filter: all|unstable, network: CIDR} */
#define CT_CTL_M_REFRESH "refresh"
#define CT_CTL_M_SEARCH_START "search.start"       /* {ranges: [...]} -> {search_id} */
#define CT_CTL_M_SEARCH_PROGRESS "search.progress" /* {search_id} -> {state, probed, total, found} */
#define CT_CTL_M_SEARCH_RESULT "search.result"     /* {search_id} -> {state, hosts: [...]} */
#define CT_CTL_M_RELOAD "reload"
#define CT_CTL_M_SEND "send"             /* {to: [...], all, text, seal, wait_read, encrypt} -> {recipients: [...]} */
#define CT_CTL_M_INBOX "inbox"           /* {id} -> {message} (opened), {} -> {count, unread, messages: [...]} */
#define CT_CTL_M_SUBSCRIBE "subscribe"   /* {events: [...], snapshot: bool} -> {subscribed, hosts} */

/* ---- server side (runs on the daemon's event loop) ---- */

struct ct_ctl_server;
struct ct_ctl_call;

/* Handler return values: 0 = *result is the answer (NULL gives {}), CT_CTL_DEFER = the answer
 * comes later through ct_ctl_reply*(token), negative = error (the one set with
 * ct_ctl_call_error(), else "failed" with ct_strerror()). */
#define CT_CTL_DEFER 1
/* ... or CT_CTL_STREAM after ct_ctl_call_stream(): the result is written as the client reads it. */
#define CT_CTL_STREAM 2
typedef int (*ct_ctl_handler)(struct ct_ctl_call *call, const struct ct_json *params,
	struct ct_json **result, void *ud);

struct ct_ctl_limits {
	unsigned max_clients;  /* 32 */
	size_t max_line;       /* request line bytes, CT_CTL_MAX_LINE */
	size_t max_out;        /* bytes queued to one client before it is dropped, 64 MiB */
	uint64_t hello_ms;     /* connect -> hello, 10 s */
	uint64_t idle_ms;      /* no complete request and nothing pending, 120 s */
	uint64_t request_ms;   /* deferred request -> its answer, 30 s */
	uint64_t write_ms;     /* pending output not drained, 30 s */
	size_t sub_queue;      /* events queued to one subscriber (ctl-sub.h), 256 KiB */
};

/* Creates the socket directory (0750) if missing, refuses when a live daemon already answers
 * on path (CT_EEXIST), replaces a stale socket, binds, sets mode 0660 and listens.
 * lim NULL = defaults. On failure err says what went wrong and how to fix it. */
int ct_ctl_server_open(struct ct_ctl_server **out, struct ct_evloop *ev, const char *path,
	const struct ct_ctl_limits *lim, char *err, size_t errlen);
/* Closes every client and the socket, removes the socket file. NULL is fine. */
void ct_ctl_server_close(struct ct_ctl_server *s);
/* Registers (or replaces) a method. "hello" is built in. */
int ct_ctl_server_add(struct ct_ctl_server *s, const char *method, ct_ctl_handler fn, void *ud);
/* Name sent in hello ("camtraced 0.1.0" by default). */
void ct_ctl_server_set_name(struct ct_ctl_server *s, const char *name);
unsigned ct_ctl_server_clients(const struct ct_ctl_server *s);
const char *ct_ctl_server_path(const struct ct_ctl_server *s);

/* Inside a handler. */
uint64_t ct_ctl_call_token(const struct ct_ctl_call *call);
const char *ct_ctl_call_method(const struct ct_ctl_call *call);
struct ct_ctl_server *ct_ctl_call_server(const struct ct_ctl_call *call);
/* A deferred answer that may take longer than the request timeout by design (send waiting for
 * a read notice or fetches): it gets ms (the longer of the two) before the "timeout" error. */
void ct_ctl_call_defer_for(struct ct_ctl_call *call, uint64_t ms);
/* Sets the error the handler returns (code: snake_case tag); returns CT_EINVAL for chaining. */
int ct_ctl_call_error(struct ct_ctl_call *call, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A result too long to build whole (users): fn writes the next part of the result's JSON text
 * into o and returns 1 while more is to come, 0 once the result value is complete, negative on
 * failure (the connection is closed then: the reply is half sent). The server calls it each
 * time the client's socket has taken what was written, up to CT_CTL_STREAM_CHUNK bytes at a
 * time and a few chunks per event-loop turn, so a slow reader costs one chunk of memory and
 * never stalls the daemon (it is dropped after write_ms without reading); the connection's
 * next requests and deferred answers wait until the reply is out. done(ud), when not NULL,
 * runs at the end or when the client goes away. The handler then returns CT_CTL_STREAM. */
#define CT_CTL_STREAM_CHUNK (64u * 1024)
typedef int (*ct_ctl_stream_fn)(struct ct_out *o, void *ud);
void ct_ctl_call_stream(struct ct_ctl_call *call, ct_ctl_stream_fn fn, void (*done)(void *ud), void *ud);

/* The same, for a stream of whole JSON lines written after the handler's *result has been
 * sent as the reply (a subscription's snapshot): no reply head, no tail. */
void ct_ctl_call_stream_lines(struct ct_ctl_call *call, ct_ctl_stream_fn fn, void (*done)(void *ud), void *ud);

/* ---- subscriptions (ctl-sub.h; camtraced(8), SUBSCRIPTION) ---- */

/* Inside a handler: once the reply is out, the client receives the events of kinds
 * (CT_CTL_EV_*) pushed with ct_ctl_publish(), through a queue bounded by sub_queue; it is not
 * disconnected for being idle any more, may still send requests (their replies and streams go
 * between events, whole lines each), and is dropped when its output stays unread for
 * write_ms. Subscribing again changes the kinds. */
void ct_ctl_call_subscribe(struct ct_ctl_call *call, unsigned kinds);
/* The kinds at least one subscriber takes: 0 = no need to build the event. */
unsigned ct_ctl_server_wants(const struct ct_ctl_server *s);
/* Queues one event line (a complete JSON object, newline included) to every subscriber of
 * kind; key/key_len (0: none) coalesces it with the older queued events of the same key when a
 * queue is full. Written at the next turn of the loop, never blocking. */
void ct_ctl_publish(struct ct_ctl_server *s, unsigned kind, const void *key, size_t key_len,
	const char *line, size_t len);
/* Subscribers' totals: events queued, coalesced, dropped; bytes queued now. */
struct ct_ctl_sub_totals {
	unsigned subscribers;
	uint64_t queued, coalesced, dropped;
	size_t bytes;
	size_t peak_bytes;    /* the most one subscriber's queue ever held */
};
void ct_ctl_server_sub_totals(const struct ct_ctl_server *s, struct ct_ctl_sub_totals *t);

/* Answers a deferred request; result is consumed. CT_ENOTFOUND when the request is gone
 * (timed out or client disconnected): nothing to do then. */
int ct_ctl_reply(struct ct_ctl_server *s, uint64_t token, struct ct_json *result);
int ct_ctl_reply_error(struct ct_ctl_server *s, uint64_t token, const char *code, const char *message);

/* ---- client side (blocking with timeouts; used by the camtrace commands) ---- */

struct ct_ctl_client;

int ct_ctl_client_new(struct ct_ctl_client **out);
void ct_ctl_client_free(struct ct_ctl_client *c);
/* Connects and says hello. CT_ENOTFOUND: no socket at path; CT_ECLOSED: nobody listening
 * (daemon not running); CT_EPERM: not allowed to connect; CT_ETIMEDOUT; CT_EPROTO: the peer
 * is not a compatible camtraced. ct_ctl_client_error() has the detail. */
int ct_ctl_client_connect(struct ct_ctl_client *c, const char *path, int timeout_ms);
/* Sends one request and waits for its reply. params may be NULL (not consumed).
 * 0 and *result (caller frees) on success; CT_EPROTO when the daemon answered with an error
 * (ct_ctl_client_error_code() / ct_ctl_client_error() hold its code and message);
 * CT_ETIMEDOUT; CT_ECLOSED when the daemon went away. */
int ct_ctl_client_call(struct ct_ctl_client *c, const char *method, const struct ct_json *params,
	int timeout_ms, struct ct_json **result);
/* A call whose result holds a long array (users: "hosts"): the reply is read as it arrives and
 * each element of result[key] is handed to fn, parsed (el, freed after the call) and as the raw
 * JSON text it came in (raw, len), never holding the whole array; *result (caller frees) is the
 * rest of the result with key an empty array. fn returns 0 to go on, or a negative code that
 * ends the call with that code once the reply has been read. Errors as ct_ctl_client_call(). */
typedef int (*ct_ctl_item_fn)(const struct ct_json *el, const char *raw, size_t len, void *ud);
int ct_ctl_client_call_each(struct ct_ctl_client *c, const char *method, const struct ct_json *params,
	int timeout_ms, const char *key, ct_ctl_item_fn fn, void *ud, struct ct_json **result);
/* The same, but a streamed element is handed over as its text only (el NULL): checked to be one
 * valid JSON value (ct_json_valid; else CT_EPROTO as above) but not parsed, so a caller that
 * passes records on or skips most of them builds no tree for them. A reply read whole (not
 * streamed) still gives el. */
int ct_ctl_client_call_raw(struct ct_ctl_client *c, const char *method, const struct ct_json *params,
	int timeout_ms, const char *key, ct_ctl_item_fn fn, void *ud, struct ct_json **result);
/* Low level, for tests: send a raw line (a newline is added) / read one reply line. */
int ct_ctl_client_send_raw(struct ct_ctl_client *c, const char *line, int timeout_ms);
int ct_ctl_client_recv(struct ct_ctl_client *c, int timeout_ms, struct ct_json **msg);
const char *ct_ctl_client_error(const struct ct_ctl_client *c);
const char *ct_ctl_client_error_code(const struct ct_ctl_client *c);
/* The server's hello result (name, protocol, methods), NULL before connect. */
const struct ct_json *ct_ctl_client_hello(const struct ct_ctl_client *c);

#endif
