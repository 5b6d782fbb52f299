/* listcli.c: list client: BR_ISGETLIST2 -> OKGETLIST -> GETLIST/ANSLIST pages, retries, merge, expiry. */
#include "config.h"
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "charset.h"
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "hostlist.h"
#include "listcli.h"
#include "log.h"
#include "node.h"
#include "util.h"

struct ct_listcli {
	struct ct_node *node;
	struct ct_evloop *ev;
	char *server;          /* the `server` value as configured */
	char names[CT_LISTCLI_MAX_SERVERS][256];
	char tried[320];       /* the servers this fetch gave up on, and why */
	struct ct_listcli_conf conf;
	ct_listcli_cb cb;
	void *ud;
	uint64_t t_phase, t_next;
	uint32_t seq;          /* fetch number: hosts listed get list_seq = seq */
	uint32_t want;         /* start index of the page we wait for */
	unsigned retries;
	uint64_t started_ms;
	size_t merged, pages;
	struct ct_haddr peer;  /* the server address registered as a node peer */
	int have_peer;
	uint64_t refused_logged; /* refused_pages when the last refusal was logged */
	uint64_t refused_log_ms; /* when it was logged (monotonic; 0 = never) */
	struct ct_listcli_status st;
};

#define CT_LISTCLI_REFUSED_LOG_MS 60000 /* refused pages are logged at most once a minute */

size_t ct_listcli_split(const char *spec, char (*names)[256], size_t max)
{
	size_t n = 0;

	for (const char *p = spec ? spec : ""; *p;) {
		size_t len = strcspn(p, ", \t");
		if (len) {
			if (n < max)
				snprintf(names[n], sizeof names[n], "%.*s", (int)(len < 255 ? len : 255), p);
			n += len < 256 ? 1 : max + 1; /* an over-long name: more than max, refused */
			p += len;
		} else
			p++;
	}
	return n;
}

int ct_listcli_has_fingerprint(const char *user)
{
	size_t n = strlen(user);

	if (n < 19 || user[n - 1] != '>' || user[n - 18] != '<' || user[n - 19] != '-')
		return 0;
	for (size_t i = n - 17; i < n - 1; i++)
		if (!isxdigit((unsigned char)user[i]))
			return 0;
	return 1;
}

static void on_phase(struct ct_evloop *ev, uint64_t id, void *ud);
static void on_next(struct ct_evloop *ev, uint64_t id, void *ud);

static void arm_phase(struct ct_listcli *lc)
{
	ct_evloop_cancel_timer(lc->ev, lc->t_phase);
	lc->t_phase = ct_evloop_add_timer(lc->ev, lc->conf.phase_ms, on_phase, lc);
}

static void arm_next(struct ct_listcli *lc, uint64_t ms)
{
	ct_evloop_cancel_timer(lc->ev, lc->t_next);
	lc->t_next = ct_evloop_add_timer(lc->ev, ms, on_next, lc);
}

static void end_fetch(struct ct_listcli *lc, int ok, const char *why)
{
	char b[CT_HADDR_STRLEN];

	ct_evloop_cancel_timer(lc->ev, lc->t_phase);
	lc->t_phase = 0;
	lc->st.state = CT_LISTCLI_IDLE;
	if (ok) {
		lc->st.ok++;
		lc->st.last_ok = ct_wall_now();
		lc->st.last_hosts = lc->merged;
		lc->st.last_pages = lc->pages;
		lc->st.last_ms = ct_evloop_now_ms(lc->ev) - lc->started_ms;
		lc->st.last_error[0] = '\0';
		CT_LOG_(lc->conf.peer_mode ? CT_LOG_INFO : CT_LOG_NOTICE,
			"list fetch from %s (%s): %zu hosts in %zu pages, %zu gone, %llu ms", lc->st.server_name,
			ct_haddr_str(&lc->st.server, b, sizeof b), lc->merged, lc->pages, lc->st.last_removed,
			(unsigned long long)lc->st.last_ms);
	} else {
		lc->st.failed++;
		/* (cut when long: the servers tried come first) */
		if (snprintf(lc->st.last_error, sizeof lc->st.last_error, "%s%s%s", lc->tried,
			     lc->tried[0] ? "; " : "", why) < 0)
			lc->st.last_error[0] = '\0';
		log_warn("list fetch from %s failed: %s; next try in %llu s", lc->server, lc->st.last_error,
			(unsigned long long)(lc->conf.fail_retry_ms / 1000));
		/* retry sooner than the full interval, but never later than it */
		if (lc->conf.fail_retry_ms < lc->conf.interval_ms)
			arm_next(lc, lc->conf.fail_retry_ms);
	}
	if (lc->cb)
		lc->cb(lc, ok, lc->ud);
}

