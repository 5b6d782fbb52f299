/* cmd-version.c: `camtrace version`: version and build features (text or --json). */
#include "config.h"
#include <stdio.h>
#include "cmd.h"
#include "out.h"
#include "version.h"

static int version_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	if (cli->json) {
		struct ct_json *d = out_doc_new("version");
		ct_json_add_str(d, "version", ct_version());
		ct_json_add_str(d, "features", ct_build_features());
		out_doc_print(d);
	} else {
		printf("camtrace %s\nfeatures: %s\n", ct_version(), ct_build_features());
	}
	return CT_EXIT_OK;
}

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.args = "",
	.summary = "print the version and build features",
	.help = "",
	.exec = version_exec,
};
