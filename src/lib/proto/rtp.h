/* decode-rtp.h: RTP and RTCP headers (RFC 3550) and the static payload type table. */
#ifndef CT_DECODE_RTP_H
#define CT_DECODE_RTP_H

#include <stdint.h>

#define CT_RTP_PORT_LO 22224
#define CT_RTP_PORT_HI 22227

struct ct_rtp {
	int rtcp;            /* an RTCP packet (payload type 200-204 in the second byte) */
	uint8_t pt;          /* RTP payload type (7 bits) or RTCP packet type */
	uint8_t marker;
	uint8_t cc;          /* CSRC count */
	uint8_t padding, ext;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint32_t hdr_len;    /* header bytes including CSRCs and extension */
	uint32_t pl_len;     /* media bytes (captured, padding removed when known) */
};

/* Returns 0, CT_ETRUNC (shorter than its header) or CT_EFORMAT (version is not 2). */
int ct_decode_rtp(const uint8_t *p, uint32_t n, struct ct_rtp *out);
/* Encoding name of a static payload type ("PCMU", "H263"), or NULL (dynamic / unassigned). */
const char *ct_rtp_pt_name(uint8_t pt);
/* Timestamp clock rate of a static payload type in Hz, or 0 when unknown. */
uint32_t ct_rtp_pt_clock(uint8_t pt);
/* RTCP packet type name ("SR", "RR", "SDES", "BYE", "APP"). */
const char *ct_rtcp_name(uint8_t pt);

#endif
