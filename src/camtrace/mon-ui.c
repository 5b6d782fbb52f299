/* mon-ui.c: camtrace monitor's terminal: curses set-up and tear-down, keys and SIGWINCH read on the event loop, the 10-a-second redraw cap. */
#include "config.h"
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>
#include "clock.h"
#include "err.h"
#include "mon-ui-int.h"

static int winch_fd = -1;
static struct sigaction winch_old;

static void on_winch(int sig)
{
	int e = errno;

	(void)sig;
	if (winch_fd >= 0 && write(winch_fd, "w", 1) < 0) {
		/* the pipe is full: a resize is pending anyway */
	}
	errno = e;
}

static void redraw_cb(struct ct_evloop *ev, uint64_t id, void *ud);

/* A redraw no sooner than MON_UI_REDRAW_MS after the last one. */
static void schedule(struct mon_ui *ui)
{
	uint64_t now = ct_evloop_now_ms(ui->ev), at = ui->last_draw + MON_UI_REDRAW_MS;

	ui->pending = 1;
	if (ui->redraw_timer)
		return;
	ui->redraw_timer = ct_evloop_add_timer(ui->ev, at > now ? at - now : 0, redraw_cb, ui);
}

static void report_select(struct mon_ui *ui)
{
	struct mon_host *sel;

	sel = mon_model_vs(ui->m)->view == MON_VIEW_HOSTS ? mon_model_selected_host(ui->m) : NULL;
	if (!sel || !strcmp(sel->key, ui->sel_key))
		return;
	snprintf(ui->sel_key, sizeof ui->sel_key, "%s", sel->key);
	if (ui->hk.select)
		ui->hk.select(ui->hk.ud, sel);
}

static void redraw_cb(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct mon_ui *ui = ud;

	(void)ev;
	(void)id;
	ui->redraw_timer = 0;
	if (!ui->pending)
		return;
	ui->pending = 0;
	if (mon_model_vs(ui->m)->paused && !ui->keyed && !ui->full) {
		/* paused: the screen keeps what it showed; only the header counts what came in */
		mon_ui_draw_header(ui);
		refresh();
		ui->last_draw = ct_evloop_now_ms(ui->ev);
		return;
	}
	ui->keyed = 0;
	mon_ui_draw_now(ui);
	report_select(ui);
}

/* Once a second: the clock and the ages; while paused only the header moves. */
static void tick_cb(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct mon_ui *ui = ud;

	(void)id;
	ui->tick_timer = ct_evloop_add_timer(ev, 1000, tick_cb, ui);
	schedule(ui); /* the clock and the ages (while paused: the header alone) */
}

void mon_ui_kick(struct mon_ui *ui)
{
	/* while paused redraw_cb draws the header alone (the rows stay as they were shown) */
	if (ui && !ui->closed && mon_model_take_dirty(ui->m))
		schedule(ui);
}

uint64_t mon_ui_draw_now(struct mon_ui *ui)
{
	uint64_t t0 = ct_mono_ns(), dt;

	ui->redraw_timer ? ct_evloop_cancel_timer(ui->ev, ui->redraw_timer) : (void)0;
	ui->redraw_timer = 0;
	ui->pending = 0;
	mon_ui_draw(ui);
	ui->last_draw = ct_evloop_now_ms(ui->ev);
	dt = ct_mono_ns() - t0;
	ui->redraws++;
	ui->total_ns += dt;
	if (dt > ui->worst_ns)
		ui->worst_ns = dt;
	return dt;
}

void mon_ui_stats(const struct mon_ui *ui, uint64_t *redraws, uint64_t *worst_ns, uint64_t *total_ns)
{
	*redraws = ui->redraws;
	*worst_ns = ui->worst_ns;
	*total_ns = ui->total_ns;
}

void mon_ui_set_context(struct mon_ui *ui, const char *text)
{
	snprintf(ui->context, sizeof ui->context, "%s", text ? text : "");
	ui->keyed = 1;
	schedule(ui);
}

void mon_ui_message(struct mon_ui *ui, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ui->msg, sizeof ui->msg, fmt, ap);
	va_end(ap);
	ui->msg_until = ct_evloop_now_ms(ui->ev) + MON_UI_MSG_MS;
	ui->keyed = 1;
	schedule(ui);
}

/* ---- keys ---- */

