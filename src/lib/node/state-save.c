/* state-save.c: saving the state file: the streamed line layout, atomic replace, background saves in a forked child, debounce. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "err.h"
#include "evloop.h"
#include "fsutil.h"
#include "json.h"
#include "jsonw.h"
#include "log.h"
#include "outbuf.h"
#include "version.h"
#include "state-int.h"

#define fail ct_state_fail

struct ct_state_elems {
	struct ct_out *o;
	size_t n;
};

struct ct_out *ct_state_elem_begin(struct ct_state_elems *e)
{
	if (e->n++)
		ct_out_putc(e->o, ',');
	return e->o;
}

int ct_state_elem_end(struct ct_state_elems *e)
{
	ct_out_putc(e->o, '\n');
	ct_out_flush(e->o, 0);
	return e->o->write_error || e->o->oom ? -1 : 0;
}

/* ---- the file ---- */

/* The sections in the line layout (state.h), streamed to fd through a 256 KiB buffer. */
static int write_layout(struct ct_state *st, int fd, uint64_t seq)
{
	struct ct_out o;
	char when[40], gen[64];
	size_t nsec = 0;
	int r = 0;

	ct_out_init(&o, fd);
	snprintf(gen, sizeof gen, "camtraced %s", ct_version());
	ct_out_puts(&o, "{\"format\":\"" CT_STATE_FORMAT "\",\"version\":");
	ct_out_i64(&o, CT_STATE_VERSION);
	ct_jw_kstr(&o, "generator", gen);
	ct_jw_kstr(&o, "saved_at", ct_wall_iso(ct_wall_now(), when, sizeof when));
	ct_jw_kint(&o, "seq", (int64_t)seq);
	ct_out_puts(&o, ",\"sections\":{\n");
	for (size_t i = 0; i < st->nsec && r == 0; i++) {
		struct ct_state_section *s = &st->sec[i];
		if (s->stream) {
			struct ct_state_elems e = { &o, 0 };
			ct_jw_key(&o, s->name, nsec++ == 0);
			ct_out_puts(&o, "[\n");
			r = s->stream(&e, s->ud);
			ct_out_puts(&o, "]\n");
		} else if (s->save) {
			struct ct_json *v = s->save(s->ud);
			char *text = v ? ct_json_print(v, 0) : NULL;
			ct_json_free(v);
			if (!text)
				continue;
			ct_jw_key(&o, s->name, nsec++ == 0);
			ct_out_puts(&o, text);
			ct_out_putc(&o, '\n');
			free(text);
		}
		ct_out_flush(&o, 0);
	}
	ct_out_puts(&o, "}}\n");
	ct_out_flush(&o, 1);
	if (o.oom)
		r = fail(st, CT_ENOMEM, "out of memory");
	else if (o.write_error)
		r = fail(st, CT_ESYS, "%s", strerror(o.write_error));
	else if (r != 0)
		r = fail(st, r, "a section could not be written (%s)", ct_strerror(r));
	ct_out_fini(&o);
	return r;
}

/* Writes tmp (text, or the sections streamed when text is NULL), fsyncs it, renames it over
 * the file and fsyncs the directory. */
static int replace_file(struct ct_state *st, const char *tmp, const char *text, size_t len, uint64_t seq)
{
	char dir[PATH_MAX];
	struct stat sb;
	int fd, dfd, r = 0;

	ct_fs_dirname(st->path, dir, sizeof dir);
	if (ct_fs_mkdir_parents(dir, 0750) != 0)
		return fail(st, CT_ESYS, "cannot create state directory %s: %s", dir, strerror(errno));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0)
		return fail(st, CT_ESYS, "cannot create %s: %s", tmp, strerror(errno));
	if (text) {
		if (ct_fs_write_full(fd, text, len) != 0 || ct_fs_write_full(fd, "\n", 1) != 0)
			r = fail(st, CT_ESYS, "%s", strerror(errno));
	} else {
		r = write_layout(st, fd, seq);
	}
	if (r == 0 && fsync(fd) != 0)
		r = fail(st, CT_ESYS, "%s", strerror(errno));
	if (r == 0 && fstat(fd, &sb) == 0)
		st->stats.last_bytes = (uint64_t)sb.st_size;
	if (close(fd) != 0 && r == 0)
		r = fail(st, CT_ESYS, "%s", strerror(errno));
	if (r != 0) {
		char why[sizeof st->err];
		snprintf(why, sizeof why, "%s", st->err);
		unlink(tmp);
		return fail(st, r, "cannot write %s: %s", tmp, why);
	}
	if (rename(tmp, st->path) != 0) {
		int e = errno;
		unlink(tmp);
		return fail(st, CT_ESYS, "cannot rename %s to %s: %s", tmp, st->path, strerror(e));
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) != 0 && errno != EINVAL)
			log_warn("fsync of directory %s failed: %s", dir, strerror(errno));
		close(dfd);
	}
	return 0;
}

