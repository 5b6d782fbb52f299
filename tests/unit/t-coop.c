/* t-coop.c: the cooperative check: CTCP wire format (round trip, malformed input, version mismatch), the responder's rules and the check engine on loopback. */
#include "config.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "coop.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "node.h"
#include "sbuf.h"
#include "targets.h"
#include "tap.h"
#include "own-netns.h"

static struct ct_coop_msg sample(int answer)
{
	struct ct_coop_msg m = { 0 };

	m.answer = answer;
	m.ssrc = 0xdeadbeef;
	m.version = CT_COOP_VERSION;
	m.checks = CT_COOP_CHECK_UDP | CT_COOP_CHECK_TCP;
	m.wait_ms = 1500;
	memcpy(m.nonce, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	m.target = htonl(0xC612010A); /* 198.18.1.10 */
	m.port = 2425;
	if (answer) {
		m.res.status = CT_COOP_ST_OK;
		m.res.udp = CT_COOP_UDP_ANSWERED;
		m.res.udp_rtt_us = 420;
		m.res.tcp = CT_COOP_TCP_OPEN;
		m.res.tcp_rtt_us = 310;
		m.res.src = htonl(0xC612020B);
		strcpy(m.res.program, "camtraced 0.");
		m.res.heard_ms = 1234;
	}
	return m;
}

static void test_wire(void)
{
	struct ct_coop_msg m = sample(0), a = sample(1), d;
	uint8_t b[CT_COOP_LEN], big[CT_COOP_LEN + 8];
	char t[300];

	is_int(ct_coop_encode(&m, b, sizeof b), CT_COOP_LEN, "request encodes to 68 bytes");
	is_int(b[0], 0x80, "V=2, subtype 0");
	is_int(b[1], 204, "PT 204 (APP)");
	is_int(b[3], 16, "length field 16 words");
	ok(memcmp(b + 8, "CTCP", 4) == 0, "name CTCP");
	ok(ct_coop_is_app(b, sizeof b), "recognised as CTCP");
	is_int(ct_coop_decode(b, sizeof b, &d), 0, "request decodes");
	ok(!d.answer && d.ssrc == m.ssrc && d.version == 1 && d.checks == 3 && d.wait_ms == 1500 &&
		d.target == m.target && d.port == 2425 && memcmp(d.nonce, m.nonce, 8) == 0, "request fields round-trip");
	is_int(ct_coop_encode(&a, b, sizeof b), CT_COOP_LEN, "answer encodes");
	is_int(b[0], 0x81, "subtype 1");
	is_int(ct_coop_decode(b, sizeof b, &d), 0, "answer decodes");
	ok(d.answer && d.res.status == 0 && d.res.udp == CT_COOP_UDP_ANSWERED && d.res.udp_rtt_us == 420 &&
		d.res.tcp == CT_COOP_TCP_OPEN && d.res.tcp_rtt_us == 310 && d.res.src == a.res.src && d.res.heard_ms == 1234,
		"answer results round-trip");
	is_str(d.res.program, "camtraced 0....", "program (12 bytes on the wire, marked as maybe cut)");
	ct_coop_result_text(&d.res, d.checks, t, sizeof t);
	is_str(t, "UDP 2425: answered (SENDINFO or ANSENTRY) (camtraced 0....) in 0.42 ms; TCP 2425 open (0.31 ms)",
		"result in words (an older responder does not say which packet was answered)");
	a.res.udp_how = CT_COOP_HOW_GETINFO;
	ct_coop_encode(&a, b, sizeof b);
	is_int(b[36], CT_COOP_HOW_GETINFO, "byte 36: GETINFO answered");
	ct_coop_decode(b, sizeof b, &d);
	is_int(d.res.udp_how, CT_COOP_HOW_GETINFO, "and decoded");
	ct_coop_result_text(&d.res, d.checks, t, sizeof t);
	is_str(t, "UDP 2425: GETINFO answered by SENDINFO (camtraced 0....) in 0.42 ms; TCP 2425 open (0.31 ms)",
		"result in words");
	d.res.udp_how = CT_COOP_HOW_ENTRY;
	strcpy(d.res.program, "iptux 0.8.3");
	ct_coop_result_text(&d.res, CT_COOP_CHECK_UDP, t, sizeof t);
	is_str(t, "UDP 2425: GETINFO ignored, BR_ENTRY|DIALUPOPT answered by ANSENTRY (iptux 0.8.3) in 0.42 ms",
		"an iptux peer: the BR_ENTRY fallback named");
	is_str(ct_coop_how_key(CT_COOP_HOW_ENTRY), "br_entry", "its key");
	is_int(ct_coop_encode(&a, b, 10), 0, "encode refuses a short buffer");

	/* malformed */
	ct_coop_encode(&m, b, sizeof b);
	is_int(ct_coop_decode(b, 67, &d), CT_ETRUNC, "67 bytes: truncated");
	is_int(ct_coop_decode(b, 8, &d), CT_ETRUNC, "8 bytes: truncated");
	memcpy(big, b, sizeof b);
	memset(big + CT_COOP_LEN, 0, 8);
	is_int(ct_coop_decode(big, sizeof big, &d), CT_EFORMAT, "length field does not match the datagram");
	big[3] = 18;
	is_int(ct_coop_decode(big, sizeof big, &d), 0, "a longer request with a matching length field is fine");
	b[1] = 200;
	ok(!ct_coop_is_app(b, sizeof b) && ct_coop_decode(b, sizeof b, &d) == CT_EFORMAT, "PT 200 (SR): not CTCP");
	b[1] = 204;
	b[8] = 'X';
	ok(!ct_coop_is_app(b, sizeof b), "another APP name: not CTCP");
	b[8] = 'C';
	b[0] = 0x40;
	ok(!ct_coop_is_app(b, sizeof b), "version 1 RTP: not CTCP");
	b[0] = 0xa0;
	is_int(ct_coop_decode(b, sizeof b, &d), CT_EFORMAT, "padding bit set");
	b[0] = 0x82;
	is_int(ct_coop_decode(b, sizeof b, &d), CT_EFORMAT, "subtype 2");
	b[0] = 0x80;
	b[13] = 0x80;
	is_int(ct_coop_decode(b, sizeof b, &d), CT_EFORMAT, "unknown check bit");
	b[13] = 3;
	b[40] = 1;
	is_int(ct_coop_decode(b, sizeof b, &d), CT_EFORMAT, "a request with result bytes");
	ct_coop_encode(&a, b, sizeof b);
	b[31] = 9;
	is_int(ct_coop_decode(b, sizeof b, &d), CT_EFORMAT, "answer with an unknown UDP outcome");
	ct_coop_encode(&a, b, sizeof b);
	b[55] = 0x07;
	is_int(ct_coop_decode(b, sizeof b, &d), 0, "control bytes in the program name are tolerated");
	is_str(d.res.program, "cam?raced 0....", "and replaced");

	/* version mismatch: the version and the ids are read, nothing else */
	m.version = 2;
	ct_coop_encode(&m, b, sizeof b);
	b[40] = 0x55; /* a future version may use the result bytes */
	is_int(ct_coop_decode(b, sizeof b, &d), 0, "another version still decodes");
	ok(d.version == 2 && d.checks == 0 && d.target == 0 && memcmp(d.nonce, m.nonce, 8) == 0,
		"version 2: only version, SSRC and nonce are read");

	/* every single-byte corruption of a valid answer parses or is refused, never crashes */
	{
		int okc = 0, bad = 0;
		for (size_t i = 0; i < CT_COOP_LEN; i++)
			for (int v = 0; v < 256; v += 17) {
				ct_coop_encode(&a, b, sizeof b);
				b[i] = (uint8_t)v;
				if (ct_coop_decode(b, sizeof b, &d) == 0)
					okc++;
				else
					bad++;
			}
		ok(okc > 0 && bad > 0, "byte corruptions: %d parse, %d refused", okc, bad);
	}
	is_str(ct_coop_status_key(CT_COOP_ST_NOT_ALLOWED), "not_allowed", "status keys");
	is_str(ct_coop_udp_key(CT_COOP_UDP_NO_ANSWER), "no_answer", "UDP keys");
	is_str(ct_coop_tcp_key(CT_COOP_TCP_CLOSED), "closed", "TCP keys");
	is_str(ct_coop_status_key(99), "error", "out-of-range status");
}

/* ---- responder and engine on loopback ---- */

static struct ct_evloop *ev;

struct sock {
	int fd;
	struct sockaddr_in a;
};

static void sock_open(struct sock *s)
{
	socklen_t l = sizeof s->a;

	memset(&s->a, 0, sizeof s->a);
	s->a.sin_family = AF_INET;
	s->a.sin_addr.s_addr = htonl(0x7F000001);
	s->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	bind(s->fd, (struct sockaddr *)&s->a, sizeof s->a);
	getsockname(s->fd, (struct sockaddr *)&s->a, &l);
}

/* pumps the loop until an answer arrives at s (decoded into m) or ms pass */
static int wait_answer(struct sock *s, struct ct_coop_msg *m, int ms)
{
	uint8_t buf[256];
	uint64_t end = ct_mono_ms() + (uint64_t)ms;

	while (ct_mono_ms() < end) {
		ssize_t n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0)
			return ct_coop_decode(buf, (size_t)n, m);
		ct_evloop_run_once(ev, 5);
	}
	return CT_ETIMEDOUT;
}

