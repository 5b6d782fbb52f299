/* decode-icmp.h: ICMP and ICMPv6 messages, with the flow quoted by error messages. */
#ifndef CT_DECODE_ICMP_H
#define CT_DECODE_ICMP_H

#include <sys/socket.h>

#include <stdint.h>

struct ct_icmp {
	int af;             /* AF_INET = ICMP, AF_INET6 = ICMPv6 */
	uint8_t type, code;
	int is_error;       /* destination unreachable, time exceeded, parameter problem, ... */
	uint32_t mtu;       /* next-hop MTU (fragmentation needed / packet too big), else 0 */
	uint16_t echo_id, echo_seq; /* echo request/reply */
	/* the packet quoted by an error (has_quote) */
	int has_quote;
	int q_af;
	uint8_t q_src[16], q_dst[16];
	uint8_t q_proto;
	int q_ports;        /* the quote reaches the ports */
	uint16_t q_sport, q_dport;
};

/* af = IP version carrying the message; returns 0 or CT_ETRUNC. */
int ct_decode_icmp(int af, const uint8_t *p, uint32_t n, struct ct_icmp *out);
/* Short stable snake_case name of the message ("port_unreachable", "admin_prohibited"), from icmpname.h. */
const char *ct_decode_icmp_name(const struct ct_icmp *ic);

#endif
