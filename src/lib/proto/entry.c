/* entry.c: entry bodies: nick, group, the \n-separated UTF-8 block (block wins), iptux icon/charset. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "entry.h"
#include "err.h"
#include "util.h"

int ct_entry_is_entry_cmd(uint32_t command)
{
	uint32_t mode = CT_IPMSG_MODE(command);

	return mode <= CT_IPMSG_BR_ABSENCE || mode == CT_IPMSG_BR_ISGETLIST ||
		mode == CT_IPMSG_BR_ISGETLIST2;
}

void ct_entry_fini(struct ct_entry *e)
{
	free(e->user);
	free(e->host);
	free(e->nick);
	free(e->group);
	free(e->legacy_nick);
	free(e->legacy_group);
	free(e->verinfo);
	free(e->icon);
	free(e->charset_name);
	memset(e, 0, sizeof *e);
}

/* Decodes a slice into a fresh string, counting escaped bytes into *esc. */
static char *dec(enum ct_charset cs, const char *p, size_t n, int *esc, int *err)
{
	struct ct_sbuf b;
	int r;

	ct_sbuf_init(&b);
	r = ct_charset_decode(cs, p, n, &b, NULL);
	if (r < 0) {
		ct_sbuf_fini(&b);
		*err = r;
		return NULL;
	}
	*esc += r;
	char *s = ct_sbuf_steal(&b, NULL);
	if (!s)
		*err = CT_ENOMEM;
	return s;
}

static void parse_vs(struct ct_entry *e)
{
	const char *f[4];
	size_t fl[4], nf = 0;
	const char *p = e->verinfo, *end = p + strlen(p);
	uint32_t v[4];

	while (nf < 4) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		f[nf] = p;
		fl[nf] = (size_t)((c ? c : end) - p);
		nf++;
		if (!c)
			break;
		p = c + 1;
	}
	if (nf != 4 || memchr(p, ':', (size_t)(end - p)))
		return;
	for (size_t i = 0; i < 4; i++)
		if (ct_parse_u32(f[i], fl[i], i == 0 ? 16 : 10, &v[i]) != 0)
			return;
	e->vs_type = v[0];
	e->vs_major = v[1];
	e->vs_minor = v[2];
	e->vs_rev = v[3];
	e->vs_valid = 1;
}

/* Walks the block: returns 0 or CT_ENOMEM; fills the UN/HN/NN/GN/VS values it finds. */
static int parse_block(struct ct_entry *e, struct ct_slice blk, char **un, char **hn, char **nn,
	char **gn)
{
	const char *p = blk.p, *end = blk.p + blk.len;
	int err = 0;
	int keys = 0;

	while (p < end && !err) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t ll = (size_t)(le - p);
		char **dst = NULL;

		if (ll >= 3 && p[2] == ':') {
			if (memcmp(p, "UN", 2) == 0) dst = un;
			else if (memcmp(p, "HN", 2) == 0) dst = hn;
			else if (memcmp(p, "NN", 2) == 0) dst = nn;
			else if (memcmp(p, "GN", 2) == 0) dst = gn;
			else if (memcmp(p, "VS", 2) == 0) dst = &e->verinfo;
		}
		if (dst) {
			free(*dst);
			*dst = dec(CT_CS_UTF8, p + 3, ll - 3, &e->escaped, &err);
			if (dst != &e->verinfo)
				keys++;
		} else if (ll > 0) {
			e->unknown_keys++;
		}
		p = nl ? nl + 1 : end;
	}
	if (!err) {
		if (blk.len && blk.p[blk.len - 1] == '\n')
			e->form = CT_ENTRY_FORM_MAC;
		else if (keys)
			e->form = CT_ENTRY_FORM_WIN;
		else
			e->form = CT_ENTRY_FORM_ANS;
	}
	return err;
}

/* Replaces *dst by src when src is non-empty (block wins); frees src otherwise. */
static void take(char **dst, char *src)
{
	if (src && src[0]) {
		free(*dst);
		*dst = src;
	} else {
		free(src);
	}
}

