/* coldwarm.c: cold/warm inbound test (IPv4 and IPv6): a link-layer send the local conntrack never sees, then a tracked one. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>
#include "clock.h"
#include "codec.h"
#include "coldwarm.h"
#include "err.h"
#include "inject.h"
#include "log.h"
#include "pktno.h"
#include "probe-ipmsg.h"
#include "util.h"

#define CW_MAX_IF 8

struct ct_coldwarm_links {
	int n;
	struct {
		char name[32];
		struct ct_inject *inj;
		char err[200];
	} v[CW_MAX_IF];
};

struct ct_coldwarm_links *ct_coldwarm_links_new(void)
{
	return calloc(1, sizeof(struct ct_coldwarm_links));
}

void ct_coldwarm_links_add(struct ct_coldwarm_links *l, const char *ifname)
{
	if (!l || !ifname || !ifname[0] || l->n >= CW_MAX_IF)
		return;
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, ifname) == 0)
			return;
	ct_strlcpy(l->v[l->n].name, ifname, sizeof l->v[0].name);
	(void)ct_inject_link_open(&l->v[l->n].inj, ifname, l->v[l->n].err, sizeof l->v[0].err);
	l->n++;
}

void ct_coldwarm_links_free(struct ct_coldwarm_links *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->n; i++)
		ct_inject_close(l->v[i].inj);
	free(l);
}

const char *ct_coldwarm_key(enum ct_cw_verdict v)
{
	static const char *const k[] = { "untested", "ok", "warm_only", "no_answer", "cold_only" };

	return (unsigned)v < CT_ARRAY_LEN(k) ? k[v] : "untested";
}

static int hexbyte(const char *s)
{
	unsigned v;

	return sscanf(s, "%2x", &v) == 1 ? (int)v : -1;
}

int ct_neigh_lookup(uint32_t dst, const char *ifname, uint32_t *nexthop, uint8_t mac[6])
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[512];
	uint32_t best_mask = 0, gw = 0;
	int found = 0;

	if (!f)
		return CT_ESYS;
	while (fgets(line, sizeof line, f)) {
		char ifn[64];
		unsigned d, g, flags, m;
		if (sscanf(line, "%63s %x %x %x %*d %*d %*d %x", ifn, &d, &g, &flags, &m) != 5)
			continue;
		if (strcmp(ifn, ifname) != 0 || !(flags & 1) || (dst & m) != d)
			continue;
		if (!found || ntohl(m) >= ntohl(best_mask)) {
			best_mask = m;
			gw = (flags & 2) ? g : 0;
			found = 1;
		}
	}
	fclose(f);
	if (!found)
		return CT_ENOTFOUND;
	*nexthop = gw ? gw : dst;
	f = fopen("/proc/net/arp", "r");
	if (!f)
		return CT_ESYS;
	found = 0;
	while (fgets(line, sizeof line, f)) {
		char ip[64], hw[64], dev[64];
		unsigned flags;
		struct in_addr a;
		if (sscanf(line, "%63s %*s %x %63s %*s %63s", ip, &flags, hw, dev) != 4)
			continue;
		if (inet_pton(AF_INET, ip, &a) != 1 || a.s_addr != *nexthop || strcmp(dev, ifname) != 0 || !(flags & 2))
			continue;
		for (int i = 0; i < 6; i++) {
			int b = hexbyte(hw + i * 3);
			if (b < 0)
				break;
			mac[i] = (uint8_t)b;
			found = i == 5;
		}
	}
	fclose(f);
	return found ? 0 : CT_ENOTFOUND;
}

/* 32 hex digits of /proc/net/ipv6_route into an address */
static int hex_addr6(const char *h, struct in6_addr *a)
{
	for (int i = 0; i < 16; i++) {
		int b = hexbyte(h + 2 * i);
		if (b < 0)
			return -1;
		a->s6_addr[i] = (uint8_t)b;
	}
	return 0;
}

