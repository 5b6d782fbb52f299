/* ipview.h: a read-only view of a received IPv4 or IPv6 packet (UDP, TCP, ICMP/ICMPv6 and the datagram an ICMP error quotes). */
#ifndef CT_IPVIEW_H
#define CT_IPVIEW_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* The transport header of a packet (outer or quoted). Ports in host order. */
struct ct_l4view {
	uint8_t proto;          /* 1 ICMP, 6 TCP, 17 UDP, 58 ICMPv6 */
	uint16_t sport, dport;  /* UDP/TCP */
	uint32_t seq, ack;      /* TCP (seq also for a quoted TCP header: first 8 bytes) */
	uint8_t flags;          /* TCP flags (0 when not available) */
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq; /* echo */
	const uint8_t *payload; /* UDP payload / TCP payload / ICMP data after the 8-byte header */
	size_t plen;            /* bytes of payload present (a quote may be cut short) */
};

struct ct_ipview {
	uint32_t src, dst;      /* network byte order */
	uint8_t ttl, proto;
	uint16_t id;            /* host order */
	struct ct_l4view l4;
	int has_inner;          /* an ICMP error that quotes an IPv4 header */
	uint32_t in_src, in_dst;
	uint8_t in_ttl, in_proto;
	uint16_t in_id;
	struct ct_l4view in;    /* quoted transport header (ports, seq, ICMP id/seq) */
	/* IPv6: v6 = 1, addresses in src6/dst6 (in_src6/in_dst6 for the quote), ttl and in_ttl are
	 * hop limits, proto/in_proto the upper-layer protocol after extension headers; no IP ID */
	int v6;
	struct in6_addr src6, dst6, in_src6, in_dst6;
};

/* Parses pkt (starting at the IPv4 header). Returns 0, CT_ETRUNC or CT_EFORMAT. Never reads
 * outside [pkt, pkt+len). A quoted datagram is parsed as far as it was quoted. */
int ct_ipview_parse(const uint8_t *pkt, size_t len, struct ct_ipview *v);
/* Parses an IPv6 packet from its fixed header (also called by ct_ipview_parse for version 6). */
int ct_ipview_parse6(const uint8_t *pkt, size_t len, struct ct_ipview *v);
/* Parses what a raw IPv6 socket delivers: the upper-layer bytes (proto) with the addresses and
 * hop limit from recvmsg (hlim -1 = unknown, stored as 0). */
int ct_ipview_parse6_l4(const uint8_t *l4, size_t len, uint8_t proto, const struct in6_addr *src,
	const struct in6_addr *dst, int hlim, struct ct_ipview *v);

#endif
