/* t-trace.c: the engine's trace pipeline and renderer: a recorded capture gives sniff's golden lines, through a descriptor-style buffer and through a per-line sink alike. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture.h"
#include "json.h"
#include "jsonw.h"
#include "outbuf.h"
#include "render.h"
#include "trace.h"
#include "tap.h"

struct lines {
	char *p;
	size_t len, n;
};

static void on_line(const char *line, size_t len, void *ud)
{
	struct lines *l = ud;
	char *np = realloc(l->p, l->len + len + 1);

	if (!np)
		abort();
	l->p = np;
	memcpy(l->p + l->len, line, len);
	l->len += len;
	l->p[l->len++] = '\n';
	l->n++;
}

static void unans(const struct ct_unans *u, void *ud)
{
	ct_render_unanswered(ud, u);
}

/* Reads the whole capture through the pipeline into rd (text), as `camtrace sniff -r` does. */
static int trace_file(const char *path, struct ct_render *rd, uint64_t *frames, uint64_t *unanswered)
{
	char err[CT_CAPTURE_ERRLEN];
	struct ct_capture *cap;
	struct ct_trace tr;
	struct ct_trace_opts to = { 0 };
	struct ct_trace_rec rec;
	struct ct_capture_stats st;
	struct ct_pkt pkt;
	struct ct_sbuf f;

	ct_sbuf_init(&f);
	ct_trace_filter(&f, 22224, 22227, 0, 0, NULL);
	if (ct_capture_open_file(&cap, path, f.p, err, sizeof err) != 0) {
		printf("# %s\n", err);
		ct_sbuf_fini(&f);
		return -1;
	}
	ct_sbuf_fini(&f);
	if (ct_trace_init(&tr, &to, unans, rd) != 0)
		return -1;
	while (ct_capture_next(cap, &pkt) == 1) {
		ct_trace_frame(&tr, &pkt, &rec);
		ct_render_packet(rd, &rec.pk, rec.im, rec.mr, rec.rs);
	}
	ct_trace_flush(&tr);
	ct_capture_stats(cap, &st);
	ct_render_summary(rd, &tr, &st, 0);
	ct_render_peers(rd, tr.match, tr.last_ts_ns / 1000000000);
	*frames = ct_trace_total(&tr);
	*unanswered = tr.unanswered;
	ct_trace_fini(&tr);
	ct_capture_close(cap);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)n + 1)) && fread(p, 1, (size_t)n, fp) == (size_t)n) {
		*len = (size_t)n;
		p[n] = '\0';
	}
	fclose(fp);
	return p;
}

static void t_golden(const char *top)
{
	char pcap[1024], txt[1024];
	struct ct_render buf, cb;
	struct lines l = { 0 };
	uint64_t frames = 0, frames2 = 0, una = 0, una2 = 0;
	size_t glen = 0;
	char *golden;

	snprintf(pcap, sizeof pcap, "%s/tests/data/lab-ipmsg.pcap", top);
	snprintf(txt, sizeof txt, "%s/tests/data/lab-ipmsg.txt", top);
	ct_render_init(&buf, -1, 0);
	ok(trace_file(pcap, &buf, &frames, &una) == 0, "the recorded capture goes through the pipeline");
	ok(frames > 40, "every frame counted (%llu)", (unsigned long long)frames);
	ok(una >= 3, "the planted silences are reported (%llu)", (unsigned long long)una);
	golden = slurp(txt, &glen);
	ok(golden != NULL, "the golden text is there");
	/* sniff's golden text is the packets, the silences and the summary; the peers come after it */
	ok(golden && buf.out.len >= glen && memcmp(buf.out.p, golden, glen) == 0,
		"the engine's lines are exactly `camtrace sniff -r`'s");
	ct_render_init_lines(&cb, 0, on_line, &l);
	ok(trace_file(pcap, &cb, &frames2, &una2) == 0, "again through a per-line sink");
	ct_render_fini(&cb);
	is_int(frames2, frames, "the same frames");
	is_int(l.len, buf.out.len, "the line sink got every byte");
	ok(l.len == buf.out.len && memcmp(l.p, buf.out.p, l.len) == 0, "line by line, the same lines");
	ok(l.n > frames, "one callback per line (%zu lines)", l.n);
	free(golden);
	free(l.p);
	buf.out.fd = -1;
	ct_render_fini(&buf);
}

