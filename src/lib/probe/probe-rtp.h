/* probe-rtp.h: RTP measurement: RFC 3550 jitter and per-port RTP sessions through a camtraced echo (wire format in rtp.h). */
#ifndef CT_PROBE_RTP_H
#define CT_PROBE_RTP_H

#include <stddef.h>
#include <stdint.h>
#include "probe.h"
#include "rtp.h"

/* RFC 3550 section 6.4.1 / A.8 interarrival jitter, kept in nanoseconds: for each packet,
 * D = (arrival_i - arrival_j) - (sent_i - sent_j) and J += (|D| - J) / 16. */
struct ct_jitter {
	int have;
	int64_t last_transit;
	double j_ns;
};
void ct_jitter_add(struct ct_jitter *jt, int64_t sent_ns, int64_t arrival_ns);

/* One RTP port measured with a camtraced echo (or without: ICMP states). */
struct ct_rtp_port {
	uint16_t port;
	int sent;
	int answered;               /* echoes received */
	int echo_received;          /* the echo's own count: packets that arrived there */
	int icmp_seen;
	struct ct_reply icmp;       /* an ICMP error about this port, if any */
	uint64_t icmp_after_ns;     /* ... came this long after the first packet */
	int host_down;              /* it says the host is down or its address unused (ct_reply_host_down) */
	enum ct_port_state state;   /* open (echo answered), closed, filtered, open|filtered */
	double loss_fwd, loss_back; /* fractions 0..1 (forward: to the echo, back: to us) */
	double rtt_min_ms, rtt_avg_ms, rtt_max_ms;
	double jitter_fwd_ms, jitter_back_ms;
	int dup;
};

struct ct_rtp_opts {
	int count;            /* packets per port, 0 = 50 */
	uint64_t interval_ns; /* 0 = 20 ms (one voice frame) */
	uint64_t wait_ns;     /* after the last packet, 0 = 1 s */
	int same_sport;       /* send from the same port number (the application's own tuple) */
	int family;           /* AF_INET6: measure towards dst6 (the dst argument is ignored) */
	struct in6_addr dst6;
	uint32_t src;         /* IPv4 address to send from (--source), 0 = the kernel's choice */
	struct in6_addr src6; /* IPv6 address to send from, :: = the kernel's choice */
};

/* Sends real RTP streams to every port at once from UDP sockets with IP_RECVERR (no privileges
 * needed) and fills ports[i] (ports[i].port set by the caller). */
int ct_rtp_measure(uint32_t dst, struct ct_rtp_port *ports, int nports, const struct ct_rtp_opts *o,
	char *err, size_t errlen);

#endif
