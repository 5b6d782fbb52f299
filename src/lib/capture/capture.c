/* capture.c: the only libpcap user: live and offline capture handles, BPF filters, pcap writing. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include "err.h"
#include "log.h"
#include "capture.h"

struct ct_capture {
	pcap_t *p;
	int live;
	int nsec;        /* timestamps from libpcap are in nanoseconds */
	int linktype;
	int snaplen;
	uint64_t delivered;
	char err[PCAP_ERRBUF_SIZE + 128];
	/* A classic pcap file is read here, in large reads into one reused window, with the filter
	 * run here: no copy per packet (libpcap's reader copies every record through stdio), and no
	 * fresh page touched per packet (a mapping costs a TLB fill, under a hypervisor a shadow
	 * page fault, every 4 KiB: more than decoding the packets in it). Other files (pcapng,
	 * standard input) and live handles go through libpcap. */
	int rfd;         /* the file, or -1: libpcap reads */
	uint8_t *win;    /* the window: win[off, len) not yet delivered */
	size_t wcap, wlen, off;
	int reof;        /* the file has been read to its end */
	int swap;        /* the file's byte order is not ours */
	int map_nsec;    /* the file's timestamps are in nanoseconds (else microseconds) */
	struct bpf_program prog;
	int has_prog;
	uint16_t fast_port; /* ct_capture_set_fast_accept: IPv4 UDP to/from it passes without the BPF */
	volatile sig_atomic_t brk;
};

struct ct_pcapw {
	pcap_t *dead;
	pcap_dumper_t *d;
	int nsec;
	int linktype;
};

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

static int apply_filter(struct ct_capture *c, const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (!filter || !filter[0])
		return 0;
	if (pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		set_err(err, errlen, "bad capture filter \"%s\": %s", filter, pcap_geterr(c->p));
		return CT_EINVAL;
	}
	if (c->rfd >= 0) { /* run by ct_capture_next() */
		if (c->has_prog)
			pcap_freecode(&c->prog);
		c->prog = prog;
		c->has_prog = 1;
		return 0;
	}
	if (pcap_setfilter(c->p, &prog) != 0) {
		set_err(err, errlen, "cannot install the capture filter \"%s\": %s", filter, pcap_geterr(c->p));
		pcap_freecode(&prog);
		return CT_ESYS;
	}
	pcap_freecode(&prog);
	return 0;
}

