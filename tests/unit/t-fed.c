/* t-fed.c: the federation: wire format (round trip, refusals), peer keys (pin, seal, refusals), and two or three engines on loopback (share, change, delete, page, lease, restart, refuse a stranger, no reflection). */
#include "config.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "crypto.h"
#include "fed-auth.h"
#include "fed.h"
#include "fedwire.h"
#include "hosts.h"
#include "node.h"
#include "sbuf.h"
#include "tap.h"
#include "nodeutil.h"

static void test_wire(void)
{
	struct ct_fed_digest d = { 1765000000123456ULL, 42, 10, 90000, 7, 3 }, d2;
	struct ct_fed_entry e = { 5, 0, 1, "alice", "pc1", "Alice", "Sales", "198.18.1.11", 2425, 0x01000000 };
	struct ct_fed_entry t = { 6, 1, 0, "bob", "pc2", "", "", "", 0, 0 };
	struct ct_fed_page p;
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	is_int(ct_fedwire_digest_encode(&d, &b), 0, "digest encodes");
	is_str(b.p, "CTFED1 D 1765000000123456 42 10 90000 7 3", "digest text");
	is_int(ct_fedwire_kind(b.p, b.len), CT_FEDWIRE_DIGEST, "kind: digest");
	is_int(ct_fedwire_digest_decode(b.p, b.len, &d2), 0, "digest decodes");
	ok(memcmp(&d, &d2, sizeof d) == 0, "digest fields round-trip");
	is_int(ct_fedwire_digest_decode("CTFED1 D 1 2 3", 14, &d2), CT_EFORMAT, "short digest refused");
	is_int(ct_fedwire_digest_decode("CTFED1 D 1 2 99999999999 4 5 6", 31, &d2), CT_EFORMAT,
		"count over 32 bits refused");
	ct_sbuf_reset(&b);
	ct_fedwire_page_header(&b, 9, 4, 6, 1);
	is_int(ct_fedwire_entry_encode(&e, &b), 0, "live entry encodes");
	is_int(ct_fedwire_entry_encode(&t, &b), 0, "tombstone encodes");
	is_int(ct_fedwire_kind(b.p, b.len), CT_FEDWIRE_PAGE, "kind: page");
	is_int(ct_fedwire_page_decode(b.p, b.len, &p), 0, "page decodes");
	ok(p.inc == 9 && p.from == 4 && p.to == 6 && p.last == 1 && p.n == 2, "page header");
	ok(p.n == 2 && !p.e[0].gone && p.e[0].local && strcmp(p.e[0].user, "alice") == 0 &&
		strcmp(p.e[0].group, "Sales") == 0 && p.e[0].port == 2425 && p.e[0].status == 0x01000000 &&
		strcmp(p.e[0].addr, "198.18.1.11") == 0, "live entry round-trips");
	ok(p.n == 2 && p.e[1].gone && strcmp(p.e[1].host, "pc2") == 0, "tombstone round-trips");
	ct_fedwire_page_fini(&p);
	is_int(ct_fedwire_page_decode(b.p, b.len - 1, &p), CT_EFORMAT, "a cut page is refused whole");
	ct_fedwire_page_fini(&p);
	ct_sbuf_reset(&b);
	ct_fedwire_page_header(&b, 9, 5, 6, 1);
	ct_fedwire_entry_encode(&e, &b);
	is_int(ct_fedwire_page_decode(b.p, b.len, &p), CT_EFORMAT, "an entry outside (from, to] is refused");
	ct_fedwire_page_fini(&p);
	e.nick = "A\tB";
	is_int(ct_fedwire_entry_encode(&e, &b), CT_EINVAL, "a control byte in a name is not sent");
	is_int(ct_fedwire_kind("CTFED2 D", 8), CT_FEDWIRE_NONE, "another version is not ours");
	ct_sbuf_fini(&b);
}

struct srv {
	struct ct_hosts *hosts;
	struct ct_node *node;
	struct ct_fed *fed;
	uint16_t port;
	char peers[2][32];
	const char *pv[2];
	size_t np;
};

static struct ct_fed_conf fconf(struct srv *s)
{
	struct ct_fed_conf c;

	memset(&c, 0, sizeof c);
	for (size_t i = 0; i < s->np; i++)
		s->pv[i] = s->peers[i];
	c.peers = s->pv;
	c.npeers = s->np;
	c.refresh_ms = 300;
	c.lease_ms = 1200;
	c.tombstone_ms = 5000;
	c.budget = 1024; /* small pages: many of them */
	return c;
}

static int start_fed(struct srv *s)
{
	struct ct_fed_conf c = fconf(s);
	char err[200];

	return ct_fed_new(&s->fed, s->node, &c, err, sizeof err);
}

