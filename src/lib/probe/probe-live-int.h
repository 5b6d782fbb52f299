/* probe-live-int.h: the inside of the live probe engine, shared by probe-live*.c (not for other areas). */
#ifndef CT_PROBE_LIVE_INT_H
#define CT_PROBE_LIVE_INT_H

#include <stdint.h>
#include "probe-live.h"

#define CT_LIVE_SLOTS 8                /* probes of one kind in flight per target at most */
#define CT_LIVE_BURST 32               /* probes sent per dispatch at most: the loop stays responsive */
#define CT_LIVE_FALLBACK_NS 500000000ull /* UDP: BR_ENTRY this long after a silent GETINFO (at most half the wait) */

/* One probe of one kind in flight: its own probe set (the methods of probe-*.c drive it). */
struct ct_live_slot {
	struct ct_probe_set s;
	struct ct_probe p[2];      /* UDP: [0] GETINFO, [1] BR_ENTRY|DIALUPOPT; others: [0] */
	uint32_t cmd[2];           /* UDP: the commands of p[] */
	struct ct_live_tgt *t;
	int kind;
	int active;
	unsigned gen;              /* the target's counter generation when it was sent */
	uint64_t deadline_ns;
	uint64_t fallback_ns;      /* UDP: when p[1] goes if p[0] got nothing, 0 none */
	int watched[CT_PROBE_MAX_FDS]; /* own descriptors registered on the loop */
	int nwatched;
};

struct ct_live_tgt {
	struct ct_live_target pub;
	struct ct_live *lv;
	uint32_t src;              /* our address toward it */
	uint64_t next_ns, last_start_ns;
	unsigned gen;
	int entry_sent;            /* a BR_ENTRY went (BR_EXIT when it goes) */
	uint64_t prev_rtt[CT_LIVE_NKINDS];
	struct ct_live_slot *sl[CT_LIVE_NKINDS][CT_LIVE_SLOTS]; /* made when needed */
};

struct ct_live {
	struct ct_prober *pr;
	struct ct_evloop *ev;
	uint64_t timer;
	struct ct_live_tgt **t;
	size_t n, cap, rr;
	uint64_t interval_ms;
	uint16_t port;
	unsigned flags;
	uint32_t src;
	int avail[CT_LIVE_NKINDS];
	ct_live_cb cb;
	void *cbud;
	uint64_t max_dispatch_ns;
	int gfd[5];                /* the prober's descriptors watched on the loop */
	int ngfd;
	uint16_t echo_seq, ip_id;
	uint32_t pktno_last, tcp_seq;
	uint8_t buf[65536];
};

/* probe-live.c: the engine */
void ct_live_schedule(struct ct_live *lv);
/* The loop's callback for the prober's descriptors (drains them). */
void ct_live_fd_cb(struct ct_evloop *ev, int fd, unsigned events, void *ud);
struct ct_live_tgt *ct_live_find(const struct ct_live *lv, uint32_t addr, size_t *idx);
void ct_live_drop_slots(struct ct_live *lv, struct ct_live_tgt *t);
/* Drops the target's probes and frees it. */
void ct_live_tgt_free(struct ct_live *lv, struct ct_live_tgt *t);
/* Withdraws the BR_ENTRY our probes announced: one BR_EXIT. */
void ct_live_send_exit(struct ct_live *lv, struct ct_live_tgt *t);
/* probe-live-figures.c: the figures of a finished probe; 1 when the target answered. */
int ct_live_figures(struct ct_live *lv, struct ct_live_tgt *t, const struct ct_live_slot *sl);
void ct_live_notify(struct ct_live *lv, struct ct_live_tgt *t);

#endif
