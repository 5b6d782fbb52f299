/* crypt-tool.c: a command-line face of the crypto API over the fixed test keys, for tests/t-crypto-peer.sh (our side against tests/crypto-peer.py). */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto-fixtures.h"
#include "crypto.h"
#include "err.h"
#include "sbuf.h"

/* Usage: crypt-tool pem a|b 2048|1024          the fixture key pair's PEM
 *        crypt-tool anspubkey a|b CAPA REQCAPA  our ANSPUBKEY body
 *        crypt-tool encrypt a|b PEER_ANSPUBKEY PKTNO        stdin plaintext -> body
 *        crypt-tool decrypt a|b PKTNO [SENDER_ANSPUBKEY]    stdin body -> plaintext, stderr sig= reason= */
static void read_all(struct ct_sbuf *b)
{
	char buf[4096];
	size_t n;

	while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
		ct_sbuf_add(b, buf, n);
}

int main(int argc, char **argv)
{
	struct ct_crypt_keys *k = NULL;
	struct ct_crypt_pub *p = NULL;
	struct ct_crypt_info info;
	struct ct_sbuf in, out;
	char err[400] = "";
	int a, r = 2;

	if (argc < 4)
		return 2;
	a = strcmp(argv[2], "a") == 0;
	if (strcmp(argv[1], "pem") == 0) {
		const char *pem = a ? (atoi(argv[3]) == 2048 ? FX_PEM_A2048 : FX_PEM_A1024) :
			(atoi(argv[3]) == 2048 ? FX_PEM_B2048 : FX_PEM_B1024);
		fputs(pem, stdout);
		return 0;
	}
	if (ct_crypt_keys_from_pem(&k, a ? FX_PEM_A2048 : FX_PEM_B2048, strlen(a ? FX_PEM_A2048 : FX_PEM_B2048),
		a ? FX_PEM_A1024 : FX_PEM_B1024, strlen(a ? FX_PEM_A1024 : FX_PEM_B1024), err, sizeof err) != 0) {
		fprintf(stderr, "keys: %s\n", err);
		return 1;
	}
	ct_sbuf_init(&in);
	ct_sbuf_init(&out);
	if (strcmp(argv[1], "anspubkey") == 0 && argc == 5) {
		r = ct_crypt_anspubkey(k, (uint32_t)strtoul(argv[3], NULL, 16), (uint32_t)strtoul(argv[4], NULL, 16), &out);
	} else if (strcmp(argv[1], "encrypt") == 0 && argc == 5) {
		read_all(&in);
		r = ct_crypt_pub_parse(argv[3], strlen(argv[3]), NULL, 0, &p, NULL, err, sizeof err);
		if (r == 0)
			r = ct_crypt_encrypt(k, ct_crypt_capa(NULL, 0), p, (uint32_t)strtoul(argv[4], NULL, 10), in.p, in.len, &out,
				&info, err, sizeof err);
	} else if (strcmp(argv[1], "decrypt") == 0 && argc >= 4) {
		read_all(&in);
		while (in.len && (in.p[in.len - 1] == '\n'))
			in.p[--in.len] = 0;
		if (argc > 4)
			r = ct_crypt_pub_parse(argv[4], strlen(argv[4]), NULL, 0, &p, NULL, err, sizeof err);
		if (argc == 4 || r == 0)
			r = ct_crypt_decrypt(k, p, argv[3], strlen(argv[3]), in.p, in.len, &out, &info, err, sizeof err);
		if (r == 0 || info.reason == CT_CRYPT_R_BAD_SIG)
			fprintf(stderr, "sig=%s\n", ct_crypt_sig_name(info.sig));
		if (r != 0)
			fprintf(stderr, "reason=%s\n", ct_crypt_reason_name(info.reason));
	}
	if (r == 0)
		fwrite(out.p ? out.p : "", 1, out.len, stdout);
	else
		fprintf(stderr, "error: %s: %s\n", ct_strerror(r), err);
	ct_sbuf_fini(&in);
	ct_sbuf_fini(&out);
	ct_crypt_pub_free(p);
	ct_crypt_keys_free(k);
	return r == 0 ? 0 : 1;
}
