/* sockerr.h: socket error queues: ICMP errors a UDP/ICMP socket received (IP_RECVERR), TTL settings. */
#ifndef CT_SOCKERR_H
#define CT_SOCKERR_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* One ICMP or ICMPv6 error from a socket's error queue. */
struct ct_sockerr {
	int family;            /* AF_INET (from) or AF_INET6 (from6): which ICMP the type/code are */
	uint32_t from;         /* IPv4 sender of the error (a router or the host), network order */
	struct in6_addr from6; /* IPv6 sender */
	uint8_t type, code;    /* ICMP type and code */
	int err;               /* the errno the kernel mapped it to */
};

/* Turns on IP_RECVERR and IP_RECVTTL on a UDP socket (IPV6_RECVERR and IPV6_RECVHOPLIMIT on
 * an AF_INET6 one). 0 or CT_ESYS. */
int ct_sock_recverr(int fd);
/* Sets the TTL / hop limit (IP_TTL or IPV6_UNICAST_HOPS) of the packets fd sends. */
void ct_sock_ttl(int fd, int family, int ttl);
/* Reads one entry of fd's error queue without blocking: 1 and e filled (the quoted packet into
 * quote, its length in *qlen) for an ICMP error, 0 when the queue is empty or the entry is not
 * an ICMP error, CT_ESYS on a read error. */
int ct_sock_read_err(int fd, struct ct_sockerr *e, uint8_t *quote, size_t *qlen);

#endif
