/* mon-model.c: the monitor model's store: the host table and its index, the event and packet rings, counters, listeners, probe and doctor results. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mon-model-int.h"
#include "jsonw.h"

const char *mon_view_name(enum mon_view v)
{
	static const char *const n[] = { "hosts", "segments", "packets", "events" };
	return (unsigned)v < MON_VIEW_COUNT ? n[v] : "?";
}

const char *mon_hstate_name(enum mon_hstate s)
{
	static const char *const n[] = { "online", "absent", "offline" };
	return (unsigned)s <= MON_HS_OFFLINE ? n[s] : "?";
}

const char *mon_evkind_name(enum mon_evkind k)
{
	static const char *const n[] = { "host", "fetch", "notify", "search", "warn", "lost", "unanswered",
		"icmp", "doctor", "status" };
	return (unsigned)k < MON_EV_COUNT ? n[k] : "?";
}

/* Copies s into dst (size bytes), cut at a UTF-8 character boundary. */
void mon_model_copy(char *dst, size_t size, const char *s)
{
	size_t n;

	if (!size)
		return;
	n = s ? strlen(s) : 0;
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

struct mon_model *mon_model_new(void)
{
	struct mon_model *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->ev = calloc(MON_EVENTS_MAX, sizeof *m->ev);
	m->pk = calloc(MON_PACKETS_MAX, sizeof *m->pk);
	if (!m->ev || !m->pk) {
		mon_model_free(m);
		return NULL;
	}
	m->vs.filter_valid = 1;
	m->rows_stale = m->segs_stale = m->flist_stale = 1;
	m->dirty = 1;
	return m;
}

void mon_model_free(struct mon_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nhosts; i++)
		free(m->hosts[i]);
	free(m->hosts);
	free(m->index);
	free(m->rows);
	free(m->sorted);
	for (size_t i = 0; i < m->nsegs; i++)
		free(m->segs[i]);
	free(m->segs);
	if (m->ev)
		for (size_t i = 0; i < MON_EVENTS_MAX; i++) {
			free(m->ev[i].text);
			free(m->ev[i].json);
		}
	if (m->pk)
		for (size_t i = 0; i < MON_PACKETS_MAX; i++)
			free(m->pk[i].line);
	free(m->ev);
	free(m->pk);
	free(m->fev);
	free(m->fpk);
	free(m->segfacts);
	free(m->rtp);
	free(m->rtprows);
	free(m);
}

struct mon_viewstate *mon_model_vs(struct mon_model *m)
{
	return &m->vs;
}

int mon_model_take_dirty(struct mon_model *m)
{
	int d = m->dirty;

	m->dirty = 0;
	return d;
}

/* Marks a data change: the screen redraws; the rows follow unless paused. */
static void changed(struct mon_model *m)
{
	m->dirty = 1;
	if (!m->vs.paused)
		m->rows_stale = m->segs_stale = 1;
}

void mon_model_listen(struct mon_model *m, mon_event_fn ev, mon_packet_fn pkt, void *ud)
{
	m->on_ev = ev;
	m->on_pkt = pkt;
	m->ud = ud;
}

/* ---- the host table ---- */

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static int index_grow(struct mon_model *m)
{
	size_t cap = m->capindex ? m->capindex * 2 : 256;
	size_t *ix = calloc(cap, sizeof *ix);

	if (!ix)
		return CT_ENOMEM;
	for (size_t i = 0; i < m->nhosts; i++) {
		size_t p = hash(m->hosts[i]->h.key) & (cap - 1);
		while (ix[p])
			p = (p + 1) & (cap - 1);
		ix[p] = i + 1;
	}
	free(m->index);
	m->index = ix;
	m->capindex = cap;
	return 0;
}

struct mon_host *mon_model_host_find(struct mon_model *m, const char *key)
{
	size_t p;

	if (!m->capindex || !key)
		return NULL;
	p = hash(key) & (m->capindex - 1);
	while (m->index[p]) {
		struct mon_hrec *r = m->hosts[m->index[p] - 1];
		if (strcmp(r->h.key, key) == 0)
			return &r->h;
		p = (p + 1) & (m->capindex - 1);
	}
	return NULL;
}

/* The host with this key, made when new (*created set); NULL when out of memory. */
struct mon_hrec *mon_model_host_get(struct mon_model *m, const char *key, int *created)
{
	struct mon_host *h = mon_model_host_find(m, key);
	struct mon_hrec *r;
	size_t p;

