/* gen-pcaps.c: writes the synthetic golden captures of tests/data (IPMsg edge cases, RTP with loss and reordering)
 * from the codec's builders and the capture writer, with fixed timestamps so the files are reproducible.
 * Usage: gen-pcaps DIR [--corpus CORPUSDIR]  (the corpus of tests/fuzz/fuzz-decode.c: one file per frame)
 *        gen-pcaps --seeds CORPUSDIR PCAP...  (fuzz seeds from recorded captures, tests/data/record-lab.sh)
 *        gen-pcaps --bench FILE N          (N IPMsg datagrams for tests/bench/bench-sniff.sh) */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "bytes.h"
#include "capture.h"
#include "charset.h"
#include "codec.h"
#include "entry.h"
#include "sbuf.h"
#include "util.h"

#define T0 1764000000LL /* 2025-11-24T16:00:00Z */

static struct ct_pcapw *W;
static int64_t now_us;   /* current frame time, microseconds after T0 */
static uint16_t ipid = 0x100;

static void die(const char *what)
{
	fprintf(stderr, "gen-pcaps: %s\n", what);
	exit(1);
}

static void at(double sec) { now_us = (int64_t)(sec * 1e6 + 0.5); }
static void after_ms(double ms) { now_us += (int64_t)(ms * 1000 + 0.5); }

static uint32_t v4(const char *s)
{
	unsigned a, b, c, d;
	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
		die("bad address");
	return a << 24 | b << 16 | c << 8 | d;
}


static uint32_t sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xFFFF) + (s >> 16);
	return (uint16_t)~s;
}

static void emit(const uint8_t *frame, size_t n)
{
	struct ct_pkt p = { .data = frame, .caplen = (uint32_t)n, .len = (uint32_t)n,
		.ts_sec = T0 + now_us / 1000000, .ts_nsec = (uint32_t)(now_us % 1000000) * 1000u };
	ct_pcapw_write(W, &p);
}

/* Ethernet header for an IPv4/IPv6 packet; mac derived from the address' last byte (Linux cooked
 * framing comes from a real router: tests/data/lab-anslist.pcap). */
static size_t link_hdr(uint8_t *f, int af, uint8_t dst_last, uint8_t src_last, int group)
{
	for (int i = 0; i < 6; i++)
		f[i] = group ? 0xFF : (i == 0 ? 0x02 : i == 5 ? dst_last : 0);
	memset(f + 6, 0, 6);
	f[6] = 0x02;
	f[11] = src_last;
	ct_put16(f + 12, af == AF_INET ? 0x0800 : 0x86DD);
	return 14;
}

/* One IPv4 packet (or its fragments when mtu is set and the payload does not fit). */
static void ip4(const char *src, const char *dst, uint8_t proto, const uint8_t *l4, size_t n, int mtu)
{
	uint8_t f[2048];
	uint32_t s = v4(src), d = v4(dst);
	int group = (d & 0xFF) == 0xFF;
	size_t off = 0, max = mtu ? ((size_t)mtu - 20) & ~7u : n;

	ipid++;
	do {
		size_t chunk = n - off > max ? max : n - off, h = link_hdr(f, AF_INET, (uint8_t)d, (uint8_t)s, group);
		uint8_t *ip = f + h;
		int more = off + chunk < n;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ct_put16(ip + 2, (unsigned)(20 + chunk));
		ct_put16(ip + 4, ipid);
		ct_put16(ip + 6, (unsigned)((more ? 0x2000 : 0) | (off / 8)));
		ip[8] = 64;
		ip[9] = proto;
		ct_put32(ip + 12, s);
		ct_put32(ip + 16, d);
		ct_put16(ip + 10, fold(sum(ip, 20, 0)));
		memcpy(ip + 20, l4 + off, chunk);
		emit(f, h + 20 + chunk);
		off += chunk;
		after_ms(0.01);
	} while (off < n);
}

static void udp4(const char *src, unsigned sport, const char *dst, unsigned dport, const void *pl, size_t n, int mtu)
{
	uint8_t u[65536];
	uint32_t ps;

	ct_put16(u, sport);
	ct_put16(u + 2, dport);
	ct_put16(u + 4, (unsigned)(8 + n));
	ct_put16(u + 6, 0);
	memcpy(u + 8, pl, n);
	ps = sum(u, 8 + n, 0) + (v4(src) >> 16) + (v4(src) & 0xFFFF) + (v4(dst) >> 16) + (v4(dst) & 0xFFFF) + 17 + 8 + (uint32_t)n;
	ct_put16(u + 6, fold(ps));
	ip4(src, dst, 17, u, 8 + n, mtu);
}

