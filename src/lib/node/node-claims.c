/* node-claims.c: presence you can believe: who may change the host table (accept), new hosts confirmed by asking their address, moves, takeovers and exits checked at the known address. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "clock.h"
#include "codec.h"
#include "evloop.h"
#include "log.h"
#include "node-int.h"
#include "targets.h"
#include "util.h"

#define CT_CLAIM_MAX 1024        /* pending claims; the oldest is dropped beyond */
#define SOLICIT_SLOTS 4096       /* recent BR_ENTRY destinations (a power of two) */
#define SOLICIT_MS 10000         /* an ANSENTRY within this of our BR_ENTRY is solicited */
#define CLAIM_REASK_MS 3000      /* the second question (a Windows-style peer answers in 0-4 s) */
#define CLAIM_WINDOW_MS 7000     /* a claim is decided this long after it came */
#define CLAIM_TICK_MS 250
#define PROBE_RATE 200.0         /* questions per second, all claims together */
#define PROBE_BURST 50.0
#define CLAIM_STR_MAX 512        /* names of a claim, all together (longer claims are not held) */
#define PRES_LOG_MS 60000        /* at most one presence summary line per minute */
#define CLAIM_HASH_BITS 11        /* address buckets of the claims index (2048) */

enum claim_kind {
	CLAIM_NEW,      /* an unsolicited entry from an address nobody online has */
	CLAIM_MOVE,     /* an online (user, host) from another address */
	CLAIM_TAKEOVER, /* other names from the address of an online host */
	CLAIM_EXIT,     /* BR_EXIT for an online host */
};

struct ct_claim {
	uint8_t used, kind, asked;
	uint8_t claim_answered;  /* the claimed address answered our question with the claimed names */
	uint8_t known_answered;  /* the known host answered at its known address with its known names */
	int cap_utf8;
	uint32_t mode, status;
	uint64_t t0, seq;
	struct ct_haddr from;    /* where the claim came from (the claimed address) */
	struct ct_haddr known;   /* MOVE: the known address; TAKEOVER, EXIT: = from */
	char *user, *host, *nick, *group; /* the claimed names (one allocation, in strs) */
	char *kuser, *khost;     /* TAKEOVER, EXIT: the known host's names */
	char *strs;
};

/* Claims by address and by age, so that an entry packet costs a bucket, not a scan of every
 * pending claim (a flood of forged sources keeps the table full). Chain 0 holds every claim by
 * its claimed address, chain 1 the moves by their known address; the age list is in creation
 * order (its oldest is dropped when the table is full); free slots are a stack. */
#define NIL (-1)
struct ct_claim_index {
	int16_t head[2][1 << CLAIM_HASH_BITS];
	int16_t next[2][CT_CLAIM_MAX];
	int16_t older[CT_CLAIM_MAX], newer[CT_CLAIM_MAX];
	int16_t oldest, newest, nfree;
	int16_t freel[CT_CLAIM_MAX];
};

static size_t bucket(const struct ct_haddr *a)
{
	return (size_t)(((ct_haddr_hash_ip(a) ^ a->port) * 0x9E3779B97F4A7C15ull) >> (64 - CLAIM_HASH_BITS));
}

static int claims_alloc(struct ct_node *n)
{
	struct ct_claim_index *x;

	if (n->claims)
		return 0;
	n->claims = calloc(CT_CLAIM_MAX, sizeof *n->claims);
	n->claim_idx = x = malloc(sizeof *x);
	if (!n->claims || !x) {
		free(n->claims);
		free(x);
		n->claims = NULL;
		n->claim_idx = NULL;
		return -1;
	}
	memset(x->head, 0xff, sizeof x->head); /* NIL */
	x->oldest = x->newest = NIL;
	x->nfree = CT_CLAIM_MAX;
	for (int i = 0; i < CT_CLAIM_MAX; i++)
		x->freel[i] = (int16_t)(CT_CLAIM_MAX - 1 - i); /* slot 0 first */
	return 0;
}

static void chain_del(struct ct_claim_index *x, int ch, size_t b, int16_t i)
{
	for (int16_t *p = &x->head[ch][b]; *p != NIL; p = &x->next[ch][*p])
		if (*p == i) {
			*p = x->next[ch][i];
			return;
		}
}

