/* daemon.c: camtraced's daemon object: open sockets, drop privileges, signals, reload, clean exit. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#ifdef __GLIBC__
#endif
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include "clock.h"
#include "codec.h"
#include "conf.h"
#include "coop.h"
#include "ctl.h"
#include "daemon.h"
#include "devents.h"
#include "err.h"
#include "evloop.h"
#include "fed.h"
#include "fsutil.h"
#include "hosts.h"
#include "listcli.h"
#include "listsrv.h"
#include "log.h"
#include "logsink.h"
#include "node.h"
#include "notify.h"
#include "pidfile.h"
#include "privs.h"
#include "rtpecho.h"
#include "sbuf.h"
#include "search.h"
#include "state.h"
#include "util.h"
#include "version.h"
#include "xfer.h"

/* ---- configuration -> engine settings ---- */

static void node_conf_from(const struct ct_daemon_conf *c, struct ct_node_conf *nc)
{
	memset(nc, 0, sizeof *nc);
	nc->bind_addr = c->listen;
	nc->port = (uint16_t)c->port;
	nc->user = c->user_name;
	nc->host = c->host_name;
	nc->nick = c->nick;
	nc->group = c->group;
	nc->absent = c->absence;
	nc->absence_text = c->absence_text;
	nc->extra_status = CT_IPMSG_SERVEROPT; /* Windows sorts a server last in its lists */
	nc->tcp = 1;
	nc->entry_repeat_ms = 5000;
	nc->check_interval_ms = c->liveness_interval;
	nc->max_missed = (unsigned)c->liveness_misses;
	nc->confirm_claims = c->confirm_claims;
	nc->answer_rate = c->answer_rate;
	nc->answer_total_rate = c->answer_total_rate;
	nc->answer_total_bytes = (double)c->answer_total_bytes;
	nc->unverified_rate = c->unverified_rate;
	nc->guard_sources = (size_t)c->guard_sources;
	nc->guard_log_ms = c->guard_log_interval;
	nc->message_log_rate = c->message_log_rate;
	nc->rcvbuf = (int)c->receive_buffer;
}

/* A CIDR list as matchable targets (+ this machine's networks as the node sees them when the
 * list was computed: the config computed its own). */
static void cidrs_to_targets(struct daemon *d, const struct ct_cidr_list *l, int with_own, struct ct_targets *ts)
{
	char e[256];

	ct_targets_init(ts, (size_t)-1); /* matched, never expanded */
	for (size_t i = 0; i < l->n; i++) {
		const struct ct_cidr *ci = &l->v[i];
		if (ci->family == AF_INET) {
			uint32_t a = (uint32_t)ci->addr[0] << 24 | (uint32_t)ci->addr[1] << 16 |
				(uint32_t)ci->addr[2] << 8 | ci->addr[3];
			ct_targets_add_v4net(ts, a, ci->prefix);
		} else {
			char txt[64];
			ct_cidr_format(ci, txt, sizeof txt);
			if (!strchr(txt, '/'))
				snprintf(txt + strlen(txt), sizeof txt - strlen(txt), "/%u", ci->prefix);
			ct_targets_add(ts, txt, e, sizeof e);
		}
	}
	if (with_own && d->node) {
		uint32_t addrs[32];
		unsigned plens[32];
		size_t n = ct_node_networks(d->node, addrs, plens, 32);
		for (size_t i = 0; i < n; i++)
			ct_targets_add_v4net(ts, addrs[i], plens[i]);
	}
}

/* A computed `accept` also covers what this daemon itself searches and notifies at run time:
 * the ranges of every search (camtrace search too) and the addresses a search found. */
void daemon_accept_extend(struct daemon *d, const struct ct_targets *ts)
{
	char e[256];

	if (!d->conf.accept_auto)
		return;
	for (size_t i = 0; ts && i < ts->n; i++)
		if (ts->v[i].kind != CT_TARGET_NAME && ts->v[i].text)
			ct_targets_add(&d->accept, ts->v[i].text, e, sizeof e);
	for (size_t i = 0; !ts && i < ct_notify_found_count(d->nt); i++) {
		const struct ct_haddr *a = ct_notify_found_at(d->nt, i);
		if (a->family == AF_INET)
			ct_targets_add_v4net(&d->accept, ct_haddr_v4(a), 32);
	}
}