static void t_out(void)
{
	struct ct_out o;
	struct lines l = { 0 };

	ct_out_init_lines(&o, on_line, &l);
	ct_out_puts(&o, "first\nsecond part");
	ct_out_flush(&o, 0);
	is_int(l.n, 1, "a flush hands over complete lines only");
	is_int(o.len, strlen("second part"), "the partial line waits");
	ct_out_puts(&o, " ends\n");
	ct_out_u64(&o, 18446744073709551615ull);
	ct_out_putc(&o, ' ');
	ct_out_i64(&o, -42);
	ct_out_putc(&o, ' ');
	ct_out_fixed(&o, 2.5, 3);
	ct_out_putc(&o, ' ');
	ct_out_hex(&o, 0xbeef, 4);
	ct_out_putc(&o, '\n');
	ct_out_putc(&o, '{');
	ct_jw_key(&o, "a", 1);
	ct_jw_str(&o, "q\"\\\n\x01\xff", 6);
	ct_jw_kint(&o, "b", -1);
	ct_jw_kbool(&o, "c", 1);
	ct_jw_kfixed(&o, "d", 1.0 / 0.0, 2);
	ct_jw_kstr(&o, "e", "太郎");
	ct_out_puts(&o, "}\n");
	ct_out_text(&o, "t\"\t\x02", 4);
	ct_out_putc(&o, '\n');
	ct_out_fini(&o);
	is_int(l.n, 5, "five lines in all");
	ok(l.p && strstr(l.p, "first\nsecond part ends\n18446744073709551615 -42 2.500 0xbeef\n") == l.p,
		"numbers: u64 max, negative, fixed decimals, hex");
	ok(l.p && strstr(l.p, "{\"a\":\"q\\\"\\\\\\n\\u0001\\\\xff\",\"b\":-1,\"c\":true,\"d\":null,\"e\":\"太郎\"}\n"),
		"JSON: escapes, invalid byte as text, non-finite as null, UTF-8 as is");
	ok(l.p && strstr(l.p, "t\\\"\\t\\x02\n"), "text: quotes, tabs and controls escaped");
	free(l.p);
}

/* The fast paths of outbuf.c against plain references: the digit count at every power of ten, and
 * the plain-run scan (eight bytes at a time) against a byte-by-byte reading of its rule. */
static size_t ref_plain_len(const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t l = 0;
		if (p[i] >= 0x20 && p[i] <= 0x7e && p[i] != '"' && p[i] != '\\') {
			i++;
			continue;
		}
		for (size_t k = 2; p[i] >= 0x80 && k <= 4 && k <= n - i && !l; k++)
			if (ct_utf8_valid((const char *)p + i, k))
				l = k;
		if (!l)
			break;
		i += l;
	}
	return i;
}

