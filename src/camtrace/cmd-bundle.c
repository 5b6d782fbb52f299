/* cmd-bundle.c: `camtrace bundle`: one tar.gz bug report (manifest, versions, system facts,
 * daemon state, log, redacted config, doctor report, capture), listing what is missing and why. */
#include "config.h"
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include "bundle.h"
#include "cmd.h"
#include "err.h"
#include "json.h"
#include "out.h"
#include "sysfacts.h"
#include "tarball.h"
#include "util.h"
#include "version.h"

#define MANIFEST_SCHEMA 1

extern const struct cmd_entry cmd_bundle_entry;

/* Output path and the directory name inside the archive. */
static int make_names(const struct bundle_opts *o, const char *host, const char *stamp,
	char *path, size_t pathlen, char *prefix, size_t prefixlen)
{
	char def[300], base[256];
	const char *b;
	struct stat st;
	size_t n;
	int r;

	snprintf(def, sizeof def, "camtrace-bundle-%s-%s.tar.gz", host, stamp);
	if (!o->out)
		r = snprintf(path, pathlen, "%s", def);
	else if (stat(o->out, &st) == 0 && S_ISDIR(st.st_mode))
		r = snprintf(path, pathlen, "%s/%s", o->out, def);
	else
		r = snprintf(path, pathlen, "%s", o->out);
	if (r < 0 || (size_t)r >= pathlen)
		return CT_ETOOBIG;
	b = strrchr(path, '/');
	ct_strlcpy(base, b ? b + 1 : path, sizeof base);
	n = strlen(base);
	if (n > 7 && strcmp(base + n - 7, ".tar.gz") == 0)
		base[n - 7] = '\0';
	else if (n > 4 && strcmp(base + n - 4, ".tgz") == 0)
		base[n - 4] = '\0';
	ct_tarball_sanitize(base, prefix, prefixlen > 64 ? 64 : prefixlen);
	return 0;
}

/* Adds "entries" and "missing" arrays describing s to parent. */
static void describe(struct ct_json *parent, const struct ct_factset *s)
{
	struct ct_json *ents = ct_json_add_arr(parent, "entries");
	struct ct_json *miss = ct_json_add_arr(parent, "missing");

	for (size_t i = 0; i < s->n; i++) {
		const struct ct_fact *f = &s->v[i];
		struct ct_json *e = ct_json_add_obj(f->reason ? miss : ents, NULL);
		ct_json_add_str(e, "path", f->name);
		if (!f->reason)
			ct_json_add_int(e, "size", (int64_t)f->len);
		ct_json_add_str(e, "description", f->desc);
		if (f->reason)
			ct_json_add_str(e, "reason", f->reason);
	}
}

static char *manifest(const struct ct_factset *s, const struct bundle_opts *o, const char *created,
	const char *host, size_t *len)
{
	struct ct_json *m = ct_json_obj(), *op;
	char *txt;

	ct_json_add_int(m, "schema_version", MANIFEST_SCHEMA);
	ct_json_add_str(m, "kind", "camtrace-bundle");
	ct_json_add_str(m, "created", created);
	ct_json_add_str(m, "camtrace_version", ct_version());
	ct_json_add_str(m, "features", ct_build_features());
	ct_json_add_str(m, "host", host);
	op = ct_json_add_obj(m, "options");
	ct_json_add_int(op, "capture_seconds", o->capture_s);
	ct_json_add_bool(op, "doctor", o->doctor);
	ct_json_add_bool(op, "include_messages", o->include_messages);
	ct_json_add_str(op, "config", o->config);
	ct_json_add_str(op, "log", o->log);
	ct_json_add_bool(m, "secrets_redacted", 1);
	ct_json_add_bool(m, "messages_redacted", !o->include_messages);
	describe(m, s);
	txt = ct_json_print(m, 1);
	ct_json_free(m);
	*len = txt ? strlen(txt) : 0;
	return txt;
}

static int write_all(struct ct_tarball *a, const struct ct_factset *s, const char *mf, size_t mflen,
	time_t now, char *err, size_t errlen)
{
	int r = ct_tarball_add_mem(a, "manifest.json", mf, mflen, now);

	for (size_t i = 0; r == 0 && i < s->n; i++) {
		const struct ct_fact *f = &s->v[i];
		if (f->reason)
			continue;
		r = f->file ? ct_tarball_add_file(a, f->name, f->file)
			    : ct_tarball_add_mem(a, f->name, f->data, f->len, now);
	}
	if (r)
		ct_strlcpy(err, ct_tarball_error(a), errlen);
	return r;
}