static int prefix_match6(const struct in6_addr *a, const struct in6_addr *net, unsigned plen)
{
	for (unsigned i = 0; i < 16 && plen; i++) {
		unsigned bits = plen >= 8 ? 8 : plen;
		uint8_t m = (uint8_t)(0xff << (8 - bits));
		if ((a->s6_addr[i] & m) != (net->s6_addr[i] & m))
			return 0;
		plen -= bits;
	}
	return 1;
}

/* The link-layer address of addr on ifindex from a netlink neighbour dump (no privileges). */
static int neigh_mac6(const struct in6_addr *addr, int ifindex, uint8_t mac[6])
{
	struct {
		struct nlmsghdr n;
		struct ndmsg m;
	} req = {
		.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg)), .nlmsg_type = RTM_GETNEIGH,
		       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.m = { .ndm_family = AF_INET6 },
	};
	char buf[16384];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), found = 0, done = 0;

	if (fd < 0)
		return CT_ESYS;
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0) {
		close(fd);
		return CT_ESYS;
	}
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			struct ndmsg *m = NLMSG_DATA(h);
			int len;
			const uint8_t *dst = NULL, *ll = NULL;
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			if (h->nlmsg_type != RTM_NEWNEIGH || m->ndm_ifindex != ifindex ||
			    !(m->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)))
				continue;
			len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof *m);
			for (struct rtattr *a = (struct rtattr *)((char *)m + NLMSG_ALIGN(sizeof *m)); RTA_OK(a, len);
			     a = RTA_NEXT(a, len)) {
				if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == 16)
					dst = RTA_DATA(a);
				else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
					ll = RTA_DATA(a);
			}
			if (dst && ll && memcmp(dst, addr, 16) == 0) {
				memcpy(mac, ll, 6);
				found = 1;
			}
		}
	}
	close(fd);
	return found ? 0 : CT_ENOTFOUND;
}

int ct_neigh_lookup6(const struct in6_addr *dst, const char *ifname, struct in6_addr *nexthop, uint8_t mac[6])
{
	FILE *f = fopen("/proc/net/ipv6_route", "r");
	char line[512];
	int best = -1, ifindex = (int)if_nametoindex(ifname);

	if (!f)
		return CT_ESYS;
	while (fgets(line, sizeof line, f)) {
		char d[40], nh[40], ifn[64];
		unsigned plen, flags;
		struct in6_addr net, gw;
		if (sscanf(line, "%32s %x %*32s %*x %32s %*x %*x %*x %x %63s", d, &plen, nh, &flags, ifn) != 5)
			continue;
		if (strcmp(ifn, ifname) != 0 || !(flags & 1) || plen > 128 || (int)plen <= best ||
		    hex_addr6(d, &net) != 0 || hex_addr6(nh, &gw) != 0 || !prefix_match6(dst, &net, plen))
			continue;
		best = (int)plen;
		*nexthop = IN6_IS_ADDR_UNSPECIFIED(&gw) ? *dst : gw;
	}
	fclose(f);
	if (best < 0 || !ifindex)
		return CT_ENOTFOUND;
	return neigh_mac6(nexthop, ifindex, mac);
}

struct cw_ctx {
	struct ct_inject *link; /* NULL = the warm half: through the IP stack */
	uint8_t mac[6];
};

static size_t cw_payload(struct ct_probe_set *s, struct ct_probe *p, uint8_t *buf, size_t cap)
{
	return ct_app_build(p->seq, CT_IPMSG_BR_ENTRY | CT_IPMSG_DIALUPOPT | CT_IPMSG_CAPUTF8OPT, 1, buf, cap);
}

