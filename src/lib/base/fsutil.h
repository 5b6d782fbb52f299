/* fsutil.h: small file-system helpers shared by the daemon modules (state, ctl, pidfile). */
#ifndef CT_FSUTIL_H
#define CT_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Creates dir and its missing parents (parents 0755, dir itself `mode`); 0 or -1 with errno. */
int ct_fs_mkdir_parents(const char *dir, mode_t mode);
/* Writes all n bytes (retrying short writes and EINTR); 0 or -1 with errno. */
int ct_fs_write_full(int fd, const void *p, size_t n);
/* Copies the directory part of path into dir ("." when there is none). */
void ct_fs_dirname(const char *path, char *dir, size_t len);

/* How ct_fs_dir_claim() found DIR (set whatever it returns). */
enum ct_fs_claim {
	CT_FS_CLAIM_MISSING,   /* does not exist: created (or would be) */
	CT_FS_CLAIM_OWNED,     /* exists and already belongs to uid */
	CT_FS_CLAIM_DEDICATED, /* exists, belongs to someone else, but is a dedicated directory: taken over */
	CT_FS_CLAIM_FOREIGN,   /* exists and belongs to someone else: refused */
	CT_FS_CLAIM_BAD,       /* a symbolic link or not a directory: refused */
};

/* Makes DIR a directory of a daemon's own before it drops to uid:gid (call as root):
 *  - missing: created (missing parents 0755, as they are made by root), DIR itself `mode`,
 *    owned uid:gid;
 *  - already owned by uid: kept as it is, its group set to gid;
 *  - owned by someone else: taken over (chowned uid:gid, chmod `mode`) only when `dedicated` (a
 *    directory that exists for this daemon alone, made for it as root by systemd or a package);
 *    otherwise refused: a directory the daemon did not create is never given away;
 *  - a symbolic link or not a directory: refused.
 * check_only: change nothing; a missing DIR needs its nearest existing parent to be a writable
 * directory, an existing one to be writable (a read-only file system shows here).
 * *how says which case it was. Returns 0, CT_EPERM (refused) or CT_ESYS (cannot create, change
 * or write); err states the fact (the caller adds what to do). */
int ct_fs_dir_claim(const char *dir, uid_t uid, gid_t gid, mode_t mode, int dedicated, int check_only,
	enum ct_fs_claim *how, char *err, size_t errlen);

#endif
