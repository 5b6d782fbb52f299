/* probe.c: the probe engine: opens privileged sockets, runs a probe set, matches replies, unprivileged helpers. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <sys/socket.h>
#include "clock.h"
#include "err.h"
#include "icmpname.h"
#include "inject.h"
#include "log.h"
#include "privs.h"
#include "probe.h"
#include "util.h"

void ct_prober_note(struct ct_prober *pr, const char *fmt, ...)
{
	va_list ap;

	if (pr->nnotes >= CT_PROBE_NOTE_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(pr->notes[pr->nnotes], sizeof pr->notes[0], fmt, ap);
	va_end(ap);
	for (unsigned i = 0; i < pr->nnotes; i++)
		if (strcmp(pr->notes[i], pr->notes[pr->nnotes]) == 0)
			return;
	pr->nnotes++;
}

static int raw_socket(int proto)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int big = 1 << 20;

	if (fd >= 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	return fd;
}

int ct_prober_open(struct ct_prober **out, unsigned flags)
{
	struct ct_prober *pr = calloc(1, sizeof *pr);
	char err[256];

	*out = NULL;
	if (!pr)
		return CT_ENOMEM;
	pr->icmp_fd = pr->tcp_fd = pr->udp_fd = pr->ping_fd = pr->udp2425_fd = -1;
	if (flags & CT_PROBER_RAW) {
		pr->icmp_fd = raw_socket(IPPROTO_ICMP);
		if (pr->icmp_fd >= 0) {
			pr->tcp_fd = raw_socket(IPPROTO_TCP);
			pr->udp_fd = raw_socket(IPPROTO_UDP);
			if (ct_inject_open(&pr->inj, err, sizeof err) != 0)
				ct_prober_note(pr, "%s", err);
		}
		pr->raw = pr->icmp_fd >= 0 && pr->tcp_fd >= 0 && pr->udp_fd >= 0 && pr->inj;
		if (!pr->raw) {
			ct_prober_note(pr, "no raw sockets (they need CAP_NET_RAW: %s): half-open TCP SYN, flow-stable traces with "
				"chosen IP IDs and replies sent to port 2425 cannot be seen; %s",
				strerror(errno), ct_privs_advice());
			for (int *fd = &pr->icmp_fd; fd <= &pr->udp_fd; fd++)
				if (*fd >= 0) {
					close(*fd);
					*fd = -1;
				}
			ct_inject_close(pr->inj);
			pr->inj = NULL;
		}
	}
	pr->ping_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (!pr->raw && pr->ping_fd < 0 && (flags & CT_PROBER_PING))
		ct_prober_note(pr, "no ICMP echo: raw sockets need CAP_NET_RAW and unprivileged ping "
			"sockets are off for this group (sysctl net.ipv4.ping_group_range=\"0 2147483647\" "
			"allows them); %s", ct_privs_advice());
	if (flags & CT_PROBER_BIND2425) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(CT_IPMSG_PORT) };
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0) {
			pr->udp2425_fd = fd;
			if (!pr->raw) /* privileged runs read ICMP errors from the raw socket */
				(void)ct_probe_sock_recverr(fd);
		} else {
			if (fd >= 0)
				close(fd);
			pr->port2425_busy = 1;
			ct_prober_note(pr, "UDP port 2425 is in use by another program (a messenger?): %s",
				pr->raw ? "probes are still sent from port 2425 through the raw socket "
				"and replies are read from a raw socket" : "probes go from another port, so "
				"peers that always answer to port 2425 (iptux) cannot be heard");
		}
	}
	*out = pr;
	return 0;
}

void ct_prober_close(struct ct_prober *pr)
{
	if (!pr)
		return;
	for (int *fd = &pr->icmp_fd; fd <= &pr->ping_fd; fd++)
		if (*fd >= 0)
			close(*fd);
	if (pr->udp2425_fd >= 0)
		close(pr->udp2425_fd);
	ct_inject_close(pr->inj);
	free(pr);
}

