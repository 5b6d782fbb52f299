/* cmd-sniff.c: `camtrace sniff`: the packet trace: capture or read pcap, decode, match, count, write pcap. */
#include "config.h"
#include <sys/socket.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "capture.h"
#include "clock.h"
#include "cmd.h"
#include "err.h"
#include "out.h"
#include "privs.h"
#include "render.h"
#include "trace.h"
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
	struct ct_trace tr;      /* decode, match, count (the engine's pipeline) */
	struct ct_render out;
	uint64_t last_mono_ns;   /* monotonic time when the last packet was seen */
};

static volatile sig_atomic_t got_stop, got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

static int parse_rtp_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');
	uint32_t a, b;

	if (dash) {
		if (ct_parse_u32(s, (size_t)(dash - s), 10, &a) || ct_parse_u32(dash + 1, strlen(dash + 1), 10, &b))
			return -1;
	} else {
		if (ct_parse_u32(s, strlen(s), 10, &a))
			return -1;
		b = a;
	}
	if (a < 1 || b > 65535 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int parse_seconds(const char *s, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0) || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Drops root (privs.c: to SUDO_UID or nobody, every capability) before any file is created,
 * unless -Z root asked to keep it. */
static int drop_privileges(const char *user, char *err, size_t errlen)
{
	if (user && strcmp(user, "root") == 0)
		return 0;
	return ct_privs_drop(err, errlen);
}

static void on_unans(const struct ct_unans *u, void *ud)
{
	struct sniff *s = ud;

	ct_render_unanswered(&s->out, u);
}

static void handle(struct sniff *s, const struct ct_pkt *pkt)
{
	struct ct_trace_rec rec;

	ct_trace_frame(&s->tr, pkt, &rec);
	if (!s->rfile)
		s->last_mono_ns = ct_mono_ns();
	if (!s->quiet)
		ct_render_packet(&s->out, &rec.pk, rec.im, rec.mr, rec.rs);
	if (s->w)
		ct_pcapw_write(s->w, pkt);
}

static void print_counters(struct sniff *s)
{
	ct_render_peers(&s->out, s->tr.match, s->tr.last_ts_ns / 1000000000);
	if (s->tr.rtp.n)
		ct_render_rtp_streams(&s->out, &s->tr.rtp);
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
		if (s->tr.last_ts_ns)
			ct_trace_expire(&s->tr, s->tr.last_ts_ns + (int64_t)(ct_mono_ns() - s->last_mono_ns));
		ct_out_flush(&s->out.out, 1);
	}
	return 0;
}

static const struct option longopts[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "write", required_argument, NULL, 'w' },
	{ "count", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, 'd' },
	{ "interface", required_argument, NULL, 'i' },
	{ "answer-timeout", required_argument, NULL, 't' },
	{ "rtp-ports", required_argument, NULL, 'R' },
	{ "rtp-clock", required_argument, NULL, 'C' },
	{ "user", required_argument, NULL, 'Z' },
	{ "no-default-filter", no_argument, NULL, 'A' },
	{ NULL, 0, NULL, 0 },
};

