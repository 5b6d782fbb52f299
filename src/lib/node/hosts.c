/* hosts.c: the host table: two hash indexes over one ordered vector, state and instability records. */
#include "config.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "err.h"
#include "hosts.h"
#include "log.h"

struct ct_hosts {
	struct ct_host **vec; /* insertion order */
	size_t n, cap;
	struct ct_host **by_name, **by_addr; /* chained buckets, nb a power of two */
	size_t nb;
	size_t live;
	uint64_t gen;
	/* bounds (ct_hosts_set_limits) */
	size_t max;
	uint64_t expiry_ms;
	uint64_t evicted, expired;
	uint64_t evict_unlogged;      /* evictions not yet in a warning */
	uint64_t evict_warn_ms;       /* monotonic time of the last warning */
	int evict_warned;
	uint64_t expire_run_ms;       /* monotonic time of the last expiry pass */
	int expire_ran;
	ct_hosts_watch_fn watch;      /* ct_hosts_set_watch() */
	void *watch_ud;
};

#define WATCH(t, h, ev) do { if ((t)->watch) (t)->watch((t), (h), (ev), (t)->watch_ud); } while (0)

void ct_hosts_set_watch(struct ct_hosts *t, ct_hosts_watch_fn fn, void *ud)
{
	t->watch = fn;
	t->watch_ud = ud;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t hash_name(const struct ct_hosts *t, const char *user, const char *host)
{
	uint64_t h = 14695981039346656037ULL;

	h = fnv(h, user, strlen(user) + 1);
	h = fnv(h, host, strlen(host));
	return (size_t)(h ^ (h >> 29)) & (t->nb - 1);
}

static size_t hash_addr(const struct ct_hosts *t, const struct ct_haddr *a)
{
	uint64_t h = 14695981039346656037ULL;

	h = fnv(h, &a->family, 1);
	h = fnv(h, a->ip, a->family == AF_INET6 ? 16 : 4);
	h = fnv(h, &a->port, sizeof a->port);
	return (size_t)(h ^ (h >> 29)) & (t->nb - 1);
}

static void link_host(struct ct_hosts *t, struct ct_host *h)
{
	size_t b = hash_name(t, h->user, h->host);
	h->next_name = t->by_name[b];
	t->by_name[b] = h;
	b = hash_addr(t, &h->addr);
	h->next_addr = t->by_addr[b];
	t->by_addr[b] = h;
}

static void unlink_addr(struct ct_hosts *t, struct ct_host *h)
{
	struct ct_host **pp = &t->by_addr[hash_addr(t, &h->addr)];

	for (; *pp; pp = &(*pp)->next_addr)
		if (*pp == h) {
			*pp = h->next_addr;
			return;
		}
}

static void unlink_name(struct ct_hosts *t, struct ct_host *h)
{
	struct ct_host **pp = &t->by_name[hash_name(t, h->user, h->host)];

	for (; *pp; pp = &(*pp)->next_name)
		if (*pp == h) {
			*pp = h->next_name;
			return;
		}
}

static int rehash(struct ct_hosts *t, size_t nb)
{
	struct ct_host **bn = calloc(nb, sizeof *bn), **ba = calloc(nb, sizeof *ba);

	if (!bn || !ba) {
		free(bn);
		free(ba);
		return CT_ENOMEM;
	}
	free(t->by_name);
	free(t->by_addr);
	t->by_name = bn;
	t->by_addr = ba;
	t->nb = nb;
	for (size_t i = 0; i < t->n; i++)
		link_host(t, t->vec[i]);
	return 0;
}

struct ct_hosts *ct_hosts_new(void)
{
	struct ct_hosts *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	if (rehash(t, 64) != 0) {
		free(t);
		return NULL;
	}
	t->max = CT_HOSTS_DEFAULT_MAX;
	t->expiry_ms = CT_HOSTS_DEFAULT_EXPIRY_MS;
	return t;
}

static void host_free(struct ct_host *h)
{
	free(h->flap_ms);
	free(h->strs);
	free(h);
}

void ct_hosts_free(struct ct_hosts *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		host_free(t->vec[i]);
	free(t->vec);
	free(t->by_name);
	free(t->by_addr);
	free(t);
}

size_t ct_hosts_count(const struct ct_hosts *t) { return t->n; }
struct ct_host *ct_hosts_at(const struct ct_hosts *t, size_t i) { return i < t->n ? t->vec[i] : NULL; }
uint64_t ct_hosts_generation(const struct ct_hosts *t) { return t->gen; }
size_t ct_hosts_live(const struct ct_hosts *t) { return t->live; }

struct ct_host *ct_hosts_find(const struct ct_hosts *t, const char *user, const char *host)
{
	for (struct ct_host *h = t->by_name[hash_name(t, user, host)]; h; h = h->next_name)
		if (strcmp(h->user, user) == 0 && strcmp(h->host, host) == 0)
			return h;
	return NULL;
}

struct ct_host *ct_hosts_find_addr(const struct ct_hosts *t, const struct ct_haddr *a)
{
	for (struct ct_host *h = t->by_addr[hash_addr(t, a)]; h; h = h->next_addr)
		if (ct_haddr_eq(&h->addr, a))
			return h;
	return NULL;
}

/* Stores the four strings in one allocation (names never change: they are the key). */
static int set_strings(struct ct_host *h, const char *user, const char *host, const char *nick,
	const char *group)
{
	size_t lu = strlen(user) + 1, lh = strlen(host) + 1, ln = strlen(nick) + 1, lg = strlen(group) + 1;
	char *s = malloc(lu + lh + ln + lg);

	if (!s)
		return CT_ENOMEM;
	memcpy(s, user, lu);
	memcpy(s + lu, host, lh);
	memcpy(s + lu + lh, nick, ln);
	memcpy(s + lu + lh + ln, group, lg);
	free(h->strs);
	h->strs = s;
	h->user = s;
	h->host = s + lu;
	h->nick = s + lu + lh;
	h->group = s + lu + lh + ln;
	return 0;
}

static int is_live(const struct ct_host *h) { return h->state != CT_HOST_OFFLINE; }

static void set_state(struct ct_hosts *t, struct ct_host *h, enum ct_host_state s, double now)
{
	if (h->state == s)
		return;
	if (is_live(h) && s == CT_HOST_OFFLINE)
		t->live--;
	else if (!is_live(h) && s != CT_HOST_OFFLINE)
		t->live++;
	h->state = (uint8_t)s;
	h->last_change = now;
	t->gen++;
}

void ct_hosts_remove(struct ct_hosts *t, struct ct_host *h)
{
	size_t i = h->idx;

	WATCH(t, h, CT_HOST_EV_REMOVE);
	unlink_name(t, h);
	unlink_addr(t, h);
	if (is_live(h))
		t->live--;
	memmove(&t->vec[i], &t->vec[i + 1], (t->n - i - 1) * sizeof *t->vec);
	t->n--;
	for (; i < t->n; i++)
		t->vec[i]->idx = i;
	host_free(h);
	t->gen++;
}

static void make_room(struct ct_hosts *t, uint64_t now_ms);

static int add_new(struct ct_hosts *t, const struct ct_host_info *in, uint64_t now_ms, struct ct_host **out)
{
	struct ct_host *h;

	if (t->max && t->n >= t->max)
		make_room(t, now_ms);
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct ct_host **nv = realloc(t->vec, nc * sizeof *nv);
		if (!nv)
			return CT_ENOMEM;
		t->vec = nv;
		t->cap = nc;
	}
	if (t->n + 1 > t->nb && rehash(t, t->nb * 2) != 0)
		return CT_ENOMEM;
	if (!(h = calloc(1, sizeof *h)))
		return CT_ENOMEM;
	if (set_strings(h, in->user, in->host, in->nick ? in->nick : "", in->group ? in->group : "") != 0) {
		free(h);
		return CT_ENOMEM;
	}
	h->addr = in->addr;
	h->state = CT_HOST_OFFLINE; /* set_state() below counts it live */
	h->idx = t->n;
	t->vec[t->n++] = h;
	link_host(t, h);
	*out = h;
	return 0;
}

