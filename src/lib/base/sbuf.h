/* sbuf.h: a growable byte buffer that stays NUL-terminated and remembers allocation failure. */
#ifndef CT_SBUF_H
#define CT_SBUF_H

#include <stddef.h>
#include <stdarg.h>

struct ct_sbuf {
	char *p;     /* data, always NUL-terminated when non-NULL */
	size_t len;  /* bytes used, excluding the terminator */
	size_t cap;  /* bytes allocated */
	int err;     /* sticky CT_ENOMEM */
};

void ct_sbuf_init(struct ct_sbuf *b);
void ct_sbuf_fini(struct ct_sbuf *b);
void ct_sbuf_reset(struct ct_sbuf *b);
int ct_sbuf_reserve(struct ct_sbuf *b, size_t extra);
int ct_sbuf_add(struct ct_sbuf *b, const void *data, size_t n);
int ct_sbuf_adds(struct ct_sbuf *b, const char *s);
int ct_sbuf_addc(struct ct_sbuf *b, char c);
int ct_sbuf_printf(struct ct_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ct_sbuf_vprintf(struct ct_sbuf *b, const char *fmt, va_list ap);
/* Hands the buffer to the caller (must free()); the sbuf is left empty. */
char *ct_sbuf_steal(struct ct_sbuf *b, size_t *len);

#endif
