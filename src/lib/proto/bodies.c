/* bodies.c: packet-number bodies, GETPUBKEY/ANSPUBKEY, encrypted-body field framing, SENDMSG sections. */
#include "config.h"
#include <inttypes.h>
#include <string.h>
#include "bodies.h"
#include "err.h"
#include "util.h"

/* Length of body up to its first NUL. */
static size_t blen(const char *body, size_t len)
{
	return body ? strnlen(body, len) : 0;
}

int ct_body_pktno_parse(const char *body, size_t len, uint32_t *pktno)
{
	size_t i = 0;

	*pktno = 0;
	len = blen(body, len);
	while (i < len && body[i] == ' ')
		i++;
	if (i == len)
		return CT_ETRUNC;
	return ct_parse_u32(body + i, len - i, 10, pktno);
}

int ct_body_pktno_build(struct ct_sbuf *b, uint32_t pktno)
{
	return ct_sbuf_printf(b, "%" PRIu32, pktno);
}

int ct_body_getpubkey_parse(const char *body, size_t len, uint32_t *capa)
{
	*capa = 0;
	len = blen(body, len);
	if (!len)
		return CT_ETRUNC;
	return ct_parse_u32(body, len, 16, capa);
}

int ct_body_getpubkey_build(struct ct_sbuf *b, uint32_t capa)
{
	return ct_sbuf_printf(b, "%" PRIx32, capa);
}

static int all_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
	}
	return n > 0;
}

int ct_body_anspubkey_parse(const char *body, size_t len, struct ct_body_pubkey *k)
{
	const char *c, *d;
	int r;

	memset(k, 0, sizeof *k);
	len = blen(body, len);
	if (!len)
		return CT_ETRUNC;
	if (!(c = memchr(body, ':', len)))
		return CT_ETRUNC;
	if ((r = ct_parse_u32(body, (size_t)(c - body), 16, &k->capa)) != 0)
		return r;
	if (!(d = memchr(c + 1, '-', len - (size_t)(c + 1 - body))))
		return CT_ETRUNC;
	k->exp = (struct ct_slice){ c + 1, (size_t)(d - c - 1) };
	k->mod = (struct ct_slice){ d + 1, len - (size_t)(d + 1 - body) };
	if (!all_hex(k->exp.p, k->exp.len) || !all_hex(k->mod.p, k->mod.len))
		return CT_EFORMAT;
	return 0;
}

int ct_body_anspubkey_build(struct ct_sbuf *b, uint32_t capa, const char *exp_hex, const char *mod_hex)
{
	if (!exp_hex || !mod_hex || !all_hex(exp_hex, strlen(exp_hex)) || !all_hex(mod_hex, strlen(mod_hex)))
		return CT_EINVAL;
	return ct_sbuf_printf(b, "%" PRIX32 ":%s-%s", capa, exp_hex, mod_hex);
}

int ct_body_enc_parse(const char *body, size_t len, struct ct_body_enc *e)
{
	struct ct_slice f[4];
	size_t nf = 0;
	const char *p, *end;
	int r;

	memset(e, 0, sizeof *e);
	len = blen(body, len);
	if (!len)
		return CT_ETRUNC;
	p = body;
	end = body + len;
	while (nf < 4) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		f[nf++] = (struct ct_slice){ p, (size_t)((c ? c : end) - p) };
		if (!c)
			break;
		p = c + 1;
		if (nf == 4)
			return CT_EFORMAT; /* a fifth field */
	}
	if (nf < 3)
		return CT_ETRUNC;
	if ((r = ct_parse_u32(f[0].p, f[0].len, 16, &e->capa)) != 0)
		return r;
	for (size_t i = 1; i < nf; i++)
		if (f[i].len == 0)
			return CT_EFORMAT;
	e->key = f[1];
	e->msg = f[2];
	if (nf == 4) {
		e->sig = f[3];
		e->has_sig = 1;
	}
	return 0;
}

