/* t-probe.c: unit tests of the probe engine's pure logic: ICMP taxonomy, packet views, port states, route verdicts, RTP and jitter, program names. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "tap.h"
#include "icmpname.h"
#include "inject.h"
#include "ipview.h"
#include "probe.h"
#include "probe-ipmsg.h"
#include "probe-rtp.h"
#include "route.h"
#include "codec.h"
#include "err.h"

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static void test_icmpname(void)
{
	is_str(ct_icmp_name(CT_ICMP_V4, 3, 13), "communication administratively prohibited", "3/13 named in full");
	is_str(ct_icmp_key(CT_ICMP_V4, 3, 13), "admin_prohibited", "3/13 key");
	is_str(ct_icmp_key(CT_ICMP_V4, 3, 1), "host_unreachable", "3/1 key differs from 3/13: never folded");
	is_str(ct_icmp_key(CT_ICMP_V4, 3, 10), "host_prohibited", "3/10 host prohibited");
	is_str(ct_icmp_key(CT_ICMP_V4, 3, 9), "net_prohibited", "3/9 net prohibited");
	is_str(ct_icmp_tag(CT_ICMP_V4, 3, 13), "!X", "3/13 tag !X as traceroute");
	is_str(ct_icmp_tag(CT_ICMP_V4, 3, 1), "!H", "3/1 tag !H");
	is_str(ct_icmp_tag(CT_ICMP_V4, 3, 4), "!F", "3/4 tag !F");
	is_str(ct_icmp_tag(CT_ICMP_V4, 3, 3), "", "port unreachable has no tag (normal arrival)");
	is_int(ct_icmp_verdict(CT_ICMP_V4, 3, 3), CT_ICMPV_CLOSED, "port unreachable = closed");
	for (int c = 0; c <= 15; c++)
		if (c != 3 && c != 4)
			is_int(ct_icmp_verdict(CT_ICMP_V4, 3, (uint8_t)c), CT_ICMPV_FILTERED, "3/%d = filtered", c);
	is_int(ct_icmp_verdict(CT_ICMP_V4, 11, 0), CT_ICMPV_TRANSIT, "TTL exceeded = transit");
	is_int(ct_icmp_verdict(CT_ICMP_V4, 0, 0), CT_ICMPV_NONE, "echo reply is not an error");
	is_str(ct_icmp_name(CT_ICMP_V4, 11, 1), "fragment reassembly time exceeded", "11/1");
	is_str(ct_icmp_name(CT_ICMP_V4, 3, 99), "destination unreachable (code 99)", "unknown code keeps the type");
	is_str(ct_icmp_name(CT_ICMP_V4, 200, 1), "type 200 code 1", "unknown type");
	is_str(ct_icmp_name(CT_ICMP_V6, 1, 1), "communication with destination administratively prohibited", "v6 1/1");
	is_str(ct_icmp_key(CT_ICMP_V6, 1, 4), "port_unreachable", "v6 1/4");
	is_int(ct_icmp_verdict(CT_ICMP_V6, 1, 4), CT_ICMPV_CLOSED, "v6 port unreachable = closed");
	is_int(ct_icmp_verdict(CT_ICMP_V6, 1, 5), CT_ICMPV_FILTERED, "v6 source policy = filtered");
	is_str(ct_icmp_name(CT_ICMP_V6, 3, 0), "hop limit exceeded in transit", "v6 3/0");
	is_str(ct_icmp_type_name(CT_ICMP_V6, 2), "packet too big", "v6 type 2");
	ok(ct_icmp_is_error(CT_ICMP_V4, 3) && !ct_icmp_is_error(CT_ICMP_V4, 0), "error types quote, echo does not");
}

/* An ICMP 3/13 from 198.18.1.1 quoting a UDP 2425 -> 2425 probe with IP ID 0x4242, TTL 1 left. */
static size_t make_icmp_error(uint8_t *b, int cut)
{
	static const uint8_t pkt[] = {
		0x45, 0, 0, 56 + 8, 0x12, 0x34, 0, 0, 64, 1, 0, 0, 198, 18, 1, 1, 198, 18, 1, 11,
		3, 13, 0, 0, 0, 0, 0, 0,
		0x45, 0, 0, 28 + 8, 0x42, 0x42, 0x40, 0, 1, 17, 0, 0, 198, 18, 1, 11, 198, 18, 2, 12,
		0x09, 0x79, 0x09, 0x79, 0, 16, 0, 0, '1', ':', '4', '2', ':', 'u', ':', 'h',
	};
	memcpy(b, pkt, sizeof pkt);
	return sizeof pkt - (size_t)cut;
}

