/* mon-src-scan.c: the monitor's --scan RANGE without a daemon: the search engine `camtrace scan` uses, on the monitor's loop from UDP 2425, its answers and every entry packet heard there fed to the model. */
#include "config.h"
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include "codec.h"
#include "hosts.h"
#include "mon-src-int.h"
#include "node.h"
#include "search.h"
#include "targets.h"

/* An entry packet (BR_ENTRY, ANSENTRY, BR_ABSENCE, BR_EXIT) the node received. */
static void on_entry(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct mon_src *s = ud;

	(void)n;
	if (rx->from.family != AF_INET || !s->ipm_ok ||
		ct_dipmsg_decode(&s->ipm, (const uint8_t *)rx->m->buf, rx->m->len) != 0)
		return;
	mon_src_host_ipmsg(s, &s->ipm, AF_INET, rx->from.ip, rx->from.port,
		s->search_done ? "broadcast" : "scan", mon_src_now());
}

static void on_progress(struct ct_search *se, const struct ct_search_progress *p, void *ud)
{
	struct mon_src *s = ud;

	(void)se;
	if (p->state == CT_SEARCH_RUNNING)
		return;
	s->search_done = 1;
	mon_model_note(s->m, MON_EV_SEARCH, 0, NULL, mon_src_now(), "search  --scan %s: %zu probed, %zu found",
		p->state == CT_SEARCH_DONE ? "done" : "cancelled", p->probed, p->found);
}

/* Starts the scan; 0, or -1 when it cannot run (said as a status event). */
int mon_src_scan_open(struct mon_src *s)
{
	static const uint32_t modes[] = { CT_IPMSG_BR_ENTRY, CT_IPMSG_ANSENTRY, CT_IPMSG_BR_ABSENCE, CT_IPMSG_BR_EXIT };
	struct ct_node_conf nc = { 0 };
	struct ct_targets ts;
	char err[300], host[64] = "camtrace";
	int r = -1;

	ct_targets_init(&ts, 1u << 20);
	if (ct_targets_add(&ts, s->o.scan, err, sizeof err) != 0)
		goto fail;
	if (!(s->scan_hosts = ct_hosts_new())) {
		snprintf(err, sizeof err, "out of memory");
		goto fail;
	}
	(void)gethostname(host, sizeof host - 1);
	nc.user = "camtrace";
	nc.host = host;
	nc.nick = "camtrace monitor";
	nc.entry_repeat_ms = 0;
	nc.check_interval_ms = 0;
	nc.no_broadcast = 1;
	if (ct_node_new(&s->scan_node, s->ev, s->scan_hosts, &nc, err, sizeof err) != 0)
		goto fail;
	if (!s->ipm_ok && ct_dipmsg_init(&s->ipm) == 0)
		s->ipm_ok = 1;
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		ct_node_add_handler(s->scan_node, modes[i], on_entry, s);
	if (ct_search_start(&s->search, s->scan_node, &ts, 50, 4200, on_progress, s, err, sizeof err) != 0)
		goto fail;
	ct_search_set_quiet(s->search, 250);
	mon_model_note(s->m, MON_EV_STATUS, 0, NULL, mon_src_now(), "scanning %s from UDP 2425 (GETINFO and "
		"BR_ENTRY|DIALUPOPT, 50 addresses a second); then listening there", s->o.scan);
	r = 0;
fail:
	if (r)
		mon_model_note(s->m, MON_EV_STATUS, 1, NULL, mon_src_now(), "cannot scan %s: %s", s->o.scan, err);
	ct_targets_fini(&ts);
	return r;
}

void mon_src_scan_close(struct mon_src *s)
{
	ct_search_free(s->search);
	s->search = NULL;
	ct_node_free(s->scan_node); /* says BR_EXIT to the hosts it sent BR_ENTRY */
	s->scan_node = NULL;
	ct_hosts_free(s->scan_hosts);
	s->scan_hosts = NULL;
}
