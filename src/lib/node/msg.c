/* msg.c: messages on the node: SENDMSG jobs with retries and pacing, RECVMSG/READMSG matching, receiving with duplicate suppression and absence replies. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bodies.h"
#include "charset.h"
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "keys.h"
#include "log.h"
#include "msg-int.h"
#include "node.h"
#include "pace.h"
#include "sbuf.h"
#include "targets.h"
#include "util.h"

#define READ_RESEND_MS 750   /* READMSG|READCHECKOPT resend interval (Windows RetryMSec) */
#define READ_RESENDS 12      /* and count (RetryMax * 2) */
#define SCAN_MIN_MS 20       /* retries are looked for at most this often */
/* an absent recipient's automatic reply follows its RECVMSG: waited for 4 times that round
 * trip, at least 300 ms and at most 2 s (a loaded peer answers both late) */
#define AUTO_REPLY_WAIT_MS 300
#define AUTO_REPLY_WAIT_MAX_MS 2000
#define KEY_CACHE_MAX 1024   /* peers' public keys kept */

static const struct ct_node_handler handlers[];

const char *ct_msg_state_name(enum ct_msg_state s)
{
	switch (s) {
	case CT_MSG_WAITING: return "waiting";
	case CT_MSG_DELIVERED: return "delivered";
	case CT_MSG_NOT_DELIVERED: return "not_delivered";
	case CT_MSG_SEND_ERROR: return "send_error";
	case CT_MSG_NOT_ENCRYPTED: return "not_encrypted";
	}
	return "?";
}

/* ---- sending ---- */

static int want_utf8(struct ct_msg *m, const struct ct_haddr *a, int pref)
{
	struct ct_host *h;

	if (pref >= 0)
		return pref;
	h = ct_hosts_find_addr(ct_node_hosts(m->node), a);
	return h && (h->status & CT_IPMSG_CAPUTF8OPT);
}

int ct_msg_job_send(struct job *j, struct rcpt *rc)
{
	struct ct_msg *m = j->m;
	struct ct_sbuf body;
	uint32_t cmd = CT_IPMSG_SENDMSG;
	int r;

	if (!j->o.broadcast)
		cmd |= CT_IPMSG_SENDCHECKOPT;
	else
		cmd |= CT_IPMSG_BROADCASTOPT;
	if (j->o.seal)
		cmd |= CT_IPMSG_SECRETOPT | (j->o.wait_read ? CT_IPMSG_READCHECKOPT : 0);
	if (j->n > 1 && !j->o.broadcast)
		cmd |= CT_IPMSG_MULTICASTOPT;
	if (rc->r.utf8)
		cmd |= CT_IPMSG_UTF8OPT | CT_IPMSG_CAPUTF8OPT;
	if (j->attach)
		cmd |= CT_IPMSG_FILEATTACHOPT;
	ct_sbuf_init(&body);
	if (rc->r.encrypted) {
		cmd |= CT_IPMSG_ENCRYPTOPT;
		r = ct_sbuf_add(&body, rc->ebody.p, rc->ebody.len);
	} else if (rc->r.utf8)
		r = ct_sbuf_add(&body, j->text, strlen(j->text));
	else
		r = ct_charset_encode(CT_CS_CP932, j->text, strlen(j->text), &body, 0);
	if (r >= 0 && j->attach) { /* text NUL list (§6.1), the names in the body's charset */
		ct_sbuf_addc(&body, 0);
		r = rc->r.utf8 ? ct_sbuf_adds(&body, j->attach) :
			ct_charset_encode(CT_CS_CP932, j->attach, strlen(j->attach), &body, 0);
	}
	if (r >= 0)
		r = ct_node_send_pkt(m->node, &rc->r.addr, cmd, rc->r.packetno, body.p, body.len);
	ct_sbuf_fini(&body);
	rc->r.tries++;
	m->st.encrypted_sent += rc->r.tries == 1 && rc->r.encrypted;
	m->st.sent += rc->r.tries == 1;
	m->st.resent += rc->r.tries > 1;
	return r < 0 ? r : 0;
}

void ct_msg_job_slot_put(struct job *j, uint32_t pkt, size_t idx)
{
	size_t mask = j->nslots - 1, i = (pkt * 2654435761u) & mask;

	while (j->slots[i])
		i = (i + 1) & mask;
	j->slots[i] = pkt;
	j->slots[i + j->nslots] = (uint32_t)idx + 1;
}

