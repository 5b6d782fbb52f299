/* fed-int.h: the federation engine's internals shared by fed.c and fed-peer.c (peers, tombstones, the engine). */
#ifndef CT_FED_INT_H
#define CT_FED_INT_H

#include <stdint.h>
#include "fed.h"
#include "hosts.h"
#include "node.h"
#include "sbuf.h"

struct ct_listcli;

#define CT_FED_TICK_MS 1000          /* change check (push on change) */
#define CT_FED_REPLY_GAP_MS 500      /* at most one digest answer per peer in this time */
#define CT_FED_HDR_ROOM 160          /* IP Messenger header + page header within the budget */

struct ct_fed_peer {
	char *name, *spec;        /* host part, and the configured text (st.name) */
	uint16_t port;
	unsigned kind;            /* CT_HOST_SRC_PEER, or CT_HOST_SRC_IPMSG (`ipmsg:`: fetched by lc) */
	struct ct_listcli *lc;    /* a plain IP Messenger list server: its GETLIST fetch */
	struct ct_fed *f;
	char want_fpr[17];        /* `key=`: its key's fingerprint ("": not keyed) */
	struct ct_crypt_pub *pub; /* its public key, pinned once the fingerprint matched */
	uint64_t key_asked_ms;
	struct ct_fed_peer_status st;
	uint64_t have_inc;        /* incarnation of the hosts we hold from it */
	uint32_t count;           /* hosts it owns, as it said */
	uint32_t tag;             /* resync round: entries confirmed in it carry it */
	int full_pending;         /* a full transfer is coming: sweep the unconfirmed at its end */
	uint64_t last_rx_ms, last_tx_ms, last_resync_ms;
	uint64_t pushed_ver, pushed_ms; /* pages sent up to this version at that time (in flight) */
};

struct ct_fed_tomb {
	char *user, *host;
	uint64_t ver, at_ms;
};

struct ct_fed {
	struct ct_node *node;
	struct ct_hosts *hosts;
	struct ct_evloop *ev;
	struct ct_fed_conf conf;
	struct ct_fed_peer *peers;
	size_t npeers;
	uint64_t inc, ver, sent_ver;
	uint64_t scan_gen;
	int scanned, dirty;
	size_t owned, yielded;
	struct ct_fed_tomb *tombs;
	size_t ntomb, captomb;
	uint64_t tomb_floor;      /* highest version of a pruned tombstone */
	uint64_t t_tick, last_refresh_ms;
	struct ct_sbuf out, ents, seal, plain;
	struct ct_fed_stats st;
};

/* fed.c */
void ct_fed_send_digest(struct ct_fed *f, struct ct_fed_peer *p, uint64_t now_ms);
/* fed-peer.c: sending (sealed for a keyed peer), keys and sealed datagrams received, the
 * GETLIST fetch of an `ipmsg:` peer */
int ct_fed_send_raw(struct ct_fed *f, struct ct_fed_peer *p, const char *body, size_t len);
int ct_fed_send_body(struct ct_fed *f, struct ct_fed_peer *p, const struct ct_sbuf *b);
const char *ct_fed_authentic(struct ct_fed *f, struct ct_fed_peer *p, const char *body, size_t *len,
	const struct ct_node_rx *rx);
int ct_fed_ipmsg_start(struct ct_fed *f, struct ct_fed_peer *p);

#endif