static void request(struct ct_coop *c, struct sock *resp, struct sock *req, uint32_t target, uint8_t version)
{
	struct ct_coop_msg m = sample(0);
	uint8_t b[CT_COOP_LEN];

	m.target = target;
	m.version = version;
	m.wait_ms = 300;
	ct_coop_encode(&m, b, sizeof b);
	ct_coop_serve(c, resp->fd, b, sizeof b, &req->a);
}

struct got {
	int n;
	struct ct_coop_result r;
};

static void on_done(const struct ct_coop_result *r, void *ud)
{
	struct got *g = ud;

	g->n++;
	g->r = *r;
}

static void feed_sendinfo(struct ct_node *n, uint32_t from_host_order)
{
	struct ct_sbuf b;
	struct ct_haddr from;

	ct_sbuf_init(&b);
	ct_codec_build(&b, NULL, 77, "peer", "peerhost", CT_IPMSG_SENDINFO, "IPMsg test", 10, 1);
	ct_haddr_set_v4(&from, from_host_order, 2425);
	ct_node_input(n, b.p, b.len, &from);
	ct_sbuf_fini(&b);
}

/* the IP Messenger commands (low byte) that arrived at s, counted by command */
static void drain_cmds(struct sock *s, int *entries, int *getinfos)
{
	char buf[1500];
	ssize_t n;

	*entries = *getinfos = 0;
	while ((n = recv(s->fd, buf, sizeof buf - 1, MSG_DONTWAIT)) > 0) {
		char *p = buf;
		buf[n] = 0;
		for (int f = 0; f < 4 && p; f++)
			p = strchr(p, ':') ? strchr(p, ':') + 1 : NULL;
		if (!p)
			continue;
		*entries += (strtoul(p, NULL, 10) & 0xff) == CT_IPMSG_BR_ENTRY;
		*getinfos += (strtoul(p, NULL, 10) & 0xff) == CT_IPMSG_GETINFO;
	}
}

