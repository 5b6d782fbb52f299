/* decode.c: drives the per-layer decoders over one frame and classifies it for the trace. */
#include "config.h"
#include <sys/socket.h>
#include <stddef.h>
#include <string.h>
#include "err.h"
#include "decode.h"

void ct_decoder_init(struct ct_decoder *d)
{
	memset(d, 0, sizeof *d);
	ct_defrag_init(&d->defrag);
	d->ipmsg_port = 2425;
	d->rtp_lo = CT_RTP_DEFAULT_LO;
	d->rtp_hi = CT_RTP_DEFAULT_HI;
}

void ct_decoder_fini(struct ct_decoder *d)
{
	ct_defrag_fini(&d->defrag);
}

const char *ct_dkind_name(enum ct_dkind k)
{
	static const char *const n[] = { "non_ip", "malformed", "fragment", "ipmsg", "tcp", "rtp",
		"rtcp", "icmp", "udp", "other" };
	return (unsigned)k < sizeof n / sizeof n[0] ? n[k] : "other";
}

static int in_rtp(const struct ct_decoder *d, uint16_t port)
{
	return port >= d->rtp_lo && port <= d->rtp_hi;
}

static void decode_udp(struct ct_decoder *d, struct ct_dpkt *o)
{
	int r = ct_decode_udp(o->ip.pl, o->ip.pl_len, o->ip.pl_wire, &o->udp);

	if (r == CT_ETRUNC) {
		o->kind = CT_DK_BAD;
		o->bad = "UDP header cut off";
		return;
	}
	o->sport = o->udp.sport;
	o->dport = o->udp.dport;
	o->app = o->udp.pl;
	o->app_len = o->udp.pl_len;
	o->app_wire = o->udp.pl_wire;
	if (r != 0) {
		o->kind = CT_DK_BAD;
		o->bad = "UDP length field disagrees with the IP length";
		return;
	}
	if (o->sport == d->ipmsg_port || o->dport == d->ipmsg_port) {
		o->kind = CT_DK_IPMSG;
		return;
	}
	if (in_rtp(d, o->sport) || in_rtp(d, o->dport)) {
		r = ct_decode_rtp(o->app, o->app_len, &o->rtp);
		if (r == 0) {
			o->kind = o->rtp.rtcp ? CT_DK_RTCP : CT_DK_RTP;
			return;
		}
		o->kind = CT_DK_BAD;
		o->bad = r == CT_ETRUNC ? "RTP header cut off" : "not RTP (version is not 2) on an RTP port";
		return;
	}
	o->kind = CT_DK_UDP;
}

static void decode_tcp(struct ct_decoder *d, struct ct_dpkt *o)
{
	int r = ct_decode_tcp(o->ip.pl, o->ip.pl_len, o->ip.pl_wire, &o->tcp);

	if (r != 0) {
		o->kind = CT_DK_BAD;
		o->bad = r == CT_ETRUNC ? "TCP header cut off" : "TCP data offset is invalid";
		return;
	}
	o->sport = o->tcp.sport;
	o->dport = o->tcp.dport;
	o->app = o->tcp.pl;
	o->app_len = o->tcp.pl_len;
	o->app_wire = o->tcp.pl_wire;
	o->kind = o->sport == d->ipmsg_port || o->dport == d->ipmsg_port ? CT_DK_TCP : CT_DK_OTHER;
}

/* Signature of an IP packet that a router does not change (everything but TTL and checksum). */
static uint32_t ip_sig(const struct ct_ip *ip)
{
	uint32_t h = 2166136261u ^ ip->proto ^ (ip->pl_wire << 8) ^ (ip->frag_off << 3) ^ ip->id;
	size_t al = ip->af == AF_INET6 ? 16 : 4, n = ip->pl_len < 64 ? ip->pl_len : 64;

	for (size_t i = 0; i < al; i++)
		h = (h ^ ip->src[i] ^ ((uint32_t)ip->dst[i] << 8)) * 16777619u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ ip->pl[i]) * 16777619u;
	return h;
}

/* On "any", a router sees a forwarded packet twice: arriving, then leaving with TTL - 1.
 * Returns the frame of the arrival when this outgoing packet is such a copy. */
