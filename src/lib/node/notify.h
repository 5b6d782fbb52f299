/* notify.h: notification of other networks: BR_ENTRY|DIALUPOPT to every target address, paced, in rounds. */
#ifndef CT_NOTIFY_H
#define CT_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include "hosts.h"
#include "targets.h"

struct ct_node;
struct ct_notify;

struct ct_notify_round {
	unsigned number;
	size_t targets;     /* addresses in the round (targets + found) */
	size_t sent;        /* packets sent */
	size_t answered;    /* distinct round addresses that answered */
	size_t unresolved;  /* names that did not resolve */
	double started, finished; /* wall clock; finished 0 while running */
};

/* targets is copied by reference: keep it alive (the daemon owns it). interval 0 = only the
 * start-up round; rate packets per second (<= 0: 100). grace_ms: how long answers are counted
 * after the last packet (default 5000). */
int ct_notify_new(struct ct_notify **out, struct ct_node *node, const struct ct_targets *targets,
	uint64_t interval_ms, double rate, uint64_t grace_ms);
void ct_notify_free(struct ct_notify *nt);
/* Changes targets/interval/rate (after a reload); the running round finishes as it was. */
void ct_notify_reconf(struct ct_notify *nt, const struct ct_targets *targets, uint64_t interval_ms,
	double rate);
/* Starts a round now (and re-arms the interval timer). */
int ct_notify_round(struct ct_notify *nt);

/* Addresses found by the search: notified in every round like the targets. */
int ct_notify_add_found(struct ct_notify *nt, const struct ct_haddr *a);
int ct_notify_remove_found(struct ct_notify *nt, const struct ct_haddr *a);
size_t ct_notify_found_count(const struct ct_notify *nt);
const struct ct_haddr *ct_notify_found_at(const struct ct_notify *nt, size_t i);

/* The last finished round (number 0 when none) and the running one (NULL when idle). */
const struct ct_notify_round *ct_notify_last(const struct ct_notify *nt);
const struct ct_notify_round *ct_notify_running(const struct ct_notify *nt);

/* Sorted address set helpers shared with search (port ignored). */
void ct_haddr_sort(struct ct_haddr *v, size_t n);
/* Index of a in sorted v, or -1. */
long ct_haddr_bsearch(const struct ct_haddr *v, size_t n, const struct ct_haddr *a);

#endif
