/* mon-model.h: camtrace monitor's screen model in plain C (no curses): hosts, segments, packet lines and events; sort, filter, pause, frozen order, counters, row text by display width, snapshots. */
#ifndef MON_MODEL_H
#define MON_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "sbuf.h"
#include "outbuf.h"

/*
 * The model holds everything the monitor knows; the sources (mon-src.c) feed it, the screen
 * (mon-ui*.c) and the line stream (mon-stream.c) read it. Times are UTC epoch milliseconds
 * (what the daemon's events carry, and what the screen shows); "now" is always passed in, so
 * tests drive the clock. Strings are UTF-8, NUL-terminated, cut to the field size at a
 * character boundary.
 */

/* Views, in the order `d`/Tab cycles them. */
enum mon_view {
	MON_VIEW_HOSTS = 0,
	MON_VIEW_SEGMENTS,
	MON_VIEW_PACKETS,
	MON_VIEW_EVENTS,
	MON_VIEW_COUNT
};
const char *mon_view_name(enum mon_view v); /* "hosts" "segments" "packets" "events" */

/* A host's state (the users record's "state"). */
enum mon_hstate {
	MON_HS_ONLINE = 0,
	MON_HS_ABSENT,
	MON_HS_OFFLINE
};
const char *mon_hstate_name(enum mon_hstate s); /* "online" "absent" "offline" */

/* A live probe result of one host (the probe columns; from probe-live via mon-src.c). */
struct mon_probe {
	int active;               /* being probed now (selected or pinned) */
	unsigned udp_sent, udp_answered; /* UDP 2425 GETINFO/BR_ENTRY probes and their answers */
	double udp_rtt_ms;        /* last answer's RTT, < 0 when none */
	double udp_rtt_avg_ms;    /* < 0 when none */
	char tcp_state[24];       /* "open" "refused" "filtered" "reset" ... "" when not probed */
	unsigned icmp_sent, icmp_recv;
	double icmp_rtt_ms;       /* last echo RTT, < 0 when none */
	char icmp_error[40];      /* the last ICMP error seen for the host ("admin_prohibited"), "" */
	int64_t updated;          /* ms, 0 = never */
};

/* The doctor run on one host (detail view key). */
enum mon_doctor_state {
	MON_DOC_NONE = 0,
	MON_DOC_RUNNING,
	MON_DOC_DONE,
	MON_DOC_FAILED            /* the child could not run or gave no verdict */
};

#define MON_HISTORY 16 /* state changes kept per host */

/* One state change of a host (its detail's history). */
struct mon_hist {
	int64_t t;
	char op[8];               /* the event op: "join" "exit" "lost" "flap" "back" ... */
	enum mon_hstate state;
};

/* One host row (one user at one address). key is "ADDR:PORT" ("[v6]:PORT"), the identity
 * (the daemon keys its table by address too). */
struct mon_host {
	char key[200];
	char user[64];
	char host[64];
	char nick[96];
	char group[96];
	char addr[46];
	unsigned port;
	char origin[16];          /* where learned: "local" "notified" "list" "search" "direct"
	                           * (daemon), "broadcast" (heard by the monitor), "scan", "replay" */
	char program[48];         /* client/version when known, "" */
	enum mon_hstate state;
	char offline_reason[8];   /* "" "left" "lost" */
	int unstable;             /* the daemon's "unstable", or local flap counting */
	uint32_t status;          /* IP Messenger status bits */
	unsigned flaps;           /* flaps seen since the last reset (r) */
	unsigned flap_count;      /* the daemon's lifetime flap_count (or ours) */
	unsigned joins, exits, losts; /* since the last reset */
	int64_t first_seen, last_seen, last_change; /* ms, 0 = unknown */
	int pinned;               /* probe columns kept live for it */
	int gone;                 /* removed from the daemon's table ("remove"): greyed, kept */
	uint64_t seq;             /* arrival order (ties in every sort) */
	struct mon_probe probe;
	struct mon_hist hist[MON_HISTORY]; /* ring, newest at (nhist - 1) % MON_HISTORY */
	unsigned nhist;
	enum mon_doctor_state doctor;
	char doctor_verdict[48];  /* the doctor's verdict id ("ok", "host_firewall", ...) */
	char doctor_summary[200]; /* its one-line summary, or why it failed */
};

