/* decode-ipmsg.c: IPMsg layer of the trace: codec parse, names in UTF-8, a short body summary per command. */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "bodies.h"
#include "charset.h"
#include "crypto.h"
#include "hostlist.h"
#include "ipmsg.h"
#include "entry.h"
#include "err.h"
#include "outbuf.h"
#include "util.h"
#include "decode-ipmsg.h"

/* Reuse of pure results. A host repeats its entry packets (same names, same body, only the packet
 * number changes) and a trace holds few distinct command words, so the entry decoding (charset
 * conversion, UTF-8 block) and the command formatting are kept in small direct-mapped tables
 * keyed by the exact input bytes. A miss does the full work; a hit copies the stored result. */
#define MEMO_CMD 64
#define MEMO_ENTRY 256
#define MEMO_NAMES 256

struct cmd_memo {          /* used, and for which command: ctag */
	const char *mode;     /* ct_codec_cmd_name() of its mode */
	size_t len;
	char s[240];
};

struct entry_memo {        /* used: etag */
	uint32_t last;        /* the memo's tick at the last hit or store (the older way is replaced) */
	uint64_t hash;
	char *key;            /* the datagram without its packet number */
	size_t keylen;
	size_t nul_pad;       /* trailing NULs (cut off before parsing) */
	char *val;            /* user, host, nick, group, item text: NUL-separated */
	size_t vlen[5];
	struct ct_ditem item[CT_DIPMSG_MAXITEMS];
	size_t nitem;
	int has_nick;
	int plain;            /* the names and items need no escaping */
	const char *charset;
};

/* The header's user and host of a non-entry packet in UTF-8 (charset conversion, plain check),
 * keyed by their wire bytes and the charset asked for; names too long for a slot are not kept. */
struct names_memo {
	uint64_t hash;
	int used;
	enum ct_charset cs, used_cs;
	int plain;
	const char *charset;
	size_t keylen, ulen, hlen;
	char key[64];         /* user NUL host, as in the parsed header */
	char val[128];        /* user then host, UTF-8 */
};

struct ct_dipmsg_memo {
	struct cmd_memo cmd[MEMO_CMD];
	struct entry_memo entry[MEMO_ENTRY]; /* two ways: a set is entry[2 k] and entry[2 k + 1] */
	struct names_memo names[MEMO_NAMES];
	uint32_t tick;
	/* the tags, packed: a lookup reads one cache line, not one 264- or 752-byte slot a way */
	uint64_t ctag[MEMO_CMD];   /* 1 << 32 | command of a used command slot, else 0 */
	uint64_t etag[MEMO_ENTRY]; /* hash | 1 of a used entry slot, else 0 */
};

int ct_dipmsg_init(struct ct_dipmsg *d)
{
	memset(d, 0, sizeof *d);
	d->memo = calloc(1, sizeof *d->memo);
	ct_sbuf_init(&d->cmd);
	ct_sbuf_init(&d->user);
	ct_sbuf_init(&d->host);
	ct_sbuf_init(&d->nick);
	ct_sbuf_init(&d->group);
	ct_sbuf_init(&d->text);
	return d->memo ? 0 : CT_ENOMEM;
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
	if (d->memo) {
		for (int i = 0; i < MEMO_ENTRY; i++) {
			free(d->memo->entry[i].key);
			free(d->memo->entry[i].val);
		}
		free(d->memo);
		d->memo = NULL;
	}
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
	it->klen = (uint32_t)strlen(key); /* a literal: folded where this is inlined */
	it->is_str = 0;
	it->num = v;
	it->off = it->len = 0;
}

/* A string item decoded from wire bytes in cs (bad bytes become \xNN). */
static void add_str(struct ct_dipmsg *d, const char *key, const char *s, size_t n, enum ct_charset cs)
{
	struct ct_ditem *it;
	size_t off;

	if (d->nitem >= CT_DIPMSG_MAXITEMS)
		return;
	if (d->text_view) { /* items follow the memo's: its text is copied first */
		ct_sbuf_add(&d->text, d->text_view, d->text_view_len);
		d->text_view = NULL;
	}
	off = d->text.len;
	if (ct_charset_decode(cs, s, n, &d->text, NULL) < 0)
		return;
	ct_sbuf_addc(&d->text, '\0');
	it = &d->item[d->nitem++];
	it->key = key;
	it->klen = (uint32_t)strlen(key); /* a literal: folded where this is inlined */
	it->is_str = 1;
	it->num = 0;
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
		add_num(d, "key_bits", (int64_t)ct_ipmsg_enc_key_bits(&e));
		if (e.has_sig)
			add_num(d, "signed", 1);
	} else if ((d->m.opts & CT_IPMSG_AUTORETOPT) && ct_crypt_is_decrypt_err(sm.text.p, sm.text.len)) {
		add_num(d, "decrypt_err", 1);
		d->decrypt_err = 1;
	}
	if (sm.has_attach) {
		struct ct_attach_list l;
		int r = ct_attach_list_parse(sm.attach.p, sm.attach.len, &l);
		add_num(d, "files", (int64_t)l.n);
		for (size_t i = 0; i < l.n && d->nfile < CT_DIPMSG_MAXFILES; i++, d->nfile++) {
			d->file_id[d->nfile] = l.f[i].id;
			d->file_size[d->nfile] = l.f[i].size;
		}
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
	d->has_filereq = 1;
	d->req_packetno = q.packetno;
	d->req_fileid = q.fileid;
	d->req_offset = q.has_offset ? q.offset : 0;
	add_num(d, "packet_no", q.packetno);
	add_num(d, "file_id", q.fileid);
	if (q.has_offset)
		add_num(d, "offset", (int64_t)q.offset);
}

