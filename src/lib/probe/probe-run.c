/* probe-run.c: runs probe sets: one send/receive loop for one or several sets, every raw packet offered to each set. */
#include "config.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "clock.h"
#include "err.h"
#include "log.h"
#include "probe.h"

/* Where one set of a run is: its next probe to send and when. */
struct run_state {
	struct ct_probe_set *s;
	size_t next;          /* index of the next probe to send */
	uint64_t next_ns;     /* when it may be sent */
	uint64_t last_ns;     /* when the last probe was sent (0 none yet) */
	int sending;          /* probes left to send */
};

static int all_done(const struct ct_probe_set *s)
{
	if (s->hold)
		return 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct ct_probe *p = &s->probes[i];
		if (p->sent <= 0 || p->answered)
			continue;
		if (s->stop_at_dest && s->dest_ttl && p->ttl > s->dest_ttl)
			continue;
		return 0;
	}
	return 1;
}

/* When a set whose probes are all sent stops waiting (the adaptive wait or wait_ns). */
static uint64_t wait_until(const struct run_state *st)
{
	const struct ct_probe_set *s = st->s;
	uint64_t until = st->last_ns + s->wait_ns;

	int answered = 0;

	if (s->adapt_ns && s->max_rtt_ns) {
		uint64_t a = st->last_ns + (s->max_rtt_ns * 5 > s->adapt_ns ? s->max_rtt_ns * 5 : s->adapt_ns);
		if (a < until)
			until = a;
	}
	for (size_t i = 0; i < s->n && !answered; i++)
		answered = s->probes[i].answered;
	if (!answered && s->silent_until_ns > until)
		until = s->silent_until_ns; /* silence so far: a late host unreachable may still come */
	return until;
}

/* 1 when the set needs nothing more: every probe sent and answered, or its wait is over. */
static int finished(const struct run_state *st, uint64_t now)
{
	if (st->sending)
		return 0;
	return all_done(st->s) || now >= wait_until(st);
}

/* A reply from the far end itself (echo reply, UDP datagram, SYN-ACK or RST, connect()),
 * not an ICMP error. */
static int final_reply(const struct ct_probe *p)
{
	return p->answered && p->reply.kind != CT_RK_ICMP && p->reply.kind != CT_RK_NONE;
}

/* 1 when the set's next retry is moot: stop_on_answer and a probe was answered, or
 * stop_on_reply and a probe got a final reply. */
static int retry_moot(const struct run_state *st)
{
	const struct ct_probe_set *s = st->s;

	for (size_t i = 0; st->sending && (s->stop_on_answer || s->stop_on_reply) && i < st->next; i++)
		if (s->stop_on_answer ? s->probes[i].answered : final_reply(&s->probes[i]))
			return 1;
	return 0;
}

/* 1 when the set's next probe may go now: paced_by_reply and the last one sent got its reply. */
static int pace_ready(const struct run_state *st)
{
	const struct ct_probe_set *s = st->s;

	return st->sending && s->paced_by_reply && st->next > 0 && final_reply(&s->probes[st->next - 1]);
}

/* Offers one packet of a raw socket to every set of the run that reads raw sockets. */
static void offer(struct run_state *rs, size_t n, const struct ct_ipview *v, uint64_t now)
{
	for (size_t i = 0; i < n; i++) {
		struct ct_probe_set *s = rs[i].s;
		if (s->use_raw && s->ops->packet && (s->family == AF_INET6) == (v->v6 != 0))
			s->ops->packet(s, v, now);
	}
}

static void drain_raw(struct run_state *rs, size_t n, int fd, uint64_t now)
{
	uint8_t buf[65536];

	for (int k = 0; k < 256; k++) {
		ssize_t len = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		struct ct_ipview v;
		if (len <= 0)
			return;
		if (ct_ipview_parse(buf, (size_t)len, &v) == 0)
			offer(rs, n, &v, now);
	}
}

/* A raw IPv6 socket gives the upper layer only: addresses and hop limit come with recvmsg. */
static void drain_raw6(struct run_state *rs, size_t n, int fd, uint8_t proto, uint64_t now)
{
	uint8_t buf[65536];

	for (int k = 0; k < 256; k++) {
		struct sockaddr_in6 from;
		char cbuf[256];
		struct iovec iov = { buf, sizeof buf };
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf, .msg_controllen = sizeof cbuf };
		struct in6_addr dst = IN6ADDR_ANY_INIT;
		int hlim = -1;
		struct ct_ipview v;
		ssize_t len = recvmsg(fd, &m, MSG_DONTWAIT);
		if (len < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level != IPPROTO_IPV6)
				continue;
			if (c->cmsg_type == IPV6_HOPLIMIT)
				memcpy(&hlim, CMSG_DATA(c), sizeof hlim);
			else if (c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;
				memcpy(&pi, CMSG_DATA(c), sizeof pi);
				dst = pi.ipi6_addr;
			}
		}
		if (ct_ipview_parse6_l4(buf, (size_t)len, proto, &from.sin6_addr, &dst, hlim, &v) == 0)
			offer(rs, n, &v, now);
	}
}