static void tcp4(const char *src, unsigned sport, const char *dst, unsigned dport, uint32_t seq, uint32_t ack,
	uint8_t flags, const void *pl, size_t n)
{
	uint8_t t[4096];
	uint32_t ps;

	memset(t, 0, 20);
	ct_put16(t, sport);
	ct_put16(t + 2, dport);
	ct_put32(t + 4, seq);
	ct_put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	ct_put16(t + 14, 64240);
	memcpy(t + 20, pl, n);
	ps = sum(t, 20 + n, 0) + (v4(src) >> 16) + (v4(src) & 0xFFFF) + (v4(dst) >> 16) + (v4(dst) & 0xFFFF) + 6 + 20 + (uint32_t)n;
	ct_put16(t + 16, fold(ps));
	ip4(src, dst, 6, t, 20 + n, 0);
}

static void udp6(const uint8_t src[16], const uint8_t dst[16], unsigned port, const void *pl, size_t n)
{
	uint8_t f[2048], *ip;
	size_t h = link_hdr(f, AF_INET6, dst[15], src[15], dst[0] == 0xFF);
	uint32_t ps = 0;

	ip = f + h;
	memset(ip, 0, 48);
	ip[0] = 0x60;
	ct_put16(ip + 4, (unsigned)(8 + n));
	ip[6] = 17;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	ct_put16(ip + 40, port);
	ct_put16(ip + 42, port);
	ct_put16(ip + 44, (unsigned)(8 + n));
	memcpy(ip + 48, pl, n);
	ps = sum(ip + 8, 32, 0) + 17 + 8 + (uint32_t)n;
	ps = sum(ip + 40, 8 + n, ps);
	ct_put16(ip + 46, fold(ps));
	emit(f, h + 48 + n);
	after_ms(0.01);
}

/* ICMP error from `from` to `to` quoting the first 28 bytes of a UDP packet q_src:qp -> q_dst:qp. */
static void icmp4_err(const char *from, const char *to, uint8_t type, uint8_t code, const char *q_src,
	const char *q_dst, unsigned qsport, unsigned qdport)
{
	uint8_t m[36] = { type, code };
	uint8_t *q = m + 8;

	q[0] = 0x45;
	ct_put16(q + 2, 60);
	q[8] = 63;
	q[9] = 17;
	ct_put32(q + 12, v4(q_src));
	ct_put32(q + 16, v4(q_dst));
	ct_put16(q + 20, qsport);
	ct_put16(q + 22, qdport);
	ct_put16(q + 24, 40);
	ct_put16(m + 2, fold(sum(m, sizeof m, 0)));
	ip4(from, to, 1, m, sizeof m, 0);
}

/* ---------- IPMsg packets ---------- */

static struct ct_sbuf B;

static void send_ipmsg(const char *src, const char *dst, const char *version, uint32_t pkt, const char *user,
	const char *host, uint32_t cmd, const void *body, size_t blen)
{
	ct_sbuf_reset(&B);
	if (ct_codec_build(&B, version, pkt, user, host, cmd, body, blen, 1) != 0)
		die("ct_codec_build");
	udp4(src, 2425, dst, 2425, B.p, B.len, 1500);
}

static void send_entry(const char *src, const char *dst, const char *version, uint32_t pkt, uint32_t cmd,
	const struct ct_entry_spec *sp)
{
	ct_sbuf_reset(&B);
	if (ct_entry_build(&B, version, pkt, cmd, sp) != 0)
		die("ct_entry_build");
	udp4(src, 2425, dst, 2425, B.p, B.len, 1500);
}

static void send_raw(const char *src, unsigned sport, const char *dst, const void *p, size_t n)
{
	udp4(src, sport, dst, 2425, p, n, 1500);
}

/* CP932 bytes of a UTF-8 string (static buffer). */
static const char *cp932(const char *utf8)
{
	static char out[256];
	char *s = ct_charset_encode_str(CT_CS_CP932, utf8, strlen(utf8));
	if (!s)
		die("encode");
	snprintf(out, sizeof out, "%s", s);
	free(s);
	return out;
}

#define A1 "198.18.1.11"
#define A2 "198.18.1.12"
#define SRV "198.18.1.10"
#define B2 "198.18.2.12"
#define BCAST_A "198.18.1.255"
#define IPTUX_VER "1_iptux 0.8.3"
#define CMD(mode, opts) ((uint32_t)(mode) | (uint32_t)(opts))

static const struct ct_entry_spec a1_spec = {
	.form = CT_ENTRY_FORM_WIN, .user = "tanaka", .host = "PC-A1", .nick = "田中", .group = "営業",
	.verinfo = "00010002:4:99:103", .legacy_cs = CT_CS_CP932,
};

