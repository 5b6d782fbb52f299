/* doctor-evidence.c: the evidence of `camtrace doctor`: step lines and results, outcomes in words, the user <-> server judgement. */
#include "config.h"
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include "doctor-evidence.h"
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
		"host_firewall", "network_udp", "tcp_blocked", "rtp_blocked", "could_not_check", "user_server_path" };

	return (unsigned)c < CT_ARRAY_LEN(k) ? k[c] : "could_not_check";
}

void ct_doc_ev(struct ct_doc_step *s, const char *fmt, ...)
{
	va_list ap;

	if (s->nev >= CT_DOC_MAX_EV)
		return;
	va_start(ap, fmt);
	vsnprintf(s->ev[s->nev++], CT_DOC_EV_LEN, fmt, ap);
	va_end(ap);
}

void ct_doc_result(struct ct_doc_step *s, enum ct_doc_status st, const char *fmt, ...)
{
	va_list ap;

	s->status = st;
	va_start(ap, fmt);
	vsnprintf(s->result, sizeof s->result, fmt, ap);
	va_end(ap);
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
	else if (u->state == CT_PORT_OPEN)
		snprintf(buf, len, "answers on UDP 2425: %s (%s, %.2f ms)", u->program[0] ? u->program : "IP Messenger",
			u->answered_getinfo ? "GETINFO" : "BR_ENTRY|DIALUPOPT", (double)u->rtt_ns / 1e6);
	else if (u->icmp.kind == CT_RK_ICMP) {
		ct_doc_icmp_text(&u->icmp, t, sizeof t);
		snprintf(buf, len, "no answer on UDP 2425: %s", t);
	} else if (u->state == CT_PORT_FILTERED && u->control_port)
		snprintf(buf, len, "silent on UDP 2425 (%d probe(s)) while UDP %u on the same host answers "
			"\"port unreachable\": something drops UDP 2425", u->sent, u->control_port);
	else
		snprintf(buf, len, "silent on UDP 2425 (%d probe(s)): dropped, or no IP Messenger running", u->sent);
}

void ct_doc_tcp_text(const struct ct_doc_probe *p, char *buf, size_t len)
{
	char t[200];

	if (!p->tcp_done)
		snprintf(buf, len, "TCP 2425 not probed");
	else if (!p->tcp_answered)
		snprintf(buf, len, "TCP 2425: no answer to the SYN (filtered: dropped on the way or at the host)");
	else if (p->tcp_reply.kind == CT_RK_ICMP) {
		ct_doc_icmp_text(&p->tcp_reply, t, sizeof t);
		snprintf(buf, len, "TCP 2425: rejected, %s", t);
	} else if (p->tcp_state == CT_PORT_OPEN)
		snprintf(buf, len, "TCP 2425: open (%s, %.2f ms)", p->tcp_reply.kind == CT_RK_TCP ? "SYN-ACK" : "connected",
			(double)p->tcp_reply.rtt_ns / 1e6);
	else
		snprintf(buf, len, "TCP 2425: closed (%s: the host is reached, nothing accepts file transfers)",
			p->tcp_reply.kind == CT_RK_TCP ? "RST" : "refused");
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
