/* addr.h: the compact transport address (IPv4 or IPv6 plus a port) used across the engine. */
#ifndef CT_ADDR_H
#define CT_ADDR_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;

/* A compact transport address: IPv4 or IPv6 plus a port in host order. */
struct ct_haddr {
	uint8_t family;  /* AF_INET or AF_INET6 */
	uint8_t ip[16];  /* IPv4 uses the first 4 bytes */
	uint16_t port;   /* host byte order */
};

#define CT_HADDR_STRLEN 48 /* "[v6]:port" fits */

/* Fills a from a sockaddr_in / sockaddr_in6 (v4-mapped v6 becomes v4); CT_EINVAL otherwise. */
int ct_haddr_from_sa(struct ct_haddr *a, const struct sockaddr *sa);
/* Fills ss (a struct sockaddr_storage) from a; returns the sockaddr length. */
unsigned ct_haddr_to_sa(const struct ct_haddr *a, void *ss);
/* Parses "1.2.3.4" or an IPv6 literal; port is set as given. CT_EFORMAT when not an address. */
int ct_haddr_parse(struct ct_haddr *a, const char *text, uint16_t port);
/* Writes the address only ("1.2.3.4" / "2001:2::1") into buf; returns buf. */
char *ct_haddr_ip_str(const struct ct_haddr *a, char *buf, size_t len);
/* Writes "1.2.3.4:2425" / "[2001:2::1]:2425" into buf; returns buf. */
char *ct_haddr_str(const struct ct_haddr *a, char *buf, size_t len);
int ct_haddr_eq(const struct ct_haddr *a, const struct ct_haddr *b);
/* IPv4 address as a host-order number (0 when not IPv4). */
uint32_t ct_haddr_v4(const struct ct_haddr *a);
void ct_haddr_set_v4(struct ct_haddr *a, uint32_t ip, uint16_t port);
/* Hash of the family and IP (port ignored), for address sets. */
uint64_t ct_haddr_hash_ip(const struct ct_haddr *a);
/* Same family and IP (port ignored). */
int ct_haddr_same_ip(const struct ct_haddr *a, const struct ct_haddr *b);

#endif
