/* node.c: the IP Messenger protocol node's core: identity, this machine's addresses, sending, the hook lists (node-run.c receives and dispatches). */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "charset.h"
#include "clock.h"
#include "codec.h"
#include "entry.h"
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "node-int.h"
#include "pktno.h"
#include "util.h"

uint32_t ct_node_next_packetno(struct ct_node *n)
{
	/* unique across processes and runs (camtraced drops a repeated number as a duplicate) */
	return ct_pktno_next(&n->last_pkt);
}

/* ---- this machine's addresses ---- */

void ct_node_scan_interfaces(struct ct_node *n, uint32_t bound)
{
	struct ifaddrs *ifa = NULL;

	free(n->bcast);
	n->bcast = NULL;
	n->nbcast = 0;
	n->nnets = 0;
	if (getifaddrs(&ifa) != 0) {
		log_warn("getifaddrs: %s; broadcasting to 255.255.255.255", strerror(errno));
		ifa = NULL;
	}
	for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP))
			continue;
		struct ct_haddr a, m;
		ct_haddr_from_sa(&a, i->ifa_addr);
		if (i->ifa_netmask)
			ct_haddr_from_sa(&m, i->ifa_netmask);
		else
			ct_haddr_set_v4(&m, 0xFFFFFFFFu, 0);
		if (n->nnets < CT_ARRAY_LEN(n->nets)) {
			n->nets[n->nnets].addr = ct_haddr_v4(&a);
			n->nets[n->nnets].mask = ct_haddr_v4(&m);
			n->nnets++;
		}
		/* bound to one address: only that interface's broadcast can be sent */
		if ((i->ifa_flags & IFF_BROADCAST) && !(i->ifa_flags & IFF_LOOPBACK) && i->ifa_broadaddr &&
		    (bound == 0 || bound == ct_haddr_v4(&a))) {
			struct ct_haddr *nb = realloc(n->bcast, (n->nbcast + 1) * sizeof *nb);
			if (!nb)
				break;
			n->bcast = nb;
			ct_haddr_from_sa(&nb[n->nbcast], i->ifa_broadaddr);
			nb[n->nbcast].port = n->port;
			n->nbcast++;
		}
	}
	if (ifa)
		freeifaddrs(ifa);
	if (n->nbcast == 0 && bound == 0 && (n->bcast = malloc(sizeof *n->bcast))) {
		ct_haddr_set_v4(&n->bcast[0], 0xFFFFFFFFu, n->port);
		n->nbcast = 1;
	}
}

int ct_node_is_local(const struct ct_node *n, const struct ct_haddr *a)
{
	uint32_t v = ct_haddr_v4(a);

	if (a->family != AF_INET)
		return 0;
	for (size_t i = 0; i < n->nnets; i++)
		if ((v & n->nets[i].mask) == (n->nets[i].addr & n->nets[i].mask))
			return 1;
	return 0;
}

size_t ct_node_networks(const struct ct_node *n, uint32_t *addrs, unsigned *plens, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n->nnets && k < max; i++) {
		if ((n->nets[i].addr >> 24) == 127)
			continue;
		addrs[k] = n->nets[i].addr;
		plens[k] = (unsigned)__builtin_popcount(n->nets[i].mask);
		k++;
	}
	return k;
}

static int is_own_addr(const struct ct_node *n, const struct ct_haddr *a)
{
	uint32_t v = ct_haddr_v4(a);

	for (size_t i = 0; i < n->nnets; i++)
		if (n->nets[i].addr == v)
			return 1;
	return 0;
}

int ct_node_is_self(const struct ct_node *n, const struct ct_haddr *from, const char *user,
	const char *host)
{
	if (from->port != n->port || !is_own_addr(n, from))
		return 0;
	return (strcmp(user, n->user) == 0 || strcmp(user, n->user_cp) == 0) &&
		(strcmp(host, n->host) == 0 || strcmp(host, n->host_cp) == 0);
}

/* ---- identity ---- */

static char *dup_clean(const char *s)
{
	char *d = strdup(s ? s : "");

	if (d)
		ct_codec_name_sanitize(d);
	return d;
}

