/* doctor-steps.c: the checks of `camtrace doctor` (find the server, its list, isolate, pairwise, RTP, routes), each on the probe engine. */
#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "ctl.h"
#include "dconf.h"
#include "doctor.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "icmpname.h"
#include "listcli.h"
#include "log.h"
#include "node.h"
#include "sbuf.h"
#include "util.h"

static const char *ip_s(uint32_t a, char *buf) /* network order -> buf[16] */
{
	struct in_addr in = { .s_addr = a };

	inet_ntop(AF_INET, &in, buf, 16);
	return buf;
}

static uint64_t wait_of(const struct ct_doctor *d)
{
	return d->wait_ns ? d->wait_ns : 1000000000ull;
}

void ct_doc_net_wildcard(uint32_t addr, char *buf, size_t len)
{
	uint32_t h = ntohl(addr);

	snprintf(buf, len, "%u.%u.%u.*", h >> 24, (h >> 16) & 255, (h >> 8) & 255);
}

static int same24(uint32_t a, uint32_t b)
{
	return (ntohl(a) >> 8) == (ntohl(b) >> 8);
}

/* ---- probes (the engine's, never re-implemented) ---- */

static void probe_udp(struct ct_doctor *d, struct ct_doc_probe *p)
{
	struct ct_app_opts ao = { .use_raw = d->pr->raw, .wait_ns = wait_of(d), .tries = 1 };
	char err[200] = "";

	memset(&p->udp, 0, sizeof p->udp);
	if (ct_app_probe(d->pr, p->addr, &ao, &p->udp, err, sizeof err) == 0 || err[0])
		p->udp_done = 1;
	if (err[0])
		log_info("doctor: UDP probe of %s: %s", p->addr_s, err);
}

static void probe_tcp(struct ct_doctor *d, struct ct_doc_probe *p)
{
	struct ct_probe probes[2];
	struct ct_probe_set s;

	memset(&s, 0, sizeof s);
	memset(probes, 0, sizeof probes);
	s.ops = &ct_probe_tcp_ops;
	s.pr = d->pr;
	s.dst = p->addr;
	s.probes = probes;
	s.n = 2;
	s.use_raw = d->pr->raw;
	s.wait_ns = wait_of(d);
	s.gap_ns = s.wait_ns / 4;
	for (int i = 0; i < 2; i++) {
		probes[i].sport = (uint16_t)(33000 + ((unsigned)getpid() * 31u + (unsigned)i * 7919u +
			(unsigned)(ct_mono_ns() & 0xfff)) % 28000);
		probes[i].dport = 2425;
		probes[i].seq = (uint32_t)random() ^ (uint32_t)ct_mono_ns();
		probes[i].ip_id = (uint16_t)(0x7000 + i);
	}
	if (ct_probe_run(&s) != 0) {
		log_info("doctor: TCP probe of %s: %s", p->addr_s, s.err);
		return;
	}
	p->tcp_done = 1;
	p->tcp_state = CT_PORT_FILTERED;
	for (int i = 0; i < 2; i++)
		if (probes[i].answered) {
			p->tcp_answered = 1;
			p->tcp_reply = probes[i].reply;
			p->tcp_state = ct_probe_tcp_state(&probes[i]);
			break;
		}
}

static void icmp_text(const struct ct_reply *r, char *buf, size_t len)
{
	char f[16];

	snprintf(buf, len, "ICMP %s (%u/%u %s) from %s", ct_icmp_name(AF_INET, r->icmp_type, r->icmp_code),
		r->icmp_type, r->icmp_code, ct_icmp_tag(AF_INET, r->icmp_type, r->icmp_code), ip_s(r->from, f));
}

void ct_doc_udp_text(const struct ct_doc_probe *p, char *buf, size_t len)
{
	const struct ct_app_result *u = &p->udp;
	char t[200];

	if (!p->udp_done)
		snprintf(buf, len, "not probed");
	else if (u->state == CT_PORT_OPEN)
		snprintf(buf, len, "answers on UDP 2425: %s (%s, %.2f ms)", u->program[0] ? u->program : "IP Messenger",
			u->answered_getinfo ? "GETINFO" : "BR_ENTRY|DIALUPOPT", (double)u->rtt_ns / 1e6);
	else if (u->icmp.kind == CT_RK_ICMP) {
		icmp_text(&u->icmp, t, sizeof t);
		snprintf(buf, len, "no answer on UDP 2425: %s", t);
	} else if (u->state == CT_PORT_FILTERED && u->control_port)
		snprintf(buf, len, "silent on UDP 2425 (%d probe(s)) while UDP %u on the same host answers "
			"\"port unreachable\": something drops UDP 2425", u->sent, u->control_port);
	else
		snprintf(buf, len, "silent on UDP 2425 (%d probe(s)): dropped, or no IP Messenger running", u->sent);
}

