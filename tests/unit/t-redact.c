/* t-redact.c: secrets and message texts are redacted; other lines and packets stay as they were. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "redact.h"
#include "tap.h"

static char *conf(const char *in, unsigned *count)
{
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	ct_redact_config(in, strlen(in), &b, count);
	return b.p ? ct_sbuf_steal(&b, NULL) : strdup("");
}

static char *logr(const char *in, unsigned flags, unsigned *count)
{
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	ct_redact_log(in, strlen(in), flags, &b, count);
	return b.p ? ct_sbuf_steal(&b, NULL) : strdup("");
}

#define CONF_IS(in, want, wantcount, name) do { unsigned c_ = 99; char *res_ = conf(in, &c_); \
	is_str(res_, want, "config: %s", name); is_int(c_, wantcount, "config: %s: count", name); free(res_); } while (0)
#define LOG_IS(in, flags, want, name) do { char *res_ = logr(in, flags, NULL); \
	is_str(res_, want, "log: %s", name); free(res_); } while (0)

static void test_keys(void)
{
	ok(ct_redact_is_secret_key("password", 8), "password is secret");
	ok(ct_redact_is_secret_key("DB_PASS", 7), "DB_PASS is secret");
	ok(ct_redact_is_secret_key("api_token", 9), "api_token is secret");
	ok(ct_redact_is_secret_key("PrivateKeyFile", 14), "PrivateKeyFile is secret");
	ok(ct_redact_is_secret_key("shared_secret", 13), "shared_secret is secret");
	ok(!ct_redact_is_secret_key("passive", 7), "passive is not secret");
	ok(!ct_redact_is_secret_key("listen", 6), "listen is not secret");
	ok(!ct_redact_is_secret_key("notify", 6), "notify is not secret");
}

static void test_config(void)
{
	const char *plain =
		"# camtraced.conf\n"
		"listen = 0.0.0.0:2425\n"
		"notify = 198.18.2.255\n"
		"\n"
		"log_file = /var/log/camtraced.log\n";

	CONF_IS(plain, plain, 0, "non-secret lines untouched");
	CONF_IS("password = hunter2\n", "password = [REDACTED]\n", 1, "password = value");
	CONF_IS("  Password=hunter2\r\n", "  Password=[REDACTED]\r\n", 1, "CRLF and no blanks");
	CONF_IS("secret: \"s3 cr3t\"\n", "secret: \"[REDACTED]\"\n", 1, "quoted value keeps quotes");
	CONF_IS("# password = old-one\n", "# password = [REDACTED]\n", 1, "commented-out setting");
	CONF_IS("api_key abcdef0123\n", "api_key [REDACTED]\n", 1, "key value without separator");
	CONF_IS("upstream = http://admin:hunter2@198.18.1.10/list\n",
		"upstream = http://admin:[REDACTED]@198.18.1.10/list\n", 1, "URL credentials");
	CONF_IS("opts = user=bob password=hunter2 port=2425\n",
		"opts = user=bob password=[REDACTED] port=2425\n", 1, "inline password among others");
	CONF_IS("password =\n", "password =\n", 0, "empty value left alone");
	CONF_IS("-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\nabcdef\n-----END RSA PRIVATE KEY-----\nport = 1\n",
		"-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----\nport = 1\n",
		1, "PEM private key block");
	CONF_IS("group = sales\npassword = a\ntoken=b\n", "group = sales\npassword = [REDACTED]\ntoken=[REDACTED]\n",
		2, "two secrets, count 2");
	CONF_IS("no newline at end password=x", "no newline at end password=[REDACTED]", 1,
		"last line without newline");
}

static void test_log(void)
{
	const char *plain = "2026-11-24T15:00:01Z camtraced[42]: listening on 0.0.0.0:2425 (udp, tcp)\n";

	LOG_IS(plain, CT_REDACT_MESSAGES, plain, "ordinary line untouched");
	LOG_IS("recv 198.18.2.11: \"1:100:alice:pc1:288:Hello Bob, the code is 1234\\0\"\n",
		CT_REDACT_MESSAGES, "recv 198.18.2.11: \"1:100:alice:pc1:288:[REDACTED]\\0\"\n",
		"SENDMSG body (288 = SENDMSG|SENDCHECKOPT) redacted, up to the NUL");
	LOG_IS("recv 198.18.2.11: \"1:100:alice:pc1:288:Hello Bob, the code is 1234\\0\"\n",
		0, "recv 198.18.2.11: \"1:100:alice:pc1:288:Hello Bob, the code is 1234\\0\"\n",
		"SENDMSG body kept with --include-messages");
	LOG_IS("send 1_iptux 0.10.0:7:bob:pc2:1:Bob\\0sales\\0\n", CT_REDACT_MESSAGES,
		"send 1_iptux 0.10.0:7:bob:pc2:1:Bob\\0sales\\0\n", "BR_ENTRY nickname kept");
	LOG_IS("pkt 1:5:bob:pc2:32:secret plans\n", CT_REDACT_MESSAGES,
		"pkt 1:5:bob:pc2:32:[REDACTED]\n", "SENDMSG to end of line");
	LOG_IS("pkt 1:5:bob:pc2:81:Out for lunch\\x00\n", CT_REDACT_MESSAGES,
		"pkt 1:5:bob:pc2:81:[REDACTED]\\x00\n", "SENDABSENCEINFO redacted up to \\x00");
	LOG_IS("pkt 1:5:bob:pc2:33:100\n", CT_REDACT_MESSAGES, "pkt 1:5:bob:pc2:33:100\n",
		"RECVMSG packet number kept");
	LOG_IS("pkt 1:5:bob:pc2:2147483903:aHVudGVyMg==\n", 0,
		"pkt 1:5:bob:pc2:2147483903:[REDACTED]\n", "iptux ASKSHARED password always redacted");
	LOG_IS("msg from=alice text=\"Hi \\\"there\\\"\" len=12\n", CT_REDACT_MESSAGES,
		"msg from=alice text=\"[REDACTED]\" len=12\n", "quoted text= field");
	LOG_IS("{\"event\":\"message\",\"text\":\"Hello\",\"to\":\"bob\"}\n", CT_REDACT_MESSAGES,
		"{\"event\":\"message\",\"text\":\"[REDACTED]\",\"to\":\"bob\"}\n", "JSON text field");
	LOG_IS("body=rest of the line\n", CT_REDACT_MESSAGES, "body=[REDACTED]\n",
		"unquoted body= takes the rest of the line");
	LOG_IS("conf: password = hunter2 accepted\n", 0, "conf: password = [REDACTED] accepted\n",
		"password in a log line, even with --include-messages");
	LOG_IS("Authorization: Bearer abc.def.ghi\n", 0, "Authorization: [REDACTED]\n",
		"bearer token");
	LOG_IS("2026-11-24T15:00:01Z camtraced[9]: notice: message from alice@pc1 (198.18.1.11:2425): Lunch at noon?\n"
		"2026-11-24T15:00:02Z camtraced[9]: info: next\n", CT_REDACT_MESSAGES,
		"2026-11-24T15:00:01Z camtraced[9]: notice: message from alice@pc1 (198.18.1.11:2425): [REDACTED]\n"
		"2026-11-24T15:00:02Z camtraced[9]: info: next\n", "camtraced's 'message from' line");
	LOG_IS("camtraced: notice: message from bob@pc2 (198.18.2.12:2425): line one\nline two\n\nline four\n"
		"camtraced: info: after\n", CT_REDACT_MESSAGES,
		"camtraced: notice: message from bob@pc2 (198.18.2.12:2425): [REDACTED]\ncamtraced: info: after\n",
		"multi-line message: its next lines go too");
	LOG_IS("camtraced: notice: message from bob@pc2 (198.18.2.12:2425): hi\n", 0,
		"camtraced: notice: message from bob@pc2 (198.18.2.12:2425): hi\n", "'message from' kept with --include-messages");
	LOG_IS("time 12:30:45 up\n", CT_REDACT_MESSAGES, "time 12:30:45 up\n", "clock times untouched");
}

static void test_payload(void)
{
	uint8_t p[] = "1:100:alice:pc1:288:Hello\0" "1:report.txt:a:5f5e100:1:\a";
	uint8_t q[sizeof p];
	size_t n = sizeof p - 1;

	memcpy(q, p, sizeof p);
	is_int(ct_redact_ipmsg_payload(q, n, CT_REDACT_MESSAGES), 5, "payload: 5 text bytes changed");
	is_mem(q, n, "1:100:alice:pc1:288:xxxxx\0" "1:report.txt:a:5f5e100:1:\a", n,
		"payload: text is x, attachment list kept, length kept");
	memcpy(q, p, sizeof p);
	is_int(ct_redact_ipmsg_payload(q, n, 0), 0, "payload: kept without the flag");
	memcpy(q, "1:1:a:b:1:nick\0grp", 18);
	is_int(ct_redact_ipmsg_payload(q, 18, CT_REDACT_MESSAGES), 0, "payload: BR_ENTRY untouched");
	is_int(ct_redact_ipmsg_payload((uint8_t *)"hello", 5, CT_REDACT_MESSAGES), 0,
		"payload: not IP Messenger");
}

/* Internet checksum over a buffer (for verifying the recomputed UDP checksum). */
static unsigned csum(const uint8_t *p, size_t n, unsigned acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (unsigned)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (unsigned)(p[n - 1] << 8);
	while (acc >> 16)
		acc = (acc & 0xFFFF) + (acc >> 16);
	return acc;
}

