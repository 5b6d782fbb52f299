/* dmsg.c: camtraced's messages: the engine on the node, the inbox beside the state file, the control methods send and inbox. */
#include "config.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include "ctl.h"
#include "daemon.h"
#include "err.h"
#include "evloop.h"
#include "fsutil.h"
#include "hosts.h"
#include "inbox.h"
#include "json.h"
#include "log.h"
#include "msg.h"
#include "node.h"
#include "targets.h"
#include "xfer.h"

#define INBOX_SAVE_GAP_MS 200 /* saves at most this often under a burst of messages */
#define SEND_MAX_TO 64        /* recipients named in one request (--all: the whole table) */
#define SEND_SLACK_MS 5000    /* a send's control answer: its budget and the fetch wait, plus this */

static void inbox_save_now(struct daemon *d)
{
	char err[512];

	d->inbox_saved_ms = ct_evloop_now_ms(d->ev);
	if (ct_inbox_save(d->inbox, err, sizeof err) != 0)
		log_err("inbox: %s", err);
}

static void on_inbox_timer(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct daemon *d = ud;

	(void)ev;
	(void)id;
	d->t_inbox = 0;
	inbox_save_now(d);
}

/* Saved at once (the message is on disk when RECVMSG has gone), or shortly after a burst. */
static void inbox_dirty(struct daemon *d)
{
	uint64_t now = ct_evloop_now_ms(d->ev);

	if (d->t_inbox)
		return;
	if (now >= d->inbox_saved_ms + INBOX_SAVE_GAP_MS || !d->inbox_saved_ms)
		inbox_save_now(d);
	else
		d->t_inbox = ct_evloop_add_timer(d->ev, d->inbox_saved_ms + INBOX_SAVE_GAP_MS - now, on_inbox_timer, d);
}

void dmsg_inbox_dirty(struct daemon *d)
{
	inbox_dirty(d);
}

static void on_recv(struct ct_msg *m, const struct ct_msg_in *in, void *ud)
{
	struct daemon *d = ud;
	uint64_t id;

	(void)m;
	if (ct_inbox_add(d->inbox, in, &id) == 0) {
		if (in->attach_list)
			dxfer_on_message(d, in, id); /* the attachments: fetched or marked why not */
		inbox_dirty(d);
	}
}

static void msg_conf_from(struct daemon *d, struct ct_msg_conf *mc)
{
	memset(mc, 0, sizeof *mc);
	mc->retry_ms = (uint64_t)d->conf.msg_retry_ms;
	mc->retries = (unsigned)d->conf.msg_retries;
	mc->rate = d->conf.notify_rate; /* --all is paced like a notification round */
	mc->allow = &d->allow;
	mc->absence_reply = d->conf.absence_reply;
	mc->absence_text = d->conf.absence_text;
	mc->keys = d->keys;
	mc->crypt_capa = d->keys ? d->crypt_capa : 0;
	if (d->conf.messages) {
		mc->on_recv = on_recv;
		mc->recv_ud = d;
	}
}

int dmsg_open(struct daemon *d, char *err, size_t errlen)
{
	struct ct_msg_conf mc;
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int r;

	ct_fs_dirname(d->conf.state_file, dir, sizeof dir);
	snprintf(path, sizeof path, "%s/inbox.json", dir);
	if ((r = ct_inbox_open(&d->inbox, path, (size_t)d->conf.inbox_max, err, errlen)) != 0)
		return EX_CANTCREAT;
	msg_conf_from(d, &mc);
	if ((r = ct_msg_new(&d->msg, d->node, &mc)) != 0) {
		snprintf(err, errlen, "cannot set up messages: %s", ct_strerror(r));
		return EX_SOFTWARE;
	}
	log_info("messages: %s, inbox %s (%zu kept)", d->conf.messages ? "taken from allow" : "not taken", path,
		ct_inbox_count(d->inbox));
	return 0;
}

void dmsg_reconf(struct daemon *d)
{
	struct ct_msg_conf mc;

	msg_conf_from(d, &mc);
	ct_msg_reconf(d->msg, &mc);
	ct_inbox_set_max(d->inbox, (size_t)d->conf.inbox_max);
}

void dmsg_close(struct daemon *d)
{
	if (d->t_inbox) {
		ct_evloop_cancel_timer(d->ev, d->t_inbox);
		inbox_save_now(d);
	}
	ct_msg_free(d->msg);
	d->msg = NULL;
	ct_inbox_close(d->inbox);
	d->inbox = NULL;
}