void ct_doc_tcp_text(const struct ct_doc_probe *p, char *buf, size_t len)
{
	char t[200];

	if (!p->tcp_done)
		snprintf(buf, len, "TCP 2425 not probed");
	else if (!p->tcp_answered)
		snprintf(buf, len, "TCP 2425: no answer to the SYN (filtered: dropped on the way or at the host)");
	else if (p->tcp_reply.kind == CT_RK_ICMP) {
		icmp_text(&p->tcp_reply, t, sizeof t);
		snprintf(buf, len, "TCP 2425: rejected, %s", t);
	} else if (p->tcp_state == CT_PORT_OPEN)
		snprintf(buf, len, "TCP 2425: open (%s, %.2f ms)", p->tcp_reply.kind == CT_RK_TCP ? "SYN-ACK" : "connected",
			(double)p->tcp_reply.rtt_ns / 1e6);
	else
		snprintf(buf, len, "TCP 2425: closed (%s: the host is reached, nothing accepts file transfers)",
			p->tcp_reply.kind == CT_RK_TCP ? "RST" : "refused");
}

static void probe_init(struct ct_doc_probe *p, uint32_t addr, const char *name)
{
	memset(p, 0, sizeof *p);
	p->addr = addr;
	ip_s(addr, p->addr_s);
	ct_strlcpy(p->name, name ? name : "", sizeof p->name);
}

/* ---- 1 find the server ---- */

struct bcast_ctx {
	struct ct_doctor *d;
	int found;
};

static void on_okgetlist(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct bcast_ctx *c = ud;
	struct ct_doctor *d = c->d;

	(void)n;
	if (c->found || rx->from.family != AF_INET)
		return;
	c->found = 1;
	memcpy(&d->server, rx->from.ip, 4);
	ip_s(d->server, d->server_s);
	snprintf(d->server_name, sizeof d->server_name, "%.*s@%.*s", (int)(rx->m->user.len > 60 ? 60 : rx->m->user.len),
		rx->m->user.p, (int)(rx->m->host.len > 60 ? 60 : rx->m->host.len), rx->m->host.p);
	ct_evloop_stop(d->ev);
}

static void on_loop_timeout(struct ct_evloop *ev, uint64_t id, void *ud)
{
	(void)id;
	(void)ud;
	ct_evloop_stop(ev);
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
			t = ct_evloop_add_timer(d->ev, (end - ct_mono_ns()) / 1000000 + 1, on_loop_timeout, NULL);
			if (ct_evloop_run(d->ev) != 0)
				break;
			ct_evloop_cancel_timer(d->ev, t);
		}
	}
	ct_node_remove_handler(d->node, CT_IPMSG_OKGETLIST, on_okgetlist, &c);
	if (c.found) {
		ct_doc_ev(s, "OKGETLIST from %s (%s): a list server on this segment", d->server_s, d->server_name);
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
	else if (ct_probe_resolve4(conf.server, &d->server, err, sizeof err) != 0)
		ct_doc_ev(s, "configured server `server = %s` in %s: %s", conf.server, path, err);
	else {
		ip_s(d->server, d->server_s);
		snprintf(d->server_name, sizeof d->server_name, "%s", conf.server);
		snprintf(d->server_how, sizeof d->server_how, "camtraced.conf");
		ct_doc_ev(s, "configured server: `server = %s` in %s -> %s", conf.server, path, d->server_s);
		found = 1;
	}
	ct_dconf_free(&conf);
	ct_sbuf_fini(&errs);
	return found;
}

void ct_doc_step_find_server(struct ct_doctor *d, struct ct_doc_step *s)
{
	char err[200], ifn[32] = "";

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
		ip_s(d->server, d->server_s);
		snprintf(d->server_name, sizeof d->server_name, "%s", d->server_arg);
		if (inet_pton(AF_INET, d->server_arg, &in) == 1) {
			snprintf(d->server_how, sizeof d->server_how, "--server");
			ct_doc_ev(s, "given with --server: %s", d->server_s);
		} else {
			snprintf(d->server_how, sizeof d->server_how, "dns");
			ct_doc_ev(s, "DNS: %s resolves to %s", d->server_arg, d->server_s);
		}
	} else if (!find_by_broadcast(d, s) && !find_configured(d, s)) {
		ct_doc_result(s, CT_DOC_UNCHECKED, "no list server found: none answered on this segment and "
			"none is configured; give one with --server NAME-OR-ADDRESS");
		d->v.cls = CT_DOC_NO_SERVER;
		d->stop = 1;
		return;
	}
	if (ct_probe_route_lookup(d->server, &d->self_addr, ifn, sizeof ifn) == 0) {
		ip_s(d->self_addr, d->self_s);
		ct_doc_ev(s, "this host reaches it from %s on %s", d->self_s, ifn[0] ? ifn : "?");
	}
	ct_doc_result(s, CT_DOC_OK, "server %s (%s), found by %s", d->server_s, d->server_name, d->server_how);
}

