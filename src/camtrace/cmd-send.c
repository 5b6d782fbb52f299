/* cmd-send.c: `camtrace send TO... TEXT`: send a message through camtraced (or directly), report delivery per recipient. */
#include "config.h"
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include "clock.h"
#include "cmd.h"
#include "ctlcli.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "msg.h"
#include "node.h"
#include "out.h"

extern const struct cmd_entry cmd_send_entry;

struct send_opts {
	int seal, wait_read, all, direct;
	const char *encrypt, *network;
	struct cmd_list files;        /* --file PATH: offered with the message (through camtraced) */
	uint64_t wait_fetch_ms;       /* --wait-fetch: the report waits for the fetches */
};

static const char *const encrypt_choices[] = { "auto", "require", "off", NULL };

static const struct send_opts send_defaults = { .encrypt = "off" };

/* One recipient's line of text output. */
static void print_one(const struct ct_cli *cli, const struct ct_json *r)
{
	const char *state = ctlcli_str(r, "state", "?");
	long long tries = ctlcli_int(r, "tries", 0), ms = ctlcli_int(r, "ms", 0);
	const char *addr = ctlcli_str(r, "address", "");
	const struct ct_json *rd = ct_json_get(r, "read");
	int read = 0;

	int same = !strcmp(addr, ctlcli_str(r, "to", "")) || !addr[0];

	printf("%s%s%s%s ", ctlcli_str(r, "to", "?"), same ? "" : " (", same ? "" : addr, same ? "" : ")");
	if (!strcmp(state, "delivered"))
		printf("%sdelivered%s in %lld tr%s, %lld ms, %s", out_c(cli, "ok"), out_c(cli, "reset"), tries,
			tries == 1 ? "y" : "ies", ms, ctlcli_str(r, "charset", "?"));
	else if (!strcmp(state, "not_delivered"))
		printf("%snot delivered%s after %lld tr%s (%lld ms without RECVMSG)", out_c(cli, "bad"), out_c(cli, "reset"),
			tries, tries == 1 ? "y" : "ies", ms);
	else
		printf("%s%s%s: %s", out_c(cli, "bad"), state, out_c(cli, "reset"), ctlcli_str(r, "error", ""));
	if (rd && ct_json_get_bool(r, "read", &read) == 0)
		printf(read ? ", read after %lld ms" : ", not read yet", ctlcli_int(r, "read_ms", 0));
	if (ct_json_get_str(r, "auto_reply"))
		printf(", automatic reply: \"%s\"", ct_json_get_str(r, "auto_reply"));
	for (const struct ct_json *f = ct_json_first(ct_json_get(r, "files")); f; f = ct_json_next(f))
		printf("; %s %s", ctlcli_str(f, "name", "?"), ctlcli_str(f, "state", "?"));
	printf("\n");
}

/* Prints the result (recipients, delivered, total) and returns the exit code. */
static int report(const struct ct_cli *cli, struct ct_json *res, const char *path)
{
	long long delivered = ctlcli_int(res, "delivered", 0), total = ctlcli_int(res, "total", 0);
	int rc = total > 0 && delivered == total ? 0 : 1;

	if (cli->json) {
		struct ct_json *d = out_doc_new("send");
		ct_json_add_str(d, "path", path);
		ct_json_add(d, "recipients", ct_json_detach(res, "recipients"));
		ct_json_add_int(d, "delivered", delivered);
		ct_json_add_int(d, "total", total);
		out_doc_print(d);
		return rc;
	}
	for (const struct ct_json *e = ct_json_first(ct_json_get(res, "recipients")); e; e = ct_json_next(e))
		print_one(cli, e);
	if (!cli->quiet)
		printf("%lld of %lld delivered (%s)\n", delivered, total, path);
	return rc;
}

/* ---- directly, without camtraced: a node of our own on UDP 2425 for the time of the send ---- */

struct direct_run {
	struct ct_json *res;
	int done;
};

static void direct_done(struct ct_msg *m, uint64_t job, const struct ct_msg_result *r, size_t n, void *ud)
{
	struct direct_run *dr = ud;
	struct ct_json *arr = ct_json_get(dr->res, "recipients") ? NULL : ct_json_add_arr(dr->res, "recipients");
	size_t delivered = 0;

	(void)m;
	(void)job;
	for (size_t i = 0; arr && i < n; i++) {
		ct_json_add(arr, NULL, ct_msg_result_json(&r[i], NULL, 0));
		delivered += r[i].state == CT_MSG_DELIVERED;
	}
	ct_json_add_int(dr->res, "delivered", (int64_t)delivered);
	ct_json_add_int(dr->res, "total", (int64_t)n);
	dr->done = 1;
}

struct ct_node *cmd_own_node(struct ct_evloop *ev, struct ct_hosts *h, int try_2425, char *err, size_t errlen)
{
	struct ct_node_conf nc;
	struct ct_node *n = NULL;
	struct passwd *pw = getpwuid(getuid());
	static char host[256];

