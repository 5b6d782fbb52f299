/* crypto.c: the only libcrypto user (crypto-dl.c loads the library on first use): RSA key pairs, ANSPUBKEY keys, encrypt/decrypt/sign/verify of IP Messenger bodies (crypto-interop.md). */
#include "config.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include "crypto.h"
#include "err.h"
#include "util.h"

struct ct_crypt_keys {
	EVP_PKEY *k2048, *k1024;
};

struct ct_crypt_pub {
	EVP_PKEY *pk;
	uint32_t capa;
	int bits;
	uint8_t mod[CT_CRYPT_MAX_RSA_BYTES];
};

/* ---- providers: Blowfish lives in OpenSSL 3's legacy provider ---- */

static pthread_once_t prov_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *bf_cipher;
static char bf_why[256];

static void prov_load(void)
{
	/* Loading any provider explicitly stops the implicit default: load both. */
	OSSL_PROVIDER_load(NULL, "default");
	if (!OSSL_PROVIDER_load(NULL, "legacy")) {
		snprintf(bf_why, sizeof bf_why, "OpenSSL's legacy provider (legacy.so, Debian package libssl3) "
			"cannot be loaded (check OPENSSL_MODULES and openssl.cnf): Blowfish-128 and RSA-1024 "
			"are not offered");
		ERR_clear_error();
		return;
	}
	if (!(bf_cipher = EVP_CIPHER_fetch(NULL, "BF-CBC", NULL))) {
		snprintf(bf_why, sizeof bf_why, "OpenSSL's legacy provider has no BF-CBC: Blowfish-128 and "
			"RSA-1024 are not offered");
		ERR_clear_error();
	}
}

/* NULL once libcrypto and its providers are ready; else why libcrypto cannot be loaded (every entry
 * point starts here) */
static const char *lib_ready(void)
{
	const char *le = ct_crypt_lib_error();

	if (!le)
		pthread_once(&prov_once, prov_load);
	return le;
}

uint32_t ct_crypt_capa(char *err, size_t errlen)
{
	const char *le = lib_ready();

	if (le) { /* nothing can be encrypted */
		if (err && errlen)
			snprintf(err, errlen, "%s", le);
		return 0;
	}
	if (err && errlen)
		snprintf(err, errlen, "%s", bf_cipher ? "" : bf_why);
	return bf_cipher ? CT_CRYPT_CAPA_ALL : CT_CRYPT_CAPA_NOBF;
}

/* ---- errors ---- */

static int fail(struct ct_crypt_info *info, enum ct_crypt_reason why, int code, char *err, size_t errlen,
	const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int fail(struct ct_crypt_info *info, enum ct_crypt_reason why, int code, char *err, size_t errlen,
	const char *fmt, ...)
{
	va_list ap;
	unsigned long e = ERR_peek_last_error();

	if (info)
		info->reason = why;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		if (why == CT_CRYPT_R_INTERNAL && e) {
			size_t l = strlen(err);
			if (l + 3 < errlen) {
				memcpy(err + l, ": ", 3);
				ERR_error_string_n(e, err + l + 2, errlen - l - 2);
			}
		}
	}
	ERR_clear_error();
	return code;
}

/* ---- our key pairs ---- */

void ct_crypt_keys_free(struct ct_crypt_keys *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->k2048);
	EVP_PKEY_free(k->k1024);
	free(k);
}

int ct_crypt_keys_generate(struct ct_crypt_keys **out, char *err, size_t errlen)
{
	struct ct_crypt_keys *k = calloc(1, sizeof *k);

	*out = NULL;
	if (lib_ready()) {
		free(k);
		return fail(NULL, CT_CRYPT_R_INTERNAL, CT_EUNSUP, err, errlen, "%s", lib_ready());
	}
	if (!k)
		return fail(NULL, CT_CRYPT_R_INTERNAL, CT_ENOMEM, err, errlen, "out of memory");
	k->k2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k->k1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	if (!k->k2048 || !k->k1024) {
		ct_crypt_keys_free(k);
		return fail(NULL, CT_CRYPT_R_INTERNAL, CT_ENOMEM, err, errlen, "RSA key generation failed");
	}
	*out = k;
	return 0;
}

static int key_bits_are(EVP_PKEY *p, int bits)
{
	return p && EVP_PKEY_get_base_id(p) == EVP_PKEY_RSA && EVP_PKEY_get_bits(p) == bits;
}

