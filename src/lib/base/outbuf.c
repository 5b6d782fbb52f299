/* outbuf.c: a growing output buffer drained into a sink (a file descriptor or a callback per line), with fast number and text writers. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "json.h"
#include "outbuf.h"

void ct_out_init(struct ct_out *o, int fd)
{
	memset(o, 0, sizeof *o);
	ct_out_grow(o, CT_OUT_CHUNK + 65536);
	o->fd = fd;
}

void ct_out_init_buf(struct ct_out *o)
{
	memset(o, 0, sizeof *o);
	o->fd = -1;
}

void ct_out_init_lines(struct ct_out *o, ct_out_line_fn fn, void *ud)
{
	ct_out_init(o, -1);
	o->line_fn = fn;
	o->line_ud = ud;
}

void ct_out_fini(struct ct_out *o)
{
	ct_out_flush(o, 1);
	free(o->p);
	o->p = NULL;
	o->len = o->cap = 0;
}

/* Hands every complete line to the callback (without its newline); a partial line stays. */
static void flush_lines(struct ct_out *o)
{
	size_t off = 0;
	const char *nl;

	while (off < o->len && (nl = memchr(o->p + off, '\n', o->len - off)) != NULL) {
		o->line_fn(o->p + off, (size_t)(nl - (o->p + off)), o->line_ud);
		off = (size_t)(nl - o->p) + 1;
	}
	memmove(o->p, o->p + off, o->len - off);
	o->len -= off;
}

void ct_out_flush(struct ct_out *o, int force)
{
	size_t off = 0;

	if (o->line_fn) {
		flush_lines(o);
		return;
	}
	if (o->fd < 0 || (!force && o->len < CT_OUT_CHUNK))
		return; /* no descriptor: the caller reads the buffer (tests, fuzzing) */
	while (off < o->len && !o->write_error) {
		ssize_t w = write(o->fd, o->p + off, o->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			o->write_error = errno;
			break;
		}
		off += (size_t)w;
	}
	o->len = 0;
}

int ct_out_grow(struct ct_out *o, size_t n)
{
	size_t ncap = o->cap ? o->cap : 4096;
	char *np;

	if (o->oom)
		return -1;
	while (ncap - o->len < n)
		ncap *= 2;
	if (!(np = realloc(o->p, ncap))) {
		o->oom = 1;
		return -1;
	}
	o->p = np;
	o->cap = ncap;
	return 0;
}

void ct_out_u64(struct ct_out *o, uint64_t v)
{
	static const char d2[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	static const uint64_t p10[20] = { 1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
		10000000ull, 100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull };
	/* the digit count from the bit length (1233 / 4096 ~ log10(2)), one compare to correct it */
	unsigned t;
	size_t n;
	char *p;

	if (v < 10) { /* flags, counts, versions: one digit */
		ct_out_putc(o, (char)('0' + v));
		return;
	}
	t = ((64u - (unsigned)__builtin_clzll(v)) * 1233u) >> 12;
	n = t + 1 - (v < p10[t]);

	/* digits written in place, right to left: no staging copy */
	if (o->cap - o->len < n && ct_out_grow(o, n) != 0)
		return;
	p = o->p + o->len + n;
	o->len += n;
	while (v > UINT32_MAX) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		p -= 2;
		p[0] = d2[2 * r];
		p[1] = d2[2 * r + 1];
	}
	for (uint32_t w = (uint32_t)v; w >= 100;) { /* 32-bit divisions: cheaper, and most numbers fit */
		unsigned r = w % 100;
		w /= 100;
		v = w;
		p -= 2;
		p[0] = d2[2 * r];
		p[1] = d2[2 * r + 1];
	}
	if (v >= 10) {
		p[-2] = d2[2 * v];
		p[-1] = d2[2 * v + 1];
	} else {
		p[-1] = (char)('0' + v);
	}
}

void ct_out_i64(struct ct_out *o, int64_t v)
{
	if (v < 0) {
		ct_out_putc(o, '-');
		ct_out_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		ct_out_u64(o, (uint64_t)v);
	}
}

void ct_out_hex(struct ct_out *o, uint32_t v, int width)
{
	static const char hx[] = "0123456789abcdef";
	char t[8];

	for (int i = 7; i >= 0; i--) {
		t[i] = hx[v & 15];
		v >>= 4;
	}
	ct_out_put(o, "0x", 2);
	ct_out_put(o, t + 8 - width, (size_t)width);
}

