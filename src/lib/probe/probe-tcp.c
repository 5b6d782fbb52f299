/* probe-tcp.c: the TCP probe method (IPv4 and IPv6): half-open SYN read from a raw socket, connect() without privileges. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "clock.h"
#include "err.h"
#include "inject.h"
#include "log.h"
#include "probe.h"
#include "sockerr.h"
#include "probe-ipmsg.h"

/* The echo sent with the SYNs to learn the target's distance (its own id, not the icmp method's). */
#define TCP_ECHO_ID ((uint16_t)(0x7c00 ^ (getpid() & 0xffff)))
#define TCP_ECHO_SEQ 0x7c7c

static int tcp_open(struct ct_probe_set *s)
{
	s->nfds = 0;
	s->tcp_echo = 0;
	s->hold = 0;
	s->tcp_connect_pending = 0;
	if (!s->use_raw && s->n > CT_PROBE_MAX_FDS) {
		snprintf(s->err, sizeof s->err, "at most %d connect() probes at once", CT_PROBE_MAX_FDS);
		return CT_EINVAL;
	}
	return 0;
}

/* Who sent each answer: a RST carries the target's address whoever sent it (a firewall on the
 * path resets in the target's name), so its distance is compared with the target's own. */
static void tcp_origins(struct ct_probe_set *s)
{
	int th = s->target_ttl > 0 ? ct_ttl_hops(s->target_ttl) : -1;

	for (size_t i = 0; i < s->n; i++) {
		struct ct_reply *r = &s->probes[i].reply;
		int rh = ct_ttl_hops(r->ttl);
		if (!s->probes[i].answered || r->kind != CT_RK_TCP)
			continue;
		r->target_hops = th;
		if (!(r->tcp_flags & CT_TCP_RST))
			r->origin = CT_ORIGIN_TARGET;
		else if (th < 0 || rh < 0)
			r->origin = CT_ORIGIN_UNVERIFIED;
		else
			r->origin = rh < th ? CT_ORIGIN_PATH : CT_ORIGIN_TARGET;
	}
}

static void tcp_close(struct ct_probe_set *s)
{
	for (int i = 0; i < s->nfds; i++)
		close(s->fds[i]);
	s->nfds = 0;
	s->tcp_connect_pending = 0;
	s->hold = 0;
	tcp_origins(s);
}

/* One ICMP echo to the target with the first SYN when its distance is not known yet. */
static void tcp_send_echo(struct ct_probe_set *s)
{
	uint8_t data[16] = "camtrace tcp ttl";
	int r;

	if (s->target_ttl > 0 || s->tcp_echo || !s->use_raw)
		return;
	if (s->family == AF_INET6) {
		struct ct_inject_pkt6 ip = { .src = s->src6, .dst = s->dst6, .echo_id = TCP_ECHO_ID,
					     .echo_seq = TCP_ECHO_SEQ, .payload = data, .plen = sizeof data };
		r = ct_probe_send6(s, IPPROTO_ICMPV6, &ip);
	} else {
		struct ct_inject_pkt ip = { .src = s->src, .dst = s->dst, .ip_id = (uint16_t)(s->probes[0].ip_id ^ 0x8000),
					    .echo_id = TCP_ECHO_ID, .echo_seq = TCP_ECHO_SEQ, .payload = data,
					    .plen = sizeof data };
		r = ct_inject_echo4(s->pr->inj, &ip);
	}
	s->tcp_echo = r == 0;
	s->err[0] = 0; /* the echo is a help, its failure no error of the probe */
}

