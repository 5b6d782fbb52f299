/* mon-model-snap.c: the monitor's snapshot (s): every view as text and as one JSON document, saved side by side. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "mon-model-int.h"
#include "fsutil.h"
#include "jsonw.h"
#include "version.h"

#define SNAP_WIDTH 200 /* the text snapshot's Hosts table width */

void mon_model_snapshot_text(struct mon_model *m, int64_t now, struct ct_sbuf *out)
{
	struct mon_host *const *rows;
	const struct mon_segment *const *segs;
	const struct mon_rtp *const *rtp;
	const struct mon_counters *c = &m->cnt;
	char ts[40];
	size_t n;

	mon_model_iso(now, ts, sizeof ts);
	ct_sbuf_printf(out, "camtrace monitor snapshot %s\nview %s, sort %s%s, filter \"%s\"%s%s\n\n", ts,
		mon_view_name(m->vs.view), mon_sort_name(m->vs.sort), m->vs.reverse ? " (reversed)" : "",
		m->vs.filter, m->vs.paused ? ", PAUSED" : "", m->vs.frozen ? ", order frozen" : "");
	ct_sbuf_printf(out, "counters: %llu events, %llu packets, %llu unanswered, %llu icmp, %llu joins, "
		"%llu exits, %llu flaps, %llu fetches (%llu failed), %llu dropped by camtraced\n\n",
		(unsigned long long)c->events, (unsigned long long)c->packets, (unsigned long long)c->unanswered,
		(unsigned long long)c->icmp, (unsigned long long)c->joins, (unsigned long long)c->exits,
		(unsigned long long)c->flaps, (unsigned long long)c->fetches, (unsigned long long)c->fetch_fail,
		(unsigned long long)c->daemon_lost);
	n = mon_model_host_rows(m, &rows);
	ct_sbuf_printf(out, "HOSTS (%zu)\n", n);
	mon_model_host_header(m, SNAP_WIDTH, out);
	ct_sbuf_addc(out, '\n');
	for (size_t i = 0; i < n; i++) {
		mon_model_host_line(m, rows[i], SNAP_WIDTH, now, out);
		ct_sbuf_addc(out, '\n');
	}
	n = mon_model_segment_rows(m, &segs);
	ct_sbuf_printf(out, "\nSEGMENTS (%zu)\n", n);
	mon_model_segment_header(SNAP_WIDTH, out);
	ct_sbuf_addc(out, '\n');
	for (size_t i = 0; i < n; i++) {
		mon_model_segment_line(segs[i], SNAP_WIDTH, now, out);
		ct_sbuf_addc(out, '\n');
	}
	n = mon_model_rtp_rows(m, &rtp);
	if (n)
		ct_sbuf_printf(out, "\nRTP STREAMS (%zu)\n", n);
	for (size_t i = 0; i < n; i++)
		ct_sbuf_printf(out, "%s: %llu packets, %llu lost, jitter %.2f ms\n", rtp[i]->key,
			(unsigned long long)rtp[i]->packets, (unsigned long long)rtp[i]->lost, rtp[i]->jitter_ms);
	n = mon_model_event_count(m);
	ct_sbuf_printf(out, "\nEVENTS (%zu)\n", n);
	for (size_t i = 0; i < n; i++) {
		mon_model_event_line(mon_model_event_at(m, i), 0, 1, out);
		ct_sbuf_addc(out, '\n');
	}
	n = mon_model_packet_count(m);
	ct_sbuf_printf(out, "\nPACKETS (%zu)\n", n);
	for (size_t i = 0; i < n; i++)
		ct_sbuf_printf(out, "%s\n", mon_model_packet_at(m, i)->line);
}

static void probe_json(struct ct_out *o, const struct mon_probe *p)
{
	ct_jw_key(o, "probe", 0);
	ct_out_putc(o, '{');
	ct_jw_key(o, "active", 1);
	ct_out_puts(o, p->active ? "true" : "false");
	ct_jw_kint(o, "udp_sent", p->udp_sent);
	ct_jw_kint(o, "udp_answered", p->udp_answered);
	ct_jw_kfixed(o, "udp_rtt_ms", p->udp_rtt_ms >= 0 ? p->udp_rtt_ms : 0.0 / 0.0, 3);
	ct_jw_kstr(o, "tcp_state", p->tcp_state);
	ct_jw_kint(o, "icmp_sent", p->icmp_sent);
	ct_jw_kint(o, "icmp_received", p->icmp_recv);
	ct_jw_kfixed(o, "icmp_rtt_ms", p->icmp_rtt_ms >= 0 ? p->icmp_rtt_ms : 0.0 / 0.0, 3);
	ct_jw_kstr(o, "icmp_error", p->icmp_error);
	ct_out_putc(o, '}');
}

static void host_json(struct ct_out *o, const struct mon_host *h)
{
	static const char *const doc[] = { "none", "running", "done", "failed" };

	mon_model_host_record(h, o);
	o->len--; /* reopen the record for the monitor's own members */
	ct_jw_kint(o, "flaps", h->flaps);
	ct_jw_kint(o, "joins", h->joins);
	ct_jw_kint(o, "exits", h->exits);
	ct_jw_kint(o, "losts", h->losts);
	ct_jw_kbool(o, "pinned", h->pinned);
	ct_jw_kbool(o, "gone", h->gone);
	probe_json(o, &h->probe);
	ct_jw_kstr(o, "doctor", doc[h->doctor]);
	ct_jw_kstr(o, "doctor_verdict", h->doctor_verdict);
	ct_out_putc(o, '}');
}

