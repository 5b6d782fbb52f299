/* bundle.c: the daemon, log, config, doctor and capture parts of `camtrace bundle`. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bundle.h"
#include "capture.h"
#include "clock.h"
#include "ctl.h"
#include "err.h"
#include "out.h"
#include "redact.h"
#include "sbuf.h"
#include "spawn.h"
#include "util.h"
#include "version.h"

#define DEFAULT_CONF SYSCONFDIR "/camtraced.conf"

volatile sig_atomic_t bundle_interrupted;

/* Reads the last max bytes of path into b (starting at a line boundary when cut). */
static int read_tail(const char *path, size_t max, struct ct_sbuf *b)
{
	char buf[16384];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int cut = 0;

	if (fd < 0)
		return errno == ENOENT ? CT_ENOTFOUND : errno == EACCES ? CT_EPERM : CT_ESYS;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return CT_EINVAL;
	}
	if ((size_t)st.st_size > max) {
		lseek(fd, st.st_size - (off_t)max, SEEK_SET);
		cut = 1;
	}
	while (b->len < max && (n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return CT_ESYS;
		}
		ct_sbuf_add(b, buf, (size_t)n < max - b->len ? (size_t)n : max - b->len);
	}
	close(fd);
	if (cut && b->p) {
		char *nl = memchr(b->p, '\n', b->len);
		if (nl) {
			size_t drop = (size_t)(nl + 1 - b->p);
			memmove(b->p, nl + 1, b->len - drop + 1);
			b->len -= drop;
		}
	}
	return b->err;
}

/* Keeps the last `lines` lines of in that contain match (NULL = all) in out. */
static void last_lines(const char *in, size_t n, const char *match, unsigned lines, struct ct_sbuf *out)
{
	size_t start = n, count = 0;

	/* walk backwards over matching lines */
	for (size_t end = n; end > 0 && count < lines;) {
		size_t b = end;
		while (b > 0 && in[b - 1] != '\n')
			b--;
		if (b < end && (!match || memmem(in + b, end - b, match, strlen(match)))) {
			count++;
			start = b;
		}
		if (b == 0)
			break;
		end = b - 1;
	}
	/* then copy them forwards */
	for (size_t p = start; p < n;) {
		const char *nl = memchr(in + p, '\n', n - p);
		size_t e = nl ? (size_t)(nl - in) : n;
		if (e > p && (!match || memmem(in + p, e - p, match, strlen(match)))) {
			ct_sbuf_add(out, in + p, e - p);
			ct_sbuf_addc(out, '\n');
		}
		p = e + 1;
	}
}

char *bundle_conf_value(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *p = l, *v, *e;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, key, kl) != 0)
			continue;
		p += kl;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			v = ++p;
			e = strchr(v, '"');
			if (!e)
				continue;
		} else {
			v = p;
			e = v + strcspn(v, "\r\n");
			for (const char *h = v; h < e; h++)
				if (*h == '#' && h > v && (h[-1] == ' ' || h[-1] == '\t')) {
					e = h;
					break;
				}
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
		}
		return e > v ? ct_strndup(v, (size_t)(e - v)) : NULL;
	}
	return NULL;
}

