/* fuzz-node.c: libFuzzer target: datagrams from fuzzed loopback sources into a node with a list server, a list client,
 * a notify round and a search attached; the host table stays consistent and the notify/search answer matching agrees
 * with a model of what the node's observers and SENDINFO handlers saw.
 * Input: records of [source: net<<6 | host][source port selector][length, 2 bytes big-endian][datagram]. */
#include "config.h"
#include <stdint.h>
#include "addr.h"
#include "nodefuzz.h"
#include "codec.h"
#include "listcli.h"
#include "listsrv.h"
#include "notify.h"
#include "search.h"
#include "targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_MAX_SEEN 512

/* What the node reported to the observers and the SENDINFO handlers (the model's input). */
struct seen {
	struct ct_haddr a[FZ_MAX_SEEN];
	size_t n;
};

static void remember(struct seen *s, const struct ct_haddr *a)
{
	for (size_t i = 0; i < s->n; i++)
		if (ct_haddr_same_ip(&s->a[i], a))
			return;
	if (s->n < FZ_MAX_SEEN)
		s->a[s->n++] = *a;
}

static struct seen seen_entry, seen_info;

static void observe(struct ct_node *n, struct ct_host *h, uint32_t mode, const struct ct_haddr *from, void *ud)
{
	(void)n;
	(void)mode;
	(void)ud;
	if (!h || !h->user[0] || !h->host[0])
		fz_fail("observer called with an empty host");
	remember(&seen_entry, from);
}

static void on_sendinfo(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	(void)n;
	(void)ud;
	remember(&seen_info, &rx->from);
}

/* Sources are loopback only: the node answers them. */
static void source(uint8_t a, uint8_t p, uint16_t own, struct ct_haddr *out)
{
	uint32_t ip;
	uint16_t port = p < 0x40 ? CT_IPMSG_PORT : p < 0x80 ? own : (uint16_t)(40000 + (p & 0x7f));

	switch (a >> 6) {
	case 0: ip = 0x7F000000u | (a & 63u); break;          /* 127.0.0.x */
	case 1: ip = 0x7F000100u | (a & 31u); break;          /* 127.0.1.x: notify targets .1-.14 */
	case 2: ip = 0x7F000200u | (a & 31u); break;          /* 127.0.2.x: search targets .1-.14 */
	default: ip = 0x7F000001u; port = p < 0x80 ? own : port; /* the list server (ourselves) */
	}
	ct_haddr_set_v4(out, ip, port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_evloop *ev = NULL;
	struct ct_hosts *t;
	struct ct_targets allow, ntg, stg;
	struct ct_listsrv_conf sc;
	struct ct_listcli_conf cc;
	struct ct_listsrv *ls = NULL;
	struct ct_listcli *lc = NULL;
	struct ct_notify *nt = NULL;
	struct ct_search *se = NULL;
	struct ct_node *n;
	char err[200];
	size_t off = 0, records = 0;

	if (size > 65536)
		return 0;
	t = ct_hosts_new();
	ct_evloop_new(&ev);
	n = fz_node(ev, t, "fuzzsrv");
	seen_entry.n = seen_info.n = 0;
	fz_log_bytes = 0;
	ct_targets_init(&allow, (size_t)-1);
	ct_targets_init(&ntg, 64);
	ct_targets_init(&stg, 64);
	ct_targets_add(&allow, "127.0.0.0/8", err, sizeof err);
	ct_targets_add(&ntg, "127.0.1.0/28", err, sizeof err);
	ct_targets_add(&stg, "127.0.2.0/28", err, sizeof err);
	memset(&sc, 0, sizeof sc);
	sc.allow = &allow;
	sc.rate = 1e6;
	sc.global_rate = 1e6;
	if (ct_listsrv_new(&ls, n, &sc) != 0 || ct_notify_new(&nt, n, &ntg, 0, 1e6, 0) != 0 ||
	    ct_search_start(&se, n, &stg, 1e6, 0, NULL, NULL, err, sizeof err) != 0)
		fz_fail("setup");
	ct_notify_round(nt);
	memset(&cc, 0, sizeof cc);
	cc.server = "127.0.0.1";
	cc.port = ct_node_port(n);
	if (ct_listcli_new(&lc, n, &cc, NULL, NULL) != 0)
		fz_fail("list client");
	ct_listcli_fetch(lc);
	ct_node_add_observer(n, observe, NULL);
	ct_node_add_handler(n, CT_IPMSG_SENDINFO, on_sendinfo, NULL);
	fz_log_bytes = 0;

	while (size - off >= 4) {
		struct ct_haddr from;
		size_t len = (size_t)data[off + 2] << 8 | data[off + 3];
		source(data[off], data[off + 1], ct_node_port(n), &from);
		off += 4;
		if (len > size - off)
			len = size - off;
		ct_node_input(n, data + off, len, &from);
		off += len;
		records++;
		fz_check_table(t);
	}
	ct_evloop_run_once(ev, 0); /* what is due now (queued answers) */
	fz_check_table(t);
	if (ct_hosts_count(t) > size + 1)
		fz_fail("more hosts than input bytes");
	if (fz_log_bytes > FZ_LOG_PER_INPUT * (records + 1))
		fz_fail("log volume not bounded by the datagrams");

	/* the matcher: notify counts exactly the distinct round addresses that sent an entry */
	const struct ct_notify_round *rd = ct_notify_running(nt);
	size_t want_n = 0, want_s = 0;
	for (size_t i = 0; i < seen_entry.n; i++)
		if (ct_targets_match(&ntg, &seen_entry.a[i]))
			want_n++;
	if (!rd || rd->answered != want_n)
		fz_fail("notify answered count differs from the entries seen from its targets");
	/* search: one hit per distinct probed address that sent an entry or a SENDINFO, no other */
	struct seen both = seen_entry;
	for (size_t i = 0; i < seen_info.n; i++)
		remember(&both, &seen_info.a[i]);
	for (size_t i = 0; i < both.n; i++)
		if (ct_targets_match(&stg, &both.a[i]))
			want_s++;
	const struct ct_search_hit *hits;
	size_t nh = ct_search_hits(se, &hits);
	if (nh != want_s || ct_search_progress(se)->found != want_s)
		fz_fail("search hits differ from the answers seen from its targets");
	for (size_t i = 0; i < nh; i++) {
		if (!ct_targets_match(&stg, &hits[i].addr))
			fz_fail("search hit outside the searched ranges");
		for (size_t j = 0; j < i; j++)
			if (ct_haddr_same_ip(&hits[i].addr, &hits[j].addr))
				fz_fail("two search hits for one address");
		if (hits[i].entry && !hits[i].user[0])
			fz_fail("search hit with an entry but no user");
	}

	ct_node_remove_handler(n, CT_IPMSG_SENDINFO, on_sendinfo, NULL);
	ct_node_remove_observer(n, observe, NULL);
	ct_listcli_free(lc);
	ct_search_free(se);
	ct_notify_free(nt);
	ct_listsrv_free(ls);
	ct_node_free(n);
	ct_hosts_free(t);
	ct_evloop_free(ev);
	ct_targets_fini(&allow);
	ct_targets_fini(&ntg);
	ct_targets_fini(&stg);
	return 0;
}
