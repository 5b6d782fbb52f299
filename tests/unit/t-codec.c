/* t-codec.c: unit tests for the IPMsg header codec (codec.c): spec examples, leniency, malformed input. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "ipmsg-fixtures.h"
#include "codec.h"
#include "err.h"
#include "sbuf.h"

static int slice_is(struct ct_slice s, const char *want)
{
	return s.p && s.len == strlen(want) && memcmp(s.p, want, s.len) == 0 && s.p[s.len] == '\0';
}

static void test_spec_example(void)
{
	struct ct_ipmsg m;
	struct ct_sbuf b;

	/* §1.2: "1:100:shirouzu:jupiter:32:Hello" */
	is_int(ct_codec_parse(&m, LIT("1:100:shirouzu:jupiter:32:Hello")), 0, "§1.2 example parses");
	ok(slice_is(m.version, "1"), "version 1");
	is_int(m.packetno, 100, "packet number 100");
	ok(slice_is(m.user, "shirouzu"), "user shirouzu");
	ok(slice_is(m.host, "jupiter"), "host jupiter");
	is_int(m.command, 32, "command 32");
	is_int(m.mode, CT_IPMSG_SENDMSG, "mode SENDMSG");
	is_int(m.opts, 0, "no options");
	is_int(m.nsec, 1, "one section");
	ok(slice_is(m.sec[0], "Hello"), "body Hello");
	is_int(m.nul_pad, 0, "no trailing NUL");
	is_int(m.version_extra, 0, "plain version");
	ct_codec_fini(&m);

	ct_sbuf_init(&b);
	is_int(ct_codec_build(&b, NULL, 100, "shirouzu", "jupiter", 32, "Hello", 5, 0), 0, "build §1.2");
	is_lit(b.p, b.len, "1:100:shirouzu:jupiter:32:Hello", "builder reproduces §1.2 byte for byte");
	ct_sbuf_reset(&b);
	is_int(ct_codec_build(&b, "1", 100, "shirouzu", "jupiter", 32, "Hello", 5, 1), 0, "build with NUL");
	is_lit(b.p, b.len, "1:100:shirouzu:jupiter:32:Hello\0", "NUL-terminated build");
	ct_sbuf_fini(&b);
}

static void test_nul_tolerance(void)
{
	struct ct_ipmsg m;
	char buf[200];

	is_int(ct_codec_parse(&m, LIT("1:100:u:h:32:Hello\0")), 0, "trailing NUL parses");
	is_int(m.nul_pad, 1, "one NUL counted");
	ok(slice_is(m.sec[0], "Hello"), "body without the NUL");
	is_int(m.nsec, 1, "trailing NUL adds no section");
	ct_codec_fini(&m);

	/* Windows v4.99 late retransmission: body NUL + 64 NUL pad */
	memcpy(buf, "1:100:u:h:288:Hello", 19);
	memset(buf + 19, 0, 65);
	is_int(ct_codec_parse(&m, buf, 19 + 65), 0, "64-byte NUL pad parses");
	is_int(m.nul_pad, 65, "65 trailing NULs counted");
	is_int(m.len, 84, "datagram length kept");
	ok(slice_is(m.sec[0], "Hello"), "padded body is Hello");
	is_int(m.nsec, 1, "padding adds no sections");
	is_int(m.extra.len, 0, "no extra bytes after the pad cut");
	ct_codec_fini(&m);

	/* sections */
	is_int(ct_codec_parse(&m, LIT("1:7:u:h:2097440:text\0att1\0\0TO:x\0")), 0, "sections parse");
	is_int(m.nsec, 4, "four sections");
	ok(slice_is(m.sec[0], "text") && slice_is(m.sec[1], "att1") && slice_is(m.sec[2], "") &&
		slice_is(m.sec[3], "TO:x"), "section contents");
	is_lit(m.extra.p, m.extra.len, "att1\0\0TO:x", "extra holds everything after the first NUL");
	ct_codec_fini(&m);

	/* no 5th colon: body empty, flagged */
	is_int(ct_codec_parse(&m, LIT("1:5:u:h:3")), 0, "missing body colon tolerated");
	is_int(m.no_body_colon, 1, "missing body colon flagged");
	is_int(m.command, 3, "command read up to the end");
	is_int(m.sec[0].len, 0, "empty body");
	ct_codec_fini(&m);

	/* empty body with NUL: GETLIST first request (§4.6) */
	is_int(ct_codec_parse(&m, LIT("1:1700000200:carol:PC-C:18:\0")), 0, "§4.6 GETLIST parses");
	is_int(m.mode, CT_IPMSG_GETLIST, "GETLIST mode");
	is_int(m.sec[0].len, 0, "empty GETLIST body");
	ct_codec_fini(&m);

	/* colons inside the body stay in the body */
	is_int(ct_codec_parse(&m, LIT("1:1700000400:bob:PC-B:96:6553f22c:1e240:0:\0")), 0, "§6.3 parses");
	ok(slice_is(m.sec[0], "6553f22c:1e240:0:"), "body keeps its colons");
	ct_codec_fini(&m);
}

