/* bodies.h: small IPMsg bodies: packet-number replies, public keys, encrypted-body framing, SENDMSG sections. */
#ifndef CT_BODIES_H
#define CT_BODIES_H

#include <stddef.h>
#include <stdint.h>
#include "codec.h"
#include "sbuf.h"

/* Crypto capability flags, Windows v4.99 values (§5.1), written in hex in bodies */
#define CT_IPMSG_RSA_512 0x00000001u
#define CT_IPMSG_RSA_1024 0x00000002u
#define CT_IPMSG_RSA_2048 0x00000004u
#define CT_IPMSG_RSA_4096 0x00000008u
#define CT_IPMSG_RC2_40OLD 0x00000010u
#define CT_IPMSG_RC2_128OLD 0x00000040u
#define CT_IPMSG_BLOWFISH_128OLD 0x00000400u
#define CT_IPMSG_RC2_40 0x00001000u
#define CT_IPMSG_RC2_128 0x00004000u
#define CT_IPMSG_RC2_256 0x00008000u
#define CT_IPMSG_BLOWFISH_128 0x00020000u
#define CT_IPMSG_BLOWFISH_256 0x00040000u
#define CT_IPMSG_AES_128 0x00080000u
#define CT_IPMSG_AES_256 0x00100000u
#define CT_IPMSG_IPDICT_CTR 0x00400000u
#define CT_IPMSG_PACKETNO_IV 0x00800000u
#define CT_IPMSG_ENCODE_BASE64 0x01000000u
#define CT_IPMSG_UNAMEEXT 0x02000000u
#define CT_IPMSG_NOENC_FILEBODY 0x04000000u
#define CT_IPMSG_SIGN_MD5 0x10000000u
#define CT_IPMSG_SIGN_SHA1 0x20000000u
#define CT_IPMSG_SIGN_SHA256 0x40000000u

/* Fixed SENDABSENCEINFO text of a host that is not absent (Windows). */
#define CT_IPMSG_NOT_ABSENCE "Not Absence mode"

/* RECVMSG / READMSG / ANSREADMSG / RELEASEFILES: the decimal packet number. Leading spaces and
 * trailing NULs are tolerated; CT_ETRUNC if empty, CT_EFORMAT, CT_ERANGE. */
int ct_body_pktno_parse(const char *body, size_t len, uint32_t *pktno);
int ct_body_pktno_build(struct ct_sbuf *b, uint32_t pktno);

/* GETPUBKEY: "%x" of the requester's capability word (e.g. "65920006"). */
int ct_body_getpubkey_parse(const char *body, size_t len, uint32_t *capa);
int ct_body_getpubkey_build(struct ct_sbuf *b, uint32_t capa);

/* ANSPUBKEY "%X:%X-%s" = capa ":" exponent "-" modulus (big-endian hex, either case). The
 * slices point into body and are not NUL-terminated. */
struct ct_body_pubkey {
	uint32_t capa;
	struct ct_slice exp, mod;
};
int ct_body_anspubkey_parse(const char *body, size_t len, struct ct_body_pubkey *k);
int ct_body_anspubkey_build(struct ct_sbuf *b, uint32_t capa, const char *exp_hex, const char *mod_hex);

/* Encrypted body framing (§5.4): capa ":" key ":" msg [ ":" sig ] (no crypto here). Slices point
 * into body. CT_ETRUNC if fewer than three fields, CT_EFORMAT for a bad capa or empty field. */
struct ct_body_enc {
	uint32_t capa;
	struct ct_slice key, msg, sig;
	int has_sig;
};
int ct_body_enc_parse(const char *body, size_t len, struct ct_body_enc *e);
int ct_body_enc_build(struct ct_sbuf *b, uint32_t capa, const char *key, const char *msg, const char *sig);
/* Appends the names of capability flags ("RSA_2048|AES_256|...|0x..."). */
int ct_body_capa_format(struct ct_sbuf *b, uint32_t capa);

/* SENDMSG body sections: text, then (FILEATTACHOPT) the attachment list, then (ENCEXTMSGOPT
 * plaintexts) the "TO:" recipient list. Slices point into the parsed packet. */
struct ct_body_sendmsg {
	struct ct_slice text;
	struct ct_slice attach;  /* empty when none */
	struct ct_slice to;      /* "TO:u1:h1\a..." or empty */
	int has_attach, has_to;
};
int ct_body_sendmsg_parse(const struct ct_ipmsg *m, struct ct_body_sendmsg *s);
/* Appends "text NUL [attachlist NUL]"; attach NULL or "" means no attachment section. */
int ct_body_sendmsg_build(struct ct_sbuf *b, const char *text, const char *attach);

#endif
