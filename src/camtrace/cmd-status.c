/* cmd-status.c: `camtrace status`: what camtraced is doing (roles, hosts, fetches, notifications), from its control socket. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "out.h"
#include "ctlcli.h"

static void line_time(const char *label, const struct ct_json *o, const char *key)
{
	const char *t = ctlcli_str(o, key, NULL);

	if (t)
		printf("  %-14s %s\n", label, t);
}

/* Several list servers: which one the last fetch used, in the order given, and how often a
 * fetch moved on because one did not answer. */
static void status_servers(const struct ct_json *fetch)
{
	const struct ct_json *a = ct_json_get(fetch, "servers");
	long long idx = ctlcli_int(fetch, "server_index", -1), i = 0;

	if (!a || !ct_json_first(a) || !ct_json_next(ct_json_first(a)))
		return;
	printf("  %-14s", "servers");
	for (const struct ct_json *el = ct_json_first(a); el; el = ct_json_next(el), i++)
		printf("%s%s%s", i ? ", " : " ", ct_json_str(el) ? ct_json_str(el) : "?", i == idx ? " (used)" : "");
	printf("; %lld failover(s)\n", ctlcli_int(fetch, "failovers", 0));
}

/* The presence line, when any check held, refused or applied something. */
static void print_presence(const struct ct_json *p)
{
	static const char *const keys[] = { "pending", "refused_outside", "unconfirmed_expired", "pending_dropped",
		"moves_refused", "moves_applied", "exits_refused", "exits_applied", "takeovers_refused",
		"takeovers_applied" };
	long long any = 0;

	for (size_t i = 0; p && i < sizeof keys / sizeof keys[0]; i++)
		any |= ctlcli_int(p, keys[i], 0);
	if (!any)
		return;
	printf("presence:        %lld pending, %lld refused (outside accept); refused/applied: moves %lld/%lld, "
		"exits %lld/%lld, takeovers %lld/%lld; %lld never confirmed\n",
		ctlcli_int(p, "pending", 0), ctlcli_int(p, "refused_outside", 0), ctlcli_int(p, "moves_refused", 0),
		ctlcli_int(p, "moves_applied", 0), ctlcli_int(p, "exits_refused", 0), ctlcli_int(p, "exits_applied", 0),
		ctlcli_int(p, "takeovers_refused", 0), ctlcli_int(p, "takeovers_applied", 0),
		ctlcli_int(p, "unconfirmed_expired", 0) + ctlcli_int(p, "pending_dropped", 0));
}

/* The guard line, when answers were dropped or cut or sends failed. */
static void print_guard(const struct ct_json *g)
{
	static const char *const reasons[] = { "source_rate", "unverified_rate", "total_rate", "total_bytes", "credit" };
	const struct ct_json *by = g ? ct_json_get(g, "dropped_by") : NULL;
	long long dropped = 0;
	char why[200] = "";
	size_t w = 0;

	for (size_t i = 0; by && i < sizeof reasons / sizeof reasons[0]; i++) {
		long long v = ctlcli_int(by, reasons[i], 0);
		dropped += v;
		if (v && w < sizeof why)
			w += (size_t)snprintf(why + w, sizeof why - w, "%s%s %lld", w ? ", " : " (", reasons[i], v);
	}
	if (w && w < sizeof why)
		snprintf(why + w, sizeof why - w, ")");
	if (!g || !(dropped | ctlcli_int(g, "unverified_cut", 0) | ctlcli_int(g, "send_errors", 0)))
		return;
	printf("guard:           %lld sources (%lld verified); %lld answers dropped%s, %lld pages cut, "
		"%lld send errors\n", ctlcli_int(g, "tracked_sources", 0), ctlcli_int(g, "verified_sources", 0), dropped,
		why, ctlcli_int(g, "unverified_cut", 0), ctlcli_int(g, "send_errors", 0));
}

