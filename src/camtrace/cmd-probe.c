/* cmd-probe.c: `camtrace probe HOST...`: UDP 2425 application probe, TCP 2425 half-open SYN or connect, cold/warm test. */
#include "config.h"
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "clock.h"
#include "codec.h"
#include "coldwarm.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "node.h"
#include "targets.h"
#include "xfer.h"
#include "cmd.h"
#include "icmpname.h"
#include "inject.h"
#include "out.h"
#include "util.h"
#include "probe-common.h"
#include "probe-ipmsg.h"
#include "probe-msg.h"

struct probe_opts {
	int udp_port, tcp_port, sport;
	int no_udp, no_tcp, connect, cold_warm, getinfo_only, unpriv, tries, family, message;
	double wait;
	int file, bytes;          /* --file: the test transfer of bytes from a camtraced */
};

struct host_res {
	struct ct_app_result udp;
	int udp_err;
	struct ct_probe tcp;
	struct ct_probe tcpp[2];
	struct ct_probe_set tcps;
	int tcp_done, tcp_raw;
	struct ct_tcp_exchange x;
	struct ct_coldwarm cw;
	int cw_done;
	struct ct_msgprobe msg;  /* --message */
	struct ct_xfer_get_result file, file_up; /* --file: download, upload */
	int file_done, file_up_done;
	char err[300];
};

/* The half-open SYN (or connect()) probes of one host, run later with the others'. */
static void tcp_setup(struct ct_prober *pr, const struct pc_target *t, const struct probe_opts *o, struct host_res *h)
{
	struct ct_probe_set *s = &h->tcps;
	int tries = o->tries > 2 ? 2 : o->tries;

	memset(h->tcpp, 0, sizeof h->tcpp);
	pc_set_init(s, &ct_probe_tcp_ops, pr, t, h->tcpp, (size_t)tries);
	s->wait_ns = (uint64_t)(o->wait * 1e9);
	s->gap_ns = s->wait_ns / 4;
	s->stop_on_reply = 1; /* a SYN-ACK or RST ends the step; the retry is for silence and errors */
	for (int i = 0; i < tries; i++) {
		h->tcpp[i].sport = (uint16_t)(33000 + ((unsigned)getpid() + (unsigned)random() % 4096u * 7u + (unsigned)i * 7919u) % 28000);
		h->tcpp[i].dport = (uint16_t)o->tcp_port;
		h->tcpp[i].seq = (uint32_t)random() ^ (uint32_t)ct_mono_ns();
		h->tcpp[i].ip_id = (uint16_t)(0x6000 + (random() & 0xffe) + i);
	}
}

/* SYNs (or connect() attempts) that went out: the retry is moot once one got a SYN-ACK or RST. */
static int tcp_sent(const struct host_res *h)
{
	int n = 0;

	for (size_t i = 0; i < h->tcps.n; i++)
		n += h->tcpp[i].sent > 0;
	return n;
}

static void tcp_result(struct host_res *h)
{
	if (h->tcps.rc != 0) {
		snprintf(h->err, sizeof h->err, "TCP probe: %s", h->tcps.err);
		return;
	}
	h->tcp_done = 1;
	h->tcp_raw = h->tcps.use_raw;
	h->tcp = h->tcpp[0];
	for (size_t i = 0; i < h->tcps.n; i++)
		if (h->tcpp[i].answered) {
			h->tcp = h->tcpp[i];
			break;
		}
}

static const char *udp_reason(const struct pc_target *t, const struct host_res *h, char *buf, size_t len)
{
	const struct ct_app_result *u = &h->udp;

	if (u->host_down)
		pc_host_down_text(&u->icmp, u->icmp_after_ns, t, buf, len);
	else if (u->state == CT_PORT_OPEN)
		snprintf(buf, len, "%s answered %s%s", u->program[0] ? u->program : "an IP Messenger program",
			u->answered_getinfo ? "GETINFO" : "BR_ENTRY|DIALUPOPT",
			u->reply_to_2425 ? " (to port 2425, not to our source port)" : "");
	else if (u->icmp.kind == CT_RK_ICMP)
		pc_icmp_text(&u->icmp, buf, len);
	else if (u->state == CT_PORT_FILTERED && u->control_port)
		snprintf(buf, len, "no answer to %d probe(s) while UDP %u on the same host answers \"port "
			"unreachable\": a firewall drops this port (on the way or at the host; `camtrace route` "
			"shows where)", u->sent, u->control_port);
	else if (u->state == CT_PORT_OPEN_FILTERED)
		snprintf(buf, len, "no answer to %d probe(s) (GETINFO%s): a firewall drops them, or nothing "
			"that speaks IP Messenger listens", u->sent, u->entry_sent ? ", BR_ENTRY|DIALUPOPT" : "");
	else
		snprintf(buf, len, "not probed");
	return buf;
}

