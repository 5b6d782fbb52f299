/* dconf.c: camtraced's keyword table and the defaults that depend on the machine. */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "err.h"
#include "fsutil.h"
#include "log.h"
#include "util.h"
#include "targets.h"
#include "listcli.h"
#include "dconf.h"

#define OFF(f) offsetof(struct ct_daemon_conf, f)
#define MS_S 1000LL
#define MS_H 3600000LL
#define MS_D 86400000LL

/* ---- value checks (run per item, so errors carry file:line) ---- */

static int check_abs_path(const char *v, char *err, size_t errlen)
{
	if (v[0] != '/') {
		snprintf(err, errlen, "'%s' is not an absolute path; write it starting with '/'", v);
		return CT_EFORMAT;
	}
	return 0;
}

static int check_opt_path(const char *v, char *err, size_t errlen)
{
	return v[0] ? check_abs_path(v, err, errlen) : 0;
}

static int check_accept_files(const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "no") && strcmp(v, "yes") && strcmp(v, "listed")) {
		snprintf(err, errlen, "'%s' is not no, yes or listed", v);
		return CT_EFORMAT;
	}
	return 0;
}

static int check_socket_path(const char *v, char *err, size_t errlen)
{
	struct sockaddr_un sun;

	if (check_abs_path(v, err, errlen) != 0)
		return CT_EFORMAT;
	if (strlen(v) >= sizeof sun.sun_path) {
		snprintf(err, errlen, "socket path is %zu bytes; unix sockets allow at most %zu, choose a shorter path",
			strlen(v), sizeof sun.sun_path - 1);
		return CT_ERANGE;
	}
	return 0;
}

static int check_log(const char *v, char *err, size_t errlen)
{
	if (strcmp(v, "syslog") == 0 || strcmp(v, "stderr") == 0 || v[0] == '/')
		return 0;
	snprintf(err, errlen, "log must be 'syslog', 'stderr' or an absolute file path, not '%s'", v);
	return CT_EFORMAT;
}

static int check_listen(const char *v, char *err, size_t errlen)
{
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) == 1)
		return 0;
	snprintf(err, errlen, "listen wants a local IPv4 address such as 0.0.0.0 or 192.168.1.10, not '%s'", v);
	return CT_EFORMAT;
}

