/* node.c: the IP Messenger protocol node: one UDP socket on 2425, presence, answers, liveness rounds. */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "charset.h"
#include "clock.h"
#include "codec.h"
#include "entry.h"
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "node.h"
#include "pace.h"
#include "util.h"
#include "version.h"

#define DUP_RING 64
#define MAX_PENDING_ANS 4096
#define MAX_OBS 8
#define RX_BATCH 256

struct pend_ans {
	struct ct_node *n;
	struct ct_haddr to;
	int utf8;
	uint64_t timer;
	struct pend_ans *prev, *next;
};

struct ct_node {
	struct ct_evloop *ev;
	struct ct_hosts *hosts;
	int fd, tcpfd;
	uint16_t port;
	/* identity */
	char *user, *host, *nick, *group, *absence_text; /* UTF-8, ':' already replaced */
	char *user_cp, *host_cp;                          /* CP932 for non-UTF8OPT headers */
	int absent;
	uint32_t extra_status;
	struct ct_node_conf conf;
	uint32_t last_pkt;
	struct { uint32_t pkt; uint64_t key; } dup[DUP_RING];
	unsigned dup_pos;
	struct { ct_node_mode_fn fn; void *ud; } mode[256];
	struct { ct_node_host_fn fn; void *ud; } obs[MAX_OBS];
	unsigned nobs;
	struct { ct_node_tap_fn fn; void *ud; } taps[4];
	unsigned ntaps;
	/* this machine */
	struct ct_haddr *bcast;
	size_t nbcast;
	struct ct_haddr peers[16];
	size_t npeers;
	struct { uint32_t addr, mask; } nets[32];
	size_t nnets;
	/* timers and queues */
	uint64_t t_entry, t_repeat, t_check, t_tick;
	struct pend_ans *pend;
	unsigned npend;
	size_t check_cursor;
	struct ct_pace check_pace;
	uint64_t rng;
	struct ct_sbuf out;
	struct ct_node_stats st;
};

static uint32_t rnd(struct ct_node *n)
{
	n->rng ^= n->rng << 13;
	n->rng ^= n->rng >> 7;
	n->rng ^= n->rng << 17;
	return (uint32_t)(n->rng >> 11);
}

uint32_t ct_node_next_packetno(struct ct_node *n)
{
	uint32_t t = (uint32_t)time(NULL);

	n->last_pkt = t > n->last_pkt ? t : n->last_pkt + 1;
	return n->last_pkt;
}

/* ---- this machine's addresses ---- */

static void scan_interfaces(struct ct_node *n, uint32_t bound)
{
	struct ifaddrs *ifa = NULL;

	free(n->bcast);
	n->bcast = NULL;
	n->nbcast = 0;
	n->nnets = 0;
	if (getifaddrs(&ifa) != 0) {
		log_warn("getifaddrs: %s; broadcasting to 255.255.255.255", strerror(errno));
		ifa = NULL;
	}
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP))
			continue;
		struct ct_haddr a, m;
		ct_haddr_from_sa(&a, i->ifa_addr);
		if (i->ifa_netmask)
			ct_haddr_from_sa(&m, i->ifa_netmask);
		else
			ct_haddr_set_v4(&m, 0xFFFFFFFFu, 0);
		if (n->nnets < CT_ARRAY_LEN(n->nets)) {
			n->nets[n->nnets].addr = ct_haddr_v4(&a);
			n->nets[n->nnets].mask = ct_haddr_v4(&m);
			n->nnets++;
		}
		/* bound to one address: only that interface's broadcast can be sent */
		if ((i->ifa_flags & IFF_BROADCAST) && !(i->ifa_flags & IFF_LOOPBACK) && i->ifa_broadaddr &&
		    (bound == 0 || bound == ct_haddr_v4(&a))) {
			struct ct_haddr *nb = realloc(n->bcast, (n->nbcast + 1) * sizeof *nb);
			if (!nb)
				break;
			n->bcast = nb;
			ct_haddr_from_sa(&nb[n->nbcast], i->ifa_broadaddr);
			nb[n->nbcast].port = n->port;
			n->nbcast++;
		}
	}
	if (ifa)
		freeifaddrs(ifa);
	if (n->nbcast == 0 && bound == 0 && (n->bcast = malloc(sizeof *n->bcast))) {
		ct_haddr_set_v4(&n->bcast[0], 0xFFFFFFFFu, n->port);
		n->nbcast = 1;
	}
}

