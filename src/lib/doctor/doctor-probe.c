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
#include "pktno.h"
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
	for (int i = 0; i < d->nannounced; i++)
		if (d->announced[i] == addr) {
			d->announced[i] = d->announced[d->nannounced - 1];
			d->nannounced--;
			return;
		}
}

/* A packet from the target that answers nothing (its own BR_ENTRY, e.g. the liveness check a
 * peer sends to the server doctor runs on) is not an answer to the probe: GETINFO is answered
 * by SENDINFO, BR_ENTRY by ANSENTRY. */
static void unsolicited(struct ct_doc_probe *p)
{
	uint32_t mode = p->udp.reply_cmd & 0xffu;

	if (p->udp.state != CT_PORT_OPEN || (mode != CT_IPMSG_BR_ENTRY && mode != CT_IPMSG_BR_EXIT &&
	    mode != CT_IPMSG_NOOPERATION && mode != CT_IPMSG_BR_ABSENCE))
		return;
	p->udp_unsolicited = 1;
	p->udp.state = CT_PORT_OPEN_FILTERED;
}

static void probe_udp(struct ct_doctor *d, struct ct_doc_probe *const *ps, int n, const struct ct_app_opts *o)
{
	struct ct_app_opts ao = *o;
	struct ct_app_job *jobs;
	int *noted;

	if (n <= 0)
		return;
	jobs = calloc((size_t)n, sizeof *jobs);
	noted = calloc((size_t)n, sizeof *noted);
	if (!jobs || !noted) {
		free(jobs);
		free(noted);
		return;
	}
	for (int i = 0; i < n; i++) {
		jobs[i].dst = ps[i]->addr;
		jobs[i].o = &ao;
		noted[i] = announce_note(d, ps[i]->addr);
	}
	/* every host's probe in one send/receive loop: n hosts take about as long as one */
	if (ct_app_probe_many(d->pr, jobs, (size_t)n) != 0)
		log_info("doctor: UDP probes: out of memory");
	for (int i = 0; i < n; i++) {
		struct ct_doc_probe *p = ps[i];
		p->udp = jobs[i].res;
		if (jobs[i].rc == 0 || jobs[i].err[0])
			p->udp_done = 1;
		if (jobs[i].err[0])
			log_info("doctor: UDP probe of %s: %s", p->addr_s, jobs[i].err);
		if (noted[i] && !p->udp.entry_sent)
			announce_forget(d, p->addr);
		unsolicited(p);
	}
	free(jobs);
	free(noted);
}

void ct_doc_probe_udp_many(struct ct_doctor *d, struct ct_doc_probe *const *ps, int n)
{
	struct ct_app_opts ao = { .use_raw = d->pr->raw, .wait_ns = ct_doc_wait_ns(d), .tries = 1 };

	probe_udp(d, ps, n, &ao);
}

void ct_doc_probe_udp(struct ct_doctor *d, struct ct_doc_probe *p)
{
	/* the list server answers GETINFO (camtraced, IP Messenger's own list server): a BR_ENTRY
	 * would list this run there; two tries, as one late answer on a busy server decides a verdict */
	struct ct_app_opts ao = { .use_raw = d->pr->raw, .wait_ns = ct_doc_wait_ns(d), .tries = 2, .no_entry = 1 };

	probe_udp(d, &p, 1, &ao);
}

void ct_doc_withdraw_prepare(struct ct_doctor *d)
{
	d->exit_len = ct_app_build(ct_pktno_seed(), CT_IPMSG_BR_EXIT, 1, d->exit_pkt, sizeof d->exit_pkt);
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

void ct_doc_probe_tcp_many(struct ct_doctor *d, struct ct_doc_probe *const *ps, int n)
{
	struct ct_probe (*probes)[2];
	struct ct_probe_set *sets, **setp;

	if (n <= 0)
		return;
	probes = calloc((size_t)n, sizeof *probes);
	sets = calloc((size_t)n, sizeof *sets);
	setp = calloc((size_t)n, sizeof *setp);
	if (!probes || !sets || !setp)
		goto out;
	for (int k = 0; k < n; k++) {
		struct ct_probe_set *s = &sets[k];
		s->ops = &ct_probe_tcp_ops;
		s->pr = d->pr;
		s->dst = ps[k]->addr;
		s->probes = probes[k];
		s->n = 2;
		s->use_raw = d->pr->raw;
		s->wait_ns = ct_doc_wait_ns(d);
		s->gap_ns = s->wait_ns / 4;
		s->stop_on_reply = 1; /* a SYN-ACK or RST ends the step: the retry is for silence and errors */
		if (ps[k]->udp_done && ps[k]->udp.state == CT_PORT_OPEN)
			ct_probe_adapt_silence(s, ps[k]->udp.rtt_ns); /* it answered UDP: time silence from that */
		setp[k] = s;
		for (int i = 0; i < 2; i++) {
			probes[k][i].sport = (uint16_t)(33000 + ((unsigned)getpid() * 31u + (unsigned)(k * 2 + i) * 7919u +
				(unsigned)(ct_mono_ns() & 0xfff)) % 28000);
			probes[k][i].dport = 2425;
			probes[k][i].seq = (uint32_t)random() ^ (uint32_t)ct_mono_ns();
			probes[k][i].ip_id = (uint16_t)(0x7000 + k * 2 + i);
		}
	}
	/* the SYNs of every host in one loop (each raw packet is offered to every set) */
	(void)ct_probe_run_many(setp, (size_t)n);
	for (int k = 0; k < n; k++) {
		struct ct_doc_probe *p = ps[k];
		if (sets[k].rc != 0) {
			log_info("doctor: TCP probe of %s: %s", p->addr_s, sets[k].err);
			continue;
		}
		p->tcp_done = 1;
		p->tcp_state = CT_PORT_FILTERED;
		for (int i = 0; i < 2; i++)
			if (probes[k][i].answered) {
				p->tcp_answered = 1;
				p->tcp_reply = probes[k][i].reply;
				p->tcp_state = ct_probe_tcp_state(&probes[k][i]);
				break;
			}
		p->tcp_judge = ct_doc_tcp_judge(p);
		if (p->tcp_judge == CT_DOC_TCP_REJECTED || p->tcp_judge == CT_DOC_TCP_FORGED_RST)
			p->tcp_hop = ct_doc_ttl_hops(p->tcp_reply.ttl);
	}
out:
	free(probes);
	free(sets);
	free(setp);
}

void ct_doc_probe_tcp(struct ct_doctor *d, struct ct_doc_probe *p)
{
	ct_doc_probe_tcp_many(d, &p, 1);
}

void ct_doc_loop_timeout(struct ct_evloop *ev, uint64_t id, void *ud)
{
	(void)id;
	(void)ud;
	ct_evloop_stop(ev);
}
