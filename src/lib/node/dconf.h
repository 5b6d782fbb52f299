/* dconf.h: camtraced's configuration (struct ct_daemon_conf) and its keyword table. */
#ifndef CT_DCONF_H
#define CT_DCONF_H

#include <stdint.h>
#include "conf.h"

#define CT_DCONF_DEFAULT_PATH SYSCONFDIR "/camtraced.conf"
/* camtraced's own directories (configure's --localstatedir and --runstatedir; /var/lib/camtraced,
 * /run/camtraced and /var/log/camtraced by default, systemd's StateDirectory=, RuntimeDirectory=
 * and LogsDirectory=): the only existing directories it takes over (see ct_dconf_check_system) */
#define CT_DCONF_STATE_DIR LOCALSTATEDIR "/lib/camtraced"
#define CT_DCONF_RUN_DIR RUNSTATEDIR "/camtraced"
#define CT_DCONF_LOG_DIR LOCALSTATEDIR "/log/camtraced"
#define CT_DCONF_DEFAULT_STATE CT_DCONF_STATE_DIR "/state.json"
#define CT_DCONF_DEFAULT_CTL CT_DCONF_RUN_DIR "/ctl.sock"
#define CT_DCONF_DEFAULT_PIDFILE CT_DCONF_RUN_DIR "/camtraced.pid"

/*
 * Every field is filled by ct_dconf_load() (defaults, then the file, then ct_dconf_finalize()
 * for the defaults that depend on the machine). Strings are never NULL after a successful load
 * unless documented. Durations are milliseconds, rates are per second.
 */
struct ct_daemon_conf {
	/* roles */
	char *server;                 /* list server to fetch from ("" = none: server role only) */
	uint64_t fetch_interval;      /* ms between list fetches (client role), default 2h */

	/* sockets */
	char *listen;                 /* local address to bind UDP/TCP, default 0.0.0.0 */
	int64_t port;                 /* 2425 */

	/* identity on the wire */
	char *user_name;              /* "camtraced" */
	char *host_name;              /* gethostname() when not set */
	char *nick;                   /* "camtraced" */
	char *group;                  /* "" */
	int absence;                  /* announce as absent */
	char *absence_text;           /* text of SENDABSENCEINFO ("" = default text) */

	/* who may fetch the list */
	struct ct_cidr_list allow;    /* after finalize: configured, or own networks + sites */
	int allow_auto;               /* 1 when allow was computed (node may add resolved sites) */

	/* who may add or change list entries (BR_ENTRY, ANSENTRY, BR_ABSENCE, BR_EXIT) */
	struct ct_cidr_list accept;   /* after finalize: configured, or loopback + own networks +
	                               * notify and search targets + allow */
	int accept_auto;              /* 1 when accept was computed */
	int confirm_claims;           /* new hosts, moves, takeovers, exits confirmed first (yes) */

	/* notification of other networks (seed method 1) */
	struct ct_strlist notify;     /* "192.168.1.*", CIDR, A-B ranges, DNS names */
	uint64_t notify_interval;     /* ms, default 1h */
	double notify_rate;           /* packets/s, default 100 */

	/* external user search (seed method 3) */
	struct ct_strlist search;     /* ranges searched at start-up (same syntax as notify) */
	double search_rate;           /* probes/s, default 50 */

	/* liveness of known hosts (unicast BR_ENTRY answered by ANSENTRY) and instability */
	uint64_t liveness_interval;   /* ms between two checks of a quiet host, default 2m */
	int64_t liveness_misses;      /* unanswered checks in a row before a host is lost, default 3 */
	uint64_t unstable_window;     /* ms: a flap this recent makes a host unstable, default 1d */

	/* bounds of the host table */
	int64_t max_hosts;            /* hosts kept at most, default 100000 (unseen longest go first) */
	uint64_t host_expiry;         /* ms: offline hosts unseen this long are removed, default 7d */

	/* list server limits */
	int64_t list_budget;          /* max ANSLIST datagram bytes, default 8191 */
	double list_rate;             /* GETLIST answers per second per source, default 5 */

	/* the guard: answers under load (node.h, node-guard.c) */
	double answer_rate;           /* answers per second to one source, default 20 */
	double answer_total_rate;     /* answers per second in total, default 2000 */
	int64_t answer_total_bytes;   /* answer bytes per second in total, default 4 MiB */
	double unverified_rate;       /* answers per second to all unverified sources, default 200 */
	int64_t guard_sources;        /* sources tracked, default 4096 */
	uint64_t guard_log_interval;  /* ms between two drop summary lines, default 60 s */
	double message_log_rate;      /* SENDMSG log lines per second per source, default 1 */
	int64_t receive_buffer;       /* UDP SO_RCVBUF bytes, default 1 MiB (bounds queueing delay) */

	/* messages (msg.h, inbox.h): received as user_name into the inbox next to state_file */
	int messages;                 /* take messages (RECVMSG, inbox), default yes */
	int64_t inbox_max;            /* messages kept in the inbox, default 1000 */
	int64_t msg_retry_ms;         /* ms between two sends of an unanswered SENDMSG, default 1000 */
	int64_t msg_retries;          /* resends after the first, default 3 */
	int absence_reply;            /* answer messages with absence_text while absent, default yes */

