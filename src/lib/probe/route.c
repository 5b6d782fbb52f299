/* route.c: route trace (IPv4 and IPv6) with every TTL in flight, one 5-tuple, probes told apart by IP ID / TCP sequence / payload. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "entry.h"
#include "err.h"
#include "icmpname.h"
#include "log.h"
#include "pktno.h"
#include "probe-ipmsg.h"
#include "rtp.h"
#include "route.h"

#define ROUTE_PROBE_CMD (CT_IPMSG_BR_ENTRY | CT_IPMSG_DIALUPOPT)

struct route_ctx {
	const struct ct_route_opts *o;
	uint32_t fixed_pktno;
	uint32_t ssrc;
	uint32_t command;   /* IP Messenger command of the UDP probes */
};

static size_t route_payload(struct ct_probe_set *s, struct ct_probe *p, uint8_t *buf, size_t cap)
{
	const struct route_ctx *c = s->ud;

	/* IPv4 raw mode: the same bytes for every probe keep the UDP checksum constant (the IP ID
	 * tells them apart); IPv6 has no ID, so the payload does (the ICMPv6 error quotes it) */
	int fixed = s->use_raw && s->family != AF_INET6;

	if (c->o->method == CT_ROUTE_RTP) {
		uint32_t seq = fixed ? 1 : p->seq;
		return ct_rtp_build_probe(buf, cap, (uint16_t)seq, seq * 160u, c->ssrc, 0);
	}
	/* BR_ENTRY|DIALUPOPT: every IP Messenger program answers it (ANSENTRY; iptux ignores GETINFO);
	 * BR_EXIT withdraws it after the trace */
	return ct_app_build(fixed ? c->fixed_pktno : p->seq, c->command, 1, buf, cap);
}

/* Unprivileged mode and IPv6: the quote in the ICMP error carries the probe's packet number / RTP seq. */
static int route_match(struct ct_probe_set *s, const uint8_t *data, size_t len, int quoted)
{
	const struct route_ctx *c = s->ud;
	uint32_t key;

	if (!quoted || (s->use_raw && s->family != AF_INET6))
		return -1;
	if (c->o->method == CT_ROUTE_RTP) {
		struct ct_rtp_hdr h;
		if (ct_rtp_parse(data, len, &h, NULL, NULL) != 0)
			return -1;
		key = h.seq;
	} else {
		struct ct_ipmsg m;
		int r = ct_codec_parse(&m, data, len);
		key = m.packetno;
		ct_codec_fini(&m);
		if (r != 0)
			return -1;
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->probes[i].sent > 0 && s->probes[i].seq == key)
			return (int)i;
	return -1;
}

static void add_addr(struct ct_route_hop *h, const struct ct_reply *r)
{
	for (int i = 0; i < h->naddr; i++)
		if (r->family == AF_INET6 ? IN6_ARE_ADDR_EQUAL(&h->addr6[i], &r->from6) : h->addr[i] == r->from)
			return;
	if (h->naddr < CT_ROUTE_MAX_ADDR) {
		h->addr[h->naddr] = r->from;
		h->addr6[h->naddr++] = r->from6;
	}
}

static int reply_from_target(const struct ct_route_result *res, const struct ct_reply *r, uint32_t dst)
{
	if (res->family == AF_INET6)
		return r->family == AF_INET6 && IN6_ARE_ADDR_EQUAL(&r->from6, &res->dst6);
	return r->family != AF_INET6 && r->from == dst;
}

/* A probe set toward the trace's target (either family) from src. */
static void set_init(struct ct_probe_set *s, struct ct_prober *pr, uint32_t dst, uint32_t src,
	const struct ct_route_opts *o, const struct ct_probe_ops *ops, struct ct_probe *probes, size_t n)
{
	memset(s, 0, sizeof *s);
	s->ops = ops;
	s->pr = pr;
	s->dst = dst;
	s->src = src;
	if (o->family == AF_INET6) {
		s->family = AF_INET6;
		s->dst6 = o->dst6;
		s->src6 = o->src6;
		s->dst = s->src = 0;
	}
	s->probes = probes;
	s->n = n;
	s->use_raw = o->use_raw;
}

/* The echo check's set also catches the late ICMP errors for the trace's own probes (a router
 * that queued them while looking for the address answers host unreachable after ~3 s). */
