/* msg-crypt.c: the message engine's use of crypto.c: the encrypted SENDMSG body (LF text + NUL, UTF-8 or CP932) and a received one opened into text, with the suite's short name. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "charset.h"
#include "codec.h"
#include "err.h"
#include "hosts.h"
#include "log.h"
#include "msg-int.h"
#include "node.h"
#include "util.h"

void ct_msg_crypt_suite(const struct ct_crypt_info *info, char *out, size_t len)
{
	int aes = info->cipher && !strcmp(info->cipher, "aes-256-cbc");

	snprintf(out, len, "rsa%d+%s%s%s", info->rsa_bits, aes ? "aes256" : "bf128",
		info->hash && strcmp(info->hash, "none") ? "/" : "", info->hash && strcmp(info->hash, "none") ? info->hash : "");
}

int ct_msg_crypt_seal(const struct ct_crypt_keys *keys, uint32_t capa, const struct ct_crypt_pub *peer,
	uint32_t pktno, const char *text, int utf8, struct ct_sbuf *body, char *suite, size_t slen,
	char *err, size_t errlen)
{
	struct ct_crypt_info info;
	struct ct_sbuf plain;
	int r = 0;

	ct_sbuf_init(&plain);
	/* the plaintext: the text with LF newlines (crypto-interop §2f: CR LF -> LF) and its NUL */
	if (utf8)
		ct_sbuf_add(&plain, text, strlen(text));
	else
		r = ct_charset_encode(CT_CS_CP932, text, strlen(text), &plain, 0);
	if (r >= 0) {
		size_t k = 0;
		for (size_t i = 0; i < plain.len; i++)
			if (!(plain.p[i] == '\r' && i + 1 < plain.len && plain.p[i + 1] == '\n'))
				plain.p[k++] = plain.p[i];
		plain.len = k;
		ct_sbuf_add(&plain, "", 1);
		r = plain.err ? CT_ENOMEM : 0;
	}
	if (r >= 0) {
		memset(&info, 0, sizeof info);
		r = ct_crypt_encrypt(keys, capa, peer, pktno, plain.p, plain.len, body, &info, err, errlen);
		if (r == 0)
			ct_msg_crypt_suite(&info, suite, slen);
	} else if (err && errlen) {
		snprintf(err, errlen, "the text cannot be converted for the peer: %s", ct_strerror(r));
	}
	ct_sbuf_fini(&plain);
	return r < 0 ? r : 0;
}

int ct_msg_crypt_open(const struct ct_crypt_keys *keys, const struct ct_crypt_pub *sender, uint32_t pktno,
	uint32_t command, const char *body, size_t blen, char **text, struct ct_crypt_info *info,
	char *suite, size_t slen, char *err, size_t errlen)
{
	struct ct_sbuf plain;
	struct ct_slice t, at, to;
	char num[16];
	int r;

	*text = NULL;
	memset(info, 0, sizeof *info);
	snprintf(num, sizeof num, "%u", pktno);
	ct_sbuf_init(&plain);
	r = ct_crypt_decrypt(keys, sender, num, strlen(num), body, blen, &plain, info, err, errlen);
	if (info->rsa_bits)
		ct_msg_crypt_suite(info, suite, slen);
	if (r == 0 || info->reason == CT_CRYPT_R_BAD_SIG) {
		ct_crypt_plain_split(plain.p ? plain.p : "", plain.len, &t, &at, &to);
		*text = ct_charset_decode_str(ct_charset_of_command(command), t.p ? t.p : "", t.len);
		if (!*text)
			r = CT_ENOMEM;
	}
	ct_sbuf_fini(&plain);
	return r;
}

/* ---- a job's recipients (the state machine's encryption side) ---- */

#define KEY_ASK_MS 30000     /* an ANSPUBKEY is taken within this time of our GETPUBKEY */
#define DECRYPT_ERR_TEXT CT_CRYPT_DECRYPT_ERR_MARK \
	" My PubKey is updated, I can't receive your message. Please press refresh button."

static void key_name(const struct ct_haddr *a, char *who, size_t len)
{
	ct_haddr_ip_str(a, who, len);
}

/* The identity the key cache keeps with a key: "user@host", printable ASCII only, so that the
 * raw header (CP932 or UTF-8) and the host table (decoded, cleaned) give the same string. */
