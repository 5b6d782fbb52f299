/* hosts.h: the host table: IP Messenger users keyed by (user, host) and by (addr, port), with state and instability. */
#ifndef CT_HOSTS_H
#define CT_HOSTS_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "sbuf.h"

/* Where a host was learned (bit set: a host may have several). */
enum ct_host_origin {
	CT_HOST_LOCAL = 0x1,    /* seen on one of our own segments (broadcast reached us) */
	CT_HOST_NOTIFIED = 0x2, /* answered a notification sent to a configured other segment */
	CT_HOST_SEARCH = 0x4,   /* found by the external user search */
	CT_HOST_LIST = 0x8,     /* learned from a list server (an external user) */
	CT_HOST_DIRECT = 0x10,  /* contacted us by unicast from elsewhere (e.g. DIALUPOPT entry) */
	CT_HOST_PEER = 0x20,    /* listed by a federation peer (another camtraced, fed.h) */
};
/* Origins that make a host our own (seen directly: federation shares these). */
#define CT_HOST_OWN_BITS (CT_HOST_LOCAL | CT_HOST_NOTIFIED | CT_HOST_SEARCH | CT_HOST_DIRECT)

/* Provenance: one server that lists a host, and since when (hosts-src.c). */
enum ct_host_src_kind {
	CT_HOST_SRC_PEER = 1,   /* a federation peer (its own host) */
	CT_HOST_SRC_LIST = 2,   /* a list fetch (GETLIST/ANSLIST from our `server`) */
	CT_HOST_SRC_IPMSG = 3,  /* a plain IP Messenger list server peer (`peer = ipmsg:ADDRESS`) */
};
struct ct_host_src {
	struct ct_haddr from;   /* the server's address and port */
	uint8_t kind;           /* enum ct_host_src_kind */
	uint8_t local;          /* peer: the host is on that peer's own segment */
	uint32_t tag;           /* peer: the resync round that last confirmed it (fed.c); ipmsg
	                         * peer: the fetch that last listed it (listcli.c) */
	double since;           /* wall clock: first listed by this source */
};
#define CT_HOST_SRC_MAX 32

enum ct_host_state {
	CT_HOST_ONLINE = 0,
	CT_HOST_ABSENT,  /* online, away (ABSENCEOPT) */
	CT_HOST_OFFLINE, /* left (BR_EXIT) or lost (stopped answering) */
};

/* Why a host is offline. */
enum ct_host_gone {
	CT_HOST_GONE_NONE = 0,
	CT_HOST_GONE_EXIT,    /* said goodbye (BR_EXIT, or a list removal): a flap when it comes back */
	CT_HOST_GONE_LOST,    /* stopped answering: a flap when it comes back */
};

struct ct_host {
	/* strings: UTF-8, NUL-terminated, all inside one allocation */
	const char *user, *host, *nick, *group;
	char *strs;
	struct ct_haddr addr;
	uint32_t status;            /* host status option bits (IPMSG_ALLSTAT subset) */
	uint8_t origin;             /* enum ct_host_origin bits */
	uint8_t state;              /* enum ct_host_state */
	uint8_t gone;               /* enum ct_host_gone while offline */
	uint8_t pending;            /* liveness: a check was sent and is unanswered */
	uint8_t ans_pending;        /* node: an ANSENTRY to it is queued */
	uint32_t flaps;             /* times it came back (a packet from it) after leaving or being lost:
	                             * the lifetime total */
	double last_flap;           /* wall clock of the last flap, 0 = never (display, state file) */
	int64_t *flap_ms;           /* monotonic times of the last flaps, oldest first (NULL: none) */
	uint8_t nflap, flap_cap;    /* entries used / allocated in flap_ms (at most CT_HOST_FLAP_MEMORY) */
	uint32_t missed;            /* liveness checks it did not answer (total) */
	uint32_t missed_run;        /* consecutive unanswered checks */
	double first_seen, last_seen, last_change; /* wall clock, for display */
	uint64_t seen_ms;           /* monotonic time of the last packet from it */
	uint64_t addr_ms;           /* monotonic time the address was last set */
	uint32_t list_seq;          /* list client: number of the last fetch that listed it */
	struct ct_host_src *src;    /* provenance: the servers that list it (NULL: none) */
	uint8_t nsrc;               /* entries in src */
	uint8_t fed_own;            /* federation: shared as ours at the last scan (fed.c) */
	uint8_t fed_yield;          /* federation: a peer owns it though we saw it too */
	uint32_t fed_hash;          /* federation: hash of what was shared at fed_ver */
	uint64_t fed_ver;           /* federation: our version of it as its owner (0: never shared) */
	/* table internals */
	size_t idx;                 /* position in the ordered list */
	struct ct_host *next_name, *next_addr;
};

