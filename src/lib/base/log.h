/* log.h: leveled logging through a front-end supplied sink; checked before formatting. */
#ifndef CT_LOG_H
#define CT_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum ct_log_level { CT_LOG_ERR = 0, CT_LOG_WARN, CT_LOG_NOTICE, CT_LOG_INFO, CT_LOG_DEBUG };

typedef void (*ct_log_sink)(enum ct_log_level lvl, const char *func, const char *msg, void *ud);

void ct_log_set_sink(ct_log_sink sink, void *ud);
/* A second receiver of every line written (after the sink): camtraced's subscribers get the
 * warnings this way. NULL removes it. */
void ct_log_set_tap(ct_log_sink tap, void *ud);
void ct_log_set_level(enum ct_log_level lvl);
enum ct_log_level ct_log_get_level(void);
int ct_log_level_parse(const char *name); /* returns level or -1 */
const char *ct_log_level_name(enum ct_log_level lvl);
extern enum ct_log_level ct_log_level_cur;
void ct_log_write(enum ct_log_level lvl, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Each line of text (a multi-line error) as its own log line "PREFIX: LINE". */
void ct_log_lines(enum ct_log_level lvl, const char *func, const char *prefix, const char *text);
void ct_log_vwrite(enum ct_log_level lvl, const char *func, const char *fmt, va_list ap);

#define CT_LOG_(lvl, ...) do { if ((lvl) <= ct_log_level_cur) ct_log_write((lvl), __func__, __VA_ARGS__); } while (0)
#define log_err(...) CT_LOG_(CT_LOG_ERR, __VA_ARGS__)
#define log_warn(...) CT_LOG_(CT_LOG_WARN, __VA_ARGS__)
#define log_notice(...) CT_LOG_(CT_LOG_NOTICE, __VA_ARGS__)
#define log_info(...) CT_LOG_(CT_LOG_INFO, __VA_ARGS__)
#define log_debug(...) CT_LOG_(CT_LOG_DEBUG, __VA_ARGS__)

/* Lines a flood could repeat (a dropped packet, a bad one): one class per call site of
 * log_limited(), at most CT_LOG_LIMIT_BURST lines per CT_LOG_LIMIT_WINDOW_MS (monotonic); the
 * first line of the class after a window that suppressed some is preceded by
 * "N more such lines suppressed in the last S s" at the same level. */
#define CT_LOG_LIMIT_BURST 5
#define CT_LOG_LIMIT_WINDOW_MS 60000
struct ct_log_limit {
	uint64_t win_ms;               /* start of the window (ct_mono_ms), 0 = none yet */
	unsigned used;                 /* lines written in it */
	unsigned long long suppressed; /* lines not written in it */
};
/* 1: write the line (after the summary of the last window, if any); 0: counted, not written. */
int ct_log_limit_pass(struct ct_log_limit *l, enum ct_log_level lvl, const char *func, uint64_t now_ms);
#define log_limited(lvl, ...) do { static struct ct_log_limit ct_lim_; \
	if ((lvl) <= ct_log_level_cur && ct_log_limit_pass(&ct_lim_, (lvl), __func__, 0)) \
		ct_log_write((lvl), __func__, __VA_ARGS__); } while (0)

#endif