static void anslist_page(uint32_t pkt, unsigned next, unsigned first, unsigned count, uint32_t t)
{
	struct ct_sbuf body;
	char line[256];

	ct_sbuf_init(&body);
	ct_sbuf_printf(&body, "%5u\a%5u\a", next, count);
	for (unsigned i = first; i < first + count; i++) {
		if (i == 0)
			snprintf(line, sizeof line, "tanaka\aPC-A1\a18874368\a%s\a30985\a%s\a%s\a", A1, cp932("田中"), cp932("営業"));
		else if (i == 1)
			snprintf(line, sizeof line, "li\ahost-a2\a256\a%s\a30985\a\b\a\b\a", A2);
		else
			snprintf(line, sizeof line, "user%02u\aPC-B%02u\a18874368\a198.18.2.%u\a30985\auser %u\a\b\a", i, i, 100 + i, i);
		ct_sbuf_adds(&body, line);
	}
	(void)t;
	send_ipmsg(SRV, A1, NULL, pkt, "srv", "SRV01", CT_IPMSG_ANSLIST, body.p, body.len);
	ct_sbuf_fini(&body);
}

static void gen_ipmsg(void)
{
	struct ct_entry_spec sp;
	char body[512];
	int n;
	static const uint8_t a6[16] = { 0x20, 0x01, 0, 2, 0, 0, 0, 1, [15] = 0x11 };
	static const uint8_t s6[16] = { 0x20, 0x01, 0, 2, 0, 0, 0, 1, [15] = 0x10 };
	static const uint8_t all6[16] = { 0xff, 0x02, [15] = 1 };
	uint32_t caps = CT_IPMSG_CAPUTF8OPT | CT_IPMSG_FILEATTACHOPT;

	/* entry: broadcast with CP932 names and the UTF-8 block, answered by a Windows-like server and iptux */
	at(0.0);
	send_entry(A1, BCAST_A, NULL, 1764000001, CMD(CT_IPMSG_NOOPERATION, 0), &a1_spec);
	at(0.25);
	send_entry(A1, BCAST_A, NULL, 1764000002, CMD(CT_IPMSG_BR_ENTRY, caps), &a1_spec);
	after_ms(3.2);
	sp = (struct ct_entry_spec){ .form = CT_ENTRY_FORM_ANS, .user = "srv", .host = "SRV01", .nick = "サーバ",
		.group = "", .verinfo = "00010002:4:99:103", .legacy_cs = CT_CS_UTF8 };
	send_entry(SRV, A1, NULL, 1764000100, CMD(CT_IPMSG_ANSENTRY, caps | CT_IPMSG_UTF8OPT), &sp);
	after_ms(1.1);
	sp = (struct ct_entry_spec){ .form = CT_ENTRY_FORM_IPTUX, .user = "li", .host = "host-a2", .nick = "李雷",
		.group = "开发", .icon = "icon-tux.png", .charset_name = "utf-8", .legacy_cs = CT_CS_UTF8, .nul_term = 1 };
	send_entry(A2, A1, IPTUX_VER, 1, CMD(CT_IPMSG_ANSENTRY, CT_IPMSG_ABSENCEOPT), &sp);

	/* unicast entry to a remote host that never answers */
	at(0.5);
	send_entry(A1, B2, NULL, 1764000003, CMD(CT_IPMSG_BR_ENTRY, caps | CT_IPMSG_DIALUPOPT), &a1_spec);

	/* a message with two attachments, acknowledged */
	at(1.0);
	n = snprintf(body, sizeof body, "%s", cp932("資料を送ります"));
	body[n++] = '\0';
	n += snprintf(body + n, sizeof body - (size_t)n, "123456:report.txt:1f4:65000000:1:\a123457:photos:0:65000001:2:\a");
	send_ipmsg(A1, SRV, NULL, 1764000004, "tanaka", "PC-A1",
		CMD(CT_IPMSG_SENDMSG, CT_IPMSG_SENDCHECKOPT | CT_IPMSG_FILEATTACHOPT), body, (size_t)n);
	after_ms(2.0);
	send_ipmsg(SRV, A1, NULL, 1764000101, "srv", "SRV01", CT_IPMSG_RECVMSG, "1764000004", 10);

	/* a UTF-8 message to iptux: the first copy is lost, the retry is acknowledged */
	at(1.2);
	send_ipmsg(A1, A2, NULL, 1764000005, "tanaka", "PC-A1",
		CMD(CT_IPMSG_SENDMSG, CT_IPMSG_SENDCHECKOPT | CT_IPMSG_UTF8OPT), "こんにちは", strlen("こんにちは"));
	at(2.2);
	send_ipmsg(A1, A2, NULL, 1764000005, "tanaka", "PC-A1",
		CMD(CT_IPMSG_SENDMSG, CT_IPMSG_SENDCHECKOPT | CT_IPMSG_UTF8OPT), "こんにちは", strlen("こんにちは"));
	after_ms(0.8);
	send_ipmsg(A2, A1, IPTUX_VER, 2, "li", "host-a2", CMD(CT_IPMSG_RECVMSG, CT_IPMSG_SENDCHECKOPT), "1764000005", 10);

	/* GETINFO answered by the server, ignored by iptux */
	at(3.0);
	send_ipmsg(A1, SRV, NULL, 1764000006, "tanaka", "PC-A1", CT_IPMSG_GETINFO, "", 0);
	after_ms(1.5);
	send_ipmsg(SRV, A1, NULL, 1764000102, "srv", "SRV01", CT_IPMSG_SENDINFO, "Win(en)Ver4.99r3(x64)", 21);
	at(3.1);
	send_ipmsg(A1, A2, NULL, 1764000007, "tanaka", "PC-A1", CT_IPMSG_GETINFO, "", 0);

	/* host list: BR_ISGETLIST2 -> OKGETLIST -> GETLIST -> ANSLIST (2 pages, the second one fragmented) */
	at(4.0);
	ct_sbuf_reset(&B);
	n = snprintf(body, sizeof body, "%s", cp932("田中"));
	body[n++] = '\0';
	n += snprintf(body + n, sizeof body - (size_t)n, "%s", cp932("営業"));
	send_ipmsg(A1, BCAST_A, NULL, 1764000008, "tanaka", "PC-A1", CMD(CT_IPMSG_BR_ISGETLIST2, caps), body, (size_t)n);
	after_ms(4.0);
	send_ipmsg(SRV, A1, NULL, 1764000103, "srv", "SRV01", CT_IPMSG_OKGETLIST, "", 0);
	after_ms(0.5);
	send_ipmsg(A1, SRV, NULL, 1764000009, "tanaka", "PC-A1", CT_IPMSG_GETLIST, "", 0);
	after_ms(1.0);
	anslist_page(1764000104, 2, 0, 2, 0);
	after_ms(0.5);
	send_ipmsg(A1, SRV, NULL, 1764000010, "tanaka", "PC-A1", CT_IPMSG_GETLIST, "2", 1);
	after_ms(1.2);
	anslist_page(1764000105, 0, 2, 30, 0);

	/* file transfer over TCP: connect, GETFILEDATA, data, close */
	at(5.0);
	tcp4(A1, 40000, SRV, 2425, 1000, 0, 0x02, "", 0);
	after_ms(0.2);
	tcp4(SRV, 2425, A1, 40000, 5000, 1001, 0x12, "", 0);
	after_ms(0.1);
	tcp4(A1, 40000, SRV, 2425, 1001, 5001, 0x10, "", 0);
	ct_sbuf_reset(&B);
	ct_codec_build(&B, NULL, 1764000011, "tanaka", "PC-A1", CT_IPMSG_GETFILEDATA, "69248104:1e240:0:", 17, 1);
	tcp4(A1, 40000, SRV, 2425, 1001, 5001, 0x18, B.p, B.len);
	after_ms(0.9);
	memset(body, 'x', 500);
	tcp4(SRV, 2425, A1, 40000, 5001, 1001 + (uint32_t)B.len, 0x18, body, 500);
	after_ms(0.1);
	tcp4(SRV, 2425, A1, 40000, 5501, 1001 + (uint32_t)B.len, 0x11, "", 0);

	/* TCP to the remote host: SYNs into a black hole; to iptux: a reset */
	at(5.5);
	tcp4(A1, 40001, B2, 2425, 7000, 0, 0x02, "", 0);
	at(6.5);
	tcp4(A1, 40001, B2, 2425, 7000, 0, 0x02, "", 0);
	at(6.6);
	tcp4(A1, 40002, A2, 2425, 9000, 0, 0x02, "", 0);
	after_ms(0.1);
	tcp4(A2, 2425, A1, 40002, 0, 9001, 0x14, "", 0);

	/* ICMP: nothing listens on 198.18.1.20; a router filters 198.18.2.13 */
	at(7.0);
	send_entry(A1, "198.18.1.20", NULL, 1764000012, CMD(CT_IPMSG_BR_ENTRY, caps), &a1_spec);
	after_ms(0.3);
	icmp4_err("198.18.1.20", A1, 3, 3, A1, "198.18.1.20", 2425, 2425);
	at(7.2);
	send_ipmsg(A1, "198.18.2.13", NULL, 1764000013, "tanaka", "PC-A1", CT_IPMSG_GETINFO, "", 0);
	after_ms(0.4);
	icmp4_err("198.18.1.1", A1, 3, 13, A1, "198.18.2.13", 2425, 2425);

	/* a list request on the remote segment that no server answers */
	at(7.5);
	send_ipmsg("198.18.2.13", "198.18.2.255", NULL, 1764000500, "sato", "PC-B3",
		CMD(CT_IPMSG_BR_ISGETLIST2, caps), "sato\0", 5);

	/* malformed and unusual datagrams: shown, never skipped */
	at(8.0);
	send_raw("198.18.1.66", 2425, SRV, "garbage", 7);
	send_raw("198.18.1.66", 2425, SRV, "1:abc:u:h:1:x", 13);
	send_raw("198.18.1.66", 2425, SRV, "1:5:u:h", 7);
	send_raw("198.18.1.66", 2425, SRV, "IP2:1a:UID:3:abcHID:1:xZ:", 25);
	send_raw("198.18.1.66", 2425, SRV, "1:6:u:h:9999:\xff\xfe body", 20);

	/* IPv6 entry to all nodes, answered */
	at(9.0);
	ct_sbuf_reset(&B);
	ct_entry_build(&B, NULL, 1764000014, CMD(CT_IPMSG_BR_ENTRY, caps), &a1_spec);
	udp6(a6, all6, 2425, B.p, B.len);
	after_ms(2.5);
	sp = (struct ct_entry_spec){ .form = CT_ENTRY_FORM_ANS, .user = "srv", .host = "SRV01", .nick = "サーバ",
		.group = "", .verinfo = "00010002:4:99:103", .legacy_cs = CT_CS_UTF8 };
	ct_sbuf_reset(&B);
	ct_entry_build(&B, NULL, 1764000106, CMD(CT_IPMSG_ANSENTRY, caps | CT_IPMSG_UTF8OPT), &sp);
	udp6(s6, a6, 2425, B.p, B.len);

	/* the end of the capture, 3 s after the last request */
	at(12.0);
	send_ipmsg(A2, BCAST_A, IPTUX_VER, 3, "li", "host-a2", CMD(CT_IPMSG_BR_EXIT, CT_IPMSG_DIALUPOPT), "李雷\0", 7);
}

