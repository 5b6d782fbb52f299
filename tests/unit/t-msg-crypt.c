/* t-msg-crypt.c: unit tests for msg-crypt.c on loopback: --encrypt require both ways (key fetch, suite, signature no_key then ok), the DecryptErr retry (once, then not_delivered), auto and require to a peer without keys. */
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
#include "crypto.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "msg.h"
#include "node.h"
#include "sbuf.h"
#include "tap.h"
#include "nodeutil.h"

struct got {
	int done;
	struct ct_msg_result r;
};

static void on_done(struct ct_msg *m, uint64_t job, const struct ct_msg_result *r, size_t n, void *ud)
{
	struct got *g = ud;

	(void)m;
	(void)job;
	g->done = 1;
	if (n)
		g->r = r[0];
}

struct inbox1 {
	int n;
	char text[64], cipher[40], sig[16], why[200];
};

static void on_recv(struct ct_msg *m, const struct ct_msg_in *in, void *ud)
{
	struct inbox1 *b = ud;

	(void)m;
	if (in->autoreply)
		return;
	b->n++;
	snprintf(b->text, sizeof b->text, "%s", in->text);
	snprintf(b->cipher, sizeof b->cipher, "%s", in->cipher ? in->cipher : "");
	snprintf(b->sig, sizeof b->sig, "%s", in->signature ? in->signature : "");
	snprintf(b->why, sizeof b->why, "%s", in->crypt_error ? in->crypt_error : "");
}

static int send1(struct ct_msg *m, uint16_t port, enum ct_msg_encrypt enc, const char *text, struct got *g)
{
	struct ct_msg_to t;
	struct ct_msg_send_opts o = { .text = text, .encrypt = enc };

	memset(&t, 0, sizeof t);
	ct_haddr_set_v4(&t.addr, 0x7F000001, port);
	t.label = "x";
	t.utf8 = 1;
	memset(g, 0, sizeof *g);
	if (ct_msg_send(m, &t, 1, &o, on_done, g, NULL) != 0)
		return -1;
	PUMP_UNTIL(g->done, 15000);
	return g->done ? 0 : -1;
}

/* A node (with keys answering GETPUBKEY when given) and its message engine (decrypting with dkeys). */
static struct ct_msg *mk(struct ct_hosts *h, const char *user, const struct ct_crypt_keys *nkeys,
	const struct ct_crypt_keys *dkeys, uint32_t capa, struct inbox1 *box, struct ct_node **np, uint16_t *port)
{
	struct ct_node_conf nc;
	struct ct_msg_conf mc;
	struct ct_msg *m = NULL;

	memset(&nc, 0, sizeof nc);
	nc.keys = nkeys;
	nc.crypt_capa = nkeys ? capa : 0;
	if (!(*np = mknode_conf(h, &nc, user, port)))
		return NULL;
	memset(&mc, 0, sizeof mc);
	mc.retry_ms = 100;
	mc.retries = 2;
	mc.keys = dkeys;
	mc.crypt_capa = dkeys ? capa : 0;
	mc.on_recv = on_recv;
	mc.recv_ud = box;
	return ct_msg_new(&m, *np, &mc) == 0 ? m : NULL;
}

