/* cmdopt-fixture.h: an option table with one option of every type, shared by t-cmdopt and the fuzz target fuzz-cmdopt. */
#ifndef CT_CMDOPT_FIXTURE_H
#define CT_CMDOPT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include "cmdopt.h"

struct o {
	int flag, set, counter, num, port;
	struct ct_port_range ports;
	double secs, rate;
	uint64_t ms;
	const char *str, *addr, *net, *choice;
	struct cmd_list list;
};

static const char *const choices[] = { "root", "nobody", NULL };

#define O(f) offsetof(struct o, f)
static const struct cmd_opt opts[] = {
	{ .type = CMD_OPT_TEXT, .help = "a heading" },
	{ "flag", 'A', CMD_OPT_FLAG, O(flag), .help = "a flag" },
	{ "four", '4', CMD_OPT_SET, O(set), .val = 4, .help = "sets four or six" },
	{ "six", '6', CMD_OPT_SET, O(set), .val = 6, .help = NULL },
	{ "verbose", 'v', CMD_OPT_COUNTER, O(counter), .help = "more" },
	{ "count", 'c', CMD_OPT_INT, O(num), 1, 1000, .help = "how many" },
	{ "counter-weight", 0, CMD_OPT_INT, O(num), 5, 6, .help = "shares a prefix with --count" },
	{ "port", 'p', CMD_OPT_PORT, O(port), .help = "a port" },
	{ "ports", 0, CMD_OPT_PORTS, O(ports), 0, 256, .help = "a range" },
	{ "wait", 'w', CMD_OPT_SECONDS, O(secs), 0.01, 60, .help = "seconds" },
	{ "rate", 0, CMD_OPT_RATE, O(rate), 1, 100000, .help = "a rate" },
	{ "grace-ms", 0, CMD_OPT_MS, O(ms), 0, 60000, .help = "milliseconds\nsecond line" },
	{ "file", 'f', CMD_OPT_STRING, O(str), .arg = "FILE", .help = "a file" },
	{ "source", 0, CMD_OPT_ADDRESS, O(addr), .help = "an address" },
	{ "network", 0, CMD_OPT_CIDR, O(net), .help = "a network" },
	{ NULL, 'Z', CMD_OPT_ENUM, O(choice), .choices = choices, .help = "a choice" },
	{ "user", 'u', CMD_OPT_LIST, O(list), 0, 3, .arg = "NAME", .help = "repeatable" },
	{ "secret", 0, CMD_OPT_FLAG, O(flag), .flags = CMD_OPT_HIDDEN },
	{ "an-option-with-a-long-name", 0, CMD_OPT_FLAG, O(flag), .help = "its text below" },
	{ .type = CMD_OPT_TEXT, .arg = "--json", .help = "a global one, in the help only" },
	{ 0 },
};

#endif
