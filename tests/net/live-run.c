/* live-run.c: runs the live probe engine (probe-live.h) on an event loop for the lab scenarios and the benchmark; prints its figures as JSON. */
#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "err.h"
#include "evloop.h"
#include "outbuf.h"
#include "probe-live.h"

/* The loop's own health: a 10 ms timer measures how late the loop runs it. */
struct health {
	uint64_t due_ns, max_late_ns, ticks;
};

static void health_tick(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct health *h = ud;
	uint64_t now = ct_mono_ns();

	(void)id;
	if (now > h->due_ns && now - h->due_ns > h->max_late_ns)
		h->max_late_ns = now - h->due_ns;
	h->ticks++;
	h->due_ns = now + 10000000ull;
	(void)ct_evloop_add_timer(ev, 10, health_tick, h);
}

/* CPU time of this thread: a loop iteration's own work, not the time another process had the core. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct ct_live_opts o = { 0 };
	struct ct_live *lv = NULL;
	struct ct_evloop *ev = NULL;
	struct health h = { 0 };
	struct ct_out out;
	double secs = 5;
	char err[200];
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--interval") && i + 1 < argc)
			o.interval_ms = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			secs = atof(argv[++i]);
		else if (!strcmp(argv[i], "--port") && i + 1 < argc)
			o.port = (uint16_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--no-raw"))
			o.flags |= CT_LIVE_NO_RAW;
		else if (!strcmp(argv[i], "--no-ping"))
			o.flags |= CT_LIVE_NO_PING;
		else {
			fprintf(stderr, "usage: live-run [--interval MS] [--seconds S] [--port P] [--no-raw] [--no-ping] ADDR|ADDR/COUNT...\n");
			return 2;
		}
	}
	if (ct_live_new(&lv, &o, err, sizeof err) != 0 || ct_evloop_new(&ev) != 0) {
		fprintf(stderr, "live-run: %s\n", err);
		return 1;
	}
	for (; i < argc; i++) {
		char buf[64], *slash;
		uint32_t a;
		unsigned n = 1;
		snprintf(buf, sizeof buf, "%s", argv[i]);
		if ((slash = strchr(buf, '/'))) { /* ADDR/COUNT: COUNT consecutive addresses */
			*slash = 0;
			n = (unsigned)atoi(slash + 1);
		}
		if (inet_pton(AF_INET, buf, &a) != 1) {
			fprintf(stderr, "live-run: bad address %s\n", buf);
			return 2;
		}
		for (unsigned k = 0; k < n; k++)
			(void)ct_live_add(lv, htonl(ntohl(a) + k), 1);
	}
	if (ct_live_attach(lv, ev) != 0)
		return 1;
	h.due_ns = ct_mono_ns() + 10000000ull;
	(void)ct_evloop_add_timer(ev, 10, health_tick, &h);
	/* the busy part of each loop iteration (its wait excluded: the time after epoll returned is
	 * not known here, so an iteration that did not wait its whole timeout counts whole) */
	uint64_t t_start = ct_mono_ns(), max_cpu = 0, max_iter = 0, max_iter_warm = 0, over5 = 0, iters = 0;
	for (uint64_t end = t_start + (uint64_t)(secs * 1e9); ct_mono_ns() < end;) {
		uint64_t a = ct_mono_ns(), ca = cpu_ns(), d, cd;
		(void)ct_evloop_run_once(ev, 0);
		d = ct_mono_ns() - a;
		cd = cpu_ns() - ca;
		if (cd > max_cpu)
			max_cpu = cd;
		iters++;
		if (d > max_iter)
			max_iter = d;
		if (a > t_start + 2000000000ull && d > max_iter_warm)
			max_iter_warm = d;
		over5 += d > 5000000ull;
		(void)ct_evloop_run_once(ev, 5); /* the wait: not counted */
	}
	printf("{\"interval_ms\":%llu,\"loop\":{\"max_dispatch_ms\":%.3f,\"max_late_ms\":%.3f,\"ticks\":%llu,"
	       "\"max_busy_cpu_ms\":%.3f,\"max_busy_ms\":%.3f,\"max_busy_after_2s_ms\":%.3f,\"busy_over_5ms\":%llu,\"iterations\":%llu},\"notes\":%u,\"hosts\":[\n",
		(unsigned long long)ct_live_interval(lv), ct_live_max_dispatch_ns(lv) / 1e6, h.max_late_ns / 1e6,
		(unsigned long long)h.ticks, max_cpu / 1e6, max_iter / 1e6, max_iter_warm / 1e6, (unsigned long long)over5,
		(unsigned long long)iters, ct_live_nnotes(lv));
	fflush(stdout);
	ct_out_init(&out, 1);
	for (size_t k = 0; k < ct_live_count(lv); k++) {
		ct_live_target_json(&out, ct_live_at(lv, k));
		ct_out_puts(&out, k + 1 == ct_live_count(lv) ? "\n" : ",\n");
	}
	ct_out_puts(&out, "]}\n");
	ct_out_fini(&out);
	ct_live_free(lv);
	ct_evloop_free(ev);
	return 0;
}
