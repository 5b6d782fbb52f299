/* xferwatch.h: file transfers on TCP 2425 followed in a trace: a GETFILEDATA/GETDIRFILES whose data stops or ends short. */
#ifndef CT_XFERWATCH_H
#define CT_XFERWATCH_H

#include <stddef.h>
#include <stdint.h>
#include "match.h"

#define CT_XWATCH_SLOTS 64    /* transfers followed at once (the oldest is dropped when full) */
#define CT_XWATCH_OFFERS 256  /* announced files remembered for their size */
#define CT_XWATCH_MAXFILES 8  /* files of one SENDMSG remembered */

struct ct_xwatch;

/* stall_ns: how long the data may stop (no FIN/RST) before the transfer is reported stalled. */
int ct_xwatch_new(struct ct_xwatch **out, int64_t stall_ns);
void ct_xwatch_free(struct ct_xwatch *w);
/* A SENDMSG from `from` announced files (ids and sizes): a later GETFILEDATA for one of them
 * knows how many bytes to expect. */
void ct_xwatch_offer(struct ct_xwatch *w, int af, const uint8_t *from, uint32_t packetno, const uint32_t *ids,
	const uint64_t *sizes, size_t n);
/* A TCP segment on the IPMsg port (k->tcp). A GETFILEDATA/GETDIRFILES request starts following
 * the connection (k->has_filereq); data, FIN and RST on it move it on. Reports through cb. */
void ct_xwatch_tcp(struct ct_xwatch *w, const struct ct_mpkt *k, ct_unans_cb cb, void *ud);
/* Reports transfers whose data stopped for the stall time by now_ns (capture clock). */
void ct_xwatch_expire(struct ct_xwatch *w, int64_t now_ns, ct_unans_cb cb, void *ud);
/* End of capture: a transfer of known size still short is reported (at_end). */
void ct_xwatch_flush(struct ct_xwatch *w, int64_t end_ns, ct_unans_cb cb, void *ud);
/* The sentence for a transfer report (u->xfer != 0); snprintf semantics. */
int ct_xwatch_sentence(const struct ct_unans *u, char *buf, size_t len);

#endif
