/* trace.c: the packet-trace pipeline behind `camtrace sniff` and the monitor: decode, match, count, one frame at a time. */
#include "config.h"
#include <string.h>
#include <sys/socket.h>
#include "err.h"
#include "rtp.h"
#include "trace.h"

static void on_unans(const struct ct_unans *u, void *ud)
{
	struct ct_trace *t = ud;

	if (u->xfer)
		t->stalled++;
	else
		t->unanswered++;
	if (t->on_unans)
		t->on_unans(u, t->ud);
}

int ct_trace_init(struct ct_trace *t, const struct ct_trace_opts *o, ct_trace_unans_fn fn, void *ud)
{
	double timeout = o->answer_timeout_s > 0 ? o->answer_timeout_s : 2.0;
	double stall = o->stall_timeout_s > 0 ? o->stall_timeout_s : 5.0;

	memset(t, 0, sizeof *t);
	t->on_unans = fn;
	t->ud = ud;
	ct_decoder_init(&t->dec);
	t->dec.rtp_lo = o->rtp_lo ? o->rtp_lo : CT_RTP_DEFAULT_LO;
	t->dec.rtp_hi = o->rtp_hi ? o->rtp_hi : CT_RTP_DEFAULT_HI;
	ct_dipmsg_init(&t->ipm);
	if (ct_rtpstat_init(&t->rtp, o->max_rtp_streams ? o->max_rtp_streams : 4096, o->rtp_clock) != 0 ||
	    ct_match_new(&t->match, (int64_t)(timeout * 1e9), o->max_pending ? o->max_pending : 16384) != 0 ||
	    ct_xwatch_new(&t->xw, (int64_t)(stall * 1e9)) != 0) {
		ct_trace_fini(t);
		return CT_ENOMEM;
	}
	return 0;
}

void ct_trace_fini(struct ct_trace *t)
{
	ct_match_free(t->match);
	t->match = NULL;
	ct_xwatch_free(t->xw);
	t->xw = NULL;
	ct_rtpstat_fini(&t->rtp);
	ct_dipmsg_fini(&t->ipm);
	ct_decoder_fini(&t->dec);
	memset(t, 0, sizeof *t); /* a second fini does nothing */
}

static int is_group_addr(int af, const uint8_t *a)
{
	if (af == AF_INET)
		return a[3] == 255 || (a[0] >= 224 && a[0] <= 239);
	return a[0] == 0xff;
}

/* The matcher's view of an IP Messenger datagram or a TCP 2425 segment. */
static void match_packet(struct ct_trace *t, const struct ct_dpkt *pk, const struct ct_dipmsg *im, int64_t ts_ns,
	struct ct_mres *mr)
{
	struct ct_mpkt mp;

	memset(&mp, 0, sizeof mp);
	mp.ts_ns = ts_ns;
	mp.frame = pk->frame;
	mp.bytes = pk->ip.pl_wire;
	mp.af = pk->ip.af;
	mp.src = pk->ip.src;
	mp.dst = pk->ip.dst;
	mp.sport = pk->sport;
	mp.dport = pk->dport;
	mp.tcp = pk->kind == CT_DK_TCP;
	mp.tcp_flags = pk->tcp.flags;
	mp.tcp_len = mp.tcp ? pk->app_wire : 0;
	mp.tcp_seq = pk->tcp.seq;
	mp.dst_group = is_group_addr(pk->ip.af, pk->ip.dst);
	if (im && im->status == 0) {
		mp.mode = im->m.mode;
		mp.opts = im->m.opts;
		mp.packetno = im->m.packetno;
		mp.has_ref = im->has_ref;
		mp.ref = im->ref;
		mp.has_next = im->has_next;
		mp.next = im->next;
		mp.decrypt_err = im->decrypt_err;
		mp.has_filereq = im->has_filereq;
		mp.req_packetno = im->req_packetno;
		mp.req_fileid = im->req_fileid;
		mp.req_offset = im->req_offset;
		if (im->nfile)
			ct_xwatch_offer(t->xw, mp.af, mp.src, mp.packetno, im->file_id, im->file_size, im->nfile);
	} else {
		mp.mode = mp.tcp ? CT_MATCH_TCP_DATA : CT_MATCH_MALFORMED;
	}
	ct_match_packet(t->match, &mp, mr, on_unans, t);
	if (mp.tcp)
		ct_xwatch_tcp(t->xw, &mp, on_unans, t);
}

