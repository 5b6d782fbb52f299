/* t-entry.c: unit tests for entry bodies (entry.c): §1.5 Windows/Mac forms, ANSENTRY, iptux §8, block rules. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "ipmsg-fixtures.h"
#include "codec.h"
#include "entry.h"
#include "err.h"
#include "sbuf.h"

static int parse(struct ct_ipmsg *m, struct ct_entry *e, const char *p, size_t n)
{
	int r = ct_codec_parse(m, p, n);
	if (r != 0)
		return r;
	return ct_entry_parse(m, e);
}

static void done(struct ct_ipmsg *m, struct ct_entry *e)
{
	ct_entry_fini(e);
	ct_codec_fini(m);
}

/* Windows v4.99 BR_ENTRY (§1.5): CP932 legacy fields, UTF-8 block, no trailing NUL */
static const char win_entry[] =
	"1:1700000000:taro:PC01:258211841:" TARO_SJ "\0" EIGYO_SJ "\0"
	"\nUN:taro\nHN:PC01\nNN:" TARO_U8 "\nGN:" EIGYO_U8 "\nVS:00010002:4:99:103";

static void test_windows(void)
{
	struct ct_ipmsg m;
	struct ct_entry e;
	struct ct_sbuf b;
	struct ct_entry_spec sp = {
		.form = CT_ENTRY_FORM_WIN, .user = "taro", .host = "PC01", .nick = TARO_U8,
		.group = EIGYO_U8, .verinfo = "00010002:4:99:103", .legacy_cs = CT_CS_CP932,
	};

	is_int(parse(&m, &e, win_entry, sizeof win_entry - 1), 0, "Windows BR_ENTRY parses");
	is_int(m.mode, CT_IPMSG_BR_ENTRY, "BR_ENTRY");
	is_str(e.nick, TARO_U8, "nick 太郎");
	is_str(e.group, EIGYO_U8, "group 営業部");
	is_str(e.legacy_nick, TARO_U8, "legacy CP932 nick decoded");
	is_str(e.legacy_group, EIGYO_U8, "legacy CP932 group decoded");
	is_str(e.user, "taro", "user");
	is_str(e.host, "PC01", "host");
	is_str(e.verinfo, "00010002:4:99:103", "VS value");
	ok(e.vs_valid && e.vs_type == 0x00010002 && e.vs_major == 4 && e.vs_minor == 99 && e.vs_rev == 103,
		"VS parsed: Win64 4.99 r3");
	is_int(e.form, CT_ENTRY_FORM_WIN, "Windows form");
	is_int(e.has_block, 1, "block present");
	is_int(e.block_needs_cap, 0, "CAPUTF8OPT present");
	is_int(e.legacy_cs, CT_CS_CP932, "legacy charset CP932");
	is_int(e.escaped, 0, "nothing escaped");
	done(&m, &e);

	ct_sbuf_init(&b);
	is_int(ct_entry_build(&b, NULL, 1700000000, 258211841, &sp), 0, "build Windows BR_ENTRY");
	is_mem(b.p, b.len, win_entry, sizeof win_entry - 1, "builder reproduces the §1.5 Windows form");
	ct_sbuf_reset(&b);
	sp.nul_term = 1;
	ct_entry_build_body(&b, &sp);
	ok(b.len > 0 && b.p[b.len - 1] == '\0', "nul_term appends a NUL");
	ct_sbuf_reset(&b);
	ct_entry_build_verinfo(&b, 0x00010002, 4, 99, 103);
	is_str(b.p, "00010002:4:99:103", "VS builder");
	ct_sbuf_fini(&b);
}

