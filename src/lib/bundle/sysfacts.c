/* sysfacts.c: system facts for bug reports: versions, ip/nft/iptables output, sysctls,
 * capabilities, container detection; each part present or missing with a reason. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "tarball.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "sbuf.h"
#include "spawn.h"
#include "sysfacts.h"
#include "util.h"
#include "version.h"

#define DEF_TIMEOUT_MS 5000
#define DEF_MAX_OUT (4u << 20)

/* ---- the fact set ---- */

void ct_factset_init(struct ct_factset *s)
{
	memset(s, 0, sizeof *s);
}

void ct_factset_fini(struct ct_factset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].desc);
		free(s->v[i].data);
		free(s->v[i].file);
		free(s->v[i].reason);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

static struct ct_fact *slot(struct ct_factset *s, const char *name, const char *desc)
{
	struct ct_fact *f;

	if (s->err)
		return NULL;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 32;
		struct ct_fact *nv = realloc(s->v, nc * sizeof *nv);
		if (!nv) {
			s->err = CT_ENOMEM;
			return NULL;
		}
		s->v = nv;
		s->cap = nc;
	}
	f = &s->v[s->n];
	memset(f, 0, sizeof *f);
	f->name = strdup(name);
	f->desc = strdup(desc ? desc : "");
	if (!f->name || !f->desc) {
		free(f->name);
		free(f->desc);
		s->err = CT_ENOMEM;
		return NULL;
	}
	s->n++;
	return f;
}

int ct_factset_take(struct ct_factset *s, const char *name, const char *desc, char *data, size_t n)
{
	struct ct_fact *f = slot(s, name, desc);

	if (!f) {
		free(data);
		return CT_ENOMEM;
	}
	f->data = data;
	f->len = n;
	return 0;
}

int ct_factset_add(struct ct_factset *s, const char *name, const char *desc, const void *data,
	size_t n)
{
	char *copy = malloc(n + 1);

	if (!copy) {
		s->err = CT_ENOMEM;
		return CT_ENOMEM;
	}
	if (n)
		memcpy(copy, data, n);
	copy[n] = '\0';
	return ct_factset_take(s, name, desc, copy, n);
}

int ct_factset_add_file(struct ct_factset *s, const char *name, const char *desc,
	const char *path, size_t size)
{
	struct ct_fact *f = slot(s, name, desc);

	if (!f)
		return CT_ENOMEM;
	f->file = strdup(path);
	f->len = size;
	if (!f->file)
		return s->err = CT_ENOMEM;
	return 0;
}

int ct_factset_missing(struct ct_factset *s, const char *name, const char *desc,
	const char *fmt, ...)
{
	struct ct_fact *f = slot(s, name, desc);
	struct ct_sbuf b;
	va_list ap;

	if (!f)
		return CT_ENOMEM;
	ct_sbuf_init(&b);
	va_start(ap, fmt);
	ct_sbuf_vprintf(&b, fmt, ap);
	va_end(ap);
	f->reason = ct_sbuf_steal(&b, NULL);
	if (!f->reason)
		return s->err = CT_ENOMEM;
	return 0;
}

const struct ct_fact *ct_factset_find(const struct ct_factset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

/* ---- small readers ---- */

/* Reads up to max bytes of a (possibly /proc) file into b. 0, CT_ENOTFOUND, CT_EPERM, CT_ESYS. */
static int read_small(const char *path, size_t max, struct ct_sbuf *b)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return errno == ENOENT ? CT_ENOTFOUND : errno == EACCES || errno == EPERM ? CT_EPERM : CT_ESYS;
	while (b->len < max && (n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return errno == EACCES || errno == EPERM ? CT_EPERM : CT_ESYS;
		}
		ct_sbuf_add(b, buf, (size_t)n < max - b->len ? (size_t)n : max - b->len);
	}
	close(fd);
	return b->err;
}

/* First line of a small file, trimmed, or NULL. Caller frees. */
static char *read_line(const char *path)
{
	struct ct_sbuf b;
	char *s;

	ct_sbuf_init(&b);
	if (read_small(path, 4096, &b) != 0 || !b.p) {
		ct_sbuf_fini(&b);
		return NULL;
	}
	b.p[strcspn(b.p, "\n")] = '\0';
	s = strdup(b.p);
	ct_sbuf_fini(&b);
	return s;
}

