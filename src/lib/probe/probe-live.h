/* probe-live.h: probes on the caller's event loop, mtr-style: per target and interval one IPMsg UDP 2425 probe, one TCP 2425 connect, one ICMP echo. */
#ifndef CT_PROBE_LIVE_H
#define CT_PROBE_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include "evloop.h"
#include "probe.h"

/*
 * A front end creates a struct ct_live (which opens the raw / ICMP sockets: call it before
 * dropping privileges), attaches it to its own struct ct_evloop and adds IPv4 targets. Every
 * interval each target gets one probe of each kind; many are outstanding at once and nothing
 * blocks: every socket is drained (receive first) before the next round is sent. A probe left
 * unanswered when its wait ends (CT_LIVE_MIN_WAIT_MS) counts as lost; until then it is in flight
 * (sent but not done).
 * Verdicts come from the probe engine's own classification (ct_probe_udp_state,
 * ct_probe_tcp_state, ct_reply_origin, the IPMsg answering modes of probe-ipmsg.c).
 */

struct ct_live;

#define CT_LIVE_DEFAULT_INTERVAL_MS 1000
#define CT_LIVE_MIN_INTERVAL_MS 100
#define CT_LIVE_MAX_INTERVAL_MS 3600000
/* A probe's wait is max(interval, this), at most 7 intervals: a router's ICMP host unreachable
 * comes ~3 s after the first packet to a silent address, once ARP gave up (CT_PROBE_ARP_NS). */
#define CT_LIVE_MIN_WAIT_MS 3500
#define CT_LIVE_MAX_TARGETS 1024

/* The probe kinds (index into struct ct_live_target.k). */
enum ct_live_kind { CT_LIVE_UDP = 0, CT_LIVE_TCP, CT_LIVE_ICMP, CT_LIVE_NKINDS };
const char *ct_live_kind_key(int kind); /* "udp" "tcp" "icmp" */

/* How a kind is probed on this host (fixed at ct_live_new). */
enum ct_live_avail {
	CT_LIVE_AVAIL_RAW = 0,   /* "raw": raw sockets (CAP_NET_RAW): TTLs, router RSTs, replies to port 2425 */
	CT_LIVE_AVAIL_SOCKET,    /* "socket": unprivileged sockets (UDP socket, connect(), ping socket) */
	CT_LIVE_AVAIL_NOPRIV     /* "no_privilege": not possible (ICMP without CAP_NET_RAW and no ping socket) */
};
const char *ct_live_avail_key(int avail);

/* The TCP 2425 state of the last finished round. */
enum ct_live_tcp {
	CT_LIVE_TCP_NONE = 0,    /* "none": no round finished yet (or not probed) */
	CT_LIVE_TCP_OPEN,        /* "open": SYN-ACK (or connect() succeeded) */
	CT_LIVE_TCP_REFUSED,     /* "refused": RST from the target itself (its TTL; or unverified, see tcp_origin) */
	CT_LIVE_TCP_RESET,       /* "reset": a RST in the target's name from nearer than the target (a router) */
	CT_LIVE_TCP_FILTERED     /* "filtered": silence, or an ICMP error (see icmp_err) */
};
const char *ct_live_tcp_key(int st);

/* Running figures of one kind for one target. RTTs are of answers from the target itself (UDP: the
 * IPMsg answer; TCP: SYN-ACK or the target's RST; ICMP: echo reply); ICMP errors and path RSTs are
 * replies, not answers. loss_pct = 100 * (done - answered) / done (0 when done is 0). */
struct ct_live_stats {
	int avail;               /* enum ct_live_avail */
	uint32_t sent;           /* probes sent */
	uint32_t done;           /* probes finished: answered, refused by the path, or their wait over */
	uint32_t answered;       /* answered by the target itself */
	uint32_t errors;         /* got an ICMP error or a RST from the path instead */
	uint32_t send_failed;    /* could not be sent (send error; counted in neither sent nor done) */
	double loss_pct;
	uint64_t last_ns, best_ns, worst_ns, avg_ns; /* RTT of answers; 0 before the first answer */
	uint64_t jitter_ns;      /* mean |RTT(n) - RTT(n-1)| over consecutive answers (mtr's Javg) */
	int last_answered;       /* the last finished probe was answered */
	/* internal sums */
	uint64_t sum_ns, jsum_ns;
	uint32_t njit;
};

/* The last ICMP error any probe of the target got. */
struct ct_live_icmp_err {
	int kind;                /* the probe kind it answered (enum ct_live_kind), -1 none yet */
	uint32_t from;           /* who sent it, network order (a router, or the target) */
	int from_target;         /* 1 when the target itself sent it */
	uint8_t type, code;
	uint64_t at_ms;          /* ct_evloop_now_ms() when it came */
	char key[40];            /* ct_icmp_key(): "port_unreachable", "admin_prohibited", ... ("" none) */
};

#define CT_LIVE_TEXT 96