/* The TCP probe found the host down: a host unreachable late after the first SYN, or our own. */
static int tcp_host_down(const struct pc_target *t, const struct host_res *h)
{
	const struct ct_probe *p = &h->tcp;

	return p->answered && ct_reply_host_down(&p->reply, UINT64_MAX, t->family, t->src, &t->src6) &&
		ct_probes_host_down(h->tcpp, h->tcps.n, h->tcpp[0].sent_ns, t->family, t->src, &t->src6);
}

static const char *tcp_reason(const struct pc_target *t, const struct host_res *h, char *buf, size_t len)
{
	const struct ct_probe *p = &h->tcp;
	const struct ct_reply *r = &p->reply;
	int rh = ct_ttl_hops(r->ttl);
	char ip[INET6_ADDRSTRLEN];

	if (tcp_host_down(t, h))
		pc_host_down_text(r, p->sent_ns + r->rtt_ns - h->tcpp[0].sent_ns, t, buf, len);
	else if (!p->answered && h->udp.host_down)
		snprintf(buf, len, "no answer to the %s: the host is down (see UDP)", h->tcp_raw ? "SYN" : "connect()");
	else if (!p->answered)
		snprintf(buf, len, "no answer to the %s", h->tcp_raw ? "SYN" : "connect()");
	else if (r->kind == CT_RK_TCP && (r->tcp_flags & CT_TCP_SYN))
		snprintf(buf, len, "SYN-ACK from the target");
	else if (r->kind == CT_RK_TCP && ct_reply_origin(p) == CT_ORIGIN_PATH)
		snprintf(buf, len, "reset by a device on the path at hop %d (TTL %d), not by the target (hop %d)",
			rh + 1, r->ttl, r->target_hops + 1);
	else if (r->kind == CT_RK_TCP && ct_reply_origin(p) == CT_ORIGIN_UNVERIFIED)
		snprintf(buf, len, "RST with the target's address, but could not tell who sent the reset: the "
			"host answered nothing else (no echo reply) to compare its distance (TTL %d) with", r->ttl);
	else if (r->kind == CT_RK_TCP)
		snprintf(buf, len, "RST from the target itself (hop %d, as its other answers)", rh + 1);
	else if (r->kind == CT_RK_ICMP && ct_reply_origin(p) == CT_ORIGIN_PATH) {
		int fam = ct_reply_icmp_family(r);
		const char *tag = ct_icmp_tag(fam, r->icmp_type, r->icmp_code), *from = pc_from(r, ip);
		snprintf(buf, len, "rejected by %s (ICMP%s %s, %u/%u%s%s)", from ? from : "?", fam == CT_ICMP_V6 ? "v6" : "",
			ct_icmp_name(fam, r->icmp_type, r->icmp_code), r->icmp_type, r->icmp_code, tag[0] ? " " : "", tag);
	} else if (r->kind == CT_RK_ICMP)
		pc_icmp_text(r, buf, len);
	else if (r->kind == CT_RK_CONNECT && r->err == ECONNREFUSED)
		snprintf(buf, len, "connection refused (a RST; without raw sockets camtrace cannot tell whether "
			"the target or a device on the path sent it)");
	else if (r->kind == CT_RK_CONNECT)
		snprintf(buf, len, "%s", r->err ? strerror(r->err) : "connected");
	else
		snprintf(buf, len, "?");
	return buf;
}

static const char *tcpx_name(enum ct_tcpx_outcome o)
{
	static const char *const n[] = { "none", "closed", "reset", "data", "silent" };

	return (unsigned)o < CT_ARRAY_LEN(n) ? n[o] : "none";
}

static void cw_json(struct ct_json *j, const struct ct_coldwarm *cw)
{
	struct ct_json *c = ct_json_add_obj(j, "cold_warm");

	ct_json_add_str(c, "verdict", ct_coldwarm_key(cw->verdict));
	ct_json_add_bool(c, "cold_answered", cw->cold_answered);
	ct_json_add_bool(c, "warm_answered", cw->warm_answered);
	ct_json_add_str(c, "explanation", cw->why);
}

/* The UDP answer as a probe (for its responder): the application's answer, else the ICMP error. */
static void udp_as_probe(const struct pc_target *t, const struct ct_app_result *r, struct ct_probe *p)
{
	memset(p, 0, sizeof *p);
	p->sent = 1;
	p->family = t->family == AF_INET6 ? AF_INET6 : 0;
	p->dst = t->addr;
	p->dst6 = t->addr6;
	p->reply.ttl = -1;
	if (r->state == CT_PORT_OPEN) {
		p->answered = 1;
		p->reply.kind = CT_RK_UDP;
		p->reply.family = p->family;
		p->reply.from = t->addr;
		p->reply.from6 = t->addr6;
		p->reply.ttl = r->reply_ttl;
	} else if (r->icmp.kind == CT_RK_ICMP) {
		p->answered = 1;
		p->reply = r->icmp;
	}
}

