/* probe-ipmsg.c: IP Messenger application probe: GETINFO, then BR_ENTRY|DIALUPOPT, answers decoded with the codec. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "entry.h"
#include "err.h"
#include "log.h"
#include "pktno.h"
#include "icmpname.h"
#include "probe-ipmsg.h"
#include "util.h"

static uint32_t pktno_last; /* ct_pktno_next(): unique across runs */

static size_t build(uint32_t packetno, uint32_t command, int entry_body, const char *body,
	uint8_t *buf, size_t cap)
{
	struct ct_sbuf b;
	char host[64] = "camtrace";
	size_t n = 0;
	int r;

	(void)gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = 0;
	ct_codec_name_sanitize(host);
	if (!host[0])
		ct_strlcpy(host, "camtrace", sizeof host);
	ct_sbuf_init(&b);
	if (entry_body) {
		struct ct_entry_spec sp = { .form = CT_ENTRY_FORM_WIN, .user = "camtrace", .host = host,
					    .nick = "camtrace probe", .group = "", .legacy_cs = CT_CS_CP932 };
		r = ct_entry_build(&b, NULL, packetno, command, &sp);
	} else {
		r = ct_codec_build(&b, NULL, packetno, "camtrace", host, command, body, strlen(body), 1);
	}
	if (r == 0 && !b.err && b.len <= cap) {
		memcpy(buf, b.p, b.len);
		n = b.len;
	}
	ct_sbuf_fini(&b);
	return n;
}

size_t ct_app_build(uint32_t packetno, uint32_t command, int entry_body, uint8_t *buf, size_t cap)
{
	return build(packetno, command, entry_body, "", buf, cap);
}

size_t ct_app_build_getfiledata(uint8_t *buf, size_t cap)
{
	return build(ct_pktno_seed(), CT_IPMSG_GETFILEDATA, 0, "0:0:0:", buf, cap);
}

struct app_ctx {
	uint32_t command;
	int entry_body;
};

static size_t app_payload(struct ct_probe_set *s, struct ct_probe *p, uint8_t *buf, size_t cap)
{
	const struct app_ctx *c = s->ud;

	return ct_app_build(p->seq, c->command, c->entry_body, buf, cap);
}

uint32_t ct_app_answer_mode(uint32_t command)
{
	switch (command & 0xffu) {
	case CT_IPMSG_GETINFO: return CT_IPMSG_SENDINFO;
	case CT_IPMSG_BR_ENTRY: return CT_IPMSG_ANSENTRY;
	case CT_IPMSG_GETABSENCEINFO: return CT_IPMSG_SENDABSENCEINFO;
	case CT_IPMSG_SENDMSG: return CT_IPMSG_RECVMSG;
	default: return 0;
	}
}

/* The quote in an ICMP error names the packet number we sent. A datagram from the target is an
 * answer only in the answering mode: IP Messenger's answers carry no packet number of ours, and
 * the target's own traffic to this port (a liveness BR_ENTRY from a camtraced, a BR_EXIT) must not
 * make a port that drops our question look open. */
static int app_match(struct ct_probe_set *s, const uint8_t *data, size_t len, int quoted)
{
	const struct app_ctx *c = s->ud;
	struct ct_ipmsg m;
	int idx = -1;

	if (!quoted) {
		uint32_t want = ct_app_answer_mode(c->command);
		if (!want)
			return -1;
		if (ct_codec_parse(&m, data, len) == 0 && m.mode != want)
			idx = CT_PROBE_NOT_ANSWER;
		ct_codec_fini(&m);
		return idx;
	}
	if (ct_codec_parse(&m, data, len) == 0) {
		for (size_t i = 0; i < s->n; i++)
			if (s->probes[i].seq == m.packetno)
				idx = (int)i;
	}
	ct_codec_fini(&m);
	return idx;
}

