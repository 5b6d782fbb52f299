/* doctor-server-sees.c: step 2 of `camtrace doctor`: does the server see the users (its list, its control socket)? */
#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "ctl.h"
#include "doctor-evidence.h"
#include "doctor-probe.h"
#include "doctor-steps.h"
#include "evloop.h"
#include <stdlib.h>
#include "json.h"
#include "charset.h"
#include "clock.h"
#include "err.h"
#include "hostlist.h"
#include "sbuf.h"
#include "node.h"
#include "codec.h"
#include "targets.h"
#include "util.h"

/* The server's list without announcing this host: GETLIST pages straight away (a list server
 * answers GETLIST from any allowed address; BR_ENTRY, which a list client sends first, would
 * list doctor on the server, and its clients would fetch it). */
struct qfetch {
	struct ct_doctor *d;
	uint32_t want;            /* start index asked */
	int pages, done, ok;
	size_t hosts;
};

static void add_known(struct ct_doctor *d, uint32_t a, const char *user, const char *host, const char *nick,
	int online)
{
	struct ct_doc_known *k;

	if (!a || d->nknown >= CT_DOC_MAX_KNOWN)
		return;
	for (int i = 0; i < d->nknown; i++)
		if (d->known[i].addr == a)
			return;
	k = &d->known[d->nknown++];
	k->addr = a;
	ct_strlcpy(k->user, user ? user : "", sizeof k->user);
	ct_strlcpy(k->host, host ? host : "", sizeof k->host);
	ct_strlcpy(k->nick, nick ? nick : "", sizeof k->nick);
	k->online = online;
}

static void send_getlist(struct qfetch *q)
{
	struct ct_sbuf b;
	struct ct_haddr to;

	ct_haddr_set_v4(&to, ntohl(q->d->server), 2425);
	ct_sbuf_init(&b);
	ct_hostlist_build_getlist(&b, q->want);
	if (!b.err)
		ct_node_send(q->d->node, &to, CT_IPMSG_GETLIST | CT_IPMSG_CAPUTF8OPT, b.p, b.len);
	ct_sbuf_fini(&b);
}

static void on_anslist(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct qfetch *q = ud;
	struct ct_hostlist l;
	enum ct_charset cs = (rx->m->opts & CT_IPMSG_UTF8OPT) ? CT_CS_UTF8 : CT_CS_CP932;
	uint32_t next;
	int r;

	(void)n;
	if (q->done || rx->from.family != AF_INET || memcmp(rx->from.ip, &q->d->server, 4) != 0)
		return;
	memset(&l, 0, sizeof l);
	r = rx->m->nsec ? ct_hostlist_parse(rx->m->sec[0].p, rx->m->sec[0].len, 2425, &l) : CT_ETRUNC;
	if (r != 0 && l.n == 0) {
		ct_hostlist_fini(&l);
		return; /* asked again after the wait */
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct ct_hostlist_entry *e = &l.e[i];
		struct in_addr in;
		char *u, *h, *k;
		if (e->state == CT_HOSTLIST_GONE || !e->addr || inet_pton(AF_INET, e->addr, &in) != 1)
			continue;
		u = ct_charset_decode_str(cs, e->user, strlen(e->user));
		h = ct_charset_decode_str(cs, e->host, strlen(e->host));
		k = ct_charset_decode_str(cs, e->nick, strlen(e->nick));
		add_known(q->d, in.s_addr, u, h, k, 1);
		free(u);
		free(h);
		free(k);
		q->hosts++;
	}
	q->pages++;
	next = ct_hostlist_next_request(&l);
	ct_hostlist_fini(&l);
	if (next != 0 && next > q->want) {
		q->want = next;
		send_getlist(q);
		return;
	}
	q->done = 1;
	q->ok = next == 0;
	ct_evloop_stop(q->d->ev);
}

