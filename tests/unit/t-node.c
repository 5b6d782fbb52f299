/* t-node.c: unit tests for the protocol node on loopback: entries, answers, info, messages, liveness, exit, hook lists, presence claims. */
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
#include "pktno.h"
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

/* ---- presence claims (node-claims.c): accept, confirmation, moves, takeovers, exits ---- */

/* A packet with a forged source (the test plays a forger on the wire). */
static void forge(struct ct_node *n, const struct ct_haddr *from, uint32_t pkt, const char *user, uint32_t cmd)
{
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	ct_codec_build(&b, NULL, pkt, user, "peerhost", cmd, "Nick\0grp", 8, 1);
	ct_node_input(n, b.p, b.len, from);
	ct_sbuf_fini(&b);
}

/* p receives a unicast BR_ENTRY (the node asking), before or after at most one ANSENTRY
 * (*answered; with want_answer the two are waited for). */
static int asked_ans(struct peer *p, int *answered, int want_answer)
{
	struct ct_ipmsg m;
	int r = 0;

	*answered = 0;
	for (int i = 0; i < 2 && !(r && (*answered || !want_answer)); i++) {
		if (peer_recv(p, &m) != 0)
			break;
		r |= m.mode == CT_IPMSG_BR_ENTRY;
		*answered |= m.mode == CT_IPMSG_ANSENTRY;
		ct_codec_fini(&m);
	}
	return r;
}

static int asked(struct peer *p)
{
	int a;

	return asked_ans(p, &a, 0);
}

static struct ct_node_presence_stats pst(struct ct_node *n)
{
	struct ct_node_presence_stats st;

	ct_node_presence_stats(n, &st);
	return st;
}

static int at(struct ct_hosts *hs, const char *user, const struct peer *p, int state)
{
	struct ct_host *h = ct_hosts_find(hs, user, "peerhost");

	return h && ct_haddr_eq(&h->addr, &p->addr) && h->state == state;
}

