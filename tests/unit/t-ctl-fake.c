/* t-ctl-fake.c: test helper: a control-socket server over a real host table (for the CLI tests), and a JSON path checker. */
#include "config.h"
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "clock.h"
#include "ctl.h"
#include "ctl-shapes.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "log.h"
#include "sbuf.h"
#include "util.h"

static struct ct_evloop *ev;
static struct ct_ctl_server *srv;
static struct ct_hosts *hosts;
#define FAKE_WINDOW_MS (24 * 3600 * 1000ULL) /* unstable_window's default */
static int64_t search_total, search_probed;

static int m_status(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct ct_json *r = ct_json_obj(), *o;
	size_t on = 0, ab = 0, off = 0, un = 0, ext = 0;

	(void)call;
	(void)params;
	(void)ud;
	for (size_t i = 0; i < ct_hosts_count(hosts); i++) {
		const struct ct_host *h = ct_hosts_at(hosts, i);
		on += h->state == CT_HOST_ONLINE;
		ab += h->state == CT_HOST_ABSENT;
		off += h->state == CT_HOST_OFFLINE;
		un += ct_host_is_unstable(h, FAKE_WINDOW_MS, ct_mono_ms()) != 0;
		ext += ct_host_is_external(h) != 0;
	}
	ct_json_add_str(r, "version", "camtraced 0.1.0-fake");
	ct_json_add_int(r, "pid", getpid());
	ct_json_add_int(r, "uptime_s", 3725);
	o = ct_json_add_obj(r, "roles");
	ct_json_add_bool(o, "server", 1);
	ct_json_add_bool(o, "client", 1);
	o = ct_json_add_obj(r, "identity");
	ct_json_add_str(o, "user", "camtraced");
	ct_json_add_str(o, "host", "srv1");
	ct_json_add_str(o, "nick", "camtraced");
	ct_json_add_str(o, "group", "");
	ct_json_add_str(r, "listen", "0.0.0.0:2425");
	o = ct_json_add_obj(r, "hosts");
	ct_json_add_int(o, "total", (int64_t)ct_hosts_count(hosts));
	ct_json_add_int(o, "online", (int64_t)on);
	ct_json_add_int(o, "absent", (int64_t)ab);
	ct_json_add_int(o, "offline", (int64_t)off);
	ct_json_add_int(o, "unstable", (int64_t)un);
	ct_json_add_int(o, "external", (int64_t)ext);
	o = ct_json_add_obj(r, "fetch");
	ct_json_add_str(o, "server", "198.18.1.2");
	ct_json_add_int(o, "hosts", 2);
	ct_json_add_str(o, "last_result", "ok");
	ct_json_add_int(o, "next_in_s", 5000);
	*result = r;
	return 0;
}

static int m_users(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	char err[256];
	struct ct_ctlj_now now = { ct_wall_now(), ct_mono_ms(), FAKE_WINDOW_MS };

	(void)ud;
	if (ct_ctlj_users(hosts, params, &now, result, err, sizeof err) != 0)
		return ct_ctl_call_error(call, "bad_params", "%s", err);
	return 0;
}

static void refresh_done(struct ct_evloop *e, uint64_t id, void *ud)
{
	struct ct_json *r = ct_json_obj();

	(void)e;
	(void)id;
	ct_json_add_str(r, "server", "198.18.1.2");
	ct_json_add_int(r, "hosts", 3);
	ct_json_add_int(r, "added", 1);
	ct_json_add_int(r, "removed", 0);
	ct_ctl_reply(srv, (uint64_t)(uintptr_t)ud, r);
}

static int m_refresh(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)params;
	(void)result;
	(void)ud;
	ct_evloop_add_timer(ev, 50, refresh_done, (void *)(uintptr_t)ct_ctl_call_token(call));
	return CT_CTL_DEFER;
}

static int m_search_start(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	const struct ct_json *ranges = ct_json_get(params, "ranges");

	(void)ud;
	if (!ct_json_is_arr(ranges) || ct_json_arr_len(ranges) == 0)
		return ct_ctl_call_error(call, "bad_params", "search.start needs {\"ranges\": [...]}");
	search_total = 254 * (int64_t)ct_json_arr_len(ranges);
	search_probed = 0;
	*result = ct_json_obj();
	ct_json_add_int(*result, "search_id", 7);
	ct_json_add_int(*result, "total", search_total);
	return 0;
}

static struct ct_search_progress progress(void)
{
	struct ct_search_progress p = { .id = 7, .total = (size_t)search_total, .probed = (size_t)search_probed,
		.found = 1, .started = ct_wall_now() };

	p.state = search_probed >= search_total ? CT_SEARCH_DONE : CT_SEARCH_RUNNING;
	return p;
}

static int m_search_progress(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct ct_search_progress p;
	int64_t id;

	(void)ud;
	if (ct_json_get_i64(params, "search_id", &id) != 0 || id != 7)
		return ct_ctl_call_error(call, "not_found", "no search with that id");
	search_probed += 200;
	if (search_probed > search_total)
		search_probed = search_total;
	p = progress();
	*result = ct_ctlj_search_progress(&p);
	return 0;
}

static int m_search_result(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct ct_search_progress p = progress();
	struct ct_json *h;

	(void)call;
	(void)params;
	(void)ud;
	*result = ct_ctlj_search_progress(&p);
	h = ct_json_obj();
	ct_json_add_str(h, "addr", "198.18.2.10");
	ct_json_add_int(h, "port", 2425);
	ct_json_add_str(h, "user", "bob");
	ct_json_add_str(h, "host", "pc-b1");
	ct_json_add_str(h, "nick", "Bob");
	ct_json_add_str(h, "info", "iptux 0.8");
	ct_json_add_int(h, "status", 0);
	ct_json_add(ct_json_add_arr(*result, "hosts"), NULL, h);
	return 0;
}

