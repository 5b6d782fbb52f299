/* mon-src.c: camtrace monitor's data sources on one event loop: camtraced's subscription (an older daemon's users list polled and compared), UDP 2425 heard without a daemon, the live capture or a replayed pcap through sniff's pipeline and renderer. */
#include "config.h"
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capture.h"
#include "clock.h"
#include "codec.h"
#include "ctl.h"
#include "decode-ipmsg.h"
#include "json.h"
#include "mon-src-int.h"
#include "privs.h"
#include "render.h"
#include "trace.h"
#include "version.h"

int64_t mon_src_now(void)
{
	return (int64_t)(ct_wall_now() * 1000.0);
}

/* ---- camtraced ---- */

static void ctl_send(struct mon_src *s, const char *line)
{
	size_t n = strlen(line);

	/* requests are small and the socket is fresh: a short write means the daemon is gone */
	if (write(s->ctl_fd, line, n) != (ssize_t)n || write(s->ctl_fd, "\n", 1) != 1)
		mon_model_note(s->m, MON_EV_STATUS, 1, NULL, mon_src_now(), "camtraced: cannot write to %s: %s",
			s->o.ctl, strerror(errno));
}

static void ctl_poll(struct ct_evloop *ev, uint64_t id, void *ud);

static void ctl_request_users(struct mon_src *s)
{
	char line[96];

	snprintf(line, sizeof line, "{\"id\":%u,\"method\":\"users\",\"params\":{\"filter\":\"all\"}}", ++s->ctl_id);
	ctl_send(s, line);
}

static void ctl_poll(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct mon_src *s = ud;

	(void)ev;
	(void)id;
	s->poll_timer = 0;
	if (s->ctl_fd < 0)
		return;
	ctl_request_users(s);
	s->poll_timer = ct_evloop_add_timer(s->ev, (uint64_t)(s->o.interval_s * 1000), ctl_poll, s);
}

/* A users record as a host event line of the contract, fed to the model. */
static void feed_record(struct mon_src *s, const char *op, const struct ct_json *rec, int64_t now)
{
	struct ct_json *ev = ct_json_obj();
	char *line, err[96];

	if (!ev)
		return;
	ct_json_add_int(ev, "v", 1);
	ct_json_add_str(ev, "ev", "host");
	ct_json_add_int(ev, "t", now);
	ct_json_add_str(ev, "op", op);
	ct_json_add(ev, "host", ct_json_dup(rec));
	line = ct_json_print(ev, 0);
	if (line)
		mon_model_feed_json(s->m, line, strlen(line), now, err, sizeof err);
	free(line);
	ct_json_free(ev);
}

static void seen_add(struct mon_src *s, struct mon_host *h)
{
	if (s->nseen == s->capseen) {
		size_t cap = s->capseen ? s->capseen * 2 : 256;
		struct mon_host **v = realloc(s->seen, cap * sizeof *v);
		if (!v)
			return;
		s->seen = v;
		s->capseen = cap;
	}
	s->seen[s->nseen++] = h;
}

static int ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return (x > y) - (x < y);
}

/* The daemon's hosts missing from the poll were removed from its table. */
static void sweep(struct mon_src *s, int64_t now)
{
	size_t n = mon_model_host_count(s->m);

	if (s->nseen)
		qsort(s->seen, s->nseen, sizeof *s->seen, ptr_cmp);
	for (size_t i = 0; i < n; i++) {
		struct mon_host *h = mon_model_host_at(s->m, i);
		struct ct_out o;
		if (h->gone || (s->nseen && bsearch(&h, s->seen, s->nseen, sizeof *s->seen, ptr_cmp)))
			continue;
		ct_out_init_buf(&o);
		ct_out_puts(&o, "{\"v\":1,\"ev\":\"host\",\"t\":");
		{
			char num[24];
			snprintf(num, sizeof num, "%lld", (long long)now);
			ct_out_puts(&o, num);
		}
		ct_out_puts(&o, ",\"op\":\"remove\",\"host\":");
		mon_model_host_record(h, &o);
		ct_out_putc(&o, '}');
		if (!o.oom) {
			char err[96];
			mon_model_feed_json(s->m, o.p, o.len, now, err, sizeof err);
		}
		free(o.p);
	}
	s->nseen = 0;
}

