/* decode-ipmsg.c: IPMsg layer of the trace: codec parse, names in UTF-8, a short body summary per command. */
#include "config.h"
#include <string.h>
#include "charset.h"
#include "entry.h"
#include "err.h"
#include "util.h"
#include "decode-ipmsg.h"

void ct_dipmsg_init(struct ct_dipmsg *d)
{
	memset(d, 0, sizeof *d);
	ct_sbuf_init(&d->cmd);
	ct_sbuf_init(&d->user);
	ct_sbuf_init(&d->host);
	ct_sbuf_init(&d->nick);
	ct_sbuf_init(&d->group);
	ct_sbuf_init(&d->text);
}

void ct_dipmsg_fini(struct ct_dipmsg *d)
{
	ct_codec_fini(&d->m);
	ct_sbuf_fini(&d->cmd);
	ct_sbuf_fini(&d->user);
	ct_sbuf_fini(&d->host);
	ct_sbuf_fini(&d->nick);
	ct_sbuf_fini(&d->group);
	ct_sbuf_fini(&d->text);
}

int ct_dipmsg_looks_like(const uint8_t *p, size_t n)
{
	size_t i = 1, digits = 0;

	if (n < 4 || p[0] != '1')
		return 0;
	while (i < n && i < 64 && p[i] != ':')
		i++;
	if (i >= n || p[i] != ':')
		return 0;
	for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
		digits++;
	return digits > 0 && i < n && p[i] == ':';
}

static void add_num(struct ct_dipmsg *d, const char *key, int64_t v)
{
	struct ct_ditem *it;

	if (d->nitem >= CT_DIPMSG_MAXITEMS)
		return;
	it = &d->item[d->nitem++];
	it->key = key;
	it->is_str = 0;
	it->num = v;
}

/* A string item decoded from wire bytes in cs (bad bytes become \xNN). */
static void add_str(struct ct_dipmsg *d, const char *key, const char *s, size_t n, enum ct_charset cs)
{
	struct ct_ditem *it;
	size_t off = d->text.len;

	if (d->nitem >= CT_DIPMSG_MAXITEMS)
		return;
	if (ct_charset_decode(cs, s, n, &d->text, NULL) < 0)
		return;
	ct_sbuf_addc(&d->text, '\0');
	it = &d->item[d->nitem++];
	it->key = key;
	it->is_str = 1;
	it->off = off;
	it->len = d->text.len - off - 1;
}

static int parse_dec(const struct ct_slice *s, uint32_t *v)
{
	size_t n = s->len;
	while (n > 0 && (s->p[n - 1] == ' ' || s->p[n - 1] == '\0'))
		n--;
	return ct_parse_u32(s->p, n, 10, v);
}

/* GETFILEDATA / GETDIRFILES: "<packet hex>:<file id hex>[:<offset hex>]:" (spec §6.3/6.4). */
static void file_request(struct ct_dipmsg *d, const struct ct_slice *b)
{
	static const char *const keys[3] = { "attach_packetno", "file_id", "offset" };
	const char *p = b->p, *end = b->p + b->len;

	for (int i = 0; i < 3 && p < end; i++) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		size_t n = c ? (size_t)(c - p) : (size_t)(end - p);
		uint32_t v;
		if (ct_parse_u32(p, n, 16, &v) == 0)
			add_num(d, keys[i], v);
		else
			add_str(d, keys[i], p, n, CT_CS_UTF8);
		if (!c)
			break;
		p = c + 1;
	}
}

static int entry_names(struct ct_dipmsg *d, enum ct_charset cs)
{
	struct ct_entry e;
	int r = ct_entry_parse(&d->m, &e);

	if (r == 0) {
		ct_sbuf_adds(&d->user, e.user);
		ct_sbuf_adds(&d->host, e.host);
		ct_sbuf_adds(&d->nick, e.nick);
		ct_sbuf_adds(&d->group, e.group);
		d->has_nick = 1;
		d->charset = ct_charset_name(e.legacy_cs);
		if (e.verinfo)
			add_str(d, "version_info", e.verinfo, strlen(e.verinfo), CT_CS_UTF8);
		if (e.form == CT_ENTRY_FORM_IPTUX && e.charset_name)
			add_str(d, "iptux_charset", e.charset_name, strlen(e.charset_name), CT_CS_UTF8);
		if (e.block_needs_cap)
			add_num(d, "utf8_block_ignored", 1);
		if (e.escaped)
			add_num(d, "undecodable_bytes", e.escaped);
	}
	ct_entry_fini(&e);
	if (r != 0) {
		/* names from the header alone */
		ct_charset_decode(cs, d->m.user.p, d->m.user.len, &d->user, NULL);
		ct_charset_decode(cs, d->m.host.p, d->m.host.len, &d->host, NULL);
	}
	return r;
}

