/* mon-model-view.c: the monitor model's views: filter (checked as typed), sort with reverse, frozen order, pause, segments, selection and scrolling. */
#include "config.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mon-model-int.h"

const char *mon_sort_name(enum mon_sort s)
{
	static const char *const n[] = { "default", "nick", "group", "user", "addr", "origin", "state", "flaps",
		"last", "program", "rtt", "loss" };
	return (unsigned)s < MON_SORT_COUNT ? n[s] : "?";
}

int mon_sort_for_key(int key)
{
	static const char keys[] = "0ngu" "awtf" "lvRL";

	for (int i = 0; i < MON_SORT_COUNT; i++)
		if (keys[i] == key)
			return i;
	return -1;
}

/* ---- filter ---- */

static const struct {
	const char *name;
	enum mon_fterm_field f;
} fields[] = {
	{ "user", MON_FT_USER }, { "host", MON_FT_HOST }, { "nick", MON_FT_NICK }, { "group", MON_FT_GROUP },
	{ "addr", MON_FT_ADDR }, { "origin", MON_FT_ORIGIN }, { "state", MON_FT_STATE }, { "prog", MON_FT_PROG },
};

static void lower(char *d, size_t size, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size; i++)
		d[i] = (char)tolower((unsigned char)s[i]);
	d[i] = '\0';
}

/* One word into t: 0, or -1 with why in err. */
static int parse_term(const char *w, size_t n, struct mon_fterm *t, char *err, size_t errlen)
{
	const char *colon = memchr(w, ':', n);
	char buf[64];

	memset(t, 0, sizeof *t);
	if (n && *w == '!') {
		t->neg = 1;
		w++;
		n--;
	}
	if (!n) {
		snprintf(err, errlen, "'!' needs a word after it");
		return -1;
	}
	if (n >= sizeof t->s) {
		snprintf(err, errlen, "a word longer than %zu bytes", sizeof t->s - 1);
		return -1;
	}
	lower(buf, sizeof buf, w, n);
	if (strncmp(buf, "flaps>", 6) == 0) {
		char *end;
		t->field = MON_FT_FLAPS;
		t->n = strtol(buf + 6, &end, 10);
		if (!buf[6] || *end || t->n < 0) {
			snprintf(err, errlen, "flaps> needs a number");
			return -1;
		}
		return 0;
	}
	if (strcmp(buf, "unstable") == 0 || strcmp(buf, "pinned") == 0) {
		t->field = *buf == 'u' ? MON_FT_UNSTABLE : MON_FT_PINNED;
		return 0;
	}
	if (ct_cidr_parse(buf, &t->cidr) == 0) {
		t->field = MON_FT_CIDR;
		return 0;
	}
	if (strchr(buf, '/') && strspn(buf, "0123456789./:abcdef") == strlen(buf)) {
		snprintf(err, errlen, "'%s' is not an address or CIDR", buf);
		return -1;
	}
	if (colon && (size_t)(colon - w) < n && !strchr(buf, '.')) {
		size_t k = (size_t)(colon - w) - (size_t)0;
		size_t i;
		for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
			if (strlen(fields[i].name) == k && strncmp(buf, fields[i].name, k) == 0)
				break;
		if (i == sizeof fields / sizeof fields[0]) {
			snprintf(err, errlen, "unknown field '%.*s' (user host nick group addr origin state prog)",
				(int)k, buf);
			return -1;
		}
		if (!buf[k + 1]) {
			snprintf(err, errlen, "%s: needs a value", fields[i].name);
			return -1;
		}
		t->field = fields[i].f;
		mon_model_copy(t->s, sizeof t->s, buf + k + 1);
		if (t->field == MON_FT_STATE && strcmp(t->s, "online") && strcmp(t->s, "absent") &&
			strcmp(t->s, "offline") && strcmp(t->s, "left") && strcmp(t->s, "lost")) {
			snprintf(err, errlen, "state: is online, absent, offline, left or lost");
			return -1;
		}
		if (t->field == MON_FT_ADDR && ct_cidr_parse(t->s, &t->cidr) == 0)
			t->field = MON_FT_CIDR;
		return 0;
	}
	t->field = MON_FT_ANY;
	mon_model_copy(t->s, sizeof t->s, buf);
	return 0;
}

