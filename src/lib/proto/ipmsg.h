/* ipmsg.h: one-call IPMsg datagram decoder: a structured summary for packet traces, `camtrace decode`, JSON. */
#ifndef CT_IPMSG_H
#define CT_IPMSG_H

#include <stddef.h>
#include <stdint.h>
#include "bodies.h"
#include "json.h"
#include "sbuf.h"

#define CT_IPMSG_DESC_MAXOPT 32
#define CT_IPMSG_DESC_PREVIEW 64

/* What ct_ipmsg_describe() found. Strings are malloc'd UTF-8 (undecodable bytes as "\xNN"),
 * NULL when not applicable; control characters are kept (the line renderer escapes them). */
struct ct_ipmsg_desc {
	int err;                /* 0, or why the header did not parse (CT_E*); the rest is then empty */
	int body_err;           /* 0, or why the body decoder stopped (the summary says what it got) */
	int ipdict;             /* a Windows IPDict datagram ("IP2:"), recognised and not decoded */
	size_t len;             /* datagram length */
	size_t nul_pad;         /* trailing NULs (1 normal, 65 = Windows' late-retry padding) */
	uint32_t packetno, command, mode, opts;
	uint32_t opts_unknown;  /* option bits with no name in this command's class */
	const char *cmd_name;   /* static name ("BR_ENTRY"), NULL when the mode is unknown */
	const char *opt_names[CT_IPMSG_DESC_MAXOPT]; /* static option names */
	size_t nopt;
	const char *charset;    /* "cp932" or "utf-8": what the text was decoded with */
	const char *kind;       /* body kind: entry anslist getlist sendmsg packetno getpubkey anspubkey
	                           filereq text binary empty */
	char *version, *user, *host; /* user/host: effective names (an entry block's UN/HN win) */
	char *nick, *group;     /* entry-class packets */
	char *summary;          /* one-line body summary */
	char *preview;          /* bad datagram only: its first CT_IPMSG_DESC_PREVIEW bytes, C-escaped */
	struct ct_json *body;   /* body details as a JSON object (owned) */
};

/* Decodes one datagram (never fails on bad input: d->err says what was wrong). Returns 0, or
 * CT_ENOMEM. Call ct_ipmsg_desc_fini() always. */
int ct_ipmsg_describe(const void *data, size_t len, struct ct_ipmsg_desc *d);
void ct_ipmsg_desc_fini(struct ct_ipmsg_desc *d);
/* Appends one line (no newline): "BR_ENTRY|ABSENCEOPT #1 user@host nick=\"..\" ..."; control
 * characters escaped, so the line never breaks. Bad datagram: malformed (why, N bytes): "preview". */
int ct_ipmsg_desc_line(const struct ct_ipmsg_desc *d, struct ct_sbuf *out);
/* Adds the fixed set of keys (length ok error ipdict version packet_no user host command mode
 * command_name options options_unknown charset nul_padding nick group kind body_error summary
 * preview body) to obj. */
void ct_ipmsg_desc_json(const struct ct_ipmsg_desc *d, struct ct_json *obj);
/* The RSA key length of an encrypted body, from its session-key field (the RSA block): hex
 * digits x 4, or (ENCODE_BASE64 in its capa) base64 characters x 6 less the padding, in bytes. */
size_t ct_ipmsg_enc_key_bits(const struct ct_body_enc *e);
/* Appends bytes C-escaped (\0 \a \b \n \r \t, \xNN for other controls); UTF-8 text and backslashes kept. */
int ct_ipmsg_escape(struct ct_sbuf *out, const char *s, size_t n);

#endif