void bundle_config(struct ct_factset *s, const struct bundle_opts *o, char **log_spec, char **ctl)
{
	const char *path = o->config ? o->config : DEFAULT_CONF;
	const char *name = "daemon/camtraced.conf";
	struct ct_sbuf in, out;
	unsigned count = 0;
	char desc[512];
	int r;

	*log_spec = *ctl = NULL;
	ct_sbuf_init(&in);
	ct_sbuf_init(&out);
	r = read_tail(path, 1u << 20, &in);
	if (r == CT_ENOTFOUND)
		ct_factset_missing(s, name, "camtraced configuration",
			"no configuration file at %s (camtraced then runs on its defaults; give --config PATH if it is elsewhere)",
			path);
	else if (r == CT_EPERM)
		ct_factset_missing(s, name, "camtraced configuration",
			"cannot read %s: permission denied (run as root)", path);
	else if (r != 0)
		ct_factset_missing(s, name, "camtraced configuration", "cannot read %s: %s", path,
			r == CT_EINVAL ? "not a regular file" : strerror(errno));
	else {
		const char *text = in.p ? in.p : "";
		ct_redact_config(text, in.len, &out, &count);
		snprintf(desc, sizeof desc, "camtraced configuration from %s, %u secret%s redacted",
			path, count, count == 1 ? "" : "s");
		ct_factset_add(s, name, desc, out.p ? out.p : "", out.len);
		*log_spec = bundle_conf_value(text, "log");
		*ctl = bundle_conf_value(text, "ctl_socket");
	}
	ct_sbuf_fini(&in);
	ct_sbuf_fini(&out);
}

/* Recent journal lines of camtraced (by syslog identifier or unit), or CT_ENOTFOUND. */
static int log_from_journal(const struct bundle_opts *o, struct ct_sbuf *out, char *why, size_t whylen)
{
	const char *argv[] = { "journalctl", "--no-pager", "-q", "-o", "short-iso-precise", "-n", "2000",
		"SYSLOG_IDENTIFIER=camtraced", "+", "_SYSTEMD_UNIT=camtraced.service", NULL };
	struct ct_spawn_result r;
	int rc;

	ct_spawn_result_init(&r);
	rc = ct_spawn_run(argv, o->timeout_ms, BUNDLE_LOG_BYTES, &r);
	if (rc == 0 && r.exit_code == 0 && r.out.len > 0 && !strstr(r.out.p, "-- No entries --")) {
		ct_sbuf_add(out, r.out.p, r.out.len);
		ct_spawn_result_fini(&r);
		return 0;
	}
	if (rc == CT_ENOTFOUND)
		snprintf(why, whylen, "no journalctl");
	else if (rc == 0 && r.exit_code == 0)
		snprintf(why, whylen, "no camtraced entries in the journal");
	else {
		char how[256];
		ct_spawn_describe(&r, rc, o->timeout_ms, how, sizeof how);
		snprintf(why, whylen, "journalctl: %s", how);
	}
	ct_spawn_result_fini(&r);
	return CT_ENOTFOUND;
}

