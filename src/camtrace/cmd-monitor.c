/* cmd-monitor.c: `camtrace monitor`: the live dashboard (the curses screen on a terminal, a timestamped line or NDJSON stream otherwise) over camtraced's events, UDP 2425, the capture or a replayed pcap. */
#include "config.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "ctlcli.h"
#include "err.h"
#include "mon-app.h"
#include "out.h"

struct monitor_opts {
	int count;
	double duration, interval, lost_after;
	const char *replay, *user, *scan;
	int no_daemon, no_capture, no_listen, packets, stream, no_color, compact;
};

static const char *const monitor_users[] = { "root", NULL };

/* Where the data comes from, said once at the start of the stream (stderr: the stream stays
 * the events alone). */
static void say_start(struct mon_app *a)
{
	if (!a->cli->quiet)
		fprintf(stderr, "camtrace monitor: %s\n", mon_src_describe(a->src));
}

static int open_error(struct ct_cli *cli, int r, const char *err)
{
	int rc = r == CT_ENOTFOUND ? EX_NOINPUT : r == CT_EFORMAT ? EX_DATAERR : r == CT_ENOMEM ? EX_OSERR :
		r == CT_EPERM ? EX_NOPERM : EX_NOINPUT;

	return out_fail(cli, "monitor", NULL, rc == EX_DATAERR ? "bad_capture" : rc == EX_OSERR ? "no_memory" :
		"no_input", rc, err);
}

static int monitor_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	const struct monitor_opts *o = opts;
	struct mon_src_opts so = { 0 };
	struct mon_app a = { 0 };
	const char *nc = getenv("NO_COLOR");
	char err[512] = "";
	int r, rc, screen = cli->tty && !cli->json && !o->stream;

	(void)argc;
	(void)argv;
	if (screen && !mon_ui_run)
		return out_fail(cli, "monitor", NULL, "no_screen", EX_UNAVAILABLE, "the screen needs ncursesw (this "
			"camtrace was built without it): pipe the output for the line stream, or use --stream");
	a.cli = cli;
	a.color = cli->tty && !(nc && nc[0]) && !o->no_color;
	a.compact = o->compact;
	a.interval_s = o->interval;
	a.json = cli->json;
	a.packets = o->packets || o->replay;
	a.count = (uint64_t)o->count;
	a.duration = o->duration > 0 ? o->duration : cli->timeout;
	if (!(a.model = mon_model_new()) || ct_evloop_new(&a.ev) != 0) {
		mon_model_free(a.model);
		return out_fail(cli, "monitor", NULL, "no_memory", EX_OSERR, "out of memory");
	}
	mon_model_vs(a.model)->compact = o->compact;
	so.ctl = ctlcli_path(cli);
	so.no_daemon = o->no_daemon;
	so.no_capture = o->no_capture || (!screen && !o->packets);
	so.no_listen = o->no_listen;
	so.replay = o->replay;
	so.iface = cli->iface;
	so.interval_s = o->interval;
	so.lost_after_s = o->lost_after;
	so.self = cli->argv0;
	so.keep_root = o->user != NULL;
	so.probes = screen;
	so.scan = o->scan;
	/* the stream hears every event from the first one: listen before the sources start */
	if ((r = mon_src_open(&a.src, a.model, a.ev, &so, err, sizeof err)) != 0) {
		rc = open_error(cli, r, err);
		goto done;
	}
	if (screen)
		rc = mon_ui_run(&a);
	else {
		say_start(&a);
		rc = mon_stream_run(&a, STDOUT_FILENO);
	}
done:
	mon_src_close(a.src);
	ct_evloop_free(a.ev);
	mon_model_free(a.model);
	return rc;
}

#define O(f) offsetof(struct monitor_opts, f)
static const struct cmd_opt monitor_opts[] = {
	{ "count", 'c', CMD_OPT_INT, O(count), 1, 2147483647, .help = "stream: stop after N lines" },
	{ "duration", 'd', CMD_OPT_SECONDS, O(duration), 0.001, 86400.0 * 366,
	  .help = "stop after this long (also --timeout)" },
	{ "replay", 'r', CMD_OPT_STRING, O(replay), .arg = "FILE",
	  .help = "drive the packet and host views from a pcap/pcapng file instead of the network" },
	{ "scan", 0, CMD_OPT_STRING, O(scan), .arg = "RANGE",
	  .help = "without camtraced: search RANGE from UDP 2425 first (as camtrace scan)" },
	{ "interval", 0, CMD_OPT_SECONDS, O(interval), 0.1, 3600, .arg = "S",
	  .help = "probe and poll interval (default 2 s; the screen's i changes it)" },
	{ "lost-after", 0, CMD_OPT_SECONDS, O(lost_after), 1, 86400, .arg = "S",
	  .help = "without camtraced: a host not heard for S seconds is lost (default 600)" },
	{ "no-daemon", 0, CMD_OPT_FLAG, O(no_daemon), .help = "do not ask camtraced; listen on UDP 2425 instead" },
	{ "no-listen", 0, CMD_OPT_FLAG, O(no_listen), .help = "without camtraced: do not listen on UDP 2425" },
	{ "no-capture", 0, CMD_OPT_FLAG, O(no_capture), .help = "no live capture (no packet view)" },
	{ "packets", 'p', CMD_OPT_FLAG, O(packets),
	  .help = "stream: the packet lines too (they need the capture: root)" },
	{ "stream", 0, CMD_OPT_FLAG, O(stream), .help = "the line stream even on a terminal" },
	{ "compact", 0, CMD_OPT_FLAG, O(compact), .help = "screen: no key legend, fewer columns" },
	{ "no-color", 0, CMD_OPT_FLAG, O(no_color), .help = "screen: no colour (also NO_COLOR)" },
	{ NULL, 'Z', CMD_OPT_ENUM, O(user), .choices = monitor_users,
	  .help = "keep root (default: drop to the sudo user or nobody once the capture is open)" },
	{ .type = CMD_OPT_TEXT, .arg = "--json", .help = "stream: NDJSON, one event object per line (see camtrace(1))" },
	{ 0 },
};

static const struct monitor_opts monitor_defaults = { .interval = 2.0, .lost_after = 600 };

const struct cmd_entry cmd_monitor_entry = {
	.name = "monitor",
	.args = "[-r file] [-c count] [-d seconds] [--json] [options]",
	.summary = "live dashboard: hosts, segments, packets and events (a line stream when not on a terminal)",
	.help = "  On a terminal: the screen (? lists the keys). Otherwise one line per event, each with\n"
		"  its UTC time, or NDJSON with --json; the first line on stderr says where the data\n"
		"  comes from. Exit: 0, 66 replay file missing, 65 not a capture, 69 no screen.\n",
	.flags = CMD_F_NEEDS_ROOT | CMD_F_DAEMON,
	.opts = monitor_opts,
	.opts_size = sizeof(struct monitor_opts),
	.opts_defaults = &monitor_defaults,
	.arg_name = "argument",
	.args_max = 0,
	.exec = monitor_exec,
};
