/* rx-floor.c: the floor for the daemon's packet path: a minimal recvmmsg loop (32 at a time) that only counts datagrams (tests/bench/rx-bench.sh). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#define BATCH 32

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* rx-floor ADDR PORT IDLE_MS: bound like camtraced (4 MiB receive buffer), counts datagrams
 * until IDLE_MS pass without one after the first; prints received= and cpu_s= (CPU from the
 * first datagram on, so the wait for the sender is not counted). */
int main(int argc, char **argv)
{
	static char bufs[BATCH][65536];
	static struct sockaddr_storage from[BATCH];
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in me;
	int fd, big = 4 << 20, idle_ms;
	long got = 0;
	int armed = -1;
	double c0 = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: rx-floor ADDR PORT IDLE_MS\n");
		return 2;
	}
	idle_ms = atoi(argv[3]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&me, 0, sizeof me);
	me.sin_family = AF_INET;
	me.sin_port = htons((unsigned short)atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &me.sin_addr);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	if (bind(fd, (struct sockaddr *)&me, sizeof me) != 0) {
		perror("bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct timeval tv = { got ? idle_ms / 1000 : 30, got ? (idle_ms % 1000) * 1000 : 0 };
		int r;

		if (armed != (got > 0)) { /* 30 s for the first datagram, then IDLE_MS */
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
			armed = got > 0;
		}
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof bufs[i];
			memset(&m[i], 0, sizeof m[i]);
			m[i].msg_hdr.msg_iov = &iov[i];
			m[i].msg_hdr.msg_iovlen = 1;
			m[i].msg_hdr.msg_name = &from[i];
			m[i].msg_hdr.msg_namelen = sizeof from[i];
		}
		r = recvmmsg(fd, m, BATCH, MSG_WAITFORONE, NULL);
		if (r <= 0)
			break; /* the idle timeout (or 30 s without any datagram) */
		if (!got)
			c0 = cpu_s();
		got += r;
	}
	printf("received=%ld\ncpu_s=%.6f\n", got, cpu_s() - c0);
	return 0;
}
