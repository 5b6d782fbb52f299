/* hosts-src.c: provenance of a host: which servers (federation peers, the list fetch) list it and since when. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hosts.h"
#include "sbuf.h"

struct ct_host_src *ct_host_src_find(const struct ct_host *h, unsigned kind, const struct ct_haddr *from)
{
	for (size_t i = 0; i < h->nsrc; i++)
		if (h->src[i].kind == kind && ct_haddr_eq(&h->src[i].from, from))
			return &h->src[i];
	return NULL;
}

struct ct_host_src *ct_host_src_set(struct ct_host *h, unsigned kind, const struct ct_haddr *from,
	double since_wall)
{
	struct ct_host_src *s = ct_host_src_find(h, kind, from), *nv;

	if (s)
		return s;
	if (h->nsrc >= CT_HOST_SRC_MAX)
		return NULL;
	if (!(nv = realloc(h->src, ((size_t)h->nsrc + 1) * sizeof *nv)))
		return NULL;
	h->src = nv;
	s = &h->src[h->nsrc++];
	memset(s, 0, sizeof *s);
	s->from = *from;
	s->kind = (uint8_t)kind;
	s->since = since_wall;
	return s;
}

int ct_host_src_drop(struct ct_host *h, unsigned kind, const struct ct_haddr *from)
{
	struct ct_host_src *s = ct_host_src_find(h, kind, from);

	if (!s)
		return 0;
	*s = h->src[--h->nsrc];
	if (h->nsrc == 0) {
		free(h->src);
		h->src = NULL;
	}
	return 1;
}

size_t ct_host_src_count(const struct ct_host *h, unsigned kind)
{
	size_t n = 0;

	for (size_t i = 0; i < h->nsrc; i++)
		n += h->src[i].kind == kind;
	return n;
}

const char *ct_host_src_kind_name(unsigned kind)
{
	return kind == CT_HOST_SRC_PEER ? "peer" : kind == CT_HOST_SRC_LIST ? "list" :
		kind == CT_HOST_SRC_IPMSG ? "ipmsg" : "unknown";
}

int ct_host_src_release(struct ct_host *h, unsigned kind, const struct ct_haddr *from)
{
	if (!ct_host_src_drop(h, kind, from))
		return 0;
	if (ct_host_src_count(h, CT_HOST_SRC_PEER) + ct_host_src_count(h, CT_HOST_SRC_IPMSG) == 0)
		h->origin &= (uint8_t)~CT_HOST_PEER;
	return h->state != CT_HOST_OFFLINE && !(h->origin & CT_HOST_OWN_BITS) && h->nsrc == 0;
}

int ct_host_is_own(const struct ct_host *h)
{
	return (h->origin & CT_HOST_OWN_BITS) && !h->fed_yield;
}

int ct_host_src_save(const struct ct_host *h, struct ct_sbuf *out)
{
	char ip[CT_HADDR_STRLEN];

	for (size_t i = 0; i < h->nsrc; i++) {
		const struct ct_host_src *s = &h->src[i];
		ct_sbuf_printf(out, "%s%u %s %u %.3f %u %u", i ? "," : "", s->kind,
			ct_haddr_ip_str(&s->from, ip, sizeof ip), s->from.port, s->since, s->local, s->tag);
	}
	return out->err;
}

void ct_host_src_load(struct ct_host *h, const char *text)
{
	while (text && *text) {
		unsigned kind, port, local, tag;
		char ip[64];
		double since;
		struct ct_haddr a;
		const char *comma = strchr(text, ',');
		if (sscanf(text, "%u %63s %u %lf %u %u", &kind, ip, &port, &since, &local, &tag) == 6 &&
		    kind >= CT_HOST_SRC_PEER && kind <= CT_HOST_SRC_IPMSG && port > 0 && port < 65536 &&
		    ct_haddr_parse(&a, ip, (uint16_t)port) == 0) {
			if (!(since > 0 && since < 1e11)) /* not a wall time of this era (nan, inf, huge): unknown */
				since = 0;
			struct ct_host_src *s = ct_host_src_set(h, kind, &a, since);
			if (s) {
				s->local = local != 0;
				s->tag = tag;
			}
		}
		text = comma ? comma + 1 : NULL;
	}
}
