/* xfer-save.c: the file-transfer engine's offers as JSON and back, so that a restarted camtraced still serves what it offered (its state file). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "evloop.h"
#include "json.h"
#include "log.h"
#include "xfer-int.h"

#define SAVE_MAX_FILES 1000 /* as ct_xfer_offer */
#define SAVE_MAX_BINDS 4096

uint64_t ct_xfer_offers_gen(const struct ct_xfer *x)
{
	return x ? x->gen : 0;
}

struct ct_json *ct_xfer_offers_save(struct ct_xfer *x, double wall_now)
{
	uint64_t now = ct_evloop_now_ms(x->ev);
	struct ct_json *arr;
	char ip[64];

	if (!x->offers || !(arr = ct_json_arr()))
		return NULL;
	for (const struct xoffer *o = x->offers; o; o = o->next) {
		struct ct_json *jo = ct_json_add_obj(arr, NULL), *fs, *bs;
		if (!jo)
			break;
		ct_json_add_num(jo, "made", wall_now - (double)(now - o->made_ms) / 1000.0);
		fs = ct_json_add_arr(jo, "files");
		for (size_t i = 0; fs && i < o->n; i++) {
			struct ct_json *f = ct_json_add_obj(fs, NULL);
			ct_json_add_str(f, "path", o->f[i].path);
			ct_json_add_str(f, "name", o->f[i].name);
			ct_json_add_int(f, "size", (int64_t)o->f[i].size);
			ct_json_add_int(f, "mtime", (int64_t)o->f[i].mtime);
			ct_json_add_int(f, "id", o->f[i].id);
			ct_json_add_bool(f, "dir", o->f[i].dir);
		}
		bs = ct_json_add_arr(jo, "to");
		for (size_t k = 0; bs && k < o->nb; k++) {
			struct ct_json *b = ct_json_add_obj(bs, NULL), *st = NULL;
			ct_json_add_int(b, "packetno", o->b[k].packetno);
			ct_json_add_str(b, "addr", ct_haddr_ip_str(&o->b[k].to, ip, sizeof ip));
			st = ct_json_add_arr(b, "states");
			for (size_t i = 0; st && i < o->n; i++)
				ct_json_add_str(st, NULL, ct_xfer_fstate_name(o->b[k].st[i]));
		}
	}
	return arr;
}

static enum ct_xfer_fstate state_of(const char *s)
{
	if (s && !strcmp(s, "fetched"))
		return CT_XFER_FETCHED;
	if (s && !strcmp(s, "released"))
		return CT_XFER_RELEASED;
	if (s && !strcmp(s, "expired"))
		return CT_XFER_EXPIRED;
	return CT_XFER_OFFERED; /* offered, or sending when saved: the peer asks again */
}

/* One saved offer into o (files and bindings); 0, or CT_EFORMAT when something is missing. */
static int offer_from(struct ct_xfer *x, struct xoffer *o, const struct ct_json *jo)
{
	const struct ct_json *fs = ct_json_get(jo, "files"), *bs = ct_json_get(jo, "to");
	size_t n = ct_json_is_arr(fs) ? ct_json_arr_len(fs) : 0, nb = ct_json_is_arr(bs) ? ct_json_arr_len(bs) : 0;
	const struct ct_json *e;
	size_t i = 0;

	if (!n || n > SAVE_MAX_FILES || nb > SAVE_MAX_BINDS || !(o->f = calloc(n, sizeof *o->f)) ||
		(nb && !(o->b = calloc(nb, sizeof *o->b))))
		return CT_EFORMAT;
	o->n = n;
	for (e = ct_json_first(fs); e; e = ct_json_next(e), i++) {
		const char *path = ct_json_get_str(e, "path"), *name = ct_json_get_str(e, "name");
		int64_t size = 0, mtime = 0, id = 0;
		int dir = 0;
		if (!path || path[0] != '/' || !name || ct_json_get_i64(e, "size", &size) || size < 0 ||
			ct_json_get_i64(e, "id", &id) || id < 0 || id > UINT32_MAX)
			return CT_EFORMAT;
		ct_json_get_i64(e, "mtime", &mtime);
		ct_json_get_bool(e, "dir", &dir);
		if (!(o->f[i].path = strdup(path)) || !(o->f[i].name = strdup(name)))
			return CT_ENOMEM;
		o->f[i].size = (uint64_t)size;
		o->f[i].mtime = (uint64_t)mtime;
		o->f[i].id = (uint32_t)id;
		o->f[i].dir = dir;
		if ((uint32_t)id >= x->next_fileid) /* new offers never reuse a saved id */
			x->next_fileid = (uint32_t)id + 1;
	}
	for (e = ct_json_first(bs); e; e = ct_json_next(e)) {
		struct xbind *b = &o->b[o->nb];
		const struct ct_json *st = ct_json_get(e, "states"), *se;
		const char *addr = ct_json_get_str(e, "addr");
		int64_t pkt = 0;
		if (ct_json_get_i64(e, "packetno", &pkt) || pkt <= 0 || pkt > UINT32_MAX || !addr ||
			ct_haddr_parse(&b->to, addr, 0) != 0)
			return CT_EFORMAT;
		b->packetno = (uint32_t)pkt;
		o->nb++; /* freed with the offer from here on */
		if (!(b->st = calloc(n, sizeof *b->st)) || !(b->bytes = calloc(n, sizeof *b->bytes)))
			return CT_ENOMEM;
		se = ct_json_is_arr(st) ? ct_json_first(st) : NULL;
		for (i = 0; i < n; i++, se = se ? ct_json_next(se) : NULL)
			b->st[i] = state_of(se ? ct_json_str(se) : NULL);
	}
	return 0;
}

size_t ct_xfer_offers_restore(struct ct_xfer *x, const struct ct_json *arr, double wall_now)
{
	uint64_t now = ct_evloop_now_ms(x->ev);
	size_t kept = 0, bad = 0, old = 0;

	if (!ct_json_is_arr(arr))
		return 0;
	for (const struct ct_json *jo = ct_json_first(arr); jo; jo = ct_json_next(jo)) {
		struct xoffer *o, **pp = &x->offers;
		double made = 0, age;
		if (x->noffers >= x->conf.max_offers)
			break;
		if (ct_json_get_num(jo, "made", &made) != 0) {
			bad++;
			continue;
		}
		age = (wall_now - made) * 1000.0;
		if (age < 0)
			age = 0;
		if (age >= (double)x->conf.offer_ttl_ms) {
			old++;
			continue;
		}
		if (!(o = calloc(1, sizeof *o)) || offer_from(x, o, jo) != 0) {
			if (o)
				xfer_offer_free(o);
			bad++;
			continue;
		}
		o->id = ++x->next_offer;
		o->made_ms = now > (uint64_t)age ? now - (uint64_t)age : 0;
		/* saved newest first: appended at the tail to keep that order */
		while (*pp)
			pp = &(*pp)->next;
		*pp = o;
		x->noffers++;
		kept++;
	}
	if (kept || bad || old)
		log_info("files: %zu offer(s) of the last run restored, %zu expired meanwhile%s%zu unreadable", kept, old,
			bad ? ", " : " and ", bad);
	xfer_arm_sweep(x);
	return kept;
}
