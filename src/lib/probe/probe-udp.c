/* probe-udp.c: the UDP probe method (IPv4 and IPv6): raw sockets when privileged, a socket with IP(V6)_RECVERR otherwise. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "clock.h"
#include "err.h"
#include "inject.h"
#include "log.h"
#include "probe.h"
#include "sockerr.h"

static size_t build_payload(struct ct_probe_set *s, struct ct_probe *p, uint8_t *buf, size_t cap)
{
	return s->payload ? s->payload(s, p, buf, cap) : 0;
}

static int udp_open(struct ct_probe_set *s)
{
	struct ct_prober *pr = s->pr;
	uint16_t sport = s->n ? s->probes[0].sport : 0;
	int v6 = s->family == AF_INET6, fd, on = 1;
	int absorb = v6 ? pr->udp2425_6_fd : pr->udp2425_fd;
	struct sockaddr_storage a;
	socklen_t al = ct_probe_sockaddr(s->family, 0, NULL, sport, &a);

	s->nfds = 0;
	if (s->use_raw)
		return 0;
	if (sport == CT_IPMSG_PORT && absorb >= 0) {
		s->fds[s->nfds++] = absorb;
		return 0;
	}
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(s->err, sizeof s->err, "UDP socket: %s", strerror(errno));
		return CT_ESYS;
	}
	if (v6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (sport && bind(fd, (struct sockaddr *)&a, al) != 0) {
		log_info("cannot bind UDP port %u (%s): sending from another port", sport, strerror(errno));
		al = ct_probe_sockaddr(s->family, 0, NULL, 0, &a);
		(void)bind(fd, (struct sockaddr *)&a, al);
	}
	(void)ct_sock_recverr(fd);
	s->fds[s->nfds++] = fd;
	if (absorb >= 0 && s->want_any_port)
		s->fds[s->nfds++] = absorb; /* iptux answers to port 2425 */
	return 0;
}

static void udp_close(struct ct_probe_set *s)
{
	for (int i = 0; i < s->nfds; i++) /* the prober's own port-2425 sockets are borrowed, not the set's */
		if (s->fds[i] != s->pr->udp2425_fd && s->fds[i] != s->pr->udp2425_6_fd)
			close(s->fds[i]);
	s->nfds = 0;
}

