/* t-route.c: unit tests of route's outcome (ct_route_conclude): every outcome and its neighbours, hops by TTL, forged RSTs, rate-limited hops. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "tap.h"
#include "route.h"

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

#define DST "198.18.2.12"
#define RTR "198.18.1.1"

/* One more hop: q answers of `kind` from `from` (NULL: silent), out of 3 probes. */
static struct ct_reply *hop(struct ct_route_result *r, int q, int kind, const char *from, int type, int code, int ttl)
{
	struct ct_route_hop *h = &r->hops[r->nhops];

	memset(h, 0, sizeof *h);
	h->ttl = ++r->nhops;
	h->sent = 3;
	for (int i = 0; i < q && from; i++) {
		struct ct_reply *x = &h->reply[i];
		x->kind = kind;
		x->from = ip4(from);
		x->icmp_type = (uint8_t)type;
		x->icmp_code = (uint8_t)code;
		x->ttl = ttl;
		x->quoted_ttl = -1;
		h->answered++;
		h->naddr = 1;
		h->addr[0] = x->from;
	}
	return &h->reply[0];
}

static struct ct_route_result *fresh(struct ct_route_result *r)
{
	memset(r, 0, sizeof *r);
	r->dst = ip4(DST);
	return r;
}

static void conclude(struct ct_route_result *r)
{
	ct_route_conclude(r, ip4(DST));
}

/* The router at hop 1 (q1 of 3 answers), then three answers at hop 2; concluded. */
static struct ct_reply *two_hops(struct ct_route_result *r, int q1, int kind, const char *from, int type, int code,
	int ttl)
{
	struct ct_reply *x;

	fresh(r);
	hop(r, q1, CT_RK_ICMP, RTR, 11, 0, 64);
	x = hop(r, 3, kind, from, type, code, ttl);
	conclude(r);
	return x;
}

static void test_target(struct ct_route_result *r)
{
	two_hops(r, 3, CT_RK_UDP, DST, 0, 0, 63);
	is_str(ct_route_outcome_key(r->outcome), "app_answered", "UDP answer from the target: app_answered");
	is_int(r->verdict, CT_RV_REACHED, "result reached");
	is_int(r->outcome_hop, 2, "at hop 2");
	is_int(r->last_hop, 1, "last time-exceeded hop 1");
	ok(r->partial_mask == 0, "every hop answered: no incomplete hop");

	two_hops(r, 1, CT_RK_UDP, DST, 0, 0, 63);
	is_int(r->outcome_hop, 2, "hop 1 rate-limited (1 of 3): the target stays at hop 2");
	ok(r->partial_mask == 1, "hop 1 listed as incomplete");

	two_hops(r, 3, CT_RK_ICMP, DST, 3, 3, 63);
	is_str(ct_route_outcome_key(r->outcome), "host_refused", "port unreachable from the target: host_refused");
	is_int(r->verdict, CT_RV_REACHED, "result reached");

	/* hop 2's port unreachable rate-limited: a TTL 4 probe got it, its TTL 63 says hop 2 */
	fresh(r);
	hop(r, 3, CT_RK_ICMP, RTR, 11, 0, 64);
	hop(r, 0, CT_RK_NONE, NULL, 0, 0, 0);
	hop(r, 0, CT_RK_NONE, NULL, 0, 0, 0);
	hop(r, 1, CT_RK_ICMP, DST, 3, 3, 63);
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "host_refused", "TTL 4 probe refused by the target: host_refused");
	is_int(r->outcome_hop, 2, "at hop 2, from the error's TTL");
	is_int(r->verdict_hop, 2, "the result's hop too");

	two_hops(r, 3, CT_RK_ICMP, DST, 3, 13, 63);
	is_str(ct_route_outcome_key(r->outcome), "host_rejected", "admin prohibited from the target: host_rejected");
	is_int(r->verdict, CT_RV_REJECTED, "result rejected");

	fresh(r);
	hop(r, 3, CT_RK_UDP, DST, 0, 0, 64);
	r->same_segment = 1;
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "app_answered", "same segment: app_answered");
	is_int(r->outcome_hop, 1, "at hop 1");
}

