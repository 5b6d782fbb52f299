/* node-pubkey.c: the node's answer to GETPUBKEY (ANSPUBKEY with our key), under the guard's own anspubkey class: it is ~9 times the request. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "crypto.h"
#include "err.h"
#include "node-int.h"
#include "sbuf.h"

void ct_node_pubkey_rx(struct ct_node *n, const struct ct_node_rx *rx, int dup)
{
	const struct ct_ipmsg *m = rx->m;
	char word[16];
	size_t len = m->nsec ? m->sec[0].len : 0;
	unsigned long req;
	char *end;
	struct ct_sbuf b;
	int r;

	(void)dup;
	if (!n->conf.keys || !n->conf.crypt_capa || !len || len >= sizeof word)
		return; /* no keys, or not a capability word: unanswered, as Windows does */
	memcpy(word, m->sec[0].p, len);
	word[len] = 0;
	req = strtoul(word, &end, 16);
	if (*end || !(req & n->conf.crypt_capa))
		return;
	if (!ct_node_guard_admit(n, &rx->from, CT_GUARD_ANSPUBKEY))
		return;
	ct_sbuf_init(&b);
	if (ct_crypt_anspubkey(n->conf.keys, n->conf.crypt_capa, (uint32_t)req, &b) == 0 && !b.err) {
		r = ct_node_send(n, &rx->from, CT_IPMSG_ANSPUBKEY, b.p, b.len);
		/* over an unverified source's credit: ask it (GETINFO); its SENDINFO verifies it, and
		 * the GETPUBKEY it sends again is answered (a forged source never answers) */
		if (r == CT_EAGAIN)
			ct_node_guard_probe(n, &rx->from);
	}
	ct_sbuf_fini(&b);
}
