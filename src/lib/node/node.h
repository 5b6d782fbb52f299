/* node.h: the IP Messenger protocol node on UDP 2425: presence, answers, host table upkeep, liveness. */
#ifndef CT_NODE_H
#define CT_NODE_H

#include <stddef.h>
#include <stdint.h>
#include "hosts.h"
#include "sbuf.h"

struct ct_evloop;
struct ct_ipmsg;
struct ct_node;
struct ct_targets;

struct ct_crypt_keys;

struct ct_node_conf {
	const char *bind_addr;    /* "0.0.0.0" when NULL */
	uint16_t port;            /* 2425 when 0 */
	const char *user, *host;  /* identity (UTF-8); ':' is replaced by ';' on the wire */
	const char *nick, *group; /* UTF-8, NULL = empty */
	int absent;
	const char *absence_text; /* SENDABSENCEINFO when absent (NULL = "Absence mode") */
	uint32_t extra_status;    /* added to our host status (e.g. SERVEROPT, DIALUPOPT) */
	int tcp;                  /* also listen on TCP port (accepts and closes, or ct_node_set_tcp_handler) */
	uint16_t tcp_port;        /* with tcp: listen on this TCP port instead (0: port) */
	uint64_t entry_delay_ms;  /* NOOPERATION -> BR_ENTRY (default 250) */
	uint64_t entry_repeat_ms; /* second BR_ENTRY round after start (default 5000; 0 = none) */
	uint64_t check_interval_ms; /* liveness round period (default 600000; 0 = off) */
	unsigned max_missed;      /* unanswered checks in a row before offline (default 3) */
	double check_rate;        /* liveness packets per second (default 100) */
	int no_broadcast;         /* do not broadcast (tests on loopback) */
	int rcvbuf;               /* SO_RCVBUF bytes (default 4 MiB) */
	/* presence claims (node-claims.c) */
	const struct ct_targets *accept; /* who may add or change entries (BR_ENTRY, ANSENTRY,
	                           * BR_ABSENCE, BR_EXIT); NULL = anyone. Read at each packet. */
	int confirm_claims;       /* 1: a new host is added only after it answered our unicast
	                           * BR_ENTRY, a move/takeover/exit only after the known host was
	                           * asked at its known address; 0: applied at once (the old way) */
	/* the guard (node-guard.c): what answers may cost; 0 = the default */
	double answer_rate;       /* answers per second to one source (default 20, burst 2x) */
	double answer_total_rate; /* answers per second in total (default 2000) */
	double answer_total_bytes; /* answer bytes per second in total (default 4 MiB) */
	double unverified_rate;   /* answers per second to all unverified sources (default 200) */
	size_t guard_sources;     /* sources tracked (default 4096; the oldest unverified dropped) */
	uint64_t guard_log_ms;    /* drop summary line at most this often (default 60000) */
	const struct ct_targets *msg_allow; /* who may send messages: others get no RECVMSG (NULL =
	                           * anyone; msg.c refuses them too). Read at each packet. */
	double message_log_rate;  /* SENDMSG log lines per second per source (default 1, burst 5;
	                           * 20 times that in total) */
	/* encryption (node-pubkey.c): our key pairs (used, not owned) and the capability word we
	 * honour (ct_crypt_capa()); with both, entries carry ENCRYPTOPT and GETPUBKEY is answered */
	const struct ct_crypt_keys *keys;
	uint32_t crypt_capa;
	int no_answer_entry;      /* a tool's node (doctor) that must not be listed: BR_ENTRY is not
	                           * answered (a list server broadcasting one would list the tool) */
};

/* A packet the node received, for the mode handlers. */
struct ct_node_rx {
	const struct ct_ipmsg *m;
	struct ct_haddr from;
	uint64_t now_ms;
	double now_wall;
};

/* Handler for one command mode (listsrv/listcli/search plug in here), called for packets that
 * are not duplicates; the node already answered what it answers itself (entries, info,
 * messages) before calling. */
