/* fuzz-pcap.c: libFuzzer target: the capture file reader (classic pcap through the mapping, pcapng and the rest through
 * libpcap) with and without a filter; every record it hands out lies inside what it read, and it ends cleanly.
 * Input: the file's bytes. */
#define _GNU_SOURCE
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "capture.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_all(const char *path, const char *filter, size_t size)
{
	struct ct_capture *c = NULL;
	struct ct_pkt p;
	char err[CT_CAPTURE_ERRLEN];
	size_t n = 0, bytes = 0;
	volatile uint8_t sum = 0;
	int r;

	if (ct_capture_open_file(&c, path, filter, err, sizeof err) != 0) {
		if (!err[0] || !memchr(err, '\0', sizeof err))
			abort(); /* a refusal always says why */
		return;
	}
	while ((r = ct_capture_next(c, &p)) == 1) {
		if (p.caplen && !p.data)
			abort();
		for (uint32_t i = 0; i < p.caplen; i++) /* every byte handed out is readable */
			sum ^= p.data[i];
		bytes += p.caplen;
		if (++n > size || bytes > size) /* records cannot hold more than the file */
			abort();
		(void)ct_capture_linktype_name(p.linktype);
	}
	if (r != CT_ECLOSED && r != 0 && !ct_capture_error(c)[0])
		abort(); /* a read failure says why */
	ct_capture_close(c);
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64];

	if (size > 1 << 20)
		return 0;
	if (fd < 0 && (fd = memfd_create("fuzz-pcap", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	read_all(path, NULL, size);
	read_all(path, "udp port 2425 or icmp", size);
	return 0;
}
