/* ctl-sub.c: event subscription queues of the control socket: kinds, bounded per-client queues, coalescing, "lost" lines. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "err.h"
#include "evloop.h"
#include "jsonw.h"
#include "log.h"
#include "ctl-int.h"
#include "ctl-sub.h"

static const char *const kind_names[] = { "host", "fetch", "notify", "search", "warn" };
#define NKINDS (sizeof kind_names / sizeof kind_names[0])

int ct_ctl_sub_kinds_parse(const struct ct_json *events, unsigned *kinds, char *err, size_t errlen)
{
	*kinds = 0;
	if (!events) {
		*kinds = CT_CTL_EV_ALL;
		return 0;
	}
	if (!ct_json_is_arr(events))
		goto bad;
	for (const struct ct_json *el = ct_json_first(events); el; el = ct_json_next(el)) {
		const char *s = ct_json_str(el);
		size_t k;
		for (k = 0; s && k < NKINDS; k++)
			if (strcmp(s, kind_names[k]) == 0)
				break;
		if (!s || k == NKINDS)
			goto bad;
		*kinds |= 1u << k;
	}
	if (!*kinds)
		*kinds = CT_CTL_EV_ALL;
	return 0;
bad:
	snprintf(err, errlen, "\"events\" must be an array of: host, fetch, notify, search, warn "
		"(absent or empty: all)");
	return CT_EINVAL;
}

struct ct_json *ct_ctl_sub_kinds_json(unsigned kinds)
{
	struct ct_json *a = ct_json_arr();

	for (size_t k = 0; k < NKINDS; k++)
		if (kinds & (1u << k))
			ct_json_add_str(a, NULL, kind_names[k]);
	return a;
}

int64_t ct_ctl_sub_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the queue ---- */

struct qev {
	struct qev *next;
	uint64_t khash;
	uint32_t klen, len;
	char data[];       /* key bytes, then the line */
};

struct ct_ctl_subq {
	unsigned kinds;
	size_t bound;
	struct qev *head, **tail;
	uint64_t lost;     /* dropped, not yet reported */
	struct ct_ctl_subq_stats st;
};

#define QEV_COST(klen, len) (sizeof(struct qev) + (klen) + (len))

