/* rtpecho.h: the RTP echo service camtraced runs so that `camtrace rtp` measures loss, RTT and jitter both ways.
 *
 * Usage (in the daemon, with its event loop):
 *
 *     struct ct_rtpecho *e;
 *     if (ct_rtpecho_open(&e, NULL, 22224, 22227, err, sizeof err) == 0)   // binds every port
 *             ct_rtpecho_attach(e, ev);                                    // watches the sockets
 *     ...
 *     ct_rtpecho_stats(e, &st);                                            // counters for status
 *     ct_rtpecho_close(e);                                                 // detaches and closes
 *
 * Without an evloop: poll ct_rtpecho_fds() for input and call ct_rtpecho_handle(e, fd).
 * It answers only camtrace RTP probes (RTP v2 with the "CTRP" payload, see probe-rtp.h):
 * the answer goes back to the sender's address and port, same SSRC and sequence number,
 * with the echo's receive and send times and how many packets it got from that SSRC; any
 * other datagram is counted and dropped, never answered (no amplification: the answer is
 * never larger than the probe). A per-source token bucket caps answers (default 200/s). */
#ifndef CT_RTPECHO_H
#define CT_RTPECHO_H

#include <stddef.h>
#include <stdint.h>

struct ct_rtpecho;
struct ct_evloop;

struct ct_rtpecho_stats {
	uint64_t received;   /* camtrace probes received */
	uint64_t answered;   /* echoes sent */
	uint64_t ignored;    /* datagrams that were not camtrace probes */
	uint64_t limited;    /* probes not answered because of the rate limit */
};

/* Binds UDP ports lo..hi (at most 64) on addr: NULL or "" = every address, IPv4 and IPv6 (one
 * socket per family and port; IPv4 only when the machine has no IPv6), an IPv4 or IPv6 literal =
 * that address only. Fails with CT_EEXIST naming the port when one is taken, CT_EINVAL for a bad
 * range or address. */
int ct_rtpecho_open(struct ct_rtpecho **out, const char *addr, uint16_t lo, uint16_t hi, char *err, size_t errlen);
void ct_rtpecho_close(struct ct_rtpecho *e);
/* Answers per second allowed for one source address (0 = no limit). */
void ct_rtpecho_set_rate(struct ct_rtpecho *e, unsigned per_second);
/* Registers the sockets with an event loop (read events); ct_rtpecho_close() removes them. */
int ct_rtpecho_attach(struct ct_rtpecho *e, struct ct_evloop *ev);
/* The bound sockets, for callers with their own poll loop. */
size_t ct_rtpecho_fds(const struct ct_rtpecho *e, int *fds, size_t max);
/* Reads and answers everything pending on fd; returns how many probes were answered. */
int ct_rtpecho_handle(struct ct_rtpecho *e, int fd);
void ct_rtpecho_stats(const struct ct_rtpecho *e, struct ct_rtpecho_stats *st);
/* Other datagrams: fn sees each IPv4 datagram before the RTP check (from is a struct sockaddr_in,
 * fd the socket it came in on, for the answer) and returns 1 when it consumed it (camtraced
 * hands CTCP requests to the cooperative check this way, coop.h). NULL removes it. */
typedef int (*ct_rtpecho_other_fn)(void *ud, int fd, const void *buf, size_t len, const void *from);
void ct_rtpecho_set_other(struct ct_rtpecho *e, ct_rtpecho_other_fn fn, void *ud);

#endif
