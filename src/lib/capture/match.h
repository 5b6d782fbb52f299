/* match.h: request/answer matching over a packet trace (latency, unanswered requests) and per-peer counters. */
#ifndef CT_MATCH_H
#define CT_MATCH_H

#include <stddef.h>
#include <stdint.h>

/* Pseudo command modes for the counters and TCP events (IPMsg modes are 0..255). */
#define CT_MATCH_TCP_SYN 0x100   /* TCP connection attempt to the IPMsg port */
#define CT_MATCH_TCP_DATA 0x101  /* TCP segment without an IPMsg header */
#define CT_MATCH_MALFORMED 0x102 /* on the IPMsg port but not an IPMsg datagram */
#define CT_MATCH_NMODES 0x103

/* One packet as the matcher sees it. Addresses are 4 or 16 bytes per af. */
struct ct_mpkt {
	int64_t ts_ns;        /* capture time (pcap timestamps; intervals come from their difference) */
	uint64_t frame;
	uint32_t bytes;       /* IP payload bytes (UDP/TCP header included) for the counters */
	int af;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	int tcp;              /* carried by TCP */
	uint8_t tcp_flags;    /* CT_TCP_* when tcp */
	uint32_t tcp_len;     /* TCP payload bytes */
	int dst_group;        /* destination is a broadcast or multicast address */
	uint32_t mode;        /* IPMsg mode, or CT_MATCH_TCP_DATA / CT_MATCH_MALFORMED */
	uint32_t opts;        /* IPMsg option bits */
	uint32_t packetno;    /* IPMsg packet number */
	int has_ref;          /* RECVMSG / ANSREADMSG body: the packet number answered */
	uint32_t ref;
	int has_next;         /* ANSLIST: next index (0 = list complete) */
	uint32_t next;
	int decrypt_err;      /* SENDMSG|AUTORETOPT with Windows' DecryptErr text */
	uint32_t tcp_seq;     /* TCP sequence number when tcp */
	int has_filereq;      /* GETFILEDATA / GETDIRFILES body parsed: */
	uint32_t req_packetno, req_fileid; /* the announcing SENDMSG's packet number, the file */
	uint64_t req_offset;  /* GETFILEDATA's offset */
};

/* What the matcher found for a packet. */
struct ct_mres {
	int answered;         /* this packet answers an earlier request */
	uint64_t req_frame;   /* frame of the request (first transmission) */
	uint32_t req_mode;    /* its mode (IPMsg mode or CT_MATCH_TCP_SYN / GETFILEDATA for TCP) */
	int64_t latency_ns;   /* from the request's first transmission */
	uint32_t retries;     /* retransmissions of the request seen before the answer */
	int refused;          /* answered by a TCP reset / close without data / an ICMP error */
	int icmp;             /* the answer is an ICMP error (this packet) */
	int is_request;       /* this packet waits for an answer (now tracked) */
	int retransmission;   /* this packet repeats a request still waiting (same destination) */
	int copy;             /* the same request (same packet number) sent to another group address */
	int decrypt_err;      /* answered: a DecryptErr answer to the last encrypted SENDMSG the other way */
};

/* A request that got no answer in time (or, for a group request, no answer from anyone). */
struct ct_unans {
	uint64_t frame;
	int64_t ts_ns;
	int af;
	uint8_t src[16], dst[16];
	uint16_t dport;
	int tcp;
	int dst_group;
	uint32_t mode;        /* request mode */
	uint32_t want;        /* answer mode expected */
	uint32_t packetno;
	uint32_t retries;
	double waited_s;      /* how long it waited (less than the timeout at the end of a file) */
	int at_end;           /* the capture ended before the timeout ran out */
	/* a file transfer that stopped (xferwatch.h): then the request is a GETFILEDATA/GETDIRFILES */
	int xfer;             /* 0, or CT_XFER_STALLED / CT_XFER_CLOSED / CT_XFER_RESET / CT_XFER_CUT_AT_END */
	int by_requester;     /* CLOSED/RESET: the requester ended it (else the sender) */
	uint16_t sport;       /* the requester's TCP port */
	uint32_t file_id;
	uint64_t offset;      /* GETFILEDATA's offset */
	uint64_t bytes;       /* data bytes that came */
	uint64_t expected;    /* bytes the announced size implies (size - offset), when has_expected */
	int has_expected;
	double idle_s;        /* since the last data */
};

