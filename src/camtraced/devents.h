/* devents.h: camtraced's event subscription (the `subscribe` control method and the events it pushes). */
#ifndef CAMTRACED_DEVENTS_H
#define CAMTRACED_DEVENTS_H

#include <stddef.h>

struct daemon;
struct ct_search_progress;

/* Adds `subscribe` to the control socket and starts watching the host table, the log
 * (warnings and errors), and the notification rounds. Call after daemon_open(). */
void devents_register(struct daemon *d);
/* Stops watching (before the control socket closes). */
void devents_close(struct daemon *d);
/* A list fetch ended (ok: complete). */
void devents_fetch(struct daemon *d, int ok);
/* A search made progress or ended. */
void devents_search(struct daemon *d, const struct ct_search_progress *p);
/* A notification round: kind "entry", "absence" or "exit". */
void devents_notify(struct daemon *d, const char *kind, unsigned round, size_t targets);

#endif