int ct_probe_resolve4(const char *host, uint32_t *addr, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_DGRAM }, *res = NULL;
	struct in_addr a;
	int r;

	if (inet_pton(AF_INET, host, &a) == 1) {
		*addr = a.s_addr;
		return 0;
	}
	r = getaddrinfo(host, NULL, &hints, &res);
	if (r != 0 || !res) {
		snprintf(err, errlen, "cannot resolve '%s' to an IPv4 address: %s", host,
			r ? gai_strerror(r) : "no address");
		return CT_ENOTFOUND;
	}
	*addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr;
	freeaddrinfo(res);
	return 0;
}

int ct_probe_route_lookup(uint32_t dst, uint32_t *src, char *ifname, size_t iflen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(CT_IPMSG_PORT), .sin_addr.s_addr = dst };
	socklen_t sl = sizeof a;
	struct ifaddrs *ifa = NULL;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (ifname && iflen)
		ifname[0] = 0;
	if (fd < 0)
		return CT_ESYS;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &sl) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return CT_ESYS;
	}
	close(fd);
	*src = a.sin_addr.s_addr;
	if (ifname && getifaddrs(&ifa) == 0) {
		for (struct ifaddrs *i = ifa; i; i = i->ifa_next)
			if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == *src) {
				ct_strlcpy(ifname, i->ifa_name, iflen);
				break;
			}
		freeifaddrs(ifa);
	}
	return 0;
}

int ct_probe_sock_recverr(int fd)
{
	int on = 1;

	if (setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on) != 0)
		return CT_ESYS;
	(void)setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
	return 0;
}

int ct_probe_read_errqueue(int fd, struct ct_reply *r, uint8_t *quote, size_t *qlen)
{
	char cbuf[512];
	struct sockaddr_in from;
	struct iovec iov = { quote, *qlen };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	ssize_t n = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : CT_ESYS;
	*qlen = (size_t)n;
	memset(r, 0, sizeof *r);
	r->ttl = r->quoted_ttl = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) {
			struct sock_extended_err ee;
			struct sockaddr_in off;
			memcpy(&ee, CMSG_DATA(c), sizeof ee);
			if (ee.ee_origin != SO_EE_ORIGIN_ICMP)
				return 0;
			memcpy(&off, (const char *)CMSG_DATA(c) + sizeof ee, sizeof off);
			r->kind = CT_RK_ICMP;
			r->icmp_type = ee.ee_type;
			r->icmp_code = ee.ee_code;
			r->from = off.sin_family == AF_INET ? off.sin_addr.s_addr : 0;
			r->err = (int)ee.ee_errno;
		}
	}
	return r->kind ? 1 : 0;
}

struct ct_probe *ct_probe_by_id(struct ct_probe_set *s, uint16_t ip_id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->probes[i].sent > 0 && s->probes[i].ip_id == ip_id)
			return &s->probes[i];
	return NULL;
}

struct ct_probe *ct_probe_by_seq(struct ct_probe_set *s, uint32_t seq)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->probes[i].sent > 0 && s->probes[i].seq == seq)
			return &s->probes[i];
	return NULL;
}

struct ct_probe *ct_probe_first_open(struct ct_probe_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->probes[i].sent > 0 && !s->probes[i].answered)
			return &s->probes[i];
	return NULL;
}

void ct_probe_answer(struct ct_probe_set *s, struct ct_probe *p, const struct ct_reply *r, uint64_t now)
{
	if (!p || p->sent <= 0)
		return;
	if (p->answered) {
		p->extra++;
		return;
	}
	p->reply = *r;
	p->reply.rtt_ns = now > p->sent_ns ? now - p->sent_ns : 0;
	p->answered = 1;
	if (p->reply.rtt_ns > s->max_rtt_ns)
		s->max_rtt_ns = p->reply.rtt_ns;
	/* the path ends where the target answers or something refuses the probe */
	if ((r->from == s->dst || (r->kind == CT_RK_ICMP && r->icmp_type != 11)) && p->ttl &&
	    (s->dest_ttl == 0 || p->ttl < s->dest_ttl))
		s->dest_ttl = p->ttl;
}

