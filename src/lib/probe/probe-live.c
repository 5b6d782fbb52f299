/* probe-live.c: probes on the caller's event loop (mtr-style packet engine): rounds per target, receive first, one probe set per probe. */
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

static void check_target(struct ct_live *lv, struct ct_live_tgt *t, uint64_t now);

static const char *ip4(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN) ? buf : "?";
}

/* ---- the IP Messenger probe: payload and the answering modes of probe-ipmsg.c ---- */

static size_t udp_payload(struct ct_probe_set *s, struct ct_probe *p, uint8_t *buf, size_t cap)
{
	const struct ct_live_slot *sl = s->ud;
	int i = p == &s->probes[1];

	return ct_app_build(p->seq, sl->cmd[i], (sl->cmd[i] & 0xffu) != CT_IPMSG_GETINFO, buf, cap);
}

/* A quote names our packet number; a datagram from the target answers the probe whose command it
 * is the answering mode of (SENDINFO to GETINFO, ANSENTRY to BR_ENTRY), else it is no answer
 * (CT_PROBE_NOT_ANSWER: a camtraced's own liveness BR_ENTRY, a BR_EXIT). */
static int udp_match(struct ct_probe_set *s, const uint8_t *data, size_t len, int quoted)
{
	const struct ct_live_slot *sl = s->ud;
	struct ct_ipmsg m;
	int idx = -1;

	if (ct_codec_parse(&m, data, len) == 0) {
		idx = quoted ? -1 : CT_PROBE_NOT_ANSWER;
		for (size_t i = 0; i < s->n; i++) {
			if (s->probes[i].sent <= 0)
				continue;
			if (quoted ? s->probes[i].seq == m.packetno : m.mode == ct_app_answer_mode(sl->cmd[i]))
				idx = (int)i;
		}
	}
	ct_codec_fini(&m);
	return idx;
}

/* ---- slots ---- */

static int prober_fd(const struct ct_live *lv, int fd)
{
	const struct ct_prober *pr = lv->pr;

	return fd == pr->udp2425_fd || fd == pr->ping_fd || fd == pr->icmp_fd || fd == pr->tcp_fd || fd == pr->udp_fd;
}

static void slot_unwatch(struct ct_live *lv, struct ct_live_slot *sl)
{
	for (int i = 0; i < sl->nwatched; i++)
		if (lv->ev)
			ct_evloop_del_fd(lv->ev, sl->watched[i]);
	sl->nwatched = 0;
}

/* Ends a slot: the method closes its set (TCP: who sent a RST), then the figures (not when the
 * counters were reset meanwhile). count 0: dropped without counting. */
static void slot_finish(struct ct_live *lv, struct ct_live_slot *sl, int count)
{
	struct ct_live_tgt *t = sl->t;
	int sent = 0;

	slot_unwatch(lv, sl);
	if (sl->s.ops->close)
		sl->s.ops->close(&sl->s);
	sl->active = 0;
	for (size_t i = 0; i < sl->s.n; i++)
		sent |= sl->p[i].sent > 0;
	if (!count || sl->gen != t->gen || !sent)
		return;
	t->pub.k[sl->kind].done++;
	t->pub.k[sl->kind].last_answered = ct_live_figures(lv, t, sl);
	ct_live_notify(lv, t);
}

/* 1 when the slot needs nothing more: its answer (or a refusal) came. */
static int slot_complete(const struct ct_live_slot *sl)
{
	if (sl->kind == CT_LIVE_TCP)
		return sl->p[0].answered && !sl->s.hold;
	for (size_t i = 0; i < sl->s.n; i++)
		if (sl->p[i].sent > 0 && sl->p[i].answered)
			return 1;
	return 0;
}

static void slot_fd_cb(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct ct_live_slot *sl = ud;
	struct ct_live *lv = sl->t->lv;
	uint64_t t0 = ct_mono_ns();

	(void)ev;
	(void)events;
	if (sl->active && sl->s.ops->readable)
		sl->s.ops->readable(&sl->s, fd, t0);
	if (sl->active && sl->kind == CT_LIVE_TCP && lv->ev && !sl->s.tcp_connect_pending)
		ct_evloop_mod_fd(lv->ev, fd, CT_EV_READ);
	check_target(lv, sl->t, ct_mono_ns());
	if (ct_mono_ns() - t0 > lv->max_dispatch_ns)
		lv->max_dispatch_ns = ct_mono_ns() - t0;
}

