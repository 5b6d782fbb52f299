/* util.c: checked number parsing and string helpers. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "util.h"

static int digit_val(int c, int base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? v : -1;
}

int ct_parse_u64(const char *s, size_t n, int base, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || n == 0)
		return CT_EFORMAT;
	if (base == 10 && n <= 19)
		return ct_parse_dec(s, n, max, out);
	for (size_t i = 0; i < n; i++) {
		int d = digit_val((unsigned char)s[i], base);
		if (d < 0)
			return CT_EFORMAT;
		/* no division per digit: this runs for every number of every datagram */
		if (__builtin_mul_overflow(v, (uint64_t)base, &v) || __builtin_add_overflow(v, (uint64_t)d, &v) || v > max)
			return CT_ERANGE;
	}
	*out = v;
	return 0;
}

size_t ct_strlcpy(char *dst, const char *src, size_t dstlen)
{
	size_t n = strlen(src);

	if (dstlen) {
		size_t c = n < dstlen - 1 ? n : dstlen - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

char *ct_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t ct_escape_bytes(const void *data, size_t n, char *out, size_t outlen)
{
	const unsigned char *p = data;
	size_t o = 0;

	if (!outlen)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char tmp[5];
		const char *e = tmp;
		unsigned c = p[i];

		switch (c) {
		case '\0': e = "\\0"; break;
		case '\a': e = "\\a"; break;
		case '\b': e = "\\b"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\\': e = "\\\\"; break;
		default:
			if (c < 0x20 || c == 0x7f)
				snprintf(tmp, sizeof tmp, "\\x%02x", c);
			else {
				tmp[0] = (char)c;
				tmp[1] = '\0';
			}
		}
		size_t el = strlen(e);
		if (o + el >= outlen)
			break;
		memcpy(out + o, e, el);
		o += el;
	}
	out[o] = '\0';
	return o;
}
