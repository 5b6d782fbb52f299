/* decode.h: one captured frame decoded through every layer (link, IP, UDP/TCP/ICMP, RTP, IPMsg). */
#ifndef CT_DECODE_H
#define CT_DECODE_H

#include <stdint.h>
#include "capture.h"
#include "decode-link.h"
#include "decode-ip.h"
#include "decode-udp.h"
#include "decode-tcp.h"
#include "decode-icmp.h"
#include "rtp.h"

/* What a frame turned out to be (the highest layer understood). */
enum ct_dkind {
	CT_DK_NONIP = 0,  /* not IP (ARP, LLDP...) or a link type we do not decode */
	CT_DK_BAD,        /* malformed or cut off below the application layer: see bad */
	CT_DK_FRAG,       /* an IP fragment kept for reassembly (the last one shows the datagram) */
	CT_DK_IPMSG,      /* IP Messenger datagram on UDP, or an IPMsg request on TCP */
	CT_DK_TCP,        /* a TCP segment on the IPMsg port without an IPMsg header (handshake, data) */
	CT_DK_RTP,
	CT_DK_RTCP,
	CT_DK_ICMP,
	CT_DK_UDP,        /* other UDP (including non-RTP bytes on the RTP ports) */
	CT_DK_OTHER,      /* another IP protocol */
};

/* A decoded frame. Pointers refer to the captured packet or the decoder's reassembly buffer:
 * valid until the next ct_decode() call. */
struct ct_dpkt {
	uint64_t frame;       /* 1-based frame number in the capture */
	int64_t ts_sec;
	uint32_t ts_nsec;
	uint32_t caplen, len;
	enum ct_dkind kind;
	const char *bad;      /* why the frame is malformed (static text), or NULL */
	struct ct_link link;
	struct ct_ip ip;      /* valid when ip.af != 0 */
	uint8_t l4;           /* 6, 17, 1, 58 or 0 */
	uint16_t sport, dport;
	struct ct_udp udp;
	struct ct_tcp tcp;
	struct ct_icmp icmp;
	struct ct_rtp rtp;
	uint64_t fwd_of;      /* a router's outgoing copy of this earlier frame (capture on "any"), or 0 */
	const uint8_t *app;   /* application bytes (captured) */
	uint32_t app_len;
	uint32_t app_wire;    /* application bytes on the wire (> app_len when the capture cut it) */
};

#define CT_DECODE_FWD_RING 64

/* A packet seen arriving, to recognise the copy a router sends out again. */
struct ct_fwd_sig {
	uint32_t sig;
	uint8_t ttl;
	uint64_t frame;
	int64_t ts_sec;
};

struct ct_decoder {
	struct ct_defrag defrag;
	struct ct_fwd_sig fwd[CT_DECODE_FWD_RING];
	unsigned fwd_next;
	uint16_t ipmsg_port;  /* CT 2425 */
	uint16_t rtp_lo, rtp_hi;
	uint64_t frames;
};

void ct_decoder_init(struct ct_decoder *d);
void ct_decoder_fini(struct ct_decoder *d);
/* Decodes one frame; never fails: problems are reported in out->kind / out->bad. */
void ct_decode(struct ct_decoder *d, const struct ct_pkt *pkt, struct ct_dpkt *out);
/* Stable lower-case name of a kind ("ipmsg", "rtp", "fragment"...). */
const char *ct_dkind_name(enum ct_dkind k);

#endif