/* Watches the set's own descriptors (not the prober's, which the engine drains). */
static void slot_watch(struct ct_live *lv, struct ct_live_slot *sl)
{
	for (int i = 0; i < sl->s.nfds && lv->ev; i++) {
		int fd = sl->s.fds[i], known = prober_fd(lv, fd);
		for (int k = 0; k < sl->nwatched && !known; k++)
			known = sl->watched[k] == fd;
		if (known || sl->nwatched >= CT_PROBE_MAX_FDS)
			continue;
		if (ct_evloop_add_fd(lv->ev, fd, CT_EV_READ | (sl->s.tcp_connect_pending ? CT_EV_WRITE : 0), slot_fd_cb, sl) == 0)
			sl->watched[sl->nwatched++] = fd;
	}
}

static int send_probe(struct ct_live *lv, struct ct_live_slot *sl, struct ct_probe *p)
{
	char ab[INET_ADDRSTRLEN];
	int r;

	p->dst = sl->s.dst;
	p->family = sl->s.family;
	p->reply.ttl = p->reply.quoted_ttl = -1;
	p->sent_ns = ct_mono_ns();
	sl->s.err[0] = 0;
	r = sl->s.ops->send(&sl->s, p);
	p->sent = r == 0 ? 1 : -1;
	if (r != 0)
		log_debug("live %s probe to %s not sent: %s", sl->s.ops->name, ip4(sl->s.dst, ab),
			sl->s.err[0] ? sl->s.err : ct_strerror(r));
	slot_watch(lv, sl);
	return r;
}

static const struct ct_probe_ops *kind_ops(int kind)
{
	return kind == CT_LIVE_UDP ? &ct_probe_udp_ops : kind == CT_LIVE_TCP ? &ct_probe_tcp_ops : &ct_probe_icmp_ops;
}

static uint64_t wait_ns(const struct ct_live *lv)
{
	uint64_t w = lv->interval_ms > CT_LIVE_MIN_WAIT_MS ? lv->interval_ms : CT_LIVE_MIN_WAIT_MS;

	if (w > lv->interval_ms * (CT_LIVE_SLOTS - 1))
		w = lv->interval_ms * (CT_LIVE_SLOTS - 1);
	return w * 1000000ull;
}

/* Starts one probe of kind on t: a fresh set in a free slot (the oldest one ends first). */
static void start_kind(struct ct_live *lv, struct ct_live_tgt *t, int kind, uint64_t now)
{
	struct ct_live_slot *sl = NULL, *oldest = NULL;
	struct ct_probe_set *s;
	int r, entry;

	if (lv->avail[kind] == CT_LIVE_AVAIL_NOPRIV)
		return;
	for (int i = 0; i < CT_LIVE_SLOTS && !sl; i++) {
		struct ct_live_slot *c = t->sl[kind][i];
		if (!c) /* slots are made when needed: a probe holds a 1.4 kB reply */
			c = t->sl[kind][i] = calloc(1, sizeof *c);
		if (!c)
			break;
		if (!c->active)
			sl = c;
		else if (!oldest || c->deadline_ns < oldest->deadline_ns)
			oldest = c;
	}
	if (!sl && !oldest) {
		t->pub.k[kind].send_failed++;
		return;
	}
	if (!sl) {
		slot_finish(lv, oldest, 1);
		sl = oldest;
	}
	memset(sl, 0, sizeof *sl);
	sl->t = t;
	sl->kind = kind;
	sl->gen = t->gen;
	s = &sl->s;
	s->ops = kind_ops(kind);
	s->pr = lv->pr;
	s->dst = t->pub.addr;
	s->src = t->src;
	s->bind_src = lv->src != 0;
	s->use_raw = lv->avail[kind] == CT_LIVE_AVAIL_RAW;
	s->probes = sl->p;
	s->n = 1;
	sl->p[0].ip_id = ++lv->ip_id;
	if (kind == CT_LIVE_UDP) {
		s->n = 2;
		s->payload = udp_payload;
		s->match = udp_match;
		s->ud = sl;
		s->want_any_port = s->use_raw; /* iptux answers to port 2425 (the raw socket sees it) */
		sl->cmd[0] = CT_IPMSG_GETINFO;
		sl->cmd[1] = CT_IPMSG_BR_ENTRY | CT_IPMSG_DIALUPOPT | CT_IPMSG_CAPUTF8OPT;
		for (int i = 0; i < 2; i++) {
			sl->p[i].sport = s->use_raw ? CT_IPMSG_PORT : 0;
			sl->p[i].dport = lv->port;
			sl->p[i].seq = ct_pktno_next(&lv->pktno_last);
		}
		sl->p[1].ip_id = ++lv->ip_id;
	} else if (kind == CT_LIVE_TCP) {
		s->target_ttl = t->pub.target_ttl;
		lv->tcp_seq = lv->tcp_seq * 1103515245u + 12345u;
		sl->p[0].seq = lv->tcp_seq;
		sl->p[0].sport = (uint16_t)(33000 + (lv->tcp_seq >> 8) % 28000);
		sl->p[0].dport = lv->port;
	} else {
		if (++lv->echo_seq == 0)
			lv->echo_seq = 1;
		sl->p[0].seq = lv->echo_seq; /* unique over the engine: the shared ping socket's errors */
	}
	if ((r = s->ops->open ? s->ops->open(s) : 0) != 0) {
		t->pub.k[kind].send_failed++;
		char ab[INET_ADDRSTRLEN];
		log_debug("live %s probe to %s: %s", s->ops->name, ip4(s->dst, ab), s->err[0] ? s->err : ct_strerror(r));
		return;
	}
	sl->active = 1;
	sl->deadline_ns = now + wait_ns(lv);
	entry = kind == CT_LIVE_UDP && t->pub.udp_entry && !(lv->flags & CT_LIVE_NO_ENTRY);
	t->entry_sent |= entry;
	r = send_probe(lv, sl, &sl->p[entry]);
	if (r != 0) {
		t->pub.k[kind].send_failed++;
		slot_finish(lv, sl, 0);
		return;
	}
	if (kind == CT_LIVE_UDP && sl->p[0].sent > 0 && !(lv->flags & CT_LIVE_NO_ENTRY))
		sl->fallback_ns = now + (wait_ns(lv) / 2 < CT_LIVE_FALLBACK_NS ? wait_ns(lv) / 2 : CT_LIVE_FALLBACK_NS);
	t->pub.k[kind].sent++;
}

