/* mon-ui-over.c: camtrace monitor's overlays: the help listing every key and a host's detail (history, probe results, the doctor's verdict in place); both follow resizes. */
#include "config.h"
#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include "textw.h"
#include "mon-ui-int.h"

static const char *const help_lines[] = {
	"?  h         this help (Esc or q closes it; j/k scroll)",
	"d  Tab       next view: Hosts, Segments, Packets, Events (Shift-Tab: back)",
	"p  space     pause the screen: PAUSED +N (data keeps being collected)",
	"o            freeze the row order (ORDER FROZEN; new rows go to the end)",
	"Sort (Hosts; the same key again reverses, the title shows ^ or v):",
	"  n nick  g group  u user  a address  w where learned  t state",
	"  f flaps  l last heard  v program  R RTT  L loss  0 default order",
	"/            filter, checked as you type: [ok] or [invalid: why];",
	"             Enter keeps it, Esc clears it (Esc in a view clears too)",
	"             words: text, ADDR, CIDR, user: host: nick: group: addr:",
	"             origin: state: prog: flaps>N unstable pinned !WORD",
	"Enter        the selected host's detail: history, probes, doctor",
	"D            run the doctor on the selected host (verdict in place)",
	"m            pin the selected host: its probe columns stay live (*)",
	"r            reset counters, flaps and probe figures",
	"s            save a snapshot (text and JSON files)",
	"c            compact mode: no key legend, fewer columns",
	"i            probe and poll interval: 0.5, 1, 2, 5, 10 s in turn",
	"Ctrl-L       repaint the whole screen",
	"Up Down j k  PgUp PgDn  Home End g G: move the selection",
	"q  Ctrl-C    quit",
	"Marks: > selected  * pinned  ! unanswered  W warning  E error",
};
#define HELP_N (sizeof help_lines / sizeof help_lines[0])

static size_t help_top;

#define MON_DL 512 /* one detail line's bytes */

/* A framed box with a title; returns 0 when the screen is too small for one. */
static int frame(struct mon_ui *ui, int y, int x, int h, int w, const char *title)
{
	if (h < 3 || w < 10)
		return 0;
	for (int r = 0; r < h; r++) {
		ct_sbuf_reset(&ui->line);
		for (int c = 0; c < w; c++)
			ct_sbuf_addc(&ui->line, (r == 0 || r == h - 1) ? (c == 0 || c == w - 1 ? '+' : '-') :
				(c == 0 || c == w - 1 ? '|' : ' '));
		mon_ui_put(ui, y + r, x, ui->line.p, (unsigned)w, MON_PAIR_NONE, 0, 0);
	}
	mon_ui_putf(ui, y, x + 2, (unsigned)(w - 4 < (int)ct_textw(title, strlen(title)) + 2 ? w - 4 :
		(int)ct_textw(title, strlen(title)) + 2), MON_PAIR_INFO, 1, 0, " %s ", title);
	return 1;
}

void mon_ui_draw_help(struct mon_ui *ui)
{
	/* overlays take whole rows: a box edge inside a row could split a two-column character */
	int w = COLS, h = LINES - 2 < (int)HELP_N + 3 ? LINES - 2 : (int)HELP_N + 3;
	int x = 0, y = (LINES - h) / 2, rows = h - 3;

	if (!frame(ui, y, x, h, w, "camtrace monitor: keys"))
		return;
	if (rows < 1)
		return;
	if (help_top + (size_t)rows > HELP_N)
		help_top = HELP_N > (size_t)rows ? HELP_N - (size_t)rows : 0;
	for (int i = 0; i < rows && help_top + (size_t)i < HELP_N; i++)
		mon_ui_putf(ui, y + 1 + i, x + 2, (unsigned)w - 4, MON_PAIR_NONE, 0, 0, "%s", help_lines[help_top + (size_t)i]);
	mon_ui_putf(ui, y + h - 2, x + 2, (unsigned)w - 4, MON_PAIR_DIM, 0, 0, "%s",
		help_top + (size_t)rows < HELP_N ? "(more: j/Down)" : "Esc or q: back");
}