static EVP_PKEY *pem_load(const char *pem, size_t len)
{
	BIO *bio;
	EVP_PKEY *p;

	if (!pem || !len || len > 65536 || !(bio = BIO_new_mem_buf(pem, (int)len)))
		return NULL;
	p = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return p;
}

int ct_crypt_keys_from_pem(struct ct_crypt_keys **out, const char *pem2048, size_t len2048,
	const char *pem1024, size_t len1024, char *err, size_t errlen)
{
	struct ct_crypt_keys *k = calloc(1, sizeof *k);

	*out = NULL;
	if (lib_ready()) {
		free(k);
		return fail(NULL, CT_CRYPT_R_INTERNAL, CT_EUNSUP, err, errlen, "%s", lib_ready());
	}
	if (!k)
		return fail(NULL, CT_CRYPT_R_INTERNAL, CT_ENOMEM, err, errlen, "out of memory");
	k->k2048 = pem_load(pem2048, len2048);
	if (!key_bits_are(k->k2048, 2048)) {
		ct_crypt_keys_free(k);
		return fail(NULL, CT_CRYPT_R_BAD_KEY, CT_EFORMAT, err, errlen,
			"the 2048-bit key is not an RSA-2048 private key in PEM");
	}
	if (pem1024 && len1024) {
		k->k1024 = pem_load(pem1024, len1024);
		if (!key_bits_are(k->k1024, 1024)) {
			ct_crypt_keys_free(k);
			return fail(NULL, CT_CRYPT_R_BAD_KEY, CT_EFORMAT, err, errlen,
				"the 1024-bit key is not an RSA-1024 private key in PEM");
		}
	}
	ERR_clear_error();
	*out = k;
	return 0;
}

int ct_crypt_keys_to_pem(const struct ct_crypt_keys *k, int bits, struct ct_sbuf *b)
{
	EVP_PKEY *p = bits == 2048 ? k->k2048 : bits == 1024 ? k->k1024 : NULL;
	BIO *bio;
	char *data;
	long n;
	int r;

	if (!p)
		return CT_EINVAL;
	if (!(bio = BIO_new(BIO_s_secmem())))
		return CT_ENOMEM;
	if (!PEM_write_bio_PrivateKey(bio, p, NULL, NULL, 0, NULL, NULL)) {
		BIO_free(bio);
		ERR_clear_error();
		return CT_ENOMEM;
	}
	n = BIO_get_mem_data(bio, &data);
	r = n > 0 ? ct_sbuf_add(b, data, (size_t)n) : CT_ENOMEM;
	BIO_free(bio); /* a secmem BIO's buffer is cleansed when freed */
	return r;
}

/* The modulus of p as big-endian bytes at full length; the exponent as a number. */
static int key_numbers(EVP_PKEY *p, uint8_t *mod, size_t modlen, uint32_t *exp)
{
	BIGNUM *n = NULL, *e = NULL;
	int ok = EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_RSA_N, &n) &&
		EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_RSA_E, &e) &&
		BN_bn2binpad(n, mod, (int)modlen) == (int)modlen && BN_num_bits(e) <= 32;

	if (ok && exp)
		*exp = (uint32_t)BN_get_word(e);
	BN_free(n);
	BN_free(e);
	ERR_clear_error();
	return ok ? 0 : CT_EFORMAT;
}

static int fpr_of(const uint8_t mod[256], char fpr[17])
{
	uint8_t le[256], md[20];

	for (int i = 0; i < 256; i++)
		le[i] = mod[255 - i];
	if (!EVP_Digest(le, sizeof le, md, NULL, EVP_sha1(), NULL))
		return CT_ENOMEM;
	ct_crypt_fpr_fold(md, fpr);
	return 0;
}

int ct_crypt_keys_fpr(const struct ct_crypt_keys *k, char fpr[17])
{
	uint8_t mod[256];
	int r = key_numbers(k->k2048, mod, sizeof mod, NULL);

	return r ? r : fpr_of(mod, fpr);
}

