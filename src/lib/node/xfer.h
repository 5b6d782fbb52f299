/* xfer.h: file transfer on the node (§6): offers served over TCP 2425 (GETFILEDATA with offset, GETDIRFILES, RELEASEFILES) and fetching files and directories. */
#ifndef CT_XFER_H
#define CT_XFER_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "sbuf.h"

struct ct_node;
struct ct_targets;
struct ct_xfer;

struct ct_xfer_conf {
	unsigned max_conns;       /* connections at once, served and fetching (default 64; more are closed) */
	uint64_t idle_ms;         /* a connection without progress for this long is closed (default 30000) */
	uint64_t offer_ttl_ms;    /* an offer expires this long after it was made (default 86400000) */
	size_t max_offers;        /* offers kept (default 1024; the oldest is dropped) */
	unsigned max_entries;     /* entries of one received directory (default 10000) */
	unsigned max_depth;       /* depth of one received directory (default 32) */
	/* the test transfer (camtrace probe --file): GETFILEDATA for packet 0, file CT_XFER_PROBE_ID,
	 * the offset field = bytes asked (at most CT_XFER_PROBE_MAX), answered with that many zero
	 * bytes to the addresses probe_allow matches (no list: refused) */
	const struct ct_targets *probe_allow;
};

#define CT_XFER_PROBE_ID 0x63740001u   /* "ct" 1 */
#define CT_XFER_PROBE_MAX (1ull << 30)
/* the upload test (camtrace probe --file, file_up): GETFILEDATA for packet 0, file
 * CT_XFER_PROBE_UP_ID, the offset field = bytes asked, from an address probe_allow matches: the
 * engine connects back to TCP 2425 of that address and fetches the test transfer from it
 * (discarded, never written), then answers on the request's connection with one line
 * "STATE BYTES MS ERROR\n" (a ct_xfer_gstate name, no_connect_back when the connection back failed)
 * and closes. No IP Messenger client asks for packet 0. */
#define CT_XFER_PROBE_UP_ID 0x63740002u /* "ct" 2 */
#define CT_XFER_CONNECT_BACK_MS 4000    /* the connection back: its connect gets this long */

/* ---- serving ---- */

/* Offers paths (regular files or directories; symlinks refused) as one offer: file ids are
 * given, and the attachment list ("id:name:size:mtime:attr:\a"...) is appended to list. *offer
 * names it. err says which path failed. */
int ct_xfer_offer(struct ct_xfer *x, const char *const *paths, size_t n, struct ct_sbuf *list,
	uint64_t *offer, char *err, size_t errlen);
/* The same, a directory announced with the total size of its files (as iptux announces one)
 * instead of 0 (as Windows does): iptux 0.8.3 lists an entry of size 0 as received already and
 * offers no Accept for it. */
int ct_xfer_offer_sized(struct ct_xfer *x, const char *const *paths, size_t n, struct ct_sbuf *list,
	uint64_t *offer, char *err, size_t errlen);
/* 1 when the last entry packet from a's address said "iptux" in its version field. */
int ct_xfer_peer_iptux(const struct ct_xfer *x, const struct ct_haddr *a);
/* The SENDMSG packetno to recipient to carries offer: requests are served only for (packetno,
 * fileid) from to's IP address. */
int ct_xfer_offer_bind(struct ct_xfer *x, uint64_t offer, uint32_t packetno, const struct ct_haddr *to);
/* Drops an offer now (its transfers running finish). */
void ct_xfer_offer_drop(struct ct_xfer *x, uint64_t offer);

enum ct_xfer_fstate { CT_XFER_OFFERED, CT_XFER_SENDING, CT_XFER_FETCHED, CT_XFER_RELEASED, CT_XFER_EXPIRED };
const char *ct_xfer_fstate_name(enum ct_xfer_fstate s);
/* The state of the files of offer for the recipient of packetno: one per file into st (max),
 * returns the number of files, or CT_ENOTFOUND. bytes (optional): bytes sent so far per file. */
int ct_xfer_offer_state(const struct ct_xfer *x, uint64_t offer, uint32_t packetno,
	enum ct_xfer_fstate *st, uint64_t *bytes, size_t max);

/* The names of offer's files (valid while the offer lives); returns their number or CT_ENOTFOUND. */
int ct_xfer_offer_names(const struct ct_xfer *x, uint64_t offer, const char **names, size_t max);

/* ---- fetching ---- */

enum ct_xfer_gstate {
	CT_XFER_G_RUNNING, CT_XFER_G_DONE, CT_XFER_G_REFUSED, CT_XFER_G_CUT, CT_XFER_G_TIMEOUT,
	CT_XFER_G_TOO_MUCH, CT_XFER_G_BAD_NAME, CT_XFER_G_LIMIT, CT_XFER_G_EXISTS, CT_XFER_G_ERROR,
	CT_XFER_G_NO_CONNECT_BACK, /* the upload test: the peer could not connect back to us */
	CT_XFER_G_NOT_TESTED      /* the upload test could not run here (TCP 2425 taken): says nothing of the peer */
};
const char *ct_xfer_gstate_name(enum ct_xfer_gstate s);