int mon_model_filter(struct mon_model *m, const char *text)
{
	struct mon_fterm terms[MON_TERMS_MAX];
	size_t n = 0;
	const char *p = text ? text : "";
	char err[96] = "";

	mon_model_copy(m->vs.filter, sizeof m->vs.filter, p);
	while (*p) {
		size_t len;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " \t");
		if (n == MON_TERMS_MAX) {
			snprintf(err, sizeof err, "more than %d words", MON_TERMS_MAX);
			break;
		}
		if (parse_term(p, len, &terms[n], err, sizeof err) != 0)
			break;
		n++;
		p += len;
	}
	m->dirty = 1;
	if (*err) {
		m->vs.filter_valid = 0;
		mon_model_copy(m->vs.filter_error, sizeof m->vs.filter_error, err);
		return 0;
	}
	m->vs.filter_valid = 1;
	m->vs.filter_error[0] = '\0';
	memcpy(m->terms, terms, n * sizeof terms[0]);
	m->nterms = n;
	m->rows_stale = m->segs_stale = m->flist_stale = 1;
	m->vs.sel = m->vs.top = 0;
	return 1;
}

/* Case-insensitive substring (ASCII folding; other bytes compared as they are). */
static int has(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return !*needle;
}

static int addr_in(const struct ct_cidr *c, const char *addr)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, addr, b) == 1)
		return ct_cidr_contains(c, AF_INET, b);
	if (inet_pton(AF_INET6, addr, b) == 1)
		return ct_cidr_contains(c, AF_INET6, b);
	return 0;
}

static const char *state_word(const struct mon_host *h)
{
	if (h->state == MON_HS_OFFLINE && *h->offline_reason)
		return h->offline_reason;
	return mon_hstate_name(h->state);
}

static int term_match(const struct mon_fterm *t, const struct mon_host *h)
{
	switch (t->field) {
	case MON_FT_USER: return has(h->user, t->s);
	case MON_FT_HOST: return has(h->host, t->s);
	case MON_FT_NICK: return has(h->nick, t->s);
	case MON_FT_GROUP: return has(h->group, t->s);
	case MON_FT_ADDR: return has(h->addr, t->s);
	case MON_FT_ORIGIN: return has(h->origin, t->s);
	case MON_FT_PROG: return has(h->program, t->s);
	case MON_FT_STATE:
		return strcmp(t->s, mon_hstate_name(h->state)) == 0 || strcmp(t->s, state_word(h)) == 0;
	case MON_FT_FLAPS: return (long)h->flap_count > t->n || (long)h->flaps > t->n;
	case MON_FT_UNSTABLE: return h->unstable;
	case MON_FT_PINNED: return h->pinned;
	case MON_FT_CIDR: return addr_in(&t->cidr, h->addr);
	case MON_FT_ANY:
	default:
		return has(h->user, t->s) || has(h->host, t->s) || has(h->nick, t->s) || has(h->group, t->s) ||
			has(h->addr, t->s) || has(h->program, t->s) || has(h->origin, t->s);
	}
}

int mon_model_host_match(const struct mon_model *m, const struct mon_host *h)
{
	for (size_t i = 0; i < m->nterms; i++)
		if (term_match(&m->terms[i], h) == m->terms[i].neg)
			return 0;
	return 1;
}

/* Events and packets: each word (its value for FIELD:VALUE) is a substring of the line;
 * a CIDR word matches the line's addresses by text prefix of the network. */
int mon_model_text_match(const struct mon_model *m, const char *text)
{
	for (size_t i = 0; i < m->nterms; i++) {
		const struct mon_fterm *t = &m->terms[i];
		int hit;
		if (t->field == MON_FT_CIDR || t->field == MON_FT_FLAPS || t->field == MON_FT_UNSTABLE ||
			t->field == MON_FT_PINNED)
			hit = 1; /* host-only words do not hide lines */
		else
			hit = has(text, t->s);
		if (hit == t->neg)
			return 0;
	}
	return 1;
}

/* ---- sort ---- */

static int addr_cmp(const char *a, const char *b)
{
	unsigned char x[16] = { 0 }, y[16] = { 0 };
	int fx = strchr(a, ':') ? AF_INET6 : AF_INET, fy = strchr(b, ':') ? AF_INET6 : AF_INET;

	if (fx != fy)
		return fx == AF_INET ? -1 : 1;
	if (inet_pton(fx, a, x) != 1 || inet_pton(fy, b, y) != 1)
		return strcmp(a, b);
	return memcmp(x, y, fx == AF_INET ? 4 : 16);
}