struct echo_ctx {
	struct ct_route_result *res;
	uint8_t proto;             /* the trace's protocol */
	uint16_t sport, dport;
	uint64_t t0;               /* the trace's start */
};

static void echo_packet(struct ct_probe_set *s, const struct ct_ipview *v, uint64_t now)
{
	const struct echo_ctx *x = s->ud;
	int v6 = s->family == AF_INET6;

	if (ct_probe_view_quotes(s, v, x->proto) && v->in.sport == x->sport && v->in.dport == x->dport &&
	    v->l4.icmp_type == (v6 ? 1 : 3) && x->res->late_err.kind == CT_RK_NONE) {
		struct ct_reply *r = &x->res->late_err;
		ct_probe_reply_init(r, v);
		r->kind = CT_RK_ICMP;
		r->icmp_type = v->l4.icmp_type;
		r->icmp_code = v->l4.icmp_code;
		r->quoted_ttl = v->in_ttl;
		r->rtt_ns = now - x->t0;
		return;
	}
	ct_probe_icmp_ops.packet(s, v, now);
}

/* Is the target up, and how far (its echo reply's TTL)? Two ICMP echo requests; an ICMP error
 * for them (host unreachable from the last router) is kept too. */
static void echo_check(struct ct_prober *pr, uint32_t dst, uint32_t src, const struct ct_route_opts *o,
	struct ct_route_result *res, uint16_t sport, uint16_t dport, uint64_t t0)
{
	struct ct_probe probes[2];
	struct ct_probe_set s;
	struct ct_probe_ops ops = ct_probe_icmp_ops;
	struct echo_ctx x = { res, o->method == CT_ROUTE_TCP ? IPPROTO_TCP : IPPROTO_UDP, sport, dport, t0 };

	if (!o->use_raw && (o->family == AF_INET6 ? pr->ping6_fd : pr->ping_fd) < 0)
		return;
	memset(probes, 0, sizeof probes);
	ops.packet = echo_packet;
	set_init(&s, pr, dst, src, o, &ops, probes, 2);
	s.ud = &x;
	for (int i = 0; i < 2; i++) {
		probes[i].ttl = 64;
		probes[i].seq = (uint32_t)(0x5200 + ((unsigned)getpid() & 0xff) + (unsigned)i * 0x100) & 0xffff;
		probes[i].ip_id = (uint16_t)(0x6000 + ((unsigned)getpid() & 0xfff) + (unsigned)i);
	}
	s.gap_ns = 10000000;
	s.wait_ns = o->wait_ns ? o->wait_ns : 3000000000ull;
	res->echo_tried = 1;
	if (ct_probe_run(&s) != 0)
		return;
	res->echo_sent = 1;
	for (int i = 0; i < 2; i++) {
		const struct ct_reply *r = &probes[i].reply;
		if (!probes[i].answered || (res->echo.kind == CT_RK_ECHO && r->kind != CT_RK_ECHO))
			continue;
		if (res->echo.kind == CT_RK_NONE || r->kind == CT_RK_ECHO) {
			res->echo = *r;
			if (r->kind == CT_RK_ICMP) /* how late: since the trace's first probe reached the router */
				res->echo.rtt_ns = probes[i].sent_ns + r->rtt_ns - t0;
			res->echo_hop = r->kind == CT_RK_ECHO ? ct_route_hop_of_ttl(r->ttl) : 0;
		}
	}
}

/* Sends `command` twice (gap_ns apart) at full TTL from the probes' ports and waits wait_ns for
 * an answer; returns the first answer in *ans (kind NONE for none; an application answer first). */
