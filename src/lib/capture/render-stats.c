/* render-stats.c: everything in the trace that is not one packet: the start record, unanswered requests, per-peer and RTP stream counters, the summary. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "render-int.h"
#include "rtp.h"
#include "trace.h"

void ct_render_start(struct ct_render *rd, const struct ct_render_start *st)
{
	struct ct_out *o = &rd->out;

	if (!rd->json)
		return;
	ct_out_puts(o, "{\"type\":\"start\",\"schema_version\":");
	ct_out_u64(o, (uint64_t)st->schema_version);
	ct_jw_kstr(o, "command", st->command);
	ct_jw_kstr(o, "source", st->source);
	ct_jw_kbool(o, "live", st->live);
	ct_jw_kstr(o, "link_type", st->link_type);
	ct_jw_kstr(o, "filter", st->filter ? st->filter : "");
	ct_jw_kfixed(o, "answer_timeout_s", st->answer_timeout_s, 3);
	ct_jw_kfixed(o, "stall_timeout_s", st->stall_timeout_s, 3);
	ct_out_put(o, "}\n", 2);
}

/* A file transfer that stalled or ended short (u->xfer). */
static void json_xfer(struct ct_render *rd, const struct ct_unans *u, const char *msg, size_t n)
{
	static const char *const how[] = { "", "stalled", "closed", "reset", "capture_ended" };
	struct ct_out *o = &rd->out;
	char nb[8];

	ct_out_puts(o, "{\"type\":\"stalled_transfer\",\"frame\":");
	ct_out_u64(o, u->frame);
	ct_out_puts(o, ",\"time\":\"");
	ct_render_time(rd, u->ts_ns / 1000000000, (uint32_t)(u->ts_ns % 1000000000), 1);
	ct_out_putc(o, '"');
	ct_jw_kstr(o, "request", ct_match_mode_name(u->mode, nb));
	ct_jw_kstr(o, "how", how[u->xfer >= 1 && u->xfer <= 4 ? u->xfer : 0]);
	ct_jw_kbool(o, "by_requester", u->by_requester);
	put_jaddr(rd, "src", u->af, u->src);
	put_jaddr(rd, "dst", u->af, u->dst);
	ct_jw_kint(o, "sport", u->sport);
	ct_jw_kint(o, "dport", u->dport);
	ct_jw_kint(o, "packetno", u->packetno);
	ct_jw_kint(o, "file_id", u->file_id);
	ct_jw_kint(o, "offset", (int64_t)u->offset);
	ct_jw_kint(o, "bytes", (int64_t)u->bytes);
	ct_jw_key(o, "expected", 0);
	if (u->has_expected)
		ct_out_u64(o, u->expected);
	else
		ct_out_puts(o, "null");
	ct_jw_key(o, "idle_s", 0);
	ct_out_fixed(o, u->idle_s, 3);
	ct_jw_kbool(o, "capture_ended", u->at_end);
	ct_jw_key(o, "message", 0);
	ct_jw_str(o, msg, n);
	ct_out_put(o, "}\n", 2);
}

void ct_render_unanswered(struct ct_render *rd, const struct ct_unans *u)
{
	struct ct_out *o = &rd->out;
	char s[512], nb[8], nb2[8];
	int n = ct_match_sentence(u, s, sizeof s);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof s)
		n = sizeof s - 1;
	if (!rd->json) {
		/* '!' = silent past the timeout; '?' = the capture ended before the timeout ran out */
		ct_out_puts(o, u->at_end ? "? " : "! ");
		ct_out_u64(o, u->frame);
		ct_out_putc(o, ' ');
		ct_render_time(rd, u->ts_ns / 1000000000, (uint32_t)(u->ts_ns % 1000000000), 0);
		ct_out_putc(o, ' ');
		ct_out_text(o, s, (size_t)n);
		ct_out_putc(o, '\n');
		return;
	}
	if (u->xfer) {
		json_xfer(rd, u, s, (size_t)n);
		return;
	}
	ct_out_puts(o, "{\"type\":\"unanswered\",\"frame\":");
	ct_out_u64(o, u->frame);
	ct_out_puts(o, ",\"time\":\"");
	ct_render_time(rd, u->ts_ns / 1000000000, (uint32_t)(u->ts_ns % 1000000000), 1);
	ct_out_putc(o, '"');
	ct_jw_kstr(o, "request", ct_match_mode_name(u->mode, nb));
	ct_jw_kstr(o, "expected", u->tcp && u->want == CT_MATCH_TCP_SYN ? "TCP_SYN_ACK" : ct_match_mode_name(u->want, nb2));
	ct_jw_kstr(o, "transport", u->tcp ? "tcp" : "udp");
	put_jaddr(rd, "src", u->af, u->src);
	put_jaddr(rd, "dst", u->af, u->dst);
	ct_jw_kbool(o, "group", u->dst_group);
	ct_jw_kint(o, "packetno", u->packetno);
	ct_jw_kint(o, "retries", u->retries);
	ct_jw_key(o, "waited_s", 0);
	ct_out_fixed(o, u->waited_s, 3);
	ct_jw_kbool(o, "capture_ended", u->at_end);
	ct_jw_key(o, "message", 0);
	ct_jw_str(o, s, (size_t)n);
	ct_out_put(o, "}\n", 2);
}