/* sendto() from the set's source address (--source) although the socket is bound to any address. */
static ssize_t send_from(struct ct_probe_set *s, const uint8_t *buf, size_t len, struct sockaddr_storage *ss,
	socklen_t sl)
{
	union {
		char b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cb;
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_name = ss, .msg_namelen = sl, .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	int v6 = s->family == AF_INET6;
	struct in6_pktinfo pi6 = { .ipi6_addr = s->src6 };
	struct in_pktinfo pi4 = { .ipi_spec_dst.s_addr = s->src };
	size_t pl = v6 ? sizeof pi6 : sizeof pi4;

	memset(&cb, 0, sizeof cb);
	if (v6 ? IN6_IS_ADDR_UNSPECIFIED(&s->src6) : !s->src)
		return sendto(s->fds[0], buf, len, 0, (struct sockaddr *)ss, sl);
	m.msg_control = cb.b;
	m.msg_controllen = CMSG_SPACE(pl);
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	c->cmsg_type = v6 ? IPV6_PKTINFO : IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(pl);
	memcpy(CMSG_DATA(c), v6 ? (const void *)&pi6 : (const void *)&pi4, pl);
	return sendmsg(s->fds[0], &m, 0);
}

static int udp_send(struct ct_probe_set *s, struct ct_probe *p)
{
	uint8_t buf[1500];
	size_t len = build_payload(s, p, buf, sizeof buf);

	if (s->use_raw && s->family == AF_INET6) {
		struct ct_inject_pkt6 ip = {
			.src = s->src6, .dst = s->dst6, .hlim = p->ttl, .sport = p->sport, .dport = p->dport,
			.payload = buf, .plen = len,
		};
		return ct_probe_send6(s, IPPROTO_UDP, &ip);
	} else if (s->use_raw) {
		struct ct_inject_pkt ip = {
			.src = s->src, .dst = s->dst, .ttl = p->ttl, .ip_id = p->ip_id, .df = 1,
			.sport = p->sport, .dport = p->dport, .payload = buf, .plen = len,
		};
		int r = ct_inject_udp4(s->pr->inj, &ip);
		if (r != 0)
			snprintf(s->err, sizeof s->err, "%s", ct_inject_error(s->pr->inj));
		return r;
	} else {
		int ttl = p->ttl ? p->ttl : 64;
		struct sockaddr_storage ss;
		socklen_t sl = ct_probe_sockaddr(s->family, s->dst, &s->dst6, p->dport, &ss);
		if (s->nfds < 1)
			return CT_ESTATE;
		ct_sock_ttl(s->fds[0], s->family, ttl);
		if (send_from(s, buf, len, &ss, sl) < 0) {
			snprintf(s->err, sizeof s->err, "sendto: %s", strerror(errno));
			return CT_ESYS;
		}
		return 0;
	}
}

static struct ct_probe *match_quote(struct ct_probe_set *s, const uint8_t *q, size_t qlen)
{
	int i = s->match ? s->match(s, q, qlen, 1) : -1;

	return i >= 0 && (size_t)i < s->n ? &s->probes[i] : NULL;
}

/* The hop a datagram from the target comes from by its TTL (nearest initial TTL 64/128/255 above
 * it), 0 unknown. */
static int hop_of_ttl(int ttl)
{
	return ttl <= 0 || ttl > 255 ? 0 : (ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255) - ttl + 1;
}

/* A UDP datagram from the target: find its probe by payload (a packet number it echoes), else the
 * lowest unanswered probe that could have reached the target: past every hop that reported "TTL
 * exceeded", and not below the distance the datagram's TTL shows (with a rate-limited hop 1, an
 * answer from 2 hops away must not answer a TTL-1 probe). */
static void got_udp(struct ct_probe_set *s, struct ct_reply *r, uint64_t now)
{
	struct ct_probe *p = NULL;

	if (s->match) {
		int i = s->match(s, r->data, r->dlen, 0);
		if (i == CT_PROBE_NOT_ANSWER)
			return;
		if (i >= 0 && (size_t)i < s->n)
			p = &s->probes[i];
	}
	if (!p) {
		int transit = 0, far = hop_of_ttl(r->ttl), top = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct ct_probe *q = &s->probes[i];
			if (q->answered && ct_reply_time_exceeded(&q->reply) && q->ttl > transit)
				transit = q->ttl;
			if (q->sent > 0 && q->ttl > top)
				top = q->ttl;
		}
		/* (a TTL that puts the target beyond every probe sent is not from a usual initial TTL) */
		if (far > transit + 1 && far <= top)
			transit = far - 1;
		for (size_t i = 0; i < s->n; i++) {
			struct ct_probe *q = &s->probes[i];
			if (q->sent > 0 && !q->answered && q->dport == r->sport && (q->ttl == 0 || q->ttl > transit) &&
			    (!p || q->ttl < p->ttl))
				p = q;
		}
	}
	ct_probe_answer(s, p, r, now);
}

/* IPv6 has no IP ID: our own probe seen on loopback is known by its ports and payload. */
static int own_probe(struct ct_probe_set *s, const struct ct_ipview *v)
{
	struct ct_probe *own = NULL;

	if (!v->v6) {
		own = ct_probe_by_id(s, v->id);
		return own && v->src == s->src && v->l4.sport == own->sport && v->l4.dport == own->dport;
	}
	if (!IN6_ARE_ADDR_EQUAL(&v->src6, &s->src6))
		return 0;
	own = match_quote(s, v->l4.payload, v->l4.plen);
	return own && v->l4.sport == own->sport && v->l4.dport == own->dport;
}

