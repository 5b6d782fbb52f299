/* t-crypto.c: unit tests for crypto.c and crypt-wire.c: encodings, suite choice, ANSPUBKEY, round trips, known answers, the openssl command line, bad input. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tap.h"
#include "crypto-fixtures.h"
#include "crypto.h"
#include "err.h"
#include "sbuf.h"

#define LIT_DE "==== AutoReply(DecryptErr) ==== My PubKey is updated, I can't receive your message. Please press refresh button."

static struct ct_crypt_keys *ka, *kb;   /* a: us (the sender), b: the peer */
static char tmpdir[] = "/tmp/t-crypto.XXXXXX";

static struct ct_crypt_keys *keys(const char *p2048, const char *p1024)
{
	struct ct_crypt_keys *k = NULL;
	char err[256] = "";

	if (ct_crypt_keys_from_pem(&k, p2048, strlen(p2048), p1024, p1024 ? strlen(p1024) : 0, err, sizeof err) != 0)
		printf("# keys: %s\n", err);
	return k;
}

/* b's public key as a's ANSPUBKEY parse sees it, with b advertising word capa. */
static struct ct_crypt_pub *pub_of(struct ct_crypt_keys *k, uint32_t capa, uint32_t req)
{
	struct ct_sbuf b;
	struct ct_crypt_pub *p = NULL;
	char err[256] = "";

	ct_sbuf_init(&b);
	if (ct_crypt_anspubkey(k, capa, req, &b) == 0 && ct_crypt_pub_parse(b.p, b.len, NULL, 0, &p, NULL, err, sizeof err) != 0)
		printf("# pub_of: %s\n", err);
	ct_sbuf_fini(&b);
	return p;
}

static void test_encodings(void)
{
	/* each decoder's refusals: b64 = 1 base64, 0 hex */
	static const struct { int b64; const char *in, *what; int rc; } bad[] = {
		{ 1, "Zm9vYmF=", "base64: non-zero unused bits refused", CT_EFORMAT },
		{ 1, "Zm9v\r\nYmE=", "base64: line breaks refused", CT_EFORMAT },
		{ 1, "Zg==Zg==", "base64: padding inside refused", CT_EFORMAT },
		{ 1, "Zm9", "base64: length not a multiple of 4", CT_EFORMAT },
		{ 1, "QUFBQUFBQUFBQUFBQUFBQUFBQUFB", "base64: more than the buffer holds", CT_ETOOBIG },
		{ 0, "01a", "hex: odd length refused", CT_EFORMAT },
		{ 0, "0g", "hex: non-digit refused", CT_EFORMAT },
		{ 0, "000102030405060708090a0b0c0d0e0f10", "hex: more than the buffer holds", CT_ETOOBIG },
	};
	struct ct_sbuf b;
	uint8_t out[16];
	size_t n;

	ct_sbuf_init(&b);
	ct_crypt_b64_encode(&b, "foobar", 6);
	ct_crypt_b64_encode(&b, "fo", 2);
	ct_crypt_b64_encode(&b, "f", 1);
	is_str(b.p, "Zm9vYmFyZm8=Zg==", "base64: RFC 4648 vectors, '=' padding, no line breaks");
	is_int(ct_crypt_b64_decode("Zm9vYmE=", 8, out, sizeof out, &n), 0, "base64 decodes");
	is_mem(out, n, "fooba", 5, "base64 bytes");
	ct_sbuf_reset(&b);
	ct_crypt_hex_encode(&b, "\x01\xAB\xff", 3);
	is_str(b.p, "01abff", "hex is lowercase");
	is_int(ct_crypt_hex_decode("01ABfF", 6, out, sizeof out, &n), 0, "hex decodes either case");
	is_mem(out, n, "\x01\xab\xff", 3, "hex bytes");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		is_int(bad[i].b64 ? ct_crypt_b64_decode(bad[i].in, strlen(bad[i].in), out, sizeof out, &n) :
			ct_crypt_hex_decode(bad[i].in, strlen(bad[i].in), out, sizeof out, &n), bad[i].rc, "%s", bad[i].what);
	ct_sbuf_fini(&b);
}

