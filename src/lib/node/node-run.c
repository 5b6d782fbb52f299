/* node-run.c: the node's life and receive path: the sockets, ct_node_new/free, every datagram parsed, deduplicated and dispatched by mode. */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "node-int.h"
#include "util.h"

/* Datagrams handled per event-loop turn: the control socket and the timers get their turn
 * between two batches however hard the UDP socket is flooded (tests/bench/flood-bench.sh). */
#ifndef RX_BATCH
#define RX_BATCH 32 /* -DRX_BATCH=N to compare in the bench */
#endif
/* SO_SNDBUF: room for every answer the guard lets out to unresolved neighbours (ARP waits
 * ~3 s): unverified answers are small and bounded (unverified_rate), so 4 MiB never fills. */
#define TX_BUF (4 << 20)

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

/* Calls every mode handler or tap of l (the same signature); returns how many it called. */
static unsigned call_rx_hooks(struct ct_node *n, struct ct_hooklist *l, const struct ct_node_rx *rx)
{
	unsigned k = ct_hooklist_begin(l), called = 0;

	for (unsigned i = 0; i < k; i++) {
		const struct ct_hook *h = ct_hooklist_at(l, i);
		if (!h)
			continue;
		((ct_node_mode_fn)h->fn)(n, rx, h->ud);
		called++;
	}
	ct_hooklist_end(l);
	return called;
}

static void own_nothing(struct ct_node *n, const struct ct_node_rx *rx, int dup)
{
	(void)n;
	(void)rx;
	(void)dup;
}

/* What the node answers itself, by command mode; each concept in its own file. */
static const ct_node_own_fn own[256] = {
	[CT_IPMSG_NOOPERATION] = own_nothing,
	[CT_IPMSG_BR_ENTRY] = ct_node_entry_rx,
	[CT_IPMSG_ANSENTRY] = ct_node_entry_rx,
	[CT_IPMSG_BR_ABSENCE] = ct_node_entry_rx,
	[CT_IPMSG_BR_EXIT] = ct_node_exit_rx,
	[CT_IPMSG_GETINFO] = ct_node_info_rx,
	[CT_IPMSG_GETABSENCEINFO] = ct_node_absence_info_rx,
	[CT_IPMSG_SENDMSG] = ct_node_msg_rx,
	[CT_IPMSG_GETPUBKEY] = ct_node_pubkey_rx,
};

/* The node's own answer first (duplicates too), then the mode's handlers (no duplicates). */
static void dispatch(struct ct_node *n, const struct ct_node_rx *rx, int dup)
{
	uint32_t mode = CT_IPMSG_MODE(rx->m->mode);
	ct_node_own_fn fn = own[mode];

	if (fn)
		fn(n, rx, dup);
	if (!dup && !call_rx_hooks(n, &n->mode[mode], rx) && !fn)
		n->st.ignored++;
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
		log_limited(CT_LOG_INFO, "dropped a malformed packet of %zu bytes from %s: %s", len,
			ct_haddr_str(from, b, sizeof b), ct_strerror(r));
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
	ct_node_guard_rx(n, &rx, len);
	/* any packet is a sign of life */
	if ((h = ct_hosts_find_addr(n->hosts, from)) && h->state != CT_HOST_OFFLINE) {
		h->seen_ms = rx.now_ms;
		h->pending = 0;
		h->missed_run = 0;
	}
	dup = seen_before(n, &m, from);
	if (dup) {
		char b[CT_HADDR_STRLEN];
		n->st.dup++;
		log_limited(CT_LOG_DEBUG, "duplicate packet %u from %s (%s): answered again, not handled again",
			m.packetno, ct_haddr_str(from, b, sizeof b), ct_codec_cmd_name(CT_IPMSG_MODE(m.mode)));
	} else
		call_rx_hooks(n, &n->taps, &rx);
	dispatch(n, &rx, dup);
	ct_codec_fini(&m);
}

/* One recvmmsg() fills up to RX_BATCH slots (each with its own source address), then every
 * datagram goes through ct_node_input() in arrival order, exactly as one recvfrom() each did:
 * the guard, presence and handlers see the same packets, one system call instead of 32. The
 * slots are static (one thread; nothing runs the event loop from inside a handler) and only the
 * pages a datagram touches become resident. */
static struct {
	struct mmsghdr msg[RX_BATCH];
	struct iovec iov[RX_BATCH];
	struct sockaddr_storage from[RX_BATCH];
	char buf[RX_BATCH][CT_IPMSG_MAXDGRAM];
} rxq;

static void on_udp(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct ct_node *n = ud;
	int got;

	(void)ev;
	(void)events;
	for (int k = 0; k < RX_BATCH; k++) {
		rxq.iov[k].iov_base = rxq.buf[k];
		rxq.iov[k].iov_len = sizeof rxq.buf[k];
		memset(&rxq.msg[k].msg_hdr, 0, sizeof rxq.msg[k].msg_hdr);
		rxq.msg[k].msg_hdr.msg_iov = &rxq.iov[k];
		rxq.msg[k].msg_hdr.msg_iovlen = 1;
		rxq.msg[k].msg_hdr.msg_name = &rxq.from[k];
		rxq.msg[k].msg_hdr.msg_namelen = sizeof rxq.from[k];
	}
	got = recvmmsg(fd, rxq.msg, RX_BATCH, MSG_DONTWAIT, NULL);
	if (got < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warn("recvmmsg: %s", strerror(errno));
		return;
	}
	for (int k = 0; k < got; k++) {
		struct ct_haddr from;
		if (ct_haddr_from_sa(&from, (struct sockaddr *)&rxq.from[k]) != 0)
			continue;
		ct_node_input(n, rxq.buf[k], rxq.msg[k].msg_len, &from);
	}
}

static void on_tcp(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct ct_node *n = ud;

	(void)ev;
	(void)events;
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		struct ct_haddr from;
		int c = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0)
			return;
		if (!n->tcp_fn || ct_haddr_from_sa(&from, (struct sockaddr *)&ss) != 0)
			close(c); /* reachability only */
		else
			n->tcp_fn(n, c, &from, n->tcp_ud);
	}
}

void ct_node_set_tcp_handler(struct ct_node *n, ct_node_tcp_fn fn, void *ud)
{
	n->tcp_fn = fn;
	n->tcp_ud = ud;
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
		/* as root the size is exact (not capped by net.core.rmem_max): under a flood a request
		 * waits behind a full buffer, so its size is the queueing delay */
		if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
		int sndbuf = TX_BUF;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) != 0)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
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
		if ((r = open_sock(SOCK_STREAM, ba, conf->tcp_port ? conf->tcp_port : n->port, 0, err, errlen)) < 0) {
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
		ct_node_scan_interfaces(n, ct_haddr_parse(&b, ba, 0) == 0 ? ct_haddr_v4(&b) : 0);
	}
	*out = n;
	return 0;
}

void ct_node_free(struct ct_node *n)
{
	if (!n)
		return;
	ct_node_answers_drop(n);
	ct_node_claims_fini(n);
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
	for (size_t i = 0; i < CT_ARRAY_LEN(n->mode); i++)
		ct_hooklist_fini(&n->mode[i]);
	ct_hooklist_fini(&n->obs);
	ct_hooklist_fini(&n->taps);
	ct_node_free_identity(n);
	ct_node_guard_free(n);
	free(n->bcast);
	ct_sbuf_fini(&n->out);
	free(n);
}