static void key_id(const char *user, size_t ulen, const char *host, size_t hlen, char *id, size_t len)
{
	size_t k = 0;

	for (int part = 0; part < 2; part++) {
		const char *s = part ? host : user;
		size_t n = part ? hlen : ulen;
		if (part && k + 1 < len)
			id[k++] = '@';
		for (size_t i = 0; i < n && k + 1 < len; i++)
			if (s[i] > 0x20 && s[i] < 0x7f)
				id[k++] = s[i];
	}
	id[k] = 0;
}

/* auto: in the clear, saying why; require: the recipient fails (not_encrypted) with why. */
static int clear_or_fail(struct job *j, struct rcpt *rc, uint64_t now, const char *why)
{
	rc->fetching = 0;
	if (j->o.encrypt == CT_MSG_ENC_REQUIRE) {
		snprintf(rc->r.error, sizeof rc->r.error, "not encrypted: %.180s", why);
		ct_msg_job_decide(j, rc, CT_MSG_NOT_ENCRYPTED, now);
		return CT_EUNSUP;
	}
	snprintf(rc->r.crypt_note, sizeof rc->r.crypt_note, "sent in the clear: %.175s", why);
	return 0;
}

/* GETPUBKEY to a; its ANSPUBKEY is taken within KEY_ASK_MS. */
static void send_getpubkey(struct ct_msg *m, const struct ct_haddr *a, uint64_t now)
{
	char w[16];

	snprintf(w, sizeof w, "%x", m->conf.crypt_capa);
	m->asked[m->asked_pos].a = *a;
	m->asked[m->asked_pos].ms = now + 1;
	m->asked_pos = (m->asked_pos + 1) % KEY_ASKED;
	ct_node_send(m->node, a, CT_IPMSG_GETPUBKEY, w, strlen(w));
}

static void ask_key(struct job *j, struct rcpt *rc, uint64_t now)
{
	struct ct_msg *m = j->m;

	send_getpubkey(m, &rc->r.addr, now);
	rc->fetching = 1;
	rc->key_tries++;
	rc->r.pub_fetches++;
	m->st.pub_fetches++;
	rc->next_ms = now + m->conf.retry_ms;
}

static int seal(struct job *j, struct rcpt *rc, const struct ct_crypt_pub *pub, uint64_t now)
{
	struct ct_msg *m = j->m;
	char err[160];
	int r;

	rc->fetching = 0;
	ct_sbuf_reset(&rc->ebody);
	r = ct_msg_crypt_seal(m->conf.keys, m->conf.crypt_capa, pub, rc->r.packetno, j->text, rc->r.utf8,
		&rc->ebody, rc->r.cipher, sizeof rc->r.cipher, err, sizeof err);
	if (r == CT_EUNSUP)
		return clear_or_fail(j, rc, now, err);
	if (r != 0) {
		snprintf(rc->r.error, sizeof rc->r.error, "cannot encrypt: %.180s", err);
		ct_msg_job_decide(j, rc, CT_MSG_SEND_ERROR, now);
		return r;
	}
	rc->r.encrypted = 1;
	return 0;
}

int ct_msg_crypt_prepare(struct job *j, struct rcpt *rc, uint64_t now)
{
	struct ct_msg *m = j->m;
	const struct ct_host *h;
	const struct ct_crypt_pub *pub;
	char who[CT_HADDR_STRLEN], id[160];

	if (j->o.encrypt == CT_MSG_ENC_OFF)
		return 0;
	if (j->o.broadcast)
		return clear_or_fail(j, rc, now, "a broadcast notice is not encrypted");
	if (!m->conf.keys || !m->conf.crypt_capa)
		return clear_or_fail(j, rc, now, "no key pair here (camtraced makes one; the direct path has none)");
	h = ct_hosts_find_addr(ct_node_hosts(m->node), &rc->r.addr);
	if (h && !(h->status & CT_IPMSG_ENCRYPTOPT))
		return clear_or_fail(j, rc, now, "the peer does not advertise encryption (no ENCRYPTOPT in its entry)");
	if (!h && j->o.encrypt == CT_MSG_ENC_AUTO)
		return clear_or_fail(j, rc, now, "the peer is not in the host table: its encryption is unknown");
	key_name(&rc->r.addr, who, sizeof who);
	/* the cached key only for the program the host table says is there (an address outside the
	 * table, with require, has no identity to check: a stale key there ends in DecryptErr, which
	 * fetches it again) */
	if (h)
		key_id(h->user, strlen(h->user), h->host, strlen(h->host), id, sizeof id);
	if ((pub = ct_keycache_get(&m->kc, who, h ? id : NULL)))
		return seal(j, rc, pub, now);
	ask_key(j, rc, now);
	return 1;
}

