/* mon-ui-drive.c: [--hosts N] [--pps N] [--seconds S] [--out FILE] drives camtrace monitor's screen (mon-ui*.c over the real model) on the terminal with synthetic load: N hosts as the daemon's subscription lines, P packet lines a second, host changes; prints the redraw figures and its CPU time at the end (tests/bench/mon-bench.sh). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "clock.h"
#include "evloop.h"
#include "mon-model.h"
#include "mon-ui.h"

struct drive {
	struct ct_evloop *ev;
	struct mon_model *m;
	struct mon_ui *ui;
	unsigned hosts, pps, seconds;
	uint64_t pkts, start_ms;
	double acc;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const ja[] = { "太郎", "花子", "営業部の次郎", "山田" };

static void feed_host(struct drive *d, unsigned i, const char *op, const char *state)
{
	char line[768];
	int n;

	n = snprintf(line, sizeof line,
		"{\"v\":1,\"ev\":\"host\",\"t\":%lld,\"op\":\"%s\",\"host\":{\"user\":\"user%u\",\"host\":\"pc%u\","
		"\"nick\":\"%s%u\",\"group\":\"%s\",\"addr\":\"10.%u.%u.%u\",\"port\":2425,\"state\":\"%s\","
		"\"origin\":\"%s\",\"flap_count\":%u,\"unstable\":%s,\"offline_reason\":\"%s\"}}",
		(long long)now_ms(), op, i, i, i % 7 == 0 ? ja[i % 4] : "nick", i, i % 3 ? "dev" : "営業部",
		64 + i / 65536 % 64, i / 256 % 256, i % 256, state, i % 2 ? "local" : "list", i % 5, i % 11 ? "false" : "true",
		strcmp(state, "offline") ? "" : "left");
	mon_model_feed_json(d->m, line, (size_t)n, now_ms(), NULL, 0);
}

static void load_cb(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct drive *d = ud;
	char line[256];
	unsigned k;

	(void)id;
	ct_evloop_add_timer(ev, 10, load_cb, d);
	d->acc += d->pps / 100.0;
	for (k = 0; d->acc >= 1; d->acc -= 1, k++) {
		int n = snprintf(line, sizeof line,
			"12:00:00.%06llu 10.64.0.%llu:2425 > 10.64.0.1:2425 GETINFO user%llu@pc%llu #%llu",
			(unsigned long long)(d->pkts % 1000000), (unsigned long long)(d->pkts % 250),
			(unsigned long long)(d->pkts % d->hosts), (unsigned long long)(d->pkts % d->hosts),
			(unsigned long long)d->pkts);
		mon_model_packet(d->m, now_ms(), d->pkts % 97 == 0 ? MON_PKT_UNANSWERED : 0, line, (size_t)n);
		d->pkts++;
	}
	if (d->pkts % 1000 < k) /* now and then a host goes and comes */
		feed_host(d, (unsigned)(d->pkts % d->hosts), d->pkts % 2000 < 1000 ? "exit" : "back",
			d->pkts % 2000 < 1000 ? "offline" : "online");
	mon_ui_kick(d->ui);
	if (d->seconds && ct_evloop_now_ms(ev) - d->start_ms >= d->seconds * 1000ULL)
		ct_evloop_stop(ev);
}

static void quit(void *ud)
{
	ct_evloop_stop(((struct drive *)ud)->ev);
}

int main(int argc, char **argv)
{
	struct drive d = { .hosts = 10000, .pps = 10000, .seconds = 0 };
	struct mon_ui_hooks hk = { .quit = quit };
	struct mon_ui_opts o = { .color = getenv("NO_COLOR") == NULL, .utc = 1, .context = "mon-ui-drive: synthetic load" };
	struct rusage ru;
	uint64_t redraws, worst, total, t0;
	double cpu;
	char err[256];
	const char *out = NULL;
	FILE *fp = stdout;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--hosts"))
			d.hosts = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--pps"))
			d.pps = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			d.seconds = (unsigned)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
	}
	if (d.hosts == 0)
		d.hosts = 1;
	if (ct_evloop_new(&d.ev) < 0 || !(d.m = mon_model_new()))
		return 1;
	hk.ud = &d;
	for (unsigned i = 0; i < d.hosts; i++)
		feed_host(&d, i, "present", i % 13 ? "online" : "absent");
	mon_model_feed_json(d.m, "{\"v\":1,\"ev\":\"synced\",\"t\":0,\"hosts\":1}", 37, now_ms(), NULL, 0);
	if (mon_ui_open(&d.ui, d.ev, d.m, &o, &hk, err, sizeof err) < 0) {
		fprintf(stderr, "mon-ui-drive: %s\n", err);
		mon_model_free(d.m);
		ct_evloop_free(d.ev);
		return 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	t0 = ct_mono_ns();
	d.start_ms = ct_evloop_now_ms(d.ev);
	ct_evloop_add_timer(d.ev, 10, load_cb, &d);
	ct_evloop_run(d.ev);
	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6 - cpu;
	mon_ui_stats(d.ui, &redraws, &worst, &total);
	mon_ui_close(d.ui);
	if (out && !(fp = fopen(out, "w")))
		fp = stderr;
	fprintf(fp, "hosts %u packets %llu wall_s %.2f cpu_s %.3f cpu_pct %.2f redraws %llu redraw_avg_ms %.3f "
		"redraw_worst_ms %.3f\n", d.hosts, (unsigned long long)d.pkts, (double)(ct_mono_ns() - t0) / 1e9, cpu,
		100.0 * cpu / ((double)(ct_mono_ns() - t0) / 1e9), (unsigned long long)redraws,
		redraws ? (double)total / (double)redraws / 1e6 : 0, (double)worst / 1e6);
	if (fp != stdout && fp != stderr)
		fclose(fp);
	mon_model_free(d.m);
	ct_evloop_free(d.ev);
	return 0;
}
