/* cmd.c: the table of camtrace subcommands, unique-prefix lookup, the global options, and running a command with its parsed options. */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "cmd.h"
#include "ctlcli.h"
#include "out.h"

extern const struct cmd_entry cmd_bundle_entry;
extern const struct cmd_entry cmd_decode_entry;
extern const struct cmd_entry cmd_doctor_entry;
extern const struct cmd_entry cmd_get_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_inbox_entry;
extern const struct cmd_entry cmd_monitor_entry;
extern const struct cmd_entry cmd_probe_entry;
extern const struct cmd_entry cmd_reach_entry;
extern const struct cmd_entry cmd_refresh_entry;
extern const struct cmd_entry cmd_route_entry;
extern const struct cmd_entry cmd_rtp_entry;
extern const struct cmd_entry cmd_scan_entry;
extern const struct cmd_entry cmd_search_entry;
extern const struct cmd_entry cmd_send_entry;
extern const struct cmd_entry cmd_sniff_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_users_entry;
extern const struct cmd_entry cmd_version_entry;

/* Keep sorted by name: lookup and `camtrace help` rely on the order. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_bundle_entry,
	&cmd_decode_entry,
	&cmd_doctor_entry,
	&cmd_get_entry,
	&cmd_help_entry,
	&cmd_inbox_entry,
	&cmd_monitor_entry,
	&cmd_probe_entry,
	&cmd_reach_entry,
	&cmd_refresh_entry,
	&cmd_route_entry,
	&cmd_rtp_entry,
	&cmd_scan_entry,
	&cmd_search_entry,
	&cmd_send_entry,
	&cmd_sniff_entry,
	&cmd_status_entry,
	&cmd_users_entry,
	&cmd_version_entry,
};
const unsigned cmd_count = sizeof cmd_table / sizeof cmd_table[0];

const struct cmd_entry *cmd_lookup(const char *name, char *err, size_t errlen)
{
	const struct cmd_entry *found = NULL;
	size_t n = strlen(name);
	int matches = 0;
	char cands[256] = "";

	for (unsigned i = 0; i < cmd_count; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (strcmp(e->name, name) == 0)
			return e;
		if (n > 0 && strncmp(e->name, name, n) == 0) {
			found = e;
			matches++;
			if (strlen(cands) + strlen(e->name) + 2 < sizeof cands) {
				if (cands[0])
					strcat(cands, ", ");
				strcat(cands, e->name);
			}
		}
	}
	if (matches == 1)
		return found;
	if (matches > 1)
		snprintf(err, errlen, "ambiguous command '%s': could be %s", name, cands);
	else
		snprintf(err, errlen, "unknown command '%s': run 'camtrace help' for the list", name);
	return NULL;
}

#define G(f) offsetof(struct cmd_globals, f)
const struct cmd_opt cmd_global_opts[] = {
	{ "json", 0, CMD_OPT_FLAG, G(cli.json), .help = "one JSON document on stdout (schema_version, snake_case)" },
	{ "verbose", 'v', CMD_OPT_COUNTER, G(cli.verbose), .help = "more detail (repeatable)" },
	{ "quiet", 'q', CMD_OPT_FLAG, G(cli.quiet), .help = "only results, no progress" },
	{ "timeout", 0, CMD_OPT_SECONDS, G(cli.timeout), 0, 86400, .help = "overall time limit for the command" },
	{ "source", 0, CMD_OPT_ADDRESS, G(cli.source), .help = "local address to send from" },
	{ "interface", 0, CMD_OPT_STRING, G(cli.iface), .arg = "IF", .help = "interface to use" },
	{ "ctl", 0, CMD_OPT_STRING, G(cli.ctl), .arg = "PATH",
	  .help = "camtraced control socket (default " RUNSTATEDIR "/camtraced/ctl.sock)" },
	{ "help", 'h', CMD_OPT_FLAG, G(help), .help = "this help, or with a command its help" },
	{ "version", 0, CMD_OPT_FLAG, G(version), .help = "version and build features" },
	{ 0 },
};

void cmd_usage(FILE *fp, const struct cmd_entry *e)
{
	fprintf(fp, "usage: camtrace %s%s%s\n", e->name, e->args[0] ? " " : "", e->args);
}

void cmd_help(FILE *fp, const struct cmd_entry *e)
{
	const struct cmd_opt *first = cmdopt_first(e->opts);

	cmd_usage(fp, e);
	fprintf(fp, "\n%s\n", e->summary);
	if (first || (e->help && e->help[0]))
		fputc('\n', fp);
	if (first && first->type != CMD_OPT_TEXT)
		fprintf(fp, "options:\n");
	cmdopt_help(fp, e->opts);
	if (e->help)
		fputs(e->help, fp);
}

int cmd_usage_error(const struct ct_cli *cli, const struct cmd_entry *e, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	out_fail(cli, e ? e->name : NULL, e && (e->flags & CMD_F_DAEMON) ? ctlcli_path(cli) : NULL, "usage",
		CT_EXIT_USAGE, msg);
	if (e && !cli->json) {
		cmd_usage(stderr, e);
		if (cmdopt_first(e->opts))
			fprintf(stderr, "see 'camtrace help %s' for the options\n", e->name);
	}
	return CT_EXIT_USAGE;
}

/* Too few or too many arguments: the message, else 0. */
static int check_args(const struct cmd_entry *e, char **pos, int npos, char *err, size_t errlen)
{
	const char *what = e->arg_name ? e->arg_name : "argument";

	if (npos < e->args_min)
		snprintf(err, errlen, e->args_min == 1 && e->args_max == 1 ? "give a %s" : "give at least one %s", what);
	else if (e->args_max < 0 || npos <= e->args_max)
		return 0;
	else if (e->args_max == 0)
		snprintf(err, errlen, "unexpected argument '%s'", pos[0]);
	else if (e->args_max == 1)
		snprintf(err, errlen, "one %s at a time ('%s' and '%s')", what, pos[0], pos[1]);
	else
		snprintf(err, errlen, "at most %d %ss ('%s' is one too many)", e->args_max, what, pos[e->args_max]);
	return -1;
}