static int full_ttl(struct ct_prober *pr, uint32_t dst, uint32_t src, const struct ct_route_opts *o,
	const struct route_ctx *c, uint32_t command, uint16_t sport, uint16_t dport, uint64_t gap_ns,
	uint64_t wait_ns, struct ct_reply *ans)
{
	struct ct_probe probes[2];
	struct ct_probe_set s;
	struct route_ctx x = *c;
	int r;

	memset(probes, 0, sizeof probes);
	memset(ans, 0, sizeof *ans);
	set_init(&s, pr, dst, src, o, &ct_probe_udp_ops, probes, 2);
	x.command = command;
	x.fixed_pktno = c->fixed_pktno + (command == CT_IPMSG_BR_EXIT ? 0x20000u : 0x10000u); /* not a duplicate */
	for (int i = 0; i < 2; i++) {
		probes[i].ttl = 64;
		probes[i].sport = sport;
		probes[i].dport = dport;
		probes[i].seq = x.fixed_pktno + (uint32_t)i;
		probes[i].ip_id = (uint16_t)((command == CT_IPMSG_BR_EXIT ? 0x7e00 : 0x7c00) + ((unsigned)getpid() & 0xff) +
			(unsigned)i);
	}
	s.payload = route_payload;
	s.match = route_match;
	s.ud = &x;
	s.want_any_port = 1;
	s.gap_ns = gap_ns;
	s.wait_ns = wait_ns;
	r = ct_probe_run(&s);
	for (int i = 0; i < 2 && r == 0; i++)
		if (probes[i].answered && (ans->kind == CT_RK_NONE || probes[i].reply.kind == CT_RK_UDP) &&
		    ans->kind != CT_RK_UDP && !ct_reply_time_exceeded(&probes[i].reply))
			*ans = probes[i].reply;
	return r;
}

/* Withdraws the BR_ENTRY the probes announced: BR_EXIT twice, from the probes' port. */
static void withdraw(struct ct_prober *pr, uint32_t dst, uint32_t src, const struct ct_route_opts *o,
	const struct route_ctx *c, uint16_t sport, uint16_t dport, struct ct_route_result *res)
{
	struct ct_reply none;

	if (full_ttl(pr, dst, src, o, c, CT_IPMSG_BR_EXIT, sport, dport, 2000000, 1000000, &none) == 0)
		res->exit_sent = 1;
}

/* The probes got no answer: a program that waits before answering BR_ENTRY (the spec's random
 * delay, up to 4 s with many users) answers a BR_ENTRY at full TTL given the time. Its answer
 * joins the hop its TTL shows. The two copies go 1.1 s apart: a host whose ICMP port
 * unreachable was rate-limited (1 a second) during the trace can say it for the second. */
static void confirm(struct ct_prober *pr, uint32_t dst, uint32_t src, const struct ct_route_opts *o,
	const struct route_ctx *c, uint16_t sport, uint16_t dport, struct ct_route_result *res)
{
	struct ct_reply ans;
	uint64_t wait = o->wait_ns > CT_ROUTE_ANSWER_DELAY_NS ? o->wait_ns : CT_ROUTE_ANSWER_DELAY_NS;
	int hop;
	struct ct_route_hop *h;

	res->confirm_sent = 1;
	if (full_ttl(pr, dst, src, o, c, c->command, sport, dport, CT_ROUTE_CONFIRM_GAP_NS,
		    wait - CT_ROUTE_CONFIRM_GAP_NS, &ans) != 0 || ans.kind == CT_RK_NONE)
		return;
	/* the target's own answer is placed by its TTL, a device's error just past the last hop */
	hop = ans.kind == CT_RK_UDP || reply_from_target(res, &ans, dst) ? ct_route_hop_of_ttl(ans.ttl) :
		res->last_hop + 1;
	if (hop < 1 || hop > CT_ROUTE_MAX_TTL)
		hop = res->nhops ? res->hops[res->nhops - 1].ttl + 1 : 1;
	if (hop > CT_ROUTE_MAX_TTL)
		return;
	while (res->nhops < CT_ROUTE_MAX_TTL && (!res->nhops || res->hops[res->nhops - 1].ttl < hop)) {
		h = &res->hops[res->nhops];
		memset(h, 0, sizeof *h);
		h->ttl = res->nhops ? res->hops[res->nhops - 1].ttl + 1 : hop;
		res->nhops++;
	}
	for (int i = 0; i < res->nhops; i++) {
		h = &res->hops[i];
		if (h->ttl != hop || h->answered >= CT_ROUTE_MAX_Q)
			continue;
		h->reply[h->answered++] = ans;
		if (h->sent < h->answered)
			h->sent = h->answered;
		add_addr(h, &ans);
		h->is_target = 1;
		res->late_answer = ans.kind == CT_RK_UDP;
		res->probes_sent += 2;
		return;
	}
}

