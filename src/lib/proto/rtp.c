/* rtp.c: the RTP wire format: RTP/RTCP header decoding, the RFC 3551 static payload types, camtrace's probe and echo packets. */
#include "config.h"
#include <string.h>
#include "bytes.h"
#include "err.h"
#include "rtp.h"

/* The RTP header's length with its CSRCs and extension (the fixed 12 bytes are there):
 * 0, or -1 when the packet is shorter than that. */
static int hdr_len(const uint8_t *p, size_t n, size_t *hl)
{
	size_t off = CT_RTP_HDR + (size_t)(p[0] & 0x0f) * 4;

	if (off > n)
		return -1;
	if (p[0] & 0x10) { /* header extension: 4 bytes, then its length in 32-bit words */
		if (off + 4 > n)
			return -1;
		off += 4 + (size_t)ct_get16(p + off + 2) * 4;
		if (off > n)
			return -1;
	}
	*hl = off;
	return 0;
}

int ct_decode_rtp(const uint8_t *p, uint32_t n, struct ct_rtp *r)
{
	size_t hl;

	memset(r, 0, sizeof *r);
	if (n < 2)
		return CT_ETRUNC;
	if ((p[0] >> 6) != 2)
		return CT_EFORMAT;
	r->padding = (p[0] >> 5) & 1;
	r->ext = (p[0] >> 4) & 1;
	r->cc = p[0] & 0x0F;
	if (p[1] >= 200 && p[1] <= 204) {
		r->rtcp = 1;
		r->pt = p[1];
		if (n < 8)
			return CT_ETRUNC;
		r->ssrc = ct_get32(p + 4);
		r->hdr_len = 8;
		r->pl_len = n - 8;
		return 0;
	}
	r->marker = p[1] >> 7;
	r->pt = p[1] & 0x7F;
	if (n < 12)
		return CT_ETRUNC;
	r->seq = (uint16_t)(p[2] << 8 | p[3]);
	r->ts = ct_get32(p + 4);
	r->ssrc = ct_get32(p + 8);
	if (hdr_len(p, n, &hl) != 0)
		return CT_ETRUNC;
	r->hdr_len = (uint32_t)hl;
	r->pl_len = n - hl;
	if (r->padding && r->pl_len > 0 && p[n - 1] <= r->pl_len)
		r->pl_len -= p[n - 1];
	return 0;
}

struct pt_info {
	uint8_t pt;
	const char *name;
	uint32_t clock;
};

static const struct pt_info pts[] = {
	{ 0, "PCMU", 8000 }, { 3, "GSM", 8000 }, { 4, "G723", 8000 }, { 5, "DVI4", 8000 },
	{ 6, "DVI4", 16000 }, { 7, "LPC", 8000 }, { 8, "PCMA", 8000 }, { 9, "G722", 8000 },
	{ 10, "L16", 44100 }, { 11, "L16", 44100 }, { 12, "QCELP", 8000 }, { 13, "CN", 8000 },
	{ 14, "MPA", 90000 }, { 15, "G728", 8000 }, { 16, "DVI4", 11025 }, { 17, "DVI4", 22050 },
	{ 18, "G729", 8000 }, { 25, "CelB", 90000 }, { 26, "JPEG", 90000 }, { 28, "nv", 90000 },
	{ 31, "H261", 90000 }, { 32, "MPV", 90000 }, { 33, "MP2T", 90000 }, { 34, "H263", 90000 },
};

static const struct pt_info *pt_find(uint8_t pt)
{
	for (unsigned i = 0; i < sizeof pts / sizeof pts[0]; i++)
		if (pts[i].pt == pt)
			return &pts[i];
	return NULL;
}

const char *ct_rtp_pt_name(uint8_t pt)
{
	const struct pt_info *i = pt_find(pt);
	return i ? i->name : NULL;
}

uint32_t ct_rtp_pt_clock(uint8_t pt)
{
	const struct pt_info *i = pt_find(pt);
	return i ? i->clock : 0;
}

const char *ct_rtcp_name(uint8_t pt)
{
	static const char *const n[] = { "SR", "RR", "SDES", "BYE", "APP" };
	return pt >= 200 && pt <= 204 ? n[pt - 200] : "RTCP";
}