static void test_choose_names(void)
{
	char f[17];

	/* crypto-interop §2.2d, with our word 0x61920006 */
	is_int(ct_crypt_choose(0x65920006u & CT_CRYPT_CAPA_ALL, 2048), 0x41900004u, "Windows 4.99: RSA2048|AES256|SHA256|PNIV|BASE64");
	is_int(ct_crypt_choose(0x21921007u & CT_CRYPT_CAPA_ALL, 2048), 0x21900004u, "Windows 3.42: the SHA-1 branch");
	is_int(ct_crypt_choose(0x61920006u, 1024), 0x01820002u, "a 1024-bit key (Mac): RSA1024|BF128|PNIV|BASE64, unsigned");
	is_int(ct_crypt_choose(0x00120004u, 2048), 0x00100004u, "no PNIV, no base64, no signature");
	is_int(ct_crypt_choose(CT_IPMSG_RSA_1024 | CT_IPMSG_BLOWFISH_128, 2048), 0, "RSA1024+BF word with a 2048-bit key: none");
	is_int(ct_crypt_choose(CT_IPMSG_RSA_2048 | CT_IPMSG_AES_128, 2048), 0, "AES-128 (g2ipmsg) is not a suite");
	ok(ct_crypt_name_fpr("alice-<0ADF07fe4ba384f4>", 24, f) == 1 && strcmp(f, "0adf07fe4ba384f4") == 0,
		"fingerprinted user name found, lowercased");
	ok(ct_crypt_name_fpr("x-<0adf07fe4ba384f>", 19, f) == 0, "15 characters: no fingerprint");
	ok(ct_crypt_name_fpr("alice", 5, f) == 0 && f[0] == 0, "plain name: no fingerprint");
	ok(ct_crypt_is_decrypt_err(LIT_DE, sizeof LIT_DE - 1), "Windows' DecryptErr auto-reply recognised");
	ok(!ct_crypt_is_decrypt_err("hello ==== AutoReply(DecryptErr) ====", 38), "only at the start of the text");
	{
		static const char pl[] = "hi\0" "1:a.txt:5:6543:1:\a\0" "TO:bob:PC-B\0";
		struct ct_slice tx, at, to;
		ct_crypt_plain_split(pl, sizeof pl - 1, &tx, &at, &to);
		ok(tx.len == 2 && !memcmp(tx.p, "hi", 2) && at.len == 18 && to.len == 11 && !memcmp(to.p, "TO:", 3),
			"plaintext sections: text, attachment list, TO: list");
		ct_crypt_plain_split("x", 1, &tx, &at, &to);
		ok(tx.len == 1 && at.len == 0 && to.len == 0, "text alone, without its NUL: no other sections");
	}
	is_str(ct_crypt_reason_name(CT_CRYPT_R_FINGERPRINT), "fingerprint_mismatch", "reason name");
	is_str(ct_crypt_sig_name(CT_CRYPT_SIG_TEXT_ONLY), "text_only", "signature state name");
}

