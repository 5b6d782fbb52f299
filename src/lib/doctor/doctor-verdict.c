/* doctor-verdict.c: the verdict of `camtrace doctor` (step 7): the first failing class, the device located, the finding and the fix. */
#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include "doctor-evidence.h"
#include "doctor-steps.h"
#include "icmpname.h"

/* The trace of dst's path: its own, else one to the same /24 (the routes step traces each network once). */
static const struct ct_doc_trace *find_trace(const struct ct_doctor *d, uint32_t dst, enum ct_route_method m)
{
	for (int i = 0; i < d->ntr; i++)
		if (d->tr[i].done && d->tr[i].dst == dst && d->tr[i].method == m)
			return &d->tr[i];
	for (int i = 0; i < d->ntr; i++)
		if (d->tr[i].done && (ntohl(d->tr[i].dst) >> 8) == (ntohl(dst) >> 8) && d->tr[i].method == m)
			return &d->tr[i];
	return NULL;
}

static void set_icmp(struct ct_doc_verdict *v, const struct ct_reply *r)
{
	v->icmp_type = r->icmp_type;
	v->icmp_code = r->icmp_code;
	snprintf(v->icmp_name, sizeof v->icmp_name, "%s", ct_icmp_name(AF_INET, r->icmp_type, r->icmp_code));
}

/* Names the device from a route trace (or from the probe's ICMP error): fills hop, hop_addr,
 * device and the ICMP fields; returns a phrase for the finding. */
static void locate(struct ct_doctor *d, const struct ct_doc_trace *t, const struct ct_reply *icmp, char *where,
	size_t len)
{
	struct ct_doc_verdict *v = &d->v;
	char a[16];

	if (t && t->res.verdict == CT_RV_REJECTED && t->res.verdict_reply.kind == CT_RK_ICMP) {
		v->hop = t->res.verdict_hop;
		/* a router rejects what it would forward: it answered "time exceeded" at a lower TTL */
		for (int h = 0; h < t->res.nhops; h++)
			if (t->res.hops[h].naddr && t->res.hops[h].addr[0] == t->res.verdict_addr &&
			    t->res.hops[h].ttl < v->hop)
				v->hop = t->res.hops[h].ttl;
		ct_doc_ip_s(t->res.verdict_addr, v->hop_addr);
		set_icmp(v, &t->res.verdict_reply);
		snprintf(v->device, sizeof v->device, "%s (hop %d)", v->hop_addr, v->hop);
		snprintf(where, len, "hop %d (%s) rejects it with ICMP %s (%d/%d)", v->hop, v->hop_addr, v->icmp_name,
			v->icmp_type, v->icmp_code);
	} else if (icmp && icmp->kind == CT_RK_ICMP) {
		ct_doc_ip_s(icmp->from, v->hop_addr);
		set_icmp(v, icmp);
		v->hop = ct_doc_ttl_hops(icmp->ttl);
		if (v->hop)
			snprintf(v->device, sizeof v->device, "%s (hop %d)", v->hop_addr, v->hop);
		else
			snprintf(v->device, sizeof v->device, "%s", v->hop_addr);
		snprintf(where, len, "%s rejects it with ICMP %s (%d/%d)", v->device, v->icmp_name, v->icmp_type,
			v->icmp_code);
	} else if (t && t->res.verdict == CT_RV_DIES) {
		v->hop = t->res.verdict_hop;
		ct_doc_ip_s(t->res.verdict_addr, v->hop_addr);
		snprintf(v->device, sizeof v->device, "%s (hop %d)", v->hop_addr, v->hop);
		snprintf(where, len, "the packets die after hop %d (%s): that device, or the next one, drops them "
			"silently", v->hop, v->hop_addr);
	} else if (t && t->res.verdict == CT_RV_NO_ANSWER) {
		snprintf(v->device, sizeof v->device, "the first router");
		snprintf(where, len, "no hop answers at all: the first router on the way drops them");
	} else {
		snprintf(v->device, sizeof v->device, "a device between %s and the target", ct_doc_ip_s(d->self_addr, a));
		snprintf(where, len, "something on the way drops them (no route trace available)");
	}
}

