/* probe-live-figures.c: the running figures of live probes (loss, RTT, jitter, TCP state, ICMP error) from the probe engine's verdicts. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "icmpname.h"
#include "inject.h"
#include "jsonw.h"
#include "log.h"
#include "pktno.h"
#include "probe-ipmsg.h"
#include "probe-live-int.h"
#include "util.h"

const char *ct_live_kind_key(int kind)
{
	static const char *const k[] = { "udp", "tcp", "icmp" };

	return (unsigned)kind < CT_LIVE_NKINDS ? k[kind] : "unknown";
}

const char *ct_live_avail_key(int avail)
{
	static const char *const k[] = { "raw", "socket", "no_privilege" };

	return (unsigned)avail < CT_ARRAY_LEN(k) ? k[avail] : "unknown";
}

const char *ct_live_tcp_key(int st)
{
	static const char *const k[] = { "none", "open", "refused", "reset", "filtered" };

	return (unsigned)st < CT_ARRAY_LEN(k) ? k[st] : "unknown";
}

/* ---- figures ---- */

static void stats_loss(struct ct_live_stats *k)
{
	k->loss_pct = k->done ? 100.0 * (double)(k->done - k->answered) / (double)k->done : 0.0;
}

static void stats_answer(struct ct_live_tgt *t, int kind, uint64_t rtt)
{
	struct ct_live_stats *k = &t->pub.k[kind];

	k->answered++;
	k->last_ns = rtt;
	if (!k->best_ns || rtt < k->best_ns)
		k->best_ns = rtt;
	if (rtt > k->worst_ns)
		k->worst_ns = rtt;
	k->sum_ns += rtt;
	k->avg_ns = k->sum_ns / k->answered;
	if (k->answered > 1) {
		k->jsum_ns += rtt > t->prev_rtt[kind] ? rtt - t->prev_rtt[kind] : t->prev_rtt[kind] - rtt;
		k->njit++;
		k->jitter_ns = k->jsum_ns / k->njit;
	}
	t->prev_rtt[kind] = rtt;
}

static void note_icmp(struct ct_live *lv, struct ct_live_tgt *t, int kind, const struct ct_probe *p)
{
	struct ct_live_icmp_err *e = &t->pub.icmp_err;

	e->kind = kind;
	e->from = p->reply.from;
	e->from_target = ct_probe_from_target(p, &p->reply);
	e->type = p->reply.icmp_type;
	e->code = p->reply.icmp_code;
	e->at_ms = lv->ev ? ct_evloop_now_ms(lv->ev) : ct_mono_ns() / 1000000;
	ct_strlcpy(e->key, ct_icmp_key(CT_ICMP_V4, e->type, e->code), sizeof e->key);
}

/* The probe of a finished UDP slot that says the most: an answer, else an ICMP error, else p[0]. */
static const struct ct_probe *udp_result(const struct ct_live_slot *sl)
{
	const struct ct_probe *best = NULL;

	for (size_t i = 0; i < sl->s.n; i++) {
		const struct ct_probe *p = &sl->p[i];
		if (p->sent <= 0)
			continue;
		if (p->answered && p->reply.kind == CT_RK_UDP)
			return p;
		if (!best || (p->answered && !best->answered))
			best = p;
	}
	return best;
}

/* The figures of a finished UDP probe; 1 when the target answered. */
static int udp_done(struct ct_live *lv, struct ct_live_tgt *t, const struct ct_live_slot *sl)
{
	const struct ct_probe *p = udp_result(sl);

	t->pub.udp_state = ct_probe_udp_state(p);
	if (p && p->answered && p->reply.kind == CT_RK_UDP) {
		t->pub.udp_entry = p == &sl->p[1];
		(void)ct_app_answer_program(p->reply.data, p->reply.dlen, t->pub.program, sizeof t->pub.program);
		stats_answer(t, CT_LIVE_UDP, p->reply.rtt_ns);
		return 1;
	}
	t->pub.udp_entry = 0; /* silent or refused: GETINFO first again */
	if (p && p->answered && p->reply.kind == CT_RK_ICMP) {
		t->pub.k[CT_LIVE_UDP].errors++;
		note_icmp(lv, t, CT_LIVE_UDP, p);
	}
	return 0;
}

static int tcp_done(struct ct_live *lv, struct ct_live_tgt *t, const struct ct_live_slot *sl)
{
	const struct ct_probe *p = &sl->p[0];
	enum ct_port_state st = ct_probe_tcp_state(p);
	int origin = ct_reply_origin(p);

	if (sl->s.target_ttl > 0)
		t->pub.target_ttl = sl->s.target_ttl;
	t->pub.tcp_origin = origin;
	t->pub.tcp_from = p->answered ? p->reply.from : 0;
	if (st == CT_PORT_OPEN || st == CT_PORT_CLOSED) {
		t->pub.tcp_state = st == CT_PORT_OPEN ? CT_LIVE_TCP_OPEN : CT_LIVE_TCP_REFUSED;
		stats_answer(t, CT_LIVE_TCP, p->reply.rtt_ns);
		return 1;
	}
	t->pub.tcp_state = CT_LIVE_TCP_FILTERED;
	if (!p->answered)
		return 0;
	if ((p->reply.kind == CT_RK_TCP && (p->reply.tcp_flags & CT_TCP_RST)) || p->reply.kind == CT_RK_CONNECT) {
		if (origin == CT_ORIGIN_PATH)
			t->pub.tcp_state = CT_LIVE_TCP_RESET;
		t->pub.k[CT_LIVE_TCP].errors++;
	} else if (p->reply.kind == CT_RK_ICMP) {
		t->pub.k[CT_LIVE_TCP].errors++;
		note_icmp(lv, t, CT_LIVE_TCP, p);
	}
	return 0;
}

