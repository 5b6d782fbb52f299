/* redact.c: secret and message-text redaction for config text, log lines and packets. */
#include "config.h"
#include <sys/socket.h>
#include <ctype.h>
#include <string.h>
#include "codec.h"
#include "decode-ip.h"
#include "decode-link.h"
#include "rtp.h"
#include "decode-tcp.h"
#include "decode-udp.h"
#include "err.h"
#include "redact.h"
#include "util.h"

#define IPMSG_PORT CT_IPMSG_PORT

/* Command modes whose first body section is text a user wrote (see the protocol notes §2.1, §8). */
static int mode_is_message(unsigned mode)
{
	return mode == CT_IPMSG_SENDMSG || mode == CT_IPMSG_SENDABSENCEINFO ||
		mode == CT_IPMSG_IPTUX_SENDMSG || mode == CT_IPMSG_IPTUX_SEND_SIGN;
}

#define MODE_ASKSHARED CT_IPMSG_IPTUX_ASKSHARED   /* may carry a password (base64) */
#define MODE_SUBLAYER CT_IPMSG_IPTUX_SENDSUBLAYER /* header NUL picture bytes over TCP */

/* ---- secret-looking names ---- */

static int ci_find(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);

	for (size_t i = 0; i + wl <= n; i++) {
		size_t k = 0;
		while (k < wl && tolower((unsigned char)s[i + k]) == w[k])
			k++;
		if (k == wl)
			return (int)i;
	}
	return -1;
}

int ct_redact_is_secret_key(const char *key, size_t n)
{
	static const char *const words[] = {
		"passw", "passphrase", "pwd", "secret", "token", "key", "credential", "auth",
		"cookie", "psk", "private",
	};
	int at;

	for (size_t i = 0; i < CT_ARRAY_LEN(words); i++)
		if (ci_find(key, n, words[i]) >= 0)
			return 1;
	/* "pass" alone or as a word of the name (db_pass, pass-file), not "passive" */
	at = ci_find(key, n, "pass");
	return at >= 0 && ((size_t)at + 4 == n || !isalpha((unsigned char)key[at + 4]));
}

