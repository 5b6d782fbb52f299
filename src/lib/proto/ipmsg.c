/* ipmsg.c: ct_ipmsg_describe(): header, options, names and a per-command body summary of one datagram. */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "bodies.h"
#include "charset.h"
#include "codec.h"
#include "crypto.h"
#include "entry.h"
#include "err.h"
#include "hostlist.h"
#include "ipmsg.h"
#include "util.h"

#define SUMMARY_TEXT 80   /* characters of message text in the one-line summary */
#define SUMMARY_HOSTS 8   /* hosts named in an ANSLIST summary */
#define JSON_HOSTS 1000   /* hosts listed in JSON */

int ct_ipmsg_escape(struct ct_sbuf *out, const char *s, size_t n)
{
	/* backslashes stay single so that the decoder's "\xNN" for bad bytes reads as such */
	while (n > 0) {
		const char *bs = memchr(s, '\\', n);
		size_t seg = bs ? (size_t)(bs - s) : n, room = seg * 4 + 1;
		if (ct_sbuf_reserve(out, room) != 0)
			return out->err;
		out->len += ct_escape_bytes(s, seg, out->p + out->len, room);
		if (bs) {
			ct_sbuf_addc(out, '\\');
			seg++;
		}
		s += seg;
		n -= seg;
	}
	return out->err;
}

void ct_ipmsg_desc_fini(struct ct_ipmsg_desc *d)
{
	free(d->version);
	free(d->user);
	free(d->host);
	free(d->nick);
	free(d->group);
	free(d->summary);
	free(d->preview);
	ct_json_free(d->body);
	memset(d, 0, sizeof *d);
}

/* Decoding context: the summary being written and the body JSON. */
struct dctx {
	struct ct_ipmsg_desc *d;
	const struct ct_ipmsg *m;
	struct ct_sbuf sum;
	enum ct_charset cs;
};

static char *decode(struct dctx *c, const char *p, size_t n)
{
	enum ct_charset used;
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	if (ct_charset_decode(c->cs, p, n, &b, &used) < 0) {
		ct_sbuf_fini(&b);
		return NULL;
	}
	if (!ct_charset_is_ascii(p, n))
		c->d->charset = ct_charset_name(used);
	return ct_sbuf_steal(&b, NULL);
}

/* Appends ` key="value"` to the summary, escaped and cut to max characters (0 = no limit). */
static void sum_q(struct dctx *c, const char *key, const char *v, size_t max)
{
	size_t n = strlen(v), cut = n;

	if (max && n > max) {
		cut = max;
		while (cut > 0 && ((unsigned char)v[cut] & 0xC0) == 0x80)
			cut--; /* do not split a UTF-8 sequence */
	}
	ct_sbuf_printf(&c->sum, " %s=\"", key);
	ct_ipmsg_escape(&c->sum, v, cut);
	ct_sbuf_adds(&c->sum, cut < n ? "...\"" : "\"");
}

static void sum_err(struct dctx *c, int r)
{
	c->d->body_err = r;
	ct_sbuf_printf(&c->sum, " body-error=\"%s\"", ct_strerror(r));
	ct_json_add_str(c->d->body, "error", ct_strerror(r));
}

static void add_opt_names(struct ct_json *arr, enum ct_ipmsg_optclass cls, uint32_t bits)
{
	for (uint32_t bit = 0x100; bit; bit <<= 1)
		if (bits & bit) {
			const char *n = ct_codec_opt_name(cls, bit);
			if (n)
				ct_json_add_str(arr, NULL, n);
		}
}

