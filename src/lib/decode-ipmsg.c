/* decode-ipmsg.c: IPMsg layer of the trace: codec parse, names in UTF-8, a short body summary per command. */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "attach.h"
#include "bodies.h"
#include "charset.h"
#include "hostlist.h"
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

/* A capability word as hex text ("0x65920006"). */
static void add_hex(struct ct_dipmsg *d, const char *key, uint32_t v)
{
	char t[16];
	int n = snprintf(t, sizeof t, "0x%08" PRIx32, v);
	add_str(d, key, t, (size_t)n, CT_CS_UTF8);
}

/* SENDMSG: message length, attachments, encryption (bodies.h, attach.h). */
static void sendmsg_summary(struct ct_dipmsg *d, enum ct_charset cs)
{
	struct ct_body_sendmsg sm;
	struct ct_body_enc e;

	(void)cs;
	if (ct_body_sendmsg_parse(&d->m, &sm) != 0) {
		add_num(d, "msg_len", (int64_t)d->m.sec[0].len);
		return;
	}
	add_num(d, "msg_len", (int64_t)sm.text.len);
	if ((d->m.opts & CT_IPMSG_ENCRYPTOPT) && ct_body_enc_parse(sm.text.p, sm.text.len, &e) == 0) {
		add_hex(d, "encrypted_capa", e.capa);
		if (e.has_sig)
			add_num(d, "signed", 1);
	}
	if (sm.has_attach) {
		struct ct_attach_list l;
		int r = ct_attach_list_parse(sm.attach.p, sm.attach.len, &l);
		add_num(d, "files", (int64_t)l.n);
		if (r != 0)
			add_num(d, "files_malformed", 1);
		ct_attach_list_fini(&l);
	}
	if (sm.has_to)
		add_num(d, "to_list", 1);
}

static void anslist_summary(struct ct_dipmsg *d)
{
	struct ct_hostlist l;
	int r = ct_hostlist_parse(d->m.sec[0].p, d->m.sec[0].len, 0, &l);

	if (r == 0 || l.n > 0) {
		d->has_next = 1;
		d->next = ct_hostlist_next_request(&l);
		add_num(d, "next", l.next);
		add_num(d, "count", l.count);
		add_num(d, "entries", (int64_t)l.n);
		if (l.variant == CT_HOSTLIST_G2)
			add_str(d, "variant", "g2ipmsg", 7, CT_CS_UTF8);
	}
	if (r != 0)
		add_str(d, "list_error", ct_strerror(r), strlen(ct_strerror(r)), CT_CS_UTF8);
	ct_hostlist_fini(&l);
}

static void filereq_summary(struct ct_dipmsg *d)
{
	struct ct_attach_req q;

	if (ct_attach_req_parse(d->m.sec[0].p, d->m.sec[0].len, &q) != 0) {
		add_str(d, "request_error", "not pkt:fileid[:offset]: in hex", 31, CT_CS_UTF8);
		return;
	}
	add_num(d, "packet_no", q.packetno);
	add_num(d, "file_id", q.fileid);
	if (q.has_offset)
		add_num(d, "offset", (int64_t)q.offset);
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
			add_str(d, "verinfo", e.verinfo, strlen(e.verinfo), CT_CS_UTF8);
		if (e.form == CT_ENTRY_FORM_IPTUX && e.charset_name)
			add_str(d, "charset_field", e.charset_name, strlen(e.charset_name), CT_CS_UTF8);
		if (e.block_needs_cap)
			add_num(d, "block_ignored_by_windows", 1);
		if (e.escaped)
			add_num(d, "escaped_bytes", e.escaped);
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
	struct ct_body_pubkey k;
	uint32_t v;

	switch (m->mode) {
	case CT_IPMSG_SENDMSG:
	case CT_IPMSG_IPTUX_SENDMSG:
		sendmsg_summary(d, cs);
		break;
	case CT_IPMSG_RECVMSG:
	case CT_IPMSG_READMSG:
	case CT_IPMSG_ANSREADMSG:
	case CT_IPMSG_RELEASEFILES:
		if (ct_body_pktno_parse(s0->p, s0->len, &v) == 0) {
			d->has_ref = 1;
			d->ref = v;
			add_num(d, "packet_no", v);
		}
		break;
	case CT_IPMSG_GETLIST:
		if (ct_hostlist_parse_getlist(s0->p, s0->len, &v) == 0)
			add_num(d, "start", v);
		break;
	case CT_IPMSG_ANSLIST:
		anslist_summary(d);
		break;
	case CT_IPMSG_SENDINFO:
		add_str(d, "info", s0->p, s0->len, cs);
		break;
	case CT_IPMSG_SENDABSENCEINFO:
		add_str(d, "absence", s0->p, s0->len, cs);
		break;
	case CT_IPMSG_GETPUBKEY:
		if (ct_body_getpubkey_parse(s0->p, s0->len, &v) == 0)
			add_hex(d, "capa", v);
		break;
	case CT_IPMSG_ANSPUBKEY:
		if (ct_body_anspubkey_parse(s0->p, s0->len, &k) == 0) {
			add_hex(d, "capa", k.capa);
			add_num(d, "key_bits", (int64_t)k.mod.len * 4);
		}
		break;
	case CT_IPMSG_GETFILEDATA:
	case CT_IPMSG_GETDIRFILES:
		filereq_summary(d);
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
