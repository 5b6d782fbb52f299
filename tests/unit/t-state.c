/* t-state.c: unit tests for the state file: atomic save, reload, bad/foreign/other-version files moved aside, kill -9. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "log.h"
#include "state.h"

static char dir[] = "/tmp/t-state-XXXXXX";
static char path[256];
static int64_t saved_value = 41, loaded_value = -1;

static struct ct_json *save_hosts(void *ud)
{
	struct ct_json *o = ct_json_obj();

	(void)ud;
	ct_json_add_int(o, "value", saved_value);
	ct_json_add_str(o, "name", "caf\xc3\xa9");
	return o;
}

static int load_hosts(const struct ct_json *v, void *ud)
{
	(void)ud;
	return ct_json_get_i64(v, "value", &loaded_value);
}

static char *slurp(const char *p);

static void text_has(const char *p, const char *want, const char *what)
{
	const char *text = slurp(p);

	if (!ok(text && strstr(text, want), "%s", what))
		printf("#   wanted %s in %s\n", want, text ? text : "(no file)");
}

static void put(const char *p, const char *text)
{
	FILE *fp = fopen(p, "w");

	fputs(text, fp);
	fclose(fp);
}

static char *slurp(const char *p)
{
	static char buf[65536];
	FILE *fp = fopen(p, "r");
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int count_entries(const char *prefix)
{
	char sdir[300];
	DIR *d;
	struct dirent *e;

	snprintf(sdir, sizeof sdir, "%s/sub/dir", dir);
	d = opendir(sdir);
	int n = 0;

	while (d && (e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	if (d)
		closedir(d);
	return n;
}

/* A file that is not good gets moved aside with the given tag and its content kept. */
static void moved_case(const char *content, const char *tag, const char *what)
{
	struct ct_state *st;
	int r;
	char *back;

	put(path, content);
	ct_state_new(&st, path);
	ct_state_register(st, "hosts", save_hosts, load_hosts, NULL);
	r = ct_state_load(st);
	is_int(r, CT_EFORMAT, "%s: load reports a bad file", what);
	ok(strstr(ct_state_moved_to(st), tag) != NULL, "%s: moved aside as %s (%s)", what, tag, ct_state_moved_to(st));
	ok(access(path, F_OK) != 0, "%s: original path is free", what);
	back = slurp(ct_state_moved_to(st));
	ok(back && strcmp(back, content) == 0, "%s: content kept intact", what);
	ok(strstr(ct_state_error(st), "kept it as") != NULL, "%s: error names where it went", what);
	is_int(ct_state_save(st), 0, "%s: a fresh save works afterwards", what);
	unlink(ct_state_moved_to(st));
	ct_state_free(st);
}

/* Child: saves seq 1, 2, 3... forever, writing each completed seq to fd after the save. */
static void writer(int fd)
{
	struct ct_state *st;
	char pad[3000];

	ct_state_new(&st, path);
	memset(pad, 'x', sizeof pad - 1);
	pad[sizeof pad - 1] = '\0';
	for (int64_t seq = 1;; seq++) {
		struct ct_json *s = ct_json_obj(), *d = ct_json_add_obj(s, "data");
		ct_json_add_int(d, "n", seq);
		/* payload whose length depends on n: a torn file could not pass the check */
		ct_json_add_strn(d, "pad", pad, (size_t)(seq * 37 % 2999));
		if (ct_state_write(st, s) != 0)
			_exit(3);
		ct_json_free(s);
		if (write(fd, &seq, sizeof seq) != sizeof seq)
			_exit(4);
	}
}

