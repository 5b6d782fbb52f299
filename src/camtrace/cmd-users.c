/* cmd-users.c: `camtrace users`: the hosts camtraced knows (all, unstable, external, by network), text or JSON. */
#include "config.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>
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

struct users_opts {
	int filter;          /* index into filters[] */
	const char *network; /* --network CIDR */
};

static const char *const filters[] = { "all", "unstable", "external", "online" };

static int users_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	const struct users_opts *o = opts;
	const char *filter = filters[o->filter], *network = o->network;
	struct ct_ctl_client *c;
	struct ct_json *params, *res = NULL;
	int rc;

	(void)argc;
	(void)argv;
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

#define O(f) offsetof(struct users_opts, f)
static const struct cmd_opt users_opts[] = {
	{ "unstable", 0, CMD_OPT_SET, O(filter), .val = 1,
	  .help = "only hosts that went away and came back, or miss checks" },
	{ "external", 0, CMD_OPT_SET, O(filter), .val = 2, .help = "only hosts not seen on camtraced's own segments" },
	{ "online", 0, CMD_OPT_SET, O(filter), .val = 3, .help = "only hosts online or absent" },
	{ "all", 0, CMD_OPT_SET, O(filter), .val = 0, .help = "every host (the default)" },
	{ "network", 0, CMD_OPT_CIDR, O(network), .help = "only hosts inside this network" },
	{ 0 },
};

const struct cmd_entry cmd_users_entry = {
	.name = "users",
	.args = "[--unstable | --external | --online] [--network CIDR]",
	.summary = "list the IP Messenger users camtraced knows, with state and instability",
	.help = "With --json each host has user, host, nick, group, addr, port, state, origin,\n"
		"flap_count, last_seen and more (see camtraced(8)). Exit 69 when camtraced is not running.\n",
	.flags = CMD_F_DAEMON,
	.opts = users_opts,
	.opts_size = sizeof(struct users_opts),
	.exec = users_exec,
};