/* A host unreachable (ICMP 3/1, ICMPv6 1/3) from a device other than the target. */
static int host_unreach(const struct ct_reply *r, uint32_t target)
{
	if (r->kind != CT_RK_ICMP || r->from == target)
		return 0;
	return r->family == AF_INET6 ? r->icmp_type == 1 && r->icmp_code == 3 : r->icmp_type == 3 && r->icmp_code == 1;
}

/* The user's PC is not there: the probe saw the router's late host unreachable, or the router
 * answers host unreachable for UDP 2425 and TCP 2425 gets that or nothing (a filter rejects a port
 * and lets the other through; a missing PC fails every packet, the router answering at once while
 * its neighbour entry stays failed, and after its ARP timeout once it expired). */
static int user_down(const struct ct_doc_user *u)
{
	return u->self.udp.host_down || (host_unreach(&u->self.udp.icmp, u->addr) && u->self.tcp_done &&
		(!u->self.tcp_answered || host_unreach(&u->self.tcp_reply, u->addr)));
}

static void verdict_udp(struct ct_doctor *d, struct ct_doc_user *u)
{
	struct ct_doc_verdict *v = &d->v;
	const struct ct_doc_trace *t = find_trace(d, u->addr, CT_ROUTE_UDP);
	char where[300];

	snprintf(v->protocol, sizeof v->protocol, "udp");
	snprintf(v->ports, sizeof v->ports, "2425");
	snprintf(v->packet, sizeof v->packet, "GETINFO, UDP %s:2425 -> %s:2425", d->self_s, u->addr_s);
	snprintf(v->direction, sizeof v->direction, "this host %s -> %s (no answer came back)", d->self_s, u->addr_s);
	ct_doc_add_host(v, u->addr_s);
	if (user_down(u)) {
		/* not a firewall: nothing answers for that address on its network */
		char f[16];
		v->cls = CT_DOC_HOST_DOWN;
		set_icmp(v, &u->self.udp.icmp);
		ct_doc_ip_s(u->self.udp.icmp.from, v->hop_addr);
		snprintf(v->device, sizeof v->device, "%s (the PC itself)", u->addr_s);
		ct_doc_setf(&v->finding, "The PC %s is not there: %s answers \"host unreachable\" for it (no answer to "
			"ARP on its network). It is off, asleep or disconnected, or its address changed%s.", u->addr_s,
			ct_doc_ip_s(u->self.udp.icmp.from, f), u->peers_answer ? "; the other users of its network answer" :
			"");
		ct_doc_setf(&v->fix, "Check that the PC %s is on, awake and connected (cable, Wi-Fi) and still has this "
			"address (its power saving may cut the network), then run camtrace doctor again.", u->addr_s);
		ct_doc_suggest(v, "camtrace reach %s", u->addr_s);
		return;
	}
	if (u->self.udp.icmp.kind == CT_RK_ICMP && u->self.udp.icmp.from == u->addr) {
		/* the PC itself answered: the network carried the packet there */
		v->cls = CT_DOC_HOST_FIREWALL;
		set_icmp(v, &u->self.udp.icmp);
		snprintf(v->device, sizeof v->device, "%s (the PC itself)", u->addr_s);
		ct_doc_setf(&v->finding, "The PC %s itself refuses UDP 2425 (%s from %s): no IP Messenger program runs "
			"there, or its firewall / security software rejects it%s. The network carries the packets to it.",
			u->addr_s, v->icmp_name, u->addr_s, u->peers_answer ? "; the other users of its network answer" : "");
		ct_doc_setf(&v->fix, "On the PC %s: start the IP Messenger program, and allow UDP 2425 and TCP 2425 inbound "
			"(and their answers outbound) in its firewall / security software.", u->addr_s);
		ct_doc_suggest(v, "camtrace probe %s", u->addr_s);
		return;
	}
	if (u->peers_answer > 0 && u->self.udp.icmp.kind != CT_RK_ICMP) {
		v->cls = CT_DOC_HOST_FIREWALL;
		if (t && t->res.verdict == CT_RV_DIES) {
			v->hop = t->res.verdict_hop;
			ct_doc_ip_s(t->res.verdict_addr, v->hop_addr);
		}
		snprintf(v->device, sizeof v->device, "%s (the PC itself)", u->addr_s);
		ct_doc_setf(&v->finding, "Only this PC fails: %s does not answer on UDP 2425 while %d "
			"other user(s) on its network do%s. A firewall or security software on %s drops IP Messenger.",
			u->addr_s, u->peers_answer, v->hop ? ", and the route trace passes the last router" : "", u->addr_s);
		ct_doc_setf(&v->fix, "On the PC %s: allow UDP 2425 and TCP 2425 inbound (and their answers "
			"outbound) in its firewall / security software, for the IP Messenger program.", u->addr_s);
		return;
	}
	v->cls = CT_DOC_NETWORK_UDP;
	locate(d, t, &u->self.udp.icmp, where, sizeof where);
	ct_doc_setf(&v->finding, "The whole network fails: UDP 2425 from %s to %s gets no answer%s; "
		"%s.", d->self_s, u->addr_s, u->npeers + u->nothers ? " and no other user of that network answers either" : "", where);
	ct_doc_setf(&v->fix, "On %s: allow UDP 2425 in both directions between %s and %s's network "
		"(source and destination port 2425; IP Messenger's messages and presence).", v->device, d->self_s,
		u->addr_s);
	ct_doc_suggest(v, "camtrace route --udp %s", u->addr_s);
}

