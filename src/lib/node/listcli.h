/* listcli.h: the list client role: fetches the host list from a list server (spec §4.2) and merges it (§4.5). */
#ifndef CT_LISTCLI_H
#define CT_LISTCLI_H

#include <stddef.h>
#include <stdint.h>
#include "hosts.h"

struct ct_node;
struct ct_listcli;

/* Most list servers one `server` line names. */
#define CT_LISTCLI_MAX_SERVERS 8

struct ct_listcli_conf {
	const char *server;       /* NAME-OR-ADDRESS, or several separated by commas or blanks, in
	                           * order of preference (each resolved when its turn comes) */
	uint16_t port;            /* server's port (0 = the node's own port) */
	uint64_t interval_ms;     /* between fetches (0 = 2 h) */
	uint64_t phase_ms;        /* wait for OKGETLIST / each ANSLIST (0 = 3000, as Windows) */
	unsigned page_retries;    /* GETLIST resent for a lost page (default 2) */
	uint64_t fail_retry_ms;   /* after a failed fetch, retry this soon (0 = 60 s) */
	/* A federation peer that is a plain IP Messenger list server (fed.c): its hosts get origin
	 * CT_HOST_PEER and a source of kind CT_HOST_SRC_IPMSG (the list carries no versions), and a
	 * host it stops listing loses that source after stale_fetches complete fetches in a row
	 * without it (0 = CT_LISTCLI_STALE_FETCHES). Pages from other addresses are ignored here
	 * (another fetcher's), not counted as refused. 0: the node's own `server` (CT_HOST_LIST). */
	unsigned peer_mode;
	unsigned stale_fetches;
};
#define CT_LISTCLI_STALE_FETCHES 2

enum ct_listcli_state { CT_LISTCLI_IDLE = 0, CT_LISTCLI_WAIT_OK, CT_LISTCLI_WAIT_OK_RETRY, CT_LISTCLI_PAGES };

struct ct_listcli_status {
	enum ct_listcli_state state;
	struct ct_haddr server;   /* resolved address of the current/last fetch */
	uint64_t fetches, ok, failed;
	double last_ok, last_try; /* wall clock (0 = never) */
	size_t last_hosts;        /* entries merged by the last complete fetch */
	size_t last_pages;
	size_t last_removed;      /* external hosts gone since the previous fetch */
	uint64_t last_ms;         /* duration of the last complete fetch */
	char last_error[320];
	/* several servers: every fetch starts with the first and moves to the next one that
	 * answers when one does not (resolve, BR_ISGETLIST2, pages) */
	char server_name[256];    /* the name of the server of the current/last fetch */
	unsigned server_index;    /* its place in `server` (0 = the first) */
	unsigned nservers;        /* names in `server` */
	uint64_t failovers;       /* times a fetch moved on to the next server */
	/* ANSLIST pages refused (spec §4.4 gives no packet-number echo, so a page is tied to its
	 * request by the server's address AND port, a fetch waiting for a page, and the start index
	 * the header implies: Windows next-count, g2ipmsg's start field) */
	uint64_t refused_pages;   /* all refused pages (the sum of the three below) */
	uint64_t refused_source;  /* from another address or port than the configured server's */
	uint64_t refused_unasked; /* while no page was awaited (no fetch running) */
	uint64_t refused_page;    /* another page than the one asked for (start index) */
};

/* Called when a fetch ends (ok = 1 complete, 0 failed). */
typedef void (*ct_listcli_cb)(struct ct_listcli *lc, int ok, void *ud);

int ct_listcli_new(struct ct_listcli **out, struct ct_node *node, const struct ct_listcli_conf *conf,
	ct_listcli_cb cb, void *ud);
void ct_listcli_free(struct ct_listcli *lc);
int ct_listcli_reconf(struct ct_listcli *lc, const struct ct_listcli_conf *conf);
/* Starts a fetch now (start-up, refresh, SIGUSR1) and re-arms the interval timer. A fetch
 * already running is restarted. CT_ENOTFOUND when the server name does not resolve. */
int ct_listcli_fetch(struct ct_listcli *lc);
const struct ct_listcli_status *ct_listcli_status(const struct ct_listcli *lc);
/* True when a user name carries a key fingerprint ("name-<16 hex>", spec §5.5). */
int ct_listcli_has_fingerprint(const char *user);
/* Splits a `server` value at commas and blanks into at most max names of at most 255 bytes
 * each; returns how many there are (more than max, or an over-long name, counts too, so the
 * caller can refuse the line). */
size_t ct_listcli_split(const char *spec, char (*names)[256], size_t max);

#endif