static void fetch_list(struct ct_doctor *d, struct ct_doc_step *s)
{
	struct qfetch q = { .d = d };
	uint64_t t0 = ct_mono_ns();
	int tries = 0;

	if (!d->node) {
		ct_doc_ev(s, "GETLIST: not possible (UDP port 2425 is taken on this machine)");
		return;
	}
	if (ct_node_add_handler(d->node, CT_IPMSG_ANSLIST, on_anslist, &q) != 0)
		return;
	/* each page asked up to 3 times, 1.5 s apart */
	while (!q.done && tries < 3) {
		int pages = q.pages;
		uint64_t t;
		send_getlist(&q);
		t = ct_evloop_add_timer(d->ev, 1500, ct_doc_loop_timeout, NULL);
		if (ct_evloop_run(d->ev) != 0)
			tries = 3;
		ct_evloop_cancel_timer(d->ev, t);
		tries = q.pages > pages ? 0 : tries + 1;
	}
	ct_node_remove_handler(d->node, CT_IPMSG_ANSLIST, on_anslist, &q);
	if (q.ok) {
		d->list_ok = 1;
		d->list_hosts = q.hosts;
		ct_doc_ev(s, "GETLIST from %s: %zu users in %d page(s), %llu ms (no BR_ENTRY first: this host is not "
			"announced to the server)", d->server_s, q.hosts, q.pages,
			(unsigned long long)((ct_mono_ns() - t0) / 1000000));
	} else
		ct_doc_ev(s, "GETLIST from %s failed: %s", d->server_s, q.pages ? "the list stopped before its end" :
			"no answer (3 tries, 1.5 s each)");
}

static int match_name(const char *spec, const char *a, const char *b, const char *c)
{
	return (a && strcasecmp(spec, a) == 0) || (b && strcasecmp(spec, b) == 0) || (c && strcasecmp(spec, c) == 0);
}

/* The records the steps use, kept as they stream in (100,000 records are never held): the
 * first CT_DOC_MAX_KNOWN (collect_known keeps no more) and those of the users asked about.
 * Records come as text (ct_ctl_client_call_raw); one past the first is parsed only when an
 * asked name or address appears in its text, so a list of 100,000 costs a scan, not a parse,
 * per record. */
struct keep {
	struct ct_doctor *d;
	struct ct_json *arr;
	int first;
};

/* 1 when spec can appear in a record's JSON text as it is: printable ASCII that the writer
 * never escapes */
