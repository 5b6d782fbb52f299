/* msg.h: messages on the node: SENDMSG with retries to many recipients, RECVMSG, sealed messages and read notices, absence replies. */
#ifndef CT_MSG_H
#define CT_MSG_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"

struct ct_node;
struct ct_targets;
struct ct_msg;
struct ct_crypt_keys;

/* A message received (strings UTF-8, valid during the callback). */
struct ct_msg_in {
	uint32_t packetno, command;   /* the SENDMSG's */
	struct ct_haddr from;
	const char *user, *host, *nick; /* nick: from the host table, "" when unknown */
	const char *text;
	const char *charset;          /* "utf-8" or "cp932": how it came */
	double wall;                  /* when it came (wall clock) */
	int sealed, readcheck, autoreply, broadcast, multicast, encrypted, attach;
	/* encrypted: the suite ("rsa2048+aes256/sha256"), the signature state ("none", "ok",
	 * "text_only", "no_key") and, when it could not be read (text ""), why (crypt_error) */
	const char *cipher, *signature, *crypt_error;
	const char *attach_list;      /* FILEATTACHOPT: the attachment list after the text (UTF-8), else NULL */
};
/* Called once per new message (duplicates suppressed) from an allowed sender. */
typedef void (*ct_msg_recv_fn)(struct ct_msg *m, const struct ct_msg_in *in, void *ud);

struct ct_msg_conf {
	uint64_t retry_ms;            /* between two sends of an unanswered SENDMSG (default 1000) */
	unsigned retries;             /* resends after the first (default 3: 4 sends in all) */
	uint64_t read_wait_ms;        /* how long a send with wait_read waits for READMSG (default 20000) */
	double rate;                  /* first sends per second of a job (default 100, like a notify round) */
	unsigned dup_max;             /* received (sender, packet number) pairs remembered (default 1024) */
	const struct ct_targets *allow; /* who may send us messages (NULL = anyone); read per packet */
	int absence_reply;            /* answer messages with SENDMSG|AUTORETOPT while the node is absent */
	const char *absence_text;     /* that answer's text (NULL = "I am away") */
	ct_msg_recv_fn on_recv;
	void *recv_ud;
	/* encryption (msg-crypt.c): our key pairs (used, not owned; NULL = none) and the word we honour */
	const struct ct_crypt_keys *keys;
	uint32_t crypt_capa;
};

/* One recipient: its address (port 2425 usually) and how to call it in results. */
struct ct_msg_to {
	struct ct_haddr addr;
	const char *label;            /* what the user typed (or user@host), copied */
	int utf8;                     /* -1: from the host table (CAPUTF8OPT), 0: CP932, 1: UTF-8 */
};

/* --encrypt: off (clear), auto (encrypted when the peer says ENCRYPTOPT and a suite is common,
 * else clear and said so), require (the recipient fails when it cannot be encrypted) */
enum ct_msg_encrypt { CT_MSG_ENC_OFF, CT_MSG_ENC_AUTO, CT_MSG_ENC_REQUIRE };

struct ct_msg_send_opts {
	const char *text;             /* UTF-8 */
	int seal;                     /* SECRETOPT (with READCHECKOPT when wait_read) */
	int wait_read;                /* sealed with READCHECKOPT: wait for the read notice (READMSG) */
	int broadcast;                /* BROADCASTOPT (an administrator's notice: no RECVMSG asked) */
	enum ct_msg_encrypt encrypt;  /* off (default), auto or require */
	const char *attach;           /* an attachment list (xfer.h ct_xfer_offer): FILEATTACHOPT, sent
	                               * after the text's NUL; NULL = none */
	uint32_t *packetnos;          /* out (optional): each recipient's packet number, filled by
	                               * ct_msg_send (ct_xfer_offer_bind) */
};

enum ct_msg_state { CT_MSG_WAITING, CT_MSG_DELIVERED, CT_MSG_NOT_DELIVERED, CT_MSG_SEND_ERROR,
	CT_MSG_NOT_ENCRYPTED };

