/* probe-common.c: shared front-end code for the probe commands (targets, privilege drop, reply rendering). */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "err.h"
#include "icmpname.h"
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

int pc_targets(struct pc_target *t, int n, char **names, const char *source)
{
	struct in_addr srcaddr = { 0 };
	int bad = 0;

	if (source && inet_pton(AF_INET, source, &srcaddr) != 1)
		source = NULL; /* checked by pc_check_source() before */

	for (int i = 0; i < n; i++) {
		memset(&t[i], 0, sizeof t[i]);
		t[i].name = names[i];
		if (ct_probe_resolve4(names[i], &t[i].addr, t[i].err, sizeof t[i].err) != 0) {
			t[i].addr = 0;
			bad++;
			continue;
		}
		pc_ip(t[i].addr, t[i].addr_s);
		if (ct_probe_route_lookup(t[i].addr, &t[i].src, t[i].ifname, sizeof t[i].ifname) != 0) {
			snprintf(t[i].err, sizeof t[i].err, "no route to %s: %s", t[i].addr_s, strerror(errno));
			t[i].src = 0;
		} else {
			if (source)
				t[i].src = srcaddr.s_addr; /* --source: probes carry this address */
			pc_ip(t[i].src, t[i].src_s);
		}
	}
	return bad;
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
		ct_json_add_bool(doc, "privileged", pr->raw);
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
	char ip[16];

	if (!r || r->kind != CT_RK_ICMP) {
		ct_json_add_null(o, key);
		return;
	}
	j = ct_json_add_obj(o, key);
	ct_json_add_int(j, "type", r->icmp_type);
	ct_json_add_int(j, "code", r->icmp_code);
	ct_json_add_str(j, "name", ct_icmp_name(CT_ICMP_V4, r->icmp_type, r->icmp_code));
	ct_json_add_str(j, "key", ct_icmp_key(CT_ICMP_V4, r->icmp_type, r->icmp_code));
	ct_json_add_str(j, "tag", ct_icmp_tag(CT_ICMP_V4, r->icmp_type, r->icmp_code));
	if (r->from)
		ct_json_add_str(j, "from", pc_ip(r->from, ip));
	else
		ct_json_add_null(j, "from");
}

void pc_icmp_text(const struct ct_reply *r, char *buf, size_t len)
{
	char ip[16];
	const char *tag = ct_icmp_tag(CT_ICMP_V4, r->icmp_type, r->icmp_code);

	snprintf(buf, len, "ICMP %s: %s (%u/%u%s%s) from %s", ct_icmp_type_name(CT_ICMP_V4, r->icmp_type),
		ct_icmp_name(CT_ICMP_V4, r->icmp_type, r->icmp_code), r->icmp_type, r->icmp_code,
		tag[0] ? " " : "", tag, r->from ? pc_ip(r->from, ip) : "?");
}

long pc_num(const char *cmd, const char *opt, const char *v, long min, long max)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v ? v : "", &end, 10);
	if (!v || !*v || *end || errno || x < min || x > max) {
		fprintf(stderr, "camtrace %s: %s wants a number from %ld to %ld, not '%s'\n", cmd, opt, min, max,
			v ? v : "");
		return -1;
	}
	return x;
}

int pc_range(const char *cmd, const char *opt, const char *v, unsigned *lo, unsigned *hi)
{
	const char *dash = v ? strchr(v, '-') : NULL;
	char a[16];
	long l, h;

	if (!v)
		return -1;
	if (!dash) {
		if ((l = pc_num(cmd, opt, v, 1, 65535)) < 0)
			return -1;
		*lo = *hi = (unsigned)l;
		return 0;
	}
	if ((size_t)(dash - v) >= sizeof a) {
		fprintf(stderr, "camtrace %s: %s wants PORT or LOW-HIGH, not '%s'\n", cmd, opt, v);
		return -1;
	}
	memcpy(a, v, (size_t)(dash - v));
	a[dash - v] = 0;
	if ((l = pc_num(cmd, opt, a, 1, 65535)) < 0 || (h = pc_num(cmd, opt, dash + 1, 1, 65535)) < 0)
		return -1;
	if (h < l || h - l > 255) {
		fprintf(stderr, "camtrace %s: %s: the range %s is reversed or wider than 256 ports\n", cmd, opt, v);
		return -1;
	}
	*lo = (unsigned)l;
	*hi = (unsigned)h;
	return 0;
}

int pc_check_source(const struct ct_cli *cli, const char *cmd)
{
	struct in_addr a;

	if (cli->source && inet_pton(AF_INET, cli->source, &a) != 1) {
		fprintf(stderr, "camtrace %s: --source wants an IPv4 address of this machine, not '%s'\n", cmd,
			cli->source);
		return -1;
	}
	return 0;
}
