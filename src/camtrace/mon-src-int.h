/* mon-src-int.h: the monitor's data sources' private state, shared by mon-src*.c. */
#ifndef MON_SRC_INT_H
#define MON_SRC_INT_H

#include <stdint.h>
#include <sys/types.h>
#include "capture.h"
#include "mon-src.h"
#include "render.h"
#include "trace.h"

struct ct_live;
struct ct_node;
struct ct_hosts;
struct ct_search;
#define MON_LIVE_SLOTS 64

enum mon_ctl_mode { MON_CTL_NONE = 0, MON_CTL_SUB, MON_CTL_POLL };

struct mon_src {
	struct mon_model *m;
	struct ct_evloop *ev;
	struct mon_src_opts o;
	/* camtraced */
	int ctl_fd, ctl_errno, ever_connected, ctl_bad, polled;
	enum mon_ctl_mode ctl_mode;
	unsigned ctl_id;
	char ctl_server[64];
	char *ctl_buf;
	size_t ctl_len, ctl_cap;
	uint64_t poll_timer, retry_timer;
	unsigned poll_gen;
	struct mon_host **seen;
	size_t nseen, capseen;
	/* UDP 2425 without a daemon */
	int udp_fd, stopped_listen;
	struct ct_dipmsg ipm;
	int ipm_ok;
	/* capture or replay, through sniff's pipeline and renderer */
	struct ct_capture *cap;
	struct ct_trace tr;
	struct ct_render rd;
	int tr_ok, replay_done;
	int64_t pkt_t;
	unsigned pkt_flags;
	uint64_t last_mono_ns;
	uint64_t replay_timer, tick_timer;
	/* --scan: a node on UDP 2425 and the search engine */
	struct ct_node *scan_node;
	struct ct_hosts *scan_hosts;
	struct ct_search *search;
	int search_done;
	/* the probe columns (probe-live) */
	struct ct_live *lv;
	int64_t live_since;
	uint64_t live_icmp_at[MON_LIVE_SLOTS];
	/* the doctor child */
	pid_t doc_pid;
	int doc_fd;
	char doc_key[200];
	char *doc_buf;
	size_t doc_len;
};

int64_t mon_src_now(void);
/* mon-src-cap.c */
int mon_src_replay_open(struct mon_src *s, char *err, size_t errlen);
void mon_src_capture_open(struct mon_src *s);
void mon_src_capture_close(struct mon_src *s);
void mon_src_listen(struct mon_src *s);
void mon_src_listen_stop(struct mon_src *s);
void mon_src_tick_start(struct mon_src *s);
void mon_src_tick_stop(struct mon_src *s);
void mon_src_doctor_stop(struct mon_src *s);
void mon_src_host_ipmsg(struct mon_src *s, const struct ct_dipmsg *d, int af, const uint8_t *src, uint16_t sport,
	const char *origin, int64_t now);
/* mon-src-scan.c */
int mon_src_scan_open(struct mon_src *s);
void mon_src_scan_close(struct mon_src *s);
/* mon-src-live.c */
void mon_src_live_open(struct mon_src *s);
void mon_src_live_close(struct mon_src *s);

#endif