static int plain_spec(const char *spec)
{
	for (const unsigned char *p = (const unsigned char *)spec; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
			return 0;
	return *spec != '\0';
}

/* ASCII case-insensitive search of spec in raw[0..len) */
static int text_has(const char *raw, size_t len, const char *spec)
{
	size_t n = strlen(spec);
	unsigned char c0 = (unsigned char)spec[0] | 0x20;

	for (size_t i = 0; i + n <= len; i++)
		if (((unsigned char)raw[i] | 0x20) == c0 && strncasecmp(raw + i, spec, n) == 0)
			return 1;
	return 0;
}

/* could this record be one of the users asked about? (no: skip it without parsing) */
static int may_be_asked(const struct ct_doctor *d, const char *raw, size_t len)
{
	for (int i = 0; i < d->nusers; i++)
		if (!plain_spec(d->u[i].spec) || text_has(raw, len, d->u[i].spec))
			return 1;
	return 0;
}

static int keep_record(const struct ct_json *el, const char *raw, size_t len, void *ud)
{
	struct keep *k = ud;
	struct ct_json *h = NULL;
	const char *addr;
	int want;

	(void)el;
	if (k->first >= CT_DOC_MAX_KNOWN && !may_be_asked(k->d, raw, len))
		return 0;
	if (ct_json_parse(raw, len, &h) != 0)
		return CT_ENOMEM; /* the client checked the text: only memory can fail */
	addr = ct_json_get_str(h, "addr");
	want = addr && k->first < CT_DOC_MAX_KNOWN;
	k->first += addr != NULL;
	for (int i = 0; !want && i < k->d->nusers; i++) {
		const char *spec = k->d->u[i].spec;
		want = (addr && strcmp(addr, spec) == 0) || match_name(spec, ct_json_get_str(h, "user"),
			ct_json_get_str(h, "nick"), ct_json_get_str(h, "host"));
	}
	if (want)
		ct_json_add(k->arr, NULL, h);
	else
		ct_json_free(h);
	return 0;
}

/* The server's own records through its control socket (`users`): with them no GETLIST is sent,
 * so this host is never announced to the server. */
static void use_ctl(struct ct_doctor *d, struct ct_doc_step *s, struct ct_json **users)
{
	struct ct_json *p;
	struct keep k = { .d = d };

	*users = NULL;
	if (!d->ctl)
		return;
	if (!d->ctl_is_server) {
		ct_doc_ev(s, "control socket: %s", d->ctl_note[0] ? d->ctl_note : "not the list server's");
		return;
	}
	p = ct_json_obj();
	ct_json_add_str(p, "filter", "all");
	k.arr = ct_json_arr();
	if (ct_ctl_client_call_raw(d->ctl, CT_CTL_M_USERS, p, 10000, "hosts", keep_record, &k, users) != 0) {
		ct_doc_ev(s, "control socket: users failed: %s", ct_ctl_client_error(d->ctl));
		ct_json_free(*users);
		ct_json_free(k.arr);
		*users = NULL;
	} else {
		ct_json_free(ct_json_detach(*users, "hosts"));
		ct_json_add(*users, "hosts", k.arr);
	}
	ct_json_free(p);
}

/* the users the server knows, from its list or its records */
static void collect_known(struct ct_doctor *d, const struct ct_json *arr)
{
	struct in_addr in;

	for (const struct ct_json *h = ct_json_first(arr); h; h = ct_json_next(h)) {
		const char *addr = ct_json_get_str(h, "addr"), *st = ct_json_get_str(h, "state");
		if (addr && inet_pton(AF_INET, addr, &in) == 1)
			add_known(d, in.s_addr, ct_json_get_str(h, "user"), ct_json_get_str(h, "host"),
				ct_json_get_str(h, "nick"), !st || strcmp(st, "offline") != 0);
	}
}

static int same24(uint32_t a, uint32_t b)
{
	return (ntohl(a) >> 8) == (ntohl(b) >> 8);
}

/* Is the user's network one the server already reaches? 1 when its notify targets cover the
 * address (control socket), or when other users of that /24 are online in its list; the text
 * says which. */
static int network_reached(struct ct_doctor *d, const struct ct_doc_user *u, char *why, size_t len)
{
	int others = 0;

	for (int i = 0; i < d->nknown; i++)
		others += d->known[i].online && d->known[i].addr != u->addr && same24(d->known[i].addr, u->addr);
	if (d->ctl_notify_known) {
		struct ct_haddr a;
		ct_haddr_set_v4(&a, ntohl(u->addr), 2425);
		if (ct_targets_match(&d->ctl_notify, &a)) {
			snprintf(why, len, "the server's camtraced.conf notifies its network (control socket: notify "
				"targets cover %s), and %d other user(s) there are listed", u->addr_s, others);
			return 1;
		}
		snprintf(why, len, "the server's camtraced.conf has no `notify` line covering %s (control socket)",
			u->addr_s);
		return 0;
	}
	if (others) {
		snprintf(why, len, "%d other user(s) of its network are listed by the server: it reaches that network",
			others);
		return 1;
	}
	snprintf(why, len, "nobody of its network is listed by the server");
	return 0;
}

/* Where the server learned a user (its record's "sources"): "own", "peer 198.18.2.13:2425", ... */
static void learned_from(struct ct_doc_user *u, const struct ct_json *srcs)
{
	size_t n = 0;

	u->learned_from[0] = '\0';
	for (const struct ct_json *x = srcs ? ct_json_first(srcs) : NULL; x; x = ct_json_next(x)) {
		const char *from = ct_json_get_str(x, "from"), *srv = ct_json_get_str(x, "server");
		int w = snprintf(u->learned_from + n, sizeof u->learned_from - n, "%s%s%s%s", n ? ", " : "",
			from ? from : "?", srv ? " " : "", srv ? srv : "");
		if (w < 0 || (size_t)w >= sizeof u->learned_from - n)
			break;
		n += (size_t)w;
	}
}

static void match_users(struct ct_doctor *d, struct ct_doc_step *s, const struct ct_json *arr, int *missing)
{
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		struct in_addr in;
		u->flaps = -1;
		u->recent_flaps = -1;
		u->missed = -1;
		if (inet_pton(AF_INET, u->spec, &in) == 1) {
			u->addr = in.s_addr;
			ct_doc_ip_s(u->addr, u->addr_s);
		}
		for (int k = 0; d->list_ok && k < d->nknown; k++) {
			const struct ct_doc_known *h = &d->known[k];
			if ((u->addr && h->addr == u->addr) || (!u->addr && match_name(u->spec, h->user, h->nick, h->host))) {
				u->listed = 1;
				u->addr = h->addr;
				ct_doc_ip_s(h->addr, u->addr_s);
				ct_strlcpy(u->user, h->user, sizeof u->user);
				ct_strlcpy(u->host, h->host, sizeof u->host);
				ct_strlcpy(u->nick, h->nick, sizeof u->nick);
				ct_strlcpy(u->state, "listed", sizeof u->state);
				break;
			}
		}
		for (const struct ct_json *h = ct_json_first(arr); h; h = ct_json_next(h)) {
			const char *addr = ct_json_get_str(h, "addr"), *t;
			int64_t v;
			if (!addr || inet_pton(AF_INET, addr, &in) != 1)
				continue;
			if ((u->addr && in.s_addr == u->addr) ||
				(!u->addr && match_name(u->spec, ct_json_get_str(h, "user"), ct_json_get_str(h, "nick"),
					ct_json_get_str(h, "host")))) {
				u->listed = 1;
				u->addr = in.s_addr;
				ct_doc_ip_s(u->addr, u->addr_s);
				ct_strlcpy(u->user, (t = ct_json_get_str(h, "user")) ? t : "", sizeof u->user);
				ct_strlcpy(u->host, (t = ct_json_get_str(h, "host")) ? t : "", sizeof u->host);
				ct_strlcpy(u->nick, (t = ct_json_get_str(h, "nick")) ? t : "", sizeof u->nick);
				ct_strlcpy(u->state, (t = ct_json_get_str(h, "state")) ? t : "?", sizeof u->state);
				if (ct_json_get_i64(h, "flap_count", &v) == 0)
					u->flaps = (long)v;
				if (ct_json_get_i64(h, "flaps_in_window", &v) == 0)
					u->recent_flaps = (long)v;
				if (ct_json_get_i64(h, "missed_answers", &v) == 0)
					u->missed = (long)v;
				learned_from(u, ct_json_get(h, "sources"));
				break;
			}
		}
		if (u->listed && u->learned_from[0])
			ct_doc_ev(s, "%s: the server's entry came from %s%s", u->spec, u->learned_from,
				u->flaps > 0 ? " (its flaps are what that source said)" : "");
		if (u->listed && u->flaps >= 0 && u->recent_flaps >= 0)
			ct_doc_ev(s, "%s: listed by the server as %s@%s (%s), state %s, %ld flap(s), %ld of them within the "
				"server's unstable_window (instability records)", u->spec, u->user, u->host, u->addr_s, u->state,
				u->flaps, u->recent_flaps);
		else if (u->listed && u->flaps >= 0)
			ct_doc_ev(s, "%s: listed by the server as %s@%s (%s), state %s, %ld flap(s) (instability records)",
				u->spec, u->user, u->host, u->addr_s, u->state, u->flaps);
		else if (u->listed)
			ct_doc_ev(s, "%s: listed by the server as %s@%s (%s), state %s", u->spec, u->user, u->host,
				u->addr_s, u->state);
		else {
			(*missing)++;
			ct_doc_ev(s, "%s: NOT in the server's list%s", u->spec, arr ? " nor in its records" : "");
		}
	}
}

