/* listsrv.c: list server: OKGETLIST to allowed sources, ANSLIST pages from a snapshot of live hosts (cut to an unverified source's credit). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "charset.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "hostlist.h"
#include "hosts.h"
#include "log.h"
#include "node.h"
#include "listsrv.h"
#include "pace.h"
#include "util.h"

#define MIN_ENTRY 20 /* smallest ANSLIST entry: "u\ah\a1\a1.1.1.1\a1\a\b\a\b\a" */
#define MIN_PAGE (MIN_ENTRY + 40) /* below this no page can carry a host */
#define MAX_DEFER 64   /* GETLISTs waiting for their source's verification */
#define DEFER_MS 3000  /* how long one waits (a client asks again after 3 s) */

struct deferred {
	struct ct_haddr from;
	uint32_t start;
	int utf8, used;
	uint64_t at_ms;
};

struct ct_listsrv {
	struct ct_node *node;
	struct ct_listsrv_conf conf;
	struct ct_ratelim *rl;
	struct ct_pace global;
	/* snapshot: self first, then every live host, in table order */
	uint64_t snap_gen;
	uint32_t snap_status;
	int snap_valid;
	struct ct_host **snap;
	struct ct_hostlist_host *wire;
	size_t nsnap, capsnap;
	struct ct_host_info self;
	struct ct_sbuf out;
	struct deferred defer[MAX_DEFER];
	uint64_t t_defer;              /* expires the deferred GETLISTs nobody verified */
	struct ct_listsrv_stats st;
};

static int allowed(struct ct_listsrv *ls, const struct ct_node_rx *rx, enum ct_guard_class c)
{
	char b[CT_HADDR_STRLEN];

	if (!ls->conf.allow || !ct_targets_match(ls->conf.allow, &rx->from)) {
		ls->st.refused_allow++;
		log_limited(CT_LOG_INFO, "list request (%s) from %s refused: not in `allow`",
			ct_codec_cmd_name(CT_IPMSG_MODE(rx->m->mode)), ct_haddr_str(&rx->from, b, sizeof b));
		return 0;
	}
	if (!ct_ratelim_allow(ls->rl, &rx->from, 1, rx->now_ms) || !ct_pace_take(&ls->global, rx->now_ms, 1)) {
		ls->st.refused_rate++;
		ct_node_guard_drop(ls->node, &rx->from, c, CT_GUARD_SOURCE_RATE);
		log_limited(CT_LOG_DEBUG, "list request (%s) from %s refused: over the rate limit",
			ct_codec_cmd_name(CT_IPMSG_MODE(rx->m->mode)), ct_haddr_str(&rx->from, b, sizeof b));
		return 0;
	}
	return 1;
}

static void on_isgetlist(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_listsrv *ls = ud;

	ls->st.isgetlist++;
	if (ls->conf.client_node) { /* not a list server: a second answer on the segment would mislead */
		ls->st.client_node_quiet++;
		return;
	}
	if (!allowed(ls, rx, CT_GUARD_OKGETLIST))
		return;
	ct_node_guard_probe(n, &rx->from); /* an unverified client gets the chance to verify */
	if (ct_node_guard_admit(n, &rx->from, CT_GUARD_OKGETLIST) &&
	    ct_node_send(n, &rx->from, CT_IPMSG_OKGETLIST, "", 0) == 0)
		ls->st.okgetlist_sent++;
}

static int snapshot(struct ct_listsrv *ls)
{
	struct ct_hosts *t = ct_node_hosts(ls->node);
	size_t need = ct_hosts_live(t) + 1;

	if (ls->snap_valid && ls->snap_gen == ct_hosts_generation(t) && ls->snap_status == ct_node_status(ls->node))
		return 0;
	if (need > ls->capsnap) {
		size_t nc = need + need / 4 + 16;
		struct ct_host **ns = realloc(ls->snap, nc * sizeof *ns);
		if (!ns)
			return CT_ENOMEM;
		ls->snap = ns;
		struct ct_hostlist_host *nw = realloc(ls->wire, nc * sizeof *nw);
		if (!nw)
			return CT_ENOMEM;
		ls->wire = nw;
		ls->capsnap = nc;
	}
	ls->nsnap = 0;
	ls->snap[ls->nsnap++] = NULL; /* the server itself */
	for (size_t i = 0; i < ct_hosts_count(t) && ls->nsnap < need; i++) {
		struct ct_host *h = ct_hosts_at(t, i);
		if (h->state != CT_HOST_OFFLINE)
			ls->snap[ls->nsnap++] = h;
	}
	memset(ls->wire, 0, ls->nsnap * sizeof *ls->wire);
	ls->snap_gen = ct_hosts_generation(t);
	ls->snap_status = ct_node_status(ls->node);
	ls->snap_valid = 1;
	return 0;
}