static struct rcpt *slot_find(struct job *j, uint32_t pkt)
{
	size_t mask = j->nslots - 1, i = (pkt * 2654435761u) & mask;

	while (j->slots[i]) {
		if (j->slots[i] == pkt)
			return &j->r[j->slots[i + j->nslots] - 1];
		i = (i + 1) & mask;
	}
	return NULL;
}

static int peer_absent(struct ct_msg *m, const struct ct_haddr *a)
{
	struct ct_host *h = ct_hosts_find_addr(ct_node_hosts(m->node), a);

	return h && (h->status & CT_IPMSG_ABSENCEOPT);
}

void ct_msg_job_decide(struct job *j, struct rcpt *rc, enum ct_msg_state st, uint64_t now)
{
	if (rc->done)
		return;
	rc->done = 1;
	rc->r.state = st;
	rc->r.ms = now - rc->t0;
	if (st == CT_MSG_DELIVERED) {
		j->m->st.delivered++;
		if (j->o.wait_read && !rc->r.read) {
			rc->linger = 1;
			rc->next_ms = rc->t0 + j->m->conf.read_wait_ms;
			return;
		}
		/* an absent peer's automatic reply, or an encrypted message's AutoReply(DecryptErr) */
		if (!rc->r.auto_reply[0] && (rc->r.encrypted || peer_absent(j->m, &rc->r.addr))) {
			rc->linger = 1;
			uint64_t w = 4 * rc->r.ms;
			rc->next_ms = now + (w < AUTO_REPLY_WAIT_MS ? AUTO_REPLY_WAIT_MS :
				w > AUTO_REPLY_WAIT_MAX_MS ? AUTO_REPLY_WAIT_MAX_MS : w);
			if (rc->next_ms < j->scan_ms)
				j->scan_ms = rc->next_ms;
			return;
		}
	} else if (st != CT_MSG_WAITING) {
		j->m->st.not_delivered++;
	}
	j->left--;
}

static void job_free(struct job *j)
{
	if (j->timer)
		ct_evloop_cancel_timer(j->m->ev, j->timer);
	free(j->slots);
	for (size_t i = 0; j->r && i < j->n; i++)
		ct_sbuf_fini(&j->r[i].ebody);
	free(j->r);
	free(j->text);
	free(j->attach);
	free(j);
}

static void job_unlink(struct ct_msg *m, struct job *j)
{
	for (struct job **p = &m->jobs; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			return;
		}
}

static void job_finish(struct job *j)
{
	struct ct_msg *m = j->m;
	struct ct_msg_result *res = calloc(j->n ? j->n : 1, sizeof *res);

	job_unlink(m, j);
	j->timer = 0;
	for (size_t i = 0; res && i < j->n; i++)
		res[i] = j->r[i].r;
	if (j->done)
		j->done(m, j->id, res ? res : &j->r[0].r, res ? j->n : 0, j->ud);
	free(res);
	job_free(j);
}

static void job_pump(struct ct_evloop *ev, uint64_t id, void *ud);

void ct_msg_job_arm(struct job *j, uint64_t now, uint64_t when)
{
	if (j->timer)
		ct_evloop_cancel_timer(j->m->ev, j->timer);
	j->timer = ct_evloop_add_timer(j->m->ev, when > now ? when - now : 0, job_pump, j);
}

