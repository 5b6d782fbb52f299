/* cmd-users.c: `camtrace users`: the hosts camtraced knows (all, unstable, external, by network), text or JSON. */
#include "config.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "out.h"
#include "ctlcli.h"
#include "jsonw.h"

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
	struct ct_sbuf b;

	/* names by display width: a Japanese nick or group lines up with the ASCII rows */
	ct_sbuf_init(&b);
	out_cell(&b, ctlcli_str(h, "user", ""), 16);
	out_cell(&b, ctlcli_str(h, "host", ""), 16);
	out_cell(&b, ctlcli_str(h, "nick", ""), 16);
	out_cell(&b, ctlcli_str(h, "group", ""), 12);
	/* where it was learned when not by us: the first server that lists it */
	const struct ct_json *srcs = ct_json_get(h, "sources"), *s0 = srcs ? ct_json_first(srcs) : NULL;
	char via[80] = "";
	if (s0 && strcmp(ctlcli_str(s0, "from", ""), "own") != 0)
		snprintf(via, sizeof via, "  via %s %s", ctlcli_str(s0, "from", ""), ctlcli_str(s0, "server", ""));
	printf("%s%-21s %s%-8s%s %-8s %s%5lld%s  %s ago%s\n", b.p ? b.p : "", addr,
		out_c(cli, strcmp(state, "offline") == 0 ? "bad" : strcmp(state, "absent") == 0 ? "warn" : "ok"),
		state, out_c(cli, "reset"), ctlcli_str(h, "origin", ""),
		unstable ? out_c(cli, "warn") : "", ctlcli_int(h, "flap_count", 0), unstable ? out_c(cli, "reset") : "",
		ago, via);
	ct_sbuf_fini(&b);
}

struct users_opts {
	int filter;          /* index into filters[] */
	const char *network; /* --network CIDR */
};

static const char *const filters[] = { "all", "unstable", "external", "online" };

struct users_run {
	const struct ct_cli *cli;
	const char *filter, *network;
	struct ct_out o;      /* --json: the document, written as the records come */
	size_t n;             /* records so far */
};

/* --json: the document up to the hosts array, before the first record (or at the end). */
static void json_head(struct users_run *u)
{
	out_sdoc_begin(&u->o, "users");
	out_sdoc_key(&u->o, "filter");
	ct_jw_str(&u->o, u->filter, strlen(u->filter));
	out_sdoc_key(&u->o, "network");
	if (u->network)
		ct_jw_str(&u->o, u->network, strlen(u->network));
	else
		ct_out_puts(&u->o, "null");
	out_sdoc_key(&u->o, "hosts");
	ct_out_putc(&u->o, '[');
}

/* One record from camtraced: a table row, or its JSON text copied into the document. */
static int on_host(const struct ct_json *h, const char *raw, size_t len, void *ud)
{
	struct users_run *u = ud;

	if (u->cli->json) {
		if (u->n == 0)
			json_head(u);
		out_sdoc_item(&u->o, raw, len, u->n == 0);
	} else {
		if (u->n == 0)
			printf("%-16s %-16s %-16s %-12s %-21s %-8s %-8s %5s  %s\n", "USER", "HOST", "NICK", "GROUP",
				"ADDRESS", "STATE", "ORIGIN", "FLAPS", "LAST SEEN");
		print_row(h, (void *)u->cli);
	}
	u->n++;
	return 0;
}

/* The end of the list: the table's last line, or the document's last members. */
static void users_end(struct users_run *u, const struct ct_json *r, const char *code, const char *msg)
{
	if (u->cli->json) {
		if (u->n == 0)
			json_head(u);
		ct_out_puts(&u->o, u->n ? "\n  ]" : "]");
		out_sdoc_key(&u->o, "total");
		ct_out_i64(&u->o, ctlcli_int(r, "total", 0));
		out_sdoc_key(&u->o, "count");
		ct_out_u64(&u->o, u->n);
		out_sdoc_end(&u->o, code, msg);
		return;
	}
	if (code)
		out_err(u->cli, "users", "%s", msg);
	else if (u->n == 0)
		printf("no %shosts%s%s (camtraced knows %lld in all)\n", strcmp(u->filter, "all") ? u->filter : "",
			u->network ? " in " : "", u->network ? u->network : "", ctlcli_int(r, "total", 0));
	else
		printf("%zu of %lld hosts\n", u->n, ctlcli_int(r, "total", 0));
	fflush(stdout);
}

static int users_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	const struct users_opts *o = opts;
	struct users_run u = { .cli = cli, .filter = filters[o->filter], .network = o->network };
	struct ct_ctl_client *c;
	struct ct_json *params, *res = NULL;
	const char *code;
	char msg[1024];
	int rc, r;

	(void)argc;
	(void)argv;
	if (!(c = ctlcli_connect(cli, "users", &rc)))
		return rc;
	params = ct_json_obj();
	ct_json_add_str(params, "filter", u.filter);
	if (u.network)
		ct_json_add_str(params, "network", u.network);
	ct_out_init(&u.o, 1);
	r = (cli->json ? ct_ctl_client_call_raw : ct_ctl_client_call_each)(c, CT_CTL_M_USERS, params,
		ctlcli_timeout_ms(cli), "hosts", on_host, &u, &res);
	ct_json_free(params);
	rc = r ? ctlcli_why(cli, c, CT_CTL_M_USERS, r, &code, msg, sizeof msg) : 0;
	if (r && u.n == 0) /* nothing written yet: the usual error report */
		rc = out_fail(cli, "users", ctlcli_path(cli), code, rc, msg);
	else
		users_end(&u, res, r ? code : NULL, msg);
	u.o.len = 0;
	ct_out_fini(&u.o);
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