/* Ends what is complete or over, sends the BR_ENTRY step of silent GETINFOs. */
static void check_target(struct ct_live *lv, struct ct_live_tgt *t, uint64_t now)
{
	for (int k = 0; k < CT_LIVE_NKINDS; k++)
		for (int i = 0; i < CT_LIVE_SLOTS; i++) {
			struct ct_live_slot *sl = t->sl[k][i];
			if (!sl || !sl->active)
				continue;
			if (slot_complete(sl) || now >= sl->deadline_ns) {
				slot_finish(lv, sl, 1);
			} else if (sl->fallback_ns && now >= sl->fallback_ns) {
				sl->fallback_ns = 0;
				t->entry_sent = 1;
				(void)send_probe(lv, sl, &sl->p[1]);
			}
		}
}

/* ---- receiving: the prober's raw sockets, offered to the target the packet is about ---- */

struct ct_live_tgt *ct_live_find(const struct ct_live *lv, uint32_t addr, size_t *idx)
{
	for (size_t i = 0; i < lv->n; i++)
		if (lv->t[i]->pub.addr == addr) {
			if (idx)
				*idx = i;
			return lv->t[i];
		}
	return NULL;
}

/* Offers a packet to the target it quotes (an ICMP error) or comes from. */
static void offer(struct ct_live *lv, const struct ct_ipview *v, uint64_t now)
{
	struct ct_live_tgt *t = v->has_inner ? ct_live_find(lv, v->in_dst, NULL) : NULL;

	if (!t)
		t = ct_live_find(lv, v->src, NULL);
	if (!t)
		return;
	for (int k = 0; k < CT_LIVE_NKINDS; k++)
		for (int i = 0; i < CT_LIVE_SLOTS; i++) {
			struct ct_live_slot *sl = t->sl[k][i];
			if (sl && sl->active && sl->s.use_raw && sl->s.ops->packet)
				sl->s.ops->packet(&sl->s, v, now);
		}
	check_target(lv, t, now);
}

