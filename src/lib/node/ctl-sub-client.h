/* ctl-sub-client.h: a non-blocking subscriber of camtraced's events, driven by the caller's event loop. */
#ifndef CT_CTL_SUB_CLIENT_H
#define CT_CTL_SUB_CLIENT_H

#include <stddef.h>
#include "json.h"
#include "ctl-sub.h"

struct ct_evloop;
struct ct_ctl_sub_client;

struct ct_ctl_sub_conf {
	const char *path;     /* the control socket (NULL: CT_CTL_DEFAULT_PATH) */
	unsigned kinds;       /* CT_CTL_EV_* (0: all) */
	int no_snapshot;      /* 1: no "present" events, only "synced" */
	int raw;              /* 1: event() gets the line only (ev NULL): no parsing */
	const char *client;   /* the name said in hello (NULL: "camtrace VERSION") */
};

/* What the subscriber hears; any of them may call ct_ctl_sub_client_close(). */
struct ct_ctl_sub_cbs {
	/* The subscribe reply's result: "subscribed" and "hosts". */
	void (*ready)(const struct ct_json *result, void *ud);
	/* One event line (no newline; not NUL-terminated), and parsed unless raw (freed after). */
	void (*event)(const struct ct_json *ev, const char *line, size_t len, void *ud);
	/* The connection is over: code CT_ECLOSED (the daemon went away or dropped us),
	 * CT_EPROTO (an error reply, a bad line), CT_ENOMEM; why says it in words. The client is
	 * not freed: call ct_ctl_sub_client_close(); reconnecting is the caller's choice. */
	void (*closed)(int code, const char *why, void *ud);
	void *ud;
};

/* Connects (non-blocking), sends hello and subscribe at once and watches the socket on ev.
 * Errors before anything is under way come back here: CT_ENOTFOUND (no socket at path),
 * CT_ECLOSED (nobody listening), CT_EPERM, CT_ESYS; err says which and what to do. */
int ct_ctl_sub_client_open(struct ct_ctl_sub_client **out, struct ct_evloop *ev,
	const struct ct_ctl_sub_conf *conf, const struct ct_ctl_sub_cbs *cbs, char *err, size_t errlen);
/* Stops watching, closes and frees (safe inside a callback: the free waits for its end). */
void ct_ctl_sub_client_close(struct ct_ctl_sub_client *c);
/* 1 once the subscribe reply came, 0 before, -1 after the end. */
int ct_ctl_sub_client_state(const struct ct_ctl_sub_client *c);
/* Event lines received. */
unsigned long long ct_ctl_sub_client_events(const struct ct_ctl_sub_client *c);

#endif
