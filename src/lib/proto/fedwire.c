/* fedwire.c: encode and parse the federation's digests and pages (format in fedwire.h). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "fedwire.h"

#define MAGIC_LEN (sizeof CT_FEDWIRE_MAGIC - 1)

enum ct_fedwire_kind ct_fedwire_kind(const char *body, size_t len)
{
	if (len < MAGIC_LEN + 2 || memcmp(body, CT_FEDWIRE_MAGIC, MAGIC_LEN) != 0 || body[MAGIC_LEN] != ' ')
		return CT_FEDWIRE_NONE;
	if (body[MAGIC_LEN + 1] == 'D')
		return CT_FEDWIRE_DIGEST;
	if (body[MAGIC_LEN + 1] == 'U')
		return CT_FEDWIRE_PAGE;
	return CT_FEDWIRE_NONE;
}

/* A decimal number of at most 20 digits ending at a separator or the end: 0 or CT_EFORMAT. */
static int num(const char **p, const char *end, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	size_t nd = 0;

	while (s < end && *s >= '0' && *s <= '9') {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return CT_EFORMAT;
		v = v * 10 + d;
		s++;
		nd++;
	}
	if (nd == 0 || nd > 20 || v > max)
		return CT_EFORMAT;
	*p = s;
	*out = v;
	return 0;
}

/* Reads " N" (a space then a number). */
static int spnum(const char **p, const char *end, uint64_t max, uint64_t *out)
{
	if (*p >= end || **p != ' ')
		return CT_EFORMAT;
	(*p)++;
	return num(p, end, max, out);
}

int ct_fedwire_digest_encode(const struct ct_fed_digest *d, struct ct_sbuf *out)
{
	return ct_sbuf_printf(out, CT_FEDWIRE_MAGIC " D %llu %llu %u %u %llu %llu", (unsigned long long)d->inc,
		(unsigned long long)d->ver, d->count, d->lease_ms, (unsigned long long)d->have_inc,
		(unsigned long long)d->have_ver) < 0 ? CT_ENOMEM : 0;
}

int ct_fedwire_digest_decode(const char *body, size_t len, struct ct_fed_digest *d)
{
	const char *p = body + MAGIC_LEN + 2, *end = body + len;
	uint64_t v[6];

	memset(d, 0, sizeof *d);
	if (ct_fedwire_kind(body, len) != CT_FEDWIRE_DIGEST)
		return CT_EFORMAT;
	for (int i = 0; i < 6; i++)
		if (spnum(&p, end, (i == 2 || i == 3) ? UINT32_MAX : UINT64_MAX, &v[i]) != 0)
			return CT_EFORMAT;
	if (p != end && !(*p == '\n' && p + 1 == end))
		return CT_EFORMAT;
	d->inc = v[0];
	d->ver = v[1];
	d->count = (uint32_t)v[2];
	d->lease_ms = (uint32_t)v[3];
	d->have_inc = v[4];
	d->have_ver = v[5];
	return 0;
}

int ct_fedwire_page_header(struct ct_sbuf *out, uint64_t inc, uint64_t from, uint64_t to, int last)
{
	return ct_sbuf_printf(out, CT_FEDWIRE_MAGIC " U %llu %llu %llu %d\n", (unsigned long long)inc,
		(unsigned long long)from, (unsigned long long)to, last ? 1 : 0) < 0 ? CT_ENOMEM : 0;
}