int ct_hosts_update(struct ct_hosts *t, const struct ct_host_info *in, unsigned origin,
	enum ct_host_via via, uint64_t now_ms, double now_wall, struct ct_host **out)
{
	struct ct_host *h, *other;
	int r, fresh, changed = 0, flapped = 0;
	uint8_t was;

	if (!in->user || !in->host || !in->user[0] || !in->host[0])
		return CT_EINVAL;
	h = ct_hosts_find(t, in->user, in->host);
	other = ct_hosts_find_addr(t, &in->addr);
	if (other && other != h) {
		/* same addr:port under other names: the old identity is replaced */
		if (via == CT_HOST_VIA_LIST && h && !ct_haddr_eq(&h->addr, &in->addr) &&
		    !(h->addr.family == AF_INET6 && in->addr.family == AF_INET) &&
		    now_ms - h->addr_ms < 7000) {
			/* the list may not move a fresh host; leave both as they are */
		} else {
			ct_hosts_remove(t, other);
		}
	}
	fresh = !h;
	was = h ? h->state : CT_HOST_OFFLINE;
	if (!h) {
		if ((r = add_new(t, in, now_ms, &h)) != 0)
			return r;
		h->first_seen = now_wall;
		h->addr_ms = now_ms;
	} else {
		if (!ct_haddr_eq(&h->addr, &in->addr) && !ct_hosts_find_addr(t, &in->addr)) {
			int move = via == CT_HOST_VIA_PACKET || h->state == CT_HOST_OFFLINE ||
				(h->addr.family == AF_INET6 && in->addr.family == AF_INET) ||
				now_ms - h->addr_ms >= 7000;
			if (move) {
				unlink_addr(t, h);
				h->addr = in->addr;
				size_t b = hash_addr(t, &h->addr);
				h->next_addr = t->by_addr[b];
				t->by_addr[b] = h;
				h->addr_ms = now_ms;
				t->gen++;
				changed = 1;
			}
		}
		const char *nick = in->nick ? in->nick : h->nick, *group = in->group ? in->group : h->group;
		if (strcmp(nick, h->nick) != 0 || strcmp(group, h->group) != 0) {
			if ((r = set_strings(h, h->user, h->host, nick, group)) != 0)
				return r;
			t->gen++;
			changed = 1;
		}
		if (via == CT_HOST_VIA_PACKET && ct_haddr_eq(&h->addr, &in->addr))
			h->addr_ms = now_ms;
	}
	if (h->status != in->status) {
		h->status = in->status;
		t->gen++;
		changed = 1;
	}
	/* a flap: back after an outage we saw ourselves (it left, or stopped answering); a list
	 * entry is second hand and may be older than the BR_EXIT we heard, so it does not count */
	if (h->state == CT_HOST_OFFLINE && h->gone != CT_HOST_GONE_NONE && via == CT_HOST_VIA_PACKET) {
		h->flaps++;
		flapped = 1;
		(void)ct_host_add_flap(h, (int64_t)now_ms, now_wall);
	}
	h->gone = CT_HOST_GONE_NONE;
	h->origin |= (uint8_t)origin;
	set_state(t, h, (in->status & 0x100u) ? CT_HOST_ABSENT : CT_HOST_ONLINE, now_wall);
	if (via == CT_HOST_VIA_PACKET) {
		h->seen_ms = now_ms;
		h->pending = 0;
		h->missed_run = 0;
	} else if (h->seen_ms == 0) {
		h->seen_ms = now_ms;
	}
	h->last_seen = now_wall;
	if (t->watch) {
		enum ct_host_event ev = fresh ? CT_HOST_EV_JOIN : flapped ? CT_HOST_EV_FLAP :
			was == CT_HOST_OFFLINE ? CT_HOST_EV_BACK : was != h->state ?
			(h->state == CT_HOST_ABSENT ? CT_HOST_EV_ABSENT : CT_HOST_EV_BACK) :
			changed ? CT_HOST_EV_CHANGE : CT_HOST_EV_NONE;
		if (ev != CT_HOST_EV_NONE)
			WATCH(t, h, ev);
	}
	if (out)
		*out = h;
	return 0;
}

