/* targets.c: parse target specs, match addresses against them, expand them into deduplicated addresses. */
#include "config.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "err.h"
#include "log.h"
#include "targets.h"
#include "util.h"

void ct_targets_init(struct ct_targets *ts, size_t max)
{
	memset(ts, 0, sizeof *ts);
	ts->max = max ? max : CT_TARGETS_DEFAULT_MAX;
}

void ct_targets_fini(struct ct_targets *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->v[i].name);
		free(ts->v[i].text);
	}
	free(ts->v);
	memset(ts, 0, sizeof *ts);
}

static uint64_t item_size(const struct ct_target *t)
{
	if (t->kind == CT_TARGET_V4)
		return (uint64_t)t->hi - t->lo + 1;
	if (t->kind == CT_TARGET_V6)
		return t->plen6 <= 64 ? UINT64_MAX : (uint64_t)1 << (128 - t->plen6);
	return 1;
}

uint64_t ct_targets_size(const struct ct_targets *ts)
{
	uint64_t s = 0;

	for (size_t i = 0; i < ts->n; i++) {
		uint64_t k = item_size(&ts->v[i]);
		s = (UINT64_MAX - s < k) ? UINT64_MAX : s + k;
	}
	return s;
}

static int push(struct ct_targets *ts, const struct ct_target *t, const char *text)
{
	if (ts->n == ts->cap) {
		size_t nc = ts->cap ? ts->cap * 2 : 8;
		struct ct_target *nv = realloc(ts->v, nc * sizeof *nv);
		if (!nv)
			return CT_ENOMEM;
		ts->v = nv;
		ts->cap = nc;
	}
	ts->v[ts->n] = *t;
	if (!(ts->v[ts->n].text = strdup(text)))
		return CT_ENOMEM;
	ts->n++;
	return 0;
}

static int parse_v4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return CT_EFORMAT;
	*out = ntohl(a.s_addr);
	return 0;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	int alpha = 0;

	if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalpha(c))
			alpha = 1;
		else if (!isdigit(c) && c != '-' && c != '.')
			return 0;
	}
	return alpha;
}

/* Writes a message about item into err and evaluates to code (fmt is a literal with one %s). */
#define fail(err, errlen, code, fmt, item) \
	((err) && (errlen) ? (void)snprintf((err), (errlen), fmt, (item)) : (void)0, (code))