/* The TTL of an answer the target itself sent in the UDP probe (its distance), 0 unknown. */
static int udp_target_ttl(const struct pc_target *t, const struct ct_app_result *r)
{
	struct ct_probe p;

	udp_as_probe(t, r, &p);
	if (p.answered && p.reply.ttl > 0 && ct_reply_origin(&p) == CT_ORIGIN_TARGET)
		return p.reply.ttl;
	p.reply = r->control;
	p.answered = r->control.kind == CT_RK_ICMP;
	if (p.answered && p.reply.ttl > 0 && ct_reply_origin(&p) == CT_ORIGIN_TARGET)
		return p.reply.ttl;
	return 0;
}

/* --message: "message" {packetno, delivered, tries, rtt_ms, first_ms, auto_reply, decrypt_err}, else null */
static void msg_json(struct ct_json *j, const struct host_res *h, const struct probe_opts *o)
{
	const struct ct_msgprobe *m = &h->msg;
	struct ct_json *u;

	if (!o->message || !m->packetno) {
		ct_json_add_null(j, "message");
		return;
	}
	u = ct_json_add_obj(j, "message");
	ct_json_add_int(u, "packetno", m->packetno);
	ct_json_add_bool(u, "delivered", m->answered);
	ct_json_add_int(u, "tries", m->tries);
	if (m->answered) {
		ct_json_add_num(u, "rtt_ms", pc_ms(m->rtt_ns));
		ct_json_add_num(u, "first_ms", pc_ms(m->first_ns));
	} else {
		ct_json_add_null(u, "rtt_ms");
		ct_json_add_null(u, "first_ms");
	}
	if (m->auto_reply)
		ct_json_add_str(u, "auto_reply", m->auto_text);
	else
		ct_json_add_null(u, "auto_reply");
	ct_json_add_bool(u, "decrypt_err", m->decrypt_err);
	if (m->send_errno)
		ct_json_add_str(u, "error", strerror(m->send_errno));
	else
		ct_json_add_null(u, "error");
}
static void file_json(struct ct_json *j, const struct host_res *h, const struct probe_opts *o);

static void json_host(struct ct_json *arr, const struct pc_target *t, const struct host_res *h, const struct probe_opts *o)
{
	struct ct_json *j = ct_json_add_obj(arr, NULL), *u, *c;
	struct ct_probe up;
	char buf[300];

	ct_json_add_str(j, "target", t->name);
	ct_json_add_str(j, "family", !t->resolved ? NULL : t->family == AF_INET6 ? "ipv6" : "ipv4");
	ct_json_add_str(j, "address", t->resolved ? t->addr_s : NULL);
	ct_json_add_str(j, "local_address", t->routed ? t->src_s : NULL);
	ct_json_add_str(j, "interface", t->ifname[0] ? t->ifname : NULL);
	ct_json_add_str(j, "error", t->err[0] ? t->err : h->err[0] ? h->err : NULL);
	ct_json_add_bool(j, "host_down", (!o->no_udp && h->udp.host_down) || (!o->no_tcp && h->tcp_done && tcp_host_down(t, h)));
	if (o->no_udp || !t->resolved || t->err[0]) {
		ct_json_add_null(j, "udp");
	} else {
		const struct ct_app_result *r = &h->udp;
		u = ct_json_add_obj(j, "udp");
		ct_json_add_int(u, "port", o->udp_port);
		ct_json_add_int(u, "source_port", r->sport);
		ct_json_add_str(u, "state", ct_port_state_key(r->state));
		ct_json_add_str(u, "reason", udp_reason(t, h, buf, sizeof buf));
		ct_json_add_str(u, "answered", r->answered_getinfo ? "getinfo" : r->answered_entry ? "br_entry" : NULL);
		ct_json_add_int(u, "probes_sent", r->sent);
		ct_json_add_bool(u, "br_exit_sent", r->exit_sent);
		udp_as_probe(t, r, &up);
		pc_json_responder(u, "responder", &up);
		pc_json_icmp(u, "icmp", &r->icmp);
		ct_json_add_str(u, "program", r->state == CT_PORT_OPEN ? r->program : NULL);
		ct_json_add_str(u, "version", r->state == CT_PORT_OPEN ? r->version : NULL);
		ct_json_add_str(u, "user", r->state == CT_PORT_OPEN ? r->user : NULL);
		ct_json_add_str(u, "host", r->state == CT_PORT_OPEN ? r->host : NULL);
		ct_json_add_str(u, "nick", r->state == CT_PORT_OPEN && r->nick[0] ? r->nick : NULL);
		ct_json_add_str(u, "group", r->state == CT_PORT_OPEN && r->group[0] ? r->group : NULL);
		ct_json_add_bool(u, "reply_to_port_2425", r->reply_to_2425);
		if (r->control_port) {
			struct ct_json *cj = ct_json_add_obj(u, "control");
			ct_json_add_int(cj, "port", r->control_port);
			ct_json_add_bool(cj, "answered", r->control.kind != CT_RK_NONE);
			pc_json_icmp(cj, "icmp", &r->control);
		} else {
			ct_json_add_null(u, "control");
		}
		if (r->state == CT_PORT_OPEN || (r->icmp.kind && !r->host_down))
			ct_json_add_num(u, "rtt_ms", pc_ms(r->rtt_ns));
		else
			ct_json_add_null(u, "rtt_ms");
	}
	if (o->no_tcp || !t->resolved || !h->tcp_done) {
		ct_json_add_null(j, "tcp");
	} else {
		enum ct_port_state st = ct_probe_tcp_state(&h->tcp);
		u = ct_json_add_obj(j, "tcp");
		ct_json_add_int(u, "port", o->tcp_port);
		ct_json_add_str(u, "method", h->tcp_raw ? "syn" : "connect");
		ct_json_add_int(u, "probes_sent", tcp_sent(h));
		ct_json_add_str(u, "state", ct_port_state_key(st));
		ct_json_add_str(u, "reason", tcp_reason(t, h, buf, sizeof buf));
		pc_json_responder(u, "responder", &h->tcp);
		pc_json_icmp(u, "icmp", &h->tcp.reply);
		if (h->tcp.answered && !tcp_host_down(t, h))
			ct_json_add_num(u, "rtt_ms", pc_ms(h->tcp.reply.rtt_ns));
		else
			ct_json_add_null(u, "rtt_ms");
		if (o->connect) {
			c = ct_json_add_obj(u, "exchange");
			ct_json_add_bool(c, "connected", h->x.connected);
			ct_json_add_str(c, "connect_error", h->x.connected ? NULL : strerror(h->x.connect_errno));
			ct_json_add_bool(c, "request_sent", h->x.request_sent);
			ct_json_add_str(c, "outcome", tcpx_name(h->x.outcome));
			ct_json_add_int(c, "bytes", (int64_t)h->x.dlen);
		} else {
			ct_json_add_null(u, "exchange");
		}
	}
	if (o->cold_warm && h->cw_done)
		cw_json(j, &h->cw);
	else
		ct_json_add_null(j, "cold_warm");
	msg_json(j, h, o);
	file_json(j, h, o);
}