static int all_done(const struct ct_probe_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct ct_probe *p = &s->probes[i];
		if (p->sent <= 0 || p->answered)
			continue;
		if (s->stop_at_dest && s->dest_ttl && p->ttl > s->dest_ttl)
			continue;
		return 0;
	}
	return 1;
}

static void drain_raw(struct ct_probe_set *s, int fd, uint64_t now)
{
	uint8_t buf[65536];

	for (int k = 0; k < 256; k++) {
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		struct ct_ipview v;
		if (n <= 0)
			return;
		if (ct_ipview_parse(buf, (size_t)n, &v) == 0 && s->ops->packet)
			s->ops->packet(s, &v, now);
	}
}

/* Waits until `until` (monotonic ns) or until the set is complete, dispatching replies. */
static void pump(struct ct_probe_set *s, uint64_t until, int stop_when_done)
{
	struct ct_prober *pr = s->pr;

	for (;;) {
		struct pollfd pf[12];
		int kinds[12], n = 0, ms;
		uint64_t now = ct_mono_ns();

		if (stop_when_done && all_done(s))
			return;
		if (now >= until)
			return;
		if (s->use_raw) {
			int raw[3] = { pr->icmp_fd, pr->tcp_fd, pr->udp_fd };
			for (int i = 0; i < 3; i++)
				if (raw[i] >= 0) {
					pf[n] = (struct pollfd){ raw[i], POLLIN, 0 };
					kinds[n++] = 0;
				}
			if (pr->udp2425_fd >= 0) {
				pf[n] = (struct pollfd){ pr->udp2425_fd, POLLIN, 0 };
				kinds[n++] = 2;
			}
		}
		for (int i = 0; i < s->nfds && n < 12; i++) {
			pf[n] = (struct pollfd){ s->fds[i], POLLIN | (s->tcp_connect_pending ? POLLOUT : 0), 0 };
			kinds[n++] = 1;
		}
		ms = (int)((until - now + 999999) / 1000000);
		if (poll(pf, (nfds_t)n, ms) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		now = ct_mono_ns();
		for (int i = 0; i < n; i++) {
			if (!pf[i].revents)
				continue;
			if (kinds[i] == 0)
				drain_raw(s, pf[i].fd, now);
			else if (kinds[i] == 2) {
				char junk[2048];
				while (recv(pf[i].fd, junk, sizeof junk, MSG_DONTWAIT) >= 0)
					;
				while (recv(pf[i].fd, junk, sizeof junk, MSG_DONTWAIT | MSG_ERRQUEUE) >= 0)
					;
			} else if (s->ops->readable)
				s->ops->readable(s, pf[i].fd, now);
		}
	}
}

int ct_probe_run(struct ct_probe_set *s)
{
	uint64_t last = 0, deadline;
	int r = 0;

	if (!s->src) {
		if (ct_probe_route_lookup(s->dst, &s->src, NULL, 0) != 0) {
			snprintf(s->err, sizeof s->err, "no route to the target: %s", strerror(errno));
			return CT_ESYS;
		}
	}
	if (s->ops->open && (r = s->ops->open(s)) != 0)
		return r;
	for (size_t i = 0; i < s->n; i++) {
		struct ct_probe *p = &s->probes[i];
		p->reply.ttl = p->reply.quoted_ttl = -1;
		if (s->stop_at_dest && s->dest_ttl && p->ttl > s->dest_ttl)
			continue; /* the target already answered at a lower TTL */
		p->dst = s->dst;
		p->sent_ns = ct_mono_ns();
		r = s->ops->send(s, p);
		p->sent = r == 0 ? 1 : -1;
		if (r != 0)
			log_info("%s probe %zu not sent: %s", s->ops->name, i, s->err[0] ? s->err : ct_strerror(r));
		last = ct_mono_ns();
		if (s->gap_ns)
			pump(s, last + s->gap_ns, 0);
	}
	deadline = last + s->wait_ns;
	while (!all_done(s)) {
		uint64_t now = ct_mono_ns(), until = deadline;
		if (s->adapt_ns && s->max_rtt_ns) {
			uint64_t a = last + (s->max_rtt_ns * 5 > s->adapt_ns ? s->max_rtt_ns * 5 : s->adapt_ns);
			if (a < until)
				until = a;
		}
		if (now >= until)
			break;
		pump(s, now + 20000000 < until ? now + 20000000 : until, 1);
	}
	if (s->ops->close)
		s->ops->close(s);
	r = 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->probes[i].sent > 0)
			return 0;
	if (s->n && !s->err[0])
		snprintf(s->err, sizeof s->err, "no probe could be sent");
	return s->n ? CT_ESYS : 0;
}

