/* t-bodies.c: unit tests for bodies.c: §5.3 key exchange, encrypted framing, packet-number replies, SENDMSG sections. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "ipmsg-fixtures.h"
#include "bodies.h"
#include "codec.h"
#include "err.h"
#include "sbuf.h"

static void test_pubkey(void)
{
	struct ct_ipmsg m;
	struct ct_sbuf b;
	struct ct_body_pubkey k;
	uint32_t capa = 0;
	char mod[513];

	/* §5.3: GETPUBKEY body "%x" of Windows' capability word */
	is_int(ct_codec_parse(&m, LIT("1:1700000500:alice:PC-A:114:65920006\0")), 0, "GETPUBKEY packet parses");
	is_int(m.mode, CT_IPMSG_GETPUBKEY, "GETPUBKEY");
	is_int(ct_body_getpubkey_parse(m.sec[0].p, m.sec[0].len, &capa), 0, "capability parses");
	is_int(capa, 0x65920006u, "capa 0x65920006");
	ct_codec_fini(&m);
	ct_sbuf_init(&b);
	ct_body_getpubkey_build(&b, 0x65920006u);
	is_str(b.p, "65920006", "GETPUBKEY body byte for byte");
	ct_sbuf_reset(&b);
	ct_body_capa_format(&b, capa);
	is_str(b.p, "RSA_1024|RSA_2048|BLOWFISH_128|AES_256|PACKETNO_IV|ENCODE_BASE64|NOENC_FILEBODY|SIGN_SHA1|SIGN_SHA256",
		"capability names");
	ct_sbuf_reset(&b);
	ct_body_capa_format(&b, 0x80000000u | CT_IPMSG_RSA_1024);
	is_str(b.p, "RSA_1024|0x80000000", "unknown capability bit in hex");
	ct_sbuf_reset(&b);

	/* ANSPUBKEY "%X:%X-%s", 512 hex chars of modulus for RSA-2048 */
	memset(mod, 'a', 512);
	memcpy(mod, "c0ffee", 6);
	mod[512] = '\0';
	is_int(ct_body_anspubkey_build(&b, 0x65920006u, "10001", mod), 0, "ANSPUBKEY builds");
	ok(b.len == 9 + 6 + 512 && memcmp(b.p, "65920006:10001-c0ffee", 21) == 0, "ANSPUBKEY bytes");
	is_int(ct_body_anspubkey_parse(b.p, b.len, &k), 0, "ANSPUBKEY parses");
	is_int(k.capa, 0x65920006u, "capa");
	ok(k.exp.len == 5 && memcmp(k.exp.p, "10001", 5) == 0, "exponent 10001");
	is_int(k.mod.len, 512, "modulus 512 hex digits");
	ok(memcmp(k.mod.p, "c0ffee", 6) == 0, "modulus text");
	is_int(ct_body_anspubkey_parse(LIT("21:10001-C0FFEE"), &k), 0, "uppercase modulus (g2ipmsg)");
	is_int(ct_body_anspubkey_parse(LIT("21:10001"), &k), CT_ETRUNC, "no modulus");
	is_int(ct_body_anspubkey_parse(LIT("21"), &k), CT_ETRUNC, "capa only");
	is_int(ct_body_anspubkey_parse(LIT("zz:10001-ab"), &k), CT_EFORMAT, "bad capa");
	is_int(ct_body_anspubkey_parse(LIT("21:10001-xy"), &k), CT_EFORMAT, "non-hex modulus");
	is_int(ct_body_anspubkey_parse(LIT("21:-ab"), &k), CT_EFORMAT, "empty exponent");
	is_int(ct_body_anspubkey_build(&b, 1, "10001", "nothex"), CT_EINVAL, "builder refuses non-hex");
	is_int(ct_body_getpubkey_parse("", 0, &capa), CT_ETRUNC, "empty GETPUBKEY");
	is_int(ct_body_getpubkey_parse(LIT("123456789"), &capa), CT_ERANGE, "GETPUBKEY capa > 32 bits");
	ct_sbuf_fini(&b);
}

static void test_enc(void)
{
	struct ct_body_enc e;
	struct ct_sbuf b;

	/* §5.4: RSA_2048|AES_256|PACKETNO_IV|SIGN_SHA256 = 0x40900004 */
	is_int(ct_body_enc_parse(LIT("40900004:0a1b2c:d4e5f6:778899\0"), &e), 0, "signed encrypted body parses");
	is_int(e.capa, 0x40900004u, "capa used");
	ok(e.key.len == 6 && memcmp(e.key.p, "0a1b2c", 6) == 0, "session key field");
	ok(e.msg.len == 6 && memcmp(e.msg.p, "d4e5f6", 6) == 0, "ciphertext field");
	ok(e.has_sig && e.sig.len == 6 && memcmp(e.sig.p, "778899", 6) == 0, "signature field");
	is_int(ct_body_enc_parse(LIT("20022:a+b/=:Zm9v"), &e), 0, "unsigned base64 body parses");
	is_int(e.has_sig, 0, "no signature");
	ct_sbuf_init(&b);
	ct_body_enc_build(&b, 0x40900004u, "0a1b2c", "d4e5f6", "778899");
	is_str(b.p, "40900004:0a1b2c:d4e5f6:778899", "encrypted framing byte for byte (%%X capa)");
	ct_sbuf_reset(&b);
	ct_body_enc_build(&b, 0x20022u, "ab", "cd", NULL);
	is_str(b.p, "20022:ab:cd", "no signature field");
	is_int(ct_body_enc_build(&b, 1, "a:b", "c", NULL), CT_EINVAL, "':' in a field refused");
	ct_sbuf_fini(&b);
	is_int(ct_body_enc_parse(LIT("40900004:abc"), &e), CT_ETRUNC, "two fields");
	is_int(ct_body_enc_parse(LIT("zz:a:b"), &e), CT_EFORMAT, "bad capa");
	is_int(ct_body_enc_parse(LIT("1:a:b:c:d"), &e), CT_EFORMAT, "five fields");
	is_int(ct_body_enc_parse(LIT("1::b"), &e), CT_EFORMAT, "empty key");
	is_int(ct_body_enc_parse(LIT("1:a:b:"), &e), CT_EFORMAT, "empty signature");
	is_int(ct_body_enc_parse("", 0, &e), CT_ETRUNC, "empty body");
}

