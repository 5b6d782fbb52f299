/* probe-msg.h: `camtrace probe --message`: a real SENDMSG|SENDCHECKOPT per target, resent with the same packet number until its RECVMSG. */
#ifndef CT_PROBE_MSG_H
#define CT_PROBE_MSG_H

#include <stddef.h>
#include <stdint.h>
#include "probe.h"

/* The body says what it is, so whoever reads it in a client knows to ignore it. */
#define CT_MSGPROBE_TEXT "[camtrace test message] a delivery check by camtrace probe --message: please ignore."

struct ct_msgprobe {
	uint32_t dst;            /* in: IPv4, network order */
	uint16_t dport;          /* in: 2425 usually */
	uint32_t packetno;       /* out: the SENDMSG's */
	int tries;               /* SENDMSG datagrams sent */
	int answered;            /* its RECVMSG came */
	uint64_t rtt_ns;         /* the last send before the RECVMSG -> the RECVMSG */
	uint64_t first_ns;       /* the first send -> the RECVMSG */
	int auto_reply;          /* an absence reply (SENDMSG|AUTORETOPT) came too */
	char auto_text[160];
	int decrypt_err;         /* that reply was "AutoReply(DecryptErr)" */
	int send_errno;          /* sendto failed (0 = no) */
};

/* Sends to every target at once from the prober's UDP 2425 socket (or an ephemeral one when
 * 2425 is taken: a peer that answers to 2425, as iptux does, is then not heard), every wait_ns
 * up to tries times, and waits wait_ns after the last send. 0, or CT_ESYS with err. */
int ct_msgprobe_run(struct ct_prober *pr, struct ct_msgprobe *v, size_t n, int tries, uint64_t wait_ns,
	char *err, size_t errlen);

#endif
