/* t-hosts.c: unit tests for the host table: keys, address rules, states, flaps, 100,000 hosts. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "ctl-shapes.h"
#include "err.h"
#include "hosts.h"
#include "json.h"
#include "tap.h"

static struct ct_host_info info(const char *u, const char *h, const char *ip, uint32_t status)
{
	struct ct_host_info in;

	memset(&in, 0, sizeof in);
	in.user = u;
	in.host = h;
	in.nick = u;
	in.group = "grp";
	in.status = status;
	ct_haddr_parse(&in.addr, ip, 2425);
	return in;
}

/* h leaves (BR_EXIT) and comes back with a packet at now_ms / wall: one flap. */
static struct ct_host *flap(struct ct_hosts *t, const struct ct_host_info *in, uint64_t now_ms, double wall)
{
	struct ct_host *h = NULL;

	ct_hosts_exit_addr(t, &in->addr, wall - 1);
	ct_hosts_update(t, in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, now_ms, wall, &h);
	return h;
}

/* The users fields "unstable/flaps_in_window/flap_count" of h. */
static void users_fields(const struct ct_host *h, const struct ct_ctlj_now *now, const char *want, const char *what)
{
	struct ct_json *j = ct_ctlj_host(h, now);
	int64_t in = -1, all = -1;
	int b = -1;
	char got[64];

	ct_json_get_bool(j, "unstable", &b);
	ct_json_get_i64(j, "flaps_in_window", &in);
	ct_json_get_i64(j, "flap_count", &all);
	snprintf(got, sizeof got, "%d/%lld/%lld", b, (long long)in, (long long)all);
	is_str(got, want, "%s", what);
	ct_json_free(j);
}

#define W 600000ULL /* the smallest unstable_window, 10m */

/* The instability window: a flap just inside is unstable, just outside is not; the lifetime
 * count stays; missing answers and lost now do not depend on the window. */