int main(void)
{
	struct ct_hosts *h[4] = { ct_hosts_new(), ct_hosts_new(), ct_hosts_new(), ct_hosts_new() };
	struct ct_crypt_keys *ka = NULL, *kb = NULL, *kx = NULL;
	struct ct_node *a, *b, *c, *d;
	struct ct_msg *ma, *mb, *mc, *md;
	struct inbox1 ba = { 0 }, bb = { 0 }, bc = { 0 }, bd = { 0 };
	struct ct_msg_stats st;
	uint16_t pa, pb, pc, pd;
	uint32_t capa;
	char err[256];
	struct got g;

	ct_evloop_new(&ev);
	capa = ct_crypt_capa(NULL, 0);
	ok(ct_crypt_keys_generate(&ka, err, sizeof err) == 0 && ct_crypt_keys_generate(&kb, err, sizeof err) == 0 &&
		ct_crypt_keys_generate(&kx, err, sizeof err) == 0, "three key sets");
	ma = mk(h[0], "alice", ka, ka, capa, &ba, &a, &pa);
	mb = mk(h[1], "bob", kb, kb, capa, &bb, &b, &pb);
	/* carol gives out kb's key but decrypts with kx: every message to her is a DecryptErr */
	mc = mk(h[2], "carol", kb, kx, capa, &bc, &c, &pc);
	md = mk(h[3], "dave", NULL, NULL, capa, &bd, &d, &pd);
	ok(ma && mb && mc && md, "four nodes with their message engines");
	if (!ma || !mb || !mc || !md)
		return tap_done();
	ok(ct_node_status(a) & CT_IPMSG_ENCRYPTOPT, "a node with keys says ENCRYPTOPT");
	ok(!(ct_node_status(d) & CT_IPMSG_ENCRYPTOPT), "one without says nothing");

	/* alice -> bob, require: the key fetched, encrypted, read, signature no_key (bob lacks hers) */
	ok(send1(ma, pb, CT_MSG_ENC_REQUIRE, "secret", &g) == 0, "alice -> bob ends");
	is_str(ct_msg_state_name(g.r.state), "delivered", "delivered");
	ok(g.r.encrypted && g.r.pub_fetches == 1, "encrypted after 1 GETPUBKEY (%u)", g.r.pub_fetches);
	is_str(g.r.cipher, capa & CT_IPMSG_SIGN_SHA256 ? "rsa2048+aes256/sha256" : "rsa2048+aes256/sha1", "the suite");
	PUMP_UNTIL(bb.n == 1, 3000);
	is_str(bb.text, "secret", "bob reads it");
	is_str(bb.cipher, g.r.cipher, "bob sees the same suite");
	is_str(bb.sig, "no_key", "signature no_key: bob has no key of alice yet");

	/* bob fetched alice's key on that message: the next one verifies */
	pump(300);
	ok(send1(ma, pb, CT_MSG_ENC_REQUIRE, "again", &g) == 0 && g.r.state == CT_MSG_DELIVERED, "alice -> bob again");
	is_int((int)g.r.pub_fetches, 0, "alice's cached key: no GETPUBKEY");
	PUMP_UNTIL(bb.n == 2, 3000);
	is_str(bb.sig, "ok", "signature ok now");

	/* bob -> alice: alice verifies with the key she fetched */
	ok(send1(mb, pa, CT_MSG_ENC_REQUIRE, "back", &g) == 0 && g.r.state == CT_MSG_DELIVERED, "bob -> alice");
	PUMP_UNTIL(ba.n == 1, 3000);
	ok(!strcmp(ba.text, "back") && !strcmp(ba.sig, "ok"), "alice reads it, signature ok (%s %s)", ba.text, ba.sig);

	/* alice -> carol: DecryptErr, the key again, sent again, DecryptErr again: not delivered */
	ok(send1(ma, pc, CT_MSG_ENC_REQUIRE, "lost", &g) == 0, "alice -> carol ends");
	is_str(ct_msg_state_name(g.r.state), "not_delivered", "not delivered");
	/* keys are kept by address: the first went with the key cached for 127.0.0.1 (bob's, which carol
	 * gives out too), the retry fetched it again */
	ok(g.r.decrypt_err == 2 && g.r.pub_fetches == 1, "after 2 DecryptErr and 1 key fetch (%d %u)", g.r.decrypt_err,
		g.r.pub_fetches);
	is_str(g.r.error, "the peer could not decrypt it twice (AutoReply(DecryptErr)), with a fresh key too", "the reason");
	ct_msg_stats(mc, &st);
	ok(st.undecryptable == 2 && bc.n == 2 && bc.text[0] == 0 && bc.why[0], "carol kept both as not readable (%s)", bc.why);

	/* to dave (no keys, not in alice's table): auto in the clear, require fails */
	ok(send1(ma, pd, CT_MSG_ENC_AUTO, "clear", &g) == 0 && g.r.state == CT_MSG_DELIVERED && !g.r.encrypted,
		"auto: delivered in the clear");
	is_str(g.r.crypt_note, "sent in the clear: the peer is not in the host table: its encryption is unknown", "saying why");
	ok(send1(ma, pd, CT_MSG_ENC_REQUIRE, "no", &g) == 0, "require to dave ends");
	is_str(ct_msg_state_name(g.r.state), "not_encrypted", "not_encrypted");
	is_str(g.r.error, "not encrypted: no ANSPUBKEY from the peer after 3 GETPUBKEY", "no ANSPUBKEY, 3 GETPUBKEY");
	is_int((int)g.r.tries, 0, "no SENDMSG went");

	ct_msg_free(ma);
	ct_msg_free(mb);
	ct_msg_free(mc);
	ct_msg_free(md);
	ct_node_free(a);
	ct_node_free(b);
	ct_node_free(c);
	ct_node_free(d);
	for (int i = 0; i < 4; i++)
		ct_hosts_free(h[i]);
	ct_crypt_keys_free(ka);
	ct_crypt_keys_free(kb);
	ct_crypt_keys_free(kx);
	ct_evloop_free(ev);
	return tap_done();
}
