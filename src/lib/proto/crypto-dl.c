/* crypto-dl.c: libcrypto loaded on first use, not at every command's start-up (its 4,000 symbol relocations were most of `camtrace --version`'s time): the OpenSSL functions crypto.c calls, forwarded to the library dlopen()ed then. */
#include "config.h"
#include <pthread.h>
#include <stdarg.h>
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
#include "dlib.h"

/* every function crypto.c calls but the three written out below:
 * F(return type, name, parameters, arguments, what it returns when the library cannot be loaded)
 * or V(name, parameters, arguments) for a function returning nothing */
#define CT_CRYPTO_FUNCS(F, V) \
	F(long, BIO_ctrl, (BIO *bp, int cmd, long larg, void *parg), (bp, cmd, larg, parg), 0) \
	F(int, BIO_free, (BIO *a), (a), 0) \
	F(BIO *, BIO_new, (const BIO_METHOD *type), (type), NULL) \
	F(BIO *, BIO_new_mem_buf, (const void *buf, int len), (buf, len), NULL) \
	F(const BIO_METHOD *, BIO_s_secmem, (void), (), NULL) \
	F(BIGNUM *, BN_bin2bn, (const unsigned char *s, int len, BIGNUM *ret), (s, len, ret), NULL) \
	F(int, BN_bn2binpad, (const BIGNUM *a, unsigned char *to, int tolen), (a, to, tolen), 0) \
	V(BN_free, (BIGNUM *a), (a)) \
	F(unsigned long, BN_get_word, (const BIGNUM *a), (a), 0) \
	F(BIGNUM *, BN_new, (void), (), NULL) \
	F(int, BN_num_bits, (const BIGNUM *a), (a), 0) \
	F(int, BN_set_word, (BIGNUM *a, unsigned long w), (a, w), 0) \
	V(ERR_clear_error, (void), ()) \
	V(ERR_error_string_n, (unsigned long e, char *buf, size_t len), (e, buf, len)) \
	F(unsigned long, ERR_peek_last_error, (void), (), 0) \
	V(EVP_CIPHER_CTX_free, (EVP_CIPHER_CTX *c), (c)) \
	F(EVP_CIPHER_CTX *, EVP_CIPHER_CTX_new, (void), (), NULL) \
	F(EVP_CIPHER *, EVP_CIPHER_fetch, (OSSL_LIB_CTX *ctx, const char *algorithm, const char *properties), (ctx, algorithm, properties), NULL) \
	F(int, EVP_CIPHER_get_block_size, (const EVP_CIPHER *cipher), (cipher), 0) \
	F(int, EVP_CipherFinal_ex, (EVP_CIPHER_CTX *ctx, unsigned char *outm, int *outl), (ctx, outm, outl), 0) \
	F(int, EVP_CipherInit_ex2, (EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher, const unsigned char *key, const unsigned char *iv, int enc, const OSSL_PARAM params[]), (ctx, cipher, key, iv, enc, params), 0) \
	F(int, EVP_CipherUpdate, (EVP_CIPHER_CTX *ctx, unsigned char *out, int *outl, const unsigned char *in, int inl), (ctx, out, outl, in, inl), 0) \
	F(int, EVP_Digest, (const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type, ENGINE *impl), (data, count, md, size, type, impl), 0) \
	F(int, EVP_DigestSign, (EVP_MD_CTX *ctx, unsigned char *sigret, size_t *siglen, const unsigned char *tbs, size_t tbslen), (ctx, sigret, siglen, tbs, tbslen), 0) \
	F(int, EVP_DigestSignInit, (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey), (ctx, pctx, type, e, pkey), 0) \
	F(int, EVP_DigestVerify, (EVP_MD_CTX *ctx, const unsigned char *sigret, size_t siglen, const unsigned char *tbs, size_t tbslen), (ctx, sigret, siglen, tbs, tbslen), 0) \
	F(int, EVP_DigestVerifyInit, (EVP_MD_CTX *ctx, EVP_PKEY_CTX **pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey), (ctx, pctx, type, e, pkey), 0) \
	V(EVP_MD_CTX_free, (EVP_MD_CTX *ctx), (ctx)) \
	F(EVP_MD_CTX *, EVP_MD_CTX_new, (void), (), NULL) \
	V(EVP_PKEY_CTX_free, (EVP_PKEY_CTX *ctx), (ctx)) \
	F(EVP_PKEY_CTX *, EVP_PKEY_CTX_new_from_name, (OSSL_LIB_CTX *libctx, const char *name, const char *propquery), (libctx, name, propquery), NULL) \
	F(EVP_PKEY_CTX *, EVP_PKEY_CTX_new_from_pkey, (OSSL_LIB_CTX *libctx, EVP_PKEY *pkey, const char *propquery), (libctx, pkey, propquery), NULL) \
	F(int, EVP_PKEY_CTX_set_rsa_padding, (EVP_PKEY_CTX *ctx, int pad_mode), (ctx, pad_mode), 0) \
	F(int, EVP_PKEY_decrypt, (EVP_PKEY_CTX *ctx, unsigned char *out, size_t *outlen, const unsigned char *in, size_t inlen), (ctx, out, outlen, in, inlen), 0) \
	F(int, EVP_PKEY_decrypt_init, (EVP_PKEY_CTX *ctx), (ctx), 0) \
	F(int, EVP_PKEY_encrypt, (EVP_PKEY_CTX *ctx, unsigned char *out, size_t *outlen, const unsigned char *in, size_t inlen), (ctx, out, outlen, in, inlen), 0) \
	F(int, EVP_PKEY_encrypt_init, (EVP_PKEY_CTX *ctx), (ctx), 0) \
	V(EVP_PKEY_free, (EVP_PKEY *pkey), (pkey)) \
	F(int, EVP_PKEY_fromdata, (EVP_PKEY_CTX *ctx, EVP_PKEY **ppkey, int selection, OSSL_PARAM param[]), (ctx, ppkey, selection, param), 0) \
	F(int, EVP_PKEY_fromdata_init, (EVP_PKEY_CTX *ctx), (ctx), 0) \
	F(int, EVP_PKEY_get_base_id, (const EVP_PKEY *pkey), (pkey), 0) \
	F(int, EVP_PKEY_get_bits, (const EVP_PKEY *pkey), (pkey), 0) \
	F(int, EVP_PKEY_get_bn_param, (const EVP_PKEY *pkey, const char *key_name, BIGNUM **bn), (pkey, key_name, bn), 0) \
	F(int, EVP_PKEY_get_size, (const EVP_PKEY *pkey), (pkey), 0) \
	F(const EVP_CIPHER *, EVP_aes_256_cbc, (void), (), NULL) \
	F(const EVP_MD *, EVP_sha1, (void), (), NULL) \
	F(const EVP_MD *, EVP_sha256, (void), (), NULL) \
	V(OSSL_PARAM_BLD_free, (OSSL_PARAM_BLD *bld), (bld)) \
	F(OSSL_PARAM_BLD *, OSSL_PARAM_BLD_new, (void), (), NULL) \
	F(int, OSSL_PARAM_BLD_push_BN, (OSSL_PARAM_BLD *bld, const char *key, const BIGNUM *bn), (bld, key, bn), 0) \
	F(OSSL_PARAM *, OSSL_PARAM_BLD_to_param, (OSSL_PARAM_BLD *bld), (bld), NULL) \
	V(OSSL_PARAM_free, (OSSL_PARAM *p), (p)) \
	F(EVP_PKEY *, PEM_read_bio_PrivateKey, (BIO *out, EVP_PKEY **x, pem_password_cb *cb, void *u), (out, x, cb, u), NULL) \
	F(int, PEM_write_bio_PrivateKey, (BIO *out, const EVP_PKEY *x, const EVP_CIPHER *enc, const unsigned char *kstr, int klen, pem_password_cb *cb, void *u), (out, x, enc, kstr, klen, cb, u), 0) \
	F(int, RAND_bytes, (unsigned char *buf, int num), (buf, num), 0)