/* A hex string of n digits (static buffer, one at a time). */
static const char *hexrun(size_t n, char c)
{
	static char h[1100];

	if (n >= sizeof h)
		die("hexrun");
	memset(h, c, n);
	h[n] = '\0';
	return h;
}

/* n bytes of file data from src:sport to dst:dport in segments of at most 1448 bytes, from seq. */
static uint32_t tcp_data(const char *src, unsigned sport, const char *dst, unsigned dport, uint32_t seq, uint32_t ack,
	size_t n)
{
	static uint8_t d[1448];

	memset(d, 'd', sizeof d);
	while (n > 0) {
		size_t k = n < sizeof d ? n : sizeof d;
		tcp4(src, sport, dst, dport, seq, ack, 0x10, d, k);
		seq += (uint32_t)k;
		n -= k;
		after_ms(0.2);
	}
	return seq;
}

/* A GETFILEDATA on a new connection from cli:cport to srv (handshake included); returns the ack the
 * server will use. */
static uint32_t getfiledata(const char *cli, unsigned cport, const char *srv, uint32_t pkt, const char *body)
{
	tcp4(cli, cport, srv, 2425, 100, 0, 0x02, "", 0);
	after_ms(0.2);
	tcp4(srv, 2425, cli, cport, 50000, 101, 0x12, "", 0);
	after_ms(0.1);
	ct_sbuf_reset(&B);
	ct_codec_build(&B, NULL, pkt, "sato", "PC-B", CT_IPMSG_GETFILEDATA, body, strlen(body), 1);
	tcp4(cli, cport, srv, 2425, 101, 50001, 0x18, B.p, B.len);
	after_ms(0.5);
	return 101 + (uint32_t)B.len;
}