typedef void (*ct_node_mode_fn)(struct ct_node *n, const struct ct_node_rx *rx, void *ud);
/* Observer of every host update made from an entry packet (BR_ENTRY/ANSENTRY/BR_ABSENCE). */
typedef void (*ct_node_host_fn)(struct ct_node *n, struct ct_host *h, uint32_t mode,
	const struct ct_haddr *from, void *ud);

struct ct_node_stats {
	uint64_t rx, tx, rx_bytes, tx_bytes;
	uint64_t bad, dup, ipdict, ignored, self, send_err;
	uint64_t entries, answers_sent, msgs, infos, checks_sent, lost;
};

/* Opens the UDP socket (bound, SO_BROADCAST) and watches it on ev; hosts is used, not owned.
 * err says what failed and how to fix it (e.g. port in use, permission). */
int ct_node_new(struct ct_node **out, struct ct_evloop *ev, struct ct_hosts *hosts,
	const struct ct_node_conf *conf, char *err, size_t errlen);
void ct_node_free(struct ct_node *n);
/* Changes the identity/options after a reload (sockets stay). */
int ct_node_reconf(struct ct_node *n, const struct ct_node_conf *conf);

/* Presence (spec §3.1): NOOPERATION to every broadcast target, BR_ENTRY after the delay to
 * broadcasts and dial-up hosts, again after entry_repeat_ms. Starts the liveness rounds. */
int ct_node_start(struct ct_node *n);
/* BR_EXIT to broadcasts and dial-up hosts, twice 100 ms apart (blocks ~100 ms). */
void ct_node_stop(struct ct_node *n);
/* Absence on/off: BR_ABSENCE broadcast. */
void ct_node_set_absent(struct ct_node *n, int absent, const char *text);

/* Sends one packet from the node's socket: our header (names in UTF-8 when command has
 * UTF8OPT, else CP932) + body (bodylen bytes) + a NUL. */
int ct_node_send(struct ct_node *n, const struct ct_haddr *to, uint32_t command,
	const void *body, size_t bodylen);
/* The same with a given packet number (a resent SENDMSG keeps its number). */
int ct_node_send_pkt(struct ct_node *n, const struct ct_haddr *to, uint32_t command, uint32_t packetno,
	const void *body, size_t bodylen);
/* Sends an entry-class packet (mode BR_ENTRY/ANSENTRY/BR_ABSENCE/BR_EXIT/NOOPERATION, plus
 * extra option bits) with our status and the UTF-8 block, to one address. */
int ct_node_send_entry(struct ct_node *n, const struct ct_haddr *to, uint32_t mode, uint32_t extra);
/* Sends raw bytes (already a full datagram) from the node socket. */
int ct_node_send_raw(struct ct_node *n, const struct ct_haddr *to, const void *data, size_t len);
/* Next packet number (pktno.h: monotonic, new across runs and processes). */
uint32_t ct_node_next_packetno(struct ct_node *n);

/* Extra unicast targets of every entry round (BR_ENTRY, BR_ABSENCE, BR_EXIT), e.g. the list
 * server of a client in another segment; DIALUPOPT is added when the peer is not local.
 * Up to 16; adding twice is harmless. */
int ct_node_add_peer(struct ct_node *n, const struct ct_haddr *a);
void ct_node_remove_peer(struct ct_node *n, const struct ct_haddr *a);

/* Hooks: the mode handlers (per command mode), the observers and the taps are each an ordered
 * list of (function, data) pairs, so several parts may listen to the same packets. Every hook of
 * a list is called, in the order they were added. Adding a pair twice gives CT_EEXIST, more than
 * 64 per list (CT_HOOKLIST_MAX) CT_ETOOBIG; removing takes out that pair only, and removing a
 * pair that is not there is harmless. A hook may add or remove hooks (itself too) while it is
 * called: a removed hook is not called any more, an added one from the next packet on. Whoever
 * adds a hook removes it before its data goes away. */
