/* logsink.h: log sinks for the daemon: stderr (foreground), syslog, or a file reopened on SIGHUP. */
#ifndef CT_LOGSINK_H
#define CT_LOGSINK_H

#include <stddef.h>
#include <sys/types.h>

/* spec: "stderr", "syslog", or an absolute file path (appended to, created 0640, never through a
 * symbolic link).
 * Installs itself as the ct_log sink. ident names the program in every line.
 * Returns 0, CT_EINVAL (bad spec) or CT_ESYS (cannot open the file; err says why). */
int ct_logsink_open(const char *spec, const char *ident, char *err, size_t errlen);
/* Reopens the file (logrotate moved it away); no-op for stderr/syslog. Call from the loop,
 * not from the signal handler. */
int ct_logsink_reopen(char *err, size_t errlen);
/* Gives the open log file to uid:gid (fchown, before a daemon drops to that user, so that the
 * file logrotate moves away is the user's and the user can write it). No file: 0. 0 or CT_ESYS. */
int ct_logsink_chown(uid_t uid, gid_t gid, char *err, size_t errlen);
/* Restores the default stderr sink and closes the file / syslog. */
void ct_logsink_close(void);
/* The current spec ("stderr" when none was opened). */
const char *ct_logsink_spec(void);

#endif