static void text_file(const struct ct_cli *cli, const char *what, const struct ct_xfer_get_result *f)
{
	if (f->state == CT_XFER_G_DONE)
		printf("  %-10s %s%-13s%s %llu bytes in %llu ms: %.1f Mbit/s\n", what, out_c(cli, "ok"), "done",
			out_c(cli, "reset"), (unsigned long long)f->bytes, (unsigned long long)f->ms,
			f->ms ? (double)f->bytes * 8 / 1000.0 / (double)f->ms : 0);
	else
		printf("  %-10s %s%-13s%s %s\n", what, out_c(cli, "bad"), ct_xfer_gstate_name(f->state),
			out_c(cli, "reset"), f->error);
}

static void text_host(const struct ct_cli *cli, const struct pc_target *t, const struct host_res *h, const struct probe_opts *o)
{
	char buf[300];
	const char *c;

	if (!t->resolved || t->err[0]) {
		printf("%s: %s%s%s\n", t->name, out_c(cli, "bad"), t->err, out_c(cli, "reset"));
		return;
	}
	printf("%s (%s) via %s on %s\n", t->name, t->addr_s, t->src_s, t->ifname[0] ? t->ifname : "?");
	if (h->err[0])
		printf("  %s\n", h->err);
	if (!o->no_udp) {
		c = h->udp.state == CT_PORT_OPEN ? "ok" : h->udp.state == CT_PORT_OPEN_FILTERED ? "warn" : "bad";
		printf("  udp/%-5d %s%-13s%s %s", o->udp_port, out_c(cli, c), ct_port_state_name(h->udp.state),
			out_c(cli, "reset"), udp_reason(t, h, buf, sizeof buf));
		if (h->udp.state == CT_PORT_OPEN || (h->udp.icmp.kind && !h->udp.host_down))
			printf(", rtt %.2f ms", pc_ms(h->udp.rtt_ns));
		printf("\n");
		if (h->udp.state == CT_PORT_OPEN && (h->udp.user[0] || h->udp.nick[0]))
			printf("            user %s@%s%s%s\n", h->udp.user, h->udp.host,
				h->udp.nick[0] ? ", nick " : "", h->udp.nick);
	}
	if (!o->no_tcp && h->tcp_done) {
		enum ct_port_state st = ct_probe_tcp_state(&h->tcp);
		c = st == CT_PORT_OPEN ? "ok" : "bad";
		printf("  tcp/%-5d %s%-13s%s %s (%s)", o->tcp_port, out_c(cli, c), ct_port_state_name(st),
			out_c(cli, "reset"), tcp_reason(t, h, buf, sizeof buf), h->tcp_raw ? "half-open SYN" : "connect()");
		if (h->tcp.answered && !tcp_host_down(t, h))
			printf(", rtt %.2f ms", pc_ms(h->tcp.reply.rtt_ns));
		printf("\n");
		if (o->connect)
			printf("            connect: %s; after a GETFILEDATA request the peer %s\n",
				h->x.connected ? "established" : strerror(h->x.connect_errno),
				!h->x.connected ? "was not asked" : h->x.outcome == CT_TCPX_CLOSED ? "closed the connection (an IP Messenger listener does this)" :
				h->x.outcome == CT_TCPX_RESET ? "reset the connection" :
				h->x.outcome == CT_TCPX_DATA ? "sent data" : "stayed silent");
	}
	if (o->message && h->msg.packetno)
		printf("  message    %s%-13s%s %s after %d SENDMSG (a camtrace test message), rtt %.2f ms%s\n",
			out_c(cli, h->msg.answered ? "ok" : "bad"), h->msg.answered ? "delivered" : "not_delivered",
			out_c(cli, "reset"), h->msg.answered ? "RECVMSG" : "no RECVMSG", h->msg.tries,
			h->msg.answered ? pc_ms(h->msg.rtt_ns) : 0.0, h->msg.decrypt_err ? ", AutoReply(DecryptErr)" :
			h->msg.auto_reply ? " (absence reply)" : "");
	if (o->cold_warm && h->cw_done)
		printf("  cold/warm  %s%-13s%s cold %s, warm %s: %s\n",
			out_c(cli, h->cw.verdict == CT_CW_OK ? "ok" : "bad"), ct_coldwarm_key(h->cw.verdict),
			out_c(cli, "reset"), h->cw.cold_answered ? "answered" : "silent",
			h->cw.warm_answered ? "answered" : "silent", h->cw.why);
	if (o->file && h->file_done)
		text_file(cli, "file", &h->file);
	if (o->file && h->file_up_done)
		text_file(cli, "file up", &h->file_up);
}