int ct_node_add_handler(struct ct_node *n, uint32_t mode, ct_node_mode_fn fn, void *ud);
void ct_node_remove_handler(struct ct_node *n, uint32_t mode, ct_node_mode_fn fn, void *ud);
/* A table of handlers sharing one data (e.g. a list server's modes): all are added, or none. */
struct ct_node_handler {
	uint32_t mode;
	ct_node_mode_fn fn;
};
int ct_node_add_handlers(struct ct_node *n, const struct ct_node_handler *tab, size_t count, void *ud);
void ct_node_remove_handlers(struct ct_node *n, const struct ct_node_handler *tab, size_t count, void *ud);
int ct_node_add_observer(struct ct_node *n, ct_node_host_fn fn, void *ud);
void ct_node_remove_observer(struct ct_node *n, ct_node_host_fn fn, void *ud);
/* Taps see every packet from another host (duplicates excluded) before the node handles it,
 * whatever its command (coop.c waits for SENDINFO this way, beside search's handler). */
typedef void (*ct_node_tap_fn)(struct ct_node *n, const struct ct_node_rx *rx, void *ud);
int ct_node_add_tap(struct ct_node *n, ct_node_tap_fn fn, void *ud);
void ct_node_remove_tap(struct ct_node *n, ct_node_tap_fn fn, void *ud);

/* Our status word (CAPUTF8OPT | ABSENCEOPT when absent | extra_status). */
uint32_t ct_node_status(const struct ct_node *n);
/* Our identity as a host-list entry (UTF-8) and the address others see (first own address). */
void ct_node_self(const struct ct_node *n, struct ct_host_info *info);
/* True when addr is inside one of this machine's IPv4 networks. */
int ct_node_is_local(const struct ct_node *n, const struct ct_haddr *addr);
/* This machine's IPv4 networks as (address, prefix) pairs; returns the count. */
size_t ct_node_networks(const struct ct_node *n, uint32_t *addrs, unsigned *plens, size_t max);
/* True when the packet came from this node itself (its own broadcast echo). */
int ct_node_is_self(const struct ct_node *n, const struct ct_haddr *from, const char *user,
	const char *host);
const struct ct_node_stats *ct_node_stats(const struct ct_node *n);
/* What the presence checks did (node-claims.c); pending is the claims waiting now. */
struct ct_node_presence_stats {
	uint64_t pending, refused_outside, unconfirmed_expired, confirmed, pending_dropped;
	uint64_t moves_refused, moves_applied, exits_refused, exits_applied;
	uint64_t takeovers_refused, takeovers_applied;
};
void ct_node_presence_stats(const struct ct_node *n, struct ct_node_presence_stats *out);
struct ct_hosts *ct_node_hosts(const struct ct_node *n);
struct ct_evloop *ct_node_evloop(const struct ct_node *n);
uint16_t ct_node_port(const struct ct_node *n);
int ct_node_fd(const struct ct_node *n);
/* Who takes the connections accepted on the node's TCP port (conf.tcp): fn gets the connected,
 * non-blocking fd (then owns it) and the peer's address. NULL (the default): closed at once
 * (reachability only). xfer.c serves files through it. */
typedef void (*ct_node_tcp_fn)(struct ct_node *n, int fd, const struct ct_haddr *from, void *ud);
void ct_node_set_tcp_handler(struct ct_node *n, ct_node_tcp_fn fn, void *ud);
/* ---- the guard (node-guard.c): fair under load, no amplification ----
 * Every answer (to a packet another host sent) passes ct_node_guard_admit() just before it is
 * sent: a token bucket per source (list answers: the list server's own), one for all unverified
 * sources and one for all answers, then
 * (at the send) the bytes: a global bytes/s budget and, for a source not verified, its credit:
 * the answers' bytes stay within CT_GUARD_AMP times the bytes it sent us. A source is verified
 * for CT_GUARD_VERIFY_MS after it answered the last unicast question we sent it (ANSENTRY to
 * BR_ENTRY, SENDINFO to GETINFO, RECVMSG to SENDMSG) within CT_GUARD_ASK_MS; loopback is. */
