/* listsrv.h: the list server role: answers BR_ISGETLIST2/0x10 with OKGETLIST and GETLIST with ANSLIST pages. */
#ifndef CT_LISTSRV_H
#define CT_LISTSRV_H

#include <stddef.h>
#include <stdint.h>
#include "targets.h"

struct ct_node;
struct ct_listsrv;

struct ct_listsrv_conf {
	const struct ct_targets *allow; /* sources that get answers (NULL or empty = nobody) */
	size_t budget;                  /* max ANSLIST datagram bytes (0 = 8191, at most 32767) */
	double rate;                    /* list packets per second per source (0 = 20) */
	double burst;                   /* bucket size per source (0 = max(2*rate, 20)) */
	double global_rate;             /* list packets per second in total (0 = 2000) */
	int client_node;                /* a client node (`server` set): BR_ISGETLIST2/0x10 not answered,
	                                 * so it never passes for a second list server on its segment;
	                                 * GETLIST is still answered (a direct request) */
};

struct ct_listsrv_stats {
	uint64_t isgetlist, okgetlist_sent, getlist, pages_sent, entries_sent;
	uint64_t refused_allow, refused_rate, bad_getlist;
	uint64_t deferred;              /* GETLISTs held until their unverified source verified */
	uint64_t client_node_quiet;     /* BR_ISGETLIST2/0x10 left unanswered: a client node */
	size_t max_page_bytes;          /* largest ANSLIST datagram sent */
};

int ct_listsrv_new(struct ct_listsrv **out, struct ct_node *node, const struct ct_listsrv_conf *conf);
void ct_listsrv_free(struct ct_listsrv *ls);
/* New allow list / limits after a reload (allow is used by reference: keep it alive). */
int ct_listsrv_reconf(struct ct_listsrv *ls, const struct ct_listsrv_conf *conf);
const struct ct_listsrv_stats *ct_listsrv_stats(const struct ct_listsrv *ls);
/* Hosts a full list has now (the server itself included). */
size_t ct_listsrv_size(struct ct_listsrv *ls);

#endif
