/* mon-src-scan.c: the monitor's --scan RANGE without a daemon: the search engine `camtrace scan` uses, on the monitor's loop from UDP 2425, its answers and every entry packet heard there fed to the model. */
#include "config.h"
#include <arpa/inet.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include "codec.h"
#include "hosts.h"
#include "mon-src-int.h"
#include "node.h"
#include "search.h"
#include "targets.h"

/* A host the node updated from an entry packet (BR_ENTRY, ANSENTRY, BR_ABSENCE). */
static void on_host(struct ct_node *n, struct ct_host *ch, uint32_t mode, const struct ct_haddr *from, void *ud)
{
	struct mon_src *s = ud;
	struct mon_host h;

	(void)n;
	(void)mode;
	if (from->family != AF_INET)
		return;
	memset(&h, 0, sizeof h);
	inet_ntop(AF_INET, from->ip, h.addr, sizeof h.addr);
	h.port = from->port;
	snprintf(h.user, sizeof h.user, "%s", ch->user ? ch->user : "");
	snprintf(h.host, sizeof h.host, "%s", ch->host ? ch->host : "");
	snprintf(h.nick, sizeof h.nick, "%s", ch->nick ? ch->nick : "");
	snprintf(h.group, sizeof h.group, "%s", ch->group ? ch->group : "");
	snprintf(h.origin, sizeof h.origin, "%s", s->search_done ? "broadcast" : "scan");
	h.status = ch->status;
	mon_model_host_seen(s->m, &h, (ch->status & CT_IPMSG_ABSENCEOPT) ? "absent" : "join", mon_src_now());
}

/* A BR_EXIT heard on the node's port. */
static void on_exit_pkt(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct mon_src *s = ud;
	struct mon_host h;

	(void)n;
	if (rx->from.family != AF_INET)
		return;
	memset(&h, 0, sizeof h);
	inet_ntop(AF_INET, rx->from.ip, h.addr, sizeof h.addr);
	h.port = rx->from.port;
	snprintf(h.key, sizeof h.key, "%s:%u", h.addr, h.port);
	/* a host we know leaves; its names stay (the wire's may be CP932) */
	if (mon_model_host_find(s->m, h.key))
		mon_model_host_seen(s->m, &h, "exit", mon_src_now());
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
	ct_node_add_observer(s->scan_node, on_host, s);
	ct_node_add_handler(s->scan_node, CT_IPMSG_BR_EXIT, on_exit_pkt, s);
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
	if (s->scan_node) {
		ct_node_remove_observer(s->scan_node, on_host, s);
		ct_node_remove_handler(s->scan_node, CT_IPMSG_BR_EXIT, on_exit_pkt, s);
	}
	ct_search_free(s->search);
	s->search = NULL;
	ct_node_free(s->scan_node); /* says BR_EXIT to the hosts it sent BR_ENTRY */
	s->scan_node = NULL;
	ct_hosts_free(s->scan_hosts);
	s->scan_hosts = NULL;
}
