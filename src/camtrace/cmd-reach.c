/* cmd-reach.c: `camtrace reach HOST...`: ICMP echo statistics, hop distance, the IP Messenger program, the local path. */
#include "config.h"
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "out.h"
#include "probe-common.h"
#include "probe-ipmsg.h"
#include "util.h"

struct echo_stats {
	int tried, sent, received;
	double min, avg, max, mdev;
	int ttl, hops;
	struct ct_reply icmp;   /* the first ICMP error instead of an echo reply */
	uint64_t icmp_after_ns; /* ... this long after the first request */
	int host_down;          /* it says the host is down or its address unused */
	char err[200];
};

/* The first ICMP error among the answers, and whether it says the host is down. */
static void echo_error(const struct pc_target *t, const struct ct_probe *probes, int count, struct echo_stats *st)
{
	for (int i = 0; i < count; i++) {
		const struct ct_probe *p = &probes[i];
		if (!p->answered || p->reply.kind != CT_RK_ICMP)
			continue;
		st->icmp = p->reply;
		st->icmp_after_ns = p->sent_ns + p->reply.rtt_ns - probes[0].sent_ns;
		st->host_down = ct_probes_host_down(probes, (size_t)count, probes[0].sent_ns, t->family, t->src, &t->src6);
		return;
	}
}

struct reach_opts {
	int count;
	double interval, wait;
	int no_ipmsg, unpriv, family;
};

/* The echo requests of one host, run later with every other host's (ct_probe_run_many). */
struct echo_job {
	struct ct_probe_set s;
	struct ct_probe *probes;
	int run;  /* set up and handed to the run */
};

/* An echo reply's lateness beyond the slowest one seen that ends the wait for a lost request
 * (adaptive: 5 x the largest RTT, at least this, at most --wait). */
#define ECHO_ADAPT_NS 100000000ull

/* Sets up the echo requests of one host; 0 when there is nothing to run (st says why). */
static int echo_setup(struct ct_prober *pr, const struct pc_target *t, const struct reach_opts *o, struct echo_job *j,
	struct echo_stats *st)
{
	struct ct_probe_set *s = &j->s;
	int count = o->count;

	memset(st, 0, sizeof *st);
	st->ttl = -1;
	st->hops = -1;
	st->tried = 1;
	if (!(j->probes = calloc((size_t)count, sizeof *j->probes)))
		return 0;
	pc_set_init(s, &ct_probe_icmp_ops, pr, t, j->probes, (size_t)count);
	s->gap_ns = (uint64_t)(o->interval * 1e9);
	s->paced_by_reply = 1; /* the next echo as soon as the last one's reply came: interval for silence */
	s->wait_ns = (uint64_t)(o->wait * 1e9);
	s->adapt_ns = ECHO_ADAPT_NS < s->wait_ns ? ECHO_ADAPT_NS : s->wait_ns;
	s->silent_until_ns = ct_mono_ns() + CT_PROBE_ARP_NS; /* silence: a late host unreachable */
	for (int i = 0; i < count; i++) {
		j->probes[i].seq = (uint32_t)(i + 1);
		j->probes[i].ip_id = (uint16_t)(0x3000 + i);
		j->probes[i].ttl = 64;
	}
	if (!s->use_raw && (t->family == AF_INET6 ? pr->ping6_fd : pr->ping_fd) < 0) {
		snprintf(st->err, sizeof st->err, "ICMP%s echo not possible: no raw socket (CAP_NET_RAW) and "
			"ping sockets are off for this group (net.ipv4.ping_group_range)", t->family == AF_INET6 ? "v6" : "");
		st->tried = 0;
		return 0;
	}
	return j->run = 1;
}