#define CT_XFER_STALLED 1     /* the data stopped for the stall time, no FIN/RST */
#define CT_XFER_CLOSED 2      /* FIN before the announced size */
#define CT_XFER_RESET 3       /* RST before the announced size */
#define CT_XFER_CUT_AT_END 4  /* the capture ended with the transfer short of its size */

typedef void (*ct_unans_cb)(const struct ct_unans *u, void *ud);

struct ct_match;

/* timeout_ns: how long a request may wait for its answer; capacity: requests tracked at once. */
int ct_match_new(struct ct_match **out, int64_t timeout_ns, size_t capacity);
void ct_match_free(struct ct_match *m);
/* Feeds one packet; fills res. Requests that timed out before pkt->ts_ns are reported first. */
void ct_match_packet(struct ct_match *m, const struct ct_mpkt *pkt, struct ct_mres *res,
	ct_unans_cb cb, void *ud);
/* An ICMP error quoting a packet from qsrc:qsport to qdst:qdport (proto 17 or 6), sent by from:
 * answers (refuses) the request it quotes. Fills res like ct_match_packet. */
void ct_match_icmp(struct ct_match *m, int64_t ts_ns, uint64_t frame, int af, const uint8_t *qsrc,
	const uint8_t *qdst, uint8_t qproto, uint16_t qsport, uint16_t qdport, struct ct_mres *res,
	ct_unans_cb cb, void *ud);
/* Reports requests that have waited past the timeout at time now_ns (capture clock). */
void ct_match_expire(struct ct_match *m, int64_t now_ns, ct_unans_cb cb, void *ud);
/* End of capture: reports every request still waiting (at_end set when it waited less than
 * the timeout). */
void ct_match_flush(struct ct_match *m, int64_t end_ns, ct_unans_cb cb, void *ud);
/* Requests forgotten because the table was full. */
uint64_t ct_match_overflow(const struct ct_match *m);

/* The sentence for an unanswered request, naming the pair, the direction and the likely cause:
 * "BR_ENTRY from 198.18.1.10 to 198.18.2.12 got no answer in 2.0 s: a firewall on 198.18.2.12
 * or on the way probably blocks UDP 2425". Returns the length (snprintf semantics). */
int ct_match_sentence(const struct ct_unans *u, char *buf, size_t len);
/* Name of a mode for messages and counters: IPMsg command name, "TCP_SYN", "TCP_DATA",
 * "MALFORMED", or "0xNN". buf (>= 8 bytes) is used for unknown modes. */
const char *ct_match_mode_name(uint32_t mode, char *buf);

/* Per-peer counters: packets and bytes by command, sent by and sent to each address. */
struct ct_peer_cmd {
	uint32_t mode;
	uint64_t tx_pkts, tx_bytes; /* sent by the peer */
	uint64_t rx_pkts, rx_bytes; /* sent to the peer */
};

struct ct_peer {
	int af;
	uint8_t addr[16];
	uint64_t tx_pkts, tx_bytes, rx_pkts, rx_bytes;
	uint64_t answered, unanswered; /* requests sent by the peer */
	size_t ncmd, capcmd;
	struct ct_peer_cmd *cmd;     /* sorted by mode */
};

/* Calls fn for every peer sorted by address. */
void ct_match_peers(const struct ct_match *m, void (*fn)(const struct ct_peer *p, void *ud), void *ud);
size_t ct_match_peer_count(const struct ct_match *m);

#endif
