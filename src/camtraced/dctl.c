/* dctl.c: camtraced's control methods (status, users, refresh, search.start/progress/result, reload, probe), over daemon.h's interface. */
#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "clock.h"
#include "conf.h"
#include "coop.h"
#include "ctl.h"
#include "ctl-shapes.h"
#include "daemon.h"
#include "dctl.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "json.h"
#include "listcli.h"
#include "listsrv.h"
#include "log.h"
#include "node.h"
#include "notify.h"
#include "rtpecho.h"
#include "search.h"
#include "state.h"
#include "version.h"

static void add_time(struct ct_json *o, const char *key, double t)
{
	char b[40];

	if (t > 0)
		ct_json_add_str(o, key, ct_wall_iso(t, b, sizeof b));
	else
		ct_json_add_null(o, key);
}

/* The window of the instability rule, with the clocks the host table is on. */
static struct ct_ctlj_now users_now(struct daemon *d)
{
	struct ct_ctlj_now now = { ct_wall_now(), ct_evloop_now_ms(d->ev), d->conf.unstable_window };

	return now;
}

/* The users method, streamed: records are written as the client reads them (ctl.h), so
 * neither a tree of 100,000 hosts nor their whole text is ever held. The shape and the rule
 * are ctl-shapes.c's, shared with camtrace's tests. */
struct users_stream {
	struct daemon *d;
	struct ct_ctlj_users *u;
};

static int users_more(struct ct_out *o, void *ud)
{
	struct users_stream *us = ud;

	return ct_ctlj_users_write(us->u, us->d->hosts, o, CT_CTL_STREAM_CHUNK);
}

static void users_done(void *ud)
{
	struct users_stream *us = ud;

	ct_ctlj_users_close(us->u);
	free(us);
}

static int m_users(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct daemon *d = ud;
	struct ct_ctlj_now now = users_now(d);
	struct users_stream *us = calloc(1, sizeof *us);
	char err[256];
	int r;

	(void)result;
	if (!us)
		return CT_ENOMEM;
	us->d = d;
	if ((r = ct_ctlj_users_open(d->hosts, params, &now, &us->u, err, sizeof err)) != 0) {
		free(us);
		return ct_ctl_call_error(call, r == CT_EINVAL ? "bad_params" : "failed", "%s", err);
	}
	ct_ctl_call_stream(call, users_more, users_done, us);
	return CT_CTL_STREAM;
}

static int64_t next_in(const struct daemon *d, uint64_t interval, double last)
{
	(void)d;
	if (!interval || last <= 0)
		return -1;
	double left = last + (double)interval / 1000.0 - ct_wall_now();
	return left > 0 ? (int64_t)left : 0;
}

static void status_hosts(struct ct_json *r, const struct daemon *d)
{
	struct ct_json *o;
	size_t on = 0, ab = 0, off = 0, ext = 0, unst = 0;

	for (size_t i = 0; i < ct_hosts_count(d->hosts); i++) {
		const struct ct_host *h = ct_hosts_at(d->hosts, i);
		on += h->state == CT_HOST_ONLINE;
		ab += h->state == CT_HOST_ABSENT;
		off += h->state == CT_HOST_OFFLINE;
		ext += ct_host_is_external(h);
		unst += ct_host_is_unstable(h, d->conf.unstable_window, ct_evloop_now_ms(d->ev));
	}
	o = ct_json_add_obj(r, "hosts");
	ct_json_add_int(o, "total", (int64_t)ct_hosts_count(d->hosts));
	ct_json_add_int(o, "online", (int64_t)on);
	ct_json_add_int(o, "absent", (int64_t)ab);
	ct_json_add_int(o, "offline", (int64_t)off);
	ct_json_add_int(o, "external", (int64_t)ext);
	ct_json_add_int(o, "unstable", (int64_t)unst);
	ct_json_add_int(o, "max", (int64_t)ct_hosts_max(d->hosts));
	ct_json_add_int(o, "evicted", (int64_t)ct_hosts_evicted(d->hosts));
	ct_json_add_int(o, "expired", (int64_t)ct_hosts_expired(d->hosts));
}