/* TCP 2425 fails at the user's PC itself: it refuses it while its messenger answers on UDP, or it
 * is silent while another user of its network accepts it. */
static void verdict_tcp_pc(struct ct_doctor *d, const struct ct_doc_user *u)
{
	struct ct_doc_verdict *v = &d->v;
	const struct ct_doc_probe *p = &u->self;
	int refused = ct_doc_tcp_refused_by_pc(p);

	v->cls = CT_DOC_TCP_BLOCKED;
	snprintf(v->protocol, sizeof v->protocol, "tcp");
	snprintf(v->ports, sizeof v->ports, "2425");
	snprintf(v->packet, sizeof v->packet, "TCP SYN %s -> %s:2425", d->self_s, p->addr_s);
	snprintf(v->direction, sizeof v->direction, "this host %s -> %s", d->self_s, p->addr_s);
	snprintf(v->device, sizeof v->device, "%s (the PC itself)", p->addr_s);
	ct_doc_add_host(v, p->addr_s);
	if (refused && p->tcp_reply.kind == CT_RK_ICMP)
		set_icmp(v, &p->tcp_reply);
	if (refused)
		ct_doc_setf(&v->finding, "Messages work (its messenger answers on UDP 2425) but the PC %s itself refuses "
			"TCP 2425 (%s from %s): its firewall or security software rejects file transfers (every IP "
			"Messenger program accepts them on TCP 2425). File and folder transfers would fail.", p->addr_s,
			p->tcp_reply.kind == CT_RK_ICMP ? "ICMP port unreachable" : "a TCP reset", p->addr_s);
	else
		ct_doc_setf(&v->finding, "Only this PC fails on TCP 2425: %s does not answer a TCP SYN to port 2425 while "
			"another user of its network accepts it from here. A firewall or security software on %s drops "
			"file transfers. File and folder transfers would fail.", p->addr_s, p->addr_s);
	ct_doc_setf(&v->fix, "On the PC %s: allow TCP 2425 inbound in its firewall / security software for the IP "
		"Messenger program.", p->addr_s);
	ct_doc_suggest(v, "camtrace probe %s", p->addr_s);
}

/* The address that answered at TTL hop in any route trace to dst (0 unknown): a RST forged in
 * the target's name shows its sender by distance only, the trace names who sits there. */
static uint32_t hop_addr_of(const struct ct_doctor *d, uint32_t dst, int hop)
{
	for (int i = 0; hop > 0 && i < d->ntr; i++) {
		const struct ct_doc_trace *t = &d->tr[i];
		if (!t->done || t->dst != dst || t->res.family == AF_INET6)
			continue;
		for (int k = 0; k < t->res.nhops; k++)
			if (t->res.hops[k].ttl == hop && t->res.hops[k].naddr == 1 && t->res.hops[k].addr[0] != dst)
				return t->res.hops[k].addr[0];
	}
	return 0;
}

