/* t-ctl-sub.c: unit tests of the event subscription: the queue (coalescing, dropping, lost), and a server with a reading, a never-reading and a stalled subscriber. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <sys/socket.h>
#include "tap.h"
#include "err.h"
#include "evloop.h"
#include "json.h"
#include "log.h"
#include "outbuf.h"
#include "ctl.h"
#include "ctl-sub.h"
#include "ctl-sub-client.h"
#include "clock.h"
#include "hosts.h"

static struct ct_evloop *ev;
static struct ct_ctl_server *srv;
static char dir[] = "/tmp/t-ctl-sub-XXXXXX";
static char sock[100];

/* ---- the queue alone ---- */

static int count_lines(const struct ct_out *o, const char *needle)
{
	int n = 0;

	for (size_t i = 0; i < o->len;) {
		const char *nl = memchr(o->p + i, '\n', o->len - i);
		size_t len = nl ? (size_t)(nl - (o->p + i)) : o->len - i;
		if (!needle || memmem(o->p + i, len, needle, strlen(needle)))
			n++;
		i += len + 1;
	}
	return n;
}

static void queue_tests(void)
{
	struct ct_ctl_subq *q = ct_ctl_subq_new(CT_CTL_EV_ALL, 4096);
	const struct ct_ctl_subq_stats *st = ct_ctl_subq_stats(q);
	struct ct_out o;
	char line[128], key[8];
	int64_t lost = 0;

	ct_out_init_buf(&o);
	/* 3 events fit: nothing coalesced, order kept */
	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof line, "{\"n\":%d}\n", i);
		ct_ctl_subq_push(q, "k", 1, line, strlen(line));
	}
	ct_ctl_subq_take(q, &o, 1 << 20);
	is_int(o.len, strlen("{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n"), "below the bound: every line, in order");
	ok(memcmp(o.p, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n", o.len) == 0, "... exactly");
	is_int(st->coalesced + st->dropped, 0, "... none coalesced or dropped");
	o.len = 0;
	/* 200 events of 4 keys, ~100 bytes each, into 4 KiB: the keys coalesce, the newest kept */
	size_t most = 0;
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof key, "h%d", i % 4);
		snprintf(line, sizeof line, "{\"key\":\"%s\",\"seq\":%03d,\"pad\":\"%060d\"}\n", key, i, 0);
		ct_ctl_subq_push(q, key, strlen(key), line, strlen(line));
		if (st->bytes > most)
			most = st->bytes;
	}
	ok(most <= 4096, "the queue stays within its bound (at most %zu bytes)", most);
	ok(st->coalesced > 0, "same-key events coalesced (%llu)", (unsigned long long)st->coalesced);
	is_int(st->dropped, 0, "... so nothing had to be dropped");
	ct_ctl_subq_take(q, &o, 1 << 20);
	for (int k = 0; k < 4; k++) {
		snprintf(line, sizeof line, "\"key\":\"h%d\",\"seq\":%03d", k, 196 + k);
		ok(memmem(o.p, o.len, line, strlen(line)) != NULL, "key h%d: its newest event (seq %d) is there", k, 196 + k);
	}
	is_int(count_lines(&o, NULL) + (int)st->coalesced, 203 - 3, "received + coalesced = pushed");
	o.len = 0;
	/* unkeyed events: the oldest are dropped, and a lost line says how many, first */
	uint64_t pushed = 300;
	for (uint64_t i = 0; i < pushed; i++) {
		snprintf(line, sizeof line, "{\"seq\":%03llu,\"pad\":\"%060d\"}\n", (unsigned long long)i, 0);
		ct_ctl_subq_push(q, NULL, 0, line, strlen(line));
	}
	ok(st->peak_bytes <= 4096, "peak %zu bytes <= 4096", st->peak_bytes);
	ct_ctl_subq_take(q, &o, 1 << 20);
	ok(o.len > 20 && memcmp(o.p, "{\"v\":1,\"ev\":\"lost\",\"t\":", 23) == 0, "the first line out is the lost event");
	{
		const char *c = memmem(o.p, o.len, "\"count\":", 8);
		lost = c ? strtoll(c + 8, NULL, 10) : -1;
	}
	is_int(lost, (int64_t)st->dropped, "lost count = dropped (%lld)", (long long)lost);
	is_int((int64_t)count_lines(&o, "\"seq\"") + lost, (int64_t)pushed, "received + lost = pushed");
	snprintf(line, sizeof line, "{\"seq\":%03llu,", (unsigned long long)pushed - 1);
	ok(memmem(o.p, o.len, line, strlen(line)) != NULL, "the newest event is kept");
	ok(!memmem(o.p, o.len, "{\"seq\":000,", 11), "the oldest was dropped");
	ok(!ct_ctl_subq_pending(q), "taken: nothing pending");
	/* a line larger than the bound alone */
	char big[5000];
	memset(big, 'x', sizeof big);
	is_int(ct_ctl_subq_push(q, NULL, 0, big, sizeof big), CT_ETOOBIG, "a line larger than the bound: refused");
	ok(ct_ctl_subq_pending(q), "... and reported as lost");
	free(o.p);
	ct_ctl_subq_free(q);
	unsigned kinds;
	char err[200];
	struct ct_json *ev_arr = NULL;
	ct_json_parse("[\"host\",\"warn\"]", 15, &ev_arr);
	is_int(ct_ctl_sub_kinds_parse(ev_arr, &kinds, err, sizeof err), 0, "events [host, warn] parse");
	is_int(kinds, CT_CTL_EV_HOST | CT_CTL_EV_WARN, "... to host|warn");
	ct_json_free(ev_arr);
	ct_json_parse("[\"hosts\"]", 9, &ev_arr);
	is_int(ct_ctl_sub_kinds_parse(ev_arr, &kinds, err, sizeof err), CT_EINVAL, "an unknown kind is refused");
	ct_json_free(ev_arr);
	is_int(ct_ctl_sub_kinds_parse(NULL, &kinds, err, sizeof err), 0, "no events: ...");
	is_int(kinds, CT_CTL_EV_ALL, "... all kinds");
}