/* Sends what is due: first sends in order at the job's pace, resends when their time came. */
static void job_pump(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct job *j = ud;
	struct ct_msg *m = j->m;
	uint64_t now = ct_evloop_now_ms(ev), wake = UINT64_MAX;

	(void)id;
	j->timer = 0;
	while (j->first < j->n && ct_pace_take(&j->pace, now, 1)) {
		struct rcpt *rc = &j->r[j->first++];
		rc->started = 1;
		rc->t0 = now;
		rc->next_ms = now + m->conf.retry_ms;
		if (ct_msg_crypt_prepare(j, rc, now) != 0)
			continue; /* fetching the peer's key, or decided (not_encrypted) */
		if (ct_msg_job_send(j, rc) != 0) {
			snprintf(rc->r.error, sizeof rc->r.error, "%s", "the datagram could not be sent");
			ct_msg_job_decide(j, rc, CT_MSG_SEND_ERROR, now);
		} else if (j->o.broadcast) {
			ct_msg_job_decide(j, rc, CT_MSG_DELIVERED, now); /* no RECVMSG is asked for a broadcast */
		}
	}
	if (now >= j->scan_ms) {
		uint64_t due = UINT64_MAX;
		for (size_t i = 0; i < j->first; i++) {
			struct rcpt *rc = &j->r[i];
			if (rc->done && !rc->linger)
				continue;
			if (rc->next_ms <= now) {
				if (rc->linger) {
					rc->linger = 0;
					j->left--;
					continue;
				}
				if (rc->fetching && ct_msg_crypt_due(j, rc, now) != 0) {
					if (!rc->done && rc->next_ms < due)
						due = rc->next_ms;
					continue;
				}
				if (rc->r.tries > m->conf.retries) {
					ct_msg_job_decide(j, rc, CT_MSG_NOT_DELIVERED, now);
					continue;
				}
				ct_msg_job_send(j, rc);
				rc->next_ms = now + m->conf.retry_ms;
			}
			if (rc->next_ms < due)
				due = rc->next_ms;
		}
		j->scan_ms = due < now + SCAN_MIN_MS ? now + SCAN_MIN_MS : due;
		if (due != UINT64_MAX)
			wake = j->scan_ms;
	} else {
		wake = j->scan_ms;
	}
	if (j->first < j->n) {
		uint64_t w = now + ct_pace_wait_ms(&j->pace, now, 1);
		if (w < wake)
			wake = w;
	}
	if (j->left == 0) {
		job_finish(j);
		return;
	}
	ct_msg_job_arm(j, now, wake == UINT64_MAX ? now + m->conf.retry_ms : wake);
}

int ct_msg_send(struct ct_msg *m, const struct ct_msg_to *to, size_t n, const struct ct_msg_send_opts *o,
	ct_msg_done_fn done, void *ud, uint64_t *jobid)
{
	struct job *j;
	uint64_t now = ct_evloop_now_ms(m->ev);

	if (!n || !o || !o->text || n > 10000000)
		return CT_EINVAL;
	j = calloc(1, sizeof *j);
	if (!j)
		return CT_ENOMEM;
	j->m = m;
	j->o = *o;
	j->text = strdup(o->text);
	j->attach = o->attach ? strdup(o->attach) : NULL;
	j->r = calloc(n, sizeof *j->r);
	/* 4n: a recipient resent after AutoReply(DecryptErr) gets a second packet number */
	for (j->nslots = 16; j->nslots < 4 * n; j->nslots *= 2)
		;
	j->slots = calloc(2 * j->nslots, sizeof *j->slots);
	if (!j->text || !j->r || !j->slots || (o->attach && !j->attach)) {
		free(j->text);
		free(j->attach);
		free(j->r);
		free(j->slots);
		free(j);
		return CT_ENOMEM;
	}
	j->o.text = j->text;
	j->o.seal |= j->o.wait_read; /* only a sealed message is opened and notified (READCHECKOPT) */
	j->n = j->left = n;
	for (size_t i = 0; i < n; i++) {
		struct ct_msg_result *r = &j->r[i].r;
		snprintf(r->label, sizeof r->label, "%s", to[i].label ? to[i].label : "");
		r->addr = to[i].addr;
		r->utf8 = want_utf8(m, &to[i].addr, to[i].utf8);
		r->packetno = ct_node_next_packetno(m->node);
		ct_msg_job_slot_put(j, r->packetno, i);
		if (o->packetnos)
			o->packetnos[i] = r->packetno;
	}
	ct_pace_init(&j->pace, m->conf.rate, 1, now);
	j->id = ++m->next_job;
	j->done = done;
	j->ud = ud;
	j->next = m->jobs;
	m->jobs = j;
	ct_msg_job_arm(j, now, now);
	if (jobid)
		*jobid = j->id;
	return 0;
}

void ct_msg_cancel(struct ct_msg *m, uint64_t id)
{
	for (struct job *j = m->jobs; j; j = j->next)
		if (j->id == id) {
			job_unlink(m, j);
			job_free(j);
			return;
		}
}

/* A RECVMSG or READMSG from `from` naming our packet number pkt. */
static struct rcpt *find_rcpt(struct ct_msg *m, const struct ct_haddr *from, uint32_t pkt, struct job **jout)
{
	for (struct job *j = m->jobs; j; j = j->next) {
		struct rcpt *rc = slot_find(j, pkt);
		/* iptux answers from its own port whatever ours was: the address decides */
		if (rc && rc->started && ct_haddr_same_ip(&rc->r.addr, from)) {
			*jout = j;
			return rc;
		}
	}
	return NULL;
}

