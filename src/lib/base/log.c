/* log.c: the engine's log dispatcher; front ends install a sink (stderr, syslog, file). */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "log.h"

enum ct_log_level ct_log_level_cur = CT_LOG_WARN;
static ct_log_sink cur_sink;
static void *cur_ud;

static const char *const level_names[] = { "error", "warning", "notice", "info", "debug" };

void ct_log_set_sink(ct_log_sink sink, void *ud)
{
	cur_sink = sink;
	cur_ud = ud;
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
}

void ct_log_write(enum ct_log_level lvl, const char *func, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ct_log_vwrite(lvl, func, fmt, ap);
	va_end(ap);
}