/* The hops from the probes: first_ttl up to the target's TTL, or two silent hops past the last answer. */
static void collect(struct ct_route_result *res, const struct ct_probe_set *s, struct ct_probe *probes, size_t n,
	int first, int max, uint32_t dst)
{
	int top = s->dest_ttl ? s->dest_ttl : max;

	if (!s->dest_ttl) {
		int lastans = first - 1;
		for (size_t i = 0; i < n; i++)
			if (probes[i].answered && probes[i].ttl > lastans)
				lastans = probes[i].ttl;
		top = lastans + 2 < max ? lastans + 2 : max;
	}
	for (int ttl = first; ttl <= top; ttl++) {
		struct ct_route_hop *h = &res->hops[res->nhops++];
		int qi = 0;
		h->ttl = ttl;
		for (size_t i = 0; i < n; i++) {
			struct ct_probe *p = &probes[i];
			if (p->ttl != ttl || p->sent <= 0)
				continue;
			h->sent++;
			if (p->answered) {
				h->answered++;
				h->reply[qi] = p->reply;
				add_addr(h, &p->reply);
				if (reply_from_target(res, &p->reply, dst))
					h->is_target = 1;
			}
			qi++;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (probes[i].sent > 0)
			res->probes_sent++;
}

/* The IP Messenger command of a UDP reply, 0 when it does not parse. */
static uint32_t reply_mode(const struct ct_reply *r)
{
	struct ct_ipmsg m;
	uint32_t mode = ct_codec_parse(&m, r->data, r->dlen) == 0 ? m.mode : 0;

	ct_codec_fini(&m);
	return mode;
}

/* What answered the UDP probes: the command and the program behind it. The answer to BR_ENTRY
 * (ANSENTRY) is preferred to anything else the program sent at that hop (camtraced also sends
 * its own BR_ENTRY to a new dial-up host). */
static void name_answer(struct ct_route_result *res)
{
	const struct ct_reply *r = &res->verdict_reply;
	struct ct_ipmsg m;

	if (res->outcome != CT_RO_APP_ANSWERED || r->kind != CT_RK_UDP || !res->probe_cmd)
		return;
	for (int i = 0; i < res->nhops && reply_mode(r) != CT_IPMSG_ANSENTRY; i++)
		for (int q = 0; q < res->hops[i].answered && q < CT_ROUTE_MAX_Q; q++)
			if (res->hops[i].ttl == res->outcome_hop && res->hops[i].reply[q].kind == CT_RK_UDP &&
			    reply_mode(&res->hops[i].reply[q]) == CT_IPMSG_ANSENTRY) {
				res->verdict_reply = res->hops[i].reply[q];
				break;
			}
	if (ct_codec_parse(&m, r->data, r->dlen) == 0) {
		char version[128];
		struct ct_entry e;
		size_t vl = m.version.len < sizeof version - 1 ? m.version.len : sizeof version - 1;
		memcpy(version, m.version.p, vl);
		version[vl] = 0;
		res->answer_cmd = m.command;
		memset(&e, 0, sizeof e);
		if (ct_entry_is_entry_cmd(m.command) && ct_entry_parse(&m, &e) == 0)
			ct_app_name_program(version, NULL, e.verinfo, res->program, sizeof res->program);
		else
			ct_app_name_program(version, NULL, NULL, res->program, sizeof res->program);
		ct_entry_fini(&e);
	}
	ct_codec_fini(&m);
}

/* The probes, TTL first..max, q per hop, in query-major order (one router never gets a burst). */
static size_t make_probes(struct ct_probe *probes, const struct ct_route_opts *o, const struct route_ctx *c,
	int first, int max, int q, uint16_t sport, uint16_t dport)
{
	uint16_t id0 = (uint16_t)(0x8000 | ((unsigned)getpid() & 0x3fff) << 1);
	size_t n = 0;

	for (int k = 0; k < q; k++)
		for (int ttl = first; ttl <= max; ttl++) {
			struct ct_probe *p = &probes[n];
			p->ttl = (uint8_t)ttl;
			p->sport = sport;
			p->dport = dport;
			p->ip_id = (uint16_t)(id0 + n);
			p->seq = o->method == CT_ROUTE_TCP ? ((uint32_t)ct_mono_ns() & 0xfff00000u) + (uint32_t)n * 4099u
				: o->method == CT_ROUTE_RTP ? (uint32_t)(n + 1) : c->fixed_pktno + 1 + (uint32_t)n;
			n++;
		}
	return n;
}

int ct_route_trace(struct ct_prober *pr, uint32_t dst, uint32_t src, const struct ct_route_opts *o,
	struct ct_route_result *res, char *err, size_t errlen)
{
	int first = o->first_ttl > 0 ? o->first_ttl : 1;
	int max = o->max_ttl > 0 ? o->max_ttl : 30;
	int q = o->queries > 0 ? o->queries : 3;
	struct route_ctx c = { o, ct_pktno_seed(), (uint32_t)ct_mono_ns() ^ 0x5a5a0000u, ROUTE_PROBE_CMD };
	struct ct_probe_set s;
	struct ct_probe *probes;
	uint16_t dport = o->dport ? o->dport : CT_IPMSG_PORT;
	uint16_t sport = o->sport;
	uint64_t t0 = ct_mono_ns();
	size_t n;
	int r;

	memset(res, 0, sizeof *res);
	if (max > CT_ROUTE_MAX_TTL)
		max = CT_ROUTE_MAX_TTL;
	if (q > CT_ROUTE_MAX_Q)
		q = CT_ROUTE_MAX_Q;
	if (first > max) {
		snprintf(err, errlen, "first TTL %d is above the maximum %d", first, max);
		return CT_EINVAL;
	}
	if (o->method == CT_ROUTE_TCP && (!o->use_raw || (o->family == AF_INET6 && !pr->raw6))) {
		snprintf(err, errlen, "a TCP trace sends half-open SYNs with chosen TTLs, which needs raw "
			"sockets: run as root or `setcap cap_net_raw+ep $(command -v camtrace)`");
		return CT_EPERM;
	}
	if (!sport)
		sport = o->method == CT_ROUTE_TCP ? (uint16_t)(33000 + (unsigned)getpid() % 28000) : dport;
	probes = calloc((size_t)(max - first + 1) * (size_t)q, sizeof *probes);
	if (!probes)
		return CT_ENOMEM;
	n = make_probes(probes, o, &c, first, max, q, sport, dport);
	set_init(&s, pr, dst, src, o, o->method == CT_ROUTE_TCP ? &ct_probe_tcp_ops : &ct_probe_udp_ops, probes, n);
	if (o->family == AF_INET6) {
		res->family = AF_INET6;
		res->dst6 = o->dst6;
	}
	res->dst = o->family == AF_INET6 ? 0 : dst;
	res->same_segment = ct_route_on_link(dst, o->family == AF_INET6 ? &o->dst6 : NULL);
	res->probe_cmd = o->method == CT_ROUTE_UDP ? c.command : 0;
	s.want_any_port = 1;
	s.stop_at_dest = 1;
	s.payload = route_payload;
	s.match = route_match;
	s.ud = &c;
	s.gap_ns = o->gap_ns ? o->gap_ns : 1000000;
	s.wait_ns = o->wait_ns ? o->wait_ns : 3000000000ull;
	s.adapt_ns = 300000000; /* at least 300 ms, else 5x the slowest answer */
	r = ct_probe_run(&s);
	if (r != 0) {
		snprintf(err, errlen, "%s", s.err[0] ? s.err : ct_strerror(r));
		free(probes);
		return r;
	}
	res->flow_stable = s.use_raw; /* ct_probe_run turns it off without raw IPv6 sockets */
	res->sport = sport;
	res->dport = dport;
	collect(res, &s, probes, n, first, max, dst);
	free(probes);
	ct_route_conclude(res, dst);
	/* silence, or a TCP RST whose sender's distance matters: is the target up, and how far? */
	if (res->outcome == CT_RO_SILENT_AFTER_HOP || res->outcome == CT_RO_NO_ANSWER ||
	    (res->verdict_reply.kind == CT_RK_TCP && (res->verdict_reply.tcp_flags & 0x04))) {
		echo_check(pr, dst, src, o, res, sport, dport, t0);
		ct_route_conclude(res, dst);
	}
	if (res->probe_cmd && !o->no_confirm && (res->outcome == CT_RO_HOST_SILENT || res->outcome == CT_RO_SILENT_AFTER_HOP ||
	    res->outcome == CT_RO_NO_ANSWER)) {
		confirm(pr, dst, s.family == AF_INET6 ? 0 : s.src, o, &c, sport, dport, res);
		ct_route_conclude(res, dst);
	}
	if (res->probe_cmd)
		withdraw(pr, dst, s.family == AF_INET6 ? 0 : s.src, o, &c, sport, dport, res);
	name_answer(res);
	res->elapsed_ns = ct_mono_ns() - t0;
	return 0;
}