int ct_msg_crypt_due(struct job *j, struct rcpt *rc, uint64_t now)
{
	char why[96];

	if (rc->key_tries > j->m->conf.retries) {
		snprintf(why, sizeof why, "no ANSPUBKEY from the peer after %u GETPUBKEY", rc->key_tries);
		return clear_or_fail(j, rc, now, why);
	}
	ask_key(j, rc, now);
	return 1;
}

void ct_msg_crypt_on_anspubkey(struct ct_msg *m, const struct ct_ipmsg *p, const struct ct_haddr *from, uint64_t now)
{
	struct ct_crypt_pub *pub = NULL;
	enum ct_crypt_reason reason = CT_CRYPT_R_NONE;
	char who[CT_HADDR_STRLEN], err[160];
	int asked = 0, r;

	for (size_t i = 0; i < KEY_ASKED; i++)
		if (m->asked[i].ms && ct_haddr_same_ip(&m->asked[i].a, from) && now + 1 - m->asked[i].ms <= KEY_ASK_MS) {
			asked = 1;
			m->asked[i].ms = 0;
		}
	if (!asked)
		return; /* not asked for: a key pushed at us is not taken */
	key_name(from, who, sizeof who);
	r = ct_crypt_pub_parse(p->nsec ? p->sec[0].p : "", p->nsec ? p->sec[0].len : 0, p->user.p, p->user.len,
		&pub, &reason, err, sizeof err);
	if (r != 0)
		log_warn("ANSPUBKEY from %s refused: %s", who, err);
	for (struct job *j = m->jobs; j; j = j->next) {
		int moved = 0;
		for (size_t i = 0; i < j->first; i++) {
			struct rcpt *rc = &j->r[i];
			if (!rc->fetching || rc->done || !ct_haddr_same_ip(&rc->r.addr, from))
				continue;
			moved = 1;
			if (r != 0 && reason == CT_CRYPT_R_FINGERPRINT) {
				/* someone else's key under a fingerprinted name: never a clear fallback */
				rc->fetching = 0;
				snprintf(rc->r.error, sizeof rc->r.error, "not encrypted: %.180s", err);
				ct_msg_job_decide(j, rc, CT_MSG_NOT_ENCRYPTED, now);
			} else if ((r != 0 ? clear_or_fail(j, rc, now, err) : seal(j, rc, pub, now)) == 0) {
				if (ct_msg_job_send(j, rc) != 0) {
					snprintf(rc->r.error, sizeof rc->r.error, "%s", "the datagram could not be sent");
					ct_msg_job_decide(j, rc, CT_MSG_SEND_ERROR, now);
				}
				rc->next_ms = now + m->conf.retry_ms;
			}
		}
		if (moved) {
			j->scan_ms = now;
			ct_msg_job_arm(j, now, now);
		}
	}
	if (r == 0) {
		char id[160];
		key_id(p->user.p, p->user.len, p->host.p, p->host.len, id, sizeof id);
		ct_keycache_put(&m->kc, who, id, pub);
	}
}

