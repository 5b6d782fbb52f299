/* t-doctor.c: unit tests of the doctor verdict (classes, device, hop, ICMP, fix) from step results, without a network. */
#include "config.h"
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "doctor.h"
#include "doctor-steps.h"
#include "doctor-text.h"
#include "sbuf.h"
#include "tap.h"
#include "textw.h"

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* A doctor that found the server, with one user at 198.18.2.12 whose probes were made. */
static struct ct_doctor *base(void)
{
	struct ct_doctor *d = calloc(1, sizeof *d);

	d->server = ip("198.18.1.10");
	strcpy(d->server_s, "198.18.1.10");
	d->self_addr = ip("198.18.1.11");
	strcpy(d->self_s, "198.18.1.11");
	d->v.icmp_type = d->v.icmp_code = -1;
	d->server_probe.addr = d->server;
	d->server_probe.udp_done = d->server_probe.tcp_done = 1;
	d->server_probe.udp.state = CT_PORT_OPEN;
	d->server_probe.tcp_state = CT_PORT_OPEN;
	d->server_probe.tcp_judge = CT_DOC_TCP_OPEN;
	d->nusers = 1;
	d->u[0].spec = "198.18.2.12";
	d->u[0].addr = ip("198.18.2.12");
	strcpy(d->u[0].addr_s, "198.18.2.12");
	d->u[0].self.addr = d->u[0].addr;
	strcpy(d->u[0].self.addr_s, "198.18.2.12");
	d->u[0].self.udp_done = d->u[0].self.tcp_done = 1;
	d->u[0].self.udp.state = CT_PORT_OPEN;
	d->u[0].self.tcp_state = CT_PORT_OPEN;
	d->u[0].self.tcp_judge = CT_DOC_TCP_OPEN;
	d->u[0].heard = -1;
	return d;
}

/* the verdict's strings freed, the verdict cleared for another run */
static void reset_v(struct ct_doctor *d)
{
	ct_doctor_fini(d);
	memset(&d->v, 0, sizeof d->v);
	d->v.icmp_type = d->v.icmp_code = -1;
}

static void done(struct ct_doctor *d)
{
	ct_doctor_fini(d);
	free(d);
}

static void verdict(struct ct_doctor *d)
{
	ct_doc_step_verdict(d, &d->steps[CT_DOC_NSTEPS - 1]);
}

