/* cmd-sniff.c: `camtrace sniff`: the packet trace: capture or read pcap, decode, match, count, write pcap. */
#include "config.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "capture.h"
#include "clock.h"
#include "cmd.h"
#include "decode.h"
#include "decode-ipmsg.h"
#include "decode-rtp.h"
#include "err.h"
#include "match.h"
#include "out.h"
#include "privs.h"
#include "rtpstat.h"
#include "sniff-out.h"
#include "util.h"

struct sniff {
	struct ct_cli *cli;
	const char *rfile, *wfile, *iface, *user;
	uint64_t count;          /* stop after this many packets (0 = no limit) */
	double duration;         /* stop after this many seconds (0 = no limit) */
	double answer_timeout;
	uint16_t rtp_lo, rtp_hi;
	uint32_t rtp_clock;
	int no_default_filter;
	int quiet;
	struct ct_sbuf filter;
	struct ct_capture *cap;
	struct ct_pcapw *w;
	struct ct_decoder dec;
	struct ct_dipmsg ipm;
	struct ct_rtpstat rtp;
	struct ct_match *match;
	struct sniff_out out;
	uint64_t kinds[CT_DK_OTHER + 1];
	uint64_t ipmsg_bad, unanswered;
	int64_t last_ts_ns;      /* capture time of the last packet */
	uint64_t last_mono_ns;   /* monotonic time when it was seen */
};

static volatile sig_atomic_t got_stop, got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

/* The default filter: IPMsg UDP/TCP, the RTP range, ICMP errors quoting those ports, fragments. */
static void build_filter(struct sniff *s, int argc, char **argv)
{
	struct ct_sbuf *f = &s->filter;
	unsigned lo = s->rtp_lo, hi = s->rtp_hi;

	if (!s->no_default_filter) {
		ct_sbuf_printf(f, "(udp port 2425 or tcp port 2425 or udp portrange %u-%u"
			" or (icmp and (icmp[0] == 3 or icmp[0] == 4 or icmp[0] == 5 or icmp[0] == 11 or icmp[0] == 12)"
			" and (icmp[8 + ((icmp[8] & 0xf) * 4):2] == 2425 or icmp[8 + ((icmp[8] & 0xf) * 4) + 2:2] == 2425"
			" or (icmp[8 + ((icmp[8] & 0xf) * 4):2] >= %u and icmp[8 + ((icmp[8] & 0xf) * 4):2] <= %u)"
			" or (icmp[8 + ((icmp[8] & 0xf) * 4) + 2:2] >= %u and icmp[8 + ((icmp[8] & 0xf) * 4) + 2:2] <= %u)))"
			" or (icmp6 and ip6[40] < 128)"
			" or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44))",
			lo, hi, lo, hi, lo, hi);
	}
	if (argc > 0) {
		if (f->len)
			ct_sbuf_adds(f, " and (");
		for (int i = 0; i < argc; i++) {
			if (i)
				ct_sbuf_addc(f, ' ');
			ct_sbuf_adds(f, argv[i]);
		}
		if (!s->no_default_filter)
			ct_sbuf_addc(f, ')');
	}
}

/* Drops root (privs.c: to SUDO_UID or nobody, every capability) before any file is created,
 * unless -Z root asked to keep it. */
static int drop_privileges(const char *user, char *err, size_t errlen)
{
	if (user && strcmp(user, "root") == 0)
		return 0;
	return ct_privs_drop(err, errlen);
}

static int is_group_addr(int af, const uint8_t *a)
{
	if (af == 4)
		return a[3] == 255 || (a[0] >= 224 && a[0] <= 239);
	return a[0] == 0xff;
}

static void on_unans(const struct ct_unans *u, void *ud)
{
	struct sniff *s = ud;

	s->unanswered++;
	so_unanswered(&s->out, u);
}