static int is_keych(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* Message-text field names in log lines. */
static int is_message_key(const char *k, size_t n)
{
	static const char *const names[] = { "text", "body", "msg_text", "message_text" };

	for (size_t i = 0; i < CT_ARRAY_LEN(names); i++)
		if (strlen(names[i]) == n && strncasecmp(k, names[i], n) == 0)
			return 1;
	return 0;
}

/* ---- raw IP Messenger packets ---- */

/* Parses "1...:packetno:user:host:command:" at p; on success gives the command and the
 * offset of the body. stop is a byte that may not appear in a field (0 for packets, '\n'
 * for log text). */
static int ipmsg_header(const uint8_t *p, size_t n, unsigned *cmd_out, size_t *body_off)
{
	size_t i = 0, f;
	unsigned long cmd = 0;

	if (n < 2 || p[0] != '1')
		return 0;
	for (i = 1; i < n && i < 48 && p[i] != ':'; i++)
		if (p[i] == '\0' || p[i] == '\n')
			return 0;
	if (i >= n || p[i] != ':')
		return 0;
	for (f = 0; f < 4; f++) {
		size_t start = ++i;
		while (i < n && p[i] != ':') {
			if (p[i] == '\0' || p[i] == '\n' || i - start > 256)
				return 0;
			if ((f == 0 || f == 3) && !isdigit(p[i]))
				return 0;
			if (f == 3)
				cmd = cmd * 10 + (unsigned long)(p[i] - '0');
			if (cmd > 0xFFFFFFFFul)
				return 0;
			i++;
		}
		if (i >= n || i == start)
			return 0;
	}
	*cmd_out = (unsigned)cmd;
	*body_off = i + 1;
	return 1;
}

size_t ct_redact_ipmsg_payload(uint8_t *p, size_t n, unsigned flags)
{
	unsigned cmd, mode;
	size_t off, changed = 0;

	if (!ipmsg_header(p, n, &cmd, &off))
		return 0;
	mode = CT_IPMSG_MODE(cmd);
	if (((flags & CT_REDACT_MESSAGES) && mode_is_message(mode)) || mode == MODE_ASKSHARED) {
		for (size_t i = off; i < n && p[i] != '\0'; i++, changed++)
			p[i] = 'x';
	} else if ((flags & CT_REDACT_MESSAGES) && mode == MODE_SUBLAYER) {
		size_t i = off;
		while (i < n && p[i] != '\0')
			i++;
		for (i++; i < n; i++, changed++)
			p[i] = 0;
	}
	return changed;
}

/* ---- text redaction ---- */

struct red {
	struct ct_sbuf *out;
	unsigned count;
	unsigned flags;
};

static void emit_redacted(struct red *r)
{
	ct_sbuf_adds(r->out, CT_REDACTED);
	r->count++;
}

/* Length of a value starting at s (line of length n): a quoted string up to its closing
 * quote (backslash escapes honoured, the quotes not included: *q set), else up to a
 * delimiter; rest_of_line takes an unquoted value to the end of the line. */
static size_t value_len(const char *s, size_t n, int rest_of_line, int *q)
{
	size_t i = 0;

	*q = 0;
	if (n && (s[0] == '"' || s[0] == '\'')) {
		char quote = s[0];
		*q = 1;
		for (i = 1; i < n && s[i] != quote; i++)
			if (s[i] == '\\' && i + 1 < n)
				i++;
		return i - 1; /* inner length */
	}
	if (rest_of_line) {
		while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		return n;
	}
	while (i < n && !isspace((unsigned char)s[i]) && !strchr(",;&)]}\"'", s[i]))
		i++;
	return i;
}

/* The value after an "Authorization:"-style scheme word goes too. */
static size_t auth_scheme(const char *s, size_t n, size_t vlen)
{
	static const char *const schemes[] = { "Bearer", "Basic", "Digest", "Token" };

	for (size_t i = 0; i < CT_ARRAY_LEN(schemes); i++)
		if (vlen == strlen(schemes[i]) && strncasecmp(s, schemes[i], vlen) == 0 && vlen < n &&
		    s[vlen] == ' ') {
			size_t j = vlen + 1;
			while (j < n && !isspace((unsigned char)s[j]) && s[j] != '"' && s[j] != ',')
				j++;
			return j;
		}
	return vlen;
}

/* Scans one line (no newline) for inline secrets, URL credentials, message fields and raw
 * packets, writing the redacted line to r->out. */
static void redact_inline(struct red *r, const char *s, size_t n)
{
	size_t i = 0, copied = 0;

	while (i < n) {
		unsigned cmd;
		size_t body;

		/* raw packet: "1:num:user:host:cmd:body" starting a token */
		if (s[i] == '1' && (i == 0 || !isalnum((unsigned char)s[i - 1])) &&
		    ipmsg_header((const uint8_t *)s + i, n - i, &cmd, &body)) {
			unsigned mode = CT_IPMSG_MODE(cmd);
			size_t b = i + body, e = b;
			char quote = i > 0 && (s[i - 1] == '"' || s[i - 1] == '\'') ? s[i - 1] : 0;
			if (((r->flags & CT_REDACT_MESSAGES) && mode_is_message(mode)) ||
			    mode == MODE_ASKSHARED) {
				while (e < n && !(quote && s[e] == quote) &&
				       !(s[e] == '\\' && e + 1 < n && s[e + 1] == '0') &&
				       !(s[e] == '\\' && e + 3 < n && s[e + 1] == 'x' && s[e + 2] == '0' &&
					 s[e + 3] == '0'))
					e++;
				if (e > b) {
					ct_sbuf_add(r->out, s + copied, b - copied);
					emit_redacted(r);
					copied = e;
				}
			}
			i = e > b ? e : b;
			continue;
		}
		/* URL credentials: scheme://user:password@host */
		if (s[i] == ':' && i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/') {
			size_t u = i + 3, colon = 0, at = 0;
			for (size_t j = u; j < n && !isspace((unsigned char)s[j]) && s[j] != '/'; j++) {
				if (s[j] == ':' && !colon)
					colon = j;
				if (s[j] == '@')
					at = j;
			}
			if (colon && at > colon) {
				ct_sbuf_add(r->out, s + copied, colon + 1 - copied);
				emit_redacted(r);
				copied = at;
				i = at;
				continue;
			}
			i += 3;
			continue;
		}
		/* key (sep) value */
		if (is_keych((unsigned char)s[i]) && (i == 0 || !is_keych((unsigned char)s[i - 1]))) {
			size_t k = i, kl, j, vl;
			int secret, message, q;
			while (i < n && is_keych((unsigned char)s[i]))
				i++;
			kl = i - k;
			j = i;
			if (j < n && s[j] == '"' && k > 0 && s[k - 1] == '"')
				j++; /* JSON "key": */
			while (j < n && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (j >= n || (s[j] != '=' && s[j] != ':') ||
			    (s[j] == ':' && j + 1 < n && s[j + 1] == '/'))
				continue;
			secret = ct_redact_is_secret_key(s + k, kl);
			message = (r->flags & CT_REDACT_MESSAGES) && is_message_key(s + k, kl);
			if (!secret && !message)
				continue;
			j++;
			while (j < n && (s[j] == ' ' || s[j] == '\t'))
				j++;
			vl = value_len(s + j, n - j, message, &q);
			if (!q && secret)
				vl = auth_scheme(s + j, n - j, vl);
			if (vl == 0) {
				i = j;
				continue;
			}
			ct_sbuf_add(r->out, s + copied, j + (size_t)q - copied);
			emit_redacted(r);
			copied = j + (size_t)q + vl;
			i = copied;
			continue;
		}
		i++;
	}
	ct_sbuf_add(r->out, s + copied, n - copied);
}

/* A whole-line "key = value" / "key: value" / "key value" setting, after indentation and
 * comment markers. Returns 1 when it was a secret setting and has been written redacted. */
static int redact_setting(struct red *r, const char *s, size_t n)
{
	size_t i = 0, k, kl, v;
	int q;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '#' || s[i] == ';' ||
			 (s[i] == '/' && i + 1 < n && s[i + 1] == '/')))
		i += s[i] == '/' ? 2 : 1;
	k = i;
	while (i < n && is_keych((unsigned char)s[i]))
		i++;
	kl = i - k;
	if (kl == 0 || !ct_redact_is_secret_key(s + k, kl))
		return 0;
	v = i;
	while (v < n && (s[v] == ' ' || s[v] == '\t'))
		v++;
	if (v < n && (s[v] == '=' || s[v] == ':')) {
		v++;
		while (v < n && (s[v] == ' ' || s[v] == '\t'))
			v++;
	} else if (v == i) {
		return 0; /* "keyword" followed by something other than blank, '=' or ':' */
	}
	if (value_len(s + v, n - v, 1, &q) == 0)
		return 0;
	ct_sbuf_add(r->out, s, v);
	if (q)
		ct_sbuf_addc(r->out, s[v]);
	emit_redacted(r);
	if (q)
		ct_sbuf_addc(r->out, s[v]);
	if (n && s[n - 1] == '\r')
		ct_sbuf_addc(r->out, '\r');
	return 1;
}