/* The statistics of one host's echo requests after the run. */
static void echo_result(const struct pc_target *t, const struct echo_job *j, struct echo_stats *st)
{
	const struct ct_probe *probes = j->probes;
	int count = (int)j->s.n;
	double sum = 0, sum2 = 0;

	if (!j->run)
		return;
	if (j->s.rc != 0) {
		snprintf(st->err, sizeof st->err, "%s", j->s.err);
		return;
	}
	for (int i = 0; i < count; i++) {
		double ms;
		if (probes[i].sent > 0)
			st->sent++;
		if (!probes[i].answered || probes[i].reply.kind != CT_RK_ECHO)
			continue;
		ms = pc_ms(probes[i].reply.rtt_ns);
		if (st->received == 0 || ms < st->min)
			st->min = ms;
		if (ms > st->max)
			st->max = ms;
		sum += ms;
		sum2 += ms * ms;
		st->received++;
		if (probes[i].reply.ttl >= 0)
			st->ttl = probes[i].reply.ttl;
	}
	if (st->received) {
		st->avg = sum / st->received;
		st->mdev = sqrt(fmax(0.0, sum2 / st->received - st->avg * st->avg));
		st->hops = ct_ttl_hops(st->ttl);
	}
	echo_error(t, probes, count, st);
}

static void json_host(struct ct_json *arr, const struct pc_target *t, const struct echo_stats *e,
	const struct ct_app_result *a, int app_done, const char *app_err, int raw, int raw6)
{
	struct ct_json *j = ct_json_add_obj(arr, NULL), *i, *m;

	ct_json_add_str(j, "target", t->name);
	ct_json_add_str(j, "family", !t->resolved ? NULL : t->family == AF_INET6 ? "ipv6" : "ipv4");
	ct_json_add_str(j, "address", t->resolved ? t->addr_s : NULL);
	ct_json_add_str(j, "local_address", t->routed ? t->src_s : NULL);
	ct_json_add_str(j, "interface", t->ifname[0] ? t->ifname : NULL);
	ct_json_add_str(j, "error", t->err[0] ? t->err : NULL);
	if (!t->resolved || !t->routed) {
		ct_json_add_null(j, "icmp");
		ct_json_add_null(j, "ipmsg");
		return;
	}
	i = ct_json_add_obj(j, "icmp");
	ct_json_add_str(i, "method", !e->tried ? NULL : (t->family == AF_INET6 ? raw6 : raw) ? "raw" : "ping_socket");
	ct_json_add_int(i, "sent", e->sent);
	ct_json_add_int(i, "received", e->received);
	ct_json_add_num(i, "loss_pct", e->sent ? 100.0 * (e->sent - e->received) / e->sent : 100.0);
	if (e->received) {
		ct_json_add_num(i, "rtt_min_ms", e->min);
		ct_json_add_num(i, "rtt_avg_ms", e->avg);
		ct_json_add_num(i, "rtt_max_ms", e->max);
		ct_json_add_num(i, "rtt_mdev_ms", e->mdev);
	} else {
		ct_json_add_null(i, "rtt_min_ms");
		ct_json_add_null(i, "rtt_avg_ms");
		ct_json_add_null(i, "rtt_max_ms");
		ct_json_add_null(i, "rtt_mdev_ms");
	}
	if (e->ttl >= 0)
		ct_json_add_int(i, "reply_ttl", e->ttl);
	else
		ct_json_add_null(i, "reply_ttl");
	if (e->hops >= 0)
		ct_json_add_int(i, "hops", e->hops);
	else
		ct_json_add_null(i, "hops");
	ct_json_add_str(i, "error", e->err[0] ? e->err : NULL);
	pc_json_icmp(i, "icmp_error", &e->icmp);
	if (e->host_down) {
		char why[300];
		pc_host_down_text(&e->icmp, e->icmp_after_ns, t, why, sizeof why);
		ct_json_add_str(i, "reason", why);
	} else {
		ct_json_add_str(i, "reason", NULL);
	}
	ct_json_add_bool(j, "host_down", e->host_down);
	if (!app_done) {
		ct_json_add_null(j, "ipmsg");
		return;
	}
	m = ct_json_add_obj(j, "ipmsg");
	ct_json_add_str(m, "state", ct_port_state_key(a->state));
	ct_json_add_bool(m, "answers", a->state == CT_PORT_OPEN);
	ct_json_add_str(m, "answered", a->answered_getinfo ? "getinfo" : a->answered_entry ? "br_entry" : NULL);
	ct_json_add_str(m, "program", a->state == CT_PORT_OPEN ? a->program : NULL);
	ct_json_add_str(m, "version", a->state == CT_PORT_OPEN ? a->version : NULL);
	ct_json_add_str(m, "user", a->state == CT_PORT_OPEN ? a->user : NULL);
	ct_json_add_str(m, "host", a->state == CT_PORT_OPEN ? a->host : NULL);
	ct_json_add_str(m, "nick", a->state == CT_PORT_OPEN && a->nick[0] ? a->nick : NULL);
	ct_json_add_bool(m, "reply_to_port_2425", a->reply_to_2425);
	if (a->state == CT_PORT_OPEN)
		ct_json_add_num(m, "rtt_ms", pc_ms(a->rtt_ns));
	else
		ct_json_add_null(m, "rtt_ms");
	pc_json_icmp(m, "icmp", &a->icmp);
	ct_json_add_str(m, "error", app_err[0] ? app_err : NULL);
}

