/* codec.h: IP Messenger datagram grammar: constants, names, parse/build of "ver:pkt:user:host:cmd:body". */
#ifndef CT_CODEC_H
#define CT_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"

#define CT_IPMSG_PORT 2425
#define CT_IPMSG_MAXDGRAM 65536   /* the parser refuses anything larger (CT_ETOOBIG) */
#define CT_IPMSG_MODE(c) ((uint32_t)(c) & 0xFFu)
#define CT_IPMSG_OPT(c) ((uint32_t)(c) & 0xFFFFFF00u)

/* Command modes (spec §2.1): command & 0xFF */
#define CT_IPMSG_NOOPERATION 0x00u
#define CT_IPMSG_BR_ENTRY 0x01u
#define CT_IPMSG_BR_EXIT 0x02u
#define CT_IPMSG_ANSENTRY 0x03u
#define CT_IPMSG_BR_ABSENCE 0x04u
#define CT_IPMSG_BR_ISGETLIST 0x10u
#define CT_IPMSG_OKGETLIST 0x11u
#define CT_IPMSG_GETLIST 0x12u
#define CT_IPMSG_ANSLIST 0x13u
#define CT_IPMSG_ANSLIST_DICT 0x14u
#define CT_IPMSG_BR_ISGETLIST2 0x18u
#define CT_IPMSG_SENDMSG 0x20u
#define CT_IPMSG_RECVMSG 0x21u
#define CT_IPMSG_READMSG 0x30u
#define CT_IPMSG_DELMSG 0x31u
#define CT_IPMSG_ANSREADMSG 0x32u
#define CT_IPMSG_GETINFO 0x40u
#define CT_IPMSG_SENDINFO 0x41u
#define CT_IPMSG_GETABSENCEINFO 0x50u
#define CT_IPMSG_SENDABSENCEINFO 0x51u
#define CT_IPMSG_GETFILEDATA 0x60u
#define CT_IPMSG_RELEASEFILES 0x61u
#define CT_IPMSG_GETDIRFILES 0x62u
#define CT_IPMSG_DIRFILES_AUTH 0x63u
#define CT_IPMSG_DIRFILES_AUTHRET 0x64u
#define CT_IPMSG_GETPUBKEY 0x72u
#define CT_IPMSG_ANSPUBKEY 0x73u
#define CT_IPMSG_AGENT_REQ 0xa0u
#define CT_IPMSG_AGENT_ANSREQ 0xa1u
#define CT_IPMSG_AGENT_PACKET 0xa2u
#define CT_IPMSG_AGENT_PROXYREQ 0xa3u
#define CT_IPMSG_DIR_POLL 0xb0u
#define CT_IPMSG_DIR_POLLAGENT 0xb1u
#define CT_IPMSG_DIR_BROADCAST 0xb2u
#define CT_IPMSG_DIR_ANSBROAD 0xb3u
#define CT_IPMSG_DIR_PACKET 0xb4u
#define CT_IPMSG_DIR_REQUEST 0xb5u
#define CT_IPMSG_DIR_AGENTPACKET 0xb6u
#define CT_IPMSG_DIR_EVBROAD 0xb7u
#define CT_IPMSG_DIR_AGENTREJECT 0xb8u
#define CT_IPMSG_IPTUX_SENDMSG 0xfbu
#define CT_IPMSG_IPTUX_SEND_SIGN 0xfcu
#define CT_IPMSG_IPTUX_SENDSUBLAYER 0xfdu
#define CT_IPMSG_IPTUX_SENDICON 0xfeu
#define CT_IPMSG_IPTUX_ASKSHARED 0xffu

