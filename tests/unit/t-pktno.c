/* t-pktno.c: unit tests for pktno.c: packet numbers unique within a process, across processes and across runs. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "pktno.h"

/* The first packet number of a child process (through a pipe). */
static uint32_t child_first(void)
{
	int p[2];
	uint32_t v = 0, last = 0;
	pid_t pid;

	if (pipe(p) != 0)
		return 0;
	pid = fork();
	if (pid == 0) {
		v = ct_pktno_next(&last);
		_exit(write(p[1], &v, sizeof v) == (ssize_t)sizeof v ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &v, sizeof v) != (ssize_t)sizeof v)
		v = 0;
	close(p[0]);
	waitpid(pid, NULL, 0);
	return v;
}

int main(void)
{
	uint32_t last = 0, a, b, prev;
	int mono = 1, differ;
	struct timespec ms = { 0, 1000000 };

	a = ct_pktno_next(&last);
	ok(a != 0 && last == a, "the first number is stored in *last and is not 0");
	prev = a;
	for (int i = 0; i < 100000; i++) {
		b = ct_pktno_next(&last);
		mono &= (int32_t)(b - prev) > 0;
		prev = b;
	}
	ok(mono, "100,000 numbers in a row only increase (serial order), faster than the clock too");
	last = 0xffffffffu;
	is_int(ct_pktno_next(&last) != 0, 1, "a counter at 2^32-1 does not give 0 (0 is \"none\")");

	/* two runs one after the other, well within one second: the second's numbers are new */
	a = child_first();
	nanosleep(&ms, NULL);
	b = child_first();
	ok(a && b && (int32_t)(b - a) > 0, "a later run starts after an earlier run's first number (%u, %u)", a, b);
	/* runs started at once: a different pid gives a different start even in one microsecond */
	differ = 0;
	for (int i = 0; i < 20; i++)
		differ += child_first() != child_first();
	is_int(differ, 20, "back-to-back processes never start on the same number");
	return tap_done();
}
