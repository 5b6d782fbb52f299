/* codec.c: IP Messenger header grammar: bounded parse and byte-exact build, command/option names. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "codec.h"
#include "err.h"
#include "util.h"

struct name_val {
	uint32_t v;
	const char *name;
};

static const struct name_val cmd_names[] = {
	{ CT_IPMSG_NOOPERATION, "NOOPERATION" },
	{ CT_IPMSG_BR_ENTRY, "BR_ENTRY" },
	{ CT_IPMSG_BR_EXIT, "BR_EXIT" },
	{ CT_IPMSG_ANSENTRY, "ANSENTRY" },
	{ CT_IPMSG_BR_ABSENCE, "BR_ABSENCE" },
	{ CT_IPMSG_BR_ISGETLIST, "BR_ISGETLIST" },
	{ CT_IPMSG_OKGETLIST, "OKGETLIST" },
	{ CT_IPMSG_GETLIST, "GETLIST" },
	{ CT_IPMSG_ANSLIST, "ANSLIST" },
	{ CT_IPMSG_ANSLIST_DICT, "ANSLIST_DICT" },
	{ CT_IPMSG_BR_ISGETLIST2, "BR_ISGETLIST2" },
	{ CT_IPMSG_SENDMSG, "SENDMSG" },
	{ CT_IPMSG_RECVMSG, "RECVMSG" },
	{ CT_IPMSG_READMSG, "READMSG" },
	{ CT_IPMSG_DELMSG, "DELMSG" },
	{ CT_IPMSG_ANSREADMSG, "ANSREADMSG" },
	{ CT_IPMSG_GETINFO, "GETINFO" },
	{ CT_IPMSG_SENDINFO, "SENDINFO" },
	{ CT_IPMSG_GETABSENCEINFO, "GETABSENCEINFO" },
	{ CT_IPMSG_SENDABSENCEINFO, "SENDABSENCEINFO" },
	{ CT_IPMSG_GETFILEDATA, "GETFILEDATA" },
	{ CT_IPMSG_RELEASEFILES, "RELEASEFILES" },
	{ CT_IPMSG_GETDIRFILES, "GETDIRFILES" },
	{ CT_IPMSG_DIRFILES_AUTH, "DIRFILES_AUTH" },
	{ CT_IPMSG_DIRFILES_AUTHRET, "DIRFILES_AUTHRET" },
	{ CT_IPMSG_GETPUBKEY, "GETPUBKEY" },
	{ CT_IPMSG_ANSPUBKEY, "ANSPUBKEY" },
	{ CT_IPMSG_AGENT_REQ, "AGENT_REQ" },
	{ CT_IPMSG_AGENT_ANSREQ, "AGENT_ANSREQ" },
	{ CT_IPMSG_AGENT_PACKET, "AGENT_PACKET" },
	{ CT_IPMSG_AGENT_PROXYREQ, "AGENT_PROXYREQ" },
	{ CT_IPMSG_DIR_POLL, "DIR_POLL" },
	{ CT_IPMSG_DIR_POLLAGENT, "DIR_POLLAGENT" },
	{ CT_IPMSG_DIR_BROADCAST, "DIR_BROADCAST" },
	{ CT_IPMSG_DIR_ANSBROAD, "DIR_ANSBROAD" },
	{ CT_IPMSG_DIR_PACKET, "DIR_PACKET" },
	{ CT_IPMSG_DIR_REQUEST, "DIR_REQUEST" },
	{ CT_IPMSG_DIR_AGENTPACKET, "DIR_AGENTPACKET" },
	{ CT_IPMSG_DIR_EVBROAD, "DIR_EVBROAD" },
	{ CT_IPMSG_DIR_AGENTREJECT, "DIR_AGENTREJECT" },
	{ CT_IPMSG_IPTUX_SENDMSG, "IPTUX_SENDMSG" },
	{ CT_IPMSG_IPTUX_SEND_SIGN, "IPTUX_SEND_SIGN" },
	{ CT_IPMSG_IPTUX_SENDSUBLAYER, "IPTUX_SENDSUBLAYER" },
	{ CT_IPMSG_IPTUX_SENDICON, "IPTUX_SENDICON" },
	{ CT_IPMSG_IPTUX_ASKSHARED, "IPTUX_ASKSHARED" },
};

static const struct name_val opt_entry[] = {
	{ CT_IPMSG_ABSENCEOPT, "ABSENCEOPT" },
	{ CT_IPMSG_SERVEROPT, "SERVEROPT" },
	{ CT_IPMSG_CAPFILEENC_OBSLT, "CAPFILEENC_OBSLT" },
	{ CT_IPMSG_RETRYOPT, "RETRYOPT" }, /* BR_ISGETLIST2 retries */
	{ CT_IPMSG_DIALUPOPT, "DIALUPOPT" },
	{ CT_IPMSG_CAPFILEENCOPT, "CAPFILEENCOPT" },
	{ CT_IPMSG_FILEATTACHOPT, "FILEATTACHOPT" },
	{ CT_IPMSG_ENCRYPTOPT, "ENCRYPTOPT" },
	{ CT_IPMSG_UTF8OPT, "UTF8OPT" },
	{ CT_IPMSG_CAPUTF8OPT, "CAPUTF8OPT" },
	{ CT_IPMSG_CAPIPDICTOPT, "CAPIPDICTOPT" },
	{ CT_IPMSG_ENCEXTMSGOPT, "ENCEXTMSGOPT" },
	{ CT_IPMSG_CLIPBOARDOPT, "CLIPBOARDOPT" },
	{ CT_IPMSG_DIR_MASTER, "DIR_MASTER" },
	{ CT_IPMSG_FLAG_RESV1, "FLAG_RESV1" },
	{ CT_IPMSG_FLAG_RESV2, "FLAG_RESV2" },
};

