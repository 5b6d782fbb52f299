/* hostlist.h: host-list exchange bodies (BR_ISGETLIST2/OKGETLIST/GETLIST/ANSLIST, spec §4.3-4.4, §4.8). */
#ifndef CT_HOSTLIST_H
#define CT_HOSTLIST_H

#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"

#define CT_HOSTLIST_BUDGET_IPTUX 8191  /* default datagram budget: iptux-class peers read 8191 */
#define CT_HOSTLIST_BUDGET_WIN 32767   /* never exceed: Windows receive buffer */
#define CT_HOSTLIST_NEXT_OVERHEAD 80   /* Windows keeps len(entry)+total+80 < 32768 */

/* How a parsed host-list entry's status reads (§4.5, §4.8). */
enum ct_hostlist_state {
	CT_HOSTLIST_ALIVE = 0,   /* option bits present: a live host with capabilities */
	CT_HOSTLIST_GONE,        /* status 0 or mode BR_EXIT: Windows deletes the host */
	CT_HOSTLIST_UNKNOWN_CAPS /* g2ipmsg's constant 19, or mode bits but no options */
};

/* Which sender convention the body followed. */
enum ct_hostlist_variant {
	CT_HOSTLIST_WIN = 0, /* Windows/Mac: count = entries in packet, byte-swapped port, trailing \a */
	CT_HOSTLIST_G2,      /* g2ipmsg: count = total-1, status 19, host-order port, no trailing \a */
};

/* One parsed entry; strings are NUL-terminated in the list's private buffer ("\b" becomes ""),
 * in the wire charset (UTF-8 with ANSLIST|UTF8OPT, else CP932). */
struct ct_hostlist_entry {
	const char *user, *host, *addr, *nick, *group;
	uint32_t status;        /* option bits as sent (mode bits 0 for a live Windows host) */
	uint32_t port_raw;      /* the decimal as sent */
	uint16_t port;          /* the real port after undoing the byte swap when it applies */
	int port_swapped;       /* 1 if port = swap16(port_raw) */
	enum ct_hostlist_state state;
};

/* A parsed ANSLIST body. */
struct ct_hostlist {
	char *buf;              /* owned copy with separators replaced by NULs */
	uint32_t next;          /* header field 1: first index not yet sent, 0 = list complete */
	uint32_t count;         /* header field 2 (Windows: entries in this packet; g2ipmsg: total-1) */
	size_t n;               /* entries parsed */
	struct ct_hostlist_entry *e;
	enum ct_hostlist_variant variant;
	int trailing_sep;       /* body ended with \a (Windows) */
	int empty_fields;       /* truly empty fields seen (Windows' tokenizer would misalign them) */
};

/* Parses an ANSLIST body (section 0 of the packet). myport helps undo the port swap (0 = 2425).
 * Returns 0; CT_ETRUNC if the header is missing or the last entry is cut short; CT_EFORMAT on a
 * bad number. On CT_ETRUNC/CT_EFORMAT after the header, l still holds the complete entries
 * before the fault (as Windows stops at the first incomplete entry). Call ct_hostlist_fini(). */
int ct_hostlist_parse(const char *body, size_t len, uint16_t myport, struct ct_hostlist *l);
void ct_hostlist_fini(struct ct_hostlist *l);
/* Returns the next start index a client should request: 0 when done (Windows also requires
 * next >= count for a Windows-variant list), else l->next. */
uint32_t ct_hostlist_next_request(const struct ct_hostlist *l);
/* Name of an entry state: "alive", "gone", "unknown_caps". */
const char *ct_hostlist_state_name(enum ct_hostlist_state s);

/* A host to put into an ANSLIST; strings already in the wire charset (NULL/"" = empty). */
struct ct_hostlist_host {
	const char *user, *host;
	uint32_t status;        /* 0 for a live host is replaced by CT_IPMSG_CAPUTF8OPT (never 0) */
	const char *addr;       /* textual address */
	uint16_t port;          /* real port; written byte-swapped */
	const char *nick, *group;
};

/* Appends one ANSLIST page to b, which already holds the IPMsg header (its length counts against
 * budget, the whole datagram size; 0 = CT_HOSTLIST_BUDGET_IPTUX). Writes "%5d\a%5d\a", then the
 * hosts from start on while they fit, then a NUL. *next receives the index of the first host not
 * sent, or 0 when the page completes the list. CT_ETOOBIG if not even one host fits; CT_ERANGE if
 * start > n. Separators or NULs inside fields are replaced by spaces. */
int ct_hostlist_build_page(struct ct_sbuf *b, const struct ct_hostlist_host *hosts, size_t n,
	size_t start, size_t budget, size_t *next);
/* Appends a GETLIST body: "" for start 0 (first request), else the decimal start index. */
int ct_hostlist_build_getlist(struct ct_sbuf *b, uint32_t start);
/* Parses a GETLIST body like the Windows server (atoi, negative or empty = 0); CT_EFORMAT if
 * it is not a number at all, CT_ERANGE if it overflows. */
int ct_hostlist_parse_getlist(const char *body, size_t len, uint32_t *start);
/* Byte-swaps a port as Windows writes it into ANSLIST: 2425 <-> 30985. */
uint16_t ct_hostlist_swap16(uint16_t v);

#endif
