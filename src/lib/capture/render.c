/* sniff-out.c: text and NDJSON rendering of decoded packets, matches and counters, with no per-packet malloc. */
#include "config.h"
#include <sys/socket.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "json.h"
#include "render.h"

#define SO_CHUNK (256 * 1024)

void so_init(struct sniff_out *so, int fd, int json)
{
	memset(so, 0, sizeof *so);
	so_grow(so, SO_CHUNK + 65536);
	so->fd = fd;
	so->json = json;
	so->tsec = -1;
}

void so_fini(struct sniff_out *so)
{
	so_flush(so, 1);
	free(so->p);
	so->p = NULL;
	so->len = so->cap = 0;
}

void so_flush(struct sniff_out *so, int force)
{
	size_t off = 0;

	if (so->fd < 0 || (!force && so->len < SO_CHUNK))
		return; /* no descriptor: the caller reads the buffer (tests, fuzzing) */
	while (off < so->len && !so->write_error) {
		ssize_t w = write(so->fd, so->p + off, so->len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			so->write_error = errno;
			break;
		}
		off += (size_t)w;
	}
	so->len = 0;
}

int so_grow(struct sniff_out *so, size_t n)
{
	size_t ncap = so->cap ? so->cap : 4096;
	char *np;

	if (so->oom)
		return -1;
	while (ncap - so->len < n)
		ncap *= 2;
	if (!(np = realloc(so->p, ncap))) {
		so->oom = 1;
		return -1;
	}
	so->p = np;
	so->cap = ncap;
	return 0;
}

#define putc_ so_putc

void so_put_u64(struct sniff_out *so, uint64_t v)
{
	static const char d2[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";
	static const uint64_t p10[] = { 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull };
	size_t n = 1;
	char *p;

	/* digits written in place, right to left: no staging copy */
	while (n <= 12 && v >= p10[n - 1])
		n++;
	for (uint64_t t = v / 10000000000000ull; n > 12 && t >= 1; t /= 10)
		n++;
	if (so->cap - so->len < n && so_grow(so, n) != 0)
		return;
	p = so->p + so->len + n;
	so->len += n;
	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		p -= 2;
		p[0] = d2[2 * r];
		p[1] = d2[2 * r + 1];
	}
	if (v >= 10) {
		p[-2] = d2[2 * v];
		p[-1] = d2[2 * v + 1];
	} else {
		p[-1] = (char)('0' + v);
	}
}

void so_put_i64(struct sniff_out *so, int64_t v)
{
	if (v < 0) {
		putc_(so, '-');
		so_put_u64(so, (uint64_t)0 - (uint64_t)v);
	} else {
		so_put_u64(so, (uint64_t)v);
	}
}

static void put_hex(struct sniff_out *so, uint32_t v, int width)
{
	static const char hx[] = "0123456789abcdef";
	char t[8];

	for (int i = 7; i >= 0; i--) {
		t[i] = hx[v & 15];
		v >>= 4;
	}
	so_put(so, "0x", 2);
	so_put(so, t + 8 - width, (size_t)width);
}

void so_put_fixed(struct sniff_out *so, double v, int decimals)
{
	char t[48];
	int n;

	if (isfinite(v) && v >= 0 && v < 1e12 && decimals >= 0 && decimals <= 6) {
		/* the common case without printf: integer part, then rounded decimals */
		static const uint64_t p10[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
		uint64_t scaled = (uint64_t)(v * (double)p10[decimals] + 0.5), ip = scaled / p10[decimals];
		uint64_t fp = scaled % p10[decimals];
		so_put_u64(so, ip);
		if (decimals) {
			putc_(so, '.');
			for (int i = decimals - 1; i >= 0; i--) {
				t[i] = (char)('0' + fp % 10);
				fp /= 10;
			}
			so_put(so, t, (size_t)decimals);
		}
		return;
	}
	if (!isfinite(v)) {
		so_put(so, "null", 4);
		return;
	}
	n = snprintf(t, sizeof t, "%.*f", decimals, v);
	if (n > 0)
		so_put(so, t, (size_t)n < sizeof t ? (size_t)n : sizeof t - 1);
}

static void pad2(char *o, int v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
}

void so_put_time(struct sniff_out *so, int64_t sec, uint32_t nsec, int iso)
{
	char frac[8];
	uint32_t us = nsec / 1000;

	if (sec != so->tsec) {
		struct tm tm;
		time_t t = (time_t)sec;
		gmtime_r(&t, &tm);
		pad2(so->hms, tm.tm_hour);
		so->hms[2] = ':';
		pad2(so->hms + 3, tm.tm_min);
		so->hms[5] = ':';
		pad2(so->hms + 6, tm.tm_sec);
		so->hms[8] = '\0';
		snprintf(so->iso, sizeof so->iso, "%04d-%02d-%02dT%s", tm.tm_year + 1900, tm.tm_mon + 1,
			tm.tm_mday, so->hms);
		so->tsec = sec;
	}
	frac[0] = '.';
	for (int i = 6; i >= 1; i--) {
		frac[i] = (char)('0' + us % 10);
		us /= 10;
	}
	so_puts(so, iso ? so->iso : so->hms);
	so_put(so, frac, 7);
	if (iso)
		putc_(so, 'Z');
}

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid (json.h does the checking). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	for (size_t l = 2; l <= 4 && l <= n; l++)
		if (ct_utf8_valid((const char *)s, l))
			return l;
	return 0;
}

