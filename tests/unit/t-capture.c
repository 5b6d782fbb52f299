/* t-capture.c: pcap writer/reader round trip, filters, errors, and a live loopback capture (root only). */
#include "config.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "capture.h"
#include "err.h"
#include "tap.h"

/* A raw IPv4 + UDP packet from 127.0.0.1:sport to 127.0.0.1:dport with payload. */
static size_t mk_udp(uint8_t *b, uint16_t sport, uint16_t dport, const char *pl)
{
	size_t n = strlen(pl), tot = 28 + n;

	memset(b, 0, 28);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[8] = 64;
	b[9] = 17;
	b[12] = 127; b[15] = 1;
	b[16] = 127; b[19] = 1;
	b[20] = (uint8_t)(sport >> 8); b[21] = (uint8_t)sport;
	b[22] = (uint8_t)(dport >> 8); b[23] = (uint8_t)dport;
	b[24] = (uint8_t)((8 + n) >> 8); b[25] = (uint8_t)(8 + n);
	memcpy(b + 28, pl, n);
	return tot;
}

/* Writes n raw IPv4 packets, one second apart from 1700000000, with sub-second part sub_ns. */
static void write_pcap(const char *path, int nsec, uint8_t (*buf)[128], const size_t *len, int n, uint32_t sub_ns)
{
	char err[CT_CAPTURE_ERRLEN];
	struct ct_pcapw *w;
	struct ct_pkt p = { 0 };

	is_int(ct_pcapw_open(&w, path, CT_LINK_RAW, 0, nsec, err, sizeof err), 0, "open writer (nsec=%d)", nsec);
	for (int i = 0; i < n; i++) {
		p.data = buf[i];
		p.caplen = p.len = (uint32_t)len[i];
		p.ts_sec = 1700000000 + i;
		p.ts_nsec = sub_ns;
		ct_pcapw_write(w, &p);
	}
	is_int(ct_pcapw_close(w), 0, "writer closes cleanly");
}

static void round_trip(int nsec)
{
	char path[] = "/tmp/t-capture-XXXXXX", err[CT_CAPTURE_ERRLEN];
	struct ct_capture *c;
	struct ct_capture_stats st;
	struct ct_pkt q;
	uint8_t buf[3][128];
	size_t len[3];
	int fd = mkstemp(path), r, n = 0;

	close(fd);
	len[0] = mk_udp(buf[0], 2425, 2425, "1:1:u:h:1:nick");
	len[1] = mk_udp(buf[1], 40000, 53, "dns");
	len[2] = mk_udp(buf[2], 22224, 22224, "\x80\x00\x00\x01");
	write_pcap(path, nsec, buf, len, 3, 123456789);

	is_int(ct_capture_open_file(&c, path, NULL, err, sizeof err), 0, "open file");
	is_int(ct_capture_linktype(c), CT_LINK_RAW, "link type kept");
	is_int(ct_capture_fd(c), -1, "a file has no selectable fd");
	while ((r = ct_capture_next(c, &q)) == 1) {
		if (n < 3) {
			is_mem(q.data, q.caplen, buf[n], len[n], "packet %d bytes", n);
			is_int(q.ts_sec, 1700000000 + n, "packet %d seconds", n);
			is_int(q.ts_nsec, nsec ? 123456789 : 123456000, "packet %d sub-second part", n);
		}
		n++;
	}
	is_int(r, CT_ECLOSED, "end of file reported");
	is_int(n, 3, "three packets read");
	is_int(ct_capture_stats(c, &st), 0, "stats on a file");
	is_int(st.delivered, 3, "delivered counter");
	ct_capture_close(c);

	is_int(ct_capture_open_file(&c, path, "udp port 2425 or udp portrange 22224-22227", err, sizeof err), 0,
		"open file with filter");
	n = 0;
	while (ct_capture_next(c, &q) == 1)
		n++;
	is_int(n, 2, "filter keeps the two packets on our ports");
	ct_capture_close(c);
	unlink(path);
}