static uint32_t rd32(const uint8_t *p, int swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

#define WIN_SIZE (256u << 10) /* the read window: large reads, and it stays in the cache */

/* Opens path for our reader when it is a classic pcap file (version 2, any byte order, micro- or
 * nanosecond timestamps); anything else stays with libpcap's reader. */
static void map_file(struct ct_capture *c, const char *path)
{
	struct stat st;
	uint8_t hdr[24];
	uint32_t magic;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr) {
		close(fd);
		return;
	}
	memcpy(&magic, hdr, 4);
	c->swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	c->map_nsec = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	if ((magic != 0xa1b2c3d4u && magic != 0xa1b23c4du && !c->swap) ||
	    (rd32(hdr + 4, c->swap) & 0xFFFF) != 2 || /* major version 2 (low half, either order) */
	    !(c->win = malloc(WIN_SIZE))) {
		close(fd);
		return;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	(void)lseek(fd, 24, SEEK_SET);
	c->rfd = fd;
	c->wcap = WIN_SIZE;
	c->wlen = c->off = 0;
	c->reof = 0;
}

/* Makes need bytes available at win + off unless the file ends first: 0, or CT_ESYS/CT_ENOMEM
 * (message set). The undelivered tail moves to the front; reads fill the window. */
static int win_fill(struct ct_capture *c, size_t need)
{
	if (c->wlen - c->off >= need || c->reof)
		return 0;
	memmove(c->win, c->win + c->off, c->wlen - c->off);
	c->wlen -= c->off;
	c->off = 0;
	if (need > c->wcap) {
		uint8_t *n = realloc(c->win, need);
		if (!n) {
			snprintf(c->err, sizeof c->err, "capture read failed: out of memory for a %zu-byte record", need);
			return CT_ENOMEM;
		}
		c->win = n;
		c->wcap = need;
	}
	while (c->wlen < need || c->wlen < c->wcap / 2) {
		ssize_t r = read(c->rfd, c->win + c->wlen, c->wcap - c->wlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(c->err, sizeof c->err, "capture read failed: %s", strerror(errno));
			return CT_ESYS;
		}
		if (r == 0) {
			c->reof = 1;
			break;
		}
		c->wlen += (size_t)r;
	}
	return 0;
}

void ct_capture_set_fast_accept(struct ct_capture *c, uint16_t port)
{
	c->fast_port = port;
}

/* 1 when the frame is an unfragmented IPv4 UDP datagram to or from c->fast_port on a link
 * whose header we know without options (Ethernet without VLAN tag, SLL, SLL2, raw IP): what
 * libpcap's "udp port N" accepts there, so a filter holding it needs not run. */
static int fast_accept(const struct ct_capture *c, const uint8_t *f, uint32_t n)
{
	uint32_t off;
	const uint8_t *ip;
	unsigned ihl;

	switch (c->linktype) {
	case CT_LINK_ETHERNET: off = 14; if (n < 14 || f[12] != 0x08 || f[13] != 0x00) return 0; break;
	case CT_LINK_SLL: off = 16; if (n < 16 || f[14] != 0x08 || f[15] != 0x00) return 0; break;
	case CT_LINK_SLL2: off = 20; if (n < 20 || f[0] != 0x08 || f[1] != 0x00) return 0; break;
	case CT_LINK_RAW: case CT_LINK_RAW_FILE: case CT_LINK_IPV4: off = 0; break;
	default: return 0;
	}
	if (n < off + 20)
		return 0;
	ip = f + off;
	ihl = (unsigned)(ip[0] & 0x0f) * 4;
	/* version 4, protocol UDP, fragment offset 0 (BPF's "udp port" tests the offset, not MF) */
	if ((ip[0] >> 4) != 4 || ip[9] != 17 || ((ip[6] & 0x1f) | ip[7]) != 0 || ihl < 20 || n < off + ihl + 4)
		return 0;
	return (ip[ihl] << 8 | ip[ihl + 1]) == c->fast_port || (ip[ihl + 2] << 8 | ip[ihl + 3]) == c->fast_port;
}

/* The next record of the file that passes the filter: 1, CT_ECLOSED at the end, CT_EFORMAT when
 * the file is cut short or corrupt (libpcap's words). */
static int map_next(struct ct_capture *c, struct ct_pkt *p)
{
	struct pcap_pkthdr h;
	int r;

	for (;;) {
		const uint8_t *rec;
		size_t left;
		uint32_t caplen, max = c->snaplen > 262144 ? (uint32_t)c->snaplen : 262144;

		if (c->brk)
			return CT_ECLOSED;
		if ((r = win_fill(c, 16)) != 0)
			return r;
		left = c->wlen - c->off;
		if (left == 0)
			return CT_ECLOSED;
		if (left < 16) {
			snprintf(c->err, sizeof c->err, "capture read failed: truncated dump file; tried to read 16 "
				"header bytes, only got %zu", left);
			return CT_EFORMAT;
		}
		caplen = rd32(c->win + c->off + 8, c->swap);
		if (caplen > max) {
			snprintf(c->err, sizeof c->err, "capture read failed: invalid packet capture length %u, "
				"bigger than maximum of %u", caplen, max);
			return CT_EFORMAT;
		}
		if ((r = win_fill(c, 16 + (size_t)caplen)) != 0)
			return r;
		left = c->wlen - c->off;
		if (left - 16 < caplen) {
			snprintf(c->err, sizeof c->err, "capture read failed: truncated dump file; tried to read %u "
				"captured bytes, only got %zu", caplen, left - 16);
			return CT_EFORMAT;
		}
		rec = c->win + c->off;
		c->off += 16 + (size_t)caplen;
		h.caplen = caplen > (uint32_t)c->snaplen && c->snaplen > 0 ? (uint32_t)c->snaplen : caplen;
		h.len = rd32(rec + 12, c->swap);
		if (c->has_prog && !(c->fast_port && fast_accept(c, rec + 16, h.caplen)) &&
		    !pcap_offline_filter(&c->prog, &h, rec + 16))
			continue;
		/* the next record's header and first bytes, on their way to the cache while this one is decoded */
		__builtin_prefetch(c->win + c->off);
		__builtin_prefetch(c->win + c->off + 64);
		p->data = rec + 16;
		p->caplen = h.caplen;
		p->len = h.len;
		p->ts_sec = (int64_t)rd32(rec, c->swap);
		p->ts_nsec = c->map_nsec ? rd32(rec + 4, c->swap) : rd32(rec + 4, c->swap) * 1000u;
		p->linktype = c->linktype;
		c->delivered++;
		return 1;
	}
}

static struct ct_capture *cap_alloc(void)
{
	struct ct_capture *c = calloc(1, sizeof(struct ct_capture));

	if (c)
		c->rfd = -1;
	return c;
}

/* Records the handle's link type and snap length and installs the filter; frees c on failure. */
static int cap_ready(struct ct_capture *c, const char *filter, char *errbuf, size_t errlen)
{
	int r;

	c->linktype = pcap_datalink(c->p);
	c->snaplen = pcap_snapshot(c->p);
	if ((r = apply_filter(c, filter, errbuf, errlen)) != 0)
		ct_capture_close(c);
	return r;
}

int ct_capture_open_live(struct ct_capture **out, const char *iface, const char *filter,
	const struct ct_capture_opts *opts, char *errbuf, size_t errlen)
{
	struct ct_capture_opts def = { 0 };
	char pe[PCAP_ERRBUF_SIZE] = "";
	struct ct_capture *c;
	const char *dev = (iface && iface[0]) ? iface : "any";
	int r, rc;

	*out = NULL;
	if (!opts)
		opts = &def;
	if (!(c = cap_alloc()))
		return CT_ENOMEM;
	c->live = 1;
	c->snaplen = opts->snaplen > 0 ? opts->snaplen : CT_CAPTURE_SNAPLEN;
	if (!(c->p = pcap_create(dev, pe))) {
		set_err(errbuf, errlen, "cannot capture on %s: %s", dev, pe);
		free(c);
		return CT_ESYS;
	}
	pcap_set_snaplen(c->p, c->snaplen);
	pcap_set_promisc(c->p, opts->promisc ? 1 : 0);
	if (opts->batch_ms > 0) { /* the kernel hands over a block at a time, at the latest batch_ms on */
		pcap_set_timeout(c->p, opts->batch_ms);
		pcap_set_immediate_mode(c->p, 0);
	} else {
		pcap_set_timeout(c->p, opts->timeout_ms > 0 ? opts->timeout_ms : 100);
		pcap_set_immediate_mode(c->p, 1);
	}
	if (opts->buffer_kib > 0)
		pcap_set_buffer_size(c->p, opts->buffer_kib * 1024);
	(void)pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO);
	r = pcap_activate(c->p);
	if (r < 0) {
		const char *why = pcap_geterr(c->p);
		switch (r) {
		case PCAP_ERROR_PERM_DENIED:
			set_err(errbuf, errlen, "capturing on %s needs the CAP_NET_RAW privilege (%s): run as root "
				"or grant it with 'setcap cap_net_raw,cap_net_admin+eip camtrace'", dev, why);
			rc = CT_EPERM;
			break;
		case PCAP_ERROR_NO_SUCH_DEVICE:
			set_err(errbuf, errlen, "no interface named %s (%s): 'ip link' lists them, or omit the "
				"interface to capture on every one", dev, why);
			rc = CT_ENOTFOUND;
			break;
		case PCAP_ERROR_IFACE_NOT_UP:
			set_err(errbuf, errlen, "interface %s is down (%s): bring it up with 'ip link set up'", dev, why);
			rc = CT_ESTATE;
			break;
		default:
			set_err(errbuf, errlen, "cannot capture on %s: %s", dev, why);
			rc = CT_ESYS;
		}
		pcap_close(c->p);
		free(c);
		return rc;
	}
	if (r > 0)
		log_info("capture on %s: %s", dev, pcap_statustostr(r));
	c->nsec = pcap_get_tstamp_precision(c->p) == PCAP_TSTAMP_PRECISION_NANO;
	if ((r = cap_ready(c, filter, errbuf, errlen)) != 0)
		return r;
	if (opts->nonblock && pcap_setnonblock(c->p, 1, pe) != 0) {
		set_err(errbuf, errlen, "cannot make the capture on %s nonblocking: %s", dev, pe);
		pcap_close(c->p);
		free(c);
		return CT_ESYS;
	}
	*out = c;
	return 0;
}

