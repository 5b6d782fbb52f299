/* fuzz-ipview.c: libFuzzer target: the raw-socket view of probe answers (ipview: IPv4/IPv6, ICMP quotes) and the RTP
 * parsers (RTP/RTCP decode, the probe/echo parse and the echo builder); every pointer they return lies inside the input.
 * Input: a selector byte (which parser; for IPv6 raw L4 the protocol), then the packet. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ipview.h"
#include "rtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	volatile uint8_t x = 0;

	if (!p) {
		if (n)
			abort();
		return;
	}
	if (p < buf || p > buf + len || n > (size_t)(buf + len - p))
		abort(); /* a view beyond the packet */
	for (size_t i = 0; i < n; i++)
		x ^= p[i];
	(void)x;
}

static void view(const uint8_t *p, size_t n, int sel)
{
	struct ct_ipview v;
	static const uint8_t protos[] = { 6, 17, 58, 1, 0 };
	struct in6_addr a, b;
	int r;

	memset(&v, 0, sizeof v);
	memset(&a, 0x11, sizeof a);
	memset(&b, 0x22, sizeof b);
	if (sel == 0)
		r = ct_ipview_parse(p, n, &v);
	else if (sel == 1)
		r = ct_ipview_parse6(p, n, &v);
	else
		r = ct_ipview_parse6_l4(p, n, protos[(sel - 2) % 5], &a, &b, sel & 8 ? -1 : 64, &v);
	if (r != 0)
		return;
	inside(v.l4.payload, v.l4.plen, p, n);
	if (v.has_inner)
		inside(v.in.payload, v.in.plen, p, n);
}

static void rtp(const uint8_t *p, size_t n)
{
	struct ct_rtp d;
	struct ct_rtp_hdr h;
	struct ct_rtp_echo_info ei;
	const uint8_t *pl = NULL;
	size_t plen = 0;
	uint8_t out[2048];

	if (ct_decode_rtp(p, (uint32_t)n, &d) == 0) {
		if (d.hdr_len > n || d.pl_len > n - d.hdr_len)
			abort(); /* header and media bytes within the packet */
		(void)ct_rtp_pt_name(d.pt);
		(void)ct_rtcp_name(d.pt);
	}
	if (ct_rtp_parse(p, n, &h, &pl, &plen) == 0)
		inside(pl, plen, p, n);
	(void)ct_rtp_parse_echo(p, n, &h, &ei);
	size_t e = ct_rtp_make_echo(p, n, 1, 2, 3, out, sizeof out);
	if (e > sizeof out)
		abort();
	if (e && ct_rtp_parse_echo(out, e, &h, &ei) != 0)
		abort(); /* an echo we build reads back */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	if (size < 1)
		return 0;
	/* an exact-size copy: ASan sees any read past the end */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 0x80)
		rtp(copy, size - 1);
	else
		view(copy, size - 1, data[0] & 0x0f);
	free(copy);
	return 0;
}
