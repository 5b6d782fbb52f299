/* node-guard.c: the node's guard: per-source and global answer budgets, credit and verification against reflection, drop counters and their summary line. */
#include "config.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "node-int.h"
#include "util.h"

#define WAYS 8           /* the table is set-associative: a source lives in one set of WAYS slots */
#define PROBE_RATE 50.0  /* verification probes per second in total */
#define SEEN_BITS 4096   /* per class: distinct sources dropped to in a summary window */
/* ANSPUBKEY is ~9 times its GETPUBKEY: its own per-source bucket, well under answer_rate */
#define PUBKEY_RATE 1.0
#define PUBKEY_BURST 3.0

struct gsrc {
	struct ct_haddr a;
	uint64_t last_ms;     /* last packet from it or answer to it */
	uint64_t asked_ms;    /* last unicast question we sent it (0 = none) */
	uint64_t verified_ms; /* last answer to one of our questions (0 = never) */
	uint64_t probe_ms;    /* last verification probe (0 = none) */
	uint64_t rx_bytes, tx_bytes; /* its datagrams' bytes, our answers' bytes */
	struct ct_pace ans, msglog, pubkey;
	uint8_t asked_mode;   /* what we asked: BR_ENTRY, GETINFO or SENDMSG */
	uint8_t used;
};

struct ct_guard {
	struct gsrc *v;
	size_t nsets;
	struct ct_pace total, bytes, unverified, probes, msglog;
	int pend;             /* class of the admitted answer the next send carries (-1 = none) */
	struct ct_haddr pend_to;
	/* the summary window; sources are counted in a bitmap by address hash (a source evicted
	 * and seen again is not counted twice; collisions make the count a little low) */
	uint64_t win_start;
	uint64_t win_drop[CT_GUARD_NCLASS][CT_GUARD_NREASON], win_srcs[CT_GUARD_NCLASS];
	uint64_t win_seen[CT_GUARD_NCLASS][SEEN_BITS / 64];
	uint64_t win_log, win_err[CT_GUARD_NERR];
	char win_err_last[96];
	struct ct_guard_stats st;
};

static const char *const class_names[CT_GUARD_NCLASS] = {
	"ansentry", "sendinfo", "sendabsenceinfo", "recvmsg", "okgetlist", "anslist", "probe", "anspub",
};
static const char *const class_wire[CT_GUARD_NCLASS] = {
	"ANSENTRY answers", "SENDINFO answers", "SENDABSENCEINFO answers", "RECVMSG answers",
	"OKGETLIST answers", "ANSLIST answers", "GETINFO probes", "ANSPUBKEY answers",
};
static const char *const reason_names[CT_GUARD_NREASON] = {
	"source_rate", "unverified_rate", "total_rate", "total_bytes", "credit",
};
static const char *const reason_text[CT_GUARD_NREASON] = {
	"over the per-source rate", "over the unverified total", "over the total rate",
	"over the bytes/s budget", "over an unverified source's credit",
};
static const char *const err_names[CT_GUARD_NERR] = { "buffer_full", "unreachable", "other" };

const char *ct_guard_class_name(enum ct_guard_class c) { return (unsigned)c < CT_GUARD_NCLASS ? class_names[c] : "?"; }
const char *ct_guard_reason_name(enum ct_guard_reason r) { return (unsigned)r < CT_GUARD_NREASON ? reason_names[r] : "?"; }
const char *ct_guard_senderr_name(enum ct_guard_senderr e) { return (unsigned)e < CT_GUARD_NERR ? err_names[e] : "?"; }

static double dflt(double v, double d) { return v > 0 ? v : d; }

/* The buckets follow the configuration (a reload changes it): rate and burst set before each use. */
static void pace_conf(struct ct_pace *p, double rate, double burst)
{
	p->rate = rate;
	p->burst = burst;
	if (p->tokens > burst)
		p->tokens = burst;
}

static struct ct_guard *guard(struct ct_node *n)
{
	struct ct_guard *g = n->guard;
	size_t want = n->conf.guard_sources ? n->conf.guard_sources : 4096, sets = 1;
	uint64_t now = ct_evloop_now_ms(n->ev);

