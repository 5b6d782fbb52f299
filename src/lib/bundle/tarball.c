/* tarball.c: tar.gz writer (ustar members, pax records when a name or size needs one, gzip through zlib; safe names, atomic create, 0600). */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "tarball.h"
#include "err.h"
#include "log.h"
#include "util.h"

#define BLOCK 512
#define RECORD 10240 /* the archive ends on a whole tar record (20 blocks), as tar writes it */
#define USTAR_SIZE_MAX 077777777777LL /* 11 octal digits: a larger size goes in a pax record */

struct ct_tarball {
	z_stream z;
	int zinit;      /* z is set up (deflateInit2 succeeded) */
	int fd;
	uint64_t pos;   /* uncompressed bytes written: the archive's tar offset */
	int err;        /* first error (sticky for the member stream) */
	unsigned count;
	char *path;
	char *tmp;
	char prefix[CT_TARBALL_NAME_MAX + 1];
	char errbuf[CT_TARBALL_ERRLEN];
	unsigned char zout[65536];
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
	return zlibVersion();
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

/* Writes the compressed bytes deflate produced; 0 or a sticky CT_ESYS. */
static int flush_out(struct ct_tarball *a)
{
	size_t n = sizeof a->zout - a->z.avail_out;

	for (size_t off = 0; off < n;) {
		ssize_t w = write(a->fd, a->zout + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return fail(a, CT_ESYS, "cannot write %s: %s", a->path, strerror(w < 0 ? errno : ENOSPC));
		off += (size_t)w;
	}
	a->z.next_out = a->zout;
	a->z.avail_out = sizeof a->zout;
	return 0;
}

/* Feeds n bytes of the tar stream to deflate (flush: Z_NO_FLUSH or Z_FINISH at the end). */
static int put(struct ct_tarball *a, const void *p, size_t n, int flush)
{
	int zr;

	if (a->err)
		return a->err;
	a->z.next_in = (unsigned char *)(uintptr_t)p;
	a->z.avail_in = (uInt)n;
	do {
		zr = deflate(&a->z, flush);
		if (zr == Z_STREAM_ERROR)
			return fail(a, CT_ESYS, "cannot compress %s: zlib stream error", a->path);
		if ((a->z.avail_out == 0 || flush == Z_FINISH) && flush_out(a) != 0)
			return a->err;
	} while (a->z.avail_in > 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	a->pos += n;
	return 0;
}

/* Zero bytes up to the next multiple of unit. */
static int pad(struct ct_tarball *a, uint64_t unit)
{
	static const char zero[BLOCK];
	uint64_t left = (unit - a->pos % unit) % unit;

	while (left > 0) {
		size_t k = left < sizeof zero ? (size_t)left : sizeof zero;
		if (put(a, zero, k, Z_NO_FLUSH) != 0)
			return a->err;
		left -= k;
	}
	return 0;
}

/* v in width - 1 zero-padded octal digits and a NUL, as tar writes them (v fits: callers check). */
static void octal(char *field, size_t width, uint64_t v)
{
	field[width - 1] = '\0';
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		field[i] = (char)('0' + (v & 7));
}

/* One 512-byte ustar header (type '0' file or 'x' pax record); name fits by construction. */
static int put_header(struct ct_tarball *a, const char *prefix, const char *name, uint64_t size,
	time_t mtime, char type)
{
	unsigned char h[BLOCK];
	unsigned sum = 0;

	memset(h, 0, sizeof h);
	memcpy(h, name, strlen(name));               /* name[100] */
	octal((char *)h + 100, 8, 0644);            /* mode */
	octal((char *)h + 108, 8, 0);               /* uid */
	octal((char *)h + 116, 8, 0);               /* gid */
	octal((char *)h + 124, 12, size);           /* size */
	octal((char *)h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0); /* mtime */
	memset(h + 148, ' ', 8);                     /* checksum, counted as blanks */
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);                 /* magic "ustar\0", version "00" */
	memcpy(h + 263, "00", 2);
	octal((char *)h + 329, 8, 0);               /* devmajor */
	octal((char *)h + 337, 8, 0);               /* devminor */
	if (prefix)
		memcpy(h + 345, prefix, strlen(prefix)); /* prefix[155] */
	for (size_t i = 0; i < sizeof h; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum & 0777777);
	return put(a, h, sizeof h, Z_NO_FLUSH);
}

/* A pax record "LEN key=value\n" whose LEN counts itself. */
static size_t pax_record(char *out, size_t cap, const char *key, const char *value)
{
	size_t body = strlen(key) + strlen(value) + 3; /* ' ', '=' and '\n' */
	size_t len = body + 1;

	while (len != body + (size_t)snprintf(NULL, 0, "%zu", len))
		len = body + (size_t)snprintf(NULL, 0, "%zu", len);
	return (size_t)snprintf(out, cap, "%zu %s=%s\n", len, key, value);
}

/* The member's header: ustar when its name splits into prefix (155) / name (100) and its size
 * fits 11 octal digits, else a pax extended header first (what libarchive's pax_restricted
 * format wrote). */
static int write_header(struct ct_tarball *a, const char *full, uint64_t size, time_t mtime)
{
	size_t n = strlen(full);
	char pfx[156] = "", nm[101], pax[2 * CT_TARBALL_NAME_MAX + 64];
	size_t plen = 0;
	int split = n <= 100;

	if (!split) /* the rightmost '/' with at most 155 bytes before it and 100 after */
		for (size_t i = n - 1; i > 0 && n - i - 1 <= 100; i--)
			if (full[i] == '/' && i <= 155) {
				memcpy(pfx, full, i);
				pfx[i] = '\0';
				full += i + 1;
				split = 1;
				break;
			}
	if (!split) {
		plen += pax_record(pax + plen, sizeof pax - plen, "path", full);
		snprintf(nm, sizeof nm, "%.100s", full);
	} else {
		snprintf(nm, sizeof nm, "%s", full);
	}
	if (size > (uint64_t)USTAR_SIZE_MAX) {
		char v[24];
		snprintf(v, sizeof v, "%llu", (unsigned long long)size);
		plen += pax_record(pax + plen, sizeof pax - plen, "size", v);
	}
	if (!mtime)
		mtime = time(NULL);
	if (plen) {
		char xname[101];
		snprintf(xname, sizeof xname, "PaxHeader/%.90s", nm);
		if (put_header(a, NULL, xname, plen, mtime, 'x') != 0 || put(a, pax, plen, Z_NO_FLUSH) != 0 ||
		    pad(a, BLOCK) != 0)
			return a->err;
	}
	return put_header(a, pfx[0] ? pfx : NULL, nm, size > (uint64_t)USTAR_SIZE_MAX ? 0 : size, mtime, '0');
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
	/* windowBits 15 + 16: a gzip wrapper; level 6 and memLevel 8 are zlib's (and gzip's) defaults */
	if (deflateInit2(&a->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		snprintf(errbuf, errlen, "cannot start tar.gz %s: zlib: %s", path, a->z.msg ? a->z.msg : "out of memory");
		ct_tarball_close(a, 0, NULL, 0);
		return CT_ENOMEM;
	}
	a->zinit = 1;
	a->z.next_out = a->zout;
	a->z.avail_out = sizeof a->zout;
	*out = a;
	return 0;
nomem:
	if (a) {
		free(a->path);
		free(a->tmp);
		free(a);
	}
	snprintf(errbuf, errlen, "out of memory");
	return CT_ENOMEM;
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
	if (write_header(a, full, n, mtime) != 0 || put(a, data, n, Z_NO_FLUSH) != 0 || pad(a, BLOCK) != 0)
		return a->err;
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
	if (write_header(a, full, (uint64_t)st.st_size, st.st_mtime) != 0) {
		close(fd);
		return a->err;
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
		if (put(a, buf, (size_t)got, Z_NO_FLUSH) != 0) {
			close(fd);
			return a->err;
		}
		left -= got;
	}
	close(fd);
	if (pad(a, BLOCK) != 0)
		return a->err;
	a->count++;
	return 0;
}

int ct_tarball_close(struct ct_tarball *a, int commit, char *errbuf, size_t errlen)
{
	int r;

	if (!a)
		return CT_EINVAL;
	if (a->zinit) {
		/* two zero blocks end the archive, then zeros to a whole record */
		if (commit && !a->err && pad(a, BLOCK) == 0) {
			static const char end[2 * BLOCK];
			if (put(a, end, sizeof end, Z_NO_FLUSH) == 0 && pad(a, RECORD) == 0)
				put(a, NULL, 0, Z_FINISH);
		}
		deflateEnd(&a->z);
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
