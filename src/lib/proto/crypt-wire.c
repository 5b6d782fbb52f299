/* crypt-wire.c: the libcrypto-free half of IP Messenger encryption: hex/base64 fields, suite choice, fingerprinted names, DecryptErr. */
#include "config.h"
#include <string.h>
#include "crypto.h"
#include "err.h"

static const char hexdig[] = "0123456789abcdef";
static const char b64dig[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const char *ct_crypt_reason_name(enum ct_crypt_reason r)
{
	static const char *const n[] = {
		[CT_CRYPT_R_NONE] = "none", [CT_CRYPT_R_NO_CIPHER] = "no_common_cipher",
		[CT_CRYPT_R_NO_BLOWFISH] = "blowfish_unavailable", [CT_CRYPT_R_FORMAT] = "malformed",
		[CT_CRYPT_R_TOO_BIG] = "too_big", [CT_CRYPT_R_BAD_KEY] = "bad_key",
		[CT_CRYPT_R_KEY_UNWRAP] = "key_unwrap", [CT_CRYPT_R_DECRYPT] = "decrypt",
		[CT_CRYPT_R_BAD_SIG] = "bad_signature", [CT_CRYPT_R_FINGERPRINT] = "fingerprint_mismatch",
		[CT_CRYPT_R_INTERNAL] = "internal",
	};
	return (unsigned)r < sizeof n / sizeof n[0] && n[r] ? n[r] : "unknown";
}

const char *ct_crypt_sig_name(enum ct_crypt_sig s)
{
	static const char *const n[] = {
		[CT_CRYPT_SIG_NONE] = "none", [CT_CRYPT_SIG_OK] = "ok", [CT_CRYPT_SIG_TEXT_ONLY] = "text_only",
		[CT_CRYPT_SIG_NOKEY] = "no_key", [CT_CRYPT_SIG_BAD] = "bad",
	};
	return (unsigned)s < sizeof n / sizeof n[0] && n[s] ? n[s] : "unknown";
}

int ct_crypt_hex_encode(struct ct_sbuf *b, const void *p, size_t n)
{
	const uint8_t *s = p;

	if (ct_sbuf_reserve(b, n * 2) != 0)
		return CT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		b->p[b->len++] = hexdig[s[i] >> 4];
		b->p[b->len++] = hexdig[s[i] & 15];
	}
	b->p[b->len] = 0;
	return 0;
}

/* 0-15, or -1 for a character that is not a hex digit (either case) */
static int hexval(char c)
{
	static const char both[] = "0123456789abcdef0123456789ABCDEF";
	const char *p = c ? strchr(both, c) : NULL;

	return p ? (int)(p - both) % 16 : -1;
}

int ct_crypt_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	*outlen = 0;
	if (n == 0 || n % 2)
		return CT_EFORMAT;
	if (n / 2 > cap)
		return CT_ETOOBIG;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return CT_EFORMAT;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = n / 2;
	return 0;
}

int ct_crypt_b64_encode(struct ct_sbuf *b, const void *p, size_t n)
{
	const uint8_t *s = p;

	if (ct_sbuf_reserve(b, (n + 2) / 3 * 4) != 0)
		return CT_ENOMEM;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
		b->p[b->len++] = b64dig[v >> 18 & 63];
		b->p[b->len++] = b64dig[v >> 12 & 63];
		b->p[b->len++] = i + 1 < n ? b64dig[v >> 6 & 63] : '=';
		b->p[b->len++] = i + 2 < n ? b64dig[v & 63] : '=';
	}
	b->p[b->len] = 0;
	return 0;
}

static int b64val(char c)
{
	const char *p = c ? strchr(b64dig, c) : NULL;
	return p ? (int)(p - b64dig) : -1;
}

