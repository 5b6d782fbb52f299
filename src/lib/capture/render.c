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

void ct_render_time(struct ct_render *rd, int64_t sec, uint32_t nsec, int iso)
{
	struct ct_out *o = &rd->out;
	char frac[8];
	uint32_t us = nsec / 1000;

	if (sec != rd->tsec) {
		struct tm tm;
		time_t t = (time_t)sec;
		gmtime_r(&t, &tm);
		pad2(rd->hms, tm.tm_hour);
		rd->hms[2] = ':';
		pad2(rd->hms + 3, tm.tm_min);
		rd->hms[5] = ':';
		pad2(rd->hms + 6, tm.tm_sec);
		rd->hms[8] = '\0';
		snprintf(rd->iso, sizeof rd->iso, "%04d-%02d-%02dT%s", tm.tm_year + 1900, tm.tm_mon + 1,
			tm.tm_mday, rd->hms);
		rd->tsec = sec;
	}
	frac[0] = '.';
	for (int i = 6; i >= 1; i--) {
		frac[i] = (char)('0' + us % 10);
		us /= 10;
	}
	ct_out_puts(o, iso ? rd->iso : rd->hms);
	ct_out_put(o, frac, 7);
	if (iso)
		ct_out_putc(o, 'Z');
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
