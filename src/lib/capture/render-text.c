/* render-text.c: the packet trace as text: one line per packet, in tcpdump's order (frame, time, endpoints, what it is, what it answers). */
#include "config.h"
#include "codec.h"
#include "render-int.h"
#include "rtp.h"

static void text_ipmsg(struct ct_render *rd, const struct ct_dpkt *pk, const struct ct_dipmsg *im)
{
	struct ct_out *o = &rd->out;

	if (pk->kind == CT_DK_TCP) {
		char f[8];
		ct_tcp_flags_str(pk->tcp.flags, f);
		ct_out_puts(o, "TCP ");
		ct_out_puts(o, f);
		ct_out_putc(o, ' ');
	}
	if (im->status != 0) {
		ct_out_puts(o, im->ipdict ? "IPDICT " : "MALFORMED IPMsg (");
		if (!im->ipdict) {
			ct_out_puts(o, im->why);
			ct_out_put(o, ") \"", 3);
			ct_out_text(o, (const char *)pk->app, pk->app_len < 48 ? pk->app_len : 48);
			ct_out_puts(o, pk->app_len > 48 ? "\"... " : "\" ");
		}
		ct_out_u64(o, pk->app_wire);
		ct_out_puts(o, " bytes");
		return;
	}
	ct_out_put(o, im->cmd.p, im->cmd.len);
	ct_out_puts(o, " #");
	ct_out_u64(o, im->m.packetno);
	ct_out_putc(o, ' ');
	ct_out_text(o, im->user.p ? im->user.p : "", im->user.len);
	ct_out_putc(o, '@');
	ct_out_text(o, im->host.p ? im->host.p : "", im->host.len);
	if (im->has_nick) {
		ct_out_put(o, " \"", 2);
		ct_out_text(o, im->nick.p ? im->nick.p : "", im->nick.len);
		ct_out_put(o, "\"/\"", 3);
		ct_out_text(o, im->group.p ? im->group.p : "", im->group.len);
		ct_out_putc(o, '"');
	}
	for (size_t i = 0; i < im->nitem; i++) {
		const struct ct_ditem *it = &im->item[i];
		ct_out_putc(o, ' ');
		ct_out_puts(o, it->key);
		ct_out_putc(o, '=');
		if (it->is_str) {
			ct_out_putc(o, '"');
			ct_out_text(o, ct_ditem_str(im, it), it->len);
			ct_out_putc(o, '"');
		} else {
			ct_out_i64(o, it->num);
		}
	}
	if (pk->app_wire > pk->app_len)
		ct_out_puts(o, " (cut off by the capture)");
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

static void text_rtp(struct ct_render *rd, const struct ct_dpkt *pk, const struct ct_rtp_stream *rs)
{
	struct ct_out *o = &rd->out;
	const struct ct_rtp *r = &pk->rtp;
	const char *n;

	if (r->rtcp) {
		ct_out_puts(o, "RTCP ");
		ct_out_puts(o, ct_rtcp_name(r->pt));
		ct_out_puts(o, " ssrc ");
		ct_out_hex(o, r->ssrc, 8);
		ct_out_puts(o, " len ");
		ct_out_u64(o, pk->app_wire);
		return;
	}
	ct_out_puts(o, "RTP pt ");
	ct_out_u64(o, r->pt);
	if ((n = ct_rtp_pt_name(r->pt))) {
		ct_out_put(o, " (", 2);
		ct_out_puts(o, n);
		ct_out_putc(o, ')');
	}
	ct_out_puts(o, " ssrc ");
	ct_out_hex(o, r->ssrc, 8);
	ct_out_puts(o, " seq ");
	ct_out_u64(o, r->seq);
	ct_out_puts(o, " ts ");
	ct_out_u64(o, r->ts);
	ct_out_puts(o, " len ");
	ct_out_u64(o, r->pl_len);
	if (r->marker)
		ct_out_puts(o, " M");
	if (rs) {
		ct_out_puts(o, " | stream ");
		ct_render_rtp_figures(o, rs, 0);
	}
}

static void text_icmp(struct ct_render *rd, const struct ct_dpkt *pk)
{
	struct ct_out *o = &rd->out;
	const struct ct_icmp *ic = &pk->icmp;

	ct_out_puts(o, ic->af == AF_INET ? "ICMP " : "ICMP6 ");
	ct_out_puts(o, ct_decode_icmp_name(ic));
	ct_out_put(o, " (", 2);
	ct_out_u64(o, ic->type);
	ct_out_putc(o, '/');
	ct_out_u64(o, ic->code);
	ct_out_putc(o, ')');
	if (ic->mtu) {
		ct_out_puts(o, " mtu ");
		ct_out_u64(o, ic->mtu);
	}
	if (ic->type == (ic->af == AF_INET ? 8 : 128) || ic->type == (ic->af == AF_INET ? 0 : 129)) {
		ct_out_puts(o, " id ");
		ct_out_u64(o, ic->echo_id);
		ct_out_puts(o, " seq ");
		ct_out_u64(o, ic->echo_seq);
	}
	if (ic->has_quote) {
		ct_out_puts(o, " about ");
		ct_out_puts(o, ic->q_proto == 17 ? "UDP " : ic->q_proto == 6 ? "TCP " : "IP ");
		put_ep(o, ic->q_af, ic->q_src, ic->q_ports ? ic->q_sport : -1);
		ct_out_puts(o, " -> ");
		put_ep(o, ic->q_af, ic->q_dst, ic->q_ports ? ic->q_dport : -1);
	}
}

static void text_match(struct ct_render *rd, const struct ct_mres *mr)
{
	struct ct_out *o = &rd->out;
	char nb[8];

	if (mr->answered) {
		ct_out_puts(o, mr->refused ? " [refuses " : " [answers ");
		ct_out_u64(o, mr->req_frame);
		ct_out_putc(o, ' ');
		ct_out_puts(o, ct_match_mode_name(mr->req_mode, nb));
		ct_out_puts(o, " in ");
		ct_out_fixed(o, (double)mr->latency_ns / 1e6, 3);
		ct_out_puts(o, " ms");
		if (mr->retries) {
			ct_out_puts(o, " after ");
			ct_out_u64(o, mr->retries);
			ct_out_puts(o, mr->retries == 1 ? " retry" : " retries");
		}
		if (mr->refused && !mr->icmp)
			ct_out_puts(o, mr->req_mode == CT_MATCH_TCP_SYN ? ": reset" : ": closed without data");
		ct_out_putc(o, ']');
	} else if (mr->retransmission) {
		ct_out_puts(o, " [retransmission]");
	} else if (mr->copy) {
		ct_out_puts(o, " [same packet to another address]");
	}
}

void ct_render_text_packet(struct ct_render *rd, const struct ct_dpkt *pk, const struct ct_dipmsg *im,
	const struct ct_mres *mr, const struct ct_rtp_stream *rs)
{
	struct ct_out *o = &rd->out;
	int ports = has_ports(pk);

	ct_out_u64(o, pk->frame);
	ct_out_putc(o, ' ');
	ct_render_time(rd, pk->ts_sec, pk->ts_nsec, 0);
	ct_out_putc(o, ' ');
	if (pk->ip.af) {
		put_ep(o, pk->ip.af, pk->ip.src, ports ? pk->sport : -1);
		ct_out_puts(o, " -> ");
		put_ep(o, pk->ip.af, pk->ip.dst, ports ? pk->dport : -1);
		ct_out_putc(o, ' ');
	}
	switch (pk->kind) {
	case CT_DK_IPMSG:
		text_ipmsg(rd, pk, im);
		break;
	case CT_DK_TCP:
		if (im) {
			text_ipmsg(rd, pk, im);
		} else {
			char f[8];
			ct_tcp_flags_str(pk->tcp.flags, f);
			ct_out_puts(o, "TCP ");
			ct_out_puts(o, f);
			ct_out_puts(o, " seq ");
			ct_out_u64(o, pk->tcp.seq);
			if (pk->tcp.flags & CT_TCP_ACK) {
				ct_out_puts(o, " ack ");
				ct_out_u64(o, pk->tcp.ack);
			}
			ct_out_puts(o, " len ");
			ct_out_u64(o, pk->app_wire);
		}
		break;
	case CT_DK_RTP:
	case CT_DK_RTCP:
		text_rtp(rd, pk, rs);
		break;
	case CT_DK_ICMP:
		text_icmp(rd, pk);
		break;
	case CT_DK_FRAG:
		ct_out_puts(o, pk->ip.af == AF_INET ? "IPv4 fragment id " : "IPv6 fragment id ");
		ct_out_hex(o, pk->ip.id, pk->ip.af == AF_INET ? 4 : 8);
		ct_out_puts(o, " offset ");
		ct_out_u64(o, pk->ip.frag_off);
		ct_out_puts(o, " len ");
		ct_out_u64(o, pk->ip.pl_wire);
		ct_out_puts(o, pk->ip.frag_more ? " (more follow)" : " (last)");
		break;
	case CT_DK_UDP:
		ct_out_puts(o, "UDP len ");
		ct_out_u64(o, pk->app_wire);
		break;
	case CT_DK_OTHER:
		ct_out_puts(o, pk->l4 == 6 ? "TCP len " : "IP proto ");
		if (pk->l4 != 6) {
			ct_out_u64(o, pk->l4);
			ct_out_puts(o, " len ");
			ct_out_u64(o, pk->ip.pl_wire);
		} else {
			ct_out_u64(o, pk->app_wire);
		}
		break;
	case CT_DK_NONIP:
		ct_out_puts(o, "non-IP frame");
		if (pk->link.ethertype) {
			ct_out_puts(o, " (ethertype ");
			ct_out_hex(o, pk->link.ethertype, 4);
			ct_out_putc(o, ')');
		}
		ct_out_puts(o, " len ");
		ct_out_u64(o, pk->len);
		break;
	case CT_DK_BAD:
		ct_out_puts(o, "MALFORMED ");
		ct_out_puts(o, pk->bad ? pk->bad : "packet");
		ct_out_puts(o, " (len ");
		ct_out_u64(o, pk->len);
		ct_out_putc(o, ')');
		break;
	}
	if (pk->ip.frag == 2) {
		ct_out_puts(o, " [reassembled from ");
		ct_out_u64(o, pk->ip.frag_count);
		ct_out_puts(o, " fragments]");
	}
	if (pk->fwd_of) {
		ct_out_puts(o, " [forwarded copy of ");
		ct_out_u64(o, pk->fwd_of);
		ct_out_putc(o, ']');
	}
	if (mr)
		text_match(rd, mr);
	ct_out_putc(o, '\n');
}