size_t ct_listsrv_size(struct ct_listsrv *ls)
{
	return snapshot(ls) == 0 ? ls->nsnap : 0;
}

/* A GETLIST from an unverified source whose credit pays for no host or that was just probed:
 * kept until its answer to the probe verifies it (on_verified), at most DEFER_MS and MAX_DEFER
 * of them. */
static void on_defer_timer(struct ct_evloop *ev, uint64_t id, void *ud);

/* Drops (counted as over the credit) the deferred GETLISTs older than DEFER_MS; rearms the
 * timer while some wait, so that every one is counted when it expires. */
static void expire_deferred(struct ct_listsrv *ls, uint64_t now)
{
	struct ct_evloop *ev = ct_node_evloop(ls->node);
	uint64_t next = 0;

	for (size_t i = 0; i < MAX_DEFER; i++) {
		struct deferred *d = &ls->defer[i];
		if (d->used && now - d->at_ms > DEFER_MS) {
			d->used = 0;
			ct_node_guard_drop(ls->node, &d->from, CT_GUARD_ANSLIST, CT_GUARD_CREDIT);
		} else if (d->used && (!next || d->at_ms + DEFER_MS + 1 - now < next)) {
			next = d->at_ms + DEFER_MS + 1 - now;
		}
	}
	ct_evloop_cancel_timer(ev, ls->t_defer);
	ls->t_defer = next ? ct_evloop_add_timer(ev, next, on_defer_timer, ls) : 0;
}

static void on_defer_timer(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_listsrv *ls = ud;

	(void)id;
	ls->t_defer = 0;
	expire_deferred(ls, ct_evloop_now_ms(ev));
}

static int defer(struct ct_listsrv *ls, const struct ct_haddr *from, uint32_t start, int utf8, uint64_t now)
{
	struct deferred *slot = NULL;

	for (size_t i = 0; i < MAX_DEFER; i++) {
		struct deferred *d = &ls->defer[i];
		if (d->used && now - d->at_ms > DEFER_MS) {
			d->used = 0;
			ct_node_guard_drop(ls->node, &d->from, CT_GUARD_ANSLIST, CT_GUARD_CREDIT);
		}
		if (d->used && ct_haddr_same_ip(&d->from, from)) {
			slot = d; /* a newer request from the same source replaces the older */
			break;
		}
		if (!d->used && !slot)
			slot = d;
	}
	if (!slot)
		return 0;
	slot->used = 1;
	slot->from = *from;
	slot->start = start;
	slot->utf8 = utf8;
	slot->at_ms = now;
	ls->st.deferred++;
	if (!ls->t_defer)
		expire_deferred(ls, now);
	return 1;
}

static void send_page(struct ct_listsrv *ls, const struct ct_haddr *from, uint32_t start, int utf8,
	uint64_t now, int may_defer);

/* An answer to one of our questions (the probe): a deferred GETLIST from that source goes out. */
static void on_verified(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_listsrv *ls = ud;

	for (size_t i = 0; i < MAX_DEFER; i++) {
		struct deferred *d = &ls->defer[i];
		if (!d->used || !ct_haddr_same_ip(&d->from, &rx->from))
			continue;
		if (!ct_node_guard_verified(n, &rx->from))
			return;
		d->used = 0;
		send_page(ls, &d->from, d->start, d->utf8, rx->now_ms, 0);
		return;
	}
}

