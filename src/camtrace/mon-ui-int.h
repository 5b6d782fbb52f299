/* mon-ui-int.h: the monitor screen's state shared by mon-ui.c (terminal, loop, keys), mon-ui-draw.c (views) and mon-ui-over.c (help and host detail overlays); no curses types here. */
#ifndef MON_UI_INT_H
#define MON_UI_INT_H

#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"
#include "mon-ui.h"

enum mon_overlay {
	MON_OV_NONE = 0,
	MON_OV_HELP,
	MON_OV_DETAIL
};

/* Colour pairs (the screen works the same without them: every state is also a word). */
enum mon_pair {
	MON_PAIR_NONE = 0,
	MON_PAIR_GOOD,   /* online, answered */
	MON_PAIR_WARN,   /* absent, warnings, unstable */
	MON_PAIR_BAD,    /* offline, lost, errors, unanswered */
	MON_PAIR_INFO,   /* the title, the current view's name */
	MON_PAIR_DIM,    /* removed hosts (kept, greyed) */
	MON_PAIR_COUNT
};

#define MON_UI_REDRAW_MS 100 /* at most 10 redraws a second */
#define MON_UI_MSG_MS 4000   /* a bottom-line message stays this long */

struct mon_ui {
	struct ct_evloop *ev;
	struct mon_model *m;
	struct mon_ui_hooks hk;
	int color;            /* colour pairs in use */
	int utc;
	char snapdir[256];    /* "" = the model's default */
	char context[256];
	char msg[256];
	uint64_t msg_until;   /* evloop ms */
	enum mon_overlay overlay;
	char detail_key[200]; /* the host the detail shows */
	int editing;          /* the / prompt is open */
	char edit[128];       /* what is typed (UTF-8) */
	int follow[4];        /* events/packets: keep the newest in view */
	uint64_t redraw_timer, tick_timer;
	uint64_t last_draw;   /* evloop ms of the last redraw */
	int pending;          /* a redraw is wanted */
	int full;             /* the next redraw repaints everything (Ctrl-L, resize) */
	int keyed;            /* a key (or a message) asks for the whole screen, even while paused */
	int rfd, wfd;         /* SIGWINCH self-pipe */
	int lines, cols;      /* the screen's size at the last draw */
	size_t page;          /* body rows of the current view */
	char sel_key[200];    /* the selected host last reported to hooks.select */
	struct ct_sbuf line;  /* scratch for one screen line */
	uint64_t redraws, worst_ns, total_ns;
	int closed;
	void *scr;            /* the curses SCREEN */
};

/* mon-ui-draw.c */
void mon_ui_draw(struct mon_ui *ui);          /* the whole screen (erase, draw, refresh) */
void mon_ui_draw_header(struct mon_ui *ui);   /* the header line only (the clock while paused) */
size_t mon_ui_body_rows(const struct mon_ui *ui, int lines);
/* Writes s at row y, already fitted; the rest of the row is left blank. attr is a curses
 * attribute set, pair a mon_pair. */
void mon_ui_put(struct mon_ui *ui, int y, int x, const char *s, unsigned width, int pair, int bold, int rev);
/* Fits s into width columns (ct_textw_fit) into ui->line and writes it at (y, x). */
void mon_ui_putf(struct mon_ui *ui, int y, int x, unsigned width, int pair, int bold, int rev,
	const char *fmt, ...) __attribute__((format(printf, 8, 9)));
/* "HH:MM:SS" of epoch ms (UTC or local time). */
void mon_ui_clock(const struct mon_ui *ui, int64_t ms, char *buf, size_t len);
int64_t mon_ui_now(void); /* epoch ms */

/* mon-ui-over.c */
void mon_ui_draw_help(struct mon_ui *ui);
void mon_ui_draw_detail(struct mon_ui *ui);
/* A key while an overlay is open: 1 when the overlay used it. */
int mon_ui_over_key(struct mon_ui *ui, int key, int fkey);

#endif
