/* ct-loadgen.c: load generators (loopback, and forged sources over a raw socket) and a minimal receive loop for the camtraced benchmarks (not a test). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
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

/* steady ADDR PORT N RATE SECONDS: BR_ENTRY refreshes from the N sources of `flood`, one after
 * the other, RATE a second; every other round one host in ten comes with ABSENCEOPT (absent, then
 * back): a steady load where a tenth of the packets change a host */
static int steady(const char *ip, int port, long n, double rate, double secs)
{
	struct sockaddr_in to = sa(ip, port);
	double t0 = now();
	char buf[256], src[32];
	long k = 0;

	while (now() - t0 < secs) {
		long due = (long)((now() - t0) * rate);
		for (; k < due; k++) {
			long i = k % n, round = k / n;
			unsigned st = 0x01000001u | (i % 10 == 0 && round % 2 ? 0x100u : 0);
			int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
			snprintf(src, sizeof src, "127.%ld.%ld.%ld", 1 + i / 62500, (i / 250) % 250, i % 250 + 1);
			struct sockaddr_in from = sa(src, 2425);
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
			if (bind(fd, (struct sockaddr *)&from, sizeof from) == 0) {
				int len = snprintf(buf, sizeof buf, "1:%ld:user%ld:pc%ld:%u:nick%ld", 2000000 + k, i, i, st, i);
				memcpy(buf + len, "\0group\0", 7);
				sendto(fd, buf, (size_t)len + 7, 0, (struct sockaddr *)&to, sizeof to);
			}
			close(fd);
		}
		usleep(2000);
	}
	printf("sent=%ld\n", k);
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

/* One datagram of the raw flood: valid requests of every kind the daemon answers, entries, and
 * malformed ones (half of them), numbered k. */
static size_t raw_payload(char *p, size_t max, unsigned k)
{
	static const char *const bad[] = { "", "garbage", "1:1:u:h:", "1:1::h:1:", "2:1:u:h:1:x",
		"1:x:u:h:18:", "1:1:u:h:99999999999:", "1:1:u:h:19:    5\a  100\a", "\xff\xfe:::::" };
	int n;

	switch (k % 12) {
	case 0: n = snprintf(p, max, "1:%u:f%u:fh:%u:", k, k % 97, 0x01000012u); break;     /* GETLIST */
	case 1: n = snprintf(p, max, "1:%u:f%u:fh:%u:n", k, k % 97, 0x18u); break;          /* BR_ISGETLIST2 */
	case 2: n = snprintf(p, max, "1:%u:f:fh:%u:", k, 0x40u); break;                      /* GETINFO */
	case 3: n = snprintf(p, max, "1:%u:f:fh:%u:hello %u", k, 0x120u, k); break;         /* SENDMSG|SENDCHECKOPT */
	case 4: n = snprintf(p, max, "1:%u:f:fh:%u:", k, 0x50u); break;                      /* GETABSENCEINFO */
	case 5: n = snprintf(p, max, "1:%u:f%u:fh%u:%u:n%u", k, k % 997, k % 997, 0x01u, k); break; /* BR_ENTRY */
	default: n = snprintf(p, max, "%s%u", bad[k % (sizeof bad / sizeof bad[0])], k); break;
	}
	return n < 0 ? 0 : (size_t)n + 1;
}

/* rawflood SRC COUNT DST SECONDS: forged sources SRC, SRC+1, ... (COUNT of them, port 2425) to
 * DST:2425 over an IP_HDRINCL raw socket, as fast as one core sends; prints sent= bytes= pps= */
static int rawflood(const char *src, long count, const char *dst, double secs)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), one = 1, big = 4 << 20;
	struct sockaddr_in to = sa(dst, 2425);
	uint32_t s0 = ntohl(sa(src, 0).sin_addr.s_addr);
	char pkt[256];
	long sent = 0, bytes = 0;
	unsigned k = 0;

	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) != 0) {
		perror("raw socket (root needed)");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	double t0 = now(), end = t0 + secs;
	while (now() < end) {
		for (int b = 0; b < 256; b++, k++) {
			struct iphdr *ip = (struct iphdr *)pkt;
			struct udphdr *u = (struct udphdr *)(pkt + sizeof *ip);
			size_t len = raw_payload(pkt + sizeof *ip + sizeof *u, sizeof pkt - sizeof *ip - sizeof *u, k);
			memset(ip, 0, sizeof *ip + sizeof *u);
			ip->ihl = 5;
			ip->version = 4;
			ip->ttl = 64;
			ip->protocol = IPPROTO_UDP;
			ip->tot_len = htons((uint16_t)(sizeof *ip + sizeof *u + len));
			ip->saddr = htonl(s0 + (uint32_t)((k / 7) % (unsigned long)count)); /* every kind from every source */
			ip->daddr = to.sin_addr.s_addr;
			u->source = u->dest = htons(2425);
			u->len = htons((uint16_t)(sizeof *u + len));
			if (sendto(fd, pkt, sizeof *ip + sizeof *u + len, 0, (struct sockaddr *)&to, sizeof to) > 0) {
				sent++;
				bytes += (long)len;
			}
		}
	}
	double t = now() - t0;
	printf("sent=%ld\nbytes=%ld\npps=%.0f\n", sent, bytes, sent / t);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "rawflood") == 0)
		return rawflood(argv[2], atol(argv[3]), argv[4], atof(argv[5]));
	if (argc == 5 && strcmp(argv[1], "flood") == 0)
		return flood(argv[2], atoi(argv[3]), atol(argv[4]));
	if (argc == 5 && strcmp(argv[1], "mix") == 0)
		return mix(argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc == 7 && strcmp(argv[1], "steady") == 0)
		return steady(argv[2], atoi(argv[3]), atol(argv[4]), atof(argv[5]), atof(argv[6]));
	if (argc == 4 && strcmp(argv[1], "rx") == 0)
		return rx(atoi(argv[2]), atof(argv[3]));
	fprintf(stderr, "usage: ct-loadgen flood ADDR PORT N | mix ADDR PORT SECONDS | rx PORT SECONDS | "
		"steady ADDR PORT N RATE SECONDS | rawflood SRC COUNT DST SECONDS\n");
	return 2;
}