static void do_entry(struct dctx *c)
{
	struct ct_entry e;
	struct ct_json *b = c->d->body;
	static const char *const forms[] = { "legacy", "windows", "mac", "ansentry", "iptux" };
	int r = ct_entry_parse(c->m, &e);

	if (r != 0) {
		sum_err(c, r);
		ct_entry_fini(&e);
		return;
	}
	c->d->kind = "entry";
	c->d->charset = ct_charset_name(e.legacy_cs);
	free(c->d->user);
	free(c->d->host);
	c->d->user = strdup(e.user);
	c->d->host = strdup(e.host);
	c->d->nick = strdup(e.nick);
	c->d->group = strdup(e.group);
	sum_q(c, "nick", e.nick, 0);
	sum_q(c, "group", e.group, 0);
	if (e.verinfo)
		sum_q(c, "vs", e.verinfo, 0);
	if (e.icon)
		sum_q(c, "icon", e.icon, 0);
	if (e.charset_name)
		sum_q(c, "charset", e.charset_name, 0);
	if (e.block_needs_cap)
		ct_sbuf_adds(&c->sum, " utf8-block-ignored-without-CAPUTF8OPT");
	ct_json_add_str(b, "nick", e.nick);
	ct_json_add_str(b, "group", e.group);
	ct_json_add_str(b, "legacy_nick", e.legacy_nick);
	ct_json_add_str(b, "legacy_group", e.legacy_group);
	ct_json_add_str(b, "form", forms[e.form]);
	ct_json_add_str(b, "legacy_charset", ct_charset_name(e.legacy_cs));
	ct_json_add_bool(b, "utf8_block", e.has_block);
	ct_json_add_bool(b, "block_ignored_by_windows", e.block_needs_cap);
	ct_json_add_int(b, "unknown_keys", e.unknown_keys);
	ct_json_add_str(b, "verinfo", e.verinfo);
	if (e.vs_valid) {
		struct ct_json *vs = ct_json_add_obj(b, "vs");
		ct_json_add_int(vs, "type", e.vs_type);
		ct_json_add_int(vs, "major", e.vs_major);
		ct_json_add_int(vs, "minor", e.vs_minor);
		ct_json_add_int(vs, "rev", e.vs_rev);
	} else {
		ct_json_add_null(b, "vs");
	}
	ct_json_add_str(b, "icon", e.icon);
	ct_json_add_str(b, "charset_field", e.charset_name);
	ct_json_add_int(b, "escaped_bytes", e.escaped);
	ct_entry_fini(&e);
}

static void do_anslist(struct dctx *c)
{
	struct ct_hostlist l;
	struct ct_json *b = c->d->body, *hosts;
	int r = ct_hostlist_parse(c->m->sec[0].p, c->m->sec[0].len, 0, &l);

	c->d->kind = "anslist";
	ct_json_add_int(b, "next", l.next);
	ct_json_add_int(b, "count", l.count);
	ct_json_add_int(b, "entries", (int64_t)l.n);
	ct_json_add_str(b, "variant", l.variant == CT_HOSTLIST_G2 ? "g2ipmsg" : "windows");
	ct_json_add_int(b, "next_request", ct_hostlist_next_request(&l));
	ct_sbuf_printf(&c->sum, " next=%" PRIu32 " count=%" PRIu32 " hosts=%zu%s", l.next, l.count, l.n,
		l.variant == CT_HOSTLIST_G2 ? " variant=g2ipmsg" : "");
	hosts = ct_json_add_arr(b, "hosts");
	for (size_t i = 0; i < l.n; i++) {
		const struct ct_hostlist_entry *e = &l.e[i];
		char *u = decode(c, e->user, strlen(e->user)), *h = decode(c, e->host, strlen(e->host));
		char *nk = decode(c, e->nick, strlen(e->nick)), *g = decode(c, e->group, strlen(e->group));
		if (i < SUMMARY_HOSTS) {
			ct_sbuf_addc(&c->sum, ' ');
			ct_ipmsg_escape(&c->sum, u ? u : "", u ? strlen(u) : 0);
			ct_sbuf_addc(&c->sum, '@');
			ct_ipmsg_escape(&c->sum, h ? h : "", h ? strlen(h) : 0);
			ct_sbuf_addc(&c->sum, '(');
			ct_ipmsg_escape(&c->sum, e->addr, strlen(e->addr));
			ct_sbuf_printf(&c->sum, ":%u%s)", e->port, e->state == CT_HOSTLIST_GONE ? ",gone" : "");
		} else if (i == SUMMARY_HOSTS) {
			ct_sbuf_adds(&c->sum, " ...");
		}
		if (i < JSON_HOSTS) {
			struct ct_json *o = ct_json_add_obj(hosts, NULL);
			ct_json_add_str(o, "user", u);
			ct_json_add_str(o, "host", h);
			ct_json_add_int(o, "status", e->status);
			add_opt_names(ct_json_add_arr(o, "status_options"), CT_IPMSG_OPTC_ENTRY, e->status);
			ct_json_add_str(o, "state", ct_hostlist_state_name(e->state));
			ct_json_add_str(o, "addr", e->addr);
			ct_json_add_int(o, "port", e->port);
			ct_json_add_int(o, "port_raw", e->port_raw);
			ct_json_add_str(o, "nick", nk);
			ct_json_add_str(o, "group", g);
		}
		free(u);
		free(h);
		free(nk);
		free(g);
	}
	if (r != 0)
		sum_err(c, r);
	ct_hostlist_fini(&l);
}

