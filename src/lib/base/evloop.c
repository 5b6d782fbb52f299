/* evloop.c: epoll-based fd watchers and a min-heap of monotonic timers. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include "clock.h"
#include "err.h"
#include "evloop.h"

struct fdw {
	ct_ev_fd_cb cb;
	void *ud;
	unsigned events;
	int active;
};

struct timer {
	uint64_t due, id;
	ct_ev_timer_cb cb;
	void *ud;
};

struct ct_evloop {
	int epfd;
	struct fdw *fds;
	size_t nfds;
	struct timer *heap;
	size_t nheap, capheap;
	uint64_t next_id, now;
	int stop;
};

static uint32_t to_epoll(unsigned ev)
{
	return (ev & CT_EV_READ ? EPOLLIN : 0) | (ev & CT_EV_WRITE ? EPOLLOUT : 0);
}

int ct_evloop_new(struct ct_evloop **out)
{
	struct ct_evloop *ev = calloc(1, sizeof *ev);

	if (!ev)
		return CT_ENOMEM;
	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev->epfd < 0) {
		free(ev);
		return CT_ESYS;
	}
	ev->next_id = 1;
	ev->now = ct_mono_ms();
	*out = ev;
	return 0;
}

void ct_evloop_free(struct ct_evloop *ev)
{
	if (!ev)
		return;
	close(ev->epfd);
	free(ev->fds);
	free(ev->heap);
	free(ev);
}

int ct_evloop_add_fd(struct ct_evloop *ev, int fd, unsigned events, ct_ev_fd_cb cb, void *ud)
{
	struct epoll_event ee = { .events = to_epoll(events), .data.fd = fd };

	if (fd < 0 || !cb)
		return CT_EINVAL;
	if ((size_t)fd >= ev->nfds) {
		size_t n = (size_t)fd + 16;
		struct fdw *nf = realloc(ev->fds, n * sizeof *nf);
		if (!nf)
			return CT_ENOMEM;
		memset(nf + ev->nfds, 0, (n - ev->nfds) * sizeof *nf);
		ev->fds = nf;
		ev->nfds = n;
	}
	if (ev->fds[fd].active)
		return CT_EEXIST;
	if (epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &ee) < 0)
		return CT_ESYS;
	ev->fds[fd] = (struct fdw){ cb, ud, events, 1 };
	return 0;
}

int ct_evloop_mod_fd(struct ct_evloop *ev, int fd, unsigned events)
{
	struct epoll_event ee = { .events = to_epoll(events), .data.fd = fd };

	if (fd < 0 || (size_t)fd >= ev->nfds || !ev->fds[fd].active)
		return CT_ENOTFOUND;
	if (epoll_ctl(ev->epfd, EPOLL_CTL_MOD, fd, &ee) < 0)
		return CT_ESYS;
	ev->fds[fd].events = events;
	return 0;
}

void ct_evloop_del_fd(struct ct_evloop *ev, int fd)
{
	if (fd < 0 || (size_t)fd >= ev->nfds || !ev->fds[fd].active)
		return;
	epoll_ctl(ev->epfd, EPOLL_CTL_DEL, fd, NULL);
	ev->fds[fd].active = 0;
}

static void heap_swap(struct timer *h, size_t a, size_t b)
{
	struct timer t = h[a];

	h[a] = h[b];
	h[b] = t;
}

static int earlier(const struct timer *a, const struct timer *b)
{
	return a->due < b->due || (a->due == b->due && a->id < b->id);
}

static void sift_up(struct timer *h, size_t i)
{
	while (i > 0 && earlier(&h[i], &h[(i - 1) / 2])) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct timer *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && earlier(&h[l], &h[m]))
			m = l;
		if (r < n && earlier(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		heap_swap(h, i, m);
		i = m;
	}
}

static void heap_remove(struct ct_evloop *ev, size_t i)
{
	ev->nheap--;
	if (i == ev->nheap)
		return;
	ev->heap[i] = ev->heap[ev->nheap];
	sift_down(ev->heap, ev->nheap, i);
	sift_up(ev->heap, i);
}

uint64_t ct_evloop_add_timer(struct ct_evloop *ev, uint64_t delay_ms, ct_ev_timer_cb cb, void *ud)
{
	if (ev->nheap == ev->capheap) {
		size_t n = ev->capheap ? ev->capheap * 2 : 32;
		struct timer *nh = realloc(ev->heap, n * sizeof *nh);
		if (!nh)
			return 0;
		ev->heap = nh;
		ev->capheap = n;
	}
	ev->heap[ev->nheap] = (struct timer){ ct_mono_ms() + delay_ms, ev->next_id, cb, ud };
	sift_up(ev->heap, ev->nheap++);
	return ev->next_id++;
}

void ct_evloop_cancel_timer(struct ct_evloop *ev, uint64_t id)
{
	for (size_t i = 0; i < ev->nheap; i++)
		if (ev->heap[i].id == id) {
			heap_remove(ev, i);
			return;
		}
}

int64_t ct_evloop_timer_left(struct ct_evloop *ev, uint64_t id)
{
	uint64_t now = ct_mono_ms();

	for (size_t i = 0; i < ev->nheap; i++)
		if (ev->heap[i].id == id)
			return ev->heap[i].due > now ? (int64_t)(ev->heap[i].due - now) : 0;
	return -1;
}

static void run_timers(struct ct_evloop *ev)
{
	ev->now = ct_mono_ms();
	/* Timers added by callbacks with delay 0 run on the next iteration, not in this loop. */
	uint64_t limit = ev->next_id;
	while (ev->nheap && ev->heap[0].due <= ev->now && ev->heap[0].id < limit && !ev->stop) {
		struct timer t = ev->heap[0];
		heap_remove(ev, 0);
		t.cb(ev, t.id, t.ud);
	}
}

int ct_evloop_run_once(struct ct_evloop *ev, int max_wait_ms)
{
	struct epoll_event evs[64];
	int wait = max_wait_ms, n;

	ev->stop = 0;
	ev->now = ct_mono_ms();
	if (ev->nheap) {
		uint64_t d = ev->heap[0].due > ev->now ? ev->heap[0].due - ev->now : 0;
		if (wait < 0 || d < (uint64_t)wait)
			wait = d > 60000 ? 60000 : (int)d;
	}
	n = epoll_wait(ev->epfd, evs, 64, wait);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return CT_ESYS;
	}
	ev->now = ct_mono_ms();
	for (int i = 0; i < n && !ev->stop; i++) {
		int fd = evs[i].data.fd;
		unsigned e = 0;
		if ((size_t)fd >= ev->nfds || !ev->fds[fd].active)
			continue;
		if (evs[i].events & EPOLLIN)
			e |= CT_EV_READ;
		if (evs[i].events & EPOLLOUT)
			e |= CT_EV_WRITE;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			e |= CT_EV_ERROR | (ev->fds[fd].events & CT_EV_READ);
		ev->fds[fd].cb(ev, fd, e, ev->fds[fd].ud);
	}
	run_timers(ev);
	return 0;
}

int ct_evloop_run(struct ct_evloop *ev)
{
	int r;

	do
		if ((r = ct_evloop_run_once(ev, -1)) != 0)
			return r;
	while (!ev->stop);
	return 0;
}

void ct_evloop_stop(struct ct_evloop *ev) { ev->stop = 1; }
uint64_t ct_evloop_now_ms(struct ct_evloop *ev) { return ev->now; }