static int is_dns_name(const char *v)
{
	size_t len = strlen(v), label = 0;
	int alpha = 0;

	if (len == 0 || len > 253)
		return 0;
	for (const char *p = v; *p; p++) {
		char c = *p;
		if (c == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (!(c >= '0' && c <= '9') && c != '-')
			alpha = 1;
		if (++label > 63)
			return 0;
	}
	return alpha; /* all-numeric names would be mistyped addresses */
}

static int check_name(const char *v, char *err, size_t errlen)
{
	struct in_addr a;

	if (!v[0] || inet_pton(AF_INET, v, &a) == 1 || is_dns_name(v))
		return 0;
	snprintf(err, errlen, "'%s' is neither an IPv4 address nor a DNS name", v);
	return CT_EFORMAT;
}

/* `server`: one to CT_LISTCLI_MAX_SERVERS names or addresses, by commas or blanks, each once */
static int check_servers(const char *v, char *err, size_t errlen)
{
	char names[CT_LISTCLI_MAX_SERVERS][256];
	size_t n = ct_listcli_split(v, names, CT_LISTCLI_MAX_SERVERS);
	int r;

	if (n > CT_LISTCLI_MAX_SERVERS) {
		snprintf(err, errlen, "at most %d list servers (names of at most 255 bytes), in order of preference",
			CT_LISTCLI_MAX_SERVERS);
		return CT_ERANGE;
	}
	for (size_t i = 0; i < n; i++) {
		if ((r = check_name(names[i], err, errlen)) != 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(names[i], names[j]) == 0) {
				snprintf(err, errlen, "'%s' is named twice", names[i]);
				return CT_EFORMAT;
			}
	}
	return 0;
}

static int check_wire_text(const char *v, char *err, size_t errlen)
{
	if (strchr(v, ':')) {
		snprintf(err, errlen, "':' separates the fields of IP Messenger packets; remove it from '%s'", v);
		return CT_EFORMAT;
	}
	if (strlen(v) > 127) {
		snprintf(err, errlen, "at most 127 bytes on the wire (this is %zu)", strlen(v));
		return CT_ERANGE;
	}
	return 0;
}

static int check_user(const char *v, char *err, size_t errlen)
{
	if (!v[0] || strchr(v, ':') || strchr(v, '/')) {
		snprintf(err, errlen, "'%s' is not a user name", v);
		return CT_EFORMAT;
	}
	return 0;
}

/* A federation peer: a name or address, optionally ":PORT". */
static int check_peer(const char *v, char *err, size_t errlen)
{
	const char *colon;
	char name[256];
	size_t n;

	if (strncmp(v, "key=", 4) == 0) { /* the key of the peer before it (fed.h) */
		size_t k = strspn(v + 4, "0123456789abcdefABCDEF");
		if (k != 16 || v[20]) {
			snprintf(err, errlen, "'%s': a peer key is key= and 16 hex digits (its fingerprint)", v);
			return CT_EFORMAT;
		}
		return 0;
	}
	if (strncmp(v, "ipmsg:", 6) == 0) /* a plain IP Messenger list server (fed.h) */
		v += 6;
	colon = strrchr(v, ':');
	n = colon ? (size_t)(colon - v) : strlen(v);

	if (colon) {
		char *end;
		unsigned long port = strtoul(colon + 1, &end, 10);
		if (!colon[1] || *end || port == 0 || port > 65535) {
			snprintf(err, errlen, "'%s': the port after ':' must be 1-65535", v);
			return CT_EFORMAT;
		}
	}
	if (n == 0 || n >= sizeof name) {
		snprintf(err, errlen, "'%s' is not a host name or address", v);
		return CT_EFORMAT;
	}
	memcpy(name, v, n);
	name[n] = '\0';
	return check_name(name, err, errlen);
}

int ct_dconf_check_target(const char *value, char *err, size_t errlen)
{
	struct ct_targets ts;
	int r;

	ct_targets_init(&ts, CT_TARGETS_DEFAULT_MAX);
	r = ct_targets_add(&ts, value, err, errlen);
	ct_targets_fini(&ts);
	return r;
}

/* ---- the table (order = order of -T and of camtraced.conf(5)) ---- */

static const struct ct_conf_opt dconf_opts[] = {
	{ "server", CT_CONF_STRING, OFF(server), 0, 0, "",
	  "list server(s) to fetch the user list from (addresses or DNS names, by commas, first "
	  "preferred: a fetch moves to the next when one does not answer); set = client role too",
	  check_servers, "HOST[, HOST...]" },
	{ "fetch_interval", CT_CONF_DURATION, OFF(fetch_interval), MS_S, 7 * MS_D, "2h",
	  "time between two list fetches from the server", NULL, NULL },
	{ "listen", CT_CONF_STRING, OFF(listen), 0, 0, "0.0.0.0",
	  "local IPv4 address for the IP Messenger UDP and TCP sockets", check_listen, "ADDRESS" },
	{ "port", CT_CONF_INT, OFF(port), 1, 65535, "2425",
	  "IP Messenger port (UDP and TCP)", NULL, NULL },
	{ "user_name", CT_CONF_STRING, OFF(user_name), 0, 0, "camtraced",
	  "the daemon's user name on the wire", check_wire_text, "NAME" },
	{ "host_name", CT_CONF_STRING, OFF(host_name), 0, 0, NULL,
	  "the daemon's host name on the wire (default: the machine's host name)", check_wire_text, "NAME" },
	{ "nick", CT_CONF_STRING, OFF(nick), 0, 0, "camtraced",
	  "nickname shown in other users' lists", check_wire_text, "NAME" },
	{ "group", CT_CONF_STRING, OFF(group), 0, 0, "",
	  "group name shown in other users' lists", check_wire_text, "NAME" },
	{ "absence", CT_CONF_BOOL, OFF(absence), 0, 0, "no",
	  "announce the daemon as absent (away)", NULL, NULL },
	{ "absence_text", CT_CONF_STRING, OFF(absence_text), 0, 0, "",
	  "answer to GETABSENCEINFO (empty = a default text naming camtraced)", NULL, "TEXT" },
	{ "allow", CT_CONF_CIDRS, OFF(allow), 0, 0, NULL,
	  "networks whose hosts may fetch the list (default: own networks, loopback and every configured site)",
	  NULL, "CIDR" },
	{ "accept", CT_CONF_CIDRS, OFF(accept), 0, 0, NULL,
	  "networks whose hosts may add or change users (entries, absence, exits); default: loopback, "
	  "own networks, notify and search targets and allow", NULL, "CIDR" },
	{ "confirm_claims", CT_CONF_BOOL, OFF(confirm_claims), 0, 0, "yes",
	  "add a new host only after it answered at its address; check a move, takeover or exit with "
	  "the known host first (no: apply at once)", NULL, NULL },
	{ "notify", CT_CONF_LIST, OFF(notify), 0, 0, NULL,
	  "other networks to announce to with BR_ENTRY (A.B.C.*, CIDR, ranges, DNS names)",
	  ct_dconf_check_target, "TARGET" },
	{ "notify_interval", CT_CONF_DURATION, OFF(notify_interval), 10 * MS_S, 7 * MS_D, "1h",
	  "time between two notification rounds", NULL, NULL },
	{ "notify_rate", CT_CONF_RATE, OFF(notify_rate), 1, 100000, "100",
	  "packets per second sent in a notification round", NULL, NULL },
	{ "search", CT_CONF_LIST, OFF(search), 0, 0, NULL,
	  "ranges searched for IP Messenger hosts at start-up (same forms as notify)",
	  ct_dconf_check_target, "TARGET" },
	{ "search_rate", CT_CONF_RATE, OFF(search_rate), 1, 100000, "50",
	  "probes per second sent by a search", NULL, NULL },
	{ "liveness_interval", CT_CONF_DURATION, OFF(liveness_interval), 10 * MS_S, MS_D, "2m",
	  "time between two liveness checks (unicast BR_ENTRY, answered by ANSENTRY) of a host not heard from",
	  NULL, NULL },
	{ "liveness_misses", CT_CONF_INT, OFF(liveness_misses), 1, 10, "3",
	  "liveness checks left unanswered in a row before a host is offline (lost)", NULL, NULL },
	{ "unstable_window", CT_CONF_DURATION, OFF(unstable_window), 600 * MS_S, 30 * MS_D, "1d",
	  "a host that flapped (came back after leaving or being lost) this recently is unstable",
	  NULL, NULL },
	{ "max_hosts", CT_CONF_INT, OFF(max_hosts), 16, 10000000, "100000",
	  "hosts kept at most; when full, those unseen longest (offline first) are removed", NULL, NULL },
	{ "host_expiry", CT_CONF_DURATION, OFF(host_expiry), 60 * MS_S, 3650 * MS_D, "7d",
	  "offline hosts not heard from for this long are removed", NULL, NULL },
	{ "list_budget", CT_CONF_INT, OFF(list_budget), 1024, 65507, "8191",
	  "largest ANSLIST datagram in bytes (8191 keeps iptux peers working)", NULL, NULL },
	{ "list_rate", CT_CONF_RATE, OFF(list_rate), 0, 10000, "5",
	  "GETLIST requests answered per second from one source address", NULL, NULL },
	{ "answer_rate", CT_CONF_RATE, OFF(answer_rate), 1, 100000, "20",
	  "answers (ANSENTRY, SENDINFO, SENDABSENCEINFO, RECVMSG, OKGETLIST, ANSLIST) per second to one source address (burst twice that)",
	  NULL, NULL },
	{ "answer_total_rate", CT_CONF_RATE, OFF(answer_total_rate), 10, 1000000, "2000",
	  "answers per second to all sources together", NULL, NULL },
	{ "answer_total_bytes", CT_CONF_INT, OFF(answer_total_bytes), 65536, 1000000000, "4194304",
	  "answer bytes per second to all sources together", NULL, NULL },
	{ "unverified_rate", CT_CONF_RATE, OFF(unverified_rate), 1, 1000000, "200",
	  "answers per second to all sources not verified yet together (each also within 3 times the bytes it sent)",
	  NULL, NULL },
	{ "guard_sources", CT_CONF_INT, OFF(guard_sources), 64, 1048576, "4096",
	  "source addresses whose rates and credit are tracked (the oldest unverified one is dropped)", NULL, NULL },
	{ "guard_log_interval", CT_CONF_DURATION, OFF(guard_log_interval), MS_S, MS_D, "60s",
	  "at most one summary line of dropped answers and send errors per interval", NULL, NULL },
	{ "message_log_rate", CT_CONF_RATE, OFF(message_log_rate), 0, 10000, "1",
	  "received messages logged per second from one source (burst 5; 20 times that in total)", NULL, NULL },
	{ "receive_buffer", CT_CONF_INT, OFF(receive_buffer), 65536, 67108864, "1048576",
	  "UDP receive buffer in bytes: under a flood every request waits behind what it holds", NULL, NULL },
	{ "messages", CT_CONF_BOOL, OFF(messages), 0, 0, "yes",
	  "take messages (SENDMSG) from hosts in allow: answer RECVMSG and keep them in the inbox", NULL, NULL },
	{ "inbox_max", CT_CONF_INT, OFF(inbox_max), 1, 100000, "1000",
	  "messages kept in the inbox (inbox.json beside state_file); the oldest go first", NULL, NULL },
	{ "msg_retry_ms", CT_CONF_INT, OFF(msg_retry_ms), 100, 60000, "1000",
	  "milliseconds between two sends of a message not acknowledged (RECVMSG)", NULL, NULL },
	{ "msg_retries", CT_CONF_INT, OFF(msg_retries), 0, 20, "3",
	  "resends of a message not acknowledged, after the first send", NULL, NULL },
	{ "absence_reply", CT_CONF_BOOL, OFF(absence_reply), 0, 0, "yes",
	  "while absent, answer each message with absence_text (SENDMSG|AUTORETOPT; never to an automatic reply)",
	  NULL, NULL },
	{ "accept_files", CT_CONF_STRING, OFF(accept_files), 0, 0, "no",
	  "fetch files attached to messages: no, yes (from every sender whose messages are taken) or "
	  "listed (senders inside accept_files_from only)", check_accept_files, "no|yes|listed" },
	{ "accept_files_from", CT_CONF_CIDRS, OFF(accept_files_from), 0, 0, NULL,
	  "senders whose attachments are fetched with accept_files = listed", NULL, "CIDR" },
	{ "download_dir", CT_CONF_STRING, OFF(download_dir), 0, 0, "",
	  "where fetched files go (empty = the directory downloads beside state_file)", check_opt_path, "PATH" },
	{ "download_quota", CT_CONF_INT, OFF(download_quota), 0, 4611686018427387904LL, "1073741824",
	  "bytes download_dir may hold: an attachment that does not fit is not fetched", NULL, NULL },
	{ "offer_expiry", CT_CONF_DURATION, OFF(offer_expiry), MS_S, 30 * MS_D, "24h",
	  "how long files offered with camtrace send --file can be fetched", NULL, NULL },
	{ "state_file", CT_CONF_STRING, OFF(state_file), 0, 0, CT_DCONF_DEFAULT_STATE,
	  "where known hosts, found addresses and instability records are kept", check_abs_path, "PATH" },
	{ "pidfile", CT_CONF_STRING, OFF(pidfile), 0, 0, CT_DCONF_DEFAULT_PIDFILE,
	  "process id file (empty = none)", check_opt_path, "PATH" },
	{ "log", CT_CONF_STRING, OFF(log), 0, 0, "syslog",
	  "where logs go: syslog, stderr or an absolute file path", check_log, "DEST" },
	{ "log_level", CT_CONF_LOGLEVEL, OFF(log_level), 0, 0, "notice",
	  "least important messages logged", NULL, NULL },
	{ "ctl_socket", CT_CONF_STRING, OFF(ctl_socket), 0, 0, CT_DCONF_DEFAULT_CTL,
	  "control socket used by camtrace status, users, refresh and search", check_socket_path, "PATH" },
	{ "ctl_group", CT_CONF_STRING, OFF(ctl_group), 0, 0, "",
	  "group allowed to use the control socket (empty = the daemon's group)", NULL, "GROUP" },
	{ "user", CT_CONF_STRING, OFF(user), 0, 0, NULL,
	  "unprivileged user to run as after opening sockets (default: camtraced if it exists, else nobody)",
	  check_user, "USER" },
	{ "rtp_echo", CT_CONF_BOOL, OFF(rtp_echo), 0, 0, "no",
	  "echo RTP test packets for camtrace rtp on the rtp_ports", NULL, NULL },
	{ "rtp_ports", CT_CONF_PORTS, OFF(rtp_ports), 1, 65535, "22224-22227",
	  "UDP ports of the RTP echo", NULL, NULL },
	{ "coop", CT_CONF_BOOL, OFF(coop), 0, 0, "no",
	  "run cooperative checks toward the server for camtrace doctor (needs rtp_echo)", NULL, NULL },
	{ "coop_allow", CT_CONF_LIST, OFF(coop_allow), 0, 0, NULL,
	  "more targets a cooperative check may probe besides `server` (same forms as notify)",
	  ct_dconf_check_target, "TARGET" },
	{ "coop_rate", CT_CONF_RATE, OFF(coop_rate), 0, 100, "1",
	  "cooperative requests answered per second from one address (burst 3)", NULL, NULL },
	/* federation (fed.h) */
	{ "peer", CT_CONF_LIST, OFF(peer), 0, 0, NULL,
	  "another camtraced list server to share owned hosts with (several lines: a full mesh), or with "
	  "ipmsg: a plain IP Messenger list server fetched with GETLIST every peer_refresh; key=FINGERPRINT "
	  "after it: only datagrams signed with that key",
	  check_peer, "[ipmsg:]HOST[:PORT] [key=FINGERPRINT]" },
	{ "peer_refresh", CT_CONF_DURATION, OFF(peer_refresh), MS_S, MS_D, "30s",
	  "time between two digests sent to each peer (changes are pushed within a second)", NULL, NULL },
	{ "peer_lease", CT_CONF_DURATION, OFF(peer_lease), 3 * MS_S, 7 * MS_D, "90s",
	  "a peer silent this long has its hosts expire here (raised to twice peer_refresh if shorter)", NULL, NULL },
	{ "peer_tombstone", CT_CONF_DURATION, OFF(peer_tombstone), 6 * MS_S, 30 * MS_D, "6m",
	  "how long a deletion is kept for a peer that missed it (raised to twice peer_lease if shorter)", NULL, NULL },
};

const struct ct_conf_table ct_dconf_table = { dconf_opts, CT_ARRAY_LEN(dconf_opts) };

/* ---- machine-dependent defaults ---- */

static void add_range_cidrs(struct ct_cidr_list *l, uint32_t lo, uint32_t hi)
{
	/* the smallest set of aligned blocks covering [lo, hi] */
	while (lo <= hi) {
		unsigned size = 0;
		struct ct_cidr c = { .family = AF_INET };
		uint32_t n;

		while (size < 32) {
			uint64_t blk = 1ULL << (size + 1);
			if ((lo & (blk - 1)) != 0 || (uint64_t)lo + blk - 1 > hi)
				break;
			size++;
		}
		c.prefix = 32 - size;
		n = htonl(lo);
		memcpy(c.addr, &n, 4);
		ct_cidr_list_add(l, &c);
		if ((uint64_t)lo + (1ULL << size) > 0xffffffffULL)
			break;
		lo += (uint32_t)(1ULL << size);
	}
}

static void allow_from_targets(struct ct_cidr_list *l, const struct ct_strlist *t)
{
	struct ct_targets ts;
	char err[256];

	ct_targets_init(&ts, (size_t)-1);
	for (size_t i = 0; i < t->n; i++)
		if (ct_targets_add(&ts, t->v[i], err, sizeof err) != 0)
			log_debug("allow: %s", err);
	for (size_t i = 0; i < ts.n; i++) {
		if (ts.v[i].kind == CT_TARGET_V4) {
			uint32_t lo = ts.v[i].lo, hi = ts.v[i].hi;
			uint64_t size = (uint64_t)hi - lo + 3;
			/* a.b.c.* and CIDR items leave out network and broadcast: allow the whole block */
			if (lo > 0 && hi < 0xffffffffu && (size & (size - 1)) == 0 && ((lo - 1) & (size - 1)) == 0) {
				lo--;
				hi++;
			}
			add_range_cidrs(l, lo, hi);
		}
		else if (ts.v[i].kind == CT_TARGET_V6) {
			struct ct_cidr c = { .family = AF_INET6, .prefix = ts.v[i].plen6 };
			memcpy(c.addr, ts.v[i].ip6, 16);
			ct_cidr_list_add(l, &c);
		}
	}
	ct_targets_fini(&ts);
}

static void allow_own_networks(struct ct_cidr_list *l)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) != 0) {
		log_warn("cannot list the local networks (%s); allow only what is configured", strerror(errno));
		return;
	}
	for (i = ifa; i; i = i->ifa_next) {
		struct ct_cidr c = { 0 };
		const uint8_t *mask;
		unsigned bits = 0, len;

		if (!i->ifa_addr || !i->ifa_netmask)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			c.family = AF_INET;
			memcpy(c.addr, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
			mask = (const uint8_t *)&((struct sockaddr_in *)(void *)i->ifa_netmask)->sin_addr;
			len = 4;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			c.family = AF_INET6;
			memcpy(c.addr, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
			mask = (const uint8_t *)&((struct sockaddr_in6 *)(void *)i->ifa_netmask)->sin6_addr;
			len = 16;
		} else
			continue;
		for (unsigned k = 0; k < len; k++)
			for (unsigned b = 0; b < 8; b++)
				bits += (mask[k] >> b) & 1;
		c.prefix = bits;
		for (unsigned k = 0; k < len; k++)
			c.addr[k] &= mask[k];
		ct_cidr_list_add(l, &c);
	}
	freeifaddrs(ifa);
}

