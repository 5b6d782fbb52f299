/* coop.c: the cooperative user <-> server check: CTCP wire format, the check engine on the node's UDP 2425 socket, the responder and the requester. */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bytes.h"
#include "clock.h"
#include "codec.h"
#include "coop.h"
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "node.h"
#include "pace.h"
#include "probe-ipmsg.h"
#include "sbuf.h"
#include "sockerr.h"
#include "targets.h"
#include "util.h"

/* ---- the check engine ---- */

#define COOP_MAX_CHECKS 16
#define COOP_HEARD_SLOTS 64

struct check {
	struct ct_coop *c;
	int used;
	uint32_t target;
	unsigned checks;
	uint64_t sent_ns;         /* last GETINFO */
	uint64_t entry_ns;        /* the BR_ENTRY|DIALUPOPT fallback, 0 not sent */
	uint64_t tcp_ns;
	int tcp_fd;
	int side_fd;              /* the same GETINFO from an ephemeral port: its ICMP errors */
	uint64_t t_resend, t_end, t_done;
	struct ct_coop_result res;
	ct_coop_done_fn done;
	void *ud;
	/* responder: where the answer goes */
	int ans_fd;
	struct sockaddr_in ans_to;
	struct ct_coop_msg req;
};

struct ct_coop {
	struct ct_node *node;
	struct ct_evloop *ev;
	struct check ck[COOP_MAX_CHECKS];
	struct { uint32_t addr; uint64_t ms; } heard[COOP_HEARD_SLOTS]; /* last packet from addr:2425 */
	/* responder */
	int serving;
	struct ct_haddr *allowed;
	size_t nallowed;
	struct ct_targets allow_ts;
	struct ct_ratelim *rl;
	struct ct_coop_stats st;
};

static void send_getinfo(struct check *k)
{
	struct ct_haddr to;

	ct_haddr_set_v4(&to, ntohl(k->target), 2425);
	k->sent_ns = ct_mono_ns();
	if (ct_node_send(k->c->node, &to, CT_IPMSG_GETINFO, "", 0) != 0)
		log_debug("coop: GETINFO to %s failed", inet_ntoa((struct in_addr){ k->target }));
}

static void tcp_close(struct check *k)
{
	if (k->tcp_fd >= 0) {
		ct_evloop_del_fd(k->c->ev, k->tcp_fd);
		close(k->tcp_fd);
		k->tcp_fd = -1;
	}
}

static void side_close(struct check *k)
{
	if (k->side_fd >= 0) {
		ct_evloop_del_fd(k->c->ev, k->side_fd);
		close(k->side_fd);
		k->side_fd = -1;
	}
}

static void finish(struct check *k)
{
	struct ct_coop *c = k->c;
	ct_coop_done_fn done = k->done;
	void *ud = k->ud;
	struct ct_coop_result res;

	ct_evloop_cancel_timer(c->ev, k->t_resend);
	ct_evloop_cancel_timer(c->ev, k->t_end);
	ct_evloop_cancel_timer(c->ev, k->t_done);
	tcp_close(k);
	side_close(k);
	if ((k->checks & CT_COOP_CHECK_UDP) && k->res.udp == CT_COOP_UDP_NOT_RUN)
		k->res.udp = CT_COOP_UDP_NO_ANSWER;
	if ((k->checks & CT_COOP_CHECK_TCP) && k->res.tcp == CT_COOP_TCP_NOT_RUN)
		k->res.tcp = CT_COOP_TCP_NO_ANSWER;
	res = k->res;
	done(&res, ud);
	k->used = 0;
}

static int complete(const struct check *k)
{
	return (!(k->checks & CT_COOP_CHECK_UDP) || k->res.udp != CT_COOP_UDP_NOT_RUN) &&
		(!(k->checks & CT_COOP_CHECK_TCP) || k->res.tcp != CT_COOP_TCP_NOT_RUN);
}

static void on_done_timer(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct check *k = ud;

	(void)ev;
	(void)id;
	k->t_done = 0;
	finish(k);
}

/* done callbacks always run from the event loop, on a fresh timer */
static void maybe_finish(struct check *k)
{
	if (complete(k) && !k->t_done)
		k->t_done = ct_evloop_add_timer(k->c->ev, 0, on_done_timer, k);
}

