/* cmd.h: the subcommand table entry and the global options every command sees. */
#ifndef CT_CMD_H
#define CT_CMD_H

#include <stdio.h>

/* Exit codes (documented in camtrace(1)); others come from <sysexits.h>. */
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

#define CMD_F_NEEDS_ROOT 0x1 /* works best privileged; falls back otherwise */

struct cmd_entry {
	const char *name;
	const char *args;    /* synopsis after the name */
	const char *summary; /* one line for `camtrace help` */
	const char *help;    /* options and details for `camtrace help NAME` */
	int flags;
	int (*exec)(struct ct_cli *cli, int argc, char **argv);
};

extern const struct cmd_entry *const cmd_table[];
extern const unsigned cmd_count;

/* Finds a command by exact name or unique prefix; on failure writes a message into err. */
const struct cmd_entry *cmd_lookup(const char *name, char *err, size_t errlen);
void cmd_usage(FILE *fp, const struct cmd_entry *e);

#endif
