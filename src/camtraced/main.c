/* main.c: camtraced entry point: options, then the daemon (list server / client node). */
#include "config.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	int c;

	while ((c = getopt_long(argc, argv, "c:fdnTp:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("camtraced %s\nfeatures: %s\n", ct_version(), ct_build_features());
			return 0;
		case 'c': case 'f': case 'd': case 'n': case 'T': case 'p':
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	fprintf(stderr, "camtraced: the daemon is not built yet in this version; see NEWS\n");
	return 69;
}
