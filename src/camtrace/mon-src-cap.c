/* mon-src-cap.c: the monitor's packet sources (the live capture or a replayed pcap, through sniff's trace pipeline and line renderer), UDP 2425 heard without a daemon, the once-a-second tick, the doctor child. */
#include "config.h"
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "json.h"
#include "mon-src-int.h"

#define REPLAY_BATCH 2000 /* frames per loop turn: the screen stays live while a big file is read */

/* A host from an IP Messenger datagram (entry class: BR_ENTRY, ANSENTRY, BR_ABSENCE, BR_EXIT). */
void mon_src_host_ipmsg(struct mon_src *s, const struct ct_dipmsg *d, int af, const uint8_t *src,
	uint16_t sport, const char *origin, int64_t now)
{
	struct mon_host h;
	uint32_t mode = d->m.mode;
	const char *op;

	if (d->status != 0 || !(mode == CT_IPMSG_BR_ENTRY || mode == CT_IPMSG_ANSENTRY ||
		mode == CT_IPMSG_BR_ABSENCE || mode == CT_IPMSG_BR_EXIT))
		return;
	memset(&h, 0, sizeof h);
	inet_ntop(af, src, h.addr, sizeof h.addr);
	h.port = sport;
	snprintf(h.user, sizeof h.user, "%.*s", (int)d->user_s.len, d->user_s.p);
	snprintf(h.host, sizeof h.host, "%.*s", (int)d->host_s.len, d->host_s.p);
	if (d->has_nick) {
		snprintf(h.nick, sizeof h.nick, "%.*s", (int)d->nick_s.len, d->nick_s.p);
		snprintf(h.group, sizeof h.group, "%.*s", (int)d->group_s.len, d->group_s.p);
	}
	if (d->m.version_extra && d->m.version.len > 2) /* "1_iptux 0.8.3": the client after "1_" */
		snprintf(h.program, sizeof h.program, "%.*s", (int)d->m.version.len - 2, d->m.version.p + 2);
	snprintf(h.origin, sizeof h.origin, "%s", origin);
	h.status = d->m.opts;
	op = mode == CT_IPMSG_BR_EXIT ? "exit" : (d->m.opts & CT_IPMSG_ABSENCEOPT) ? "absent" : "join";
	mon_model_host_seen(s->m, &h, op, now);
}

/* ---- the trace ---- */

static void on_line(const char *line, size_t len, void *ud)
{
	struct mon_src *s = ud;

	mon_model_packet(s->m, s->pkt_t, s->pkt_flags, line, len);
	if (s->pkt_flags & MON_PKT_UNANSWERED)
		mon_model_note(s->m, MON_EV_UNANSWERED, 1, NULL, s->pkt_t, "%.*s", (int)len, line);
	else if (s->pkt_flags & MON_PKT_ICMP)
		mon_model_note(s->m, MON_EV_ICMP, 1, NULL, s->pkt_t, "%.*s", (int)len, line);
}

static void on_unans(const struct ct_unans *u, void *ud)
{
	struct mon_src *s = ud;

	s->pkt_flags = MON_PKT_UNANSWERED;
	ct_render_unanswered(&s->rd, u);
	ct_out_flush(&s->rd.out, 1);
	s->pkt_flags = 0;
}

static void frame(struct mon_src *s, const struct ct_pkt *pkt)
{
	struct ct_trace_rec rec;

	ct_trace_frame(&s->tr, pkt, &rec);
	s->pkt_t = s->o.replay ? (int64_t)pkt->ts_sec * 1000 + pkt->ts_nsec / 1000000 : mon_src_now();
	s->pkt_flags = rec.pk.kind == CT_DK_RTP ? MON_PKT_RTP : rec.pk.kind == CT_DK_ICMP ? MON_PKT_ICMP : 0;
	ct_render_packet(&s->rd, &rec.pk, rec.im, rec.mr, rec.rs);
	ct_out_flush(&s->rd.out, 1);
	s->pkt_flags = 0;
	if (rec.rs) {
		struct mon_rtp r;
		memset(&r, 0, sizeof r);
		snprintf(r.key, sizeof r.key, "%u.%u.%u.%u:%u > %u.%u.%u.%u:%u", rec.pk.ip.src[0], rec.pk.ip.src[1],
			rec.pk.ip.src[2], rec.pk.ip.src[3], rec.pk.sport, rec.pk.ip.dst[0], rec.pk.ip.dst[1],
			rec.pk.ip.dst[2], rec.pk.ip.dst[3], rec.pk.dport);
		r.packets = rec.rs->packets;
		r.lost = ct_rtp_stream_lost(rec.rs) > 0 ? (uint64_t)ct_rtp_stream_lost(rec.rs) : 0;
		r.jitter_ms = ct_rtp_stream_jitter_ms(rec.rs);
		r.last = s->pkt_t;
		mon_model_rtp(s->m, &r);
	}
	if (s->o.replay && rec.im && rec.pk.ip.af && rec.pk.l4 == 17)
		mon_src_host_ipmsg(s, rec.im, rec.pk.ip.af, rec.pk.ip.src, rec.pk.sport, "replay", s->pkt_t);
}

