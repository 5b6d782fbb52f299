/* probe-common.c: shared front-end code for the probe commands (targets of either family, privilege drop, reply rendering). */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "err.h"
#include "icmpname.h"
#include "inject.h"
#include "out.h"
#include "privs.h"
#include "probe-common.h"

const char *pc_ip(uint32_t a, char *buf)
{
	struct in_addr ia = { a };

	if (!inet_ntop(AF_INET, &ia, buf, 16))
		strcpy(buf, "?");
	return buf;
}

double pc_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

const char *pc_addr(int family, uint32_t v4, const struct in6_addr *v6, char *buf)
{
	if (family != AF_INET6)
		return pc_ip(v4, buf);
	if (!inet_ntop(AF_INET6, v6, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

const char *pc_from(const struct ct_reply *r, char *buf)
{
	if (r->family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&r->from6) ? NULL : pc_addr(AF_INET6, 0, &r->from6, buf);
	return r->from ? pc_ip(r->from, buf) : NULL;
}

int pc_targets(struct pc_target *t, int n, char **names, const char *source, int family)
{
	struct in_addr src4 = { 0 };
	struct in6_addr src6;
	int bad = 0, sfam = 0;

	if (source && inet_pton(AF_INET, source, &src4) == 1)
		sfam = AF_INET;
	else if (source && inet_pton(AF_INET6, source, &src6) == 1)
		sfam = AF_INET6; /* anything else was refused by the option parser (--source wants an address) */

	for (int i = 0; i < n; i++) {
		struct pc_target *x = &t[i];
		int r;
		memset(x, 0, sizeof *x);
		x->name = names[i];
		if (ct_probe_resolve(names[i], family, &x->family, &x->addr, &x->addr6, x->err, sizeof x->err) != 0) {
			bad++;
			continue;
		}
		x->resolved = 1;
		pc_addr(x->family, x->addr, &x->addr6, x->addr_s);
		r = x->family == AF_INET6 ? ct_probe_route_lookup6(&x->addr6, &x->src6, x->ifname, sizeof x->ifname) :
			ct_probe_route_lookup(x->addr, &x->src, x->ifname, sizeof x->ifname);
		if (r != 0) {
			snprintf(x->err, sizeof x->err, "no route to %s: %s", x->addr_s, strerror(errno));
			continue;
		}
		if (sfam && sfam != x->family) {
			snprintf(x->err, sizeof x->err, "--source %s is an IPv%s address but %s is IPv%s", source,
				sfam == AF_INET6 ? "6" : "4", x->addr_s, x->family == AF_INET6 ? "6" : "4");
			continue;
		}
		if (sfam == AF_INET)
			x->src = src4.s_addr; /* --source: probes carry this address */
		else if (sfam == AF_INET6)
			x->src6 = src6;
		x->src_given = sfam != 0;
		x->routed = 1;
		pc_addr(x->family, x->src, &x->src6, x->src_s);
	}
	return bad;
}

unsigned pc_families(const struct pc_target *t, int n)
{
	for (int i = 0; i < n; i++)
		if (t[i].resolved && t[i].family == AF_INET6)
			return CT_PROBER_V6;
	return 0;
}

struct pc_target *pc_hosts(char **names, int n, const char *source, int family)
{
	struct pc_target *t = calloc((size_t)n, sizeof *t);

	if (t)
		pc_targets(t, n, names, source, family);
	return t;
}

void pc_set_target(struct ct_probe_set *s, const struct pc_target *t)
{
	s->dst = t->addr;
	s->src = t->src;
	s->family = t->family == AF_INET6 ? AF_INET6 : 0;
	s->dst6 = t->addr6;
	s->src6 = t->src6;
	s->bind_src = t->src_given;
}

void pc_set_init(struct ct_probe_set *s, const struct ct_probe_ops *ops, struct ct_prober *pr,
	const struct pc_target *t, struct ct_probe *probes, size_t n)
{
	memset(s, 0, sizeof *s);
	memset(probes, 0, n * sizeof *probes);
	s->ops = ops;
	s->pr = pr;
	pc_set_target(s, t);
	s->probes = probes;
	s->n = n;
	s->use_raw = t->family == AF_INET6 ? pr->raw6 : pr->raw;
}

struct ct_prober *pc_prober(const struct ct_cli *cli, const char *cmd, int unpriv, unsigned flags, struct ct_json *doc)
{
	struct ct_prober *pr = NULL;
	char err[256];

	if (ct_prober_open(&pr, (flags & ~CT_PROBER_RAW) | (unpriv ? 0 : CT_PROBER_RAW)) != 0) {
		out_err(cli, cmd, "out of memory");
		return NULL;
	}
	if (unpriv)
		ct_prober_note(pr, "raw sockets not used (--unprivileged)");
	if (ct_privs_drop(err, sizeof err) != 0) {
		/* never run on with privileges we meant to drop */
		if (doc)
			out_doc_error(doc, "privilege_drop_failed", err);
		out_err(cli, cmd, "%s", err);
		ct_prober_close(pr);
		return NULL;
	}
	return pr;
}

void pc_notes(const struct ct_cli *cli, const struct ct_prober *pr, struct ct_json *doc)
{
	if (doc) {
		struct ct_json *a;
		ct_json_add_bool(doc, "privileged", pr->raw || pr->raw6);
		ct_json_add_bool(doc, "port_2425_bound", pr->udp2425_fd >= 0);
		a = ct_json_add_arr(doc, "notes");
		for (unsigned i = 0; i < pr->nnotes; i++)
			ct_json_add_str(a, NULL, pr->notes[i]);
		return;
	}
	if (cli->quiet)
		return;
	for (unsigned i = 0; i < pr->nnotes; i++)
		fprintf(stderr, "note: %s\n", pr->notes[i]);
}

void pc_json_icmp(struct ct_json *o, const char *key, const struct ct_reply *r)
{
	struct ct_json *j;
	char ip[INET6_ADDRSTRLEN];
	int fam = ct_reply_icmp_family(r);

	if (!r || r->kind != CT_RK_ICMP) {
		ct_json_add_null(o, key);
		return;
	}
	j = ct_json_add_obj(o, key);
	ct_json_add_int(j, "type", r->icmp_type);
	ct_json_add_int(j, "code", r->icmp_code);
	ct_json_add_str(j, "name", ct_icmp_name(fam, r->icmp_type, r->icmp_code));
	ct_json_add_str(j, "key", ct_icmp_key(fam, r->icmp_type, r->icmp_code));
	ct_json_add_str(j, "tag", ct_icmp_tag(fam, r->icmp_type, r->icmp_code));
	ct_json_add_str(j, "from", pc_from(r, ip));
}

void pc_json_responder(struct ct_json *o, const char *key, const struct ct_probe *p)
{
	const struct ct_reply *r = &p->reply;
	int origin = ct_reply_origin(p), hops = ct_ttl_hops(r->ttl);
	char ip[INET6_ADDRSTRLEN];
	struct ct_json *j;

	if (origin == CT_ORIGIN_UNKNOWN) {
		ct_json_add_null(o, key);
		return;
	}
	j = ct_json_add_obj(o, key);
	ct_json_add_str(j, "role", ct_origin_key(origin));
	/* a RST from the path carries the target's address: the device's own is not known */
	ct_json_add_str(j, "address", origin == CT_ORIGIN_PATH && r->kind == CT_RK_TCP ? NULL : pc_from(r, ip));
	if (hops >= 0)
		ct_json_add_int(j, "hop", hops + 1);
	else
		ct_json_add_null(j, "hop");
	if (r->ttl > 0)
		ct_json_add_int(j, "ttl", r->ttl);
	else
		ct_json_add_null(j, "ttl");
	if (r->kind == CT_RK_TCP && (r->tcp_flags & CT_TCP_RST) && r->target_hops >= 0)
		ct_json_add_int(j, "target_hop", r->target_hops + 1);
	else
		ct_json_add_null(j, "target_hop");
}

void pc_host_down_text(const struct ct_reply *r, uint64_t after_ns, const struct pc_target *t, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	const char *from = pc_from(r, ip);
	int own = t->family == AF_INET6 ? r->family == AF_INET6 && IN6_ARE_ADDR_EQUAL(&r->from6, &t->src6) :
		r->from == t->src;

	if (own)
		snprintf(buf, len, "the host is down or the address %s is unused: no answer to this host's ARP "
			"on %s (its own host unreachable after %.1f s)", t->addr_s, t->ifname[0] ? t->ifname : "the segment",
			(double)after_ns / 1e9);
	else
		snprintf(buf, len, "the host is down or the address %s is unused, per the router %s (host unreachable "
			"%.1f s after the first packet: no ARP answer on its segment)", t->addr_s, from ? from : "?",
			(double)after_ns / 1e9);
}

void pc_icmp_text(const struct ct_reply *r, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	int fam = ct_reply_icmp_family(r);
	const char *tag = ct_icmp_tag(fam, r->icmp_type, r->icmp_code), *from = pc_from(r, ip);

	snprintf(buf, len, "ICMP%s %s: %s (%u/%u%s%s) from %s", fam == CT_ICMP_V6 ? "v6" : "",
		ct_icmp_type_name(fam, r->icmp_type), ct_icmp_name(fam, r->icmp_type, r->icmp_code), r->icmp_type,
		r->icmp_code, tag[0] ? " " : "", tag, from ? from : "?");
}