int ct_capture_open_file(struct ct_capture **out, const char *path, const char *filter,
	char *errbuf, size_t errlen)
{
	char pe[PCAP_ERRBUF_SIZE] = "";
	struct ct_capture *c;
	int r;

	*out = NULL;
	if (strcmp(path, "-") != 0 && access(path, R_OK) != 0) {
		int e = errno;
		set_err(errbuf, errlen, "cannot read capture file %s: %s", path, strerror(e));
		return e == ENOENT ? CT_ENOTFOUND : e == EACCES ? CT_EPERM : CT_ESYS;
	}
	if (!(c = cap_alloc()))
		return CT_ENOMEM;
	if (strcmp(path, "-") == 0) {
		c->p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, pe);
	} else {
		/* our own stream with a large buffer: a few big reads instead of one per 4 KiB */
		FILE *fp = fopen(path, "rb");
		if (fp) {
			setvbuf(fp, NULL, _IOFBF, 1 << 20);
			c->p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, pe);
			if (!c->p)
				fclose(fp);
		} else {
			snprintf(pe, sizeof pe, "%s", strerror(errno));
		}
	}
	if (!c->p) {
		set_err(errbuf, errlen, "%s is not a capture file libpcap can read (pcap or pcapng): %s", path, pe);
		free(c);
		return CT_EFORMAT;
	}
	c->nsec = 1;
	if (strcmp(path, "-") != 0)
		map_file(c, path);
	if ((r = cap_ready(c, filter, errbuf, errlen)) != 0)
		return r;
	*out = c;
	return 0;
}