static int clean(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

size_t ct_fedwire_entry_len(const struct ct_fed_entry *e)
{
	/* 20 + 2 + 2 + 5 strings + port 5 + status 10 + 9 tabs + newline */
	return 20 + 4 + strlen(e->user) + strlen(e->host) + (e->nick ? strlen(e->nick) : 0) +
		(e->group ? strlen(e->group) : 0) + (e->addr ? strlen(e->addr) : 0) + 15 + 10;
}

int ct_fedwire_entry_encode(const struct ct_fed_entry *e, struct ct_sbuf *out)
{
	const char *nick = e->gone || !e->nick ? "" : e->nick, *group = e->gone || !e->group ? "" : e->group;

	if (!e->user || !e->host || !e->user[0] || !e->host[0] || !clean(e->user) || !clean(e->host) ||
	    !clean(nick) || !clean(group) || !clean(e->addr))
		return CT_EINVAL;
	return ct_sbuf_printf(out, "%llu\t%c\t%c\t%s\t%s\t%s\t%s\t%s\t%u\t%u\n", (unsigned long long)e->ver,
		e->gone ? '-' : '+', e->local ? 'L' : 'R', e->user, e->host, nick, group, e->addr ? e->addr : "",
		(unsigned)e->port, (unsigned)e->status) < 0 ? CT_ENOMEM : 0;
}

void ct_fedwire_page_fini(struct ct_fed_page *p)
{
	free(p->e);
	free(p->buf);
	memset(p, 0, sizeof *p);
}

/* Splits s (NUL-terminated line) on tabs into f[want]; 0 when exactly want fields. */
static int split(char *s, char **f, size_t want)
{
	size_t n = 0;

	f[n++] = s;
	for (; *s; s++)
		if (*s == '\t') {
			if (n == want)
				return CT_EFORMAT;
			*s = '\0';
			f[n++] = s + 1;
		}
	return n == want ? 0 : CT_EFORMAT;
}

static int field_num(const char *s, uint64_t max, uint64_t *out)
{
	const char *p = s;

	return num(&p, s + strlen(s), max, out) == 0 && *p == '\0' ? 0 : CT_EFORMAT;
}

static int parse_entry(char *line, struct ct_fed_entry *e)
{
	char *f[10];
	uint64_t v;

	if (split(line, f, 10) != 0)
		return CT_EFORMAT;
	memset(e, 0, sizeof *e);
	if (field_num(f[0], UINT64_MAX, &e->ver) != 0 || e->ver == 0)
		return CT_EFORMAT;
	if ((f[1][0] != '+' && f[1][0] != '-') || f[1][1] || (f[2][0] != 'L' && f[2][0] != 'R') || f[2][1])
		return CT_EFORMAT;
	e->gone = f[1][0] == '-';
	e->local = f[2][0] == 'L';
	e->user = f[3];
	e->host = f[4];
	e->nick = f[5];
	e->group = f[6];
	e->addr = f[7];
	if (!e->user[0] || !e->host[0] || !clean(e->user) || !clean(e->host) || !clean(e->nick) ||
	    !clean(e->group) || !clean(e->addr))
		return CT_EFORMAT;
	if (field_num(f[8], 65535, &v) != 0)
		return CT_EFORMAT;
	e->port = (uint16_t)v;
	if (field_num(f[9], UINT32_MAX, &v) != 0)
		return CT_EFORMAT;
	e->status = (uint32_t)v;
	if (!e->gone && (!e->addr[0] || e->port == 0))
		return CT_EFORMAT;
	return 0;
}

int ct_fedwire_page_decode(const char *body, size_t len, struct ct_fed_page *p)
{
	const char *q, *end;
	uint64_t last;
	size_t cap = 0;
	char *s;

	memset(p, 0, sizeof *p);
	if (ct_fedwire_kind(body, len) != CT_FEDWIRE_PAGE)
		return CT_EFORMAT;
	q = body + MAGIC_LEN + 2;
	end = body + len;
	if (spnum(&q, end, UINT64_MAX, &p->inc) != 0 || spnum(&q, end, UINT64_MAX, &p->from) != 0 ||
	    spnum(&q, end, UINT64_MAX, &p->to) != 0 || spnum(&q, end, 1, &last) != 0 || p->to < p->from)
		return CT_EFORMAT;
	p->last = (int)last;
	if (q < end && *q != '\n')
		return CT_EFORMAT;
	if (q < end)
		q++;
	if (memchr(q, '\0', (size_t)(end - q)))
		return CT_EFORMAT;
	if (!(p->buf = malloc((size_t)(end - q) + 1)))
		return CT_ENOMEM;
	memcpy(p->buf, q, (size_t)(end - q));
	p->buf[end - q] = '\0';
	s = p->buf;
	while (*s) {
		char *nl = strchr(s, '\n');
		if (!nl)
			return CT_EFORMAT; /* every entry ends with a newline: a cut page is refused */
		*nl = '\0';
		if (p->n == CT_FEDWIRE_MAX_ENTRIES)
			return CT_ETOOBIG;
		if (p->n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct ct_fed_entry *ne = realloc(p->e, nc * sizeof *ne);
			if (!ne)
				return CT_ENOMEM;
			p->e = ne;
			cap = nc;
		}
		struct ct_fed_entry *e = &p->e[p->n];
		if (parse_entry(s, e) != 0 || e->ver <= p->from || e->ver > p->to ||
		    (p->n && e->ver < p->e[p->n - 1].ver))
			return CT_EFORMAT;
		p->n++;
		s = nl + 1;
	}
	return 0;
}