static void verdict_tcp(struct ct_doctor *d, const struct ct_doc_probe *p)
{
	struct ct_doc_verdict *v = &d->v;
	const struct ct_doc_trace *t = find_trace(d, p->addr, CT_ROUTE_TCP);
	char where[300];

	v->cls = CT_DOC_TCP_BLOCKED;
	snprintf(v->protocol, sizeof v->protocol, "tcp");
	snprintf(v->ports, sizeof v->ports, "2425");
	snprintf(v->packet, sizeof v->packet, "TCP SYN %s -> %s:2425", d->self_s, p->addr_s);
	snprintf(v->direction, sizeof v->direction, "this host %s -> %s", d->self_s, p->addr_s);
	ct_doc_add_host(v, p->addr_s);
	if (p->tcp_judge == CT_DOC_TCP_FORGED_RST) {
		/* the RST carries the target's address: the device is known by its distance only */
		uint32_t at = hop_addr_of(d, p->addr, p->tcp_hop);
		v->hop = p->tcp_hop;
		if (v->hop && at) {
			ct_doc_ip_s(at, v->hop_addr);
			snprintf(v->device, sizeof v->device, "%s (hop %d)", v->hop_addr, v->hop);
		} else if (v->hop)
			snprintf(v->device, sizeof v->device, "the device at hop %d", v->hop);
		else
			snprintf(v->device, sizeof v->device, "a device between %s and %s", d->self_s, p->addr_s);
		snprintf(where, sizeof where, "reset by a device on the path (a TCP RST in the name of %s that arrives "
			"with TTL %d, from hop %d, while %s itself answers with TTL %d)", p->addr_s, p->tcp_reply.ttl,
			p->tcp_hop, p->addr_s, p->udp.reply_ttl);
		if (t && t->res.verdict == CT_RV_REJECTED && t->res.verdict_reply.kind == CT_RK_ICMP)
			locate(d, t, NULL, where, sizeof where);
	} else
		locate(d, t, p->tcp_answered && p->tcp_reply.kind == CT_RK_ICMP ? &p->tcp_reply : NULL, where,
			sizeof where);
	ct_doc_setf(&v->finding, "Messages work (UDP 2425 answers) but TCP 2425 to %s does not: %s. File and folder "
		"transfers would fail.", p->addr_s, where);
	ct_doc_setf(&v->fix, "On %s: allow TCP 2425 in both directions between %s and %s (file transfers connect to "
		"TCP 2425 of the sender).", v->device, d->self_s, p->addr_s);
	ct_doc_suggest(v, "camtrace route --tcp %s", p->addr_s);
}

/* --deep: clear messages reach the user, encrypted ones cannot */
static void verdict_encryption(struct ct_doctor *d, struct ct_doc_user *u)
{
	struct ct_doc_verdict *v = &d->v;
	char fix[600];

	v->cls = CT_DOC_ENCRYPTION;
	snprintf(v->protocol, sizeof v->protocol, "udp");
	snprintf(v->ports, sizeof v->ports, "2425");
	snprintf(v->device, sizeof v->device, "%s (the PC itself)", u->addr_s);
	snprintf(v->direction, sizeof v->direction, "this host %s -> %s", d->self_s, u->addr_s);
	snprintf(v->packet, sizeof v->packet, "SENDMSG|ENCRYPTOPT UDP %s -> %s:2425", d->self_s, u->addr_s);
	ct_doc_add_host(v, u->addr_s);
	ct_doc_setf(&v->finding, "Messages reach %s in the clear, but encrypted ones cannot (%s): %s.", u->addr_s,
		u->deep.enc, u->deep.text);
	ct_doc_deep_fix(u, fix, sizeof fix);
	ct_doc_setf(&v->fix, "%s", fix);
	ct_doc_suggest(v, "camtrace send --encrypt require %s -- test", u->addr_s);
}