static void handle(struct sniff *s, const struct ct_pkt *pkt)
{
	struct ct_dpkt pk;
	struct ct_dipmsg *im = NULL;
	struct ct_rtp_stream *rs = NULL;
	struct ct_mres mr, *mrp = NULL;
	struct ct_mpkt mp;
	int64_t ts_ns = pkt->ts_sec * 1000000000LL + pkt->ts_nsec;

	ct_decode(&s->dec, pkt, &pk);
	s->kinds[pk.kind]++;
	s->last_ts_ns = ts_ns;
	if (!s->rfile)
		s->last_mono_ns = ct_mono_ns();
	if (pk.kind == CT_DK_IPMSG) {
		im = &s->ipm;
		if (ct_dipmsg_decode(im, pk.app, pk.app_len) != 0)
			s->ipmsg_bad++;
	} else if (pk.kind == CT_DK_TCP && pk.app_len > 0 && pk.dport == s->dec.ipmsg_port &&
		   ct_dipmsg_looks_like(pk.app, pk.app_len) && ct_dipmsg_decode(&s->ipm, pk.app, pk.app_len) == 0) {
		im = &s->ipm;
	} else if (pk.kind == CT_DK_RTP && !pk.fwd_of) {
		rs = ct_rtpstat_update(&s->rtp, pk.ip.af, pk.ip.src, pk.ip.dst, pk.sport, pk.dport, &pk.rtp,
			pk.app_wire, ts_ns);
	}
	if ((pk.kind == CT_DK_IPMSG || pk.kind == CT_DK_TCP) && !pk.fwd_of) {
		memset(&mp, 0, sizeof mp);
		mp.ts_ns = ts_ns;
		mp.frame = pk.frame;
		mp.bytes = pk.ip.pl_wire;
		mp.af = pk.ip.af;
		mp.src = pk.ip.src;
		mp.dst = pk.ip.dst;
		mp.sport = pk.sport;
		mp.dport = pk.dport;
		mp.tcp = pk.kind == CT_DK_TCP;
		mp.tcp_flags = pk.tcp.flags;
		mp.tcp_len = mp.tcp ? pk.app_wire : 0;
		mp.dst_group = is_group_addr(pk.ip.af, pk.ip.dst);
		if (im && im->status == 0) {
			mp.mode = im->m.mode;
			mp.opts = im->m.opts;
			mp.packetno = im->m.packetno;
			mp.has_ref = im->has_ref;
			mp.ref = im->ref;
			mp.has_next = im->has_next;
			mp.next = im->next;
		} else {
			mp.mode = mp.tcp ? CT_MATCH_TCP_DATA : CT_MATCH_MALFORMED;
		}
		ct_match_packet(s->match, &mp, &mr, on_unans, s);
		mrp = &mr;
	}
	if (pk.kind == CT_DK_ICMP && !pk.fwd_of && pk.icmp.is_error && pk.icmp.has_quote && pk.icmp.q_ports) {
		ct_match_icmp(s->match, ts_ns, pk.frame, pk.icmp.q_af, pk.icmp.q_src, pk.icmp.q_dst, pk.icmp.q_proto,
			pk.icmp.q_sport, pk.icmp.q_dport, &mr, on_unans, s);
		mrp = &mr;
	}
	if (!s->quiet)
		so_packet(&s->out, &pk, im, mrp, rs);
	if (s->w)
		ct_pcapw_write(s->w, pkt);
}

static void print_counters(struct sniff *s)
{
	so_peers(&s->out, s->match, s->last_ts_ns / 1000000000);
	if (s->rtp.n)
		so_rtp_streams(&s->out, &s->rtp);
}

static void summary(struct sniff *s, const struct ct_capture_stats *st, int live)
{
	struct sniff_out *o = &s->out;
	uint64_t total = 0;

	for (int k = 0; k <= CT_DK_OTHER; k++)
		total += s->kinds[k];
	if (o->json) {
		so_puts(o, "{\"type\":\"summary\",\"packets\":");
		so_put_u64(o, total);
		so_puts(o, ",\"by_kind\":{");
		for (int k = 0; k <= CT_DK_OTHER; k++) {
			so_jkey(o, ct_dkind_name((enum ct_dkind)k), k == 0);
			so_put_u64(o, s->kinds[k]);
		}
		so_puts(o, "},\"ipmsg_malformed\":");
		so_put_u64(o, s->ipmsg_bad);
		so_puts(o, ",\"unanswered\":");
		so_put_u64(o, s->unanswered);
		so_puts(o, ",\"peers\":");
		so_put_u64(o, ct_match_peer_count(s->match));
		so_puts(o, ",\"rtp_streams\":");
		so_put_u64(o, s->rtp.n);
		so_puts(o, ",\"live\":");
		so_puts(o, live ? "true" : "false");
		so_puts(o, ",\"kernel_received\":");
		so_put_u64(o, st->received);
		so_puts(o, ",\"kernel_dropped\":");
		so_put_u64(o, st->dropped);
		so_puts(o, ",\"interface_dropped\":");
		so_put_u64(o, st->if_dropped);
		so_put(o, "}\n", 2);
	} else {
		so_puts(o, "--- ");
		so_put_u64(o, total);
		so_puts(o, " packets:");
		for (int k = 0; k <= CT_DK_OTHER; k++) {
			if (!s->kinds[k])
				continue;
			so_put(o, " ", 1);
			so_puts(o, ct_dkind_name((enum ct_dkind)k));
			so_put(o, " ", 1);
			so_put_u64(o, s->kinds[k]);
		}
		so_puts(o, "; IPMsg malformed ");
		so_put_u64(o, s->ipmsg_bad);
		so_puts(o, "; unanswered requests ");
		so_put_u64(o, s->unanswered);
		if (live) {
			so_puts(o, "; kernel dropped ");
			so_put_u64(o, st->dropped);
			so_puts(o, ", interface dropped ");
			so_put_u64(o, st->if_dropped);
		}
		so_put(o, "\n", 1);
	}
	so_flush(o, 1);
}