static int build_targets(struct daemon *d, const struct ct_daemon_conf *c, struct ct_targets *nt,
	struct ct_targets *allow, struct ct_targets *accept, char *err, size_t errlen)
{
	char e[256];
	int r;

	ct_targets_init(nt, CT_TARGETS_DEFAULT_MAX);
	cidrs_to_targets(d, &c->allow, c->allow_auto, allow);
	cidrs_to_targets(d, &c->accept, c->accept_auto, accept);
	for (size_t i = 0; i < c->notify.n; i++)
		if ((r = ct_targets_add(nt, c->notify.v[i], e, sizeof e)) != 0) {
			snprintf(err, errlen, "notify: %s", e);
			return r;
		}
	return 0;
}

static void listsrv_conf_from(const struct ct_daemon_conf *c, const struct ct_targets *allow,
	struct ct_listsrv_conf *lc)
{
	memset(lc, 0, sizeof *lc);
	lc->allow = allow;
	lc->budget = (size_t)c->list_budget;
	lc->rate = c->list_rate;
	lc->client_node = c->server && c->server[0]; /* listsrv.h: no OKGETLIST from a client node */
}

static void listcli_conf_from(const struct ct_daemon_conf *c, struct ct_listcli_conf *cc)
{
	memset(cc, 0, sizeof *cc);
	cc->server = c->server;
	cc->interval_ms = c->fetch_interval;
	if (cc->interval_ms && cc->interval_ms < 60000)
		cc->fail_retry_ms = cc->interval_ms; /* short test intervals: retry at the same pace */
}

size_t daemon_live_external(const struct daemon *d)
{
	size_t n = 0;

	for (size_t i = 0; i < ct_hosts_count(d->hosts); i++) {
		const struct ct_host *h = ct_hosts_at(d->hosts, i);
		if (h->state != CT_HOST_OFFLINE && (h->origin & CT_HOST_LIST))
			n++;
	}
	return n;
}

static void on_fetch(struct ct_listcli *lc, int ok, void *ud)
{
	struct daemon *d = ud;

	(void)lc;
	devents_fetch(d, ok);
	if (d->fetch_done)
		d->fetch_done(d, ok, d->fetch_done_ud);
	if (ok)
		ct_state_touch(d->state);
}

static int start_client(struct daemon *d)
{
	struct ct_listcli_conf cc;

	if (!d->conf.server || !d->conf.server[0])
		return 0;
	listcli_conf_from(&d->conf, &cc);
	return ct_listcli_new(&d->lc, d->node, &cc, on_fetch, d);
}

int daemon_refresh(struct daemon *d)
{
	if (!d->lc)
		return CT_ESTATE;
	d->fetch_before = daemon_live_external(d);
	return ct_listcli_fetch(d->lc);
}

void daemon_on_fetch_done(struct daemon *d, daemon_fetch_fn fn, void *ud)
{
	d->fetch_done = fn;
	d->fetch_done_ud = ud;
}

/* ---- privileges, pidfile ---- */

/* The pid file: opened without following links, locked for the daemon's life (pidfile.c). */
static int write_pidfile(struct daemon *d, const char *path, char *err, size_t errlen)
{
	char dir[4096];
	pid_t holder;
	int fd;

	if (!path || !path[0])
		return 0;
	ct_fs_dirname(path, dir, sizeof dir);
	ct_fs_mkdir_parents(dir, 0750); /* claim_dirs made it already */
	if ((fd = ct_pidfile_open(path, &holder, err, errlen)) < 0)
		return fd == CT_EEXIST ? EX_TEMPFAIL : fd == CT_EPERM ? EX_NOPERM : EX_CANTCREAT;
	d->pidfd = fd;
	d->pidfile = strdup(path);
	return 0;
}

/* The directories of camtraced's files (ct_dconf_files), before any is opened: as root for a
 * `user` other than root, each must be one it may own (missing: made now, still root's; already
 * its own; or one of its dedicated directories, made by systemd or the package);
 * ct_dconf_check_system() has refused the rest, naming the fix. give_dirs() hands them over at the
 * privilege drop, once the files in them are open: root without CAP_DAC_OVERRIDE (the unit's
 * bounding set) could not make them in a directory of the user's. Otherwise missing directories
 * are made as they are. */