int ct_entry_parse(const struct ct_ipmsg *m, struct ct_entry *e)
{
	struct ct_slice nick = m->sec[0], group = { "", 0 }, blk = { NULL, 0 };
	char *un = NULL, *hn = NULL, *nn = NULL, *gn = NULL;
	int err = 0;
	enum ct_charset cs;

	memset(e, 0, sizeof *e);
	if (m->nsec > 1 && m->sec[1].len && m->sec[1].p[0] == '\n') {
		blk = m->sec[1]; /* "nick\0\nUN:..": one NUL only */
	} else {
		if (m->nsec > 1)
			group = m->sec[1];
		if (m->nsec > 2 && m->sec[2].len && m->sec[2].p[0] == '\n')
			blk = m->sec[2];
	}
	if (!blk.p && m->nsec > 2) {
		e->form = CT_ENTRY_FORM_IPTUX;
		e->icon = ct_strndup(m->sec[2].p, m->sec[2].len);
		e->charset_name = m->nsec > 3 ? ct_strndup(m->sec[3].p, m->sec[3].len) : NULL;
		if (!e->icon || (m->nsec > 3 && !e->charset_name))
			return CT_ENOMEM;
	}
	/* charset of the header names and the legacy fields: UTF8OPT decides; else iptux's charset
	 * field is only a hint (iptux writes "utf-8" there even when it encoded the names in the
	 * charset it guessed for the peer, e.g. CP932), so UTF-8 is used only if the bytes are valid */
	enum ct_charset hint = CT_CS_AUTO;
	int valid = ct_charset_utf8_valid(m->user.p, m->user.len) && ct_charset_utf8_valid(m->host.p, m->host.len) &&
		ct_charset_utf8_valid(nick.p, nick.len) && ct_charset_utf8_valid(group.p, group.len);
	int ascii = ct_charset_is_ascii(m->user.p, m->user.len) && ct_charset_is_ascii(m->host.p, m->host.len) &&
		ct_charset_is_ascii(nick.p, nick.len) && ct_charset_is_ascii(group.p, group.len);
	if (e->charset_name && ct_charset_lookup(e->charset_name, &hint) != 0)
		hint = CT_CS_AUTO;
	if (m->command & CT_IPMSG_UTF8OPT)
		cs = CT_CS_UTF8;
	else if (hint == CT_CS_CP932 || !valid)
		cs = CT_CS_CP932;
	else if (hint == CT_CS_UTF8 || !ascii)
		cs = CT_CS_UTF8; /* iptux and g2ipmsg send UTF-8 without UTF8OPT */
	else
		cs = CT_CS_CP932; /* plain ASCII: the spec's default */
	e->legacy_cs = cs;
	e->user = dec(cs, m->user.p, m->user.len, &e->escaped, &err);
	e->host = dec(cs, m->host.p, m->host.len, &e->escaped, &err);
	e->legacy_nick = dec(cs, nick.p, nick.len, &e->escaped, &err);
	e->legacy_group = dec(cs, group.p, group.len, &e->escaped, &err);
	if (err)
		return err;
	e->nick = strdup(e->legacy_nick);
	e->group = strdup(e->legacy_group);
	if (!e->nick || !e->group)
		return CT_ENOMEM;
	if (blk.p) {
		e->has_block = 1;
		e->block_needs_cap = !(m->command & CT_IPMSG_CAPUTF8OPT);
		if ((err = parse_block(e, blk, &un, &hn, &nn, &gn)) != 0) {
			free(un); free(hn); free(nn); free(gn);
			return err;
		}
		take(&e->user, un);
		take(&e->host, hn);
		take(&e->nick, nn);
		take(&e->group, gn);
		if (e->verinfo)
			parse_vs(e);
	}
	return 0;
}

int ct_entry_build_verinfo(struct ct_sbuf *b, uint32_t type, int major, int minor, int rev)
{
	return ct_sbuf_printf(b, "%08X:%d:%d:%d", (unsigned)type, major, minor, rev);
}

/* Appends s in cs (legacy field); NULs cannot occur in C strings. */
static void add_legacy(struct ct_sbuf *b, enum ct_charset cs, const char *s)
{
	if (s && *s)
		ct_charset_encode(cs, s, strlen(s), b, 0);
}

/* Appends "\nKEY:" value with newlines in the value turned into spaces. */
static void add_key(struct ct_sbuf *b, const char *key, const char *v)
{
	ct_sbuf_addc(b, '\n');
	ct_sbuf_adds(b, key);
	for (; v && *v; v++)
		ct_sbuf_addc(b, *v == '\n' ? ' ' : *v);
}

int ct_entry_build_body(struct ct_sbuf *b, const struct ct_entry_spec *s)
{
	enum ct_charset cs = s->legacy_cs == CT_CS_UTF8 ? CT_CS_UTF8 : CT_CS_CP932;
	int nul = s->nul_term;

	add_legacy(b, cs, s->nick);
	ct_sbuf_addc(b, '\0');
	add_legacy(b, cs, s->group);
	switch (s->form) {
	case CT_ENTRY_FORM_LEGACY:
		break;
	case CT_ENTRY_FORM_WIN:
	case CT_ENTRY_FORM_MAC:
		ct_sbuf_addc(b, '\0');
		add_key(b, "UN:", s->user);
		add_key(b, "HN:", s->host);
		add_key(b, "NN:", s->nick);
		add_key(b, "GN:", s->group);
		if (s->verinfo)
			add_key(b, "VS:", s->verinfo);
		if (s->form == CT_ENTRY_FORM_MAC) {
			ct_sbuf_addc(b, '\n');
			nul = 1;
		}
		break;
	case CT_ENTRY_FORM_ANS:
		ct_sbuf_addc(b, '\0');
		if (s->verinfo)
			add_key(b, "VS:", s->verinfo);
		break;
	case CT_ENTRY_FORM_IPTUX:
		ct_sbuf_addc(b, '\0');
		if (s->icon)
			ct_sbuf_adds(b, s->icon);
		ct_sbuf_addc(b, '\0');
		ct_sbuf_adds(b, s->charset_name ? s->charset_name : "utf-8");
		nul = 1;
		break;
	}
	if (nul)
		ct_sbuf_addc(b, '\0');
	return b->err;
}

int ct_entry_build(struct ct_sbuf *b, const char *version, uint32_t packetno, uint32_t command,
	const struct ct_entry_spec *spec)
{
	enum ct_charset cs = spec->legacy_cs == CT_CS_UTF8 ? CT_CS_UTF8 : CT_CS_CP932;
	char *u = ct_charset_encode_str(cs, spec->user ? spec->user : "", spec->user ? strlen(spec->user) : 0);
	char *h = ct_charset_encode_str(cs, spec->host ? spec->host : "", spec->host ? strlen(spec->host) : 0);
	int r = CT_ENOMEM;

	if (u && h) {
		ct_codec_name_sanitize(u);
		ct_codec_name_sanitize(h);
		r = ct_codec_build_header(b, version, packetno, u, h, command);
		if (r == 0)
			r = ct_entry_build_body(b, spec);
	}
	free(u);
	free(h);
	return r;
}