/* Header names: ASCII is the same in every charset, so it skips the conversion. */
static void add_name(struct ct_sbuf *out, const struct ct_slice *s, enum ct_charset cs, enum ct_charset *used)
{
	if (ct_charset_is_ascii(s->p, s->len)) {
		ct_sbuf_add(out, s->p, s->len);
		if (used)
			*used = cs == CT_CS_AUTO ? CT_CS_UTF8 : cs;
		return;
	}
	ct_charset_decode(cs, s->p, s->len, out, used);
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
		add_name(&d->user, &d->m.user, cs, NULL);
		add_name(&d->host, &d->m.host, cs, NULL);
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

static void format_cmd(struct ct_dipmsg *d, uint32_t command)
{
	struct cmd_memo *c;

	if (!d->memo) {
		ct_codec_cmd_format(&d->cmd, command);
		d->mode_name = ct_codec_cmd_name(CT_IPMSG_MODE(command));
		d->cmd_s = (struct ct_slice){ d->cmd.p ? d->cmd.p : "", d->cmd.len };
		return;
	}
	/* two ways: slot i and its neighbour i ^ 1 (MEMO_CMD = 64 = 2^6); a trace's few command words
	 * collided in one way often enough to format a fifth of all packets again */
	uint32_t i = (uint32_t)(command * 0x9E3779B1u) >> 26;
	uint64_t tag = 1ull << 32 | command;
	c = &d->memo->cmd[i];
	if (d->memo->ctag[i] != tag) {
		if (d->memo->ctag[i ^ 1] == tag) {
			c = &d->memo->cmd[i ^ 1];
			d->cmd_s = (struct ct_slice){ c->s, c->len };
			d->mode_name = c->mode;
			return;
		}
		if (d->memo->ctag[i] && !d->memo->ctag[i ^ 1])
			c = &d->memo->cmd[i ^= 1];
		ct_codec_cmd_format(&d->cmd, command);
		d->mode_name = ct_codec_cmd_name(CT_IPMSG_MODE(command));
		d->cmd_s = (struct ct_slice){ d->cmd.p ? d->cmd.p : "", d->cmd.len };
		if (d->cmd.err || d->cmd.len >= sizeof c->s)
			return;
		memcpy(c->s, d->cmd.p, d->cmd.len);
		c->len = d->cmd.len;
		c->mode = d->mode_name;
		d->memo->ctag[i] = tag;
		return;
	}
	d->cmd_s = (struct ct_slice){ c->s, c->len };
	d->mode_name = c->mode;
}

/* 64-bit hash of n bytes, eight at a time. */
static uint64_t hash_bytes(uint64_t h, const char *p, size_t n)
{
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	/* the last 0-7 bytes in two overlapping loads (a memcpy of n bytes into a word went through
	 * the stack, and its 8-byte reload waited on the byte stores) */
	if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + n - 4, 4);
		w = (uint64_t)a | (uint64_t)b << 32;
	} else {
		w = n ? (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
				(uint64_t)(unsigned char)p[n - 1] << 16
		      : 0;
	}
	h = (h ^ w ^ n) * 0x9E3779B97F4A7C15ull;
	h ^= h >> 33; /* final avalanche (murmur3 fmix64, both rounds: the low bits index the memo) */
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 33;
	return h;
}

/* The entry memo key: the datagram with the packet number left out. */
static uint64_t entry_key(const struct ct_ipmsg *m, const char **k1, size_t *l1, const char **k2, size_t *l2)
{
	const char *pk = m->buf + m->version.len + 1; /* packet number starts after "ver:" */
	const char *after = m->user.p - 1;            /* ':' before the user */

	*k1 = m->buf;
	*l1 = (size_t)(pk - m->buf);
	*k2 = after;
	*l2 = m->len - m->nul_pad - (size_t)(after - m->buf);
	return hash_bytes(hash_bytes(0x84222325cbf29ce4ull, *k1, *l1), *k2, *l2);
}

