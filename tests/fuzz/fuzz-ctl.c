/* fuzz-ctl.c: libFuzzer target for control requests (ctl.c: line framing, request parsing, dispatch, deferred answers, ctl-shapes users): never crashes, always valid JSON answers. */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "clock.h"
#include "ctl.h"
#include "ctl-shapes.h"
#include "err.h"
#include "evloop.h"
#include "hosts.h"
#include "json.h"
#include "log.h"
#include "sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define END_ID "fuzz-end-of-input"

static struct ct_evloop *ev;
static struct ct_ctl_server *srv;
static struct ct_hosts *hosts;
static char dir[80], sock[108]; /* sock fits sockaddr_un.sun_path */

/* A small method table in the daemon's shapes: users (ctl-shapes), echo, an error, a deferred
 * answer, and a deferred request never answered (the request timeout answers it). */
static int m_users(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct ct_ctlj_now now = { 1795000000.0, ct_mono_ms(), 3600000 };
	char err[256];

	(void)ud;
	if (ct_ctlj_users(hosts, params, &now, result, err, sizeof err) != 0)
		return ct_ctl_call_error(call, "bad_params", "%s", err);
	return 0;
}

static int m_echo(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)call;
	(void)ud;
	*result = params ? ct_json_dup(params) : NULL;
	return 0;
}

static int m_fail(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)params;
	(void)result;
	(void)ud;
	return ct_json_get(params, "plain") ? CT_ESYS : ct_ctl_call_error(call, "failed", "fails on purpose");
}

static void deferred(struct ct_evloop *e, uint64_t id, void *ud)
{
	(void)e;
	(void)id;
	ct_ctl_reply(srv, (uint64_t)(uintptr_t)ud, ct_json_obj()); /* CT_ENOTFOUND when the client left */
}

static int m_defer(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)params;
	(void)result;
	if (ud)
		ct_evloop_add_timer(ev, 0, deferred, (void *)(uintptr_t)ct_ctl_call_token(call));
	return CT_CTL_DEFER;
}

static void add_host(const char *user, const char *ip)
{
	struct ct_host_info in = { .user = user, .host = "pc", .nick = "N\"ick\\", .group = "g" };

	ct_haddr_parse(&in.addr, ip, 2425);
	ct_hosts_update(hosts, &in, CT_HOST_LIST, CT_HOST_VIA_PACKET, ct_mono_ms(), 1795000000.0, NULL);
}

static void at_exit(void)
{
	ct_ctl_server_close(srv);
	rmdir(dir);
}

static void setup(void)
{
	struct ct_ctl_limits lim = { .max_clients = 4, .max_line = 4096, .max_out = 1 << 20,
		.hello_ms = 10000, .idle_ms = 10000, .request_ms = 20, .write_ms = 10000 };
	char err[256];

	ct_log_set_level(CT_LOG_ERR);
	snprintf(dir, sizeof dir, "%s/ct-fuzz-ctl.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(sock, sizeof sock, "%s/ctl.sock", dir);
	hosts = ct_hosts_new();
	add_host("alice", "198.18.1.11");
	add_host("bob", "2001:db8::2");
	if (ct_evloop_new(&ev) != 0 || ct_ctl_server_open(&srv, ev, sock, &lim, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz-ctl: %s\n", err);
		abort();
	}
	ct_ctl_server_add(srv, CT_CTL_M_USERS, m_users, NULL);
	ct_ctl_server_add(srv, "echo", m_echo, NULL);
	ct_ctl_server_add(srv, "fail", m_fail, NULL);
	ct_ctl_server_add(srv, "defer", m_defer, (void *)1);
	ct_ctl_server_add(srv, "never", m_defer, NULL);
	atexit(at_exit);
}

/* One answer line: a JSON object with "id" and either "result" or an "error" {code, message}. */
static int check_answer(const char *line, size_t len)
{
	struct ct_json *doc = NULL;
	const struct ct_json *e;
	int end = 0;

	if (ct_json_parse(line, len, &doc) != 0 || !ct_json_is_obj(doc) || !ct_json_get(doc, "id"))
		abort();
	e = ct_json_get(doc, "error");
	if (!ct_json_get(doc, "result") == !e)
		abort();
	if (e && (!ct_json_get_str(e, "code") || !ct_json_get_str(e, "message")))
		abort();
	end = ct_json_str(ct_json_get(doc, "id")) && strcmp(ct_json_str(ct_json_get(doc, "id")), END_ID) == 0;
	ct_json_free(doc);
	return end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char hello[] = "{\"id\":0,\"method\":\"hello\",\"params\":{\"protocol\":1}}\n";
	static const char end[] = "\n{\"id\":\"" END_ID "\",\"method\":\"echo\"}\n";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ct_sbuf out, in;
	size_t sent = 0;
	uint64_t deadline;
	int fd, done = 0, eof = 0;

	if (size > 65536)
		return 0;
	if (!ev)
		setup();
	ct_sbuf_init(&out);
	ct_sbuf_init(&in);
	ct_sbuf_add(&out, hello, sizeof hello - 1);
	ct_sbuf_add(&out, data, size);
	ct_sbuf_add(&out, end, sizeof end - 1);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		abort();
	deadline = ct_mono_ms() + 5000;
	while (!done && !eof) {
		char buf[16384], *nl;
		ssize_t n;
		if (ct_mono_ms() > deadline)
			abort(); /* no answer to the last request, and the connection is still open */
		if (sent < out.len) {
			n = send(fd, out.p + sent, out.len - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				eof = 1; /* the server closed (after an over-long line) */
		}
		ct_evloop_run_once(ev, sent < out.len ? 0 : 2);
		while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
			ct_sbuf_add(&in, buf, (size_t)n);
		if (n == 0)
			eof = 1;
		while (!done && in.len && (nl = memchr(in.p, '\n', in.len)) != NULL) {
			size_t len = (size_t)(nl - in.p);
			done = check_answer(in.p, len);
			memmove(in.p, nl + 1, in.len - len - 1);
			in.len -= len + 1;
		}
	}
	close(fd);
	for (int i = 0; i < 4; i++)
		ct_evloop_run_once(ev, 0); /* the server sees the close */
	ct_sbuf_fini(&out);
	ct_sbuf_fini(&in);
	return 0;
}
