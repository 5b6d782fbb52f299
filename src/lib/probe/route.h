/* route.h: flow-stable route trace on the application's own traffic (UDP 2425, TCP SYN 2425, an RTP port). */
#ifndef CT_ROUTE_H
#define CT_ROUTE_H

#include <stdint.h>
#include "probe.h"

#define CT_ROUTE_MAX_TTL 64
#define CT_ROUTE_MAX_Q 8
#define CT_ROUTE_MAX_ADDR 4

enum ct_route_method { CT_ROUTE_UDP = 0, CT_ROUTE_TCP, CT_ROUTE_RTP };

struct ct_route_opts {
	enum ct_route_method method;
	uint16_t dport;     /* 0 = 2425 (RTP: the RTP port) */
	uint16_t sport;     /* 0 = same as dport for UDP/RTP (the application's own tuple), ephemeral for TCP */
	int first_ttl;      /* 0 = 1 */
	int max_ttl;        /* 0 = 30 */
	int queries;        /* probes per hop, 0 = 3 */
	uint64_t wait_ns;   /* longest wait after the last send, 0 = 3 s */
	uint64_t gap_ns;    /* pause between sends (0 = 1 ms): lets the first answers from the
			       target stop probes with higher TTLs before they are sent */
	int use_raw;        /* libnet + raw sockets (flow-stable, IP ID per probe) */
	int family;         /* AF_INET6: trace to dst6 (from src6, :: = route lookup); the dst and
			       src arguments are then ignored */
	struct in6_addr dst6, src6;
};

struct ct_route_hop {
	int ttl;
	int sent, answered;
	int naddr;
	uint32_t addr[CT_ROUTE_MAX_ADDR];     /* distinct responders, in order of arrival */
	struct in6_addr addr6[CT_ROUTE_MAX_ADDR]; /* the same for an IPv6 trace */
	struct ct_reply reply[CT_ROUTE_MAX_Q]; /* per probe (kind CT_RK_NONE = no answer) */
	int is_target;                        /* the target itself answered at this TTL */
};

enum ct_route_verdict {
	CT_RV_REACHED = 0,  /* the target answered (port state in the reply) */
	CT_RV_DIES,         /* silence after hop N: the last hop that answered is verdict_addr */
	CT_RV_REJECTED,     /* an ICMP unreachable (not "port") from verdict_addr */
	CT_RV_NO_ANSWER     /* nothing answered at all */
};

struct ct_route_result {
	int nhops;                 /* hops[0..nhops-1] cover first_ttl..last TTL worth showing */
	struct ct_route_hop hops[CT_ROUTE_MAX_TTL];
	enum ct_route_verdict verdict;
	int verdict_hop;           /* TTL of the hop the verdict names */
	uint32_t verdict_addr;
	int family;                /* AF_INET6 for an IPv6 trace: addresses in *6 */
	struct in6_addr verdict_addr6, dst6;
	struct ct_reply verdict_reply; /* the reply behind the verdict */
	int probes_sent;
	int flow_stable;           /* one 5-tuple for every probe (raw mode) */
	uint16_t sport, dport;
	uint64_t elapsed_ns;
};

int ct_route_trace(struct ct_prober *pr, uint32_t dst, uint32_t src, const struct ct_route_opts *o,
	struct ct_route_result *res, char *err, size_t errlen);
/* Works out the verdict from the hops (pure: unit tested). IPv6 (res->family): the target is
 * res->dst6 and dst is ignored. */
void ct_route_conclude(struct ct_route_result *res, uint32_t dst);
const char *ct_route_verdict_key(enum ct_route_verdict v); /* "reached" "dies" "rejected" "no_answer" */

#endif