static void kill9_test(void)
{
	int rounds = 25, good = 0, saved_rounds = 0, bad_before = count_entries("state.json.bad");

	unlink(path);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int i = 0; i < rounds; i++) {
		int p[2];
		pid_t pid;
		int64_t acked = 0, v, got = -1;
		struct ct_state *st;
		struct ct_json *secs = NULL;
		const struct ct_json *d;
		const char *pad;
		int r;

		if (pipe(p) != 0)
			break;
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			writer(p[1]);
		}
		close(p[1]);
		/* odd rounds: wait for a first completed save, so some kills surely land mid-stream */
		if ((i & 1) && read(p[0], &v, sizeof v) == sizeof v)
			acked = v;
		usleep((useconds_t)(rand() % 15000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		while (read(p[0], &v, sizeof v) == sizeof v)
			acked = v;
		close(p[0]);
		ct_state_new(&st, path);
		r = ct_state_read(st, &secs);
		d = ct_json_get(secs, "data");
		pad = ct_json_get_str(d, "pad");
		if (r == 0 && ct_json_get_i64(d, "n", &got) == 0 && pad && strlen(pad) == (size_t)(got * 37 % 2999) &&
		    (got == acked || got == acked + 1)) {
			good++; /* the last acknowledged save, or one that completed just before the kill */
			saved_rounds += acked > 0;
		} else if (r == CT_ENOTFOUND && acked == 0) {
			good++; /* killed before the first save completed */
		} else
			printf("# round %d: r=%d (%s) acked=%lld file n=%lld\n", i, r, ct_state_error(st),
				(long long)acked, (long long)got);
		ct_json_free(secs);
		ct_state_free(st);
		unlink(path); /* the next writer restarts at 1 */
	}
	is_int(good, rounds, "kill -9 at random moments: the file always parses and holds the last completed save");
	ok(saved_rounds > 0, "some rounds were killed after saves had completed (%d of %d)", saved_rounds, rounds);
	is_int(count_entries("state.json.bad") - bad_before, 0, "kill -9 never produced a bad file");
}

/* The host table as a streamed section, with the clocks it is saved and loaded at. */
struct hctx {
	struct ct_hosts *t;
	uint64_t now_ms;
	double now_wall;
};

static int hs_write(struct ct_state_elems *e, void *ud)
{
	struct hctx *c = ud;

	return ct_hosts_state_write(c->t, e, c->now_ms, c->now_wall);
}

static int hs_load(const struct ct_json *el, void *ud)
{
	struct hctx *c = ud;

	return ct_hosts_state_load_one(c->t, el, c->now_ms, c->now_wall);
}

/* Loads the file p into a new table at the given clocks; *r gets ct_state_load's result. */
static struct ct_hosts *load_table(const char *p, uint64_t now_ms, double now_wall, int *r)
{
	struct hctx c = { ct_hosts_new(), now_ms, now_wall };
	struct ct_state *st;

	ct_state_new(&st, p);
	ct_state_register_stream(st, "hosts", hs_write, hs_load, &c);
	*r = ct_state_load(st);
	ct_state_free(st);
	return c.t;
}

/* The host table's instability records through a real state file: a flap's wall time comes
 * back exactly, and the window is measured from it after a restart (other monotonic base). */