static void send_isgetlist(struct ct_listcli *lc, uint32_t extra)
{
	struct ct_host_info me;
	struct ct_sbuf b;

	ct_node_self(lc->node, &me);
	ct_sbuf_init(&b);
	ct_charset_encode(CT_CS_CP932, me.nick, strlen(me.nick), &b, 0);
	ct_sbuf_addc(&b, '\0');
	ct_charset_encode(CT_CS_CP932, me.group, strlen(me.group), &b, 0);
	if (!b.err)
		ct_node_send(lc->node, &lc->st.server, CT_IPMSG_BR_ISGETLIST2 | ct_node_status(lc->node) | extra,
			b.p, b.len);
	ct_sbuf_fini(&b);
}

static void send_getlist(struct ct_listcli *lc)
{
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	ct_hostlist_build_getlist(&b, lc->want);
	if (!b.err)
		ct_node_send(lc->node, &lc->st.server, CT_IPMSG_GETLIST | CT_IPMSG_CAPUTF8OPT, b.p, b.len);
	ct_sbuf_fini(&b);
	arm_phase(lc);
}

static int start_on(struct ct_listcli *lc);

/* The fetch's current server failed: the next one in `server` is asked at once, or the fetch
 * ends (failed) after the last, its error naming each server tried. */
static void next_server(struct ct_listcli *lc, const char *why)
{
	size_t n = ct_listcli_split(lc->server, lc->names, CT_LISTCLI_MAX_SERVERS);

	if (n > CT_LISTCLI_MAX_SERVERS)
		n = CT_LISTCLI_MAX_SERVERS;
	if (lc->st.server_index + 1 >= n) {
		if (n > 1) {
			char w[sizeof lc->tried];
			snprintf(w, sizeof w, "%s: %s", lc->st.server_name, why);
			end_fetch(lc, 0, w);
		} else
			end_fetch(lc, 0, why);
		return;
	}
	{
		size_t used = strlen(lc->tried);
		snprintf(lc->tried + used, sizeof lc->tried - used, "%s%s: %s", used ? "; " : "", lc->st.server_name, why);
	}
	log_warn("list server %s: %s; trying %s", lc->st.server_name, why, lc->names[lc->st.server_index + 1]);
	lc->st.server_index++;
	lc->st.failovers++;
	start_on(lc);
}

static void on_phase(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_listcli *lc = ud;

	(void)ev;
	(void)id;
	lc->t_phase = 0;
	switch (lc->st.state) {
	case CT_LISTCLI_WAIT_OK: /* §4.2: LISTGET timer: retry with RETRYOPT */
		lc->st.state = CT_LISTCLI_WAIT_OK_RETRY;
		send_isgetlist(lc, CT_IPMSG_RETRYOPT);
		arm_phase(lc);
		break;
	case CT_LISTCLI_WAIT_OK_RETRY:
		next_server(lc, "the server did not answer BR_ISGETLIST2 (check that UDP 2425 passes and that "
			"this address is in the server's `allow`)");
		break;
	case CT_LISTCLI_PAGES:
		if (lc->retries++ < lc->conf.page_retries) {
			log_info("list page %u from %s lost; asking again", lc->want, lc->st.server_name);
			send_getlist(lc);
		} else {
			next_server(lc, "the server stopped sending list pages");
		}
		break;
	default:
		break;
	}
}

