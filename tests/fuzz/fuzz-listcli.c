/* fuzz-listcli.c: libFuzzer target: the list client's ANSLIST merge: a fetch in progress fed fuzzed pages from the
 * server and from forgers; only the server's pages for the page asked for merge, the table stays consistent, every
 * refused page is counted, no fingerprinted user without ENCRYPTOPT and no copy of ourselves gets in.
 * Input: a flags byte (bit 0: the server answers OKGETLIST first, bit 1: CP932 instead of UTF-8), then records of
 * [source selector][length, 2 bytes big-endian][ANSLIST body] (selector bit 0/1: another port / another address). */
#include "config.h"
#include <stdint.h>
#include "addr.h"
#include "codec.h"
#include "nodefuzz.h"
#include "listcli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void feed(struct ct_node *n, const struct ct_haddr *from, uint32_t cmd, const uint8_t *body, size_t len)
{
	static uint32_t pkt = 1000;
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	ct_codec_build(&b, NULL, pkt++, "srvuser", "srvhost", cmd, body, len, 1);
	if (!b.err)
		ct_node_input(n, b.p, b.len, from);
	ct_sbuf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_evloop *ev = NULL;
	struct ct_hosts *t;
	struct ct_listcli_conf cc;
	struct ct_listcli *lc = NULL;
	struct ct_node *n;
	struct ct_haddr srv, other_port, other_addr;
	size_t off = 1, records = 0;
	uint64_t forged = 0;

	if (size < 1 || size > 65536)
		return 0;
	t = ct_hosts_new();
	ct_evloop_new(&ev);
	n = fz_node(ev, t, "fuzzcli");
	memset(&cc, 0, sizeof cc);
	cc.server = "127.0.0.1";
	cc.port = ct_node_port(n); /* the fetch's packets go to ourselves: loopback only */
	cc.phase_ms = 60000;
	if (ct_listcli_new(&lc, n, &cc, NULL, NULL) != 0)
		fz_fail("list client");
	ct_listcli_fetch(lc);
	ct_haddr_set_v4(&srv, 0x7F000001u, ct_node_port(n));
	ct_haddr_set_v4(&other_port, 0x7F000001u, (uint16_t)(ct_node_port(n) + 1));
	ct_haddr_set_v4(&other_addr, 0x7F000002u, ct_node_port(n));
	if (data[0] & 1)
		feed(n, &srv, CT_IPMSG_OKGETLIST, NULL, 0);
	const struct ct_listcli_status *st = ct_listcli_status(lc);
	fz_log_bytes = 0;

	while (size - off >= 3) {
		uint8_t sel = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		const struct ct_haddr *from = sel & 1 ? &other_port : sel & 2 ? &other_addr : &srv;
		size_t before = ct_hosts_count(t);
		uint64_t gen = ct_hosts_generation(t), refused = st->refused_pages;
		off += 3;
		if (len > size - off)
			len = size - off;
		feed(n, from, CT_IPMSG_ANSLIST | (data[0] & 2 ? 0 : CT_IPMSG_UTF8OPT), data + off, len);
		off += len;
		records++;
		if (from != &srv) {
			forged++;
			if (ct_hosts_count(t) != before || ct_hosts_generation(t) != gen)
				fz_fail("a forged page changed the table");
			if (st->refused_pages != refused + 1)
				fz_fail("a forged page was not counted");
		}
		fz_check_table(t);
	}
	if (st->refused_source != forged)
		fz_fail("refused_source differs from the forged pages sent");
	if (st->refused_pages != st->refused_source + st->refused_unasked + st->refused_page)
		fz_fail("refused_pages is not the sum of its parts");
	if (fz_log_bytes > FZ_LOG_PER_INPUT * (records + 1))
		fz_fail("log volume not bounded by the pages");
	for (size_t i = 0; i < ct_hosts_count(t); i++) {
		const struct ct_host *h = ct_hosts_at(t, i);
		if (ct_listcli_has_fingerprint(h->user) && !(h->status & CT_IPMSG_ENCRYPTOPT))
			fz_fail("fingerprinted user without ENCRYPTOPT merged");
		if (ct_node_is_self(n, &h->addr, h->user, h->host))
			fz_fail("our own entry (our names at our address) merged");
		if (!(h->origin & CT_HOST_LIST))
			fz_fail("a host not from the list");
	}
	ct_listcli_free(lc);
	ct_node_free(n);
	ct_hosts_free(t);
	ct_evloop_free(ev);
	return 0;
}
