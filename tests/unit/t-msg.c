/* t-msg.c: unit tests for msg.c and inbox.c: delivery and retries, CP932/UTF-8, duplicates, allow list, sealed messages, absence replies, the inbox file. */
#include "config.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bodies.h"
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "inbox.h"
#include "msg.h"
#include "node.h"
#include "sbuf.h"
#include "targets.h"
#include "tap.h"
#include "nodeutil.h"

struct got {
	int done;
	struct ct_msg_result r[4];
	size_t n;
};

static void on_done(struct ct_msg *m, uint64_t job, const struct ct_msg_result *r, size_t n, void *ud)
{
	struct got *g = ud;

	(void)m;
	(void)job;
	g->done = 1;
	g->n = n;
	for (size_t i = 0; i < n && i < 4; i++)
		g->r[i] = r[i];
}

static struct ct_inbox *inbox_b;
static int recv_calls;

static void on_recv(struct ct_msg *m, const struct ct_msg_in *in, void *ud)
{
	(void)m;
	(void)ud;
	recv_calls++;
	ct_inbox_add(inbox_b, in, NULL);
}

static struct ct_msg_to to_port(uint16_t port, const char *label, int utf8)
{
	struct ct_msg_to t;

	memset(&t, 0, sizeof t);
	ct_haddr_set_v4(&t.addr, 0x7F000001, port);
	t.label = label;
	t.utf8 = utf8;
	return t;
}

static int send_wait(struct ct_msg *m, const struct ct_msg_to *to, size_t n, const struct ct_msg_send_opts *o, struct got *g)
{
	memset(g, 0, sizeof *g);
	if (ct_msg_send(m, to, n, o, on_done, g, NULL) != 0)
		return -1;
	PUMP_UNTIL(g->done, 10000);
	return g->done ? 0 : -1;
}

static const char *last_text(void)
{
	size_t n = ct_inbox_count(inbox_b);
	return n ? ct_inbox_at(inbox_b, n - 1)->text : "";
}