static void copy_slice(char *dst, size_t cap, const struct ct_slice *sl)
{
	size_t n = sl->p ? (sl->len < cap - 1 ? sl->len : cap - 1) : 0;

	if (n)
		memcpy(dst, sl->p, n);
	dst[n] = 0;
}

void ct_app_name_program(const char *version, const char *info, const char *verinfo, char *out, size_t outlen)
{
	unsigned type = 0, maj = 0, min = 0, rev = 0;

	if (version && strncmp(version, "1_iptux", 7) == 0) {
		snprintf(out, outlen, "iptux%s%s", version[7] ? " " : "", version[7] == ' ' ? version + 8 : version + 7);
		return;
	}
	if (verinfo && sscanf(verinfo, "%x:%u:%u:%u", &type, &maj, &min, &rev) == 4) {
		const char *os = type == 0x10001 ? "Windows (32-bit)" : type == 0x10002 ? "Windows (64-bit)" :
			type == 0x20000 ? "Mac" : type == 0x30000 ? "iOS" : type == 0x40000 ? "Android" : "unknown platform";
		char r[16];
		if (rev >= 100)
			snprintf(r, sizeof r, "r%u", rev - 100);
		else if (rev >= 50)
			snprintf(r, sizeof r, "b%u", rev - 50);
		else
			snprintf(r, sizeof r, "a%u", rev);
		snprintf(out, outlen, "IP Messenger for %s %u.%02u%s", os, maj, min, r);
		return;
	}
	if (info && info[0]) {
		snprintf(out, outlen, "%s", info);
		return;
	}
	if (version && version[0] && strcmp(version, "1") != 0)
		snprintf(out, outlen, "IP Messenger compatible (version field \"%s\")", version);
	else
		snprintf(out, outlen, "IP Messenger compatible");
}

/* Decodes an answer into res; returns 1 if it was an IPMsg packet. */
static int take_answer_data(struct ct_app_result *res, const uint8_t *data, size_t len)
{
	struct ct_ipmsg m;
	struct ct_entry e;
	int ok = 0;

	if (ct_codec_parse(&m, data, len) == 0) {
		ok = 1;
		res->reply_cmd = m.command;
		copy_slice(res->version, sizeof res->version, &m.version);
		copy_slice(res->user, sizeof res->user, &m.user);
		copy_slice(res->host, sizeof res->host, &m.host);
		memset(&e, 0, sizeof e);
		if (m.mode == CT_IPMSG_SENDINFO && m.nsec > 0)
			copy_slice(res->info, sizeof res->info, &m.sec[0]);
		if (ct_entry_is_entry_cmd(m.command) && ct_entry_parse(&m, &e) == 0) {
			ct_strlcpy(res->nick, e.nick ? e.nick : "", sizeof res->nick);
			ct_strlcpy(res->group, e.group ? e.group : "", sizeof res->group);
			if (e.user && e.user[0])
				ct_strlcpy(res->user, e.user, sizeof res->user);
			if (e.host && e.host[0])
				ct_strlcpy(res->host, e.host, sizeof res->host);
		}
		ct_app_name_program(res->version, res->info, e.verinfo, res->program, sizeof res->program);
		ct_entry_fini(&e);
	}
	ct_codec_fini(&m);
	return ok;
}

static int take_answer(struct ct_app_result *res, const struct ct_probe *p)
{
	return take_answer_data(res, p->reply.data, p->reply.dlen);
}

int ct_app_answer_program(const uint8_t *data, size_t len, char *out, size_t outlen)
{
	struct ct_app_result res;

	memset(&res, 0, sizeof res);
	if (!take_answer_data(&res, data, len))
		return 0;
	ct_strlcpy(out, res.program, outlen);
	return 1;
}

