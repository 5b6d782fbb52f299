/* inject.c: the only libnet user: raw IPv4 packets with chosen TTL, IP ID, ports and flags (libnet builds, our raw socket sends); IPv6 packets over a raw socket. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <libnet.h>
#include "bytes.h"
#include "err.h"
#include "inject.h"
#include "util.h"

struct ct_inject {
	libnet_t *l;      /* raw IPv4: a LIBNET_NONE builder (no socket of its own); link: LIBNET_LINK */
	int fd;           /* raw IPv4 or IPv6: our IPPROTO_RAW socket; link: -1 (libnet's) */
	char err[LIBNET_ERRBUF_SIZE + 64];
};

/* libnet_init(LIBNET_RAW4) grows SO_SNDBUF 128 bytes at a time up to 1 MiB (6,500 setsockopt
 * calls, about 3 ms in every probe and route): the raw IPv4 socket is ours, its send buffer set
 * once to the size libnet ends with (capped by net.core.wmem_max as libnet's is), and libnet
 * only builds the packets. */
#define RAW4_SNDBUF (1 << 20)

static const char *const cap_hint = ": needs CAP_NET_RAW: run as root or `setcap cap_net_raw+ep camtrace`";

/* A libnet handle of type (LIBNET_NONE, or LIBNET_LINK on dev); what names it in the error. */
static int open_libnet(struct ct_inject **out, int type, const char *dev, const char *what, char *errbuf,
	size_t errlen)
{
	char lerr[LIBNET_ERRBUF_SIZE];
	struct ct_inject *in;

	*out = NULL;
	in = calloc(1, sizeof *in);
	if (!in)
		return CT_ENOMEM;
	in->fd = -1;
	lerr[0] = 0;
	in->l = libnet_init(type, dev, lerr);
	if (!in->l) {
		int eperm = strstr(lerr, "ermission") || strstr(lerr, "not permitted") || errno == EPERM;
		if (errbuf)
			snprintf(errbuf, errlen, "cannot open %s (%s)%s", what, lerr, eperm ? cap_hint : "");
		free(in);
		return eperm ? CT_EPERM : CT_ESYS;
	}
	*out = in;
	return 0;
}

/* socket(family, SOCK_RAW, IPPROTO_RAW), or CT_EPERM / CT_ESYS with the fix in errbuf. */
static int raw_socket(int family, const char *what, char *errbuf, size_t errlen)
{
	int fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);

	if (fd < 0) {
		int e = errno;
		if (errbuf)
			snprintf(errbuf, errlen, "cannot open %s (%s)%s", what, strerror(e),
				e == EPERM || e == EACCES ? cap_hint : "");
		return e == EPERM || e == EACCES ? CT_EPERM : CT_ESYS;
	}
	return fd;
}

int ct_inject_open(struct ct_inject **out, char *errbuf, size_t errlen)
{
	static const char what[] = "a raw IPv4 socket for sending";
	int fd = raw_socket(AF_INET, what, errbuf, errlen), one = 1, sndbuf = RAW4_SNDBUF, r;

	*out = NULL;
	if (fd < 0)
		return fd;
	/* what libnet_open_raw4() set: the header is ours (implied by IPPROTO_RAW), broadcasts allowed */
	(void)setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	(void)setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
	if ((r = open_libnet(out, LIBNET_NONE, NULL, what, errbuf, errlen)) != 0) {
		close(fd);
		return r;
	}
	(*out)->fd = fd;
	return 0;
}

int ct_inject_link_open(struct ct_inject **out, const char *ifname, char *errbuf, size_t errlen)
{
	char what[96];

	snprintf(what, sizeof what, "a link-layer socket on %s", ifname);
	return open_libnet(out, LIBNET_LINK, ifname, what, errbuf, errlen);
}

void ct_inject_close(struct ct_inject *in)
{
	if (!in)
		return;
	if (in->fd >= 0)
		close(in->fd);
	if (in->l)
		libnet_destroy(in->l);
	free(in);
}

const char *ct_inject_error(const struct ct_inject *in)
{
	return in ? in->err : "";
}

int ct_inject_fd(const struct ct_inject *in)
{
	return !in ? -1 : in->fd >= 0 ? in->fd : in->l ? libnet_getfd(in->l) : -1;
}

static int fail(struct ct_inject *in, const char *what)
{
	snprintf(in->err, sizeof in->err, "%s: %s", what, libnet_geterror(in->l));
	libnet_clear_packet(in->l);
	return CT_ESYS;
}