void bundle_log(struct ct_factset *s, const struct bundle_opts *o, const char *log_spec)
{
	static const char *const syslogs[] = { "/var/log/syslog", "/var/log/messages", "/var/log/daemon.log" };
	const char *name = "daemon/log.txt";
	const char *file = o->log ? o->log : (log_spec && log_spec[0] == '/' ? log_spec : NULL);
	struct ct_sbuf raw, lines, red;
	char desc[512] = "", tried[1024] = "", why[300];
	unsigned count = 0;
	int r;

	ct_sbuf_init(&raw);
	ct_sbuf_init(&lines);
	ct_sbuf_init(&red);
	if (file) {
		r = read_tail(file, BUNDLE_LOG_BYTES, &raw);
		if (r != 0) {
			ct_factset_missing(s, name, "recent camtraced log lines", "cannot read log file %s: %s%s",
				file, r == CT_ENOTFOUND ? "no such file" : r == CT_EPERM ? "permission denied" : "error",
				r == CT_EPERM ? " (run as root)" : "");
			goto out;
		}
		last_lines(raw.p ? raw.p : "", raw.len, NULL, BUNDLE_LOG_LINES, &lines);
		snprintf(desc, sizeof desc, "last camtraced log lines from %s", file);
	} else if (log_spec && strcmp(log_spec, "stderr") == 0) {
		ct_factset_missing(s, name, "recent camtraced log lines",
			"camtraced logs to stderr (log = stderr): nothing kept to collect; give --log PATH if you saved it");
		goto out;
	} else if (log_from_journal(o, &lines, why, sizeof why) == 0) {
		snprintf(desc, sizeof desc, "last camtraced journal entries (journalctl)");
	} else {
		snprintf(tried, sizeof tried, "%s", why);
		for (size_t i = 0; i < CT_ARRAY_LEN(syslogs) && !lines.len; i++) {
			ct_sbuf_reset(&raw);
			r = read_tail(syslogs[i], 8u << 20, &raw);
			if (r == 0 && raw.p) {
				last_lines(raw.p, raw.len, "camtraced", BUNDLE_LOG_LINES, &lines);
				if (lines.len)
					snprintf(desc, sizeof desc, "last camtraced lines of %s", syslogs[i]);
				else
					snprintf(tried + strlen(tried), sizeof tried - strlen(tried),
						", no camtraced lines in %s", syslogs[i]);
			} else {
				snprintf(tried + strlen(tried), sizeof tried - strlen(tried), ", %s %s",
					syslogs[i], r == CT_EPERM ? "not readable (run as root)" :
					r == CT_ENOTFOUND ? "absent" : "unreadable");
			}
		}
		if (!lines.len) {
			ct_factset_missing(s, name, "recent camtraced log lines",
				"no camtraced log found: %s; give --log PATH", tried);
			goto out;
		}
	}
	ct_redact_log(lines.p ? lines.p : "", lines.len, o->include_messages ? 0 : CT_REDACT_MESSAGES,
		&red, &count);
	snprintf(desc + strlen(desc), sizeof desc - strlen(desc), ", %u redaction%s (%s)", count,
		count == 1 ? "" : "s", o->include_messages ? "secrets" : "secrets and message texts");
	ct_factset_add(s, name, desc, red.p ? red.p : "", red.len);
out:
	ct_sbuf_fini(&raw);
	ct_sbuf_fini(&lines);
	ct_sbuf_fini(&red);
}

/* Why the daemon could not be asked, from ct_ctl_client_connect()'s code. */
static void ctl_reason(char *out, size_t outlen, int rc, const char *path, const char *detail, int tmo)
{
	switch (rc) {
	case CT_ENOTFOUND:
		snprintf(out, outlen, "daemon not running: control socket %s absent", path);
		break;
	case CT_ECLOSED:
		snprintf(out, outlen, "daemon not running: nobody listens on control socket %s", path);
		break;
	case CT_EPERM:
		snprintf(out, outlen, "not allowed to connect to control socket %s: run as root or as a member of its group (ctl_group)",
			path);
		break;
	case CT_ETIMEDOUT:
		snprintf(out, outlen, "camtraced on %s did not answer within %d ms", path, tmo);
		break;
	default:
		snprintf(out, outlen, "cannot talk to camtraced on %s: %s", path,
			detail && *detail ? detail : ct_strerror(rc));
	}
}

/* Adds a daemon reply as pretty JSON, through the log redactor (a "text" member of a reply
 * is a message text; a "*key*" or "*token*" member a secret). */
static void add_reply(struct ct_factset *s, const struct bundle_opts *o, const char *name,
	const char *desc, const struct ct_json *res)
{
	char *txt = ct_json_print(res, 1);
	struct ct_sbuf red;

	if (!txt) {
		ct_factset_missing(s, name, desc, "out of memory");
		return;
	}
	ct_sbuf_init(&red);
	ct_redact_log(txt, strlen(txt), o->include_messages ? 0 : CT_REDACT_MESSAGES, &red, NULL);
	ct_sbuf_addc(&red, '\n');
	ct_factset_add(s, name, desc, red.p, red.len);
	ct_sbuf_fini(&red);
	free(txt);
}

#define PROC_NAME "daemon/process.json"
#define PROC_DESC "camtraced's user, group and capabilities (/proc/PID/status)"

