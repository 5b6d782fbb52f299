/* coop-wire.h: the wire format of the cooperative check (camtraced coop): one RTCP APP packet "CTCP".
 *
 * Wire (RFC 3550 §6.7 APP, PT 204, name "CTCP"; all integers network order), always
 * CT_COOP_LEN bytes, request and answer alike (the answer is never larger than the request):
 *
 *    0  V=2 P=0 subtype (0 request, 1 answer)   1  PT=204   2-3 length in words - 1 (15)
 *    4  SSRC (requester's id, echoed)            8  "CTCP"
 *   12  version (1)   13 checks (bit0 UDP GETINFO, bit1 TCP connect)   14-15 wait_ms
 *   16  nonce (8 bytes, echoed)                 24 target IPv4       28-29 target port
 *   30  status (answer)   31 UDP outcome   32-35 UDP RTT (us)   36 ICMP type (UDP answered: which
 *       packet was, enum ct_coop_how; 0 from an older responder)   37 ICMP code
 *   38  TCP outcome   39 reserved (0)   40-43 ICMP sender   44-47 TCP RTT (us)
 *   48  responder's source address toward the target   52-63 program from SENDINFO (NUL padded)
 *   64-67 heard: milliseconds since the responder's node last received a packet from the target's
 *         port 2425 when the request came (0xffffffff: not in its memory); with a probe from the
 *         target just before, it tells which leg of a failed round trip loses the packets
 *
 * A responder answers a request of another version with status CT_COOP_ST_VERSION and its own
 * version; anything that is not a well-formed CTCP packet is counted and dropped. */
#ifndef CT_COOP_WIRE_H
#define CT_COOP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define CT_COOP_VERSION 1
#define CT_COOP_LEN 68
#define CT_COOP_PT 204
#define CT_COOP_NAME "CTCP"
#define CT_COOP_CHECK_UDP 0x1
#define CT_COOP_CHECK_TCP 0x2
#define CT_COOP_WAIT_MIN 100
#define CT_COOP_WAIT_MAX 5000
#define CT_COOP_CTL_PROBE "probe" /* camtraced control method: {addr, tcp, wait_ms} -> struct ct_coop_result as JSON */

enum ct_coop_status {
	CT_COOP_ST_OK = 0,        /* the checks ran */
	CT_COOP_ST_NOT_ALLOWED,   /* the target is not one the responder talks to (server / coop_allow) */
	CT_COOP_ST_LIMITED,       /* rate limit for this requester */
	CT_COOP_ST_BUSY,          /* too many checks running */
	CT_COOP_ST_VERSION,       /* the request's version is not ours (ours is in the answer) */
	CT_COOP_ST_ERROR,         /* the responder could not run the check (no node socket...) */
	CT_COOP_ST_N
};
enum ct_coop_udp { CT_COOP_UDP_NOT_RUN = 0, CT_COOP_UDP_ANSWERED, CT_COOP_UDP_NO_ANSWER, CT_COOP_UDP_ICMP, CT_COOP_UDP_N };
enum ct_coop_tcp { CT_COOP_TCP_NOT_RUN = 0, CT_COOP_TCP_OPEN, CT_COOP_TCP_CLOSED, CT_COOP_TCP_NO_ANSWER,
	CT_COOP_TCP_UNREACHABLE, CT_COOP_TCP_N };

/* Which packet the target answered: GETINFO (SENDINFO back), or, for a peer that ignores
 * GETINFO (iptux), BR_ENTRY|DIALUPOPT (ANSENTRY back). Unknown from an older responder. */
enum ct_coop_how { CT_COOP_HOW_UNKNOWN = 0, CT_COOP_HOW_GETINFO, CT_COOP_HOW_ENTRY };
const char *ct_coop_how_key(unsigned h);    /* null (unknown), "getinfo", "br_entry" */

/* What one check found. */
struct ct_coop_result {
	uint8_t status;           /* enum ct_coop_status */
	uint8_t udp;              /* enum ct_coop_udp */
	uint32_t udp_rtt_us;
	uint8_t icmp_type, icmp_code;
	uint32_t icmp_from;       /* network order */
	uint8_t tcp;              /* enum ct_coop_tcp */
	uint32_t tcp_rtt_us;
	uint32_t src;             /* network order: the responder's address toward the target, 0 unknown */
	char program[64];         /* the program that answered (12 bytes on the wire: a cut name ends in "...") */
	uint8_t udp_how;          /* enum ct_coop_how: which packet was answered (byte 36 when UDP answered) */
	uint32_t heard_ms;        /* since the responder last heard the target (CT_COOP_HEARD_NEVER) */
};
#define CT_COOP_HEARD_NEVER 0xffffffffu

/* One packet. */
struct ct_coop_msg {
	int answer;               /* subtype 1 */
	uint32_t ssrc;
	uint8_t version;
	uint8_t checks;
	uint16_t wait_ms;
	uint8_t nonce[8];
	uint32_t target;          /* network order */
	uint16_t port;            /* host order */
	struct ct_coop_result res;/* answers */
};

/* True when buf looks like a CTCP APP packet (V=2, PT 204, name), well-formed or not: the RTP
 * echo hands those to the responder. */
int ct_coop_is_app(const void *buf, size_t len);
/* Writes m as CT_COOP_LEN bytes; returns CT_COOP_LEN, or 0 when out is too small. */
size_t ct_coop_encode(const struct ct_coop_msg *m, uint8_t *out, size_t outlen);
/* Parses one packet: 0, or CT_EFORMAT (not CTCP, bad length field, reserved bits, padding)
 * / CT_ETRUNC (shorter than CT_COOP_LEN). Fields of another version are not interpreted
 * (m->version says which; the rest is zero except ssrc and nonce). */
int ct_coop_decode(const void *buf, size_t len, struct ct_coop_msg *m);

const char *ct_coop_status_key(unsigned s); /* "ok" "not_allowed" "rate_limited" "busy" "version" "error" */
const char *ct_coop_udp_key(unsigned u);    /* "not_run" "answered" "no_answer" "icmp" */
const char *ct_coop_tcp_key(unsigned t);    /* "not_run" "open" "closed" "no_answer" "unreachable" */
/* One line in words: "GETINFO answered by SENDINFO (camtraced 0.1.0) in 0.42 ms; TCP 2425 open (0.3 ms)". */
void ct_coop_result_text(const struct ct_coop_result *r, unsigned checks, char *buf, size_t len);

#endif