static void test_mac_and_variants(void)
{
	struct ct_ipmsg m;
	struct ct_entry e;
	struct ct_sbuf b;
	struct ct_entry_spec sp = { .form = CT_ENTRY_FORM_MAC, .user = "u", .host = "h", .nick = "n", .group = "g" };

	/* §1.5 Mac form, legacy fields differ from the block: block wins */
	is_int(parse(&m, &e, LIT("1:5:lu:lh:16777217:nick\0group\0\nUN:u\nHN:h\nNN:n\nGN:g\n\0")), 0, "Mac form parses");
	is_str(e.nick, "n", "block NN wins over legacy nick");
	is_str(e.group, "g", "block GN wins over legacy group");
	is_str(e.user, "u", "UN overrides header user");
	is_str(e.host, "h", "HN overrides header host");
	is_str(e.legacy_nick, "nick", "legacy nick kept");
	is_int(e.form, CT_ENTRY_FORM_MAC, "Mac form detected");
	ok(e.verinfo == NULL, "no VS");
	done(&m, &e);

	ct_sbuf_init(&b);
	is_int(ct_entry_build(&b, NULL, 5, 16777217, &sp), 0, "build Mac form");
	is_lit(b.p, b.len, "1:5:u:h:16777217:n\0g\0\nUN:u\nHN:h\nNN:n\nGN:g\n\0", "Mac form bytes");
	ct_sbuf_fini(&b);

	/* one NUL only: "nick\0\nUN:..." (Windows accepts it) */
	is_int(parse(&m, &e, LIT("1:6:u:h:16777217:nick\0\nUN:u2\nNN:nn")), 0, "one-NUL form parses");
	is_str(e.nick, "nn", "NN from the block");
	is_str(e.group, "", "group empty");
	is_str(e.user, "u2", "UN from the block");
	is_int(e.has_block, 1, "block found in section 1");
	done(&m, &e);

	/* empty group "nick\0\0\nUN:" */
	is_int(parse(&m, &e, LIT("1:6:u:h:16777217:nick\0\0\nUN:u\nGN:")), 0, "empty group form parses");
	is_str(e.group, "", "empty GN does not win over empty group");
	is_str(e.nick, "nick", "legacy nick when NN missing");
	done(&m, &e);

	/* unknown keys ignored, IP: and PL: ignored, empty lines ignored */
	is_int(parse(&m, &e, LIT("1:6:u:h:16777217:a\0b\0\n\nXX:zz\nIP:aGVsbG8=\nNN:c\n\nZ\nPL:1")), 0,
		"block with unknown keys parses");
	is_str(e.nick, "c", "NN still read");
	is_str(e.group, "b", "legacy group kept when GN missing");
	is_int(e.unknown_keys, 4, "four unused lines counted (XX, IP, Z, PL)");
	done(&m, &e);

	/* block without CAPUTF8OPT: we read it, but flag that Windows would not */
	is_int(parse(&m, &e, LIT("1:6:u:h:1:a\0b\0\nNN:c")), 0, "block without CAPUTF8OPT parses");
	is_int(e.block_needs_cap, 1, "flagged: Windows ignores it");
	done(&m, &e);

	/* ANSENTRY as Windows sends it */
	is_int(parse(&m, &e, LIT("1:7:u:h:16777219:nick\0group\0\nVS:00010002:4:99:103")), 0, "ANSENTRY parses");
	is_int(e.form, CT_ENTRY_FORM_ANS, "ANSENTRY form");
	is_str(e.nick, "nick", "ANSENTRY nick");
	ok(e.vs_valid, "ANSENTRY VS parsed");
	done(&m, &e);
	{
		struct ct_entry_spec as = { .form = CT_ENTRY_FORM_ANS, .user = "u", .host = "h", .nick = "nick",
			.group = "group", .verinfo = "00010002:4:99:103" };
		ct_sbuf_init(&b);
		ct_entry_build(&b, NULL, 7, 16777219, &as);
		is_lit(b.p, b.len, "1:7:u:h:16777219:nick\0group\0\nVS:00010002:4:99:103", "ANSENTRY bytes");
		ct_sbuf_fini(&b);
	}

	/* ANSENTRY|UTF8OPT: legacy fields in UTF-8 */
	is_int(parse(&m, &e, LIT("1:8:" TARO_U8 ":h:8388611:" TARO_U8 "\0" EIGYO_U8 "\0")), 0, "ANSENTRY|UTF8OPT");
	is_int(e.legacy_cs, CT_CS_UTF8, "UTF8OPT: UTF-8 legacy fields");
	is_str(e.nick, TARO_U8, "UTF-8 nick");
	is_str(e.user, TARO_U8, "UTF-8 header user");
	done(&m, &e);

	/* legacy CP932, no block */
	is_int(parse(&m, &e, LIT("1:9:" TARO_SJ ":pc:1:" TARO_SJ "\0" EIGYO_SJ "\0")), 0, "legacy CP932 entry");
	is_str(e.user, TARO_U8, "CP932 header user decoded");
	is_str(e.group, EIGYO_U8, "CP932 group decoded");
	is_int(e.form, CT_ENTRY_FORM_LEGACY, "legacy form");
	done(&m, &e);
	{
		struct ct_entry_spec ls = { .form = CT_ENTRY_FORM_LEGACY, .user = TARO_U8, .host = "pc",
			.nick = TARO_U8, .group = EIGYO_U8, .nul_term = 1 };
		ct_sbuf_init(&b);
		ct_entry_build(&b, NULL, 9, 1, &ls);
		is_lit(b.p, b.len, "1:9:" TARO_SJ ":pc:1:" TARO_SJ "\0" EIGYO_SJ "\0", "legacy CP932 bytes");
		ct_sbuf_fini(&b);
	}

	/* UTF-8 without UTF8OPT (g2ipmsg style): guessed as UTF-8 */
	is_int(parse(&m, &e, LIT("1:9:u:h:1:" TARO_U8 "\0")), 0, "UTF-8 nick without UTF8OPT");
	is_int(e.legacy_cs, CT_CS_UTF8, "valid UTF-8 taken as UTF-8");
	is_str(e.nick, TARO_U8, "nick decoded");
	done(&m, &e);

	/* invalid bytes: escaped, no crash */
	is_int(parse(&m, &e, LIT("1:9:u:h:1:a\x80\xff\0\nNN:x\xfe")), 0, "invalid bytes parse");
	is_str(e.legacy_nick, "a\\x80\\xff", "invalid CP932 escaped");
	is_str(e.nick, "x\\xfe", "invalid UTF-8 in block escaped");
	is_int(e.escaped, 3, "escaped bytes counted once each");
	done(&m, &e);

	/* nick only, no group section */
	is_int(parse(&m, &e, LIT("1:9:u:h:1:solo")), 0, "nick only");
	is_str(e.group, "", "no group");
	done(&m, &e);
	ok(ct_entry_is_entry_cmd(CT_IPMSG_NOOPERATION) && ct_entry_is_entry_cmd(258211841u) &&
		ct_entry_is_entry_cmd(CT_IPMSG_BR_ISGETLIST2) && !ct_entry_is_entry_cmd(CT_IPMSG_SENDMSG),
		"entry commands recognised");
}