static void hosts_round_trip(void)
{
	char p[300];
	struct ct_state *st;
	struct ct_hosts *t = ct_hosts_new(), *t2;
	struct ct_host_info in = { .user = "dave", .host = "PC-D", .nick = "Dave", .group = "g" };
	struct ct_host_info in2 = { .user = "erin", .host = "PC-E", .nick = "Erin", .group = "g" };
	struct hctx c = { t, 5030000, 1800000030.25 };
	struct ct_json *secs = NULL;
	struct ct_host *h;
	const uint64_t day = 86400000ULL;
	size_t bad = 99;
	int r = -1;

	snprintf(p, sizeof p, "%s/hosts-state.json", dir);
	ct_haddr_parse(&in.addr, "198.18.2.13", 2425);
	ct_haddr_parse(&in2.addr, "198.18.2.14", 2425);
	/* run 1 (monotonic base 5,000,000): dave flaps twice, erin never */
	ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 5000000, 1800000000.0, &h);
	ct_hosts_update(t, &in2, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 5000000, 1800000000.0, NULL);
	for (int i = 0; i < 2; i++) {
		ct_hosts_exit_addr(t, &in.addr, 1800000001.0);
		ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 5010000 + i * 10000ULL,
			1800000010.25 + i * 10, &h);
	}
	ok(h->flaps == 2 && h->last_flap == 1800000020.25, "run 1: two flaps, the last at .25");
	ct_hosts_find(t, "erin", "PC-E")->last_change = 1796557832.2629871; /* no short decimal form */
	is_int(ct_state_new(&st, p), 0, "hosts: new state file");
	ct_state_register_stream(st, "hosts", hs_write, hs_load, &c);
	is_int(ct_state_save(st), 0, "hosts: saved (streamed)");
	text_has(p, "\"last_flap\":1800000020.25,", "saved last_flap is the wall time, every digit");
	text_has(p, "\"recent_flaps\":\"1800000010.250 1800000020.250\"", "saved recent_flaps, oldest first");
	text_has(p, "\"last_flap\":null", "a host that never flapped saves last_flap null");
	text_has(p, "\"seq\":1,\"sections\":{\n\"hosts\":[\n{\"user\":\"dave\",", "line layout: header line, section line, one host a line");
	text_has(p, "\n,{\"user\":\"erin\",", "the next host on its own line after a comma");
	text_has(p, "}\n]\n}}\n", "the section and the file close on their own lines");
	is_int(ct_state_read(st, &secs), 0, "the line layout is one JSON document (older camtraced read it whole)");
	is_int(ct_json_arr_len(ct_json_get(secs, "hosts")), 2, "... with both hosts");
	ct_json_free(secs);
	ct_state_free(st);
	/* run 2, a day later on the wall clock, monotonic clock from 1,000 (a reboot) */
	t2 = load_table(p, 1000, 1800000020.25 + 86400 - 0.001, &r);
	is_int(r, 0, "hosts: loaded line by line");
	is_int(ct_hosts_count(t2), 2, "both hosts back");
	h = ct_hosts_find(t2, "dave", "PC-D");
	ok(h && h->last_flap == 1800000020.25, "last_flap survives exactly");
	ok(h && h->flaps == 2, "flap_count survives");
	ok(h && ct_host_is_unstable(h, day, 1000), "1 ms less than a day after its last flap: unstable");
	is_int(h ? (int)ct_host_flaps_in(h, day, 1000) : -1, 1, "one flap in the window (the other is a day and 10 s old)");
	ok(h && !ct_host_is_unstable(h, day, 1000 + 2), "2 ms later (monotonic, in-process): stable");
	ok(h && h->flaps == 2, "... flap_count still 2");
	h = ct_hosts_find(t2, "erin", "PC-E");
	ok(h && h->last_flap == 0 && h->nflap == 0 && !ct_host_is_unstable(h, day, 1000), "erin: no flap, stable");
	ok(h && h->last_change == 1796557832.2629871, "a wall time comes back to the last bit (%.17g)", h ? h->last_change : 0);
	ct_hosts_free(t2);
	/* loaded just outside the window: stable at once */
	t2 = load_table(p, 1000, 1800000020.25 + 86400 + 0.001, &r);
	h = ct_hosts_find(t2, "dave", "PC-D");
	ok(h && !ct_host_is_unstable(h, day, 1000) && h->flaps == 2, "loaded 1 ms more than a day later: stable, flap_count 2");
	ct_hosts_free(t2);
	/* a file from before last_flap: the old flaps keep their count but no time */
	{
		struct ct_json *old = NULL;
		const char *txt = "[{\"user\":\"old\",\"host\":\"PC-O\",\"nick\":\"\",\"group\":\"\",\"addr\":\"198.18.2.20\","
			"\"port\":2425,\"status\":0,\"origin\":1,\"state\":\"online\",\"gone\":0,\"flaps\":5,\"missed\":1,"
			"\"first_seen\":1700000000,\"last_seen\":1700000100,\"last_change\":1700000100},"
			"\"h1\\tcmp\\tPC-C\\tC\\tg\\t198.18.2.21\\t2425\\t0\\t1\\tonline\\t0\\t3\\t0\\t1700000000\\t1700000100\\t1700000100\"]";
		t2 = ct_hosts_new();
		is_int(ct_json_parse(txt, strlen(txt), &old), 0, "an old hosts section");
		is_int(ct_hosts_state_load(t2, old, 1000, 1700000200.0, &bad), 0, "loads");
		is_int(bad, 0, "both records usable (object and compact h1)");
		h = ct_hosts_find(t2, "old", "PC-O");
		ok(h && h->flaps == 5 && h->last_flap == 0 && !ct_host_is_unstable(h, day, 1000),
			"old record: flap_count 5, no last_flap, not unstable by old flaps");
		h = ct_hosts_find(t2, "cmp", "PC-C");
		ok(h && h->flaps == 3 && h->last_flap == 0, "compact record: flap_count 3, no last_flap");
		ct_hosts_free(t2);
		ct_json_free(old);
		/* the same old records in an old one-line file: read whole, handed over element by element */
		char text[1200];
		snprintf(text, sizeof text, "{\"format\":\"camtraced-state\",\"version\":1,\"seq\":4,\"sections\":{\"hosts\":%s}}", txt);
		put(p, text);
		t2 = load_table(p, 1000, 1700000200.0, &r);
		is_int(r, 0, "an old one-line file loads");
		ok(ct_hosts_find(t2, "old", "PC-O") && ct_hosts_find(t2, "cmp", "PC-C") && ct_hosts_count(t2) == 2,
			"... both records, through the element loader");
		ct_hosts_free(t2);
	}
	ct_hosts_free(t);
}

