/* crypto.h: IP Messenger encryption API (crypto-interop.md): key pairs, ANSPUBKEY, encrypt/decrypt/sign/verify bodies, wire encodings. */
#ifndef CT_CRYPTO_H
#define CT_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include "bodies.h"
#include "sbuf.h"

/*
 * Everything here follows /work/shared/protocol/crypto-interop.md (Windows v4.99 rules):
 *  - suites sent: RSA-2048 + AES-256-CBC signed with SHA-256 (or SHA-1 when the peer lacks
 *    SIGN_SHA256), or RSA-1024 + Blowfish-128-CBC unsigned; received: any RSA-1024/2048 x
 *    AES-256/Blowfish-128 pair;
 *  - RSAES/RSASSA-PKCS1-v1_5, big-endian on the wire; CBC with PKCS#7 padding; IV = "%u" of the
 *    packet number padded with NULs (PACKETNO_IV) or zeros;
 *  - body "%X:key:cipher[:sig]", fields in lowercase hex or (ENCODE_BASE64) standard base64.
 * libcrypto is used only by crypto.c; crypt-wire.c holds the parts without it (encodings,
 * suite choice, the fingerprinted user name, the DecryptErr text).
 */

/* The word we advertise when everything works: RSA1024|RSA2048|BF128|AES256|PNIV|BASE64|SHA1|SHA256
 * (all-digit hex, so the Mac's decimal reading still has RSA_2048: crypto-interop §3). Without
 * Blowfish (no legacy provider) RSA_1024 and BLOWFISH_128 are dropped: CT_CRYPT_CAPA_NOBF. */
#define CT_CRYPT_CAPA_ALL 0x61920006u
#define CT_CRYPT_CAPA_NOBF 0x61900004u

#define CT_CRYPT_AES_KEYLEN 32
#define CT_CRYPT_BF_KEYLEN 16
/* Bounds on outside input: a body field longer than this is refused (CT_ETOOBIG). */
#define CT_CRYPT_MAX_BODY 65536
#define CT_CRYPT_MAX_RSA_BYTES 256

/* Why an operation failed (or what a decrypt found); ct_crypt_reason_name() gives the word. */
enum ct_crypt_reason {
	CT_CRYPT_R_NONE = 0,
	CT_CRYPT_R_NO_CIPHER,    /* "no_common_cipher": no suite both sides support (or key size) */
	CT_CRYPT_R_NO_BLOWFISH,  /* "blowfish_unavailable": OpenSSL's legacy provider is missing */
	CT_CRYPT_R_FORMAT,       /* "malformed": bad framing, encoding, lengths */
	CT_CRYPT_R_TOO_BIG,      /* "too_big": a field over the bounds */
	CT_CRYPT_R_BAD_KEY,      /* "bad_key": a public key of an unusable size or exponent */
	CT_CRYPT_R_KEY_UNWRAP,   /* "key_unwrap": RSA decryption of the session key failed (wrong key) */
	CT_CRYPT_R_DECRYPT,      /* "decrypt": bad padding or cipher failure */
	CT_CRYPT_R_BAD_SIG,      /* "bad_signature": signature does not verify (impersonation?) */
	CT_CRYPT_R_FINGERPRINT,  /* "fingerprint_mismatch": the user name's -<fpr> is not this key's */
	CT_CRYPT_R_INTERNAL,     /* "internal": libcrypto failed (out of memory, ...) */
};
const char *ct_crypt_reason_name(enum ct_crypt_reason r);

/* Signature state of a decrypted message. */
enum ct_crypt_sig {
	CT_CRYPT_SIG_NONE = 0,   /* "none": unsigned */
	CT_CRYPT_SIG_OK,         /* "ok": verified over the whole plaintext (Windows) */
	CT_CRYPT_SIG_TEXT_ONLY,  /* "text_only": verified over text+NUL only (Mac-style signer) */
	CT_CRYPT_SIG_NOKEY,      /* "no_key": signed, but no 2048-bit key of the sender to check */
	CT_CRYPT_SIG_BAD,        /* "bad": does not verify */
};
const char *ct_crypt_sig_name(enum ct_crypt_sig s);

