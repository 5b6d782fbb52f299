/* fed-bench.c: the federation at scale: N list-server engines on loopback in one process, H owned hosts each: convergence time, bytes per refresh unchanged and after 1% changed, memory per server. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "codec.h"
#include "evloop.h"
#include "fed.h"
#include "hosts.h"
#include "node.h"

#define MAXN 32

static struct ct_evloop *ev;
static struct ct_hosts *T[MAXN];
static struct ct_node *N[MAXN];
static struct ct_fed *F[MAXN];
static uint16_t P[MAXN];
static int n_srv, n_hosts;

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static void own(int i, int j, uint32_t status)
{
	struct ct_host_info in;
	char u[32], h[32];

	memset(&in, 0, sizeof in);
	snprintf(u, sizeof u, "u%d-%d", i, j);
	snprintf(h, sizeof h, "pc%d-%d", i, j);
	in.user = u;
	in.host = h;
	in.nick = u;
	in.group = "bench";
	in.status = status;
	ct_haddr_set_v4(&in.addr, 0x0A000000u | (uint32_t)i << 16 | (uint32_t)j, 2425);
	ct_hosts_update(T[i], &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, ct_mono_ms(), ct_wall_now(), NULL);
}

/* Every server holds every other server's hosts online, with the status given (1% changed). */
static int converged(int absent_per_srv)
{
	for (int i = 0; i < n_srv; i++) {
		size_t peer = 0, absent = 0;
		for (size_t k = 0; k < ct_hosts_count(T[i]); k++) {
			const struct ct_host *h = ct_hosts_at(T[i], k);
			if ((h->origin & CT_HOST_PEER) && h->state != CT_HOST_OFFLINE) {
				peer++;
				absent += h->state == CT_HOST_ABSENT;
			}
		}
		if (peer != (size_t)(n_srv - 1) * (size_t)n_hosts || absent != (size_t)(n_srv - 1) * (size_t)absent_per_srv)
			return 0;
	}
	return 1;
}

static uint64_t bytes_tx(void)
{
	uint64_t b = 0;

	for (int i = 0; i < n_srv; i++)
		for (size_t k = 0; k < ct_fed_npeers(F[i]); k++)
			b += ct_fed_peer(F[i], k)->bytes_tx;
	return b;
}

static int pump_until(int absent, uint64_t max_ms)
{
	uint64_t end = ct_mono_ms() + max_ms, next = 0;

	while (ct_mono_ms() < end) {
		ct_evloop_run_once(ev, 20);
		if (ct_mono_ms() >= next) {
			if (converged(absent))
				return 1;
			next = ct_mono_ms() + 200;
		}
	}
	return 0;
}