int ct_body_enc_build(struct ct_sbuf *b, uint32_t capa, const char *key, const char *msg, const char *sig)
{
	if (!key || !*key || !msg || !*msg || strchr(key, ':') || strchr(msg, ':') || (sig && strchr(sig, ':')))
		return CT_EINVAL;
	ct_sbuf_printf(b, "%" PRIX32 ":%s:%s", capa, key, msg);
	if (sig && *sig)
		ct_sbuf_printf(b, ":%s", sig);
	return b->err;
}

int ct_body_capa_format(struct ct_sbuf *b, uint32_t capa)
{
	static const struct { uint32_t v; const char *n; } t[] = {
		{ CT_IPMSG_RSA_512, "RSA_512" }, { CT_IPMSG_RSA_1024, "RSA_1024" },
		{ CT_IPMSG_RSA_2048, "RSA_2048" }, { CT_IPMSG_RSA_4096, "RSA_4096" },
		{ CT_IPMSG_RC2_40OLD, "RC2_40OLD" }, { CT_IPMSG_RC2_128OLD, "RC2_128OLD" },
		{ CT_IPMSG_BLOWFISH_128OLD, "BLOWFISH_128OLD" }, { CT_IPMSG_RC2_40, "RC2_40" },
		{ CT_IPMSG_RC2_128, "RC2_128" }, { CT_IPMSG_RC2_256, "RC2_256" },
		{ CT_IPMSG_BLOWFISH_128, "BLOWFISH_128" }, { CT_IPMSG_BLOWFISH_256, "BLOWFISH_256" },
		{ CT_IPMSG_AES_128, "AES_128" }, { CT_IPMSG_AES_256, "AES_256" },
		{ CT_IPMSG_IPDICT_CTR, "IPDICT_CTR" }, { CT_IPMSG_PACKETNO_IV, "PACKETNO_IV" },
		{ CT_IPMSG_ENCODE_BASE64, "ENCODE_BASE64" }, { CT_IPMSG_UNAMEEXT, "UNAMEEXT" },
		{ CT_IPMSG_NOENC_FILEBODY, "NOENC_FILEBODY" }, { CT_IPMSG_SIGN_MD5, "SIGN_MD5" },
		{ CT_IPMSG_SIGN_SHA1, "SIGN_SHA1" }, { CT_IPMSG_SIGN_SHA256, "SIGN_SHA256" },
	};
	uint32_t left = capa;
	int first = 1;

	for (size_t i = 0; i < CT_ARRAY_LEN(t); i++) {
		if (capa & t[i].v) {
			ct_sbuf_printf(b, "%s%s", first ? "" : "|", t[i].n);
			first = 0;
			left &= ~t[i].v;
		}
	}
	if (left || first)
		ct_sbuf_printf(b, "%s0x%" PRIx32, first ? "" : "|", left);
	return b->err;
}

int ct_body_sendmsg_parse(const struct ct_ipmsg *m, struct ct_body_sendmsg *s)
{
	memset(s, 0, sizeof *s);
	s->text = m->sec[0];
	s->attach = (struct ct_slice){ "", 0 };
	s->to = (struct ct_slice){ "", 0 };
	for (size_t i = 1; i < m->nsec; i++) {
		struct ct_slice x = m->sec[i];
		if (x.len >= 3 && memcmp(x.p, "TO:", 3) == 0) {
			s->to = x;
			s->has_to = 1;
		} else if (i == 1 && x.len) {
			s->attach = x;
			s->has_attach = 1;
		}
	}
	return 0;
}

int ct_body_sendmsg_build(struct ct_sbuf *b, const char *text, const char *attach)
{
	if (text)
		ct_sbuf_adds(b, text);
	ct_sbuf_addc(b, '\0');
	if (attach && *attach) {
		ct_sbuf_adds(b, attach);
		ct_sbuf_addc(b, '\0');
	}
	return b->err;
}
