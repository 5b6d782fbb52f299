/* targets.h: target address specs (a.b.c.*, CIDR, ranges, DNS names) parsed, matched and expanded. */
#ifndef CT_TARGETS_H
#define CT_TARGETS_H

#include <stddef.h>
#include <stdint.h>
#include "hosts.h"

#define CT_TARGETS_DEFAULT_MAX 65536 /* addresses one expansion may produce */

enum ct_target_kind {
	CT_TARGET_V4,   /* an inclusive IPv4 range lo..hi (single address, wildcard, CIDR, range) */
	CT_TARGET_V6,   /* an IPv6 prefix (single address = /128) */
	CT_TARGET_NAME, /* a DNS name, resolved at every expansion */
};

struct ct_target {
	enum ct_target_kind kind;
	uint32_t lo, hi;     /* V4, host order */
	uint8_t ip6[16];     /* V6 */
	unsigned plen6;      /* V6 prefix length */
	char *name;          /* NAME */
	char *text;          /* the spec as written */
};

struct ct_targets {
	struct ct_target *v;
	size_t n, cap;
	size_t max;          /* bound on the addresses one expansion may produce */
};

/* Spec grammar (one item; a list may be separated by spaces or commas):
 *   192.168.1.*            4th-octet wildcard: .1 to .254 (the seed's rule)
 *   192.168.1.0/24         CIDR (network and broadcast addresses left out below /31)
 *   192.168.1.10-192.168.1.50, 192.168.1.10-50   ranges
 *   192.168.1.10, 2001:db8::1, 2001:db8::/120    single addresses, IPv6 prefixes
 *   host.example.org       DNS name (IPv4 and IPv6 answers), resolved at each expansion */
void ct_targets_init(struct ct_targets *ts, size_t max);
void ct_targets_fini(struct ct_targets *ts);
/* Parses one item or a list and appends; on error writes a message naming the item and the
 * fix into err and returns CT_EFORMAT (bad syntax) or CT_ETOOBIG (more than max addresses). */
int ct_targets_add(struct ct_targets *ts, const char *spec, char *err, size_t errlen);
/* Addresses the literal items cover (names count 1 each). */
uint64_t ct_targets_size(const struct ct_targets *ts);
/* Resolves names and expands everything into a deduplicated array of addresses (in the order
 * first seen) with the given port; *out is malloc'd (caller frees). Names that do not resolve are
 * logged and skipped (counted in *unresolved if non-NULL). CT_ETOOBIG beyond max. */
int ct_targets_expand(const struct ct_targets *ts, uint16_t port, struct ct_haddr **out,
	size_t *n, size_t *unresolved, char *err, size_t errlen);
/* True when the address (port ignored) is covered by a literal item (names are not resolved). */
int ct_targets_match(const struct ct_targets *ts, const struct ct_haddr *a);
/* Adds a literal network (IPv4 host-order address and prefix length); used for own networks. */
int ct_targets_add_v4net(struct ct_targets *ts, uint32_t addr, unsigned plen);

#endif