/* ---- the host table's watcher: which op each change makes ---- */

static char ops[512];

static void watch(struct ct_hosts *t, const struct ct_host *h, enum ct_host_event what, void *ud)
{
	static const char *const names[] = { "none", "join", "change", "absent", "back", "exit", "lost", "flap", "remove" };

	(void)t;
	(void)ud;
	snprintf(ops + strlen(ops), sizeof ops - strlen(ops), "%s%s:%s", ops[0] ? " " : "", h->user, names[what]);
}

static void watch_tests(void)
{
	struct ct_hosts *t = ct_hosts_new();
	struct ct_host_info in = { .user = "taro", .host = "pc1", .nick = "Taro", .group = "g", .status = 1 };
	struct ct_host *h = NULL;
	uint64_t ms = 1000;

	in.addr.family = AF_INET;
	in.addr.port = 2425;
	memcpy(in.addr.ip, (const uint8_t[]){ 198, 18, 1, 11 }, 4);
	ct_hosts_set_watch(t, watch, NULL);
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, ms++, 1.0, &h);    /* join */
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, ms++, 2.0, &h);    /* nothing */
	in.nick = "Taro2";
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, ms++, 3.0, &h);    /* change */
	in.status = 0x101;
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, ms++, 4.0, &h);    /* absent */
	in.status = 1;
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, ms++, 5.0, &h);    /* back */
	ct_hosts_set_offline(t, h, CT_HOST_GONE_EXIT, 6.0);                            /* exit */
	ct_hosts_set_offline(t, h, CT_HOST_GONE_EXIT, 6.5);                            /* nothing */
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, ms++, 7.0, &h);    /* flap */
	ct_hosts_set_offline(t, h, CT_HOST_GONE_LOST, 8.0);                            /* lost */
	ct_hosts_update(t, &in, CT_HOST_LIST, CT_HOST_VIA_LIST, ms++, 9.0, &h);       /* back (second hand) */
	in.user = "jiro"; /* another name at the same address replaces it */
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, ms++, 10.0, &h);
	is_str(ops, "taro:join taro:change taro:absent taro:back taro:exit taro:flap taro:lost taro:back "
		"taro:remove jiro:join", "the watcher sees each change once, with its op, and nothing for a refresh");
	ops[0] = '\0';
	ct_hosts_set_watch(t, NULL, NULL);
	ct_hosts_remove(t, h);
	is_str(ops, "", "no watcher: nothing called");
	ct_hosts_free(t);
}

