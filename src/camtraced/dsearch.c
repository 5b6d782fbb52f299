/* dsearch.c: camtraced's searches: starting one (control socket or start-up `search`), and what a finished one leaves (addresses notified, lost ones dropped). */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "daemon.h"
#include "devents.h"
#include "err.h"
#include "hosts.h"
#include "log.h"
#include "notify.h"
#include "search.h"
#include "state.h"
#include "targets.h"

static void on_search(struct ct_search *s, const struct ct_search_progress *p, void *ud)
{
	devents_search(ud, p);
	if (p->state != CT_SEARCH_RUNNING)
		daemon_search_done(ud, s);
}

void daemon_search_done(struct daemon *d, struct ct_search *s)
{
	const struct ct_search_hit *hits;
	size_t n = ct_search_hits(s, &hits), lost = 0, added = 0;
	char b[CT_HADDR_STRLEN];

	for (size_t i = 0; i < n; i++)
		if (ct_notify_add_found(d->nt, &hits[i].addr) == 0) {
			added++;
			log_notice("search found %s@%s at %s (%s)", hits[i].user, hits[i].host,
				ct_haddr_ip_str(&hits[i].addr, b, sizeof b), hits[i].info[0] ? hits[i].info : "no SENDINFO");
		}
	/* remembered addresses this search probed without an answer are lost */
	for (size_t i = 0; i < ct_notify_found_count(d->nt);) {
		const struct ct_haddr *a = ct_notify_found_at(d->nt, i);
		int answered = 0;
		for (size_t k = 0; k < n && !answered; k++)
			answered = ct_haddr_same_ip(&hits[k].addr, a);
		if (!answered && ct_search_probed(s, a) && ct_search_progress(s)->state == CT_SEARCH_DONE) {
			log_notice("search lost %s: it no longer answers; not notified any more",
				ct_haddr_ip_str(a, b, sizeof b));
			struct ct_haddr gone = *a;
			ct_notify_remove_found(d->nt, &gone);
			lost++;
			continue;
		}
		i++;
	}
	log_notice("search %llu: %zu IP Messenger hosts, %zu new addresses remembered, %zu lost",
		(unsigned long long)ct_search_progress(s)->id, n, added, lost);
	ct_state_touch(d->state);
}

int daemon_search_start(struct daemon *d, const struct ct_targets *ts, struct ct_search **out,
	char *err, size_t errlen)
{
	struct ct_search *s;
	int r;

	for (size_t i = 0; i < d->nsearches; i++)
		if (ct_search_progress(d->searches[i])->state == CT_SEARCH_RUNNING) {
			snprintf(err, errlen, "search %llu is still running; wait for it",
				(unsigned long long)ct_search_progress(d->searches[i])->id);
			return CT_EAGAIN;
		}
	if ((r = ct_search_start(&s, d->node, ts, d->conf.search_rate, 0, on_search, d, err, errlen)) != 0)
		return r;
	daemon_accept_extend(d, ts);
	if (d->nsearches == DAEMON_MAX_SEARCHES) {
		ct_search_free(d->searches[0]);
		memmove(&d->searches[0], &d->searches[1], (DAEMON_MAX_SEARCHES - 1) * sizeof d->searches[0]);
		d->nsearches--;
	}
	d->searches[d->nsearches++] = s;
	if (out)
		*out = s;
	return 0;
}

/* The configured `search` items, once at start-up. */
void daemon_startup_search(struct daemon *d)
{
	struct ct_targets ts;
	char e[256];

	if (!d->conf.search.n)
		return;
	ct_targets_init(&ts, CT_TARGETS_DEFAULT_MAX);
	for (size_t i = 0; i < d->conf.search.n; i++)
		if (ct_targets_add(&ts, d->conf.search.v[i], e, sizeof e) != 0)
			log_warn("search: %s", e);
	if (ts.n && daemon_search_start(d, &ts, NULL, e, sizeof e) != 0)
		log_warn("start-up search: %s", e);
	ct_targets_fini(&ts);
}