static const struct name_val opt_send[] = {
	{ CT_IPMSG_SENDCHECKOPT, "SENDCHECKOPT" },
	{ CT_IPMSG_SECRETOPT, "SECRETOPT" },
	{ CT_IPMSG_BROADCASTOPT, "BROADCASTOPT" },
	{ CT_IPMSG_MULTICASTOPT, "MULTICASTOPT" },
	{ CT_IPMSG_NOPOPUPOPT, "NOPOPUPOPT" },
	{ CT_IPMSG_AUTORETOPT, "AUTORETOPT" },
	{ CT_IPMSG_RETRYOPT, "RETRYOPT" },
	{ CT_IPMSG_PASSWORDOPT, "PASSWORDOPT" },
	{ CT_IPMSG_NOLOGOPT, "NOLOGOPT" },
	{ CT_IPMSG_NEWMULTIOPT, "NEWMULTIOPT" },
	{ CT_IPMSG_NOADDLISTOPT, "NOADDLISTOPT" },
	{ CT_IPMSG_READCHECKOPT, "READCHECKOPT" },
	{ CT_IPMSG_FILEATTACHOPT, "FILEATTACHOPT" },
	{ CT_IPMSG_ENCRYPTOPT, "ENCRYPTOPT" },
	{ CT_IPMSG_UTF8OPT, "UTF8OPT" },
	{ CT_IPMSG_CAPUTF8OPT, "CAPUTF8OPT" },
	{ CT_IPMSG_ENCEXTMSGOPT, "ENCEXTMSGOPT" },
	{ CT_IPMSG_IPTUX_PASSWDOPT, "IPTUX_PASSWDOPT" },
	{ CT_IPMSG_IPTUX_SHAREDOPT, "IPTUX_SHAREDOPT" },
};

