/* t-list.c: unit tests for the list server and client on loopback: paging, merge rules, expiry, allow. */
#include "config.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "evloop.h"
#include "hostlist.h"
#include "hosts.h"
#include "listcli.h"
#include "listsrv.h"
#include "node.h"
#include "sbuf.h"
#include "targets.h"
#include "tap.h"
#include "nodeutil.h"

static int done_ok = -1;

/* Receives the next packet that is not an entry (the client announces itself with BR_ENTRY). */
static int recv_nonentry(struct peer *p, struct ct_ipmsg *m)
{
	int r;

	while ((r = peer_recv(p, m)) == 0 && (m->mode == CT_IPMSG_BR_ENTRY || m->mode == CT_IPMSG_NOOPERATION))
		ct_codec_fini(m);
	return r;
}

static void fetched(struct ct_listcli *lc, int okk, void *ud)
{
	(void)lc;
	(void)ud;
	done_ok = okk;
}

static int wait_fetch(void)
{
	uint64_t end = ct_mono_ms() + 10000;

	done_ok = -1;
	while (done_ok < 0 && ct_mono_ms() < end)
		ct_evloop_run_once(ev, 10);
	return done_ok;
}

static void add_host(struct ct_hosts *t, unsigned i, const char *nick)
{
	struct ct_host_info in;
	char u[32], h[32];

	snprintf(u, sizeof u, "user%u", i);
	snprintf(h, sizeof h, "pc%u", i);
	memset(&in, 0, sizeof in);
	in.user = u;
	in.host = h;
	in.nick = nick;
	in.group = i % 2 ? "" : "grp";
	in.status = i % 3 ? 0x01000000u : 0;
	ct_haddr_set_v4(&in.addr, 0xC6120000u + 256 + i, 2425); /* 198.18.1.0 + i */
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 1, 1.0, NULL);
}

