/* t-textw.c: display width of UTF-8 (Japanese names take two columns) and fitting text into a column by width. */
#include "config.h"
#include <string.h>
#include "tap.h"
#include "sbuf.h"
#include "textw.h"

/* the cell fit() makes, as a string (static: one at a time) */
static const char *fit(const char *s, unsigned width, unsigned flags, unsigned *cols)
{
	static char res[256];
	struct ct_sbuf b;
	unsigned c;

	ct_sbuf_init(&b);
	c = ct_textw_fit(&b, s, width, flags);
	snprintf(res, sizeof res, "%s", b.p ? b.p : "");
	ct_sbuf_fini(&b);
	if (cols)
		*cols = c;
	return res;
}

int main(void)
{
	unsigned cols;
	size_t l;

	is_int(ct_textw("abc", 3), 3, "ASCII: one column each");
	is_int(ct_textw("太郎", 6), 4, "太郎: two columns each");
	is_int(ct_textw("ｶﾀｶﾅ", 12), 4, "halfwidth katakana: one column each");
	is_int(ct_textw("営業部 team", strlen("営業部 team")), 11, "mixed: 6 + 5");
	is_int(ct_textw("\x1b[31mred\x1b[0m", 12), 3, "colour sequences take no column");
	is_int(ct_textw("か\xe3\x82\x99", 6), 2, "a combining voicing mark takes none");
	is_int(ct_textw("ab", 1), 1, "n bytes only");
	is_int((int)ct_textw_next("\xe5\xa4", 2, &l), 0xfffd, "a cut sequence is U+FFFD");
	is_int((int)l, 1, "... one byte consumed");
	is_int((int)ct_textw_next("\xc0\xaf", 2, &l), 0xfffd, "an overlong '/' is U+FFFD");
	is_int((int)ct_textw_next("\xed\xa0\x80", 3, &l), 0xfffd, "a surrogate is U+FFFD");

	is_str(fit("abc", 6, 0, &cols), "abc   ", "padded to 6 columns");
	is_int(cols, 6, "6 columns written");
	is_str(fit("太郎", 6, 0, &cols), "太郎  ", "太郎 padded by width (2 spaces), not by bytes");
	is_str(fit("42", 5, CT_TEXTW_RIGHT, NULL), "   42", "right-aligned");
	is_str(fit("abcdefgh", 5, 0, &cols), "abcd…", "cut: 4 characters and an ellipsis");
	is_int(cols, 5, "... exactly 5 columns");
	is_str(fit("営業部第二課", 7, 0, &cols), "営業部…", "wide cut: 3 characters (6 columns) and the ellipsis");
	is_int(cols, 7, "... 7 columns");
	is_str(fit("営業部第二課", 6, 0, &cols), "営業… ", "a wide character never straddles the edge: a space fills");
	is_int(cols, 6, "... 6 columns");
	is_str(fit("営業部第二課", 6, CT_TEXTW_NOPAD, &cols), "営業…", "the last column is not padded");
	is_int(cols, 5, "... 5 columns");
	is_str(fit("abc", 3, 0, NULL), "abc", "exactly fits: no ellipsis");
	is_str(fit("abcd", 1, 0, NULL), "…", "width 1: the ellipsis alone");
	is_str(fit("abcd", 0, 0, &cols), "", "width 0: nothing");
	is_int(cols, 0, "... 0 columns");
	is_str(fit("a\x1b[2Jb\n", 7, 0, NULL), "a?[2Jb?", "controls shown as '?': a name cannot move the cursor");
	is_str(fit("a\xff" "b", 4, 0, NULL), "a\xef\xbf\xbd" "b ", "a bad byte shown as U+FFFD, one column");
	is_str(fit(NULL, 3, 0, NULL), "   ", "NULL is empty");
	return tap_done();
}