size_t ct_ipmsg_enc_key_bits(const struct ct_body_enc *e)
{
	size_t n = e->key.len;

	if (!(e->capa & CT_IPMSG_ENCODE_BASE64))
		return n * 4;
	while (n && e->key.p[n - 1] == '=')
		n--;
	return n * 6 / 8 * 8;
}

static void do_sendmsg(struct dctx *c)
{
	struct ct_body_sendmsg s;
	struct ct_json *b = c->d->body;

	c->d->kind = "sendmsg";
	ct_body_sendmsg_parse(c->m, &s);
	if (c->m->opts & CT_IPMSG_ENCRYPTOPT) {
		struct ct_body_enc e;
		int r = ct_body_enc_parse(s.text.p, s.text.len, &e);
		struct ct_json *eo = ct_json_add_obj(b, "encrypted");
		ct_json_add_null(b, "text");
		if (r == 0) {
			struct ct_sbuf cn;
			ct_sbuf_init(&cn);
			ct_body_capa_format(&cn, e.capa);
			ct_sbuf_printf(&c->sum, " encrypted capa=%" PRIX32 "(%s) key=%zu msg=%zu key_bits=%zu%s", e.capa,
				cn.p ? cn.p : "", e.key.len, e.msg.len, ct_ipmsg_enc_key_bits(&e), e.has_sig ? " signed" : "");
			ct_json_add_int(eo, "capa", e.capa);
			ct_json_add_str(eo, "capa_names", cn.p);
			ct_json_add_int(eo, "key_chars", (int64_t)e.key.len);
			ct_json_add_int(eo, "key_bits", (int64_t)ct_ipmsg_enc_key_bits(&e));
			ct_json_add_int(eo, "msg_chars", (int64_t)e.msg.len);
			ct_json_add_bool(eo, "signed", e.has_sig);
			ct_sbuf_fini(&cn);
		} else {
			sum_err(c, r);
		}
	} else {
		char *t = decode(c, s.text.p, s.text.len);
		int derr = (c->m->opts & CT_IPMSG_AUTORETOPT) && ct_crypt_is_decrypt_err(s.text.p, s.text.len);
		ct_json_add_null(b, "encrypted");
		ct_json_add_str(b, "text", t);
		ct_json_add_bool(b, "decrypt_err", derr);
		sum_q(c, "text", t ? t : "", SUMMARY_TEXT);
		if (derr)
			ct_sbuf_adds(&c->sum, " decrypt_err=1");
		free(t);
	}
	struct ct_json *files = ct_json_add_arr(b, "attachments");
	if (s.has_attach && (c->m->opts & CT_IPMSG_FILEATTACHOPT)) {
		struct ct_attach_list l;
		int r = ct_attach_list_parse(s.attach.p, s.attach.len, &l);
		ct_sbuf_printf(&c->sum, " files=%zu", l.n);
		for (size_t i = 0; i < l.n; i++) {
			const struct ct_attach_file *f = &l.f[i];
			const char *tn = ct_attach_type_name(f->attr);
			char *nm = decode(c, f->name, strlen(f->name));
			struct ct_json *o = ct_json_add_obj(files, NULL);
			ct_json_add_int(o, "id", f->id);
			ct_json_add_str(o, "name", nm);
			ct_json_add_int(o, "size", (int64_t)f->size);
			ct_json_add_int(o, "mtime", (int64_t)f->mtime);
			ct_json_add_int(o, "attr", f->attr);
			ct_json_add_str(o, "type", tn);
			if (i < SUMMARY_HOSTS) {
				ct_sbuf_addc(&c->sum, ' ');
				ct_ipmsg_escape(&c->sum, nm ? nm : "", nm ? strlen(nm) : 0);
				ct_sbuf_printf(&c->sum, "(%s,%" PRIu64 ")", tn ? tn : "?", f->size);
			}
			free(nm);
		}
		if (r != 0)
			sum_err(c, r);
		ct_attach_list_fini(&l);
	}
	if (s.has_to) {
		char *t = decode(c, s.to.p, s.to.len);
		ct_json_add_str(b, "to", t);
		sum_q(c, "to", t ? t : "", SUMMARY_TEXT);
		free(t);
	} else {
		ct_json_add_null(b, "to");
	}
}