/* ---- 2 does the server see the users? ---- */

struct fetch_ctx {
	struct ct_evloop *ev;
	int done, ok;
};

static void on_fetch(struct ct_listcli *lc, int ok, void *ud)
{
	struct fetch_ctx *c = ud;

	(void)lc;
	c->done = 1;
	c->ok = ok;
	ct_evloop_stop(c->ev);
}

static void fetch_list(struct ct_doctor *d, struct ct_doc_step *s)
{
	struct ct_listcli *lc = NULL;
	struct ct_listcli_conf cc = { .server = d->server_s, .port = 2425, .phase_ms = 1500, .page_retries = 1,
		.interval_ms = 3600000, .fail_retry_ms = 3600000 };
	struct fetch_ctx c = { .ev = d->ev };
	const struct ct_listcli_status *st;
	uint64_t t;

	if (!d->node) {
		ct_doc_ev(s, "GETLIST: not possible (UDP port 2425 is taken on this machine)");
		return;
	}
	if (ct_listcli_new(&lc, d->node, &cc, on_fetch, &c) != 0 || ct_listcli_fetch(lc) != 0) {
		ct_doc_ev(s, "GETLIST: could not start the fetch from %s", d->server_s);
		ct_listcli_free(lc);
		return;
	}
	t = ct_evloop_add_timer(d->ev, 12000, on_loop_timeout, NULL);
	while (!c.done)
		if (ct_evloop_run(d->ev) != 0 || !c.done)
			break;
	ct_evloop_cancel_timer(d->ev, t);
	st = ct_listcli_status(lc);
	if (c.done && c.ok) {
		d->list_ok = 1;
		d->list_hosts = ct_hosts_count(d->hosts);
		ct_doc_ev(s, "GETLIST from %s: %zu users in %zu page(s), %llu ms", d->server_s, st->last_hosts,
			st->last_pages, (unsigned long long)st->last_ms);
	} else
		ct_doc_ev(s, "GETLIST from %s failed: %s", d->server_s, st->last_error[0] ? st->last_error : "no answer");
	ct_listcli_free(lc);
}

static int match_name(const char *spec, const char *a, const char *b, const char *c)
{
	return (a && strcasecmp(spec, a) == 0) || (b && strcasecmp(spec, b) == 0) || (c && strcasecmp(spec, c) == 0);
}

static void use_ctl(struct ct_doctor *d, struct ct_doc_step *s, struct ct_json **users)
{
	struct ct_json *st = NULL, *p;
	const struct ct_json *roles;
	int srv = 0;

	if (!d->ctl)
		return;
	if (ct_ctl_client_call(d->ctl, CT_CTL_M_STATUS, NULL, 5000, &st) != 0) {
		ct_doc_ev(s, "control socket: status failed: %s", ct_ctl_client_error(d->ctl));
		return;
	}
	roles = ct_json_get(st, "roles");
	if (roles)
		ct_json_get_bool(roles, "server", &srv);
	ct_json_free(st);
	if (!srv) {
		ct_doc_ev(s, "control socket: that camtraced is not a list server (no instability records of the server)");
		return;
	}
	d->ctl_is_server = 1;
	p = ct_json_obj();
	ct_json_add_str(p, "filter", "all");
	if (ct_ctl_client_call(d->ctl, CT_CTL_M_USERS, p, 10000, users) != 0) {
		ct_doc_ev(s, "control socket: users failed: %s", ct_ctl_client_error(d->ctl));
		*users = NULL;
	}
	ct_json_free(p);
}