	/* file transfer (xfer.h): attachments offered to us, files we offer (camtrace send --file) */
	char *accept_files;           /* "no" (default), "yes" (any sender whose messages are taken),
	                               * "listed" (senders inside accept_files_from only) */
	struct ct_cidr_list accept_files_from;
	char *download_dir;           /* where fetched files go ("" = "downloads" beside state_file) */
	int64_t download_quota;       /* bytes download_dir may hold, default 1 GiB */
	int64_t offer_expiry;         /* ms an offer stays, default 24 h */

	/* files and process */
	char *state_file;
	char *pidfile;
	char *log;                    /* "syslog", "stderr" or an absolute file path */
	int log_level;                /* enum ct_log_level */
	char *ctl_socket;
	char *ctl_group;              /* group owning the control socket ("" = the daemon's) */
	char *user;                   /* unprivileged user after start-up ("camtraced" or "nobody") */

	/* RTP echo for `camtrace rtp` (cooperating peer) */
	int rtp_echo;
	struct ct_port_range rtp_ports; /* 22224-22227 */
	/* cooperative check for camtrace doctor (coop.h), on the RTP echo ports */
	int coop;
	struct ct_strlist coop_allow; /* targets besides `server` */
	double coop_rate;             /* requests/s per requester */

	/* federation (fed.h): other camtraced list servers sharing the hosts each owns */
	struct ct_strlist peer;       /* "ADDRESS|NAME[:PORT]", several */
	uint64_t peer_refresh;        /* ms between two digests to each peer, default 30 s */
	uint64_t peer_lease;          /* ms: a silent peer's hosts expire, default 90 s (3 refreshes) */
	uint64_t peer_tombstone;      /* ms: deletions kept for peers that missed them, default 6 min */
};

extern const struct ct_conf_table ct_dconf_table;

/* Defaults + file (path NULL = built-in defaults only) + machine-dependent defaults.
 * Problems go to errs as "FILE:LINE: message" lines; returns 0, CT_ECONFIG or CT_ESYS.
 * On error conf still holds a consistent (default-filled) value and must be freed. */
int ct_dconf_load(struct ct_daemon_conf *conf, const char *path, struct ct_sbuf *errs);
/* Fills the defaults that depend on the machine (host_name, user, allow) and checks
 * cross-keyword constraints. Called by ct_dconf_load(). */
int ct_dconf_finalize(struct ct_daemon_conf *conf, struct ct_sbuf *errs);
/* Prints every keyword with its effective value (`camtraced -T`). */
void ct_dconf_print(const struct ct_daemon_conf *conf, struct ct_sbuf *out);
void ct_dconf_free(struct ct_daemon_conf *conf);

/* The files camtraced writes after dropping to `user`, each in a directory it must own. */
struct ct_dconf_file {
	const char *keyword;  /* "state_file", "log", "pidfile", "ctl_socket" (in this order: last) */
	const char *path;
	const char *example;  /* the same file in camtraced's own directory, for messages */
};
/* Fills out[] (at most 4) with the files of c: state_file, log (when a path), pidfile (pidfile
 * overrides `pidfile` when not NULL, as -p does; none when empty), ctl_socket. Returns how many. */
size_t ct_dconf_files(const struct ct_daemon_conf *c, const char *pidfile, struct ct_dconf_file out[4]);
/* 1 when dir is one of camtraced's own directories (CT_DCONF_*_DIR), which systemd or the package
 * may have made for it as root: the only existing directories it takes over. */
int ct_dconf_dir_dedicated(const char *dir);
/* The last line of the file at path that sets keyword, 0 when none does (the default holds). */
unsigned ct_dconf_line(const char *path, const char *keyword);
/* ct_dconf_check_system() flags */
#define CT_DCONF_CHECK_AS_ROOT 1u /* run as root: the start will drop to `user` */
#define CT_DCONF_CHECK_PIDFILE 2u /* -n: the pid file itself too (the start's pidfile.c does), and,
                                    * not as root, that each file's directory can be written or made */
/* What a start would refuse beyond the syntax, checked without changing anything (camtraced -n,
 * and the start itself before it opens anything): `user` and `ctl_group` exist, `coop` has
 * `rtp_echo`; the log file, the pid file (CT_DCONF_CHECK_PIDFILE) and the control socket are not
 * symbolic links nor of another kind; and with CT_DCONF_CHECK_AS_ROOT (when `user` is not root)
 * each file of ct_dconf_files() is in a directory camtraced may own: missing (it creates it), owned
 * by `user`, or dedicated (ct_dconf_dir_dedicated); never a shared directory it did not create, a
 * symbolic link, or a place it cannot write (read-only file system). Each problem goes to errs as
 * "FILE:LINE: message and the fix" ("FILE: (default)" when the default holds); returns 0 or
 * CT_ECONFIG. */
int ct_dconf_check_system(const struct ct_daemon_conf *c, const char *path, const char *pidfile, unsigned flags,
	struct ct_sbuf *errs);

/* Syntax check of one notify/search target ("192.168.1.*", "10.1.0.0/16",
 * "10.1.2.3-10.1.2.40", "10.1.2.3-40", "host.example.org"). */
int ct_dconf_check_target(const char *value, char *err, size_t errlen);

#endif
