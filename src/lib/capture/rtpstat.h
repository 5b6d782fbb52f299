/* rtpstat.h: per-stream RTP statistics, updated per packet: loss, reordering, RFC 3550 jitter. */
#ifndef CT_RTPSTAT_H
#define CT_RTPSTAT_H

#include <stddef.h>
#include <stdint.h>
#include "rtp.h"

/* One RTP stream: (source, destination, ports, SSRC). */
struct ct_rtp_stream {
	int used;
	int af;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t ssrc;
	uint8_t pt;             /* payload type of the last packet */
	uint32_t clock;         /* timestamp rate used for jitter (Hz) */
	uint64_t packets, bytes;
	uint64_t reordered;     /* late (after a higher sequence number) or a duplicate of the highest */
	uint64_t resyncs;       /* sequence jumps that restarted the count (RFC 3550 A.1) */
	/* RFC 3550 A.1 sequence state */
	uint16_t max_seq;
	uint32_t cycles;
	uint32_t base_seq;
	uint32_t bad_seq;
	uint64_t received;      /* since the last resync */
	/* RFC 3550 A.8 jitter */
	double jitter;          /* in timestamp units */
	int64_t last_arrival_ns;
	uint32_t last_ts;
	int have_last;
	int64_t first_ns;
};

struct ct_rtpstat {
	struct ct_rtp_stream *tab; /* open addressing, cap entries, allocated once */
	size_t cap, n;
	uint32_t default_clock;    /* clock for dynamic payload types */
	uint64_t untracked;        /* packets of streams that did not fit */
};

/* max_streams: table size (rounded up to a power of two); default_clock for dynamic types. */
int ct_rtpstat_init(struct ct_rtpstat *st, size_t max_streams, uint32_t default_clock);
void ct_rtpstat_fini(struct ct_rtpstat *st);
/* Accounts one RTP packet (not RTCP) that arrived at arrival_ns (capture time, ns);
 * returns its stream, or NULL when the table is full. */
struct ct_rtp_stream *ct_rtpstat_update(struct ct_rtpstat *st, int af, const uint8_t *src,
	const uint8_t *dst, uint16_t sport, uint16_t dport, const struct ct_rtp *r,
	uint32_t bytes, int64_t arrival_ns);
/* Packets expected from the sequence numbers and packets lost (may be negative with duplicates). */
uint64_t ct_rtp_stream_expected(const struct ct_rtp_stream *s);
int64_t ct_rtp_stream_lost(const struct ct_rtp_stream *s);
/* Loss in percent of expected, 0 when nothing is expected. */
double ct_rtp_stream_loss_pct(const struct ct_rtp_stream *s);
/* Interarrival jitter in milliseconds. */
double ct_rtp_stream_jitter_ms(const struct ct_rtp_stream *s);
/* Calls fn for every stream, in table order. */
void ct_rtpstat_foreach(const struct ct_rtpstat *st, void (*fn)(const struct ct_rtp_stream *, void *), void *ud);

#endif
