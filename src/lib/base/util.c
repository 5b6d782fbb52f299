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
	if (base == 10 && n <= 19) {
		/* the common case, one compare a digit: 19 digits cannot overflow 64 bits, and the
		 * errors come in the same order (a non-digit, or past max, whichever is first) */
		size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		/* eight digits a step (packet numbers have ten): all digits, or the loop below sees
		 * the chunk; v only grows, so past max after the chunk is past max within it */
		for (; i + 8 <= n; i += 8) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			w -= 0x3030303030303030ull;
			if ((w | (w + 0x7676767676767676ull)) & 0x8080808080808080ull)
				break;
			w = (w * 10 + (w >> 8)) & 0x00FF00FF00FF00FFull;
			w = (w * 100 + (w >> 16)) & 0x0000FFFF0000FFFFull;
			w = (w * 10000 + (w >> 32)) & 0xFFFFFFFFull;
			v = v * 100000000u + w;
			if (v > max)
				return CT_ERANGE;
		}
		if (i + 4 <= n) { /* four more (command words have seven or eight digits) */
			uint32_t w;
			memcpy(&w, s + i, 4);
			w -= 0x30303030u;
			if (!((w | (w + 0x76767676u)) & 0x80808080u)) {
				w = (w * 10 + (w >> 8)) & 0x00FF00FFu;
				w = (w * 100 + (w >> 16)) & 0x0000FFFFu;
				v = v * 10000u + w;
				if (v > max)
					return CT_ERANGE;
				i += 4;
			}
		}
#endif
		for (; i < n; i++) {
			unsigned d = (unsigned)(unsigned char)s[i] - '0';
			if (d > 9)
				return CT_EFORMAT;
			v = v * 10 + d;
			if (v > max)
				return CT_ERANGE;
		}
		*out = v;
		return 0;
	}
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

int ct_parse_u32(const char *s, size_t n, int base, uint32_t *out)
{
	uint64_t v;
	int r = ct_parse_u64(s, n, base, UINT32_MAX, &v);

	if (r == 0)
		*out = (uint32_t)v;
	return r;
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
