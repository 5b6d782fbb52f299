/* tarball.c: tar.gz writer over libarchive (safe names, atomic create, 0600). */
#include "config.h"
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tarball.h"
#include "err.h"
#include "log.h"
#include "util.h"

struct ct_tarball {
	struct archive *ar;
	int fd;
	int err;        /* first error (sticky for the member stream) */
	unsigned count;
	char *path;
	char *tmp;
	char prefix[CT_TARBALL_NAME_MAX + 1];
	char errbuf[CT_TARBALL_ERRLEN];
};

static int safe_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '_' || c == '-' || c == '+';
}

int ct_tarball_name_ok(const char *name)
{
	size_t n, comp = 0;
	const char *start;

	if (!name || !*name)
		return 0;
	n = strlen(name);
	if (n > CT_TARBALL_NAME_MAX || name[0] == '/' || name[n - 1] == '/')
		return 0;
	start = name;
	for (const char *p = name;; p++) {
		if (*p == '/' || *p == '\0') {
			comp = (size_t)(p - start);
			if (comp == 0 || (comp == 1 && start[0] == '.') ||
			    (comp == 2 && start[0] == '.' && start[1] == '.'))
				return 0;
			if (*p == '\0')
				return 1;
			start = p + 1;
		} else if (!safe_char((unsigned char)*p)) {
			return 0;
		}
	}
}

void ct_tarball_sanitize(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return;
	for (; s && *s && o + 1 < outlen; s++)
		out[o++] = safe_char((unsigned char)*s) ? *s : '_';
	if (o == 0 && outlen > 1)
		out[o++] = '_';
	out[o] = '\0';
	if (out[0] == '.')
		out[0] = '_';
}

const char *ct_tarball_lib_version(void)
{
	return archive_version_details();
}

static int fail(struct ct_tarball *a, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct ct_tarball *a, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->errbuf, sizeof a->errbuf, fmt, ap);
	va_end(ap);
	if (!a->err)
		a->err = code;
	log_debug("%s", a->errbuf);
	return code;
}

/* Builds prefix/name; a bad name spoils this member only (the error is not sticky). */
static int mem_name(struct ct_tarball *a, const char *name, char *full, size_t fulllen)
{
	int n;

	if (!ct_tarball_name_ok(name)) {
		snprintf(a->errbuf, sizeof a->errbuf, "unsafe archive member name '%s'",
			name ? name : "(null)");
		return CT_EINVAL;
	}
	n = a->prefix[0] ? snprintf(full, fulllen, "%s/%s", a->prefix, name)
			 : snprintf(full, fulllen, "%s", name);
	if (n < 0 || (size_t)n >= fulllen || !ct_tarball_name_ok(full)) {
		snprintf(a->errbuf, sizeof a->errbuf, "archive member name too long: '%s'", name);
		return CT_ETOOBIG;
	}
	return 0;
}

int ct_tarball_open(struct ct_tarball **out, const char *path, const char *prefix,
	char *errbuf, size_t errlen)
{
	struct ct_tarball *a;
	struct stat st;
	size_t plen;

	*out = NULL;
	if (!path || !*path) {
		snprintf(errbuf, errlen, "no archive path given");
		return CT_EINVAL;
	}
	if (prefix && *prefix && (!ct_tarball_name_ok(prefix) || strlen(prefix) > CT_TARBALL_NAME_MAX / 2)) {
		snprintf(errbuf, errlen, "unsafe archive prefix '%s'", prefix);
		return CT_EINVAL;
	}
	if (lstat(path, &st) == 0) {
		snprintf(errbuf, errlen, "%s already exists: remove it or choose another name with -o", path);
		return CT_EEXIST;
	}
	a = calloc(1, sizeof *a);
	if (!a)
		goto nomem;
	a->fd = -1;
	if (prefix)
		ct_strlcpy(a->prefix, prefix, sizeof a->prefix);
	plen = strlen(path);
	a->path = strdup(path);
	a->tmp = malloc(plen + sizeof ".tmpXXXXXX");
	if (!a->path || !a->tmp)
		goto nomem;
	memcpy(a->tmp, path, plen);
	memcpy(a->tmp + plen, ".tmpXXXXXX", sizeof ".tmpXXXXXX");
	a->fd = mkostemp(a->tmp, O_CLOEXEC);
	if (a->fd < 0) {
		snprintf(errbuf, errlen, "cannot create %s: %s", path, strerror(errno));
		free(a->tmp);
		a->tmp = NULL;
		ct_tarball_close(a, 0, NULL, 0);
		return CT_ESYS;
	}
	a->ar = archive_write_new();
	if (!a->ar)
		goto nomem_close;
	if (archive_write_add_filter_gzip(a->ar) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a->ar) != ARCHIVE_OK ||
	    archive_write_open_fd(a->ar, a->fd) != ARCHIVE_OK) {
		snprintf(errbuf, errlen, "cannot start tar.gz %s: %s", path, archive_error_string(a->ar));
		ct_tarball_close(a, 0, NULL, 0);
		return CT_ESYS;
	}
	*out = a;
	return 0;