	if (g)
		return g;
	while (sets * WAYS < want)
		sets *= 2;
	if (!(g = calloc(1, sizeof *g)) || !(g->v = calloc(sets * WAYS, sizeof *g->v))) {
		free(g);
		return NULL;
	}
	g->nsets = sets;
	g->pend = -1;
	g->win_start = now;
	ct_pace_init(&g->total, 1, 1, now);
	ct_pace_init(&g->bytes, 1, 1, now);
	ct_pace_init(&g->unverified, 1, 1, now);
	ct_pace_init(&g->probes, PROBE_RATE, PROBE_RATE, now);
	ct_pace_init(&g->msglog, 1, 1, now);
	g->total.tokens = g->bytes.tokens = g->unverified.tokens = g->msglog.tokens = 1e18; /* full */
	n->guard = g;
	return g;
}

void ct_node_guard_free(struct ct_node *n)
{
	if (n->guard) {
		free(n->guard->v);
		free(n->guard);
		n->guard = NULL;
	}
}

static int loopback(const struct ct_haddr *a)
{
	return a->family == AF_INET && (ct_haddr_v4(a) >> 24) == 127;
}

static int verified(const struct gsrc *e, uint64_t now)
{
	return e->verified_ms && now - e->verified_ms < CT_GUARD_VERIFY_MS;
}

/* The source's slot (add: made when missing, replacing the oldest unverified one of its set, or
 * the oldest when all are verified); NULL when missing and not added. */
static struct gsrc *slot(struct ct_guard *g, const struct ct_haddr *a, uint64_t now, int add)
{
	struct gsrc *set = &g->v[(ct_haddr_hash_ip(a) & (g->nsets - 1)) * WAYS], *free_s = NULL;
	struct gsrc *old_u = NULL, *old = NULL;

	for (int i = 0; i < WAYS; i++) {
		struct gsrc *e = &set[i];
		if (!e->used) {
			if (!free_s)
				free_s = e;
			continue;
		}
		if (ct_haddr_same_ip(&e->a, a))
			return e;
		if (!verified(e, now) && (!old_u || e->last_ms < old_u->last_ms))
			old_u = e;
		if (!old || e->last_ms < old->last_ms)
			old = e;
	}
	if (!add)
		return NULL;
	struct gsrc *e = free_s ? free_s : old_u ? old_u : old;
	if (e->used)
		g->st.evicted++;
	memset(e, 0, sizeof *e);
	e->used = 1;
	e->a = *a;
	e->last_ms = now;
	ct_pace_init(&e->ans, 1, 1, now);
	ct_pace_init(&e->msglog, 1, 1, now);
	ct_pace_init(&e->pubkey, PUBKEY_RATE, PUBKEY_BURST, now);
	e->ans.tokens = e->msglog.tokens = 1e18; /* full: pace_conf() caps it */
	return e;
}

static void drop(struct ct_guard *g, const struct ct_haddr *to, enum ct_guard_class c, enum ct_guard_reason why)
{
	uint64_t bit = ct_haddr_hash_ip(to) % SEEN_BITS, *w = &g->win_seen[c][bit / 64];

	g->st.dropped[c]++;
	g->st.dropped_by[why]++;
	if (ct_log_level_cur >= CT_LOG_DEBUG) {
		char b[CT_HADDR_STRLEN];
		log_limited(CT_LOG_DEBUG, "%s to %s dropped: %s", class_wire[c], ct_haddr_str(to, b, sizeof b),
			reason_text[why]);
	}
	g->win_drop[c][why]++;
	if (!(*w & (1ULL << (bit % 64)))) {
		*w |= 1ULL << (bit % 64);
		g->win_srcs[c]++;
	}
}