static uint64_t fnv(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct ct_ctl_subq *ct_ctl_subq_new(unsigned kinds, size_t bound)
{
	struct ct_ctl_subq *q = calloc(1, sizeof *q);

	if (!q)
		return NULL;
	q->kinds = kinds;
	q->bound = bound ? bound : CT_CTL_SUB_QUEUE;
	q->tail = &q->head;
	return q;
}

void ct_ctl_subq_free(struct ct_ctl_subq *q)
{
	if (!q)
		return;
	while (q->head) {
		struct qev *e = q->head;
		q->head = e->next;
		free(e);
	}
	free(q);
}

unsigned ct_ctl_subq_kinds(const struct ct_ctl_subq *q) { return q->kinds; }
const struct ct_ctl_subq_stats *ct_ctl_subq_stats(const struct ct_ctl_subq *q) { return &q->st; }
int ct_ctl_subq_pending(const struct ct_ctl_subq *q) { return q->head != NULL || q->lost != 0; }

static void unlink_ev(struct ct_ctl_subq *q, struct qev **pp)
{
	struct qev *e = *pp;

	*pp = e->next;
	if (q->tail == &e->next)
		q->tail = pp;
	q->st.bytes -= QEV_COST(e->klen, e->len);
	q->st.count--;
	free(e);
}

static int same_key(const struct qev *a, const struct qev *b)
{
	return a->khash == b->khash && a->klen == b->klen && memcmp(a->data, b->data, a->klen) == 0;
}

/* Drops every keyed event that a newer one of the same key follows (one pass to find the newest
 * of each key in an open-addressing table, one to drop the others). */
static void coalesce(struct ct_ctl_subq *q)
{
	size_t cap = 16, mask;
	struct qev **map;

	while (cap < 2 * q->st.count)
		cap *= 2;
	if (!(map = calloc(cap, sizeof *map)))
		return;
	mask = cap - 1;
	for (struct qev *e = q->head; e; e = e->next) {
		if (!e->klen)
			continue;
		size_t i = (size_t)e->khash & mask;
		while (map[i] && !same_key(map[i], e))
			i = (i + 1) & mask;
		map[i] = e; /* the newest of its key so far */
	}
	for (struct qev **pp = &q->head; *pp;) {
		struct qev *e = *pp;
		if (e->klen) {
			size_t i = (size_t)e->khash & mask;
			while (!same_key(map[i], e))
				i = (i + 1) & mask;
			if (map[i] != e) {
				unlink_ev(q, pp);
				q->st.coalesced++;
				continue;
			}
		}
		pp = &e->next;
	}
	free(map);
}

int ct_ctl_subq_push(struct ct_ctl_subq *q, const void *key, size_t key_len, const char *line, size_t len)
{
	size_t cost = QEV_COST(key_len, len);
	struct qev *e;

	q->st.queued++;
	if (cost > q->bound)
		goto drop;
	if (q->st.bytes + cost > q->bound) {
		coalesce(q);
		/* still too full: the oldest go, down to 3/4 of the bound (room for a burst) */
		while (q->head && q->st.bytes + cost > q->bound / 4 * 3) {
			unlink_ev(q, &q->head);
			q->st.dropped++;
			q->lost++;
		}
	}
	if (!(e = malloc(cost)))
		goto drop;
	e->next = NULL;
	e->klen = (uint32_t)key_len;
	e->len = (uint32_t)len;
	e->khash = key_len ? fnv(key, key_len) : 0;
	if (key_len)
		memcpy(e->data, key, key_len);
	memcpy(e->data + key_len, line, len);
	*q->tail = e;
	q->tail = &e->next;
	q->st.bytes += cost;
	q->st.count++;
	if (q->st.bytes > q->st.peak_bytes)
		q->st.peak_bytes = q->st.bytes;
	return 0;
drop:
	q->st.dropped++;
	q->lost++;
	return cost > q->bound ? CT_ETOOBIG : CT_ENOMEM;
}

size_t ct_ctl_subq_take(struct ct_ctl_subq *q, struct ct_out *o, size_t budget)
{
	size_t n = 0;

	if (q->lost) {
		ct_out_puts(o, "{\"v\":1,\"ev\":\"lost\"");
		ct_jw_kint(o, "t", ct_ctl_sub_now_ms());
		ct_jw_kint(o, "count", (int64_t)q->lost);
		ct_out_put(o, "}\n", 2);
		q->lost = 0;
		n++;
	}
	while (q->head && o->len < budget) {
		struct qev *e = q->head;
		ct_out_put(o, e->data + e->klen, e->len);
		unlink_ev(q, &q->head);
		n++;
	}
	return n;
}

/* ---- the server's side: subscribers, publishing ---- */

void ct_ctl_sub_recount(struct ct_ctl_server *s)
{
	s->sub_kinds = 0;
	for (struct client *c = s->clients; c; c = c->next)
		if (c->sub)
			s->sub_kinds |= ct_ctl_subq_kinds(c->sub);
}

int ct_ctl_sub_attach(struct client *cl, unsigned kinds)
{
	if (cl->sub) { /* subscribing again: the kinds change, the queue stays */
		cl->sub->kinds = kinds;
	} else {
		if (!(cl->sub = ct_ctl_subq_new(kinds, cl->srv->lim.sub_queue)))
			return CT_ENOMEM;
		ct_evloop_cancel_timer(cl->srv->ev, cl->idle_timer);
		cl->idle_timer = 0;
		log_debug("control client %u subscribed", cl->cid);
	}
	ct_ctl_sub_recount(cl->srv);
	return 0;
}

unsigned ct_ctl_server_wants(const struct ct_ctl_server *s) { return s ? s->sub_kinds : 0; }

void ct_ctl_publish(struct ct_ctl_server *s, unsigned kind, const void *key, size_t key_len,
	const char *line, size_t len)
{
	if (!s || !(s->sub_kinds & kind))
		return;
	for (struct client *c = s->clients; c; c = c->next)
		if (c->sub && (c->sub->kinds & kind) && !c->closing) {
			ct_ctl_subq_push(c->sub, key, key_len, line, len);
			ct_ctl_client_watch(c); /* written when the socket is writable: never here */
		}
}

void ct_ctl_server_sub_totals(const struct ct_ctl_server *s, struct ct_ctl_sub_totals *t)
{
	memset(t, 0, sizeof *t);
	for (const struct client *c = s->clients; c; c = c->next)
		if (c->sub) {
			t->subscribers++;
			t->queued += c->sub->st.queued;
			t->coalesced += c->sub->st.coalesced;
			t->dropped += c->sub->st.dropped;
			t->bytes += c->sub->st.bytes;
		}
}
