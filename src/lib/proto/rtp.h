/* rtp.h: the RTP wire format: RTP and RTCP headers (RFC 3550), static payload types, camtrace's probe and echo packets. */
#ifndef CT_RTP_H
#define CT_RTP_H

#include <stddef.h>
#include <stdint.h>

#define CT_RTP_DEFAULT_LO 22224 /* Chat&Messenger voice/video ports */
#define CT_RTP_DEFAULT_HI 22227

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

/* The camtrace probe and echo packets (camtrace rtp, camtraced's RTP echo). */
#define CT_RTP_HDR 12
#define CT_RTP_PT_PCMU 0         /* G.711 mu-law: what a voice call sends */
#define CT_RTP_CLOCK 8000        /* its clock rate (Hz) */
#define CT_RTP_PROBE_LEN 160     /* 20 ms of G.711 */

struct ct_rtp_hdr {
	uint8_t pt;
	int marker;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
};

/* Probe payload: "CTRP" + send time (ns, our monotonic clock), padded to CT_RTP_PROBE_LEN.
 * Echo payload:  "CTRE" + the probe's send time + echo receive time + echo send time (the
 * echo's monotonic clock, ns) + packets the echo received from this SSRC, padded likewise. */
#define CT_RTP_MAGIC_PROBE "CTRP"
#define CT_RTP_MAGIC_ECHO "CTRE"

struct ct_rtp_echo_info {
	uint64_t probe_tx_ns;  /* our send time, echoed back */
	uint64_t echo_rx_ns;   /* when the echo received it (echo's clock) */
	uint64_t echo_tx_ns;   /* when the echo sent the answer (echo's clock) */
	uint32_t echo_count;   /* packets the echo has received from this SSRC so far */
};

/* Builds an RTP v2 header (no CSRC, no extension). Returns CT_RTP_HDR or 0 if cap is short. */
size_t ct_rtp_build_hdr(uint8_t *buf, size_t cap, const struct ct_rtp_hdr *h);
/* Builds a whole probe packet (PCMU, CT_RTP_PROBE_LEN payload). Returns the length or 0. */
size_t ct_rtp_build_probe(uint8_t *buf, size_t cap, uint16_t seq, uint32_t ts, uint32_t ssrc, uint64_t tx_ns);
/* Parses an RTP v2 packet (CSRCs, extension and padding handled). CT_EFORMAT for anything else. */
int ct_rtp_parse(const uint8_t *buf, size_t len, struct ct_rtp_hdr *h, const uint8_t **payload, size_t *plen);
/* Turns a received probe into the echo answer in place-independent out (same seq/ssrc/pt,
 * timestamp from the echo's clock). Returns the length, 0 if in is not a camtrace probe. */
size_t ct_rtp_make_echo(const uint8_t *in, size_t inlen, uint64_t rx_ns, uint64_t tx_ns, uint32_t count,
	uint8_t *out, size_t cap);
/* Reads the echo fields of an answer; CT_EFORMAT when it is not a camtrace echo. */
int ct_rtp_parse_echo(const uint8_t *buf, size_t len, struct ct_rtp_hdr *h, struct ct_rtp_echo_info *ei);

#endif
