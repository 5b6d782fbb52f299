/* coop-wire.c: the CTCP wire format of the cooperative check: encode, decode, names and the one-line result text. */
#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "bytes.h"
#include "coop-wire.h"
#include "err.h"
#include "util.h"

int ct_coop_is_app(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	return len >= 12 && (p[0] & 0xc0) == 0x80 && p[1] == CT_COOP_PT && memcmp(p + 8, CT_COOP_NAME, 4) == 0;
}

size_t ct_coop_encode(const struct ct_coop_msg *m, uint8_t *out, size_t outlen)
{
	const struct ct_coop_result *r = &m->res;

	if (outlen < CT_COOP_LEN)
		return 0;
	memset(out, 0, CT_COOP_LEN);
	out[0] = (uint8_t)(0x80 | (m->answer ? 1 : 0));
	out[1] = CT_COOP_PT;
	ct_put16(out + 2, CT_COOP_LEN / 4 - 1);
	ct_put32(out + 4, m->ssrc);
	memcpy(out + 8, CT_COOP_NAME, 4);
	out[12] = m->version;
	out[13] = m->checks;
	ct_put16(out + 14, m->wait_ms);
	memcpy(out + 16, m->nonce, 8);
	memcpy(out + 24, &m->target, 4);
	ct_put16(out + 28, m->port);
	if (m->answer) {
		out[30] = r->status;
		out[31] = r->udp;
		ct_put32(out + 32, r->udp_rtt_us);
		/* byte 36 says which packet was answered when UDP was answered (no ICMP type then) */
		out[36] = r->udp == CT_COOP_UDP_ANSWERED && r->udp_how ? r->udp_how : r->icmp_type;
		out[37] = r->icmp_code;
		out[38] = r->tcp;
		memcpy(out + 40, &r->icmp_from, 4);
		ct_put32(out + 44, r->tcp_rtt_us);
		memcpy(out + 48, &r->src, 4);
		memcpy(out + 52, r->program, strnlen(r->program, 12));
		ct_put32(out + 64, r->heard_ms);
	}
	return CT_COOP_LEN;
}

int ct_coop_decode(const void *buf, size_t len, struct ct_coop_msg *m)
{
	const uint8_t *p = buf;
	struct ct_coop_result *r = &m->res;

	memset(m, 0, sizeof *m);
	if (!ct_coop_is_app(buf, len))
		return len < 12 ? CT_ETRUNC : CT_EFORMAT;
	if (len < CT_COOP_LEN)
		return CT_ETRUNC;
	/* no padding bit, subtype 0 or 1, the length field says exactly this datagram */
	if ((p[0] & 0x20) || (p[0] & 0x1f) > 1 || ((size_t)ct_get16(p + 2) + 1) * 4 != len)
		return CT_EFORMAT;
	m->answer = p[0] & 1;
	m->ssrc = ct_get32(p + 4);
	m->version = p[12];
	memcpy(m->nonce, p + 16, 8);
	if (m->version != CT_COOP_VERSION)
		return 0;
	m->checks = p[13];
	m->wait_ms = ct_get16(p + 14);
	memcpy(&m->target, p + 24, 4);
	m->port = ct_get16(p + 28);
	if (m->checks & ~(CT_COOP_CHECK_UDP | CT_COOP_CHECK_TCP))
		return CT_EFORMAT;
	if (!m->answer) {
		/* a request carries no results */
		for (size_t i = 30; i < CT_COOP_LEN; i++)
			if (p[i])
				return CT_EFORMAT;
		return 0;
	}
	r->status = p[30];
	r->udp = p[31];
	r->udp_rtt_us = ct_get32(p + 32);
	r->icmp_type = p[36];
	if (p[31] == CT_COOP_UDP_ANSWERED && p[36] <= CT_COOP_HOW_ENTRY)
		r->udp_how = p[36];
	r->icmp_code = p[37];
	r->tcp = p[38];
	memcpy(&r->icmp_from, p + 40, 4);
	r->tcp_rtt_us = ct_get32(p + 44);
	memcpy(&r->src, p + 48, 4);
	r->heard_ms = ct_get32(p + 64);
	if (r->status >= CT_COOP_ST_N || r->udp >= CT_COOP_UDP_N || r->tcp >= CT_COOP_TCP_N || p[39])
		return CT_EFORMAT;
	for (size_t i = 0; i < 12; i++) {
		uint8_t c = p[52 + i];
		if (!c)
			break;
		r->program[i] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
	}
	if (strlen(r->program) == 12)
		memcpy(r->program + 12, "...", 4); /* the wire holds 12 bytes: say it may be cut */
	return 0;
}

