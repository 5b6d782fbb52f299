/* cmd-sniff.c: `camtrace sniff`: the packet trace: capture or read pcap, decode, match, count, write pcap. */
#include "config.h"
#include <sys/socket.h>
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
#include "err.h"
#include "out.h"
#include "privs.h"
#include "rtp.h"
#include "render.h"
#include "trace.h"
#include "util.h"

struct sniff {
	struct ct_cli *cli;
	const char *rfile, *wfile, *iface, *user;
	uint64_t count;          /* stop after this many packets (0 = no limit) */
	double duration;         /* stop after this many seconds (0 = no limit) */
	double answer_timeout, stall_timeout;
	uint16_t rtp_lo, rtp_hi;
	int default_only;        /* the filter is ct_trace_filter's default alone (no words given) */
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

/* The command line's options. */
struct sniff_opts {
	const char *rfile, *wfile, *iface, *user;
	int count;
	double duration, answer_timeout, stall_timeout;
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
	s->stall_timeout = o->stall_timeout;
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

	if (s->rfile) {
		r = ct_capture_open_file(&s->cap, s->rfile, s->filter.p, err, sizeof err);
		if (r == 0 && s->default_only) /* it accepts all of UDP 2425: no BPF run for those */
			ct_capture_set_fast_accept(s->cap, CT_IPMSG_PORT);
	} else
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
	struct ct_render_start st = { .schema_version = CT_SCHEMA_VERSION, .command = "sniff", .source = src,
		.live = !s->rfile, .link_type = lt, .filter = s->filter.p, .answer_timeout_s = s->answer_timeout,
		.stall_timeout_s = s->stall_timeout };

	ct_render_start(&s->out, &st);
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

	ct_trace_flush(&s->tr);
	ct_capture_stats(s->cap, &st);
	ct_render_summary(&s->out, &s->tr, &st, !s->rfile);
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
	ct_render_fini(&s->out);
	if (s->out.out.write_error && s->out.out.write_error != EPIPE)
		rc = EX_IOERR;
	return rc;
}

static int sniff_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	struct sniff s;
	int r, rc = CT_EXIT_OK;

	sniff_init(&s, cli, opts);
	ct_trace_filter(&s.filter, s.rtp_lo, s.rtp_hi, s.no_default_filter, argc, argv);
	s.default_only = !s.no_default_filter && argc == 0;
	if (s.filter.err) {
		out_err(cli, "sniff", "out of memory");
		ct_sbuf_fini(&s.filter);
		return EX_OSERR;
	}
	if ((rc = sniff_open(&s)) != 0)
		goto done;

	{
		struct ct_trace_opts to = { .rtp_lo = s.rtp_lo, .rtp_hi = s.rtp_hi, .rtp_clock = s.rtp_clock,
			.answer_timeout_s = s.answer_timeout, .stall_timeout_s = s.stall_timeout };
		if (ct_trace_init(&s.tr, &to, on_unans, &s) != 0) {
			out_err(cli, "sniff", "out of memory");
			rc = EX_OSERR;
			goto done;
		}
	}
	ct_render_init(&s.out, STDOUT_FILENO, cli->json);
	sniff_start(&s);
	catch_signals();

	r = s.rfile ? run_offline(&s) : run_live(&s);
	if (r != 0) {
		ct_out_flush(&s.out.out, 1);
		out_err(cli, "sniff", "%s", ct_capture_error(s.cap)[0] ? ct_capture_error(s.cap) : ct_strerror(r));
		rc = EX_IOERR;
	}
	rc = sniff_finish(&s, rc);
done:
	ct_trace_fini(&s.tr);
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
	{ "stall-timeout", 0, CMD_OPT_SECONDS, O(stall_timeout), 0.001, 3600, .arg = "S",
	  .help = "flag a file transfer whose data stops for S seconds (default 5.0)" },
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
	.answer_timeout = 2.0, .stall_timeout = 5.0, .rtp = { CT_RTP_DEFAULT_LO, CT_RTP_DEFAULT_HI },
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