/* The daemon's ids and capabilities from /proc, by the pid its status reports. */
static void daemon_process(struct ct_factset *s, const struct ct_json *status)
{
	const char *name = PROC_NAME, *desc = PROC_DESC;
	struct ct_json *p;
	const char *pname;
	int64_t pid = 0;
	char *txt;

	if (ct_json_get_i64(status, "pid", &pid) != 0 || pid <= 0) {
		ct_factset_missing(s, name, desc, "the daemon's status names no pid");
		return;
	}
	p = ct_sysfacts_caps((long)pid);
	pname = ct_json_get_str(p, "name");
	if (!pname || strcmp(pname, "camtraced") != 0)
		ct_factset_missing(s, name, desc,
			"camtraced's pid %lld is not visible here (another PID namespace or container)",
			(long long)pid);
	else if ((txt = ct_json_print(p, 1)) != NULL) {
		ct_factset_add(s, name, desc, txt, strlen(txt));
		free(txt);
	}
	ct_json_free(p);
}

void bundle_daemon(struct ct_factset *s, const struct bundle_opts *o, const char *ctl)
{
	static const struct { const char *name, *desc, *method, *filter; } parts[] = {
		{ "daemon/status.json", "camtraced status (control socket: status)", CT_CTL_M_STATUS, NULL },
		{ "daemon/hosts.json", "camtraced host table (control socket: users, filter all)",
			CT_CTL_M_USERS, "all" },
		{ "daemon/instability.json", "camtraced instability records (control socket: users, filter unstable)",
			CT_CTL_M_USERS, "unstable" },
	};
	const char *env = getenv("CAMTRACED_CTL");
	const char *path = o->ctl ? o->ctl : env && *env ? env : ctl ? ctl : CT_CTL_DEFAULT_PATH;
	struct ct_ctl_client *c = NULL;
	char why[600];
	int rc;

	rc = ct_ctl_client_new(&c);
	if (rc == 0)
		rc = ct_ctl_client_connect(c, path, o->timeout_ms);
	if (rc != 0) {
		ctl_reason(why, sizeof why, rc, path, c ? ct_ctl_client_error(c) : NULL, o->timeout_ms);
		for (size_t i = 0; i < CT_ARRAY_LEN(parts); i++)
			ct_factset_missing(s, parts[i].name, parts[i].desc, "%s", why);
		ct_factset_missing(s, PROC_NAME, PROC_DESC, "%s", why);
		ct_ctl_client_free(c);
		return;
	}
	for (size_t i = 0; i < CT_ARRAY_LEN(parts); i++) {
		struct ct_json *params = NULL, *res = NULL;
		if (parts[i].filter) {
			params = ct_json_obj();
			ct_json_add_str(params, "filter", parts[i].filter);
		}
		rc = ct_ctl_client_call(c, parts[i].method, params, o->timeout_ms, &res);
		if (rc != 0 && i == 0)
			ct_factset_missing(s, PROC_NAME, PROC_DESC, "no status from camtraced, so no pid");
		if (rc == 0) {
			add_reply(s, o, parts[i].name, parts[i].desc, res);
			if (i == 0)
				daemon_process(s, res);
		} else if (rc == CT_EPROTO) {
			ct_factset_missing(s, parts[i].name, parts[i].desc, "camtraced answered %s with an error: %s: %s",
				parts[i].method, ct_ctl_client_error_code(c), ct_ctl_client_error(c));
		} else {
			ctl_reason(why, sizeof why, rc, path, ct_ctl_client_error(c), o->timeout_ms);
			ct_factset_missing(s, parts[i].name, parts[i].desc, "%s (asking %s)", why, parts[i].method);
		}
		ct_json_free(params);
		ct_json_free(res);
	}
	ct_ctl_client_free(c);
}

