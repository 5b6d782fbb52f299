/* doctor-rtp.c: step 5 of `camtrace doctor` (--av): RTP streams to the voice/video ports of each user. */
#include "config.h"
#include <string.h>
#include "doctor-evidence.h"
#include "doctor-probe.h"
#include "doctor-steps.h"

void ct_doc_step_rtp(struct ct_doctor *d, struct ct_doc_step *s)
{
	uint16_t lo = d->rtp_lo ? d->rtp_lo : CT_RTP_DEFAULT_LO, hi = d->rtp_hi ? d->rtp_hi : CT_RTP_DEFAULT_HI;
	struct ct_rtp_opts o = { .count = 10, .interval_ns = 20000000ull, .wait_ns = ct_doc_wait_ns(d), .same_sport = 1 };
	int blocked = 0, done = 0;
	char err[200];

	if (!d->av) {
		ct_doc_result(s, CT_DOC_SKIPPED, "not asked (--av checks the voice/video RTP ports)");
		return;
	}
	if (hi - lo + 1 > CT_DOC_RTP_PORTS)
		hi = (uint16_t)(lo + CT_DOC_RTP_PORTS - 1);
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		int n = hi - lo + 1;
		if (!u->addr || d->v.cls == CT_DOC_SERVER_UNREACHABLE)
			continue;
		for (int k = 0; k < n; k++) {
			memset(&u->rtp[k], 0, sizeof u->rtp[k]);
			u->rtp[k].port = (uint16_t)(lo + k);
		}
		if (ct_rtp_measure(u->addr, u->rtp, n, &o, err, sizeof err) != 0) {
			ct_doc_ev(s, "%s: RTP measurement failed: %s", u->addr_s, err);
			continue;
		}
		u->rtp_done = n;
		done++;
		for (int k = 0; k < n; k++) {
			const struct ct_rtp_port *p = &u->rtp[k];
			char t[200] = "";
			if (p->icmp_seen)
				ct_doc_icmp_text(&p->icmp, t, sizeof t);
			ct_doc_ev(s, "%s UDP %u (RTP): %s%s%s%s", u->addr_s, p->port, ct_port_state_name(p->state),
				p->state == CT_PORT_OPEN ? " (an echo answered)" : p->state == CT_PORT_CLOSED ?
				" (port unreachable from the host: the path carries it)" : " (no answer: blocked)",
				t[0] ? ", " : "", t);
			if (p->state == CT_PORT_FILTERED || p->state == CT_PORT_OPEN_FILTERED)
				blocked++;
		}
	}
	if (!done)
		ct_doc_result(s, CT_DOC_UNCHECKED, "no RTP measurement could be made");
	else if (blocked)
		ct_doc_result(s, CT_DOC_PROBLEM, "%d RTP port(s) %u-%u are blocked on the way", blocked, lo, hi);
	else
		ct_doc_result(s, CT_DOC_OK, "RTP ports %u-%u pass", lo, hi);
}

static void command(const struct ct_doctor *d, char *buf, size_t len)
{
	ct_doc_users_command(d, "camtrace rtp", buf, len);
}

const struct ct_doc_step_def ct_doc_step_rtp_def = {
	.key = "rtp",
	.title = "RTP ports (--av)",
	.what = "send RTP streams to the voice/video ports of each user",
	.command = command,
	.run = ct_doc_step_rtp,
};
