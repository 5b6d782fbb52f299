/* textw.h: display width of UTF-8 text (East Asian wide = 2 columns) and fitting text into a column: cut with an ellipsis, never mid-character, padded by width. */
#ifndef CT_TEXTW_H
#define CT_TEXTW_H

#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"

/* One UTF-8 sequence at s (at most n bytes): its code point (0xfffd for a bad or cut sequence)
 * and its length in bytes (at least 1). n must be at least 1. */
uint32_t ct_textw_next(const char *s, size_t n, size_t *len);
/* Columns one code point takes: 0 for controls, combining marks and zero-width characters,
 * 2 for East Asian Wide and Fullwidth, 1 otherwise. */
unsigned ct_textw_cp(uint32_t c);
/* Columns the first n bytes of s take (stopping at a NUL); colour sequences (ESC [ ... final
 * byte) take none. */
unsigned ct_textw(const char *s, size_t n);

#define CT_TEXTW_RIGHT 0x1 /* pad on the left (numbers) */
#define CT_TEXTW_NOPAD 0x2 /* cut when too wide, never pad (the last column) */
/* Appends s to out in exactly width columns: padded with spaces when narrower; when wider, cut
 * at a character boundary and ended with an ellipsis (U+2026, one column), plus one space
 * when a wide character would straddle the edge. Bad UTF-8 bytes are shown as U+FFFD and
 * control characters as '?', so a name cannot move the cursor. Returns the columns written. */
unsigned ct_textw_fit(struct ct_sbuf *out, const char *s, unsigned width, unsigned flags);

#endif