static int cw_send(struct ct_probe_set *s, struct ct_probe *p)
{
	struct cw_ctx *c = s->ud;
	uint8_t buf[1500];
	struct ct_inject_pkt ip = {
		.src = s->src, .dst = s->dst, .ttl = 64, .ip_id = p->ip_id, .df = 1,
		.sport = p->sport, .dport = p->dport, .payload = buf,
	};

	ip.plen = cw_payload(s, p, buf, sizeof buf);
	if (s->family == AF_INET6) {
		struct ct_inject_pkt6 ip6 = { .src = s->src6, .dst = s->dst6, .hlim = 64, .sport = p->sport,
			.dport = p->dport, .payload = buf, .plen = ip.plen };
		if (c->link)
			return ct_inject_link_udp6(c->link, c->mac, &ip6);
		return ct_inject_send6(s->pr->inj6, IPPROTO_UDP, &ip6);
	}
	if (c->link)
		return ct_inject_link_udp4(c->link, c->mac, &ip);
	return ct_inject_udp4(s->pr->inj, &ip);
}

static const struct ct_probe_ops cw_ops = {
	.name = "coldwarm",
	.send = cw_send,
	/* replies are matched exactly as for the UDP method */
	.packet = NULL,
};

/* One half; addr holds the family and addresses (dst, src or dst6, src6). */
static int half(struct ct_prober *pr, struct cw_ctx *c, const struct ct_probe_set *addr, uint16_t port,
	uint64_t wait_ns, uint64_t *rtt)
{
	static uint32_t seq;
	struct ct_probe probes[2];
	struct ct_probe_set s;
	struct ct_probe_ops ops = cw_ops;

	ops.packet = ct_probe_udp_ops.packet;
	if (!seq)
		seq = ct_pktno_seed();
	memset(&s, 0, sizeof s);
	memset(probes, 0, sizeof probes);
	s.ops = &ops;
	s.pr = pr;
	s.dst = addr->dst;
	s.src = addr->src;
	s.family = addr->family;
	s.dst6 = addr->dst6;
	s.src6 = addr->src6;
	s.probes = probes;
	s.n = 2;
	s.use_raw = 1;
	s.want_any_port = 1;
	s.ud = c;
	s.wait_ns = wait_ns;
	s.gap_ns = wait_ns / 4;
	for (int i = 0; i < 2; i++) {
		probes[i].sport = port;
		probes[i].dport = port;
		probes[i].seq = seq++;
		probes[i].ip_id = (uint16_t)(0x5000 + (probes[i].seq & 0x0fff));
	}
	if (ct_probe_run(&s) != 0)
		return 0;
	for (int i = 0; i < 2; i++)
		if (probes[i].answered && probes[i].reply.kind == CT_RK_UDP) {
			*rtt = probes[i].reply.rtt_ns;
			return 1;
		}
	return 0;
}

/* The link-layer sender for ifname into c->link; 0, or -1 with the reason in out->why. */
static int find_link(struct ct_coldwarm_links *l, const char *ifname, struct cw_ctx *c, struct ct_coldwarm *out)
{
	for (int i = 0; l && i < l->n; i++)
		if (strcmp(l->v[i].name, ifname) == 0) {
			c->link = l->v[i].inj;
			if (!c->link) {
				snprintf(out->why, sizeof out->why, "%s", l->v[i].err);
				return -1;
			}
		}
	if (!c->link) {
		snprintf(out->why, sizeof out->why, "no link-layer sender on interface %s", ifname);
		return -1;
	}
	return 0;
}