/* One segment row (a /24 by default; the daemon's notify targets when known). */
struct mon_segment {
	char net[48];             /* "198.18.1.0/24" */
	unsigned online, absent, lost, unstable, total;
	char server[64];          /* the list server serving it ("ADDR:PORT"), "" = none/local */
	int64_t last_notify;      /* ms, 0 = never */
	int64_t last_fetch;       /* ms, 0 = never */
	char fetch_result[12];    /* "ok" "timeout" "error" "" */
};

/* Event kinds (the Events view and the line stream). */
enum mon_evkind {
	MON_EV_HOST = 0,          /* a host op (join, exit, lost, flap, ...): op says which */
	MON_EV_FETCH,             /* a list fetch and its result */
	MON_EV_NOTIFY,            /* a notification round */
	MON_EV_SEARCH,            /* a search's progress */
	MON_EV_WARN,              /* a daemon warning/error */
	MON_EV_LOST,              /* events dropped by the daemon (slow reader) */
	MON_EV_UNANSWERED,        /* a request seen in the capture without an answer */
	MON_EV_ICMP,              /* an ICMP error seen in the capture or by a probe */
	MON_EV_DOCTOR,            /* a doctor run's verdict */
	MON_EV_STATUS,            /* the monitor's own notes (source up/down, privileges, ...) */
	MON_EV_COUNT
};
const char *mon_evkind_name(enum mon_evkind k); /* "host" "fetch" "notify" "search" "warn"
	"lost" "unanswered" "icmp" "doctor" "status": the NDJSON "ev" */

/* One event. text is the line the Events view and the text stream show after the time;
 * json is the NDJSON object the --json stream writes (one line, no newline; the daemon's own
 * object when the event came from it). */
struct mon_event {
	int64_t t;
	enum mon_evkind kind;
	char op[8];               /* MON_EV_HOST: "join" "change" "absent" "back" "exit" "lost"
	                           * "flap" "remove" ("present" only in the snapshot) */
	char key[200];            /* the host key or the server, "" */
	int level;                /* 0 info, 1 warning, 2 error */
	char *text;
	char *json;
	uint64_t seq;             /* 1, 2, ...: counts every event ever added */
};

/* One packet line (exactly what `camtrace sniff` prints for the frame). */
#define MON_PKT_UNANSWERED 0x1 /* a request that got no answer (flagged) */
#define MON_PKT_RTP 0x2
#define MON_PKT_ICMP 0x4
struct mon_packet {
	int64_t t;
	unsigned flags;           /* MON_PKT_* */
	char *line;
	uint64_t seq;
};

/* An RTP stream seen in the capture (Packets view's footer). */
struct mon_rtp {
	char key[96];             /* "SRC:PORT > DST:PORT ssrc 0x..." */
	uint64_t packets, lost;
	double jitter_ms;
	int64_t last;
};

/* Sortable columns: each has a key in the Hosts view; pressing it again reverses. The default
 * is stable: user, then host, then address (never by activity). */
enum mon_sort {
	MON_SORT_DEFAULT = 0,
	MON_SORT_NICK,
	MON_SORT_GROUP,
	MON_SORT_USER,
	MON_SORT_ADDR,
	MON_SORT_ORIGIN,
	MON_SORT_STATE,
	MON_SORT_FLAPS,
	MON_SORT_LAST,            /* last heard, newest first */
	MON_SORT_PROGRAM,
	MON_SORT_RTT,             /* probe UDP RTT, unknown last */
	MON_SORT_LOSS,            /* probe ICMP loss, worst first */
	MON_SORT_COUNT
};
const char *mon_sort_name(enum mon_sort s); /* "default" "nick" "group" "user" "addr" ... */
/* The sort a key selects ('n' nick, 'g' group, 'u' user, 'a' addr, 'w' origin ("where"),
 * 't' state, 'f' flaps, 'l' last heard, 'v' program, 'R' rtt, 'L' loss, '0' default), or -1. */
int mon_sort_for_key(int key);

/* The view state the keys change. */
struct mon_viewstate {
	enum mon_view view;
	enum mon_sort sort;
	int reverse;
	int paused;               /* p: the screen stops following, collection continues */
	int frozen;               /* o: the row order stays; new rows go to the end */
	int compact;
	char filter[128];         /* the filter as typed (valid or not) */
	int filter_valid;         /* 1 when filter parses (the empty filter is valid) */
	char filter_error[96];    /* why not, "" when valid */
	size_t sel;               /* selected row in the current view */
	size_t top;               /* first row shown */
	uint64_t paused_events;   /* events added since p was pressed */
};

