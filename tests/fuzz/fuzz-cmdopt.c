/* fuzz-cmdopt.c: libFuzzer target: command lines (NUL-separated words) through camtrace's option parser and the global-option extraction; values must stay in their ranges and every error must be a message. */
#include "config.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../unit/cmdopt-fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