static void put_esc(struct sniff_out *so, unsigned char c, int json)
{
	static const char hx[] = "0123456789abcdef";
	char t[7] = { '\\', 'x', hx[c >> 4], hx[c & 15] };

	if (json) {
		/* the four characters \xNN, spelled with an escaped backslash */
		so_put(so, "\\\\x", 3);
		so_put(so, t + 2, 2);
		return;
	}
	so_put(so, t, 4);
}

/* Bytes copied as they are: printable ASCII other than '"' and '\\'. */
static const unsigned char plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5B] = 1, [0x5D ... 0x7E] = 1,
};

static void put_escaped(struct sniff_out *so, const char *s, size_t n, int json)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t l;
		if (plain[c]) {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80 && (l = utf8_len(p + i, n - i)) > 0) {
			i += l;
			run += l;
			continue;
		}
		so_put(so, (const char *)p + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			if (json) {
				putc_(so, '\\');
				putc_(so, (char)c);
			} else if (c == '"') {
				so_put(so, "\\\"", 2);
			} else {
				so_put(so, "\\\\", 2);
			}
		} else if (c == '\n') {
			so_put(so, "\\n", 2);
		} else if (c == '\t') {
			so_put(so, "\\t", 2);
		} else if (c == '\r') {
			so_put(so, "\\r", 2);
		} else if (json && c < 0x20) {
			char t[8];
			snprintf(t, sizeof t, "\\u%04x", c);
			so_put(so, t, 6);
		} else {
			put_esc(so, c, json);
		}
		i++;
	}
	so_put(so, (const char *)p + i - run, run);
}

void so_put_text(struct sniff_out *so, const char *s, size_t n) { put_escaped(so, s, n, 0); }

void so_put_jstr(struct sniff_out *so, const char *s, size_t n)
{
	putc_(so, '"');
	put_escaped(so, s, n, 1);
	putc_(so, '"');
}

static void put_addr(struct sniff_out *so, int af, const uint8_t *a)
{
	char t[48];
	int n = ct_ip_ntop(af, a, t);
	so_put(so, t, (size_t)n);
}

/* "198.18.1.10:2425" or "[2001:2::10]:2425" */
static void put_ep(struct sniff_out *so, int af, const uint8_t *a, int port)
{
	if (af == AF_INET6 && port >= 0)
		putc_(so, '[');
	put_addr(so, af, a);
	if (port >= 0) {
		if (af == AF_INET6)
			putc_(so, ']');
		putc_(so, ':');
		so_put_u64(so, (uint64_t)port);
	}
}

static const char *l4_name(uint8_t p)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmp6";
	default: return "ip";
	}
}

static int has_ports(const struct ct_dpkt *pk)
{
	return (pk->l4 == 6 || pk->l4 == 17) && (pk->sport || pk->dport) &&
		!(pk->kind == CT_DK_FRAG && pk->ip.frag_off != 0);
}

static void jstr(struct sniff_out *so, const char *key, const char *v)
{
	so_jkey(so, key, 0);
	so_put_jstr(so, v, strlen(v));
}

static void jnum(struct sniff_out *so, const char *key, int64_t v)
{
	so_jkey(so, key, 0);
	so_put_i64(so, v);
}

static void jbool(struct sniff_out *so, const char *key, int v)
{
	so_jkey(so, key, 0);
	so_puts(so, v ? "true" : "false");
}

/* ---------- text ---------- */