static void save_snapshot(struct mon_ui *ui)
{
	char path[512] = "", err[256] = "";
	int r;

	if (ui->hk.save)
		r = ui->hk.save(ui->hk.ud, path, sizeof path, err, sizeof err);
	else
		r = mon_model_snapshot_save(ui->m, ui->snapdir[0] ? ui->snapdir : NULL, mon_ui_now(), path,
			sizeof path, err, sizeof err);
	if (r < 0)
		mon_ui_message(ui, "snapshot not saved: %s", err[0] ? err : ct_strerror(r));
	else
		mon_ui_message(ui, "saved %s (and .json)", path);
}

/* i: the next probe and poll interval of 0.5, 1, 2, 5, 10 s (after 10: 0.5 again). */
static void next_interval(struct mon_ui *ui)
{
	static const double steps[] = { 0.5, 1, 2, 5, 10 };
	double cur, next = steps[0];

	if (!ui->hk.interval) {
		mon_ui_message(ui, "the interval cannot change in this monitor");
		return;
	}
	cur = ui->hk.interval(ui->hk.ud, 0);
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (steps[i] > cur + 1e-6) {
			next = steps[i];
			break;
		}
	mon_ui_message(ui, "interval %g s (probes and polls)", ui->hk.interval(ui->hk.ud, next));
}

/* Appends the wide character c to the filter being typed (UTF-8), or removes the last one. */
static void edit_key(struct mon_ui *ui, int key, int fkey)
{
	size_t n = strlen(ui->edit);
	char mb[MB_LEN_MAX];
	mbstate_t st;
	size_t k;

	if (fkey ? key == KEY_BACKSPACE : (key == 127 || key == 8)) {
		while (n > 0 && ((unsigned char)ui->edit[n - 1] & 0xc0) == 0x80)
			n--; /* the continuation bytes of the last character */
		if (n > 0)
			n--;
		ui->edit[n] = '\0';
	} else if (fkey || key < 0x20) {
		return;
	} else {
		memset(&st, 0, sizeof st);
		k = wcrtomb(mb, (wchar_t)key, &st);
		if (k == (size_t)-1 || n + k >= sizeof ui->edit)
			return;
		memcpy(ui->edit + n, mb, k);
		ui->edit[n + k] = '\0';
	}
	mon_model_filter(ui->m, ui->edit); /* live: the prompt says whether it is valid */
}

static int filter_prompt_key(struct mon_ui *ui, int key, int fkey)
{
	if (!fkey && key == 27) { /* Esc: no filter */
		ui->edit[0] = '\0';
		mon_model_filter(ui->m, "");
		ui->editing = 0;
	} else if (fkey ? key == KEY_ENTER : (key == '\n' || key == '\r')) {
		ui->editing = 0; /* the last valid filter stays applied */
	} else {
		edit_key(ui, key, fkey);
	}
	return 1;
}

static int move_key(struct mon_ui *ui, int key, int fkey)
{
	struct mon_viewstate *vs = mon_model_vs(ui->m);
	size_t n = mon_model_view_rows(ui->m), page = ui->page ? ui->page : 1;
	long d = 0;

	if (fkey) {
		switch (key) {
		case KEY_UP: d = -1; break;
		case KEY_DOWN: d = 1; break;
		case KEY_PPAGE: d = -(long)page; break;
		case KEY_NPAGE: d = (long)page; break;
		case KEY_HOME: mon_model_move_to(ui->m, 0, page); ui->follow[vs->view] = 0; return 1;
		case KEY_END: mon_model_move_to(ui->m, n ? n - 1 : 0, page); ui->follow[vs->view] = 1; return 1;
		default: return 0;
		}
	} else {
		switch (key) {
		case 'k': d = -1; break;
		case 'j': d = 1; break;
		case 'g': mon_model_move_to(ui->m, 0, page); ui->follow[vs->view] = 0; return 1;
		case 'G': mon_model_move_to(ui->m, n ? n - 1 : 0, page); ui->follow[vs->view] = 1; return 1;
		default: return 0;
		}
	}
	mon_model_move(ui->m, d, page);
	ui->follow[vs->view] = n > 0 && vs->sel + 1 >= n;
	return 1;
}

