/* xfer-get.c: fetching a file (GETFILEDATA, resumable from NAME.part) or a directory (GETDIRFILES stream into NAME.part/) from a peer, every name checked, nothing written outside the target directory. */
#include "config.h"
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "attach.h"
#include "clock.h"
#include "codec.h"
#include "err.h"
#include "evloop.h"
#include "fsutil.h"
#include "log.h"
#include "node.h"
#include "xfer-int.h"

#define GDEPTH 33
#define HDR_MAX 0x10000

struct gconn {
	struct ct_xfer *x;
	uint64_t id;
	int fd, connected;
	struct ct_xfer_get_req rq;
	char *name, *part;
	struct ct_sbuf req;
	size_t reqpos;
	uint64_t t0, last_ms, written;
	struct ct_xfer_get_result res;
	ct_xfer_get_fn done;
	void *ud;
	int out;                  /* the file being written, or -1 */
	uint64_t left;            /* its bytes still to come */
	/* a directory: the stream's header buffer and the open directories */
	struct ct_sbuf hb;
	int dfd[GDEPTH];
	int depth, started;
	uint64_t entries;
	uint64_t t_early;         /* ends a fetch that failed before it started, from the loop */
	struct gconn *next;
};

static void gconn_free(struct gconn *g)
{
	struct ct_xfer *x = g->x;

	if (g->fd >= 0) {
		ct_evloop_del_fd(x->ev, g->fd);
		close(g->fd);
	}
	if (g->out >= 0)
		close(g->out);
	while (g->depth > 0)
		close(g->dfd[--g->depth]);
	ct_evloop_cancel_timer(x->ev, g->t_early);
	ct_sbuf_fini(&g->req);
	ct_sbuf_fini(&g->hb);
	for (struct gconn **pp = &x->gconns; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			x->nconns--;
			break;
		}
	free(g->name);
	free(g->part);
	free(g);
}

static void finish(struct gconn *g, enum ct_xfer_gstate st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void finish(struct gconn *g, enum ct_xfer_gstate st, const char *fmt, ...)
{
	struct ct_xfer *x = g->x;
	char a[CT_HADDR_STRLEN];

	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(g->res.error, sizeof g->res.error, fmt, ap);
		va_end(ap);
	}
	if (g->out >= 0) {
		close(g->out);
		g->out = -1;
	}
	if (st == CT_XFER_G_DONE && !g->rq.discard) {
		/* complete: NAME.part becomes NAME, never over an existing NAME */
		if (renameat2(g->rq.dirfd, g->part, g->rq.dirfd, g->name, RENAME_NOREPLACE) != 0) {
			st = errno == EEXIST ? CT_XFER_G_EXISTS : CT_XFER_G_ERROR;
			snprintf(g->res.error, sizeof g->res.error, "cannot rename %s to %s: %s", g->part, g->name,
				strerror(errno));
		}
	} else if (st == CT_XFER_G_TOO_MUCH || st == CT_XFER_G_BAD_NAME || st == CT_XFER_G_LIMIT) {
		if (!g->rq.dir && !g->rq.discard)
			unlinkat(g->rq.dirfd, g->part, 0); /* what a hostile peer sent is not kept */
	} else if (st == CT_XFER_G_REFUSED && !g->rq.dir && !g->rq.discard && !g->written && !g->res.offset) {
		unlinkat(g->rq.dirfd, g->part, 0); /* refused before any byte: no empty NAME.part left */
	}
	g->res.state = st;
	g->res.connected = g->connected == 1;
	g->res.bytes = g->written;
	g->res.ms = (ct_mono_ns() / 1000000) - g->t0;
	if (st == CT_XFER_G_DONE)
		x->st.fetched++;
	else
		x->st.fetch_failed++;
	x->st.fetch_bytes += g->written;
	if (st != CT_XFER_G_DONE)
		log_notice("fetch of %s from %s: %s%s%s", g->name, ct_haddr_str(&g->rq.peer, a, sizeof a),
			ct_xfer_gstate_name(st), g->res.error[0] ? ": " : "", g->res.error);
	if (g->done)
		g->done(x, g->id, &g->res, g->ud);
	gconn_free(g);
}