static void test_pubkey(void)
{
	struct ct_sbuf b;
	struct ct_crypt_pub *p = NULL;
	enum ct_crypt_reason why;
	char err[300], want[1000], fpr[17];

	ct_sbuf_init(&b);
	/* crypto-interop §2.2b: our full word, "%X" exponent, full-length lowercase big-endian modulus */
	is_int(ct_crypt_anspubkey(kb, CT_CRYPT_CAPA_ALL, 0x65920006u, &b), 0, "ANSPUBKEY to a 2048-capable requester");
	snprintf(want, sizeof want, "61920006:10001-%s", FX_MOD_B2048);
	is_str(b.p, want, "ANSPUBKEY body byte for byte (modulus from openssl rsa -modulus)");
	ct_sbuf_reset(&b);
	is_int(ct_crypt_anspubkey(kb, CT_CRYPT_CAPA_ALL, CT_IPMSG_RSA_1024 | CT_IPMSG_BLOWFISH_128, &b), 0, "to a 1024-only requester");
	snprintf(want, sizeof want, "61920006:10001-%s", FX_MOD_B1024);
	is_str(b.p, want, "the 1024-bit key");
	ct_sbuf_reset(&b);
	is_int(ct_crypt_anspubkey(kb, CT_CRYPT_CAPA_ALL, CT_IPMSG_RSA_512 | CT_IPMSG_RC2_40, &b), CT_EUNSUP, "nothing in common: no answer");

	snprintf(want, sizeof want, "65920006:10001-%s", FX_MOD_B2048);
	is_int(ct_crypt_pub_parse(want, strlen(want), "bob-<eaa44aac03396594>", 22, &p, &why, err, sizeof err), 0,
		"ANSPUBKEY parses, the name's fingerprint matches");
	ok(p && ct_crypt_pub_bits(p) == 2048 && ct_crypt_pub_capa(p) == 0x65920006u, "2048 bits, the peer's word");
	ok(p && ct_crypt_pub_fpr(p, fpr) == 0 && strcmp(fpr, FX_FPR_B2048) == 0, "fingerprint as computed in Python");
	ct_crypt_pub_free(p);
	is_int(ct_crypt_keys_fpr(ka, fpr), 0, "our fingerprint");
	is_str(fpr, FX_FPR_A2048, "our fingerprint as computed in Python");
	is_int(ct_crypt_pub_parse(want, strlen(want), "bob-<0123456789abcdef>", 22, &p, &why, err, sizeof err), CT_EPROTO,
		"a fingerprint of another key: refused");
	is_int(why, CT_CRYPT_R_FINGERPRINT, "reason fingerprint_mismatch");
	ok(strstr(err, "fingerprint mismatch") != NULL, "error says it: %s", err);
	snprintf(want, sizeof want, "61920006:10001-%s", FX_MOD_B1024);
	is_int(ct_crypt_pub_parse(want, strlen(want), "bob-<eaa44aac03396594>", 22, &p, &why, err, sizeof err), CT_EPROTO,
		"a 1024-bit key for a fingerprinted name: refused");
	snprintf(want, sizeof want, "61920006:10001-00%s", FX_MOD_B1024);
	is_int(ct_crypt_pub_parse(want, strlen(want), NULL, 0, &p, &why, err, sizeof err), 0, "leading zero digits tolerated");
	ok(p && ct_crypt_pub_bits(p) == 1024, "1024 bits");
	ct_crypt_pub_free(p);
	snprintf(want, sizeof want, "61920006:10001-%.200s", FX_MOD_B1024);
	is_int(ct_crypt_pub_parse(want, strlen(want), NULL, 0, &p, &why, err, sizeof err), CT_EUNSUP, "800-bit key refused");
	is_int(why, CT_CRYPT_R_BAD_KEY, "reason bad_key");
	snprintf(want, sizeof want, "61920006:10001-%s%s", FX_MOD_B2048, FX_MOD_B1024);
	is_int(ct_crypt_pub_parse(want, strlen(want), NULL, 0, &p, &why, err, sizeof err), CT_ETOOBIG, "huge modulus refused");
	snprintf(want, sizeof want, "61920006:10000-%s", FX_MOD_B1024);
	is_int(ct_crypt_pub_parse(want, strlen(want), NULL, 0, &p, &why, err, sizeof err), CT_EUNSUP, "even exponent refused");
	snprintf(want, sizeof want, "61920006:1000000001-%s", FX_MOD_B1024);
	is_int(ct_crypt_pub_parse(want, strlen(want), NULL, 0, &p, &why, err, sizeof err), CT_EUNSUP, "exponent over 32 bits refused");
	is_int(ct_crypt_pub_parse("61920006:10001", 14, NULL, 0, &p, &why, err, sizeof err), CT_ETRUNC, "truncated: no modulus");
	is_int(why, CT_CRYPT_R_FORMAT, "reason malformed");
	ok(p == NULL, "no key on error");
	ct_sbuf_fini(&b);
}

/* Encrypts FX_PLAIN-like text from a to b (b advertising bword) and decrypts it as b. */
static void round_trip(const char *what, uint32_t bword, uint32_t req, uint32_t want_capa, const char *want_cipher,
	const char *want_hash, enum ct_crypt_sig want_sig)
{
	struct ct_crypt_pub *pb = pub_of(kb, bword, req), *pa = pub_of(ka, CT_CRYPT_CAPA_ALL, CT_CRYPT_CAPA_ALL);
	struct ct_crypt_info ie, id;
	struct ct_sbuf body, plain;
	char err[300] = "";
	static const char text[] = "line one\nline two: with colons: and UTF-8 \xe3\x81\x82\0attach\0";

	ct_sbuf_init(&body);
	ct_sbuf_init(&plain);
	is_int(ct_crypt_encrypt(ka, CT_CRYPT_CAPA_ALL, pb, 1700000300u, text, sizeof text - 1, &body, &ie, err, sizeof err), 0,
		"%s: encrypts (%s)", what, err);
	is_int(ie.capa, want_capa, "%s: body word", what);
	is_str(ie.cipher, want_cipher, "%s: cipher", what);
	is_str(ie.hash, want_hash, "%s: signature hash", what);
	is_int(ct_crypt_decrypt(kb, pa, "1700000300", 10, body.p, body.len, &plain, &id, err, sizeof err), 0,
		"%s: decrypts (%s)", what, err);
	is_mem(plain.p, plain.len, text, sizeof text - 1, "%s: the whole plaintext back", what);
	is_int(id.sig, want_sig, "%s: signature %s", what, ct_crypt_sig_name(want_sig));
	is_int(id.capa, want_capa, "%s: word seen by the receiver", what);
	ct_sbuf_reset(&plain);
	is_int(ct_crypt_decrypt(kb, NULL, "1700000300", 10, body.p, body.len, &plain, &id, err, sizeof err), 0,
		"%s: decrypts without the sender's key", what);
	is_int(id.sig, want_sig == CT_CRYPT_SIG_NONE ? CT_CRYPT_SIG_NONE : CT_CRYPT_SIG_NOKEY, "%s: then no_key", what);
	ct_sbuf_reset(&plain);
	if (want_capa & CT_IPMSG_PACKETNO_IV) {
		/* CBC: a wrong IV garbles the first block only; a signature catches it, else the text shows it */
		int rc = ct_crypt_decrypt(kb, pa, "2700000300", 10, body.p, body.len, &plain, &id, err, sizeof err);
		ok(want_sig == CT_CRYPT_SIG_NONE ? rc == 0 && memcmp(plain.p, text, 8) != 0 && memcmp(plain.p + 8, text + 8, 8) == 0 :
			rc == CT_EPROTO && id.reason == CT_CRYPT_R_BAD_SIG, "%s: another packet number (IV) garbles the first block", what);
	}
	ct_sbuf_fini(&body);
	ct_sbuf_fini(&plain);
	ct_crypt_pub_free(pa);
	ct_crypt_pub_free(pb);
}

