/* tap.h: a minimal TAP producer for the unit tests (plan at the end, diagnostics on failure). */
#ifndef CT_TAP_H
#define CT_TAP_H

#include <stdio.h>
#include <string.h>
#include <stdarg.h>

static int tap_n, tap_fail;

static inline int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_fail++;
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)
#define is_int(got, want, ...) do { long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!tap_ok(g_ == w_, __VA_ARGS__)) printf("#   got %lld, want %lld (%s:%d)\n", g_, w_, __FILE__, __LINE__); } while (0)
#define is_str(got, want, ...) do { const char *g_ = (got), *w_ = (want); \
	if (!tap_ok(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__)) printf("#   got \"%s\", want \"%s\" (%s:%d)\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)", __FILE__, __LINE__); } while (0)
#define is_mem(got, gotlen, want, wantlen, ...) do { size_t gl_ = (gotlen), wl_ = (wantlen); \
	if (!tap_ok(gl_ == wl_ && memcmp((got), (want), gl_) == 0, __VA_ARGS__)) printf("#   length got %zu want %zu (%s:%d)\n", gl_, wl_, __FILE__, __LINE__); } while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_fail ? 1 : 0;
}

#endif
