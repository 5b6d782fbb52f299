/* cmd.h: the subcommand table entry (with its option table) and the global options every command sees. */
#ifndef CT_CMD_H
#define CT_CMD_H

#include <stdio.h>
#include <sysexits.h>
#include "cmdopt.h"

/* Exit codes (documented in camtrace(1)); the others are named from <sysexits.h> (EX_NOHOST,
 * EX_UNAVAILABLE, EX_OSERR, EX_NOPERM, ...), except the usage error, which stays 2, not EX_USAGE. */
#define CT_EXIT_OK 0
#define CT_EXIT_FAIL 1   /* a check failed / a problem was found */
#define CT_EXIT_USAGE 2  /* bad command line */

struct ct_cli {
	int json;           /* --json: one JSON document on stdout */
	int verbose;        /* -v (repeatable) */
	int quiet;          /* -q */
	double timeout;     /* --timeout SECONDS, 0 = command default */
	const char *source; /* --source ADDR */
	const char *iface;  /* --interface IFNAME */
	const char *ctl;    /* --ctl PATH: daemon control socket */
	int color;          /* colour allowed (TTY and no NO_COLOR) */
	int tty;            /* stdout is a terminal */
	int progress;       /* stderr is a terminal and not quiet: show progress */
	const char *argv0;
};

/* The global options (their table is cmd_global_opts): the struct ct_cli plus -h and --version. */
struct cmd_globals {
	struct ct_cli cli;
	int help;     /* -h, --help */
	int version;  /* --version */
};
extern const struct cmd_opt cmd_global_opts[];

#define CMD_F_NEEDS_ROOT 0x1    /* works best privileged; falls back otherwise */
#define CMD_F_ARGS_END_OPTS 0x2 /* the first argument ends the options (sniff's filter words) */
#define CMD_F_DAEMON 0x4        /* asks camtraced: JSON error documents name the ctl_socket */
#define CMD_F_SOURCE 0x8        /* sends probes of its own: honours --source (others refuse it) */

/*
 * A command: cmd-NAME.c defines `const struct cmd_entry cmd_NAME_entry`. Its options are the
 * table opts (cmdopt.h), parsed by cmd_run() into a struct of opts_size bytes that starts as a
 * copy of *opts_defaults (zero when NULL); its arguments are the other words, in order, between
 * args_min and args_max of them (-1: any number). exec gets both. `camtrace help NAME` prints
 * the usage line, the summary, the option lines made from the table, then help (notes, exit).
 */
struct cmd_entry {
	const char *name;
	const char *args;    /* synopsis after the name */
	const char *summary; /* one line for `camtrace help` */
	const char *help;    /* free text after the option lines: notes and exit codes */
	int flags;           /* CMD_F_* */
	const struct cmd_opt *opts;
	size_t opts_size;
	const void *opts_defaults;
	const char *arg_name; /* "HOST": the arguments, in messages */
	int args_min, args_max;
	int (*exec)(struct ct_cli *cli, void *opts, int argc, char **argv);
};

extern const struct cmd_entry *const cmd_table[];
extern const unsigned cmd_count;

/* Finds a command by exact name or unique prefix; on failure writes a message into err. */
const struct cmd_entry *cmd_lookup(const char *name, char *err, size_t errlen);
/* Parses the command's options and arguments (argv[0] is its name) and runs it; a bad command
 * line is a usage error (exit 2) that names the problem. */
int cmd_run(const struct cmd_entry *e, struct ct_cli *cli, int argc, char **argv);
void cmd_usage(FILE *fp, const struct cmd_entry *e);
/* --source: refused (usage error, message and fix) for a command that sends nothing of its own
 * or an address this host does not have; 0 when fine or not given. */
int cmd_check_source(const struct ct_cli *cli, const struct cmd_entry *e);
/* The whole help of one command (usage, summary, options, notes). */
void cmd_help(FILE *fp, const struct cmd_entry *e);
/* A usage error: "camtrace NAME: message" and the usage line on stderr, or with --json one
 * document whose errors hold {code "usage", message}. e may be NULL (before a command is
 * known). Returns CT_EXIT_USAGE. */
int cmd_usage_error(const struct ct_cli *cli, const struct cmd_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* cmd-send.c: a node of camtrace's own (login name, host name, no presence) for send --direct
 * (try_2425: from UDP 2425 when free, else a high port with a warning) and get (a high port). */
struct ct_evloop;
struct ct_hosts;
struct ct_node *cmd_own_node(struct ct_evloop *ev, struct ct_hosts *h, int try_2425, char *err, size_t errlen);

#endif