static void own_host(struct srv *s, const char *user, unsigned last_octet, uint32_t status)
{
	struct ct_host_info in;
	char host[32];

	memset(&in, 0, sizeof in);
	snprintf(host, sizeof host, "pc-%s", user);
	in.user = user;
	in.host = host;
	in.nick = user;
	in.group = "g";
	in.status = status;
	ct_haddr_set_v4(&in.addr, 0x0A010000u | last_octet, 2425);
	ct_hosts_update(s->hosts, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, ct_mono_ms(), ct_wall_now(), NULL);
}

static size_t live_from(struct srv *s, const struct srv *from)
{
	struct ct_haddr a;
	size_t n = 0;

	ct_haddr_set_v4(&a, 0x7F000001, from->port);
	for (size_t i = 0; i < ct_hosts_count(s->hosts); i++) {
		const struct ct_host *h = ct_hosts_at(s->hosts, i);
		n += h->state != CT_HOST_OFFLINE && ct_host_src_find(h, CT_HOST_SRC_PEER, &a) != NULL;
	}
	return n;
}

static const struct ct_host *find(struct srv *s, const char *user)
{
	char host[32];

	snprintf(host, sizeof host, "pc-%s", user);
	return ct_hosts_find(s->hosts, user, host);
}

static void test_engine(void)
{
	struct srv S[3];
	struct ct_fed_stats st;
	const struct ct_host *h;
	const char *names[3] = { "srvA", "srvB", "srvC" };

	ct_evloop_new(&ev);
	memset(S, 0, sizeof S);
	for (int i = 0; i < 3; i++) {
		S[i].hosts = ct_hosts_new();
		S[i].node = mknode(S[i].hosts, names[i], &S[i].port);
		if (!S[i].node) {
			ok(0, "node on loopback");
			return;
		}
	}
	for (int i = 0; i < 3; i++) /* full mesh */
		for (int j = 0; j < 3; j++)
			if (j != i)
				snprintf(S[i].peers[S[i].np++], 32, "127.0.0.1:%u", S[j].port);
	for (int i = 0; i < 3; i++)
		is_int(start_fed(&S[i]), 0, "engine starts");
	own_host(&S[0], "alice", 11, 0x01000000);
	own_host(&S[1], "bob", 12, 0x01000000);
	own_host(&S[2], "carol", 13, 0x01000000);
	PUMP_UNTIL(live_from(&S[0], &S[1]) == 1 && live_from(&S[0], &S[2]) == 1 && live_from(&S[1], &S[0]) == 1 &&
		live_from(&S[1], &S[2]) == 1 && live_from(&S[2], &S[0]) == 1 && live_from(&S[2], &S[1]) == 1, 5000);
	is_int(ct_hosts_count(S[0].hosts), 3, "A sees its own host and one from each peer");
	is_int(ct_hosts_count(S[2].hosts), 3, "C too");
	h = find(&S[1], "alice");
	ok(h && h->origin == CT_HOST_PEER && h->nsrc == 1 && h->src[0].kind == CT_HOST_SRC_PEER &&
		h->src[0].from.port == S[0].port, "B lists alice from peer A only (one hop: C did not relay it)");
	h = find(&S[0], "alice");
	ok(h && h->nsrc == 0, "alice was not reflected back to A");
	/* a change: alice goes absent */
	own_host(&S[0], "alice", 11, 0x01000100);
	PUMP_UNTIL((h = find(&S[1], "alice")) && h->state == CT_HOST_ABSENT, 3000);
	ok(h && h->state == CT_HOST_ABSENT, "a change reaches the peer (absent)");
	/* a deletion: alice leaves */
	ct_hosts_set_offline(S[0].hosts, (struct ct_host *)find(&S[0], "alice"), CT_HOST_GONE_EXIT, ct_wall_now());
	PUMP_UNTIL((h = find(&S[2], "alice")) && h->state == CT_HOST_OFFLINE, 3000);
	ok(h && h->state == CT_HOST_OFFLINE && h->nsrc == 0, "a tombstone reaches the peer (offline, no source left)");
	is_int(ct_fed_peer(S[2].fed, 0)->resyncs, 0, "by the tombstone itself, not a full resync");
	/* many hosts, paged */
	for (unsigned i = 0; i < 600; i++) {
		char u[32];
		snprintf(u, sizeof u, "user%03u", i);
		own_host(&S[1], u, 1000 + i, 0x01000000);
	}
	PUMP_UNTIL(live_from(&S[0], &S[1]) == 601 && live_from(&S[2], &S[1]) == 601, 8000);
	is_int(live_from(&S[0], &S[1]), 601, "601 hosts of B at A (paged within 1024 bytes)");
	is_int(live_from(&S[2], &S[1]), 601, "and at C");
	ct_fed_stats(S[1].fed, &st);
	is_int(st.owned, 601, "B owns 601");
	/* a stranger claiming to be a peer */
	{
		struct peer x;
		const char *body = "CTFED1 U 1 0 1 1\n1\t+\tL\tmallory\tpc-m\tm\tg\t10.9.9.9\t2425\t0\n";
		ct_fed_stats(S[0].fed, &st);
		uint64_t before = st.refused;
		peer_open(&x);
		peer_send(&x, S[0].port, 1, "evil", CT_FEDWIRE_MODE | CT_IPMSG_UTF8OPT, body, strlen(body));
		PUMP_UNTIL((ct_fed_stats(S[0].fed, &st), st.refused > before), 2000);
		is_int(st.refused - before, 1, "a datagram from a stranger is refused");
		ok(!ct_hosts_find(S[0].hosts, "mallory", "pc-m"), "and its host is not listed");
		close(x.fd);
	}
	/* B stops: its hosts expire at A and C within the lease, then come back */
	ct_fed_free(S[1].fed);
	S[1].fed = NULL;
	PUMP_UNTIL(live_from(&S[0], &S[1]) == 0 && live_from(&S[2], &S[1]) == 0, 5000);
	is_int(live_from(&S[0], &S[1]), 0, "B silent: its hosts expired at A");
	h = find(&S[2], "bob");
	ok(h && h->state == CT_HOST_OFFLINE, "and at C (offline)");
	is_int(start_fed(&S[1]), 0, "B starts again (a new incarnation)");
	PUMP_UNTIL(live_from(&S[0], &S[1]) == 601 && live_from(&S[2], &S[1]) == 601, 8000);
	is_int(live_from(&S[0], &S[1]), 601, "B back: its hosts are online at A again");
	is_int(live_from(&S[2], &S[1]), 601, "and at C");
	/* a host lost without a tombstone (removed from B's table): the count disagrees, A resyncs */
	ct_hosts_remove(S[1].hosts, (struct ct_host *)find(&S[1], "user000"));
	PUMP_UNTIL(live_from(&S[0], &S[1]) == 600, 8000);
	is_int(live_from(&S[0], &S[1]), 600, "a host removed without a tombstone goes at A (count check)");
	for (int i = 0; i < 3; i++) {
		ct_fed_free(S[i].fed);
		ct_node_free(S[i].node);
		ct_hosts_free(S[i].hosts);
	}
	ct_evloop_free(ev);
}