void ct_hosts_set_offline(struct ct_hosts *t, struct ct_host *h, enum ct_host_gone why, double now_wall)
{
	int news = h->state != CT_HOST_OFFLINE || h->gone != (uint8_t)why;

	h->gone = (uint8_t)why;
	h->pending = 0;
	set_state(t, h, CT_HOST_OFFLINE, now_wall);
	if (news && why != CT_HOST_GONE_NONE)
		WATCH(t, h, why == CT_HOST_GONE_LOST ? CT_HOST_EV_LOST : CT_HOST_EV_EXIT);
}

int ct_hosts_exit_addr(struct ct_hosts *t, const struct ct_haddr *a, double now_wall)
{
	struct ct_host *h = ct_hosts_find_addr(t, a);

	if (!h)
		return CT_ENOTFOUND;
	ct_hosts_set_offline(t, h, CT_HOST_GONE_EXIT, now_wall);
	return 0;
}

/* Removes the hosts marked with idx == SIZE_MAX in one pass; returns how many. */
static size_t sweep(struct ct_hosts *t)
{
	size_t j = 0, gone = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct ct_host *h = t->vec[i];
		if (h->idx == SIZE_MAX) {
			WATCH(t, h, CT_HOST_EV_REMOVE);
			unlink_name(t, h);
			unlink_addr(t, h);
			if (is_live(h))
				t->live--;
			host_free(h);
			gone++;
			continue;
		}
		h->idx = j;
		t->vec[j++] = h;
	}
	t->n = j;
	if (gone)
		t->gen++;
	return gone;
}

