/* t-xfer.c: unit tests for xfer*.c: a file and a directory between two loopback nodes, resume from NAME.part, release, hostile peers (more bytes than announced, path-traversal names), the name checks. */
#include "config.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "attach.h"
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "json.h"
#include "node.h"
#include "sbuf.h"
#include "targets.h"
#include "xfer.h"
#include "tap.h"
#include "nodeutil.h"
#include "own-netns.h"

struct got {
	int done;
	struct ct_xfer_get_result r;
};

static void on_got(struct ct_xfer *x, uint64_t id, const struct ct_xfer_get_result *r, void *ud)
{
	struct got *g = ud;

	(void)x;
	(void)id;
	g->done = 1;
	g->r = *r;
}

static void write_file(const char *path, size_t n, unsigned seed)
{
	FILE *f = fopen(path, "wb");
	for (size_t i = 0; i < n; i++)
		fputc((int)((i * 131 + seed) & 0xFF), f);
	fclose(f);
}

static int same_file(const char *a, const char *b)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
	return system(cmd) == 0;
}

static struct got fetch(struct ct_xfer *x, const struct ct_xfer_get_req *rq)
{
	struct got g = { 0 };
	uint64_t id;

	if (ct_xfer_get(x, rq, on_got, &g, &id) != 0) {
		g.r.state = CT_XFER_G_ERROR;
		return g;
	}
	PUMP_UNTIL(g.done, 10000);
	return g;
}

/* A hostile sender on a TCP port of its own: reads the request, writes payload, closes. */
static int hostile_listen(uint16_t *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(0x7F000001);
	bind(fd, (struct sockaddr *)&sa, sizeof sa);
	listen(fd, 4);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port = ntohs(sa.sin_port);
	return fd;
}

static struct got hostile_fetch(struct ct_xfer *x, struct ct_xfer_get_req *rq, int lfd, const char *payload, size_t len)
{
	struct got g = { 0 };
	uint64_t id;
	int c = -1;

	ct_xfer_get(x, rq, on_got, &g, &id);
	uint64_t end = ct_mono_ms() + 5000;
	while (!g.done && ct_mono_ms() < end) {
		ct_evloop_run_once(ev, 5);
		if (c < 0) {
			c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
			if (c >= 0) {
				char buf[512];
				pump(50);
				(void)!recv(c, buf, sizeof buf, 0);
				(void)!send(c, payload, len, MSG_NOSIGNAL);
				close(c);
			}
		}
	}
	return g;
}

static void hdr(struct ct_sbuf *b, const char *name, uint64_t size, uint32_t attr)
{
	struct ct_attach_file f;

	memset(&f, 0, sizeof f);
	f.name = name;
	f.size = size;
	f.attr = attr;
	ct_attach_dirhdr_build(b, &f, 9, 0, 0);
}

/* The saved offer whose first file has this name (NULL if none). */
static const struct ct_json *offer_named(const struct ct_json *arr, const char *name)
{
	for (const struct ct_json *o = ct_json_first(arr); o; o = ct_json_next(o)) {
		const char *n = ct_json_get_str(ct_json_arr_at(ct_json_get(o, "files"), 0), "name");
		if (n && !strcmp(n, name))
			return o;
	}
	return NULL;
}

/* The offers as the state file keeps them, and back (a restart): ids, bindings and states kept;
 * expired and unreadable ones skipped. b's engine is replaced by the restored one. */