struct mon_model;

/* Limits: the newest events and packet lines kept (older ones are dropped, counted). */
#define MON_EVENTS_MAX 5000
#define MON_PACKETS_MAX 5000

struct mon_model *mon_model_new(void);
void mon_model_free(struct mon_model *m);
struct mon_viewstate *mon_model_vs(struct mon_model *m);

/* Something changed since the last call (the screen redraws only then). */
int mon_model_take_dirty(struct mon_model *m);

/* ---- feeding ---- */

/* One line of the daemon's subscription (common.md's event contract: "v":1 objects with "ev";
 * the subscribe reply {"id":..,"result":..} is accepted and ignored). Adds hosts, events and
 * segment facts. 0, or -1 with a message for a line that is not such an object (the caller
 * notes it once as a status event). */
int mon_model_feed_json(struct mon_model *m, const char *line, size_t len, int64_t now, char *err,
	size_t errlen);

/* A host learned by the monitor itself (listening on UDP 2425, --scan, --replay): op is
 * "join" (BR_ENTRY/ANSENTRY/answer), "exit" (BR_EXIT), "absent" (BR_ABSENCE with the absence
 * bit); counts flaps like the daemon does (an exit or loss followed by a join within
 * flap_window_ms). h->key may be empty: it is made from user, host, addr and port. */
void mon_model_host_seen(struct mon_model *m, const struct mon_host *h, const char *op, int64_t now);
/* Hosts not heard for lost_after_ms become offline/"lost" (local sources only). */
void mon_model_expire(struct mon_model *m, int64_t now, int64_t lost_after_ms);

/* An event of the monitor's own (kind, level, key may be NULL): text is the line; the JSON
 * object is {"v":1,"ev":KIND,"t":..,"level":..,"msg":TEXT} plus "host" when key is given. */