void ct_doc_step_server_sees(struct ct_doctor *d, struct ct_doc_step *s)
{
	struct ct_json *users = NULL;
	const struct ct_json *arr = NULL;
	int missing = 0;
	char net[32];

	fetch_list(d, s);
	use_ctl(d, s, &users);
	if (users && (arr = ct_json_get(users, "hosts")) != NULL)
		ct_doc_ev(s, "control socket of the server: %zu records", ct_json_arr_len(arr));
	if (!d->list_ok && !arr) {
		ct_doc_result(s, CT_DOC_PROBLEM, "the server %s does not answer list requests from this host",
			d->server_s);
		d->v.cls = CT_DOC_SERVER_UNREACHABLE;
		ct_json_free(users);
		return;
	}
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		struct in_addr in;
		u->flaps = -1;
		u->missed = -1;
		if (inet_pton(AF_INET, u->spec, &in) == 1) {
			u->addr = in.s_addr;
			ip_s(u->addr, u->addr_s);
		}
		for (size_t k = 0; d->list_ok && k < ct_hosts_count(d->hosts); k++) {
			const struct ct_host *h = ct_hosts_at(d->hosts, k);
			uint32_t a = htonl(ct_haddr_v4(&h->addr));
			if ((u->addr && a == u->addr) || (!u->addr && match_name(u->spec, h->user, h->nick, h->host))) {
				u->listed = 1;
				u->addr = a;
				ip_s(a, u->addr_s);
				ct_strlcpy(u->user, h->user, sizeof u->user);
				ct_strlcpy(u->host, h->host, sizeof u->host);
				ct_strlcpy(u->nick, h->nick ? h->nick : "", sizeof u->nick);
				ct_strlcpy(u->state, "listed", sizeof u->state);
				break;
			}
		}
		for (size_t k = 0; arr && k < ct_json_arr_len(arr); k++) {
			const struct ct_json *h = ct_json_arr_at(arr, k);
			const char *addr = ct_json_get_str(h, "addr");
			int64_t v;
			if (!addr || inet_pton(AF_INET, addr, &in) != 1)
				continue;
			if ((u->addr && in.s_addr == u->addr) ||
				(!u->addr && match_name(u->spec, ct_json_get_str(h, "user"), ct_json_get_str(h, "nick"),
					ct_json_get_str(h, "host")))) {
				u->listed = 1;
				u->addr = in.s_addr;
				ip_s(u->addr, u->addr_s);
				ct_strlcpy(u->user, ct_json_get_str(h, "user") ? ct_json_get_str(h, "user") : "", sizeof u->user);
				ct_strlcpy(u->host, ct_json_get_str(h, "host") ? ct_json_get_str(h, "host") : "", sizeof u->host);
				ct_strlcpy(u->state, ct_json_get_str(h, "state") ? ct_json_get_str(h, "state") : "?", sizeof u->state);
				if (ct_json_get_i64(h, "flap_count", &v) == 0)
					u->flaps = (long)v;
				if (ct_json_get_i64(h, "missed_answers", &v) == 0)
					u->missed = (long)v;
				break;
			}
		}
		if (u->listed)
			ct_doc_ev(s, "%s: listed by the server as %s@%s (%s), state %s%s%ld%s", u->spec, u->user, u->host,
				u->addr_s, u->state, u->flaps >= 0 ? ", flaps " : "", u->flaps >= 0 ? u->flaps : 0L,
				u->flaps >= 0 ? " (instability records)" : "");
		else {
			missing++;
			ct_doc_ev(s, "%s: NOT in the server's list%s", u->spec, arr ? " nor in its records" : "");
		}
	}
	if (!missing) {
		if (d->nusers)
			ct_doc_result(s, CT_DOC_OK, "the server sees all %d user(s) (%zu users listed)", d->nusers,
				d->list_ok ? d->list_hosts : ct_json_arr_len(arr));
		else
			ct_doc_result(s, CT_DOC_OK, "the server answers (%zu users listed); no --user given: checking "
				"the path to the server only", d->list_ok ? d->list_hosts : ct_json_arr_len(arr));
		ct_json_free(users);
		return;
	}
	/* the seed: the server must learn the other network first (notify, client setting, search) */
	d->v.cls = CT_DOC_NOT_DISCOVERED;
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		if (u->listed)
			continue;
		if (d->v.nhosts < (int)(sizeof d->v.hosts / sizeof d->v.hosts[0]))
			ct_strlcpy(d->v.hosts[d->v.nhosts++], u->addr ? u->addr_s : u->spec, sizeof d->v.hosts[0]);
		if (!u->addr)
			continue;
		ct_doc_net_wildcard(u->addr, net, sizeof net);
		if (!d->v.config_line[0])
			snprintf(d->v.config_line, sizeof d->v.config_line, "notify = %s", net);
		ct_doc_ev(s, "%s is on %s: the server only hears broadcasts of its own segment; to reach %s:", u->addr_s,
			net, net);
		ct_doc_ev(s, "  (1) other-network notification, in the server's camtraced.conf: notify = %s", net);
		ct_doc_ev(s, "  (2) client setting, on a camtraced in that network: server = %s", d->server_s);
		ct_doc_ev(s, "  (3) search, once: camtrace search %s   (or in camtraced.conf: search = %s)", net, net);
	}
	if (d->v.config_line[0])
		ct_doc_result(s, CT_DOC_PROBLEM, "the server does not see %d of the users: add `%s` to the server's "
			"camtraced.conf (then `systemctl restart camtraced`)", missing, d->v.config_line);
	else
		ct_doc_result(s, CT_DOC_PROBLEM, "the server does not see %d of the users and their network is "
			"unknown: give their address with --user ADDRESS", missing);
	d->stop = 1;
	ct_json_free(users);
}

/* ---- 3 isolate: the user's PC or the whole network? ---- */

