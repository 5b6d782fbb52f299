/* doctor-find-server.c: step 1 of `camtrace doctor`: find the list server (broadcast, camtraced.conf, --server). */
#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "dconf.h"
#include "listcli.h"
#include "doctor-evidence.h"
#include "doctor-probe.h"
#include "doctor-steps.h"
#include "ctl.h"
#include "evloop.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "node.h"
#include "sbuf.h"

#define SECOND_SERVER_NS 500000000ull /* after the first OKGETLIST, wait this long for others */

struct bcast_ctx {
	struct ct_doctor *d;
	int found;
};

/* Every list server that answers the broadcast, once each. */
static void seg_server(struct ct_doctor *d, const struct ct_node_rx *rx)
{
	char a[16];

	ct_haddr_ip_str(&rx->from, a, sizeof a);
	for (int i = 0; i < d->nseg_servers; i++)
		if (strcmp(d->seg_servers[i], a) == 0)
			return;
	if (d->nseg_servers >= CT_DOC_MAX_SEG_SERVERS)
		return;
	ct_strlcpy(d->seg_servers[d->nseg_servers], a, sizeof d->seg_servers[0]);
	snprintf(d->seg_server_names[d->nseg_servers], sizeof d->seg_server_names[0], "%.*s@%.*s",
		(int)(rx->m->user.len > 60 ? 60 : rx->m->user.len), rx->m->user.p,
		(int)(rx->m->host.len > 60 ? 60 : rx->m->host.len), rx->m->host.p);
	d->nseg_servers++;
}

static void on_okgetlist(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct bcast_ctx *c = ud;
	struct ct_doctor *d = c->d;

	(void)n;
	if (rx->from.family != AF_INET)
		return;
	seg_server(d, rx);
	if (c->found)
		return;
	c->found = 1;
	memcpy(&d->server, rx->from.ip, 4);
	ct_doc_ip_s(d->server, d->server_s);
	snprintf(d->server_name, sizeof d->server_name, "%.*s@%.*s", (int)(rx->m->user.len > 60 ? 60 : rx->m->user.len),
		rx->m->user.p, (int)(rx->m->host.len > 60 ? 60 : rx->m->host.len), rx->m->host.p);
	ct_evloop_stop(d->ev);
}

static int find_by_broadcast(struct ct_doctor *d, struct ct_doc_step *s)
{
	struct bcast_ctx c = { .d = d };
	uint32_t addrs[16];
	unsigned plens[16];
	size_t n;
	uint64_t t, end;
	int sent = 0;

	if (!d->node) {
		ct_doc_ev(s, "broadcast: not possible (UDP port 2425 is taken on this machine)");
		return 0;
	}
	n = ct_node_networks(d->node, addrs, plens, 16);
	ct_node_add_handler(d->node, CT_IPMSG_OKGETLIST, on_okgetlist, &c);
	/* two rounds: a busy server (or a lost datagram) gets a second chance */
	for (int round = 0; round < 2 && !c.found; round++) {
		int sent_now = 0;
		for (size_t i = 0; i < n; i++) {
			struct ct_haddr to;
			uint32_t h = addrs[i], mask = plens[i] ? 0xffffffffu << (32 - plens[i]) : 0;
			char b[16];
			if ((h >> 24) == 127 || plens[i] >= 31)
				continue;
			ct_haddr_set_v4(&to, (h & mask) | ~mask, 2425);
			if (ct_node_send(d->node, &to, CT_IPMSG_BR_ISGETLIST2 | ct_node_status(d->node), "", 0) == 0) {
				if (round == 0)
					ct_doc_ev(s, "broadcast BR_ISGETLIST2 to %s:2425", ct_haddr_ip_str(&to, b, sizeof b));
				sent_now++;
			}
		}
		if (!sent_now)
			break;
		sent += sent_now;
		end = ct_mono_ns() + 1500000000ull;
		while (!c.found && ct_mono_ns() < end) {
			t = ct_evloop_add_timer(d->ev, (end - ct_mono_ns()) / 1000000 + 1, ct_doc_loop_timeout, NULL);
			if (ct_evloop_run(d->ev) != 0)
				break;
			ct_evloop_cancel_timer(d->ev, t);
		}
	}
	if (c.found) { /* a second server on the segment answers within the same half second */
		end = ct_mono_ns() + SECOND_SERVER_NS;
		t = ct_evloop_add_timer(d->ev, SECOND_SERVER_NS / 1000000, ct_doc_loop_timeout, NULL);
		ct_evloop_run(d->ev);
		ct_evloop_cancel_timer(d->ev, t);
	}
	ct_node_remove_handler(d->node, CT_IPMSG_OKGETLIST, on_okgetlist, &c);
	if (c.found) {
		ct_doc_ev(s, "OKGETLIST from %s (%s): a list server on this segment", d->server_s, d->server_name);
		for (int i = 1; i < d->nseg_servers; i++)
			ct_doc_ev(s, "OKGETLIST also from %s (%s): SEVERAL LIST SERVERS on this segment; a client that "
				"broadcasts BR_ISGETLIST2 takes whichever answers first, so clients may get different "
				"lists (keep one list server per segment; federate the others with `peer`)",
				d->seg_servers[i], d->seg_server_names[i]);
		snprintf(d->server_how, sizeof d->server_how, "broadcast");
	} else if (sent)
		ct_doc_ev(s, "no list server answered on the local segment (2 rounds, 1.5 s each)");
	return c.found;
}

