/* logsink.c: log sinks for the daemon: stderr (foreground), syslog, or a file reopened on SIGHUP. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	int journal; /* stderr is the journal's stream */
} ls = { K_STDERR, -1, "stderr", "camtraced", 0 };

static const int sys_prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

/* stderr goes to the journal (systemd sets JOURNAL_STREAM to its device:inode): the journal adds
 * the time and the pid itself. */
static int stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;

	return js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &sb) == 0 &&
		(unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

static void sink(enum ct_log_level lvl, const char *func, const char *msg, void *ud)
{
	char line[1400], when[40];
	const char *fn = lvl == CT_LOG_DEBUG && func ? func : "";
	int n, stamp = ls.kind == K_FILE || !ls.journal;

	(void)ud;
	if (ls.kind == K_SYSLOG) {
		syslog(sys_prio[(unsigned)lvl <= CT_LOG_DEBUG ? lvl : CT_LOG_DEBUG], "%s: %s",
			ct_log_level_name(lvl), msg);
		return;
	}
	/* "TIME IDENT[PID]: LEVEL: [FUNCTION: ]MESSAGE" (the journal: "IDENT: LEVEL: ...") */
	if (stamp) {
		ct_wall_iso(ct_wall_now(), when, sizeof when);
		n = snprintf(line, sizeof line, "%s %s[%ld]: %s: %s%s%s\n", when, ls.ident, (long)getpid(),
			ct_log_level_name(lvl), fn, fn[0] ? ": " : "", msg);
	} else {
		n = snprintf(line, sizeof line, "%s: %s: %s%s%s\n", ls.ident, ct_log_level_name(lvl), fn,
			fn[0] ? ": " : "", msg);
	}
	if (n > (int)sizeof line - 1)
		n = (int)sizeof line - 1, line[n - 1] = '\n';
	if (ls.kind == K_FILE && ls.fd >= 0 && ct_fs_write_full(ls.fd, line, (size_t)n) == 0)
		return;
	/* stderr, or the file failed: losing messages silently is worse */
	fputs(line, stderr);
}

static int open_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0640);
	char dir[4096];

	/* a missing directory is made (0750, the daemon's own: a reload naming a new place; at the
	 * start the daemon's claim_dirs() has made it already) */
	if (fd < 0 && errno == ENOENT) {
		ct_fs_dirname(path, dir, sizeof dir);
		if (ct_fs_mkdir_parents(dir, 0750) == 0)
			fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0640);
	}
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
		ls.journal = stderr_is_journal();
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