/* Compares a polled users list with the model's hosts and feeds what changed (join, change,
 * absent, back, exit, lost, flap, remove) the way the subscription would. */
static void ctl_users(struct mon_src *s, const struct ct_json *res, int64_t now)
{
	const struct ct_json *hosts = ct_json_get(res, "hosts"), *h;
	int first = !s->polled;

	s->polled = 1;
	s->poll_gen++;
	for (h = ct_json_first(hosts); h; h = ct_json_next(h)) {
		const char *addr = ct_json_get_str(h, "addr"), *st = ct_json_get_str(h, "state");
		char key[200];
		int64_t port = 2425, flaps = 0;
		struct mon_host *mh;
		if (!addr || !st)
			continue;
		ct_json_get_i64(h, "port", &port);
		ct_json_get_i64(h, "flap_count", &flaps);
		snprintf(key, sizeof key, strchr(addr, ':') ? "[%s]:%lld" : "%s:%lld", addr, (long long)port);
		mh = mon_model_host_find(s->m, key);
		if (first || !mh || mh->gone)
			feed_record(s, first ? "present" : "join", h, now);
		else {
			enum mon_hstate was = mh->state;
			unsigned was_flaps = mh->flap_count;
			int offline = strcmp(st, "offline") == 0, absent = strcmp(st, "absent") == 0;
			const char *why = ct_json_get_str(h, "offline_reason");
			int flapped = (unsigned)flaps > was_flaps;
			if (offline && was != MON_HS_OFFLINE)
				feed_record(s, why && strcmp(why, "lost") == 0 ? "lost" : "exit", h, now);
			else if (!offline && was == MON_HS_OFFLINE)
				feed_record(s, flapped ? "flap" : "back", h, now);
			else if (absent != (was == MON_HS_ABSENT))
				feed_record(s, absent ? "absent" : "change", h, now);
			else
				feed_record(s, "present", h, now); /* last seen and the rest, quietly */
			if (flapped && !(!offline && was == MON_HS_OFFLINE))
				feed_record(s, "flap", h, now);
		}
		if ((mh = mon_model_host_find(s->m, key)))
			seen_add(s, mh);
	}
	sweep(s, now);
	if (first)
		mon_model_note(s->m, MON_EV_STATUS, 0, NULL, now, "camtraced knows %zu hosts (polled every %.0f s)",
			ct_json_arr_len(hosts), s->o.interval_s);
}

static void ctl_reply(struct mon_src *s, const struct ct_json *j, int64_t now)
{
	int64_t id = 0;
	const struct ct_json *err = ct_json_get(j, "error"), *res = ct_json_get(j, "result");

	ct_json_get_i64(j, "id", &id);
	if (id == 1 && err) {
		mon_model_note(s->m, MON_EV_STATUS, 2, NULL, now, "camtraced refused hello: %s",
			ct_json_get_str(err, "message") ? ct_json_get_str(err, "message") : "?");
		return;
	}
	if (id == 2 && err) {
		/* an older daemon without subscribe: poll its users list */
		s->ctl_mode = MON_CTL_POLL;
		mon_model_note(s->m, MON_EV_STATUS, 0, NULL, now, "camtraced %s has no subscribe: polling its users "
			"every %.0f s", s->ctl_server, s->o.interval_s);
		ctl_request_users(s);
		s->poll_timer = ct_evloop_add_timer(s->ev, (uint64_t)(s->o.interval_s * 1000), ctl_poll, s);
		return;
	}
	if (id == 1 && res) {
		const char *srv = ct_json_get_str(res, "server");
		snprintf(s->ctl_server, sizeof s->ctl_server, "%s", srv ? srv : "?");
		return;
	}
	if (id == 2 && res) {
		int64_t n = 0;
		ct_json_get_i64(res, "hosts", &n);
		s->ctl_mode = MON_CTL_SUB;
		mon_model_note(s->m, MON_EV_STATUS, 0, NULL, now, "subscribed to %s at %s (%lld hosts)", s->ctl_server,
			s->o.ctl, (long long)n);
		return;
	}
	if (id > 2 && res)
		ctl_users(s, res, now);
	else if (id > 2 && err)
		mon_model_note(s->m, MON_EV_STATUS, 1, NULL, now, "camtraced users: %s",
			ct_json_get_str(err, "message") ? ct_json_get_str(err, "message") : "?");
}