static int host_ok(const struct host_res *h, const struct pc_target *t, const struct probe_opts *o)
{
	if (!t->resolved || t->err[0] || h->err[0])
		return 0;
	if (!o->no_udp && h->udp.state != CT_PORT_OPEN)
		return 0;
	if (!o->no_tcp && (!h->tcp_done || ct_probe_tcp_state(&h->tcp) != CT_PORT_OPEN))
		return 0;
	if (o->cold_warm && h->cw_done && h->cw.verdict != CT_CW_OK)
		return 0;
	if (o->message && !h->msg.answered)
		return 0;
	/* an upload that could not run here (not_tested) says nothing against the host */
	if (o->file && (!h->file_done || h->file.state != CT_XFER_G_DONE || !h->file_up_done ||
		(h->file_up.state != CT_XFER_G_DONE && h->file_up.state != CT_XFER_G_NOT_TESTED)))
		return 0;
	return 1;
}

/* Every probe the options ask for, on every host: the UDP and TCP probes of all hosts at once. */
static void probe_hosts(const struct probe_opts *o, struct ct_prober *pr, struct ct_coldwarm_links *links,
	const struct pc_target *t, struct host_res *h, int n)
{
	struct ct_app_opts *ao = calloc((size_t)n, sizeof *ao);
	struct ct_app_job *jobs = calloc((size_t)n, sizeof *jobs);
	struct ct_probe_set **sets = calloc((size_t)n, sizeof *sets);
	int *idx = calloc((size_t)n, sizeof *idx), k = 0;

	if (!ao || !jobs || !sets || !idx) {
		for (int i = 0; i < n; i++)
			snprintf(h[i].err, sizeof h[i].err, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!t[i].resolved || t[i].err[0])
			continue;
		idx[k++] = i;
		if (o->cold_warm && t[i].family == AF_INET6)
			ct_coldwarm_run6(pr, links, t[i].ifname, &t[i].addr6, &t[i].src6, (uint16_t)o->udp_port,
				(uint64_t)(o->wait * 1e9), &h[i].cw);
		else if (o->cold_warm)
			ct_coldwarm_run(pr, links, t[i].ifname, t[i].addr, t[i].src, (uint16_t)o->udp_port,
				(uint64_t)(o->wait * 1e9), &h[i].cw);
		h[i].cw_done = o->cold_warm;
	}
	if (!o->no_udp) {
		for (int x = 0; x < k; x++) {
			const struct pc_target *ti = &t[idx[x]];
			ao[x] = (struct ct_app_opts){ .dport = (uint16_t)o->udp_port, .sport = (uint16_t)o->sport,
				.tries = o->tries, .wait_ns = (uint64_t)(o->wait * 1e9), .no_entry = o->getinfo_only,
				.use_raw = ti->family == AF_INET6 ? pr->raw6 : pr->raw, .family = ti->family,
				.dst6 = ti->addr6, .src = ti->src, .src6 = ti->src6 };
			jobs[x] = (struct ct_app_job){ .dst = ti->addr, .o = &ao[x] };
		}
		(void)ct_app_probe_many(pr, jobs, (size_t)k);
		for (int x = 0; x < k; x++) {
			h[idx[x]].udp = jobs[x].res;
			if (jobs[x].rc)
				snprintf(h[idx[x]].err, sizeof h[idx[x]].err, "UDP probe: %s", jobs[x].err);
		}
	}
	if (!o->no_tcp) {
		for (int x = 0; x < k; x++) {
			tcp_setup(pr, &t[idx[x]], o, &h[idx[x]]);
			if (!o->no_udp)
				h[idx[x]].tcps.target_ttl = udp_target_ttl(&t[idx[x]], &h[idx[x]].udp);
			if (h[idx[x]].tcps.target_ttl > 0)
				/* the host answered: it is up (no late host unreachable), only silence to time */
				ct_probe_adapt_silence(&h[idx[x]].tcps, h[idx[x]].udp.rtt_ns);
			else if (o->no_udp || !h[idx[x]].udp.host_down) /* silence: wait for a late host unreachable */
				h[idx[x]].tcps.silent_until_ns = ct_mono_ns() + CT_PROBE_ARP_NS;
			sets[x] = &h[idx[x]].tcps;
		}
		(void)ct_probe_run_many(sets, (size_t)k);
		for (int x = 0; x < k; x++) {
			const struct pc_target *ti = &t[idx[x]];
			struct host_res *hi = &h[idx[x]];
			tcp_result(hi);
			if (o->connect && ti->family == AF_INET6)
				ct_tcp_exchange6(&ti->addr6, (uint16_t)o->tcp_port, (uint64_t)(o->wait * 2e9), &hi->x);
			else if (o->connect)
				ct_tcp_exchange(ti->addr, (uint16_t)o->tcp_port, (uint64_t)(o->wait * 2e9), &hi->x);
		}
	}
	if (o->message && k > 0) {
		struct ct_msgprobe *mv = calloc((size_t)k, sizeof *mv);
		char err[200];
		for (int x = 0; mv && x < k; x++) {
			mv[x].dst = t[idx[x]].addr;
			mv[x].dport = (uint16_t)o->udp_port;
		}
		if (mv && ct_msgprobe_run(pr, mv, (size_t)k, o->tries, (uint64_t)(o->wait * 1e9), err, sizeof err) == 0)
			for (int x = 0; x < k; x++)
				h[idx[x]].msg = mv[x];
		free(mv);
	}
out:
	free(ao);
	free(jobs);
	free(sets);
	free(idx);
}