void dmsg_status(struct daemon *d, struct ct_json *r)
{
	struct ct_msg_stats st;
	struct ct_json *o = ct_json_add_obj(r, "messages");

	ct_msg_stats(d->msg, &st);
	ct_json_add_bool(o, "taken", d->conf.messages);
	ct_json_add_int(o, "received", (int64_t)st.received);
	ct_json_add_int(o, "duplicates", (int64_t)st.duplicates);
	ct_json_add_int(o, "refused", (int64_t)st.refused);
	ct_json_add_int(o, "auto_replies", (int64_t)st.auto_replies);
	ct_json_add_int(o, "sent", (int64_t)st.sent);
	ct_json_add_int(o, "resent", (int64_t)st.resent);
	ct_json_add_int(o, "delivered", (int64_t)st.delivered);
	ct_json_add_int(o, "not_delivered", (int64_t)st.not_delivered);
	ct_json_add_int(o, "read_notices_sent", (int64_t)st.read_notices_sent);
	ct_json_add_int(o, "read_notices_got", (int64_t)st.read_notices_got);
	ct_json_add_int(o, "encrypted_sent", (int64_t)st.encrypted_sent);
	ct_json_add_int(o, "encrypted_received", (int64_t)st.encrypted_received);
	ct_json_add_int(o, "undecryptable", (int64_t)st.undecryptable);
	ct_json_add_int(o, "rejected", (int64_t)st.rejected);
	ct_json_add_int(o, "pub_fetches", (int64_t)st.pub_fetches);
	ct_json_add_int(o, "decrypt_errors", (int64_t)st.decrypt_errors);
	ct_json_add_int(o, "inbox", (int64_t)ct_inbox_count(d->inbox));
	ct_json_add_int(o, "unread", (int64_t)ct_inbox_unread(d->inbox));
	dcrypt_status(d, o);
}

/* ---- control: send ---- */

struct send_req {
	struct daemon *d;
	uint64_t token;
	int wait_read;
	uint64_t offer;             /* files offered with the message (0: none) */
	uint32_t *packetnos;        /* each recipient's packet number (the offer's bindings) */
	uint64_t fetch_deadline;    /* wait_fetch: reply when every file is fetched or then */
	struct ct_msg_result *r;    /* the results kept while waiting for the fetches */
	size_t nr;
	uint64_t t_wait;
	struct ct_json *unresolved; /* recipients that got no message, in the answer's shape */
	char **labels;
	size_t nlabels;
};

static void send_req_free(struct send_req *q)
{
	if (q->t_wait)
		ct_evloop_cancel_timer(q->d->ev, q->t_wait);
	free(q->packetnos);
	free(q->r);
	for (size_t i = 0; i < q->nlabels; i++)
		free(q->labels[i]);
	free(q->labels);
	ct_json_free(q->unresolved);
	free(q);
}

static struct ct_json *send_result(struct send_req *q, const struct ct_msg_result *r, size_t n)
{
	struct ct_json *res = ct_json_obj(), *arr;
	size_t delivered = 0, total = ct_json_arr_len(q->unresolved) + n;

	if (!res)
		return NULL;
	arr = ct_json_add_arr(res, "recipients");
	for (const struct ct_json *e = ct_json_first(q->unresolved); e; e = ct_json_next(e))
		ct_json_add(arr, NULL, ct_json_dup(e));
	for (size_t i = 0; i < n; i++) {
		struct ct_json *o = ct_msg_result_json(&r[i], q->d->hosts, q->wait_read);
		if (o && q->offer)
			dxfer_files_json(q->d, o, q->offer, r[i].packetno);
		ct_json_add(arr, NULL, o);
		delivered += r[i].state == CT_MSG_DELIVERED;
	}
	ct_json_add_int(res, "delivered", (int64_t)delivered);
	ct_json_add_int(res, "total", (int64_t)total);
	ct_json_add_str(res, "path", "daemon");
	return res;
}

static void on_fetch_wait(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct send_req *q = ud;

	(void)id;
	q->t_wait = 0;
	if (ct_evloop_now_ms(ev) < q->fetch_deadline && !dxfer_all_fetched(q->d, q->offer, q->r, q->nr)) {
		q->t_wait = ct_evloop_add_timer(ev, 100, on_fetch_wait, q);
		return;
	}
	ct_ctl_reply(q->d->ctl, q->token, send_result(q, q->r, q->nr));
	send_req_free(q);
}