void ct_trace_frame(struct ct_trace *t, const struct ct_pkt *pkt, struct ct_trace_rec *rec)
{
	struct ct_dpkt *pk = &rec->pk;
	int64_t ts_ns = pkt->ts_sec * 1000000000LL + pkt->ts_nsec;

	rec->im = NULL;
	rec->mr = NULL;
	rec->rs = NULL;
	ct_decode(&t->dec, pkt, pk);
	t->kinds[pk->kind]++;
	t->last_ts_ns = ts_ns;
	ct_xwatch_expire(t->xw, ts_ns, on_unans, t);
	if (pk->kind == CT_DK_IPMSG) {
		rec->im = &t->ipm;
		if (ct_dipmsg_decode(&t->ipm, pk->app, pk->app_len) != 0)
			t->ipmsg_bad++;
	} else if (pk->kind == CT_DK_TCP && pk->app_len > 0 && pk->dport == t->dec.ipmsg_port &&
		   ct_dipmsg_looks_like(pk->app, pk->app_len) && ct_dipmsg_decode(&t->ipm, pk->app, pk->app_len) == 0) {
		rec->im = &t->ipm;
	} else if (pk->kind == CT_DK_RTP && !pk->fwd_of) {
		rec->rs = ct_rtpstat_update(&t->rtp, pk->ip.af, pk->ip.src, pk->ip.dst, pk->sport, pk->dport, &pk->rtp,
			pk->app_wire, ts_ns);
	}
	if ((pk->kind == CT_DK_IPMSG || pk->kind == CT_DK_TCP) && !pk->fwd_of) {
		match_packet(t, pk, rec->im, ts_ns, &rec->mres);
		rec->mr = &rec->mres;
	}
	if (pk->kind == CT_DK_ICMP && !pk->fwd_of && pk->icmp.is_error && pk->icmp.has_quote && pk->icmp.q_ports) {
		ct_match_icmp(t->match, ts_ns, pk->frame, pk->icmp.q_af, pk->icmp.q_src, pk->icmp.q_dst,
			pk->icmp.q_proto, pk->icmp.q_sport, pk->icmp.q_dport, &rec->mres, on_unans, t);
		rec->mr = &rec->mres;
	}
}

void ct_trace_expire(struct ct_trace *t, int64_t now_ns)
{
	ct_match_expire(t->match, now_ns, on_unans, t);
	ct_xwatch_expire(t->xw, now_ns, on_unans, t);
}

void ct_trace_flush(struct ct_trace *t)
{
	ct_match_flush(t->match, t->last_ts_ns, on_unans, t);
	ct_xwatch_flush(t->xw, t->last_ts_ns, on_unans, t);
}

uint64_t ct_trace_total(const struct ct_trace *t)
{
	uint64_t total = 0;

	for (int k = 0; k <= CT_DK_OTHER; k++)
		total += t->kinds[k];
	return total;
}

void ct_trace_filter(struct ct_sbuf *f, uint16_t rtp_lo, uint16_t rtp_hi, int no_default, int argc,
	char *const *argv)
{
	unsigned lo = rtp_lo, hi = rtp_hi;

	if (!no_default) {
		ct_sbuf_printf(f, "(udp port 2425 or tcp port 2425 or udp portrange %u-%u"
			" or (icmp and (icmp[0] == 3 or icmp[0] == 4 or icmp[0] == 5 or icmp[0] == 11 or icmp[0] == 12)"
			" and (icmp[8 + ((icmp[8] & 0xf) * 4):2] == 2425 or icmp[8 + ((icmp[8] & 0xf) * 4) + 2:2] == 2425"
			" or (icmp[8 + ((icmp[8] & 0xf) * 4):2] >= %u and icmp[8 + ((icmp[8] & 0xf) * 4):2] <= %u)"
			" or (icmp[8 + ((icmp[8] & 0xf) * 4) + 2:2] >= %u and icmp[8 + ((icmp[8] & 0xf) * 4) + 2:2] <= %u)))"
			" or (icmp6 and ip6[40] < 128)"
			" or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44))",
			lo, hi, lo, hi, lo, hi);
	}
	if (argc > 0) {
		if (f->len)
			ct_sbuf_adds(f, " and (");
		for (int i = 0; i < argc; i++) {
			if (i)
				ct_sbuf_addc(f, ' ');
			ct_sbuf_adds(f, argv[i]);
		}
		if (!no_default)
			ct_sbuf_addc(f, ')');
	}
}