int ct_node_is_local(const struct ct_node *n, const struct ct_haddr *a)
{
	uint32_t v = ct_haddr_v4(a);

	if (a->family != AF_INET)
		return 0;
	for (size_t i = 0; i < n->nnets; i++)
		if ((v & n->nets[i].mask) == (n->nets[i].addr & n->nets[i].mask))
			return 1;
	return 0;
}

size_t ct_node_networks(const struct ct_node *n, uint32_t *addrs, unsigned *plens, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n->nnets && k < max; i++) {
		if ((n->nets[i].addr >> 24) == 127)
			continue;
		addrs[k] = n->nets[i].addr;
		plens[k] = (unsigned)__builtin_popcount(n->nets[i].mask);
		k++;
	}
	return k;
}

static int is_own_addr(const struct ct_node *n, const struct ct_haddr *a)
{
	uint32_t v = ct_haddr_v4(a);

	for (size_t i = 0; i < n->nnets; i++)
		if (n->nets[i].addr == v)
			return 1;
	return 0;
}

int ct_node_is_self(const struct ct_node *n, const struct ct_haddr *from, const char *user,
	const char *host)
{
	if (from->port != n->port || !is_own_addr(n, from))
		return 0;
	return (strcmp(user, n->user) == 0 || strcmp(user, n->user_cp) == 0) &&
		(strcmp(host, n->host) == 0 || strcmp(host, n->host_cp) == 0);
}

/* ---- identity ---- */

static char *dup_clean(const char *s)
{
	char *d = strdup(s ? s : "");

	if (d)
		ct_codec_name_sanitize(d);
	return d;
}

static void free_identity(struct ct_node *n)
{
	free(n->user);
	free(n->host);
	free(n->nick);
	free(n->group);
	free(n->absence_text);
	free(n->user_cp);
	free(n->host_cp);
	n->user = n->host = n->nick = n->group = n->absence_text = n->user_cp = n->host_cp = NULL;
}

int ct_node_reconf(struct ct_node *n, const struct ct_node_conf *c)
{
	free_identity(n);
	n->conf = *c;
	n->user = dup_clean(c->user && c->user[0] ? c->user : "camtraced");
	n->host = dup_clean(c->host && c->host[0] ? c->host : "localhost");
	n->nick = strdup(c->nick ? c->nick : "");
	n->group = strdup(c->group ? c->group : "");
	n->absence_text = strdup(c->absence_text && c->absence_text[0] ? c->absence_text : "Absence mode");
	if (!n->user || !n->host || !n->nick || !n->group || !n->absence_text)
		return CT_ENOMEM;
	n->user_cp = ct_charset_encode_str(CT_CS_CP932, n->user, strlen(n->user));
	n->host_cp = ct_charset_encode_str(CT_CS_CP932, n->host, strlen(n->host));
	if (!n->user_cp || !n->host_cp)
		return CT_ENOMEM;
	n->absent = c->absent;
	n->extra_status = c->extra_status & CT_IPMSG_ALLSTAT & ~CT_IPMSG_ABSENCEOPT;
	if (!n->conf.entry_delay_ms)
		n->conf.entry_delay_ms = 250;
	if (!n->conf.max_missed)
		n->conf.max_missed = 3;
	if (n->conf.check_rate <= 0)
		n->conf.check_rate = 100;
	n->conf.user = n->conf.host = n->conf.nick = n->conf.group = n->conf.absence_text = NULL;
	n->conf.bind_addr = NULL;
	return 0;
}

uint32_t ct_node_status(const struct ct_node *n)
{
	return CT_IPMSG_CAPUTF8OPT | n->extra_status | (n->absent ? CT_IPMSG_ABSENCEOPT : 0);
}

void ct_node_self(const struct ct_node *n, struct ct_host_info *info)
{
	memset(info, 0, sizeof *info);
	info->user = n->user;
	info->host = n->host;
	info->nick = n->nick;
	info->group = n->group;
	info->status = ct_node_status(n);
	for (size_t i = 0; i < n->nnets; i++)
		if ((n->nets[i].addr >> 24) != 127) {
			ct_haddr_set_v4(&info->addr, n->nets[i].addr, n->port);
			return;
		}
	ct_haddr_set_v4(&info->addr, 0x7F000001u, n->port);
}

