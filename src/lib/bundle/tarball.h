/* tarball.h: writes a tar.gz from memory buffers and files (the only zlib user: gzip; the tar format is written here). */
#ifndef CT_TARBALL_H
#define CT_TARBALL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CT_TARBALL_ERRLEN 256
#define CT_TARBALL_NAME_MAX 200 /* longest member name accepted (prefix included) */

struct ct_tarball; /* a tar.gz being written */

/* Creates path (mode 0600: bundles hold addresses and configuration) by writing to a
 * temporary file next to it that ct_tarball_close() renames into place, so a failed run
 * never leaves a partial archive under the final name. Every member is stored below
 * prefix + "/" (prefix may be NULL or "" for none; it must itself be a safe name).
 * Refuses to overwrite an existing path (CT_EEXIST). The detail of any failure is in errbuf. */
int ct_tarball_open(struct ct_tarball **out, const char *path, const char *prefix,
	char *errbuf, size_t errlen);
/* Adds a regular file member holding n bytes of data, with mtime (0 = now) and mode 0644.
 * A bad name (CT_EINVAL) skips this member only; a write error is sticky: every later call
 * returns it and ct_tarball_close() discards the archive. */
int ct_tarball_add_mem(struct ct_tarball *a, const char *name, const void *data, size_t n,
	time_t mtime);
/* Adds a member copied from the file at path (size and mtime from the file; read in chunks).
 * CT_ENOTFOUND / CT_ESYS when it cannot be read; the archive stays usable. */
int ct_tarball_add_file(struct ct_tarball *a, const char *name, const char *path);
/* Finishes the archive and renames it into place (commit != 0), or removes the temporary
 * file (commit == 0). Returns the first error met while writing (detail copied into errbuf,
 * which may be NULL); nothing is left under path on error. Frees a either way. */
int ct_tarball_close(struct ct_tarball *a, int commit, char *errbuf, size_t errlen);
/* Detail of the last error on a ("" if none). */
const char *ct_tarball_error(const struct ct_tarball *a);
/* Number of members written so far. */
unsigned ct_tarball_count(const struct ct_tarball *a);

/* 1 when name is safe as a member name: relative, components of [A-Za-z0-9._+-] only,
 * no empty, "." or ".." component, no leading or doubled '/', at most CT_TARBALL_NAME_MAX. */
int ct_tarball_name_ok(const char *name);
/* Copies s into out (outlen > 0) as a safe single path component: bytes outside
 * [A-Za-z0-9._+-] become '_', a leading '.' becomes '_', empty becomes "_". */
void ct_tarball_sanitize(const char *s, char *out, size_t outlen);
/* The zlib version (the library loaded), for versions.txt. */
const char *ct_tarball_lib_version(void);

#endif
