/* t-hostlist.c: unit tests for hostlist.c: §4.6 ANSLIST/GETLIST examples, paging, g2ipmsg variant, malformed lists. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "ipmsg-fixtures.h"
#include "codec.h"
#include "entry.h"
#include "err.h"
#include "hostlist.h"
#include "sbuf.h"

static const char ex46[] =
	"1:1700000123:srv:SRVPC:19:"
	"    0\a    2\a"
	"alice\aPC-A\a258211840\a192.168.1.10\a30985\aAlice\aDev\a"
	"bob\aPC-B\a18874368\a192.168.1.11\a30985\a\b\a\b\a"
	"\0";

static void test_example(void)
{
	struct ct_ipmsg m;
	struct ct_hostlist l;
	struct ct_sbuf b;
	size_t next = 99;
	const struct ct_hostlist_host hosts[] = {
		{ "alice", "PC-A", 258211840u, "192.168.1.10", 2425, "Alice", "Dev" },
		{ "bob", "PC-B", 18874368u, "192.168.1.11", 2425, "", NULL },
	};

	is_int(ct_codec_parse(&m, ex46, sizeof ex46 - 1), 0, "§4.6 ANSLIST parses as a packet");
	is_int(m.mode, CT_IPMSG_ANSLIST, "ANSLIST");
	is_int(ct_hostlist_parse(m.sec[0].p, m.sec[0].len, 0, &l), 0, "§4.6 body parses");
	is_int(l.next, 0, "next 0: list complete");
	is_int(l.count, 2, "count 2");
	is_int(l.n, 2, "two entries");
	is_int(l.variant, CT_HOSTLIST_WIN, "Windows variant");
	is_int(l.trailing_sep, 1, "trailing separator");
	is_str(l.e[0].user, "alice", "alice");
	is_str(l.e[0].host, "PC-A", "PC-A");
	is_int(l.e[0].status, 258211840u, "status 0x0F640000");
	is_str(l.e[0].addr, "192.168.1.10", "address");
	is_int(l.e[0].port_raw, 30985, "port sent as 30985");
	is_int(l.e[0].port, 2425, "port 2425 after the swap");
	is_int(l.e[0].port_swapped, 1, "swap undone");
	is_str(l.e[0].nick, "Alice", "nick");
	is_str(l.e[0].group, "Dev", "group");
	is_int(l.e[0].state, CT_HOSTLIST_ALIVE, "alive");
	is_str(l.e[1].user, "bob", "bob");
	is_int(l.e[1].status, 0x01200000, "status CAPUTF8|FILEATTACH");
	is_str(l.e[1].nick, "", "\\b nick is empty");
	is_str(l.e[1].group, "", "\\b group is empty");
	is_int(l.empty_fields, 0, "no truly empty fields");
	is_int(ct_hostlist_next_request(&l), 0, "no further GETLIST");
	ct_hostlist_fini(&l);
	ct_codec_fini(&m);

	ct_sbuf_init(&b);
	ct_codec_build_header(&b, NULL, 1700000123, "srv", "SRVPC", CT_IPMSG_ANSLIST);
	is_int(ct_hostlist_build_page(&b, hosts, 2, 0, 0, &next), 0, "build §4.6 page");
	is_mem(b.p, b.len, ex46, sizeof ex46 - 1, "builder reproduces §4.6 byte for byte");
	is_int(next, 0, "page completes the list");
	ct_sbuf_reset(&b);
	/* GETLIST requests of §4.6 */
	ct_codec_build_header(&b, NULL, 1700000200, "carol", "PC-C", CT_IPMSG_GETLIST);
	ct_hostlist_build_getlist(&b, 0);
	ct_sbuf_addc(&b, '\0');
	is_lit(b.p, b.len, "1:1700000200:carol:PC-C:18:\0", "first GETLIST byte for byte");
	ct_sbuf_reset(&b);
	ct_codec_build_header(&b, NULL, 1700000201, "carol", "PC-C", CT_IPMSG_GETLIST);
	ct_hostlist_build_getlist(&b, 50);
	ct_sbuf_addc(&b, '\0');
	is_lit(b.p, b.len, "1:1700000201:carol:PC-C:18:50\0", "continuation GETLIST byte for byte");
	ct_sbuf_reset(&b);
	/* OKGETLIST: header then a NUL; BR_ISGETLIST2: nick\0group without block */
	is_int(ct_codec_build(&b, NULL, 7, "srv", "SRVPC", CT_IPMSG_OKGETLIST, "", 0, 1), 0, "build OKGETLIST");
	is_lit(b.p, b.len, "1:7:srv:SRVPC:17:\0", "OKGETLIST bytes");
	ct_sbuf_reset(&b);
	{
		struct ct_entry_spec sp = { .form = CT_ENTRY_FORM_LEGACY, .user = "carol", .host = "PC-C",
			.nick = "Carol", .group = "Ops" };
		ct_entry_build(&b, NULL, 8, CT_IPMSG_BR_ISGETLIST2 | CT_IPMSG_CAPUTF8OPT | CT_IPMSG_RETRYOPT, &sp);
		is_lit(b.p, b.len, "1:8:carol:PC-C:16793624:Carol\0Ops", "BR_ISGETLIST2|RETRYOPT body nick\\0group");
	}
	ct_sbuf_fini(&b);
	{
		uint32_t s = 7;
		is_int(ct_hostlist_parse_getlist("", 0, &s), 0, "empty GETLIST body");
		is_int(s, 0, "empty means start 0");
		is_int(ct_hostlist_parse_getlist("50", 2, &s), 0, "GETLIST 50");
		is_int(s, 50, "start 50");
		is_int(ct_hostlist_parse_getlist("-3", 2, &s), 0, "negative start");
		is_int(s, 0, "negative means 0");
		is_int(ct_hostlist_parse_getlist("5x", 2, &s), CT_EFORMAT, "junk start rejected");
		is_int(ct_hostlist_parse_getlist("99999999999", 11, &s), CT_ERANGE, "overflowing start");
	}
}

