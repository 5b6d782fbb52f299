/* fsutil.c: small file-system helpers shared by the daemon modules (state, ctl, pidfile). */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util.h"
#include "fsutil.h"

int ct_fs_mkdir_parents(const char *dir, mode_t mode)
{
	char buf[PATH_MAX];
	struct stat sb;

	if (ct_strlcpy(buf, dir, sizeof buf) >= sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (stat(buf, &sb) == 0) {
		if (S_ISDIR(sb.st_mode))
			return 0;
		errno = ENOTDIR;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int ct_fs_write_full(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

void ct_fs_dirname(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		ct_strlcpy(dir, ".", len);
	else if (slash == path)
		ct_strlcpy(dir, "/", len);
	else {
		size_t n = (size_t)(slash - path);
		if (n >= len)
			n = len - 1;
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
}
