/* cmd-rtp.c: `camtrace rtp HOST...`: real RTP streams to the voice/video ports; loss, RTT and jitter both ways via a camtraced echo. */
#include "config.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "icmpname.h"
#include "out.h"
#include "probe-common.h"
#include "probe-rtp.h"

static void port_reason(const struct pc_target *t, const struct ct_rtp_port *p, char *buf, size_t len)
{
	if (p->host_down)
		pc_host_down_text(&p->icmp, p->icmp_after_ns, t, buf, len);
	else if (p->state == CT_PORT_OPEN)
		snprintf(buf, len, "echo answered %d/%d", p->answered, p->sent);
	else if (p->icmp_seen)
		pc_icmp_text(&p->icmp, buf, len);
	else if (p->echo_received < 0)
		snprintf(buf, len, "no answer to %d RTP packets while the echo answers on other ports of the "
			"range: a firewall drops this port (`camtrace route --rtp %u` shows where)", p->sent, p->port);
	else
		snprintf(buf, len, "no answer to %d RTP packets (no camtraced echo there, or a firewall drops them)", p->sent);
}

static void json_host(struct ct_json *arr, const struct pc_target *t, const struct ct_rtp_port *ports, int np,
	const char *err)
{
	struct ct_json *j = ct_json_add_obj(arr, NULL), *pa;
	char buf[300];

	ct_json_add_str(j, "target", t->name);
	ct_json_add_str(j, "family", !t->resolved ? NULL : t->family == AF_INET6 ? "ipv6" : "ipv4");
	ct_json_add_str(j, "address", t->resolved ? t->addr_s : NULL);
	ct_json_add_str(j, "local_address", t->routed ? t->src_s : NULL);
	ct_json_add_str(j, "error", t->err[0] ? t->err : err && err[0] ? err : NULL);
	pa = ct_json_add_arr(j, "ports");
	for (int i = 0; t->resolved && t->routed && i < np; i++) {
		const struct ct_rtp_port *p = &ports[i];
		struct ct_json *o = ct_json_add_obj(pa, NULL);
		int open = p->state == CT_PORT_OPEN;
		ct_json_add_int(o, "port", p->port);
		ct_json_add_str(o, "state", ct_port_state_key(p->state));
		port_reason(t, p, buf, sizeof buf);
		ct_json_add_str(o, "reason", buf);
		ct_json_add_bool(o, "echo", open);
		ct_json_add_int(o, "sent", p->sent);
		ct_json_add_int(o, "echoed", p->answered);
		if (open) {
			ct_json_add_int(o, "received_by_echo", p->echo_received);
			ct_json_add_num(o, "loss_forward_pct", 100.0 * p->loss_fwd);
			ct_json_add_num(o, "loss_back_pct", 100.0 * p->loss_back);
			ct_json_add_num(o, "rtt_min_ms", p->rtt_min_ms);
			ct_json_add_num(o, "rtt_avg_ms", p->rtt_avg_ms);
			ct_json_add_num(o, "rtt_max_ms", p->rtt_max_ms);
			ct_json_add_num(o, "jitter_forward_ms", p->jitter_fwd_ms);
			ct_json_add_num(o, "jitter_back_ms", p->jitter_back_ms);
		} else {
			const char *k[] = { "received_by_echo", "loss_forward_pct", "loss_back_pct", "rtt_min_ms", "rtt_avg_ms",
					    "rtt_max_ms", "jitter_forward_ms", "jitter_back_ms" };
			for (size_t x = 0; x < sizeof k / sizeof k[0]; x++)
				ct_json_add_null(o, k[x]);
		}
		ct_json_add_int(o, "duplicates", p->dup);
		ct_json_add_bool(o, "host_down", p->host_down);
		pc_json_icmp(o, "icmp", p->icmp_seen ? &p->icmp : NULL);
	}
}

static void text_host(const struct ct_cli *cli, const struct pc_target *t, const struct ct_rtp_port *ports, int np,
	const char *err)
{
	char buf[300];

	if (!t->resolved || !t->routed) {
		printf("%s: %s%s%s\n", t->name, out_c(cli, "bad"), t->err, out_c(cli, "reset"));
		return;
	}
	printf("%s (%s) from %s: RTP (PCMU, 20 ms frames)\n", t->name, t->addr_s, t->src_s);
	if (err && err[0])
		printf("  %s\n", err);
	for (int i = 0; i < np; i++) {
		const struct ct_rtp_port *p = &ports[i];
		const char *c = p->state == CT_PORT_OPEN ? "ok" : p->state == CT_PORT_OPEN_FILTERED ? "warn" : "bad";
		printf("  udp/%-5u %s%-13s%s ", p->port, out_c(cli, c), ct_port_state_name(p->state), out_c(cli, "reset"));
		if (p->state == CT_PORT_OPEN)
			printf("loss to %.1f%% back %.1f%%, rtt %.2f/%.2f/%.2f ms, jitter to %.3f back %.3f ms\n",
				100.0 * p->loss_fwd, 100.0 * p->loss_back, p->rtt_min_ms, p->rtt_avg_ms, p->rtt_max_ms,
				p->jitter_fwd_ms, p->jitter_back_ms);
		else {
			port_reason(t, p, buf, sizeof buf);
			printf("%s\n", buf);
		}
	}
}

