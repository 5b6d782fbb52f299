/* bundle.c: the daemon, log, config, doctor and capture parts of `camtrace bundle`. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bundle.h"
#include "err.h"
#include "redact.h"
#include "sbuf.h"
#include "spawn.h"
#include "util.h"
#include "version.h"

#define DEFAULT_CONF SYSCONFDIR "/camtraced.conf"
#define DEFAULT_CTL RUNSTATEDIR "/camtraced/ctl.sock"

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

void bundle_daemon(struct ct_factset *s, const struct bundle_opts *o, const char *ctl)
{
	static const struct { const char *name, *desc; } parts[] = {
		{ "daemon/status.json", "camtraced status (control socket: status)" },
		{ "daemon/hosts.json", "camtraced host table (control socket: users, filter all)" },
		{ "daemon/instability.json", "camtraced instability records (control socket: users, filter unstable)" },
	};
	const char *path = o->ctl ? o->ctl : ctl ? ctl : DEFAULT_CTL;
	struct stat st;
	int present = stat(path, &st) == 0;

	for (size_t i = 0; i < CT_ARRAY_LEN(parts); i++) {
		if (!present)
			ct_factset_missing(s, parts[i].name, parts[i].desc,
				"daemon not running: control socket %s absent", path);
		else
			ct_factset_missing(s, parts[i].name, parts[i].desc,
				"control socket %s exists, but this build of camtrace has no control-socket client to query it",
				path);
	}
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
		const char *argv[] = { o->self, "doctor", "--json", o->ctl ? "--ctl" : NULL, o->ctl, NULL };
		tmo = o->timeout_ms > 120000 ? o->timeout_ms : 120000;
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
	const char *name = "capture/traffic.pcap";

	tmp[0] = '\0';
	(void)cli;
	(void)tmplen;
	if (o->capture_s <= 0) {
		ct_factset_missing(s, name, "IP Messenger and RTP traffic", "not requested (use --capture SECONDS)");
		return;
	}
	ct_factset_missing(s, name, "IP Messenger and RTP traffic",
		"capture skipped: packet capture is not part of this build of camtrace (%s)", ct_version());
}
