/* cmd-help.c: `camtrace help [COMMAND]`: the command list with the global options, or one command's help, both made from the tables. */
#include "config.h"
#include <stdio.h>
#include "cmd.h"
#include "out.h"
#include "version.h"

struct help_opts {
	int dump;     /* --options-dump: every table, for tests/t-options.sh */
	int complete; /* --complete-dump: commands, options and what their values are, for
			 contrib/bash-completion (hidden: a format for scripts, not for people) */
};

/* "global --json", "reach -c", "reach --count", ...: what camtrace(1) must list. */
static void dump(void)
{
	cmdopt_dump(stdout, "global", cmd_global_opts);
	for (unsigned i = 0; i < cmd_count; i++)
		cmdopt_dump(stdout, cmd_table[i]->name, cmd_table[i]->opts);
}

/* "cmd<TAB>probe<TAB>host" (what the arguments are), then each table's options */
static void complete_dump(void)
{
	cmdopt_complete_dump(stdout, "global", cmd_global_opts);
	for (unsigned i = 0; i < cmd_count; i++) {
		printf("cmd\t%s\t%s\n", cmd_table[i]->name,
			cmd_table[i]->args_max == 0 ? "none" : cmdopt_value_kind(cmd_table[i]->arg_name));
		cmdopt_complete_dump(stdout, cmd_table[i]->name, cmd_table[i]->opts);
	}
}

static int help_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	const struct help_opts *o = opts;
	char err[256];

	if (o->dump || o->complete) {
		if (o->dump)
			dump();
		else
			complete_dump();
		return CT_EXIT_OK;
	}
	if (argc > 0) {
		const struct cmd_entry *e = cmd_lookup(argv[0], err, sizeof err);
		if (!e) {
			out_err(cli, "help", "%s", err);
			return CT_EXIT_USAGE;
		}
		cmd_help(stdout, e);
		return CT_EXIT_OK;
	}
	printf("camtrace %s: IP Messenger network diagnostics and packet tracing\n\n"
	       "usage: camtrace [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS...]\n\ncommands:\n", ct_version());
	for (unsigned i = 0; i < cmd_count; i++)
		printf("  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	printf("\nglobal options (anywhere on the line up to '--'):\n");
	cmdopt_help(stdout, cmd_global_opts);
	printf("\nEvery option takes its value as --opt VALUE or --opt=VALUE; '--' ends the options.\n"
	       "exit codes: 0 all good, 1 a check failed, 2 usage error, 64-78 see sysexits.h\n"
	       "Commands may be abbreviated to a unique prefix. See camtrace(1).\n");
	return CT_EXIT_OK;
}

static const struct cmd_opt help_opts[] = {
	{ "options-dump", 0, CMD_OPT_FLAG, offsetof(struct help_opts, dump), .flags = CMD_OPT_HIDDEN },
	{ "complete-dump", 0, CMD_OPT_FLAG, offsetof(struct help_opts, complete), .flags = CMD_OPT_HIDDEN },
	{ 0 },
};

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.args = "[COMMAND]",
	.summary = "list the commands, or show one command's options",
	.help = "",
	.opts = help_opts,
	.opts_size = sizeof(struct help_opts),
	.arg_name = "COMMAND",
	.args_max = 1,
	.exec = help_exec,
};
