/* xfer.c: the file-transfer engine: offers (ids, the attachment list, bindings to packet numbers, expiry, RELEASEFILES) and the TCP 2425 server (GETFILEDATA with offset, GETDIRFILES) on the node's event loop. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <sys/stat.h>
#include <unistd.h>
#include "attach.h"
#include "bodies.h"
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "node.h"
#include "pktno.h"
#include "targets.h"
#include "xfer-int.h"

#define REQ_WAIT_MS 5000 /* for the request after the connect */

/* One served connection: the request, then a file's bytes or a directory stream. */
struct sconn {
	struct ct_xfer *x;
	int fd;
	struct ct_haddr peer;
	char req[XFER_REQ_MAX];
	size_t reqlen;
	int phase;                /* 0 request, 1 sending, 2 sent: waiting for the peer's close,
	                           * 3 the upload test: our fetch back from the peer runs (up_get) */
	int confirm;              /* phase 2: the peer's close confirms a file or test transfer */
	uint64_t outq;            /* phase 2: bytes the peer had not acknowledged at the last look */
	uint64_t last_ms;
	uint64_t offer;           /* what it serves (looked up again: the offer may go) */
	uint32_t packetno;
	size_t fidx;
	int filefd;               /* file contents being sent */
	off_t off, end;
	struct ct_sbuf out;       /* directory headers not yet sent */
	size_t outpos;
	struct xdirwalk walk;     /* a directory's stream (xfer-dir.c) */
	uint64_t sent;
	uint64_t probe_left;      /* the test transfer: zero bytes still to send */
	int probe;
	uint64_t up_get;          /* phase 3: the fetch back */
	struct sconn *next;
};

static const char *const fstate_names[] = { "offered", "sending", "fetched", "released", "expired" };
static const char *const gstate_names[] = {
	"running", "done", "refused", "cut", "timeout", "too_much", "bad_name", "limit", "exists", "error",
	"no_connect_back", "not_tested",
};

const char *ct_xfer_fstate_name(enum ct_xfer_fstate s)
{
	return (unsigned)s < sizeof fstate_names / sizeof fstate_names[0] ? fstate_names[s] : "?";
}

const char *ct_xfer_gstate_name(enum ct_xfer_gstate s)
{
	return (unsigned)s < sizeof gstate_names / sizeof gstate_names[0] ? gstate_names[s] : "?";
}

/* ---- offers ---- */

void xfer_offer_free(struct xoffer *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->f[i].path);
		free(o->f[i].name);
	}
	for (size_t i = 0; i < o->nb; i++) {
		free(o->b[i].st);
		free(o->b[i].bytes);
	}
	free(o->f);
	free(o->b);
	free(o);
}

static void offer_unlink(struct ct_xfer *x, struct xoffer *o)
{
	for (struct xoffer **pp = &x->offers; *pp; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			x->noffers--;
			x->gen++;
			xfer_offer_free(o);
			return;
		}
}

static struct xoffer *offer_find(const struct ct_xfer *x, uint64_t id)
{
	for (struct xoffer *o = x->offers; o; o = o->next)
		if (o->id == id)
			return o;
	return NULL;
}

static struct xbind *bind_find(struct xoffer *o, uint32_t packetno)
{
	for (size_t i = 0; i < o->nb; i++)
		if (o->b[i].packetno == packetno)
			return &o->b[i];
	return NULL;
}

static int file_of(struct xoffer_file *f, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	const char *base = strrchr(path, '/'), *why;
	char *tmp = NULL;

	if (lstat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return CT_ENOTFOUND;
	}
	if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file or a directory (symlinks are not offered)", path);
		return CT_EINVAL;
	}
	/* the name is the last component ("dir/" too) */
	if (base && !base[1]) {
		tmp = strdup(path);
		if (!tmp)
			return CT_ENOMEM;
		while (strlen(tmp) > 1 && tmp[strlen(tmp) - 1] == '/')
			tmp[strlen(tmp) - 1] = 0;
		base = strrchr(tmp, '/');
	}
	base = base ? base + 1 : (tmp ? tmp : path);
	if (ct_xfer_name_check(base, &why) != 0 || strchr(base, '\a')) {
		snprintf(err, errlen, "%s: its name cannot be sent (%s)", path, why ? why : "holds \\a");
		free(tmp);
		return CT_EINVAL;
	}
	f->path = realpath(path, NULL);
	f->name = strdup(base);
	free(tmp);
	if (!f->path || !f->name)
		return CT_ENOMEM;
	f->dir = S_ISDIR(sb.st_mode);
	f->size = f->dir ? 0 : (uint64_t)sb.st_size;
	f->mtime = (uint64_t)sb.st_mtime;
	return 0;
}