static void text_ipmsg(struct sniff_out *so, const struct ct_dpkt *pk, const struct ct_dipmsg *im)
{
	if (pk->kind == CT_DK_TCP) {
		char f[8];
		ct_tcp_flags_str(pk->tcp.flags, f);
		so_puts(so, "TCP ");
		so_puts(so, f);
		putc_(so, ' ');
	}
	if (im->status != 0) {
		so_puts(so, im->ipdict ? "IPDICT " : "MALFORMED IPMsg (");
		if (!im->ipdict) {
			so_puts(so, im->why);
			so_put(so, ") \"", 3);
			so_put_text(so, (const char *)pk->app, pk->app_len < 48 ? pk->app_len : 48);
			so_puts(so, pk->app_len > 48 ? "\"... " : "\" ");
		}
		so_put_u64(so, pk->app_wire);
		so_puts(so, " bytes");
		return;
	}
	so_put(so, im->cmd.p, im->cmd.len);
	so_puts(so, " #");
	so_put_u64(so, im->m.packetno);
	putc_(so, ' ');
	so_put_text(so, im->user.p ? im->user.p : "", im->user.len);
	putc_(so, '@');
	so_put_text(so, im->host.p ? im->host.p : "", im->host.len);
	if (im->has_nick) {
		so_put(so, " \"", 2);
		so_put_text(so, im->nick.p ? im->nick.p : "", im->nick.len);
		so_put(so, "\"/\"", 3);
		so_put_text(so, im->group.p ? im->group.p : "", im->group.len);
		putc_(so, '"');
	}
	for (size_t i = 0; i < im->nitem; i++) {
		const struct ct_ditem *it = &im->item[i];
		putc_(so, ' ');
		so_puts(so, it->key);
		putc_(so, '=');
		if (it->is_str) {
			putc_(so, '"');
			so_put_text(so, ct_ditem_str(im, it), it->len);
			putc_(so, '"');
		} else {
			so_put_i64(so, it->num);
		}
	}
	if (pk->app_wire > pk->app_len)
		so_puts(so, " (cut off by the capture)");
}

/* "58 pkts lost 2 (3.3%) reordered 1 jitter 2.67 ms" (with expected when full). */
static void rtp_figures(struct sniff_out *so, const struct ct_rtp_stream *s, int full)
{
	so_put_u64(so, s->packets);
	so_puts(so, " pkts");
	if (full) {
		so_puts(so, ", expected ");
		so_put_u64(so, ct_rtp_stream_expected(s));
		putc_(so, ',');
	}
	so_puts(so, " lost ");
	so_put_i64(so, ct_rtp_stream_lost(s));
	so_puts(so, " (");
	so_put_fixed(so, ct_rtp_stream_loss_pct(s), 1);
	so_puts(so, full ? "%), reordered " : "%) reordered ");
	so_put_u64(so, s->reordered);
	so_puts(so, full ? ", jitter " : " jitter ");
	so_put_fixed(so, ct_rtp_stream_jitter_ms(s), 2);
	so_puts(so, " ms");
}

static void text_rtp(struct sniff_out *so, const struct ct_dpkt *pk, const struct ct_rtp_stream *rs)
{
	const struct ct_rtp *r = &pk->rtp;
	const char *n;

	if (r->rtcp) {
		so_puts(so, "RTCP ");
		so_puts(so, ct_rtcp_name(r->pt));
		so_puts(so, " ssrc ");
		put_hex(so, r->ssrc, 8);
		so_puts(so, " len ");
		so_put_u64(so, pk->app_wire);
		return;
	}
	so_puts(so, "RTP pt ");
	so_put_u64(so, r->pt);
	if ((n = ct_rtp_pt_name(r->pt))) {
		so_put(so, " (", 2);
		so_puts(so, n);
		putc_(so, ')');
	}
	so_puts(so, " ssrc ");
	put_hex(so, r->ssrc, 8);
	so_puts(so, " seq ");
	so_put_u64(so, r->seq);
	so_puts(so, " ts ");
	so_put_u64(so, r->ts);
	so_puts(so, " len ");
	so_put_u64(so, r->pl_len);
	if (r->marker)
		so_puts(so, " M");
	if (rs) {
		so_puts(so, " | stream ");
		rtp_figures(so, rs, 0);
	}
}

