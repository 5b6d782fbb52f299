/* doctor-pairwise.c: step 4 of `camtrace doctor`: UDP and TCP 2425 between this host, the server and each user, and user <-> server (coop). */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "ctl.h"
#include "doctor-evidence.h"
#include "err.h"
#include "doctor-probe.h"
#include "doctor-steps.h"
#include "json.h"
#include "util.h"

static unsigned coop_wait_ms(const struct ct_doctor *d)
{
	uint64_t ms = ct_doc_wait_ns(d) / 1000000;

	return ms < CT_COOP_WAIT_MIN ? CT_COOP_WAIT_MIN : ms > CT_COOP_WAIT_MAX ? CT_COOP_WAIT_MAX : (unsigned)ms;
}

/* user -> server: one user's answer to the cooperative request (its camtraced ran the check) */
static void u2s_result(struct ct_doctor *d, struct ct_doc_user *u, const struct ct_coop_ask_job *j)
{
	struct ct_doc_pair *p = &u->u2s;
	const struct ct_coop_msg *ans = &j->ans;
	char txt[600];

	if (j->rc != 0) {
		ct_doc_setf(&p->text, "could not be checked: %s; to enable it, set `rtp_echo = yes` and `coop = yes` "
			"(with `server = %s`) in camtraced.conf on %s", j->err, d->server_s, u->addr_s);
		return;
	}
	if (ans->version != CT_COOP_VERSION || ans->res.status == CT_COOP_ST_VERSION) {
		ct_doc_setf(&p->text, "could not be checked: the camtraced on %s speaks another version of the "
			"cooperative check (%u, ours %u): update camtrace on one side", u->addr_s, ans->version,
			CT_COOP_VERSION);
		return;
	}
	switch (ans->res.status) {
	case CT_COOP_ST_OK:
		p->checked = 1;
		p->res = ans->res;
		ct_coop_result_text(&ans->res, CT_COOP_CHECK_UDP | CT_COOP_CHECK_TCP, txt, sizeof txt);
		ct_doc_setf(&p->text, "%s", txt);
		break;
	case CT_COOP_ST_NOT_ALLOWED:
		ct_doc_setf(&p->text, "could not be checked: the camtraced on %s only checks its own `server` and "
			"`coop_allow`; add `coop_allow = %s` (or `server = %s`) to its camtraced.conf", u->addr_s,
			d->server_s, d->server_s);
		break;
	case CT_COOP_ST_LIMITED:
	case CT_COOP_ST_BUSY:
		ct_doc_setf(&p->text, "could not be checked: the camtraced on %s is busy (%s); run camtrace doctor "
			"again in a few seconds", u->addr_s, ct_coop_status_key(ans->res.status));
		break;
	default:
		ct_doc_setf(&p->text, "could not be checked: the camtraced on %s could not run the check", u->addr_s);
	}
}

/* user -> server for every user at once: each user's camtraced (rtp_echo + coop) is asked on its
 * RTP echo port */
static void pairs_user_to_server(struct ct_doctor *d, struct ct_doc_user **us, int n)
{
	struct ct_coop_ask_job jobs[CT_DOC_MAX_USERS];
	uint16_t port = d->rtp_lo ? d->rtp_lo : CT_RTP_DEFAULT_LO;

	memset(jobs, 0, sizeof jobs);
	for (int i = 0; i < n; i++) {
		jobs[i].peer = us[i]->addr;
		jobs[i].port = port;
		jobs[i].target = d->server;
		jobs[i].checks = CT_COOP_CHECK_UDP | CT_COOP_CHECK_TCP;
		jobs[i].wait_ms = coop_wait_ms(d);
	}
	if (ct_coop_ask_many(jobs, (size_t)n) != 0)
		for (int i = 0; i < n; i++) {
			jobs[i].rc = CT_ENOMEM;
			snprintf(jobs[i].err, sizeof jobs[i].err, "out of memory");
		}
	for (int i = 0; i < n; i++)
		u2s_result(d, us[i], &jobs[i]);
}

static uint8_t key_to(const char *k, const char *(*fn)(unsigned), unsigned n)
{
	for (unsigned i = 0; k && i < n; i++)
		if (strcmp(k, fn(i)) == 0)
			return (uint8_t)i;
	return 0;
}

static void s2u_result(struct ct_doc_user *u, const struct ct_json *res)
{
	struct ct_doc_pair *p = &u->s2u;
	double ms;
	const char *t;
	char txt[600];

	p->checked = 1;
	p->res.udp = key_to(ct_json_get_str(res, "udp"), ct_coop_udp_key, CT_COOP_UDP_N);
	p->res.tcp = key_to(ct_json_get_str(res, "tcp"), ct_coop_tcp_key, CT_COOP_TCP_N);
	if (ct_json_get_num(res, "udp_rtt_ms", &ms) == 0)
		p->res.udp_rtt_us = (uint32_t)(ms * 1000);
	if (ct_json_get_num(res, "tcp_rtt_ms", &ms) == 0)
		p->res.tcp_rtt_us = (uint32_t)(ms * 1000);
	if ((t = ct_json_get_str(res, "udp_answered")) != NULL)
		p->res.udp_how = strcmp(t, "br_entry") == 0 ? CT_COOP_HOW_ENTRY : strcmp(t, "getinfo") == 0 ?
			CT_COOP_HOW_GETINFO : CT_COOP_HOW_UNKNOWN;
	if ((t = ct_json_get_str(res, "program")) != NULL)
		ct_strlcpy(p->res.program, t, sizeof p->res.program);
	ct_coop_result_text(&p->res, CT_COOP_CHECK_UDP | CT_COOP_CHECK_TCP, txt, sizeof txt);
	ct_doc_setf(&p->text, "%s", txt);
}