static void test_provenance(void)
{
	struct ct_hosts *t = ct_hosts_new();
	struct ct_host_info in = { "u", "h", "n", "g", { 0 }, 0 };
	struct ct_host *h;
	struct ct_haddr a, b;
	struct ct_sbuf s;

	ct_haddr_set_v4(&in.addr, 0x0A000001, 2425);
	ct_haddr_set_v4(&a, 0xC612020A, 2425);
	ct_haddr_set_v4(&b, 0xC612030A, 2425);
	ct_hosts_update(t, &in, CT_HOST_PEER, CT_HOST_VIA_LIST, 1, 100.0, &h);
	ok(ct_host_src_set(h, CT_HOST_SRC_PEER, &a, 100.5) != NULL, "a source added");
	ok(ct_host_src_set(h, CT_HOST_SRC_PEER, &a, 200.0)->since == 100.5, "set again: its since is kept");
	ct_host_src_set(h, CT_HOST_SRC_LIST, &b, 150.25);
	is_int(h->nsrc, 2, "two sources");
	ct_sbuf_init(&s);
	ct_host_src_save(h, &s);
	is_str(s.p, "1 198.18.2.10 2425 100.500 0 0,2 198.18.3.10 2425 150.250 0 0", "saved form");
	is_int(ct_host_src_drop(h, CT_HOST_SRC_PEER, &a), 1, "dropped");
	is_int(ct_host_src_count(h, CT_HOST_SRC_PEER), 0, "no peer left");
	ct_host_src_load(h, s.p);
	is_int(h->nsrc, 2, "loaded back");
	ok(ct_host_src_find(h, CT_HOST_SRC_PEER, &a) && ct_host_src_find(h, CT_HOST_SRC_PEER, &a)->since == 100.5,
		"with its since");
	ct_host_src_load(h, "9 x 1 1 0 0,1 nonsense");
	is_int(h->nsrc, 2, "unusable items skipped");
	ct_host_src_drop(h, CT_HOST_SRC_PEER, &a);
	ct_host_src_load(h, "1 198.18.2.10 2425 1e308 0 0");
	ok(ct_host_src_find(h, CT_HOST_SRC_PEER, &a) && ct_host_src_find(h, CT_HOST_SRC_PEER, &a)->since == 0,
		"a since that is no wall time loads as unknown (0)");
	ok(!ct_host_is_own(h), "a peer's host is not ours");
	ct_sbuf_fini(&s);
	ct_hosts_free(t);
}