/* Reads until the end of the file, the count, the duration or a signal. */
static int run_offline(struct sniff *s)
{
	struct ct_pkt pkt;
	uint64_t n = 0, deadline = s->duration > 0 ? ct_mono_ns() + (uint64_t)(s->duration * 1e9) : 0;
	int r;

	while (!got_stop && (!s->count || n < s->count)) {
		r = ct_capture_next(s->cap, &pkt);
		if (r != 1)
			return r == CT_ECLOSED || r == 0 ? 0 : r;
		handle(s, &pkt);
		n++;
		if (got_usr1) {
			got_usr1 = 0;
			print_counters(s);
		}
		if (deadline && (n & 1023) == 0 && ct_mono_ns() >= deadline)
			break;
	}
	return 0;
}

static int run_live(struct sniff *s)
{
	struct pollfd pfd[2];
	struct ct_pkt pkt;
	uint64_t n = 0, deadline = s->duration > 0 ? ct_mono_ns() + (uint64_t)(s->duration * 1e9) : 0;
	int nfd = 1, key = isatty(STDIN_FILENO) && !s->cli->json, r;

	pfd[0].fd = ct_capture_fd(s->cap);
	pfd[0].events = POLLIN;
	if (key) {
		pfd[1].fd = STDIN_FILENO;
		pfd[1].events = POLLIN;
		nfd = 2;
	}
	while (!got_stop && (!s->count || n < s->count)) {
		uint64_t now = ct_mono_ns();
		int wait = 200;
		if (deadline) {
			if (now >= deadline)
				break;
			if ((deadline - now) / 1000000 < (uint64_t)wait)
				wait = (int)((deadline - now) / 1000000) + 1;
		}
		r = poll(pfd, (nfds_t)nfd, wait);
		if (r < 0 && errno != EINTR)
			return CT_ESYS;
		while (!got_stop && (!s->count || n < s->count) && (r = ct_capture_next(s->cap, &pkt)) == 1) {
			handle(s, &pkt);
			n++;
		}
		if (r < 0 && r != CT_ECLOSED)
			return r;
		if (nfd == 2 && r >= 0 && (pfd[1].revents & POLLIN)) {
			char buf[64];
			if (read(STDIN_FILENO, buf, sizeof buf) <= 0)
				nfd = 1;
			else
				got_usr1 = 1;
		}
		if (got_usr1) {
			got_usr1 = 0;
			print_counters(s);
		}
		/* requests time out on the capture clock, advanced by the monotonic clock since the last packet */
		if (s->last_ts_ns)
			ct_match_expire(s->match, s->last_ts_ns + (int64_t)(ct_mono_ns() - s->last_mono_ns), on_unans, s);
		so_flush(&s->out, 1);
	}
	return 0;
}

/* The command line's options. */
struct sniff_opts {
	const char *rfile, *wfile, *iface, *user;
	int count;
	double duration, answer_timeout;
	struct ct_port_range rtp;
	int rtp_clock;
	int no_default_filter;
};

static void sniff_init(struct sniff *s, struct ct_cli *cli, const struct sniff_opts *o)
{
	memset(s, 0, sizeof *s);
	s->cli = cli;
	s->rfile = o->rfile;
	s->wfile = o->wfile;
	s->iface = o->iface ? o->iface : cli->iface;
	s->user = o->user;
	s->count = (uint64_t)o->count;
	s->duration = o->duration;
	s->answer_timeout = o->answer_timeout;
	s->rtp_lo = o->rtp.lo;
	s->rtp_hi = o->rtp.hi;
	s->rtp_clock = (uint32_t)o->rtp_clock;
	s->no_default_filter = o->no_default_filter;
	s->quiet = cli->quiet;
	ct_sbuf_init(&s->filter);
	if (cli->timeout > 0 && s->duration == 0)
		s->duration = cli->timeout;
}

/* Opens the capture (before the privileges go) and the output file (after). Returns 0 or the
 * exit code, with the message printed. */