int main(void)
{
	struct ct_hosts *hs = ct_hosts_new(), *hc = ct_hosts_new();
	struct ct_node *ns, *nc;
	struct ct_listsrv *ls;
	struct ct_listcli *lc;
	struct ct_targets allow;
	struct ct_listsrv_conf sc;
	struct ct_listcli_conf cc;
	uint16_t ps, pc;
	char err[200];
	struct ct_host *h;

	ct_evloop_new(&ev);
	ns = mknode(hs, "srv", &ps);
	nc = mknode(hc, "cli", &pc);
	ok(ns && nc, "server and client nodes");
	if (!ns || !nc)
		return tap_done();
	ct_targets_init(&allow, (size_t)-1); /* match-only: no expansion bound */
	ct_targets_add(&allow, "127.0.0.0/8", err, sizeof err);
	memset(&sc, 0, sizeof sc);
	sc.allow = &allow;
	sc.rate = 1000;
	is_int(ct_listsrv_new(&ls, ns, &sc), 0, "list server");
	for (unsigned i = 0; i < 1500; i++)
		add_host(hs, i, i == 7 ? "日本語の名前" : (i % 5 ? "nick" : ""));
	is_int(ct_listsrv_size(ls), 1501, "server lists 1500 hosts and itself");

	memset(&cc, 0, sizeof cc);
	cc.server = "localhost";
	cc.port = ps;
	cc.phase_ms = 500;
	is_int(ct_listcli_new(&lc, nc, &cc, fetched, NULL), 0, "list client");
	ct_listcli_fetch(lc);
	is_int(wait_fetch(), 1, "fetch of 1,500 hosts completes");
	const struct ct_listcli_status *st = ct_listcli_status(lc);
	is_int(st->last_hosts, 1501, "1501 entries merged");
	ok(st->last_pages > 1, "paged (%zu pages)", st->last_pages);
	is_int(ct_listsrv_stats(ls)->pages_sent, st->last_pages, "server sent as many pages");
	ok(ct_listsrv_stats(ls)->max_page_bytes <= 8191, "every page within 8191 bytes (max %zu)",
		ct_listsrv_stats(ls)->max_page_bytes);
	ok(ct_listsrv_stats(ls)->max_page_bytes > 7000, "pages are filled (max %zu)", ct_listsrv_stats(ls)->max_page_bytes);
	h = ct_hosts_find(hc, "user7", "pc7");
	ok(h && strcmp(h->nick, "日本語の名前") == 0, "UTF-8 nick arrives intact (GETLIST asked for UTF-8)");
	ok(h && strcmp(h->group, "") == 0, "empty group (\\b) arrives empty");
	ok(h && h->origin == CT_HOST_LIST && ct_host_is_external(h), "marked learned-from-list (external)");
	ok(h && h->addr.port == 2425, "port byte swap undone");
	h = ct_hosts_find(hc, "user3", "pc3");
	ok(h && h->status == 0x01000000u, "status 0 host sent with CAPUTF8OPT (never 0), kept alive");
	h = ct_hosts_find(hc, "srv", "testhost");
	ok(h != NULL, "the server lists itself");
	ok(ct_hosts_find(hc, "cli", "testhost") == NULL, "the client does not list itself");

	/* users that leave disappear at the next fetch */
	for (unsigned i = 0; i < 10; i++) {
		char u[32], hn[32];
		snprintf(u, sizeof u, "user%u", 100 + i);
		snprintf(hn, sizeof hn, "pc%u", 100 + i);
		ct_hosts_set_offline(hs, ct_hosts_find(hs, u, hn), CT_HOST_GONE_EXIT, 2.0);
	}
	ct_listcli_fetch(lc);
	is_int(wait_fetch(), 1, "refresh completes");
	is_int(st->last_hosts, 1491, "1491 entries now");
	is_int(st->last_removed, 10, "10 external users gone");
	h = ct_hosts_find(hc, "user105", "pc105");
	ok(h && h->state == CT_HOST_OFFLINE, "a user that left is offline at the client");

	/* not allowed: no answer, the client retries with RETRYOPT, then fails */
	ct_targets_fini(&allow);
	ct_targets_init(&allow, (size_t)-1); /* match-only: no expansion bound */
	ct_targets_add(&allow, "10.0.0.0/8", err, sizeof err);
	ct_listsrv_reconf(ls, &sc);
	uint64_t refused = ct_listsrv_stats(ls)->refused_allow;
	ct_listcli_fetch(lc);
	is_int(wait_fetch(), 0, "fetch from a source outside `allow` fails");
	is_int(ct_listsrv_stats(ls)->refused_allow - refused, 2, "BR_ISGETLIST2 and its RETRYOPT retry refused");
	ok(strstr(st->last_error, "allow") != NULL, "error names the likely cause: %s", st->last_error);

	/* merge rules against a raw server speaking the spec's example bytes (§4.6) */
	struct peer srv;
	struct ct_ipmsg m;
	peer_open(&srv);
	cc.server = "127.0.0.1";
	cc.port = srv.addr.port;
	ct_listcli_reconf(lc, &cc);
	ct_listcli_fetch(lc);
	ok(peer_recv(&srv, &m) == 0 && m.mode == CT_IPMSG_BR_ENTRY, "client announces itself to the server first");
	ct_codec_fini(&m);
	ok(recv_nonentry(&srv, &m) == 0 && m.mode == CT_IPMSG_BR_ISGETLIST2, "client sends BR_ISGETLIST2");
	ok(!(m.opts & CT_IPMSG_RETRYOPT), "first try without RETRYOPT");
	ct_codec_fini(&m);
	peer_send(&srv, pc, 1, "srv2", CT_IPMSG_OKGETLIST, "", 0);
	ok(recv_nonentry(&srv, &m) == 0 && m.mode == CT_IPMSG_GETLIST, "OKGETLIST answered with GETLIST");
	ok(m.nsec == 0 || m.sec[0].len == 0, "first GETLIST has an empty body");
	ct_codec_fini(&m);
	/* forged pages: another port of the server's address, a page not asked for; neither merged */
	struct peer forger;
	peer_open(&forger);
	static const char evil[] = "    0\a    1\a"
		"eve\aPC-E\a16777216\a192.168.1.66\a30985\aEve\a\b\a";
	peer_send(&forger, pc, 7, "srv2", CT_IPMSG_ANSLIST, evil, sizeof evil - 1);
	PUMP_UNTIL(st->refused_pages >= 1, 1000);
	is_int(st->refused_source, 1, "ANSLIST from the server's address but another port refused");
	ok(ct_hosts_find(hc, "eve", "PC-E") == NULL && st->state == CT_LISTCLI_PAGES,
		"its entries are not merged and the fetch goes on");
	static const char wrong[] = "   12\a    2\a"
		"eve\aPC-E\a16777216\a192.168.1.66\a30985\aEve\a\b\a"
		"eve2\aPC-E2\a16777216\a192.168.1.67\a30985\aEve\a\b\a";
	peer_send(&srv, pc, 8, "srv2", CT_IPMSG_ANSLIST, wrong, sizeof wrong - 1);
	PUMP_UNTIL(st->refused_pages >= 2, 1000);
	is_int(st->refused_page, 1, "a page starting at 10 while page 0 was asked for refused");
	ok(ct_hosts_find(hc, "eve", "PC-E") == NULL && ct_hosts_find(hc, "eve2", "PC-E2") == NULL,
		"its entries are not merged");
	static const char g2wrong[] = "    5\a    9\a"
		"eve\aPC-E\a19\a192.168.1.66\a2425\aEve\aG";
	peer_send(&srv, pc, 9, "srv2", CT_IPMSG_ANSLIST, g2wrong, sizeof g2wrong - 1);
	PUMP_UNTIL(st->refused_pages >= 3, 1000);
	is_int(st->refused_page, 2, "a g2ipmsg page starting at 5 while page 0 was asked for refused");
	static const char page1[] = "    2\a    2\a"
		"alice\aPC-A\a258211840\a192.168.1.10\a30985\aAlice\aDev\a"
		"bob\aPC-B\a18874368\a192.168.1.11\a30985\a\b\a\b\a";
	peer_send(&srv, pc, 2, "srv2", CT_IPMSG_ANSLIST, page1, sizeof page1 - 1);
	ok(recv_nonentry(&srv, &m) == 0 && m.mode == CT_IPMSG_GETLIST && m.nsec && strcmp(m.sec[0].p, "2") == 0,
		"continuation GETLIST asks for index 2");
	ct_codec_fini(&m);
	static const char page2[] = "    0\a    3\a"
		"bob\aPC-B\a2\a192.168.1.11\a30985\a\b\a\b\a"
		"mallory-<0123456789abcdef>\aPC-M\a16777216\a192.168.1.12\a30985\aM\a\b\a"
		"carol\aPC-C\a257\a192.168.1.13\a30985\aCarol\a\b\a";
	peer_send(&srv, pc, 3, "srv2", CT_IPMSG_ANSLIST, page2, sizeof page2 - 1);
	pump(100);
	is_int(st->ok, 3, "fetch from the raw server complete");
	h = ct_hosts_find(hc, "alice", "PC-A");
	ok(h && h->status == 258211840u && strcmp(h->nick, "Alice") == 0, "alice merged with status and nick");
	h = ct_hosts_find(hc, "bob", "PC-B");
	ok(h && h->state == CT_HOST_OFFLINE, "status 2 (BR_EXIT) removes bob");
	ok(ct_hosts_find(hc, "mallory-<0123456789abcdef>", "PC-M") == NULL, "fingerprinted name without ENCRYPTOPT skipped");
	h = ct_hosts_find(hc, "carol", "PC-C");
	ok(h && h->addr.port == 2425 && h->state == CT_HOST_ABSENT, "carol (ABSENCEOPT) listed as absent");
	h = ct_hosts_find(hc, "user5", "pc5");
	ok(h && h->state == CT_HOST_OFFLINE, "hosts missing from the new list are gone");
	peer_send(&srv, pc, 10, "srv2", CT_IPMSG_ANSLIST, evil, sizeof evil - 1);
	PUMP_UNTIL(st->refused_pages >= 4, 1000);
	is_int(st->refused_unasked, 1, "a page from the server after the fetch ended refused");
	is_int(st->refused_pages, 4, "4 refused pages in all");
	ok(ct_hosts_find(hc, "eve", "PC-E") == NULL, "eve never merged");
	close(forger.fd);
	ok(ct_listcli_has_fingerprint("a-<0123456789ABCDEF>") && !ct_listcli_has_fingerprint("a-<0123>"),
		"fingerprint pattern");

	/* lost page: the client asks again */
	ct_listcli_fetch(lc);
	recv_nonentry(&srv, &m);
	ct_codec_fini(&m);
	peer_send(&srv, pc, 4, "srv2", CT_IPMSG_OKGETLIST, "", 0);
	recv_nonentry(&srv, &m);
	ct_codec_fini(&m);
	ok(recv_nonentry(&srv, &m) == 0 && m.mode == CT_IPMSG_GETLIST, "GETLIST resent when the page is lost");
	ct_codec_fini(&m);

	ct_listcli_free(lc);
	ct_listsrv_free(ls);
	ct_node_free(ns);
	ct_node_free(nc);
	close(srv.fd);
	ct_targets_fini(&allow);
	ct_hosts_free(hs);
	ct_hosts_free(hc);
	ct_evloop_free(ev);
	return tap_done();
}
