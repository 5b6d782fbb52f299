/* render.h: the packet trace in words: one text line or one NDJSON object per packet, silence and counter, into a struct ct_out sink. */
#ifndef CT_RENDER_H
#define CT_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include "capture.h"
#include "decode.h"
#include "decode-ipmsg.h"
#include "match.h"
#include "outbuf.h"
#include "rtpstat.h"

struct ct_trace;

/* The text of an IPv4 endpoint ("198.18.1.10:2425") or address, kept: a trace names the same few
 * hosts and ports on every line. */
struct ct_render_v4 {
	uint32_t addr;        /* the 4 bytes as they are in memory */
	int32_t port;         /* -1: the address alone */
	uint8_t len;          /* 0: empty slot */
	char txt[24];         /* "255.255.255.255:65535" at most, not NUL-terminated; copied 24 bytes at once */
};
#define CT_RENDER_V4SLOTS 1024 /* a site of a few hundred hosts: few collisions */

struct ct_render {
	struct ct_out out;    /* where the lines go (a descriptor or a per-line callback) */
	int json;             /* NDJSON instead of text */
	int64_t tsec;         /* second of the cached time strings */
	char hms[16];         /* "HH:MM:SS" */
	char iso[48];         /* "YYYY-MM-DDTHH:MM:SS" */
	size_t iso_len;
	char secs[24];        /* the second in decimal ("1764000000", NDJSON's ts) */
	size_t secs_len;
	struct ct_render_v4 v4[CT_RENDER_V4SLOTS]; /* endpoint texts, direct-mapped by address and port */
	uint64_t frame;       /* the frame number whose decimal digits fdig holds (fdig_len > 0) */
	size_t fdig_len;
	char fdig[24];
};

/* Lines written to fd (-1: kept in rd->out for the caller to read). */
void ct_render_init(struct ct_render *rd, int fd, int json);
/* Lines handed to fn one by one at each flush (the monitor's packet view). */
void ct_render_init_lines(struct ct_render *rd, int json, ct_out_line_fn fn, void *ud);
/* Flushes and frees. */
void ct_render_fini(struct ct_render *rd);

/* What the start record says (NDJSON only: text has no start line). */
struct ct_render_start {
	int schema_version;
	const char *command;      /* "sniff" */
	const char *source;       /* the file, the interface or "any" */
	int live;
	const char *link_type;    /* ct_capture_linktype_name() */
	const char *filter;       /* the capture filter */
	double answer_timeout_s;
	double stall_timeout_s;   /* a file transfer silent this long is stalled */
};
void ct_render_start(struct ct_render *rd, const struct ct_render_start *st);
/* One decoded packet with what the upper layers found (each may be NULL). */
void ct_render_packet(struct ct_render *rd, const struct ct_dpkt *pk, const struct ct_dipmsg *im,
	const struct ct_mres *mr, const struct ct_rtp_stream *rs);
/* A request left without an answer. */
void ct_render_unanswered(struct ct_render *rd, const struct ct_unans *u);
/* Per-peer counters (a header line then one line / object per peer). */
void ct_render_peers(struct ct_render *rd, const struct ct_match *m, int64_t ts_sec);
/* Per-stream RTP figures. */
void ct_render_rtp_streams(struct ct_render *rd, const struct ct_rtpstat *st);
/* The closing counts: frames by kind, malformed, unanswered, peers, streams, kernel drops. */
void ct_render_summary(struct ct_render *rd, const struct ct_trace *t, const struct ct_capture_stats *st, int live);

#endif