static void test_pktno(void)
{
	static const struct { const char *pkt; size_t len; uint32_t mode; } v[] = {
		{ LIT("1:1700000310:bob:PC-B:33:1700000300\0"), CT_IPMSG_RECVMSG },
		{ LIT("1:1700000311:bob:PC-B:1048624:1700000300\0"), CT_IPMSG_READMSG },
		{ LIT("1:1700000312:alice:PC-A:50:1700000300\0"), CT_IPMSG_ANSREADMSG },
		{ LIT("1:1700000313:bob:PC-B:97:1700000300\0"), CT_IPMSG_RELEASEFILES },
	};
	struct ct_sbuf b;
	uint32_t n;

	ct_sbuf_init(&b);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct ct_ipmsg m;
		is_int(ct_codec_parse(&m, v[i].pkt, v[i].len), 0, "%s parses", ct_codec_cmd_name(v[i].mode));
		is_int(m.mode, v[i].mode, "mode %s", ct_codec_cmd_name(v[i].mode));
		is_int(ct_body_pktno_parse(m.sec[0].p, m.sec[0].len, &n), 0, "packet number body");
		is_int(n, 1700000300u, "echoes packet 1700000300 in decimal");
		ct_sbuf_reset(&b);
		ct_codec_build_header(&b, NULL, m.packetno, m.user.p, m.host.p, m.command);
		ct_body_pktno_build(&b, n);
		ct_sbuf_addc(&b, '\0');
		is_mem(b.p, b.len, v[i].pkt, v[i].len, "%s byte for byte", ct_codec_cmd_name(v[i].mode));
		ct_codec_fini(&m);
	}
	ct_sbuf_fini(&b);
	is_int(ct_body_pktno_parse(LIT(" 42"), &n), 0, "leading space tolerated");
	is_int(n, 42, "42");
	is_int(ct_body_pktno_parse("", 0, &n), CT_ETRUNC, "empty");
	is_int(ct_body_pktno_parse(LIT("12x"), &n), CT_EFORMAT, "junk");
	is_int(ct_body_pktno_parse(LIT("6553f22c"), &n), CT_EFORMAT, "hex refused");
	is_int(ct_body_pktno_parse(LIT("4294967296"), &n), CT_ERANGE, "overflow");
}

static void test_sendmsg(void)
{
	struct ct_ipmsg m;
	struct ct_body_sendmsg s;
	struct ct_sbuf b;

	is_int(ct_codec_parse(&m, LIT("1:1:u:h:288:hello\nworld\0")), 0, "SENDMSG parses");
	ct_body_sendmsg_parse(&m, &s);
	ok(s.text.len == 11 && !s.has_attach && !s.has_to, "text only");
	ct_codec_fini(&m);
	/* §3.5 plaintext layout: text NUL NUL TO:list NUL */
	is_int(ct_codec_parse(&m, LIT("1:2:u:h:288:msg\0\0TO:u1:h1\au2:h2\a\0")), 0, "TO: list parses");
	ct_body_sendmsg_parse(&m, &s);
	ok(!s.has_attach && s.has_to && s.to.len == 15, "no attachment, TO: list found");
	ct_codec_fini(&m);
	ct_sbuf_init(&b);
	ct_body_sendmsg_build(&b, "hi", NULL);
	is_lit(b.p, b.len, "hi\0", "text NUL");
	ct_sbuf_reset(&b);
	ct_body_sendmsg_build(&b, "", "");
	is_lit(b.p, b.len, "\0", "empty message is one NUL");
	ct_sbuf_fini(&b);
	/* GETINFO / SENDINFO / GETABSENCEINFO / SENDABSENCEINFO: text bodies */
	is_int(ct_codec_parse(&m, LIT("1:3:u:h:81:" CT_IPMSG_NOT_ABSENCE "\0")), 0, "SENDABSENCEINFO parses");
	is_int(m.mode, CT_IPMSG_SENDABSENCEINFO, "SENDABSENCEINFO");
	ok(m.sec[0].len == 16 && strcmp(m.sec[0].p, "Not Absence mode") == 0, "Windows' fixed text");
	ct_codec_fini(&m);
	is_int(ct_codec_parse(&m, LIT("1:4:u:h:65:Win(en)Ver4.99r3(x64)\0")), 0, "SENDINFO parses");
	is_int(m.mode, CT_IPMSG_SENDINFO, "SENDINFO");
	ct_codec_fini(&m);
}

int main(void)
{
	test_pubkey();
	test_enc();
	test_pktno();
	test_sendmsg();
	return tap_done();
}
