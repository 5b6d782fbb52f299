/* cmd-scan.c: `camtrace scan RANGE...`: the daemon's external user search run standalone (targets + search engines). */
#include "config.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "entry.h"
#include "evloop.h"
#include "hosts.h"
#include "node.h"
#include "out.h"
#include "probe-ipmsg.h"
#include "search.h"
#include "targets.h"
#include "util.h"

extern const struct cmd_entry cmd_scan_entry;

#define SCAN_MAX_SEEN 4096

/* Version fields and VS: values seen from each answering address (to name the program). */
struct seen {
	struct ct_haddr addr;
	char version[64];
	char verinfo[48];
};

struct scan_ctx {
	const struct ct_cli *cli;
	struct ct_evloop *ev;
	int done;
	struct seen *seen;
	size_t nseen;
};

static struct seen *seen_for(struct scan_ctx *c, const struct ct_haddr *a)
{
	for (size_t i = 0; i < c->nseen; i++)
		if (ct_haddr_v4(&c->seen[i].addr) == ct_haddr_v4(a))
			return &c->seen[i];
	if (c->nseen >= SCAN_MAX_SEEN)
		return NULL;
	memset(&c->seen[c->nseen], 0, sizeof c->seen[0]);
	c->seen[c->nseen].addr = *a;
	return &c->seen[c->nseen++];
}

static void on_answer(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct scan_ctx *c = ud;
	struct seen *s = seen_for(c, &rx->from);
	size_t vl;

	(void)n;
	if (!s)
		return;
	vl = rx->m->version.len < sizeof s->version - 1 ? rx->m->version.len : sizeof s->version - 1;
	memcpy(s->version, rx->m->version.p, vl);
	s->version[vl] = 0;
	if (ct_entry_is_entry_cmd(rx->m->command)) {
		struct ct_entry e;
		memset(&e, 0, sizeof e);
		if (ct_entry_parse(rx->m, &e) == 0 && e.verinfo)
			ct_strlcpy(s->verinfo, e.verinfo, sizeof s->verinfo);
		ct_entry_fini(&e);
	}
}

static void on_progress(struct ct_search *s, const struct ct_search_progress *p, void *ud)
{
	struct scan_ctx *c = ud;

	(void)s;
	if (!c->cli->json)
		out_progress(c->cli, "scanning", (unsigned long)p->probed, (unsigned long)p->total);
	if (p->state != CT_SEARCH_RUNNING) {
		c->done = 1;
		ct_evloop_stop(c->ev);
	}
}

static void on_timeout(struct ct_evloop *ev, uint64_t id, void *ud)
{
	(void)id;
	((struct scan_ctx *)ud)->done = 2;
	ct_evloop_stop(ev);
}

static void caps_text(uint32_t status, char *buf, size_t len)
{
	const char *names[24];
	uint32_t unknown = 0;
	size_t n = ct_codec_opt_list(CT_IPMSG_ANSENTRY | (status & 0xffffff00u), names, 24, &unknown);

	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, "%s%s", i ? "," : "", names[i]);
	}
}

struct scan_opts {
	double rate;       /* --rate: addresses per second */
	uint64_t grace_ms; /* --grace-ms */
	uint64_t quiet_ms; /* --quiet-ms */
};

/* One answering host, as a JSON object or a table row. */
static void report_hit(struct scan_ctx *c, const struct ct_hosts *hosts, const struct ct_search_hit *h,
	struct ct_json *arr)
{
	struct seen *s = seen_for(c, &h->addr);
	const struct ct_host *th = ct_hosts_find_addr(hosts, &h->addr);
	char ip[CT_HADDR_STRLEN], prog[128], caps[256];