/* Loopback, this machine's networks and the notify and search targets (allow and accept defaults). */
static void add_local_sites(struct ct_cidr_list *l, const struct ct_daemon_conf *conf)
{
	struct ct_cidr lo4, lo6;

	ct_cidr_parse("127.0.0.0/8", &lo4);
	ct_cidr_parse("::1/128", &lo6);
	ct_cidr_list_add(l, &lo4);
	ct_cidr_list_add(l, &lo6);
	allow_own_networks(l);
	allow_from_targets(l, &conf->notify);
	allow_from_targets(l, &conf->search);
}

int ct_dconf_finalize(struct ct_daemon_conf *conf, struct ct_sbuf *errs)
{
	(void)errs;
	if (!conf->host_name || !conf->host_name[0]) {
		char h[256] = "";
		if (gethostname(h, sizeof h - 1) != 0 || !h[0])
			ct_strlcpy(h, "localhost", sizeof h);
		for (char *p = h; *p; p++)
			if (*p == ':')
				*p = '_';
		free(conf->host_name);
		conf->host_name = strdup(h);
		if (!conf->host_name)
			return CT_ENOMEM;
	}
	if (!conf->user) {
		conf->user = strdup(getpwnam("camtraced") ? "camtraced" : "nobody");
		if (!conf->user)
			return CT_ENOMEM;
	}
	if (conf->allow.n == 0) {
		conf->allow_auto = 1;
		add_local_sites(&conf->allow, conf);
		if (conf->server && conf->server[0]) {
			struct ct_strlist one = { 1, &conf->server };
			allow_from_targets(&conf->allow, &one);
		}
	}
	if (conf->accept.n == 0) {
		conf->accept_auto = 1;
		add_local_sites(&conf->accept, conf);
		for (size_t i = 0; i < conf->allow.n; i++)
			ct_cidr_list_add(&conf->accept, &conf->allow.v[i]);
	}
	return 0;
}

