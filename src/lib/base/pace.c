/* pace.c: token buckets for paced sending and per-source rate limiting. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "pace.h"

void ct_pace_init(struct ct_pace *p, double rate, double burst, uint64_t now_ms)
{
	p->rate = rate;
	p->burst = burst < 1 ? 1 : burst;
	p->tokens = p->burst;
	p->last_ms = now_ms;
}

static void refill(struct ct_pace *p, uint64_t now_ms)
{
	if (now_ms > p->last_ms) {
		p->tokens += (double)(now_ms - p->last_ms) * p->rate / 1000.0;
		if (p->tokens > p->burst)
			p->tokens = p->burst;
		p->last_ms = now_ms;
	}
}

double ct_pace_avail(struct ct_pace *p, uint64_t now_ms)
{
	if (p->rate <= 0)
		return p->burst;
	refill(p, now_ms);
	return p->tokens;
}

int ct_pace_take(struct ct_pace *p, uint64_t now_ms, double n)
{
	if (p->rate <= 0)
		return 1;
	refill(p, now_ms);
	if (p->tokens + 1e-9 < n)
		return 0;
	p->tokens -= n;
	return 1;
}

uint64_t ct_pace_wait_ms(struct ct_pace *p, uint64_t now_ms, double n)
{
	double need;

	if (p->rate <= 0)
		return 0;
	refill(p, now_ms);
	need = n - p->tokens;
	if (need <= 1e-9)
		return 0;
	double ms = need * 1000.0 / p->rate;
	uint64_t w = (uint64_t)ms;
	return (double)w < ms ? w + 1 : w;
}

uint64_t ct_pace_duration_ms(size_t count, double rate)
{
	if (count <= 1 || rate <= 0)
		return 0;
	return (uint64_t)((double)(count - 1) * 1000.0 / rate + 0.5);
}

struct rl_ent {
	struct ct_haddr a;
	struct ct_pace b;
	int used;
};

struct ct_ratelim {
	double rate, burst;
	struct rl_ent *v; /* open addressing, size a power of two, at most half full */
	size_t n, size, max;
	uint64_t refused;
};

struct ct_ratelim *ct_ratelim_new(double rate, double burst, size_t max_sources)
{
	struct ct_ratelim *rl = calloc(1, sizeof *rl);
	size_t sz = 64;

	if (!rl)
		return NULL;
	rl->rate = rate;
	rl->burst = burst;
	rl->max = max_sources ? max_sources : 4096;
	while (sz < rl->max * 2)
		sz *= 2;
	if (!(rl->v = calloc(sz, sizeof *rl->v))) {
		free(rl);
		return NULL;
	}
	rl->size = sz;
	return rl;
}

void ct_ratelim_free(struct ct_ratelim *rl)
{
	if (rl) {
		free(rl->v);
		free(rl);
	}
}

static size_t rl_hash(const struct ct_haddr *a, size_t mask)
{
	return (size_t)ct_haddr_hash_ip(a) & mask;
}

/* Drops sources whose bucket is full again (idle long enough); rebuilds the table. */
static void sweep(struct ct_ratelim *rl, uint64_t now_ms)
{
	struct rl_ent *old = rl->v;
	struct rl_ent *nv = calloc(rl->size, sizeof *nv);

	if (!nv)
		return;
	rl->n = 0;
	for (size_t i = 0; i < rl->size; i++) {
		if (!old[i].used || ct_pace_avail(&old[i].b, now_ms) >= rl->burst - 1e-9)
			continue;
		size_t j = rl_hash(&old[i].a, rl->size - 1);
		while (nv[j].used)
			j = (j + 1) & (rl->size - 1);
		nv[j] = old[i];
		rl->n++;
	}
	free(old);
	rl->v = nv;
}

int ct_ratelim_allow(struct ct_ratelim *rl, const struct ct_haddr *src, double cost, uint64_t now_ms)
{
	size_t j;

	if (rl->rate <= 0)
		return 1;
	for (j = rl_hash(src, rl->size - 1); rl->v[j].used; j = (j + 1) & (rl->size - 1))
		if (ct_haddr_same_ip(&rl->v[j].a, src))
			goto found;
	if (rl->n >= rl->max) {
		sweep(rl, now_ms);
		if (rl->n >= rl->max) { /* table full of busy sources: refuse newcomers */
			rl->refused++;
			return 0;
		}
		for (j = rl_hash(src, rl->size - 1); rl->v[j].used; j = (j + 1) & (rl->size - 1))
			;
	}
	rl->v[j].used = 1;
	rl->v[j].a = *src;
	ct_pace_init(&rl->v[j].b, rl->rate, rl->burst, now_ms);
	rl->n++;
found:
	if (ct_pace_take(&rl->v[j].b, now_ms, cost))
		return 1;
	rl->refused++;
	return 0;
}

size_t ct_ratelim_sources(const struct ct_ratelim *rl) { return rl->n; }
uint64_t ct_ratelim_refused(const struct ct_ratelim *rl) { return rl->refused; }