/* ipmsg-xfer.pcap: a key exchange and an encrypted message with a file, Windows' DecryptErr answer,
 * then fetches of the file: complete, cut by the sender's FIN, stalled (data then silence), a directory
 * stalled (size unknown), and one still short when the capture ends. */
static void gen_xfer(void)
{
	char body[2200];
	int n;
	uint32_t ack, seq;
	const char *B1 = "198.18.2.11";

	/* key exchange: GETPUBKEY answered by ANSPUBKEY with a 2048-bit modulus */
	at(0.0);
	send_ipmsg(A1, SRV, NULL, 1764001001, "tanaka", "PC-A1", CT_IPMSG_GETPUBKEY, "61920006", 8);
	after_ms(1.0);
	n = snprintf(body, sizeof body, "61920006:10001-%s", hexrun(512, 'c'));
	send_ipmsg(SRV, A1, NULL, 1764001100, "srv", "SRV01", CT_IPMSG_ANSPUBKEY, body, (size_t)n);

	/* an encrypted, signed message (RSA-2048 + AES-256, SHA-256) with the file list in the clear after it */
	at(0.5);
	n = snprintf(body, sizeof body, "40100004:%s:", hexrun(512, 'a'));
	n += snprintf(body + n, sizeof body - (size_t)n, "%s:", hexrun(64, 'b'));
	n += snprintf(body + n, sizeof body - (size_t)n, "%s", hexrun(512, 'e'));
	body[n++] = '\0';
	n += snprintf(body + n, sizeof body - (size_t)n, "1:disk.img:2710:65000000:1:\a");
	send_ipmsg(A1, SRV, NULL, 1764001002, "tanaka", "PC-A1",
		CMD(CT_IPMSG_SENDMSG, CT_IPMSG_SENDCHECKOPT | CT_IPMSG_ENCRYPTOPT | CT_IPMSG_FILEATTACHOPT), body, (size_t)n);
	after_ms(1.5);
	send_ipmsg(SRV, A1, NULL, 1764001101, "srv", "SRV01", CT_IPMSG_RECVMSG, "1764001002", 10);

	/* the same to a Windows host with an old key of ours: received, then AutoReply(DecryptErr) */
	at(1.0);
	n = snprintf(body, sizeof body, "20002:%s:", hexrun(256, 'a'));
	n += snprintf(body + n, sizeof body - (size_t)n, "%s", hexrun(32, 'b'));
	send_ipmsg(A1, B1, NULL, 1764001003, "tanaka", "PC-A1",
		CMD(CT_IPMSG_SENDMSG, CT_IPMSG_SENDCHECKOPT | CT_IPMSG_ENCRYPTOPT), body, (size_t)n);
	after_ms(2.0);
	send_ipmsg(B1, A1, NULL, 200, "suzuki", "WIN-B1", CT_IPMSG_RECVMSG, "1764001003", 10);
	after_ms(40.0);
	n = snprintf(body, sizeof body, "==== AutoReply(DecryptErr) ==== My PubKey is updated, I can't receive your "
		"message. Please press refresh button.");
	send_ipmsg(B1, A1, NULL, 201, "suzuki", "WIN-B1",
		CMD(CT_IPMSG_SENDMSG, CT_IPMSG_NOLOGOPT | CT_IPMSG_AUTORETOPT), body, (size_t)n);

	/* the file (10000 bytes) fetched whole by SRV, one segment sent twice */
	at(2.0);
	ack = getfiledata(SRV, 41000, A1, 1764001102, "692484ea:1:0:");
	seq = tcp_data(A1, 2425, SRV, 41000, 50001, ack, 2896);
	tcp_data(A1, 2425, SRV, 41000, seq - 1448, ack, 1448);
	seq = tcp_data(A1, 2425, SRV, 41000, seq, ack, 10000 - 2896);
	tcp4(A1, 2425, SRV, 41000, seq, ack, 0x11, "", 0);

	/* from offset 4000: 2000 of the 6000 bytes, then the sender closes */
	at(3.0);
	ack = getfiledata(A2, 41001, A1, 1764001103, "692484ea:1:fa0:");
	seq = tcp_data(A1, 2425, A2, 41001, 50001, ack, 2000);
	tcp4(A1, 2425, A2, 41001, seq, ack, 0x11, "", 0);

	/* from b1 across the router: 4344 bytes, then nothing new (a firewall dropped the connection) */
	at(4.0);
	ack = getfiledata(B1, 41002, A1, 201 + 1, "692484ea:1:0:");
	seq = tcp_data(A1, 2425, B1, 41002, 50001, ack, 4344);
	at(6.0); /* the sender retransmits the last segment: no progress, the stall still counts from 4.0 */
	tcp_data(A1, 2425, B1, 41002, seq - 1448, ack, 1448);

	/* a directory fetched by a2 (size unknown): 1000 bytes, then nothing */
	at(4.5);
	tcp4(A2, 41003, A1, 2425, 100, 0, 0x02, "", 0);
	after_ms(0.2);
	tcp4(A1, 2425, A2, 41003, 50000, 101, 0x12, "", 0);
	after_ms(0.1);
	ct_sbuf_reset(&B);
	ct_codec_build(&B, NULL, 1764001104, "li", "host-a2", CT_IPMSG_GETDIRFILES, "692484ea:2:", 11, 1);
	tcp4(A2, 41003, A1, 2425, 101, 50001, 0x18, B.p, B.len);
	after_ms(0.5);
	tcp_data(A1, 2425, A2, 41003, 50001, 101 + (uint32_t)B.len, 1000);

	/* the last fetch: 1448 of the 10000 bytes when the capture ends */
	at(10.0);
	ack = getfiledata(A2, 41004, A1, 1764001105, "692484ea:1:0:");
	tcp_data(A1, 2425, A2, 41004, 50001, ack, 1448);

	/* the end of the capture, 6 s after the stall */
	at(10.5);
	send_ipmsg(A2, BCAST_A, IPTUX_VER, 3, "li", "host-a2", CMD(CT_IPMSG_BR_EXIT, CT_IPMSG_DIALUPOPT), "li\0", 3);
}