void ct_capture_close(struct ct_capture *c)
{
	if (!c)
		return;
	if (c->p)
		pcap_close(c->p);
	if (c->has_prog)
		pcap_freecode(&c->prog);
	if (c->rfd >= 0)
		close(c->rfd);
	free(c->win);
	free(c);
}

int ct_capture_set_filter(struct ct_capture *c, const char *filter)
{
	return apply_filter(c, filter, c->err, sizeof c->err);
}

int ct_capture_next(struct ct_capture *c, struct ct_pkt *p)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int r;

	if (c->rfd >= 0)
		return map_next(c, p);
	r = pcap_next_ex(c->p, &h, &d);

	if (r == 1) {
		p->data = d;
		p->caplen = h->caplen;
		p->len = h->len;
		p->ts_sec = (int64_t)h->ts.tv_sec;
		p->ts_nsec = c->nsec ? (uint32_t)h->ts.tv_usec : (uint32_t)h->ts.tv_usec * 1000u;
		p->linktype = c->linktype;
		c->delivered++;
		return 1;
	}
	if (r == 0)
		return 0;
	if (r == PCAP_ERROR_BREAK)
		return CT_ECLOSED;
	snprintf(c->err, sizeof c->err, "capture read failed: %s", pcap_geterr(c->p));
	return CT_ESYS;
}

void ct_capture_break(struct ct_capture *c)
{
	if (c && c->rfd >= 0)
		c->brk = 1;
	else if (c && c->p)
		pcap_breakloop(c->p);
}

