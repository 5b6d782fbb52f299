/* doctor-isolate.c: step 3 of `camtrace doctor`: only these PCs, or the whole network (UDP 2425 of the users and their neighbours)? */
#include "config.h"
#include <arpa/inet.h>
#include "doctor-evidence.h"
#include "doctor-probe.h"
#include "doctor-steps.h"

static int same24(uint32_t a, uint32_t b)
{
	return (ntohl(a) >> 8) == (ntohl(b) >> 8);
}

/* Each user's neighbours: the other users the server knows on its /24 (not users given, not
 * the server or this host), up to CT_DOC_MAX_PEERS each. */
static void pick_peers(struct ct_doctor *d, struct ct_doc_user *u)
{
	for (int k = 0; k < d->nknown && u->npeers < CT_DOC_MAX_PEERS; k++) {
		uint32_t a = d->known[k].addr;
		int dup = 0;
		if (!a || !d->known[k].online || a == u->addr || a == d->server || a == d->self_addr || !same24(a, u->addr))
			continue;
		for (int j = 0; j < d->nusers; j++)
			dup |= d->u[j].addr == a;
		if (dup)
			continue;
		ct_doc_probe_init(&u->peers[u->npeers++], a, d->known[k].user);
	}
}

void ct_doc_step_isolate(struct ct_doctor *d, struct ct_doc_step *s)
{
	int fail_self = 0, fail_all = 0, users = 0, n = 0, down = 0;
	struct ct_doc_probe *all[CT_DOC_MAX_USERS * (CT_DOC_MAX_PEERS + 1)] = { 0 };
	char t[600];

	if (d->v.cls == CT_DOC_SERVER_UNREACHABLE || d->nusers == 0) {
		ct_doc_result(s, CT_DOC_SKIPPED, d->nusers ? "the server's list is not available" : "no --user given");
		return;
	}
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		if (!u->addr)
			continue;
		users++;
		ct_doc_probe_init(&u->self, u->addr, u->user);
		all[n++] = &u->self;
		pick_peers(d, u);
		for (int k = 0; k < u->npeers; k++)
			all[n++] = &u->peers[k];
	}
	/* the users and their neighbours at once */
	ct_doc_probe_udp_many(d, all, n);
	for (int i = 0; i < d->nusers; i++) {
		struct ct_doc_user *u = &d->u[i];
		if (!u->addr)
			continue;
		ct_doc_udp_text(&u->self, t, sizeof t);
		ct_doc_ev(s, "%s (%s): %s", u->addr_s, u->spec, t);
		for (int k = 0; k < u->npeers; k++) {
			ct_doc_udp_text(&u->peers[k], t, sizeof t);
			ct_doc_ev(s, "  other user on its network: %s (%s): %s", u->peers[k].addr_s, u->peers[k].name, t);
			if (u->peers[k].udp.state == CT_PORT_OPEN)
				u->peers_answer++;
		}
		/* the other users given on the same network are its neighbours too */
		for (int j = 0; j < d->nusers; j++) {
			const struct ct_doc_user *o = &d->u[j];
			if (o == u || !o->addr || o->addr == u->addr || !same24(o->addr, u->addr))
				continue;
			u->nothers++;
			if (o->self.udp.state == CT_PORT_OPEN) {
				u->peers_answer++;
				ct_doc_ev(s, "  other user on its network: %s (given with --user) answers on UDP 2425", o->addr_s);
			}
		}
		if (u->self.udp.state != CT_PORT_OPEN) {
			fail_self++;
			down += u->self.udp.host_down != 0;
			if (u->npeers + u->nothers == 0 || u->peers_answer == 0)
				fail_all++;
		}
	}
	if (!users)
		ct_doc_result(s, CT_DOC_SKIPPED, "no user address known");
	else if (!fail_self)
		ct_doc_result(s, CT_DOC_OK, "the users answer on UDP 2425 from here: messages pass");
	else if (down == fail_self)
		ct_doc_result(s, CT_DOC_PROBLEM, "%d PC(s) are not there: host unreachable (off, asleep or disconnected)",
			down);
	else if (fail_all)
		ct_doc_result(s, CT_DOC_PROBLEM, "the whole network fails: no other user there answers either "
			"(the network path)");
	else
		ct_doc_result(s, CT_DOC_PROBLEM, "only these PCs fail: other users on the same network answer "
			"(a firewall or security software on those PCs)");
}

static void command(const struct ct_doctor *d, char *buf, size_t len)
{
	ct_doc_users_command(d, "camtrace probe --no-tcp", buf, len);
}

const struct ct_doc_step_def ct_doc_step_isolate_def = {
	.key = "isolate",
	.title = "Only these PCs, or the whole network?",
	.what = "probe UDP 2425 of the unstable users and of the other users the server lists on their networks",
	.command = command,
	.run = ct_doc_step_isolate,
};
