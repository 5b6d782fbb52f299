/* fed.c: the list-server federation engine: ownership, versions, digests, paged differences, leases and tombstones (fed.h). */
#include "config.h"
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "fed-auth.h"
#include "fed-int.h"
#include "fed.h"
#include "fedwire.h"
#include "hosts.h"
#include "listcli.h"
#include "log.h"
#include "node.h"
#include "sbuf.h"

static void on_rx(struct ct_node *n, const struct ct_node_rx *rx, void *ud);

/* ---- peers ---- */

static int resolve(struct ct_fed_peer *p, uint16_t defport)
{
	struct addrinfo hints, *res = NULL;
	int g;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	if ((g = getaddrinfo(p->name, NULL, &hints, &res)) != 0 || !res) {
		snprintf(p->st.last_error, sizeof p->st.last_error, "peer '%s' does not resolve: %s", p->name,
			g ? gai_strerror(g) : "no address");
		p->st.errors++;
		return CT_ENOTFOUND;
	}
	ct_haddr_from_sa(&p->st.addr, res->ai_addr);
	p->st.addr.port = p->port ? p->port : defport;
	freeaddrinfo(res);
	return 0;
}

/* "[ipmsg:]NAME" or "[ipmsg:]NAME:PORT" into p (name copied). */
static int peer_init(struct ct_fed_peer *p, const char *spec)
{
	const char *all = spec, *colon;

	memset(p, 0, sizeof *p);
	p->kind = CT_HOST_SRC_PEER;
	if (strncmp(spec, CT_FED_IPMSG_PREFIX, strlen(CT_FED_IPMSG_PREFIX)) == 0) {
		p->kind = CT_HOST_SRC_IPMSG;
		p->st.ipmsg = 1;
		spec += strlen(CT_FED_IPMSG_PREFIX);
	}
	const char *key = strstr(spec, " key=");
	char *host = NULL;
	if (key) {
		if (!ct_fedauth_fpr_ok(key + 5))
			return CT_EINVAL;
		snprintf(p->want_fpr, sizeof p->want_fpr, "%s", key + 5);
		p->st.keyed = 1;
		if (!(spec = host = strndup(spec, (size_t)(key - spec))))
			return CT_ENOMEM;
	}
	colon = strrchr(spec, ':');
	if (colon && !strchr(colon + 1, ':')) {
		char *end;
		unsigned long port = strtoul(colon + 1, &end, 10);
		if (*end || port == 0 || port > 65535 || colon == spec) {
			free(host);
			return CT_EINVAL;
		}
		p->port = (uint16_t)port;
		p->name = strndup(spec, (size_t)(colon - spec));
	} else {
		p->name = strdup(spec);
	}
	free(host);
	p->st.name = p->spec = strdup(all);
	return p->name && p->spec ? 0 : CT_ENOMEM;
}

static struct ct_fed_peer *peer_of(struct ct_fed *f, const struct ct_haddr *from)
{
	for (size_t i = 0; i < f->npeers; i++)
		if (f->peers[i].kind == CT_HOST_SRC_PEER && f->peers[i].st.addr.family &&
		    ct_haddr_eq(&f->peers[i].st.addr, from))
			return &f->peers[i];
	return NULL;
}

/* The one place a datagram is admitted: a configured peer's address and port. Peer keys (the
 * protocol's RSA signatures) will be checked here too once peers have them. */
static struct ct_fed_peer *fed_accept(struct ct_fed *f, const struct ct_node_rx *rx)
{
	struct ct_fed_peer *p = peer_of(f, &rx->from);
	char b[CT_HADDR_STRLEN];

	if (!p) {
		f->st.refused++;
		log_limited(CT_LOG_NOTICE, "federation datagram from %s refused: not a configured peer",
			ct_haddr_str(&rx->from, b, sizeof b));
	}
	return p;
}

/* ---- what we own ---- */