static void do_text(struct dctx *c)
{
	char *t = decode(c, c->m->sec[0].p, c->m->sec[0].len);

	c->d->kind = "text";
	ct_json_add_str(c->d->body, "text", t);
	sum_q(c, "text", t ? t : "", SUMMARY_TEXT);
	free(t);
}

static void do_body(struct dctx *c)
{
	const struct ct_ipmsg *m = c->m;
	struct ct_json *b = c->d->body;
	const char *p = m->sec[0].p;
	size_t n = m->sec[0].len;
	uint32_t v;
	int r;

	switch (m->mode) {
	case CT_IPMSG_NOOPERATION: case CT_IPMSG_BR_ENTRY: case CT_IPMSG_BR_EXIT:
	case CT_IPMSG_ANSENTRY: case CT_IPMSG_BR_ABSENCE: case CT_IPMSG_BR_ISGETLIST:
	case CT_IPMSG_BR_ISGETLIST2:
		do_entry(c);
		return;
	case CT_IPMSG_ANSLIST:
		do_anslist(c);
		return;
	case CT_IPMSG_GETLIST:
		c->d->kind = "getlist";
		r = ct_hostlist_parse_getlist(p, n, &v);
		ct_json_add_int(b, "start", v);
		ct_sbuf_printf(&c->sum, " start=%" PRIu32, v);
		if (r)
			sum_err(c, r);
		return;
	case CT_IPMSG_SENDMSG:
		do_sendmsg(c);
		return;
	case CT_IPMSG_RECVMSG: case CT_IPMSG_READMSG: case CT_IPMSG_ANSREADMSG:
	case CT_IPMSG_RELEASEFILES: case CT_IPMSG_DELMSG:
		c->d->kind = "packetno";
		r = ct_body_pktno_parse(p, n, &v);
		if (r == 0) {
			ct_json_add_int(b, "packet_no", v);
			ct_sbuf_printf(&c->sum, " packet=%" PRIu32, v);
		} else {
			ct_json_add_null(b, "packet_no");
			sum_err(c, r);
		}
		return;
	case CT_IPMSG_GETPUBKEY: {
		struct ct_sbuf cn;
		c->d->kind = "getpubkey";
		if ((r = ct_body_getpubkey_parse(p, n, &v)) != 0) {
			sum_err(c, r);
			return;
		}
		ct_sbuf_init(&cn);
		ct_body_capa_format(&cn, v);
		ct_json_add_int(b, "capa", v);
		ct_json_add_str(b, "capa_names", cn.p);
		ct_sbuf_printf(&c->sum, " capa=%" PRIx32 "(%s)", v, cn.p ? cn.p : "");
		ct_sbuf_fini(&cn);
		return;
	}
	case CT_IPMSG_ANSPUBKEY: {
		struct ct_body_pubkey k;
		struct ct_sbuf cn;
		c->d->kind = "anspubkey";
		if ((r = ct_body_anspubkey_parse(p, n, &k)) != 0) {
			sum_err(c, r);
			return;
		}
		ct_sbuf_init(&cn);
		ct_body_capa_format(&cn, k.capa);
		ct_json_add_int(b, "capa", k.capa);
		ct_json_add_str(b, "capa_names", cn.p);
		ct_json_add_strn(b, "exponent", k.exp.p, k.exp.len);
		ct_json_add_int(b, "modulus_bits", (int64_t)k.mod.len * 4);
		ct_sbuf_printf(&c->sum, " capa=%" PRIX32 "(%s) exponent=%.*s modulus=%zu-bit", k.capa,
			cn.p ? cn.p : "", (int)(k.exp.len > 16 ? 16 : k.exp.len), k.exp.p, k.mod.len * 4);
		ct_sbuf_fini(&cn);
		return;
	}
	case CT_IPMSG_GETFILEDATA: case CT_IPMSG_GETDIRFILES: {
		struct ct_attach_req q;
		c->d->kind = "filereq";
		if (m->opts & CT_IPMSG_ENCRYPTOPT) {
			ct_sbuf_adds(&c->sum, " encrypted-request");
			ct_json_add_bool(b, "encrypted", 1);
			return;
		}
		ct_json_add_bool(b, "encrypted", 0);
		if ((r = ct_attach_req_parse(p, n, &q)) != 0) {
			sum_err(c, r);
			return;
		}
		ct_json_add_int(b, "packet_no", q.packetno);
		ct_json_add_int(b, "file_id", q.fileid);
		if (q.has_offset)
			ct_json_add_int(b, "offset", (int64_t)q.offset);
		else
			ct_json_add_null(b, "offset");
		ct_sbuf_printf(&c->sum, " packet=%" PRIu32 " file=%" PRIu32, q.packetno, q.fileid);
		if (q.has_offset)
			ct_sbuf_printf(&c->sum, " offset=%" PRIu64, q.offset);
		return;
	}
	case CT_IPMSG_IPTUX_SENDICON: case CT_IPMSG_IPTUX_SENDSUBLAYER:
		c->d->kind = "binary";
		ct_json_add_int(b, "payload_bytes", (int64_t)m->extra.len);
		ct_sbuf_printf(&c->sum, " payload=%zu bytes", m->extra.len);
		return;
	default:
		if (n == 0 && m->extra.len == 0) {
			c->d->kind = "empty";
			return;
		}
		do_text(c);
		return;
	}
}