static int resolve(const char *name, uint16_t port, struct ct_haddr *a, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	int g;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	if ((g = getaddrinfo(name, NULL, &hints, &res)) != 0 || !res) {
		snprintf(err, errlen, "server name '%s' does not resolve: %s", name, g ? gai_strerror(g) : "no address");
		return CT_ENOTFOUND;
	}
	ct_haddr_from_sa(a, res->ai_addr);
	a->port = port;
	freeaddrinfo(res);
	return 0;
}

/* Starts the fetch's exchange with server number st.server_index of `server`. */
static int start_on(struct ct_listcli *lc)
{
	char err[400];
	int r;

	lc->st.nservers = (unsigned)ct_listcli_split(lc->server, lc->names, CT_LISTCLI_MAX_SERVERS);
	if (lc->st.nservers > CT_LISTCLI_MAX_SERVERS)
		lc->st.nservers = CT_LISTCLI_MAX_SERVERS;
	snprintf(lc->st.server_name, sizeof lc->st.server_name, "%s",
		lc->st.server_index < lc->st.nservers ? lc->names[lc->st.server_index] : "");
	lc->st.state = CT_LISTCLI_IDLE;
	if ((r = resolve(lc->st.server_name, lc->conf.port ? lc->conf.port : ct_node_port(lc->node), &lc->st.server,
		     err, sizeof err)) != 0) {
		next_server(lc, err);
		return r;
	}
	/* the server learns about us (and unicasts its entries to us: DIALUPOPT), and hears our
	 * BR_EXIT when we leave */
	if (lc->have_peer && !ct_haddr_eq(&lc->peer, &lc->st.server))
		ct_node_remove_peer(lc->node, &lc->peer);
	lc->peer = lc->st.server;
	lc->have_peer = 1;
	log_debug("list fetch from %s (%s) started", lc->st.server_name, ct_haddr_str(&lc->st.server, err, sizeof err));
	ct_node_add_peer(lc->node, &lc->peer);
	ct_node_send_entry(lc->node, &lc->st.server, CT_IPMSG_BR_ENTRY,
		ct_node_is_local(lc->node, &lc->st.server) ? 0 : CT_IPMSG_DIALUPOPT);
	lc->seq++;
	lc->merged = lc->pages = 0;
	lc->st.last_removed = 0;
	lc->want = 0;
	lc->retries = 0;
	lc->started_ms = ct_evloop_now_ms(lc->ev);
	lc->st.state = CT_LISTCLI_WAIT_OK;
	send_isgetlist(lc, 0);
	arm_phase(lc);
	return 0;
}

int ct_listcli_fetch(struct ct_listcli *lc)
{
	arm_next(lc, lc->conf.interval_ms);
	lc->st.fetches++;
	lc->st.last_try = ct_wall_now();
	lc->st.server_index = 0; /* every fetch starts with the first server: back to it once it answers */
	lc->tried[0] = '\0';
	uint64_t failed = lc->st.failed;
	start_on(lc);
	return lc->st.failed != failed ? CT_ENOTFOUND : 0; /* no server's name resolved */
}

static void on_next(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_listcli *lc = ud;

	(void)ev;
	(void)id;
	lc->t_next = 0;
	if (lc->st.state != CT_LISTCLI_IDLE) { /* a fetch is still running: let it finish */
		arm_next(lc, lc->conf.interval_ms);
		return;
	}
	ct_listcli_fetch(lc);
}

/* Only the configured server's address and port (the one we sent BR_ISGETLIST2/GETLIST to):
 * a Windows server answers from its listening port (spec §0.6). */
static int from_server(const struct ct_listcli *lc, const struct ct_node_rx *rx)
{
	return ct_haddr_same_ip(&rx->from, &lc->st.server) && rx->from.port == lc->st.server.port;
}

/* Counts a refused ANSLIST page; logs the first one, then at most once per interval with the
 * number refused since (a flood of forged pages costs one log line a minute). */
