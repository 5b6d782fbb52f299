/* mon-src-live.c: the monitor's probe columns: probe-live's mtr-style probes (UDP 2425 answer rate and RTT, TCP 2425 state, ICMP loss and RTT) of the selected and the pinned hosts, fed into the model. */
#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "mon-src-int.h"
#include "probe-live.h"

static double ms_of(const struct ct_live_stats *k, uint64_t ns)
{
	return k->answered && ns ? (double)ns / 1e6 : -1;
}

/* A target's figures changed: into the host's probe columns (an ICMP error once as an event). */
static void on_live(struct ct_live *lv, const struct ct_live_target *t, void *ud)
{
	struct mon_src *s = ud;
	struct mon_host *h = t->ud;
	const struct ct_live_stats *u = &t->k[CT_LIVE_UDP], *ic = &t->k[CT_LIVE_ICMP];
	struct mon_probe p;
	int64_t now = mon_src_now();

	(void)lv;
	if (!h)
		return;
	if (mon_model_counters(s->m)->since != s->live_since) {
		/* the counters were reset (r): the probes start again from zero too */
		s->live_since = mon_model_counters(s->m)->since;
		ct_live_reset(s->lv, 0);
		return;
	}
	memset(&p, 0, sizeof p);
	p.active = 1;
	p.udp_sent = u->done;
	p.udp_answered = u->answered;
	p.udp_rtt_ms = ms_of(u, u->last_ns);
	p.udp_rtt_avg_ms = ms_of(u, u->avg_ns);
	snprintf(p.tcp_state, sizeof p.tcp_state, "%s", t->k[CT_LIVE_TCP].avail == CT_LIVE_AVAIL_NOPRIV ?
		"no_privilege" : ct_live_tcp_key(t->tcp_state));
	p.icmp_sent = ic->done;
	p.icmp_recv = ic->answered;
	p.icmp_rtt_ms = ms_of(ic, ic->last_ns);
	snprintf(p.icmp_error, sizeof p.icmp_error, "%s", ic->avail == CT_LIVE_AVAIL_NOPRIV ? "no_privilege" :
		t->icmp_err.key);
	p.updated = now;
	if (t->icmp_err.key[0] && t->icmp_err.at_ms != s->live_icmp_at[t->addr % MON_LIVE_SLOTS]) {
		char from[INET_ADDRSTRLEN];
		s->live_icmp_at[t->addr % MON_LIVE_SLOTS] = t->icmp_err.at_ms;
		inet_ntop(AF_INET, &t->icmp_err.from, from, sizeof from);
		mon_model_note(s->m, MON_EV_ICMP, 1, h->key, now, "icmp    %s: %s from %s%s (%s probe)", h->addr,
			t->icmp_err.key, from, t->icmp_err.from_target ? " (the host itself)" : "",
			t->icmp_err.kind >= 0 ? ct_live_kind_key(t->icmp_err.kind) : "?");
	}
	if (t->program[0] && !h->program[0])
		snprintf(h->program, sizeof h->program, "%.*s", (int)sizeof h->program - 1, t->program);
	mon_model_probe(s->m, h->key, &p);
}

void mon_src_live_open(struct mon_src *s)
{
	struct ct_live_opts lo = { .interval_ms = (uint64_t)(s->o.interval_s * 1000) };
	char err[256] = "";

	if (lo.interval_ms < CT_LIVE_MIN_INTERVAL_MS)
		lo.interval_ms = CT_LIVE_MIN_INTERVAL_MS;
	if (ct_live_new(&s->lv, &lo, err, sizeof err) != 0) {
		s->lv = NULL;
		mon_model_note(s->m, MON_EV_STATUS, 1, NULL, mon_src_now(), "no probe columns: %s", err);
		return;
	}
	for (unsigned i = 0; i < ct_live_nnotes(s->lv); i++)
		mon_model_note(s->m, MON_EV_STATUS, 1, NULL, mon_src_now(), "probes: %s", ct_live_note(s->lv, i));
	ct_live_set_callback(s->lv, on_live, s);
	s->live_since = mon_model_counters(s->m)->since;
	if (ct_live_attach(s->lv, s->ev) != 0) {
		ct_live_free(s->lv);
		s->lv = NULL;
		mon_model_note(s->m, MON_EV_STATUS, 1, NULL, mon_src_now(), "no probe columns: the loop refused them");
	}
}

void mon_src_live_close(struct mon_src *s)
{
	if (s->lv)
		ct_live_free(s->lv); /* detaches; withdraws the BR_ENTRY probes with BR_EXIT */
	s->lv = NULL;
}

static int v4(const struct mon_host *h, uint32_t *a)
{
	return inet_pton(AF_INET, h->addr, a) == 1;
}

/* The probed set: the selected host and every pinned one. */
void mon_src_select(struct mon_src *s, const char *key)
{
	struct mon_host *sel = key ? mon_model_host_find(s->m, key) : NULL;
	size_t n = mon_model_host_count(s->m);
	uint32_t a;

	if (!s->lv)
		return;
	for (size_t i = 0; i < n; i++) {
		struct mon_host *h = mon_model_host_at(s->m, i);
		int want = h == sel || h->pinned;
		if (!v4(h, &a))
			continue;
		if (want) {
			if (ct_live_add(s->lv, a, h->pinned) == CT_EEXIST)
				ct_live_pin(s->lv, a, h->pinned);
			ct_live_set_ud(s->lv, a, h);
			h->probe.active = 1;
		} else if (h->probe.active) {
			ct_live_remove(s->lv, a);
			h->probe.active = 0;
		}
	}
}