/* True when nothing the renderer prints from d needs escaping: the names (with_names) and the
 * string items from from_item on. */
static int names_plain(const struct ct_dipmsg *d, int with_names, size_t from_item)
{
	const struct ct_sbuf *names[4] = { &d->user, &d->host, &d->nick, &d->group };

	for (int i = 0; i < 4 && with_names; i++)
		if (names[i]->len && ct_out_plain_len(names[i]->p, names[i]->len) != names[i]->len)
			return 0;
	for (size_t i = from_item; i < d->nitem; i++)
		if (d->item[i].is_str && ct_out_plain_len(ct_ditem_str(d, &d->item[i]), d->item[i].len) != d->item[i].len)
			return 0;
	return 1;
}

/* The user and host of a non-entry packet, decoded from cs (or taken from the memo); sets
 * charset and plain (for the names); returns the charset the body is in. */
static enum ct_charset header_names(struct ct_dipmsg *d, enum ct_charset cs)
{
	enum ct_charset used = CT_CS_UTF8;
	const char *k = d->m.user.p;
	size_t kl = d->m.user.len + 1 + d->m.host.len; /* user, the NUL that was ':', host */
	struct names_memo *e = NULL;
	uint64_t h = 0;

	/* printable ASCII needing no escape (most names): copied as they are, without the memo */
	if (ct_out_plain_ascii(d->m.user.p, d->m.user.len) && ct_out_plain_ascii(d->m.host.p, d->m.host.len)) {
		used = cs == CT_CS_AUTO ? CT_CS_UTF8 : cs;
		d->user_s = d->m.user;
		d->host_s = d->m.host;
		d->charset = ct_charset_name(used);
		d->plain = 1;
		return used;
	}
	if (d->memo && kl <= sizeof e->key) {
		h = hash_bytes(0x9E3779B97F4A7C15ull ^ (uint64_t)cs, k, kl);
		e = &d->memo->names[h % MEMO_NAMES];
		if (e->used && e->hash == h && e->cs == cs && e->keylen == kl && memcmp(e->key, k, kl) == 0) {
			ct_sbuf_add(&d->user, e->val, e->ulen);
			ct_sbuf_add(&d->host, e->val + e->ulen, e->hlen);
			d->charset = e->charset;
			d->plain = e->plain;
			return e->used_cs;
		}
	}
	add_name(&d->user, &d->m.user, cs, &used);
	add_name(&d->host, &d->m.host, cs, NULL);
	d->charset = ct_charset_name(used);
	d->plain = names_plain(d, 1, 0);
	if (e && !d->user.err && !d->host.err && d->user.len + d->host.len <= sizeof e->val) {
		memcpy(e->key, k, kl);
		if (d->user.len)
			memcpy(e->val, d->user.p, d->user.len);
		if (d->host.len)
			memcpy(e->val + d->user.len, d->host.p, d->host.len);
		e->keylen = kl;
		e->ulen = d->user.len;
		e->hlen = d->host.len;
		e->hash = h;
		e->cs = cs;
		e->used_cs = used;
		e->charset = d->charset;
		e->plain = d->plain;
		e->used = 1;
	}
	return used;
}

static int entry_memo_get(struct ct_dipmsg *d)
{
	const char *k1, *k2, *v;
	size_t l1, l2;
	uint64_t h;
	struct entry_memo *e;

	if (!d->memo)
		return 0;
	h = entry_key(&d->m, &k1, &l1, &k2, &l2);
	size_t set = h % (MEMO_ENTRY / 2) * 2, w;
	for (w = set;; w++) {
		e = &d->memo->entry[w];
		if (d->memo->etag[w] == (h | 1) && e->hash == h && e->keylen == l1 + l2 && e->nul_pad == d->m.nul_pad &&
		    memcmp(e->key, k1, l1) == 0 && memcmp(e->key + l1, k2, l2) == 0)
			break;
		if (w > set)
			return 0;
	}
	e->last = ++d->memo->tick;
	v = e->val; /* shown from the memo (valid until this slot is stored again: a later decode) */
	d->user_s = (struct ct_slice){ v, e->vlen[0] };
	v += e->vlen[0] + 1;
	d->host_s = (struct ct_slice){ v, e->vlen[1] };
	v += e->vlen[1] + 1;
	d->nick_s = (struct ct_slice){ v, e->vlen[2] };
	v += e->vlen[2] + 1;
	d->group_s = (struct ct_slice){ v, e->vlen[3] };
	v += e->vlen[3] + 1;
	d->text_view = v;
	d->text_view_len = e->vlen[4];
	memcpy(d->item, e->item, e->nitem * sizeof *e->item);
	d->nitem = e->nitem;
	d->has_nick = e->has_nick;
	d->charset = e->charset;
	d->plain = e->plain;
	return 1;
}