/* a used slot into the chains and at the young end of the age list */
static void idx_link(struct ct_node *n, int16_t i)
{
	struct ct_claim_index *x = n->claim_idx;
	const struct ct_claim *c = &n->claims[i];
	size_t b = bucket(&c->from);

	x->next[0][i] = x->head[0][b];
	x->head[0][b] = i;
	if (c->kind == CLAIM_MOVE) {
		b = bucket(&c->known);
		x->next[1][i] = x->head[1][b];
		x->head[1][b] = i;
	}
	x->older[i] = x->newest;
	x->newer[i] = NIL;
	if (x->newest != NIL)
		x->newer[x->newest] = i;
	else
		x->oldest = i;
	x->newest = i;
}

static void idx_unlink(struct ct_node *n, int16_t i)
{
	struct ct_claim_index *x = n->claim_idx;
	const struct ct_claim *c = &n->claims[i];

	chain_del(x, 0, bucket(&c->from), i);
	if (c->kind == CLAIM_MOVE)
		chain_del(x, 1, bucket(&c->known), i);
	if (x->older[i] != NIL)
		x->newer[x->older[i]] = x->newer[i];
	else
		x->oldest = x->newer[i];
	if (x->newer[i] != NIL)
		x->older[x->newer[i]] = x->older[i];
	else
		x->newest = x->older[i];
	x->freel[x->nfree++] = i;
}

static const char *const kind_name[] = { "new host", "move", "takeover", "exit" };

/* ---- solicited answers: where we sent BR_ENTRY lately ---- */

static size_t slot_of(uint32_t a, uint16_t port)
{
	return (size_t)(((a ^ ((uint32_t)port << 16)) * 2654435761u) >> 20) & (SOLICIT_SLOTS - 1);
}

void ct_node_claims_sent(struct ct_node *n, const struct ct_haddr *to)
{
	uint64_t now = ct_evloop_now_ms(n->ev) + 1;
	uint32_t a;

	if (to->family != AF_INET)
		return;
	a = ct_haddr_v4(to);
	for (size_t i = 0; i < n->nbcast; i++)
		if (ct_haddr_v4(&n->bcast[i]) == a || a == 0xFFFFFFFFu) {
			n->bcast_ms = now;
			return;
		}
	if (!n->solicit && !(n->solicit = calloc(SOLICIT_SLOTS, sizeof *n->solicit)))
		return;
	n->solicit[slot_of(a, to->port)].addr = a;
	n->solicit[slot_of(a, to->port)].port = to->port;
	n->solicit[slot_of(a, to->port)].ms = now;
}

/* Milliseconds since our last BR_ENTRY to (a, port), or UINT64_MAX. */
static uint64_t since_sent(const struct ct_node *n, uint32_t a, uint16_t port, uint64_t now)
{
	size_t s = slot_of(a, port);

	if (!n->solicit || n->solicit[s].addr != a || n->solicit[s].port != port || !n->solicit[s].ms)
		return UINT64_MAX;
	return now + 1 - n->solicit[s].ms;
}

static int sent_to(const struct ct_node *n, uint32_t a, uint16_t port, uint64_t now)
{
	return since_sent(n, a, port, now) <= SOLICIT_MS;
}

/* An ANSENTRY is solicited when we sent BR_ENTRY to its address, or to a broadcast covering it
 * (our own segments' broadcast, or a directed broadcast of a /16../30 around it), in the last
 * SOLICIT_MS. So is a BR_ENTRY from an address we asked by unicast: another node that confirms
 * claims asks back with BR_ENTRY before it answers (two camtraced meeting). */
static int solicited(const struct ct_node *n, const struct ct_node_rx *rx)
{
	uint32_t a = ct_haddr_v4(&rx->from);

	if (rx->from.family != AF_INET)
		return 0;
	if (rx->m->mode == CT_IPMSG_BR_ENTRY)
		return sent_to(n, a, rx->from.port, rx->now_ms);
	if (rx->m->mode != CT_IPMSG_ANSENTRY)
		return 0;
	if (n->bcast_ms && rx->now_ms + 1 - n->bcast_ms <= SOLICIT_MS && ct_node_is_local(n, &rx->from))
		return 1;
	if (sent_to(n, a, rx->from.port, rx->now_ms))
		return 1;
	for (unsigned p = 16; p <= 30; p++)
		if (sent_to(n, a | ((1u << (32 - p)) - 1), rx->from.port, rx->now_ms))
			return 1;
	return 0;
}

