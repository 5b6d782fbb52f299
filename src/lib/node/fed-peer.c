/* fed-peer.c: the federation's per-peer edges: sending (sealed and signed for a keyed peer), key pinning, a plain IP Messenger list server peer's fetch. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "fed-auth.h"
#include "fed-int.h"
#include "fedwire.h"
#include "listcli.h"
#include "log.h"

int ct_fed_send_raw(struct ct_fed *f, struct ct_fed_peer *p, const char *body, size_t len)
{
	return ct_node_send(f->node, &p->st.addr, CT_FEDWIRE_MODE | CT_IPMSG_UTF8OPT, body, len);
}

/* A keyed peer without its pinned key yet is asked for it (once per refresh) and sent nothing
 * else; once pinned, everything goes to it sealed and signed (fed-auth.h). */
int ct_fed_send_body(struct ct_fed *f, struct ct_fed_peer *p, const struct ct_sbuf *b)
{
	int r;

	if (p->want_fpr[0] && !p->pub) {
		uint64_t now = ct_evloop_now_ms(f->ev);
		if (!p->key_asked_ms || now - p->key_asked_ms >= f->conf.refresh_ms) {
			p->key_asked_ms = now;
			ct_fed_send_raw(f, p, CT_FEDAUTH_QUERY, strlen(CT_FEDAUTH_QUERY));
		}
		return CT_EAGAIN;
	}
	if (p->want_fpr[0]) {
		char e[160];
		if ((r = ct_fedauth_seal(f->conf.keys, p->pub, b->p, b->len, &f->seal, e, sizeof e)) != 0) {
			p->st.errors++;
			snprintf(p->st.last_error, sizeof p->st.last_error, "seal: %.140s", e);
			return r;
		}
		b = &f->seal;
	}
	r = ct_fed_send_raw(f, p, b->p, b->len);

	if (r != 0) {
		p->st.errors++;
		snprintf(p->st.last_error, sizeof p->st.last_error, "send: %s", ct_strerror(r));
		return r;
	}
	p->st.bytes_tx += b->len;
	return 0;
}

static void auth_refuse(struct ct_fed *f, struct ct_fed_peer *p, const struct ct_node_rx *rx, const char *why)
{
	char b[CT_HADDR_STRLEN];

	f->st.auth_refused++;
	p->st.auth_refused++;
	snprintf(p->st.last_error, sizeof p->st.last_error, "refused: %.140s", why);
	log_limited(CT_LOG_WARN, "federation datagram from %s (peer %s) refused: %s", ct_haddr_str(&rx->from, b, sizeof b),
		p->st.name, why);
}

/* Keys: answers a key query, pins a key answer whose fingerprint is the configured one, opens
 * a sealed datagram from a keyed peer. Returns the body to handle (len updated), or NULL when
 * the datagram was a key exchange or is refused (unsigned, forged, another key). */
const char *ct_fed_authentic(struct ct_fed *f, struct ct_fed_peer *p, const char *body, size_t *len,
	const struct ct_node_rx *rx)
{
	char e[200];

	if (ct_fedauth_is(body, *len, CT_FEDAUTH_QUERY)) {
		if (f->conf.keys && ct_fedauth_key_answer(f->conf.keys, &f->out) == 0)
			ct_fed_send_raw(f, p, f->out.p, f->out.len);
		return NULL;
	}
	if (ct_fedauth_is(body, *len, CT_FEDAUTH_KEY)) {
		if (!p->want_fpr[0] || p->pub)
			return NULL;
		if (ct_fedauth_key_take(body, *len, p->want_fpr, &p->pub, e, sizeof e) != 0) {
			p->st.auth = "key_mismatch";
			auth_refuse(f, p, rx, e);
			return NULL;
		}
		p->st.auth = "verified";
		p->st.last_error[0] = '\0';
		log_notice("federation peer %s: key %s pinned", p->st.name, p->want_fpr);
		ct_fed_send_digest(f, p, rx->now_ms); /* start at once */
		return NULL;
	}
	if (!p->want_fpr[0] && ct_fedauth_is(body, *len, CT_FEDAUTH_SEAL)) {
		auth_refuse(f, p, rx, "sealed, but no key= is configured for this peer here (name its key)");
		return NULL;
	}
	if (!p->want_fpr[0])
		return body; /* unkeyed: plain only */
	if (!ct_fedauth_is(body, *len, CT_FEDAUTH_SEAL)) {
		auth_refuse(f, p, rx, "not signed (a keyed peer's datagrams must be)");
		return NULL;
	}
	if (!p->pub) { /* sealed before we pinned its key (both starting): ask for it */
		if (!p->key_asked_ms || rx->now_ms - p->key_asked_ms >= CT_FED_REPLY_GAP_MS) {
			p->key_asked_ms = rx->now_ms;
			ct_fed_send_raw(f, p, CT_FEDAUTH_QUERY, strlen(CT_FEDAUTH_QUERY));
		}
		return NULL;
	}
	if (ct_fedauth_open(f->conf.keys, p->pub, body, *len, &f->plain, e, sizeof e) != 0) {
		auth_refuse(f, p, rx, e);
		return NULL;
	}
	*len = f->plain.len;
	return f->plain.p ? f->plain.p : "";
}

/* ---- a plain IP Messenger list server as a peer ---- */

/* A fetch ended: a complete one counts as hearing from the peer (its lease renewed). */
static void on_ipmsg_fetch(struct ct_listcli *lc, int ok, void *ud)
{
	struct ct_fed_peer *p = ud;
	const struct ct_listcli_status *ls = ct_listcli_status(lc);
	uint64_t now = ct_evloop_now_ms(p->f->ev);

	p->st.pages_rx += ls->last_pages;
	if (!ok) {
		p->st.errors++;
		snprintf(p->st.last_error, sizeof p->st.last_error, "%.*s", (int)sizeof p->st.last_error - 1, ls->last_error);
		return;
	}
	if (!p->st.up && p->st.ever)
		log_notice("federation peer %s answers again", p->st.name);
	p->st.up = p->st.ever = 1;
	p->last_rx_ms = now;
	p->st.last_exchange = ls->last_ok;
	p->st.digests_tx++; /* one BR_ISGETLIST2 exchange a refresh */
	p->st.last_error[0] = '\0';
}

int ct_fed_ipmsg_start(struct ct_fed *f, struct ct_fed_peer *p)
{
	struct ct_listcli_conf c;
	int r;

	memset(&c, 0, sizeof c);
	c.server = p->name;
	c.port = p->port;
	c.interval_ms = c.fail_retry_ms = f->conf.refresh_ms;
	c.peer_mode = 1;
	c.stale_fetches = f->conf.ipmsg_stale_fetches;
	p->f = f;
	if ((r = ct_listcli_new(&p->lc, f->node, &c, on_ipmsg_fetch, p)) != 0)
		return r;
	ct_listcli_fetch(p->lc);
	return 0;
}