static uint64_t forwarded(struct ct_decoder *d, const struct ct_dpkt *o, const struct ct_pkt *pkt)
{
	uint32_t sig = ip_sig(&o->ip);

	if (!o->link.outgoing) {
		struct ct_fwd_sig *f = &d->fwd[d->fwd_next++ % CT_DECODE_FWD_RING];
		f->sig = sig;
		f->ttl = o->ip.ttl;
		f->frame = o->frame;
		f->ts_sec = pkt->ts_sec;
		return 0;
	}
	for (unsigned i = 0; i < CT_DECODE_FWD_RING; i++) {
		const struct ct_fwd_sig *f = &d->fwd[i];
		if (f->frame && f->sig == sig && f->ttl == (uint8_t)(o->ip.ttl + 1) && pkt->ts_sec - f->ts_sec <= 1)
			return f->frame;
	}
	return 0;
}

void ct_decode(struct ct_decoder *d, const struct ct_pkt *pkt, struct ct_dpkt *o)
{
	int r;

	/* the fields up to udp start cleared: ct_decode_link and ct_decode_ip clear their own structs,
	 * the rest one by one (a memset of the span compiled to `rep stos`, 5% of sniff's time) */
	o->kind = 0;
	o->bad = NULL;
	o->l4 = 0;
	o->sport = o->dport = 0;
	o->ip.af = 0;
	o->frame = ++d->frames;
	o->ts_sec = pkt->ts_sec;
	o->ts_nsec = pkt->ts_nsec;
	o->caplen = pkt->caplen;
	o->len = pkt->len;
	o->app = NULL;
	o->app_len = o->app_wire = 0;
	o->fwd_of = 0;
	r = ct_decode_link(pkt->linktype, pkt->data, pkt->caplen, &o->link);
	if (r != 0) {
		memset(&o->ip, 0, sizeof o->ip);
		o->kind = r == CT_EUNSUP ? CT_DK_NONIP : CT_DK_BAD;
		o->bad = r == CT_EUNSUP ? "link type not decoded" : "link header cut off";
		return;
	}
	if (o->link.ethertype != CT_ETH_IPV4 && o->link.ethertype != CT_ETH_IPV6) {
		memset(&o->ip, 0, sizeof o->ip);
		o->kind = CT_DK_NONIP;
		return;
	}
	r = ct_decode_ip(NULL, pkt->ts_sec, pkt->data + o->link.off, pkt->caplen - o->link.off, &o->ip);
	if (r != 0) {
		o->kind = CT_DK_BAD;
		o->bad = r == CT_ETRUNC ? "IP header cut off" : r == CT_EUNSUP ? "IP version is neither 4 nor 6"
			: "IP header lengths are invalid";
		return;
	}
	if ((o->link.ethertype == CT_ETH_IPV4) != (o->ip.af == AF_INET)) {
		o->kind = CT_DK_BAD;
		o->bad = "IP version does not match the link type";
		return;
	}
	o->l4 = o->ip.proto;
	if (o->link.outgoing >= 0)
		o->fwd_of = forwarded(d, o, pkt);
	if (o->ip.frag == 1 && !o->fwd_of)
		ct_defrag_add(&d->defrag, pkt->ts_sec, &o->ip);
	if (o->ip.frag == 1) {
		o->kind = CT_DK_FRAG;
		if (o->ip.frag_off == 0 && o->ip.pl_len >= 4) {
			o->sport = (uint16_t)(o->ip.pl[0] << 8 | o->ip.pl[1]);
			o->dport = (uint16_t)(o->ip.pl[2] << 8 | o->ip.pl[3]);
		}
		return;
	}
	switch (o->ip.proto) {
	case 17:
		decode_udp(d, o);
		break;
	case 6:
		decode_tcp(d, o);
		break;
	case 1:
	case 58:
		if ((o->ip.proto == 1) != (o->ip.af == AF_INET)) {
			o->kind = CT_DK_OTHER;
			break;
		}
		r = ct_decode_icmp(o->ip.af, o->ip.pl, o->ip.pl_len, &o->icmp);
		o->kind = r == 0 ? CT_DK_ICMP : CT_DK_BAD;
		if (r)
			o->bad = "ICMP message cut off";
		break;
	default:
		o->kind = CT_DK_OTHER;
	}
}