int ct_xfer_offer(struct ct_xfer *x, const char *const *paths, size_t n, struct ct_sbuf *list,
	uint64_t *offer, char *err, size_t errlen)
{
	struct xoffer *o;
	int r = 0;

	if (!n || n > 1000)
		return CT_EINVAL;
	if (!(o = calloc(1, sizeof *o)) || !(o->f = calloc(n, sizeof *o->f))) {
		free(o);
		return CT_ENOMEM;
	}
	o->n = n;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct ct_attach_file af;
		if ((r = file_of(&o->f[i], paths[i], err, errlen)) != 0)
			break;
		if (o->f[i].dir && x->sized)
			o->f[i].size = xfer_dir_total(&o->f[i]);
		o->f[i].id = x->next_fileid++;
		memset(&af, 0, sizeof af);
		af.id = o->f[i].id;
		af.name = o->f[i].name;
		af.size = o->f[i].size;
		af.mtime = o->f[i].mtime;
		af.attr = o->f[i].dir ? CT_IPMSG_FILE_DIR : CT_IPMSG_FILE_REGULAR; /* iptux: exactly 1 or 2 */
		if ((r = ct_attach_list_add(list, &af, 1)) != 0)
			snprintf(err, errlen, "%s: cannot be listed (%s)", paths[i], ct_strerror(r));
	}
	if (r != 0) {
		xfer_offer_free(o);
		return r;
	}
	o->id = ++x->next_offer;
	o->made_ms = ct_evloop_now_ms(x->ev);
	o->next = x->offers;
	x->offers = o;
	if (++x->noffers > x->conf.max_offers) { /* the oldest goes */
		struct xoffer *last = x->offers;
		while (last->next)
			last = last->next;
		offer_unlink(x, last);
	}
	*offer = o->id;
	xfer_arm_sweep(x);
	return 0;
}

int ct_xfer_offer_sized(struct ct_xfer *x, const char *const *paths, size_t n, struct ct_sbuf *list,
	uint64_t *offer, char *err, size_t errlen)
{
	int r;

	x->sized = 1;
	r = ct_xfer_offer(x, paths, n, list, offer, err, errlen);
	x->sized = 0;
	return r;
}

int ct_xfer_peer_iptux(const struct ct_xfer *x, const struct ct_haddr *a)
{
	for (unsigned i = 0; i < x->niptux && i < XFER_IPTUX_MAX; i++)
		if (ct_haddr_same_ip(&x->iptux[i], a))
			return 1;
	return 0;
}

/* Every packet: an entry whose version field says "iptux" ("1_iptux 0.8.3") marks its address,
 * another entry from it unmarks it. */
static void on_tap(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_xfer *x = ud;
	uint32_t mode = rx->m->mode;
	int is = rx->m->version.len > 5 && memmem(rx->m->version.p, rx->m->version.len, "iptux", 5);
	unsigned k = x->niptux < XFER_IPTUX_MAX ? x->niptux : XFER_IPTUX_MAX;

	(void)n;
	if (mode != CT_IPMSG_BR_ENTRY && mode != CT_IPMSG_ANSENTRY && mode != CT_IPMSG_BR_ABSENCE)
		return;
	for (unsigned i = 0; i < k; i++)
		if (ct_haddr_same_ip(&x->iptux[i], &rx->from)) {
			if (!is)
				memset(&x->iptux[i], 0, sizeof x->iptux[i]);
			return;
		}
	if (is)
		x->iptux[x->niptux++ % XFER_IPTUX_MAX] = rx->from;
}