static void text_host(const struct ct_cli *cli, const struct pc_target *t, const struct echo_stats *e,
	const struct ct_app_result *a, int app_done)
{
	char buf[300];

	if (!t->resolved || !t->routed) {
		printf("%s: %s%s%s\n", t->name, out_c(cli, "bad"), t->err, out_c(cli, "reset"));
		return;
	}
	/* nothing says "reached" unless an answer came */
	printf("%s (%s) via %s on %s\n", t->name, t->addr_s, t->src_s, t->ifname[0] ? t->ifname : "?");
	if (e->err[0])
		printf("  icmp   %s%s%s\n", out_c(cli, "warn"), e->err, out_c(cli, "reset"));
	else if (e->received)
		printf("  icmp   %s%d/%d answered%s, rtt min/avg/max/mdev %.3f/%.3f/%.3f/%.3f ms, %s %d (%d router%s in between)\n",
			out_c(cli, e->received == e->sent ? "ok" : "warn"), e->received, e->sent, out_c(cli, "reset"),
			e->min, e->avg, e->max, e->mdev, t->family == AF_INET6 ? "hop limit" : "ttl", e->ttl, e->hops,
			e->hops == 1 ? "" : "s");
	else if (e->host_down) {
		pc_host_down_text(&e->icmp, e->icmp_after_ns, t, buf, sizeof buf);
		printf("  icmp   %sno echo reply to %d requests%s: %s\n", out_c(cli, "bad"), e->sent, out_c(cli, "reset"), buf);
	} else if (e->icmp.kind == CT_RK_ICMP) {
		pc_icmp_text(&e->icmp, buf, sizeof buf);
		printf("  icmp   %sno echo reply to %d requests%s: %s\n", out_c(cli, "bad"), e->sent, out_c(cli, "reset"), buf);
	} else
		printf("  icmp   %sno echo reply to %d requests%s\n", out_c(cli, "bad"), e->sent, out_c(cli, "reset"));
	if (!app_done)
		return;
	if (e->host_down) {
		printf("  ipmsg  %snot probed%s: the host is down\n", out_c(cli, "bad"), out_c(cli, "reset"));
		return;
	}
	if (a->state == CT_PORT_OPEN) {
		printf("  ipmsg  %s%s%s answers %s (%.2f ms)%s\n", out_c(cli, "ok"), a->program, out_c(cli, "reset"),
			a->answered_getinfo ? "GETINFO" : "BR_ENTRY|DIALUPOPT", pc_ms(a->rtt_ns),
			a->reply_to_2425 ? ", to port 2425" : "");
		printf("         user %s@%s%s%s, version field \"%s\"\n", a->user, a->host, a->nick[0] ? ", nick " : "",
			a->nick, a->version);
	} else if (a->icmp.kind == CT_RK_ICMP) {
		pc_icmp_text(&a->icmp, buf, sizeof buf);
		printf("  ipmsg  %sno program on UDP 2425%s: %s\n", out_c(cli, "bad"), out_c(cli, "reset"), buf);
	} else {
		printf("  ipmsg  %sno IP Messenger program answered%s (GETINFO, BR_ENTRY|DIALUPOPT): state %s\n",
			out_c(cli, "bad"), out_c(cli, "reset"), ct_port_state_name(a->state));
	}
}