static void segment_json(struct ct_out *o, const struct mon_segment *s)
{
	char a[40], b[40];

	mon_model_iso(s->last_notify, a, sizeof a);
	mon_model_iso(s->last_fetch, b, sizeof b);
	ct_out_putc(o, '{');
	ct_jw_key(o, "net", 1);
	ct_jw_str(o, s->net, strlen(s->net));
	ct_jw_kint(o, "online", s->online);
	ct_jw_kint(o, "absent", s->absent);
	ct_jw_kint(o, "lost", s->lost);
	ct_jw_kint(o, "unstable", s->unstable);
	ct_jw_kint(o, "total", s->total);
	ct_jw_kstr(o, "server", s->server);
	ct_jw_kstr(o, "last_notify", s->last_notify ? a : "");
	ct_jw_kstr(o, "last_fetch", s->last_fetch ? b : "");
	ct_jw_kstr(o, "fetch_result", s->fetch_result);
	ct_out_putc(o, '}');
}

void mon_model_snapshot_json(struct mon_model *m, int64_t now, struct ct_out *o)
{
	struct mon_host *const *rows;
	const struct mon_segment *const *segs;
	const struct mon_counters *c = &m->cnt;
	size_t n;

	ct_out_puts(o, "{\"schema_version\":1,\"command\":\"monitor\"");
	ct_jw_kstr(o, "camtrace_version", ct_version());
	ct_jw_kint(o, "t", now);
	ct_jw_kstr(o, "view", mon_view_name(m->vs.view));
	ct_jw_kstr(o, "sort", mon_sort_name(m->vs.sort));
	ct_jw_kbool(o, "reverse", m->vs.reverse);
	ct_jw_kstr(o, "filter", m->vs.filter);
	ct_jw_kbool(o, "paused", m->vs.paused);
	ct_jw_kbool(o, "frozen", m->vs.frozen);
	ct_jw_key(o, "counters", 0);
	ct_out_puts(o, "{\"since\":");
	{
		char num[24];
		snprintf(num, sizeof num, "%lld", (long long)c->since);
		ct_out_puts(o, num);
	}
	ct_jw_kint(o, "events", (int64_t)c->events);
	ct_jw_kint(o, "packets", (int64_t)c->packets);
	ct_jw_kint(o, "unanswered", (int64_t)c->unanswered);
	ct_jw_kint(o, "icmp", (int64_t)c->icmp);
	ct_jw_kint(o, "joins", (int64_t)c->joins);
	ct_jw_kint(o, "exits", (int64_t)c->exits);
	ct_jw_kint(o, "flaps", (int64_t)c->flaps);
	ct_jw_kint(o, "fetches", (int64_t)c->fetches);
	ct_jw_kint(o, "fetch_failures", (int64_t)c->fetch_fail);
	ct_jw_kint(o, "daemon_lost", (int64_t)c->daemon_lost);
	ct_jw_kint(o, "dropped", (int64_t)c->dropped);
	ct_out_putc(o, '}');
	n = mon_model_host_rows(m, &rows);
	ct_jw_key(o, "hosts", 0);
	ct_out_putc(o, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			ct_out_putc(o, ',');
		host_json(o, rows[i]);
	}
	ct_out_putc(o, ']');
	n = mon_model_segment_rows(m, &segs);
	ct_jw_key(o, "segments", 0);
	ct_out_putc(o, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			ct_out_putc(o, ',');
		segment_json(o, segs[i]);
	}
	ct_out_putc(o, ']');
	n = mon_model_event_count(m);
	ct_jw_key(o, "events", 0);
	ct_out_putc(o, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			ct_out_putc(o, ',');
		ct_out_puts(o, mon_model_event_at(m, i)->json);
	}
	ct_out_putc(o, ']');
	n = mon_model_packet_count(m);
	ct_jw_key(o, "packets", 0);
	ct_out_putc(o, '[');
	for (size_t i = 0; i < n; i++) {
		const char *l = mon_model_packet_at(m, i)->line;
		if (i)
			ct_out_putc(o, ',');
		ct_jw_str(o, l, strlen(l));
	}
	ct_out_puts(o, "]}\n");
}

static int write_file(const char *path, const char *p, size_t n, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return CT_ESYS;
	}
	if (ct_fs_write_full(fd, p, n) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return CT_ESYS;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return CT_ESYS;
	}
	return 0;
}

int mon_model_snapshot_save(struct mon_model *m, const char *dir, int64_t now, char *path, size_t pathlen,
	char *err, size_t errlen)
{
	time_t s = (time_t)(now / 1000);
	struct tm tm;
	char stamp[32], txt[4096], json[4096];
	struct ct_sbuf b;
	struct ct_out o;
	int rc;

	if (!dir)
		dir = getenv("CAMTRACE_SNAPDIR");
	if (!dir || !*dir)
		dir = ".";
	gmtime_r(&s, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	snprintf(txt, sizeof txt, "%s/monitor-%s.txt", dir, stamp);
	snprintf(json, sizeof json, "%s/monitor-%s.json", dir, stamp);
	ct_sbuf_init(&b);
	mon_model_snapshot_text(m, now, &b);
	rc = b.err ? CT_ENOMEM : write_file(txt, b.p ? b.p : "", b.len, err, errlen);
	ct_sbuf_fini(&b);
	if (rc == CT_ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc)
		return rc;
	ct_out_init_buf(&o);
	mon_model_snapshot_json(m, now, &o);
	rc = o.oom ? CT_ENOMEM : write_file(json, o.p, o.len, err, errlen);
	free(o.p);
	if (rc == CT_ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (!rc)
		mon_model_copy(path, pathlen, txt);
	return rc;
}
