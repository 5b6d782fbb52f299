/* cmd-route.c: `camtrace route HOST`: a flow-stable trace (IPv4 or IPv6) on the application's own traffic, with a verdict line. */
#include "config.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "err.h"
#include "icmpname.h"
#include "out.h"
#include "probe-common.h"
#include "route.h"
#include "util.h"

static const char *method_name(enum ct_route_method m)
{
	return m == CT_ROUTE_TCP ? "tcp" : m == CT_ROUTE_RTP ? "rtp" : "udp";
}

static const char *kind_name(int k)
{
	switch (k) {
	case CT_RK_ICMP: return "icmp";
	case CT_RK_UDP: return "udp";
	case CT_RK_TCP: return "tcp";
	case CT_RK_ECHO: return "echo";
	default: return NULL;
	}
}

/* The packet the probes carried: "BR_ENTRY|DIALUPOPT", "TCP SYN", "RTP". */
static const char *probe_packet(const struct ct_route_result *r, enum ct_route_method m)
{
	if (r->by_echo && r->verdict_reply.kind == CT_RK_ICMP && !ct_reply_time_exceeded(&r->verdict_reply))
		return "ICMP echo";
	return m == CT_ROUTE_TCP ? "TCP SYN" : m == CT_ROUTE_RTP ? "RTP" : "BR_ENTRY|DIALUPOPT";
}

/* What answered in the target's place or name: "ANSENTRY", "SYN-ACK", "RST", "RTP echo", NULL. */
static const char *answer_name(const struct ct_route_result *r, enum ct_route_method m)
{
	const struct ct_reply *x = &r->verdict_reply;
	const char *n;

	if (r->outcome != CT_RO_APP_ANSWERED && !(x->kind == CT_RK_TCP && (x->tcp_flags & 0x04)))
		return NULL;
	if (x->kind == CT_RK_TCP)
		return (x->tcp_flags & 0x02) ? "SYN-ACK" : "RST";
	if (m == CT_ROUTE_RTP)
		return "RTP echo";
	n = r->answer_cmd ? ct_codec_cmd_name(r->answer_cmd & 0xffu) : NULL;
	return n ? n : "UDP datagram";
}

static const char *proto_name(enum ct_route_method m)
{
	return m == CT_ROUTE_TCP ? "TCP" : "UDP";
}

/* "ICMP destination unreachable: ... (3/13 admin_prohibited)" into buf. */
static void icmp_phrase(const struct ct_reply *x, char *buf, size_t len)
{
	int fam = ct_reply_icmp_family(x);

	snprintf(buf, len, "ICMP%s %s (%u/%u %s)", fam == CT_ICMP_V6 ? "v6" : "", ct_icmp_name(fam, x->icmp_type,
		x->icmp_code), x->icmp_type, x->icmp_code, ct_icmp_key(fam, x->icmp_type, x->icmp_code));
}

/* The target answered, refused or rejected the probes itself. */
static void target_text(const struct ct_route_result *r, enum ct_route_method m, const char *tgt, char *buf,
	size_t len)
{
	const struct ct_reply *x = &r->verdict_reply;
	char it[200];

	if (r->outcome == CT_RO_APP_ANSWERED && m == CT_ROUTE_UDP)
		snprintf(buf, len, "reached %s at hop %d: the application answered (%s to UDP %u answered with %s, %s)%s",
			tgt, r->outcome_hop, probe_packet(r, m), r->dport, answer_name(r, m),
			r->program[0] ? r->program : "an unknown program", r->late_answer ? "; the answer came late (the "
			"program waits before it answers BR_ENTRY): its hop from the answer's TTL" : "");
	else if (r->outcome == CT_RO_APP_ANSWERED)
		snprintf(buf, len, "reached %s at hop %d: the application answered (%s to %s %u answered with %s%s)", tgt,
			r->outcome_hop, probe_packet(r, m), proto_name(m), r->dport, answer_name(r, m),
			m == CT_ROUTE_TCP ? ": the port is open" : "");
	else if (r->outcome == CT_RO_HOST_REFUSED && x->kind == CT_RK_TCP)
		snprintf(buf, len, "reached %s at hop %d: the host refused the port (TCP RST from %s itself, TTL %d: "
			"nothing listens on TCP %u, or its firewall resets it)", tgt, r->outcome_hop, tgt, x->ttl, r->dport);
	else if (r->outcome == CT_RO_HOST_REFUSED) {
		icmp_phrase(x, it, sizeof it);
		snprintf(buf, len, "reached %s at hop %d: the host refused the port (%s from %s itself: nothing "
			"listens on %s %u, or its firewall rejects it)", tgt, r->outcome_hop, it, tgt, proto_name(m), r->dport);
	} else {
		icmp_phrase(x, it, sizeof it);
		snprintf(buf, len, "rejected by %s at hop %d with %s: the host's own firewall rejects %s %u", tgt,
			r->outcome_hop, it, proto_name(m), r->dport);
	}
}