static uint32_t hash_host(const struct ct_host *h, int local)
{
	uint32_t x = 2166136261u;
	const char *ss[2] = { h->nick, h->group };

	for (int k = 0; k < 2; k++)
		for (const char *s = ss[k]; s && *s; s++)
			x = (x ^ (uint8_t)*s) * 16777619u;
	for (size_t i = 0; i < sizeof h->addr.ip; i++)
		x = (x ^ h->addr.ip[i]) * 16777619u;
	x = (x ^ h->addr.port) * 16777619u;
	x = (x ^ h->status) * 16777619u;
	return (x ^ (uint32_t)local) * 16777619u;
}

static int tomb_add(struct ct_fed *f, const struct ct_host *h, uint64_t now_ms)
{
	if (f->ntomb == f->captomb) {
		size_t nc = f->captomb ? f->captomb * 2 : 64;
		struct ct_fed_tomb *nt = realloc(f->tombs, nc * sizeof *nt);
		if (!nt)
			return CT_ENOMEM;
		f->tombs = nt;
		f->captomb = nc;
	}
	struct ct_fed_tomb *t = &f->tombs[f->ntomb];
	t->user = strdup(h->user);
	t->host = strdup(h->host);
	if (!t->user || !t->host) {
		free(t->user);
		free(t->host);
		return CT_ENOMEM;
	}
	t->ver = ++f->ver;
	t->at_ms = now_ms;
	f->ntomb++;
	return 0;
}

static void tomb_prune(struct ct_fed *f, uint64_t now_ms)
{
	size_t k = 0;

	for (size_t i = 0; i < f->ntomb; i++) {
		struct ct_fed_tomb *t = &f->tombs[i];
		if (now_ms - t->at_ms >= f->conf.tombstone_ms) {
			if (t->ver > f->tomb_floor)
				f->tomb_floor = t->ver;
			free(t->user);
			free(t->host);
		} else {
			f->tombs[k++] = *t;
		}
	}
	f->ntomb = k;
}

/* A peer we also saw the host through owns it when the host is not on our segment and the
 * peer has it on its own segment, or its address is lower than ours (one owner, either side). */
static int yields(struct ct_fed *f, const struct ct_host *h, uint32_t me)
{
	if (ct_node_is_local(f->node, &h->addr))
		return 0;
	for (size_t i = 0; i < h->nsrc; i++)
		if (h->src[i].kind == CT_HOST_SRC_PEER && (h->src[i].local || ct_haddr_v4(&h->src[i].from) < me))
			return 1;
	return 0;
}

/* Gives a new version to every own host that changed, a tombstone to every host no longer own. */
static void scan(struct ct_fed *f, uint64_t now_ms)
{
	struct ct_host_info self;
	uint32_t me;
	size_t owned = 0, yielded = 0;

	if (f->scanned && !f->dirty && ct_hosts_generation(f->hosts) == f->scan_gen)
		return;
	ct_node_self(f->node, &self);
	me = ct_haddr_v4(&self.addr);
	for (size_t i = 0; i < ct_hosts_count(f->hosts); i++) {
		struct ct_host *h = ct_hosts_at(f->hosts, i);
		int own = (h->origin & CT_HOST_OWN_BITS) && h->state != CT_HOST_OFFLINE;
		h->fed_yield = (uint8_t)(own && yields(f, h, me));
		yielded += h->fed_yield;
		own = own && !h->fed_yield;
		if (own) {
			uint32_t x = hash_host(h, ct_node_is_local(f->node, &h->addr));
			if (!h->fed_own || x != h->fed_hash) {
				h->fed_ver = ++f->ver;
				h->fed_hash = x;
			}
			h->fed_own = 1;
			owned++;
		} else if (h->fed_own) {
			h->fed_own = 0;
			if (tomb_add(f, h, now_ms) != 0)
				h->fed_own = 1; /* tried again at the next scan */
		}
	}
	f->owned = owned;
	f->yielded = yielded;
	f->scan_gen = ct_hosts_generation(f->hosts);
	f->scanned = 1;
	f->dirty = 0;
}

/* ---- sending ---- */

