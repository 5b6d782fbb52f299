/* fuzz-decode.c: libFuzzer target: frames through every decoder layer, the matcher and both renderers;
 * every NDJSON line must parse and no text line may hold a raw control character.
 * Input: records of [link type selector][length, 2 bytes big-endian][frame bytes]. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "capture.h"
#include "decode.h"
#include "decode-ipmsg.h"
#include "json.h"
#include "match.h"
#include "rtpstat.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = { CT_LINK_ETHERNET, CT_LINK_SLL, CT_LINK_SLL2, CT_LINK_RAW, CT_LINK_NULL,
	CT_LINK_IPV4, CT_LINK_IPV6, 147 /* unknown */ };

static void check_output(struct sniff_out *so)
{
	char *p = so->p, *end = so->p + so->len;

	while (p && p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n;
		if (!nl) {
			fprintf(stderr, "record without newline: %.*s\n", (int)(end - p), p);
			abort(); /* every record ends with a newline */
		}
		n = (size_t)(nl - p);
		if (so->json) {
			struct ct_json *j = NULL;
			if (ct_json_parse(p, n, &j) != 0 || !ct_json_is_obj(j)) {
				fprintf(stderr, "invalid JSON line: %.*s\n", (int)n, p);
				abort();
			}
			ct_json_free(j);
		} else {
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) {
					fprintf(stderr, "control character in a text line: %.*s\n", (int)n, p);
					abort();
				}
		}
		p = nl + 1;
	}
	so->len = 0;
}

static int same(const struct ct_sbuf *a, const struct ct_sbuf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

/* The reused (memo) results must equal a full decoding. */
static void check_memo(const struct ct_dipmsg *im, const uint8_t *p, size_t n)
{
	struct ct_dipmsg full;

	ct_dipmsg_init(&full);
	free(full.memo); /* without the memo every step is done in full */
	full.memo = NULL;
	ct_dipmsg_decode(&full, p, n);
	if (full.status != im->status || !same(&full.cmd, &im->cmd) || !same(&full.user, &im->user) ||
	    !same(&full.host, &im->host) || !same(&full.nick, &im->nick) || !same(&full.group, &im->group) ||
	    !same(&full.text, &im->text) || full.nitem != im->nitem || full.has_nick != im->has_nick) {
		fprintf(stderr, "memo mismatch: status %d/%d cmd %d user %d host %d nick %d group %d text %d nitem %zu/%zu\n",
			full.status, im->status, same(&full.cmd, &im->cmd), same(&full.user, &im->user),
			same(&full.host, &im->host), same(&full.nick, &im->nick), same(&full.group, &im->group),
			same(&full.text, &im->text), full.nitem, im->nitem);
		abort();
	}
	for (size_t i = 0; i < full.nitem; i++)
		if (strcmp(full.item[i].key, im->item[i].key) != 0 || full.item[i].num != im->item[i].num ||
		    full.item[i].off != im->item[i].off || full.item[i].len != im->item[i].len) {
			fprintf(stderr, "memo mismatch in item %s\n", full.item[i].key);
			abort();
		}
	ct_dipmsg_fini(&full);
}

static void unans(const struct ct_unans *u, void *ud)
{
	so_unanswered(ud, u);
}

static void run(const uint8_t *data, size_t size, int json)
{
	struct ct_decoder dec;
	struct ct_dipmsg im;
	struct ct_rtpstat rs;
	struct ct_match *m;
	struct sniff_out so;
	struct ct_dpkt pk;
	size_t off = 0;
	int64_t ts = 1700000000LL * 1000000000LL;

	ct_decoder_init(&dec);
	ct_dipmsg_init(&im);
	if (ct_rtpstat_init(&rs, 16, 0) != 0 || ct_match_new(&m, 1000000000, 16) != 0) {
		fprintf(stderr, "out of memory\n");
		abort();
	}
	so_init(&so, -1, json);
	while (off + 3 <= size) {
		struct ct_pkt pkt;
		struct ct_mres mr;
		struct ct_mpkt mp;
		const struct ct_rtp_stream *st = NULL;
		int have_ipmsg = 0;
		size_t n = (size_t)(data[off + 1] << 8 | data[off + 2]);
		uint8_t *frame;

		pkt.linktype = links[data[off] % (sizeof links / sizeof links[0])];
		off += 3;
		if (n > size - off)
			n = size - off;
		/* an exact-size copy: ASan sees reads past the captured bytes */
		frame = malloc(n ? n : 1);
		if (!frame)
			abort();
		memcpy(frame, data + off, n);
		off += n;
		pkt.data = frame;
		pkt.caplen = (uint32_t)n;
		pkt.len = (uint32_t)n + (data[0] & 1) * 100; /* sometimes "cut off by the capture" */
		ts += 300000000;
		pkt.ts_sec = ts / 1000000000;
		pkt.ts_nsec = (uint32_t)(ts % 1000000000);
		ct_decode(&dec, &pkt, &pk);
		if (pk.kind == CT_DK_IPMSG || (pk.kind == CT_DK_TCP && ct_dipmsg_looks_like(pk.app, pk.app_len))) {
			ct_dipmsg_decode(&im, pk.app, pk.app_len);
			check_memo(&im, pk.app, pk.app_len);
			have_ipmsg = 1;
		}
		if (pk.kind == CT_DK_RTP)
			st = ct_rtpstat_update(&rs, pk.ip.af, pk.ip.src, pk.ip.dst, pk.sport, pk.dport, &pk.rtp,
				pk.app_wire, ts);
		memset(&mr, 0, sizeof mr);
		if (pk.kind == CT_DK_IPMSG || pk.kind == CT_DK_TCP) {
			memset(&mp, 0, sizeof mp);
			mp.ts_ns = ts;
			mp.frame = pk.frame;
			mp.af = pk.ip.af;
			mp.src = pk.ip.src;
			mp.dst = pk.ip.dst;
			mp.sport = pk.sport;
			mp.dport = pk.dport;
			mp.tcp = pk.kind == CT_DK_TCP;
			mp.tcp_flags = pk.tcp.flags;
			mp.tcp_len = pk.app_wire;
			mp.dst_group = pk.ip.dst[3] == 255;
			mp.mode = have_ipmsg && im.status == 0 ? im.m.mode : CT_MATCH_MALFORMED;
			mp.opts = have_ipmsg && im.status == 0 ? im.m.opts : 0;
			mp.has_ref = have_ipmsg && im.has_ref;
			mp.ref = im.ref;
			mp.has_next = have_ipmsg && im.has_next;
			mp.next = im.next;
			ct_match_packet(m, &mp, &mr, unans, &so);
		} else if (pk.kind == CT_DK_ICMP && pk.icmp.has_quote && pk.icmp.q_ports) {
			ct_match_icmp(m, ts, pk.frame, pk.icmp.q_af, pk.icmp.q_src, pk.icmp.q_dst, pk.icmp.q_proto,
				pk.icmp.q_sport, pk.icmp.q_dport, &mr, unans, &so);
		}
		so_packet(&so, &pk, have_ipmsg ? &im : NULL, &mr, st);
		free(frame);
		check_output(&so);
	}
	ct_match_flush(m, ts, unans, &so);
	so_peers(&so, m, ts / 1000000000);
	check_output(&so);
	so_rtp_streams(&so, &rs);
	check_output(&so);
	so.fd = -1;
	so_fini(&so);
	ct_match_free(m);
	ct_rtpstat_fini(&rs);
	ct_dipmsg_fini(&im);
	ct_decoder_fini(&dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 0);
	run(data, size, 1);
	return 0;
}
