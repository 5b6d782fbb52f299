/* t-charset.c: unit tests for charset.c: CP932 <-> UTF-8 round trips, escaping of bad bytes, rules. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "ipmsg-fixtures.h"
#include "charset.h"
#include "codec.h"
#include "err.h"
#include "sbuf.h"

static void roundtrip(const char *u8, size_t u8len, const char *sj, size_t sjlen, const char *what)
{
	struct ct_sbuf b;
	enum ct_charset used = CT_CS_UTF8;

	ct_sbuf_init(&b);
	is_int(ct_charset_encode(CT_CS_CP932, u8, u8len, &b, CT_CHARSET_STRICT), 0, "%s: encode to CP932", what);
	is_mem(b.p, b.len, sj, sjlen, "%s: CP932 bytes", what);
	ct_sbuf_reset(&b);
	is_int(ct_charset_decode(CT_CS_CP932, sj, sjlen, &b, &used), 0, "%s: decode CP932", what);
	is_mem(b.p, b.len, u8, u8len, "%s: back to UTF-8", what);
	is_int(used, CT_CS_CP932, "%s: CP932 used", what);
	ct_sbuf_reset(&b);
	is_int(ct_charset_decode(CT_CS_AUTO, sj, sjlen, &b, &used), 0, "%s: auto-decode CP932", what);
	is_int(used, CT_CS_CP932, "%s: auto picks CP932 for CP932 bytes", what);
	is_mem(b.p, b.len, u8, u8len, "%s: auto result", what);
	ct_sbuf_reset(&b);
	is_int(ct_charset_decode(CT_CS_AUTO, u8, u8len, &b, &used), 0, "%s: auto-decode UTF-8", what);
	is_int(used, CT_CS_UTF8, "%s: auto picks UTF-8 for UTF-8 bytes", what);
	is_mem(b.p, b.len, u8, u8len, "%s: UTF-8 unchanged", what);
	ct_sbuf_reset(&b);
	is_int(ct_charset_encode(CT_CS_UTF8, u8, u8len, &b, CT_CHARSET_STRICT), 0, "%s: UTF-8 to UTF-8", what);
	is_mem(b.p, b.len, u8, u8len, "%s: UTF-8 passthrough", what);
	ct_sbuf_fini(&b);
}

int main(void)
{
	struct ct_sbuf b;
	char *s;
	enum ct_charset cs;

	roundtrip(LIT(TARO_U8), LIT(TARO_SJ), "太郎");
	roundtrip(LIT(EIGYO_U8), LIT(EIGYO_SJ), "営業部");
	roundtrip(LIT("Taro " TARO_U8 " / " EIGYO_U8), LIT("Taro " TARO_SJ " / " EIGYO_SJ), "mixed");
	/* half-width katakana (single byte 0xB1 in CP932) and the backslash */
	roundtrip(LIT("\xef\xbd\xb1\\"), LIT("\xb1\\"), "halfwidth ｱ and backslash");

	ct_sbuf_init(&b);
	/* invalid CP932: 0x80 and 0xFF are no characters; a lone lead byte at the end is cut */
	is_int(ct_charset_decode(CT_CS_CP932, LIT("a\x80" "b\xff"), &b, NULL), 2, "two bad CP932 bytes counted");
	is_str(b.p, "a\\x80b\\xff", "bad CP932 bytes shown as \\xNN");
	ct_sbuf_reset(&b);
	is_int(ct_charset_decode(CT_CS_CP932, LIT(TARO_SJ "\x91"), &b, NULL), 1, "truncated lead byte counted");
	is_str(b.p, TARO_U8 "\\x91", "truncated lead byte escaped, rest decoded");
	ct_sbuf_reset(&b);
	is_int(ct_charset_decode(CT_CS_CP932, LIT("\x91"), &b, NULL), 1, "lone lead byte");
	is_str(b.p, "\\x91", "lone lead byte escaped");
	ct_sbuf_reset(&b);
	/* invalid UTF-8: overlong, surrogate, stray continuation, truncated sequence */
	is_int(ct_charset_decode(CT_CS_UTF8, LIT("\xc0\xaf" "x\xed\xa0\x80" "y\x80z\xe5\xa4"), &b, NULL), 8,
		"bad UTF-8 bytes counted");
	is_str(b.p, "\\xc0\\xafx\\xed\\xa0\\x80y\\x80z\\xe5\\xa4", "bad UTF-8 escaped byte by byte");
	ct_sbuf_reset(&b);
	is_int(ct_charset_decode(CT_CS_UTF8, LIT("\xf4\x90\x80\x80"), &b, NULL), 4, "code point > U+10FFFF rejected");
	ct_sbuf_reset(&b);
	is_int(ct_charset_decode(CT_CS_UTF8, LIT("\xf0\x9f\x98\x80"), &b, NULL), 0, "4-byte emoji valid");
	ct_sbuf_reset(&b);
	/* unmappable in CP932 */
	is_int(ct_charset_encode(CT_CS_CP932, LIT("a\xf0\x9f\x98\x80" "b"), &b, 0), 1, "emoji replaced");
	is_str(b.p, "a?b", "emoji becomes '?'");
	ct_sbuf_reset(&b);
	is_int(ct_charset_encode(CT_CS_CP932, LIT("a\xf0\x9f\x98\x80"), &b, CT_CHARSET_STRICT), CT_ECHARSET,
		"strict encode fails on unmappable character");
	ct_sbuf_reset(&b);
	is_int(ct_charset_encode(CT_CS_CP932, LIT(TARO_U8 "\xff" EIGYO_U8), &b, 0), 1, "invalid UTF-8 input replaced");
	is_lit(b.p, b.len, TARO_SJ "?" EIGYO_SJ, "conversion continues after the bad byte");
	ct_sbuf_reset(&b);
	is_int(ct_charset_encode(CT_CS_UTF8, LIT("ok\xfe"), &b, 0), 1, "invalid UTF-8 to UTF-8 replaced");
	is_str(b.p, "ok?", "replacement");
	ct_sbuf_reset(&b);
	is_int(ct_charset_encode(CT_CS_UTF8, LIT("ok\xfe"), &b, CT_CHARSET_STRICT), CT_ECHARSET, "strict UTF-8");
	ct_sbuf_fini(&b);
	/* every single byte value, alone and as lead byte: never crashes, always returns >= 0 */
	{
		int bad = 0;
		for (int i = 0; i < 256; i++) {
			char in[3] = { (char)i, (char)0x40, (char)i };
			struct ct_sbuf t;
			ct_sbuf_init(&t);
			if (ct_charset_decode(CT_CS_CP932, in, 1, &t, NULL) < 0 ||
				ct_charset_decode(CT_CS_CP932, in, 3, &t, NULL) < 0 ||
				ct_charset_decode(CT_CS_UTF8, in, 3, &t, NULL) < 0 ||
				ct_charset_encode(CT_CS_CP932, in, 3, &t, 0) < 0)
				bad++;
			ct_sbuf_fini(&t);
		}
		is_int(bad, 0, "all 256 byte values convert without error");
	}

	s = ct_charset_decode_str(CT_CS_CP932, LIT(EIGYO_SJ));
	is_str(s, EIGYO_U8, "decode_str");
	free(s);
	s = ct_charset_encode_str(CT_CS_CP932, LIT(TARO_U8));
	is_str(s, TARO_SJ, "encode_str");
	free(s);
	s = ct_charset_decode_str(CT_CS_CP932, "", 0);
	is_str(s, "", "empty input gives empty string");
	free(s);

	is_int(ct_charset_of_command(CT_IPMSG_SENDMSG | CT_IPMSG_UTF8OPT), CT_CS_UTF8, "UTF8OPT means UTF-8");
	is_int(ct_charset_of_command(CT_IPMSG_BR_ENTRY | CT_IPMSG_CAPUTF8OPT), CT_CS_CP932,
		"CAPUTF8OPT alone keeps CP932");
	ok(ct_charset_peer_wants_utf8(CT_IPMSG_BR_ENTRY | CT_IPMSG_CAPUTF8OPT), "peer with CAPUTF8OPT gets UTF-8");
	ok(!ct_charset_peer_wants_utf8(257), "iptux (no CAPUTF8OPT) gets no UTF8OPT");
	is_int(ct_charset_lookup("UTF-8", &cs), 0, "lookup UTF-8");
	is_int(cs, CT_CS_UTF8, "utf-8 name");
	is_int(ct_charset_lookup("Shift_JIS", &cs), 0, "lookup Shift_JIS");
	is_int(cs, CT_CS_CP932, "shift_jis is cp932");
	is_int(ct_charset_lookup("gb18030", &cs), CT_ENOTFOUND, "unknown charset name");
	is_str(ct_charset_name(CT_CS_CP932), "cp932", "name cp932");
	ok(ct_charset_utf8_valid(LIT(TARO_U8)) && !ct_charset_utf8_valid(LIT(TARO_SJ)), "utf8_valid");
	return tap_done();
}