/* ---- a server on the loop ---- */

static int snap_n;

static int snap_more(struct ct_out *o, void *ud)
{
	int *left = ud;

	while (*left > 0 && o->len < CT_CTL_STREAM_CHUNK) {
		ct_out_puts(o, "{\"v\":1,\"ev\":\"host\",\"op\":\"present\",\"n\":");
		ct_out_i64(o, (*left)--);
		ct_out_puts(o, "}\n");
	}
	if (*left > 0)
		return 1;
	ct_out_puts(o, "{\"v\":1,\"ev\":\"synced\"}\n");
	return 0;
}

static int m_subscribe(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	unsigned kinds;
	char err[200];
	int *left;

	(void)ud;
	if (ct_ctl_sub_kinds_parse(params ? ct_json_get(params, "events") : NULL, &kinds, err, sizeof err) != 0)
		return ct_ctl_call_error(call, "bad_params", "%s", err);
	ct_ctl_call_subscribe(call, kinds);
	*result = ct_json_obj();
	ct_json_add(*result, "subscribed", ct_ctl_sub_kinds_json(kinds));
	if (!(left = malloc(sizeof *left)))
		return CT_ENOMEM;
	*left = snap_n;
	ct_ctl_call_stream_lines(call, snap_more, free, left);
	return CT_CTL_STREAM;
}

static int m_echo(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)call;
	(void)ud;
	*result = params ? ct_json_dup(params) : ct_json_obj();
	return 0;
}

static void turn(int n)
{
	while (n-- > 0)
		ct_evloop_run_once(ev, 2);
}

/* the reading subscriber (the non-blocking client) */
struct reader {
	int ready, closed, events, present, synced, lost;
	long long last_seq;
	int in_order;
	char why[200];
};

static void r_ready(const struct ct_json *result, void *ud)
{
	struct reader *r = ud;

	r->ready = result && ct_json_get(result, "subscribed") != NULL;
}

static void r_event(const struct ct_json *e, const char *line, size_t len, void *ud)
{
	struct reader *r = ud;
	const char *kind = e ? ct_json_get_str(e, "ev") : NULL;
	int64_t seq;

	(void)line;
	(void)len;
	r->events++;
	if (!kind)
		return;
	if (strcmp(kind, "host") == 0 && ct_json_get_str(e, "op") && strcmp(ct_json_get_str(e, "op"), "present") == 0)
		r->present++;
	else if (strcmp(kind, "synced") == 0)
		r->synced++;
	else if (strcmp(kind, "lost") == 0)
		r->lost++;
	else if (ct_json_get_i64(e, "seq", &seq) == 0) {
		r->in_order &= seq == r->last_seq + 1;
		r->last_seq = seq;
	}
}

static void r_closed(int code, const char *why, void *ud)
{
	struct reader *r = ud;

	(void)code;
	r->closed = 1;
	snprintf(r->why, sizeof r->why, "%s", why);
}

/* a raw client: hello + subscribe sent, then read only when asked */
static int raw_subscriber(const char *events)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0), sz = 4096;
	char req[300];

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return -1;
	snprintf(req, sizeof req, "{\"id\":1,\"method\":\"hello\",\"params\":{\"protocol\":1}}\n"
		"{\"id\":2,\"method\":\"subscribe\",\"params\":{\"events\":%s}}\n", events);
	if (send(fd, req, strlen(req), 0) != (ssize_t)strlen(req))
		return -1;
	return fd;
}

/* reads what fd has (running the loop meanwhile) into o until nothing more comes */
static void drain(int fd, struct ct_out *o)
{
	char buf[65536];
	int quiet = 0;

	while (quiet < 50) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n > 0) {
			ct_out_put(o, buf, (size_t)n);
			quiet = 0;
		} else {
			quiet++;
			turn(1);
		}
	}
}

