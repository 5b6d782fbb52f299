/* t-logsink.c: unit tests for the daemon log sinks: file with levels, reopen after rotation, bad specs. */
#include "config.h"
#include <stdio.h>
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
	is_int(ct_logsink_open("/nonexistent-dir/x.log", "camtraced", err, sizeof err), CT_ESYS, "unwritable file refused");
	ok(strstr(err, "/nonexistent-dir/x.log") != NULL, "... naming the file");
	is_str(ct_logsink_spec(), "stderr", "still on stderr after failures");

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
