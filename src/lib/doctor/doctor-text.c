/* doctor-text.c: the text layout of `camtrace doctor`: word wrap by display width (textw.c) with a hanging indent. */
#include "config.h"
#include <string.h>
#include "doctor-text.h"
#include "textw.h"

void ct_doc_wrap(struct ct_sbuf *out, const char *text, const char *first, const char *rest, unsigned width)
{
	unsigned indent = ct_textw(rest, strlen(rest)), col;
	const char *p = text;

	ct_sbuf_adds(out, first);
	col = ct_textw(first, strlen(first));
	for (; *p == ' '; p++, col++)
		ct_sbuf_addc(out, ' '); /* the text's own indent stays */
	for (int start = 1; *p; start = 0) {
		const char *e = p;
		unsigned w;
		while (*e && *e != ' ')
			e++;
		w = ct_textw(p, (size_t)(e - p));
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
