/* rtpecho.c: the RTP echo engine: binds the RTP ports and answers camtrace probes with receive/send timestamps. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "clock.h"
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "rtp.h"
#include "rtpecho.h"

#define ECHO_MAX_PORTS 64
#define ECHO_SSRC_SLOTS 256
#define ECHO_SRC_SLOTS 64

struct ssrc_slot {
	uint32_t ssrc;
	uint32_t addr;
	uint32_t count;
	uint64_t last_ns;
};

struct src_bucket {
	uint32_t addr;
	double tokens;
	uint64_t last_ns;
};

struct ct_rtpecho {
	int fds[2 * ECHO_MAX_PORTS]; /* IPv4 sockets, then IPv6 ones (IPV6_V6ONLY) */
	size_t nfds;
	struct ct_evloop *ev;
	unsigned rate;
	ct_rtpecho_other_fn other;
	void *other_ud;
	struct ct_rtpecho_stats st;
	struct ssrc_slot ssrc[ECHO_SSRC_SLOTS];
	struct src_bucket src[ECHO_SRC_SLOTS];
};

/* Binds one UDP socket of family fam on port p (addr: struct in_addr or in6_addr); fd or -errno. */
static int bind_port(int fam, const void *addr, unsigned p)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), en;

	memset(&ss, 0, sizeof ss);
	if (fam == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)p);
		memcpy(&a->sin_addr, addr, sizeof a->sin_addr);
		sl = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		memcpy(&a->sin6_addr, addr, sizeof a->sin6_addr);
		sl = sizeof *a;
	}
	if (fd < 0)
		return -errno;
	if ((fam == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
	    bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		en = errno;
		close(fd);
		return -en;
	}
	return fd;
}

int ct_rtpecho_open(struct ct_rtpecho **out, const char *addr, uint16_t lo, uint16_t hi, char *err, size_t errlen)
{
	struct ct_rtpecho *e;
	struct in_addr ia = { 0 };
	struct in6_addr ia6 = IN6ADDR_ANY_INIT;
	int v4 = 1, v6 = 1;

	*out = NULL;
	if (lo == 0 || hi < lo || hi - lo >= ECHO_MAX_PORTS) {
		snprintf(err, errlen, "RTP echo: port range %u-%u is empty or wider than %d ports", lo, hi, ECHO_MAX_PORTS);
		return CT_EINVAL;
	}
	if (addr && addr[0]) {
		if (inet_pton(AF_INET, addr, &ia) == 1)
			v6 = 0;
		else if (inet_pton(AF_INET6, addr, &ia6) == 1)
			v4 = 0;
		else {
			snprintf(err, errlen, "RTP echo: '%s' is not an IPv4 or IPv6 address", addr);
			return CT_EINVAL;
		}
	}
	e = calloc(1, sizeof *e);
	if (!e)
		return CT_ENOMEM;
	e->rate = 200;
	for (int fam = AF_INET; fam; fam = fam == AF_INET ? AF_INET6 : 0) {
		if ((fam == AF_INET && !v4) || (fam == AF_INET6 && !v6))
			continue;
		for (unsigned p = lo; p <= hi; p++) {
			int fd = bind_port(fam, fam == AF_INET ? (const void *)&ia : (const void *)&ia6, p);
			/* every address: a machine without IPv6 still echoes over IPv4 */
			if (fd < 0 && fam == AF_INET6 && v4 && (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL)) {
				log_info("RTP echo: IPv4 only (%s)", strerror(-fd));
				break;
			}
			if (fd < 0) {
				snprintf(err, errlen, "RTP echo: cannot bind UDP port %u (%s): %s%s", p,
					fam == AF_INET ? "IPv4" : "IPv6", strerror(-fd),
					fd == -EADDRINUSE ? " (another program uses it: pick other ports)" : "");
				ct_rtpecho_close(e);
				return fd == -EADDRINUSE ? CT_EEXIST : CT_ESYS;
			}
			e->fds[e->nfds++] = fd;
		}
	}
	*out = e;
	return 0;
}

void ct_rtpecho_close(struct ct_rtpecho *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->nfds; i++) {
		if (e->ev)
			ct_evloop_del_fd(e->ev, e->fds[i]);
		close(e->fds[i]);
	}
	free(e);
}

void ct_rtpecho_set_rate(struct ct_rtpecho *e, unsigned per_second)
{
	e->rate = per_second;
}

static void on_read(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	(void)ev;
	(void)events;
	ct_rtpecho_handle(ud, fd);
}

