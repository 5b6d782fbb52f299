/* fedwire.h: the wire format of the list-server federation (camtraced peers): digests and pages of owned hosts.
 *
 * Carried in an IP Messenger datagram on UDP 2425 from the node's socket, command mode
 * CT_FEDWIRE_MODE (0xC4 = 196) with UTF8OPT and no other option bit, so that an IP Messenger
 * client that gets one by mistake ignores it: Windows (v3, v4.99) handles modes up to 0xb8
 * (member master) and drops any other in its UdpEvent switch without answering or adding the
 * sender; iptux logs "unknown command mode" and drops it (ipmsg.md §8); the Mac client answers
 * only the modes it knows. No entry option (DIALUPOPT...) is set, so nobody takes the sender for
 * a user; the header names are the server's own. The body (section 0, UTF-8, no NUL) is text:
 * lines separated by '\n', fields by '\t' (names never hold control bytes: ct_hosts_clean_name).
 *
 *   CTFED1 D <inc> <ver> <count> <lease_ms> <have_inc> <have_ver>
 *       a digest: the sender's incarnation and version of the hosts it owns, how many it owns
 *       now, its lease, and what it holds of the receiver's hosts (incarnation, version)
 *   CTFED1 U <inc> <from> <to> <last>
 *   <ver> \t <+|-> \t <L|R> \t user \t host \t nick \t group \t addr \t port \t status   (per entry)
 *       a page of the sender's own hosts whose version is in (from, to], oldest first; '+' a
 *       live host, '-' a tombstone (nick, group empty); L: on the owner's own segment, R:
 *       reached otherwise (notified, searched); last 1 on the final page of an answer.
 *
 * Numbers are decimal. Authentication (node/fed-auth.h): a keyed peer's digests and pages travel
 * sealed and signed as "CTFED1 E <encrypted body>", its key asked with "CTFED1 Q" and answered
 * with "CTFED1 P <ANSPUBKEY body>"; without keys the configured address is the only check. */
#ifndef CT_FEDWIRE_H
#define CT_FEDWIRE_H

#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"

#define CT_FEDWIRE_MODE 0xC4u
#define CT_FEDWIRE_MAGIC "CTFED1"
#define CT_FEDWIRE_MAX_ENTRIES 4096   /* per page, whatever the budget */

enum ct_fedwire_kind { CT_FEDWIRE_NONE = 0, CT_FEDWIRE_DIGEST = 'D', CT_FEDWIRE_PAGE = 'U' };

struct ct_fed_digest {
	uint64_t inc, ver;
	uint32_t count;
	uint32_t lease_ms;
	uint64_t have_inc, have_ver;
};

/* One entry; strings point into the page's buffer (decode) or the caller's (encode). */
struct ct_fed_entry {
	uint64_t ver;
	int gone;                 /* tombstone */
	int local;                /* on the owner's own segment */
	const char *user, *host, *nick, *group, *addr;
	uint16_t port;
	uint32_t status;
};

struct ct_fed_page {
	uint64_t inc, from, to;
	int last;
	size_t n;
	struct ct_fed_entry *e;
	char *buf;                /* owned copy of the body */
};

/* Which message a body (section 0) holds: CT_FEDWIRE_DIGEST, _PAGE, or _NONE (not ours). */
enum ct_fedwire_kind ct_fedwire_kind(const char *body, size_t len);
/* Appends the digest line to out: 0 or CT_ENOMEM. */
int ct_fedwire_digest_encode(const struct ct_fed_digest *d, struct ct_sbuf *out);
/* 0, or CT_EFORMAT (not a well-formed digest). */
int ct_fedwire_digest_decode(const char *body, size_t len, struct ct_fed_digest *d);
/* Appends a page header line (before the entries: build the entries apart, then join). */
int ct_fedwire_page_header(struct ct_sbuf *out, uint64_t inc, uint64_t from, uint64_t to, int last);
/* Appends one entry line; 0, CT_EINVAL (empty user or host, a control byte in a field) or CT_ENOMEM. */
int ct_fedwire_entry_encode(const struct ct_fed_entry *e, struct ct_sbuf *out);
/* Bytes the entry line takes (to fill a page within a budget). */
size_t ct_fedwire_entry_len(const struct ct_fed_entry *e);
/* Parses a page: 0, CT_EFORMAT (bad header or entry: nothing of it is used), CT_ETOOBIG (more
 * than CT_FEDWIRE_MAX_ENTRIES) or CT_ENOMEM. Entries must have versions in (from, to],
 * non-decreasing. Call ct_fedwire_page_fini() in every case. */
int ct_fedwire_page_decode(const char *body, size_t len, struct ct_fed_page *p);
void ct_fedwire_page_fini(struct ct_fed_page *p);

#endif
