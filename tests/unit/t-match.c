/* t-match.c: request/answer matching: every pair, latency, retransmissions, copies, silences and their sentences, peers. */
#include "config.h"
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "decode-tcp.h"
#include "match.h"
#include "tap.h"

static const uint8_t A1[4] = { 198, 18, 1, 11 }, SRV[4] = { 198, 18, 1, 10 }, A2[4] = { 198, 18, 1, 12 },
	B2[4] = { 198, 18, 2, 12 }, BCA[4] = { 198, 18, 1, 255 }, BCB[4] = { 198, 18, 2, 255 },
	RTR[4] = { 198, 18, 1, 1 };

#define MS 1000000LL

/* Collected silences. */
static struct ct_unans una[16];
static int nuna;

static void on_unans(const struct ct_unans *u, void *ud)
{
	(void)ud;
	if (nuna < 16)
		una[nuna++] = *u;
}

static const char *sentence(int i)
{
	static char buf[512];
	ct_match_sentence(&una[i], buf, sizeof buf);
	return buf;
}

static uint64_t frame;

static struct ct_mpkt udp(int64_t ms, const uint8_t *src, const uint8_t *dst, uint32_t mode, uint32_t opts,
	uint32_t no)
{
	struct ct_mpkt k;

	memset(&k, 0, sizeof k);
	k.ts_ns = ms * MS;
	k.frame = ++frame;
	k.bytes = 60;
	k.af = AF_INET;
	k.src = src;
	k.dst = dst;
	k.sport = k.dport = 2425;
	k.dst_group = dst[3] == 255;
	k.mode = mode;
	k.opts = opts;
	k.packetno = no;
	return k;
}

static struct ct_mpkt tcp(int64_t ms, const uint8_t *src, uint16_t sport, const uint8_t *dst, uint16_t dport,
	uint8_t flags, uint32_t len, uint32_t mode)
{
	struct ct_mpkt k = udp(ms, src, dst, mode, 0, 0);

	k.sport = sport;
	k.dport = dport;
	k.tcp = 1;
	k.tcp_flags = flags;
	k.tcp_len = len;
	return k;
}

/* A matcher with a 2 s timeout; frame numbers and the silences start again. */
static struct ct_match *fresh(size_t capacity)
{
	struct ct_match *m = NULL;

	ct_match_new(&m, 2000 * MS, capacity);
	frame = 0;
	nuna = 0;
	return m;
}

static void feed(struct ct_match *m, struct ct_mpkt k, struct ct_mres *r)
{
	ct_match_packet(m, &k, r, on_unans, NULL);
}

static void t_entry(void)
{
	struct ct_match *m = fresh(64);
	struct ct_mres r;

	feed(m, udp(0, A1, BCA, CT_IPMSG_BR_ENTRY, 0, 100), &r);
	ok(r.is_request && !r.answered, "a broadcast BR_ENTRY waits for answers");
	feed(m, udp(3, SRV, A1, CT_IPMSG_ANSENTRY, 0, 500), &r);
	ok(r.answered, "ANSENTRY from srv answers the broadcast BR_ENTRY");
	is_int(r.req_frame, 1, "... naming the request's frame");
	is_int(r.req_mode, CT_IPMSG_BR_ENTRY, "... and its mode");
	is_int(r.latency_ns, 3 * MS, "... latency 3 ms");
	feed(m, udp(7, A2, A1, CT_IPMSG_ANSENTRY, 0, 7), &r);
	ok(r.answered && r.latency_ns == 7 * MS, "a second host's ANSENTRY answers the same broadcast (7 ms)");
	feed(m, udp(9, A2, SRV, CT_IPMSG_ANSENTRY, 0, 8), &r);
	ok(!r.answered, "an ANSENTRY to someone who did not ask answers nothing");
	feed(m, udp(10, A1, BCB, CT_IPMSG_BR_ENTRY, 0, 100), &r);
	ok(r.copy && !r.retransmission && !r.is_request, "the same BR_ENTRY to another broadcast address is a copy");

	/* unicast BR_ENTRY across the router, never answered; the answer in the wrong direction does not count */
	feed(m, udp(100, A1, B2, CT_IPMSG_BR_ENTRY, 0x00200000u, 101), &r);
	ok(r.is_request, "a unicast BR_ENTRY waits for its answer");
	feed(m, udp(101, A1, B2, CT_IPMSG_ANSENTRY, 0, 102), &r);
	ok(!r.answered, "an ANSENTRY from the requester to the target does not answer (wrong direction)");
	feed(m, udp(1000, A1, B2, CT_IPMSG_BR_ENTRY, 0, 101), &r);
	ok(r.retransmission && !r.is_request, "the same packet number to the same host is a retransmission");
	is_int(nuna, 0, "nothing reported before the timeout");
	feed(m, udp(2101, SRV, A1, CT_IPMSG_NOOPERATION, 0, 9), &r);
	is_int(nuna, 1, "the unicast BR_ENTRY is reported once its 2 s ran out (the answered broadcast is not)");
	is_int(una[0].frame, 6, "the report names the request's first frame");
	is_int(una[0].retries, 1, "... and counts its retransmission");
	ok(!una[0].at_end, "... not at the end of the capture");
	is_str(sentence(0), "BR_ENTRY from 198.18.1.11 to 198.18.2.12 got no answer in 2.0 s (sent 2 times): "
		"a firewall on 198.18.2.12 or on the way probably blocks UDP 2425", "the sentence names pair, direction and cause");
	ct_match_free(m);
}