/* One line per window with something in it: what was dropped, why, to how many sources. */
static void summary(struct ct_node *n, struct ct_guard *g, uint64_t now)
{
	uint64_t iv = n->conf.guard_log_ms ? n->conf.guard_log_ms : 60000;
	char line[1400];
	size_t k = 0;
	int any = 0;

	if (now - g->win_start < iv)
		return;
#define ADD(...) (k += (size_t)snprintf(line + k, k < sizeof line ? sizeof line - k : 0, __VA_ARGS__))
	ADD("dropped in the last %llu s:", (unsigned long long)((now - g->win_start + 500) / 1000));
	for (int c = 0; c < CT_GUARD_NCLASS; c++) {
		uint64_t tot = 0;
		int first = 1;
		for (int r = 0; r < CT_GUARD_NREASON; r++)
			tot += g->win_drop[c][r];
		if (!tot)
			continue;
		ADD("%s %llu %s (", any ? ";" : "", (unsigned long long)tot, class_wire[c]);
		for (int r = 0; r < CT_GUARD_NREASON; r++)
			if (g->win_drop[c][r]) {
				ADD("%s%llu %s", first ? "" : ", ", (unsigned long long)g->win_drop[c][r], reason_text[r]);
				first = 0;
			}
		ADD(") to %llu source%s", (unsigned long long)g->win_srcs[c], g->win_srcs[c] == 1 ? "" : "s");
		any = 1;
	}
	if (g->win_log) {
		ADD("%s %llu SENDMSG log lines over the message_log_rate", any ? ";" : "", (unsigned long long)g->win_log);
		any = 1;
	}
	if (g->win_err[0] + g->win_err[1] + g->win_err[2]) {
		ADD("%s send errors: %llu buffer full, %llu unreachable, %llu other (last: %s)", any ? ";" : "",
			(unsigned long long)g->win_err[0], (unsigned long long)g->win_err[1],
			(unsigned long long)g->win_err[2], g->win_err_last);
		any = 1;
	}
#undef ADD
	if (any)
		log_notice("%s", line);
	memset(g->win_drop, 0, sizeof g->win_drop);
	memset(g->win_srcs, 0, sizeof g->win_srcs);
	memset(g->win_seen, 0, sizeof g->win_seen);
	memset(g->win_err, 0, sizeof g->win_err);
	g->win_log = 0;
	g->win_start = now;
}

void ct_node_guard_rx(struct ct_node *n, const struct ct_node_rx *rx, size_t len)
{
	struct ct_guard *g = guard(n);
	struct gsrc *e;
	uint32_t mode = CT_IPMSG_MODE(rx->m->mode);

	if (!g)
		return;
	summary(n, g, rx->now_ms);
	if (!(e = slot(g, &rx->from, rx->now_ms, 1)))
		return;
	e->rx_bytes += len;
	e->last_ms = rx->now_ms;
	/* the answer to the question asked: ANSENTRY to BR_ENTRY, SENDINFO to GETINFO, RECVMSG to SENDMSG */
	if (e->asked_ms && rx->now_ms - e->asked_ms <= CT_GUARD_ASK_MS &&
	    ((mode == CT_IPMSG_ANSENTRY && e->asked_mode == CT_IPMSG_BR_ENTRY) ||
	     (mode == CT_IPMSG_SENDINFO && e->asked_mode == CT_IPMSG_GETINFO) ||
	     (mode == CT_IPMSG_RECVMSG && e->asked_mode == CT_IPMSG_SENDMSG))) {
		if (!verified(e, rx->now_ms))
			g->st.verifications++;
		e->verified_ms = rx->now_ms;
	}
}