static void on_recvmsg(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_msg *m = ud;
	struct job *j;
	struct rcpt *rc;
	uint32_t pkt;

	(void)n;
	if (ct_body_pktno_parse(rx->m->sec[0].p, rx->m->sec[0].len, &pkt) != 0)
		return;
	if (!(rc = find_rcpt(m, &rx->from, pkt, &j)) || rc->done)
		return;
	ct_msg_job_decide(j, rc, CT_MSG_DELIVERED, rx->now_ms);
	ct_msg_job_arm(j, rx->now_ms, j->left == 0 ? rx->now_ms : j->scan_ms);
}

static void on_readmsg(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_msg *m = ud;
	struct job *j;
	struct rcpt *rc;
	uint32_t pkt;
	char num[16];

	if (ct_body_pktno_parse(rx->m->sec[0].p, rx->m->sec[0].len, &pkt) != 0)
		return;
	/* ANSREADMSG names the READMSG's own number (spec §3.4), whether or not we sent that message */
	if (rx->m->opts & CT_IPMSG_READCHECKOPT) {
		snprintf(num, sizeof num, "%u", rx->m->packetno);
		ct_node_send(n, &rx->from, CT_IPMSG_ANSREADMSG, num, strlen(num));
	}
	if (!(rc = find_rcpt(m, &rx->from, pkt, &j)) || rc->r.read)
		return;
	m->st.read_notices_got++;
	rc->r.read = 1;
	rc->r.read_ms = rx->now_ms - rc->t0;
	if (!rc->done)
		ct_msg_job_decide(j, rc, CT_MSG_DELIVERED, rx->now_ms); /* the RECVMSG was lost */
	if (rc->linger) {
		rc->linger = 0;
		j->left--;
	}
	if (j->left == 0)
		ct_msg_job_arm(j, rx->now_ms, rx->now_ms);
}

/* ---- read notices we send (READMSG, resent until ANSREADMSG) ---- */

static void read_resend(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct readnote *r = ud;
	char num[16];

	(void)ev;
	(void)id;
	r->timer = 0;
	if (r->sends >= READ_RESENDS + 1) {
		r->msgno = 0;
		return;
	}
	snprintf(num, sizeof num, "%u", r->msgno);
	ct_node_send_pkt(r->m->node, &r->to, CT_IPMSG_READMSG | CT_IPMSG_READCHECKOPT, r->pktno, num, strlen(num));
	r->sends++;
	r->timer = ct_evloop_add_timer(r->m->ev, READ_RESEND_MS, read_resend, r);
}

int ct_msg_read_notify(struct ct_msg *m, const struct ct_haddr *to, uint32_t packetno, int readcheck)
{
	char num[16];
	struct readnote *r = NULL;

	snprintf(num, sizeof num, "%u", packetno);
	m->st.read_notices_sent++;
	if (!readcheck)
		return ct_node_send(m->node, to, CT_IPMSG_READMSG, num, strlen(num));
	for (size_t i = 0; i < MAX_READS && !r; i++)
		if (!m->reads[i].msgno)
			r = &m->reads[i];
	if (!r) /* all slots busy: one READMSG without the resends */
		return ct_node_send(m->node, to, CT_IPMSG_READMSG | CT_IPMSG_READCHECKOPT, num, strlen(num));
	r->m = m;
	r->to = *to;
	r->msgno = packetno;
	r->pktno = ct_node_next_packetno(m->node);
	r->sends = 0;
	read_resend(m->ev, 0, r);
	return 0;
}

static void on_ansreadmsg(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_msg *m = ud;
	uint32_t pkt;

	(void)n;
	if (ct_body_pktno_parse(rx->m->sec[0].p, rx->m->sec[0].len, &pkt) != 0)
		return;
	for (size_t i = 0; i < MAX_READS; i++) {
		struct readnote *r = &m->reads[i];
		if (r->msgno && r->pktno == pkt && ct_haddr_same_ip(&r->to, &rx->from)) {
			if (r->timer)
				ct_evloop_cancel_timer(m->ev, r->timer);
			r->timer = 0;
			r->msgno = 0;
		}
	}
}

/* ---- receiving ---- */

