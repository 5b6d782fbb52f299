/* doctor-types.h: the data model of `camtrace doctor`: inputs, per-user results, route traces, the steps' evidence and the verdict. */
#ifndef CT_DOCTOR_TYPES_H
#define CT_DOCTOR_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include "coop.h"
#include "probe.h"
#include "probe-ipmsg.h"
#include "probe-rtp.h"
#include "route.h"
#include "targets.h"

struct ct_ctl_client;
struct ct_node;
struct ct_evloop;
struct ct_hosts;

/* Outcome of one step. */
enum ct_doc_status { CT_DOC_OK = 0, CT_DOC_PROBLEM, CT_DOC_SKIPPED, CT_DOC_UNCHECKED };

#define CT_DOC_MAX_EV 64
#define CT_DOC_MAX_USERS 8
#define CT_DOC_MAX_PEERS 6
#define CT_DOC_RTP_PORTS 4
#define CT_DOC_NSTEPS 7
#define CT_DOC_MAX_SEG_SERVERS 4
#define CT_DOC_MAX_FED_DOWN 8

struct ct_doc_step {
	const char *key;          /* "find_server", ... */
	const char *title;        /* "Find the server" */
	const char *what;         /* what the step does, one sentence */
	char command[300];        /* the camtrace command doing the same by hand (runnable), or "" */
	enum ct_doc_status status;
	char *result;             /* one-line result (heap, any length) */
	unsigned nev;
	char *ev[CT_DOC_MAX_EV];  /* evidence lines (heap, any length) */
};

/* A TCP 2425 probe judged against its target: only the target's own answer says the path
 * carries TCP 2425 (SYN-ACK: open; RST or ICMP port unreachable from the target: reached,
 * nothing listens). */
enum ct_doc_tcp {
	CT_DOC_TCP_UNPROBED = 0,
	CT_DOC_TCP_OPEN,          /* SYN-ACK (or connect) from the target */
	CT_DOC_TCP_CLOSED,        /* RST / port unreachable from the target itself: reached */
	CT_DOC_TCP_SILENT,        /* no answer: dropped on the way or at the host */
	CT_DOC_TCP_REJECTED,      /* an ICMP error from a device on the way (or a prohibition from the target) */
	CT_DOC_TCP_FORGED_RST     /* a RST with the target's address sent by a nearer device (its TTL) */
};

/* One host probed (UDP 2425 application probe, TCP SYN 2425). */
struct ct_doc_probe {
	uint32_t addr;            /* network order */
	char addr_s[16];
	char name[64];            /* user name from the server's list, or "" */
	int udp_done;
	struct ct_app_result udp;
	int udp_unsolicited;      /* what came was its own presence (BR_ENTRY ...), not an answer: not counted */
	int tcp_done;
	enum ct_port_state tcp_state;
	struct ct_reply tcp_reply;  /* what answered the SYN */
	int tcp_answered;
	enum ct_doc_tcp tcp_judge;  /* the answer judged against the target (ct_doc_tcp_judge) */
	int tcp_hop;                /* hops to whoever answered, from its TTL (0 unknown) */
};

/* One user <-> server check, started at one end. */
struct ct_doc_pair {
	int checked;              /* the result below is real */
	struct ct_coop_result res;
	char *text;               /* the result in words, or why it could not be checked and how to enable it (heap) */
};

