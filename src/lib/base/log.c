/* log.c: the engine's log dispatcher; front ends install a sink (stderr, syslog, file). */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "clock.h"
#include "log.h"

enum ct_log_level ct_log_level_cur = CT_LOG_WARN;
static ct_log_sink cur_sink;
static void *cur_ud;
static ct_log_sink cur_tap;
static void *tap_ud;
static int in_tap;

static const char *const level_names[] = { "error", "warning", "notice", "info", "debug" };

void ct_log_set_sink(ct_log_sink sink, void *ud)
{
	cur_sink = sink;
	cur_ud = ud;
}

void ct_log_set_tap(ct_log_sink tap, void *ud)
{
	cur_tap = tap;
	tap_ud = ud;
}

void ct_log_set_level(enum ct_log_level lvl) { ct_log_level_cur = lvl; }
enum ct_log_level ct_log_get_level(void) { return ct_log_level_cur; }

const char *ct_log_level_name(enum ct_log_level lvl)
{
	return (unsigned)lvl <= CT_LOG_DEBUG ? level_names[lvl] : "?";
}

int ct_log_level_parse(const char *name)
{
	for (int i = 0; i <= CT_LOG_DEBUG; i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return i;
	if (strcasecmp(name, "warn") == 0)
		return CT_LOG_WARN;
	if (strcasecmp(name, "err") == 0)
		return CT_LOG_ERR;
	return -1;
}

void ct_log_vwrite(enum ct_log_level lvl, const char *func, const char *fmt, va_list ap)
{
	char msg[1024];

	if (lvl > ct_log_level_cur)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (cur_sink)
		cur_sink(lvl, func, msg, cur_ud);
	else
		fprintf(stderr, "%s: %s\n", level_names[lvl], msg);
	if (cur_tap && !in_tap) { /* a line the tap itself logs goes to the sink only */
		in_tap = 1;
		cur_tap(lvl, func, msg, tap_ud);
		in_tap = 0;
	}
}

void ct_log_write(enum ct_log_level lvl, const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_log_vwrite(lvl, func, fmt, ap);
	va_end(ap);
}

int ct_log_limit_pass(struct ct_log_limit *l, enum ct_log_level lvl, const char *func, uint64_t now_ms)
{
	if (!now_ms)
		now_ms = ct_mono_ms() + 1; /* never 0: 0 marks "no window yet" */
	if (!l->win_ms || now_ms - l->win_ms >= CT_LOG_LIMIT_WINDOW_MS) {
		if (l->suppressed)
			ct_log_write(lvl, func, "%llu more such lines suppressed in the last %llu s", l->suppressed,
				(unsigned long long)((now_ms - l->win_ms + 500) / 1000));
		l->win_ms = now_ms;
		l->used = 0;
		l->suppressed = 0;
	}
	if (l->used < CT_LOG_LIMIT_BURST) {
		l->used++;
		return 1;
	}
	l->suppressed++;
	return 0;
}

void ct_log_lines(enum ct_log_level lvl, const char *func, const char *prefix, const char *text)
{
	const char *p = text, *nl;

	if (lvl > ct_log_level_cur)
		return;
	do {
		int len = (nl = strchr(p, '\n')) ? (int)(nl - p) : (int)strlen(p);
		if (len > 0 || !nl)
			ct_log_write(lvl, func, "%s: %.*s", prefix, len, p);
		p = nl ? nl + 1 : NULL;
	} while (p && *p);
}