int cmd_check_source(const struct ct_cli *cli, const struct cmd_entry *e)
{
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	int fd, ok;

	if (!cli->source)
		return 0;
	if (!(e->flags & CMD_F_SOURCE)) {
		char list[200] = "";
		size_t n = 0;
		for (unsigned i = 0; i < cmd_count; i++)
			if (cmd_table[i]->flags & CMD_F_SOURCE)
				n += (size_t)snprintf(list + n, n < sizeof list ? sizeof list - n : 0, "%s%s", n ? ", " : "",
					cmd_table[i]->name);
		return cmd_usage_error(cli, e, "--source %s: camtrace %s sends no probe of its own, so it has no "
			"source address to choose; --source is for %s", cli->source, e->name, list);
	}
	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, cli->source, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, cli->source, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		sl = sizeof(struct sockaddr_in6);
	} else {
		return cmd_usage_error(cli, e, "--source %s: not an IPv4 or IPv6 address", cli->source);
	}
	/* one place for every command: an address this host does not own is refused up front */
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ok = fd >= 0 && bind(fd, (struct sockaddr *)&ss, sl) == 0;
	if (!ok) {
		int e2 = errno;
		if (fd >= 0)
			close(fd);
		return cmd_usage_error(cli, e, "--source %s: not an address of this host (bind: %s); give one of this "
			"host's addresses, see `ip -brief address`", cli->source, strerror(e2));
	}
	close(fd);
	return 0;
}

int cmd_run(const struct cmd_entry *e, struct ct_cli *cli, int argc, char **argv)
{
	char **pos = calloc((size_t)argc + 1, sizeof *pos), err[600];
	void *opts = e->opts_size ? calloc(1, e->opts_size) : NULL;
	int npos = 0, rc;

	if (!pos || (e->opts_size && !opts)) {
		free(pos);
		free(opts);
		out_err(cli, e->name, "out of memory");
		return EX_OSERR;
	}
	if (opts && e->opts_defaults)
		memcpy(opts, e->opts_defaults, e->opts_size);
	if (cmdopt_parse(e->opts, !!(e->flags & CMD_F_ARGS_END_OPTS), opts, argc - 1, argv + 1, pos, &npos, err,
		sizeof err) != 0 || check_args(e, pos, npos, err, sizeof err) != 0)
		rc = cmd_usage_error(cli, e, "%s", err);
	else
		rc = e->exec(cli, opts, npos, pos);
	cmdopt_free(e->opts, opts);
	free(opts);
	free(pos);
	return rc;
}