static void host_action(struct mon_ui *ui, int key)
{
	struct mon_host *h = mon_model_vs(ui->m)->view == MON_VIEW_HOSTS ? mon_model_selected_host(ui->m) : NULL;

	if (!h) {
		mon_ui_message(ui, "select a host in the Hosts view first");
		return;
	}
	if (key == '\n' || key == '\r' || key == KEY_ENTER) {
		snprintf(ui->detail_key, sizeof ui->detail_key, "%s", h->key);
		ui->overlay = MON_OV_DETAIL;
	} else if (key == 'D') {
		if (!ui->hk.doctor)
			mon_ui_message(ui, "the doctor cannot run from this monitor");
		else if (h->doctor == MON_DOC_RUNNING)
			mon_ui_message(ui, "the doctor is already running on %s", h->user);
		else
			ui->hk.doctor(ui->hk.ud, h);
	} else if (key == 'm') {
		mon_model_pin(ui->m, h, !h->pinned);
		if (ui->hk.pin)
			ui->hk.pin(ui->hk.ud, h, h->pinned);
	}
}

/* The keys of the views (no overlay, no prompt); 0 when the key means nothing. */
static int view_key(struct mon_ui *ui, int key, int fkey)
{
	struct mon_viewstate *vs = mon_model_vs(ui->m);
	int s;

	if (move_key(ui, key, fkey))
		return 1;
	if (fkey) {
		if (key == KEY_BTAB)
			mon_model_next_view(ui->m, 1);
		else if (key == KEY_ENTER)
			host_action(ui, key);
		else
			return 0;
		return 1;
	}
	switch (key) {
	case 'q': case 3: /* Ctrl-C in raw mode */
		if (ui->hk.quit)
			ui->hk.quit(ui->hk.ud);
		return 1;
	case '?': case 'h': ui->overlay = MON_OV_HELP; return 1;
	case 'd': case '\t': mon_model_next_view(ui->m, 0); return 1;
	case 'p': case ' ': mon_model_pause(ui->m, !vs->paused); return 1;
	case 'o': mon_model_freeze(ui->m, !vs->frozen); return 1;
	case 'c': vs->compact = !vs->compact; ui->full = 1; return 1;
	case '/': ui->editing = 1; snprintf(ui->edit, sizeof ui->edit, "%s", vs->filter); return 1;
	case 27: if (vs->filter[0]) mon_model_filter(ui->m, ""); return 1;
	case 'r':
		mon_model_reset(ui->m, mon_ui_now());
		if (ui->hk.reset)
			ui->hk.reset(ui->hk.ud);
		mon_ui_message(ui, "counters reset");
		return 1;
	case 's': save_snapshot(ui); return 1;
	case 'i': next_interval(ui); return 1;
	case 12: ui->full = 1; return 1; /* Ctrl-L */
	case '\n': case '\r': case 'D': case 'm': host_action(ui, key); return 1;
	}
	if (vs->view == MON_VIEW_HOSTS && (s = mon_sort_for_key(key)) >= 0) {
		mon_model_sort(ui->m, (enum mon_sort)s);
		return 1;
	}
	return 0;
}

static void handle_key(struct mon_ui *ui, int key, int fkey)
{
	if (fkey && key == KEY_RESIZE) {
		ui->full = 1;
		return;
	}
	if (ui->editing)
		filter_prompt_key(ui, key, fkey);
	else if (ui->overlay != MON_OV_NONE)
		mon_ui_over_key(ui, key, fkey);
	else if (!view_key(ui, key, fkey))
		mon_ui_message(ui, "unknown key: press ? for the keys");
}

/* Reads every key waiting (resize bursts come out as one). */
static void on_stdin(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct mon_ui *ui = ud;
	wint_t wc;
	int r, n = 0;

	if (events & CT_EV_ERROR) { /* the terminal is gone (hang-up): nothing more to show */
		ct_evloop_del_fd(ev, fd);
		if (ui->hk.quit)
			ui->hk.quit(ui->hk.ud);
		return;
	}
	while (!ui->closed && n++ < 256 && (r = get_wch(&wc)) != ERR)
		handle_key(ui, (int)wc, r == KEY_CODE_YES);
	if (ui->closed)
		return;
	if (ui->full)
		flushinp(); /* after a resize: what was typed meanwhile belongs to the old screen */
	ui->keyed = 1; /* keys redraw everything even while paused: scrolling and filtering still work */
	schedule(ui);
}

static void on_winch_pipe(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct mon_ui *ui = ud;
	struct winsize ws;
	char buf[64];

	(void)events;
	while (read(fd, buf, sizeof buf) > 0)
		; /* a burst of resizes is one */
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	ui->full = 1;
	on_stdin(ev, STDIN_FILENO, CT_EV_READ, ui); /* drains the KEY_RESIZE resizeterm queued */
	schedule(ui);
}