/* A device answered in the target's place: an ICMP rejection, a forged RST, host unreachable. */
static void device_text(const struct ct_route_result *r, enum ct_route_method m, const char *tgt, char *buf,
	size_t len)
{
	const struct ct_reply *x = &r->verdict_reply;
	char dev[INET6_ADDRSTRLEN], it[200], at[64] = "";

	pc_addr(r->family, r->verdict_addr, &r->verdict_addr6, dev);
	if (r->device_hop)
		snprintf(at, sizeof at, " (the device at hop %d)", r->device_hop);
	if (r->outcome == CT_RO_PATH_REJECTED && x->kind == CT_RK_TCP) {
		snprintf(buf, len, "rejected by %s at hop %d with a TCP RST in %s's name: its TTL %d shows it came from "
			"hop %d, nearer than the target%s: a device on the path resets TCP %u", dev, r->device_hop, tgt,
			x->ttl, r->device_hop, r->echo_hop ? " (which answers ICMP echo from farther)" : "", r->dport);
		return;
	}
	icmp_phrase(x, it, sizeof it);
	if (r->outcome == CT_RO_HOST_UNREACHABLE && r->same_segment)
		snprintf(buf, len, "%s is unreachable: this host (%s) reports %s %.1f s after the first probe: the target is on "
			"this segment (no router in between) and nobody answers for its address (ARP/ND): the host is down "
			"or absent", tgt, dev, it, pc_ms(x->rtt_ns) / 1000);
	else if (r->outcome == CT_RO_HOST_UNREACHABLE)
		snprintf(buf, len, "%s is unreachable: %s%s answered %s %.1f s after the first probe: it looked for the address on its "
			"segment (ARP/ND) and nobody answered: the host is down or absent", tgt, dev, at, it,
			pc_ms(x->rtt_ns) / 1000);
	else if (r->by_echo)
		snprintf(buf, len, "rejected by %s%s: nothing answered the %s probes, and an ICMP echo to %s got %s",
			dev, at, proto_name(m), tgt, it);
	else if (r->device_hop)
		snprintf(buf, len, "rejected by %s at hop %d with %s: a device on the path rejects %s %u (the probes "
			"with TTL %d and more)", dev, r->device_hop, it, proto_name(m), r->dport, r->outcome_hop);
	else
		snprintf(buf, len, "rejected by %s with %s: a device on the path rejects %s %u (the probes with TTL %d "
			"and more)", dev, it, proto_name(m), r->dport, r->outcome_hop);
}

