/* decode-tcp.c: TCP header decoding. */
#include "config.h"
#include "bytes.h"
#include "err.h"
#include "decode-tcp.h"

int ct_decode_tcp(const uint8_t *p, uint32_t n, uint32_t wire, struct ct_tcp *t)
{
	uint32_t doff;

	if (n < 20)
		return CT_ETRUNC;
	t->sport = (uint16_t)(p[0] << 8 | p[1]);
	t->dport = (uint16_t)(p[2] << 8 | p[3]);
	t->seq = ct_get32(p + 4);
	t->ack = ct_get32(p + 8);
	t->flags = p[13] & 0x3F;
	t->win = (uint16_t)(p[14] << 8 | p[15]);
	doff = (uint32_t)(p[12] >> 4) * 4;
	t->pl = p + 20;
	t->pl_len = t->pl_wire = 0;
	if (doff < 20 || doff > wire)
		return CT_EFORMAT;
	if (n < doff)
		return CT_ETRUNC;
	t->pl = p + doff;
	t->pl_wire = wire - doff;
	t->pl_len = n - doff;
	return 0;
}

void ct_tcp_flags_str(uint8_t f, char *b)
{
	char *o = b;

	if (f & CT_TCP_SYN) *o++ = 'S';
	if (f & CT_TCP_FIN) *o++ = 'F';
	if (f & CT_TCP_RST) *o++ = 'R';
	if (f & CT_TCP_PSH) *o++ = 'P';
	if (f & CT_TCP_URG) *o++ = 'U';
	if (f & CT_TCP_ACK) *o++ = '.';
	if (o == b) *o++ = '-';
	*o = '\0';
}
