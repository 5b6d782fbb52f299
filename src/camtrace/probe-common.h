/* probe-common.h: front-end helpers shared by reach, probe, rtp and route: targets, privileges, rendering of replies. */
#ifndef CT_PROBE_COMMON_H
#define CT_PROBE_COMMON_H

#include <stdint.h>
#include "cmd.h"
#include "json.h"
#include "probe.h"

struct pc_target {
	const char *name;    /* as given */
	uint32_t addr;       /* IPv4, network order; 0 = could not resolve */
	char addr_s[16];
	uint32_t src;        /* local address the kernel uses for it */
	char src_s[16];
	char ifname[32];
	char err[200];
};

/* Resolves names and looks up the local address and interface for each (source, from
 * --source, replaces the looked-up address). Returns the number that could not be resolved. */
int pc_targets(struct pc_target *t, int n, char **names, const char *source);
/* Checks --source (an IPv4 literal); prints the problem and returns -1 when bad. */
int pc_check_source(const struct ct_cli *cli, const char *cmd);
/* Opens the prober (raw sockets unless unpriv; CT_PROBER_* flags), then drops every
 * privilege. Returns NULL on a fatal error (message printed / recorded). */
struct ct_prober *pc_prober(const struct ct_cli *cli, const char *cmd, int unpriv, unsigned flags,
	struct ct_json *doc);
/* Adds "privileged": bool and "notes": [...] to doc; in text mode prints the notes on stderr. */
void pc_notes(const struct ct_cli *cli, const struct ct_prober *pr, struct ct_json *doc);
/* Writes the ICMP reply of a probe as {type, code, name, key, tag, from} under key. */
void pc_json_icmp(struct ct_json *o, const char *key, const struct ct_reply *r);
/* "ICMP destination unreachable: communication administratively prohibited (3/13 !X) from 198.18.2.1" */
void pc_icmp_text(const struct ct_reply *r, char *buf, size_t len);
const char *pc_ip(uint32_t a, char *buf); /* buf >= 16 */
double pc_ms(uint64_t ns);
/* Parses a decimal port / count option value; prints the error and returns -1 when bad. */
long pc_num(const char *cmd, const char *opt, const char *v, long min, long max);
/* Parses "A-B" or "A" into a port range. */
int pc_range(const char *cmd, const char *opt, const char *v, unsigned *lo, unsigned *hi);

#endif
