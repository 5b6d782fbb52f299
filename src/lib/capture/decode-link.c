/* decode-link.c: finds the network layer behind Ethernet, SLL, SLL2, raw and null link headers. */
#include "config.h"
#include <string.h>
#include "bytes.h"
#include "capture.h"
#include "err.h"
#include "decode-link.h"


static uint16_t from_version(const uint8_t *p, uint32_t n)
{
	if (n < 1)
		return 0;
	switch (p[0] >> 4) {
	case 4: return CT_ETH_IPV4;
	case 6: return CT_ETH_IPV6;
	default: return 0;
	}
}

/* Skips 802.1Q / 802.1ad tags after an ethertype at offset *off-2. */
static int skip_vlans(const uint8_t *p, uint32_t n, struct ct_link *l)
{
	while (l->ethertype == CT_ETH_VLAN || l->ethertype == CT_ETH_QINQ) {
		if (n < l->off + 4)
			return CT_ETRUNC;
		l->vlan = ct_get16(p + l->off) & 0x0FFF;
		l->ethertype = ct_get16(p + l->off + 2);
		l->off += 4;
	}
	return 0;
}

int ct_decode_link(int linktype, const uint8_t *p, uint32_t n, struct ct_link *l)
{
	uint32_t fam;

	memset(l, 0, sizeof *l);
	l->outgoing = -1;
	switch (linktype) {
	case CT_LINK_ETHERNET:
		if (n < 14)
			return CT_ETRUNC;
		l->ethertype = ct_get16(p + 12);
		l->off = 14;
		return skip_vlans(p, n, l);
	case CT_LINK_SLL:
		/* pkttype(2) hatype(2) halen(2) addr(8) protocol(2) */
		if (n < 16)
			return CT_ETRUNC;
		l->outgoing = ct_get16(p) == 4;
		l->ethertype = ct_get16(p + 14);
		l->off = 16;
		return skip_vlans(p, n, l);
	case CT_LINK_SLL2:
		/* protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8) */
		if (n < 20)
			return CT_ETRUNC;
		l->ethertype = ct_get16(p);
		l->ifindex = (int)((uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7]);
		l->outgoing = p[10] == 4;
		l->off = 20;
		return skip_vlans(p, n, l);
	case CT_LINK_RAW:
	case CT_LINK_RAW_FILE:
		l->ethertype = from_version(p, n);
		return n < 1 ? CT_ETRUNC : 0;
	case CT_LINK_IPV4:
		l->ethertype = CT_ETH_IPV4;
		return 0;
	case CT_LINK_IPV6:
		l->ethertype = CT_ETH_IPV6;
		return 0;
	case CT_LINK_NULL:
		if (n < 4)
			return CT_ETRUNC;
		memcpy(&fam, p, 4); /* host byte order of the capturing machine: accept both */
		l->off = 4;
		if (fam == 2 || fam == 0x02000000u)
			l->ethertype = CT_ETH_IPV4;
		else
			l->ethertype = from_version(p + 4, n - 4);
		return 0;
	default:
		return CT_EUNSUP;
	}
}
