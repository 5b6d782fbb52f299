/* mon-ui-run.c: camtrace monitor on a terminal: the screen (mon-ui.c) over the app's model and sources on their one event loop, until q, a signal or --duration. */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include "clock.h"
#include "err.h"
#include "mon-app.h"
#include "mon-ui.h"

static volatile sig_atomic_t got_stop;

static void on_signal(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void hk_quit(void *ud)
{
	struct mon_app *a = ud;

	a->stop = 1;
	ct_evloop_stop(a->ev);
}

static struct mon_ui *the_ui; /* for the hooks' messages */

static void hk_doctor(void *ud, struct mon_host *h)
{
	struct mon_app *a = ud;
	int r = mon_src_doctor(a->src, h->key);

	if (r == CT_EAGAIN)
		mon_ui_message(the_ui, "a doctor run is going on already: wait for its verdict");
	else if (r < 0)
		mon_ui_message(the_ui, "the doctor cannot run: %s", ct_strerror(r));
	else
		mon_ui_message(the_ui, "doctor running on %s@%s ...", h->user, h->host);
}

static void hk_select(void *ud, struct mon_host *h)
{
	struct mon_app *a = ud;

	mon_src_select(a->src, h ? h->key : NULL);
}

static void hk_pin(void *ud, struct mon_host *h, int on)
{
	struct mon_app *a = ud;

	/* the sources probe the selected host and every pinned one: tell them the set changed */
	mon_src_select(a->src, h->key);
	mon_ui_message(the_ui, "%s %s@%s", on ? "pinned" : "unpinned", h->user, h->host);
}

/* CAMTRACE_MON_STATS=FILE: the redraw figures at the end (tests/bench/mon-bench.sh). */
static void stats_out(const struct mon_ui *ui)
{
	const char *path = getenv("CAMTRACE_MON_STATS");
	uint64_t n, worst, total;
	FILE *fp;

	if (!path || !*path || !(fp = fopen(path, "w")))
		return;
	mon_ui_stats(ui, &n, &worst, &total);
	fprintf(fp, "redraws %llu redraw_avg_ms %.3f redraw_worst_ms %.3f\n", (unsigned long long)n,
		n ? (double)total / (double)n / 1e6 : 0.0, (double)worst / 1e6);
	fclose(fp);
}

static double hk_interval(void *ud, double seconds)
{
	struct mon_app *a = ud;

	return seconds > 0 ? mon_src_set_interval(a->src, seconds) : mon_src_interval(a->src);
}

int mon_ui_run(struct mon_app *a)
{
	struct mon_ui_hooks hk = { .ud = a, .quit = hk_quit, .doctor = hk_doctor, .select = hk_select, .pin = hk_pin,
		.interval = hk_interval };
	struct mon_ui_opts o = { .color = a->color, .compact = a->compact };
	struct sigaction sa, old_int, old_term, old_hup;
	uint64_t deadline = a->duration > 0 ? ct_mono_ns() + (uint64_t)(a->duration * 1e9) : 0;
	char err[256], ctx[256];
	int rc = 0;

	snprintf(ctx, sizeof ctx, "%s", mon_src_describe(a->src));
	o.context = ctx;
	if (mon_ui_open(&the_ui, a->ev, a->model, &o, &hk, err, sizeof err) < 0) {
		fprintf(stderr, "camtrace monitor: %s\n", err);
		return EX_UNAVAILABLE;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	got_stop = 0;
	while (!a->stop && !got_stop) {
		int wait = mon_app_wait_ms(deadline, ct_mono_ns());

		if (wait < 0)
			break;
		if (ct_evloop_run_once(a->ev, wait) < 0 && errno != EINTR) {
			rc = EX_OSERR;
			break;
		}
		if (strcmp(ctx, mon_src_describe(a->src)) != 0) {
			snprintf(ctx, sizeof ctx, "%s", mon_src_describe(a->src));
			mon_ui_set_context(the_ui, ctx);
		}
		mon_ui_kick(the_ui); /* whatever the sources fed: one redraw at most every 100 ms */
	}
	stats_out(the_ui);
	mon_ui_close(the_ui);
	the_ui = NULL;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	return rc;
}