size_t ct_hosts_expire(struct ct_hosts *t, double before_wall)
{
	size_t gone;

	for (size_t i = 0; i < t->n; i++)
		if (t->vec[i]->state == CT_HOST_OFFLINE && t->vec[i]->last_seen < before_wall)
			t->vec[i]->idx = SIZE_MAX;
	gone = sweep(t);
	t->expired += gone;
	return gone;
}

/* ---- the cap: the hosts unseen longest go first ---- */

struct victim { int live; double seen; size_t idx; };

/* Order of eviction: offline before online, then the oldest last_seen, then the oldest entry. */
static int victim_before(const struct victim *a, const struct victim *b)
{
	if (a->live != b->live)
		return a->live < b->live;
	if (a->seen != b->seen)
		return a->seen < b->seen;
	return a->idx < b->idx;
}

static void vswap(struct victim *a, struct victim *b)
{
	struct victim t = *a;

	*a = *b;
	*b = t;
}

/* Moves the k first victims in eviction order to v[0..k) (quickselect, O(n) on average; the
 * keys are unique: the index breaks ties). */
static void select_first(struct victim *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t s = lo;
		vswap(&v[lo + (hi - lo) / 2], &v[hi - 1]);
		for (size_t i = lo; i < hi - 1; i++)
			if (victim_before(&v[i], &v[hi - 1]))
				vswap(&v[i], &v[s++]);
		vswap(&v[s], &v[hi - 1]); /* [lo, s) before the pivot at s, (s, hi) after it */
		if (k < s)
			hi = s;
		else if (k > s + 1)
			lo = s + 1;
		else
			break;
	}
}

