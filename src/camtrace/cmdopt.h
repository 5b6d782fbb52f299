/* cmdopt.h: the option tables of camtrace's commands and their one parser (--opt=value, --opt value, -c3, --), help lines and the table dump. */
#ifndef CT_CMDOPT_H
#define CT_CMDOPT_H

#include <stddef.h>
#include <stdio.h>
#include "confval.h" /* struct ct_port_range */

/*
 * A command describes its options in a table of struct cmd_opt, ended by CMD_OPT_END (an all-zero
 * row). Each option stores its value at `off` inside the command's options struct; the C type
 * there depends on the option type (below). Values are checked by the config engine's parsers
 * (confval.h), and every error reads the same for every command:
 *   "--count wants a whole number from 1 to 1000, not 'x'", "--wait needs a value: ...".
 * Long options may be abbreviated to a unique prefix; an exact name always wins.
 */
enum cmd_opt_type {
	CMD_OPT_END = 0,  /* ends the table */
	CMD_OPT_TEXT,     /* not an option: help text where it stands; with arg, a line like an option's
			     ("  PACKET    a datagram as ..."), for arguments and global options */
	CMD_OPT_FLAG,     /* int: 1 */
	CMD_OPT_SET,      /* int: val (-4 / -6, --udp / --tcp: the last one given wins) */
	CMD_OPT_COUNTER,  /* int: one more each time (-v -v) */
	CMD_OPT_INT,      /* int: a whole number within [min, max] */
	CMD_OPT_PORT,     /* int: a port, 1-65535 (or [min, max]) */
	CMD_OPT_PORTS,    /* struct ct_port_range: "2425" or "22224-22227"; max: at most that many ports */
	CMD_OPT_SECONDS,  /* double: seconds with fractions, or a duration ("500ms", "1m30s"), in [min, max] */
	CMD_OPT_MS,       /* uint64_t: milliseconds; a plain number is ms, or a duration ("4s"); in [min, max] */
	CMD_OPT_RATE,     /* double: per second, "100", "100/s", "20/m", "5/h"; in [min, max] */
	CMD_OPT_STRING,   /* const char *: any text but the empty one (a path, a name) */
	CMD_OPT_ADDRESS,  /* const char *: an IPv4 or IPv6 address literal */
	CMD_OPT_CIDR,     /* const char *: a network in CIDR form (192.168.1.0/24, 2001:db8::/32) */
	CMD_OPT_ENUM,     /* const char *: one of choices (the table's own string is stored) */
	CMD_OPT_LIST,     /* struct cmd_list: a repeatable text, at most max times (0: no limit) */
};

#define CMD_OPT_HIDDEN 0x1 /* parsed, but not in the help nor in the table dump */

struct cmd_opt {
	const char *name;           /* long name without "--"; NULL for a short option only */
	char shortname;             /* 'c' for -c; 0 for none */
	enum cmd_opt_type type;
	size_t off;                 /* offsetof(struct the_opts, field) */
	double min, max;            /* numbers: the range; 0, 0: the type's own */
	int val;                    /* SET: the value stored */
	const char *arg;            /* the value's name in help ("N", "SECONDS"); NULL: from the type;
				       TEXT: the left column of its line */
	const char *help;           /* one line (a "\n" continues it); NULL: joins the line of the row before */
	const char *const *choices; /* ENUM: NULL-terminated */
	int flags;                  /* CMD_OPT_HIDDEN */
};

/* The values of a LIST option, in the order given; v is allocated by the parser (cmdopt_free). */
struct cmd_list {
	int n;
	const char **v;
};

/* Parses the words after the command name: options into dst, every other word into pos, in
 * order (pos has room for argc words; *npos says how many). "--" ends the options; so does the
 * first other word when args_end_options is set (sniff's filter expression). Returns 0, or -1
 * with the message in err ("unknown option '--x'", "--count wants ..., not 'x'"). */
int cmdopt_parse(const struct cmd_opt *opts, int args_end_options, void *dst, int argc, char **argv,
	char **pos, int *npos, char *err, size_t errlen);
/* Takes the options of the table out of argv[1..*argc-1] wherever they stand, up to a "--" (which
 * stays): long names exactly (--timeout 5, --timeout=5), short ones alone or grouped (-v, -vq).
 * Every other word stays, in order; *argc is updated and argv[*argc] set to NULL. Returns 0, or
 * -1 with the first problem in err (the rest of the line is still taken). */
int cmdopt_take(const struct cmd_opt *opts, void *dst, int *argc, char **argv, char *err, size_t errlen);
/* Frees what the parser allocated in dst (the LIST arrays). */
void cmdopt_free(const struct cmd_opt *opts, void *dst);

/* The first row the help shows (an option or a text), NULL when none. */
const struct cmd_opt *cmdopt_first(const struct cmd_opt *opts);
/* What an option wants, for messages: "a whole number from 1 to 1000". */
void cmdopt_want(const struct cmd_opt *o, char *buf, size_t len);
/* The help lines of a table: "  -c, --count N      echo requests per host (default 4)". */
void cmdopt_help(FILE *fp, const struct cmd_opt *opts);
/* One line per visible option, for the manual page check: "SECTION -c --count N". */
void cmdopt_dump(FILE *fp, const char *section, const struct cmd_opt *opts);
/* For shell completion: "opt<TAB>SECTION<TAB>--name<TAB>KIND" per option name, KIND one of flag,
 * file, iface, host, command, value, or "enum:a b c". */
void cmdopt_complete_dump(FILE *fp, const char *section, const struct cmd_opt *opts);
/* The completion kind of a value named arg ("FILE" -> file, "HOST" -> host, else value). */
const char *cmdopt_value_kind(const char *arg);

#endif