int main(void)
{
	struct ct_hosts *ha = ct_hosts_new(), *hb = ct_hosts_new(), *hc = ct_hosts_new();
	struct ct_node *a, *b, *c;
	struct ct_msg *ma, *mb, *mc;
	struct ct_msg_conf conf;
	struct ct_node_conf nc;
	struct ct_targets only10;
	struct ct_msg_send_opts o = { 0 };
	struct ct_msg_to t[2];
	struct ct_ipmsg pm;
	struct peer p;
	struct got g;
	uint16_t pa, pb, pc;
	char path[] = "/tmp/t-msg-XXXXXX", file[64], err[256];
	int r;

	ct_evloop_new(&ev);
	a = mknode(ha, "alice", &pa);
	b = mknode(hb, "bob", &pb);
	ok(a && b, "two nodes on loopback");
	if (!a || !b)
		return tap_done();
	ok(mkdtemp(path) != NULL, "a state directory");
	snprintf(file, sizeof file, "%s/inbox.json", path);
	is_int(ct_inbox_open(&inbox_b, file, 3, err, sizeof err), 0, "inbox opened (none yet)");
	memset(&conf, 0, sizeof conf);
	conf.retry_ms = 50;
	conf.retries = 2;
	is_int(ct_msg_new(&ma, a, &conf), 0, "alice's message engine");
	conf.on_recv = on_recv;
	conf.absence_reply = 1;
	conf.absence_text = "gone fishing";
	is_int(ct_msg_new(&mb, b, &conf), 0, "bob's message engine");
	peer_open(&p);

	/* delivered at the first try, UTF-8 asked */
	t[0] = to_port(pb, "bob", 1);
	o.text = "hello bob";
	r = send_wait(ma, t, 1, &o, &g);
	ok(r == 0 && g.n == 1, "the job ends");
	is_str(ct_msg_state_name(g.r[0].state), "delivered", "delivered (RECVMSG matched by packet number)");
	is_int(g.r[0].tries, 1, "in one try");
	is_str(last_text(), "hello bob", "bob's inbox has the text");
	is_str(ct_inbox_at(inbox_b, 0)->user, "alice", "from alice");
	is_str(ct_inbox_at(inbox_b, 0)->charset, "utf-8", "in UTF-8");

	/* CP932 to a peer without UTF-8 */
	t[0] = to_port(pb, "bob", 0);
	o.text = "日本語のテスト";
	r = send_wait(ma, t, 1, &o, &g);
	is_str(ct_msg_state_name(g.r[0].state), "delivered", "a CP932 message delivered");
	is_str(last_text(), "日本語のテスト", "decoded back from CP932");
	is_str(ct_inbox_at(inbox_b, ct_inbox_count(inbox_b) - 1)->charset, "cp932", "it came in CP932");

	/* a silent peer: not delivered after exactly 1 + retries sends, all with one packet number */
	t[0] = to_port(0, "silent", -1);
	t[0].addr = p.addr;
	o.text = "日本";
	memset(&g, 0, sizeof g);
	ct_msg_send(ma, t, 1, &o, on_done, &g, NULL);
	{
		uint32_t nums[4] = { 0 }, cmd = 0;
		int k = 0, cp932 = 0;
		while (k < 4 && peer_recv(&p, &pm) == 0) {
			nums[k++] = pm.packetno;
			cmd = pm.command;
			cp932 = pm.sec[0].len == 4 && memcmp(pm.sec[0].p, "\x93\xfa\x96\x7b", 4) == 0;
			ct_codec_fini(&pm);
		}
		PUMP_UNTIL(g.done, 5000);
		is_int(k, 3, "three SENDMSG datagrams (one try and two retries)");
		ok(nums[0] && nums[0] == nums[1] && nums[1] == nums[2], "one packet number for the resends");
		ok(cmd == (CT_IPMSG_SENDMSG | CT_IPMSG_SENDCHECKOPT), "SENDMSG|SENDCHECKOPT, no UTF8OPT for an unknown host (%u)", cmd);
		ok(cp932, "the body in CP932 (93 FA 96 7B)");
		is_str(ct_msg_state_name(g.r[0].state), "not_delivered", "then not delivered");
		is_int(g.r[0].tries, 3, "after 3 tries");
	}

	/* duplicates: a resent SENDMSG is acknowledged again but stored once */
	recv_calls = 0;
	peer_send(&p, pb, 900, "pete", CT_IPMSG_SENDMSG | CT_IPMSG_SENDCHECKOPT, "twice", 5);
	ok(peer_recv(&p, &pm) == 0 && pm.mode == CT_IPMSG_RECVMSG, "RECVMSG for the first");
	ct_codec_fini(&pm);
	for (int i = 0; i < 70; i++) /* more than the node's own 64-packet duplicate ring */
		peer_send(&p, pb, 1000 + i, "pete", CT_IPMSG_NOOPERATION, "", 0);
	peer_send(&p, pb, 900, "pete", CT_IPMSG_SENDMSG | CT_IPMSG_SENDCHECKOPT, "twice", 5);
	ok(peer_recv(&p, &pm) == 0 && pm.mode == CT_IPMSG_RECVMSG, "RECVMSG for the resend too");
	ct_codec_fini(&pm);
	pump(50);
	is_int(recv_calls, 1, "stored once (the message engine's own duplicate table)");

	/* an automatic reply is never answered, nor stored twice */
	ct_node_set_absent(b, 1, "away");
	recv_calls = 0;
	t[0] = to_port(pb, "bob", 1);
	o.text = "are you there?";
	r = send_wait(ma, t, 1, &o, &g);
	is_str(ct_msg_state_name(g.r[0].state), "delivered", "delivered to an absent bob");
	pump(100);
	is_str(g.r[0].auto_reply, "gone fishing", "his absence reply is in the result");
	peer_send(&p, pb, 950, "pete", CT_IPMSG_SENDMSG | CT_IPMSG_AUTORETOPT, "auto", 4);
	ok(peer_recv(&p, &pm) != 0, "an AUTORETOPT message gets neither RECVMSG nor another automatic reply");
	ct_codec_fini(&pm);
	ct_node_set_absent(b, 0, NULL);

	/* sealed, with read check: READMSG when opened, ANSREADMSG back, the sender sees it read */
	o.text = "secret";
	o.seal = 1;
	o.wait_read = 1;
	memset(&g, 0, sizeof g);
	ct_msg_send(ma, t, 1, &o, on_done, &g, NULL);
	PUMP_UNTIL(ct_inbox_count(inbox_b) && !strcmp(last_text(), "secret"), 3000);
	{
		struct ct_inbox_msg *im = ct_inbox_at(inbox_b, ct_inbox_count(inbox_b) - 1);
		struct ct_haddr from;
		struct ct_msg_stats st;
		ok(im->sealed && im->readcheck, "stored as sealed with read check");
		is_int(ct_inbox_msg_addr(im, &from), 0, "the sender's address from the inbox");
		is_int(ct_msg_read_notify(mb, &from, im->packetno, im->readcheck), 0, "opened: READMSG sent");
		PUMP_UNTIL(g.done, 3000);
		ok(g.done && g.r[0].read, "the sender got the read notice");
		pump(100);
		ct_msg_stats(mb, &st);
		is_int(st.read_notices_sent, 1, "one read notice");
	}
	o.seal = o.wait_read = 0;

	/* several recipients: one delivered, one not; MULTICASTOPT */
	t[0] = to_port(pb, "bob", 1);
	t[1].addr = p.addr;
	t[1].label = "silent";
	t[1].utf8 = 1;
	o.text = "to both";
	memset(&g, 0, sizeof g);
	ct_msg_send(ma, t, 2, &o, on_done, &g, NULL);
	ok(peer_recv(&p, &pm) == 0 && (pm.opts & CT_IPMSG_MULTICASTOPT) && (pm.opts & CT_IPMSG_UTF8OPT), "MULTICASTOPT|UTF8OPT on each copy");
	ct_codec_fini(&pm);
	PUMP_UNTIL(g.done, 5000);
	ok(g.n == 2 && g.r[0].state == CT_MSG_DELIVERED && g.r[1].state == CT_MSG_NOT_DELIVERED,
		"bob delivered, the silent one not");

	while (peer_recv(&p, &pm) == 0) /* the silent one's resends */
		ct_codec_fini(&pm);
	/* the allow list: a sender outside gets no RECVMSG and nothing is stored */
	ct_targets_init(&only10, CT_TARGETS_DEFAULT_MAX);
	is_int(ct_targets_add(&only10, "10.1.2.0/24", err, sizeof err), 0, "an allow list: 10.1.2.0/24");
	memset(&nc, 0, sizeof nc);
	nc.msg_allow = &only10;
	c = mknode_conf(hc, &nc, "carol", &pc);
	conf.allow = &only10;
	recv_calls = 0;
	is_int(ct_msg_new(&mc, c, &conf), 0, "carol takes messages from 10.1.2.0/24 only");
	peer_send(&p, pc, 960, "pete", CT_IPMSG_SENDMSG | CT_IPMSG_SENDCHECKOPT, "let me in", 9);
	ok(peer_recv(&p, &pm) != 0, "no RECVMSG to a sender outside the allow list");
	ct_codec_fini(&pm);
	is_int(recv_calls, 0, "and nothing stored");
	ct_targets_add(&only10, "127.0.0.1", err, sizeof err);
	peer_send(&p, pc, 961, "pete", CT_IPMSG_SENDMSG | CT_IPMSG_SENDCHECKOPT, "now?", 4);
	ok(peer_recv(&p, &pm) == 0 && pm.mode == CT_IPMSG_RECVMSG, "once 127.0.0.1 is in the list: RECVMSG");
	ct_codec_fini(&pm);
	PUMP_UNTIL(recv_calls == 1, 2000);
	is_int(recv_calls, 1, "and the message kept");

	/* the inbox: bounded, saved and loaded back */
	is_int(ct_inbox_count(inbox_b), 3, "the inbox keeps inbox_max (3) messages");
	is_int(ct_inbox_save(inbox_b, err, sizeof err), 0, "saved");
	{
		struct ct_inbox *ib2;
		uint64_t id_last = ct_inbox_at(inbox_b, 2)->id, id;
		struct ct_msg_in in = { 0 };
		is_int(ct_inbox_open(&ib2, file, 3, err, sizeof err), 0, "loaded again");
		is_int(ct_inbox_count(ib2), 3, "three messages");
		is_str(ct_inbox_at(ib2, 2)->text, ct_inbox_at(inbox_b, 2)->text, "the same texts");
		in.text = "new";
		ct_inbox_add(ib2, &in, &id);
		ok(id == id_last + 1, "ids go on after a reload (%llu)", (unsigned long long)id);
		ct_inbox_close(ib2);
	}
	{
		FILE *f = fopen(file, "w");
		struct ct_inbox *ib3;
		fputs("{not json", f);
		fclose(f);
		is_int(ct_inbox_open(&ib3, file, 3, err, sizeof err), 0, "a broken file: set aside, empty inbox");
		is_int(ct_inbox_count(ib3), 0, "nothing loaded");
		ct_inbox_close(ib3);
		snprintf(err, sizeof err, "%s.bad", file);
		ok(access(err, F_OK) == 0, "kept as inbox.json.bad");
		unlink(err);
	}
	/* recipients: addresses, names from the table, ambiguous names, --all with a network */
	{
		struct ct_hosts *tab = ct_hosts_new();
		struct ct_host_info hi = { 0 };
		struct ct_msg_to v[4], *all = NULL;
		struct ct_targets net;
		char **labels = NULL, as[CT_HADDR_STRLEN];
		int k;
		hi.user = "taro", hi.host = "pc1", hi.nick = "営業";
		ct_haddr_set_v4(&hi.addr, 0xC6120102, 2425);
		ct_hosts_update(tab, &hi, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 1, 1, NULL);
		hi.user = "jiro", hi.host = "pc2";
		ct_haddr_set_v4(&hi.addr, 0xC6120203, 2425);
		ct_hosts_update(tab, &hi, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 1, 1, NULL);
		is_int(ct_msg_resolve(tab, "10.1.2.3:2426", v, 4, err, sizeof err), 1, "an address with a port");
		is_str(ct_haddr_str(&v[0].addr, as, sizeof as), "10.1.2.3:2426", "taken as given");
		is_int(ct_msg_resolve(tab, "jiro", v, 4, err, sizeof err), 1, "a user name");
		is_str(ct_haddr_str(&v[0].addr, as, sizeof as), "198.18.2.3:2425", "its address from the table");
		is_int(ct_msg_resolve(tab, "taro@pc1", v, 4, err, sizeof err), 1, "user@host");
		is_int(ct_msg_resolve(tab, "営業", v, 4, err, sizeof err), CT_EEXIST, "a nick two users have: ambiguous");
		is_int(ct_msg_resolve(tab, "nobody", v, 4, err, sizeof err), CT_ENOTFOUND, "an unknown name");
		is_int(ct_msg_resolve(NULL, "jiro", v, 4, err, sizeof err), CT_ENOTFOUND, "names need a table");
		ct_targets_init(&net, CT_TARGETS_DEFAULT_MAX);
		ct_targets_add(&net, "198.18.2.0/24", err, sizeof err);
		k = ct_msg_resolve_all(tab, &net, &all, &labels);
		ok(k == 1 && !strcmp(labels[0], "jiro@pc2"), "--all --network: only jiro@pc2 (%d %s)", k, k > 0 ? labels[0] : "-");
		for (int i = 0; i < k; i++)
			free(labels[i]);
		free(labels);
		free(all);
		k = ct_msg_resolve_all(tab, NULL, &all, &labels);
		is_int(k, 2, "--all: both");
		for (int i = 0; i < k; i++)
			free(labels[i]);
		free(labels);
		free(all);
		ct_targets_fini(&net);
		ct_hosts_free(tab);
	}

	/* the time a control request allows a send (camtrace send through camtraced) */
	{
		struct ct_msg_conf d0 = { .retries = 3 }, big = { .retry_ms = 60000, .retries = 20, .rate = 10 };
		is_int(ct_msg_send_budget_ms(&d0, 1, 0), 10 + 2 * (2 * 4 * 1000 + 2000), "defaults (3 retries), one recipient: 20010 ms");
		is_int(ct_msg_send_budget_ms(&d0, 1, 1) - ct_msg_send_budget_ms(&d0, 1, 0), 20000,
			"--wait-read adds the read wait (20 s)");
		is_int(ct_msg_send_budget_ms(&d0, 1000, 0) - ct_msg_send_budget_ms(&d0, 0, 0), 10000,
			"1000 recipients paced at 100/s add 10 s");
		is_int(ct_msg_send_budget_ms(&big, 1, 0), 100 + 2 * (2 * 21 * 60000 + 2000),
			"msg_retries 20 x msg_retry_ms 60000 at 10/s: every try counted");
	}

	unlink(file);
	rmdir(path);
	ct_msg_free(mc);
	ct_node_free(c);
	ct_targets_fini(&only10);
	ct_msg_free(ma);
	ct_msg_free(mb);
	ct_inbox_close(inbox_b);
	ct_node_free(a);
	ct_node_free(b);
	ct_hosts_free(ha);
	ct_hosts_free(hb);
	ct_hosts_free(hc);
	close(p.fd);
	ct_evloop_free(ev);
	return tap_done();
}
