/* probe-msg.c: the message probe: a SENDMSG|SENDCHECKOPT marked as a camtrace test per target, resent with the same packet number until RECVMSG, with tries and round-trip times. */
#include "config.h"
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bodies.h"
#include "clock.h"
#include "codec.h"
#include "crypto.h"
#include "err.h"
#include "pktno.h"
#include "probe-msg.h"
#include "sbuf.h"
#include "util.h"

#define GRACE_NS 300000000ULL /* after the last RECVMSG: time for an absence reply */

static uint32_t pktno_last;

static void on_datagram(struct ct_msgprobe *v, size_t n, const uint64_t *last_send, const void *d, size_t len,
	uint32_t from, uint64_t now)
{
	struct ct_ipmsg m;
	uint32_t pkt;

	if (ct_codec_parse(&m, d, len) != 0) {
		ct_codec_fini(&m);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct ct_msgprobe *p = &v[i];
		if (p->dst != from)
			continue;
		if (m.mode == CT_IPMSG_RECVMSG && m.nsec && !p->answered &&
		    ct_body_pktno_parse(m.sec[0].p, m.sec[0].len, &pkt) == 0 && pkt == p->packetno) {
			p->answered = 1;
			p->rtt_ns = now - last_send[i];
			p->first_ns = now - last_send[n + i];
		} else if (m.mode == CT_IPMSG_SENDMSG && (m.opts & CT_IPMSG_AUTORETOPT) && m.nsec) {
			p->auto_reply = 1;
			ct_escape_bytes(m.sec[0].p, m.sec[0].len, p->auto_text, sizeof p->auto_text);
			p->decrypt_err |= ct_crypt_is_decrypt_err(m.sec[0].p, m.sec[0].len);
		}
	}
	ct_codec_fini(&m);
}

int ct_msgprobe_run(struct ct_prober *pr, struct ct_msgprobe *v, size_t n, int tries, uint64_t wait_ns,
	char *err, size_t errlen)
{
	int fd = pr->udp2425_fd, own = 0, r = 0;
	uint64_t *ts = calloc(2 * (n ? n : 1), sizeof *ts), end;
	int grace = 0;
	char host[64] = "camtrace";
	struct ct_sbuf b;

	if (!ts)
		return CT_ENOMEM;
	if (fd < 0) {
		if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
			snprintf(err, errlen, "UDP socket: %s", strerror(errno));
			free(ts);
			return CT_ESYS;
		}
		own = 1;
	}
	(void)gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = 0;
	ct_codec_name_sanitize(host);
	for (size_t i = 0; i < n; i++)
		v[i].packetno = ct_pktno_next(&pktno_last);
	ct_sbuf_init(&b);
	for (int t = 0; t < tries; t++) {
		for (size_t i = 0; i < n; i++) {
			struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(v[i].dport ? v[i].dport : 2425),
						  .sin_addr.s_addr = v[i].dst };
			if (v[i].answered)
				continue;
			ct_sbuf_reset(&b);
			if (ct_codec_build(&b, NULL, v[i].packetno, "camtrace", host[0] ? host : "camtrace",
			    CT_IPMSG_SENDMSG | CT_IPMSG_SENDCHECKOPT | CT_IPMSG_UTF8OPT, CT_MSGPROBE_TEXT,
			    strlen(CT_MSGPROBE_TEXT), 1) != 0 || b.err) {
				r = CT_ENOMEM;
				goto out;
			}
			if (sendto(fd, b.p, b.len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
				v[i].send_errno = errno;
				continue;
			}
			ts[i] = ct_mono_ns();
			if (!v[i].tries++)
				ts[n + i] = ts[i];
		}
		end = ct_mono_ns() + wait_ns;
		for (;;) {
			uint64_t now = ct_mono_ns();
			size_t left = 0;
			struct pollfd pf = { .fd = fd, .events = POLLIN };
			char d[CT_IPMSG_MAXDGRAM];
			struct sockaddr_in from;
			socklen_t fl = sizeof from;
			ssize_t got;

			for (size_t i = 0; i < n; i++)
				left += !v[i].answered && !v[i].send_errno;
			/* all answered: a little longer for an absence reply, which follows the RECVMSG */
			if (!left && !grace) {
				grace = 1;
				end = now + GRACE_NS < end ? now + GRACE_NS : end;
			}
			if (now >= end)
				break;
			if (poll(&pf, 1, (int)((end - now) / 1000000 + 1)) <= 0)
				continue;
			got = recvfrom(fd, d, sizeof d, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
			if (got > 0 && from.sin_family == AF_INET)
				on_datagram(v, n, ts, d, (size_t)got, from.sin_addr.s_addr, ct_mono_ns());
		}
		size_t left = 0;
		for (size_t i = 0; i < n; i++)
			left += !v[i].answered && !v[i].send_errno;
		if (!left)
			break;
	}
out:
	ct_sbuf_fini(&b);
	if (own)
		close(fd);
	free(ts);
	if (r)
		snprintf(err, errlen, "out of memory");
	return r;
}
