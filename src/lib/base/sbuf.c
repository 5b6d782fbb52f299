/* sbuf.c: growable NUL-terminated byte buffer. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "sbuf.h"

void ct_sbuf_init(struct ct_sbuf *b) { memset(b, 0, sizeof *b); }

void ct_sbuf_fini(struct ct_sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

int ct_sbuf_reserve(struct ct_sbuf *b, size_t extra)
{
	size_t need, ncap;
	char *np;

	if (b->err)
		return b->err;
	if (extra > ((size_t)-1) / 2 - b->len)
		return b->err = CT_ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	np = realloc(b->p, ncap);
	if (!np)
		return b->err = CT_ENOMEM;
	b->p = np;
	b->cap = ncap;
	np[b->len] = '\0'; /* NUL-terminated from the first allocation on, even before an add */
	return 0;
}

int ct_sbuf_add_slow(struct ct_sbuf *b, const void *data, size_t n)
{
	int r;

	if ((r = ct_sbuf_reserve(b, n)) != 0)
		return r;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int ct_sbuf_adds(struct ct_sbuf *b, const char *s) { return ct_sbuf_add(b, s, strlen(s)); }

int ct_sbuf_vprintf(struct ct_sbuf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n, r;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return CT_EINVAL;
	if ((r = ct_sbuf_reserve(b, (size_t)n)) != 0)
		return r;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int ct_sbuf_printf(struct ct_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = ct_sbuf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

char *ct_sbuf_steal(struct ct_sbuf *b, size_t *len)
{
	char *p = b->p;

	if (!p && !b->err) {
		p = calloc(1, 1);
	}
	if (len)
		*len = b->len;
	memset(b, 0, sizeof *b);
	return p;
}