/* ---- set-up ---- */

static void colors_init(struct mon_ui *ui, int want)
{
	ui->color = want && has_colors() && start_color() == OK;
	if (!ui->color)
		return;
	use_default_colors(); /* the terminal's own background (-1) */
	init_pair(MON_PAIR_GOOD, COLOR_GREEN, -1);
	init_pair(MON_PAIR_WARN, COLOR_YELLOW, -1);
	init_pair(MON_PAIR_BAD, COLOR_RED, -1);
	init_pair(MON_PAIR_INFO, COLOR_CYAN, -1);
	init_pair(MON_PAIR_DIM, COLOR_BLUE, -1);
}

/* ncursesw draws UTF-8 only under a UTF-8 locale (the names are UTF-8 whatever the terminal). */
static void utf8_locale(void)
{
	const char *cs = setlocale(LC_CTYPE, "") ? nl_langinfo(CODESET) : "";

	if (strcmp(cs, "UTF-8") != 0)
		setlocale(LC_CTYPE, "C.UTF-8");
}

static int winch_init(struct mon_ui *ui, char *err, size_t errlen)
{
	int p[2];
	struct sigaction sa;

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return CT_ESYS;
	}
	ui->rfd = p[0];
	ui->wfd = p[1];
	winch_fd = p[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_winch;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	/* before initscr: ncurses installs its own handler only where none is */
	sigaction(SIGWINCH, &sa, &winch_old);
	return ct_evloop_add_fd(ui->ev, ui->rfd, CT_EV_READ, on_winch_pipe, ui);
}

int mon_ui_open(struct mon_ui **out, struct ct_evloop *ev, struct mon_model *m, const struct mon_ui_opts *o,
	const struct mon_ui_hooks *hooks, char *err, size_t errlen)
{
	struct mon_ui *ui;
	int r;

	*out = NULL;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the screen needs a terminal on standard input and output");
		return CT_EINVAL;
	}
	if (!(ui = calloc(1, sizeof *ui))) {
		snprintf(err, errlen, "out of memory");
		return CT_ENOMEM;
	}
	ui->ev = ev;
	ui->m = m;
	ui->rfd = ui->wfd = -1;
	if (hooks)
		ui->hk = *hooks;
	ui->utc = o->utc;
	snprintf(ui->snapdir, sizeof ui->snapdir, "%s", o->snapdir ? o->snapdir : "");
	snprintf(ui->context, sizeof ui->context, "%s", o->context ? o->context : "");
	ui->follow[MON_VIEW_EVENTS] = ui->follow[MON_VIEW_PACKETS] = 1;
	mon_model_vs(m)->compact = o->compact;
	ct_sbuf_init(&ui->line);
	utf8_locale();
	if ((r = winch_init(ui, err, errlen)) < 0) {
		mon_ui_close(ui);
		return r;
	}
	if (!(ui->scr = newterm(NULL, stdout, stdin))) {
		snprintf(err, errlen, "cannot use the terminal '%s' (TERM)", getenv("TERM") ? getenv("TERM") : "");
		mon_ui_close(ui);
		return CT_EINVAL;
	}
	set_escdelay(25);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	colors_init(ui, o->color);
	if ((r = ct_evloop_add_fd(ev, STDIN_FILENO, CT_EV_READ, on_stdin, ui)) < 0) {
		snprintf(err, errlen, "cannot watch standard input");
		mon_ui_close(ui);
		return r;
	}
	ui->tick_timer = ct_evloop_add_timer(ev, 1000, tick_cb, ui);
	ui->full = 1;
	mon_ui_draw_now(ui);
	*out = ui;
	return 0;
}

void mon_ui_close(struct mon_ui *ui)
{
	if (!ui)
		return;
	ui->closed = 1;
	if (ui->redraw_timer)
		ct_evloop_cancel_timer(ui->ev, ui->redraw_timer);
	if (ui->tick_timer)
		ct_evloop_cancel_timer(ui->ev, ui->tick_timer);
	if (ui->scr) {
		ct_evloop_del_fd(ui->ev, STDIN_FILENO);
		endwin();
		delscreen(ui->scr);
	}
	if (ui->rfd >= 0) {
		ct_evloop_del_fd(ui->ev, ui->rfd);
		sigaction(SIGWINCH, &winch_old, NULL);
		winch_fd = -1;
		close(ui->rfd);
		close(ui->wfd);
	}
	ct_sbuf_fini(&ui->line);
	free(ui);
}
