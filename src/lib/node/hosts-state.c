/* hosts-state.c: the host table as the "hosts" section of the state file, with its instability records (flap times survive restarts). */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "hosts.h"
#include "json.h"
#include "jsonw.h"
#include "state.h"

/* A wall time of the past at the monotonic time now_ms (a future one counts as now). */
static int64_t wall_to_mono(double w, uint64_t now_ms, double now_wall)
{
	double age_ms = (now_wall - w) * 1000.0;

	return age_ms > 0 ? (int64_t)now_ms - (int64_t)(age_ms + 0.5) : (int64_t)now_ms; /* to the nearest ms */
}

/* ,"key":wall time with every digit of the double (a restart shows the same milliseconds). */
static void put_wall(struct ct_out *o, const char *key, double v)
{
	char t[40];
	int n = snprintf(t, sizeof t, "%.17g", v);

	ct_jw_key(o, key, 0);
	if (isfinite(v) && n > 0 && n < (int)sizeof t)
		ct_out_put(o, t, (size_t)n);
	else
		ct_out_puts(o, "null");
}

int ct_hosts_state_write(const struct ct_hosts *t, struct ct_state_elems *e, uint64_t now_ms, double now_wall)
{
	char ip[CT_HADDR_STRLEN];

	for (size_t i = 0; i < ct_hosts_count(t); i++) {
		const struct ct_host *h = ct_hosts_at(t, i);
		struct ct_out *o = ct_state_elem_begin(e);
		ct_out_putc(o, '{');
		ct_jw_key(o, "user", 1);
		ct_jw_str(o, h->user, strlen(h->user));
		ct_jw_kstr(o, "host", h->host);
		ct_jw_kstr(o, "nick", h->nick);
		ct_jw_kstr(o, "group", h->group);
		ct_jw_kstr(o, "addr", ct_haddr_ip_str(&h->addr, ip, sizeof ip));
		ct_jw_kint(o, "port", h->addr.port);
		ct_jw_kint(o, "status", h->status);
		ct_jw_kint(o, "origin", h->origin);
		ct_jw_kstr(o, "state", ct_host_state_name((enum ct_host_state)h->state));
		ct_jw_kint(o, "gone", h->gone);
		ct_jw_kint(o, "flaps", h->flaps);
		ct_jw_kint(o, "missed", h->missed);
		put_wall(o, "first_seen", h->first_seen);
		put_wall(o, "last_seen", h->last_seen);
		put_wall(o, "last_change", h->last_change);
		if (h->last_flap > 0) {
			put_wall(o, "last_flap", h->last_flap);
		} else {
			ct_jw_key(o, "last_flap", 0);
			ct_out_puts(o, "null");
		}
		ct_jw_key(o, "recent_flaps", 0); /* "W W ...": wall seconds, oldest first */
		ct_out_putc(o, '"');
		for (unsigned k = 0; k < h->nflap; k++) {
			if (k)
				ct_out_putc(o, ' ');
			ct_out_fixed(o, now_wall - (double)((int64_t)now_ms - h->flap_ms[k]) / 1000.0, 3);
		}
		ct_out_putc(o, '"');
		if (h->nsrc) {
			struct ct_sbuf sb;
			ct_sbuf_init(&sb);
			if (ct_host_src_save(h, &sb) == 0)
				ct_jw_kstr(o, "sources", sb.p); /* provenance (hosts-src.c) */
			ct_sbuf_fini(&sb);
		}
		ct_out_putc(o, '}');
		if (ct_state_elem_end(e) != 0)
			return CT_ESYS;
	}
	return 0;
}

/* The saved records of one host, whichever form they came in. */
struct rec {
	struct ct_host_info in;
	unsigned origin;
	int offline, lost;
	uint32_t flaps, missed;
	double first_seen, last_seen, last_change, last_flap;
	const char *recent;       /* "W W ..." or NULL */
	const char *sources;      /* provenance (ct_host_src_save) or NULL */
};

static int apply(struct ct_hosts *t, const struct rec *r, uint64_t now_ms, double now_wall)
{
	struct ct_host *h;

	if (ct_hosts_update(t, &r->in, r->origin & 0x3F, CT_HOST_VIA_PACKET, now_ms, r->last_seen, &h) != 0)
		return CT_EFORMAT;
	h->flaps = r->flaps;
	h->missed = r->missed;
	h->first_seen = r->first_seen;
	h->last_seen = r->last_seen;
	if (r->offline)
		ct_hosts_set_offline(t, h, r->lost ? CT_HOST_GONE_LOST : CT_HOST_GONE_EXIT, r->last_change);
	h->last_change = r->last_change;
	for (const char *p = r->recent; p && *p;) {
		char *end;
		double w = strtod(p, &end);
		if (end == p)
			break;
		if (w > 0)
			(void)ct_host_add_flap(h, wall_to_mono(w, now_ms, now_wall), w);
		p = end;
	}
	h->last_flap = r->last_flap > 0 ? r->last_flap : 0;
	ct_host_src_load(h, r->sources);
	if (h->last_flap > 0 && h->nflap == 0) /* a last flap without the list: remember it alone */
		(void)ct_host_add_flap(h, wall_to_mono(h->last_flap, now_ms, now_wall), h->last_flap);
	return 0;
}