/* RTP: one stream with loss, reordering and jitter, one clean reverse stream, an RTCP report. */
static void gen_rtp(void)
{
	uint8_t p[12 + 160];
	static const int jit_us[8] = { 0, 800, -600, 1500, 200, -1200, 400, 0 };

	memset(p, 0xD5, sizeof p);
	for (int i = 0; i < 60; i++) {
		int seq = i, late = 0;
		if (i != 10 && i != 25) {         /* 10 and 25 are lost */
			if (i == 40)
				seq = 41;                 /* 41 arrives before 40 */
			else if (i == 41)
				seq = 40, late = 1;
			p[0] = 0x80;
			p[1] = (uint8_t)(i == 0 ? 0x80 : 0x00); /* PCMU, marker on the first */
			ct_put16(p + 2, (unsigned)(1000 + seq));
			ct_put32(p + 4, (uint32_t)(160000 + seq * 160));
			ct_put32(p + 8, 0x1a2b3c4d);
			at(20.0 + i * 0.020 + jit_us[i % 8] / 1e6 + late * 0.0001);
			udp4(A1, 22224, "198.18.2.11", 22224, p, sizeof p, 0);
		}
		if (i % 2 == 0) {
			p[1] = 0x08;                  /* PCMA back every 40 ms, no loss */
			ct_put16(p + 2, (unsigned)(5000 + i / 2));
			ct_put32(p + 4, (uint32_t)(900000 + (i / 2) * 320));
			ct_put32(p + 8, 0x0badcafe);
			at(20.0018 + i * 0.020);
			udp4("198.18.2.11", 22224, A1, 22224, p, sizeof p, 0);
		}
	}
	/* RTCP sender report on the next port */
	memset(p, 0, 28);
	p[0] = 0x80;
	p[1] = 200;
	ct_put16(p + 2, 6);
	ct_put32(p + 4, 0x1a2b3c4d);
	at(21.3);
	udp4(A1, 22225, "198.18.2.11", 22225, p, 28, 0);
	/* not RTP on an RTP port */
	at(21.4);
	udp4(A1, 22226, "198.18.2.11", 22226, "hello", 5, 0);
}