/* ---- bookkeeping ---- */

static void pres_log(struct ct_node *n, uint64_t now)
{
	struct ct_node_presence_stats *p = &n->pres, *l = &n->pres_logged;

	if (n->pres_log_ms && now + 1 - n->pres_log_ms < PRES_LOG_MS)
		return;
	if (p->refused_outside == l->refused_outside && p->moves_refused == l->moves_refused &&
	    p->exits_refused == l->exits_refused && p->takeovers_refused == l->takeovers_refused &&
	    p->unconfirmed_expired == l->unconfirmed_expired && p->pending_dropped == l->pending_dropped)
		return;
	log_notice("presence: refused %llu entry packets from outside `accept`, %llu moves, %llu exits, "
		"%llu takeovers (the known host answered); %llu claims never confirmed, %llu dropped (table full)%s; "
		"if refused hosts are yours, add their network to `accept`",
		(unsigned long long)(p->refused_outside - l->refused_outside),
		(unsigned long long)(p->moves_refused - l->moves_refused),
		(unsigned long long)(p->exits_refused - l->exits_refused),
		(unsigned long long)(p->takeovers_refused - l->takeovers_refused),
		(unsigned long long)(p->unconfirmed_expired - l->unconfirmed_expired),
		(unsigned long long)(p->pending_dropped - l->pending_dropped),
		n->pres_log_ms ? " in the last minute" : "");
	*l = *p;
	n->pres_log_ms = now + 1;
}

static void claim_clear(struct ct_node *n, struct ct_claim *c)
{
	idx_unlink(n, (int16_t)(c - n->claims));
	free(c->strs);
	memset(c, 0, sizeof *c);
	n->nclaims--;
}

static int names_eq(const char *u1, const char *h1, const char *u2, const char *h2)
{
	return u1 && h1 && u2 && h2 && strcmp(u1, u2) == 0 && strcmp(h1, h2) == 0;
}

static char *put(char **p, const char *s)
{
	char *d = *p;
	size_t l = strlen(s ? s : "");

	memcpy(d, s ? s : "", l + 1);
	*p += l + 1;
	return d;
}

static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 1;
}

static void on_tick(struct ct_evloop *ev, uint64_t id, void *ud);

/* A new claim (the oldest one goes when the table is full); NULL when out of memory or the
 * names are too long to hold. */
static struct ct_claim *claim_new(struct ct_node *n, enum claim_kind kind, const struct ct_node_rx *rx,
	const struct ct_host_info *in, const struct ct_host *known)
{
	struct ct_claim *c;
	size_t need = slen(in->user) + slen(in->host) + slen(in->nick) + slen(in->group) +
		(known ? slen(known->user) + slen(known->host) : 2);
	char *p;
	int16_t i;

	if (need > CLAIM_STR_MAX || claims_alloc(n) != 0)
		return NULL;
	if (n->claim_idx->nfree == 0) {
		struct ct_claim *oldest = &n->claims[n->claim_idx->oldest];
		char b[CT_HADDR_STRLEN];
		log_debug("presence: claims table full; dropped the %s claim from %s", kind_name[oldest->kind],
			ct_haddr_str(&oldest->from, b, sizeof b));
		n->pres.pending_dropped++;
		claim_clear(n, oldest);
	}
	if (!(p = malloc(need)))
		return NULL;
	i = n->claim_idx->freel[--n->claim_idx->nfree];
	c = &n->claims[i];
	c->strs = p;
	c->used = 1;
	n->nclaims++;
	c->kind = (uint8_t)kind;
	c->mode = rx->m->mode;
	c->cap_utf8 = (rx->m->opts & CT_IPMSG_CAPUTF8OPT) != 0;
	c->status = in->status;
	c->t0 = rx->now_ms;
	c->seq = ++n->claim_seq;
	c->from = rx->from;
	c->known = known ? known->addr : rx->from;
	c->user = put(&p, in->user);
	c->host = put(&p, in->host);
	c->nick = put(&p, in->nick);
	c->group = put(&p, in->group);
	c->kuser = put(&p, known ? known->user : "");
	c->khost = put(&p, known ? known->host : "");
	idx_link(n, i);
	if (!n->t_claims) {
		if (n->probe_pace.rate == 0)
			ct_pace_init(&n->probe_pace, PROBE_RATE, PROBE_BURST, rx->now_ms);
		n->t_claims = ct_evloop_add_timer(n->ev, CLAIM_TICK_MS, on_tick, n);
	}
	return c;
}

