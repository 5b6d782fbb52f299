/* probe-common.h: front-end helpers shared by reach, probe, rtp and route: targets, privileges, rendering of replies. */
#ifndef CT_PROBE_COMMON_H
#define CT_PROBE_COMMON_H

#include <stdint.h>
#include <arpa/inet.h>
#include "cmd.h"
#include "json.h"
#include "probe.h"

struct pc_target {
	const char *name;    /* as given */
	int family;          /* AF_INET or AF_INET6 */
	int resolved;        /* the address is known */
	int routed;          /* the local address is known */
	uint32_t addr;       /* IPv4, network order */
	struct in6_addr addr6;
	char addr_s[INET6_ADDRSTRLEN];
	uint32_t src;        /* local address the kernel uses for it */
	struct in6_addr src6;
	char src_s[INET6_ADDRSTRLEN];
	int src_given;       /* src is --source (sockets bind to it), not the route lookup's */
	char ifname[32];
	char err[200];
};

/* Resolves names (family 0: literals decide, names IPv4 first; AF_INET / AF_INET6 from -4 / -6)
 * and looks up the local address and interface for each (source, from --source, an address
 * literal, replaces the looked-up address of its family). Returns the number not resolved. */
int pc_targets(struct pc_target *t, int n, char **names, const char *source, int family);
/* CT_PROBER_V6 when a target is IPv6, else 0. */
unsigned pc_families(const struct pc_target *t, int n);
/* pc_targets() into a new array (free it); NULL when out of memory. */
struct pc_target *pc_hosts(char **names, int n, const char *source, int family);
/* Sets the probe set's family, addresses (target and local) from t. */
void pc_set_target(struct ct_probe_set *s, const struct pc_target *t);
/* A zeroed set of method ops toward t with probes[0..n) (zeroed too), raw when the prober can. */
void pc_set_init(struct ct_probe_set *s, const struct ct_probe_ops *ops, struct ct_prober *pr,
	const struct pc_target *t, struct ct_probe *probes, size_t n);
/* Opens the prober (raw sockets unless unpriv; CT_PROBER_* flags), then drops every
 * privilege. Returns NULL on a fatal error (message printed / recorded). */
struct ct_prober *pc_prober(const struct ct_cli *cli, const char *cmd, int unpriv, unsigned flags,
	struct ct_json *doc);
/* Adds "privileged": bool and "notes": [...] to doc; in text mode prints the notes on stderr. */
void pc_notes(const struct ct_cli *cli, const struct ct_prober *pr, struct ct_json *doc);
/* Writes the ICMP reply of a probe as {type, code, name, key, tag, from} under key. */
void pc_json_icmp(struct ct_json *o, const char *key, const struct ct_reply *r);
/* Writes who answered probe p under key (null when nobody did): role (ct_origin_key: target,
 * path, unverified), address (null for a RST sent in the target's name from the path), hop
 * (1 = the first router, from the TTL), ttl, target_hop (a RST: the target's own hop). */
void pc_json_responder(struct ct_json *o, const char *key, const struct ct_probe *p);
/* Why a host unreachable (ct_reply_host_down) means the host is down or its address unused:
 * per the router that sent it, or this host's own ARP failure. */
void pc_host_down_text(const struct ct_reply *r, uint64_t after_ns, const struct pc_target *t, char *buf, size_t len);
/* "ICMP destination unreachable: communication administratively prohibited (3/13 !X) from 198.18.2.1" */
void pc_icmp_text(const struct ct_reply *r, char *buf, size_t len);
const char *pc_ip(uint32_t a, char *buf); /* buf >= 16 */
/* The address of either family as text (buf >= INET6_ADDRSTRLEN). */
const char *pc_addr(int family, uint32_t v4, const struct in6_addr *v6, char *buf);
/* Who sent a reply, NULL when unknown (buf >= INET6_ADDRSTRLEN). */
const char *pc_from(const struct ct_reply *r, char *buf);
double pc_ms(uint64_t ns);
/* The -4 / -6 rows of an option table: AF_INET / AF_INET6 into the int at off, one help line. */
#define PC_FAMILY_OPTS(off, text) \
	{ NULL, '4', CMD_OPT_SET, (off), .val = AF_INET, .help = (text) }, \
	{ NULL, '6', CMD_OPT_SET, (off), .val = AF_INET6, .help = NULL }

#endif