/* ---- sending ---- */

int ct_node_send_raw(struct ct_node *n, const struct ct_haddr *to, const void *data, size_t len)
{
	struct sockaddr_storage ss;
	unsigned sl = ct_haddr_to_sa(to, &ss);

	if (to->family != AF_INET)
		return CT_EUNSUP;
	if (sendto(n->fd, data, len, 0, (struct sockaddr *)&ss, sl) < 0) {
		char b[CT_HADDR_STRLEN];
		n->st.send_err++;
		log_debug("sendto %s: %s", ct_haddr_str(to, b, sizeof b), strerror(errno));
		return CT_ESYS;
	}
	n->st.tx++;
	n->st.tx_bytes += len;
	return 0;
}

int ct_node_send(struct ct_node *n, const struct ct_haddr *to, uint32_t command, const void *body,
	size_t bodylen)
{
	int utf8 = (command & CT_IPMSG_UTF8OPT) != 0;
	int r;

	ct_sbuf_reset(&n->out);
	r = ct_codec_build(&n->out, NULL, ct_node_next_packetno(n), utf8 ? n->user : n->user_cp,
		utf8 ? n->host : n->host_cp, command, body, bodylen, 1);
	if (r != 0)
		return r;
	return ct_node_send_raw(n, to, n->out.p, n->out.len);
}

int ct_node_send_entry(struct ct_node *n, const struct ct_haddr *to, uint32_t mode, uint32_t extra)
{
	struct ct_entry_spec sp;
	uint32_t cmd = mode | ct_node_status(n) | extra;
	int r;

	memset(&sp, 0, sizeof sp);
	sp.form = CT_ENTRY_FORM_WIN;
	sp.user = n->user;
	sp.host = n->host;
	sp.nick = n->nick;
	sp.group = n->group;
	sp.legacy_cs = (cmd & CT_IPMSG_UTF8OPT) ? CT_CS_UTF8 : CT_CS_CP932;
	sp.nul_term = 1;
	ct_sbuf_reset(&n->out);
	if ((r = ct_entry_build(&n->out, NULL, ct_node_next_packetno(n), cmd, &sp)) != 0)
		return r;
	return ct_node_send_raw(n, to, n->out.p, n->out.len);
}

/* One entry-class packet to every broadcast target and every live DIALUPOPT host. */
static void entry_round(struct ct_node *n, uint32_t mode)
{
	if (!n->conf.no_broadcast)
		for (size_t i = 0; i < n->nbcast; i++)
			ct_node_send_entry(n, &n->bcast[i], mode, 0);
	for (size_t i = 0; i < n->npeers; i++)
		ct_node_send_entry(n, &n->peers[i], mode, ct_node_is_local(n, &n->peers[i]) ? 0 : CT_IPMSG_DIALUPOPT);
	for (size_t i = 0; i < ct_hosts_count(n->hosts); i++) {
		struct ct_host *h = ct_hosts_at(n->hosts, i);
		int peer = 0;
		for (size_t k = 0; k < n->npeers && !peer; k++)
			peer = ct_haddr_eq(&n->peers[k], &h->addr);
		if ((h->status & CT_IPMSG_DIALUPOPT) && h->state != CT_HOST_OFFLINE && !peer)
			ct_node_send_entry(n, &h->addr, mode, 0);
	}
}

int ct_node_add_peer(struct ct_node *n, const struct ct_haddr *a)
{
	for (size_t i = 0; i < n->npeers; i++)
		if (ct_haddr_eq(&n->peers[i], a))
			return 0;
	if (n->npeers >= CT_ARRAY_LEN(n->peers))
		return CT_ETOOBIG;
	n->peers[n->npeers++] = *a;
	return 0;
}

void ct_node_remove_peer(struct ct_node *n, const struct ct_haddr *a)
{
	for (size_t i = 0; i < n->npeers; i++)
		if (ct_haddr_eq(&n->peers[i], a)) {
			n->peers[i] = n->peers[--n->npeers];
			return;
		}
}

static void on_repeat(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_node *n = ud;

	(void)ev;
	(void)id;
	n->t_repeat = 0;
	entry_round(n, CT_IPMSG_BR_ENTRY);
}