static void window_tests(void)
{
	struct ct_hosts *t = ct_hosts_new();
	struct ct_host_info in = info("dave", "PC-D", "198.18.2.13", 0x01000000);
	struct ct_host_info in2 = info("erin", "PC-E", "198.18.2.14", 0x01000000);
	struct ct_host *h, *e, **v;
	size_t n;

	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 1000, 1000.0, &h);
	ok(h->last_flap == 0 && h->nflap == 0, "a new host has no last_flap");
	ok(!ct_host_is_unstable(h, W, 1000), "never flapped: stable");
	h = flap(t, &in, 2000000, 3000.0);
	is_int(h->flaps, 1, "one flap");
	ok(h->last_flap == 3000.0, "last_flap is the wall time of the return");
	ok(ct_host_is_unstable(h, W, 2000000 + W - 1), "flap 1 ms inside the window: unstable");
	ok(ct_host_is_unstable(h, W, 2000000 + W), "flap exactly one window old: unstable (inside)");
	ok(!ct_host_is_unstable(h, W, 2000000 + W + 1), "flap 1 ms outside the window: stable");
	is_int(ct_host_flaps_in(h, W, 2000000 + W), 1, "flaps_in_window 1 at the edge");
	is_int(ct_host_flaps_in(h, W, 2000000 + W + 1), 0, "flaps_in_window 0 just after");
	is_int(h->flaps, 1, "flap_count stays 1 outside the window");
	ok(ct_host_is_unstable(h, 30 * 86400000ULL, 2000000 + W + 1), "a longer window still holds it");
	ok(ct_host_is_unstable(h, W, 1000), "a flap time after now (clock set back) is inside");

	/* three flaps: the window counts the recent ones */
	flap(t, &in, 2300000, 3300.0);
	flap(t, &in, 2500000, 3500.0);
	is_int(h->flaps, 3, "three flaps in all");
	ok(h->last_flap == 3500.0, "last_flap follows the last return");
	is_int(ct_host_flaps_in(h, W, 2500000), 3, "all three in the window at the last one");
	is_int(ct_host_flaps_in(h, W, 2000000 + W + 1), 2, "the first is out 1 ms after its window");
	is_int(ct_host_flaps_in(h, W, 2500000 + W + 1), 0, "none a window after the last");

	/* missing answers now / lost now, with every flap outside the window */
	ct_hosts_check_sent(t, h, 3, 4000.0);
	ok(!ct_host_is_unstable(h, W, 2900000 + W + 1), "a pending check is not a miss yet");
	ct_hosts_check_sent(t, h, 3, 4001.0);
	ok(ct_host_is_unstable(h, W, 2900000 + W + 1), "missing an answer now: unstable whatever the window");
	ct_hosts_check_sent(t, h, 3, 4002.0);
	ct_hosts_check_sent(t, h, 3, 4003.0);
	ok(h->state == CT_HOST_OFFLINE && ct_host_is_unstable(h, W, 9000000), "lost now: unstable");
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 9000000, 10000.0, &h);
	is_int(h->flaps, 4, "back after being lost: flap 4");
	ok(ct_host_is_unstable(h, W, 9000000 + W), "and unstable for one window");
	ok(!ct_host_is_unstable(h, W, 9000000 + W + 1), "then stable again");

	/* order: most flaps in the window first, not most flaps in all */
	ct_hosts_update(t, &in2, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 9000000, 10000.0, &e);
	flap(t, &in2, 9100000, 10100.0);
	flap(t, &in2, 9200000, 10200.0);
	is_int(ct_hosts_unstable(t, W, 9200000, &v, &n), 0, "unstable query");
	ok(n == 2 && v[0] == e && v[1] == h, "erin (2 in the window, 2 in all) before dave (1 in the window, 4 in all)");
	free(v);
	is_int(ct_hosts_unstable(t, W, 9200000 + W + 1, &v, &n), 0, "unstable query a window later");
	is_int(n, 0, "nobody: old flaps do not count");
	free(v);

	/* the users reply: fields and the same rule */
	{
		struct ct_ctlj_now now = { 10300.0, 9300000, W };
		struct ct_json *j = ct_ctlj_host(e, &now), *r = NULL, *p = ct_json_obj();
		int64_t v64 = -1;
		char err[128];
		is_str(ct_json_get_str(j, "last_flap"), "1970-01-01T02:50:00.000Z", "users: last_flap ISO 8601");
		ct_json_free(j);
		users_fields(e, &now, "1/2/2", "users: unstable true, flaps_in_window 2, flap_count 2");
		now.mono_ms = 9200000 + W + 1;
		users_fields(e, &now, "0/0/2", "users a window after the last flap: unstable false, flaps_in_window 0, flap_count 2");
		ct_hosts_update(t, &(struct ct_host_info){ .user = "fred", .host = "PC-F", .addr = in.addr }, 0,
			CT_HOST_VIA_PACKET, 1, 1.0, NULL);
		j = ct_ctlj_host(ct_hosts_find(t, "fred", "PC-F"), &now);
		ok(ct_json_get(j, "last_flap") && !ct_json_get_str(j, "last_flap"), "users: last_flap null when it never flapped");
		ct_json_free(j);
		ct_json_add_str(p, "filter", "unstable");
		now.mono_ms = 9200000;
		is_int(ct_ctlj_users(t, p, &now, &r, err, sizeof err), 0, "users --unstable");
		ct_json_get_i64(r, "count", &v64);
		is_int(v64, 1, "lists erin only (dave was replaced by fred at his address)");
		ct_json_free(r);
		ct_json_free(p);
	}

	/* more flaps than remembered: the window count stops at CT_HOST_FLAP_MEMORY */
	for (unsigned i = 0; i < CT_HOST_FLAP_MEMORY + 6; i++)
		flap(t, &in2, 20000000 + i * 1000ULL, 30000.0 + i);
	is_int(e->flaps, CT_HOST_FLAP_MEMORY + 8, "lifetime count has every flap");
	is_int(ct_host_flaps_in(e, W, 20000000 + 80000), CT_HOST_FLAP_MEMORY, "flaps_in_window stops at the memory");
	is_int(ct_host_flaps_in(e, 10000, 20000000 + (CT_HOST_FLAP_MEMORY + 5) * 1000ULL), 11, "the newest are kept");
	ct_host_add_flap(e, 20000000 + 65500, 0);
	is_int(ct_host_flaps_in(e, 4000, 20000000 + 69000), 6, "a flap time out of order takes its place (5 + 1 in the last 4 s)");
	ok(e->flap_ms[CT_HOST_FLAP_MEMORY - 1] == 20000000 + 69000, "the newest stays last");
	ct_host_add_flap(e, 1, 0);
	ok(e->flap_ms[0] > 1, "a time older than all remembered ones when full is not kept");
	ct_hosts_free(t);
}