static void test_versions(void)
{
	struct ct_ipmsg m;
	struct ct_sbuf b;

	is_int(ct_codec_parse(&m, LIT("1_iptux 0.8.3:1:user:host:257:nick\0group\0icon\0utf-8\0")), 0,
		"iptux version parses");
	ok(slice_is(m.version, "1_iptux 0.8.3"), "iptux version text kept");
	is_int(m.version_extra, 1, "version extra flagged");
	is_int(m.command, 257, "iptux BR_ENTRY|ABSENCEOPT");
	is_int(m.nsec, 4, "iptux entry has 4 sections");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1@shiyeline:9:u:h:1:n\0")), 0, "1@x version parses");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1_iptux 0.10.0:3:u:h:1:")), 0, "iptux 0.10.0 version parses");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("10:1:u:h:1:")), CT_EFORMAT, "version 10 rejected (atoi != 1)");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("2:1:u:h:1:")), CT_EFORMAT, "version 2 rejected");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT(":1:u:h:1:")), CT_EFORMAT, "empty version rejected");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("IP2:20:abc:Z")), CT_EFORMAT, "IPDict is not a v1 packet");
	ct_codec_fini(&m);
	ok(ct_codec_is_ipdict(LIT("IP2:20:abc:Z")), "IPDict recognised");
	ok(!ct_codec_is_ipdict(LIT("1:2:u:h:1:")), "v1 packet is not IPDict");

	ct_sbuf_init(&b);
	is_int(ct_codec_build_header(&b, "1_iptux 0.8.3", 1, "user", "host", 257), 0, "build iptux header");
	is_lit(b.p, b.len, "1_iptux 0.8.3:1:user:host:257:", "iptux header bytes");
	ct_sbuf_reset(&b);
	is_int(ct_codec_build_header(&b, "2", 1, "u", "h", 1), CT_EINVAL, "builder refuses version 2");
	is_int(ct_codec_build_header(&b, "1", 1, "a:b", "h", 1), CT_EINVAL, "builder refuses ':' in user");
	is_int(ct_codec_build_header(&b, "1", 1, "u", "", 1), CT_EINVAL, "builder refuses empty host");
	is_int(ct_codec_build_header(&b, "1:x", 1, "u", "h", 1), CT_EINVAL, "builder refuses ':' in version");
	is_int(ct_codec_build_header(&b, "1", 4294967295u, "u", "h", 4294967295u), 0, "u32 max builds");
	is_lit(b.p, b.len, "1:4294967295:u:h:4294967295:", "u32 max written in decimal");
	ct_sbuf_fini(&b);
	{
		char nm[] = "a:b:c";
		is_int(ct_codec_name_sanitize(nm), 2, "sanitize counts colons");
		is_str(nm, "a;b;c", "':' becomes ';'");
	}
}

