/* ipview.c: bounds-checked parsing of received IPv4 and IPv6 packets for reply matching. */
#include "config.h"
#include <string.h>
#include "bytes.h"
#include "err.h"
#include "ipview.h"


/* Parses a transport header; quoted = 1 when only 8 bytes are guaranteed. */
static void parse_l4(uint8_t proto, const uint8_t *p, size_t len, struct ct_l4view *l, int quoted)
{
	memset(l, 0, sizeof *l);
	l->proto = proto;
	if (proto == 17 && len >= 8) {
		l->sport = ct_get16(p);
		l->dport = ct_get16(p + 2);
		l->payload = p + 8;
		l->plen = len - 8;
	} else if (proto == 6 && len >= 8) {
		l->sport = ct_get16(p);
		l->dport = ct_get16(p + 2);
		l->seq = ct_get32(p + 4);
		if (len >= 20) {
			size_t off = (size_t)(p[12] >> 4) * 4;
			l->ack = ct_get32(p + 8);
			l->flags = p[13];
			if (off >= 20 && off <= len) {
				l->payload = p + off;
				l->plen = len - off;
			}
		}
	} else if ((proto == 1 || proto == 58) && len >= 8) {
		l->icmp_type = p[0];
		l->icmp_code = p[1];
		l->icmp_id = ct_get16(p + 4);
		l->icmp_seq = ct_get16(p + 6);
		l->payload = p + 8;
		l->plen = len - 8;
	}
	(void)quoted;
}

int ct_ipview_parse(const uint8_t *pkt, size_t len, struct ct_ipview *v)
{
	size_t hl, tot;

	memset(v, 0, sizeof *v);
	if (len < 20)
		return CT_ETRUNC;
	if ((pkt[0] >> 4) == 6)
		return ct_ipview_parse6(pkt, len, v);
	if ((pkt[0] >> 4) != 4)
		return CT_EFORMAT;
	hl = (size_t)(pkt[0] & 0x0f) * 4;
	if (hl < 20 || hl > len)
		return CT_EFORMAT;
	tot = ct_get16(pkt + 2);
	if (tot < hl)
		return CT_EFORMAT;
	if (tot > len)
		tot = len; /* cut short by the capture: use what is there */
	v->id = ct_get16(pkt + 4);
	v->ttl = pkt[8];
	v->proto = pkt[9];
	memcpy(&v->src, pkt + 12, 4);
	memcpy(&v->dst, pkt + 16, 4);
	if ((ct_get16(pkt + 6) & 0x1fff) != 0)
		return 0; /* a non-first fragment carries no transport header */
	parse_l4(v->proto, pkt + hl, tot - hl, &v->l4, 0);
	if (v->proto == 1 && v->l4.plen >= 20) {
		uint8_t t = v->l4.icmp_type;
		if (t == 3 || t == 4 || t == 5 || t == 11 || t == 12) {
			const uint8_t *q = v->l4.payload;
			size_t qlen = v->l4.plen, qhl, qtot;
			if ((q[0] >> 4) != 4)
				return 0;
			qhl = (size_t)(q[0] & 0x0f) * 4;
			if (qhl < 20 || qhl > qlen)
				return 0;
			qtot = ct_get16(q + 2);
			/* RFC 4884 extensions may follow the quote: never read past the quoted length */
			if (qtot >= qhl && qtot < qlen)
				qlen = qtot;
			v->has_inner = 1;
			v->in_id = ct_get16(q + 4);
			v->in_ttl = q[8];
			v->in_proto = q[9];
			memcpy(&v->in_src, q + 12, 4);
			memcpy(&v->in_dst, q + 16, 4);
			parse_l4(v->in_proto, q + qhl, qlen - qhl, &v->in, 1);
		}
	}
	return 0;
}

/* Walks the IPv6 extension headers after the fixed header; returns the offset of the upper
 * layer (its protocol in *proto), or 0 when the chain is cut short or a non-first fragment. */
static size_t skip_ext6(const uint8_t *pkt, size_t len, uint8_t *proto)
{
	size_t off = 40;
	uint8_t nh = pkt[6];

	for (int k = 0; k < 8; k++) {
		if (nh == 0 || nh == 43 || nh == 60) { /* hop-by-hop, routing, destination options */
			if (off + 8 > len)
				return 0;
			nh = pkt[off];
			off += ((size_t)pkt[off + 1] + 1) * 8;
		} else if (nh == 44) {                 /* fragment */
			if (off + 8 > len || (ct_get16(pkt + off + 2) & 0xfff8) != 0)
				return 0;
			nh = pkt[off];
			off += 8;
		} else
			break;
	}
	if (off > len)
		return 0;
	*proto = nh;
	return off;
}

/* The ICMPv6 errors that quote the offending packet: unreachable, too big, time exceeded, parameter. */
static void parse_quote6(struct ct_ipview *v)
{
	const uint8_t *q = v->l4.payload;
	size_t qlen = v->l4.plen, off, qtot;
	uint8_t t = v->l4.icmp_type, p = 0;

	if (v->proto != 58 || t < 1 || t > 4 || qlen < 40 || (q[0] >> 4) != 6)
		return;
	qtot = 40 + (size_t)ct_get16(q + 4);
	if (qtot < qlen)
		qlen = qtot; /* RFC 4884 extensions may follow the quote */
	off = skip_ext6(q, qlen, &p);
	v->has_inner = 1;
	v->in_ttl = q[7];
	memcpy(&v->in_src6, q + 8, 16);
	memcpy(&v->in_dst6, q + 24, 16);
	if (!off)
		return;
	v->in_proto = p;
	parse_l4(p, q + off, qlen - off, &v->in, 1);
}

int ct_ipview_parse6_l4(const uint8_t *l4, size_t len, uint8_t proto, const struct in6_addr *src,
	const struct in6_addr *dst, int hlim, struct ct_ipview *v)
{
	memset(v, 0, sizeof *v);
	v->v6 = 1;
	v->proto = proto;
	v->ttl = hlim >= 0 && hlim <= 255 ? (uint8_t)hlim : 0;
	if (src)
		v->src6 = *src;
	if (dst)
		v->dst6 = *dst;
	parse_l4(proto, l4, len, &v->l4, 0);
	parse_quote6(v);
	return 0;
}

int ct_ipview_parse6(const uint8_t *pkt, size_t len, struct ct_ipview *v)
{
	struct in6_addr s, d;
	size_t off, tot;
	uint8_t p = 0;

	memset(v, 0, sizeof *v);
	if (len < 40)
		return CT_ETRUNC;
	if ((pkt[0] >> 4) != 6)
		return CT_EFORMAT;
	tot = 40 + (size_t)ct_get16(pkt + 4);
	if (tot > len)
		tot = len;
	memcpy(&s, pkt + 8, 16);
	memcpy(&d, pkt + 24, 16);
	off = skip_ext6(pkt, tot, &p);
	if (!off) {
		ct_ipview_parse6_l4(NULL, 0, 255, &s, &d, pkt[7], v);
		v->proto = 0;
		return 0;
	}
	return ct_ipview_parse6_l4(pkt + off, tot - off, p, &s, &d, pkt[7], v);
}