static void verdict_rtp(struct ct_doctor *d, struct ct_doc_user *u)
{
	struct ct_doc_verdict *v = &d->v;
	const struct ct_doc_trace *t = find_trace(d, u->addr, CT_ROUTE_RTP);
	char where[300];
	int first = 0, last = 0;
	const struct ct_reply *icmp = NULL;

	for (int k = 0; k < u->rtp_done; k++)
		if (u->rtp[k].state == CT_PORT_FILTERED || u->rtp[k].state == CT_PORT_OPEN_FILTERED) {
			if (!first)
				first = u->rtp[k].port;
			last = u->rtp[k].port;
			if (u->rtp[k].icmp_seen && !icmp)
				icmp = &u->rtp[k].icmp;
		}
	v->cls = CT_DOC_RTP_BLOCKED;
	snprintf(v->protocol, sizeof v->protocol, "rtp");
	if (first == last)
		snprintf(v->ports, sizeof v->ports, "%d", first);
	else
		snprintf(v->ports, sizeof v->ports, "%d-%d", first, last);
	snprintf(v->packet, sizeof v->packet, "RTP (PCMU) UDP %s -> %s:%s", d->self_s, u->addr_s, v->ports);
	snprintf(v->direction, sizeof v->direction, "this host %s -> %s", d->self_s, u->addr_s);
	ct_doc_add_host(v, u->addr_s);
	locate(d, t, icmp, where, sizeof where);
	ct_doc_setf(&v->finding, "Messages work but the voice/video RTP ports UDP %s to %s are "
		"blocked: %s. Calls would connect without sound or picture.", v->ports, u->addr_s, where);
	ct_doc_setf(&v->fix, "On %s: allow UDP %s in both directions between %s and %s (RTP media).",
		v->device, v->ports, d->self_s, u->addr_s);
	ct_doc_suggest(v, "camtrace rtp --ports %s %s", v->ports, u->addr_s);
}

/* This host reaches the user and the server, but the path between them fails (the cooperative
 * checks: the user's camtraced toward the server, the server's toward the user). */
static void verdict_pair(struct ct_doctor *d, struct ct_doc_user *u, int tcp)
{
	struct ct_doc_verdict *v = &d->v;
	int up, down;
	const char *proto = tcp ? "TCP" : "UDP";
	char icmp[200] = "", legs[200] = "";

	ct_doc_pair_dirs(u, tcp, &up, &down);
	if (!tcp && up && !down && ct_doc_pair_fails(&u->s2u, 0))
		snprintf(legs, sizeof legs, " The user's camtraced heard the server's GETINFO: server -> user carries it, "
			"the way user -> server loses it.");
	else if (!tcp && down && !up && ct_doc_pair_fails(&u->u2s, 0))
		snprintf(legs, sizeof legs, " The user's camtraced heard nothing from the server meanwhile: server -> "
			"user loses it (user -> server cannot be told apart).");

	v->cls = CT_DOC_USER_SERVER_PATH;
	snprintf(v->protocol, sizeof v->protocol, "%s", tcp ? "tcp" : "udp");
	snprintf(v->ports, sizeof v->ports, "2425");
	ct_doc_add_host(v, u->addr_s);
	ct_doc_add_host(v, d->server_s);
	if (up && down)
		snprintf(v->direction, sizeof v->direction, "user %s <-> server %s (both directions)", u->addr_s,
			d->server_s);
	else if (up)
		snprintf(v->direction, sizeof v->direction, "user %s -> server %s", u->addr_s, d->server_s);
	else
		snprintf(v->direction, sizeof v->direction, "server %s -> user %s", d->server_s, u->addr_s);
	if (tcp)
		snprintf(v->packet, sizeof v->packet, "TCP SYN %s -> %s:2425", up ? u->addr_s : d->server_s,
			up ? d->server_s : u->addr_s);
	else
		snprintf(v->packet, sizeof v->packet, "GETINFO, UDP %s:2425 -> %s:2425 (sent by %s's camtraced)",
			up ? u->addr_s : d->server_s, up ? d->server_s : u->addr_s, up ? "the user" : "the server");
	{
		const struct ct_coop_result *r = up ? &u->u2s.res : &u->s2u.res;
		if (!tcp && r->udp == CT_COOP_UDP_ICMP) {
			struct in_addr in = { .s_addr = r->icmp_from };
			v->icmp_type = r->icmp_type;
			v->icmp_code = r->icmp_code;
			snprintf(v->icmp_name, sizeof v->icmp_name, "%s", ct_icmp_name(AF_INET, r->icmp_type, r->icmp_code));
			inet_ntop(AF_INET, &in, v->hop_addr, sizeof v->hop_addr);
			snprintf(icmp, sizeof icmp, " (ICMP %s from %s)", v->icmp_name, v->hop_addr);
		}
	}
	snprintf(v->device, sizeof v->device, "%s", v->hop_addr[0] ? v->hop_addr :
		"the routers / firewalls between the user and the server");
	ct_doc_setf(&v->finding, "This host reaches both the user %s and the server %s, but %s 2425 between them "
		"fails%s.%s%s%s%s%s%s%s The user drops out of the server's view although its own network and PC are fine.",
		u->addr_s, d->server_s, proto, icmp, legs, up ? " Started by the user: " : "",
		up && u->u2s.text ? u->u2s.text : "", up ? "." : "", down ? " Started by the server: " : "",
		down && u->s2u.text ? u->s2u.text : "", down ? "." : "");
	ct_doc_setf(&v->fix, "On %s: allow %s 2425 in both directions between %s and %s (source and "
		"destination port 2425%s); then trace it from one of them: camtrace route --%s %s.", v->device, proto,
		u->addr_s, d->server_s, tcp ? ", file transfers" : ": messages and presence", tcp ? "tcp" : "udp",
		up ? d->server_s : u->addr_s);
	ct_doc_suggest(v, "camtrace route --%s %s", tcp ? "tcp" : "udp", up ? d->server_s : u->addr_s);
}