static void ctl_line(struct mon_src *s, const char *line, size_t len)
{
	int64_t now = mon_src_now();
	struct ct_json *j = NULL;
	char err[128];

	if (len > 2 && memmem(line, len < 64 ? len : 64, "\"id\"", 4)) {
		if (ct_json_parse(line, len, &j) == 0 && ct_json_get(j, "id")) {
			ctl_reply(s, j, now);
			ct_json_free(j);
			return;
		}
		ct_json_free(j);
	}
	if (mon_model_feed_json(s->m, line, len, now, err, sizeof err) != 0 && !s->ctl_bad++)
		mon_model_note(s->m, MON_EV_STATUS, 1, NULL, now, "camtraced sent a line the monitor does not "
			"understand (%s); such lines are skipped", err);
}

static void ctl_connect(struct mon_src *s);

static void ctl_retry(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct mon_src *s = ud;

	(void)ev;
	(void)id;
	s->retry_timer = 0;
	ctl_connect(s);
}

static void ctl_gone(struct mon_src *s, const char *why)
{
	ct_evloop_del_fd(s->ev, s->ctl_fd);
	close(s->ctl_fd);
	s->ctl_fd = -1;
	s->ctl_len = 0;
	if (s->poll_timer)
		ct_evloop_cancel_timer(s->ev, s->poll_timer);
	s->poll_timer = 0;
	s->ctl_mode = MON_CTL_NONE;
	mon_model_note(s->m, MON_EV_STATUS, 1, NULL, mon_src_now(), "camtraced went away (%s): retrying every 5 s",
		why);
	s->retry_timer = ct_evloop_add_timer(s->ev, 5000, ctl_retry, s);
}

static void ctl_read(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct mon_src *s = ud;
	size_t start = 0;
	ssize_t r;

	(void)ev;
	(void)events;
	if (s->ctl_cap - s->ctl_len < 65536) {
		size_t cap = s->ctl_cap ? s->ctl_cap * 2 : 131072;
		char *p = realloc(s->ctl_buf, cap);
		if (!p) {
			ctl_gone(s, "out of memory");
			return;
		}
		s->ctl_buf = p;
		s->ctl_cap = cap;
	}
	r = read(fd, s->ctl_buf + s->ctl_len, s->ctl_cap - s->ctl_len);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		ctl_gone(s, r == 0 ? "closed" : strerror(errno));
		return;
	}
	s->ctl_len += (size_t)r;
	for (;;) {
		char *nl = memchr(s->ctl_buf + start, '\n', s->ctl_len - start);
		if (!nl)
			break;
		ctl_line(s, s->ctl_buf + start, (size_t)(nl - (s->ctl_buf + start)));
		start = (size_t)(nl - s->ctl_buf) + 1;
	}
	memmove(s->ctl_buf, s->ctl_buf + start, s->ctl_len - start);
	s->ctl_len -= start;
}

/* Connects (a local socket: at once), says hello and subscribes; 0 when connected. */
static void ctl_connect(struct mon_src *s)
{
	struct sockaddr_un sa;
	char line[256];
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(s->o.ctl) >= sizeof sa.sun_path)
		return;
	strcpy(sa.sun_path, s->o.ctl);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		s->ctl_errno = errno;
		close(fd);
		if (s->ever_connected)
			s->retry_timer = ct_evloop_add_timer(s->ev, 5000, ctl_retry, s);
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	s->ctl_fd = fd;
	s->ever_connected = 1;
	s->ctl_id = 2;
	s->polled = 0;
	snprintf(line, sizeof line, "{\"id\":1,\"method\":\"hello\",\"params\":{\"protocol\":%d,\"client\":\"camtrace "
		"monitor %s\"}}", CT_CTL_PROTOCOL, ct_version());
	ctl_send(s, line);
	ctl_send(s, "{\"id\":2,\"method\":\"subscribe\",\"params\":{\"events\":[],\"snapshot\":true}}");
	ct_evloop_add_fd(s->ev, fd, CT_EV_READ, ctl_read, s);
	if (s->stopped_listen == 0 && s->udp_fd >= 0)
		mon_src_listen_stop(s);
}