int ct_node_guard_admit(struct ct_node *n, const struct ct_haddr *to, enum ct_guard_class c)
{
	struct ct_guard *g = guard(n);
	uint64_t now = ct_evloop_now_ms(n->ev);
	double ar = dflt(n->conf.answer_rate, 20), tr = dflt(n->conf.answer_total_rate, 2000);
	double ur = dflt(n->conf.unverified_rate, 200);
	struct gsrc *e;

	if (!g)
		return 0;
	g->pend = -1;
	if (!(e = slot(g, to, now, 1)))
		return 0;
	pace_conf(&e->ans, ar, 2 * ar);
	pace_conf(&g->unverified, ur, ur);
	pace_conf(&g->total, tr, tr);
	/* list answers have their own per-source rate (the list server's list_rate) */
	if (c != CT_GUARD_OKGETLIST && c != CT_GUARD_ANSLIST && !ct_pace_take(&e->ans, now, 1)) {
		drop(g, to, c, CT_GUARD_SOURCE_RATE);
		return 0;
	}
	if (c == CT_GUARD_ANSPUBKEY && !ct_pace_take(&e->pubkey, now, 1)) {
		drop(g, to, c, CT_GUARD_SOURCE_RATE);
		return 0;
	}
	if (!loopback(to) && !verified(e, now) && !ct_pace_take(&g->unverified, now, 1)) {
		drop(g, to, c, CT_GUARD_UNVERIFIED_RATE);
		return 0;
	}
	if (!ct_pace_take(&g->total, now, 1)) {
		drop(g, to, c, CT_GUARD_TOTAL_RATE);
		return 0;
	}
	g->pend = (int)c;
	g->pend_to = *to;
	return 1;
}

void ct_node_guard_drop(struct ct_node *n, const struct ct_haddr *to, enum ct_guard_class c,
	enum ct_guard_reason why)
{
	struct ct_guard *g = guard(n);

	if (g)
		drop(g, to, c, why);
}

int ct_node_guard_verified(struct ct_node *n, const struct ct_haddr *a)
{
	struct ct_guard *g = guard(n);
	uint64_t now = ct_evloop_now_ms(n->ev);
	struct gsrc *e;

	if (loopback(a))
		return 1;
	return g && (e = slot(g, a, now, 0)) && verified(e, now);
}

size_t ct_node_guard_room(struct ct_node *n, const struct ct_haddr *to)
{
	struct ct_guard *g = guard(n);
	uint64_t now = ct_evloop_now_ms(n->ev);
	struct gsrc *e;

	if (loopback(to))
		return SIZE_MAX;
	if (!g || !(e = slot(g, to, now, 0)))
		return 0;
	if (verified(e, now))
		return SIZE_MAX;
	return e->tx_bytes < CT_GUARD_AMP * e->rx_bytes ? (size_t)(CT_GUARD_AMP * e->rx_bytes - e->tx_bytes) : 0;
}

void ct_node_guard_probe(struct ct_node *n, const struct ct_haddr *to)
{
	struct ct_guard *g = guard(n);
	uint64_t now = ct_evloop_now_ms(n->ev);
	struct gsrc *e;

	if (!g || loopback(to) || !(e = slot(g, to, now, 1)) || verified(e, now) ||
	    (e->probe_ms && now - e->probe_ms < CT_GUARD_ASK_MS))
		return;
	if (!ct_pace_take(&g->probes, now, 1)) {
		drop(g, to, CT_GUARD_PROBE, CT_GUARD_TOTAL_RATE);
		return;
	}
	g->pend = CT_GUARD_PROBE;
	g->pend_to = *to;
	/* GETINFO, not BR_ENTRY: list clients (camtraced, camtrace doctor, Windows-style clients) answer
	 * it with SENDINFO, which verifies them without announcing them; an ANSENTRY would be taken
	 * as their presence and list a tool that never sends BR_EXIT to the server */
	if (ct_node_send(n, to, CT_IPMSG_GETINFO, "", 0) == 0) {
		e->probe_ms = now;
		g->st.probes_sent++;
	}
}

int ct_node_guard_probing(struct ct_node *n, const struct ct_haddr *a, uint64_t within_ms)
{
	struct ct_guard *g = guard(n);
	uint64_t now = ct_evloop_now_ms(n->ev);
	struct gsrc *e;

	return g && (e = slot(g, a, now, 0)) && e->probe_ms && now - e->probe_ms < within_ms;
}

void ct_node_guard_cut(struct ct_node *n)
{
	struct ct_guard *g = guard(n);

	if (g)
		g->st.unverified_cut++;
}