/* The shared ping socket (no raw sockets): echo replies and errors found by their sequence number. */
static void ping_answer(struct ct_live *lv, uint32_t seq, const struct ct_reply *r, uint64_t now)
{
	for (size_t i = 0; i < lv->n; i++)
		for (int k = 0; k < CT_LIVE_SLOTS; k++) {
			struct ct_live_slot *sl = lv->t[i]->sl[CT_LIVE_ICMP][k];
			if (!sl || !sl->active || sl->p[0].seq != seq || (r->kind == CT_RK_ECHO && r->from != sl->s.dst))
				continue;
			ct_probe_answer(&sl->s, &sl->p[0], r, now);
			check_target(lv, lv->t[i], now);
			return;
		}
}

static void drain_ping(struct ct_live *lv, int fd, uint64_t now)
{
	for (int k = 0; k < 256; k++) {
		struct ct_reply r;
		uint8_t q[128];
		size_t qlen = sizeof q;
		if (ct_probe_read_errqueue(fd, &r, q, &qlen) <= 0)
			break;
		if (qlen >= 8)
			ping_answer(lv, (uint32_t)(q[6] << 8 | q[7]), &r, now);
	}
	for (int k = 0; k < 256; k++) {
		struct ct_reply r;
		uint32_t seq;
		int got = ct_probe_ping_recv(fd, &r, &seq);
		if (got < 0)
			break;
		if (got)
			ping_answer(lv, seq, &r, now);
	}
}

/* Without raw sockets: answers sent to our port 2425 whatever our source port was (iptux's
 * ANSENTRY), read once here and handed to the UDP probes of the target that sent them. */
static void drain_2425(struct ct_live *lv, int fd, uint64_t now)
{
	for (int k = 0; k < 256; k++) {
		struct ct_reply r;
		struct ct_live_tgt *t;
		if (ct_probe_udp_recv(fd, &r) < 0)
			break;
		if (r.family == AF_INET6 || !(t = ct_live_find(lv, r.from, NULL)))
			continue;
		for (int i = 0; i < CT_LIVE_SLOTS; i++) {
			struct ct_live_slot *sl = t->sl[CT_LIVE_UDP][i];
			struct ct_reply c = r;
			if (!sl || !sl->active || slot_complete(sl))
				continue;
			ct_probe_udp_take(&sl->s, &c, now);
			if (slot_complete(sl))
				break; /* one answer, one probe */
		}
		check_target(lv, t, now);
	}
	while (recv(fd, lv->buf, sizeof lv->buf, MSG_DONTWAIT | MSG_ERRQUEUE) >= 0)
		;
}

static void drain_fd(struct ct_live *lv, int fd, uint64_t now)
{
	struct ct_prober *pr = lv->pr;

	if (fd == pr->icmp_fd || fd == pr->tcp_fd || fd == pr->udp_fd) {
		for (int k = 0; k < 512; k++) {
			ssize_t len = recv(fd, lv->buf, sizeof lv->buf, MSG_DONTWAIT);
			struct ct_ipview v;
			if (len <= 0)
				return;
			if (ct_ipview_parse(lv->buf, (size_t)len, &v) == 0 && !v.v6)
				offer(lv, &v, now);
		}
	} else if (fd == pr->ping_fd) {
		drain_ping(lv, fd, now);
	} else if (lv->avail[CT_LIVE_UDP] == CT_LIVE_AVAIL_SOCKET) {
		drain_2425(lv, fd, now);
	} else {
		/* port 2425: absorbs the answers (the raw socket read them) */
		while (recv(fd, lv->buf, sizeof lv->buf, MSG_DONTWAIT) >= 0)
			;
		while (recv(fd, lv->buf, sizeof lv->buf, MSG_DONTWAIT | MSG_ERRQUEUE) >= 0)
			;
	}
}

static void drain_all(struct ct_live *lv, uint64_t now)
{
	for (int i = 0; i < lv->ngfd; i++)
		drain_fd(lv, lv->gfd[i], now);
}

void ct_live_fd_cb(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct ct_live *lv = ud;
	uint64_t t0 = ct_mono_ns();

	(void)ev;
	(void)events;
	drain_fd(lv, fd, t0);
	if (ct_mono_ns() - t0 > lv->max_dispatch_ns)
		lv->max_dispatch_ns = ct_mono_ns() - t0;
}

/* ---- rounds ---- */

