/* t-hosts.c: unit tests for the host table: keys, address rules, states, flaps, 100,000 hosts. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "err.h"
#include "hosts.h"
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
	return tap_done();
}
