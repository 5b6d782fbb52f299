/* probe.h: the probe engine: privileged sockets, one ops struct per method (icmp udp tcp rtp), replies matched to probes. */
#ifndef CT_PROBE_H
#define CT_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "codec.h"
#include "ipview.h"

#define CT_PROBE_DATA_MAX 1400   /* bytes of a UDP reply payload kept */
#define CT_PROBE_NOTE_MAX 8
#define CT_PROBE_MAX_FDS 4     /* descriptors a set may own (connect() probes at once) */
/* How long after its first packet to a silent address a host unreachable may still come:
 * Linux gives up ARP after 3 probes 1 s apart (ucast/mcast_solicit 3, retrans_time 1 s). */
#define CT_PROBE_ARP_NS 3500000000ull

/* What the engine could open; the front end reports the notes. */
struct ct_prober {
	int raw;             /* raw sockets and libnet are available */
	int icmp_fd;         /* raw IPPROTO_ICMP: every ICMP message (errors, echo replies) */
	int tcp_fd;          /* raw IPPROTO_TCP: copies of every TCP segment */
	int udp_fd;          /* raw IPPROTO_UDP: copies of every UDP datagram (replies sent to port 2425) */
	int ping_fd;         /* unprivileged ICMP echo socket, or -1 */
	struct ct_inject *inj;
	int udp2425_fd;      /* a UDP socket bound to port 2425 (absorbs replies), or -1 */
	int port2425_busy;   /* another program holds port 2425 */
	unsigned nnotes;
	char notes[CT_PROBE_NOTE_MAX][320]; /* what was not possible and how to allow it */
	/* IPv6 (CT_PROBER_V6): raw ICMPv6/TCP/UDP receive sockets (no IPv6 header: source,
	 * destination and hop limit come from recvmsg), a raw IPPROTO_RAW sender in inj6 */
	int raw6;            /* IPv6 raw sockets are available */
	int icmp6_fd, tcp6_fd, udp6_fd, ping6_fd, udp2425_6_fd;
	struct ct_inject *inj6;
};

/* Port states in nmap's vocabulary. */
enum ct_port_state {
	CT_PORT_UNKNOWN = 0,   /* not probed (not possible without privileges, or send failed) */
	CT_PORT_OPEN,          /* the application answered (UDP) / SYN-ACK or connect() (TCP) */
	CT_PORT_CLOSED,        /* ICMP port unreachable from the target (UDP) / RST (TCP) */
	CT_PORT_FILTERED,      /* ICMP unreachable other than port (3/0,1,2,9,10,13...) or TCP silence */
	CT_PORT_OPEN_FILTERED  /* UDP silence: a firewall drops it, or the program ignores the probe */
};
const char *ct_port_state_name(enum ct_port_state st); /* "open" "closed" "filtered" "open|filtered" */
const char *ct_port_state_key(enum ct_port_state st);  /* JSON: "open" ... "open_filtered" */

/* What came back for one probe. */
enum ct_reply_kind {
	CT_RK_NONE = 0,
	CT_RK_ICMP,   /* an ICMP error quoting the probe */
	CT_RK_ECHO,   /* ICMP echo reply */
	CT_RK_UDP,    /* a UDP datagram from the target */
	CT_RK_TCP,    /* a TCP segment from the target (SYN-ACK, RST) */
	CT_RK_CONNECT /* connect() result (unprivileged TCP) */
};

/* Who sent a reply (ct_reply_origin). */
enum ct_origin {
	CT_ORIGIN_UNKNOWN = 0, /* no reply */
	CT_ORIGIN_TARGET,      /* the target itself (its address, and its distance where checked) */
	CT_ORIGIN_PATH,        /* a device on the path: an ICMP error from another address, or a RST
				  carrying the target's address from nearer than the target */
	CT_ORIGIN_UNVERIFIED   /* a RST with the target's address, its distance not known to compare */
};