void ct_doc_step_isolate(struct ct_doctor *d, struct ct_doc_step *s)
{
	int fail_self = 0, fail_all = 0, users = 0;
	char t[300];

	if (d->v.cls == CT_DOC_SERVER_UNREACHABLE || d->nusers == 0) {
		ct_doc_result(s, CT_DOC_SKIPPED, d->nusers ? "the server's list is not available" : "no --user given");
		return;
	}
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		if (!u->addr)
			continue;
		users++;
		probe_init(&u->self, u->addr, u->user);
		probe_udp(d, &u->self);
		ct_doc_udp_text(&u->self, t, sizeof t);
		ct_doc_ev(s, "%s (%s): %s", u->addr_s, u->spec, t);
		for (size_t k = 0; d->list_ok && k < ct_hosts_count(d->hosts) && u->npeers < CT_DOC_MAX_PEERS; k++) {
			const struct ct_host *h = ct_hosts_at(d->hosts, k);
			uint32_t a = htonl(ct_haddr_v4(&h->addr));
			int dup = 0;
			if (!a || a == u->addr || a == d->server || a == d->self_addr || !same24(a, u->addr))
				continue;
			for (int j = 0; j < d->nusers; j++)
				dup |= d->u[j].addr == a;
			if (dup)
				continue;
			probe_init(&u->peers[u->npeers], a, h->user);
			probe_udp(d, &u->peers[u->npeers]);
			ct_doc_udp_text(&u->peers[u->npeers], t, sizeof t);
			ct_doc_ev(s, "  other user on its network: %s (%s): %s", u->peers[u->npeers].addr_s, h->user, t);
			if (u->peers[u->npeers].udp.state == CT_PORT_OPEN)
				u->peers_answer++;
			u->npeers++;
		}
		if (u->self.udp.state != CT_PORT_OPEN) {
			fail_self++;
			if (u->npeers == 0 || u->peers_answer == 0)
				fail_all++;
		}
	}
	if (!users)
		ct_doc_result(s, CT_DOC_SKIPPED, "no user address known");
	else if (!fail_self)
		ct_doc_result(s, CT_DOC_OK, "the users answer on UDP 2425 from here: messages pass");
	else if (fail_all)
		ct_doc_result(s, CT_DOC_PROBLEM, "the whole network fails: %s other user there answers either "
			"(the network path)", "no");
	else
		ct_doc_result(s, CT_DOC_PROBLEM, "only these PCs fail: other users on the same network answer "
			"(a firewall or security software on those PCs)");
}

/* ---- 4 pairwise reachability ---- */

static unsigned coop_wait_ms(const struct ct_doctor *d)
{
	uint64_t ms = wait_of(d) / 1000000;

	return ms < CT_COOP_WAIT_MIN ? CT_COOP_WAIT_MIN : ms > CT_COOP_WAIT_MAX ? CT_COOP_WAIT_MAX : (unsigned)ms;
}

/* user -> server: the user's camtraced runs the check (rtp_echo + coop), asked on its RTP echo port */
static void pair_user_to_server(struct ct_doctor *d, struct ct_doc_user *u)
{
	struct ct_doc_pair *p = &u->u2s;
	uint16_t port = d->rtp_lo ? d->rtp_lo : CT_RTP_DEFAULT_LO;
	struct ct_coop_msg ans;
	char err[240] = "", how[200];
	int r;

	snprintf(how, sizeof how, "to enable it, set `rtp_echo = yes` and `coop = yes` (with `server = %s`) in "
		"camtraced.conf on %s", d->server_s, u->addr_s);
	r = ct_coop_ask(u->addr, port, d->server, CT_COOP_CHECK_UDP | CT_COOP_CHECK_TCP, coop_wait_ms(d), &ans, err,
		sizeof err);
	if (r != 0) {
		snprintf(p->text, sizeof p->text, "could not be checked: %s; %s", err, how);
		return;
	}
	if (ans.version != CT_COOP_VERSION || ans.res.status == CT_COOP_ST_VERSION) {
		snprintf(p->text, sizeof p->text, "could not be checked: the camtraced on %s speaks another version "
			"of the cooperative check (%u, ours %u): update camtrace on one side", u->addr_s, ans.version,
			CT_COOP_VERSION);
		return;
	}
	switch (ans.res.status) {
	case CT_COOP_ST_OK:
		p->checked = 1;
		p->res = ans.res;
		ct_coop_result_text(&ans.res, CT_COOP_CHECK_UDP | CT_COOP_CHECK_TCP, p->text, sizeof p->text);
		break;
	case CT_COOP_ST_NOT_ALLOWED:
		snprintf(p->text, sizeof p->text, "could not be checked: the camtraced on %s only checks its own `server` "
			"and `coop_allow`; add `coop_allow = %s` (or `server = %s`) to its camtraced.conf", u->addr_s,
			d->server_s, d->server_s);
		break;
	case CT_COOP_ST_LIMITED:
	case CT_COOP_ST_BUSY:
		snprintf(p->text, sizeof p->text, "could not be checked: the camtraced on %s is busy (%s); run "
			"camtrace doctor again in a few seconds", u->addr_s, ct_coop_status_key(ans.res.status));
		break;
	default:
		snprintf(p->text, sizeof p->text, "could not be checked: the camtraced on %s could not run the check",
			u->addr_s);
	}
}

