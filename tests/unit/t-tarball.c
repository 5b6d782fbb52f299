/* t-tarball.c: the tar.gz writer, the program runner and the system-facts collector. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tarball.h"
#include "err.h"
#include "json.h"
#include "spawn.h"
#include "sysfacts.h"
#include "tap.h"

static char dir[] = "/tmp/t-tarball.XXXXXX";

static void test_names(void)
{
	char out[32];

	ok(ct_tarball_name_ok("manifest.json"), "name: plain");
	ok(ct_tarball_name_ok("system/ip-addr.json"), "name: with a directory");
	ok(!ct_tarball_name_ok("/etc/passwd"), "name: absolute refused");
	ok(!ct_tarball_name_ok("a/../../b"), "name: .. refused");
	ok(!ct_tarball_name_ok("./a"), "name: . refused");
	ok(!ct_tarball_name_ok("a//b"), "name: empty component refused");
	ok(!ct_tarball_name_ok("a/"), "name: trailing slash refused");
	ok(!ct_tarball_name_ok("a b"), "name: blank refused");
	ok(!ct_tarball_name_ok("a\nb"), "name: newline refused");
	ok(!ct_tarball_name_ok(""), "name: empty refused");
	ct_tarball_sanitize("my host/../x", out, sizeof out);
	is_str(out, "my_host_.._x", "sanitize: unsafe bytes become _");
	ct_tarball_sanitize(".hidden", out, sizeof out);
	is_str(out, "_hidden", "sanitize: no leading dot");
	ct_tarball_sanitize("", out, sizeof out);
	is_str(out, "_", "sanitize: empty becomes _");
	ct_tarball_sanitize("abcdefgh", out, 4);
	is_str(out, "abc", "sanitize: bounded");
}

/* Runs tar on the archive through the program runner (no shell). */
static char *tar_out(const char *a1, const char *a2, const char *a3, const char *a4)
{
	const char *argv[] = { "tar", a1, a2, a3, a4, NULL };
	struct ct_spawn_result r;
	char *s = NULL;

	ct_spawn_result_init(&r);
	if (ct_spawn_run(argv, 20000, 1 << 20, &r) == 0 && r.exit_code == 0)
		s = r.out.p ? ct_sbuf_steal(&r.out, NULL) : strdup("");
	ct_spawn_result_fini(&r);
	return s;
}

static void test_write(void)
{
	char path[256], src[256], err[256] = "", *s;
	struct ct_tarball *a;
	struct stat st;
	FILE *fp;
	int r;

	snprintf(path, sizeof path, "%s/x.tar.gz", dir);
	snprintf(src, sizeof src, "%s/src.bin", dir);
	fp = fopen(src, "w");
	for (int i = 0; i < 40000; i++)
		fputc('a' + i % 26, fp);
	fclose(fp);

	r = ct_tarball_open(&a, path, "bundle-1", err, sizeof err);
	is_int(r, 0, "open: %s", err);
	if (r)
		return;
	ok(stat(path, &st) != 0, "open: final name does not exist until committed");
	is_int(ct_tarball_add_mem(a, "manifest.json", "{}\n", 3, 0), 0, "add_mem manifest");
	is_int(ct_tarball_add_mem(a, "system/empty.txt", "", 0, 0), 0, "add_mem empty member");
	is_int(ct_tarball_add_mem(a, "../evil", "x", 1, 0), CT_EINVAL, "add_mem refuses ../evil");
	is_int(ct_tarball_add_file(a, "data/src.bin", src), 0, "add_file");
	is_int(ct_tarball_add_file(a, "data/none", "/nonexistent/file"), CT_ENOTFOUND,
		"add_file of a missing file: CT_ENOTFOUND");
	ok(strstr(ct_tarball_error(a), "/nonexistent/file") != NULL, "error names the file");
	is_int(ct_tarball_count(a), 3, "three members written");
	is_int(ct_tarball_close(a, 1, err, sizeof err), 0, "close/commit: %s", err);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "archive exists with mode 0600");

	s = tar_out("tzf", path, NULL, NULL);
	is_str(s, "bundle-1/manifest.json\nbundle-1/system/empty.txt\nbundle-1/data/src.bin\n",
		"tar lists the members under the prefix, in order");
	free(s);
	s = tar_out("xzOf", path, "bundle-1/manifest.json", NULL);
	is_str(s, "{}\n", "memory member content");
	free(s);
	s = tar_out("xzOf", path, "bundle-1/data/src.bin", NULL);
	ok(s && strlen(s) == 40000 && s[0] == 'a' && s[26] == 'a' && s[39999] == 'a' + 39999 % 26,
		"file member content (40000 bytes, read in chunks)");
	free(s);

	r = ct_tarball_open(&a, path, NULL, err, sizeof err);
	is_int(r, CT_EEXIST, "open refuses to overwrite");
	ok(strstr(err, "already exists") != NULL, "and says so: %s", err);

	snprintf(path, sizeof path, "%s/discard.tar.gz", dir);
	r = ct_tarball_open(&a, path, NULL, err, sizeof err);
	is_int(r, 0, "open second");
	if (!r) {
		ct_tarball_add_mem(a, "a", "b", 1, 0);
		is_int(ct_tarball_close(a, 0, NULL, 0), 0, "close without commit");
		ok(stat(path, &st) != 0, "discarded archive left nothing behind");
	}
	r = ct_tarball_open(&a, "/nonexistent-dir/x.tar.gz", NULL, err, sizeof err);
	is_int(r, CT_ESYS, "open in a missing directory fails");
	ok(strstr(err, "/nonexistent-dir/x.tar.gz") != NULL, "error names the path: %s", err);
	is_int(ct_tarball_open(&a, path, "../up", err, sizeof err), CT_EINVAL, "unsafe prefix refused");
}

