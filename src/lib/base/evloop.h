/* evloop.h: single-threaded event loop: fds (epoll) and monotonic one-shot timers. */
#ifndef CT_EVLOOP_H
#define CT_EVLOOP_H

#include <stdint.h>

struct ct_evloop;

#define CT_EV_READ 0x1
#define CT_EV_WRITE 0x2
#define CT_EV_ERROR 0x4 /* reported only: hang-up or error on the fd */

typedef void (*ct_ev_fd_cb)(struct ct_evloop *ev, int fd, unsigned events, void *ud);
typedef void (*ct_ev_timer_cb)(struct ct_evloop *ev, uint64_t id, void *ud);

int ct_evloop_new(struct ct_evloop **out);
void ct_evloop_free(struct ct_evloop *ev);

/* Watches fd for events (CT_EV_READ|CT_EV_WRITE); one watcher per fd. */
int ct_evloop_add_fd(struct ct_evloop *ev, int fd, unsigned events, ct_ev_fd_cb cb, void *ud);
int ct_evloop_mod_fd(struct ct_evloop *ev, int fd, unsigned events);
/* Stops watching fd; safe to call from inside any callback. Does not close fd. */
void ct_evloop_del_fd(struct ct_evloop *ev, int fd);

/* One-shot timer after delay_ms (monotonic). Returns its id (never 0), or 0 on no memory. */
uint64_t ct_evloop_add_timer(struct ct_evloop *ev, uint64_t delay_ms, ct_ev_timer_cb cb, void *ud);
/* Cancels a pending timer; unknown or fired ids are ignored. */
void ct_evloop_cancel_timer(struct ct_evloop *ev, uint64_t id);
/* Milliseconds until the timer fires, or -1 when it is not pending. */
int64_t ct_evloop_timer_left(struct ct_evloop *ev, uint64_t id);

/* Waits at most max_wait_ms (-1 = until the next timer/event) and dispatches once. */
int ct_evloop_run_once(struct ct_evloop *ev, int max_wait_ms);
/* Dispatches until ct_evloop_stop(); returns 0, or a CT_E* code if epoll fails. */
int ct_evloop_run(struct ct_evloop *ev);
void ct_evloop_stop(struct ct_evloop *ev);
/* Monotonic milliseconds, cached per iteration. */
uint64_t ct_evloop_now_ms(struct ct_evloop *ev);

#endif