/* What an observation says about a host (strings UTF-8, NULL = unchanged/empty). */
struct ct_host_info {
	const char *user, *host, *nick, *group;
	struct ct_haddr addr;
	uint32_t status;
};

/* Flap times remembered per host: flaps_in_window counts up to this many. */
#define CT_HOST_FLAP_MEMORY 64

struct ct_hosts;

struct ct_hosts *ct_hosts_new(void);
void ct_hosts_free(struct ct_hosts *t);

size_t ct_hosts_count(const struct ct_hosts *t);
/* Hosts in a stable insertion order; i < count. */
struct ct_host *ct_hosts_at(const struct ct_hosts *t, size_t i);
/* Bumped on every change that affects what a list server would send. */
uint64_t ct_hosts_generation(const struct ct_hosts *t);
/* Count of hosts that are online or absent. */
size_t ct_hosts_live(const struct ct_hosts *t);

struct ct_host *ct_hosts_find(const struct ct_hosts *t, const char *user, const char *host);
struct ct_host *ct_hosts_find_addr(const struct ct_hosts *t, const struct ct_haddr *a);

/* How an update was learned: decides the address rule of spec §4.5 step 4. */
enum ct_host_via {
	CT_HOST_VIA_PACKET, /* a packet from that address: the address is authoritative */
	CT_HOST_VIA_LIST,   /* a list entry: only moves an address older than 7 s (or v6->v4) */
};

/* Records that host info is online (ABSENCEOPT in status => absent). Applies the spec rules:
 * (user, host) is the identity; a host already at the same addr:port under other names is
 * replaced. A host that comes back after being offline (BR_EXIT, list removal or lost) counts
 * a flap when via is CT_HOST_VIA_PACKET (a list entry is second hand). now_ms is monotonic,
 * now_wall for display. On success *out (optional) is the host. Errors: CT_EINVAL (empty
 * user or host), CT_ENOMEM. */
int ct_hosts_update(struct ct_hosts *t, const struct ct_host_info *info, unsigned origin,
	enum ct_host_via via, uint64_t now_ms, double now_wall, struct ct_host **out);
/* What happened to a host, for the table's watcher (the control socket's "host" events):
 * JOIN a new host; FLAP back after an outage we saw (a flap counted); BACK online again (from
 * offline without a flap, or from absent); ABSENT away (ABSENCEOPT); CHANGE its address,
 * nick, group or status changed, state the same; EXIT it said goodbye (BR_EXIT, list removal);
 * LOST it stopped answering; REMOVE it leaves the table (replaced, evicted, expired). */
enum ct_host_event {
	CT_HOST_EV_NONE = 0, CT_HOST_EV_JOIN, CT_HOST_EV_CHANGE, CT_HOST_EV_ABSENT, CT_HOST_EV_BACK,
	CT_HOST_EV_EXIT, CT_HOST_EV_LOST, CT_HOST_EV_FLAP, CT_HOST_EV_REMOVE,
};
/* Called after the change (REMOVE: just before the host is freed); the watcher must not change
 * the table. One watcher per table; fn NULL removes it. A refresh that changes nothing but the
 * last-seen time calls nothing. */
