/* doctor-deep.c: `doctor --deep` in the pairwise step: a real SENDMSG -> RECVMSG to each user, then its key (GETPUBKEY) and an encrypted test message, with the encryption-mismatch verdict and its JSON. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bodies.h"
#include "clock.h"
#include "codec.h"
#include "crypto.h"
#include "doctor.h"
#include "doctor-evidence.h"
#include "doctor-probe.h"
#include "doctor-steps.h"
#include "err.h"
#include "evloop.h"
#include "json.h"
#include "node.h"
#include "probe-msg.h"
#include "sbuf.h"
#include "util.h"
#include <arpa/inet.h>

#define DEEP_REPLY_NS 400000000ULL /* after RECVMSG: time for an AutoReply(DecryptErr) */

struct deep_wait {
	uint32_t from;         /* network order */
	uint32_t pkt;          /* the SENDMSG whose RECVMSG we wait for */
	int got_recv, got_key, got_derr;
	uint64_t recv_ns;
	struct ct_sbuf key;    /* the ANSPUBKEY body */
	char user[128];        /* its sender's user name (the fingerprint) */
	struct ct_evloop *ev;
};

static int from_is(const struct deep_wait *w, const struct ct_node_rx *rx)
{
	return rx->from.family == AF_INET && !memcmp(rx->from.ip, &w->from, 4);
}

static void on_recvmsg(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct deep_wait *w = ud;
	uint32_t pkt;

	(void)n;
	if (from_is(w, rx) && rx->m->nsec && ct_body_pktno_parse(rx->m->sec[0].p, rx->m->sec[0].len, &pkt) == 0 &&
	    pkt == w->pkt && !w->got_recv) {
		w->got_recv = 1;
		w->recv_ns = ct_mono_ns();
		ct_evloop_stop(w->ev);
	}
}

static void on_anspubkey(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct deep_wait *w = ud;

	(void)n;
	if (!from_is(w, rx) || w->got_key || !rx->m->nsec)
		return;
	w->got_key = 1;
	ct_sbuf_reset(&w->key);
	ct_sbuf_add(&w->key, rx->m->sec[0].p, rx->m->sec[0].len);
	snprintf(w->user, sizeof w->user, "%.*s", (int)rx->m->user.len, rx->m->user.p);
	ct_evloop_stop(w->ev);
}

static void on_sendmsg(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct deep_wait *w = ud;

	(void)n;
	if (from_is(w, rx) && (rx->m->opts & CT_IPMSG_AUTORETOPT) && rx->m->nsec &&
	    ct_crypt_is_decrypt_err(rx->m->sec[0].p, rx->m->sec[0].len))
		w->got_derr = 1;
}

static const struct ct_node_handler handlers[] = {
	{ CT_IPMSG_RECVMSG, on_recvmsg },
	{ CT_IPMSG_ANSPUBKEY, on_anspubkey },
	{ CT_IPMSG_SENDMSG, on_sendmsg },
};

/* Runs the loop until *flag or ns pass. */
static void wait_for(struct ct_doctor *d, const int *flag, uint64_t ns)
{
	uint64_t end = ct_mono_ns() + ns, t;

	while (!*flag && ct_mono_ns() < end) {
		t = ct_evloop_add_timer(d->ev, (end - ct_mono_ns()) / 1000000 + 1, ct_doc_loop_timeout, NULL);
		if (ct_evloop_run(d->ev) != 0)
			break;
		ct_evloop_cancel_timer(d->ev, t);
	}
}

/* One SENDMSG (same number on each try) until its RECVMSG: tries used, 0 when none came. */
static int send_until_recv(struct ct_doctor *d, struct deep_wait *w, const struct ct_haddr *to, uint32_t cmd,
	const char *body, size_t blen, int *tries)
{
	uint64_t t0 = 0;

	w->got_recv = 0;
	for (*tries = 0; *tries < 3 && !w->got_recv;) {
		t0 = ct_mono_ns();
		if (ct_node_send_pkt(d->node, to, cmd, w->pkt, body, blen) == 0)
			++*tries;
		wait_for(d, &w->got_recv, ct_doc_wait_ns(d));
	}
	return w->got_recv ? (int)((w->recv_ns - t0) / 1000) + 1 : 0;
}