static void test_round_trips(void)
{
	const uint32_t w499 = 0x65920006u, w342 = 0x21921007u;

	round_trip("RSA2048+AES256+SHA256 base64", w499, CT_CRYPT_CAPA_ALL, 0x41900004u, "aes-256-cbc", "sha256", CT_CRYPT_SIG_OK);
	round_trip("RSA2048+AES256+SHA1 base64 (v3)", w342, CT_CRYPT_CAPA_ALL, 0x21900004u, "aes-256-cbc", "sha1", CT_CRYPT_SIG_OK);
	round_trip("RSA2048+AES256+SHA256 hex", w499 & ~CT_IPMSG_ENCODE_BASE64, CT_CRYPT_CAPA_ALL, 0x40900004u, "aes-256-cbc",
		"sha256", CT_CRYPT_SIG_OK);
	round_trip("RSA2048+AES256 unsigned, zero IV", CT_IPMSG_RSA_2048 | CT_IPMSG_AES_256, CT_CRYPT_CAPA_ALL, 0x00100004u,
		"aes-256-cbc", "none", CT_CRYPT_SIG_NONE);
	round_trip("RSA1024+BF128 base64", w499, CT_IPMSG_RSA_1024 | CT_IPMSG_BLOWFISH_128, 0x01820002u, "blowfish-128-cbc",
		"none", CT_CRYPT_SIG_NONE);
	round_trip("RSA1024+BF128 hex", CT_IPMSG_RSA_1024 | CT_IPMSG_BLOWFISH_128 | CT_IPMSG_PACKETNO_IV, CT_IPMSG_RSA_1024,
		0x00820002u, "blowfish-128-cbc", "none", CT_CRYPT_SIG_NONE);
}


/* ---- the openssl command line as the independent other side ---- */

static int have_openssl;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void put_file(const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	if ((f = fopen(path, "wb"))) {
		fwrite(p, 1, n, f);
		fclose(f);
	}
}

static size_t get_file(const char *name, void *p, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	if ((f = fopen(path, "rb"))) {
		n = fread(p, 1, cap, f);
		fclose(f);
	}
	return n;
}

static void field_to_file(const struct ct_slice *s, int b64, const char *name)
{
	uint8_t buf[4096];
	size_t n = 0;

	if (b64)
		ct_crypt_b64_decode(s->p, s->len, buf, sizeof buf, &n);
	else
		ct_crypt_hex_decode(s->p, s->len, buf, sizeof buf, &n);
	put_file(name, buf, n);
}

static void hex_of_file(const char *name, char *hex, size_t cap)
{
	uint8_t buf[64];
	size_t n = get_file(name, buf, sizeof buf);
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	ct_crypt_hex_encode(&b, buf, n);
	snprintf(hex, cap, "%s", b.p ? b.p : "");
	ct_sbuf_fini(&b);
}

#define OSSL "cd %s && openssl "
#define QUIET " 2>/dev/null"

/* openssl pkeyutl unwraps the session key of body e, openssl enc decrypts its ciphertext with
 * the given IV: the plaintext must be FX_PLAIN. */
static void openssl_takes_apart(const char *what, const struct ct_body_enc *e, int b64, const char *rsakey,
	const char *enc, const char *ivhex, size_t keybytes)
{
	char khex[80];
	uint8_t pt[64];

	field_to_file(&e->key, b64, "wk.bin");
	field_to_file(&e->msg, b64, "ct.bin");
	is_int(sh(OSSL "pkeyutl -decrypt -inkey %s.pem -pkeyopt rsa_padding_mode:pkcs1 -in wk.bin -out k.bin" QUIET,
		tmpdir, rsakey), 0, "%s: openssl pkeyutl unwraps our session key (PKCS#1 v1.5, big-endian)", what);
	hex_of_file("k.bin", khex, sizeof khex);
	is_int(strlen(khex), 2 * keybytes, "%s: a %zu-byte key", what, keybytes);
	is_int(sh(OSSL "enc -d %s -K %s -iv %s -in ct.bin -out pt.bin" QUIET, tmpdir, enc, khex, ivhex), 0,
		"%s: openssl enc decrypts with IV %s", what, ivhex);
	is_mem(pt, get_file("pt.bin", pt, sizeof pt), FX_PLAIN, FX_PLAIN_LEN, "%s: the plaintext, NUL included", what);
}