static double loss(const struct mon_host *h)
{
	return h->probe.icmp_sent ? 1.0 - (double)h->probe.icmp_recv / h->probe.icmp_sent : -1;
}

static int cmp_primary(enum mon_sort s, const struct mon_host *a, const struct mon_host *b)
{
	switch (s) {
	case MON_SORT_NICK: return strcasecmp(a->nick, b->nick);
	case MON_SORT_GROUP: return strcasecmp(a->group, b->group);
	case MON_SORT_USER: return strcasecmp(a->user, b->user);
	case MON_SORT_ADDR: return addr_cmp(a->addr, b->addr) ? addr_cmp(a->addr, b->addr) :
		(a->port > b->port) - (a->port < b->port);
	case MON_SORT_ORIGIN: return strcmp(a->origin, b->origin);
	case MON_SORT_STATE: return (int)a->state - (int)b->state;
	case MON_SORT_FLAPS: return (b->flap_count > a->flap_count) - (b->flap_count < a->flap_count);
	case MON_SORT_LAST: return (b->last_seen > a->last_seen) - (b->last_seen < a->last_seen);
	case MON_SORT_PROGRAM: return strcasecmp(a->program, b->program);
	case MON_SORT_RTT: {
		double x = a->probe.udp_rtt_ms, y = b->probe.udp_rtt_ms;
		if ((x < 0) != (y < 0))
			return x < 0 ? 1 : -1;
		return (x > y) - (x < y);
	}
	case MON_SORT_LOSS: return (loss(b) > loss(a)) - (loss(b) < loss(a));
	case MON_SORT_DEFAULT:
	default:
		return 0;
	}
}

/* The stable default order: user, host, address, port. */
static int cmp_default(const struct mon_host *a, const struct mon_host *b)
{
	int c = strcasecmp(a->user, b->user);

	if (!c)
		c = strcasecmp(a->host, b->host);
	if (!c)
		c = addr_cmp(a->addr, b->addr);
	if (!c)
		c = (a->port > b->port) - (a->port < b->port);
	return c;
}

static const struct mon_model *sort_model; /* qsort has no context: set around the call */

static int cmp_rows(const void *x, const void *y)
{
	const struct mon_host *a = *(struct mon_host *const *)x, *b = *(struct mon_host *const *)y;
	int c = cmp_primary(sort_model->vs.sort, a, b);

	if (!c)
		c = cmp_default(a, b);
	if (sort_model->vs.reverse)
		c = -c;
	if (!c)
		c = (a->seq > b->seq) - (a->seq < b->seq);
	return c;
}

static int rows_reserve(struct mon_model *m, size_t n)
{
	if (n <= m->caprows)
		return 0;
	struct mon_host **v = realloc(m->rows, n * sizeof *v);
	if (!v)
		return CT_ENOMEM;
	m->rows = v;
	m->caprows = n;
	return 0;
}

/* The frozen order: the rows kept where they are (those still passing the filter), then the
 * new ones in the sort order. */
static void rebuild_frozen(struct mon_model *m)
{
	size_t n = 0, start;

	for (size_t i = 0; i < m->nhosts; i++)
		m->hosts[i]->mark = 0;
	for (size_t i = 0; i < m->nrows; i++) {
		struct mon_hrec *r = (struct mon_hrec *)m->rows[i];
		r->mark = 1;
		if (mon_model_host_match(m, &r->h))
			m->rows[n++] = &r->h;
	}
	start = n;
	for (size_t i = 0; i < m->nhosts; i++)
		if (!m->hosts[i]->mark && mon_model_host_match(m, &m->hosts[i]->h))
			m->rows[n++] = &m->hosts[i]->h;
	sort_model = m;
	qsort(m->rows + start, n - start, sizeof *m->rows, cmp_rows);
	m->nrows = n;
}

/* m->sorted: every host in the current sort order. New hosts are appended, then the whole is
 * checked in one pass and sorted only when out of order: with 10,000 hosts a state change
 * under the default order (user, host, address) costs 10,000 compares a redraw, not a sort. */