/* What an encrypt chose or a decrypt found. */
struct ct_crypt_info {
	uint32_t capa;           /* the body's capability word */
	int rsa_bits;            /* 1024 or 2048 */
	const char *cipher;      /* "aes-256-cbc" or "blowfish-128-cbc" */
	const char *hash;        /* "sha256", "sha1" or "none" */
	int base64;              /* fields in base64 (else hex) */
	int pniv;                /* IV from the packet number */
	enum ct_crypt_sig sig;
	enum ct_crypt_reason reason; /* set on failure (and CT_CRYPT_R_BAD_SIG) */
};

/* ---- crypt-wire.c: no libcrypto ---- */

/* Lowercase hex of n bytes appended to b. */
int ct_crypt_hex_encode(struct ct_sbuf *b, const void *p, size_t n);
/* Either case, even length; writes at most cap bytes into out, *outlen. CT_EFORMAT / CT_ETOOBIG. */
int ct_crypt_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen);
/* Standard alphabet, '=' padding, no line breaks (Windows CRYPT_STRING_BASE64 minus CR/LF). */
int ct_crypt_b64_encode(struct ct_sbuf *b, const void *p, size_t n);
/* Strict: length a multiple of 4, padding only at the end, zero unused bits. */
int ct_crypt_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen);

/* The suite we send for the intersection `capa` (= peer capa & ours) with a peer key of
 * peer_bits: (RSA_2048, AES_256, SIGN_SHA256 > SIGN_SHA1 > none) or (RSA_1024, BLOWFISH_128),
 * each with PACKETNO_IV and ENCODE_BASE64 when in capa. Returns the body's word, or 0 if none. */
uint32_t ct_crypt_choose(uint32_t capa, int peer_bits);

/* Finds "-<" 16 alphanumerics ">" in a user name; copies the 16 characters (lowercased) into
 * fpr[17]. 1 found, 0 not. */
int ct_crypt_name_fpr(const char *name, size_t len, char fpr[17]);
/* The fingerprint of a 2048-bit modulus (big-endian, 256 bytes): SHA-1 over the little-endian
 * modulus, digest reversed, 4 zero bytes, the three 8-byte words XORed, lowercase hex.
 * sha1 is the digest computed by the caller (crypto.c); this folds it. */
void ct_crypt_fpr_fold(const uint8_t sha1[20], char fpr[17]);

/* A decrypted plaintext's sections (crypto-interop §2.2h): the text up to the first NUL, then
 * (Windows with attachments, ENCEXTMSGOPT) the attachment list and the "TO:" user list, each
 * up to its NUL; missing ones are empty. Use the attachment list from here only when the
 * packet has ENCEXTMSGOPT, else the clear copy after the encrypted body. Slices point into
 * plain. */
void ct_crypt_plain_split(const char *plain, size_t len, struct ct_slice *text, struct ct_slice *attach,
	struct ct_slice *to);

/* 1 when a (decrypted or plain) message text is Windows' "AutoReply(DecryptErr)" answer: the
 * sender should drop the cached key of that host and send GETPUBKEY again. */
int ct_crypt_is_decrypt_err(const char *text, size_t len);
#define CT_CRYPT_DECRYPT_ERR_MARK "==== AutoReply(DecryptErr) ===="

/* ---- crypto.c: libcrypto ---- */

/* Our key pairs (RSA-2048 and RSA-1024, e = 65537) and a peer's public key: opaque. */
struct ct_crypt_keys;
struct ct_crypt_pub;

/* NULL when libcrypto is loaded (crypto-dl.c opens it on first use); else why not, with the fix.
 * Without it nothing is encrypted: ct_crypt_capa() is 0 and every operation fails with CT_EUNSUP. */
const char *ct_crypt_lib_error(void);

/* The capability word this build can honour (CT_CRYPT_CAPA_ALL or, without OpenSSL's legacy
 * provider, CT_CRYPT_CAPA_NOBF); err (if given) says why Blowfish is missing. Loads the
 * providers once. */
uint32_t ct_crypt_capa(char *err, size_t errlen);

