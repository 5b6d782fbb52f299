/* doctor-steps.h: the steps of `camtrace doctor`, one file each, as the engine's step table lists them. */
#ifndef CT_DOCTOR_STEPS_H
#define CT_DOCTOR_STEPS_H

#include <stddef.h>
#include "doctor-types.h"

/* One step: what the front end shows of it, the camtrace command(s) doing the same by hand
 * (written just before it runs: it may name what earlier steps found), and its check, which
 * fills the step's evidence and result and may set d->stop. */
struct ct_doc_step_def {
	const char *key;          /* "find_server", ... */
	const char *title;
	const char *what;         /* one sentence */
	void (*command)(const struct ct_doctor *d, char *buf, size_t len);
	void (*run)(struct ct_doctor *d, struct ct_doc_step *s);
};

/* in the seed's order */
extern const struct ct_doc_step_def ct_doc_step_find_server_def;  /* doctor-find-server.c */
extern const struct ct_doc_step_def ct_doc_step_server_sees_def;  /* doctor-server-sees.c */
extern const struct ct_doc_step_def ct_doc_step_isolate_def;      /* doctor-isolate.c */
extern const struct ct_doc_step_def ct_doc_step_pairwise_def;     /* doctor-pairwise.c */
extern const struct ct_doc_step_def ct_doc_step_rtp_def;          /* doctor-rtp.c */
extern const struct ct_doc_step_def ct_doc_step_routes_def;       /* doctor-routes.c */
extern const struct ct_doc_step_def ct_doc_step_verdict_def;      /* doctor-verdict.c */

/* The checks (each step's run), also callable alone (tests/unit/t-doctor.c runs the verdict). */
void ct_doc_step_find_server(struct ct_doctor *d, struct ct_doc_step *s);
void ct_doc_step_server_sees(struct ct_doctor *d, struct ct_doc_step *s);
void ct_doc_step_isolate(struct ct_doctor *d, struct ct_doc_step *s);
void ct_doc_step_pairwise(struct ct_doctor *d, struct ct_doc_step *s);
void ct_doc_step_rtp(struct ct_doctor *d, struct ct_doc_step *s);
void ct_doc_step_routes(struct ct_doctor *d, struct ct_doc_step *s);
void ct_doc_step_verdict(struct ct_doctor *d, struct ct_doc_step *s);
/* doctor-deep.c (--deep, at the end of the pairwise step): a real message, then the user's key
 * and an encrypted test message; whether a user shows an encryption mismatch, its fix, its JSON
 * ("deep": null without --deep) */
void ct_doc_deep_run(struct ct_doctor *d, struct ct_doc_step *s);
int ct_doc_deep_problem(const struct ct_doc_user *u);
/* 1 when --deep was asked for users it applies to, but could not run here (UDP 2425 taken). */
int ct_doc_deep_untested(const struct ct_doctor *d);
void ct_doc_deep_fix(const struct ct_doc_user *u, char *fix, size_t len);

#endif