static int sniff_exec(struct ct_cli *cli, int argc, char **argv)
{
	struct sniff s;
	struct ct_capture_stats st;
	char err[512] = "";
	uint32_t u;
	int c, r, rc = CT_EXIT_OK;
	struct sigaction sa;
	/* nonblocking: with immediate mode a blocking read may wait forever on a quiet link */
	struct ct_capture_opts live_opts = { .nonblock = 1, .buffer_kib = 4096 };

	memset(&s, 0, sizeof s);
	s.cli = cli;
	s.iface = cli->iface;
	s.answer_timeout = 2.0;
	s.rtp_lo = CT_RTP_DEFAULT_LO;
	s.rtp_hi = CT_RTP_DEFAULT_HI;
	s.quiet = cli->quiet;
	ct_sbuf_init(&s.filter);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:w:c:d:i:t:R:C:Z:A", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': s.rfile = optarg; break;
		case 'w': s.wfile = optarg; break;
		case 'i': s.iface = optarg; break;
		case 'Z':
			if (strcmp(optarg, "root") != 0) {
				out_err(cli, "sniff", "-Z takes only 'root' (keep root); otherwise privileges go to "
					"the sudo user or nobody");
				return CT_EXIT_USAGE;
			}
			s.user = optarg;
			break;
		case 'A': s.no_default_filter = 1; break;
		case 'c':
			if (ct_parse_u32(optarg, strlen(optarg), 10, &u) || u == 0) {
				out_err(cli, "sniff", "-c wants a packet count of at least 1, not '%s'", optarg);
				return CT_EXIT_USAGE;
			}
			s.count = u;
			break;
		case 'd':
			if (parse_seconds(optarg, 86400 * 366, &s.duration)) {
				out_err(cli, "sniff", "-d wants a duration in seconds, not '%s'", optarg);
				return CT_EXIT_USAGE;
			}
			break;
		case 't':
			if (parse_seconds(optarg, 3600, &s.answer_timeout)) {
				out_err(cli, "sniff", "--answer-timeout wants seconds (0 < t <= 3600), not '%s'", optarg);
				return CT_EXIT_USAGE;
			}
			break;
		case 'R':
			if (parse_rtp_range(optarg, &s.rtp_lo, &s.rtp_hi)) {
				out_err(cli, "sniff", "--rtp-ports wants LOW-HIGH (e.g. 22224-22227), not '%s'", optarg);
				return CT_EXIT_USAGE;
			}
			break;
		case 'C':
			if (ct_parse_u32(optarg, strlen(optarg), 10, &u) || u < 1000 || u > 192000) {
				out_err(cli, "sniff", "--rtp-clock wants a clock rate in Hz (1000-192000), not '%s'", optarg);
				return CT_EXIT_USAGE;
			}
			s.rtp_clock = u;
			break;
		default:
			out_err(cli, "sniff", "unknown option '%s': see 'camtrace help sniff'", argv[optind - 1]);
			return CT_EXIT_USAGE;
		}
	}
	if (cli->timeout > 0 && s.duration == 0)
		s.duration = cli->timeout;
	ct_trace_filter(&s.filter, s.rtp_lo, s.rtp_hi, s.no_default_filter, argc - optind, argv + optind);
	if (s.filter.err) {
		out_err(cli, "sniff", "out of memory");
		return EX_OSERR;
	}

	if (s.rfile)
		r = ct_capture_open_file(&s.cap, s.rfile, s.filter.p, err, sizeof err);
	else
		r = ct_capture_open_live(&s.cap, s.iface, s.filter.p, &live_opts, err, sizeof err);
	if (r != 0) {
		out_err(cli, "sniff", "%s", err);
		ct_sbuf_fini(&s.filter);
		return r == CT_EINVAL ? CT_EXIT_USAGE : r == CT_EPERM ? EX_NOPERM :
			r == CT_ENOTFOUND ? EX_NOINPUT : r == CT_EFORMAT ? EX_DATAERR : EX_UNAVAILABLE;
	}
	/* privileges go before any file is created */
	if ((r = drop_privileges(s.user, err, sizeof err)) != 0) {
		out_err(cli, "sniff", "%s", err);
		ct_capture_close(s.cap);
		ct_sbuf_fini(&s.filter);
		return EX_NOPERM;
	}
	if (s.wfile && ct_pcapw_open_for(&s.w, s.wfile, s.cap, err, sizeof err) != 0) {
		out_err(cli, "sniff", "%s (privileges are dropped before the file is created: choose a directory "
			"the sudo user or nobody can write, or -Z root)", err);
		ct_capture_close(s.cap);
		ct_sbuf_fini(&s.filter);
		return EX_CANTCREAT;
	}

	{
		struct ct_trace_opts to = { .rtp_lo = s.rtp_lo, .rtp_hi = s.rtp_hi, .rtp_clock = s.rtp_clock,
			.answer_timeout_s = s.answer_timeout };
		if (ct_trace_init(&s.tr, &to, on_unans, &s) != 0) {
			out_err(cli, "sniff", "out of memory");
			rc = EX_OSERR;
			goto done;
		}
	}
	ct_render_init(&s.out, STDOUT_FILENO, cli->json);
	{
		const char *src = s.rfile ? s.rfile : (s.iface && s.iface[0]) ? s.iface : "any";
		struct ct_render_start start = { .schema_version = CT_SCHEMA_VERSION, .command = "sniff", .source = src,
			.live = !s.rfile, .link_type = ct_capture_linktype_name(ct_capture_linktype(s.cap)),
			.filter = s.filter.p, .answer_timeout_s = s.answer_timeout };
		ct_render_start(&s.out, &start);
	}
	if (!s.rfile && !cli->quiet) {
		fprintf(stderr, "camtrace sniff: capturing on %s (%s)%s\n", (s.iface && s.iface[0]) ? s.iface : "every interface",
			ct_capture_linktype_name(ct_capture_linktype(s.cap)),
			isatty(STDIN_FILENO) ? "; press Enter for the per-peer counters, Ctrl-C to stop" : "");
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	got_stop = got_usr1 = 0;

	r = s.rfile ? run_offline(&s) : run_live(&s);
	if (r != 0) {
		ct_out_flush(&s.out.out, 1);
		out_err(cli, "sniff", "%s", ct_capture_error(s.cap)[0] ? ct_capture_error(s.cap) : ct_strerror(r));
		rc = EX_IOERR;
	}
	ct_trace_flush(&s.tr);
	ct_capture_stats(s.cap, &st);
	ct_render_summary(&s.out, &s.tr, &st, !s.rfile);
	print_counters(&s);
	if (!s.rfile && st.dropped + st.if_dropped > 0)
		out_err(cli, "sniff", "%llu packets were dropped by the kernel and %llu by the interface: the trace "
			"is incomplete (a narrower filter, -w to a file, or -q helps keep up)",
			(unsigned long long)st.dropped, (unsigned long long)st.if_dropped);
	if (s.w && ct_pcapw_close(s.w) != 0) {
		out_err(cli, "sniff", "writing %s failed (disk full?)", s.wfile);
		rc = EX_IOERR;
	}
	s.w = NULL;
	ct_render_fini(&s.out);
	if (s.out.out.write_error && s.out.out.write_error != EPIPE)
		rc = EX_IOERR;
done:
	ct_trace_fini(&s.tr);
	ct_pcapw_close(s.w);
	ct_capture_close(s.cap);
	ct_sbuf_fini(&s.filter);
	return rc;
}

