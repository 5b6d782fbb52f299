/* msg-to.c: message recipients from names or addresses, and each recipient's result as JSON (camtrace send). */
#include "config.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "err.h"
#include "hosts.h"
#include "json.h"
#include "msg.h"
#include "targets.h"

static int live(const struct ct_host *h)
{
	return h->state == CT_HOST_ONLINE || h->state == CT_HOST_ABSENT;
}

static int name_fits(const struct ct_host *h, const char *spec)
{
	const char *at = strchr(spec, '@');

	if (at)
		return strlen(h->user) == (size_t)(at - spec) && !strncmp(h->user, spec, (size_t)(at - spec)) &&
			!strcmp(h->host, at + 1);
	return (h->nick && !strcmp(h->nick, spec)) || !strcmp(h->user, spec) || !strcmp(h->host, spec);
}

int ct_msg_resolve(const struct ct_hosts *t, const char *spec, struct ct_msg_to *out, size_t max,
	char *err, size_t errlen)
{
	char ip[64];
	const char *colon;
	struct in_addr a;
	long port = CT_IPMSG_PORT;
	size_t n = 0, found = 0;

	if (!spec || !spec[0] || !max) {
		snprintf(err, errlen, "empty recipient");
		return CT_EINVAL;
	}
	colon = strchr(spec, ':');
	snprintf(ip, sizeof ip, "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	if (colon) {
		char *end;
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535)
			port = -1;
	}
	if (port > 0 && inet_pton(AF_INET, ip, &a) == 1) {
		memset(out, 0, sizeof *out);
		ct_haddr_set_v4(&out->addr, ntohl(a.s_addr), (uint16_t)port);
		out->label = spec;
		out->utf8 = -1;
		return 1;
	}
	for (size_t i = 0; t && i < ct_hosts_count(t); i++) {
		const struct ct_host *h = ct_hosts_at(t, i);
		if (!live(h) || !name_fits(h, spec))
			continue;
		found++;
		if (n < max) {
			memset(&out[n], 0, sizeof out[n]);
			out[n].addr = h->addr;
			out[n].label = spec;
			out[n].utf8 = -1;
			n++;
		}
	}
	if (found > 1) {
		snprintf(err, errlen, "'%s' names %zu users; give user@host or an address", spec, found);
		return CT_EEXIST;
	}
	if (!found) {
		snprintf(err, errlen, t ? "no online user is called '%s' (nick, user, host or user@host)" :
			"'%s' is not an IPv4 address (names need camtraced's table)", spec);
		return CT_ENOTFOUND;
	}
	return (int)n;
}

int ct_msg_resolve_all(const struct ct_hosts *t, const struct ct_targets *only, struct ct_msg_to **out,
	char ***labels)
{
	size_t n = 0, cnt = ct_hosts_count(t);
	struct ct_msg_to *v = calloc(cnt ? cnt : 1, sizeof *v);
	char **l = calloc(cnt ? cnt : 1, sizeof *l);

	if (!v || !l) {
		free(v);
		free(l);
		return CT_ENOMEM;
	}
	for (size_t i = 0; i < cnt; i++) {
		const struct ct_host *h = ct_hosts_at(t, i);
		size_t len;
		if (!live(h) || (only && !ct_targets_match(only, &h->addr)))
			continue;
		len = strlen(h->user) + strlen(h->host) + 2;
		if (!(l[n] = malloc(len)))
			break;
		snprintf(l[n], len, "%s@%s", h->user, h->host);
		v[n].addr = h->addr;
		v[n].label = l[n];
		v[n].utf8 = -1;
		n++;
	}
	*out = v;
	*labels = l;
	return (int)n;
}

struct ct_json *ct_msg_result_json(const struct ct_msg_result *r, const struct ct_hosts *t, int wait_read)
{
	struct ct_json *o = ct_json_obj();
	const struct ct_host *h = t ? ct_hosts_find_addr(t, &r->addr) : NULL;
	char a[CT_HADDR_STRLEN];

