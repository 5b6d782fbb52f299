/* hostlist.c: ANSLIST parse (Windows and g2ipmsg variants) and paging builder, GETLIST bodies. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "err.h"
#include "hostlist.h"
#include "util.h"

#define FIELDS 7

uint16_t ct_hostlist_swap16(uint16_t v)
{
	return (uint16_t)((v >> 8) | (v << 8));
}

const char *ct_hostlist_state_name(enum ct_hostlist_state s)
{
	switch (s) {
	case CT_HOSTLIST_ALIVE: return "alive";
	case CT_HOSTLIST_GONE: return "gone";
	case CT_HOSTLIST_UNKNOWN_CAPS: return "unknown_caps";
	}
	return "?";
}

void ct_hostlist_fini(struct ct_hostlist *l)
{
	free(l->buf);
	free(l->e);
	memset(l, 0, sizeof *l);
}

/* "%5d" field: leading spaces, then decimal digits. */
static int parse_padded(const char *s, uint32_t *v)
{
	while (*s == ' ')
		s++;
	return ct_parse_u32(s, strlen(s), 10, v);
}

static const char *field(const char *t, int *empty)
{
	if (t[0] == '\0')
		(*empty)++;
	return (t[0] == CT_IPMSG_HOSTLIST_DUMMY && t[1] == '\0') ? t + 1 : t;
}

static void fix_port(struct ct_hostlist_entry *e, uint16_t myport, enum ct_hostlist_variant v)
{
	uint16_t raw = (uint16_t)e->port_raw, sw = ct_hostlist_swap16(raw);

	if (sw == myport)
		e->port_swapped = 1;
	else if (raw == myport)
		e->port_swapped = 0;
	else
		e->port_swapped = v == CT_HOSTLIST_WIN;
	e->port = e->port_swapped ? sw : raw;
}

static enum ct_hostlist_state state_of(uint32_t status)
{
	if (status == 0 || CT_IPMSG_MODE(status) == CT_IPMSG_BR_EXIT)
		return CT_HOSTLIST_GONE;
	if (CT_IPMSG_OPT(status) == 0)
		return CT_HOSTLIST_UNKNOWN_CAPS;
	return CT_HOSTLIST_ALIVE;
}

int ct_hostlist_parse(const char *body, size_t len, uint16_t myport, struct ct_hostlist *l)
{
	char **tok = NULL;
	size_t ntok = 0, cap = 0;
	int r = 0;

	memset(l, 0, sizeof *l);
	if (!myport)
		myport = CT_IPMSG_PORT;
	if (!body || len == 0)
		return CT_ETRUNC;
	if (len > CT_IPMSG_MAXDGRAM)
		return CT_ETOOBIG;
	if (!(l->buf = ct_strndup(body, len)))
		return CT_ENOMEM;
	len = strlen(l->buf); /* the body ends at its first NUL */
	/* split on \a in place */
	for (char *p = l->buf;;) {
		char *sep = memchr(p, CT_IPMSG_HOSTLIST_SEP, (size_t)(l->buf + len - p));
		if (ntok == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **nt = realloc(tok, ncap * sizeof *nt);
			if (!nt) {
				free(tok);
				return CT_ENOMEM;
			}
			tok = nt;
			cap = ncap;
		}
		tok[ntok++] = p;
		if (!sep)
			break;
		*sep = '\0';
		p = sep + 1;
	}
	if (ntok > 1 && tok[ntok - 1][0] == '\0') {
		l->trailing_sep = 1;
		ntok--;
	}
	if (ntok < 2) {
		free(tok);
		return CT_ETRUNC;
	}
	if ((r = parse_padded(tok[0], &l->next)) != 0 || (r = parse_padded(tok[1], &l->count)) != 0) {
		free(tok);
		return r;
	}
	size_t want = (ntok - 2) / FIELDS;
	if (want && !(l->e = calloc(want, sizeof *l->e))) {
		free(tok);
		return CT_ENOMEM;
	}
	/* g2ipmsg strips the trailing \a; a Windows list cut mid-entry also lacks it, so only
	 * whole entries without it count as g2ipmsg (status 19 below is the other sign) */
	int g2 = !l->trailing_sep && ntok > 2 && (ntok - 2) % FIELDS == 0;
	for (size_t i = 0; i < want; i++) {
		char **t = tok + 2 + i * FIELDS;
		struct ct_hostlist_entry *e = &l->e[i];
		e->user = field(t[0], &l->empty_fields);
		e->host = field(t[1], &l->empty_fields);
		e->addr = field(t[3], &l->empty_fields);
		e->nick = field(t[5], &l->empty_fields);
		e->group = field(t[6], &l->empty_fields);
		if ((r = ct_parse_u32(t[2], strlen(t[2]), 10, &e->status)) != 0 ||
			(r = ct_parse_u32(t[4], strlen(t[4]), 10, &e->port_raw)) != 0)
			break;
		if (e->port_raw > 65535) {
			r = CT_ERANGE;
			break;
		}
		if (e->status == CT_IPMSG_ANSLIST)
			g2 = 1;
		e->state = state_of(e->status);
		l->n++;
	}
	if (r == 0 && 2 + want * FIELDS != ntok)
		r = CT_ETRUNC; /* an incomplete entry at the end */
	l->variant = g2 ? CT_HOSTLIST_G2 : CT_HOSTLIST_WIN;
	for (size_t i = 0; i < l->n; i++)
		fix_port(&l->e[i], myport, l->variant);
	free(tok);
	return r;
}