/* One compact "h1" record (16 tab-separated fields; older files). */
static int load_record(struct ct_hosts *t, const char *text, uint64_t now_ms, double now_wall)
{
	char *copy = strdup(text), *f[16], *p;
	size_t n = 0;
	int r = CT_EFORMAT;

	if (!copy)
		return CT_ENOMEM;
	for (p = copy; n < 16; n++) {
		f[n] = p;
		if (!(p = strchr(p, '\t'))) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (n == 16 && strcmp(f[0], "h1") == 0) {
		struct rec rc;
		unsigned long port = strtoul(f[6], NULL, 10);
		memset(&rc, 0, sizeof rc);
		for (int k = 1; k <= 4; k++)
			ct_hosts_clean_name(f[k]);
		rc.in.user = f[1];
		rc.in.host = f[2];
		rc.in.nick = f[3];
		rc.in.group = f[4];
		rc.in.status = (uint32_t)strtoul(f[7], NULL, 10);
		rc.origin = (unsigned)strtoul(f[8], NULL, 10);
		rc.offline = strcmp(f[9], "offline") == 0;
		rc.lost = strtoul(f[10], NULL, 10) == CT_HOST_GONE_LOST;
		rc.flaps = (uint32_t)strtoul(f[11], NULL, 10);
		rc.missed = (uint32_t)strtoul(f[12], NULL, 10);
		rc.first_seen = strtod(f[13], NULL);
		rc.last_seen = strtod(f[14], NULL);
		rc.last_change = strtod(f[15], NULL);
		if (port > 0 && port < 65536 && ct_haddr_parse(&rc.in.addr, f[5], (uint16_t)port) == 0)
			r = apply(t, &rc, now_ms, now_wall);
	}
	free(copy);
	return r;
}

static int load_object(struct ct_hosts *t, const struct ct_json *o, uint64_t now_ms, double now_wall)
{
	struct rec rc;
	int64_t port = 0, status = 0, origin = 0, flaps = 0, missed = 0, gone = 0;
	const char *st = ct_json_get_str(o, "state"), *addr = ct_json_get_str(o, "addr");

	memset(&rc, 0, sizeof rc);
	rc.in.user = ct_json_get_str(o, "user");
	rc.in.host = ct_json_get_str(o, "host");
	rc.in.nick = ct_json_get_str(o, "nick");
	rc.in.group = ct_json_get_str(o, "group");
	ct_json_get_i64(o, "port", &port);
	ct_json_get_i64(o, "status", &status);
	ct_json_get_i64(o, "origin", &origin);
	ct_json_get_i64(o, "flaps", &flaps);
	ct_json_get_i64(o, "missed", &missed);
	ct_json_get_i64(o, "gone", &gone);
	ct_json_get_num(o, "first_seen", &rc.first_seen);
	ct_json_get_num(o, "last_seen", &rc.last_seen);
	ct_json_get_num(o, "last_change", &rc.last_change);
	ct_json_get_num(o, "last_flap", &rc.last_flap); /* absent or null in older files: never */
	rc.recent = ct_json_get_str(o, "recent_flaps");
	rc.sources = ct_json_get_str(o, "sources");
	rc.in.status = (uint32_t)status;
	rc.origin = (unsigned)origin;
	rc.flaps = (uint32_t)flaps;
	rc.missed = (uint32_t)missed;
	if (!addr || !st || port <= 0 || port > 65535 || ct_haddr_parse(&rc.in.addr, addr, (uint16_t)port) != 0)
		return CT_EFORMAT;
	rc.offline = strcmp(st, "offline") == 0;
	rc.lost = gone == CT_HOST_GONE_LOST;
	return apply(t, &rc, now_ms, now_wall);
}

int ct_hosts_state_load_one(struct ct_hosts *t, const struct ct_json *el, uint64_t now_ms, double now_wall)
{
	return ct_json_str(el) ? load_record(t, ct_json_str(el), now_ms, now_wall) :
		ct_json_is_obj(el) ? load_object(t, el, now_ms, now_wall) : CT_EFORMAT;
}

int ct_hosts_state_load(struct ct_hosts *t, const struct ct_json *v, uint64_t now_ms, double now_wall,
	size_t *bad)
{
	size_t nbad = 0;

	if (!ct_json_is_arr(v))
		return CT_EFORMAT;
	for (const struct ct_json *o = ct_json_first(v); o; o = ct_json_next(o)) {
		nbad += ct_hosts_state_load_one(t, o, now_ms, now_wall) != 0;
	}
	if (bad)
		*bad = nbad;
	return 0;
}