/* camtraced's node logs a received message as
 *   "message from USER@HOST (ADDR)[ (encrypted, not readable)]: TEXT"
 * (node.c); returns the offset of TEXT, or 0 when the line is not one. */
static size_t message_from(const char *s, size_t n)
{
	int at = ci_find(s, n, "message from ");
	size_t i;

	if (at < 0)
		return 0;
	for (i = (size_t)at + 13; i + 2 < n; i++)
		if (s[i] == ')' && s[i + 1] == ':' && s[i + 2] == ' ')
			return i + 3 < n ? i + 3 : 0;
	return 0;
}

/* The start of a daemon log line in the formats camtraced writes (file, stderr, journal,
 * syslog): "camtraced: ...", "camtraced[PID]: ...", or a time stamp and then one of those.
 * A line that is not one, right after a message line, is the message's next line. */
static int log_line_start(const char *s, size_t n)
{
	size_t lim = n < 100 ? n : 100;

	if (n >= 10 && strncmp(s, "camtraced", 9) == 0 && (s[9] == ':' || s[9] == '['))
		return 1;
	if (n && (isdigit((unsigned char)s[0]) || isupper((unsigned char)s[0])))
		return ci_find(s, lim, " camtraced[") >= 0 || ci_find(s, lim, " camtraced:") >= 0;
	return 0;
}

