/* t-probe-live.c: probes on the event loop against loopback peers: an answering messenger, a refused port, counters, reset, interval change. */
#include "config.h"
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "json.h"
#include "outbuf.h"
#include "probe-live.h"
#include "sbuf.h"
#include "tap.h"
#include "own-netns.h"

#define PEER 0x7F000309u   /* 127.0.3.9: answers SENDINFO on UDP, listens on TCP */
#define DEAD 0x7F00030Au   /* 127.0.3.10: nothing listens: port unreachable, RST */
#define ENTRY 0x7F00030Bu  /* 127.0.3.11: like iptux: ignores GETINFO, answers BR_ENTRY to our port 2425 */

/* A peer on addr:port accepting TCP connections there and answering a GETINFO with a SENDINFO (to
 * the sender's address and port), or (entry) like iptux only a BR_ENTRY, with an ANSENTRY to port
 * 2425 of the sender's address. */
static pid_t peer(uint32_t addr, uint16_t port, int entry)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), lfd = socket(AF_INET, SOCK_STREAM, 0), on = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(addr) };
	pid_t pid;

	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (fd < 0 || lfd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 64) != 0)
		return -1;
	if ((pid = fork()) != 0) {
		close(fd);
		close(lfd);
		return pid;
	}
	for (;;) {
		char buf[1500];
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		struct ct_sbuf b;
		struct ct_ipmsg m;
		uint32_t mode = 0;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			_exit(0);
		if (ct_codec_parse(&m, buf, (size_t)n) == 0)
			mode = m.mode;
		ct_codec_fini(&m);
		if (mode != (entry ? CT_IPMSG_BR_ENTRY : CT_IPMSG_GETINFO))
			continue;
		ct_sbuf_init(&b);
		if (entry) {
			ct_codec_build(&b, NULL, 4243, "ipt", "ipthost", CT_IPMSG_ANSENTRY, "Nick\0grp", 8, 1);
			from.sin_port = htons(CT_IPMSG_PORT);
		} else {
			ct_codec_build(&b, NULL, 4242, "peer", "peerhost", CT_IPMSG_SENDINFO, "PeerMsg 1.0", 11, 1);
		}
		sendto(fd, b.p, b.len, 0, (struct sockaddr *)&from, fl);
		ct_sbuf_fini(&b);
	}
}

/* 1 when the engine holds UDP port 2425 (no note says it is busy). */
static int port2425_ours(const struct ct_live *lv)
{
	for (unsigned i = 0; i < ct_live_nnotes(lv); i++)
		if (strstr(ct_live_note(lv, i), "2425"))
			return 0;
	return 1;
}

/* The JSON writer: the refused target's record parses and carries its figures. */
static void json_check(const char *mode, const struct ct_live_target *d)
{
	struct ct_out o;
	struct ct_json *j = NULL;
	const struct ct_json *u, *e;
	int64_t n = -1;
	int b = -1;

	ct_out_init_buf(&o);
	ct_live_target_json(&o, d);
	if (!ok(ct_json_parse(o.p, o.len, &j) == 0, "%s: ct_live_target_json writes valid JSON", mode)) {
		ct_out_fini(&o);
		return;
	}
	is_str(ct_json_get_str(j, "address"), "127.0.3.10", "%s: json address", mode);
	is_str(ct_json_get_str(j, "udp_state"), "closed", "%s: json udp_state", mode);
	is_str(ct_json_get_str(j, "tcp_state"), "refused", "%s: json tcp_state", mode);
	is_str(ct_json_get_str(j, "tcp_origin"), d->tcp_origin == CT_ORIGIN_TARGET ? "target" : "unverified",
		"%s: json tcp_origin", mode);
	is_str(ct_json_get_str(j, "tcp_from"), "127.0.3.10", "%s: json tcp_from", mode);
	u = ct_json_get(j, "udp");
	(void)ct_json_get_i64(u, "answered", &n);
	is_int(n, 0, "%s: json udp.answered", mode);
	ok(u && ct_json_get(u, "avg_ms") && !ct_json_get_str(u, "avg_ms") && ct_json_get_num(u, "avg_ms", &(double){ 0 }) != 0,
		"%s: json udp.avg_ms null before an answer", mode);
	e = ct_json_get(j, "icmp_error");
	is_str(ct_json_get_str(e, "key"), "port_unreachable", "%s: json icmp_error.key", mode);
	is_str(ct_json_get_str(e, "probe"), "udp", "%s: json icmp_error.probe", mode);
	(void)ct_json_get_bool(e, "from_target", &b);
	is_int(b, 1, "%s: json icmp_error.from_target", mode);
	ct_json_free(j);
	ct_out_fini(&o);
}

