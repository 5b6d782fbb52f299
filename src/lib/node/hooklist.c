/* hooklist.c: an ordered list of (function, data) hooks, added and removed by the pair, safe to change while walked. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "hooklist.h"

void ct_hooklist_fini(struct ct_hooklist *l)
{
	free(l->v);
	memset(l, 0, sizeof *l);
}

static long find(const struct ct_hooklist *l, ct_hook_fn fn, void *ud)
{
	for (unsigned i = 0; i < l->n; i++)
		if (l->v[i].fn == fn && l->v[i].ud == ud)
			return (long)i;
	return -1;
}

int ct_hooklist_add(struct ct_hooklist *l, ct_hook_fn fn, void *ud)
{
	if (!fn)
		return CT_EINVAL;
	if (find(l, fn, ud) >= 0)
		return CT_EEXIST;
	if (l->n - l->removed >= CT_HOOKLIST_MAX)
		return CT_ETOOBIG;
	if (l->n == l->cap) {
		unsigned nc = l->cap ? l->cap * 2 : 4;
		struct ct_hook *nv = realloc(l->v, nc * sizeof *nv);
		if (!nv)
			return CT_ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n].fn = fn;
	l->v[l->n].ud = ud;
	l->n++;
	return 0;
}

int ct_hooklist_remove(struct ct_hooklist *l, ct_hook_fn fn, void *ud)
{
	long i = fn ? find(l, fn, ud) : -1;

	if (i < 0)
		return CT_ENOTFOUND;
	if (l->walking) {
		l->v[i].fn = NULL;
		l->v[i].ud = NULL;
		l->removed++;
		return 0;
	}
	memmove(&l->v[i], &l->v[i + 1], (l->n - (unsigned)i - 1) * sizeof *l->v);
	l->n--;
	return 0;
}

unsigned ct_hooklist_count(const struct ct_hooklist *l)
{
	return l->n - l->removed;
}

unsigned ct_hooklist_begin(struct ct_hooklist *l)
{
	l->walking++;
	return l->n;
}

const struct ct_hook *ct_hooklist_at(const struct ct_hooklist *l, unsigned i)
{
	return i < l->n && l->v[i].fn ? &l->v[i] : NULL;
}

void ct_hooklist_end(struct ct_hooklist *l)
{
	unsigned k = 0;

	if (--l->walking || !l->removed)
		return;
	for (unsigned i = 0; i < l->n; i++)
		if (l->v[i].fn)
			l->v[k++] = l->v[i];
	l->n = k;
	l->removed = 0;
}
