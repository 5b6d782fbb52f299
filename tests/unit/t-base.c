/* t-base.c: unit tests for the engine's base modules: errors, sbuf, number parsing, JSON. */
#include "config.h"
#include <stdlib.h>
#include <math.h>
#include "tap.h"
#include "err.h"
#include "sbuf.h"
#include "util.h"
#include "json.h"

/* The plain digit loop ct_parse_u64 must agree with (its word-at-a-time steps are a speed-up). */
static int ref_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return CT_EFORMAT;
	for (size_t i = 0; i < n; i++) {
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

/* Every length 1-19, a bad byte (below '0', above '9', NUL, high bit) at each place, maxima
 * that cut inside each word: the parser and the reference give the same code and value. */
static void parse_u64_agrees(void)
{
	static const char bad[] = { '/', ':', '\0', (char)0xB0, ' ', 'a' };
	char s[20];
	size_t mism = 0, runs = 0;

	srand(7);
	for (size_t n = 1; n <= 19; n++)
		for (int trial = 0; trial < 200; trial++) {
			uint64_t a = 0, b = 0, max = trial % 3 == 0 ? UINT64_MAX : trial % 3 == 1 ? UINT32_MAX : (uint64_t)rand() * 977u;
			for (size_t i = 0; i < n; i++)
				s[i] = (char)('0' + rand() % 10);
			if (trial % 2)
				s[(size_t)rand() % n] = bad[rand() % (int)sizeof bad];
			int ra = ct_parse_u64(s, n, 10, max, &a), rb = ref_u64(s, n, max, &b);
			runs++;
			if (ra != rb || (ra == 0 && a != b))
				mism++;
		}
	is_int(mism, 0, "ct_parse_u64 agrees with the digit loop (%zu strings of 1-19 digits)", runs);
}

int main(void)
{
	struct ct_sbuf b;
	uint32_t u32;
	uint64_t u64;
	char esc[64];

	is_str(ct_strerror(0), "success", "strerror(0)");
	is_str(ct_strerror(CT_ETRUNC), "input truncated", "strerror(CT_ETRUNC)");
	is_str(ct_strerror(-999), "unknown error", "strerror(unknown)");

	ct_sbuf_init(&b);
	ct_sbuf_adds(&b, "1:");
	ct_sbuf_printf(&b, "%u:%s", 42u, "x");
	ct_sbuf_addc(&b, '\0');
	is_int(b.len, 7, "sbuf length counts embedded NUL");
	is_mem(b.p, b.len, "1:42:x\0", 7, "sbuf bytes");
	ct_sbuf_fini(&b);

	is_int(ct_parse_u32("4294967295", 10, 10, &u32), 0, "u32 max parses");
	is_int(u32, 4294967295u, "u32 max value");
	is_int(ct_parse_u32("4294967296", 10, 10, &u32), CT_ERANGE, "u32 overflow is ERANGE");
	is_int(ct_parse_u32("12a", 3, 10, &u32), CT_EFORMAT, "decimal with letter is EFORMAT");
	is_int(ct_parse_u32("", 0, 10, &u32), CT_EFORMAT, "empty is EFORMAT");
	is_int(ct_parse_u64("1f4", 3, 16, UINT64_MAX, &u64), 0, "hex parses");
	is_int(u64, 500, "hex value");
	is_int(ct_parse_u64("18446744073709551615", 20, 10, UINT64_MAX, &u64), 0, "u64 max parses");
	ok(u64 == UINT64_MAX, "u64 max value");
	is_int(ct_parse_u64("18446744073709551616", 20, 10, UINT64_MAX, &u64), CT_ERANGE, "u64 overflow is ERANGE");
	is_int(ct_parse_u64("184467440737095516150", 21, 10, UINT64_MAX, &u64), CT_ERANGE, "u64 x10 overflow is ERANGE");
	is_int(ct_parse_u64("99", 2, 10, 99, &u64), 0, "a custom maximum parses");
	is_int(ct_parse_u64("100", 3, 10, 99, &u64), CT_ERANGE, "above a custom maximum is ERANGE");
	is_int(ct_parse_u32("99999999999x", 12, 10, &u32), CT_ERANGE, "decimal past the maximum before a letter is ERANGE (order kept)");
	is_int(ct_parse_u32("1x999999999999", 14, 10, &u32), CT_EFORMAT, "a letter before the overflow is EFORMAT");
	is_int(ct_parse_u64("0000000000000000000000042", 25, 10, 99, &u64), 0, "leading zeros past 19 digits parse (slow path)");
	is_int(ct_parse_u64("00099", 5, 10, 99, &u64), 0, "leading zeros below the maximum");
	parse_u64_agrees();
	ct_escape_bytes("a\a\b\0\x01", 5, esc, sizeof esc);
	is_str(esc, "a\\a\\b\\0\\x01", "escape control bytes");

	{
		struct ct_json *o = ct_json_obj(), *p = NULL;
		char *s;
		ct_json_add_int(o, "n", 5);
		ct_json_add_num(o, "nan", NAN);
		ct_json_add_strn(o, "bad", "ok\xff\xfe", 4);
		ct_json_add_str(o, "jp", "\xe5\xa4\xaa\xe9\x83\x8e");
		s = ct_json_print(o, 0);
		is_str(s, "{\"n\":5,\"nan\":null,\"bad\":\"ok\\\\xff\\\\xfe\",\"jp\":\"\xe5\xa4\xaa\xe9\x83\x8e\"}",
		       "JSON: NaN is null, bad UTF-8 escaped, Japanese kept");
		is_int(ct_json_parse(s, strlen(s), &p), 0, "printed JSON parses back");
		is_str(ct_json_get_str(p, "jp"), "\xe5\xa4\xaa\xe9\x83\x8e", "string survives round trip");
		{ struct ct_json *q = NULL; is_int(ct_json_parse("{\"a\":", 5, &q), CT_EFORMAT, "truncated JSON rejected"); }
		free(s);
		ct_json_free(p);
		ct_json_free(o);
	}
	{
		/* ct_json_valid agrees with the parser on values and near misses */
		static const struct { const char *t; int ok; } vj[] = {
			{ "{\"user\":\"a\",\"port\":2425,\"x\":[1,-2.5e3,true,false,null,{}]}", 1 },
			{ " [ ] ", 1 }, { "\"\\u00e9\\n\"", 1 }, { "0", 1 }, { "-0.0E+1", 1 },
			{ "\"\xe5\xa4\xaa\"", 1 }, { "{\"a\":1,}", 0 }, { "[1,]", 0 }, { "{\"a\" 1}", 0 },
			{ "{a:1}", 0 }, { "01", 0 }, { "1.", 0 }, { "-", 0 }, { "tru", 0 }, { "nul", 0 },
			{ "\"\\x41\"", 0 }, { "\"\\u12g4\"", 0 }, { "\"ab", 0 }, { "\"a\tb\"", 0 },
			{ "\"\xff\"", 0 }, { "[1] [2]", 0 }, { "\"\\ud83d\\ude00\"", 1 }, { "\"\\ud83d\"", 0 },
			{ "\"\\ude00\"", 0 }, { "\"\\ud0800\\udc00\"", 0 }, { "", 0 }, { "{\"a\":[1,2}", 0 }, { "}", 0 },
		};
		char deep[200];
		for (size_t i = 0; i < sizeof vj / sizeof vj[0]; i++) {
			char what[96];
			snprintf(what, sizeof what, "ct_json_valid(%.60s) is %d", vj[i].t, vj[i].ok);
			is_int(ct_json_valid(vj[i].t, strlen(vj[i].t)), vj[i].ok, what);
		}
		is_int(ct_json_valid("[1] trailing", 3), 1, "ct_json_valid stops at len");
		memset(deep, '[', 100);
		memset(deep + 100, ']', 100);
		is_int(ct_json_valid(deep, 200), 0, "ct_json_valid: 100 levels deep is refused (64 at most)");
		is_int(ct_json_valid(deep + 40, 120), 1, "ct_json_valid: 60 levels deep is a value");
	}
	{
		struct ct_json *a = ct_json_arr();
		long sum = 0, n = 0;
		for (int i = 1; i <= 1000; i++)
			ct_json_add_int(a, NULL, i);
		for (const struct ct_json *el = ct_json_first(a); el; el = ct_json_next(el), n++) {
			char *t = ct_json_print(el, 0);
			sum += atol(t);
			free(t);
		}
		is_int(n, 1000, "iterator visits every element once");
		is_int(sum, 500500, "iterator visits them in order with their values");
		ok(ct_json_first(NULL) == NULL && ct_json_next(NULL) == NULL, "iterator on NULL is NULL");
		ct_json_free(a);
	}
	ok(ct_utf8_valid("\xe5\xa4\xaa", 3), "valid UTF-8 accepted");
	ok(!ct_utf8_valid("\xed\xa0\x80", 3), "surrogate rejected");
	ok(!ct_utf8_valid("\xc0\xaf", 2), "overlong rejected");
	return tap_done();
}
