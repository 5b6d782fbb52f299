/* t-evloop.c: unit tests for the event loop: timer order, cancellation, fd readiness, deletion. */
#include "config.h"
#include <unistd.h>
#include "tap.h"
#include "evloop.h"

static char order[16];
static int norder, reads;
static uint64_t victim;

static void on_timer(struct ct_evloop *ev, uint64_t id, void *ud)
{
	order[norder++] = *(const char *)ud;
	if (*(const char *)ud == 'c')
		ct_evloop_stop(ev);
}

static void on_cancel(struct ct_evloop *ev, uint64_t id, void *ud)
{
	ct_evloop_cancel_timer(ev, victim);
}

static void on_read(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	char c;

	reads++;
	if (read(fd, &c, 1) == 1 && c == 'q')
		ct_evloop_del_fd(ev, fd);
}

int main(void)
{
	struct ct_evloop *ev;
	int p[2];

	is_int(ct_evloop_new(&ev), 0, "new loop");
	ct_evloop_add_timer(ev, 30, on_timer, "c");
	ct_evloop_add_timer(ev, 10, on_timer, "a");
	ct_evloop_add_timer(ev, 20, on_timer, "b");
	victim = ct_evloop_add_timer(ev, 25, on_timer, "x");
	ct_evloop_add_timer(ev, 15, on_cancel, NULL);
	ok(ct_evloop_timer_left(ev, victim) > 0, "pending timer reports time left");
	is_int(ct_evloop_run(ev), 0, "run returns 0 after stop");
	order[norder] = '\0';
	is_str(order, "abc", "timers fire in deadline order; cancelled one never fires");
	is_int(ct_evloop_timer_left(ev, victim), -1, "cancelled timer is gone");

	is_int(pipe(p), 0, "pipe");
	is_int(ct_evloop_add_fd(ev, p[0], CT_EV_READ, on_read, NULL), 0, "watch read end");
	is_int(ct_evloop_add_fd(ev, p[0], CT_EV_READ, on_read, NULL), -13, "second watcher refused (EEXIST)");
	is_int(write(p[1], "xq", 2), 2, "write two bytes");
	ct_evloop_run_once(ev, 100);
	ct_evloop_run_once(ev, 100);
	ct_evloop_run_once(ev, 50);
	is_int(reads, 2, "two reads, then the watcher removed itself");
	close(p[0]);
	close(p[1]);
	ct_evloop_free(ev);
	return tap_done();
}