static struct ct_claim *claim_find(struct ct_node *n, enum claim_kind kind, const struct ct_haddr *from,
	const char *user, const char *host)
{
	if (!n->nclaims || !n->claim_idx)
		return NULL;
	for (int16_t i = n->claim_idx->head[0][bucket(from)]; i != NIL; i = n->claim_idx->next[0][i]) {
		struct ct_claim *c = &n->claims[i];
		if (c->kind == kind && ct_haddr_eq(&c->from, from) &&
		    (kind == CLAIM_EXIT || names_eq(c->user, c->host, user, host)))
			return c;
	}
	return NULL;
}

/* One unicast BR_ENTRY to a (DIALUPOPT when not local), within the global pace; a question
 * sent there within the last second and not answered yet counts. Returns 1 when asked. */
static int ask(struct ct_node *n, const struct ct_haddr *a, uint64_t now)
{
	uint64_t since = since_sent(n, ct_haddr_v4(a), a->port, now);

	if (since < 1000) {
		const struct ct_host *h = ct_hosts_find_addr(n->hosts, a);
		if (!h || h->seen_ms < now - since)
			return 1; /* asked, no answer yet: the answer will serve this claim too */
	}
	if (!ct_pace_take(&n->probe_pace, now, 1))
		return 0;
	ct_node_send_entry(n, a, CT_IPMSG_BR_ENTRY, ct_node_is_local(n, a) ? 0 : CT_IPMSG_DIALUPOPT);
	return 1;
}

/* What an entry packet from rx->from with names tells one pending claim. */
static void settle_one(struct ct_claim *c, const struct ct_node_rx *rx, const struct ct_host_info *in, int solic)
{
	if (rx->now_ms < c->t0)
		return;
	if (c->kind == CLAIM_MOVE) {
		if (ct_haddr_eq(&c->known, &rx->from) && names_eq(c->user, c->host, in->user, in->host))
			c->known_answered = 1;
		else if (solic && ct_haddr_eq(&c->from, &rx->from) && names_eq(c->user, c->host, in->user, in->host))
			c->claim_answered = 1;
	} else if (ct_haddr_eq(&c->from, &rx->from)) {
		if (c->kind != CLAIM_NEW && names_eq(c->kuser, c->khost, in->user, in->host))
			c->known_answered = 1;
		else if (solic && c->kind != CLAIM_EXIT && names_eq(c->user, c->host, in->user, in->host))
			c->claim_answered = 1;
	}
}

/* An entry packet from an address with names: what it tells the pending claims made from that
 * address, and the moves away from it (one bucket each). */
static void settle(struct ct_node *n, const struct ct_node_rx *rx, const struct ct_host_info *in, int solic)
{
	const struct ct_claim_index *x = n->claim_idx;
	size_t b = bucket(&rx->from);

	if (!n->nclaims || !x)
		return;
	for (int16_t i = x->head[0][b]; i != NIL; i = x->next[0][i])
		settle_one(&n->claims[i], rx, in, solic);
	for (int16_t i = x->head[1][b]; i != NIL; i = x->next[1][i])
		if (!ct_haddr_eq(&n->claims[i].from, &rx->from)) /* not met in the first chain */
			settle_one(&n->claims[i], rx, in, solic);
}

/* ---- deciding ---- */

static void apply_claim(struct ct_node *n, struct ct_claim *c, uint64_t now)
{
	struct ct_host_info in;

	memset(&in, 0, sizeof in);
	in.user = c->user;
	in.host = c->host;
	in.nick = c->nick;
	in.group = c->group;
	in.addr = c->from;
	in.status = c->status;
	ct_node_entry_apply(n, &in, c->mode, c->cap_utf8, now, ct_wall_now());
}

/* Decides c when it can be (early for a refusal or a confirmed new host, else at the end of
 * the window); returns 1 when c was decided (and cleared). */