size_t ct_rtp_build_hdr(uint8_t *buf, size_t cap, const struct ct_rtp_hdr *h)
{
	if (cap < CT_RTP_HDR)
		return 0;
	buf[0] = 0x80; /* V=2, P=0, X=0, CC=0 */
	buf[1] = (uint8_t)((h->marker ? 0x80 : 0) | (h->pt & 0x7f));
	ct_put16(buf + 2, h->seq);
	ct_put32(buf + 4, h->ts);
	ct_put32(buf + 8, h->ssrc);
	return CT_RTP_HDR;
}

size_t ct_rtp_build_probe(uint8_t *buf, size_t cap, uint16_t seq, uint32_t ts, uint32_t ssrc, uint64_t tx_ns)
{
	struct ct_rtp_hdr h = { CT_RTP_PT_PCMU, seq == 0, seq, ts, ssrc };
	size_t len = CT_RTP_HDR + CT_RTP_PROBE_LEN;

	if (cap < len)
		return 0;
	ct_rtp_build_hdr(buf, cap, &h);
	memset(buf + CT_RTP_HDR, 0xff, CT_RTP_PROBE_LEN); /* mu-law silence */
	memcpy(buf + CT_RTP_HDR, CT_RTP_MAGIC_PROBE, 4);
	ct_put64(buf + CT_RTP_HDR + 4, tx_ns);
	return len;
}

int ct_rtp_parse(const uint8_t *buf, size_t len, struct ct_rtp_hdr *h, const uint8_t **payload, size_t *plen)
{
	size_t off, end = len;

	if (len < CT_RTP_HDR || (buf[0] >> 6) != 2 || hdr_len(buf, len, &off) != 0)
		return CT_EFORMAT;
	if (buf[0] & 0x20) { /* padding: the last byte counts it */
		size_t pad = buf[len - 1];
		if (pad == 0 || pad > len - off)
			return CT_EFORMAT;
		end = len - pad;
	}
	h->marker = buf[1] >> 7;
	h->pt = buf[1] & 0x7f;
	h->seq = ct_get16(buf + 2);
	h->ts = ct_get32(buf + 4);
	h->ssrc = ct_get32(buf + 8);
	if (payload)
		*payload = buf + off;
	if (plen)
		*plen = end - off;
	return 0;
}

size_t ct_rtp_make_echo(const uint8_t *in, size_t inlen, uint64_t rx_ns, uint64_t tx_ns, uint32_t count,
	uint8_t *out, size_t cap)
{
	struct ct_rtp_hdr h;
	const uint8_t *pl;
	size_t plen, len = CT_RTP_HDR + CT_RTP_PROBE_LEN;

	if (ct_rtp_parse(in, inlen, &h, &pl, &plen) != 0 || plen < 12 || memcmp(pl, CT_RTP_MAGIC_PROBE, 4) != 0)
		return 0;
	if (cap < len)
		return 0;
	h.ts = (uint32_t)(rx_ns / (1000000000ull / CT_RTP_CLOCK));
	ct_rtp_build_hdr(out, cap, &h);
	memset(out + CT_RTP_HDR, 0xff, CT_RTP_PROBE_LEN);
	memcpy(out + CT_RTP_HDR, CT_RTP_MAGIC_ECHO, 4);
	memcpy(out + CT_RTP_HDR + 4, pl + 4, 8);
	ct_put64(out + CT_RTP_HDR + 12, rx_ns);
	ct_put64(out + CT_RTP_HDR + 20, tx_ns);
	ct_put32(out + CT_RTP_HDR + 28, count);
	return len;
}

int ct_rtp_parse_echo(const uint8_t *buf, size_t len, struct ct_rtp_hdr *h, struct ct_rtp_echo_info *ei)
{
	const uint8_t *pl;
	size_t plen;

	if (ct_rtp_parse(buf, len, h, &pl, &plen) != 0 || plen < 32 || memcmp(pl, CT_RTP_MAGIC_ECHO, 4) != 0)
		return CT_EFORMAT;
	ei->probe_tx_ns = ct_get64(pl + 4);
	ei->echo_rx_ns = ct_get64(pl + 12);
	ei->echo_tx_ns = ct_get64(pl + 20);
	ei->echo_count = ct_get32(pl + 28);
	return 0;
}