static void t_sendmsg(void)
{
	struct ct_match *m = fresh(64);
	struct ct_mres r;
	struct ct_mpkt k;

	feed(m, udp(0, A1, SRV, CT_IPMSG_SENDMSG, 0, 200), &r);
	ok(!r.is_request, "SENDMSG without SENDCHECKOPT expects no answer");
	feed(m, udp(10, A1, BCA, CT_IPMSG_SENDMSG, CT_IPMSG_SENDCHECKOPT, 201), &r);
	ok(!r.is_request, "a broadcast SENDMSG expects no RECVMSG");
	feed(m, udp(20, A1, SRV, CT_IPMSG_SENDMSG, CT_IPMSG_SENDCHECKOPT | CT_IPMSG_BROADCASTOPT, 202), &r);
	ok(!r.is_request, "SENDMSG|BROADCASTOPT expects no RECVMSG");
	feed(m, udp(100, A1, A2, CT_IPMSG_SENDMSG, CT_IPMSG_SENDCHECKOPT, 300), &r);
	ok(r.is_request, "SENDMSG|SENDCHECKOPT waits for RECVMSG");
	feed(m, udp(1100, A1, A2, CT_IPMSG_SENDMSG, CT_IPMSG_SENDCHECKOPT, 300), &r);
	ok(r.retransmission, "the resend with the same packet number is a retransmission");
	k = udp(1101, A2, A1, CT_IPMSG_RECVMSG, 0, 9);
	k.has_ref = 1;
	k.ref = 299;
	feed(m, k, &r);
	ok(!r.answered, "RECVMSG for another packet number answers nothing");
	k = udp(1102, A2, A1, CT_IPMSG_RECVMSG, 0, 10);
	k.has_ref = 1;
	k.ref = 300;
	feed(m, k, &r);
	ok(r.answered, "RECVMSG with the packet number answers the SENDMSG");
	is_int(r.latency_ns, 1002 * MS, "latency from the first transmission (1002 ms)");
	is_int(r.retries, 1, "after 1 retry");
	k.frame = ++frame;
	k.ts_ns = 1103 * MS;
	feed(m, k, &r);
	ok(!r.answered, "a second RECVMSG for the same message answers nothing more");

	feed(m, udp(1200, A1, SRV, CT_IPMSG_GETINFO, 0, 301), &r);
	ok(r.is_request, "GETINFO waits for SENDINFO");
	feed(m, udp(1201, SRV, A1, CT_IPMSG_SENDINFO, 0, 11), &r);
	ok(r.answered && r.req_mode == CT_IPMSG_GETINFO && r.latency_ns == MS, "SENDINFO answers GETINFO in 1 ms");
	feed(m, udp(1300, A1, A2, CT_IPMSG_GETINFO, 0, 302), &r);
	ct_match_flush(m, 1800 * MS, on_unans, NULL);
	is_int(nuna, 1, "flush reports the GETINFO still waiting");
	ok(una[0].at_end && una[0].waited_s > 0.49 && una[0].waited_s < 0.51, "... as cut short by the end (waited %.3f s)",
		una[0].waited_s);
	is_str(sentence(0), "GETINFO from 198.18.1.11 to 198.18.1.12 got no answer before the capture ended (0.5 s later): "
		"198.18.1.12 may not implement GETINFO (iptux ignores it), or a firewall on 198.18.1.12 or on the way blocks "
		"UDP 2425", "the GETINFO sentence mentions iptux and the direction");
	ct_match_free(m);
}

