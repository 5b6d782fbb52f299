/* fuzz-cmdopt.c: libFuzzer target: command lines (NUL-separated words) through camtrace's option parser and the global-option extraction; values must stay in their ranges and every error must be a message. */
#include "config.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmdopt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct o {
	int flag, set, counter, num, port;
	struct ct_port_range ports;
	double secs, rate;
	uint64_t ms;
	const char *str, *addr, *net, *choice;
	struct cmd_list list;
};

static const char *const choices[] = { "root", "nobody", NULL };

/* one option of every type, with ranges like the commands' */
#define O(f) offsetof(struct o, f)
static const struct cmd_opt opts[] = {
	{ "flag", 'A', CMD_OPT_FLAG, O(flag), .help = "a flag" },
	{ "four", '4', CMD_OPT_SET, O(set), .val = 4, .help = "four" },
	{ "six", '6', CMD_OPT_SET, O(set), .val = 6, .help = "six" },
	{ "verbose", 'v', CMD_OPT_COUNTER, O(counter), .help = "more" },
	{ "count", 'c', CMD_OPT_INT, O(num), 1, 1000, .help = "how many" },
	{ "counter-weight", 0, CMD_OPT_INT, O(num), 5, 6, .help = "shares a prefix" },
	{ "port", 'p', CMD_OPT_PORT, O(port), .help = "a port" },
	{ "ports", 0, CMD_OPT_PORTS, O(ports), 0, 256, .help = "a range" },
	{ "wait", 'w', CMD_OPT_SECONDS, O(secs), 0.01, 60, .help = "seconds" },
	{ "rate", 0, CMD_OPT_RATE, O(rate), 1, 100000, .help = "a rate" },
	{ "grace-ms", 0, CMD_OPT_MS, O(ms), 0, 60000, .help = "milliseconds" },
	{ "file", 'f', CMD_OPT_STRING, O(str), .arg = "FILE", .help = "a file" },
	{ "source", 0, CMD_OPT_ADDRESS, O(addr), .help = "an address" },
	{ "network", 0, CMD_OPT_CIDR, O(net), .help = "a network" },
	{ NULL, 'Z', CMD_OPT_ENUM, O(choice), .choices = choices, .help = "a choice" },
	{ "user", 'u', CMD_OPT_LIST, O(list), 0, 3, .arg = "NAME", .help = "repeatable" },
	{ 0 },
};

#define MAXW 64

static void check(const struct o *v, int r, const char *err)
{
	if (r != 0) {
		if (!err[0] || !memchr(err, '\0', 400)) {
			fprintf(stderr, "an error without a message\n");
			abort();
		}
		return;
	}
	if ((v->num && (v->num < 1 || v->num > 1000)) || v->port < 0 || v->port > 65535 ||
	    (v->secs && (v->secs < 0.01 || v->secs > 60)) || (v->rate && (v->rate < 1 || v->rate > 100000)) ||
	    v->ms > 60000 || (v->set && v->set != 4 && v->set != 6) || v->list.n > 3 ||
	    (v->ports.lo && (v->ports.lo > v->ports.hi || v->ports.hi - v->ports.lo >= 256)) ||
	    (v->choice && strcmp(v->choice, "root") != 0 && strcmp(v->choice, "nobody") != 0)) {
		fprintf(stderr, "a value out of its range was accepted\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAXW + 1], *pos[MAXW + 1], err[400];
	int argc = 0, npos = 0, r;
	struct o v;
	size_t i = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	while (i <= size && argc < MAXW) { /* words: NUL-separated */
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	for (int stop = 0; stop < 2; stop++) {
		memset(&v, 0, sizeof v);
		err[0] = '\0';
		r = cmdopt_parse(opts, stop, &v, argc, argv, pos, &npos, err, sizeof err);
		if (r == 0 && (npos < 0 || npos > argc)) {
			fprintf(stderr, "more arguments than words\n");
			abort();
		}
		check(&v, r, err);
		cmdopt_free(opts, &v);
	}
	{
		/* the global options' extraction works in place on a copy of argv (argv[0] is the program) */
		char *g[MAXW + 2];
		int gc = argc + 1;
		g[0] = "camtrace";
		memcpy(g + 1, argv, (size_t)argc * sizeof *argv);
		g[gc] = NULL;
		memset(&v, 0, sizeof v);
		err[0] = '\0';
		r = cmdopt_take(opts, &v, &gc, g, err, sizeof err);
		if (gc < 1 || gc > argc + 1 || g[gc] != NULL) {
			fprintf(stderr, "the words left are not a NULL-terminated list\n");
			abort();
		}
		check(&v, r == 0 ? 0 : r, err);
		cmdopt_free(opts, &v);
	}
	free(buf);
	return 0;
}