static void on_entry(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_node *n = ud;

	(void)id;
	n->t_entry = 0;
	entry_round(n, CT_IPMSG_BR_ENTRY);
	if (n->conf.entry_repeat_ms)
		n->t_repeat = ct_evloop_add_timer(ev, n->conf.entry_repeat_ms, on_repeat, n);
}

static void check_schedule(struct ct_node *n);

int ct_node_start(struct ct_node *n)
{
	if (!n->conf.no_broadcast)
		for (size_t i = 0; i < n->nbcast; i++)
			ct_node_send_entry(n, &n->bcast[i], CT_IPMSG_NOOPERATION, 0);
	ct_evloop_cancel_timer(n->ev, n->t_entry);
	ct_evloop_cancel_timer(n->ev, n->t_repeat);
	n->t_repeat = 0;
	n->t_entry = ct_evloop_add_timer(n->ev, n->conf.entry_delay_ms, on_entry, n);
	check_schedule(n);
	return n->t_entry ? 0 : CT_ENOMEM;
}

void ct_node_stop(struct ct_node *n)
{
	struct timespec ts = { 0, 100 * 1000000L };

	if (!n->conf.no_broadcast)
		for (size_t i = 0; i < n->nbcast; i++)
			ct_node_send_entry(n, &n->bcast[i], CT_IPMSG_NOOPERATION, 0);
	entry_round(n, CT_IPMSG_BR_EXIT);
	nanosleep(&ts, NULL);
	entry_round(n, CT_IPMSG_BR_EXIT);
}

void ct_node_set_absent(struct ct_node *n, int absent, const char *text)
{
	n->absent = absent;
	if (text) {
		char *t = strdup(text[0] ? text : "Absence mode");
		if (t) {
			free(n->absence_text);
			n->absence_text = t;
		}
	}
	entry_round(n, CT_IPMSG_BR_ABSENCE);
}

/* ---- answering BR_ENTRY after the spec's random delay ---- */

static void pend_unlink(struct ct_node *n, struct pend_ans *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		n->pend = p->next;
	if (p->next)
		p->next->prev = p->prev;
	n->npend--;
}

static void on_answer(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct pend_ans *p = ud;
	struct ct_node *n = p->n;

	(void)ev;
	(void)id;
	pend_unlink(n, p);
	struct ct_host *h = ct_hosts_find_addr(n->hosts, &p->to);
	if (h)
		h->ans_pending = 0;
	if (ct_node_send_entry(n, &p->to, CT_IPMSG_ANSENTRY, p->utf8 ? CT_IPMSG_UTF8OPT : 0) == 0)
		n->st.answers_sent++;
	free(p);
}

static void queue_answer(struct ct_node *n, struct ct_host *h, const struct ct_haddr *to, int utf8)
{
	struct pend_ans *p;
	uint32_t delay;
	size_t known = ct_hosts_live(n->hosts);

	if (h->ans_pending)
		return; /* one answer pending per host is enough */
	if (n->npend >= MAX_PENDING_ANS || !(p = calloc(1, sizeof *p)))
		return;
	h->ans_pending = 1;
	if (known < 50 || ct_node_is_local(n, to))
		delay = rnd(n) & 1023;
	else if (known < 300)
		delay = rnd(n) & 2047;
	else
		delay = rnd(n) & 4095;
	p->n = n;
	p->to = *to;
	p->utf8 = utf8;
	if (!(p->timer = ct_evloop_add_timer(n->ev, delay + 5, on_answer, p))) {
		free(p);
		return;
	}
	p->next = n->pend;
	if (n->pend)
		n->pend->prev = p;
	n->pend = p;
	n->npend++;
}

/* ---- liveness rounds ---- */

static void on_check(struct ct_evloop *ev, uint64_t id, void *ud);

static void check_schedule(struct ct_node *n)
{
	ct_evloop_cancel_timer(n->ev, n->t_check);
	n->t_check = n->conf.check_interval_ms ?
		ct_evloop_add_timer(n->ev, n->conf.check_interval_ms, on_check, n) : 0;
}

