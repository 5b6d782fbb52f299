/* ipview.h: a read-only view of a received IPv4 packet (UDP, TCP, ICMP and the datagram an ICMP error quotes). */
#ifndef CT_IPVIEW_H
#define CT_IPVIEW_H

#include <stddef.h>
#include <stdint.h>

/* The transport header of a packet (outer or quoted). Ports in host order. */
struct ct_l4view {
	uint8_t proto;          /* 1 ICMP, 6 TCP, 17 UDP */
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
};

/* Parses pkt (starting at the IPv4 header). Returns 0, CT_ETRUNC or CT_EFORMAT. Never reads
 * outside [pkt, pkt+len). A quoted datagram is parsed as far as it was quoted. */
int ct_ipview_parse(const uint8_t *pkt, size_t len, struct ct_ipview *v);

#endif