/* n hosts user<i>@pc<i> at 10.2.x.y, last seen at wall 1800000000 + i. */
static struct ct_hosts *table_of(unsigned n)
{
	struct ct_hosts *t = ct_hosts_new();

	ct_hosts_set_limits(t, 0, 0);
	for (unsigned i = 0; i < n; i++) {
		char u[32], hn[32];
		struct ct_host_info in = { .user = u, .host = hn, .nick = "n", .group = "g" };
		snprintf(u, sizeof u, "user%u", i);
		snprintf(hn, sizeof hn, "pc%u", i);
		ct_haddr_set_v4(&in.addr, 0x0A020000u + i, 2425);
		ct_hosts_update(t, &in, CT_HOST_LOCAL, CT_HOST_VIA_PACKET, 1000, 1800000000.0 + i, NULL);
	}
	return t;
}

/* Writes the first len bytes of text (len < 0: all) to p, plus tail. */
static void put_cut(const char *p, const char *text, long len, const char *tail)
{
	FILE *fp = fopen(p, "w");

	fwrite(text, 1, len < 0 ? strlen(text) : (size_t)len, fp);
	fputs(tail, fp);
	fclose(fp);
}

static int exists(const char *p) { return access(p, F_OK) == 0; }

/* Files whose path starts with prefix (its directory part is listed). */
static int count_in(const char *prefix)
{
	char d[300];
	const char *base = strrchr(prefix, '/') + 1;
	DIR *dp;
	struct dirent *e;
	int n = 0;

	snprintf(d, sizeof d, "%.*s", (int)(base - prefix), prefix);
	if (!(dp = opendir(d)))
		return 0;
	while ((e = readdir(dp)) != NULL)
		n += strncmp(e->d_name, base, strlen(base)) == 0;
	closedir(dp);
	return n;
}