static void on_tick(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_node *n = ud;
	uint64_t now = ct_evloop_now_ms(ev);
	double wall = ct_wall_now();

	(void)id;
	n->t_tick = 0;
	while (n->check_cursor < ct_hosts_count(n->hosts)) {
		struct ct_host *h = ct_hosts_at(n->hosts, n->check_cursor);
		/* hosts only known from a list are the list server's business */
		if (h->state == CT_HOST_OFFLINE || h->origin == CT_HOST_LIST ||
		    now - h->seen_ms < n->conf.check_interval_ms / 2) {
			n->check_cursor++;
			continue;
		}
		if (!ct_pace_take(&n->check_pace, now, 1)) {
			n->t_tick = ct_evloop_add_timer(ev, ct_pace_wait_ms(&n->check_pace, now, 1), on_tick, n);
			return;
		}
		n->check_cursor++;
		if (ct_hosts_check_sent(n->hosts, h, n->conf.max_missed, wall)) {
			char b[CT_HADDR_STRLEN];
			n->st.lost++;
			log_notice("host %s@%s (%s) stopped answering: offline (flaps %u)", h->user, h->host,
				ct_haddr_str(&h->addr, b, sizeof b), h->flaps);
			continue;
		}
		n->st.checks_sent++;
		ct_node_send_entry(n, &h->addr, CT_IPMSG_BR_ENTRY,
			ct_node_is_local(n, &h->addr) ? 0 : CT_IPMSG_DIALUPOPT);
	}
}

void ct_node_check_round(struct ct_node *n)
{
	ct_evloop_cancel_timer(n->ev, n->t_tick);
	n->check_cursor = 0;
	ct_pace_init(&n->check_pace, n->conf.check_rate, 10, ct_evloop_now_ms(n->ev));
	on_tick(n->ev, 0, n);
}

static void on_check(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_node *n = ud;

	(void)ev;
	(void)id;
	n->t_check = 0;
	ct_node_check_round(n);
	check_schedule(n);
}

/* ---- receiving ---- */

static uint64_t dup_key(const struct ct_ipmsg *m, const struct ct_haddr *from)
{
	uint64_t h = 14695981039346656037ULL ^ ct_haddr_hash_ip(from);

	for (size_t i = 0; i < m->user.len; i++)
		h = (h ^ (unsigned char)m->user.p[i]) * 1099511628211ULL;
	return h;
}

/* Returns 1 when (packet number, user, source) was seen among the last DUP_RING packets. */
static int seen_before(struct ct_node *n, const struct ct_ipmsg *m, const struct ct_haddr *from)
{
	uint64_t k = dup_key(m, from);

	for (unsigned i = 0; i < DUP_RING; i++)
		if (n->dup[i].pkt == m->packetno && n->dup[i].key == k)
			return 1;
	n->dup[n->dup_pos].pkt = m->packetno;
	n->dup[n->dup_pos].key = k;
	n->dup_pos = (n->dup_pos + 1) % DUP_RING;
	return 0;
}

static void handle_entry(struct ct_node *n, const struct ct_node_rx *rx)
{
	const struct ct_ipmsg *m = rx->m;
	struct ct_entry e;
	struct ct_host_info in;
	struct ct_host *h = NULL;
	int r;

	memset(&e, 0, sizeof e);
	if ((r = ct_entry_parse(m, &e)) != 0) {
		n->st.bad++;
		log_debug("bad entry body: %s", ct_strerror(r));
		ct_entry_fini(&e);
		return;
	}
	ct_hosts_clean_name(e.user);
	ct_hosts_clean_name(e.host);
	ct_hosts_clean_name(e.nick);
	ct_hosts_clean_name(e.group);
	memset(&in, 0, sizeof in);
	in.user = e.user;
	in.host = e.host;
	in.nick = e.nick;
	in.group = e.group;
	in.addr = rx->from;
	in.status = m->opts & CT_IPMSG_ALLSTAT;
	/* the dial-up list keeps a host until it leaves (Windows DialUpList): DIALUPOPT is sticky */
	if ((h = ct_hosts_find(n->hosts, in.user, in.host)) && h->state != CT_HOST_OFFLINE &&
	    ct_haddr_eq(&h->addr, &rx->from))
		in.status |= h->status & CT_IPMSG_DIALUPOPT;
	r = ct_hosts_update(n->hosts, &in, ct_node_is_local(n, &rx->from) ? CT_HOST_LOCAL : CT_HOST_DIRECT,
		CT_HOST_VIA_PACKET, rx->now_ms, rx->now_wall, &h);
	ct_entry_fini(&e);
	if (r != 0) {
		n->st.bad++;
		return;
	}
	n->st.entries++;
	if (m->mode == CT_IPMSG_BR_ENTRY)
		queue_answer(n, h, &rx->from, (m->opts & CT_IPMSG_CAPUTF8OPT) != 0);
	for (unsigned i = 0; i < n->nobs; i++)
		n->obs[i].fn(n, h, m->mode, &rx->from, n->obs[i].ud);
}