static const struct name_val opt_file[] = {
	{ CT_IPMSG_ENCFILE_OBSLT, "ENCFILE_OBSLT" },
	{ CT_IPMSG_ENCFILEOPT, "ENCFILEOPT" },
	{ CT_IPMSG_FILEATTACHOPT, "FILEATTACHOPT" },
	{ CT_IPMSG_ENCRYPTOPT, "ENCRYPTOPT" },
	{ CT_IPMSG_UTF8OPT, "UTF8OPT" },
	{ CT_IPMSG_CAPUTF8OPT, "CAPUTF8OPT" },
};

static const struct name_val opt_iptux_grp[] = { /* enumerated, compared on bits 8-11 */
	{ CT_IPMSG_IPTUX_REGULAROPT, "IPTUX_REGULAROPT" },
	{ CT_IPMSG_IPTUX_SEGMENTOPT, "IPTUX_SEGMENTOPT" },
	{ CT_IPMSG_IPTUX_GROUPOPT, "IPTUX_GROUPOPT" },
	{ CT_IPMSG_IPTUX_BROADCASTOPT, "IPTUX_BROADCASTOPT" },
};

static const struct name_val opt_iptux_sub[] = {
	{ CT_IPMSG_IPTUX_PHOTOPICOPT, "IPTUX_PHOTOPICOPT" },
	{ CT_IPMSG_IPTUX_MSGPICOPT, "IPTUX_MSGPICOPT" },
};

static const struct name_val opt_iptux_ask[] = {
	{ CT_IPMSG_IPTUX_PASSWDOPT, "IPTUX_PASSWDOPT" },
};

struct opt_table {
	const struct name_val *t;
	size_t n;
};

static struct opt_table table_of(enum ct_ipmsg_optclass cls)
{
	switch (cls) {
	case CT_IPMSG_OPTC_ENTRY: return (struct opt_table){ opt_entry, CT_ARRAY_LEN(opt_entry) };
	case CT_IPMSG_OPTC_FILE: return (struct opt_table){ opt_file, CT_ARRAY_LEN(opt_file) };
	case CT_IPMSG_OPTC_IPTUX_GRP: return (struct opt_table){ opt_iptux_grp, CT_ARRAY_LEN(opt_iptux_grp) };
	case CT_IPMSG_OPTC_IPTUX_SUB: return (struct opt_table){ opt_iptux_sub, CT_ARRAY_LEN(opt_iptux_sub) };
	case CT_IPMSG_OPTC_IPTUX_ASK: return (struct opt_table){ opt_iptux_ask, CT_ARRAY_LEN(opt_iptux_ask) };
	case CT_IPMSG_OPTC_SEND: break;
	}
	return (struct opt_table){ opt_send, CT_ARRAY_LEN(opt_send) };
}

const char *ct_codec_cmd_name(uint32_t mode)
{
	for (size_t i = 0; i < CT_ARRAY_LEN(cmd_names); i++)
		if (cmd_names[i].v == mode)
			return cmd_names[i].name;
	return NULL;
}

int ct_codec_cmd_lookup(const char *name, uint32_t *mode)
{
	if (strncasecmp(name, "IPMSG_", 6) == 0)
		name += 6;
	for (size_t i = 0; i < CT_ARRAY_LEN(cmd_names); i++)
		if (strcasecmp(cmd_names[i].name, name) == 0) {
			*mode = cmd_names[i].v;
			return 0;
		}
	return CT_ENOTFOUND;
}

enum ct_ipmsg_optclass ct_codec_opt_class(uint32_t mode)
{
	switch (CT_IPMSG_MODE(mode)) {
	case CT_IPMSG_NOOPERATION: case CT_IPMSG_BR_ENTRY: case CT_IPMSG_BR_EXIT:
	case CT_IPMSG_ANSENTRY: case CT_IPMSG_BR_ABSENCE: case CT_IPMSG_BR_ISGETLIST:
	case CT_IPMSG_BR_ISGETLIST2: case CT_IPMSG_OKGETLIST: case CT_IPMSG_GETLIST:
	case CT_IPMSG_ANSLIST: case CT_IPMSG_ANSLIST_DICT: case CT_IPMSG_DIR_POLL:
		return CT_IPMSG_OPTC_ENTRY;
	case CT_IPMSG_GETFILEDATA: case CT_IPMSG_GETDIRFILES:
	case CT_IPMSG_DIRFILES_AUTH: case CT_IPMSG_DIRFILES_AUTHRET:
		return CT_IPMSG_OPTC_FILE;
	case CT_IPMSG_IPTUX_SENDMSG: return CT_IPMSG_OPTC_IPTUX_GRP;
	case CT_IPMSG_IPTUX_SENDSUBLAYER: return CT_IPMSG_OPTC_IPTUX_SUB;
	case CT_IPMSG_IPTUX_ASKSHARED: return CT_IPMSG_OPTC_IPTUX_ASK;
	default:
		return CT_IPMSG_OPTC_SEND;
	}
}