/* saving the state file (state.h: background saves in a child process) */
static void status_state(struct ct_json *r, const struct daemon *d)
{
	const struct ct_state_stats *s = ct_state_stats(d->state);
	struct ct_json *o = ct_json_add_obj(r, "state");

	ct_json_add_str(o, "file", d->conf.state_file);
	ct_json_add_int(o, "saves", (int64_t)s->saves);
	ct_json_add_int(o, "failed", (int64_t)s->failed);
	ct_json_add_int(o, "coalesced", (int64_t)s->coalesced);
	ct_json_add_bool(o, "saving", s->running);
	ct_json_add_num(o, "last_save_ms", (double)(int64_t)(s->last_save_ms * 1000) / 1000);
	ct_json_add_int(o, "last_bytes", (int64_t)s->last_bytes);
	ct_json_add_num(o, "last_stall_ms", (double)(int64_t)(s->last_stall_ms * 1000) / 1000);
	ct_json_add_num(o, "max_stall_ms", (double)(int64_t)(s->max_stall_ms * 1000) / 1000);
	ct_json_add_int(o, "tmp_removed", (int64_t)s->tmp_removed);
}

/* the client role's list fetches */
static void status_fetch(struct ct_json *r, const struct daemon *d)
{
	const struct ct_listcli_status *s = ct_listcli_status(d->lc);
	struct ct_json *o = ct_json_add_obj(r, "fetch");
	char ip[64];

	ct_json_add_str(o, "server", d->conf.server);
	{
		char names[CT_LISTCLI_MAX_SERVERS][256];
		size_t n = ct_listcli_split(d->conf.server, names, CT_LISTCLI_MAX_SERVERS);
		struct ct_json *a = ct_json_add_arr(o, "servers");
		for (size_t i = 0; i < n && i < CT_LISTCLI_MAX_SERVERS; i++)
			ct_json_add_str(a, NULL, names[i]);
	}
	ct_json_add_str(o, "server_used", s->fetches ? s->server_name : "");
	ct_json_add_int(o, "server_index", s->fetches ? (int64_t)s->server_index : -1);
	ct_json_add_int(o, "failovers", (int64_t)s->failovers);
	ct_json_add_str(o, "server_addr", s->fetches ? ct_haddr_ip_str(&s->server, ip, sizeof ip) : "");
	ct_json_add_int(o, "hosts", (int64_t)s->last_hosts);
	ct_json_add_int(o, "pages", (int64_t)s->last_pages);
	ct_json_add_int(o, "fetches", (int64_t)s->fetches);
	ct_json_add_int(o, "ok", (int64_t)s->ok);
	ct_json_add_int(o, "failed", (int64_t)s->failed);
	ct_json_add_int(o, "refused_pages", (int64_t)s->refused_pages);
	ct_json_add_int(o, "refused_source", (int64_t)s->refused_source);
	ct_json_add_int(o, "refused_unasked", (int64_t)s->refused_unasked);
	ct_json_add_int(o, "refused_page", (int64_t)s->refused_page);
	ct_json_add_bool(o, "running", s->state != CT_LISTCLI_IDLE);
	ct_json_add_str(o, "last_result", s->fetches == 0 ? "none yet" : s->state != CT_LISTCLI_IDLE ?
		"running" : s->last_error[0] ? s->last_error : "ok");
	add_time(o, "last", s->last_ok);
	add_time(o, "last_try", s->last_try);
	ct_json_add_int(o, "last_ms", (int64_t)s->last_ms);
	ct_json_add_int(o, "interval_s", (int64_t)(d->conf.fetch_interval / 1000));
	ct_json_add_int(o, "next_in_s", next_in(d, d->conf.fetch_interval, s->last_try));
}