static int users_probed(const struct ct_doctor *d)
{
	for (int i = 0; i < d->nusers; i++)
		if (d->u[i].self.udp_done)
			return 1;
	return 0;
}

/* Not listed by a server that reaches its network, yet this host reaches it: what is left is
 * the path between the user and the server (or its program not answering the server). */
static void verdict_unlisted(struct ct_doctor *d, struct ct_doc_user *u)
{
	struct ct_doc_verdict *v = &d->v;

	v->cls = CT_DOC_USER_SERVER_PATH;
	snprintf(v->protocol, sizeof v->protocol, "udp");
	snprintf(v->ports, sizeof v->ports, "2425");
	snprintf(v->direction, sizeof v->direction, "server %s -> user %s", d->server_s, u->addr_s);
	snprintf(v->packet, sizeof v->packet, "BR_ENTRY (notify), UDP %s:2425 -> %s:2425", d->server_s, u->addr_s);
	snprintf(v->device, sizeof v->device, "the routers / firewalls between the user and the server");
	ct_doc_add_host(v, u->addr_s);
	ct_doc_add_host(v, d->server_s);
	ct_doc_setf(&v->finding, "The server %s does not list %s although it reaches that network, while this host "
		"reaches %s on UDP 2425: the server's notification or the user's answer is lost between them.",
		d->server_s, u->addr_s, u->addr_s);
	ct_doc_setf(&v->fix, "Check UDP 2425 in both directions between %s and %s (trace it from the server: "
		"camtrace route --udp %s); with `rtp_echo = yes` and `coop = yes` on the user's camtraced, camtrace "
		"doctor checks that path itself.", u->addr_s, d->server_s, u->addr_s);
	ct_doc_suggest(v, "camtrace route --udp %s", u->addr_s);
}

static int pairs_checked(const struct ct_doctor *d)
{
	int n = 0;

	for (int i = 0; i < d->nusers; i++)
		n += d->u[i].u2s.checked || d->u[i].s2u.checked;
	return n;
}