static void t_out_fast(void)
{
	static const unsigned char alpha[] = { 'a', 'Z', ' ', '~', '"', '\\', 0x7f, 0x1f, 0x00, '\n', 0xff, 0x80,
		0xc3, 0xa9, 0xe5, 0xa4, 0xaa, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0xc0 };
	struct ct_out o;
	char want[32];
	unsigned char s[40];
	uint32_t seed = 12345;
	int bad = 0, plain_seen = 0;
	uint64_t v = 1;

	ct_out_init(&o, -1);
	for (int k = 0; k <= 20; k++, v *= 10) {
		uint64_t t[3] = { v - 1, v, v + 1 };
		if (k == 20)
			t[0] = t[1] = t[2] = UINT64_MAX;
		for (int j = 0; j < 3; j++) {
			o.len = 0;
			ct_out_u64(&o, t[j]);
			snprintf(want, sizeof want, "%llu", (unsigned long long)t[j]);
			if (o.len != strlen(want) || memcmp(o.p, want, o.len) != 0)
				bad++;
		}
	}
	is_int(bad, 0, "ct_out_u64 writes every power of ten and its neighbours like printf");
	bad = 0;
	/* every number below 10^6 (each word lane's split), then 300,000 of every size */
	for (uint64_t x = 0; x < 1000000; x++) {
		o.len = 0;
		ct_out_u64(&o, x);
		snprintf(want, sizeof want, "%llu", (unsigned long long)x);
		if (o.len != strlen(want) || memcmp(o.p, want, o.len) != 0)
			bad++;
	}
	for (int r = 0; r < 300000; r++) {
		uint64_t x = 0;
		for (int i = 0; i < 4; i++)
			x = x << 16 | ((seed = seed * 1103515245u + 12345u) >> 16);
		x >>= (unsigned)r % 64;
		o.len = 0;
		ct_out_u64(&o, x);
		snprintf(want, sizeof want, "%llu", (unsigned long long)x);
		if (o.len != strlen(want) || memcmp(o.p, want, o.len) != 0)
			bad++;
	}
	is_int(bad, 0, "ct_out_u64 writes every number below 10^6 and 300,000 others of every size like printf");
	bad = 0;
	for (int r = 0; r < 20000; r++) {
		size_t n = (seed = seed * 1103515245u + 12345u) >> 16 & 31, pl;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly plain letters, so that the 8-byte steps run, then a hard byte */
			s[i] = (seed >> 16) % 4 ? (unsigned char)('a' + (seed >> 20) % 26) : alpha[(seed >> 20) % sizeof alpha];
		}
		pl = ct_out_plain_len((const char *)s, n);
		if (pl != ref_plain_len(s, n))
			bad++;
		int asc = 1;
		for (size_t i = 0; i < n; i++)
			asc &= s[i] >= 0x20 && s[i] <= 0x7e && s[i] != '"' && s[i] != '\\';
		if (ct_out_plain_ascii((const char *)s, n) != asc)
			bad++;
		o.len = 0;
		ct_out_escaped(&o, (const char *)s, n, r & 1);
		if ((o.len == n && memcmp(o.p, s, n) == 0) != (pl == n))
			bad++;
		plain_seen += pl == n;
	}
	is_int(bad, 0, "ct_out_plain_len and ct_out_plain_ascii equal the byte-by-byte rules on 20000 strings; escaping changes exactly the others");
	ok(plain_seen > 1000 && plain_seen < 19000, "both kinds were tried (%d plain)", plain_seen);
	ct_out_fini(&o);
}

/* The decoder's memo of header names: a repeated non-entry datagram decodes the same as the first
 * time, a name that needs escaping stays not plain, and the UTF8OPT bit keys the memo. */
static void t_names_memo(void)
{
	/* SENDMSG (0x20) from a CP932 host name and a user with a quote; then with UTF8OPT (0x800000) */
	static const char cp932[] = "1:1:a\"b:\x93\x63\x92\x86:32:hi";
	static const char utf8[] = "1:2:a\"b:\x93\x63\x92\x86:8388640:hi";
	struct ct_dipmsg d;
	char user[3][16], host[3][16];
	int plain[3], bad = 0;
	const char *cs[3];

	ct_dipmsg_init(&d);
	for (int i = 0; i < 3; i++) {
		const char *p = i < 2 ? cp932 : utf8;
		ct_dipmsg_decode(&d, (const uint8_t *)p, strlen(p));
		snprintf(user[i], sizeof user[i], "%.*s", (int)d.user_s.len, d.user_s.p);
		snprintf(host[i], sizeof host[i], "%.*s", (int)d.host_s.len, d.host_s.p);
		plain[i] = d.plain;
		cs[i] = d.charset;
	}
	is_str(host[0], "田中", "a CP932 host name in UTF-8");
	ok(!plain[0], "a user with a quote is not plain");
	bad = strcmp(user[0], user[1]) || strcmp(host[0], host[1]) || plain[0] != plain[1] || cs[0] != cs[1];
	ok(!bad, "the second decoding (from the memo) equals the first");
	ok(strcmp(host[2], host[0]) != 0 && strcmp(cs[2], "utf-8") == 0, "with UTF8OPT the same bytes are not taken from the CP932 entry");
	ct_dipmsg_fini(&d);
}

int main(void)
{
	const char *top = getenv("top_srcdir");

	t_out();
	t_out_fast();
	t_names_memo();
	t_golden(top ? top : ".");
	return tap_done();
}
