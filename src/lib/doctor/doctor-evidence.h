/* doctor-evidence.h: the evidence of `camtrace doctor`: step lines and results, outcomes in words, the user <-> server judgement. */
#ifndef CT_DOCTOR_EVIDENCE_H
#define CT_DOCTOR_EVIDENCE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "doctor-types.h"

const char *ct_doc_status_key(enum ct_doc_status s); /* "ok" "problem" "skipped" "could_not_check" */
const char *ct_doc_class_key(enum ct_doc_class c);
/* "not_probed" "open" "closed" "silent" "rejected" "forged_rst" */
const char *ct_doc_tcp_key(enum ct_doc_tcp t);

/* A formatted string on the heap (NULL when out of memory); ct_doc_setf replaces *dst with it. */
char *ct_doc_vstr(const char *fmt, va_list ap);
void ct_doc_setf(char **dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees the strings of the steps, pairs and verdict (the struct itself stays the caller's). */
void ct_doctor_fini(struct ct_doctor *d);
/* A runnable camtrace command the verdict suggests (up to 4). */
void ct_doc_suggest(struct ct_doc_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One evidence line of a step (dropped past CT_DOC_MAX_EV), and its result. */
void ct_doc_ev(struct ct_doc_step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ct_doc_result(struct ct_doc_step *s, enum ct_doc_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An IPv4 address (network order) in buf[16]; returns buf. */
const char *ct_doc_ip_s(uint32_t a, char *buf);
/* "198.18.2.*" for an address (the seed's 4th-octet wildcard of its /24). */
void ct_doc_net_wildcard(uint32_t addr, char *buf, size_t len);
/* Describes an ICMP error, and a probe's UDP / TCP outcome, in words (for evidence lines). */
void ct_doc_icmp_text(const struct ct_reply *r, char *buf, size_t len);
void ct_doc_udp_text(const struct ct_doc_probe *p, char *buf, size_t len);
void ct_doc_tcp_text(const struct ct_doc_probe *p, char *buf, size_t len);
/* Hops to the sender of a packet that arrived with this TTL (initial 64/128/255 assumed); 0 unknown. */
int ct_doc_ttl_hops(int ttl);
/* Judges a TCP probe against its target (see enum ct_doc_tcp); blocked: silent, rejected or forged. */
enum ct_doc_tcp ct_doc_tcp_judge(const struct ct_doc_probe *p);
int ct_doc_tcp_blocked(const struct ct_doc_probe *p);
/* The PC refuses TCP 2425 itself (its RST or port unreachable) while its messenger answers on UDP
 * 2425: every IP Messenger client accepts file transfers on TCP 2425, so its firewall rejects them. */
int ct_doc_tcp_refused_by_pc(const struct ct_doc_probe *p);
/* TCP 2425 to the user is silent while another user of its network accepts it: only this PC. */
int ct_doc_tcp_only_pc(const struct ct_doc_user *u);
/* Adds a failing host to the verdict (as many as it holds). */
void ct_doc_add_host(struct ct_doc_verdict *v, const char *a);
/* True when a user <-> server check ran and failed on UDP 2425 (tcp 0) or TCP 2425 (tcp 1:
 * no answer or unreachable; "closed" means the host was reached). */
int ct_doc_pair_fails(const struct ct_doc_pair *p, int tcp);
/* Which leg of user <-> server fails (up: user -> server, down: server -> user) from both
 * checks; for UDP, when neither round trip was answered, `heard` tells the legs apart. */
void ct_doc_pair_dirs(const struct ct_doc_user *u, int tcp, int *up, int *down);
/* A step's command line: cmd, then each user's address (or the name given); returns the length
 * snprintf would have written (>= len when cut). */
size_t ct_doc_users_command(const struct ct_doctor *d, const char *cmd, char *buf, size_t len);

#endif
