/* probe-ipmsg.h: the IP Messenger application probe on UDP 2425 (GETINFO, then BR_ENTRY|DIALUPOPT) and program naming. */
#ifndef CT_PROBE_IPMSG_H
#define CT_PROBE_IPMSG_H

#include <stddef.h>
#include <stdint.h>
#include "probe.h"

#define CT_APP_TEXT 128

struct ct_app_result {
	enum ct_port_state state;
	int answered_getinfo;       /* SENDINFO (or any IPMsg packet) answered the GETINFO */
	int answered_entry;         /* ANSENTRY answered the BR_ENTRY|DIALUPOPT */
	int entry_sent;             /* the BR_ENTRY step ran (GETINFO got no answer) */
	int exit_sent;              /* a BR_EXIT withdrew that BR_ENTRY before returning */
	int reply_to_2425;          /* the answer came to port 2425 although we sent from another port */
	uint16_t sport;             /* our source port */
	uint32_t reply_cmd;         /* command word of the answer */
	uint64_t rtt_ns;
	int reply_ttl;              /* -1 unknown */
	struct ct_reply icmp;       /* the ICMP error, when one came (kind CT_RK_ICMP); also a host
				       unreachable that answered the control datagram (host_down) */
	uint64_t first_ns;          /* monotonic time of the first datagram to the host */
	uint64_t icmp_after_ns;     /* icmp came this long after the first datagram */
	int host_down;              /* icmp is a host unreachable meaning the host is down or its
				       address unused (ct_reply_host_down) */
	char version[CT_APP_TEXT];  /* header version field ("1", "1_iptux 0.8.3") */
	char program[CT_APP_TEXT];  /* "iptux 0.8.3", "IP Messenger for Windows 4.99r3 (64-bit)", ... */
	char info[CT_APP_TEXT];     /* SENDINFO body */
	char user[CT_APP_TEXT], host[CT_APP_TEXT], nick[CT_APP_TEXT], group[CT_APP_TEXT];
	int sent;                   /* probes sent */
	/* When the port stays silent: a datagram to a control port of the same host. An ICMP port
	 * unreachable from there proves the host and the path carry UDP, so the silence is a
	 * firewall dropping this port: "filtered" where nmap can only say "open|filtered". */
	uint16_t control_port;      /* 0 when not tried */
	struct ct_reply control;    /* its answer (kind CT_RK_NONE for silence) */
};

struct ct_app_opts {
	uint16_t dport;             /* 0 = 2425 */
	uint16_t sport;             /* 0 = 2425 (iptux answers to 2425 whatever the source port) */
	int tries;                  /* per step, 0 = 2 */
	uint64_t wait_ns;           /* per step, 0 = 1 s */
	int no_entry;               /* GETINFO only (never adds us to anyone's list) */
	int use_raw;                /* send from the raw socket (privileged) */
	uint16_t control_port;      /* 0 = 33434; 65535 = do not try */
	int family;                 /* AF_INET6: probe dst6 (the dst argument is ignored) */
	struct in6_addr dst6;
	uint32_t src;               /* IPv4 source address (--source), 0 = from the route lookup */
	struct in6_addr src6;       /* IPv6 source, :: = from the route lookup */
};

/* One host of ct_app_probe_many. */
struct ct_app_job {
	uint32_t dst;               /* IPv4 target (o->family AF_INET6: o->dst6) */
	const struct ct_app_opts *o;
	struct ct_app_result res;   /* out */
	int rc;                     /* out: 0 or CT_E* (setup failure, err says why) */
	char err[200];
};

/* Runs the application probe against dst. Fills res; returns 0 or CT_E* (setup failures). */
int ct_app_probe(struct ct_prober *pr, uint32_t dst, const struct ct_app_opts *o, struct ct_app_result *res,
	char *err, size_t errlen);
/* The parallel API: the application probe of n hosts at once (each step of every host in one
 * send/receive loop, ct_probe_run_many), so three hosts take about as long as one. Returns 0
 * or CT_ENOMEM; each job's rc, err and res say how its host went. */
int ct_app_probe_many(struct ct_prober *pr, struct ct_app_job *jobs, size_t n);
/* Names the program behind an answer from its version field, SENDINFO text and entry VS: value
 * (pure; unit tested). out gets e.g. "iptux 0.8.3". */
void ct_app_name_program(const char *version, const char *info, const char *verinfo, char *out, size_t outlen);
/* The mode that answers command: SENDINFO to GETINFO, ANSENTRY to BR_ENTRY, ...; 0: none. */
uint32_t ct_app_answer_mode(uint32_t command);
/* Names the program behind one answer datagram (ct_app_name_program) into out; 0 when it is no
 * IPMsg packet. */
int ct_app_answer_program(const uint8_t *data, size_t len, char *out, size_t outlen);
/* Builds an IPMsg packet for the probes (codec), returns its length or 0. */
/* The GETFILEDATA request the TCP exchange sends (packet 0, file 0, offset 0). */
size_t ct_app_build_getfiledata(uint8_t *buf, size_t cap);
size_t ct_app_build(uint32_t packetno, uint32_t command, int entry_body, uint8_t *buf, size_t cap);

#endif
