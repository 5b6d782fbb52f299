/* t-node.c: unit tests for the protocol node on loopback: entries, answers, info, messages, liveness, exit, hook lists. */
#include "config.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "node.h"
#include "notify.h"
#include "sbuf.h"
#include "targets.h"
#include "tap.h"

#include "nodeutil.h"

/* ---- hook lists: handlers, observers, taps ---- */

/* One hook: appends its letter to the shared log when called, and may remove itself or another. */
struct hook {
	char id;
	char *log;
	int remove_self;
	struct hook *remove_other;
};

static void log_call(struct hook *k)
{
	size_t l = strlen(k->log);

	if (l < 63) {
		k->log[l] = k->id;
		k->log[l + 1] = 0;
	}
}

static void on_mode(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct hook *k = ud;

	log_call(k);
	if (k->remove_self)
		ct_node_remove_handler(n, rx->m->mode, on_mode, k);
	if (k->remove_other)
		ct_node_remove_handler(n, rx->m->mode, on_mode, k->remove_other);
}

static void on_other_mode(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	(void)n;
	(void)rx;
	log_call(ud);
}

static void on_host(struct ct_node *n, struct ct_host *h, uint32_t mode, const struct ct_haddr *from, void *ud)
{
	struct hook *k = ud;

	(void)h;
	(void)mode;
	(void)from;
	log_call(k);
	if (k->remove_self)
		ct_node_remove_observer(n, on_host, k);
}

static void on_tap(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct hook *k = ud;

	(void)rx;
	log_call(k);
	if (k->remove_self)
		ct_node_remove_tap(n, on_tap, k);
}

/* Sends one OKGETLIST (no answer of the node's own: handlers only) and waits until the log grows
 * to want letters; returns the log. */
static const char *okgetlist(struct peer *p, uint16_t port, const char *log, size_t want)
{
	peer_send(p, port, ++p->pkt, "erin", CT_IPMSG_OKGETLIST, "", 0);
	PUMP_UNTIL(strlen(log) >= want, 3000);
	return log;
}

