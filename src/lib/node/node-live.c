/* node-live.c: the node's liveness rounds: a paced unicast BR_ENTRY to each quiet host, offline after max_missed, asked again while offline. */
#include "config.h"
#include "clock.h"
#include "codec.h"
#include "evloop.h"
#include "log.h"
#include "node-int.h"

/* Offline hosts are asked for this long after the last packet from them (then notification
 * rounds and their own announcements are left to find them), or less when the table's
 * host_expiry is shorter (they are removed then). */
#define ASK_OFFLINE_MS (24 * 3600 * 1000ULL)

static void on_check(struct ct_evloop *ev, uint64_t id, void *ud);

void ct_node_live_schedule(struct ct_node *n)
{
	ct_evloop_cancel_timer(n->ev, n->t_check);
	n->t_check = n->conf.check_interval_ms ?
		ct_evloop_add_timer(n->ev, n->conf.check_interval_ms, on_check, n) : 0;
}

/* Each round, every host we did not hear from in half an interval gets one unicast BR_ENTRY
 * (DIALUPOPT when it is not on our segments): every client answers it with ANSENTRY (iptux
 * ignores GETINFO). Online hosts that leave it unanswered max_missed rounds in a row are lost;
 * offline ones (left or lost) are asked too for a day (at most host_expiry), so that their return is seen within a
 * round even when their own BR_ENTRY broadcast cannot reach us. */
static void on_tick(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_node *n = ud;
	uint64_t now = ct_evloop_now_ms(ev);
	double wall = ct_wall_now();
	uint64_t ask = ASK_OFFLINE_MS, expiry = ct_hosts_expiry_ms(n->hosts);

	(void)id;
	if (expiry && expiry < ask)
		ask = expiry;
	n->t_tick = 0;
	while (n->check_cursor < ct_hosts_count(n->hosts)) {
		struct ct_host *h = ct_hosts_at(n->hosts, n->check_cursor);
		/* hosts only known from a list or a federation peer are that server's business */
		if (!(h->origin & ~(CT_HOST_LIST | CT_HOST_PEER)) || now - h->seen_ms < n->conf.check_interval_ms / 2 ||
		    (h->state == CT_HOST_OFFLINE && now - h->seen_ms > ask)) {
			n->check_cursor++;
			continue;
		}
		if (!ct_pace_take(&n->check_pace, now, 1)) {
			n->t_tick = ct_evloop_add_timer(ev, ct_pace_wait_ms(&n->check_pace, now, 1), on_tick, n);
			return;
		}
		n->check_cursor++;
		if (ct_hosts_check_sent(n->hosts, h, n->conf.max_missed, wall)) {
			char b[CT_HADDR_STRLEN];
			n->st.lost++;
			log_notice("host %s@%s (%s) left %u liveness checks unanswered: offline, lost (flaps %u)",
				h->user, h->host, ct_haddr_str(&h->addr, b, sizeof b), h->missed_run, h->flaps);
			continue; /* asked again from the next round on */
		}
		n->st.checks_sent++;
		ct_node_send_entry(n, &h->addr, CT_IPMSG_BR_ENTRY,
			ct_node_is_local(n, &h->addr) ? 0 : CT_IPMSG_DIALUPOPT);
	}
}

void ct_node_check_round(struct ct_node *n)
{
	ct_evloop_cancel_timer(n->ev, n->t_tick);
	n->check_cursor = 0;
	ct_pace_init(&n->check_pace, n->conf.check_rate, 10, ct_evloop_now_ms(n->ev));
	on_tick(n->ev, 0, n);
}

static void on_check(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_node *n = ud;

	(void)ev;
	(void)id;
	n->t_check = 0;
	/* a round still pacing out (more hosts than check_rate sends in an interval) goes on, so
	 * that the hosts at the end of the table are asked too */
	if (n->t_tick)
		log_info("liveness round still running after an interval (%zu hosts at %.0f/s); not restarted",
			ct_hosts_count(n->hosts), n->conf.check_rate);
	else
		ct_node_check_round(n);
	ct_node_live_schedule(n);
}