int ct_crypt_anspubkey(const struct ct_crypt_keys *k, uint32_t local_capa, uint32_t req_capa, struct ct_sbuf *b)
{
	uint32_t capa = req_capa & local_capa, exp = 0;
	EVP_PKEY *p = (capa & CT_IPMSG_RSA_2048) ? k->k2048 : k->k1024;
	uint8_t mod[CT_CRYPT_MAX_RSA_BYTES];
	size_t ml;
	int r;

	if (!capa || !p)
		return CT_EUNSUP;
	ml = (size_t)EVP_PKEY_get_size(p);
	if (ml > sizeof mod || (r = key_numbers(p, mod, ml, &exp)) != 0)
		return CT_EFORMAT;
	ct_sbuf_printf(b, "%" PRIX32 ":%" PRIX32 "-", local_capa, exp);
	return b->err ? b->err : ct_crypt_hex_encode(b, mod, ml);
}

/* ---- a peer's public key ---- */

void ct_crypt_pub_free(struct ct_crypt_pub *pub)
{
	if (!pub)
		return;
	EVP_PKEY_free(pub->pk);
	free(pub);
}

uint32_t ct_crypt_pub_capa(const struct ct_crypt_pub *pub)
{
	return pub->capa;
}

int ct_crypt_pub_bits(const struct ct_crypt_pub *pub)
{
	return pub->bits;
}

int ct_crypt_pub_fpr(const struct ct_crypt_pub *pub, char fpr[17])
{
	fpr[0] = 0;
	return pub->bits == 2048 ? fpr_of(pub->mod, fpr) : CT_EUNSUP;
}

static EVP_PKEY *pub_build(const uint8_t *mod, size_t ml, uint32_t exp)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *n = BN_bin2bn(mod, (int)ml, NULL), *e = BN_new();

	if (bld && n && e && BN_set_word(e, exp) && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) && (params = OSSL_PARAM_BLD_to_param(bld)) &&
		(ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
		EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pk = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	ERR_clear_error();
	return pk;
}

int ct_crypt_pub_parse(const char *body, size_t len, const char *user, size_t ulen,
	struct ct_crypt_pub **out, enum ct_crypt_reason *reason, char *err, size_t errlen)
{
	struct ct_crypt_info info = { 0 };
	struct ct_body_pubkey k;
	struct ct_crypt_pub *pub;
	uint8_t mod[CT_CRYPT_MAX_RSA_BYTES + 1];
	char hex[2 * CT_CRYPT_MAX_RSA_BYTES], want[17], got[17];
	size_t ml, mhl;
	uint32_t exp;
	int r;

