/* search.c: external user search: GETINFO + BR_ENTRY|DIALUPOPT to each address, paced, deduplicated. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "charset.h"
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "node.h"
#include "notify.h"
#include "pace.h"
#include "search.h"
#include "util.h"

#define BATCH_REPORT 64
#define SEND_RETRY_MS 20        /* the send buffer is full: try the same address again after this */
#define SEND_RETRY_MAX 100      /* ... at most this many times (2 s), then skip it and count it */
#define SEARCH_SNDBUF (8 << 20) /* probes to absent neighbours wait ~3 s in the ARP queue */

static uint64_t next_id;

struct ct_search {
	struct ct_node *node;
	struct ct_evloop *ev;
	struct ct_haddr *addrs; /* sorted */
	int32_t *hit_of;        /* per address: index into hits, or -1 */
	size_t naddrs, cursor;
	struct ct_search_hit *hits;
	size_t nhits, caphits;
	struct ct_pace pace;
	uint64_t grace_ms, quiet_ms, t_tick, t_grace, t_quiet;
	uint64_t probes_done_ms; /* when the last probe went out (0 while probing) */
	uint64_t start_ms;
	size_t pending;          /* hits that answered GETINFO and whose entry is still due */
	unsigned retries;
	struct ct_search_progress pr;
	ct_search_cb cb;
	void *ud;
	int registered;
	struct ct_search *next_active;
};

/* Active searches: one set of hooks per node (an observer and a SENDINFO handler) serves every
 * one of them; the last search of a node to end takes the hooks away. */
static struct ct_search *active;

static void observe(struct ct_node *node, struct ct_host *h, uint32_t mode, const struct ct_haddr *from, void *ud);
static void on_sendinfo(struct ct_node *node, const struct ct_node_rx *rx, void *ud);

static int hooks_add(struct ct_node *node)
{
	int r = ct_node_add_observer(node, observe, NULL);

	if (r == 0 || r == CT_EEXIST)
		r = ct_node_add_handler(node, CT_IPMSG_SENDINFO, on_sendinfo, NULL);
	return r == CT_EEXIST ? 0 : r;
}

static void hooks_remove_unused(struct ct_node *node)
{
	for (const struct ct_search *s = active; s; s = s->next_active)
		if (s->node == node)
			return;
	ct_node_remove_observer(node, observe, NULL);
	ct_node_remove_handler(node, CT_IPMSG_SENDINFO, on_sendinfo, NULL);
}

static void report(struct ct_search *s)
{
	if (s->cb)
		s->cb(s, &s->pr, s->ud);
}

static void deactivate(struct ct_search *s)
{
	for (struct ct_search **pp = &active; *pp; pp = &(*pp)->next_active)
		if (*pp == s) {
			*pp = s->next_active;
			break;
		}
	hooks_remove_unused(s->node);
	ct_evloop_cancel_timer(s->ev, s->t_tick);
	ct_evloop_cancel_timer(s->ev, s->t_grace);
	ct_evloop_cancel_timer(s->ev, s->t_quiet);
	s->t_tick = s->t_grace = s->t_quiet = 0;
}

static void finish(struct ct_search *s, enum ct_search_state st)
{
	deactivate(s);
	s->pr.state = st;
	s->pr.finished = ct_wall_now();
	log_notice("search %llu %s: probed %zu of %zu addresses, found %zu IP Messenger hosts%s",
		(unsigned long long)s->pr.id, st == CT_SEARCH_DONE ? "done" : "cancelled",
		s->pr.probed, s->pr.total, s->pr.found, s->pr.send_failed ? " (some probes could not be sent)" : "");
	report(s);
}

static void on_grace(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_search *s = ud;

	(void)ev;
	(void)id;
	s->t_grace = 0;
	finish(s, CT_SEARCH_DONE);
}

/* Early end: every address probed, quiet_ms passed since, and no host's entry still due. */
static int settled(const struct ct_search *s, uint64_t now)
{
	return s->quiet_ms && s->probes_done_ms && s->pending == 0 && now >= s->probes_done_ms + s->quiet_ms;
}

static void on_quiet(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_search *s = ud;

	(void)id;
	s->t_quiet = 0;
	if (settled(s, ct_evloop_now_ms(ev)))
		finish(s, CT_SEARCH_DONE);
}

