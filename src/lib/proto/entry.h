/* entry.h: entry-packet bodies (BR_ENTRY/ANSENTRY/BR_ABSENCE/BR_EXIT/NOOPERATION, §1.5, §8): parse and build. */
#ifndef CT_ENTRY_H
#define CT_ENTRY_H

#include <stddef.h>
#include <stdint.h>
#include "charset.h"
#include "codec.h"
#include "sbuf.h"

/* Body layouts seen on the wire. */
enum ct_entry_form {
	CT_ENTRY_FORM_LEGACY = 0, /* nick NUL group, nothing else */
	CT_ENTRY_FORM_WIN,        /* nick NUL group NUL "\nUN:..\nHN:..\nNN:..\nGN:..\nVS:.." (§1.5) */
	CT_ENTRY_FORM_MAC,        /* nick NUL group NUL "\nUN:..\n...GN:..\n" NUL */
	CT_ENTRY_FORM_ANS,        /* Windows ANSENTRY: nick NUL group NUL "\nVS:.." */
	CT_ENTRY_FORM_IPTUX,      /* nick NUL group NUL icon NUL charset NUL (§8) */
};

/* A decoded entry body; every string is malloc'd UTF-8 ("" when absent), never NULL after a
 * successful parse except verinfo/icon/charset_name (NULL when absent). */
struct ct_entry {
	char *user, *host;    /* effective names: UN:/HN: from the block, else the header's */
	char *nick, *group;   /* effective names: NN:/GN: from the block, else the legacy fields */
	char *legacy_nick, *legacy_group; /* the legacy fields as decoded */
	char *verinfo;        /* VS: value, or NULL */
	char *icon;           /* iptux icon field, or NULL */
	char *charset_name;   /* iptux charset field (e.g. "utf-8"), or NULL */
	enum ct_entry_form form;
	enum ct_charset legacy_cs; /* charset used for the header names and legacy fields */
	int has_block;        /* the \n-separated UTF-8 block was present */
	int block_needs_cap;  /* block present but the command lacks CAPUTF8OPT: Windows ignores it */
	int unknown_keys;     /* block lines with keys we do not use (ignored, per spec) */
	int escaped;          /* bytes that could not be decoded (shown as \xNN) */
	uint32_t vs_type, vs_major, vs_minor, vs_rev; /* parsed VS: "%08X:%d:%d:%d" */
	int vs_valid;
};

/* True for the commands whose body is an entry body (0x00-0x04; BR_ISGETLIST/2 carry nick\0group). */
int ct_entry_is_entry_cmd(uint32_t command);
/* Decodes the entry body of a parsed packet. Legacy fields: UTF-8 with UTF8OPT, the iptux charset
 * when given, else CP932 (valid non-ASCII UTF-8 is taken as UTF-8: iptux/g2ipmsg send it without
 * UTF8OPT). The block wins over legacy fields. Call ct_entry_fini() even on error. */
int ct_entry_parse(const struct ct_ipmsg *m, struct ct_entry *e);
/* Frees the strings of e. */
void ct_entry_fini(struct ct_entry *e);
/* Formats the VS: value for type/major/minor/rev: "%08X:%d:%d:%d". */
int ct_entry_build_verinfo(struct ct_sbuf *b, uint32_t type, int major, int minor, int rev);

/* What to put in an entry body; strings are UTF-8 (NULL = empty). */
struct ct_entry_spec {
	enum ct_entry_form form; /* WIN (default 0 is LEGACY), MAC, ANS, IPTUX, LEGACY */
	const char *user, *host, *nick, *group;
	const char *verinfo;     /* VS: value or NULL (WIN/ANS) */
	const char *icon;        /* IPTUX form */
	const char *charset_name;/* IPTUX form, e.g. "utf-8" */
	enum ct_charset legacy_cs; /* CP932 for entry packets (no UTF8OPT); UTF-8 for ANSENTRY|UTF8OPT */
	int nul_term;            /* append a final NUL (Windows sends none after the block) */
};

/* Appends an entry body. Legacy fields are encoded in spec->legacy_cs (unmappable characters
 * become '?'); the block is UTF-8 with every key, in the order UN HN NN GN VS. */
int ct_entry_build_body(struct ct_sbuf *b, const struct ct_entry_spec *spec);
/* Appends a whole entry packet: header (user/host in legacy_cs, ':' replaced by ';') + body. */
int ct_entry_build(struct ct_sbuf *b, const char *version, uint32_t packetno, uint32_t command,
	const struct ct_entry_spec *spec);

#endif