void mon_model_note(struct mon_model *m, enum mon_evkind kind, int level, const char *key, int64_t now,
	const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* A packet line (the sniff renderer's text, without the newline). */
void mon_model_packet(struct mon_model *m, int64_t now, unsigned flags, const char *line, size_t len);
/* An RTP stream's figures (replaces the row with the same key). */
void mon_model_rtp(struct mon_model *m, const struct mon_rtp *r);

/* A probe result for the host with this key (ignored when unknown). */
void mon_model_probe(struct mon_model *m, const char *key, const struct mon_probe *p);
/* Doctor state and result for a host (MON_EV_DOCTOR event when done or failed). */
void mon_model_doctor(struct mon_model *m, const char *key, enum mon_doctor_state st, const char *verdict,
	const char *summary, int64_t now);

/* ---- listeners (the line stream) ---- */
typedef void (*mon_event_fn)(void *ud, const struct mon_event *ev);
typedef void (*mon_packet_fn)(void *ud, const struct mon_packet *p);
void mon_model_listen(struct mon_model *m, mon_event_fn ev, mon_packet_fn pkt, void *ud);

/* ---- reading ---- */
size_t mon_model_host_count(const struct mon_model *m);                 /* all hosts */
struct mon_host *mon_model_host_find(struct mon_model *m, const char *key);
struct mon_host *mon_model_host_at(struct mon_model *m, size_t i);    /* i < host_count, any order */
/* The host as the users record's fields the monitor keeps (user host nick group addr port state
 * origin unstable flap_count status offline_reason last_seen program), one JSON object. */
void mon_model_host_record(const struct mon_host *h, struct ct_out *o);
/* The rows of the current view after filter and sort (or the frozen order). The pointer
 * stays valid until the next call of any mon_model_* function that feeds or changes the view. */
size_t mon_model_host_rows(struct mon_model *m, struct mon_host *const **rows);
size_t mon_model_segment_rows(struct mon_model *m, const struct mon_segment *const **rows);
/* Events and packets, oldest first: i in [0, count). Filtered by the filter too (text match). */
size_t mon_model_event_count(struct mon_model *m);
const struct mon_event *mon_model_event_at(struct mon_model *m, size_t i);
size_t mon_model_packet_count(struct mon_model *m);
const struct mon_packet *mon_model_packet_at(struct mon_model *m, size_t i);
size_t mon_model_rtp_rows(struct mon_model *m, const struct mon_rtp *const **rows);
/* The rows of the current view (hosts, segments, packets or events after the filter). */
size_t mon_model_view_rows(struct mon_model *m);

/* Counters (since the last reset). */
struct mon_counters {
	uint64_t events, packets, unanswered, icmp, joins, exits, flaps, fetches, fetch_fail;
	uint64_t daemon_lost;     /* events the daemon dropped (its "lost" events) */
	uint64_t dropped;         /* events/packets the model aged out */
	int64_t since;            /* ms of the last reset */
};
const struct mon_counters *mon_model_counters(const struct mon_model *m);

/* ---- keys' actions ---- */
void mon_model_set_view(struct mon_model *m, enum mon_view v);
void mon_model_next_view(struct mon_model *m, int backwards);
/* Sort by s; the same s again reverses. */
void mon_model_sort(struct mon_model *m, enum mon_sort s);
void mon_model_pause(struct mon_model *m, int on);
void mon_model_freeze(struct mon_model *m, int on);
/* Sets the filter as typed; returns 1 when valid (then applied), 0 when not (the last valid
 * filter stays applied; vs->filter_error says why). Syntax (all words must match):
 *   WORD            case-insensitive substring of user, host, nick, group, addr, program, origin
 *   ADDR or CIDR    the address (198.18.1.12, 198.18.2.0/24)
 *   FIELD:VALUE     user: host: nick: group: addr: (CIDR too) origin: state: prog:
 *   flaps>N         at least N+1 flaps;  unstable  pinned  (flags)
 *   !WORD           negation of any of the above */
int mon_model_filter(struct mon_model *m, const char *text);
/* Selection and scrolling in the current view for a screen of `page` rows. */
void mon_model_move(struct mon_model *m, long delta, size_t page);
void mon_model_move_to(struct mon_model *m, size_t row, size_t page);
struct mon_host *mon_model_selected_host(struct mon_model *m);
void mon_model_pin(struct mon_model *m, struct mon_host *h, int on);
/* r: clears the counters, the flaps/joins/exits since reset and the probe figures. */
void mon_model_reset(struct mon_model *m, int64_t now);

/* ---- text ---- */

/* The Hosts view's columns for a screen `width` columns wide (compact drops program and
 * origin). Each column: title, width, the sort it belongs to. */
struct mon_col {
	const char *title;
	unsigned width;
	enum mon_sort sort;
	int right;                /* right-aligned (numbers) */
};
#define MON_COLS_MAX 16
size_t mon_model_host_cols(const struct mon_model *m, unsigned width, struct mon_col *cols);
/* The header line and one row of the Hosts view in exactly `width` display columns (padded by
 * display width, cut with an ellipsis: Japanese names take two columns each). The header marks
 * the sort column with '^' or 'v'. */
void mon_model_host_header(const struct mon_model *m, unsigned width, struct ct_sbuf *out);
void mon_model_host_line(const struct mon_model *m, const struct mon_host *h, unsigned width,
	int64_t now, struct ct_sbuf *out);
void mon_model_segment_header(unsigned width, struct ct_sbuf *out);
void mon_model_segment_line(const struct mon_segment *s, unsigned width, int64_t now, struct ct_sbuf *out);
/* "HH:MM:SS.mmm text" (UTC when utc, else local time). */
void mon_model_event_line(const struct mon_event *e, unsigned width, int utc, struct ct_sbuf *out);
/* "3s", "5m", "2h", "4d" ("-" when t is 0). */
void mon_model_age(int64_t now, int64_t t, char *buf, size_t len);

/* ---- snapshots (s) ---- */
/* The whole model as text (every view, all rows, no width limit) and as one JSON document
 * {"schema_version":1,"command":"monitor","t":..,"view":..,"sort":..,"reverse":..,"filter":..,
 *  "paused":..,"frozen":..,"counters":{...},"hosts":[...],"segments":[...],"events":[...],
 *  "packets":[...]}. */
void mon_model_snapshot_text(struct mon_model *m, int64_t now, struct ct_sbuf *out);
void mon_model_snapshot_json(struct mon_model *m, int64_t now, struct ct_out *o);
/* Writes both into dir as monitor-YYYYMMDDTHHMMSSZ.{txt,json} (dir NULL: $CAMTRACE_SNAPDIR,
 * else the current directory); path gets the .txt file's name. 0 or a negative CT_E* code
 * with a message. */
int mon_model_snapshot_save(struct mon_model *m, const char *dir, int64_t now, char *path, size_t pathlen,
	char *err, size_t errlen);

#endif