/* A user's check toward its list server (asked over the wire) never announces the node there:
 * the server, silent to GETINFO for once, would list the node from its BR_ENTRY for good. The
 * engine asked directly (the server toward an iptux user) keeps the BR_ENTRY fallback. */
static void test_no_entry_to_server(struct ct_coop *c, struct sock *resp, struct sock *req)
{
	struct sock srv = { -1, { .sin_family = AF_INET, .sin_port = htons(2425), .sin_addr.s_addr = htonl(0x7F000207) } };
	struct ct_targets ts;
	struct ct_coop_msg m;
	struct got g = { 0 };
	char err[200];
	int entries, getinfos;
	uint64_t t0;

	srv.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (bind(srv.fd, (struct sockaddr *)&srv.a, sizeof srv.a) != 0) {
		for (int i = 0; i < 5; i++)
			ok(1, "# SKIP 127.0.2.7:2425 cannot be bound here");
		close(srv.fd);
		return;
	}
	ct_targets_init(&ts, 10);
	ct_targets_add(&ts, "127.0.2.7", err, sizeof err);
	ct_coop_serve_config(c, &ts, 1000, err, sizeof err);
	ct_targets_fini(&ts);
	request(c, resp, req, htonl(0x7F000207), 1);
	is_int(wait_answer(req, &m, 3000), 0, "a check toward a server silent to GETINFO answers");
	is_str(ct_coop_udp_key(m.res.udp), "no_answer", "... UDP no_answer");
	drain_cmds(&srv, &entries, &getinfos);
	ok(getinfos >= 2, "the server got the GETINFO and its resend (%d)", getinfos);
	is_int(entries, 0, "and no BR_ENTRY: the node is not listed there by a check");
	is_int(ct_coop_check(c, htonl(0x7F000207), CT_COOP_CHECK_UDP, 300, on_done, &g), 0, "asked directly");
	t0 = ct_mono_ms();
	while (!g.n && ct_mono_ms() < t0 + 3000)
		ct_evloop_run_once(ev, 10);
	drain_cmds(&srv, &entries, &getinfos);
	is_int(entries, 1, "the direct check keeps its BR_ENTRY fallback for iptux");
	close(srv.fd);
}