void ct_fed_send_digest(struct ct_fed *f, struct ct_fed_peer *p, uint64_t now_ms)
{
	struct ct_fed_digest d = { f->inc, f->ver, (uint32_t)f->owned, (uint32_t)f->conf.lease_ms,
		p->have_inc, p->st.have_ver };

	if (!p->st.addr.family)
		return;
	ct_sbuf_reset(&f->out);
	if (ct_fedwire_digest_encode(&d, &f->out) == 0 && ct_fed_send_body(f, p, &f->out) == 0) {
		p->st.digests_tx++;
		p->last_tx_ms = now_ms;
	}
}

struct item {
	uint64_t ver;
	const struct ct_host *h;   /* NULL: tombstone t */
	const struct ct_fed_tomb *t;
};

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return x->ver < y->ver ? -1 : x->ver > y->ver;
}

static void flush_page(struct ct_fed *f, struct ct_fed_peer *p, uint64_t from, uint64_t to, int last)
{
	ct_sbuf_reset(&f->out);
	if (ct_fedwire_page_header(&f->out, f->inc, from, to, last) == 0 &&
	    ct_sbuf_add(&f->out, f->ents.p ? f->ents.p : "", f->ents.len) == 0 && ct_fed_send_body(f, p, &f->out) == 0)
		p->st.pages_tx++;
	ct_sbuf_reset(&f->ents);
}

/* Pages of what p lacks: versions above `from` (0: everything live, no tombstones). */
static void send_pages(struct ct_fed *f, struct ct_fed_peer *p, uint64_t from)
{
	size_t n = 0, cap = f->owned + f->ntomb + 1, budget = f->conf.budget - CT_FED_HDR_ROOM, pages = 0;
	if (p->want_fpr[0]) /* sealed: base64 (4/3) plus the key and signature */
		budget = budget > CT_FEDAUTH_OVERHEAD + 1024 ? (budget - CT_FEDAUTH_OVERHEAD) * 3 / 4 - 32 : 512;
	struct item *v = malloc(cap * sizeof *v);
	uint64_t pfrom = from;
	char ip[CT_HADDR_STRLEN];

	if (!v) {
		p->st.errors++;
		return;
	}
	for (size_t i = 0; i < ct_hosts_count(f->hosts) && n < cap; i++) {
		const struct ct_host *h = ct_hosts_at(f->hosts, i);
		if (h->fed_own && h->fed_ver > from)
			v[n++] = (struct item){ h->fed_ver, h, NULL };
	}
	for (size_t i = 0; from && i < f->ntomb && n < cap; i++)
		if (f->tombs[i].ver > from)
			v[n++] = (struct item){ f->tombs[i].ver, NULL, &f->tombs[i] };
	qsort(v, n, sizeof *v, item_cmp);
	ct_sbuf_reset(&f->ents);
	for (size_t i = 0; i < n; i++) {
		struct ct_fed_entry e;
		memset(&e, 0, sizeof e);
		e.ver = v[i].ver;
		if (v[i].h) {
			const struct ct_host *h = v[i].h;
			e.user = h->user;
			e.host = h->host;
			e.nick = h->nick;
			e.group = h->group;
			e.addr = ct_haddr_ip_str(&h->addr, ip, sizeof ip);
			e.port = h->addr.port;
			e.status = h->status;
			e.local = ct_node_is_local(f->node, &h->addr);
		} else {
			e.gone = 1;
			e.user = v[i].t->user;
			e.host = v[i].t->host;
			e.addr = "";
		}
		if (f->ents.len && f->ents.len + ct_fedwire_entry_len(&e) > budget) {
			uint64_t to = v[i - 1].ver;
			if (++pages == CT_FED_BATCH_PAGES) {
				flush_page(f, p, pfrom, to, 1); /* the rest after its next digest */
				p->pushed_ver = to;
				free(v);
				return;
			}
			flush_page(f, p, pfrom, to, 0);
			pfrom = to;
		}
		if (ct_fedwire_entry_encode(&e, &f->ents) != 0)
			ct_sbuf_reset(&f->ents), f->ents.err = 0; /* an unsendable name: skipped */
	}
	flush_page(f, p, pfrom, f->ver, 1);
	p->pushed_ver = f->ver;
	free(v);
}