/* Names past ustar's 100 bytes: split into prefix/name where a '/' allows, else a pax path
 * record; tar must list them whole. The stream is gzip that gzip -t accepts, and the tar inside
 * ends on a whole 10240-byte record. */
static void test_long_names(void)
{
	char path[256], err[256] = "", deep[201], flat[151], *s, *want;
	const char *gz[] = { "gzip", "-t", path, NULL };
	const char *len[] = { "sh", "-c", "gzip -dc \"$0\" | wc -c", path, NULL };
	struct ct_spawn_result r;
	struct ct_tarball *a;
	long n;
	int rc;

	snprintf(path, sizeof path, "%s/long.tar.gz", dir);
	/* 30 x "abcd/" + "end.txt": 157 bytes with the prefix "p/" in front, ustar splits it */
	deep[0] = '\0';
	for (int i = 0; i < 30; i++)
		strcat(deep, "abcd/");
	strcat(deep, "end.txt");
	memset(flat, 'f', 150);
	flat[150] = '\0';
	if (ct_tarball_open(&a, path, "p", err, sizeof err) != 0) {
		ok(0, "open: %s", err);
		return;
	}
	is_int(ct_tarball_add_mem(a, deep, "deep\n", 5, 1700000000), 0, "157-byte name (split at a '/')");
	is_int(ct_tarball_add_mem(a, flat, "flat\n", 5, 1700000000), 0, "150-byte component (pax path record)");
	is_int(ct_tarball_close(a, 1, err, sizeof err), 0, "close: %s", err);
	s = tar_out("tzf", path, NULL, NULL);
	want = malloc(strlen(deep) + strlen(flat) + 8);
	sprintf(want, "p/%s\np/%s\n", deep, flat);
	is_str(s, want, "tar lists both long names whole");
	free(s);
	sprintf(want, "p/%s", flat);
	s = tar_out("xzOf", path, want, NULL);
	is_str(s, "flat\n", "the pax-named member's content");
	free(s);
	free(want);
	s = tar_out("--utc", "-tvzf", path, NULL);
	ok(s && strstr(s, "-rw-r--r--") && strstr(s, "2023-11-14 22:13"), "mode 0644 and the given mtime: %s",
		s ? s : "(tar failed)");
	free(s);
	ct_spawn_result_init(&r);
	rc = ct_spawn_run(gz, 20000, 4096, &r);
	ok(rc == 0 && r.exit_code == 0, "gzip -t accepts the stream");
	ct_spawn_result_fini(&r);
	ct_spawn_result_init(&r);
	rc = ct_spawn_run(len, 20000, 4096, &r);
	n = rc == 0 && r.out.p ? atol(r.out.p) : 0;
	ok(n > 0 && n % 10240 == 0, "the tar ends on a whole 10240-byte record (%ld bytes)", n);
	ct_spawn_result_fini(&r);
}