static void on_sent(struct ct_msg *m, uint64_t job, const struct ct_msg_result *r, size_t n, void *ud)
{
	struct send_req *q = ud;

	(void)m;
	(void)job;
	/* with files and wait_fetch: the answer waits until the recipients fetched them (or the time) */
	if (q->offer && q->fetch_deadline && (q->r = malloc(n * sizeof *r)) != NULL) {
		memcpy(q->r, r, n * sizeof *r);
		q->nr = n;
		on_fetch_wait(q->d->ev, 0, q);
		return;
	}
	ct_ctl_reply(q->d->ctl, q->token, send_result(q, r, n));
	send_req_free(q);
}

/* `files` (absolute paths the daemon can read): one offer, its attachment list in o->attach
 * (malloc'd), o->packetnos for the bindings; `wait_fetch_ms`: the answer waits for the fetches.
 * A directory is announced with size 0 (as Windows does), or with its total when a recipient is
 * iptux (which offers no Accept for an entry of size 0). */
static int send_files(struct daemon *d, const struct ct_json *params, struct send_req *q,
	struct ct_msg_send_opts *o, const struct ct_msg_to *to, size_t n, char *err, size_t errlen)
{
	int sized = 0;

	const struct ct_json *files = ct_json_get(params, "files");
	const char *paths[64];
	size_t np = 0;
	struct ct_sbuf list;
	int64_t wait = 0;
	int r;

	if (!files)
		return 0;
	for (const struct ct_json *e = ct_json_first(files); e; e = ct_json_next(e)) {
		if (!ct_json_str(e) || np == 64) {
			snprintf(err, errlen, "`files`: at most 64 paths (strings)");
			return CT_EINVAL;
		}
		paths[np++] = ct_json_str(e);
	}
	if (!np)
		return 0;
	for (size_t i = 0; i < n; i++)
		sized |= ct_xfer_peer_iptux(d->xfer, &to[i].addr);
	ct_sbuf_init(&list);
	r = (sized ? ct_xfer_offer_sized : ct_xfer_offer)(d->xfer, paths, np, &list, &q->offer, err, errlen);
	if (r == 0 && (ct_sbuf_addc(&list, 0) != 0 || !(q->packetnos = calloc(n, sizeof *q->packetnos))))
		r = CT_ENOMEM;
	if (r != 0) {
		ct_sbuf_fini(&list);
		return r;
	}
	o->attach = ct_sbuf_steal(&list, NULL);
	o->packetnos = q->packetnos;
	if (ct_json_get_i64(params, "wait_fetch_ms", &wait) == 0 && wait > 0)
		q->fetch_deadline = ct_evloop_now_ms(d->ev) + (uint64_t)(wait < 86400000 ? wait : 86400000);
	return 0;
}

/* The named recipients (each resolved through the host table) into to[]; the others into q. */
static size_t resolve_named(struct daemon *d, const struct ct_json *list, struct send_req *q, struct ct_msg_to *to,
	size_t max)
{
	size_t n = 0;
	char err[256];

	for (const struct ct_json *e = ct_json_first(list); e; e = ct_json_next(e)) {
		const char *spec = ct_json_str(e);
		int r = n < max ? ct_msg_resolve(d->hosts, spec ? spec : "", &to[n], max - n, err, sizeof err) : CT_ETOOBIG;
		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		if (r == CT_ETOOBIG)
			snprintf(err, sizeof err, "more than %d recipients", SEND_MAX_TO);
		ct_json_add(q->unresolved, NULL, ct_msg_unresolved_json(spec ? spec : "", r == CT_EEXIST ? "ambiguous" :
			"unknown_recipient", err));
	}
	return n;
}