static int decide(struct ct_node *n, struct ct_claim *c, uint64_t now)
{
	int end = now - c->t0 >= CLAIM_WINDOW_MS;
	char b[CT_HADDR_STRLEN], k[CT_HADDR_STRLEN];

	ct_haddr_str(&c->from, b, sizeof b);
	ct_haddr_str(&c->known, k, sizeof k);
	if (c->known_answered && c->kind != CLAIM_NEW) {
		if (c->kind == CLAIM_MOVE)
			n->pres.moves_refused++;
		else if (c->kind == CLAIM_EXIT)
			n->pres.exits_refused++;
		else
			n->pres.takeovers_refused++;
		log_debug("presence: %s claim for %s@%s from %s refused: the known host answered at %s",
			kind_name[c->kind], c->kind == CLAIM_MOVE ? c->user : c->kuser,
			c->kind == CLAIM_MOVE ? c->host : c->khost, b, k);
		pres_log(n, now);
	} else if (c->kind == CLAIM_NEW && c->claim_answered) {
		/* the answer itself was solicited and applied: nothing left to do */
	} else if (!end) {
		return 0;
	} else if (c->kind == CLAIM_EXIT) {
		struct ct_host *h = ct_hosts_find(n->hosts, c->kuser, c->khost);
		if (h && h->state != CT_HOST_OFFLINE && ct_haddr_eq(&h->addr, &c->from)) {
			ct_hosts_set_offline(n->hosts, h, CT_HOST_GONE_EXIT, ct_wall_now());
			log_info("host %s@%s at %s left (BR_EXIT; it did not answer at that address)", h->user, h->host, b);
		}
		n->pres.exits_applied++;
	} else if (c->claim_answered && c->kind != CLAIM_NEW) {
		if (c->kind == CLAIM_MOVE)
			n->pres.moves_applied++;
		else
			n->pres.takeovers_applied++;
		log_info("presence: %s of %s@%s to %s applied (%s did not answer with its names)",
			kind_name[c->kind], c->user, c->host, b, k);
		apply_claim(n, c, now);
	} else {
		n->pres.unconfirmed_expired++;
		log_debug("presence: %s claim %s@%s from %s never confirmed", kind_name[c->kind], c->user, c->host, b);
		pres_log(n, now);
	}
	claim_clear(n, c);
	return 1;
}

static void on_tick(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_node *n = ud;
	uint64_t now = ct_evloop_now_ms(ev);

	(void)id;
	n->t_claims = 0;
	for (size_t i = 0; n->nclaims && i < CT_CLAIM_MAX; i++) {
		struct ct_claim *c = &n->claims[i];
		if (!c->used || decide(n, c, now))
			continue;
		/* ask at 0 and CLAIM_REASK_MS: the known address (move) and the claimed one */
		if (c->asked == 0 || (c->asked == 1 && now - c->t0 >= CLAIM_REASK_MS)) {
			int ok = 1;
			if (c->kind == CLAIM_MOVE)
				ok = ask(n, &c->known, now);
			if (ok && !c->claim_answered)
				ok = ask(n, &c->from, now);
			c->asked += ok;
		}
	}
	if (n->nclaims)
		n->t_claims = ct_evloop_add_timer(ev, CLAIM_TICK_MS, on_tick, n);
}

/* ---- the entry points ---- */

/* Every IP Messenger client answers BR_ENTRY with ANSENTRY (tools such as camtrace route, scan
 * and doctor wait for it), also while the sender is asked or outside accept: after the usual
 * delay, within the questions' pace (a forged source gets no more than a question would). */
static void answer(struct ct_node *n, const struct ct_node_rx *rx)
{
	if (rx->m->mode != CT_IPMSG_BR_ENTRY)
		return;
	if (n->probe_pace.rate == 0)
		ct_pace_init(&n->probe_pace, PROBE_RATE, PROBE_BURST, rx->now_ms);
	if (ct_pace_take(&n->probe_pace, rx->now_ms, 1))
		ct_node_answer_entry(n, &rx->from, (rx->m->opts & CT_IPMSG_CAPUTF8OPT) != 0);
}

