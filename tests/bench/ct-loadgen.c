/* ct-loadgen.c: loopback load generator and minimal receive loop for the camtraced benchmarks (not a test). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sockaddr_in sa(const char *ip, int port)
{
	struct sockaddr_in s;
	memset(&s, 0, sizeof s);
	s.sin_family = AF_INET;
	s.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, ip, &s.sin_addr);
	return s;
}

/* flood ADDR PORT N: BR_ENTRY from N distinct sources 127.(1+i/62500).(i/250%250).(i%250+1):2425 */
static int flood(const char *ip, int port, long n)
{
	struct sockaddr_in to = sa(ip, port);
	char buf[256], src[32];
	long ok = 0;

	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
		snprintf(src, sizeof src, "127.%ld.%ld.%ld", 1 + i / 62500, (i / 250) % 250, i % 250 + 1);
		struct sockaddr_in from = sa(src, 2425);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&from, sizeof from) == 0) {
			int len = snprintf(buf, sizeof buf, "1:%ld:user%ld:pc%ld:%u:nick%ld", 1000 + i, i, i, 0x01000001u, i);
			memcpy(buf + len, "\0group\0", 7);
			if (sendto(fd, buf, (size_t)len + 7, 0, (struct sockaddr *)&to, sizeof to) > 0)
				ok++;
		}
		close(fd);
		if (i % 2000 == 1999)
			usleep(20000); /* let the daemon keep up: this measures memory, not loss */
	}
	printf("flooded=%ld\n", ok);
	return 0;
}

/* mix ADDR PORT SECONDS: entry / answer / GETLIST mix (6:3:1) from 64 source ports, as fast as possible */
static int mix(const char *ip, int port, double secs)
{
	struct sockaddr_in to = sa(ip, port);
	int fds[64];
	char pk[3][128];
	size_t len[3];
	long sent = 0;
	unsigned k = 0;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_in from = sa("127.0.0.9", 40000 + i);
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		bind(fds[i], (struct sockaddr *)&from, sizeof from);
	}
	double end = now() + secs;
	while (now() < end) {
		for (int b = 0; b < 256; b++, k++) {
			int kind = (k % 10) < 6 ? 0 : (k % 10) < 9 ? 1 : 2;
			len[0] = (size_t)snprintf(pk[0], sizeof pk[0], "1:%u:u%u:h%u:%u:n%u", k, k % 64, k % 64, 0x01000001u, k % 64) + 1;
			memcpy(pk[0] + len[0], "g", 2);
			len[0] += 2;
			len[1] = (size_t)snprintf(pk[1], sizeof pk[1], "1:%u:u%u:h%u:%u:n", k, k % 64, k % 64, 0x01000003u) + 1;
			len[2] = (size_t)snprintf(pk[2], sizeof pk[2], "1:%u:u%u:h%u:18:", k, k % 64, k % 64) + 1;
			if (sendto(fds[k % 64], pk[kind], len[kind], 0, (struct sockaddr *)&to, sizeof to) > 0)
				sent++;
		}
	}
	printf("sent=%ld\n", sent);
	for (int i = 0; i < 64; i++)
		close(fds[i]);
	return 0;
}

/* rx PORT SECONDS: the minimal receive loop: recvmmsg and count, nothing else */
static int rx(int port, double secs)
{
	struct sockaddr_in me = sa("127.0.0.1", port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 4 << 20;
	static char bufs[64][2048];
	struct mmsghdr m[64];
	struct iovec iov[64];
	long got = 0;

	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	if (bind(fd, (struct sockaddr *)&me, sizeof me) != 0) {
		perror("bind");
		return 1;
	}
	struct timeval tv = { 0, 100000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (int i = 0; i < 64; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof bufs[i];
		memset(&m[i], 0, sizeof m[i]);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	printf("ready\n");
	fflush(stdout);
	double end = now() + secs;
	while (now() < end) {
		int r = recvmmsg(fd, m, 64, 0, NULL);
		if (r > 0)
			got += r;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("received=%ld\n", got);
	printf("cpu_s=%.6f\n", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "flood") == 0)
		return flood(argv[2], atoi(argv[3]), atol(argv[4]));
	if (argc == 5 && strcmp(argv[1], "mix") == 0)
		return mix(argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc == 4 && strcmp(argv[1], "rx") == 0)
		return rx(atoi(argv[2]), atof(argv[3]));
	fprintf(stderr, "usage: ct-loadgen flood ADDR PORT N | mix ADDR PORT SECONDS | rx PORT SECONDS\n");
	return 2;
}
