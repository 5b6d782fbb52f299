/* decode-ip.h: IPv4 and IPv6 headers (options, extension headers) and fragment reassembly. */
#ifndef CT_DECODE_IP_H
#define CT_DECODE_IP_H

#include <sys/socket.h>

#include <stdint.h>

#define CT_IP_MAXDGRAM 65535
#define CT_IP_DEFRAG_SLOTS 16

/* The network layer of one packet. */
struct ct_ip {
	int af;              /* AF_INET or AF_INET6 */
	uint8_t src[16];     /* IPv4 in the first 4 bytes */
	uint8_t dst[16];
	uint8_t proto;       /* upper-layer protocol (after IPv6 extension headers) */
	uint8_t ttl;         /* TTL / hop limit */
	uint32_t id;         /* IPv4 id / IPv6 fragment id */
	const uint8_t *pl;   /* upper-layer bytes (captured part, or the reassembled datagram) */
	uint32_t pl_len;     /* captured upper-layer bytes */
	uint32_t pl_wire;    /* upper-layer length per the IP header */
	int frag;            /* 0 whole; 1 a fragment held for reassembly; 2 this fragment completed it */
	uint32_t frag_off;   /* fragment offset in bytes (frag != 0) */
	int frag_more;       /* more fragments follow */
	uint16_t frag_count; /* fragments that made the datagram (frag == 2) */
};

struct ct_defrag_slot {
	int used;
	int af;
	uint8_t proto;
	uint8_t src[16], dst[16];
	uint32_t id;
	int64_t first_ts;   /* seconds of the first fragment */
	uint32_t total;     /* datagram length once the last fragment came, else 0 */
	uint32_t have;      /* bytes received (distinct 8-byte units counted once) */
	uint16_t nfrags;
	uint8_t *buf;       /* CT_IP_MAXDGRAM bytes, allocated once per slot */
	uint8_t *map;       /* one bit per 8-byte unit */
};

/* Reassembly state; ct_defrag_fini frees the slot buffers. */
struct ct_defrag {
	struct ct_defrag_slot slot[CT_IP_DEFRAG_SLOTS];
	int timeout_s;      /* drop incomplete datagrams older than this (packet time) */
	uint64_t expired;   /* incomplete datagrams dropped */
};

void ct_defrag_init(struct ct_defrag *d);
void ct_defrag_fini(struct ct_defrag *d);

/* Decodes an IP packet (version from the first nibble). With d non-NULL fragments are
 * collected and the packet that completes a datagram returns it whole (frag == 2); the
 * returned pl stays valid until the next call. Returns 0, CT_ETRUNC (header cut off),
 * CT_EFORMAT (bad version/length), CT_EUNSUP (unknown version). */
int ct_decode_ip(struct ct_defrag *d, int64_t ts_sec, const uint8_t *p, uint32_t n, struct ct_ip *out);

/* Adds a fragment decoded without reassembly (ip->frag == 1) to d; when it completes the
 * datagram, ip describes the whole datagram (frag == 2). */
void ct_defrag_add(struct ct_defrag *d, int64_t ts_sec, struct ct_ip *ip);

/* Formats an address (af AF_INET or AF_INET6) into buf (>= 46 bytes); returns the length. Fast path for IPv4. */
int ct_ip_ntop(int af, const uint8_t *addr, char *buf);

#endif