static void on_resend(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct check *k = ud;

	(void)ev;
	(void)id;
	k->t_resend = 0;
	if (k->res.udp == CT_COOP_UDP_NOT_RUN) {
		struct ct_haddr to;
		send_getinfo(k);
		/* a peer that ignores GETINFO (iptux) answers BR_ENTRY|DIALUPOPT with ANSENTRY to 2425;
		 * never toward a list server: the entry would list this node there for good */
		if (k->checks & CT_COOP_CHECK_NOENTRY)
			return;
		ct_haddr_set_v4(&to, ntohl(k->target), 2425);
		k->entry_ns = ct_mono_ns();
		if (ct_node_send_entry(k->c->node, &to, CT_IPMSG_BR_ENTRY, CT_IPMSG_DIALUPOPT) != 0)
			log_debug("coop: BR_ENTRY to %s failed", inet_ntoa((struct in_addr){ k->target }));
	}
}

static void on_end(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct check *k = ud;

	(void)ev;
	(void)id;
	k->t_end = 0;
	finish(k);
}

/* the oldest slot is reused */
static void heard_note(struct ct_coop *c, uint32_t addr, uint64_t now_ms)
{
	size_t old = 0;

	for (size_t i = 0; i < COOP_HEARD_SLOTS; i++) {
		if (c->heard[i].ms && c->heard[i].addr == addr) {
			c->heard[i].ms = now_ms;
			return;
		}
		if (c->heard[i].ms < c->heard[old].ms)
			old = i;
	}
	c->heard[old].addr = addr;
	c->heard[old].ms = now_ms;
}

static uint32_t heard_age(const struct ct_coop *c, uint32_t addr, uint64_t now_ms)
{
	for (size_t i = 0; i < COOP_HEARD_SLOTS; i++)
		if (c->heard[i].ms && c->heard[i].addr == addr)
			return now_ms - c->heard[i].ms >= CT_COOP_HEARD_NEVER ? CT_COOP_HEARD_NEVER - 1 :
				(uint32_t)(now_ms - c->heard[i].ms);
	return CT_COOP_HEARD_NEVER;
}

static void on_tap(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_coop *c = ud;
	uint32_t from;

	(void)n;
	if (rx->from.family != AF_INET || rx->from.port != 2425)
		return;
	memcpy(&from, rx->from.ip, 4);
	heard_note(c, from, rx->now_ms);
	if (rx->m->mode != CT_IPMSG_SENDINFO && rx->m->mode != CT_IPMSG_ANSENTRY)
		return;
	for (size_t i = 0; i < COOP_MAX_CHECKS; i++) {
		struct check *k = &c->ck[i];
		int entry = rx->m->mode == CT_IPMSG_ANSENTRY;
		char ver[CT_APP_TEXT], info[CT_APP_TEXT] = "";
		if (!k->used || k->target != from || !(k->checks & CT_COOP_CHECK_UDP) ||
		    k->res.udp != CT_COOP_UDP_NOT_RUN || (entry && !k->entry_ns))
			continue;
		k->res.udp = CT_COOP_UDP_ANSWERED;
		k->res.udp_how = entry ? CT_COOP_HOW_ENTRY : CT_COOP_HOW_GETINFO;
		k->res.udp_rtt_us = (uint32_t)((ct_mono_ns() - (entry ? k->entry_ns : k->sent_ns)) / 1000);
		snprintf(ver, sizeof ver, "%.*s", (int)rx->m->version.len, rx->m->version.p);
		if (!entry && rx->m->nsec > 0)
			snprintf(info, sizeof info, "%.*s", (int)rx->m->sec[0].len, rx->m->sec[0].p);
		ct_app_name_program(ver, info, "", k->res.program, sizeof k->res.program);
		maybe_finish(k);
	}
}

/* The node's socket does not take ICMP errors (IP_RECVERR there would fail its next send), so
 * the GETINFO also goes out from a connected socket of its own: a router or host rejecting
 * UDP 2425 answers it with the same ICMP error, read here with its type, code and sender. */