/* Peer keys: the key answer pinned only with its fingerprint, a sealed datagram opened only by
 * the receiver and only when signed by the pinned key, an unsealed one refused. */
static void test_auth(void)
{
	struct ct_crypt_keys *ka = NULL, *kb = NULL, *km = NULL;
	struct ct_crypt_pub *pa = NULL, *pm = NULL;
	struct ct_sbuf ans, sealed, plain, forged;
	char fa[17], fm[17], err[200];
	const char *body = "CTFED1 D 9 1 1 6000 0 0\n";

	if (ct_crypt_keys_generate(&ka, err, sizeof err) || ct_crypt_keys_generate(&kb, err, sizeof err) ||
	    ct_crypt_keys_generate(&km, err, sizeof err)) {
		ok(0, "key pairs generated: %s", err);
		return;
	}
	ct_sbuf_init(&ans);
	ct_sbuf_init(&sealed);
	ct_sbuf_init(&plain);
	ct_sbuf_init(&forged);
	ct_crypt_keys_fpr(ka, fa);
	ct_crypt_keys_fpr(km, fm);
	ok(ct_fedauth_fpr_ok(fa) && !ct_fedauth_fpr_ok("12345") && !ct_fedauth_fpr_ok("0123456789abcdeg"),
		"a fingerprint is 16 hex digits");
	is_int(ct_fedauth_key_answer(ka, &ans), 0, "A's key answer");
	ok(ct_fedauth_is(ans.p, ans.len, CT_FEDAUTH_KEY), "starts CTFED1 P");
	is_int(ct_fedauth_key_take(ans.p, ans.len, fm, &pm, err, sizeof err), CT_EPROTO,
		"A's key refused where another fingerprint is configured");
	ok(pm == NULL && strstr(err, "is not the configured"), "and the error says so: %s", err);
	is_int(ct_fedauth_key_take(ans.p, ans.len, fa, &pa, err, sizeof err), 0, "A's key pinned with its fingerprint");
	/* A seals for B: B opens it with A's pinned key */
	struct ct_crypt_pub *pb = NULL;
	ct_sbuf_reset(&ans);
	ct_fedauth_key_answer(kb, &ans);
	char fb[17];
	ct_crypt_keys_fpr(kb, fb);
	is_int(ct_fedauth_key_take(ans.p, ans.len, fb, &pb, err, sizeof err), 0, "B's key pinned at A");
	is_int(ct_fedauth_seal(ka, pb, body, strlen(body), &sealed, err, sizeof err), 0, "A seals a digest for B");
	ok(ct_fedauth_is(sealed.p, sealed.len, CT_FEDAUTH_SEAL) && !strstr(sealed.p, "CTFED1 D"),
		"sealed: CTFED1 E, the digest not in clear");
	ok(sealed.len < strlen(body) + CT_FEDAUTH_OVERHEAD, "within the overhead budget (%zu bytes)", sealed.len);
	is_int(ct_fedauth_open(kb, pa, sealed.p, sealed.len, &plain, err, sizeof err), 0, "B opens it with A's key");
	ok(plain.len == strlen(body) && memcmp(plain.p, body, plain.len) == 0, "the same digest");
	/* mallory (its own key) seals for B: the signature is not A's */
	is_int(ct_fedauth_seal(km, pb, body, strlen(body), &forged, err, sizeof err), 0, "M seals for B");
	ok(ct_fedauth_open(kb, pa, forged.p, forged.len, &plain, err, sizeof err) != 0,
		"B refuses it as A's: %s", err);
	is_int(ct_fedauth_open(kb, pa, body, strlen(body), &plain, err, sizeof err), CT_EPROTO,
		"an unsealed digest from a keyed peer is refused");
	ok(ct_fedauth_open(ka, pa, sealed.p, sealed.len, &plain, err, sizeof err) != 0,
		"a sealed datagram opens only with the receiver's key");
	ct_crypt_pub_free(pa);
	ct_crypt_pub_free(pb);
	ct_crypt_keys_free(ka);
	ct_crypt_keys_free(kb);
	ct_crypt_keys_free(km);
	ct_sbuf_fini(&ans);
	ct_sbuf_fini(&sealed);
	ct_sbuf_fini(&plain);
	ct_sbuf_fini(&forged);
}

int main(void)
{
	test_wire();
	test_auth();
	test_provenance();
	test_engine();
	return tap_done();
}
