/* t-pktno.c: unit tests for pktno.c: packet numbers monotonic in a process, unique across processes and runs, no wrap. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "pktno.h"

/* The first and the last of n packet numbers of a child process (through a pipe). */
static int child_run(int n, uint32_t *first, uint32_t *lastv)
{
	int p[2];
	uint32_t v[2] = { 0, 0 }, last = 0;
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		v[0] = ct_pktno_next(&last);
		for (int i = 1; i < n; i++)
			ct_pktno_next(&last);
		v[1] = last;
		_exit(write(p[1], v, sizeof v) == (ssize_t)sizeof v ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], v, sizeof v) != (ssize_t)sizeof v)
		v[0] = v[1] = 0;
	close(p[0]);
	waitpid(pid, NULL, 0);
	*first = v[0];
	*lastv = v[1];
	return 0;
}

static uint32_t child_first(void)
{
	uint32_t a, b;

	child_run(1, &a, &b);
	return a;
}

int main(void)
{
	uint32_t last = 0, a, b, c, prev;
	int mono = 1, differ;
	char path[] = "/tmp/t-pktno-XXXXXX";
	int fd = mkstemp(path);

	ok(fd >= 0, "a reservation file for the test");
	close(fd);
	ct_pktno_set_file(path);

	/* the clock: quarter seconds since 2024, below 2^32 until 2058 */
	a = ct_pktno_clock();
	ok(a > (uint32_t)((time(NULL) - CT_PKTNO_EPOCH) * 4 - 8) && a <= (uint32_t)((time(NULL) - CT_PKTNO_EPOCH) * 4 + 4),
		"the clock counts quarter seconds since 2024-01-01 (%u)", a);
	ok((uint64_t)CT_PKTNO_EPOCH + 0xffffffffull / CT_PKTNO_HZ > 2776000000ull, "it does not wrap before 2058");

	a = ct_pktno_next(&last);
	ok(a != 0 && last == a, "the first number is stored in *last and is not 0");
	prev = a;
	for (int i = 0; i < 100000; i++) {
		b = ct_pktno_next(&last);
		mono &= (int32_t)(b - prev) > 0;
		prev = b;
	}
	ok(mono, "100,000 numbers in a row only increase, faster than the clock too");
	ok((int32_t)(ct_pktno_seed() - prev) > 0, "ct_pktno_seed() draws from the same sequence");
	last = 0xffffffffu;
	is_int(ct_pktno_next(&last) != 0, 1, "a counter at 2^32-1 does not give 0 (0 is \"none\")");

	/* runs one after the other: a later run starts above everything an earlier one sent,
	 * even when it sent far more than the clock moved */
	child_run(5000, &a, &b);
	c = child_first();
	ok(a && b && c && (int32_t)(b - a) == 4999 && (int32_t)(c - b) > 0,
		"a later run starts above an earlier run's last number (%u..%u, then %u)", a, b, c);
	/* processes at once never share a number, nor a forked child its parent's block */
	differ = 0;
	for (int i = 0; i < 20; i++)
		differ += child_first() != child_first();
	is_int(differ, 20, "back-to-back processes never start on the same number");
	a = ct_pktno_seed();
	b = child_first();
	c = ct_pktno_seed();
	ok(b != c && (int32_t)(c - a) == 1, "a forked child does not reuse its parent's block (%u %u %u)", a, b, c);

	/* without the file: the clock plus the pid's spread, still monotonic in the process */
	ct_pktno_set_file("");
	last = 0;
	a = ct_pktno_next(&last);
	b = ct_pktno_next(&last);
	ok((int32_t)(b - a) == 1 && (int32_t)(a - prev) > 0, "without the file numbers go on upward (%u %u)", a, b);
	unlink(path);
	return tap_done();
}