int ct_xfer_offer_bind(struct ct_xfer *x, uint64_t offer, uint32_t packetno, const struct ct_haddr *to)
{
	struct xoffer *o = offer_find(x, offer);
	struct xbind *b, *nb;

	if (!o)
		return CT_ENOTFOUND;
	if (!(nb = realloc(o->b, (o->nb + 1) * sizeof *o->b)))
		return CT_ENOMEM;
	o->b = nb;
	b = &o->b[o->nb];
	memset(b, 0, sizeof *b);
	b->packetno = packetno;
	b->to = *to;
	b->st = calloc(o->n, sizeof *b->st);
	b->bytes = calloc(o->n, sizeof *b->bytes);
	if (!b->st || !b->bytes) {
		free(b->st);
		free(b->bytes);
		return CT_ENOMEM;
	}
	o->nb++;
	x->gen++;
	return 0;
}

void ct_xfer_offer_drop(struct ct_xfer *x, uint64_t offer)
{
	struct xoffer *o = offer_find(x, offer);

	if (o)
		offer_unlink(x, o);
}

int ct_xfer_offer_state(const struct ct_xfer *x, uint64_t offer, uint32_t packetno,
	enum ct_xfer_fstate *st, uint64_t *bytes, size_t max)
{
	struct xoffer *o = offer_find(x, offer);
	struct xbind *b = o ? bind_find(o, packetno) : NULL;

	if (!b)
		return CT_ENOTFOUND;
	for (size_t i = 0; i < o->n && i < max; i++) {
		st[i] = b->st[i];
		if (bytes)
			bytes[i] = b->bytes[i];
	}
	return (int)o->n;
}

int ct_xfer_offer_names(const struct ct_xfer *x, uint64_t offer, const char **names, size_t max)
{
	struct xoffer *o = offer_find(x, offer);

	if (!o)
		return CT_ENOTFOUND;
	for (size_t i = 0; i < o->n && i < max; i++)
		names[i] = o->f[i].name;
	return (int)o->n;
}

static void on_release(struct ct_node *n, const struct ct_node_rx *rx, void *ud)
{
	struct ct_xfer *x = ud;
	uint32_t pkt;

	(void)n;
	if (!rx->m->nsec || ct_body_pktno_parse(rx->m->sec[0].p, rx->m->sec[0].len, &pkt) != 0)
		return;
	for (struct xoffer *o = x->offers; o; o = o->next) {
		struct xbind *b = bind_find(o, pkt);
		if (!b || !ct_haddr_same_ip(&b->to, &rx->from))
			continue;
		for (size_t i = 0; i < o->n; i++)
			if (b->st[i] == CT_XFER_OFFERED) {
				b->st[i] = CT_XFER_RELEASED;
				x->gen++;
			}
		log_info("files of message %u released by %s", pkt, ct_haddr_str(&rx->from, (char[CT_HADDR_STRLEN]){ 0 }, CT_HADDR_STRLEN));
	}
}

/* ---- serving ---- */

