/* decode-udp.c: UDP header decoding. */
#include "config.h"
#include "err.h"
#include "decode-udp.h"

int ct_decode_udp(const uint8_t *p, uint32_t n, uint32_t wire, struct ct_udp *u)
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