static int claim_dirs(struct daemon *d, char *err, size_t errlen)
{
	struct ct_dconf_file files[4];
	size_t n = ct_dconf_files(&d->conf, d->opts.pidfile, files);
	struct passwd *pw = geteuid() == 0 ? getpwnam(d->conf.user) : NULL;
	enum ct_fs_claim how;
	char dir[4096], prev[4096], e[512];
	int seen;

	for (size_t i = 0; i < n; i++) {
		ct_fs_dirname(files[i].path, dir, sizeof dir);
		if (!pw || pw->pw_uid == 0) {
			ct_fs_mkdir_parents(dir, 0750);
			continue;
		}
		/* a directory made a moment ago for an earlier file is root's until the drop, and ours */
		seen = 0;
		for (size_t k = 0; k < i && !seen; k++) {
			ct_fs_dirname(files[k].path, prev, sizeof prev);
			seen = strcmp(prev, dir) == 0;
		}
		if (seen)
			continue;
		if (ct_fs_dir_claim(dir, pw->pw_uid, 0750, ct_dconf_dir_dedicated(dir), 0, &how, e, sizeof e) != 0) {
			snprintf(err, errlen, "%s %s: %s", files[i].keyword, files[i].path, e);
			return EX_CONFIG;
		}
		/* give it at the drop; a directory already the user's keeps the mode it was given */
		d->give_dirs |= 1u << i | (how != CT_FS_CLAIM_OWNED ? 0x100u << i : 0);
	}
	return 0;
}

/* At the drop: the directories claim_dirs() accepted become the user's (the control socket's
 * with ctl_group). */
static void give_dirs(struct daemon *d, const struct passwd *pw, gid_t cgid)
{
	struct ct_dconf_file files[4];
	size_t n = ct_dconf_files(&d->conf, d->opts.pidfile, files);
	char dir[4096], sockdir[4096], e[512];

	for (size_t i = 0; i < n; i++) {
		if (!(d->give_dirs & 1u << i))
			continue;
		ct_fs_dirname(files[i].path, dir, sizeof dir);
		/* the control socket's directory (the pid file's too by default) gets ctl_group */
		ct_fs_dirname(files[n - 1].path, sockdir, sizeof sockdir);
		if (ct_fs_dir_give(dir, pw->pw_uid, strcmp(dir, sockdir) == 0 ? cgid : pw->pw_gid,
		    d->give_dirs & 0x100u << i ? 0750 : 0, e, sizeof e) != 0)
			log_warn("%s: %s; %s may not be written", files[i].keyword, e, files[i].path);
	}
}

static int drop_privileges(struct daemon *d, char *err, size_t errlen)
{
	struct passwd *pw;
	struct group *gr;
	gid_t cgid;
	char e[512];

	if (geteuid() != 0)
		return 0;
	if (!(pw = getpwnam(d->conf.user))) {
		snprintf(err, errlen, "user '%s' does not exist: create it (useradd --system %s) or set `user`",
			d->conf.user, d->conf.user);
		return EX_NOUSER;
	}
	if (pw->pw_uid == 0) {
		log_warn("running as root: `user` names root");
		return 0;
	}
	/* what the daemon writes later must belong to it; its directories are its own (claim_dirs),
	 * so these are its files: never followed through a link */
	if (lchown(d->conf.state_file, pw->pw_uid, pw->pw_gid) != 0 && errno != ENOENT)
		log_warn("chown %s: %s", d->conf.state_file, strerror(errno));
	if (ct_logsink_chown(pw->pw_uid, pw->pw_gid, e, sizeof e) != 0)
		log_warn("%s; after a rotation the log may not be reopened", e);
	gr = d->conf.ctl_group && d->conf.ctl_group[0] ? getgrnam(d->conf.ctl_group) : NULL;
	cgid = gr ? gr->gr_gid : pw->pw_gid;
	if (d->ctl && lchown(ct_ctl_server_path(d->ctl), pw->pw_uid, cgid) != 0)
		log_warn("cannot give the control socket to %s: %s", d->conf.user, strerror(errno));
	give_dirs(d, pw, cgid);
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		snprintf(err, errlen, "cannot switch to user %s: %s", d->conf.user, strerror(errno));
		return EX_OSERR;
	}
	if (setuid(0) == 0) {
		snprintf(err, errlen, "privileges could be regained after switching to %s; refusing to run", d->conf.user);
		return EX_OSERR;
	}
	log_info("running as %s (uid %u)", d->conf.user, (unsigned)pw->pw_uid);
	return 0;
}