static void t_list(void)
{
	struct ct_match *m = fresh(64);
	struct ct_mres r;
	struct ct_mpkt k;

	feed(m, udp(0, A1, BCA, CT_IPMSG_BR_ISGETLIST2, 0, 400), &r);
	ok(r.is_request, "BR_ISGETLIST2 waits for OKGETLIST");
	feed(m, udp(4, SRV, A1, CT_IPMSG_OKGETLIST, 0, 900), &r);
	ok(r.answered && r.req_mode == CT_IPMSG_BR_ISGETLIST2 && r.latency_ns == 4 * MS, "OKGETLIST answers BR_ISGETLIST2");
	ok(r.is_request, "OKGETLIST waits for GETLIST");
	feed(m, udp(5, A1, SRV, CT_IPMSG_GETLIST, 0, 401), &r);
	ok(r.answered && r.req_mode == CT_IPMSG_OKGETLIST, "GETLIST answers OKGETLIST");
	ok(r.is_request, "GETLIST waits for ANSLIST");
	k = udp(6, SRV, A1, CT_IPMSG_ANSLIST, 0, 901);
	k.has_next = 1;
	k.next = 40;
	feed(m, k, &r);
	ok(r.answered && r.req_mode == CT_IPMSG_GETLIST, "ANSLIST answers GETLIST");
	ok(r.is_request, "an ANSLIST page with next 40 waits for the next GETLIST");
	feed(m, udp(7, A1, SRV, CT_IPMSG_GETLIST, 0, 402), &r);
	ok(r.answered && r.req_mode == CT_IPMSG_ANSLIST, "the next GETLIST answers the previous page");
	k = udp(9, SRV, A1, CT_IPMSG_ANSLIST, 0, 902);
	k.has_next = 1;
	k.next = 0;
	feed(m, k, &r);
	ok(r.answered && r.latency_ns == 2 * MS, "the last ANSLIST answers the second GETLIST in 2 ms");
	ok(!r.is_request, "the last page (next 0) waits for nothing");

	/* a page nobody asks for: the client stopped */
	k = udp(100, SRV, A2, CT_IPMSG_ANSLIST, 0, 903);
	k.has_next = 1;
	k.next = 20;
	feed(m, k, &r);
	/* a list request nobody answers */
	feed(m, udp(200, B2, BCB, CT_IPMSG_BR_ISGETLIST2, 0, 600), &r);
	ct_match_expire(m, 3000 * MS, on_unans, NULL);
	is_int(nuna, 2, "the orphan page and the unanswered broadcast are reported");
	is_str(sentence(0), "ANSLIST from 198.18.1.10 to 198.18.1.12 got no GETLIST for the next page in 2.0 s: "
		"198.18.1.12 stopped fetching the list, or the page was lost on the way", "the ANSLIST sentence");
	is_str(sentence(1), "BR_ISGETLIST2 broadcast from 198.18.2.12 to 198.18.2.255 got no answer in 2.0 s: "
		"no list server on that segment answered (none there, or a firewall blocks UDP 2425)",
		"the BR_ISGETLIST2 sentence names the segment");
	ct_match_free(m);
}

