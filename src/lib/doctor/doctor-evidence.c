/* doctor-evidence.c: the evidence of `camtrace doctor`: step lines and results, outcomes in words, the user <-> server judgement. */
#include "config.h"
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "doctor-evidence.h"
#include "codec.h"
#include "icmpname.h"
#include "util.h"

const char *ct_doc_status_key(enum ct_doc_status s)
{
	static const char *const k[] = { "ok", "problem", "skipped", "could_not_check" };

	return (unsigned)s < CT_ARRAY_LEN(k) ? k[s] : "could_not_check";
}

const char *ct_doc_class_key(enum ct_doc_class c)
{
	static const char *const k[] = { "healthy", "no_server", "server_unreachable", "not_discovered",
		"host_firewall", "network_udp", "tcp_blocked", "rtp_blocked", "could_not_check", "user_server_path", "host_down",
		"encryption_mismatch" };

	return (unsigned)c < CT_ARRAY_LEN(k) ? k[c] : "could_not_check";
}

const char *ct_doc_tcp_key(enum ct_doc_tcp t)
{
	static const char *const k[] = { "not_probed", "open", "closed", "silent", "rejected", "forged_rst" };

	return (unsigned)t < CT_ARRAY_LEN(k) ? k[t] : "not_probed";
}

char *ct_doc_vstr(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || !(p = malloc((size_t)n + 1)))
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

void ct_doc_setf(char **dst, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = ct_doc_vstr(fmt, ap);
	va_end(ap);
	free(*dst);
	*dst = p;
}

void ct_doc_ev(struct ct_doc_step *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nev >= CT_DOC_MAX_EV)
		return;
	va_start(ap, fmt);
	s->ev[s->nev] = ct_doc_vstr(fmt, ap);
	va_end(ap);
	if (s->ev[s->nev])
		s->nev++;
}

void ct_doc_result(struct ct_doc_step *s, enum ct_doc_status st, const char *fmt, ...)
{
	va_list ap;

	s->status = st;
	va_start(ap, fmt);
	free(s->result);
	s->result = ct_doc_vstr(fmt, ap);
	va_end(ap);
}

void ct_doc_suggest(struct ct_doc_verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->ncommands >= (int)CT_ARRAY_LEN(v->commands))
		return;
	va_start(ap, fmt);
	vsnprintf(v->commands[v->ncommands++], sizeof v->commands[0], fmt, ap);
	va_end(ap);
}

void ct_doctor_fini(struct ct_doctor *d)
{
	for (int i = 0; i < CT_DOC_NSTEPS; i++) {
		struct ct_doc_step *s = &d->steps[i];
		for (unsigned k = 0; k < s->nev; k++)
			free(s->ev[k]);
		s->nev = 0;
		free(s->result);
		s->result = NULL;
	}
	for (int i = 0; i < CT_DOC_MAX_USERS; i++) {
		free(d->u[i].u2s.text);
		free(d->u[i].s2u.text);
		d->u[i].u2s.text = d->u[i].s2u.text = NULL;
	}
	ct_targets_fini(&d->ctl_notify);
	free(d->v.finding);
	free(d->v.fix);
	free(d->v.hint);
	d->v.finding = d->v.fix = d->v.hint = NULL;
}

const char *ct_doc_ip_s(uint32_t a, char *buf)
{
	struct in_addr in = { .s_addr = a };

	inet_ntop(AF_INET, &in, buf, 16);
	return buf;
}

void ct_doc_net_wildcard(uint32_t addr, char *buf, size_t len)
{
	uint32_t h = ntohl(addr);

	snprintf(buf, len, "%u.%u.%u.*", h >> 24, (h >> 16) & 255, (h >> 8) & 255);
}

void ct_doc_icmp_text(const struct ct_reply *r, char *buf, size_t len)
{
	char f[16];

	snprintf(buf, len, "ICMP %s (%u/%u %s) from %s", ct_icmp_name(AF_INET, r->icmp_type, r->icmp_code),
		r->icmp_type, r->icmp_code, ct_icmp_tag(AF_INET, r->icmp_type, r->icmp_code), ct_doc_ip_s(r->from, f));
}

