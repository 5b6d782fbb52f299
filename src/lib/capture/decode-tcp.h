/* decode-tcp.h: TCP header. */
#ifndef CT_DECODE_TCP_H
#define CT_DECODE_TCP_H

#include <stdint.h>

#define CT_TCP_FIN 0x01
#define CT_TCP_SYN 0x02
#define CT_TCP_RST 0x04
#define CT_TCP_PSH 0x08
#define CT_TCP_ACK 0x10
#define CT_TCP_URG 0x20

struct ct_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *pl;
	uint32_t pl_len;   /* captured payload bytes */
	uint32_t pl_wire;  /* payload bytes per the IP length */
};

/* Returns 0, CT_ETRUNC or CT_EFORMAT (data offset below 20 or past the segment). */
int ct_decode_tcp(const uint8_t *p, uint32_t n, uint32_t wire, struct ct_tcp *out);
/* Writes flags as tcpdump does ("S", "S.", "P.", "F.", "R") into buf (>= 8 bytes). */
void ct_tcp_flags_str(uint8_t flags, char *buf);

#endif