static void test_path(struct ct_route_result *r)
{
	struct ct_reply *x;

	two_hops(r, 3, CT_RK_ICMP, RTR, 3, 3, 64);
	is_str(ct_route_outcome_key(r->outcome), "path_rejected", "port unreachable from a router: path_rejected");
	is_int(r->device_hop, 1, "the device answered time exceeded at hop 1");
	ok(r->verdict_addr == ip4(RTR), "the router named");

	x = two_hops(r, 3, CT_RK_ICMP, RTR, 3, 1, 64);
	is_str(ct_route_outcome_key(r->outcome), "path_rejected", "host unreachable at once: a rule, path_rejected");
	x->rtt_ns = 3000000000ull;
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "host_unreachable", "host unreachable after 3 s: host_unreachable");

	/* nft reject with tcp reset in the router: the RST in the target's name with TTL 64 */
	two_hops(r, 3, CT_RK_TCP, DST, 0, 0, 64);
	for (int i = 0; i < 3; i++)
		r->hops[1].reply[i].tcp_flags = 0x14;
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "path_rejected", "RST with TTL 64 after a router: path_rejected");
	is_int(r->device_hop, 1, "from hop 1");
	ok(r->verdict_addr == ip4(RTR), "the router that answered at hop 1 named");
	for (int i = 0; i < 3; i++)
		r->hops[1].reply[i].ttl = 63;
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "host_refused", "RST with TTL 63: the host itself");
	/* hop 1 rate-limited: the echo reply's TTL places the target */
	memset(&r->hops[0].reply, 0, sizeof r->hops[0].reply);
	r->hops[0].answered = 0;
	for (int i = 0; i < 3; i++)
		r->hops[1].reply[i].ttl = 64;
	r->echo.kind = CT_RK_ECHO;
	r->echo_hop = 2;
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "path_rejected", "hop 1 silent, echo at hop 2, RST from hop 1: forged");
}

static void test_silent(struct ct_route_result *r)
{
	fresh(r);
	hop(r, 3, CT_RK_ICMP, RTR, 11, 0, 64);
	hop(r, 0, CT_RK_NONE, NULL, 0, 0, 0);
	hop(r, 0, CT_RK_NONE, NULL, 0, 0, 0);
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "silent_after_hop", "silence after hop 1, no echo: silent_after_hop");
	is_int(r->verdict, CT_RV_DIES, "result dies");
	is_int(r->verdict_hop, 1, "after hop 1");
	ok(r->verdict_addr == ip4(RTR), "the router named");
	ok(r->partial_mask == 0, "no incomplete hop before the silence");
	r->echo.kind = CT_RK_ECHO;
	r->echo.from = ip4(DST);
	r->echo_hop = 2;
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "silent_after_hop", "the target answers echo, another network: "
		"still silent_after_hop (a router may drop it)");
	r->same_segment = 1;
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "host_silent", "the same segment and echo: host_silent");
	is_int(r->outcome_hop, 2, "the target at hop 2");
	r->same_segment = 0;
	is_int(r->verdict, CT_RV_DIES, "result still dies (after hop 1)");
	is_int(r->last_hop, 1, "last hop 1");
	memset(&r->echo, 0, sizeof r->echo);
	r->echo_hop = 0;
	r->late_err.kind = CT_RK_ICMP;
	r->late_err.from = ip4(RTR);
	r->late_err.icmp_type = 3;
	r->late_err.icmp_code = 1;
	r->late_err.rtt_ns = 3000000000ull;
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "host_unreachable", "late host unreachable for a probe: host_unreachable");
	is_int(r->by_echo, 0, "not from the echo check");

	fresh(r);
	hop(r, 0, CT_RK_NONE, NULL, 0, 0, 0);
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "no_answer", "nothing: no_answer");
	r->same_segment = 1;
	r->echo.kind = CT_RK_ECHO;
	r->echo_hop = 1;
	conclude(r);
	is_str(ct_route_outcome_key(r->outcome), "host_silent", "same segment, echo answered: host_silent");
	is_int(r->outcome_hop, 1, "at hop 1");
	is_int(r->verdict, CT_RV_NO_ANSWER, "result no_answer (no hop answered)");
}

static void test_keys(void)
{
	is_int(ct_route_hop_of_ttl(64), 1, "TTL 64: hop 1");
	is_int(ct_route_hop_of_ttl(63), 2, "TTL 63: hop 2");
	is_int(ct_route_hop_of_ttl(127), 2, "TTL 127: hop 2 (Windows)");
	is_int(ct_route_hop_of_ttl(250), 6, "TTL 250: hop 6");
	is_int(ct_route_hop_of_ttl(-1), 0, "unknown TTL: 0");
	is_str(ct_route_outcome_key(CT_RO_PATH_REJECTED), "path_rejected", "outcome key");
	is_str(ct_route_outcome_key(CT_RO_COUNT), "no_answer", "out of range: no_answer");
	is_str(ct_route_verdict_key(CT_RV_DIES), "dies", "verdict key");
	is_int(ct_route_on_link(ip4("127.0.0.1"), NULL) == 0 || ct_route_on_link(ip4("127.0.0.1"), NULL) == 1, 1,
		"on-link lookup answers 0 or 1");
}

int main(void)
{
	struct ct_route_result *r = calloc(1, sizeof *r);

	test_target(r);
	test_path(r);
	test_silent(r);
	test_keys();
	free(r);
	return tap_done();
}
