/* trace.h: the packet-trace pipeline: a captured frame in, a decoded record with its matches, silences and counters out. */
#ifndef CT_TRACE_H
#define CT_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include "capture.h"
#include "decode.h"
#include "decode-ipmsg.h"
#include "match.h"
#include "rtpstat.h"
#include "sbuf.h"
#include "xferwatch.h"

struct ct_trace_opts {
	uint16_t rtp_lo, rtp_hi;   /* the RTP port range (0: CT_RTP_DEFAULT_LO..HI) */
	uint32_t rtp_clock;        /* RTP clock for dynamic payload types (0: 8000 Hz) */
	double answer_timeout_s;   /* a request is unanswered after this long (capture clock; 0: 2 s) */
	size_t max_rtp_streams;    /* 0: 4096 */
	size_t max_pending;        /* requests waiting for an answer at once (0: 16384) */
	double stall_timeout_s;    /* a file transfer whose data stops this long is stalled (0: 5 s) */
};

/* A request left without an answer (from ct_trace_frame, _expire or _flush). */
typedef void (*ct_trace_unans_fn)(const struct ct_unans *u, void *ud);

/* What one frame became; the pointers point into the record or the trace (valid until the next frame). */
struct ct_trace_rec {
	struct ct_dpkt pk;                 /* every layer decoded */
	const struct ct_dipmsg *im;        /* the IP Messenger datagram (UDP, or a TCP 2425 request), or NULL */
	const struct ct_mres *mr;          /* what the matcher found (answer, retransmission, copy), or NULL */
	const struct ct_rtp_stream *rs;    /* the RTP stream's figures so far, or NULL */
	struct ct_mres mres;
};

struct ct_trace {
	struct ct_decoder dec;
	struct ct_dipmsg ipm;
	struct ct_rtpstat rtp;
	struct ct_match *match;
	uint64_t kinds[CT_DK_OTHER + 1]; /* frames by kind */
	uint64_t ipmsg_bad;              /* IP Messenger datagrams that did not parse */
	uint64_t unanswered;             /* requests reported unanswered */
	uint64_t stalled;                /* file transfers reported stalled or cut short */
	struct ct_xwatch *xw;            /* GETFILEDATA/GETDIRFILES connections followed */
	int64_t last_ts_ns;              /* capture time of the last frame */
	ct_trace_unans_fn on_unans;
	void *ud;
};

/* Sets up the decoders, the RTP statistics and the matcher; on_unans (may be NULL) hears every
 * request left unanswered. CT_ENOMEM. */
int ct_trace_init(struct ct_trace *t, const struct ct_trace_opts *o, ct_trace_unans_fn on_unans, void *ud);
void ct_trace_fini(struct ct_trace *t);
/* Decodes one frame, matches it against the requests seen, updates the counters. */
void ct_trace_frame(struct ct_trace *t, const struct ct_pkt *pkt, struct ct_trace_rec *rec);
/* Reports the requests whose answer time ran out by now_ns on the capture clock (live capture:
 * the last frame's time advanced by the monotonic clock since). */
void ct_trace_expire(struct ct_trace *t, int64_t now_ns);
/* End of the capture: every request still waiting is reported (as cut off by the end). */
void ct_trace_flush(struct ct_trace *t);
/* Frames seen in all. */
uint64_t ct_trace_total(const struct ct_trace *t);

/* The default capture filter (IP Messenger UDP/TCP 2425, the RTP range, ICMP errors quoting
 * those ports, fragments) unless no_default, joined with 'and' to the user's words (argc,
 * argv; may be 0). The caller checks f->err for lack of memory. The default alone accepts every
 * UDP datagram to or from 2425: ct_capture_set_fast_accept(c, 2425) may then skip the BPF. */
void ct_trace_filter(struct ct_sbuf *f, uint16_t rtp_lo, uint16_t rtp_hi, int no_default, int argc,
	char *const *argv);

#endif