/* ---- sysctls ---- */

static const char *const sysctl_names[] = {
	"net.ipv4.ip_forward",
	"net.ipv4.conf.all.rp_filter",
	"net.ipv4.conf.default.rp_filter",
	"net.ipv4.conf.all.bc_forwarding",
	"net.ipv4.conf.all.forwarding",
	"net.ipv4.icmp_echo_ignore_broadcasts",
	"net.ipv4.icmp_echo_ignore_all",
	"net.ipv4.icmp_ratelimit",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.ip_unprivileged_port_start",
	"net.ipv6.conf.all.forwarding",
	"net.ipv6.conf.all.disable_ipv6",
	"net.core.rmem_max",
	"net.core.rmem_default",
	"net.netfilter.nf_conntrack_udp_timeout",
	"net.netfilter.nf_conntrack_udp_timeout_stream",
	"net.netfilter.nf_conntrack_tcp_timeout_established",
	"net.netfilter.nf_conntrack_count",
	"net.netfilter.nf_conntrack_max",
};

/* Per-interface keys, read for every entry of /proc/sys/net/ipv4/conf. */
static const char *const sysctl_per_if[] = { "rp_filter", "bc_forwarding", "forwarding" };

static void sysctl_add(struct ct_json *o, struct ct_sbuf *text, const char *name)
{
	char path[256], *v;
	size_t i, n = (size_t)snprintf(path, sizeof path, "/proc/sys/%s", name);

	if (n >= sizeof path)
		return;
	for (i = sizeof "/proc/sys/" - 1; i < n; i++)
		if (path[i] == '.')
			path[i] = '/';
	v = read_line(path);
	if (v) {
		for (char *t = v; *t; t++)
			if (*t == '\t')
				*t = ' ';
		ct_json_add_str(o, name, v);
	} else {
		ct_json_add_null(o, name);
	}
	if (text)
		ct_sbuf_printf(text, "%s = %s\n", name, v ? v : "(absent)");
	free(v);
}

struct ct_json *ct_sysfacts_sysctls(struct ct_sbuf *text)
{
	struct ct_json *o = ct_json_obj();
	char name[200];
	struct ct_sbuf ifs;

	for (size_t i = 0; i < CT_ARRAY_LEN(sysctl_names); i++)
		sysctl_add(o, text, sysctl_names[i]);
	/* Interface names from /proc/net/dev (no directory walk needed); names with a '.'
	 * (VLANs) would be ambiguous in sysctl notation and are left out. */
	ct_sbuf_init(&ifs);
	if (read_small("/proc/net/dev", 1 << 20, &ifs) == 0 && ifs.p) {
		for (char *line = ifs.p; line && *line;) {
			char *nl = strchr(line, '\n'), *colon, *s;
			if (nl)
				*nl = '\0';
			colon = strchr(line, ':');
			if (colon) {
				*colon = '\0';
				for (s = line; *s == ' '; s++)
					;
				if (*s && ct_tarball_name_ok(s) && !strchr(s, '.'))
					for (size_t k = 0; k < CT_ARRAY_LEN(sysctl_per_if); k++) {
						snprintf(name, sizeof name, "net.ipv4.conf.%s.%s", s,
							sysctl_per_if[k]);
						sysctl_add(o, text, name);
					}
			}
			line = nl ? nl + 1 : NULL;
		}
	}
	ct_sbuf_fini(&ifs);
	return o;
}

/* ---- capabilities ---- */

int ct_sysfacts_cap_has(const char *hexmask, int cap)
{
	uint64_t m = 0;
	size_t n;

	if (!hexmask || cap < 0 || cap > 63)
		return 0;
	n = strlen(hexmask);
	if (n == 0 || n > 16 || ct_parse_u64(hexmask, n, 16, UINT64_MAX, &m) != 0)
		return 0;
	return (int)((m >> cap) & 1);
}

static void status_field(const char *status, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);

	out[0] = '\0';
	for (const char *l = status; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, kl) == 0 && l[kl] == ':') {
			const char *v = l + kl + 1;
			size_t n;
			while (*v == ' ' || *v == '\t')
				v++;
			n = strcspn(v, "\n");
			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return;
		}
	}
}