static void on_getlist(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_listsrv *ls = ud;
	const struct ct_ipmsg *m = rx->m;
	uint32_t start = 0;

	ls->st.getlist++;
	if (!allowed(ls, rx, CT_GUARD_ANSLIST))
		return;
	if (m->nsec && ct_hostlist_parse_getlist(m->sec[0].p, m->sec[0].len, &start) != 0) {
		ls->st.bad_getlist++;
		start = 0;
	}
	ct_node_guard_probe(n, &rx->from); /* an unverified client gets the chance to verify */
	send_page(ls, &rx->from, start, (m->opts & (CT_IPMSG_UTF8OPT | CT_IPMSG_CAPUTF8OPT)) != 0, rx->now_ms, 1);
}

/* No credit for even one host: deferred (may_defer) or dropped. */
static void no_credit(struct ct_listsrv *ls, const struct ct_haddr *from, uint32_t start, int utf8,
	uint64_t now, int may_defer)
{
	if (!may_defer || !defer(ls, from, start, utf8, now))
		ct_node_guard_drop(ls->node, from, CT_GUARD_ANSLIST, CT_GUARD_CREDIT);
}

/* One ANSLIST page from start, within the budget and, for an unverified source, its credit: a
 * smaller page with the right "next" (the client asks for the rest). */
static void send_page(struct ct_listsrv *ls, const struct ct_haddr *from, uint32_t start, int utf8,
	uint64_t now, int may_defer)
{
	struct ct_node *n = ls->node;
	uint32_t cmd = CT_IPMSG_ANSLIST;
	size_t budget = ls->conf.budget, room = ct_node_guard_room(n, from), win, end, next = 0;
	char (*addrs)[48] = NULL;
	char **conv = NULL;
	int r, cut = room < budget;

	if (cut)
		budget = room;
	if (snapshot(ls) != 0)
		return;
	ct_node_self(n, &ls->self); /* the node's strings may have changed on a reload */
	if (start >= ls->nsnap) {
		ls->st.bad_getlist++;
		log_debug("GETLIST start %u beyond the list (%zu hosts); sending from 0", start, ls->nsnap);
		start = 0;
	}
	/* the probe's answer is on the way (a client answers within a second or so): one full page
	 * then rather than many small ones now; without a probe running, cut to the credit */
	if (budget < MIN_PAGE || (cut && may_defer && ct_node_guard_probing(n, from, DEFER_MS))) {
		no_credit(ls, from, start, utf8, now, may_defer);
		return;
	}
	if (!ct_node_guard_admit(n, from, CT_GUARD_ANSLIST))
		return;
	win = budget / MIN_ENTRY + 2;
	end = start + win < ls->nsnap ? start + win : ls->nsnap;
	if (!(addrs = calloc(end - start, sizeof *addrs)) || (!utf8 && !(conv = calloc((end - start) * 4, sizeof *conv))))
		goto out;
	for (size_t i = start; i < end; i++) {
		const struct ct_host *h = ls->snap[i];
		struct ct_hostlist_host *w = &ls->wire[i];
		const char *s[4];
		const struct ct_haddr *a = h ? &h->addr : &ls->self.addr;
		s[0] = h ? h->user : ls->self.user;
		s[1] = h ? h->host : ls->self.host;
		s[2] = h ? h->nick : ls->self.nick;
		s[3] = h ? h->group : ls->self.group;
		if (!utf8)
			for (int k = 0; k < 4; k++) {
				char **c = &conv[(i - start) * 4 + k];
				*c = ct_charset_encode_str(CT_CS_CP932, s[k], strlen(s[k]));
				s[k] = *c ? *c : "?";
			}
		w->user = s[0];
		w->host = s[1];
		w->nick = s[2];
		w->group = s[3];
		w->status = h ? h->status : ls->self.status;
		w->addr = ct_haddr_ip_str(a, addrs[i - start], sizeof addrs[0]);
		w->port = a->port;
	}
	if (utf8)
		cmd |= CT_IPMSG_UTF8OPT;
	ct_sbuf_reset(&ls->out);
	{
		char *u = utf8 ? NULL : ct_charset_encode_str(CT_CS_CP932, ls->self.user, strlen(ls->self.user));
		char *hh = utf8 ? NULL : ct_charset_encode_str(CT_CS_CP932, ls->self.host, strlen(ls->self.host));
		r = ct_codec_build_header(&ls->out, NULL, ct_node_next_packetno(n), u ? u : ls->self.user,
			hh ? hh : ls->self.host, cmd);
		free(u);
		free(hh);
	}
	if (r == 0)
		r = ct_hostlist_build_page(&ls->out, ls->wire, end, start, budget, &next);
	if (r == 0 && next == 0 && end < ls->nsnap)
		r = CT_ETOOBIG; /* cannot happen: the window always holds more than a page */
	if (r == CT_ETOOBIG && cut) { /* not one host fits in what is left of the credit */
		no_credit(ls, from, start, utf8, now, may_defer);
		goto out;
	}
	if (r != 0) {
		log_warn("cannot build an ANSLIST page from %u: %s", start, ct_strerror(r));
		goto out;
	}
	if (ct_node_send_raw(n, from, ls->out.p, ls->out.len) == 0) {
		ls->st.pages_sent++;
		if (ls->out.len > ls->st.max_page_bytes)
			ls->st.max_page_bytes = ls->out.len;
		ls->st.entries_sent += (next ? next : ls->nsnap) - start;
		if (cut && next)
			ct_node_guard_cut(n);
	}
out:
	if (conv)
		for (size_t i = 0; i < (end - start) * 4; i++)
			free(conv[i]);
	free(conv);
	free(addrs);
	memset(&ls->wire[start], 0, (end - start) * sizeof *ls->wire);
}