static uint8_t key_to(const char *k, const char *(*fn)(unsigned), unsigned n)
{
	for (unsigned i = 0; k && i < n; i++)
		if (strcmp(k, fn(i)) == 0)
			return (uint8_t)i;
	return 0;
}

/* server -> user: the server's camtraced runs the check (control method `probe`) */
static void pair_server_to_user(struct ct_doctor *d, struct ct_doc_user *u)
{
	struct ct_doc_pair *p = &u->s2u;
	struct ct_json *params, *res = NULL;
	double ms;
	const char *t;

	if (!d->ctl || !d->ctl_is_server) {
		snprintf(p->text, sizeof p->text, "could not be checked from here: run camtrace doctor on the server "
			"(it asks its camtraced through the control socket), or give --ctl with the server's control "
			"socket");
		return;
	}
	params = ct_json_obj();
	ct_json_add_str(params, "addr", u->addr_s);
	ct_json_add_bool(params, "tcp", 1);
	ct_json_add_int(params, "wait_ms", coop_wait_ms(d));
	if (ct_ctl_client_call(d->ctl, CT_COOP_CTL_PROBE, params, 10000, &res) != 0) {
		const char *code = ct_ctl_client_error_code(d->ctl);
		if (code && strcmp(code, "unknown_method") == 0)
			snprintf(p->text, sizeof p->text, "could not be checked: the server's camtraced has no `probe` "
				"control method (update it)");
		else
			snprintf(p->text, sizeof p->text, "could not be checked: the server's control socket: %s",
				ct_ctl_client_error(d->ctl));
		ct_json_free(params);
		return;
	}
	ct_json_free(params);
	p->checked = 1;
	p->res.udp = key_to(ct_json_get_str(res, "udp"), ct_coop_udp_key, CT_COOP_UDP_N);
	p->res.tcp = key_to(ct_json_get_str(res, "tcp"), ct_coop_tcp_key, CT_COOP_TCP_N);
	if (ct_json_get_num(res, "udp_rtt_ms", &ms) == 0)
		p->res.udp_rtt_us = (uint32_t)(ms * 1000);
	if (ct_json_get_num(res, "tcp_rtt_ms", &ms) == 0)
		p->res.tcp_rtt_us = (uint32_t)(ms * 1000);
	if ((t = ct_json_get_str(res, "program")) != NULL)
		ct_strlcpy(p->res.program, t, sizeof p->res.program);
	ct_coop_result_text(&p->res, CT_COOP_CHECK_UDP | CT_COOP_CHECK_TCP, p->text, sizeof p->text);
	ct_json_free(res);
}

int ct_doc_pair_fails(const struct ct_doc_pair *p, int tcp)
{
	if (!p->checked)
		return 0;
	if (!tcp)
		return p->res.udp != CT_COOP_UDP_ANSWERED;
	return p->res.tcp == CT_COOP_TCP_NO_ANSWER || p->res.tcp == CT_COOP_TCP_UNREACHABLE;
}

void ct_doc_pair_dirs(const struct ct_doc_user *u, int tcp, int *up, int *down)
{
	*up = ct_doc_pair_fails(&u->u2s, tcp);
	*down = ct_doc_pair_fails(&u->s2u, tcp);
	if (tcp || !*up || !*down || u->heard < 0)
		return;
	/* neither round trip came back: did the server's GETINFO reach the user? */
	if (u->heard)
		*down = 0; /* yes: the way back (user -> server) loses them */
	else
		*up = 0;   /* no: server -> user loses them (user -> server cannot be told apart) */
}