/* ---- open and close ---- */

int mon_src_open(struct mon_src **out, struct mon_model *m, struct ct_evloop *ev, const struct mon_src_opts *o,
	char *err, size_t errlen)
{
	struct mon_src *s = calloc(1, sizeof *s);
	char why[256] = "";
	int r;

	*out = NULL;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return CT_ENOMEM;
	}
	s->m = m;
	s->ev = ev;
	s->o = *o;
	if (s->o.interval_s <= 0)
		s->o.interval_s = 2;
	if (s->o.lost_after_s <= 0)
		s->o.lost_after_s = 600;
	s->ctl_fd = s->udp_fd = s->doc_fd = -1;
	if (o->replay) {
		r = mon_src_replay_open(s, err, errlen);
		if (r) {
			free(s);
			return r;
		}
	} else if (!o->no_capture)
		mon_src_capture_open(s); /* before the privileges go */
	/* the daemon's socket may be root's: connect before the privileges go (a reconnection
	 * later runs unprivileged) */
	if (!o->replay && !o->no_daemon)
		ctl_connect(s);
	if (!o->replay && o->probes)
		mon_src_live_open(s); /* raw sockets too: before the privileges go */
	if (!o->keep_root && ct_privs_drop(why, sizeof why) != 0)
		mon_model_note(m, MON_EV_STATUS, 1, NULL, mon_src_now(), "could not drop privileges: %s", why);
	*out = s;
	if (o->replay)
		return 0; /* offline: the capture alone */
	if (s->ctl_fd < 0) {
		if (!o->no_daemon)
			mon_model_note(m, MON_EV_STATUS, 1, NULL, mon_src_now(), "no camtraced at %s (%s): showing what "
				"this host hears on UDP 2425%s", o->ctl, strerror(s->ctl_errno),
				o->no_listen ? " (off: --no-listen)" : "");
		if (o->scan)
			mon_src_scan_open(s); /* its node holds UDP 2425 and hears the entries there */
		else if (!o->no_listen)
			mon_src_listen(s);
	}
	mon_src_tick_start(s);
	return 0;
}

void mon_src_close(struct mon_src *s)
{
	if (!s)
		return;
	if (s->ctl_fd >= 0) {
		ct_evloop_del_fd(s->ev, s->ctl_fd);
		close(s->ctl_fd);
	}
	if (s->poll_timer)
		ct_evloop_cancel_timer(s->ev, s->poll_timer);
	if (s->retry_timer)
		ct_evloop_cancel_timer(s->ev, s->retry_timer);
	mon_src_scan_close(s);
	mon_src_listen_stop(s);
	if (s->ipm_ok)
		ct_dipmsg_fini(&s->ipm);
	mon_src_capture_close(s);
	mon_src_doctor_stop(s);
	mon_src_live_close(s);
	mon_src_tick_stop(s);
	free(s->ctl_buf);
	free(s->seen);
	free(s);
}

int mon_src_finished(const struct mon_src *s)
{
	return s->replay_done;
}

const char *mon_src_describe(const struct mon_src *s)
{
	static char buf[512];
	const char *ctl = s->ctl_mode == MON_CTL_SUB ? "subscribed" : s->ctl_mode == MON_CTL_POLL ? "polled" :
		"connecting";

	if (s->o.replay)
		snprintf(buf, sizeof buf, "replay %s", s->o.replay);
	else if (s->ctl_fd >= 0)
		snprintf(buf, sizeof buf, "camtraced %s (%s), capture %s", s->o.ctl, ctl, s->cap ? "on" : "off");
	else
		snprintf(buf, sizeof buf, "no camtraced; UDP 2425 %s, capture %s", s->udp_fd >= 0 ? "heard" : "not heard",
			s->cap ? "on" : "off");
	return buf;
}