static void test_ipview(void)
{
	uint8_t b[128];
	struct ct_ipview v;
	size_t n = make_icmp_error(b, 0);

	is_int(ct_ipview_parse(b, n, &v), 0, "ICMP error parses");
	is_int(v.proto, 1, "outer protocol ICMP");
	is_int(v.l4.icmp_type, 3, "type 3");
	is_int(v.l4.icmp_code, 13, "code 13");
	ok(v.src == ip4("198.18.1.1"), "sender is the router");
	ok(v.has_inner, "quote found");
	is_int(v.in_id, 0x4242, "quoted IP ID");
	is_int(v.in_ttl, 1, "quoted TTL");
	is_int(v.in.sport, 2425, "quoted source port");
	is_int(v.in.dport, 2425, "quoted destination port");
	ok(v.in_dst == ip4("198.18.2.12"), "quoted destination");
	is_int(v.in.plen, 8, "quoted payload bytes");
	n = make_icmp_error(b, 8 + 8);
	is_int(ct_ipview_parse(b, n, &v), 0, "quote cut to its IP header still parses");
	ok(v.has_inner && v.in.sport == 0, "no ports read past the quote");
	is_int(ct_ipview_parse(b, 10, &v), CT_ETRUNC, "10 bytes: truncated");
	b[0] = 0x55;
	is_int(ct_ipview_parse(b, 40, &v), CT_EFORMAT, "version 5 refused");
	b[0] = 0x65;
	is_int(ct_ipview_parse(b, 39, &v), CT_ETRUNC, "IPv6 shorter than its fixed header: truncated");
	b[0] = 0x4f;
	is_int(ct_ipview_parse(b, 40, &v), CT_EFORMAT, "header length beyond the data refused");
}

static void test_states(void)
{
	struct ct_probe p;

	memset(&p, 0, sizeof p);
	is_int(ct_probe_udp_state(&p), CT_PORT_UNKNOWN, "unsent probe: unknown");
	p.sent = 1;
	p.dst = ip4("198.18.2.12");
	is_int(ct_probe_udp_state(&p), CT_PORT_OPEN_FILTERED, "UDP silence: open|filtered");
	is_int(ct_probe_tcp_state(&p), CT_PORT_FILTERED, "TCP silence: filtered");
	p.answered = 1;
	p.reply.kind = CT_RK_UDP;
	is_int(ct_probe_udp_state(&p), CT_PORT_OPEN, "UDP answer: open");
	p.reply.kind = CT_RK_ICMP;
	p.reply.icmp_type = 3;
	p.reply.icmp_code = 3;
	p.reply.from = p.dst;
	is_int(ct_probe_udp_state(&p), CT_PORT_CLOSED, "port unreachable from the target: closed");
	p.reply.from = ip4("198.18.1.1");
	is_int(ct_probe_udp_state(&p), CT_PORT_FILTERED, "port unreachable from a router: filtered");
	p.reply.icmp_code = 13;
	is_int(ct_probe_udp_state(&p), CT_PORT_FILTERED, "admin prohibited: filtered");
	is_int(ct_probe_tcp_state(&p), CT_PORT_FILTERED, "TCP admin prohibited: filtered");
	p.reply.kind = CT_RK_TCP;
	p.reply.tcp_flags = 0x12;
	is_int(ct_probe_tcp_state(&p), CT_PORT_OPEN, "SYN-ACK: open");
	p.reply.tcp_flags = 0x14;
	is_int(ct_probe_tcp_state(&p), CT_PORT_CLOSED, "RST-ACK: closed");
	p.reply.kind = CT_RK_CONNECT;
	p.reply.err = 111;
	is_int(ct_probe_tcp_state(&p), CT_PORT_CLOSED, "ECONNREFUSED: closed");
	p.reply.err = 0;
	is_int(ct_probe_tcp_state(&p), CT_PORT_OPEN, "connected: open");
	is_str(ct_port_state_name(CT_PORT_OPEN_FILTERED), "open|filtered", "nmap name");
	is_str(ct_port_state_key(CT_PORT_OPEN_FILTERED), "open_filtered", "JSON key");
}