void ct_doc_step_pairwise(struct ct_doctor *d, struct ct_doc_step *s)
{
	char t[300], t2[300];
	int bad = 0, pair_bad = 0, unchecked = 0;
	uint64_t t0;

	probe_init(&d->server_probe, d->server, d->server_name);
	probe_udp(d, &d->server_probe);
	probe_tcp(d, &d->server_probe);
	ct_doc_udp_text(&d->server_probe, t, sizeof t);
	ct_doc_tcp_text(&d->server_probe, t2, sizeof t2);
	ct_doc_ev(s, "this host %s <-> server %s: %s; %s", d->self_s, d->server_s, t, t2);
	if (d->server_probe.udp.state != CT_PORT_OPEN || d->server_probe.tcp_state == CT_PORT_FILTERED)
		bad++;
	for (int i = 0; d->v.cls != CT_DOC_SERVER_UNREACHABLE && i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		if (!u->addr)
			continue;
		probe_tcp(d, &u->self);
		ct_doc_udp_text(&u->self, t, sizeof t);
		ct_doc_tcp_text(&u->self, t2, sizeof t2);
		ct_doc_ev(s, "this host %s <-> user %s: %s; %s", d->self_s, u->addr_s, t, t2);
		if (u->self.udp.state == CT_PORT_OPEN)
			ct_doc_ev(s, "  both directions carry UDP 2425 (the request went out, the answer came back)");
		else
			ct_doc_ev(s, "  this host -> user fails; user -> this host could not be told apart (no answer came)");
		if (u->self.udp.state != CT_PORT_OPEN || u->self.tcp_state == CT_PORT_FILTERED)
			bad++;
		if (u->addr == d->server)
			continue;
		if (u->flaps >= 0)
			ct_doc_ev(s, "user %s -> server: the server's records say %s, %ld flap(s), %ld missed answer(s)",
				u->addr_s, u->state, u->flaps, u->missed);
		/* the server's check first: the user's camtraced then says whether that GETINFO reached it */
		t0 = ct_mono_ns();
		pair_server_to_user(d, u);
		pair_user_to_server(d, u);
		u->heard = -1;
		if (u->u2s.checked && u->s2u.checked) {
			uint64_t window = (ct_mono_ns() - t0) / 1000000;
			u->heard_ms = u->u2s.res.heard_ms;
			u->heard = u->heard_ms != CT_COOP_HEARD_NEVER && u->heard_ms <= window;
		}
		ct_doc_ev(s, "user %s -> server %s (started by the user's camtraced from UDP 2425): %s", u->addr_s,
			d->server_s, u->u2s.text);
		ct_doc_ev(s, "server %s -> user %s (started by the server's camtraced from UDP 2425): %s", d->server_s,
			u->addr_s, u->s2u.text);
		if (u->heard == 1 && ct_doc_pair_fails(&u->s2u, 0))
			ct_doc_ev(s, "  the user's camtraced heard the server %u ms before it was asked: server -> user "
				"carries UDP 2425, the packets are lost on the way user -> server", (unsigned)u->heard_ms);
		else if (u->heard == 0 && ct_doc_pair_fails(&u->s2u, 0))
			ct_doc_ev(s, "  the user's camtraced heard nothing from the server since its GETINFO was sent: "
				"server -> user loses UDP 2425");
		unchecked += !u->u2s.checked + !u->s2u.checked;
		if (ct_doc_pair_fails(&u->u2s, 0) || ct_doc_pair_fails(&u->s2u, 0) || ct_doc_pair_fails(&u->u2s, 1) ||
		    ct_doc_pair_fails(&u->s2u, 1))
			pair_bad++;
	}
	if (bad && pair_bad)
		ct_doc_result(s, CT_DOC_PROBLEM, "%d of the paths from this host and %d user <-> server path(s) fail on "
			"UDP or TCP 2425", bad, pair_bad);
	else if (pair_bad)
		ct_doc_result(s, CT_DOC_PROBLEM, "this host reaches everyone, but %d user <-> server path(s) fail on UDP "
			"or TCP 2425", pair_bad);
	else if (bad)
		ct_doc_result(s, CT_DOC_PROBLEM, "%d of the paths from this host fail on UDP or TCP 2425", bad);
	else if (unchecked)
		ct_doc_result(s, CT_DOC_OK, "every path from this host carries UDP and TCP 2425; %d user <-> server "
			"direction(s) could not be checked (see above how to enable them)", unchecked);
	else
		ct_doc_result(s, CT_DOC_OK, "every path carries UDP and TCP 2425, user <-> server in both directions too");
}

/* ---- 5 RTP ports ---- */

void ct_doc_step_rtp(struct ct_doctor *d, struct ct_doc_step *s)
{
	uint16_t lo = d->rtp_lo ? d->rtp_lo : CT_RTP_DEFAULT_LO, hi = d->rtp_hi ? d->rtp_hi : CT_RTP_DEFAULT_HI;
	struct ct_rtp_opts o = { .count = 10, .interval_ns = 20000000ull, .wait_ns = wait_of(d), .same_sport = 1 };
	int blocked = 0, done = 0;
	char err[200];

	if (!d->av) {
		ct_doc_result(s, CT_DOC_SKIPPED, "not asked (--av checks the voice/video RTP ports)");
		return;
	}
	if (hi - lo + 1 > CT_DOC_RTP_PORTS)
		hi = (uint16_t)(lo + CT_DOC_RTP_PORTS - 1);
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		int n = hi - lo + 1;
		if (!u->addr || d->v.cls == CT_DOC_SERVER_UNREACHABLE)
			continue;
		for (int k = 0; k < n; k++) {
			memset(&u->rtp[k], 0, sizeof u->rtp[k]);
			u->rtp[k].port = (uint16_t)(lo + k);
		}
		if (ct_rtp_measure(u->addr, u->rtp, n, &o, err, sizeof err) != 0) {
			ct_doc_ev(s, "%s: RTP measurement failed: %s", u->addr_s, err);
			continue;
		}
		u->rtp_done = n;
		done++;
		for (int k = 0; k < n; k++) {
			const struct ct_rtp_port *p = &u->rtp[k];
			char t[200] = "";
			if (p->icmp_seen)
				icmp_text(&p->icmp, t, sizeof t);
			ct_doc_ev(s, "%s UDP %u (RTP): %s%s%s%s", u->addr_s, p->port, ct_port_state_name(p->state),
				p->state == CT_PORT_OPEN ? " (an echo answered)" : p->state == CT_PORT_CLOSED ?
				" (port unreachable from the host: the path carries it)" : " (no answer: blocked)",
				t[0] ? ", " : "", t);
			if (p->state == CT_PORT_FILTERED || p->state == CT_PORT_OPEN_FILTERED)
				blocked++;
		}
	}
	if (!done)
		ct_doc_result(s, CT_DOC_UNCHECKED, "no RTP measurement could be made");
	else if (blocked)
		ct_doc_result(s, CT_DOC_PROBLEM, "%d RTP port(s) %u-%u are blocked on the way", blocked, lo, hi);
	else
		ct_doc_result(s, CT_DOC_OK, "RTP ports %u-%u pass", lo, hi);
}