static int find_configured(struct ct_doctor *d, struct ct_doc_step *s)
{
	struct ct_daemon_conf conf;
	struct ct_sbuf errs;
	const char *path = d->conf_path ? d->conf_path : CT_DCONF_DEFAULT_PATH;
	char err[200];
	int found = 0;

	if (access(path, R_OK) != 0) {
		ct_doc_ev(s, "configured server: %s is not readable here", path);
		return 0;
	}
	memset(&conf, 0, sizeof conf);
	ct_sbuf_init(&errs);
	ct_dconf_load(&conf, path, &errs);
	if (!conf.server || !conf.server[0])
		ct_doc_ev(s, "configured server: %s sets no `server`", path);
	else {
		/* several servers (first preferred): the first whose name resolves */
		char names[CT_LISTCLI_MAX_SERVERS][256];
		size_t n = ct_listcli_split(conf.server, names, CT_LISTCLI_MAX_SERVERS);
		for (size_t i = 0; i < n && i < CT_LISTCLI_MAX_SERVERS && !found; i++) {
			if (ct_probe_resolve4(names[i], &d->server, err, sizeof err) != 0) {
				ct_doc_ev(s, "configured server `%s` (`server = %s` in %s): %s", names[i], conf.server, path, err);
				continue;
			}
			ct_doc_ip_s(d->server, d->server_s);
			snprintf(d->server_name, sizeof d->server_name, "%s", names[i]);
			snprintf(d->server_how, sizeof d->server_how, "camtraced.conf");
			ct_doc_ev(s, "configured server: `%s` (`server = %s` in %s) -> %s", names[i], conf.server, path,
				d->server_s);
			found = 1;
		}
	}
	ct_dconf_free(&conf);
	ct_sbuf_fini(&errs);
	return found;
}

/* The federation peers of the camtraced behind --ctl that it cannot reach now (status). */
static void fed_peers(struct ct_doctor *d, struct ct_doc_step *s, const struct ct_json *fed)
{
	const struct ct_json *peers = fed ? ct_json_get(fed, "peers") : NULL;

	for (const struct ct_json *p = peers ? ct_json_first(peers) : NULL; p; p = ct_json_next(p)) {
		const char *name = ct_json_get_str(p, "peer"), *state = ct_json_get_str(p, "state");
		const char *auth = ct_json_get_str(p, "auth"), *err = ct_json_get_str(p, "last_error");
		int64_t age = -1;
		if (!name || !state)
			continue;
		int bad_key = auth && strcmp(auth, "key_mismatch") == 0;
		if (!bad_key && strcmp(state, "down") != 0 && strcmp(state, "unresolved") != 0)
			continue;
		char ago[40] = "never";
		if (ct_json_get_i64(p, "last_exchange_age_s", &age) == 0 && age >= 0)
			snprintf(ago, sizeof ago, "%lld s ago", (long long)age);
		if (d->nfed_down < CT_DOC_MAX_FED_DOWN)
			ct_strlcpy(d->fed_down[d->nfed_down++], name, sizeof d->fed_down[0]);
		ct_doc_ev(s, "federation peer %s cannot be reached by this server: %s, last exchange %s%s%s", name,
			bad_key ? "its key is not the configured one" : state, ago, err && err[0] ? "; " : "",
			err && err[0] ? err : "");
	}
}

/* The camtraced behind --ctl: whether it is a list server, its addresses, config and notify
 * targets (status). Fills d->ctl_*; returns the number of addresses (into addrs). */
static int ctl_status(struct ct_doctor *d, struct ct_doc_step *s, uint32_t *addrs, int max, int *is_server)
{
	struct ct_json *st = NULL;
	const struct ct_json *roles, *a;
	const char *t;
	int n = 0;
	char err[200];

	*is_server = 0;
	if (!d->ctl)
		return 0;
	if (ct_ctl_client_call(d->ctl, CT_CTL_M_STATUS, NULL, 5000, &st) != 0) {
		ct_doc_ev(s, "control socket: status failed: %s", ct_ctl_client_error(d->ctl));
		return 0;
	}
	if ((roles = ct_json_get(st, "roles")) != NULL)
		ct_json_get_bool(roles, "server", is_server);
	if ((t = ct_json_get_str(st, "config_file")) != NULL)
		ct_strlcpy(d->ctl_config, t, sizeof d->ctl_config);
	if ((a = ct_json_get(st, "addresses")) != NULL)
		for (const struct ct_json *el = ct_json_first(a); el && n < max; el = ct_json_next(el)) {
			struct in_addr in;
			t = ct_json_str(el);
			if (t && inet_pton(AF_INET, t, &in) == 1)
				addrs[n++] = in.s_addr;
		}
	else
		n = -1; /* an older camtraced: its addresses are not known */
	fed_peers(d, s, ct_json_get(st, "federation"));
	if ((a = ct_json_get(st, "notify_targets")) != NULL) {
		d->ctl_notify_known = 1;
		for (const struct ct_json *el = ct_json_first(a); el; el = ct_json_next(el))
			if ((t = ct_json_str(el)) != NULL &&
			    ct_targets_add(&d->ctl_notify, t, err, sizeof err) != 0)
				log_info("doctor: the server's notify target %s: %s", t, err);
	}
	ct_json_free(st);
	return n;
}