/* ---- receiving ---- */

/* The source (p) no longer lists h: offline unless another source still lists it. */
static void release(struct ct_fed *f, struct ct_fed_peer *p, struct ct_host *h, double now_wall)
{
	char b[CT_HADDR_STRLEN];

	if (ct_host_src_find(h, p->kind, &p->st.addr))
		f->dirty = 1;
	if (!ct_host_src_release(h, p->kind, &p->st.addr))
		return;
	log_info("host %s@%s (%s) left: no longer listed by peer %s", h->user, h->host,
		ct_haddr_str(&h->addr, b, sizeof b), p->st.name);
	ct_hosts_set_offline(f->hosts, h, CT_HOST_GONE_EXIT, now_wall);
}

/* Drops p's hosts not confirmed in its current round (all: every_one). */
static size_t sweep(struct ct_fed *f, struct ct_fed_peer *p, int every_one, double now_wall)
{
	size_t n = 0;

	for (size_t i = 0; i < ct_hosts_count(f->hosts); i++) {
		struct ct_host *h = ct_hosts_at(f->hosts, i);
		struct ct_host_src *s = ct_host_src_find(h, p->kind, &p->st.addr);
		if (s && (every_one || s->tag != p->tag)) {
			release(f, p, h, now_wall);
			n++;
		}
	}
	return n;
}

static size_t peer_hosts(struct ct_fed *f, struct ct_fed_peer *p)
{
	size_t n = 0;

	for (size_t i = 0; i < ct_hosts_count(f->hosts); i++)
		n += ct_host_src_find(ct_hosts_at(f->hosts, i), p->kind, &p->st.addr) != NULL;
	return n;
}

static void heard(struct ct_fed_peer *p, const struct ct_node_rx *rx, size_t len)
{
	if (!p->st.up && p->st.ever)
		log_notice("federation peer %s answers again", p->st.name);
	p->st.up = 1;
	p->st.ever = 1;
	p->last_rx_ms = rx->now_ms;
	p->st.last_exchange = rx->now_wall;
	p->st.bytes_rx += len;
}

static void on_digest(struct ct_fed *f, struct ct_fed_peer *p, const struct ct_fed_digest *d, const struct ct_node_rx *rx)
{
	int behind;

	p->st.digests_rx++;
	if (p->st.inc && p->st.inc != d->inc)
		log_notice("federation peer %s restarted (incarnation %llu -> %llu): its hosts are resent", p->st.name,
			(unsigned long long)p->st.inc, (unsigned long long)d->inc);
	p->st.inc = d->inc;
	p->st.ver = d->ver;
	p->count = d->count;
	scan(f, rx->now_ms);
	/* what it lacks of ours, unless the pages we sent it within a refresh are still on their
	 * way (a digest that crossed them): resent after a refresh if they were lost */
	if ((d->have_inc != f->inc || d->have_ver < p->pushed_ver) && p->pushed_ms &&
	    rx->now_ms - p->pushed_ms < f->conf.refresh_ms) {
		/* in flight */
	} else if (d->have_inc != f->inc || d->have_ver > f->ver || (d->have_ver && d->have_ver < f->tomb_floor)) {
		p->pushed_ms = rx->now_ms;
		send_pages(f, p, 0);
	} else if (d->have_ver < f->ver) {
		p->pushed_ms = rx->now_ms;
		send_pages(f, p, d->have_ver);
	}
	/* caught up but the count disagrees (a host lost without a tombstone): everything again,
	 * at most once per lease */
	if (p->have_inc == d->inc && p->st.have_ver == d->ver && !p->full_pending &&
	    rx->now_ms - p->last_resync_ms >= f->conf.lease_ms && peer_hosts(f, p) != d->count) {
		p->st.have_ver = 0;
		p->have_inc = 0;
		p->st.resyncs++;
		p->last_resync_ms = rx->now_ms;
	}
	behind = p->have_inc != d->inc || p->st.have_ver < d->ver;
	if (behind && rx->now_ms - p->last_tx_ms >= CT_FED_REPLY_GAP_MS)
		ct_fed_send_digest(f, p, rx->now_ms);
}

