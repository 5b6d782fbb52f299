/* decode-udp.h: UDP header. */
#ifndef CT_DECODE_UDP_H
#define CT_DECODE_UDP_H

#include <stdint.h>

struct ct_udp {
	uint16_t sport, dport;
	uint16_t len;        /* UDP length field */
	const uint8_t *pl;   /* payload (captured part) */
	uint32_t pl_len;     /* captured payload bytes */
	uint32_t pl_wire;    /* payload bytes per the UDP length */
};

/* n = captured bytes, wire = bytes per the IP header. Returns 0, CT_ETRUNC or CT_EFORMAT
 * (length field smaller than the header or larger than the IP payload). */
int ct_decode_udp(const uint8_t *p, uint32_t n, uint32_t wire, struct ct_udp *out);

#endif
