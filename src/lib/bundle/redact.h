/* redact.h: removes secrets from config and log text, and IP Messenger message texts from
 * log lines and captured packets, before they go into a bug-report bundle. */
#ifndef CT_REDACT_H
#define CT_REDACT_H

#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"

#define CT_REDACTED "[REDACTED]"

/* Flags */
#define CT_REDACT_MESSAGES 0x1 /* also remove message texts (default on in the bundle) */

/* 1 when a setting name looks like it holds a secret (password, passwd, pass, pwd, secret,
 * token, key, credential, auth, cookie, psk, private; case-insensitive, as a substring). */
int ct_redact_is_secret_key(const char *key, size_t n);

/* Copies a configuration text (keyword = value, "key: value" or "key value" lines, '#' or
 * ';' comments) to out with the values of secret-looking settings, secrets written inline
 * (password=..., token: ...), URL credentials (scheme://user:PASS@) and PEM private key
 * blocks replaced by CT_REDACTED. Commented-out settings are treated the same. Other lines
 * are copied byte for byte. *count (may be NULL) receives the number of redactions. */
int ct_redact_config(const char *in, size_t n, struct ct_sbuf *out, unsigned *count);

/* Copies log text to out, line by line, redacting inline secrets as above and, with
 * CT_REDACT_MESSAGES, message texts: the body of a raw IP Messenger packet written in the line
 * ("1:123:user:host:288:Hello" -> "1:123:user:host:288:[REDACTED]") when its command carries
 * user text (SENDMSG, SENDABSENCEINFO, iptux 0xFB/0xFC), and the value of text=, body=,
 * "text": and "body": fields. Passwords in iptux ASKSHARED packets are always redacted. */
int ct_redact_log(const char *in, size_t n, unsigned flags, struct ct_sbuf *out, unsigned *count);

/* Redacts an IP Messenger UDP/TCP payload in place, keeping its length: the text section
 * (up to the first NUL) of message-bearing commands becomes 'x' bytes (with
 * CT_REDACT_MESSAGES), an ASKSHARED password always. Returns the number of bytes changed. */
size_t ct_redact_ipmsg_payload(uint8_t *p, size_t n, unsigned flags);

/* Redacts one captured packet in place (same length), for link types Ethernet, Linux
 * cooked v1/v2 ("any"), raw IP and BSD loopback: IP Messenger payloads on UDP/TCP port 2425
 * as above; with CT_REDACT_MESSAGES also the media of RTP packets (UDP ports
 * rtp_lo..rtp_hi: bytes after the RTP header become 0) and file contents on TCP 2425
 * (segments that are not an IP Messenger request become 0). Checksums are recomputed when
 * the whole packet was captured, else cleared (UDP over IPv4). Returns 1 when changed. */
int ct_redact_packet(uint8_t *pkt, size_t caplen, size_t wirelen, int linktype, unsigned flags,
	uint16_t rtp_lo, uint16_t rtp_hi);

#endif
