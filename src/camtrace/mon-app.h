/* mon-app.h: what `camtrace monitor` hands its screen (mon-ui*.c, curses) and its line stream (mon-stream.c): the model, the sources, the loop, the options. */
#ifndef MON_APP_H
#define MON_APP_H

#include <stdint.h>
#include "cmd.h"
#include "evloop.h"
#include "mon-model.h"
#include "mon-src.h"

struct mon_app {
	struct ct_cli *cli;
	struct mon_model *model;
	struct mon_src *src;
	struct ct_evloop *ev;
	int color;                /* colour allowed: no NO_COLOR, no --no-color (cli->color is TTY-only) */
	int compact;              /* --compact */
	double interval_s;        /* --interval */
	/* the line stream */
	int json;                 /* NDJSON */
	int packets;              /* packet lines too (always with --replay) */
	uint64_t count;           /* stop after this many lines (0: no limit) */
	double duration;          /* stop after this long (0: no limit) */
	uint64_t written;         /* lines written so far */
	int stop;                 /* set to end the run (count reached, signal) */
};

/* The screen, when built with ncursesw (mon-ui.c): runs until q or a signal and returns the
 * exit code. A weak reference: without the screen the monitor is the line stream alone. */
int mon_ui_run(struct mon_app *app) __attribute__((weak));

/* mon-stream.c: the line stream on fd until the count, the duration, the end of a replay or a
 * signal; returns the exit code. */
int mon_stream_run(struct mon_app *app, int fd);

/* The loop's next wait (ms, at most 200) before a deadline (monotonic ns, 0 = none); -1 once
 * it has passed. Shared by the screen's and the stream's loops. */
static inline int mon_app_wait_ms(uint64_t deadline, uint64_t now)
{
	if (!deadline)
		return 200;
	if (now >= deadline)
		return -1;
	return (deadline - now) / 1000000 < 200 ? (int)((deadline - now) / 1000000) + 1 : 200;
}

#endif
