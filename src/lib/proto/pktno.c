/* pktno.c: IP Messenger packet numbers unique across processes and runs (clock in microseconds plus the pid). */
#include "config.h"
#include <time.h>
#include <unistd.h>
#include "pktno.h"

uint32_t ct_pktno_seed(void)
{
	struct timespec ts;
	uint64_t us;
	uint32_t pid = (uint32_t)getpid();

	clock_gettime(CLOCK_REALTIME, &ts);
	us = (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000u;
	/* the pid's bits mixed (Knuth's multiplier), the top 10 kept: processes started in the
	 * same microsecond start apart */
	return (uint32_t)us + ((pid * 2654435761u) >> 22);
}

uint32_t ct_pktno_next(uint32_t *last)
{
	uint32_t now = ct_pktno_seed(), next = *last + 1;

	/* ahead by less than half the 32-bit circle: the clock moved on (serial number order) */
	if (*last == 0 || (int32_t)(now - next) > 0)
		next = now;
	if (next == 0)
		next = 1; /* 0 means "none" to callers */
	*last = next;
	return next;
}