struct ct_reply {
	int kind;
	uint32_t from;        /* IPv4, network order: who sent it (the router for ICMP errors) */
	int family;           /* 0 or AF_INET: from is set; AF_INET6: from6 is set (ICMPv6 types) */
	struct in6_addr from6;
	uint8_t icmp_type, icmp_code;
	uint8_t tcp_flags;
	int ttl;              /* TTL of the reply as received, -1 when the kernel did not tell */
	int quoted_ttl;       /* TTL left in the quoted probe (ICMP errors), -1 unknown */
	int origin;           /* enum ct_origin as the method checked it (TCP RST), 0 = by address */
	int target_hops;      /* TCP RST: the target's own distance (ct_ttl_hops) when known, else -1;
				 the RST's is ct_ttl_hops(ttl) */
	uint16_t sport, dport;/* ports of the reply (UDP/TCP) */
	uint64_t rtt_ns;
	int err;              /* connect(): 0 or errno */
	size_t dlen;
	uint8_t data[CT_PROBE_DATA_MAX];
};

struct ct_probe {
	uint8_t ttl;
	uint16_t ip_id;
	uint32_t seq;         /* TCP sequence / IPMsg packet number / RTP sequence / echo seq */
	uint16_t sport, dport;
	uint32_t dst;         /* target (set by ct_probe_run) */
	int family;           /* AF_INET6 for an IPv6 probe (dst6), else IPv4 */
	struct in6_addr dst6;
	uint64_t sent_ns;
	int sent;             /* 1 sent, -errno when sending failed */
	int answered;
	struct ct_reply reply;
	int extra;            /* replies beyond the first (duplicates, several answers) */
	void *ud;
};

struct ct_probe_set;

/* One probe method (traceroute-2.x mod-*.c style): probe-icmp.c, probe-udp.c, probe-tcp.c. */
struct ct_probe_ops {
	const char *name;
	/* Opens what the set needs beyond the prober (unprivileged sockets); may be NULL. */
	int (*open)(struct ct_probe_set *s);
	int (*send)(struct ct_probe_set *s, struct ct_probe *p);
	/* A packet seen on a raw socket of the prober. */
	void (*packet)(struct ct_probe_set *s, const struct ct_ipview *v, uint64_t now);
	/* One of the set's own descriptors is readable. */
	void (*readable)(struct ct_probe_set *s, int fd, uint64_t now);
	void (*close)(struct ct_probe_set *s);
};

extern const struct ct_probe_ops ct_probe_icmp_ops;
extern const struct ct_probe_ops ct_probe_udp_ops;
extern const struct ct_probe_ops ct_probe_tcp_ops;

/* Builds the UDP payload for probe p into buf (cap bytes); returns the length. */
typedef size_t (*ct_probe_payload_fn)(struct ct_probe_set *s, struct ct_probe *p, uint8_t *buf, size_t cap);
/* Finds the probe a UDP payload (a reply, or the quote in an ICMP error) belongs to; -1 = unknown,
 * CT_PROBE_NOT_ANSWER = a datagram from the target that answers none of them (ignored). */
#define CT_PROBE_NOT_ANSWER (-2)
typedef int (*ct_probe_match_fn)(struct ct_probe_set *s, const uint8_t *data, size_t len, int quoted);