void ct_doc_udp_text(const struct ct_doc_probe *p, char *buf, size_t len)
{
	const struct ct_app_result *u = &p->udp;
	char t[200];

	if (!p->udp_done)
		snprintf(buf, len, "not probed");
	else if (p->udp_unsolicited)
		snprintf(buf, len, "no answer to the probe on UDP 2425 (a %s of its own came meanwhile, not an answer: "
			"it -> this host carries UDP 2425, this host -> it does not)", ct_codec_cmd_name(u->reply_cmd & 0xffu));
	else if (u->state == CT_PORT_OPEN)
		snprintf(buf, len, "answers on UDP 2425: %s (%s, %.2f ms)", u->program[0] ? u->program : "IP Messenger",
			u->answered_getinfo ? "GETINFO" : "BR_ENTRY|DIALUPOPT", (double)u->rtt_ns / 1e6);
	else if (u->host_down) {
		ct_doc_icmp_text(&u->icmp, t, sizeof t);
		snprintf(buf, len, "no answer on UDP 2425, the host is down or its address unused: %s", t);
	} else if (u->icmp.kind == CT_RK_ICMP) {
		ct_doc_icmp_text(&u->icmp, t, sizeof t);
		snprintf(buf, len, "no answer on UDP 2425: %s", t);
	} else if (u->state == CT_PORT_FILTERED && u->control_port)
		snprintf(buf, len, "silent on UDP 2425 (%d probe(s)) while UDP %u on the same host answers "
			"\"port unreachable\": something drops UDP 2425", u->sent, u->control_port);
	else
		snprintf(buf, len, "silent on UDP 2425 (%d probe(s)): dropped, or no IP Messenger running", u->sent);
}

int ct_doc_ttl_hops(int ttl)
{
	if (ttl <= 0 || ttl > 255)
		return 0;
	return (ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255) - ttl + 1;
}

enum ct_doc_tcp ct_doc_tcp_judge(const struct ct_doc_probe *p)
{
	const struct ct_reply *r = &p->tcp_reply;

	if (!p->tcp_done)
		return CT_DOC_TCP_UNPROBED;
	if (!p->tcp_answered)
		return CT_DOC_TCP_SILENT;
	if (r->kind == CT_RK_ICMP)
		/* only the target's own "port unreachable" says it was reached */
		return r->from == p->addr && r->icmp_type == 3 && r->icmp_code == 3 ? CT_DOC_TCP_CLOSED :
			CT_DOC_TCP_REJECTED;
	if (r->kind == CT_RK_TCP && r->from != p->addr)
		return CT_DOC_TCP_REJECTED;
	if (p->tcp_state == CT_PORT_OPEN)
		return CT_DOC_TCP_OPEN;
	/* a RST with the target's address: the target's, unless it arrives with more TTL left than the
	 * target's own answers (sent by a device nearer than the target, e.g. a firewall's
	 * "reject with tcp reset") */
	if (r->kind == CT_RK_TCP && r->ttl > 0 && p->udp_done && p->udp.state == CT_PORT_OPEN && p->udp.reply_ttl > 0 &&
	    ct_doc_ttl_hops(r->ttl) < ct_doc_ttl_hops(p->udp.reply_ttl))
		return CT_DOC_TCP_FORGED_RST;
	return CT_DOC_TCP_CLOSED;
}

int ct_doc_tcp_blocked(const struct ct_doc_probe *p)
{
	return p->tcp_judge == CT_DOC_TCP_SILENT || p->tcp_judge == CT_DOC_TCP_REJECTED ||
		p->tcp_judge == CT_DOC_TCP_FORGED_RST;
}

int ct_doc_tcp_refused_by_pc(const struct ct_doc_probe *p)
{
	return p->tcp_judge == CT_DOC_TCP_CLOSED && p->udp_done && p->udp.state == CT_PORT_OPEN;
}

int ct_doc_tcp_only_pc(const struct ct_doc_user *u)
{
	if (u->self.tcp_judge != CT_DOC_TCP_SILENT)
		return 0;
	for (int k = 0; k < u->npeers; k++)
		if (u->peers[k].tcp_judge == CT_DOC_TCP_OPEN)
			return 1;
	return 0;
}

