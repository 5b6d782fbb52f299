/* util.h: small checked helpers: number parsing, bounded copies, hex dumps. */
#ifndef CT_UTIL_H
#define CT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "err.h"

#define CT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The decimal case of ct_parse_u64 for 1 to 19 digits (s non-NULL), inline: the decoders read two or
 * three numbers a datagram. */
static inline int ct_parse_dec(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

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

/* Parse a whole string as an unsigned number in base (10 or 16); CT_EFORMAT / CT_ERANGE. */
int ct_parse_u64(const char *s, size_t n, int base, uint64_t max, uint64_t *out);
static inline int ct_parse_u32(const char *s, size_t n, int base, uint32_t *out)
{
	uint64_t v;
	int r = base == 10 && s && n && n <= 19 ? ct_parse_dec(s, n, UINT32_MAX, &v) : ct_parse_u64(s, n, base, UINT32_MAX, &v);

	if (r == 0)
		*out = (uint32_t)v;
	return r;
}
/* Copies at most dstlen-1 bytes and terminates; returns strlen(src). */
size_t ct_strlcpy(char *dst, const char *src, size_t dstlen);
/* Duplicates n bytes into a fresh NUL-terminated string, or NULL. */
char *ct_strndup(const char *s, size_t n);
/* Writes a C-style escaped rendering of n bytes (\a \b \0 \xNN) into out (NUL-terminated). */
size_t ct_escape_bytes(const void *data, size_t n, char *out, size_t outlen);

#endif
