/* node-presence.c: presence: entry rounds, start, stop, absence, delayed answers to BR_ENTRY, entry and exit packets (checked by node-claims.c first). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "codec.h"
#include "entry.h"
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "node-int.h"
#include "util.h"

#define MAX_PENDING_ANS 4096

struct pend_ans {
	struct ct_node *n;
	struct ct_haddr to;
	int utf8;
	uint64_t timer;
	struct pend_ans *prev, *next;
};

static uint32_t rnd(struct ct_node *n)
{
	n->rng ^= n->rng << 13;
	n->rng ^= n->rng >> 7;
	n->rng ^= n->rng << 17;
	return (uint32_t)(n->rng >> 11);
}

/* One entry-class packet to every broadcast target and every live DIALUPOPT host. */
static void entry_round(struct ct_node *n, uint32_t mode)
{
	if (!n->conf.no_broadcast)
		for (size_t i = 0; i < n->nbcast; i++)
			ct_node_send_entry(n, &n->bcast[i], mode, 0);
	for (size_t i = 0; i < n->npeers; i++)
		ct_node_send_entry(n, &n->peers[i], mode, ct_node_is_local(n, &n->peers[i]) ? 0 : CT_IPMSG_DIALUPOPT);
	for (size_t i = 0; i < ct_hosts_count(n->hosts); i++) {
		struct ct_host *h = ct_hosts_at(n->hosts, i);
		int peer = 0;
		for (size_t k = 0; k < n->npeers && !peer; k++)
			peer = ct_haddr_eq(&n->peers[k], &h->addr);
		if ((h->status & CT_IPMSG_DIALUPOPT) && h->state != CT_HOST_OFFLINE && !peer)
			ct_node_send_entry(n, &h->addr, mode, 0);
	}
}

int ct_node_add_peer(struct ct_node *n, const struct ct_haddr *a)
{
	for (size_t i = 0; i < n->npeers; i++)
		if (ct_haddr_eq(&n->peers[i], a))
			return 0;
	if (n->npeers >= CT_ARRAY_LEN(n->peers))
		return CT_ETOOBIG;
	n->peers[n->npeers++] = *a;
	return 0;
}

void ct_node_remove_peer(struct ct_node *n, const struct ct_haddr *a)
{
	for (size_t i = 0; i < n->npeers; i++)
		if (ct_haddr_eq(&n->peers[i], a)) {
			n->peers[i] = n->peers[--n->npeers];
			return;
		}
}

static void on_repeat(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_node *n = ud;

	(void)ev;
	(void)id;
	n->t_repeat = 0;
	entry_round(n, CT_IPMSG_BR_ENTRY);
}

static void on_entry(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_node *n = ud;

	(void)id;
	n->t_entry = 0;
	entry_round(n, CT_IPMSG_BR_ENTRY);
	if (n->conf.entry_repeat_ms)
		n->t_repeat = ct_evloop_add_timer(ev, n->conf.entry_repeat_ms, on_repeat, n);
}

int ct_node_start(struct ct_node *n)
{
	if (!n->conf.no_broadcast)
		for (size_t i = 0; i < n->nbcast; i++)
			ct_node_send_entry(n, &n->bcast[i], CT_IPMSG_NOOPERATION, 0);
	ct_evloop_cancel_timer(n->ev, n->t_entry);
	ct_evloop_cancel_timer(n->ev, n->t_repeat);
	n->t_repeat = 0;
	n->t_entry = ct_evloop_add_timer(n->ev, n->conf.entry_delay_ms, on_entry, n);
	ct_node_live_schedule(n);
	return n->t_entry ? 0 : CT_ENOMEM;
}

void ct_node_stop(struct ct_node *n)
{
	struct timespec ts = { 0, 100 * 1000000L };

	if (!n->conf.no_broadcast)
		for (size_t i = 0; i < n->nbcast; i++)
			ct_node_send_entry(n, &n->bcast[i], CT_IPMSG_NOOPERATION, 0);
	entry_round(n, CT_IPMSG_BR_EXIT);
	nanosleep(&ts, NULL);
	entry_round(n, CT_IPMSG_BR_EXIT);
}

void ct_node_set_absent(struct ct_node *n, int absent, const char *text)
{
	n->absent = absent;
	if (text) {
		char *t = strdup(text[0] ? text : "Absence mode");
		if (t) {
			free(n->absence_text);
			n->absence_text = t;
		}
	}
	entry_round(n, CT_IPMSG_BR_ABSENCE);
}