	*created = 0;
	if (h)
		return (struct mon_hrec *)h;
	if ((m->nhosts + 1) * 2 > m->capindex && index_grow(m) != 0)
		return NULL;
	if (m->nhosts == m->caphosts) {
		size_t cap = m->caphosts ? m->caphosts * 2 : 64;
		struct mon_hrec **v = realloc(m->hosts, cap * sizeof *v);
		if (!v)
			return NULL;
		m->hosts = v;
		m->caphosts = cap;
	}
	r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	mon_model_copy(r->h.key, sizeof r->h.key, key);
	r->h.seq = ++m->seq;
	r->h.probe.udp_rtt_ms = r->h.probe.udp_rtt_avg_ms = r->h.probe.icmp_rtt_ms = -1;
	r->idx = m->nhosts;
	m->hosts[m->nhosts++] = r;
	p = hash(key) & (m->capindex - 1);
	while (m->index[p])
		p = (p + 1) & (m->capindex - 1);
	m->index[p] = r->idx + 1;
	*created = 1;
	return r;
}

struct mon_host *mon_model_host_at(struct mon_model *m, size_t i)
{
	return i < m->nhosts ? &m->hosts[i]->h : NULL;
}

size_t mon_model_host_count(const struct mon_model *m)
{
	return m->nhosts;
}

void mon_model_hist(struct mon_host *h, int64_t t, const char *op)
{
	struct mon_hist *e = &h->hist[h->nhist % MON_HISTORY];

	e->t = t;
	mon_model_copy(e->op, sizeof e->op, op);
	e->state = h->state;
	h->nhist++;
}

/* ---- events and packets ---- */

struct mon_event *mon_model_event_seq(struct mon_model *m, uint64_t seq)
{
	uint64_t first = m->ev_seq - m->ev_n + 1;

	if (!m->ev_n || seq < first || seq > m->ev_seq)
		return NULL;
	return &m->ev[(m->ev_head + (size_t)(seq - first)) % MON_EVENTS_MAX];
}

struct mon_packet *mon_model_packet_seq(struct mon_model *m, uint64_t seq)
{
	uint64_t first = m->pk_seq - m->pk_n + 1;

	if (!m->pk_n || seq < first || seq > m->pk_seq)
		return NULL;
	return &m->pk[(m->pk_head + (size_t)(seq - first)) % MON_PACKETS_MAX];
}

/* Adds an event (takes text and json, both malloc'd; NULL json: made from the text). */
void mon_model_add_event(struct mon_model *m, enum mon_evkind kind, int level, const char *op, const char *key,
	int64_t t, char *text, char *json)
{
	struct mon_event *e;

	if (!text) {
		free(json);
		return;
	}
	if (!json) {
		struct ct_out o;
		ct_out_init_buf(&o);
		ct_out_puts(&o, "{\"v\":1");
		ct_jw_kstr(&o, "ev", mon_evkind_name(kind));
		ct_jw_kint(&o, "t", t);
		ct_jw_kstr(&o, "level", level >= 2 ? "error" : level == 1 ? "warning" : "info");
		if (key && *key)
			ct_jw_kstr(&o, "host", key);
		ct_jw_kstr(&o, "msg", text);
		ct_out_putc(&o, '}');
		if (o.oom) {
			free(o.p);
			free(text);
			return;
		}
		ct_out_putc(&o, '\0');
		json = o.p;
	}
	if (m->ev_n == MON_EVENTS_MAX) {
		e = &m->ev[m->ev_head];
		free(e->text);
		free(e->json);
		m->ev_head = (m->ev_head + 1) % MON_EVENTS_MAX;
		m->ev_n--;
		m->cnt.dropped++;
	}
	e = &m->ev[(m->ev_head + m->ev_n) % MON_EVENTS_MAX];
	memset(e, 0, sizeof *e);
	e->t = t;
	e->kind = kind;
	e->level = level;
	mon_model_copy(e->op, sizeof e->op, op);
	mon_model_copy(e->key, sizeof e->key, key);
	e->text = text;
	e->json = json;
	e->seq = ++m->ev_seq;
	m->ev_n++;
	m->cnt.events++;
	if (m->vs.paused)
		m->vs.paused_events++;
	m->dirty = 1;
	if (m->on_ev)
		m->on_ev(m->ud, e);
}