static void on_file(struct ct_xfer *x, uint64_t id, const struct ct_xfer_get_result *r, void *ud)
{
	struct host_res *h = ud;

	(void)x;
	(void)id;
	h->file = *r;
	h->file_done = 1;
}

static void on_file_up(struct ct_xfer *x, uint64_t id, const struct ct_xfer_get_result *r, void *ud)
{
	struct host_res *h = ud;

	(void)x;
	(void)id;
	h->file_up = *r;
	h->file_up_done = 1;
}

/* --file, up 0: from each IPv4 host, one after the other, the test transfer a camtraced answers
 * (a GETFILEDATA for CT_XFER_PROBE_ID: that many zero bytes over TCP 2425), counted, not written.
 * up 1: the upload test: our node listens on TCP 2425 and serves the test bytes to the hosts
 * probed; each camtraced is asked (CT_XFER_PROBE_UP_ID) to connect back and fetch them. */
static void probe_files(const struct probe_opts *o, const struct pc_target *t, struct host_res *h, int n, int up)
{
	struct ct_evloop *ev = NULL;
	struct ct_hosts *hs = ct_hosts_new();
	struct ct_node *node = NULL;
	struct ct_xfer *x = NULL;
	struct ct_targets allow;
	uint64_t idle = (uint64_t)(o->wait * 5000);
	struct ct_xfer_conf xc = { .idle_ms = up && idle < 2 * CT_XFER_CONNECT_BACK_MS ? 2 * CT_XFER_CONNECT_BACK_MS : idle,
		.probe_allow = up ? &allow : NULL };
	char err[256] = "out of memory";
	enum ct_xfer_gstate fail = CT_XFER_G_ERROR;

	ct_targets_init(&allow, 0);
	for (int i = 0; up && i < n; i++)
		if (t[i].resolved && !t[i].err[0] && t[i].family == AF_INET)
			ct_targets_add_v4net(&allow, ntohl(t[i].addr), 32);
	if (ct_evloop_new(&ev) == 0 && hs && up) {
		/* UDP: any free port (the probe holds 2425); TCP: 2425, where the camtraced connects back */
		struct ct_node_conf nc = { .user = "camtrace", .host = "camtrace", .tcp = 1, .tcp_port = CT_IPMSG_PORT,
			.no_broadcast = 1 };
		for (int k = 0; k < 16 && !node; k++) {
			nc.port = (uint16_t)(40000 + ((unsigned)getpid() + (unsigned)k * 7919u) % 20000);
			if (ct_node_new(&node, ev, hs, &nc, err, sizeof err) != 0 && strstr(err, "cannot bind TCP")) {
				/* in use: not_tested (says nothing of the peer); any other TCP failure is ours: error */
				if (strstr(err, strerror(EADDRINUSE))) {
					snprintf(err, sizeof err, "TCP 2425 here is taken (a camtraced or an IP Messenger "
						"client runs here?): the connection back needs it; stop it, or probe from a "
						"host without one");
					fail = CT_XFER_G_NOT_TESTED;
				}
				break;
			}
		}
	} else if (ev && hs) {
		node = cmd_own_node(ev, hs, 0, err, sizeof err);
	}
	if (!node || ct_xfer_new(&x, node, &xc) != 0) {
		for (int i = 0; i < n; i++) {
			struct ct_xfer_get_result *r = up ? &h[i].file_up : &h[i].file;
			r->state = fail;
			snprintf(r->error, sizeof r->error, "%s", err);
			*(up ? &h[i].file_up_done : &h[i].file_done) = 1;
		}
	}
	for (int i = 0; x && i < n; i++) {
		struct ct_xfer_get_req rq;
		int *done = up ? &h[i].file_up_done : &h[i].file_done;
		if (!t[i].resolved || t[i].err[0] || t[i].family != AF_INET)
			continue;
		memset(&rq, 0, sizeof rq);
		ct_haddr_set_v4(&rq.peer, ntohl(t[i].addr), (uint16_t)o->tcp_port);
		rq.fileid = up ? CT_XFER_PROBE_UP_ID : CT_XFER_PROBE_ID;
		rq.size = (uint64_t)o->bytes;
		rq.discard = 1;
		rq.up = up;
		if (ct_xfer_get(x, &rq, up ? on_file_up : on_file, &h[i], NULL) != 0)
			continue;
		while (!*done)
			ct_evloop_run_once(ev, 100);
	}
	ct_xfer_free(x);
	ct_node_free(node);
	ct_targets_fini(&allow);
	ct_hosts_free(hs);
	ct_evloop_free(ev);
}

