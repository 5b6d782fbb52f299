/* cmd-help.c: `camtrace help [COMMAND]`: the command list or one command's help. */
#include "config.h"
#include <stdio.h>
#include "cmd.h"
#include "out.h"
#include "version.h"

static int help_exec(struct ct_cli *cli, int argc, char **argv)
{
	char err[256];

	if (argc > 1) {
		const struct cmd_entry *e = cmd_lookup(argv[1], err, sizeof err);
		if (!e) {
			out_err(cli, "help", "%s", err);
			return CT_EXIT_USAGE;
		}
		cmd_usage(stdout, e);
		printf("\n%s\n", e->summary);
		if (e->help && e->help[0])
			printf("\n%s", e->help);
		return CT_EXIT_OK;
	}
	printf("camtrace %s: IP Messenger network diagnostics and packet tracing\n\n"
	       "usage: camtrace [GLOBAL OPTIONS] COMMAND [ARGS...]\n\ncommands:\n", ct_version());
	for (unsigned i = 0; i < cmd_count; i++)
		printf("  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	printf("\nglobal options (accepted before or after the command):\n"
	       "  --json             one JSON document on stdout (schema_version, snake_case)\n"
	       "  -v, --verbose      more detail (repeatable)\n"
	       "  -q, --quiet        only results, no progress\n"
	       "  --timeout SECONDS  overall time limit for the command\n"
	       "  --source ADDR      local address to send from\n"
	       "  --interface IF     interface to use\n"
	       "  --ctl PATH         camtraced control socket (default %s/camtraced/ctl.sock)\n"
	       "  -h, --help         this help;  --version  version and build features\n"
	       "\nexit codes: 0 all good, 1 a check failed, 2 usage error, 64-78 see sysexits.h\n"
	       "Commands may be abbreviated to a unique prefix. See camtrace(1).\n", RUNSTATEDIR);
	return CT_EXIT_OK;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.args = "[COMMAND]",
	.summary = "list the commands, or show one command's options",
	.help = "",
	.exec = help_exec,
};