	ct_haddr_ip_str(&h->addr, ip, sizeof ip);
	ct_app_name_program(s ? s->version : NULL, h->info, s && s->verinfo[0] ? s->verinfo : NULL, prog, sizeof prog);
	caps_text(h->status, caps, sizeof caps);
	if (arr) {
		struct ct_json *o = ct_json_add_obj(arr, NULL);
		ct_json_add_str(o, "address", ip);
		ct_json_add_str(o, "user", h->user);
		ct_json_add_str(o, "host", h->host);
		ct_json_add_str(o, "nick", h->nick);
		ct_json_add_str(o, "group", th && th->group ? th->group : NULL);
		ct_json_add_str(o, "program", prog);
		ct_json_add_str(o, "version", s && s->version[0] ? s->version : NULL);
		ct_json_add_str(o, "info", h->info[0] ? h->info : NULL);
		ct_json_add_int(o, "status", h->status);
		ct_json_add_str(o, "capabilities", caps);
		ct_json_add_int(o, "found_ms", (int64_t)h->found_ms);
	} else {
		struct ct_sbuf b;
		ct_sbuf_init(&b);
		out_cell(&b, h->user, 16);
		out_cell(&b, h->host, 18);
		out_cell(&b, h->nick, 18);
		printf("%-16s %s%s%s%s\n", ip, b.p ? b.p : "", prog, caps[0] ? " / " : "", caps);
		ct_sbuf_fini(&b);
	}
}

/* What the search found, as one document or a table with a closing line. */
static void scan_report(struct scan_ctx *c, const struct ct_hosts *hosts, struct ct_search *search, double rate,
	uint64_t t0)
{
	const struct ct_cli *cli = c->cli;
	const struct ct_search_progress *p = ct_search_progress(search);
	const struct ct_search_hit *hits;
	size_t nh = ct_search_hits(search, &hits);
	struct ct_json *doc = NULL, *arr = NULL;
	double ms = (double)(ct_mono_ns() - t0) / 1e6;

	if (cli->json) {
		doc = out_doc_new("scan");
		ct_json_add_int(doc, "total", (int64_t)p->total);
		ct_json_add_int(doc, "probed", (int64_t)p->probed);
		ct_json_add_int(doc, "found", (int64_t)nh);
		ct_json_add_int(doc, "unresolved", (int64_t)p->unresolved);
		ct_json_add_int(doc, "send_failed", (int64_t)p->send_failed);
		ct_json_add_num(doc, "rate", rate);
		ct_json_add_bool(doc, "complete", c->done == 1);
		ct_json_add_num(doc, "elapsed_ms", ms);
		arr = ct_json_add_arr(doc, "hosts");
	} else {
		printf("%-16s %-16s %-18s %-18s %s\n", "ADDRESS", "USER", "HOST", "NICK", "PROGRAM / CAPABILITIES");
	}
	for (size_t i = 0; i < nh; i++)
		report_hit(c, hosts, &hits[i], arr);
	if (p->send_failed && !doc)
		fprintf(stderr, "camtrace scan: %zu address%s skipped: the probes could not be sent (see -v)\n",
			p->send_failed, p->send_failed == 1 ? "" : "es");
	if (doc)
		out_doc_print(doc);
	else if (!cli->quiet)
		printf("%zu IP Messenger host%s in %zu address%s probed (%.1f s at %.0f/s)%s\n", nh, nh == 1 ? "" : "s",
			p->probed, p->probed == 1 ? "" : "es", ms / 1000, rate, c->done == 2 ? ", stopped by --timeout" : "");
}

/* The node that sends the probes from UDP 2425 (nothing else may hold it). */
static int scan_node(const struct ct_cli *cli, struct ct_evloop *ev, struct ct_hosts *hosts, struct ct_node **node)
{
	struct ct_node_conf nc = { 0 };
	char err[300], host[64] = "camtrace";

	(void)gethostname(host, sizeof host - 1);
	nc.user = "camtrace";
	nc.host = host;
	nc.nick = "camtrace scan";
	nc.entry_repeat_ms = 0;
	nc.check_interval_ms = 0;
	nc.no_broadcast = 1;
	nc.bind_addr = cli->source;
	if (ct_node_new(node, ev, hosts, &nc, err, sizeof err) == 0)
		return 0;
	/* iptux answers to port 2425 only: a scan from another port would miss it */
	if (cli->json) {
		struct ct_json *d = out_doc_new("scan");
		out_doc_error(d, "port_2425", err);
		out_doc_print(d);
	} else
		out_err(cli, "scan", "%s (a messenger on this machine holds port 2425? stop it, or ask "
			"camtraced to search: `camtrace search RANGE`)", err);
	return EX_UNAVAILABLE;
}

