/* node-msg.c: the node's side of SENDMSG: RECVMSG when the sender asks (duplicates too, within the guard's budgets), the message logged once (at most message_log_rate lines). */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "charset.h"
#include "codec.h"
#include "log.h"
#include "node-int.h"
#include "targets.h"
#include "util.h"

void ct_node_msg_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup)
{
	const struct ct_ipmsg *m = rx->m;
	char num[16];

	if (n->conf.msg_allow && !ct_targets_match(n->conf.msg_allow, &rx->from))
		return; /* not allowed to send us messages: unanswered, not logged (msg.c counts it) */
	if ((m->opts & CT_IPMSG_SENDCHECKOPT) && !(m->opts & (CT_IPMSG_BROADCASTOPT | CT_IPMSG_AUTORETOPT)) &&
	    ct_node_guard_admit(n, &rx->from, CT_GUARD_RECVMSG)) {
		snprintf(num, sizeof num, "%u", m->packetno);
		ct_node_send(n, &rx->from, CT_IPMSG_RECVMSG, num, strlen(num));
	}
	if (dup)
		return;
	n->st.msgs++;
	if (CT_LOG_NOTICE <= ct_log_level_cur && ct_node_guard_log_msg(n, &rx->from)) {
		enum ct_charset cs = ct_charset_of_command(m->command);
		char *u = ct_charset_decode_str(cs, m->user.p, m->user.len);
		char *h = ct_charset_decode_str(cs, m->host.p, m->host.len);
		char *t = ct_charset_decode_str(cs, m->sec[0].p, m->sec[0].len);
		char b[CT_HADDR_STRLEN];
		char eu[200], eh[200], et[1024];
		/* escaped: a message must not forge log lines or send terminal escapes */
		ct_escape_bytes(u ? u : "?", u ? strlen(u) : 1, eu, sizeof eu);
		ct_escape_bytes(h ? h : "?", h ? strlen(h) : 1, eh, sizeof eh);
		ct_escape_bytes(t ? t : "", t ? strlen(t) : 0, et, sizeof et);
		/* an encrypted one's text is the ciphertext: not logged (the message engine opens it) */
		if (m->opts & CT_IPMSG_ENCRYPTOPT)
			log_notice("message from %s@%s (%s) (encrypted)", eu, eh, ct_haddr_str(&rx->from, b, sizeof b));
		else
			log_notice("message from %s@%s (%s): %s", eu, eh, ct_haddr_str(&rx->from, b, sizeof b), et);
		free(u);
		free(h);
		free(t);
	}
}