/* Both halves, then the verdict. */
static void cold_then_warm(struct ct_prober *pr, struct cw_ctx *c, const struct ct_probe_set *addr, uint16_t port,
	uint64_t wait_ns, struct ct_coldwarm *out)
{
	out->cold_answered = half(pr, c, addr, port, wait_ns, &out->cold_rtt_ns);
	c->link = NULL;
	out->warm_answered = half(pr, c, addr, port, wait_ns, &out->warm_rtt_ns);
	if (out->cold_answered && out->warm_answered) {
		out->verdict = CT_CW_OK;
		snprintf(out->why, sizeof out->why, "the peer's answers reach this host before and after it sent");
	} else if (out->warm_answered) {
		out->verdict = CT_CW_WARM_ONLY;
		snprintf(out->why, sizeof out->why, "reachable only after we sent: a stateful firewall on this "
			"host accepts inbound UDP %u only as a reply, so peers that speak first are dropped", port);
	} else if (out->cold_answered) {
		out->verdict = CT_CW_COLD_ONLY;
		snprintf(out->why, sizeof out->why, "the cold answer came but the warm one did not: packet loss "
			"or a rate limit at the peer");
	} else {
		out->verdict = CT_CW_NO_ANSWER;
		snprintf(out->why, sizeof out->why, "the peer answered neither probe; the test needs a peer "
			"that answers BR_ENTRY");
	}
}

static const char cw_needs_raw[] = "the cold/warm test needs raw sockets: run as root or "
	"`setcap cap_net_raw+ep $(command -v camtrace)`";

int ct_coldwarm_run(struct ct_prober *pr, struct ct_coldwarm_links *l, const char *ifname, uint32_t dst,
	uint32_t src, uint16_t port, uint64_t wait_ns, struct ct_coldwarm *out)
{
	struct cw_ctx c = { 0 };
	struct ct_probe_set a = { .dst = dst, .src = src };
	uint32_t nh;

	memset(out, 0, sizeof *out);
	if (!pr->raw) {
		snprintf(out->why, sizeof out->why, "%s", cw_needs_raw);
		return 0;
	}
	if (find_link(l, ifname, &c, out) != 0)
		return 0;
	if (ct_neigh_lookup(dst, ifname, &nh, c.mac) != 0) {
		/* an ICMP echo makes the kernel resolve the next hop without touching UDP state */
		struct ct_inject_pkt e = { .src = src, .dst = dst, .ttl = 64, .ip_id = 0x5fff, .echo_id = 0x5fff };
		(void)ct_inject_echo4(pr->inj, &e);
		for (int k = 0; k < 20; k++) {
			usleep(25000);
			if (ct_neigh_lookup(dst, ifname, &nh, c.mac) == 0)
				break;
			if (k == 19) {
				snprintf(out->why, sizeof out->why, "the next hop towards the peer is not in the "
					"neighbour table of %s", ifname);
				return 0;
			}
		}
	}
	cold_then_warm(pr, &c, &a, port, wait_ns, out);
	return 0;
}

int ct_coldwarm_run6(struct ct_prober *pr, struct ct_coldwarm_links *l, const char *ifname,
	const struct in6_addr *dst, const struct in6_addr *src, uint16_t port, uint64_t wait_ns, struct ct_coldwarm *out)
{
	struct cw_ctx c = { 0 };
	struct ct_probe_set a = { .family = AF_INET6, .dst6 = *dst, .src6 = *src };
	struct in6_addr nh;

	memset(out, 0, sizeof *out);
	if (!pr->raw6) {
		snprintf(out->why, sizeof out->why, "%s", cw_needs_raw);
		return 0;
	}
	if (find_link(l, ifname, &c, out) != 0)
		return 0;
	if (ct_neigh_lookup6(dst, ifname, &nh, c.mac) != 0) {
		/* an ICMPv6 echo makes the kernel resolve the next hop (neighbour discovery) */
		struct ct_inject_pkt6 e = { .src = *src, .dst = *dst, .hlim = 64, .echo_id = 0x5fff };
		(void)ct_inject_send6(pr->inj6, IPPROTO_ICMPV6, &e);
		for (int k = 0; k < 20; k++) {
			usleep(25000);
			if (ct_neigh_lookup6(dst, ifname, &nh, c.mac) == 0)
				break;
			if (k == 19) {
				snprintf(out->why, sizeof out->why, "the next hop towards the peer is not in the IPv6 "
					"neighbour table of %s", ifname);
				return 0;
			}
		}
	}
	cold_then_warm(pr, &c, &a, port, wait_ns, out);
	return 0;
}
