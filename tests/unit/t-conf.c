/* t-conf.c: unit tests for the configuration engine and camtraced's keyword table (good file, errors, -T). */
#include "config.h"
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "util.h"
#include "err.h"
#include "log.h"
#include "conf.h"
#include "dconf.h"

static const char good[] =
	"# a comment\n"
	"\n"
	"server = listsrv.example.org\n"
	"fetch_interval = 1h30m   # trailing comment\n"
	"listen = 192.0.2.1\n"
	"port = 2426\n"
	"user_name = srv\r\n"
	"host_name = box\n"
	"nick = \"Central # list\"\n"
	"group = ops\n"
	"absence = yes\n"
	"allow = 10.0.0.0/8, 192.168.7.0/24\n"
	"allow = 2001:db8::/32\n"
	"accept_files_from = 10.1.0.0/16\n"
	"notify = 192.168.1.*\n"
	"notify = 10.1.0.0/24 10.2.0.5-10.2.0.9, site-b.example.org\n"
	"notify_interval = 30m\n"
	"notify_rate = 20/s\n"
	"search = 10.3.0.1-40\n"
	"search_rate = 600/m\n"
	"liveness_interval = 15\n"
	"liveness_misses = 2\n"
	"unstable_window = 2h30m\n"
	"list_budget = 4096\n"
	"list_rate = 30/m\n"
	"state_file = /tmp/x/state.json\n"
	"pidfile =\n"
	"log = stderr\n"
	"log_level = debug\n"
	"ctl_socket = /tmp/x/ctl.sock\n"
	"user = daemon\n"
	"rtp_echo = on\n"
	"rtp_ports = 30000-30003\n"
	"coop = yes\n"
	"coop_allow = 198.18.1.10, 198.18.3.*\n"
	"peer = 198.18.2.10\n"
	"peer = site-c.example.org:2426\n"
	"peer_refresh = 20s\n";

static int has(const struct ct_sbuf *b, const char *s)
{
	return b->p && strstr(b->p, s) != NULL;
}

/* Parses text over defaults and returns the error text (static buffer). */
static const char *errors_of(const char *text, int *rc)
{
	static char out[4096];
	struct ct_daemon_conf c;
	struct ct_sbuf e;

	memset(&c, 0, sizeof c);
	ct_sbuf_init(&e);
	ct_conf_defaults(&ct_dconf_table, &c, &e);
	*rc = ct_conf_parse_text(&ct_dconf_table, &c, "t.conf", text, strlen(text), &e);
	snprintf(out, sizeof out, "%s", e.p ? e.p : "");
	ct_sbuf_fini(&e);
	ct_dconf_free(&c);
	return out;
}

static void error_case(const char *text, const char *want, const char *what)
{
	int rc;
	const char *e = errors_of(text, &rc);

	if (!ok(rc == CT_ECONFIG && strstr(e, want) != NULL, "error: %s", what))
		printf("#   rc %d, errors: %s#   wanted: %s\n", rc, e, want);
}

static char *slurp(const char *rel, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char p[1024];
	struct ct_sbuf b;
	char buf[4096];
	size_t n;
	FILE *fp;

	snprintf(p, sizeof p, "%s/%s", top && top[0] ? top : ".", rel);
	if (!(fp = fopen(p, "r")))
		return NULL;
	ct_sbuf_init(&b);
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		ct_sbuf_add(&b, buf, n);
	fclose(fp);
	return ct_sbuf_steal(&b, len);
}

