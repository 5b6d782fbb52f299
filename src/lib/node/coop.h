/* coop.h: the cooperative reachability check engine camtraced runs from its UDP 2425 socket (wire format in coop-wire.h).
 *
 * Why: `camtrace doctor` on one PC can probe the server and the users from there, but not the
 * path between a user and the server. A user's camtraced with `rtp_echo = yes` and `coop = yes`
 * runs that check on request: it sends GETINFO from its own node socket (UDP 2425) to the
 * server, waits for SENDINFO, optionally connects to TCP 2425, and answers the requester.
 * The server's camtraced runs the same check toward a user through its control method
 * `probe` (the server -> user direction). */
#ifndef CT_COOP_H
#define CT_COOP_H

#include <stddef.h>
#include <stdint.h>
#include "coop-wire.h"

struct ct_node;
struct ct_targets;

/* ---- the check engine (runs on the node's event loop) ---- */

struct ct_coop;
struct ct_coop_stats {
	uint64_t requests;        /* well-formed requests received */
	uint64_t malformed;       /* CTCP-looking datagrams that did not parse */
	uint64_t refused;         /* target not allowed */
	uint64_t limited;         /* rate limit */
	uint64_t busy;
	uint64_t answered;        /* answers sent */
	uint64_t checks;          /* checks run (requests and control `probe`) */
};
/* A check flag besides CT_COOP_CHECK_UDP/TCP: no BR_ENTRY|DIALUPOPT fallback after an
 * unanswered GETINFO. Set for the checks asked over the wire (user -> its list server): a
 * list server answers GETINFO, and the entry, from this node's port 2425 under its names, would
 * have the server list this node (a BR_EXIT cannot withdraw it while the node answers). */
#define CT_COOP_CHECK_NOENTRY 0x100

typedef void (*ct_coop_done_fn)(const struct ct_coop_result *r, void *ud);

/* The engine on node (used, not owned). Up to 16 checks at a time. */
int ct_coop_new(struct ct_coop **out, struct ct_node *node);
/* Cancels running checks (their callbacks are not called). NULL is fine. */
void ct_coop_free(struct ct_coop *c);
/* Starts a check toward target (network order) port 2425: GETINFO from the node socket
 * (resent once at a third of the wait; SENDINFO back to it is the answer) and once from a
 * connected socket of its own whose ICMP errors (type, code, sender) are the rejection (the
 * node's socket takes none), and with CT_COOP_CHECK_TCP a TCP connect. done is
 * called once, from the event loop, after wait_ms at the latest (never from inside this call).
 * CT_EAGAIN when 16 checks run, CT_EINVAL for a target that is not IPv4 unicast. */
int ct_coop_check(struct ct_coop *c, uint32_t target, unsigned checks, unsigned wait_ms, ct_coop_done_fn done,
	void *ud);

/* Responder: enabled with the targets it may check (copied; the node's `server` and
 * `coop_allow`; names resolved now) and the per-requester rate (requests per second, burst 3).
 * ts NULL disables it. Returns 0 or CT_E* (err says why). */
int ct_coop_serve_config(struct ct_coop *c, const struct ct_targets *ts, double rate, char *err, size_t errlen);
/* Hands one datagram that ct_coop_is_app() accepted, received on fd from `from` (a struct
 * sockaddr_in), to the responder; the answer goes back on fd. Returns 1 when consumed. */
int ct_coop_serve(struct ct_coop *c, int fd, const void *buf, size_t len, const void *from);
void ct_coop_stats(const struct ct_coop *c, struct ct_coop_stats *st);

/* ---- the requester (blocking; camtrace doctor) ---- */

/* Asks the camtraced at peer:port (network order address) to check target with checks,
 * waiting wait_ms for its check plus a margin, two tries. 0 and *ans on an answer;
 * CT_ETIMEDOUT when nothing came back; CT_ECLOSED when the peer's port is closed (ICMP port
 * unreachable: no RTP echo there); CT_ESYS. err says what happened in words. */
int ct_coop_ask(uint32_t peer, uint16_t port, uint32_t target, unsigned checks, unsigned wait_ms,
	struct ct_coop_msg *ans, char *err, size_t errlen);

/* The same for several peers at once (their checks run together: about the time of one).
 * Each job's rc (as ct_coop_ask returns), ans and err say how it went; returns 0 or CT_ENOMEM. */
struct ct_coop_ask_job {
	uint32_t peer;            /* network order */
	uint16_t port;
	uint32_t target;          /* network order */
	unsigned checks, wait_ms;
	struct ct_coop_msg ans;   /* out */
	int rc;                   /* out */
	char err[240];            /* out */
};
int ct_coop_ask_many(struct ct_coop_ask_job *jobs, size_t n);

#endif
