/* decode-rtp.c: RTP/RTCP header decoding and the RFC 3551 static payload types. */
#include "config.h"
#include <string.h>
#include "bytes.h"
#include "err.h"
#include "rtp.h"

int ct_decode_rtp(const uint8_t *p, uint32_t n, struct ct_rtp *r)
{
	uint32_t hl;

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
	hl = 12 + 4u * r->cc;
	if (r->ext) {
		if (n < hl + 4)
			return CT_ETRUNC;
		hl += 4 + 4u * (uint32_t)(p[hl + 2] << 8 | p[hl + 3]);
	}
	if (n < hl)
		return CT_ETRUNC;
	r->hdr_len = hl;
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