/* Nothing ended the path: silence after the last hop, the target up or not. */
static void silent_text(const struct ct_route_result *r, enum ct_route_method m, const char *tgt, char *buf,
	size_t len)
{
	char last[INET6_ADDRSTRLEN + 40] = "", what[80];

	snprintf(what, sizeof what, "%s %u (%s)", proto_name(m), r->dport, probe_packet(r, m));
	if (r->last_hop) {
		char ip[INET6_ADDRSTRLEN];
		snprintf(last, sizeof last, "hop %d (%s)", r->last_hop,
			pc_addr(r->family, r->verdict_addr, &r->verdict_addr6, ip));
	}
	if (r->outcome == CT_RO_HOST_SILENT && r->same_segment)
		snprintf(buf, len, "the target is on this segment (no router in between) and up (it answers ICMP echo), "
			"but nothing answered %s: its firewall drops it, the answers are lost on the way back, or the host "
			"ignores it", what);
	else if (r->outcome == CT_RO_SILENT_AFTER_HOP && r->echo.kind == CT_RK_ECHO)
		snprintf(buf, len, "silent after %s: nothing answers %s past it, though %s is up at hop %d (it answers "
			"ICMP echo): a device after that hop or the host's own firewall drops it, the answers are lost on "
			"the way back, or the host ignores it (from here these look the same)", last, what, tgt,
			r->echo_hop > r->last_hop ? r->echo_hop : r->last_hop + 1);
	else if (r->outcome == CT_RO_SILENT_AFTER_HOP)
		snprintf(buf, len, "silent after %s: nothing answers %s past it, and %s (a device past it drops the "
			"probes, or the host is down or drops everything)", last, what, !r->echo_tried ?
			"whether the target is up could not be told (no ICMP echo possible)" :
			"the target does not answer ICMP echo either");
	else if (r->same_segment)
		snprintf(buf, len, "the target is on this segment (no router in between) and nothing answers: not %s, "
			"not ICMP echo%s (the host is down, or its firewall drops everything)", what,
			r->echo_tried ? "" : " (not possible here)");
	else
		snprintf(buf, len, "no answer from any hop: not even hop 1 answers time exceeded, and %s (the first "
			"router drops the probes and its ICMP, or a firewall on this host drops them)", !r->echo_tried ?
			"whether the target is up could not be told (no ICMP echo possible)" : r->echo.kind == CT_RK_ECHO ?
			"the target answers ICMP echo" : "the target does not answer ICMP echo either");
}

static void verdict_text(const struct ct_route_result *r, enum ct_route_method m, char *buf, size_t len)
{
	char tgt[INET6_ADDRSTRLEN], part[900];
	int n;

	pc_addr(r->family, r->dst, &r->dst6, tgt);
	switch (r->outcome) {
	case CT_RO_APP_ANSWERED:
	case CT_RO_HOST_REFUSED:
	case CT_RO_HOST_REJECTED:
		target_text(r, m, tgt, part, sizeof part);
		break;
	case CT_RO_PATH_REJECTED:
	case CT_RO_HOST_UNREACHABLE:
		device_text(r, m, tgt, part, sizeof part);
		break;
	default:
		silent_text(r, m, tgt, part, sizeof part);
	}
	n = snprintf(buf, len, "%s", part);
	if (r->same_segment && r->outcome != CT_RO_HOST_SILENT && r->outcome != CT_RO_NO_ANSWER &&
	    r->outcome != CT_RO_HOST_UNREACHABLE && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " (the target is on this segment: no router in between)");
	for (int t = 1; t <= 64 && n > 0 && (size_t)n < len; t++)
		if (r->partial_mask & (1ull << (t - 1)))
			n += snprintf(buf + n, len - (size_t)n, "; hop %d did not answer every probe (ICMP rate limit?)", t);
}

static void json_reply(struct ct_json *o, const struct ct_reply *x)
{
	char ip[INET6_ADDRSTRLEN];

	ct_json_add_str(o, "from", pc_from(x, ip));
	ct_json_add_str(o, "kind", kind_name(x->kind));
	ct_json_add_num(o, "rtt_ms", pc_ms(x->rtt_ns));
	if (x->ttl >= 0)
		ct_json_add_int(o, "reply_ttl", x->ttl);
	else
		ct_json_add_null(o, "reply_ttl");
	pc_json_icmp(o, "icmp", x);
	if (x->kind == CT_RK_TCP)
		ct_json_add_int(o, "tcp_flags", x->tcp_flags);
	else
		ct_json_add_null(o, "tcp_flags");
}

/* Adds a hop number, or null for 0. */
static void json_hop(struct ct_json *o, const char *key, int hop)
{
	if (hop > 0)
		ct_json_add_int(o, key, hop);
	else
		ct_json_add_null(o, key);
}

