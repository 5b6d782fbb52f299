/* cmd-doctor.c: `camtrace doctor`: runs the troubleshooting steps (src/lib/doctor/) and renders each step and the verdict as text or JSON. */
#include "config.h"
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "ctl.h"
#include "ctlcli.h"
#include "doctor.h"
#include "doctor-probe.h"
#include "doctor-text.h"
#include "evloop.h"
#include "hosts.h"
#include "node.h"
#include "out.h"
#include "probe-common.h"
#include "privs.h"
#include "sbuf.h"
#include "util.h"

struct dctx {
	struct ct_cli *cli;
	int step_mode;
	int n;
	unsigned cols;            /* text width: the terminal's, COLUMNS, else 80 */
};

/* SIGINT / SIGTERM: BR_EXIT to the hosts the probes announced this host to, then the usual
 * death of the signal (sendto is async-signal-safe; the packet was built before any probe). */
static struct ct_doctor *sig_doctor;
static int sig_fd = -1;

static void on_signal(int sig)
{
	if (sig_doctor && sig_fd >= 0) {
		ct_doc_withdraw_send(sig_doctor, sig_fd);
		ct_doc_withdraw_send(sig_doctor, sig_fd);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void withdraw_on_signals(struct ct_doctor *d)
{
	struct sigaction sa;

	sig_fd = d->node ? ct_node_fd(d->node) : socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sig_doctor = d;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void withdraw_on_signals_end(struct ct_doctor *d)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sig_doctor = NULL;
	if (sig_fd >= 0 && !d->node)
		close(sig_fd);
	sig_fd = -1;
}

/* The width text wraps to: COLUMNS when set, else the terminal's (TIOCGWINSZ), else 80. */
static unsigned text_columns(void)
{
	const char *e = getenv("COLUMNS");
	struct winsize ws;
	long c;

	if (e && (c = strtol(e, NULL, 10)) >= 20 && c <= 1000)
		return (unsigned)c;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

/* Prints text wrapped to the width with a hanging indent (first line after `first`, the rest
 * under it, indented by `rest`). */
static void put_wrapped(FILE *o, unsigned cols, const char *first, const char *rest, const char *text)
{
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	ct_doc_wrap(&b, text ? text : "", first, rest, cols);
	if (b.p)
		fputs(b.p, o);
	ct_sbuf_fini(&b);
}

static const char *status_colour(enum ct_doc_status st)
{
	return st == CT_DOC_OK ? "ok" : st == CT_DOC_PROBLEM ? "bad" : st == CT_DOC_SKIPPED ? "dim" : "warn";
}

static void before(struct ct_doctor *d, struct ct_doc_step *s, void *ud)
{
	struct dctx *c = ud;
	FILE *o = c->cli->json ? stderr : stdout;

	(void)d;
	if (!c->step_mode)
		return;
	fprintf(o, "%snext step: %s%s\n", out_c(c->cli, "bold"), s->title, out_c(c->cli, "reset"));
	/* only a command one can run is shown as one */
	if (s->command[0])
		put_wrapped(o, c->cols, "  about to run: ", "    ", s->command);
	else
		put_wrapped(o, c->cols, "  about to: ", "    ", s->what);
	if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
		char line[64];
		fprintf(o, "  press Enter to run it (Ctrl-C stops) ");
		fflush(o);
		if (!fgets(line, sizeof line, stdin))
			fprintf(o, "\n");
	}
	fflush(o);
}

static void after(struct ct_doctor *d, struct ct_doc_step *s, void *ud)
{
	struct dctx *c = ud;
	struct ct_cli *cli = c->cli;

	(void)d;
	c->n++;
	if (cli->json)
		return;
	printf("%s%d. %s%s\n", out_c(cli, "bold"), c->n, s->title, out_c(cli, "reset"));
	/* the verdict's evidence is printed once, below the steps */
	if ((s->status != CT_DOC_SKIPPED || s->nev) && strcmp(s->key, "verdict") != 0) {
		printf("%s", out_c(cli, "dim"));
		put_wrapped(stdout, c->cols, "   ", "   ", s->what);
		printf("%s", out_c(cli, "reset"));
		for (unsigned i = 0; i < s->nev; i++)
			put_wrapped(stdout, c->cols, "   | ", "   |   ", s->ev[i]);
	}
	{
		char lead[96];
		snprintf(lead, sizeof lead, "   => %s%s%s: ", out_c(cli, status_colour(s->status)),
			ct_doc_status_key(s->status), out_c(cli, "reset"));
		put_wrapped(stdout, c->cols, lead, "      ", s->result);
		printf("\n");
	}
	fflush(stdout);
}

static void json_probe(struct ct_json *o, const char *key, const struct ct_doc_probe *p)
{
	struct ct_json *j = ct_json_add_obj(o, key);
	char t[600], a[16];

	ct_json_add_str(j, "address", p->addr_s);
	ct_json_add_str(j, "udp_2425", p->udp_done ? ct_port_state_key(p->udp.state) : NULL);
	ct_json_add_str(j, "program", p->udp_done && p->udp.state == CT_PORT_OPEN ? p->udp.program : NULL);
	ct_doc_udp_text(p, t, sizeof t);
	ct_json_add_str(j, "udp_text", t);
	ct_json_add_str(j, "tcp_2425", p->tcp_done ? ct_port_state_key(ct_doc_tcp_blocked(p) ? CT_PORT_FILTERED :
		p->tcp_state) : NULL);
	ct_json_add_str(j, "tcp_answer", p->tcp_done ? ct_doc_tcp_key(p->tcp_judge) : NULL);
	ct_json_add_str(j, "tcp_answer_from", p->tcp_answered ? ct_doc_ip_s(p->tcp_reply.from, a) : NULL);
	if (p->tcp_hop)
		ct_json_add_int(j, "tcp_hop", p->tcp_hop);
	else
		ct_json_add_null(j, "tcp_hop");
	ct_doc_tcp_text(p, t, sizeof t);
	ct_json_add_str(j, "tcp_text", t);
}

/* one user <-> server direction: {checked, udp, udp_rtt_ms, tcp, program, text} */
static void json_pair(struct ct_json *o, const char *key, const struct ct_doc_pair *p, const char *by)
{
	struct ct_json *j = ct_json_add_obj(o, key);

	ct_json_add_bool(j, "checked", p->checked);
	ct_json_add_str(j, "by", by);
	ct_json_add_str(j, "udp_2425", p->checked ? ct_coop_udp_key(p->res.udp) : NULL);
	if (p->checked && p->res.udp == CT_COOP_UDP_ANSWERED)
		ct_json_add_num(j, "udp_rtt_ms", p->res.udp_rtt_us / 1000.0);
	else
		ct_json_add_null(j, "udp_rtt_ms");
	ct_json_add_str(j, "udp_answered", p->checked ? ct_coop_how_key(p->res.udp_how) : NULL);
	ct_json_add_str(j, "tcp_2425", p->checked ? ct_coop_tcp_key(p->res.tcp) : NULL);
	ct_json_add_str(j, "program", p->checked && p->res.program[0] ? p->res.program : NULL);
	ct_json_add_str(j, "text", p->text);
}

/* A user's "rtp" (each port's state) and "deep" (--deep's message and encryption checks). */
static void json_user_rtp_deep(struct ct_json *j, const struct ct_doc_user *u)
{
	struct ct_json *pa = ct_json_add_arr(j, "rtp");

	for (int k = 0; k < u->rtp_done; k++) {
		struct ct_json *r = ct_json_add_obj(pa, NULL);
		ct_json_add_int(r, "port", u->rtp[k].port);
		ct_json_add_str(r, "state", ct_port_state_key(u->rtp[k].state));
	}
	ct_doc_deep_json(j, u);
}

/* "server": the server found, and what step 1 saw around it (segment servers, federation) */
static void json_server(const struct ct_doctor *d, struct ct_json *doc)
{
	struct ct_json *srv = ct_json_add_obj(doc, "server"), *arr;

	ct_json_add_str(srv, "address", d->server ? d->server_s : NULL);
	ct_json_add_str(srv, "name", d->server_name[0] ? d->server_name : NULL);
	ct_json_add_str(srv, "found_by", d->server_how[0] ? d->server_how : NULL);
	ct_json_add_bool(srv, "list_fetched", d->list_ok);
	ct_json_add_int(srv, "list_users", (int64_t)d->list_hosts);
	ct_json_add_bool(srv, "control_socket", d->ctl_is_server);
	ct_json_add_bool(srv, "on_this_host", d->on_server);
	ct_json_add_str(srv, "config_file", d->ctl_is_server && d->ctl_config[0] ? d->ctl_config : NULL);
	arr = ct_json_add_arr(srv, "segment_servers"); /* every list server that answered the broadcast */
	for (int i = 0; i < d->nseg_servers; i++)
		ct_json_add_str(arr, NULL, d->seg_servers[i]);
	arr = ct_json_add_arr(srv, "unreachable_peers"); /* federation peers the server cannot reach */
	for (int i = 0; i < d->nfed_down; i++)
		ct_json_add_str(arr, NULL, d->fed_down[i]);
}

static void json_doc(struct ct_doctor *d, struct ct_json *doc)
{
	struct ct_json *arr, *v, *ev, *h;

	json_server(d, doc);
	ct_json_add_str(doc, "this_host", d->self_addr ? d->self_s : NULL);
	/* where doctor's probe announced itself (BR_ENTRY|DIALUPOPT) and sent BR_EXIT at the end */
	arr = ct_json_add_arr(doc, "withdrawn");
	for (int i = 0; i < d->withdrawn; i++) {
		char a[16];
		ct_json_add_str(arr, NULL, ct_doc_ip_s(d->announced[i], a));
	}
	arr = ct_json_add_arr(doc, "users");
	for (int i = 0; i < d->nusers; i++) {
		const struct ct_doc_user *u = &d->u[i];
		struct ct_json *j = ct_json_add_obj(arr, NULL), *pa;
		ct_json_add_str(j, "spec", u->spec);
		ct_json_add_str(j, "address", u->addr ? u->addr_s : NULL);
		ct_json_add_bool(j, "listed", u->listed);
		ct_json_add_bool(j, "network_reached", u->unlisted_reached || u->listed);
		ct_json_add_str(j, "user", u->user[0] ? u->user : NULL);
		ct_json_add_str(j, "state", u->state[0] ? u->state : NULL);
		ct_json_add_str(j, "learned_from", u->learned_from[0] ? u->learned_from : NULL);
		if (u->flaps >= 0)
			ct_json_add_int(j, "flaps", u->flaps);
		else
			ct_json_add_null(j, "flaps");
		if (u->recent_flaps >= 0)
			ct_json_add_int(j, "flaps_in_window", u->recent_flaps);
		else
			ct_json_add_null(j, "flaps_in_window");
		if (u->self.addr)
			json_probe(j, "probe", &u->self);
		else
			ct_json_add_null(j, "probe");
		pa = ct_json_add_arr(j, "peers");
		for (int k = 0; k < u->npeers; k++)
			json_probe(pa, NULL, &u->peers[k]);
		ct_json_add_int(j, "peers_answering", u->peers_answer);
		json_pair(j, "user_to_server", &u->u2s, "coop");
		json_pair(j, "server_to_user", &u->s2u, "control_socket");
		json_user_rtp_deep(j, u);
	}
	arr = ct_json_add_arr(doc, "steps");
	for (int i = 0; i < CT_DOC_NSTEPS; i++) {
		const struct ct_doc_step *s = &d->steps[i];
		struct ct_json *j = ct_json_add_obj(arr, NULL), *e;
		ct_json_add_int(j, "number", i + 1);
		ct_json_add_str(j, "name", s->key);
		ct_json_add_str(j, "title", s->title);
		ct_json_add_str(j, "what", s->what);
		ct_json_add_str(j, "command", s->command[0] ? s->command : NULL);
		ct_json_add_str(j, "status", ct_doc_status_key(s->status));
		ct_json_add_str(j, "result", s->result);
		e = ct_json_add_arr(j, "evidence");
		for (unsigned k = 0; k < s->nev; k++)
			ct_json_add_str(e, NULL, s->ev[k]);
	}
	v = ct_json_add_obj(doc, "verdict");
	ct_json_add_str(v, "class", ct_doc_class_key(d->v.cls));
	ct_json_add_int(v, "exit", ct_doctor_exit(d));
	ct_json_add_str(v, "finding", d->v.finding);
	ct_json_add_str(v, "fix", d->v.fix);
	ct_json_add_str(v, "device", d->v.device[0] ? d->v.device : NULL);
	ct_json_add_str(v, "config_line", d->v.config_line[0] ? d->v.config_line : NULL);
	ct_json_add_str(v, "hint", d->v.hint);
	h = ct_json_add_arr(v, "commands");
	for (int i = 0; i < d->v.ncommands; i++)
		ct_json_add_str(h, NULL, d->v.commands[i]);
	ev = ct_json_add_obj(v, "evidence");
	ct_json_add_str(ev, "protocol", d->v.protocol[0] ? d->v.protocol : NULL);
	ct_json_add_str(ev, "ports", d->v.ports[0] ? d->v.ports : NULL);
	ct_json_add_str(ev, "packet", d->v.packet[0] ? d->v.packet : NULL);
	ct_json_add_str(ev, "direction", d->v.direction[0] ? d->v.direction : NULL);
	if (d->v.hop)
		ct_json_add_int(ev, "hop", d->v.hop);
	else
		ct_json_add_null(ev, "hop");
	ct_json_add_str(ev, "hop_address", d->v.hop_addr[0] ? d->v.hop_addr : NULL);
	if (d->v.icmp_type >= 0) {
		struct ct_json *ic = ct_json_add_obj(ev, "icmp");
		ct_json_add_int(ic, "type", d->v.icmp_type);
		ct_json_add_int(ic, "code", d->v.icmp_code);
		ct_json_add_str(ic, "name", d->v.icmp_name);
	} else
		ct_json_add_null(ev, "icmp");
	h = ct_json_add_arr(ev, "hosts");
	for (int i = 0; i < d->v.nhosts; i++)
		ct_json_add_str(h, NULL, d->v.hosts[i]);
}

struct doctor_opts {
	const char *server, *config;
	struct cmd_list users;
	int av, step, deep;
	struct ct_port_range rtp;
};

/* The run's options from the command line's. */
static void doctor_setup(const struct ct_cli *cli, const struct doctor_opts *o, struct ct_doctor *d)
{
	d->server_arg = o->server;
	d->conf_path = o->config;
	for (int i = 0; i < o->users.n && i < CT_DOC_MAX_USERS; i++)
		d->users[d->nusers++] = o->users.v[i];
	d->av = o->av;
	d->deep = o->deep;
	d->rtp_lo = o->rtp.lo;
	d->rtp_hi = o->rtp.hi;
	if (cli->timeout > 0) {
		double w = cli->timeout / 30.0;
		d->wait_ns = (uint64_t)((w < 0.3 ? 0.3 : w > 1.0 ? 1.0 : w) * 1e9);
	}
}

/* Everything privileged first: raw sockets, the daemon's control socket, UDP 2425; then the
 * privileges go. Returns 0 or the exit code. */
static int doctor_open(const struct ct_cli *cli, struct ct_doctor *d)
{
	struct ct_node_conf nc = { 0 };
	char err[300], host[64] = "camtrace", uname[48];

	if (ct_prober_open(&d->pr, CT_PROBER_RAW | CT_PROBER_PING) != 0)
		return EX_OSERR;
	if (!d->pr->raw)
		ct_prober_note(d->pr, "without raw sockets the route traces and TCP SYN probes are not possible: %s",
			ct_privs_advice());
	if (ct_ctl_client_new(&d->ctl) == 0 && ct_ctl_client_connect(d->ctl, ctlcli_path(cli), 3000) != 0) {
		ct_ctl_client_free(d->ctl);
		d->ctl = NULL;
	}
	(void)gethostname(host, sizeof host - 1);
	/* a user name of its own per run: the server's duplicate filter keys on (packet number,
	 * user, source), and packet numbers come from the clock, so two runs in a row must differ */
	snprintf(uname, sizeof uname, "camtrace-doctor.%u", (unsigned)getpid());
	nc.user = uname;
	nc.host = host;
	nc.nick = "camtrace doctor";
	nc.entry_repeat_ms = 0;
	nc.check_interval_ms = 0;
	nc.no_broadcast = 1;
	/* a server's BR_ENTRY round during a long run (--deep) would list doctor if answered */
	nc.no_answer_entry = 1;
	nc.bind_addr = cli->source;
	if (ct_evloop_new(&d->ev) != 0 || !(d->hosts = ct_hosts_new()))
		return EX_OSERR;
	if (ct_node_new(&d->node, d->ev, d->hosts, &nc, err, sizeof err) != 0) {
		ct_prober_note(d->pr, "UDP 2425 is taken on this machine (%s): no broadcast search, no GETLIST; "
			"the control socket is used instead", err);
		d->node = NULL;
	}
	if (ct_privs_drop(err, sizeof err) != 0) {
		out_err(cli, "doctor", "%s", err);
		return EX_OSERR;
	}
	return 0;
}

/* The verdict at the end of the text report. */
static void text_verdict(const struct ct_cli *cli, const struct ct_doctor *d, int rc, unsigned cols)
{
	printf("%sVerdict: %s%s\n", out_c(cli, "bold"), ct_doc_class_key(d->v.cls), out_c(cli, "reset"));
	put_wrapped(stdout, cols, "  ", "  ", d->v.finding);
	if (d->v.fix)
		put_wrapped(stdout, cols, "  Fix: ", "       ", d->v.fix);
	if (d->v.hint)
		put_wrapped(stdout, cols, "  ", "  ", d->v.hint);
	else if (rc != 0)
		printf("  If this does not explain the trouble: camtrace bundle --doctor\n");
}

static int doctor_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	const struct doctor_opts *o = opts;
	struct ct_doctor *d = calloc(1, sizeof *d);
	struct dctx c = { .cli = cli, .step_mode = o->step, .cols = text_columns() };
	struct ct_json *doc = NULL;
	int rc;

	(void)argc;
	(void)argv;
	if (!d)
		return EX_OSERR;
	doctor_setup(cli, o, d);
	if (cli->json)
		doc = out_doc_new("doctor");
	if ((rc = doctor_open(cli, d)) != 0)
		goto out;
	if (doc) {
		struct ct_json *a = ct_json_add_arr(doc, "notes");
		ct_json_add_bool(doc, "privileged", d->pr->raw);
		for (unsigned i = 0; i < d->pr->nnotes; i++)
			ct_json_add_str(a, NULL, d->pr->notes[i]);
	} else {
		for (unsigned i = 0; i < d->pr->nnotes; i++)
			fprintf(stderr, "camtrace doctor: note: %s\n", d->pr->notes[i]);
		printf("camtrace doctor: the IP Messenger troubleshooting flow, step by step\n\n");
	}
	d->before = before;
	d->after = after;
	d->ud = &c;
	withdraw_on_signals(d);
	ct_doctor_run(d);
	withdraw_on_signals_end(d);
	rc = ct_doctor_exit(d);
	if (doc) {
		json_doc(d, doc);
		out_doc_print(doc);
		doc = NULL;
	} else {
		text_verdict(cli, d, rc, c.cols);
	}
out:
	if (doc)
		out_doc_print(doc);
	ct_doctor_fini(d);
	ct_node_free(d->node);
	ct_hosts_free(d->hosts);
	ct_evloop_free(d->ev);
	ct_ctl_client_free(d->ctl);
	ct_prober_close(d->pr);
	free(d);
	return rc;
}

#define O(f) offsetof(struct doctor_opts, f)
static const struct cmd_opt doctor_opts[] = {
	{ "server", 0, CMD_OPT_STRING, O(server), .arg = "NAME-OR-ADDRESS",
	  .help = "the list server (default: found by broadcast on this segment,\nthen `server` from camtraced.conf)" },
	{ "user", 0, CMD_OPT_LIST, O(users), 0, CT_DOC_MAX_USERS, .arg = "NAME|ADDRESS",
	  .help = "an unstable user (repeatable, up to 8)" },
	{ "av", 0, CMD_OPT_FLAG, O(av), .help = "also the voice/video RTP ports (22224-22227)" },
	{ "deep", 0, CMD_OPT_FLAG, O(deep), .help = "also a real message and an encrypted one to each user" },
	{ "rtp-ports", 0, CMD_OPT_PORTS, O(rtp), 0, 256, .arg = "LO-HI",
	  .help = "the RTP range (--av; the users' camtraced echo and coop\nchecks are asked on its first port)" },
	{ "step", 0, CMD_OPT_FLAG, O(step), .help = "pause before each step and show the command it runs" },
	{ "config", 0, CMD_OPT_STRING, O(config), .arg = "PATH", .help = "camtraced.conf to read the configured server from" },
	{ .type = CMD_OPT_TEXT, .arg = "--ctl PATH", .help = "the server's control socket: its instability records and\n"
	  "the server -> user check (control method `probe`)" },
	{ 0 },
};

const struct cmd_entry cmd_doctor_entry = {
	.name = "doctor",
	.args = "[--server NAME-OR-ADDRESS] [--user NAME|ADDRESS]... [--av] [--rtp-ports LO-HI] [--step] [--config PATH]",
	.summary = "the troubleshooting flow step by step: server, its list, isolate, pairwise, RTP, routes, verdict",
	.help =
	"exit: 0 healthy, 1 a problem was found (the verdict says which), 68 no server found,\n"
	"      69 nothing could be checked, 71 system error.\n",
	.flags = CMD_F_NEEDS_ROOT | CMD_F_SOURCE,
	.opts = doctor_opts,
	.opts_size = sizeof(struct doctor_opts),
	.exec = doctor_exec,
};
