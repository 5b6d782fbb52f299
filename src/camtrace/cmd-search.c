/* cmd-search.c: `camtrace search RANGE...`: have camtraced search ranges for IP Messenger hosts, with progress. */
#include "config.h"
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "targets.h"
#include "cmd.h"
#include "out.h"
#include "ctlcli.h"

extern const struct cmd_entry cmd_search_entry;

static void print_hit(const struct ct_json *h, void *ud)
{
	char addr[64];

	(void)ud;
	snprintf(addr, sizeof addr, "%s:%lld", ctlcli_str(h, "addr", "?"), ctlcli_int(h, "port", 0));
	printf("%-21s %-16s %-16s %-16s %s\n", addr, ctlcli_str(h, "user", ""), ctlcli_str(h, "host", ""),
		ctlcli_str(h, "nick", ""), ctlcli_str(h, "info", ""));
}

static void print_result(const struct ct_json *r)
{
	const struct ct_json *hosts = ct_json_get(r, "hosts");
	size_t n = ct_json_arr_len(hosts);

	printf("search %lld %s: %lld of %lld addresses probed, %zu IP Messenger host%s found%s\n",
		ctlcli_int(r, "search_id", 0), ctlcli_str(r, "state", "?"), ctlcli_int(r, "probed", 0),
		ctlcli_int(r, "total", 0), n, n == 1 ? "" : "s",
		ctlcli_int(r, "unresolved", 0) ? " (some names did not resolve)" : "");
	if (n == 0)
		return;
	printf("%-21s %-16s %-16s %-16s %s\n", "ADDRESS", "USER", "HOST", "NICK", "INFO");
	ctlcli_foreach(hosts, print_hit, NULL);
}

struct search_opts {
	int no_wait; /* --no-wait */
};

static int search_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	const struct search_opts *o = opts;
	struct ct_targets ts;
	struct ct_ctl_client *c;
	struct ct_json *params, *ranges, *res = NULL, *q;
	char err[300];
	int rc;
	long long id;
	uint64_t deadline = cli->timeout > 0 ? ct_mono_ms() + (uint64_t)(cli->timeout * 1000) : 0;
	struct ct_cli cl = *cli;

	ct_targets_init(&ts, CT_TARGETS_DEFAULT_MAX);
	params = ct_json_obj();
	ranges = ct_json_add_arr(params, "ranges");
	for (int i = 0; i < argc; i++) {
		if (ct_targets_add(&ts, argv[i], err, sizeof err) != 0)
			goto usage;
		ct_json_add_str(ranges, NULL, argv[i]);
	}
	ct_targets_fini(&ts);
	cl.timeout = 0; /* --timeout bounds the whole search here, not each request */
	if (!(c = ctlcli_connect(&cl, "search", &rc))) {
		ct_json_free(params);
		return rc;
	}
	rc = ctlcli_call(&cl, "search", c, CT_CTL_M_SEARCH_START, params, &res);
	ct_json_free(params);
	if (rc != 0)
		goto out;
	id = ctlcli_int(res, "search_id", 0);
	if (o->no_wait) {
		if (cli->json) {
			struct ct_json *d = out_doc_new("search");
			ct_json_add(d, "search", res);
			res = NULL;
			out_doc_print(d);
		} else
			printf("search %lld started; follow it with 'camtrace status'\n", id);
		goto out;
	}
	q = ct_json_obj();
	ct_json_add_int(q, "search_id", id);
	for (;;) {
		ct_json_free(res);
		res = NULL;
		rc = ctlcli_call(&cl, "search", c, CT_CTL_M_SEARCH_PROGRESS, q, &res);
		if (rc != 0)
			break;
		if (strcmp(ctlcli_str(res, "state", "done"), "running") != 0)
			break;
		out_progress(cli, "searching", (unsigned long)ctlcli_int(res, "probed", 0),
			(unsigned long)ctlcli_int(res, "total", 0));
		if (deadline && ct_mono_ms() >= deadline) {
			out_progress(cli, "", 0, 0);
			if (!cli->json)
				out_err(cli, "search", "--timeout reached; the search goes on in camtraced, "
					"this is what it found so far");
			break;
		}
		usleep(250000);
	}
	out_progress(cli, "", 0, 0);
	if (rc == 0) {
		ct_json_free(res);
		res = NULL;
		rc = ctlcli_call(&cl, "search", c, CT_CTL_M_SEARCH_RESULT, q, &res);
	}
	ct_json_free(q);
	if (rc == 0) {
		if (cli->json) {
			struct ct_json *d = out_doc_new("search");
			const struct ct_json *h = ct_json_get(res, "hosts");
			ct_json_add_int(d, "search_id", id);
			ct_json_add_str(d, "state", ctlcli_str(res, "state", "unknown"));
			ct_json_add_int(d, "total", ctlcli_int(res, "total", 0));
			ct_json_add_int(d, "probed", ctlcli_int(res, "probed", 0));
			ct_json_add_int(d, "found", (int64_t)ct_json_arr_len(h));
			ct_json_add(d, "hosts", h ? ct_json_dup(h) : ct_json_arr());
			out_doc_print(d);
		} else
			print_result(res);
	}
out:
	ct_json_free(res);
	ct_ctl_client_free(c);
	return rc;
usage:
	ct_targets_fini(&ts);
	ct_json_free(params);
	return cmd_usage_error(cli, &cmd_search_entry, "%s", err);
}

static const struct cmd_opt search_opts[] = {
	{ "no-wait", 0, CMD_OPT_FLAG, offsetof(struct search_opts, no_wait), .help = "only start the search" },
	{ 0 },
};

const struct cmd_entry cmd_search_entry = {
	.name = "search",
	.args = "[--no-wait] RANGE...",
	.summary = "have camtraced search address ranges for IP Messenger hosts",
	.help = "RANGE: 192.168.1.* (.1 to .254), 10.1.0.0/24, 10.1.0.5-10.1.0.90, 10.1.0.5-90,\n"
		"an address or a DNS name. camtraced probes at its search_rate, remembers what it\n"
		"finds and notifies those hosts from then on. Shows progress on a terminal, then the\n"
		"hosts found. --timeout SECONDS stops waiting (the search goes on). Exit 69 when\n"
		"camtraced is not running.\n",
	.flags = CMD_F_DAEMON,
	.opts = search_opts,
	.opts_size = sizeof(struct search_opts),
	.arg_name = "RANGE",
	.args_min = 1,
	.args_max = -1,
	.exec = search_exec,
};