static int has_pem_begin(const char *s, size_t n)
{
	return ci_find(s, n, "-----begin") >= 0 && ci_find(s, n, "private key-----") >= 0;
}

static int redact_text(const char *in, size_t n, unsigned flags, int settings,
	struct ct_sbuf *out, unsigned *count)
{
	struct red r = { out, 0, flags };
	size_t pos = 0, mf;
	int in_pem = 0, in_msg = 0;

	while (pos < n) {
		const char *nl = memchr(in + pos, '\n', n - pos);
		size_t len = nl ? (size_t)(nl - (in + pos)) : n - pos;
		const char *l = in + pos;

		if (in_pem) {
			/* key material is dropped; the END line is kept */
			if (ci_find(l, len, "-----end") >= 0) {
				in_pem = 0;
				ct_sbuf_add(out, l, len);
				if (nl)
					ct_sbuf_addc(out, '\n');
			}
		} else if (has_pem_begin(l, len)) {
			ct_sbuf_add(out, l, len);
			ct_sbuf_addc(out, '\n');
			emit_redacted(&r);
			ct_sbuf_addc(out, '\n');
			in_pem = 1;
		} else if (in_msg && !log_line_start(l, len)) {
			/* the next line of a multi-line message: dropped, the redaction mark stands */
		} else if (!settings && (flags & CT_REDACT_MESSAGES) && (mf = message_from(l, len)) != 0) {
			redact_inline(&r, l, mf);
			emit_redacted(&r);
			if (nl)
				ct_sbuf_addc(out, '\n');
			in_msg = 1;
		} else {
			in_msg = 0;
			if (!(settings && redact_setting(&r, l, len)))
				redact_inline(&r, l, len);
			if (nl)
				ct_sbuf_addc(out, '\n');
		}
		pos += len + (nl ? 1 : 0);
	}
	if (count)
		*count = r.count;
	return out->err;
}

int ct_redact_config(const char *in, size_t n, struct ct_sbuf *out, unsigned *count)
{
	return redact_text(in, n, 0, 1, out, count);
}

int ct_redact_log(const char *in, size_t n, unsigned flags, struct ct_sbuf *out, unsigned *count)
{
	return redact_text(in, n, flags, 0, out, count);
}

/* ---- packets ---- */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		acc += (uint32_t)(p[n - 1] << 8);
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xFFFF) + (acc >> 16);
	return (uint16_t)~acc;
}

/* Recomputes the UDP/TCP checksum at l4[ck] over the pseudo header and l4len bytes. */
static void l4_checksum(const uint8_t *ip, int v6, uint8_t proto, uint8_t *l4, size_t l4len,
	size_t ck, int udp)
{
	uint32_t acc = 0;
	uint16_t c;

	if (v6)
		acc = sum16(ip + 8, 32, 0);
	else
		acc = sum16(ip + 12, 8, 0);
	acc += proto;
	acc += (uint32_t)(l4len & 0xFFFF) + (uint32_t)(l4len >> 16);
	l4[ck] = l4[ck + 1] = 0;
	c = fold(sum16(l4, l4len, acc));
	if (udp && c == 0)
		c = 0xFFFF;
	l4[ck] = (uint8_t)(c >> 8);
	l4[ck + 1] = (uint8_t)c;
}