static int trace_setup(struct mon_src *s)
{
	struct ct_trace_opts to = { 0 };

	if (ct_trace_init(&s->tr, &to, on_unans, s) != 0)
		return CT_ENOMEM;
	s->tr_ok = 1;
	ct_render_init_lines(&s->rd, 0, on_line, s);
	return 0;
}

static void replay_more(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct mon_src *s = ud;
	struct ct_pkt pkt;
	int r = 1;

	(void)id;
	s->replay_timer = 0;
	for (int i = 0; i < REPLAY_BATCH && (r = ct_capture_next(s->cap, &pkt)) == 1; i++)
		frame(s, &pkt);
	if (r == 1) {
		s->replay_timer = ct_evloop_add_timer(ev, 0, replay_more, s);
		return;
	}
	ct_trace_flush(&s->tr);
	ct_out_flush(&s->rd.out, 1);
	if (r < 0 && r != CT_ECLOSED)
		mon_model_note(s->m, MON_EV_STATUS, 2, NULL, s->pkt_t, "replay %s: %s", s->o.replay,
			ct_capture_error(s->cap));
	s->replay_done = 1;
}

int mon_src_replay_open(struct mon_src *s, char *err, size_t errlen)
{
	struct ct_sbuf f;
	int r;

	ct_sbuf_init(&f);
	ct_trace_filter(&f, 0, 0, 0, 0, NULL);
	r = f.err ? CT_ENOMEM : ct_capture_open_file(&s->cap, s->o.replay, f.p, err, errlen);
	ct_sbuf_fini(&f);
	if (r)
		return r;
	if (trace_setup(s) != 0) {
		snprintf(err, errlen, "out of memory");
		return CT_ENOMEM;
	}
	s->replay_timer = ct_evloop_add_timer(s->ev, 0, replay_more, s);
	return 0;
}

static void capture_read(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct mon_src *s = ud;
	struct ct_pkt pkt;
	int r, n = 0;

	(void)ev;
	(void)fd;
	(void)events;
	while (n++ < REPLAY_BATCH && (r = ct_capture_next(s->cap, &pkt)) == 1) {
		frame(s, &pkt);
		s->last_mono_ns = ct_mono_ns();
	}
}

void mon_src_capture_open(struct mon_src *s)
{
	/* in 50 ms blocks: the screen redraws at most 10 times a second, and at 10,000 packets/s
	 * one wake-up a packet cost more than the decoding (make bench-mon) */
	struct ct_capture_opts co = { .nonblock = 1, .buffer_kib = 4096, .batch_ms = 50 };
	struct ct_sbuf f;
	char err[512] = "";
	int r;

	ct_sbuf_init(&f);
	ct_trace_filter(&f, 0, 0, 0, 0, NULL);
	r = f.err ? CT_ENOMEM : ct_capture_open_live(&s->cap, s->o.iface, f.p, &co, err, sizeof err);
	ct_sbuf_fini(&f);
	if (r) {
		s->cap = NULL;
		mon_model_note(s->m, MON_EV_STATUS, 1, NULL, mon_src_now(), "no packet view: %s%s", err,
			r == CT_EPERM ? " (the capture needs root or CAP_NET_RAW: run with sudo)" : "");
		return;
	}
	if (trace_setup(s) != 0 || ct_evloop_add_fd(s->ev, ct_capture_fd(s->cap), CT_EV_READ, capture_read, s) != 0) {
		mon_src_capture_close(s);
		mon_model_note(s->m, MON_EV_STATUS, 1, NULL, mon_src_now(), "no packet view: out of memory");
	}
}

void mon_src_capture_close(struct mon_src *s)
{
	if (s->replay_timer)
		ct_evloop_cancel_timer(s->ev, s->replay_timer);
	s->replay_timer = 0;
	if (s->cap && !s->o.replay)
		ct_evloop_del_fd(s->ev, ct_capture_fd(s->cap));
	if (s->tr_ok) {
		ct_render_fini(&s->rd);
		ct_trace_fini(&s->tr);
		s->tr_ok = 0;
	}
	ct_capture_close(s->cap);
	s->cap = NULL;
}

/* ---- UDP 2425 without a daemon ---- */

static void udp_read(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct mon_src *s = ud;
	uint8_t buf[65536];
	struct sockaddr_storage ss;
	socklen_t sl;
	ssize_t n;

	(void)ev;
	(void)events;
	for (int i = 0; i < 256; i++) {
		sl = sizeof ss;
		n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
		if (n <= 0)
			return;
		if (ss.ss_family != AF_INET || !s->ipm_ok || ct_dipmsg_decode(&s->ipm, buf, (size_t)n) != 0)
			continue;
		{
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
			mon_src_host_ipmsg(s, &s->ipm, AF_INET, (const uint8_t *)&sin->sin_addr, ntohs(sin->sin_port),
				"broadcast", mon_src_now());
		}
	}
}

