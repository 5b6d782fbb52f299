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

/* The host table with its instability records (hosts-state.c has the format), streamed: one
 * line per host, written by the saving child and read back one at a time. */
static int save_hosts(struct ct_state_elems *e, void *ud)
{
	struct daemon *d = ud;

	return ct_hosts_state_write(d->hosts, e, ct_evloop_now_ms(d->ev), ct_wall_now());
}

static int load_host(const struct ct_json *el, void *ud)
{
	struct daemon *d = ud;

	return ct_hosts_state_load_one(d->hosts, el, ct_evloop_now_ms(d->ev), ct_wall_now());
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
	ct_state_register_stream(d->state, "hosts", save_hosts, load_host, d);
	ct_state_register(d->state, "found", save_found, load_found, d);
}
