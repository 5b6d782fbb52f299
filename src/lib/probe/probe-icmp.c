/* probe-icmp.c: the ICMP / ICMPv6 echo method: raw sockets when privileged, an unprivileged ping socket otherwise. */
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

#define ECHO_ID(s) ((uint16_t)(0xc700 ^ (getpid() & 0xffff)))

static int icmp_open(struct ct_probe_set *s)
{
	int fd = s->family == AF_INET6 ? s->pr->ping6_fd : s->pr->ping_fd;

	s->nfds = 0;
	if (s->use_raw)
		return 0;
	if (fd < 0) {
		snprintf(s->err, sizeof s->err, "no ICMP%s echo possible: no raw socket and no ping socket",
			s->family == AF_INET6 ? "v6" : "");
		return CT_EPERM;
	}
	if (s->bind_src) {
		/* --source: the prober's ping socket sends from it (bound once: EINVAL when it already is) */
		struct sockaddr_storage me;
		socklen_t ml = ct_probe_sockaddr(s->family, s->src, &s->src6, 0, &me);
		if (bind(fd, (struct sockaddr *)&me, ml) != 0 && errno != EINVAL) {
			snprintf(s->err, sizeof s->err, "ping socket bind to the source address: %s", strerror(errno));
			return CT_ESYS;
		}
	}
	(void)ct_sock_recverr(fd);
	s->fds[s->nfds++] = fd;
	return 0;
}

static int icmp_send(struct ct_probe_set *s, struct ct_probe *p)
{
	uint8_t data[56];

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(0x20 + i);
	if (s->use_raw && s->family == AF_INET6) {
		struct ct_inject_pkt6 ip = {
			.src = s->src6, .dst = s->dst6, .hlim = p->ttl, .echo_id = ECHO_ID(s), .echo_seq = (uint16_t)p->seq,
			.payload = data, .plen = sizeof data,
		};
		return ct_probe_send6(s, IPPROTO_ICMPV6, &ip);
	} else if (s->use_raw) {
		struct ct_inject_pkt ip = {
			.src = s->src, .dst = s->dst, .ttl = p->ttl, .ip_id = p->ip_id,
			.echo_id = ECHO_ID(s), .echo_seq = (uint16_t)p->seq, .payload = data, .plen = sizeof data,
		};
		int r = ct_inject_echo4(s->pr->inj, &ip);
		if (r != 0)
			snprintf(s->err, sizeof s->err, "%s", ct_inject_error(s->pr->inj));
		return r;
	} else {
		uint8_t pkt[8 + sizeof data];
		struct sockaddr_storage a;
		socklen_t al = ct_probe_sockaddr(s->family, s->dst, &s->dst6, 0, &a);
		int ttl = p->ttl ? p->ttl : 64;
		memset(pkt, 0, 8);
		pkt[0] = s->family == AF_INET6 ? 128 : 8;
		pkt[6] = (uint8_t)(p->seq >> 8);
		pkt[7] = (uint8_t)p->seq;
		memcpy(pkt + 8, data, sizeof data);
		ct_sock_ttl(s->fds[0], s->family, ttl);
		if (sendto(s->fds[0], pkt, sizeof pkt, 0, (struct sockaddr *)&a, al) < 0) {
			snprintf(s->err, sizeof s->err, "ping socket sendto: %s", strerror(errno));
			return CT_ESYS;
		}
		return 0;
	}
}

static void icmp_packet(struct ct_probe_set *s, const struct ct_ipview *v, uint64_t now)
{
	uint8_t echo_reply = v->v6 ? 129 : 0, echo_req = v->v6 ? 128 : 8;
	uint8_t proto = v->v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	struct ct_reply r;
	struct ct_probe *p;

	if (v->proto != proto)
		return;
	ct_probe_reply_init(&r, v);
	if (v->l4.icmp_type == echo_reply && ct_probe_view_from_target(s, v) && v->l4.icmp_id == ECHO_ID(s)) {
		p = ct_probe_by_seq(s, v->l4.icmp_seq);
		r.kind = CT_RK_ECHO;
		ct_probe_answer(s, p, &r, now);
	} else if (ct_probe_view_quotes(s, v, proto) && v->in.icmp_type == echo_req && v->in.icmp_id == ECHO_ID(s)) {
		p = ct_probe_by_seq(s, v->in.icmp_seq);
		ct_probe_answer_icmp(s, p, &r, v, now);
	}
}

static void icmp_readable(struct ct_probe_set *s, int fd, uint64_t now)
{
	for (int k = 0; k < 64; k++) {
		struct ct_reply r;
		uint8_t q[128];
		size_t qlen = sizeof q;
		if (ct_probe_read_errqueue(fd, &r, q, &qlen) <= 0)
			break;
		/* the quote starts at the echo header */
		ct_probe_answer(s, qlen >= 8 ? ct_probe_by_seq(s, (uint32_t)(q[6] << 8 | q[7])) : NULL, &r, now);
	}
	for (int k = 0; k < 64; k++) {
		struct ct_reply r;
		uint32_t seq;
		int got = ct_probe_ping_recv(fd, &r, &seq);
		if (got < 0)
			break;
		if (!got || (r.family == AF_INET6) != (s->family == AF_INET6) ||
		    (r.family == AF_INET6 ? !IN6_ARE_ADDR_EQUAL(&r.from6, &s->dst6) : r.from != s->dst))
			continue;
		ct_probe_answer(s, ct_probe_by_seq(s, seq), &r, now);
	}
}

int ct_probe_ping_recv(int fd, struct ct_reply *r, uint32_t *seq)
{
	uint8_t buf[1500];
	char cbuf[256];
	struct sockaddr_storage from;
	struct iovec iov = { buf, sizeof buf };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT);

	if (n < 0)
		return -1;
	memset(r, 0, sizeof *r);
	if (n < 8)
		return 0;
	if (from.ss_family == AF_INET6) {
		if (buf[0] != 129)
			return 0;
		r->family = AF_INET6;
		r->from6 = ((const struct sockaddr_in6 *)&from)->sin6_addr;
	} else {
		if (buf[0] != 0)
			return 0;
		r->from = ((const struct sockaddr_in *)&from)->sin_addr.s_addr;
	}
	r->kind = CT_RK_ECHO;
	r->ttl = ct_probe_msg_ttl(&m);
	r->quoted_ttl = -1;
	*seq = (uint32_t)(buf[6] << 8 | buf[7]);
	return 1;
}

static void icmp_close(struct ct_probe_set *s)
{
	s->nfds = 0; /* the ping socket belongs to the prober */
}

const struct ct_probe_ops ct_probe_icmp_ops = {
	.name = "icmp",
	.open = icmp_open,
	.send = icmp_send,
	.packet = icmp_packet,
	.readable = icmp_readable,
	.close = icmp_close,
};
