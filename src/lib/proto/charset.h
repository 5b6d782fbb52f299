/* charset.h: text conversion for IPMsg (CP932 <-> UTF-8, UTF8OPT/CAPUTF8OPT rules); the only iconv user. */
#ifndef CT_CHARSET_H
#define CT_CHARSET_H

#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"

enum ct_charset {
	CT_CS_CP932 = 0, /* Shift_JIS as Windows writes it (the default without UTF8OPT) */
	CT_CS_UTF8,      /* UTF-8 (UTF8OPT set, the UTF-8 entry block, iptux "utf-8") */
	CT_CS_AUTO,      /* decoding only: UTF-8 if the bytes are valid UTF-8, else CP932 */
};

#define CT_CHARSET_STRICT 0x1 /* encoding: fail with CT_ECHARSET instead of writing '?' */

/* Name of a charset for display and JSON: "cp932", "utf-8", "auto". */
const char *ct_charset_name(enum ct_charset cs);
/* Parses a charset name as iptux writes it ("utf-8", "UTF8", "cp932", "shift_jis", "sjis"...). */
int ct_charset_lookup(const char *name, enum ct_charset *cs);
/* The charset of a packet's header names and body: UTF-8 with UTF8OPT, else CP932 (§1.4). */
enum ct_charset ct_charset_of_command(uint32_t command);
/* Whether to send UTF8OPT to a peer whose last entry command was peer_cmd (it had CAPUTF8OPT). */
int ct_charset_peer_wants_utf8(uint32_t peer_cmd);

/* Decodes n wire bytes in cs to UTF-8 appended to out. Bytes that are not valid in cs are
 * written as the four characters "\xNN"; never fails on bad input. Returns the number of
 * escaped bytes (>= 0) or CT_ENOMEM. For CT_CS_AUTO, *used (if not NULL) tells what was used. */
int ct_charset_decode(enum ct_charset cs, const char *in, size_t n, struct ct_sbuf *out,
	enum ct_charset *used);
/* Encodes n UTF-8 bytes into cs appended to out. Characters cs cannot hold (and invalid
 * UTF-8) become '?', or fail with CT_ECHARSET under CT_CHARSET_STRICT. Returns the number of
 * replaced characters (>= 0) or a CT_E* code. */
int ct_charset_encode(enum ct_charset cs, const char *in, size_t n, struct ct_sbuf *out, int flags);
/* Convenience: decode/encode into a fresh malloc'd NUL-terminated string (NULL on ENOMEM). */
char *ct_charset_decode_str(enum ct_charset cs, const char *in, size_t n);
char *ct_charset_encode_str(enum ct_charset cs, const char *in, size_t n);
/* True if n bytes are valid UTF-8 (no overlongs, surrogates or code points > U+10FFFF). */
int ct_charset_utf8_valid(const char *in, size_t n);
/* True if every byte is 7-bit ASCII. */
int ct_charset_is_ascii(const char *in, size_t n);

#endif