const char *ct_codec_opt_name(enum ct_ipmsg_optclass cls, uint32_t bit)
{
	struct opt_table t = table_of(cls);

	for (size_t i = 0; i < t.n; i++)
		if (t.t[i].v == bit)
			return t.t[i].name;
	return NULL;
}

size_t ct_codec_opt_list(uint32_t command, const char **names, size_t max, uint32_t *unknown)
{
	enum ct_ipmsg_optclass cls = ct_codec_opt_class(command);
	uint32_t left = CT_IPMSG_OPT(command);
	size_t n = 0;

	if (cls == CT_IPMSG_OPTC_IPTUX_GRP) {
		/* 0xFB: bits 8-11 hold an enumerated group kind */
		uint32_t kind = left & 0x00000F00u;
		const char *nm = ct_codec_opt_name(cls, kind);
		if (nm) {
			if (n < max)
				names[n++] = nm;
			left &= ~0x00000F00u;
		}
		cls = CT_IPMSG_OPTC_SEND; /* remaining bits, if any, read as send options */
		if (left & 0x00000F00u) {
			if (unknown)
				*unknown = left;
			return n;
		}
	}
	struct opt_table t = table_of(cls);
	for (size_t i = 0; i < t.n; i++) {
		if ((left & t.t[i].v) == t.t[i].v) {
			if (n < max)
				names[n++] = t.t[i].name;
			left &= ~t.t[i].v;
		}
	}
	if (unknown)
		*unknown = left;
	return n;
}

int ct_codec_cmd_format(struct ct_sbuf *b, uint32_t command)
{
	const char *names[40];
	uint32_t unk = 0;
	const char *cn = ct_codec_cmd_name(CT_IPMSG_MODE(command));
	size_t n = ct_codec_opt_list(command, names, CT_ARRAY_LEN(names), &unk);

	if (cn)
		ct_sbuf_adds(b, cn);
	else
		ct_sbuf_printf(b, "0x%02x", (unsigned)CT_IPMSG_MODE(command));
	for (size_t i = 0; i < n; i++) {
		ct_sbuf_addc(b, '|');
		ct_sbuf_adds(b, names[i]);
	}
	if (unk)
		ct_sbuf_printf(b, "|0x%x", (unsigned)unk);
	return b->err;
}

/* ---- parsing ---- */

static int parse_dec32(const char *p, size_t n, uint32_t *out)
{
	if (n == 0)
		return CT_EFORMAT;
	return ct_parse_u32(p, n, 10, out); /* decimal: one compare a digit (util.c) */
}

int ct_codec_is_ipdict(const void *data, size_t len)
{
	return data && len >= 4 && memcmp(data, "IP2:", 4) == 0;
}

void ct_codec_fini(struct ct_ipmsg *m)
{
	free(m->buf);
	memset(m, 0, sizeof *m);
}

static int parse(struct ct_ipmsg *m, const void *data, size_t len, char *keep, size_t keep_cap, int fresh);

int ct_codec_parse(struct ct_ipmsg *m, const void *data, size_t len)
{
	return parse(m, data, len, NULL, 0, 1);
}

int ct_codec_reparse(struct ct_ipmsg *m, const void *data, size_t len)
{
	return parse(m, data, len, m->buf, m->buf_cap, 0);
}

