/* coldwarm.h: the cold/warm test: does inbound UDP 2425 reach this host before it sent anything, and right after? */
#ifndef CT_COLDWARM_H
#define CT_COLDWARM_H

#include <stdint.h>
#include "probe.h"

enum ct_cw_verdict {
	CT_CW_UNTESTED = 0, /* not possible (no raw sockets, no next-hop address) */
	CT_CW_OK,           /* answers come in cold and warm */
	CT_CW_WARM_ONLY,    /* answers only after we sent: stateful host firewall on this host */
	CT_CW_NO_ANSWER,    /* the peer answered neither: the test needs a peer that answers */
	CT_CW_COLD_ONLY     /* cold answered, warm not: packet loss, or the peer rate-limits */
};

struct ct_coldwarm {
	enum ct_cw_verdict verdict;
	int cold_answered, warm_answered;
	uint64_t cold_rtt_ns, warm_rtt_ns;
	char why[240];
};

struct ct_coldwarm_links; /* link-layer handles, one per interface */

/* Opens link-layer senders for the interfaces (call before dropping privileges). Never NULL
 * unless out of memory; interfaces that could not be opened are remembered with the reason. */
struct ct_coldwarm_links *ct_coldwarm_links_new(void);
void ct_coldwarm_links_add(struct ct_coldwarm_links *l, const char *ifname);
void ct_coldwarm_links_free(struct ct_coldwarm_links *l);

/* Cold: a BR_ENTRY|DIALUPOPT from src:port to dst:port sent at the link layer, so this host's
 * connection tracking has no record of it; the answer arrives as a new inbound flow.
 * Warm: the same sent through the IP stack, then the answer is a reply to a tracked flow.
 * Answers are read from the raw UDP socket, which sits behind this host's firewall. */
int ct_coldwarm_run(struct ct_prober *pr, struct ct_coldwarm_links *l, const char *ifname, uint32_t dst,
	uint32_t src, uint16_t port, uint64_t wait_ns, struct ct_coldwarm *out);
/* The same towards an IPv6 peer (raw IPv6 sockets; the cold packet is an IPv6 frame to the
 * next hop's link-layer address from the kernel's neighbour table). */
int ct_coldwarm_run6(struct ct_prober *pr, struct ct_coldwarm_links *l, const char *ifname,
	const struct in6_addr *dst, const struct in6_addr *src, uint16_t port, uint64_t wait_ns, struct ct_coldwarm *out);
const char *ct_coldwarm_key(enum ct_cw_verdict v); /* "ok" "warm_only" "no_answer" "cold_only" "untested" */

/* Next hop towards dst on ifname (from /proc/net/route) and its link-layer address (from
 * /proc/net/arp); CT_ENOTFOUND when the neighbour is not resolved. */
int ct_neigh_lookup(uint32_t dst, const char *ifname, uint32_t *nexthop, uint8_t mac[6]);
/* IPv6: next hop from /proc/net/ipv6_route, its link-layer address from a netlink neighbour dump. */
int ct_neigh_lookup6(const struct in6_addr *dst, const char *ifname, struct in6_addr *nexthop, uint8_t mac[6]);

#endif
