/* ctl-shapes.c: the JSON shapes of control-protocol replies (users, search), shared by camtraced and camtrace. */
#include "config.h"
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "clock.h"
#include "conf.h"
#include "err.h"
#include "ctl-shapes.h"
#include "jsonw.h"
#include <stdint.h>

/* ct_wall_iso()'s text, the date part remembered from the last call (100,000 records name a
 * handful of days: no gmtime and printf per time). */
static void jw_time(struct ct_out *o, const char *key, double t)
{
	static time_t cday = -1;
	static char pre[48];
	char buf[40];
	time_t s = (time_t)t;
	int ms = (int)((t - (double)s) * 1000.0), sec;

	ct_jw_key(o, key, 0);
	if (t <= 0) {
		ct_out_puts(o, "null");
		return;
	}
	if (s / 86400 != cday) {
		struct tm tm;
		gmtime_r(&s, &tm);
		snprintf(pre, sizeof pre, "%04d-%02d-%02dT", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
		cday = s / 86400;
	}
	ms = ms < 0 ? 0 : ms > 999 ? 999 : ms;
	sec = (int)(s % 86400);
	memcpy(buf, pre, 11);
	buf[11] = (char)('0' + sec / 36000);
	buf[12] = (char)('0' + sec / 3600 % 10);
	buf[13] = ':';
	buf[14] = (char)('0' + sec % 3600 / 600);
	buf[15] = (char)('0' + sec % 3600 / 60 % 10);
	buf[16] = ':';
	buf[17] = (char)('0' + sec % 60 / 10);
	buf[18] = (char)('0' + sec % 10);
	buf[19] = '.';
	buf[20] = (char)('0' + ms / 100);
	buf[21] = (char)('0' + ms / 10 % 10);
	buf[22] = (char)('0' + ms % 10);
	buf[23] = 'Z';
	ct_out_putc(o, '"');
	ct_out_put(o, buf, 24);
	ct_out_putc(o, '"');
}

void ct_ctlj_host_write(struct ct_out *o, const struct ct_host *h, const struct ct_ctlj_now *now)
{
	static const unsigned bits[] = { CT_HOST_LOCAL, CT_HOST_NOTIFIED, CT_HOST_SEARCH, CT_HOST_LIST, CT_HOST_DIRECT,
		CT_HOST_PEER };
	char ip[CT_HADDR_STRLEN];
	int first = 1;

	ct_out_putc(o, '{');
	ct_jw_key(o, "user", 1);
	ct_jw_str(o, h->user, strlen(h->user));
	ct_jw_kstr(o, "host", h->host);
	ct_jw_kstr(o, "nick", h->nick ? h->nick : "");
	ct_jw_kstr(o, "group", h->group ? h->group : "");
	ct_jw_kstr(o, "addr", ct_haddr_ip_str(&h->addr, ip, sizeof ip));
	ct_jw_kint(o, "port", h->addr.port);
	ct_jw_kstr(o, "state", ct_host_state_name((enum ct_host_state)h->state));
	ct_jw_kstr(o, "origin", ct_host_origin_name(h->origin));
	ct_jw_key(o, "origins", 0);
	ct_out_putc(o, '[');
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
		if (h->origin & bits[i]) {
			const char *n = ct_host_origin_name(bits[i]);
			if (!first)
				ct_out_putc(o, ',');
			ct_jw_str(o, n, strlen(n));
			first = 0;
		}
	ct_out_putc(o, ']');
	/* provenance: who lists it and since when (own: seen directly and not yielded to a peer) */
	ct_jw_key(o, "sources", 0);
	ct_out_putc(o, '[');
	first = 1;
	if (ct_host_is_own(h)) {
		ct_out_puts(o, "{\"from\":\"own\",\"server\":null");
		jw_time(o, "since", h->first_seen);
		ct_out_putc(o, '}');
		first = 0;
	}
	for (size_t i = 0; i < h->nsrc; i++) {
		const struct ct_host_src *s = &h->src[i];
		if (!first)
			ct_out_putc(o, ',');
		ct_out_putc(o, '{');
		ct_jw_key(o, "from", 1);
		ct_jw_str(o, ct_host_src_kind_name(s->kind), strlen(ct_host_src_kind_name(s->kind)));
		ct_jw_kstr(o, "server", ct_haddr_str(&s->from, ip, sizeof ip));
		jw_time(o, "since", s->since);
		ct_out_putc(o, '}');
		first = 0;
	}
	ct_out_putc(o, ']');
	ct_jw_kbool(o, "external", ct_host_is_external(h));
	ct_jw_kbool(o, "unstable", ct_host_is_unstable(h, now->unstable_window_ms, now->mono_ms));
	ct_jw_kint(o, "flap_count", h->flaps);
	ct_jw_kint(o, "flaps_in_window", ct_host_flaps_in(h, now->unstable_window_ms, now->mono_ms));
	jw_time(o, "last_flap", h->last_flap);
	ct_jw_kint(o, "missed_answers", h->missed);
	ct_jw_kint(o, "status", h->status);
	ct_jw_kstr(o, "offline_reason", h->state != CT_HOST_OFFLINE ? "" :
		h->gone == CT_HOST_GONE_LOST ? "lost" : "left");
	jw_time(o, "first_seen", h->first_seen);
	jw_time(o, "last_seen", h->last_seen);
	jw_time(o, "last_change", h->last_change);
	if (h->last_seen > 0 && now->wall >= h->last_seen)
		ct_jw_kint(o, "last_seen_age_s", (int64_t)(now->wall - h->last_seen));
	else {
		ct_jw_key(o, "last_seen_age_s", 0);
		ct_out_puts(o, "null");
	}
	ct_out_putc(o, '}');
}

/* Parses what a writer put into a memory ct_out (the tree forms, for tests and the fake daemon). */
static struct ct_json *parse_out(struct ct_out *o)
{
	struct ct_json *j = NULL;

	if (o->oom || ct_json_parse(o->p, o->len, &j) != 0) {
		ct_json_free(j);
		j = NULL;
	}
	free(o->p);
	return j;
}

struct ct_json *ct_ctlj_host(const struct ct_host *h, const struct ct_ctlj_now *now)
{
	struct ct_out o;

	ct_out_init_buf(&o);
	ct_ctlj_host_write(&o, h, now);
	return parse_out(&o);
}

static int host_in(const struct ct_host *h, const struct ct_cidr *net)
{
	return ct_cidr_contains(net, h->addr.family, h->addr.ip);
}

/* A streamed users reply: the hosts chosen when it opened, by address (a host that goes away
 * meanwhile is left out, one that changes is written as it is when its turn comes). */
struct ct_ctlj_users {
	struct ct_ctlj_now now;
	char filter[16];
	char network[64];
	size_t total, n, next, count;
	int head_done;
	struct ct_haddr *addrs;
};

int ct_ctlj_users_open(const struct ct_hosts *t, const struct ct_json *params, const struct ct_ctlj_now *now,
	struct ct_ctlj_users **out, char *err, size_t errlen)
{
	const char *filter = params ? ct_json_get_str(params, "filter") : NULL;
	const char *network = params ? ct_json_get_str(params, "network") : NULL;
	static const char *const modes[] = { "all", "unstable", "external", "online" };
	struct ct_host **unst = NULL;
	struct ct_ctlj_users *u;
	struct ct_cidr net;
	size_t n = 0;
	int mode = -1;

	*out = NULL;
	for (int i = 0; i < 4; i++)
		if (!filter || strcmp(filter, modes[i]) == 0) {
			mode = i;
			break;
		}
	if (mode < 0) {
		snprintf(err, errlen, "unknown filter '%s': use all, unstable, external or online", filter);
		return CT_EINVAL;
	}
	if (network && network[0] && (strlen(network) >= sizeof u->network || ct_cidr_parse(network, &net) != 0)) {
		snprintf(err, errlen, "'%s' is not a network; write it as CIDR, such as 192.168.1.0/24", network);
		return CT_EINVAL;
	}
	if (mode == 1 && ct_hosts_unstable(t, now->unstable_window_ms, now->mono_ms, &unst, &n) != 0) {
		snprintf(err, errlen, "out of memory");
		return CT_ENOMEM;
	}
	if (mode != 1)
		n = ct_hosts_count(t);
	if (!(u = calloc(1, sizeof *u)) || (n && !(u->addrs = malloc(n * sizeof *u->addrs)))) {
		free(u);
		free(unst);
		snprintf(err, errlen, "out of memory");
		return CT_ENOMEM;
	}
	u->now = *now;
	snprintf(u->filter, sizeof u->filter, "%s", modes[mode]);
	if (network && network[0])
		snprintf(u->network, sizeof u->network, "%s", network);
	u->total = ct_hosts_count(t);
	for (size_t i = 0; i < n; i++) {
		const struct ct_host *h = mode == 1 ? unst[i] : ct_hosts_at(t, i);
		if ((mode == 2 && !ct_host_is_external(h)) || (mode == 3 && h->state == CT_HOST_OFFLINE) ||
		    (u->network[0] && !host_in(h, &net)))
			continue;
		u->addrs[u->n++] = h->addr;
	}
	free(unst);
	*out = u;
	return 0;
}

int ct_ctlj_users_write(struct ct_ctlj_users *u, const struct ct_hosts *t, struct ct_out *o, size_t budget)
{
	if (!u->head_done) {
		ct_out_putc(o, '{');
		ct_jw_key(o, "filter", 1);
		ct_jw_str(o, u->filter, strlen(u->filter));
		ct_jw_key(o, "network", 0);
		if (u->network[0])
			ct_jw_str(o, u->network, strlen(u->network));
		else
			ct_out_puts(o, "null");
		ct_jw_kint(o, "total", (int64_t)u->total);
		ct_jw_key(o, "hosts", 0);
		ct_out_putc(o, '[');
		u->head_done = 1;
	}
	while (u->next < u->n && o->len < budget) {
		const struct ct_host *h = ct_hosts_find_addr(t, &u->addrs[u->next++]);
		if (!h)
			continue;
		if (u->count++)
			ct_out_putc(o, ',');
		ct_ctlj_host_write(o, h, &u->now);
	}
	if (u->next < u->n)
		return o->oom ? CT_ENOMEM : 1;
	ct_out_putc(o, ']');
	ct_jw_kint(o, "count", (int64_t)u->count);
	ct_out_putc(o, '}');
	return o->oom ? CT_ENOMEM : 0;
}

void ct_ctlj_users_close(struct ct_ctlj_users *u)
{
	if (!u)
		return;
	free(u->addrs);
	free(u);
}

int ct_ctlj_users(const struct ct_hosts *t, const struct ct_json *params, const struct ct_ctlj_now *now,
	struct ct_json **result, char *err, size_t errlen)
{
	struct ct_ctlj_users *u;
	struct ct_out o;
	int r;

	*result = NULL;
	if ((r = ct_ctlj_users_open(t, params, now, &u, err, errlen)) != 0)
		return r;
	ct_out_init_buf(&o);
	while ((r = ct_ctlj_users_write(u, t, &o, SIZE_MAX)) == 1)
		;
	ct_ctlj_users_close(u);
	if (r == 0 && !(*result = parse_out(&o)))
		r = CT_ENOMEM;
	else if (r != 0)
		free(o.p);
	if (r != 0)
		snprintf(err, errlen, "out of memory");
	return r;
}

static const char *search_state_name(enum ct_search_state s)
{
	switch (s) {
	case CT_SEARCH_RUNNING: return "running";
	case CT_SEARCH_DONE: return "done";
	case CT_SEARCH_CANCELLED: return "cancelled";
	}
	return "unknown";
}

void ct_ctlj_search_progress_write(struct ct_out *o, const struct ct_search_progress *p)
{
	const char *st = search_state_name(p->state);

	ct_jw_key(o, "search_id", 1);
	ct_out_u64(o, p->id);
	ct_jw_kstr(o, "state", st);
	ct_jw_kint(o, "total", (int64_t)p->total);
	ct_jw_kint(o, "probed", (int64_t)p->probed);
	ct_jw_kint(o, "found", (int64_t)p->found);
	ct_jw_kint(o, "unresolved", (int64_t)p->unresolved);
	jw_time(o, "started", p->started);
	jw_time(o, "finished", p->finished);
}

void ct_ctlj_search_hit_write(struct ct_out *o, const struct ct_search_hit *h)
{
	char ip[CT_HADDR_STRLEN];

	ct_out_putc(o, '{');
	ct_jw_key(o, "addr", 1);
	ct_haddr_ip_str(&h->addr, ip, sizeof ip);
	ct_jw_str(o, ip, strlen(ip));
	ct_jw_kint(o, "port", h->addr.port);
	ct_jw_kstr(o, "user", h->user);
	ct_jw_kstr(o, "host", h->host);
	ct_jw_kstr(o, "nick", h->nick);
	ct_jw_kstr(o, "info", h->info);
	ct_jw_kint(o, "status", h->status);
	ct_out_putc(o, '}');
}

struct ct_json *ct_ctlj_search_progress(const struct ct_search_progress *p)
{
	struct ct_out o;

	ct_out_init_buf(&o);
	ct_out_putc(&o, '{');
	ct_ctlj_search_progress_write(&o, p);
	ct_out_putc(&o, '}');
	return parse_out(&o);
}

int ct_ctlj_search_result_write(const struct ct_search *s, size_t *next, struct ct_out *o, size_t budget)
{
	const struct ct_search_hit *hits;
	size_t n = ct_search_hits(s, &hits);

	if (*next == 0) {
		ct_out_putc(o, '{');
		ct_ctlj_search_progress_write(o, ct_search_progress(s));
		ct_jw_key(o, "hosts", 0);
		ct_out_putc(o, '[');
	}
	for (; *next < n && o->len < budget; (*next)++) {
		if (*next)
			ct_out_putc(o, ',');
		ct_ctlj_search_hit_write(o, &hits[*next]);
	}
	if (*next < n)
		return o->oom ? CT_ENOMEM : 1;
	ct_out_puts(o, "]}");
	return o->oom ? CT_ENOMEM : 0;
}

struct ct_json *ct_ctlj_search_result(const struct ct_search *s)
{
	struct ct_out o;
	size_t next = 0;

	ct_out_init_buf(&o);
	while (ct_ctlj_search_result_write(s, &next, &o, SIZE_MAX) == 1)
		;
	return parse_out(&o);
}
