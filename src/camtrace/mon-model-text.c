/* mon-model-text.c: the monitor model's rows as text: the Hosts columns fitted to the width by display width (wcwidth, ellipsis), segments, event lines, ages. */
#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mon-model-int.h"
#include "textw.h"

/* ---- segments ---- */

/* The segment key of an address: its /24 (IPv4) or /64 (IPv6). */
static int seg_of(const char *addr, char *net, size_t len)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, addr, b) == 1) {
		snprintf(net, len, "%u.%u.%u.0/24", b[0], b[1], b[2]);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, b) == 1) {
		char s[INET6_ADDRSTRLEN];
		memset(b + 8, 0, 8);
		inet_ntop(AF_INET6, b, s, sizeof s);
		snprintf(net, len, "%s/64", s);
		return 0;
	}
	return -1;
}

static struct mon_segment *seg_get(struct mon_model *m, const char *net)
{
	for (size_t i = 0; i < m->nsegs; i++)
		if (strcmp(m->segs[i]->net, net) == 0)
			return m->segs[i];
	if (m->nsegs == m->capsegs) {
		size_t cap = m->capsegs ? m->capsegs * 2 : 16;
		struct mon_segment **v = realloc(m->segs, cap * sizeof *v);
		if (!v)
			return NULL;
		m->segs = v;
		m->capsegs = cap;
	}
	struct mon_segment *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	mon_model_copy(s->net, sizeof s->net, net);
	m->segs[m->nsegs++] = s;
	return s;
}

static int seg_cmp(const void *x, const void *y)
{
	return strcmp((*(struct mon_segment *const *)x)->net, (*(struct mon_segment *const *)y)->net);
}

/* Counts the hosts (after the filter) per segment; a list server's fetches mark the segment it
 * lies in as served by it; every segment with hosts learned from the network (not the local
 * broadcast) gets the last notification round. */
void mon_model_rebuild_segments(struct mon_model *m)
{
	char net[64];

	for (size_t i = 0; i < m->nsegs; i++)
		free(m->segs[i]);
	m->nsegs = 0;
	m->segs_stale = 0;
	for (size_t i = 0; i < m->nhosts; i++) {
		const struct mon_host *h = &m->hosts[i]->h;
		struct mon_segment *s;
		if (h->gone || !mon_model_host_match(m, h) || seg_of(h->addr, net, sizeof net) != 0 ||
			!(s = seg_get(m, net)))
			continue;
		s->total++;
		if (h->state == MON_HS_ONLINE)
			s->online++;
		else if (h->state == MON_HS_ABSENT)
			s->absent++;
		else if (strcmp(h->offline_reason, "lost") == 0)
			s->lost++;
		if (h->unstable)
			s->unstable++;
		if (strcmp(h->origin, "local") != 0 && strcmp(h->origin, "broadcast") != 0 && m->last_notify)
			s->last_notify = m->last_notify;
	}
	for (size_t i = 0; i < m->nsegfacts; i++) {
		const struct mon_segment *f = &m->segfacts[i];
		char ip[64];
		struct mon_segment *s;
		size_t n = strcspn(f->server, "]") ;
		const char *p = f->server[0] == '[' ? f->server + 1 : f->server;
		if (f->server[0] == '[')
			n--;
		else
			n = strcspn(f->server, ":");
		snprintf(ip, sizeof ip, "%.*s", (int)n, p);
		if (seg_of(ip, net, sizeof net) != 0 || !(s = seg_get(m, net)))
			continue;
		mon_model_copy(s->server, sizeof s->server, f->server);
		s->last_fetch = f->last_fetch;
		mon_model_copy(s->fetch_result, sizeof s->fetch_result, f->fetch_result);
	}
	if (m->nsegs)
		qsort(m->segs, m->nsegs, sizeof *m->segs, seg_cmp);
}

size_t mon_model_segment_rows(struct mon_model *m, const struct mon_segment *const **rows)
{
	if (m->segs_stale)
		mon_model_rebuild_segments(m);
	*rows = (const struct mon_segment *const *)m->segs;
	return m->nsegs;
}

/* ---- text of cells ---- */

void mon_model_age(int64_t now, int64_t t, char *buf, size_t len)
{
	int64_t s;

	if (!t) {
		snprintf(buf, len, "-");
		return;
	}
	s = (now - t) / 1000;
	if (s < 0)
		s = 0;
	if (s < 100)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 6000)
		snprintf(buf, len, "%lldm", (long long)(s / 60));
	else if (s < 360000)
		snprintf(buf, len, "%lldh", (long long)(s / 3600));
	else
		snprintf(buf, len, "%lldd", (long long)(s / 86400));
}

/* The Hosts columns: title, least and most width, priority (higher: dropped first when the
 * screen is narrow), compact (kept in compact mode), sort, numbers. */