int ct_node_guard_log_msg(struct ct_node *n, const struct ct_haddr *from)
{
	struct ct_guard *g = guard(n);
	uint64_t now = ct_evloop_now_ms(n->ev);
	double r = dflt(n->conf.message_log_rate, 1);
	struct gsrc *e;

	if (!g || !(e = slot(g, from, now, 1)))
		return 0;
	pace_conf(&e->msglog, r, 5 * r);
	pace_conf(&g->msglog, 20 * r, 100 * r);
	if (ct_pace_take(&e->msglog, now, 1) && ct_pace_take(&g->msglog, now, 1))
		return 1;
	g->st.log_suppressed++;
	g->win_log++;
	return 0;
}

static int is_broadcast(const struct ct_node *n, const struct ct_haddr *to)
{
	if (to->family != AF_INET || ct_haddr_v4(to) == 0xFFFFFFFFu)
		return 1;
	for (size_t i = 0; i < n->nbcast; i++)
		if (ct_haddr_same_ip(&n->bcast[i], to))
			return 1;
	return 0;
}

/* The command mode of a datagram we built ("1:packetno:user:host:command:..."), 0 when not found. */
static uint32_t out_mode(const char *p, size_t len)
{
	size_t i = 0;

	for (int colons = 0; i < len && colons < 4; i++)
		if (p[i] == ':')
			colons++;
	return i < len ? CT_IPMSG_MODE(strtoul(p + i, NULL, 10)) : 0;
}

int ct_node_guard_out(struct ct_node *n, const struct ct_haddr *to, const void *data, size_t len)
{
	struct ct_guard *g = guard(n);
	uint64_t now = ct_evloop_now_ms(n->ev);
	struct gsrc *e = NULL;
	uint32_t mode;

	if (!g)
		return 0;
	if (g->pend >= 0 && ct_haddr_same_ip(&g->pend_to, to)) {
		enum ct_guard_class c = (enum ct_guard_class)g->pend;
		double b = dflt(n->conf.answer_total_bytes, 4 << 20);
		g->pend = -1;
		if (!(e = slot(g, to, now, 1)))
			return CT_EAGAIN;
		if (!loopback(to) && !verified(e, now) && e->tx_bytes + len > CT_GUARD_AMP * e->rx_bytes) {
			drop(g, to, c, CT_GUARD_CREDIT);
			return CT_EAGAIN;
		}
		pace_conf(&g->bytes, b, b);
		if (!ct_pace_take(&g->bytes, now, (double)len)) {
			drop(g, to, c, CT_GUARD_TOTAL_BYTES);
			return CT_EAGAIN;
		}
		e->tx_bytes += len;
		e->last_ms = now;
	}
	g->pend = -1;
	mode = out_mode(data, len);
	if ((mode == CT_IPMSG_BR_ENTRY || mode == CT_IPMSG_GETINFO || mode == CT_IPMSG_SENDMSG) &&
	    !is_broadcast(n, to) && (e || (e = slot(g, to, now, 1)))) {
		e->asked_ms = now;
		e->asked_mode = (uint8_t)mode;
	}
	return 0;
}

void ct_node_guard_send_error(struct ct_node *n, const struct ct_haddr *to, int err)
{
	struct ct_guard *g = guard(n);
	enum ct_guard_senderr k;
	char b[CT_HADDR_STRLEN];

	if (!g)
		return;
	k = err == ENOBUFS || err == EAGAIN || err == EWOULDBLOCK ? CT_GUARD_ERR_BUFFER :
		err == EHOSTUNREACH || err == ENETUNREACH || err == ECONNREFUSED || err == EHOSTDOWN ?
		CT_GUARD_ERR_UNREACH : CT_GUARD_ERR_OTHER;
	g->st.send_errors[k]++;
	g->win_err[k]++;
	snprintf(g->win_err_last, sizeof g->win_err_last, "%s to %s", strerror(err), ct_haddr_str(to, b, sizeof b));
}

void ct_node_guard_stats(struct ct_node *n, struct ct_guard_stats *out)
{
	struct ct_guard *g = guard(n);
	uint64_t now = ct_evloop_now_ms(n->ev);

	memset(out, 0, sizeof *out);
	if (!g)
		return;
	*out = g->st;
	for (size_t i = 0; i < g->nsets * WAYS; i++)
		if (g->v[i].used) {
			out->tracked++;
			out->verified += verified(&g->v[i], now) ? 1 : 0;
		}
}