/* ---- answering BR_ENTRY after the spec's random delay ---- */

static void pend_unlink(struct ct_node *n, struct pend_ans *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		n->pend = p->next;
	if (p->next)
		p->next->prev = p->prev;
	n->npend--;
}

static void on_answer(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct pend_ans *p = ud;
	struct ct_node *n = p->n;

	(void)ev;
	(void)id;
	pend_unlink(n, p);
	struct ct_host *h = ct_hosts_find_addr(n->hosts, &p->to);
	if (h)
		h->ans_pending = 0;
	if (ct_node_guard_admit(n, &p->to, CT_GUARD_ANSENTRY) &&
	    ct_node_send_entry(n, &p->to, CT_IPMSG_ANSENTRY, p->utf8 ? CT_IPMSG_UTF8OPT : 0) == 0) {
		n->st.answers_sent++;
		if (ct_log_level_cur >= CT_LOG_DEBUG) {
			char b[CT_HADDR_STRLEN];
			log_limited(CT_LOG_DEBUG, "ANSENTRY sent to %s", ct_haddr_str(&p->to, b, sizeof b));
		}
	}
	free(p);
}

static void queue_answer(struct ct_node *n, struct ct_host *h, const struct ct_haddr *to, int utf8)
{
	struct pend_ans *p;
	uint32_t delay;
	size_t known = ct_hosts_live(n->hosts);

	if (h && h->ans_pending)
		return; /* one answer pending per host is enough */
	if (n->conf.no_answer_entry)
		return;
	if (n->npend >= MAX_PENDING_ANS || !(p = calloc(1, sizeof *p)))
		return;
	if (h)
		h->ans_pending = 1;
	if (known < 50 || ct_node_is_local(n, to))
		delay = rnd(n) & 1023;
	else if (known < 300)
		delay = rnd(n) & 2047;
	else
		delay = rnd(n) & 4095;
	p->n = n;
	p->to = *to;
	p->utf8 = utf8;
	if (!(p->timer = ct_evloop_add_timer(n->ev, delay + 5, on_answer, p))) {
		free(p);
		return;
	}
	p->next = n->pend;
	if (n->pend)
		n->pend->prev = p;
	n->pend = p;
	n->npend++;
}

void ct_node_answer_entry(struct ct_node *n, const struct ct_haddr *to, int utf8)
{
	queue_answer(n, NULL, to, utf8);
}

void ct_node_answers_drop(struct ct_node *n)
{
	while (n->pend) {
		struct pend_ans *p = n->pend;
		ct_evloop_cancel_timer(n->ev, p->timer);
		pend_unlink(n, p);
		free(p);
	}
}

/* ---- entry-class packets received ---- */

/* The line of a host's state change by an entry packet: joined, came back (a flap; unstable
 * from the third in an hour), moved, away, present. was: its state before (-1: new). */
static void log_change(const struct ct_host *h, int was, const struct ct_haddr *was_at, uint32_t mode,
	uint64_t now_ms)
{
	char b[CT_HADDR_STRLEN], b2[CT_HADDR_STRLEN];
	const char *cmd = ct_codec_cmd_name(CT_IPMSG_MODE(mode));
	unsigned hour;

	/* only a return can be a notice (unstable): the rest is info */
	if (!h || ct_log_level_cur < (was == CT_HOST_OFFLINE ? CT_LOG_NOTICE : CT_LOG_INFO) ||
	    (h->state == was && (!was_at || ct_haddr_eq(was_at, &h->addr))))
		return;
	ct_haddr_str(&h->addr, b, sizeof b);
	if (was < 0) {
		log_info("host %s@%s (%s) joined (%s)", h->user, h->host, b, cmd);
	} else if (was == CT_HOST_OFFLINE) {
		hour = ct_host_flaps_in(h, 3600000, now_ms);
		if (hour >= 3)
			log_notice("host %s@%s (%s) came back (%s): unstable, %u flaps in the last hour, %u in all",
				h->user, h->host, b, cmd, hour, h->flaps);
		else
			log_info("host %s@%s (%s) came back (%s): flap %u", h->user, h->host, b, cmd, h->flaps);
	} else if (was_at && !ct_haddr_eq(was_at, &h->addr)) {
		log_info("host %s@%s moved from %s to %s (%s)", h->user, h->host,
			ct_haddr_str(was_at, b2, sizeof b2), b, cmd);
	} else {
		log_info("host %s@%s (%s) %s (%s)", h->user, h->host, b,
			h->state == CT_HOST_ABSENT ? "is away" : "is back from away", cmd);
	}
}