static void body_summary(struct ct_dipmsg *d, enum ct_charset cs)
{
	const struct ct_ipmsg *m = &d->m;
	const struct ct_slice *s0 = &m->sec[0];
	uint32_t v;

	switch (m->mode) {
	case CT_IPMSG_SENDMSG:
	case CT_IPMSG_IPTUX_SENDMSG:
		add_num(d, "msg_len", (int64_t)s0->len);
		if ((m->opts & CT_IPMSG_FILEATTACHOPT) && m->nsec > 1) {
			/* attachment list: one entry per '\a'-terminated record (spec §6.1) */
			int64_t files = 0;
			for (size_t i = 0; i < m->sec[1].len; i++)
				if (m->sec[1].p[i] == CT_IPMSG_FILELIST_SEP)
					files++;
			add_num(d, "files", files);
		}
		break;
	case CT_IPMSG_RECVMSG:
	case CT_IPMSG_READMSG:
	case CT_IPMSG_ANSREADMSG:
	case CT_IPMSG_RELEASEFILES:
		if (parse_dec(s0, &v) == 0) {
			d->has_ref = 1;
			d->ref = v;
			add_num(d, "ref_packetno", v);
		}
		break;
	case CT_IPMSG_GETLIST:
		add_num(d, "start", parse_dec(s0, &v) == 0 ? v : 0);
		break;
	case CT_IPMSG_SENDINFO:
		add_str(d, "info", s0->p, s0->len, cs);
		break;
	case CT_IPMSG_SENDABSENCEINFO:
		add_str(d, "absence", s0->p, s0->len, cs);
		break;
	case CT_IPMSG_GETPUBKEY:
	case CT_IPMSG_ANSPUBKEY: {
		const char *c = memchr(s0->p, ':', s0->len);
		add_str(d, "capa", s0->p, c ? (size_t)(c - s0->p) : s0->len, CT_CS_UTF8);
		if (c && m->mode == CT_IPMSG_ANSPUBKEY) {
			const char *dash = memchr(c, '-', s0->len - (size_t)(c - s0->p));
			if (dash)
				add_num(d, "key_bits", (int64_t)(s0->len - (size_t)(dash + 1 - s0->p)) * 4);
		}
		break;
	}
	case CT_IPMSG_GETFILEDATA:
	case CT_IPMSG_GETDIRFILES:
		file_request(d, s0);
		break;
	case CT_IPMSG_OKGETLIST:
		break;
	default:
		if (!ct_entry_is_entry_cmd(m->command)) {
			size_t used = (size_t)(s0->p - m->buf), end = m->len - m->nul_pad;
			if (end > used)
				add_num(d, "body_len", (int64_t)(end - used));
		}
	}
}

static const char *why_of(int r)
{
	switch (r) {
	case CT_ETRUNC: return "header fields missing";
	case CT_EFORMAT: return "not an IPMsg header (version, number or name invalid)";
	case CT_ERANGE: return "number in the header overflows 32 bits";
	case CT_ETOOBIG: return "datagram too large";
	case CT_ENOMEM: return "out of memory";
	default: return "unparseable";
	}
}

int ct_dipmsg_decode(struct ct_dipmsg *d, const uint8_t *p, size_t n)
{
	enum ct_charset cs;
	int r;

	ct_codec_fini(&d->m);
	ct_sbuf_reset(&d->cmd);
	ct_sbuf_reset(&d->user);
	ct_sbuf_reset(&d->host);
	ct_sbuf_reset(&d->nick);
	ct_sbuf_reset(&d->group);
	ct_sbuf_reset(&d->text);
	d->nitem = 0;
	d->has_nick = d->has_ref = d->has_next = d->ipdict = 0;
	d->why = NULL;
	d->charset = NULL;
	if (ct_codec_is_ipdict(p, n)) {
		d->ipdict = 1;
		d->why = "Windows IPDict datagram (IP2:), not decoded";
		return d->status = CT_EUNSUP;
	}
	r = ct_codec_parse(&d->m, p, n);
	if (r != 0) {
		d->why = why_of(r);
		return d->status = r;
	}
	d->status = 0;
	ct_codec_cmd_format(&d->cmd, d->m.command);
	cs = (d->m.opts & CT_IPMSG_UTF8OPT) ? CT_CS_UTF8 : CT_CS_AUTO;
	if (ct_entry_is_entry_cmd(d->m.command)) {
		entry_names(d, cs);
	} else {
		enum ct_charset used = CT_CS_UTF8;
		ct_charset_decode(cs, d->m.user.p, d->m.user.len, &d->user, &used);
		ct_charset_decode(cs, d->m.host.p, d->m.host.len, &d->host, NULL);
		d->charset = ct_charset_name(used);
		cs = used;
	}
	body_summary(d, cs);
	if (d->cmd.err || d->user.err || d->text.err)
		return d->status = CT_ENOMEM;
	return 0;
}