static void t_tcp(void)
{
	struct ct_match *m = fresh(64);
	struct ct_mres r;
	int ack = CT_TCP_ACK;

	feed(m, tcp(0, A1, 40000, SRV, 2425, CT_TCP_SYN, 0, CT_MATCH_TCP_DATA), &r);
	ok(r.is_request, "a SYN to 2425 waits for an answer");
	feed(m, tcp(1, SRV, 2425, A1, 40000, CT_TCP_SYN | ack, 0, CT_MATCH_TCP_DATA), &r);
	ok(r.answered && r.req_mode == CT_MATCH_TCP_SYN && !r.refused && r.latency_ns == MS, "SYN-ACK answers the SYN");
	feed(m, tcp(2, A1, 40000, SRV, 2425, ack, 0, CT_MATCH_TCP_DATA), &r);
	ok(!r.is_request && !r.answered, "the handshake's ACK is neither");
	feed(m, tcp(3, A1, 40000, SRV, 2425, ack | CT_TCP_PSH, 47, CT_IPMSG_GETFILEDATA), &r);
	ok(r.is_request, "GETFILEDATA on the connection waits for data");
	feed(m, tcp(4, SRV, 2425, A1, 40001, ack, 500, CT_MATCH_TCP_DATA), &r);
	ok(!r.answered, "data on another connection does not answer it");
	feed(m, tcp(8, SRV, 2425, A1, 40000, ack | CT_TCP_PSH, 500, CT_MATCH_TCP_DATA), &r);
	ok(r.answered && r.req_mode == CT_IPMSG_GETFILEDATA && !r.refused, "the file data answers GETFILEDATA");
	is_int(r.latency_ns, 5 * MS, "... in 5 ms");

	feed(m, tcp(10, A1, 40002, SRV, 2425, CT_TCP_SYN, 0, CT_MATCH_TCP_DATA), &r);
	feed(m, tcp(11, SRV, 2425, A1, 40002, CT_TCP_SYN | ack, 0, CT_MATCH_TCP_DATA), &r);
	feed(m, tcp(12, A1, 40002, SRV, 2425, ack | CT_TCP_PSH, 47, CT_IPMSG_GETFILEDATA), &r);
	feed(m, tcp(13, SRV, 2425, A1, 40002, ack | CT_TCP_FIN, 0, CT_MATCH_TCP_DATA), &r);
	ok(r.answered && r.refused, "a FIN without data refuses the request (unknown file)");

	feed(m, tcp(20, A1, 40003, A2, 2425, CT_TCP_SYN, 0, CT_MATCH_TCP_DATA), &r);
	feed(m, tcp(21, A2, 2425, A1, 40003, CT_TCP_RST | ack, 0, CT_MATCH_TCP_DATA), &r);
	ok(r.answered && r.refused && r.req_mode == CT_MATCH_TCP_SYN, "a reset refuses the SYN");

	feed(m, tcp(30, A1, 40004, B2, 2425, CT_TCP_SYN, 0, CT_MATCH_TCP_DATA), &r);
	feed(m, tcp(1030, A1, 40004, B2, 2425, CT_TCP_SYN, 0, CT_MATCH_TCP_DATA), &r);
	ok(r.retransmission, "the SYN sent again is a retransmission");
	feed(m, tcp(1040, A1, 40005, A2, 2425, CT_TCP_SYN, 0, CT_MATCH_TCP_DATA), &r);
	feed(m, tcp(1041, A2, 2425, A1, 40005, CT_TCP_SYN | ack, 0, CT_MATCH_TCP_DATA), &r);
	feed(m, tcp(1042, A1, 40005, A2, 2425, ack | CT_TCP_PSH, 47, CT_IPMSG_GETFILEDATA), &r);
	ct_match_expire(m, 5000 * MS, on_unans, NULL);
	is_int(nuna, 2, "the unanswered SYN and the unserved GETFILEDATA are reported");
	is_str(sentence(0), "TCP connect from 198.18.1.11 to 198.18.2.12 port 2425 got no answer in 2.0 s (sent 2 times): "
		"a firewall on 198.18.2.12 or on the way probably drops TCP 2425 (messages may work while file transfer fails)",
		"the TCP connect sentence");
	is_str(sentence(1), "GETFILEDATA from 198.18.1.11 to 198.18.1.12 over TCP got no data in 2.0 s: 198.18.1.12 "
		"accepted the connection but does not serve the request (unknown file, or it does not know 198.18.1.11)",
		"the GETFILEDATA sentence");
	ct_match_free(m);
}