static void print_json_verdict(struct ct_json *v, const struct ct_route_result *r, enum ct_route_method m)
{
	char ip[INET6_ADDRSTRLEN], buf[1000];
	int o = r->outcome, dev = o == CT_RO_PATH_REJECTED || o == CT_RO_HOST_UNREACHABLE ||
		((o == CT_RO_SILENT_AFTER_HOP || o == CT_RO_HOST_SILENT) && r->last_hop);
	int target_hop = o == CT_RO_APP_ANSWERED || o == CT_RO_HOST_REFUSED || o == CT_RO_HOST_REJECTED ||
		o == CT_RO_HOST_SILENT ? r->outcome_hop : r->echo_hop;
	int silent = o == CT_RO_SILENT_AFTER_HOP || o == CT_RO_HOST_SILENT || o == CT_RO_NO_ANSWER;
	struct ct_json *a;

	ct_json_add_str(v, "result", ct_route_verdict_key(r->verdict));
	ct_json_add_str(v, "outcome", ct_route_outcome_key(r->outcome));
	/* hop and address as the result names them (the doctor's and earlier scripts' meaning) */
	json_hop(v, "hop", r->verdict == CT_RV_NO_ANSWER ? 0 : o == CT_RO_PATH_REJECTED && r->device_hop ?
		r->device_hop : r->verdict_hop);
	if (r->verdict == CT_RV_NO_ANSWER)
		ct_json_add_null(v, "address");
	else
		ct_json_add_str(v, "address", pc_addr(r->family, r->verdict_addr, &r->verdict_addr6, ip));
	if (dev)
		ct_json_add_str(v, "device", pc_addr(r->family, r->verdict_addr, &r->verdict_addr6, ip));
	else
		ct_json_add_null(v, "device");
	json_hop(v, "device_hop", o == CT_RO_PATH_REJECTED ? r->device_hop : dev && o != CT_RO_HOST_UNREACHABLE ?
		r->last_hop : 0);
	pc_json_icmp(v, "icmp", silent ? NULL : &r->verdict_reply);
	ct_json_add_str(v, "probe_packet", probe_packet(r, m));
	ct_json_add_str(v, "answer", answer_name(r, m));
	ct_json_add_str(v, "program", r->program[0] ? r->program : NULL);
	if (!silent && r->verdict_reply.kind != CT_RK_NONE && r->verdict_reply.ttl > 0)
		ct_json_add_int(v, "reply_ttl", r->verdict_reply.ttl);
	else
		ct_json_add_null(v, "reply_ttl");
	ct_json_add_bool(v, "same_segment", r->same_segment);
	json_hop(v, "target_hop", target_hop);
	if (!r->echo_sent)
		ct_json_add_null(v, "target_up");
	else
		ct_json_add_bool(v, "target_up", r->echo.kind == CT_RK_ECHO);
	json_hop(v, "last_hop", r->last_hop);
	a = ct_json_add_arr(v, "incomplete_hops");
	for (int t = 1; t <= 64; t++)
		if (r->partial_mask & (1ull << (t - 1)))
			ct_json_add_int(a, NULL, t);
	ct_json_add_bool(v, "late_answer", r->late_answer);
	if (r->probe_cmd)
		ct_json_add_bool(v, "withdrawn", r->exit_sent);
	else
		ct_json_add_null(v, "withdrawn");
	verdict_text(r, m, buf, sizeof buf);
	ct_json_add_str(v, "text", buf);
}

static void print_json(struct ct_json *doc, const struct pc_target *t, const struct ct_route_result *r,
	enum ct_route_method m, int q)
{
	struct ct_json *hops;
	char ip[INET6_ADDRSTRLEN];

