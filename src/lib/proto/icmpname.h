/* icmpname.h: the full ICMP and ICMPv6 type/code taxonomy: names, short tags, nmap-style meaning. */
#ifndef CT_ICMPNAME_H
#define CT_ICMPNAME_H

#include <stdint.h>

/* Families for the lookups below. */
#define CT_ICMP_V4 4
#define CT_ICMP_V6 6

/* What an ICMP error says about the probed port, in nmap's vocabulary. */
enum ct_icmp_verdict {
	CT_ICMPV_NONE = 0,   /* not an error about a probe (echo reply, informational) */
	CT_ICMPV_CLOSED,     /* the destination host says the port is closed (port unreachable) */
	CT_ICMPV_FILTERED,   /* something on the path refused or could not deliver it */
	CT_ICMPV_TRANSIT,    /* time exceeded in transit: a hop on the way (route traces) */
	CT_ICMPV_OTHER       /* other error (parameter problem, fragmentation needed, ...) */
};

/* Human-readable name, e.g. "destination unreachable: communication administratively prohibited".
 * Unknown types/codes give "type 42 code 7" style text in a static per-thread buffer. */
const char *ct_icmp_name(int family, uint8_t type, uint8_t code);
/* Type name alone ("time exceeded"). */
const char *ct_icmp_type_name(int family, uint8_t type);
/* Code name alone ("port unreachable"), "" when the type has no named codes. */
const char *ct_icmp_code_name(int family, uint8_t type, uint8_t code);
/* traceroute-style short tag: "!H" "!N" "!P" "!X" "!F" "!S" "!V" "!C" "!A" "!Z" "!U" "!W" "!Q"
 * "!T" (time exceeded) "!TF" (reassembly) ""; for port unreachable "" (a normal arrival). */
const char *ct_icmp_tag(int family, uint8_t type, uint8_t code);
/* snake_case tag for JSON ("admin_prohibited", "port_unreachable", "ttl_exceeded", ...). */
const char *ct_icmp_key(int family, uint8_t type, uint8_t code);
/* Classification per nmap: port unreachable = closed; 3/0,1,2,9,10,13 (and the v6 peers) =
 * filtered; time exceeded = transit; echo replies and unrelated messages = none. */
enum ct_icmp_verdict ct_icmp_verdict(int family, uint8_t type, uint8_t code);
/* 1 if the message is an error that quotes the offending packet. */
int ct_icmp_is_error(int family, uint8_t type);

#endif