	*out = NULL;
	if (reason)
		*reason = CT_CRYPT_R_NONE;
	if (lib_ready())
		return fail(NULL, CT_CRYPT_R_INTERNAL, CT_EUNSUP, err, errlen, "%s", lib_ready());
	r = ct_body_anspubkey_parse(body, len, &k);
	if (r != 0) {
		r = fail(&info, CT_CRYPT_R_FORMAT, r, err, errlen, "ANSPUBKEY body is not CAPA:EXP-MODULUS in hex");
		goto out;
	}
	/* Leading zero digits are padding; the rest must fill exactly 128 or 256 bytes. */
	while (k.mod.len > 1 && k.mod.p[0] == '0') {
		k.mod.p++;
		k.mod.len--;
	}
	mhl = k.mod.len;
	if (mhl > sizeof hex) {
		r = fail(&info, CT_CRYPT_R_BAD_KEY, CT_ETOOBIG, err, errlen,
			"ANSPUBKEY modulus has %zu hex digits: more than 2048 bits", mhl);
		goto out;
	}
	/* left-pad to the byte boundary (Windows walks from the end and tolerates odd lengths) */
	memset(hex, '0', sizeof hex);
	memcpy(hex + sizeof hex - mhl, k.mod.p, mhl);
	if (ct_crypt_hex_decode(hex, sizeof hex, mod, sizeof mod, &ml) != 0) {
		r = fail(&info, CT_CRYPT_R_FORMAT, CT_EFORMAT, err, errlen, "ANSPUBKEY modulus is not hex");
		goto out;
	}
	if (mhl > 2 * 128 - 2 && mhl <= 2 * 128 && mod[128] >= 0x80) {
		memmove(mod, mod + 128, 128);
		ml = 128;
	} else if (mhl > 2 * 256 - 2 && mod[0] >= 0x80) {
		ml = 256;
	} else {
		r = fail(&info, CT_CRYPT_R_BAD_KEY, CT_EUNSUP, err, errlen,
			"ANSPUBKEY modulus is neither 1024 nor 2048 bits (%zu hex digits)", mhl);
		goto out;
	}
	if (k.exp.len > 8 || ct_parse_u32(k.exp.p, k.exp.len, 16, &exp) != 0 || exp < 3 || !(exp & 1)) {
		r = fail(&info, CT_CRYPT_R_BAD_KEY, CT_EUNSUP, err, errlen,
			"ANSPUBKEY exponent '%.*s' is not an odd number below 2^32", (int)(k.exp.len > 16 ? 16 : k.exp.len), k.exp.p);
		goto out;
	}
	if (!(mod[ml - 1] & 1)) {
		r = fail(&info, CT_CRYPT_R_BAD_KEY, CT_EUNSUP, err, errlen, "ANSPUBKEY modulus is even");
		goto out;
	}
	if (!(pub = calloc(1, sizeof *pub))) {
		r = fail(&info, CT_CRYPT_R_INTERNAL, CT_ENOMEM, err, errlen, "out of memory");
		goto out;
	}
	pub->capa = k.capa;
	pub->bits = (int)ml * 8;
	memcpy(pub->mod, mod, ml);
	if (!(pub->pk = pub_build(mod, ml, exp))) {
		ct_crypt_pub_free(pub);
		r = fail(&info, CT_CRYPT_R_BAD_KEY, CT_EFORMAT, err, errlen, "libcrypto refused the ANSPUBKEY key");
		goto out;
	}
	if (user && ct_crypt_name_fpr(user, ulen, want)) {
		if (pub->bits != 2048 || ct_crypt_pub_fpr(pub, got) != 0 || strcmp(want, got) != 0) {
			r = fail(&info, CT_CRYPT_R_FINGERPRINT, CT_EPROTO, err, errlen,
				"fingerprint mismatch: the user name carries -<%s> but the %d-bit key's is <%s>",
				want, pub->bits, pub->bits == 2048 ? got : "none: not 2048 bits");
			ct_crypt_pub_free(pub);
			goto out;
		}
	}
	*out = pub;
	r = 0;
out:
	if (reason)
		*reason = info.reason;
	return r;
}

/* ---- symmetric ciphers ---- */

static const EVP_CIPHER *sym_cipher(uint32_t capa, size_t *keylen)
{
	if (capa & CT_IPMSG_AES_256) {
		*keylen = CT_CRYPT_AES_KEYLEN;
		return EVP_aes_256_cbc();
	}
	*keylen = CT_CRYPT_BF_KEYLEN;
	return bf_cipher;
}

/* IV: the packet-number text padded with NULs (PACKETNO_IV), else zeros. */
static void make_iv(uint8_t iv[16], uint32_t capa, const char *pn, size_t pnlen)
{
	memset(iv, 0, 16);
	if ((capa & CT_IPMSG_PACKETNO_IV) && pn)
		memcpy(iv, pn, strnlen(pn, pnlen < 15 ? pnlen : 15));
}

/* One CBC pass (PKCS#7 padding) into a fresh buffer *outp. 0 or -1. */
static int sym_run(const EVP_CIPHER *c, int enc, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
	size_t n, uint8_t **outp, size_t *outlen)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t *o = malloc(n + 32);
	int l1 = 0, l2 = 0, ok;

	ok = x && o && n < INT32_MAX && EVP_CipherInit_ex2(x, c, key, iv, enc, NULL) &&
		EVP_CipherUpdate(x, o, &l1, in, (int)n) && EVP_CipherFinal_ex(x, o + l1, &l2);
	EVP_CIPHER_CTX_free(x);
	ERR_clear_error();
	if (!ok) {
		free(o);
		return -1;
	}
	*outp = o;
	*outlen = (size_t)(l1 + l2);
	return 0;
}

static int rsa_run(EVP_PKEY *pk, int enc, const uint8_t *in, size_t n, uint8_t *out, size_t *outlen)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
	int ok = ctx && (enc ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) > 0 &&
		EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
		(enc ? EVP_PKEY_encrypt(ctx, out, outlen, in, n) : EVP_PKEY_decrypt(ctx, out, outlen, in, n)) > 0;

	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -1;
}