static void on_side(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct check *k = ud;
	uint8_t buf[512];
	struct ct_sockerr r;
	size_t ql = sizeof buf;

	(void)ev;
	(void)events;
	while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) >= 0 || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
	       errno == ENETUNREACH)
		; /* answers to this port are not the check: drain them (and the pending error) */
	while (ql = sizeof buf, ct_sock_read_err(fd, &r, buf, &ql) == 1)
		if (k->res.udp == CT_COOP_UDP_NOT_RUN) {
			k->res.udp = CT_COOP_UDP_ICMP;
			k->res.icmp_type = r.type;
			k->res.icmp_code = r.code;
			k->res.icmp_from = r.from;
			maybe_finish(k);
		}
}

static void side_start(struct check *k)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(2425), .sin_addr.s_addr = k->target };
	struct ct_sbuf b;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	ct_sbuf_init(&b);
	if (ct_sock_recverr(fd) != 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    ct_codec_build(&b, NULL, ct_node_next_packetno(k->c->node), "camtraced", "coop", CT_IPMSG_GETINFO, "", 0,
		1) != 0 || send(fd, b.p, b.len, 0) != (ssize_t)b.len ||
	    ct_evloop_add_fd(k->c->ev, fd, CT_EV_READ, on_side, k) != 0) {
		close(fd);
		fd = -1;
	}
	ct_sbuf_fini(&b);
	k->side_fd = fd;
}

static void on_tcp(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct check *k = ud;
	int e = 0;
	socklen_t el = sizeof e;

	(void)ev;
	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
		e = errno;
	if (e == EINPROGRESS || e == EALREADY)
		return;
	k->res.tcp_rtt_us = (uint32_t)((ct_mono_ns() - k->tcp_ns) / 1000);
	k->res.tcp = e == 0 ? CT_COOP_TCP_OPEN : e == ECONNREFUSED ? CT_COOP_TCP_CLOSED :
		e == ETIMEDOUT ? CT_COOP_TCP_NO_ANSWER : CT_COOP_TCP_UNREACHABLE;
	tcp_close(k);
	maybe_finish(k);
}

static void tcp_start(struct check *k)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(2425), .sin_addr.s_addr = k->target };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		k->res.tcp = CT_COOP_TCP_UNREACHABLE;
		return;
	}
	k->tcp_ns = ct_mono_ns();
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
		k->res.tcp = CT_COOP_TCP_OPEN;
		close(fd);
		return;
	}
	if (errno != EINPROGRESS) {
		k->res.tcp = errno == ECONNREFUSED ? CT_COOP_TCP_CLOSED : CT_COOP_TCP_UNREACHABLE;
		close(fd);
		return;
	}
	if (ct_evloop_add_fd(k->c->ev, fd, CT_EV_WRITE, on_tcp, k) != 0) {
		close(fd);
		k->res.tcp = CT_COOP_TCP_UNREACHABLE;
		return;
	}
	k->tcp_fd = fd;
}

/* the source address this machine uses toward dst (no packet is sent) */
static uint32_t source_toward(uint32_t dst)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(2425), .sin_addr.s_addr = dst };
	socklen_t al = sizeof a;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint32_t src = 0;

	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		src = a.sin_addr.s_addr;
	close(fd);
	return src;
}

static int unicast4(uint32_t target)
{
	uint32_t h = ntohl(target);

	return h && (h >> 24) != 0 && (h >> 28) != 0xe && (h >> 28) != 0xf;
}

static struct check *check_start(struct ct_coop *c, uint32_t target, unsigned checks, unsigned wait_ms, int *rc)
{
	struct check *k = NULL;

	*rc = 0;
	if (!unicast4(target) || !(checks & (CT_COOP_CHECK_UDP | CT_COOP_CHECK_TCP))) {
		*rc = CT_EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < COOP_MAX_CHECKS && !k; i++)
		if (!c->ck[i].used)
			k = &c->ck[i];
	if (!k) {
		*rc = CT_EAGAIN;
		return NULL;
	}
	if (wait_ms < CT_COOP_WAIT_MIN)
		wait_ms = CT_COOP_WAIT_MIN;
	if (wait_ms > CT_COOP_WAIT_MAX)
		wait_ms = CT_COOP_WAIT_MAX;
	memset(k, 0, sizeof *k);
	k->c = c;
	k->used = 1;
	k->target = target;
	k->checks = checks;
	k->tcp_fd = -1;
	k->side_fd = -1;
	k->ans_fd = -1;
	k->res.src = source_toward(target);
	c->st.checks++;
	if (checks & CT_COOP_CHECK_UDP) {
		send_getinfo(k);
		side_start(k);
		k->t_resend = ct_evloop_add_timer(c->ev, wait_ms / 3, on_resend, k);
	}
	if (checks & CT_COOP_CHECK_TCP)
		tcp_start(k);
	k->t_end = ct_evloop_add_timer(c->ev, wait_ms, on_end, k);
	maybe_finish(k);
	return k;
}