/* The example config and camtraced.conf(5) name every keyword; the example's values are valid. */
static void docs_cover_table(void)
{
	size_t len = 0, mlen = 0;
	char *ex = slurp("contrib/camtraced.conf.example", &len), *man = slurp("man/camtraced.conf.5", &mlen);
	int missing_ex = 0, missing_man = 0, rc;

	ok(ex != NULL, "contrib/camtraced.conf.example readable");
	ok(man != NULL, "man/camtraced.conf.5 readable");
	for (size_t i = 0; i < ct_dconf_table.n; i++) {
		char k[96];
		const char *name = ct_dconf_table.opts[i].name;
		snprintf(k, sizeof k, "\n#%s = ", name);
		if (ex && !strstr(ex, k)) {
			printf("# example lacks %s\n", name);
			missing_ex++;
		}
		snprintf(k, sizeof k, "\n.It Cm %s ", name);
		if (man && !strstr(man, k)) {
			printf("# camtraced.conf.5 lacks %s\n", name);
			missing_man++;
		}
	}
	is_int(missing_ex, 0, "the example shows every keyword");
	is_int(missing_man, 0, "camtraced.conf(5) documents every keyword");
	if (ex) {
		/* uncomment "#keyword = value" lines: the result must be a valid configuration */
		struct ct_sbuf un, e;
		struct ct_daemon_conf c;
		char *line, *save = NULL;
		ct_sbuf_init(&un);
		ct_sbuf_init(&e);
		for (line = strtok_r(ex, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' && strstr(line, " = ")) {
				ct_sbuf_adds(&un, line + 1);
				ct_sbuf_addc(&un, '\n');
			}
		memset(&c, 0, sizeof c);
		ct_conf_defaults(&ct_dconf_table, &c, &e);
		rc = ct_conf_parse_text(&ct_dconf_table, &c, "example", un.p ? un.p : "", un.len, &e);
		if (!ok(rc == 0, "every example value is valid"))
			printf("# %s", e.p ? e.p : "");
		ct_dconf_free(&c);
		ct_sbuf_fini(&un);
		ct_sbuf_fini(&e);
	}
	free(ex);
	free(man);
}

/* List items are printed one a line, quoted when they need it (camtraced's lists check their
 * items as targets, so a table of its own without a check). */
struct lconf { struct ct_strlist items; };
static const struct ct_conf_opt lconf_opts[] = {
	{ "item", CT_CONF_LIST, offsetof(struct lconf, items), 0, 0, NULL, NULL, NULL, "ITEM" },
};
static const struct ct_conf_table lconf_table = { lconf_opts, 1 };

static void roundtrip_list(void)
{
	static const char text[] = "item = \"#first,\\x01ctl q\\\"uote\\\\x\"\nitem = bare\n";
	struct lconf a, b;
	struct ct_sbuf e, out;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	ct_sbuf_init(&e);
	ct_sbuf_init(&out);
	is_int(ct_conf_parse_text(&lconf_table, &a, "l", text, sizeof text - 1, &e), 0, "list items parse");
	ct_conf_print(&lconf_table, &a, &out);
	is_str(out.p, "item = \"#first\"\nitem = \"\\x01ctl\"\nitem = q\"uote\\x\nitem = bare\n",
		"-T quotes list items that need it, one a line");
	is_int(ct_conf_parse_text(&lconf_table, &b, "-T", out.p, out.len, &e), 0, "and they parse back");
	ok(b.items.n == 4 && strcmp(b.items.v[0], "#first") == 0 && strcmp(b.items.v[1], "\001ctl") == 0 &&
		strcmp(b.items.v[2], "q\"uote\\x") == 0 && strcmp(b.items.v[3], "bare") == 0, "to the same items");
	ct_conf_free(&lconf_table, &a);
	ct_conf_free(&lconf_table, &b);
	ct_sbuf_fini(&e);
	ct_sbuf_fini(&out);
}

/* Defaults, then text, then the computed values (what camtraced does with a file). */
static void parse_nasty(struct ct_daemon_conf *c, const char *name, const char *text, size_t len, const char *what)
{
	struct ct_sbuf e;

	ct_sbuf_init(&e);
	ct_conf_defaults(&ct_dconf_table, c, &e);
	if (!ok(ct_conf_parse_text(&ct_dconf_table, c, name, text, len, &e) == 0, "%s", what))
		printf("# %s", e.p ? e.p : "");
	ct_dconf_finalize(c, &e);
	ct_sbuf_fini(&e);
}

static const char *string_of(const struct ct_daemon_conf *c, const char *key)
{
	const struct ct_conf_opt *o = ct_conf_find(&ct_dconf_table, key);
	return *(char *const *)((const char *)c + o->off);
}

/* -T of values with control bytes, quotes, '#', backslashes, blanks at either end, CP932 and UTF-8
 * names: the output is printable ASCII plus those names, and parses back to the same strings. */
static void roundtrip_nasty(void)
{
	static const char text[] =
		"nick = \"\\x09tab\\x09in\\x01the\\x7fmiddle\\x0d\"\n"
		"absence_text = \"two\\x0alines \\\"quoted\\\" # not a comment \\\\ end\\x1b[2J\"\n"
		"group = \"  blanks at both ends  \"\n"
		"user_name = \x83\x4a\x83\x81\x83\x89\n"           /* CP932 katakana, bare */
		"host_name = \xe3\x82\xab\xe3\x83\xa1\xe3\x83\xa9 pc\n" /* UTF-8, bare */
		"allow = 10.0.0.0/8\n"                                   /* not computed: -T prints the same twice */
		"ctl_group = \"\\x41\\\\x41 C:\\temp\"\n";         /* \x41 is A; \\x41 stays; \t stays */
	static const struct { const char *key; const char *want; } want[] = {
		{ "nick", "\ttab\tin\001the\177middle\r" },
		{ "absence_text", "two\nlines \"quoted\" # not a comment \\ end\033[2J" },
		{ "group", "  blanks at both ends  " },
		{ "user_name", "\x83\x4a\x83\x81\x83\x89" },
		{ "host_name", "\xe3\x82\xab\xe3\x83\xa1\xe3\x83\xa9 pc" },
		{ "ctl_group", "A\\x41 C:\\temp" },
	};
	struct ct_daemon_conf c, c2;
	struct ct_sbuf out, out2;
	int rc, ctl = 0;

	memset(&c, 0, sizeof c);
	memset(&c2, 0, sizeof c2);
	ct_sbuf_init(&out);
	ct_sbuf_init(&out2);
	parse_nasty(&c, "nasty", text, sizeof text - 1, "nasty values parse");
	for (size_t i = 0; i < CT_ARRAY_LEN(want); i++)
		is_str(string_of(&c, want[i].key), want[i].want, "parsed %s", want[i].key);
	ct_dconf_print(&c, &out);
	for (size_t i = 0; i < out.len; i++)
		if ((unsigned char)out.p[i] < 0x20 ? out.p[i] != '\n' : out.p[i] == 0x7f)
			ctl++;
	is_int(ctl, 0, "-T output holds no control byte but the line ends");
	ok(has(&out, "\nnick = \"\\x09tab\\x09in\\x01the\\x7fmiddle\\x0d\"\n"), "-T writes control bytes as \\xNN");
	ok(has(&out, "\ngroup = \"  blanks at both ends  \"\n"), "-T quotes blanks at either end");
	ok(has(&out, "\nuser_name = \x83\x4a\x83\x81\x83\x89\n"), "-T keeps CP932 bytes bare");
	ok(has(&out, "\nctl_group = A\\x41 C:\\temp\n"), "-T keeps a bare backslash bare");
	parse_nasty(&c2, "-T", out.p, out.len, "-T output of nasty values parses back");
	for (size_t i = 0; i < CT_ARRAY_LEN(want); i++)
		is_str(string_of(&c2, want[i].key), want[i].want, "%s survives -T", want[i].key);
	ct_dconf_print(&c2, &out2);
	ok(out2.p && strcmp(out.p, out2.p) == 0, "-T of the re-parsed nasty config is identical");
	is_str(errors_of("nick = \"a\\x00b\"\n", &rc), "t.conf:1: \\x00 in a quoted value: a value cannot hold a NUL byte\n",
		"\\x00 is refused with a message");
	ct_dconf_free(&c);
	ct_dconf_free(&c2);
	ct_sbuf_fini(&out);
	ct_sbuf_fini(&out2);
}

int main(void)
{
	struct ct_daemon_conf c, c2;
	struct ct_sbuf e, out;
	struct in_addr a;
	uint64_t ms;
	char path[] = "/tmp/t-conf-XXXXXX";
	int fd, rc;
	FILE *fp;

	ct_log_set_level(CT_LOG_ERR);

	/* durations */
	is_int(ct_conf_parse_duration("2h", &ms), 0, "2h parses");
	is_int(ms, 7200000, "2h = 7,200,000 ms");
	ct_conf_parse_duration("1h30m", &ms);
	is_int(ms, 5400000, "1h30m");
	ct_conf_parse_duration("45", &ms);
	is_int(ms, 45000, "bare number is seconds");
	ct_conf_parse_duration("250ms", &ms);
	is_int(ms, 250, "250ms");
	is_int(ct_conf_parse_duration("2x", &ms), CT_EFORMAT, "bad unit refused");
	is_int(ct_conf_parse_duration("h", &ms), CT_EFORMAT, "unit without number refused");
	is_int(ct_conf_parse_duration("99999999999999999999s", &ms), CT_ERANGE, "overflow refused");

	/* defaults */
	memset(&c, 0, sizeof c);
	ct_sbuf_init(&e);
	is_int(ct_dconf_load(&c, NULL, &e), 0, "built-in defaults load");
	is_int(c.port, 2425, "default port 2425");
	is_int(c.fetch_interval, 7200000, "default fetch_interval 2h");
	is_int(c.notify_interval, 3600000, "default notify_interval 1h");
	is_int((long long)c.notify_rate, 100, "default notify_rate 100/s");
	is_int(c.list_budget, 8191, "default list_budget 8191");
	is_int(c.liveness_interval, 120000, "default liveness_interval 2m");
	is_int(c.liveness_misses, 3, "default liveness_misses 3");
	is_int(c.unstable_window, 86400000, "default unstable_window 1d");
	is_str(c.listen, "0.0.0.0", "default listen");
	is_str(c.user_name, "camtraced", "default user_name");
	is_str(c.nick, "camtraced", "default nick");
	is_str(c.group, "", "default group empty");
	ok(c.host_name && c.host_name[0], "host_name from gethostname()");
	ok(c.user && (strcmp(c.user, "camtraced") == 0 || strcmp(c.user, "nobody") == 0), "default user");
	is_int(c.rtp_ports.lo, 22224, "rtp_ports low");
	is_int(c.rtp_ports.hi, 22227, "rtp_ports high");
	is_int(c.log_level, CT_LOG_NOTICE, "default log_level notice");
	ok(c.allow_auto && c.allow.n >= 2, "allow computed (loopback at least)");
	inet_pton(AF_INET, "127.0.0.1", &a);
	ok(ct_cidr_list_contains(&c.allow, AF_INET, &a), "computed allow has loopback");
	ok(strstr(c.ctl_socket, "/camtraced/ctl.sock") != NULL, "default ctl socket path");
	ct_dconf_free(&c);

	/* computed allow covers the configured sites as whole blocks */
	{
		const char *txt = "notify = 192.168.5.*\nsearch = 10.7.0.0/16\nserver = 172.16.0.9\n";
		struct ct_sbuf o;
		memset(&c, 0, sizeof c);
		ct_sbuf_reset(&e);
		ct_conf_defaults(&ct_dconf_table, &c, &e);
		ct_conf_parse_text(&ct_dconf_table, &c, "t.conf", txt, strlen(txt), &e);
		ct_dconf_finalize(&c, &e);
		ct_sbuf_init(&o);
		ct_conf_format(ct_conf_find(&ct_dconf_table, "allow"), &c, &o);
		ok(o.p && strstr(o.p, "192.168.5.0/24") && strstr(o.p, "10.7.0.0/16") && strstr(o.p, "172.16.0.9/32"),
			"computed allow: %s", o.p ? o.p : "");
		ct_sbuf_fini(&o);
		ct_dconf_free(&c);
	}

	/* a good file covering every keyword */
	fd = mkstemp(path);
	ok(fd >= 0, "temp file");
	fp = fdopen(fd, "w");
	fputs(good, fp);
	fclose(fp);
	ct_sbuf_reset(&e);
	rc = ct_dconf_load(&c, path, &e);
	if (!ok(rc == 0, "good file loads"))
		printf("# %s", e.p ? e.p : "");
	is_str(c.server, "listsrv.example.org", "server");
	is_int(c.fetch_interval, 5400000, "fetch_interval 1h30m with trailing comment");
	is_str(c.listen, "192.0.2.1", "listen");
	is_int(c.port, 2426, "port");
	is_str(c.user_name, "srv", "CRLF line ending stripped");
	is_str(c.nick, "Central # list", "quoted value keeps #");
	is_int(c.absence, 1, "absence yes");
	is_int(c.allow.n, 3, "allow: first line replaces default, second appends");
	is_int(c.allow_auto, 0, "allow not computed when configured");
	inet_pton(AF_INET, "10.200.3.4", &a);
	ok(ct_cidr_list_contains(&c.allow, AF_INET, &a), "10.200.3.4 allowed by 10.0.0.0/8");
	inet_pton(AF_INET, "192.168.8.1", &a);
	ok(!ct_cidr_list_contains(&c.allow, AF_INET, &a), "192.168.8.1 not allowed");
	is_int(c.notify.n, 4, "notify: four targets over two lines");
	is_str(c.notify.v[3], "site-b.example.org", "DNS name target kept");
	is_int((long long)(c.search_rate + 0.5), 10, "600/m = 10/s");
	is_int(c.liveness_interval, 15000, "liveness_interval = 15: a bare number is seconds");
	is_int(c.liveness_misses, 2, "liveness_misses 2");
	is_int(c.unstable_window, 9000000, "unstable_window = 2h30m");
	is_int((long long)(c.list_rate * 2 + 0.5), 1, "30/m = 0.5/s");
	is_str(c.pidfile, "", "empty pidfile = none");
	is_int(c.log_level, CT_LOG_DEBUG, "log_level debug");
	is_int(c.rtp_echo, 1, "rtp_echo on");
	is_int(c.rtp_ports.lo, 30000, "rtp_ports");
	ok(c.coop == 1 && c.coop_allow.n == 2 && (int)(c.coop_rate + 0.5) == 1, "coop, coop_allow (two targets), coop_rate 1");
	ok(c.peer.n == 2 && strcmp(c.peer.v[1], "site-c.example.org:2426") == 0 && c.peer_refresh == 20000 &&
		c.peer_lease == 90000 && c.peer_tombstone == 360000, "peer (two lines, a port), peer_refresh, defaults");

	/* -T output: every key, and it parses back to the same config */
	ct_sbuf_init(&out);
	ct_dconf_print(&c, &out);
	for (size_t i = 0; i < ct_dconf_table.n; i++) {
		char k[80];
		snprintf(k, sizeof k, "\n%s = ", ct_dconf_table.opts[i].name);
		if (!ok(has(&out, k), "-T prints %s", ct_dconf_table.opts[i].name))
			printf("# %s", out.p);
	}
	ok(has(&out, "fetch_interval = 1h30m\n"), "-T prints durations in units");
	ok(has(&out, "nick = \"Central # list\"\n"), "-T quotes values that need it");
	ok(has(&out, "list_rate = 30/m\n"), "-T prints fractional rates per minute");
	memset(&c2, 0, sizeof c2);
	ct_sbuf_reset(&e);
	ct_conf_defaults(&ct_dconf_table, &c2, &e);
	rc = ct_conf_parse_text(&ct_dconf_table, &c2, "-T", out.p, out.len, &e);
	if (!ok(rc == 0, "-T output parses back"))
		printf("# %s", e.p ? e.p : "");
	{
		struct ct_sbuf out2;
		ct_sbuf_init(&out2);
		ct_dconf_finalize(&c2, &e);
		ct_dconf_print(&c2, &out2);
		ok(out2.p && strcmp(out.p, out2.p) == 0, "-T of the re-parsed output is identical");
		ct_sbuf_fini(&out2);
	}
	ct_dconf_free(&c2);
	ct_dconf_free(&c);
	ct_sbuf_fini(&out);

	roundtrip_nasty();
	roundtrip_list();

	/* every error class, each with file:line */
	error_case("prot = 1\n", "t.conf:1: unknown keyword 'prot'; did you mean 'port'?", "unknown keyword with suggestion");
	error_case("\n\nfetch_intervall = 2h\n", "t.conf:3: unknown keyword 'fetch_intervall'; did you mean 'fetch_interval'?",
		"misspelt long keyword");
	error_case("notfiy_rate = 5\n", "did you mean 'notify_rate'?", "transposed letters");
	error_case("zzzzzz = 1\n", "t.conf:1: unknown keyword 'zzzzzz'; see camtraced.conf(5)", "unknown keyword, no suggestion");
	error_case("port 2425\n", "t.conf:1: missing '=' after 'port'", "missing =");
	error_case("= 5\n", "t.conf:1: expected 'keyword = value'", "no keyword");
	error_case("port = 70000\n", "t.conf:1: port must be between 1 and 65535", "int out of range");
	error_case("port = twelve\n", "t.conf:1: 'twelve' is not a whole number", "int not a number");
	error_case("port =\n", "t.conf:1: port needs a value", "empty value");
	error_case("absence = maybe\n", "t.conf:1: 'maybe' is not yes or no", "bad bool");
	error_case("fetch_interval = 2 hours\n", "is not a duration such as 30s", "bad duration");
	error_case("fetch_interval = 0s\n", "fetch_interval must be between 1s and 7d", "duration out of range");
	error_case("liveness_interval = 5\n", "t.conf:1: liveness_interval must be between 10s and 1d",
		"liveness_interval below the minimum");
	error_case("liveness_interval = 2d\n", "liveness_interval must be between 10s and 1d",
		"liveness_interval above the maximum");
	error_case("liveness_interval = soon\n", "t.conf:1: 'soon' is not a duration", "liveness_interval not a duration");
	error_case("liveness_misses = 0\n", "t.conf:1: liveness_misses must be between 1 and 10", "liveness_misses 0");
	error_case("liveness_misses = 11\n", "liveness_misses must be between 1 and 10", "liveness_misses 11");
	error_case("unstable_window = 9m\n", "t.conf:1: unstable_window must be between 10m and 30d",
		"unstable_window below the minimum");
	error_case("unstable_window = 31d\n", "t.conf:1: unstable_window must be between 10m and 30d",
		"unstable_window above the maximum");
	error_case("unstable_window = 1 day\n", "t.conf:1: '1 day' is not a duration",
		"unstable_window not a duration");
	error_case("unstable_window = -5m\n", "t.conf:1: '-5m' is not a duration", "unstable_window negative");
	{
		int rc;
		errors_of("unstable_window = 10m\nunstable_window = 30d\n", &rc);
		is_int(rc, 0, "unstable_window 10m and 30d (the bounds) are accepted");
	}
	error_case("notify_rate = fast\n", "is not a rate", "bad rate");
	error_case("notify_rate = 0\n", "notify_rate must be between 1 and 100000 per second", "rate out of range");
	error_case("log_level = loud\n", "'loud' is not a log level", "bad log level");
	error_case("allow = 10.0.0.0/33\n", "prefix length too long", "bad CIDR prefix");
	error_case("allow = 10.0.0.300\n", "'10.0.0.300' is not an address or network", "bad CIDR address");
	error_case("notify = 192.168.1\n", "t.conf:1: target '192.168.1': not an address", "bad notify target");
	error_case("notify = 10.0.0.0/8\n", "makes more than 65536 addresses", "notify block too large");
	error_case("notify = 10.0.0.9-10.0.0.1\n", "ends before it starts", "reversed range");
	error_case("search = 10.0.0.1-300\n", "a range is a.b.c.d-e.f.g.h or a.b.c.d-N", "bad short range");
	error_case("notify = 10.9.*.*\n", "a wildcard is allowed only as the whole 4th octet", "bad wildcard");
	error_case("rtp_ports = 5-2\n", "ports must be 1-65535 with the lower one first", "reversed port range");
	error_case("rtp_ports = abc\n", "is not a port", "bad port range");
	error_case("state_file = relative/state.json\n", "is not an absolute path", "relative path");
	error_case("ctl_socket = /tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/c.sock\n",
		"unix sockets allow at most", "socket path too long");
	error_case("log = journal\n", "log must be 'syslog', 'stderr' or an absolute file path", "bad log destination");
	error_case("listen = any\n", "listen wants a local IPv4 address", "bad listen");
	error_case("nick = a:b\n", "':' separates the fields", "colon in a wire name");
	error_case("server = 10.0.0.999\n", "neither an IPv4 address nor a DNS name", "bad server");
	error_case("nick = \"open\n", "missing closing '\"'", "unterminated quote");
	error_case("nick = \"a\" b\n", "unexpected text after the quoted value", "text after quote");
	{
		const char *two = errors_of("port = 0\nlisten = x\n", &rc);
		ok(strstr(two, "t.conf:1:") && strstr(two, "t.conf:2:"), "every bad line reported, not only the first");
	}
	{
		char text[] = "port = 1\0\n";
		struct ct_daemon_conf t;
		memset(&t, 0, sizeof t);
		ct_sbuf_reset(&e);
		ct_conf_defaults(&ct_dconf_table, &t, &e);
		rc = ct_conf_parse_text(&ct_dconf_table, &t, "t.conf", text, sizeof text - 1, &e);
		ok(rc == CT_ECONFIG && has(&e, "t.conf:1: NUL byte"), "NUL byte in a line reported");
		ct_dconf_free(&t);
	}

	/* missing file */
	ct_sbuf_reset(&e);
	rc = ct_dconf_load(&c, "/nonexistent/camtraced.conf", &e);
	ok(rc == CT_ESYS && has(&e, "/nonexistent/camtraced.conf: cannot open: No such file"), "missing file reported");
	ct_dconf_free(&c);

	/* ct_conf_set */
	{
		char err[256];
		memset(&c, 0, sizeof c);
		ct_conf_defaults(&ct_dconf_table, &c, NULL);
		is_int(ct_conf_set(&ct_dconf_table, &c, "port", "3000", err, sizeof err), 0, "conf_set port");
		is_int(c.port, 3000, "conf_set applied");
		is_int(ct_conf_set(&ct_dconf_table, &c, "lisen", "1.2.3.4", err, sizeof err), CT_ENOTFOUND, "conf_set unknown");
		ok(strstr(err, "did you mean 'listen'") != NULL, "conf_set suggests");
		ct_dconf_free(&c);
	}

	/* CIDR helpers */
	{
		struct ct_cidr cd;
		char buf[64];
		is_int(ct_cidr_parse("192.168.1.77/24", &cd), 0, "cidr with host bits");
		ct_cidr_format(&cd, buf, sizeof buf);
		is_str(buf, "192.168.1.0/24", "host bits cleared");
		is_int(ct_cidr_parse("10.0.0.1", &cd), 0, "bare address");
		is_int(cd.prefix, 32, "bare address is /32");
		is_int(ct_cidr_parse("::1/129", &cd), CT_ERANGE, "v6 prefix too long");
	}

	/* random input never crashes the parser (ASan/UBSan watch), and always says where */
	{
		char buf[512];
		int bad_msg = 0;
		srand(11);
		for (int round = 0; round < 2000; round++) {
			size_t n = (size_t)(rand() % (int)sizeof buf);
			struct ct_daemon_conf t;
			static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz_=# \"\\\n\r\t.,-/*:0123456789";
			for (size_t k = 0; k < n; k++)
				buf[k] = round & 1 ? (char)(rand() % 256) : alphabet[rand() % (int)(sizeof alphabet - 1)];
			memset(&t, 0, sizeof t);
			ct_sbuf_reset(&e);
			ct_conf_defaults(&ct_dconf_table, &t, &e);
			rc = ct_conf_parse_text(&ct_dconf_table, &t, "fuzz", buf, n, &e);
			if ((rc != 0) != (e.len > 0) || (rc != 0 && strncmp(e.p, "fuzz:", 5) != 0))
				bad_msg++;
			ct_dconf_free(&t);
		}
		is_int(bad_msg, 0, "2,000 random inputs: errors exactly when a message FILE:LINE is given");
	}
	docs_cover_table();
	unlink(path);
	ct_sbuf_fini(&e);
	return tap_done();
}
