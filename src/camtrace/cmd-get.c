/* cmd-get.c: `camtrace get`: fetch a file or directory a peer offered (from an inbox message, or PEER PKTNO FILEID), resumable, with progress on a terminal. */
#include "config.h"
#include <fcntl.h>
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
#include "node.h"
#include "out.h"
#include "xfer.h"

extern const struct cmd_entry cmd_get_entry;

struct get_opts {
	const char *output, *name, *size;
	int resume, dir;
	double timeout;
};

static const struct get_opts get_defaults = { .output = ".", .timeout = 30 };

/* "1.2.3.4" or "1.2.3.4:PORT" (TCP port 2425 by default) */
static int parse_peer(const char *text, struct ct_haddr *a)
{
	char ip[64], *c;
	unsigned long port = 2425;

	snprintf(ip, sizeof ip, "%s", text);
	if ((c = strchr(ip, ':'))) {
		*c++ = 0;
		port = strtoul(c, &c, 10);
		if (*c || port == 0 || port > 65535)
			return CT_EFORMAT;
	}
	return ct_haddr_parse(a, ip, (uint16_t)port);
}

/* One file to fetch. */
struct want {
	struct ct_xfer_get_req rq;
	char name[256], peer[64];
	struct ct_xfer_get_result res;
	int done;
};

static void on_done(struct ct_xfer *x, uint64_t id, const struct ct_xfer_get_result *r, void *ud)
{
	struct want *w = ud;

	(void)x;
	(void)id;
	w->res = *r;
	w->done = 1;
}

static void progress(const struct ct_cli *cli, struct ct_xfer *x, uint64_t id, const struct want *w, uint64_t *last)
{
	uint64_t now = ct_mono_ms(), got = 0;

	if (cli->json || cli->quiet || !isatty(2) || now < *last + 200 || ct_xfer_get_progress(x, id, &got) != 0)
		return;
	*last = now;
	if (!w->rq.dir && w->rq.size)
		fprintf(stderr, "\r%s: %llu of %llu bytes (%.0f%%)  ", w->name, (unsigned long long)got,
			(unsigned long long)w->rq.size, 100.0 * (double)got / (double)w->rq.size);
	else
		fprintf(stderr, "\r%s: %llu bytes  ", w->name, (unsigned long long)got);
}

static int fetch_all(const struct ct_cli *cli, const struct get_opts *o, struct want *w, size_t n)
{
	struct ct_evloop *ev = NULL;
	struct ct_hosts *h = ct_hosts_new();
	struct ct_node *node = NULL;
	struct ct_xfer *x = NULL;
	struct ct_xfer_conf xc = { .idle_ms = (uint64_t)(o->timeout * 1000) };
	char err[256] = "";
	size_t ok = 0;
	int dfd = open(o->output, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0) {
		snprintf(err, sizeof err, "%s: not a directory we can open", o->output);
		return out_fail(cli, "get", NULL, "bad_output", EX_CANTCREAT, err);
	}
	if (ct_evloop_new(&ev) != 0 || !h || !(node = cmd_own_node(ev, h, 0, err, sizeof err)) || ct_xfer_new(&x, node, &xc) != 0) {
		close(dfd);
		ct_node_free(node);
		ct_hosts_free(h);
		ct_evloop_free(ev);
		return out_fail(cli, "get", NULL, "no_node", EX_OSERR, err[0] ? err : "out of memory");
	}
	for (size_t i = 0; i < n; i++) { /* one after the other: the progress line is one file's */
		uint64_t id, last = 0;
		w[i].rq.dirfd = dfd;
		w[i].rq.resume = o->resume;
		w[i].rq.name = w[i].name;
		if (ct_xfer_get(x, &w[i].rq, on_done, &w[i], &id) != 0) {
			w[i].res.state = CT_XFER_G_BAD_NAME;
			snprintf(w[i].res.error, sizeof w[i].res.error, "the name cannot be saved here");
			continue;
		}
		while (!w[i].done) {
			ct_evloop_run_once(ev, 100);
			progress(cli, x, id, &w[i], &last);
		}
		if (last)
			fprintf(stderr, "\n");
		ok += w[i].res.state == CT_XFER_G_DONE;
	}
	ct_xfer_free(x);
	ct_node_free(node);
	ct_hosts_free(h);
	ct_evloop_free(ev);
	close(dfd);
	return ok == n ? 0 : 1;
}

