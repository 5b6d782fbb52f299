/* attach.c: attachment lists ("::" escaping, decimal IDs), hex file requests, directory-stream headers. */
#include "config.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "codec.h"
#include "err.h"
#include "util.h"

static const char *const type_names[] = {
	NULL, "regular", "dir", "retparent", "symlink", "cdev", "bdev", "fifo",
};

const char *ct_attach_type_name(uint32_t attr)
{
	uint32_t t = attr & 0xFFu;

	if (t < CT_ARRAY_LEN(type_names))
		return type_names[t];
	if (t == CT_IPMSG_FILE_RESFORK)
		return "resfork";
	if (t == CT_IPMSG_FILE_CLIPBOARD)
		return "clipboard";
	return NULL;
}

const char *ct_attach_ext_name(uint32_t key)
{
	static const struct { uint32_t k; const char *n; } t[] = {
		{ 0x01, "uid" }, { 0x02, "username" }, { 0x03, "gid" }, { 0x04, "groupname" },
		{ 0x08, "clipboardpos" }, { 0x10, "perm" }, { 0x11, "majorno" }, { 0x12, "minorno" },
		{ 0x13, "ctime" }, { 0x14, "mtime" }, { 0x15, "atime" }, { 0x16, "createtime" },
		{ 0x20, "creator" }, { 0x21, "filetype" }, { 0x22, "finderinfo" }, { 0x30, "acl" },
		{ 0x40, "aliasfname" }, { 0x41, "unicodefname" },
	};

	for (size_t i = 0; i < CT_ARRAY_LEN(t); i++)
		if (t[i].k == key)
			return t[i].n;
	return NULL;
}

/* Reads the name at *pp up to a single ':' (a doubled "::" is a literal ':'), unescaping in
 * place; leaves *pp after the ':' (or at the end). Returns the name. */
static char *take_name(char **pp)
{
	char *r = *pp, *w = *pp, *start = *pp;

	while (*r) {
		if (r[0] == ':' && r[1] == ':') {
			*w++ = ':';
			r += 2;
		} else if (r[0] == ':') {
			r++;
			break;
		} else {
			*w++ = *r++;
		}
	}
	/* r is past the terminating ':' (or at the NUL), and w <= the ':' position */
	*pp = r;
	*w = '\0';
	return start;
}

/* Next ':'-separated token, collapsing empty ones (Windows separate_token); NULL at the end. */
static char *take_tok(char **pp)
{
	char *p = *pp, *t;

	while (*p == ':')
		p++;
	if (!*p) {
		*pp = p;
		return NULL;
	}
	t = p;
	while (*p && *p != ':')
		p++;
	if (*p)
		*p++ = '\0';
	*pp = p;
	return t;
}

static int hex64(const char *t, uint64_t *v)
{
	return ct_parse_u64(t, strlen(t), 16, UINT64_MAX, v);
}

static int hex32(const char *t, uint32_t *v)
{
	return ct_parse_u32(t, strlen(t), 16, v);
}

/* Parses "[id:]name:size[:mtime][:attr][:k=v...]" in place. */
static int parse_file(char *p, struct ct_attach_file *f, int with_id, int with_mtime)
{
	char *t;
	int r;

	memset(f, 0, sizeof *f);
	f->attr = CT_IPMSG_FILE_REGULAR;
	if (with_id) {
		char *c = strchr(p, ':');
		if (!c)
			return CT_ETRUNC;
		*c = '\0';
		if ((r = ct_parse_u32(p, strlen(p), 10, &f->id)) != 0)
			return r;
		p = c + 1;
	}
	f->name = take_name(&p);
	if (!(t = take_tok(&p)))
		return CT_ETRUNC;
	if ((r = hex64(t, &f->size)) != 0)
		return r;
	if (with_mtime) {
		if (!(t = take_tok(&p)))
			return CT_ETRUNC;
		if ((r = hex64(t, &f->mtime)) != 0)
			return r;
	}
	if ((t = take_tok(&p))) {
		if ((r = hex32(t, &f->attr)) != 0)
			return r;
		f->has_attr = 1;
	}
	while ((t = take_tok(&p))) {
		char *eq = strchr(t, '=');
		uint32_t key;
		if (!eq || ct_parse_u32(t, (size_t)(eq - t), 16, &key) != 0) {
			f->bad_ext++;
			continue;
		}
		if (f->next < CT_ATTACH_MAXEXT)
			f->ext[f->next++] = (struct ct_attach_ext){ key, eq + 1 };
	}
	return 0;
}

void ct_attach_list_fini(struct ct_attach_list *l)
{
	free(l->buf);
	free(l->f);
	memset(l, 0, sizeof *l);
}

int ct_attach_list_parse(const char *s, size_t len, struct ct_attach_list *l)
{
	size_t cap = 0;
	int r = 0;

	memset(l, 0, sizeof *l);
	if (!s)
		return CT_EINVAL;
	if (len > CT_IPMSG_MAXDGRAM)
		return CT_ETOOBIG;
	if (!(l->buf = ct_strndup(s, len)))
		return CT_ENOMEM;
	for (char *p = l->buf; p && *p;) {
		char *sep = strchr(p, CT_IPMSG_FILELIST_SEP);
		if (sep)
			*sep = '\0';
		while (*p == ':')
			p++; /* iptux ":\a:" */
		if (*p) {
			if (l->n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct ct_attach_file *nf = realloc(l->f, ncap * sizeof *nf);
				if (!nf)
					return CT_ENOMEM;
				l->f = nf;
				cap = ncap;
			}
			if ((r = parse_file(p, &l->f[l->n], 1, 1)) != 0)
				return r;
			l->n++;
		}
		p = sep ? sep + 1 : NULL;
	}
	return 0;
}

