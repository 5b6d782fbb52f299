/* outbuf.h: a growing output buffer drained into a sink (a file descriptor or a callback per line), with fast number and text writers. */
#ifndef CT_OUTBUF_H
#define CT_OUTBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CT_OUT_CHUNK (256 * 1024) /* a descriptor sink is written once this much is pending */

/* A complete line (no newline, not NUL-terminated), for a per-line sink. */
typedef void (*ct_out_line_fn)(const char *line, size_t len, void *ud);

struct ct_out {
	char *p;              /* pending output (p[len] is not a NUL) */
	size_t len, cap;
	int oom;              /* output was lost for lack of memory */
	int fd;               /* sink: written in large chunks; -1 = none (the caller reads p) */
	ct_out_line_fn line_fn; /* sink: called per complete line at each flush */
	void *line_ud;
	int write_error;      /* errno of a failed write (EPIPE...) */
};

/* A descriptor sink (fd -1: nothing is written, the caller reads o->p and resets o->len). */
void ct_out_init(struct ct_out *o, int fd);
/* A memory buffer without a sink, nothing allocated before the first write (the caller reads
 * o->p and o->len, and frees o->p or calls ct_out_fini). */
void ct_out_init_buf(struct ct_out *o);
/* A per-line sink: every flush hands the complete lines to fn; a partial line waits. */
void ct_out_init_lines(struct ct_out *o, ct_out_line_fn fn, void *ud);
/* Flushes (force) and frees the buffer. */
void ct_out_fini(struct ct_out *o);
/* Descriptor sink: writes what is pending when force or past CT_OUT_CHUNK; line sink: hands
 * over the complete lines. */
void ct_out_flush(struct ct_out *o, int force);
/* Makes room for n more bytes: 0, or -1 (o->oom set) when out of memory. */
int ct_out_grow(struct ct_out *o, size_t n);

/* Appenders (inline: the per-packet hot path). */
static inline void ct_out_put(struct ct_out *o, const char *s, size_t n)
{
	if (o->cap - o->len < n && ct_out_grow(o, n) != 0)
		return;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}
static inline void ct_out_putc(struct ct_out *o, char c)
{
	if (o->cap == o->len && ct_out_grow(o, 1) != 0)
		return;
	o->p[o->len++] = c;
}
static inline void ct_out_puts(struct ct_out *o, const char *s)
{
	ct_out_put(o, s, strlen(s));
}
/* Decimal digits without printf. */
void ct_out_u64(struct ct_out *o, uint64_t v);
void ct_out_i64(struct ct_out *o, int64_t v);
/* "0x" and the lowest width hex digits of v (width 1-8). */
void ct_out_hex(struct ct_out *o, uint32_t v, int width);
/* A number with a fixed count of decimals (non-finite prints null). */
void ct_out_fixed(struct ct_out *o, double v, int decimals);
/* How many leading bytes of s ct_out_text() and ct_out_escaped() copy as they are (printable ASCII
 * but '"' and '\\', valid UTF-8 beyond ASCII): n when s needs no escaping at all. */
size_t ct_out_plain_len(const char *s, size_t n);
/* 1 when all n bytes are printable ASCII that ct_out_text() and ct_out_escaped() copy as they are
 * (no '"', no '\\'), else 0. */
int ct_out_plain_ascii(const char *s, size_t n);
/* Text: printable UTF-8 as is, controls and invalid bytes escaped (\n, \t, \xNN). */
void ct_out_text(struct ct_out *o, const char *s, size_t n);
/* The escaping of ct_out_text (json = 0) or of a JSON string's inside (json = 1: '"' and '\\'
 * escaped, controls as \u00NN, invalid UTF-8 bytes as the text "\xNN"). */
void ct_out_escaped(struct ct_out *o, const char *s, size_t n, int json);

#endif