static void t_icmp_peers_overflow(void)
{
	struct ct_match *m = fresh(16);
	struct ct_mres r;
	char nb[8];

	feed(m, udp(0, A1, B2, CT_IPMSG_GETINFO, 0, 700), &r);
	ct_match_icmp(m, 1 * MS, ++frame, AF_INET, A1, B2, 17, 2425, 2425, &r, on_unans, NULL);
	ok(r.answered && r.refused && r.icmp && r.req_mode == CT_IPMSG_GETINFO, "an ICMP error quoting the GETINFO refuses it");
	ct_match_icmp(m, 2 * MS, ++frame, AF_INET, A1, B2, 17, 2425, 2425, &r, on_unans, NULL);
	ok(!r.answered, "a second ICMP error finds nothing left to refuse");
	feed(m, udp(3, A1, A2, CT_IPMSG_BR_ENTRY, 0, 701), &r);
	ct_match_icmp(m, 4 * MS, ++frame, AF_INET, A2, A1, 17, 2425, 2425, &r, on_unans, NULL);
	ok(!r.answered, "an ICMP error quoting the other direction refuses nothing");
	(void)RTR;

	for (uint32_t i = 0; i < 20; i++)
		feed(m, udp(10 + i, A1, SRV, CT_IPMSG_GETINFO, 0, 800 + i), &r);
	ok(ct_match_overflow(m) >= 4, "20 requests in a table of 16: the oldest are forgotten (%llu)",
		(unsigned long long)ct_match_overflow(m));
	is_int(ct_match_peer_count(m), 4, "four peers seen (A1, B2, A2, srv)");

	is_str(ct_match_mode_name(CT_IPMSG_ANSLIST, nb), "ANSLIST", "mode name of an IPMsg command");
	is_str(ct_match_mode_name(CT_MATCH_TCP_SYN, nb), "TCP_SYN", "mode name of a TCP connection attempt");
	is_str(ct_match_mode_name(0xEE, nb), "0xEE", "mode name of an unknown command");
	ct_match_free(m);
}

/* Per-peer counters: packets and bytes by direction and command. */
struct pc { uint64_t a1_tx, a1_rx, srv_tx, srv_rx, a1_getinfo_tx, srv_sendinfo_tx, a1_answered, a1_unans; };

static void on_peer(const struct ct_peer *p, void *ud)
{
	struct pc *c = ud;

	if (memcmp(p->addr, A1, 4) == 0) {
		c->a1_tx = p->tx_pkts;
		c->a1_rx = p->rx_pkts;
		c->a1_answered = p->answered;
		c->a1_unans = p->unanswered;
		for (size_t i = 0; i < p->ncmd; i++)
			if (p->cmd[i].mode == CT_IPMSG_GETINFO)
				c->a1_getinfo_tx = p->cmd[i].tx_bytes;
	} else if (memcmp(p->addr, SRV, 4) == 0) {
		c->srv_tx = p->tx_pkts;
		c->srv_rx = p->rx_pkts;
		for (size_t i = 0; i < p->ncmd; i++)
			if (p->cmd[i].mode == CT_IPMSG_SENDINFO)
				c->srv_sendinfo_tx = p->cmd[i].tx_pkts;
	}
}

static void t_peers(void)
{
	struct ct_match *m = fresh(64);
	struct ct_mres r;
	struct pc c;

	feed(m, udp(0, A1, SRV, CT_IPMSG_GETINFO, 0, 1), &r);
	feed(m, udp(1, SRV, A1, CT_IPMSG_SENDINFO, 0, 2), &r);
	feed(m, udp(2, A1, SRV, CT_IPMSG_GETINFO, 0, 3), &r);
	feed(m, udp(3000, A1, A2, CT_IPMSG_GETINFO, 0, 4), &r);
	ct_match_flush(m, 6000 * MS, on_unans, NULL);
	memset(&c, 0, sizeof c);
	ct_match_peers(m, on_peer, &c);
	is_int(c.a1_tx, 3, "A1 sent 3 packets");
	is_int(c.a1_rx, 1, "A1 received 1");
	is_int(c.srv_tx, 1, "srv sent 1");
	is_int(c.srv_rx, 2, "srv received 2");
	is_int(c.a1_getinfo_tx, 180, "A1 sent 180 bytes of GETINFO");
	is_int(c.srv_sendinfo_tx, 1, "srv sent 1 SENDINFO");
	is_int(c.a1_answered, 1, "one of A1's requests was answered");
	is_int(c.a1_unans, 2, "two were not (the second GETINFO to srv, the one to A2)");
	is_int(nuna, 2, "two silences reported");
	ct_match_free(m);
}

int main(void)
{
	t_entry();
	t_sendmsg();
	t_list();
	t_tcp();
	t_icmp_peers_overflow();
	t_peers();
	return tap_done();
}
