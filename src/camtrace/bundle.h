/* bundle.h: the parts of `camtrace bundle` beyond the system facts (daemon, log, config,
 * doctor, capture), each added to a fact set as present or missing with a reason. */
#ifndef CT_BUNDLE_H
#define CT_BUNDLE_H

#include "cmd.h"
#include "sysfacts.h"

#define BUNDLE_RTP_LO 22224 /* Chat&Messenger voice/video ports (UDP 22224-22229) */
#define BUNDLE_RTP_HI 22229
#define BUNDLE_FILTER "udp port 2425 or tcp port 2425 or udp portrange 22224-22229"
#define BUNDLE_LOG_LINES 2000
#define BUNDLE_LOG_BYTES (2u << 20)

#include <signal.h>

/* Set by SIGINT/SIGTERM/SIGHUP: a capture stops early (and the bundle is still written);
 * at any other point the bundle is abandoned and its temporary files removed. */
extern volatile sig_atomic_t bundle_interrupted;

struct bundle_opts {
	const char *out;          /* -o FILE */
	int capture_s;            /* --capture SECONDS, 0 = none */
	int doctor;               /* --doctor */
	int include_messages;     /* --include-messages */
	const char *config;       /* --config PATH (NULL = default) */
	const char *log;          /* --log PATH (NULL = from the config, journal or syslog) */
	const char *ctl;          /* control socket (global --ctl, else the config's, else default) */
	int timeout_ms;           /* per external step */
	int doctor_timeout_ms;    /* for the whole `camtrace doctor` run */
	const char *self;         /* this program, for running `camtrace doctor` */
	const char *monitor;      /* --monitor FILE: a snapshot the monitor's s key saved */
};

/* The daemon's configuration, secrets redacted ("daemon/camtraced.conf"). Sets *log_spec
 * (malloc'd or NULL) and *ctl (malloc'd or NULL) from its `log` and `ctl_socket` keywords. */
void bundle_config(struct ct_factset *s, const struct bundle_opts *o, char **log_spec, char **ctl);
/* Recent daemon log lines, redacted ("daemon/log.txt"). */
void bundle_log(struct ct_factset *s, const struct bundle_opts *o, const char *log_spec);
/* Status, host table and instability records over the control socket (daemon/status.json, hosts.json, instability.json). */
void bundle_daemon(struct ct_factset *s, const struct bundle_opts *o, const char *ctl);
/* A snapshot of camtrace monitor (--monitor monitor-STAMP.json, and its .txt beside it):
 * "monitor/snapshot.json" and "monitor/snapshot.txt". */
void bundle_monitor(struct ct_factset *s, const struct bundle_opts *o);
/* A fresh `camtrace doctor --json` ("doctor/report.json"). */
void bundle_doctor(struct ct_factset *s, const struct bundle_opts *o);
/* N seconds of IP Messenger / RTP traffic as pcap ("capture/traffic.pcap"); the temporary
 * file's path is returned in tmp (remove it after writing the archive). */
void bundle_capture(struct ct_factset *s, const struct bundle_opts *o, const struct ct_cli *cli,
	char *tmp, size_t tmplen);

/* The value of `key = value` in a camtraced.conf text (first occurrence, unquoted), or NULL. */
char *bundle_conf_value(const char *text, const char *key);

#endif