static void apply_entry(struct ct_fed *f, struct ct_fed_peer *p, const struct ct_fed_entry *e, const struct ct_node_rx *rx)
{
	struct ct_host *h;

	if (e->gone) {
		if ((h = ct_hosts_find(f->hosts, e->user, e->host)))
			release(f, p, h, rx->now_wall);
		return;
	}
	struct ct_host_info in;
	char *nick = strdup(e->nick), *group = strdup(e->group);
	memset(&in, 0, sizeof in);
	in.user = e->user;
	in.host = e->host;
	in.nick = nick;
	in.group = group;
	in.status = e->status & CT_IPMSG_ALLSTAT;
	if (nick && group && ct_haddr_parse(&in.addr, e->addr, e->port) == 0 &&
	    !ct_node_is_self(f->node, &in.addr, e->user, e->host) &&
	    ct_hosts_update(f->hosts, &in, CT_HOST_PEER, CT_HOST_VIA_LIST, rx->now_ms, rx->now_wall, &h) == 0) {
		struct ct_host_src *s = ct_host_src_set(h, CT_HOST_SRC_PEER, &p->st.addr, rx->now_wall);
		if (s) {
			s->local = (uint8_t)(e->local != 0);
			s->tag = p->tag;
		}
		f->dirty = 1;
	}
	free(nick);
	free(group);
}

static void on_page(struct ct_fed *f, struct ct_fed_peer *p, const struct ct_fed_page *pg, const struct ct_node_rx *rx)
{
	p->st.pages_rx++;
	if (pg->from == 0) {
		p->tag++;
		p->have_inc = pg->inc;
		p->st.have_ver = 0;
		p->full_pending = 1;
	} else if (pg->inc != p->have_inc || pg->from > p->st.have_ver) {
		p->st.gaps++; /* the next digest asks again from what we hold */
		return;
	}
	for (size_t i = 0; i < pg->n; i++)
		if (pg->e[i].ver > p->st.have_ver || pg->from == 0)
			apply_entry(f, p, &pg->e[i], rx);
	if (pg->to > p->st.have_ver)
		p->st.have_ver = pg->to;
	if (pg->last && p->full_pending && p->st.have_ver >= p->st.ver) {
		size_t gone = sweep(f, p, 0, rx->now_wall);
		p->full_pending = 0;
		if (gone)
			log_info("federation peer %s no longer lists %zu hosts", p->st.name, gone);
	}
	if (pg->last && p->st.have_ver < p->st.ver && rx->now_ms - p->last_tx_ms >= CT_FED_REPLY_GAP_MS)
		ct_fed_send_digest(f, p, rx->now_ms); /* more to come: ask for the next batch */
}

static void on_rx(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_fed *f = ud;
	const struct ct_ipmsg *m = rx->m;
	const char *body = m->nsec ? m->sec[0].p : "";
	size_t len = m->nsec ? m->sec[0].len : 0;
	struct ct_fed_peer *p;
	int r;

	(void)n;
	if (!(p = fed_accept(f, rx)) || !(body = ct_fed_authentic(f, p, body, &len, rx)))
		return;
	switch (ct_fedwire_kind(body, len)) {
	case CT_FEDWIRE_DIGEST: {
		struct ct_fed_digest d;
		if ((r = ct_fedwire_digest_decode(body, len, &d)) != 0)
			break;
		heard(p, rx, len);
		on_digest(f, p, &d, rx);
		return;
	}
	case CT_FEDWIRE_PAGE: {
		struct ct_fed_page pg;
		r = ct_fedwire_page_decode(body, len, &pg);
		if (r == 0) {
			heard(p, rx, len);
			on_page(f, p, &pg, rx);
		}
		ct_fedwire_page_fini(&pg);
		if (r == 0)
			return;
		break;
	}
	default:
		break;
	}
	f->st.malformed++;
	p->st.errors++;
	snprintf(p->st.last_error, sizeof p->st.last_error, "malformed federation datagram (%zu bytes)", len);
}