static void make_room(struct ct_hosts *t, uint64_t now_ms)
{
	size_t k = t->n - t->max + 1 + (t->max >= 128 ? t->max / 128 : 0);
	struct victim *v;

	if (k > t->n)
		k = t->n;
	if (k == 1 || !(v = malloc(t->n * sizeof *v))) {
		/* one at a time (or no memory for the batch): a linear scan */
		struct victim best = { 2, 0, 0 };
		for (size_t i = 0; i < t->n; i++) {
			struct victim c = { is_live(t->vec[i]), t->vec[i]->last_seen, i };
			if (i == 0 || victim_before(&c, &best))
				best = c;
		}
		t->vec[best.idx]->idx = SIZE_MAX;
		k = 1;
	} else {
		for (size_t i = 0; i < t->n; i++)
			v[i] = (struct victim){ is_live(t->vec[i]), t->vec[i]->last_seen, i };
		select_first(v, t->n, k);
		for (size_t i = 0; i < k; i++)
			t->vec[v[i].idx]->idx = SIZE_MAX;
		free(v);
	}
	k = sweep(t);
	t->evicted += k;
	t->evict_unlogged += k;
	if (!t->evict_warned || now_ms - t->evict_warn_ms >= CT_HOSTS_EVICT_LOG_MS)
		ct_hosts_tick(t, now_ms, 0);
}

void ct_hosts_set_limits(struct ct_hosts *t, size_t max_hosts, uint64_t expiry_ms)
{
	t->max = max_hosts;
	t->expiry_ms = expiry_ms;
}

size_t ct_hosts_max(const struct ct_hosts *t) { return t->max; }
uint64_t ct_hosts_expiry_ms(const struct ct_hosts *t) { return t->expiry_ms; }
uint64_t ct_hosts_evicted(const struct ct_hosts *t) { return t->evicted; }
uint64_t ct_hosts_expired(const struct ct_hosts *t) { return t->expired; }

size_t ct_hosts_tick(struct ct_hosts *t, uint64_t now_ms, double now_wall)
{
	size_t gone = 0;

	if (t->evict_unlogged && (!t->evict_warned || now_ms - t->evict_warn_ms >= CT_HOSTS_EVICT_LOG_MS)) {
		log_warn("host table full (max_hosts %zu): %llu hosts removed since the last warning, those "
			"unseen longest (offline first); %llu in all. Raise max_hosts if they were real users, "
			"or look for a flood of made-up names (camtrace sniff)", t->max,
			(unsigned long long)t->evict_unlogged, (unsigned long long)t->evicted);
		t->evict_unlogged = 0;
		t->evict_warned = 1;
		t->evict_warn_ms = now_ms;
	}
	if (now_wall > 0 && t->expiry_ms && (!t->expire_ran || now_ms - t->expire_run_ms >= CT_HOSTS_EXPIRE_EVERY_MS)) {
		t->expire_ran = 1;
		t->expire_run_ms = now_ms;
		gone = ct_hosts_expire(t, now_wall - (double)t->expiry_ms / 1000.0);
		if (gone)
			log_info("%zu offline hosts unseen for more than host_expiry (%llu s) removed; %zu hosts left",
				gone, (unsigned long long)(t->expiry_ms / 1000), t->n);
	}
	return gone;
}

int ct_hosts_check_sent(struct ct_hosts *t, struct ct_host *h, unsigned max_missed, double now_wall)
{
	if (h->state == CT_HOST_OFFLINE)
		return 0;
	if (h->pending) {
		h->missed++;
		h->missed_run++;
		if (max_missed && h->missed_run >= max_missed) {
			ct_hosts_set_offline(t, h, CT_HOST_GONE_LOST, now_wall);
			return 1;
		}
	}
	h->pending = 1;
	return 0;
}

int ct_host_add_flap(struct ct_host *h, int64_t now_ms, double now_wall)
{
	h->last_flap = now_wall;
	if (h->nflap == h->flap_cap && h->flap_cap < CT_HOST_FLAP_MEMORY) {
		unsigned nc = h->flap_cap ? h->flap_cap * 2u : 4u;
		int64_t *nv = realloc(h->flap_ms, (nc > CT_HOST_FLAP_MEMORY ? CT_HOST_FLAP_MEMORY : nc) * sizeof *nv);
		if (!nv)
			return CT_ENOMEM;
		h->flap_ms = nv;
		h->flap_cap = (uint8_t)(nc > CT_HOST_FLAP_MEMORY ? CT_HOST_FLAP_MEMORY : nc);
	}
	if (h->nflap == h->flap_cap) { /* full: forget the oldest */
		if (now_ms < h->flap_ms[0])
			return 0;
		memmove(h->flap_ms, h->flap_ms + 1, (h->nflap - 1u) * sizeof *h->flap_ms);
		h->nflap--;
	}
	/* kept oldest first (times replayed from a hand-edited state file may come in any order) */
	unsigned i = h->nflap++;
	for (; i > 0 && h->flap_ms[i - 1] > now_ms; i--)
		h->flap_ms[i] = h->flap_ms[i - 1];
	h->flap_ms[i] = now_ms;
	return 0;
}