/* What reach found for one host. */
struct reach_host {
	struct echo_job echo;
	struct echo_stats e;
	struct ct_app_result a;
	int app_done;
	char app_err[200];
};

/* The IP Messenger probe of every host the echo did not find down, all at once. */
static void reach_app(const struct reach_opts *o, struct ct_prober *pr, const struct pc_target *t,
	struct reach_host *h, int n)
{
	struct ct_app_opts *ao = calloc((size_t)n, sizeof *ao);
	struct ct_app_job *jobs = calloc((size_t)n, sizeof *jobs);
	int *idx = calloc((size_t)n, sizeof *idx), k = 0, r;

	for (int i = 0; i < n && ao && jobs && idx; i++) {
		h[i].a.reply_ttl = -1;
		if (!t[i].resolved || !t[i].routed || o->no_ipmsg)
			continue;
		if (h[i].e.host_down) {
			/* nothing answers ARP for it: an application probe would only wait for the same error */
			snprintf(h[i].app_err, sizeof h[i].app_err, "not probed: the host is down or its address unused");
			h[i].app_done = 1;
			continue;
		}
		ao[k] = (struct ct_app_opts){ .use_raw = t[i].family == AF_INET6 ? pr->raw6 : pr->raw,
			.wait_ns = (uint64_t)(o->wait * 1e9), .control_port = 65535, .family = t[i].family,
			.dst6 = t[i].addr6, .src = t[i].src, .src6 = t[i].src6 };
		jobs[k] = (struct ct_app_job){ .dst = t[i].addr, .o = &ao[k] };
		idx[k++] = i;
	}
	r = ao && jobs && idx ? ct_app_probe_many(pr, jobs, (size_t)k) : CT_ENOMEM;
	for (int x = 0; x < k; x++) {
		struct reach_host *hi = &h[idx[x]];
		hi->a = jobs[x].res;
		snprintf(hi->app_err, sizeof hi->app_err, "%s", r == 0 ? jobs[x].err : ct_strerror(r));
		hi->app_done = (r == 0 && jobs[x].rc == 0) || hi->app_err[0];
	}
	free(ao);
	free(jobs);
	free(idx);
}

/* The echo requests of every host at once, then their IP Messenger probes at once. */
static void reach_run(const struct reach_opts *o, struct ct_prober *pr, const struct pc_target *t,
	struct reach_host *h, int n)
{
	struct ct_probe_set **sets = calloc((size_t)n, sizeof *sets);
	int k = 0;

	for (int i = 0; i < n; i++)
		if (t[i].resolved && t[i].routed && echo_setup(pr, &t[i], o, &h[i].echo, &h[i].e) && sets)
			sets[k++] = &h[i].echo.s;
	if (sets)
		(void)ct_probe_run_many(sets, (size_t)k);
	for (int i = 0; i < n; i++) {
		if (!sets && h[i].echo.run)
			snprintf(h[i].e.err, sizeof h[i].e.err, "out of memory");
		else
			echo_result(&t[i], &h[i].echo, &h[i].e);
		free(h[i].echo.probes);
		h[i].echo.probes = NULL;
	}
	free(sets);
	reach_app(o, pr, t, h, n);
}