struct ct_probe_set {
	const struct ct_probe_ops *ops;
	struct ct_prober *pr;
	uint32_t src, dst;          /* IPv4, network order; src 0 = from the route lookup */
	int family;                 /* AF_INET6: an IPv6 target in dst6 (src6 :: = route lookup) */
	struct in6_addr src6, dst6;
	struct ct_probe *probes;
	size_t n;
	uint64_t gap_ns;            /* pause between two sends */
	uint64_t wait_ns;           /* longest wait for replies after the last send */
	uint64_t adapt_ns;          /* once a reply came: wait at most this multiple of the max RTT
				       (adaptive wait, traceroute's -w MAX,HERE), 0 = off */
	uint64_t silent_until_ns;   /* monotonic, 0 = off: while no probe was answered, wait at least
				       until then (a router's ICMP host unreachable comes ~3 s after
				       the first packet, once ARP gave up: CT_PROBE_ARP_NS) */
	int stop_at_dest;           /* route: stop waiting for higher TTLs once the target answered */
	int use_raw;                /* send with libnet and read raw sockets (else unprivileged sockets) */
	int bind_src;               /* unprivileged sockets bind to src / src6 (--source) */
	int want_any_port;          /* accept UDP replies from the target whatever the source port */
	int stop_on_answer;         /* send no more probes once one was answered (retries only) */
	int stop_on_reply;          /* the same, once one got a reply other than an ICMP error (TCP
				       retries: a SYN-ACK or RST is final; after an ICMP error the
				       retry still goes gap_ns later, as host-down patterns need it) */
	int paced_by_reply;         /* send the next probe as soon as the last one got a reply other
				       than an ICMP error (ping -A); gap_ns stays for silence and errors */
	ct_probe_payload_fn payload;
	ct_probe_match_fn match;
	void *ud;
	/* method state */
	int fds[CT_PROBE_MAX_FDS];
	int nfds;
	int tcp_connect_pending;
	uint64_t max_rtt_ns;
	int dest_ttl;               /* lowest TTL where the path ended (the target answered, or an
				       ICMP error other than time exceeded came), 0 none */
	int target_ttl;             /* TTL of an answer the target itself sent (SYN-ACK, echo reply,
				       UDP answer), 0 unknown; a caller may preset it. The TCP method
				       compares a RST's distance with it, and sends one ICMP echo with
				       the SYNs to learn it when it is unknown */
	int tcp_echo;               /* TCP: that echo was sent */
	int hold;                   /* the method waits for something that is not a probe's answer */
	int rc;                     /* after a run: 0, or the CT_E* code of this set (err says why) */
	char err[200];
};

#define CT_PROBER_RAW 0x1      /* raw sockets and libnet, if allowed */
#define CT_PROBER_BIND2425 0x2 /* a UDP socket on port 2425 (absorbs and catches replies) */
#define CT_PROBER_PING 0x4     /* the command needs ICMP echo: note when it is not possible */
#define CT_PROBER_V6 0x8       /* also open the IPv6 sockets (the targets include IPv6 addresses) */
/* Opens what flags ask for; never fails for lack of privileges: it records a note saying what
 * is not possible and how to allow it. */
int ct_prober_open(struct ct_prober **out, unsigned flags);
void ct_prober_close(struct ct_prober *pr);
/* Lets the raw IPv4 TCP and UDP sockets take only packets from these sources (network order;
 * beyond 64 of them any source) and this source port, through a kernel socket filter
 * (probe-filter.c): none with n 0. A prober whose targets are few (camtrace monitor's live
 * probes) then costs nothing for the rest of a busy host's traffic. CT_ESYS if the kernel
 * refused it (the sockets then take everything, as before). */