/* Clears what a parse sets, leaving sec[] past nsec as it was: a memset of the whole struct is a
 * `rep stos` of 392 bytes, a third of the parse on the packet trace's hot path. */
static void clear_head(struct ct_ipmsg *m)
{
	static const struct ct_slice none;

	m->len = m->nul_pad = 0;
	m->version = m->user = m->host = m->extra = m->sec[0] = none;
	m->packetno = m->command = m->mode = m->opts = 0;
	m->version_extra = m->no_body_colon = 0;
	m->nsec = m->nsec_total = 0;
}

/* One pass over s[0..n) (s[n] is NUL, and s[n + 1] to s[n + 7] are readable): the length up to the
 * first NUL, and the first (at most 5) colons before it into c; returns how many colons. Eight bytes
 * a step on little-endian machines (five memchr calls and a strnlen were a sixth of the trace's
 * time on short datagrams), with exact byte masks: a mask with false bits to check cost a branch
 * missed per colon. */
static int scan_header(const char *s, size_t n, const char *c[5], size_t *s0len)
{
	size_t i = 0;
	int nc = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t low7 = 0x7F7F7F7F7F7F7F7Full, colons = 0x0101010101010101ull * ':';

	for (; i <= n; i += 8) { /* s[n] to s[n + 7] are readable and s[n] is NUL: the loop ends here */
		uint64_t w, x, z, k;
		memcpy(&w, s + i, 8);
		/* exact: the high bit of each byte that is NUL (z) or ':' (k), no false bits to check */
		z = ~(((w & low7) + low7) | w | low7);
		x = w ^ colons;
		k = ~(((x & low7) + low7) | x | low7);
		if (z) /* the first NUL ends the string: keep only the colons before it */
			k &= (z & -z) - 1;
		for (; k && nc < 5; k &= k - 1)
			c[nc++] = s + i + ((unsigned)__builtin_ctzll(k) >> 3);
		if (z) {
			*s0len = i + ((unsigned)__builtin_ctzll(z) >> 3);
			return nc;
		}
		if (nc == 5) { /* the header is found; only the end of the body is left to find */
			*s0len = i + 8 + strlen(s + i + 8);
			return nc;
		}
	}
#endif
	for (; i < n && s[i]; i++)
		if (s[i] == ':' && nc < 5)
			c[nc++] = s + i;
	*s0len = i;
	return nc;
}

