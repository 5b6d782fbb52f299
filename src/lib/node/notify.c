/* notify.c: paced notification rounds to other networks and to found addresses, with answer counts. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "node.h"
#include "notify.h"
#include "pace.h"

struct ct_notify {
	struct ct_node *node;
	struct ct_evloop *ev;
	const struct ct_targets *targets;
	uint64_t interval_ms, grace_ms;
	double rate;
	struct ct_haddr *found;
	size_t nfound, capfound;
	/* the running round */
	int running;
	struct ct_haddr *addrs;   /* round addresses, sorted for lookups */
	uint8_t *answered;        /* one flag per address */
	size_t naddrs, cursor;
	struct ct_pace pace;
	struct ct_notify_round cur, last;
	unsigned rounds;
	uint64_t t_next, t_tick, t_grace;
};

static int cmp_haddr(const void *a, const void *b)
{
	const struct ct_haddr *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->ip, y->ip, 16);
}

void ct_haddr_sort(struct ct_haddr *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_haddr);
}

long ct_haddr_bsearch(const struct ct_haddr *v, size_t n, const struct ct_haddr *a)
{
	struct ct_haddr k = *a;
	const struct ct_haddr *p;

	if (k.family == AF_INET)
		memset(k.ip + 4, 0, 12);
	p = n ? bsearch(&k, v, n, sizeof *v, cmp_haddr) : NULL;
	return p ? (long)(p - v) : -1;
}

static void finish(struct ct_notify *nt)
{
	nt->cur.finished = ct_wall_now();
	nt->last = nt->cur;
	nt->running = 0;
	log_notice("notify round %u: sent %zu packets to %zu addresses (%zu names unresolved), "
		"%zu answered", nt->cur.number, nt->cur.sent, nt->cur.targets, nt->cur.unresolved,
		nt->cur.answered);
	free(nt->addrs);
	free(nt->answered);
	nt->addrs = NULL;
	nt->answered = NULL;
	nt->naddrs = 0;
}

static void on_grace(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_notify *nt = ud;

	(void)ev;
	(void)id;
	nt->t_grace = 0;
	finish(nt);
}

static void on_tick(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_notify *nt = ud;
	uint64_t now = ct_evloop_now_ms(ev);

	(void)id;
	nt->t_tick = 0;
	while (nt->cursor < nt->naddrs) {
		if (!ct_pace_take(&nt->pace, now, 1)) {
			nt->t_tick = ct_evloop_add_timer(ev, ct_pace_wait_ms(&nt->pace, now, 1), on_tick, nt);
			return;
		}
		if (ct_node_send_entry(nt->node, &nt->addrs[nt->cursor], CT_IPMSG_BR_ENTRY, CT_IPMSG_DIALUPOPT) == 0)
			nt->cur.sent++;
		nt->cursor++;
	}
	nt->t_grace = ct_evloop_add_timer(ev, nt->grace_ms, on_grace, nt);
}

static void on_interval(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_notify *nt = ud;

	(void)ev;
	(void)id;
	nt->t_next = 0;
	ct_notify_round(nt);
}

int ct_notify_round(struct ct_notify *nt)
{
	struct ct_haddr *v = NULL;
	size_t n = 0, unres = 0;
	char err[200];
	int r;

	ct_evloop_cancel_timer(nt->ev, nt->t_next);
	nt->t_next = nt->interval_ms ? ct_evloop_add_timer(nt->ev, nt->interval_ms, on_interval, nt) : 0;
	if (nt->running) {
		log_warn("notify round %u still running; the next round starts after it", nt->cur.number);
		return CT_EAGAIN;
	}
	if (nt->targets && nt->targets->n &&
	    (r = ct_targets_expand(nt->targets, ct_node_port(nt->node), &v, &n, &unres, err, sizeof err)) != 0) {
		log_warn("notify: %s", r == CT_ETOOBIG ? err : ct_strerror(r));
		return r;
	}
	if (n + nt->nfound == 0) {
		free(v);
		return 0;
	}
	struct ct_haddr *all = realloc(v, (n + nt->nfound) * sizeof *all);
	if (!all) {
		free(v);
		return CT_ENOMEM;
	}
	for (size_t i = 0; i < nt->nfound; i++) {
		all[n] = nt->found[i];
		all[n].port = ct_node_port(nt->node);
		n++;
	}
	for (size_t i = 0; i < n; i++)
		if (all[i].family == AF_INET)
			memset(all[i].ip + 4, 0, 12);
	ct_haddr_sort(all, n);
	size_t k = 0; /* dedup found addresses that are also targets */
	for (size_t i = 0; i < n; i++)
		if (k == 0 || cmp_haddr(&all[k - 1], &all[i]) != 0)
			all[k++] = all[i];
	if (!(nt->answered = calloc(k, 1))) {
		free(all);
		return CT_ENOMEM;
	}
	nt->addrs = all;
	nt->naddrs = k;
	nt->cursor = 0;
	nt->running = 1;
	memset(&nt->cur, 0, sizeof nt->cur);
	nt->cur.number = ++nt->rounds;
	nt->cur.targets = k;
	nt->cur.unresolved = unres;
	nt->cur.started = ct_wall_now();
	ct_pace_init(&nt->pace, nt->rate, 1, ct_evloop_now_ms(nt->ev));
	log_info("notify round %u: %zu addresses at %.0f packets/s", nt->cur.number, k, nt->rate);
	on_tick(nt->ev, 0, nt);
	return 0;
}