static size_t build_udp4(uint8_t *pkt, unsigned sport, unsigned dport, const void *pl, size_t pln)
{
	/* Linux cooked v1 header (16) + IPv4 (20) + UDP (8) */
	uint8_t *ip = pkt + 16, *u = ip + 20;
	size_t ulen = 8 + pln, iplen = 20 + ulen;
	unsigned acc;

	memset(pkt, 0, 16 + iplen);
	pkt[14] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(iplen >> 8);
	ip[3] = (uint8_t)iplen;
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, "\xc6\x12\x02\x0b\xc6\x12\x01\x0a", 8); /* 198.18.2.11 -> 198.18.1.10 */
	u[0] = (uint8_t)(sport >> 8); u[1] = (uint8_t)sport;
	u[2] = (uint8_t)(dport >> 8); u[3] = (uint8_t)dport;
	u[4] = (uint8_t)(ulen >> 8); u[5] = (uint8_t)ulen;
	memcpy(u + 8, pl, pln);
	acc = csum(ip + 12, 8, 17 + (unsigned)ulen);
	acc = csum(u, ulen, acc);
	acc = ~acc & 0xFFFF;
	u[6] = (uint8_t)(acc >> 8);
	u[7] = (uint8_t)acc;
	return 16 + iplen;
}