int ct_dconf_load(struct ct_daemon_conf *conf, const char *path, struct ct_sbuf *errs)
{
	int r, r2;

	memset(conf, 0, sizeof *conf);
	r = ct_conf_defaults(&ct_dconf_table, conf, errs);
	if (r == 0 && path)
		r = ct_conf_parse_file(&ct_dconf_table, conf, path, errs);
	r2 = ct_dconf_finalize(conf, errs);
	return r ? r : r2;
}

void ct_dconf_print(const struct ct_daemon_conf *conf, struct ct_sbuf *out)
{
	ct_sbuf_adds(out, "# camtraced effective configuration (defaults included)\n");
	ct_conf_print(&ct_dconf_table, conf, out);
	if (conf->allow_auto)
		ct_sbuf_adds(out, "# allow above was computed: own networks, loopback and the configured sites\n");
}

void ct_dconf_free(struct ct_daemon_conf *conf)
{
	ct_conf_free(&ct_dconf_table, conf);
	conf->allow_auto = 0;
	conf->accept_auto = 0;
}

/* ---- what the start needs from the system (-n checks the same) ---- */

size_t ct_dconf_files(const struct ct_daemon_conf *c, const char *pidfile, struct ct_dconf_file out[4])
{
	size_t n = 0;

	out[n++] = (struct ct_dconf_file){ "state_file", c->state_file, CT_DCONF_DEFAULT_STATE };
	if (c->log && c->log[0] == '/')
		out[n++] = (struct ct_dconf_file){ "log", c->log, CT_DCONF_LOG_DIR "/camtraced.log" };
	if (!pidfile)
		pidfile = c->pidfile;
	if (pidfile && pidfile[0])
		out[n++] = (struct ct_dconf_file){ "pidfile", pidfile, CT_DCONF_DEFAULT_PIDFILE };
	out[n++] = (struct ct_dconf_file){ "ctl_socket", c->ctl_socket, CT_DCONF_DEFAULT_CTL };
	return n;
}