/* ---- signals ---- */

static void on_signal(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct daemon *d = ud;
	struct signalfd_siginfo si;
	char err[512];

	(void)events;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_notice("signal %s: leaving", si.ssi_signo == SIGTERM ? "TERM" : "INT");
			ct_evloop_stop(ev);
			break;
		case SIGHUP:
			if (daemon_reload(d, err, sizeof err) != 0)
				ct_log_lines(CT_LOG_ERR, __func__, "reload failed, keeping the running configuration", err);
			break;
		case SIGUSR1:
			if (daemon_refresh(d) == CT_ESTATE)
				log_notice("SIGUSR1: no `server` configured, nothing to refresh");
			break;
		default:
			break;
		}
	}
}

static int open_signals(struct daemon *d, char *err, size_t errlen)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return EX_OSERR;
	}
	return ct_evloop_add_fd(d->ev, d->sigfd, CT_EV_READ, on_signal, d) == 0 ? 0 : EX_OSERR;
}

/* ---- periodic upkeep: host expiry and eviction warnings, state save whenever the table changed ---- */

static void on_save_tick(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct daemon *d = ud;

	(void)id;
	ct_hosts_tick(d->hosts, ct_evloop_now_ms(ev), ct_wall_now());
	if (ct_hosts_generation(d->hosts) != d->last_gen || ct_xfer_offers_gen(d->xfer) != d->xfer_gen) {
		d->last_gen = ct_hosts_generation(d->hosts);
		d->xfer_gen = ct_xfer_offers_gen(d->xfer);
		ct_state_touch(d->state);
	}
	d->t_save = ct_evloop_add_timer(ev, 2000, on_save_tick, d);
}

/* ---- the cooperative check (coop.h) ---- */

static int coop_other(void *ud, int fd, const void *buf, size_t len, const void *from)
{
	return ct_coop_is_app(buf, len) ? ct_coop_serve(ud, fd, buf, len, from) : 0;
}

/* The responder answers only with `rtp_echo` and `coop`, for `server` and `coop_allow`. */
static int coop_configure(struct daemon *d, const struct ct_daemon_conf *c, char *err, size_t errlen)
{
	struct ct_targets ts;
	int r = 0;

	if (!d->coop)
		return 0;
	if (!c->coop || !d->rtpecho) /* coop without rtp_echo: refused by ct_dconf_check_system() */
		return ct_coop_serve_config(d->coop, NULL, 0, err, errlen);
	ct_targets_init(&ts, CT_TARGETS_DEFAULT_MAX);
	if (c->server && c->server[0])
		r = ct_targets_add(&ts, c->server, err, errlen);
	for (size_t i = 0; r == 0 && i < c->coop_allow.n; i++)
		r = ct_targets_add(&ts, c->coop_allow.v[i], err, errlen);
	if (r == 0 && ts.n == 0)
		log_warn("coop = yes without `server` or `coop_allow`: every cooperative request will be refused");
	if (r == 0)
		r = ct_coop_serve_config(d->coop, &ts, c->coop_rate, err, errlen);
	ct_targets_fini(&ts);
	if (r == 0) {
		ct_rtpecho_set_other(d->rtpecho, coop_other, d->coop);
		log_info("cooperative checks on the RTP echo ports (targets: %s%s%zu coop_allow item(s))",
			c->server && c->server[0] ? c->server : "", c->server && c->server[0] ? " and " : "",
			c->coop_allow.n);
	}
	return r;
}

/* ---- open / run / close ---- */

/* Reads the configuration file into c and checks what the start needs from the system, as
 * camtraced -n does (ct_dconf_check_system); err has every bad line. */
static int load_conf(const struct daemon_opts *o, struct ct_daemon_conf *c, char *err, size_t errlen)
{
	const char *path = o->config ? o->config : CT_DCONF_DEFAULT_PATH;
	struct ct_sbuf errs;
	int r;

	ct_sbuf_init(&errs);
	r = ct_dconf_load(c, path, &errs);
	if (r == 0)
		r = ct_dconf_check_system(c, path, o->pidfile, geteuid() == 0 ? CT_DCONF_CHECK_AS_ROOT : 0, &errs);
	if (r != 0)
		snprintf(err, errlen, "%s", errs.p ? errs.p : "cannot load the configuration");
	ct_sbuf_fini(&errs);
	return r;
}

