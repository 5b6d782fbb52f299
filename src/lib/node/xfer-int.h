/* xfer-int.h: the inside of the file-transfer engine, shared by xfer.c (offers, serving) and xfer-get.c (fetching) only. */
#ifndef CT_XFER_INT_H
#define CT_XFER_INT_H

#include <dirent.h>
#include <stdint.h>
#include <sys/types.h>
#include "addr.h"
#include "xfer.h"

#define XFER_REQ_MAX 2048        /* a request packet longer than this is refused */
#define XFER_CHUNK (256u << 10)  /* bytes per recv() */
#define XFER_TURN (8u << 20)     /* bytes moved per callback and connection at most (fairness) */
#define XFER_DIR_DEPTH 32        /* directory levels sent and received */
#define XFER_IPTUX_MAX 64        /* iptux peers remembered (ct_xfer_peer_iptux) */

struct xoffer_file {
	char *path, *name;
	uint64_t size, mtime;
	uint32_t id;
	int dir;
};

struct xbind {
	uint32_t packetno;
	struct ct_haddr to;
	enum ct_xfer_fstate *st;  /* one per file */
	uint64_t *bytes;
};

struct xoffer {
	uint64_t id, made_ms;
	struct xoffer_file *f;
	size_t n;
	struct xbind *b;
	size_t nb;
	struct xoffer *next;
};

struct sconn;
struct gconn;

struct ct_xfer {
	struct ct_node *node;
	struct ct_evloop *ev;
	struct ct_xfer_conf conf;
	struct xoffer *offers;        /* newest first */
	size_t noffers;
	uint64_t next_offer, next_get;
	uint32_t next_fileid;
	uint64_t gen;                 /* bumped when an offer, a binding or a file state changes (saving) */
	uint32_t first_pkt;           /* a packet number of this run: offers below it were made by an earlier one */
	struct sconn *sconns;
	struct gconn *gconns;
	unsigned nconns;
	uint64_t t_sweep;
	uint64_t probe_ms;            /* last progress of a served test transfer (the upload test waits on it) */
	struct ct_haddr iptux[XFER_IPTUX_MAX]; /* addresses whose packets say "iptux" (a ring) */
	unsigned niptux;
	int sized;                    /* ct_xfer_offer_sized(): directories announced with their total */
	struct ct_xfer_stats st;
};

/* xfer.c: frees an offer that is not (or no longer) in x->offers */
void xfer_offer_free(struct xoffer *o);

/* xfer-dir.c: walking an offered directory into its GETDIRFILES stream (§6.4) */
struct xdirwalk {
	DIR *stack[XFER_DIR_DEPTH];
	int depth, started;
};
/* The next record: its header appended to out; a regular file's contents to send next in
 * *filefd (opened, the caller closes it) up to *end. 1 when the stream is complete, -1 when the
 * top directory cannot be read. */
int xfer_dir_next(struct xdirwalk *w, const struct xoffer_file *top, struct ct_sbuf *out, int *filefd,
	off_t *end);
void xfer_dir_fini(struct xdirwalk *w);
/* The bytes of the regular files the stream of top would carry (what iptux announces). */
uint64_t xfer_dir_total(const struct xoffer_file *top);

/* xfer.c: the one-second sweep (timeouts, expiry) runs while there is something to watch */
void xfer_arm_sweep(struct ct_xfer *x);
/* xfer-get.c: timeouts of the fetches; frees every fetch (ct_xfer_free) */
void xfer_get_sweep(struct ct_xfer *x, uint64_t now_ms);
void xfer_get_free_all(struct ct_xfer *x);

#endif