static void text_icmp(struct sniff_out *so, const struct ct_dpkt *pk)
{
	const struct ct_icmp *ic = &pk->icmp;

	so_puts(so, ic->af == AF_INET ? "ICMP " : "ICMP6 ");
	so_puts(so, ct_decode_icmp_name(ic));
	so_put(so, " (", 2);
	so_put_u64(so, ic->type);
	putc_(so, '/');
	so_put_u64(so, ic->code);
	putc_(so, ')');
	if (ic->mtu) {
		so_puts(so, " mtu ");
		so_put_u64(so, ic->mtu);
	}
	if (ic->type == (ic->af == AF_INET ? 8 : 128) || ic->type == (ic->af == AF_INET ? 0 : 129)) {
		so_puts(so, " id ");
		so_put_u64(so, ic->echo_id);
		so_puts(so, " seq ");
		so_put_u64(so, ic->echo_seq);
	}
	if (ic->has_quote) {
		so_puts(so, " about ");
		so_puts(so, ic->q_proto == 17 ? "UDP " : ic->q_proto == 6 ? "TCP " : "IP ");
		put_ep(so, ic->q_af, ic->q_src, ic->q_ports ? ic->q_sport : -1);
		so_puts(so, " -> ");
		put_ep(so, ic->q_af, ic->q_dst, ic->q_ports ? ic->q_dport : -1);
	}
}

static void text_match(struct sniff_out *so, const struct ct_mres *mr)
{
	char nb[8];

	if (mr->answered) {
		so_puts(so, mr->refused ? " [refuses " : " [answers ");
		so_put_u64(so, mr->req_frame);
		putc_(so, ' ');
		so_puts(so, ct_match_mode_name(mr->req_mode, nb));
		so_puts(so, " in ");
		so_put_fixed(so, (double)mr->latency_ns / 1e6, 3);
		so_puts(so, " ms");
		if (mr->retries) {
			so_puts(so, " after ");
			so_put_u64(so, mr->retries);
			so_puts(so, mr->retries == 1 ? " retry" : " retries");
		}
		if (mr->refused && !mr->icmp)
			so_puts(so, mr->req_mode == CT_MATCH_TCP_SYN ? ": reset" : ": closed without data");
		putc_(so, ']');
	} else if (mr->retransmission) {
		so_puts(so, " [retransmission]");
	} else if (mr->copy) {
		so_puts(so, " [same packet to another address]");
	}
}

static void text_packet(struct sniff_out *so, const struct ct_dpkt *pk, const struct ct_dipmsg *im,
	const struct ct_mres *mr, const struct ct_rtp_stream *rs)
{
	int ports = has_ports(pk);

	so_put_u64(so, pk->frame);
	putc_(so, ' ');
	so_put_time(so, pk->ts_sec, pk->ts_nsec, 0);
	putc_(so, ' ');
	if (pk->ip.af) {
		put_ep(so, pk->ip.af, pk->ip.src, ports ? pk->sport : -1);
		so_puts(so, " -> ");
		put_ep(so, pk->ip.af, pk->ip.dst, ports ? pk->dport : -1);
		putc_(so, ' ');
	}
	switch (pk->kind) {
	case CT_DK_IPMSG:
		text_ipmsg(so, pk, im);
		break;
	case CT_DK_TCP:
		if (im) {
			text_ipmsg(so, pk, im);
		} else {
			char f[8];
			ct_tcp_flags_str(pk->tcp.flags, f);
			so_puts(so, "TCP ");
			so_puts(so, f);
			so_puts(so, " seq ");
			so_put_u64(so, pk->tcp.seq);
			if (pk->tcp.flags & CT_TCP_ACK) {
				so_puts(so, " ack ");
				so_put_u64(so, pk->tcp.ack);
			}
			so_puts(so, " len ");
			so_put_u64(so, pk->app_wire);
		}
		break;
	case CT_DK_RTP:
	case CT_DK_RTCP:
		text_rtp(so, pk, rs);
		break;
	case CT_DK_ICMP:
		text_icmp(so, pk);
		break;
	case CT_DK_FRAG:
		so_puts(so, pk->ip.af == AF_INET ? "IPv4 fragment id " : "IPv6 fragment id ");
		put_hex(so, pk->ip.id, pk->ip.af == AF_INET ? 4 : 8);
		so_puts(so, " offset ");
		so_put_u64(so, pk->ip.frag_off);
		so_puts(so, " len ");
		so_put_u64(so, pk->ip.pl_wire);
		so_puts(so, pk->ip.frag_more ? " (more follow)" : " (last)");
		break;
	case CT_DK_UDP:
		so_puts(so, "UDP len ");
		so_put_u64(so, pk->app_wire);
		break;
	case CT_DK_OTHER:
		so_puts(so, pk->l4 == 6 ? "TCP len " : "IP proto ");
		if (pk->l4 != 6) {
			so_put_u64(so, pk->l4);
			so_puts(so, " len ");
			so_put_u64(so, pk->ip.pl_wire);
		} else {
			so_put_u64(so, pk->app_wire);
		}
		break;
	case CT_DK_NONIP:
		so_puts(so, "non-IP frame");
		if (pk->link.ethertype) {
			so_puts(so, " (ethertype ");
			put_hex(so, pk->link.ethertype, 4);
			putc_(so, ')');
		}
		so_puts(so, " len ");
		so_put_u64(so, pk->len);
		break;
	case CT_DK_BAD:
		so_puts(so, "MALFORMED ");
		so_puts(so, pk->bad ? pk->bad : "packet");
		so_puts(so, " (len ");
		so_put_u64(so, pk->len);
		putc_(so, ')');
		break;
	}
	if (pk->ip.frag == 2) {
		so_puts(so, " [reassembled from ");
		so_put_u64(so, pk->ip.frag_count);
		so_puts(so, " fragments]");
	}
	if (pk->fwd_of) {
		so_puts(so, " [forwarded copy of ");
		so_put_u64(so, pk->fwd_of);
		putc_(so, ']');
	}
	if (mr)
		text_match(so, mr);
	putc_(so, '\n');
}

