/* spawn.c: fork/exec a program with a deadline, capturing stdout and stderr (no shell). */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "err.h"
#include "log.h"
#include "spawn.h"
#include "util.h"

#define ERR_MAX 4096

extern char **environ;

void ct_spawn_result_init(struct ct_spawn_result *r)
{
	memset(r, 0, sizeof *r);
	ct_sbuf_init(&r->out);
	ct_sbuf_init(&r->err);
}

void ct_spawn_result_fini(struct ct_spawn_result *r)
{
	ct_sbuf_fini(&r->out);
	ct_sbuf_fini(&r->err);
}

static int try_dir(const char *dir, size_t dlen, const char *name, char *out, size_t outlen)
{
	struct stat st;
	int n;

	if (dlen == 0)
		return 0;
	n = snprintf(out, outlen, "%.*s/%s", (int)dlen, dir, name);
	if (n < 0 || (size_t)n >= outlen)
		return 0;
	return stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0;
}

int ct_spawn_find(const char *name, char *out, size_t outlen)
{
	static const char *const extra[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
	const char *path = getenv("PATH");

	if (!name || !*name)
		return CT_EINVAL;
	if (strchr(name, '/')) {
		if (access(name, X_OK) != 0)
			return CT_ENOTFOUND;
		return ct_strlcpy(out, name, outlen) < outlen ? 0 : CT_ETOOBIG;
	}
	while (path && *path) {
		const char *c = strchr(path, ':');
		size_t n = c ? (size_t)(c - path) : strlen(path);
		if (try_dir(path, n, name, out, outlen))
			return 0;
		path = c ? c + 1 : NULL;
	}
	for (size_t i = 0; i < CT_ARRAY_LEN(extra); i++)
		if (try_dir(extra[i], strlen(extra[i]), name, out, outlen))
			return 0;
	return CT_ENOTFOUND;
}

/* The environment with LC_ALL=C (stable, parseable output); built before fork. */
static char **make_env(void)
{
	size_t n = 0, o = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 2, sizeof *env);
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LC_ALL=", 7) != 0)
			env[o++] = environ[i];
	env[o++] = (char *)"LC_ALL=C";
	env[o] = NULL;
	return env;
}

static void close_from(int lowfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	long max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (int fd = lowfd; fd < max; fd++)
		close(fd);
}

static void child(const char *path, const char *const argv[], char **env, int outfd, int errfd,
	int failfd)
{
	int e, nul = open("/dev/null", O_RDONLY);
	sigset_t none;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(outfd, 1) < 0 || dup2(errfd, 2) < 0)
		goto out;
	if (failfd != 3) {
		if (dup2(failfd, 3) < 0)
			goto out;
		failfd = 3;
	}
	fcntl(failfd, F_SETFD, FD_CLOEXEC);
	close_from(4);
	execve(path, (char *const *)argv, env);
out:
	e = errno;
	if (write(failfd, &e, sizeof e) < 0)
		_exit(127);
	_exit(127);
}

/* Reads what is there from fd into b (up to max; the rest is dropped). Returns 0 at EOF. */
static int drain(int fd, struct ct_sbuf *b, size_t max, int *truncated)
{
	char buf[8192];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (b->len < max) {
		size_t take = (size_t)n < max - b->len ? (size_t)n : max - b->len;
		ct_sbuf_add(b, buf, take);
		if (take < (size_t)n)
			*truncated = 1;
	} else {
		*truncated = 1;
	}
	return 1;
}

