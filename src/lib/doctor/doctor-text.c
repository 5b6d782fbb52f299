/* doctor-text.c: the text layout of `camtrace doctor`: display width of UTF-8 (East Asian wide = 2 columns) and word wrap with a hanging indent. */
#include "config.h"
#include <string.h>
#include "doctor-text.h"

/* One UTF-8 sequence at s: its code point (0xfffd for a bad byte) and length. */
static uint32_t next_cp(const unsigned char *s, size_t *len)
{
	uint32_t c = s[0];
	size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;

	if (n == 0) {
		*len = 1;
		return 0xfffd;
	}
	c = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*len = i;
			return 0xfffd;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*len = n;
	return c;
}

unsigned ct_doc_cp_width(uint32_t c)
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

unsigned ct_doc_text_width(const char *s, size_t n)
{
	unsigned w = 0;
	size_t i = 0, l;

	while (i < n && s[i]) {
		if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '[') {
			/* a colour sequence (CSI ... final byte) takes no column */
			for (i += 2; i < n && s[i] && !(s[i] >= 0x40 && s[i] <= 0x7e); i++)
				;
			i += i < n && s[i];
			continue;
		}
		w += ct_doc_cp_width(next_cp((const unsigned char *)s + i, &l));
		i += l;
	}
	return w;
}

void ct_doc_wrap(struct ct_sbuf *out, const char *text, const char *first, const char *rest, unsigned width)
{
	unsigned indent = ct_doc_text_width(rest, strlen(rest)), col;
	const char *p = text;

	ct_sbuf_adds(out, first);
	col = ct_doc_text_width(first, strlen(first));
	for (; *p == ' '; p++, col++)
		ct_sbuf_addc(out, ' '); /* the text's own indent stays */
	for (int start = 1; *p; start = 0) {
		const char *e = p;
		unsigned w;
		while (*e && *e != ' ')
			e++;
		w = ct_doc_text_width(p, (size_t)(e - p));
		/* a word that does not fit goes to the next line (unless the line holds nothing yet) */
		if (!start && col + 1 + w > width && col > indent + 1) {
			ct_sbuf_addc(out, '\n');
			ct_sbuf_adds(out, rest);
			col = indent;
		} else if (!start) {
			ct_sbuf_addc(out, ' ');
			col++;
		}
		ct_sbuf_add(out, p, (size_t)(e - p));
		col += w;
		p = e;
		while (*p == ' ')
			p++;
	}
	ct_sbuf_addc(out, '\n');
}