static int add_one(struct ct_targets *ts, const char *item, char *err, size_t errlen)
{
	struct ct_target t;
	char buf[300];
	char *p;
	int r;

	memset(&t, 0, sizeof t);
	if (strlen(item) >= sizeof buf)
		return fail(err, errlen, CT_EFORMAT, "target '%.60s...' is too long", item);
	strcpy(buf, item);
	if ((p = strchr(buf, '*'))) {
		uint32_t net;
		if (strcmp(p, "*") != 0 || p == buf || p[-1] != '.' || strchr(buf, '/') || strchr(buf, '-'))
			return fail(err, errlen, CT_EFORMAT, "target '%s': a wildcard is allowed only as the "
				"whole 4th octet (192.168.1.*); use CIDR (192.168.0.0/16) for larger blocks", item);
		strcpy(p, "0");
		if (parse_v4(buf, &net) != 0)
			return fail(err, errlen, CT_EFORMAT, "target '%s': a wildcard is allowed only as the "
				"whole 4th octet (192.168.1.*); use CIDR (192.168.0.0/16) for larger blocks", item);
		t.kind = CT_TARGET_V4;
		t.lo = net + 1;
		t.hi = net + 254;
	} else if ((p = strchr(buf, '/'))) {
		unsigned long plen;
		char *end;
		*p++ = '\0';
		plen = strtoul(p, &end, 10);
		if (!*p || *end || !isdigit((unsigned char)*p))
			return fail(err, errlen, CT_EFORMAT, "target '%s': the prefix length after '/' must be a number", item);
		if (parse_v4(buf, &t.lo) == 0) {
			if (plen > 32)
				return fail(err, errlen, CT_EFORMAT, "target '%s': an IPv4 prefix length is 0 to 32", item);
			uint32_t mask = plen ? 0xFFFFFFFFu << (32 - plen) : 0;
			t.kind = CT_TARGET_V4;
			t.lo &= mask;
			t.hi = t.lo | ~mask;
			if (plen < 31) { /* leave out the network and broadcast addresses */
				t.lo++;
				t.hi--;
			}
		} else if (inet_pton(AF_INET6, buf, t.ip6) == 1) {
			if (plen > 128)
				return fail(err, errlen, CT_EFORMAT, "target '%s': an IPv6 prefix length is 0 to 128", item);
			t.kind = CT_TARGET_V6;
			t.plen6 = (unsigned)plen;
			for (unsigned b = (unsigned)plen; b < 128; b++)
				t.ip6[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
		} else {
			return fail(err, errlen, CT_EFORMAT, "target '%s': not an address before '/'", item);
		}
	} else if ((p = strchr(buf, '-')) && parse_v4((*p = '\0', buf), &t.lo) == 0) {
		const char *rhs = p + 1;
		uint32_t n;
		t.kind = CT_TARGET_V4;
		if (parse_v4(rhs, &t.hi) == 0) {
			/* a.b.c.d-e.f.g.h */
		} else if (ct_parse_u32(rhs, strlen(rhs), 10, &n) == 0 && n <= 255) {
			t.hi = (t.lo & 0xFFFFFF00u) | n;
		} else {
			return fail(err, errlen, CT_EFORMAT, "target '%s': a range is a.b.c.d-e.f.g.h or "
				"a.b.c.d-N (N = last octet, 0 to 255)", item);
		}
		if (t.hi < t.lo)
			return fail(err, errlen, CT_EFORMAT, "target '%s': the range ends before it starts", item);
	} else {
		if (p)
			*p = '-'; /* not a range after all: restore (names may hold '-') */
		if (parse_v4(buf, &t.lo) == 0) {
			t.kind = CT_TARGET_V4;
			t.hi = t.lo;
		} else if (inet_pton(AF_INET6, buf, t.ip6) == 1) {
			t.kind = CT_TARGET_V6;
			t.plen6 = 128;
		} else if (valid_name(buf)) {
			t.kind = CT_TARGET_NAME;
			if (!(t.name = strdup(buf)))
				return CT_ENOMEM;
		} else {
			return fail(err, errlen, CT_EFORMAT, "target '%s': not an address, a.b.c.*, CIDR, "
				"range or host name", item);
		}
	}
	if (item_size(&t) > ts->max || ct_targets_size(ts) + item_size(&t) > ts->max) {
		free(t.name);
		if (err && errlen)
			snprintf(err, errlen, "target '%s' makes more than %zu addresses; split the work "
				"or raise the limit", item, ts->max);
		return CT_ETOOBIG;
	}
	if ((r = push(ts, &t, item)) != 0)
		free(t.name);
	return r;
}

int ct_targets_add(struct ct_targets *ts, const char *spec, char *err, size_t errlen)
{
	char *copy, *save = NULL, *tok;
	int r = 0, any = 0;
	size_t n0 = ts->n;

	if (!spec || !(copy = strdup(spec)))
		return spec ? CT_ENOMEM : CT_EINVAL;
	for (tok = strtok_r(copy, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		any = 1;
		if ((r = add_one(ts, tok, err, errlen)) != 0)
			break;
	}
	free(copy);
	while (r != 0 && ts->n > n0) { /* all or nothing */
		ts->n--;
		free(ts->v[ts->n].name);
		free(ts->v[ts->n].text);
	}
	if (!any && r == 0)
		return fail(err, errlen, CT_EFORMAT, "empty target list%s", "");
	return r;
}

int ct_targets_add_v4net(struct ct_targets *ts, uint32_t addr, unsigned plen)
{
	struct ct_target t;
	char text[40];
	uint32_t mask = plen ? 0xFFFFFFFFu << (32 - (plen > 32 ? 32 : plen)) : 0;

	memset(&t, 0, sizeof t);
	t.kind = CT_TARGET_V4;
	t.lo = addr & mask;
	t.hi = t.lo | ~mask;
	snprintf(text, sizeof text, "%u.%u.%u.%u/%u", t.lo >> 24, (t.lo >> 16) & 255,
		(t.lo >> 8) & 255, t.lo & 255, plen);
	return push(ts, &t, text);
}

static int v6_in(const uint8_t *net, unsigned plen, const uint8_t *ip)
{
	unsigned full = plen / 8, rem = plen % 8;

	if (memcmp(net, ip, full) != 0)
		return 0;
	if (rem == 0)
		return 1;
	uint8_t m = (uint8_t)(0xFFu << (8 - rem));
	return (net[full] & m) == (ip[full] & m);
}

int ct_targets_match(const struct ct_targets *ts, const struct ct_haddr *a)
{
	for (size_t i = 0; i < ts->n; i++) {
		const struct ct_target *t = &ts->v[i];
		if (t->kind == CT_TARGET_V4 && a->family == AF_INET) {
			uint32_t v = ct_haddr_v4(a);
			if (v >= t->lo && v <= t->hi)
				return 1;
		} else if (t->kind == CT_TARGET_V6 && a->family == AF_INET6) {
			if (v6_in(t->ip6, t->plen6, a->ip))
				return 1;
		}
	}
	return 0;
}

/* A small open-addressing set of addresses for deduplication. */
struct aset {
	struct ct_haddr *v;
	uint32_t *slot; /* index+1 into v, 0 = empty */
	size_t n, cap, nslot;
};

static size_t ahash(const struct ct_haddr *a, size_t mask)
{
	return (size_t)ct_haddr_hash_ip(a) & mask;
}

static int aset_add(struct aset *s, const struct ct_haddr *a, size_t max)
{
	if ((s->n + 1) * 2 > s->nslot) {
		size_t ns = s->nslot ? s->nslot * 2 : 256;
		uint32_t *nsl = calloc(ns, sizeof *nsl);
		if (!nsl)
			return CT_ENOMEM;
		for (size_t i = 0; i < s->n; i++) {
			size_t j = ahash(&s->v[i], ns - 1);
			while (nsl[j])
				j = (j + 1) & (ns - 1);
			nsl[j] = (uint32_t)i + 1;
		}
		free(s->slot);
		s->slot = nsl;
		s->nslot = ns;
	}
	size_t j = ahash(a, s->nslot - 1);
	for (; s->slot[j]; j = (j + 1) & (s->nslot - 1))
		if (ct_haddr_same_ip(&s->v[s->slot[j] - 1], a))
			return 0;
	if (s->n >= max)
		return CT_ETOOBIG;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		struct ct_haddr *nv = realloc(s->v, nc * sizeof *nv);
		if (!nv)
			return CT_ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n] = *a;
	s->slot[j] = (uint32_t)++s->n;
	return 0;
}

static int resolve(const char *name, uint16_t port, struct aset *s, size_t max)
{
	struct addrinfo hints, *res = NULL;
	int r = 0, g;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	if ((g = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		log_warn("target %s does not resolve: %s", name, gai_strerror(g));
		return CT_ENOTFOUND;
	}
	for (struct addrinfo *ai = res; ai && r == 0; ai = ai->ai_next) {
		struct ct_haddr a;
		if (ct_haddr_from_sa(&a, ai->ai_addr) != 0)
			continue;
		a.port = port;
		r = aset_add(s, &a, max);
	}
	freeaddrinfo(res);
	return r;
}

int ct_targets_expand(const struct ct_targets *ts, uint16_t port, struct ct_haddr **out,
	size_t *n, size_t *unresolved, char *err, size_t errlen)
{
	struct aset s;
	size_t bad = 0;
	int r = 0;

	memset(&s, 0, sizeof s);
	for (size_t i = 0; i < ts->n && r == 0; i++) {
		const struct ct_target *t = &ts->v[i];
		struct ct_haddr a;
		if (t->kind == CT_TARGET_V4) {
			for (uint64_t v = t->lo; v <= t->hi && r == 0; v++) {
				ct_haddr_set_v4(&a, (uint32_t)v, port);
				r = aset_add(&s, &a, ts->max);
			}
		} else if (t->kind == CT_TARGET_V6) {
			uint64_t cnt = item_size(t);
			for (uint64_t k = 0; k < cnt && r == 0; k++) {
				memset(&a, 0, sizeof a);
				a.family = AF_INET6;
				a.port = port;
				memcpy(a.ip, t->ip6, 16);
				uint64_t add = k;
				for (int b = 15; b >= 0 && add; b--) {
					uint64_t sum = a.ip[b] + (add & 0xFF);
					a.ip[b] = (uint8_t)sum;
					add = (add >> 8) + (sum >> 8);
				}
				r = aset_add(&s, &a, ts->max);
			}
		} else {
			int rr = resolve(t->name, port, &s, ts->max);
			if (rr == CT_ENOTFOUND)
				bad++;
			else
				r = rr;
		}
	}
	free(s.slot);
	if (r != 0) {
		free(s.v);
		if (r == CT_ETOOBIG && err && errlen)
			snprintf(err, errlen, "targets expand to more than %zu addresses", ts->max);
		return r;
	}
	if (unresolved)
		*unresolved = bad;
	*out = s.v;
	*n = s.n;
	return 0;
}
