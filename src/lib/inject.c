/* inject.c: the only libnet user: raw IPv4 packets with chosen TTL, IP ID, ports and flags. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnet.h>
#include "err.h"
#include "inject.h"
#include "util.h"

struct ct_inject {
	libnet_t *l;
	char err[LIBNET_ERRBUF_SIZE + 64];
};

int ct_inject_open(struct ct_inject **out, char *errbuf, size_t errlen)
{
	char lerr[LIBNET_ERRBUF_SIZE];
	struct ct_inject *in;

	*out = NULL;
	in = calloc(1, sizeof *in);
	if (!in)
		return CT_ENOMEM;
	lerr[0] = 0;
	in->l = libnet_init(LIBNET_RAW4, NULL, lerr);
	if (!in->l) {
		int eperm = strstr(lerr, "ermission") || strstr(lerr, "not permitted") || errno == EPERM;
		if (errbuf)
			snprintf(errbuf, errlen, "cannot open a raw IPv4 socket for sending (%s)%s", lerr,
				eperm ? ": needs CAP_NET_RAW: run as root or `setcap cap_net_raw+ep camtrace`" : "");
		free(in);
		return eperm ? CT_EPERM : CT_ESYS;
	}
	*out = in;
	return 0;
}

int ct_inject_link_open(struct ct_inject **out, const char *ifname, char *errbuf, size_t errlen)
{
	char lerr[LIBNET_ERRBUF_SIZE];
	struct ct_inject *in;

	*out = NULL;
	in = calloc(1, sizeof *in);
	if (!in)
		return CT_ENOMEM;
	lerr[0] = 0;
	in->l = libnet_init(LIBNET_LINK, ifname, lerr);
	if (!in->l) {
		int eperm = strstr(lerr, "ermission") || strstr(lerr, "not permitted") || errno == EPERM;
		if (errbuf)
			snprintf(errbuf, errlen, "cannot open a link-layer socket on %s (%s)%s", ifname, lerr,
				eperm ? ": needs CAP_NET_RAW: run as root or `setcap cap_net_raw+ep camtrace`" : "");
		free(in);
		return eperm ? CT_EPERM : CT_ESYS;
	}
	*out = in;
	return 0;
}

void ct_inject_close(struct ct_inject *in)
{
	if (!in)
		return;
	libnet_destroy(in->l);
	free(in);
}

const char *ct_inject_error(const struct ct_inject *in)
{
	return in ? in->err : "";
}

int ct_inject_fd(const struct ct_inject *in)
{
	return in ? libnet_getfd(in->l) : -1;
}

static int fail(struct ct_inject *in, const char *what)
{
	snprintf(in->err, sizeof in->err, "%s: %s", what, libnet_geterror(in->l));
	libnet_clear_packet(in->l);
	return CT_ESYS;
}

static int finish_ip(struct ct_inject *in, const struct ct_inject_pkt *p, uint8_t proto, size_t l4len)
{
	int n;

	if (libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + l4len), p->tos, p->ip_id, p->df ? 0x4000 : 0,
		    p->ttl ? p->ttl : 64, proto, 0, p->src, p->dst, NULL, 0, in->l, 0) == -1)
		return fail(in, "building the IPv4 header");
	n = libnet_write(in->l);
	if (n == -1)
		return fail(in, "sending");
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
