/* xfer-dir.c: an offered directory as its GETDIRFILES stream (§6.4): a depth-first walk that never follows a symlink, one record header at a time. */
#include "config.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "attach.h"
#include "codec.h"
#include "xfer-int.h"

static void times(const struct stat *sb, char *mt, char *ct)
{
	snprintf(mt, 24, "%llx", (unsigned long long)sb->st_mtime);
	snprintf(ct, 24, "%llx", (unsigned long long)sb->st_ctime);
}

void xfer_dir_fini(struct xdirwalk *w)
{
	while (w->depth > 0)
		closedir(w->stack[--w->depth]);
}

int xfer_dir_next(struct xdirwalk *w, const struct xoffer_file *top, struct ct_sbuf *out, int *filefd,
	off_t *end)
{
	struct ct_attach_file af;
	struct stat sb;
	char mt[24], ct[24];
	int fd;

	/* 14=mtime:16=ctime: as iptux sends them; its receiver sets the times from the 4th and 5th
	 * fields (without a 5th, a modification time of 1970) */
	memset(&af, 0, sizeof af);
	af.next = 2;
	af.ext[0].key = CT_IPMSG_FILE_MTIME;
	af.ext[0].val = mt;
	af.ext[1].key = CT_IPMSG_FILE_CREATETIME;
	af.ext[1].val = ct;
	if (!w->started) {
		DIR *d = opendir(top->path);
		w->started = 1;
		if (!d || fstat(dirfd(d), &sb) != 0) {
			if (d)
				closedir(d);
			return -1;
		}
		w->stack[w->depth++] = d;
		times(&sb, mt, ct);
		af.name = top->name;
		af.attr = CT_IPMSG_FILE_DIR;
		return ct_attach_dirhdr_build(out, &af, 9, 0, 0) == 0 ? 0 : -1;
	}
	while (w->depth > 0) {
		DIR *d = w->stack[w->depth - 1];
		struct dirent *e = readdir(d);
		if (!e) {
			fstat(dirfd(d), &sb);
			closedir(d);
			w->depth--;
			times(&sb, mt, ct);
			af.name = ".";
			af.attr = CT_IPMSG_FILE_RETPARENT;
			ct_attach_dirhdr_build(out, &af, 9, 0, 0);
			return 0;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || strchr(e->d_name, ':'))
			continue;
		if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		times(&sb, mt, ct);
		af.name = e->d_name;
		if (S_ISREG(sb.st_mode)) {
			if ((fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				continue;
			af.attr = CT_IPMSG_FILE_REGULAR;
			af.size = (uint64_t)sb.st_size;
			*filefd = fd;
			*end = sb.st_size;
		} else if (S_ISDIR(sb.st_mode) && w->depth < XFER_DIR_DEPTH) {
			DIR *sub;
			if ((fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				continue;
			if (!(sub = fdopendir(fd))) {
				close(fd);
				continue;
			}
			w->stack[w->depth++] = sub;
			af.attr = CT_IPMSG_FILE_DIR;
		} else {
			continue; /* symlinks, devices, too deep: not sent */
		}
		ct_attach_dirhdr_build(out, &af, 9, 0, 0);
		return 0;
	}
	return 1;
}

uint64_t xfer_dir_total(const struct xoffer_file *top)
{
	struct xdirwalk w;
	struct ct_sbuf hdr;
	uint64_t sum = 0;
	off_t end = 0;
	int fd = -1;

	memset(&w, 0, sizeof w);
	ct_sbuf_init(&hdr);
	while (xfer_dir_next(&w, top, &hdr, &fd, &end) == 0) {
		if (fd >= 0) {
			sum += (uint64_t)end;
			close(fd);
			fd = -1;
		}
		ct_sbuf_reset(&hdr);
	}
	xfer_dir_fini(&w);
	ct_sbuf_fini(&hdr);
	return sum;
}
