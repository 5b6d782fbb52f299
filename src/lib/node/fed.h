/* fed.h: the list-server federation: camtraced servers that share the hosts they own with their configured peers (wire: fedwire.h).
 *
 * Each server owns the hosts it saw directly (its segment, its notification rounds, its
 * searches: CT_HOST_OWN_BITS) and numbers their changes with a version only it increments,
 * under an incarnation stamp that changes at every start. Every refresh it sends each peer a
 * digest (incarnation, version, count, and what it holds of that peer); a peer behind gets the
 * differences since the version it holds (live hosts and tombstones, oldest first, paged within
 * the datagram budget), or everything after a restart, a tombstone pruned past it, or a count
 * that disagrees. What a peer told us is never sent on (one hop across a full mesh of peers);
 * a host we also saw but that a peer owns on its own segment is yielded to it. A peer silent
 * for the lease loses its hosts here (a host stays online while another source lists it) and
 * gets them back when it answers. Only configured peers are heard (by address and port).
 * A peer "ipmsg:ADDRESS" is a plain IP Messenger list server: fetched with BR_ISGETLIST2/GETLIST
 * every refresh (listcli.c, peer_mode), its hosts a source of kind CT_HOST_SRC_IPMSG dropped
 * after ipmsg_stale_fetches complete fetches without them; never sent anything of ours.
 * Authentication: a peer with "key=FINGERPRINT" (16 hex digits, its RSA-2048 key's, as
 * camtrace status shows it: federation.key_fingerprint) is heard only through sealed datagrams
 * signed with that key (fed-auth.h); without key= the configured address and port are the
 * only check. */
#ifndef CT_FED_H
#define CT_FED_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "crypto.h"

struct ct_node;
struct ct_fed;

#define CT_FED_DEFAULT_REFRESH_MS 30000
#define CT_FED_MAX_PEERS 32
#define CT_FED_IPMSG_PREFIX "ipmsg:" /* a peer that is a plain IP Messenger list server */
#define CT_FED_BATCH_PAGES 64   /* pages sent in answer to one digest (the rest after the next) */

struct ct_fed_conf {
	const char *const *peers;   /* "ADDRESS[:PORT]" or "NAME[:PORT]" (port: the node's) */
	size_t npeers;
	uint64_t refresh_ms;        /* digest period (0 = CT_FED_DEFAULT_REFRESH_MS) */
	uint64_t lease_ms;          /* a silent peer's hosts expire after this (0 = 3 refreshes; at
	                             * least 2 refreshes) */
	uint64_t tombstone_ms;      /* deletions kept this long (0 = 4 leases; at least 2 leases) */
	size_t budget;              /* datagram bytes (0 = 8191) */
	uint64_t incarnation;       /* 0 = now in microseconds (a restart changes it) */
	const struct ct_crypt_keys *keys; /* our key pair (keys.h): needed by peers with key= */
	unsigned ipmsg_stale_fetches; /* `ipmsg:` peers: a host missing from this many complete
	                             * fetches in a row loses that source (0 = 2) */
};

struct ct_fed_peer_status {
	const char *name;           /* as configured */
	struct ct_haddr addr;       /* resolved (family 0: not resolved) */
	int ipmsg;                  /* a plain IP Messenger list server (`ipmsg:`), fetched with
	                             * BR_ISGETLIST2/GETLIST every refresh; else a camtraced */
	int keyed;                  /* `key=` configured: only sealed, signed datagrams taken */
	const char *auth;           /* "none" (no key=), "waiting_key", "verified", "key_mismatch" */
	uint64_t auth_refused;      /* its datagrams refused: unsigned, bad signature, wrong key */
	int up;                     /* heard within the lease */
	int ever;                   /* heard at least once */
	uint64_t inc, ver;          /* the peer's incarnation and version as it last said */
	uint64_t have_ver;          /* the version of its hosts we hold */
	size_t hosts;               /* hosts we hold from it (ct_fed_peer() counts them) */
	double last_exchange;       /* wall clock of the last datagram from it (0 = never) */
	uint64_t digests_rx, digests_tx, pages_rx, pages_tx, bytes_rx, bytes_tx;
	uint64_t resyncs;           /* full transfers asked from it */
	uint64_t gaps;              /* pages dropped because one before was missing */
	uint64_t expired;           /* times its hosts expired (lease) */
	uint64_t errors;            /* malformed datagrams, send errors, resolution failures */
	char last_error[160];
};

struct ct_fed_stats {
	uint64_t incarnation, version;
	size_t owned, tombstones, yielded;
	uint64_t refused;           /* datagrams from addresses that are no configured peer */
	uint64_t auth_refused;      /* datagrams from keyed peers refused (fed-auth.h) */
	uint64_t malformed;
};

/* Starts the engine on node (hooks its command mode; timers on the node's loop). Peers that do
 * not resolve now are tried again every refresh. err says what failed. */
int ct_fed_new(struct ct_fed **out, struct ct_node *node, const struct ct_fed_conf *conf, char *err, size_t errlen);
/* Unhooks and frees (the hosts learned stay in the table with their sources). NULL is fine. */
void ct_fed_free(struct ct_fed *f);
/* Sends the digests now (tests, refresh). */
void ct_fed_refresh(struct ct_fed *f);
void ct_fed_stats(struct ct_fed *f, struct ct_fed_stats *st);
size_t ct_fed_npeers(const struct ct_fed *f);
/* Status of peer i (hosts counted now); NULL past the end. */
const struct ct_fed_peer_status *ct_fed_peer(struct ct_fed *f, size_t i);

#endif