#define CT_GUARD_AMP 3
#define CT_GUARD_ASK_MS 30000ULL
#define CT_GUARD_VERIFY_MS 3600000ULL
enum ct_guard_class {
	CT_GUARD_ANSENTRY, CT_GUARD_SENDINFO, CT_GUARD_SENDABSENCEINFO, CT_GUARD_RECVMSG,
	CT_GUARD_OKGETLIST, CT_GUARD_ANSLIST, CT_GUARD_PROBE, CT_GUARD_ANSPUBKEY, CT_GUARD_NCLASS
};
enum ct_guard_reason {
	CT_GUARD_SOURCE_RATE, CT_GUARD_UNVERIFIED_RATE, CT_GUARD_TOTAL_RATE, CT_GUARD_TOTAL_BYTES,
	CT_GUARD_CREDIT, CT_GUARD_NREASON
};
enum ct_guard_senderr { CT_GUARD_ERR_BUFFER, CT_GUARD_ERR_UNREACH, CT_GUARD_ERR_OTHER, CT_GUARD_NERR };
struct ct_guard_stats {
	uint64_t dropped[CT_GUARD_NCLASS];     /* answers not sent, by class */
	uint64_t dropped_by[CT_GUARD_NREASON]; /* the same, by reason */
	uint64_t unverified_cut;   /* ANSLIST pages made smaller to fit an unverified source's credit */
	uint64_t probes_sent;      /* GETINFO sent to unverified list requesters */
	uint64_t verifications;    /* sources that became verified */
	uint64_t evicted;          /* sources dropped from the full table */
	uint64_t log_suppressed;   /* SENDMSG log lines not written */
	uint64_t send_errors[CT_GUARD_NERR];
	size_t tracked, verified;  /* sources in the table now, verified ones among them */
};
/* 1: send the answer of class c to `to` now (its bytes are checked at the send, which may
 * still refuse it with CT_EAGAIN); 0: dropped and counted. */
int ct_node_guard_admit(struct ct_node *n, const struct ct_haddr *to, enum ct_guard_class c);
/* Counts an answer some role refused itself (e.g. the list server's own rate limit). */
void ct_node_guard_drop(struct ct_node *n, const struct ct_haddr *to, enum ct_guard_class c,
	enum ct_guard_reason why);
/* Bytes an answer to `to` may have now: SIZE_MAX when verified, else what is left of its credit. */
size_t ct_node_guard_room(struct ct_node *n, const struct ct_haddr *to);
int ct_node_guard_verified(struct ct_node *n, const struct ct_haddr *a);
/* A list request from an unverified source: one unicast GETINFO to it (at most one per source
 * per CT_GUARD_ASK_MS, 50/s in total, within its credit) so that its SENDINFO verifies it (an
 * ANSENTRY to a BR_ENTRY would also announce it: a tool would be listed). */
void ct_node_guard_probe(struct ct_node *n, const struct ct_haddr *to);
/* 1 when a probe went to `a` in the last within_ms (its answer may be on the way). */
int ct_node_guard_probing(struct ct_node *n, const struct ct_haddr *a, uint64_t within_ms);
/* Counts a cut ANSLIST page. */
void ct_node_guard_cut(struct ct_node *n);
/* 1: log this SENDMSG (per-source and total line rates), 0: suppressed and counted. */
int ct_node_guard_log_msg(struct ct_node *n, const struct ct_haddr *from);
void ct_node_guard_stats(struct ct_node *n, struct ct_guard_stats *out);
const char *ct_guard_class_name(enum ct_guard_class c);
const char *ct_guard_reason_name(enum ct_guard_reason r);
const char *ct_guard_senderr_name(enum ct_guard_senderr e);

/* Handles one datagram as if received (used by tests and the benchmark). */
void ct_node_input(struct ct_node *n, const void *data, size_t len, const struct ct_haddr *from);
/* Runs one liveness round now (tests). */
void ct_node_check_round(struct ct_node *n);

#endif
