/* mon-model-int.h: the monitor model's private state, shared by mon-model*.c (not by the screen or the sources). */
#ifndef MON_MODEL_INT_H
#define MON_MODEL_INT_H

#include "mon-model.h"
#include "confval.h"
#include "err.h"

#define MON_FLAP_WINDOW_MS 300000 /* an exit or loss, then a join within 5 min: a flap (local) */
#define MON_TERMS_MAX 16

/* A host with its place in the table. */
struct mon_hrec {
	struct mon_host h;            /* first: a struct mon_host * is a struct mon_hrec * */
	size_t idx;
	unsigned mark;
	int64_t left_at;              /* ms of the last exit/loss (local flap counting) */
};

/* One filter word. */
enum mon_fterm_field {
	MON_FT_ANY = 0, MON_FT_USER, MON_FT_HOST, MON_FT_NICK, MON_FT_GROUP, MON_FT_ADDR,
	MON_FT_ORIGIN, MON_FT_STATE, MON_FT_PROG, MON_FT_FLAPS, MON_FT_UNSTABLE, MON_FT_PINNED,
	MON_FT_CIDR
};
struct mon_fterm {
	enum mon_fterm_field field;
	int neg;
	char s[64];                   /* lower-cased */
	long n;
	struct ct_cidr cidr;
};

struct mon_model {
	struct mon_viewstate vs;
	/* hosts: array of records and an open-addressing index by key */
	struct mon_hrec **hosts;
	size_t nhosts, caphosts;
	size_t *index;                /* idx + 1, 0 = empty */
	size_t capindex;
	uint64_t seq;
	/* the current view's host rows and the segments */
	struct mon_host **rows;
	size_t nrows, caprows;
	int rows_stale;
	/* every host in the sort order, kept between rebuilds (hosts are only ever added): an
	 * update that moves no row costs one ordered pass, not a sort (mon-model-view.c) */
	struct mon_host **sorted;
	size_t nsorted, capsorted;
	enum mon_sort sorted_by;
	int sorted_rev;
	struct mon_segment **segs;
	size_t nsegs, capsegs;
	int segs_stale;
	/* events and packets: rings of the newest ones */
	struct mon_event *ev;
	size_t ev_head, ev_n;         /* oldest at ev_head */
	uint64_t ev_seq;
	struct mon_packet *pk;
	size_t pk_head, pk_n;
	uint64_t pk_seq;
	uint64_t pause_ev_seq, pause_pk_seq; /* last seq shown while paused */
	/* the filtered events/packets of the view, by seq */
	uint64_t *fev, *fpk;
	size_t nfev, nfpk;
	uint64_t fev_upto, fpk_upto;  /* the lists hold everything up to these seqs */
	size_t fev_cap, fpk_cap;
	int flist_stale;
	/* segments' facts from the daemon's events */
	struct mon_segment *segfacts;
	size_t nsegfacts;
	int64_t last_notify;
	struct mon_rtp *rtp;
	const struct mon_rtp **rtprows;
	size_t nrtp;
	struct mon_fterm terms[MON_TERMS_MAX];
	size_t nterms;
	struct mon_counters cnt;
	int dirty;
	mon_event_fn on_ev;
	mon_packet_fn on_pkt;
	void *ud;
};

/* mon-model.c */
struct mon_event *mon_model_event_seq(struct mon_model *m, uint64_t seq);
struct mon_packet *mon_model_packet_seq(struct mon_model *m, uint64_t seq);
void mon_model_add_event(struct mon_model *m, enum mon_evkind kind, int level, const char *op, const char *key,
	int64_t t, char *text, char *json);
void mon_model_copy(char *dst, size_t size, const char *s);
void mon_model_hist(struct mon_host *h, int64_t t, const char *op);
/* mon-model-view.c */
int mon_model_host_match(const struct mon_model *m, const struct mon_host *h);
int mon_model_text_match(const struct mon_model *m, const char *text);
void mon_model_rebuild_segments(struct mon_model *m);
/* mon-model-feed.c */
void mon_model_segfact(struct mon_model *m, const char *server, int64_t t, const char *result);
struct mon_hrec *mon_model_host_get(struct mon_model *m, const char *key, int *created);
void mon_model_iso(int64_t ms, char *buf, size_t len);

#endif