	ct_json_add_str(doc, "target", t->name);
	ct_json_add_str(doc, "family", r->family == AF_INET6 ? "ipv6" : "ipv4");
	ct_json_add_str(doc, "address", t->addr_s);
	ct_json_add_str(doc, "local_address", t->src_s);
	ct_json_add_str(doc, "interface", t->ifname);
	ct_json_add_str(doc, "method", method_name(m));
	ct_json_add_int(doc, "source_port", r->sport);
	ct_json_add_int(doc, "port", r->dport);
	ct_json_add_bool(doc, "flow_stable", r->flow_stable);
	ct_json_add_int(doc, "probes_per_hop", q);
	ct_json_add_int(doc, "probes_sent", r->probes_sent);
	ct_json_add_num(doc, "elapsed_ms", pc_ms(r->elapsed_ns));
	hops = ct_json_add_arr(doc, "hops");
	for (int i = 0; i < r->nhops; i++) {
		const struct ct_route_hop *h = &r->hops[i];
		struct ct_json *jh = ct_json_add_obj(hops, NULL), *a, *ps;
		ct_json_add_int(jh, "ttl", h->ttl);
		ct_json_add_int(jh, "sent", h->sent);
		ct_json_add_int(jh, "answered", h->answered);
		ct_json_add_bool(jh, "is_target", h->is_target);
		a = ct_json_add_arr(jh, "addresses");
		for (int k = 0; k < h->naddr; k++)
			ct_json_add_str(a, NULL, pc_addr(r->family, h->addr[k], &h->addr6[k], ip));
		ps = ct_json_add_arr(jh, "replies");
		for (int k = 0; k < h->answered && k < CT_ROUTE_MAX_Q; k++)
			json_reply(ct_json_add_obj(ps, NULL), &h->reply[k]);
	}
	print_json_verdict(ct_json_add_obj(doc, "verdict"), r, m);
}

static void print_text(const struct ct_cli *cli, const struct pc_target *t, const struct ct_route_result *r,
	enum ct_route_method m, int q)
{
	char ip[INET6_ADDRSTRLEN], buf[1000];
	int v6 = r->family == AF_INET6;

	printf("route to %s (%s) from %s on %s: %s %u from port %u%s, %s, %d probes per hop\n", t->name, t->addr_s,
		t->src_s, t->ifname[0] ? t->ifname : "?", m == CT_ROUTE_TCP ? "TCP SYN" : m == CT_ROUTE_RTP ? "RTP" : "UDP",
		r->dport, r->sport, r->probe_cmd ? (r->exit_sent ? " (BR_ENTRY|DIALUPOPT, withdrawn with BR_EXIT)" :
		" (BR_ENTRY|DIALUPOPT)") : "", !r->flow_stable ? (v6 ? "unprivileged (IPV6_RECVERR, probes told apart by payload)" :
		"unprivileged (IP_RECVERR, probes told apart by payload)") : !v6 ? "flow-stable (one 5-tuple, probes told apart by IP ID)" :
		m == CT_ROUTE_TCP ? "flow-stable (one 5-tuple and flow label, probes told apart by TCP sequence)" :
		"flow-stable (one 5-tuple and flow label, probes told apart by payload)", q);
	for (int i = 0; i < r->nhops; i++) {
		const struct ct_route_hop *h = &r->hops[i];
		char shown[INET6_ADDRSTRLEN] = "";
		printf("%3d ", h->ttl);
		if (!h->answered) {
			for (int k = 0; k < h->sent; k++)
				printf(" *");
			printf("\n");
			continue;
		}
		for (int k = 0; k < h->answered && k < CT_ROUTE_MAX_Q; k++) {
			const struct ct_reply *x = &h->reply[k];
			int fam = ct_reply_icmp_family(x);
			const char *from = pc_from(x, ip);
			if (from && strcmp(from, shown) != 0) {
				printf(" %s%s%s", out_c(cli, "bold"), from, out_c(cli, "reset"));
				ct_strlcpy(shown, from, sizeof shown);
			}
			printf("  %.3f ms", pc_ms(x->rtt_ns));
			if (x->kind == CT_RK_ICMP && !ct_reply_time_exceeded(x) &&
			    ct_icmp_verdict(fam, x->icmp_type, x->icmp_code) != CT_ICMPV_CLOSED) {
				const char *tag = ct_icmp_tag(fam, x->icmp_type, x->icmp_code);
				printf(" %s(%u/%u)", tag[0] ? tag : "!", x->icmp_type, x->icmp_code);
			} else if (x->kind == CT_RK_TCP) {
				printf(" [%s]", (x->tcp_flags & 0x02) ? "SYN-ACK" : "RST");
			} else if (x->kind == CT_RK_UDP) {
				printf(" [answer]");
			}
		}
		for (int k = h->answered; k < h->sent; k++)
			printf(" *");
		if (h->reply[0].kind == CT_RK_ICMP && !ct_reply_time_exceeded(&h->reply[0]))
			printf("  %s", ct_icmp_name(ct_reply_icmp_family(&h->reply[0]), h->reply[0].icmp_type,
				h->reply[0].icmp_code));
		printf("\n");
	}
	verdict_text(r, m, buf, sizeof buf);
	printf("%sverdict: %s%s (%d probes, %.0f ms)\n", out_c(cli, r->outcome == CT_RO_APP_ANSWERED ? "ok" : "bad"), buf,
		out_c(cli, "reset"), r->probes_sent, pc_ms(r->elapsed_ns));
}