void ct_node_free_identity(struct ct_node *n)
{
	free(n->user);
	free(n->host);
	free(n->nick);
	free(n->group);
	free(n->absence_text);
	free(n->user_cp);
	free(n->host_cp);
	n->user = n->host = n->nick = n->group = n->absence_text = n->user_cp = n->host_cp = NULL;
}

int ct_node_reconf(struct ct_node *n, const struct ct_node_conf *c)
{
	ct_node_free_identity(n);
	n->conf = *c;
	n->user = dup_clean(c->user && c->user[0] ? c->user : "camtraced");
	n->host = dup_clean(c->host && c->host[0] ? c->host : "localhost");
	n->nick = strdup(c->nick ? c->nick : "");
	n->group = strdup(c->group ? c->group : "");
	n->absence_text = strdup(c->absence_text && c->absence_text[0] ? c->absence_text : "Absence mode");
	if (!n->user || !n->host || !n->nick || !n->group || !n->absence_text)
		return CT_ENOMEM;
	n->user_cp = ct_charset_encode_str(CT_CS_CP932, n->user, strlen(n->user));
	n->host_cp = ct_charset_encode_str(CT_CS_CP932, n->host, strlen(n->host));
	if (!n->user_cp || !n->host_cp)
		return CT_ENOMEM;
	n->absent = c->absent;
	n->extra_status = c->extra_status & CT_IPMSG_ALLSTAT & ~CT_IPMSG_ABSENCEOPT;
	if (!n->conf.entry_delay_ms)
		n->conf.entry_delay_ms = 250;
	if (!n->conf.max_missed)
		n->conf.max_missed = 3;
	if (n->conf.check_rate <= 0)
		n->conf.check_rate = 100;
	n->conf.user = n->conf.host = n->conf.nick = n->conf.group = n->conf.absence_text = NULL;
	n->conf.bind_addr = NULL;
	return 0;
}

uint32_t ct_node_status(const struct ct_node *n)
{
	return CT_IPMSG_CAPUTF8OPT | n->extra_status | (n->absent ? CT_IPMSG_ABSENCEOPT : 0) |
		(n->conf.keys && n->conf.crypt_capa ? CT_IPMSG_ENCRYPTOPT : 0);
}

void ct_node_self(const struct ct_node *n, struct ct_host_info *info)
{
	memset(info, 0, sizeof *info);
	info->user = n->user;
	info->host = n->host;
	info->nick = n->nick;
	info->group = n->group;
	info->status = ct_node_status(n);
	for (size_t i = 0; i < n->nnets; i++)
		if ((n->nets[i].addr >> 24) != 127) {
			ct_haddr_set_v4(&info->addr, n->nets[i].addr, n->port);
			return;
		}
	ct_haddr_set_v4(&info->addr, 0x7F000001u, n->port);
}

/* ---- sending ---- */

int ct_node_send_raw(struct ct_node *n, const struct ct_haddr *to, const void *data, size_t len)
{
	struct sockaddr_storage ss;
	unsigned sl = ct_haddr_to_sa(to, &ss);

	if (to->family != AF_INET)
		return CT_EUNSUP;
	if (ct_node_guard_out(n, to, data, len) != 0)
		return CT_EAGAIN; /* an answer over its budget: counted by the guard */
	if (sendto(n->fd, data, len, 0, (struct sockaddr *)&ss, sl) < 0) {
		char b[CT_HADDR_STRLEN];
		n->st.send_err++;
		ct_node_guard_send_error(n, to, errno);
		log_debug("sendto %s: %s", ct_haddr_str(to, b, sizeof b), strerror(errno));
		return CT_ESYS;
	}
	n->st.tx++;
	n->st.tx_bytes += len;
	return 0;
}

int ct_node_send(struct ct_node *n, const struct ct_haddr *to, uint32_t command, const void *body,
	size_t bodylen)
{
	return ct_node_send_pkt(n, to, command, ct_node_next_packetno(n), body, bodylen);
}

