/* fuzz-range.c: libFuzzer target for the range grammar (targets.c specs, port ranges, CIDRs, durations): never crashes, what parses is in range, bounded and round-trips. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "confval.h"
#include "err.h"
#include "log.h"
#include "sbuf.h"
#include "targets.h"

#define FUZZ_MAX_ADDRS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Targets: an error always has a message; a literal list is bounded, expands (no names: nothing
 * is resolved) to at most max distinct addresses, each of which the list matches. */
static void fuzz_targets(const char *s)
{
	struct ct_targets ts;
	struct ct_haddr *v = NULL;
	size_t n = 0, unres = 0;
	char err[300] = "";
	int r, names = 0;

	ct_targets_init(&ts, FUZZ_MAX_ADDRS);
	r = ct_targets_add(&ts, s, err, sizeof err);
	if (r != 0) {
		if (!err[0] || (r != CT_EFORMAT && r != CT_ETOOBIG && r != CT_ENOMEM))
			abort();
		ct_targets_fini(&ts);
		return;
	}
	for (size_t i = 0; i < ts.n; i++) {
		if (ts.v[i].kind == CT_TARGET_NAME)
			names = 1;
		if (ts.v[i].kind == CT_TARGET_V4 && ts.v[i].lo > ts.v[i].hi)
			abort();
		if (ts.v[i].kind == CT_TARGET_V6 && ts.v[i].plen6 > 128)
			abort();
	}
	if (!names && ct_targets_expand(&ts, 2425, &v, &n, &unres, err, sizeof err) == 0) {
		if (n > FUZZ_MAX_ADDRS || unres != 0)
			abort();
		for (size_t i = 0; i < n; i++)
			if (v[i].port != 2425 || (v[i].family != AF_INET && v[i].family != AF_INET6) ||
			    !ct_targets_match(&ts, &v[i]))
				abort();
	}
	free(v);
	ct_targets_fini(&ts);
}

static void fuzz_values(const char *s)
{
	struct ct_port_range pr;
	struct ct_cidr c, c2;
	struct ct_sbuf b;
	uint64_t ms, ms2;
	char buf[80];

	if (ct_conf_parse_ports(s, &pr) == 0 && (pr.lo < 1 || pr.lo > pr.hi))
		abort();
	if (ct_cidr_parse(s, &c) == 0) {
		/* the printed form parses back to the same network */
		ct_cidr_format(&c, buf, sizeof buf);
		if (ct_cidr_parse(buf, &c2) != 0 || c2.family != c.family || c2.prefix != c.prefix ||
		    memcmp(c2.addr, c.addr, c.family == AF_INET ? 4 : 16) != 0)
			abort();
	}
	if (ct_conf_parse_duration(s, &ms) == 0) {
		ct_sbuf_init(&b);
		ct_conf_format_duration(ms, &b);
		if (!b.p || ct_conf_parse_duration(b.p, &ms2) != 0 || ms2 != ms)
			abort();
		ct_sbuf_fini(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 4096)
		return 0;
	ct_log_set_level(CT_LOG_ERR);
	if (!(s = malloc(size + 1)))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_targets(s);
	fuzz_values(s);
	free(s);
	return 0;
}
