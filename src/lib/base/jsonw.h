/* jsonw.h: a streaming JSON writer on a struct ct_out: strings, keys and values written straight into the output, no tree. */
#ifndef CT_JSONW_H
#define CT_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "outbuf.h"

/* A quoted JSON string (invalid UTF-8 bytes become the text "\xNN", like json.h). */
void ct_jw_str(struct ct_out *o, const char *s, size_t n);

/* ,"key": (the comma unless first); inline so that a literal key's length is known at compile time. */
static inline void ct_jw_key(struct ct_out *o, const char *key, int first)
{
	size_t k = strlen(key);
	char *p;

	if (o->cap - o->len < k + 4 && ct_out_grow(o, k + 4) != 0)
		return;
	p = o->p + o->len;
	if (!first)
		*p++ = ',';
	*p++ = '"';
	memcpy(p, key, k);
	p += k;
	*p++ = '"';
	*p++ = ':';
	o->len = (size_t)(p - o->p);
}

/* ,"key":value members (never the first member of an object). */
void ct_jw_kstr(struct ct_out *o, const char *key, const char *v);
void ct_jw_kint(struct ct_out *o, const char *key, int64_t v);
void ct_jw_kbool(struct ct_out *o, const char *key, int v);
/* ,"key":1.234 with a fixed count of decimals (null when not finite). */
void ct_jw_kfixed(struct ct_out *o, const char *key, double v, int decimals);

#endif