/* ---- 6 route traces on the failing paths ---- */

static void trace(struct ct_doctor *d, struct ct_doc_step *s, uint32_t dst, enum ct_route_method m, uint16_t port)
{
	struct ct_doc_trace *t;
	struct ct_route_opts o = { .method = m, .dport = port, .max_ttl = 12, .queries = 2, .wait_ns = wait_of(d),
		.use_raw = d->pr->raw };
	char a[16], b[16];
	static const char *const mn[] = { "UDP", "TCP", "RTP" };

	if (d->ntr >= CT_DOC_MAX_TRACES)
		return;
	t = &d->tr[d->ntr++];
	memset(t, 0, sizeof *t);
	t->dst = dst;
	t->method = m;
	t->port = port;
	if (ct_route_trace(d->pr, dst, 0, &o, &t->res, t->err, sizeof t->err) != 0) {
		ct_doc_ev(s, "route %s %u to %s: %s", mn[m], port, ip_s(dst, a), t->err);
		return;
	}
	t->done = 1;
	for (int h = 0; h < t->res.nhops; h++) {
		const struct ct_route_hop *hp = &t->res.hops[h];
		ct_doc_ev(s, "  %s %u to %s hop %d: %s%s", mn[m], port, ip_s(dst, a), hp->ttl,
			hp->naddr ? ip_s(hp->addr[0], b) : "*", hp->is_target ? " (the target)" : "");
	}
	switch (t->res.verdict) {
	case CT_RV_REJECTED: {
		char it[200];
		icmp_text(&t->res.verdict_reply, it, sizeof it);
		ct_doc_ev(s, "route %s %u to %s: rejected at hop %d: %s", mn[m], port, a, t->res.verdict_hop, it);
		break;
	}
	case CT_RV_DIES:
		ct_doc_ev(s, "route %s %u to %s: dies after hop %d (%s): the next device drops it", mn[m], port, a,
			t->res.verdict_hop, ip_s(t->res.verdict_addr, b));
		break;
	case CT_RV_REACHED:
		ct_doc_ev(s, "route %s %u to %s: reaches the target", mn[m], port, a);
		break;
	default:
		ct_doc_ev(s, "route %s %u to %s: nothing answered at any hop", mn[m], port, a);
	}
}

void ct_doc_step_routes(struct ct_doctor *d, struct ct_doc_step *s)
{
	if (!d->pr->raw) {
		ct_doc_result(s, CT_DOC_UNCHECKED, "route traces need raw sockets (run as root or give camtrace "
			"CAP_NET_RAW)");
		return;
	}
	if (d->server_probe.udp_done && d->server_probe.udp.state != CT_PORT_OPEN)
		trace(d, s, d->server, CT_ROUTE_UDP, 2425);
	if (d->server_probe.tcp_done && d->server_probe.tcp_state == CT_PORT_FILTERED)
		trace(d, s, d->server, CT_ROUTE_TCP, 2425);
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		if (!u->addr)
			continue;
		if (u->self.udp_done && u->self.udp.state != CT_PORT_OPEN)
			trace(d, s, u->addr, CT_ROUTE_UDP, 2425);
		if (u->self.tcp_done && u->self.tcp_state == CT_PORT_FILTERED)
			trace(d, s, u->addr, CT_ROUTE_TCP, 2425);
		for (int k = 0; k < u->rtp_done; k++)
			if (u->rtp[k].state == CT_PORT_FILTERED || u->rtp[k].state == CT_PORT_OPEN_FILTERED) {
				trace(d, s, u->addr, CT_ROUTE_RTP, u->rtp[k].port);
				break;
			}
	}
	if (d->ntr == 0)
		ct_doc_result(s, CT_DOC_SKIPPED, "no failing path to trace");
	else
		ct_doc_result(s, CT_DOC_OK, "%d route trace(s) on the failing paths", d->ntr);
}