/* ---------- NDJSON ---------- */

static void json_ipmsg(struct sniff_out *so, const struct ct_dpkt *pk, const struct ct_dipmsg *im)
{
	so_jkey(so, "ipmsg", 0);
	if (im->status != 0) {
		so_puts(so, "{\"valid\":false");
		jstr(so, "error", im->why ? im->why : "unparseable");
		jbool(so, "ipdict", im->ipdict);
		so_jkey(so, "head", 0);
		so_put_jstr(so, (const char *)pk->app, pk->app_len < 64 ? pk->app_len : 64);
		putc_(so, '}');
		return;
	}
	so_puts(so, "{\"valid\":true");
	so_jkey(so, "command", 0);
	so_put_jstr(so, im->cmd.p, im->cmd.len);
	jstr(so, "mode", ct_codec_cmd_name(im->m.mode) ? ct_codec_cmd_name(im->m.mode) : "unknown");
	jnum(so, "command_word", im->m.command);
	jnum(so, "packetno", im->m.packetno);
	so_jkey(so, "version", 0);
	so_put_jstr(so, im->m.version.p, im->m.version.len);
	so_jkey(so, "user", 0);
	so_put_jstr(so, im->user.p ? im->user.p : "", im->user.len);
	so_jkey(so, "host", 0);
	so_put_jstr(so, im->host.p ? im->host.p : "", im->host.len);
	so_jkey(so, "nick", 0);
	if (im->has_nick)
		so_put_jstr(so, im->nick.p ? im->nick.p : "", im->nick.len);
	else
		so_puts(so, "null");
	so_jkey(so, "group", 0);
	if (im->has_nick)
		so_put_jstr(so, im->group.p ? im->group.p : "", im->group.len);
	else
		so_puts(so, "null");
	jstr(so, "charset", im->charset ? im->charset : "ascii");
	jnum(so, "length", im->m.len);
	jbool(so, "cut_off", pk->app_wire > pk->app_len);
	so_jkey(so, "body", 0);
	putc_(so, '{');
	for (size_t i = 0; i < im->nitem; i++) {
		const struct ct_ditem *it = &im->item[i];
		so_jkey(so, it->key, i == 0);
		if (it->is_str)
			so_put_jstr(so, ct_ditem_str(im, it), it->len);
		else
			so_put_i64(so, it->num);
	}
	so_put(so, "}}", 2);
}

