/* textw.c: display width of UTF-8 text and fitting it into a column by width (for tables with Japanese names). */
#include "config.h"
#include <string.h>
#include "textw.h"

uint32_t ct_textw_next(const char *s, size_t n, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c = u[0];
	size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;

	if (k == 0 || k > n) {
		*len = 1;
		return 0xfffd;
	}
	c = k == 1 ? c : k == 2 ? c & 0x1f : k == 3 ? c & 0x0f : c & 0x07;
	for (size_t i = 1; i < k; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*len = i;
			return 0xfffd;
		}
		c = (c << 6) | (u[i] & 0x3f);
	}
	*len = k;
	/* overlong forms and surrogates are not characters */
	if ((k == 2 && c < 0x80) || (k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0xfffd;
	return c;
}

unsigned ct_textw_cp(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7f && c < 0xa0))
		return 0;
	if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) || (c >= 0xfe00 && c <= 0xfe0f) ||
	    (c >= 0x3099 && c <= 0x309a))
		return 0; /* combining marks, zero-width spaces, variation selectors, kana voicing marks */
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) || (c >= 0x3041 && c <= 0x33ff) ||
	    (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
	    (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2; /* East Asian Wide and Fullwidth */
	return 1;
}

/* bytes of a colour sequence at s (ESC [ ... final byte), 0 when there is none */
static size_t csi_len(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || s[0] != 0x1b || s[1] != '[')
		return 0;
	for (i = 2; i < n && s[i] && !(s[i] >= 0x40 && s[i] <= 0x7e); i++)
		;
	return i + (i < n && s[i]);
}

unsigned ct_textw(const char *s, size_t n)
{
	unsigned w = 0;
	size_t i = 0, l;

	while (i < n && s[i]) {
		if ((l = csi_len(s + i, n - i)) > 0) {
			i += l;
			continue;
		}
		w += ct_textw_cp(ct_textw_next(s + i, n - i, &l));
		i += l;
	}
	return w;
}

unsigned ct_textw_fit(struct ct_sbuf *out, const char *s, unsigned width, unsigned flags)
{
	size_t n = s ? strlen(s) : 0, i = 0, l;
	unsigned total = 0, col = 0, pad;
	struct ct_sbuf cell;

	/* the width of the text as it will be shown: controls as '?' (1), bad bytes as U+FFFD (1) */
	for (i = 0; i < n; i += l) {
		uint32_t c = ct_textw_next(s + i, n - i, &l);
		total += c < 0x20 || (c >= 0x7f && c < 0xa0) ? 1 : ct_textw_cp(c);
	}
	ct_sbuf_init(&cell);
	for (i = 0; i < n; i += l) {
		uint32_t c = ct_textw_next(s + i, n - i, &l);
		int ctl = c < 0x20 || (c >= 0x7f && c < 0xa0);
		unsigned w = ctl ? 1 : ct_textw_cp(c);
		/* room for this character, and for the ellipsis when the text does not fit */
		if (col + w > width || (total > width && col + w > width - 1))
			break;
		if (ctl)
			ct_sbuf_addc(&cell, '?');
		else if (c == 0xfffd)
			ct_sbuf_adds(&cell, "\xef\xbf\xbd");
		else
			ct_sbuf_add(&cell, s + i, l);
		col += w;
	}
	if (i < n && width > 0) {
		ct_sbuf_adds(&cell, "\xe2\x80\xa6"); /* … */
		col++;
	}
	pad = width > col && !(flags & CT_TEXTW_NOPAD) ? width - col : 0;
	if (flags & CT_TEXTW_RIGHT)
		for (unsigned k = 0; k < pad; k++)
			ct_sbuf_addc(out, ' ');
	if (cell.len)
		ct_sbuf_add(out, cell.p, cell.len);
	if (!(flags & CT_TEXTW_RIGHT))
		for (unsigned k = 0; k < pad; k++)
			ct_sbuf_addc(out, ' ');
	ct_sbuf_fini(&cell);
	return col + pad;
}
