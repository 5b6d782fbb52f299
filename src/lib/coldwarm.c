/* coldwarm.c: cold/warm inbound test: a link-layer send the local conntrack never sees, then a tracked one. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "clock.h"
#include "codec.h"
#include "coldwarm.h"
#include "err.h"
#include "inject.h"
#include "log.h"
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

static int half(struct ct_prober *pr, struct cw_ctx *c, uint32_t dst, uint32_t src, uint16_t port,
	uint64_t wait_ns, uint64_t *rtt)
{
	static uint32_t seq;
	struct ct_probe probes[2];
	struct ct_probe_set s;
	struct ct_probe_ops ops = cw_ops;

	ops.packet = ct_probe_udp_ops.packet;
	if (!seq)
		seq = (uint32_t)time(NULL) + 5000;
	memset(&s, 0, sizeof s);
	memset(probes, 0, sizeof probes);
	s.ops = &ops;
	s.pr = pr;
	s.dst = dst;
	s.src = src;
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

int ct_coldwarm_run(struct ct_prober *pr, struct ct_coldwarm_links *l, const char *ifname, uint32_t dst,
	uint32_t src, uint16_t port, uint64_t wait_ns, struct ct_coldwarm *out)
{
	struct cw_ctx c = { 0 };
	uint32_t nh;

	memset(out, 0, sizeof *out);
	if (!pr->raw) {
		snprintf(out->why, sizeof out->why, "the cold/warm test needs raw sockets: run as root or "
			"`setcap cap_net_raw+ep $(command -v camtrace)`");
		return 0;
	}
	for (int i = 0; l && i < l->n; i++)
		if (strcmp(l->v[i].name, ifname) == 0) {
			c.link = l->v[i].inj;
			if (!c.link) {
				snprintf(out->why, sizeof out->why, "%s", l->v[i].err);
				return 0;
			}
		}
	if (!c.link) {
		snprintf(out->why, sizeof out->why, "no link-layer sender on interface %s", ifname);
		return 0;
	}
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
	out->cold_answered = half(pr, &c, dst, src, port, wait_ns, &out->cold_rtt_ns);
	c.link = NULL;
	out->warm_answered = half(pr, &c, dst, src, port, wait_ns, &out->warm_rtt_ns);
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
	return 0;
}
