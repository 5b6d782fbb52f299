/* ctl-int.h: what the control socket server's files share: clients, pending requests, the server. */
#ifndef CT_CTL_INT_H
#define CT_CTL_INT_H

#include <sys/types.h>
#include "evloop.h"
#include "outbuf.h"
#include "sbuf.h"
#include "ctl.h"

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
	char name[96];
};

struct ct_ctl_call {
	struct ct_ctl_server *srv;
	uint64_t token;
	const char *method;
	char code[32];
	char msg[512];
	ct_ctl_stream_fn stream;
	void (*stream_done)(void *ud);
	void *stream_ud;
};

/* ctl.c: closes a client and frees what it holds; accepts clients; a method by name. */
void ct_ctl_client_drop(struct client *cl);
void ct_ctl_on_accept(struct ct_evloop *ev, int fd, unsigned events, void *ud);
struct method *ct_ctl_find_method(struct ct_ctl_server *s, const char *name);

#endif
