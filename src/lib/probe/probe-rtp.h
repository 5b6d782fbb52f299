/* probe-rtp.h: RTP v2 packets (RFC 3550), the camtrace echo payload, RFC 3550 jitter, and per-port RTP sessions. */
#ifndef CT_PROBE_RTP_H
#define CT_PROBE_RTP_H

#include <stddef.h>
#include <stdint.h>
#include "probe.h"

#define CT_RTP_HDR 12
#define CT_RTP_PT_PCMU 0         /* G.711 mu-law: what a voice call sends */
#define CT_RTP_CLOCK 8000        /* its clock rate (Hz) */
#define CT_RTP_PROBE_LEN 160     /* 20 ms of G.711 */
#define CT_RTP_DEFAULT_LO 22224  /* Chat&Messenger voice/video ports */
#define CT_RTP_DEFAULT_HI 22227

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

/* RFC 3550 section 6.4.1 / A.8 interarrival jitter, kept in nanoseconds: for each packet,
 * D = (arrival_i - arrival_j) - (sent_i - sent_j) and J += (|D| - J) / 16. */
struct ct_jitter {
	int have;
	int64_t last_transit;
	double j_ns;
};
void ct_jitter_add(struct ct_jitter *jt, int64_t sent_ns, int64_t arrival_ns);

/* One RTP port measured with a camtraced echo (or without: ICMP states). */
struct ct_rtp_port {
	uint16_t port;
	int sent;
	int answered;               /* echoes received */
	int echo_received;          /* the echo's own count: packets that arrived there */
	int icmp_seen;
	struct ct_reply icmp;       /* an ICMP error about this port, if any */
	enum ct_port_state state;   /* open (echo answered), closed, filtered, open|filtered */
	double loss_fwd, loss_back; /* fractions 0..1 (forward: to the echo, back: to us) */
	double rtt_min_ms, rtt_avg_ms, rtt_max_ms;
	double jitter_fwd_ms, jitter_back_ms;
	int dup;
};

struct ct_rtp_opts {
	int count;            /* packets per port, 0 = 50 */
	uint64_t interval_ns; /* 0 = 20 ms (one voice frame) */
	uint64_t wait_ns;     /* after the last packet, 0 = 1 s */
	int same_sport;       /* send from the same port number (the application's own tuple) */
	int family;           /* AF_INET6: measure towards dst6 (the dst argument is ignored) */
	struct in6_addr dst6;
};

/* Sends real RTP streams to every port at once from UDP sockets with IP_RECVERR (no privileges
 * needed) and fills ports[i] (ports[i].port set by the caller). */
int ct_rtp_measure(uint32_t dst, struct ct_rtp_port *ports, int nports, const struct ct_rtp_opts *o,
	char *err, size_t errlen);

#endif