/* The federation lines (camtraced with `peer`s): what we own, then one line per peer. */
static void print_federation(const struct ct_json *f)
{
	const struct ct_json *peers = f ? ct_json_get(f, "peers") : NULL;

	if (!f)
		return;
	printf("federation:      %lld hosts owned (version %lld), %lld yielded to peers, %lld tombstones, "
		"%lld refused from strangers\n", ctlcli_int(f, "owned", 0), ctlcli_int(f, "version", 0),
		ctlcli_int(f, "yielded", 0), ctlcli_int(f, "tombstones", 0), ctlcli_int(f, "refused", 0));
	if (ctlcli_str(f, "key_fingerprint", "")[0]) /* keyed peers */
		printf("federation key:  %s, %lld datagrams refused from keyed peers (unsigned, forged, another key)\n",
			ctlcli_str(f, "key_fingerprint", ""), ctlcli_int(f, "auth_refused", 0));
	for (const struct ct_json *p = peers ? ct_json_first(peers) : NULL; p; p = ct_json_next(p)) {
		char ago[32] = "never";
		if (ctlcli_int(p, "last_exchange_age_s", -1) >= 0) {
			ctlcli_fmt_secs(ctlcli_int(p, "last_exchange_age_s", 0), ago, sizeof ago);
			snprintf(ago + strlen(ago), sizeof ago - strlen(ago), " ago");
		}
		const char *auth = ctlcli_str(p, "auth", "none");
		printf("  peer %-21s %-10s %lld hosts, last exchange %s, %lld versions behind, %lld errors%s%s%s%s\n",
			ctlcli_str(p, "peer", "?"), ctlcli_str(p, "state", "?"), ctlcli_int(p, "hosts", 0), ago,
			ctlcli_int(p, "lag_versions", 0), ctlcli_int(p, "errors", 0),
			strcmp(auth, "none") ? ", key " : "", strcmp(auth, "none") ? auth : "",
			ctlcli_str(p, "last_error", "")[0] ? ": " : "", ctlcli_str(p, "last_error", ""));
	}
}