static int update_sorted(struct mon_model *m)
{
	int in_order = 1;

	if (m->capsorted < m->nhosts) {
		struct mon_host **v = realloc(m->sorted, m->nhosts * sizeof *v);
		if (!v)
			return CT_ENOMEM;
		m->sorted = v;
		m->capsorted = m->nhosts;
	}
	if (m->nsorted > m->nhosts || m->sorted_by != m->vs.sort || m->sorted_rev != m->vs.reverse)
		m->nsorted = 0; /* another order: from the table's order, sorted below */
	if (m->nsorted == 0)
		for (size_t i = 0; i < m->nhosts; i++)
			m->sorted[i] = &m->hosts[i]->h;
	else
		for (size_t i = m->nsorted; i < m->nhosts; i++) /* hosts are only ever added */
			m->sorted[i] = &m->hosts[i]->h;
	m->nsorted = m->nhosts;
	m->sorted_by = m->vs.sort;
	m->sorted_rev = m->vs.reverse;
	sort_model = m;
	for (size_t i = 1; i < m->nsorted && in_order; i++)
		in_order = cmp_rows(&m->sorted[i - 1], &m->sorted[i]) <= 0;
	if (!in_order)
		qsort(m->sorted, m->nsorted, sizeof *m->sorted, cmp_rows);
	return 0;
}

static void rebuild_rows(struct mon_model *m)
{
	size_t n = 0;

	if (rows_reserve(m, m->nhosts ? m->nhosts : 1) != 0)
		return;
	m->rows_stale = 0;
	if (m->vs.frozen) {
		rebuild_frozen(m);
		return;
	}
	if (update_sorted(m) != 0)
		return;
	for (size_t i = 0; i < m->nsorted; i++)
		if (mon_model_host_match(m, m->sorted[i]))
			m->rows[n++] = m->sorted[i];
	m->nrows = n;
}

size_t mon_model_host_rows(struct mon_model *m, struct mon_host *const **rows)
{
	if (m->rows_stale)
		rebuild_rows(m);
	*rows = m->rows;
	return m->nrows;
}

/* ---- events and packets through the filter (and the pause) ---- */

static void rebuild_flists(struct mon_model *m)
{
	uint64_t ev_upto = m->vs.paused ? m->pause_ev_seq : m->ev_seq;
	uint64_t pk_upto = m->vs.paused ? m->pause_pk_seq : m->pk_seq;
	uint64_t ev_first = m->ev_seq - m->ev_n + 1, pk_first = m->pk_seq - m->pk_n + 1;

	if (m->flist_stale) {
		m->nfev = m->nfpk = 0;
		m->fev_upto = ev_first - 1;
		m->fpk_upto = pk_first - 1;
		m->flist_stale = 0;
	}
	/* drop what the rings aged out */
	size_t k = 0;
	while (k < m->nfev && m->fev[k] < ev_first)
		k++;
	if (k) {
		memmove(m->fev, m->fev + k, (m->nfev - k) * sizeof *m->fev);
		m->nfev -= k;
	}
	k = 0;
	while (k < m->nfpk && m->fpk[k] < pk_first)
		k++;
	if (k) {
		memmove(m->fpk, m->fpk + k, (m->nfpk - k) * sizeof *m->fpk);
		m->nfpk -= k;
	}
	if (m->fev_cap < MON_EVENTS_MAX) {
		uint64_t *v = realloc(m->fev, MON_EVENTS_MAX * sizeof *v);
		if (!v)
			return;
		m->fev = v;
		m->fev_cap = MON_EVENTS_MAX;
	}
	if (m->fpk_cap < MON_PACKETS_MAX) {
		uint64_t *v = realloc(m->fpk, MON_PACKETS_MAX * sizeof *v);
		if (!v)
			return;
		m->fpk = v;
		m->fpk_cap = MON_PACKETS_MAX;
	}
	for (uint64_t s = m->fev_upto + 1 < ev_first ? ev_first : m->fev_upto + 1; s <= ev_upto; s++) {
		const struct mon_event *e = mon_model_event_seq(m, s);
		if (e && m->nfev < m->fev_cap && mon_model_text_match(m, e->text))
			m->fev[m->nfev++] = s;
	}
	if (ev_upto > m->fev_upto)
		m->fev_upto = ev_upto;
	for (uint64_t s = m->fpk_upto + 1 < pk_first ? pk_first : m->fpk_upto + 1; s <= pk_upto; s++) {
		const struct mon_packet *p = mon_model_packet_seq(m, s);
		if (p && m->nfpk < m->fpk_cap && mon_model_text_match(m, p->line))
			m->fpk[m->nfpk++] = s;
	}
	if (pk_upto > m->fpk_upto)
		m->fpk_upto = pk_upto;
}