static void test_malformed(void)
{
	struct ct_ipmsg m;
	char *huge;

	is_int(ct_codec_parse(&m, "", 0), CT_ETRUNC, "empty datagram");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, NULL, 5), CT_ETRUNC, "NULL data");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("\0\0\0\0")), CT_ETRUNC, "only NULs");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("hello world")), CT_EFORMAT, "no colons");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:2:u")), CT_ETRUNC, "too few fields");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:2:u:h")), CT_ETRUNC, "three colons");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:2\0:u:h:32:")), CT_ETRUNC, "NUL inside the header truncates it");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:12a:u:h:32:")), CT_EFORMAT, "bad packet number");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:-1:u:h:32:")), CT_EFORMAT, "negative packet number");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1::u:h:32:")), CT_EFORMAT, "empty packet number");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:4294967296:u:h:32:")), CT_ERANGE, "packet number overflow");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:99999999999999999999999:u:h:32:")), CT_ERANGE, "huge packet number");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:1:u:h:4294967296:")), CT_ERANGE, "command overflow");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:1:u:h:0x20:")), CT_EFORMAT, "hex command rejected");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:1:u:h: 32:")), CT_EFORMAT, "space in command rejected");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:1:u:h::")), CT_EFORMAT, "empty command");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:1::h:32:")), CT_EFORMAT, "empty user");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:1:u::32:")), CT_EFORMAT, "empty host");
	ct_codec_fini(&m);

	huge = malloc(CT_IPMSG_MAXDGRAM + 2);
	memset(huge, 'A', CT_IPMSG_MAXDGRAM + 2);
	memcpy(huge, "1:1:u:h:32:", 11);
	is_int(ct_codec_parse(&m, huge, CT_IPMSG_MAXDGRAM + 1), CT_ETOOBIG, "datagram > 64 KiB refused");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, huge, CT_IPMSG_MAXDGRAM), 0, "64 KiB datagram accepted");
	is_int(m.sec[0].len, CT_IPMSG_MAXDGRAM - 11, "64 KiB body length");
	ct_codec_fini(&m);
	/* exact-size heap copy: ASan catches any read past len */
	char *exact = malloc(11);
	memcpy(exact, "1:1:u:h:32:", 11);
	is_int(ct_codec_parse(&m, exact, 11), 0, "exact-size buffer without NUL parses");
	ct_codec_fini(&m);
	for (size_t cut = 0; cut < 11; cut++) {
		int r = ct_codec_parse(&m, exact, cut);
		ct_codec_fini(&m);
		if (r == 0 && cut < 9)
			ok(0, "prefix of %zu bytes must not parse", cut);
	}
	ok(1, "every prefix of a header handled without reading past it");
	free(exact);
	free(huge);
}

static void test_names(void)
{
	static const struct { uint32_t v; const char *n; } cmds[] = {
		{ 0x00, "NOOPERATION" }, { 0x01, "BR_ENTRY" }, { 0x02, "BR_EXIT" }, { 0x03, "ANSENTRY" },
		{ 0x04, "BR_ABSENCE" }, { 0x10, "BR_ISGETLIST" }, { 0x11, "OKGETLIST" }, { 0x12, "GETLIST" },
		{ 0x13, "ANSLIST" }, { 0x14, "ANSLIST_DICT" }, { 0x18, "BR_ISGETLIST2" }, { 0x20, "SENDMSG" },
		{ 0x21, "RECVMSG" }, { 0x30, "READMSG" }, { 0x31, "DELMSG" }, { 0x32, "ANSREADMSG" },
		{ 0x40, "GETINFO" }, { 0x41, "SENDINFO" }, { 0x50, "GETABSENCEINFO" },
		{ 0x51, "SENDABSENCEINFO" }, { 0x60, "GETFILEDATA" }, { 0x61, "RELEASEFILES" },
		{ 0x62, "GETDIRFILES" }, { 0x63, "DIRFILES_AUTH" }, { 0x64, "DIRFILES_AUTHRET" },
		{ 0x72, "GETPUBKEY" }, { 0x73, "ANSPUBKEY" }, { 0xa0, "AGENT_REQ" }, { 0xa1, "AGENT_ANSREQ" },
		{ 0xa2, "AGENT_PACKET" }, { 0xa3, "AGENT_PROXYREQ" }, { 0xb0, "DIR_POLL" },
		{ 0xb1, "DIR_POLLAGENT" }, { 0xb2, "DIR_BROADCAST" }, { 0xb3, "DIR_ANSBROAD" },
		{ 0xb4, "DIR_PACKET" }, { 0xb5, "DIR_REQUEST" }, { 0xb6, "DIR_AGENTPACKET" },
		{ 0xb7, "DIR_EVBROAD" }, { 0xb8, "DIR_AGENTREJECT" }, { 0xfb, "IPTUX_SENDMSG" },
		{ 0xfc, "IPTUX_SEND_SIGN" }, { 0xfd, "IPTUX_SENDSUBLAYER" }, { 0xfe, "IPTUX_SENDICON" },
		{ 0xff, "IPTUX_ASKSHARED" },
	};
	struct ct_sbuf b;
	uint32_t mode;
	int bad = 0;

	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		const char *n = ct_codec_cmd_name(cmds[i].v);
		if (!n || strcmp(n, cmds[i].n) != 0 || ct_codec_cmd_lookup(cmds[i].n, &mode) != 0 ||
			mode != cmds[i].v) {
			printf("# command 0x%02x: got %s\n", (unsigned)cmds[i].v, n ? n : "(null)");
			bad++;
		}
	}
	is_int(bad, 0, "every command of spec §2.1 has its name and lookup");
	ok(ct_codec_cmd_name(0x99) == NULL, "unknown mode has no name");
	is_int(ct_codec_cmd_lookup("ipmsg_sendmsg", &mode), 0, "lookup with prefix, any case");
	is_int(mode, 0x20, "lookup result");
	is_int(ct_codec_cmd_lookup("NOPE", &mode), CT_ENOTFOUND, "lookup of unknown name");

	ct_sbuf_init(&b);
