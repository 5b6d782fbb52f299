/* daemon.h: the camtraced daemon object: wires config, node, list roles, notify, search, state and control. */
#ifndef CAMTRACED_DAEMON_H
#define CAMTRACED_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include "dconf.h"
#include "outbuf.h"
#include "targets.h"

struct ct_evloop;
struct ct_hosts;
struct ct_node;
struct ct_listsrv;
struct ct_listcli;
struct ct_notify;
struct ct_search;
struct ct_state;
struct ct_ctl_server;
struct ct_coop;
struct ct_msg;
struct ct_inbox;
struct ct_crypt_keys;
struct ct_node_conf;
struct ct_fed;
struct ct_json;

#define DAEMON_MAX_SEARCHES 8
#define DAEMON_MAX_REFRESH 16

struct daemon_opts {
	const char *config;   /* path (NULL = default) */
	const char *pidfile;  /* overrides the config (NULL = config) */
	int foreground, debug;
	int ready_fd;         /* pipe to the parent (background mode), -1 = none */
};

struct daemon;
/* Called when a list fetch ends (ok: the list is complete); see daemon_on_fetch_done(). */
typedef void (*daemon_fetch_fn)(struct daemon *d, int ok, void *ud);

struct daemon {
	struct daemon_opts opts;
	struct ct_daemon_conf conf;
	struct ct_evloop *ev;
	struct ct_hosts *hosts;
	struct ct_node *node;
	struct ct_listsrv *ls;
	struct ct_listcli *lc;
	struct ct_notify *nt;
	struct ct_targets notify_targets, allow;
	struct ct_targets accept; /* who may change entries (node conf `accept` points here) */
	struct ct_search *searches[DAEMON_MAX_SEARCHES]; /* newest last */
	size_t nsearches;
	struct ct_state *state;
	struct ct_ctl_server *ctl;
	void *rtpecho;
	struct ct_coop *coop;  /* the cooperative check: control `probe`, and the responder with `coop` */
	int sigfd;
	char *pidfile;        /* the file we wrote (removed at exit) */
	int pidfd;            /* its descriptor, flock()ed for the daemon's life (-1: none) */
	unsigned give_dirs;   /* claim_dirs(): bit i gives file i's directory to `user` at the drop, bit 8+i sets 0750 */
	double started_wall;
	uint64_t last_gen, t_save, last_saves;
	uint64_t refresh_tok[DAEMON_MAX_REFRESH]; /* control `refresh` requests waiting for the fetch (dctl.c) */
	size_t nrefresh;
	size_t fetch_before;  /* live external hosts before the running fetch */
	daemon_fetch_fn fetch_done; /* daemon_on_fetch_done() */
	void *fetch_done_ud;
	int exit_code;
	struct ct_msg *msg;   /* messages (dmsg.c): the engine, the inbox and its save timer */
	struct ct_inbox *inbox;
	uint64_t t_inbox, inbox_saved_ms;
	struct ct_crypt_keys *keys; /* our key pairs (dcrypt.c), NULL when they could not be opened */
	uint32_t crypt_capa;  /* the capability word we honour (0: no encryption) */
	char crypt_err[256];  /* why not, with the fix */
	struct ct_xfer *xfer; /* file transfer (dxfer.c): offers served, attachments fetched */
	int dl_fd;            /* download_dir, open (-1: accept_files = no) */
	char *dl_dir;         /* its path as opened */
	uint64_t xfer_gen;    /* ct_xfer_offers_gen() at the last save request */
	struct ct_out evbuf;  /* devents.c: the event line being built */
	uint64_t t_events;    /* devents.c: the notification-round poll */
	unsigned ev_round;    /* devents.c: the last round published */
	struct ct_fed *fed;   /* the federation with `peer`s (dfed.c), NULL without */
	char *fed_sig;        /* its settings (dfed.c: a reload that changes none keeps it) */
	struct ct_crypt_keys *fed_keys; /* our key pair when a peer has key= (dfed.c) */
};

/* Opens everything (sockets, control socket, state, pidfile), drops privileges and starts the
 * roles. err says what failed and how to fix it; returns 0 or a sysexits code. */