void mon_src_listen(struct mon_src *s)
{
	struct sockaddr_in sa;
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(2425);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		mon_model_note(s->m, MON_EV_STATUS, 1, NULL, mon_src_now(), "cannot listen on UDP 2425 (%s): no hosts "
			"heard (another IP Messenger client on this host holds the port?)", strerror(errno));
		close(fd);
		return;
	}
	if (!s->ipm_ok && ct_dipmsg_init(&s->ipm) == 0)
		s->ipm_ok = 1;
	s->udp_fd = fd;
	ct_evloop_add_fd(s->ev, fd, CT_EV_READ, udp_read, s);
	mon_model_note(s->m, MON_EV_STATUS, 0, NULL, mon_src_now(), "listening on UDP 2425 for BR_ENTRY, "
		"ANSENTRY, BR_ABSENCE and BR_EXIT");
}

void mon_src_listen_stop(struct mon_src *s)
{
	if (s->udp_fd >= 0) {
		ct_evloop_del_fd(s->ev, s->udp_fd);
		close(s->udp_fd);
		s->udp_fd = -1;
		s->stopped_listen = 1;
	}
}

/* ---- the tick: hosts heard locally go lost; requests of the live capture time out ---- */

static void tick(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct mon_src *s = ud;

	(void)id;
	mon_model_expire(s->m, mon_src_now(), (int64_t)(s->o.lost_after_s * 1000));
	if (s->cap && s->tr_ok && s->tr.last_ts_ns) {
		ct_trace_expire(&s->tr, s->tr.last_ts_ns + (int64_t)(ct_mono_ns() - s->last_mono_ns));
		ct_out_flush(&s->rd.out, 1);
	}
	s->tick_timer = ct_evloop_add_timer(ev, 1000, tick, s);
}

void mon_src_tick_start(struct mon_src *s)
{
	s->tick_timer = ct_evloop_add_timer(s->ev, 1000, tick, s);
}

void mon_src_tick_stop(struct mon_src *s)
{
	if (s->tick_timer)
		ct_evloop_cancel_timer(s->ev, s->tick_timer);
	s->tick_timer = 0;
}

/* ---- the doctor, as a child ---- */

static void doctor_done(struct mon_src *s)
{
	struct ct_json *j = NULL;
	const struct ct_json *v;
	int st = 0;
	int64_t now = mon_src_now();

	ct_evloop_del_fd(s->ev, s->doc_fd);
	close(s->doc_fd);
	s->doc_fd = -1;
	waitpid(s->doc_pid, &st, 0); /* it closed its output: it is exiting */
	s->doc_pid = 0;
	if (s->doc_buf && ct_json_parse(s->doc_buf, s->doc_len, &j) == 0 && (v = ct_json_get(j, "verdict")))
		mon_model_doctor(s->m, s->doc_key, MON_DOC_DONE, ct_json_get_str(v, "class"),
			ct_json_get_str(v, "finding"), now);
	else
		mon_model_doctor(s->m, s->doc_key, MON_DOC_FAILED, "", WIFEXITED(st) ?
			"camtrace doctor gave no verdict" : "camtrace doctor was killed", now);
	ct_json_free(j);
	free(s->doc_buf);
	s->doc_buf = NULL;
	s->doc_len = 0;
}

static void doctor_read(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct mon_src *s = ud;
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof buf);

	(void)ev;
	(void)events;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0 && s->doc_len < (1u << 24)) {
		char *p = realloc(s->doc_buf, s->doc_len + (size_t)n + 1);
		if (p) {
			memcpy(p + s->doc_len, buf, (size_t)n);
			s->doc_len += (size_t)n;
			p[s->doc_len] = '\0';
			s->doc_buf = p;
		}
		return;
	}
	doctor_done(s);
}

int mon_src_doctor(struct mon_src *s, const char *key)
{
	struct mon_host *h = mon_model_host_find(s->m, key);
	int p[2];
	pid_t pid;

	if (!h)
		return CT_ENOTFOUND;
	if (s->doc_pid)
		return CT_EAGAIN;
	if (pipe2(p, O_CLOEXEC) != 0)
		return CT_ESYS;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return CT_ESYS;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		const char *self = s->o.self ? s->o.self : "camtrace";
		dup2(p[1], STDOUT_FILENO);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execl("/proc/self/exe", self, "doctor", "--user", h->addr, "--json", (char *)NULL);
		execlp(self, self, "doctor", "--user", h->addr, "--json", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	s->doc_pid = pid;
	s->doc_fd = p[0];
	snprintf(s->doc_key, sizeof s->doc_key, "%s", key);
	ct_evloop_add_fd(s->ev, p[0], CT_EV_READ, doctor_read, s);
	mon_model_doctor(s->m, key, MON_DOC_RUNNING, "", "running camtrace doctor", mon_src_now());
	return 0;
}

void mon_src_doctor_stop(struct mon_src *s)
{
	if (s->doc_pid) {
		kill(s->doc_pid, SIGTERM);
		waitpid(s->doc_pid, NULL, 0);
		s->doc_pid = 0;
	}
	if (s->doc_fd >= 0) {
		ct_evloop_del_fd(s->ev, s->doc_fd);
		close(s->doc_fd);
		s->doc_fd = -1;
	}
	free(s->doc_buf);
	s->doc_buf = NULL;
}