static void saved(struct ct_state *st, uint64_t start_ns)
{
	st->seq++;
	st->stats.saves++;
	st->stats.last_save_ms = (double)(ct_mono_ns() - start_ns) / 1e6;
}

int ct_state_write(struct ct_state *st, const struct ct_json *sections)
{
	struct ct_json *doc, *secs;
	char tmp[PATH_MAX], when[40], gen[64], *text;
	uint64_t t0 = ct_mono_ns();
	int r;

	if (st->blocked)
		return fail(st, CT_ESTATE, "not saving: %s must be moved away first", st->path);
	if (snprintf(tmp, sizeof tmp, "%s.tmp", st->path) >= (int)sizeof tmp)
		return fail(st, CT_ETOOBIG, "state path too long");
	doc = ct_json_obj();
	secs = sections ? ct_json_dup(sections) : ct_json_obj();
	if (!doc || !secs) {
		ct_json_free(doc);
		ct_json_free(secs);
		return fail(st, CT_ENOMEM, "out of memory");
	}
	snprintf(gen, sizeof gen, "camtraced %s", ct_version());
	ct_json_add_str(doc, "format", CT_STATE_FORMAT);
	ct_json_add_int(doc, "version", CT_STATE_VERSION);
	ct_json_add_str(doc, "generator", gen);
	ct_json_add_str(doc, "saved_at", ct_wall_iso(ct_wall_now(), when, sizeof when));
	ct_json_add_int(doc, "seq", (int64_t)(st->seq + 1));
	ct_json_add(doc, "sections", secs);
	text = ct_json_print(doc, 0);
	ct_json_free(doc);
	if (!text)
		return fail(st, CT_ENOMEM, "out of memory");
	r = replace_file(st, tmp, text, strlen(text), 0);
	free(text);
	if (r == 0)
		saved(st, t0);
	return r;
}

int ct_state_save(struct ct_state *st)
{
	char tmp[PATH_MAX];
	uint64_t t0;
	int r;

	ct_state_wait(st);
	if (st->blocked)
		return fail(st, CT_ESTATE, "not saving: %s must be moved away first", st->path);
	if (snprintf(tmp, sizeof tmp, "%s.tmp", st->path) >= (int)sizeof tmp)
		return fail(st, CT_ETOOBIG, "state path too long");
	t0 = ct_mono_ns();
	r = replace_file(st, tmp, NULL, 0, st->seq + 1);
	if (r == 0) {
		saved(st, t0);
		st->dirty = 0;
	} else {
		st->stats.failed++;
	}
	st->stats.last_stall_ms = (double)(ct_mono_ns() - t0) / 1e6;
	if (st->stats.last_stall_ms > st->stats.max_stall_ms)
		st->stats.max_stall_ms = st->stats.last_stall_ms;
	return r;
}

/* ---- in the background ---- */

static void on_timer(struct ct_evloop *ev, uint64_t id, void *ud);

static void arm(struct ct_state *st, uint64_t delay_ms)
{
	if (st->ev && !st->timer)
		st->timer = ct_evloop_add_timer(st->ev, delay_ms, on_timer, st);
}

/* The child: streams the snapshot it inherited, reports a failure through the pipe. */
static void child_main(struct ct_state *st, int fd, pid_t parent)
{
	char tmp[PATH_MAX];
	int r;

	/* dies with the daemon: a kill -9 of the daemon leaves at most a temp file, never a
	 * rename of an old snapshot over a newer file after a restart */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(2);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", st->path, (long)getpid());
	r = replace_file(st, tmp, NULL, 0, st->seq + 1);
	if (r != 0 && write(fd, st->err, strlen(st->err)) < 0)
		_exit(3);
	_exit(r ? 1 : 0);
}