struct ct_msg_result {
	char label[128];
	struct ct_haddr addr;
	uint32_t packetno;
	enum ct_msg_state state;
	unsigned tries;               /* SENDMSG datagrams sent */
	uint64_t ms;                  /* first send -> RECVMSG (or -> giving up) */
	int read;                     /* READMSG came (wait_read) */
	uint64_t read_ms;             /* first send -> READMSG */
	int utf8;                     /* the body went in UTF-8 (else CP932) */
	char auto_reply[256];         /* the text of an AUTORETOPT answer, "" = none */
	char error[200];              /* send error, or why it was not encrypted (not_encrypted) */
	int encrypted;                /* the SENDMSG went encrypted */
	char cipher[40];              /* its suite ("rsa2048+aes256/sha256"), "" = in the clear */
	char crypt_note[200];         /* auto: why it went in the clear; a DecryptErr answer and the retry */
	unsigned pub_fetches;         /* GETPUBKEY sent */
	int decrypt_err;              /* AutoReply(DecryptErr) answers seen */
};

/* Called once when every recipient of a job is decided; results valid during the call. */
typedef void (*ct_msg_done_fn)(struct ct_msg *m, uint64_t job, const struct ct_msg_result *r, size_t n, void *ud);

int ct_msg_new(struct ct_msg **out, struct ct_node *node, const struct ct_msg_conf *conf);
void ct_msg_free(struct ct_msg *m);
/* Changes the configuration (reload); running jobs keep their schedule. */
void ct_msg_reconf(struct ct_msg *m, const struct ct_msg_conf *conf);

/* Starts a job: one SENDMSG|SENDCHECKOPT per recipient (own packet number, same on resends),
 * paced at conf.rate, resent every retry_ms until RECVMSG or retries resends. done is called
 * from the event loop (never from inside this call). *job (optional) names it. */
int ct_msg_send(struct ct_msg *m, const struct ct_msg_to *to, size_t n, const struct ct_msg_send_opts *o,
	ct_msg_done_fn done, void *ud, uint64_t *job);
/* Forgets a job without calling done (its requester went away). */
void ct_msg_cancel(struct ct_msg *m, uint64_t job);
/* The receiver opened a sealed message: READMSG (|READCHECKOPT when asked, then resent every
 * 750 ms up to 12 times until ANSREADMSG) to its sender. */
int ct_msg_read_notify(struct ct_msg *m, const struct ct_haddr *to, uint32_t packetno, int readcheck);

struct ct_msg_stats {
	uint64_t received, duplicates, refused, auto_replies, sent, resent, delivered, not_delivered;
	uint64_t read_notices_sent, read_notices_got;
	uint64_t encrypted_sent, encrypted_received, undecryptable, rejected, pub_fetches, decrypt_errors;
};
void ct_msg_stats(const struct ct_msg *m, struct ct_msg_stats *out);
const char *ct_msg_state_name(enum ct_msg_state s);

/* ---- msg-to.c: recipients and results, shared by camtraced's `send` and camtrace's direct path ----
 * Resolves one TO: an IPv4 address ("a.b.c.d" or "a.b.c.d:port"; port 2425 by default), else the
 * live hosts of t (online or absent) whose nick, user, host or "user@host" is spec. Fills up to max
 * recipients (label = spec); returns how many (0: CT_ENOTFOUND), CT_EEXIST when a name fits
 * several hosts (err names them), CT_EINVAL for an empty spec. t may be NULL (addresses only). */
struct ct_hosts;
struct ct_json;
int ct_msg_resolve(const struct ct_hosts *t, const char *spec, struct ct_msg_to *out, size_t max,
	char *err, size_t errlen);
/* Every live host of t (online or absent, local and external; only those `only` matches when
 * not NULL) as recipients (malloc'd, label user@host); returns the count or CT_ENOMEM. */
struct ct_targets;
int ct_msg_resolve_all(const struct ct_hosts *t, const struct ct_targets *only, struct ct_msg_to **out,
	char ***labels);
/* The result of one recipient as the JSON object of `camtrace send --json` (camtrace(1)). */
struct ct_json *ct_msg_result_json(const struct ct_msg_result *r, const struct ct_hosts *t, int wait_read);
/* "off", "auto", "require" (NULL = off) as the enum; CT_EINVAL otherwise. */
int ct_msg_encrypt_parse(const char *s);
/* The longest a send to n recipients can take before its done runs, with conf (zero retry_ms,
 * read_wait_ms, rate taken as ct_msg_new's defaults): pacing, key fetch and tries (twice: a DecryptErr resends
 * once), the read notice when wait_read. A control request waiting on a send allows this. */
uint64_t ct_msg_send_budget_ms(const struct ct_msg_conf *c, size_t n, int wait_read);
/* A recipient that could not be resolved, in the same shape (state "unknown_recipient" or
 * "ambiguous", error err). */
struct ct_json *ct_msg_unresolved_json(const char *spec, const char *state, const char *err);

#endif