#define FMT(cmd, want) do { ct_sbuf_reset(&b); ct_codec_cmd_format(&b, (cmd)); \
	is_str(b.p, (want), "format %s", #cmd); } while (0)
	FMT(258211841u, "BR_ENTRY|CAPFILEENCOPT|FILEATTACHOPT|ENCRYPTOPT|CAPUTF8OPT|CAPIPDICTOPT|ENCEXTMSGOPT|CLIPBOARDOPT");
	FMT(288u, "SENDMSG|SENDCHECKOPT");
	FMT(289u, "RECVMSG|SENDCHECKOPT");
	FMT(257u, "BR_ENTRY|ABSENCEOPT");
	FMT(259u, "ANSENTRY|ABSENCEOPT");
	FMT(65538u, "BR_EXIT|DIALUPOPT");
	FMT(0x18u | 0x4000u | 0x01000000u, "BR_ISGETLIST2|RETRYOPT|CAPUTF8OPT");
	FMT(0x13u | 0x00800000u, "ANSLIST|UTF8OPT");
	FMT(0x20u | 0x100u | 0x200u | 0x100000u, "SENDMSG|SENDCHECKOPT|SECRETOPT|READCHECKOPT");
	FMT(0x20u | 0x00200000u | 0x80000000u, "SENDMSG|FILEATTACHOPT|IPTUX_SHAREDOPT");
	FMT(0x60u | 0x800u | 0x00800000u, "GETFILEDATA|ENCFILEOPT|UTF8OPT");
	FMT(0x62u | 0x400u, "GETDIRFILES|ENCFILE_OBSLT");
	FMT(0xfbu | 0x300u, "IPTUX_SENDMSG|IPTUX_GROUPOPT");
	FMT(0xfbu | 0x400u, "IPTUX_SENDMSG|IPTUX_BROADCASTOPT");
	FMT(0x1fdu, "IPTUX_SENDSUBLAYER|IPTUX_PHOTOPICOPT");
	FMT(0x2fdu, "IPTUX_SENDSUBLAYER|IPTUX_MSGPICOPT");
	FMT(0xffu | 0x40000000u, "IPTUX_ASKSHARED|IPTUX_PASSWDOPT");
	FMT(0x01u | 0x2000u, "BR_ENTRY|0x2000");
	FMT(0x99u | 0x100u, "0x99|SENDCHECKOPT");
	FMT(0x72u | 0x2000u, "GETPUBKEY|AUTORETOPT");
	FMT(0x02u | 0x80000000u, "BR_EXIT|0x80000000");
#undef FMT
	ct_sbuf_fini(&b);
	is_int(ct_codec_opt_class(CT_IPMSG_BR_ABSENCE), CT_IPMSG_OPTC_ENTRY, "BR_ABSENCE uses entry options");
	is_int(ct_codec_opt_class(CT_IPMSG_READMSG), CT_IPMSG_OPTC_SEND, "READMSG uses send options");
	is_int(ct_codec_opt_class(CT_IPMSG_GETDIRFILES), CT_IPMSG_OPTC_FILE, "GETDIRFILES uses file options");
	is_str(ct_codec_opt_name(CT_IPMSG_OPTC_ENTRY, 0x100), "ABSENCEOPT", "0x100 in entry class");
	is_str(ct_codec_opt_name(CT_IPMSG_OPTC_SEND, 0x100), "SENDCHECKOPT", "0x100 in send class");
	{
		const char *names[2];
		uint32_t unk = 0;
		is_int(ct_codec_opt_list(258211841u, names, 2, &unk), 2, "opt_list respects max");
		is_int(unk, 0, "no unknown bits when truncated by max");
	}
}

