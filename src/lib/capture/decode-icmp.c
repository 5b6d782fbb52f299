/* decode-icmp.c: ICMP/ICMPv6 decoding: type, code (named by icmpname.c, never collapsed) and the quoted flow. */
#include "config.h"
#include <sys/socket.h>
#include <string.h>
#include "err.h"
#include "decode-ip.h"
#include "decode-icmp.h"
#include "icmpname.h"

const char *ct_decode_icmp_name(const struct ct_icmp *ic)
{
	return ct_icmp_key(ic->af == AF_INET ? CT_ICMP_V4 : CT_ICMP_V6, ic->type, ic->code);
}

int ct_decode_icmp(int af, const uint8_t *p, uint32_t n, struct ct_icmp *ic)
{
	struct ct_ip q;

	memset(ic, 0, sizeof *ic);
	ic->af = af;
	if (n < 4)
		return CT_ETRUNC;
	ic->type = p[0];
	ic->code = p[1];
	ic->is_error = ct_icmp_is_error(af == AF_INET ? CT_ICMP_V4 : CT_ICMP_V6, ic->type);
	if (n < 8)
		return ic->is_error ? CT_ETRUNC : 0;
	if ((af == AF_INET && (ic->type == 0 || ic->type == 8)) || (af == AF_INET6 && (ic->type == 128 || ic->type == 129))) {
		ic->echo_id = (uint16_t)(p[4] << 8 | p[5]);
		ic->echo_seq = (uint16_t)(p[6] << 8 | p[7]);
	}
	if (af == AF_INET && ic->type == 3 && ic->code == 4)
		ic->mtu = (uint32_t)(p[6] << 8 | p[7]);
	if (af == AF_INET6 && ic->type == 2)
		ic->mtu = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	if (!ic->is_error)
		return 0;
	if (ct_decode_ip(NULL, 0, p + 8, n - 8, &q) != 0)
		return 0; /* the quote is unreadable: the error is still shown */
	ic->has_quote = 1;
	ic->q_af = q.af;
	memcpy(ic->q_src, q.src, 16);
	memcpy(ic->q_dst, q.dst, 16);
	ic->q_proto = q.proto;
	if ((q.proto == 17 || q.proto == 6) && q.frag_off == 0 && q.pl_len >= 4) {
		ic->q_ports = 1;
		ic->q_sport = (uint16_t)(q.pl[0] << 8 | q.pl[1]);
		ic->q_dport = (uint16_t)(q.pl[2] << 8 | q.pl[3]);
	}
	return 0;
}
