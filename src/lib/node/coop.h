/* coop.h: the cooperative reachability check: its wire format (an RTCP APP packet "CTCP") and the check engine camtraced runs from its UDP 2425 socket.
 *
 * Why: `camtrace doctor` on one PC can probe the server and the users from there, but not the
 * path between a user and the server. A user's camtraced with `rtp_echo = yes` and `coop = yes`
 * runs that check on request: it sends GETINFO from its own node socket (UDP 2425) to the
 * server, waits for SENDINFO, optionally connects to TCP 2425, and answers the requester.
 * The server's camtraced runs the same check toward a user through its control method
 * `probe` (the server -> user direction).
 *
 * Wire (RFC 3550 §6.7 APP, PT 204, name "CTCP"; all integers network order), always
 * CT_COOP_LEN bytes, request and answer alike (the answer is never larger than the request):
 *
 *    0  V=2 P=0 subtype (0 request, 1 answer)   1  PT=204   2-3 length in words - 1 (15)
 *    4  SSRC (requester's id, echoed)            8  "CTCP"
 *   12  version (1)   13 checks (bit0 UDP GETINFO, bit1 TCP connect)   14-15 wait_ms
 *   16  nonce (8 bytes, echoed)                 24 target IPv4       28-29 target port
 *   30  status (answer)   31 UDP outcome   32-35 UDP RTT (us)   36 ICMP type   37 ICMP code
 *   38  TCP outcome   39 reserved (0)   40-43 ICMP sender   44-47 TCP RTT (us)
 *   48  responder's source address toward the target   52-63 program from SENDINFO (NUL padded)
 *   64-67 heard: milliseconds since the responder's node last received a packet from the target's
 *         port 2425 when the request came (0xffffffff: not in its memory); with a probe from the
 *         target just before, it tells which leg of a failed round trip loses the packets
 *
 * A responder answers a request of another version with status CT_COOP_ST_VERSION and its own
 * version; anything that is not a well-formed CTCP packet is counted and dropped. */
#ifndef CT_COOP_H
#define CT_COOP_H

#include <stddef.h>
#include <stdint.h>

struct ct_node;
struct ct_targets;

#define CT_COOP_VERSION 1
#define CT_COOP_LEN 68
#define CT_COOP_PT 204
#define CT_COOP_NAME "CTCP"
#define CT_COOP_CHECK_UDP 0x1
#define CT_COOP_CHECK_TCP 0x2
#define CT_COOP_WAIT_MIN 100
#define CT_COOP_WAIT_MAX 5000
#define CT_COOP_CTL_PROBE "probe" /* camtraced control method: {addr, tcp, wait_ms} -> struct ct_coop_result as JSON */

enum ct_coop_status {
	CT_COOP_ST_OK = 0,        /* the checks ran */
	CT_COOP_ST_NOT_ALLOWED,   /* the target is not one the responder talks to (server / coop_allow) */
	CT_COOP_ST_LIMITED,       /* rate limit for this requester */
	CT_COOP_ST_BUSY,          /* too many checks running */
	CT_COOP_ST_VERSION,       /* the request's version is not ours (ours is in the answer) */
	CT_COOP_ST_ERROR,         /* the responder could not run the check (no node socket...) */
	CT_COOP_ST_N
};
enum ct_coop_udp { CT_COOP_UDP_NOT_RUN = 0, CT_COOP_UDP_ANSWERED, CT_COOP_UDP_NO_ANSWER, CT_COOP_UDP_ICMP, CT_COOP_UDP_N };
enum ct_coop_tcp { CT_COOP_TCP_NOT_RUN = 0, CT_COOP_TCP_OPEN, CT_COOP_TCP_CLOSED, CT_COOP_TCP_NO_ANSWER,
	CT_COOP_TCP_UNREACHABLE, CT_COOP_TCP_N };

/* What one check found. */
struct ct_coop_result {
	uint8_t status;           /* enum ct_coop_status */
	uint8_t udp;              /* enum ct_coop_udp */
	uint32_t udp_rtt_us;
	uint8_t icmp_type, icmp_code;
	uint32_t icmp_from;       /* network order */
	uint8_t tcp;              /* enum ct_coop_tcp */
	uint32_t tcp_rtt_us;
	uint32_t src;             /* network order: the responder's address toward the target, 0 unknown */
	char program[13];         /* SENDINFO body, cut to 12 bytes */
	uint32_t heard_ms;        /* since the responder last heard the target (CT_COOP_HEARD_NEVER) */
};
#define CT_COOP_HEARD_NEVER 0xffffffffu

/* One packet. */
struct ct_coop_msg {
	int answer;               /* subtype 1 */
	uint32_t ssrc;
	uint8_t version;
	uint8_t checks;
	uint16_t wait_ms;
	uint8_t nonce[8];
	uint32_t target;          /* network order */
	uint16_t port;            /* host order */
	struct ct_coop_result res;/* answers */
};

/* True when buf looks like a CTCP APP packet (V=2, PT 204, name), well-formed or not: the RTP
 * echo hands those to the responder. */
int ct_coop_is_app(const void *buf, size_t len);
/* Writes m as CT_COOP_LEN bytes; returns CT_COOP_LEN, or 0 when out is too small. */
size_t ct_coop_encode(const struct ct_coop_msg *m, uint8_t *out, size_t outlen);
/* Parses one packet: 0, or CT_EFORMAT (not CTCP, bad length field, reserved bits, padding)
 * / CT_ETRUNC (shorter than CT_COOP_LEN). Fields of another version are not interpreted
 * (m->version says which; the rest is zero except ssrc and nonce). */
int ct_coop_decode(const void *buf, size_t len, struct ct_coop_msg *m);

const char *ct_coop_status_key(unsigned s); /* "ok" "not_allowed" "rate_limited" "busy" "version" "error" */
const char *ct_coop_udp_key(unsigned u);    /* "not_run" "answered" "no_answer" "icmp" */
const char *ct_coop_tcp_key(unsigned t);    /* "not_run" "open" "closed" "no_answer" "unreachable" */
/* One line in words: "GETINFO answered by SENDINFO (camtraced 0.1) in 0.42 ms; TCP 2425 open (0.3 ms)". */
void ct_coop_result_text(const struct ct_coop_result *r, unsigned checks, char *buf, size_t len);

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

#endif
