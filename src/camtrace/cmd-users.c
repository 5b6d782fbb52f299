/* cmd-users.c: `camtrace users`: the hosts camtraced knows (all, unstable, external, by network), text or JSON. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "conf.h"
#include "cmd.h"
#include "out.h"
#include "ctlcli.h"

static void print_row(const struct ct_json *h, void *ud)
{
	const struct ct_cli *cli = ud;
	const char *state = ctlcli_str(h, "state", "?");
	char addr[64], ago[32];
	int unstable = 0;

	ct_json_get_bool(h, "unstable", &unstable);
	snprintf(addr, sizeof addr, strchr(ctlcli_str(h, "addr", ""), ':') ? "[%s]:%lld" : "%s:%lld",
		ctlcli_str(h, "addr", "?"), ctlcli_int(h, "port", 0));
	ctlcli_fmt_secs(ctlcli_int(h, "last_seen_age_s", -1), ago, sizeof ago);
	printf("%-16s %-16s %-16s %-12s %-21s %s%-8s%s %-8s %s%5lld%s  %s ago\n",
		ctlcli_str(h, "user", ""), ctlcli_str(h, "host", ""), ctlcli_str(h, "nick", ""),
		ctlcli_str(h, "group", ""), addr,
		out_c(cli, strcmp(state, "offline") == 0 ? "bad" : strcmp(state, "absent") == 0 ? "warn" : "ok"),
		state, out_c(cli, "reset"), ctlcli_str(h, "origin", ""),
		unstable ? out_c(cli, "warn") : "", ctlcli_int(h, "flap_count", 0), unstable ? out_c(cli, "reset") : "",
		ago);
}

static void print_table(const struct ct_cli *cli, const struct ct_json *r)
{
	const struct ct_json *hosts = ct_json_get(r, "hosts");
	size_t n = ct_json_arr_len(hosts);
	const char *net = ctlcli_str(r, "network", NULL);

	if (n == 0) {
		printf("no %shosts%s%s (camtraced knows %lld in all)\n",
			strcmp(ctlcli_str(r, "filter", "all"), "all") ? ctlcli_str(r, "filter", "") : "",
			net ? " in " : "", net ? net : "", ctlcli_int(r, "total", 0));
		return;
	}
	printf("%-16s %-16s %-16s %-12s %-21s %-8s %-8s %5s  %s\n", "USER", "HOST", "NICK", "GROUP",
		"ADDRESS", "STATE", "ORIGIN", "FLAPS", "LAST SEEN");
	ctlcli_foreach(hosts, print_row, (void *)cli);
	printf("%zu of %lld hosts\n", n, ctlcli_int(r, "total", 0));
}

static int users_exec(struct ct_cli *cli, int argc, char **argv)
{
	const char *filter = "all", *network = NULL;
	struct ct_ctl_client *c;
	struct ct_json *params, *res = NULL;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--unstable") == 0)
			filter = "unstable";
		else if (strcmp(argv[i], "--external") == 0)
			filter = "external";
		else if (strcmp(argv[i], "--online") == 0)
			filter = "online";
		else if (strcmp(argv[i], "--all") == 0)
			filter = "all";
		else if (strcmp(argv[i], "--network") == 0 || strncmp(argv[i], "--network=", 10) == 0) {
			struct ct_cidr cd;
			char msg[256];
			network = argv[i][9] == '=' ? argv[i] + 10 : (i + 1 < argc ? argv[++i] : NULL);
			if (!network || ct_cidr_parse(network, &cd) != 0) {
				snprintf(msg, sizeof msg, "--network wants a network in CIDR form such as 192.168.1.0/24%s%s%s",
					network ? ", not '" : "", network ? network : "", network ? "'" : "");
				return ctlcli_usage(cli, "users", msg);
			}
		} else {
			char msg[256];
			snprintf(msg, sizeof msg, "unknown option '%s'; see 'camtrace help users'", argv[i]);
			return ctlcli_usage(cli, "users", msg);
		}
	}
	if (!(c = ctlcli_connect(cli, "users", &rc)))
		return rc;
	params = ct_json_obj();
	ct_json_add_str(params, "filter", filter);
	if (network)
		ct_json_add_str(params, "network", network);
	rc = ctlcli_call(cli, "users", c, CT_CTL_M_USERS, params, &res);
	ct_json_free(params);
	if (rc == 0) {
		if (cli->json) {
			struct ct_json *d = out_doc_new("users");
			const struct ct_json *h = ct_json_get(res, "hosts");
			ct_json_add_str(d, "filter", filter);
			if (network)
				ct_json_add_str(d, "network", network);
			else
				ct_json_add_null(d, "network");
			ct_json_add_int(d, "total", ctlcli_int(res, "total", 0));
			ct_json_add_int(d, "count", (int64_t)ct_json_arr_len(h));
			ct_json_add(d, "hosts", h ? ct_json_dup(h) : ct_json_arr());
			out_doc_print(d);
		} else
			print_table(cli, res);
	}
	ct_json_free(res);
	ct_ctl_client_free(c);
	return rc;
}

const struct cmd_entry cmd_users_entry = {
	.name = "users",
	.args = "[--unstable | --external | --online] [--network CIDR]",
	.summary = "list the IP Messenger users camtraced knows, with state and instability",
	.help = "  --unstable       only hosts that went away and came back, or miss checks\n"
		"  --external       only hosts not seen on camtraced's own segments\n"
		"  --online         only hosts online or absent\n"
		"  --network CIDR   only hosts inside this network\n"
		"With --json each host has user, host, nick, group, addr, port, state, origin,\n"
		"flap_count, last_seen and more (see camtraced(8)). Exit 69 when camtraced is not running.\n",
	.exec = users_exec,
};