int ct_msg_crypt_on_decrypt_err(struct ct_msg *m, const struct ct_haddr *from, uint64_t now)
{
	char who[CT_HADDR_STRLEN];
	int any = 0;

	m->st.decrypt_errors++;
	key_name(from, who, sizeof who);
	ct_keycache_drop(&m->kc, who);
	for (struct job *j = m->jobs; j; j = j->next)
		for (size_t i = 0; i < j->first; i++) {
			struct rcpt *rc = &j->r[i];
			if (!rc->r.encrypted || !ct_haddr_same_ip(&rc->r.addr, from) || (rc->done && !rc->linger))
				continue;
			any = 1;
			if (++rc->r.decrypt_err > 1) {
				/* the second time with a fresh key: reported, not retried again */
				snprintf(rc->r.error, sizeof rc->r.error, "%s",
					"the peer could not decrypt it twice (AutoReply(DecryptErr)), with a fresh key too");
				if (rc->done) {
					m->st.delivered--;
					m->st.not_delivered++;
					rc->r.state = CT_MSG_NOT_DELIVERED;
					rc->linger = 0;
					if (--j->left == 0)
						ct_msg_job_arm(j, now, now);
				}
				continue;
			}
			/* once: the key again, a new packet number (the peer keeps the old one as seen) */
			snprintf(rc->r.crypt_note, sizeof rc->r.crypt_note, "%s",
				"the peer answered AutoReply(DecryptErr): its key fetched again and the message sent again");
			if (rc->done) {
				m->st.delivered--;
				rc->done = rc->linger = 0;
				rc->r.state = CT_MSG_WAITING;
			}
			rc->r.encrypted = 0;
			rc->r.cipher[0] = 0;
			rc->r.tries = 0;
			rc->key_tries = 0;
			rc->r.packetno = ct_node_next_packetno(m->node);
			ct_msg_job_slot_put(j, rc->r.packetno, i);
			ask_key(j, rc, now);
			j->scan_ms = now;
			ct_msg_job_arm(j, now, now);
		}
	return any;
}

static int asked_lately(const struct ct_msg *m, const struct ct_haddr *a, uint64_t now)
{
	for (size_t i = 0; i < KEY_ASKED; i++)
		if (m->asked[i].ms && ct_haddr_same_ip(&m->asked[i].a, a) && now + 1 - m->asked[i].ms <= KEY_ASK_MS)
			return 1;
	return 0;
}

int ct_msg_crypt_receive(struct ct_msg *m, const struct ct_node_rx *rx, struct ct_msg_in *in, char **text,
	char *suite, size_t slen, char *why, size_t wlen)
{
	const struct ct_ipmsg *p = rx->m;
	struct ct_crypt_info info;
	char who[CT_HADDR_STRLEN], id[160];
	int r;

	in->text = "";
	if (!m->conf.keys) {
		snprintf(why, wlen, "%s", "no key pair here");
		in->crypt_error = why;
		m->st.undecryptable++;
		return 0;
	}
	key_name(&rx->from, who, sizeof who);
	key_id(p->user.p, p->user.len, p->host.p, p->host.len, id, sizeof id);
	r = ct_msg_crypt_open(m->conf.keys, ct_keycache_get(&m->kc, who, id), p->packetno, p->command,
		p->nsec ? p->sec[0].p : "", p->nsec ? p->sec[0].len : 0, text, &info, suite, slen, why, wlen);
	in->cipher = suite[0] ? suite : NULL;
	if (r == 0) {
		m->st.encrypted_received++;
		in->text = *text;
		in->signature = ct_crypt_sig_name(info.sig);
		/* signed by a sender whose key we lack: fetched now (as Windows does), so that its next
		 * messages are verified; at most once per KEY_ASK_MS a sender */
		if (info.sig == CT_CRYPT_SIG_NOKEY && !asked_lately(m, &rx->from, rx->now_ms)) {
			send_getpubkey(m, &rx->from, rx->now_ms);
			m->st.pub_fetches++;
		}
		return 0;
	}
	if (info.reason == CT_CRYPT_R_BAD_SIG) {
		char eu[80];
		ct_escape_bytes(p->user.p, p->user.len, eu, sizeof eu);
		log_warn("encrypted message %u from %s@%s rejected (tampered?): %s", p->packetno, eu, who, why);
		m->st.rejected++;
		return 1;
	}
	/* not readable: kept as such with why; answered as Windows does, so the sender fetches our key */
	m->st.undecryptable++;
	in->crypt_error = why;
	log_notice("encrypted message %u from %s not readable: %s", p->packetno, who, why);
	if (!(p->opts & CT_IPMSG_AUTORETOPT) && ct_node_guard_admit(m->node, &rx->from, CT_GUARD_RECVMSG))
		ct_node_send(m->node, &rx->from, CT_IPMSG_SENDMSG | CT_IPMSG_NOLOGOPT | CT_IPMSG_AUTORETOPT |
			CT_IPMSG_UTF8OPT, DECRYPT_ERR_TEXT, strlen(DECRYPT_ERR_TEXT));
	return 0;
}