static const char *doctor_text(const struct mon_host *h, char *buf, size_t len)
{
	switch (h->doctor) {
	case MON_DOC_RUNNING: snprintf(buf, len, "running..."); break;
	case MON_DOC_DONE: snprintf(buf, len, "verdict %s: %s", h->doctor_verdict, h->doctor_summary); break;
	case MON_DOC_FAILED: snprintf(buf, len, "FAILED: %s", h->doctor_summary); break;
	default: snprintf(buf, len, "not run (D runs it)"); break;
	}
	return buf;
}

static double pct(unsigned part, unsigned whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* The probe lines of the detail (3 lines written into out[]). */
static int probe_lines(const struct mon_host *h, int64_t now, char out[][MON_DL])
{
	const struct mon_probe *p = &h->probe;
	char age[16];

	if (!p->updated && !p->active) {
		snprintf(out[0], MON_DL, "Probes: none yet (m pins the host; the selected host is probed)");
		return 1;
	}
	mon_model_age(now, p->updated, age, sizeof age);
	snprintf(out[0], MON_DL, "UDP 2425: %u/%u answered (%.0f%% loss)  RTT %.1f ms  avg %.1f ms  [%s ago]",
		p->udp_answered, p->udp_sent, pct(p->udp_sent - p->udp_answered, p->udp_sent),
		p->udp_rtt_ms < 0 ? 0.0 : p->udp_rtt_ms, p->udp_rtt_avg_ms < 0 ? 0.0 : p->udp_rtt_avg_ms, age);
	if (p->udp_rtt_ms < 0)
		snprintf(out[0], MON_DL, "UDP 2425: %u/%u answered (%.0f%% loss)  no RTT  [%s ago]", p->udp_answered,
			p->udp_sent, pct(p->udp_sent - p->udp_answered, p->udp_sent), age);
	snprintf(out[1], MON_DL, "TCP 2425: %s", p->tcp_state[0] ? p->tcp_state : "not probed");
	snprintf(out[2], MON_DL, "ICMP: %u/%u answered (%.0f%% loss)  RTT %.1f ms  last error %s", p->icmp_recv,
		p->icmp_sent, pct(p->icmp_sent - p->icmp_recv, p->icmp_sent), p->icmp_rtt_ms < 0 ? 0.0 : p->icmp_rtt_ms,
		p->icmp_error[0] ? p->icmp_error : "none");
	return 3;
}

/* The detail's lines for host h into out (at most max); returns how many. */
static int detail_lines(struct mon_ui *ui, const struct mon_host *h, char out[][MON_DL], int max)
{
	int64_t now = mon_ui_now();
	char a[16], b[16], c[16], d[400];
	int n = 0;

	mon_ui_clock(ui, h->first_seen, a, sizeof a);
	mon_model_age(now, h->last_seen, b, sizeof b);
	mon_ui_clock(ui, h->last_change, c, sizeof c);
	snprintf(out[n++], MON_DL, "%s (%s@%s)  %s:%u  group %s", h->nick[0] ? h->nick : "-", h->user, h->host,
		h->addr, h->port, h->group[0] ? h->group : "-");
	snprintf(out[n++], MON_DL, "State %s%s%s%s%s  flaps %u (lifetime %u)  joins %u exits %u lost %u",
		mon_hstate_name(h->state), h->offline_reason[0] ? " (" : "", h->offline_reason,
		h->offline_reason[0] ? ")" : "", h->unstable ? " UNSTABLE" : "", h->flaps, h->flap_count, h->joins,
		h->exits, h->losts);
	snprintf(out[n++], MON_DL, "Learned %s  program %s  status 0x%x%s%s", h->origin, h->program[0] ? h->program : "-",
		(unsigned)h->status, h->pinned ? "  PINNED" : "", h->gone ? "  REMOVED by the daemon" : "");
	snprintf(out[n++], MON_DL, "First seen %s  last heard %s ago  last change %s", a, b, c);
	n += probe_lines(h, now, out + n);
	snprintf(out[n++], MON_DL, "Doctor: %s", doctor_text(h, d, sizeof d));
	snprintf(out[n++], MON_DL, "History (newest first):");
	for (unsigned i = 0; i < h->nhist && i < MON_HISTORY && n < max; i++) {
		const struct mon_hist *e = &h->hist[(h->nhist - 1 - i) % MON_HISTORY];

		mon_ui_clock(ui, e->t, a, sizeof a);
		snprintf(out[n++], MON_DL, "  %s  %-6s -> %s", a, e->op, mon_hstate_name(e->state));
	}
	if (h->nhist == 0 && n < max)
		snprintf(out[n++], MON_DL, "  (no changes seen yet)");
	return n;
}

void mon_ui_draw_detail(struct mon_ui *ui)
{
	struct mon_host *h = mon_model_host_find(ui->m, ui->detail_key);
	int w = COLS, h_ = LINES - 2, x = 0, y = 1, n, rows;
	char lines[40][MON_DL];
	const char *title = "host detail";

	if (!frame(ui, y, x, h_, w, title))
		return;
	rows = h_ - 3;
	if (!h) {
		mon_ui_putf(ui, y + 1, x + 2, (unsigned)w - 4, MON_PAIR_BAD, 0, 0, "%s is no longer known", ui->detail_key);
		n = 0;
	} else {
		n = detail_lines(ui, h, lines, 40);
	}
	for (int i = 0; i < n && i < rows; i++) {
		int pair = 0;

		if (h && i == 1)
			pair = h->state == MON_HS_OFFLINE ? MON_PAIR_BAD : h->state == MON_HS_ABSENT ? MON_PAIR_WARN : MON_PAIR_GOOD;
		if (h && !strncmp(lines[i], "Doctor:", 7) && h->doctor != MON_DOC_NONE)
			pair = h->doctor == MON_DOC_DONE && !strcmp(h->doctor_verdict, "ok") ? MON_PAIR_GOOD :
				h->doctor == MON_DOC_RUNNING ? MON_PAIR_INFO : MON_PAIR_BAD;
		mon_ui_putf(ui, y + 1 + i, x + 2, (unsigned)w - 4, pair, i == 0, 0, "%s", lines[i]);
	}
	mon_ui_putf(ui, y + h_ - 2, x + 2, (unsigned)w - 4, MON_PAIR_DIM, 0, 0, "%s",
		"D doctor  m pin  j/k next host  Esc or q: back");
}

int mon_ui_over_key(struct mon_ui *ui, int key, int fkey)
{
	struct mon_host *h;

	if (ui->overlay == MON_OV_HELP) {
		if ((fkey && key == KEY_DOWN) || (!fkey && key == 'j'))
			help_top++;
		else if (((fkey && key == KEY_UP) || (!fkey && key == 'k')) && help_top > 0)
			help_top--;
		else if (!fkey || key == KEY_LEFT || key == KEY_BACKSPACE)
			ui->overlay = MON_OV_NONE, help_top = 0;
		return 1;
	}
	if (fkey ? (key == KEY_LEFT || key == KEY_BACKSPACE || key == KEY_ENTER) :
		(key == 27 || key == 'q' || key == '\n' || key == '\r' || key == 127)) {
		ui->overlay = MON_OV_NONE;
		return 1;
	}
	if ((fkey && (key == KEY_UP || key == KEY_DOWN)) || (!fkey && (key == 'j' || key == 'k'))) {
		mon_model_move(ui->m, (key == KEY_UP || key == 'k') ? -1 : 1, ui->page ? ui->page : 1);
		if ((h = mon_model_selected_host(ui->m)) != NULL)
			snprintf(ui->detail_key, sizeof ui->detail_key, "%s", h->key);
		return 1;
	}
	h = mon_model_host_find(ui->m, ui->detail_key);
	if (!fkey && h && key == 'D') {
		if (!ui->hk.doctor)
			mon_ui_message(ui, "the doctor cannot run from this monitor");
		else if (h->doctor != MON_DOC_RUNNING)
			ui->hk.doctor(ui->hk.ud, h);
		return 1;
	}
	if (!fkey && h && key == 'm') {
		mon_model_pin(ui->m, h, !h->pinned);
		if (ui->hk.pin)
			ui->hk.pin(ui->hk.ud, h, h->pinned);
		return 1;
	}
	if (!fkey && key == 12) {
		ui->full = 1;
		return 1;
	}
	return 0;
}