static void json_packet(struct sniff_out *so, const struct ct_dpkt *pk, const struct ct_dipmsg *im,
	const struct ct_mres *mr, const struct ct_rtp_stream *rs)
{
	char nb[8];

	so_puts(so, "{\"type\":\"packet\",\"frame\":");
	so_put_u64(so, pk->frame);
	so_puts(so, ",\"time\":\"");
	so_put_time(so, pk->ts_sec, pk->ts_nsec, 1);
	so_puts(so, "\",\"ts\":");
	so_put_i64(so, pk->ts_sec);
	putc_(so, '.');
	{
		char t[10];
		uint32_t ns = pk->ts_nsec;
		for (int i = 8; i >= 0; i--) {
			t[i] = (char)('0' + ns % 10);
			ns /= 10;
		}
		so_put(so, t, 9);
	}
	jnum(so, "len", pk->len);
	jnum(so, "caplen", pk->caplen);
	jstr(so, "kind", ct_dkind_name(pk->kind));
	if (pk->ip.af) {
		jnum(so, "ip_version", pk->ip.af == AF_INET6 ? 6 : 4);
		jstr(so, "proto", l4_name(pk->l4));
		so_jkey(so, "src", 0);
		putc_(so, '"');
		put_addr(so, pk->ip.af, pk->ip.src);
		putc_(so, '"');
		so_jkey(so, "dst", 0);
		putc_(so, '"');
		put_addr(so, pk->ip.af, pk->ip.dst);
		putc_(so, '"');
		if (has_ports(pk)) {
			jnum(so, "sport", pk->sport);
			jnum(so, "dport", pk->dport);
		}
	}
	if (pk->bad)
		jstr(so, "malformed", pk->bad);
	if (pk->ip.frag == 2)
		jnum(so, "reassembled_fragments", pk->ip.frag_count);
	if (pk->fwd_of)
		jnum(so, "forwarded_copy_of", (int64_t)pk->fwd_of);
	switch (pk->kind) {
	case CT_DK_FRAG:
		so_puts(so, ",\"fragment\":{\"id\":");
		so_put_u64(so, pk->ip.id);
		jnum(so, "offset", pk->ip.frag_off);
		jnum(so, "len", pk->ip.pl_wire);
		jbool(so, "more", pk->ip.frag_more);
		putc_(so, '}');
		break;
	case CT_DK_TCP:
		so_puts(so, ",\"tcp\":{\"flags\":\"");
		{
			char f[8];
			ct_tcp_flags_str(pk->tcp.flags, f);
			so_puts(so, f);
		}
		putc_(so, '"');
		jnum(so, "seq", pk->tcp.seq);
		jnum(so, "ack", pk->tcp.ack);
		jnum(so, "len", pk->app_wire);
		putc_(so, '}');
		break;
	case CT_DK_RTP:
	case CT_DK_RTCP:
		so_puts(so, pk->rtp.rtcp ? ",\"rtcp\":{\"type\":\"" : ",\"rtp\":{\"pt\":");
		if (pk->rtp.rtcp) {
			so_puts(so, ct_rtcp_name(pk->rtp.pt));
			putc_(so, '"');
			jnum(so, "ssrc", pk->rtp.ssrc);
			putc_(so, '}');
			break;
		}
		so_put_u64(so, pk->rtp.pt);
		jnum(so, "ssrc", pk->rtp.ssrc);
		jnum(so, "seq", pk->rtp.seq);
		jnum(so, "timestamp", pk->rtp.ts);
		jbool(so, "marker", pk->rtp.marker);
		jnum(so, "payload_len", pk->rtp.pl_len);
		if (rs) {
			jnum(so, "stream_packets", (int64_t)rs->packets);
			jnum(so, "stream_lost", ct_rtp_stream_lost(rs));
			jnum(so, "stream_reordered", (int64_t)rs->reordered);
			so_jkey(so, "stream_jitter_ms", 0);
			so_put_fixed(so, ct_rtp_stream_jitter_ms(rs), 3);
		}
		putc_(so, '}');
		break;
	case CT_DK_ICMP: {
		const struct ct_icmp *ic = &pk->icmp;
		so_puts(so, ",\"icmp\":{\"type\":");
		so_put_u64(so, ic->type);
		jnum(so, "code", ic->code);
		jstr(so, "name", ct_decode_icmp_name(ic));
		jbool(so, "error", ic->is_error);
		if (ic->mtu)
			jnum(so, "mtu", ic->mtu);
		if (ic->has_quote) {
			so_puts(so, ",\"quoted\":{\"proto\":");
			so_put_u64(so, ic->q_proto);
			so_puts(so, ",\"src\":\"");
			put_addr(so, ic->q_af, ic->q_src);
			so_puts(so, "\",\"dst\":\"");
			put_addr(so, ic->q_af, ic->q_dst);
			putc_(so, '"');
			if (ic->q_ports) {
				jnum(so, "sport", ic->q_sport);
				jnum(so, "dport", ic->q_dport);
			}
			putc_(so, '}');
		}
		putc_(so, '}');
		break;
	}
	case CT_DK_NONIP:
		jnum(so, "ethertype", pk->link.ethertype);
		break;
	default:
		break;
	}
	if (im && (pk->kind == CT_DK_IPMSG || pk->kind == CT_DK_TCP))
		json_ipmsg(so, pk, im);
	if (mr && (mr->answered || mr->retransmission || mr->is_request || mr->copy)) {
		so_puts(so, ",\"match\":{\"request\":");
		so_puts(so, mr->is_request ? "true" : "false");
		jbool(so, "retransmission", mr->retransmission);
		jbool(so, "copy", mr->copy);
		if (mr->answered) {
			jnum(so, "answers_frame", (int64_t)mr->req_frame);
			jstr(so, "answers", ct_match_mode_name(mr->req_mode, nb));
			so_jkey(so, "latency_ms", 0);
			so_put_fixed(so, (double)mr->latency_ns / 1e6, 3);
			jnum(so, "retries", mr->retries);
			jbool(so, "refused", mr->refused);
		}
		putc_(so, '}');
	}
	so_put(so, "}\n", 2);
}