static int tcp_send(struct ct_probe_set *s, struct ct_probe *p)
{
	tcp_send_echo(s);
	if (s->use_raw && s->family == AF_INET6) {
		struct ct_inject_pkt6 ip = {
			.src = s->src6, .dst = s->dst6, .hlim = p->ttl, .sport = p->sport, .dport = p->dport,
			.seq = p->seq, .tcp_flags = CT_TCP_SYN,
		};
		return ct_probe_send6(s, IPPROTO_TCP, &ip);
	} else if (s->use_raw) {
		struct ct_inject_pkt ip = {
			.src = s->src, .dst = s->dst, .ttl = p->ttl, .ip_id = p->ip_id, .df = 1,
			.sport = p->sport, .dport = p->dport, .seq = p->seq, .tcp_flags = CT_TCP_SYN,
		};
		int r = ct_inject_tcp4(s->pr->inj, &ip);
		if (r != 0)
			snprintf(s->err, sizeof s->err, "%s", ct_inject_error(s->pr->inj));
		return r;
	} else {
		struct sockaddr_storage a;
		socklen_t al = ct_probe_sockaddr(s->family, s->dst, &s->dst6, p->dport, &a);
		int fd = socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), on = 1;
		int ttl = p->ttl ? p->ttl : 64;
		if (fd < 0) {
			snprintf(s->err, sizeof s->err, "TCP socket: %s", strerror(errno));
			return CT_ESYS;
		}
		ct_sock_ttl(fd, s->family, ttl);
		if (s->bind_src) {
			struct sockaddr_storage me;
			socklen_t ml = ct_probe_sockaddr(s->family, s->src, &s->src6, 0, &me);
			if (bind(fd, (struct sockaddr *)&me, ml) != 0) {
				snprintf(s->err, sizeof s->err, "bind to the source address: %s", strerror(errno));
				close(fd);
				return CT_ESYS;
			}
		}
		if (s->family == AF_INET6)
			(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
		else
			(void)setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
		if (connect(fd, (struct sockaddr *)&a, al) != 0 && errno != EINPROGRESS) {
			snprintf(s->err, sizeof s->err, "connect: %s", strerror(errno));
			close(fd);
			return CT_ESYS;
		}
		p->ud = NULL;
		p->seq = (uint32_t)s->nfds; /* index of its socket */
		s->fds[s->nfds++] = fd;
		s->tcp_connect_pending = 1;
		return 0;
	}
}

static void tcp_packet(struct ct_probe_set *s, const struct ct_ipview *v, uint64_t now)
{
	struct ct_reply r;
	struct ct_probe *p = NULL;

	ct_probe_reply_init(&r, v);
	if (v->proto == (v->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP) && v->l4.icmp_type == (v->v6 ? 129 : 0) &&
	    s->tcp_echo && ct_probe_view_from_target(s, v) && v->l4.icmp_id == TCP_ECHO_ID &&
	    v->l4.icmp_seq == TCP_ECHO_SEQ) {
		if (s->target_ttl <= 0 && v->ttl > 0)
			s->target_ttl = v->ttl; /* the target's own distance */
		s->hold = 0;
	} else if (v->proto == IPPROTO_TCP && ct_probe_view_from_target(s, v)) {
		if (!(v->l4.flags & (CT_TCP_SYN | CT_TCP_RST)))
			return;
		if (v->l4.flags & CT_TCP_ACK)
			p = ct_probe_by_seq(s, v->l4.ack - 1);
		if (!p || p->dport != v->l4.sport || p->sport != v->l4.dport)
			return;
		if ((v->l4.flags & CT_TCP_SYN) && !(v->l4.flags & CT_TCP_ACK))
			return; /* our own SYN seen on loopback */
		r.kind = CT_RK_TCP;
		r.tcp_flags = v->l4.flags;
		r.sport = v->l4.sport;
		r.dport = v->l4.dport;
		if ((v->l4.flags & CT_TCP_SYN) && s->target_ttl <= 0 && v->ttl > 0)
			s->target_ttl = v->ttl;
		else if ((v->l4.flags & CT_TCP_RST) && s->target_ttl <= 0 && s->tcp_echo)
			s->hold = 1; /* wait for the echo reply (or the deadline) to tell who reset */
		ct_probe_answer(s, p, &r, now);
	} else if (ct_probe_view_quotes(s, v, IPPROTO_TCP)) {
		/* the quoted sequence number (IPv4: also the IP ID) */
		p = ct_probe_by_seq(s, v->in.seq);
		if (!p && !v->v6)
			p = ct_probe_by_id(s, v->in_id);
		if (!p || p->sport != v->in.sport || p->dport != v->in.dport)
			return;
		ct_probe_answer_icmp(s, p, &r, v, now);
	}
}

