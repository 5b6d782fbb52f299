/* decode-ip.c: IPv4/IPv6 header decoding and a small fixed-slot fragment reassembler. */
#include "config.h"
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "err.h"
#include "decode-ip.h"


void ct_defrag_init(struct ct_defrag *d)
{
	memset(d, 0, sizeof *d);
	d->timeout_s = 30;
}

void ct_defrag_fini(struct ct_defrag *d)
{
	for (int i = 0; i < CT_IP_DEFRAG_SLOTS; i++) {
		free(d->slot[i].buf);
		free(d->slot[i].map);
	}
	memset(d, 0, sizeof *d);
}

static struct ct_defrag_slot *slot_find(struct ct_defrag *d, const struct ct_ip *ip, int64_t ts)
{
	struct ct_defrag_slot *free_s = NULL, *old = NULL;

	for (int i = 0; i < CT_IP_DEFRAG_SLOTS; i++) {
		struct ct_defrag_slot *s = &d->slot[i];
		if (s->used && ts - s->first_ts > d->timeout_s) {
			s->used = 0;
			d->expired++;
		}
		if (!s->used) {
			if (!free_s)
				free_s = s;
			continue;
		}
		if (s->af == ip->af && s->id == ip->id && s->proto == ip->proto &&
		    memcmp(s->src, ip->src, 16) == 0 && memcmp(s->dst, ip->dst, 16) == 0)
			return s;
		if (!old || s->first_ts < old->first_ts)
			old = s;
	}
	if (!free_s) {
		free_s = old; /* table full: the oldest incomplete datagram gives way */
		d->expired++;
	}
	if (!free_s->buf) {
		free_s->buf = malloc(CT_IP_MAXDGRAM);
		free_s->map = malloc(CT_IP_MAXDGRAM / 8 / 8 + 1);
		if (!free_s->buf || !free_s->map) {
			free(free_s->buf);
			free(free_s->map);
			free_s->buf = free_s->map = NULL;
			return NULL;
		}
	}
	free_s->used = 1;
	free_s->af = ip->af;
	free_s->id = ip->id;
	free_s->proto = ip->proto;
	memcpy(free_s->src, ip->src, 16);
	memcpy(free_s->dst, ip->dst, 16);
	free_s->first_ts = ts;
	free_s->total = 0;
	free_s->have = 0;
	free_s->nfrags = 0;
	memset(free_s->map, 0, CT_IP_MAXDGRAM / 8 / 8 + 1);
	return free_s;
}

/* Adds a fragment's captured bytes; on completion points ip->pl at the whole datagram. */
void ct_defrag_add(struct ct_defrag *d, int64_t ts, struct ct_ip *ip)
{
	struct ct_defrag_slot *s;
	uint32_t off = ip->frag_off, len = ip->pl_len;

	if (ip->pl_len < ip->pl_wire || off + len > CT_IP_MAXDGRAM || (ip->frag_more && (len & 7)))
		return; /* cut-off capture or bogus fragment: cannot reassemble, shown as a fragment */
	if (!(s = slot_find(d, ip, ts)))
		return;
	memcpy(s->buf + off, ip->pl, len);
	for (uint32_t u = off / 8; u < (off + len + 7) / 8; u++) {
		if (!(s->map[u >> 3] & (1u << (u & 7)))) {
			s->map[u >> 3] |= (uint8_t)(1u << (u & 7));
			s->have += 8;
		}
	}
	s->nfrags++;
	if (!ip->frag_more)
		s->total = off + len;
	if (s->total && s->have >= ((s->total + 7) & ~7u)) {
		ip->frag = 2;
		ip->pl = s->buf;
		ip->pl_len = ip->pl_wire = s->total;
		ip->frag_count = s->nfrags;
		s->used = 0;
	}
}

