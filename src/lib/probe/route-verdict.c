/* route-verdict.c: what a route trace found: the verdict and the outcome of the last hop (pure), hop distance by TTL, on-link targets. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "icmpname.h"
#include "route.h"

const char *ct_route_verdict_key(enum ct_route_verdict v)
{
	static const char *const k[] = { "reached", "dies", "rejected", "no_answer" };

	return (unsigned)v < 4 ? k[v] : "no_answer";
}

const char *ct_route_outcome_key(enum ct_route_outcome o)
{
	static const char *const k[CT_RO_COUNT] = { "no_answer", "app_answered", "host_refused", "host_rejected",
		"path_rejected", "host_unreachable", "host_silent", "silent_after_hop" };

	return (unsigned)o < CT_RO_COUNT ? k[o] : "no_answer";
}

int ct_route_hop_of_ttl(int ttl)
{
	int init;

	if (ttl <= 0 || ttl > 255)
		return 0;
	init = ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
	return init - ttl + 1;
}

static int from_target(const struct ct_route_result *res, const struct ct_reply *r, uint32_t dst)
{
	if (res->family == AF_INET6)
		return r->family == AF_INET6 && IN6_ARE_ADDR_EQUAL(&r->from6, &res->dst6);
	return r->family != AF_INET6 && r->from == dst;
}

/* ICMP host unreachable (IPv4 3/1, ICMPv6 1/3) that came 1 s or more late: a router (or this host) tried ARP/ND
 * for the address and nobody answered; an immediate one is a firewall rule. */
static int slow_unreach(const struct ct_reply *r)
{
	int v6 = r->family == AF_INET6;

	return r->kind == CT_RK_ICMP && r->icmp_type == (v6 ? 1 : 3) && r->icmp_code == (v6 ? 3 : 1) &&
		r->rtt_ns >= CT_ROUTE_SLOW_UNREACH_NS;
}

static void set_verdict(struct ct_route_result *res, enum ct_route_verdict v, enum ct_route_outcome o, int hop,
	const struct ct_reply *r)
{
	res->verdict = v;
	res->outcome = o;
	res->verdict_hop = res->outcome_hop = hop;
	res->verdict_addr = r->from;
	res->verdict_addr6 = r->from6;
	res->verdict_reply = *r;
}

/* The lowest hop where `r`'s sender answered "time exceeded", 0 none. */
static int hop_of_sender(const struct ct_route_result *res, const struct ct_reply *r)
{
	for (int i = 0; i < res->nhops; i++)
		for (int q = 0; q < CT_ROUTE_MAX_Q; q++) {
			const struct ct_reply *x = &res->hops[i].reply[q];
			if (ct_reply_time_exceeded(x) && x->family == r->family &&
			    (r->family == AF_INET6 ? IN6_ARE_ADDR_EQUAL(&x->from6, &r->from6) : x->from == r->from))
				return res->hops[i].ttl;
		}
	return 0;
}

/* The time-exceeded sender at `ttl` (into r's from / from6), 0 when that hop stayed silent. */
static int sender_at(const struct ct_route_result *res, int ttl, struct ct_reply *r)
{
	for (int i = 0; i < res->nhops; i++)
		for (int q = 0; q < CT_ROUTE_MAX_Q; q++) {
			const struct ct_reply *x = &res->hops[i].reply[q];
			if (res->hops[i].ttl == ttl && ct_reply_time_exceeded(x)) {
				r->from = x->from;
				r->from6 = x->from6;
				return 1;
			}
		}
	return 0;
}

/* A TCP RST in the target's name from nearer than the target (nft `reject with tcp reset` in a
 * router): its TTL puts the sender at a hop where the echo check does not find the target, or
 * at or below a hop that forwarded probes (answered time exceeded). */
static int forged_rst(const struct ct_route_result *res, const struct ct_reply *r)
{
	int h = ct_route_hop_of_ttl(r->ttl);

	if (r->kind != CT_RK_TCP || !(r->tcp_flags & 0x04) || !h)
		return 0;
	if (res->echo.kind == CT_RK_ECHO && res->echo_hop)
		return h < res->echo_hop;
	return h <= res->last_hop;
}

/* The target's hop from its answer to a probe with TTL h->ttl: lower when the answer's TTL says
 * so (the answers of the probes in between were rate-limited), never at or below a hop that
 * forwarded probes. */
