/* dstate.c: camtraced's state sections: the host table (with instability records) and found addresses. */
#include "config.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "daemon.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "json.h"
#include "log.h"
#include "notify.h"
#include "sbuf.h"
#include "state.h"

/* One object per host (readable, and what operators grep for); the loader also takes the
 * compact "h1" tab-separated strings. */
static struct ct_json *save_hosts(void *ud)
{
	struct daemon *d = ud;
	struct ct_json *arr = ct_json_arr();
	char ip[64];

	for (size_t i = 0; arr && i < ct_hosts_count(d->hosts); i++) {
		const struct ct_host *h = ct_hosts_at(d->hosts, i);
		struct ct_json *o = ct_json_add_obj(arr, NULL);
		ct_json_add_str(o, "user", h->user);
		ct_json_add_str(o, "host", h->host);
		ct_json_add_str(o, "nick", h->nick);
		ct_json_add_str(o, "group", h->group);
		ct_json_add_str(o, "addr", ct_haddr_ip_str(&h->addr, ip, sizeof ip));
		ct_json_add_int(o, "port", h->addr.port);
		ct_json_add_int(o, "status", h->status);
		ct_json_add_int(o, "origin", h->origin);
		ct_json_add_str(o, "state", ct_host_state_name((enum ct_host_state)h->state));
		ct_json_add_int(o, "gone", h->gone);
		ct_json_add_int(o, "flaps", h->flaps);
		ct_json_add_int(o, "missed", h->missed);
		ct_json_add_num(o, "first_seen", h->first_seen);
		ct_json_add_num(o, "last_seen", h->last_seen);
		ct_json_add_num(o, "last_change", h->last_change);
	}
	return arr;
}

/* Parses one "h1" record into an object-like set of values; returns 0 or CT_EFORMAT. */
static int load_record(struct daemon *d, const char *rec, uint64_t now)
{
	char *copy = strdup(rec), *f[16], *p;
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
		struct ct_host_info in;
		struct ct_host *h;
		unsigned long port = strtoul(f[6], NULL, 10);
		memset(&in, 0, sizeof in);
		in.user = f[1];
		in.host = f[2];
		in.nick = f[3];
		in.group = f[4];
		in.status = (uint32_t)strtoul(f[7], NULL, 10);
		for (int k = 1; k <= 4; k++)
			ct_hosts_clean_name(f[k]);
		if (port > 0 && port < 65536 && ct_haddr_parse(&in.addr, f[5], (uint16_t)port) == 0 &&
		    ct_hosts_update(d->hosts, &in, (unsigned)strtoul(f[8], NULL, 10) & 0x1F, CT_HOST_VIA_PACKET,
		    now, strtod(f[14], NULL), &h) == 0) {
			h->flaps = (uint32_t)strtoul(f[11], NULL, 10);
			h->missed = (uint32_t)strtoul(f[12], NULL, 10);
			h->first_seen = strtod(f[13], NULL);
			h->last_seen = strtod(f[14], NULL);
			if (strcmp(f[9], "offline") == 0)
				ct_hosts_set_offline(d->hosts, h, strtoul(f[10], NULL, 10) == CT_HOST_GONE_LOST ?
					CT_HOST_GONE_LOST : CT_HOST_GONE_EXIT, 0);
			h->last_change = strtod(f[15], NULL);
			r = 0;
		}
	}
	free(copy);
	return r;
}

static int load_hosts(const struct ct_json *v, void *ud)
{
	struct daemon *d = ud;
	size_t bad = 0;
	uint64_t now = ct_evloop_now_ms(d->ev);

	if (!ct_json_is_arr(v))
		return CT_EFORMAT;
	for (const struct ct_json *o = ct_json_first(v); o; o = ct_json_next(o)) {
		struct ct_host_info in;
		if (ct_json_str(o)) { /* the compact form */
			if (load_record(d, ct_json_str(o), now) != 0)
				bad++;
			continue;
		}
		struct ct_host *h;
		int64_t port = 0, status = 0, origin = 0, flaps = 0, missed = 0, gone = 0;
		double fs = 0, ls = 0, lc = 0;
		const char *st = ct_json_get_str(o, "state"), *addr = ct_json_get_str(o, "addr");

		memset(&in, 0, sizeof in);
		in.user = ct_json_get_str(o, "user");
		in.host = ct_json_get_str(o, "host");
		in.nick = ct_json_get_str(o, "nick");
		in.group = ct_json_get_str(o, "group");
		ct_json_get_i64(o, "port", &port);
		ct_json_get_i64(o, "status", &status);
		ct_json_get_i64(o, "origin", &origin);
		ct_json_get_i64(o, "flaps", &flaps);
		ct_json_get_i64(o, "missed", &missed);
		ct_json_get_i64(o, "gone", &gone);
		ct_json_get_num(o, "first_seen", &fs);
		ct_json_get_num(o, "last_seen", &ls);
		ct_json_get_num(o, "last_change", &lc);
		in.status = (uint32_t)status;
		if (!addr || !st || port <= 0 || port > 65535 || ct_haddr_parse(&in.addr, addr, (uint16_t)port) != 0 ||
		    ct_hosts_update(d->hosts, &in, (unsigned)origin & 0x1F, CT_HOST_VIA_PACKET, now, ls, &h) != 0) {
			bad++;
			continue;
		}
		h->flaps = (uint32_t)flaps;
		h->missed = (uint32_t)missed;
		h->first_seen = fs;
		h->last_seen = ls;
		if (strcmp(st, "offline") == 0)
			ct_hosts_set_offline(d->hosts, h, gone == CT_HOST_GONE_LOST ? CT_HOST_GONE_LOST : CT_HOST_GONE_EXIT, lc);
		h->last_change = lc;
	}
	if (bad)
		log_warn("state: %zu host records were not usable and were skipped", bad);
	return 0;
}

static struct ct_json *save_found(void *ud)
{
	struct daemon *d = ud;
	struct ct_json *arr = ct_json_arr();
	char ip[64];

	for (size_t i = 0; arr && i < ct_notify_found_count(d->nt); i++)
		ct_json_add_str(arr, NULL, ct_haddr_ip_str(ct_notify_found_at(d->nt, i), ip, sizeof ip));
	return arr;
}

static int load_found(const struct ct_json *v, void *ud)
{
	struct daemon *d = ud;

	if (!ct_json_is_arr(v))
		return CT_EFORMAT;
	for (const struct ct_json *el = ct_json_first(v); el; el = ct_json_next(el)) {
		const char *s = ct_json_str(el);
		struct ct_haddr a;
		if (s && ct_haddr_parse(&a, s, (uint16_t)d->conf.port) == 0)
			ct_notify_add_found(d->nt, &a);
		else
			log_warn("state: found address '%s' is not an address; skipped", s ? s : "(not a string)");
	}
	return 0;
}

void dstate_register(struct daemon *d)
{
	ct_state_register(d->state, "hosts", save_hosts, load_hosts, d);
	ct_state_register(d->state, "found", save_found, load_found, d);
}
