/* main.c: camtrace entry point: global options anywhere on the line, then the command table. */
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

static int take_arg(int *i, int argc, char **argv, const char *opt, const char **val)
{
	size_t n = strlen(opt);

	if (strcmp(argv[*i], opt) == 0) {
		if (*i + 1 >= argc) {
			fprintf(stderr, "camtrace: option %s needs a value\n", opt);
			exit(CT_EXIT_USAGE);
		}
		*val = argv[++*i];
		return 1;
	}
	if (strncmp(argv[*i], opt, n) == 0 && argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	return 0;
}

/* Removes the global options from argv wherever they are (up to a "--"); returns new argc. */
static int parse_globals(struct ct_cli *cli, int argc, char **argv, int *want_help, int *want_version)
{
	int o = 1;
	const char *v;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[o++] = argv[i++];
			break;
		}
		if (strcmp(a, "--json") == 0)
			cli->json = 1;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			cli->verbose++;
		else if (strcmp(a, "-vv") == 0)
			cli->verbose += 2;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			cli->quiet = 1;
		else if (strcmp(a, "--version") == 0)
			*want_version = 1;
		else if ((strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0))
			*want_help = 1;
		else if (take_arg(&i, argc, argv, "--timeout", &v)) {
			char *end;
			cli->timeout = strtod(v, &end);
			if (*end || cli->timeout < 0 || cli->timeout > 86400) {
				fprintf(stderr, "camtrace: --timeout wants seconds between 0 and 86400, not '%s'\n", v);
				exit(CT_EXIT_USAGE);
			}
		} else if (take_arg(&i, argc, argv, "--source", &v))
			cli->source = v;
		else if (take_arg(&i, argc, argv, "--interface", &v))
			cli->iface = v;
		else if (take_arg(&i, argc, argv, "--ctl", &v))
			cli->ctl = v;
		else
			argv[o++] = argv[i];
	}
	argv[o] = NULL;
	return o;
}

static void cli_log_sink(enum ct_log_level lvl, const char *func, const char *msg, void *ud)
{
	(void)ud;
	fprintf(stderr, "camtrace: %s: %s\n", ct_log_level_name(lvl), msg);
	(void)func;
}

int main(int argc, char **argv)
{
	struct ct_cli cli = { 0 };
	int want_help = 0, want_version = 0;
	const struct cmd_entry *e;
	char err[256];
	const char *nc = getenv("NO_COLOR");

	setlocale(LC_CTYPE, "");
	cli.argv0 = argv[0];
	argc = parse_globals(&cli, argc, argv, &want_help, &want_version);
	cli.tty = isatty(STDOUT_FILENO);
	cli.color = cli.tty && !(nc && nc[0]) && !cli.json;
	cli.progress = isatty(STDERR_FILENO) && !cli.quiet;
	ct_log_set_sink(cli_log_sink, NULL);
	ct_log_set_level(cli.verbose >= 2 ? CT_LOG_DEBUG : cli.verbose ? CT_LOG_INFO : CT_LOG_WARN);

	if (want_version && argc < 2) {
		char *a[] = { "version", NULL };
		return cmd_lookup("version", err, sizeof err)->exec(&cli, 1, a);
	}
	if (argc < 2) {
		char *a[] = { "help", NULL };
		if (argc < 2 && !want_help) {
			fprintf(stderr, "camtrace: no command given\n");
			cmd_lookup("help", err, sizeof err)->exec(&cli, 1, a);
			return CT_EXIT_USAGE;
		}
		return cmd_lookup("help", err, sizeof err)->exec(&cli, 1, a);
	}
	e = cmd_lookup(argv[1], err, sizeof err);
	if (!e) {
		fprintf(stderr, "camtrace: %s\n", err);
		return CT_EXIT_USAGE;
	}
	if (want_help) {
		char *a[] = { "help", (char *)e->name, NULL };
		return cmd_lookup("help", err, sizeof err)->exec(&cli, 2, a);
	}
	return e->exec(&cli, argc - 1, argv + 1);
}