/* Reads the whole file at path into a malloc'd buffer. */
static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = malloc(1 << 16);

	*n = f && b ? fread(b, 1, 1 << 16, f) : 0;
	if (f)
		fclose(f);
	return b;
}

static void spit(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		fwrite(b, 1, n, f);
		fclose(f);
	}
}

static uint32_t sw32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* Classic pcap files are read from a mapping: the other byte order, a file cut short, a filter
 * set after opening, and libpcap's answers for the same inputs through standard input. */
static void mapped_files(void)
{
	char path[] = "/tmp/t-capture-XXXXXX", err[CT_CAPTURE_ERRLEN];
	struct ct_capture *c;
	struct ct_pkt q;
	uint8_t buf[2][128], *b;
	size_t len[2], n, off;
	int fd = mkstemp(path), r, got = 0;

	close(fd);
	len[0] = mk_udp(buf[0], 2425, 2425, "1:1:u:h:1:nick");
	len[1] = mk_udp(buf[1], 40000, 53, "dns");
	write_pcap(path, 0, buf, len, 2, 5000);
	b = slurp(path, &n);

	/* the same file in the other byte order: every 32-bit field swapped, the 16-bit versions too */
	for (off = 0; off < 24; off += 4) {
		uint32_t v = sw32(b + off);
		memcpy(b + off, &v, 4);
	}
	{
		uint16_t maj, min;
		memcpy(&maj, b + 4, 2);
		memcpy(&min, b + 6, 2);
		memcpy(b + 4, &min, 2); /* the swap above exchanged the two halves: put them back */
		memcpy(b + 6, &maj, 2);
	}
	for (off = 24; off + 16 <= n;) {
		uint32_t incl;
		for (int k = 0; k < 16; k += 4) {
			uint32_t v = sw32(b + off + k);
			memcpy(b + off + k, &v, 4);
		}
		memcpy(&incl, b + off + 8, 4);
		off += 16 + __builtin_bswap32(incl);
	}
	spit(path, b, n);
	is_int(ct_capture_open_file(&c, path, NULL, err, sizeof err), 0, "a file in the other byte order opens");
	while ((r = ct_capture_next(c, &q)) == 1) {
		if (got < 2) {
			is_mem(q.data, q.caplen, buf[got], len[got], "swapped file: packet %d bytes", got);
			is_int(q.ts_sec, 1700000000 + got, "swapped file: packet %d seconds", got);
			is_int(q.ts_nsec, 5000, "swapped file: packet %d sub-second part (5 us)", got);
		}
		got++;
	}
	is_int(got, 2, "swapped file: two packets");
	ct_capture_close(c);

	is_int(ct_capture_open_file(&c, path, NULL, err, sizeof err), 0, "reopen");
	is_int(ct_capture_set_filter(c, "udp port 53"), 0, "a filter set after opening");
	for (got = 0; ct_capture_next(c, &q) == 1; got++)
		;
	is_int(got, 1, "the filter set after opening applies");
	is_int(ct_capture_set_filter(c, "udp port and"), CT_EINVAL, "a bad filter is refused");
	ct_capture_close(c);

	/* cut 5 bytes off the last packet: libpcap's message, after the complete packets */
	spit(path, b, n - 5);
	ct_capture_open_file(&c, path, NULL, err, sizeof err);
	for (got = 0; (r = ct_capture_next(c, &q)) == 1; got++)
		;
	is_int(got, 1, "a file cut short: the complete packet is read");
	ok(r < 0 && r != CT_ECLOSED, "then an error (%d)", r);
	ok(strstr(ct_capture_error(c), "truncated dump file; tried to read 31 captured bytes, only got 26") != NULL,
		"naming the cut: %s", ct_capture_error(c));
	ct_capture_close(c);
	spit(path, b, 24 + 16 + len[0] + 7);
	ct_capture_open_file(&c, path, NULL, err, sizeof err);
	for (got = 0; (r = ct_capture_next(c, &q)) == 1; got++)
		;
	ok(got == 1 && strstr(ct_capture_error(c), "tried to read 16 header bytes, only got 7") != NULL,
		"a record header cut short: %s", ct_capture_error(c));
	ct_capture_close(c);
	/* a record claiming 1 GiB: refused with libpcap's words, nothing read past the file */
	{
		uint32_t huge = __builtin_bswap32(1u << 30); /* the file is in the other byte order */
		memcpy(b + 24 + 8, &huge, 4);
		spit(path, b, n);
		ct_capture_open_file(&c, path, NULL, err, sizeof err);
		r = ct_capture_next(c, &q);
		ok(r < 0 && strstr(ct_capture_error(c), "invalid packet capture length 1073741824") != NULL,
			"an absurd record length is an error: %s", ct_capture_error(c));
		ct_capture_close(c);
	}
	free(b);
	unlink(path);
}