/* Adds the IPv4 header, takes the whole packet from libnet and sends it on our raw socket. */
static int finish_ip(struct ct_inject *in, const struct ct_inject_pkt *p, uint8_t proto, size_t l4len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = p->dst };
	uint8_t *pkt = NULL;
	uint32_t len = 0;
	ssize_t w;

	if (libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + l4len), p->tos, p->ip_id, p->df ? 0x4000 : 0,
		    p->ttl ? p->ttl : 64, proto, 0, p->src, p->dst, NULL, 0, in->l, 0) == -1)
		return fail(in, "building the IPv4 header");
	/* libnet_adv_cull_packet() wants LIBNET_LINK_ADV in libnet 1.1.6; this is what it calls */
	if (libnet_pblock_coalesce(in->l, &pkt, &len) == -1)
		return fail(in, "assembling the packet");
	w = sendto(in->fd, pkt, len, 0, (struct sockaddr *)&to, sizeof to);
	if (w != (ssize_t)len) {
		int e = w < 0 ? errno : EMSGSIZE;
		snprintf(in->err, sizeof in->err, "sending: %s", strerror(e));
		libnet_adv_free_packet(in->l, pkt);
		libnet_clear_packet(in->l);
		errno = e;
		return CT_ESYS;
	}
	libnet_adv_free_packet(in->l, pkt);
	libnet_clear_packet(in->l);
	return 0;
}

int ct_inject_udp4(struct ct_inject *in, const struct ct_inject_pkt *p)
{
	if (p->plen > 65507)
		return CT_ETOOBIG;
	if (libnet_build_udp(p->sport, p->dport, (uint16_t)(LIBNET_UDP_H + p->plen), 0,
		    p->plen ? p->payload : NULL, (uint32_t)p->plen, in->l, 0) == -1)
		return fail(in, "building the UDP header");
	return finish_ip(in, p, IPPROTO_UDP, LIBNET_UDP_H + p->plen);
}

int ct_inject_tcp4(struct ct_inject *in, const struct ct_inject_pkt *p)
{
	/* MSS 1460: a SYN without options looks forged to some firewalls */
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	size_t olen = (p->tcp_flags & CT_TCP_SYN) ? sizeof mss : 0;

	if (p->plen > 65000)
		return CT_ETOOBIG;
	if (olen && libnet_build_tcp_options(mss, sizeof mss, in->l, 0) == -1)
		return fail(in, "building the TCP options");
	if (libnet_build_tcp(p->sport, p->dport, p->seq, p->ack, p->tcp_flags, p->win ? p->win : 64240,
		    0, 0, (uint16_t)(LIBNET_TCP_H + olen + p->plen), p->plen ? p->payload : NULL,
		    (uint32_t)p->plen, in->l, 0) == -1)
		return fail(in, "building the TCP header");
	return finish_ip(in, p, IPPROTO_TCP, LIBNET_TCP_H + olen + p->plen);
}

int ct_inject_echo4(struct ct_inject *in, const struct ct_inject_pkt *p)
{
	if (p->plen > 65000)
		return CT_ETOOBIG;
	if (libnet_build_icmpv4_echo(ICMP_ECHO, 0, 0, p->echo_id, p->echo_seq,
		    p->plen ? p->payload : NULL, (uint32_t)p->plen, in->l, 0) == -1)
		return fail(in, "building the ICMP echo request");
	return finish_ip(in, p, IPPROTO_ICMP, LIBNET_ICMPV4_ECHO_H + p->plen);
}

int ct_inject_link_udp4(struct ct_inject *in, const uint8_t dmac[6], const struct ct_inject_pkt *p)
{
	struct libnet_ether_addr *me;

	if (!in->l || in->fd >= 0)
		return CT_ESTATE; /* not a link-layer handle */
	if (p->plen > 1472)
		return CT_ETOOBIG;
	me = libnet_get_hwaddr(in->l);
	if (!me)
		return fail(in, "reading the interface address");
	if (libnet_build_udp(p->sport, p->dport, (uint16_t)(LIBNET_UDP_H + p->plen), 0,
		    p->plen ? p->payload : NULL, (uint32_t)p->plen, in->l, 0) == -1)
		return fail(in, "building the UDP header");
	if (libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + LIBNET_UDP_H + p->plen), p->tos, p->ip_id,
		    p->df ? 0x4000 : 0, p->ttl ? p->ttl : 64, IPPROTO_UDP, 0, p->src, p->dst, NULL, 0, in->l, 0) == -1)
		return fail(in, "building the IPv4 header");
	if (libnet_build_ethernet(dmac, me->ether_addr_octet, ETHERTYPE_IP, NULL, 0, in->l, 0) == -1)
		return fail(in, "building the Ethernet header");
	if (libnet_write(in->l) == -1)
		return fail(in, "sending");
	libnet_clear_packet(in->l);
	return 0;
}

/* ---- IPv6 (no libnet: one raw socket, packets built below) ---- */

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	return acc;
}

uint16_t ct_inject_cksum6(const struct in6_addr *src, const struct in6_addr *dst, uint8_t proto,
	const uint8_t *l4, size_t len)
{
	uint8_t ph[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, proto };
	uint32_t acc = 0;

	acc = sum16(acc, src->s6_addr, 16);
	acc = sum16(acc, dst->s6_addr, 16);
	acc = sum16(acc, ph, sizeof ph);
	acc = sum16(acc, l4, len);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}