static void observe(struct ct_node *node, struct ct_host *h, uint32_t mode, const struct ct_haddr *from, void *ud)
{
	struct ct_notify *nt = ud;
	long i;

	(void)node;
	(void)mode;
	if (nt->running && (i = ct_haddr_bsearch(nt->addrs, nt->naddrs, from)) >= 0) {
		if (!nt->answered[i]) {
			nt->answered[i] = 1;
			nt->cur.answered++;
		}
	}
	if (nt->targets && ct_targets_match(nt->targets, from))
		h->origin |= CT_HOST_NOTIFIED;
	else if (nt->running && ct_haddr_bsearch(nt->addrs, nt->naddrs, from) >= 0)
		h->origin |= CT_HOST_NOTIFIED;
}

int ct_notify_new(struct ct_notify **out, struct ct_node *node, const struct ct_targets *targets,
	uint64_t interval_ms, double rate, uint64_t grace_ms)
{
	struct ct_notify *nt = calloc(1, sizeof *nt);
	int r;

	*out = NULL;
	if (!nt)
		return CT_ENOMEM;
	nt->node = node;
	nt->ev = ct_node_evloop(node);
	nt->grace_ms = grace_ms ? grace_ms : 5000;
	ct_notify_reconf(nt, targets, interval_ms, rate);
	if ((r = ct_node_add_observer(node, observe, nt)) != 0) {
		free(nt);
		return r;
	}
	*out = nt;
	return 0;
}

void ct_notify_reconf(struct ct_notify *nt, const struct ct_targets *targets, uint64_t interval_ms, double rate)
{
	nt->targets = targets;
	nt->interval_ms = interval_ms;
	nt->rate = rate > 0 ? rate : 100;
}

void ct_notify_free(struct ct_notify *nt)
{
	if (!nt)
		return;
	ct_node_remove_observer(nt->node, observe, nt);
	ct_evloop_cancel_timer(nt->ev, nt->t_next);
	ct_evloop_cancel_timer(nt->ev, nt->t_tick);
	ct_evloop_cancel_timer(nt->ev, nt->t_grace);
	free(nt->addrs);
	free(nt->answered);
	free(nt->found);
	free(nt);
}

int ct_notify_add_found(struct ct_notify *nt, const struct ct_haddr *a)
{
	for (size_t i = 0; i < nt->nfound; i++)
		if (ct_haddr_same_ip(&nt->found[i], a))
			return CT_EEXIST;
	if (nt->nfound == nt->capfound) {
		size_t nc = nt->capfound ? nt->capfound * 2 : 16;
		struct ct_haddr *nv = realloc(nt->found, nc * sizeof *nv);
		if (!nv)
			return CT_ENOMEM;
		nt->found = nv;
		nt->capfound = nc;
	}
	nt->found[nt->nfound++] = *a;
	return 0;
}

int ct_notify_remove_found(struct ct_notify *nt, const struct ct_haddr *a)
{
	for (size_t i = 0; i < nt->nfound; i++)
		if (ct_haddr_same_ip(&nt->found[i], a)) {
			nt->found[i] = nt->found[--nt->nfound];
			return 0;
		}
	return CT_ENOTFOUND;
}

size_t ct_notify_found_count(const struct ct_notify *nt) { return nt->nfound; }
const struct ct_haddr *ct_notify_found_at(const struct ct_notify *nt, size_t i)
{
	return i < nt->nfound ? &nt->found[i] : NULL;
}
const struct ct_notify_round *ct_notify_last(const struct ct_notify *nt) { return &nt->last; }
const struct ct_notify_round *ct_notify_running(const struct ct_notify *nt)
{
	return nt->running ? &nt->cur : NULL;
}