/* Damaged line-layout files are moved aside whole: no host of them is loaded. */
static void stream_damage_tests(void)
{
	char p[300], big[300], *text, *copy;
	struct hctx c = { table_of(300), 1000, 1800001000.0 };
	struct ct_state *st;
	struct ct_hosts *t2;
	size_t len;
	int r;

	snprintf(p, sizeof p, "%s/dmg/state.json", dir);
	ct_state_new(&st, p);
	ct_state_register_stream(st, "hosts", hs_write, hs_load, &c);
	ct_state_register(st, "found", save_hosts, load_hosts, NULL);
	is_int(ct_state_save(st), 0, "300 hosts saved");
	ct_state_free(st);
	text = slurp(p);
	len = strlen(text);
	copy = strdup(text);
	t2 = load_table(p, 1000, 1800001000.0, &r);
	is_int(r, 0, "intact file loads");
	is_int(ct_hosts_count(t2), 300, "all 300 hosts");
	ct_hosts_free(t2);
	loaded_value = -1;

	struct { long cut; const char *tail, *why, *what; } cases[] = {
		{ (long)len - 3, "", "truncated", "without its closing line" },
		{ (long)len / 2, "", "truncated", "cut in the middle of a host line" },
		{ (long)len / 2, "\n]\n}}\n", "not JSON", "a half host line, then a valid end" },
		{ (long)len, "junk\n", "text after its end", "text after the closing line" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		put_cut(p, copy, cases[i].cut, cases[i].tail);
		t2 = load_table(p, 1000, 1800001000.0, &r);
		is_int(r, CT_EFORMAT, "%s: refused", cases[i].what);
		is_int(ct_hosts_count(t2), 0, "%s: not one host loaded (checked before loading)", cases[i].what);
		ct_hosts_free(t2);
		ok(!exists(p), "%s: moved aside", cases[i].what);
	}
	/* a line longer than the limit */
	{
		FILE *fp = fopen(p, "w");
		fputs("{\"format\":\"camtraced-state\",\"version\":1,\"seq\":1,\"sections\":{\n\"hosts\":[\n\"", fp);
		for (int i = 0; i < 17 * 1024; i++)
			fprintf(fp, "%01024d", 0);
		fputs("\"\n]\n}}\n", fp);
		fclose(fp);
		t2 = load_table(p, 1000, 1800001000.0, &r);
		is_int(r, CT_EFORMAT, "a 17 MiB line: refused");
		ct_hosts_free(t2);
	}
	/* a header of another version in the line layout */
	snprintf(big, sizeof big, "{\"format\":\"camtraced-state\",\"version\":7,\"seq\":1,\"sections\":{\n}}\n");
	put(p, big);
	t2 = load_table(p, 1000, 1800001000.0, &r);
	is_int(r, CT_EFORMAT, "line layout of version 7: refused");
	ct_hosts_free(t2);
	/* unknown sections are skipped, known ones load, a tree section in the line layout too */
	put_cut(p, "{\"format\":\"camtraced-state\",\"version\":1,\"seq\":5,\"sections\":{\n"
		"\"later\":[\n{\"x\":1}\n,{\"x\":2}\n]\n,\"hosts\":[\n"
		"{\"user\":\"u\",\"host\":\"h\",\"nick\":\"\",\"group\":\"\",\"addr\":\"10.9.9.9\",\"port\":2425,\"state\":\"online\"}\n"
		",{\"user\":\"bad\"}\n]\n,\"found\":{\"value\":77}\n,\"other\":{\"y\":[1,2]}\n}}\n", -1, "");
	loaded_value = -1;
	{
		struct hctx c2 = { ct_hosts_new(), 1000, 1800001000.0 };
		ct_state_new(&st, p);
		ct_state_register_stream(st, "hosts", hs_write, hs_load, &c2);
		ct_state_register(st, "found", save_hosts, load_hosts, NULL);
		is_int(ct_state_load(st), 0, "unknown sections (streamed or not) are skipped");
		is_int(ct_hosts_count(c2.t), 1, "the usable host loaded, the unusable one skipped");
		is_int(loaded_value, 77, "the tree section loaded");
		ct_state_free(st);
		ct_hosts_free(c2.t);
	}
	free(copy);
	ct_hosts_free(c.t);
}

/* Leftover temp files of interrupted saves are removed at load: only ours, only files. */
static void tmp_tests(void)
{
	char p[300], f[340];
	const char *mine[] = { ".tmp", ".tmp.12345", ".tmp.1" }, *others[] = { ".tmpx", ".bad-20260101T000000Z" };
	struct ct_state *st;

	snprintf(p, sizeof p, "%s/tmpc/state.json", dir);
	snprintf(f, sizeof f, "%s/tmpc", dir);
	mkdir(f, 0700);
	for (size_t i = 0; i < 3; i++) {
		snprintf(f, sizeof f, "%s%s", p, mine[i]);
		put(f, "{\"format\":\"camtraced-st");
	}
	for (size_t i = 0; i < 2; i++) {
		snprintf(f, sizeof f, "%s%s", p, others[i]);
		put(f, "keep");
	}
	snprintf(f, sizeof f, "%s.tmp.dir", p);
	mkdir(f, 0700);
	ct_state_new(&st, p);
	is_int(ct_state_load(st), CT_ENOTFOUND, "no state file, only temp files: fresh start");
	is_int(ct_state_stats(st)->tmp_removed, 3, "three leftover temp files removed");
	for (size_t i = 0; i < 3; i++) {
		snprintf(f, sizeof f, "%s%s", p, mine[i]);
		ok(!exists(f), "%s removed", mine[i]);
	}
	for (size_t i = 0; i < 2; i++) {
		snprintf(f, sizeof f, "%s%s", p, others[i]);
		ok(exists(f), "%s kept (not a temp file of ours)", others[i]);
	}
	snprintf(f, sizeof f, "%s.tmp.dir", p);
	ok(exists(f), "a directory named like a temp file is left alone");
	ct_state_free(st);
}

/* Saves in a child process: completion on the event loop, coalescing, a failing child. */
static void bg_tests(void)
{
	char p[300], f[340];
	struct hctx c = { table_of(2000), 1000, 1800003000.0 };
	struct ct_state *st;
	struct ct_evloop *ev;
	struct ct_hosts *t2;
	int r;

	snprintf(p, sizeof p, "%s/bg/state.json", dir);
	ct_evloop_new(&ev);
	ct_state_new(&st, p);
	ct_state_register_stream(st, "hosts", hs_write, hs_load, &c);
	ct_state_attach(st, ev, 10);
	is_int(ct_state_save_bg(st), 0, "background save started");
	is_int(ct_state_stats(st)->running, 1, "... running");
	is_int(ct_state_save_bg(st), 0, "a second request while it runs");
	is_int(ct_state_stats(st)->coalesced, 1, "... is coalesced");
	is_int(ct_state_saves(st), 0, "nothing counted before the child is done");
	for (int i = 0; i < 300 && ct_state_saves(st) < 2; i++)
		ct_evloop_run_once(ev, 20);
	is_int(ct_state_saves(st), 2, "the running save and one more after it, not three");
	is_int(ct_state_stats(st)->running, 0, "no save running");
	is_int(ct_state_stats(st)->failed, 0, "none failed");
	ok(ct_state_stats(st)->last_bytes > 2000 * 100, "last_bytes: the size of the file (%llu)",
		(unsigned long long)ct_state_stats(st)->last_bytes);
	ok(ct_state_stats(st)->max_stall_ms >= ct_state_stats(st)->last_stall_ms, "max_stall_ms >= last_stall_ms");
	text_has(p, "\"seq\":2,", "seq 2: the two saves in order");
	t2 = load_table(p, 1000, 1800003000.0, &r);
	is_int(ct_hosts_count(t2), 2000, "the child's file has all 2000 hosts");
	ct_hosts_free(t2);
	snprintf(f, sizeof f, "%s.tmp.", p);
	is_int(count_in(f), 0, "no temp file left by the children");
	/* a child that cannot write: the failure comes back with the child's message */
	ct_state_free(st);
	snprintf(f, sizeof f, "%s/bg/file", dir);
	put(f, "not a directory");
	snprintf(p, sizeof p, "%s/bg/file/state.json", dir);
	ct_state_new(&st, p);
	ct_state_register_stream(st, "hosts", hs_write, hs_load, &c);
	ct_state_attach(st, ev, 10);
	is_int(ct_state_save_bg(st), 0, "background save into a path under a file: started");
	for (int i = 0; i < 300 && ct_state_stats(st)->running; i++)
		ct_evloop_run_once(ev, 20);
	is_int(ct_state_stats(st)->failed, 1, "it failed");
	ok(strstr(ct_state_error(st), "cannot create state directory ") && strstr(ct_state_error(st), "/bg/file"),
		"the child's own message is reported: %s", ct_state_error(st));
	ct_state_free(st);
	ct_evloop_free(ev);
	ct_hosts_free(c.t);
}

int main(void)
{
	struct ct_state *st, *st2;
	struct ct_evloop *ev;
	char *text;
	int r;

	ct_log_set_level(CT_LOG_ERR);
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/sub/dir/state.json", dir);

	is_int(ct_state_new(&st, path), 0, "new handle");
	is_int(ct_state_register(st, "hosts", save_hosts, load_hosts, NULL), 0, "register a section");
	is_int(ct_state_load(st), CT_ENOTFOUND, "no file yet: fresh start");
	is_int(ct_state_save(st), 0, "save creates missing directories");
	text = slurp(path);
	ok(text && strstr(text, "\"format\":\"camtraced-state\"") && strstr(text, "\"version\":1"),
		"file is versioned and says what it is");
	ok(text && strstr(text, "\"value\":41"), "section content saved");
	{
		char tmp[300];
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		ok(access(tmp, F_OK) != 0, "no temporary file left behind");
	}
	{
		struct stat sb;
		stat(path, &sb);
		is_int(sb.st_mode & 0777, 0640, "state file mode 0640");
	}
	saved_value = 42;
	is_int(ct_state_save(st), 0, "second save");
	is_int(ct_state_saves(st), 2, "two saves counted");

	ct_state_new(&st2, path);
	ct_state_register(st2, "hosts", save_hosts, load_hosts, NULL);
	is_int(ct_state_load(st2), 0, "reload");
	is_int(loaded_value, 42, "reloaded the last saved value");
	is_int(ct_state_save(st2), 0, "save from the reloaded handle");
	text = slurp(path);
	ok(text && strstr(text, "\"seq\":3"), "sequence continues across restarts");
	ct_state_free(st2);

	/* a section the loader rejects does not block the rest */
	put(path, "{\"format\":\"camtraced-state\",\"version\":1,\"seq\":9,\"sections\":{\"hosts\":{\"value\":\"x\"}}}");
	loaded_value = -1;
	is_int(ct_state_load(st), 0, "file with a bad section still loads");
	is_int(loaded_value, -1, "bad section skipped");

	/* bad, foreign and other-version files */
	moved_case("{\"format\":\"camtraced-state\",\"version\":1,\"sections\":{", ".bad-", "truncated JSON");
	moved_case("", ".bad-", "empty file");
	moved_case("[1,2,3]", ".bad-", "JSON array");
	moved_case("{\"some\":\"other program\"}", ".foreign-", "foreign JSON file");
	moved_case("{\"format\":\"camtraced-state\",\"version\":99,\"sections\":{}}", ".v99-", "newer version");
	moved_case("{\"format\":\"camtraced-state\",\"sections\":{}}", ".bad-", "missing version");
	moved_case("{\"format\":\"camtraced-state\",\"version\":1}", ".bad-", "missing sections");
	{
		/* two bad files in the same second both survive */
		put(path, "junk1");
		ct_state_load(st);
		put(path, "junk2");
		ct_state_load(st);
		is_int(count_entries("state.json.bad-"), 2, "two bad files in one second: both kept");
	}

	/* a bad file that cannot be moved aside is never overwritten */
	if (geteuid() != 0) {
		char sdir[300];
		snprintf(sdir, sizeof sdir, "%s/sub/dir", dir);
		put(path, "precious but broken");
		chmod(sdir, 0500);
		r = ct_state_load(st);
		is_int(r, CT_ESYS, "unmovable bad file: load fails");
		is_int(ct_state_save(st), CT_ESTATE, "... and saving refuses to overwrite it");
		chmod(sdir, 0700);
		ok(strcmp(slurp(path), "precious but broken") == 0, "... and the file is untouched");
		unlink(path);
		is_int(ct_state_load(st), CT_ENOTFOUND, "once removed by hand, fresh start");
	} else {
		for (int i = 0; i < 4; i++)
			ok(1, "# SKIP permission test needs a non-root user");
	}

	/* debounced saves on the event loop */
	ct_evloop_new(&ev);
	ct_state_attach(st, ev, 20);
	{
		uint64_t before = ct_state_saves(st);
		ct_state_touch(st);
		ct_state_touch(st);
		ct_state_touch(st);
		for (int i = 0; i < 50 && ct_state_saves(st) == before; i++)
			ct_evloop_run_once(ev, 100);
		is_int(ct_state_saves(st) - before, 1, "three touches, one save");
		is_int(ct_state_flush(st), 0, "flush with nothing dirty");
		is_int(ct_state_saves(st) - before, 1, "... saves nothing");
		ct_state_touch(st);
		is_int(ct_state_flush(st), 0, "flush when dirty");
		is_int(ct_state_saves(st) - before, 2, "... saves now");
	}
	ct_state_free(st);
	ct_evloop_free(ev);

	kill9_test();
	hosts_round_trip();
	stream_damage_tests();
	tmp_tests();
	bg_tests();

	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
