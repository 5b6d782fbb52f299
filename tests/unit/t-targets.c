/* t-targets.c: unit tests for target specs: wildcard, CIDR, ranges, names, dedup, limits, matching. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "err.h"
#include "targets.h"
#include "tap.h"

static size_t expand(const char *spec, size_t max, struct ct_haddr **v, int *rc)
{
	struct ct_targets ts;
	char err[200] = "";
	size_t n = 0;

	ct_targets_init(&ts, max);
	*v = NULL;
	*rc = ct_targets_add(&ts, spec, err, sizeof err);
	if (*rc == 0)
		*rc = ct_targets_expand(&ts, 2425, v, &n, NULL, err, sizeof err);
	ct_targets_fini(&ts);
	return n;
}

static const char *ip(const struct ct_haddr *a)
{
	static char b[64];
	return ct_haddr_ip_str(a, b, sizeof b);
}

int main(void)
{
	struct ct_haddr *v;
	struct ct_targets ts;
	char err[200];
	size_t n;
	int rc;

	n = expand("198.18.2.*", 0, &v, &rc);
	is_int(rc, 0, "wildcard parses");
	is_int(n, 254, "wildcard = .1 to .254");
	is_str(ip(&v[0]), "198.18.2.1", "first .1");
	is_str(ip(&v[253]), "198.18.2.254", "last .254");
	is_int(v[0].port, 2425, "port applied");
	free(v);

	n = expand("10.0.0.0/30", 0, &v, &rc);
	is_int(n, 2, "/30 = 2 hosts");
	is_str(ip(&v[0]), "10.0.0.1", "/30 first host");
	free(v);
	n = expand("10.0.0.7/32", 0, &v, &rc);
	ok(n == 1 && strcmp(ip(&v[0]), "10.0.0.7") == 0, "/32 = itself");
	free(v);
	n = expand("10.0.0.0/31", 0, &v, &rc);
	is_int(n, 2, "/31 = both");
	free(v);

	n = expand("10.1.1.250-10.1.2.3", 0, &v, &rc);
	is_int(n, 10, "full range across an octet");
	is_str(ip(&v[9]), "10.1.2.3", "range end");
	free(v);
	n = expand("10.1.1.10-20", 0, &v, &rc);
	is_int(n, 11, "short range a.b.c.d-N");
	free(v);

	n = expand("10.0.0.1, 10.0.0.0/30 10.0.0.2", 0, &v, &rc);
	is_int(n, 2, "duplicates removed across items");
	free(v);
	n = expand("2001:2::1 2001:2::/126", 0, &v, &rc);
	is_int(n, 4, "IPv6 single + /126 dedup");
	ok(n && v[0].family == AF_INET6, "IPv6 family");
	free(v);

	n = expand("localhost", 0, &v, &rc);
	is_int(rc, 0, "a DNS name resolves");
	ok(n >= 1, "localhost gives addresses");
	free(v);

	expand("192.168.*.*", 0, &v, &rc);
	is_int(rc, CT_EFORMAT, "wildcard beyond the 4th octet refused");
	expand("192.168.1.5*", 0, &v, &rc);
	is_int(rc, CT_EFORMAT, "partial-octet wildcard refused");
	expand("10.0.0.9-3", 0, &v, &rc);
	is_int(rc, CT_EFORMAT, "backwards range refused");
	expand("10.0.0.1/33", 0, &v, &rc);
	is_int(rc, CT_EFORMAT, "bad prefix length refused");
	expand("bad_name!", 0, &v, &rc);
	is_int(rc, CT_EFORMAT, "garbage refused");
	expand("10.0.0.0/8", 0, &v, &rc);
	is_int(rc, CT_ETOOBIG, "/8 over the default bound");
	expand("10.0.0.0/24", 100, &v, &rc);
	is_int(rc, CT_ETOOBIG, "bound is configurable");

	ct_targets_init(&ts, 0);
	rc = ct_targets_add(&ts, "10.0.0.1-10.0.0.0", err, sizeof err);
	ok(rc != 0 && strstr(err, "10.0.0.1-10.0.0.0") != NULL, "error names the item: %s", err);
	rc = ct_targets_add(&ts, "10.0.0.0/8", err, sizeof err);
	ok(rc == CT_ETOOBIG && strstr(err, "split") != NULL, "too-big error says what to do: %s", err);
	is_int(ct_targets_add(&ts, "198.18.1.* 2001:2:0:1::/64", err, sizeof err), CT_ETOOBIG, "v6 /64 too big to expand");
	is_int(ct_targets_add(&ts, "198.18.1.*", err, sizeof err), 0, "add wildcard");
	is_int(ct_targets_add_v4net(&ts, 0xC6120200u, 24), 0, "add own network");
	struct ct_haddr a;
	ct_haddr_parse(&a, "198.18.1.77", 1);
	ok(ct_targets_match(&ts, &a), "match inside wildcard");
	ct_haddr_parse(&a, "198.18.2.255", 1);
	ok(ct_targets_match(&ts, &a), "match inside own /24 (incl. broadcast)");
	ct_haddr_parse(&a, "198.18.3.1", 1);
	ok(!ct_targets_match(&ts, &a), "no match outside");
	is_int(ct_targets_size(&ts), 254 + 256, "size counts literal addresses");
	ct_targets_fini(&ts);
	return tap_done();
}