/* the server role, notification and search */
static void status_roles(struct ct_json *r, const struct daemon *d)
{
	const struct ct_listsrv_stats *ls = ct_listsrv_stats(d->ls);
	const struct ct_notify_round *last = ct_notify_last(d->nt), *run = ct_notify_running(d->nt);
	struct ct_json *o = ct_json_add_obj(r, "list_server");
	int running = 0;

	ct_json_add_int(o, "isgetlist", (int64_t)ls->isgetlist);
	ct_json_add_int(o, "isgetlist_ignored", (int64_t)ls->client_node_quiet);
	ct_json_add_int(o, "getlist", (int64_t)ls->getlist);
	ct_json_add_int(o, "anslist_pages", (int64_t)ls->pages_sent);
	ct_json_add_int(o, "entries_sent", (int64_t)ls->entries_sent);
	ct_json_add_int(o, "refused", (int64_t)ls->refused_allow);
	ct_json_add_int(o, "rate_limited", (int64_t)ls->refused_rate);
	ct_json_add_int(o, "list_size", (int64_t)ct_listsrv_size(d->ls));
	o = ct_json_add_obj(r, "notify");
	ct_json_add_int(o, "targets", (int64_t)(last->number ? last->targets : run ? run->targets : 0));
	ct_json_add_int(o, "rounds", last->number);
	ct_json_add_int(o, "sent", (int64_t)last->sent);
	ct_json_add_int(o, "answered", (int64_t)last->answered);
	ct_json_add_int(o, "unresolved", (int64_t)last->unresolved);
	ct_json_add_bool(o, "running", run != NULL);
	add_time(o, "last_round", last->finished);
	ct_json_add_int(o, "next_in_s", next_in(d, d->conf.notify_interval, last->started));
	for (size_t i = 0; i < d->nsearches; i++)
		running |= ct_search_progress(d->searches[i])->state == CT_SEARCH_RUNNING;
	o = ct_json_add_obj(r, "search");
	ct_json_add_int(o, "found", (int64_t)ct_notify_found_count(d->nt));
	ct_json_add_bool(o, "running", running);
	ct_json_add_int(o, "searches", (int64_t)d->nsearches);
}

/* packets of the node, the RTP echo and the cooperative check */
static void status_traffic(struct ct_json *r, const struct daemon *d)
{
	const struct ct_node_stats *s = ct_node_stats(d->node);
	struct ct_json *o = ct_json_add_obj(r, "packets");

	ct_json_add_int(o, "received", (int64_t)s->rx);
	ct_json_add_int(o, "sent", (int64_t)s->tx);
	ct_json_add_int(o, "malformed", (int64_t)s->bad);
	ct_json_add_int(o, "duplicates", (int64_t)s->dup);
	ct_json_add_int(o, "messages", (int64_t)s->msgs);
	ct_json_add_int(o, "send_errors", (int64_t)s->send_err);
	if (d->rtpecho) {
		struct ct_rtpecho_stats rs;
		ct_rtpecho_stats(d->rtpecho, &rs);
		o = ct_json_add_obj(r, "rtp_echo");
		ct_json_add_int(o, "ports_from", d->conf.rtp_ports.lo);
		ct_json_add_int(o, "ports_to", d->conf.rtp_ports.hi);
		ct_json_add_int(o, "received", (int64_t)rs.received);
		ct_json_add_int(o, "answered", (int64_t)rs.answered);
		ct_json_add_int(o, "ignored", (int64_t)rs.ignored);
		ct_json_add_int(o, "limited", (int64_t)rs.limited);
	}
	if (d->coop) {
		struct ct_coop_stats cs;
		ct_coop_stats(d->coop, &cs);
		o = ct_json_add_obj(r, "coop");
		ct_json_add_bool(o, "serving", d->conf.coop && d->rtpecho);
		ct_json_add_int(o, "requests", (int64_t)cs.requests);
		ct_json_add_int(o, "answered", (int64_t)cs.answered);
		ct_json_add_int(o, "malformed", (int64_t)cs.malformed);
		ct_json_add_int(o, "refused", (int64_t)cs.refused);
		ct_json_add_int(o, "rate_limited", (int64_t)cs.limited);
		ct_json_add_int(o, "busy", (int64_t)cs.busy);
		ct_json_add_int(o, "checks", (int64_t)cs.checks);
	}
}