static int m_send(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct daemon *d = ud;
	const char *text = ct_json_get_str(params, "text"), *enc = ct_json_get_str(params, "encrypt");
	const struct ct_json *list = ct_json_get(params, "to");
	struct ct_msg_send_opts o = { 0 };
	struct ct_msg_to named[SEND_MAX_TO], *to = named;
	struct send_req *q;
	int all = 0, r;
	size_t n;
	char ferr[300] = "";

	ct_json_get_bool(params, "all", &all);
	ct_json_get_bool(params, "seal", &o.seal);
	ct_json_get_bool(params, "wait_read", &o.wait_read);
	if (!text)
		return ct_ctl_call_error(call, "bad_params", "`text` (a string) is required");
	if ((r = ct_msg_encrypt_parse(enc)) < 0)
		return ct_ctl_call_error(call, "bad_params", "`encrypt` is off, auto or require");
	o.encrypt = (enum ct_msg_encrypt)r;
	if (!all && (!list || !ct_json_is_arr(list) || !ct_json_first(list)))
		return ct_ctl_call_error(call, "bad_params", "`to` (an array of names or addresses) or `all` is required");
	if (!(q = calloc(1, sizeof *q)) || !(q->unresolved = ct_json_arr())) {
		free(q);
		return CT_ENOMEM;
	}
	q->d = d;
	q->token = ct_ctl_call_token(call);
	q->wait_read = o.wait_read;
	o.text = text;
	if (all) {
		const char *net = ct_json_get_str(params, "network");
		struct ct_targets only;
		char err[256];
		int k;
		ct_targets_init(&only, CT_TARGETS_DEFAULT_MAX);
		if (net && ct_targets_add(&only, net, err, sizeof err) != 0) {
			ct_targets_fini(&only);
			send_req_free(q);
			return ct_ctl_call_error(call, "bad_params", "network: %s", err);
		}
		k = ct_msg_resolve_all(d->hosts, net ? &only : NULL, &to, &q->labels);
		ct_targets_fini(&only);
		if (k < 0) {
			send_req_free(q);
			return k;
		}
		n = q->nlabels = (size_t)k;
	} else {
		n = resolve_named(d, list, q, named, SEND_MAX_TO);
	}
	if (n == 0) {
		if (to != named)
			free(to);
		*result = send_result(q, NULL, 0); /* nobody to send to: answered now */
		send_req_free(q);
		return 0;
	}
	if ((r = send_files(d, params, q, &o, to, n, ferr, sizeof ferr)) == 0)
		r = ct_msg_send(d->msg, to, n, &o, on_sent, q, NULL);
	if (r == 0 && q->offer)
		for (size_t i = 0; i < n; i++)
			ct_xfer_offer_bind(d->xfer, q->offer, q->packetnos[i], &to[i].addr);
	free((char *)o.attach);
	if (to != named)
		free(to);
	if (r != 0) {
		if (q->offer)
			ct_xfer_offer_drop(d->xfer, q->offer);
		send_req_free(q);
		return ferr[0] ? ct_ctl_call_error(call, "bad_file", "%s", ferr) : r;
	}
	{ /* the answer may take the whole send and the fetch wait asked (the request timeout is 30 s) */
		struct ct_msg_conf mc;
		uint64_t now = ct_evloop_now_ms(d->ev);
		msg_conf_from(d, &mc);
		ct_ctl_call_defer_for(call, ct_msg_send_budget_ms(&mc, n, o.wait_read) + SEND_SLACK_MS +
			(q->fetch_deadline > now ? q->fetch_deadline - now : 0));
	}
	(void)result;
	return CT_CTL_DEFER;
}

/* ---- control: inbox ---- */

static int m_inbox(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct daemon *d = ud;
	struct ct_json *res, *arr;
	int64_t id = 0;

	if (ct_json_get_i64(params, "id", &id) == 0) {
		struct ct_inbox_msg *m = ct_inbox_find(d->inbox, (uint64_t)id);
		struct ct_haddr from;
		if (!m)
			return ct_ctl_call_error(call, "bad_params", "no message %lld in the inbox", (long long)id);
		if (!m->read) {
			m->read = 1;
			/* a sealed message is opened now: its sender gets the read notice */
			if (m->sealed && ct_inbox_msg_addr(m, &from) == 0)
				ct_msg_read_notify(d->msg, &from, m->packetno, m->readcheck);
			inbox_dirty(d);
		}
		res = ct_json_obj();
		ct_json_add(res, "message", ct_inbox_msg_json(m, 1));
		*result = res;
		return 0;
	}
	res = ct_json_obj();
	ct_json_add_int(res, "count", (int64_t)ct_inbox_count(d->inbox));
	ct_json_add_int(res, "unread", (int64_t)ct_inbox_unread(d->inbox));
	ct_json_add_int(res, "max", d->conf.inbox_max);
	arr = ct_json_add_arr(res, "messages");
	for (size_t i = 0; i < ct_inbox_count(d->inbox); i++)
		ct_json_add(arr, NULL, ct_inbox_msg_json(ct_inbox_at(d->inbox, i), 0));
	*result = res;
	return 0;
}

void dmsg_register(struct daemon *d)
{
	ct_ctl_server_add(d->ctl, CT_CTL_M_SEND, m_send, d);
	ct_ctl_server_add(d->ctl, CT_CTL_M_INBOX, m_inbox, d);
}