static void tcp_readable(struct ct_probe_set *s, int fd, uint64_t now)
{
	struct ct_probe *p = NULL;
	struct ct_reply r;
	uint8_t q[64];
	size_t qlen = sizeof q;
	int err = 0, pending = 0;
	socklen_t el = sizeof err;

	for (size_t i = 0; i < s->n; i++)
		if (s->probes[i].sent > 0 && (int)s->probes[i].seq < s->nfds && s->fds[s->probes[i].seq] == fd)
			p = &s->probes[i];
	if (!p || p->answered)
		return;
	memset(&r, 0, sizeof r);
	r.ttl = r.quoted_ttl = -1;
	if (ct_probe_read_errqueue(fd, &r, q, &qlen) == 1) {
		ct_probe_answer(s, p, &r, now);
	} else {
		(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err == EINPROGRESS || err == EALREADY)
			return;
		r.kind = CT_RK_CONNECT;
		r.err = err;
		r.from = s->dst;
		if (s->family == AF_INET6) {
			r.family = AF_INET6;
			r.from6 = s->dst6;
		}
		ct_probe_answer(s, p, &r, now);
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->probes[i].sent > 0 && !s->probes[i].answered)
			pending = 1;
	s->tcp_connect_pending = pending;
}

const struct ct_probe_ops ct_probe_tcp_ops = {
	.name = "tcp",
	.open = tcp_open,
	.send = tcp_send,
	.packet = tcp_packet,
	.readable = tcp_readable,
	.close = tcp_close,
};

static int exchange(const struct sockaddr_storage *a, socklen_t al, uint64_t wait_ns, struct ct_tcp_exchange *x);

int ct_tcp_exchange(uint32_t dst, uint16_t port, uint64_t wait_ns, struct ct_tcp_exchange *x)
{
	struct sockaddr_storage a;
	socklen_t al = ct_probe_sockaddr(AF_INET, dst, NULL, port, &a);

	return exchange(&a, al, wait_ns, x);
}

int ct_tcp_exchange6(const struct in6_addr *dst, uint16_t port, uint64_t wait_ns, struct ct_tcp_exchange *x)
{
	struct sockaddr_storage a;
	socklen_t al = ct_probe_sockaddr(AF_INET6, 0, dst, port, &a);

	return exchange(&a, al, wait_ns, x);
}

static int exchange(const struct sockaddr_storage *a, socklen_t al, uint64_t wait_ns, struct ct_tcp_exchange *x)
{
	struct pollfd pf;
	uint64_t t0 = ct_mono_ns(), deadline = t0 + wait_ns;
	int fd, err = 0;
	socklen_t el = sizeof err;
	uint8_t req[512];
	size_t rlen;

	memset(x, 0, sizeof *x);
	fd = socket(a->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return CT_ESYS;
	if (connect(fd, (const struct sockaddr *)a, al) != 0 && errno != EINPROGRESS) {
		x->connect_errno = errno;
		close(fd);
		return 0;
	}
	pf = (struct pollfd){ fd, POLLOUT, 0 };
	if (poll(&pf, 1, (int)(wait_ns / 1000000)) <= 0) {
		x->connect_errno = ETIMEDOUT;
		close(fd);
		return 0;
	}
	(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err) {
		x->connect_errno = err;
		close(fd);
		return 0;
	}
	x->connected = 1;
	x->connect_ns = ct_mono_ns() - t0;
	/* GETFILEDATA for packet 0, file 0, offset 0: no program serves it, so an IP Messenger
	 * listener reads the request and closes; anything else shows what it is */
	rlen = ct_app_build_getfiledata(req, sizeof req);
	if (rlen && send(fd, req, rlen, MSG_NOSIGNAL) == (ssize_t)rlen)
		x->request_sent = 1;
	for (;;) {
		uint64_t now = ct_mono_ns();
		ssize_t n;
		if (now >= deadline) {
			x->outcome = CT_TCPX_SILENT;
			break;
		}
		pf = (struct pollfd){ fd, POLLIN, 0 };
		if (poll(&pf, 1, (int)((deadline - now) / 1000000) + 1) <= 0)
			continue;
		n = recv(fd, x->data + x->dlen, sizeof x->data - x->dlen, MSG_DONTWAIT);
		if (n > 0) {
			x->dlen += (size_t)n;
			if (x->dlen == sizeof x->data) {
				x->outcome = CT_TCPX_DATA;
				break;
			}
			continue;
		}
		if (n == 0) {
			x->outcome = x->dlen ? CT_TCPX_DATA : CT_TCPX_CLOSED;
			break;
		}
		if (errno == EAGAIN || errno == EINTR)
			continue;
		x->outcome = errno == ECONNRESET ? CT_TCPX_RESET : CT_TCPX_SILENT;
		break;
	}
	x->answer_ns = ct_mono_ns() - t0;
	close(fd);
	return 0;
}
