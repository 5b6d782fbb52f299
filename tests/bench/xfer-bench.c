/* xfer-bench.c: file-transfer throughput (issue 16): the engine's GETFILEDATA (xfer.c server, xfer-get.c client) against the same bytes over a plain TCP connection (sendfile to recv/write), in one run; loopback, or across the lab (serve / fetch). */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "evloop.h"
#include "hosts.h"
#include "node.h"
#include "sbuf.h"
#include "xfer.h"

#define PLAIN_PORT 2426
#define CHUNK (256u << 10)

static struct ct_evloop *ev;
static int got_done;
static struct ct_xfer_get_result got;


static void on_done(struct ct_xfer *x, uint64_t id, const struct ct_xfer_get_result *r, void *ud)
{
	(void)x;
	(void)id;
	(void)ud;
	got = *r;
	got_done = 1;
}

static struct ct_node *mknode(struct ct_hosts *h, const char *bind, uint16_t port, int tcp, const char *user)
{
	struct ct_node_conf c;
	struct ct_node *n = NULL;
	char err[256];

	memset(&c, 0, sizeof c);
	c.bind_addr = bind;
	c.port = port;
	c.tcp = tcp;
	c.user = user;
	c.host = "bench";
	c.no_broadcast = 1;
	if (ct_node_new(&n, ev, h, &c, err, sizeof err) != 0)
		fprintf(stderr, "node: %s\n", err);
	return n;
}

/* The plain sender: one connection, the whole file with sendfile, then close. */
static void plain_serve(const char *file, const char *baddr, int once)
{
	struct sockaddr_in sa;
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(PLAIN_PORT);
	inet_pton(AF_INET, baddr, &sa.sin_addr);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(l, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(l, 4) != 0) {
		perror("plain listen");
		_exit(1);
	}
	do {
		int c = accept(l, NULL, NULL), fd = open(file, O_RDONLY);
		struct stat sb;
		off_t off = 0;
		char b;
		fstat(fd, &sb);
		while (off < sb.st_size && sendfile(c, fd, &off, CHUNK) > 0)
			;
		shutdown(c, SHUT_WR);
		(void)!read(c, &b, 1);
		close(c);
		close(fd);
	} while (!once);
	_exit(0);
}

