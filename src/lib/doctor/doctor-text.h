/* doctor-text.h: the text layout of `camtrace doctor`: display width of UTF-8 (East Asian wide = 2 columns) and word wrap with a hanging indent. */
#ifndef CT_DOCTOR_TEXT_H
#define CT_DOCTOR_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"

/* Terminal columns of one code point (0 control/combining, 2 East Asian wide/fullwidth, else 1). */
unsigned ct_doc_cp_width(uint32_t c);
/* Terminal columns of the first n bytes of UTF-8 text (stops at a NUL; bad bytes count 1; colour
 * sequences ESC [ ... count 0). */
unsigned ct_doc_text_width(const char *s, size_t n);
/* Appends text word-wrapped to width columns: the first line starts with `first`, the others
 * with `rest` (the hanging indent); a word wider than a line stands alone. Ends with a newline. */
void ct_doc_wrap(struct ct_sbuf *out, const char *text, const char *first, const char *rest, unsigned width);

#endif