static void test_paging(void)
{
	enum { N = 300 };
	static struct ct_hostlist_host hosts[N];
	static char names[N][3][32];
	struct ct_sbuf b;
	size_t start = 0, next, pages = 0, seen = 0;
	int bad = 0, oversize = 0;

	for (int i = 0; i < N; i++) {
		snprintf(names[i][0], 32, "user%03d", i);
		snprintf(names[i][1], 32, "host-%03d", i);
		snprintf(names[i][2], 32, "198.18.%d.%d", i / 200, i % 200 + 1);
		hosts[i] = (struct ct_hostlist_host){ names[i][0], names[i][1], i % 7 ? 0x01200000u : 0,
			names[i][2], (uint16_t)(2425 + i % 2), i % 3 ? "Nick" : "", "Grp\aX" };
	}
	ct_sbuf_init(&b);
	do {
		struct ct_ipmsg m;
		struct ct_hostlist l;
		ct_sbuf_reset(&b);
		ct_codec_build_header(&b, NULL, (uint32_t)(100 + pages), "srv", "SRVPC", CT_IPMSG_ANSLIST);
		if (ct_hostlist_build_page(&b, hosts, N, start, 0, &next) != 0) {
			bad++;
			break;
		}
		if (b.len > CT_HOSTLIST_BUDGET_IPTUX)
			oversize++;
		if (ct_codec_parse(&m, b.p, b.len) != 0 ||
			ct_hostlist_parse(m.sec[0].p, m.sec[0].len, 0, &l) != 0) {
			bad++;
			ct_codec_fini(&m);
			break;
		}
		if (l.next != next || l.count != l.n || ct_hostlist_next_request(&l) != next)
			bad++;
		for (size_t i = 0; i < l.n; i++, seen++) {
			const struct ct_hostlist_host *h = &hosts[seen];
			if (strcmp(l.e[i].user, h->user) || strcmp(l.e[i].host, h->host) ||
				strcmp(l.e[i].addr, h->addr) || l.e[i].port != h->port ||
				l.e[i].status != (h->status ? h->status : CT_IPMSG_CAPUTF8OPT) ||
				strcmp(l.e[i].nick, h->nick) || strcmp(l.e[i].group, "Grp X") ||
				l.e[i].state != CT_HOSTLIST_ALIVE)
				bad++;
		}
		ct_hostlist_fini(&l);
		ct_codec_fini(&m);
		start = next;
		pages++;
	} while (next && pages < 100);
	is_int(bad, 0, "every page parses back to the hosts it was built from");
	is_int(seen, N, "all 300 hosts sent exactly once");
	ok(pages > 1 && pages < 20, "paged over %zu datagrams", pages);
	is_int(oversize, 0, "no datagram above 8191 bytes");

	/* a page that starts at the end: empty, complete */
	ct_sbuf_reset(&b);
	is_int(ct_hostlist_build_page(&b, hosts, N, N, 0, &next), 0, "empty page at the end");
	is_lit(b.p, b.len, "    0\a    0\a\0", "empty page bytes");
	is_int(ct_hostlist_build_page(&b, hosts, N, N + 1, 0, &next), CT_ERANGE, "start past the end");
	ct_sbuf_reset(&b);
	is_int(ct_hostlist_build_page(&b, hosts, N, 0, 40, &next), CT_ETOOBIG, "host larger than the budget");
	is_int(b.len, 0, "nothing written on CT_ETOOBIG");
	ct_sbuf_reset(&b);
	/* a tight budget: exactly as many as fit */
	ct_codec_build_header(&b, NULL, 1, "srv", "SRVPC", CT_IPMSG_ANSLIST);
	is_int(ct_hostlist_build_page(&b, hosts, N, 10, 250, &next), 0, "small budget");
	ok(b.len <= 250, "datagram within 250 bytes (%zu)", b.len);
	ok(next > 10 && next < 20, "next index %zu after a small page", next);
	ct_sbuf_fini(&b);
}

