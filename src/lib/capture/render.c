/* render.c: the renderer's set-up and what its files share: the time cache and the RTP stream figures. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "render-int.h"
#include "rtp.h"

void ct_render_init(struct ct_render *rd, int fd, int json)
{
	memset(rd, 0, sizeof *rd);
	ct_out_init(&rd->out, fd);
	rd->json = json;
	rd->tsec = -1;
}

void ct_render_init_lines(struct ct_render *rd, int json, ct_out_line_fn fn, void *ud)
{
	memset(rd, 0, sizeof *rd);
	ct_out_init_lines(&rd->out, fn, ud);
	rd->json = json;
	rd->tsec = -1;
}

void ct_render_fini(struct ct_render *rd)
{
	ct_out_fini(&rd->out);
}

static void pad2(char *o, int v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
}

/* n decimal digits of v (with leading zeros) at o, two at a time. */
static void put_digits(char *o, uint32_t v, int n)
{
	static const char d2[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";

	for (; n >= 2; n -= 2, v /= 100) {
		o[n - 2] = d2[2 * (v % 100)];
		o[n - 1] = d2[2 * (v % 100) + 1];
	}
	if (n)
		o[0] = (char)('0' + v % 10);
}

/* The strings of second sec, made once a second of capture time. */
static void time_cache(struct ct_render *rd, int64_t sec)
{
	struct tm tm;
	time_t t = (time_t)sec;
	int n;

	if (sec == rd->tsec)
		return;
	gmtime_r(&t, &tm);
	pad2(rd->hms, tm.tm_hour);
	rd->hms[2] = ':';
	pad2(rd->hms + 3, tm.tm_min);
	rd->hms[5] = ':';
	pad2(rd->hms + 6, tm.tm_sec);
	rd->hms[8] = '\0';
	n = snprintf(rd->iso, sizeof rd->iso, "%04d-%02d-%02dT%s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, rd->hms);
	rd->iso_len = n > 0 && (size_t)n < sizeof rd->iso ? (size_t)n : strlen(rd->iso);
	n = snprintf(rd->secs, sizeof rd->secs, "%lld", (long long)sec);
	rd->secs_len = n > 0 && (size_t)n < sizeof rd->secs ? (size_t)n : strlen(rd->secs);
	rd->tsec = sec;
}

void ct_render_time(struct ct_render *rd, int64_t sec, uint32_t nsec, int iso)
{
	struct ct_out *o = &rd->out;
	char frac[8];

	time_cache(rd, sec);
	frac[0] = '.';
	put_digits(frac + 1, nsec / 1000, 6);
	if (iso)
		ct_out_put(o, rd->iso, rd->iso_len);
	else
		ct_out_put(o, rd->hms, 8);
	ct_out_put(o, frac, 7);
	if (iso)
		ct_out_putc(o, 'Z');
}

void ct_render_ts(struct ct_render *rd, int64_t sec, uint32_t nsec)
{
	char frac[10];

	time_cache(rd, sec);
	frac[0] = '.';
	put_digits(frac + 1, nsec, 9);
	ct_out_put(&rd->out, rd->secs, rd->secs_len);
	ct_out_put(&rd->out, frac, 10);
}

void ct_render_rtp_figures(struct ct_out *o, const struct ct_rtp_stream *s, int full)
{
	ct_out_u64(o, s->packets);
	ct_out_puts(o, " pkts");
	if (full) {
		ct_out_puts(o, ", expected ");
		ct_out_u64(o, ct_rtp_stream_expected(s));
		ct_out_putc(o, ',');
	}
	ct_out_puts(o, " lost ");
	ct_out_i64(o, ct_rtp_stream_lost(s));
	ct_out_puts(o, " (");
	ct_out_fixed(o, ct_rtp_stream_loss_pct(s), 1);
	ct_out_puts(o, full ? "%), reordered " : "%) reordered ");
	ct_out_u64(o, s->reordered);
	ct_out_puts(o, full ? ", jitter " : " jitter ");
	ct_out_fixed(o, ct_rtp_stream_jitter_ms(s), 2);
	ct_out_puts(o, " ms");
}