/* TCP: who refused decides closed (the target) or filtered (a device on the path). */
static void test_tcp_origin(void)
{
	struct ct_probe p;

	is_int(ct_ttl_hops(64), 0, "TTL 64: sent from 0 hops (initial 64)");
	is_int(ct_ttl_hops(63), 1, "TTL 63: 1 hop");
	is_int(ct_ttl_hops(120), 8, "TTL 120: 8 hops (initial 128)");
	is_int(ct_ttl_hops(250), 5, "TTL 250: 5 hops (initial 255)");
	is_int(ct_ttl_hops(30), 2, "TTL 30: 2 hops (initial 32)");
	is_int(ct_ttl_hops(-1), -1, "unknown TTL: unknown distance");
	memset(&p, 0, sizeof p);
	p.sent = p.answered = 1;
	p.dst = ip4("198.18.2.12");
	p.reply.kind = CT_RK_ICMP;
	p.reply.icmp_type = 3;
	p.reply.icmp_code = 3;
	p.reply.from = ip4("198.18.1.1");
	is_int(ct_probe_tcp_state(&p), CT_PORT_FILTERED, "TCP port unreachable from a router: filtered");
	is_int(ct_reply_origin(&p), CT_ORIGIN_PATH, "... sent by the path");
	p.reply.from = p.dst;
	is_int(ct_probe_tcp_state(&p), CT_PORT_CLOSED, "TCP port unreachable from the target: closed");
	is_int(ct_reply_origin(&p), CT_ORIGIN_TARGET, "... sent by the target");
	p.reply.kind = CT_RK_TCP;
	p.reply.tcp_flags = 0x14;
	p.reply.origin = CT_ORIGIN_PATH;
	is_int(ct_probe_tcp_state(&p), CT_PORT_FILTERED, "RST from nearer than the target: filtered");
	p.reply.origin = CT_ORIGIN_UNVERIFIED;
	is_int(ct_probe_tcp_state(&p), CT_PORT_CLOSED, "RST, distance not checked: closed (unverified)");
	is_str(ct_origin_key(ct_reply_origin(&p)), "unverified", "... said so");
	p.reply.origin = CT_ORIGIN_TARGET;
	is_int(ct_probe_tcp_state(&p), CT_PORT_CLOSED, "RST at the target's distance: closed");
	p.answered = 0;
	is_int(ct_reply_origin(&p), CT_ORIGIN_UNKNOWN, "no answer: nobody");
	ok(ct_origin_key(CT_ORIGIN_UNKNOWN) == NULL, "no answer: JSON null");
}

/* A host unreachable means the host is down when it came late, from ourselves, or in a batch. */
static void test_host_down(void)
{
	struct ct_probe p[3];
	uint32_t me = ip4("198.18.1.11"), rtr = ip4("198.18.1.1");
	const uint64_t ms = 1000000ull;

	memset(p, 0, sizeof p);
	for (int i = 0; i < 3; i++) {
		p[i].sent = 1;
		p[i].sent_ns = 1000 * ms + (uint64_t)i * 200 * ms;
		p[i].reply.kind = CT_RK_ICMP;
		p[i].reply.icmp_type = 3;
		p[i].reply.icmp_code = 1;
		p[i].reply.from = rtr;
	}
	is_int(ct_reply_host_down(&p[0].reply, 3000 * ms, AF_INET, me, NULL), 1, "3/1 3 s after the first packet: down");
	is_int(ct_reply_host_down(&p[0].reply, 1 * ms, AF_INET, me, NULL), 0, "3/1 at once: a firewall's reject");
	p[0].reply.from = me;
	is_int(ct_reply_host_down(&p[0].reply, 1 * ms, AF_INET, me, NULL), 1, "3/1 from our own address: our ARP failed");
	p[0].reply.from = rtr;
	p[0].reply.icmp_code = 13;
	is_int(ct_reply_host_down(&p[0].reply, 3000 * ms, AF_INET, me, NULL), 0, "admin prohibited is never down");
	p[0].reply.icmp_code = 1;
	for (int i = 0; i < 3; i++) {
		p[i].answered = 1;
		p[i].reply.rtt_ns = 1 * ms;
	}
	is_int(ct_probes_host_down(p, 3, p[0].sent_ns, AF_INET, me, NULL), 0, "each refused at once: a firewall");
	p[0].reply.rtt_ns = 450 * ms;
	p[1].reply.rtt_ns = 250 * ms;
	p[2].reply.rtt_ns = 50 * ms;
	is_int(ct_probes_host_down(p, 3, p[0].sent_ns, AF_INET, me, NULL), 1, "refused together though sent apart: a queue flushed");
	p[0].reply.rtt_ns = p[1].reply.rtt_ns = 1 * ms;
	p[2].answered = 0;
	p[1].answered = 0;
	is_int(ct_probes_host_down(p, 3, p[0].sent_ns, AF_INET, me, NULL), 1, "a later probe silent after an earlier one was refused");
	p[0].answered = 0;
	is_int(ct_probes_host_down(p, 3, p[0].sent_ns, AF_INET, me, NULL), 0, "silence alone says nothing");
}

static void hop(struct ct_route_result *r, int ttl, int kind, const char *from, int type, int code)
{
	struct ct_route_hop *h = &r->hops[r->nhops++];

	memset(h, 0, sizeof *h);
	h->ttl = ttl;
	h->sent = 3;
	if (kind == CT_RK_NONE)
		return;
	h->answered = 1;
	h->naddr = 1;
	h->addr[0] = ip4(from);
	h->reply[0].kind = kind;
	h->reply[0].from = ip4(from);
	h->reply[0].icmp_type = (uint8_t)type;
	h->reply[0].icmp_code = (uint8_t)code;
}