/* Is the camtraced behind --ctl the server found? (its addresses include it) */
static void ctl_match(struct ct_doctor *d, struct ct_doc_step *s, const uint32_t *addrs, int n, int is_server)
{
	char a[16];

	if (!d->ctl)
		return;
	if (!is_server) {
		snprintf(d->ctl_note, sizeof d->ctl_note, "that camtraced is not a list server (no instability records "
			"of the server)");
		return;
	}
	for (int i = 0; i < n; i++)
		if (addrs[i] == d->server)
			d->ctl_is_server = 1;
	if (n < 0)
		d->ctl_is_server = 1; /* cannot tell: trusted, as before */
	if (d->ctl_is_server)
		ct_doc_ev(s, "control socket: the camtraced of the server %s%s%s", d->server_s,
			d->ctl_config[0] ? ", config " : "", d->ctl_config);
	else
		snprintf(d->ctl_note, sizeof d->ctl_note, "that camtraced (%s) is not the server found (%s): its records "
			"are not used", n > 0 ? ct_doc_ip_s(addrs[0], a) : "no address", d->server_s);
}

void ct_doc_step_find_server(struct ct_doctor *d, struct ct_doc_step *s)
{
	char err[200], ifn[32] = "";
	uint32_t addrs[16];
	int is_server = 0, naddrs = ctl_status(d, s, addrs, 16, &is_server);

	if (d->server_arg) {
		struct in_addr in;
		if (ct_probe_resolve4(d->server_arg, &d->server, err, sizeof err) != 0) {
			ct_doc_ev(s, "--server %s: %s", d->server_arg, err);
			ct_doc_result(s, CT_DOC_UNCHECKED, "the server name %s does not resolve: check the name "
				"(DNS) or give its address", d->server_arg);
			d->v.cls = CT_DOC_NO_SERVER;
			d->stop = 1;
			return;
		}
		ct_doc_ip_s(d->server, d->server_s);
		snprintf(d->server_name, sizeof d->server_name, "%s", d->server_arg);
		if (inet_pton(AF_INET, d->server_arg, &in) == 1) {
			snprintf(d->server_how, sizeof d->server_how, "--server");
			ct_doc_ev(s, "given with --server: %s", d->server_s);
		} else {
			snprintf(d->server_how, sizeof d->server_how, "dns");
			ct_doc_ev(s, "DNS: %s resolves to %s", d->server_arg, d->server_s);
		}
	} else if (!find_by_broadcast(d, s) && !find_configured(d, s)) {
		if (!is_server || naddrs <= 0) {
			ct_doc_result(s, CT_DOC_UNCHECKED, "no list server found: none answered on this segment and "
				"none is configured; give one with --server NAME-OR-ADDRESS");
			d->v.cls = CT_DOC_NO_SERVER;
			d->stop = 1;
			return;
		}
		/* on the server itself: its camtraced holds UDP 2425 (no broadcast, no GETLIST from here),
		 * and its config is the daemon's; the control socket says it is the list server */
		d->server = addrs[0];
		d->ctl_local = 1;
		ct_doc_ip_s(d->server, d->server_s);
		snprintf(d->server_name, sizeof d->server_name, "the camtraced of this machine");
		snprintf(d->server_how, sizeof d->server_how, "control socket");
		ct_doc_ev(s, "control socket: this machine's camtraced is the list server, at %s%s%s", d->server_s,
			d->ctl_config[0] ? ", config " : "", d->ctl_config);
	}
	ctl_match(d, s, addrs, naddrs, is_server);
	if (ct_probe_route_lookup(d->server, &d->self_addr, ifn, sizeof ifn) == 0) {
		ct_doc_ip_s(d->self_addr, d->self_s);
		ct_doc_ev(s, "this host reaches it from %s on %s", d->self_s, ifn[0] ? ifn : "?");
	}
	if (d->self_addr == d->server)
		d->on_server = 1;
	ct_doc_result(s, CT_DOC_OK, "server %s (%s), found by %s", d->server_s, d->server_name, d->server_how);
}

static void command(const struct ct_doctor *d, char *buf, size_t len)
{
	if (d->server_arg)
		snprintf(buf, len, "camtrace reach %s", d->server_arg);
	else
		buf[0] = 0; /* a broadcast BR_ISGETLIST2 has no camtrace command of its own */
}

const struct ct_doc_step_def ct_doc_step_find_server_def = {
	.key = "find_server",
	.title = "Find the server",
	.what = "broadcast BR_ISGETLIST2 on the local segment, else the configured server (camtraced.conf), "
		"resolving names by DNS",
	.command = command,
	.run = ct_doc_step_find_server,
};
