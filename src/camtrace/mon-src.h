/* mon-src.h: camtrace monitor's data sources on one event loop: camtraced's subscription (or its users list polled), UDP 2425 heard without a daemon, the live capture or a replayed pcap, the doctor run as a child. */
#ifndef MON_SRC_H
#define MON_SRC_H

#include <stddef.h>
#include "evloop.h"
#include "mon-model.h"

struct mon_src_opts {
	const char *ctl;          /* camtraced's control socket */
	int no_daemon;            /* do not ask camtraced */
	int no_capture;           /* no live capture */
	int no_listen;            /* do not listen on UDP 2425 when there is no daemon */
	const char *replay;       /* read this pcap instead of capturing (packet and host views) */
	const char *iface;        /* capture interface (NULL: every interface) */
	double interval_s;        /* the users poll (older daemons) and probe interval (default 2) */
	double lost_after_s;      /* hosts heard locally and silent this long are lost (default 600) */
	const char *self;         /* this program, to run `camtrace doctor` */
	int keep_root;            /* -Z root: do not drop privileges */
	int probes;               /* probe the selected and pinned hosts (the screen) */
	const char *scan;         /* without a daemon: search this range from UDP 2425 first */
};

struct mon_src;

/* Opens the privileged things first (the capture), drops privileges, then reads the replay file,
 * connects to camtraced (subscribe; an older daemon is polled) or, without one, listens on UDP
 * 2425. What cannot be shown and why goes into the model as status events (never fails for
 * that). Returns 0, or a negative CT_E* code with a message when nothing can run at all (bad
 * replay file, out of memory). */
int mon_src_open(struct mon_src **out, struct mon_model *m, struct ct_evloop *ev, const struct mon_src_opts *o,
	char *err, size_t errlen);
void mon_src_close(struct mon_src *s);

/* The replay file has been read to its end (the stream then stops). */
int mon_src_finished(const struct mon_src *s);
/* One line saying where the data comes from ("camtraced /run/camtraced/ctl.sock (subscribed),
 * capture on any, probes off: no privilege"), for the header and the stream's first line. */
const char *mon_src_describe(const struct mon_src *s);

/* Runs `camtrace doctor --user USER --json` on the host with this key as a child, without
 * blocking the loop; its verdict goes into the model (mon_model_doctor). CT_ENOTFOUND (no such
 * host), CT_EAGAIN (one is running already), CT_ESYS. */
int mon_src_doctor(struct mon_src *s, const char *key);

/* The selected host or the pinned set changed: the probes follow the selected host (NULL: none)
 * and every pinned one. A reset of the model's counters (r) resets the probes' too. */
void mon_src_select(struct mon_src *s, const char *key);

#endif
