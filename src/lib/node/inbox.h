/* inbox.h: camtraced's inbox: received messages, bounded, kept in a JSON file replaced atomically. */
#ifndef CT_INBOX_H
#define CT_INBOX_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "json.h"

struct ct_msg_in;
struct ct_inbox;

/* One stored message (strings UTF-8). */
struct ct_inbox_msg {
	uint64_t id;                 /* 1, 2, ... never reused (next_id is saved) */
	double wall;                 /* received, wall clock */
	char *from;                  /* "198.18.2.12:2425" */
	char *user, *host, *nick, *text, *charset;
	uint32_t packetno, command;
	int sealed, readcheck, autoreply, broadcast, multicast, encrypted, attach;
	int read;                    /* opened (camtrace inbox ID); a sealed one sent its READMSG */
	char *cipher, *signature;    /* encrypted: its suite and signature state ("" = none) */
	char *crypt_error;           /* encrypted and not readable: why ("" = readable) */
	struct ct_json *files;       /* attachments (an array, camtrace(1) INBOX), NULL = none */
};

/* Opens the inbox kept at path (NULL: in memory only), loading what is there; max bounds the
 * messages kept (the oldest go first). A file that cannot be read is set aside as path.bad
 * (logged) and the inbox starts empty. */
int ct_inbox_open(struct ct_inbox **out, const char *path, size_t max, char *err, size_t errlen);
void ct_inbox_close(struct ct_inbox *ib);
void ct_inbox_set_max(struct ct_inbox *ib, size_t max);
/* Adds a received message (not saved yet: ct_inbox_save). *id (optional) is its id. */
int ct_inbox_add(struct ct_inbox *ib, const struct ct_msg_in *in, uint64_t *id);
/* Writes path.tmp, fsyncs it, renames it over path, fsyncs the directory. */
int ct_inbox_save(struct ct_inbox *ib, char *err, size_t errlen);
size_t ct_inbox_count(const struct ct_inbox *ib);
size_t ct_inbox_unread(const struct ct_inbox *ib);
/* By position (0 = oldest) or by id (NULL when gone). */
struct ct_inbox_msg *ct_inbox_at(struct ct_inbox *ib, size_t i);
struct ct_inbox_msg *ct_inbox_find(struct ct_inbox *ib, uint64_t id);
/* Records what became of attachment i of m: state (camtrace(1) INBOX: offered, fetching,
 * fetched, not_accepted, over_quota or a fetch's end state), where it was saved (NULL: not),
 * the bytes written and an error text (NULL: none). */
void ct_inbox_file_set(struct ct_inbox_msg *m, size_t i, const char *state, const char *path, uint64_t bytes,
	const char *error);
/* The sender's address (from "ADDR:PORT"); CT_EFORMAT when it does not parse. */
int ct_inbox_msg_addr(const struct ct_inbox_msg *m, struct ct_haddr *a);
/* The message as the JSON object of `camtrace inbox --json` (with_text 0: a sealed message's
 * text is left out of lists until it is opened). */
struct ct_json *ct_inbox_msg_json(const struct ct_inbox_msg *m, int with_text);

#endif