void ct_doc_tcp_text(const struct ct_doc_probe *p, char *buf, size_t len)
{
	char t[200], f[16], hop[24] = "";

	if (p->tcp_hop)
		snprintf(hop, sizeof hop, " (hop %d)", p->tcp_hop);
	switch (p->tcp_judge) {
	case CT_DOC_TCP_UNPROBED:
		snprintf(buf, len, "TCP 2425 not probed");
		break;
	case CT_DOC_TCP_SILENT:
		snprintf(buf, len, "TCP 2425: no answer to the SYN (filtered: dropped on the way or at the host)");
		break;
	case CT_DOC_TCP_REJECTED:
		if (p->tcp_reply.kind == CT_RK_ICMP) {
			ct_doc_icmp_text(&p->tcp_reply, t, sizeof t);
			snprintf(buf, len, "TCP 2425: rejected by %s%s%s, %s", ct_doc_ip_s(p->tcp_reply.from, f), hop,
				p->tcp_reply.from == p->addr ? " (the target itself refuses it)" : ", not by the target", t);
		} else
			snprintf(buf, len, "TCP 2425: answered by %s%s, not by the target (filtered)",
				ct_doc_ip_s(p->tcp_reply.from, f), hop);
		break;
	case CT_DOC_TCP_FORGED_RST:
		snprintf(buf, len, "TCP 2425: reset by a device on the path%s: the RST carries %s's address but arrives "
			"with TTL %d, nearer than %s itself (TTL %d of its UDP answer)", hop, p->addr_s, p->tcp_reply.ttl,
			p->addr_s, p->udp.reply_ttl);
		break;
	case CT_DOC_TCP_OPEN:
		snprintf(buf, len, "TCP 2425: open (%s, %.2f ms)", p->tcp_reply.kind == CT_RK_TCP ? "SYN-ACK" : "connected",
			(double)p->tcp_reply.rtt_ns / 1e6);
		break;
	default:
		if (p->tcp_reply.kind == CT_RK_ICMP)
			snprintf(buf, len, "TCP 2425: closed (ICMP port unreachable from %s itself: the host is reached, "
				"nothing accepts file transfers)", p->addr_s);
		else
			snprintf(buf, len, "TCP 2425: closed (%s from %s itself: the host is reached, nothing accepts file "
				"transfers)", p->tcp_reply.kind == CT_RK_TCP ? "RST" : "refused", p->addr_s);
	}
}

void ct_doc_add_host(struct ct_doc_verdict *v, const char *a)
{
	if (v->nhosts < (int)CT_ARRAY_LEN(v->hosts))
		ct_strlcpy(v->hosts[v->nhosts++], a, sizeof v->hosts[0]);
}

int ct_doc_pair_fails(const struct ct_doc_pair *p, int tcp)
{
	if (!p->checked)
		return 0;
	if (!tcp)
		return p->res.udp != CT_COOP_UDP_ANSWERED;
	return p->res.tcp == CT_COOP_TCP_NO_ANSWER || p->res.tcp == CT_COOP_TCP_UNREACHABLE;
}

void ct_doc_pair_dirs(const struct ct_doc_user *u, int tcp, int *up, int *down)
{
	*up = ct_doc_pair_fails(&u->u2s, tcp);
	*down = ct_doc_pair_fails(&u->s2u, tcp);
	if (tcp || !*up || !*down || u->heard < 0)
		return;
	/* neither round trip came back: did the server's GETINFO reach the user? */
	if (u->heard)
		*down = 0; /* yes: the way back (user -> server) loses them */
	else
		*up = 0;   /* no: server -> user loses them (user -> server cannot be told apart) */
}

size_t ct_doc_users_command(const struct ct_doctor *d, const char *cmd, char *buf, size_t len)
{
	size_t l = (size_t)snprintf(buf, len, "%s", cmd);

	for (int k = 0; k < d->nusers && l < len; k++)
		l += (size_t)snprintf(buf + l, len - l, " %s", d->u[k].addr ? d->u[k].addr_s : d->u[k].spec);
	return l;
}