static void refuse_page(struct ct_listcli *lc, const struct ct_node_rx *rx, uint64_t *why, const char *what)
{
	char b[CT_HADDR_STRLEN], s[CT_HADDR_STRLEN];

	(*why)++;
	lc->st.refused_pages++;
	if (lc->refused_log_ms && rx->now_ms - lc->refused_log_ms < CT_LISTCLI_REFUSED_LOG_MS)
		return;
	log_warn("ANSLIST page from %s refused (%s; %llu refused since the last report): only pages from "
		"the configured server %s, for the page asked for, are merged",
		ct_haddr_str(&rx->from, b, sizeof b), what,
		(unsigned long long)(lc->st.refused_pages - lc->refused_logged),
		lc->st.fetches ? ct_haddr_str(&lc->st.server, s, sizeof s) : lc->server);
	lc->refused_logged = lc->st.refused_pages;
	lc->refused_log_ms = rx->now_ms ? rx->now_ms : 1;
}

/* The start index a page's header implies, or -1 when it cannot be told (a Windows last page:
 * "0, count" says only how many entries it has). */
static int64_t page_start(const struct ct_hostlist *l)
{
	if (l->variant == CT_HOSTLIST_G2)
		return l->next;             /* g2ipmsg: (start, total-1) */
	if (l->next == 0)
		return -1;
	if (l->next < l->count)
		return -2;                  /* impossible header: never the page asked for */
	return (int64_t)l->next - l->count; /* Windows: next = start + entries in this page */
}

static void on_okgetlist(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_listcli *lc = ud;

	(void)n;
	if ((lc->st.state != CT_LISTCLI_WAIT_OK && lc->st.state != CT_LISTCLI_WAIT_OK_RETRY) || !from_server(lc, rx))
		return;
	lc->st.state = CT_LISTCLI_PAGES;
	lc->want = 0;
	send_getlist(lc);
}

static char *decode(int utf8, const char *s)
{
	return utf8 ? strdup(s) : ct_charset_decode_str(CT_CS_CP932, s, strlen(s));
}

/* Peer mode: the server no longer lists h (a removal entry, or stale): its source goes, and the
 * host with it when no other source lists it and we do not see it ourselves. */
static void drop_peer_src(struct ct_listcli *lc, struct ct_host *h, double now_wall)
{
	char b[CT_HADDR_STRLEN];

	if (!ct_host_src_release(h, CT_HOST_SRC_IPMSG, &lc->st.server))
		return;
	log_info("host %s@%s (%s) left: no longer listed by IP Messenger list server %s", h->user, h->host,
		ct_haddr_str(&h->addr, b, sizeof b), lc->st.server_name);
	ct_hosts_set_offline(ct_node_hosts(lc->node), h, CT_HOST_GONE_EXIT, now_wall);
	lc->st.last_removed++;
}

/* Peer mode, after a complete fetch: a host missing from stale_fetches fetches in a row loses
 * this server's source (a list without versions: one lost page never removes a host). */
static size_t expire_stale(struct ct_listcli *lc, double now_wall)
{
	struct ct_hosts *t = ct_node_hosts(lc->node);

	for (size_t i = 0; i < ct_hosts_count(t); i++) {
		struct ct_host *h = ct_hosts_at(t, i);
		struct ct_host_src *s = ct_host_src_find(h, CT_HOST_SRC_IPMSG, &lc->st.server);
		if (s && s->tag != lc->seq && ++s->local >= lc->conf.stale_fetches)
			drop_peer_src(lc, h, now_wall);
	}
	return lc->st.last_removed;
}

