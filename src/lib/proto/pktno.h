/* pktno.h: IP Messenger packet numbers: monotonic for a process's life, new across runs and processes, no wrap in practice. */
#ifndef CT_PKTNO_H
#define CT_PKTNO_H

#include <stdint.h>

/*
 * Peers drop repeated numbers: Windows keeps the last 32 (packet number, user) pairs, camtraced
 * (packet number, address), and iptux drops every SENDMSG whose number is not above the last one
 * it saw from that address. So numbers must go up for a process's whole life, and a later run
 * must start above an earlier one, like Windows' max(time(NULL), last + 1).
 *
 * The clock: quarter seconds since 2024-01-01 UTC (CT_PKTNO_EPOCH, CT_PKTNO_HZ), which stays
 * below 2^32 until 2058 (the old microsecond clock wrapped every 71.6 minutes). Numbers are
 * handed out from blocks of CT_PKTNO_BLOCK reserved under flock() in a per-user file in
 * /dev/shm (camtrace-pktno-UID: the next free number), each block starting at the larger of
 * the clock and the file: two processes of one user never get the same number, a later run
 * starts above an earlier one even when that one sent faster than the clock, and a process's
 * numbers only go up. Without the file (no /dev/shm, another owner, a sandbox) a block starts
 * at the clock plus 0..3 quarter seconds from the pid, and never below the process's last one.
 * The wall clock is an identifier here, not an interval.
 */
#define CT_PKTNO_EPOCH 1704067200 /* 2024-01-01T00:00:00Z */
#define CT_PKTNO_HZ 4
#define CT_PKTNO_BLOCK 64

/* The clock in packet-number units (quarter seconds since CT_PKTNO_EPOCH, never 0). */
uint32_t ct_pktno_clock(void);
/* One fresh packet number of this process (the same sequence as ct_pktno_next()). */
uint32_t ct_pktno_seed(void);
/* The next packet number after *last (0: none yet): the process's next number, or *last + 1
 * when that is not above *last (serial number order); stores it in *last. Never 0. */
uint32_t ct_pktno_next(uint32_t *last);
/* Tests: the reservation file (NULL = the default /dev/shm/camtrace-pktno-UID; "" = none). */
void ct_pktno_set_file(const char *path);

#endif
