/* pidfile.c: the daemon's pid file: O_NOFOLLOW, flock held for life, stale files taken over by the lock, not by the pid. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "err.h"
#include "pidfile.h"

/* The pid written in fd's file, 0 if none can be read. */
static pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	long v;
	char *end;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || v <= 0 || v > 0x3fffffff)
		return 0;
	return (pid_t)v;
}

/* 0 when fd is a plain file with one name; else CT_EPERM with the reason. */
static int check_file(int fd, const char *path, struct stat *st, char *err, size_t errlen)
{
	if (fstat(fd, st) != 0) {
		snprintf(err, errlen, "cannot check the pid file %s: %s", path, strerror(errno));
		return CT_ESYS;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "the pid file %s is not a regular file; refusing to use it "
			"(remove it, or set `pidfile` / -p to another path)", path);
		return CT_EPERM;
	}
	if (st->st_nlink != 1) {
		snprintf(err, errlen, "the pid file %s has %lu hard links; refusing to write through a link "
			"(remove it and check who made the link)", path, (unsigned long)st->st_nlink);
		return CT_EPERM;
	}
	return 0;
}

int ct_pidfile_open(const char *path, pid_t *holder, char *err, size_t errlen)
{
	char buf[32];
	struct stat st, now;
	int fd = -1, r;

	*holder = 0;
	if (err && errlen)
		err[0] = '\0';
	/* a daemon leaving unlinks its file while holding the lock: if we locked a file that is no
	 * longer at PATH, open again (a few times at most) */
	for (int tries = 0; tries < 8; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
		if (fd < 0) {
			if (errno == ELOOP) {
				snprintf(err, errlen, "the pid file %s is a symbolic link; refusing to follow it "
					"(remove it: whoever can write that directory could point it at any file)", path);
				return CT_EPERM;
			}
			snprintf(err, errlen, "cannot open the pid file %s: %s (set `pidfile` or use -p)", path,
				strerror(errno));
			return CT_ESYS;
		}
		if ((r = check_file(fd, path, &st, err, errlen)) != 0) {
			close(fd);
			return r;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int e = errno;
			if (e == EWOULDBLOCK || e == EAGAIN) {
				*holder = read_pid(fd);
				close(fd);
				if (*holder)
					snprintf(err, errlen, "camtraced already runs (pid %ld holds the lock on %s); stop it "
						"first (kill %ld), or give this one another `pidfile` (-p)", (long)*holder,
						path, (long)*holder);
				else
					snprintf(err, errlen, "another process holds the lock on the pid file %s; stop that "
						"camtraced first (fuser %s names it), or give this one another `pidfile` (-p)",
						path, path);
				return CT_EEXIST;
			}
			close(fd);
			snprintf(err, errlen, "cannot lock the pid file %s: %s", path, strerror(e));
			return CT_ESYS;
		}
		if (lstat(path, &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		snprintf(err, errlen, "the pid file %s keeps being replaced while we lock it; is another camtraced "
			"starting and stopping?", path);
		return CT_ESYS;
	}
	/* ours now: whatever pid a stale file named is gone from it */
	snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf)) {
		snprintf(err, errlen, "cannot write the pid file %s: %s", path, strerror(errno));
		close(fd);
		return CT_ESYS;
	}
	return fd;
}

void ct_pidfile_close(const char *path, int fd)
{
	if (fd < 0)
		return;
	if (path)
		unlink(path);
	close(fd);
}
