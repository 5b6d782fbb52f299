/* t-logsink.c: unit tests for the daemon log sinks: file with levels, reopen after rotation, bad specs. */
#include "config.h"
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "tap.h"
#include "err.h"
#include "log.h"
#include "logsink.h"

static char *slurp(const char *p)
{
	static char buf[8192];
	FILE *fp = fopen(p, "r");
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static int count(const char *t, const char *needle)
{
	int n = 0;

	for (const char *p = t; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void log_limit_and_lines(const char *path)
{
	struct ct_log_limit lim = { 0, 0, 0 };
	char *t;
	int passed = 0;

	truncate(path, 0);
	ct_log_lines(CT_LOG_ERR, "f", "reload failed", "/etc/c.conf:3: bad one\n/etc/c.conf:7: bad two\n");
	t = slurp(path);
	ok(t && count(t, "Z camtraced[") == 2, "two lines for a two-line error, each with the time");
	ok(t && strstr(t, "error: reload failed: /etc/c.conf:3: bad one\n") &&
		strstr(t, "error: reload failed: /etc/c.conf:7: bad two\n"), "... each with the prefix and its file:line");

	truncate(path, 0);
	for (int i = 0; i < 1000; i++)
		passed += ct_log_limit_pass(&lim, CT_LOG_WARN, "f", 1000 + (uint64_t)i);
	is_int(passed, CT_LOG_LIMIT_BURST, "1000 lines in a window: only the burst passes");
	is_int((int)lim.suppressed, 1000 - CT_LOG_LIMIT_BURST, "... the rest counted");
	is_int(ct_log_limit_pass(&lim, CT_LOG_WARN, "f", 1000 + CT_LOG_LIMIT_WINDOW_MS), 1, "the next window passes");
	t = slurp(path);
	ok(t && strstr(t, "warning: 995 more such lines suppressed in the last 60 s\n"), "... after the summary of the last");
	is_int((int)lim.suppressed, 0, "... and counts again from 0");
	truncate(path, 0);
	for (int i = 0; i < 100; i++)
		log_limited(CT_LOG_WARN, "flood %d", i);
	t = slurp(path);
	is_int(count(t, "flood "), CT_LOG_LIMIT_BURST, "log_limited(): 100 calls, 5 lines");
}

int main(void)
{
	char dir[] = "/tmp/t-logsink-XXXXXX", path[256], rotated[256], err[256];
	struct stat sb;
	char *t;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof path, "%s/camtraced.log", dir);
	snprintf(rotated, sizeof rotated, "%s/camtraced.log.1", dir);

	is_int(ct_logsink_open("journal", "camtraced", err, sizeof err), CT_EINVAL, "unknown destination refused");
	ok(strstr(err, "syslog") != NULL, "... naming the valid ones");
	is_int(ct_logsink_open("/proc/nonexistent-dir/x.log", "camtraced", err, sizeof err), CT_ESYS, "unwritable file refused");
	ok(strstr(err, "/proc/nonexistent-dir/x.log") != NULL, "... naming the file");
	is_str(ct_logsink_spec(), "stderr", "still on stderr after failures");

	{
		char sub[300];
		snprintf(sub, sizeof sub, "%s/new/camtraced.log", dir);
		is_int(ct_logsink_open(sub, "camtraced", err, sizeof err), 0, "a missing log directory is made");
		snprintf(sub, sizeof sub, "%s/new", dir);
		ok(stat(sub, &sb) == 0 && (sb.st_mode & 0777) == 0750, "... 0750");
		ct_logsink_close();
		snprintf(sub, sizeof sub, "%s/new/camtraced.log", dir);
		unlink(sub);
		snprintf(sub, sizeof sub, "%s/new", dir);
		rmdir(sub);
	}
	is_int(ct_logsink_open(path, "camtraced", err, sizeof err), 0, "open a log file");
	stat(path, &sb);
	is_int(sb.st_mode & 0777, 0640, "log file created 0640");
	ct_log_set_level(CT_LOG_INFO);
	log_info("first %d", 1);
	log_debug("hidden at info level");
	t = slurp(path);
	ok(t && strstr(t, "camtraced[") && strstr(t, "info: first 1"), "line has program, pid, level, message");
	ok(t && !strstr(t, "hidden"), "debug filtered at info level");
	ok(t && t[4] == '-' && strstr(t, "Z camtraced"), "line starts with an ISO UTC time");

	is_int(rename(path, rotated), 0, "logrotate moves the file away");
	log_warn("second");
	is_int(ct_logsink_reopen(err, sizeof err), 0, "reopen (SIGHUP)");
	log_warn("third");
	t = slurp(rotated);
	ok(t && strstr(t, "first 1") && strstr(t, "warning: second") && !strstr(t, "third"),
		"before the reopen, lines go to the moved file");
	t = slurp(path);
	ok(t && strstr(t, "warning: third") && !strstr(t, "second"), "after the reopen, to a new file");

	/* a multi-line error: one line each, each with the time */
	log_limit_and_lines(path);

	ct_logsink_close();
	is_str(ct_logsink_spec(), "stderr", "closed: back to stderr");
	is_int(ct_logsink_reopen(err, sizeof err), 0, "reopen without a file is a no-op");
	is_int(ct_logsink_open("syslog", "t-logsink", err, sizeof err), 0, "syslog sink opens");
	is_str(ct_logsink_spec(), "syslog", "spec reported");
	ct_logsink_close();

	unlink(path);
	unlink(rotated);
	rmdir(dir);
	return tap_done();
}