nomem_close:
	ct_tarball_close(a, 0, NULL, 0);
	snprintf(errbuf, errlen, "out of memory");
	return CT_ENOMEM;
nomem:
	if (a) {
		free(a->path);
		free(a->tmp);
		free(a);
	}
	snprintf(errbuf, errlen, "out of memory");
	return CT_ENOMEM;
}

static int write_header(struct ct_tarball *a, const char *full, int64_t size, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return fail(a, CT_ENOMEM, "out of memory");
	archive_entry_set_pathname(e, full);
	archive_entry_set_size(e, size);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_mtime(e, mtime ? mtime : time(NULL), 0);
	r = archive_write_header(a->ar, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return fail(a, CT_ESYS, "cannot write %s into %s: %s", full, a->path,
			archive_error_string(a->ar));
	return 0;
}

static int write_data(struct ct_tarball *a, const char *full, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		la_ssize_t w = archive_write_data(a->ar, c, n);
		if (w <= 0)
			return fail(a, CT_ESYS, "cannot write %s into %s: %s", full, a->path,
				archive_error_string(a->ar));
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int ct_tarball_add_mem(struct ct_tarball *a, const char *name, const void *data, size_t n,
	time_t mtime)
{
	char full[CT_TARBALL_NAME_MAX + 2];
	int r;

	if (a->err)
		return a->err;
	if ((r = mem_name(a, name, full, sizeof full)) != 0)
		return r;
	if ((r = write_header(a, full, (int64_t)n, mtime)) != 0 ||
	    (r = write_data(a, full, data, n)) != 0)
		return r;
	if (archive_write_finish_entry(a->ar) != ARCHIVE_OK)
		return fail(a, CT_ESYS, "cannot finish %s: %s", full, archive_error_string(a->ar));
	a->count++;
	return 0;
}

int ct_tarball_add_file(struct ct_tarball *a, const char *name, const char *path)
{
	char full[CT_TARBALL_NAME_MAX + 2];
	char buf[16384];
	struct stat st;
	int fd, r;
	int64_t left;

	if (a->err)
		return a->err;
	if ((r = mem_name(a, name, full, sizeof full)) != 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(a->errbuf, sizeof a->errbuf, "cannot read %s: %s", path, strerror(errno));
		return errno == ENOENT ? CT_ENOTFOUND : CT_ESYS;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(a->errbuf, sizeof a->errbuf, "%s is not a regular file", path);
		close(fd);
		return CT_EINVAL;
	}
	if ((r = write_header(a, full, (int64_t)st.st_size, st.st_mtime)) != 0) {
		close(fd);
		return r;
	}
	/* Exactly st_size bytes: a file that grows is cut, one that shrinks is zero-padded. */
	for (left = st.st_size; left > 0;) {
		size_t want = left < (int64_t)sizeof buf ? (size_t)left : sizeof buf;
		ssize_t got = read(fd, buf, want);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			log_warn("%s shrank while being archived; padding with zeros", path);
			memset(buf, 0, sizeof buf);
			got = (ssize_t)want;
		}
		if ((r = write_data(a, full, buf, (size_t)got)) != 0) {
			close(fd);
			return r;
		}
		left -= got;
	}
	close(fd);
	if (archive_write_finish_entry(a->ar) != ARCHIVE_OK)
		return fail(a, CT_ESYS, "cannot finish %s: %s", full, archive_error_string(a->ar));
	a->count++;
	return 0;
}

int ct_tarball_close(struct ct_tarball *a, int commit, char *errbuf, size_t errlen)
{
	int r;

	if (!a)
		return CT_EINVAL;
	if (a->ar) {
		if (archive_write_close(a->ar) != ARCHIVE_OK && commit)
			fail(a, CT_ESYS, "cannot finish %s: %s", a->path, archive_error_string(a->ar));
		archive_write_free(a->ar);
	}
	if (a->fd >= 0) {
		if (commit && !a->err && fsync(a->fd) != 0)
			fail(a, CT_ESYS, "cannot write %s: %s", a->path, strerror(errno));
		if (close(a->fd) != 0 && commit)
			fail(a, CT_ESYS, "cannot write %s: %s", a->path, strerror(errno));
	}
	if (a->tmp && commit && !a->err) {
		/* link() refuses to replace a file that appeared meanwhile; rename() is the fallback
		 * for file systems without hard links. */
		if (link(a->tmp, a->path) == 0)
			unlink(a->tmp);
		else if (errno == EEXIST)
			fail(a, CT_EEXIST, "%s appeared while the bundle was being written", a->path);
		else if (rename(a->tmp, a->path) != 0)
			fail(a, CT_ESYS, "cannot rename %s to %s: %s", a->tmp, a->path, strerror(errno));
	}
	if (a->tmp && (!commit || a->err))
		unlink(a->tmp);
	r = commit ? a->err : 0;
	if (r && errbuf && errlen)
		ct_strlcpy(errbuf, a->errbuf, errlen);
	free(a->path);
	free(a->tmp);
	free(a);
	return r;
}

const char *ct_tarball_error(const struct ct_tarball *a)
{
	return a ? a->errbuf : "";
}

unsigned ct_tarball_count(const struct ct_tarball *a)
{
	return a ? a->count : 0;
}