static void merge(struct ct_listcli *lc, const struct ct_hostlist *l, int utf8, const struct ct_node_rx *rx)
{
	struct ct_hosts *t = ct_node_hosts(lc->node);

	for (size_t i = 0; i < l->n; i++) {
		const struct ct_hostlist_entry *e = &l->e[i];
		struct ct_host_info in;
		struct ct_host *h;
		memset(&in, 0, sizeof in);
		if (ct_haddr_parse(&in.addr, e->addr, e->port) != 0)
			continue;
		if (e->state == CT_HOSTLIST_GONE && lc->conf.peer_mode) {
			if ((h = ct_hosts_find_addr(t, &in.addr)))
				drop_peer_src(lc, h, rx->now_wall);
			continue;
		}
		if (e->state == CT_HOSTLIST_GONE) {
			char b[CT_HADDR_STRLEN];
			if ((h = ct_hosts_find_addr(t, &in.addr)) && h->state != CT_HOST_OFFLINE)
				log_info("host %s@%s (%s) left: no longer in the list of %s", h->user, h->host,
					ct_haddr_str(&in.addr, b, sizeof b), lc->st.server_name);
			ct_hosts_exit_addr(t, &in.addr, rx->now_wall);
			continue;
		}
		char *u = decode(utf8, e->user), *hn = decode(utf8, e->host);
		char *nk = decode(utf8, e->nick), *gr = decode(utf8, e->group);
		ct_hosts_clean_name(u);
		ct_hosts_clean_name(hn);
		ct_hosts_clean_name(nk);
		ct_hosts_clean_name(gr);
		if (u && hn && nk && gr && !(ct_listcli_has_fingerprint(u) && !(e->status & CT_IPMSG_ENCRYPTOPT)) &&
		    !ct_node_is_self(lc->node, &in.addr, u, hn)) {
			in.user = u;
			in.host = hn;
			in.nick = nk;
			in.group = gr;
			in.status = e->status & CT_IPMSG_ALLSTAT;
			if (lc->conf.peer_mode &&
			    ct_hosts_update(t, &in, CT_HOST_PEER, CT_HOST_VIA_LIST, rx->now_ms, rx->now_wall, &h) == 0) {
				struct ct_host_src *s = ct_host_src_set(h, CT_HOST_SRC_IPMSG, &lc->st.server, rx->now_wall);
				if (s) {
					s->tag = lc->seq; /* listed by this fetch */
					s->local = 0;     /* fetches in a row without it */
				}
				lc->merged++;
			} else if (!lc->conf.peer_mode &&
			    ct_hosts_update(t, &in, CT_HOST_LIST, CT_HOST_VIA_LIST, rx->now_ms, rx->now_wall, &h) == 0) {
				h->list_seq = lc->seq;
				(void)ct_host_src_set(h, CT_HOST_SRC_LIST, &lc->st.server, rx->now_wall); /* provenance */
				lc->merged++;
			}
		}
		free(u);
		free(hn);
		free(nk);
		free(gr);
	}
}

/* After a complete fetch: hosts known only from lists that this list no longer has are gone. */
static size_t expire_missing(struct ct_listcli *lc, double now_wall)
{
	struct ct_hosts *t = ct_node_hosts(lc->node);
	size_t gone = 0;

	for (size_t i = 0; i < ct_hosts_count(t); i++) {
		struct ct_host *h = ct_hosts_at(t, i);
		if (h->origin == CT_HOST_LIST && h->state != CT_HOST_OFFLINE && h->list_seq != lc->seq) {
			char b[CT_HADDR_STRLEN];
			log_info("host %s@%s (%s) left: no longer in the list of %s", h->user, h->host,
				ct_haddr_str(&h->addr, b, sizeof b), lc->st.server_name);
			ct_hosts_set_offline(t, h, CT_HOST_GONE_EXIT, now_wall);
			gone++;
		}
		if (h->nsrc && h->list_seq != lc->seq) { /* no longer listed by this server */
			ct_host_src_drop(h, CT_HOST_SRC_LIST, &lc->st.server);
		}
	}
	return gone;
}