static void peer_cb(const struct ct_peer *p, void *ud)
{
	struct ct_render *rd = ud;
	struct ct_out *o = &rd->out;
	char nb[8];

	if (rd->json) {
		ct_out_puts(o, "{\"type\":\"peer\"");
		put_jaddr(rd, "addr", p->af, p->addr);
		ct_jw_kint(o, "tx_packets", (int64_t)p->tx_pkts);
		ct_jw_kint(o, "tx_bytes", (int64_t)p->tx_bytes);
		ct_jw_kint(o, "rx_packets", (int64_t)p->rx_pkts);
		ct_jw_kint(o, "rx_bytes", (int64_t)p->rx_bytes);
		ct_jw_kint(o, "answered", (int64_t)p->answered);
		ct_jw_kint(o, "unanswered", (int64_t)p->unanswered);
		ct_out_puts(o, ",\"commands\":[");
		for (size_t i = 0; i < p->ncmd; i++) {
			const struct ct_peer_cmd *c = &p->cmd[i];
			if (i)
				ct_out_putc(o, ',');
			ct_out_puts(o, "{\"command\":\"");
			ct_out_puts(o, ct_match_mode_name(c->mode, nb));
			ct_out_putc(o, '"');
			ct_jw_kint(o, "tx_packets", (int64_t)c->tx_pkts);
			ct_jw_kint(o, "tx_bytes", (int64_t)c->tx_bytes);
			ct_jw_kint(o, "rx_packets", (int64_t)c->rx_pkts);
			ct_jw_kint(o, "rx_bytes", (int64_t)c->rx_bytes);
			ct_out_putc(o, '}');
		}
		ct_out_put(o, "]}\n", 3);
		return;
	}
	ct_out_puts(o, "  ");
	put_addr(rd, p->af, p->addr);
	ct_out_puts(o, "  sent ");
	ct_out_u64(o, p->tx_pkts);
	ct_out_putc(o, '/');
	ct_out_u64(o, p->tx_bytes);
	ct_out_puts(o, "  received ");
	ct_out_u64(o, p->rx_pkts);
	ct_out_putc(o, '/');
	ct_out_u64(o, p->rx_bytes);
	ct_out_puts(o, "  answered ");
	ct_out_u64(o, p->answered);
	ct_out_puts(o, "  unanswered ");
	ct_out_u64(o, p->unanswered);
	ct_out_putc(o, '\n');
	for (size_t i = 0; i < p->ncmd; i++) {
		const struct ct_peer_cmd *c = &p->cmd[i];
		ct_out_puts(o, "      ");
		ct_out_puts(o, ct_match_mode_name(c->mode, nb));
		ct_out_puts(o, "  sent ");
		ct_out_u64(o, c->tx_pkts);
		ct_out_putc(o, '/');
		ct_out_u64(o, c->tx_bytes);
		ct_out_puts(o, "  received ");
		ct_out_u64(o, c->rx_pkts);
		ct_out_putc(o, '/');
		ct_out_u64(o, c->rx_bytes);
		ct_out_putc(o, '\n');
	}
}

void ct_render_peers(struct ct_render *rd, const struct ct_match *m, int64_t ts_sec)
{
	struct ct_out *o = &rd->out;

	if (!rd->json) {
		ct_out_puts(o, "peers at ");
		ct_render_time(rd, ts_sec, 0, 1);
		ct_out_puts(o, " (packets/bytes sent by the peer, and sent to it): ");
		ct_out_u64(o, ct_match_peer_count(m));
		ct_out_putc(o, '\n');
	}
	ct_match_peers(m, peer_cb, rd);
	ct_out_flush(o, 1);
}