/* A UDP probe set toward dst (or o->dst6) with n zeroed probes, for the application and control checks. */
static void udp_set(struct ct_probe_set *s, struct ct_prober *pr, uint32_t dst, const struct ct_app_opts *o,
	struct ct_probe *probes, size_t n)
{
	memset(s, 0, sizeof *s);
	memset(probes, 0, n * sizeof *probes);
	s->ops = &ct_probe_udp_ops;
	s->pr = pr;
	s->dst = dst;
	s->src = o->src;
	s->family = o->family == AF_INET6 ? AF_INET6 : 0;
	s->dst6 = o->dst6;
	s->src6 = o->src6;
	s->probes = probes;
	s->n = n;
	s->use_raw = o->use_raw;
}

/* One host's probe set of the current step. */
struct step {
	struct ct_probe probes[8];
	struct ct_probe_set s;
	struct app_ctx c;
	int active;
};

/* Sets up the GETINFO / BR_ENTRY step of one host. */
static void step_setup(struct step *st, struct ct_prober *pr, const struct ct_app_job *j, uint32_t command,
	int entry_body)
{
	const struct ct_app_opts *o = j->o;
	int tries = o->tries > 0 && o->tries <= 8 ? o->tries : 2;
	uint64_t wait = o->wait_ns ? o->wait_ns : 1000000000ull;

	udp_set(&st->s, pr, j->dst, o, st->probes, (size_t)tries);
	st->c = (struct app_ctx){ command, entry_body };
	st->s.want_any_port = 1;
	st->s.stop_on_answer = 1;
	st->s.payload = app_payload;
	st->s.match = app_match;
	st->s.ud = &st->c;
	st->s.gap_ns = wait / (uint64_t)tries / 2;
	st->s.wait_ns = wait;
	for (int i = 0; i < tries; i++) {
		st->probes[i].sport = o->sport ? o->sport : CT_IPMSG_PORT;
		st->probes[i].dport = o->dport ? o->dport : CT_IPMSG_PORT;
		st->probes[i].seq = ct_pktno_next(&pktno_last);
		st->probes[i].ip_id = (uint16_t)(0x4000 + (st->probes[i].seq & 0x3fff));
	}
	st->active = 1;
}

/* What one host's step brought: 1 an answer (IPMsg or ICMP error), 0 silence, < 0 an error. */
static int step_result(struct step *st, struct ct_app_job *j)
{
	struct ct_app_result *res = &j->res;

	for (size_t i = 0; i < st->s.n; i++)
		res->sent += st->probes[i].sent > 0;
	if (!res->first_ns && st->probes[0].sent > 0)
		res->first_ns = st->probes[0].sent_ns;
	if (st->s.rc != 0) {
		snprintf(j->err, sizeof j->err, "%s", st->s.err[0] ? st->s.err : ct_strerror(st->s.rc));
		return j->rc = st->s.rc;
	}
	for (size_t i = 0; i < st->s.n; i++) {
		const struct ct_probe *p = &st->probes[i];
		if (!p->answered)
			continue;
		if (p->reply.kind == CT_RK_UDP && take_answer(res, p)) {
			res->state = CT_PORT_OPEN;
			res->rtt_ns = p->reply.rtt_ns;
			res->reply_ttl = p->reply.ttl;
			res->reply_to_2425 = p->reply.dport == CT_IPMSG_PORT && p->sport != CT_IPMSG_PORT;
			return 1;
		}
		if (p->reply.kind == CT_RK_ICMP && res->icmp.kind == CT_RK_NONE) {
			res->icmp = p->reply;
			res->state = ct_probe_udp_state(p);
			res->rtt_ns = p->reply.rtt_ns;
			res->icmp_after_ns = p->sent_ns + p->reply.rtt_ns - res->first_ns;
			res->host_down = ct_probes_host_down(st->probes, st->s.n, res->first_ns, st->s.family, st->s.src,
				&st->s.src6);
		}
	}
	return res->icmp.kind ? 1 : 0;
}