/* The descriptors to watch: kind 0 raw IPv4, 3..5 raw IPv6 ICMPv6/TCP/UDP, 2 a socket only
 * drained (port 2425 absorbs replies the raw sockets see), 1 a set's own (owner). */
struct watch {
	struct pollfd *pf;
	int *kind;
	struct run_state **owner;
	int n, cap;
};

static int watching(const struct watch *w, int fd)
{
	for (int i = 0; i < w->n; i++)
		if (w->pf[i].fd == fd)
			return 1;
	return 0;
}

static void watch_add(struct watch *w, int fd, short events, int kind, struct run_state *owner)
{
	if (fd < 0 || w->n >= w->cap || (kind != 1 && watching(w, fd)))
		return;
	w->pf[w->n] = (struct pollfd){ fd, events, 0 };
	w->kind[w->n] = kind;
	w->owner[w->n++] = owner;
}

static void watch_build(struct watch *w, struct run_state *rs, size_t n)
{
	w->n = 0;
	/* the sets' own descriptors first: a socket a set reads is not drained as junk */
	for (size_t i = 0; i < n; i++) {
		struct ct_probe_set *s = rs[i].s;
		for (int k = 0; k < s->nfds; k++)
			watch_add(w, s->fds[k], (short)(POLLIN | (s->tcp_connect_pending ? POLLOUT : 0)), 1, &rs[i]);
	}
	for (size_t i = 0; i < n; i++) {
		struct ct_probe_set *s = rs[i].s;
		struct ct_prober *pr = s->pr;
		int v6 = s->family == AF_INET6;
		int raw[3] = { v6 ? pr->icmp6_fd : pr->icmp_fd, v6 ? pr->tcp6_fd : pr->tcp_fd, v6 ? pr->udp6_fd : pr->udp_fd };
		if (!s->use_raw)
			continue;
		for (int k = 0; k < 3; k++)
			watch_add(w, raw[k], POLLIN, v6 ? 3 + k : 0, NULL);
		watch_add(w, v6 ? pr->udp2425_6_fd : pr->udp2425_fd, POLLIN, 2, NULL);
	}
}

/* Waits until `until` (monotonic ns), dispatching what arrives; stop_when_done 1: returns
 * once every set is finished, 2: once a retry became moot. */