struct route_cmd_opts {
	int method;        /* --udp / --tcp; -1: RTP with --rtp, else UDP */
	int rtp_port;      /* --rtp PORT */
	int port, sport, first_ttl, max_ttl, queries, unpriv, family;
	double wait;
};

/* The engine's options from the command line's. */
static void route_setup(const struct ct_cli *cli, const struct route_cmd_opts *co, struct ct_route_opts *o)
{
	memset(o, 0, sizeof *o);
	o->method = co->method >= 0 ? (enum ct_route_method)co->method : co->rtp_port ? CT_ROUTE_RTP : CT_ROUTE_UDP;
	o->dport = (uint16_t)(co->port ? co->port : co->rtp_port);
	o->sport = (uint16_t)co->sport;
	o->first_ttl = co->first_ttl;
	o->max_ttl = co->max_ttl;
	o->queries = co->queries;
	o->wait_ns = (uint64_t)(co->wait * 1e9);
	if (cli->timeout > 0 && (!o->wait_ns || o->wait_ns > (uint64_t)(cli->timeout * 1e9)))
		o->wait_ns = (uint64_t)(cli->timeout * 1e9);
}

/* Traces and prints; returns the exit code. */
static int route_run(const struct ct_cli *cli, struct ct_prober *pr, const struct pc_target *t,
	struct ct_route_opts *o, struct ct_json *doc)
{
	struct ct_route_result *res = calloc(1, sizeof *res);
	char err[300];
	int r;

	if (!res)
		return EX_OSERR;
	if (cli->progress && !cli->json)
		fprintf(stderr, "tracing...\r");
	r = ct_route_trace(pr, t->addr, t->src, o, res, err, sizeof err);
	if (cli->progress && !cli->json)
		fprintf(stderr, "\r\033[K");
	if (r != 0) {
		if (doc) {
			pc_notes(cli, pr, doc);
			out_doc_error(doc, r == CT_EPERM ? "needs_privileges" : "trace_failed", err);
			out_doc_print(doc);
		} else {
			out_err(cli, "route", "%s", err);
			pc_notes(cli, pr, NULL);
		}
		free(res);
		return r == CT_EPERM ? EX_NOPERM : CT_EXIT_FAIL;
	}
	if (doc) {
		pc_notes(cli, pr, doc);
		print_json(doc, t, res, o->method, o->queries);
		out_doc_print(doc);
	} else {
		print_text(cli, t, res, o->method, o->queries);
		pc_notes(cli, pr, NULL);
	}
	r = res->outcome == CT_RO_APP_ANSWERED ? CT_EXIT_OK : CT_EXIT_FAIL; /* the application answered */
	free(res);
	return r;
}