struct ct_json *ct_sysfacts_caps(long pid)
{
	static const struct { const char *key, *json; } masks[] = {
		{ "CapInh", "cap_inh" }, { "CapPrm", "cap_prm" }, { "CapEff", "cap_eff" },
		{ "CapBnd", "cap_bnd" }, { "CapAmb", "cap_amb" },
	};
	static const struct { int bit; const char *json; } caps[] = {
		{ 10, "cap_net_bind_service" }, { 12, "cap_net_admin" }, { 13, "cap_net_raw" },
		{ 6, "cap_setgid" }, { 7, "cap_setuid" },
	};
	struct ct_json *o = ct_json_obj(), *eff;
	struct ct_sbuf st;
	char v[128], path[64], *range;
	unsigned long lo, hi, ids[4];

	snprintf(path, sizeof path, pid > 0 ? "/proc/%ld/status" : "/proc/self/status", pid);
	ct_sbuf_init(&st);
	if (read_small(path, 1 << 16, &st) != 0 || !st.p) {
		char e[96];
		snprintf(e, sizeof e, "cannot read %s", path);
		ct_json_add_str(o, "error", e);
		ct_sbuf_fini(&st);
		return o;
	}
	status_field(st.p, "Name", v, sizeof v);
	ct_json_add_str(o, "name", v);
	ct_json_add_int(o, "pid", pid > 0 ? pid : (long)getpid());
	/* "Uid:" / "Gid:" hold real, effective, saved and file-system ids */
	status_field(st.p, "Uid", v, sizeof v);
	if (sscanf(v, "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]) == 4) {
		ct_json_add_int(o, "uid", (int64_t)ids[0]);
		ct_json_add_int(o, "euid", (int64_t)ids[1]);
	}
	status_field(st.p, "Gid", v, sizeof v);
	ids[1] = (unsigned long)-1;
	if (sscanf(v, "%lu %lu %lu %lu", &ids[0], &ids[1], &ids[2], &ids[3]) == 4) {
		ct_json_add_int(o, "gid", (int64_t)ids[0]);
		ct_json_add_int(o, "egid", (int64_t)ids[1]);
	}
	for (size_t i = 0; i < CT_ARRAY_LEN(masks); i++) {
		status_field(st.p, masks[i].key, v, sizeof v);
		ct_json_add_str(o, masks[i].json, v[0] ? v : NULL);
	}
	status_field(st.p, "CapEff", v, sizeof v);
	eff = ct_json_add_obj(o, "effective");
	for (size_t i = 0; i < CT_ARRAY_LEN(caps); i++)
		ct_json_add_bool(eff, caps[i].json, ct_sysfacts_cap_has(v, caps[i].bit));
	status_field(st.p, "NoNewPrivs", v, sizeof v);
	ct_json_add_str(o, "no_new_privs", v[0] ? v : NULL);
	status_field(st.p, "Seccomp", v, sizeof v);
	ct_json_add_str(o, "seccomp", v[0] ? v : NULL);
	ct_sbuf_fini(&st);
	/* Unprivileged ICMP echo sockets work when the effective gid is in ping_group_range. */
	range = read_line("/proc/sys/net/ipv4/ping_group_range");
	if (range && ids[1] != (unsigned long)-1 && sscanf(range, "%lu %lu", &lo, &hi) == 2)
		ct_json_add_bool(o, "icmp_ping_socket_allowed", ids[1] >= lo && ids[1] <= hi);
	else
		ct_json_add_null(o, "icmp_ping_socket_allowed");
	free(range);
	return o;
}

/* ---- container detection ---- */

static int has_word(const char *s, const char *w)
{
	return s && strstr(s, w) != NULL;
}

struct ct_json *ct_sysfacts_container(int timeout_ms)
{
	static const char *const cg_words[] = { "docker", "kubepods", "lxc", "containerd", "libpod", "podman" };
	struct ct_json *o = ct_json_obj(), *hints = ct_json_arr();
	struct ct_sbuf b;
	struct stat st;
	char a[128] = "", c[128] = "";
	ssize_t n;
	int in = 0;