/* Our bodies, taken apart and decrypted by openssl pkeyutl/enc; the signature is a known answer. */
static void test_openssl_decrypts_ours(void)
{
	struct ct_crypt_pub *pb2 = pub_of(kb, 0x65920006u & ~CT_IPMSG_ENCODE_BASE64, CT_CRYPT_CAPA_ALL);
	struct ct_crypt_pub *pb1 = pub_of(kb, 0x65920006u, CT_IPMSG_RSA_1024);
	struct ct_crypt_info ie;
	struct ct_sbuf body;
	struct ct_body_enc e;
	char err[300] = "", sig[600];

	ct_sbuf_init(&body);
	is_int(ct_crypt_encrypt(ka, CT_CRYPT_CAPA_ALL, pb2, 1700000300u, FX_PLAIN, FX_PLAIN_LEN, &body, &ie, err, sizeof err),
		0, "AES hex body for the openssl cross-check");
	is_int(ct_body_enc_parse(body.p, body.len, &e), 0, "its framing parses");
	ok(e.has_sig && e.sig.len == 512, "signature field: 512 hex digits");
	snprintf(sig, sizeof sig, "%.*s", (int)e.sig.len, e.sig.p);
	is_str(sig, FX_SIG_SHA256_A, "SHA-256 signature equals openssl dgst -sha256 -sign (known answer)");
	ok(strncmp(body.p, "40900004:", 9) == 0, "word in uppercase hex first");
	/* IV "1700000300" + 6 NULs (PACKETNO_IV) */
	openssl_takes_apart("AES", &e, 0, "b2048", "-aes-256-cbc", "31373030303030333030000000000000", 32);

	ct_sbuf_reset(&body);
	is_int(ct_crypt_encrypt(ka, CT_CRYPT_CAPA_ALL, pb1, 1700000300u, FX_PLAIN, FX_PLAIN_LEN, &body, &ie, err, sizeof err),
		0, "Blowfish base64 body for the openssl cross-check");
	is_int(ct_body_enc_parse(body.p, body.len, &e), 0, "its framing parses");
	ok(!e.has_sig, "RSA1024+BF128 is unsigned");
	/* IV "17000003": the first 8 bytes */
	openssl_takes_apart("Blowfish", &e, 1, "b1024", "-bf-cbc -provider legacy -provider default", "3137303030303033", 16);
	ct_sbuf_fini(&body);
	ct_crypt_pub_free(pb1);
	ct_crypt_pub_free(pb2);
}

/* A body made by openssl alone (key wrap, CBC, signature), in the given suite, decrypted by us as b. */
static void openssl_body(const char *what, uint32_t capa, const char *rsakey, const char *enc, int keylen, const char *sign,
	const char *plain, size_t plen, const char *pktno, const struct ct_crypt_pub *pa, int want_rc, enum ct_crypt_sig want_sig)
{
	struct ct_sbuf body, out;
	struct ct_crypt_info id;
	char err[300] = "", khex[80], ivhex[40] = "", cmd_sig[200] = "";
	uint8_t kbuf[32], iv[16] = { 0 }, buf[2048];
	size_t n;
	int b64 = !!(capa & CT_IPMSG_ENCODE_BASE64);
	const char *parts[3] = { "wk.bin", "ct.bin", "sig.bin" };

	for (int i = 0; i < keylen; i++)
		kbuf[i] = (uint8_t)(i * 37 + 11);
	put_file("k.bin", kbuf, (size_t)keylen);
	put_file("pt.bin", plain, plen);
	hex_of_file("k.bin", khex, sizeof khex);
	if (capa & CT_IPMSG_PACKETNO_IV)
		memcpy(iv, pktno, strlen(pktno) > 15 ? 15 : strlen(pktno));
	for (int i = 0; i < (strstr(enc, "bf") ? 8 : 16); i++)
		snprintf(ivhex + 2 * i, 3, "%02x", iv[i]);
	if (sign && strstr(sign, "-text")) { /* Mac: the signature covers text+NUL only */
		put_file("text.bin", plain, strlen(plain) + 1);
		snprintf(cmd_sig, sizeof cmd_sig, " && openssl dgst -%.6s -sign a2048.pem -out sig.bin text.bin", sign);
	} else if (sign) {
		snprintf(cmd_sig, sizeof cmd_sig, " && openssl dgst -%s -sign a2048.pem -out sig.bin pt.bin", sign);
	}
	ok(sh(OSSL "pkey -in %s.pem -pubout -out pub.pem && openssl pkeyutl -encrypt -pubin -inkey pub.pem "
		"-pkeyopt rsa_padding_mode:pkcs1 -in k.bin -out wk.bin && openssl enc -e %s -K %s -iv %s -in pt.bin -out ct.bin%s" QUIET,
		tmpdir, rsakey, enc, khex, ivhex, cmd_sig) == 0, "%s: openssl builds the body", what);
	ct_sbuf_init(&body);
	ct_sbuf_init(&out);
	ct_sbuf_printf(&body, "%X", capa);
	for (int i = 0; i < (sign ? 3 : 2); i++) {
		n = get_file(parts[i], buf, sizeof buf);
		ct_sbuf_addc(&body, ':');
		if (b64)
			ct_crypt_b64_encode(&body, buf, n);
		else
			ct_crypt_hex_encode(&body, buf, n);
	}
	is_int(ct_crypt_decrypt(kb, pa, pktno, strlen(pktno), body.p, body.len, &out, &id, err, sizeof err), want_rc,
		"%s: we decrypt it (%s)", what, err);
	if (want_rc == 0)
		is_mem(out.p, out.len, plain, plen, "%s: plaintext", what);
	is_int(id.sig, want_sig, "%s: signature %s", what, ct_crypt_sig_name(want_sig));
	ct_sbuf_fini(&body);
	ct_sbuf_fini(&out);
}