int ct_capture_fd(const struct ct_capture *c)
{
	return c->live ? pcap_get_selectable_fd(c->p) : -1;
}

int ct_capture_linktype(const struct ct_capture *c) { return c->linktype; }
int ct_capture_snaplen(const struct ct_capture *c) { return c->snaplen; }
int ct_capture_is_live(const struct ct_capture *c) { return c->live; }
const char *ct_capture_error(const struct ct_capture *c) { return c->err; }

const char *ct_capture_linktype_name(int linktype)
{
	const char *n = pcap_datalink_val_to_name(linktype);
	return n ? n : "unknown";
}

int ct_capture_stats(struct ct_capture *c, struct ct_capture_stats *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof *st);
	st->delivered = c->delivered;
	if (!c->live)
		return 0;
	if (pcap_stats(c->p, &ps) != 0) {
		snprintf(c->err, sizeof c->err, "capture statistics unavailable: %s", pcap_geterr(c->p));
		return CT_ESYS;
	}
	st->received = ps.ps_recv;
	st->dropped = ps.ps_drop;
	st->if_dropped = ps.ps_ifdrop;
	return 0;
}

int ct_capture_filter_check(const char *filter, int linktype, char *errbuf, size_t errlen)
{
	pcap_t *p = pcap_open_dead(linktype, CT_CAPTURE_SNAPLEN);
	struct bpf_program prog;
	int r = 0;

	if (!p)
		return CT_ENOMEM;
	if (pcap_compile(p, &prog, filter ? filter : "", 1, PCAP_NETMASK_UNKNOWN) != 0) {
		set_err(errbuf, errlen, "bad capture filter \"%s\": %s", filter ? filter : "", pcap_geterr(p));
		r = CT_EINVAL;
	} else {
		pcap_freecode(&prog);
	}
	pcap_close(p);
	return r;
}

int ct_pcapw_open(struct ct_pcapw **out, const char *path, int linktype, int snaplen, int nsec,
	char *errbuf, size_t errlen)
{
	struct ct_pcapw *w;

	*out = NULL;
	if (!(w = calloc(1, sizeof *w)))
		return CT_ENOMEM;
	w->nsec = nsec ? 1 : 0;
	w->linktype = linktype;
	w->dead = pcap_open_dead_with_tstamp_precision(linktype, snaplen > 0 ? snaplen : CT_CAPTURE_SNAPLEN,
		w->nsec ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	if (!w->dead) {
		free(w);
		return CT_ENOMEM;
	}
	if (!(w->d = pcap_dump_open(w->dead, path))) {
		set_err(errbuf, errlen, "cannot write capture file %s: %s", path, pcap_geterr(w->dead));
		pcap_close(w->dead);
		free(w);
		return CT_ESYS;
	}
	*out = w;
	return 0;
}

int ct_pcapw_open_for(struct ct_pcapw **out, const char *path, const struct ct_capture *c,
	char *errbuf, size_t errlen)
{
	return ct_pcapw_open(out, path, c->linktype, c->snaplen, c->nsec, errbuf, errlen);
}

int ct_pcapw_write(struct ct_pcapw *w, const struct ct_pkt *p)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)p->ts_sec;
	h.ts.tv_usec = w->nsec ? (suseconds_t)p->ts_nsec : (suseconds_t)(p->ts_nsec / 1000u);
	h.caplen = p->caplen;
	h.len = p->len < p->caplen ? p->caplen : p->len;
	pcap_dump((u_char *)w->d, &h, p->data);
	return 0;
}

int ct_pcapw_flush(struct ct_pcapw *w)
{
	return pcap_dump_flush(w->d) == 0 ? 0 : CT_ESYS;
}

int ct_pcapw_close(struct ct_pcapw *w)
{
	int r = 0;
	FILE *f;

	if (!w)
		return 0;
	f = pcap_dump_file(w->d);
	if (pcap_dump_flush(w->d) != 0 || (f && ferror(f)))
		r = CT_ESYS;
	pcap_dump_close(w->d);
	pcap_close(w->dead);
	free(w);
	return r;
}
