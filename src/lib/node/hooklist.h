/* hooklist.h: an ordered list of (function, data) hooks, added and removed by the pair, safe to change while walked. */
#ifndef CT_HOOKLIST_H
#define CT_HOOKLIST_H

/* The function of a hook, stored as this generic type; the owner casts it back to the real
 * type before calling (C allows the round trip between function pointer types). */
typedef void (*ct_hook_fn)(void);

struct ct_hook {
	ct_hook_fn fn; /* NULL: removed during a walk, dropped when the walk ends */
	void *ud;
};

/* Zeroed memory is an empty list. */
struct ct_hooklist {
	struct ct_hook *v;
	unsigned n, cap;
	unsigned walking; /* nesting depth of ct_hooklist_begin() */
	unsigned removed; /* entries set to NULL during a walk */
};

/* Most hooks one list holds. */
#define CT_HOOKLIST_MAX 64

void ct_hooklist_fini(struct ct_hooklist *l);
/* Appends (fn, ud): 0, CT_EINVAL (fn NULL), CT_EEXIST (the pair is there already), CT_ETOOBIG
 * (CT_HOOKLIST_MAX reached) or CT_ENOMEM. */
int ct_hooklist_add(struct ct_hooklist *l, ct_hook_fn fn, void *ud);
/* Removes (fn, ud): 0, or CT_ENOTFOUND when the pair is not there (nothing changes). Order is
 * kept. During a walk the entry is only emptied, so the walk skips it and its indexes hold. */
int ct_hooklist_remove(struct ct_hooklist *l, ct_hook_fn fn, void *ud);
/* Live hooks (removed ones not counted). */
unsigned ct_hooklist_count(const struct ct_hooklist *l);

/* A walk calls the hooks in the order they were added:
 *     unsigned k = ct_hooklist_begin(l);
 *     for (unsigned i = 0; i < k; i++) { const struct ct_hook *h = ct_hooklist_at(l, i); if (h) call }
 *     ct_hooklist_end(l);
 * A hook may add or remove hooks (itself too) while it runs: a removed hook is not called any
 * more, an added one is first called by the next walk. Walks may nest. Read h->fn and h->ud
 * before the call: an add may move the array. */
unsigned ct_hooklist_begin(struct ct_hooklist *l);
/* The hook at i, or NULL when it was removed during the walk. */
const struct ct_hook *ct_hooklist_at(const struct ct_hooklist *l, unsigned i);
void ct_hooklist_end(struct ct_hooklist *l);

#endif