static int report(const struct ct_cli *cli, const struct get_opts *o, const struct want *w, size_t n, int rc)
{
	struct ct_json *d = cli->json ? out_doc_new("get") : NULL, *arr = d ? ct_json_add_arr(d, "files") : NULL;
	size_t ok = 0;

	for (size_t i = 0; i < n; i++) {
		const struct ct_xfer_get_result *r = &w[i].res;
		double mbps = r->ms ? (double)r->bytes * 8 / 1000.0 / (double)r->ms : 0;
		ok += r->state == CT_XFER_G_DONE;
		if (arr) {
			struct ct_json *f = ct_json_add_obj(arr, NULL);
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", o->output, w[i].name);
			ct_json_add_str(f, "name", w[i].name);
			ct_json_add_str(f, "peer", w[i].peer);
			ct_json_add_int(f, "packetno", w[i].rq.packetno);
			ct_json_add_int(f, "fileid", w[i].rq.fileid);
			ct_json_add_str(f, "type", w[i].rq.dir ? "dir" : "regular");
			ct_json_add_str(f, "state", ct_xfer_gstate_name(r->state));
			ct_json_add_str(f, "path", r->state == CT_XFER_G_DONE ? path : NULL);
			ct_json_add_int(f, "bytes", (int64_t)r->bytes);
			ct_json_add_int(f, "offset", (int64_t)r->offset);
			if (w[i].rq.dir)
				ct_json_add_int(f, "files", (int64_t)r->files);
			ct_json_add_int(f, "ms", (int64_t)r->ms);
			ct_json_add_num(f, "mbit_s", mbps);
			ct_json_add_str(f, "error", r->error[0] ? r->error : NULL);
		} else if (r->state == CT_XFER_G_DONE) {
			printf("%s: %sfetched%s, %llu bytes%s in %llu ms (%.1f Mbit/s)\n", w[i].name, out_c(cli, "ok"),
				out_c(cli, "reset"), (unsigned long long)r->bytes, r->offset ? " (resumed)" : "",
				(unsigned long long)r->ms, mbps);
		} else {
			printf("%s: %s%s%s%s%s\n", w[i].name, out_c(cli, "bad"), ct_xfer_gstate_name(r->state),
				out_c(cli, "reset"), r->error[0] ? ": " : "", r->error);
		}
	}
	if (d) {
		ct_json_add_int(d, "fetched", (int64_t)ok);
		ct_json_add_int(d, "total", (int64_t)n);
		out_doc_print(d);
	}
	return rc;
}

/* The files of inbox message id (through camtraced), those named in names only when given. */
static int from_inbox(const struct ct_cli *cli, long long id, char **names, int nn, struct want **out, size_t *nout)
{
	struct ct_ctl_client *c;
	struct ct_json *p = ct_json_obj(), *res = NULL;
	const struct ct_json *m;
	struct ct_haddr from;
	char msg[96];
	int rc;

	if (!(c = ctlcli_connect(cli, "get", &rc))) {
		ct_json_free(p);
		return rc;
	}
	ct_json_add_int(p, "id", id);
	rc = ctlcli_call(cli, "get", c, CT_CTL_M_INBOX, p, &res);
	ct_json_free(p);
	ct_ctl_client_free(c);
	if (rc != 0)
		return rc;
	m = ct_json_get(res, "message");
	if (parse_peer(ctlcli_str(m, "from", ""), &from) != 0 || !ct_json_first(ct_json_get(m, "files"))) {
		ct_json_free(res);
		snprintf(msg, sizeof msg, "message %lld offers no files", id);
		return out_fail(cli, "get", NULL, "no_files", CT_EXIT_FAIL, msg);
	}
	*out = calloc(ct_json_arr_len(ct_json_get(m, "files")), sizeof **out);
	for (const struct ct_json *f = ct_json_first(ct_json_get(m, "files")); f && *out; f = ct_json_next(f)) {
		struct want *w = &(*out)[*nout];
		int64_t v = 0, keep = nn == 0;
		for (int k = 0; k < nn; k++)
			keep |= strcmp(names[k], ctlcli_str(f, "name", "")) == 0;
		if (!keep)
			continue;
		snprintf(w->name, sizeof w->name, "%s", ctlcli_str(f, "name", ""));
		snprintf(w->peer, sizeof w->peer, "%s", ctlcli_str(m, "from", ""));
		w->rq.peer = from;
		w->rq.packetno = (uint32_t)ctlcli_int(m, "packetno", 0);
		ct_json_get_i64(f, "id", &v);
		w->rq.fileid = (uint32_t)v;
		w->rq.size = (uint64_t)ctlcli_int(f, "size", 0);
		w->rq.dir = strcmp(ctlcli_str(f, "type", ""), "dir") == 0;
		w->rq.utf8 = 1;
		(*nout)++;
	}
	ct_json_free(res);
	snprintf(msg, sizeof msg, "message %lld has no such file", id);
	if (!*out || !*nout)
		return out_fail(cli, "get", NULL, "no_files", CT_EXIT_FAIL, msg);
	return 0;
}