int ct_listsrv_reconf(struct ct_listsrv *ls, const struct ct_listsrv_conf *c)
{
	struct ct_ratelim *rl;
	double rate = c->rate > 0 ? c->rate : 20;
	double burst = c->burst > 0 ? c->burst : (2 * rate > 20 ? 2 * rate : 20);

	if (!(rl = ct_ratelim_new(rate, burst, 4096)))
		return CT_ENOMEM;
	ct_ratelim_free(ls->rl);
	ls->rl = rl;
	ls->conf = *c;
	if (!ls->conf.budget)
		ls->conf.budget = CT_HOSTLIST_BUDGET_IPTUX;
	if (ls->conf.budget > CT_HOSTLIST_BUDGET_WIN)
		ls->conf.budget = CT_HOSTLIST_BUDGET_WIN;
	if (ls->conf.budget < 256)
		ls->conf.budget = 256;
	double g = c->global_rate > 0 ? c->global_rate : 2000;
	ct_pace_init(&ls->global, g, g, 0);
	return 0;
}

/* The modes the list server answers, on the node's handler lists. */
static const struct ct_node_handler handlers[] = {
	{ CT_IPMSG_BR_ISGETLIST2, on_isgetlist },
	{ CT_IPMSG_BR_ISGETLIST, on_isgetlist },
	{ CT_IPMSG_GETLIST, on_getlist },
	/* the answers that verify a source (node.h, the guard) */
	{ CT_IPMSG_ANSENTRY, on_verified },
	{ CT_IPMSG_SENDINFO, on_verified },
	{ CT_IPMSG_RECVMSG, on_verified },
};

int ct_listsrv_new(struct ct_listsrv **out, struct ct_node *node, const struct ct_listsrv_conf *conf)
{
	struct ct_listsrv *ls = calloc(1, sizeof *ls);
	int r;

	*out = NULL;
	if (!ls)
		return CT_ENOMEM;
	ls->node = node;
	ct_sbuf_init(&ls->out);
	if ((r = ct_listsrv_reconf(ls, conf)) != 0) {
		free(ls);
		return r;
	}
	if ((r = ct_node_add_handlers(node, handlers, CT_ARRAY_LEN(handlers), ls)) != 0) {
		ct_listsrv_free(ls);
		return r;
	}
	*out = ls;
	return 0;
}

void ct_listsrv_free(struct ct_listsrv *ls)
{
	if (!ls)
		return;
	ct_node_remove_handlers(ls->node, handlers, CT_ARRAY_LEN(handlers), ls);
	ct_evloop_cancel_timer(ct_node_evloop(ls->node), ls->t_defer);
	ct_ratelim_free(ls->rl);
	free(ls->snap);
	free(ls->wire);
	ct_sbuf_fini(&ls->out);
	free(ls);
}

const struct ct_listsrv_stats *ct_listsrv_stats(const struct ct_listsrv *ls) { return &ls->st; }