static void handle_sendmsg(struct ct_node *n, const struct ct_node_rx *rx, int dup)
{
	const struct ct_ipmsg *m = rx->m;
	char num[16];

	if ((m->opts & CT_IPMSG_SENDCHECKOPT) && !(m->opts & (CT_IPMSG_BROADCASTOPT | CT_IPMSG_AUTORETOPT))) {
		snprintf(num, sizeof num, "%u", m->packetno);
		ct_node_send(n, &rx->from, CT_IPMSG_RECVMSG, num, strlen(num));
	}
	if (dup)
		return;
	n->st.msgs++;
	if (CT_LOG_NOTICE <= ct_log_level_cur) {
		enum ct_charset cs = ct_charset_of_command(m->command);
		char *u = ct_charset_decode_str(cs, m->user.p, m->user.len);
		char *h = ct_charset_decode_str(cs, m->host.p, m->host.len);
		char *t = ct_charset_decode_str(cs, m->sec[0].p, m->sec[0].len);
		char b[CT_HADDR_STRLEN];
		char eu[200], eh[200], et[1024];
		/* escaped: a message must not forge log lines or send terminal escapes */
		ct_escape_bytes(u ? u : "?", u ? strlen(u) : 1, eu, sizeof eu);
		ct_escape_bytes(h ? h : "?", h ? strlen(h) : 1, eh, sizeof eh);
		ct_escape_bytes(t ? t : "", t ? strlen(t) : 0, et, sizeof et);
		log_notice("message from %s@%s (%s)%s: %s", eu, eh, ct_haddr_str(&rx->from, b, sizeof b),
			(m->opts & CT_IPMSG_ENCRYPTOPT) ? " (encrypted, not readable)" : "", et);
		free(u);
		free(h);
		free(t);
	}
}

static void dispatch(struct ct_node *n, const struct ct_node_rx *rx, int dup)
{
	const struct ct_ipmsg *m = rx->m;
	const char *txt;

	switch (m->mode) {
	case CT_IPMSG_NOOPERATION:
		break;
	case CT_IPMSG_BR_ENTRY:
	case CT_IPMSG_ANSENTRY:
	case CT_IPMSG_BR_ABSENCE:
		if (!dup)
			handle_entry(n, rx);
		break;
	case CT_IPMSG_BR_EXIT:
		if (!dup && ct_hosts_exit_addr(n->hosts, &rx->from, rx->now_wall) == 0) {
			char b[CT_HADDR_STRLEN];
			log_info("host at %s left (BR_EXIT)", ct_haddr_str(&rx->from, b, sizeof b));
		}
		break;
	case CT_IPMSG_GETINFO:
		n->st.infos++;
		{
			char v[64];
			snprintf(v, sizeof v, "camtraced %s", ct_version());
			ct_node_send(n, &rx->from, CT_IPMSG_SENDINFO, v, strlen(v));
		}
		break;
	case CT_IPMSG_GETABSENCEINFO:
		n->st.infos++;
		txt = n->absent ? n->absence_text : "Not absence mode";
		if (ct_charset_is_ascii(txt, strlen(txt)))
			ct_node_send(n, &rx->from, CT_IPMSG_SENDABSENCEINFO, txt, strlen(txt));
		else if (m->opts & (CT_IPMSG_UTF8OPT | CT_IPMSG_CAPUTF8OPT))
			ct_node_send(n, &rx->from, CT_IPMSG_SENDABSENCEINFO | CT_IPMSG_UTF8OPT, txt, strlen(txt));
		else {
			char *cp = ct_charset_encode_str(CT_CS_CP932, txt, strlen(txt));
			if (cp)
				ct_node_send(n, &rx->from, CT_IPMSG_SENDABSENCEINFO, cp, strlen(cp));
			free(cp);
		}
		break;
	case CT_IPMSG_SENDMSG:
		handle_sendmsg(n, rx, dup);
		break;
	default:
		if (!dup && n->mode[m->mode].fn)
			n->mode[m->mode].fn(n, rx, n->mode[m->mode].ud);
		else if (!dup)
			n->st.ignored++;
		return;
	}
	if (!dup && n->mode[m->mode].fn)
		n->mode[m->mode].fn(n, rx, n->mode[m->mode].ud);
}

