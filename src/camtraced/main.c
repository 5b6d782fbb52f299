/* main.c: camtraced entry point: options, config check/print, background start, then the daemon (daemon.c) and its control methods (dctl.c). */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "daemon.h"
#include "dconf.h"
#include "dctl.h"
#include "devents.h"
#include "sbuf.h"
#include "version.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"usage: camtraced [-dfnT] [-c FILE] [-p PIDFILE]\n"
		"  -c, --config FILE   configuration file (default %s/camtraced.conf)\n"
		"  -f, --foreground    stay in the foreground, log to stderr\n"
		"  -d, --debug         debug logging (implies -f)\n"
		"  -n, --check         check the configuration and exit\n"
		"  -T, --print-config  print the effective configuration and exit\n"
		"  -p, --pidfile FILE  pid file\n"
		"  -h, --help          this help\n"
		"  -V, --version       version and build features\n"
		"See camtraced(8) and camtraced.conf(5).\n", SYSCONFDIR);
}

/* -n and -T: load the configuration, report, print. -n checks what the start would refuse too
 * (ct_dconf_check_system: users, groups, directories), as the start does. */
static int check_config(const char *path, const char *pidfile, int print)
{
	struct ct_daemon_conf conf;
	struct ct_sbuf errs, out;
	int r;

	memset(&conf, 0, sizeof conf);
	ct_sbuf_init(&errs);
	r = ct_dconf_load(&conf, path, &errs);
	if (r == 0 && !print)
		r = ct_dconf_check_system(&conf, path, pidfile,
			CT_DCONF_CHECK_PIDFILE | (geteuid() == 0 ? CT_DCONF_CHECK_AS_ROOT : 0), &errs);
	if (r != 0) {
		fprintf(stderr, "%s", errs.p ? errs.p : "camtraced: cannot load the configuration\n");
		ct_sbuf_fini(&errs);
		ct_dconf_free(&conf);
		return EX_CONFIG;
	}
	if (print) {
		ct_sbuf_init(&out);
		ct_dconf_print(&conf, &out);
		fputs(out.p ? out.p : "", stdout);
		ct_sbuf_fini(&out);
	} else {
		printf("%s: configuration OK\n", path);
	}
	ct_sbuf_fini(&errs);
	ct_dconf_free(&conf);
	return 0;
}

/* A start-up error on stderr: each of its lines (one per bad configuration line) prefixed. */
static void print_err(const char *msg)
{
	const char *nl;

	do {
		nl = strchr(msg, '\n');
		if (nl != msg && *msg)
			fprintf(stderr, "camtraced: %.*s\n", nl ? (int)(nl - msg) : (int)strlen(msg), msg);
		msg = nl ? nl + 1 : NULL;
	} while (msg && *msg);
}

/* The child tells the parent how the start went: one status byte, then a message. */
static void tell_parent(int fd, int code, const char *msg)
{
	unsigned char c = (unsigned char)code;

	if (fd < 0)
		return;
	if (write(fd, &c, 1) == 1 && msg && *msg && write(fd, msg, strlen(msg)) < 0)
		return;
}

static int wait_child(int fd)
{
	unsigned char c;
	char msg[2048];
	ssize_t n;

	if (read(fd, &c, 1) != 1) {
		fprintf(stderr, "camtraced: the daemon died while starting; see its log\n");
		return EX_SOFTWARE;
	}
	n = read(fd, msg, sizeof msg - 1);
	if (c != 0 && n > 0) {
		msg[n] = '\0';
		print_err(msg);
	}
	return c;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'n' },
		{ "print-config", no_argument, NULL, 'T' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts o = { .ready_fd = -1 };
	struct daemon d;
	char err[4096];
	int c, check = 0, print = 0, rc;

	while ((c = getopt_long(argc, argv, "c:fdnTp:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("camtraced %s\nfeatures: %s\n", ct_version(), ct_build_features());
			return 0;
		case 'c': o.config = optarg; break;
		case 'f': o.foreground = 1; break;
		case 'd': o.debug = o.foreground = 1; break;
		case 'n': check = 1; break;
		case 'T': print = 1; break;
		case 'p': o.pidfile = optarg; break;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "camtraced: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EX_USAGE;
	}
	if (check || print)
		return check_config(o.config ? o.config : CT_DCONF_DEFAULT_PATH, o.pidfile, print);
	if (!o.foreground) {
		int pfd[2];
		pid_t pid;
		if (pipe(pfd) != 0 || (pid = fork()) < 0) {
			fprintf(stderr, "camtraced: cannot go to the background: %s\n", strerror(errno));
			return EX_OSERR;
		}
		if (pid > 0) {
			close(pfd[1]);
			return wait_child(pfd[0]);
		}
		close(pfd[0]);
		o.ready_fd = pfd[1];
		setsid();
	}
	rc = daemon_open(&d, &o, err, sizeof err);
	if (rc != 0) {
		if (o.ready_fd >= 0)
			tell_parent(o.ready_fd, rc, err);
		else
			print_err(err);
		daemon_close(&d);
		return rc;
	}
	dctl_register(&d);
	devents_register(&d);
	if (o.ready_fd >= 0) {
		int null = open("/dev/null", O_RDWR);
		tell_parent(o.ready_fd, 0, NULL);
		close(o.ready_fd);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
		if (chdir("/") != 0)
			return EX_OSERR;
	}
	rc = daemon_run(&d);
	daemon_close(&d);
	return rc;
}