static void test_spawn(void)
{
	const char *echo[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	const char *sleeper[] = { "sleep", "30", NULL };
	const char *yes[] = { "yes", NULL };
	const char *none[] = { "camtrace-no-such-program", NULL };
	struct ct_spawn_result r;
	char how[256], p[256];
	int rc;

	ct_spawn_result_init(&r);
	rc = ct_spawn_run(echo, 10000, 1024, &r);
	is_int(rc, 0, "spawn: ran");
	is_str(r.out.p, "out\n", "spawn: stdout captured");
	is_str(r.err.p, "err\n", "spawn: stderr captured");
	is_int(r.exit_code, 3, "spawn: exit code");
	ct_spawn_describe(&r, rc, 10000, how, sizeof how);
	is_str(how, "exit 3: err", "spawn: description");
	ct_spawn_result_fini(&r);

	ct_spawn_result_init(&r);
	rc = ct_spawn_run(sleeper, 200, 1024, &r);
	is_int(rc, CT_ETIMEDOUT, "spawn: killed at the time limit");
	ok(r.timed_out && r.signo == 9, "spawn: timed_out set, SIGKILL");
	ct_spawn_result_fini(&r);

	ct_spawn_result_init(&r);
	rc = ct_spawn_run(yes, 10000, 1000, &r);
	is_int(rc, 0, "spawn: runaway output ends");
	ok(r.truncated && r.out.len == 1000, "spawn: output cut at the limit (%zu)", r.out.len);
	ct_spawn_result_fini(&r);

	ct_spawn_result_init(&r);
	rc = ct_spawn_run(none, 1000, 1000, &r);
	is_int(rc, CT_ENOTFOUND, "spawn: missing program");
	ct_spawn_result_fini(&r);
	is_int(ct_spawn_find("sh", p, sizeof p), 0, "find sh");
	ok(p[0] == '/', "found as an absolute path: %s", p);
}

static void test_sysfacts(void)
{
	struct ct_factset s;
	const struct ct_fact *f;
	struct ct_json *j = NULL;
	const struct ct_json *sys;

	ok(ct_sysfacts_cap_has("0000000000003000", 13), "cap_has: CAP_NET_RAW bit");
	ok(!ct_sysfacts_cap_has("0000000000000000", 13), "cap_has: clear");
	ok(!ct_sysfacts_cap_has("zz", 13), "cap_has: garbage is no");

	ct_factset_init(&s);
	is_int(ct_sysfacts_collect(&s, NULL), 0, "collect");
	f = ct_factset_find(&s, "versions.txt");
	ok(f && f->data && strstr(f->data, "camtrace ") && strstr(f->data, "kernel: "),
		"versions.txt names camtrace and the kernel");
	f = ct_factset_find(&s, "system/facts.json");
	ok(f && f->data && ct_json_parse(f->data, f->len, &j) == 0, "facts.json is valid JSON");
	sys = j ? ct_json_get(j, "sysctls") : NULL;
	ok(sys && ct_json_get(sys, "net.ipv4.ip_forward"), "facts.json has net.ipv4.ip_forward");
	ok(sys && ct_json_get(sys, "net.ipv4.conf.lo.rp_filter"), "and per-interface rp_filter (lo)");
	ok(j && ct_json_get(ct_json_get(j, "process"), "cap_eff"), "facts.json has process.cap_eff");
	ok(j && ct_json_get(ct_json_get(j, "container"), "in_container"), "facts.json has container.in_container");
	ct_json_free(j);
	f = ct_factset_find(&s, "system/sysctl.txt");
	ok(f && f->data && strstr(f->data, "net.ipv4.ip_forward = "), "sysctl.txt lines");
	f = ct_factset_find(&s, "system/nft-ruleset.txt");
	ok(f && (f->data || (f->reason && f->reason[0])), "nft part present or missing with a reason");
	for (size_t i = 0; i < s.n; i++)
		if (!s.v[i].data)
			printf("# missing %s: %s\n", s.v[i].name, s.v[i].reason);
	ok(ct_factset_find(&s, "system/ip-addr.json") != NULL, "ip-addr part accounted for");
	ct_factset_fini(&s);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_names();
	test_write();
	test_long_names();
	test_spawn();
	test_sysfacts();
	{
		const char *rm[] = { "rm", "-rf", dir, NULL };
		struct ct_spawn_result r;
		ct_spawn_result_init(&r);
		ct_spawn_run(rm, 10000, 1024, &r);
		ct_spawn_result_fini(&r);
	}
	return tap_done();
}