static void add_host(const char *user, const char *host, const char *nick, const char *ip, unsigned origin)
{
	struct ct_host_info in = { .user = user, .host = host, .nick = nick, .group = "grp" };

	ct_haddr_parse(&in.addr, ip, 2425);
	ct_hosts_update(hosts, &in, origin, CT_HOST_VIA_PACKET, ct_mono_ms(), ct_wall_now() - 30, NULL);
}

static const char *sock_path;

static void on_term(int sig)
{
	(void)sig;
	unlink(sock_path); /* async-signal-safe cleanup only */
	_exit(0);
}

static int serve(const char *path)
{
	char err[256];

	sock_path = path;
	hosts = ct_hosts_new();
	add_host("alice", "pc-a1", "Alice", "198.18.1.10", CT_HOST_LOCAL);
	add_host("bob", "pc-b1", "Bob", "198.18.2.10", CT_HOST_LIST);
	add_host("carol", "pc-b2", "Carol", "198.18.2.11", CT_HOST_NOTIFIED);
	/* carol is unstable: lost twice, back twice */
	for (int i = 0; i < 2; i++) {
		ct_hosts_set_offline(hosts, ct_hosts_find(hosts, "carol", "pc-b2"), CT_HOST_GONE_LOST, ct_wall_now());
		add_host("carol", "pc-b2", "Carol", "198.18.2.11", CT_HOST_NOTIFIED);
	}
	{
		/* CTL_FAKE_HOSTS=N adds N more hosts (for measuring large replies) */
		const char *extra = getenv("CTL_FAKE_HOSTS");
		long n = extra ? strtol(extra, NULL, 10) : 0;
		for (long i = 0; i < n; i++) {
			char user[32], ip[32];
			snprintf(user, sizeof user, "user%ld", i);
			snprintf(ip, sizeof ip, "10.%ld.%ld.%ld", (i >> 16) & 255, (i >> 8) & 255, i & 255);
			/* a nick with JSON-special characters checks camtrace's array splitter */
			/* and a Japanese nick longer than its column, for the table's display widths */
			add_host(user, "pc", i == 7 ? "Q\"uo,te] {x}\\" : i == 8 ? "営業部の山田太郎さん" : "Nick", ip,
				CT_HOST_LIST);
		}
	}
	ct_evloop_new(&ev);
	if (ct_ctl_server_open(&srv, ev, path, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "t-ctl-fake: %s\n", err);
		return 1;
	}
	ct_ctl_server_set_name(srv, "camtraced 0.1.0-fake");
	ct_ctl_server_add(srv, CT_CTL_M_STATUS, m_status, NULL);
	ct_ctl_server_add(srv, CT_CTL_M_USERS, m_users, NULL);
	ct_ctl_server_add(srv, CT_CTL_M_REFRESH, m_refresh, NULL);
	ct_ctl_server_add(srv, CT_CTL_M_SEARCH_START, m_search_start, NULL);
	ct_ctl_server_add(srv, CT_CTL_M_SEARCH_PROGRESS, m_search_progress, NULL);
	ct_ctl_server_add(srv, CT_CTL_M_SEARCH_RESULT, m_search_result, NULL);
	signal(SIGTERM, on_term);
	return ct_evloop_run(ev) == 0 ? 0 : 1;
}

/* check-json FILE PATH[=VALUE]...: the file is one valid JSON document and each dotted path
 * (array indexes as numbers) exists (and, with =VALUE, prints as VALUE). */
static int check_json(int argc, char **argv)
{
	struct ct_sbuf b;
	struct ct_json *doc;
	char buf[4096];
	size_t n;
	FILE *fp = strcmp(argv[2], "-") ? fopen(argv[2], "r") : stdin;
	int bad = 0;

	if (!fp)
		return 2;
	ct_sbuf_init(&b);
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		ct_sbuf_add(&b, buf, n);
	if (ct_json_parse(b.p ? b.p : "", b.len, &doc) != 0) {
		printf("not valid JSON\n");
		return 1;
	}
	for (int i = 3; i < argc; i++) {
		char path[256], *want = NULL, *save = NULL, *tok;
		const struct ct_json *cur = doc;
		ct_strlcpy(path, argv[i], sizeof path);
		if ((want = strchr(path, '=')))
			*want++ = '\0';
		for (tok = strtok_r(path, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save))
			cur = ct_json_is_arr(cur) ? ct_json_arr_at(cur, (size_t)atoi(tok)) : ct_json_get(cur, tok);
		if (!cur) {
			printf("missing: %s\n", argv[i]);
			bad = 1;
		} else if (want) {
			char *got = ct_json_print(cur, 0);
			if (!got || strcmp(got, want) != 0) {
				printf("%s: got %s, want %s\n", argv[i], got ? got : "?", want);
				bad = 1;
			}
			free(got);
		}
	}
	ct_json_free(doc);
	ct_sbuf_fini(&b);
	return bad;
}

int main(int argc, char **argv)
{
	ct_log_set_level(CT_LOG_WARN);
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "check-json") == 0)
		return check_json(argc, argv);
	fprintf(stderr, "usage: t-ctl-fake serve SOCKET | check-json FILE PATH[=VALUE]...\n");
	return 2;
}