/* (a) entry / host status options (§2.2a) */
#define CT_IPMSG_ABSENCEOPT 0x00000100u
#define CT_IPMSG_SERVEROPT 0x00000200u
#define CT_IPMSG_CAPFILEENC_OBSLT 0x00001000u
#define CT_IPMSG_DIALUPOPT 0x00010000u
#define CT_IPMSG_CAPFILEENCOPT 0x00040000u
#define CT_IPMSG_FILEATTACHOPT 0x00200000u
#define CT_IPMSG_ENCRYPTOPT 0x00400000u
#define CT_IPMSG_UTF8OPT 0x00800000u
#define CT_IPMSG_CAPUTF8OPT 0x01000000u
#define CT_IPMSG_CAPIPDICTOPT 0x02000000u
#define CT_IPMSG_ENCEXTMSGOPT 0x04000000u
#define CT_IPMSG_CLIPBOARDOPT 0x08000000u
#define CT_IPMSG_DIR_MASTER 0x10000000u
#define CT_IPMSG_FLAG_RESV1 0x20000000u
#define CT_IPMSG_FLAG_RESV2 0x40000000u
#define CT_IPMSG_ALLSTAT (CT_IPMSG_ABSENCEOPT | CT_IPMSG_SERVEROPT | CT_IPMSG_DIALUPOPT | \
	CT_IPMSG_FILEATTACHOPT | CT_IPMSG_CLIPBOARDOPT | CT_IPMSG_ENCRYPTOPT | CT_IPMSG_CAPUTF8OPT | \
	CT_IPMSG_ENCEXTMSGOPT | CT_IPMSG_CAPFILEENCOPT | CT_IPMSG_CAPIPDICTOPT | CT_IPMSG_DIR_MASTER)

/* (b) send options (§2.2b) */
#define CT_IPMSG_SENDCHECKOPT 0x00000100u
#define CT_IPMSG_SECRETOPT 0x00000200u
#define CT_IPMSG_BROADCASTOPT 0x00000400u
#define CT_IPMSG_MULTICASTOPT 0x00000800u
#define CT_IPMSG_NOPOPUPOPT 0x00001000u
#define CT_IPMSG_AUTORETOPT 0x00002000u
#define CT_IPMSG_RETRYOPT 0x00004000u
#define CT_IPMSG_PASSWORDOPT 0x00008000u
#define CT_IPMSG_NOLOGOPT 0x00020000u
#define CT_IPMSG_NEWMULTIOPT 0x00040000u
#define CT_IPMSG_NOADDLISTOPT 0x00080000u
#define CT_IPMSG_READCHECKOPT 0x00100000u
#define CT_IPMSG_SECRETEXOPT (CT_IPMSG_READCHECKOPT | CT_IPMSG_SECRETOPT)

/* (c) GETFILEDATA / GETDIRFILES options (§2.2c) */
#define CT_IPMSG_ENCFILE_OBSLT 0x00000400u
#define CT_IPMSG_ENCFILEOPT 0x00000800u

/* (d) iptux options (§2.2d) */
#define CT_IPMSG_IPTUX_SHAREDOPT 0x80000000u
#define CT_IPMSG_IPTUX_PASSWDOPT 0x40000000u
#define CT_IPMSG_IPTUX_PHOTOPICOPT 0x00000100u
#define CT_IPMSG_IPTUX_MSGPICOPT 0x00000200u
#define CT_IPMSG_IPTUX_REGULAROPT 0x00000100u  /* enumerated values for 0xFB, not bits */
#define CT_IPMSG_IPTUX_SEGMENTOPT 0x00000200u
#define CT_IPMSG_IPTUX_GROUPOPT 0x00000300u
#define CT_IPMSG_IPTUX_BROADCASTOPT 0x00000400u

/* Separators (§2.3) */
#define CT_IPMSG_FILELIST_SEP '\a'
#define CT_IPMSG_HOSTLIST_SEP '\a'
#define CT_IPMSG_HOSTLIST_DUMMY '\b'

/* Which option table a command's high bits are read with (§2.2). */
enum ct_ipmsg_optclass {
	CT_IPMSG_OPTC_ENTRY,     /* entry / host status options */
	CT_IPMSG_OPTC_SEND,      /* send options */
	CT_IPMSG_OPTC_FILE,      /* GETFILEDATA / GETDIRFILES options */
	CT_IPMSG_OPTC_IPTUX_GRP, /* 0xFB: enumerated REGULAR/SEGMENT/GROUP/BROADCAST */
	CT_IPMSG_OPTC_IPTUX_SUB, /* 0xFD: PHOTOPIC / MSGPIC */
	CT_IPMSG_OPTC_IPTUX_ASK, /* 0xFF: PASSWDOPT */
};

/* A (pointer, length) view into a parsed datagram; p[len] is always a NUL (the private copy has
 * the header colons and section separators replaced by NULs). */
struct ct_slice {
	const char *p;
	size_t len;
};

#define CT_CODEC_MAXSEC 16