/* ---- timers ---- */

static void leases(struct ct_fed *f, uint64_t now_ms, double now_wall)
{
	for (size_t i = 0; i < f->npeers; i++) {
		struct ct_fed_peer *p = &f->peers[i];
		if (!p->st.up || now_ms - p->last_rx_ms < f->conf.lease_ms)
			continue;
		size_t n = p->st.addr.family ? sweep(f, p, 1, now_wall) : 0;
		p->st.up = 0;
		p->st.expired++;
		p->have_inc = 0;
		p->st.have_ver = 0;
		snprintf(p->st.last_error, sizeof p->st.last_error, "silent for %llu s (lease)",
			(unsigned long long)((now_ms - p->last_rx_ms) / 1000));
		log_notice("federation peer %s silent for the lease (%llu s): its %zu hosts expired here", p->st.name,
			(unsigned long long)(f->conf.lease_ms / 1000), n);
	}
}

void ct_fed_refresh(struct ct_fed *f)
{
	uint64_t now = ct_evloop_now_ms(f->ev);

	scan(f, now);
	tomb_prune(f, now);
	for (size_t i = 0; i < f->npeers; i++) {
		struct ct_fed_peer *p = &f->peers[i];
		if (!p->st.addr.family && resolve(p, ct_node_port(f->node)) != 0)
			continue;
		if (p->kind == CT_HOST_SRC_PEER)
			ct_fed_send_digest(f, p, now);
	}
	f->sent_ver = f->ver;
	f->last_refresh_ms = now;
}

static void on_tick(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_fed *f = ud;
	uint64_t now = ct_evloop_now_ms(ev);

	(void)id;
	f->t_tick = ct_evloop_add_timer(ev, CT_FED_TICK_MS, on_tick, f);
	leases(f, now, ct_wall_now());
	scan(f, now);
	if (now - f->last_refresh_ms >= f->conf.refresh_ms || f->ver != f->sent_ver)
		ct_fed_refresh(f); /* the period, or a change to push */
}

/* ---- life ---- */