static int changes;

static void on_change(struct ct_live *lv, const struct ct_live_target *t, void *ud)
{
	(void)lv;
	(void)t;
	(void)ud;
	changes++;
}

static void run_for(struct ct_evloop *ev, uint64_t ms)
{
	uint64_t end = ct_mono_ns() + ms * 1000000ull;

	while (ct_mono_ns() < end)
		(void)ct_evloop_run_once(ev, 20);
}

/* The answering peer and the refused address, in one engine with opts flags. */
static void scenario(const char *mode, unsigned flags, uint16_t port)
{
	struct ct_live_opts o = { .flags = flags, .interval_ms = 200, .port = port };
	struct ct_live *lv = NULL;
	struct ct_evloop *ev = NULL;
	const struct ct_live_target *t, *d, *e;
	char err[200];
	int icmp_ok;

	if (!ok(ct_live_new(&lv, &o, err, sizeof err) == 0, "%s: engine created", mode) || ct_evloop_new(&ev) != 0)
		return;
	ct_live_set_callback(lv, on_change, NULL);
	is_int(ct_live_attach(lv, ev), 0, "%s: attached to the loop", mode);
	is_int(ct_live_add(lv, htonl(PEER), 1), 0, "%s: peer added", mode);
	is_int(ct_live_add(lv, htonl(PEER), 0), CT_EEXIST, "%s: added twice: CT_EEXIST", mode);
	is_int(ct_live_add(lv, htonl(DEAD), 0), 0, "%s: refused address added", mode);
	is_int(ct_live_add(lv, htonl(ENTRY), 0), 0, "%s: BR_ENTRY-only peer added", mode);
	changes = 0;
	run_for(ev, 1500);
	icmp_ok = ct_live_avail(lv, CT_LIVE_ICMP) != CT_LIVE_AVAIL_NOPRIV;
	t = ct_live_get(lv, htonl(PEER));
	d = ct_live_get(lv, htonl(DEAD));
	ok(t && d, "%s: both targets there", mode);
	if (!t || !d)
		goto out;
	ok(changes > 0, "%s: the change callback ran (%d)", mode, changes);
	ok(t->k[CT_LIVE_UDP].sent >= 3, "%s: UDP probes sent every round (%u)", mode, t->k[CT_LIVE_UDP].sent);
	ok(t->k[CT_LIVE_UDP].done >= 3 && t->k[CT_LIVE_UDP].answered == t->k[CT_LIVE_UDP].done,
		"%s: every finished GETINFO answered (%u of %u)", mode, t->k[CT_LIVE_UDP].answered, t->k[CT_LIVE_UDP].done);
	ok(t->k[CT_LIVE_UDP].loss_pct == 0.0, "%s: UDP loss 0%%", mode);
	is_str(ct_port_state_key((enum ct_port_state)t->udp_state), "open", "%s: UDP open", mode);
	is_int(t->udp_entry, 0, "%s: GETINFO answered: no BR_ENTRY", mode);
	is_str(t->program, "PeerMsg 1.0", "%s: the program named from the SENDINFO", mode);
	ok(t->k[CT_LIVE_UDP].best_ns > 0 && t->k[CT_LIVE_UDP].best_ns <= t->k[CT_LIVE_UDP].avg_ns &&
		t->k[CT_LIVE_UDP].avg_ns <= t->k[CT_LIVE_UDP].worst_ns, "%s: best <= avg <= worst", mode);
	is_str(ct_live_tcp_key(t->tcp_state), "open", "%s: TCP open", mode);
	ok(t->k[CT_LIVE_TCP].answered >= 3 && t->k[CT_LIVE_TCP].loss_pct == 0.0, "%s: TCP answered, no loss", mode);
	if (icmp_ok)
		ok(t->k[CT_LIVE_ICMP].answered >= 3 && t->k[CT_LIVE_ICMP].loss_pct == 0.0, "%s: echo answered", mode);
	else
		ok(t->k[CT_LIVE_ICMP].sent == 0 && t->k[CT_LIVE_ICMP].avail == CT_LIVE_AVAIL_NOPRIV,
			"%s: no ICMP: nothing sent, no_privilege", mode);
	/* the peer that answers only BR_ENTRY, to our port 2425 */
	e = ct_live_get(lv, htonl(ENTRY));
	if (port2425_ours(lv)) {
		is_int(e->udp_entry, 1, "%s: GETINFO ignored: probed with BR_ENTRY", mode);
		is_str(ct_port_state_key((enum ct_port_state)e->udp_state), "open", "%s: ... ANSENTRY to port 2425: open", mode);
		ok(e->k[CT_LIVE_UDP].answered >= 3 && e->k[CT_LIVE_UDP].loss_pct == 0.0,
			"%s: ... the same round answers: no loss (%u of %u)", mode, e->k[CT_LIVE_UDP].answered, e->k[CT_LIVE_UDP].done);
		is_str(e->program, "IP Messenger compatible", "%s: ... program from the ANSENTRY", mode);
	} else {
		for (int i = 0; i < 4; i++)
			ok(1, "# SKIP %s: port 2425 is held by another program", mode);
	}
	/* the refused address */
	is_str(ct_port_state_key((enum ct_port_state)d->udp_state), "closed", "%s: refused UDP closed", mode);
	ok(d->k[CT_LIVE_UDP].answered == 0 && d->k[CT_LIVE_UDP].done >= 3 && d->k[CT_LIVE_UDP].loss_pct == 100.0,
		"%s: refused UDP: 100%% loss", mode);
	ok(d->k[CT_LIVE_UDP].errors >= 3, "%s: ... every one an ICMP error (%u)", mode, d->k[CT_LIVE_UDP].errors);
	is_str(d->icmp_err.key, "port_unreachable", "%s: the ICMP error named", mode);
	is_int(d->icmp_err.from_target, 1, "%s: ... sent by the target", mode);
	is_int(d->icmp_err.kind, CT_LIVE_UDP, "%s: ... for the UDP probe", mode);
	is_str(ct_live_tcp_key(d->tcp_state), "refused", "%s: TCP refused", mode);
	json_check(mode, d);
	/* reset and interval */
	ct_live_reset(lv, 0);
	t = ct_live_get(lv, htonl(PEER));
	ok(t->k[CT_LIVE_UDP].sent == 0 && t->k[CT_LIVE_UDP].done == 0 && t->k[CT_LIVE_TCP].answered == 0 &&
		t->rounds == 0 && t->k[CT_LIVE_UDP].best_ns == 0, "%s: reset zeroes the counters", mode);
	is_str(ct_port_state_key((enum ct_port_state)t->udp_state), "open", "%s: ... and keeps the states", mode);
	is_int(ct_live_set_interval(lv, 5), CT_ERANGE, "%s: interval below the minimum refused", mode);
	is_int(ct_live_set_interval(lv, 100000), 0, "%s: interval changed", mode);
	is_int((int)ct_live_interval(lv), 100000, "%s: ... and reported", mode);
	run_for(ev, 400);
	ok(t->rounds <= 1, "%s: a long interval: at most one round after the change (%u)", mode, t->rounds);
	is_int(ct_live_set_interval(lv, 100), 0, "%s: interval back to 100 ms", mode);
	run_for(ev, 700);
	ok(t->rounds >= 3, "%s: ... rounds follow it at once (%u)", mode, t->rounds);
	is_int(ct_live_remove(lv, htonl(DEAD)), 0, "%s: target removed", mode);
	is_int(ct_live_remove(lv, htonl(DEAD)), CT_ENOTFOUND, "%s: removed twice: CT_ENOTFOUND", mode);
	ct_live_remove_unpinned(lv);
	is_int((int)ct_live_count(lv), 1, "%s: the pinned target stays", mode);
	is_int(ct_live_pin(lv, htonl(PEER), 0), 0, "%s: unpinned", mode);
	ct_live_remove_unpinned(lv);
	is_int((int)ct_live_count(lv), 0, "%s: ... and then removed", mode);
out:
	ct_live_free(lv);
	ct_evloop_free(ev);
}

int main(void)
{
	uint16_t port;
	pid_t pid, pid2;

	own_netns(); /* the engine binds UDP 2425 on loopback: not another test's */
	port = (uint16_t)(43000 + getpid() % 2000 * 2);
	pid = peer(PEER, port, 0);
	pid2 = peer(ENTRY, port, 1);

	if (!ok(pid > 0 && pid2 > 0, "loopback peers on 127.0.3.9:%u and 127.0.3.11:%u", port, port))
		return tap_done();
	if (geteuid() == 0)
		scenario("raw", 0, port);
	scenario("sockets", CT_LIVE_NO_RAW, port);
	scenario("sockets, no ping", CT_LIVE_NO_RAW | CT_LIVE_NO_PING, port);
	kill(pid, SIGKILL);
	kill(pid2, SIGKILL);
	waitpid(pid, NULL, 0);
	waitpid(pid2, NULL, 0);
	return tap_done();
}