static void file_json(struct ct_json *j, const struct host_res *h, const struct probe_opts *o)
{
	struct ct_json *f;

	for (int up = 0; up < 2; up++) {
		const struct ct_xfer_get_result *r = up ? &h->file_up : &h->file;
		if (!o->file || !(up ? h->file_up_done : h->file_done)) {
			ct_json_add_null(j, up ? "file_up" : "file");
			continue;
		}
		f = ct_json_add_obj(j, up ? "file_up" : "file");
		ct_json_add_str(f, "state", ct_xfer_gstate_name(r->state));
		ct_json_add_int(f, "bytes_asked", o->bytes);
		ct_json_add_int(f, "bytes", (int64_t)r->bytes);
		ct_json_add_int(f, "ms", (int64_t)r->ms);
		ct_json_add_num(f, "mbit_s", r->ms ? (double)r->bytes * 8 / 1000.0 / (double)r->ms : 0);
		ct_json_add_str(f, "error", r->error[0] ? r->error : NULL);
	}
}

/* The hosts and their verdicts as text or in the document; returns how many failed. */
static int probe_report(const struct ct_cli *cli, const struct probe_opts *o, const struct ct_prober *pr,
	const struct pc_target *t, const struct host_res *h, int n, struct ct_json *doc)
{
	struct ct_json *arr = NULL;
	int fails = 0;

	if (doc) {
		pc_notes(cli, pr, doc);
		arr = ct_json_add_arr(doc, "hosts");
	}
	for (int i = 0; i < n; i++) {
		if (!host_ok(&h[i], &t[i], o))
			fails++;
		if (doc)
			json_host(arr, &t[i], &h[i], o);
		else
			text_host(cli, &t[i], &h[i], o);
	}
	if (doc) {
		ct_json_add_int(doc, "hosts_failed", fails);
		out_doc_print(doc);
	} else {
		pc_notes(cli, pr, NULL);
	}
	return fails;
}

