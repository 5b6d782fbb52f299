/* nodefuzz.h: shared by the node fuzz targets: a loopback node per input, a counting log sink, the host table invariants. */
#ifndef CT_FUZZ_NODEFUZZ_H
#define CT_FUZZ_NODEFUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "evloop.h"
#include "hosts.h"
#include "log.h"
#include "node.h"

#define FZ_LOG_PER_INPUT 4096 /* log bytes one datagram may cost at most */

static size_t fz_log_bytes;

static void fz_log_sink(enum ct_log_level lvl, const char *func, const char *msg, void *ud)
{
	(void)lvl;
	(void)func;
	(void)ud;
	fz_log_bytes += strlen(msg) + 1;
}

static void fz_fail(const char *what)
{
	fprintf(stderr, "invariant broken: %s\n", what);
	abort();
}

/* A node on 127.0.0.1 at a free high port (answers go to loopback only). */
static struct ct_node *fz_node(struct ct_evloop *ev, struct ct_hosts *t, const char *user)
{
	static unsigned k;
	struct ct_node_conf c;
	struct ct_node *n = NULL;
	char err[256];

	ct_log_set_sink(fz_log_sink, NULL);
	ct_log_set_level(CT_LOG_DEBUG); /* every line counts against the log budget */
	memset(&c, 0, sizeof c);
	c.bind_addr = "127.0.0.1";
	c.user = user;
	c.host = "fuzzhost";
	c.nick = "fz";
	c.group = "grp";
	c.no_broadcast = 1;
	c.check_interval_ms = 0;
	c.entry_repeat_ms = 0;
	c.rcvbuf = 65536;
	for (unsigned i = 0; i < 200; i++) {
		c.port = (uint16_t)(30000 + (getpid() * 31 + k++) % 30000);
		if (ct_node_new(&n, ev, t, &c, err, sizeof err) == 0)
			return n;
	}
	fprintf(stderr, "no node: %s\n", err);
	abort();
}

/* The table's views agree: the ordered list, the name index, the address index, the live count;
 * no host has an empty user or host; every string is a C string (ASan checks the reads). */
static __attribute__((unused)) void fz_check_table(const struct ct_hosts *t)
{
	size_t n = ct_hosts_count(t), live = 0;

	for (size_t i = 0; i < n; i++) {
		struct ct_host *h = ct_hosts_at(t, i);
		if (!h || h->idx != i)
			fz_fail("ordered list and idx disagree");
		if (!h->user || !h->user[0] || !h->host || !h->host[0])
			fz_fail("host with an empty user or host");
		if (!h->nick || !h->group || strlen(h->nick) > 65536 || strlen(h->group) > 65536)
			fz_fail("nick/group");
		if (ct_hosts_find(t, h->user, h->host) != h)
			fz_fail("find by name does not return the host");
		if (ct_hosts_find_addr(t, &h->addr) != h)
			fz_fail("find by address does not return the host");
		if (h->state > CT_HOST_OFFLINE)
			fz_fail("state");
		if (h->state != CT_HOST_OFFLINE)
			live++;
	}
	if (live != ct_hosts_live(t))
		fz_fail("live count");
}

#endif