/* RSASSA-PKCS1-v1_5 sign (sig != NULL) or verify over data. */
static int sig_run(EVP_PKEY *pk, const EVP_MD *md, const uint8_t *data, size_t n, uint8_t *sig, size_t *siglen,
	int verify)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	int ok = m && (verify ? EVP_DigestVerifyInit(m, NULL, md, NULL, pk) : EVP_DigestSignInit(m, NULL, md, NULL, pk)) > 0 &&
		(verify ? EVP_DigestVerify(m, sig, *siglen, data, n) : EVP_DigestSign(m, sig, siglen, data, n)) > 0;

	EVP_MD_CTX_free(m);
	ERR_clear_error();
	return ok ? 0 : -1;
}

static int field_put(struct ct_sbuf *b, int base64, const uint8_t *p, size_t n)
{
	return base64 ? ct_crypt_b64_encode(b, p, n) : ct_crypt_hex_encode(b, p, n);
}

static void info_fill(struct ct_crypt_info *info, uint32_t capa)
{
	info->capa = capa;
	info->rsa_bits = (capa & CT_IPMSG_RSA_2048) ? 2048 : 1024;
	info->cipher = (capa & CT_IPMSG_AES_256) ? "aes-256-cbc" : "blowfish-128-cbc";
	info->hash = (capa & CT_IPMSG_SIGN_SHA256) ? "sha256" : (capa & CT_IPMSG_SIGN_SHA1) ? "sha1" : "none";
	info->base64 = !!(capa & CT_IPMSG_ENCODE_BASE64);
	info->pniv = !!(capa & CT_IPMSG_PACKETNO_IV);
}

int ct_crypt_encrypt(const struct ct_crypt_keys *ours, uint32_t local_capa, const struct ct_crypt_pub *peer,
	uint32_t pktno, const void *plain, size_t plen, struct ct_sbuf *body,
	struct ct_crypt_info *info, char *err, size_t errlen)
{
	struct ct_crypt_info dummy;
	uint8_t key[32], iv[16], wrapped[CT_CRYPT_MAX_RSA_BYTES], sig[CT_CRYPT_MAX_RSA_BYTES], *ct = NULL;
	size_t keylen, wl = sizeof wrapped, sl = sizeof sig, ctl = 0;
	char pn[16];
	const EVP_CIPHER *c;
	uint32_t capa;
	int r = 0;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof *info);
	if (!peer || !plain)
		return fail(info, CT_CRYPT_R_NO_CIPHER, CT_EINVAL, err, errlen, "no public key of the peer (send GETPUBKEY first)");
	local_capa &= ct_crypt_capa(NULL, 0);
	capa = ct_crypt_choose(peer->capa & local_capa, peer->bits);
	if (!capa)
		return fail(info, CT_CRYPT_R_NO_CIPHER, CT_EUNSUP, err, errlen,
			"no common cipher: the peer offers 0x%" PRIX32 " with a %d-bit key, we offer 0x%" PRIX32
			" (RSA-2048+AES-256 or RSA-1024+Blowfish-128)", peer->capa, peer->bits, local_capa);
	info_fill(info, capa);
	if (plen == 0 || plen > CT_CRYPT_MAX_BODY)
		return fail(info, CT_CRYPT_R_TOO_BIG, CT_ETOOBIG, err, errlen,
			"plaintext of %zu bytes (1 to %d)", plen, CT_CRYPT_MAX_BODY);
	c = sym_cipher(capa, &keylen);
	snprintf(pn, sizeof pn, "%" PRIu32, pktno);
	make_iv(iv, capa, pn, sizeof pn);
	if (RAND_bytes(key, (int)keylen) != 1 || rsa_run(peer->pk, 1, key, keylen, wrapped, &wl) != 0 ||
		sym_run(c, 1, key, iv, plain, plen, &ct, &ctl) != 0) {
		OPENSSL_cleanse(key, sizeof key);
		return fail(info, CT_CRYPT_R_INTERNAL, CT_ENOMEM, err, errlen, "encryption failed");
	}
	OPENSSL_cleanse(key, sizeof key);
	if (capa & (CT_IPMSG_SIGN_SHA1 | CT_IPMSG_SIGN_SHA256)) {
		const EVP_MD *md = (capa & CT_IPMSG_SIGN_SHA256) ? EVP_sha256() : EVP_sha1();
		if (!ours || !ours->k2048 || sig_run(ours->k2048, md, plain, plen, sig, &sl, 0) != 0) {
			free(ct);
			return fail(info, CT_CRYPT_R_INTERNAL, CT_EINVAL, err, errlen, "signing with our RSA-2048 key failed");
		}
	}
	ct_sbuf_printf(body, "%" PRIX32 ":", capa);
	field_put(body, info->base64, wrapped, wl);
	ct_sbuf_addc(body, ':');
	field_put(body, info->base64, ct, ctl);
	if (capa & (CT_IPMSG_SIGN_SHA1 | CT_IPMSG_SIGN_SHA256)) {
		ct_sbuf_addc(body, ':');
		field_put(body, info->base64, sig, sl);
	}
	free(ct);
	if (body->err)
		r = fail(info, CT_CRYPT_R_INTERNAL, CT_ENOMEM, err, errlen, "out of memory");
	return r;
}