static int udp4_sum_ok(const uint8_t *pkt)
{
	const uint8_t *ip = pkt + 16, *u = ip + 20;
	size_t ulen = (size_t)(u[4] << 8 | u[5]);

	return csum(u, ulen, csum(ip + 12, 8, 17 + (unsigned)ulen)) == 0xFFFF;
}

/* Linux cooked v1 + IPv4 + TCP (20-byte header) carrying pl; checksum left 0 (recomputed). */
static size_t build_tcp4(uint8_t *pkt, unsigned sport, unsigned dport, const void *pl, size_t pln)
{
	uint8_t *ip = pkt + 16, *t = ip + 20;
	size_t iplen = 40 + pln;

	memset(pkt, 0, 16 + iplen);
	pkt[14] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(iplen >> 8);
	ip[3] = (uint8_t)iplen;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\xc6\x12\x02\x0b\xc6\x12\x01\x0a", 8);
	t[0] = (uint8_t)(sport >> 8); t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8); t[3] = (uint8_t)dport;
	t[12] = 0x50;
	t[13] = 0x18;
	memcpy(t + 20, pl, pln);
	return 16 + iplen;
}

static int tcp4_sum_ok(const uint8_t *pkt)
{
	const uint8_t *ip = pkt + 16;
	size_t tlen = (size_t)(ip[2] << 8 | ip[3]) - 20;

	return csum(ip + 20, tlen, csum(ip + 12, 8, 6 + (unsigned)tlen)) == 0xFFFF;
}