#define PTR_F(ret, name, params, args, fail) static ret(*p_##name) params;
#define PTR_V(name, params, args) static void(*p_##name) params;
CT_CRYPTO_FUNCS(PTR_F, PTR_V)
static EVP_PKEY *(*p_EVP_PKEY_Q_keygen)(OSSL_LIB_CTX *, const char *, const char *, ...);
static void (*p_OPENSSL_cleanse)(void *, size_t);
static OSSL_PROVIDER *(*p_OSSL_PROVIDER_load)(OSSL_LIB_CTX *, const char *);

static const struct ct_dlsym syms[] = {
#define ROW_F(ret, name, params, args, fail) { #name, (void **)&p_##name },
#define ROW_V(name, params, args) { #name, (void **)&p_##name },
	CT_CRYPTO_FUNCS(ROW_F, ROW_V)
	{ "EVP_PKEY_Q_keygen", (void **)&p_EVP_PKEY_Q_keygen },
	{ "OPENSSL_cleanse", (void **)&p_OPENSSL_cleanse },
	{ "OSSL_PROVIDER_load", (void **)&p_OSSL_PROVIDER_load },
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *lib;
static char load_err[256];

static void load_once(void)
{
	lib = ct_dlib_open(CT_CRYPTO_SONAME, "libcrypto", "libssl3", syms, sizeof syms / sizeof syms[0], load_err,
		sizeof load_err);
}

/* 1 when libcrypto is loaded with every function above (thread-safe, tried once) */
static int loaded(void)
{
	pthread_once(&once, load_once);
	return lib != NULL;
}

const char *ct_crypt_lib_error(void)
{
	return loaded() ? NULL : load_err;
}

#define FWD_F(ret, name, params, args, fail) \
	ret name params \
	{ \
		return loaded() ? p_##name args : fail; \
	}
#define FWD_V(name, params, args) \
	void name params \
	{ \
		if (loaded()) \
			p_##name args; \
	}
CT_CRYPTO_FUNCS(FWD_F, FWD_V)

/* variadic: crypto.c asks for RSA keys only, whose one extra argument is the size in bits */
EVP_PKEY *EVP_PKEY_Q_keygen(OSSL_LIB_CTX *libctx, const char *propq, const char *type, ...)
{
	va_list ap;
	size_t bits;

	if (!loaded() || strcmp(type, "RSA") != 0)
		return NULL;
	va_start(ap, type);
	bits = va_arg(ap, size_t);
	va_end(ap);
	return p_EVP_PKEY_Q_keygen(libctx, propq, type, bits);
}

/* secrets are wiped even without the library */
void OPENSSL_cleanse(void *ptr, size_t len)
{
	if (loaded())
		p_OPENSSL_cleanse(ptr, len);
	else if (ptr)
		explicit_bzero(ptr, len);
}

OSSL_PROVIDER *OSSL_PROVIDER_load(OSSL_LIB_CTX *libctx, const char *name)
{
	return loaded() ? p_OSSL_PROVIDER_load(libctx, name) : NULL;
}