int ct_redact_packet(uint8_t *pkt, size_t caplen, size_t wirelen, int linktype, unsigned flags,
	uint16_t rtp_lo, uint16_t rtp_hi)
{
	struct ct_link link;
	struct ct_ip ip;
	uint8_t *iph, *l4;
	uint32_t n = caplen > UINT32_MAX ? UINT32_MAX : (uint32_t)caplen;
	size_t changed = 0;
	int whole = caplen >= wirelen;

	if (ct_decode_link(linktype, pkt, n, &link) != 0 || link.off >= n ||
	    (link.ethertype != CT_ETH_IPV4 && link.ethertype != CT_ETH_IPV6))
		return 0;
	iph = pkt + link.off;
	if (ct_decode_ip(NULL, 0, iph, n - link.off, &ip) != 0 || (ip.frag && ip.frag_off))
		return 0; /* not IP, or a later fragment (no transport header to go by) */
	l4 = (uint8_t *)(uintptr_t)ip.pl; /* points into pkt: no reassembly without a defrag */
	if (ip.proto == 17) {
		struct ct_udp u;
		/* A first fragment holds only part of the datagram: go by the UDP length field. */
		uint32_t ulen = ip.pl_len >= 6 ? (uint32_t)(l4[4] << 8 | l4[5]) : 0;
		uint32_t wire = ip.frag && ulen > ip.pl_wire ? ulen : ip.pl_wire;
		if (ct_decode_udp(l4, ip.pl_len, wire, &u) != 0)
			return 0;
		if (u.sport == IPMSG_PORT || u.dport == IPMSG_PORT) {
			changed = ct_redact_ipmsg_payload(l4 + 8, u.pl_len, flags);
		} else if ((flags & CT_REDACT_MESSAGES) &&
			   ((u.sport >= rtp_lo && u.sport <= rtp_hi) || (u.dport >= rtp_lo && u.dport <= rtp_hi))) {
			struct ct_rtp r;
			if (ct_decode_rtp(l4 + 8, u.pl_len, &r) == 0 && !r.rtcp)
				for (size_t i = 8 + r.hdr_len; i < 8 + (size_t)u.pl_len; i++, changed++)
					l4[i] = 0;
		}
		if (changed) {
			if (whole && !ip.frag && (ip.af == AF_INET6 || l4[6] || l4[7]))
				l4_checksum(iph, ip.af == AF_INET6, 17, l4, ip.pl_wire, 6, 1);
			else if (ip.af == AF_INET)
				l4[6] = l4[7] = 0; /* IPv4: "no checksum" beats a wrong one */
		}
	} else if (ip.proto == 6) {
		struct ct_tcp t;
		unsigned cmd;
		size_t body, doff;
		if (ct_decode_tcp(l4, ip.pl_len, ip.pl_wire, &t) != 0 ||
		    (t.sport != IPMSG_PORT && t.dport != IPMSG_PORT))
			return 0;
		doff = (size_t)(t.pl - l4);
		if (ipmsg_header(t.pl, t.pl_len, &cmd, &body))
			changed = ct_redact_ipmsg_payload(l4 + doff, t.pl_len, flags);
		else if (flags & CT_REDACT_MESSAGES)
			for (size_t i = doff; i < doff + t.pl_len; i++, changed++)
				l4[i] = 0; /* file contents */
		if (changed && whole && !ip.frag)
			l4_checksum(iph, ip.af == AF_INET6, 6, l4, ip.pl_wire, 16, 0);
	}
	return changed > 0;
}
