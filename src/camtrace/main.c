/* main.c: camtrace entry point: global options anywhere on the line (up to "--"), then the command table. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <locale.h>
#include "cmd.h"
#include "out.h"
#include "log.h"
#include "version.h"

static void cli_log_sink(enum ct_log_level lvl, const char *func, const char *msg, void *ud)
{
	(void)ud;
	fprintf(stderr, "camtrace: %s: %s\n", ct_log_level_name(lvl), msg);
	(void)func;
}

/* Runs a built-in command (help, version) with these arguments. */
static int run_named(struct ct_cli *cli, const char *name, const char *arg)
{
	char err[256], *a[] = { (char *)name, (char *)arg, NULL };

	return cmd_run(cmd_lookup(name, err, sizeof err), cli, arg ? 2 : 1, a);
}

int main(int argc, char **argv)
{
	struct cmd_globals g = { .cli = { 0 } };
	struct ct_cli *cli = &g.cli;
	const struct cmd_entry *e;
	char err[300], lerr[256];
	const char *nc = getenv("NO_COLOR");
	int bad;

	setlocale(LC_CTYPE, "");
	cli->argv0 = argv[0];
	bad = cmdopt_take(cmd_global_opts, &g, &argc, argv, err, sizeof err);
	cli->tty = isatty(STDOUT_FILENO);
	cli->color = cli->tty && !(nc && nc[0]) && !cli->json;
	cli->progress = isatty(STDERR_FILENO) && !cli->quiet;
	ct_log_set_sink(cli_log_sink, NULL);
	ct_log_set_level(cli->verbose >= 2 ? CT_LOG_DEBUG : cli->verbose ? CT_LOG_INFO : CT_LOG_WARN);

	e = argc >= 2 ? cmd_lookup(argv[1], lerr, sizeof lerr) : NULL;
	if (bad)
		return cmd_usage_error(cli, e, "%s", err);
	if (g.version && argc < 2)
		return run_named(cli, "version", NULL);
	if (argc < 2) {
		if (g.help)
			return run_named(cli, "help", NULL);
		if (cli->json)
			return cmd_usage_error(cli, NULL, "no command given: run 'camtrace help' for the list");
		fprintf(stderr, "camtrace: no command given\n");
		run_named(cli, "help", NULL);
		return CT_EXIT_USAGE;
	}
	if (!e && argv[1][0] == '-' && argv[1][1])
		return cmd_usage_error(cli, NULL, "unknown option '%s' before the command ('camtrace help' lists the "
			"global options)", argv[1]);
	if (!e)
		return cmd_usage_error(cli, NULL, "%s", lerr);
	if (g.help)
		return run_named(cli, "help", e->name);
	if ((bad = cmd_check_source(cli, e)) != 0)
		return bad;
	return cmd_run(e, cli, argc - 1, argv + 1);
}