static int target_hop(const struct ct_route_result *res, const struct ct_route_hop *h, const struct ct_reply *r)
{
	int t = ct_route_hop_of_ttl(r->ttl);

	return t && t < h->ttl && t > res->last_hop ? t : h->ttl;
}

/* A reply that ends the path: the verdict and outcome from it. */
static void decide(struct ct_route_result *res, const struct ct_route_hop *h, const struct ct_reply *r, uint32_t dst)
{
	if (r->kind == CT_RK_ICMP) {
		enum ct_icmp_verdict v = ct_icmp_verdict(ct_reply_icmp_family(r), r->icmp_type, r->icmp_code);
		if (from_target(res, r, dst))
			set_verdict(res, v == CT_ICMPV_CLOSED ? CT_RV_REACHED : CT_RV_REJECTED,
				v == CT_ICMPV_CLOSED ? CT_RO_HOST_REFUSED : CT_RO_HOST_REJECTED, target_hop(res, h, r), r);
		else if (slow_unreach(r))
			set_verdict(res, CT_RV_REJECTED, CT_RO_HOST_UNREACHABLE, h->ttl, r);
		else {
			set_verdict(res, CT_RV_REJECTED, CT_RO_PATH_REJECTED, h->ttl, r);
			res->device_hop = hop_of_sender(res, r);
		}
	} else if (forged_rst(res, r)) {
		struct ct_reply dev = *r;
		res->device_hop = ct_route_hop_of_ttl(r->ttl);
		(void)sender_at(res, res->device_hop, &dev); /* else the address the RST carried */
		set_verdict(res, CT_RV_REJECTED, CT_RO_PATH_REJECTED, h->ttl, r);
		res->verdict_addr = dev.from;
		res->verdict_addr6 = dev.from6;
	} else if (r->kind == CT_RK_TCP && (r->tcp_flags & 0x04)) {
		set_verdict(res, CT_RV_REACHED, CT_RO_HOST_REFUSED, target_hop(res, h, r), r);
	} else {
		set_verdict(res, CT_RV_REACHED, CT_RO_APP_ANSWERED, target_hop(res, h, r), r);
	}
}

/* Nothing on the path ended it: the echo check and the last hop that answered say what is left. */
static void conclude_silent(struct ct_route_result *res, uint32_t dst)
{
	const struct ct_reply *e = res->echo.kind != CT_RK_NONE ? &res->echo : &res->late_err;
	struct ct_reply last = { .kind = CT_RK_NONE };

	if (res->last_hop) {
		for (int i = 0; i < res->nhops; i++)
			if (res->hops[i].ttl == res->last_hop)
				for (int q = 0; q < CT_ROUTE_MAX_Q; q++)
					if (ct_reply_time_exceeded(&res->hops[i].reply[q])) {
						last = res->hops[i].reply[q];
						q = CT_ROUTE_MAX_Q;
					}
	}
	if (e->kind == CT_RK_ICMP && !ct_reply_time_exceeded(e)) {
		enum ct_route_outcome o = slow_unreach(e) ? CT_RO_HOST_UNREACHABLE :
			from_target(res, e, dst) ? CT_RO_HOST_REJECTED : CT_RO_PATH_REJECTED;
		set_verdict(res, CT_RV_REJECTED, o, res->last_hop + 1, e);
		res->by_echo = e == &res->echo;
		if (o == CT_RO_PATH_REJECTED)
			res->device_hop = hop_of_sender(res, e);
		return;
	}
	if (res->last_hop) {
		set_verdict(res, CT_RV_DIES, CT_RO_SILENT_AFTER_HOP, res->last_hop, &last);
		res->verdict_reply = last;
	} else {
		res->verdict = CT_RV_NO_ANSWER;
		res->outcome = CT_RO_NO_ANSWER;
	}
	if (e->kind == CT_RK_ECHO && res->same_segment) {
		/* no router in between: the probes reached the host, which did not answer them (from
		 * another network the silence may as well be a router's: silent_after_hop) */
		res->outcome = CT_RO_HOST_SILENT;
		res->outcome_hop = res->echo_hop > res->last_hop ? res->echo_hop : res->last_hop + 1;
		res->by_echo = 1;
	}
}