static void test_route_verdict(void)
{
	struct ct_route_result *r = calloc(1, sizeof *r);
	uint32_t dst = ip4("198.18.2.12");

	hop(r, 1, CT_RK_ICMP, "198.18.1.1", 11, 0);
	hop(r, 2, CT_RK_ICMP, "198.18.2.12", 3, 3);
	ct_route_conclude(r, dst);
	is_int(r->verdict, CT_RV_REACHED, "port unreachable from the target: reached");
	is_int(r->verdict_hop, 2, "reached at hop 2");

	r->nhops = 0;
	hop(r, 1, CT_RK_ICMP, "198.18.1.1", 11, 0);
	hop(r, 2, CT_RK_NONE, NULL, 0, 0);
	hop(r, 3, CT_RK_NONE, NULL, 0, 0);
	ct_route_conclude(r, dst);
	is_int(r->verdict, CT_RV_DIES, "silence after hop 1: dies");
	is_int(r->verdict_hop, 1, "dies after hop 1");
	ok(r->verdict_addr == ip4("198.18.1.1"), "names the router");

	r->nhops = 0;
	hop(r, 1, CT_RK_ICMP, "198.18.1.1", 11, 0);
	hop(r, 2, CT_RK_ICMP, "198.18.1.1", 3, 13);
	ct_route_conclude(r, dst);
	is_int(r->verdict, CT_RV_REJECTED, "admin prohibited: rejected");
	is_int(r->verdict_reply.icmp_code, 13, "with code 13");
	ok(r->verdict_addr == ip4("198.18.1.1"), "by the router");

	r->nhops = 0;
	hop(r, 1, CT_RK_ICMP, "198.18.1.1", 11, 0);
	hop(r, 2, CT_RK_ICMP, "198.18.2.12", 3, 10);
	ct_route_conclude(r, dst);
	is_int(r->verdict, CT_RV_REJECTED, "host prohibited from the target itself: rejected, not reached");

	r->nhops = 0;
	hop(r, 1, CT_RK_NONE, NULL, 0, 0);
	ct_route_conclude(r, dst);
	is_int(r->verdict, CT_RV_NO_ANSWER, "nothing at all: no answer");
	is_str(ct_route_verdict_key(CT_RV_DIES), "dies", "verdict key");
	free(r);
}

static void test_rtp(void)
{
	uint8_t pkt[256], echo[256];
	struct ct_rtp_hdr h;
	struct ct_rtp_echo_info ei;
	const uint8_t *pl;
	size_t plen, n, m;

	n = ct_rtp_build_probe(pkt, sizeof pkt, 7, 1120, 0xdeadbeef, 123456789ull);
	is_int(n, CT_RTP_HDR + CT_RTP_PROBE_LEN, "probe length: header + 20 ms of PCMU");
	is_int(pkt[0], 0x80, "RTP version 2, no padding/extension/CSRC");
	is_int(ct_rtp_parse(pkt, n, &h, &pl, &plen), 0, "probe parses");
	is_int(h.seq, 7, "sequence");
	is_int(h.ts, 1120, "timestamp");
	ok(h.ssrc == 0xdeadbeef, "SSRC");
	is_int(h.pt, 0, "payload type PCMU");
	is_int(plen, CT_RTP_PROBE_LEN, "payload length");
	m = ct_rtp_make_echo(pkt, n, 5000000ull, 5001000ull, 3, echo, sizeof echo);
	is_int(m, n, "echo is the same size as the probe (no amplification)");
	is_int(ct_rtp_parse_echo(echo, m, &h, &ei), 0, "echo parses");
	ok(ei.probe_tx_ns == 123456789ull && ei.echo_rx_ns == 5000000ull && ei.echo_tx_ns == 5001000ull, "echo times");
	is_int(ei.echo_count, 3, "echo count");
	is_int(h.seq, 7, "echo keeps the sequence number");
	is_int(ct_rtp_make_echo(echo, m, 1, 2, 1, pkt, sizeof pkt), 0, "an echo is never echoed");
	is_int(ct_rtp_parse_echo(pkt, n, &h, &ei), CT_EFORMAT, "a probe is not an echo");
	pkt[0] = 0x40;
	is_int(ct_rtp_parse(pkt, n, &h, NULL, NULL), CT_EFORMAT, "RTP version 1 refused");
	pkt[0] = 0xa0;
	pkt[n - 1] = 200;
	is_int(ct_rtp_parse(pkt, n, &h, NULL, NULL), CT_EFORMAT, "padding longer than the payload refused");
	pkt[0] = 0x8f;
	is_int(ct_rtp_parse(pkt, 20, &h, NULL, NULL), CT_EFORMAT, "15 CSRCs past the end refused");
}

