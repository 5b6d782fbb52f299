/* pktno.c: IP Messenger packet numbers from per-user reserved blocks over a quarter-second clock (pktno.h). */
#include "config.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "pktno.h"

static struct {
	pid_t owner;          /* the process the block belongs to (a fork starts its own) */
	uint32_t next, end;   /* [next, end) left of the block */
	uint32_t last;        /* the last number handed out (fallback floor) */
	char file[128];
	int file_set;
} blk;

/* a is after b in serial number order */
static int after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

uint32_t ct_pktno_clock(void)
{
	struct timespec ts;
	uint64_t u;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec < CT_PKTNO_EPOCH)
		return 1;
	u = (uint64_t)(ts.tv_sec - CT_PKTNO_EPOCH) * CT_PKTNO_HZ + (uint64_t)ts.tv_nsec / (1000000000u / CT_PKTNO_HZ);
	return u ? (uint32_t)u : 1;
}

void ct_pktno_set_file(const char *path)
{
	blk.file_set = path != NULL;
	snprintf(blk.file, sizeof blk.file, "%s", path ? path : "");
	blk.next = blk.end = 0;
}

/* The start of a block from the shared file: 0 when the file cannot be used. */
static uint32_t reserve_shared(uint32_t clk)
{
	char path[128];
	uint32_t v = 0, start = 0, end;
	struct stat st;
	int fd;

	if (blk.file_set)
		snprintf(path, sizeof path, "%s", blk.file);
	else
		snprintf(path, sizeof path, "/dev/shm/camtrace-pktno-%u", (unsigned)getuid());
	if (!path[0])
		return 0;
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	/* ours and a plain file: another user's file could steer our numbers */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid() || flock(fd, LOCK_EX) != 0) {
		close(fd);
		return 0;
	}
	if (pread(fd, &v, sizeof v, 0) != (ssize_t)sizeof v)
		v = 0;
	start = (v && after(v, clk)) ? v : clk;
	end = start + CT_PKTNO_BLOCK;
	if (pwrite(fd, &end, sizeof end, 0) != (ssize_t)sizeof end)
		start = 0;
	flock(fd, LOCK_UN);
	close(fd);
	return start;
}

static uint32_t draw(void)
{
	pid_t pid = getpid();
	uint32_t v;

	if (blk.owner != pid || blk.next == blk.end) {
		uint32_t clk = ct_pktno_clock(), start = reserve_shared(clk);
		if (!start) /* no file: the clock, processes started together apart by their pid */
			start = clk + (((uint32_t)pid * 2654435761u) >> 30);
		if (blk.owner == pid && blk.last && !after(start, blk.last))
			start = blk.last + 1;
		blk.owner = pid;
		blk.next = start;
		blk.end = start + CT_PKTNO_BLOCK;
	}
	v = blk.next++;
	if (v == 0)
		v = blk.next++;
	blk.last = v;
	return v;
}

uint32_t ct_pktno_seed(void)
{
	return draw();
}

uint32_t ct_pktno_next(uint32_t *last)
{
	uint32_t next = draw();

	if (*last && !after(next, *last))
		next = *last + 1;
	if (next == 0)
		next = 1; /* 0 means "none" to callers */
	*last = next;
	return next;
}