static void probes_done(struct ct_search *s, uint64_t now)
{
	s->probes_done_ms = now ? now : 1;
	report(s);
	s->t_grace = ct_evloop_add_timer(s->ev, s->grace_ms, on_grace, s);
	if (s->quiet_ms && s->quiet_ms < s->grace_ms)
		s->t_quiet = ct_evloop_add_timer(s->ev, s->quiet_ms, on_quiet, s);
}

/* Both probes to one address; a full send buffer (or any send error) leaves the cursor there. */
static int probe_one(struct ct_search *s, const struct ct_haddr *a)
{
	int r;

	errno = 0;
	if ((r = ct_node_send(s->node, a, CT_IPMSG_GETINFO, "", 0)) == 0)
		r = ct_node_send_entry(s->node, a, CT_IPMSG_BR_ENTRY, CT_IPMSG_DIALUPOPT);
	return r;
}

static void on_tick(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_search *s = ud;
	uint64_t now = ct_evloop_now_ms(ev);
	size_t sent = 0;

	(void)id;
	s->t_tick = 0;
	while (s->cursor < s->naddrs) {
		if (!ct_pace_take(&s->pace, now, 1)) {
			s->t_tick = ct_evloop_add_timer(ev, ct_pace_wait_ms(&s->pace, now, 1), on_tick, s);
			if (sent)
				report(s);
			return;
		}
		const struct ct_haddr *a = &s->addrs[s->cursor];
		if (probe_one(s, a) != 0) {
			if (++s->retries <= SEND_RETRY_MAX) {
				/* the token is spent; waiting gives the ARP queue time to drain */
				s->t_tick = ct_evloop_add_timer(ev, SEND_RETRY_MS, on_tick, s);
				if (sent)
					report(s);
				return;
			}
			char b[CT_HADDR_STRLEN];
			log_warn("search %llu: cannot send to %s (%s); skipped", (unsigned long long)s->pr.id,
				ct_haddr_ip_str(a, b, sizeof b), strerror(errno ? errno : EIO));
			s->pr.send_failed++;
		}
		s->retries = 0;
		s->cursor++;
		s->pr.probed++;
		if (++sent % BATCH_REPORT == 0)
			report(s);
	}
	probes_done(s, now);
}

static struct ct_search_hit *hit_for(struct ct_search *s, const struct ct_haddr *from)
{
	long i = ct_haddr_bsearch(s->addrs, s->naddrs, from);

	if (i < 0)
		return NULL;
	if (s->hit_of[i] >= 0)
		return &s->hits[s->hit_of[i]];
	if (s->nhits == s->caphits) {
		size_t nc = s->caphits ? s->caphits * 2 : 16;
		struct ct_search_hit *nv = realloc(s->hits, nc * sizeof *nv);
		if (!nv)
			return NULL;
		s->hits = nv;
		s->caphits = nc;
	}
	struct ct_search_hit *h = &s->hits[s->nhits];
	memset(h, 0, sizeof *h);
	h->addr = *from;
	h->found_ms = ct_evloop_now_ms(s->ev) - s->start_ms;
	s->hit_of[i] = (int32_t)s->nhits++;
	s->pr.found++;
	s->pending++; /* until its entry (nick, group, status) arrives */
	return h;
}

static void observe(struct ct_node *node, struct ct_host *h, uint32_t mode, const struct ct_haddr *from, void *ud)
{
	(void)node;
	(void)mode;
	(void)ud;
	for (struct ct_search *s = active, *next; s; s = next) {
		struct ct_search_hit *hit = hit_for(s, from);
		next = s->next_active;
		if (!hit)
			continue;
		ct_strlcpy(hit->user, h->user, sizeof hit->user);
		ct_strlcpy(hit->host, h->host, sizeof hit->host);
		ct_strlcpy(hit->nick, h->nick, sizeof hit->nick);
		hit->status = h->status;
		h->origin |= CT_HOST_SEARCH;
		if (!hit->entry) {
			hit->entry = 1;
			s->pending--;
		}
		if (settled(s, ct_evloop_now_ms(s->ev)))
			finish(s, CT_SEARCH_DONE);
	}
}