int main(void)
{
	char err[256], peers[MAXN][MAXN][32];
	const char *pv[MAXN][MAXN];
	uint64_t t0, t_conv, b0, b_full, b_idle, b_change;
	long rss_empty, rss_loaded, rss_conv;
	int refresh_ms = getenv("FED_REFRESH_MS") ? atoi(getenv("FED_REFRESH_MS")) : 2000;

	n_srv = getenv("FED_N") ? atoi(getenv("FED_N")) : 10;
	n_hosts = getenv("FED_HOSTS") ? atoi(getenv("FED_HOSTS")) : 10000;
	if (n_srv < 2 || n_srv > MAXN || n_hosts < 100 || n_hosts > 65000) {
		fprintf(stderr, "FED_N 2-%d, FED_HOSTS 100-65000\n", MAXN);
		return 2;
	}
	ct_evloop_new(&ev);
	rss_empty = rss_kb();
	for (int i = 0; i < n_srv; i++) {
		struct ct_node_conf c;
		char name[16];
		memset(&c, 0, sizeof c);
		snprintf(name, sizeof name, "srv%d", i);
		c.bind_addr = "127.0.0.1";
		c.user = name;
		c.host = "bench";
		c.no_broadcast = 1;
		c.rcvbuf = 16 << 20;
		T[i] = ct_hosts_new();
		ct_hosts_set_limits(T[i], (size_t)n_srv * (size_t)n_hosts + 1000, 0);
		for (uint16_t p = (uint16_t)(30000 + i * 17); p < 65000 && !N[i]; p += 331) {
			c.port = p;
			if (ct_node_new(&N[i], ev, T[i], &c, err, sizeof err) == 0)
				P[i] = p;
		}
		if (!N[i]) {
			fprintf(stderr, "node %d: %s\n", i, err);
			return 1;
		}
		for (int j = 0; j < n_hosts; j++)
			own(i, j, 0x01000000);
	}
	rss_loaded = rss_kb();
	for (int i = 0; i < n_srv; i++) {
		struct ct_fed_conf fc;
		int np = 0;
		for (int k = 0; k < n_srv; k++)
			if (k != i) {
				snprintf(peers[i][np], 32, "127.0.0.1:%u", P[k]);
				pv[i][np] = peers[i][np];
				np++;
			}
		memset(&fc, 0, sizeof fc);
		fc.peers = pv[i];
		fc.npeers = (size_t)np;
		fc.refresh_ms = (uint64_t)refresh_ms;
		fc.lease_ms = 120000;
		fc.budget = 8191;
		if (ct_fed_new(&F[i], N[i], &fc, err, sizeof err) != 0) {
			fprintf(stderr, "fed %d: %s\n", i, err);
			return 1;
		}
	}
	t0 = ct_mono_ms();
	if (!pump_until(0, 300000)) {
		fprintf(stderr, "no convergence within 300 s\n");
		return 1;
	}
	t_conv = ct_mono_ms() - t0;
	b_full = bytes_tx();
	rss_conv = rss_kb();
	/* a refresh with nothing changed: the digests, one per peer */
	for (int k = 0; k < 3; k++)
		ct_evloop_run_once(ev, 50);
	b0 = bytes_tx();
	for (int i = 0; i < n_srv; i++)
		ct_fed_refresh(F[i]);
	for (int k = 0; k < 20; k++)
		ct_evloop_run_once(ev, 50);
	b_idle = bytes_tx() - b0;
	/* 1% of each server's hosts change (absent) */
	b0 = bytes_tx();
	for (int i = 0; i < n_srv; i++)
		for (int j = 0; j < n_hosts / 100; j++)
			own(i, j * 100, 0x01000100);
	t0 = ct_mono_ms();
	if (!pump_until(n_hosts / 100, 60000)) {
		fprintf(stderr, "1%% change not converged within 60 s\n");
		return 1;
	}
	uint64_t t_change = ct_mono_ms() - t0;
	for (int k = 0; k < 20; k++)
		ct_evloop_run_once(ev, 50); /* the last answers in flight */
	b_change = bytes_tx() - b0;

	double per_srv_full = (double)b_full / n_srv, per_srv_idle = (double)b_idle / n_srv,
		per_srv_change = (double)b_change / n_srv;
	printf("fed-bench: %d servers x %d owned hosts, full mesh on loopback (one process), refresh %d ms\n",
		n_srv, n_hosts, refresh_ms);
	printf("converge after start:        %8.2f s   (goal: one refresh plus the transfer; %d ms refresh)\n",
		t_conv / 1000.0, refresh_ms);
	printf("bytes sent per server, full: %10.0f  (%d peers x %d hosts: %.1f bytes/host/peer)\n", per_srv_full,
		n_srv - 1, n_hosts, per_srv_full / (n_srv - 1) / n_hosts);
	printf("bytes per refresh unchanged: %10.0f  per server (%.0f per peer: a digest); ratio to the full list %.6f"
		" (goal: a digest, not the list)\n", per_srv_idle, per_srv_idle / (n_srv - 1), per_srv_idle / per_srv_full);
	printf("bytes after 1%% changed:      %10.0f  per server, converged in %.2f s; ratio to the full list %.4f"
		" (goal: ~0.01, the changed hosts only)\n", per_srv_change, t_change / 1000.0, per_srv_change / per_srv_full);
	printf("memory per server:           %8.1f MB  (RSS %ld MB for %d servers holding %d hosts each; own hosts only "
		"before the exchange: %.1f MB per server); issue 17 reference: 100,000 hosts in about 34 MB\n",
		(rss_conv - rss_empty) / 1024.0 / n_srv, rss_conv / 1024, n_srv, n_srv * n_hosts,
		(rss_loaded - rss_empty) / 1024.0 / n_srv);
	for (int i = 0; i < n_srv; i++) {
		ct_fed_free(F[i]);
		ct_node_free(N[i]);
		ct_hosts_free(T[i]);
	}
	ct_evloop_free(ev);
	return 0;
}