static void tick(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_live *lv = ud;
	uint64_t t0 = ct_mono_ns(), now, iv = lv->interval_ms * 1000000ull;
	int budget = CT_LIVE_BURST;
	size_t start = lv->rr, c;

	(void)ev;
	(void)id;
	lv->timer = 0;
	drain_all(lv, t0); /* receive first */
	now = ct_mono_ns();
	for (size_t i = 0; i < lv->n; i++)
		check_target(lv, lv->t[i], now);
	for (c = 0; c < lv->n && budget > 0; c++) {
		struct ct_live_tgt *t = lv->t[(start + c) % lv->n];
		if (t->next_ns > now)
			continue;
		for (int k = 0; k < CT_LIVE_NKINDS; k++)
			start_kind(lv, t, k, now);
		t->pub.rounds++;
		t->last_start_ns = now;
		t->next_ns = t->next_ns + iv > now ? t->next_ns + iv : now + iv;
		budget -= CT_LIVE_NKINDS;
	}
	if (lv->n)
		lv->rr = (start + c) % lv->n; /* the next tick goes on from there */
	ct_live_schedule(lv);
	if (ct_mono_ns() - t0 > lv->max_dispatch_ns)
		lv->max_dispatch_ns = ct_mono_ns() - t0;
}

/* One timer for the engine, at the earliest round, wait end or BR_ENTRY step. */
void ct_live_schedule(struct ct_live *lv)
{
	uint64_t due = UINT64_MAX, now = ct_mono_ns();

	if (!lv->ev)
		return;
	for (size_t i = 0; i < lv->n; i++) {
		struct ct_live_tgt *t = lv->t[i];
		if (t->next_ns < due)
			due = t->next_ns;
		for (int k = 0; k < CT_LIVE_NKINDS; k++)
			for (int j = 0; j < CT_LIVE_SLOTS; j++) {
				const struct ct_live_slot *sl = t->sl[k][j];
				if (!sl || !sl->active)
					continue;
				if (sl->deadline_ns < due)
					due = sl->deadline_ns;
				if (sl->fallback_ns && sl->fallback_ns < due)
					due = sl->fallback_ns;
			}
	}
	if (lv->timer)
		ct_evloop_cancel_timer(lv->ev, lv->timer);
	lv->timer = 0;
	if (due == UINT64_MAX)
		return;
	lv->timer = ct_evloop_add_timer(lv->ev, due > now ? (due - now + 999999) / 1000000 : 0, tick, lv);
}

void ct_live_drop_slots(struct ct_live *lv, struct ct_live_tgt *t)
{
	for (int k = 0; k < CT_LIVE_NKINDS; k++)
		for (int i = 0; i < CT_LIVE_SLOTS; i++)
			if (t->sl[k][i] && t->sl[k][i]->active)
				slot_finish(lv, t->sl[k][i], 0);
}

/* One BR_EXIT from port 2425 (raw) or a socket. */
void ct_live_send_exit(struct ct_live *lv, struct ct_live_tgt *t)
{
	struct ct_live_slot sl;

	if (!t->entry_sent || lv->avail[CT_LIVE_UDP] == CT_LIVE_AVAIL_NOPRIV)
		return;
	memset(&sl, 0, sizeof sl);
	sl.t = t;
	sl.s.ops = &ct_probe_udp_ops;
	sl.s.pr = lv->pr;
	sl.s.dst = t->pub.addr;
	sl.s.src = t->src;
	sl.s.use_raw = lv->avail[CT_LIVE_UDP] == CT_LIVE_AVAIL_RAW;
	sl.s.probes = sl.p;
	sl.s.n = 1;
	sl.s.payload = udp_payload;
	sl.s.ud = &sl;
	sl.cmd[0] = CT_IPMSG_BR_EXIT | CT_IPMSG_DIALUPOPT | CT_IPMSG_CAPUTF8OPT;
	sl.p[0].sport = sl.s.use_raw ? CT_IPMSG_PORT : 0;
	sl.p[0].dport = lv->port;
	sl.p[0].seq = ct_pktno_next(&lv->pktno_last);
	sl.p[0].ip_id = ++lv->ip_id;
	if (sl.s.ops->open(&sl.s) == 0) {
		sl.p[0].dst = sl.s.dst;
		(void)sl.s.ops->send(&sl.s, &sl.p[0]);
		sl.s.ops->close(&sl.s);
	}
	t->entry_sent = 0;
}

void ct_live_tgt_free(struct ct_live *lv, struct ct_live_tgt *t)
{
	ct_live_drop_slots(lv, t);
	for (int k = 0; k < CT_LIVE_NKINDS; k++)
		for (int i = 0; i < CT_LIVE_SLOTS; i++)
			free(t->sl[k][i]);
	free(t);
}