static int outside(struct ct_node *n, const struct ct_node_rx *rx)
{
	char b[CT_HADDR_STRLEN];

	if (!n->conf.accept || ct_targets_match(n->conf.accept, &rx->from))
		return 0;
	n->pres.refused_outside++;
	pres_log(n, rx->now_ms);
	log_limited(CT_LOG_DEBUG, "presence: %s from %s refused: outside `accept`",
		ct_codec_cmd_name(CT_IPMSG_MODE(rx->m->mode)), ct_haddr_str(&rx->from, b, sizeof b));
	answer(n, rx);
	/* a list server elsewhere announcing itself by unicast (DIALUPOPT, its notification):
	 * not a user of ours, but it hears our own presence, BR_EXIT included (up to 16 peers) */
	if (rx->m->mode == CT_IPMSG_BR_ENTRY && (rx->m->opts & CT_IPMSG_DIALUPOPT) && (rx->m->opts & CT_IPMSG_SERVEROPT))
		ct_node_add_peer(n, &rx->from);
	return 1;
}

/* Registers (or finds) the claim and asks at once. */
static void hold(struct ct_node *n, enum claim_kind kind, const struct ct_node_rx *rx,
	const struct ct_host_info *in, const struct ct_host *known)
{
	struct ct_claim *c = claim_find(n, kind, &rx->from, in->user, in->host);

	if (c || !(c = claim_new(n, kind, rx, in, known)))
		return;
	if (kind == CLAIM_NEW)
		answer(n, rx);
	if (kind == CLAIM_MOVE)
		c->asked = (uint8_t)ask(n, &c->known, rx->now_ms);
	if (kind != CLAIM_MOVE || c->asked)
		c->asked = (uint8_t)ask(n, &c->from, rx->now_ms);
}

int ct_node_claims_entry(struct ct_node *n, const struct ct_node_rx *rx, const struct ct_host_info *in)
{
	struct ct_host *hn, *ha;
	int solic;

	if (outside(n, rx))
		return 0;
	if (!n->conf.confirm_claims)
		return 1;
	solic = solicited(n, rx);
	settle(n, rx, in, solic);
	hn = ct_hosts_find(n->hosts, in->user, in->host);
	ha = ct_hosts_find_addr(n->hosts, &rx->from);
	if (hn && hn->state == CT_HOST_OFFLINE)
		hn = NULL;
	if (ha && ha->state == CT_HOST_OFFLINE)
		ha = NULL;
	if (hn && ct_haddr_eq(&hn->addr, &rx->from))
		return 1; /* what we know, from where we know it */
	if (hn) {
		hold(n, CLAIM_MOVE, rx, in, hn);
		return 0;
	}
	if (ha) {
		hold(n, CLAIM_TAKEOVER, rx, in, ha);
		return 0;
	}
	if (solic) {
		n->pres.confirmed += claim_find(n, CLAIM_NEW, &rx->from, in->user, in->host) != NULL;
		return 1;
	}
	hold(n, CLAIM_NEW, rx, in, NULL);
	return 0;
}

int ct_node_claims_exit(struct ct_node *n, const struct ct_node_rx *rx)
{
	struct ct_host *ha;
	struct ct_host_info in;

	if (outside(n, rx))
		return 0;
	if (!n->conf.confirm_claims)
		return 1;
	if (!(ha = ct_hosts_find_addr(n->hosts, &rx->from)) || ha->state == CT_HOST_OFFLINE)
		return 0;
	memset(&in, 0, sizeof in);
	in.user = ha->user;
	in.host = ha->host;
	in.addr = rx->from;
	hold(n, CLAIM_EXIT, rx, &in, ha);
	return 0;
}

void ct_node_presence_stats(const struct ct_node *n, struct ct_node_presence_stats *out)
{
	*out = n->pres;
	out->pending = n->nclaims;
}

void ct_node_claims_fini(struct ct_node *n)
{
	ct_evloop_cancel_timer(n->ev, n->t_claims);
	n->t_claims = 0;
	for (size_t i = 0; n->claims && i < CT_CLAIM_MAX; i++)
		free(n->claims[i].strs);
	free(n->claims);
	free(n->claim_idx);
	free(n->solicit);
	n->claims = NULL;
	n->claim_idx = NULL;
	n->solicit = NULL;
	n->nclaims = 0;
}