/* One snapshot file: a regular file, at most 64 MiB, else missing with the reason. */
static void monitor_file(struct ct_factset *s, const char *name, const char *desc, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		ct_factset_missing(s, name, desc, "%s: %s (the monitor's s key writes monitor-STAMP.json and .txt "
			"in $CAMTRACE_SNAPDIR or the current directory)", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		ct_factset_missing(s, name, desc, "%s is not a regular file", path);
	else if (st.st_size > (off_t)64 << 20)
		ct_factset_missing(s, name, desc, "%s is larger than 64 MiB: not a monitor snapshot", path);
	else
		ct_factset_add_file(s, name, desc, path, (size_t)st.st_size);
}

void bundle_monitor(struct ct_factset *s, const struct bundle_opts *o)
{
	const char *jn = "monitor/snapshot.json", *tn = "monitor/snapshot.txt";
	const char *jd = "camtrace monitor snapshot (s key), JSON", *td = "camtrace monitor snapshot (s key), text";
	char txt[4096];
	size_t n;

	if (!o->monitor) {
		ct_factset_missing(s, jn, jd, "not requested (use --monitor monitor-STAMP.json, the file the "
			"monitor's s key saves)");
		ct_factset_missing(s, tn, td, "not requested (use --monitor)");
		return;
	}
	monitor_file(s, jn, jd, o->monitor);
	n = strlen(o->monitor);
	if (n > 5 && strcmp(o->monitor + n - 5, ".json") == 0 && n < sizeof txt) {
		snprintf(txt, sizeof txt, "%.*s.txt", (int)(n - 5), o->monitor);
		monitor_file(s, tn, td, txt);
	} else
		ct_factset_missing(s, tn, td, "%s does not end in .json: its text twin cannot be named", o->monitor);
}

void bundle_doctor(struct ct_factset *s, const struct bundle_opts *o)
{
	const char *name = "doctor/report.json", *desc = "camtrace doctor --json report";
	char err[256], how[300];
	struct ct_spawn_result r;
	int rc, tmo;

	if (!o->doctor) {
		ct_factset_missing(s, name, desc, "not requested (use --doctor)");
		return;
	}
	if (!cmd_lookup("doctor", err, sizeof err) || strcmp(cmd_lookup("doctor", err, sizeof err)->name, "doctor")) {
		ct_factset_missing(s, name, desc, "camtrace doctor is not part of this build (camtrace %s)",
			ct_version());
		return;
	}
	{
		char tbuf[32];
		const char *argv[] = { o->self, "doctor", "--json", "--timeout", tbuf,
			o->ctl ? "--ctl" : NULL, o->ctl, NULL };
		tmo = o->doctor_timeout_ms;
		snprintf(tbuf, sizeof tbuf, "%d", tmo / 1000 > 0 ? tmo / 1000 : 1);
		tmo += 10000; /* its own limit first, then ours */
		ct_spawn_result_init(&r);
		rc = ct_spawn_run(argv, tmo, 4u << 20, &r);
		if (rc == 0 && r.out.len > 0 && !r.signo) {
			char d[160];
			snprintf(d, sizeof d, "camtrace doctor --json report (doctor exit status %d)", r.exit_code);
			ct_factset_add(s, name, d, r.out.p, r.out.len);
		} else {
			ct_spawn_describe(&r, rc, tmo, how, sizeof how);
			ct_factset_missing(s, name, desc, "camtrace doctor failed: %s", how);
		}
		ct_spawn_result_fini(&r);
	}
}

void bundle_capture(struct ct_factset *s, const struct bundle_opts *o, const struct ct_cli *cli,
	char *tmp, size_t tmplen)
{
	const char *name = "capture/traffic.pcap", *desc = "IP Messenger and RTP traffic";
	struct ct_capture_opts copts = { .nonblock = 1 };
	struct ct_capture_stats st = { 0 };
	struct ct_capture *c = NULL;
	struct ct_pcapw *w = NULL;
	char err[CT_CAPTURE_ERRLEN] = "", d[400];
	const char *tdir = getenv("TMPDIR");
	unsigned flags = o->include_messages ? 0 : CT_REDACT_MESSAGES;
	uint64_t start, end, redacted = 0;
	uint8_t *buf = NULL;
	struct stat sb;
	int fd, r;

	tmp[0] = '\0';
	if (o->capture_s <= 0) {
		ct_factset_missing(s, name, desc, "not requested (use --capture SECONDS)");
		return;
	}
	r = ct_capture_open_live(&c, "any", BUNDLE_FILTER, &copts, err, sizeof err);
	if (r == CT_EPERM) {
		ct_factset_missing(s, name, desc, "capture skipped: needs root (CAP_NET_RAW): %s", err);
		return;
	}
	if (r != 0) {
		ct_factset_missing(s, name, desc, "capture skipped: cannot open a live capture: %s", err);
		return;
	}
	snprintf(tmp, tmplen, "%s/camtrace-bundle-XXXXXX", tdir && *tdir ? tdir : "/tmp");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ct_factset_missing(s, name, desc, "capture skipped: cannot create a temporary file in %s: %s",
			tdir && *tdir ? tdir : "/tmp", strerror(errno));
		tmp[0] = '\0';
		ct_capture_close(c);
		return;
	}
	close(fd);
	buf = malloc(CT_CAPTURE_SNAPLEN);
	if (!buf || ct_pcapw_open_for(&w, tmp, c, err, sizeof err) != 0) {
		ct_factset_missing(s, name, desc, "capture skipped: cannot write %s: %s", tmp, buf ? err : "out of memory");
		goto out;
	}
	start = ct_mono_ns();
	end = start + (uint64_t)o->capture_s * 1000000000u;
	for (uint64_t now = start; now < end && !bundle_interrupted; now = ct_mono_ns()) {
		struct ct_pkt p;
		out_progress(cli, "capturing", (unsigned long)((now - start) / 1000000000u),
			(unsigned long)o->capture_s);
		r = ct_capture_next(c, &p);
		if (r == 0) {
			/* nothing ready: wait for the descriptor, at most until the end */
			struct pollfd pf = { .fd = ct_capture_fd(c), .events = POLLIN };
			uint64_t left_ms = (end - now) / 1000000u + 1;
			poll(&pf, 1, left_ms < 200 ? (int)left_ms : 200);
			continue;
		}
		if (r < 0)
			break;
		/* redact a copy: the handle's buffer is read-only */
		memcpy(buf, p.data, p.caplen);
		redacted += (uint64_t)ct_redact_packet(buf, p.caplen, p.len, p.linktype, flags,
			BUNDLE_RTP_LO, BUNDLE_RTP_HI);
		p.data = buf;
		if (ct_pcapw_write(w, &p) != 0) {
			r = CT_ESYS;
			break;
		}
	}
	out_progress(cli, "capturing", 1, 1);
	ct_capture_stats(c, &st);
	if (ct_pcapw_close(w) != 0 || (r < 0 && r != CT_ECLOSED) || stat(tmp, &sb) != 0) {
		w = NULL;
		ct_factset_missing(s, name, desc, "capture failed after %llu packets: %s",
			(unsigned long long)st.delivered, r < 0 ? ct_capture_error(c) : "cannot write the pcap file");
		goto out;
	}
	w = NULL;
	snprintf(d, sizeof d,
		"%d s of IP Messenger and RTP traffic on every interface (filter \"%s\"): %llu packets, "
		"%llu dropped by the kernel, %llu with %s redacted%s",
		bundle_interrupted ? (int)((ct_mono_ns() - start) / 1000000000u) : o->capture_s, BUNDLE_FILTER, (unsigned long long)st.delivered, (unsigned long long)st.dropped,
		(unsigned long long)redacted, flags ? "message texts, media or file data" : "passwords",
		bundle_interrupted ? " (stopped early by a signal)" : "");
	ct_factset_add_file(s, name, d, tmp, (size_t)sb.st_size);
out:
	if (w)
		ct_pcapw_close(w);
	free(buf);
	ct_capture_close(c);
}