/* The configuration, then the logs it names. */
static int open_config(struct daemon *d, const struct daemon_opts *o, char *err, size_t errlen)
{
	int r;

	if (load_conf(o, &d->conf, err, errlen) != 0)
		return EX_CONFIG;
	if (o->debug)
		d->conf.log_level = CT_LOG_DEBUG;
	if ((r = claim_dirs(d, err, errlen)) != 0)
		return r;
	if ((r = ct_logsink_open(o->foreground ? "stderr" : d->conf.log, "camtraced", err, errlen)) != 0)
		return EX_CANTCREAT;
	ct_log_set_level((enum ct_log_level)d->conf.log_level);
	return 0;
}

/* The saved host table and found addresses, before anything is sent; then saves on the loop. */
static void load_state(struct daemon *d)
{
	int r;

	dstate_register(d);
	dxfer_state_register(d);
	r = ct_state_load(d->state);
	if (r == CT_EFORMAT)
		log_warn("state file %s was not usable and was moved to %s; starting with an empty table",
			d->conf.state_file, ct_state_moved_to(d->state));
	else if (r != 0 && r != CT_ENOTFOUND)
		log_warn("cannot read the state file: %s", ct_state_error(d->state));
	else if (r == 0)
		log_info("state loaded from %s: %zu hosts, %zu found addresses", d->conf.state_file,
			ct_hosts_count(d->hosts), ct_notify_found_count(d->nt));
	ct_state_attach(d->state, d->ev, 1000);
	d->last_gen = ct_hosts_generation(d->hosts);
}

/* The control socket (its methods are dctl.c's, added by the caller). */
static int open_ctl(struct daemon *d, char *err, size_t errlen)
{
	char name[64];
	int r;

	if ((r = ct_ctl_server_open(&d->ctl, d->ev, d->conf.ctl_socket, NULL, err, errlen)) != 0)
		return r == CT_EEXIST ? EX_TEMPFAIL : EX_CANTCREAT;
	snprintf(name, sizeof name, "camtraced %s", ct_version());
	ct_ctl_server_set_name(d->ctl, name);
	return 0;
}

/* The RTP echo (rtp_echo = yes) and the cooperative check, which answers on its ports. */
static int open_rtp_coop(struct daemon *d, char *err, size_t errlen)
{
	int r;

	if (d->conf.rtp_echo) {
		struct ct_rtpecho *e = NULL;
		char e2[256];
		if ((r = ct_rtpecho_open(&e, strcmp(d->conf.listen, "0.0.0.0") ? d->conf.listen : NULL,
		    d->conf.rtp_ports.lo, d->conf.rtp_ports.hi, e2, sizeof e2)) != 0) {
			snprintf(err, errlen, "rtp_echo: %s", e2);
			return EX_UNAVAILABLE;
		}
		ct_rtpecho_attach(e, d->ev);
		d->rtpecho = e;
		log_info("RTP echo on UDP %u-%u", d->conf.rtp_ports.lo, d->conf.rtp_ports.hi);
	}
	if ((r = ct_coop_new(&d->coop, d->node)) != 0) {
		snprintf(err, errlen, "cannot set up the cooperative check: %s", ct_strerror(r));
		return EX_SOFTWARE;
	}
	if (coop_configure(d, &d->conf, err, errlen) != 0)
		return EX_CONFIG;
	return 0;
}

