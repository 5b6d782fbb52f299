/* inject.h: build and send raw IPv4 (libnet) and IPv6 UDP, TCP and ICMP packets with chosen TTL / hop limit, IP ID and ports. */
#ifndef CT_INJECT_H
#define CT_INJECT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct ct_inject; /* an open raw IPv4 injection handle */

#define CT_TCP_FIN 0x01
#define CT_TCP_SYN 0x02
#define CT_TCP_RST 0x04
#define CT_TCP_PSH 0x08
#define CT_TCP_ACK 0x10

/* One packet to build. Addresses are IPv4 in network byte order, ports in host order. */
struct ct_inject_pkt {
	uint32_t src, dst;
	uint8_t ttl;         /* 0 = 64 */
	uint16_t ip_id;      /* IP identification: tells flow-stable probes apart */
	uint8_t tos;
	int df;              /* set Don't Fragment */
	uint16_t sport, dport;
	uint32_t seq, ack;   /* TCP */
	uint8_t tcp_flags;   /* TCP: CT_TCP_* */
	uint16_t win;        /* TCP window, 0 = 64240 */
	uint16_t echo_id, echo_seq; /* ICMP echo */
	const uint8_t *payload;
	size_t plen;
};

/* Opens a raw IPv4 socket through libnet. Needs CAP_NET_RAW: without it returns CT_EPERM and a
 * message naming the fix in errbuf. Open before dropping privileges; the handle keeps working. */
int ct_inject_open(struct ct_inject **out, char *errbuf, size_t errlen);
void ct_inject_close(struct ct_inject *in);
/* Build and send; return 0 or CT_E* (detail in ct_inject_error()). */
int ct_inject_udp4(struct ct_inject *in, const struct ct_inject_pkt *p);
int ct_inject_tcp4(struct ct_inject *in, const struct ct_inject_pkt *p);  /* with an MSS option on SYN */
int ct_inject_echo4(struct ct_inject *in, const struct ct_inject_pkt *p); /* ICMP echo request */
/* Link-layer handle on one interface (AF_PACKET): packets sent through it bypass this host's
 * netfilter hooks, so connection tracking never sees them (the cold half of the cold/warm test).
 * Needs CAP_NET_RAW. */
int ct_inject_link_open(struct ct_inject **out, const char *ifname, char *errbuf, size_t errlen);
/* Sends a UDP/IPv4 packet in an Ethernet frame to dmac (the next hop's address). */
int ct_inject_link_udp4(struct ct_inject *in, const uint8_t dmac[6], const struct ct_inject_pkt *p);
const char *ct_inject_error(const struct ct_inject *in);

/* IPv6: whole packets (fixed header, no extension headers) built here and sent through one raw
 * IPPROTO_RAW socket (the kernel adds nothing: hop limit, flow label 0 and checksums are ours,
 * so every probe of a trace has the same flow). Needs CAP_NET_RAW like ct_inject_open. */
struct ct_inject_pkt6 {
	struct in6_addr src, dst;
	uint8_t hlim;          /* 0 = 64 */
	uint8_t tclass;
	uint32_t flow;         /* flow label (20 bits) */
	uint16_t sport, dport;
	uint32_t seq, ack;     /* TCP */
	uint8_t tcp_flags;
	uint16_t win;          /* 0 = 64800 */
	uint16_t echo_id, echo_seq; /* ICMPv6 echo request */
	const uint8_t *payload;
	size_t plen;
};
/* Builds the packet (proto 17 UDP, 6 TCP with an MSS option on SYN, 58 ICMPv6 echo request)
 * into buf; returns its length, 0 when it does not fit or proto is unknown. Pure. */
size_t ct_inject_build6(uint8_t proto, const struct ct_inject_pkt6 *p, uint8_t *buf, size_t cap);
/* The Internet checksum of an upper-layer packet over the IPv6 pseudo-header (0 = valid when
 * the packet's own checksum field is included). */
uint16_t ct_inject_cksum6(const struct in6_addr *src, const struct in6_addr *dst, uint8_t proto,
	const uint8_t *l4, size_t len);
int ct_inject_open6(struct ct_inject **out, char *errbuf, size_t errlen);
int ct_inject_send6(struct ct_inject *in, uint8_t proto, const struct ct_inject_pkt6 *p);
/* Sends a UDP/IPv6 packet in an Ethernet frame to dmac on a link-layer handle (the cold half of
 * the cold/warm test over IPv6). */
int ct_inject_link_udp6(struct ct_inject *in, const uint8_t dmac[6], const struct ct_inject_pkt6 *p);
/* Underlying descriptor (for privilege-separation bookkeeping), -1 if none. */
int ct_inject_fd(const struct ct_inject *in);

#endif
