/* state.h: the daemon's persistent state: versioned JSON file saved atomically, reloaded at start. */
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
 * Saving writes PATH.tmp in the same directory, fsyncs it, renames it over PATH and fsyncs
 * the directory: a crash (kill -9, power loss) at any moment leaves either the previous or the
 * new complete file. Loading a file that is not valid JSON, is not a camtraced state file, or
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

/* Reads the file and hands each registered section to its load callback.
 * 0: loaded; CT_ENOTFOUND: no file yet (fresh start); CT_EFORMAT: bad/foreign/other
 * version, moved aside (see ct_state_moved_to); CT_ESYS: cannot read (file left alone).
 * A section whose load callback fails is logged and skipped; the others still load. */
int ct_state_load(struct ct_state *st);
/* Lower level: reads and validates the file; *sections gets the "sections" object (caller frees). */
int ct_state_read(struct ct_state *st, struct ct_json **sections);

/* Collects every registered section and saves atomically. 0 or CT_ESYS/CT_ENOMEM. */
int ct_state_save(struct ct_state *st);
/* Lower level: saves the given sections object atomically (not consumed). */
int ct_state_write(struct ct_state *st, const struct ct_json *sections);

/* Debounced saving on an event loop: after ct_state_touch(), a save happens within delay_ms
 * (several touches in that window give one save). ct_state_flush() saves now if touched. */
void ct_state_attach(struct ct_state *st, struct ct_evloop *ev, uint64_t delay_ms);
void ct_state_touch(struct ct_state *st);
int ct_state_flush(struct ct_state *st);
/* Number of successful saves by this handle (for status). */
uint64_t ct_state_saves(const struct ct_state *st);

#endif