static void open_w(const char *dir, const char *name, int lt)
{
	char path[1024], err[256];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (ct_pcapw_open(&W, path, lt, 65535, 0, err, sizeof err) != 0)
		die(err);
}

/* The benchmark capture: n IPMsg datagrams, a realistic mix among 200 hosts (entries with CP932 and
 * UTF-8 names, messages and receipts, info requests, list pages), each request answered. */
static void gen_bench(const char *path, long n)
{
	char err[256], src[32], dst[32], user[32], host[32], body[600];
	struct ct_entry_spec sp = { .form = CT_ENTRY_FORM_WIN, .nick = "田中", .group = "営業",
		.verinfo = "00010002:4:99:103", .legacy_cs = CT_CS_CP932 };
	long i = 0;
	uint32_t pkt = 1764000000;

	if (ct_pcapw_open(&W, path, CT_LINK_ETHERNET, 65535, 0, err, sizeof err) != 0)
		die(err);
	now_us = 0;
	while (i < n) {
		int a = (int)(i % 200), b = (int)((i * 7 + 13) % 200), bl;
		snprintf(src, sizeof src, "198.18.%d.%d", 1 + a / 100, 10 + a % 100);
		snprintf(dst, sizeof dst, "198.18.%d.%d", 1 + b / 100, 10 + b % 100);
		snprintf(user, sizeof user, "user%03d", a);
		snprintf(host, sizeof host, "PC-%03d", a);
		sp.user = user;
		sp.host = host;
		switch (i % 10) {
		case 0: /* entry from a, answered by b */
			send_entry(src, dst, NULL, pkt++, CMD(CT_IPMSG_BR_ENTRY, CT_IPMSG_CAPUTF8OPT | CT_IPMSG_FILEATTACHOPT), &sp);
			sp.form = CT_ENTRY_FORM_ANS;
			sp.legacy_cs = CT_CS_UTF8;
			send_entry(dst, src, NULL, pkt++, CMD(CT_IPMSG_ANSENTRY, CT_IPMSG_UTF8OPT | CT_IPMSG_CAPUTF8OPT), &sp);
			sp.form = CT_ENTRY_FORM_WIN;
			sp.legacy_cs = CT_CS_CP932;
			i += 2;
			break;
		case 2: case 4: case 6: /* message and receipt */
			bl = snprintf(body, sizeof body, "message %ld from %s: the meeting moved to room 4", i, user);
			send_ipmsg(src, dst, NULL, pkt, user, host, CMD(CT_IPMSG_SENDMSG, CT_IPMSG_SENDCHECKOPT), body, (size_t)bl);
			bl = snprintf(body, sizeof body, "%u", pkt++);
			send_ipmsg(dst, src, NULL, pkt++, "peer", "PC-PEER", CT_IPMSG_RECVMSG, body, (size_t)bl);
			i += 2;
			break;
		case 8: /* info request, or a list page */
			if ((i / 10) % 2) {
				send_ipmsg(src, dst, NULL, pkt++, user, host, CT_IPMSG_GETINFO, "", 0);
				send_ipmsg(dst, src, NULL, pkt++, "peer", "PC-PEER", CT_IPMSG_SENDINFO, "Win(en)Ver4.99r3(x64)", 21);
			} else {
				send_ipmsg(src, dst, NULL, pkt++, user, host, CT_IPMSG_GETLIST, "", 0);
				bl = snprintf(body, sizeof body, "    0\a    4\a");
				for (int k = 0; k < 4; k++)
					bl += snprintf(body + bl, sizeof body - (size_t)bl,
						"user%03d\aPC-%03d\a18874368\a198.18.1.%d\a30985\anick %d\a\b\a", k, k, 10 + k, k);
				send_ipmsg(dst, src, NULL, pkt++, "srv", "SRV01", CT_IPMSG_ANSLIST, body, (size_t)bl);
			}
			i += 2;
			break;
		default:
			i++;
		}
	}
	ct_pcapw_close(W);
}

