/* crypto-floor.c: the floor for crypto-bench: the same libcrypto operations per message (wrap, sign, unwrap, verify, CBC both ways) with nothing else around them. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Usage: crypto-floor SECONDS KEY2048.pem KEY1024.pem; prints "SUITE msgs_per_s" lines. */
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static EVP_PKEY *load(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	if (!k)
		exit(1);
	return k;
}

static int rsa(EVP_PKEY *k, int enc, const unsigned char *in, size_t n, unsigned char *out, size_t *ol)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	int ok = (enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) > 0 &&
		EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0 &&
		(enc ? EVP_PKEY_encrypt(c, out, ol, in, n) : EVP_PKEY_decrypt(c, out, ol, in, n)) > 0;
	EVP_PKEY_CTX_free(c);
	return ok;
}

static int cbc(const EVP_CIPHER *ci, int enc, const unsigned char *key, const unsigned char *in, int n, unsigned char *out)
{
	unsigned char iv[16] = "1";
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	EVP_CipherInit_ex2(x, ci, key, iv, enc, NULL);
	EVP_CipherUpdate(x, out, &l1, in, n);
	EVP_CipherFinal_ex(x, out + l1, &l2);
	EVP_CIPHER_CTX_free(x);
	return l1 + l2;
}

static void run(const char *name, EVP_PKEY *k, EVP_PKEY *signer, const EVP_CIPHER *ci, int keylen, double secs)
{
	unsigned char text[201], key[32], w[512], k2[512], ct[256], pt[256], sig[512];
	double t0 = now();
	long n = 0;

	memset(text, 'x', sizeof text);
	while (now() - t0 < secs) {
		size_t wl = sizeof w, kl = sizeof k2, sl = sizeof sig;
		int cl;
		RAND_bytes(key, keylen);
		rsa(k, 1, key, (size_t)keylen, w, &wl);
		cl = cbc(ci, 1, key, text, sizeof text, ct);
		if (signer) {
			EVP_MD_CTX *m = EVP_MD_CTX_new();
			EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, signer);
			EVP_DigestSign(m, sig, &sl, text, sizeof text);
			EVP_MD_CTX_free(m);
		}
		rsa(k, 0, w, wl, k2, &kl);
		cbc(ci, 0, k2, ct, cl, pt);
		if (signer) {
			EVP_MD_CTX *m = EVP_MD_CTX_new();
			EVP_DigestVerifyInit(m, NULL, EVP_sha256(), NULL, signer);
			if (EVP_DigestVerify(m, sig, sl, pt, sizeof text) != 1)
				exit(1);
			EVP_MD_CTX_free(m);
		}
		n++;
	}
	printf("%s %.1f\n", name, (double)n / (now() - t0));
}

int main(int argc, char **argv)
{
	EVP_CIPHER *bf;

	if (argc < 4)
		return 2;
	OSSL_PROVIDER_load(NULL, "default");
	OSSL_PROVIDER_load(NULL, "legacy");
	if (!(bf = EVP_CIPHER_fetch(NULL, "BF-CBC", NULL)))
		return 1;
	run("rsa2048-aes256-sha256", load(argv[2]), load(argv[2]), EVP_aes_256_cbc(), 32, atof(argv[1]));
	run("rsa1024-bf128", load(argv[3]), NULL, bf, 16, atof(argv[1]));
	return 0;
}
