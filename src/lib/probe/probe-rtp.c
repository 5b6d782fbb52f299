/* probe-rtp.c: RTP measurement: RFC 3550 jitter and per-port RTP sessions through a camtraced echo. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "bytes.h"
#include "clock.h"
#include "err.h"
#include "icmpname.h"
#include "log.h"
#include "probe-rtp.h"
#include "sockerr.h"


void ct_jitter_add(struct ct_jitter *jt, int64_t sent_ns, int64_t arrival_ns)
{
	int64_t transit = arrival_ns - sent_ns;

	if (jt->have) {
		double d = fabs((double)(transit - jt->last_transit));
		jt->j_ns += (d - jt->j_ns) / 16.0;
	}
	jt->last_transit = transit;
	jt->have = 1;
}

/* ---- measurement --------------------------------------------------------- */

struct port_state {
	int fd;
	uint32_t ssrc;
	struct ct_jitter jf, jb;
	double rtt_sum;
	uint8_t *seen; /* one byte per sequence number sent */
	uint64_t first_ns; /* when the first packet went */
};

static void on_echo(struct ct_rtp_port *pt, struct port_state *ps, const uint8_t *buf, size_t n, uint64_t now, int count)
{
	struct ct_rtp_hdr h;
	struct ct_rtp_echo_info ei;
	double rtt;

	if (ct_rtp_parse_echo(buf, n, &h, &ei) != 0 || h.ssrc != ps->ssrc || h.seq >= count)
		return;
	if (ps->seen[h.seq]) {
		pt->dup++;
		return;
	}
	ps->seen[h.seq] = 1;
	rtt = (double)(now - ei.probe_tx_ns) / 1e6;
	if (pt->answered == 0 || rtt < pt->rtt_min_ms)
		pt->rtt_min_ms = rtt;
	if (rtt > pt->rtt_max_ms)
		pt->rtt_max_ms = rtt;
	ps->rtt_sum += rtt;
	pt->answered++;
	if ((int)ei.echo_count > pt->echo_received)
		pt->echo_received = (int)ei.echo_count;
	ct_jitter_add(&ps->jf, (int64_t)ei.probe_tx_ns, (int64_t)ei.echo_rx_ns);
	ct_jitter_add(&ps->jb, (int64_t)ei.echo_tx_ns, (int64_t)now);
}

