/* decode-icmp.c: ICMP/ICMPv6 decoding: the full error taxonomy (never collapsed) and the quoted flow. */
#include "config.h"
#include <string.h>
#include "err.h"
#include "decode-ip.h"
#include "decode-icmp.h"

static const char *const unreach4[16] = {
	"net-unreachable", "host-unreachable", "protocol-unreachable", "port-unreachable",
	"fragmentation-needed", "source-route-failed", "net-unknown", "host-unknown",
	"source-host-isolated", "net-prohibited", "host-prohibited", "net-unreachable-for-tos",
	"host-unreachable-for-tos", "admin-prohibited", "host-precedence-violation",
	"precedence-cutoff",
};

static const char *const unreach6[9] = {
	"no-route", "admin-prohibited", "beyond-scope", "address-unreachable", "port-unreachable",
	"source-policy-failed", "reject-route", "source-routing-header-error", "headers-too-long",
};

const char *ct_decode_icmp_name(const struct ct_icmp *ic)
{
	if (ic->af == 4) {
		switch (ic->type) {
		case 0: return "echo-reply";
		case 3: return ic->code < 16 ? unreach4[ic->code] : "unreachable";
		case 4: return "source-quench";
		case 5: return "redirect";
		case 8: return "echo-request";
		case 11: return ic->code == 1 ? "reassembly-time-exceeded" : "ttl-exceeded";
		case 12: return "parameter-problem";
		case 13: return "timestamp-request";
		case 14: return "timestamp-reply";
		default: return "icmp";
		}
	}
	switch (ic->type) {
	case 1: return ic->code < 9 ? unreach6[ic->code] : "unreachable";
	case 2: return "packet-too-big";
	case 3: return ic->code == 1 ? "reassembly-time-exceeded" : "hop-limit-exceeded";
	case 4: return "parameter-problem";
	case 128: return "echo-request";
	case 129: return "echo-reply";
	case 133: return "router-solicitation";
	case 134: return "router-advertisement";
	case 135: return "neighbor-solicitation";
	case 136: return "neighbor-advertisement";
	case 137: return "redirect";
	default: return "icmp6";
	}
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
	if (af == 4)
		ic->is_error = ic->type == 3 || ic->type == 4 || ic->type == 5 || ic->type == 11 || ic->type == 12;
	else
		ic->is_error = ic->type < 128;
	if (n < 8)
		return ic->is_error ? CT_ETRUNC : 0;
	if ((af == 4 && (ic->type == 0 || ic->type == 8)) || (af == 6 && (ic->type == 128 || ic->type == 129))) {
		ic->echo_id = (uint16_t)(p[4] << 8 | p[5]);
		ic->echo_seq = (uint16_t)(p[6] << 8 | p[7]);
	}
	if (af == 4 && ic->type == 3 && ic->code == 4)
		ic->mtu = (uint32_t)(p[6] << 8 | p[7]);
	if (af == 6 && ic->type == 2)
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