/* Appends the name, doubling ':' if escape. */
static void add_name(struct ct_sbuf *b, const char *name, int escape)
{
	for (; *name; name++) {
		if (*name == ':' && escape)
			ct_sbuf_addc(b, ':');
		ct_sbuf_addc(b, *name);
	}
}

static void add_exts(struct ct_sbuf *b, const struct ct_attach_file *f, int upper)
{
	for (size_t i = 0; i < f->next && i < CT_ATTACH_MAXEXT; i++)
		ct_sbuf_printf(b, upper ? ":%" PRIX32 "=%s" : ":%" PRIx32 "=%s", f->ext[i].key,
			f->ext[i].val ? f->ext[i].val : "");
}

int ct_attach_list_add(struct ct_sbuf *b, const struct ct_attach_file *f, int escape)
{
	if (!f->name || !f->name[0] || strchr(f->name, CT_IPMSG_FILELIST_SEP))
		return CT_EINVAL;
	ct_sbuf_printf(b, "%" PRIu32 ":", f->id);
	add_name(b, f->name, escape);
	ct_sbuf_printf(b, ":%" PRIx64 ":%" PRIx64 ":%" PRIx32, f->size, f->mtime,
		f->has_attr || f->attr ? f->attr : CT_IPMSG_FILE_REGULAR);
	add_exts(b, f, 0);
	ct_sbuf_addc(b, ':');
	ct_sbuf_addc(b, CT_IPMSG_FILELIST_SEP);
	return b->err;
}

int ct_attach_req_parse(const char *body, size_t len, struct ct_attach_req *r)
{
	char tmp[64], *p = tmp, *t;
	int rc;

	memset(r, 0, sizeof *r);
	if (!body)
		return CT_ETRUNC;
	len = strnlen(body, len);
	if (len >= sizeof tmp)
		return CT_EFORMAT;
	memcpy(tmp, body, len);
	tmp[len] = '\0';
	if (!(t = take_tok(&p)))
		return CT_ETRUNC;
	if ((rc = hex32(t, &r->packetno)) != 0)
		return rc;
	if (!(t = take_tok(&p)))
		return CT_ETRUNC;
	if ((rc = hex32(t, &r->fileid)) != 0)
		return rc;
	if ((t = take_tok(&p))) {
		if ((rc = hex64(t, &r->offset)) != 0)
			return rc;
		r->has_offset = 1;
	}
	return take_tok(&p) ? CT_EFORMAT : 0;
}

int ct_attach_req_build(struct ct_sbuf *b, const struct ct_attach_req *r)
{
	if (r->has_offset)
		return ct_sbuf_printf(b, "%" PRIx32 ":%" PRIx32 ":%" PRIx64 ":", r->packetno, r->fileid, r->offset);
	return ct_sbuf_printf(b, "%" PRIx32 ":%" PRIx32 ":", r->packetno, r->fileid);
}

void ct_attach_dirhdr_fini(struct ct_attach_dirhdr *h)
{
	free(h->buf);
	memset(h, 0, sizeof *h);
}

int ct_attach_dirhdr_parse(const char *data, size_t len, struct ct_attach_dirhdr *h, size_t *need)
{
	size_t i, hs = 0;
	int r;

	memset(h, 0, sizeof *h);
	if (need)
		*need = 0;
	/* hsize: hex digits up to the first ':' (4 in practice, allow up to 8) */
	for (i = 0; i < len && i < 9 && data[i] != ':'; i++)
		;
	if (i == len && i < 9) {
		if (need)
			*need = i + 1 > 5 ? i + 1 : 5;
		return CT_ETRUNC;
	}
	if (i == 0 || i > 8 || data[i] != ':')
		return CT_EFORMAT;
	uint32_t v;
	if ((r = ct_parse_u32(data, i, 16, &v)) != 0)
		return CT_EFORMAT;
	hs = v;
	/* the smallest header: "h:n:0:1:" style, hsize + ':' + name + ":" size ":" */
	if (hs < i + 5 || hs > 0xFFFF)
		return CT_EFORMAT;
	if (len < hs) {
		if (need)
			*need = hs;
		return CT_ETRUNC;
	}
	if (data[hs - 1] != ':')
		return CT_EFORMAT;
	if (memchr(data, '\0', hs))
		return CT_EFORMAT;
	if (!(h->buf = ct_strndup(data + i + 1, hs - i - 1)))
		return CT_ENOMEM;
	h->hsize = hs;
	if ((r = parse_file(h->buf, &h->f, 0, 0)) != 0)
		return r == CT_ETRUNC ? CT_EFORMAT : r; /* all hsize bytes are here: a short header is bad */
	if (!h->f.name[0])
		return CT_EFORMAT;
	return 0;
}

int ct_attach_dirhdr_build(struct ct_sbuf *b, const struct ct_attach_file *f, int size_digits,
	int upper, int escape)
{
	struct ct_sbuf t;
	int r;

	if (!f->name || !f->name[0])
		return CT_EINVAL;
	ct_sbuf_init(&t);
	ct_sbuf_addc(&t, ':');
	add_name(&t, f->name, escape);
	ct_sbuf_printf(&t, upper ? ":%0*" PRIX64 ":%" PRIX32 : ":%0*" PRIx64 ":%" PRIx32,
		size_digits, f->size, f->attr);
	add_exts(&t, f, upper);
	ct_sbuf_addc(&t, ':');
	if ((r = t.err) == 0) {
		if (t.len + 4 > 0xFFFF)
			r = CT_ETOOBIG;
		else {
			ct_sbuf_printf(b, upper ? "%04zX" : "%04zx", t.len + 4);
			ct_sbuf_add(b, t.p, t.len);
			r = b->err;
		}
	}
	ct_sbuf_fini(&t);
	return r;
}