static void test_variants(void)
{
	struct ct_hostlist l;
	static const char g2[] = "    0\a    1\aalice\aPC-A\a19\a192.168.1.10\a2425\aAlice\aDev\a"
		"bob\aPC-B\a19\a192.168.1.11\a2425\a\b\aDev";
	static const char cont[] = "   50\a   50\a";
	static const char states[] = "    0\a    4\a"
		"a\ah\a0\a10.0.0.1\a30985\a\b\a\b\a"
		"b\ah\a2\a10.0.0.2\a30985\a\b\a\b\a"
		"c\ah\a16777218\a10.0.0.3\a30985\a\b\a\b\a"
		"d\ah\a256\a10.0.0.4\a61727\a\b\a\b\a";

	is_int(ct_hostlist_parse(LIT(g2), 0, &l), 0, "g2ipmsg list parses");
	is_int(l.variant, CT_HOSTLIST_G2, "g2ipmsg variant detected");
	is_int(l.n, 2, "two entries (header says total-1 = 1)");
	is_int(l.trailing_sep, 0, "no trailing separator");
	is_int(l.e[0].port, 2425, "host-order port kept");
	is_int(l.e[0].port_swapped, 0, "not swapped");
	is_int(l.e[0].state, CT_HOSTLIST_UNKNOWN_CAPS, "status 19: alive, capabilities unknown");
	is_str(l.e[1].group, "Dev", "last field without separator");
	is_int(ct_hostlist_next_request(&l), 0, "g2: start 0 + 2 entries > total-1: done");
	ct_hostlist_fini(&l);

	is_int(ct_hostlist_parse(LIT(cont), 0, &l), 0, "continuation header parses");
	is_int(ct_hostlist_next_request(&l), 50, "next GETLIST \"50\"");
	ct_hostlist_fini(&l);

	is_int(ct_hostlist_parse(LIT(states), 0, &l), 0, "status list parses");
	is_int(l.e[0].state, CT_HOSTLIST_GONE, "status 0: gone");
	is_int(l.e[1].state, CT_HOSTLIST_GONE, "status 2 (BR_EXIT): gone");
	is_int(l.e[2].state, CT_HOSTLIST_GONE, "mode BR_EXIT with options: gone");
	is_int(l.e[3].state, CT_HOSTLIST_ALIVE, "ABSENCEOPT: alive");
	is_int(l.e[3].port, 8177, "port 61727 is swapped 8177");
	is_str(ct_hostlist_state_name(CT_HOSTLIST_UNKNOWN_CAPS), "unknown_caps", "state name");
	ct_hostlist_fini(&l);

	is_int(ct_hostlist_parse(LIT("    0\a    1\aalice\aPC-A\a256\a10.0.0.9\a30985\a\aDev\a"), 0, &l), 0,
		"truly empty field tolerated");
	is_int(l.empty_fields, 1, "empty field counted");
	ct_hostlist_fini(&l);
	is_int(ct_hostlist_parse(LIT("    0\a    1\aalice\aPC-A\a256\a10.0.0.9\a30985\aA\aB\a"), 30985, &l), 0,
		"own port 30985 configured");
	is_int(l.e[0].port, 30985, "port equal to ours kept as is");
	ct_hostlist_fini(&l);
}

