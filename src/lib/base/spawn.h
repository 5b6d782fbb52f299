/* spawn.h: runs a program (fork/exec, never a shell) with a time limit and captures its output. */
#ifndef CT_SPAWN_H
#define CT_SPAWN_H

#include <stddef.h>
#include "sbuf.h"

struct ct_spawn_result {
	struct ct_sbuf out;  /* standard output (at most maxout bytes) */
	struct ct_sbuf err;  /* standard error (at most 4 KiB) */
	int exit_code;       /* exit status, or -1 when killed by a signal */
	int signo;           /* the signal that ended it, 0 if none */
	int timed_out;       /* killed because the time limit passed */
	int truncated;       /* output longer than maxout was cut */
	char path[256];      /* the program actually run */
};

void ct_spawn_result_init(struct ct_spawn_result *r);
void ct_spawn_result_fini(struct ct_spawn_result *r);

/* Finds an executable: a name with a '/' is taken as is; otherwise $PATH is searched, then
 * /usr/sbin, /sbin, /usr/bin, /bin (ip, nft, iptables-save live in sbin, often not on a user's
 * PATH). Returns 0 with the path in out, or CT_ENOTFOUND. */
int ct_spawn_find(const char *name, char *out, size_t outlen);

/* Runs argv[0] (found with ct_spawn_find) with argv, standard input from /dev/null, LC_ALL=C,
 * no other descriptors inherited. Waits at most timeout_ms (> 0), then kills it (SIGKILL) and
 * reaps it. r must be initialised; its buffers receive the output.
 * Returns 0 when the program ran to its end (whatever its exit code: see r->exit_code),
 * CT_ETIMEDOUT when it was killed for taking too long (output so far kept), CT_ENOTFOUND when
 * the program is not installed, CT_ESYS / CT_ENOMEM otherwise. */
int ct_spawn_run(const char *const argv[], int timeout_ms, size_t maxout, struct ct_spawn_result *r);

/* A short description of how the run ended, e.g. "exit 1: permission denied" (first line of
 * standard error), "killed by signal 9", "timed out after 5000 ms", for missing-part reasons. */
void ct_spawn_describe(const struct ct_spawn_result *r, int rc, int timeout_ms, char *out,
	size_t outlen);

#endif
