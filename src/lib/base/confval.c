/* confval.c: the config engine's value types and parsers (durations, rates, ports, booleans, CIDR, lists), shared with the command line. */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "err.h"
#include "util.h"
#include "confval.h"

/* ---- small containers ---- */

int ct_strlist_add(struct ct_strlist *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof *v);
	char *d = strdup(s);

	if (!v || !d) {
		free(d);
		if (v)
			l->v = v;
		return CT_ENOMEM;
	}
	l->v = v;
	l->v[l->n++] = d;
	return 0;
}

void ct_strlist_free(struct ct_strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int ct_cidr_list_add(struct ct_cidr_list *l, const struct ct_cidr *c)
{
	struct ct_cidr *v;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].family == c->family && l->v[i].prefix == c->prefix &&
		    memcmp(l->v[i].addr, c->addr, 16) == 0)
			return 0; /* already there */
	v = realloc(l->v, (l->n + 1) * sizeof *v);
	if (!v)
		return CT_ENOMEM;
	l->v = v;
	l->v[l->n++] = *c;
	return 0;
}

void ct_cidr_list_free(struct ct_cidr_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- CIDR ---- */

int ct_cidr_parse(const char *s, struct ct_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint32_t prefix;
	unsigned bits;

	if (alen == 0 || alen >= sizeof buf)
		return CT_EFORMAT;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		bits = 128;
	} else
		return CT_EFORMAT;
	if (slash) {
		if (ct_parse_u32(slash + 1, strlen(slash + 1), 10, &prefix) != 0)
			return CT_EFORMAT;
		if (prefix > bits)
			return CT_ERANGE;
	} else
		prefix = bits;
	out->prefix = prefix;
	for (unsigned i = 0; i < bits / 8; i++) {
		unsigned keep = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;
		out->addr[i] &= (uint8_t)(0xff00u >> keep);
	}
	return 0;
}

void ct_cidr_format(const struct ct_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(c->family, c->addr, a, sizeof a))
		ct_strlcpy(a, "?", sizeof a);
	snprintf(buf, len, "%s/%u", a, c->prefix);
}

int ct_cidr_contains(const struct ct_cidr *c, int family, const void *addr)
{
	const uint8_t *a = addr;
	unsigned full = c->prefix / 8, rest = c->prefix % 8;

	if (family != c->family)
		return 0;
	if (memcmp(a, c->addr, full) != 0)
		return 0;
	if (rest && ((a[full] ^ c->addr[full]) & (uint8_t)(0xff00u >> rest)))
		return 0;
	return 1;
}

int ct_cidr_list_contains(const struct ct_cidr_list *l, int family, const void *addr)
{
	for (size_t i = 0; i < l->n; i++)
		if (ct_cidr_contains(&l->v[i], family, addr))
			return 1;
	return 0;
}

/* ---- durations and rates ---- */

int ct_conf_parse_int(const char *s, int64_t *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(s, &end, 10);
	if (end == s || *end || errno == EINVAL)
		return CT_EFORMAT;
	if (errno == ERANGE)
		return CT_ERANGE;
	*v = x;
	return 0;
}


int ct_conf_parse_duration(const char *s, uint64_t *ms)
{
	uint64_t total = 0;
	const char *p = s;

	if (!*p)
		return CT_EFORMAT;
	while (*p) {
		uint64_t v = 0, mul;
		const char *start = p;

		while (*p >= '0' && *p <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				return CT_ERANGE;
			v = v * 10 + (uint64_t)(*p++ - '0');
		}
		if (p == start)
			return CT_EFORMAT;
		if (strncmp(p, "ms", 2) == 0) {
			mul = 1;
			p += 2;
		} else if (*p == 's') {
			mul = 1000;
			p++;
		} else if (*p == 'm') {
			mul = 60000;
			p++;
		} else if (*p == 'h') {
			mul = 3600000;
			p++;
		} else if (*p == 'd') {
			mul = 86400000;
			p++;
		} else if (*p == '\0' && start == s) {
			mul = 1000; /* a bare number is seconds */
		} else
			return CT_EFORMAT;
		if (v && mul > UINT64_MAX / v)
			return CT_ERANGE;
		if (total > UINT64_MAX - v * mul)
			return CT_ERANGE;
		total += v * mul;
	}
	*ms = total;
	return 0;
}

int ct_conf_parse_seconds(const char *s, double *sec)
{
	char *end;
	double v;
	uint64_t ms;
	int r;

	errno = 0;
	v = strtod(s, &end);
	if (end != s && !*end && !errno && isfinite(v) && v >= 0) {
		*sec = v;
		return 0;
	}
	r = ct_conf_parse_duration(s, &ms);
	if (r == 0)
		*sec = (double)ms / 1000.0;
	return r;
}

void ct_conf_format_duration(uint64_t ms, struct ct_sbuf *out)
{
	static const struct { uint64_t ms; const char *u; } units[] = {
		{ 86400000, "d" }, { 3600000, "h" }, { 60000, "m" }, { 1000, "s" }, { 1, "ms" },
	};

	if (ms == 0) {
		ct_sbuf_adds(out, "0s");
		return;
	}
	for (size_t i = 0; i < CT_ARRAY_LEN(units); i++) {
		if (ms >= units[i].ms) {
			ct_sbuf_printf(out, "%llu%s", (unsigned long long)(ms / units[i].ms), units[i].u);
			ms %= units[i].ms;
		}
	}
}

int ct_conf_parse_rate(const char *s, double *per_sec)
{
	char *end;
	double v, div = 1;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return CT_EFORMAT;
	if (*end == '/') {
		if (strcmp(end + 1, "s") == 0)
			div = 1;
		else if (strcmp(end + 1, "m") == 0)
			div = 60;
		else if (strcmp(end + 1, "h") == 0)
			div = 3600;
		else
			return CT_EFORMAT;
	} else if (*end)
		return CT_EFORMAT;
	*per_sec = v / div;
	return 0;
}

int ct_conf_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < CT_ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return CT_EFORMAT;
}

int ct_conf_parse_ports(const char *s, struct ct_port_range *pr)
{
	const char *dash = strchr(s, '-');
	uint32_t lo, hi;

	if (dash) {
		if (ct_parse_u32(s, (size_t)(dash - s), 10, &lo) != 0 ||
		    ct_parse_u32(dash + 1, strlen(dash + 1), 10, &hi) != 0)
			return CT_EFORMAT;
	} else {
		if (ct_parse_u32(s, strlen(s), 10, &lo) != 0)
			return CT_EFORMAT;
		hi = lo;
	}
	if (lo == 0 || hi > 65535 || lo > hi)
		return CT_ERANGE;
	pr->lo = (uint16_t)lo;
	pr->hi = (uint16_t)hi;
	return 0;
}