static int icmp_done(struct ct_live *lv, struct ct_live_tgt *t, const struct ct_live_slot *sl)
{
	const struct ct_probe *p = &sl->p[0];

	if (p->answered && p->reply.kind == CT_RK_ECHO) {
		if (p->reply.ttl > 0)
			t->pub.target_ttl = p->reply.ttl; /* the target's own distance, for the TCP RST check */
		stats_answer(t, CT_LIVE_ICMP, p->reply.rtt_ns);
		return 1;
	}
	if (p->answered && p->reply.kind == CT_RK_ICMP) {
		t->pub.k[CT_LIVE_ICMP].errors++;
		note_icmp(lv, t, CT_LIVE_ICMP, p);
	}
	return 0;
}

void ct_live_notify(struct ct_live *lv, struct ct_live_tgt *t)
{
	t->pub.changed_ms = lv->ev ? ct_evloop_now_ms(lv->ev) : ct_mono_ns() / 1000000;
	if (lv->cb)
		lv->cb(lv, &t->pub, lv->cbud);
}

int ct_live_figures(struct ct_live *lv, struct ct_live_tgt *t, const struct ct_live_slot *sl)
{
	int ans = sl->kind == CT_LIVE_UDP ? udp_done(lv, t, sl) : sl->kind == CT_LIVE_TCP ? tcp_done(lv, t, sl) :
		icmp_done(lv, t, sl);

	stats_loss(&t->pub.k[sl->kind]);
	return ans;
}

static void kv_ms(struct ct_out *o, const char *key, uint64_t ns, int have)
{
	if (have) {
		ct_jw_kfixed(o, key, (double)ns / 1e6, 3);
	} else {
		ct_jw_key(o, key, 0);
		ct_out_puts(o, "null");
	}
}

static void kv_addr(struct ct_out *o, const char *key, uint32_t a)
{
	char b[INET_ADDRSTRLEN];

	if (a && inet_ntop(AF_INET, &a, b, sizeof b)) {
		ct_jw_kstr(o, key, b);
	} else {
		ct_jw_key(o, key, 0);
		ct_out_puts(o, "null");
	}
}

static void kind_json(struct ct_out *o, const char *key, const struct ct_live_stats *k)
{
	int have = k->answered > 0;

	ct_jw_key(o, key, 0);
	ct_out_putc(o, '{');
	ct_jw_key(o, "avail", 1);
	ct_jw_str(o, ct_live_avail_key(k->avail), strlen(ct_live_avail_key(k->avail)));
	ct_jw_kint(o, "sent", k->sent);
	ct_jw_kint(o, "done", k->done);
	ct_jw_kint(o, "answered", k->answered);
	ct_jw_kint(o, "errors", k->errors);
	ct_jw_kint(o, "send_failed", k->send_failed);
	ct_jw_kfixed(o, "loss_pct", k->loss_pct, 1);
	kv_ms(o, "last_ms", k->last_ns, have);
	kv_ms(o, "best_ms", k->best_ns, have);
	kv_ms(o, "avg_ms", k->avg_ns, have);
	kv_ms(o, "worst_ms", k->worst_ns, have);
	kv_ms(o, "jitter_ms", k->jitter_ns, k->answered > 1);
	ct_out_putc(o, '}');
}

void ct_live_target_json(struct ct_out *o, const struct ct_live_target *t)
{
	char a[INET_ADDRSTRLEN] = "";
	const char *origin = ct_origin_key(t->tcp_origin);

	inet_ntop(AF_INET, &t->addr, a, sizeof a);
	ct_out_putc(o, '{');
	ct_jw_key(o, "address", 1);
	ct_jw_str(o, a, strlen(a));
	ct_jw_kbool(o, "pinned", t->pinned);
	ct_jw_kint(o, "rounds", t->rounds);
	ct_jw_kint(o, "target_ttl", t->target_ttl);
	for (int k = 0; k < CT_LIVE_NKINDS; k++)
		kind_json(o, ct_live_kind_key(k), &t->k[k]);
	ct_jw_kstr(o, "udp_state", ct_port_state_key((enum ct_port_state)t->udp_state));
	ct_jw_kbool(o, "udp_entry", t->udp_entry);
	ct_jw_kstr(o, "program", t->program);
	ct_jw_kstr(o, "tcp_state", ct_live_tcp_key(t->tcp_state));
	ct_jw_key(o, "tcp_origin", 0);
	if (origin)
		ct_jw_str(o, origin, strlen(origin));
	else
		ct_out_puts(o, "null");
	kv_addr(o, "tcp_from", t->tcp_from);
	ct_jw_key(o, "icmp_error", 0);
	if (t->icmp_err.kind < 0) {
		ct_out_puts(o, "null");
	} else {
		ct_out_putc(o, '{');
		ct_jw_key(o, "probe", 1);
		ct_jw_str(o, ct_live_kind_key(t->icmp_err.kind), strlen(ct_live_kind_key(t->icmp_err.kind)));
		ct_jw_kstr(o, "key", t->icmp_err.key);
		ct_jw_kint(o, "type", t->icmp_err.type);
		ct_jw_kint(o, "code", t->icmp_err.code);
		kv_addr(o, "from", t->icmp_err.from);
		ct_jw_kbool(o, "from_target", t->icmp_err.from_target);
		ct_out_putc(o, '}');
	}
	ct_out_putc(o, '}');
}
