/* probe.c: the probe engine: opens privileged sockets (IPv4 and IPv6), runs a probe set, matches replies, unprivileged helpers. */
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
#include <netinet/icmp6.h>
#include "clock.h"
#include "err.h"
#include "icmpname.h"
#include "inject.h"
#include "log.h"
#include "privs.h"
#include "probe.h"
#include "sockerr.h"
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

static int raw_socket6(int proto)
{
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int big = 1 << 20, on = 1;

	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
	(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
	if (proto == IPPROTO_ICMPV6) {
		/* only what can answer a probe: the four error types and echo replies */
		struct icmp6_filter f;
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		(void)setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof f);
	}
	return fd;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The IPv6 half of ct_prober_open (CT_PROBER_V6). */
static void open_v6(struct ct_prober *pr, unsigned flags)
{
	char err[256];
	int e = 0;

	if (flags & CT_PROBER_RAW) {
		pr->icmp6_fd = raw_socket6(IPPROTO_ICMPV6);
		e = errno;
		if (pr->icmp6_fd >= 0) {
			pr->tcp6_fd = raw_socket6(IPPROTO_TCP);
			pr->udp6_fd = raw_socket6(IPPROTO_UDP);
			e = errno;
			if (ct_inject_open6(&pr->inj6, err, sizeof err) != 0)
				ct_prober_note(pr, "%s", err);
		}
		pr->raw6 = pr->icmp6_fd >= 0 && pr->tcp6_fd >= 0 && pr->udp6_fd >= 0 && pr->inj6;
		if (!pr->raw6) {
			ct_prober_note(pr, "no raw IPv6 sockets (%s): IPv6 probes use unprivileged sockets "
				"(IPV6_RECVERR, connect(), ping sockets); %s", strerror(e), ct_privs_advice());
			close_fd(&pr->icmp6_fd);
			close_fd(&pr->tcp6_fd);
			close_fd(&pr->udp6_fd);
			ct_inject_close(pr->inj6);
			pr->inj6 = NULL;
		}
	}
	pr->ping6_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (!pr->raw6 && pr->ping6_fd < 0 && (flags & CT_PROBER_PING))
		ct_prober_note(pr, "no ICMPv6 echo: raw sockets need CAP_NET_RAW and unprivileged ping "
			"sockets are off for this group (sysctl net.ipv4.ping_group_range, which also governs "
			"IPv6, =\"0 2147483647\" allows them); %s", ct_privs_advice());
	if (flags & CT_PROBER_BIND2425) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(CT_IPMSG_PORT), .sin6_addr = IN6ADDR_ANY_INIT };
		int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), on = 1;
		if (fd >= 0 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) == 0 &&
		    bind(fd, (struct sockaddr *)&a, sizeof a) == 0) {
			pr->udp2425_6_fd = fd;
			if (!pr->raw6)
				(void)ct_sock_recverr(fd);
		} else {
			if (fd >= 0)
				close(fd);
			ct_prober_note(pr, "UDP port 2425 over IPv6 is in use by another program: %s",
				pr->raw6 ? "IPv6 probes still go from port 2425 through the raw socket" :
				"IPv6 probes go from another port, so peers that always answer to port 2425 cannot be heard");
		}
	}
}

