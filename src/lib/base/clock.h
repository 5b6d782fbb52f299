/* clock.h: monotonic time for intervals and RTTs, wall time only for display. */
#ifndef CT_CLOCK_H
#define CT_CLOCK_H

#include <stdint.h>

uint64_t ct_mono_ns(void);   /* CLOCK_MONOTONIC in ns */
uint64_t ct_mono_ms(void);
double ct_wall_now(void);    /* seconds since the epoch, for display/logs */
/* Formats a wall time as ISO 8601 UTC ("2026-11-24T14:00:00.123Z") into buf (>= 32 bytes). */
char *ct_wall_iso(double t, char *buf, unsigned long len);

#endif