const struct cmd_entry cmd_sniff_entry = {
	.name = "sniff",
	.args = "[-r file] [-w file] [-c count] [-d seconds] [-i ifname] [options] [filter expression]",
	.summary = "trace IP Messenger, RTP and ICMP traffic: decode, match answers, count per peer",
	.help =
	"  -r, --read FILE         read a pcap/pcapng file instead of capturing ('-' = stdin)\n"
	"  -w, --write FILE        also write the packets to a pcap file (after dropping privileges)\n"
	"  -c, --count N           stop after N packets\n"
	"  -d, --duration SECONDS  stop after this long (also --timeout)\n"
	"  -i, --interface IFNAME  capture on one interface (default: every interface)\n"
	"  -t, --answer-timeout S  flag requests without an answer after S seconds (default 2.0)\n"
	"  -R, --rtp-ports LO-HI   the RTP port range (default 22224-22227)\n"
	"  -C, --rtp-clock HZ      RTP clock for dynamic payload types (default 8000)\n"
	"  -Z root                 keep root (default: drop to the sudo user or nobody once the capture is open)\n"
	"  -A, --no-default-filter use only the given filter expression\n"
	"  filter expression       pcap-filter(7) words, added to the default filter with 'and'\n"
	"  -q                      no per-packet lines: only unanswered requests and counters\n"
	"  --json                  NDJSON: one object per line (see camtrace(1))\n"
	"  SIGUSR1 (or Enter on a terminal) prints the per-peer counters at once.\n",
	.flags = CMD_F_NEEDS_ROOT,
	.exec = sniff_exec,
};