static void test_jitter(void)
{
	struct ct_jitter j = { 0 };

	/* constant transit time: no jitter */
	for (int i = 0; i < 10; i++)
		ct_jitter_add(&j, i * 20000000LL, i * 20000000LL + 5000000LL);
	ok(j.j_ns == 0.0, "constant delay gives zero jitter");
	/* RFC 3550: one packet 16 ms late after a steady stream: J = 16/16 = 1 ms */
	ct_jitter_add(&j, 10 * 20000000LL, 10 * 20000000LL + 5000000LL + 16000000LL);
	ok(j.j_ns > 999999.0 && j.j_ns < 1000001.0, "one 16 ms deviation gives 1 ms (J += (|D| - J)/16)");
	/* the next packet on time: |D| = 16 ms again, J = 1 + (16 - 1)/16 */
	ct_jitter_add(&j, 11 * 20000000LL, 11 * 20000000LL + 5000000LL);
	ok(j.j_ns > 1937499.0 && j.j_ns < 1937501.0, "recovery step: 1.9375 ms");
}

static void test_names(void)
{
	char out[128];
	uint8_t buf[512];
	struct ct_ipmsg m;
	size_t n;

	ct_app_name_program("1_iptux 0.8.3", "", NULL, out, sizeof out);
	is_str(out, "iptux 0.8.3", "iptux from its version field");
	ct_app_name_program("1", "", "00010002:4:99:103", out, sizeof out);
	is_str(out, "IP Messenger for Windows (64-bit) 4.99r3", "Windows from VS:");
	ct_app_name_program("1", "", "00020000:5:6:52", out, sizeof out);
	is_str(out, "IP Messenger for Mac 5.06b2", "Mac beta from VS:");
	ct_app_name_program("1", "Win32 version 3.42", NULL, out, sizeof out);
	is_str(out, "Win32 version 3.42", "SENDINFO text");
	ct_app_name_program("1", "", NULL, out, sizeof out);
	is_str(out, "IP Messenger compatible", "nothing known");
	n = ct_app_build(4242, CT_IPMSG_GETINFO, 0, buf, sizeof buf);
	ok(n > 0, "GETINFO built with the codec");
	is_int(ct_codec_parse(&m, buf, n), 0, "and parses back");
	is_int(m.packetno, 4242, "packet number");
	is_int(m.mode, CT_IPMSG_GETINFO, "command GETINFO");
	ct_codec_fini(&m);
	n = ct_app_build(7, CT_IPMSG_BR_ENTRY | CT_IPMSG_DIALUPOPT | CT_IPMSG_CAPUTF8OPT, 1, buf, sizeof buf);
	is_int(ct_codec_parse(&m, buf, n), 0, "BR_ENTRY|DIALUPOPT parses");
	ok(m.command == (CT_IPMSG_BR_ENTRY | CT_IPMSG_DIALUPOPT | CT_IPMSG_CAPUTF8OPT), "with DIALUPOPT");
	ct_codec_fini(&m);
	n = ct_app_build_getfiledata(buf, sizeof buf);
	is_int(ct_codec_parse(&m, buf, n), 0, "GETFILEDATA parses");
	ok(m.mode == CT_IPMSG_GETFILEDATA && m.nsec > 0 && strcmp(m.sec[0].p, "0:0:0:") == 0, "body 0:0:0:");
	ct_codec_fini(&m);
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		memset(&a, 0, sizeof a);
	return a;
}

/* An ICMPv6 error (type/code) from a router quoting pkt (a whole IPv6 packet): ICMPv6 bytes only,
 * as a raw socket delivers them. */
static size_t icmp6_error(uint8_t *b, uint8_t type, uint8_t code, const uint8_t *pkt, size_t plen)
{
	memset(b, 0, 8);
	b[0] = type;
	b[1] = code;
	memcpy(b + 8, pkt, plen);
	return 8 + plen;
}

/* The route payload of the tests: the packet number in the first 4 bytes. */
static size_t v6_payload(struct ct_probe_set *s, struct ct_probe *p, uint8_t *buf, size_t cap)
{
	(void)s;
	if (cap < 4)
		return 0;
	buf[0] = (uint8_t)(p->seq >> 24);
	buf[1] = (uint8_t)(p->seq >> 16);
	buf[2] = (uint8_t)(p->seq >> 8);
	buf[3] = (uint8_t)p->seq;
	return 4;
}

static int v6_match(struct ct_probe_set *s, const uint8_t *d, size_t len, int quoted)
{
	uint32_t k;

	if (!quoted || len < 4)
		return -1;
	k = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
	for (size_t i = 0; i < s->n; i++)
		if (s->probes[i].seq == k)
			return (int)i;
	return -1;
}

