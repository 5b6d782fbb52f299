/* decode-udp.h: UDP header (inline: the trace reads the ports right after, and a call in between made
 * the two 16-bit stores reach a 32-bit load, a store-forwarding stall on every datagram). */
#ifndef CT_DECODE_UDP_H
#define CT_DECODE_UDP_H

#include <stdint.h>
#include "err.h"

struct ct_udp {
	uint16_t sport, dport;
	uint16_t len;        /* UDP length field */
	const uint8_t *pl;   /* payload (captured part) */
	uint32_t pl_len;     /* captured payload bytes */
	uint32_t pl_wire;    /* payload bytes per the UDP length */
};

/* n = captured bytes, wire = bytes per the IP header. Returns 0, CT_ETRUNC or CT_EFORMAT
 * (length field smaller than the header or larger than the IP payload). */
static inline int ct_decode_udp(const uint8_t *p, uint32_t n, uint32_t wire, struct ct_udp *u)
{
	if (n < 8)
		return CT_ETRUNC;
	u->sport = (uint16_t)(p[0] << 8 | p[1]);
	u->dport = (uint16_t)(p[2] << 8 | p[3]);
	u->len = (uint16_t)(p[4] << 8 | p[5]);
	u->pl = p + 8;
	/* a zero length is legal for IPv6 jumbograms only; trust the IP length then */
	u->pl_wire = (u->len == 0 ? wire : u->len) - 8;
	if ((u->len != 0 && u->len < 8) || u->pl_wire + 8 > wire) {
		u->pl_wire = wire - 8;
		u->pl_len = n - 8;
		return CT_EFORMAT;
	}
	u->pl_len = n - 8 < u->pl_wire ? n - 8 : u->pl_wire;
	return 0;
}

#endif