/* keep: a buffer of keep_cap bytes to use (or free) instead of a new one; it is m's from the start. */
static int parse(struct ct_ipmsg *m, const void *data, size_t len, char *keep, size_t keep_cap, int fresh)
{
	const char *s, *end, *c[5];
	size_t dlen = len, s0len;
	int r;

	if (fresh)
		memset(m, 0, sizeof *m);
	else
		clear_head(m);
	m->buf = keep;
	m->buf_cap = keep_cap;
	if (!data || len == 0)
		return CT_ETRUNC;
	if (ct_codec_is_ipdict(data, len))
		return CT_EFORMAT;
	if (len > CT_IPMSG_MAXDGRAM)
		return CT_ETOOBIG;
	m->len = len;
	/* trailing NUL tolerance: a normal terminator, none, or Windows' 64-byte pad */
	while (dlen > 0 && ((const char *)data)[dlen - 1] == '\0')
		dlen--;
	m->nul_pad = len - dlen;
	if (dlen == 0)
		return CT_ETRUNC;
	if (m->buf_cap < dlen + 8) { /* the NUL and 7 more: scan_header reads whole words */
		size_t cap = keep ? (dlen + 8 > 2048 ? dlen + 8 : 2048) : dlen + 8;
		free(m->buf);
		m->buf_cap = 0;
		if (!(m->buf = malloc(cap)))
			return CT_ENOMEM;
		m->buf_cap = cap;
	}
	memcpy(m->buf, data, dlen);
	memset(m->buf + dlen, 0, 8); /* the terminator, and defined bytes for the last word read */

	s = m->buf;
	/* section 0 = the main string, up to the first NUL */
	int ncolon = scan_header(s, dlen, c, &s0len);
	const char *p;
	end = s + s0len;
	if (ncolon == 0)
		return CT_EFORMAT;
	if (ncolon < 4)
		return CT_ETRUNC;
	/* version: atoi(version) == 1, i.e. "1" then a non-digit (or nothing) */
	m->version = (struct ct_slice){ s, (size_t)(c[0] - s) };
	if (m->version.len == 0 || s[0] != '1')
		return CT_EFORMAT;
	if (m->version.len > 1) {
		if (isdigit((unsigned char)s[1]))
			return CT_EFORMAT;
		m->version_extra = 1;
	}
	if ((r = parse_dec32(c[0] + 1, (size_t)(c[1] - c[0] - 1), &m->packetno)) != 0)
		return r;
	m->user = (struct ct_slice){ c[1] + 1, (size_t)(c[2] - c[1] - 1) };
	m->host = (struct ct_slice){ c[2] + 1, (size_t)(c[3] - c[2] - 1) };
	if (m->user.len == 0 || m->host.len == 0)
		return CT_EFORMAT;
	const char *cmd_end = ncolon == 5 ? c[4] : end;
	if ((r = parse_dec32(c[3] + 1, (size_t)(cmd_end - c[3] - 1), &m->command)) != 0)
		return r;
	m->mode = CT_IPMSG_MODE(m->command);
	m->opts = CT_IPMSG_OPT(m->command);
	m->no_body_colon = ncolon < 5;
	/* terminate the header fields in the private copy: every slice is a C string */
	for (int i = 0; i < ncolon; i++)
		m->buf[c[i] - s] = '\0';

	/* sections: body text, then one per NUL */
	const char *bp = ncolon == 5 ? c[4] + 1 : end;
	const char *dend = m->buf + dlen;
	m->sec[0] = (struct ct_slice){ bp, (size_t)(end - bp) };
	m->nsec = m->nsec_total = 1;
	if (end < dend) {
		m->extra = (struct ct_slice){ end + 1, (size_t)(dend - end - 1) };
		p = end + 1;
		for (;;) {
			size_t l = strnlen(p, (size_t)(dend - p));
			if (m->nsec < CT_CODEC_MAXSEC)
				m->sec[m->nsec++] = (struct ct_slice){ p, l };
			m->nsec_total++;
			if (p + l >= dend)
				break;
			p += l + 1;
		}
	} else {
		m->extra = (struct ct_slice){ dend, 0 };
	}
	return 0;
}

/* ---- building ---- */

static int name_ok(const char *s)
{
	return s && s[0] && !strchr(s, ':');
}

int ct_codec_build_header(struct ct_sbuf *b, const char *version, uint32_t packetno,
	const char *user, const char *host, uint32_t command)
{
	if (!version)
		version = "1";
	if (version[0] != '1' || isdigit((unsigned char)version[1]) || strchr(version, ':'))
		return CT_EINVAL;
	if (!name_ok(user) || !name_ok(host))
		return CT_EINVAL;
	ct_sbuf_printf(b, "%s:%lu:%s:%s:%lu:", version, (unsigned long)packetno, user, host,
		(unsigned long)command);
	return b->err;
}

int ct_codec_build(struct ct_sbuf *b, const char *version, uint32_t packetno, const char *user,
	const char *host, uint32_t command, const void *body, size_t bodylen, int nul_term)
{
	int r = ct_codec_build_header(b, version, packetno, user, host, command);

	if (r != 0)
		return r;
	if (bodylen)
		ct_sbuf_add(b, body, bodylen);
	if (nul_term)
		ct_sbuf_addc(b, '\0');
	return b->err;
}

size_t ct_codec_name_sanitize(char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		if (*s == ':') {
			*s = ';';
			n++;
		}
	return n;
}
