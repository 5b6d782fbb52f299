/* t-mon-model.c: the monitor's plain-C model: recorded subscription lines, sort with reverse, the stable default order, filter validity as typed, pause keeps collecting, frozen order, reset, flap counting, Japanese names by display width, segments, snapshots. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "mon-model.h"
#include "textw.h"
#include "tap.h"

#define T0 1796000000000LL /* ms */

static char line[2048];

/* One recorded host event line (the contract's shape, the users record's fields). */
static const char *host_ev(const char *op, int64_t t, const char *user, const char *nick, const char *addr,
	const char *state, int flaps, int unstable)
{
	snprintf(line, sizeof line,
		"{\"v\":1,\"ev\":\"host\",\"t\":%lld,\"op\":\"%s\",\"host\":{\"user\":\"%s\",\"host\":\"pc-%s\","
		"\"nick\":\"%s\",\"group\":\"lab\",\"addr\":\"%s\",\"port\":2425,\"state\":\"%s\","
		"\"origin\":\"local\",\"origins\":[\"local\"],\"external\":false,\"unstable\":%s,\"flap_count\":%d,"
		"\"flaps_in_window\":%d,\"last_flap\":null,\"missed_answers\":0,\"status\":0,\"offline_reason\":\"%s\","
		"\"first_seen\":\"2026-11-30T10:00:00.000Z\",\"last_seen\":\"2026-11-30T10:00:01.500Z\","
		"\"last_change\":null,\"last_seen_age_s\":1}}",
		(long long)t, op, user, user, nick, addr, state, unstable ? "true" : "false", flaps, flaps,
		strcmp(state, "offline") == 0 ? "left" : "");
	return line;
}

static int feed(struct mon_model *m, const char *s)
{
	char err[128] = "";
	int rc = mon_model_feed_json(m, s, strlen(s), T0, err, sizeof err);

	if (rc)
		printf("# feed: %s\n", err);
	return rc;
}

/* The users of the rows, space-separated. */
static const char *order(struct mon_model *m)
{
	static char buf[512];
	struct mon_host *const *rows;
	size_t n = mon_model_host_rows(m, &rows);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "", rows[i]->user);
	return buf;
}

static void setup(struct mon_model *m)
{
	feed(m, "{\"id\":2,\"result\":{\"subscribed\":[\"host\"],\"hosts\":4}}");
	feed(m, host_ev("present", T0, "carol", "Carol", "198.18.2.11", "online", 0, 0));
	feed(m, host_ev("present", T0, "alice", "山田太郎", "198.18.1.11", "online", 3, 1));
	feed(m, host_ev("present", T0, "bob", "Bob", "198.18.1.12", "absent", 1, 0));
	feed(m, host_ev("present", T0, "dave", "Dave", "198.18.2.12", "offline", 0, 0));
	feed(m, "{\"v\":1,\"ev\":\"synced\",\"t\":1796000000000,\"hosts\":4}");
}