static void rtp_cb(const struct ct_rtp_stream *s, void *ud)
{
	struct ct_render *rd = ud;
	struct ct_out *o = &rd->out;
	const char *n = ct_rtp_pt_name(s->pt);

	if (rd->json) {
		ct_out_puts(o, "{\"type\":\"rtp_stream\"");
		put_jaddr(rd, "src", s->af, s->src);
		put_jaddr(rd, "dst", s->af, s->dst);
		ct_jw_kint(o, "sport", s->sport);
		ct_jw_kint(o, "dport", s->dport);
		ct_jw_kint(o, "ssrc", s->ssrc);
		ct_jw_kint(o, "pt", s->pt);
		ct_jw_kint(o, "clock_hz", s->clock);
		ct_jw_kint(o, "packets", (int64_t)s->packets);
		ct_jw_kint(o, "bytes", (int64_t)s->bytes);
		ct_jw_kint(o, "expected", (int64_t)ct_rtp_stream_expected(s));
		ct_jw_kint(o, "lost", ct_rtp_stream_lost(s));
		ct_jw_key(o, "loss_pct", 0);
		ct_out_fixed(o, ct_rtp_stream_loss_pct(s), 2);
		ct_jw_kint(o, "reordered", (int64_t)s->reordered);
		ct_jw_kint(o, "resyncs", (int64_t)s->resyncs);
		ct_jw_key(o, "jitter_ms", 0);
		ct_out_fixed(o, ct_rtp_stream_jitter_ms(s), 3);
		ct_out_put(o, "}\n", 2);
		return;
	}
	ct_out_puts(o, "  ");
	put_ep(rd, s->af, s->src, s->sport);
	ct_out_puts(o, " -> ");
	put_ep(rd, s->af, s->dst, s->dport);
	ct_out_puts(o, " ssrc ");
	ct_out_hex(o, s->ssrc, 8);
	ct_out_puts(o, " pt ");
	ct_out_u64(o, s->pt);
	if (n) {
		ct_out_put(o, " (", 2);
		ct_out_puts(o, n);
		ct_out_putc(o, ')');
	}
	ct_out_putc(o, ' ');
	ct_render_rtp_figures(o, s, 1);
	ct_out_putc(o, '\n');
}

void ct_render_rtp_streams(struct ct_render *rd, const struct ct_rtpstat *st)
{
	struct ct_out *o = &rd->out;

	if (!rd->json) {
		ct_out_puts(o, "rtp streams: ");
		ct_out_u64(o, st->n);
		ct_out_putc(o, '\n');
	}
	ct_rtpstat_foreach(st, rtp_cb, rd);
	ct_out_flush(o, 1);
}

static void summary_json(struct ct_out *o, const struct ct_trace *t, const struct ct_capture_stats *st, int live)
{
	ct_out_puts(o, "{\"type\":\"summary\",\"packets\":");
	ct_out_u64(o, ct_trace_total(t));
	ct_out_puts(o, ",\"by_kind\":{");
	for (int k = 0; k <= CT_DK_OTHER; k++) {
		ct_jw_key(o, ct_dkind_name((enum ct_dkind)k), k == 0);
		ct_out_u64(o, t->kinds[k]);
	}
	ct_out_puts(o, "},\"ipmsg_malformed\":");
	ct_out_u64(o, t->ipmsg_bad);
	ct_jw_kint(o, "unanswered", (int64_t)t->unanswered);
	ct_jw_kint(o, "stalled_transfers", (int64_t)t->stalled);
	ct_jw_kint(o, "peers", (int64_t)ct_match_peer_count(t->match));
	ct_jw_kint(o, "rtp_streams", (int64_t)t->rtp.n);
	ct_jw_kbool(o, "live", live);
	ct_jw_kint(o, "kernel_received", (int64_t)st->received);
	ct_jw_kint(o, "kernel_dropped", (int64_t)st->dropped);
	ct_jw_kint(o, "interface_dropped", (int64_t)st->if_dropped);
	ct_out_put(o, "}\n", 2);
}

static void summary_text(struct ct_out *o, const struct ct_trace *t, const struct ct_capture_stats *st, int live)
{
	ct_out_puts(o, "--- ");
	ct_out_u64(o, ct_trace_total(t));
	ct_out_puts(o, " packets:");
	for (int k = 0; k <= CT_DK_OTHER; k++) {
		if (!t->kinds[k])
			continue;
		ct_out_putc(o, ' ');
		ct_out_puts(o, ct_dkind_name((enum ct_dkind)k));
		ct_out_putc(o, ' ');
		ct_out_u64(o, t->kinds[k]);
	}
	ct_out_puts(o, "; IPMsg malformed ");
	ct_out_u64(o, t->ipmsg_bad);
	ct_out_puts(o, "; unanswered requests ");
	ct_out_u64(o, t->unanswered);
	if (t->stalled) {
		ct_out_puts(o, "; stalled transfers ");
		ct_out_u64(o, t->stalled);
	}
	if (live) {
		ct_out_puts(o, "; kernel dropped ");
		ct_out_u64(o, st->dropped);
		ct_out_puts(o, ", interface dropped ");
		ct_out_u64(o, st->if_dropped);
	}
	ct_out_putc(o, '\n');
}

void ct_render_summary(struct ct_render *rd, const struct ct_trace *t, const struct ct_capture_stats *st, int live)
{
	if (rd->json)
		summary_json(&rd->out, t, st, live);
	else
		summary_text(&rd->out, t, st, live);
	ct_out_flush(&rd->out, 1);
}