void ct_doc_step_server_sees(struct ct_doctor *d, struct ct_doc_step *s)
{
	struct ct_json *users = NULL;
	const struct ct_json *arr = NULL;
	int64_t nrec = 0;
	int missing = 0, undiscovered = 0;
	char net[32], why[300];

	use_ctl(d, s, &users);
	if (users && (arr = ct_json_get(users, "hosts")) != NULL) {
		if (ct_json_get_i64(users, "count", &nrec) != 0)
			nrec = (int64_t)ct_json_arr_len(arr);
		ct_doc_ev(s, "control socket of the server: %zu records (no GETLIST sent: it would add this host to "
			"the server's list)", (size_t)nrec);
	}
	else
		fetch_list(d, s);
	if (!d->list_ok && !arr) {
		ct_doc_result(s, CT_DOC_PROBLEM, "the server %s does not answer list requests from this host",
			d->server_s);
		d->v.cls = CT_DOC_SERVER_UNREACHABLE;
		ct_json_free(users);
		return;
	}
	collect_known(d, arr);
	match_users(d, s, arr, &missing);
	if (!missing) {
		if (d->nusers)
			ct_doc_result(s, CT_DOC_OK, "the server sees all %d user(s) (%zu users listed)", d->nusers,
				d->list_ok ? d->list_hosts : (size_t)nrec);
		else
			ct_doc_result(s, CT_DOC_OK, "the server answers (%zu users listed); no --user given: checking "
				"the path to the server only", d->list_ok ? d->list_hosts : (size_t)nrec);
		ct_json_free(users);
		return;
	}
	/* the seed: the server must learn the other network first (notify, client setting, search);
	 * but when it already reaches that network, the PC itself is the question (the next steps) */
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		if (u->listed)
			continue;
		if (u->addr && network_reached(d, u, why, sizeof why)) {
			u->unlisted_reached = 1;
			ct_doc_ev(s, "%s is not listed, but %s: not a discovery setting; the next steps look at the PC "
				"and its path", u->addr_s, why);
			continue;
		}
		undiscovered++;
		ct_doc_add_host(&d->v, u->addr ? u->addr_s : u->spec);
		if (!u->addr)
			continue;
		ct_doc_net_wildcard(u->addr, net, sizeof net);
		if (!d->v.config_line[0])
			snprintf(d->v.config_line, sizeof d->v.config_line, "notify = %s", net);
		ct_doc_ev(s, "%s is on %s and %s; the server only hears broadcasts of its own segment; to reach %s:",
			u->addr_s, net, why, net);
		ct_doc_ev(s, "  (1) other-network notification, in the server's camtraced.conf: notify = %s", net);
		ct_doc_ev(s, "  (2) client setting, on a camtraced in that network: server = %s", d->server_s);
		ct_doc_ev(s, "  (3) search, once: camtrace search %s   (or in camtraced.conf: search = %s)", net, net);
	}
	if (!undiscovered) {
		ct_doc_result(s, CT_DOC_PROBLEM, "the server does not list %d of the users although it reaches their "
			"network: the next steps check those PCs", missing);
		ct_json_free(users);
		return;
	}
	d->v.cls = CT_DOC_NOT_DISCOVERED;
	if (d->v.config_line[0])
		ct_doc_result(s, CT_DOC_PROBLEM, "the server does not see %d of the users: add `%s` to the server's "
			"camtraced.conf (then `systemctl restart camtraced`)", undiscovered, d->v.config_line);
	else
		ct_doc_result(s, CT_DOC_PROBLEM, "the server does not see %d of the users and their network is "
			"unknown: give their address with --user ADDRESS", undiscovered);
	d->stop = 1;
	ct_json_free(users);
}

static void command(const struct ct_doctor *d, char *buf, size_t len)
{
	(void)d;
	/* the list as the local camtraced has it (the GETLIST itself has no command of its own) */
	snprintf(buf, len, "camtrace users --all");
}

const struct ct_doc_step_def ct_doc_step_server_sees_def = {
	.key = "server_sees_users",
	.title = "Does the server see the unstable users?",
	.what = "fetch the server's list (GETLIST) and, with its control socket, its instability records",
	.command = command,
	.run = ct_doc_step_server_sees,
};
