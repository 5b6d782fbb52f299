/* doctor.h: the troubleshooting flow of `camtrace doctor`: a small engine of steps, each reusing the probes, ending in a verdict. */
#ifndef CT_DOCTOR_H
#define CT_DOCTOR_H

#include "doctor-evidence.h"
#include "doctor-types.h"

/* Runs every step in order (calling the hooks) and fills d->steps and d->v. Returns 0, or a
 * CT_E* code for a setup failure (out of memory). */
int ct_doctor_run(struct ct_doctor *d);
/* Exit status for the verdict: 0 healthy, 1 problem, 68 no server (EX_NOHOST), 69 could not
 * check (EX_UNAVAILABLE). */
int ct_doctor_exit(const struct ct_doctor *d);
/* A user's --deep results as its "deep" JSON member (null without --deep; doctor-deep.c). */
struct ct_json;
void ct_doc_deep_json(struct ct_json *j, const struct ct_doc_user *u);

#endif
