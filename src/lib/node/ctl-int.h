/* ctl-int.h: what the control socket server's files share: clients, pending requests, the server. */
#ifndef CT_CTL_INT_H
#define CT_CTL_INT_H

#include <sys/types.h>
#include "evloop.h"
#include "outbuf.h"
#include "sbuf.h"
#include "ctl.h"
#include "ctl-sub.h"

#define MAX_PENDING_PER_CLIENT 16
#define STREAM_ROUNDS 4 /* chunks of a streamed reply written per event-loop turn */

struct method {
	char *name;
	ct_ctl_handler fn;
	void *ud;
};

struct client;

struct pending {
	uint64_t token;
	struct client *cl;
	struct ct_json *id;
	uint64_t timer;
	struct pending *next;
};

struct client {
	struct ct_ctl_server *srv;
	int fd;
	unsigned cid;
	struct ct_sbuf in;
	struct ct_out out;        /* pending output, out_off bytes of it sent */
	struct ct_out held;       /* replies waiting for the streamed one to end */
	size_t out_off;
	int hello_done, closing;
	unsigned events;          /* what the event loop watches for */
	unsigned npending;
	uint64_t idle_timer, write_timer, resume_timer;
	ct_ctl_stream_fn stream;  /* a streamed reply is being written */
	void (*stream_done)(void *ud);
	void *stream_ud;
	int stream_lines;         /* the stream writes whole lines after the reply (no head, no tail) */
	struct ct_ctl_subq *sub;  /* subscribed: its event queue (ctl-sub.c); exempt from idle_ms */
	uint64_t kick_timer;      /* events wait: written when it fires (CT_CTL_SUB_BATCH_MS) */
	struct client *next;
};

struct ct_ctl_server {
	struct ct_evloop *ev;
	int fd;
	char *path;
	dev_t dev;
	ino_t ino;
	struct ct_ctl_limits lim;
	struct method *m;
	size_t nm;
	struct client *clients;
	unsigned nclients, next_cid;
	struct pending *pend;
	uint64_t next_token;
	unsigned sub_kinds;       /* what at least one subscriber takes (ct_ctl_server_wants) */
	char name[96];
};

struct ct_ctl_call {
	struct ct_ctl_server *srv;
	struct client *cl;
	uint64_t token;
	const char *method;
	char code[32];
	char msg[512];
	ct_ctl_stream_fn stream;
	void (*stream_done)(void *ud);
	void *stream_ud;
	int stream_lines;
	unsigned subscribe;       /* ct_ctl_call_subscribe(): kinds to subscribe the client to */
	uint64_t defer_ms;        /* ct_ctl_call_defer_for(): the deferred answer's deadline, if longer */
};

/* ctl.c: closes a client and frees what it holds; accepts clients; a method by name. */
void ct_ctl_client_drop(struct client *cl);
void ct_ctl_on_accept(struct ct_evloop *ev, int fd, unsigned events, void *ud);
struct method *ct_ctl_find_method(struct ct_ctl_server *s, const char *name);
/* Writes what the client has queued (events too); -1 when the client was freed. */
int ct_ctl_client_flush(struct client *cl);
/* Watches the client for what it needs now (reading; writing while output or events wait). */
void ct_ctl_client_watch(struct client *cl);
/* Output waits: the client has write_ms to take it (cancelled when its output drains). */
void ct_ctl_client_arm_write(struct client *cl);
/* ctl-sub.c: makes the client a subscriber; recomputes what the server's subscribers take. */
int ct_ctl_sub_attach(struct client *cl, unsigned kinds);
void ct_ctl_sub_recount(struct ct_ctl_server *s);

#endif