static void publish_seq(long long seq, const char *key)
{
	char line[200];

	snprintf(line, sizeof line, "{\"v\":1,\"ev\":\"host\",\"t\":1,\"seq\":%lld,\"key\":\"%s\",\"pad\":\"%080d\"}\n",
		seq, key ? key : "", 0);
	ct_ctl_publish(srv, CT_CTL_EV_HOST, key, key ? strlen(key) : 0, line, strlen(line));
}

static void server_tests(void)
{
	struct ct_ctl_limits lim = { .hello_ms = 5000, .idle_ms = 300, .request_ms = 5000, .write_ms = 3000,
		.sub_queue = 16384 };
	struct ct_ctl_sub_client *sc;
	struct ct_ctl_sub_conf conf = { .path = sock, .client = "t-ctl-sub" };
	struct reader rd = { .in_order = 1, .last_seq = -1 };
	struct ct_ctl_sub_cbs cbs = { r_ready, r_event, r_closed, &rd };
	struct ct_ctl_sub_totals tot;
	char err[256];
	struct ct_out o;
	long long seq = 0;
	size_t peak = 0;

	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(sock, sizeof sock, "%s/ctl.sock", dir);
	if (ct_evloop_new(&ev) != 0 || ct_ctl_server_open(&srv, ev, sock, &lim, err, sizeof err) != 0) {
		ok(0, "server: %s", err);
		return;
	}
	ct_ctl_server_add(srv, CT_CTL_M_SUBSCRIBE, m_subscribe, NULL);
	ct_ctl_server_add(srv, "echo", m_echo, NULL);
	is_int(ct_ctl_server_wants(srv), 0, "no subscriber: nothing wanted");

	/* the reading subscriber, with a snapshot of 3000 lines (more than the queue holds) */
	snap_n = 3000;
	is_int(ct_ctl_sub_client_open(&sc, ev, &conf, &cbs, err, sizeof err), 0, "the non-blocking client connects");
	for (int i = 0; i < 500 && !rd.synced; i++)
		turn(1);
	ok(rd.ready, "its subscribe reply came%s%s", rd.closed ? ": closed: " : "", rd.why);
	is_int(rd.present, 3000, "the whole snapshot came (streamed, not queued)");
	is_int(rd.synced, 1, "then synced");
	is_int(ct_ctl_server_wants(srv), CT_CTL_EV_ALL, "a subscriber of all: everything wanted");

	/* idle: a plain client is dropped after idle_ms, the subscriber is not */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int plain = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	connect(plain, (struct sockaddr *)&sa, sizeof sa);
	send(plain, "{\"id\":1,\"method\":\"hello\",\"params\":{\"protocol\":1}}\n", 51, 0);
	turn(5);
	send(plain, "{\"id\":2,\"method\":\"echo\"}\n", 26, 0); /* from here idle_ms counts */
	turn(10);
	unsigned before = ct_ctl_server_clients(srv);
	for (uint64_t t0 = ct_mono_ms(); ct_mono_ms() - t0 < 600;) { /* > idle_ms 300 */
		publish_seq(seq++, NULL);
		ct_evloop_run_once(ev, 10);
	}
	long long idle_seq = seq;
	is_int(ct_ctl_server_clients(srv), before - 1, "after idle_ms the plain client is gone");
	is_int(ct_ctl_sub_client_state(sc), 1, "the subscriber stays (idle, it only listens)");
	close(plain);

	/* a subscriber that never reads, beside the reader */
	int deaf = raw_subscriber("[\"host\"]");
	turn(20);
	for (uint64_t t0 = ct_mono_ms(); ct_mono_ms() - t0 < 1000;) { /* 1 s < write_ms */
		for (int i = 0; i < 20; i++)
			publish_seq(seq++, NULL);
		ct_ctl_server_sub_totals(srv, &tot);
		if (tot.peak_bytes > peak)
			peak = tot.peak_bytes;
		/* the reader keeps up (each burst is delivered before the next: 20 events, 3 KB, less
		 * than its queue), whatever the machine's load; the deaf one falls behind */
		for (uint64_t t1 = ct_mono_ms(); rd.events - rd.present - rd.synced < seq && ct_mono_ms() - t1 < 500;)
			ct_evloop_run_once(ev, 5);
	}
	turn(50);
	ct_ctl_server_sub_totals(srv, &tot);
	ok(peak <= lim.sub_queue, "the deaf subscriber's queue peaked at %zu bytes (bound %zu)", peak, lim.sub_queue);
	ok(tot.dropped > 0, "its oldest events were dropped (%llu)", (unsigned long long)tot.dropped);
	is_int(rd.events - rd.present - rd.synced, seq, "the reading subscriber got every event meanwhile");
	ok(rd.in_order, "... in order");
	is_int(rd.lost, 0, "... and lost none");
	is_int(ct_ctl_sub_client_state(sc), 1, "... and is still subscribed");
	/* the deaf one reads at last: what it got + what it was told it lost = what was published */
	ct_out_init_buf(&o);
	drain(deaf, &o);
	long long got = count_lines(&o, "\"seq\""), lost = 0;
	for (const char *p = o.p, *c; p && (c = memmem(p, o.len - (size_t)(p - o.p), "\"ev\":\"lost\"", 11)) != NULL; p = c + 1) {
		const char *n = memmem(c, o.len - (size_t)(c - o.p), "\"count\":", 8);
		lost += n ? strtoll(n + 8, NULL, 10) : 0;
	}
	ok(lost > 0, "it was told it lost %lld events", lost);
	is_int(got + lost, seq - idle_seq, "received %lld + lost %lld = the %lld published since it subscribed", got, lost,
		seq - idle_seq);
	close(deaf);
	free(o.p);
	turn(20);

	/* coalescing: 10 hosts changing 200 times each, a subscriber that reads late */
	int late = raw_subscriber("[\"host\"]");
	turn(20);
	long long first = seq;
	for (int i = 0; i < 2000; i++) {
		char key[8];
		snprintf(key, sizeof key, "h%d", i % 10);
		publish_seq(seq++, key);
		if (i % 100 == 0)
			turn(1);
	}
	ct_out_init_buf(&o);
	drain(late, &o);
	ct_ctl_server_sub_totals(srv, &tot);
	int newest = 1;
	for (int k = 0; k < 10; k++) {
		char want[80];
		snprintf(want, sizeof want, "\"seq\":%lld,\"key\":\"h%d\"", first + 1990 + k, k);
		newest &= memmem(o.p, o.len, want, strlen(want)) != NULL;
	}
	ok(newest, "each host's newest event reached the late reader");
	ok(tot.coalesced > 0, "older events of the same host were coalesced (%llu)", (unsigned long long)tot.coalesced);
	close(late);
	free(o.p);
	turn(20);

	/* a subscriber that stays full for write_ms is disconnected; the reader is not */
	int stuck = raw_subscriber("[\"host\"]");
	turn(20);
	before = ct_ctl_server_clients(srv);
	for (uint64_t t0 = ct_mono_ms(); ct_mono_ms() - t0 < 4500;) { /* > write_ms 3 s */
		for (int k = 0; k < 20; k++)
			publish_seq(seq++, NULL);
		ct_evloop_run_once(ev, 10);
	}
	is_int(ct_ctl_server_clients(srv), before - 1, "the subscriber that read nothing for write_ms was dropped (%u before)", before);
	is_int(ct_ctl_sub_client_state(sc), 1, "the reading one is still there");
	close(stuck);

	/* the daemon goes away: the client hears it */
	ct_ctl_server_close(srv);
	srv = NULL;
	for (int i = 0; i < 50 && !rd.closed; i++)
		turn(1);
	ok(rd.closed, "the server closed: closed() called (%s)", rd.why);
	ct_ctl_sub_client_close(sc);
	ct_ctl_sub_client_open(&sc, ev, &conf, &cbs, err, sizeof err);
	ok(sc == NULL, "reconnecting to nothing fails at once: %s", err);
	ct_evloop_free(ev);
	rmdir(dir);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	ct_log_set_level(getenv("T_DEBUG") ? CT_LOG_DEBUG : CT_LOG_ERR);
	queue_tests();
	watch_tests();
	server_tests();
	return tap_done();
}