void so_packet(struct sniff_out *so, const struct ct_dpkt *pk, const struct ct_dipmsg *im,
	const struct ct_mres *mr, const struct ct_rtp_stream *rs)
{
	if (so->json)
		json_packet(so, pk, im, mr, rs);
	else
		text_packet(so, pk, im, mr, rs);
	so_flush(so, 0);
}

void so_unanswered(struct sniff_out *so, const struct ct_unans *u)
{
	char s[512], nb[8], nb2[8];
	int n = ct_match_sentence(u, s, sizeof s);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof s)
		n = sizeof s - 1;
	if (!so->json) {
		/* '!' = silent past the timeout; '?' = the capture ended before the timeout ran out */
		so_puts(so, u->at_end ? "? " : "! ");
		so_put_u64(so, u->frame);
		putc_(so, ' ');
		so_put_time(so, u->ts_ns / 1000000000, (uint32_t)(u->ts_ns % 1000000000), 0);
		putc_(so, ' ');
		so_put_text(so, s, (size_t)n);
		putc_(so, '\n');
		return;
	}
	so_puts(so, "{\"type\":\"unanswered\",\"frame\":");
	so_put_u64(so, u->frame);
	so_puts(so, ",\"time\":\"");
	so_put_time(so, u->ts_ns / 1000000000, (uint32_t)(u->ts_ns % 1000000000), 1);
	putc_(so, '"');
	jstr(so, "request", ct_match_mode_name(u->mode, nb));
	jstr(so, "expected", u->tcp && u->want == CT_MATCH_TCP_SYN ? "TCP_SYN_ACK" : ct_match_mode_name(u->want, nb2));
	jstr(so, "transport", u->tcp ? "tcp" : "udp");
	so_puts(so, ",\"src\":\"");
	put_addr(so, u->af, u->src);
	so_puts(so, "\",\"dst\":\"");
	put_addr(so, u->af, u->dst);
	putc_(so, '"');
	jbool(so, "group", u->dst_group);
	jnum(so, "packetno", u->packetno);
	jnum(so, "retries", u->retries);
	so_jkey(so, "waited_s", 0);
	so_put_fixed(so, u->waited_s, 3);
	jbool(so, "capture_ended", u->at_end);
	so_jkey(so, "message", 0);
	so_put_jstr(so, s, (size_t)n);
	so_put(so, "}\n", 2);
}

/* ---------- counters ---------- */