int ct_fed_new(struct ct_fed **out, struct ct_node *node, const struct ct_fed_conf *conf, char *err, size_t errlen)
{
	struct ct_fed *f = calloc(1, sizeof *f);
	int r;

	*out = NULL;
	if (!f)
		return CT_ENOMEM;
	f->node = node;
	f->hosts = ct_node_hosts(node);
	f->ev = ct_node_evloop(node);
	f->conf = *conf;
	if (!f->conf.refresh_ms)
		f->conf.refresh_ms = CT_FED_DEFAULT_REFRESH_MS;
	if (!f->conf.lease_ms)
		f->conf.lease_ms = 3 * f->conf.refresh_ms;
	if (f->conf.lease_ms < 2 * f->conf.refresh_ms)
		f->conf.lease_ms = 2 * f->conf.refresh_ms; /* one lost digest never expires a peer */
	if (!f->conf.tombstone_ms)
		f->conf.tombstone_ms = 4 * f->conf.lease_ms;
	if (f->conf.tombstone_ms < 2 * f->conf.lease_ms)
		f->conf.tombstone_ms = 2 * f->conf.lease_ms; /* WINS: at least twice the refresh */
	if (!f->conf.budget)
		f->conf.budget = 8191;
	if (f->conf.budget < 1024)
		f->conf.budget = 1024;
	f->inc = conf->incarnation ? conf->incarnation : ct_mono_ns() / 1000 + (uint64_t)(ct_wall_now() * 1e6);
	ct_sbuf_init(&f->out);
	ct_sbuf_init(&f->ents);
	ct_sbuf_init(&f->seal);
	ct_sbuf_init(&f->plain);
	if (conf->npeers > CT_FED_MAX_PEERS) {
		snprintf(err, errlen, "at most %d peers", CT_FED_MAX_PEERS);
		free(f);
		return CT_ETOOBIG;
	}
	f->peers = calloc(conf->npeers ? conf->npeers : 1, sizeof *f->peers);
	if (!f->peers) {
		free(f);
		return CT_ENOMEM;
	}
	f->conf.peers = NULL;
	for (size_t i = 0; i < ct_hosts_count(f->hosts); i++) { /* versions start again with the incarnation */
		struct ct_host *h = ct_hosts_at(f->hosts, i);
		h->fed_own = h->fed_yield = 0;
		h->fed_ver = 0;
	}
	uint64_t now = ct_evloop_now_ms(f->ev);
	for (size_t i = 0; i < conf->npeers; i++) {
		struct ct_fed_peer *p = &f->peers[i];
		if ((r = peer_init(p, conf->peers[i])) != 0) {
			snprintf(err, errlen, "peer '%s': not [ipmsg:]NAME[:PORT] [key=16 HEX DIGITS]", conf->peers[i]);
			f->npeers = i + 1;
			ct_fed_free(f);
			return r;
		}
		f->npeers = i + 1;
		p->st.auth = p->want_fpr[0] ? "waiting_key" : "none";
		if (p->want_fpr[0] && (!conf->keys || p->kind != CT_HOST_SRC_PEER)) {
			snprintf(err, errlen, "peer '%s': key= needs our own keys and a camtraced peer", conf->peers[i]);
			ct_fed_free(f);
			return CT_EINVAL;
		}
		p->last_rx_ms = now; /* hosts loaded from the state file get one lease to be confirmed */
		p->st.up = 1;
		if (resolve(p, ct_node_port(node)) != 0)
			log_warn("%s (tried again every refresh)", p->st.last_error);
		if (p->kind == CT_HOST_SRC_IPMSG && (r = ct_fed_ipmsg_start(f, p)) != 0) {
			snprintf(err, errlen, "peer '%s': cannot start its list fetch: %s", p->spec, ct_strerror(r));
			ct_fed_free(f);
			return r;
		}
	}
	if ((r = ct_node_add_handler(node, CT_FEDWIRE_MODE, on_rx, f)) != 0) {
		snprintf(err, errlen, "cannot hook the federation command: %s", ct_strerror(r));
		ct_fed_free(f);
		return r;
	}
	f->t_tick = ct_evloop_add_timer(f->ev, 0, on_tick, f);
	f->last_refresh_ms = now - f->conf.refresh_ms; /* the first tick sends the digests */
	*out = f;
	return 0;
}

void ct_fed_free(struct ct_fed *f)
{
	if (!f)
		return;
	ct_node_remove_handler(f->node, CT_FEDWIRE_MODE, on_rx, f);
	if (f->t_tick)
		ct_evloop_cancel_timer(f->ev, f->t_tick);
	for (size_t i = 0; i < f->npeers; i++) {
		ct_listcli_free(f->peers[i].lc);
		ct_crypt_pub_free(f->peers[i].pub);
		free(f->peers[i].name);
		free(f->peers[i].spec);
	}
	free(f->peers);
	for (size_t i = 0; i < f->ntomb; i++) {
		free(f->tombs[i].user);
		free(f->tombs[i].host);
	}
	free(f->tombs);
	ct_sbuf_fini(&f->out);
	ct_sbuf_fini(&f->ents);
	ct_sbuf_fini(&f->seal);
	ct_sbuf_fini(&f->plain);
	free(f);
}

void ct_fed_stats(struct ct_fed *f, struct ct_fed_stats *st)
{
	*st = f->st;
	st->incarnation = f->inc;
	st->version = f->ver;
	st->owned = f->owned;
	st->tombstones = f->ntomb;
	st->yielded = f->yielded;
}

size_t ct_fed_npeers(const struct ct_fed *f)
{
	return f ? f->npeers : 0;
}

const struct ct_fed_peer_status *ct_fed_peer(struct ct_fed *f, size_t i)
{
	if (!f || i >= f->npeers)
		return NULL;
	f->peers[i].st.hosts = f->peers[i].st.addr.family ? peer_hosts(f, &f->peers[i]) : 0;
	return &f->peers[i].st;
}
