/* doctor-probe.c: the probes the steps of `camtrace doctor` share (UDP and TCP 2425 of one host), on the probe engine. */
#include "config.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "doctor-evidence.h"
#include "doctor-probe.h"
#include "evloop.h"
#include "log.h"
#include "node.h"
#include "util.h"

uint64_t ct_doc_wait_ns(const struct ct_doctor *d)
{
	return d->wait_ns ? d->wait_ns : 1000000000ull;
}

void ct_doc_probe_init(struct ct_doc_probe *p, uint32_t addr, const char *name)
{
	memset(p, 0, sizeof *p);
	p->addr = addr;
	ct_doc_ip_s(addr, p->addr_s);
	ct_strlcpy(p->name, name ? name : "", sizeof p->name);
}

/* The probe may send BR_ENTRY|DIALUPOPT (a peer that ignores GETINFO, like iptux, answers
 * that only): the address is noted before it goes out, so a signal handler withdraws it too. */
static int announce_note(struct ct_doctor *d, uint32_t addr)
{
	for (int i = 0; i < d->nannounced; i++)
		if (d->announced[i] == addr)
			return 0;
	if (d->nannounced >= CT_DOC_MAX_ANNOUNCED)
		return 0;
	d->announced[d->nannounced] = addr;
	d->nannounced++;
	return 1;
}

static void announce_forget(struct ct_doctor *d, uint32_t addr)
{
	if (d->nannounced > 0 && d->announced[d->nannounced - 1] == addr)
		d->nannounced--;
}

void ct_doc_probe_udp(struct ct_doctor *d, struct ct_doc_probe *p)
{
	struct ct_app_opts ao = { .use_raw = d->pr->raw, .wait_ns = ct_doc_wait_ns(d), .tries = 1 };
	char err[200] = "";
	int noted = announce_note(d, p->addr);

	memset(&p->udp, 0, sizeof p->udp);
	if (ct_app_probe(d->pr, p->addr, &ao, &p->udp, err, sizeof err) == 0 || err[0])
		p->udp_done = 1;
	if (err[0])
		log_info("doctor: UDP probe of %s: %s", p->addr_s, err);
	if (noted && !p->udp.entry_sent)
		announce_forget(d, p->addr);
}

void ct_doc_withdraw_prepare(struct ct_doctor *d)
{
	d->exit_len = ct_app_build((uint32_t)time(NULL) + 7, CT_IPMSG_BR_EXIT, 1, d->exit_pkt, sizeof d->exit_pkt);
}

void ct_doc_withdraw_send(const struct ct_doctor *d, int fd)
{
	int n = d->nannounced;

	for (int i = 0; i < n && d->exit_len; i++) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(2425), .sin_addr.s_addr = d->announced[i] };
		(void)sendto(fd, d->exit_pkt, d->exit_len, 0, (const struct sockaddr *)&to, sizeof to);
	}
}

int ct_doc_withdraw(struct ct_doctor *d)
{
	int fd = d->node ? ct_node_fd(d->node) : socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int n = d->nannounced;

	if (fd < 0 || !n)
		goto out;
	/* twice, as a leaving client does (one may be lost) */
	ct_doc_withdraw_send(d, fd);
	ct_doc_withdraw_send(d, fd);
	log_info("doctor: BR_EXIT to %d host(s) its probe announced itself to", n);
out:
	if (fd >= 0 && !d->node)
		close(fd);
	return n;
}

void ct_doc_probe_tcp(struct ct_doctor *d, struct ct_doc_probe *p)
{
	struct ct_probe probes[2];
	struct ct_probe_set s;

	memset(&s, 0, sizeof s);
	memset(probes, 0, sizeof probes);
	s.ops = &ct_probe_tcp_ops;
	s.pr = d->pr;
	s.dst = p->addr;
	s.probes = probes;
	s.n = 2;
	s.use_raw = d->pr->raw;
	s.wait_ns = ct_doc_wait_ns(d);
	s.gap_ns = s.wait_ns / 4;
	for (int i = 0; i < 2; i++) {
		probes[i].sport = (uint16_t)(33000 + ((unsigned)getpid() * 31u + (unsigned)i * 7919u +
			(unsigned)(ct_mono_ns() & 0xfff)) % 28000);
		probes[i].dport = 2425;
		probes[i].seq = (uint32_t)random() ^ (uint32_t)ct_mono_ns();
		probes[i].ip_id = (uint16_t)(0x7000 + i);
	}
	if (ct_probe_run(&s) != 0) {
		log_info("doctor: TCP probe of %s: %s", p->addr_s, s.err);
		return;
	}
	p->tcp_done = 1;
	p->tcp_state = CT_PORT_FILTERED;
	for (int i = 0; i < 2; i++)
		if (probes[i].answered) {
			p->tcp_answered = 1;
			p->tcp_reply = probes[i].reply;
			p->tcp_state = ct_probe_tcp_state(&probes[i]);
			break;
		}
	p->tcp_judge = ct_doc_tcp_judge(p);
	if (p->tcp_judge == CT_DOC_TCP_REJECTED || p->tcp_judge == CT_DOC_TCP_FORGED_RST)
		p->tcp_hop = ct_doc_ttl_hops(p->tcp_reply.ttl);
}

void ct_doc_loop_timeout(struct ct_evloop *ev, uint64_t id, void *ud)
{
	(void)id;
	(void)ud;
	ct_evloop_stop(ev);
}
