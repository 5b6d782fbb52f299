/* dfed.c: camtraced's federation: starts the engine from the `peer` settings and writes the status "federation" section. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "daemon.h"
#include "err.h"
#include "fed.h"
#include "fsutil.h"
#include "json.h"
#include "keys.h"
#include <limits.h>
#include "log.h"
#include "sbuf.h"
#include <stdlib.h>

/* The federation settings as one string: a reload that changes none keeps the engine running. */
static char *settings(const struct ct_daemon_conf *c)
{
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	ct_sbuf_printf(&b, "%llu %llu %llu %lld", (unsigned long long)c->peer_refresh,
		(unsigned long long)c->peer_lease, (unsigned long long)c->peer_tombstone, (long long)c->list_budget);
	for (size_t i = 0; i < c->peer.n; i++)
		ct_sbuf_printf(&b, " %s", c->peer.v[i]);
	if (b.err) {
		ct_sbuf_fini(&b);
		return NULL;
	}
	return ct_sbuf_steal(&b, NULL);
}

/* The `peer` items as the engine takes them: a "key=FPR" item joins the peer before it. */
static char **peer_specs(const struct ct_strlist *l, size_t *n, int *keyed)
{
	char **v = calloc(l->n + 1, sizeof *v);

	*n = 0;
	*keyed = 0;
	for (size_t i = 0; v && i < l->n; i++) {
		if (strncmp(l->v[i], "key=", 4) == 0 && *n) {
			size_t a = strlen(v[*n - 1]), b = strlen(l->v[i]);
			char *j = realloc(v[*n - 1], a + b + 2);
			if (!j)
				continue;
			j[a] = ' ';
			memcpy(j + a + 1, l->v[i], b + 1);
			v[*n - 1] = j;
			*keyed = 1;
		} else if (strncmp(l->v[i], "key=", 4) != 0 && (v[*n] = strdup(l->v[i])))
			(*n)++;
	}
	return v;
}

static void specs_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* Our key pair, opened (created the first time) beside the state file when a peer has a key. */
static int open_keys(struct daemon *d, char *err, size_t errlen)
{
	char dir[PATH_MAX], e[256], fpr[17];
	int created = 0, r;

	if (d->fed_keys)
		return 0;
	ct_fs_dirname(d->conf.state_file, dir, sizeof dir);
	if ((r = ct_keys_open(dir, &d->fed_keys, &created, e, sizeof e)) != 0) {
		snprintf(err, errlen, "federation keys: %s", e);
		return r;
	}
	if (ct_crypt_keys_fpr(d->fed_keys, fpr) == 0)
		log_notice("federation key %s%s (give it to the peers as key=%s)", fpr, created ? " created" : "", fpr);
	return 0;
}

int dfed_start(struct daemon *d, char *err, size_t errlen)
{
	struct ct_fed_conf fc;
	char *sig = settings(&d->conf);
	char **specs;
	size_t nspecs;
	int r, keyed;

	if (d->fed && sig && d->fed_sig && strcmp(sig, d->fed_sig) == 0) {
		free(sig);
		return 0; /* unchanged: peers keep what they hold */
	}
	/* changed: a new engine and a new incarnation (versions start again: peers resend) */
	ct_fed_free(d->fed);
	d->fed = NULL;
	free(d->fed_sig);
	d->fed_sig = sig;
	if (d->conf.peer.n == 0)
		return 0;
	if (!(specs = peer_specs(&d->conf.peer, &nspecs, &keyed)))
		return CT_ENOMEM;
	if (keyed && (r = open_keys(d, err, errlen)) != 0) {
		specs_free(specs, nspecs);
		return r;
	}
	memset(&fc, 0, sizeof fc);
	fc.peers = (const char *const *)specs;
	fc.npeers = nspecs;
	fc.keys = keyed ? d->fed_keys : NULL;
	fc.refresh_ms = d->conf.peer_refresh;
	fc.lease_ms = d->conf.peer_lease;
	fc.tombstone_ms = d->conf.peer_tombstone;
	fc.budget = (size_t)d->conf.list_budget;
	r = ct_fed_new(&d->fed, d->node, &fc, err, errlen);
	specs_free(specs, nspecs);
	if (r != 0)
		return r;
	log_info("federation with %zu peer(s), digest every %llu s, lease %llu s", ct_fed_npeers(d->fed),
		(unsigned long long)(d->conf.peer_refresh / 1000), (unsigned long long)(d->conf.peer_lease / 1000));
	return 0;
}

