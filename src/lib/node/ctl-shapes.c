/* ctl-shapes.c: the JSON shapes of control-protocol replies (users, search), shared by camtraced and camtrace. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "clock.h"
#include "conf.h"
#include "err.h"
#include "ctl-shapes.h"

static void add_time(struct ct_json *o, const char *key, double t)
{
	char buf[40];

	if (t > 0)
		ct_json_add_str(o, key, ct_wall_iso(t, buf, sizeof buf));
	else
		ct_json_add_null(o, key);
}

static void add_addr(struct ct_json *o, const struct ct_haddr *a)
{
	char ip[CT_HADDR_STRLEN];

	ct_json_add_str(o, "addr", ct_haddr_ip_str(a, ip, sizeof ip));
	ct_json_add_int(o, "port", a->port);
}

struct ct_json *ct_ctlj_host(const struct ct_host *h, const struct ct_ctlj_now *now)
{
	static const unsigned bits[] = { CT_HOST_LOCAL, CT_HOST_NOTIFIED, CT_HOST_SEARCH, CT_HOST_LIST, CT_HOST_DIRECT };
	struct ct_json *o = ct_json_obj(), *org;

	ct_json_add_str(o, "user", h->user);
	ct_json_add_str(o, "host", h->host);
	ct_json_add_str(o, "nick", h->nick ? h->nick : "");
	ct_json_add_str(o, "group", h->group ? h->group : "");
	add_addr(o, &h->addr);
	ct_json_add_str(o, "state", ct_host_state_name((enum ct_host_state)h->state));
	ct_json_add_str(o, "origin", ct_host_origin_name(h->origin));
	org = ct_json_add_arr(o, "origins");
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
		if (h->origin & bits[i])
			ct_json_add_str(org, NULL, ct_host_origin_name(bits[i]));
	ct_json_add_bool(o, "external", ct_host_is_external(h));
	ct_json_add_bool(o, "unstable", ct_host_is_unstable(h, now->unstable_window_ms, now->mono_ms));
	ct_json_add_int(o, "flap_count", h->flaps);
	ct_json_add_int(o, "flaps_in_window", ct_host_flaps_in(h, now->unstable_window_ms, now->mono_ms));
	add_time(o, "last_flap", h->last_flap);
	ct_json_add_int(o, "missed_answers", h->missed);
	ct_json_add_int(o, "status", h->status);
	ct_json_add_str(o, "offline_reason", h->state != CT_HOST_OFFLINE ? "" :
		h->gone == CT_HOST_GONE_LOST ? "lost" : "left");
	add_time(o, "first_seen", h->first_seen);
	add_time(o, "last_seen", h->last_seen);
	add_time(o, "last_change", h->last_change);
	if (h->last_seen > 0 && now->wall >= h->last_seen)
		ct_json_add_int(o, "last_seen_age_s", (int64_t)(now->wall - h->last_seen));
	else
		ct_json_add_null(o, "last_seen_age_s");
	return o;
}

static int host_in(const struct ct_host *h, const struct ct_cidr *net)
{
	return ct_cidr_contains(net, h->addr.family, h->addr.ip);
}

int ct_ctlj_users(const struct ct_hosts *t, const struct ct_json *params, const struct ct_ctlj_now *now,
	struct ct_json **result, char *err, size_t errlen)
{
	const char *filter = params ? ct_json_get_str(params, "filter") : NULL;
	const char *network = params ? ct_json_get_str(params, "network") : NULL;
	struct ct_host **unst = NULL;
	struct ct_cidr net;
	struct ct_json *r, *arr;
	size_t n = 0, count = 0;
	int mode;

	*result = NULL;
	if (!filter || strcmp(filter, "all") == 0)
		mode = 0;
	else if (strcmp(filter, "unstable") == 0)
		mode = 1;
	else if (strcmp(filter, "external") == 0)
		mode = 2;
	else if (strcmp(filter, "online") == 0)
		mode = 3;
	else {
		snprintf(err, errlen, "unknown filter '%s': use all, unstable, external or online", filter);
		return CT_EINVAL;
	}
	if (network && network[0] && ct_cidr_parse(network, &net) != 0) {
		snprintf(err, errlen, "'%s' is not a network; write it as CIDR, such as 192.168.1.0/24", network);
		return CT_EINVAL;
	}
	if (mode == 1 && ct_hosts_unstable(t, now->unstable_window_ms, now->mono_ms, &unst, &n) != 0) {
		snprintf(err, errlen, "out of memory");
		return CT_ENOMEM;
	}
	if (mode != 1)
		n = ct_hosts_count(t);
	r = ct_json_obj();
	ct_json_add_str(r, "filter", filter ? filter : "all");
	if (network && network[0])
		ct_json_add_str(r, "network", network);
	else
		ct_json_add_null(r, "network");
	ct_json_add_int(r, "total", (int64_t)ct_hosts_count(t));
	arr = ct_json_arr();
	for (size_t i = 0; i < n; i++) {
		const struct ct_host *h = mode == 1 ? unst[i] : ct_hosts_at(t, i);
		if (mode == 2 && !ct_host_is_external(h))
			continue;
		if (mode == 3 && h->state == CT_HOST_OFFLINE)
			continue;
		if (network && network[0] && !host_in(h, &net))
			continue;
		ct_json_add(arr, NULL, ct_ctlj_host(h, now));
		count++;
	}
	free(unst);
	ct_json_add_int(r, "count", (int64_t)count);
	ct_json_add(r, "hosts", arr);
	*result = r;
	return 0;
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

struct ct_json *ct_ctlj_search_progress(const struct ct_search_progress *p)
{
	struct ct_json *o = ct_json_obj();

	ct_json_add_int(o, "search_id", (int64_t)p->id);
	ct_json_add_str(o, "state", search_state_name(p->state));
	ct_json_add_int(o, "total", (int64_t)p->total);
	ct_json_add_int(o, "probed", (int64_t)p->probed);
	ct_json_add_int(o, "found", (int64_t)p->found);
	ct_json_add_int(o, "unresolved", (int64_t)p->unresolved);
	add_time(o, "started", p->started);
	add_time(o, "finished", p->finished);
	return o;
}

struct ct_json *ct_ctlj_search_result(const struct ct_search *s)
{
	struct ct_json *o = ct_ctlj_search_progress(ct_search_progress(s)), *arr;
	const struct ct_search_hit *hits;
	size_t n = ct_search_hits(s, &hits);

	arr = ct_json_add_arr(o, "hosts");
	for (size_t i = 0; i < n; i++) {
		struct ct_json *h = ct_json_obj();
		add_addr(h, &hits[i].addr);
		ct_json_add_str(h, "user", hits[i].user);
		ct_json_add_str(h, "host", hits[i].host);
		ct_json_add_str(h, "nick", hits[i].nick);
		ct_json_add_str(h, "info", hits[i].info);
		ct_json_add_int(h, "status", hits[i].status);
		ct_json_add(arr, NULL, h);
	}
	return o;
}