static void on_anslist(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_listcli *lc = ud;
	struct ct_hostlist l;
	const struct ct_ipmsg *m = rx->m;
	int r;

	if (lc->conf.peer_mode && (lc->st.fetches == 0 || !from_server(lc, rx)))
		return; /* another fetcher's page (the node's own `server`, another peer) */
	if (lc->st.fetches == 0 || !from_server(lc, rx)) {
		refuse_page(lc, rx, &lc->st.refused_source, "not from the configured server's address and port");
		return;
	}
	if (lc->st.state != CT_LISTCLI_PAGES) {
		refuse_page(lc, rx, &lc->st.refused_unasked, "no list page was asked for");
		return;
	}
	memset(&l, 0, sizeof l);
	r = m->nsec ? ct_hostlist_parse(m->sec[0].p, m->sec[0].len, ct_node_port(n), &l) : CT_ETRUNC;
	if (r != 0 && l.n == 0) {
		ct_hostlist_fini(&l);
		log_info("bad ANSLIST from %s: %s", lc->st.server_name, ct_strerror(r));
		return; /* the phase timer asks again */
	}
	int64_t start = page_start(&l);
	if (start != -1 && start != (int64_t)lc->want) {
		ct_hostlist_fini(&l);
		refuse_page(lc, rx, &lc->st.refused_page, "not the page asked for: its start index differs");
		return;
	}
	lc->pages++;
	merge(lc, &l, (m->opts & CT_IPMSG_UTF8OPT) != 0, rx);
	uint32_t next = ct_hostlist_next_request(&l);
	ct_hostlist_fini(&l);
	if (next != 0 && next > lc->want) {
		lc->want = next;
		lc->retries = 0;
		send_getlist(lc);
		return;
	}
	if (next != 0) { /* a server that does not move forward would loop (spec §11) */
		next_server(lc, "the server's list does not advance (next index not above the request)");
		return;
	}
	lc->st.last_removed = lc->conf.peer_mode ? expire_stale(lc, rx->now_wall) : expire_missing(lc, rx->now_wall);
	end_fetch(lc, 1, NULL);
}

int ct_listcli_reconf(struct ct_listcli *lc, const struct ct_listcli_conf *c)
{
	char *s = strdup(c->server ? c->server : "");

	if (!s)
		return CT_ENOMEM;
	free(lc->server);
	lc->server = s;
	lc->conf = *c;
	lc->conf.server = NULL;
	if (!lc->conf.interval_ms)
		lc->conf.interval_ms = 2 * 3600 * 1000ULL;
	if (!lc->conf.phase_ms)
		lc->conf.phase_ms = 3000;
	if (!lc->conf.fail_retry_ms)
		lc->conf.fail_retry_ms = 60000;
	if (!c->page_retries)
		lc->conf.page_retries = 2;
	if (!c->stale_fetches)
		lc->conf.stale_fetches = CT_LISTCLI_STALE_FETCHES;
	return 0;
}

/* The modes the list client takes, on the node's handler lists. */
static const struct ct_node_handler handlers[] = {
	{ CT_IPMSG_OKGETLIST, on_okgetlist },
	{ CT_IPMSG_ANSLIST, on_anslist },
};

int ct_listcli_new(struct ct_listcli **out, struct ct_node *node, const struct ct_listcli_conf *conf,
	ct_listcli_cb cb, void *ud)
{
	struct ct_listcli *lc = calloc(1, sizeof *lc);
	int r;

	*out = NULL;
	if (!lc)
		return CT_ENOMEM;
	lc->node = node;
	lc->ev = ct_node_evloop(node);
	lc->cb = cb;
	lc->ud = ud;
	if (ct_listcli_reconf(lc, conf) != 0) {
		free(lc);
		return CT_ENOMEM;
	}
	if ((r = ct_node_add_handlers(node, handlers, CT_ARRAY_LEN(handlers), lc)) != 0) {
		ct_listcli_free(lc);
		return r;
	}
	*out = lc;
	return 0;
}

void ct_listcli_free(struct ct_listcli *lc)
{
	if (!lc)
		return;
	ct_evloop_cancel_timer(lc->ev, lc->t_phase);
	ct_evloop_cancel_timer(lc->ev, lc->t_next);
	ct_node_remove_handlers(lc->node, handlers, CT_ARRAY_LEN(handlers), lc);
	if (lc->have_peer)
		ct_node_remove_peer(lc->node, &lc->peer);
	free(lc->server);
	free(lc);
}

const struct ct_listcli_status *ct_listcli_status(const struct ct_listcli *lc) { return &lc->st; }
