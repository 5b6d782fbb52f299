/* ctl-server.c: the control socket's life: create, refuse a second daemon, replace a stale socket, close; method table. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "err.h"
#include "fsutil.h"
#include "util.h"
#include "version.h"
#include "ctl-int.h"

static const struct ct_ctl_limits default_limits = {
	.max_clients = 32,
	.max_line = CT_CTL_MAX_LINE,
	.max_out = 64u * 1024 * 1024,
	.hello_ms = 10000,
	.idle_ms = 120000,
	.request_ms = 30000,
	.write_ms = 30000,
	.sub_queue = CT_CTL_SUB_QUEUE,
};

/* ---- server setup ---- */

/* 1 when something accepts connections on path. */
static int socket_alive(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), alive;

	if (fd < 0)
		return 0;
	ct_strlcpy(sa.sun_path, path, sizeof sa.sun_path);
	alive = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 || errno == EAGAIN;
	close(fd);
	return alive;
}

int ct_ctl_server_open(struct ct_ctl_server **out, struct ct_evloop *ev, const char *path,
	const struct ct_ctl_limits *lim, char *err, size_t errlen)
{
	struct ct_ctl_server *s;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof sa.sun_path];
	struct stat sb;
	mode_t old;
	int r;

	*out = NULL;
	if (!path || path[0] != '/' || strlen(path) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "control socket path '%s' must be absolute and shorter than %zu bytes",
			path ? path : "", sizeof sa.sun_path);
		return CT_EINVAL;
	}
	ct_fs_dirname(path, dir, sizeof dir);
	if (ct_fs_mkdir_parents(dir, 0750) != 0) {
		snprintf(err, errlen, "cannot create the control socket directory %s: %s", dir, strerror(errno));
		return CT_ESYS;
	}
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket; remove it or set ctl_socket elsewhere", path);
			return CT_EEXIST;
		}
		if (socket_alive(path)) {
			snprintf(err, errlen, "another camtraced already answers on %s; stop it first "
				"(or give this one another ctl_socket)", path);
			return CT_EEXIST;
		}
		if (unlink(path) != 0) {
			snprintf(err, errlen, "cannot remove the stale socket %s: %s", path, strerror(errno));
			return CT_ESYS;
		}
	}
	s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return CT_ENOMEM;
	}
	s->ev = ev;
	s->lim = lim ? *lim : default_limits;
	if (!s->lim.max_clients)
		s->lim.max_clients = default_limits.max_clients;
	if (!s->lim.max_line)
		s->lim.max_line = default_limits.max_line;
	if (!s->lim.max_out)
		s->lim.max_out = default_limits.max_out;
	if (!s->lim.sub_queue)
		s->lim.sub_queue = default_limits.sub_queue;
	snprintf(s->name, sizeof s->name, "camtraced %s", ct_version());
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "cannot create the control socket: %s", strerror(errno));
		free(s->path);
		free(s);
		return CT_ESYS;
	}
	ct_strlcpy(sa.sun_path, path, sizeof sa.sun_path);
	old = umask(0117); /* the socket is born 0660: no window where others may connect */
	r = bind(s->fd, (struct sockaddr *)&sa, sizeof sa);
	umask(old);
	if (r != 0 || chmod(path, 0660) != 0 || listen(s->fd, 16) != 0 || stat(path, &sb) != 0) {
		int e = errno;
		snprintf(err, errlen, "cannot listen on %s: %s%s", path, strerror(e),
			e == EACCES ? " (run camtraced as root, or point ctl_socket to a writable directory)" : "");
		close(s->fd);
		if (r == 0)
			unlink(path);
		free(s->path);
		free(s);
		return e == EACCES ? CT_EPERM : CT_ESYS;
	}
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;
	if ((r = ct_evloop_add_fd(ev, s->fd, CT_EV_READ, ct_ctl_on_accept, s)) != 0) {
		snprintf(err, errlen, "cannot watch the control socket: %s", ct_strerror(r));
		close(s->fd);
		unlink(path);
		free(s->path);
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

void ct_ctl_server_close(struct ct_ctl_server *s)
{
	struct stat sb;

	if (!s)
		return;
	/* the last events (the daemon's goodbye) go out if the sockets take them now */
	for (struct client *c = s->clients, *next; c; c = next) {
		next = c->next;
		if (c->sub && !c->stream)
			ct_ctl_client_flush(c);
	}
	while (s->clients)
		ct_ctl_client_drop(s->clients);
	ct_evloop_del_fd(s->ev, s->fd);
	close(s->fd);
	/* remove the socket only if it is still ours (a new daemon may have replaced it) */
	if (lstat(s->path, &sb) == 0 && sb.st_dev == s->dev && sb.st_ino == s->ino)
		unlink(s->path);
	for (size_t i = 0; i < s->nm; i++)
		free(s->m[i].name);
	free(s->m);
	free(s->path);
	free(s);
}

int ct_ctl_server_add(struct ct_ctl_server *s, const char *method, ct_ctl_handler fn, void *ud)
{
	struct method *m;

	if (!method || !fn || strcmp(method, CT_CTL_M_HELLO) == 0)
		return CT_EINVAL;
	if ((m = ct_ctl_find_method(s, method)) != NULL) {
		m->fn = fn;
		m->ud = ud;
		return 0;
	}
	m = realloc(s->m, (s->nm + 1) * sizeof *m);
	if (!m)
		return CT_ENOMEM;
	s->m = m;
	m = &s->m[s->nm];
	if (!(m->name = strdup(method)))
		return CT_ENOMEM;
	m->fn = fn;
	m->ud = ud;
	s->nm++;
	return 0;
}

void ct_ctl_server_set_name(struct ct_ctl_server *s, const char *name)
{
	ct_strlcpy(s->name, name, sizeof s->name);
}

unsigned ct_ctl_server_clients(const struct ct_ctl_server *s) { return s->nclients; }
const char *ct_ctl_server_path(const struct ct_ctl_server *s) { return s->path; }