	if (!o)
		return NULL;
	ct_json_add_str(o, "to", r->label);
	ct_json_add_str(o, "address", ct_haddr_str(&r->addr, a, sizeof a));
	if (h) {
		ct_json_add_str(o, "user", h->user);
		ct_json_add_str(o, "host", h->host);
		ct_json_add_str(o, "nick", h->nick ? h->nick : "");
	} else {
		ct_json_add_null(o, "user");
		ct_json_add_null(o, "host");
		ct_json_add_null(o, "nick");
	}
	ct_json_add_str(o, "state", ct_msg_state_name(r->state));
	ct_json_add_bool(o, "delivered", r->state == CT_MSG_DELIVERED);
	ct_json_add_int(o, "tries", r->tries);
	ct_json_add_int(o, "ms", (int64_t)r->ms);
	ct_json_add_int(o, "packetno", r->packetno);
	ct_json_add_str(o, "charset", r->utf8 ? "utf-8" : "cp932");
	ct_json_add_str(o, "encryption", r->encrypted ? r->cipher : "none");
	if (r->crypt_note[0])
		ct_json_add_str(o, "encryption_note", r->crypt_note);
	else
		ct_json_add_null(o, "encryption_note");
	ct_json_add_int(o, "pub_fetches", r->pub_fetches);
	ct_json_add_int(o, "decrypt_errors", r->decrypt_err);
	if (wait_read) {
		ct_json_add_bool(o, "read", r->read);
		if (r->read)
			ct_json_add_int(o, "read_ms", (int64_t)r->read_ms);
		else
			ct_json_add_null(o, "read_ms");
	} else {
		ct_json_add_null(o, "read");
		ct_json_add_null(o, "read_ms");
	}
	if (r->auto_reply[0])
		ct_json_add_str(o, "auto_reply", r->auto_reply);
	else
		ct_json_add_null(o, "auto_reply");
	if (r->error[0])
		ct_json_add_str(o, "error", r->error);
	else
		ct_json_add_null(o, "error");
	return o;
}

int ct_msg_encrypt_parse(const char *s)
{
	if (!s || !strcmp(s, "off"))
		return CT_MSG_ENC_OFF;
	if (!strcmp(s, "auto"))
		return CT_MSG_ENC_AUTO;
	if (!strcmp(s, "require"))
		return CT_MSG_ENC_REQUIRE;
	return CT_EINVAL;
}

uint64_t ct_msg_send_budget_ms(const struct ct_msg_conf *c, size_t n, int wait_read)
{
	uint64_t retry = c->retry_ms ? c->retry_ms : 1000, tries = (uint64_t)c->retries + 1;
	uint64_t read = c->read_wait_ms ? c->read_wait_ms : 20000;
	double rate = c->rate > 0 ? c->rate : 100;

	/* the first sends paced; then twice (a DecryptErr answer resends once): the key fetched
	 * (GETPUBKEY tried like the message), the message tried, the auto-reply awaited (<= 2 s) */
	return (uint64_t)((double)n * 1000.0 / rate) + 2 * (2 * tries * retry + 2000) + (wait_read ? read : 0);
}

struct ct_json *ct_msg_unresolved_json(const char *spec, const char *state, const char *err)
{
	struct ct_json *o = ct_json_obj();
	static const char *const nulls[] = { "address", "user", "host", "nick" };

	if (!o)
		return NULL;
	ct_json_add_str(o, "to", spec);
	for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
		ct_json_add_null(o, nulls[i]);
	ct_json_add_str(o, "state", state);
	ct_json_add_bool(o, "delivered", 0);
	ct_json_add_int(o, "tries", 0);
	ct_json_add_int(o, "ms", 0);
	ct_json_add_null(o, "packetno");
	ct_json_add_null(o, "charset");
	ct_json_add_str(o, "encryption", "none");
	ct_json_add_null(o, "encryption_note");
	ct_json_add_int(o, "pub_fetches", 0);
	ct_json_add_int(o, "decrypt_errors", 0);
	ct_json_add_null(o, "read");
	ct_json_add_null(o, "read_ms");
	ct_json_add_null(o, "auto_reply");
	ct_json_add_str(o, "error", err);
	return o;
}