int ct_dconf_dir_dedicated(const char *dir)
{
	return strcmp(dir, CT_DCONF_STATE_DIR) == 0 || strcmp(dir, CT_DCONF_RUN_DIR) == 0 ||
		strcmp(dir, CT_DCONF_LOG_DIR) == 0;
}

unsigned ct_dconf_line(const char *path, const char *keyword)
{
	FILE *fp = path ? fopen(path, "r") : NULL;
	char buf[4096];
	unsigned line = 0, found = 0;
	size_t kl = strlen(keyword);

	if (!fp)
		return 0;
	while (fgets(buf, sizeof buf, fp)) {
		const char *p = buf;
		line++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, keyword, kl) == 0 && (p[kl] == ' ' || p[kl] == '\t' || p[kl] == '='))
			found = line;
		while (!strchr(buf, '\n') && fgets(buf, sizeof buf, fp)) /* the rest of a long line */
			;
	}
	fclose(fp);
	return found;
}

/* "FILE:LINE: " or "FILE: KEYWORD (default) " before a message about keyword. */
static void where(struct ct_sbuf *errs, const char *path, const char *keyword)
{
	unsigned line = ct_dconf_line(path, keyword);

	if (line)
		ct_sbuf_printf(errs, "%s:%u: ", path ? path : "(defaults)", line);
	else
		ct_sbuf_printf(errs, "%s: (default) ", path ? path : "(defaults)");
}