int main(void)
{
	struct ct_doctor *d;
	struct ct_doc_trace *t;
	char buf[32];

	ct_doc_net_wildcard(ip("10.20.30.40"), buf, sizeof buf);
	is_str(buf, "10.20.30.*", "the seed's 4th-octet wildcard of an address");

	d = base();
	verdict(d);
	is_str(ct_doc_class_key(d->v.cls), "healthy", "every probe answered: healthy");
	is_int(ct_doctor_exit(d), 0, "exit 0");
	ok(strstr(d->v.hint, "camtrace bundle") != NULL, "healthy: the hint to send a bundle");
	done(d);

	d = base();
	d->u[0].self.udp.state = CT_PORT_FILTERED;
	d->u[0].npeers = 2;
	d->u[0].peers_answer = 2;
	verdict(d);
	is_str(ct_doc_class_key(d->v.cls), "host_firewall", "the user silent, its neighbours answer: host firewall");
	is_str(d->v.device, "198.18.2.12 (the PC itself)", "the device is the PC");
	is_int(ct_doctor_exit(d), 1, "exit 1");
	done(d);

	d = base();
	d->u[0].self.udp.state = CT_PORT_OPEN_FILTERED;
	d->u[0].npeers = 2;
	t = &d->tr[d->ntr++];
	t->done = 1;
	t->dst = d->u[0].addr;
	t->method = CT_ROUTE_UDP;
	t->res.verdict = CT_RV_DIES;
	t->res.verdict_hop = 1;
	t->res.verdict_addr = ip("198.18.1.1");
	verdict(d);
	is_str(ct_doc_class_key(d->v.cls), "network_udp", "nobody on that network answers: the network path");
	is_int(d->v.hop, 1, "the hop after which the packets die");
	is_str(d->v.hop_addr, "198.18.1.1", "its address");
	is_int(d->v.icmp_type, -1, "no ICMP");
	ok(strncmp(d->v.fix, "On 198.18.1.1 (hop 1): allow UDP 2425 in both directions", 55) == 0, "the fix: %s", d->v.fix);
	done(d);

	/* a PC that is not there: the router's host unreachable, not a firewall */
	d = base();
	d->u[0].self.udp.state = CT_PORT_FILTERED;
	d->u[0].self.udp.host_down = 1;
	d->u[0].self.udp.icmp.kind = CT_RK_ICMP;
	d->u[0].self.udp.icmp.icmp_type = 3;
	d->u[0].self.udp.icmp.icmp_code = 1;
	d->u[0].self.udp.icmp.from = ip("198.18.1.1");
	d->u[0].npeers = 2;
	d->u[0].peers_answer = 2;
	verdict(d);
	is_str(ct_doc_class_key(d->v.cls), "host_down", "host unreachable, neighbours answer: host_down, not host_firewall");
	is_int(ct_doctor_exit(d), 1, "exit 1");
	is_str(d->v.hop_addr, "198.18.1.1", "who said so");
	done(d);

	/* TCP 2425: only the target's own answer says the path carries it */
	d = base();
	d->u[0].self.udp.reply_ttl = 63;
	d->u[0].self.tcp_answered = 1;
	d->u[0].self.tcp_state = CT_PORT_CLOSED;
	d->u[0].self.tcp_reply.kind = CT_RK_ICMP;
	d->u[0].self.tcp_reply.icmp_type = 3;
	d->u[0].self.tcp_reply.icmp_code = 3;
	d->u[0].self.tcp_reply.ttl = 64;
	d->u[0].self.tcp_reply.from = ip("198.18.1.1");
	is_int(ct_doc_tcp_judge(&d->u[0].self), CT_DOC_TCP_REJECTED, "port unreachable from a router: rejected");
	d->u[0].self.tcp_judge = CT_DOC_TCP_REJECTED;
	d->u[0].self.tcp_hop = 1;
	verdict(d);
	is_str(ct_doc_class_key(d->v.cls), "tcp_blocked", "a router's port unreachable: tcp_blocked");
	is_str(d->v.hop_addr, "198.18.1.1", "the router named");
	is_int(d->v.hop, 1, "hop 1 from the ICMP's TTL");
	is_str(d->v.device, "198.18.1.1 (hop 1)", "the device");
	ok(d->v.ncommands == 1 && strcmp(d->v.commands[0], "camtrace route --tcp 198.18.2.12") == 0, "a runnable command");
	d->u[0].self.tcp_reply.from = d->u[0].addr;
	is_int(ct_doc_tcp_judge(&d->u[0].self), CT_DOC_TCP_CLOSED, "port unreachable from the target itself: reached");
	d->u[0].self.tcp_reply.icmp_code = 13;
	is_int(ct_doc_tcp_judge(&d->u[0].self), CT_DOC_TCP_REJECTED, "prohibited by the target itself: rejected");
	d->u[0].self.tcp_reply.kind = CT_RK_TCP;
	d->u[0].self.tcp_reply.ttl = 63;
	is_int(ct_doc_tcp_judge(&d->u[0].self), CT_DOC_TCP_CLOSED, "RST with the target's TTL: reached, nothing listens");
	d->u[0].self.tcp_reply.ttl = 64;
	is_int(ct_doc_tcp_judge(&d->u[0].self), CT_DOC_TCP_FORGED_RST, "RST one hop nearer than the target: forged");
	d->u[0].self.udp.state = CT_PORT_FILTERED;
	is_int(ct_doc_tcp_judge(&d->u[0].self), CT_DOC_TCP_CLOSED, "no UDP answer to compare with: taken as the target's");
	d->u[0].self.udp.state = CT_PORT_OPEN;
	d->u[0].self.tcp_judge = CT_DOC_TCP_FORGED_RST;
	d->u[0].self.tcp_hop = ct_doc_ttl_hops(64);
	reset_v(d);
	verdict(d);
	is_str(ct_doc_class_key(d->v.cls), "tcp_blocked", "a forged RST: tcp_blocked");
	is_int(d->v.hop, 1, "its hop from the TTL");
	ok(strstr(d->v.finding, "reset by a device on the path") != NULL, "the finding: %s", d->v.finding);
	done(d);
	is_int(ct_doc_ttl_hops(63), 2, "TTL 63: two hops");
	is_int(ct_doc_ttl_hops(128), 1, "TTL 128: one hop");
	is_int(ct_doc_ttl_hops(0), 0, "TTL unknown");

	/* text layout */
	{
		struct ct_sbuf b;
		is_int(ct_textw("abc", 3), 3, "ASCII: one column each");
		is_int(ct_textw("\xe5\xb1\xb1\xe7\x94\xb0", 6), 4, "Japanese: two columns each");
		is_int(ct_textw("\x1b[1mok\x1b[0m", 11), 2, "colour sequences take no column");
		ct_sbuf_init(&b);
		ct_doc_wrap(&b, "aaaa bbbb cccc dddd", "> ", "  ", 11);
		is_str(b.p, "> aaaa bbbb\n  cccc dddd\n", "wrapped with a hanging indent");
		ct_sbuf_reset(&b);
		ct_doc_wrap(&b, "\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xb1\xb1\xe7\x94\xb0 x", "", "", 9);
		is_str(b.p, "\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xb1\xb1\xe7\x94\xb0\nx\n", "by display width (2+2 + 1 + 4 = 9)");
		ct_sbuf_reset(&b);
		ct_doc_wrap(&b, "  indented text", "| ", "|   ", 80);
		is_str(b.p, "|   indented text\n", "the text's own indent stays");
		ct_sbuf_fini(&b);
	}

	d = base();
	d->u[0].rtp_done = 2;
	d->u[0].rtp[0].port = 22224;
	d->u[0].rtp[0].state = CT_PORT_CLOSED;
	d->u[0].rtp[1].port = 22225;
	d->u[0].rtp[1].state = CT_PORT_OPEN_FILTERED;
	verdict(d);
	is_str(ct_doc_class_key(d->v.cls), "rtp_blocked", "one RTP port silent: rtp_blocked");
	is_str(d->v.ports, "22225", "only the silent port is named");
	done(d);

	d = base();
	d->v.cls = CT_DOC_NOT_DISCOVERED;
	strcpy(d->v.config_line, "notify = 198.18.2.*");
	verdict(d);
	ok(strstr(d->v.fix, "Add `notify = 198.18.2.*` to the server's camtraced.conf") != NULL, "not discovered: the line");
	ok(strstr(d->v.fix, "camtrace search 198.18.2.*") != NULL, "and the search alternative");
	done(d);

	/* the user <-> server path (the cooperative checks) */
	d = base();
	d->u[0].u2s.checked = 1;
	d->u[0].u2s.res.udp = CT_COOP_UDP_NO_ANSWER;
	d->u[0].u2s.res.tcp = CT_COOP_TCP_OPEN;
	d->u[0].u2s.text = strdup("UDP 2425: no answer to GETINFO");
	d->u[0].s2u.checked = 1;
	d->u[0].s2u.res.udp = CT_COOP_UDP_ANSWERED;
	d->u[0].s2u.res.tcp = CT_COOP_TCP_OPEN;
	verdict(d);
	is_str(ct_doc_class_key(d->v.cls), "user_server_path", "the user's own check to the server fails: user_server_path");
	is_int(ct_doctor_exit(d), 1, "exit 1");
	is_str(d->v.direction, "user 198.18.2.12 -> server 198.18.1.10", "direction: the user's side");
	ok(d->v.nhosts == 2 && strcmp(d->v.hosts[0], "198.18.2.12") == 0 && strcmp(d->v.hosts[1], "198.18.1.10") == 0,
		"both ends named");
	ok(strstr(d->v.finding, "Started by the user: UDP 2425: no answer to GETINFO.") != NULL, "the evidence in the finding");
	ok(strstr(d->v.fix, "allow UDP 2425 in both directions between 198.18.2.12 and 198.18.1.10") != NULL, "the fix");
	done(d);

	/* neither round trip answered: whether the user heard the server's GETINFO tells the legs apart */
	d = base();
	d->u[0].u2s.checked = d->u[0].s2u.checked = 1;
	d->u[0].u2s.res.udp = d->u[0].s2u.res.udp = CT_COOP_UDP_NO_ANSWER;
	d->u[0].heard = 1;
	verdict(d);
	is_str(d->v.direction, "user 198.18.2.12 -> server 198.18.1.10", "heard the server: the way user -> server fails");
	ok(strstr(d->v.finding, "heard the server's GETINFO") != NULL, "and the finding says why");
	reset_v(d);
	d->u[0].heard = 0;
	verdict(d);
	is_str(d->v.direction, "server 198.18.1.10 -> user 198.18.2.12", "heard nothing: server -> user fails");
	reset_v(d);
	d->u[0].heard = -1;
	verdict(d);
	is_str(d->v.direction, "user 198.18.2.12 <-> server 198.18.1.10 (both directions)", "not known: both round trips");
	done(d);

	d = base();
	d->u[0].heard = -1;
	d->u[0].s2u.checked = 1;
	d->u[0].s2u.res.udp = CT_COOP_UDP_ICMP;
	d->u[0].s2u.res.icmp_type = 3;
	d->u[0].s2u.res.icmp_code = 13;
	d->u[0].s2u.res.icmp_from = ip("198.18.2.1");
	verdict(d);
	is_str(ct_doc_class_key(d->v.cls), "user_server_path", "the server's check rejected: user_server_path");
	is_str(d->v.direction, "server 198.18.1.10 -> user 198.18.2.12", "direction: the server's side");
	is_str(d->v.hop_addr, "198.18.2.1", "the rejecting router named");
	is_int(d->v.icmp_code, 13, "with the ICMP code");
	done(d);

	d = base();
	d->u[0].u2s.checked = d->u[0].s2u.checked = 1;
	d->u[0].u2s.res.udp = d->u[0].s2u.res.udp = CT_COOP_UDP_ANSWERED;
	d->u[0].u2s.res.tcp = CT_COOP_TCP_CLOSED;
	d->u[0].s2u.res.tcp = CT_COOP_TCP_NO_ANSWER;
	verdict(d);
	is_str(ct_doc_class_key(d->v.cls), "user_server_path", "TCP silent between them: user_server_path");
	is_str(d->v.protocol, "tcp", "protocol tcp");
	d->u[0].s2u.res.tcp = CT_COOP_TCP_CLOSED;
	reset_v(d);
	verdict(d);
	is_str(ct_doc_class_key(d->v.cls), "healthy", "TCP closed (reached) both ways: healthy");
	ok(strstr(d->v.finding, "between the users and the server") != NULL, "the finding says the pairs were checked");
	done(d);

	d = base();
	d->v.cls = CT_DOC_NO_SERVER;
	verdict(d);
	is_int(ct_doctor_exit(d), 68, "no server: exit 68 (EX_NOHOST)");
	is_str(ct_doc_status_key(d->steps[CT_DOC_NSTEPS - 1].status), "could_not_check", "verdict step: could not check");
	done(d);
	return tap_done();
}
