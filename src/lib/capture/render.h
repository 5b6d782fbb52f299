/* sniff-out.h: rendering of the packet trace: one text line or one NDJSON object per packet, buffered. */
#ifndef CT_SNIFF_OUT_H
#define CT_SNIFF_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "decode.h"
#include "decode-ipmsg.h"
#include "match.h"
#include "rtpstat.h"
#include "sbuf.h"

struct sniff_out {
	char *p;              /* pending output, written to fd in large chunks (p[len] is not a NUL) */
	size_t len, cap;
	int oom;              /* output was lost for lack of memory */
	int fd;
	int json;
	int write_error;      /* errno of a failed write (EPIPE...) */
	int64_t tsec;         /* second of the cached time strings */
	char hms[16];         /* "HH:MM:SS" */
	char iso[48];         /* "YYYY-MM-DDTHH:MM:SS" */
};

void so_init(struct sniff_out *so, int fd, int json);
void so_fini(struct sniff_out *so);
/* Writes out what is buffered (always, or only past a threshold with force = 0). */
void so_flush(struct sniff_out *so, int force);

/* One decoded packet with what the upper layers found (each may be NULL). */
void so_packet(struct sniff_out *so, const struct ct_dpkt *pk, const struct ct_dipmsg *im,
	const struct ct_mres *mr, const struct ct_rtp_stream *rs);
/* A request left without an answer. */
void so_unanswered(struct sniff_out *so, const struct ct_unans *u);
/* Per-peer counters (a header line then one line / object per peer). */
void so_peers(struct sniff_out *so, const struct ct_match *m, int64_t ts_sec);
/* Per-stream RTP figures. */
void so_rtp_streams(struct sniff_out *so, const struct ct_rtpstat *st);

/* Low-level appenders shared with the command's own records (inline: the per-packet hot path). */
int so_grow(struct sniff_out *so, size_t n);
static inline void so_put(struct sniff_out *so, const char *s, size_t n)
{
	if (so->cap - so->len < n && so_grow(so, n) != 0)
		return;
	memcpy(so->p + so->len, s, n);
	so->len += n;
}
static inline void so_putc(struct sniff_out *so, char c)
{
	if (so->cap == so->len && so_grow(so, 1) != 0)
		return;
	so->p[so->len++] = c;
}
static inline void so_puts(struct sniff_out *so, const char *s) { so_put(so, s, strlen(s)); }
void so_put_u64(struct sniff_out *so, uint64_t v);
void so_put_i64(struct sniff_out *so, int64_t v);
/* Text: printable UTF-8 as is, controls and invalid bytes escaped (\n, \t, \xNN). */
void so_put_text(struct sniff_out *so, const char *s, size_t n);
/* JSON: a quoted string (invalid UTF-8 bytes become the text "\xNN", like json.h). */
void so_put_jstr(struct sniff_out *so, const char *s, size_t n);
/* JSON: ,"key": prefix (first = no comma). */
/* ,"key": (the comma unless first); inline so that a literal key's length is known at compile time. */
static inline void so_jkey(struct sniff_out *so, const char *key, int first)
{
	size_t k = strlen(key);
	char *o;

	if (so->cap - so->len < k + 4 && so_grow(so, k + 4) != 0)
		return;
	o = so->p + so->len;
	if (!first)
		*o++ = ',';
	*o++ = '"';
	memcpy(o, key, k);
	o += k;
	*o++ = '"';
	*o++ = ':';
	so->len = (size_t)(o - so->p);
}
/* A number with a fixed count of decimals (no NaN: non-finite prints null). */
void so_put_fixed(struct sniff_out *so, double v, int decimals);
/* Time of day "HH:MM:SS.uuuuuu" (UTC) or ISO 8601 "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". */
void so_put_time(struct sniff_out *so, int64_t sec, uint32_t nsec, int iso);

#endif