static void claims_checks(void)
{
	struct ct_hosts *hs = ct_hosts_new(), *h2 = ct_hosts_new();
	struct ct_node_conf c;
	struct ct_node *s, *s2;
	struct ct_targets acc;
	struct peer p, q, f, r, x, o;
	uint16_t ps, ps2;
	char err[128];

	memset(&c, 0, sizeof c);
	c.confirm_claims = 1;
	s = mknode_conf(hs, &c, "srv", &ps);
	ok(s != NULL, "claims: a node confirming claims");
	if (!s)
		return;
	peer_open(&p), peer_open(&q), peer_open(&f), peer_open(&r), peer_open(&x), peer_open(&o);

	/* a new host: held and asked; added once its address answered */
	int answered;
	peer_send(&p, ps, 700, "pat", CT_IPMSG_BR_ENTRY, "Pat\0g", 5);
	ok(asked_ans(&p, &answered, 1), "an unsolicited BR_ENTRY from a new host gets a unicast BR_ENTRY (the question)");
	ok(answered, "... and the ANSENTRY every client sends to a BR_ENTRY");
	ok(ct_hosts_find(hs, "pat", "peerhost") == NULL, "... and the host is not added before it answered");
	is_int(pst(s).pending, 1, "one pending claim");
	peer_send(&p, ps, 701, "pat", CT_IPMSG_ANSENTRY, "Pat\0g", 5);
	PUMP_UNTIL(ct_hosts_find(hs, "pat", "peerhost"), 3000);
	ok(at(hs, "pat", &p, CT_HOST_ONLINE), "its ANSENTRY (solicited) adds it");
	is_int(pst(s).confirmed, 1, "confirmed 1");
	/* a forged admin from an address that never answers: never added (checked below) */
	peer_send(&q, ps, 800, "admin", CT_IPMSG_BR_ENTRY, "Admin\0g", 7);
	ok(asked(&q), "the forged admin's address is asked");
	/* a second host, for the real exit at the end */
	peer_send(&x, ps, 1000, "rex", CT_IPMSG_BR_ENTRY, "Rex\0g", 5);
	ok(asked(&x), "rex asked");
	peer_send(&x, ps, 1001, "rex", CT_IPMSG_ANSENTRY, "Rex\0g", 5);
	PUMP_UNTIL(ct_hosts_find(hs, "rex", "peerhost"), 3000);
	ok(at(hs, "rex", &x, CT_HOST_ONLINE), "rex added after answering");

	/* a forged move of pat: pat asked at its known address answers -> refused */
	pump(1100); /* one question per address and second */
	forge(s, &f.addr, 900, "pat", CT_IPMSG_BR_ENTRY);
	ok(asked(&p), "a move claim for pat: pat is asked at its known address");
	peer_send(&p, ps, 702, "pat", CT_IPMSG_ANSENTRY, "Pat\0g", 5);
	PUMP_UNTIL(pst(s).moves_refused == 1, 3000);
	is_int(pst(s).moves_refused, 1, "moves_refused 1 (pat answered where it is)");
	ok(at(hs, "pat", &p, CT_HOST_ONLINE), "pat still online at its address");
	/* a forged takeover of pat's address with other names */
	pump(1100);
	forge(s, &p.addr, 901, "boss", CT_IPMSG_BR_ENTRY);
	ok(asked(&p), "a takeover claim: the address is asked");
	peer_send(&p, ps, 703, "pat", CT_IPMSG_ANSENTRY, "Pat\0g", 5);
	PUMP_UNTIL(pst(s).takeovers_refused == 1, 3000);
	is_int(pst(s).takeovers_refused, 1, "takeovers_refused 1 (pat answered with its names)");
	ok(!ct_hosts_find(hs, "boss", "peerhost") && at(hs, "pat", &p, CT_HOST_ONLINE), "no boss; pat unchanged");
	/* a forged BR_EXIT with pat's source */
	pump(1100);
	forge(s, &p.addr, 902, "pat", CT_IPMSG_BR_EXIT);
	ok(at(hs, "pat", &p, CT_HOST_ONLINE), "a BR_EXIT for an online host is not applied at once");
	ok(asked(&p), "pat is asked");
	peer_send(&p, ps, 704, "pat", CT_IPMSG_ANSENTRY, "Pat\0g", 5);
	PUMP_UNTIL(pst(s).exits_refused == 1, 3000);
	is_int(pst(s).exits_refused, 1, "exits_refused 1");
	ok(at(hs, "pat", &p, CT_HOST_ONLINE), "pat still online");

	/* the neighbours: a real move (pat to r, silent at p) and a real exit (rex) are applied */
	pump(1100);
	peer_send(&r, ps, 705, "pat", CT_IPMSG_BR_ENTRY, "Pat\0g", 5);
	peer_send(&x, ps, 1002, "rex", CT_IPMSG_BR_EXIT, "", 0);
	ok(asked(&r), "a move: the new address is asked too");
	peer_send(&r, ps, 706, "pat", CT_IPMSG_ANSENTRY, "Pat\0g", 5);
	ok(at(hs, "pat", &p, CT_HOST_ONLINE), "pat not moved before the window ends");
	PUMP_UNTIL(pst(s).moves_applied == 1 && pst(s).exits_applied == 1, 10000);
	is_int(pst(s).moves_applied, 1, "moves_applied 1 (the old address stayed silent)");
	ok(at(hs, "pat", &r, CT_HOST_ONLINE), "pat now at its new address");
	is_int(pst(s).exits_applied, 1, "exits_applied 1 (rex stayed silent)");
	ok(at(hs, "rex", &x, CT_HOST_OFFLINE), "rex offline");
	is_int(pst(s).unconfirmed_expired, 1, "the forged admin expired unconfirmed");
	ok(ct_hosts_find(hs, "admin", "peerhost") == NULL, "and was never added");
	is_int(pst(s).pending, 0, "nothing pending");

	/* a full table (a flood of forged sources): the oldest claim goes, found by address */
	{
		struct ct_haddr fa;
		char u[16];
		for (int i = 0; i < 1030; i++) {
			ct_haddr_set_v4(&fa, 0x7F040000u + (uint32_t)i, 2425);
			snprintf(u, sizeof u, "f%d", i);
			forge(s, &fa, 5000 + (uint32_t)i, u, CT_IPMSG_BR_ENTRY);
		}
		is_int(pst(s).pending, 1024, "1030 forged new hosts: 1024 pending");
		is_int(pst(s).pending_dropped, 6, "the 6 oldest dropped");
		ct_haddr_set_v4(&fa, 0x7F040000u + 1029, 2425);
		forge(s, &fa, 7029, "f1029", CT_IPMSG_BR_ENTRY);
		is_int(pst(s).pending_dropped, 6, "the newest again: its pending claim is found, nothing dropped");
		/* the first 50 were asked (the questions' burst): a BR_ENTRY from them now is solicited,
		 * and counts as a confirmation only when their claim is still pending */
		uint64_t conf0 = pst(s).confirmed;
		ct_haddr_set_v4(&fa, 0x7F040000u + 6, 2425);
		forge(s, &fa, 7006, "f6", CT_IPMSG_BR_ENTRY);
		is_int((int)(pst(s).confirmed - conf0), 1, "the oldest kept claim (6) is found by its address");
		ct_haddr_set_v4(&fa, 0x7F040000u + 0, 2425);
		forge(s, &fa, 7000, "f0", CT_IPMSG_BR_ENTRY);
		is_int((int)(pst(s).confirmed - conf0), 1, "a dropped one (0) is not");
		is_int(pst(s).pending, 1024, "1024 pending (a claim is settled at the next tick)");
	}

	/* accept: entries from outside are counted, not applied, not asked */
	memset(&c, 0, sizeof c);
	ct_targets_init(&acc, (size_t)-1);
	ct_targets_add(&acc, "10.0.0.0/8", err, sizeof err);
	c.accept = &acc;
	s2 = mknode_conf(h2, &c, "srv2", &ps2);
	peer_send(&o, ps2, 1, "out", CT_IPMSG_BR_ENTRY, "Out\0g", 5);
	peer_send(&o, ps2, 2, "out", CT_IPMSG_ANSENTRY, "Out\0g", 5);
	peer_send(&o, ps2, 3, "out", CT_IPMSG_BR_EXIT, "", 0);
	PUMP_UNTIL(s2 && pst(s2).refused_outside == 3, 3000);
	is_int(s2 ? pst(s2).refused_outside : 0, 3, "three entry packets from outside accept refused");
	is_int(ct_hosts_count(h2), 0, "none applied");
	{
		struct ct_ipmsg m;
		int got = s2 ? peer_recv(&o, &m) : -1;
		ok(got == 0 && m.mode == CT_IPMSG_ANSENTRY, "the BR_ENTRY from outside still gets its ANSENTRY (protocol)");
		ct_codec_fini(&m);
		got = s2 ? peer_recv(&o, &m) : 0;
		ok(got != 0, "... and nothing else (no question)");
		ct_codec_fini(&m);
	}

	ct_node_free(s);
	ct_node_free(s2);
	ct_targets_fini(&acc);
	close(p.fd), close(q.fd), close(f.fd), close(r.fd), close(x.fd), close(o.fd);
	ct_hosts_free(hs);
	ct_hosts_free(h2);
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
	uint32_t t0 = ct_pktno_seed();

	ct_evloop_new(&ev);
	a = mknode(ha, "alice", &pa);
	b = mknode(hb, "bob", &pb);
	ok(a && b, "two nodes bound on loopback");
	if (!a || !b)
		return tap_done();
	ok((int32_t)(ct_node_next_packetno(a) - t0) >= 0, "packet numbers follow the clock (ct_pktno_seed)");
	uint32_t p1 = ct_node_next_packetno(a), p2 = ct_node_next_packetno(a);
	ok((int32_t)(p2 - p1) > 0, "packet numbers go up");

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
	ok((int32_t)(m.packetno - t0) > 0, "its packet number is from the clock");
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
	claims_checks();
	ct_evloop_free(ev);
	return tap_done();
}
