/* logsink.c: log sinks for the daemon: stderr (foreground), syslog, or a file reopened on SIGHUP. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "err.h"
#include "fsutil.h"
#include "log.h"
#include "util.h"
#include "logsink.h"

enum kind { K_STDERR, K_SYSLOG, K_FILE };

static struct {
	enum kind kind;
	int fd;
	char spec[4096];
	char ident[64];
} ls = { K_STDERR, -1, "stderr", "camtraced" };

static const int sys_prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

static void sink(enum ct_log_level lvl, const char *func, const char *msg, void *ud)
{
	char line[1400], when[40];
	int n;

	(void)ud;
	switch (ls.kind) {
	case K_SYSLOG:
		syslog(sys_prio[(unsigned)lvl <= CT_LOG_DEBUG ? lvl : CT_LOG_DEBUG], "%s: %s",
			ct_log_level_name(lvl), msg);
		return;
	case K_FILE:
		ct_wall_iso(ct_wall_now(), when, sizeof when);
		n = snprintf(line, sizeof line, "%s %s[%ld]: %s: %s%s%s\n", when, ls.ident, (long)getpid(),
			ct_log_level_name(lvl), lvl == CT_LOG_DEBUG && func ? func : "",
			lvl == CT_LOG_DEBUG && func ? ": " : "", msg);
		if (n > (int)sizeof line - 1)
			n = (int)sizeof line - 1, line[n - 1] = '\n';
		if (ls.fd >= 0 && ct_fs_write_full(ls.fd, line, (size_t)n) == 0)
			return;
		/* fall back to stderr: losing messages silently is worse */
		/* fallthrough */
	case K_STDERR:
		fprintf(stderr, "%s: %s: %s%s%s\n", ls.ident, ct_log_level_name(lvl),
			lvl == CT_LOG_DEBUG && func ? func : "", lvl == CT_LOG_DEBUG && func ? ": " : "", msg);
		return;
	}
}

static int open_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0640);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open log file %s: %s%s", path, strerror(errno),
			errno == EACCES ? " (check the directory permissions, or use log = syslog)" :
			errno == ELOOP ? " (a symbolic link: refused; remove it)" : "");
		return -1;
	}
	return fd;
}

int ct_logsink_open(const char *spec, const char *ident, char *err, size_t errlen)
{
	ct_strlcpy(ls.ident, ident && ident[0] ? ident : "camtraced", sizeof ls.ident);
	if (!spec || strcmp(spec, "stderr") == 0) {
		ct_logsink_close();
		ls.kind = K_STDERR;
	} else if (strcmp(spec, "syslog") == 0) {
		ct_logsink_close();
		openlog(ls.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		ls.kind = K_SYSLOG;
	} else if (spec[0] == '/') {
		int fd = open_file(spec, err, errlen);
		if (fd < 0)
			return CT_ESYS;
		ct_logsink_close();
		ls.fd = fd;
		ls.kind = K_FILE;
	} else {
		snprintf(err, errlen, "log must be 'syslog', 'stderr' or an absolute path, not '%s'", spec);
		return CT_EINVAL;
	}
	ct_strlcpy(ls.spec, spec ? spec : "stderr", sizeof ls.spec);
	ct_log_set_sink(sink, NULL);
	return 0;
}

int ct_logsink_reopen(char *err, size_t errlen)
{
	int fd;

	if (ls.kind != K_FILE)
		return 0;
	fd = open_file(ls.spec, err, errlen);
	if (fd < 0)
		return CT_ESYS; /* keep writing to the old file rather than nowhere */
	if (ls.fd >= 0)
		close(ls.fd);
	ls.fd = fd;
	return 0;
}

int ct_logsink_chown(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (ls.kind != K_FILE || ls.fd < 0)
		return 0;
	if (fchown(ls.fd, uid, gid) != 0) {
		snprintf(err, errlen, "cannot give the log file %s to uid %u: %s", ls.spec, (unsigned)uid, strerror(errno));
		return CT_ESYS;
	}
	return 0;
}

void ct_logsink_close(void)
{
	if (ls.kind == K_SYSLOG)
		closelog();
	if (ls.fd >= 0)
		close(ls.fd);
	ls.fd = -1;
	ls.kind = K_STDERR;
	ct_strlcpy(ls.spec, "stderr", sizeof ls.spec);
}

const char *ct_logsink_spec(void)
{
	return ls.spec;
}