size_t mon_model_event_count(struct mon_model *m)
{
	rebuild_flists(m);
	return m->nfev;
}

const struct mon_event *mon_model_event_at(struct mon_model *m, size_t i)
{
	return i < m->nfev ? mon_model_event_seq(m, m->fev[i]) : NULL;
}

size_t mon_model_packet_count(struct mon_model *m)
{
	rebuild_flists(m);
	return m->nfpk;
}

const struct mon_packet *mon_model_packet_at(struct mon_model *m, size_t i)
{
	return i < m->nfpk ? mon_model_packet_seq(m, m->fpk[i]) : NULL;
}

size_t mon_model_view_rows(struct mon_model *m)
{
	const struct mon_segment *const *s;
	struct mon_host *const *h;

	switch (m->vs.view) {
	case MON_VIEW_HOSTS: return mon_model_host_rows(m, &h);
	case MON_VIEW_SEGMENTS: return mon_model_segment_rows(m, &s);
	case MON_VIEW_PACKETS: return mon_model_packet_count(m);
	case MON_VIEW_EVENTS: return mon_model_event_count(m);
	default: return 0;
	}
}

/* ---- keys ---- */

void mon_model_set_view(struct mon_model *m, enum mon_view v)
{
	if ((unsigned)v >= MON_VIEW_COUNT || v == m->vs.view)
		return;
	m->vs.view = v;
	m->vs.sel = m->vs.top = 0;
	m->dirty = 1;
}

void mon_model_next_view(struct mon_model *m, int backwards)
{
	mon_model_set_view(m, (enum mon_view)((m->vs.view + (backwards ? MON_VIEW_COUNT - 1 : 1)) % MON_VIEW_COUNT));
}

void mon_model_sort(struct mon_model *m, enum mon_sort s)
{
	if ((unsigned)s >= MON_SORT_COUNT)
		return;
	if (m->vs.sort == s)
		m->vs.reverse = !m->vs.reverse;
	else {
		m->vs.sort = s;
		m->vs.reverse = 0;
	}
	/* an explicit sort re-sorts even a frozen order, once */
	if (m->vs.frozen) {
		m->vs.frozen = 0;
		rebuild_rows(m);
		m->vs.frozen = 1;
	}
	m->rows_stale = 1;
	m->dirty = 1;
}

void mon_model_pause(struct mon_model *m, int on)
{
	if (on && !m->vs.paused) {
		mon_model_host_rows(m, &(struct mon_host *const *){ NULL });
		m->pause_ev_seq = m->ev_seq;
		m->pause_pk_seq = m->pk_seq;
		m->vs.paused_events = 0;
	}
	m->vs.paused = on;
	if (!on)
		m->rows_stale = m->segs_stale = 1;
	m->dirty = 1;
}

void mon_model_freeze(struct mon_model *m, int on)
{
	if (on)
		mon_model_host_rows(m, &(struct mon_host *const *){ NULL });
	m->vs.frozen = on;
	m->rows_stale = 1;
	m->dirty = 1;
}

void mon_model_move_to(struct mon_model *m, size_t row, size_t page)
{
	size_t n = mon_model_view_rows(m);

	if (!page)
		page = 1;
	m->vs.sel = n ? (row < n ? row : n - 1) : 0;
	if (m->vs.sel < m->vs.top)
		m->vs.top = m->vs.sel;
	else if (m->vs.sel >= m->vs.top + page)
		m->vs.top = m->vs.sel - page + 1;
	m->dirty = 1;
}

void mon_model_move(struct mon_model *m, long delta, size_t page)
{
	long s = (long)m->vs.sel + delta;

	mon_model_move_to(m, s < 0 ? 0 : (size_t)s, page);
}

struct mon_host *mon_model_selected_host(struct mon_model *m)
{
	struct mon_host *const *rows;
	size_t n = mon_model_host_rows(m, &rows);

	return m->vs.sel < n ? rows[m->vs.sel] : NULL;
}