void ct_route_conclude(struct ct_route_result *res, uint32_t dst)
{
	int end;

	res->verdict = CT_RV_NO_ANSWER;
	res->outcome = CT_RO_NO_ANSWER;
	res->verdict_hop = res->outcome_hop = res->device_hop = res->last_hop = 0;
	res->by_echo = 0;
	res->partial_mask = 0;
	res->verdict_addr = 0;
	memset(&res->verdict_addr6, 0, sizeof res->verdict_addr6);
	memset(&res->verdict_reply, 0, sizeof res->verdict_reply);
	for (int i = 0; i < res->nhops; i++)
		for (int q = 0; q < CT_ROUTE_MAX_Q; q++) {
			const struct ct_reply *r = &res->hops[i].reply[q];
			if (ct_reply_time_exceeded(r) && !from_target(res, r, dst) && res->hops[i].ttl > res->last_hop)
				res->last_hop = res->hops[i].ttl;
		}
	/* the lowest hop where the target answered or something refused the probe ends the path */
	for (int i = 0; i < res->nhops && !res->outcome_hop; i++) {
		const struct ct_route_hop *h = &res->hops[i];
		for (int q = 0; q < CT_ROUTE_MAX_Q; q++) {
			const struct ct_reply *r = &h->reply[q];
			if (r->kind == CT_RK_NONE || (ct_reply_time_exceeded(r) && !from_target(res, r, dst)))
				continue;
			if (r->kind == CT_RK_ICMP || from_target(res, r, dst)) {
				decide(res, h, r, dst);
				break;
			}
		}
	}
	if (!res->outcome_hop)
		conclude_silent(res, dst);
	/* hops short of the end that lost answers: most often the router's ICMP rate limit */
	end = res->outcome_hop && res->outcome != CT_RO_SILENT_AFTER_HOP ? res->outcome_hop : res->last_hop + 1;
	for (int i = 0; i < res->nhops; i++) {
		const struct ct_route_hop *h = &res->hops[i];
		if (h->ttl < end && h->ttl >= 1 && h->ttl <= 64 && h->sent > h->answered)
			res->partial_mask |= 1ull << (h->ttl - 1);
	}
}

/* The longest matching prefix in the main routing table (/proc/net/route, /proc/net/ipv6_route):
 * 1 when it has no gateway. */
static int on_link4(uint32_t dst)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[256];
	int best = -1, onlink = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		char ifn[32];
		unsigned long d, g, m;
		unsigned flags, refc, use, metric;
		int plen;
		if (sscanf(line, "%31s %lx %lx %x %u %u %u %lx", ifn, &d, &g, &flags, &refc, &use, &metric, &m) != 8 ||
		    !(flags & 1) || (dst & (uint32_t)m) != (uint32_t)d)
			continue;
		plen = __builtin_popcountl(m);
		if (plen > best) {
			best = plen;
			onlink = g == 0 && !(flags & 2);
		}
	}
	fclose(f);
	return onlink;
}

static int hex16(const char *s, struct in6_addr *a)
{
	for (int i = 0; i < 16; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		a->s6_addr[i] = (uint8_t)v;
	}
	return 0;
}

static int on_link6(const struct in6_addr *dst)
{
	FILE *f = fopen("/proc/net/ipv6_route", "r");
	char line[512];
	int best = -1, onlink = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f)) {
		char d[33], src[33], nh[33], ifn[32];
		unsigned plen, splen, metric, refc, use, flags;
		struct in6_addr da, ga;
		int match = 1;
		if (sscanf(line, "%32s %x %32s %x %32s %x %x %x %x %31s", d, &plen, src, &splen, nh, &metric, &refc, &use,
			    &flags, ifn) != 10 || plen > 128 || hex16(d, &da) != 0 || hex16(nh, &ga) != 0 || !(flags & 1) ||
		    strcmp(ifn, "lo") == 0)
			continue;
		for (unsigned b = 0; b < plen && match; b++)
			match = ((da.s6_addr[b / 8] ^ dst->s6_addr[b / 8]) & (0x80 >> (b % 8))) == 0;
		if (match && (int)plen > best) {
			best = (int)plen;
			onlink = IN6_IS_ADDR_UNSPECIFIED(&ga);
		}
	}
	fclose(f);
	return onlink;
}

int ct_route_on_link(uint32_t dst, const struct in6_addr *dst6)
{
	return dst6 ? on_link6(dst6) : on_link4(dst);
}