typedef void (*ct_hosts_watch_fn)(struct ct_hosts *t, const struct ct_host *h, enum ct_host_event ev, void *ud);
void ct_hosts_set_watch(struct ct_hosts *t, ct_hosts_watch_fn fn, void *ud);

/* Marks a host offline (EXIT or LOST). */
void ct_hosts_set_offline(struct ct_hosts *t, struct ct_host *h, enum ct_host_gone why,
	double now_wall);
/* Marks offline whatever host is at that address (BR_EXIT, list removal); 0 or CT_ENOTFOUND. */
int ct_hosts_exit_addr(struct ct_hosts *t, const struct ct_haddr *a, double now_wall);
/* Removes and frees a host. */
void ct_hosts_remove(struct ct_hosts *t, struct ct_host *h);
/* Removes offline hosts whose last_seen is older than before_wall; returns how many (added
 * to the `expired` counter). */
size_t ct_hosts_expire(struct ct_hosts *t, double before_wall);

/* Bounds of the table. max_hosts: when a new host would make it larger, the hosts unseen
 * longest (oldest last_seen, offline before online, then the oldest entry) are removed first:
 * one when the cap is under 128, else a batch of max/128 (one pass over the table, so that a
 * flood of new names costs O(1) per host on average); the new host itself is never the one
 * removed. expiry_ms: offline hosts unseen that long are removed by ct_hosts_tick(); online
 * hosts are not expired: liveness checks make the silent ones lost (offline) first. 0 = no
 * bound. ct_hosts_new() sets CT_HOSTS_DEFAULT_MAX and CT_HOSTS_DEFAULT_EXPIRY_MS. */
#define CT_HOSTS_DEFAULT_MAX 100000
#define CT_HOSTS_DEFAULT_EXPIRY_MS (7 * 24 * 3600 * 1000ULL)
/* How often ct_hosts_tick() logs the evictions (a count, at most once per interval). */
#define CT_HOSTS_EVICT_LOG_MS 60000
/* How often ct_hosts_tick() runs the expiry pass (one pass over the table). */
#define CT_HOSTS_EXPIRE_EVERY_MS 30000
void ct_hosts_set_limits(struct ct_hosts *t, size_t max_hosts, uint64_t expiry_ms);
size_t ct_hosts_max(const struct ct_hosts *t);
uint64_t ct_hosts_expiry_ms(const struct ct_hosts *t);
/* Hosts removed because the table was full / because they expired (lifetime counters). */
uint64_t ct_hosts_evicted(const struct ct_hosts *t);
uint64_t ct_hosts_expired(const struct ct_hosts *t);
/* Periodic upkeep (the daemon calls it every few seconds): expires offline hosts unseen for
 * expiry_ms (logged with a count; at the first call, then at most every
 * CT_HOSTS_EXPIRE_EVERY_MS) and logs the evictions since the last warning (at most once
 * per CT_HOSTS_EVICT_LOG_MS). Returns how many hosts expired. */
size_t ct_hosts_tick(struct ct_hosts *t, uint64_t now_ms, double now_wall);

/* Liveness bookkeeping: a check was sent to h; when unanswered (called again with the check
 * still pending) it counts as missed and after max_missed in a row the host is lost. Returns 1
 * when this call made the host offline. */
int ct_hosts_check_sent(struct ct_hosts *t, struct ct_host *h, unsigned max_missed,
	double now_wall);

/* The instability rule (one rule for every caller: users, users --unstable, status): a host
 * is unstable when it flapped within the last window_ms (monotonic now_ms), or its last
 * liveness check went unanswered (missing answers now), or it is offline because it was lost.
 * The lifetime flap count alone does not make a host unstable. */
int ct_host_is_unstable(const struct ct_host *h, uint64_t window_ms, uint64_t now_ms);
/* Flaps in the last window_ms (an age of exactly window_ms is inside); counted exactly up to
 * CT_HOST_FLAP_MEMORY. */
unsigned ct_host_flaps_in(const struct ct_host *h, uint64_t window_ms, uint64_t now_ms);
/* Collects the unstable hosts into a malloc'd array (*out, caller frees), most flaps in the
 * window first, then most flaps in all, then most missed answers. */