int daemon_open(struct daemon *d, const struct daemon_opts *o, char *err, size_t errlen);
/* Runs until SIGTERM/SIGINT; returns the exit code. */
int daemon_run(struct daemon *d);
void daemon_close(struct daemon *d);
/* SIGHUP / reload: re-reads the configuration and reopens logs; 0 or CT_ECONFIG (old kept). */
int daemon_reload(struct daemon *d, char *err, size_t errlen);
/* SIGUSR1 / refresh: a list fetch now (client role); CT_ESTATE without a server. */
int daemon_refresh(struct daemon *d);
/* fn is called whenever a list fetch ends (one callback; NULL removes it). */
void daemon_on_fetch_done(struct daemon *d, daemon_fetch_fn fn, void *ud);
/* Live hosts that came from the server's list (fetch_before counts them when a fetch starts). */
size_t daemon_live_external(const struct daemon *d);

/* Starts a search of ts (one at a time); err says why not. */
int daemon_search_start(struct daemon *d, const struct ct_targets *ts, struct ct_search **out,
	char *err, size_t errlen);

/* Called when a search ends: found addresses are remembered and notified, lost ones dropped. */
void daemon_search_done(struct daemon *d, struct ct_search *s);
/* The configured `search` items, once at start-up (dsearch.c). */
void daemon_startup_search(struct daemon *d);
/* A computed `accept` also covers what this daemon itself searches and notifies at run time:
 * the ranges of every search (ts; camtrace search too) and, with ts NULL, the addresses a
 * search found. */
void daemon_accept_extend(struct daemon *d, const struct ct_targets *ts);

/* dmsg.c: messages: the engine and the inbox (after the node, before the privileges are
 * dropped), its configuration after a reload, the control methods send and inbox, the end. */
int dmsg_open(struct daemon *d, char *err, size_t errlen);
void dmsg_reconf(struct daemon *d);
void dmsg_register(struct daemon *d);
void dmsg_status(struct daemon *d, struct ct_json *r); /* status: "messages" */
void dmsg_close(struct daemon *d);
/* dcrypt.c: our key pairs from the state directory (made on the first start; without them the
 * daemon runs unencrypted and says why, naming the file and the fix), their part of the
 * node's settings, the status "messages.encryption" section, the end. */
void dcrypt_open(struct daemon *d);
void dcrypt_node_conf(const struct daemon *d, struct ct_node_conf *nc);
void dcrypt_status(const struct daemon *d, struct ct_json *messages);
void dcrypt_close(struct daemon *d);
/* Saves the inbox now or shortly (an attachment's state changed). */
void dmsg_inbox_dirty(struct daemon *d);
/* dxfer.c: the file-transfer engine on the node; download_dir opened when accept_files allows */
int dxfer_open(struct daemon *d, char *err, size_t errlen);
void dxfer_close(struct daemon *d);
/* The state file's "offers" section: the offers kept across a restart (before ct_state_load). */
void dxfer_state_register(struct daemon *d);
/* After a reload: offer_expiry, download_dir opened if accept_files turned on (a moved one is
 * kept until a restart, logged). */
void dxfer_reconf(struct daemon *d);
struct ct_msg_in;
/* A message with attachments went into the inbox as msg_id: fetch them when accepted. */
void dxfer_on_message(struct daemon *d, const struct ct_msg_in *in, uint64_t msg_id);
void dxfer_status(struct daemon *d, struct ct_json *r); /* status: "files" */
struct ct_msg_result;
/* Adds "files" (the offer's files as the recipient of packetno fetched them) to a send result. */
void dxfer_files_json(struct daemon *d, struct ct_json *o, uint64_t offer, uint32_t packetno);
/* 1 when every delivered recipient of r fetched every file of offer. */
int dxfer_all_fetched(struct daemon *d, uint64_t offer, const struct ct_msg_result *r, size_t n);
/* dfed.c: (re)starts the federation from the configuration (none without `peer`; kept as it
 * is when a reload changes no federation setting); the status "federation" section. */
int dfed_start(struct daemon *d, char *err, size_t errlen);
void dfed_status(struct ct_json *r, const struct daemon *d);
/* Stops the federation and frees its keys (exit). */
void dfed_stop(struct daemon *d);

/* dstate.c: state sections (hosts, found addresses) */
void dstate_register(struct daemon *d);

#endif
