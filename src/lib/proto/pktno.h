/* pktno.h: IP Messenger packet numbers that no other process or run of this machine reuses. */
#ifndef CT_PKTNO_H
#define CT_PKTNO_H

#include <stdint.h>

/* A packet number to start from: the wall clock in microseconds (32 bits: it wraps every
 * 71.6 minutes) plus an offset from the process id (0..1023). Two runs, even in the same second
 * or microsecond, start apart; a process that numbers its packets with ct_pktno_next() stays
 * at or behind the clock unless it sends more than one packet a microsecond, so a later run's
 * numbers are new to every peer (camtraced and IP Messenger drop a repeated (packet number,
 * user, address) as a duplicate). The wall clock is used as an identifier, not an interval. */
uint32_t ct_pktno_seed(void);
/* The next packet number after *last (0: none yet): the clock's ct_pktno_seed() when it is
 * ahead, else *last + 1; stores it in *last. Numbers of one process never repeat (until the
 * 32-bit counter itself wraps). */
uint32_t ct_pktno_next(uint32_t *last);

#endif
