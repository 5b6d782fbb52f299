/* fed-auth.h: federation peer authentication: pinned RSA keys and signed (sealed) federation datagrams (fed.c uses it).
 *
 * With keys configured (`peer = ADDRESS key=FINGERPRINT`), a server asks the peer once for its
 * public key ("CTFED1 Q"), takes the answer ("CTFED1 P " + an ANSPUBKEY body) only when its
 * 2048-bit key has the configured fingerprint (ct_crypt_pub_fpr), and then sends every digest
 * and page to that peer as "CTFED1 E " + the datagram's body encrypted to the peer's key and
 * signed with ours (ct_crypt_encrypt: RSA-2048 + AES-256-CBC, SHA-256 signature over the whole
 * body); a datagram from a keyed peer is taken only as such an envelope whose signature
 * verifies with the pinned key. Uses the protocol's key API (keys.h, crypto.h) unchanged. */
#ifndef CT_FED_AUTH_H
#define CT_FED_AUTH_H

#include <stddef.h>
#include "crypto.h"
#include "sbuf.h"

#define CT_FEDAUTH_QUERY "CTFED1 Q"
#define CT_FEDAUTH_KEY "CTFED1 P "
#define CT_FEDAUTH_SEAL "CTFED1 E "
#define CT_FEDAUTH_OVERHEAD 900   /* key, signature, word and padding of a sealed body */

/* 1 when body starts with prefix. */
int ct_fedauth_is(const char *body, size_t len, const char *prefix);
/* The key answer: CT_FEDAUTH_KEY + our ANSPUBKEY body (2048-bit key) into out. */
int ct_fedauth_key_answer(const struct ct_crypt_keys *ours, struct ct_sbuf *out);
/* Takes a key answer when its 2048-bit key's fingerprint is want (16 hex, any case): *pub set,
 * 0; CT_EPROTO "fingerprint ... is not the configured ..." or CT_EFORMAT with err. */
int ct_fedauth_key_take(const char *body, size_t len, const char *want, struct ct_crypt_pub **pub,
	char *err, size_t errlen);
/* Seals body for peer, signed with ours, into out (CT_FEDAUTH_SEAL + the encrypted body). */
int ct_fedauth_seal(const struct ct_crypt_keys *ours, const struct ct_crypt_pub *peer, const char *body,
	size_t len, struct ct_sbuf *out, char *err, size_t errlen);
/* Opens a sealed body from peer into plain: 0 only when it decrypts with ours and its signature
 * verifies with peer's key; else CT_EPROTO / CT_EFORMAT with err naming why. */
int ct_fedauth_open(const struct ct_crypt_keys *ours, const struct ct_crypt_pub *peer, const char *body,
	size_t len, struct ct_sbuf *plain, char *err, size_t errlen);
/* 1 when s is a fingerprint: 16 hex digits. */
int ct_fedauth_fpr_ok(const char *s);

#endif
