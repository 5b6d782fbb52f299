/* mon-ui-draw.c: camtrace monitor's screen: header, view tabs, key legend, the four views' rows (text from the model, fitted by display width) and the bottom line. */
#include "config.h"
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "textw.h"
#include "mon-ui-int.h"

int64_t mon_ui_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mon_ui_clock(const struct mon_ui *ui, int64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	if (ui->utc)
		gmtime_r(&s, &tm);
	else
		localtime_r(&s, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

void mon_ui_put(struct mon_ui *ui, int y, int x, const char *s, unsigned width, int pair, int bold, int rev)
{
	attr_t a = A_NORMAL;

	(void)width;
	if (pair && ui->color)
		a |= COLOR_PAIR(pair);
	if (bold)
		a |= A_BOLD;
	if (rev)
		a |= A_REVERSE;
	if (pair == MON_PAIR_DIM && !ui->color)
		a |= A_DIM;
	attrset(a);
	mvaddstr(y, x, s);
	attrset(A_NORMAL);
}

void mon_ui_putf(struct mon_ui *ui, int y, int x, unsigned width, int pair, int bold, int rev,
	const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	ct_sbuf_reset(&ui->line);
	ct_textw_fit(&ui->line, tmp, width, 0);
	mon_ui_put(ui, y, x, ui->line.p ? ui->line.p : "", width, pair, bold, rev);
}

/* The first body row: header, tabs, the key legend (not in compact mode), the column titles. */
static int body_top(const struct mon_ui *ui)
{
	return mon_model_vs(ui->m)->compact ? 3 : 4;
}

size_t mon_ui_body_rows(const struct mon_ui *ui, int lines)
{
	int n = lines - body_top(ui) - 1;

	return n > 0 ? (size_t)n : 0;
}

void mon_ui_draw_header(struct mon_ui *ui)
{
	const struct mon_viewstate *vs = mon_model_vs(ui->m);
	char clk[24], hms[16], mark[64];
	unsigned cols = (unsigned)COLS, cw, mw, tw = 17;
	int n = 0;

	mon_ui_clock(ui, mon_ui_now(), hms, sizeof hms);
	snprintf(clk, sizeof clk, " %s%s", hms, ui->utc ? "Z" : "");
	mark[0] = '\0';
	if (vs->paused)
		n += snprintf(mark + n, sizeof mark - (size_t)n, " PAUSED +%llu ", (unsigned long long)vs->paused_events);
	if (vs->frozen)
		snprintf(mark + n, sizeof mark - (size_t)n, " ORDER FROZEN ");
	cw = (unsigned)strlen(clk);
	mw = (unsigned)strlen(mark);
	if (tw + mw + cw > cols)
		return;
	mon_ui_putf(ui, 0, 0, tw, MON_PAIR_INFO, 1, 0, "camtrace monitor");
	mon_ui_putf(ui, 0, (int)tw, cols - tw - mw - cw, MON_PAIR_NONE, 0, 0, "%s", ui->context);
	if (mw) /* a word in reverse video: it shows without colour too */
		mon_ui_putf(ui, 0, (int)(cols - cw - mw), mw, MON_PAIR_WARN, 1, 1, "%s", mark);
	mon_ui_putf(ui, 0, (int)(cols - cw), cw, MON_PAIR_NONE, 0, 0, "%s", clk);
}

static const char *const view_title[MON_VIEW_COUNT] = { "Hosts", "Segments", "Packets", "Events" };

/* Row 1: the views (the current one in brackets and reverse video), then counters. */
static void draw_tabs(struct mon_ui *ui)
{
	const struct mon_viewstate *vs = mon_model_vs(ui->m);
	const struct mon_counters *c = mon_model_counters(ui->m);
	unsigned cols = (unsigned)COLS, x = 0, w;
	char tab[32];

	for (int v = 0; v < MON_VIEW_COUNT && x + 12 < cols; v++) {
		int cur = v == (int)vs->view;

		snprintf(tab, sizeof tab, cur ? "[%s]" : " %s ", view_title[v]);
		w = (unsigned)strlen(tab);
		mon_ui_putf(ui, 1, (int)x, w, cur ? MON_PAIR_INFO : MON_PAIR_NONE, cur, cur, "%s", tab);
		x += w + 1;
	}
	if (x >= cols)
		return;
	w = cols - x;
	mon_ui_putf(ui, 1, (int)x, w, MON_PAIR_NONE, 0, 0, "%*s", (int)w, "");
	{
		char txt[160];

		snprintf(txt, sizeof txt, "%zu hosts  %llu ev  %llu pkts  %llu unans", mon_model_host_count(ui->m),
			(unsigned long long)c->events, (unsigned long long)c->packets,
			(unsigned long long)c->unanswered);
		if (ct_textw(txt, strlen(txt)) < w)
			mon_ui_putf(ui, 1, (int)(cols - ct_textw(txt, strlen(txt))), ct_textw(txt, strlen(txt)),
				MON_PAIR_NONE, 0, 0, "%s", txt);
	}
}

static void draw_legend(struct mon_ui *ui)
{
	mon_ui_putf(ui, 2, 0, (unsigned)COLS, MON_PAIR_NONE, 0, 0,
		"Keys: ?help d:view p:pause o:order /:filter s:save Enter:detail D:doctor q:quit");
}

static int host_pair(const struct mon_host *h)
{
	if (h->gone)
		return MON_PAIR_DIM;
	if (h->state == MON_HS_OFFLINE)
		return MON_PAIR_BAD;
	if (h->state == MON_HS_ABSENT || h->unstable)
		return MON_PAIR_WARN;
	return MON_PAIR_NONE;
}

/* Keeps the selection on the screen and the newest line in view while following. */
static void follow(struct mon_ui *ui, size_t n)
{
	struct mon_viewstate *vs = mon_model_vs(ui->m);

	if (ui->follow[vs->view] && !vs->paused && n > 0 && vs->sel + 1 != n)
		mon_model_move_to(ui->m, n - 1, ui->page);
	else if (n > 0 && (vs->sel >= n || vs->top >= n || vs->sel < vs->top || vs->sel >= vs->top + ui->page))
		mon_model_move_to(ui->m, vs->sel < n ? vs->sel : n - 1, ui->page);
}

static void empty_row(struct mon_ui *ui, int y, const char *what)
{
	const struct mon_viewstate *vs = mon_model_vs(ui->m);

	mon_ui_putf(ui, y, 0, (unsigned)COLS, MON_PAIR_DIM, 0, 0, vs->filter[0] ? " (no %s match the filter)" :
		" (no %s yet)", what);
}

/* The Hosts rows take the whole width (the model fits its columns to it): the selection is
 * shown in reverse video and in the bottom line, which names the selected host in full. */
static void draw_hosts(struct mon_ui *ui, int y0)
{
	struct mon_host *const *rows;
	const struct mon_viewstate *vs;
	size_t n = mon_model_host_rows(ui->m, &rows);
	unsigned w = (unsigned)COLS;
	int64_t now = mon_ui_now();

	ct_sbuf_reset(&ui->line);
	mon_model_host_header(ui->m, w, &ui->line);
	mon_ui_put(ui, y0 - 1, 0, ui->line.p ? ui->line.p : "", w, MON_PAIR_NONE, 1, 1);
	follow(ui, n);
	n = mon_model_host_rows(ui->m, &rows);
	vs = mon_model_vs(ui->m);
	if (n == 0)
		empty_row(ui, y0, "hosts");
	for (size_t i = vs->top, y = (size_t)y0; i < n && y < (size_t)y0 + ui->page; i++, y++) {
		ct_sbuf_reset(&ui->line);
		mon_model_host_line(ui->m, rows[i], w, now, &ui->line);
		mon_ui_put(ui, (int)y, 0, ui->line.p ? ui->line.p : "", w, host_pair(rows[i]), 0, i == vs->sel);
	}
}

static void draw_segments(struct mon_ui *ui, int y0)
{
	const struct mon_segment *const *rows;
	const struct mon_viewstate *vs;
	size_t n = mon_model_segment_rows(ui->m, &rows);
	unsigned w = (unsigned)COLS - 1;
	int64_t now = mon_ui_now();

	ct_sbuf_reset(&ui->line);
	ct_sbuf_addc(&ui->line, ' ');
	mon_model_segment_header(w, &ui->line);
	mon_ui_put(ui, y0 - 1, 0, ui->line.p, (unsigned)COLS, MON_PAIR_NONE, 1, 1);
	follow(ui, n);
	n = mon_model_segment_rows(ui->m, &rows);
	vs = mon_model_vs(ui->m);
	if (n == 0)
		empty_row(ui, y0, "segments");
	for (size_t i = vs->top, y = (size_t)y0; i < n && y < (size_t)y0 + ui->page; i++, y++) {
		int sel = i == vs->sel, pair = rows[i]->lost ? MON_PAIR_BAD : rows[i]->unstable ? MON_PAIR_WARN : 0;

		ct_sbuf_reset(&ui->line);
		ct_sbuf_addc(&ui->line, sel ? '>' : ' ');
		mon_model_segment_line(rows[i], w, now, &ui->line);
		mon_ui_put(ui, (int)y, 0, ui->line.p, (unsigned)COLS, pair, 0, sel);
	}
}

static int event_pair(const struct mon_event *e)
{
	if (e->level >= 2)
		return MON_PAIR_BAD;
	if (e->level == 1 || e->kind == MON_EV_LOST || e->kind == MON_EV_UNANSWERED || e->kind == MON_EV_ICMP)
		return MON_PAIR_WARN;
	if (e->kind == MON_EV_HOST && (!strcmp(e->op, "exit") || !strcmp(e->op, "lost")))
		return MON_PAIR_BAD;
	if (e->kind == MON_EV_HOST && !strcmp(e->op, "flap"))
		return MON_PAIR_WARN;
	if (e->kind == MON_EV_HOST && (!strcmp(e->op, "join") || !strcmp(e->op, "back")))
		return MON_PAIR_GOOD;
	return MON_PAIR_NONE;
}

static void draw_events(struct mon_ui *ui, int y0)
{
	const struct mon_viewstate *vs;
	size_t n = mon_model_event_count(ui->m);
	unsigned w = (unsigned)COLS - 1;

	mon_ui_putf(ui, y0 - 1, 0, (unsigned)COLS, MON_PAIR_NONE, 1, 1, " %-12s  %s", ui->utc ? "TIME (UTC)" : "TIME",
		"EVENT");
	follow(ui, n);
	n = mon_model_event_count(ui->m);
	vs = mon_model_vs(ui->m);
	if (n == 0)
		empty_row(ui, y0, "events");
	for (size_t i = vs->top, y = (size_t)y0; i < n && y < (size_t)y0 + ui->page; i++, y++) {
		const struct mon_event *e = mon_model_event_at(ui->m, i);
		int sel = i == vs->sel;

		if (!e)
			break;
		ct_sbuf_reset(&ui->line);
		ct_sbuf_addc(&ui->line, sel ? '>' : e->level >= 2 ? 'E' : e->level == 1 ? 'W' : ' ');
		mon_model_event_line(e, w, ui->utc, &ui->line);
		mon_ui_put(ui, (int)y, 0, ui->line.p, (unsigned)COLS, event_pair(e), 0, sel);
	}
}

/* RTP streams under the packets (at most 3 rows plus a title). */
static size_t draw_rtp(struct mon_ui *ui, int ybot)
{
	const struct mon_rtp *const *rows;
	size_t n = mon_model_rtp_rows(ui->m, &rows), k = n < 3 ? n : 3;

	if (n == 0 || ui->page < 8)
		return 0;
	mon_ui_putf(ui, ybot - (int)k, 0, (unsigned)COLS, MON_PAIR_NONE, 1, 1, " RTP streams: %zu", n);
	for (size_t i = 0; i < k; i++) {
		const struct mon_rtp *r = rows[i];
		double loss = r->packets + r->lost ? 100.0 * (double)r->lost / (double)(r->packets + r->lost) : 0;

		mon_ui_putf(ui, ybot - (int)k + 1 + (int)i, 0, (unsigned)COLS, r->lost ? MON_PAIR_WARN : 0, 0, 0,
			" %s  %llu pkts  lost %llu (%.1f%%)  jitter %.1f ms", r->key, (unsigned long long)r->packets,
			(unsigned long long)r->lost, loss, r->jitter_ms);
	}
	return k + 1;
}

static void draw_packets(struct mon_ui *ui, int y0)
{
	const struct mon_viewstate *vs;
	size_t n, rtp, page = ui->page;
	unsigned w = (unsigned)COLS - 1;

	mon_ui_putf(ui, y0 - 1, 0, (unsigned)COLS, MON_PAIR_NONE, 1, 1, " %s",
		"PACKETS (the lines camtrace sniff prints; ! = request without an answer)");
	rtp = draw_rtp(ui, y0 + (int)ui->page - 1);
	ui->page -= rtp;
	n = mon_model_packet_count(ui->m);
	follow(ui, n);
	n = mon_model_packet_count(ui->m);
	vs = mon_model_vs(ui->m);
	if (n == 0)
		empty_row(ui, y0, "packets");
	for (size_t i = vs->top, y = (size_t)y0; i < n && y < (size_t)y0 + ui->page; i++, y++) {
		const struct mon_packet *p = mon_model_packet_at(ui->m, i);
		int sel = i == vs->sel, un = p && (p->flags & MON_PKT_UNANSWERED);

		if (!p)
			break;
		ct_sbuf_reset(&ui->line);
		ct_sbuf_addc(&ui->line, sel ? '>' : un ? '!' : ' ');
		ct_textw_fit(&ui->line, p->line, w, 0);
		mon_ui_put(ui, (int)y, 0, ui->line.p, (unsigned)COLS, un ? MON_PAIR_BAD : 0, 0, sel);
	}
	ui->page = page;
}

/* The bottom line: the filter prompt, a message, or the selected row in full. */
static void draw_footer(struct mon_ui *ui)
{
	const struct mon_viewstate *vs = mon_model_vs(ui->m);
	unsigned cols = (unsigned)COLS;
	int y = LINES - 1;
	struct mon_host *h;

	if (ui->editing) {
		const char *ok = vs->filter_valid ? "ok" : vs->filter_error;
		char right[128];
		unsigned rw;

		snprintf(right, sizeof right, vs->filter_valid ? " [%s]" : " [invalid: %s]", ok);
		rw = ct_textw(right, strlen(right));
		rw = rw > cols / 2 ? cols / 2 : rw;
		mon_ui_putf(ui, y, 0, cols - rw, MON_PAIR_NONE, 0, 0, "filter: %s_", ui->edit);
		mon_ui_putf(ui, y, (int)(cols - rw), rw, vs->filter_valid ? MON_PAIR_GOOD : MON_PAIR_BAD, 1,
			!vs->filter_valid, "%s", right);
		return;
	}
	if (ui->msg[0] && ct_evloop_now_ms(ui->ev) < ui->msg_until) {
		mon_ui_putf(ui, y, 0, cols, MON_PAIR_INFO, 0, 0, "%s", ui->msg);
		return;
	}
	ui->msg[0] = '\0';
	if (vs->view == MON_VIEW_HOSTS && (h = mon_model_selected_host(ui->m)) != NULL) {
		mon_ui_putf(ui, y, 0, cols, MON_PAIR_NONE, 0, 0, "%s%s%s%s (%s@%s) %s:%u%s%s%s%s", vs->filter[0] ? "[/" : "",
			vs->filter, vs->filter[0] ? "] " : "", h->nick[0] ? h->nick : "-", h->user, h->host, h->addr, h->port,
			h->group[0] ? " group " : "", h->group, h->program[0] ? " " : "", h->program);
		return;
	}
	mon_ui_putf(ui, y, 0, cols, MON_PAIR_NONE, 0, 0, "%s%s%s%zu rows", vs->filter[0] ? "[/" : "", vs->filter,
		vs->filter[0] ? "] " : "", mon_model_view_rows(ui->m));
}

void mon_ui_draw(struct mon_ui *ui)
{
	const struct mon_viewstate *vs = mon_model_vs(ui->m);
	int y0 = body_top(ui);

	if (ui->full) {
		clearok(curscr, TRUE); /* Ctrl-L and resizes: everything is sent again */
		ui->full = 0;
	}
	erase();
	ui->lines = LINES;
	ui->cols = COLS;
	if (COLS < MON_UI_MIN_W || LINES < MON_UI_MIN_H) {
		mon_ui_putf(ui, 0, 0, (unsigned)COLS, MON_PAIR_BAD, 1, 0, "terminal too small (need %dx%d)",
			MON_UI_MIN_W, MON_UI_MIN_H);
		refresh();
		return;
	}
	ui->page = mon_ui_body_rows(ui, LINES);
	mon_ui_draw_header(ui);
	draw_tabs(ui);
	if (!vs->compact)
		draw_legend(ui);
	switch (vs->view) {
	case MON_VIEW_HOSTS: draw_hosts(ui, y0); break;
	case MON_VIEW_SEGMENTS: draw_segments(ui, y0); break;
	case MON_VIEW_PACKETS: draw_packets(ui, y0); break;
	default: draw_events(ui, y0); break;
	}
	draw_footer(ui);
	if (ui->overlay == MON_OV_HELP)
		mon_ui_draw_help(ui);
	else if (ui->overlay == MON_OV_DETAIL)
		mon_ui_draw_detail(ui);
	refresh();
}