struct ct_xfer_get_req {
	struct ct_haddr peer;     /* the sender's address, TCP port (2425) */
	uint32_t packetno, fileid; /* the SENDMSG's packet number and the file's id (decimal in the list) */
	int dir;                  /* GETDIRFILES (a directory) instead of GETFILEDATA */
	const char *name;         /* the name to save under (checked: ct_xfer_name_check) */
	uint64_t size;            /* announced size (files) */
	int dirfd;                /* the download directory (not owned); everything goes under it */
	int resume;               /* files: continue NAME.part from its length (offset in the request) */
	uint64_t max_bytes;       /* bytes this fetch may write in all (0 = no limit) */
	int utf8;                 /* request with UTF8OPT */
	int discard;              /* count the bytes, write nothing (name and dirfd unused): the test
	                           * transfer of camtrace probe --file */
	int up;                   /* with discard: the upload test (CT_XFER_PROBE_UP_ID): the peer
	                           * fetches size test bytes from us (our engine serves them to the
	                           * addresses probe_allow matches); the result is the peer's line */
	uint64_t connect_ms;      /* the connect gets this long (0: idle_ms) */
};

struct ct_xfer_get_result {
	enum ct_xfer_gstate state;
	uint64_t bytes;           /* bytes received in this transfer */
	uint64_t offset;          /* where it started (resume) */
	uint64_t files;           /* files written (a directory) */
	uint64_t ms;              /* connect -> end */
	int connected;            /* the TCP connection was made */
	char error[200];
};

typedef void (*ct_xfer_get_fn)(struct ct_xfer *x, uint64_t id, const struct ct_xfer_get_result *r, void *ud);

/* Starts a fetch: non-blocking connect, request, data into NAME.part (a directory into
 * NAME.part/), renamed to NAME when complete (never over an existing NAME). done is called once,
 * from the event loop. */
int ct_xfer_get(struct ct_xfer *x, const struct ct_xfer_get_req *req, ct_xfer_get_fn done, void *ud,
	uint64_t *id);
/* Bytes received so far by a running fetch (progress); CT_ENOTFOUND when it ended. */
int ct_xfer_get_progress(const struct ct_xfer *x, uint64_t id, uint64_t *bytes);
/* Forgets a fetch without calling done (its .part stays). ct_xfer_free() ends the running ones
 * as cut, through their done. */
void ct_xfer_get_cancel(struct ct_xfer *x, uint64_t id);

/* ---- the engine ---- */

/* Takes the node's TCP connections (the node must listen: conf.tcp) and RELEASEFILES. */
int ct_xfer_new(struct ct_xfer **out, struct ct_node *node, const struct ct_xfer_conf *conf);
void ct_xfer_free(struct ct_xfer *x);
/* Offers across a restart (xfer-save.c; camtraced keeps them in its state file). The offers as
 * a JSON array, newest first: {made (wall seconds), files [{path, name, size, mtime, id, dir}],
 * to [{packetno, addr, states}]}; NULL when there is none. */
struct ct_json;
struct ct_json *ct_xfer_offers_save(struct ct_xfer *x, double wall_now);
/* Takes saved offers back: those still within offer_ttl_ms (by their wall time), with their
 * file ids (peers ask for them) and bindings, a file that was being sent counted as offered;
 * unreadable ones are skipped. Logs the counts; returns how many were restored. */
size_t ct_xfer_offers_restore(struct ct_xfer *x, const struct ct_json *arr, double wall_now);
/* Changes when an offer, a binding or a file's state changes (time to save). */
uint64_t ct_xfer_offers_gen(const struct ct_xfer *x);
/* A new offer_ttl_ms (0: the default): it applies to the offers already made too, each counted
 * from when it was made (a reload). */
void ct_xfer_set_offer_ttl(struct ct_xfer *x, uint64_t ms);

struct ct_xfer_stats {
	uint64_t served, serve_refused, serve_bytes, fetched, fetch_failed, fetch_bytes;
	unsigned conns, offers;
};
void ct_xfer_stats(const struct ct_xfer *x, struct ct_xfer_stats *out);

/* ---- xfer-names.c ---- */
/* 0 when name is a safe single file name; else CT_EINVAL and why (static text): empty, ".",
 * "..", a '/' or '\\', a control character, a reserved device name (CON, NUL, COM1...), longer
 * than 255 bytes, a trailing dot or space. */
int ct_xfer_name_check(const char *name, const char **why);

#endif
