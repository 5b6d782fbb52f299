/* ctl-shapes.h: the JSON shapes of control-protocol replies (users, search), shared by camtraced and camtrace. */
#ifndef CT_CTL_SHAPES_H
#define CT_CTL_SHAPES_H

#include <stddef.h>
#include "json.h"
#include "outbuf.h"
#include "hosts.h"
#include "search.h"

/* When a reply is made: the clocks, and the instability window (unstable_window, ms) that
 * ct_host_is_unstable() applies. */
struct ct_ctlj_now {
	double wall;
	uint64_t mono_ms;             /* the clock the host table's times are on */
	uint64_t unstable_window_ms;
};

/*
 * One host (camtraced(8), "users"):
 *   {"user", "host", "nick", "group", "addr", "port", "state": "online|absent|offline",
 *    "origin": "local|notified|search|list|direct", "origins": [...], "external": bool,
 *    "unstable": bool (ct_host_is_unstable() with the window), "flap_count" (lifetime),
 *    "flaps_in_window", "last_flap" (ISO 8601 UTC or null), "missed_answers",
 *    "status" (host status bits), "offline_reason": "" | "left" (BR_EXIT) | "lost",
 *    "first_seen", "last_seen", "last_change" (ISO 8601 UTC or null),
 *    "last_seen_age_s" (null when never seen)}
 */
struct ct_json *ct_ctlj_host(const struct ct_host *h, const struct ct_ctlj_now *now);
/* The same record written as JSON text into o (what camtraced streams). */
void ct_ctlj_host_write(struct ct_out *o, const struct ct_host *h, const struct ct_ctlj_now *now);

/* The whole "users" method: params {"filter": "all"|"unstable"|"external"|"online",
 * "network": "CIDR"} (both optional). Result {"filter", "network", "total", "count",
 * "hosts": [...]}; unstable hosts are sorted most flaps in the window first (ct_hosts_unstable).
 * CT_EINVAL with a message (naming the accepted values) for bad params, CT_ENOMEM. */
int ct_ctlj_users(const struct ct_hosts *t, const struct ct_json *params, const struct ct_ctlj_now *now,
	struct ct_json **result, char *err, size_t errlen);

/* The users result streamed (camtraced): open checks params (errors as above) and notes the
 * chosen hosts by address; each write appends the result's text into o until o->len reaches
 * budget, returning 1 while more is to come, 0 once the result is complete, CT_ENOMEM. The
 * text is the tree form's, with "count" after "hosts" (the records written: a host that went
 * away while the reply was being sent is left out). The table t may change between writes. */
struct ct_ctlj_users;
int ct_ctlj_users_open(const struct ct_hosts *t, const struct ct_json *params, const struct ct_ctlj_now *now,
	struct ct_ctlj_users **out, char *err, size_t errlen);
int ct_ctlj_users_write(struct ct_ctlj_users *u, const struct ct_hosts *t, struct ct_out *o, size_t budget);
void ct_ctlj_users_close(struct ct_ctlj_users *u);

/* "search.progress": {"search_id", "state": "running|done|cancelled", "total", "probed",
 * "found", "unresolved", "started", "finished"}. */
struct ct_json *ct_ctlj_search_progress(const struct ct_search_progress *p);
/* "search.result": the progress fields plus "hosts": [{"addr", "port", "user", "host",
 * "nick", "info", "status"}]. */
struct ct_json *ct_ctlj_search_result(const struct ct_search *s);
/* The same, as text into o: the progress members (no braces), one hit object, and the whole
 * result written from hit *next on until o->len reaches budget (1 while more is to come, 0 once
 * complete, CT_ENOMEM; the hits only grow, so *next stays valid between writes). */
void ct_ctlj_search_progress_write(struct ct_out *o, const struct ct_search_progress *p);
void ct_ctlj_search_hit_write(struct ct_out *o, const struct ct_search_hit *h);
int ct_ctlj_search_result_write(const struct ct_search *s, size_t *next, struct ct_out *o, size_t budget);

#endif
