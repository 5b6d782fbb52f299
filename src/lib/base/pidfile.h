/* pidfile.h: the daemon's pid file, opened without following links and locked (flock) for the daemon's life. */
#ifndef CT_PIDFILE_H
#define CT_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Opens PATH (created 0644 if missing) with O_NOFOLLOW, never truncating before the lock, takes
 * flock(LOCK_EX|LOCK_NB) and writes our pid. A file nobody holds the lock on is stale and taken
 * over whatever pid it names. Returns the locked descriptor (keep it open: closing it releases the
 * lock), or:
 *   CT_EEXIST  another process holds the lock; *holder gets the pid it wrote (0 if unreadable);
 *   CT_EPERM   PATH is a symbolic link, not a regular file, or has other hard links: refused;
 *   CT_ESYS    open/lock/write failed.
 * err says what and how to fix it. */
int ct_pidfile_open(const char *path, pid_t *holder, char *err, size_t errlen);
/* Removes PATH while still holding the lock, then closes fd (fd < 0: nothing). */
void ct_pidfile_close(const char *path, int fd);

#endif
