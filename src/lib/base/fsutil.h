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

#endif