	memset(&nc, 0, sizeof nc);
	if (gethostname(host, sizeof host - 1) != 0)
		snprintf(host, sizeof host, "camtrace");
	nc.user = pw && pw->pw_name ? pw->pw_name : "camtrace";
	nc.host = host;
	nc.nick = nc.user;
	nc.no_broadcast = 1;
	/* from 2425 when it is free: iptux answers to 2425 whatever port we send from */
	if (try_2425 && ct_node_new(&n, ev, h, &nc, err, errlen) == 0)
		return n;
	for (unsigned p = 40000 + (unsigned)getpid() % 20000, k = 0; k < 32; k++, p = 40000 + (p + 7919) % 20000) {
		nc.port = (uint16_t)p;
		if (ct_node_new(&n, ev, h, &nc, err, errlen) == 0) {
			if (try_2425)
				fprintf(stderr, "camtrace send: UDP 2425 is taken (%s); sending from port %u: iptux's "
					"RECVMSG goes to 2425 and will be missed\n", "run the message through camtraced instead", p);
			return n;
		}
	}
	return NULL;
}

static int send_direct(const struct ct_cli *cli, const struct send_opts *so, int nto, char **to, const char *text)
{
	struct ct_evloop *ev = NULL;
	struct ct_hosts *h = ct_hosts_new();
	struct ct_node *n = NULL;
	struct ct_msg *m = NULL;
	struct ct_msg_conf mc = { .retry_ms = 1000, .retries = 3 };
	/* no key pair on the direct path: auto sends in the clear and says so, require fails */
	struct ct_msg_send_opts o = { .text = text, .seal = so->seal, .wait_read = so->wait_read,
		.encrypt = (enum ct_msg_encrypt)ct_msg_encrypt_parse(so->encrypt) };
	struct ct_msg_to *v = calloc((size_t)nto + 1, sizeof *v);
	struct direct_run dr = { ct_json_obj(), 0 };
	char err[512];
	int rc = 0, k = 0;

	if (ct_evloop_new(&ev) != 0 || !h || !v || !dr.res || !(n = cmd_own_node(ev, h, 1, err, sizeof err)) ||
	    ct_msg_new(&m, n, &mc) != 0)
		rc = out_fail(cli, "send", NULL, "cannot_send", EX_UNAVAILABLE, n || !ev ? "out of memory" : err);
	for (int i = 0; rc == 0 && i < nto; i++) {
		if (ct_msg_resolve(NULL, to[i], &v[k], 1, err, sizeof err) == 1) {
			k++;
			continue;
		}
		rc = cmd_usage_error(cli, &cmd_send_entry, "%s; camtraced is not running, so recipients are addresses", err);
	}
	if (rc == 0 && ct_msg_send(m, v, (size_t)k, &o, direct_done, &dr, NULL) != 0)
		rc = out_fail(cli, "send", NULL, "cannot_send", EX_SOFTWARE, "the message could not be queued");
	while (rc == 0 && !dr.done)
		ct_evloop_run_once(ev, 100);
	if (rc == 0)
		rc = report(cli, dr.res, "direct");
	ct_json_free(dr.res);
	ct_msg_free(m);
	ct_node_free(n);
	ct_hosts_free(h);
	ct_evloop_free(ev);
	free(v);
	return rc;
}

/* ---- through camtraced ---- */

static int send_daemon(const struct ct_cli *cli, struct ct_ctl_client *c, const struct send_opts *so, int nto,
	char **to, const char *text)
{
	struct ct_json *p = ct_json_obj(), *arr, *res = NULL;
	struct ct_cli cl = *cli;
	int rc;

	arr = ct_json_add_arr(p, "to");
	for (int i = 0; i < nto; i++)
		ct_json_add_str(arr, NULL, to[i]);
	ct_json_add_bool(p, "all", so->all);
	if (so->network)
		ct_json_add_str(p, "network", so->network);
	ct_json_add_str(p, "text", text);
	ct_json_add_bool(p, "seal", so->seal);
	ct_json_add_bool(p, "wait_read", so->wait_read);
	ct_json_add_str(p, "encrypt", so->encrypt);
	if (so->files.n) { /* absolute: the daemon opens them */
		struct ct_json *fa = ct_json_add_arr(p, "files");
		for (int i = 0; i < so->files.n; i++) {
			char *rp = realpath(so->files.v[i], NULL);
			ct_json_add_str(fa, NULL, rp ? rp : so->files.v[i]);
			free(rp);
		}
		ct_json_add_int(p, "wait_fetch_ms", (int64_t)so->wait_fetch_ms);
	}
	if (cl.timeout <= 0) { /* what camtraced may take with its default retries, the wait asked, 30 s more */
		struct ct_msg_conf dc = { .retries = 3 };
		cl.timeout = 30 + (double)(ct_msg_send_budget_ms(&dc, nto > 0 ? (size_t)nto : 1, so->wait_read) +
			so->wait_fetch_ms) / 1000;
	}
	rc = ctlcli_call(&cl, "send", c, CT_CTL_M_SEND, p, &res);
	ct_json_free(p);
	if (rc == 0)
		rc = report(cli, res, "daemon");
	ct_json_free(res);
	return rc;
}