static void t_feed(void)
{
	struct mon_model *m = mon_model_new();
	char err[128];
	struct mon_host *h;

	setup(m);
	is_int(mon_model_host_count(m), 4, "the snapshot makes 4 hosts");
	is_int(mon_model_event_count(m), 1, "present makes no event lines; synced makes one");
	h = mon_model_host_find(m, "198.18.1.11:2425");
	ok(h != NULL, "hosts are keyed by ADDR:PORT");
	if (h) {
		is_str(h->nick, "山田太郎", "nick kept as UTF-8");
		is_int(h->flap_count, 3, "flap_count from the record");
		is_int(h->unstable, 1, "unstable from the record");
		is_int(h->last_seen, 1796032801500LL, "last_seen parsed from ISO 8601 with milliseconds");
	}
	is_int(mon_model_feed_json(m, "[1]", 3, T0, err, sizeof err), CT_EFORMAT, "a non-object is refused");
	is_int(mon_model_feed_json(m, "{\"ev\":\"host\"}", 13, T0, err, sizeof err), CT_EFORMAT, "no \"v\":1 is refused");
	is_int(feed(m, "{\"v\":1,\"ev\":\"future\",\"t\":1}"), 0, "an unknown kind is ignored");
	feed(m, "{\"v\":1,\"ev\":\"fetch\",\"t\":1796000001000,\"server\":\"198.18.2.10:2425\",\"result\":\"timeout\","
		"\"hosts\":0,\"ms\":3000,\"error\":\"no answer\"}");
	feed(m, "{\"v\":1,\"ev\":\"lost\",\"t\":1796000001000,\"count\":7}");
	is_int(mon_model_counters(m)->fetch_fail, 1, "a failed fetch counted");
	is_int(mon_model_counters(m)->daemon_lost, 7, "the daemon's lost count added");
	{
		const struct mon_event *e = mon_model_event_at(m, mon_model_event_count(m) - 2);
		is_str(e ? e->text : NULL, "fetch   198.18.2.10:2425 timeout: 0 hosts in 3000 ms: no answer", "fetch line");
		is_str(e ? e->json : NULL, "{\"v\":1,\"ev\":\"fetch\",\"t\":1796000001000,\"server\":\"198.18.2.10:2425\","
			"\"result\":\"timeout\",\"hosts\":0,\"ms\":3000,\"error\":\"no answer\"}",
			"the daemon's object is kept as it came for NDJSON");
	}
	{
		const struct mon_segment *const *segs;
		size_t n = mon_model_segment_rows(m, &segs);
		is_int(n, 2, "two /24 segments");
		if (n == 2) {
			is_str(segs[0]->net, "198.18.1.0/24", "segment 1");
			is_int(segs[0]->online, 1, "one online in site A");
			is_int(segs[0]->absent, 1, "one absent in site A");
			is_int(segs[0]->unstable, 1, "one unstable in site A");
			is_str(segs[1]->server, "198.18.2.10:2425", "site B served by its list server");
			is_str(segs[1]->fetch_result, "timeout", "its last fetch result");
		}
	}
	mon_model_free(m);
}

static void t_sort(void)
{
	struct mon_model *m = mon_model_new();

	setup(m);
	is_str(order(m), "alice bob carol dave", "default order: by user, stable");
	mon_model_sort(m, MON_SORT_FLAPS);
	is_str(order(m), "alice bob carol dave", "by flaps, most first (ties by the default order)");
	mon_model_sort(m, MON_SORT_FLAPS);
	is_int(mon_model_vs(m)->reverse, 1, "the same key again reverses");
	is_str(order(m), "dave carol bob alice", "reversed");
	mon_model_sort(m, MON_SORT_ADDR);
	is_int(mon_model_vs(m)->reverse, 0, "another column starts unreversed");
	is_str(order(m), "alice bob carol dave", "by address numerically");
	mon_model_sort(m, MON_SORT_NICK);
	is_str(order(m), "bob carol dave alice", "by nick (the Japanese nick after ASCII)");
	is_int(mon_sort_for_key('f'), MON_SORT_FLAPS, "f sorts by flaps");
	is_int(mon_sort_for_key('x'), -1, "x sorts nothing");
	mon_model_sort(m, MON_SORT_DEFAULT);
	feed(m, host_ev("join", T0 + 10, "aaron", "Aaron", "198.18.1.13", "online", 0, 0));
	is_str(order(m), "aaron alice bob carol dave", "a new host takes its place in the default order");
	mon_model_free(m);
}

static void t_filter(void)
{
	struct mon_model *m = mon_model_new();
	struct mon_viewstate *vs = mon_model_vs(m);

	setup(m);
	is_int(mon_model_filter(m, "198.18.2.0/24"), 1, "a CIDR is valid");
	is_str(order(m), "carol dave", "and picks site B");
	is_int(mon_model_filter(m, "198.18.2.0/33"), 0, "a bad prefix is not");
	ok(vs->filter_valid == 0 && *vs->filter_error, "the state says invalid and why: %s", vs->filter_error);
	is_str(vs->filter, "198.18.2.0/33", "the text as typed is kept");
	is_str(order(m), "carol dave", "the last valid filter stays applied");
	is_int(mon_model_filter(m, "state:"), 0, "state: without a value is invalid while typing");
	is_int(mon_model_filter(m, "state:onl"), 0, "state:onl is not a state yet");
	is_int(mon_model_filter(m, "state:online"), 1, "state:online is");
	is_str(order(m), "alice carol", "online hosts");
	is_int(mon_model_filter(m, "colour:red"), 0, "an unknown field is invalid");
	is_int(mon_model_filter(m, "!state:online"), 1, "negation");
	is_str(order(m), "bob dave", "not online");
	is_int(mon_model_filter(m, "山田"), 1, "a Japanese word");
	is_str(order(m), "alice", "matches the nick");
	is_int(mon_model_filter(m, "flaps>1 unstable"), 1, "flaps>N and a flag together");
	is_str(order(m), "alice", "both must match");
	is_int(mon_model_filter(m, "flaps>"), 0, "flaps> without a number is invalid");
	is_int(mon_model_filter(m, ""), 1, "the empty filter is valid");
	is_str(order(m), "alice bob carol dave", "and shows all");
	mon_model_free(m);
}