int ct_prober_open(struct ct_prober **out, unsigned flags)
{
	struct ct_prober *pr = calloc(1, sizeof *pr);
	char err[256];

	*out = NULL;
	if (!pr)
		return CT_ENOMEM;
	pr->icmp_fd = pr->tcp_fd = pr->udp_fd = pr->ping_fd = pr->udp2425_fd = -1;
	pr->icmp6_fd = pr->tcp6_fd = pr->udp6_fd = pr->ping6_fd = pr->udp2425_6_fd = -1;
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
				(void)ct_sock_recverr(fd);
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
	if (flags & CT_PROBER_V6)
		open_v6(pr, flags);
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
	for (int *fd = &pr->icmp6_fd; fd <= &pr->udp2425_6_fd; fd++)
		close_fd(fd);
	ct_inject_close(pr->inj);
	ct_inject_close(pr->inj6);
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

int ct_probe_resolve(const char *host, int family, int *fam, uint32_t *addr4, struct in6_addr *addr6,
	char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = family ? family : AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *res = NULL;
	struct in6_addr a6;
	struct in_addr a4;
	int r;

	if (family != AF_INET6 && inet_pton(AF_INET, host, &a4) == 1) {
		*fam = AF_INET;
		*addr4 = a4.s_addr;
		return 0;
	}
	if (family != AF_INET && inet_pton(AF_INET6, host, &a6) == 1) {
		*fam = AF_INET6;
		*addr6 = a6;
		return 0;
	}
	if (family != AF_INET6) {
		r = ct_probe_resolve4(host, addr4, err, errlen);
		if (r == 0 || family == AF_INET) {
			*fam = AF_INET;
			return r;
		}
	}
	hints.ai_family = AF_INET6;
	r = getaddrinfo(host, NULL, &hints, &res);
	if (r != 0 || !res) {
		snprintf(err, errlen, "cannot resolve '%s' to an %s address: %s", host, family ? "IPv6" : "IPv4 or IPv6",
			r ? gai_strerror(r) : "no address");
		return CT_ENOTFOUND;
	}
	*fam = AF_INET6;
	*addr6 = ((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
	freeaddrinfo(res);
	return 0;
}

socklen_t ct_probe_sockaddr(int family, uint32_t v4, const struct in6_addr *v6, uint16_t port,
	struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		if (v6)
			a->sin6_addr = *v6;
		return sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = v4;
		return sizeof *a;
	}
}

/* The local address the kernel picks for dst (a connected UDP socket: nothing is sent) and the
 * interface that owns it. ss holds dst on entry and the local address on return. */
static int route_lookup(struct sockaddr_storage *ss, socklen_t sl, char *ifname, size_t iflen)
{
	struct ifaddrs *ifa = NULL;
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	size_t alen = ss->ss_family == AF_INET6 ? 16 : 4;
	const void *me;

	if (ifname && iflen)
		ifname[0] = 0;
	if (fd < 0)
		return CT_ESYS;
	if (connect(fd, (struct sockaddr *)ss, sl) != 0 || getsockname(fd, (struct sockaddr *)ss, &sl) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return CT_ESYS;
	}
	close(fd);
	me = ss->ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)ss)->sin6_addr :
		(const void *)&((struct sockaddr_in *)ss)->sin_addr;
	if (ifname && getifaddrs(&ifa) == 0) {
		for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
			const void *x;
			if (!i->ifa_addr || i->ifa_addr->sa_family != ss->ss_family)
				continue;
			x = ss->ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr :
				(const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			if (memcmp(x, me, alen) == 0) {
				ct_strlcpy(ifname, i->ifa_name, iflen);
				break;
			}
		}
		freeifaddrs(ifa);
	}
	return 0;
}

int ct_probe_route_lookup6(const struct in6_addr *dst, struct in6_addr *src, char *ifname, size_t iflen)
{
	struct sockaddr_storage ss;
	socklen_t sl = ct_probe_sockaddr(AF_INET6, 0, dst, CT_IPMSG_PORT, &ss);
	int r = route_lookup(&ss, sl, ifname, iflen);

	if (r == 0)
		*src = ((struct sockaddr_in6 *)&ss)->sin6_addr;
	return r;
}

int ct_probe_route_lookup(uint32_t dst, uint32_t *src, char *ifname, size_t iflen)
{
	struct sockaddr_storage ss;
	socklen_t sl = ct_probe_sockaddr(AF_INET, dst, NULL, CT_IPMSG_PORT, &ss);
	int r = route_lookup(&ss, sl, ifname, iflen);

	if (r == 0)
		*src = ((struct sockaddr_in *)&ss)->sin_addr.s_addr;
	return r;
}

int ct_probe_msg_ttl(struct msghdr *m)
{
	int ttl = -1;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c))
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT))
			memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
	return ttl;
}

