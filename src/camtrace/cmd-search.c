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
#include "jsonw.h"

extern const struct cmd_entry cmd_search_entry;

struct hits_run {
	const struct ct_cli *cli;
	long long id;
	struct ct_out o;      /* --json: the document, written as the hosts come */
	size_t n;
};

/* --json: the document up to the hosts array. */
static void json_head(struct hits_run *hr)
{
	out_sdoc_begin(&hr->o, "search");
	out_sdoc_key(&hr->o, "search_id");
	ct_out_i64(&hr->o, hr->id);
	out_sdoc_key(&hr->o, "hosts");
	ct_out_putc(&hr->o, '[');
}

/* One host found: a table row, or its JSON text copied into the document. */
static int on_hit(const struct ct_json *h, const char *raw, size_t len, void *ud)
{
	struct hits_run *hr = ud;
	char addr[64];

	if (hr->cli->json) {
		if (hr->n == 0)
			json_head(hr);
		out_sdoc_item(&hr->o, raw, len, hr->n == 0);
	} else {
		if (hr->n == 0)
			printf("%-21s %-16s %-16s %-16s %s\n", "ADDRESS", "USER", "HOST", "NICK", "INFO");
		snprintf(addr, sizeof addr, "%s:%lld", ctlcli_str(h, "addr", "?"), ctlcli_int(h, "port", 0));
		struct ct_sbuf b;
		ct_sbuf_init(&b);
		out_cell(&b, ctlcli_str(h, "user", ""), 16);
		out_cell(&b, ctlcli_str(h, "host", ""), 16);
		out_cell(&b, ctlcli_str(h, "nick", ""), 16);
		printf("%-21s %s%s\n", addr, b.p ? b.p : "", ctlcli_str(h, "info", ""));
		ct_sbuf_fini(&b);
	}
	hr->n++;
	return 0;
}

/* The end of the hosts: the summary line, or the document's last members. */
static void hits_end(struct hits_run *hr, const struct ct_json *r, const char *code, const char *msg)
{
	if (hr->cli->json) {
		if (hr->n == 0)
			json_head(hr);
		ct_out_puts(&hr->o, hr->n ? "\n  ]" : "]");
		out_sdoc_key(&hr->o, "state");
		ct_jw_str(&hr->o, ctlcli_str(r, "state", "unknown"), strlen(ctlcli_str(r, "state", "unknown")));
		out_sdoc_key(&hr->o, "total");
		ct_out_i64(&hr->o, ctlcli_int(r, "total", 0));
		out_sdoc_key(&hr->o, "probed");
		ct_out_i64(&hr->o, ctlcli_int(r, "probed", 0));
		out_sdoc_key(&hr->o, "found");
		ct_out_u64(&hr->o, hr->n);
		out_sdoc_end(&hr->o, code, msg);
		return;
	}
	if (code)
		out_err(hr->cli, "search", "%s", msg);
	else
		printf("search %lld %s: %lld of %lld addresses probed, %zu IP Messenger host%s found%s\n", hr->id,
			ctlcli_str(r, "state", "?"), ctlcli_int(r, "probed", 0), ctlcli_int(r, "total", 0), hr->n,
			hr->n == 1 ? "" : "s", ctlcli_int(r, "unresolved", 0) ? " (some names did not resolve)" : "");
	fflush(stdout);
}

/* search.result, streamed: the hosts are written as they arrive. */
static int print_result(const struct ct_cli *cli, struct ct_ctl_client *c, const struct ct_json *q, long long id)
{
	struct hits_run hr = { .cli = cli, .id = id };
	struct ct_json *res = NULL;
	const char *code = NULL;
	char msg[1024];
	int r, rc;

	ct_out_init(&hr.o, 1);
	r = ct_ctl_client_call_each(c, CT_CTL_M_SEARCH_RESULT, q, ctlcli_timeout_ms(cli), "hosts", on_hit, &hr, &res);
	rc = r ? ctlcli_why(cli, c, CT_CTL_M_SEARCH_RESULT, r, &code, msg, sizeof msg) : 0;
	if (r && hr.n == 0)
		rc = out_fail(cli, "search", ctlcli_path(cli), code, rc, msg);
	else
		hits_end(&hr, res, r ? code : NULL, msg);
	hr.o.len = 0;
	ct_out_fini(&hr.o);
	ct_json_free(res);
	return rc;
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
	if (rc == 0)
		rc = print_result(&cl, c, q, id);
	ct_json_free(q);
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