static void t_pause_freeze(void)
{
	struct mon_model *m = mon_model_new();
	struct mon_viewstate *vs = mon_model_vs(m);
	size_t before;

	setup(m);
	before = mon_model_event_count(m);
	mon_model_pause(m, 1);
	feed(m, host_ev("join", T0 + 5, "aaron", "Aaron", "198.18.1.13", "online", 0, 0));
	is_int(mon_model_host_count(m), 5, "paused: the join is collected");
	is_int(mon_model_counters(m)->joins, 1, "paused: counted");
	is_int(vs->paused_events, 1, "paused: one event waits");
	is_str(order(m), "alice bob carol dave", "paused: the rows stay as they were");
	is_int(mon_model_event_count(m), before, "paused: the event list stays");
	mon_model_pause(m, 0);
	is_str(order(m), "aaron alice bob carol dave", "resumed: the new host shows");
	is_int(mon_model_event_count(m), before + 1, "resumed: its event shows");

	mon_model_sort(m, MON_SORT_FLAPS);
	mon_model_freeze(m, 1);
	is_str(order(m), "alice bob aaron carol dave", "frozen in flap order");
	feed(m, host_ev("flap", T0 + 6, "dave", "Dave", "198.18.2.12", "online", 9, 1));
	feed(m, host_ev("join", T0 + 7, "zed", "Zed", "198.18.1.14", "online", 5, 0));
	is_str(order(m), "alice bob aaron carol dave zed", "frozen: dave keeps its place, zed goes last");
	mon_model_freeze(m, 0);
	is_str(order(m), "dave zed alice bob aaron carol", "unfrozen: sorted again");
	mon_model_free(m);
}

static void t_flaps_reset(void)
{
	struct mon_model *m = mon_model_new();
	struct mon_host in, *h;

	feed(m, host_ev("join", T0, "erin", "Erin", "198.18.1.20", "online", 0, 0));
	feed(m, host_ev("lost", T0 + 1000, "erin", "Erin", "198.18.1.20", "offline", 0, 0));
	feed(m, host_ev("back", T0 + 2000, "erin", "Erin", "198.18.1.20", "online", 0, 0));
	feed(m, host_ev("flap", T0 + 2000, "erin", "Erin", "198.18.1.20", "online", 1, 1));
	h = mon_model_host_find(m, "198.18.1.20:2425");
	is_int(h ? h->flaps : 99, 1, "a daemon flap event counts one flap");
	is_int(mon_model_counters(m)->flaps, 1, "and the flap counter");
	is_int(h ? h->nhist : 0, 4, "the host's history has its four changes");

	memset(&in, 0, sizeof in);
	strcpy(in.user, "frank");
	strcpy(in.host, "pc-frank");
	strcpy(in.nick, "Frank");
	strcpy(in.addr, "198.18.1.21");
	mon_model_host_seen(m, &in, "join", T0);
	mon_model_host_seen(m, &in, "join", T0 + 500);
	mon_model_host_seen(m, &in, "exit", T0 + 1000);
	mon_model_host_seen(m, &in, "join", T0 + 61000);
	h = mon_model_host_find(m, "198.18.1.21:2425");
	is_int(h ? h->flap_count : 99, 1, "heard: exit then join within the window is a flap");
	is_str(h ? h->origin : NULL, "broadcast", "learned by listening");
	mon_model_expire(m, T0 + 400000, 120000);
	is_str(h ? h->offline_reason : NULL, "lost", "not heard for 2 min: lost");
	mon_model_host_seen(m, &in, "join", T0 + 400000 + MON_HISTORY * 0 + 999999);
	is_int(h ? h->flap_count : 99, 1, "back after the window: no flap");
	is_int(mon_model_counters(m)->flaps, 2, "two flaps counted");

	mon_model_reset(m, T0 + 2000000);
	is_int(mon_model_counters(m)->flaps, 0, "reset clears the counters");
	is_int(h ? h->flaps : 99, 0, "and the flaps since reset");
	is_int(h ? h->flap_count : 0, 1, "but not the lifetime flap count");
	is_int(mon_model_counters(m)->since, T0 + 2000000, "since the reset");
	mon_model_free(m);
}

