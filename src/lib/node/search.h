/* search.h: external user search: paced probing of address ranges for IP Messenger hosts. */
#ifndef CT_SEARCH_H
#define CT_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include "hosts.h"
#include "targets.h"

struct ct_node;
struct ct_search;

enum ct_search_state { CT_SEARCH_RUNNING = 0, CT_SEARCH_DONE, CT_SEARCH_CANCELLED };

/* One IP Messenger host that answered. */
struct ct_search_hit {
	struct ct_haddr addr;
	char user[64], host[64], nick[64]; /* UTF-8, truncated for display */
	char info[64];                     /* SENDINFO text when it answered GETINFO */
	uint32_t status;
	int entry;                         /* its entry (ANSENTRY / BR_ENTRY) arrived */
	uint64_t found_ms;                 /* first answer, milliseconds after the start */
};

struct ct_search_progress {
	uint64_t id;
	enum ct_search_state state;
	size_t total, probed, found, unresolved;
	size_t send_failed; /* addresses skipped because probes could not be sent */
	double started, finished;
};

/* Called after each batch of probes and once at the end (state != RUNNING). */
typedef void (*ct_search_cb)(struct ct_search *s, const struct ct_search_progress *p, void *ud);

/* Starts a search of targets (expanded now; names resolved now) at rate probes per second
 * (each probe = GETINFO + BR_ENTRY|DIALUPOPT to one address); answers are counted until
 * grace_ms after the last probe (default 5000). err says why it could not start. */
int ct_search_start(struct ct_search **out, struct ct_node *node, const struct ct_targets *targets,
	double rate, uint64_t grace_ms, ct_search_cb cb, void *ud, char *err, size_t errlen);
/* Early end (call right after start): finish quiet_ms after the last probe instead of grace_ms,
 * as soon as every host that answered has also sent its entry (IP Messenger answers GETINFO at
 * once and BR_ENTRY after a random delay; iptux answers BR_ENTRY at once). grace_ms stays the
 * limit. 0 (the default) always waits the whole grace_ms. */
void ct_search_set_quiet(struct ct_search *s, uint64_t quiet_ms);
/* Stops probing; the hits so far stay readable. */
void ct_search_cancel(struct ct_search *s);
void ct_search_free(struct ct_search *s);
const struct ct_search_progress *ct_search_progress(const struct ct_search *s);
size_t ct_search_hits(const struct ct_search *s, const struct ct_search_hit **hits);
/* True when the address was probed in this search (for "lost" reporting). */
int ct_search_probed(const struct ct_search *s, const struct ct_haddr *a);

#endif
