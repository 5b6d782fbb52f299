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
	int no_confirm;     /* the caller already waited for the application's answer (doctor's
			       probe): no full-TTL confirmation after a silent trace */
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
	CT_RV_REJECTED,     /* an ICMP unreachable (not "port" from the target), or a TCP RST forged by a device */
	CT_RV_NO_ANSWER     /* nothing answered at all */
};

/* What the last hop did (finer than the verdict; the JSON "outcome"). */
enum ct_route_outcome {
	CT_RO_NO_ANSWER = 0,     /* nothing answered, and the target does not answer ICMP echo */
	CT_RO_APP_ANSWERED,      /* the application answered (UDP datagram, TCP SYN-ACK) */
	CT_RO_HOST_REFUSED,      /* the target itself: ICMP port unreachable (UDP) / TCP RST */
	CT_RO_HOST_REJECTED,     /* the target itself: another ICMP unreachable (its firewall) */
	CT_RO_PATH_REJECTED,     /* a device on the path: ICMP unreachable, or a TCP RST in the
				    target's name whose TTL shows it came from nearer */
	CT_RO_HOST_UNREACHABLE,  /* ICMP host / address unreachable after >= 2 s: the last router (or
				    this host, same segment) found nobody at the address (ARP/ND) */
	CT_RO_HOST_SILENT,       /* same segment: the target is up (answers ICMP echo), took the
				    probes and did not answer them */
	CT_RO_SILENT_AFTER_HOP,  /* silence after hop N (the target may be up: echo_hop, target_up) */
	CT_RO_COUNT
};

#define CT_ROUTE_ANSWER_DELAY_NS 4200000000ull /* IPMsg answers BR_ENTRY within 4 s (+5 ms) */
#define CT_ROUTE_CONFIRM_GAP_NS 1100000000ull  /* between the two copies: one ICMP token later */
#define CT_ROUTE_SLOW_UNREACH_NS 1000000000ull /* an unreachable this late comes after ARP/ND failed
						  (a reject rule answers at once; ARP gives up after 3 s) */

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
	/* the outcome (ct_route_conclude) and what it rests on */
	uint32_t dst;              /* the target (IPv4; IPv6: dst6) */
	enum ct_route_outcome outcome;
	int outcome_hop;           /* the hop the outcome names (the target's, the device's, the last
				      answering hop's), 0 none */
	int device_hop;            /* path_rejected: the hop where the device itself answered time
				      exceeded or where its TTL places it, 0 unknown */
	int same_segment;          /* the route to the target has no gateway: no router in between */
	int last_hop;              /* highest hop that answered "time exceeded", 0 none */
	uint64_t partial_mask;     /* hops below the end that did not answer every probe (bit ttl-1):
				      an ICMP rate limit, most of the time */
	int by_echo;               /* the outcome comes from the ICMP echo check, not from the probes */
	/* the ICMP echo check (before the trace): is the target up, and how far */
	int echo_sent, echo_tried; /* echo_tried 0: no echo possible (unprivileged, no ping socket) */
	struct ct_reply echo;      /* first answer (kind CT_RK_ECHO, or CT_RK_ICMP error), NONE silence */
	int echo_hop;              /* hop of the target from the echo reply's TTL, 0 unknown */
	struct ct_reply late_err;  /* an ICMP unreachable for a trace probe that came during the echo
				      check (rtt_ns: since the trace's start), kind NONE none */
	/* UDP IP Messenger probes: the packet sent, and its withdrawal */
	uint32_t probe_cmd;        /* command word of the probes (BR_ENTRY|DIALUPOPT), 0 for TCP/RTP */
	int exit_sent;             /* BR_EXIT sent to the target after the trace */
	int confirm_sent;          /* the probes got no answer: a BR_ENTRY at full TTL was sent and
				      given CT_ROUTE_ANSWER_DELAY_NS */
	int late_answer;           /* ... and the target answered it (added to the hop its TTL shows) */
	uint32_t answer_cmd;       /* the application's answer (app_answered over UDP), 0 unknown */
	char program[128];         /* what answered ("iptux 0.8.3"), "" unknown */
};

int ct_route_trace(struct ct_prober *pr, uint32_t dst, uint32_t src, const struct ct_route_opts *o,
	struct ct_route_result *res, char *err, size_t errlen);
/* Works out the verdict and the outcome from the hops, the echo check and same_segment (pure:
 * unit tested). IPv6 (res->family): the target is res->dst6 and dst is ignored. */
void ct_route_conclude(struct ct_route_result *res, uint32_t dst);
const char *ct_route_verdict_key(enum ct_route_verdict v); /* "reached" "dies" "rejected" "no_answer" */
/* "no_answer" "app_answered" "host_refused" "host_rejected" "path_rejected" "host_unreachable"
 * "host_silent" "silent_after_hop" */
const char *ct_route_outcome_key(enum ct_route_outcome o);
/* The hop a packet from the target comes from, by its TTL (the nearest initial TTL of 64, 128
 * or 255 above it, minus the TTL, plus one); 0 when the TTL is unknown. */
int ct_route_hop_of_ttl(int ttl);
/* 1 when the route to dst (IPv4, or dst6 when non-NULL) has no gateway (the main table). */
int ct_route_on_link(uint32_t dst, const struct in6_addr *dst6);

#endif