int ct_prober_accept_from(struct ct_prober *pr, const uint32_t *addrs, size_t n, uint16_t port);
void ct_prober_note(struct ct_prober *pr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Finds the local address the kernel would use to reach dst (connect() on a UDP socket and
 * getsockname), and the interface that owns it (name into ifname, >= IF_NAMESIZE bytes). */
int ct_probe_route_lookup(uint32_t dst, uint32_t *src, char *ifname, size_t iflen);
/* Resolves an IPv4 address or host name. */
int ct_probe_resolve4(const char *host, uint32_t *addr, char *err, size_t errlen);
/* Resolves an address or name of either family: family 0 = a literal decides (names: IPv4
 * first), AF_INET / AF_INET6 = only that family. Sets *fam and addr4 or addr6. */
int ct_probe_resolve(const char *host, int family, int *fam, uint32_t *addr4, struct in6_addr *addr6,
	char *err, size_t errlen);
/* ct_probe_route_lookup for IPv6. */
int ct_probe_route_lookup6(const struct in6_addr *dst, struct in6_addr *src, char *ifname, size_t iflen);
/* Fills ss with (family, v4 or v6, port); returns its length. */
socklen_t ct_probe_sockaddr(int family, uint32_t v4, const struct in6_addr *v6, uint16_t port,
	struct sockaddr_storage *ss);
/* 1 when the reply came from the probe's target (either family). */
int ct_probe_from_target(const struct ct_probe *p, const struct ct_reply *r);
/* Routers between a sender and us from the TTL it arrived with: the initial TTL guessed as the
 * next of 32, 64, 128, 255 at or above ttl, minus ttl; -1 when ttl is unknown (< 1). */
int ct_ttl_hops(int ttl);
/* Who sent the reply of probe p (enum ct_origin): the method's check (TCP RST), else by the
 * sender's address. */
int ct_reply_origin(const struct ct_probe *p);
/* 1 when r is a host unreachable that says the host is down or its address unused: ICMP
 * 3/1 (ICMPv6 1/3 address unreachable) that came after_ns >= 1 s after the first packet to
 * the host (neighbour resolution gave up: a firewall rejecting answers at once), or from
 * the prober's own address src (this host's own ARP failed on the segment). */
int ct_reply_host_down(const struct ct_reply *r, uint64_t after_ns, int family, uint32_t src,
	const struct in6_addr *src6);
/* The same over probes p[0..n) sent to one host (first_ns: its first packet): a probe's host
 * unreachable by ct_reply_host_down, or the pattern of a neighbour resolution that gave up
 * while our packets waited in its queue (one that started before ours, so the error comes
 * early): host unreachables that arrived together although their probes were sent >= 50 ms
 * apart, or a probe left silent although an earlier one was refused (it waits in a new
 * resolution). A firewall's reject answers each probe at once. */
int ct_probes_host_down(const struct ct_probe *p, size_t n, uint64_t first_ns, int family, uint32_t src,
	const struct in6_addr *src6);
/* "target" "path" "unverified", NULL for no reply (JSON). */
const char *ct_origin_key(int origin);
/* 1 for an ICMP "time exceeded" (IPv4 type 11, ICMPv6 type 3). */
int ct_reply_time_exceeded(const struct ct_reply *r);
/* The icmpname.h family (CT_ICMP_V4 / CT_ICMP_V6) of a reply. */
int ct_reply_icmp_family(const struct ct_reply *r);

/* Times silence from a round trip the target itself answered in (so it is up): the set's retry
 * gap and its wait after the last probe become CT_PROBE_ADAPT_RTTS x rtt_ns, at least
 * CT_PROBE_ADAPT_FLOOR_NS, never more than they were (the documented --wait values). */
#define CT_PROBE_ADAPT_RTTS 10
#define CT_PROBE_ADAPT_FLOOR_NS 200000000ull
void ct_probe_adapt_silence(struct ct_probe_set *s, uint64_t rtt_ns);

/* Sends every probe of the set (gap_ns apart) and collects replies until all are answered,
 * the adaptive wait ends, or wait_ns passed after the last send. */
int ct_probe_run(struct ct_probe_set *s);
/* The parallel API: runs n sets (different targets, possibly different methods) at once in
 * one send/receive loop, their probes interleaved in time, each raw packet offered to every
 * set (a method's packet() keeps what is its own). Each set's rc and err say how it went;
 * returns 0, or the first set's error. Sets reading the same descriptor (unprivileged UDP
 * from port 2425) run one after the other. ct_probe_run(s) is the case n = 1. */
int ct_probe_run_many(struct ct_probe_set *const *sets, size_t n);

/* The state one UDP / TCP probe's reply means (pure: unit tested). A NULL or unanswered
 * probe is silence. For UDP, any datagram from the target is "open"; for TCP, SYN-ACK or a
 * successful connect() is "open", RST or ECONNREFUSED "closed" (a RST from nearer than the
 * target, origin CT_ORIGIN_PATH, is "filtered"). ICMP errors follow ct_icmp_verdict(), but a
 * port unreachable from another address than the target (a router) is "filtered". */
enum ct_port_state ct_probe_udp_state(const struct ct_probe *p);
enum ct_port_state ct_probe_tcp_state(const struct ct_probe *p);

/* A full TCP connection plus a protocol exchange (--connect): connect(), send a GETFILEDATA
 * for a file nobody shares, and see what the listener does. */
enum ct_tcpx_outcome { CT_TCPX_NONE = 0, CT_TCPX_CLOSED, CT_TCPX_RESET, CT_TCPX_DATA, CT_TCPX_SILENT };
struct ct_tcp_exchange {
	int connected;
	int connect_errno;    /* when not connected (ETIMEDOUT for silence) */
	int request_sent;
	enum ct_tcpx_outcome outcome;
	uint64_t connect_ns, answer_ns;
	size_t dlen;
	uint8_t data[256];
};
int ct_tcp_exchange(uint32_t dst, uint16_t port, uint64_t wait_ns, struct ct_tcp_exchange *x);
/* The same to an IPv6 address. */
int ct_tcp_exchange6(const struct in6_addr *dst, uint16_t port, uint64_t wait_ns, struct ct_tcp_exchange *x);

/* Engine helpers for the methods. */
struct ct_probe *ct_probe_by_id(struct ct_probe_set *s, uint16_t ip_id);
struct ct_probe *ct_probe_by_seq(struct ct_probe_set *s, uint32_t seq);
struct ct_probe *ct_probe_first_open(struct ct_probe_set *s); /* first sent, unanswered probe */
void ct_probe_answer(struct ct_probe_set *s, struct ct_probe *p, const struct ct_reply *r, uint64_t now);
/* A reply from a raw-socket packet: ttl (hop limit) and sender (either family) filled in. */
void ct_probe_reply_init(struct ct_reply *r, const struct ct_ipview *v);
/* Answers p with the ICMP error v (type, code, quoted TTL) into r (from ct_probe_reply_init). */
/* Sends one IPv6 packet of the set's method on the prober's IPv6 handle; the error goes to s->err. */
struct ct_inject_pkt6;
int ct_probe_send6(struct ct_probe_set *s, uint8_t proto, const struct ct_inject_pkt6 *ip);
void ct_probe_answer_icmp(struct ct_probe_set *s, struct ct_probe *p, struct ct_reply *r, const struct ct_ipview *v,
	uint64_t now);
/* 1 when v was sent by the set's target / is an ICMP error quoting a packet of protocol proto to it. */
int ct_probe_view_from_target(const struct ct_probe_set *s, const struct ct_ipview *v);
int ct_probe_view_quotes(const struct ct_probe_set *s, const struct ct_ipview *v, uint8_t proto);
/* Reads the IP_RECVERR queue of fd (ct_sock_read_err): fills r (kind ICMP, from, type, code)
 * and the quoted payload. */
int ct_probe_read_errqueue(int fd, struct ct_reply *r, uint8_t *quote, size_t *qlen);
/* Reads one datagram of an unprivileged ping socket: 1 an echo reply (r: kind, sender, TTL; *seq
 * its sequence number), 0 something else (skip it), -1 nothing left. */
int ct_probe_ping_recv(int fd, struct ct_reply *r, uint32_t *seq);
/* The TTL (hop limit) a received message's control data carries (IP_TTL / IPV6_HOPLIMIT), else -1. */
struct msghdr;
int ct_probe_msg_ttl(struct msghdr *m);
/* Reads one datagram of an unprivileged UDP socket into r (kind UDP, sender, ports, payload, TTL
 * when the kernel tells it): 1, or -1 when nothing is left. */
int ct_probe_udp_recv(int fd, struct ct_reply *r);
/* Hands a datagram from the set's target to the UDP method (matched as its own socket's are): for
 * a socket several sets share (port 2425, where iptux answers), read once by the caller. */
void ct_probe_udp_take(struct ct_probe_set *s, struct ct_reply *r, uint64_t now);

#endif