/* the presence checks: who may change entries, what was held, refused, applied */
static void status_presence(struct ct_json *r, const struct daemon *d)
{
	struct ct_node_presence_stats p;
	struct ct_json *o = ct_json_add_obj(r, "presence"), *a = ct_json_add_arr(o, "accept");
	char txt[64];

	for (size_t i = 0; i < d->conf.accept.n; i++) {
		ct_cidr_format(&d->conf.accept.v[i], txt, sizeof txt);
		if (!strchr(txt, '/'))
			snprintf(txt + strlen(txt), sizeof txt - strlen(txt), "/%u", d->conf.accept.v[i].prefix);
		ct_json_add_str(a, NULL, txt);
	}
	ct_json_add_bool(o, "accept_computed", d->conf.accept_auto);
	ct_json_add_bool(o, "confirm_claims", d->conf.confirm_claims);
	ct_node_presence_stats(d->node, &p);
	ct_json_add_int(o, "pending", (int64_t)p.pending);
	ct_json_add_int(o, "refused_outside", (int64_t)p.refused_outside);
	ct_json_add_int(o, "confirmed", (int64_t)p.confirmed);
	ct_json_add_int(o, "unconfirmed_expired", (int64_t)p.unconfirmed_expired);
	ct_json_add_int(o, "pending_dropped", (int64_t)p.pending_dropped);
	ct_json_add_int(o, "moves_refused", (int64_t)p.moves_refused);
	ct_json_add_int(o, "moves_applied", (int64_t)p.moves_applied);
	ct_json_add_int(o, "exits_refused", (int64_t)p.exits_refused);
	ct_json_add_int(o, "exits_applied", (int64_t)p.exits_applied);
	ct_json_add_int(o, "takeovers_refused", (int64_t)p.takeovers_refused);
	ct_json_add_int(o, "takeovers_applied", (int64_t)p.takeovers_applied);
}

/* the guard: sources tracked and verified, answers dropped by class and by reason (node.h) */
static void status_guard(struct ct_json *r, const struct daemon *d)
{
	struct ct_guard_stats g;
	struct ct_json *o = ct_json_add_obj(r, "guard"), *x;
	uint64_t errs = 0;

	ct_node_guard_stats(d->node, &g);
	ct_json_add_int(o, "tracked_sources", (int64_t)g.tracked);
	ct_json_add_int(o, "verified_sources", (int64_t)g.verified);
	ct_json_add_int(o, "verifications", (int64_t)g.verifications);
	ct_json_add_int(o, "evicted_sources", (int64_t)g.evicted);
	x = ct_json_add_obj(o, "dropped");
	for (int c = 0; c < CT_GUARD_NCLASS; c++)
		ct_json_add_int(x, ct_guard_class_name(c), (int64_t)g.dropped[c]);
	x = ct_json_add_obj(o, "dropped_by");
	for (int k = 0; k < CT_GUARD_NREASON; k++)
		ct_json_add_int(x, ct_guard_reason_name(k), (int64_t)g.dropped_by[k]);
	ct_json_add_int(o, "unverified_cut", (int64_t)g.unverified_cut);
	ct_json_add_int(o, "deferred_getlists", (int64_t)ct_listsrv_stats(d->ls)->deferred);
	ct_json_add_int(o, "probes_sent", (int64_t)g.probes_sent);
	ct_json_add_int(o, "log_suppressed", (int64_t)g.log_suppressed);
	x = ct_json_add_obj(o, "send_errors_by");
	for (int k = 0; k < CT_GUARD_NERR; k++) {
		ct_json_add_int(x, ct_guard_senderr_name(k), (int64_t)g.send_errors[k]);
		errs += g.send_errors[k];
	}
	ct_json_add_int(o, "send_errors", (int64_t)errs);
}