/* One field of an encrypted body: hex (either case) or base64 by the body's word. */
static int field_get(const struct ct_slice *f, int base64, uint8_t *out, size_t cap, size_t *outlen)
{
	return base64 ? ct_crypt_b64_decode(f->p, f->len, out, cap, outlen) :
		ct_crypt_hex_decode(f->p, f->len, out, cap, outlen);
}

/* The signature of a decrypted plaintext: the whole of it (Windows), else text+NUL (Mac). */
static enum ct_crypt_sig sig_check(const struct ct_crypt_pub *peer, uint32_t capa, const uint8_t *plain,
	size_t plen, const uint8_t *sig, size_t sl)
{
	const EVP_MD *md = (capa & CT_IPMSG_SIGN_SHA256) ? EVP_sha256() : EVP_sha1();
	const uint8_t *nul = memchr(plain, 0, plen);

	if (!peer || peer->bits != 2048)
		return CT_CRYPT_SIG_NOKEY;
	if (sig_run(peer->pk, md, plain, plen, (uint8_t *)sig, &sl, 1) == 0)
		return CT_CRYPT_SIG_OK;
	if (nul && (size_t)(nul - plain) + 1 < plen &&
		sig_run(peer->pk, md, plain, (size_t)(nul - plain) + 1, (uint8_t *)sig, &sl, 1) == 0)
		return CT_CRYPT_SIG_TEXT_ONLY;
	return CT_CRYPT_SIG_BAD;
}

