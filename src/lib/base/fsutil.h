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

/* Checks that DIR may become a directory of a daemon's own before it drops to uid (as root):
 *  - missing: fine; unless check_only, created now (missing parents 0755, DIR itself `mode`),
 *    still root's, so that files are made in it as root (no CAP_DAC_OVERRIDE needed);
 *  - already owned by uid: fine;
 *  - owned by someone else: fine only when `dedicated` (a directory that exists for this daemon
 *    alone, made for it as root by systemd or a package); otherwise refused: a directory the
 *    daemon did not create is never given away;
 *  - a symbolic link or not a directory: refused.
 * A missing DIR needs its nearest existing parent to be a writable directory, an existing one
 * to be writable (a read-only file system shows here). *how says which case it was. Returns 0,
 * CT_EPERM (refused) or CT_ESYS (cannot create or write); err states the fact (the caller adds
 * what to do). Give what it accepted with ct_fs_dir_give() at the privilege drop. */
int ct_fs_dir_claim(const char *dir, uid_t uid, mode_t mode, int dedicated, int check_only,
	enum ct_fs_claim *how, char *err, size_t errlen);
/* Gives DIR (a directory, not a link) to uid:gid with `mode` (0: its mode is kept; set first:
 * after the chown it would need CAP_FOWNER). 0, CT_EPERM or CT_ESYS with err. */
int ct_fs_dir_give(const char *dir, uid_t uid, gid_t gid, mode_t mode, char *err, size_t errlen);

#endif
