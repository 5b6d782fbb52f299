/* node-info.c: the node's answers to GETINFO (our version) and GETABSENCEINFO (our absence text), within the guard's budgets. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "charset.h"
#include "codec.h"
#include "node-int.h"
#include "version.h"

void ct_node_info_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup)
{
	char v[64];

	(void)dup;
	n->st.infos++;
	if (!ct_node_guard_admit(n, &rx->from, CT_GUARD_SENDINFO))
		return;
	snprintf(v, sizeof v, "camtraced %s", ct_version());
	ct_node_send(n, &rx->from, CT_IPMSG_SENDINFO, v, strlen(v));
}

void ct_node_absence_info_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup)
{
	const struct ct_ipmsg *m = rx->m;
	const char *txt;

	(void)dup;
	n->st.infos++;
	if (!ct_node_guard_admit(n, &rx->from, CT_GUARD_SENDABSENCEINFO))
		return;
	txt = n->absent ? n->absence_text : "Not absence mode";
	if (ct_charset_is_ascii(txt, strlen(txt)))
		ct_node_send(n, &rx->from, CT_IPMSG_SENDABSENCEINFO, txt, strlen(txt));
	else if (m->opts & (CT_IPMSG_UTF8OPT | CT_IPMSG_CAPUTF8OPT))
		ct_node_send(n, &rx->from, CT_IPMSG_SENDABSENCEINFO | CT_IPMSG_UTF8OPT, txt, strlen(txt));
	else {
		char *cp = ct_charset_encode_str(CT_CS_CP932, txt, strlen(txt));
		if (cp)
			ct_node_send(n, &rx->from, CT_IPMSG_SENDABSENCEINFO, cp, strlen(cp));
		free(cp);
	}
}
