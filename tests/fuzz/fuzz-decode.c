/* fuzz-decode.c: libFuzzer target: frames through the trace pipeline (every decoder layer, the matcher) and both renderers;
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
#include "render.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[] = { CT_LINK_ETHERNET, CT_LINK_SLL, CT_LINK_SLL2, CT_LINK_RAW, CT_LINK_NULL,
	CT_LINK_IPV4, CT_LINK_IPV6, 147 /* unknown */ };

static void check_output(struct ct_out *so, int json)
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
		if (json) {
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

static int sames(const struct ct_slice *a, const struct ct_slice *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

/* the items' text, wherever each decoding keeps it */
static int same_text(const struct ct_dipmsg *a, const struct ct_dipmsg *b)
{
	struct ct_slice x = { a->text_view ? a->text_view : a->text.p, a->text_view ? a->text_view_len : a->text.len };
	struct ct_slice y = { b->text_view ? b->text_view : b->text.p, b->text_view ? b->text_view_len : b->text.len };

	return sames(&x, &y);
}

/* The reused (memo) results must equal a full decoding. */
static void check_memo(const struct ct_dipmsg *im, const uint8_t *p, size_t n)
{
	struct ct_dipmsg full;

	ct_dipmsg_init(&full);
	free(full.memo); /* without the memo every step is done in full */
	full.memo = NULL;
	ct_dipmsg_decode(&full, p, n);
	if (full.status != im->status || !sames(&full.cmd_s, &im->cmd_s) || !sames(&full.user_s, &im->user_s) ||
	    !sames(&full.host_s, &im->host_s) || !sames(&full.nick_s, &im->nick_s) || !sames(&full.group_s, &im->group_s) ||
	    !same_text(&full, im) || full.nitem != im->nitem || full.has_nick != im->has_nick ||
	    full.plain != im->plain || full.mode_name != im->mode_name) {
		fprintf(stderr, "memo mismatch: status %d/%d cmd %d user %d host %d nick %d group %d text %d nitem %zu/%zu\n",
			full.status, im->status, sames(&full.cmd_s, &im->cmd_s), sames(&full.user_s, &im->user_s),
			sames(&full.host_s, &im->host_s), sames(&full.nick_s, &im->nick_s), sames(&full.group_s, &im->group_s),
			same_text(&full, im), full.nitem, im->nitem);
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
	ct_render_unanswered(ud, u);
}

static void run(const uint8_t *data, size_t size, int json)
{
	struct ct_trace tr;
	struct ct_trace_opts to = { .answer_timeout_s = 1.0, .max_rtp_streams = 16, .max_pending = 16 };
	struct ct_render rd;
	struct ct_trace_rec rec;
	size_t off = 0;
	int64_t ts = 1700000000LL * 1000000000LL;

	ct_render_init(&rd, -1, json);
	if (ct_trace_init(&tr, &to, unans, &rd) != 0) {
		fprintf(stderr, "out of memory\n");
		abort();
	}
	while (off + 3 <= size) {
		struct ct_pkt pkt;
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
		ct_trace_frame(&tr, &pkt, &rec);
		if (rec.im)
			check_memo(rec.im, rec.pk.app, rec.pk.app_len);
		ct_render_packet(&rd, &rec.pk, rec.im, rec.mr, rec.rs);
		free(frame);
		check_output(&rd.out, json);
	}
	ct_trace_flush(&tr);
	ct_render_peers(&rd, tr.match, ts / 1000000000);
	check_output(&rd.out, json);
	ct_render_rtp_streams(&rd, &tr.rtp);
	check_output(&rd.out, json);
	ct_render_fini(&rd);
	ct_trace_fini(&tr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, 0);
	run(data, size, 1);
	return 0;
}