/* 1 when (sender, packet number) was seen: a resend whose RECVMSG was lost */
static int seen(struct ct_msg *m, const struct ct_node_rx *rx)
{
	const struct ct_ipmsg *p = rx->m;
	uint64_t k = ct_haddr_hash_ip(&rx->from) * 1099511628211ull;

	for (size_t i = 0; i < p->user.len; i++)
		k = (k ^ (unsigned char)p->user.p[i]) * 1099511628211ull;
	for (size_t i = 0; i < m->ndup; i++)
		if (m->dup[i].pkt == p->packetno && m->dup[i].key == k)
			return 1;
	if (!m->dup)
		return 0;
	m->dup[m->dup_pos].pkt = p->packetno;
	m->dup[m->dup_pos].key = k;
	m->dup_pos = (m->dup_pos + 1) % m->conf.dup_max;
	if (m->ndup < m->conf.dup_max)
		m->ndup++;
	return 0;
}

static void auto_reply(struct ct_msg *m, const struct ct_node_rx *rx)
{
	const struct ct_ipmsg *p = rx->m;
	const char *text = m->absence_text && m->absence_text[0] ? m->absence_text : "I am away";
	int utf8 = (p->opts & (CT_IPMSG_UTF8OPT | CT_IPMSG_CAPUTF8OPT)) != 0;
	uint32_t cmd = CT_IPMSG_SENDMSG | CT_IPMSG_AUTORETOPT | (utf8 ? CT_IPMSG_UTF8OPT : 0);
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	if (utf8)
		ct_sbuf_add(&b, text, strlen(text));
	else
		ct_charset_encode(CT_CS_CP932, text, strlen(text), &b, 0);
	if (ct_node_guard_admit(m->node, &rx->from, CT_GUARD_RECVMSG)) {
		ct_node_send(m->node, &rx->from, cmd, b.p, b.len);
		m->st.auto_replies++;
	}
	ct_sbuf_fini(&b);
}

/* An AUTORETOPT message from a recipient of a running job: its text goes into the result. */
static void note_auto_reply(struct ct_msg *m, const struct ct_node_rx *rx, const char *text)
{
	for (struct job *j = m->jobs; j; j = j->next)
		for (size_t i = 0; i < j->first; i++)
			if (ct_haddr_same_ip(&j->r[i].r.addr, &rx->from) && !j->r[i].r.auto_reply[0]) {
				struct rcpt *rc = &j->r[i];
				snprintf(rc->r.auto_reply, sizeof rc->r.auto_reply, "%s", text);
				if (rc->linger && rc->done && !j->o.wait_read) {
					rc->linger = 0;
					if (--j->left == 0)
						ct_msg_job_arm(j, rx->now_ms, rx->now_ms);
				}
			}
}

static void on_sendmsg(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_msg *m = ud;
	const struct ct_ipmsg *p = rx->m;
	enum ct_charset cs = ct_charset_of_command(p->command);
	struct ct_msg_in in = { 0 };
	struct ct_host *h;
	char *u, *hn, *t, *pt = NULL, *al = NULL, suite[40] = "", why[200] = "";

	if (m->conf.allow && !ct_targets_match(m->conf.allow, &rx->from)) {
		m->st.refused++;
		return;
	}
	if (seen(m, rx)) {
		m->st.duplicates++;
		return;
	}
	u = ct_charset_decode_str(cs, p->user.p, p->user.len);
	hn = ct_charset_decode_str(cs, p->host.p, p->host.len);
	t = ct_charset_decode_str(cs, p->nsec ? p->sec[0].p : "", p->nsec ? p->sec[0].len : 0);
	h = ct_hosts_find_addr(ct_node_hosts(n), &rx->from);
	in.packetno = p->packetno;
	in.command = p->command;
	in.from = rx->from;
	in.user = u ? u : "";
	in.host = hn ? hn : "";
	in.nick = h && h->nick ? h->nick : "";
	in.text = t ? t : "";
	in.charset = ct_charset_name(cs);
	in.wall = rx->now_wall;
	in.sealed = !!(p->opts & CT_IPMSG_SECRETOPT);
	in.readcheck = !!(p->opts & CT_IPMSG_READCHECKOPT);
	in.autoreply = !!(p->opts & CT_IPMSG_AUTORETOPT);
	in.broadcast = !!(p->opts & CT_IPMSG_BROADCASTOPT);
	in.multicast = !!(p->opts & CT_IPMSG_MULTICASTOPT);
	in.encrypted = !!(p->opts & CT_IPMSG_ENCRYPTOPT);
	in.attach = !!(p->opts & CT_IPMSG_FILEATTACHOPT);
	if (in.encrypted && ct_msg_crypt_receive(m, rx, &in, &pt, suite, sizeof suite, why, sizeof why)) {
		free(u);
		free(hn);
		free(t);
		return; /* tampered: logged, not kept */
	}
	/* the list after the text's NUL (§6.1); encrypted, the clear copy after the body, which a
	 * sender adds unless it set ENCEXTMSGOPT (we do not advertise it: crypto-interop §2.2h) */
	if (in.attach && p->nsec > 1 && !(in.encrypted && (p->opts & CT_IPMSG_ENCEXTMSGOPT)))
		in.attach_list = al = ct_charset_decode_str(cs, p->sec[1].p, p->sec[1].len);
	m->st.received++;
	/* Windows' answer to what it could not decrypt: our key is fetched again, sent again */
	if (in.autoreply && !in.encrypted && ct_crypt_is_decrypt_err(in.text, strlen(in.text)))
		ct_msg_crypt_on_decrypt_err(m, &rx->from, rx->now_ms);
	else if (in.autoreply)
		note_auto_reply(m, rx, in.text);
	if (m->conf.on_recv)
		m->conf.on_recv(m, &in, m->conf.recv_ud);
	/* never answer an automatic reply (ping-pong), nor a broadcast notice */
	if (m->conf.absence_reply && !in.autoreply && !in.broadcast && (ct_node_status(n) & CT_IPMSG_ABSENCEOPT))
		auto_reply(m, rx);
	free(u);
	free(hn);
	free(t);
	free(pt);
	free(al);
}