static int m_status(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct daemon *d = ud;
	struct ct_json *r = ct_json_obj(), *o;
	char ver[64];

	(void)call;
	(void)params;
	snprintf(ver, sizeof ver, "camtraced %s", ct_version());
	ct_json_add_str(r, "version", ver);
	ct_json_add_int(r, "pid", getpid());
	ct_json_add_int(r, "uptime_s", (int64_t)(ct_wall_now() - d->started_wall));
	ct_json_add_str(r, "listen", d->conf.listen);
	ct_json_add_int(r, "port", d->conf.port);
	/* what camtrace doctor on this machine needs to work from here: the config it runs with,
	 * this machine's addresses, the networks the list server notifies */
	ct_json_add_str(r, "config_file", d->opts.config ? d->opts.config : CT_DCONF_DEFAULT_PATH);
	{
		uint32_t addrs[16];
		unsigned plens[16];
		size_t n = ct_node_networks(d->node, addrs, plens, 16);
		char ip[16];
		o = ct_json_add_arr(r, "addresses");
		for (size_t i = 0; i < n; i++) {
			struct in_addr in = { .s_addr = htonl(addrs[i]) };
			if ((addrs[i] >> 24) != 127)
				ct_json_add_str(o, NULL, inet_ntop(AF_INET, &in, ip, sizeof ip));
		}
		o = ct_json_add_arr(r, "notify_targets");
		for (size_t i = 0; i < d->conf.notify.n; i++)
			ct_json_add_str(o, NULL, d->conf.notify.v[i]);
	}
	o = ct_json_add_obj(r, "roles");
	ct_json_add_bool(o, "server", 1);
	ct_json_add_bool(o, "client", d->lc != NULL);
	o = ct_json_add_obj(r, "identity");
	ct_json_add_str(o, "user", d->conf.user_name);
	ct_json_add_str(o, "host", d->conf.host_name);
	ct_json_add_str(o, "nick", d->conf.nick);
	ct_json_add_str(o, "group", d->conf.group);
	status_hosts(r, d);
	if (d->lc)
		status_fetch(r, d);
	status_roles(r, d);
	status_traffic(r, d);
	status_presence(r, d);
	status_guard(r, d);
	dfed_status(r, d);
	status_state(r, d);
	dmsg_status(d, r);
	dxfer_status(d, r);
	*result = r;
	return 0;
}

/* The end of a list fetch (daemon_on_fetch_done): answers the waiting refresh requests. */
static void on_fetch_done(struct daemon *d, int ok, void *ud)
{
	const struct ct_listcli_status *s = ct_listcli_status(d->lc);
	size_t now_ext = daemon_live_external(d);

	(void)ud;
	for (size_t i = 0; i < d->nrefresh; i++) {
		if (!ok) {
			ct_ctl_reply_error(d->ctl, d->refresh_tok[i], "failed", s->last_error);
			continue;
		}
		struct ct_json *r = ct_json_obj();
		ct_json_add_bool(r, "started", 1);
		ct_json_add_str(r, "server", d->conf.server);
		ct_json_add_str(r, "server_used", s->server_name);
		ct_json_add_int(r, "hosts", (int64_t)s->last_hosts);
		ct_json_add_int(r, "pages", (int64_t)s->last_pages);
		ct_json_add_int(r, "added", now_ext > d->fetch_before - s->last_removed ?
			(int64_t)(now_ext - (d->fetch_before - s->last_removed)) : 0);
		ct_json_add_int(r, "removed", (int64_t)s->last_removed);
		ct_json_add_int(r, "ms", (int64_t)s->last_ms);
		ct_ctl_reply(d->ctl, d->refresh_tok[i], r);
	}
	d->nrefresh = 0;
}