int ct_node_send_pkt(struct ct_node *n, const struct ct_haddr *to, uint32_t command, uint32_t packetno,
	const void *body, size_t bodylen)
{
	int utf8 = (command & CT_IPMSG_UTF8OPT) != 0;
	int r;

	ct_sbuf_reset(&n->out);
	r = ct_codec_build(&n->out, NULL, packetno, utf8 ? n->user : n->user_cp,
		utf8 ? n->host : n->host_cp, command, body, bodylen, 1);
	if (r != 0)
		return r;
	return ct_node_send_raw(n, to, n->out.p, n->out.len);
}

int ct_node_send_entry(struct ct_node *n, const struct ct_haddr *to, uint32_t mode, uint32_t extra)
{
	struct ct_entry_spec sp;
	uint32_t cmd = mode | ct_node_status(n) | extra;
	int r;

	memset(&sp, 0, sizeof sp);
	sp.form = CT_ENTRY_FORM_WIN;
	sp.user = n->user;
	sp.host = n->host;
	sp.nick = n->nick;
	sp.group = n->group;
	sp.legacy_cs = (cmd & CT_IPMSG_UTF8OPT) ? CT_CS_UTF8 : CT_CS_CP932;
	sp.nul_term = 1;
	ct_sbuf_reset(&n->out);
	if ((r = ct_entry_build(&n->out, NULL, ct_node_next_packetno(n), cmd, &sp)) != 0)
		return r;
	if ((r = ct_node_send_raw(n, to, n->out.p, n->out.len)) == 0 && CT_IPMSG_MODE(mode) == CT_IPMSG_BR_ENTRY)
		ct_node_claims_sent(n, to); /* its answer is solicited (node-claims.c) */
	return r;
}

/* ---- receiving ---- */

int ct_node_add_handler(struct ct_node *n, uint32_t mode, ct_node_mode_fn fn, void *ud)
{
	if (mode > 255)
		return CT_EINVAL;
	return ct_hooklist_add(&n->mode[mode], (ct_hook_fn)fn, ud);
}

void ct_node_remove_handler(struct ct_node *n, uint32_t mode, ct_node_mode_fn fn, void *ud)
{
	if (mode <= 255)
		ct_hooklist_remove(&n->mode[mode], (ct_hook_fn)fn, ud);
}

int ct_node_add_handlers(struct ct_node *n, const struct ct_node_handler *tab, size_t count, void *ud)
{
	for (size_t i = 0; i < count; i++) {
		int r = ct_node_add_handler(n, tab[i].mode, tab[i].fn, ud);
		if (r != 0) {
			ct_node_remove_handlers(n, tab, i, ud);
			return r;
		}
	}
	return 0;
}

void ct_node_remove_handlers(struct ct_node *n, const struct ct_node_handler *tab, size_t count, void *ud)
{
	for (size_t i = 0; i < count; i++)
		ct_node_remove_handler(n, tab[i].mode, tab[i].fn, ud);
}

int ct_node_add_observer(struct ct_node *n, ct_node_host_fn fn, void *ud)
{
	return ct_hooklist_add(&n->obs, (ct_hook_fn)fn, ud);
}

void ct_node_remove_observer(struct ct_node *n, ct_node_host_fn fn, void *ud)
{
	ct_hooklist_remove(&n->obs, (ct_hook_fn)fn, ud);
}

int ct_node_add_tap(struct ct_node *n, ct_node_tap_fn fn, void *ud)
{
	return ct_hooklist_add(&n->taps, (ct_hook_fn)fn, ud);
}

void ct_node_remove_tap(struct ct_node *n, ct_node_tap_fn fn, void *ud)
{
	ct_hooklist_remove(&n->taps, (ct_hook_fn)fn, ud);
}

const struct ct_node_stats *ct_node_stats(const struct ct_node *n) { return &n->st; }
struct ct_hosts *ct_node_hosts(const struct ct_node *n) { return n->hosts; }
struct ct_evloop *ct_node_evloop(const struct ct_node *n) { return n->ev; }
uint16_t ct_node_port(const struct ct_node *n) { return n->port; }
int ct_node_fd(const struct ct_node *n) { return n->fd; }
