/* doctor-probe.h: the probes the steps of `camtrace doctor` share (UDP and TCP 2425 of one host), on the probe engine. */
#ifndef CT_DOCTOR_PROBE_H
#define CT_DOCTOR_PROBE_H

#include <stdint.h>
#include "doctor-types.h"

struct ct_evloop;

/* The wait for one probe (--timeout scaled; 1 s by default). */
uint64_t ct_doc_wait_ns(const struct ct_doctor *d);
/* A host to probe: its address (network order) and user name from the server's list (or NULL). */
void ct_doc_probe_init(struct ct_doc_probe *p, uint32_t addr, const char *name);
/* The list server's probe on UDP 2425: GETINFO only (a BR_ENTRY would list this run there), two
 * tries. The users' probe is ct_doc_probe_udp_many (GETINFO, then BR_ENTRY|DIALUPOPT); TCP: two
 * SYNs to 2425. */
void ct_doc_probe_udp(struct ct_doctor *d, struct ct_doc_probe *p);
void ct_doc_probe_tcp(struct ct_doctor *d, struct ct_doc_probe *p);
/* The same for n hosts at once (one send/receive loop: about the time of one). */
void ct_doc_probe_udp_many(struct ct_doctor *d, struct ct_doc_probe *const *ps, int n);
void ct_doc_probe_tcp_many(struct ct_doctor *d, struct ct_doc_probe *const *ps, int n);
/* Withdrawing what the UDP probe announced: the BR_EXIT is built first (prepare, before any
 * probe); send writes it to every noted host from fd (async-signal-safe: for a signal handler);
 * withdraw sends it twice from the node's UDP 2425 (else an ordinary socket) and forgets the
 * hosts. Returns how many hosts. */
void ct_doc_withdraw_prepare(struct ct_doctor *d);
void ct_doc_withdraw_send(const struct ct_doctor *d, int fd);
int ct_doc_withdraw(struct ct_doctor *d);
/* A timer callback that stops the event loop (a step waits on the loop for an answer). */
void ct_doc_loop_timeout(struct ct_evloop *ev, uint64_t id, void *ud);

#endif