int ct_probe_read_errqueue(int fd, struct ct_reply *r, uint8_t *quote, size_t *qlen)
{
	struct ct_sockerr e;
	int rc = ct_sock_read_err(fd, &e, quote, qlen);

	if (rc <= 0)
		return rc;
	memset(r, 0, sizeof *r);
	r->ttl = r->quoted_ttl = r->target_hops = -1;
	r->kind = CT_RK_ICMP;
	r->icmp_type = e.type;
	r->icmp_code = e.code;
	r->family = e.family == AF_INET6 ? AF_INET6 : 0;
	r->from = e.from;
	r->from6 = e.from6;
	r->err = e.err;
	return 1;
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

int ct_reply_icmp_family(const struct ct_reply *r)
{
	return r && r->family == AF_INET6 ? CT_ICMP_V6 : CT_ICMP_V4;
}

int ct_reply_time_exceeded(const struct ct_reply *r)
{
	return r->kind == CT_RK_ICMP && r->icmp_type == (r->family == AF_INET6 ? 3 : 11);
}

int ct_probe_from_target(const struct ct_probe *p, const struct ct_reply *r)
{
	if (p->family == AF_INET6)
		return r->family == AF_INET6 && IN6_ARE_ADDR_EQUAL(&r->from6, &p->dst6);
	return r->family != AF_INET6 && r->from == p->dst;
}

static int reply_from_set_target(const struct ct_probe_set *s, const struct ct_reply *r)
{
	if (s->family == AF_INET6)
		return r->family == AF_INET6 && IN6_ARE_ADDR_EQUAL(&r->from6, &s->dst6);
	return r->family != AF_INET6 && r->from == s->dst;
}

void ct_probe_reply_init(struct ct_reply *r, const struct ct_ipview *v)
{
	memset(r, 0, sizeof *r);
	r->ttl = v->ttl;
	r->quoted_ttl = -1;
	r->target_hops = -1;
	if (v->v6) {
		r->family = AF_INET6;
		r->from6 = v->src6;
		if (v->ttl == 0)
			r->ttl = -1; /* the kernel did not give the hop limit */
	} else
		r->from = v->src;
}

int ct_probe_send6(struct ct_probe_set *s, uint8_t proto, const struct ct_inject_pkt6 *ip)
{
	int r = ct_inject_send6(s->pr->inj6, proto, ip);

	if (r != 0)
		snprintf(s->err, sizeof s->err, "%s", ct_inject_error(s->pr->inj6));
	return r;
}

void ct_probe_answer_icmp(struct ct_probe_set *s, struct ct_probe *p, struct ct_reply *r, const struct ct_ipview *v,
	uint64_t now)
{
	r->kind = CT_RK_ICMP;
	r->icmp_type = v->l4.icmp_type;
	r->icmp_code = v->l4.icmp_code;
	r->quoted_ttl = v->in_ttl;
	ct_probe_answer(s, p, r, now);
}

int ct_probe_view_from_target(const struct ct_probe_set *s, const struct ct_ipview *v)
{
	if (s->family == AF_INET6)
		return v->v6 && IN6_ARE_ADDR_EQUAL(&v->src6, &s->dst6);
	return !v->v6 && v->src == s->dst;
}

int ct_probe_view_quotes(const struct ct_probe_set *s, const struct ct_ipview *v, uint8_t proto)
{
	if (!v->has_inner || v->in_proto != proto)
		return 0;
	if (s->family == AF_INET6)
		return v->v6 && v->proto == IPPROTO_ICMPV6 && IN6_ARE_ADDR_EQUAL(&v->in_dst6, &s->dst6);
	return !v->v6 && v->proto == IPPROTO_ICMP && v->in_dst == s->dst;
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
	if ((reply_from_set_target(s, r) || (r->kind == CT_RK_ICMP && !ct_reply_time_exceeded(r))) && p->ttl &&
	    (s->dest_ttl == 0 || p->ttl < s->dest_ttl))
		s->dest_ttl = p->ttl;
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
	switch (ct_icmp_verdict(ct_reply_icmp_family(r), r->icmp_type, r->icmp_code)) {
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

int ct_ttl_hops(int ttl)
{
	static const int init[] = { 32, 64, 128, 255 };

	if (ttl < 1 || ttl > 255)
		return -1;
	for (size_t i = 0; i < CT_ARRAY_LEN(init); i++)
		if (ttl <= init[i])
			return init[i] - ttl;
	return -1;
}

int ct_reply_origin(const struct ct_probe *p)
{
	const struct ct_reply *r = &p->reply;

	if (!p->answered || r->kind == CT_RK_NONE)
		return CT_ORIGIN_UNKNOWN;
	if (r->origin)
		return r->origin;
	if (r->kind == CT_RK_CONNECT)
		return r->err == ECONNREFUSED ? CT_ORIGIN_UNVERIFIED : CT_ORIGIN_TARGET;
	if (r->kind == CT_RK_ICMP) {
		int known = r->family == AF_INET6 ? !IN6_IS_ADDR_UNSPECIFIED(&r->from6) : r->from != 0;
		if (known && !ct_probe_from_target(p, r))
			return CT_ORIGIN_PATH;
	}
	return CT_ORIGIN_TARGET;
}

int ct_reply_host_down(const struct ct_reply *r, uint64_t after_ns, int family, uint32_t src,
	const struct in6_addr *src6)
{
	int own;

	if (r && r->kind == CT_RK_CONNECT && r->err == EHOSTUNREACH)
		return after_ns >= 1000000000ull; /* connect(): the kernel's word for a host unreachable */
	if (!r || r->kind != CT_RK_ICMP)
		return 0;
	if (r->family == AF_INET6 ? !(r->icmp_type == 1 && r->icmp_code == 3) : !(r->icmp_type == 3 && r->icmp_code == 1))
		return 0;
	own = family == AF_INET6 ? src6 && r->family == AF_INET6 && IN6_ARE_ADDR_EQUAL(&r->from6, src6) :
		r->family != AF_INET6 && src && r->from == src;
	return own || after_ns >= 1000000000ull;
}

int ct_probes_host_down(const struct ct_probe *p, size_t n, uint64_t first_ns, int family, uint32_t src,
	const struct in6_addr *src6)
{
	uint64_t lo = UINT64_MAX, hi = 0, first_refused = UINT64_MAX;
	int refused = 0;

	for (size_t i = 0; i < n; i++) {
		const struct ct_reply *r = &p[i].reply;
		if (p[i].sent <= 0 || !p[i].answered || !ct_reply_host_down(r, UINT64_MAX, family, src, src6))
			continue;
		if (ct_reply_host_down(r, p[i].sent_ns + r->rtt_ns - first_ns, family, src, src6))
			return 1;
		refused++;
		lo = r->rtt_ns < lo ? r->rtt_ns : lo;
		hi = r->rtt_ns > hi ? r->rtt_ns : hi;
		first_refused = p[i].sent_ns < first_refused ? p[i].sent_ns : first_refused;
	}
	if (refused >= 2 && hi - lo >= 50000000ull)
		return 1; /* answered together: a queue flushed, not one reject per probe */
	for (size_t i = 0; refused && i < n; i++)
		if (p[i].sent > 0 && !p[i].answered && p[i].sent_ns > first_refused)
			return 1;
	return 0;
}

void ct_probe_adapt_silence(struct ct_probe_set *s, uint64_t rtt_ns)
{
	uint64_t a = rtt_ns * CT_PROBE_ADAPT_RTTS;

	if (a < CT_PROBE_ADAPT_FLOOR_NS)
		a = CT_PROBE_ADAPT_FLOOR_NS;
	if (a < s->gap_ns)
		s->gap_ns = a;
	if (a < s->wait_ns)
		s->wait_ns = a;
}

const char *ct_origin_key(int origin)
{
	static const char *const n[] = { NULL, "target", "path", "unverified" };

	return (unsigned)origin < CT_ARRAY_LEN(n) ? n[origin] : NULL;
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
		if (icmp_state(&p->reply) == CT_PORT_CLOSED && ct_reply_origin(p) == CT_ORIGIN_PATH)
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
			return ct_reply_origin(p) == CT_ORIGIN_PATH ? CT_PORT_FILTERED : CT_PORT_CLOSED;
		return CT_PORT_UNKNOWN;
	case CT_RK_CONNECT:
		if (p->reply.err == 0)
			return CT_PORT_OPEN;
		if (p->reply.err == ECONNREFUSED)
			return CT_PORT_CLOSED;
		return CT_PORT_FILTERED;
	case CT_RK_ICMP:
		/* port unreachable from a router: the router refuses, the host is not reached */
		if (icmp_state(&p->reply) == CT_PORT_CLOSED && ct_reply_origin(p) == CT_ORIGIN_PATH)
			return CT_PORT_FILTERED;
		return icmp_state(&p->reply);
	default:
		return CT_PORT_UNKNOWN;
	}
}