int daemon_open(struct daemon *d, const struct daemon_opts *o, char *err, size_t errlen)
{
	struct ct_node_conf nc;
	struct ct_listsrv_conf lsc;
	int r;

	memset(d, 0, sizeof *d);
	d->opts = *o;
	d->sigfd = -1;
	d->pidfd = -1;
	/* nothing camtraced runs may gain privileges (it execs nothing that needs to) */
	if (ct_privs_no_new_privs(err, errlen) != 0)
		return EX_OSERR;
	d->started_wall = ct_wall_now();
	if ((r = open_config(d, o, err, errlen)) != 0)
		return r;
	/* the lock first: a second daemon stops here, before it binds or touches the state */
	if ((r = write_pidfile(d, o->pidfile ? o->pidfile : d->conf.pidfile, err, errlen)) != 0)
		return r;
	if (ct_evloop_new(&d->ev) != 0 || !(d->hosts = ct_hosts_new())) {
		snprintf(err, errlen, "out of memory");
		return EX_OSERR;
	}
	ct_hosts_set_limits(d->hosts, (size_t)d->conf.max_hosts, d->conf.host_expiry);
	/* state first: the host table and found addresses come back before anything is sent */
	if (ct_state_new(&d->state, d->conf.state_file) != 0) {
		snprintf(err, errlen, "out of memory");
		return EX_OSERR;
	}
	dcrypt_open(d); /* before the node: its entries say ENCRYPTOPT when the keys are there */
	node_conf_from(&d->conf, &nc);
	dcrypt_node_conf(d, &nc);
	nc.accept = &d->accept; /* filled below, once the node's networks are known */
	nc.msg_allow = d->conf.messages ? &d->allow : NULL;
	if ((r = ct_node_new(&d->node, d->ev, d->hosts, &nc, err, errlen)) != 0)
		return r == CT_EPERM ? EX_NOPERM : r == CT_ECONFIG ? EX_CONFIG : EX_UNAVAILABLE;
	if ((r = build_targets(d, &d->conf, &d->notify_targets, &d->allow, &d->accept, err, errlen)) != 0)
		return EX_CONFIG;
	if ((r = ct_notify_new(&d->nt, d->node, &d->notify_targets, d->conf.notify_interval,
	    d->conf.notify_rate, 0)) != 0) {
		snprintf(err, errlen, "cannot set up notification: %s", ct_strerror(r));
		return EX_SOFTWARE;
	}
	/* the file-transfer engine before the state: its offers come back from the state file */
	if ((r = dxfer_open(d, err, errlen)) != 0)
		return r;
	load_state(d);
	daemon_accept_extend(d, NULL); /* the found addresses of the state file */
	if ((r = dmsg_open(d, err, errlen)) != 0)
		return r;
	listsrv_conf_from(&d->conf, &d->allow, &lsc);
	if ((r = ct_listsrv_new(&d->ls, d->node, &lsc)) != 0 || (r = start_client(d)) != 0) {
		snprintf(err, errlen, "cannot set up the list roles: %s", ct_strerror(r));
		return EX_SOFTWARE;
	}
	if ((r = dfed_start(d, err, errlen)) != 0)
		return EX_CONFIG;
	if ((r = open_ctl(d, err, errlen)) != 0 || (r = open_rtp_coop(d, err, errlen)) != 0)
		return r;
	if ((r = drop_privileges(d, err, errlen)) != 0)
		return r;
	if ((r = open_signals(d, err, errlen)) != 0)
		return r;
	d->t_save = ct_evloop_add_timer(d->ev, 2000, on_save_tick, d);
	/* go: presence, the first list fetch, the first notification round, the start-up search */
	ct_node_start(d->node);
	daemon_refresh(d);
	ct_notify_round(d->nt);
	daemon_startup_search(d);
	log_notice("camtraced %s started: %s%s on %s:%u, %zu hosts known", ct_version(), "list server",
		d->lc ? " + client node" : "", d->conf.listen, (unsigned)d->conf.port, ct_hosts_count(d->hosts));
	return 0;
}

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct ct_daemon_conf nc;
	struct ct_node_conf ncf;
	struct ct_listsrv_conf lsc;
	struct ct_targets nt, allow, accept;
	char e[512], logerr[512] = "";
	int r;

	memset(&nc, 0, sizeof nc);
	if (load_conf(&d->opts, &nc, err, errlen) != 0) {
		ct_dconf_free(&nc);
		return CT_ECONFIG;
	}
	if (build_targets(d, &nc, &nt, &allow, &accept, err, errlen) != 0) {
		ct_targets_fini(&nt);
		ct_targets_fini(&allow);
		ct_targets_fini(&accept);
		ct_dconf_free(&nc);
		return CT_ECONFIG;
	}
	if (strcmp(nc.listen, d->conf.listen) != 0 || nc.port != d->conf.port)
		log_warn("reload: `listen` and `port` changes need a restart; keeping %s:%u",
			d->conf.listen, (unsigned)d->conf.port);
	if (strcmp(nc.ctl_socket, d->conf.ctl_socket) != 0 || strcmp(nc.state_file, d->conf.state_file) != 0)
		log_warn("reload: `ctl_socket` and `state_file` changes need a restart");
	/* logs: reopen (logrotate) or switch destination */
	if (!d->opts.foreground) {
		if (strcmp(nc.log, d->conf.log) != 0)
			r = ct_logsink_open(nc.log, "camtraced", e, sizeof e);
		else
			r = ct_logsink_reopen(e, sizeof e);
		if (r != 0)
			snprintf(logerr, sizeof logerr, "%s", e);
	}
	ct_log_set_level(d->opts.debug ? CT_LOG_DEBUG : (enum ct_log_level)nc.log_level);
	/* swap in the new configuration */
	nc.listen = (free(nc.listen), strdup(d->conf.listen));
	nc.port = d->conf.port;
	ct_dconf_free(&d->conf);
	d->conf = nc;
	ct_targets_fini(&d->notify_targets);
	ct_targets_fini(&d->allow);
	ct_targets_fini(&d->accept);
	d->notify_targets = nt;
	d->allow = allow;
	d->accept = accept;
	daemon_accept_extend(d, NULL);
	node_conf_from(&d->conf, &ncf);
	dcrypt_node_conf(d, &ncf);
	ncf.accept = &d->accept;
	ncf.msg_allow = d->conf.messages ? &d->allow : NULL;
	ct_node_reconf(d->node, &ncf);
	dmsg_reconf(d);
	dxfer_reconf(d);
	ct_hosts_set_limits(d->hosts, (size_t)d->conf.max_hosts, d->conf.host_expiry);
	listsrv_conf_from(&d->conf, &d->allow, &lsc);
	ct_listsrv_reconf(d->ls, &lsc);
	ct_notify_reconf(d->nt, &d->notify_targets, d->conf.notify_interval, d->conf.notify_rate);
	if (d->lc && (!d->conf.server || !d->conf.server[0])) {
		ct_listcli_free(d->lc);
		d->lc = NULL;
	} else if (d->lc) {
		struct ct_listcli_conf cc;
		listcli_conf_from(&d->conf, &cc);
		ct_listcli_reconf(d->lc, &cc);
	} else if (start_client(d) == 0 && d->lc) {
		daemon_refresh(d);
	}
	if (coop_configure(d, &d->conf, e, sizeof e) != 0)
		log_err("reload: cooperative checks are off: %s", e);
	if (dfed_start(d, e, sizeof e) != 0)
		log_err("reload: federation is off: %s", e);
	/* announce the (possibly new) identity */
	ct_node_start(d->node);
	if (logerr[0])
		log_err("reload: configuration applied, but the logs were not reopened: %s; still writing to the "
			"old file: make its directory writable by %s and send SIGHUP again", logerr, d->conf.user);
	else
		log_notice("configuration reloaded");
	return 0;
}

