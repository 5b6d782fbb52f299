/* state.h: the daemon's persistent state: versioned JSON file saved atomically (in a child process), streamed back at start. */
#ifndef CT_STATE_H
#define CT_STATE_H

#include <stdint.h>
#include "json.h"

struct ct_evloop;

/*
 * File format (one JSON object):
 *   { "format": "camtraced-state", "version": 1, "generator": "camtraced 0.1.0",
 *     "saved_at": "2026-11-24T15:00:00.000Z", "seq": 42,
 *     "sections": { "hosts": ..., "found": ..., ... } }
 * Each section is an opaque JSON value owned by whoever registered it.
 *
 * Saves write the "line layout": still one valid JSON object (older camtraced read it), laid
 * out so that it can be read a line at a time:
 *   {"format":"camtraced-state",...,"seq":42,"sections":{     header: the first line
 *   "found":["10.0.0.1"]                                       a tree section: one line
 *   ,"hosts":[                                                 a streamed section:
 *   {"user":...}                                               one element per line
 *   ,{"user":...}
 *   ]
 *   }}                                                         the last line
 * A separating comma starts a line. ct_state_load() reads such a file line by line (never a
 * whole tree: memory does not grow with the file), first to check it all, then to hand the
 * sections and elements to their loaders; a file in any other layout (older files, one line)
 * is read as a whole tree.
 *
 * Saving writes a temp file in the same directory (PATH.tmp, PATH.tmp.<pid> in the background),
 * fsyncs it, renames it over PATH and fsyncs the directory: a crash (kill -9, power loss) at any
 * moment leaves either the previous or the new complete file, and maybe a temp file, which
 * ct_state_load() removes (logged). Loading a file that is not valid JSON, is not a camtraced state file, or
 * has a version this build cannot read moves it aside to PATH.bad-YYYYMMDDTHHMMSSZ (or
 * .foreign- / .v<N>-) and logs a warning naming both paths; it is never deleted.
 */
#define CT_STATE_FORMAT "camtraced-state"
#define CT_STATE_VERSION 1

struct ct_state;

/* Producer: returns a fresh JSON value for its section (or NULL to omit it). */
typedef struct ct_json *(*ct_state_save_fn)(void *ud);
/* Consumer: receives the section's value found in the loaded file (not called when absent). */
typedef int (*ct_state_load_fn)(const struct ct_json *value, void *ud);

/* A streamed section (an array as large as a table): the producer writes each element with
 * ct_state_elem_begin()/_end(); the consumer gets one element at a time (nonzero: the element
 * was not usable, counted and logged once per section). */
struct ct_state_elems;
struct ct_out;
typedef int (*ct_state_stream_fn)(struct ct_state_elems *e, void *ud);
typedef int (*ct_state_elem_fn)(const struct ct_json *elem, void *ud);
/* The output for the next element: write one JSON value (jsonw.h: no raw newline), then end.
 * _end() returns 0, or -1 once the file cannot be written (stop then). */
struct ct_out *ct_state_elem_begin(struct ct_state_elems *e);
int ct_state_elem_end(struct ct_state_elems *e);

/* Saving figures (status "state"). Stalls: time the caller's event loop was held by starting a
 * background save (the fork), or by a whole save done in-process. */
struct ct_state_stats {
	uint64_t saves;               /* completed saves */
	uint64_t failed;              /* saves that failed (logged) */
	uint64_t coalesced;           /* save requests folded into the next save (one was running) */
	uint64_t tmp_removed;         /* leftover temp files removed at load */
	int running;                  /* a background save is being written */
	double last_save_ms;          /* duration of the last completed save (start to rename) */
	double last_stall_ms, max_stall_ms;
	uint64_t last_bytes;          /* size of the last file written */
};
const struct ct_state_stats *ct_state_stats(const struct ct_state *st);

int ct_state_new(struct ct_state **out, const char *path);
void ct_state_free(struct ct_state *st);
const char *ct_state_path(const struct ct_state *st);
/* Detail of the last failure ("cannot rename ...: Permission denied"). */
const char *ct_state_error(const struct ct_state *st);
/* Where the last load moved a bad file ("" when nothing was moved). */
const char *ct_state_moved_to(const struct ct_state *st);

/* Registers a named section (at most 16); its callbacks are used by load/save. */
int ct_state_register(struct ct_state *st, const char *section, ct_state_save_fn save,
	ct_state_load_fn load, void *ud);
int ct_state_register_stream(struct ct_state *st, const char *section, ct_state_stream_fn save,
	ct_state_elem_fn load, void *ud);

/* Removes leftover temp files (PATH.tmp, PATH.tmp.*) of saves a crash interrupted, with a log
 * line each; returns how many (ct_state_load() does it first). */
size_t ct_state_clean_tmp(struct ct_state *st);
/* Reads the file and hands each registered section to its load callback.
 * 0: loaded; CT_ENOTFOUND: no file yet (fresh start); CT_EFORMAT: bad/foreign/other
 * version, moved aside (see ct_state_moved_to); CT_ESYS: cannot read (file left alone).
 * A section whose load callback fails is logged and skipped; the others still load. */
int ct_state_load(struct ct_state *st);
/* Lower level: reads and validates the file; *sections gets the "sections" object (caller frees). */
int ct_state_read(struct ct_state *st, struct ct_json **sections);

/* Collects every registered section and saves atomically, in this process (waits first for
 * a background save still running). 0 or CT_ESYS/CT_ENOMEM/CT_ESTATE. */
int ct_state_save(struct ct_state *st);
/* Saves in a child process (fork: a copy-on-write snapshot, streamed by the child while the
 * caller goes on); the child dies with its parent (a kill -9 of the daemon leaves at most a
 * temp file). A request while one runs is coalesced: one more save after it. Completion is
 * seen on the event loop given to ct_state_attach() (required). 0 (started or coalesced), or
 * CT_ESTATE/CT_ESYS (logged by the caller). */
int ct_state_save_bg(struct ct_state *st);
/* Lower level: saves the given sections object atomically (not consumed). */
int ct_state_write(struct ct_state *st, const struct ct_json *sections);

/* Debounced saving on an event loop: after ct_state_touch(), a background save starts within
 * delay_ms plus the duration of the last save (several touches in that window give one
 * save). ct_state_flush() saves now, in-process, if touched. */
void ct_state_attach(struct ct_state *st, struct ct_evloop *ev, uint64_t delay_ms);
void ct_state_touch(struct ct_state *st);
int ct_state_flush(struct ct_state *st);
/* Number of successful saves by this handle (for status). */
uint64_t ct_state_saves(const struct ct_state *st);

#endif