/* Takes the result of the finished child (block: waits for it). */
static void reap(struct ct_state *st)
{
	int status = 0;
	pid_t w;

	if (st->ev)
		ct_evloop_del_fd(st->ev, st->child_fd);
	close(st->child_fd);
	st->child_fd = -1;
	do
		w = waitpid(st->child, &status, 0);
	while (w < 0 && errno == EINTR);
	st->child = 0;
	st->stats.running = 0;
	st->child_msg[st->child_len] = '\0';
	if (w > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		struct stat sb;
		saved(st, st->child_start_ns);
		if (stat(st->path, &sb) == 0)
			st->stats.last_bytes = (uint64_t)sb.st_size;
	} else {
		st->stats.failed++;
		if (!st->child_len)
			snprintf(st->child_msg, sizeof st->child_msg, "the saving process %s %d",
				w > 0 && WIFSIGNALED(status) ? "was killed by signal" : "ended with status",
				w > 0 && WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
		fail(st, CT_ESYS, "saving %s failed: %s", st->path, st->child_msg);
		log_warn("%s; retrying in %llu s", st->err, (unsigned long long)(st->delay_ms * 4 / 1000));
		st->dirty = 1;
		arm(st, st->delay_ms * 4);
	}
	if (st->again) { /* changes came while it ran: one more save, debounced */
		st->again = 0;
		st->dirty = 1;
		arm(st, st->delay_ms + (uint64_t)st->stats.last_save_ms);
	}
}

static void on_child(struct ct_evloop *ev, int fd, unsigned events, void *ud)
{
	struct ct_state *st = ud;
	ssize_t n;

	(void)ev;
	(void)events;
	do
		n = read(fd, st->child_msg + st->child_len, sizeof st->child_msg - 1 - st->child_len);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		st->child_len += (size_t)n;
		if (st->child_len < sizeof st->child_msg - 1)
			return;
	}
	reap(st); /* end of file: the child is done (or a full message) */
}

void ct_state_wait(struct ct_state *st)
{
	if (st->child > 0)
		reap(st);
}

int ct_state_save_bg(struct ct_state *st)
{
	uint64_t t0 = ct_mono_ns();
	pid_t parent = getpid(), pid;
	int p[2];

	if (st->child > 0) {
		st->again = 1;
		st->stats.coalesced++;
		return 0;
	}
	if (st->blocked)
		return fail(st, CT_ESTATE, "not saving: %s must be moved away first", st->path);
	if (!st->ev)
		return ct_state_save(st);
	if (pipe2(p, O_CLOEXEC) != 0)
		return fail(st, CT_ESYS, "cannot save %s: pipe: %s", st->path, strerror(errno));
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		child_main(st, p[1], parent);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return fail(st, CT_ESYS, "cannot save %s: fork: %s", st->path, strerror(errno));
	}
	st->child = pid;
	st->child_fd = p[0];
	st->child_len = 0;
	st->child_start_ns = t0;
	st->dirty = 0; /* the snapshot has every change so far */
	st->stats.running = 1;
	if (ct_evloop_add_fd(st->ev, p[0], CT_EV_READ, on_child, st) != 0)
		reap(st); /* cannot watch it: wait now */
	st->stats.last_stall_ms = (double)(ct_mono_ns() - t0) / 1e6;
	if (st->stats.last_stall_ms > st->stats.max_stall_ms)
		st->stats.max_stall_ms = st->stats.last_stall_ms;
	return 0;
}

/* ---- debounced saving ---- */

static void on_timer(struct ct_evloop *ev, uint64_t id, void *ud)
{
	struct ct_state *st = ud;

	(void)ev;
	(void)id;
	st->timer = 0;
	if (!st->dirty)
		return;
	if (ct_state_save_bg(st) != 0) {
		st->stats.failed++;
		log_warn("%s; retrying in %llu s", st->err, (unsigned long long)(st->delay_ms * 4 / 1000));
		arm(st, st->delay_ms * 4);
	}
}

void ct_state_attach(struct ct_state *st, struct ct_evloop *ev, uint64_t delay_ms)
{
	st->ev = ev;
	st->delay_ms = delay_ms ? delay_ms : 1;
}

void ct_state_touch(struct ct_state *st)
{
	st->dirty = 1;
	if (st->child > 0) {
		if (!st->again)
			st->stats.coalesced++;
		st->again = 1; /* saved after the running one */
		return;
	}
	arm(st, st->delay_ms + (uint64_t)st->stats.last_save_ms);
}

int ct_state_flush(struct ct_state *st)
{
	if (!st->dirty)
		return 0;
	return ct_state_save(st);
}