static void print_text(const struct ct_cli *cli, const struct ct_json *r)
{
	const struct ct_json *roles = ct_json_get(r, "roles"), *id = ct_json_get(r, "identity");
	const struct ct_json *hosts = ct_json_get(r, "hosts"), *fetch = ct_json_get(r, "fetch");
	const struct ct_json *notify = ct_json_get(r, "notify"), *search = ct_json_get(r, "search");
	const struct ct_json *ls = ct_json_get(r, "list_server"), *st = ct_json_get(r, "state");
	const struct ct_json *pk = ct_json_get(r, "packets");
	const struct ct_json *echo = ct_json_get(r, "rtp_echo"), *coop = ct_json_get(r, "coop");
	char listen[80];
	char up[32], nxt[32];
	int srv = 0, clnt = 0;

	ctlcli_fmt_secs(ctlcli_int(r, "uptime_s", -1), up, sizeof up);
	printf("%s%s%s (pid %lld), up %s, control socket %s\n", out_c(cli, "bold"),
		ctlcli_str(r, "version", "camtraced"), out_c(cli, "reset"), ctlcli_int(r, "pid", 0), up,
		ctlcli_path(cli));
	ct_json_get_bool(roles, "server", &srv);
	ct_json_get_bool(roles, "client", &clnt);
	printf("roles:           %s%s%s\n", srv ? "list server" : "", srv && clnt ? " + " : "",
		clnt ? "client node" : (srv ? "" : "none"));
	if (ct_json_get(r, "port") && !strchr(ctlcli_str(r, "listen", ""), ':'))
		snprintf(listen, sizeof listen, "%s:%lld", ctlcli_str(r, "listen", "?"), ctlcli_int(r, "port", 0));
	else
		snprintf(listen, sizeof listen, "%s", ctlcli_str(r, "listen", "?"));
	if (id)
		printf("identity:        %s@%s, nick '%s', group '%s', on %s\n", ctlcli_str(id, "user", "?"),
			ctlcli_str(id, "host", "?"), ctlcli_str(id, "nick", ""), ctlcli_str(id, "group", ""), listen);
	if (hosts)
		printf("hosts:           %lld known: %lld online, %lld absent, %lld offline; %lld external, %s%lld unstable%s\n",
			ctlcli_int(hosts, "total", 0), ctlcli_int(hosts, "online", 0), ctlcli_int(hosts, "absent", 0),
			ctlcli_int(hosts, "offline", 0), ctlcli_int(hosts, "external", 0),
			ctlcli_int(hosts, "unstable", 0) ? out_c(cli, "warn") : "", ctlcli_int(hosts, "unstable", 0),
			ctlcli_int(hosts, "unstable", 0) ? out_c(cli, "reset") : "");
	if (fetch) {
		ctlcli_fmt_secs(ctlcli_int(fetch, "next_in_s", -1), nxt, sizeof nxt);
		printf("list fetch:      from %s, %lld hosts in the last list, result %s, next in %s\n",
			ctlcli_str(fetch, "server_used", "")[0] ? ctlcli_str(fetch, "server_used", "?") :
			ctlcli_str(fetch, "server", "?"), ctlcli_int(fetch, "hosts", 0),
			ctlcli_str(fetch, "last_result", "none yet"), nxt);
		status_servers(fetch);
		line_time("last fetch", fetch, "last");
	}
	if (ls)
		printf("list server:     %lld GETLIST answered, %lld ANSLIST pages, %lld refused (not allowed), %lld rate-limited\n",
			ctlcli_int(ls, "getlist", 0), ctlcli_int(ls, "anslist_pages", 0), ctlcli_int(ls, "refused", 0),
			ctlcli_int(ls, "rate_limited", 0));
	if (notify) {
		ctlcli_fmt_secs(ctlcli_int(notify, "next_in_s", -1), nxt, sizeof nxt);
		printf("notification:    %lld targets; last round %lld sent, %lld answered; next in %s\n",
			ctlcli_int(notify, "targets", 0), ctlcli_int(notify, "sent", 0),
			ctlcli_int(notify, "answered", 0), nxt);
		line_time("last round", notify, "last_round");
	}
	if (search) {
		int running = 0;
		ct_json_get_bool(search, "running", &running);
		printf("search:          %lld addresses found and remembered%s\n", ctlcli_int(search, "found", 0),
			running ? ", a search is running" : "");
	}
	if (pk)
		printf("packets:         %lld received, %lld sent, %lld malformed, %lld duplicates, %lld messages to camtraced\n",
			ctlcli_int(pk, "received", 0), ctlcli_int(pk, "sent", 0), ctlcli_int(pk, "malformed", 0),
			ctlcli_int(pk, "duplicates", 0), ctlcli_int(pk, "messages", 0));
	if (echo)
		printf("rtp echo:        ports %lld-%lld, %lld received, %lld answered, %lld ignored, %lld rate-limited\n",
			ctlcli_int(echo, "ports_from", 0), ctlcli_int(echo, "ports_to", 0), ctlcli_int(echo, "received", 0),
			ctlcli_int(echo, "answered", 0), ctlcli_int(echo, "ignored", 0), ctlcli_int(echo, "limited", 0));
	if (coop) {
		int serving = 0;
		ct_json_get_bool(coop, "serving", &serving);
		printf("coop checks:     %s; %lld requests, %lld answered, %lld refused, %lld rate-limited, %lld busy, "
			"%lld malformed, %lld checks run\n", serving ? "served on the rtp echo" : "not served (coop = no)",
			ctlcli_int(coop, "requests", 0), ctlcli_int(coop, "answered", 0), ctlcli_int(coop, "refused", 0),
			ctlcli_int(coop, "rate_limited", 0), ctlcli_int(coop, "busy", 0), ctlcli_int(coop, "malformed", 0),
			ctlcli_int(coop, "checks", 0));
	}
	print_presence(ct_json_get(r, "presence"));
	print_guard(ct_json_get(r, "guard"));
	print_federation(ct_json_get(r, "federation"));
	if (st) {
		printf("state file:      %s, %lld saves\n", ctlcli_str(st, "file", "?"), ctlcli_int(st, "saves", 0));
		line_time("last save", st, "last_save");
	}
}

static int status_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	struct ct_ctl_client *c;
	struct ct_json *res = NULL;
	int rc;

	(void)opts;
	(void)argc;
	(void)argv;
	if (!(c = ctlcli_connect(cli, "status", &rc)))
		return rc;
	rc = ctlcli_call(cli, "status", c, CT_CTL_M_STATUS, NULL, &res);
	if (rc == 0) {
		if (cli->json) {
			struct ct_json *d = out_doc_new("status");
			ct_json_add_str(d, "ctl_socket", ctlcli_path(cli));
			ct_json_add(d, "daemon", res);
			res = NULL;
			out_doc_print(d);
		} else
			print_text(cli, res);
	}
	ct_json_free(res);
	ct_ctl_client_free(c);
	return rc;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.args = "",
	.summary = "show what camtraced is doing (roles, hosts, fetches, notifications)",
	.help = "Asks the running camtraced over its control socket (--ctl PATH, default\n"
		RUNSTATEDIR "/camtraced/ctl.sock). Exit 69 when camtraced is not running.\n",
	.flags = CMD_F_DAEMON,
	.exec = status_exec,
};
