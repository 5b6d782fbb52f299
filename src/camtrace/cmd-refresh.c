/* cmd-refresh.c: `camtrace refresh`: make camtraced fetch the user list from its list server now. */
#include "config.h"
#include <stdio.h>
#include "cmd.h"
#include "out.h"
#include "ctlcli.h"

static int refresh_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	struct ct_ctl_client *c;
	struct ct_json *res = NULL;
	struct ct_cli cl = *cli;
	int rc, started = 0;

	(void)opts;
	(void)argc;
	(void)argv;
	if (cl.timeout <= 0)
		cl.timeout = 40; /* a fetch with the protocol's retries can take a while */
	if (!(c = ctlcli_connect(&cl, "refresh", &rc)))
		return rc;
	rc = ctlcli_call(&cl, "refresh", c, CT_CTL_M_REFRESH, NULL, &res);
	if (rc == 0) {
		ct_json_get_bool(res, "started", &started);
		if (cli->json) {
			struct ct_json *d = out_doc_new("refresh");
			ct_json_add(d, "refresh", res);
			res = NULL;
			out_doc_print(d);
		} else if (started && !ct_json_get(res, "hosts")) {
			printf("refresh started: camtraced is fetching the list from %s\n", ctlcli_str(res, "server", "its server"));
		} else {
			printf("fetched the list from %s: %lld hosts (%lld new, %lld gone)\n",
				ctlcli_str(res, "server", "the server"), ctlcli_int(res, "hosts", 0),
				ctlcli_int(res, "added", 0), ctlcli_int(res, "removed", 0));
		}
	}
	ct_json_free(res);
	ct_ctl_client_free(c);
	return rc;
}

const struct cmd_entry cmd_refresh_entry = {
	.name = "refresh",
	.args = "",
	.summary = "make camtraced fetch the user list from its list server now",
	.help = "Same as sending SIGUSR1 to camtraced, but waits for the answer and prints it.\n"
		"Only for a camtraced with `server` set (client role). Exit 69 when it is not running.\n",
	.flags = CMD_F_DAEMON,
	.exec = refresh_exec,
};
