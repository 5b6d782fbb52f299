/* rtpecho-run.c: test helper: runs the RTP echo engine (src/lib/rtpecho) on a port range until killed or a timeout. */
#include "config.h"
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rtpecho.h"

int main(int argc, char **argv)
{
	struct ct_rtpecho *e;
	struct pollfd pf[128];
	int fds[128];
	char err[256];
	long lo, hi, secs;
	size_t n;

	if (argc != 4) {
		fprintf(stderr, "usage: rtpecho-run LOW HIGH SECONDS\n");
		return 2;
	}
	lo = strtol(argv[1], NULL, 10);
	hi = strtol(argv[2], NULL, 10);
	secs = strtol(argv[3], NULL, 10);
	if (lo < 1 || hi > 65535 || hi < lo || secs < 1) {
		fprintf(stderr, "rtpecho-run: bad arguments\n");
		return 2;
	}
	if (ct_rtpecho_open(&e, NULL, (uint16_t)lo, (uint16_t)hi, err, sizeof err) != 0) {
		fprintf(stderr, "rtpecho-run: %s\n", err);
		return 1;
	}
	n = ct_rtpecho_fds(e, fds, 128);
	if (n > 128)
		n = 128;
	for (size_t i = 0; i < n; i++)
		pf[i] = (struct pollfd){ fds[i], POLLIN, 0 };
	printf("ready\n");
	fflush(stdout);
	for (long t = 0; t < secs * 10; t++)
		if (poll(pf, (nfds_t)n, 100) > 0)
			for (size_t i = 0; i < n; i++)
				if (pf[i].revents)
					ct_rtpecho_handle(e, pf[i].fd);
	ct_rtpecho_close(e);
	return 0;
}