void mon_model_note(struct mon_model *m, enum mon_evkind kind, int level, const char *key, int64_t now,
	const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (kind == MON_EV_UNANSWERED)
		m->cnt.unanswered++;
	else if (kind == MON_EV_ICMP)
		m->cnt.icmp++;
	mon_model_add_event(m, kind, level, "", key, now, text, NULL);
}

void mon_model_packet(struct mon_model *m, int64_t now, unsigned flags, const char *line, size_t len)
{
	struct mon_packet *p;
	char *s = malloc(len + 1);

	if (!s)
		return;
	memcpy(s, line, len);
	s[len] = '\0';
	if (m->pk_n == MON_PACKETS_MAX) {
		free(m->pk[m->pk_head].line);
		m->pk_head = (m->pk_head + 1) % MON_PACKETS_MAX;
		m->pk_n--;
		m->cnt.dropped++;
	}
	p = &m->pk[(m->pk_head + m->pk_n) % MON_PACKETS_MAX];
	p->t = now;
	p->flags = flags;
	p->line = s;
	p->seq = ++m->pk_seq;
	m->pk_n++;
	m->cnt.packets++;
	m->dirty = 1;
	if (m->on_pkt)
		m->on_pkt(m->ud, p);
}

void mon_model_rtp(struct mon_model *m, const struct mon_rtp *r)
{
	size_t i;

	for (i = 0; i < m->nrtp; i++)
		if (strcmp(m->rtp[i].key, r->key) == 0)
			break;
	if (i == m->nrtp) {
		struct mon_rtp *v = realloc(m->rtp, (m->nrtp + 1) * sizeof *v);
		const struct mon_rtp **rv = realloc(m->rtprows, (m->nrtp + 1) * sizeof *rv);
		if (v)
			m->rtp = v;
		if (rv)
			m->rtprows = rv;
		if (!v || !rv)
			return;
		m->nrtp++;
	}
	m->rtp[i] = *r;
	m->dirty = 1;
}

size_t mon_model_rtp_rows(struct mon_model *m, const struct mon_rtp *const **rows)
{
	for (size_t i = 0; i < m->nrtp; i++)
		m->rtprows[i] = &m->rtp[i];
	*rows = m->rtprows;
	return m->nrtp;
}

/* ---- probe and doctor results ---- */

void mon_model_probe(struct mon_model *m, const char *key, const struct mon_probe *p)
{
	struct mon_host *h = mon_model_host_find(m, key);

	if (!h)
		return;
	h->probe = *p;
	changed(m);
}

void mon_model_doctor(struct mon_model *m, const char *key, enum mon_doctor_state st, const char *verdict,
	const char *summary, int64_t now)
{
	struct mon_host *h = mon_model_host_find(m, key);

	if (!h)
		return;
	h->doctor = st;
	mon_model_copy(h->doctor_verdict, sizeof h->doctor_verdict, verdict);
	mon_model_copy(h->doctor_summary, sizeof h->doctor_summary, summary);
	changed(m);
	if (st == MON_DOC_DONE)
		mon_model_note(m, MON_EV_DOCTOR, 0, key, now, "doctor %s@%s: %s%s%s", h->user, h->host,
			verdict ? verdict : "?", summary && *summary ? ": " : "", summary ? summary : "");
	else if (st == MON_DOC_FAILED)
		mon_model_note(m, MON_EV_DOCTOR, 1, key, now, "doctor %s@%s failed: %s", h->user, h->host,
			summary ? summary : "");
}

const struct mon_counters *mon_model_counters(const struct mon_model *m)
{
	return &m->cnt;
}

void mon_model_reset(struct mon_model *m, int64_t now)
{
	memset(&m->cnt, 0, sizeof m->cnt);
	m->cnt.since = now;
	for (size_t i = 0; i < m->nhosts; i++) {
		struct mon_host *h = &m->hosts[i]->h;
		int active = h->probe.active;
		h->flaps = h->joins = h->exits = h->losts = 0;
		memset(&h->probe, 0, sizeof h->probe);
		h->probe.active = active;
		h->probe.udp_rtt_ms = h->probe.udp_rtt_avg_ms = h->probe.icmp_rtt_ms = -1;
	}
	for (size_t i = 0; i < m->nrtp; i++)
		m->rtp[i].packets = m->rtp[i].lost = 0;
	m->rows_stale = m->segs_stale = 1;
	m->dirty = 1;
}

void mon_model_pin(struct mon_model *m, struct mon_host *h, int on)
{
	if (!h)
		return;
	h->pinned = on;
	changed(m);
}