static void test_v6_build(void)
{
	struct ct_inject_pkt6 p = { .src = ip6("2001:2:0:1::11"), .dst = ip6("2001:2:0:2::12"), .hlim = 3,
		.sport = 2425, .dport = 2425, .payload = (const uint8_t *)"1:7:u:h:30:", .plen = 11 };
	uint8_t b[200];
	struct ct_ipview v;
	size_t n;

	n = ct_inject_build6(17, &p, b, sizeof b);
	is_int(n, 40 + 8 + 11, "IPv6 UDP: 40 + 8 + payload bytes");
	is_int(b[0] >> 4, 6, "version 6");
	ok((b[1] & 0x0f) == 0 && b[2] == 0 && b[3] == 0, "flow label 0 (one flow for every probe)");
	is_int(b[4] << 8 | b[5], 19, "payload length");
	is_int(b[6], 17, "next header UDP");
	is_int(b[7], 3, "hop limit from the probe");
	is_int(ct_inject_cksum6(&p.src, &p.dst, 17, b + 40, n - 40), 0, "UDP checksum over the pseudo-header verifies");
	is_int(ct_ipview_parse(b, n, &v), 0, "ct_ipview_parse takes an IPv6 packet");
	ok(v.v6 && v.proto == 17 && v.ttl == 3, "parsed as IPv6 UDP, hop limit 3");
	ok(IN6_ARE_ADDR_EQUAL(&v.src6, &p.src) && IN6_ARE_ADDR_EQUAL(&v.dst6, &p.dst), "addresses");
	ok(v.l4.sport == 2425 && v.l4.dport == 2425 && v.l4.plen == 11 && memcmp(v.l4.payload, "1:7:", 4) == 0, "ports and payload");
	is_int(ct_inject_build6(17, &p, b, 50), 0, "a packet that does not fit: 0");
	is_int(ct_inject_build6(99, &p, b, sizeof b), 0, "unknown protocol: 0");

	p.seq = 0xdeadbeef;
	p.tcp_flags = CT_TCP_SYN;
	p.plen = 0;
	n = ct_inject_build6(6, &p, b, sizeof b);
	is_int(n, 40 + 24, "IPv6 TCP SYN with the MSS option");
	is_int(ct_inject_cksum6(&p.src, &p.dst, 6, b + 40, n - 40), 0, "TCP checksum verifies");
	ok(b[60] == 2 && b[61] == 4 && (b[62] << 8 | b[63]) == 1440, "MSS 1440");
	ct_ipview_parse(b, n, &v);
	ok(v.proto == 6 && v.l4.seq == 0xdeadbeef && v.l4.flags == CT_TCP_SYN, "parsed: SYN, our sequence");

	p.echo_id = 0x1234;
	p.echo_seq = 7;
	p.payload = (const uint8_t *)"abcd";
	p.plen = 4;
	n = ct_inject_build6(58, &p, b, sizeof b);
	is_int(ct_inject_cksum6(&p.src, &p.dst, 58, b + 40, n - 40), 0, "ICMPv6 checksum verifies");
	ct_ipview_parse(b, n, &v);
	ok(v.proto == 58 && v.l4.icmp_type == 128 && v.l4.icmp_id == 0x1234 && v.l4.icmp_seq == 7, "echo request id/seq");
}