/* A parsed datagram. Every slice points into buf, a private NUL-terminated copy. */
struct ct_ipmsg {
	char *buf;            /* owned copy of the datagram, with trailing NULs cut off */
	size_t buf_cap;       /* bytes allocated at buf (ct_codec_reparse reuses them) */
	size_t len;           /* length of the datagram as received */
	size_t nul_pad;       /* trailing NUL bytes cut off (1 = normal terminator, 65 = Windows pad) */
	struct ct_slice version, user, host;
	uint32_t packetno;
	uint32_t command;     /* full 32-bit command word */
	uint32_t mode;        /* command & 0xFF */
	uint32_t opts;        /* command & 0xFFFFFF00 */
	int version_extra;    /* version had text after "1" (iptux "1_iptux 0.8.3", "1@x") */
	int no_body_colon;    /* packet ended right after the command (no 5th ':') */
	size_t nsec;          /* sections in the body: sec[0] = text after the 5th ':', then one per NUL */
	size_t nsec_total;    /* sections present (nsec is capped at CT_CODEC_MAXSEC) */
	struct ct_slice sec[CT_CODEC_MAXSEC];
	struct ct_slice extra; /* everything after the first NUL (may hold NULs: binary payloads) */
};

/* Parses a datagram (copies it); m is always initialised, call ct_codec_fini() even on error.
 * Errors: CT_ETRUNC (empty, fields missing), CT_EFORMAT (no ':', bad version/number/name),
 * CT_ERANGE (number overflows 32 bits), CT_ETOOBIG (> CT_IPMSG_MAXDGRAM), CT_ENOMEM. */
int ct_codec_parse(struct ct_ipmsg *m, const void *data, size_t len);
/* The same as ct_codec_fini() then ct_codec_parse(), but keeps m's buffer when it is large enough:
 * no allocation per datagram on a hot path (the packet trace). m: parsed before, or zeroed. sec[]
 * past nsec keeps what an earlier datagram left there (read sec[i] only for i < nsec). */
int ct_codec_reparse(struct ct_ipmsg *m, const void *data, size_t len);
/* Frees what ct_codec_parse() allocated. */
void ct_codec_fini(struct ct_ipmsg *m);
/* True when the datagram is a Windows IPDict ("IP2:" prefix, §1.6), which ct_codec_parse rejects. */
int ct_codec_is_ipdict(const void *data, size_t len);

/* Appends "version:packetno:user:host:command:" (version NULL = "1"); CT_EINVAL if user/host is
 * empty or holds ':' or NUL, or version does not start with '1' or holds ':'. */
int ct_codec_build_header(struct ct_sbuf *b, const char *version, uint32_t packetno,
	const char *user, const char *host, uint32_t command);
/* Appends the header, then body (bodylen bytes, may hold NULs), then a NUL if nul_term. */
int ct_codec_build(struct ct_sbuf *b, const char *version, uint32_t packetno, const char *user,
	const char *host, uint32_t command, const void *body, size_t bodylen, int nul_term);
/* Replaces every ':' in a user/host name by ';' (spec §1.2); returns how many were replaced. */
size_t ct_codec_name_sanitize(char *s);

/* Name of a command mode ("BR_ENTRY", "IPTUX_SENDICON"), or NULL when unknown. */
const char *ct_codec_cmd_name(uint32_t mode);
/* Looks a mode up by name (with or without "IPMSG_" prefix, any case); CT_ENOTFOUND. */
int ct_codec_cmd_lookup(const char *name, uint32_t *mode);
/* Which option table applies to a mode. */
enum ct_ipmsg_optclass ct_codec_opt_class(uint32_t mode);
/* Name of one option (bit or iptux enumerated value) in the class, or NULL. */
const char *ct_codec_opt_name(enum ct_ipmsg_optclass cls, uint32_t bit);
/* Lists the option names of a command word into names[] (at most max); bits with no name are
 * returned in *unknown. Returns the number of names stored. */
size_t ct_codec_opt_list(uint32_t command, const char **names, size_t max, uint32_t *unknown);
/* Appends "SENDMSG|SENDCHECKOPT|UTF8OPT" (unknown mode as "0xNN", unknown bits as "0xNNNN"). */
int ct_codec_cmd_format(struct ct_sbuf *b, uint32_t command);

#endif