static void test_openssl_to_us(const struct ct_crypt_pub *pa)
{
	static const char msg[] = "from openssl\n\0";
	static const char mac[] = "mac text\0attach list\0";

	openssl_body("openssl RSA2048+AES256+SHA256 base64", 0x41900004u, "b2048", "-aes-256-cbc", 32, "sha256",
		msg, sizeof msg - 1, "1700000400", pa, 0, CT_CRYPT_SIG_OK);
	openssl_body("openssl RSA2048+AES256+SHA1 hex", 0x20900004u, "b2048", "-aes-256-cbc", 32, "sha1",
		msg, sizeof msg - 1, "42", pa, 0, CT_CRYPT_SIG_OK);
	openssl_body("openssl RSA1024+BF128 hex", 0x00820002u, "b1024", "-bf-cbc -provider legacy -provider default", 16,
		NULL, msg, sizeof msg - 1, "1700000401", pa, 0, CT_CRYPT_SIG_NONE);
	/* Windows accepts any RSA x cipher pair (crypto-interop §2.2d): so do we */
	openssl_body("openssl RSA1024+AES256 (Mac)", 0x01900002u, "b1024", "-aes-256-cbc", 32, NULL,
		msg, sizeof msg - 1, "7", pa, 0, CT_CRYPT_SIG_NONE);
	openssl_body("openssl RSA2048+BF128", 0x00820004u, "b2048", "-bf-cbc -provider legacy -provider default", 16, NULL,
		msg, sizeof msg - 1, "8", pa, 0, CT_CRYPT_SIG_NONE);
	/* the Mac signs text+NUL only; the plaintext holds the attachment list too (§3) */
	openssl_body("Mac-style signature over text only", 0x41900004u, "b2048", "-aes-256-cbc", 32, "sha256-text",
		mac, sizeof mac - 1, "9", pa, 0, CT_CRYPT_SIG_TEXT_ONLY);
}

/* ---- bad input: each a clean error naming the cause ---- */

static void bad(const char *what, const char *body, size_t len, int want_rc, enum ct_crypt_reason want_why,
	const struct ct_crypt_keys *k, const struct ct_crypt_pub *pa)
{
	struct ct_sbuf out;
	struct ct_crypt_info id;
	char err[300] = "";

	ct_sbuf_init(&out);
	is_int(ct_crypt_decrypt(k, pa, "1700000300", 10, body, len, &out, &id, err, sizeof err), want_rc, "%s: %s", what,
		ct_strerror(want_rc));
	is_str(ct_crypt_reason_name(id.reason), ct_crypt_reason_name(want_why), "%s: reason (%s)", what, err);
	ok(err[0] != 0, "%s: the error names it", what);
	ct_sbuf_fini(&out);
}