static void encrypted_check(struct ct_doctor *d, struct ct_doc_user *u, struct deep_wait *w, const struct ct_haddr *to,
	const struct ct_crypt_keys *keys, uint32_t capa)
{
	struct ct_doc_deep *x = &u->deep;
	struct ct_crypt_pub *pub = NULL;
	struct ct_crypt_info info;
	enum ct_crypt_reason why = CT_CRYPT_R_NONE;
	char word[16], err[200];
	struct ct_sbuf body;
	int tries;

	snprintf(word, sizeof word, "%x", capa);
	for (int i = 0; i < 2 && !w->got_key; i++) {
		ct_node_send(d->node, to, CT_IPMSG_GETPUBKEY, word, strlen(word));
		wait_for(d, &w->got_key, ct_doc_wait_ns(d));
	}
	if (!w->got_key) {
		snprintf(x->enc, sizeof x->enc, "none");
		snprintf(x->text, sizeof x->text, "no ANSPUBKEY to 2 GETPUBKEY: it has no encryption (messages go in the clear)");
		return;
	}
	if (ct_crypt_pub_parse(w->key.p, w->key.len, w->user, strlen(w->user), &pub, &why, err, sizeof err) != 0) {
		snprintf(x->enc, sizeof x->enc, "%s", why == CT_CRYPT_R_FINGERPRINT ? "fingerprint_mismatch" : "bad_key");
		snprintf(x->text, sizeof x->text, "its ANSPUBKEY is refused: %s", err);
		return;
	}
	x->peer_capa = ct_crypt_pub_capa(pub);
	ct_sbuf_init(&body);
	w->pkt = ct_node_next_packetno(d->node);
	memset(&info, 0, sizeof info);
	if (ct_crypt_encrypt(keys, capa, pub, w->pkt, CT_MSGPROBE_TEXT " (encrypted)", sizeof CT_MSGPROBE_TEXT " (encrypted)",
	    &body, &info, err, sizeof err) != 0) {
		char bfwhy[256];
		snprintf(x->enc, sizeof x->enc, "no_common_cipher");
		/* RSA-1024 + Blowfish-128 it offers, and this machine would send if its OpenSSL had Blowfish */
		x->no_bf_here = !(capa & CT_IPMSG_BLOWFISH_128) && ct_crypt_pub_bits(pub) == 1024 &&
			ct_crypt_choose(x->peer_capa & CT_CRYPT_CAPA_ALL, 1024) != 0;
		if (x->no_bf_here) {
			ct_crypt_capa(bfwhy, sizeof bfwhy);
			snprintf(x->text, sizeof x->text, "its key (RSA-1024, capability %X) needs Blowfish-128, which this "
				"machine lacks: %.190s", x->peer_capa, bfwhy);
		} else {
			snprintf(x->text, sizeof x->text, "its key (RSA-%d, capability %X) and ours (%X) share no suite: %s",
				ct_crypt_pub_bits(pub), x->peer_capa, capa, err);
		}
		goto out;
	}
	snprintf(x->suite, sizeof x->suite, "rsa%d+%s%s%s", info.rsa_bits, info.cipher[0] == 'a' ? "aes256" : "bf128",
		strcmp(info.hash, "none") ? "/" : "", strcmp(info.hash, "none") ? info.hash : "");
	w->got_derr = 0;
	if (!send_until_recv(d, w, to, CT_IPMSG_SENDMSG | CT_IPMSG_SENDCHECKOPT | CT_IPMSG_ENCRYPTOPT | CT_IPMSG_UTF8OPT,
	    body.p, body.len, &tries)) {
		snprintf(x->enc, sizeof x->enc, "not_delivered");
		snprintf(x->text, sizeof x->text, "the encrypted test message (%s) got no RECVMSG after %d tries, the clear one did",
			x->suite, tries);
		goto out;
	}
	wait_for(d, &w->got_derr, DEEP_REPLY_NS);
	if (w->got_derr) {
		snprintf(x->enc, sizeof x->enc, "decrypt_err");
		snprintf(x->text, sizeof x->text, "it answered the encrypted test message (%s) with AutoReply(DecryptErr): "
			"it cannot decrypt what is encrypted for the key it sends", x->suite);
	} else {
		snprintf(x->enc, sizeof x->enc, "ok");
		snprintf(x->text, sizeof x->text, "an encrypted test message (%s) was delivered", x->suite);
	}
out:
	ct_sbuf_fini(&body);
	ct_crypt_pub_free(pub);
}

/* a user --deep sends to: known address, not the server, UDP 2425 open from here */
static int deep_applies(const struct ct_doctor *d, const struct ct_doc_user *u)
{
	return u->addr && u->addr != d->server && u->self.udp.state == CT_PORT_OPEN;
}

int ct_doc_deep_untested(const struct ct_doctor *d)
{
	for (int i = 0; d->deep && d->deep_unavailable && i < d->nusers; i++)
		if (deep_applies(d, &d->u[i]))
			return 1;
	return 0;
}