static int link_sel(int lt)
{
	return lt == CT_LINK_SLL2 ? 2 : lt == CT_LINK_SLL ? 1 : 0; /* the order of fuzz-decode.c's table */
}

/* Writes the fuzz corpus of fuzz-decode.c from a capture: one file per frame, and one with the whole
 * capture (up to 64 KiB). */
static void corpus_of(const char *pcap, const char *cdir, const char *name)
{
	char path[1024], err[256];
	struct ct_capture *c;
	struct ct_pkt p;
	FILE *all, *one;
	int i = 0;

	if (ct_capture_open_file(&c, pcap, NULL, err, sizeof err) != 0)
		die(err);
	snprintf(path, sizeof path, "%s/%s-all", cdir, name);
	if (!(all = fopen(path, "wb")))
		die("cannot write the corpus");
	while (ct_capture_next(c, &p) == 1) {
		uint8_t h[3] = { (uint8_t)link_sel(p.linktype), (uint8_t)(p.caplen >> 8), (uint8_t)p.caplen };
		snprintf(path, sizeof path, "%s/%s-%03d", cdir, name, ++i);
		if (!(one = fopen(path, "wb")))
			die("cannot write the corpus");
		fwrite(h, 1, 3, one);
		fwrite(p.data, 1, p.caplen, one);
		fclose(one);
		if (ftell(all) + 3 + (long)p.caplen <= 65536) {
			fwrite(h, 1, 3, all);
			fwrite(p.data, 1, p.caplen, all);
		}
	}
	fclose(all);
	ct_capture_close(c);
}

static void corpus(const char *dir, const char *cdir, const char *name)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/%s.pcap", dir, name);
	corpus_of(path, cdir, name);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";

	if (argc > 3 && strcmp(argv[1], "--seeds") == 0) {
		/* seeds from recorded captures: CORPUSDIR/NAME-NNN for CORPUSDIR/../NAME.pcap */
		for (int i = 3; i < argc; i++) {
			const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
			char name[256];
			ct_strlcpy(name, base, sizeof name);
			if (strlen(name) > 5 && strcmp(name + strlen(name) - 5, ".pcap") == 0)
				name[strlen(name) - 5] = 0;
			corpus_of(argv[i], argv[2], name);
		}
		return 0;
	}
	if (argc > 3 && strcmp(argv[1], "--bench") == 0) {
		ct_sbuf_init(&B);
		gen_bench(argv[2], atol(argv[3]));
		ct_sbuf_fini(&B);
		return 0;
	}

	ct_sbuf_init(&B);
	open_w(dir, "ipmsg-synth.pcap", CT_LINK_ETHERNET);
	gen_ipmsg();
	ct_pcapw_close(W);
	open_w(dir, "rtp-loss.pcap", CT_LINK_ETHERNET);
	gen_rtp();
	ct_pcapw_close(W);
	open_w(dir, "ipmsg-xfer.pcap", CT_LINK_ETHERNET);
	gen_xfer();
	ct_pcapw_close(W);
	ct_sbuf_fini(&B);
	if (argc > 3 && strcmp(argv[2], "--corpus") == 0) {
		corpus(dir, argv[3], "ipmsg-synth");
		corpus(dir, argv[3], "rtp-loss");
		corpus(dir, argv[3], "ipmsg-xfer");
	}
	return 0;
}