int daemon_run(struct daemon *d)
{
	int r = ct_evloop_run(d->ev);

	if (r != 0)
		log_err("event loop failed: %s", ct_strerror(r));
	log_notice("saying goodbye (BR_EXIT) and saving state");
	devents_notify(d, "exit", ct_notify_last(d->nt)->number, d->conf.notify.n + ct_notify_found_count(d->nt));
	ct_node_stop(d->node);
	if (ct_state_save(d->state) != 0)
		log_err("cannot save state: %s", ct_state_error(d->state));
	return r != 0 ? EX_OSERR : 0;
}

void daemon_close(struct daemon *d)
{
	devents_close(d);
	for (size_t i = 0; i < d->nsearches; i++)
		ct_search_free(d->searches[i]);
	if (d->ev)
		ct_evloop_cancel_timer(d->ev, d->t_save);
	if (d->rtpecho)
		ct_rtpecho_close(d->rtpecho);
	ct_coop_free(d->coop);
	dfed_stop(d);
	ct_ctl_server_close(d->ctl);
	ct_listcli_free(d->lc);
	if (d->ls)
		ct_listsrv_free(d->ls);
	ct_notify_free(d->nt);
	dxfer_close(d);
	dmsg_close(d);
	ct_node_free(d->node);
	dcrypt_close(d); /* the node and the messages used the keys */
	ct_state_free(d->state);
	ct_targets_fini(&d->notify_targets);
	ct_targets_fini(&d->allow);
	ct_targets_fini(&d->accept);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->pidfile) {
		ct_pidfile_close(d->pidfile, d->pidfd);
		free(d->pidfile);
	}
	ct_hosts_free(d->hosts);
	ct_evloop_free(d->ev);
	ct_dconf_free(&d->conf);
}