static int m_refresh(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct daemon *d = ud;
	int r;

	(void)params;
	(void)result;
	if (!d->lc)
		return ct_ctl_call_error(call, "failed", "camtraced has no `server` configured (it is the list server itself)");
	if (d->nrefresh >= DAEMON_MAX_REFRESH)
		return ct_ctl_call_error(call, "busy", "too many refresh requests waiting");
	if ((r = daemon_refresh(d)) != 0)
		return ct_ctl_call_error(call, "failed", "%s", ct_listcli_status(d->lc)->last_error);
	d->refresh_tok[d->nrefresh++] = ct_ctl_call_token(call);
	return CT_CTL_DEFER;
}

static struct ct_search *find_search(struct daemon *d, const struct ct_json *params)
{
	int64_t id = 0;

	if (!params || ct_json_get_i64(params, "search_id", &id) != 0) {
		return d->nsearches ? d->searches[d->nsearches - 1] : NULL;
	}
	for (size_t i = 0; i < d->nsearches; i++)
		if ((int64_t)ct_search_progress(d->searches[i])->id == id)
			return d->searches[i];
	return NULL;
}

static int m_search_start(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct daemon *d = ud;
	const struct ct_json *ranges = params ? ct_json_get(params, "ranges") : NULL;
	struct ct_targets ts;
	struct ct_search *s;
	char err[256];
	int r;

	if (!ranges || !ct_json_is_arr(ranges) || ct_json_arr_len(ranges) == 0)
		return ct_ctl_call_error(call, "bad_params", "give \"ranges\": a non-empty array of A.B.C.*, CIDR, ranges or names");
	ct_targets_init(&ts, CT_TARGETS_DEFAULT_MAX);
	for (const struct ct_json *el = ct_json_first(ranges); el; el = ct_json_next(el)) {
		const char *s0 = ct_json_str(el);
		if (!s0 || (r = ct_targets_add(&ts, s0, err, sizeof err)) != 0) {
			ct_targets_fini(&ts);
			return ct_ctl_call_error(call, "bad_params", "%s", s0 ? err : "ranges must be strings");
		}
	}
	r = daemon_search_start(d, &ts, &s, err, sizeof err);
	ct_targets_fini(&ts);
	if (r != 0)
		return ct_ctl_call_error(call, r == CT_EAGAIN ? "busy" : "failed", "%s", err);
	*result = ct_ctlj_search_progress(ct_search_progress(s));
	return 0;
}

static int m_search_progress(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct ct_search *s = find_search(ud, params);

	if (!s)
		return ct_ctl_call_error(call, "bad_params", "no such search");
	*result = ct_ctlj_search_progress(ct_search_progress(s));
	return 0;
}

/* search.result, streamed like users: the search is looked up by id at each chunk (a newer
 * search may have replaced it: its hosts then end there). */
struct result_stream {
	struct daemon *d;
	uint64_t id;
	size_t next;
};

static int result_more(struct ct_out *o, void *ud)
{
	struct result_stream *rs = ud;

	for (size_t i = 0; i < rs->d->nsearches; i++)
		if (ct_search_progress(rs->d->searches[i])->id == rs->id)
			return ct_ctlj_search_result_write(rs->d->searches[i], &rs->next, o, CT_CTL_STREAM_CHUNK);
	ct_out_puts(o, rs->next ? "]}" : "{\"hosts\":[]}"); /* the head is written with the first hits */
	return 0;
}