/* The plain receiver: recv into a 256 KiB buffer, write to a file, until size bytes. */
static double plain_fetch(const char *addr, const char *dir, uint64_t size)
{
	struct sockaddr_in sa;
	static char buf[CHUNK];
	char path[4096];
	uint64_t t0 = ct_mono_ns(), n = 0;
	int s = socket(AF_INET, SOCK_STREAM, 0), fd;

	snprintf(path, sizeof path, "%s/plain.bin", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(PLAIN_PORT);
	inet_pton(AF_INET, addr, &sa.sin_addr);
	for (int k = 0; k < 50 && connect(s, (struct sockaddr *)&sa, sizeof sa) != 0; k++)
		usleep(20000);
	while (n < size) {
		ssize_t r = recv(s, buf, sizeof buf, 0);
		if (r <= 0)
			break;
		if (write(fd, buf, (size_t)r) != r)
			break;
		n += (uint64_t)r;
	}
	close(s);
	close(fd);
	unlink(path);
	return n == size ? (double)size / ((double)(ct_mono_ns() - t0) / 1e9) : 0;
}

static double engine_fetch(struct ct_xfer *x, const char *addr, uint16_t port, uint32_t fileid, uint64_t size,
	const char *dir)
{
	struct ct_xfer_get_req rq;
	char path[4096];
	uint64_t t0 = ct_mono_ns();
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	memset(&rq, 0, sizeof rq);
	ct_haddr_parse(&rq.peer, addr, port);
	rq.packetno = 1;
	rq.fileid = fileid;
	rq.name = "engine.bin";
	rq.size = size;
	rq.dirfd = dfd;
	got_done = 0;
	ct_xfer_get(x, &rq, on_done, NULL, NULL);
	while (!got_done)
		ct_evloop_run_once(ev, 100);
	close(dfd);
	snprintf(path, sizeof path, "%s/engine.bin", dir);
	unlink(path);
	if (got.state != CT_XFER_G_DONE) {
		fprintf(stderr, "engine fetch: %s %s\n", ct_xfer_gstate_name(got.state), got.error);
		return 0;
	}
	return (double)size / ((double)(ct_mono_ns() - t0) / 1e9);
}

static long peak_rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int report(double eng, double plain, int runs, const char *where)
{
	printf("%s: engine (GETFILEDATA, xfer.c) %.0f MB/s, plain TCP (sendfile -> recv/write) %.0f MB/s: "
		"ratio %.2fx (goal >= 0.90x), best of %d\n", where, eng / 1e6, plain / 1e6, plain > 0 ? eng / plain : 0, runs);
	printf("peak RSS of the fetching process after the runs: %ld KiB\n", peak_rss_kib());
	return plain > 0 && eng / plain >= 0.9 ? 0 : 1;
}

/* Offers file on a node bound to bind (TCP port), for peer; prints "ready FILEID SIZE". */
static struct ct_xfer *serve_engine(struct ct_hosts *h, const char *file, const char *bind, uint16_t port,
	const char *peer, uint32_t *fileid)
{
	struct ct_node *n = mknode(h, bind, port, 1, "server");
	struct ct_xfer *x = NULL;
	struct ct_sbuf list;
	struct ct_haddr to;
	const char *paths[1] = { file };
	uint64_t offer;
	char err[256];

	if (!n || ct_xfer_new(&x, n, NULL) != 0)
		return NULL;
	ct_sbuf_init(&list);
	if (ct_xfer_offer(x, paths, 1, &list, &offer, err, sizeof err) != 0) {
		fprintf(stderr, "offer: %s\n", err);
		return NULL;
	}
	*fileid = (uint32_t)strtoul(list.p, NULL, 10);
	ct_sbuf_fini(&list);
	ct_haddr_parse(&to, peer, 0);
	ct_xfer_offer_bind(x, offer, 1, &to);
	return x;
}

static pid_t plain_child;

static void on_term(int sig)
{
	(void)sig;
	if (plain_child > 0)
		kill(plain_child, SIGTERM);
	_exit(0);
}

/* serve: the engine on port, the plain sender on PLAIN_PORT (a child), until killed */
static int serve(struct ct_hosts *h, const char *file, const char *bind, uint16_t port, const char *peer, int out)
{
	uint32_t fid;
	struct stat sb;
	char line[64];
	int n;

	stat(file, &sb);
	if (!serve_engine(h, file, bind, port, peer, &fid))
		return 1;
	signal(SIGTERM, on_term);
	if ((plain_child = fork()) == 0)
		plain_serve(file, bind, 0);
	n = snprintf(line, sizeof line, "ready %u %lld\n", fid, (long long)sb.st_size);
	if (write(out, line, (size_t)n) != n)
		return 1;
	ct_evloop_run(ev);
	return 0;
}

static int fetch(struct ct_hosts *h, const char *addr, uint16_t port, uint32_t fid, uint64_t size, const char *dir,
	const char *where)
{
	struct ct_node *cn = mknode(h, "0.0.0.0", 24251, 0, "client");
	struct ct_xfer *xc = NULL;
	double best_e = 0, best_p = 0;
	int runs = 3;

	if (!cn || ct_xfer_new(&xc, cn, NULL) != 0)
		return 1;
	for (int i = 0; i < 2 * runs; i++) { /* each first in turn: the page cache's writeback hits the second */
		double e, pl;
		if (i % 2) {
			pl = plain_fetch(addr, dir, size);
			e = engine_fetch(xc, addr, port, fid, size, dir);
		} else {
			e = engine_fetch(xc, addr, port, fid, size, dir);
			pl = plain_fetch(addr, dir, size);
		}
		best_e = e > best_e ? e : best_e;
		best_p = pl > best_p ? pl : best_p;
	}
	return report(best_e, best_p, 2 * runs, where);
}

int main(int argc, char **argv)
{
	struct ct_hosts *h = ct_hosts_new();
	const char *mode = argc > 1 ? argv[1] : "";

	signal(SIGPIPE, SIG_IGN);
	ct_evloop_new(&ev);
	if (!strcmp(mode, "loop") && argc == 4) { /* loop FILE DIR: the sender is a child process */
		int pp[2], st;
		char line[64] = "";
		unsigned fid = 0;
		long long size = 0;
		pid_t p;
		if (pipe(pp) != 0)
			return 1;
		if ((p = fork()) == 0) {
			setpgid(0, 0);
			close(pp[0]);
			/* an epoll set of its own: the parent's would wake this loop for the fetch's socket */
			ct_evloop_free(ev);
			ct_evloop_new(&ev);
			_exit(serve(h, argv[2], "127.0.0.1", 24250, "127.0.0.1", pp[1]));
		}
		close(pp[1]);
		if (read(pp[0], line, sizeof line - 1) <= 0 || sscanf(line, "ready %u %lld", &fid, &size) != 2) {
			fprintf(stderr, "the sender did not start\n");
			return 1;
		}
		st = fetch(h, "127.0.0.1", 24250, fid, (uint64_t)size, argv[3], "loopback");
		kill(-p, SIGTERM);
		waitpid(p, NULL, 0);
		return st;
	}
	if (!strcmp(mode, "serve") && argc == 5) /* serve FILE BIND PEER: until killed; prints "ready FILEID SIZE" */
		return serve(h, argv[2], argv[3], 2425, argv[4], 1);
	if (!strcmp(mode, "fetch") && argc == 6) /* fetch ADDR FILEID SIZE DIR */
		return fetch(h, argv[2], 2425, (uint32_t)strtoul(argv[3], NULL, 10), strtoull(argv[4], NULL, 10), argv[5], "lab");
	fprintf(stderr, "usage: xfer-bench loop FILE DIR | serve FILE BIND PEER | fetch ADDR FILEID SIZE DIR\n");
	return 2;
}