/* One unstable user given with --user. */
struct ct_doc_user {
	const char *spec;         /* as given */
	uint32_t addr;            /* network order, 0 unknown */
	char addr_s[16];
	int listed;               /* in the server's list (GETLIST) or its control-socket records */
	int unlisted_reached;     /* not listed, although the server reaches its network (notify / other users) */
	char user[64], host[64], nick[64], state[16];
	char learned_from[160];   /* the server's `sources` of it: "own", "peer ADDR:PORT", ... ("" unknown) */
	long flaps;               /* instability records (-1 unknown) */
	long recent_flaps;        /* of those, within the server's unstable_window (-1 unknown) */
	long missed;
	int npeers;
	struct ct_doc_probe self;
	struct ct_doc_probe peers[CT_DOC_MAX_PEERS];
	int peers_answer;         /* other users on the same network (peers, other --user) that answered UDP 2425 */
	int nothers;              /* other --user on the same network */
	int rtp_done;
	struct ct_rtp_port rtp[CT_DOC_RTP_PORTS];
	/* user <-> server (step 4): each a round trip from one end, from its UDP 2425 */
	struct ct_doc_pair u2s;   /* started by the user's camtraced (cooperative request, coop.h) */
	struct ct_doc_pair s2u;   /* started by the server's camtraced (control method `probe`) */
	int heard;                /* the user's camtraced heard the server since s2u began: 1, 0, -1 unknown */
	uint32_t heard_ms;        /* how long before it was asked (CT_COOP_HEARD_NEVER) */
	/* --deep (doctor-deep.c): a real message and an encrypted one, this host -> user */
	struct ct_doc_deep {
		int checked;          /* ran (else why in text) */
		uint32_t packetno;
		int delivered, tries; /* the clear test message's RECVMSG, SENDMSG sent */
		uint64_t rtt_ns;
		char enc[24];         /* ok, none (no encryption), no_common_cipher, fingerprint_mismatch,
		                       * decrypt_err, not_delivered, bad_key */
		char suite[40];       /* what the encrypted test went with */
		uint32_t peer_capa;   /* its ANSPUBKEY's word (0 none) */
		int no_bf_here;       /* no_common_cipher because this machine lacks Blowfish (legacy provider) */
		char text[300];       /* the evidence in words */
	} deep;
};

/* A route trace done on a failing path. */
struct ct_doc_trace {
	uint32_t dst;
	enum ct_route_method method;
	uint16_t port;
	struct ct_route_result res;
	int done;
	char err[160];
};

#define CT_DOC_MAX_TRACES 6
#define CT_DOC_MAX_ANNOUNCED 64
#define CT_DOC_MAX_KNOWN 256

/* The verdict classes. */
enum ct_doc_class {
	CT_DOC_HEALTHY = 0,       /* everything passed (exit 0; hint: camtrace bundle) */
	CT_DOC_NO_SERVER,         /* no list server found: could not check (exit 68) */
	CT_DOC_SERVER_UNREACHABLE,/* the server does not answer list requests from here */
	CT_DOC_NOT_DISCOVERED,    /* the server does not see the users: discovery config */
	CT_DOC_HOST_FIREWALL,     /* only these PCs fail: their own firewall / security software */
	CT_DOC_NETWORK_UDP,       /* the whole network fails: the path drops/rejects UDP 2425 */
	CT_DOC_TCP_BLOCKED,       /* messages work, TCP 2425 (file transfer) does not */
	CT_DOC_RTP_BLOCKED,       /* voice/video RTP ports blocked */
	CT_DOC_COULD_NOT_CHECK,   /* nothing could be probed (privileges, port, ...) */
	CT_DOC_USER_SERVER_PATH,  /* this host reaches both, but the path between a user and the server fails */
	CT_DOC_HOST_DOWN,         /* the user's PC is not there: host unreachable (no ARP answer on its network) */
	CT_DOC_ENCRYPTION         /* --deep: clear messages work, encrypted ones cannot (no common cipher, a
	                           * fingerprint that does not match the key, a DecryptErr answer) */
};

struct ct_doc_verdict {
	enum ct_doc_class cls;
	char *finding;            /* plain words (heap, any length) */
	char *fix;                /* (heap) */
	char device[120];         /* where to fix: "198.18.2.12 (the PC itself)", "198.18.1.1 (hop 1)" */
	char protocol[8];         /* "udp" "tcp" "rtp" "" */
	char ports[32];           /* "2425", "22224-22227" */
	char direction[120];
	char packet[200];         /* the packet that failed */
	int hop;                  /* TTL of the hop named, 0 none */
	char hop_addr[16];
	int icmp_type, icmp_code; /* -1 none */
	char icmp_name[120];
	char config_line[200];    /* the missing configuration line (not_discovered) */
	char *hint;               /* (heap) */
	char commands[4][200];    /* runnable camtrace commands the finding and fix suggest */
	int ncommands;
	char hosts[CT_DOC_MAX_USERS * 2][16]; /* the failing hosts */
	int nhosts;
};