void ct_node_input(struct ct_node *n, const void *data, size_t len, const struct ct_haddr *from)
{
	struct ct_ipmsg m;
	struct ct_node_rx rx;
	struct ct_host *h;
	int r, dup;

	n->st.rx++;
	n->st.rx_bytes += len;
	if (ct_codec_is_ipdict(data, len)) {
		n->st.ipdict++;
		return;
	}
	if ((r = ct_codec_parse(&m, data, len)) != 0) {
		char b[CT_HADDR_STRLEN];
		n->st.bad++;
		log_debug("dropped %zu bytes from %s: %s", len, ct_haddr_str(from, b, sizeof b), ct_strerror(r));
		ct_codec_fini(&m);
		return;
	}
	if (ct_node_is_self(n, from, m.user.p, m.host.p)) {
		n->st.self++;
		ct_codec_fini(&m);
		return;
	}
	rx.m = &m;
	rx.from = *from;
	rx.now_ms = ct_evloop_now_ms(n->ev);
	rx.now_wall = ct_wall_now();
	/* any packet is a sign of life */
	if ((h = ct_hosts_find_addr(n->hosts, from)) && h->state != CT_HOST_OFFLINE) {
		h->seen_ms = rx.now_ms;
		h->pending = 0;
		h->missed_run = 0;
	}
	dup = seen_before(n, &m, from);
	if (dup)
		n->st.dup++;
	for (unsigned i = 0; !dup && i < n->ntaps; i++)
		n->taps[i].fn(n, &rx, n->taps[i].ud);
	dispatch(n, &rx, dup);
	ct_codec_fini(&m);
}

static void on_udp(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct ct_node *n = ud;
	static char buf[CT_IPMSG_MAXDGRAM];

	(void)ev;
	(void)events;
	for (int k = 0; k < RX_BATCH; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		ssize_t got = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
		struct ct_haddr from;
		if (got < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("recvfrom: %s", strerror(errno));
			return;
		}
		if (ct_haddr_from_sa(&from, (struct sockaddr *)&ss) != 0)
			continue;
		ct_node_input(n, buf, (size_t)got, &from);
	}
}

static void on_tcp(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	(void)ev;
	(void)events;
	(void)ud;
	for (int k = 0; k < 64; k++) {
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			return;
		close(c); /* reachability only: camtraced serves no files */
	}
}

