/* conf.h: declarative configuration tables: `keyword = value` parsing, checks, effective-config printing. */
#ifndef CT_CONF_H
#define CT_CONF_H

#include <stddef.h>
#include <stdint.h>
#include "confval.h"
#include "sbuf.h"

/*
 * A table of struct ct_conf_opt describes every keyword of a configuration file: its type,
 * bounds, default (as text, parsed by the same code as the file, so -T shows exactly what the
 * parser produced) and one line of help. Each option stores its value at `off` inside the
 * caller's struct; the C type there depends on the option type (see below).
 *
 * File syntax: one `keyword = value` per line; blank lines and lines whose first non-blank
 * character is '#' are ignored; " #" after a value starts a comment; a value may be written in
 * double quotes ("a \"quoted\" value", \\ and \" escapes) to keep '#' or leading blanks.
 * List keywords are repeatable: the first occurrence in a file replaces the default, later
 * ones append; items on one line are separated by commas or blanks.
 */
enum ct_conf_type {
	CT_CONF_STRING,   /* char * (malloc'd; NULL = unset) */
	CT_CONF_INT,      /* int64_t, within [min, max] */
	CT_CONF_BOOL,     /* int: yes/no, true/false, on/off, 1/0 */
	CT_CONF_DURATION, /* uint64_t milliseconds: "2h", "90m", "30s", "500ms", "1d", "1h30m", plain = seconds */
	CT_CONF_RATE,     /* double per second: "100", "100/s", "20/m", "5/h"; min/max bound the per-second value */
	CT_CONF_LOGLEVEL, /* int: enum ct_log_level (error, warning, notice, info, debug) */
	CT_CONF_CIDRS,    /* struct ct_cidr_list: "10.0.0.0/8", "192.168.1.7", "2001:db8::/32" */
	CT_CONF_LIST,     /* struct ct_strlist: free-form words checked by opt->check */
	CT_CONF_PORTS,    /* struct ct_port_range: "2425" or "22224-22227" */
};

/* Extra validation of one string/list item; on failure write the reason (and the fix) to err. */
typedef int (*ct_conf_check_fn)(const char *value, char *err, size_t errlen);

struct ct_conf_opt {
	const char *name;
	enum ct_conf_type type;
	size_t off;              /* offsetof(struct ..., field) */
	int64_t min, max;        /* INT, RATE (per second), DURATION (ms), PORTS; 0,0 = unbounded */
	const char *def;         /* default as it would be written in the file; NULL = unset/empty */
	const char *help;        /* one line, shown by -T and in the man page */
	ct_conf_check_fn check;  /* optional: STRING and LIST values, one item at a time */
	const char *argname;     /* placeholder for docs ("ADDRESS", "PATH"); NULL = from the type */
};

struct ct_conf_table {
	const struct ct_conf_opt *opts;
	size_t n;
};

/* Sets every option to its table default (call once on a zeroed struct). Returns 0 or CT_ECONFIG
 * (a bad default is a programming error, reported in errs). */
int ct_conf_defaults(const struct ct_conf_table *t, void *dst, struct ct_sbuf *errs);

/* Parses a whole file over dst (already holding defaults). Every problem is appended to errs as
 * "FILE:LINE: message\n" (all of them, not only the first). Returns 0, CT_ECONFIG when any line
 * was wrong, CT_ESYS when the file cannot be read (errs says why). */
int ct_conf_parse_file(const struct ct_conf_table *t, void *dst, const char *path, struct ct_sbuf *errs);
/* Same over text in memory; name is used in messages in place of the file name. */
int ct_conf_parse_text(const struct ct_conf_table *t, void *dst, const char *name,
	const char *text, size_t len, struct ct_sbuf *errs);
/* Sets one keyword as if read from a file line (lists append); message without file:line. */
int ct_conf_set(const struct ct_conf_table *t, void *dst, const char *key, const char *value,
	char *err, size_t errlen);

/* Looks a keyword up; NULL when unknown. */
const struct ct_conf_opt *ct_conf_find(const struct ct_conf_table *t, const char *name);
/* The closest keyword to a misspelt one (edit distance <= 3 or a unique prefix), or NULL. */
const char *ct_conf_suggest(const struct ct_conf_table *t, const char *name);

/* Appends the value of one option, rendered so that parsing it back gives the same value. */
void ct_conf_format(const struct ct_conf_opt *o, const void *src, struct ct_sbuf *out);
/* Prints the effective configuration (every keyword, defaults included) as a valid config file:
 * "# help" line then "keyword = value"; list keywords once per item; empty lists as a comment. */
void ct_conf_print(const struct ct_conf_table *t, const void *src, struct ct_sbuf *out);
/* Frees every string and list of dst (leaves the struct zeroed for those fields). */
void ct_conf_free(const struct ct_conf_table *t, void *dst);

#endif
