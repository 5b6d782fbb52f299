/* nodeutil.h: shared helpers of the node unit tests: a raw loopback peer, node creation, loop pumping. */
#ifndef CT_TEST_NODEUTIL_H
#define CT_TEST_NODEUTIL_H

static struct ct_evloop *ev;

/* A bare UDP peer on 127.0.0.1 playing another IP Messenger host. */
struct peer {
	int fd;
	struct ct_haddr addr;
	uint32_t pkt;
};

static inline void peer_open(struct peer *p)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(0x7F000001);
	p->fd = socket(AF_INET, SOCK_DGRAM, 0);
	bind(p->fd, (struct sockaddr *)&sa, sizeof sa);
	getsockname(p->fd, (struct sockaddr *)&sa, &sl);
	ct_haddr_from_sa(&p->addr, (struct sockaddr *)&sa);
	p->pkt = 100;
}

static inline void peer_send(struct peer *p, uint16_t to_port, uint32_t pkt, const char *user, uint32_t cmd,
	const char *body, size_t bodylen)
{
	struct ct_sbuf b;
	struct sockaddr_in sa;

	ct_sbuf_init(&b);
	ct_codec_build(&b, NULL, pkt, user, "peerhost", cmd, body, bodylen, 1);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(0x7F000001);
	sa.sin_port = htons(to_port);
	sendto(p->fd, b.p, b.len, 0, (struct sockaddr *)&sa, sizeof sa);
	ct_sbuf_fini(&b);
}

/* Pumps the loop until the peer receives a datagram (parsed into m) or 3 s pass. */
static inline int peer_recv(struct peer *p, struct ct_ipmsg *m)
{
	static char buf[65536];
	uint64_t end = ct_mono_ms() + 3000;

	while (ct_mono_ms() < end) {
		ssize_t n = recv(p->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0)
			return ct_codec_parse(m, buf, (size_t)n);
		ct_evloop_run_once(ev, 5);
	}
	memset(m, 0, sizeof *m);
	return -1;
}

static inline void pump(int ms)
{
	uint64_t end = ct_mono_ms() + (uint64_t)ms;
	while (ct_mono_ms() < end)
		ct_evloop_run_once(ev, 5);
}

/* Runs the loop until cond holds or ms pass (a loaded machine answers late; no timing is asserted). */
#define PUMP_UNTIL(cond, ms) do { \
	uint64_t end_ = ct_mono_ms() + (uint64_t)(ms); \
	while (!(cond) && ct_mono_ms() < end_) \
		ct_evloop_run_once(ev, 5); \
} while (0)

static inline struct ct_node *mknode_conf(struct ct_hosts *h, struct ct_node_conf *cin, const char *user, uint16_t *port)
{
	struct ct_node_conf c;
	struct ct_node *n = NULL;
	char err[256];

	if (cin)
		c = *cin;
	else
		memset(&c, 0, sizeof c);
	c.bind_addr = "127.0.0.1";
	c.user = user;
	c.host = "testhost";
	c.nick = "テスト";
	c.group = "grp";
	c.no_broadcast = 1;
	c.entry_delay_ms = 10;
	c.max_missed = 2;
	c.check_rate = 1000;
	for (uint16_t p = (uint16_t)(20000 + getpid() % 20000); p < 65000; p += 7) {
		c.port = p;
		if (ct_node_new(&n, ev, h, &c, err, sizeof err) == 0) {
			*port = p;
			return n;
		}
	}
	printf("# %s\n", err);
	return NULL;
}

static inline struct ct_node *mknode(struct ct_hosts *h, const char *user, uint16_t *port)
{
	return mknode_conf(h, NULL, user, port);
}

#endif
