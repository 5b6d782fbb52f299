/* mon-stream.c: `camtrace monitor` when standard output is not a terminal: the model's events (and packet lines) as timestamped lines or NDJSON, with -c and --duration. */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "jsonw.h"
#include "mon-app.h"
#include "outbuf.h"

struct stream {
	struct mon_app *app;
	struct ct_out out;
};

static volatile sig_atomic_t got_stop;

static void on_signal(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void counted(struct stream *st)
{
	struct mon_app *a = st->app;

	ct_out_flush(&st->out, 1);
	if (++a->written >= a->count && a->count) {
		a->stop = 1;
		ct_evloop_stop(a->ev);
	}
}

static void on_event(void *ud, const struct mon_event *e)
{
	struct stream *st = ud;
	struct mon_app *a = st->app;
	char ts[64]; /* room for any int the compiler imagines in each field */
	time_t s;
	struct tm tm;

	if (a->stop)
		return;
	/* the packet line already says it */
	if (a->packets && (e->kind == MON_EV_UNANSWERED || e->kind == MON_EV_ICMP))
		return;
	if (a->json)
		ct_out_puts(&st->out, e->json);
	else {
		s = (time_t)(e->t / 1000);
		gmtime_r(&s, &tm);
		snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900, tm.tm_mon + 1,
			tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(e->t % 1000));
		ct_out_puts(&st->out, ts);
		ct_out_puts(&st->out, e->text);
	}
	ct_out_putc(&st->out, '\n');
	counted(st);
}

static void on_packet(void *ud, const struct mon_packet *p)
{
	struct stream *st = ud;
	struct mon_app *a = st->app;

	if (a->stop || !a->packets)
		return;
	if (a->json) {
		ct_out_puts(&st->out, "{\"v\":1,\"ev\":\"packet\"");
		ct_jw_kint(&st->out, "t", p->t);
		ct_jw_kstr(&st->out, "line", p->line);
		ct_jw_kbool(&st->out, "unanswered", (p->flags & MON_PKT_UNANSWERED) != 0);
		ct_out_putc(&st->out, '}');
	} else
		ct_out_puts(&st->out, p->line);
	ct_out_putc(&st->out, '\n');
	counted(st);
}

int mon_stream_run(struct mon_app *a, int fd)
{
	struct stream st = { .app = a };
	struct sigaction sa;
	uint64_t deadline = a->duration > 0 ? ct_mono_ns() + (uint64_t)(a->duration * 1e9) : 0;
	int rc = 0;

	ct_out_init(&st.out, fd);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	got_stop = 0;
	/* what the sources said while they opened, then everything as it comes */
	for (size_t i = 0, n = mon_model_event_count(a->model); i < n && !a->stop; i++)
		on_event(&st, mon_model_event_at(a->model, i));
	mon_model_listen(a->model, on_event, on_packet, &st);
	while (!a->stop && !got_stop && !st.out.write_error) {
		int wait = mon_app_wait_ms(deadline, ct_mono_ns());
		if (wait < 0)
			break;
		if (ct_evloop_run_once(a->ev, wait) < 0 && errno != EINTR) {
			rc = 71; /* EX_OSERR */
			break;
		}
		if (mon_src_finished(a->src))
			break;
	}
	mon_model_listen(a->model, NULL, NULL, NULL);
	ct_out_flush(&st.out, 1);
	if (st.out.write_error && st.out.write_error != EPIPE)
		rc = 74; /* EX_IOERR */
	ct_out_fini(&st.out);
	return rc;
}