/* A flap at t is inside the window ending at now (a future t, from a wall clock set back
 * between two runs, is inside too). */
static int in_window(int64_t t, uint64_t window_ms, uint64_t now_ms)
{
	return t >= (int64_t)now_ms || (uint64_t)((int64_t)now_ms - t) <= window_ms;
}

unsigned ct_host_flaps_in(const struct ct_host *h, uint64_t window_ms, uint64_t now_ms)
{
	unsigned k = 0;

	for (unsigned i = h->nflap; i > 0 && in_window(h->flap_ms[i - 1], window_ms, now_ms); i--)
		k++;
	return k;
}

int ct_host_is_unstable(const struct ct_host *h, uint64_t window_ms, uint64_t now_ms)
{
	return (h->nflap > 0 && in_window(h->flap_ms[h->nflap - 1], window_ms, now_ms)) ||
		h->missed_run > 0 || (h->state == CT_HOST_OFFLINE && h->gone == CT_HOST_GONE_LOST);
}

struct unst { struct ct_host *h; unsigned in; };

static int cmp_unstable(const void *a, const void *b)
{
	const struct unst *p = a, *q = b;
	const struct ct_host *x = p->h, *y = q->h;

	if (p->in != q->in)
		return p->in < q->in ? 1 : -1;
	if (x->flaps != y->flaps)
		return x->flaps < y->flaps ? 1 : -1;
	if (x->missed != y->missed)
		return x->missed < y->missed ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int ct_hosts_unstable(const struct ct_hosts *t, uint64_t window_ms, uint64_t now_ms,
	struct ct_host ***out, size_t *n)
{
	struct unst *u = NULL;
	struct ct_host **v = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < t->n; i++)
		k += ct_host_is_unstable(t->vec[i], window_ms, now_ms) != 0;
	if (!k)
		return 0;
	if (!(u = malloc(k * sizeof *u)) || !(v = malloc(k * sizeof *v))) {
		free(u);
		return CT_ENOMEM;
	}
	k = 0;
	for (size_t i = 0; i < t->n; i++)
		if (ct_host_is_unstable(t->vec[i], window_ms, now_ms)) {
			u[k].h = t->vec[i];
			u[k++].in = ct_host_flaps_in(t->vec[i], window_ms, now_ms);
		}
	qsort(u, k, sizeof *u, cmp_unstable);
	for (size_t i = 0; i < k; i++)
		v[i] = u[i].h;
	free(u);
	*out = v;
	*n = k;
	return 0;
}

void ct_hosts_clean_name(char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

const char *ct_host_state_name(enum ct_host_state s)
{
	switch (s) {
	case CT_HOST_ONLINE: return "online";
	case CT_HOST_ABSENT: return "absent";
	case CT_HOST_OFFLINE: return "offline";
	}
	return "unknown";
}

const char *ct_host_origin_name(unsigned origin)
{
	if (origin & CT_HOST_LOCAL)
		return "local";
	if (origin & CT_HOST_NOTIFIED)
		return "notified";
	if (origin & CT_HOST_SEARCH)
		return "search";
	if (origin & CT_HOST_LIST)
		return "list";
	if (origin & CT_HOST_DIRECT)
		return "direct";
	return "unknown";
}

int ct_host_is_external(const struct ct_host *h)
{
	return !(h->origin & CT_HOST_LOCAL);
}