/* Adds user<i>@pc<i> at 10.1.x.y with last_seen wall; returns it. */
static struct ct_host *add_n(struct ct_hosts *t, unsigned i, double wall)
{
	char u[32], hn[32];
	struct ct_host_info in;
	struct ct_host *h = NULL;

	snprintf(u, sizeof u, "user%u", i);
	snprintf(hn, sizeof hn, "pc%u", i);
	memset(&in, 0, sizeof in);
	in.user = u;
	in.host = hn;
	ct_haddr_set_v4(&in.addr, 0x0A010000u + i, 2425);
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, (uint64_t)wall * 1000, wall, &h);
	return h;
}

static int has(const struct ct_hosts *t, unsigned i)
{
	char u[32], hn[32];

	snprintf(u, sizeof u, "user%u", i);
	snprintf(hn, sizeof hn, "pc%u", i);
	return ct_hosts_find(t, u, hn) != NULL;
}

/* Which of user0..user<n-1> are in the table, as a string of 0/1. */
static const char *present(const struct ct_hosts *t, unsigned n)
{
	static char s[64];

	for (unsigned i = 0; i < n && i < sizeof s - 1; i++)
		s[i] = has(t, i) ? '1' : '0';
	s[n < sizeof s - 1 ? n : sizeof s - 1] = '\0';
	return s;
}

/* Indexes, order vector, live count and address index agree. */
static int consistent(const struct ct_hosts *t)
{
	size_t live = 0;

	for (size_t i = 0; i < ct_hosts_count(t); i++) {
		const struct ct_host *h = ct_hosts_at(t, i);
		if (h->idx != i || ct_hosts_find_addr(t, &h->addr) != h || ct_hosts_find(t, h->user, h->host) != h)
			return 0;
		live += h->state != CT_HOST_OFFLINE;
	}
	return live == ct_hosts_live(t);
}