int ct_spawn_run(const char *const argv[], int timeout_ms, size_t maxout, struct ct_spawn_result *r)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, pf[2] = { -1, -1 };
	int status = 0, child_errno = 0, rc = 0, open_o, open_e, errtrunc = 0;
	char **env;
	pid_t pid;
	uint64_t deadline;

	if (!argv || !argv[0] || timeout_ms <= 0)
		return CT_EINVAL;
	if (ct_spawn_find(argv[0], r->path, sizeof r->path) != 0)
		return CT_ENOTFOUND;
	env = make_env();
	if (!env)
		return CT_ENOMEM;
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0 || pipe2(pf, O_CLOEXEC) != 0) {
		rc = CT_ESYS;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = CT_ESYS;
		goto out;
	}
	if (pid == 0)
		child(r->path, argv, env, po[1], pe[1], pf[1]);
	setpgid(pid, pid); /* also done by the child: whichever runs first */
	close(po[1]);
	close(pe[1]);
	close(pf[1]);
	po[1] = pe[1] = pf[1] = -1;
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	open_o = open_e = 1;
	deadline = ct_mono_ns() + (uint64_t)timeout_ms * 1000000u;
	while (open_o || open_e) {
		struct pollfd p[2];
		int64_t left = (int64_t)(deadline - ct_mono_ns());
		int np = 0, wait_ms;

		if (left <= 0) {
			r->timed_out = 1;
			break;
		}
		wait_ms = (int)((left + 999999) / 1000000);
		if (open_o)
			p[np++] = (struct pollfd){ .fd = po[0], .events = POLLIN };
		if (open_e)
			p[np++] = (struct pollfd){ .fd = pe[0], .events = POLLIN };
		if (poll(p, (nfds_t)np, wait_ms) < 0 && errno != EINTR) {
			rc = CT_ESYS;
			break;
		}
		for (int i = 0; i < np; i++) {
			if (!p[i].revents)
				continue;
			if (p[i].fd == po[0] && !drain(po[0], &r->out, maxout, &r->truncated))
				open_o = 0;
			else if (p[i].fd == pe[0] && !drain(pe[0], &r->err, ERR_MAX, &errtrunc))
				open_e = 0;
		}
		if (r->truncated && open_o) {
			/* a runaway: stop reading, so it ends with SIGPIPE instead of filling memory */
			close(po[0]);
			po[0] = -1;
			open_o = 0;
		}
	}
	if (r->timed_out || rc != 0)
		kill(-pid, SIGKILL);
	/* After the output closed the child normally exits at once; bound the wait anyway. */
	for (;;) {
		pid_t w = waitpid(pid, &status, r->timed_out || rc ? 0 : WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			rc = CT_ESYS;
			break;
		}
		if (w == 0) {
			if (ct_mono_ns() >= deadline) {
				r->timed_out = 1;
				kill(-pid, SIGKILL);
				continue;
			}
			poll(NULL, 0, 10);
		}
	}
	if (read(pf[0], &child_errno, sizeof child_errno) == (ssize_t)sizeof child_errno) {
		ct_sbuf_reset(&r->err);
		ct_sbuf_printf(&r->err, "cannot run %s: %s", r->path, strerror(child_errno));
	}
	if (WIFEXITED(status)) {
		r->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		r->exit_code = -1;
		r->signo = WTERMSIG(status);
	}
	if (rc == 0 && r->timed_out)
		rc = CT_ETIMEDOUT;
	if (rc == 0 && (r->out.err || r->err.err))
		rc = CT_ENOMEM;
out:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
		if (pf[i] >= 0)
			close(pf[i]);
	}
	free(env);
	return rc;
}

void ct_spawn_describe(const struct ct_spawn_result *r, int rc, int timeout_ms, char *out,
	size_t outlen)
{
	char line[200] = "";
	const char *e = r->err.p ? r->err.p : "";
	size_t n = strcspn(e, "\n");

	if (n >= sizeof line)
		n = sizeof line - 1;
	memcpy(line, e, n);
	line[n] = '\0';
	if (rc == CT_ENOTFOUND)
		snprintf(out, outlen, "not installed");
	else if (rc == CT_ETIMEDOUT)
		snprintf(out, outlen, "timed out after %d ms%s%s", timeout_ms, line[0] ? ": " : "", line);
	else if (rc != 0)
		snprintf(out, outlen, "could not run: %s", ct_strerror(rc));
	else if (r->signo)
		snprintf(out, outlen, "killed by signal %d%s%s", r->signo, line[0] ? ": " : "", line);
	else
		snprintf(out, outlen, "exit %d%s%s", r->exit_code, line[0] ? ": " : "", line);
}