static int sniff_open(struct sniff *s)
{
	/* nonblocking: with immediate mode a blocking read may wait forever on a quiet link */
	struct ct_capture_opts live_opts = { .nonblock = 1, .buffer_kib = 4096 };
	char err[512] = "";
	int r;

	if (s->rfile)
		r = ct_capture_open_file(&s->cap, s->rfile, s->filter.p, err, sizeof err);
	else
		r = ct_capture_open_live(&s->cap, s->iface, s->filter.p, &live_opts, err, sizeof err);
	if (r != 0) {
		out_err(s->cli, "sniff", "%s", err);
		return r == CT_EINVAL ? CT_EXIT_USAGE : r == CT_EPERM ? EX_NOPERM :
			r == CT_ENOTFOUND ? EX_NOINPUT : r == CT_EFORMAT ? EX_DATAERR : EX_UNAVAILABLE;
	}
	/* privileges go before any file is created */
	if ((r = drop_privileges(s->user, err, sizeof err)) != 0) {
		out_err(s->cli, "sniff", "%s", err);
		return EX_NOPERM;
	}
	if (s->wfile && ct_pcapw_open_for(&s->w, s->wfile, s->cap, err, sizeof err) != 0) {
		out_err(s->cli, "sniff", "%s (privileges are dropped before the file is created: choose a directory "
			"the sudo user or nobody can write, or -Z root)", err);
		return EX_CANTCREAT;
	}
	return 0;
}

/* The first NDJSON line (--json) or the note on stderr that a live capture started. */
static void sniff_start(struct sniff *s)
{
	const char *src = s->rfile ? s->rfile : (s->iface && s->iface[0]) ? s->iface : "any";
	const char *lt = ct_capture_linktype_name(ct_capture_linktype(s->cap));

	if (s->cli->json) {
		so_puts(&s->out, "{\"type\":\"start\",\"schema_version\":");
		so_put_u64(&s->out, CT_SCHEMA_VERSION);
		so_puts(&s->out, ",\"command\":\"sniff\",\"source\":");
		so_put_jstr(&s->out, src, strlen(src));
		so_puts(&s->out, ",\"live\":");
		so_puts(&s->out, s->rfile ? "false" : "true");
		so_puts(&s->out, ",\"link_type\":");
		so_put_jstr(&s->out, lt, strlen(lt));
		so_puts(&s->out, ",\"filter\":");
		so_put_jstr(&s->out, s->filter.p ? s->filter.p : "", s->filter.len);
		so_puts(&s->out, ",\"answer_timeout_s\":");
		so_put_fixed(&s->out, s->answer_timeout, 3);
		so_put(&s->out, "}\n", 2);
	}
	if (!s->rfile && !s->cli->quiet) {
		fprintf(stderr, "camtrace sniff: capturing on %s (%s)%s\n", (s->iface && s->iface[0]) ? s->iface :
			"every interface", lt, isatty(STDIN_FILENO) ? "; press Enter for the per-peer counters, Ctrl-C to stop" : "");
	}
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	got_stop = got_usr1 = 0;
}

/* After the capture: the summary, the counters, the drop warning; the pcap file closed. */
static int sniff_finish(struct sniff *s, int rc)
{
	struct ct_capture_stats st;
	struct ct_cli *cli = s->cli;

	ct_match_flush(s->match, s->last_ts_ns, on_unans, s);
	ct_capture_stats(s->cap, &st);
	summary(s, &st, !s->rfile);
	print_counters(s);
	if (!s->rfile && st.dropped + st.if_dropped > 0)
		out_err(cli, "sniff", "%llu packets were dropped by the kernel and %llu by the interface: the trace "
			"is incomplete (a narrower filter, -w to a file, or -q helps keep up)",
			(unsigned long long)st.dropped, (unsigned long long)st.if_dropped);
	if (s->w && ct_pcapw_close(s->w) != 0) {
		out_err(cli, "sniff", "writing %s failed (disk full?)", s->wfile);
		rc = EX_IOERR;
	}
	s->w = NULL;
	so_fini(&s->out);
	if (s->out.write_error && s->out.write_error != EPIPE)
		rc = EX_IOERR;
	return rc;
}