static int get_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	const struct get_opts *o = opts;
	struct want *w = NULL;
	size_t n = 0;
	char *end;
	int rc;

	if (argc >= 3 && strchr(argv[0], '.')) { /* PEER PKTNO FILEID */
		unsigned long pkt = strtoul(argv[1], &end, 10), fid;
		if (*end || !argv[1][0])
			return cmd_usage_error(cli, &cmd_get_entry, "PKTNO: the decimal packet number of the message");
		fid = strtoul(argv[2], &end, 10);
		if (*end || !argv[2][0])
			return cmd_usage_error(cli, &cmd_get_entry, "FILEID: the decimal id of the attachment list");
		if (!o->name || (!o->dir && !o->size))
			return cmd_usage_error(cli, &cmd_get_entry, "PEER PKTNO FILEID needs --name and --size (or --dir)");
		w = calloc(1, sizeof *w);
		if (!w || parse_peer(argv[0], &w->rq.peer) != 0) {
			free(w);
			return cmd_usage_error(cli, &cmd_get_entry, "PEER: an IPv4 address (ADDR or ADDR:PORT)");
		}
		snprintf(w->name, sizeof w->name, "%s", o->name);
		snprintf(w->peer, sizeof w->peer, "%s", argv[0]);
		w->rq.packetno = (uint32_t)pkt;
		w->rq.fileid = (uint32_t)fid;
		w->rq.dir = o->dir;
		w->rq.size = o->dir ? 0 : strtoull(o->size, &end, 10);
		if (!o->dir && *end) {
			free(w);
			return cmd_usage_error(cli, &cmd_get_entry, "--size: a number of bytes");
		}
		w->rq.utf8 = 1;
		n = 1;
	} else {
		long long id = strtoll(argv[0], &end, 10);
		if (*end || id <= 0)
			return cmd_usage_error(cli, &cmd_get_entry, "give an inbox message ID, or PEER PKTNO FILEID");
		if ((rc = from_inbox(cli, id, argv + 1, argc - 1, &w, &n)) != 0) {
			free(w);
			return rc;
		}
	}
	rc = fetch_all(cli, o, w, n);
	rc = report(cli, o, w, n, rc);
	free(w);
	return rc;
}

static const struct cmd_opt get_opts_tab[] = {
	{ .type = CMD_OPT_TEXT, .arg = "ID [NAME...]", .help = "the files of inbox message ID (camtrace inbox), or only those named" },
	{ .type = CMD_OPT_TEXT, .arg = "PEER PKTNO FILEID", .help = "a file a peer offered: its address, the message's packet\n"
	  "number and the file's id (both decimal, as in the attachment list); with --name and --size or --dir" },
	{ "output", 'o', CMD_OPT_STRING, offsetof(struct get_opts, output), .arg = "DIR",
	  .help = "where the files go (default: the current directory); NAME.part until complete" },
	{ "resume", 0, CMD_OPT_FLAG, offsetof(struct get_opts, resume),
	  .help = "continue NAME.part from its length (GETFILEDATA with an offset)" },
	{ "name", 0, CMD_OPT_STRING, offsetof(struct get_opts, name), .arg = "NAME", .help = "PEER form: the name to save under" },
	{ "size", 0, CMD_OPT_STRING, offsetof(struct get_opts, size), .arg = "BYTES",
	  .help = "PEER form: the announced size (more bytes are refused)" },
	{ "dir", 0, CMD_OPT_FLAG, offsetof(struct get_opts, dir), .help = "PEER form: a directory (GETDIRFILES)" },
	{ "timeout", 0, CMD_OPT_SECONDS, offsetof(struct get_opts, timeout), 1, 3600, .arg = "TIME",
	  .help = "give up when no data came for TIME (default 30 s)" },
	{ 0 },
};

const struct cmd_entry cmd_get_entry = {
	.name = "get",
	.args = "[--output DIR] [--resume] ID [NAME...] | PEER PKTNO FILEID --name NAME (--size BYTES | --dir)",
	.summary = "fetch a file or directory a peer offered (TCP 2425)",
	.help = "Every received name is checked (no paths, no '..', no device names); a file never\n"
		"replaces an existing one; more bytes than announced are refused. Exit 0 when every\n"
		"file was fetched, 1 otherwise, 2 on a usage error.\n",
	.flags = CMD_F_DAEMON,
	.opts = get_opts_tab,
	.opts_size = sizeof(struct get_opts),
	.opts_defaults = &get_defaults,
	.arg_name = "ID",
	.args_min = 1,
	.args_max = -1,
	.exec = get_exec,
};