static int m_search_result(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct ct_search *s = find_search(ud, params);
	struct result_stream *rs;

	(void)result;
	if (!s)
		return ct_ctl_call_error(call, "bad_params", "no such search");
	if (!(rs = calloc(1, sizeof *rs)))
		return CT_ENOMEM;
	rs->d = ud;
	rs->id = ct_search_progress(s)->id;
	ct_ctl_call_stream(call, result_more, free, rs);
	return CT_CTL_STREAM;
}

static int m_reload(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	char err[1024];

	(void)params;
	if (daemon_reload(ud, err, sizeof err) != 0)
		return ct_ctl_call_error(call, "failed", "%s", err);
	*result = ct_json_obj();
	ct_json_add_bool(*result, "reloaded", 1);
	return 0;
}

/* probe: the cooperative check from this daemon's UDP 2425 toward one address (the server ->
 * user direction for camtrace doctor), or toward several at once ("addrs": the checks run
 * together; the answer is {"results": [...]} in their order). The control socket is the
 * administrator's: any IPv4 unicast address may be given. */
#define PROBE_MAX 16
struct probe_req {
	struct daemon *d;
	uint64_t token;
	unsigned checks;
	int batch;                /* "addrs" was given: answer with "results" */
	int n, left;
	struct probe_one {
		struct probe_req *req;
		char addr[16];
		struct ct_json *res;
	} one[PROBE_MAX];
};

static struct ct_json *probe_result(const struct probe_req *p, const char *addr, const struct ct_coop_result *r)
{
	struct ct_json *o = ct_json_obj();
	char t[600], f[16];
	struct in_addr in;

	ct_json_add_str(o, "addr", addr);
	in.s_addr = r->src;
	ct_json_add_str(o, "source", r->src ? inet_ntop(AF_INET, &in, f, sizeof f) : NULL);
	ct_json_add_int(o, "source_port", ct_node_port(p->d->node));
	ct_json_add_str(o, "udp", ct_coop_udp_key(r->udp));
	ct_json_add_str(o, "udp_answered", ct_coop_how_key(r->udp_how)); /* "getinfo" / "br_entry" (iptux) / null */
	if (r->udp == CT_COOP_UDP_ANSWERED)
		ct_json_add_num(o, "udp_rtt_ms", r->udp_rtt_us / 1000.0);
	else
		ct_json_add_null(o, "udp_rtt_ms");
	ct_json_add_str(o, "program", r->program[0] ? r->program : NULL);
	ct_json_add_str(o, "tcp", ct_coop_tcp_key(r->tcp));
	if (r->tcp == CT_COOP_TCP_OPEN)
		ct_json_add_num(o, "tcp_rtt_ms", r->tcp_rtt_us / 1000.0);
	else
		ct_json_add_null(o, "tcp_rtt_ms");
	ct_coop_result_text(r, p->checks, t, sizeof t);
	ct_json_add_str(o, "text", t);
	return o;
}

static void on_probe(const struct ct_coop_result *r, void *ud)
{
	struct probe_one *one = ud;
	struct probe_req *p = one->req;
	struct ct_json *o, *arr;

	one->res = probe_result(p, one->addr, r);
	if (--p->left > 0)
		return;
	if (!p->batch)
		o = p->one[0].res;
	else {
		o = ct_json_obj();
		arr = ct_json_add_arr(o, "results");
		for (int i = 0; i < p->n; i++)
			ct_json_add(arr, NULL, p->one[i].res);
	}
	ct_ctl_reply(p->d->ctl, p->token, o);
	free(p);
}

