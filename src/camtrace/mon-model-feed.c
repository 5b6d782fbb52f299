/* mon-model-feed.c: what feeds the monitor model: the daemon's subscription lines (the event contract) and the hosts the monitor hears itself. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mon-model-int.h"
#include "json.h"
#include "jsonw.h"

/* "2026-11-24T14:00:00.123Z" (or without the fraction) to epoch ms; 0 when not such a text. */
static int64_t iso_ms(const char *s)
{
	struct tm tm;
	const char *p;
	int64_t ms = 0;

	if (!s)
		return 0;
	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (digits < 3) {
				ms = ms * 10 + (*p - '0');
				digits++;
			}
		while (digits++ < 3)
			ms *= 10;
	}
	return (int64_t)timegm(&tm) * 1000 + ms;
}

void mon_model_iso(int64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static void make_key(char *key, size_t len, const char *addr, unsigned port)
{
	snprintf(key, len, strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
}

static enum mon_hstate state_of(const char *s)
{
	if (s && strcmp(s, "absent") == 0)
		return MON_HS_ABSENT;
	if (s && strcmp(s, "offline") == 0)
		return MON_HS_OFFLINE;
	return MON_HS_ONLINE;
}

static int64_t jint(const struct ct_json *o, const char *k, int64_t dflt)
{
	int64_t v;

	return ct_json_get_i64(o, k, &v) == 0 ? v : dflt;
}

/* The users record (ctl-shapes.h) into the host. */
static void host_from_json(struct mon_host *h, const struct ct_json *j)
{
	int b;

	mon_model_copy(h->user, sizeof h->user, ct_json_get_str(j, "user"));
	mon_model_copy(h->host, sizeof h->host, ct_json_get_str(j, "host"));
	mon_model_copy(h->nick, sizeof h->nick, ct_json_get_str(j, "nick"));
	mon_model_copy(h->group, sizeof h->group, ct_json_get_str(j, "group"));
	mon_model_copy(h->addr, sizeof h->addr, ct_json_get_str(j, "addr"));
	h->port = (unsigned)jint(j, "port", 2425);
	h->state = state_of(ct_json_get_str(j, "state"));
	mon_model_copy(h->origin, sizeof h->origin, ct_json_get_str(j, "origin"));
	mon_model_copy(h->offline_reason, sizeof h->offline_reason, ct_json_get_str(j, "offline_reason"));
	if (ct_json_get_bool(j, "unstable", &b) == 0)
		h->unstable = b;
	h->status = (uint32_t)jint(j, "status", h->status);
	h->flap_count = (unsigned)jint(j, "flap_count", h->flap_count);
	if (ct_json_get_str(j, "first_seen"))
		h->first_seen = iso_ms(ct_json_get_str(j, "first_seen"));
	if (ct_json_get_str(j, "last_seen"))
		h->last_seen = iso_ms(ct_json_get_str(j, "last_seen"));
	if (ct_json_get_str(j, "last_change"))
		h->last_change = iso_ms(ct_json_get_str(j, "last_change"));
	if (ct_json_get_str(j, "program"))
		mon_model_copy(h->program, sizeof h->program, ct_json_get_str(j, "program"));
}

/* The one-line description of a host op (the Events view, the text stream). */
static char *host_text(const struct mon_host *h, const char *op)
{
	char *s = NULL;
	int flap = strcmp(op, "flap") == 0;

	if (asprintf(&s, "%-7s %s@%s \"%s\" %s:%u via %s%s", op, h->user, h->host, h->nick, h->addr, h->port,
		    *h->origin ? h->origin : "?", flap ? " (flap" : "") < 0)
		return NULL;
	if (flap) {
		char *t = NULL;
		if (asprintf(&t, "%s %u, %u since reset)", s, h->flap_count, h->flaps) >= 0) {
			free(s);
			s = t;
		}
	}
	return s;
}

/* Counts an op into the host and the counters; records it in the host's history. */
static void count_op(struct mon_model *m, struct mon_host *h, const char *op, int64_t t)
{
	if (strcmp(op, "join") == 0 || strcmp(op, "back") == 0) {
		h->joins++;
		m->cnt.joins++;
	} else if (strcmp(op, "exit") == 0) {
		h->exits++;
		m->cnt.exits++;
	} else if (strcmp(op, "lost") == 0)
		h->losts++;
	else if (strcmp(op, "flap") == 0) {
		h->flaps++;
		m->cnt.flaps++;
	}
	if (strcmp(op, "present") != 0)
		mon_model_hist(h, t, op);
}

static int feed_host(struct mon_model *m, const struct ct_json *j, const char *line, size_t len, int64_t t)
{
	const struct ct_json *hj = ct_json_get(j, "host");
	const char *op = ct_json_get_str(j, "op");
	const char *addr;
	struct mon_hrec *r;
	char key[200];
	int created;

	if (!hj || !ct_json_is_obj(hj) || !op || !(addr = ct_json_get_str(hj, "addr")))
		return CT_EFORMAT;
	make_key(key, sizeof key, addr, (unsigned)jint(hj, "port", 2425));
	r = mon_model_host_get(m, key, &created);
	if (!r)
		return CT_ENOMEM;
	host_from_json(&r->h, hj);
	r->h.gone = strcmp(op, "remove") == 0;
	count_op(m, &r->h, op, t);
	m->dirty = 1;
	if (!m->vs.paused)
		m->rows_stale = m->segs_stale = 1;
	if (strcmp(op, "present") == 0)
		return 0; /* the snapshot: no event line per host */
	mon_model_add_event(m, MON_EV_HOST, 0, op, key, t, host_text(&r->h, op), strndup(line, len));
	return 0;
}

/* A fact about the segment a server address lies in (a fetch from it). */
void mon_model_segfact(struct mon_model *m, const char *server, int64_t t, const char *result)
{
	size_t i;

	for (i = 0; i < m->nsegfacts; i++)
		if (strcmp(m->segfacts[i].server, server) == 0)
			break;
	if (i == m->nsegfacts) {
		struct mon_segment *v = realloc(m->segfacts, (i + 1) * sizeof *v);
		if (!v)
			return;
		m->segfacts = v;
		memset(&v[i], 0, sizeof v[i]);
		mon_model_copy(v[i].server, sizeof v[i].server, server);
		m->nsegfacts++;
	}
	m->segfacts[i].last_fetch = t;
	mon_model_copy(m->segfacts[i].fetch_result, sizeof m->segfacts[i].fetch_result, result);
	m->segs_stale = 1;
}

static char *dup_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dup_text(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

static int feed_other(struct mon_model *m, const char *ev, const struct ct_json *j, const char *line, size_t len,
	int64_t t)
{
	char *json = strndup(line, len);
	const char *s;

	if (strcmp(ev, "fetch") == 0) {
		const char *server = ct_json_get_str(j, "server"), *res = ct_json_get_str(j, "result");
		const char *e = ct_json_get_str(j, "error");
		int ok = res && strcmp(res, "ok") == 0;
		m->cnt.fetches++;
		if (!ok)
			m->cnt.fetch_fail++;
		mon_model_segfact(m, server ? server : "?", t, res ? res : "?");
		mon_model_add_event(m, MON_EV_FETCH, ok ? 0 : 1, "", server, t,
			dup_text("fetch   %s %s: %lld hosts in %lld ms%s%s", server ? server : "?", res ? res : "?",
				(long long)jint(j, "hosts", 0), (long long)jint(j, "ms", 0), e && *e ? ": " : "",
				e ? e : ""), json);
	} else if (strcmp(ev, "notify") == 0) {
		s = ct_json_get_str(j, "kind");
		m->last_notify = t;
		m->segs_stale = 1;
		mon_model_add_event(m, MON_EV_NOTIFY, 0, "", NULL, t,
			dup_text("notify  round %lld: %s to %lld targets", (long long)jint(j, "round", 0), s ? s : "?",
				(long long)jint(j, "targets", 0)), json);
	} else if (strcmp(ev, "search") == 0) {
		s = ct_json_get_str(j, "state");
		mon_model_add_event(m, MON_EV_SEARCH, 0, "", NULL, t,
			dup_text("search  %lld %s: %lld probed, %lld found", (long long)jint(j, "search_id", 0),
				s ? s : "?", (long long)jint(j, "probed", 0), (long long)jint(j, "found", 0)), json);
	} else if (strcmp(ev, "warn") == 0) {
		const char *lv = ct_json_get_str(j, "level");
		int err = lv && strcmp(lv, "error") == 0;
		s = ct_json_get_str(j, "msg");
		mon_model_add_event(m, MON_EV_WARN, err ? 2 : 1, "", NULL, t,
			dup_text("%s camtraced: %s", err ? "error  " : "warning", s ? s : ""), json);
	} else if (strcmp(ev, "lost") == 0) {
		int64_t n = jint(j, "count", 0);
		m->cnt.daemon_lost += (uint64_t)(n > 0 ? n : 0);
		mon_model_add_event(m, MON_EV_LOST, 1, "", NULL, t,
			dup_text("lost    camtraced dropped %lld events (the monitor read too slowly)", (long long)n),
			json);
	} else if (strcmp(ev, "synced") == 0) {
		mon_model_add_event(m, MON_EV_STATUS, 0, "", NULL, t,
			dup_text("synced  camtraced knows %lld hosts", (long long)jint(j, "hosts", 0)), json);
	} else {
		free(json); /* a kind of a newer daemon: ignored */
	}
	return 0;
}

int mon_model_feed_json(struct mon_model *m, const char *line, size_t len, int64_t now, char *err, size_t errlen)
{
	struct ct_json *j = NULL;
	const char *ev;
	int64_t t, v;
	int rc;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (ct_json_parse(line, len, &j) != 0 || !ct_json_is_obj(j)) {
		ct_json_free(j);
		snprintf(err, errlen, "not a JSON object");
		return CT_EFORMAT;
	}
	if (ct_json_get(j, "id")) { /* a reply (subscribe's): not an event */
		ct_json_free(j);
		return 0;
	}
	ev = ct_json_get_str(j, "ev");
	if (ct_json_get_i64(j, "v", &v) != 0 || v != 1 || !ev) {
		ct_json_free(j);
		snprintf(err, errlen, "not a version 1 event (no \"v\":1 and \"ev\")");
		return CT_EFORMAT;
	}
	t = jint(j, "t", now);
	rc = strcmp(ev, "host") == 0 ? feed_host(m, j, line, len, t) : feed_other(m, ev, j, line, len, t);
	if (rc == CT_EFORMAT)
		snprintf(err, errlen, "a host event without op or host.addr");
	else if (rc)
		snprintf(err, errlen, "out of memory");
	ct_json_free(j);
	return rc;
}

/* The host's record as the users record's subset the monitor knows (local sources). */
void mon_model_host_record(const struct mon_host *h, struct ct_out *o)
{
	char ts[40];

	ct_out_putc(o, '{');
	ct_jw_key(o, "user", 1);
	ct_jw_str(o, h->user, strlen(h->user));
	ct_jw_kstr(o, "host", h->host);
	ct_jw_kstr(o, "nick", h->nick);
	ct_jw_kstr(o, "group", h->group);
	ct_jw_kstr(o, "addr", h->addr);
	ct_jw_kint(o, "port", h->port);
	ct_jw_kstr(o, "state", mon_hstate_name(h->state));
	ct_jw_kstr(o, "origin", h->origin);
	ct_jw_kbool(o, "unstable", h->unstable);
	ct_jw_kint(o, "flap_count", h->flap_count);
	ct_jw_kint(o, "status", h->status);
	ct_jw_kstr(o, "offline_reason", h->offline_reason);
	mon_model_iso(h->last_seen, ts, sizeof ts);
	ct_jw_kstr(o, "last_seen", ts);
	ct_jw_kstr(o, "program", h->program);
	ct_out_putc(o, '}');
}

static void local_event(struct mon_model *m, struct mon_host *h, const char *op, int64_t now)
{
	struct ct_out o;

	ct_out_init_buf(&o);
	ct_out_puts(&o, "{\"v\":1,\"ev\":\"host\"");
	ct_jw_kint(&o, "t", now);
	ct_jw_kstr(&o, "op", op);
	ct_jw_key(&o, "host", 0);
	mon_model_host_record(h, &o);
	ct_out_putc(&o, '}');
	ct_out_putc(&o, '\0');
	if (o.oom) {
		free(o.p);
		return;
	}
	count_op(m, h, op, now);
	mon_model_add_event(m, MON_EV_HOST, 0, op, h->key, now, host_text(h, op), o.p);
}

void mon_model_host_seen(struct mon_model *m, const struct mon_host *in, const char *op, int64_t now)
{
	char key[200];
	struct mon_hrec *r;
	struct mon_host *h;
	enum mon_hstate before;
	int created;

	if (*in->key)
		mon_model_copy(key, sizeof key, in->key);
	else
		make_key(key, sizeof key, in->addr, in->port ? in->port : 2425);
	r = mon_model_host_get(m, key, &created);
	if (!r)
		return;
	h = &r->h;
	before = h->state;
	if (*in->user)
		mon_model_copy(h->user, sizeof h->user, in->user);
	if (*in->host)
		mon_model_copy(h->host, sizeof h->host, in->host);
	if (*in->nick)
		mon_model_copy(h->nick, sizeof h->nick, in->nick);
	if (*in->group)
		mon_model_copy(h->group, sizeof h->group, in->group);
	if (*in->program)
		mon_model_copy(h->program, sizeof h->program, in->program);
	mon_model_copy(h->addr, sizeof h->addr, in->addr);
	h->port = in->port ? in->port : 2425;
	if (created || !*h->origin)
		mon_model_copy(h->origin, sizeof h->origin, *in->origin ? in->origin : "broadcast");
	h->status = in->status;
	h->last_seen = now;
	if (!h->first_seen)
		h->first_seen = now;
	if (strcmp(op, "exit") == 0) {
		h->state = MON_HS_OFFLINE;
		mon_model_copy(h->offline_reason, sizeof h->offline_reason, "left");
		r->left_at = now;
	} else {
		h->state = strcmp(op, "absent") == 0 ? MON_HS_ABSENT : MON_HS_ONLINE;
		h->offline_reason[0] = '\0';
	}
	if (!created && before == h->state && strcmp(op, "exit") != 0) {
		m->dirty = 1; /* heard again: only last heard changes */
		if (!m->vs.paused)
			m->rows_stale = 1;
		return;
	}
	h->last_change = now;
	if (created)
		local_event(m, h, strcmp(op, "exit") == 0 ? "exit" : "join", now);
	else if (before == MON_HS_OFFLINE && h->state != MON_HS_OFFLINE) {
		int flap = r->left_at && now - r->left_at <= MON_FLAP_WINDOW_MS;
		if (flap) { /* as camtraced says it: the return that makes a flap is the flap */
			h->flap_count++;
			h->unstable = 1;
		}
		local_event(m, h, flap ? "flap" : "back", now);
	} else if (h->state == MON_HS_OFFLINE) {
		if (before != MON_HS_OFFLINE)
			local_event(m, h, "exit", now);
	} else
		local_event(m, h, h->state == MON_HS_ABSENT ? "absent" : "change", now);
	if (!m->vs.paused)
		m->rows_stale = m->segs_stale = 1;
}

void mon_model_expire(struct mon_model *m, int64_t now, int64_t lost_after_ms)
{
	for (size_t i = 0; i < m->nhosts; i++) {
		struct mon_hrec *r = m->hosts[i];
		struct mon_host *h = &r->h;
		if (h->state == MON_HS_OFFLINE || !h->last_seen || now - h->last_seen < lost_after_ms)
			continue;
		if (strcmp(h->origin, "broadcast") != 0 && strcmp(h->origin, "scan") != 0 &&
			strcmp(h->origin, "replay") != 0)
			continue; /* the daemon's hosts: it says when they are lost */
		h->state = MON_HS_OFFLINE;
		mon_model_copy(h->offline_reason, sizeof h->offline_reason, "lost");
		h->last_change = now;
		r->left_at = now;
		local_event(m, h, "lost", now);
		if (!m->vs.paused)
			m->rows_stale = m->segs_stale = 1;
	}
}