static void test_malformed(void)
{
	struct ct_hostlist l;
	char *big;

	is_int(ct_hostlist_parse("", 0, 0, &l), CT_ETRUNC, "empty body");
	ct_hostlist_fini(&l);
	is_int(ct_hostlist_parse(LIT("    0"), 0, &l), CT_ETRUNC, "header without count");
	ct_hostlist_fini(&l);
	is_int(ct_hostlist_parse(LIT("    x\a    1\a"), 0, &l), CT_EFORMAT, "bad next");
	ct_hostlist_fini(&l);
	is_int(ct_hostlist_parse(LIT("99999999999\a    1\a"), 0, &l), CT_ERANGE, "overflowing next");
	ct_hostlist_fini(&l);
	is_int(ct_hostlist_parse(LIT("    0\a    1\aalice\aPC-A\a256\a10.0.0.9\a30985\aA\a"), 0, &l), CT_ETRUNC,
		"entry with six fields: too few");
	is_int(l.n, 0, "no complete entry");
	ct_hostlist_fini(&l);
	is_int(ct_hostlist_parse(LIT("    0\a    2\aa\ah\a256\a10.0.0.9\a30985\aA\aB\ab\ah\a256\a"), 0, &l), CT_ETRUNC,
		"second entry cut short");
	is_int(l.n, 1, "the complete entry is kept");
	is_str(l.e[0].user, "a", "kept entry");
	ct_hostlist_fini(&l);
	/* cut in the middle of a field (no trailing \a): still the Windows convention */
	is_int(ct_hostlist_parse(LIT("    0\a    2\aa\ah\a256\a10.0.0.9\a34835\aA\aB\ab\ah\a25"), 0, &l), CT_ETRUNC,
		"list cut mid-field");
	is_int(l.variant, CT_HOSTLIST_WIN, "a cut Windows list is not taken for g2ipmsg");
	is_int(l.e[0].port, 5000, "so port 34835 is swapped back to 5000");
	ct_hostlist_fini(&l);
	is_int(ct_hostlist_parse(LIT("    0\a    1\aa\ah\aabc\a10.0.0.9\a30985\aA\aB\a"), 0, &l), CT_EFORMAT,
		"bad status");
	ct_hostlist_fini(&l);
	is_int(ct_hostlist_parse(LIT("    0\a    1\aa\ah\a4294967296\a10.0.0.9\a30985\aA\aB\a"), 0, &l), CT_ERANGE,
		"overflowing status");
	ct_hostlist_fini(&l);
	is_int(ct_hostlist_parse(LIT("    0\a    1\aa\ah\a256\a10.0.0.9\a70000\aA\aB\a"), 0, &l), CT_ERANGE,
		"port above 65535");
	ct_hostlist_fini(&l);
	is_int(ct_hostlist_parse(LIT("    0\a    1\aa\ah\a256\a10.0.0.9\a\aA\aB\a"), 0, &l), CT_EFORMAT,
		"empty port");
	ct_hostlist_fini(&l);
	/* a NUL inside ends the body, like the packet parser */
	is_int(ct_hostlist_parse(LIT("    0\a    1\aa\0h\a256\a"), 0, &l), CT_ETRUNC, "NUL cuts the body");
	ct_hostlist_fini(&l);
	big = malloc(CT_IPMSG_MAXDGRAM + 1);
	memset(big, '\a', CT_IPMSG_MAXDGRAM + 1);
	is_int(ct_hostlist_parse(big, CT_IPMSG_MAXDGRAM + 1, 0, &l), CT_ETOOBIG, "body > 64 KiB");
	ct_hostlist_fini(&l);
	memcpy(big, "    0\a    0\a", 12);
	is_int(ct_hostlist_parse(big, CT_IPMSG_MAXDGRAM, 0, &l), CT_EFORMAT, "64 KiB of separators: empty status field");
	ct_hostlist_fini(&l);
	free(big);
}

int main(void)
{
	test_example();
	test_paging();
	test_variants();
	test_malformed();
	return tap_done();
}
