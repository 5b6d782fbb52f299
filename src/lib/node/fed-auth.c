/* fed-auth.c: federation peer authentication: the key query and answer, fingerprint pinning, sealed and signed datagrams (fed-auth.h). */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "bodies.h"
#include "err.h"
#include "fed-auth.h"

/* RSA-2048, AES-256, SHA-256 signature, base64; no PACKETNO_IV (the node numbers the packet) */
#define SEAL_CAPA (CT_CRYPT_CAPA_NOBF & ~CT_IPMSG_PACKETNO_IV)

int ct_fedauth_is(const char *body, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(body, prefix, n) == 0;
}

int ct_fedauth_fpr_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return 0;
	return n == 16;
}

int ct_fedauth_key_answer(const struct ct_crypt_keys *ours, struct ct_sbuf *out)
{
	ct_sbuf_reset(out);
	ct_sbuf_add(out, CT_FEDAUTH_KEY, strlen(CT_FEDAUTH_KEY));
	return ct_crypt_anspubkey(ours, SEAL_CAPA, SEAL_CAPA, out) ? CT_EUNSUP : out->err;
}

int ct_fedauth_key_take(const char *body, size_t len, const char *want, struct ct_crypt_pub **pub,
	char *err, size_t errlen)
{
	size_t n = strlen(CT_FEDAUTH_KEY);
	char fpr[17];
	int r;

	*pub = NULL;
	if (!ct_fedauth_is(body, len, CT_FEDAUTH_KEY)) {
		snprintf(err, errlen, "not a key answer");
		return CT_EFORMAT;
	}
	if ((r = ct_crypt_pub_parse(body + n, len - n, NULL, 0, pub, NULL, err, errlen)) != 0)
		return r;
	if (ct_crypt_pub_fpr(*pub, fpr) != 0 || strcasecmp(fpr, want) != 0) {
		snprintf(err, errlen, "its key's fingerprint %s is not the configured %s", ct_crypt_pub_bits(*pub) == 2048 ?
			fpr : "(a 1024-bit key)", want);
		ct_crypt_pub_free(*pub);
		*pub = NULL;
		return CT_EPROTO;
	}
	return 0;
}

int ct_fedauth_seal(const struct ct_crypt_keys *ours, const struct ct_crypt_pub *peer, const char *body,
	size_t len, struct ct_sbuf *out, char *err, size_t errlen)
{
	struct ct_crypt_info info;

	ct_sbuf_reset(out);
	ct_sbuf_add(out, CT_FEDAUTH_SEAL, strlen(CT_FEDAUTH_SEAL));
	return ct_crypt_encrypt(ours, SEAL_CAPA, peer, 0, body, len, out, &info, err, errlen);
}

int ct_fedauth_open(const struct ct_crypt_keys *ours, const struct ct_crypt_pub *peer, const char *body,
	size_t len, struct ct_sbuf *plain, char *err, size_t errlen)
{
	size_t n = strlen(CT_FEDAUTH_SEAL);
	struct ct_crypt_info info;
	int r;

	ct_sbuf_reset(plain);
	if (!ct_fedauth_is(body, len, CT_FEDAUTH_SEAL)) {
		snprintf(err, errlen, "not signed (a keyed peer's datagrams must be)");
		return CT_EPROTO;
	}
	memset(&info, 0, sizeof info);
	if ((r = ct_crypt_decrypt(ours, peer, "0", 1, body + n, len - n, plain, &info, err, errlen)) != 0)
		return r;
	if (info.sig != CT_CRYPT_SIG_OK) {
		snprintf(err, errlen, "signature %s (not the pinned key's)", ct_crypt_sig_name(info.sig));
		return CT_EPROTO;
	}
	return 0;
}
