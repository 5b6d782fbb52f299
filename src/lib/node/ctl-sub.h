/* ctl-sub.h: the control socket's event subscription: per-client bounded event queues (coalesced, then dropped oldest first). */
#ifndef CT_CTL_SUB_H
#define CT_CTL_SUB_H

#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "outbuf.h"

/* Event kinds a client subscribes to (camtraced(8), SUBSCRIPTION). */
#define CT_CTL_EV_HOST 0x01u
#define CT_CTL_EV_FETCH 0x02u
#define CT_CTL_EV_NOTIFY 0x04u
#define CT_CTL_EV_SEARCH 0x08u
#define CT_CTL_EV_WARN 0x10u
#define CT_CTL_EV_ALL 0x1fu
/* Version of the event lines ("v"). */
#define CT_CTL_EV_VERSION 1
/* Default bound of one subscriber's queue (struct ct_ctl_limits.sub_queue). */
#define CT_CTL_SUB_QUEUE (256u * 1024)

/* "events": an array of kind names ("host", "fetch", "notify", "search", "warn"); absent, null
 * or empty = all. *kinds gets the bits; CT_EINVAL with a message naming the kinds. */
int ct_ctl_sub_kinds_parse(const struct ct_json *events, unsigned *kinds, char *err, size_t errlen);
/* The kinds as a JSON array of names, in the order above. */
struct ct_json *ct_ctl_sub_kinds_json(unsigned kinds);
/* UTC epoch milliseconds, the "t" of every event line. */
int64_t ct_ctl_sub_now_ms(void);

/*
 * One subscriber's queue. Each event is one complete line (newline included) with a
 * coalescing key (key_len 0: never coalesced). When a push would take the queue past its
 * bound, events with the same key as a newer one are dropped first (the newest is kept, at its
 * own place), then the oldest events, down to 3/4 of the bound; those dropped oldest are
 * counted, and the next line taken out is {"v":1,"ev":"lost","t":..,"count":N}. A line longer
 * than the bound alone is dropped (and counted).
 */
struct ct_ctl_subq;

struct ct_ctl_subq_stats {
	uint64_t queued;      /* events pushed */
	uint64_t coalesced;   /* replaced by a newer event of the same key */
	uint64_t dropped;     /* dropped oldest first (reported in "lost" events) */
	size_t bytes, count;  /* now */
	size_t peak_bytes;
};

struct ct_ctl_subq *ct_ctl_subq_new(unsigned kinds, size_t bound);
void ct_ctl_subq_free(struct ct_ctl_subq *q);
unsigned ct_ctl_subq_kinds(const struct ct_ctl_subq *q);
/* 0, or CT_ENOMEM (the event is then counted as dropped). */
int ct_ctl_subq_push(struct ct_ctl_subq *q, const void *key, size_t key_len, const char *line, size_t len);
/* Moves whole lines (a pending "lost" line first) into o until o->len reaches budget; returns
 * how many lines were moved. */
size_t ct_ctl_subq_take(struct ct_ctl_subq *q, struct ct_out *o, size_t budget);
/* True when a line (or a "lost" line) waits. */
int ct_ctl_subq_pending(const struct ct_ctl_subq *q);
const struct ct_ctl_subq_stats *ct_ctl_subq_stats(const struct ct_ctl_subq *q);

#endif