static void hook_checks(void)
{
	struct ct_hosts *hd = ct_hosts_new();
	struct ct_node *d;
	struct ct_notify *nt = NULL;
	struct ct_targets ts;
	struct peer e;
	struct ct_host *h;
	char log[64] = "", err[200];
	struct hook A = { 'A', log, 0, NULL }, B = { 'B', log, 0, NULL }, C = { 'C', log, 0, NULL };
	struct hook D = { 'D', log, 0, NULL }, E = { 'E', log, 0, NULL };
	uint16_t pd;
	uint64_t ign;

	d = mknode(hd, "dave", &pd);
	ok(d != NULL, "hooks: a third node");
	if (!d)
		return;
	peer_open(&e);
	e.pkt = 700;

	/* handlers: every one of a mode is called, in the order added */
	is_int(ct_node_add_handler(d, CT_IPMSG_OKGETLIST, on_mode, &A), 0, "handler A added");
	is_int(ct_node_add_handler(d, CT_IPMSG_OKGETLIST, on_mode, &B), 0, "handler B added to the same mode");
	is_int(ct_node_add_handler(d, CT_IPMSG_OKGETLIST, on_mode, &A), CT_EEXIST, "the same (function, data) twice: CT_EEXIST");
	is_int(ct_node_add_handler(d, 256, on_mode, &A), CT_EINVAL, "mode 256: CT_EINVAL");
	is_str(okgetlist(&e, pd, log, 2), "AB", "two handlers for one mode: both called, in the order added");
	ct_node_remove_handler(d, CT_IPMSG_OKGETLIST, on_mode, &A);
	is_str(okgetlist(&e, pd, log, 3), "ABB", "removing one handler keeps the other");
	/* unknown pairs: another data, another function, another mode, a mode out of range */
	ct_node_remove_handler(d, CT_IPMSG_OKGETLIST, on_mode, &C);
	ct_node_remove_handler(d, CT_IPMSG_OKGETLIST, on_other_mode, &B);
	ct_node_remove_handler(d, CT_IPMSG_ANSLIST, on_mode, &B);
	ct_node_remove_handler(d, 999, on_mode, &B);
	is_str(okgetlist(&e, pd, log, 4), "ABBB", "removing an unknown (function, data) is harmless");
	/* B removes itself while called: C after it is still called, and B never again */
	B.remove_self = 1;
	ct_node_add_handler(d, CT_IPMSG_OKGETLIST, on_mode, &C);
	is_str(okgetlist(&e, pd, log, 6), "ABBBBC", "a handler removing itself during dispatch: the next one still called");
	is_str(okgetlist(&e, pd, log, 7), "ABBBBCC", "and the one that removed itself is not called again");
	/* C removes D, which comes later in the same dispatch: D is skipped, E is called */
	C.remove_other = &D;
	ct_node_add_handler(d, CT_IPMSG_OKGETLIST, on_mode, &D);
	ct_node_add_handler(d, CT_IPMSG_OKGETLIST, on_mode, &E);
	is_str(okgetlist(&e, pd, log, 9), "ABBBBCCCE", "a handler removed by an earlier one in the same dispatch is not called");
	/* a handler re-added after removal comes last */
	C.remove_other = NULL;
	is_int(ct_node_add_handler(d, CT_IPMSG_OKGETLIST, on_mode, &B), 0, "a removed handler can be added again");
	B.remove_self = 0;
	is_str(okgetlist(&e, pd, log, 12), "ABBBBCCCECEB", "and is called after the others");
	ct_node_remove_handler(d, CT_IPMSG_OKGETLIST, on_mode, &B);
	ct_node_remove_handler(d, CT_IPMSG_OKGETLIST, on_mode, &C);
	ct_node_remove_handler(d, CT_IPMSG_OKGETLIST, on_mode, &E);
	ign = ct_node_stats(d)->ignored;
	peer_send(&e, pd, ++e.pkt, "erin", CT_IPMSG_OKGETLIST, "", 0);
	PUMP_UNTIL(ct_node_stats(d)->ignored > ign, 3000);
	is_int(ct_node_stats(d)->ignored, ign + 1, "no handler left: the packet counts as ignored");

	/* observers and taps follow the same rule */
	log[0] = 0;
	A.remove_self = 1;
	B.remove_self = 0;
	is_int(ct_node_add_observer(d, on_host, &A), 0, "observer A added");
	is_int(ct_node_add_observer(d, on_host, &B), 0, "observer B added");
	is_int(ct_node_add_observer(d, on_host, &B), CT_EEXIST, "the same observer twice: CT_EEXIST");
	is_int(ct_node_add_tap(d, on_tap, &C), 0, "tap C added");
	is_int(ct_node_add_tap(d, on_tap, &C), CT_EEXIST, "the same tap twice: CT_EEXIST");
	C.remove_self = 1;
	peer_send(&e, pd, ++e.pkt, "erin", CT_IPMSG_BR_ENTRY, "Erin\0g", 6);
	PUMP_UNTIL(strlen(log) >= 3, 3000);
	is_str(log, "CAB", "an entry: the tap first, then both observers in order (A and C remove themselves)");
	peer_send(&e, pd, ++e.pkt, "erin", CT_IPMSG_BR_ABSENCE, "Erin\0g", 6);
	PUMP_UNTIL(strlen(log) >= 4, 3000);
	is_str(log, "CABB", "the next entry: only observer B (A and the tap removed themselves)");
	ct_node_remove_observer(d, on_host, &A);
	ct_node_remove_tap(d, on_tap, &C);
	ct_node_remove_observer(d, on_host, &B);

	/* a notify freed before more entries arrive takes its observer away (ASan: no use-after-free) */
	ct_targets_init(&ts, CT_TARGETS_DEFAULT_MAX);
	ok(ct_targets_add(&ts, "127.0.0.1", err, sizeof err) == 0, "notify target 127.0.0.1");
	ok(ct_notify_new(&nt, d, &ts, 0, 0, 0) == 0, "notify on the node");
	peer_send(&e, pd, ++e.pkt, "frank", CT_IPMSG_BR_ENTRY, "Frank\0g", 7);
	PUMP_UNTIL((h = ct_hosts_find(hd, "frank", "peerhost")) != NULL, 3000);
	ok(h && (h->origin & CT_HOST_NOTIFIED), "notify's observer marks a target's host as notified");
	ct_notify_free(nt);
	peer_send(&e, pd, ++e.pkt, "grace", CT_IPMSG_BR_ENTRY, "Grace\0g", 7);
	PUMP_UNTIL((h = ct_hosts_find(hd, "grace", "peerhost")) != NULL, 3000);
	ok(h != NULL, "an entry after ct_notify_free is handled (no call into the freed notify)");
	ok(h && !(h->origin & CT_HOST_NOTIFIED), "and no observer marks it any more");

	/* freed in the middle of a round: its pacing and grace timers go too (ASan: none fires into it) */
	ok(ct_notify_new(&nt, d, &ts, 60000, 1, 30) == 0, "a notify with a 30 ms grace");
	is_int(ct_notify_round(nt), 0, "a round starts");
	ok(ct_notify_running(nt) != NULL, "and is running (grace timer pending)");
	ct_notify_free(nt);
	pump(200);
	peer_send(&e, pd, ++e.pkt, "hank", CT_IPMSG_BR_ENTRY, "Hank\0g", 6);
	PUMP_UNTIL((h = ct_hosts_find(hd, "hank", "peerhost")) != NULL, 3000);
	ok(h && !(h->origin & CT_HOST_NOTIFIED), "an entry after freeing a running notify: handled, not marked");

	ct_node_free(d);
	ct_targets_fini(&ts);
	close(e.fd);
	ct_hosts_free(hd);
}