static void live_loopback(void)
{
	char err[CT_CAPTURE_ERRLEN], filt[64];
	struct ct_capture *c;
	struct ct_capture_opts o = { .nonblock = 1 };
	struct ct_capture_stats st;
	struct ct_pkt q;
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct pollfd pfd;
	int s, r, got = 0;
	socklen_t al = sizeof a;

	if (geteuid() != 0) {
		ok(1, "# SKIP live capture needs root");
		return;
	}
	/* bind a receiver on an ephemeral loopback port so nothing else sees the datagram */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&a, sizeof a);
	getsockname(s, (struct sockaddr *)&a, &al);
	snprintf(filt, sizeof filt, "udp dst port %u", ntohs(a.sin_port));
	r = ct_capture_open_live(&c, "lo", filt, &o, err, sizeof err);
	if (!ok(r == 0, "open live on lo with a filter")) {
		printf("# %s\n", err);
		close(s);
		return;
	}
	ok(ct_capture_fd(c) >= 0, "live handle has a selectable fd");
	is_int(ct_capture_next(c, &q), 0, "nonblocking read with nothing pending returns 0");
	sendto(s, "ping", 4, 0, (struct sockaddr *)&a, sizeof a);
	pfd.fd = ct_capture_fd(c);
	pfd.events = POLLIN;
	for (int i = 0; i < 50 && !got; i++) {
		poll(&pfd, 1, 100);
		while ((r = ct_capture_next(c, &q)) == 1)
			if (q.caplen >= 4 && memcmp(q.data + q.caplen - 4, "ping", 4) == 0)
				got = 1;
	}
	ok(got, "the datagram we sent was captured");
	is_int(ct_capture_stats(c, &st), 0, "live stats");
	ok(st.received >= 1, "kernel counted the packet");
	ct_capture_close(c);
	close(s);
}

int main(void)
{
	char err[CT_CAPTURE_ERRLEN];
	struct ct_capture *c;
	int r;

	round_trip(1);
	round_trip(0);
	mapped_files();

	r = ct_capture_open_file(&c, "/nonexistent/x.pcap", NULL, err, sizeof err);
	is_int(r, CT_ENOTFOUND, "missing file is CT_ENOTFOUND");
	ok(strstr(err, "/nonexistent/x.pcap") != NULL, "message names the file: %s", err);
	r = ct_capture_open_file(&c, "/etc/hostname", NULL, err, sizeof err);
	is_int(r, CT_EFORMAT, "non-pcap file is CT_EFORMAT");
	is_int(ct_capture_filter_check("udp port 2425 and", CT_LINK_ETHERNET, err, sizeof err), CT_EINVAL,
		"bad filter rejected");
	ok(strstr(err, "bad capture filter") != NULL, "filter message: %s", err);
	is_int(ct_capture_filter_check("udp port 2425", CT_LINK_SLL2, err, sizeof err), 0, "good filter compiles");
	is_str(ct_capture_linktype_name(CT_LINK_ETHERNET), "EN10MB", "link type name");
	r = ct_capture_open_live(&c, "ct-no-such-if0", NULL, NULL, err, sizeof err);
	ok(r == CT_ENOTFOUND || r == CT_EPERM, "unknown interface refused (%d): %s", r, err);
	live_loopback();
	return tap_done();
}