static void on_signal(int sig)
{
	(void)sig;
	bundle_interrupted = 1;
}

/* No SA_RESTART: a waiting poll() returns at once. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Abandons the run after a signal (outside the capture, which a signal only shortens). */
static int interrupted(struct ct_cli *cli, struct ct_tarball *a, struct ct_factset *s, const char *captmp)
{
	ct_tarball_close(a, 0, NULL, 0);
	if (captmp[0])
		unlink(captmp);
	ct_factset_fini(s);
	if (cli->json) {
		struct ct_json *d = out_doc_new("bundle");
		ct_json_add_null(d, "path");
		out_doc_error(d, "interrupted", "interrupted by a signal: no archive written");
		out_doc_print(d);
	} else {
		out_err(cli, "bundle", "interrupted: no archive written");
	}
	return 128 + SIGINT;
}

static void self_path(char *out, size_t outlen, const char *argv0)
{
	ssize_t n = readlink("/proc/self/exe", out, outlen - 1);

	if (n > 0)
		out[n] = '\0';
	else
		ct_strlcpy(out, argv0 ? argv0 : "camtrace", outlen);
}

/* The summary: one document, or the path on stdout and what is missing on stderr. */
static void bundle_report(const struct ct_cli *cli, const struct bundle_opts *o, const struct ct_factset *s,
	int r, const char *path, const char *created, const char *host, const char *err)
{
	int present = 0, missing = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].reason)
			missing++;
		else
			present++;
	}
	if (cli->json) {
		struct ct_json *d = out_doc_new("bundle");
		ct_json_add_str(d, "path", r == 0 ? path : NULL);
		ct_json_add_str(d, "created", created);
		ct_json_add_str(d, "host", host);
		ct_json_add_bool(d, "messages_redacted", !o->include_messages);
		describe(d, s);
		if (r != 0)
			out_doc_error(d, "cannot_write", err);
		out_doc_print(d);
	} else if (r == 0) {
		printf("%s\n", path);
		if (!cli->quiet) {
			fprintf(stderr, "camtrace bundle: wrote %s: %d files, %d parts missing%s\n", path,
				present + 1, missing, missing ? ":" : "");
			for (size_t i = 0; i < s->n; i++)
				if (s->v[i].reason)
					fprintf(stderr, "  %s: %s\n", s->v[i].name, s->v[i].reason);
		}
	} else {
		out_err(cli, "bundle", "cannot write %s: %s", path, err);
	}
}

/* Every part into the fact set: system facts, the daemon's config, state and log, the doctor
 * report, the capture. Returns -1 when a signal abandoned the run. */
static int bundle_collect(const struct ct_cli *cli, const struct bundle_opts *o, struct ct_factset *s,
	char *captmp, size_t captmplen)
{
	struct ct_sysfacts_opts so = { .timeout_ms = o->timeout_ms };
	char *log_spec = NULL, *conf_ctl = NULL;

	if (cli->progress)
		fprintf(stderr, "camtrace bundle: collecting system facts...\n");
	ct_sysfacts_collect(s, &so);
	bundle_config(s, o, &log_spec, &conf_ctl);
	bundle_daemon(s, o, conf_ctl);
	bundle_log(s, o, log_spec);
	free(log_spec);
	free(conf_ctl);
	if (o->doctor && cli->progress && !bundle_interrupted)
		fprintf(stderr, "camtrace bundle: running camtrace doctor...\n");
	bundle_monitor(s, o);
	if (!bundle_interrupted)
		bundle_doctor(s, o);
	if (bundle_interrupted)
		return -1;
	if (o->capture_s > 0 && cli->progress)
		fprintf(stderr, "camtrace bundle: capturing for %d s (Ctrl-C stops early)...\n", o->capture_s);
	bundle_capture(s, o, cli, captmp, captmplen);
	return 0;
}