/* max_hosts: the hosts unseen longest go first, offline before online; host_expiry. */
static void bound_tests(void)
{
	struct ct_hosts *t = ct_hosts_new();
	struct ct_haddr a;

	is_int(ct_hosts_max(t), 100000, "default max_hosts");
	ok(ct_hosts_expiry_ms(t) == 7 * 24 * 3600 * 1000ULL, "default host_expiry 7d");
	ct_hosts_set_limits(t, 5, 3600 * 1000);
	for (unsigned i = 0; i < 5; i++)
		add_n(t, i, 10.0 * (i + 1));
	ct_haddr_set_v4(&a, 0x0A010000u + 3, 2425);
	ct_hosts_exit_addr(t, &a, 45.0); /* user3 (seen at 40) leaves */
	add_n(t, 5, 60.0);
	is_int(ct_hosts_count(t), 5, "full table stays at max_hosts");
	is_str(present(t, 6), "111011", "the offline host goes first, though others are older");
	add_n(t, 6, 70.0);
	is_str(present(t, 7), "011011" "1", "then the online host unseen longest (user0, seen at 10)");
	add_n(t, 1, 80.0); /* user1 heard from again */
	add_n(t, 7, 90.0);
	is_str(present(t, 8), "01001111", "user2 (30) goes before user1, just heard from (80)");
	is_int(ct_hosts_evicted(t), 3, "evicted counter");
	ok(consistent(t), "indexes consistent after evictions");
	add_n(t, 7, 91.0);
	is_int(ct_hosts_evicted(t), 3, "an update of a known host evicts nothing");

	/* host_expiry: offline hosts unseen for an hour; online ones stay however old */
	ct_haddr_set_v4(&a, 0x0A010000u + 4, 2425);
	ct_hosts_exit_addr(t, &a, 95.0); /* user4, seen at 50 */
	ct_haddr_set_v4(&a, 0x0A010000u + 6, 2425);
	ct_hosts_exit_addr(t, &a, 95.0); /* user6, seen at 70 */
	is_int(ct_hosts_tick(t, 100000, 3600.0 + 60.0), 1, "tick at 3660: one host expired");
	is_int(ct_hosts_tick(t, 129999, 3600.0 + 1e6), 0, "the next pass waits 30 s (monotonic)");
	is_str(present(t, 8), "01000111", "user4 (offline, seen at 50) expired; user6 (70) not yet");
	is_int(ct_hosts_tick(t, 130000, 3600.0 + 70.0), 0, "tick at 3670: seen exactly an hour ago stays");
	is_int(ct_hosts_tick(t, 160000, 3600.0 + 71.0), 1, "tick at 3671: user6 expired");
	is_str(present(t, 8), "01000101", "online user1, user5 and user7 stay although unseen for an hour");
	is_int(ct_hosts_expired(t), 2, "expired counter");
	is_int(ct_hosts_live(t), 3, "live count after expiry");
	ok(consistent(t), "indexes consistent after expiry");
	ct_hosts_set_limits(t, 5, 0);
	is_int(ct_hosts_tick(t, 400000, 1e9), 0, "host_expiry 0: nothing expires");
	ct_hosts_free(t);

	/* a large cap evicts a batch of max/128 in one pass: exactly the oldest */
	t = ct_hosts_new();
	ct_hosts_set_limits(t, 20000, 0);
	{
		unsigned *perm = malloc(20000 * sizeof *perm), wrong = 0;
		for (unsigned i = 0; i < 20000; i++)
			perm[i] = i;
		srand(7);
		for (unsigned i = 19999; i > 0; i--) {
			unsigned j = (unsigned)rand() % (i + 1), x = perm[i];
			perm[i] = perm[j];
			perm[j] = x;
		}
		for (unsigned i = 0; i < 20000; i++) /* host i last seen at perm[i] */
			add_n(t, i, 1000.0 + perm[i]);
		for (unsigned i = 0; i < 20000; i += 3) { /* every third host offline */
			ct_haddr_set_v4(&a, 0x0A010000u + i, 2425);
			ct_hosts_exit_addr(t, &a, 1.0);
		}
		add_n(t, 20000, 1e6);
		is_int(ct_hosts_count(t), 20000 + 1 - 157, "20,000 full: 1 + 20000/128 evicted in one batch");
		/* the 157 evicted: the offline hosts with the oldest last_seen */
		unsigned off_seen_below = 0;
		double cut = 0;
		for (unsigned i = 0; i < 20000; i += 3)
			if (!has(t, i) && perm[i] + 1000.0 > cut)
				cut = perm[i] + 1000.0;
		for (unsigned i = 0; i < 20000; i++) {
			int off = i % 3 == 0;
			if (!has(t, i) && !off)
				wrong++; /* an online host evicted while offline ones remain */
			if (has(t, i) && off && perm[i] + 1000.0 < cut)
				off_seen_below++;
		}
		is_int(wrong, 0, "no online host evicted while offline ones remained");
		is_int(off_seen_below, 0, "no offline host older than an evicted one remains");
		is_int(ct_hosts_evicted(t), 157, "evicted counter of the batch");
		ok(has(t, 20000), "the new host is in");
		ok(consistent(t), "indexes consistent after the batch");
		free(perm);
	}
	ct_hosts_free(t);
}