int ct_coop_check(struct ct_coop *c, uint32_t target, unsigned checks, unsigned wait_ms, ct_coop_done_fn done,
	void *ud)
{
	int rc;
	struct check *k = check_start(c, target, checks, wait_ms, &rc);

	if (!k)
		return rc;
	k->done = done;
	k->ud = ud;
	return 0;
}

int ct_coop_new(struct ct_coop **out, struct ct_node *node)
{
	struct ct_coop *c = calloc(1, sizeof *c);
	int r;

	*out = NULL;
	if (!c)
		return CT_ENOMEM;
	c->node = node;
	c->ev = ct_node_evloop(node);
	ct_targets_init(&c->allow_ts, CT_TARGETS_DEFAULT_MAX);
	if ((r = ct_node_add_tap(node, on_tap, c)) != 0) {
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

void ct_coop_free(struct ct_coop *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < COOP_MAX_CHECKS; i++) {
		struct check *k = &c->ck[i];
		if (!k->used)
			continue;
		ct_evloop_cancel_timer(c->ev, k->t_resend);
		ct_evloop_cancel_timer(c->ev, k->t_end);
		ct_evloop_cancel_timer(c->ev, k->t_done);
		tcp_close(k);
		side_close(k);
	}
	ct_node_remove_tap(c->node, on_tap, c);
	ct_targets_fini(&c->allow_ts);
	free(c->allowed);
	ct_ratelim_free(c->rl);
	free(c);
}

void ct_coop_stats(const struct ct_coop *c, struct ct_coop_stats *st)
{
	*st = c->st;
}

/* ---- responder ---- */

int ct_coop_serve_config(struct ct_coop *c, const struct ct_targets *ts, double rate, char *err, size_t errlen)
{
	struct ct_haddr *v = NULL;
	size_t n = 0;
	int r;

	c->serving = 0;
	free(c->allowed);
	c->allowed = NULL;
	c->nallowed = 0;
	ct_targets_fini(&c->allow_ts);
	ct_targets_init(&c->allow_ts, CT_TARGETS_DEFAULT_MAX);
	ct_ratelim_free(c->rl);
	c->rl = NULL;
	if (!ts)
		return 0;
	/* literal items are matched as ranges; names are resolved once, now */
	for (size_t i = 0; i < ts->n; i++)
		if (ts->v[i].kind != CT_TARGET_NAME && (r = ct_targets_add(&c->allow_ts, ts->v[i].text, err, errlen)) != 0)
			return r;
	{
		struct ct_targets names;
		ct_targets_init(&names, 4096);
		for (size_t i = 0; i < ts->n; i++)
			if (ts->v[i].kind == CT_TARGET_NAME && (r = ct_targets_add(&names, ts->v[i].text, err, errlen)) != 0) {
				ct_targets_fini(&names);
				return r;
			}
		r = names.n ? ct_targets_expand(&names, 2425, &v, &n, NULL, err, errlen) : 0;
		ct_targets_fini(&names);
		if (r != 0)
			return r;
	}
	c->allowed = v;
	c->nallowed = n;
	if (!(c->rl = ct_ratelim_new(rate > 0 ? rate : 1, 3, 1024)))
		return CT_ENOMEM;
	c->serving = 1;
	return 0;
}

static int allowed(const struct ct_coop *c, uint32_t target)
{
	struct ct_haddr a;

	ct_haddr_set_v4(&a, ntohl(target), 2425);
	if (ct_targets_match(&c->allow_ts, &a))
		return 1;
	for (size_t i = 0; i < c->nallowed; i++)
		if (ct_haddr_same_ip(&c->allowed[i], &a))
			return 1;
	return 0;
}

static void send_answer(struct ct_coop *c, int fd, const struct sockaddr_in *to, const struct ct_coop_msg *req,
	const struct ct_coop_result *res)
{
	struct ct_coop_msg m = *req;
	uint8_t out[CT_COOP_LEN];

	m.answer = 1;
	m.version = CT_COOP_VERSION;
	m.res = *res;
	if (ct_coop_encode(&m, out, sizeof out) == CT_COOP_LEN &&
	    sendto(fd, out, sizeof out, 0, (const struct sockaddr *)to, sizeof *to) == (ssize_t)sizeof out)
		c->st.answered++;
}

static void on_served(const struct ct_coop_result *r, void *ud)
{
	struct check *k = ud;

	send_answer(k->c, k->ans_fd, &k->ans_to, &k->req, r);
}

int ct_coop_serve(struct ct_coop *c, int fd, const void *buf, size_t len, const void *from)
{
	struct sockaddr_in to;
	struct ct_coop_msg m;
	struct ct_coop_result res = { .heard_ms = CT_COOP_HEARD_NEVER };
	uint32_t heard;
	struct ct_haddr src;
	struct check *k;
	int rc;

	memcpy(&to, from, sizeof to);
	if (!c->serving)
		return 0;
	if (ct_coop_decode(buf, len, &m) != 0 || m.answer) {
		c->st.malformed++;
		return 1;
	}
	c->st.requests++;
	ct_haddr_set_v4(&src, ntohl(to.sin_addr.s_addr), ntohs(to.sin_port));
	if (!ct_ratelim_allow(c->rl, &src, 1, ct_evloop_now_ms(c->ev))) {
		/* over the rate: silence (an answer would be traffic on demand) */
		c->st.limited++;
		return 1;
	}
	heard = heard_age(c, m.target, ct_mono_ms());
	if (m.version != CT_COOP_VERSION)
		res.status = CT_COOP_ST_VERSION;
	else if (m.port != 2425 || !allowed(c, m.target)) {
		res.status = CT_COOP_ST_NOT_ALLOWED;
		c->st.refused++;
	} else if (!(k = check_start(c, m.target, (m.checks & (CT_COOP_CHECK_UDP | CT_COOP_CHECK_TCP)) |
				CT_COOP_CHECK_NOENTRY, m.wait_ms, &rc))) {
		res.status = rc == CT_EAGAIN ? CT_COOP_ST_BUSY : CT_COOP_ST_ERROR;
		c->st.busy += rc == CT_EAGAIN;
	} else {
		k->done = on_served;
		k->ud = k;
		k->ans_fd = fd;
		k->ans_to = to;
		k->req = m;
		k->res.heard_ms = heard;
		log_debug("coop: check of %s for %s", inet_ntoa((struct in_addr){ m.target }),
			inet_ntoa(to.sin_addr));
		return 1;
	}
	if (res.status != CT_COOP_ST_VERSION && res.status != CT_COOP_ST_NOT_ALLOWED)
		res.heard_ms = heard; /* only about targets it may check */
	send_answer(c, fd, &to, &m, &res);
	return 1;
}

/* ---- requester ---- */

static void ask_words(struct ct_coop_ask_job *j)
{
	if (j->rc == CT_ECLOSED)
		snprintf(j->err, sizeof j->err, "nothing listens on UDP %u there (ICMP port unreachable): its camtraced "
			"runs without `rtp_echo = yes`, or not at all", j->port);
	else if (j->rc == CT_ETIMEDOUT)
		snprintf(j->err, sizeof j->err, "no answer on UDP %u (2 tries): its camtraced runs without `coop = yes`, "
			"or the path drops UDP %u", j->port, j->port);
	else if (j->rc == 0 && j->ans.version != CT_COOP_VERSION)
		snprintf(j->err, sizeof j->err, "the peer speaks coop version %u, this camtrace version %u",
			j->ans.version, CT_COOP_VERSION);
}

int ct_coop_ask_many(struct ct_coop_ask_job *jobs, size_t n)
{
	struct pollfd *pf = calloc(n ? n : 1, sizeof *pf);
	uint8_t (*out)[CT_COOP_LEN] = calloc(n ? n : 1, sizeof *out);
	struct ct_coop_msg *req = calloc(n ? n : 1, sizeof *req);
	uint64_t seed = ct_mono_ns() ^ ((uint64_t)getpid() << 40);
	unsigned maxwait = 0;

	if (!pf || !out || !req) {
		free(pf);
		free(out);
		free(req);
		return CT_ENOMEM;
	}
	for (size_t k = 0; k < n; k++) {
		struct ct_coop_ask_job *j = &jobs[k];
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(j->port), .sin_addr.s_addr = j->peer };
		memset(&j->ans, 0, sizeof j->ans);
		j->err[0] = 0;
		j->rc = CT_ETIMEDOUT;
		req[k].version = CT_COOP_VERSION;
		req[k].checks = (uint8_t)j->checks;
		req[k].wait_ms = (uint16_t)(j->wait_ms < CT_COOP_WAIT_MIN ? CT_COOP_WAIT_MIN : j->wait_ms > CT_COOP_WAIT_MAX ?
			CT_COOP_WAIT_MAX : j->wait_ms);
		req[k].target = j->target;
		req[k].port = 2425;
		for (int i = 0; i < 8; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			req[k].nonce[i] = (uint8_t)(seed >> 56);
		}
		req[k].ssrc = (uint32_t)(seed >> 16);
		if (req[k].wait_ms > maxwait)
			maxwait = req[k].wait_ms;
		ct_coop_encode(&req[k], out[k], sizeof out[k]);
		pf[k].fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		pf[k].events = POLLIN;
		if (pf[k].fd < 0 || connect(pf[k].fd, (struct sockaddr *)&a, sizeof a) != 0) {
			snprintf(j->err, sizeof j->err, "socket: %s", strerror(errno));
			j->rc = CT_ESYS;
			if (pf[k].fd >= 0)
				close(pf[k].fd);
			pf[k].fd = -1;
		}
	}
	/* every request at once, two tries; the wait is the longest check's plus a margin */
	for (int tr = 0; tr < 2; tr++) {
		uint64_t end = ct_mono_ns() + (uint64_t)(maxwait + 700) * 1000000ull;
		int pending = 0;
		for (size_t k = 0; k < n; k++) {
			if (pf[k].fd < 0 || jobs[k].rc != CT_ETIMEDOUT)
				continue;
			if (send(pf[k].fd, out[k], sizeof out[k], 0) != (ssize_t)sizeof out[k] && errno != ECONNREFUSED) {
				snprintf(jobs[k].err, sizeof jobs[k].err, "send: %s", strerror(errno));
				jobs[k].rc = CT_ESYS;
				continue;
			}
			pending++;
		}
		for (uint64_t now = ct_mono_ns(); pending && now < end; now = ct_mono_ns()) {
			if (poll(pf, n, (int)((end - now) / 1000000 + 1)) <= 0)
				continue;
			for (size_t k = 0; k < n; k++) {
				uint8_t in[256];
				ssize_t r;
				if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLERR)) || jobs[k].rc != CT_ETIMEDOUT)
					continue;
				r = recv(pf[k].fd, in, sizeof in, MSG_DONTWAIT);
				if (r < 0 && errno == ECONNREFUSED)
					jobs[k].rc = CT_ECLOSED;
				else if (r > 0 && ct_coop_decode(in, (size_t)r, &jobs[k].ans) == 0 && jobs[k].ans.answer &&
					 memcmp(jobs[k].ans.nonce, req[k].nonce, 8) == 0)
					jobs[k].rc = 0;
				pending -= jobs[k].rc != CT_ETIMEDOUT;
			}
		}
	}
	for (size_t k = 0; k < n; k++) {
		if (pf[k].fd >= 0)
			close(pf[k].fd);
		ask_words(&jobs[k]);
	}
	free(pf);
	free(out);
	free(req);
	return 0;
}

int ct_coop_ask(uint32_t peer, uint16_t port, uint32_t target, unsigned checks, unsigned wait_ms,
	struct ct_coop_msg *ans, char *err, size_t errlen)
{
	struct ct_coop_ask_job j = { .peer = peer, .port = port, .target = target, .checks = checks, .wait_ms = wait_ms };
	int r = ct_coop_ask_many(&j, 1);

	if (r != 0)
		return r;
	*ans = j.ans;
	snprintf(err, errlen, "%s", j.err);
	return j.rc;
}