static void entry_memo_put(struct ct_dipmsg *d)
{
	const char *k1, *k2;
	size_t l1, l2, vl;
	uint64_t h;
	struct entry_memo *e;
	const struct ct_sbuf *parts[5] = { &d->user, &d->host, &d->nick, &d->group, &d->text };
	char *key, *val, *o;

	if (!d->memo || d->user.err || d->host.err || d->nick.err || d->group.err || d->text.err)
		return;
	h = entry_key(&d->m, &k1, &l1, &k2, &l2);
	size_t w = h % (MEMO_ENTRY / 2) * 2; /* the unused way, or the one used longer ago */
	if (d->memo->etag[w] && (!d->memo->etag[w + 1] || d->memo->entry[w + 1].last < d->memo->entry[w].last))
		w++;
	e = &d->memo->entry[w];
	vl = d->user.len + d->host.len + d->nick.len + d->group.len + d->text.len + 5;
	key = malloc(l1 + l2 ? l1 + l2 : 1);
	val = malloc(vl);
	if (!key || !val) {
		free(key);
		free(val);
		return;
	}
	memcpy(key, k1, l1);
	memcpy(key + l1, k2, l2);
	o = val;
	for (int i = 0; i < 5; i++) {
		if (parts[i]->len)
			memcpy(o, parts[i]->p, parts[i]->len);
		o[parts[i]->len] = '\0';
		e->vlen[i] = parts[i]->len;
		o += parts[i]->len + 1;
	}
	free(e->key);
	free(e->val);
	e->key = key;
	e->keylen = l1 + l2;
	e->nul_pad = d->m.nul_pad;
	e->val = val;
	e->hash = h;
	memcpy(e->item, d->item, d->nitem * sizeof *d->item);
	e->nitem = d->nitem;
	e->has_nick = d->has_nick;
	e->charset = d->charset;
	e->plain = d->plain;
	e->last = ++d->memo->tick;
	d->memo->etag[w] = h | 1;
}

int ct_dipmsg_decode(struct ct_dipmsg *d, const uint8_t *p, size_t n)
{
	enum ct_charset cs;
	size_t first;
	int r;

	ct_sbuf_reset(&d->cmd);
	ct_sbuf_reset(&d->user);
	ct_sbuf_reset(&d->host);
	ct_sbuf_reset(&d->nick);
	ct_sbuf_reset(&d->group);
	ct_sbuf_reset(&d->text);
	d->nitem = 0;
	d->has_nick = d->has_ref = d->has_next = d->ipdict = d->plain = d->has_filereq = d->decrypt_err = 0;
	d->nfile = 0;
	d->why = NULL;
	d->mode_name = NULL;
	d->charset = NULL;
	d->cmd_s = d->user_s = d->host_s = d->nick_s = d->group_s = (struct ct_slice){ "", 0 };
	d->text_view = NULL;
	if (ct_codec_is_ipdict(p, n)) {
		(void)ct_codec_reparse(&d->m, NULL, 0); /* nothing parsed; the buffer stays for the next */
		d->ipdict = 1;
		d->why = "Windows IPDict datagram (IP2:), not decoded";
		return d->status = CT_EUNSUP;
	}
	r = ct_codec_reparse(&d->m, p, n); /* the previous datagram's buffer is reused */
	if (r != 0) {
		d->why = why_of(r);
		return d->status = r;
	}
	d->status = 0;
	format_cmd(d, d->m.command);
	cs = (d->m.opts & CT_IPMSG_UTF8OPT) ? CT_CS_UTF8 : CT_CS_AUTO;
	if (ct_entry_is_entry_cmd(d->m.command)) {
		if (!entry_memo_get(d)) {
			entry_names(d, cs);
			d->plain = names_plain(d, 1, 0);
			entry_memo_put(d);
		}
	} else {
		cs = header_names(d, cs);
	}
	if (!d->user_s.len) { /* the names were decoded here (a parsed user is never empty) */
		d->user_s = (struct ct_slice){ d->user.p ? d->user.p : "", d->user.len };
		d->host_s = (struct ct_slice){ d->host.p ? d->host.p : "", d->host.len };
		d->nick_s = (struct ct_slice){ d->nick.p ? d->nick.p : "", d->nick.len };
		d->group_s = (struct ct_slice){ d->group.p ? d->group.p : "", d->group.len };
	}
	first = d->nitem;
	body_summary(d, cs);
	d->plain = d->plain && names_plain(d, 0, first);
	if (d->cmd.err || d->user.err || d->text.err)
		return d->status = CT_ENOMEM;
	return 0;
}