void dfed_stop(struct daemon *d)
{
	ct_fed_free(d->fed);
	d->fed = NULL;
	free(d->fed_sig);
	d->fed_sig = NULL;
	ct_crypt_keys_free(d->fed_keys);
	d->fed_keys = NULL;
}

void dfed_status(struct ct_json *r, const struct daemon *d)
{
	struct ct_fed_stats st;
	struct ct_json *o, *a;
	double now = ct_wall_now();
	char ip[64];

	if (!d->fed)
		return;
	ct_fed_stats(d->fed, &st);
	o = ct_json_add_obj(r, "federation");
	ct_json_add_int(o, "incarnation", (int64_t)st.incarnation);
	ct_json_add_int(o, "version", (int64_t)st.version);
	ct_json_add_int(o, "owned", (int64_t)st.owned);
	ct_json_add_int(o, "yielded", (int64_t)st.yielded);
	ct_json_add_int(o, "tombstones", (int64_t)st.tombstones);
	ct_json_add_int(o, "refused", (int64_t)st.refused);
	ct_json_add_int(o, "malformed", (int64_t)st.malformed);
	ct_json_add_int(o, "auth_refused", (int64_t)st.auth_refused);
	{
		char fpr[17];
		if (d->fed_keys && ct_crypt_keys_fpr(d->fed_keys, fpr) == 0)
			ct_json_add_str(o, "key_fingerprint", fpr);
		else
			ct_json_add_null(o, "key_fingerprint");
	}
	ct_json_add_int(o, "refresh_s", (int64_t)(d->conf.peer_refresh / 1000));
	ct_json_add_int(o, "lease_s", (int64_t)(d->conf.peer_lease / 1000));
	a = ct_json_add_arr(o, "peers");
	for (size_t i = 0; i < ct_fed_npeers(d->fed); i++) {
		const struct ct_fed_peer_status *p = ct_fed_peer(d->fed, i);
		struct ct_json *e = ct_json_add_obj(a, NULL);
		ct_json_add_str(e, "peer", p->name);
		ct_json_add_str(e, "type", p->ipmsg ? "ipmsg" : "camtraced");
		ct_json_add_str(e, "auth", p->auth ? p->auth : "none");
		ct_json_add_int(e, "auth_refused", (int64_t)p->auth_refused);
		if (p->addr.family)
			ct_json_add_str(e, "addr", ct_haddr_str(&p->addr, ip, sizeof ip));
		else
			ct_json_add_null(e, "addr");
		ct_json_add_str(e, "state", !p->addr.family ? "unresolved" : !p->ever ? (p->up ? "waiting" : "down") :
			p->up ? "up" : "down");
		ct_json_add_int(e, "hosts", (int64_t)p->hosts);
		if (p->last_exchange > 0) {
			char b[40];
			ct_json_add_str(e, "last_exchange", ct_wall_iso(p->last_exchange, b, sizeof b));
			ct_json_add_int(e, "last_exchange_age_s", (int64_t)(now - p->last_exchange));
		} else {
			ct_json_add_null(e, "last_exchange");
			ct_json_add_null(e, "last_exchange_age_s");
		}
		ct_json_add_int(e, "incarnation", (int64_t)p->inc);
		ct_json_add_int(e, "version", (int64_t)p->ver);
		ct_json_add_int(e, "have_version", (int64_t)p->have_ver);
		ct_json_add_int(e, "lag_versions", p->ver > p->have_ver ? (int64_t)(p->ver - p->have_ver) : 0);
		ct_json_add_int(e, "digests_rx", (int64_t)p->digests_rx);
		ct_json_add_int(e, "digests_tx", (int64_t)p->digests_tx);
		ct_json_add_int(e, "pages_rx", (int64_t)p->pages_rx);
		ct_json_add_int(e, "pages_tx", (int64_t)p->pages_tx);
		ct_json_add_int(e, "bytes_rx", (int64_t)p->bytes_rx);
		ct_json_add_int(e, "bytes_tx", (int64_t)p->bytes_tx);
		ct_json_add_int(e, "resyncs", (int64_t)p->resyncs);
		ct_json_add_int(e, "gaps", (int64_t)p->gaps);
		ct_json_add_int(e, "expired", (int64_t)p->expired);
		ct_json_add_int(e, "errors", (int64_t)p->errors);
		ct_json_add_str(e, "last_error", p->last_error);
	}
}