static void owner_name(uid_t uid, char *out, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		ct_strlcpy(out, pw->pw_name, len);
	else
		snprintf(out, len, "uid %u", (unsigned)uid);
}

/* One file's directory: may camtraced make it its own? */
static int check_file_dir(const struct ct_dconf_file *f, const struct passwd *pw, const char *path,
	struct ct_sbuf *errs)
{
	enum ct_fs_claim how;
	struct stat sb;
	char dir[4096], err[512], owner[64];
	int r;

	ct_fs_dirname(f->path, dir, sizeof dir);
	r = ct_fs_dir_claim(dir, pw->pw_uid, 0750, ct_dconf_dir_dedicated(dir), 1, &how, err, sizeof err);
	if (r == 0)
		return 0;
	where(errs, path, f->keyword);
	if (how == CT_FS_CLAIM_FOREIGN && lstat(dir, &sb) == 0) {
		owner_name(sb.st_uid, owner, sizeof owner);
		ct_sbuf_printf(errs, "%s %s: the directory %s belongs to %s and camtraced did not create it; it never "
			"takes over a directory it did not create (its user %s would own what else is there): put %s "
			"in a directory of camtraced's own, e.g. %s (a missing directory is created for %s), or, if %s "
			"is for camtraced alone, give it to %s yourself (chown %s %s)\n", f->keyword, f->path, dir, owner,
			pw->pw_name, f->keyword, f->example, pw->pw_name, dir, pw->pw_name, pw->pw_name, dir);
	} else if (how == CT_FS_CLAIM_BAD) {
		ct_sbuf_printf(errs, "%s %s: %s; camtraced refuses it: write the real directory, e.g. %s\n",
			f->keyword, f->path, err, f->example);
	} else {
		ct_sbuf_printf(errs, "%s %s: %s: choose a place camtraced can write (under systemd: in the unit's "
			"ReadWritePaths, e.g. %s)\n", f->keyword, f->path, err, f->example);
	}
	return CT_ECONFIG;
}