static void test_bad_input(const struct ct_crypt_pub *pa)
{
	struct ct_crypt_pub *pb = pub_of(kb, 0x65920006u & ~CT_IPMSG_ENCODE_BASE64, CT_CRYPT_CAPA_ALL);
	struct ct_crypt_pub *pb1 = pub_of(kb, CT_IPMSG_RSA_1024 | CT_IPMSG_BLOWFISH_128, CT_IPMSG_RSA_1024);
	struct ct_crypt_info ie;
	struct ct_sbuf body, t;
	struct ct_body_enc e;
	char err[300] = "", *p;
	static const char text[] = "0123456789abcdef0123456789abcdef0123456789abcdef012\0"; /* 52 bytes: 4 blocks */
	size_t klen;

	ct_sbuf_init(&body);
	ct_sbuf_init(&t);
	is_int(ct_crypt_encrypt(ka, CT_CRYPT_CAPA_ALL, pb, 1700000300u, text, sizeof text - 1, &body, &ie, err, sizeof err), 0,
		"a signed hex body to break");
	ct_body_enc_parse(body.p, body.len, &e);
	klen = (size_t)(e.msg.p - body.p);
	/* the first ciphertext block: garbles plaintext blocks 1-2, padding intact: the signature catches it */
	ct_sbuf_add(&t, body.p, body.len);
	t.p[klen] = t.p[klen] == '0' ? '1' : '0';
	bad("tampered ciphertext (first block)", t.p, t.len, CT_EPROTO, CT_CRYPT_R_BAD_SIG, kb, pa);
	/* the last byte of the next-to-last block flips the pad byte 0x0c to 0x1c: bad padding */
	ct_sbuf_reset(&t);
	ct_sbuf_add(&t, body.p, body.len);
	p = t.p + klen + e.msg.len - 32 - 2;
	*p = "0123456789abcdef"[(*p <= '9' ? *p - '0' : *p - 'a' + 10) ^ 1];
	bad("tampered ciphertext (padding)", t.p, t.len, CT_EPROTO, CT_CRYPT_R_DECRYPT, kb, pa);
	ct_sbuf_reset(&t);
	ct_sbuf_add(&t, body.p, body.len);
	t.p[t.len - 1] = t.p[t.len - 1] == '0' ? '1' : '0';
	bad("tampered signature", t.p, t.len, CT_EPROTO, CT_CRYPT_R_BAD_SIG, kb, pa);
	bad("wrong key (ours instead of the recipient's)", body.p, body.len, CT_EPROTO, CT_CRYPT_R_KEY_UNWRAP, ka, pa);
	ct_sbuf_reset(&t);
	ct_sbuf_add(&t, body.p, klen + e.msg.len - 2);
	bad("truncated ciphertext (not whole blocks)", t.p, t.len, CT_EFORMAT, CT_CRYPT_R_FORMAT, kb, pa);
	ct_sbuf_reset(&t);
	ct_sbuf_add(&t, body.p, (size_t)(e.key.p - body.p) + 100);
	bad("truncated key field, no ciphertext", t.p, t.len, CT_ETRUNC, CT_CRYPT_R_FORMAT, kb, pa);
	ct_sbuf_reset(&t);
	ct_sbuf_add(&t, body.p, (size_t)(e.key.p - body.p) + 100);
	ct_sbuf_add(&t, e.key.p + e.key.len, body.len - (size_t)(e.key.p + e.key.len - body.p));
	bad("short session key field", t.p, t.len, CT_EFORMAT, CT_CRYPT_R_FORMAT, kb, pa);
	ct_sbuf_reset(&t);
	ct_sbuf_add(&t, body.p, (size_t)(e.key.p - body.p));
	for (int i = 0; i < 700; i++)
		ct_sbuf_addc(&t, 'a');
	ct_sbuf_add(&t, e.key.p + e.key.len, body.len - (size_t)(e.key.p + e.key.len - body.p));
	bad("huge session key field", t.p, t.len, CT_ETOOBIG, CT_CRYPT_R_TOO_BIG, kb, pa);
	ct_sbuf_reset(&t);
	ct_sbuf_add(&t, body.p, body.len);
	for (int i = 0; i < 4 * CT_CRYPT_MAX_BODY; i++)
		ct_sbuf_addc(&t, 'a');
	bad("huge body", t.p, t.len, CT_ETOOBIG, CT_CRYPT_R_TOO_BIG, kb, pa);
	bad("no RSA in the word", "100000:00:00", 12, CT_EUNSUP, CT_CRYPT_R_NO_CIPHER, kb, pa);
	bad("AES-128 only (g2ipmsg)", "80004:00:00", 11, CT_EUNSUP, CT_CRYPT_R_NO_CIPHER, kb, pa);
	bad("a fifth field", "100004:00:00:00:00", 18, CT_EFORMAT, CT_CRYPT_R_FORMAT, kb, pa);
	bad("bad base64", "1100004:@@@@:AAAA", 17, CT_EFORMAT, CT_CRYPT_R_FORMAT, kb, pa);
	bad("word not hex", "zz:00:00", 8, CT_EFORMAT, CT_CRYPT_R_FORMAT, kb, pa);

	/* no common cipher on send */
	ct_sbuf_reset(&t);
	is_int(ct_crypt_encrypt(ka, CT_CRYPT_CAPA_ALL & ~(CT_IPMSG_BLOWFISH_128 | CT_IPMSG_RSA_1024), pb1, 1, "x", 2, &t, &ie,
		err, sizeof err), CT_EUNSUP, "a 1024-only peer and a sender without Blowfish: no common cipher");
	is_str(ct_crypt_reason_name(ie.reason), "no_common_cipher", "reason no_common_cipher");
	ok(strstr(err, "no common cipher") != NULL, "error says it: %s", err);
	is_int(t.len, 0, "nothing written");
	is_int(ct_crypt_encrypt(ka, CT_CRYPT_CAPA_ALL, pb, 1, "x", 0, &t, &ie, err, sizeof err), CT_ETOOBIG, "empty plaintext refused");
	ct_sbuf_fini(&t);
	ct_sbuf_fini(&body);
	ct_crypt_pub_free(pb);
	ct_crypt_pub_free(pb1);
}

