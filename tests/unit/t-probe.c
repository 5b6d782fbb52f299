/* t-probe.c: unit tests of the probe engine's pure logic: ICMP taxonomy, packet views, port states, route verdicts, RTP and jitter, program names. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "tap.h"
#include "icmpname.h"
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
	b[0] = 0x65;
	is_int(ct_ipview_parse(b, 40, &v), CT_EFORMAT, "IPv6 version nibble refused");
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

int main(void)
{
	test_icmpname();
	test_ipview();
	test_states();
	test_route_verdict();
	test_rtp();
	test_jitter();
	test_names();
	return tap_done();
}
