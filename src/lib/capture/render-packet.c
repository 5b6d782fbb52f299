/* render-packet.c: one decoded packet in words: a text line in tcpdump's order, or one NDJSON object (camtrace(1) lists the keys). */
#include "config.h"
#include "codec.h"
#include "render-int.h"
#include "rtp.h"

/* A name or item of the datagram: copied as it is when the decoder found nothing to escape. */
static inline void put_itext(struct ct_out *o, const struct ct_dipmsg *im, const char *s, size_t n)
{
	if (im->plain)
		ct_out_put(o, s, n);
	else
		ct_out_text(o, s, n);
}

static inline void put_istr(struct ct_out *o, const struct ct_dipmsg *im, const char *s, size_t n)
{
	if (im->plain) {
		ct_out_putc(o, '"');
		ct_out_put(o, s, n);
		ct_out_putc(o, '"');
	} else {
		ct_jw_str(o, s, n);
	}
}

/* ---------- text ---------- */

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
	ct_out_put(o, im->cmd_s.p, im->cmd_s.len);
	ct_out_puts(o, " #");
	ct_out_u64(o, im->m.packetno);
	ct_out_putc(o, ' ');
	put_itext(o, im, im->user_s.p, im->user_s.len);
	ct_out_putc(o, '@');
	put_itext(o, im, im->host_s.p, im->host_s.len);
	if (im->has_nick) {
		ct_out_put(o, " \"", 2);
		put_itext(o, im, im->nick_s.p, im->nick_s.len);
		ct_out_put(o, "\"/\"", 3);
		put_itext(o, im, im->group_s.p, im->group_s.len);
		ct_out_putc(o, '"');
	}
	for (size_t i = 0; i < im->nitem; i++) {
		const struct ct_ditem *it = &im->item[i];
		ct_out_putc(o, ' ');
		ct_out_put(o, it->key, it->klen);
		ct_out_putc(o, '=');
		if (it->is_str) {
			ct_out_putc(o, '"');
			put_itext(o, im, ct_ditem_str(im, it), it->len);
			ct_out_putc(o, '"');
		} else {
			ct_out_i64(o, it->num);
		}
	}
	if (pk->app_wire > pk->app_len)
		ct_out_puts(o, " (cut off by the capture)");
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
		put_ep(rd, ic->q_af, ic->q_src, ic->q_ports ? ic->q_sport : -1);
		ct_out_puts(o, " -> ");
		put_ep(rd, ic->q_af, ic->q_dst, ic->q_ports ? ic->q_dport : -1);
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
		if (mr->decrypt_err)
			ct_out_puts(o, ": could not decrypt it");
		else if (mr->refused && !mr->icmp)
			ct_out_puts(o, mr->req_mode == CT_MATCH_TCP_SYN ? ": reset" : ": closed without data");
		ct_out_putc(o, ']');
	} else if (mr->retransmission) {
		ct_out_puts(o, " [retransmission]");
	} else if (mr->copy) {
		ct_out_puts(o, " [same packet to another address]");
	}
}