static void test_save(struct ct_xfer *xa, struct ct_node *b, struct ct_xfer **xb, uint32_t fid0)
{
	struct ct_json *j = ct_xfer_offers_save(xa, 100000.0), *j2, *bad;
	const struct ct_json *o, *f;
	char *t1, *t2;
	int64_t v = 0;

	ok(j && ct_json_is_arr(j), "offers saved as a JSON array");
	o = offer_named(j, "big.bin");
	f = ct_json_arr_at(ct_json_get(o, "files"), 0);
	ok(f && !strcmp(ct_json_get_str(f, "name"), "big.bin") && ct_json_get_i64(f, "id", &v) == 0 && v == fid0,
		"the file with its name and id");
	ok(ct_json_get_str(f, "path") && ct_json_get_str(f, "path")[0] == '/', "and its absolute path");
	f = ct_json_arr_at(ct_json_get(o, "to"), 0);
	ok(f && ct_json_get_i64(f, "packetno", &v) == 0 && v == 4242 && !strcmp(ct_json_get_str(f, "addr"), "127.0.0.1") &&
		!strcmp(ct_json_str(ct_json_arr_at(ct_json_get(f, "states"), 0)), "fetched"), "the recipient: 4242, 127.0.0.1, fetched");
	ct_xfer_free(*xb);
	is_int(ct_xfer_new(xb, b, NULL), 0, "a fresh engine (a restart)");
	is_int((int)ct_xfer_offers_restore(*xb, j, 100000.0 + 86400 * 2), 0, "offers older than offer_expiry: none back");
	is_int((int)ct_xfer_offers_restore(*xb, j, 100010.0), (int)ct_json_arr_len(j), "10 s later: every offer back");
	j2 = ct_xfer_offers_save(*xb, 100010.0);
	t1 = ct_json_print(ct_json_get(offer_named(j, "big.bin"), "files"), 0);
	t2 = ct_json_print(ct_json_get(offer_named(j2, "big.bin"), "files"), 0);
	ok(t1 && t2 && !strcmp(t1, t2), "its files as they were");
	free(t1);
	free(t2);
	t1 = ct_json_print(ct_json_get(offer_named(j, "big.bin"), "to"), 0);
	t2 = ct_json_print(ct_json_get(offer_named(j2, "big.bin"), "to"), 0);
	ok(t1 && t2 && !strcmp(t1, t2), "its recipients and states as they were (%s)", t2 ? t2 : "");
	free(t1);
	free(t2);
	static const char dmg[] = "[{\"made\":100000,\"files\":[{\"path\":\"rel/x\",\"name\":\"x\",\"size\":1,\"id\":5}],\"to\":[]},"
		"{\"made\":100000,\"files\":[]},{\"files\":[{\"path\":\"/x\",\"name\":\"x\",\"size\":1,\"id\":5}]},"
		"{\"made\":100000,\"files\":[{\"path\":\"/x\",\"name\":\"x\",\"size\":1,\"id\":5}],"
		"\"to\":[{\"packetno\":0,\"addr\":\"1.2.3.4\"}]},7]";

	ct_json_parse(dmg, strlen(dmg), &bad);
	ok(bad != NULL, "a damaged offers section parses as JSON");
	is_int((int)ct_xfer_offers_restore(*xb, bad, 100010.0), 0,
		"a relative path, no files, no time, packet 0, not an object: none taken");
	ct_json_free(bad);
	ct_json_free(j);
	ct_json_free(j2);
}

/* A raw receiver on 127.0.0.1: asks file id of packet pkt from port, reads `take` bytes (after
 * waiting so the sender has written everything into the sockets), then closes: normally, or with
 * a reset (SO_LINGER 0) when rst. Returns the bytes read. */
static size_t raw_fetch(uint16_t port, uint32_t pkt, uint32_t id, size_t take, int rst)
{
	struct sockaddr_in sa;
	struct ct_sbuf body, req;
	struct ct_attach_req ar = { .packetno = pkt, .fileid = id, .has_offset = 1 };
	char buf[65536];
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(0x7F000001);
	sa.sin_port = htons(port);
	(void)!connect(fd, (struct sockaddr *)&sa, sizeof sa);
	pump(50);
	ct_sbuf_init(&body);
	ct_sbuf_init(&req);
	ct_attach_req_build(&body, &ar);
	ct_codec_build(&req, NULL, 77, "raw", "rawhost", CT_IPMSG_GETFILEDATA, body.p, body.len, 1);
	(void)!send(fd, req.p, req.len, MSG_NOSIGNAL);
	ct_sbuf_fini(&body);
	ct_sbuf_fini(&req);
	pump(300); /* the sender writes it all: it fits in the two sockets' buffers */
	uint64_t end = ct_mono_ms() + 3000;
	while (got < take && ct_mono_ms() < end) {
		ssize_t n = recv(fd, buf, take - got < sizeof buf ? take - got : sizeof buf, 0);
		if (n > 0)
			got += (size_t)n;
		else
			ct_evloop_run_once(ev, 5);
	}
	if (rst)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 }, sizeof(struct linger));
	close(fd);
	return got;
}

