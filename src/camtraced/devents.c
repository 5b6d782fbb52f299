/* devents.c: camtraced's event subscription: `subscribe` (snapshot + synced) and the host, fetch, notify, search and warn events (camtraced(8)). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "ctl.h"
#include "ctl-shapes.h"
#include "ctl-sub.h"
#include "daemon.h"
#include "devents.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "jsonw.h"
#include "listcli.h"
#include "log.h"
#include "notify.h"
#include "outbuf.h"
#include "search.h"

#define NOTIFY_POLL_MS 250

static const char *const op_names[] = {
	[CT_HOST_EV_NONE] = "none", [CT_HOST_EV_JOIN] = "join", [CT_HOST_EV_CHANGE] = "change",
	[CT_HOST_EV_ABSENT] = "absent", [CT_HOST_EV_BACK] = "back", [CT_HOST_EV_EXIT] = "exit",
	[CT_HOST_EV_LOST] = "lost", [CT_HOST_EV_FLAP] = "flap", [CT_HOST_EV_REMOVE] = "remove",
};

static struct ct_ctlj_now ev_now(struct daemon *d)
{
	struct ct_ctlj_now now = { ct_wall_now(), ct_evloop_now_ms(d->ev), d->conf.unstable_window };

	return now;
}

/* {"v":1,"ev":KIND,"t":MS (the head of every event line; the caller adds the rest and "}\n") */
static void head(struct ct_out *o, const char *kind)
{
	ct_out_puts(o, "{\"v\":1,\"ev\":");
	ct_jw_str(o, kind, strlen(kind));
	ct_jw_kint(o, "t", ct_ctl_sub_now_ms());
}

static void host_line(struct ct_out *o, const struct ct_host *h, const char *op, const struct ct_ctlj_now *now)
{
	head(o, "host");
	ct_jw_kstr(o, "op", op);
	ct_jw_key(o, "host", 0);
	ct_ctlj_host_write(o, h, now);
	ct_out_put(o, "}\n", 2);
}

/* Sends what d->evbuf holds to the subscribers of kind, coalesced by key. */
static void publish(struct daemon *d, unsigned kind, const void *key, size_t klen)
{
	if (!d->evbuf.oom)
		ct_ctl_publish(d->ctl, kind, key, klen, d->evbuf.p, d->evbuf.len);
	d->evbuf.len = 0;
	d->evbuf.oom = 0;
}

static void on_host(struct ct_hosts *t, const struct ct_host *h, enum ct_host_event ev, void *ud)
{
	struct daemon *d = ud;
	struct ct_ctlj_now now;
	char key[2 * 256];
	size_t lu, lh;

	(void)t;
	if (!(ct_ctl_server_wants(d->ctl) & CT_CTL_EV_HOST) || (unsigned)ev > CT_HOST_EV_REMOVE)
		return;
	now = ev_now(d);
	host_line(&d->evbuf, h, op_names[ev], &now);
	lu = strlen(h->user);
	lh = strlen(h->host);
	if (lu + lh + 1 > sizeof key) /* names are bounded by the codec; never coalesce a giant */
		publish(d, CT_CTL_EV_HOST, NULL, 0);
	else {
		memcpy(key, h->user, lu + 1); /* user NUL host: the identity */
		memcpy(key + lu + 1, h->host, lh);
		publish(d, CT_CTL_EV_HOST, key, lu + 1 + lh);
	}
}

static void on_log(enum ct_log_level lvl, const char *func, const char *msg, void *ud)
{
	struct daemon *d = ud;

	(void)func;
	if (lvl > CT_LOG_WARN || !(ct_ctl_server_wants(d->ctl) & CT_CTL_EV_WARN))
		return;
	head(&d->evbuf, "warn");
	ct_jw_kstr(&d->evbuf, "level", lvl == CT_LOG_ERR ? "error" : "warning");
	ct_jw_kstr(&d->evbuf, "msg", msg);
	ct_out_put(&d->evbuf, "}\n", 2);
	publish(d, CT_CTL_EV_WARN, NULL, 0);
}

void devents_fetch(struct daemon *d, int ok)
{
	const struct ct_listcli_status *s;
	char b[CT_HADDR_STRLEN];
	int64_t ms;

	if (!d->lc || !(ct_ctl_server_wants(d->ctl) & CT_CTL_EV_FETCH))
		return;
	s = ct_listcli_status(d->lc);
	ms = ok ? (int64_t)s->last_ms : s->last_try > 0 ? (int64_t)((ct_wall_now() - s->last_try) * 1000) : 0;
	head(&d->evbuf, "fetch");
	ct_jw_kstr(&d->evbuf, "server", ct_haddr_str(&s->server, b, sizeof b));
	/* listcli.c's texts: no OKGETLIST (after the retry), or the pages stopped coming */
	ct_jw_kstr(&d->evbuf, "result", ok ? "ok" : strncmp(s->last_error, "the server did not answer", 25) == 0 ||
		strncmp(s->last_error, "the server stopped sending", 26) == 0 ? "timeout" : "error");
	ct_jw_kint(&d->evbuf, "hosts", ok ? (int64_t)s->last_hosts : 0);
	ct_jw_kint(&d->evbuf, "ms", ms);
	ct_jw_kstr(&d->evbuf, "error", ok ? "" : s->last_error);
	ct_out_put(&d->evbuf, "}\n", 2);
	publish(d, CT_CTL_EV_FETCH, NULL, 0);
}