static int scan_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	const struct scan_opts *o = opts;
	struct ct_targets ts;
	struct ct_evloop *ev = NULL;
	struct ct_hosts *hosts = NULL;
	struct ct_node *node = NULL;
	struct ct_search *search = NULL;
	struct scan_ctx c = { .cli = cli };
	char err[300];
	int rc = CT_EXIT_OK;
	uint64_t t0;

	ct_targets_init(&ts, 1u << 20);
	for (int i = 0; i < argc; i++)
		if (ct_targets_add(&ts, argv[i], err, sizeof err) != 0) {
			rc = cmd_usage_error(cli, &cmd_scan_entry, "%s", err);
			goto out;
		}
	c.seen = calloc(SCAN_MAX_SEEN, sizeof *c.seen);
	if (!c.seen || ct_evloop_new(&ev) != 0 || !(hosts = ct_hosts_new())) {
		rc = EX_OSERR;
		goto out;
	}
	c.ev = ev;
	if ((rc = scan_node(cli, ev, hosts, &node)) != 0)
		goto out;
	ct_node_add_handler(node, CT_IPMSG_ANSENTRY, on_answer, &c);
	t0 = ct_mono_ns();
	if (ct_search_start(&search, node, &ts, o->rate, o->grace_ms, on_progress, &c, err, sizeof err) != 0) {
		out_err(cli, "scan", "%s", err);
		rc = CT_EXIT_FAIL;
		goto out;
	}
	ct_search_set_quiet(search, o->quiet_ms);
	if (cli->timeout > 0)
		ct_evloop_add_timer(ev, (uint64_t)(cli->timeout * 1000), on_timeout, &c);
	while (!c.done)
		if (ct_evloop_run(ev) != 0)
			break;
	if (c.done == 2)
		ct_search_cancel(search);
	out_progress(cli, "scanning", 1, 1);
	scan_report(&c, hosts, search, o->rate, t0);
out:
	ct_search_free(search);
	ct_node_free(node);
	ct_hosts_free(hosts);
	ct_evloop_free(ev);
	ct_targets_fini(&ts);
	free(c.seen);
	return rc;
}

#define O(f) offsetof(struct scan_opts, f)
static const struct cmd_opt scan_opts[] = {
	{ .type = CMD_OPT_TEXT,
	  .help = "RANGE: 192.168.1.* (.1 to .254), CIDR (10.1.0.0/20), 10.1.0.5-10.1.0.90, an address or a name." },
	{ .type = CMD_OPT_TEXT, .help = "options:" },
	{ "rate", 0, CMD_OPT_RATE, O(rate), 1, 100000, .arg = "N", .help = "addresses per second (default 50: gentle on LANs)" },
	{ "grace-ms", 0, CMD_OPT_MS, O(grace_ms), 0, 60000, .arg = "N",
	  .help = "wait at most this long for late answers after the last probe\n"
		  "(default 4200: IP Messenger answers BR_ENTRY after up to 4.1 s)" },
	{ "quiet-ms", 0, CMD_OPT_MS, O(quiet_ms), 0, 60000, .arg = "N",
	  .help = "end this long after the last probe once every host that answered\n"
		  "has sent its entry too (default 250; 0: always wait --grace-ms;\n"
		  "raise it on links slower than 100 ms round trip)" },
	{ 0 },
};

static const struct scan_opts scan_defaults = { .rate = 50, .grace_ms = 4200, .quiet_ms = 250 };

const struct cmd_entry cmd_scan_entry = {
	.name = "scan",
	.flags = CMD_F_SOURCE,
	.args = "[--rate N] [--grace-ms N] [--quiet-ms N] RANGE...",
	.summary = "find IP Messenger hosts in address ranges (the daemon's search, standalone)",
	.help =
	"Each address gets GETINFO and BR_ENTRY|DIALUPOPT from UDP port 2425 (iptux answers to\n"
	"2425 only). Lists user, host, nick, group, program and capabilities, each host once.\n"
	"exit: 0 done (even with no host found), 69 port 2425 busy.\n",
	.opts = scan_opts,
	.opts_size = sizeof(struct scan_opts),
	.opts_defaults = &scan_defaults,
	.arg_name = "RANGE",
	.args_min = 1,
	.args_max = -1,
	.exec = scan_exec,
};
