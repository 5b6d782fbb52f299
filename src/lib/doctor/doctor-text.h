/* doctor-text.h: the text layout of `camtrace doctor`: word wrap by display width (textw.h) with a hanging indent. */
#ifndef CT_DOCTOR_TEXT_H
#define CT_DOCTOR_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"

/* Appends text word-wrapped to width columns: the first line starts with `first`, the others
 * with `rest` (the hanging indent); a word wider than a line stands alone. Ends with a newline. */
void ct_doc_wrap(struct ct_sbuf *out, const char *text, const char *first, const char *rest, unsigned width);

#endif