int main(void)
{
	struct ct_hosts *ha = ct_hosts_new(), *hb = ct_hosts_new();
	struct ct_node *a, *b;
	uint16_t pa, pb;
	struct peer c;
	struct ct_ipmsg m;
	struct ct_haddr to;
	struct ct_host *h;
	uint32_t t0 = (uint32_t)time(NULL);

	ct_evloop_new(&ev);
	a = mknode(ha, "alice", &pa);
	b = mknode(hb, "bob", &pb);
	ok(a && b, "two nodes bound on loopback");
	if (!a || !b)
		return tap_done();
	ok(ct_node_next_packetno(a) >= t0, "packet numbers start at time()");
	uint32_t p1 = ct_node_next_packetno(a), p2 = ct_node_next_packetno(a);
	is_int(p2, p1 + 1, "packet numbers go up by one");

	/* BR_ENTRY a -> b, b answers with ANSENTRY after its delay */
	ct_haddr_set_v4(&to, 0x7F000001, pb);
	ct_node_send_entry(a, &to, CT_IPMSG_BR_ENTRY, 0);
	PUMP_UNTIL(ct_hosts_find(ha, "bob", "testhost") != NULL, 10000);
	h = ct_hosts_find(hb, "alice", "testhost");
	ok(h != NULL, "b learned alice from BR_ENTRY");
	ok(h && strcmp(h->nick, "テスト") == 0, "nick decoded to UTF-8 from the entry block");
	ok(h && (h->origin & CT_HOST_LOCAL), "origin local (loopback network)");
	ok(ct_hosts_find(ha, "bob", "testhost") != NULL, "a learned bob from the ANSENTRY");
	is_int(ct_node_stats(b)->answers_sent, 1, "one ANSENTRY sent");

	/* a raw peer: ANSENTRY carries UTF8OPT only when the BR_ENTRY had CAPUTF8OPT */
	peer_open(&c);
	peer_send(&c, pb, 500, "carol", CT_IPMSG_BR_ENTRY | CT_IPMSG_CAPUTF8OPT, "Carol\0g", 7);
	ok(peer_recv(&c, &m) == 0 && m.mode == CT_IPMSG_ANSENTRY, "ANSENTRY to carol");
	ok(m.opts & CT_IPMSG_UTF8OPT, "with UTF8OPT (carol had CAPUTF8OPT)");
	ok(m.opts & CT_IPMSG_CAPUTF8OPT, "announcing CAPUTF8OPT");
	ok(m.packetno >= t0, "its packet number is from time()");
	ct_codec_fini(&m);
	peer_send(&c, pb, 500, "carol", CT_IPMSG_BR_ENTRY | CT_IPMSG_CAPUTF8OPT, "Carol\0g", 7);
	peer_send(&c, pb, 501, "carol", CT_IPMSG_BR_ENTRY | CT_IPMSG_DIALUPOPT, "Carol\0g", 7);
	ok(peer_recv(&c, &m) == 0 && m.mode == CT_IPMSG_ANSENTRY, "one answer for the repeat and the new entry");
	ok(!(m.opts & CT_IPMSG_UTF8OPT), "no UTF8OPT when the entry lacked CAPUTF8OPT");
	ct_codec_fini(&m);
	is_int(ct_node_stats(b)->dup, 1, "duplicate (packet number, user) detected");
	h = ct_hosts_find(hb, "carol", "peerhost");
	ok(h && (h->status & CT_IPMSG_DIALUPOPT), "carol's DIALUPOPT recorded");

	/* GETINFO / GETABSENCEINFO / SENDMSG */
	peer_send(&c, pb, 502, "carol", CT_IPMSG_GETINFO, "", 0);
	ok(peer_recv(&c, &m) == 0 && m.mode == CT_IPMSG_SENDINFO, "GETINFO answered with SENDINFO");
	ok(m.nsec && strncmp(m.sec[0].p, "camtraced ", 10) == 0, "SENDINFO names camtraced: %s", m.nsec ? m.sec[0].p : "");
	ct_codec_fini(&m);
	peer_send(&c, pb, 503, "carol", CT_IPMSG_GETABSENCEINFO, "", 0);
	ok(peer_recv(&c, &m) == 0 && m.mode == CT_IPMSG_SENDABSENCEINFO && strcmp(m.sec[0].p, "Not absence mode") == 0,
		"GETABSENCEINFO answered: Not absence mode");
	ct_codec_fini(&m);
	peer_send(&c, pb, 504, "carol", CT_IPMSG_SENDMSG | CT_IPMSG_BROADCASTOPT | CT_IPMSG_SENDCHECKOPT, "hi all", 6);
	peer_send(&c, pb, 505, "carol", CT_IPMSG_SENDMSG | CT_IPMSG_SENDCHECKOPT, "hello", 5);
	ok(peer_recv(&c, &m) == 0 && m.mode == CT_IPMSG_RECVMSG, "SENDMSG|SENDCHECKOPT answered with RECVMSG");
	is_str(m.nsec ? m.sec[0].p : "", "505", "RECVMSG names packet 505 (broadcast message not acknowledged)");
	ct_codec_fini(&m);
	peer_send(&c, pb, 505, "carol", CT_IPMSG_SENDMSG | CT_IPMSG_SENDCHECKOPT, "hello", 5);
	ok(peer_recv(&c, &m) == 0 && m.mode == CT_IPMSG_RECVMSG, "a duplicate SENDMSG is acknowledged again");
	ct_codec_fini(&m);
	is_int(ct_node_stats(b)->msgs, 2, "two messages logged (duplicate not)");

	/* hostile input */
	static char big[70000];
	memset(big, 'A', sizeof big);
	struct ct_haddr from = c.addr;
	from.port++; /* another source: a valid entry from c.addr would replace carol */
	ct_node_input(b, "", 0, &from);
	ct_node_input(b, "garbage", 7, &from);
	ct_node_input(b, "IP2:10:abc:Z", 12, &from);
	ct_node_input(b, big, sizeof big, &from);
	static const char odd[] = "1:1:u:h:1:\xff\xfe\0\0\n\nUN:";
	ct_node_input(b, odd, sizeof odd - 1, &from);
	ct_node_input(b, "1:99999999999:u:h:1:x", 21, &from);
	ct_node_input(b, "1:5::h:1:x", 10, &from);
	ok(ct_node_stats(b)->bad >= 5, "malformed packets counted (%llu)", (unsigned long long)ct_node_stats(b)->bad);
	is_int(ct_node_stats(b)->ipdict, 1, "IPDict ignored");
	peer_send(&c, pb, 506, "carol", CT_IPMSG_GETINFO, "", 0);
	ok(peer_recv(&c, &m) == 0 && m.mode == CT_IPMSG_SENDINFO, "still answering after hostile input");
	ct_codec_fini(&m);

	/* liveness: carol stops answering -> offline after 2 missed checks; back -> one flap */
	h = ct_hosts_find(hb, "carol", "peerhost");
	h->seen_ms = 0;
	ct_node_check_round(b);
	ok(peer_recv(&c, &m) == 0 && m.mode == CT_IPMSG_BR_ENTRY, "liveness check is a unicast BR_ENTRY");
	ct_codec_fini(&m);
	h->seen_ms = 0;
	ct_node_check_round(b);
	ct_codec_fini(&m);
	peer_recv(&c, &m);
	ct_codec_fini(&m);
	h->seen_ms = 0;
	ct_node_check_round(b);
	is_int(h->state, CT_HOST_OFFLINE, "two unanswered checks: offline");
	ok(ct_host_is_unstable(h, 600000, 0), "and unstable (lost now)");
	peer_send(&c, pb, 507, "carol", CT_IPMSG_BR_ENTRY | CT_IPMSG_DIALUPOPT, "Carol\0g", 7);
	ok(peer_recv(&c, &m) == 0 && m.mode == CT_IPMSG_ANSENTRY, "carol back");
	ct_codec_fini(&m);
	is_int(h->flaps, 1, "one flap counted");

	/* BR_EXIT from alice reaches b once b asked for unicast entries (DIALUPOPT): offline at b */
	ct_haddr_set_v4(&to, 0x7F000001, pa);
	ct_node_send_entry(b, &to, CT_IPMSG_BR_ENTRY, CT_IPMSG_DIALUPOPT);
	PUMP_UNTIL((h = ct_hosts_find(ha, "bob", "testhost")) && (h->status & CT_IPMSG_DIALUPOPT), 10000);
	ok(h && (h->status & CT_IPMSG_DIALUPOPT), "a keeps bob on its dial-up list");
	ct_node_stop(a);
	PUMP_UNTIL((h = ct_hosts_find(hb, "alice", "testhost")) && h->state == CT_HOST_OFFLINE, 5000);
	ok(h && h->state == CT_HOST_OFFLINE, "alice's BR_EXIT makes her offline at b");
	/* b stops: carol (DIALUPOPT) gets BR_EXIT twice */
	ct_node_stop(b);
	int exits = 0;
	for (int i = 0; i < 2; i++) {
		if (peer_recv(&c, &m) == 0 && m.mode == CT_IPMSG_BR_EXIT)
			exits++;
		ct_codec_fini(&m);
	}
	is_int(exits, 2, "dial-up host gets BR_EXIT twice");

	ct_node_free(a);
	ct_node_free(b);
	close(c.fd);
	ct_hosts_free(ha);
	ct_hosts_free(hb);
	hook_checks();
	ct_evloop_free(ev);
	return tap_done();
}
