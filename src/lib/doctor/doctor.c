/* doctor.c: the step engine of `camtrace doctor`: runs the step table in order with the front end's before/after hooks. */
#include "config.h"
#include <sysexits.h>
#include "doctor.h"
#include "doctor-probe.h"
#include "doctor-steps.h"

/* the seed's order; the verdict comes last and always runs */
static const struct ct_doc_step_def *const steps[CT_DOC_NSTEPS] = {
	&ct_doc_step_find_server_def,
	&ct_doc_step_server_sees_def,
	&ct_doc_step_isolate_def,
	&ct_doc_step_pairwise_def,
	&ct_doc_step_rtp_def,
	&ct_doc_step_routes_def,
	&ct_doc_step_verdict_def,
};

int ct_doctor_run(struct ct_doctor *d)
{
	for (int i = 0; i < d->nusers && i < CT_DOC_MAX_USERS; i++) {
		d->u[i].spec = d->users[i];
		d->u[i].flaps = d->u[i].missed = -1;
	}
	d->v.icmp_type = d->v.icmp_code = -1;
	ct_targets_init(&d->ctl_notify, CT_TARGETS_DEFAULT_MAX);
	ct_doc_withdraw_prepare(d);
	for (int i = 0; i < CT_DOC_NSTEPS; i++) {
		struct ct_doc_step *s = &d->steps[i];
		s->key = steps[i]->key;
		s->title = steps[i]->title;
		s->what = steps[i]->what;
		steps[i]->command(d, s->command, sizeof s->command);
		if (d->stop && i != CT_DOC_NSTEPS - 1) {
			ct_doc_result(s, CT_DOC_SKIPPED, "not needed: the finding above comes first");
			if (d->after)
				d->after(d, s, d->ud);
			continue;
		}
		if (d->before)
			d->before(d, s, d->ud);
		steps[i]->run(d, s);
		if (d->after)
			d->after(d, s, d->ud);
	}
	/* what the probes announced goes away again (BR_EXIT) */
	d->withdrawn = ct_doc_withdraw(d);
	return 0;
}

int ct_doctor_exit(const struct ct_doctor *d)
{
	switch (d->v.cls) {
	case CT_DOC_HEALTHY:
		return 0;
	case CT_DOC_NO_SERVER:
		return EX_NOHOST;
	case CT_DOC_COULD_NOT_CHECK:
		return EX_UNAVAILABLE;
	default:
		return 1; /* every problem class, user_server_path included */
	}
}
