/* pace.h: token buckets: paced sending (packets per second) and a per-source rate limiter. */
#ifndef CT_PACE_H
#define CT_PACE_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"

/* One token bucket: rate tokens per second, at most burst tokens stored. */
struct ct_pace {
	double rate, burst, tokens;
	uint64_t last_ms;
};

/* Starts full (burst tokens) at now_ms; rate <= 0 means unlimited. */
void ct_pace_init(struct ct_pace *p, double rate, double burst, uint64_t now_ms);
/* Takes n tokens if available: 1 = taken, 0 = not enough (nothing taken). */
int ct_pace_take(struct ct_pace *p, uint64_t now_ms, double n);
/* Milliseconds until n tokens are available (0 = now). */
uint64_t ct_pace_wait_ms(struct ct_pace *p, uint64_t now_ms, double n);
/* Tokens available at now_ms (refills first). */
double ct_pace_avail(struct ct_pace *p, uint64_t now_ms);
/* How many milliseconds sending count packets at rate per second takes (first one at 0). */
uint64_t ct_pace_duration_ms(size_t count, double rate);

/* Per-source limiter: one bucket per source address (port ignored), bounded memory. */
struct ct_ratelim;
struct ct_ratelim *ct_ratelim_new(double rate, double burst, size_t max_sources);
void ct_ratelim_free(struct ct_ratelim *rl);
/* 1 = allowed (cost tokens taken from that source's bucket), 0 = over its rate. */
int ct_ratelim_allow(struct ct_ratelim *rl, const struct ct_haddr *src, double cost, uint64_t now_ms);
/* Sources currently tracked, and how many requests were refused in total. */
size_t ct_ratelim_sources(const struct ct_ratelim *rl);
uint64_t ct_ratelim_refused(const struct ct_ratelim *rl);

#endif