const char *ct_port_state_name(enum ct_port_state st)
{
	static const char *const n[] = { "unknown", "open", "closed", "filtered", "open|filtered" };

	return (unsigned)st < CT_ARRAY_LEN(n) ? n[st] : "unknown";
}

const char *ct_port_state_key(enum ct_port_state st)
{
	static const char *const n[] = { "unknown", "open", "closed", "filtered", "open_filtered" };

	return (unsigned)st < CT_ARRAY_LEN(n) ? n[st] : "unknown";
}

static enum ct_port_state icmp_state(const struct ct_reply *r)
{
	switch (ct_icmp_verdict(CT_ICMP_V4, r->icmp_type, r->icmp_code)) {
	case CT_ICMPV_CLOSED:
		return CT_PORT_CLOSED;
	case CT_ICMPV_FILTERED:
	case CT_ICMPV_TRANSIT:
	case CT_ICMPV_OTHER:
		return CT_PORT_FILTERED;
	default:
		return CT_PORT_UNKNOWN;
	}
}

enum ct_port_state ct_probe_udp_state(const struct ct_probe *p)
{
	if (!p || p->sent <= 0)
		return CT_PORT_UNKNOWN;
	if (!p->answered)
		return CT_PORT_OPEN_FILTERED;
	if (p->reply.kind == CT_RK_UDP)
		return CT_PORT_OPEN;
	if (p->reply.kind == CT_RK_ICMP) {
		/* port unreachable from a router (not the target) means the router has no way on */
		if (ct_icmp_verdict(CT_ICMP_V4, p->reply.icmp_type, p->reply.icmp_code) == CT_ICMPV_CLOSED &&
		    p->reply.from != 0 && p->reply.from != p->dst)
			return CT_PORT_FILTERED;
		return icmp_state(&p->reply);
	}
	return CT_PORT_UNKNOWN;
}

enum ct_port_state ct_probe_tcp_state(const struct ct_probe *p)
{
	if (!p || p->sent <= 0)
		return CT_PORT_UNKNOWN;
	if (!p->answered)
		return CT_PORT_FILTERED;
	switch (p->reply.kind) {
	case CT_RK_TCP:
		if ((p->reply.tcp_flags & (CT_TCP_SYN | CT_TCP_ACK)) == (CT_TCP_SYN | CT_TCP_ACK))
			return CT_PORT_OPEN;
		if (p->reply.tcp_flags & CT_TCP_RST)
			return CT_PORT_CLOSED;
		return CT_PORT_UNKNOWN;
	case CT_RK_CONNECT:
		if (p->reply.err == 0)
			return CT_PORT_OPEN;
		if (p->reply.err == ECONNREFUSED)
			return CT_PORT_CLOSED;
		return CT_PORT_FILTERED;
	case CT_RK_ICMP:
		return icmp_state(&p->reply);
	default:
		return CT_PORT_UNKNOWN;
	}
}