int main(void)
{
	struct ct_hosts *ha = ct_hosts_new(), *hb = ct_hosts_new();
	struct ct_node_conf nc;
	struct ct_node *a, *b;
	struct ct_xfer *xa, *xb;
	struct ct_sbuf list;
	struct ct_attach_list al;
	struct ct_xfer_get_req rq;
	struct got g;
	struct ct_haddr to;
	enum ct_xfer_fstate st[4];
	char base[] = "/tmp/t-xfer-XXXXXX", src[64], dl[64], p1[128], p2[128], err[256];
	const char *why, *paths[2];
	uint16_t pa, pb, hp;
	uint64_t offer;
	uint32_t fid0 = 0;
	int dfd, lfd;

	own_netns();
	ct_evloop_new(&ev);
	memset(&nc, 0, sizeof nc);
	nc.tcp = 1;
	a = mknode_conf(ha, &nc, "alice", &pa);
	b = mknode_conf(hb, &nc, "bob", &pb);
	ok(a && b, "two nodes with TCP on loopback");
	if (!a || !b || !mkdtemp(base))
		return tap_done();
	struct ct_targets probe_ok;
	struct ct_xfer_conf xac = { .probe_allow = &probe_ok };
	ct_targets_init(&probe_ok, CT_TARGETS_DEFAULT_MAX);
	is_int(ct_xfer_new(&xa, a, &xac), 0, "alice's transfer engine");
	is_int(ct_xfer_new(&xb, b, NULL), 0, "bob's transfer engine");
	snprintf(src, sizeof src, "%s/src", base);
	snprintf(dl, sizeof dl, "%s/dl", base);
	mkdir(src, 0700);
	mkdir(dl, 0700);
	dfd = open(dl, O_RDONLY | O_DIRECTORY);
	snprintf(p1, sizeof p1, "%s/big.bin", src);
	write_file(p1, 3 << 20, 7);
	snprintf(p2, sizeof p2, "%s/tree", src);
	mkdir(p2, 0700);
	snprintf(p2, sizeof p2, "%s/tree/sub", src);
	mkdir(p2, 0700);
	snprintf(p2, sizeof p2, "%s/tree/a.txt", src);
	write_file(p2, 5, 1);
	snprintf(p2, sizeof p2, "%s/tree/sub/b.bin", src);
	write_file(p2, 100000, 2);
	snprintf(p2, sizeof p2, "%s/tree/empty", src);
	write_file(p2, 0, 2);
	snprintf(p2, sizeof p2, "%s/tree/sub/link", src);
	(void)!symlink("/etc/passwd", p2);
	snprintf(p2, sizeof p2, "%s/tree", src);

	/* the offer: two entries, the list as SENDMSG carries it */
	paths[0] = p1;
	paths[1] = p2;
	ct_sbuf_init(&list);
	is_int(ct_xfer_offer(xa, paths, 2, &list, &offer, err, sizeof err), 0, "offer a file and a directory");
	ct_attach_list_parse(list.p, list.len, &al);
	fid0 = al.n ? al.f[0].id : 0;
	ok(al.n == 2 && strcmp(al.f[0].name, "big.bin") == 0 && al.f[0].size == 3 << 20 &&
		al.f[0].attr == 1 && strcmp(al.f[1].name, "tree") == 0 && al.f[1].attr == 2, "the attachment list names both");
	ct_haddr_set_v4(&to, 0x7F000001, pb);
	is_int(ct_xfer_offer_bind(xa, offer, 4242, &to), 0, "bound to packet 4242 for 127.0.0.1");

	/* a file */
	memset(&rq, 0, sizeof rq);
	ct_haddr_set_v4(&rq.peer, 0x7F000001, pa);
	rq.packetno = 4242;
	rq.fileid = al.f[0].id;
	rq.name = "big.bin";
	rq.size = al.f[0].size;
	rq.dirfd = dfd;
	g = fetch(xb, &rq);
	is_str(ct_xfer_gstate_name(g.r.state), "done", "file fetched (%s)", g.r.error);
	is_int(g.r.bytes, 3 << 20, "all its bytes");
	snprintf(p2, sizeof p2, "%s/big.bin", dl);
	ok(same_file(p1, p2), "the bytes equal");
	PUMP_UNTIL(ct_xfer_offer_state(xa, offer, 4242, st, NULL, 4) == 2 && st[0] == CT_XFER_FETCHED, 2000);
	is_str(ct_xfer_fstate_name(st[0]), "fetched", "the sender sees it fetched");
	is_str(ct_xfer_fstate_name(st[1]), "offered", "the directory not yet");
	g = fetch(xb, &rq);
	is_str(ct_xfer_gstate_name(g.r.state), "exists", "never over an existing file");

	/* resume: a partial NAME.part of 1 MiB, then the rest with an offset */
	unlink(p2);
	{
		char part[420], cmd[1024];
		snprintf(part, sizeof part, "%s/big.bin.part", dl);
		snprintf(cmd, sizeof cmd, "head -c 1048576 '%s' > '%s'", p1, part);
		(void)!system(cmd);
		rq.resume = 1;
		g = fetch(xb, &rq);
		is_str(ct_xfer_gstate_name(g.r.state), "done", "resumed (%s)", g.r.error);
		is_int(g.r.offset, 1 << 20, "from the partial file's length");
		is_int(g.r.bytes, 2 << 20, "only the rest came");
		ok(same_file(p1, p2), "the bytes equal after the resume");
		rq.resume = 0;
	}

	/* a directory */
	rq.fileid = al.f[1].id;
	rq.dir = 1;
	rq.name = "tree";
	rq.size = 0;
	g = fetch(xb, &rq);
	is_str(ct_xfer_gstate_name(g.r.state), "done", "directory fetched (%s)", g.r.error);
	is_int(g.r.files, 3, "three regular files (the symlink is not sent)");
	{
		char cmd[1024];
		snprintf(cmd, sizeof cmd, "diff -r '%s/tree' '%s/tree' >/dev/null 2>&1 && test ! -e '%s/tree/sub/link'",
			src, dl, dl);
		ok(system(cmd) != 0, "the source holds a symlink the copy lacks");
		snprintf(cmd, sizeof cmd, "cmp -s '%s/tree/sub/b.bin' '%s/tree/sub/b.bin' && cmp -s '%s/tree/a.txt' "
			"'%s/tree/a.txt' && test -f '%s/tree/empty' && test ! -e '%s/tree.part'", src, dl, src, dl, dl, dl);
		ok(system(cmd) == 0, "the tree's files equal, no .part left");
	}

	/* refused: a wrong type, an unknown id, after RELEASEFILES */
	rq.dir = 0;
	rq.name = "tree2";
	rq.size = 10;
	g = fetch(xb, &rq);
	ok(g.r.state == CT_XFER_G_REFUSED, "GETFILEDATA for a directory refused (%s)", ct_xfer_gstate_name(g.r.state));
	rq.fileid = 12345;
	g = fetch(xb, &rq);
	ok(g.r.state == CT_XFER_G_REFUSED, "an unknown file id refused");
	{
		struct ct_haddr aa;
		ct_haddr_set_v4(&aa, 0x7F000001, pa);
		ct_xfer_offer_bind(xa, offer, 4243, &to);
		ct_node_send(b, &aa, CT_IPMSG_RELEASEFILES, "4243", 4);
		PUMP_UNTIL(ct_xfer_offer_state(xa, offer, 4243, st, NULL, 4) == 2 && st[1] == CT_XFER_RELEASED, 2000);
		is_str(ct_xfer_fstate_name(st[1]), "released", "RELEASEFILES releases the files of its message");
		ct_xfer_offer_state(xa, offer, 4242, st, NULL, 4);
		is_str(ct_xfer_fstate_name(st[0]), "fetched", "and leaves the other recipient's");
	}
	rq.packetno = 4243;
	rq.fileid = al.f[1].id;
	rq.dir = 1;
	rq.name = "tree3";
	g = fetch(xb, &rq);
	ok(g.r.state == CT_XFER_G_REFUSED, "a released directory is refused");
	ct_attach_list_fini(&al);

	/* the test transfer (probe --file): refused outside probe_allow, zeros inside */
	memset(&rq, 0, sizeof rq);
	ct_haddr_set_v4(&rq.peer, 0x7F000001, pa);
	rq.fileid = CT_XFER_PROBE_ID;
	rq.size = 1000000;
	rq.discard = 1;
	g = fetch(xb, &rq);
	is_str(ct_xfer_gstate_name(g.r.state), "refused", "a test transfer from outside probe_allow: refused");
	ct_targets_add(&probe_ok, "127.0.0.1", err, sizeof err);
	g = fetch(xb, &rq);
	is_str(ct_xfer_gstate_name(g.r.state), "done", "inside: done");
	is_int(g.r.bytes, 1000000, "1000000 bytes counted");
	ok(faccessat(dfd, "(test transfer)", F_OK, 0) != 0 && faccessat(dfd, "(test transfer).part", F_OK, 0) != 0,
		"nothing written");

	/* for iptux a directory is announced with its total size (5 + 100000 + 0; the symlink is not
	 * sent); iptux is known by the version field of its entry */
	{
		struct ct_sbuf l3, pk;
		struct ct_attach_list a3;
		struct ct_haddr me;
		struct sockaddr_in sa;
		uint64_t off3;
		int u = socket(AF_INET, SOCK_DGRAM, 0);
		snprintf(p2, sizeof p2, "%s/tree", src);
		paths[0] = p2;
		ct_sbuf_init(&l3);
		is_int(ct_xfer_offer_sized(xa, paths, 1, &l3, &off3, err, sizeof err), 0, "a sized offer of the tree");
		ct_attach_list_parse(l3.p, l3.len, &a3);
		ok(a3.n == 1 && a3.f[0].attr == 2 && a3.f[0].size == 100005, "announced with 100005 bytes (got %llu)",
			a3.n ? (unsigned long long)a3.f[0].size : 0ull);
		ct_attach_list_fini(&a3);
		ct_sbuf_fini(&l3);
		memset(&sa, 0, sizeof sa);
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(0x7F000001);
		bind(u, (struct sockaddr *)&sa, sizeof sa);
		ct_haddr_set_v4(&me, 0x7F000001, 0);
		ok(!ct_xfer_peer_iptux(xa, &me), "127.0.0.1 not known as iptux before");
		ct_sbuf_init(&pk);
		ct_codec_build(&pk, "1_iptux 0.8.3", 1, "tux", "tuxhost", CT_IPMSG_BR_ENTRY, "tux\0\0icon\0utf-8", 15, 1);
		sa.sin_port = htons(pa);
		sendto(u, pk.p, pk.len, 0, (struct sockaddr *)&sa, sizeof sa);
		PUMP_UNTIL(ct_xfer_peer_iptux(xa, &me), 2000);
		ok(ct_xfer_peer_iptux(xa, &me), "a BR_ENTRY with version 1_iptux 0.8.3: iptux");
		ct_sbuf_reset(&pk);
		ct_codec_build(&pk, NULL, 2, "win", "winhost", CT_IPMSG_BR_ENTRY, "win\0", 4, 1);
		sendto(u, pk.p, pk.len, 0, (struct sockaddr *)&sa, sizeof sa);
		PUMP_UNTIL(!ct_xfer_peer_iptux(xa, &me), 2000);
		ok(!ct_xfer_peer_iptux(xa, &me), "another client's entry from that address: not iptux any more");
		ct_sbuf_fini(&pk);
		close(u);
	}

	/* the peer's close confirms a transfer: a receiver cut after the sender wrote everything
	 * into its socket leaves the file offered (not fetched, not counted) */
	{
		const char *sp[1] = { p1 };
		struct ct_sbuf l2;
		struct ct_attach_list a2;
		struct ct_xfer_stats s0, s1;
		uint64_t off2, bytes[1];
		snprintf(p1, sizeof p1, "%s/small.bin", src);
		write_file(p1, 60000, 3);
		ct_sbuf_init(&l2);
		ct_xfer_offer(xa, sp, 1, &l2, &off2, err, sizeof err);
		ct_attach_list_parse(l2.p, l2.len, &a2);
		ct_xfer_offer_bind(xa, off2, 5001, &to);
		ct_xfer_offer_bind(xa, off2, 5002, &to);
		pump(200); /* the test transfer's close is counted first */
		ct_xfer_stats(xa, &s0);
		is_int(raw_fetch(pa, 5001, a2.f[0].id, 60000, 0), 60000, "a raw receiver reads all 60000 bytes and closes");
		PUMP_UNTIL(ct_xfer_offer_state(xa, off2, 5001, st, bytes, 1) == 1 && st[0] != CT_XFER_SENDING, 3000);
		is_str(ct_xfer_fstate_name(st[0]), "fetched", "its close confirms the transfer: fetched");
		is_int(bytes[0], 60000, "60000 bytes");
		ct_xfer_stats(xa, &s1);
		is_int(s1.served - s0.served, 1, "counted served");
		is_int(raw_fetch(pa, 5002, a2.f[0].id, 30000, 1), 30000, "another reads half, then resets");
		PUMP_UNTIL(ct_xfer_offer_state(xa, off2, 5002, st, bytes, 1) == 1 && st[0] != CT_XFER_SENDING, 3000);
		is_str(ct_xfer_fstate_name(st[0]), "offered", "the reset after everything was written: still offered");
		ct_xfer_stats(xa, &s0);
		is_int(s0.served, s1.served, "not counted served");
		ct_attach_list_fini(&a2);
		ct_sbuf_fini(&l2);
	}

	/* hostile peers */
	lfd = hostile_listen(&hp);
	memset(&rq, 0, sizeof rq);
	ct_haddr_set_v4(&rq.peer, 0x7F000001, hp);
	rq.packetno = 1;
	rq.fileid = 1;
	rq.name = "small";
	rq.size = 4;
	rq.dirfd = dfd;
	g = hostile_fetch(xb, &rq, lfd, "12345678", 8);
	is_str(ct_xfer_gstate_name(g.r.state), "too_much", "more bytes than announced refused");
	ok(faccessat(dfd, "small", F_OK, 0) != 0 && faccessat(dfd, "small.part", F_OK, 0) != 0, "nothing kept");
	rq.dir = 1;
	rq.name = "evil";
	{
		struct ct_sbuf sb;
		ct_sbuf_init(&sb);
		hdr(&sb, "evil", 0, 2);
		hdr(&sb, "..", 4, 2);
		hdr(&sb, "x", 4, 1);
		ct_sbuf_adds(&sb, "abcd");
		g = hostile_fetch(xb, &rq, lfd, sb.p, sb.len);
		is_str(ct_xfer_gstate_name(g.r.state), "bad_name", "'..' in a directory stream refused (%s)", g.r.error);
		ct_sbuf_reset(&sb);
		hdr(&sb, "evi2", 0, 2);
		hdr(&sb, "../../x", 4, 1);
		ct_sbuf_adds(&sb, "abcd");
		rq.name = "evi2";
		g = hostile_fetch(xb, &rq, lfd, sb.p, sb.len);
		is_str(ct_xfer_gstate_name(g.r.state), "bad_name", "a path in a directory stream refused");
		ok(faccessat(dfd, "../x", F_OK, 0) != 0, "nothing written outside");
		ct_sbuf_reset(&sb);
		hdr(&sb, "evi3", 0, 2);
		hdr(&sb, "f", 8, 1);
		ct_sbuf_adds(&sb, "abcdefgh");
		rq.name = "evi3";
		rq.max_bytes = 3;
		g = hostile_fetch(xb, &rq, lfd, sb.p, sb.len);
		is_str(ct_xfer_gstate_name(g.r.state), "limit", "a file beyond the quota refused");
		ct_sbuf_reset(&sb);
		hdr(&sb, "evi4", 0, 2);
		hdr(&sb, "f", 4, 1);
		ct_sbuf_adds(&sb, "abcd");
		rq.name = "evi4";
		rq.max_bytes = 0;
		g = hostile_fetch(xb, &rq, lfd, sb.p, sb.len);
		is_str(ct_xfer_gstate_name(g.r.state), "cut", "a stream without its closing RETPARENT is cut");
		ct_sbuf_fini(&sb);
	}
	close(lfd);

	/* the name checks */
	is_int(ct_xfer_name_check("report.txt", &why), 0, "a plain name passes");
	is_int(ct_xfer_name_check("日本語.txt", &why), 0, "UTF-8 passes");
	ok(ct_xfer_name_check("..", &why) != 0, "'..' refused");
	ok(ct_xfer_name_check("a/b", &why) != 0, "a slash refused");
	ok(ct_xfer_name_check("a\\b", &why) != 0, "a backslash refused");
	ok(ct_xfer_name_check("/etc", &why) != 0, "an absolute path refused");
	ok(ct_xfer_name_check("nul.txt", &why) != 0 && ct_xfer_name_check("COM1", &why) != 0 &&
		ct_xfer_name_check("lpt9.log", &why) != 0, "device names refused");
	ok(ct_xfer_name_check("con sole", &why) == 0 && ct_xfer_name_check("COM10", &why) == 0, "near names pass");
	ok(ct_xfer_name_check("a\nb", &why) != 0 && ct_xfer_name_check("a\x7f", &why) != 0, "control characters refused");
	ok(ct_xfer_name_check("a.", &why) != 0 && ct_xfer_name_check("", &why) != 0, "trailing dot, empty refused");

	test_save(xa, b, &xb, fid0);

	ct_sbuf_fini(&list);
	ct_targets_fini(&probe_ok);
	close(dfd);
	ct_xfer_free(xa);
	ct_xfer_free(xb);
	ct_node_free(a);
	ct_node_free(b);
	ct_hosts_free(ha);
	ct_hosts_free(hb);
	ct_evloop_free(ev);
	{
		char cmd[512];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
		(void)!system(cmd);
	}
	return tap_done();
}
