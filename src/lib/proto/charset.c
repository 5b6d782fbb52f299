/* charset.c: CP932 <-> UTF-8 conversion with iconv (the only iconv user); bad bytes become "\xNN". */
#include "config.h"
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "charset.h"
#include "codec.h"
#include "err.h"
#include "json.h"
#include "log.h"

const char *ct_charset_name(enum ct_charset cs)
{
	switch (cs) {
	case CT_CS_CP932: return "cp932";
	case CT_CS_UTF8: return "utf-8";
	case CT_CS_AUTO: return "auto";
	}
	return "?";
}

int ct_charset_lookup(const char *name, enum ct_charset *cs)
{
	static const char *const utf8[] = { "utf-8", "utf8" };
	static const char *const sjis[] = { "cp932", "ms932", "windows-31j", "shift_jis", "shift-jis",
		"sjis", "sjis-win", "cp943" };

	if (!name)
		return CT_EINVAL;
	for (size_t i = 0; i < sizeof utf8 / sizeof utf8[0]; i++)
		if (strcasecmp(name, utf8[i]) == 0) {
			*cs = CT_CS_UTF8;
			return 0;
		}
	for (size_t i = 0; i < sizeof sjis / sizeof sjis[0]; i++)
		if (strcasecmp(name, sjis[i]) == 0) {
			*cs = CT_CS_CP932;
			return 0;
		}
	return CT_ENOTFOUND;
}

enum ct_charset ct_charset_of_command(uint32_t command)
{
	return (command & CT_IPMSG_UTF8OPT) ? CT_CS_UTF8 : CT_CS_CP932;
}

int ct_charset_peer_wants_utf8(uint32_t peer_cmd)
{
	return (peer_cmd & CT_IPMSG_CAPUTF8OPT) != 0;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if the bytes there are not valid UTF-8.
 * A proper prefix of a multi-byte sequence is never valid, so the shortest valid prefix is it. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	for (size_t k = 2; k <= 4 && k <= n; k++)
		if (ct_utf8_valid((const char *)p, k))
			return k;
	return 0;
}

int ct_charset_utf8_valid(const char *in, size_t n)
{
	const unsigned char *p = (const unsigned char *)in;

	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(p + i, n - i);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

int ct_charset_is_ascii(const char *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)in[i] >= 0x80)
			return 0;
	return 1;
}

static void add_escape(struct ct_sbuf *out, unsigned char c)
{
	ct_sbuf_printf(out, "\\x%02x", c);
}

/* Copies valid UTF-8, escaping (decode) or replacing with '?' (encode) invalid bytes. */
static int utf8_filter(const char *in, size_t n, struct ct_sbuf *out, int escape, int strict)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t run = 0; /* the valid bytes from run to i are copied in one go */
	int bad = 0;

	for (size_t i = 0; i < n;) {
		size_t l = p[i] < 0x80 ? 1 : utf8_seq(p + i, n - i);
		if (l) {
			i += l;
			if (i == n)
				ct_sbuf_add(out, p + run, i - run);
			continue;
		}
		if (strict)
			return CT_ECHARSET;
		ct_sbuf_add(out, p + run, i - run);
		run = i + 1;
		if (escape)
			add_escape(out, p[i]);
		else
			ct_sbuf_addc(out, '?');
		bad++;
		i++;
	}
	return out->err ? out->err : bad;
}

/* Converts with iconv; on an invalid or incomplete sequence calls the bad-byte policy. */
static int iconv_run(const char *to, const char *from, const char *in, size_t n,
	struct ct_sbuf *out, int decoding, int strict)
{
	iconv_t cd = iconv_open(to, from);
	char *ip = (char *)in;
	size_t il = n;
	int bad = 0;

	if (cd == (iconv_t)-1) {
		/* no converter (gconv modules missing): keep ASCII, treat the rest as bad bytes */
		static int warned;
		if (!warned++)
			log_warn("iconv cannot convert %s to %s: non-ASCII text shown escaped", from, to);
		if (strict)
			return CT_ECHARSET;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)in[i];
			if (c < 0x80) {
				ct_sbuf_addc(out, (char)c);
				continue;
			}
			if (decoding) {
				add_escape(out, c);
			} else {
				size_t l = utf8_seq((const unsigned char *)in + i, n - i);
				i += l ? l - 1 : 0;
				ct_sbuf_addc(out, '?');
			}
			bad++;
		}
		return out->err ? out->err : bad;
	}
	while (il > 0) {
		size_t room = il * 4 + 16;
		if (ct_sbuf_reserve(out, room) != 0)
			break;
		char *op = out->p + out->len;
		size_t ol = room;
		size_t rc = iconv(cd, &ip, &il, &op, &ol);
		out->len += room - ol;
		out->p[out->len] = '\0';
		if (rc != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL: the bytes at ip cannot be converted */
		if (strict) {
			bad = CT_ECHARSET;
			break;
		}
		size_t skip = 1;
		if (decoding) {
			add_escape(out, (unsigned char)*ip);
		} else {
			size_t l = utf8_seq((const unsigned char *)ip, il);
			skip = l ? l : 1;
			ct_sbuf_addc(out, '?');
		}
		ip += skip;
		il -= skip;
		bad++;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	iconv_close(cd);
	if (out->err)
		return out->err;
	return bad;
}

int ct_charset_decode(enum ct_charset cs, const char *in, size_t n, struct ct_sbuf *out,
	enum ct_charset *used)
{
	if (cs == CT_CS_AUTO)
		cs = ct_charset_utf8_valid(in, n) ? CT_CS_UTF8 : CT_CS_CP932;
	if (used)
		*used = cs;
	if (ct_sbuf_reserve(out, n) != 0 || ct_sbuf_add(out, "", 0) != 0)
		return out->err;
	if (cs == CT_CS_UTF8 || ct_charset_is_ascii(in, n))
		return utf8_filter(in, n, out, 1, 0);
	return iconv_run("UTF-8", "CP932", in, n, out, 1, 0);
}

int ct_charset_encode(enum ct_charset cs, const char *in, size_t n, struct ct_sbuf *out, int flags)
{
	int strict = (flags & CT_CHARSET_STRICT) != 0;

	if (ct_sbuf_reserve(out, n) != 0 || ct_sbuf_add(out, "", 0) != 0)
		return out->err;
	if (cs != CT_CS_CP932 || ct_charset_is_ascii(in, n))
		return utf8_filter(in, n, out, 0, strict);
	return iconv_run("CP932", "UTF-8", in, n, out, 0, strict);
}

static char *to_str(int r, struct ct_sbuf *b)
{
	if (r < 0) {
		ct_sbuf_fini(b);
		return NULL;
	}
	return ct_sbuf_steal(b, NULL);
}

char *ct_charset_decode_str(enum ct_charset cs, const char *in, size_t n)
{
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	return to_str(ct_charset_decode(cs, in, n, &b, NULL), &b);
}

char *ct_charset_encode_str(enum ct_charset cs, const char *in, size_t n)
{
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	return to_str(ct_charset_encode(cs, in, n, &b, 0), &b);
}
