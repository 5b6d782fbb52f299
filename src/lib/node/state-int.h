/* state-int.h: the state handle shared by state.c (registration, loading) and state-save.c (saving). */
#ifndef CT_STATE_INT_H
#define CT_STATE_INT_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include "state.h"

#define CT_STATE_MAX_SECTIONS 16

struct ct_state_section {
	char name[48];
	ct_state_save_fn save;        /* a tree section */
	ct_state_load_fn load;
	ct_state_stream_fn stream;    /* a streamed section (an array, one element per line) */
	ct_state_elem_fn elem;
	void *ud;
};

struct ct_state {
	char *path;
	char err[512];
	char moved[PATH_MAX];
	struct ct_state_section sec[CT_STATE_MAX_SECTIONS];
	size_t nsec;
	uint64_t seq;
	int blocked;                  /* a bad file could not be moved aside: never overwrite it */
	struct ct_evloop *ev;
	uint64_t delay_ms, timer;
	int dirty;
	/* the background save (state-save.c) */
	pid_t child;                  /* 0: none running */
	int child_fd;                 /* read end of its pipe: its error text, EOF when done */
	char child_msg[512];
	size_t child_len;
	uint64_t child_start_ns;
	int again;                    /* a save was asked for while one ran */
	struct ct_state_stats stats;
};

/* Waits for a background save still running and takes its result (state-save.c). */
void ct_state_wait(struct ct_state *st);
int ct_state_fail(struct ct_state *st, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
