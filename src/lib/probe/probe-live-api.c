/* probe-live-api.c: the live probe object: sockets, attaching to a loop, targets, interval, reset. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "icmpname.h"
#include "inject.h"
#include "log.h"
#include "pktno.h"
#include "probe-ipmsg.h"
#include "probe-live-int.h"
#include "util.h"

/* ---- the object ---- */

static void refilter(struct ct_live *lv);

int ct_live_new(struct ct_live **out, const struct ct_live_opts *o, char *err, size_t errlen)
{
	struct ct_live *lv = calloc(1, sizeof *lv);
	unsigned pf = CT_PROBER_BIND2425 | CT_PROBER_PING;
	int r;

	*out = NULL;
	if (!lv) {
		snprintf(err, errlen, "out of memory");
		return CT_ENOMEM;
	}
	lv->flags = o ? o->flags : 0;
	lv->src = o ? o->src : 0;
	lv->port = o && o->port ? o->port : CT_IPMSG_PORT;
	lv->interval_ms = o && o->interval_ms ? o->interval_ms : CT_LIVE_DEFAULT_INTERVAL_MS;
	if (lv->interval_ms < CT_LIVE_MIN_INTERVAL_MS || lv->interval_ms > CT_LIVE_MAX_INTERVAL_MS) {
		snprintf(err, errlen, "interval %llu ms out of range (%d..%d)", (unsigned long long)lv->interval_ms,
			CT_LIVE_MIN_INTERVAL_MS, CT_LIVE_MAX_INTERVAL_MS);
		free(lv);
		return CT_ERANGE;
	}
	if (!(lv->flags & CT_LIVE_NO_RAW))
		pf |= CT_PROBER_RAW;
	if ((r = ct_prober_open(&lv->pr, pf)) != 0) {
		snprintf(err, errlen, "probe sockets: %s", ct_strerror(r));
		free(lv);
		return r;
	}
	if ((lv->flags & CT_LIVE_NO_PING) && lv->pr->ping_fd >= 0) {
		close(lv->pr->ping_fd);
		lv->pr->ping_fd = -1;
	}
	lv->avail[CT_LIVE_UDP] = lv->avail[CT_LIVE_TCP] = lv->pr->raw ? CT_LIVE_AVAIL_RAW : CT_LIVE_AVAIL_SOCKET;
	lv->avail[CT_LIVE_ICMP] = lv->pr->raw ? CT_LIVE_AVAIL_RAW : lv->pr->ping_fd >= 0 ? CT_LIVE_AVAIL_SOCKET :
		CT_LIVE_AVAIL_NOPRIV;
	lv->echo_seq = (uint16_t)(ct_mono_ns() >> 10);
	lv->ip_id = (uint16_t)(ct_mono_ns() >> 12);
	lv->tcp_seq = (uint32_t)(ct_mono_ns() ^ ((uint64_t)getpid() << 16));
	refilter(lv); /* no target yet: the raw sockets take nothing */
	*out = lv;
	return 0;
}

int ct_live_attach(struct ct_live *lv, struct ct_evloop *ev)
{
	struct ct_prober *pr = lv->pr;
	int fds[5] = { pr->icmp_fd, pr->tcp_fd, pr->udp_fd, pr->udp2425_fd, pr->raw ? -1 : pr->ping_fd };

	if (lv->ev)
		return CT_ESTATE;
	lv->ev = ev;
	lv->ngfd = 0;
	for (int i = 0; i < 5; i++) {
		if (fds[i] < 0)
			continue;
		if (ct_evloop_add_fd(ev, fds[i], CT_EV_READ, ct_live_fd_cb, lv) != 0) {
			ct_live_detach(lv);
			return CT_ESYS;
		}
		lv->gfd[lv->ngfd++] = fds[i];
	}
	ct_live_schedule(lv);
	return 0;
}

void ct_live_detach(struct ct_live *lv)
{
	if (!lv || !lv->ev)
		return;
	for (size_t i = 0; i < lv->n; i++)
		ct_live_drop_slots(lv, lv->t[i]);
	for (int i = 0; i < lv->ngfd; i++)
		ct_evloop_del_fd(lv->ev, lv->gfd[i]);
	lv->ngfd = 0;
	if (lv->timer)
		ct_evloop_cancel_timer(lv->ev, lv->timer);
	lv->timer = 0;
	lv->ev = NULL;
}

void ct_live_free(struct ct_live *lv)
{
	if (!lv)
		return;
	ct_live_detach(lv);
	for (size_t i = 0; i < lv->n; i++) {
		ct_live_send_exit(lv, lv->t[i]);
		ct_live_tgt_free(lv, lv->t[i]);
	}
	free(lv->t);
	ct_prober_close(lv->pr);
	free(lv);
}

void ct_live_set_callback(struct ct_live *lv, ct_live_cb cb, void *ud)
{
	lv->cb = cb;
	lv->cbud = ud;
}

unsigned ct_live_nnotes(const struct ct_live *lv)
{
	return lv->pr->nnotes;
}

const char *ct_live_note(const struct ct_live *lv, unsigned i)
{
	return i < lv->pr->nnotes ? lv->pr->notes[i] : NULL;
}

int ct_live_avail(const struct ct_live *lv, int kind)
{
	return (unsigned)kind < CT_LIVE_NKINDS ? lv->avail[kind] : CT_LIVE_AVAIL_NOPRIV;
}