int ct_crypt_b64_decode(const char *s, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t o = 0;

	*outlen = 0;
	if (n == 0 || n % 4)
		return CT_EFORMAT;
	if (n / 4 * 3 > cap + 2)
		return CT_ETOOBIG;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int j = 0; j < 4; j++) {
			if (s[i + j] == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad || (v[j] = b64val(s[i + j])) < 0)
				return CT_EFORMAT;
		}
		if ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3)))
			return CT_EFORMAT; /* non-zero unused bits: not canonical */
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		size_t k = 3 - (size_t)pad;
		if (o + k > cap)
			return CT_ETOOBIG;
		out[o++] = (uint8_t)(w >> 16);
		if (k > 1)
			out[o++] = (uint8_t)(w >> 8);
		if (k > 2)
			out[o++] = (uint8_t)w;
	}
	*outlen = o;
	return 0;
}

uint32_t ct_crypt_choose(uint32_t capa, int peer_bits)
{
	const uint32_t extra = CT_IPMSG_PACKETNO_IV | CT_IPMSG_ENCODE_BASE64;

	if (peer_bits == 2048 && (capa & CT_IPMSG_RSA_2048) && (capa & CT_IPMSG_AES_256)) {
		if (capa & CT_IPMSG_SIGN_SHA256)
			return capa & (CT_IPMSG_RSA_2048 | CT_IPMSG_AES_256 | CT_IPMSG_SIGN_SHA256 | extra);
		return capa & (CT_IPMSG_RSA_2048 | CT_IPMSG_AES_256 | CT_IPMSG_SIGN_SHA1 | extra);
	}
	if (peer_bits == 1024 && (capa & CT_IPMSG_RSA_1024) && (capa & CT_IPMSG_BLOWFISH_128))
		return capa & (CT_IPMSG_RSA_1024 | CT_IPMSG_BLOWFISH_128 | extra);
	return 0;
}

static int is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int ct_crypt_name_fpr(const char *name, size_t len, char fpr[17])
{
	fpr[0] = 0;
	if (!name)
		return 0;
	len = strnlen(name, len);
	for (size_t i = 0; i + 19 <= len; i++) {
		size_t j;
		if (name[i] != '-' || name[i + 1] != '<' || name[i + 18] != '>')
			continue;
		for (j = 0; j < 16 && is_alnum(name[i + 2 + j]); j++)
			;
		if (j < 16)
			continue;
		for (j = 0; j < 16; j++) {
			char c = name[i + 2 + j];
			fpr[j] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		fpr[16] = 0;
		return 1;
	}
	return 0;
}

void ct_crypt_fpr_fold(const uint8_t sha1[20], char fpr[17])
{
	uint8_t d[24] = { 0 }, v[8];

	for (int i = 0; i < 20; i++)
		d[i] = sha1[19 - i];
	for (int i = 0; i < 8; i++)
		v[i] = d[i] ^ d[8 + i] ^ d[16 + i];
	for (int i = 0; i < 8; i++) {
		fpr[2 * i] = hexdig[v[i] >> 4];
		fpr[2 * i + 1] = hexdig[v[i] & 15];
	}
	fpr[16] = 0;
}

void ct_crypt_plain_split(const char *plain, size_t len, struct ct_slice *text, struct ct_slice *attach,
	struct ct_slice *to)
{
	struct ct_slice *out[3] = { text, attach, to };
	size_t at = 0;

	for (int i = 0; i < 3; i++) {
		const char *nul = at < len ? memchr(plain + at, 0, len - at) : NULL;
		size_t end = nul ? (size_t)(nul - plain) : len;
		*out[i] = (struct ct_slice){ at < len ? plain + at : "", at < len ? end - at : 0 };
		at = end + 1;
	}
}

int ct_crypt_is_decrypt_err(const char *text, size_t len)
{
	size_t ml = sizeof CT_CRYPT_DECRYPT_ERR_MARK - 1;

	if (!text)
		return 0;
	len = strnlen(text, len);
	while (len && (*text == ' ' || *text == '\r' || *text == '\n')) {
		text++;
		len--;
	}
	return len >= ml && memcmp(text, CT_CRYPT_DECRYPT_ERR_MARK, ml) == 0;
}