static void sconn_close(struct sconn *c)
{
	struct ct_xfer *x = c->x;

	if (c->up_get)
		ct_xfer_get_cancel(x, c->up_get);
	ct_evloop_del_fd(x->ev, c->fd);
	close(c->fd);
	if (c->filefd >= 0)
		close(c->filefd);
	xfer_dir_fini(&c->walk);
	ct_sbuf_fini(&c->out);
	for (struct sconn **pp = &x->sconns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	x->nconns--;
	free(c);
}

static void refuse(struct sconn *c, const char *why)
{
	char a[CT_HADDR_STRLEN];

	c->x->st.serve_refused++;
	log_limited(CT_LOG_NOTICE, "file request from %s refused: %s", ct_haddr_str(&c->peer, a, sizeof a), why);
	sconn_close(c);
}

/* Bytes written to the socket that the peer has not acknowledged (SIOCOUTQ: unsent and unacked;
 * after shutdown(SHUT_WR) our FIN counts one more, until it is acknowledged). */
static uint64_t unacked(const struct sconn *c)
{
	int n = 0;

	if (ioctl(c->fd, SIOCOUTQ, &n) != 0 || n < 0)
		return 0;
	return (uint64_t)n;
}

/* The state of the file served; bytes: what the peer acknowledged (c->sent less the unacked). */
static void set_state(struct sconn *c, enum ct_xfer_fstate s)
{
	struct xoffer *o = offer_find(c->x, c->offer);
	struct xbind *b = o ? bind_find(o, c->packetno) : NULL;
	uint64_t q = s == CT_XFER_FETCHED || s == CT_XFER_SENDING ? 0 : unacked(c);

	if (c->phase == 2 && q > 0)
		q--; /* our FIN */
	if (b && c->fidx < o->n) {
		c->x->gen += b->st[c->fidx] != s;
		b->st[c->fidx] = s;
		b->bytes[c->fidx] = c->sent > q ? c->sent - q : 0;
	}
}

/* Phase 2 ended: the peer closed (how: 0 EOF, else an errno), or the idle limit passed (ETIMEDOUT).
 * Only an EOF after the peer acknowledged every byte confirms the transfer (fetched, counted);
 * a reset, a close with bytes unacknowledged or the timeout leave the file offered. */
static void sent_end(struct sconn *c, int how)
{
	struct ct_xfer *x = c->x;
	struct xoffer *o;
	uint64_t q = unacked(c);
	char a[CT_HADDR_STRLEN];

	if (c->confirm && how == 0 && q <= 1) {
		x->st.served++;
		x->st.serve_bytes += c->sent;
		if (!c->probe)
			set_state(c, CT_XFER_FETCHED);
	} else if (c->confirm) {
		o = c->probe ? NULL : offer_find(x, c->offer);
		log_notice("%s to %s not confirmed: %s with %llu of %llu bytes unacknowledged%s",
			o && c->fidx < o->n ? o->f[c->fidx].name : "test transfer", ct_haddr_str(&c->peer, a, sizeof a),
			how == ETIMEDOUT ? "no close from the peer in time" : how ? strerror(how) : "the peer closed",
			(unsigned long long)(q ? q - 1 : 0), (unsigned long long)c->sent, c->probe ? "" : "; still offered");
		if (!c->probe)
			set_state(c, CT_XFER_OFFERED);
	}
	sconn_close(c);
}

/* The test transfer: zeros; 1 when all are out. */
static int pump_probe(struct sconn *c)
{
	static const char zeros[64 << 10];
	size_t budget = XFER_TURN;

	while (c->probe_left > 0 && budget > 0) {
		size_t n = c->probe_left < sizeof zeros ? (size_t)c->probe_left : sizeof zeros;
		ssize_t w = send(c->fd, zeros, n, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->probe_left -= (uint64_t)w;
		c->sent += (uint64_t)w;
		budget -= (size_t)w < budget ? (size_t)w : budget;
	}
	return c->probe_left == 0;
}

/* Sends what can be sent now; 1 when everything is out. */
static int pump(struct sconn *c, const struct xoffer_file *f)
{
	size_t budget = XFER_TURN;

	for (;;) {
		if (c->outpos < c->out.len) {
			ssize_t w = send(c->fd, c->out.p + c->outpos, c->out.len - c->outpos, MSG_NOSIGNAL);
			if (w < 0)
				return errno == EAGAIN || errno == EINTR ? 0 : -1;
			c->outpos += (size_t)w;
			c->sent += (uint64_t)w;
			if (c->outpos < c->out.len)
				return 0;
			ct_sbuf_reset(&c->out);
			c->outpos = 0;
		}
		if (c->filefd >= 0 && c->off < c->end) {
			size_t want = (size_t)(c->end - c->off) < budget ? (size_t)(c->end - c->off) : budget;
			ssize_t w = sendfile(c->fd, c->filefd, &c->off, want);
			if (w < 0)
				return errno == EAGAIN || errno == EINTR ? 0 : -1;
			if (w == 0) /* the file shrank: the announced size cannot be kept */
				return -1;
			c->sent += (uint64_t)w;
			budget -= (size_t)w < budget ? (size_t)w : budget;
			if (!budget)
				return 0;
			continue;
		}
		if (c->filefd >= 0) {
			close(c->filefd);
			c->filefd = -1;
		}
		if (!f->dir)
			return 1;
		{
			int r = xfer_dir_next(&c->walk, f, &c->out, &c->filefd, &c->end);
			c->off = 0;
			if (r != 0)
				return r;
		}
	}
}

/* The upload test's fetch back ended: its result, one line, on the request's connection. */
static void on_upback(struct ct_xfer *x, uint64_t id, const struct ct_xfer_get_result *r, void *ud)
{
	struct sconn *c = ud;
	char line[300];
	int len;

	(void)id;
	c->up_get = 0;
	len = snprintf(line, sizeof line, "%s %llu %llu %s\n",
		r->state != CT_XFER_G_DONE && !r->connected ? "no_connect_back" : ct_xfer_gstate_name(r->state),
		(unsigned long long)r->bytes, (unsigned long long)r->ms, r->error);
	if (send(c->fd, line, (size_t)len, MSG_NOSIGNAL) != len) {
		sconn_close(c);
		return;
	}
	x->st.served++;
	shutdown(c->fd, SHUT_WR);
	c->phase = 2;
	c->last_ms = ct_evloop_now_ms(x->ev);
}

/* The upload test asked by an allowed peer: fetch size test bytes back from its TCP 2425. */
static int start_up(struct sconn *c, uint64_t size)
{
	struct ct_xfer_get_req g;

	memset(&g, 0, sizeof g);
	g.peer = c->peer;
	g.peer.port = CT_IPMSG_PORT;
	g.fileid = CT_XFER_PROBE_ID;
	g.size = size;
	g.discard = 1;
	g.connect_ms = CT_XFER_CONNECT_BACK_MS;
	if (ct_xfer_get(c->x, &g, on_upback, c, &c->up_get) != 0) {
		refuse(c, "no room for the connection back");
		return -1;
	}
	c->phase = 3;
	return 0;
}

/* 1 when an unknown packet number is one this node used before it started (packet numbers go up
 * across runs: pktno.h), at most the longest offer_expiry ago. */
static int before_run(const struct ct_xfer *x, uint32_t pkt)
{
	uint32_t age = x->first_pkt - pkt;

	return pkt && pkt < x->first_pkt && age <= 30u * 86400u * CT_PKTNO_HZ;
}

static int start(struct sconn *c)
{
	struct ct_xfer *x = c->x;
	struct ct_ipmsg m;
	struct ct_attach_req rq;
	struct xoffer *o = NULL;
	struct xbind *b = NULL;
	struct xoffer_file *f = NULL;
	int r;

	r = ct_codec_parse(&m, c->req, c->reqlen);
	if (r != 0 || (m.mode != CT_IPMSG_GETFILEDATA && m.mode != CT_IPMSG_GETDIRFILES) || !m.nsec ||
		ct_attach_req_parse(m.sec[0].p, m.sec[0].len, &rq) != 0) {
		ct_codec_fini(&m);
		refuse(c, "not a GETFILEDATA or GETDIRFILES request");
		return -1;
	}
	if (m.mode == CT_IPMSG_GETFILEDATA && rq.packetno == 0 &&
		(rq.fileid == CT_XFER_PROBE_ID || rq.fileid == CT_XFER_PROBE_UP_ID)) {
		ct_codec_fini(&m);
		if (!x->conf.probe_allow || !ct_targets_match(x->conf.probe_allow, &c->peer) || !rq.has_offset ||
			rq.offset > CT_XFER_PROBE_MAX) {
			refuse(c, !x->conf.probe_allow || !ct_targets_match(x->conf.probe_allow, &c->peer) ?
				"a test transfer from outside allow" : "a test transfer of more than 1 GiB");
			return -1;
		}
		if (rq.fileid == CT_XFER_PROBE_UP_ID)
			return start_up(c, rq.offset);
		c->probe = 1;
		c->probe_left = rq.offset;
		c->phase = 1;
		ct_evloop_mod_fd(x->ev, c->fd, CT_EV_WRITE);
		return 0;
	}
	for (o = x->offers; o && !b; o = b ? o : o->next)
		b = bind_find(o, rq.packetno);
	if (b)
		for (size_t i = 0; i < o->n; i++)
			if (o->f[i].id == rq.fileid) {
				f = &o->f[i];
				c->fidx = i;
			}
	if (!b || !f || !ct_haddr_same_ip(&b->to, &c->peer) || b->st[c->fidx] == CT_XFER_RELEASED ||
		b->st[c->fidx] == CT_XFER_EXPIRED || (m.mode == CT_IPMSG_GETDIRFILES) != f->dir) {
		ct_codec_fini(&m);
		refuse(c, !b && before_run(x, rq.packetno) ? "an offer of an earlier run that this one "
			"does not have (its state file did not keep it): the sender must send the file again" : !b || !f ? "unknown packet number or file id" : !ct_haddr_same_ip(&b->to, &c->peer) ?
			"not the recipient's address" : (m.mode == CT_IPMSG_GETDIRFILES) != f->dir ?
			"wrong request for the file's type" : "released or expired");
		return -1;
	}
	ct_codec_fini(&m);
	c->offer = o->id;
	c->packetno = rq.packetno;
	if (!f->dir) {
		struct stat sb;
		c->filefd = open(f->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (c->filefd < 0 || fstat(c->filefd, &sb) != 0 || (uint64_t)sb.st_size != f->size ||
			(rq.has_offset && rq.offset > f->size)) {
			refuse(c, c->filefd < 0 ? "the file cannot be opened" : "the file changed, or offset beyond its end");
			return -1;
		}
		c->off = rq.has_offset ? (off_t)rq.offset : 0;
		c->end = (off_t)f->size;
	}
	c->phase = 1;
	set_state(c, CT_XFER_SENDING);
	ct_evloop_mod_fd(x->ev, c->fd, CT_EV_WRITE);
	return 0;
}

static void on_sconn(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct sconn *c = ud;
	struct xoffer *o;
	int r;

	(void)fd;
	c->last_ms = ct_evloop_now_ms(ev);
	if (c->phase == 0) {
		ssize_t got = recv(c->fd, c->req + c->reqlen, sizeof c->req - c->reqlen, 0);
		if (got <= 0) {
			if (got == 0 || (errno != EAGAIN && errno != EINTR))
				sconn_close(c);
			return;
		}
		c->reqlen += (size_t)got;
		/* a request ends with its NUL (ours, Windows, iptux); a full buffer without one is refused */
		if (!memchr(c->req, 0, c->reqlen)) {
			if (c->reqlen == sizeof c->req)
				refuse(c, "request too long");
			return;
		}
		c->reqlen = strlen(c->req);
		if (start(c) != 0 || c->phase == 3)
			return;
	}
	if (c->phase == 2 || c->phase == 3) { /* 3: the peer closing ends the fetch back */
		char sink[512];
		ssize_t got = recv(c->fd, sink, sizeof sink, 0);
		if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
			sent_end(c, got == 0 ? 0 : errno);
		return;
	}
	if ((events & CT_EV_ERROR) && !(events & CT_EV_WRITE)) {
		set_state(c, CT_XFER_OFFERED);
		sconn_close(c);
		return;
	}
	o = c->probe ? NULL : offer_find(c->x, c->offer);
	if (!o && !c->probe) {
		sconn_close(c);
		return;
	}
	if (c->probe)
		c->x->probe_ms = c->last_ms;
	r = c->probe ? pump_probe(c) : pump(c, &o->f[c->fidx]);
	if (r < 0) { /* the peer closed early (the next try may resume) */
		set_state(c, CT_XFER_OFFERED);
		sconn_close(c);
		return;
	}
	if (r == 1) {
		/* everything is in the socket, not yet at the peer: the receiver closes after the last
		 * byte (iptux, Windows, xfer-get.c), so its EOF, with every byte acknowledged, confirms
		 * the transfer (sent_end); until then the file stays "sending" */
		shutdown(c->fd, SHUT_WR);
		c->phase = 2;
		c->confirm = 1;
		c->outq = unacked(c);
		ct_evloop_mod_fd(ev, c->fd, CT_EV_READ);
	}
}

static void on_accept(struct ct_node *n, int fd, const struct ct_haddr *from, void *ud)
{
	struct ct_xfer *x = ud;
	struct sconn *c;

	(void)n;
	if (x->nconns >= x->conf.max_conns || !(c = calloc(1, sizeof *c))) {
		x->st.serve_refused++;
		close(fd);
		return;
	}
	c->x = x;
	c->fd = fd;
	c->peer = *from;
	c->filefd = -1;
	c->last_ms = ct_evloop_now_ms(x->ev);
	ct_sbuf_init(&c->out);
	if (ct_evloop_add_fd(x->ev, fd, CT_EV_READ, on_sconn, c) != 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = x->sconns;
	x->sconns = c;
	x->nconns++;
	xfer_arm_sweep(x);
}

/* ---- upkeep ---- */

static void on_sweep(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_xfer *x = ud;
	uint64_t now = ct_evloop_now_ms(ev);
	struct sconn *c, *cn;
	struct xoffer *o, *on;

	(void)id;
	x->t_sweep = 0;
	for (c = x->sconns; c; c = cn) {
		cn = c->next;
		/* a connection that sends no request is dropped sooner (a port check, a scanner) */
		uint64_t lim = c->phase == 0 && x->conf.idle_ms > REQ_WAIT_MS ? REQ_WAIT_MS : x->conf.idle_ms;
		if (c->phase == 2 && c->confirm && unacked(c) < c->outq) { /* the peer still takes bytes */
			c->outq = unacked(c);
			c->last_ms = now;
		}
		if (c->phase != 3 && now - c->last_ms >= lim) { /* 3: the fetch back has its own timeouts */
			if (c->phase == 2) {
				sent_end(c, ETIMEDOUT);
				continue;
			}
			if (c->phase == 1)
				set_state(c, CT_XFER_OFFERED);
			sconn_close(c); /* stalled peer */
		}
	}
	for (o = x->offers; o; o = on) {
		on = o->next;
		if (now - o->made_ms >= x->conf.offer_ttl_ms)
			offer_unlink(x, o);
	}
	xfer_get_sweep(x, now);
	xfer_arm_sweep(x);
}

void xfer_arm_sweep(struct ct_xfer *x)
{
	if (!x->t_sweep && (x->sconns || x->gconns || x->offers))
		x->t_sweep = ct_evloop_add_timer(x->ev, 1000, on_sweep, x);
}

static const struct ct_node_handler handlers[] = {
	{ CT_IPMSG_RELEASEFILES, on_release },
};

int ct_xfer_new(struct ct_xfer **out, struct ct_node *node, const struct ct_xfer_conf *conf)
{
	struct ct_xfer *x = calloc(1, sizeof *x);
	int r;

	*out = NULL;
	if (!x)
		return CT_ENOMEM;
	x->node = node;
	x->ev = ct_node_evloop(node);
	if (conf)
		x->conf = *conf;
	if (!x->conf.max_conns)
		x->conf.max_conns = 64;
	if (!x->conf.idle_ms)
		x->conf.idle_ms = 30000;
	if (!x->conf.offer_ttl_ms)
		x->conf.offer_ttl_ms = 86400000;
	if (!x->conf.max_offers)
		x->conf.max_offers = 1024;
	if (!x->conf.max_entries)
		x->conf.max_entries = 10000;
	if (!x->conf.max_depth || x->conf.max_depth > XFER_DIR_DEPTH)
		x->conf.max_depth = XFER_DIR_DEPTH;
	/* file ids: a random 30-bit base like Windows, so ids of two runs differ */
	x->next_fileid = (uint32_t)(ct_mono_ns() ^ ((uint64_t)getpid() << 12)) & 0x3FFFFFFFu;
	x->first_pkt = ct_node_next_packetno(node);
	if ((r = ct_node_add_handlers(node, handlers, 1, x)) != 0) {
		free(x);
		return r;
	}
	ct_node_set_tcp_handler(node, on_accept, x);
	ct_node_add_tap(node, on_tap, x);
	*out = x;
	return 0;
}

void ct_xfer_set_offer_ttl(struct ct_xfer *x, uint64_t ms)
{
	x->conf.offer_ttl_ms = ms ? ms : 86400000;
}

void ct_xfer_free(struct ct_xfer *x)
{
	if (!x)
		return;
	ct_node_set_tcp_handler(x->node, NULL, NULL);
	ct_node_remove_tap(x->node, on_tap, x);
	ct_node_remove_handlers(x->node, handlers, 1, x);
	while (x->sconns)
		sconn_close(x->sconns);
	xfer_get_free_all(x);
	while (x->offers)
		offer_unlink(x, x->offers);
	ct_evloop_cancel_timer(x->ev, x->t_sweep);
	free(x);
}

void ct_xfer_stats(const struct ct_xfer *x, struct ct_xfer_stats *out)
{
	*out = x->st;
	out->conns = x->nconns;
	out->offers = (unsigned)x->noffers;
}