size_t ct_inject_build6(uint8_t proto, const struct ct_inject_pkt6 *p, uint8_t *buf, size_t cap)
{
	uint8_t *l4 = buf + 40;
	size_t hl, len, ck;
	uint16_t sum;

	switch (proto) {
	case 17: hl = 8; ck = 6; break;
	case 6: hl = (p->tcp_flags & CT_TCP_SYN) ? 24 : 20; ck = 16; break;
	case 58: hl = 8; ck = 2; break;
	default: return 0;
	}
	len = hl + p->plen;
	if (cap < 40 || len > cap - 40 || len > 65535)
		return 0;
	memset(buf, 0, 40 + hl);
	ct_put32(buf, 6u << 28 | (uint32_t)p->tclass << 20 | (p->flow & 0xfffff));
	ct_put16(buf + 4, (uint32_t)len);
	buf[6] = proto;
	buf[7] = p->hlim ? p->hlim : 64;
	memcpy(buf + 8, &p->src, 16);
	memcpy(buf + 24, &p->dst, 16);
	if (proto == 17) {
		ct_put16(l4, p->sport);
		ct_put16(l4 + 2, p->dport);
		ct_put16(l4 + 4, (uint32_t)len);
	} else if (proto == 6) {
		ct_put16(l4, p->sport);
		ct_put16(l4 + 2, p->dport);
		ct_put32(l4 + 4, p->seq);
		ct_put32(l4 + 8, p->ack);
		l4[12] = (uint8_t)(hl / 4) << 4;
		l4[13] = p->tcp_flags;
		ct_put16(l4 + 14, p->win ? p->win : 64800);
		if (hl == 24) { /* MSS 1440: a SYN without options looks forged to some firewalls */
			l4[20] = 2;
			l4[21] = 4;
			ct_put16(l4 + 22, 1440);
		}
	} else {
		l4[0] = 128;
		ct_put16(l4 + 4, p->echo_id);
		ct_put16(l4 + 6, p->echo_seq);
	}
	if (p->plen)
		memcpy(l4 + hl, p->payload, p->plen);
	sum = ct_inject_cksum6(&p->src, &p->dst, proto, l4, len);
	if (proto == 17 && sum == 0)
		sum = 0xffff; /* UDP over IPv6: a zero checksum is not allowed */
	ct_put16(l4 + ck, sum);
	return 40 + len;
}

int ct_inject_open6(struct ct_inject **out, char *errbuf, size_t errlen)
{
	struct ct_inject *in;
	int fd = raw_socket(AF_INET6, "a raw IPv6 socket for sending", errbuf, errlen);

	*out = NULL;
	if (fd < 0)
		return fd;
	in = calloc(1, sizeof *in);
	if (!in) {
		close(fd);
		return CT_ENOMEM;
	}
	in->fd = fd;
	*out = in;
	return 0;
}

int ct_inject_send6(struct ct_inject *in, uint8_t proto, const struct ct_inject_pkt6 *p)
{
	uint8_t buf[1500];
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = p->dst };
	size_t len;

	if (!in || in->l || in->fd < 0)
		return CT_ESTATE;
	len = ct_inject_build6(proto, p, buf, sizeof buf);
	if (!len) {
		snprintf(in->err, sizeof in->err, "IPv6 packet: %zu payload bytes do not fit", p->plen);
		return CT_ETOOBIG;
	}
	if (sendto(in->fd, buf, len, 0, (struct sockaddr *)&a, sizeof a) != (ssize_t)len) {
		snprintf(in->err, sizeof in->err, "sending on the raw IPv6 socket: %s", strerror(errno));
		return CT_ESYS;
	}
	return 0;
}

int ct_inject_link_udp6(struct ct_inject *in, const uint8_t dmac[6], const struct ct_inject_pkt6 *p)
{
	struct libnet_ether_addr *me;
	uint8_t buf[1500];
	size_t len;

	if (!in || !in->l || in->fd >= 0)
		return CT_ESTATE;
	len = ct_inject_build6(IPPROTO_UDP, p, buf, sizeof buf);
	if (!len) {
		snprintf(in->err, sizeof in->err, "IPv6 packet: %zu payload bytes do not fit in a frame", p->plen);
		return CT_ETOOBIG;
	}
	me = libnet_get_hwaddr(in->l);
	if (!me)
		return fail(in, "reading the interface address");
	if (libnet_build_ethernet(dmac, me->ether_addr_octet, ETHERTYPE_IPV6, buf, (uint32_t)len, in->l, 0) == -1)
		return fail(in, "building the Ethernet header");
	if (libnet_write(in->l) == -1)
		return fail(in, "sending");
	libnet_clear_packet(in->l);
	return 0;
}