static int probe_exec(struct ct_cli *cli, void *opts, int n, char **names)
{
	struct probe_opts o = *(const struct probe_opts *)opts;
	struct pc_target *t;
	struct host_res *h;
	struct ct_prober *pr;
	struct ct_json *doc = NULL;
	struct ct_coldwarm_links *links = NULL;
	int fails;

	if (cli->timeout > 0 && cli->timeout < o.wait)
		o.wait = cli->timeout;
	t = pc_hosts(names, n, cli->source, o.family);
	h = calloc((size_t)n, sizeof *h);
	if (!t || !h) {
		free(t);
		free(h);
		return EX_OSERR;
	}
	if (cli->json)
		doc = out_doc_new("probe");
	if (o.cold_warm && !o.unpriv) {
		/* link-layer handles: opened before the privilege drop */
		links = ct_coldwarm_links_new();
		for (int i = 0; i < n; i++)
			ct_coldwarm_links_add(links, t[i].ifname);
	}
	pr = pc_prober(cli, "probe", o.unpriv, CT_PROBER_BIND2425 | pc_families(t, n), doc);
	if (!pr) {
		if (doc)
			out_doc_print(doc);
		ct_coldwarm_links_free(links);
		free(t);
		free(h);
		return EX_NOPERM;
	}
	srandom((unsigned)ct_mono_ns());
	if (cli->progress && n > 1)
		out_progress(cli, "probing", 0, (unsigned long)n);
	probe_hosts(&o, pr, links, t, h, n);
	if (o.file) {
		probe_files(&o, t, h, n, 0);
		probe_files(&o, t, h, n, 1);
	}
	out_progress(cli, "probing", (unsigned long)n, (unsigned long)n);
	fails = probe_report(cli, &o, pr, t, h, n, doc);
	ct_coldwarm_links_free(links);
	ct_prober_close(pr);
	free(t);
	free(h);
	return fails ? CT_EXIT_FAIL : CT_EXIT_OK;
}

#define O(f) offsetof(struct probe_opts, f)
static const struct cmd_opt probe_opts[] = {
	{ "udp-port", 0, CMD_OPT_PORT, O(udp_port), .arg = "N", .help = "UDP port of the application probe (default 2425)" },
	{ "tcp-port", 0, CMD_OPT_PORT, O(tcp_port), .arg = "N", .help = "TCP port of the SYN probe (default 2425)" },
	{ "source-port", 0, CMD_OPT_PORT, O(sport), .arg = "N",
	  .help = "UDP source port (default 2425: iptux answers to 2425 only)" },
	{ "no-udp", 0, CMD_OPT_FLAG, O(no_udp), .help = "skip one of the two probes" },
	{ "no-tcp", 0, CMD_OPT_FLAG, O(no_tcp), .help = NULL },
	{ "getinfo-only", 0, CMD_OPT_FLAG, O(getinfo_only),
	  .help = "never send BR_ENTRY|DIALUPOPT (which adds us to the peer's list)" },
	{ "connect", 0, CMD_OPT_FLAG, O(connect), .help = "also open a full TCP connection and send a GETFILEDATA request" },
	{ "cold-warm", 0, CMD_OPT_FLAG, O(cold_warm), .help = "test inbound UDP before and right after an outbound packet" },
	{ "message", 0, CMD_OPT_FLAG, O(message),
	  .help = "also send a real message (marked as a camtrace test) and wait for its RECVMSG" },
	{ "file", 0, CMD_OPT_FLAG, O(file), .help = "a real transfer over TCP 2425 from a camtraced and back to us, with its throughput" },
	{ "bytes", 0, CMD_OPT_INT, O(bytes), 1, 1073741824, .arg = "N", .help = "with --file: bytes asked (default 10485760)" },
	{ "tries", 0, CMD_OPT_INT, O(tries), 1, 8, .help = "probes per step (default 2)" },
	{ "wait", 0, CMD_OPT_SECONDS, O(wait), 0.05, 60, .help = "wait per step (default 1)" },
	{ "unprivileged", 0, CMD_OPT_FLAG, O(unpriv), .help = "do not use raw sockets even when allowed" },
	PC_FAMILY_OPTS(O(family), "resolve HOST names to IPv4 / IPv6"),
	{ 0 },
};

static const struct probe_opts probe_defaults = {
	.udp_port = CT_IPMSG_PORT, .tcp_port = CT_IPMSG_PORT, .sport = CT_IPMSG_PORT, .tries = 2, .wait = 1.0,
	.bytes = 10485760,
};

const struct cmd_entry cmd_probe_entry = {
	.name = "probe",
	.args = "[OPTIONS] HOST...",
	.summary = "probe UDP and TCP 2425 (nmap states, ICMP type/code and sender, cold/warm test)",
	.help = "states: open, closed, filtered, open|filtered (as nmap). exit: 0 every port open, 1 not.\n",
	.flags = CMD_F_NEEDS_ROOT | CMD_F_SOURCE,
	.opts = probe_opts,
	.opts_size = sizeof(struct probe_opts),
	.opts_defaults = &probe_defaults,
	.arg_name = "HOST",
	.args_min = 1,
	.args_max = -1,
	.exec = probe_exec,
};