int ct_crypt_decrypt(const struct ct_crypt_keys *ours, const struct ct_crypt_pub *peer,
	const char *pktno_str, size_t pktno_len, const char *body, size_t blen,
	struct ct_sbuf *plain, struct ct_crypt_info *info, char *err, size_t errlen)
{
	struct ct_crypt_info dummy;
	struct ct_body_enc e;
	uint8_t wrapped[CT_CRYPT_MAX_RSA_BYTES], key[CT_CRYPT_MAX_RSA_BYTES], sig[CT_CRYPT_MAX_RSA_BYTES], iv[16];
	uint8_t *ctx = NULL, *pt = NULL;
	size_t wl, kl = sizeof key, keylen, sl = 0, ctl, ptl;
	const EVP_CIPHER *c;
	EVP_PKEY *pk;
	int r;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof *info);
	if (lib_ready())
		return fail(info, CT_CRYPT_R_INTERNAL, CT_EUNSUP, err, errlen, "%s", lib_ready());
	if (blen > 4 * CT_CRYPT_MAX_BODY)
		return fail(info, CT_CRYPT_R_TOO_BIG, CT_ETOOBIG, err, errlen, "encrypted body of %zu bytes", blen);
	if ((r = ct_body_enc_parse(body, blen, &e)) != 0)
		return fail(info, CT_CRYPT_R_FORMAT, r, err, errlen,
			"encrypted body is not CAPA:KEY:CIPHERTEXT[:SIGNATURE] (%s)", ct_strerror(r));
	info_fill(info, e.capa);
	if (!(e.capa & (CT_IPMSG_RSA_2048 | CT_IPMSG_RSA_1024)) || !(e.capa & (CT_IPMSG_AES_256 | CT_IPMSG_BLOWFISH_128)))
		return fail(info, CT_CRYPT_R_NO_CIPHER, CT_EUNSUP, err, errlen,
			"no common cipher: the body's word 0x%" PRIX32 " names no RSA-1024/2048 with AES-256 or Blowfish-128",
			e.capa);
	pk = !ours ? NULL : (e.capa & CT_IPMSG_RSA_2048) ? ours->k2048 : ours->k1024;
	c = sym_cipher(e.capa, &keylen);
	if (!c)
		return fail(info, CT_CRYPT_R_NO_BLOWFISH, CT_EUNSUP, err, errlen, "%s", bf_why);
	if (!pk)
		return fail(info, CT_CRYPT_R_NO_CIPHER, CT_EUNSUP, err, errlen, "we have no RSA-%d key", info->rsa_bits);
	if ((r = field_get(&e.key, info->base64, wrapped, sizeof wrapped, &wl)) != 0)
		return fail(info, r == CT_ETOOBIG ? CT_CRYPT_R_TOO_BIG : CT_CRYPT_R_FORMAT, r, err, errlen,
			"session key field is not %s of at most %d bytes", info->base64 ? "base64" : "hex",
			CT_CRYPT_MAX_RSA_BYTES);
	if (wl != (size_t)EVP_PKEY_get_size(pk))
		return fail(info, CT_CRYPT_R_FORMAT, CT_EFORMAT, err, errlen,
			"session key field has %zu bytes, the RSA-%d key needs %d", wl, info->rsa_bits, EVP_PKEY_get_size(pk));
	if (e.has_sig && (r = field_get(&e.sig, info->base64, sig, sizeof sig, &sl)) != 0)
		return fail(info, r == CT_ETOOBIG ? CT_CRYPT_R_TOO_BIG : CT_CRYPT_R_FORMAT, r, err, errlen,
			"signature field is not %s of at most %d bytes", info->base64 ? "base64" : "hex", CT_CRYPT_MAX_RSA_BYTES);
	if (rsa_run(pk, 0, wrapped, wl, key, &kl) != 0 || kl != keylen) {
		OPENSSL_cleanse(key, sizeof key);
		return fail(info, CT_CRYPT_R_KEY_UNWRAP, CT_EPROTO, err, errlen,
			"the session key does not decrypt with our RSA-%d key (sent for another key? answer DecryptErr)",
			info->rsa_bits);
	}
	ctl = e.msg.len / (info->base64 ? 4 : 2) * 3 + 3;
	if (!(ctx = malloc(ctl))) {
		OPENSSL_cleanse(key, sizeof key);
		return fail(info, CT_CRYPT_R_INTERNAL, CT_ENOMEM, err, errlen, "out of memory");
	}
	if ((r = field_get(&e.msg, info->base64, ctx, ctl, &ctl)) != 0 || ctl % (size_t)EVP_CIPHER_get_block_size(c)) {
		OPENSSL_cleanse(key, sizeof key);
		free(ctx);
		return fail(info, CT_CRYPT_R_FORMAT, r ? r : CT_EFORMAT, err, errlen,
			"ciphertext field is not %s of whole %d-byte blocks", info->base64 ? "base64" : "hex",
			EVP_CIPHER_get_block_size(c));
	}
	make_iv(iv, e.capa, pktno_str, pktno_len);
	r = sym_run(c, 0, key, iv, ctx, ctl, &pt, &ptl);
	OPENSSL_cleanse(key, sizeof key);
	free(ctx);
	if (r != 0)
		return fail(info, CT_CRYPT_R_DECRYPT, CT_EPROTO, err, errlen,
			"%s decryption failed (bad padding: wrong key, IV or tampered ciphertext)", info->cipher);
	ct_sbuf_add(plain, pt, ptl);
	info->sig = e.has_sig ? sig_check(peer, e.capa, pt, ptl, sig, sl) : CT_CRYPT_SIG_NONE;
	OPENSSL_cleanse(pt, ptl);
	free(pt);
	if (plain->err)
		return fail(info, CT_CRYPT_R_INTERNAL, CT_ENOMEM, err, errlen, "out of memory");
	if (info->sig == CT_CRYPT_SIG_BAD)
		return fail(info, CT_CRYPT_R_BAD_SIG, CT_EPROTO, err, errlen,
			"bad signature: the %s signature does not verify with the sender's key (impersonation?)", info->hash);
	if (err && errlen)
		snprintf(err, errlen, "%s", info->sig == CT_CRYPT_SIG_TEXT_ONLY ?
			"signature over text only (Mac-style)" : "");
	return 0;
}