void devents_search(struct daemon *d, const struct ct_search_progress *p)
{
	static const char *const states[] = { "running", "done", "cancelled" };
	char key[24];

	if (!(ct_ctl_server_wants(d->ctl) & CT_CTL_EV_SEARCH))
		return;
	head(&d->evbuf, "search");
	ct_jw_kint(&d->evbuf, "search_id", (int64_t)p->id);
	ct_jw_kstr(&d->evbuf, "state", (unsigned)p->state <= CT_SEARCH_CANCELLED ? states[p->state] : "done");
	ct_jw_kint(&d->evbuf, "probed", (int64_t)p->probed);
	ct_jw_kint(&d->evbuf, "found", (int64_t)p->found);
	ct_out_put(&d->evbuf, "}\n", 2);
	/* progress of one search coalesces (the newest, "done" at the end, is kept) */
	memcpy(key, "\001search", 7);
	memcpy(key + 7, &p->id, sizeof p->id);
	publish(d, CT_CTL_EV_SEARCH, key, 7 + sizeof p->id);
}

void devents_notify(struct daemon *d, const char *kind, unsigned round, size_t targets)
{
	if (!(ct_ctl_server_wants(d->ctl) & CT_CTL_EV_NOTIFY))
		return;
	head(&d->evbuf, "notify");
	ct_jw_kint(&d->evbuf, "round", round);
	ct_jw_kint(&d->evbuf, "targets", (int64_t)targets);
	ct_jw_kstr(&d->evbuf, "kind", kind);
	ct_out_put(&d->evbuf, "}\n", 2);
	publish(d, CT_CTL_EV_NOTIFY, NULL, 0);
}

/* notify.c has no callback: a new round number is looked for a few times a second */
static void on_notify_poll(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct daemon *d = ud;
	const struct ct_notify_round *run = ct_notify_running(d->nt), *last = ct_notify_last(d->nt);
	const struct ct_notify_round *r = run ? run : last;

	(void)id;
	if (r->number > d->ev_round) {
		d->ev_round = r->number;
		devents_notify(d, "entry", r->number, r->targets);
	}
	d->t_events = ct_evloop_add_timer(ev, NOTIFY_POLL_MS, on_notify_poll, d);
}

/* ---- subscribe: the reply, then the snapshot ("present" per host, then "synced") ---- */

struct snap {
	struct daemon *d;
	struct ct_haddr *addrs; /* the hosts at subscribe time, found again by address per chunk */
	size_t n, next, sent;
};

static int snap_more(struct ct_out *o, void *ud)
{
	struct snap *sn = ud;
	struct ct_ctlj_now now = ev_now(sn->d);

	while (sn->next < sn->n && o->len < CT_CTL_STREAM_CHUNK) {
		const struct ct_host *h = ct_hosts_find_addr(sn->d->hosts, &sn->addrs[sn->next++]);
		if (!h)
			continue; /* gone meanwhile: its "remove" follows the snapshot */
		host_line(o, h, "present", &now);
		sn->sent++;
	}
	if (o->oom)
		return CT_ENOMEM;
	if (sn->next < sn->n)
		return 1;
	head(o, "synced");
	ct_jw_kint(o, "hosts", (int64_t)sn->sent);
	ct_out_put(o, "}\n", 2);
	return 0;
}

static void snap_done(void *ud)
{
	struct snap *sn = ud;

	free(sn->addrs);
	free(sn);
}

static int m_subscribe(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct daemon *d = ud;
	unsigned kinds;
	int snapshot = 1;
	char err[200];
	size_t n = ct_hosts_count(d->hosts);
	struct snap *sn;

	if (ct_ctl_sub_kinds_parse(params ? ct_json_get(params, "events") : NULL, &kinds, err, sizeof err) != 0)
		return ct_ctl_call_error(call, "bad_params", "%s", err);
	if (params && ct_json_get(params, "snapshot") && ct_json_get_bool(params, "snapshot", &snapshot) != 0)
		return ct_ctl_call_error(call, "bad_params", "\"snapshot\" must be true or false");
	ct_ctl_call_subscribe(call, kinds);
	*result = ct_json_obj();
	ct_json_add(*result, "subscribed", ct_ctl_sub_kinds_json(kinds));
	ct_json_add_int(*result, "hosts", (int64_t)n);
	if (!snapshot)
		return 0;
	if (!(kinds & CT_CTL_EV_HOST))
		n = 0; /* no host events: the snapshot is the synced line alone */
	if (!(sn = calloc(1, sizeof *sn)) || (n && !(sn->addrs = malloc(n * sizeof *sn->addrs)))) {
		free(sn);
		ct_json_free(*result);
		*result = NULL;
		return CT_ENOMEM;
	}
	sn->d = d;
	sn->n = n;
	for (size_t i = 0; i < n; i++)
		sn->addrs[i] = ct_hosts_at(d->hosts, i)->addr;
	ct_ctl_call_stream_lines(call, snap_more, snap_done, sn);
	return CT_CTL_STREAM;
}

void devents_register(struct daemon *d)
{
	ct_out_init_buf(&d->evbuf);
	ct_ctl_server_add(d->ctl, CT_CTL_M_SUBSCRIBE, m_subscribe, d);
	ct_hosts_set_watch(d->hosts, on_host, d);
	ct_log_set_tap(on_log, d);
	d->ev_round = ct_notify_running(d->nt) ? ct_notify_running(d->nt)->number : ct_notify_last(d->nt)->number;
	d->t_events = ct_evloop_add_timer(d->ev, NOTIFY_POLL_MS, on_notify_poll, d);
}

void devents_close(struct daemon *d)
{
	ct_log_set_tap(NULL, NULL);
	if (d->hosts)
		ct_hosts_set_watch(d->hosts, NULL, NULL);
	if (d->ev)
		ct_evloop_cancel_timer(d->ev, d->t_events);
	d->t_events = 0;
	free(d->evbuf.p);
	ct_out_init_buf(&d->evbuf);
}