int ct_hosts_unstable(const struct ct_hosts *t, uint64_t window_ms, uint64_t now_ms,
	struct ct_host ***out, size_t *n);
/* Records the time of a flap of h (last_flap, flap_ms; not the lifetime count, which
 * ct_hosts_update() adds on a return); the state loader replays saved times with it, oldest
 * first. Returns 0 or CT_ENOMEM (the time is then not remembered). */
int ct_host_add_flap(struct ct_host *h, int64_t now_ms, double now_wall);

/* The "hosts" section of the state file (hosts-state.c): an array of one object per host with
 * its instability records ("flaps" lifetime, "missed", "last_flap" wall time or null,
 * "recent_flaps" wall times of the remembered flaps). Saved wall times are converted to the
 * monotonic clock at load (now_ms, now_wall), so windows are measured in-process on the
 * monotonic clock and across restarts on the wall clock. The loader also takes the compact
 * "h1" tab-separated records of older files; *bad (optional) counts unusable records.
 * Load returns 0 or CT_EFORMAT (not an array). */
struct ct_json;
int ct_hosts_state_load(struct ct_hosts *t, const struct ct_json *v, uint64_t now_ms,
	double now_wall, size_t *bad);
/* The same section streamed (state.h, ct_state_register_stream): one object per host written
 * straight into the file (no tree: the memory of a save does not grow with the table), and
 * one record (object or "h1" string) loaded at a time: 0, CT_EFORMAT or CT_ENOMEM. */
struct ct_state_elems;
int ct_hosts_state_write(const struct ct_hosts *t, struct ct_state_elems *e, uint64_t now_ms,
	double now_wall);
int ct_hosts_state_load_one(struct ct_hosts *t, const struct ct_json *el, uint64_t now_ms,
	double now_wall);

/* Provenance (hosts-src.c). Finds the entry of (kind, from) or NULL. */
struct ct_host_src *ct_host_src_find(const struct ct_host *h, unsigned kind, const struct ct_haddr *from);
/* Adds (kind, from) since since_wall, or returns the entry already there (its since kept); NULL
 * when out of memory or CT_HOST_SRC_MAX sources. */
struct ct_host_src *ct_host_src_set(struct ct_host *h, unsigned kind, const struct ct_haddr *from,
	double since_wall);
/* Drops (kind, from); returns 1 when it was there. */
int ct_host_src_drop(struct ct_host *h, unsigned kind, const struct ct_haddr *from);
/* Sources of that kind left. */
size_t ct_host_src_count(const struct ct_host *h, unsigned kind);
/* "peer" "list" "ipmsg" */
const char *ct_host_src_kind_name(unsigned kind);
/* Drops (kind, from) from h (a source that no longer lists it; PEER origin cleared with the
 * last peer source). Returns 1 when h is left online with no source and no own origin: the
 * caller logs why and sets it offline; 0 otherwise (also when (kind, from) was not there). */
int ct_host_src_release(struct ct_host *h, unsigned kind, const struct ct_haddr *from);
/* 1 when the host counts as ours: an own origin bit and no peer that owns it instead. */
int ct_host_is_own(const struct ct_host *h);
/* The provenance as one state-file string "KIND ADDR PORT SINCE LOCAL TAG,..." and back
 * (unusable items are skipped). */
int ct_host_src_save(const struct ct_host *h, struct ct_sbuf *out);
void ct_host_src_load(struct ct_host *h, const char *text);

/* Replaces control bytes (< 0x20, 0x7f: separators, escapes) in a name by spaces, in place. */
void ct_hosts_clean_name(char *s);

const char *ct_host_state_name(enum ct_host_state s);   /* "online" "absent" "offline" */
/* Main origin for display: "local", "notified", "search", "list", "direct". */
const char *ct_host_origin_name(unsigned origin);
/* True when the host was not seen on our own segment (learned by list, search, notification). */
int ct_host_is_external(const struct ct_host *h);

#endif