static void test_v6_match(void)
{
	struct in6_addr me = ip6("2001:2:0:1::11"), dst = ip6("2001:2:0:2::12"), rtr = ip6("2001:2:0:1::1");
	struct ct_probe probes[3];
	struct ct_probe_set s;
	uint8_t pkt[200], err[300], pl[4];
	struct ct_ipview v;
	size_t n, e;

	memset(&s, 0, sizeof s);
	memset(probes, 0, sizeof probes);
	s.family = AF_INET6;
	s.src6 = me;
	s.dst6 = dst;
	s.probes = probes;
	s.n = 3;
	s.match = v6_match;
	for (int i = 0; i < 3; i++) {
		probes[i] = (struct ct_probe){ .ttl = (uint8_t)(i + 1), .sport = 2425, .dport = 2425, .seq = 1000u + (uint32_t)i,
			.sent = 1, .family = AF_INET6, .dst6 = dst };
		probes[i].reply.ttl = -1;
	}
	/* probe 1 (hop limit 2) quoted in a time exceeded from the router */
	{
		struct ct_inject_pkt6 p = { .src = me, .dst = dst, .hlim = 1, .sport = 2425, .dport = 2425, .payload = pl, .plen = 4 };
		v6_payload(&s, &probes[1], pl, sizeof pl);
		n = ct_inject_build6(17, &p, pkt, sizeof pkt);
	}
	e = icmp6_error(err, 3, 0, pkt, n);
	is_int(ct_ipview_parse6_l4(err, e, 58, &rtr, &me, 64, &v), 0, "ICMPv6 time exceeded parses");
	ok(v.has_inner && v.in_proto == 17 && IN6_ARE_ADDR_EQUAL(&v.in_dst6, &dst), "it quotes our UDP probe to the target");
	is_int(v.in_ttl, 1, "quoted hop limit 1");
	ct_probe_udp_ops.packet(&s, &v, 5);
	ok(!probes[0].answered && probes[1].answered && !probes[2].answered, "matched to the probe its quoted payload names");
	is_int(probes[1].reply.kind, CT_RK_ICMP, "as an ICMP answer");
	ok(probes[1].reply.family == AF_INET6 && IN6_ARE_ADDR_EQUAL(&probes[1].reply.from6, &rtr), "from the router (IPv6)");
	ok(ct_reply_time_exceeded(&probes[1].reply), "ICMPv6 type 3 is time exceeded");
	is_int(s.dest_ttl, 0, "time exceeded does not end the path");

	/* cut short and followed by RFC 4884 bytes: the quote is read only as far as it goes */
	e = icmp6_error(err, 1, 4, pkt, n);
	memset(err + e, 0xee, 16);
	ct_ipview_parse6_l4(err, e + 16, 58, &dst, &me, 60, &v);
	ok(v.in.plen == 4, "extension bytes after the quote are not payload");
	ct_ipview_parse6_l4(err, 8 + 40 + 4, 58, &dst, &me, 60, &v);
	ok(v.has_inner && v.in.plen == 0 && v.in.sport == 0, "a quote cut inside the UDP header gives no ports");

	/* a hop-by-hop header in the quote is skipped */
	{
		uint8_t q[200];
		memcpy(q, pkt, 40);
		q[6] = 0;                         /* next: hop-by-hop */
		memset(q + 40, 0, 8);
		q[40] = 17;                       /* then UDP */
		memcpy(q + 48, pkt + 40, n - 40);
		q[5] = (uint8_t)(q[5] + 8);
		e = icmp6_error(err, 1, 4, q, n + 8);
		ct_ipview_parse6_l4(err, e, 58, &dst, &me, 60, &v);
		ok(v.in_proto == 17 && v.in.sport == 2425 && v.in.plen == 4, "extension header in the quote skipped");
	}
	/* port unreachable from the target for probe 2 */
	{
		struct ct_inject_pkt6 p = { .src = me, .dst = dst, .hlim = 1, .sport = 2425, .dport = 2425, .payload = pl, .plen = 4 };
		v6_payload(&s, &probes[2], pl, sizeof pl);
		n = ct_inject_build6(17, &p, pkt, sizeof pkt);
	}
	e = icmp6_error(err, 1, 4, pkt, n);
	ct_ipview_parse6_l4(err, e, 58, &dst, &me, 62, &v);
	ct_probe_udp_ops.packet(&s, &v, 9);
	ok(probes[2].answered && probes[2].reply.icmp_code == 4, "port unreachable matched to probe 2");
	is_int(ct_probe_udp_state(&probes[2]), CT_PORT_CLOSED, "IPv6 port unreachable from the target: closed");
	is_int(s.dest_ttl, 3, "the path ends at hop limit 3");
	probes[2].reply.from6 = rtr;
	is_int(ct_probe_udp_state(&probes[2]), CT_PORT_FILTERED, "port unreachable from a router: filtered");
	probes[2].reply.icmp_code = 1;
	is_int(ct_probe_udp_state(&probes[2]), CT_PORT_FILTERED, "admin prohibited (1/1): filtered");

	/* a peer that answers to port 2425 although we sent from 40000 (iptux, spec section 8) */
	memset(probes, 0, sizeof probes);
	probes[0] = (struct ct_probe){ .sport = 40000, .dport = 2425, .seq = 77, .sent = 1, .family = AF_INET6, .dst6 = dst };
	s.n = 1;
	s.want_any_port = 1;
	{
		struct ct_inject_pkt6 p = { .src = dst, .dst = me, .hlim = 63, .sport = 2425, .dport = 2425,
			.payload = (const uint8_t *)"1:9:peer:b2:3:", .plen = 14 };
		n = ct_inject_build6(17, &p, pkt, sizeof pkt);
	}
	ct_ipview_parse(pkt, n, &v);
	ct_probe_udp_ops.packet(&s, &v, 3);
	ok(probes[0].answered && probes[0].reply.kind == CT_RK_UDP && probes[0].reply.dport == 2425,
		"an IPv6 answer sent to port 2425 instead of our source port is caught");
	is_int(ct_probe_udp_state(&probes[0]), CT_PORT_OPEN, "and means open");
	s.want_any_port = 0;
	s.n = 3;

	/* TCP: the quoted sequence number picks the probe */
	memset(probes, 0, sizeof probes);
	for (int i = 0; i < 3; i++)
		probes[i] = (struct ct_probe){ .ttl = (uint8_t)(i + 1), .sport = 40000, .dport = 2425,
			.seq = 0x10000000u + (uint32_t)i * 4099u, .sent = 1, .family = AF_INET6, .dst6 = dst };
	s.dest_ttl = 0;
	{
		struct ct_inject_pkt6 p = { .src = me, .dst = dst, .hlim = 1, .sport = 40000, .dport = 2425,
			.seq = probes[1].seq, .tcp_flags = CT_TCP_SYN };
		n = ct_inject_build6(6, &p, pkt, sizeof pkt);
	}
	e = icmp6_error(err, 1, 1, pkt, n);
	ct_ipview_parse6_l4(err, e, 58, &rtr, &me, 64, &v);
	ct_probe_tcp_ops.packet(&s, &v, 5);
	ok(probes[1].answered && !probes[0].answered && !probes[2].answered, "TCP: matched by the quoted sequence");
	is_int(ct_probe_tcp_state(&probes[1]), CT_PORT_FILTERED, "admin prohibited: filtered");
	is_str(ct_icmp_key(ct_reply_icmp_family(&probes[1].reply), 1, 1), "admin_prohibited", "named admin_prohibited");
	/* a RST from the target acknowledging probe 0 */
	{
		struct ct_inject_pkt6 p = { .src = dst, .dst = me, .hlim = 63, .sport = 2425, .dport = 40000,
			.ack = probes[0].seq + 1, .tcp_flags = CT_TCP_RST | CT_TCP_ACK };
		n = ct_inject_build6(6, &p, pkt, sizeof pkt);
	}
	ct_ipview_parse(pkt, n, &v);
	ct_probe_tcp_ops.packet(&s, &v, 7);
	ok(probes[0].answered && probes[0].reply.kind == CT_RK_TCP, "RST from the target matched by ack - 1");
	is_int(ct_probe_tcp_state(&probes[0]), CT_PORT_CLOSED, "RST: closed");
}