struct ct_doctor;
/* Front-end hooks: before each step (for --step: show the command, maybe wait) and after it. */
typedef void (*ct_doc_hook)(struct ct_doctor *d, struct ct_doc_step *s, void *ud);

struct ct_doctor {
	/* inputs, set by the caller */
	const char *server_arg;   /* --server NAME-OR-ADDRESS, or NULL */
	const char *users[CT_DOC_MAX_USERS];
	int nusers;
	int av;                   /* --av: also the RTP ports */
	int deep;                 /* --deep: a real message and an encrypted one to each user (doctor-deep.c) */
	uint16_t rtp_lo, rtp_hi;  /* 0 = CT_RTP_DEFAULT_LO..HI */
	const char *conf_path;    /* camtraced.conf to read the configured server from (NULL = default) */
	uint64_t wait_ns;         /* per probe wait (0 = 1 s) */
	struct ct_prober *pr;     /* opened by the caller (raw sockets when allowed) */
	struct ct_ctl_client *ctl;/* connected control client of a camtraced, or NULL */
	struct ct_evloop *ev;     /* with node: the list client's node on UDP 2425, or NULL */
	struct ct_node *node;
	struct ct_hosts *hosts;   /* the node's table: receives the server's list */
	ct_doc_hook before, after;
	void *ud;

	/* results */
	uint32_t server;          /* network order, 0 = not found */
	char server_s[16];
	char server_name[128];    /* user@host from its answer, or the name given */
	char server_how[64];      /* "broadcast", "--server", "camtraced.conf", "dns" */
	int list_ok;              /* GETLIST fetch complete */
	size_t list_hosts;
	int ctl_is_server;        /* the control socket belongs to the list server found */
	char ctl_note[300];       /* why it is not (or what it is) */
	int on_server;            /* this host is the server (its own address) */
	int ctl_local;            /* the server is the camtraced of this machine (found through --ctl) */
	char ctl_config[256];     /* its config file (status config_file) */
	struct ct_targets ctl_notify; /* its notify targets (status notify_targets) */
	int ctl_notify_known;     /* ctl_notify was read */
	/* step 1: every list server that answered the broadcast BR_ISGETLIST2 (two on one segment:
	 * clients take whichever answers first), and the federation peers of the camtraced behind
	 * the control socket that it cannot reach (status federation: down, unresolved, key_mismatch) */
	char seg_servers[CT_DOC_MAX_SEG_SERVERS][16];
	char seg_server_names[CT_DOC_MAX_SEG_SERVERS][128];
	int nseg_servers;
	char fed_down[CT_DOC_MAX_FED_DOWN][160];
	int nfed_down;
	uint32_t self_addr;       /* this host's address toward the server */
	char self_s[16];
	int deep_unavailable;     /* --deep asked, but it could not run here (UDP 2425 taken) */
	struct ct_doc_probe server_probe;
	struct ct_doc_user u[CT_DOC_MAX_USERS];
	struct ct_doc_trace tr[CT_DOC_MAX_TRACES];
	int ntr;
	int stop;                 /* a step ended the flow (the rest is skipped) */
	/* what doctor announced and withdraws (BR_EXIT) before it ends: the hosts its UDP probe may
	 * have sent BR_ENTRY|DIALUPOPT to (as "camtrace", from UDP 2425) */
	volatile uint32_t announced[CT_DOC_MAX_ANNOUNCED];
	volatile int nannounced;
	int withdrawn;            /* hosts BR_EXIT went to at the end (announced[0..withdrawn-1]) */
	uint8_t exit_pkt[256];    /* the BR_EXIT, built before the first probe (a signal handler may send it) */
	size_t exit_len;
	/* the users the server knows (its list or its control socket's records), for the isolate step */
	struct ct_doc_known { uint32_t addr; char user[64], host[64], nick[64]; int online; } known[CT_DOC_MAX_KNOWN];
	int nknown;
	struct ct_doc_step steps[CT_DOC_NSTEPS];
	struct ct_doc_verdict v;
};

#endif
