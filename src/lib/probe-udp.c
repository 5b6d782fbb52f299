/* probe-udp.c: the UDP probe method: libnet + raw sockets when privileged, a socket with IP_RECVERR otherwise. */
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

static size_t build_payload(struct ct_probe_set *s, struct ct_probe *p, uint8_t *buf, size_t cap)
{
	return s->payload ? s->payload(s, p, buf, cap) : 0;
}

static int udp_open(struct ct_probe_set *s)
{
	struct ct_prober *pr = s->pr;
	uint16_t sport = s->n ? s->probes[0].sport : 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(sport), .sin_addr.s_addr = 0 };
	int fd;

	s->nfds = 0;
	if (s->use_raw)
		return 0;
	if (sport == CT_IPMSG_PORT && pr->udp2425_fd >= 0) {
		s->fds[s->nfds++] = pr->udp2425_fd;
		return 0;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(s->err, sizeof s->err, "UDP socket: %s", strerror(errno));
		return CT_ESYS;
	}
	if (sport && bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		log_info("cannot bind UDP port %u (%s): sending from another port", sport, strerror(errno));
		a.sin_port = 0;
		(void)bind(fd, (struct sockaddr *)&a, sizeof a);
	}
	(void)ct_probe_sock_recverr(fd);
	s->fds[s->nfds++] = fd;
	if (pr->udp2425_fd >= 0 && s->want_any_port)
		s->fds[s->nfds++] = pr->udp2425_fd; /* iptux answers to port 2425 */
	return 0;
}

static void udp_close(struct ct_probe_set *s)
{
	for (int i = 0; i < s->nfds; i++)
		if (s->fds[i] != s->pr->udp2425_fd)
			close(s->fds[i]);
	s->nfds = 0;
}

static int udp_send(struct ct_probe_set *s, struct ct_probe *p)
{
	uint8_t buf[1500];
	size_t len = build_payload(s, p, buf, sizeof buf);

	if (s->use_raw) {
		struct ct_inject_pkt ip = {
			.src = s->src, .dst = s->dst, .ttl = p->ttl, .ip_id = p->ip_id, .df = 1,
			.sport = p->sport, .dport = p->dport, .payload = buf, .plen = len,
		};
		int r = ct_inject_udp4(s->pr->inj, &ip);
		if (r != 0)
			snprintf(s->err, sizeof s->err, "%s", ct_inject_error(s->pr->inj));
		return r;
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p->dport), .sin_addr.s_addr = s->dst };
		int ttl = p->ttl ? p->ttl : 64;
		if (s->nfds < 1)
			return CT_ESTATE;
		(void)setsockopt(s->fds[0], IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
		if (sendto(s->fds[0], buf, len, 0, (struct sockaddr *)&a, sizeof a) < 0) {
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

/* A UDP datagram from the target: find its probe by payload, else the first unanswered one. */
static void got_udp(struct ct_probe_set *s, struct ct_reply *r, uint64_t now)
{
	struct ct_probe *p = NULL;

	if (s->match) {
		int i = s->match(s, r->data, r->dlen, 0);
		if (i >= 0 && (size_t)i < s->n)
			p = &s->probes[i];
	}
	if (!p) {
		/* route traces: the answer belongs past every hop that reported "TTL exceeded" */
		int transit = 0;
		for (size_t i = 0; i < s->n; i++) {
			const struct ct_probe *q = &s->probes[i];
			if (q->answered && q->reply.kind == CT_RK_ICMP && q->reply.icmp_type == 11 && q->ttl > transit)
				transit = q->ttl;
		}
		for (size_t i = 0; i < s->n; i++) {
			struct ct_probe *q = &s->probes[i];
			if (q->sent > 0 && !q->answered && q->dport == r->sport && (q->ttl == 0 || q->ttl > transit) &&
			    (!p || q->ttl < p->ttl))
				p = q;
		}
	}
	ct_probe_answer(s, p, r, now);
}

static void udp_packet(struct ct_probe_set *s, const struct ct_ipview *v, uint64_t now)
{
	struct ct_reply r;

	memset(&r, 0, sizeof r);
	r.ttl = v->ttl;
	r.quoted_ttl = -1;
	r.from = v->src;
	if (v->proto == IPPROTO_UDP && v->src == s->dst) {
		struct ct_probe *own = ct_probe_by_id(s, v->id);
		int ok_port = 0;
		/* on loopback our own probes show up too */
		if (own && v->src == s->src && v->l4.sport == own->sport && v->l4.dport == own->dport)
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
	} else if (v->proto == IPPROTO_ICMP && v->has_inner && v->in_proto == IPPROTO_UDP && v->in_dst == s->dst) {
		struct ct_probe *p = ct_probe_by_id(s, v->in_id);
		if (!p || p->sport != v->in.sport || p->dport != v->in.dport)
			p = match_quote(s, v->in.payload, v->in.plen);
		if (!p)
			return;
		r.kind = CT_RK_ICMP;
		r.icmp_type = v->l4.icmp_type;
		r.icmp_code = v->l4.icmp_code;
		r.quoted_ttl = v->in_ttl;
		ct_probe_answer(s, p, &r, now);
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
		struct sockaddr_in from, me;
		socklen_t ml = sizeof me;
		char cbuf[256];
		struct iovec iov;
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf, .msg_controllen = sizeof cbuf };
		ssize_t n;

		memset(&r, 0, sizeof r);
		iov.iov_base = r.data;
		iov.iov_len = sizeof r.data;
		n = recvmsg(fd, &m, MSG_DONTWAIT);
		if (n < 0)
			break;
		if (from.sin_addr.s_addr != s->dst)
			continue;
		r.kind = CT_RK_UDP;
		r.from = from.sin_addr.s_addr;
		r.sport = ntohs(from.sin_port);
		r.dport = getsockname(fd, (struct sockaddr *)&me, &ml) == 0 ? ntohs(me.sin_port) : 0;
		r.dlen = (size_t)n;
		r.ttl = r.quoted_ttl = -1;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
				int t;
				memcpy(&t, CMSG_DATA(c), sizeof t);
				r.ttl = t;
			}
		got_udp(s, &r, now);
	}
}

const struct ct_probe_ops ct_probe_udp_ops = {
	.name = "udp",
	.open = udp_open,
	.send = udp_send,
	.packet = udp_packet,
	.readable = udp_readable,
	.close = udp_close,
};