void ct_node_entry_apply(struct ct_node *n, const struct ct_host_info *info, uint32_t mode, int cap_utf8,
	uint64_t now_ms, double now_wall)
{
	struct ct_host_info in = *info;
	struct ct_host *h;
	struct ct_haddr was_at;
	int r, was;

	/* the dial-up list keeps a host until it leaves (Windows DialUpList): DIALUPOPT is sticky */
	if ((h = ct_hosts_find(n->hosts, in.user, in.host)) && h->state != CT_HOST_OFFLINE &&
	    ct_haddr_eq(&h->addr, &in.addr))
		in.status |= h->status & CT_IPMSG_DIALUPOPT;
	was = h ? h->state : -1;
	if (h)
		was_at = h->addr;
	r = ct_hosts_update(n->hosts, &in, ct_node_is_local(n, &in.addr) ? CT_HOST_LOCAL : CT_HOST_DIRECT,
		CT_HOST_VIA_PACKET, now_ms, now_wall, &h);
	if (r != 0) {
		n->st.bad++;
		return;
	}
	n->st.entries++;
	log_change(h, was, was >= 0 ? &was_at : NULL, mode, now_ms);
	if (mode == CT_IPMSG_BR_ENTRY)
		queue_answer(n, h, &in.addr, cap_utf8);
	unsigned k = ct_hooklist_begin(&n->obs);
	for (unsigned i = 0; i < k; i++) {
		const struct ct_hook *o = ct_hooklist_at(&n->obs, i);
		if (o)
			((ct_node_host_fn)o->fn)(n, h, mode, &in.addr, o->ud);
	}
	ct_hooklist_end(&n->obs);
}

void ct_node_entry_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup)
{
	const struct ct_ipmsg *m = rx->m;
	struct ct_entry e;
	struct ct_host_info in;
	char b[CT_HADDR_STRLEN];
	int r;

	if (dup)
		return;
	memset(&e, 0, sizeof e);
	if ((r = ct_entry_parse(m, &e)) != 0) {
		n->st.bad++;
		log_limited(CT_LOG_DEBUG, "bad entry body from %s: %s", ct_haddr_str(&rx->from, b, sizeof b),
			ct_strerror(r));
		ct_entry_fini(&e);
		return;
	}
	ct_hosts_clean_name(e.user);
	ct_hosts_clean_name(e.host);
	ct_hosts_clean_name(e.nick);
	ct_hosts_clean_name(e.group);
	memset(&in, 0, sizeof in);
	in.user = e.user;
	in.host = e.host;
	in.nick = e.nick;
	in.group = e.group;
	in.addr = rx->from;
	in.status = m->opts & CT_IPMSG_ALLSTAT;
	log_limited(CT_LOG_DEBUG, "%s from %s: %s@%s", ct_codec_cmd_name(CT_IPMSG_MODE(m->mode)),
		ct_haddr_str(&rx->from, b, sizeof b), in.user ? in.user : "", in.host ? in.host : "");
	if (in.user && in.user[0] && in.host && in.host[0] && ct_node_claims_entry(n, rx, &in))
		ct_node_entry_apply(n, &in, m->mode, (m->opts & CT_IPMSG_CAPUTF8OPT) != 0, rx->now_ms, rx->now_wall);
	else if (!in.user || !in.user[0] || !in.host || !in.host[0])
		n->st.bad++;
	ct_entry_fini(&e);
}

void ct_node_exit_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup)
{
	const struct ct_host *h = dup ? NULL : ct_hosts_find_addr(n->hosts, &rx->from);
	char b[CT_HADDR_STRLEN], who[160] = "";

	/* the line for a host that was online (an exit repeated, or of an unknown host: nothing) */
	if (h && h->state != CT_HOST_OFFLINE)
		snprintf(who, sizeof who, "%s@%s", h->user, h->host);
	if (!dup && ct_node_claims_exit(n, rx) && ct_hosts_exit_addr(n->hosts, &rx->from, rx->now_wall) == 0 &&
	    who[0])
		log_info("host %s (%s) left (BR_EXIT)", who, ct_haddr_str(&rx->from, b, sizeof b));
}