static int bundle_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	struct bundle_opts o = *(const struct bundle_opts *)opts;
	struct ct_factset s;
	struct ct_tarball *a = NULL;
	char host[256] = "", shost[64], stamp[32], created[32], path[1024], prefix[80];
	char err[512] = "", self[512], captmp[512] = "", *mf;
	size_t mflen;
	time_t now = time(NULL);
	struct tm tm;
	int r;

	(void)argc;
	(void)argv;
	o.ctl = cli->ctl;
	o.timeout_ms = cli->timeout > 0 ? (int)(cli->timeout * 1000) : 5000;
	o.doctor_timeout_ms = cli->timeout > 0 ? (int)(cli->timeout * 1000) : 120000;
	self_path(self, sizeof self, cli->argv0);
	o.self = self;
	gethostname(host, sizeof host - 1);
	ct_tarball_sanitize(host, shost, sizeof shost);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (make_names(&o, shost, stamp, path, sizeof path, prefix, sizeof prefix) != 0)
		return cmd_usage_error(cli, &cmd_bundle_entry, "output path too long: '%s'", o.out);

	catch_signals();
	/* Create the archive first: no point collecting (or capturing) if it cannot be written. */
	r = ct_tarball_open(&a, path, prefix, err, sizeof err);
	if (r != 0) {
		if (cli->json) {
			struct ct_json *d = out_doc_new("bundle");
			ct_json_add_str(d, "path", path);
			out_doc_error(d, r == CT_EEXIST ? "exists" : "cannot_create", err);
			out_doc_print(d);
		} else {
			out_err(cli, "bundle", "%s", err);
		}
		return EX_CANTCREAT;
	}

	ct_factset_init(&s);
	if (bundle_collect(cli, &o, &s, captmp, sizeof captmp) != 0)
		return interrupted(cli, a, &s, captmp);
	mf = manifest(&s, &o, created, host, &mflen);
	r = s.err ? s.err : !mf ? CT_ENOMEM : 0;
	if (r == 0)
		r = write_all(a, &s, mf, mflen, now, err, sizeof err);
	else
		snprintf(err, sizeof err, "out of memory while collecting");
	free(mf);
	if (r == 0)
		r = ct_tarball_close(a, 1, err, sizeof err);
	else
		ct_tarball_close(a, 0, NULL, 0);
	if (captmp[0])
		unlink(captmp);
	bundle_report(cli, &o, &s, r, path, created, host, err);
	ct_factset_fini(&s);
	return r == 0 ? CT_EXIT_OK : r == CT_ENOMEM ? EX_SOFTWARE : EX_CANTCREAT;
}

#define O(f) offsetof(struct bundle_opts, f)
static const struct cmd_opt bundle_opts[] = {
	{ "output", 'o', CMD_OPT_STRING, O(out), .arg = "FILE",
	  .help = "archive to write (default camtrace-bundle-HOST-UTCSTAMP.tar.gz\n"
		  "in the current directory; a directory puts it there)" },
	{ "capture", 0, CMD_OPT_INT, O(capture_s), 1, 3600, .arg = "SECONDS",
	  .help = "add SECONDS of IP Messenger and RTP traffic as pcap (root)" },
	{ "doctor", 0, CMD_OPT_FLAG, O(doctor), .help = "add a fresh `camtrace doctor --json` report" },
	{ "monitor", 0, CMD_OPT_STRING, O(monitor), .arg = "FILE",
	  .help = "add a camtrace monitor snapshot (the monitor-STAMP.json\nits s key saved, and the .txt beside it)" },
	{ "include-messages", 0, CMD_OPT_FLAG, O(include_messages),
	  .help = "keep message texts in logs and captures (redacted by default)" },
	{ "config", 0, CMD_OPT_STRING, O(config), .arg = "PATH",
	  .help = "camtraced.conf to include, secrets redacted\n(default " SYSCONFDIR "/camtraced.conf)" },
	{ "log", 0, CMD_OPT_STRING, O(log), .arg = "PATH",
	  .help = "camtraced log file (default: the config's log file, the\njournal, then the syslog files)" },
	{ 0 },
};

const struct cmd_entry cmd_bundle_entry = {
	.name = "bundle",
	.args = "[-o FILE] [--capture SECONDS] [--doctor] [--monitor FILE] [--include-messages] [--config PATH] [--log PATH]",
	.summary = "write a bug-report archive (system facts, daemon state, log, config, capture)",
	.help =
		"Prints the archive path; --json describes its entries and the missing parts.\n"
		"Exit 0 when written (missing parts are listed), 73 when it cannot be written.\n",
	.flags = CMD_F_NEEDS_ROOT,
	.opts = bundle_opts,
	.opts_size = sizeof(struct bundle_opts),
	.exec = bundle_exec,
};