static int send_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	const struct send_opts *so = opts;
	struct ct_ctl_client *c = NULL;
	const char *text = argv[argc - 1];
	int nto = argc - 1, r, rc;

	if (so->network && !so->all)
		return cmd_usage_error(cli, &cmd_send_entry, "--network chooses among --all's users: give --all too");
	if (so->all && nto > 0)
		return cmd_usage_error(cli, &cmd_send_entry, "--all sends to every known user: give only the TEXT");
	if (!so->all && nto < 1)
		return cmd_usage_error(cli, &cmd_send_entry, "give at least one recipient (TO) before the TEXT");
	if (so->direct && so->files.n)
		return cmd_usage_error(cli, &cmd_send_entry, "--file is served by camtraced: leave out --direct");
	if (!so->direct) {
		if (ct_ctl_client_new(&c) != 0)
			return out_fail(cli, "send", NULL, "no_memory", EX_OSERR, "out of memory");
		r = ct_ctl_client_connect(c, ctlcli_path(cli), ctlcli_timeout_ms(cli));
		if (r == 0) {
			rc = send_daemon(cli, c, so, nto, argv, text);
			ct_ctl_client_free(c);
			return rc;
		}
		ct_ctl_client_free(c);
		if (r != CT_ENOTFOUND && r != CT_ECLOSED) /* it runs but refuses us: say so */
			return ctlcli_connect(cli, "send", &rc) ? EX_SOFTWARE : rc;
	}
	if (so->all || so->files.n)
		return out_fail(cli, "send", ctlcli_path(cli), "daemon_not_running", EX_UNAVAILABLE, so->all ?
			"--all sends to the users camtraced knows: it is not running" :
			"--file offers the file from camtraced, which serves it on TCP 2425: it is not running");
	return send_direct(cli, so, nto, argv, text);
}

static const struct cmd_opt send_opts[] = {
	{ "seal", 0, CMD_OPT_FLAG, offsetof(struct send_opts, seal), .help = "sealed (SECRETOPT): the receiver opens it" },
	{ "wait-read", 0, CMD_OPT_FLAG, offsetof(struct send_opts, wait_read),
	  .help = "sealed, with the read notice asked (READCHECKOPT): wait for it" },
	{ "encrypt", 0, CMD_OPT_ENUM, offsetof(struct send_opts, encrypt), .arg = "MODE", .choices = encrypt_choices,
	  .help = "auto (encrypted when the peer can, else in the clear), require, or off (default)" },
	{ "all", 0, CMD_OPT_FLAG, offsetof(struct send_opts, all),
	  .help = "to every user camtraced knows (local and external), paced" },
	{ "network", 0, CMD_OPT_CIDR, offsetof(struct send_opts, network),
	  .help = "with --all: only the users in this network" },
	{ "direct", 0, CMD_OPT_FLAG, offsetof(struct send_opts, direct),
	  .help = "send from camtrace itself even when camtraced runs" },
	{ "file", 0, CMD_OPT_LIST, offsetof(struct send_opts, files), 0, 64, .arg = "PATH",
	  .help = "offer a file or directory with the message (camtraced serves it on TCP 2425); repeatable" },
	{ "wait-fetch", 0, CMD_OPT_MS, offsetof(struct send_opts, wait_fetch_ms), 0, 86400000, .arg = "TIME",
	  .help = "with --file: report after the recipients fetched the files, or after TIME" },
	{ 0 },
};

const struct cmd_entry cmd_send_entry = {
	.name = "send",
	.args = "[--seal] [--wait-read] [--encrypt MODE] [--all [--network CIDR]] [--direct] [--file PATH]... TO... [--] TEXT",
	.summary = "send a message and report, per recipient, whether it was delivered",
	.help = "TO: an IPv4 address (port 2425 unless ADDR:PORT), or a nick, user, host or user@host\n"
		"from camtraced's table. With camtraced running the message goes out from it (its\n"
		"identity, its retries: msg_retry_ms, msg_retries); else camtrace sends it itself\n"
		"from UDP 2425, to addresses only, 4 tries 1 s apart. Exit 0 when every recipient\n"
		"acknowledged (RECVMSG), 1 when one did not, 2 on a usage error.\n",
	.flags = CMD_F_DAEMON,
	.opts = send_opts,
	.opts_size = sizeof(struct send_opts),
	.opts_defaults = &send_defaults,
	.arg_name = "TO",
	.args_min = 1,
	.args_max = -1,
	.exec = send_exec,
};