/* nothing bound to UDP port on 127.0.0.1 (so an ICMP port unreachable is certain) */
static int port_free(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7F000001) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), r;

	r = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
	if (fd >= 0)
		close(fd);
	return r;
}

static void test_engine(void)
{
	struct ct_hosts *hosts = ct_hosts_new();
	struct ct_node *node = NULL;
	struct ct_node_conf nc = { .bind_addr = "127.0.0.1", .user = "t", .host = "h", .no_broadcast = 1 };
	struct ct_coop *c = NULL;
	struct ct_targets ts;
	struct ct_coop_stats st;
	struct ct_coop_msg m;
	struct sock resp, req;
	struct got g = { 0 }, gg = { 0 };
	char err[200];
	uint64_t t0;

	ct_evloop_new(&ev);
	for (int i = 0; i < 50 && !node; i++) {
		nc.port = (uint16_t)(20000 + (getpid() * 7 + i * 131) % 30000);
		ct_node_new(&node, ev, hosts, &nc, err, sizeof err);
	}
	if (!ok(node != NULL, "node on loopback")) {
		ct_hosts_free(hosts);
		ct_evloop_free(ev);
		return;
	}
	is_int(ct_coop_new(&c, node), 0, "engine on the node");
	sock_open(&resp);
	sock_open(&req);

	/* not serving yet: nothing consumed */
	request(c, &resp, &req, htonl(0x7F000009), 1);
	is_int(wait_answer(&req, &m, 100), CT_ETIMEDOUT, "responder off: silence");

	ct_targets_init(&ts, 1000);
	ct_targets_add(&ts, "127.0.0.9, 127.0.1.0/24", err, sizeof err);
	is_int(ct_coop_serve_config(c, &ts, 1000, err, sizeof err), 0, "responder on (127.0.0.9 and 127.0.1.0/24)");
	ct_targets_fini(&ts);

	request(c, &resp, &req, htonl(0x7F000063), 1); /* 127.0.0.99 */
	is_int(wait_answer(&req, &m, 1000), 0, "a target outside the list gets an answer");
	is_str(ct_coop_status_key(m.res.status), "not_allowed", "... saying not_allowed, and nothing is probed");
	request(c, &resp, &req, htonl(0x7F000009), 7);
	is_int(wait_answer(&req, &m, 1000), 0, "version 7 gets an answer");
	ok(m.res.status == CT_COOP_ST_VERSION && m.version == CT_COOP_VERSION, "status version, with ours (1)");
	ct_coop_serve(c, resp.fd, "\x80\xcc\x00\x0f\x00\x00\x00\x00" "CTCP", 12, &req.a);
	ct_coop_stats(c, &st);
	is_int(st.malformed, 1, "a short CTCP packet is counted as malformed");
	is_int(st.refused, 1, "one refused target counted");

	/* an allowed target: the check runs; a SENDINFO from it (fed to the node) answers it */
	request(c, &resp, &req, htonl(0x7F000009), 1);
	feed_sendinfo(node, 0x7F000009); /* before the loop runs: ahead of the port-unreachable error */
	is_int(wait_answer(&req, &m, 2000), 0, "the allowed check answers");
	ok(m.res.status == CT_COOP_ST_OK && m.res.udp == CT_COOP_UDP_ANSWERED, "UDP: answered (%s)",
		ct_coop_udp_key(m.res.udp));
	is_str(m.res.program, "IPMsg test", "program from SENDINFO");
	ok(m.res.tcp != CT_COOP_TCP_NOT_RUN, "TCP ran too (%s)", ct_coop_tcp_key(m.res.tcp));
	ok(m.res.src == htonl(0x7F000001), "source address toward the target: 127.0.0.1");
	is_int(m.res.heard_ms, CT_COOP_HEARD_NEVER, "nothing heard from the target before the request");
	ct_targets_init(&ts, 10);
	ct_targets_add(&ts, "127.0.0.9", err, sizeof err);
	ct_coop_serve_config(c, &ts, 1000, err, sizeof err); /* a fresh rate limiter */
	ct_targets_fini(&ts);
	request(c, &resp, &req, htonl(0x7F000009), 1);
	feed_sendinfo(node, 0x7F000009);
	is_int(wait_answer(&req, &m, 2000), 0, "a second check answers");
	ok(m.res.heard_ms < 5000, "now the target was heard (the SENDINFO before), %u ms before the request",
		m.res.heard_ms);

	test_no_entry_to_server(c, &resp, &req);

	/* the engine directly: nothing on 127.1.0.5:2425 gives ICMP port unreachable (read on the
	 * companion socket; the node's socket takes no ICMP errors) */
	is_int(ct_coop_check(c, htonl(0x7F010005), CT_COOP_CHECK_UDP, 1500, on_done, &g), 0, "a check starts");
	is_int(g.n, 0, "its callback is not called from inside the call");
	t0 = ct_mono_ms();
	while (!g.n && ct_mono_ms() < t0 + 3000)
		ct_evloop_run_once(ev, 10);
	is_int(g.n, 1, "done once");
	if (port_free(2425)) {
		is_str(ct_coop_udp_key(g.r.udp), "icmp", "nobody listens: an ICMP error");
		ok(g.r.icmp_type == 3 && g.r.icmp_code == 3 && (ntohl(g.r.icmp_from) >> 24) == 127,
			"port unreachable (3/3) from loopback (got %u/%u from %08x)", g.r.icmp_type, g.r.icmp_code,
			ntohl(g.r.icmp_from));
		ok(ct_mono_ms() < t0 + 1400, "an ICMP error ends the check before the wait");
	} else
		for (int i = 0; i < 3; i++)
			ok(1, "# SKIP UDP 2425 on loopback is taken on this machine");
	is_int(g.r.tcp, CT_COOP_TCP_NOT_RUN, "TCP not asked: not_run");
	is_int(ct_coop_check(c, htonl(0xE0000001), CT_COOP_CHECK_UDP, 150, on_done, &g), CT_EINVAL, "multicast refused");
	is_int(ct_coop_check(c, 0, CT_COOP_CHECK_UDP, 150, on_done, &g), CT_EINVAL, "0.0.0.0 refused");
	/* 16 at a time (a fresh responder configuration: a fresh rate limiter) */
	ct_targets_init(&ts, 10);
	ct_targets_add(&ts, "127.0.0.9", err, sizeof err);
	ct_coop_serve_config(c, &ts, 1000, err, sizeof err);
	ct_targets_fini(&ts);
	{
		int r = 0, n = 0;
		while ((r = ct_coop_check(c, htonl(0x7F010006), CT_COOP_CHECK_UDP, 5000, on_done, &gg)) == 0 && n < 40)
			n++;
		is_int(n, 16, "16 checks at a time");
		is_int(r, CT_EAGAIN, "then CT_EAGAIN");
		request(c, &resp, &req, htonl(0x7F000009), 1); /* decided at once, before the loop runs */
		is_int(wait_answer(&req, &m, 1000), 0, "a request while full is answered");
		is_str(ct_coop_status_key(m.res.status), "busy", "... busy");
	}
	/* the rate limit: over it, silence */
	ct_coop_serve_config(c, NULL, 0, err, sizeof err);
	ct_targets_init(&ts, 10);
	ct_targets_add(&ts, "127.0.0.9", err, sizeof err);
	ct_coop_serve_config(c, &ts, 0.01, err, sizeof err);
	ct_targets_fini(&ts);
	{
		int answers = 0;
		for (int i = 0; i < 5; i++) {
			request(c, &resp, &req, htonl(0x7F000063), 1);
			answers += wait_answer(&req, &m, 200) == 0;
		}
		is_int(answers, 3, "burst 3 per requester, then silence");
		ct_coop_stats(c, &st);
		is_int(st.limited, 2, "two requests limited");
	}
	ct_coop_free(c); /* 16 checks still running: cancelled, no callback */
	ct_node_free(node);
	ct_hosts_free(hosts);
	close(resp.fd);
	close(req.fd);
	ct_evloop_free(ev);
}

int main(void)
{
	own_netns(); /* nothing else may hold UDP 2425 on its loopback: the ICMP check needs it free */
	test_wire();
	test_engine();
	return tap_done();
}