static int route_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	const struct route_cmd_opts *co = opts;
	struct ct_route_opts o;
	struct ct_prober *pr;
	struct ct_json *doc = NULL;
	struct pc_target t;
	int r;

	(void)argc;
	route_setup(cli, co, &o);
	pc_targets(&t, 1, argv, cli->source, co->family);
	if (cli->json)
		doc = out_doc_new("route");
	if (!t.resolved || !t.routed) {
		if (doc) {
			out_doc_error(doc, "bad_target", t.err);
			out_doc_print(doc);
		} else
			out_err(cli, "route", "%s", t.err);
		return EX_NOHOST;
	}
	pr = pc_prober(cli, "route", co->unpriv, CT_PROBER_BIND2425 | pc_families(&t, 1), doc);
	if (!pr) {
		if (doc)
			out_doc_print(doc);
		return EX_NOPERM;
	}
	o.use_raw = pr->raw;
	if (t.family == AF_INET6) {
		o.family = AF_INET6;
		o.dst6 = t.addr6;
		o.src6 = t.src6;
		o.use_raw = pr->raw6;
	}
	if (o.method != CT_ROUTE_TCP && !o.sport && pr->port2425_busy && !pr->raw &&
	    (o.dport == 0 || o.dport == CT_IPMSG_PORT))
		o.sport = 0; /* the socket falls back to another port; route.c notes it */
	r = route_run(cli, pr, &t, &o, doc);
	ct_prober_close(pr);
	return r;
}

#define O(f) offsetof(struct route_cmd_opts, f)
static const struct cmd_opt route_opts[] = {
	{ .type = CMD_OPT_TEXT, .help = "methods (the 5-tuple stays the same for every probe; probes differ by IP ID, over IPv6\n"
	  "by payload or TCP sequence, with one flow label):" },
	{ "udp", 0, CMD_OPT_SET, O(method), .val = CT_ROUTE_UDP, .help = "UDP 2425 from port 2425, a BR_ENTRY|DIALUPOPT payload (every IP Messenger\n"
	  "program answers it; BR_EXIT withdraws it afterwards) (default)" },
	{ "tcp", 0, CMD_OPT_SET, O(method), .val = CT_ROUTE_TCP, .help = "half-open TCP SYN to port 2425 (needs raw sockets)" },
	{ "rtp", 0, CMD_OPT_PORT, O(rtp_port), .help = "RTP to PORT from PORT" },
	{ .type = CMD_OPT_TEXT, .help = "options:" },
	{ "port", 0, CMD_OPT_PORT, O(port), .arg = "N", .help = "destination port (default 2425)" },
	{ "source-port", 0, CMD_OPT_PORT, O(sport), .arg = "N",
	  .help = "source port (default: the destination port for UDP/RTP)" },
	{ "first-ttl", 0, CMD_OPT_INT, O(first_ttl), 1, CT_ROUTE_MAX_TTL, .help = "TTL range (default 1-30)" },
	{ "max-ttl", 0, CMD_OPT_INT, O(max_ttl), 1, CT_ROUTE_MAX_TTL, .help = NULL },
	{ "queries", 0, CMD_OPT_INT, O(queries), 1, CT_ROUTE_MAX_Q, .help = "probes per hop (default 3)" },
	{ "wait", 0, CMD_OPT_SECONDS, O(wait), 1, 60,
	  .help = "longest wait after the last probe (default 3; adaptive: 5x the\nslowest answer, at least 0.3 s)" },
	{ "unprivileged", 0, CMD_OPT_FLAG, O(unpriv), .help = "no raw sockets: UDP socket with IP_RECVERR / IPV6_RECVERR" },
	PC_FAMILY_OPTS(O(family), "resolve HOST to IPv4 / IPv6 (an address literal decides itself)"),
	{ 0 },
};

static const struct route_cmd_opts route_defaults = { .method = -1, .queries = 3 };

const struct cmd_entry cmd_route_entry = {
	.name = "route",
	.args = "[--udp | --tcp | --rtp PORT] [-4 | -6] [OPTIONS] HOST",
	.summary = "trace the path of the application's own traffic and say where it stops",
	.help =
	"outcome: app_answered / host_refused / host_rejected / path_rejected / host_unreachable /\n"
	"host_silent / silent_after_hop / no_answer (see camtrace(1)).\n"
	"exit: 0 the application answered, 1 not, 77 needs privileges (--tcp).\n",
	.flags = CMD_F_NEEDS_ROOT | CMD_F_SOURCE,
	.opts = route_opts,
	.opts_size = sizeof(struct route_cmd_opts),
	.opts_defaults = &route_defaults,
	.arg_name = "HOST",
	.args_min = 1,
	.args_max = 1,
	.exec = route_exec,
};