/* The raw sockets take only the targets' packets from their port (probe-filter.c) */
static void refilter(struct ct_live *lv)
{
	uint32_t a[64];
	size_t n = lv->n < 64 ? lv->n : 65; /* over 64: the port only */

	for (size_t i = 0; i < lv->n && i < 64; i++)
		a[i] = lv->t[i]->pub.addr;
	(void)ct_prober_accept_from(lv->pr, a, n, lv->port ? lv->port : 2425);
}

int ct_live_add(struct ct_live *lv, uint32_t addr, int pinned)
{
	struct ct_live_tgt *t = ct_live_find(lv, addr, NULL);

	if (t) {
		if (pinned)
			t->pub.pinned = 1;
		return CT_EEXIST;
	}
	if (!addr)
		return CT_EINVAL;
	if (lv->n >= CT_LIVE_MAX_TARGETS)
		return CT_ETOOBIG;
	if (lv->n == lv->cap) {
		size_t nc = lv->cap ? lv->cap * 2 : 16;
		struct ct_live_tgt **nt = realloc(lv->t, nc * sizeof *nt);
		if (!nt)
			return CT_ENOMEM;
		lv->t = nt;
		lv->cap = nc;
	}
	if (!(t = calloc(1, sizeof *t)))
		return CT_ENOMEM;
	t->lv = lv;
	t->pub.addr = addr;
	t->pub.pinned = pinned != 0;
	t->pub.icmp_err.kind = -1;
	for (int k = 0; k < CT_LIVE_NKINDS; k++)
		t->pub.k[k].avail = lv->avail[k];
	t->src = lv->src;
	if (!t->src && ct_probe_route_lookup(addr, &t->src, NULL, 0) != 0)
		t->src = 0; /* no route now: the send fails and says so */
	t->next_ns = ct_mono_ns();
	lv->t[lv->n++] = t;
	refilter(lv);
	ct_live_schedule(lv);
	return 0;
}

int ct_live_remove(struct ct_live *lv, uint32_t addr)
{
	size_t i;
	struct ct_live_tgt *t = ct_live_find(lv, addr, &i);

	if (!t)
		return CT_ENOTFOUND;
	ct_live_send_exit(lv, t);
	memmove(&lv->t[i], &lv->t[i + 1], (lv->n - i - 1) * sizeof *lv->t);
	lv->n--;
	lv->rr = lv->n ? lv->rr % lv->n : 0;
	ct_live_tgt_free(lv, t);
	refilter(lv);
	ct_live_schedule(lv);
	return 0;
}

int ct_live_pin(struct ct_live *lv, uint32_t addr, int pinned)
{
	struct ct_live_tgt *t = ct_live_find(lv, addr, NULL);

	if (!t)
		return CT_ENOTFOUND;
	t->pub.pinned = pinned != 0;
	return 0;
}

void ct_live_remove_unpinned(struct ct_live *lv)
{
	for (size_t i = lv->n; i-- > 0;)
		if (!lv->t[i]->pub.pinned)
			(void)ct_live_remove(lv, lv->t[i]->pub.addr);
}

size_t ct_live_count(const struct ct_live *lv)
{
	return lv->n;
}

const struct ct_live_target *ct_live_at(const struct ct_live *lv, size_t i)
{
	return i < lv->n ? &lv->t[i]->pub : NULL;
}

const struct ct_live_target *ct_live_get(const struct ct_live *lv, uint32_t addr)
{
	struct ct_live_tgt *t = ct_live_find(lv, addr, NULL);

	return t ? &t->pub : NULL;
}

void ct_live_set_ud(struct ct_live *lv, uint32_t addr, void *ud)
{
	struct ct_live_tgt *t = ct_live_find(lv, addr, NULL);

	if (t)
		t->pub.ud = ud;
}

int ct_live_set_interval(struct ct_live *lv, uint64_t interval_ms)
{
	uint64_t now = ct_mono_ns();

	if (interval_ms < CT_LIVE_MIN_INTERVAL_MS || interval_ms > CT_LIVE_MAX_INTERVAL_MS)
		return CT_ERANGE;
	lv->interval_ms = interval_ms;
	for (size_t i = 0; i < lv->n; i++) {
		struct ct_live_tgt *t = lv->t[i];
		uint64_t next = t->last_start_ns ? t->last_start_ns + interval_ms * 1000000ull : now;
		t->next_ns = next > now ? next : now;
	}
	ct_live_schedule(lv);
	return 0;
}

uint64_t ct_live_interval(const struct ct_live *lv)
{
	return lv->interval_ms;
}

static void reset_one(struct ct_live *lv, struct ct_live_tgt *t)
{
	t->gen++;
	for (int k = 0; k < CT_LIVE_NKINDS; k++) {
		memset(&t->pub.k[k], 0, sizeof t->pub.k[k]);
		t->pub.k[k].avail = lv->avail[k];
		t->prev_rtt[k] = 0;
	}
	t->pub.rounds = 0;
	memset(&t->pub.icmp_err, 0, sizeof t->pub.icmp_err);
	t->pub.icmp_err.kind = -1;
	ct_live_notify(lv, t);
}

void ct_live_reset(struct ct_live *lv, uint32_t addr)
{
	for (size_t i = 0; i < lv->n; i++)
		if (!addr || lv->t[i]->pub.addr == addr)
			reset_one(lv, lv->t[i]);
}

uint64_t ct_live_max_dispatch_ns(const struct ct_live *lv)
{
	return lv->max_dispatch_ns;
}