/* server -> user for every user at once: the server's camtraced runs the checks together
 * (control method `probe` with "addrs") */
static void pairs_server_to_user(struct ct_doctor *d, struct ct_doc_user **us, int n)
{
	struct ct_json *params, *res = NULL, *arr;
	const struct ct_json *results;

	if (!d->ctl || !d->ctl_is_server) {
		for (int i = 0; i < n; i++)
			ct_doc_setf(&us[i]->s2u.text, "could not be checked from here: run camtrace doctor on the server "
				"(it asks its camtraced through the control socket), or give --ctl with the server's control "
				"socket");
		return;
	}
	params = ct_json_obj();
	arr = ct_json_add_arr(params, "addrs");
	for (int i = 0; i < n; i++)
		ct_json_add_str(arr, NULL, us[i]->addr_s);
	ct_json_add_bool(params, "tcp", 1);
	ct_json_add_int(params, "wait_ms", coop_wait_ms(d));
	if (ct_ctl_client_call(d->ctl, CT_COOP_CTL_PROBE, params, 10000, &res) != 0) {
		const char *code = ct_ctl_client_error_code(d->ctl);
		for (int i = 0; i < n; i++) {
			if (code && strcmp(code, "unknown_method") == 0)
				ct_doc_setf(&us[i]->s2u.text, "could not be checked: the server's camtraced has no `probe` "
					"control method (update it)");
			else
				ct_doc_setf(&us[i]->s2u.text, "could not be checked: the server's control socket: %s",
					ct_ctl_client_error(d->ctl));
		}
		ct_json_free(params);
		return;
	}
	ct_json_free(params);
	results = ct_json_get(res, "results");
	for (int i = 0; i < n; i++) {
		const struct ct_json *r = results && (size_t)i < ct_json_arr_len(results) ? ct_json_arr_at(results, i) :
			(!results && n == 1 ? res : NULL);
		if (r && ct_json_get_str(r, "udp"))
			s2u_result(us[i], r);
		else
			ct_doc_setf(&us[i]->s2u.text, "could not be checked: the server's camtraced gave no result for %s "
				"(an older camtraced checks one address per call: update it)", us[i]->addr_s);
	}
	ct_json_free(res);
}

/* this host <-> server and <-> each user: the server's UDP probe, then every TCP probe at once */
static int probe_from_here(struct ct_doctor *d, struct ct_doc_step *s)
{
	struct ct_doc_probe *tcp[CT_DOC_MAX_USERS * (1 + CT_DOC_MAX_PEERS) + 1];
	int n = 0, bad = 0;
	char t[600], t2[600];

	ct_doc_probe_init(&d->server_probe, d->server, d->server_name);
	if (!d->on_server) {
		ct_doc_probe_udp(d, &d->server_probe);
		tcp[n++] = &d->server_probe;
	}
	for (int i = 0; d->v.cls != CT_DOC_SERVER_UNREACHABLE && i < d->nusers; i++)
		if (d->u[i].addr && d->u[i].addr != d->server) {
			tcp[n++] = &d->u[i].self;
			/* the other users of its network that answered UDP: tell "only this PC" for TCP too */
			for (int k = 0; k < d->u[i].npeers; k++)
				if (d->u[i].peers[k].udp_done && d->u[i].peers[k].udp.state == CT_PORT_OPEN)
					tcp[n++] = &d->u[i].peers[k];
		}
	ct_doc_probe_tcp_many(d, tcp, n);
	if (d->on_server)
		ct_doc_ev(s, "this host is the server %s: not probed from itself (its camtraced answered on the control "
			"socket); the users are probed from here, the server -> user checks run in its camtraced",
			d->server_s);
	else {
		ct_doc_udp_text(&d->server_probe, t, sizeof t);
		ct_doc_tcp_text(&d->server_probe, t2, sizeof t2);
		ct_doc_ev(s, "this host %s <-> server %s: %s; %s", d->self_s, d->server_s, t, t2);
		bad += d->server_probe.udp.state != CT_PORT_OPEN || ct_doc_tcp_blocked(&d->server_probe);
	}
	for (int i = 0; d->v.cls != CT_DOC_SERVER_UNREACHABLE && i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		if (!u->addr)
			continue;
		ct_doc_udp_text(&u->self, t, sizeof t);
		ct_doc_tcp_text(&u->self, t2, sizeof t2);
		ct_doc_ev(s, "this host %s <-> user %s: %s; %s", d->self_s, u->addr_s, t, t2);
		for (int k = 0; k < u->npeers; k++)
			if (u->peers[k].tcp_done) {
				ct_doc_tcp_text(&u->peers[k], t2, sizeof t2);
				ct_doc_ev(s, "  other user on its network: %s (%s): %s", u->peers[k].addr_s, u->peers[k].name, t2);
			}
		if (u->self.udp.state == CT_PORT_OPEN)
			ct_doc_ev(s, "  both directions carry UDP 2425 (the request went out, the answer came back)");
		else
			ct_doc_ev(s, "  this host -> user fails; user -> this host could not be told apart (no answer came)");
		bad += u->self.udp.state != CT_PORT_OPEN || ct_doc_tcp_blocked(&u->self) || ct_doc_tcp_refused_by_pc(&u->self);
	}
	return bad;
}