/* Not started as root (User= in the unit): the start makes a missing directory as this user, so
 * the directory, or the nearest one that exists, must be writable by it. */
static int check_dir_as_self(const struct ct_dconf_file *f, const char *path, struct ct_sbuf *errs)
{
	char dir[4096], up[4096], next[4096];
	int e;

	ct_fs_dirname(f->path, dir, sizeof dir);
	ct_strlcpy(up, dir, sizeof up);
	while (access(up, F_OK) != 0 && strcmp(up, "/") != 0 && strcmp(up, ".") != 0) {
		ct_fs_dirname(up, next, sizeof next);
		ct_strlcpy(up, next, sizeof up);
	}
	if (access(up, W_OK | X_OK) == 0)
		return 0;
	e = errno;
	where(errs, path, f->keyword);
	if (strcmp(up, dir) == 0)
		ct_sbuf_printf(errs, "%s %s: cannot write in %s: %s", f->keyword, f->path, dir, strerror(e));
	else
		ct_sbuf_printf(errs, "%s %s: cannot create %s in %s: %s", f->keyword, f->path, dir, up, strerror(e));
	ct_sbuf_printf(errs, ": choose a place camtraced can write (under systemd: in the unit's ReadWritePaths, "
		"e.g. %s)\n", f->example);
	return CT_ECONFIG;
}

