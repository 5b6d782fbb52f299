/* fsutil.c: small file-system helpers shared by the daemon modules (state, ctl, pidfile). */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "err.h"
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

/* The nearest existing ancestor of a missing DIR must be a directory we may write into. */
static int check_creatable(const char *dir, char *err, size_t errlen)
{
	char up[PATH_MAX], cur[PATH_MAX];
	struct stat sb;

	ct_strlcpy(up, dir, sizeof up);
	do {
		ct_strlcpy(cur, up, sizeof cur);
		ct_fs_dirname(cur, up, sizeof up);
	} while (stat(up, &sb) != 0 && errno == ENOENT && strcmp(up, "/") != 0 && strcmp(up, ".") != 0);
	if (stat(up, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "cannot create %s: %s is not a directory", dir, up);
		return CT_ESYS;
	}
	if (access(up, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "cannot create %s in %s: %s", dir, up, strerror(errno));
		return CT_ESYS;
	}
	return 0;
}

int ct_fs_dir_claim(const char *dir, uid_t uid, mode_t mode, int dedicated, int check_only,
	enum ct_fs_claim *how, char *err, size_t errlen)
{
	struct stat sb;

	if (lstat(dir, &sb) != 0) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "cannot check %s: %s", dir, strerror(errno));
			*how = CT_FS_CLAIM_BAD;
			return CT_ESYS;
		}
		*how = CT_FS_CLAIM_MISSING;
		if (check_only)
			return check_creatable(dir, err, errlen);
		/* root's until ct_fs_dir_give(): files are made in it as root first */
		if (ct_fs_mkdir_parents(dir, mode) != 0 || chmod(dir, mode) != 0) {
			snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
			return CT_ESYS;
		}
		return 0;
	}
	if (S_ISLNK(sb.st_mode) || !S_ISDIR(sb.st_mode)) {
		*how = CT_FS_CLAIM_BAD;
		snprintf(err, errlen, "%s is %s", dir, S_ISLNK(sb.st_mode) ? "a symbolic link" : "not a directory");
		return CT_EPERM;
	}
	*how = sb.st_uid == uid ? CT_FS_CLAIM_OWNED : dedicated ? CT_FS_CLAIM_DEDICATED : CT_FS_CLAIM_FOREIGN;
	if (*how == CT_FS_CLAIM_FOREIGN) {
		snprintf(err, errlen, "%s belongs to uid %u and was not created by this daemon", dir,
			(unsigned)sb.st_uid);
		return CT_EPERM;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "cannot write into %s: %s", dir, strerror(errno));
		return CT_ESYS;
	}
	return 0;
}

int ct_fs_dir_give(const char *dir, uid_t uid, gid_t gid, mode_t mode, char *err, size_t errlen)
{
	struct stat sb;

	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s is no longer a directory", dir);
		return CT_EPERM;
	}
	/* the mode first: once given away, changing it would need CAP_FOWNER, which a sandboxed
	 * daemon does not have */
	if ((mode && (sb.st_mode & 07777) != mode && chmod(dir, mode) != 0) || lchown(dir, uid, gid) != 0) {
		snprintf(err, errlen, "cannot give %s to uid %u: %s", dir, (unsigned)uid, strerror(errno));
		return CT_ESYS;
	}
	return 0;
}
