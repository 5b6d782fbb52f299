/* capture.h: packet capture handles (live or from a file), BPF filters and pcap writing; wraps libpcap. */
#ifndef CT_CAPTURE_H
#define CT_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* Link types we decode (values are the pcap LINKTYPE_/DLT_ numbers on Linux). */
#define CT_LINK_NULL 0       /* BSD loopback: 4-byte host-order family */
#define CT_LINK_ETHERNET 1
#define CT_LINK_RAW 12       /* raw IPv4/IPv6, no link header (DLT_RAW; LINKTYPE_RAW 101 in files) */
#define CT_LINK_RAW_FILE 101 /* LINKTYPE_RAW, in case a reader reports the file value */
#define CT_LINK_IPV4 228
#define CT_LINK_IPV6 229
#define CT_LINK_SLL 113      /* Linux cooked capture v1 ("any" device) */
#define CT_LINK_SLL2 276     /* Linux cooked capture v2 */

#define CT_CAPTURE_SNAPLEN 65535
#define CT_CAPTURE_ERRLEN 256

struct ct_capture; /* an open live or offline capture */
struct ct_pcapw;   /* an open pcap file writer */

/* One captured packet. data points into the handle's buffer: valid until the next
 * ct_capture_next() or ct_capture_close() on the same handle. */
struct ct_pkt {
	const uint8_t *data;
	uint32_t caplen;  /* bytes captured (data length) */
	uint32_t len;     /* bytes on the wire */
	int64_t ts_sec;   /* capture timestamp (pcap/kernel), seconds since the epoch */
	uint32_t ts_nsec; /* nanoseconds */
	int linktype;     /* CT_LINK_* / DLT value of the handle */
};

struct ct_capture_stats {
	uint64_t received;   /* packets the filter accepted (kernel count; live only) */
	uint64_t dropped;    /* dropped by the kernel: buffer full (reader too slow) */
	uint64_t if_dropped; /* dropped by the interface or driver */
	uint64_t delivered;  /* packets handed out by ct_capture_next() */
};

struct ct_capture_opts {
	int snaplen;       /* 0 = CT_CAPTURE_SNAPLEN */
	int promisc;       /* put the interface in promiscuous mode */
	int buffer_kib;    /* kernel buffer size in KiB, 0 = libpcap default */
	int nonblock;      /* ct_capture_next() returns 0 instead of waiting */
	int timeout_ms;    /* read timeout of a blocking live handle; 0 = 100 ms */
	int batch_ms;      /* 0: each packet at once (immediate mode); N: in blocks, at the latest N ms
	                    * after the first (few wake-ups at high rates: a live screen's choice) */
};

/* Opens a live capture on iface (NULL, "" or "any" = every interface) with a BPF filter
 * (NULL or "" = everything). Packets are delivered at once (immediate mode, unless batch_ms), with
 * nanosecond timestamps when the kernel gives them. Needs CAP_NET_RAW: without it returns
 * CT_EPERM with a message naming the fix in errbuf. opts may be NULL. */
int ct_capture_open_live(struct ct_capture **out, const char *iface, const char *filter,
	const struct ct_capture_opts *opts, char *errbuf, size_t errlen);
/* Opens a pcap or pcapng file ("-" = standard input) with an optional BPF filter. */
int ct_capture_open_file(struct ct_capture **out, const char *path, const char *filter,
	char *errbuf, size_t errlen);
void ct_capture_close(struct ct_capture *c);

/* Replaces the filter (compiled against the handle's link type). CT_EINVAL with the
 * compiler's message in the handle's error buffer when the expression is bad. */
int ct_capture_set_filter(struct ct_capture *c, const char *filter);
/* Frames that are unfragmented IPv4 UDP datagrams to or from port (Ethernet without a VLAN tag,
 * SLL, SLL2, raw IP) are taken from a file without running the filter: only for a filter that
 * accepts every such frame (ct_trace_filter's default without more words); 0 turns it off. */
void ct_capture_set_fast_accept(struct ct_capture *c, uint16_t port);
/* Next packet: 1 = *p filled, 0 = none ready now (nonblocking live handle, or the blocking
 * read timed out), CT_ECLOSED = end of file / handle broken off, CT_ESYS = read error,
 * CT_EFORMAT = a classic pcap file cut short or corrupt (the message says where). */
int ct_capture_next(struct ct_capture *c, struct ct_pkt *p);
/* Makes a waiting ct_capture_next() return CT_ECLOSED soon (safe from a signal handler). */
void ct_capture_break(struct ct_capture *c);
/* Descriptor to poll for readability (live handles), or -1 for files. */
int ct_capture_fd(const struct ct_capture *c);
int ct_capture_linktype(const struct ct_capture *c);
const char *ct_capture_linktype_name(int linktype);
int ct_capture_snaplen(const struct ct_capture *c);
int ct_capture_is_live(const struct ct_capture *c);
/* Counters; the kernel figures are zero for files. */
int ct_capture_stats(struct ct_capture *c, struct ct_capture_stats *st);
/* Detail of the last error on this handle ("" if none). */
const char *ct_capture_error(const struct ct_capture *c);

/* Checks that a BPF expression compiles for linktype; message in errbuf when not. */
int ct_capture_filter_check(const char *filter, int linktype, char *errbuf, size_t errlen);

/* pcap writer. Files are written with nanosecond timestamps when nsec is set, else micro. */
int ct_pcapw_open(struct ct_pcapw **out, const char *path, int linktype, int snaplen, int nsec,
	char *errbuf, size_t errlen);
/* Opens a writer with the link type and snap length of an open capture. */
int ct_pcapw_open_for(struct ct_pcapw **out, const char *path, const struct ct_capture *c,
	char *errbuf, size_t errlen);
int ct_pcapw_write(struct ct_pcapw *w, const struct ct_pkt *p);
int ct_pcapw_flush(struct ct_pcapw *w);
/* Flushes and closes; returns CT_ESYS if the data could not be written out. */
int ct_pcapw_close(struct ct_pcapw *w);

#endif
