/* cmd-inbox.c: `camtrace inbox [ID]`: list the messages camtraced received, or open one (a sealed one sends its read notice). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "ctlcli.h"
#include "out.h"

extern const struct cmd_entry cmd_inbox_entry;

static void print_row(const struct ct_json *m, void *ud)
{
	const struct ct_cli *cli = ud;
	struct ct_sbuf b;
	const char *text = ct_json_get_str(m, "text");
	int read = 0, sealed = 0;

	ct_json_get_bool(m, "read", &read);
	ct_json_get_bool(m, "sealed", &sealed);
	ct_sbuf_init(&b);
	out_cell(&b, ctlcli_str(m, "time", ""), 20);
	out_cell(&b, ctlcli_str(m, "nick", "")[0] ? ctlcli_str(m, "nick", "") : ctlcli_str(m, "user", "?"), 16);
	out_cell(&b, ctlcli_str(m, "from", ""), 21);
	out_cell(&b, text ? text : "(sealed: camtrace inbox ID opens it)", 40);
	printf("%5lld %s%s%s%s%s\n", ctlcli_int(m, "id", 0), read ? "" : out_c(cli, "bold"), b.p ? b.p : "",
		sealed ? " [sealed]" : "", ct_json_get_str(m, "crypt_error") ? " [encrypted, not readable]" :
		ct_json_get_str(m, "cipher") ? " [encrypted]" : "", read ? "" : out_c(cli, "reset"));
	ct_sbuf_fini(&b);
}

static void print_message(const struct ct_json *m)
{
	int sealed = 0, autoreply = 0;
	const char *cipher = ct_json_get_str(m, "cipher"), *why = ct_json_get_str(m, "crypt_error");

	ct_json_get_bool(m, "sealed", &sealed);
	ct_json_get_bool(m, "auto_reply", &autoreply);
	if (cipher || why)
		printf("encrypted%s%s, signature %s%s%s\n", cipher ? " with " : "", cipher ? cipher : "",
			ctlcli_str(m, "signature", "none"), why ? "; not readable: " : "", why ? why : "");
	printf("message %lld from %s@%s (%s%s%s) at %s, %s%s%s\n\n%s\n", ctlcli_int(m, "id", 0), ctlcli_str(m, "user", "?"),
		ctlcli_str(m, "host", "?"), ctlcli_str(m, "from", "?"), ctlcli_str(m, "nick", "")[0] ? ", " : "",
		ctlcli_str(m, "nick", ""), ctlcli_str(m, "time", "?"), ctlcli_str(m, "charset", "?"),
		sealed ? ", sealed (read notice sent)" : "", autoreply ? ", automatic reply" : "", ctlcli_str(m, "text", ""));
}

static int inbox_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	struct ct_ctl_client *c;
	struct ct_json *p = ct_json_obj(), *res = NULL;
	int rc;

	(void)opts;
	if (argc == 1) {
		char *end;
		long long id = strtoll(argv[0], &end, 10);
		if (*end || id <= 0) {
			ct_json_free(p);
			return cmd_usage_error(cli, &cmd_inbox_entry, "ID is a message number (camtrace inbox lists them)");
		}
		ct_json_add_int(p, "id", id);
	}
	if (!(c = ctlcli_connect(cli, "inbox", &rc))) {
		ct_json_free(p);
		return rc;
	}
	rc = ctlcli_call(cli, "inbox", c, CT_CTL_M_INBOX, p, &res);
	if (rc == 0 && cli->json) {
		struct ct_json *d = out_doc_new("inbox");
		ct_json_add(d, "inbox", res);
		res = NULL;
		out_doc_print(d);
	} else if (rc == 0 && argc == 1) {
		print_message(ct_json_get(res, "message"));
	} else if (rc == 0) {
		printf("%lld message%s, %lld unread\n", ctlcli_int(res, "count", 0), ctlcli_int(res, "count", 0) == 1 ? "" : "s",
			ctlcli_int(res, "unread", 0));
		ctlcli_foreach(ct_json_get(res, "messages"), print_row, cli);
	}
	ct_json_free(p);
	ct_json_free(res);
	ct_ctl_client_free(c);
	return rc;
}

const struct cmd_entry cmd_inbox_entry = {
	.name = "inbox",
	.args = "[ID]",
	.summary = "list the messages camtraced received, or show one",
	.help = "Without ID: one line per message, oldest first (a sealed one's text stays hidden).\n"
		"With ID: the whole message; it is marked read, and a sealed one sends its sender\n"
		"the read notice (READMSG). Exit 69 when camtraced is not running.\n",
	.flags = CMD_F_DAEMON,
	.arg_name = "ID",
	.args_min = 0,
	.args_max = 1,
	.exec = inbox_exec,
};
