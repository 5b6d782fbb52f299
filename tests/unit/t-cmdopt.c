/* t-cmdopt.c: unit tests for camtrace's option parser (src/camtrace/cmdopt.c): every value type, the word forms, "--", the messages, the global options' extraction, the help lines. */
#include "config.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "cmdopt-fixture.h"

static char err[400];
static char *pos[32];
static int npos;

/* Parses a NULL-terminated list of words over a zeroed struct; returns the parser's result. */
static int parse(struct o *v, int stop, ...)
{
	static char *argv[32];
	va_list ap;
	int argc = 0;
	char *a;

	cmdopt_free(opts, v);
	memset(v, 0, sizeof *v);
	err[0] = '\0';
	va_start(ap, stop);
	while ((a = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return cmdopt_parse(opts, stop, v, argc, argv, pos, &npos, err, sizeof err);
}

static void words_and_forms(struct o *v)
{
	is_int(parse(v, 0, "--count=3", "h1", "--wait", "0.5", "h2", NULL), 0, "--opt=value and --opt value");
	is_int(v->num, 3, "--count=3");
	ok(v->secs == 0.5, "--wait 0.5");
	is_int(npos, 2, "two arguments");
	ok(npos == 2 && strcmp(pos[0], "h1") == 0 && strcmp(pos[1], "h2") == 0, "arguments in order, between options");
	is_int(parse(v, 0, "-c7", "-w", "2", NULL), 0, "-c7 and -w 2");
	ok(v->num == 7 && v->secs == 2, "short options: attached and separate values");
	is_int(parse(v, 0, "-Avvc", "9", NULL), 0, "a group: flags, then a valued option taking the next word");
	ok(v->flag == 1 && v->counter == 2 && v->num == 9, "-Avvc 9 = -A -v -v -c 9");
	is_int(parse(v, 0, "-Ac9", NULL), 0, "-Ac9: the rest of the group is the value");
	is_int(v->num, 9, "-Ac9");
	is_int(parse(v, 0, "-4", "-6", "--four", NULL), 0, "SET options");
	is_int(v->set, 4, "the last SET given wins");
	is_int(parse(v, 0, "--", "-c", "3", "--flag", NULL), 0, "-- ends the options");
	ok(npos == 3 && v->num == 0 && v->flag == 0 && strcmp(pos[0], "-c") == 0, "the words after -- are arguments");
	is_int(parse(v, 0, "-", NULL), 0, "a lone - is an argument");
	is_int(npos, 1, "-");
	is_int(parse(v, 1, "x", "-A", NULL), 0, "args_end_options: the first argument ends the options");
	ok(npos == 2 && v->flag == 0, "-A after it is an argument");
	is_int(parse(v, 0, "x", "-A", NULL), 0, "without it, options may follow arguments");
	ok(npos == 1 && v->flag == 1, "-A after an argument is an option");
	is_int(parse(v, 0, "--gra", "4", NULL), 0, "a unique abbreviation");
	is_int(v->ms, 4, "--gra 4 is --grace-ms 4");
	is_int(parse(v, 0, "--count", "4", NULL), 0, "an exact name wins over longer names with it as prefix");
	is_int(v->num, 4, "--count 4");
	is_int(parse(v, 0, "--secret", NULL), 0, "a hidden option is parsed");
	is_int(parse(v, 0, "--secr", NULL), -1, "but never abbreviated");
}

static void errors(struct o *v)
{
	is_int(parse(v, 0, "--count=x", NULL), -1, "a bad number");
	is_str(err, "--count wants a whole number from 1 to 1000, not 'x'", "its message");
	parse(v, 0, "-c", "0", NULL);
	is_str(err, "-c wants a whole number from 1 to 1000, not '0'", "out of range, named as typed");
	parse(v, 0, "--gra=1001000", NULL);
	ok(strncmp(err, "--grace-ms wants milliseconds", 29) == 0, "an abbreviation is named in full");
	parse(v, 0, "--count", NULL);
	is_str(err, "--count needs a value: a whole number from 1 to 1000", "a missing value");
	parse(v, 0, "-c", NULL);
	is_str(err, "-c needs a value: a whole number from 1 to 1000", "a missing value (short)");
	parse(v, 0, "--bogus", NULL);
	is_str(err, "unknown option '--bogus'", "unknown long option");
	parse(v, 0, "--bogus=1", NULL);
	is_str(err, "unknown option '--bogus'", "unknown long option with a value");
	parse(v, 0, "-y", NULL);
	is_str(err, "unknown option '-y'", "unknown short option");
	parse(v, 0, "-Ay", NULL);
	is_str(err, "unknown option '-y' (in '-Ay')", "unknown letter in a group");
	parse(v, 0, "--co", "1", NULL);
	is_str(err, "option '--co' is ambiguous: --count, --counter-weight", "an ambiguous abbreviation");
	parse(v, 0, "--flag=1", NULL);
	is_str(err, "--flag takes no value ('--flag=1')", "a flag with a value");
	parse(v, 0, "--file=", NULL);
	is_str(err, "--file wants a FILE (not empty), not ''", "an empty text");
	parse(v, 0, "--wait", "61", NULL);
	is_str(err, "--wait wants seconds from 0.01 to 60 (fractions or a unit, such as 2.5 or 1500ms), not '61'", "seconds out of range");
	parse(v, 0, "--port", "0", NULL);
	is_str(err, "--port wants a port number from 1 to 65535, not '0'", "port 0");
	parse(v, 0, "--ports", "5-2", NULL);
	is_str(err, "--ports wants a port or a range LOW-HIGH of at most 256 ports (such as 22224-22227), not '5-2'",
		"a reversed range");
	parse(v, 0, "--ports", "1-257", NULL);
	ok(strstr(err, "at most 256 ports") != NULL, "a range too wide");
	parse(v, 0, "--rate", "20/m", NULL);
	is_str(err, "--rate wants a rate from 1 to 100000 per second (such as 100, 100/s or 20/m), not '20/m'",
		"a rate below its range");
	parse(v, 0, "--grace-ms", "1.5", NULL);
	ok(strncmp(err, "--grace-ms wants milliseconds from 0 to 60000", 45) == 0, "milliseconds are whole");
	parse(v, 0, "--source", "host.example", NULL);
	is_str(err, "--source wants an IPv4 or IPv6 address, not 'host.example'", "not an address literal");
	parse(v, 0, "--network", "10.0.0.0/33", NULL);
	is_str(err, "--network wants a network in CIDR form such as 192.168.1.0/24, not '10.0.0.0/33'", "a bad prefix");
	parse(v, 0, "-Z", "admin", NULL);
	is_str(err, "-Z wants one of root or nobody, not 'admin'", "not one of the choices");
	parse(v, 0, "-u", "a", "-u", "b", "-u", "c", "-u", "d", NULL);
	is_str(err, "-u may be given at most 3 times", "a list has its limit");
}

static void values(struct o *v)
{
	is_int(parse(v, 0, "--wait=1m", NULL), 0, "seconds with a unit");
	ok(v->secs == 60, "1m = 60 s");
	is_int(parse(v, 0, "--wait=250ms", NULL), 0, "250ms");
	ok(v->secs == 0.25, "250ms = 0.25 s");
	is_int(parse(v, 0, "--grace-ms=4200", NULL), 0, "a plain number of milliseconds");
	is_int(v->ms, 4200, "4200 ms");
	is_int(parse(v, 0, "--grace-ms=4s", NULL), 0, "milliseconds as a duration");
	is_int(v->ms, 4000, "4s = 4000 ms");
	is_int(parse(v, 0, "--rate=600/m", NULL), 0, "a rate per minute");
	ok(v->rate == 10, "600/m = 10/s");
	is_int(parse(v, 0, "--ports=22224-22227", NULL), 0, "a port range");
	ok(v->ports.lo == 22224 && v->ports.hi == 22227, "22224-22227");
	is_int(parse(v, 0, "--ports=2425", NULL), 0, "one port as a range");
	ok(v->ports.lo == 2425 && v->ports.hi == 2425, "2425-2425");
	is_int(parse(v, 0, "--source=2001:db8::1", "--network", "10.1.0.0/16", NULL), 0, "an IPv6 address, a network");
	ok(v->addr && strcmp(v->addr, "2001:db8::1") == 0 && v->net && strcmp(v->net, "10.1.0.0/16") == 0, "kept as text");
	is_int(parse(v, 0, "-Z", "nobody", NULL), 0, "a choice");
	ok(v->choice == choices[1], "the table's own string is stored");
	is_int(parse(v, 0, "-u", "a", "--user=b", "-uc", NULL), 0, "a list");
	ok(v->list.n == 3 && strcmp(v->list.v[0], "a") == 0 && strcmp(v->list.v[2], "c") == 0, "in order");
	cmdopt_free(opts, v);
	ok(v->list.n == 0 && v->list.v == NULL, "cmdopt_free empties the list");
}

struct g {
	int json, verbose, help;
	double timeout;
};

#define G(f) offsetof(struct g, f)
static const struct cmd_opt gopts[] = {
	{ "json", 0, CMD_OPT_FLAG, G(json), .help = "JSON" },
	{ "verbose", 'v', CMD_OPT_COUNTER, G(verbose), .help = "more" },
	{ "help", 'h', CMD_OPT_FLAG, G(help), .help = "help" },
	{ "timeout", 0, CMD_OPT_SECONDS, G(timeout), 0, 86400, .help = "a limit" },
	{ 0 },
};

static void take(void)
{
	char *argv[] = { "camtrace", "reach", "--json", "-c", "3", "-vv", "--timeout=5", "h", "--verb", "--",
		"--json", "-v", NULL };
	char *argv2[] = { "camtrace", "--timeout", "x", "reach", "--json", NULL };
	int argc = 12;
	struct g g = { 0 };

	is_int(cmdopt_take(gopts, &g, &argc, argv, err, sizeof err), 0, "global options taken");
	ok(g.json == 1 && g.verbose == 2 && g.timeout == 5, "--json, -vv (a group of them), --timeout=5");
	is_int(argc, 9, "the other words stay");
	ok(strcmp(argv[1], "reach") == 0 && strcmp(argv[2], "-c") == 0 && strcmp(argv[3], "3") == 0 &&
		strcmp(argv[4], "h") == 0, "in order");
	is_str(argv[5], "--verb", "abbreviations are the command's business");
	ok(strcmp(argv[6], "--") == 0 && strcmp(argv[7], "--json") == 0 && strcmp(argv[8], "-v") == 0 &&
		argv[9] == NULL, "-- stays, and nothing after it is taken");
	memset(&g, 0, sizeof g);
	argc = 5;
	is_int(cmdopt_take(gopts, &g, &argc, argv2, err, sizeof err), -1, "a bad global value");
	is_str(err, "--timeout wants seconds from 0 to 86400 (fractions or a unit, such as 2.5 or 1500ms), not 'x'", "its message");
	ok(g.json == 1 && argc == 2, "the rest of the line is still taken (--json after the error)");
}

/* 1 when the help has the line "  NAMES<blanks to column 25>TEXT". */
static int has_line(const char *buf, const char *names, const char *text)
{
	char want[200];

	snprintf(want, sizeof want, "\n  %-23s%s\n", names, text);
	return buf && strstr(buf, want) != NULL;
}

static void help(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	cmdopt_help(fp, opts);
	fclose(fp);
	ok(buf && strncmp(buf, "a heading\n", 10) == 0, "a text row is printed as it is");
	ok(has_line(buf, "-A, --flag", "a flag"), "short and long names, the help in one column");
	ok(has_line(buf, "-4, --four, -6, --six", "sets four or six"), "a row without help joins the line before");
	ok(has_line(buf, "--grace-ms MS", "milliseconds\n                         second line"), "a help of two lines");
	ok(has_line(buf, "-f, --file FILE", "a file"), "the value's name");
	ok(has_line(buf, "-Z root", "a choice"), "a short option only; a choice shows the first one");
	ok(has_line(buf, "-u, --user NAME", "repeatable"), "a list");
	ok(buf && !strstr(buf, "secret"), "hidden options are not shown");
	ok(buf && strstr(buf, "\n  --an-option-with-a-long-name\n                         its text below\n"),
		"a long left column puts the text on the next line");
	ok(has_line(buf, "--json", "a global one, in the help only"), "a text row with a label");
	if (buf && tap_fail)
		printf("# %s", buf);
	free(buf);
	buf = NULL;
	fp = open_memstream(&buf, &len);
	cmdopt_dump(fp, "t", opts);
	fclose(fp);
	ok(buf && strncmp(buf, "t -A\nt --flag\nt -4\nt --four\n", 28) == 0, "the dump: one spelling a line");
	ok(buf && !strstr(buf, "secret") && !strstr(buf, "json"), "neither hidden options nor text rows");
	free(buf);
}

int main(void)
{
	struct o v = { 0 };

	words_and_forms(&v);
	errors(&v);
	values(&v);
	cmdopt_free(opts, &v);
	take();
	help();
	return tap_done();
}
