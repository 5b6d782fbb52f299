/* crypto-bench.c: encrypted messages per second through the crypto API (encrypt + decrypt + verify, each suite), for crypto-bench.sh. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../unit/crypto-fixtures.h"
#include "clock.h"
#include "crypto.h"
#include "sbuf.h"

/* Usage: crypto-bench SECONDS; prints "SUITE msgs_per_s" lines. crypto-bench pem 2048|1024
 * prints the fixture key the floor uses (b's). */
static struct ct_crypt_pub *pub_of(struct ct_crypt_keys *k, uint32_t capa, uint32_t req)
{
	struct ct_sbuf b;
	struct ct_crypt_pub *p = NULL;
	char err[256];

	ct_sbuf_init(&b);
	if (ct_crypt_anspubkey(k, capa, req, &b) != 0 || ct_crypt_pub_parse(b.p, b.len, NULL, 0, &p, NULL, err, sizeof err) != 0)
		exit(1);
	ct_sbuf_fini(&b);
	return p;
}

static void run(const char *name, struct ct_crypt_keys *a, struct ct_crypt_keys *b, uint32_t req, double secs)
{
	struct ct_crypt_pub *pb = pub_of(b, CT_CRYPT_CAPA_ALL, req), *pa = pub_of(a, CT_CRYPT_CAPA_ALL, CT_CRYPT_CAPA_ALL);
	struct ct_sbuf body, plain;
	struct ct_crypt_info info;
	char text[201], err[300], pn[16];
	uint64_t t0 = ct_mono_ns(), n = 0;

	memset(text, 'x', 200);
	text[200] = 0;
	ct_sbuf_init(&body);
	ct_sbuf_init(&plain);
	while (ct_mono_ns() - t0 < (uint64_t)(secs * 1e9)) {
		ct_sbuf_reset(&body);
		ct_sbuf_reset(&plain);
		snprintf(pn, sizeof pn, "%u", (unsigned)n + 1);
		if (ct_crypt_encrypt(a, CT_CRYPT_CAPA_ALL, pb, (uint32_t)n + 1, text, sizeof text, &body, &info, err, sizeof err) != 0 ||
			ct_crypt_decrypt(b, pa, pn, strlen(pn), body.p, body.len, &plain, &info, err, sizeof err) != 0) {
			fprintf(stderr, "crypto-bench: %s: %s\n", name, err);
			exit(1);
		}
		n++;
	}
	printf("%s %.1f\n", name, (double)n / ((double)(ct_mono_ns() - t0) / 1e9));
	ct_sbuf_fini(&body);
	ct_sbuf_fini(&plain);
	ct_crypt_pub_free(pa);
	ct_crypt_pub_free(pb);
}

int main(int argc, char **argv)
{
	struct ct_crypt_keys *a = NULL, *b = NULL;
	char err[300];
	double secs = argc > 1 ? atof(argv[1]) : 3;

	if (argc > 2 && strcmp(argv[1], "pem") == 0) {
		fputs(atoi(argv[2]) == 2048 ? FX_PEM_B2048 : FX_PEM_B1024, stdout);
		return 0;
	}

	if (ct_crypt_keys_from_pem(&a, FX_PEM_A2048, strlen(FX_PEM_A2048), FX_PEM_A1024, strlen(FX_PEM_A1024), err, sizeof err) ||
		ct_crypt_keys_from_pem(&b, FX_PEM_B2048, strlen(FX_PEM_B2048), FX_PEM_B1024, strlen(FX_PEM_B1024), err, sizeof err))
		return 1;
	run("rsa2048-aes256-sha256", a, b, CT_CRYPT_CAPA_ALL, secs);
	run("rsa1024-bf128", a, b, CT_IPMSG_RSA_1024 | CT_IPMSG_BLOWFISH_128, secs);
	ct_crypt_keys_free(a);
	ct_crypt_keys_free(b);
	return 0;
}