struct rtp_cmd_opts {
	struct ct_port_range ports;
	int count, any_sport, family;
	uint64_t interval_ms; /* 0: the engine's 20 ms */
	double wait;          /* 0: the engine's 1 s */
};

/* Measures every port of one host; 1 when the host fails (a port not echoed, or lost packets). */
static int rtp_host(const struct ct_cli *cli, const struct rtp_cmd_opts *co, struct ct_rtp_opts *o,
	const struct pc_target *t, struct ct_json *arr)
{
	int np = co->ports.hi - co->ports.lo + 1, fails = 0;
	struct ct_rtp_port *ports = calloc((size_t)np, sizeof *ports);
	char err[200] = "";

	if (!ports)
		return 1;
	for (int k = 0; k < np; k++)
		ports[k].port = (uint16_t)(co->ports.lo + k);
	if (cli->progress && !cli->json)
		fprintf(stderr, "sending RTP to %s...\r", t->name);
	o->family = t->family;
	o->dst6 = t->addr6;
	o->src = t->src_given ? t->src : 0; /* --source, else the kernel's choice */
	o->src6 = t->src_given ? t->src6 : in6addr_any;
	if (t->resolved && t->routed && ct_rtp_measure(t->addr, ports, np, o, err, sizeof err) != 0)
		fails = 1;
	if (cli->progress && !cli->json)
		fprintf(stderr, "\r\033[K");
	/* the echo serves the whole range: silence on one port while others echo is a firewall */
	for (int k = 0; k < np; k++)
		if (ports[k].state == CT_PORT_OPEN)
			for (int m = 0; m < np; m++)
				if (ports[m].state == CT_PORT_OPEN_FILTERED) {
					ports[m].state = CT_PORT_FILTERED;
					ports[m].echo_received = -1; /* marks the inference for port_reason() */
				}
	for (int k = 0; k < np; k++)
		if (ports[k].state != CT_PORT_OPEN || ports[k].loss_fwd > 0 || ports[k].loss_back > 0) {
			fails++;
			break;
		}
	if (!t->resolved || !t->routed)
		fails++;
	if (arr)
		json_host(arr, t, ports, np, err);
	else
		text_host(cli, t, ports, np, err);
	free(ports);
	return fails;
}

static int rtp_exec(struct ct_cli *cli, void *opts, int n, char **names)
{
	const struct rtp_cmd_opts *co = opts;
	struct ct_rtp_opts o = { .count = co->count, .same_sport = !co->any_sport,
				 .interval_ns = co->interval_ms * 1000000ull, .wait_ns = (uint64_t)(co->wait * 1e9) };
	struct ct_json *doc = NULL, *arr = NULL;
	struct pc_target *t;
	int fails = 0;

	if (!(t = pc_hosts(names, n, cli->source, co->family)))
		return EX_OSERR;
	if (cli->json) {
		doc = out_doc_new("rtp");
		ct_json_add_int(doc, "port_low", co->ports.lo);
		ct_json_add_int(doc, "port_high", co->ports.hi);
		ct_json_add_int(doc, "packets_per_port", o.count);
		arr = ct_json_add_arr(doc, "hosts");
	}
	for (int i = 0; i < n; i++)
		fails += rtp_host(cli, co, &o, &t[i], arr);
	if (doc) {
		ct_json_add_int(doc, "hosts_failed", fails);
		out_doc_print(doc);
	}
	free(t);
	return fails ? CT_EXIT_FAIL : CT_EXIT_OK;
}

#define O(f) offsetof(struct rtp_cmd_opts, f)
static const struct cmd_opt rtp_opts[] = {
	PC_FAMILY_OPTS(O(family), "resolve HOST to IPv4 / IPv6"),
	{ "ports", 0, CMD_OPT_PORTS, O(ports), 0, 256, .help = "UDP ports (default 22224-22227, at most 256)" },
	{ "count", 'c', CMD_OPT_INT, O(count), 1, 10000,
	  .help = "RTP packets per port (default 50: one second of 20 ms frames)" },
	{ "interval-ms", 0, CMD_OPT_MS, O(interval_ms), 1, 1000, .arg = "N", .help = "between packets (default 20)" },
	{ "wait", 0, CMD_OPT_SECONDS, O(wait), 1, 60, .help = "for late answers (default 1)" },
	{ "any-source-port", 0, CMD_OPT_FLAG, O(any_sport), .help = "do not send from the same port number" },
	{ 0 },
};

static const struct rtp_cmd_opts rtp_defaults = {
	.ports = { CT_RTP_DEFAULT_LO, CT_RTP_DEFAULT_HI }, .count = 50,
};

const struct cmd_entry cmd_rtp_entry = {
	.name = "rtp",
	.flags = CMD_F_SOURCE,
	.args = "[--ports LOW-HIGH] [OPTIONS] HOST...",
	.summary = "send real RTP to the voice/video ports: loss, RTT, jitter both ways via a camtraced echo",
	.help =
	"Against a camtraced with its RTP echo on: per port loss to/from the host, RTT and\n"
	"RFC 3550 jitter in both directions. Otherwise per-port states from ICMP.\n"
	"No privileges needed. exit: 0 every port echoed without loss, 1 not.\n",
	.opts = rtp_opts,
	.opts_size = sizeof(struct rtp_cmd_opts),
	.opts_defaults = &rtp_defaults,
	.arg_name = "HOST",
	.args_min = 1,
	.args_max = -1,
	.exec = rtp_exec,
};