struct ct_live_target {
	uint32_t addr;           /* IPv4, network order */
	int pinned;
	unsigned rounds;         /* rounds started */
	struct ct_live_stats k[CT_LIVE_NKINDS];
	/* UDP 2425 */
	int udp_state;           /* enum ct_port_state of the last finished probe (ct_probe_udp_state) */
	int udp_entry;           /* 1: the target ignores GETINFO and answers BR_ENTRY|DIALUPOPT (iptux):
				    it is probed with BR_ENTRY (a BR_EXIT withdraws it when the target goes) */
	char program[CT_LIVE_TEXT]; /* from the last answer (ct_app_name_program): "iptux 0.8.3" */
	/* TCP 2425 */
	int tcp_state;           /* enum ct_live_tcp */
	int tcp_origin;          /* enum ct_origin of the last TCP reply (0 none): "target" "path" "unverified" */
	uint32_t tcp_from;       /* sender of the last TCP reply or ICMP error, network order, 0 none */
	int target_ttl;          /* TTL of the target's own answers (router-RST check), 0 unknown */
	struct ct_live_icmp_err icmp_err;
	uint64_t changed_ms;     /* ct_evloop_now_ms() of the last change of the figures */
	void *ud;                /* the caller's */
};

/* Called after a target's figures changed (a probe finished, reset). t stays valid until the
 * target is removed; do not add or remove targets from inside the callback. */
typedef void (*ct_live_cb)(struct ct_live *lv, const struct ct_live_target *t, void *ud);

#define CT_LIVE_NO_RAW 0x1       /* use the unprivileged sockets even when raw sockets are allowed */
#define CT_LIVE_NO_PING 0x2      /* no unprivileged ping socket (ICMP "no_privilege" without raw) */
#define CT_LIVE_NO_ENTRY 0x4     /* GETINFO only: never BR_ENTRY (iptux then looks silent) */

struct ct_live_opts {
	unsigned flags;          /* CT_LIVE_* */
	uint64_t interval_ms;    /* 0 = CT_LIVE_DEFAULT_INTERVAL_MS */
	uint32_t src;            /* IPv4 source, 0 = from the route lookup */
	uint16_t port;           /* the UDP and TCP port probed, 0 = 2425 (tests use others) */
};

/* Opens the sockets (raw ones when allowed: before dropping privileges). Never fails for lack of
 * privileges: the kinds report it (avail) and the notes say how to allow it. */
int ct_live_new(struct ct_live **out, const struct ct_live_opts *o, char *err, size_t errlen);
/* Sends a BR_EXIT to targets probed with BR_ENTRY, closes everything (detaches first). */
void ct_live_free(struct ct_live *lv);
/* Starts the rounds on ev (the caller runs it); one loop at a time. */
int ct_live_attach(struct ct_live *lv, struct ct_evloop *ev);
/* Stops the rounds and leaves ev (outstanding probes are dropped, not counted). */
void ct_live_detach(struct ct_live *lv);

void ct_live_set_callback(struct ct_live *lv, ct_live_cb cb, void *ud);
/* What the prober could not open and how to allow it. */
unsigned ct_live_nnotes(const struct ct_live *lv);
const char *ct_live_note(const struct ct_live *lv, unsigned i);
int ct_live_avail(const struct ct_live *lv, int kind);

/* Adds a target (its first round goes at once when attached); CT_EEXIST when present (pinned is
 * then updated if set), CT_ETOOBIG beyond CT_LIVE_MAX_TARGETS. */
int ct_live_add(struct ct_live *lv, uint32_t addr, int pinned);
/* Removes a target (CT_ENOTFOUND when absent); a BR_EXIT withdraws a BR_ENTRY it got. */
int ct_live_remove(struct ct_live *lv, uint32_t addr);
int ct_live_pin(struct ct_live *lv, uint32_t addr, int pinned);
/* Removes every target that is not pinned (the monitor's selection changed). */
void ct_live_remove_unpinned(struct ct_live *lv);
size_t ct_live_count(const struct ct_live *lv);
/* The i-th target (in order of addition) or NULL; the target of addr or NULL. */
const struct ct_live_target *ct_live_at(const struct ct_live *lv, size_t i);
const struct ct_live_target *ct_live_get(const struct ct_live *lv, uint32_t addr);
void ct_live_set_ud(struct ct_live *lv, uint32_t addr, void *ud);

/* The interval between rounds (runtime changeable: the next round of each target follows the new
 * interval); CT_ERANGE outside CT_LIVE_MIN_INTERVAL_MS..CT_LIVE_MAX_INTERVAL_MS. */
int ct_live_set_interval(struct ct_live *lv, uint64_t interval_ms);
uint64_t ct_live_interval(const struct ct_live *lv);
/* Zeroes the counters of addr, or of every target when addr is 0 (outstanding probes are then not
 * counted); states, program and the known TTL stay. */
void ct_live_reset(struct ct_live *lv, uint32_t addr);

/* Writes t as one JSON object (the shape tests/net/131-probe-live.sh asserts and the monitor's
 * stream carries): address pinned rounds target_ttl, per kind ("udp" "tcp" "icmp") avail sent done
 * answered errors send_failed loss_pct last_ms best_ms avg_ms worst_ms jitter_ms (RTTs null before
 * an answer), udp_state (ct_port_state_key) udp_entry program, tcp_state tcp_origin (null, "target",
 * "path", "unverified") tcp_from, icmp_error (null or probe key type code from from_target). */
struct ct_out;
void ct_live_target_json(struct ct_out *o, const struct ct_live_target *t);

/* The longest one dispatch of the engine took (receive or send work), ns; for the benchmark. */
uint64_t ct_live_max_dispatch_ns(const struct ct_live *lv);

#endif