int ct_ipmsg_describe(const void *data, size_t len, struct ct_ipmsg_desc *d)
{
	struct ct_ipmsg m;
	struct dctx c;

	memset(d, 0, sizeof *d);
	d->len = len;
	d->kind = "empty";
	if (!(d->body = ct_json_obj()))
		return CT_ENOMEM;
	d->ipdict = ct_codec_is_ipdict(data, len);
	d->err = ct_codec_parse(&m, data, len);
	d->nul_pad = m.nul_pad;
	if (d->err) {
		struct ct_sbuf pv, u8;
		size_t n = len < CT_IPMSG_DESC_PREVIEW ? len : CT_IPMSG_DESC_PREVIEW;
		ct_codec_fini(&m);
		ct_sbuf_init(&pv);
		ct_sbuf_init(&u8);
		/* invalid UTF-8 as \xNN text first, then control bytes as C escapes */
		if (data && ct_charset_decode(CT_CS_UTF8, data, n, &u8, NULL) >= 0)
			ct_ipmsg_escape(&pv, u8.p, u8.len);
		ct_sbuf_fini(&u8);
		if (n < len)
			ct_sbuf_adds(&pv, "...");
		d->preview = ct_sbuf_steal(&pv, NULL);
		d->summary = strdup("");
		return d->summary && d->preview ? 0 : CT_ENOMEM;
	}
	d->packetno = m.packetno;
	d->command = m.command;
	d->mode = m.mode;
	d->opts = m.opts;
	d->cmd_name = ct_codec_cmd_name(m.mode);
	d->nopt = ct_codec_opt_list(m.command, d->opt_names, CT_IPMSG_DESC_MAXOPT, &d->opts_unknown);
	memset(&c, 0, sizeof c);
	c.d = d;
	c.m = &m;
	c.cs = (m.command & CT_IPMSG_UTF8OPT) ? CT_CS_UTF8 : CT_CS_AUTO;
	d->charset = ct_charset_name((m.command & CT_IPMSG_UTF8OPT) ? CT_CS_UTF8 : CT_CS_CP932);
	ct_sbuf_init(&c.sum);
	d->version = decode(&c, m.version.p, m.version.len);
	d->user = decode(&c, m.user.p, m.user.len);
	d->host = decode(&c, m.host.p, m.host.len);
	do_body(&c);
	ct_json_add_str(d->body, "kind", d->kind);
	d->summary = ct_sbuf_steal(&c.sum, NULL);
	if (d->summary && d->summary[0] == ' ')
		memmove(d->summary, d->summary + 1, strlen(d->summary));
	ct_codec_fini(&m);
	if (!d->summary || !d->version || !d->user || !d->host)
		return CT_ENOMEM;
	return 0;
}