static const struct colspec {
	const char *title;
	unsigned min, max, prio;
	int compact;
	enum mon_sort sort;
	int right;
} colspec[] = {
	{ "NICK", 9, 24, 0, 1, MON_SORT_NICK, 0 },
	{ "USER@HOST", 12, 32, 0, 1, MON_SORT_USER, 0 },
	{ "ADDRESS", 15, 21, 0, 1, MON_SORT_ADDR, 0 },
	{ "STATE", 7, 7, 0, 1, MON_SORT_STATE, 0 },
	{ "FLAP", 5, 5, 0, 1, MON_SORT_FLAPS, 1 },
	{ "SEEN", 5, 5, 0, 1, MON_SORT_LAST, 1 },
	{ "UDP%", 4, 4, 1, 1, MON_SORT_DEFAULT, 1 },
	{ "RTT", 7, 7, 1, 1, MON_SORT_RTT, 1 },
	{ "TCP", 8, 8, 1, 1, MON_SORT_DEFAULT, 0 },
	{ "VIA", 9, 9, 2, 0, MON_SORT_ORIGIN, 0 },
	{ "GROUP", 8, 16, 3, 0, MON_SORT_GROUP, 0 },
	{ "LOSS", 5, 5, 4, 1, MON_SORT_LOSS, 1 },
	{ "PING", 7, 7, 4, 1, MON_SORT_LOSS, 1 },
	{ "PROGRAM", 10, 20, 5, 0, MON_SORT_PROGRAM, 0 },
};
#define NSPEC (sizeof colspec / sizeof colspec[0])

/* Which columns fit (by index into colspec), with their widths. */
static size_t layout(int compact, unsigned width, size_t *which, unsigned *w)
{
	size_t n;
	unsigned maxprio = 5, used;

	for (;;) {
		n = 0;
		used = 0;
		for (size_t i = 0; i < NSPEC; i++)
			if (colspec[i].prio <= maxprio && (!compact || colspec[i].compact)) {
				which[n] = i;
				w[n] = colspec[i].min;
				used += colspec[i].min + (n ? 1 : 0);
				n++;
			}
		if (used <= width || maxprio == 0)
			break;
		maxprio--;
	}
	/* the room left widens the text columns up to their most */
	for (int grew = 1; used < width && grew;) {
		grew = 0;
		for (size_t i = 0; i < n && used < width; i++)
			if (w[i] < colspec[which[i]].max) {
				w[i]++;
				used++;
				grew = 1;
			}
	}
	return n;
}

size_t mon_model_host_cols(const struct mon_model *m, unsigned width, struct mon_col *cols)
{
	size_t which[NSPEC];
	unsigned w[NSPEC];
	size_t n = layout(m->vs.compact, width, which, w);

	for (size_t i = 0; i < n && i < MON_COLS_MAX; i++) {
		cols[i].title = colspec[which[i]].title;
		cols[i].width = w[i];
		cols[i].sort = colspec[which[i]].sort;
		cols[i].right = colspec[which[i]].right;
	}
	return n < MON_COLS_MAX ? n : MON_COLS_MAX;
}

/* Appends the cells, each fitted to its column (the last one not padded). */
static void cells(struct ct_sbuf *out, const struct mon_col *cols, size_t n, const char *const *text)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			ct_sbuf_addc(out, ' ');
		ct_textw_fit(out, text[i], cols[i].width, cols[i].right ? CT_TEXTW_RIGHT : 0);
	}
}

void mon_model_host_header(const struct mon_model *m, unsigned width, struct ct_sbuf *out)
{
	struct mon_col cols[MON_COLS_MAX];
	char title[MON_COLS_MAX][24];
	const char *text[MON_COLS_MAX];
	size_t n = mon_model_host_cols(m, width, cols);
	int marked = 0;

	for (size_t i = 0; i < n; i++) {
		int mark = !marked && m->vs.sort != MON_SORT_DEFAULT && cols[i].sort == m->vs.sort;
		/* the mark replaces the title's last letter when both do not fit */
		snprintf(title[i], sizeof title[i], "%.*s%s", (int)(mark && strlen(cols[i].title) >= cols[i].width ?
			cols[i].width - 1 : strlen(cols[i].title)), cols[i].title, mark ? (m->vs.reverse ? "^" : "v") : "");
		marked |= mark;
		text[i] = title[i];
	}
	cells(out, cols, n, text);
}

