/* msg-int.h: the message engine's encryption helpers (msg-crypt.c), shared by msg.c only. */
#ifndef CT_MSG_INT_H
#define CT_MSG_INT_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "crypto.h"
#include "keys.h"
#include "msg.h"
#include "pace.h"
#include "sbuf.h"

#define MAX_READS 64         /* read notices waiting for ANSREADMSG */
#define KEY_ASKED 64         /* GETPUBKEY we sent: only their ANSPUBKEY is taken */

/* ---- the engine's state (msg.c; msg-crypt.c does a job's encryption) ---- */
struct rcpt {
	struct ct_msg_result r;
	uint64_t next_ms;        /* next send (or give-up) time, monotonic ms */
	uint64_t t0;             /* first send */
	int started, done;       /* done: delivered or given up (read waits apart) */
	int linger;              /* delivered, waiting for READMSG or an absent peer's automatic reply */
	int fetching;            /* waiting for the peer's ANSPUBKEY (GETPUBKEY resent at next_ms) */
	unsigned key_tries;
	struct ct_sbuf ebody;    /* the encrypted body: a resend is the same datagram */
};

struct job {
	uint64_t id;
	struct ct_msg *m;
	struct ct_msg_send_opts o;
	char *text;
	char *attach;                 /* the attachment list (FILEATTACHOPT), NULL = none */
	struct rcpt *r;
	size_t n, first;         /* first: recipients not sent yet start here */
	size_t left;             /* recipients not decided */
	uint32_t *slots;         /* packet number -> recipient index + 1 (open addressing) */
	size_t nslots;
	struct ct_pace pace;
	uint64_t timer, scan_ms;
	ct_msg_done_fn done;
	void *ud;
	struct job *next;
};

struct dupent {
	uint32_t pkt;
	uint64_t key;
};

struct readnote {
	struct ct_haddr to;
	uint32_t msgno, pktno;   /* the sealed SENDMSG's number, our READMSG's number */
	unsigned sends;
	uint64_t timer;
	struct ct_msg *m;
};

struct ct_msg {
	struct ct_node *node;
	struct ct_evloop *ev;
	struct ct_msg_conf conf;
	char *absence_text;
	struct job *jobs;
	uint64_t next_job;
	struct dupent *dup;
	size_t ndup, dup_pos;
	struct readnote reads[MAX_READS];
	struct ct_msg_stats st;
	struct ct_keycache kc;   /* peers' keys by address (msg-crypt.c does the crypto) */
	struct { struct ct_haddr a; uint64_t ms; } asked[KEY_ASKED];
	size_t asked_pos;
};


/* msg.c, for msg-crypt.c: decide a recipient, send its SENDMSG, arm the job's timer, map a
 * (new) packet number to a recipient */
void ct_msg_job_decide(struct job *j, struct rcpt *rc, enum ct_msg_state st, uint64_t now);
int ct_msg_job_send(struct job *j, struct rcpt *rc);
void ct_msg_job_arm(struct job *j, uint64_t now, uint64_t when);
void ct_msg_job_slot_put(struct job *j, uint32_t pkt, size_t idx);

/* msg-crypt.c: a recipient's encryption. prepare (first send): 0 send now (clear, or the
 * encrypted body made), 1 waiting for the peer's key (GETPUBKEY sent), <0 decided
 * (not_encrypted or send_error). due: a fetching recipient's time came (GETPUBKEY again, or
 * give up: clear under auto); 0 send now, 1 still fetching, <0 decided. */
int ct_msg_crypt_prepare(struct job *j, struct rcpt *rc, uint64_t now);
int ct_msg_crypt_due(struct job *j, struct rcpt *rc, uint64_t now);
/* ANSPUBKEY (only from a host we asked), and a received message that is AutoReply(DecryptErr):
 * the recipients waiting or encrypted for that host go on. */
void ct_msg_crypt_on_anspubkey(struct ct_msg *m, const struct ct_ipmsg *p, const struct ct_haddr *from, uint64_t now);
int ct_msg_crypt_on_decrypt_err(struct ct_msg *m, const struct ct_haddr *from, uint64_t now);
/* An encrypted SENDMSG received: in gets its text, suite, signature or why not; 1 = rejected
 * (bad signature: logged, not kept), 0 = go on. DecryptErr is answered for what we cannot read. */
struct ct_node_rx;
int ct_msg_crypt_receive(struct ct_msg *m, const struct ct_node_rx *rx, struct ct_msg_in *in, char **text,
	char *suite, size_t slen, char *why, size_t wlen);

/* The suite's short name for results and the inbox: "rsa2048+aes256/sha256", "rsa1024+bf128". */
void ct_msg_crypt_suite(const struct ct_crypt_info *info, char *out, size_t len);
/* The encrypted SENDMSG body of text (UTF-8; CP932 when !utf8) for peer with packet number
 * pktno into body; suite names what was used. CT_EUNSUP: no common cipher (err says so). */
int ct_msg_crypt_seal(const struct ct_crypt_keys *keys, uint32_t capa, const struct ct_crypt_pub *peer,
	uint32_t pktno, const char *text, int utf8, struct ct_sbuf *body, char *suite, size_t slen,
	char *err, size_t errlen);
/* Decrypts a received body into the message text (charset-decoded, malloc'd, *text) and the
 * suite and signature names. Returns ct_crypt_decrypt()'s code; info says why on failure. */
int ct_msg_crypt_open(const struct ct_crypt_keys *keys, const struct ct_crypt_pub *sender, uint32_t pktno,
	uint32_t command, const char *body, size_t blen, char **text, struct ct_crypt_info *info,
	char *suite, size_t slen, char *err, size_t errlen);

#endif
