/* route.c: route trace (IPv4 and IPv6) with every TTL in flight, one 5-tuple, probes told apart by IP ID / TCP sequence / payload. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "icmpname.h"
#include "log.h"
#include "probe-ipmsg.h"
#include "rtp.h"
#include "route.h"

const char *ct_route_verdict_key(enum ct_route_verdict v)
{
	static const char *const k[] = { "reached", "dies", "rejected", "no_answer" };

	return (unsigned)v < 4 ? k[v] : "no_answer";
}

struct route_ctx {
	const struct ct_route_opts *o;
	uint32_t fixed_pktno;
	uint32_t ssrc;
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
	/* GETINFO: the least intrusive packet an IP Messenger program answers */
	return ct_app_build(fixed ? c->fixed_pktno : p->seq, CT_IPMSG_GETINFO, 0, buf, cap);
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

static int from_target(const struct ct_route_result *res, const struct ct_reply *r, uint32_t dst)
{
	if (res->family == AF_INET6)
		return r->family == AF_INET6 && IN6_ARE_ADDR_EQUAL(&r->from6, &res->dst6);
	return r->from == dst;
}

static int is_unreach(const struct ct_reply *r)
{
	enum ct_icmp_verdict v;

	if (r->kind != CT_RK_ICMP)
		return 0;
	v = ct_icmp_verdict(ct_reply_icmp_family(r), r->icmp_type, r->icmp_code);
	return v == CT_ICMPV_FILTERED || v == CT_ICMPV_OTHER;
}

void ct_route_conclude(struct ct_route_result *res, uint32_t dst)
{
	int last = -1;

	res->verdict = CT_RV_NO_ANSWER;
	res->verdict_hop = 0;
	res->verdict_addr = 0;
	memset(&res->verdict_addr6, 0, sizeof res->verdict_addr6);
	memset(&res->verdict_reply, 0, sizeof res->verdict_reply);
	for (int i = 0; i < res->nhops; i++) {
		struct ct_route_hop *h = &res->hops[i];
		for (int q = 0; q < CT_ROUTE_MAX_Q; q++) {
			const struct ct_reply *r = &h->reply[q];
			if (r->kind == CT_RK_NONE)
				continue;
			/* a refusal (admin-prohibited, host unreachable...) ends the path wherever it comes from */
			if (is_unreach(r)) {
				res->verdict = CT_RV_REJECTED;
				res->verdict_hop = h->ttl;
				res->verdict_addr = r->from;
				res->verdict_addr6 = r->from6;
				res->verdict_reply = *r;
				return;
			}
			if (from_target(res, r, dst)) {
				res->verdict = CT_RV_REACHED;
				res->verdict_hop = h->ttl;
				res->verdict_addr = r->from;
				res->verdict_addr6 = r->from6;
				res->verdict_reply = *r;
				return;
			}
			if (last < 0 || res->hops[last].ttl < h->ttl) {
				last = i;
				res->verdict_reply = *r;
			}
		}
	}
	if (last >= 0) {
		res->verdict = CT_RV_DIES;
		res->verdict_hop = res->hops[last].ttl;
		res->verdict_addr = res->hops[last].addr[0];
		res->verdict_addr6 = res->hops[last].addr6[0];
	}
}

int ct_route_trace(struct ct_prober *pr, uint32_t dst, uint32_t src, const struct ct_route_opts *o,
	struct ct_route_result *res, char *err, size_t errlen)
{
	int first = o->first_ttl > 0 ? o->first_ttl : 1;
	int max = o->max_ttl > 0 ? o->max_ttl : 30;
	int q = o->queries > 0 ? o->queries : 3;
	struct route_ctx c = { o, (uint32_t)time(NULL), (uint32_t)ct_mono_ns() ^ 0x5a5a0000u };
	struct ct_probe_set s;
	struct ct_probe *probes;
	uint16_t dport = o->dport ? o->dport : CT_IPMSG_PORT;
	uint16_t sport = o->sport;
	uint16_t id0 = (uint16_t)(0x8000 | ((unsigned)getpid() & 0x3fff) << 1);
	uint64_t t0 = ct_mono_ns();
	size_t n = 0;
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
	/* query-major order: TTL 1..max once, then again, so one router never gets a burst */
	for (int k = 0; k < q; k++)
		for (int ttl = first; ttl <= max; ttl++) {
			struct ct_probe *p = &probes[n];
			p->ttl = (uint8_t)ttl;
			p->sport = sport;
			p->dport = dport;
			p->ip_id = (uint16_t)(id0 + n);
			p->seq = o->method == CT_ROUTE_TCP ? ((uint32_t)ct_mono_ns() & 0xfff00000u) + (uint32_t)n * 4099u
				: o->method == CT_ROUTE_RTP ? (uint32_t)(n + 1) : c.fixed_pktno + 1 + (uint32_t)n;
			n++;
		}
	memset(&s, 0, sizeof s);
	s.ops = o->method == CT_ROUTE_TCP ? &ct_probe_tcp_ops : &ct_probe_udp_ops;
	s.pr = pr;
	s.dst = dst;
	s.src = src;
	if (o->family == AF_INET6) {
		s.family = AF_INET6;
		s.dst6 = o->dst6;
		s.src6 = o->src6;
		s.dst = s.src = 0;
		res->family = AF_INET6;
		res->dst6 = o->dst6;
	}
	s.probes = probes;
	s.n = n;
	s.use_raw = o->use_raw;
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
	{
		int top = s.dest_ttl ? s.dest_ttl : max;
		/* without a target answer, show up to two silent hops past the last answer */
		if (!s.dest_ttl) {
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
					if (from_target(res, &p->reply, dst))
						h->is_target = 1;
				}
				qi++;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (probes[i].sent > 0)
			res->probes_sent++;
	ct_route_conclude(res, dst);
	res->elapsed_ns = ct_mono_ns() - t0;
	free(probes);
	return 0;
}