static void peer_cb(const struct ct_peer *p, void *ud)
{
	struct sniff_out *so = ud;
	char nb[8];

	if (so->json) {
		so_puts(so, "{\"type\":\"peer\",\"addr\":\"");
		put_addr(so, p->af, p->addr);
		putc_(so, '"');
		jnum(so, "tx_packets", (int64_t)p->tx_pkts);
		jnum(so, "tx_bytes", (int64_t)p->tx_bytes);
		jnum(so, "rx_packets", (int64_t)p->rx_pkts);
		jnum(so, "rx_bytes", (int64_t)p->rx_bytes);
		jnum(so, "answered", (int64_t)p->answered);
		jnum(so, "unanswered", (int64_t)p->unanswered);
		so_puts(so, ",\"commands\":[");
		for (size_t i = 0; i < p->ncmd; i++) {
			const struct ct_peer_cmd *c = &p->cmd[i];
			if (i)
				putc_(so, ',');
			so_puts(so, "{\"command\":\"");
			so_puts(so, ct_match_mode_name(c->mode, nb));
			putc_(so, '"');
			jnum(so, "tx_packets", (int64_t)c->tx_pkts);
			jnum(so, "tx_bytes", (int64_t)c->tx_bytes);
			jnum(so, "rx_packets", (int64_t)c->rx_pkts);
			jnum(so, "rx_bytes", (int64_t)c->rx_bytes);
			putc_(so, '}');
		}
		so_put(so, "]}\n", 3);
		return;
	}
	so_puts(so, "  ");
	put_addr(so, p->af, p->addr);
	so_puts(so, "  sent ");
	so_put_u64(so, p->tx_pkts);
	putc_(so, '/');
	so_put_u64(so, p->tx_bytes);
	so_puts(so, "  received ");
	so_put_u64(so, p->rx_pkts);
	putc_(so, '/');
	so_put_u64(so, p->rx_bytes);
	so_puts(so, "  answered ");
	so_put_u64(so, p->answered);
	so_puts(so, "  unanswered ");
	so_put_u64(so, p->unanswered);
	putc_(so, '\n');
	for (size_t i = 0; i < p->ncmd; i++) {
		const struct ct_peer_cmd *c = &p->cmd[i];
		so_puts(so, "      ");
		so_puts(so, ct_match_mode_name(c->mode, nb));
		so_puts(so, "  sent ");
		so_put_u64(so, c->tx_pkts);
		putc_(so, '/');
		so_put_u64(so, c->tx_bytes);
		so_puts(so, "  received ");
		so_put_u64(so, c->rx_pkts);
		putc_(so, '/');
		so_put_u64(so, c->rx_bytes);
		putc_(so, '\n');
	}
}

void so_peers(struct sniff_out *so, const struct ct_match *m, int64_t ts_sec)
{
	if (!so->json) {
		so_puts(so, "peers at ");
		so_put_time(so, ts_sec, 0, 1);
		so_puts(so, " (packets/bytes sent by the peer, and sent to it): ");
		so_put_u64(so, ct_match_peer_count(m));
		putc_(so, '\n');
	}
	ct_match_peers(m, peer_cb, so);
	so_flush(so, 1);
}

static void rtp_cb(const struct ct_rtp_stream *s, void *ud)
{
	struct sniff_out *so = ud;
	const char *n = ct_rtp_pt_name(s->pt);

	if (so->json) {
		so_puts(so, "{\"type\":\"rtp_stream\",\"src\":\"");
		put_addr(so, s->af, s->src);
		so_puts(so, "\",\"dst\":\"");
		put_addr(so, s->af, s->dst);
		putc_(so, '"');
		jnum(so, "sport", s->sport);
		jnum(so, "dport", s->dport);
		jnum(so, "ssrc", s->ssrc);
		jnum(so, "pt", s->pt);
		jnum(so, "clock_hz", s->clock);
		jnum(so, "packets", (int64_t)s->packets);
		jnum(so, "bytes", (int64_t)s->bytes);
		jnum(so, "expected", (int64_t)ct_rtp_stream_expected(s));
		jnum(so, "lost", ct_rtp_stream_lost(s));
		so_jkey(so, "loss_pct", 0);
		so_put_fixed(so, ct_rtp_stream_loss_pct(s), 2);
		jnum(so, "reordered", (int64_t)s->reordered);
		jnum(so, "resyncs", (int64_t)s->resyncs);
		so_jkey(so, "jitter_ms", 0);
		so_put_fixed(so, ct_rtp_stream_jitter_ms(s), 3);
		so_put(so, "}\n", 2);
		return;
	}
	so_puts(so, "  ");
	put_ep(so, s->af, s->src, s->sport);
	so_puts(so, " -> ");
	put_ep(so, s->af, s->dst, s->dport);
	so_puts(so, " ssrc ");
	put_hex(so, s->ssrc, 8);
	so_puts(so, " pt ");
	so_put_u64(so, s->pt);
	if (n) {
		so_put(so, " (", 2);
		so_puts(so, n);
		putc_(so, ')');
	}
	putc_(so, ' ');
	rtp_figures(so, s, 1);
	putc_(so, '\n');
}

void so_rtp_streams(struct sniff_out *so, const struct ct_rtpstat *st)
{
	if (!so->json) {
		so_puts(so, "rtp streams: ");
		so_put_u64(so, st->n);
		putc_(so, '\n');
	}
	ct_rtpstat_foreach(st, rtp_cb, so);
	so_flush(so, 1);
}