void ct_doc_step_pairwise(struct ct_doctor *d, struct ct_doc_step *s)
{
	struct ct_doc_user *us[CT_DOC_MAX_USERS];
	int bad, pair_bad = 0, unchecked = 0, n = 0;
	uint64_t t0, window;

	bad = probe_from_here(d, s);
	for (int i = 0; d->v.cls != CT_DOC_SERVER_UNREACHABLE && i < d->nusers; i++)
		if (d->u[i].addr && d->u[i].addr != d->server)
			us[n++] = &d->u[i];
	/* the server's checks first (all users at once): the users' camtraced then say whether that
	 * GETINFO reached them; then every user's check of the server at once */
	t0 = ct_mono_ns();
	if (n)
		pairs_server_to_user(d, us, n);
	/* what a user heard within this window (before our request reached it), it heard during the
	 * server's check (a few ms for the request's way there) */
	window = (ct_mono_ns() - t0) / 1000000 + 50;
	if (n)
		pairs_user_to_server(d, us, n);
	for (int i = 0; i < n; i++) {
		struct ct_doc_user *u = us[i];
		if (u->flaps >= 0)
			ct_doc_ev(s, "user %s -> server: the server's records say %s, %ld flap(s), %ld missed answer(s)",
				u->addr_s, u->state, u->flaps, u->missed);
		u->heard = -1;
		if (u->u2s.checked && u->s2u.checked) {
			u->heard_ms = u->u2s.res.heard_ms;
			u->heard = u->heard_ms != CT_COOP_HEARD_NEVER && u->heard_ms <= window;
		}
		ct_doc_ev(s, "user %s -> server %s (started by the user's camtraced from UDP 2425): %s", u->addr_s,
			d->server_s, u->u2s.text ? u->u2s.text : "not checked");
		ct_doc_ev(s, "server %s -> user %s (started by the server's camtraced from UDP 2425): %s", d->server_s,
			u->addr_s, u->s2u.text ? u->s2u.text : "not checked");
		if (u->heard == 1 && ct_doc_pair_fails(&u->s2u, 0))
			ct_doc_ev(s, "  the user's camtraced heard the server %u ms before it was asked: server -> user "
				"carries UDP 2425, the packets are lost on the way user -> server", (unsigned)u->heard_ms);
		else if (u->heard == 0 && ct_doc_pair_fails(&u->s2u, 0))
			ct_doc_ev(s, "  the user's camtraced heard nothing from the server since its GETINFO was sent: "
				"server -> user loses UDP 2425");
		unchecked += !u->u2s.checked + !u->s2u.checked;
		if (ct_doc_pair_fails(&u->u2s, 0) || ct_doc_pair_fails(&u->s2u, 0) || ct_doc_pair_fails(&u->u2s, 1) ||
		    ct_doc_pair_fails(&u->s2u, 1))
			pair_bad++;
	}
	if (bad && pair_bad)
		ct_doc_result(s, CT_DOC_PROBLEM, "%d of the paths from this host and %d user <-> server path(s) fail on "
			"UDP or TCP 2425", bad, pair_bad);
	else if (pair_bad)
		ct_doc_result(s, CT_DOC_PROBLEM, "this host reaches everyone, but %d user <-> server path(s) fail on UDP "
			"or TCP 2425", pair_bad);
	else if (bad)
		ct_doc_result(s, CT_DOC_PROBLEM, "%d of the paths from this host fail on UDP or TCP 2425", bad);
	else if (unchecked)
		ct_doc_result(s, CT_DOC_OK, "every path from this host carries UDP and TCP 2425; %d user <-> server "
			"direction(s) could not be checked (see above how to enable them)", unchecked);
	else
		ct_doc_result(s, CT_DOC_OK, "every path carries UDP and TCP 2425, user <-> server in both directions too");
	if (d->deep)
		ct_doc_deep_run(d, s);
}

static void command(const struct ct_doctor *d, char *buf, size_t len)
{
	char cmd[64];

	snprintf(cmd, sizeof cmd, "camtrace probe %s", d->server_s);
	ct_doc_users_command(d, cmd, buf, len);
}

const struct ct_doc_step_def ct_doc_step_pairwise_def = {
	.key = "pairwise",
	.title = "Pairwise reachability",
	.what = "UDP and TCP 2425 between this host, the server and each user, in both directions where possible",
	.command = command,
	.run = ct_doc_step_pairwise,
};