int ct_crypt_keys_generate(struct ct_crypt_keys **k, char *err, size_t errlen);
/* PEM (PKCS#8, unencrypted) of each pair; either may be NULL/0 for a 1024-less store. */
int ct_crypt_keys_from_pem(struct ct_crypt_keys **k, const char *pem2048, size_t len2048,
	const char *pem1024, size_t len1024, char *err, size_t errlen);
/* Appends the private key PEM of the `bits` pair (2048 or 1024). */
int ct_crypt_keys_to_pem(const struct ct_crypt_keys *k, int bits, struct ct_sbuf *b);
void ct_crypt_keys_free(struct ct_crypt_keys *k);
/* Our own 16-hex fingerprint (of the 2048-bit key) for the user name "user-<fpr>". */
int ct_crypt_keys_fpr(const struct ct_crypt_keys *k, char fpr[17]);

/* ANSPUBKEY body answering a GETPUBKEY with capability req_capa: "%X:%X-%s" with our full word
 * local_capa, the exponent, the modulus of the 2048 key if (req & local) has RSA_2048, else the
 * 1024 key, as lowercase big-endian hex at full length. CT_EUNSUP (no answer) if req & local is 0. */
int ct_crypt_anspubkey(const struct ct_crypt_keys *k, uint32_t local_capa, uint32_t req_capa,
	struct ct_sbuf *b);

/* Parses an ANSPUBKEY body into a public key: 1024- or 2048-bit modulus (leading zero hex
 * digits tolerated), exponent odd and < 2^32. If user (not NULL) carries a "-<fpr>" the key
 * must be 2048-bit with that fingerprint (else CT_EPROTO, CT_CRYPT_R_FINGERPRINT).
 * *reason (if given) is set on failure. */
int ct_crypt_pub_parse(const char *body, size_t len, const char *user, size_t ulen,
	struct ct_crypt_pub **pub, enum ct_crypt_reason *reason, char *err, size_t errlen);
void ct_crypt_pub_free(struct ct_crypt_pub *pub);
uint32_t ct_crypt_pub_capa(const struct ct_crypt_pub *pub);
int ct_crypt_pub_bits(const struct ct_crypt_pub *pub);
/* The 16-hex fingerprint of a 2048-bit key (CT_EUNSUP for 1024). */
int ct_crypt_pub_fpr(const struct ct_crypt_pub *pub, char fpr[17]);

/* Encrypts the plaintext `plain` (the whole of it: LF text + NUL [+ attachment list + NUL]
 * [+ TO: list]) for a peer whose key and word come from its ANSPUBKEY, as the SENDMSG with
 * packet number pktno (formatted "%u" in its header). Appends "%X:key:cipher[:sig]" to body.
 * Errors: CT_EUNSUP (no common cipher: info->reason says which), CT_ETOOBIG, CT_ENOMEM; err names
 * the cause. */
int ct_crypt_encrypt(const struct ct_crypt_keys *ours, uint32_t local_capa, const struct ct_crypt_pub *peer,
	uint32_t pktno, const void *plain, size_t plen, struct ct_sbuf *body,
	struct ct_crypt_info *info, char *err, size_t errlen);

/* Decrypts a received encrypted body. pktno_str is the packet-number field of its header as
 * received (the IV with PACKETNO_IV: its first 15 characters). peer: the sender's public key
 * if known (for the signature), else NULL. The plaintext (whole, with its NULs) goes to plain.
 * Returns 0 (info->sig says what the signature showed: ok, text_only, no_key, none) or:
 *   CT_EFORMAT / CT_ETRUNC / CT_ETOOBIG  malformed body (reason malformed / too_big);
 *   CT_EUNSUP   a suite we cannot decrypt (no_common_cipher, blowfish_unavailable);
 *   CT_EPROTO   key_unwrap (not our key: answer DecryptErr), decrypt (bad padding), or
 *               bad_signature: then plain holds the text anyway (Windows shows it marked
 *               "(Impersonate?)"; the caller decides).
 * err names what failed. */
int ct_crypt_decrypt(const struct ct_crypt_keys *ours, const struct ct_crypt_pub *peer,
	const char *pktno_str, size_t pktno_len, const char *body, size_t blen,
	struct ct_sbuf *plain, struct ct_crypt_info *info, char *err, size_t errlen);

#endif