static void test_iptux(void)
{
	struct ct_ipmsg m;
	struct ct_entry e;
	struct ct_sbuf b;
	struct ct_entry_spec sp = { .form = CT_ENTRY_FORM_IPTUX, .user = "user", .host = "host",
		.nick = "nick", .group = "group", .icon = "icon", .charset_name = "utf-8", .legacy_cs = CT_CS_UTF8 };
	static const char iptux[] = "1_iptux 0.8.3:1:user:host:257:nick\0group\0icon\0utf-8\0";
	static const char i399[] = "1_iptux 0.8.0-b1:6:user:host:259:" TARO_U8 "\0\0icon-tux.png\0utf-8\0";

	is_int(parse(&m, &e, iptux, sizeof iptux - 1), 0, "iptux 0.8.3 BR_ENTRY parses");
	is_int(e.form, CT_ENTRY_FORM_IPTUX, "iptux form");
	is_str(e.nick, "nick", "nick");
	is_str(e.group, "group", "group");
	is_str(e.icon, "icon", "icon");
	is_str(e.charset_name, "utf-8", "charset field");
	is_int(e.legacy_cs, CT_CS_UTF8, "charset field selects UTF-8");
	is_int(e.has_block, 0, "no block");
	done(&m, &e);
	ct_sbuf_init(&b);
	is_int(ct_entry_build(&b, "1_iptux 0.8.3", 1, 257, &sp), 0, "build iptux entry");
	is_mem(b.p, b.len, iptux, sizeof iptux - 1, "iptux BR_ENTRY byte for byte");
	ct_sbuf_reset(&b);

	/* §8, iptux issue #399: ANSENTRY with an empty group */
	is_int(parse(&m, &e, i399, sizeof i399 - 1), 0, "iptux #399 ANSENTRY parses");
	is_int(m.command, 259, "ABSENCEOPT|ANSENTRY");
	is_str(e.nick, TARO_U8, "UTF-8 nick");
	is_str(e.group, "", "empty group");
	is_str(e.icon, "icon-tux.png", "icon-tux.png");
	is_str(e.charset_name, "utf-8", "utf-8");
	done(&m, &e);
	sp.nick = TARO_U8;
	sp.group = NULL;
	sp.icon = "icon-tux.png";
	is_int(ct_entry_build(&b, "1_iptux 0.8.0-b1", 6, 259, &sp), 0, "build #399 packet");
	is_mem(b.p, b.len, i399, sizeof i399 - 1, "#399 packet byte for byte");
	ct_sbuf_fini(&b);

	/* seen in the lab: iptux answers a CP932 peer with CP932 names but still writes "utf-8" */
	is_int(parse(&m, &e, LIT("1_iptux 0.8.3:5:root:b1-pc:259:" TARO_SJ "\0" EIGYO_SJ "\0icon-tux.png\0utf-8\0")), 0,
		"iptux ANSENTRY with CP932 names under a utf-8 field");
	is_str(e.nick, TARO_U8, "CP932 bytes win over the utf-8 hint");
	is_str(e.group, EIGYO_U8, "group too");
	is_int(e.legacy_cs, CT_CS_CP932, "reported as cp932");
	is_int(e.escaped, 0, "nothing escaped");
	done(&m, &e);

	/* iptux with a CP932 charset field decodes CP932 */
	is_int(parse(&m, &e, LIT("1_iptux 0.8.3:2:u:h:257:" TARO_SJ "\0g\0i\0cp932\0")), 0, "iptux cp932 entry");
	is_str(e.nick, TARO_U8, "CP932 per charset field");
	done(&m, &e);
}

int main(void)
{
	test_windows();
	test_mac_and_variants();
	test_iptux();
	return tap_done();
}