	if (stat("/.dockerenv", &st) == 0) {
		ct_json_add_str(hints, NULL, "/.dockerenv exists (Docker)");
		in = 1;
	}
	if (stat("/run/.containerenv", &st) == 0) {
		ct_json_add_str(hints, NULL, "/run/.containerenv exists (Podman)");
		in = 1;
	}
	ct_sbuf_init(&b);
	if (read_small("/proc/1/cgroup", 1 << 16, &b) == 0 && b.p)
		for (size_t i = 0; i < CT_ARRAY_LEN(cg_words); i++)
			if (has_word(b.p, cg_words[i])) {
				char h[96];
				snprintf(h, sizeof h, "/proc/1/cgroup mentions %s", cg_words[i]);
				ct_json_add_str(hints, NULL, h);
				in = 1;
				break;
			}
	ct_sbuf_reset(&b);
	if (read_small("/proc/self/cgroup", 4096, &b) == 0 && b.p) {
		b.p[strcspn(b.p, "\n")] = '\0';
		ct_json_add_str(o, "cgroup", b.p);
	} else {
		ct_json_add_null(o, "cgroup");
	}
	ct_sbuf_fini(&b);
	/* A network namespace other than init's: a lab, a container or a netns exec. */
	n = readlink("/proc/self/ns/net", a, sizeof a - 1);
	if (n > 0)
		a[n] = '\0';
	n = readlink("/proc/1/ns/net", c, sizeof c - 1);
	if (n > 0) {
		c[n] = '\0';
		ct_json_add_bool(o, "own_netns", strcmp(a, c) != 0);
	} else {
		ct_json_add_null(o, "own_netns"); /* needs root to read pid 1's namespace */
	}
	ct_json_add_str(o, "netns", a[0] ? a : NULL);
	{
		const char *argv[] = { "systemd-detect-virt", NULL };
		struct ct_spawn_result r;
		int rc;

		ct_spawn_result_init(&r);
		rc = ct_spawn_run(argv, timeout_ms > 0 ? timeout_ms : DEF_TIMEOUT_MS, 256, &r);
		if (rc == 0 && r.out.p) {
			r.out.p[strcspn(r.out.p, "\n")] = '\0';
			ct_json_add_str(o, "virt", r.out.p);
			if (strcmp(r.out.p, "none") != 0) {
				char h[160];
				snprintf(h, sizeof h, "systemd-detect-virt says %s", r.out.p);
				ct_json_add_str(hints, NULL, h);
			}
		} else {
			ct_json_add_null(o, "virt");
		}
		ct_spawn_result_fini(&r);
	}
	ct_json_add_bool(o, "in_container", in);
	ct_json_add(o, "hints", hints);
	return o;
}

/* ---- command output parts ---- */

struct cmd_part {
	const char *name;
	const char *desc;
	const char *argv[8];
	const char *needs; /* privilege hint when it fails unprivileged, or NULL */
};

static const struct cmd_part cmd_parts[] = {
	{ "system/ip-addr.json", "interfaces and addresses (ip -j addr show)",
		{ "ip", "-j", "addr", "show", NULL }, NULL },
	{ "system/ip-link-stats.json", "interfaces with packet and drop counters (ip -j -s link show)",
		{ "ip", "-j", "-s", "link", "show", NULL }, NULL },
	{ "system/ip-route.json", "IPv4 routes, all tables (ip -j -4 route show table all)",
		{ "ip", "-j", "-4", "route", "show", "table", "all", NULL }, NULL },
	{ "system/ip-route6.json", "IPv6 routes, all tables (ip -j -6 route show table all)",
		{ "ip", "-j", "-6", "route", "show", "table", "all", NULL }, NULL },
	{ "system/ip-rule.json", "policy routing rules (ip -j rule show)",
		{ "ip", "-j", "rule", "show", NULL }, NULL },
	{ "system/ip-neigh.json", "neighbour (ARP/NDP) table (ip -j neigh show)",
		{ "ip", "-j", "neigh", "show", NULL }, NULL },
	{ "system/sockets.txt", "listening TCP/UDP sockets and their programs (ss -tulnp)",
		{ "ss", "-tulnp", NULL }, NULL },
	{ "system/nft-ruleset.txt", "nftables rules (nft list ruleset)",
		{ "nft", "list", "ruleset", NULL }, "root (CAP_NET_ADMIN)" },
	{ "system/iptables-save.txt", "iptables IPv4 rules (iptables-save)",
		{ "iptables-save", NULL }, "root (CAP_NET_ADMIN)" },
	{ "system/ip6tables-save.txt", "iptables IPv6 rules (ip6tables-save)",
		{ "ip6tables-save", NULL }, "root (CAP_NET_ADMIN)" },
};

/* Files copied when `ip` is not installed, so the addresses and routes are there anyway. */
static const struct { const char *name, *path, *desc; } proc_fallback[] = {
	{ "system/proc-net-dev.txt", "/proc/net/dev", "interface counters (/proc/net/dev)" },
	{ "system/proc-net-route.txt", "/proc/net/route", "IPv4 main routing table (/proc/net/route)" },
	{ "system/proc-net-ipv6_route.txt", "/proc/net/ipv6_route", "IPv6 routes (/proc/net/ipv6_route)" },
	{ "system/proc-net-if_inet6.txt", "/proc/net/if_inet6", "IPv6 addresses (/proc/net/if_inet6)" },
	{ "system/proc-net-arp.txt", "/proc/net/arp", "ARP table (/proc/net/arp)" },
	{ "system/proc-net-fib_trie.txt", "/proc/net/fib_trie", "IPv4 addresses and routes (/proc/net/fib_trie)" },
};

static int run_part(struct ct_factset *s, const struct cmd_part *p, const struct ct_sysfacts_opts *o)
{
	struct ct_spawn_result r;
	char how[300];
	int rc;

	ct_spawn_result_init(&r);
	rc = ct_spawn_run(p->argv, o->timeout_ms, o->max_out, &r);
	if (rc == 0 && r.exit_code == 0 && !r.signo) {
		size_t n;
		char *data;
		if (r.truncated)
			ct_sbuf_printf(&r.out, "\n[camtrace: output cut at %zu bytes]\n", o->max_out);
		data = ct_sbuf_steal(&r.out, &n);
		rc = data ? ct_factset_take(s, p->name, p->desc, data, n)
			  : ct_factset_add(s, p->name, p->desc, "", 0);
	} else {
		ct_spawn_describe(&r, rc, o->timeout_ms, how, sizeof how);
		if (rc == CT_ENOTFOUND)
			rc = ct_factset_missing(s, p->name, p->desc, "%s not installed", p->argv[0]);
		else if (p->needs && geteuid() != 0)
			rc = ct_factset_missing(s, p->name, p->desc, "needs %s: %s %s", p->needs,
				p->argv[0], how);
		else
			rc = ct_factset_missing(s, p->name, p->desc, "%s failed: %s", p->argv[0], how);
	}
	ct_spawn_result_fini(&r);
	return rc;
}

static void add_json(struct ct_factset *s, const char *name, const char *desc, struct ct_json *j)
{
	char *txt = ct_json_print(j, 1);

	if (txt) {
		size_t n = strlen(txt);
		char *t2 = realloc(txt, n + 2);
		if (t2) {
			t2[n++] = '\n';
			t2[n] = '\0';
			txt = t2;
		}
		ct_factset_take(s, name, desc, txt, strlen(txt));
	} else {
		s->err = CT_ENOMEM;
	}
}

static char *os_pretty(void)
{
	struct ct_sbuf b;
	char *r = NULL;

	ct_sbuf_init(&b);
	if ((read_small("/etc/os-release", 65536, &b) == 0 && b.p) ||
	    (ct_sbuf_reset(&b), read_small("/usr/lib/os-release", 65536, &b) == 0 && b.p)) {
		char *l = strstr(b.p, "PRETTY_NAME=");
		if (l && (l == b.p || l[-1] == '\n')) {
			l += strlen("PRETTY_NAME=");
			l[strcspn(l, "\n")] = '\0';
			if (*l == '"') {
				l++;
				l[strcspn(l, "\"")] = '\0';
			}
			r = strdup(l);
		}
	}
	ct_sbuf_fini(&b);
	return r;
}

static void versions(struct ct_factset *s, const struct ct_sysfacts_opts *o)
{
	static const struct { const char *label; const char *argv[3]; } tools[] = {
		{ "ip", { "ip", "-V", NULL } },
		{ "nft", { "nft", "--version", NULL } },
		{ "iptables", { "iptables", "--version", NULL } },
	};
	struct ct_sbuf b;
	struct utsname u;
	char *os = os_pretty();
	size_t n;
	char *data;

	ct_sbuf_init(&b);
	ct_sbuf_printf(&b, "camtrace %s\nfeatures: %s\nzlib: %s\n", ct_version(),
		ct_build_features(), ct_tarball_lib_version());
	if (uname(&u) == 0)
		ct_sbuf_printf(&b, "kernel: %s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
	ct_sbuf_printf(&b, "os: %s\n", os ? os : "(unknown: no /etc/os-release)");
	free(os);
	for (size_t i = 0; i < CT_ARRAY_LEN(tools); i++) {
		struct ct_spawn_result r;
		int rc;
		ct_spawn_result_init(&r);
		rc = ct_spawn_run(tools[i].argv, o->timeout_ms, 1024, &r);
		if (rc == 0 && r.out.p) {
			r.out.p[strcspn(r.out.p, "\n")] = '\0';
			ct_sbuf_printf(&b, "%s: %s\n", tools[i].label, r.out.p);
		} else {
			ct_sbuf_printf(&b, "%s: %s\n", tools[i].label,
				rc == CT_ENOTFOUND ? "not installed" : "unknown");
		}
		ct_spawn_result_fini(&r);
	}
	data = ct_sbuf_steal(&b, &n);
	if (data)
		ct_factset_take(s, "versions.txt", "camtrace, library, kernel, OS and tool versions", data, n);
	else
		s->err = CT_ENOMEM;
}

int ct_sysfacts_collect(struct ct_factset *s, const struct ct_sysfacts_opts *opts)
{
	struct ct_sysfacts_opts o = { DEF_TIMEOUT_MS, DEF_MAX_OUT };
	struct ct_json *facts, *k;
	struct ct_sbuf b;
	struct utsname u;
	char host[256] = "", *os;
	int have_ip;

	if (opts && opts->timeout_ms > 0)
		o.timeout_ms = opts->timeout_ms;
	if (opts && opts->max_out > 0)
		o.max_out = opts->max_out;
	versions(s, &o);

	facts = ct_json_obj();
	ct_json_add_int(facts, "schema_version", 1);
	gethostname(host, sizeof host - 1);
	ct_json_add_str(facts, "hostname", host);
	k = ct_json_add_obj(facts, "kernel");
	if (uname(&u) == 0) {
		ct_json_add_str(k, "sysname", u.sysname);
		ct_json_add_str(k, "release", u.release);
		ct_json_add_str(k, "version", u.version);
		ct_json_add_str(k, "machine", u.machine);
	}
	os = os_pretty();
	ct_json_add_str(facts, "os", os);
	free(os);
	ct_sbuf_init(&b);
	ct_json_add(facts, "sysctls", ct_sysfacts_sysctls(&b));
	ct_json_add(facts, "process", ct_sysfacts_caps(0));
	ct_json_add(facts, "container", ct_sysfacts_container(o.timeout_ms));
	add_json(s, "system/facts.json",
		"kernel, OS, relevant sysctls, process capabilities, container detection", facts);

	{
		size_t n;
		char *data = ct_sbuf_steal(&b, &n);
		if (data)
			ct_factset_take(s, "system/sysctl.txt", "relevant sysctls, name = value", data, n);
	}
	ct_json_free(facts);

	{
		struct ct_sbuf osr;
		ct_sbuf_init(&osr);
		if (read_small("/etc/os-release", 65536, &osr) == 0 && osr.p)
			ct_factset_add(s, "system/os-release", "/etc/os-release", osr.p, osr.len);
		else
			ct_factset_missing(s, "system/os-release", "/etc/os-release", "/etc/os-release not readable");
		ct_sbuf_fini(&osr);
	}

	for (size_t i = 0; i < CT_ARRAY_LEN(cmd_parts); i++)
		run_part(s, &cmd_parts[i], &o);
	{
		char p[256];
		have_ip = ct_spawn_find("ip", p, sizeof p) == 0;
	}
	if (!have_ip)
		for (size_t i = 0; i < CT_ARRAY_LEN(proc_fallback); i++) {
			struct ct_sbuf pb;
			ct_sbuf_init(&pb);
			if (read_small(proc_fallback[i].path, o.max_out, &pb) == 0 && pb.p)
				ct_factset_add(s, proc_fallback[i].name, proc_fallback[i].desc, pb.p, pb.len);
			else
				ct_factset_missing(s, proc_fallback[i].name, proc_fallback[i].desc,
					"%s not readable", proc_fallback[i].path);
			ct_sbuf_fini(&pb);
		}
	return s->err;
}
