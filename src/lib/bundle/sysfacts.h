/* sysfacts.h: collects system facts (versions, addresses, routes, firewall, sysctls, caps,
 * container) into named text/JSON blobs, each either present or missing with a reason. */
#ifndef CT_SYSFACTS_H
#define CT_SYSFACTS_H

#include <stddef.h>

struct ct_json;
struct ct_sbuf;

/* One named part of a report: data when collected, else a reason why not. */
struct ct_fact {
	char *name;   /* member path, e.g. "system/ip-addr.json" */
	char *desc;   /* one line saying what it holds */
	char *data;   /* malloc'd bytes (NUL-terminated for convenience), NULL when missing */
	size_t len;
	char *file;   /* alternatively: a file to copy (data NULL, reason NULL) */
	char *reason; /* why it is missing (NULL when present) */
};

struct ct_factset {
	struct ct_fact *v;
	size_t n, cap;
	int err; /* sticky CT_ENOMEM */
};

void ct_factset_init(struct ct_factset *s);
void ct_factset_fini(struct ct_factset *s);
/* Adds a present part (copies n bytes of data). */
int ct_factset_add(struct ct_factset *s, const char *name, const char *desc, const void *data,
	size_t n);
/* Adds a present part taking ownership of data (malloc'd, n bytes, NUL at data[n]). */
int ct_factset_take(struct ct_factset *s, const char *name, const char *desc, char *data, size_t n);
/* Adds a part whose content is the file at path (copied when the archive is written). */
int ct_factset_add_file(struct ct_factset *s, const char *name, const char *desc,
	const char *path, size_t size);
/* Adds a missing part with the reason. */
int ct_factset_missing(struct ct_factset *s, const char *name, const char *desc,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const struct ct_fact *ct_factset_find(const struct ct_factset *s, const char *name);

struct ct_sysfacts_opts {
	int timeout_ms;  /* per external command; 0 = 5000 */
	size_t max_out;  /* per command output; 0 = 4 MiB */
};

/* Collects every system fact into s (names under "system/", plus "versions.txt").
 * Never fails for a missing tool or privilege: those parts are added as missing with the
 * reason. Returns 0, or CT_ENOMEM. */
int ct_sysfacts_collect(struct ct_factset *s, const struct ct_sysfacts_opts *opts);

/* The relevant sysctls (read from /proc/sys) as a JSON object {name: value-or-null}, and as
 * "name = value" lines appended to text (may be NULL); exposed for tests and the doctor. */
struct ct_json *ct_sysfacts_sysctls(struct ct_sbuf *text);
/* Name, ids and capabilities of process pid (0 = this one) from /proc/PID/status:
 * {name, pid, uid, euid, gid, egid, cap_eff, ..., effective: {cap_net_raw, ...},
 * icmp_ping_socket_allowed}; {error} when it cannot be read. */
struct ct_json *ct_sysfacts_caps(long pid);
/* Container / virtualisation hints ({in_container, hints: [...], virt}). */
struct ct_json *ct_sysfacts_container(int timeout_ms);

/* Decodes a /proc status capability mask (hex) and reports whether bit cap is set. */
int ct_sysfacts_cap_has(const char *hexmask, int cap);

#endif