/* In a child with OPENSSL_MODULES pointing nowhere: Blowfish is missing, said clearly, not advertised. */
static int no_legacy_child(void)
{
	char err[300] = "", e2[300] = "";
	struct ct_sbuf out;
	struct ct_crypt_info id;
	uint32_t capa = ct_crypt_capa(err, sizeof err);
	int fail = 0;

	ka = keys(FX_PEM_A2048, FX_PEM_A1024);
	kb = keys(FX_PEM_B2048, FX_PEM_B1024);
	fail |= capa != CT_CRYPT_CAPA_NOBF;
	fail |= strstr(err, "legacy provider") == NULL || strstr(err, "libssl3") == NULL;
	ct_sbuf_init(&out);
	/* a Blowfish body: refused with the reason */
	fail |= ct_crypt_decrypt(kb, NULL, "1", 1, "20002:00:00", 11, &out, &id, e2, sizeof e2) != CT_EUNSUP;
	fail |= id.reason != CT_CRYPT_R_NO_BLOWFISH || strstr(e2, "legacy") == NULL;
	ct_sbuf_fini(&out);
	ct_crypt_keys_free(ka);
	ct_crypt_keys_free(kb);
	return fail;
}

static void test_no_legacy(const char *self)
{
	char cmd[1024];
	int st;

	/* OpenSSL 3.0 leaks a little when a provider fails to load: no leak check in that child */
	snprintf(cmd, sizeof cmd, "OPENSSL_MODULES=/nonexistent OPENSSL_CONF=/dev/null ASAN_OPTIONS=\"$ASAN_OPTIONS:detect_leaks=0\" "
		"'%s' --no-legacy", self);
	st = system(cmd);
	is_int(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0,
		"without OpenSSL's legacy provider: word 0x61900004, the error names the provider and package, BF bodies refused");
}

int main(int argc, char **argv)
{
	struct ct_crypt_pub *pa;
	char err[300] = "";

	if (argc > 1 && strcmp(argv[1], "--no-legacy") == 0)
		return no_legacy_child();
	is_int(ct_crypt_capa(err, sizeof err), CT_CRYPT_CAPA_ALL, "Blowfish available: word 0x61920006 (%s)", err);
	ka = keys(FX_PEM_A2048, FX_PEM_A1024);
	kb = keys(FX_PEM_B2048, FX_PEM_B1024);
	ok(ka && kb, "fixed key pairs load from PEM");
	if (!ka || !kb)
		return tap_done();
	pa = pub_of(ka, CT_CRYPT_CAPA_ALL, CT_CRYPT_CAPA_ALL);
	test_encodings();
	test_choose_names();
	test_pubkey();
	test_round_trips();
	test_bad_input(pa);
	have_openssl = sh("openssl version >/dev/null 2>&1") == 0 && mkdtemp(tmpdir) != NULL;
	if (have_openssl) {
		put_file("a2048.pem", FX_PEM_A2048, strlen(FX_PEM_A2048));
		put_file("b2048.pem", FX_PEM_B2048, strlen(FX_PEM_B2048));
		put_file("b1024.pem", FX_PEM_B1024, strlen(FX_PEM_B1024));
		test_openssl_decrypts_ours();
		test_openssl_to_us(pa);
		sh("rm -rf '%s'", tmpdir);
	} else {
		printf("# SKIP the openssl command line cross-check: no openssl\n");
	}
	test_no_legacy(argv[0]);
	ct_crypt_pub_free(pa);
	ct_crypt_keys_free(ka);
	ct_crypt_keys_free(kb);
	return tap_done();
}