static int sniff_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	struct sniff s;
	int r, rc = CT_EXIT_OK;

	sniff_init(&s, cli, opts);
	build_filter(&s, argc, argv);
	if (s.filter.err) {
		out_err(cli, "sniff", "out of memory");
		ct_sbuf_fini(&s.filter);
		return EX_OSERR;
	}
	if ((rc = sniff_open(&s)) != 0)
		goto done;

	ct_decoder_init(&s.dec);
	s.dec.rtp_lo = s.rtp_lo;
	s.dec.rtp_hi = s.rtp_hi;
	ct_dipmsg_init(&s.ipm);
	if (ct_rtpstat_init(&s.rtp, 4096, s.rtp_clock) != 0 ||
	    ct_match_new(&s.match, (int64_t)(s.answer_timeout * 1e9), 16384) != 0) {
		out_err(cli, "sniff", "out of memory");
		rc = EX_OSERR;
		goto done;
	}
	so_init(&s.out, STDOUT_FILENO, cli->json);
	sniff_start(&s);
	catch_signals();

	r = s.rfile ? run_offline(&s) : run_live(&s);
	if (r != 0) {
		so_flush(&s.out, 1);
		out_err(cli, "sniff", "%s", ct_capture_error(s.cap)[0] ? ct_capture_error(s.cap) : ct_strerror(r));
		rc = EX_IOERR;
	}
	rc = sniff_finish(&s, rc);
done:
	ct_match_free(s.match);
	ct_rtpstat_fini(&s.rtp);
	ct_dipmsg_fini(&s.ipm);
	ct_decoder_fini(&s.dec);
	ct_pcapw_close(s.w);
	ct_capture_close(s.cap);
	ct_sbuf_fini(&s.filter);
	return rc;
}

static const char *const sniff_users[] = { "root", NULL };

#define O(f) offsetof(struct sniff_opts, f)
static const struct cmd_opt sniff_opts[] = {
	{ "read", 'r', CMD_OPT_STRING, O(rfile), .arg = "FILE",
	  .help = "read a pcap/pcapng file instead of capturing ('-' = stdin)" },
	{ "write", 'w', CMD_OPT_STRING, O(wfile), .arg = "FILE",
	  .help = "also write the packets to a pcap file (after dropping privileges)" },
	{ "count", 'c', CMD_OPT_INT, O(count), 1, 2147483647, .help = "stop after N packets" },
	{ "duration", 'd', CMD_OPT_SECONDS, O(duration), 0.001, 86400.0 * 366,
	  .help = "stop after this long (also --timeout)" },
	{ NULL, 'i', CMD_OPT_STRING, O(iface), .arg = "IFNAME",
	  .help = "capture on one interface (default: every interface; also --interface)" },
	{ "answer-timeout", 't', CMD_OPT_SECONDS, O(answer_timeout), 0.001, 3600, .arg = "S",
	  .help = "flag requests without an answer after S seconds (default 2.0)" },
	{ "rtp-ports", 'R', CMD_OPT_PORTS, O(rtp), .arg = "LO-HI", .help = "the RTP port range (default 22224-22227)" },
	{ "rtp-clock", 'C', CMD_OPT_INT, O(rtp_clock), 1000, 192000, .arg = "HZ",
	  .help = "RTP clock for dynamic payload types (default 8000)" },
	{ NULL, 'Z', CMD_OPT_ENUM, O(user), .choices = sniff_users,
	  .help = "keep root (default: drop to the sudo user or nobody once the capture is open)" },
	{ "no-default-filter", 'A', CMD_OPT_FLAG, O(no_default_filter), .help = "use only the given filter expression" },
	{ .type = CMD_OPT_TEXT, .arg = "filter expression",
	  .help = "pcap-filter(7) words, added to the default filter with 'and'\n(its first word ends the options)" },
	{ .type = CMD_OPT_TEXT, .arg = "-q", .help = "no per-packet lines: only unanswered requests and counters" },
	{ .type = CMD_OPT_TEXT, .arg = "--json", .help = "NDJSON: one object per line (see camtrace(1))" },
	{ 0 },
};

static const struct sniff_opts sniff_defaults = {
	.answer_timeout = 2.0, .rtp = { CT_RTP_PORT_LO, CT_RTP_PORT_HI },
};

const struct cmd_entry cmd_sniff_entry = {
	.name = "sniff",
	.args = "[-r file] [-w file] [-c count] [-d seconds] [-i ifname] [options] [filter expression]",
	.summary = "trace IP Messenger, RTP and ICMP traffic: decode, match answers, count per peer",
	.help = "  SIGUSR1 (or Enter on a terminal) prints the per-peer counters at once.\n",
	.flags = CMD_F_NEEDS_ROOT | CMD_F_ARGS_END_OPTS,
	.opts = sniff_opts,
	.opts_size = sizeof(struct sniff_opts),
	.opts_defaults = &sniff_defaults,
	.arg_name = "filter word",
	.args_max = -1,
	.exec = sniff_exec,
};
