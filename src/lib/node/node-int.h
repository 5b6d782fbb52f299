/* node-int.h: the inside of the node, shared by node.c and node-*.c only (users include node.h). */
#ifndef CT_NODE_INT_H
#define CT_NODE_INT_H

#include <stddef.h>
#include <stdint.h>
#include "hooklist.h"
#include "hosts.h"
#include "node.h"
#include "pace.h"
#include "sbuf.h"

#define DUP_RING 64

struct pend_ans;
struct ct_claim;
struct ct_claim_index;
struct ct_guard;

struct ct_node {
	struct ct_evloop *ev;
	struct ct_hosts *hosts;
	int fd, tcpfd;
	ct_node_tcp_fn tcp_fn;         /* takes accepted TCP connections (NULL: closed) */
	void *tcp_ud;
	uint16_t port;
	/* identity */
	char *user, *host, *nick, *group, *absence_text; /* UTF-8, ':' already replaced */
	char *user_cp, *host_cp;                          /* CP932 for non-UTF8OPT headers */
	int absent;
	uint32_t extra_status;
	struct ct_node_conf conf;
	uint32_t last_pkt;
	struct { uint32_t pkt; uint64_t key; } dup[DUP_RING];
	unsigned dup_pos;
	struct ct_hooklist mode[256]; /* handlers (ct_node_mode_fn) by command mode */
	struct ct_hooklist obs;       /* ct_node_host_fn */
	struct ct_hooklist taps;      /* ct_node_tap_fn */
	/* this machine */
	struct ct_haddr *bcast;
	size_t nbcast;
	struct ct_haddr peers[16];
	size_t npeers;
	struct { uint32_t addr, mask; } nets[32];
	size_t nnets;
	/* timers and queues */
	uint64_t t_entry, t_repeat, t_check, t_tick;
	struct pend_ans *pend;
	unsigned npend;
	size_t check_cursor;
	struct ct_pace check_pace;
	uint64_t rng;
	struct ct_sbuf out;
	struct ct_node_stats st;
	/* presence claims (node-claims.c): recent BR_ENTRY destinations (what makes an ANSENTRY
	 * solicited), the pending claims, their probe pace and the counters */
	struct { uint32_t addr; uint16_t port; uint64_t ms; } *solicit; /* direct-mapped, NULL until used */
	uint64_t bcast_ms;            /* last BR_ENTRY to one of our broadcast addresses (ms + 1) */
	struct ct_claim *claims;      /* CT_CLAIM_MAX slots, NULL until the first claim */
	struct ct_claim_index *claim_idx; /* claims by address and by age (allocated with claims) */
	size_t nclaims;
	uint64_t claim_seq, t_claims;
	struct ct_pace probe_pace;
	uint64_t pres_log_ms;         /* last presence summary log line (ms + 1), 0 = never */
	struct ct_node_presence_stats pres, pres_logged;
	/* the guard (node-guard.c): per-source table, budgets, counters; made on first use */
	struct ct_guard *guard;
};

/* node.c: this machine's networks and broadcast addresses (bound: the address the socket is
 * bound to, host order; 0 = any); the identity's strings freed (ct_node_free). */
void ct_node_scan_interfaces(struct ct_node *n, uint32_t bound);
void ct_node_free_identity(struct ct_node *n);

/* What the node answers itself for one command mode (the table in node-run.c), called before the
 * mode's handlers and for duplicates too (dup set: a repeated GETINFO or SENDMSG is answered
 * again, a repeated entry is not counted again). */
typedef void (*ct_node_own_fn)(struct ct_node *n, const struct ct_node_rx *rx, int dup);

/* node-presence.c: entry rounds, the answers to BR_ENTRY, entry and exit packets */
void ct_node_entry_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup);
void ct_node_exit_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup);
/* Queues the ANSENTRY answer to a BR_ENTRY from an address not in the table (a claim being
 * asked, a source outside accept), after the usual delay. */
void ct_node_answer_entry(struct ct_node *n, const struct ct_haddr *to, int utf8);
/* Drops the answers still waiting for their delay (ct_node_free). */
void ct_node_answers_drop(struct ct_node *n);
/* node-claims.c: the presence checks. ct_node_claims_entry() decides an entry packet (in: its
 * names and address, cleaned): 1 = apply it now, 0 = refused or held as a claim. For BR_EXIT,
 * ct_node_claims_exit() returns 1 when the exit is to be applied now. Sending a BR_ENTRY is
 * recorded by ct_node_claims_sent() (node.c). _fini frees the claims (ct_node_free). */
int ct_node_claims_entry(struct ct_node *n, const struct ct_node_rx *rx, const struct ct_host_info *in);
int ct_node_claims_exit(struct ct_node *n, const struct ct_node_rx *rx);
void ct_node_claims_sent(struct ct_node *n, const struct ct_haddr *to);
void ct_node_claims_fini(struct ct_node *n);
/* node-presence.c: applies an entry (host table, ANSENTRY answer to BR_ENTRY, observers). */
void ct_node_entry_apply(struct ct_node *n, const struct ct_host_info *in, uint32_t mode, int cap_utf8,
	uint64_t now_ms, double now_wall);
/* node-live.c: (re)arms the next liveness round after check_interval_ms (0: none). */
void ct_node_live_schedule(struct ct_node *n);
/* node-info.c: GETINFO and GETABSENCEINFO answers */
void ct_node_info_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup);
void ct_node_absence_info_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup);
/* node-msg.c: SENDMSG (RECVMSG when asked, also for a duplicate; logged once) */
void ct_node_msg_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup);
/* node-pubkey.c: GETPUBKEY -> ANSPUBKEY with our key (guard class anspubkey; an unverified
 * source over its credit is sent a GETINFO probe, so that its next GETPUBKEY is answered) */
void ct_node_pubkey_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup);

/* ---- node-guard.c: the guard's hooks in the receive and send paths ----
 * ct_node_guard_rx: every parsed datagram from another host (its bytes are the source's credit;
 * an answer to our unicast question verifies it); also writes the drop summary when due.
 * ct_node_guard_out: every datagram the node sends (ct_node_send_raw), before sendto: an
 * admitted answer's bytes are checked (0 or CT_EAGAIN: dropped and counted); unicast
 * BR_ENTRY/GETINFO/SENDMSG are remembered as questions. ct_node_guard_send_error: a failed
 * sendto (counted by class, summarised). ct_node_guard_free: ct_node_free. */
void ct_node_guard_rx(struct ct_node *n, const struct ct_node_rx *rx, size_t len);
int ct_node_guard_out(struct ct_node *n, const struct ct_haddr *to, const void *data, size_t len);
void ct_node_guard_send_error(struct ct_node *n, const struct ct_haddr *to, int err);
void ct_node_guard_free(struct ct_node *n);

#endif
