/* decode-link.h: link layer: Ethernet (with VLAN tags), Linux cooked SLL/SLL2, raw IP, BSD null. */
#ifndef CT_DECODE_LINK_H
#define CT_DECODE_LINK_H

#include <stdint.h>

#define CT_ETH_IPV4 0x0800
#define CT_ETH_IPV6 0x86DD
#define CT_ETH_ARP 0x0806
#define CT_ETH_VLAN 0x8100
#define CT_ETH_QINQ 0x88A8

/* Where a frame's network layer starts. */
struct ct_link {
	uint16_t ethertype; /* CT_ETH_* (raw IP: from the version nibble) */
	uint16_t vlan;      /* innermost VLAN id, 0 if untagged */
	uint32_t off;       /* offset of the network header */
	int outgoing;       /* SLL/SLL2: the host sent this packet (-1 unknown) */
	int ifindex;        /* SLL2 interface index, 0 if unknown */
};

/* Decodes the link header of a frame of the given CT_LINK_* type. Returns 0, CT_ETRUNC (frame
 * shorter than its link header) or CT_EUNSUP (link type we do not decode). */
int ct_decode_link(int linktype, const uint8_t *p, uint32_t n, struct ct_link *out);

#endif