static void on_anspubkey(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	(void)n;
	ct_msg_crypt_on_anspubkey(ud, rx->m, &rx->from, rx->now_ms);
}

static const struct ct_node_handler handlers[] = {
	{ CT_IPMSG_SENDMSG, on_sendmsg },
	{ CT_IPMSG_RECVMSG, on_recvmsg },
	{ CT_IPMSG_READMSG, on_readmsg },
	{ CT_IPMSG_ANSREADMSG, on_ansreadmsg },
	{ CT_IPMSG_ANSPUBKEY, on_anspubkey },
};

static void set_conf(struct ct_msg *m, const struct ct_msg_conf *c)
{
	unsigned old = m->conf.dup_max;

	m->conf = *c;
	if (!m->conf.retry_ms)
		m->conf.retry_ms = 1000;
	if (!m->conf.read_wait_ms)
		m->conf.read_wait_ms = 20000;
	if (m->conf.rate <= 0)
		m->conf.rate = 100;
	if (!m->conf.dup_max)
		m->conf.dup_max = 1024;
	if (old != m->conf.dup_max) {
		free(m->dup);
		m->dup = calloc(m->conf.dup_max, sizeof *m->dup);
		m->ndup = m->dup_pos = 0;
	}
	free(m->absence_text);
	m->absence_text = c->absence_text ? strdup(c->absence_text) : NULL;
	m->conf.absence_text = m->absence_text;
}

int ct_msg_new(struct ct_msg **out, struct ct_node *node, const struct ct_msg_conf *conf)
{
	struct ct_msg *m = calloc(1, sizeof *m);
	int r;

	*out = NULL;
	if (!m)
		return CT_ENOMEM;
	m->node = node;
	m->ev = ct_node_evloop(node);
	ct_keycache_init(&m->kc, KEY_CACHE_MAX);
	set_conf(m, conf);
	if ((r = ct_node_add_handlers(node, handlers, CT_ARRAY_LEN(handlers), m)) != 0) {
		free(m->dup);
		free(m->absence_text);
		ct_keycache_fini(&m->kc);
		free(m);
		return r;
	}
	*out = m;
	return 0;
}

void ct_msg_reconf(struct ct_msg *m, const struct ct_msg_conf *conf)
{
	set_conf(m, conf);
}

void ct_msg_free(struct ct_msg *m)
{
	if (!m)
		return;
	ct_node_remove_handlers(m->node, handlers, CT_ARRAY_LEN(handlers), m);
	while (m->jobs) {
		struct job *j = m->jobs;
		m->jobs = j->next;
		job_free(j);
	}
	for (size_t i = 0; i < MAX_READS; i++)
		if (m->reads[i].timer)
			ct_evloop_cancel_timer(m->ev, m->reads[i].timer);
	free(m->dup);
	free(m->absence_text);
	ct_keycache_fini(&m->kc);
	free(m);
}

void ct_msg_stats(const struct ct_msg *m, struct ct_msg_stats *out)
{
	*out = m->st;
}