uint32_t ct_hostlist_next_request(const struct ct_hostlist *l)
{
	if (l->variant == CT_HOSTLIST_G2) {
		/* g2ipmsg: header is (start, total-1); next = start + entries parsed */
		uint64_t nx = (uint64_t)l->next + l->n;
		if (l->n == 0 || nx > (uint64_t)l->count)
			return 0;
		return (uint32_t)nx;
	}
	if (l->next == 0 || l->next < l->count)
		return 0;
	return l->next;
}

/* Appends a field, "\b" if empty; separators and NULs inside become spaces. */
static void add_field(struct ct_sbuf *b, const char *s)
{
	if (!s || !*s) {
		ct_sbuf_addc(b, CT_IPMSG_HOSTLIST_DUMMY);
	} else {
		for (; *s; s++)
			ct_sbuf_addc(b, *s == CT_IPMSG_HOSTLIST_SEP ? ' ' : *s);
	}
	ct_sbuf_addc(b, CT_IPMSG_HOSTLIST_SEP);
}

static size_t digits(size_t v)
{
	size_t d = 1;

	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

int ct_hostlist_build_page(struct ct_sbuf *b, const struct ct_hostlist_host *hosts, size_t n,
	size_t start, size_t budget, size_t *next)
{
	struct ct_sbuf ent, one;
	size_t i, cnt = 0, w;
	int r = 0;

	if (!budget)
		budget = CT_HOSTLIST_BUDGET_IPTUX;
	if (start > n)
		return CT_ERANGE;
	w = digits(n) > 5 ? digits(n) : 5;
	if (n > UINT32_MAX)
		return CT_ERANGE;
	ct_sbuf_init(&ent);
	ct_sbuf_init(&one);
	for (i = start; i < n; i++) {
		const struct ct_hostlist_host *h = &hosts[i];
		uint32_t st = h->status ? h->status : CT_IPMSG_CAPUTF8OPT;
		ct_sbuf_reset(&one);
		add_field(&one, h->user);
		add_field(&one, h->host);
		ct_sbuf_printf(&one, "%lu%c", (unsigned long)st, CT_IPMSG_HOSTLIST_SEP);
		add_field(&one, h->addr);
		ct_sbuf_printf(&one, "%u%c", (unsigned)ct_hostlist_swap16(h->port), CT_IPMSG_HOSTLIST_SEP);
		add_field(&one, h->nick);
		add_field(&one, h->group);
		if (one.err) {
			r = one.err;
			break;
		}
		/* header (two fields of width w plus separators) + entries + this one + final NUL */
		if (b->len + 2 * (w + 1) + ent.len + one.len + 1 > budget)
			break;
		ct_sbuf_add(&ent, one.p, one.len);
		cnt++;
	}
	if (r == 0 && cnt == 0 && start < n)
		r = CT_ETOOBIG;
	if (r == 0) {
		size_t nx = (i == n) ? 0 : i;
		ct_sbuf_printf(b, "%5zu%c%5zu%c", nx, CT_IPMSG_HOSTLIST_SEP, cnt, CT_IPMSG_HOSTLIST_SEP);
		if (ent.len)
			ct_sbuf_add(b, ent.p, ent.len);
		ct_sbuf_addc(b, '\0');
		r = b->err ? b->err : ent.err;
		if (next)
			*next = nx;
	}
	ct_sbuf_fini(&ent);
	ct_sbuf_fini(&one);
	return r;
}

int ct_hostlist_build_getlist(struct ct_sbuf *b, uint32_t start)
{
	if (start)
		ct_sbuf_printf(b, "%lu", (unsigned long)start);
	else
		ct_sbuf_add(b, "", 0);
	return b->err;
}

int ct_hostlist_parse_getlist(const char *body, size_t len, uint32_t *start)
{
	size_t i = 0;
	int neg = 0, r;

	*start = 0;
	len = body ? strnlen(body, len) : 0;
	while (i < len && body[i] == ' ')
		i++;
	if (i == len)
		return 0;
	if (body[i] == '-' || body[i] == '+') {
		neg = body[i] == '-';
		i++;
	}
	if ((r = ct_parse_u32(body + i, len - i, 10, start)) != 0) {
		*start = 0;
		return r;
	}
	if (neg)
		*start = 0;
	return 0;
}