static void pump(struct run_state *rs, size_t n, struct watch *w, uint64_t until, int stop_when_done)
{
	for (;;) {
		uint64_t now = ct_mono_ns();
		int ms, all = 1;

		for (size_t i = 0; i < n; i++) {
			all &= finished(&rs[i], now);
			if (stop_when_done == 2 && (retry_moot(&rs[i]) || pace_ready(&rs[i])))
				return;
		}
		if ((stop_when_done == 1 && all) || now >= until)
			return;
		watch_build(w, rs, n);
		ms = (int)((until - now + 999999) / 1000000);
		if (poll(w->pf, (nfds_t)w->n, ms) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		now = ct_mono_ns();
		for (int i = 0; i < w->n; i++) {
			int fd = w->pf[i].fd;
			if (!w->pf[i].revents)
				continue;
			if (w->kind[i] == 0)
				drain_raw(rs, n, fd, now);
			else if (w->kind[i] >= 3)
				drain_raw6(rs, n, fd, w->kind[i] == 3 ? IPPROTO_ICMPV6 : w->kind[i] == 4 ? IPPROTO_TCP : IPPROTO_UDP, now);
			else if (w->kind[i] == 2) {
				char junk[2048];
				while (recv(fd, junk, sizeof junk, MSG_DONTWAIT) >= 0)
					;
				while (recv(fd, junk, sizeof junk, MSG_DONTWAIT | MSG_ERRQUEUE) >= 0)
					;
			} else if (w->owner[i]->s->ops->readable)
				w->owner[i]->s->ops->readable(w->owner[i]->s, fd, now);
		}
	}
}

/* Source address and the method's own descriptors. */
static int prepare(struct ct_probe_set *s)
{
	s->rc = 0;
	if (s->family == AF_INET6) {
		if (s->use_raw && !s->pr->raw6)
			s->use_raw = 0; /* no raw IPv6 sockets: the unprivileged methods (noted by the prober) */
		if (IN6_IS_ADDR_UNSPECIFIED(&s->src6) && ct_probe_route_lookup6(&s->dst6, &s->src6, NULL, 0) != 0) {
			snprintf(s->err, sizeof s->err, "no route to the target: %s", strerror(errno));
			return CT_ESYS;
		}
	} else if (!s->src) {
		if (ct_probe_route_lookup(s->dst, &s->src, NULL, 0) != 0) {
			snprintf(s->err, sizeof s->err, "no route to the target: %s", strerror(errno));
			return CT_ESYS;
		}
	}
	for (size_t i = 0; i < s->n; i++)
		s->probes[i].reply.ttl = s->probes[i].reply.quoted_ttl = -1;
	return s->ops->open ? s->ops->open(s) : 0;
}

/* Sends the set's next probe (or skips it: the target answered at a lower TTL). */
static void send_next(struct run_state *st)
{
	struct ct_probe_set *s = st->s;
	struct ct_probe *p = &s->probes[st->next];
	int r;

	st->next++;
	st->sending = st->next < s->n;
	if (s->stop_at_dest && s->dest_ttl && p->ttl > s->dest_ttl)
		return;
	p->dst = s->dst;
	p->family = s->family;
	p->dst6 = s->dst6;
	p->sent_ns = ct_mono_ns();
	r = s->ops->send(s, p);
	p->sent = r == 0 ? 1 : -1;
	if (r != 0)
		log_info("%s probe %zu not sent: %s", s->ops->name, st->next - 1, s->err[0] ? s->err : ct_strerror(r));
	st->last_ns = ct_mono_ns();
	st->next_ns = st->last_ns + s->gap_ns;
}

/* The sets of one batch (no descriptor shared between two of them), interleaved in time. */
static void run_batch(struct run_state *rs, size_t n, struct watch *w)
{
	for (;;) {
		uint64_t now = ct_mono_ns(), next = UINT64_MAX;
		int any = 0;
		for (size_t i = 0; i < n; i++) {
			if (retry_moot(&rs[i]))
				rs[i].sending = 0; /* a retry would only be answered again */
			if (rs[i].sending && (rs[i].next_ns <= now || pace_ready(&rs[i])))
				send_next(&rs[i]);
			if (rs[i].sending) {
				any = 1;
				if (rs[i].next_ns < next)
					next = rs[i].next_ns;
			}
		}
		if (!any)
			break;
		if (next > now)
			pump(rs, n, w, next, 2);
	}
	for (;;) {
		uint64_t now = ct_mono_ns(), until = 0;
		for (size_t i = 0; i < n; i++)
			if (!finished(&rs[i], now) && wait_until(&rs[i]) > until)
				until = wait_until(&rs[i]);
		if (!until)
			break;
		pump(rs, n, w, now + 20000000 < until ? now + 20000000 : until, 1);
	}
	for (size_t i = 0; i < n; i++) {
		struct ct_probe_set *s = rs[i].s;
		int sent = 0;
		if (s->ops->close)
			s->ops->close(s);
		for (size_t k = 0; k < s->n; k++)
			sent |= s->probes[k].sent > 0;
		if (s->n && !sent) {
			if (!s->err[0])
				snprintf(s->err, sizeof s->err, "no probe could be sent");
			s->rc = CT_ESYS;
		}
	}
}

static int shares_fd(const struct ct_probe_set *a, const struct ct_probe_set *b)
{
	for (int i = 0; i < a->nfds; i++)
		for (int k = 0; k < b->nfds; k++)
			if (a->fds[i] == b->fds[k])
				return 1;
	return 0;
}

int ct_probe_run_many(struct ct_probe_set *const *sets, size_t n)
{
	struct run_state *rs = calloc(n ? n : 1, sizeof *rs);
	char *todo = calloc(n ? n : 1, 1);
	struct watch w = { 0 };
	int rc = 0;

	w.cap = (int)(n * (CT_PROBE_MAX_FDS + 5) + 8);
	w.pf = calloc((size_t)w.cap, sizeof *w.pf);
	w.kind = calloc((size_t)w.cap, sizeof *w.kind);
	w.owner = calloc((size_t)w.cap, sizeof *w.owner);
	if (!rs || !todo || !w.pf || !w.kind || !w.owner) {
		rc = CT_ENOMEM;
		goto out;
	}
	memset(todo, 1, n);
	for (;;) {
		size_t nb = 0;
		/* a set reading a descriptor another set of the batch reads (an unprivileged UDP
		 * socket on port 2425) waits for the next batch: each datagram is read once */
		for (size_t i = 0; i < n; i++) {
			struct ct_probe_set *s = sets[i];
			int clash = 0, r;
			if (!todo[i])
				continue;
			if ((r = prepare(s)) != 0) {
				s->rc = r;
				todo[i] = 0;
				continue;
			}
			for (size_t k = 0; k < nb && !clash; k++)
				clash = shares_fd(rs[k].s, s);
			if (clash) {
				if (s->ops->close)
					s->ops->close(s);
				continue;
			}
			todo[i] = 0;
			rs[nb] = (struct run_state){ .s = s, .sending = s->n > 0 };
			nb++;
		}
		if (!nb)
			break;
		run_batch(rs, nb, &w);
	}
	for (size_t i = 0; i < n; i++)
		if (sets[i]->rc && !rc)
			rc = sets[i]->rc;
out:
	free(rs);
	free(todo);
	free(w.pf);
	free(w.kind);
	free(w.owner);
	return rc;
}

int ct_probe_run(struct ct_probe_set *s)
{
	return ct_probe_run_many(&s, 1);
}