static void test_v6_route(void)
{
	struct ct_route_result *r = calloc(1, sizeof *r);
	struct in6_addr rtr = ip6("2001:2:0:1::1");

	r->family = AF_INET6;
	r->dst6 = ip6("2001:2:0:2::12");
	r->nhops = 2;
	r->hops[0] = (struct ct_route_hop){ .ttl = 1, .sent = 3, .answered = 1, .naddr = 1 };
	r->hops[0].addr6[0] = rtr;
	r->hops[0].reply[0] = (struct ct_reply){ .kind = CT_RK_ICMP, .family = AF_INET6, .from6 = rtr, .icmp_type = 3 };
	r->hops[1] = (struct ct_route_hop){ .ttl = 2, .sent = 3 };
	ct_route_conclude(r, 0);
	is_int(r->verdict, CT_RV_DIES, "IPv6: time exceeded then silence: dies");
	ok(IN6_ARE_ADDR_EQUAL(&r->verdict_addr6, &rtr), "names the router's IPv6 address");
	r->hops[1].answered = 1;
	r->hops[1].reply[0] = (struct ct_reply){ .kind = CT_RK_ICMP, .family = AF_INET6, .from6 = rtr, .icmp_type = 1, .icmp_code = 1 };
	ct_route_conclude(r, 0);
	is_int(r->verdict, CT_RV_REJECTED, "IPv6 admin prohibited: rejected");
	is_int(r->verdict_hop, 2, "at hop 2");
	r->hops[1].reply[0] = (struct ct_reply){ .kind = CT_RK_ICMP, .family = AF_INET6, .from6 = r->dst6, .icmp_type = 1, .icmp_code = 4 };
	ct_route_conclude(r, 0);
	is_int(r->verdict, CT_RV_REACHED, "IPv6 port unreachable from the target: reached");
	is_int(ct_icmp_verdict(CT_ICMP_V6, 1, 0), CT_ICMPV_FILTERED, "1/0 no route: filtered");
	is_str(ct_icmp_key(CT_ICMP_V6, 1, 3), "address_unreachable", "1/3 address unreachable");
	is_str(ct_icmp_key(CT_ICMP_V6, 1, 5), "source_policy_failed", "1/5 source policy");
	is_str(ct_icmp_key(CT_ICMP_V6, 1, 6), "reject_route", "1/6 reject route");
	is_str(ct_icmp_key(CT_ICMP_V6, 2, 0), "packet_too_big", "2 packet too big");
	free(r);
}

int main(void)
{
	test_icmpname();
	test_ipview();
	test_states();
	test_tcp_origin();
	test_host_down();
	test_route_verdict();
	test_rtp();
	test_jitter();
	test_names();
	test_v6_build();
	test_v6_match();
	test_v6_route();
	return tap_done();
}