/* ct_codec_reparse (the trace's hot path: one buffer reused) gives what a fresh parse gives, errors
 * included, datagram after datagram; and the header numbers keep their error codes. */
static int same_slice(struct ct_slice a, struct ct_slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static void test_reparse(void)
{
	static const struct { const char *d; size_t n; } in[] = {
		{ LIT("1:100:shirouzu:jupiter:32:Hello") },
		{ LIT("1:1:u:h:32:") },
		{ LIT("1_iptux 0.8.3:5:alice:pc:1:alice\0\0UTF-8\0") },
		{ LIT("1:0000000000000000000000007:u:h:32:x") },     /* 26 digits, leading zeros: the slow path */
		{ LIT("1:0004294967295:u:h:0000000000000000032:") }, /* 13 and 19 digits */
		{ LIT("1:4294967296:u:h:32:") },
		{ LIT("1:99999999999x:u:h:32:") },                    /* past 32 bits before the x: ERANGE */
		{ LIT("1:12a:u:h:32:") },
		{ LIT("") },
		{ LIT("hello world") },
		{ LIT("1:2:u:h:288:body\0sec1\0sec2\0\0\0") },
		{ LIT("1:7:u:h:32") },
	};
	struct ct_ipmsg re, fresh;
	int bad = 0;
	char *big = malloc(5000);

	memset(big, 'B', 5000);
	memcpy(big, "1:9:u:h:32:", 11);
	memset(&re, 0, sizeof re);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i <= sizeof in / sizeof in[0]; i++) {
			const char *d = i < sizeof in / sizeof in[0] ? in[i].d : big;
			size_t n = i < sizeof in / sizeof in[0] ? in[i].n : 5000;
			int r1 = ct_codec_parse(&fresh, d, n), r2 = ct_codec_reparse(&re, d, n);
			if (r1 != r2 || (r1 == 0 && (fresh.packetno != re.packetno || fresh.command != re.command ||
			    fresh.len != re.len || fresh.nul_pad != re.nul_pad || fresh.nsec != re.nsec ||
			    fresh.nsec_total != re.nsec_total || fresh.no_body_colon != re.no_body_colon ||
			    fresh.version_extra != re.version_extra || !same_slice(fresh.version, re.version) ||
			    !same_slice(fresh.user, re.user) || !same_slice(fresh.host, re.host) ||
			    !same_slice(fresh.extra, re.extra)))) {
				printf("# datagram %zu: parse %d, reparse %d\n", i, r1, r2);
				bad++;
			}
			for (size_t k = 0; r1 == 0 && k < fresh.nsec; k++)
				if (!same_slice(fresh.sec[k], re.sec[k]))
					bad++;
			ct_codec_fini(&fresh);
		}
	}
	is_int(bad, 0, "reparse gives what a fresh parse gives, errors included, over 26 datagrams");
	{
		const char *kept;
		ct_codec_reparse(&re, LIT("1:1:u:h:32:a longer body than the next"));
		kept = re.buf;
		ct_codec_reparse(&re, LIT("1:2:u:h:32:short"));
		ok(re.buf == kept && slice_is(re.sec[0], "short"), "reparse keeps the buffer when it is large enough");
	}
	ct_codec_fini(&re);
	free(big);
	is_int(ct_codec_parse(&fresh, LIT("1:0000000000000000000004294967295:u:h:32:")), 0, "31 digits with leading zeros parse");
	is_int(fresh.packetno, 4294967295u, "... to 4294967295");
	ct_codec_fini(&fresh);
	is_int(ct_codec_parse(&fresh, LIT("1:1:u:h:1844674407370955161600:")), CT_ERANGE, "a 22-digit command overflows");
	ct_codec_fini(&fresh);
	is_int(ct_codec_parse(&fresh, LIT("1:99999999999x:u:h:32:")), CT_ERANGE,
		"a number past 32 bits before a non-digit is out of range (as ct_parse_u32 says)");
	ct_codec_fini(&fresh);
}

int main(void)
{
	test_spec_example();
	test_nul_tolerance();
	test_versions();
	test_malformed();
	test_names();
	test_reparse();
	return tap_done();
}