int main(void)
{
	struct ct_hosts *t = ct_hosts_new();
	struct ct_host *h, *h2;
	struct ct_host_info in;
	struct ct_haddr a;
	char buf[CT_HADDR_STRLEN];

	ok(t != NULL, "table created");
	is_int(ct_haddr_parse(&a, "198.18.1.10", 2425), 0, "parse v4");
	is_str(ct_haddr_str(&a, buf, sizeof buf), "198.18.1.10:2425", "format v4");
	is_int(ct_haddr_parse(&a, "2001:2:0:1::10", 2425), 0, "parse v6");
	is_str(ct_haddr_str(&a, buf, sizeof buf), "[2001:2:0:1::10]:2425", "format v6");
	is_int(ct_haddr_parse(&a, "nonsense", 1), CT_EFORMAT, "not an address");

	in = info("alice", "PC-A", "198.18.1.11", 0x01000000);
	is_int(ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 1000, 100.0, &h), 0, "add alice");
	is_int(ct_hosts_count(t), 1, "one host");
	is_int(ct_hosts_live(t), 1, "one live");
	ok(ct_hosts_find(t, "alice", "PC-A") == h, "found by name");
	ok(ct_hosts_find_addr(t, &in.addr) == h, "found by address");
	ok(ct_hosts_find(t, "alice", "PC-B") == NULL, "other host name is another identity");
	is_str(h->nick, "alice", "nick stored");
	is_int(h->state, CT_HOST_ONLINE, "online");
	is_int(h->flaps, 0, "a new host has no flap");

	in = info("alice", "PC-A", "198.18.1.11", 0x01000100);
	in.nick = "Alice A";
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 2000, 101.0, &h);
	is_int(h->state, CT_HOST_ABSENT, "ABSENCEOPT makes it absent");
	is_str(h->nick, "Alice A", "nick updated");
	is_int(ct_hosts_count(t), 1, "still one host");

	/* a list entry may not move a host whose address is fresh (< 7 s) */
	in = info("alice", "PC-A", "198.18.2.99", 0x01000000);
	ct_hosts_update(t, &in, CT_HOST_LIST, CT_HOST_VIA_LIST, 5000, 102.0, &h);
	is_str(ct_haddr_ip_str(&h->addr, buf, sizeof buf), "198.18.1.11", "list does not move a fresh host");
	ct_hosts_update(t, &in, CT_HOST_LIST, CT_HOST_VIA_LIST, 9001, 103.0, &h);
	is_str(ct_haddr_ip_str(&h->addr, buf, sizeof buf), "198.18.2.99", "list moves a host older than 7 s");
	ok(ct_hosts_find_addr(t, &in.addr) == h, "address index follows the move");
	ct_haddr_parse(&a, "198.18.1.11", 2425);
	ok(ct_hosts_find_addr(t, &a) == NULL, "old address no longer indexed");
	ok(!ct_host_is_external(h), "seen locally: not external");

	/* same address, other names: replaced */
	in = info("bob", "PC-B", "198.18.2.99", 0x01000000);
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 10000, 104.0, &h2);
	ok(ct_hosts_find(t, "alice", "PC-A") == NULL, "host at same addr:port under other names replaced");
	is_int(ct_hosts_count(t), 1, "one host after replacement");

	/* exit, lost, flaps */
	in = info("carol", "PC-C", "198.18.2.12", 0x01000000);
	ct_hosts_update(t, &in, CT_HOST_LIST, CT_HOST_VIA_LIST, 10000, 105.0, &h);
	ok(ct_host_is_external(h), "learned from a list: external");
	is_str(ct_host_origin_name(h->origin), "list", "origin name");
	is_int(ct_hosts_exit_addr(t, &in.addr, 106.0), 0, "exit by address");
	is_int(h->state, CT_HOST_OFFLINE, "offline after exit");
	is_int(ct_hosts_live(t), 1, "live count drops");
	ct_hosts_update(t, &in, CT_HOST_LIST, CT_HOST_VIA_LIST, 10500, 106.5, &h);
	is_int(h->flaps, 0, "back in a list after exit: second hand, not a flap");
	is_int(h->state, CT_HOST_ONLINE, "but online again");
	ct_hosts_exit_addr(t, &in.addr, 106.6);
	ct_hosts_update(t, &in, CT_HOST_LIST, CT_HOST_VIA_PACKET, 11000, 107.0, &h);
	is_int(h->flaps, 1, "exit (BR_EXIT) then a packet again: one flap");
	ok(ct_host_is_unstable(h, 600000, 11000), "one flap makes it unstable");
	ok(h->last_flap == 107.0, "last_flap is the wall time of the return");
	is_int(ct_host_flaps_in(h, 600000, 11000), 1, "one flap in the window");
	ct_hosts_update(t, &in, CT_HOST_LIST, CT_HOST_VIA_PACKET, 11001, 107.1, &h);
	is_int(h->flaps, 1, "a second packet while online is no flap");
	is_int(ct_hosts_check_sent(t, h, 2, 108.0), 0, "first check pending");
	is_int(ct_hosts_check_sent(t, h, 2, 109.0), 0, "one missed");
	ok(ct_host_is_unstable(h, 600000, 11000 + 700000), "a missed answer makes it unstable (flap outside the window)");
	is_int(ct_hosts_check_sent(t, h, 2, 110.0), 1, "second missed in a row: lost");
	is_int(h->state, CT_HOST_OFFLINE, "lost host offline");
	is_int(h->missed, 2, "missed count");
	is_int(ct_hosts_check_sent(t, h, 2, 110.5), 0, "an offline host is asked again ...");
	is_int(h->missed, 2, "... without counting misses");
	ct_hosts_update(t, &in, CT_HOST_LIST, CT_HOST_VIA_PACKET, 12000, 111.0, &h);
	is_int(h->flaps, 2, "back after being lost: one more flap");
	is_int(h->missed_run, 0, "answer resets the run");
	ct_hosts_check_sent(t, h, 2, 112.0);
	ct_hosts_update(t, &in, CT_HOST_LIST, CT_HOST_VIA_PACKET, 12500, 112.5, &h);
	is_int(h->missed, 2, "answered check is not missed");
	{
		struct ct_host **v;
		size_t n;
		is_int(ct_hosts_unstable(t, 600000, 12500, &v, &n), 0, "unstable query");
		is_int(n, 1, "one unstable host");
		ok(n == 1 && v[0] == h, "it is carol");
		free(v);
		is_int(ct_hosts_unstable(t, 600000, 12000 + 600001, &v, &n), 0, "unstable query after the window");
		is_int(n, 0, "none: its flaps are older than the window");
		free(v);
	}
	in = info("", "x", "1.2.3.4", 0);
	is_int(ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 1, 1, NULL), CT_EINVAL, "empty user refused");

	/* expire */
	ct_hosts_set_offline(t, h2, CT_HOST_GONE_EXIT, 50.0);
	h2->last_seen = 50.0;
	is_int(ct_hosts_expire(t, 60.0), 1, "old offline host expired");
	ok(ct_hosts_find(t, "bob", "PC-B") == NULL, "expired host gone from name index");
	ok(ct_hosts_at(t, 0) == h && h->idx == 0, "order vector compacted");
	ct_hosts_free(t);

	{
		char nm[] = "ev\ail\bname\x1b[2J\x7f.";
		ct_hosts_clean_name(nm);
		is_str(nm, "ev il name [2J .", "control bytes in names become spaces");
	}

	/* 100,000 hosts: lookups stay exact */
	t = ct_hosts_new();
	int bad = 0;
	for (unsigned i = 0; i < 100000; i++) {
		char u[32], hn[32];
		snprintf(u, sizeof u, "user%u", i);
		snprintf(hn, sizeof hn, "pc%u", i);
		memset(&in, 0, sizeof in);
		in.user = u;
		in.host = hn;
		in.status = 0x01000000;
		ct_haddr_set_v4(&in.addr, 0x0A000000u + i, 2425);
		if (ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, i, i, NULL) != 0)
			bad++;
	}
	is_int(bad, 0, "100,000 inserts");
	is_int(ct_hosts_count(t), 100000, "100,000 hosts");
	h = ct_hosts_find(t, "user77777", "pc77777");
	ok(h && ct_haddr_v4(&h->addr) == 0x0A000000u + 77777, "lookup by name among 100,000");
	ct_haddr_set_v4(&a, 0x0A000000u + 99999, 2425);
	h = ct_hosts_find_addr(t, &a);
	ok(h && strcmp(h->user, "user99999") == 0, "lookup by address among 100,000");
	ct_hosts_remove(t, ct_hosts_at(t, 0));
	is_int(ct_hosts_at(t, 0)->idx, 0, "indexes renumbered after removal");
	ct_hosts_free(t);
	window_tests();
	bound_tests();
	return tap_done();
}