int ct_rtpecho_attach(struct ct_rtpecho *e, struct ct_evloop *ev)
{
	for (size_t i = 0; i < e->nfds; i++) {
		int r = ct_evloop_add_fd(ev, e->fds[i], CT_EV_READ, on_read, e);
		if (r != 0) {
			for (size_t k = 0; k < i; k++)
				ct_evloop_del_fd(ev, e->fds[k]);
			return r;
		}
	}
	e->ev = ev;
	return 0;
}

size_t ct_rtpecho_fds(const struct ct_rtpecho *e, int *fds, size_t max)
{
	size_t n = e->nfds < max ? e->nfds : max;

	memcpy(fds, e->fds, n * sizeof *fds);
	return e->nfds;
}

void ct_rtpecho_stats(const struct ct_rtpecho *e, struct ct_rtpecho_stats *st)
{
	*st = e->st;
}

void ct_rtpecho_set_other(struct ct_rtpecho *e, ct_rtpecho_other_fn fn, void *ud)
{
	e->other = fn;
	e->other_ud = ud;
}

/* Counts packets per (source, SSRC); the oldest slot is reused. */
static uint32_t count_ssrc(struct ct_rtpecho *e, uint32_t addr, uint32_t ssrc, uint64_t now)
{
	struct ssrc_slot *old = &e->ssrc[0];

	for (size_t i = 0; i < ECHO_SSRC_SLOTS; i++) {
		struct ssrc_slot *s = &e->ssrc[i];
		if (s->count && s->ssrc == ssrc && s->addr == addr) {
			s->last_ns = now;
			return ++s->count;
		}
		if (s->last_ns < old->last_ns)
			old = s;
	}
	*old = (struct ssrc_slot){ ssrc, addr, 1, now };
	return 1;
}

static int allow(struct ct_rtpecho *e, uint32_t addr, uint64_t now)
{
	struct src_bucket *b = NULL, *old = &e->src[0];

	if (!e->rate)
		return 1;
	for (size_t i = 0; i < ECHO_SRC_SLOTS && !b; i++) {
		if (e->src[i].last_ns && e->src[i].addr == addr)
			b = &e->src[i];
		else if (e->src[i].last_ns < old->last_ns)
			old = &e->src[i];
	}
	if (!b) {
		b = old;
		*b = (struct src_bucket){ addr, (double)e->rate, now };
	}
	b->tokens += (double)(now - b->last_ns) / 1e9 * e->rate;
	if (b->tokens > e->rate)
		b->tokens = e->rate;
	b->last_ns = now;
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

/* The source as one 32-bit key for the SSRC and rate tables: the IPv4 address, or an IPv6 one folded. */
static uint32_t src_key(const struct sockaddr_storage *ss)
{
	uint32_t w[4], k;

	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr;
	memcpy(w, &((const struct sockaddr_in6 *)ss)->sin6_addr, sizeof w);
	k = w[0] * 0x9E3779B1u ^ w[1] * 0x85EBCA77u ^ w[2] * 0xC2B2AE3Du ^ w[3];
	return k ? k : 1;
}

int ct_rtpecho_handle(struct ct_rtpecho *e, int fd)
{
	int answered = 0;

	for (int k = 0; k < 256; k++) {
		uint8_t in[2048], out[CT_RTP_HDR + CT_RTP_PROBE_LEN];
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, in, sizeof in, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		uint64_t rx = ct_mono_ns();
		struct ct_rtp_hdr h;
		size_t len;
		uint32_t count;

		if (n < 0)
			break;
		if (e->other && from.ss_family == AF_INET && e->other(e->other_ud, fd, in, (size_t)n, &from))
			continue;
		if (ct_rtp_parse(in, (size_t)n, &h, NULL, NULL) != 0 ||
		    (from.ss_family != AF_INET && from.ss_family != AF_INET6)) {
			e->st.ignored++;
			continue;
		}
		uint32_t key = src_key(&from);
		count = count_ssrc(e, key, h.ssrc, rx);
		len = ct_rtp_make_echo(in, (size_t)n, rx, ct_mono_ns(), count, out, sizeof out);
		if (len == 0 || len > (size_t)n) {
			e->st.ignored++;
			continue;
		}
		e->st.received++;
		if (!allow(e, key, rx)) {
			e->st.limited++;
			continue;
		}
		if (sendto(fd, out, len, 0, (struct sockaddr *)&from, fl) == (ssize_t)len) {
			e->st.answered++;
			answered++;
		}
	}
	return answered;
}