static void cell_text(const struct mon_host *h, const char *title, int64_t now, char *b, size_t len)
{
	const struct mon_probe *p = &h->probe;

	b[0] = '\0';
	if (!strcmp(title, "NICK"))
		snprintf(b, len, "%s%s", h->pinned ? "*" : "", *h->nick ? h->nick : h->user);
	else if (!strcmp(title, "USER@HOST"))
		snprintf(b, len, "%s@%s", h->user, h->host);
	else if (!strcmp(title, "ADDRESS"))
		snprintf(b, len, h->port == 2425 ? "%s" : "%s:%u", h->addr, h->port);
	else if (!strcmp(title, "STATE"))
		snprintf(b, len, "%s", h->gone ? "gone" : h->state == MON_HS_OFFLINE && *h->offline_reason ?
			h->offline_reason : mon_hstate_name(h->state));
	else if (!strcmp(title, "FLAP"))
		snprintf(b, len, "%u%s", h->flap_count > h->flaps ? h->flap_count : h->flaps, h->unstable ? "!" : "");
	else if (!strcmp(title, "SEEN"))
		mon_model_age(now, h->last_seen, b, len);
	else if (!strcmp(title, "UDP%"))
		snprintf(b, len, p->udp_sent ? "%u" : "-", p->udp_sent ? p->udp_answered * 100 / p->udp_sent : 0);
	else if (!strcmp(title, "RTT") || !strcmp(title, "PING")) {
		double ms = !strcmp(title, "RTT") ? p->udp_rtt_ms : p->icmp_rtt_ms;
		snprintf(b, len, ms >= 0 ? "%.1fms" : "-", ms);
	}
	else if (!strcmp(title, "TCP"))
		snprintf(b, len, "%s", *p->tcp_state ? p->tcp_state : "-");
	else if (!strcmp(title, "VIA"))
		snprintf(b, len, "%s", h->origin);
	else if (!strcmp(title, "GROUP"))
		snprintf(b, len, "%s", h->group);
	else if (!strcmp(title, "LOSS"))
		snprintf(b, len, p->icmp_sent ? "%u%%" : "-",
			p->icmp_sent ? (p->icmp_sent - p->icmp_recv) * 100 / p->icmp_sent : 0);
	else if (!strcmp(title, "PROGRAM"))
		snprintf(b, len, "%s", h->program);
}

void mon_model_host_line(const struct mon_model *m, const struct mon_host *h, unsigned width, int64_t now,
	struct ct_sbuf *out)
{
	struct mon_col cols[MON_COLS_MAX];
	char buf[MON_COLS_MAX][200];
	const char *text[MON_COLS_MAX];
	size_t n = mon_model_host_cols(m, width, cols);

	for (size_t i = 0; i < n; i++) {
		cell_text(h, cols[i].title, now, buf[i], sizeof buf[i]);
		text[i] = buf[i];
	}
	cells(out, cols, n, text);
}

static const struct mon_col segcols[] = {
	{ "SEGMENT", 18, MON_SORT_DEFAULT, 0 }, { "ONLINE", 6, MON_SORT_DEFAULT, 1 },
	{ "ABSENT", 6, MON_SORT_DEFAULT, 1 }, { "LOST", 5, MON_SORT_DEFAULT, 1 },
	{ "UNSTBL", 6, MON_SORT_DEFAULT, 1 }, { "SERVER", 21, MON_SORT_DEFAULT, 0 },
	{ "NOTIFIED", 8, MON_SORT_DEFAULT, 1 }, { "FETCHED", 7, MON_SORT_DEFAULT, 1 },
	{ "RESULT", 7, MON_SORT_DEFAULT, 0 },
};
#define NSEG (sizeof segcols / sizeof segcols[0])

/* The segment columns that fit in width. */
static size_t segfit(unsigned width, struct mon_col *c)
{
	size_t n = 0;
	unsigned used = 0;

	for (size_t i = 0; i < NSEG; i++) {
		if (used + segcols[i].width + (n ? 1 : 0) > width)
			break;
		c[n] = segcols[i];
		used += segcols[i].width + (n ? 1 : 0);
		n++;
	}
	return n;
}

void mon_model_segment_header(unsigned width, struct ct_sbuf *out)
{
	struct mon_col c[NSEG];
	const char *text[NSEG];
	size_t n = segfit(width, c);

	for (size_t i = 0; i < n; i++)
		text[i] = c[i].title;
	cells(out, c, n, text);
}

void mon_model_segment_line(const struct mon_segment *s, unsigned width, int64_t now, struct ct_sbuf *out)
{
	struct mon_col c[NSEG];
	char b[NSEG][64];
	const char *text[NSEG];
	size_t n = segfit(width, c);

	snprintf(b[0], sizeof b[0], "%s", s->net);
	snprintf(b[1], sizeof b[1], "%u", s->online);
	snprintf(b[2], sizeof b[2], "%u", s->absent);
	snprintf(b[3], sizeof b[3], "%u", s->lost);
	snprintf(b[4], sizeof b[4], "%u", s->unstable);
	snprintf(b[5], sizeof b[5], "%s", *s->server ? s->server : "-");
	mon_model_age(now, s->last_notify, b[6], sizeof b[6]);
	mon_model_age(now, s->last_fetch, b[7], sizeof b[7]);
	snprintf(b[8], sizeof b[8], "%s", *s->fetch_result ? s->fetch_result : "-");
	for (size_t i = 0; i < n; i++)
		text[i] = b[i];
	cells(out, c, n, text);
}

void mon_model_event_line(const struct mon_event *e, unsigned width, int utc, struct ct_sbuf *out)
{
	time_t s = (time_t)(e->t / 1000);
	struct tm tm;
	char ts[32];

	if (utc)
		gmtime_r(&s, &tm);
	else
		localtime_r(&s, &tm);
	snprintf(ts, sizeof ts, "%02d:%02d:%02d.%03d ", tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(e->t % 1000));
	ct_sbuf_adds(out, ts);
	if (width > 13)
		ct_textw_fit(out, e->text, width - 13, CT_TEXTW_NOPAD);
	else if (!width)
		ct_sbuf_adds(out, e->text);
}