static int m_probe(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct daemon *d = ud;
	const struct ct_json *addrs = params ? ct_json_get(params, "addrs") : NULL;
	const char *addr = params ? ct_json_get_str(params, "addr") : NULL;
	struct probe_req *p;
	struct in_addr in[PROBE_MAX];
	int64_t wait = 1000;
	int tcp = 1, r, n = 0;

	(void)result;
	if (addrs) {
		n = (int)ct_json_arr_len(addrs);
		if (n < 1 || n > PROBE_MAX)
			return ct_ctl_call_error(call, "bad_params", "\"addrs\": 1 to %d IPv4 addresses", PROBE_MAX);
		for (int i = 0; i < n; i++) {
			const char *a = ct_json_str(ct_json_arr_at(addrs, i));
			if (!a || inet_pton(AF_INET, a, &in[i]) != 1)
				return ct_ctl_call_error(call, "bad_params", "\"addrs\" item %d is not an IPv4 address", i + 1);
		}
	} else if (!addr || inet_pton(AF_INET, addr, &in[n++]) != 1)
		return ct_ctl_call_error(call, "bad_params", "give \"addr\": an IPv4 address (e.g. 198.18.2.11), or "
			"\"addrs\": a list of them");
	if (params && ct_json_get(params, "wait_ms") && (ct_json_get_i64(params, "wait_ms", &wait) != 0 ||
	    wait < CT_COOP_WAIT_MIN || wait > CT_COOP_WAIT_MAX))
		return ct_ctl_call_error(call, "bad_params", "wait_ms must be %d to %d", CT_COOP_WAIT_MIN, CT_COOP_WAIT_MAX);
	if (params && ct_json_get(params, "tcp") && ct_json_get_bool(params, "tcp", &tcp) != 0)
		return ct_ctl_call_error(call, "bad_params", "tcp must be true or false");
	if (!d->coop)
		return ct_ctl_call_error(call, "failed", "the check engine is not running");
	if (!(p = calloc(1, sizeof *p)))
		return CT_ENOMEM;
	p->d = d;
	p->token = ct_ctl_call_token(call);
	p->checks = CT_COOP_CHECK_UDP | (tcp ? CT_COOP_CHECK_TCP : 0);
	p->batch = addrs != NULL;
	p->n = p->left = n;
	for (int i = 0; i < n; i++) {
		p->one[i].req = p;
		inet_ntop(AF_INET, &in[i], p->one[i].addr, sizeof p->one[i].addr);
		if ((r = ct_coop_check(d->coop, in[i].s_addr, p->checks, (unsigned)wait, on_probe, &p->one[i])) != 0) {
			/* the checks already started answer into p: give this one an error result */
			struct ct_coop_result none = { .status = CT_COOP_ST_ERROR };
			if (i == 0) {
				char a0[16];
				snprintf(a0, sizeof a0, "%s", p->one[0].addr);
				free(p);
				if (r == CT_EAGAIN)
					return ct_ctl_call_error(call, "busy", "16 checks are running; try again");
				return ct_ctl_call_error(call, "bad_params", "%s is not an IPv4 unicast address", a0);
			}
			p->left -= n - i - 1; /* the ones not started */
			p->n = i + 1;
			on_probe(&none, &p->one[i]);
			break;
		}
	}
	return CT_CTL_DEFER;
}

void dctl_register(struct daemon *d)
{
	ct_ctl_server_add(d->ctl, CT_CTL_M_STATUS, m_status, d);
	ct_ctl_server_add(d->ctl, CT_CTL_M_USERS, m_users, d);
	ct_ctl_server_add(d->ctl, CT_CTL_M_REFRESH, m_refresh, d);
	ct_ctl_server_add(d->ctl, CT_CTL_M_SEARCH_START, m_search_start, d);
	ct_ctl_server_add(d->ctl, CT_CTL_M_SEARCH_PROGRESS, m_search_progress, d);
	ct_ctl_server_add(d->ctl, CT_CTL_M_SEARCH_RESULT, m_search_result, d);
	ct_ctl_server_add(d->ctl, CT_CTL_M_RELOAD, m_reload, d);
	ct_ctl_server_add(d->ctl, CT_COOP_CTL_PROBE, m_probe, d);
	dmsg_register(d); /* send, inbox */
	daemon_on_fetch_done(d, on_fetch_done, NULL);
}