static int reach_fails(const struct reach_opts *o, const struct pc_target *t, const struct reach_host *h)
{
	return !t->resolved || !t->routed || h->e.received == 0 || (!o->no_ipmsg && h->a.state != CT_PORT_OPEN);
}

static int reach_exec(struct ct_cli *cli, void *opts, int n, char **names)
{
	const struct reach_opts *o = opts;
	int fails = 0;
	struct pc_target *t;
	struct reach_host *h;
	struct ct_prober *pr;
	struct ct_json *doc = NULL, *arr = NULL;

	t = pc_hosts(names, n, cli->source, o->family);
	h = calloc((size_t)n, sizeof *h);
	if (!t || !h) {
		free(t);
		free(h);
		return EX_OSERR;
	}
	if (cli->json)
		doc = out_doc_new("reach");
	pr = pc_prober(cli, "reach", o->unpriv, CT_PROBER_BIND2425 | CT_PROBER_PING | pc_families(t, n), doc);
	if (!pr) {
		if (doc)
			out_doc_print(doc);
		free(t);
		free(h);
		return EX_NOPERM;
	}
	if (cli->progress && n > 1)
		out_progress(cli, "reach", 0, (unsigned long)n);
	reach_run(o, pr, t, h, n);
	out_progress(cli, "reach", (unsigned long)n, (unsigned long)n);
	if (doc) {
		pc_notes(cli, pr, doc);
		arr = ct_json_add_arr(doc, "hosts");
	}
	for (int i = 0; i < n; i++) {
		fails += reach_fails(o, &t[i], &h[i]);
		if (doc)
			json_host(arr, &t[i], &h[i].e, &h[i].a, h[i].app_done, h[i].app_err, pr->raw, pr->raw6);
		else
			text_host(cli, &t[i], &h[i].e, &h[i].a, h[i].app_done);
	}
	if (doc) {
		ct_json_add_int(doc, "hosts_failed", fails);
		out_doc_print(doc);
	} else {
		pc_notes(cli, pr, NULL);
	}
	ct_prober_close(pr);
	free(t);
	free(h);
	return fails ? CT_EXIT_FAIL : CT_EXIT_OK;
}

#define O(f) offsetof(struct reach_opts, f)
static const struct cmd_opt reach_opts[] = {
	{ "count", 'c', CMD_OPT_INT, O(count), 1, 1000, .help = "echo requests per host (default 4)" },
	{ "interval", 0, CMD_OPT_SECONDS, O(interval), 0.01, 60, .help = "between echo requests while unanswered (default 0.2)" },
	{ "wait", 0, CMD_OPT_SECONDS, O(wait), 0.01, 60, .help = "wait for answers after the last request (default 1)" },
	{ "no-ipmsg", 0, CMD_OPT_FLAG, O(no_ipmsg), .help = "skip the IP Messenger probe (GETINFO, then BR_ENTRY|DIALUPOPT)" },
	{ "unprivileged", 0, CMD_OPT_FLAG, O(unpriv),
	  .help = "no raw sockets (ICMP through a ping socket if the sysctl allows)" },
	PC_FAMILY_OPTS(O(family), "resolve HOST names to IPv4 / IPv6 (ICMPv6 echo, hop limit)"),
	{ 0 },
};

static const struct reach_opts reach_defaults = { .count = 4, .interval = 0.2, .wait = 1.0 };

const struct cmd_entry cmd_reach_entry = {
	.name = "reach",
	.args = "[OPTIONS] HOST...",
	.summary = "ICMP echo, hop distance, which IP Messenger program answers, the local address used",
	.help = "exit: 0 every host answers the echo and runs an IP Messenger program, 1 not.\n",
	.flags = CMD_F_NEEDS_ROOT | CMD_F_SOURCE,
	.opts = reach_opts,
	.opts_size = sizeof(struct reach_opts),
	.opts_defaults = &reach_defaults,
	.arg_name = "HOST",
	.args_min = 1,
	.args_max = -1,
	.exec = reach_exec,
};