static void drain(struct ct_rtp_port *pt, struct port_state *ps, const struct sockaddr_storage *dst, int count)
{
	uint8_t buf[2048];

	for (int k = 0; k < 256; k++) {
		struct ct_reply r;
		size_t qlen = sizeof buf;
		if (ct_probe_read_errqueue(ps->fd, &r, buf, &qlen) <= 0)
			break;
		/* the quote is our RTP packet: its SSRC says it is this port's stream */
		if (qlen >= CT_RTP_HDR && ((uint32_t)buf[8] << 24 | (uint32_t)buf[9] << 16 | (uint32_t)buf[10] << 8 | buf[11]) != ps->ssrc)
			continue;
		if (!pt->icmp_seen) {
			pt->icmp = r;
			pt->icmp_after_ns = ct_mono_ns() - ps->first_ns;
			pt->icmp_seen = 1;
		}
	}
	for (int k = 0; k < 256; k++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(ps->fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		int same;
		if (n < 0)
			break;
		if (from.ss_family == AF_INET6)
			same = dst->ss_family == AF_INET6 &&
				IN6_ARE_ADDR_EQUAL(&((const struct sockaddr_in6 *)&from)->sin6_addr, &((const struct sockaddr_in6 *)dst)->sin6_addr) &&
				ntohs(((const struct sockaddr_in6 *)&from)->sin6_port) == pt->port;
		else
			same = dst->ss_family == AF_INET &&
				((const struct sockaddr_in *)&from)->sin_addr.s_addr == ((const struct sockaddr_in *)dst)->sin_addr.s_addr &&
				ntohs(((const struct sockaddr_in *)&from)->sin_port) == pt->port;
		if (same)
			on_echo(pt, ps, buf, (size_t)n, ct_mono_ns(), count);
	}
}

int ct_rtp_measure(uint32_t dst, struct ct_rtp_port *ports, int nports, const struct ct_rtp_opts *o,
	char *err, size_t errlen)
{
	int count = o->count > 0 ? o->count : 50;
	uint64_t iv = o->interval_ns ? o->interval_ns : 20000000ull;
	uint64_t wait = o->wait_ns ? o->wait_ns : 1000000000ull;
	struct port_state *ps;
	struct pollfd *pf;
	uint64_t next, deadline;
	int r = 0, fam = o->family == AF_INET6 ? AF_INET6 : AF_INET;
	struct sockaddr_storage to;
	socklen_t tol = ct_probe_sockaddr(fam, dst, &o->dst6, 0, &to);

	if (nports <= 0 || count > 65536)
		return CT_EINVAL;
	ps = calloc((size_t)nports, sizeof *ps);
	pf = calloc((size_t)nports, sizeof *pf);
	if (!ps || !pf) {
		free(ps);
		free(pf);
		return CT_ENOMEM;
	}
	for (int i = 0; i < nports; i++)
		ps[i].fd = -1;
	for (int i = 0; i < nports; i++) {
		struct sockaddr_storage a;
		socklen_t al = ct_probe_sockaddr(fam, o->src, &o->src6, o->same_sport ? ports[i].port : 0, &a);
		int on = 1;
		ps[i].fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		ps[i].seen = calloc((size_t)count, 1);
		ps[i].ssrc = (uint32_t)ct_mono_ns() ^ (uint32_t)(i * 0x9e3779b9u) ^ (uint32_t)getpid();
		memset(&ports[i].icmp, 0, sizeof ports[i].icmp);
		if (ps[i].fd < 0 || !ps[i].seen) {
			snprintf(err, errlen, "UDP socket: %s", strerror(errno));
			r = CT_ESYS;
			goto out;
		}
		if (fam == AF_INET6)
			(void)setsockopt(ps[i].fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
		if (bind(ps[i].fd, (struct sockaddr *)&a, al) != 0) {
			al = ct_probe_sockaddr(fam, o->src, &o->src6, 0, &a);
			if (bind(ps[i].fd, (struct sockaddr *)&a, al) != 0) {
				snprintf(err, errlen, "bind: %s", strerror(errno));
				r = CT_ESYS;
				goto out;
			}
		}
		(void)ct_sock_recverr(ps[i].fd);
		pf[i] = (struct pollfd){ ps[i].fd, POLLIN, 0 };
	}
	next = ct_mono_ns();
	for (int i = 0; i < nports; i++)
		ps[i].first_ns = next;
	for (int seq = 0; seq < count; seq++) {
		for (int i = 0; i < nports; i++) {
			struct sockaddr_storage a = to;
			uint8_t pkt[CT_RTP_HDR + CT_RTP_PROBE_LEN];
			size_t len = ct_rtp_build_probe(pkt, sizeof pkt, (uint16_t)seq, (uint32_t)seq * 160u, ps[i].ssrc, ct_mono_ns());
			if (fam == AF_INET6)
				((struct sockaddr_in6 *)&a)->sin6_port = htons(ports[i].port);
			else
				((struct sockaddr_in *)&a)->sin_port = htons(ports[i].port);
			if (sendto(ps[i].fd, pkt, len, 0, (struct sockaddr *)&a, tol) == (ssize_t)len)
				ports[i].sent++;
		}
		next += iv;
		for (;;) {
			uint64_t now = ct_mono_ns();
			if (now >= next)
				break;
			if (poll(pf, (nfds_t)nports, (int)((next - now) / 1000000) + 1) > 0)
				for (int i = 0; i < nports; i++)
					if (pf[i].revents)
						drain(&ports[i], &ps[i], &to, count);
		}
	}
	deadline = ct_mono_ns() + wait;
	for (;;) {
		uint64_t now = ct_mono_ns();
		int done = 1, silent = 1;
		for (int i = 0; i < nports; i++) {
			if (ports[i].answered + 0 < ports[i].sent && !(ports[i].icmp_seen && ports[i].answered == 0))
				done = 0;
			silent &= !ports[i].answered && !ports[i].icmp_seen;
		}
		if (silent && deadline < ps[0].first_ns + CT_PROBE_ARP_NS)
			deadline = ps[0].first_ns + CT_PROBE_ARP_NS; /* a late host unreachable may still come */
		if (done || now >= deadline)
			break;
		if (poll(pf, (nfds_t)nports, (int)((deadline - now) / 1000000) + 1) > 0)
			for (int i = 0; i < nports; i++)
				if (pf[i].revents)
					drain(&ports[i], &ps[i], &to, count);
	}
	for (int i = 0; i < nports; i++) {
		struct ct_rtp_port *pt = &ports[i];
		if (pt->answered) {
			pt->state = CT_PORT_OPEN;
			pt->rtt_avg_ms = ps[i].rtt_sum / pt->answered;
			pt->jitter_fwd_ms = ps[i].jf.j_ns / 1e6;
			pt->jitter_back_ms = ps[i].jb.j_ns / 1e6;
			if (pt->echo_received < pt->answered)
				pt->echo_received = pt->answered;
			pt->loss_fwd = pt->sent ? 1.0 - (double)pt->echo_received / pt->sent : 0;
			pt->loss_back = pt->echo_received ? 1.0 - (double)pt->answered / pt->echo_received : 0;
		} else if (pt->icmp_seen) {
			struct ct_probe p = { .sent = 1, .answered = 1, .dst = dst, .family = o->family, .dst6 = o->dst6 };
			p.reply = pt->icmp;
			pt->state = ct_probe_udp_state(&p);
			pt->host_down = ct_reply_host_down(&pt->icmp, pt->icmp_after_ns, fam, o->src, &o->src6);
			pt->loss_fwd = 1.0;
		} else {
			pt->state = pt->sent ? CT_PORT_OPEN_FILTERED : CT_PORT_UNKNOWN;
			pt->loss_fwd = 1.0;
		}
	}
out:
	for (int i = 0; i < nports; i++) {
		if (ps[i].fd >= 0)
			close(ps[i].fd);
		free(ps[i].seen);
	}
	free(ps);
	free(pf);
	return r;
}