const char *ct_coop_status_key(unsigned s)
{
	static const char *const k[] = { "ok", "not_allowed", "rate_limited", "busy", "version", "error" };

	return s < CT_ARRAY_LEN(k) ? k[s] : "error";
}

const char *ct_coop_how_key(unsigned h)
{
	return h == CT_COOP_HOW_GETINFO ? "getinfo" : h == CT_COOP_HOW_ENTRY ? "br_entry" : NULL;
}

const char *ct_coop_udp_key(unsigned u)
{
	static const char *const k[] = { "not_run", "answered", "no_answer", "icmp" };

	return u < CT_ARRAY_LEN(k) ? k[u] : "not_run";
}

const char *ct_coop_tcp_key(unsigned t)
{
	static const char *const k[] = { "not_run", "open", "closed", "no_answer", "unreachable" };

	return t < CT_ARRAY_LEN(k) ? k[t] : "not_run";
}

void ct_coop_result_text(const struct ct_coop_result *r, unsigned checks, char *buf, size_t len)
{
	char f[16];
	struct in_addr in = { .s_addr = r->icmp_from };
	size_t l;

	switch (r->udp) {
	case CT_COOP_UDP_ANSWERED:
		l = (size_t)snprintf(buf, len, "UDP 2425: %s%s%s%s in %.2f ms", r->udp_how == CT_COOP_HOW_ENTRY ?
			"GETINFO ignored, BR_ENTRY|DIALUPOPT answered by ANSENTRY" : r->udp_how == CT_COOP_HOW_GETINFO ?
			"GETINFO answered by SENDINFO" : "answered (SENDINFO or ANSENTRY)", r->program[0] ? " (" : "",
			r->program, r->program[0] ? ")" : "", r->udp_rtt_us / 1000.0);
		break;
	case CT_COOP_UDP_ICMP:
		inet_ntop(AF_INET, &in, f, sizeof f);
		l = (size_t)snprintf(buf, len, "UDP 2425: GETINFO rejected, ICMP %u/%u from %s", r->icmp_type,
			r->icmp_code, f);
		break;
	case CT_COOP_UDP_NO_ANSWER:
		l = (size_t)snprintf(buf, len, "UDP 2425: no answer to GETINFO nor to BR_ENTRY|DIALUPOPT (dropped on "
			"the way, or nothing runs there)");
		break;
	default:
		l = (size_t)snprintf(buf, len, "UDP 2425: not checked");
	}
	if (l >= len || !(checks & CT_COOP_CHECK_TCP))
		return;
	switch (r->tcp) {
	case CT_COOP_TCP_OPEN:
		snprintf(buf + l, len - l, "; TCP 2425 open (%.2f ms)", r->tcp_rtt_us / 1000.0);
		break;
	case CT_COOP_TCP_CLOSED:
		snprintf(buf + l, len - l, "; TCP 2425 closed (refused: reached, nothing listens)");
		break;
	case CT_COOP_TCP_NO_ANSWER:
		snprintf(buf + l, len - l, "; TCP 2425 no answer (filtered)");
		break;
	case CT_COOP_TCP_UNREACHABLE:
		snprintf(buf + l, len - l, "; TCP 2425 unreachable (ICMP error)");
		break;
	default:
		snprintf(buf + l, len - l, "; TCP 2425 not checked");
	}
}
