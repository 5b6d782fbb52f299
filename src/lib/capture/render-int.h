/* render-int.h: what the renderer's files share: endpoints, protocol names, the time cache, the RTP figures. */
#ifndef CT_RENDER_INT_H
#define CT_RENDER_INT_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include "decode-ip.h"
#include "jsonw.h"
#include "render.h"

_Static_assert(CT_RENDER_V4SLOTS == 1024, "put_v4 indexes the slots with the hash's top 10 bits");

/* An IPv4 address, with ":port" unless port < 0, from the renderer's slots. */
static inline void put_v4(struct ct_render *rd, const uint8_t *a, int port)
{
	struct ct_render_v4 *c;
	uint32_t k;

	memcpy(&k, a, 4);
	c = &rd->v4[((k ^ (uint32_t)port * 0x85EBCA6Bu) * 0x9E3779B1u) >> 22]; /* 1024 = 2^10 slots */
	if (c->len == 0 || c->addr != k || c->port != port) {
		char t[48], d[8];
		int n = ct_ip_ntop(AF_INET, a, t), m = 0;
		if (port >= 0) {
			unsigned v = (unsigned)port;
			t[n++] = ':';
			do
				d[m++] = (char)('0' + v % 10);
			while ((v /= 10) > 0);
			while (m > 0)
				t[n++] = d[--m];
		}
		memcpy(c->txt, t, (size_t)n);
		c->len = (uint8_t)n;
		c->addr = k;
		c->port = port;
	}
	/* a fixed-size copy (vector moves), the length advanced by the text's */
	if (rd->out.cap - rd->out.len < sizeof c->txt && ct_out_grow(&rd->out, sizeof c->txt) != 0)
		return;
	memcpy(rd->out.p + rd->out.len, c->txt, sizeof c->txt);
	rd->out.len += c->len;
}

/* A frame number: frames come in order, so the previous one's digits are counted up by one (a
 * carry through the nines) instead of written anew. */
static inline void put_frame(struct ct_render *rd, uint64_t f)
{
	char *d = rd->fdig;
	size_t n = rd->fdig_len, i, at = rd->out.len;

	if (!n || f != rd->frame + 1) { /* written anew, and its digits kept */
		ct_out_u64(&rd->out, f);
		n = rd->out.len - at;
		rd->fdig_len = n <= sizeof rd->fdig ? n : 0; /* 0 (out of memory): written anew next time */
		if (rd->fdig_len)
			memcpy(d, rd->out.p + at, rd->fdig_len);
		rd->frame = f;
		return;
	}
	for (i = n; i > 0 && d[i - 1] == '9'; i--)
		d[i - 1] = '0';
	if (i > 0) {
		d[i - 1]++;
	} else { /* 999 -> 1000 */
		memmove(d + 1, d, n);
		d[0] = '1';
		rd->fdig_len = ++n;
	}
	rd->frame = f;
	ct_out_put(&rd->out, d, n);
}

static inline void put_addr(struct ct_render *rd, int af, const uint8_t *a)
{
	char t[48];
	int n;

	if (af == AF_INET) {
		put_v4(rd, a, -1);
		return;
	}
	n = ct_ip_ntop(af, a, t);
	ct_out_put(&rd->out, t, (size_t)n);
}

/* "198.18.1.10:2425" or "[2001:2::10]:2425" */
static inline void put_ep(struct ct_render *rd, int af, const uint8_t *a, int port)
{
	struct ct_out *o = &rd->out;

	if (af == AF_INET) {
		put_v4(rd, a, port < 0 ? -1 : port);
		return;
	}
	if (af == AF_INET6 && port >= 0)
		ct_out_putc(o, '[');
	put_addr(rd, af, a);
	if (port >= 0) {
		if (af == AF_INET6)
			ct_out_putc(o, ']');
		ct_out_putc(o, ':');
		ct_out_u64(o, (uint64_t)port);
	}
}

/* ,"key":"198.18.1.10" (a JSON member holding an address; never the object's first). */
static inline void put_jaddr(struct ct_render *rd, const char *key, int af, const uint8_t *a)
{
	ct_jw_key(&rd->out, key, 0);
	ct_out_putc(&rd->out, '"');
	put_addr(rd, af, a);
	ct_out_putc(&rd->out, '"');
}

/* ,"key":"v" for v one of our own names (command and kind names: ASCII letters, digits, '_', '|',
 * "0x.."), which need no escaping: copied as they are. */
static inline void put_jname(struct ct_out *o, const char *key, const char *v, size_t n)
{
	ct_jw_key(o, key, 0);
	ct_out_putc(o, '"');
	ct_out_put(o, v, n);
	ct_out_putc(o, '"');
}

/* ,"key":123 and ,"key":true inline: the key's length is known where it is written (a packet has a
 * dozen of them). */
static inline void put_jint(struct ct_out *o, const char *key, int64_t v)
{
	ct_jw_key(o, key, 0);
	if (v >= 0)
		ct_out_u64(o, (uint64_t)v); /* the usual case, one call less */
	else
		ct_out_i64(o, v);
}

static inline void put_jbool(struct ct_out *o, const char *key, int v)
{
	ct_jw_key(o, key, 0);
	if (v)
		ct_out_put(o, "true", 4);
	else
		ct_out_put(o, "false", 5);
}

static inline const char *l4_name(uint8_t p)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmp6";
	default: return "ip";
	}
}

static inline int has_ports(const struct ct_dpkt *pk)
{
	return (pk->l4 == 6 || pk->l4 == 17) && (pk->sport || pk->dport) &&
		!(pk->kind == CT_DK_FRAG && pk->ip.frag_off != 0);
}

/* Time of day "HH:MM:SS.uuuuuu" (UTC) or ISO 8601 "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". */
void ct_render_time(struct ct_render *rd, int64_t sec, uint32_t nsec, int iso);
/* Seconds since the epoch with nine decimals ("1764000000.000010000"). */
void ct_render_ts(struct ct_render *rd, int64_t sec, uint32_t nsec);
/* "58 pkts lost 2 (3.3%) reordered 1 jitter 2.67 ms" (with expected when full). */
void ct_render_rtp_figures(struct ct_out *o, const struct ct_rtp_stream *s, int full);

#endif
