/* log.h: leveled logging through a front-end supplied sink; checked before formatting. */
#ifndef CT_LOG_H
#define CT_LOG_H

#include <stdarg.h>

enum ct_log_level { CT_LOG_ERR = 0, CT_LOG_WARN, CT_LOG_NOTICE, CT_LOG_INFO, CT_LOG_DEBUG };

typedef void (*ct_log_sink)(enum ct_log_level lvl, const char *func, const char *msg, void *ud);

void ct_log_set_sink(ct_log_sink sink, void *ud);
void ct_log_set_level(enum ct_log_level lvl);
enum ct_log_level ct_log_get_level(void);
int ct_log_level_parse(const char *name); /* returns level or -1 */
const char *ct_log_level_name(enum ct_log_level lvl);
extern enum ct_log_level ct_log_level_cur;
void ct_log_write(enum ct_log_level lvl, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ct_log_vwrite(enum ct_log_level lvl, const char *func, const char *fmt, va_list ap);

#define CT_LOG_(lvl, ...) do { if ((lvl) <= ct_log_level_cur) ct_log_write((lvl), __func__, __VA_ARGS__); } while (0)
#define log_err(...) CT_LOG_(CT_LOG_ERR, __VA_ARGS__)
#define log_warn(...) CT_LOG_(CT_LOG_WARN, __VA_ARGS__)
#define log_notice(...) CT_LOG_(CT_LOG_NOTICE, __VA_ARGS__)
#define log_info(...) CT_LOG_(CT_LOG_INFO, __VA_ARGS__)
#define log_debug(...) CT_LOG_(CT_LOG_DEBUG, __VA_ARGS__)

#endif