static void conclude(struct ct_doctor *d)
{
	struct ct_doc_verdict *v = &d->v;
	char where[300];

	if (v->cls == CT_DOC_NO_SERVER) {
		ct_doc_setf(&v->finding, "No list server could be found: none answered BR_ISGETLIST2 "
			"on this segment and none is configured here.");
		ct_doc_setf(&v->fix, "Give the server with --server NAME-OR-ADDRESS (or set `server = ...` "
			"in camtraced.conf), then run camtrace doctor again.");
		return;
	}
	if (v->cls == CT_DOC_NOT_DISCOVERED) {
		ct_doc_setf(&v->finding, "The server %s does not see the unstable user(s) at all: they "
			"are on another network, and broadcasts do not cross routers.", d->server_s);
		if (v->config_line[0])
			ct_doc_setf(&v->fix, "Add `%s` to the server's camtraced.conf and restart it "
				"(other-network notification); or set `server = %s` on a client in their network; or "
				"search it once (camtrace search %s).", v->config_line, d->server_s, v->config_line + 9);
		if (v->config_line[0])
			ct_doc_suggest(v, "camtrace search %s", v->config_line + 9);
		else
			ct_doc_setf(&v->fix, "Find the users' network (ask for their address) and add "
				"`notify = A.B.C.*` for it to the server's camtraced.conf.");
		snprintf(v->device, sizeof v->device, "%s (the server's configuration)", d->server_s);
		return;
	}
	/* with the server's control socket the list comes without UDP: this host may still not reach
	 * the server on UDP 2425 (a user at another site than the server, the router in between) */
	if (v->cls != CT_DOC_SERVER_UNREACHABLE && !d->on_server && d->server_probe.udp_done &&
	    d->server_probe.udp.state != CT_PORT_OPEN && d->server_probe.udp.state != CT_PORT_UNKNOWN)
		v->cls = CT_DOC_SERVER_UNREACHABLE;
	if (v->cls == CT_DOC_SERVER_UNREACHABLE) {
		const struct ct_doc_probe *p = &d->server_probe;
		if (p->udp_done && p->udp.state == CT_PORT_OPEN) {
			ct_doc_setf(&v->finding, "The server %s answers on UDP 2425 but refuses to give "
				"this host its list (`allow` in its camtraced.conf does not include this network).",
				d->server_s);
			ct_doc_setf(&v->fix, "Add this host's network to `allow` in the server's camtraced.conf "
				"(e.g. `allow = %s/24`) and reload it.", d->self_s);
			snprintf(v->device, sizeof v->device, "%s (the server's configuration)", d->server_s);
			return;
		}
		locate(d, find_trace(d, d->server, CT_ROUTE_UDP), p->udp_done ? &p->udp.icmp : NULL, where, sizeof where);
		snprintf(v->protocol, sizeof v->protocol, "udp");
		snprintf(v->ports, sizeof v->ports, "2425");
		snprintf(v->packet, sizeof v->packet, "BR_ISGETLIST2 / GETINFO, UDP %s:2425 -> %s:2425", d->self_s,
			d->server_s);
		snprintf(v->direction, sizeof v->direction, "this host %s -> server %s", d->self_s, d->server_s);
		ct_doc_add_host(v, d->server_s);
		ct_doc_setf(&v->finding, "The server %s does not answer this host on UDP 2425: %s.",
			d->server_s, where);
		ct_doc_setf(&v->fix, "Check that camtraced runs on %s, and allow UDP 2425 in both directions "
			"between %s and %s on %s.", d->server_s, d->self_s, d->server_s, v->device);
		return;
	}
	for (int i = 0; i < d->nusers; i++)
		if (d->u[i].addr && d->u[i].self.udp_done && d->u[i].self.udp.state != CT_PORT_OPEN) {
			verdict_udp(d, &d->u[i]);
			return;
		}
	for (int i = 0; i < d->nusers; i++)
		if (ct_doc_pair_fails(&d->u[i].u2s, 0) || ct_doc_pair_fails(&d->u[i].s2u, 0)) {
			verdict_pair(d, &d->u[i], 0);
			return;
		}
	if (d->server_probe.tcp_done && ct_doc_tcp_blocked(&d->server_probe)) {
		verdict_tcp(d, &d->server_probe);
		return;
	}
	for (int i = 0; i < d->nusers; i++)
		if (d->u[i].addr && d->u[i].self.tcp_done && (ct_doc_tcp_blocked(&d->u[i].self) ||
		    ct_doc_tcp_refused_by_pc(&d->u[i].self))) {
			if (ct_doc_tcp_refused_by_pc(&d->u[i].self) || ct_doc_tcp_only_pc(&d->u[i]))
				verdict_tcp_pc(d, &d->u[i]);
			else
				verdict_tcp(d, &d->u[i].self);
			return;
		}
	for (int i = 0; i < d->nusers; i++)
		if (ct_doc_pair_fails(&d->u[i].u2s, 1) || ct_doc_pair_fails(&d->u[i].s2u, 1)) {
			verdict_pair(d, &d->u[i], 1);
			return;
		}
	for (int i = 0; i < d->nusers; i++)
		for (int k = 0; k < d->u[i].rtp_done; k++)
			if (d->u[i].rtp[k].state == CT_PORT_FILTERED || d->u[i].rtp[k].state == CT_PORT_OPEN_FILTERED) {
				verdict_rtp(d, &d->u[i]);
				return;
			}
	for (int i = 0; i < d->nusers; i++)
		if (d->u[i].unlisted_reached && d->u[i].addr) {
			verdict_unlisted(d, &d->u[i]);
			return;
		}
	for (int i = 0; i < d->nusers; i++)
		if (ct_doc_deep_problem(&d->u[i])) {
			verdict_encryption(d, &d->u[i]);
			return;
		}
	if (ct_doc_deep_untested(d)) { /* the paths pass, but what --deep was asked to check was not */
		v->cls = CT_DOC_COULD_NOT_CHECK;
		ct_doc_setf(&v->finding, "The network paths pass, but --deep could not run here: UDP port 2425 is taken "
			"on this machine, so no test message and no encrypted one was sent; whether messages and "
			"encryption work is not known.");
		ct_doc_setf(&v->fix, "Run camtrace doctor --deep from a host where no IP Messenger or camtraced holds "
			"UDP 2425, or stop the program holding it here and run it again.");
		return;
	}
	if (!d->server_probe.udp_done && !users_probed(d) && !(d->on_server && !d->nusers)) {
		v->cls = CT_DOC_COULD_NOT_CHECK;
		ct_doc_setf(&v->finding, "The probes could not run (see the notes).");
		ct_doc_setf(&v->fix, "Run camtrace doctor as root (or with CAP_NET_RAW).");
		return;
	}
	v->cls = CT_DOC_HEALTHY;
	if (d->nusers)
		ct_doc_setf(&v->finding, "Nothing wrong found: the server %s sees the user(s), and UDP "
			"and TCP 2425%s pass in both directions from here%s.", d->server_s, d->av ? " and the RTP ports" : "",
			pairs_checked(d) ? ", and between the users and the server" : "");
	else if (d->on_server)
		ct_doc_setf(&v->finding, "Nothing wrong found: this is the server %s and its camtraced answers; name "
			"the unstable users with --user to check their paths.", d->server_s);
	else
		ct_doc_setf(&v->finding, "Nothing wrong found between this host and the server %s (UDP "
			"and TCP 2425 pass); name the unstable users with --user to check their paths.", d->server_s);
	ct_doc_setf(&v->fix, "Nothing to fix on the network.");
	ct_doc_setf(&v->hint, "If users still drop out, run `camtrace bundle --doctor --capture 60` "
		"while it happens and send the archive.");
	ct_doc_suggest(v, "camtrace bundle --doctor --capture 60");
}

void ct_doc_step_verdict(struct ct_doctor *d, struct ct_doc_step *s)
{
	conclude(d);
	ct_doc_ev(s, "%s", d->v.finding);
	if (d->v.fix)
		ct_doc_ev(s, "fix: %s", d->v.fix);
	if (d->v.hint)
		ct_doc_ev(s, "%s", d->v.hint);
	ct_doc_result(s, d->v.cls == CT_DOC_HEALTHY ? CT_DOC_OK : d->v.cls == CT_DOC_NO_SERVER ||
		d->v.cls == CT_DOC_COULD_NOT_CHECK ? CT_DOC_UNCHECKED : CT_DOC_PROBLEM, "%s", ct_doc_class_key(d->v.cls));
}

static void command(const struct ct_doctor *d, char *buf, size_t len)
{
	(void)d;
	(void)len;
	buf[0] = 0;
}

const struct ct_doc_step_def ct_doc_step_verdict_def = {
	.key = "verdict",
	.title = "Verdict",
	.what = "the finding, its evidence and the fix",
	.command = command,
	.run = ct_doc_step_verdict,
};