static int open_sock(int type, const char *bind_addr, uint16_t port, int rcvbuf, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
		snprintf(err, errlen, "listen address '%s' is not an IPv4 address; use 0.0.0.0 or one "
			"of this machine's addresses", bind_addr);
		return CT_ECONFIG;
	}
	if ((fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return CT_ESYS;
	}
	if (type == SOCK_DGRAM) {
		setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
		if (rcvbuf > 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || (type == SOCK_STREAM && listen(fd, 64) != 0)) {
		int e = errno;
		snprintf(err, errlen, "cannot bind %s port %s:%u: %s%s", type == SOCK_DGRAM ? "UDP" : "TCP",
			bind_addr, port, strerror(e),
			e == EADDRINUSE ? " (another IP Messenger client or camtraced runs here: stop it or set `port`)" :
			e == EACCES ? " (a port below 1024 needs root or cap_net_bind_service)" : "");
		close(fd);
		return e == EACCES ? CT_EPERM : CT_ESYS;
	}
	return fd;
}

int ct_node_new(struct ct_node **out, struct ct_evloop *ev, struct ct_hosts *hosts,
	const struct ct_node_conf *conf, char *err, size_t errlen)
{
	struct ct_node *n = calloc(1, sizeof *n);
	const char *ba = conf->bind_addr && conf->bind_addr[0] ? conf->bind_addr : "0.0.0.0";
	int r;

	*out = NULL;
	if (!n)
		return CT_ENOMEM;
	n->ev = ev;
	n->hosts = hosts;
	n->fd = n->tcpfd = -1;
	n->port = conf->port ? conf->port : CT_IPMSG_PORT;
	n->rng = ct_mono_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
	ct_sbuf_init(&n->out);
	if ((r = ct_node_reconf(n, conf)) != 0) {
		snprintf(err, errlen, "out of memory");
		ct_node_free(n);
		return r;
	}
	if ((r = open_sock(SOCK_DGRAM, ba, n->port, conf->rcvbuf ? conf->rcvbuf : 4 << 20, err, errlen)) < 0) {
		ct_node_free(n);
		return r;
	}
	n->fd = r;
	if (conf->tcp) {
		if ((r = open_sock(SOCK_STREAM, ba, n->port, 0, err, errlen)) < 0) {
			ct_node_free(n);
			return r;
		}
		n->tcpfd = r;
		ct_evloop_add_fd(ev, n->tcpfd, CT_EV_READ, on_tcp, n);
	}
	if ((r = ct_evloop_add_fd(ev, n->fd, CT_EV_READ, on_udp, n)) != 0) {
		snprintf(err, errlen, "cannot watch the socket: %s", ct_strerror(r));
		ct_node_free(n);
		return r;
	}
	{
		struct ct_haddr b;
		scan_interfaces(n, ct_haddr_parse(&b, ba, 0) == 0 ? ct_haddr_v4(&b) : 0);
	}
	*out = n;
	return 0;
}

void ct_node_free(struct ct_node *n)
{
	if (!n)
		return;
	while (n->pend) {
		struct pend_ans *p = n->pend;
		ct_evloop_cancel_timer(n->ev, p->timer);
		pend_unlink(n, p);
		free(p);
	}
	ct_evloop_cancel_timer(n->ev, n->t_entry);
	ct_evloop_cancel_timer(n->ev, n->t_repeat);
	ct_evloop_cancel_timer(n->ev, n->t_check);
	ct_evloop_cancel_timer(n->ev, n->t_tick);
	if (n->fd >= 0) {
		ct_evloop_del_fd(n->ev, n->fd);
		close(n->fd);
	}
	if (n->tcpfd >= 0) {
		ct_evloop_del_fd(n->ev, n->tcpfd);
		close(n->tcpfd);
	}
	free_identity(n);
	free(n->bcast);
	ct_sbuf_fini(&n->out);
	free(n);
}

int ct_node_set_handler(struct ct_node *n, uint32_t mode, ct_node_mode_fn fn, void *ud)
{
	if (mode > 255)
		return CT_EINVAL;
	n->mode[mode].fn = fn;
	n->mode[mode].ud = ud;
	return 0;
}

int ct_node_add_observer(struct ct_node *n, ct_node_host_fn fn, void *ud)
{
	for (unsigned i = 0; i < n->nobs; i++)
		if (n->obs[i].fn == fn && n->obs[i].ud == ud)
			return CT_EEXIST;
	if (n->nobs >= MAX_OBS)
		return CT_ETOOBIG;
	n->obs[n->nobs].fn = fn;
	n->obs[n->nobs].ud = ud;
	n->nobs++;
	return 0;
}

int ct_node_add_tap(struct ct_node *n, ct_node_tap_fn fn, void *ud)
{
	for (unsigned i = 0; i < n->ntaps; i++)
		if (n->taps[i].fn == fn && n->taps[i].ud == ud)
			return CT_EEXIST;
	if (n->ntaps >= CT_ARRAY_LEN(n->taps))
		return CT_ETOOBIG;
	n->taps[n->ntaps].fn = fn;
	n->taps[n->ntaps].ud = ud;
	n->ntaps++;
	return 0;
}

void ct_node_remove_tap(struct ct_node *n, ct_node_tap_fn fn, void *ud)
{
	for (unsigned i = 0; i < n->ntaps; i++)
		if (n->taps[i].fn == fn && n->taps[i].ud == ud) {
			n->taps[i] = n->taps[--n->ntaps];
			return;
		}
}

const struct ct_node_stats *ct_node_stats(const struct ct_node *n) { return &n->st; }
struct ct_hosts *ct_node_hosts(const struct ct_node *n) { return n->hosts; }
struct ct_evloop *ct_node_evloop(const struct ct_node *n) { return n->ev; }
uint16_t ct_node_port(const struct ct_node *n) { return n->port; }
int ct_node_fd(const struct ct_node *n) { return n->fd; }
