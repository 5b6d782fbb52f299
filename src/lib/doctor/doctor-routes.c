/* doctor-routes.c: step 6 of `camtrace doctor`: route traces with the application's own packets on the failing paths. */
#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "doctor-evidence.h"
#include "doctor-probe.h"
#include "doctor-steps.h"

static void trace(struct ct_doctor *d, struct ct_doc_step *s, uint32_t dst, enum ct_route_method m, uint16_t port)
{
	struct ct_doc_trace *t;
	struct ct_route_opts o = { .method = m, .dport = port, .max_ttl = 12, .queries = 2, .wait_ns = ct_doc_wait_ns(d),
		.no_confirm = 1 /* the UDP probe of step 3/4 already waited for the program's answer */,
		.use_raw = d->pr->raw };
	char a[16], b[16];
	static const char *const mn[] = { "UDP", "TCP", "RTP" };

	if (d->ntr >= CT_DOC_MAX_TRACES)
		return;
	t = &d->tr[d->ntr++];
	memset(t, 0, sizeof *t);
	t->dst = dst;
	t->method = m;
	t->port = port;
	if (ct_route_trace(d->pr, dst, 0, &o, &t->res, t->err, sizeof t->err) != 0) {
		ct_doc_ev(s, "route %s %u to %s: %s", mn[m], port, ct_doc_ip_s(dst, a), t->err);
		return;
	}
	t->done = 1;
	for (int h = 0; h < t->res.nhops; h++) {
		const struct ct_route_hop *hp = &t->res.hops[h];
		ct_doc_ev(s, "  %s %u to %s hop %d: %s%s", mn[m], port, ct_doc_ip_s(dst, a), hp->ttl,
			hp->naddr ? ct_doc_ip_s(hp->addr[0], b) : "*", hp->is_target ? " (the target)" : "");
	}
	switch (t->res.verdict) {
	case CT_RV_REJECTED: {
		char it[200];
		ct_doc_icmp_text(&t->res.verdict_reply, it, sizeof it);
		ct_doc_ev(s, "route %s %u to %s: rejected at hop %d: %s", mn[m], port, a, t->res.verdict_hop, it);
		break;
	}
	case CT_RV_DIES:
		ct_doc_ev(s, "route %s %u to %s: dies after hop %d (%s): the next device drops it", mn[m], port, a,
			t->res.verdict_hop, ct_doc_ip_s(t->res.verdict_addr, b));
		break;
	case CT_RV_REACHED:
		ct_doc_ev(s, "route %s %u to %s: reaches the target", mn[m], port, a);
		break;
	default:
		ct_doc_ev(s, "route %s %u to %s: nothing answered at any hop", mn[m], port, a);
	}
}

/* One trace per network and method: the users of one /24 share the path from here (a firewall
 * on one PC shows in the isolate step, not in the route). Says so when it skips. */
static int traced_net(struct ct_doctor *d, struct ct_doc_step *s, const struct ct_doc_user *u, enum ct_route_method m)
{
	for (int i = 0; i < d->ntr; i++)
		if (d->tr[i].method == m && d->tr[i].done && (ntohl(d->tr[i].dst) >> 8) == (ntohl(u->addr) >> 8)) {
			char a[16];
			ct_doc_ev(s, "route to %s: the same path as the trace to %s (same network): not traced again",
				u->addr_s, ct_doc_ip_s(d->tr[i].dst, a));
			return 1;
		}
	return 0;
}

void ct_doc_step_routes(struct ct_doctor *d, struct ct_doc_step *s)
{
	if (!d->pr->raw) {
		ct_doc_result(s, CT_DOC_UNCHECKED, "route traces need raw sockets (run as root or give camtrace "
			"CAP_NET_RAW)");
		return;
	}
	if (d->server_probe.udp_done && d->server_probe.udp.state != CT_PORT_OPEN)
		trace(d, s, d->server, CT_ROUTE_UDP, 2425);
	if (d->server_probe.tcp_done && ct_doc_tcp_blocked(&d->server_probe))
		trace(d, s, d->server, CT_ROUTE_TCP, 2425);
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		if (!u->addr)
			continue;
		if (u->self.udp_done && u->self.udp.state != CT_PORT_OPEN && !traced_net(d, s, u, CT_ROUTE_UDP))
			trace(d, s, u->addr, CT_ROUTE_UDP, 2425);
		if (u->self.tcp_done && ct_doc_tcp_blocked(&u->self) && !traced_net(d, s, u, CT_ROUTE_TCP))
			trace(d, s, u->addr, CT_ROUTE_TCP, 2425);
		for (int k = 0; k < u->rtp_done; k++)
			if (u->rtp[k].state == CT_PORT_FILTERED || u->rtp[k].state == CT_PORT_OPEN_FILTERED) {
				trace(d, s, u->addr, CT_ROUTE_RTP, u->rtp[k].port);
				break;
			}
	}
	if (d->ntr == 0)
		ct_doc_result(s, CT_DOC_SKIPPED, "no failing path to trace");
	else
		ct_doc_result(s, CT_DOC_OK, "%d route trace(s) on the failing paths", d->ntr);
}

static void command(const struct ct_doctor *d, char *buf, size_t len)
{
	const char *to = d->server_s[0] ? d->server_s : "";

	for (int i = 0; i < d->nusers; i++)
		if (d->u[i].addr) {
			to = d->u[i].addr_s;
			break;
		}
	/* one host per trace: the first user's (the step traces each failing path, TCP and RTP too) */
	if (to[0])
		snprintf(buf, len, "camtrace route --udp %s", to);
	else
		buf[0] = 0;
}

const struct ct_doc_step_def ct_doc_step_routes_def = {
	.key = "routes",
	.title = "Route traces on the failing paths",
	.what = "trace the route with the application's own packets to name the hop that drops or rejects them",
	.command = command,
	.run = ct_doc_step_routes,
};