int ct_ipmsg_desc_line(const struct ct_ipmsg_desc *d, struct ct_sbuf *out)
{
	if (d->err) {
		if (d->ipdict)
			return ct_sbuf_printf(out, "IPDICT (Windows IPDict form, %zu bytes, not decoded)", d->len);
		return ct_sbuf_printf(out, "malformed (%s, %zu bytes): \"%s\"", ct_strerror(d->err), d->len,
			d->preview ? d->preview : "");
	}
	ct_codec_cmd_format(out, d->command);
	ct_sbuf_printf(out, " #%" PRIu32 " ", d->packetno);
	ct_ipmsg_escape(out, d->user, strlen(d->user));
	ct_sbuf_addc(out, '@');
	ct_ipmsg_escape(out, d->host, strlen(d->host));
	if (strcmp(d->version, "1") != 0) {
		ct_sbuf_adds(out, " ver=\"");
		ct_ipmsg_escape(out, d->version, strlen(d->version));
		ct_sbuf_addc(out, '"');
	}
	if (d->summary && d->summary[0]) {
		ct_sbuf_addc(out, ' ');
		ct_sbuf_adds(out, d->summary);
	}
	if (d->nul_pad > 2) /* one terminator plus an empty last section is normal */
		ct_sbuf_printf(out, " nul-pad=%zu", d->nul_pad);
	return out->err;
}

void ct_ipmsg_desc_json(const struct ct_ipmsg_desc *d, struct ct_json *o)
{
	int ok = d->err == 0;
	struct ct_json *opts;

	ct_json_add_int(o, "length", (int64_t)d->len);
	ct_json_add_bool(o, "ok", ok);
	ct_json_add_str(o, "error", ok ? NULL : ct_strerror(d->err));
	ct_json_add_bool(o, "ipdict", d->ipdict);
	ct_json_add_str(o, "version", ok ? d->version : NULL);
	if (ok) {
		ct_json_add_int(o, "packet_no", d->packetno);
		ct_json_add_int(o, "command", d->command);
		ct_json_add_int(o, "mode", d->mode);
	} else {
		ct_json_add_null(o, "packet_no");
		ct_json_add_null(o, "command");
		ct_json_add_null(o, "mode");
	}
	ct_json_add_str(o, "user", ok ? d->user : NULL);
	ct_json_add_str(o, "host", ok ? d->host : NULL);
	ct_json_add_str(o, "command_name", d->cmd_name);
	opts = ct_json_add_arr(o, "options");
	for (size_t i = 0; i < d->nopt; i++)
		ct_json_add_str(opts, NULL, d->opt_names[i]);
	ct_json_add_int(o, "options_unknown", d->opts_unknown);
	ct_json_add_str(o, "charset", ok ? d->charset : NULL);
	ct_json_add_int(o, "nul_padding", (int64_t)d->nul_pad);
	ct_json_add_str(o, "nick", d->nick);
	ct_json_add_str(o, "group", d->group);
	ct_json_add_str(o, "kind", ok ? d->kind : NULL);
	ct_json_add_str(o, "body_error", d->body_err ? ct_strerror(d->body_err) : NULL);
	ct_json_add_str(o, "summary", d->summary ? d->summary : "");
	ct_json_add_str(o, "preview", d->preview);
	if (ok && d->body)
		ct_json_add(o, "body", ct_json_dup(d->body));
	else
		ct_json_add_null(o, "body");
}