/* Runs the active steps of every host at once. */
static void steps_run(struct step *st, size_t n)
{
	struct ct_probe_set **sets = calloc(n ? n : 1, sizeof *sets);
	size_t k = 0;

	if (!sets) {
		for (size_t i = 0; i < n; i++)
			if (st[i].active)
				(void)ct_probe_run(&st[i].s);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (st[i].active)
			sets[k++] = &st[i].s;
	(void)ct_probe_run_many(sets, k);
	free(sets);
}

/* The control datagram of one host (a port nothing should listen on). */
/* 1 when a silent host gets the control datagram after the application steps. */
static int has_control(const struct ct_app_opts *o)
{
	uint16_t cport = o->control_port ? o->control_port : 33434;

	return cport != 65535 && cport != (o->dport ? o->dport : CT_IPMSG_PORT);
}

static int control_setup(struct step *st, struct ct_prober *pr, struct ct_app_job *j, uint64_t t0)
{
	const struct ct_app_opts *o = j->o;
	uint16_t cport = o->control_port ? o->control_port : 33434;

	if (!has_control(o))
		return 0;
	udp_set(&st->s, pr, j->dst, o, st->probes, 2);
	st->s.silent_until_ns = t0 + CT_PROBE_ARP_NS; /* the last step: catch a late host unreachable */
	st->s.wait_ns = o->wait_ns ? o->wait_ns : 1000000000ull;
	st->s.gap_ns = st->s.wait_ns / 4;
	for (int i = 0; i < 2; i++) {
		st->probes[i].sport = (uint16_t)(40000 + ((unsigned)getpid() % 20000));
		st->probes[i].dport = cport;
		st->probes[i].seq = (uint32_t)i;
		st->probes[i].ip_id = (uint16_t)(0x7000 + ((ct_pktno_next(&pktno_last) & 0x7ff) << 1) + i);
	}
	j->res.control_port = cport;
	st->active = 1;
	return 1;
}

static void control_result(struct step *st, struct ct_app_job *j)
{
	struct ct_app_result *res = &j->res;

	if (st->s.rc != 0)
		return;
	for (int i = 0; i < 2; i++)
		if (st->probes[i].answered) {
			uint64_t after = st->probes[i].sent_ns + st->probes[i].reply.rtt_ns - res->first_ns;
			res->control = st->probes[i].reply;
			if (ct_reply_host_down(&res->control, UINT64_MAX, st->s.family, st->s.src, &st->s.src6) &&
			    ct_probes_host_down(st->probes, 2, res->first_ns, st->s.family, st->s.src, &st->s.src6)) {
				/* the address does not answer ARP: no firewall question */
				res->icmp = res->control;
				res->icmp_after_ns = after;
				res->rtt_ns = st->probes[i].reply.rtt_ns;
				res->host_down = 1;
				res->state = CT_PORT_FILTERED;
				break;
			}
			/* the host answers UDP elsewhere: the silence on our port is a firewall */
			if (res->control.kind == CT_RK_ICMP && ct_probe_from_target(&st->probes[i], &res->control) &&
			    ct_icmp_verdict(ct_reply_icmp_family(&res->control), res->control.icmp_type,
				    res->control.icmp_code) == CT_ICMPV_CLOSED)
				res->state = CT_PORT_FILTERED;
			break;
		}
}

/* Withdraws what the BR_ENTRY announced: one BR_EXIT from the same port, so no list keeps a
 * ghost "camtrace probe" (iptux, IP Messenger and camtraced add the sender of a BR_ENTRY). */
static void exit_setup(struct step *st, struct ct_prober *pr, struct ct_app_job *j)
{
	const struct ct_app_opts *o = j->o;

	udp_set(&st->s, pr, j->dst, o, st->probes, 1);
	st->c = (struct app_ctx){ CT_IPMSG_BR_EXIT | CT_IPMSG_DIALUPOPT | CT_IPMSG_CAPUTF8OPT, 1 };
	st->s.payload = app_payload;
	st->s.ud = &st->c;
	st->probes[0].sport = o->sport ? o->sport : CT_IPMSG_PORT;
	st->probes[0].dport = o->dport ? o->dport : CT_IPMSG_PORT;
	st->probes[0].seq = ct_pktno_next(&pktno_last);
	st->probes[0].ip_id = (uint16_t)(0x4000 + (st->probes[0].seq & 0x3fff));
	st->active = 1;
}

int ct_app_probe_many(struct ct_prober *pr, struct ct_app_job *jobs, size_t n)
{
	struct step *st = calloc(n ? n : 1, sizeof *st);
	uint64_t t0 = ct_mono_ns();
	int any;

	if (!st)
		return CT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		memset(&jobs[i].res, 0, sizeof jobs[i].res);
		jobs[i].rc = 0;
		jobs[i].err[0] = 0;
		jobs[i].res.reply_ttl = -1;
		jobs[i].res.sport = jobs[i].o->sport ? jobs[i].o->sport : CT_IPMSG_PORT;
		step_setup(&st[i], pr, &jobs[i], CT_IPMSG_GETINFO, 0);
		if (jobs[i].o->no_entry && !has_control(jobs[i].o))
			st[i].s.silent_until_ns = t0 + CT_PROBE_ARP_NS;
	}
	steps_run(st, n);
	any = 0;
	for (size_t i = 0; i < n; i++) {
		int r = step_result(&st[i], &jobs[i]);
		st[i].active = 0;
		if (r > 0)
			jobs[i].res.answered_getinfo = jobs[i].res.state == CT_PORT_OPEN;
		else if (r == 0 && !jobs[i].o->no_entry) {
			/* GETINFO unanswered (iptux ignores it): BR_ENTRY|DIALUPOPT, which adds us to the list */
			jobs[i].res.entry_sent = 1;
			step_setup(&st[i], pr, &jobs[i], CT_IPMSG_BR_ENTRY | CT_IPMSG_DIALUPOPT | CT_IPMSG_CAPUTF8OPT, 1);
			if (!has_control(jobs[i].o))
				st[i].s.silent_until_ns = t0 + CT_PROBE_ARP_NS;
			any = 1;
		} else if (r == 0)
			jobs[i].res.state = CT_PORT_OPEN_FILTERED;
	}
	if (any)
		steps_run(st, n);
	any = 0;
	for (size_t i = 0; i < n; i++) {
		int r = 0;
		if (st[i].active) {
			r = step_result(&st[i], &jobs[i]);
			st[i].active = 0;
			if (r > 0)
				jobs[i].res.answered_entry = jobs[i].res.state == CT_PORT_OPEN;
			else if (r == 0)
				jobs[i].res.state = CT_PORT_OPEN_FILTERED;
		}
		if (!jobs[i].rc && jobs[i].res.state == CT_PORT_OPEN_FILTERED)
			any |= control_setup(&st[i], pr, &jobs[i], t0);
	}
	if (any)
		steps_run(st, n);
	any = 0;
	for (size_t i = 0; i < n; i++) {
		if (st[i].active)
			control_result(&st[i], &jobs[i]);
		st[i].active = 0;
		if (jobs[i].res.entry_sent && !jobs[i].rc && !jobs[i].res.host_down) {
			exit_setup(&st[i], pr, &jobs[i]);
			any = 1;
		}
	}
	if (any)
		steps_run(st, n);
	for (size_t i = 0; i < n; i++)
		jobs[i].res.exit_sent = st[i].active && st[i].s.rc == 0 && st[i].probes[0].sent > 0;
	free(st);
	return 0;
}

int ct_app_probe(struct ct_prober *pr, uint32_t dst, const struct ct_app_opts *o, struct ct_app_result *res,
	char *err, size_t errlen)
{
	struct ct_app_job j = { .dst = dst, .o = o };
	int r = ct_app_probe_many(pr, &j, 1);

	*res = j.res;
	snprintf(err, errlen, "%s", j.err);
	return r ? r : j.rc;
}