static void text_packet(struct ct_render *rd, const struct ct_dpkt *pk, const struct ct_dipmsg *im,
	const struct ct_mres *mr, const struct ct_rtp_stream *rs)
{
	struct ct_out *o = &rd->out;
	int ports = has_ports(pk);

	put_frame(rd, pk->frame);
	ct_out_putc(o, ' ');
	ct_render_time(rd, pk->ts_sec, pk->ts_nsec, 0);
	ct_out_putc(o, ' ');
	if (pk->ip.af) {
		put_ep(rd, pk->ip.af, pk->ip.src, ports ? pk->sport : -1);
		ct_out_puts(o, " -> ");
		put_ep(rd, pk->ip.af, pk->ip.dst, ports ? pk->dport : -1);
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

/* ---------- NDJSON ---------- */

static void json_ipmsg(struct ct_render *rd, const struct ct_dpkt *pk, const struct ct_dipmsg *im)
{
	struct ct_out *o = &rd->out;
	const char *mode;

	ct_jw_key(o, "ipmsg", 0);
	if (im->status != 0) {
		ct_out_puts(o, "{\"valid\":false");
		ct_jw_kstr(o, "error", im->why ? im->why : "unparseable");
		put_jbool(o, "ipdict", im->ipdict);
		ct_jw_key(o, "head", 0);
		ct_jw_str(o, (const char *)pk->app, pk->app_len < 64 ? pk->app_len : 64);
		ct_out_putc(o, '}');
		return;
	}
	mode = im->mode_name;
	if (!mode)
		mode = "unknown";
	ct_out_puts(o, "{\"valid\":true");
	put_jname(o, "command", im->cmd_s.p, im->cmd_s.len);
	put_jname(o, "mode", mode, strlen(mode));
	put_jint(o, "command_word", im->m.command);
	put_jint(o, "packetno", im->m.packetno);
	ct_jw_key(o, "version", 0);
	ct_jw_str(o, im->m.version.p, im->m.version.len);
	ct_jw_key(o, "user", 0);
	put_istr(o, im, im->user_s.p, im->user_s.len);
	ct_jw_key(o, "host", 0);
	put_istr(o, im, im->host_s.p, im->host_s.len);
	ct_jw_key(o, "nick", 0);
	if (im->has_nick)
		put_istr(o, im, im->nick_s.p, im->nick_s.len);
	else
		ct_out_puts(o, "null");
	ct_jw_key(o, "group", 0);
	if (im->has_nick)
		put_istr(o, im, im->group_s.p, im->group_s.len);
	else
		ct_out_puts(o, "null");
	{
		const char *cs = im->charset ? im->charset : "ascii";
		put_jname(o, "charset", cs, strlen(cs));
	}
	put_jint(o, "length", im->m.len);
	put_jbool(o, "cut_off", pk->app_wire > pk->app_len);
	ct_jw_key(o, "body", 0);
	ct_out_putc(o, '{');
	for (size_t i = 0; i < im->nitem; i++) {
		const struct ct_ditem *it = &im->item[i];
		ct_jw_key(o, it->key, i == 0);
		if (it->is_str)
			put_istr(o, im, ct_ditem_str(im, it), it->len);
		else
			ct_out_i64(o, it->num);
	}
	ct_out_put(o, "}}", 2);
}

static void json_packet(struct ct_render *rd, const struct ct_dpkt *pk, const struct ct_dipmsg *im,
	const struct ct_mres *mr, const struct ct_rtp_stream *rs)
{
	struct ct_out *o = &rd->out;
	char nb[8];

	ct_out_puts(o, "{\"type\":\"packet\",\"frame\":");
	put_frame(rd, pk->frame);
	ct_out_puts(o, ",\"time\":\"");
	ct_render_time(rd, pk->ts_sec, pk->ts_nsec, 1);
	ct_out_puts(o, "\",\"ts\":");
	ct_render_ts(rd, pk->ts_sec, pk->ts_nsec);
	put_jint(o, "len", pk->len);
	put_jint(o, "caplen", pk->caplen);
	{
		const char *kind = ct_dkind_name(pk->kind);
		put_jname(o, "kind", kind, strlen(kind));
	}
	if (pk->ip.af) {
		ct_out_put(o, pk->ip.af == AF_INET6 ? ",\"ip_version\":6" : ",\"ip_version\":4", 15);
		put_jname(o, "proto", l4_name(pk->l4), strlen(l4_name(pk->l4)));
		put_jaddr(rd, "src", pk->ip.af, pk->ip.src);
		put_jaddr(rd, "dst", pk->ip.af, pk->ip.dst);
		if (has_ports(pk)) {
			put_jint(o, "sport", pk->sport);
			put_jint(o, "dport", pk->dport);
		}
	}
	if (pk->bad)
		ct_jw_kstr(o, "malformed", pk->bad);
	if (pk->ip.frag == 2)
		put_jint(o, "reassembled_fragments", pk->ip.frag_count);
	if (pk->fwd_of)
		put_jint(o, "forwarded_copy_of", (int64_t)pk->fwd_of);
	switch (pk->kind) {
	case CT_DK_FRAG:
		ct_out_puts(o, ",\"fragment\":{\"id\":");
		ct_out_u64(o, pk->ip.id);
		put_jint(o, "offset", pk->ip.frag_off);
		put_jint(o, "len", pk->ip.pl_wire);
		put_jbool(o, "more", pk->ip.frag_more);
		ct_out_putc(o, '}');
		break;
	case CT_DK_TCP:
		ct_out_puts(o, ",\"tcp\":{\"flags\":\"");
		{
			char f[8];
			ct_tcp_flags_str(pk->tcp.flags, f);
			ct_out_puts(o, f);
		}
		ct_out_putc(o, '"');
		put_jint(o, "seq", pk->tcp.seq);
		put_jint(o, "ack", pk->tcp.ack);
		put_jint(o, "len", pk->app_wire);
		ct_out_putc(o, '}');
		break;
	case CT_DK_RTP:
	case CT_DK_RTCP:
		ct_out_puts(o, pk->rtp.rtcp ? ",\"rtcp\":{\"type\":\"" : ",\"rtp\":{\"pt\":");
		if (pk->rtp.rtcp) {
			ct_out_puts(o, ct_rtcp_name(pk->rtp.pt));
			ct_out_putc(o, '"');
			put_jint(o, "ssrc", pk->rtp.ssrc);
			ct_out_putc(o, '}');
			break;
		}
		ct_out_u64(o, pk->rtp.pt);
		put_jint(o, "ssrc", pk->rtp.ssrc);
		put_jint(o, "seq", pk->rtp.seq);
		put_jint(o, "timestamp", pk->rtp.ts);
		put_jbool(o, "marker", pk->rtp.marker);
		put_jint(o, "payload_len", pk->rtp.pl_len);
		if (rs) {
			put_jint(o, "stream_packets", (int64_t)rs->packets);
			put_jint(o, "stream_lost", ct_rtp_stream_lost(rs));
			put_jint(o, "stream_reordered", (int64_t)rs->reordered);
			ct_jw_key(o, "stream_jitter_ms", 0);
			ct_out_fixed(o, ct_rtp_stream_jitter_ms(rs), 3);
		}
		ct_out_putc(o, '}');
		break;
	case CT_DK_ICMP: {
		const struct ct_icmp *ic = &pk->icmp;
		ct_out_puts(o, ",\"icmp\":{\"type\":");
		ct_out_u64(o, ic->type);
		put_jint(o, "code", ic->code);
		ct_jw_kstr(o, "name", ct_decode_icmp_name(ic));
		put_jbool(o, "error", ic->is_error);
		if (ic->mtu)
			put_jint(o, "mtu", ic->mtu);
		if (ic->has_quote) {
			ct_out_puts(o, ",\"quoted\":{\"proto\":");
			ct_out_u64(o, ic->q_proto);
			put_jaddr(rd, "src", ic->q_af, ic->q_src);
			put_jaddr(rd, "dst", ic->q_af, ic->q_dst);
			if (ic->q_ports) {
				put_jint(o, "sport", ic->q_sport);
				put_jint(o, "dport", ic->q_dport);
			}
			ct_out_putc(o, '}');
		}
		ct_out_putc(o, '}');
		break;
	}
	case CT_DK_NONIP:
		put_jint(o, "ethertype", pk->link.ethertype);
		break;
	default:
		break;
	}
	if (im && (pk->kind == CT_DK_IPMSG || pk->kind == CT_DK_TCP))
		json_ipmsg(rd, pk, im);
	if (mr && (mr->answered || mr->retransmission || mr->is_request || mr->copy)) {
		ct_out_puts(o, ",\"match\":{\"request\":");
		ct_out_puts(o, mr->is_request ? "true" : "false");
		put_jbool(o, "retransmission", mr->retransmission);
		put_jbool(o, "copy", mr->copy);
		if (mr->answered) {
			put_jint(o, "answers_frame", (int64_t)mr->req_frame);
			const char *ans = ct_match_mode_name(mr->req_mode, nb);
			put_jname(o, "answers", ans, strlen(ans));
			ct_jw_key(o, "latency_ms", 0);
			ct_out_fixed(o, (double)mr->latency_ns / 1e6, 3);
			put_jint(o, "retries", mr->retries);
			put_jbool(o, "refused", mr->refused);
			if (mr->decrypt_err)
				put_jbool(o, "decrypt_err", 1);
		}
		ct_out_putc(o, '}');
	}
	ct_out_put(o, "}\n", 2);
}

void ct_render_packet(struct ct_render *rd, const struct ct_dpkt *pk, const struct ct_dipmsg *im,
	const struct ct_mres *mr, const struct ct_rtp_stream *rs)
{
	if (rd->json)
		json_packet(rd, pk, im, mr, rs);
	else
		text_packet(rd, pk, im, mr, rs);
	ct_out_flush(&rd->out, 0);
}