static int decode_v4(const uint8_t *p, uint32_t n, struct ct_ip *ip)
{
	uint32_t hl, tot;
	uint16_t fo;

	if (n < 20)
		return CT_ETRUNC;
	hl = (uint32_t)(p[0] & 0x0F) * 4;
	tot = ct_get16(p + 2);
	if (hl < 20 || tot < hl)
		return CT_EFORMAT;
	if (n < hl)
		return CT_ETRUNC;
	ip->af = AF_INET;
	memcpy(ip->src, p + 12, 4);
	memcpy(ip->dst, p + 16, 4);
	ip->proto = p[9];
	ip->ttl = p[8];
	ip->id = ct_get16(p + 4);
	fo = ct_get16(p + 6);
	ip->frag_off = (uint32_t)(fo & 0x1FFF) * 8;
	ip->frag_more = (fo & 0x2000) != 0;
	ip->frag = (ip->frag_off || ip->frag_more) ? 1 : 0;
	ip->pl = p + hl;
	ip->pl_wire = tot - hl;
	/* Ethernet pads short frames: the IP total length is the truth */
	ip->pl_len = n - hl < ip->pl_wire ? n - hl : ip->pl_wire;
	return 0;
}

static int decode_v6(const uint8_t *p, uint32_t n, struct ct_ip *ip)
{
	uint32_t off = 40, plen;
	uint8_t nh;

	if (n < 40)
		return CT_ETRUNC;
	ip->af = AF_INET6;
	memcpy(ip->src, p + 8, 16);
	memcpy(ip->dst, p + 24, 16);
	ip->ttl = p[7];
	plen = ct_get16(p + 4);
	nh = p[6];
	for (;;) {
		if (nh == 0 || nh == 43 || nh == 60) { /* hop-by-hop, routing, destination options */
			if (n < off + 2)
				return CT_ETRUNC;
			nh = p[off];
			off += ((uint32_t)p[off + 1] + 1) * 8;
		} else if (nh == 44) {                  /* fragment */
			uint16_t fo;
			if (n < off + 8)
				return CT_ETRUNC;
			fo = ct_get16(p + off + 2);
			ip->frag_off = (uint32_t)(fo & 0xFFF8);
			ip->frag_more = fo & 1;
			ip->frag = 1;
			ip->id = (uint32_t)p[off + 4] << 24 | (uint32_t)p[off + 5] << 16 | (uint32_t)p[off + 6] << 8 | p[off + 7];
			nh = p[off];
			off += 8;
		} else {
			break;
		}
		if (off > 40 + plen)
			return CT_EFORMAT;
	}
	if (n < off)
		return CT_ETRUNC;
	ip->proto = nh;
	ip->pl = p + off;
	ip->pl_wire = 40 + plen - off;
	ip->pl_len = n - off < ip->pl_wire ? n - off : ip->pl_wire;
	return 0;
}

int ct_decode_ip(struct ct_defrag *d, int64_t ts_sec, const uint8_t *p, uint32_t n, struct ct_ip *ip)
{
	int r;

	memset(ip, 0, sizeof *ip);
	if (n < 1)
		return CT_ETRUNC;
	switch (p[0] >> 4) {
	case 4: r = decode_v4(p, n, ip); break;
	case 6: r = decode_v6(p, n, ip); break;
	default: return CT_EUNSUP;
	}
	if (r == 0 && ip->frag && d)
		ct_defrag_add(d, ts_sec, ip);
	return r;
}

static char *put_u8(char *o, unsigned v)
{
	if (v >= 100) {
		*o++ = (char)('0' + v / 100);
		v %= 100;
		*o++ = (char)('0' + v / 10);
	} else if (v >= 10) {
		*o++ = (char)('0' + v / 10);
	}
	*o++ = (char)('0' + v % 10);
	return o;
}

int ct_ip_ntop(int af, const uint8_t *a, char *buf)
{
	if (af == AF_INET) {
		char *o = buf;
		for (int i = 0; i < 4; i++) {
			if (i)
				*o++ = '.';
			o = put_u8(o, a[i]);
		}
		*o = '\0';
		return (int)(o - buf);
	}
	if (!inet_ntop(AF_INET6, a, buf, 46))
		strcpy(buf, "?");
	return (int)strlen(buf);
}