static void on_sendinfo(struct ct_node *node, const struct ct_node_rx *rx, void *ud)
{
	(void)node;
	(void)ud;
	for (struct ct_search *s = active; s; s = s->next_active) {
		struct ct_search_hit *hit = hit_for(s, &rx->from);
		if (!hit)
			continue;
		enum ct_charset cs = ct_charset_of_command(rx->m->command);
		char *t = ct_charset_decode_str(cs, rx->m->sec[0].p, rx->m->sec[0].len);
		if (t)
			ct_strlcpy(hit->info, t, sizeof hit->info);
		free(t);
		if (!hit->user[0]) {
			char *u = ct_charset_decode_str(cs, rx->m->user.p, rx->m->user.len);
			char *hn = ct_charset_decode_str(cs, rx->m->host.p, rx->m->host.len);
			if (u)
				ct_strlcpy(hit->user, u, sizeof hit->user);
			if (hn)
				ct_strlcpy(hit->host, hn, sizeof hit->host);
			free(u);
			free(hn);
		}
	}
}

int ct_search_start(struct ct_search **out, struct ct_node *node, const struct ct_targets *targets,
	double rate, uint64_t grace_ms, ct_search_cb cb, void *ud, char *err, size_t errlen)
{
	struct ct_search *s;
	int r;

	*out = NULL;
	if (!(s = calloc(1, sizeof *s)))
		return CT_ENOMEM;
	s->node = node;
	s->ev = ct_node_evloop(node);
	s->grace_ms = grace_ms ? grace_ms : 5000;
	s->cb = cb;
	s->ud = ud;
	if ((r = ct_targets_expand(targets, ct_node_port(node), &s->addrs, &s->naddrs, &s->pr.unresolved,
	    err, errlen)) != 0) {
		if (r != CT_ETOOBIG)
			snprintf(err, errlen, "cannot expand the ranges: %s", ct_strerror(r));
		free(s);
		return r;
	}
	ct_haddr_sort(s->addrs, s->naddrs);
	if (s->naddrs && !(s->hit_of = malloc(s->naddrs * sizeof *s->hit_of))) {
		ct_search_free(s);
		return CT_ENOMEM;
	}
	for (size_t i = 0; i < s->naddrs; i++)
		s->hit_of[i] = -1;
	if ((r = hooks_add(node)) != 0) {
		snprintf(err, errlen, "cannot listen for answers: %s", ct_strerror(r));
		ct_search_free(s);
		return r;
	}
	s->pr.id = ++next_id;
	s->pr.total = s->naddrs;
	s->pr.started = ct_wall_now();
	s->start_ms = ct_evloop_now_ms(s->ev);
	s->pr.state = CT_SEARCH_RUNNING;
	rate = rate > 0 ? rate : 50;
	/* a burst of 20 ms worth of probes: timers tick in milliseconds, so a burst of 1 would cap
	 * the rate near 1000/s and below what was asked */
	ct_pace_init(&s->pace, rate, rate / 50 > 1 ? rate / 50 : 1, ct_evloop_now_ms(s->ev));
	{
		int big = SEARCH_SNDBUF, fd = ct_node_fd(node);
		/* probes to absent neighbours of the own subnet wait in the ARP queue and count against
		 * the send buffer until resolution fails: a small buffer makes later sends fail */
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big) != 0)
			(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	}
	s->next_active = active;
	active = s;
	log_info("search %llu: %zu addresses at %.0f probes/s", (unsigned long long)s->pr.id, s->naddrs, rate);
	*out = s;
	/* the first probes go out from the loop, so that the caller can still set options */
	s->t_tick = ct_evloop_add_timer(s->ev, 0, on_tick, s);
	return 0;
}

void ct_search_set_quiet(struct ct_search *s, uint64_t quiet_ms)
{
	s->quiet_ms = quiet_ms;
}

void ct_search_cancel(struct ct_search *s)
{
	if (s->pr.state == CT_SEARCH_RUNNING)
		finish(s, CT_SEARCH_CANCELLED);
}

void ct_search_free(struct ct_search *s)
{
	if (!s)
		return;
	deactivate(s);
	free(s->addrs);
	free(s->hit_of);
	free(s->hits);
	free(s);
}

const struct ct_search_progress *ct_search_progress(const struct ct_search *s) { return &s->pr; }

size_t ct_search_hits(const struct ct_search *s, const struct ct_search_hit **hits)
{
	*hits = s->hits;
	return s->nhits;
}

int ct_search_probed(const struct ct_search *s, const struct ct_haddr *a)
{
	long i = ct_haddr_bsearch(s->addrs, s->naddrs, a);
	return i >= 0 && (size_t)i < s->cursor;
}