static void udp_packet(struct ct_probe_set *s, const struct ct_ipview *v, uint64_t now)
{
	struct ct_reply r;

	ct_probe_reply_init(&r, v);
	if (v->proto == IPPROTO_UDP && ct_probe_view_from_target(s, v)) {
		int ok_port = 0;
		/* on loopback our own probes show up too */
		if (own_probe(s, v))
			return;
		for (size_t i = 0; i < s->n && !ok_port; i++)
			ok_port = v->l4.sport == s->probes[i].dport &&
				(v->l4.dport == s->probes[i].sport || (s->want_any_port && v->l4.dport == CT_IPMSG_PORT));
		if (!ok_port)
			return;
		r.kind = CT_RK_UDP;
		r.sport = v->l4.sport;
		r.dport = v->l4.dport;
		r.dlen = v->l4.plen < sizeof r.data ? v->l4.plen : sizeof r.data;
		memcpy(r.data, v->l4.payload, r.dlen);
		got_udp(s, &r, now);
	} else if (ct_probe_view_quotes(s, v, IPPROTO_UDP)) {
		/* IPv4: the quoted IP ID; IPv6 (no ID): the quoted payload */
		struct ct_probe *p = v->v6 ? NULL : ct_probe_by_id(s, v->in_id);
		if (!p || p->sport != v->in.sport || p->dport != v->in.dport)
			p = match_quote(s, v->in.payload, v->in.plen);
		if (!p && v->v6 && !s->match)
			for (size_t i = 0; i < s->n && !p; i++) /* probes without a payload to tell them apart */
				if (s->probes[i].sent > 0 && !s->probes[i].answered && s->probes[i].sport == v->in.sport &&
				    s->probes[i].dport == v->in.dport)
					p = &s->probes[i];
		if (!p || p->sport != v->in.sport || p->dport != v->in.dport)
			return;
		ct_probe_answer_icmp(s, p, &r, v, now);
	}
}

static void udp_readable(struct ct_probe_set *s, int fd, uint64_t now)
{
	for (int k = 0; k < 64; k++) {
		struct ct_reply r;
		uint8_t q[1500];
		size_t qlen = sizeof q;
		int e = ct_probe_read_errqueue(fd, &r, q, &qlen);
		if (e <= 0)
			break;
		ct_probe_answer(s, match_quote(s, q, qlen) ? match_quote(s, q, qlen) : ct_probe_first_open(s), &r, now);
	}
	for (int k = 0; k < 64; k++) {
		struct ct_reply r;
		if (ct_probe_udp_recv(fd, &r) < 0)
			break;
		if (r.family == AF_INET6 ? s->family != AF_INET6 || !IN6_ARE_ADDR_EQUAL(&r.from6, &s->dst6) :
					   s->family == AF_INET6 || r.from != s->dst)
			continue;
		got_udp(s, &r, now);
	}
}

void ct_probe_udp_take(struct ct_probe_set *s, struct ct_reply *r, uint64_t now)
{
	got_udp(s, r, now);
}

int ct_probe_udp_recv(int fd, struct ct_reply *r)
{
	struct sockaddr_storage from, me;
	socklen_t ml = sizeof me;
	char cbuf[256];
	struct iovec iov;
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	ssize_t n;

	memset(r, 0, sizeof *r);
	iov.iov_base = r->data;
	iov.iov_len = sizeof r->data;
	n = recvmsg(fd, &m, MSG_DONTWAIT);
	if (n < 0)
		return -1;
	if (from.ss_family == AF_INET6) {
		const struct sockaddr_in6 *f6 = (const struct sockaddr_in6 *)&from;
		r->family = AF_INET6;
		r->from6 = f6->sin6_addr;
		r->sport = ntohs(f6->sin6_port);
	} else {
		const struct sockaddr_in *f4 = (const struct sockaddr_in *)&from;
		r->from = f4->sin_addr.s_addr;
		r->sport = ntohs(f4->sin_port);
	}
	r->kind = CT_RK_UDP;
	r->dport = getsockname(fd, (struct sockaddr *)&me, &ml) == 0 ?
		ntohs(me.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&me)->sin6_port : ((struct sockaddr_in *)&me)->sin_port) : 0;
	r->dlen = (size_t)n;
	r->ttl = ct_probe_msg_ttl(&m);
	r->quoted_ttl = -1;
	return 1;
}

const struct ct_probe_ops ct_probe_udp_ops = {
	.name = "udp",
	.open = udp_open,
	.send = udp_send,
	.packet = udp_packet,
	.readable = udp_readable,
	.close = udp_close,
};