static void test_tcp(void)
{
	uint8_t pkt[256];
	const char req[] = "1:9:bob:pc2:96:4d2:0:0:";
	size_t n;

	n = build_tcp4(pkt, 40000, 2425, req, sizeof req - 1);
	is_int(ct_redact_packet(pkt, n, n, 113, CT_REDACT_MESSAGES, 22224, 22229), 0,
		"tcp: GETFILEDATA request kept");
	n = build_tcp4(pkt, 2425, 40000, "PRIVATE FILE BYTES", 18);
	is_int(ct_redact_packet(pkt, n, n, 113, CT_REDACT_MESSAGES, 22224, 22229), 1, "tcp: file data changed");
	ok(memcmp(pkt + 16 + 40, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 18) == 0, "tcp: file data zeroed");
	ok(tcp4_sum_ok(pkt), "tcp: checksum recomputed");
	n = build_tcp4(pkt, 2425, 40000, "PRIVATE FILE BYTES", 18);
	is_int(ct_redact_packet(pkt, n, n, 113, 0, 22224, 22229), 0, "tcp: file data kept with --include-messages");
}

static void test_packet(void)
{
	uint8_t pkt[256];
	const char msg[] = "1:100:alice:pc1:288:Hello\0";
	uint8_t rtp[12 + 8] = { 0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 'v', 'o', 'i', 'c', 'e', '!', '!', '!' };
	size_t n;

	n = build_udp4(pkt, 2425, 2425, msg, sizeof msg - 1);
	ok(udp4_sum_ok(pkt), "packet: test packet has a good checksum");
	is_int(ct_redact_packet(pkt, n, n, 113, CT_REDACT_MESSAGES, 22224, 22229), 1, "packet: SENDMSG changed");
	ok(memcmp(pkt + 16 + 28, "1:100:alice:pc1:288:xxxxx", 25) == 0, "packet: SENDMSG text is x");
	ok(udp4_sum_ok(pkt), "packet: UDP checksum recomputed");
	n = build_udp4(pkt, 2425, 2425, msg, sizeof msg - 1);
	is_int(ct_redact_packet(pkt, n, n, 113, 0, 22224, 22229), 0, "packet: kept with --include-messages");
	n = build_udp4(pkt, 2425, 2425, msg, sizeof msg - 1);
	is_int(ct_redact_packet(pkt, n - 3, n, 113, CT_REDACT_MESSAGES, 22224, 22229), 1,
		"packet: truncated capture redacted too");
	ok(pkt[16 + 26] == 0 && pkt[16 + 27] == 0, "packet: truncated IPv4 UDP gets checksum 0 (none)");
	n = build_udp4(pkt, 22224, 22226, rtp, sizeof rtp);
	is_int(ct_redact_packet(pkt, n, n, 113, CT_REDACT_MESSAGES, 22224, 22229), 1, "packet: RTP changed");
	ok(memcmp(pkt + 16 + 28, rtp, 12) == 0, "packet: RTP header kept");
	ok(memcmp(pkt + 16 + 40, "\0\0\0\0\0\0\0\0", 8) == 0, "packet: RTP media zeroed");
	ok(udp4_sum_ok(pkt), "packet: RTP checksum recomputed");
	n = build_udp4(pkt, 5353, 5353, msg, sizeof msg - 1);
	is_int(ct_redact_packet(pkt, n, n, 113, CT_REDACT_MESSAGES, 22224, 22229), 0,
		"packet: other ports untouched");
	is_int(ct_redact_packet(pkt, 10, 10, 113, CT_REDACT_MESSAGES, 22224, 22229), 0,
		"packet: runt ignored");
	is_int(ct_redact_packet(pkt, n, n, 9999, CT_REDACT_MESSAGES, 22224, 22229), 0,
		"packet: unknown link type ignored");
}

int main(void)
{
	test_keys();
	test_config();
	test_log();
	test_payload();
	test_packet();
	test_tcp();
	return tap_done();
}
