/* sbuf.h: a growable byte buffer that stays NUL-terminated and remembers allocation failure. */
#ifndef CT_SBUF_H
#define CT_SBUF_H

#include <stddef.h>
#include <stdarg.h>
#include <string.h>

struct ct_sbuf {
	char *p;     /* data, always NUL-terminated when non-NULL */
	size_t len;  /* bytes used, excluding the terminator */
	size_t cap;  /* bytes allocated */
	int err;     /* sticky CT_ENOMEM */
};

void ct_sbuf_init(struct ct_sbuf *b);
void ct_sbuf_fini(struct ct_sbuf *b);
/* Empties the buffer, keeping its memory (and clearing a sticky error). An empty buffer is left
 * untouched (p[0] is already the terminator): the decoder resets six a packet, mostly empty. */
static inline void ct_sbuf_reset(struct ct_sbuf *b)
{
	if (b->len) {
		b->len = 0;
		b->p[0] = '\0';
	}
	b->err = 0;
}
int ct_sbuf_reserve(struct ct_sbuf *b, size_t extra);
/* The out-of-line part of ct_sbuf_add: grows the buffer (or reports the sticky error). */
int ct_sbuf_add_slow(struct ct_sbuf *b, const void *data, size_t n);
/* Appends n bytes (inline: the decoder's per-packet path appends a few short names). */
static inline int ct_sbuf_add(struct ct_sbuf *b, const void *data, size_t n)
{
	if (b->err || n >= b->cap - b->len)
		return ct_sbuf_add_slow(b, data, n);
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}
static inline int ct_sbuf_addc(struct ct_sbuf *b, char c)
{
	return ct_sbuf_add(b, &c, 1);
}
int ct_sbuf_adds(struct ct_sbuf *b, const char *s);
int ct_sbuf_printf(struct ct_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ct_sbuf_vprintf(struct ct_sbuf *b, const char *fmt, va_list ap);
/* Hands the buffer to the caller (must free()); the sbuf is left empty. */
char *ct_sbuf_steal(struct ct_sbuf *b, size_t *len);

#endif
