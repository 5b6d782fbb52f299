/* mon-ui.h: camtrace monitor's curses screen: views drawn from the model, keys read on the caller's event loop, redraws capped at 10 a second. */
#ifndef MON_UI_H
#define MON_UI_H

#include <stddef.h>
#include <stdint.h>
#include "evloop.h"
#include "mon-model.h"

/*
 * The screen is the only curses user (with mon-ui-*.c). It reads the model, never feeds it
 * except through the keys' actions (mon_model_sort, _filter, _move, ...). The front end
 * (cmd-monitor.c) feeds the model from its sources and calls mon_ui_kick() after each batch;
 * the screen then redraws at most every 100 ms (erase + draw + refresh: curses sends only the
 * difference; a full repaint only on Ctrl-L and after a resize). Keys are read from standard
 * input on the same event loop (watched fd 0); SIGWINCH comes in through a self-pipe on the
 * loop too, so a resize is handled at once, overlays included.
 */

struct mon_ui;
struct mon_host;

/* What the keys ask of the front end (each may be NULL: then the key says it cannot). */
struct mon_ui_hooks {
	void *ud;
	void (*quit)(void *ud);                       /* q, Ctrl-C: stop the loop */
	void (*doctor)(void *ud, struct mon_host *h); /* D: run the doctor on h (mon_model_doctor) */
	void (*pin)(void *ud, struct mon_host *h, int on); /* m: pin/unpin h's probe columns */
	void (*select)(void *ud, struct mon_host *h); /* the selected host changed (live probes) */
	void (*reset)(void *ud);                      /* r: after mon_model_reset (probe counters) */
	/* s: save a snapshot; 0 and the saved path, or < 0 and a message. NULL: the model's
	 * mon_model_snapshot_save into opts.snapdir. */
	int (*save)(void *ud, char *path, size_t pathlen, char *err, size_t errlen);
	/* i: the probe and poll interval: 0 reads it, else sets it; returns it in seconds */
	double (*interval)(void *ud, double seconds);
};

struct mon_ui_opts {
	int color;             /* 0: no colour at all (NO_COLOR, --no-color) */
	int utc;               /* event times in UTC (else local time) */
	int compact;           /* start in compact mode (c toggles) */
	const char *snapdir;   /* snapshots (NULL: the model's default) */
	const char *context;   /* header: "198.18.1.11 -> camtraced ctl.sock" and so on */
};

/* The smallest terminal the screen draws on; below it: "terminal too small (need WxH)". */
#define MON_UI_MIN_W 60
#define MON_UI_MIN_H 10

/* Starts curses on the terminal (standard input and output) and watches fd 0 on ev. 0, or a
 * negative CT_E* code with a message (not a terminal, no terminfo entry, ...). */
int mon_ui_open(struct mon_ui **out, struct ct_evloop *ev, struct mon_model *m, const struct mon_ui_opts *o,
	const struct mon_ui_hooks *hooks, char *err, size_t errlen);
/* Ends curses and restores the terminal (also the SIGWINCH handler); NULL is fine. */
void mon_ui_close(struct mon_ui *ui);
/* The model changed: redraw soon (at most 10 times a second; nothing while paused, except the
 * header). */
void mon_ui_kick(struct mon_ui *ui);
/* Replaces the header's context text (the scope: local address, daemon, capture state). */
void mon_ui_set_context(struct mon_ui *ui, const char *text);
/* A message in the bottom line for a few seconds ("saved ...", "no daemon: ..."). */
void mon_ui_message(struct mon_ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Draws now, whatever the cap (tests and the benchmark); returns the time it took in ns. */
uint64_t mon_ui_draw_now(struct mon_ui *ui);
/* Redraws so far and their worst time in ns (the benchmark's figures). */
void mon_ui_stats(const struct mon_ui *ui, uint64_t *redraws, uint64_t *worst_ns, uint64_t *total_ns);

/* mon-ui-interval.c: the sources' interval at run time (probe-live's rounds, the users poll). */
struct mon_src;
double mon_src_set_interval(struct mon_src *s, double seconds);
double mon_src_interval(const struct mon_src *s);

#endif
