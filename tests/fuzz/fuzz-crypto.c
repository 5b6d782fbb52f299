/* fuzz-crypto.c: libFuzzer target for the encryption parsers of outside input (ANSPUBKEY keys, encrypted bodies, base64/hex fields, fingerprinted names): never crashes, every error has a reason and a message. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../unit/crypto-fixtures.h"
#include "crypto.h"
#include "err.h"
#include "sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Input: one mode byte ('k' ANSPUBKEY with a user name, 'd' encrypted body with a packet
 * number, 'e' the field encodings), then "LINE\nREST". */
static struct ct_crypt_keys *fz_keys;
static struct ct_crypt_pub *fz_peer;

static void fz_init(void)
{
	struct ct_sbuf b;
	char err[300];

	if (fz_keys)
		return;
	if (ct_crypt_keys_from_pem(&fz_keys, FX_PEM_B2048, strlen(FX_PEM_B2048), FX_PEM_B1024, strlen(FX_PEM_B1024),
		err, sizeof err) != 0)
		abort();
	/* the sender's (a's) public key, to check signatures */
	struct ct_crypt_keys *a = NULL;
	if (ct_crypt_keys_from_pem(&a, FX_PEM_A2048, strlen(FX_PEM_A2048), NULL, 0, err, sizeof err) != 0)
		abort();
	ct_sbuf_init(&b);
	if (ct_crypt_anspubkey(a, CT_CRYPT_CAPA_ALL, CT_IPMSG_RSA_2048, &b) != 0 ||
		ct_crypt_pub_parse(b.p, b.len, NULL, 0, &fz_peer, NULL, err, sizeof err) != 0)
		abort();
	ct_sbuf_fini(&b);
	ct_crypt_keys_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1, *nl;
	size_t n = size ? size - 1 : 0, l1;
	char err[400] = "", fpr[17];
	struct ct_sbuf out;
	int r;

	if (size < 1)
		return 0;
	fz_init();
	nl = memchr(s, '\n', n);
	l1 = nl ? (size_t)(nl - s) : 0;
	const char *rest = nl ? nl + 1 : s;
	size_t rlen = nl ? n - l1 - 1 : n;
	ct_sbuf_init(&out);
	if (data[0] == 'k') {
		struct ct_crypt_pub *p = NULL;
		enum ct_crypt_reason why;
		r = ct_crypt_pub_parse(rest, rlen, s, l1, &p, &why, err, sizeof err);
		if (r == 0 && (!p || (ct_crypt_pub_bits(p) != 1024 && ct_crypt_pub_bits(p) != 2048)))
			abort();
		if (r != 0 && (p || why == CT_CRYPT_R_NONE || !err[0]))
			abort();
		if (p && ct_crypt_pub_bits(p) == 2048 && ct_crypt_pub_fpr(p, fpr) != 0)
			abort();
		ct_crypt_pub_free(p);
	} else if (data[0] == 'd') {
		struct ct_crypt_info info;
		r = ct_crypt_decrypt(fz_keys, fz_peer, s, l1, rest, rlen, &out, &info, err, sizeof err);
		if (r != 0 && (info.reason == CT_CRYPT_R_NONE || !err[0]))
			abort();
		if (r == 0 && out.len == 0)
			abort();
	} else if (data[0] == 'e') {
		uint8_t buf[512];
		size_t bl;
		if (ct_crypt_b64_decode(s, n, buf, sizeof buf, &bl) == 0) {
			ct_crypt_b64_encode(&out, buf, bl);
			if (out.len != n || memcmp(out.p, s, n) != 0)
				abort(); /* strict base64 is canonical: it re-encodes to itself */
		}
		if (ct_crypt_hex_decode(s, n, buf, sizeof buf, &bl) == 0 && bl != n / 2)
			abort();
		(void)ct_crypt_name_fpr(s, n, fpr);
		(void)ct_crypt_is_decrypt_err(s, n);
	}
	ct_sbuf_fini(&out);
	return 0;
}