void ct_out_fixed(struct ct_out *o, double v, int decimals)
{
	char t[48];
	int n;

	if (isfinite(v) && v >= 0 && v < 1e12 && decimals >= 0 && decimals <= 6) {
		/* the common case without printf: integer part, then rounded decimals */
		static const uint64_t p10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
		uint64_t scaled = (uint64_t)(v * (double)p10[decimals] + 0.5), ip, fp;
		if (decimals == 3) { /* milliseconds (latencies): a constant divisor, no divide instruction */
			ip = scaled / 1000;
			fp = scaled % 1000;
		} else {
			ip = scaled / p10[decimals];
			fp = scaled % p10[decimals];
		}
		ct_out_u64(o, ip);
		if (decimals) {
			ct_out_putc(o, '.');
			for (int i = decimals - 1; i >= 0; i--) {
				t[i] = (char)('0' + fp % 10);
				fp /= 10;
			}
			ct_out_put(o, t, (size_t)decimals);
		}
		return;
	}
	if (!isfinite(v)) {
		ct_out_put(o, "null", 4);
		return;
	}
	n = snprintf(t, sizeof t, "%.*f", decimals, v);
	if (n > 0)
		ct_out_put(o, t, (size_t)n < sizeof t ? (size_t)n : sizeof t - 1);
}

/* Length of a valid UTF-8 sequence at s (n bytes left, s[0] >= 0x80), 0 if invalid (json.h does the
 * checking). The lead byte says the only length that can be valid: one check, not three. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t l = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;

	return l <= n && ct_utf8_valid((const char *)s, l) ? l : 0;
}

/* True if one of the 8 bytes in w is not plain (below 0x20, 0x7F and up, '"' or '\\'): exact
 * (a carry only starts at a byte that is itself not plain). */
static inline int word_special(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');

	return (((w - ones * 0x20) & ~w) | ((w + ones) | w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high ? 1 : 0;
}

static void put_esc(struct ct_out *o, unsigned char c, int json)
{
	static const char hx[] = "0123456789abcdef";
	char t[7] = { '\\', 'x', hx[c >> 4], hx[c & 15] };

	if (json) {
		/* the four characters \xNN, spelled with an escaped backslash */
		ct_out_put(o, "\\\\x", 3);
		ct_out_put(o, t + 2, 2);
		return;
	}
	ct_out_put(o, t, 4);
}

/* Bytes copied as they are: printable ASCII other than '"' and '\\'. */
static const unsigned char plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5B] = 1, [0x5D ... 0x7E] = 1,
};

size_t ct_out_plain_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l;
	uint64_t w;

	while (i < n) {
		/* eight plain bytes at a time: names and keys are mostly plain */
		while (n - i >= 8 && (memcpy(&w, p + i, 8), !word_special(w)))
			i += 8;
		if (i >= n)
			break;
		if (plain[p[i]])
			i++;
		else if (p[i] >= 0x80 && (l = utf8_len(p + i, n - i)) > 0)
			i += l;
		else
			break;
	}
	return i;
}

int ct_out_plain_ascii(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned ok = 1;
	uint64_t w;

	if (n >= 8) { /* whole words, the last one overlapping; a word that may hold a special byte is looked at */
		size_t i = 0;
		for (; i + 8 <= n; i += 8)
			if (memcpy(&w, p + i, 8), word_special(w))
				goto bytes;
		if (i == n || (memcpy(&w, p + n - 8, 8), !word_special(w)))
			return 1;
	}
bytes:
	for (size_t i = 0; i < n; i++)
		ok &= plain[p[i]]; /* no branch a byte */
	return (int)ok;
}

void ct_out_escaped(struct ct_out *o, const char *s, size_t n, int json)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t run = ct_out_plain_len(s + i, n - i);
		unsigned char c;
		ct_out_put(o, s + i, run);
		i += run;
		if (i >= n)
			break;
		c = p[i];
		if (c == '"' || c == '\\') {
			if (json) {
				ct_out_putc(o, '\\');
				ct_out_putc(o, (char)c);
			} else if (c == '"') {
				ct_out_put(o, "\\\"", 2);
			} else {
				ct_out_put(o, "\\\\", 2);
			}
		} else if (c == '\n') {
			ct_out_put(o, "\\n", 2);
		} else if (c == '\t') {
			ct_out_put(o, "\\t", 2);
		} else if (c == '\r') {
			ct_out_put(o, "\\r", 2);
		} else if (json && c < 0x20) {
			char t[8];
			snprintf(t, sizeof t, "\\u%04x", c);
			ct_out_put(o, t, 6);
		} else {
			put_esc(o, c, json);
		}
		i++;
	}
}

void ct_out_text(struct ct_out *o, const char *s, size_t n)
{
	ct_out_escaped(o, s, n, 0);
}