/* The file itself, as the start opens it: never through a link, only of the expected kind. */
static int check_file_itself(const struct ct_dconf_file *f, const char *path, unsigned flags, struct ct_sbuf *errs)
{
	int pid = strcmp(f->keyword, "pidfile") == 0;
	struct stat sb;

	/* a bad state file is moved aside at the start; the pid file's are refused by pidfile.c then */
	if (strcmp(f->keyword, "state_file") == 0 || (pid && !(flags & CT_DCONF_CHECK_PIDFILE)) ||
	    lstat(f->path, &sb) != 0)
		return 0;
	if (strcmp(f->keyword, "ctl_socket") == 0) {
		if (S_ISSOCK(sb.st_mode))
			return 0;
		where(errs, path, f->keyword);
		ct_sbuf_printf(errs, "ctl_socket %s exists and is not a socket; remove it or set ctl_socket elsewhere\n",
			f->path);
		return CT_ECONFIG;
	}
	if (S_ISREG(sb.st_mode) && (!pid || sb.st_nlink == 1))
		return 0;
	where(errs, path, f->keyword);
	if (S_ISLNK(sb.st_mode))
		ct_sbuf_printf(errs, "%s %s is a symbolic link; refusing to follow it (remove it: whoever can write that "
			"directory could point it at any file)\n", f->keyword, f->path);
	else if (!S_ISREG(sb.st_mode))
		ct_sbuf_printf(errs, "%s %s is not a regular file; remove it, or set %s to another path\n", f->keyword,
			f->path, f->keyword);
	else
		ct_sbuf_printf(errs, "%s %s has %lu hard links; refusing to write through a link (remove it and check "
			"who made the link)\n", f->keyword, f->path, (unsigned long)sb.st_nlink);
	return CT_ECONFIG;
}

int ct_dconf_check_system(const struct ct_daemon_conf *c, const char *path, const char *pidfile, unsigned flags,
	struct ct_sbuf *errs)
{
	struct ct_dconf_file files[4];
	struct passwd *pw;
	size_t n = ct_dconf_files(c, pidfile, files);
	int r = 0;

	if (!(pw = getpwnam(c->user))) {
		where(errs, path, "user");
		ct_sbuf_printf(errs, "user '%s' does not exist: create it (useradd --system --no-create-home "
			"--shell /usr/sbin/nologin %s) or set `user` to an existing account\n", c->user, c->user);
		r = CT_ECONFIG;
	}
	if (c->ctl_group && c->ctl_group[0] && !getgrnam(c->ctl_group)) {
		where(errs, path, "ctl_group");
		ct_sbuf_printf(errs, "ctl_group '%s' does not exist: create it (groupadd --system %s) or leave "
			"ctl_group empty (the group of `user`)\n", c->ctl_group, c->ctl_group);
		r = CT_ECONFIG;
	}
	if (c->coop && !c->rtp_echo) {
		where(errs, path, "coop");
		ct_sbuf_printf(errs, "coop = yes needs rtp_echo = yes (cooperative requests come in on the RTP "
			"echo ports): add `rtp_echo = yes`, or set `coop = no`\n");
		r = CT_ECONFIG;
	}
	for (size_t i = 0; i < n; i++)
		if (check_file_itself(&files[i], path, flags, errs) != 0)
			r = CT_ECONFIG;
	if (!(flags & CT_DCONF_CHECK_AS_ROOT)) {
		for (size_t i = 0; (flags & CT_DCONF_CHECK_PIDFILE) && i < n; i++)
			if (check_dir_as_self(&files[i], path, errs) != 0)
				r = CT_ECONFIG;
		return r;
	}
	if (!pw || pw->pw_uid == 0)
		return r;
	/* getpwnam's static buffer: keep what we need */
	struct passwd me = *pw;
	char name[256];
	ct_strlcpy(name, pw->pw_name, sizeof name);
	me.pw_name = name;
	for (size_t i = 0; i < n; i++)
		if (check_file_dir(&files[i], &me, path, errs) != 0)
			r = CT_ECONFIG;
	return r;
}