void ct_doc_deep_run(struct ct_doctor *d, struct ct_doc_step *s)
{
	struct ct_crypt_keys *keys = NULL;
	uint32_t capa;
	char err[200];

	if (!d->node || !d->ev) {
		ct_doc_ev(s, "--deep: not possible (UDP port 2425 is taken on this machine: stop the program holding it, "
			"or run doctor from another host)");
		d->deep_unavailable = 1; /* the verdict must not call encryption fine (ct_doc_deep_untested) */
		return;
	}
	capa = ct_crypt_capa(NULL, 0);
	/* a key pair for this run only: nothing is kept */
	if (ct_crypt_keys_generate(&keys, err, sizeof err) != 0)
		ct_doc_ev(s, "--deep: no key pair (%s): the encrypted test is skipped", err);
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		struct deep_wait w = { .from = u->addr, .ev = d->ev };
		struct ct_haddr to;
		int tries, us;

		if (!deep_applies(d, u))
			continue;
		ct_haddr_set_v4(&to, ntohl(u->addr), 2425);
		ct_sbuf_init(&w.key);
		ct_node_add_handlers(d->node, handlers, CT_ARRAY_LEN(handlers), &w);
		w.pkt = u->deep.packetno = ct_node_next_packetno(d->node);
		us = send_until_recv(d, &w, &to, CT_IPMSG_SENDMSG | CT_IPMSG_SENDCHECKOPT | CT_IPMSG_UTF8OPT, CT_MSGPROBE_TEXT,
			strlen(CT_MSGPROBE_TEXT), &tries);
		u->deep.checked = 1;
		u->deep.tries = tries;
		u->deep.delivered = us > 0;
		u->deep.rtt_ns = us > 0 ? (uint64_t)(us - 1) * 1000 : 0;
		if (!u->deep.delivered)
			snprintf(u->deep.text, sizeof u->deep.text, "a test message got no RECVMSG after %d tries", tries);
		else if (keys)
			encrypted_check(d, u, &w, &to, keys, capa);
		ct_node_remove_handlers(d->node, handlers, CT_ARRAY_LEN(handlers), &w);
		ct_sbuf_fini(&w.key);
		ct_doc_ev(s, "this host -> user %s, a real message: %s after %d SENDMSG%s%s", u->addr_s,
			u->deep.delivered ? "RECVMSG" : "no RECVMSG", tries, u->deep.enc[0] ? "; encryption: " : "",
			u->deep.enc[0] ? u->deep.text : "");
	}
	ct_crypt_keys_free(keys);
}

int ct_doc_deep_problem(const struct ct_doc_user *u)
{
	const char *e = u->deep.enc;

	return u->deep.checked && (!strcmp(e, "no_common_cipher") || !strcmp(e, "fingerprint_mismatch") ||
		!strcmp(e, "decrypt_err") || !strcmp(e, "bad_key") || !strcmp(e, "not_delivered"));
}

void ct_doc_deep_fix(const struct ct_doc_user *u, char *fix, size_t len)
{
	const char *e = u->deep.enc;

	if (!strcmp(e, "fingerprint_mismatch"))
		snprintf(fix, len, "The user name at %s carries a key fingerprint that is not the key it sent: another program "
			"answers at that address, or the key changed without the name. Restart that IP Messenger (its name "
			"follows its key) and make sure no other program runs on its UDP 2425.", u->addr_s);
	else if (!strcmp(e, "decrypt_err"))
		snprintf(fix, len, "The IP Messenger at %s cannot decrypt messages encrypted for the key it gives out (its key "
			"changed or its key store is damaged): restart it, or recreate its key in its settings; the senders then "
			"fetch the new key.", u->addr_s);
	else if (!strcmp(e, "no_common_cipher") && u->deep.no_bf_here)
		snprintf(fix, len, "The IP Messenger at %s offers only RSA-1024 with Blowfish-128 (capability %X), and "
			"Blowfish is missing on this machine: OpenSSL's legacy provider does not load here. Install it "
			"(legacy.so: Debian package libssl3), check OPENSSL_MODULES and openssl.cnf, and run camtrace "
			"again; or enable RSA-2048/AES-256 in that IP Messenger.", u->addr_s, u->deep.peer_capa);
	else if (!strcmp(e, "no_common_cipher"))
		snprintf(fix, len, "The IP Messenger at %s offers no suite we share (capability %X): enable RSA-2048/AES-256 "
			"in its settings or update it; until then send in the clear (camtrace send --encrypt auto).", u->addr_s,
			u->deep.peer_capa);
	else
		snprintf(fix, len, "The IP Messenger at %s takes clear messages but not encrypted ones (%s): update it, or "
			"turn its encryption off and on again.", u->addr_s, e);
}

void ct_doc_deep_json(struct ct_json *j, const struct ct_doc_user *u)
{
	const struct ct_doc_deep *x = &u->deep;
	struct ct_json *o;

	if (!x->checked) {
		ct_json_add_null(j, "deep");
		return;
	}
	o = ct_json_add_obj(j, "deep");
	ct_json_add_int(o, "packetno", x->packetno);
	ct_json_add_bool(o, "delivered", x->delivered);
	ct_json_add_int(o, "tries", x->tries);
	if (x->delivered)
		ct_json_add_num(o, "rtt_ms", (double)x->rtt_ns / 1e6);
	else
		ct_json_add_null(o, "rtt_ms");
	ct_json_add_str(o, "encryption", x->enc[0] ? x->enc : NULL);
	ct_json_add_str(o, "suite", x->suite[0] ? x->suite : NULL);
	ct_json_add_str(o, "evidence", x->text);
}