/* Writes n bytes of contents to the open file, within the limits. 0, or finished. */
static int put(struct gconn *g, const char *p, size_t n)
{
	if (g->rq.max_bytes && g->written + n > g->rq.max_bytes) {
		finish(g, CT_XFER_G_LIMIT, "more than the %llu bytes allowed (quota)", (unsigned long long)g->rq.max_bytes);
		return -1;
	}
	if (!g->rq.discard && ct_fs_write_full(g->out, p, n) != 0) {
		finish(g, CT_XFER_G_ERROR, "write: %s", strerror(errno));
		return -1;
	}
	g->written += n;
	g->left -= n;
	return 0;
}

/* One directory-stream record (header parsed). */
static int dir_record(struct gconn *g, const struct ct_attach_dirhdr *h)
{
	uint32_t type = h->f.attr & 0xFFu;
	const char *why = NULL, *name = h->f.name;
	int cur = g->depth ? g->dfd[g->depth - 1] : g->rq.dirfd;

	if (++g->entries > g->x->conf.max_entries) {
		finish(g, CT_XFER_G_LIMIT, "more than %u entries", g->x->conf.max_entries);
		return -1;
	}
	if (!g->started) { /* the attached directory itself: saved as NAME.part */
		if (type != CT_IPMSG_FILE_DIR) {
			finish(g, CT_XFER_G_ERROR, "the stream does not start with a directory");
			return -1;
		}
		name = g->part;
		g->started = 1;
	} else if (type == CT_IPMSG_FILE_RETPARENT) {
		close(g->dfd[--g->depth]);
		if (g->depth == 0) {
			finish(g, CT_XFER_G_DONE, NULL);
			return -1;
		}
		return 0;
	} else if (ct_xfer_name_check(name, &why) != 0) {
		finish(g, CT_XFER_G_BAD_NAME, "name refused (%s)", why);
		return -1;
	}
	if (type == CT_IPMSG_FILE_DIR) {
		int fd;
		if (g->depth + 1 >= GDEPTH || (unsigned)g->depth >= g->x->conf.max_depth) {
			finish(g, CT_XFER_G_LIMIT, "deeper than %u directories", g->x->conf.max_depth);
			return -1;
		}
		if (mkdirat(cur, name, 0700) != 0 ||
			(fd = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			finish(g, errno == EEXIST ? CT_XFER_G_EXISTS : CT_XFER_G_ERROR, "directory %s: %s", name, strerror(errno));
			return -1;
		}
		g->dfd[g->depth++] = fd;
		return 0;
	}
	if (type != CT_IPMSG_FILE_REGULAR) {
		if (h->f.size) { /* only regular files carry contents */
			finish(g, CT_XFER_G_ERROR, "a %s entry with contents", ct_attach_type_name(type) ? ct_attach_type_name(type) : "unknown");
			return -1;
		}
		return 0;
	}
	if (g->rq.max_bytes && g->written + h->f.size > g->rq.max_bytes) {
		finish(g, CT_XFER_G_LIMIT, "more than the %llu bytes allowed (quota)", (unsigned long long)g->rq.max_bytes);
		return -1;
	}
	g->out = openat(cur, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (g->out < 0) {
		finish(g, errno == EEXIST ? CT_XFER_G_EXISTS : CT_XFER_G_ERROR, "file %s: %s", name, strerror(errno));
		return -1;
	}
	g->left = h->f.size;
	g->res.files++;
	return 0;
}

static size_t hex4(const char *p)
{
	size_t v = 0;

	for (int i = 0; i < 4; i++) {
		int c = p[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return 0;
		v = v * 16 + (size_t)d;
	}
	return v;
}

/* Consumes a directory stream chunk. */
static int dir_input(struct gconn *g, const char *p, size_t n)
{
	while (n > 0) {
		if (g->out >= 0) {
			size_t k = n < g->left ? n : (size_t)g->left;
			if (put(g, p, k) != 0)
				return -1;
			p += k;
			n -= k;
			if (g->left == 0) {
				close(g->out);
				g->out = -1;
			}
			continue;
		}
		{
			struct ct_attach_dirhdr h;
			size_t need = 0, take = n;
			int r;
			if (g->hb.len + take > HDR_MAX)
				take = HDR_MAX - g->hb.len;
			/* take only up to what the header needs, so contents stay in p */
			if (g->hb.len >= 4 && (need = hex4(g->hb.p)) > g->hb.len && take > need - g->hb.len)
				take = need - g->hb.len;
			else if (g->hb.len < 4 && take > 4 - g->hb.len)
				take = 4 - g->hb.len;
			ct_sbuf_add(&g->hb, p, take);
			p += take;
			n -= take;
			r = ct_attach_dirhdr_parse(g->hb.p, g->hb.len, &h, &need);
			if (r == CT_ETRUNC) {
				ct_attach_dirhdr_fini(&h);
				if (g->hb.len >= HDR_MAX) {
					finish(g, CT_XFER_G_ERROR, "directory header too long");
					return -1;
				}
				continue;
			}
			if (r != 0 || h.hsize != g->hb.len) {
				ct_attach_dirhdr_fini(&h);
				finish(g, CT_XFER_G_ERROR, "bad directory header (%s)", ct_strerror(r ? r : CT_EFORMAT));
				return -1;
			}
			r = dir_record(g, &h);
			ct_attach_dirhdr_fini(&h);
			if (r != 0)
				return -1;
			ct_sbuf_reset(&g->hb);
			if (g->out >= 0 && g->left == 0) {
				close(g->out);
				g->out = -1;
			}
		}
	}
	return 0;
}

/* The upload test: the peer's line "STATE BYTES MS ERROR" ends it (bytes: what the peer fetched). */
static void up_end(struct gconn *g)
{
	char st[32];
	unsigned long long bytes = 0, ms = 0;
	int at = 0;

	ct_sbuf_addc(&g->hb, 0);
	if (sscanf(g->hb.p, "%31s %llu %llu %n", st, &bytes, &ms, &at) < 3) {
		finish(g, CT_XFER_G_REFUSED, "the peer closed without an answer (not in its allow? not a camtraced?)");
		return;
	}
	g->hb.p[strcspn(g->hb.p, "\n")] = 0;
	g->written = bytes;
	for (int k = CT_XFER_G_DONE; k <= CT_XFER_G_NO_CONNECT_BACK; k++)
		if (!strcmp(st, ct_xfer_gstate_name((enum ct_xfer_gstate)k))) {
			finish(g, (enum ct_xfer_gstate)k, "%s", k == CT_XFER_G_DONE ? "" : g->hb.p + at);
			return;
		}
	finish(g, CT_XFER_G_ERROR, "the peer answered %s", st);
}

static void on_gconn(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct gconn *g = ud;
	static char buf[XFER_CHUNK];

	(void)fd;
	g->last_ms = ct_evloop_now_ms(ev);
	if (!g->connected) {
		int e = 0;
		socklen_t el = sizeof e;
		getsockopt(g->fd, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e) {
			finish(g, CT_XFER_G_REFUSED, "connect: %s", strerror(e));
			return;
		}
		g->connected = 1;
	}
	if (g->reqpos < g->req.len) {
		ssize_t w = send(g->fd, g->req.p + g->reqpos, g->req.len - g->reqpos, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			finish(g, CT_XFER_G_CUT, "send: %s", strerror(errno));
			return;
		}
		if (w > 0)
			g->reqpos += (size_t)w;
		if (g->reqpos == g->req.len)
			ct_evloop_mod_fd(ev, g->fd, CT_EV_READ);
		return;
	}
	for (unsigned turn = 0; turn < XFER_TURN / XFER_CHUNK; turn++) { /* until EAGAIN, or the turn is used */
		ssize_t got = recv(g->fd, buf, sizeof buf, 0);
		if (got < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			finish(g, CT_XFER_G_CUT, "receive: %s", strerror(errno));
			return;
		}
		if (g->rq.up) {
			if (got == 0)
				up_end(g);
			else if (g->hb.len + (size_t)got > 512)
				finish(g, CT_XFER_G_TOO_MUCH, "the peer's answer is too long");
			else {
				ct_sbuf_add(&g->hb, buf, (size_t)got);
				continue;
			}
			return;
		}
		if (got == 0) {
			if (!g->rq.dir && g->left == 0)
				finish(g, CT_XFER_G_DONE, NULL);
			else
				finish(g, g->written == 0 && !g->started ? CT_XFER_G_REFUSED : CT_XFER_G_CUT,
					g->written == 0 && !g->started ? "the peer closed without sending (unknown or released file?)" :
					"the peer closed after %llu bytes", (unsigned long long)g->written);
			return;
		}
		if (g->rq.dir) {
			if (dir_input(g, buf, (size_t)got) != 0)
				return;
			continue;
		}
		if ((uint64_t)got > g->left) {
			finish(g, CT_XFER_G_TOO_MUCH, "the peer sent more than the %llu bytes announced",
				(unsigned long long)g->rq.size);
			return;
		}
		if (put(g, buf, (size_t)got) != 0)
			return;
		if (g->left == 0) { /* the receiver closes after the last byte (§6.3) */
			finish(g, CT_XFER_G_DONE, NULL);
			return;
		}
	}
	(void)events;
}

static void on_early(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct gconn *g = ud;

	(void)ev;
	(void)id;
	g->t_early = 0;
	finish(g, g->res.state, NULL);
}

static int open_target(struct gconn *g)
{
	struct stat sb;

	if (faccessat(g->rq.dirfd, g->name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		snprintf(g->res.error, sizeof g->res.error, "%s exists already", g->name);
		return CT_XFER_G_EXISTS;
	}
	if (g->rq.dir) {
		if (fstatat(g->rq.dirfd, g->part, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
			snprintf(g->res.error, sizeof g->res.error, "%s exists (an earlier directory fetch): remove it first", g->part);
			return CT_XFER_G_EXISTS;
		}
		return 0;
	}
	g->out = openat(g->rq.dirfd, g->part, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (g->out < 0 || fstat(g->out, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(g->res.error, sizeof g->res.error, "cannot open %s: %s", g->part, strerror(errno));
		return CT_XFER_G_ERROR;
	}
	if (g->rq.resume && (uint64_t)sb.st_size <= g->rq.size) {
		g->res.offset = (uint64_t)sb.st_size;
		lseek(g->out, 0, SEEK_END);
	} else if (ftruncate(g->out, 0) != 0) {
		return CT_XFER_G_ERROR;
	}
	g->left = g->rq.size - g->res.offset;
	return 0;
}

static int build_request(struct gconn *g)
{
	struct ct_host_info me;
	struct ct_attach_req ar;
	struct ct_sbuf body;
	uint32_t cmd = g->rq.dir ? CT_IPMSG_GETDIRFILES : CT_IPMSG_GETFILEDATA;
	int r;

	ct_node_self(g->x->node, &me);
	memset(&ar, 0, sizeof ar);
	ar.packetno = g->rq.packetno;
	ar.fileid = g->rq.fileid;
	ar.offset = g->rq.discard ? g->rq.size : g->res.offset; /* the test transfer: the size asked */
	ar.has_offset = !g->rq.dir;
	ct_sbuf_init(&body);
	ct_attach_req_build(&body, &ar);
	if (g->rq.utf8)
		cmd |= CT_IPMSG_UTF8OPT;
	r = ct_codec_build(&g->req, NULL, ct_node_next_packetno(g->x->node), me.user, me.host, cmd,
		body.p, body.len, 1);
	ct_sbuf_fini(&body);
	return r;
}

int ct_xfer_get(struct ct_xfer *x, const struct ct_xfer_get_req *req, ct_xfer_get_fn done, void *ud,
	uint64_t *id)
{
	struct gconn *g;
	struct sockaddr_in sa;
	const char *why;
	int r;

	if (req->up && !req->discard)
		return CT_EINVAL;
	if (req->discard ? req->dir : ct_xfer_name_check(req->name, &why) != 0)
		return CT_EINVAL;
	if (x->nconns >= x->conf.max_conns)
		return CT_EAGAIN;
	if (!(g = calloc(1, sizeof *g)))
		return CT_ENOMEM;
	g->x = x;
	g->rq = *req;
	g->fd = g->out = -1;
	g->name = strdup(req->up ? "(upload test)" : req->discard ? "(test transfer)" : req->name);
	g->part = malloc(strlen(g->name ? g->name : "") + 6);
	ct_sbuf_init(&g->req);
	ct_sbuf_init(&g->hb);
	g->id = ++x->next_get;
	g->done = done;
	g->ud = ud;
	g->t0 = g->last_ms = ct_mono_ns() / 1000000;
	g->last_ms = ct_evloop_now_ms(x->ev);
	g->next = x->gconns;
	x->gconns = g;
	x->nconns++;
	if (!g->name || !g->part) {
		gconn_free(g);
		return CT_ENOMEM;
	}
	sprintf(g->part, "%s.part", g->name);
	g->rq.name = g->name;
	if (req->discard)
		g->left = req->size;
	if ((!req->discard && (r = open_target(g)) != 0) || (r = build_request(g)) != 0) {
		/* reported through done, from the loop like every end */
		g->res.state = r > 0 ? (enum ct_xfer_gstate)r : CT_XFER_G_ERROR;
		g->connected = -1;
		g->t_early = ct_evloop_add_timer(x->ev, 0, on_early, g);
		if (id)
			*id = g->id;
		return 0;
	}
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(req->peer.port ? req->peer.port : CT_IPMSG_PORT);
	memcpy(&sa.sin_addr, req->peer.ip, 4);
	g->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (g->fd < 0 || (connect(g->fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno != EINPROGRESS) ||
		ct_evloop_add_fd(x->ev, g->fd, CT_EV_WRITE, on_gconn, g) != 0) {
		snprintf(g->res.error, sizeof g->res.error, "connect: %s", strerror(errno));
		if (g->fd >= 0)
			close(g->fd);
		g->fd = -1;
		g->res.state = CT_XFER_G_REFUSED;
		g->connected = -1;
		g->t_early = ct_evloop_add_timer(x->ev, 0, on_early, g);
	}
	if (id)
		*id = g->id;
	xfer_arm_sweep(x);
	return 0;
}

int ct_xfer_get_progress(const struct ct_xfer *x, uint64_t id, uint64_t *bytes)
{
	for (struct gconn *g = x->gconns; g; g = g->next)
		if (g->id == id) {
			*bytes = g->written + g->res.offset;
			return 0;
		}
	return CT_ENOTFOUND;
}

void ct_xfer_get_cancel(struct ct_xfer *x, uint64_t id)
{
	for (struct gconn *g = x->gconns; g; g = g->next)
		if (g->id == id) {
			gconn_free(g);
			return;
		}
}

void xfer_get_sweep(struct ct_xfer *x, uint64_t now)
{
	struct gconn *g, *gn;

	for (g = x->gconns; g; g = gn) {
		gn = g->next;
		/* the upload test gets no data while it runs: the test bytes we serve are its progress */
		uint64_t last = g->rq.up && x->probe_ms > g->last_ms ? x->probe_ms : g->last_ms;
		if (!g->connected && g->rq.connect_ms && now - g->last_ms >= g->rq.connect_ms)
			finish(g, CT_XFER_G_TIMEOUT, "connect: no answer in %llu ms (SYN dropped on the way?)",
				(unsigned long long)g->rq.connect_ms);
		else if (g->connected != -1 && now - last >= x->conf.idle_ms)
			finish(g, CT_XFER_G_TIMEOUT, "no data for %llu ms (after %llu bytes)",
				(unsigned long long)x->conf.idle_ms, (unsigned long long)g->written);
	}
}

void xfer_get_free_all(struct ct_xfer *x)
{
	while (x->gconns) /* each ends through its callback (its .part kept) */
		finish(x->gconns, CT_XFER_G_CUT, "stopped before the end (the program exits)");
}