static void t_width(void)
{
	struct mon_model *m = mon_model_new();
	struct mon_host *h;
	struct ct_sbuf b;
	unsigned widths[] = { 80, 132, 60 };

	setup(m);
	feed(m, host_ev("change", T0, "alice", "山田太郎山田太郎山田太郎", "198.18.1.11", "online", 3, 1));
	h = mon_model_host_find(m, "198.18.1.11:2425");
	for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
		ct_sbuf_init(&b);
		mon_model_host_line(m, h, widths[i], T0 + 5000, &b);
		is_int(ct_textw(b.p, b.len), widths[i], "the row is exactly %u columns by display width", widths[i]);
		ok(strstr(b.p, "山田") && strstr(b.p, "\xe2\x80\xa6"), "the long Japanese nick is cut with an ellipsis");
		ct_sbuf_fini(&b);
		ct_sbuf_init(&b);
		mon_model_host_header(m, widths[i], &b);
		is_int(ct_textw(b.p, b.len), widths[i], "the header too");
		ct_sbuf_fini(&b);
	}
	ct_sbuf_init(&b);
	mon_model_host_line(m, h, 80, T0 + 5000, &b);
	ok(strstr(b.p, "3!") != NULL, "unstable is a text flag, not only a colour: %s", b.p);
	ct_sbuf_fini(&b);
	mon_model_sort(m, MON_SORT_FLAPS);
	ct_sbuf_init(&b);
	mon_model_host_header(m, 80, &b);
	ok(strstr(b.p, "FLAPv") != NULL, "the header marks the sort column: %s", b.p);
	ct_sbuf_fini(&b);
	{
		char a[16];
		mon_model_age(T0 + 125000, T0, a, sizeof a);
		is_str(a, "2m", "ages");
	}
	mon_model_free(m);
}

static void t_snapshot(void)
{
	struct mon_model *m = mon_model_new();
	struct ct_out o;
	struct ct_json *j = NULL;
	struct ct_sbuf b;
	int64_t n = -1;

	setup(m);
	mon_model_packet(m, T0, 0, "10:00:00.000000 198.18.1.11:2425 > 198.18.1.255:2425 BR_ENTRY", 62);
	ct_out_init_buf(&o);
	mon_model_snapshot_json(m, T0, &o);
	is_int(ct_json_parse(o.p, o.len, &j), 0, "the JSON snapshot parses");
	ok(j && ct_json_arr_len(ct_json_get(j, "hosts")) == 4, "with the 4 hosts");
	ok(j && ct_json_get_i64(ct_json_get(j, "counters"), "packets", &n) == 0 && n == 1, "and the counters");
	is_str(j ? ct_json_get_str(j, "command") : NULL, "monitor", "command");
	ct_json_free(j);
	free(o.p);
	ct_sbuf_init(&b);
	mon_model_snapshot_text(m, T0, &b);
	ok(strstr(b.p, "HOSTS (4)") && strstr(b.p, "BR_ENTRY") && strstr(b.p, "synced"), "the text snapshot");
	ct_sbuf_fini(&b);
	mon_model_free(m);
}

int main(void)
{
	t_feed();
	t_sort();
	t_filter();
	t_pause_freeze();
	t_flaps_reset();
	t_width();
	t_snapshot();
	return tap_done();
}
