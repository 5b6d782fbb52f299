/* t-ctl.c: unit tests for the control protocol: hello, ids, several clients, timeouts, bad input, errors. */
#include "config.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tap.h"
#include "err.h"
#include "evloop.h"
#include "log.h"
#include "ctl.h"
#include "clock.h"
#include "sbuf.h"

static char dir[] = "/tmp/t-ctl-XXXXXX";
static char sock[256];
static struct ct_evloop *ev;
static struct ct_ctl_server *srv;

/* ---- the server side (runs in a child process) ---- */

static int m_echo(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)call;
	(void)ud;
	*result = params ? ct_json_dup(params) : ct_json_obj();
	return 0;
}

static void later(struct ct_evloop *e, uint64_t id, void *ud)
{
	struct ct_json *r = ct_json_obj();

	(void)e;
	(void)id;
	ct_json_add_str(r, "done", "late");
	ct_ctl_reply(srv, (uint64_t)(uintptr_t)ud, r);
}

static int m_slow(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)params;
	(void)result;
	(void)ud;
	ct_evloop_add_timer(ev, 100, later, (void *)(uintptr_t)ct_ctl_call_token(call));
	return CT_CTL_DEFER;
}

static int m_never(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)call;
	(void)params;
	(void)result;
	(void)ud;
	return CT_CTL_DEFER;
}

/* deferred past request_ms (300) by design: answered after 600 ms within its own 1500 */
static int m_long(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)params;
	(void)result;
	(void)ud;
	ct_ctl_call_defer_for(call, 1500);
	ct_evloop_add_timer(ev, 600, later, (void *)(uintptr_t)ct_ctl_call_token(call));
	return CT_CTL_DEFER;
}

static int m_fail(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)params;
	(void)result;
	(void)ud;
	return ct_ctl_call_error(call, "no_such_thing", "there is no %s", "spoon");
}

static int m_quit(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)call;
	(void)params;
	(void)ud;
	*result = NULL;
	ct_evloop_stop(ev);
	return 0;
}

static int m_clients(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)call;
	(void)params;
	(void)ud;
	*result = ct_json_obj();
	ct_json_add_int(*result, "clients", ct_ctl_server_clients(srv));
	return 0;
}

/* "big": a streamed result {"n": N, "items": [{"i": 0, "pad": "..."}, ...], "end": true} */
struct big {
	int64_t n, next;
};
static size_t stream_max_len; /* the most the server held for one streamed reply */
static int streams_done;

static int big_more(struct ct_out *o, void *ud)
{
	struct big *b = ud;

	if (b->next == 0) {
		ct_out_puts(o, "{\"n\":");
		ct_out_i64(o, b->n);
		ct_out_puts(o, ",\"items\":[");
	}
	while (b->next < b->n && o->len < CT_CTL_STREAM_CHUNK) {
		ct_out_puts(o, b->next ? ",{\"i\":" : "{\"i\":");
		ct_out_i64(o, b->next++);
		ct_out_puts(o, ",\"pad\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}");
	}
	stream_max_len = o->len > stream_max_len ? o->len : stream_max_len;
	if (b->next < b->n)
		return 1;
	ct_out_puts(o, "],\"end\":true}");
	return 0;
}

static void big_done(void *ud)
{
	streams_done++;
	free(ud);
}

static int m_big(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	struct big *b = calloc(1, sizeof *b);

	(void)result;
	(void)ud;
	if (!b || ct_json_get_i64(params, "n", &b->n) != 0) {
		free(b);
		return ct_ctl_call_error(call, "bad_params", "n");
	}
	ct_ctl_call_stream(call, big_more, big_done, b);
	return CT_CTL_STREAM;
}

static int m_streams(struct ct_ctl_call *call, const struct ct_json *params, struct ct_json **result, void *ud)
{
	(void)call;
	(void)params;
	(void)ud;
	*result = ct_json_obj();
	ct_json_add_int(*result, "max_len", (int64_t)stream_max_len);
	ct_json_add_int(*result, "done", streams_done);
	return 0;
}

static pid_t start_server(void)
{
	int p[2];
	pid_t pid;
	char c = 0;

	if (pipe(p) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct ct_ctl_limits lim = {
			.max_clients = 4, .max_line = 0, .max_out = 0,
			.hello_ms = 300, .idle_ms = 2500, .request_ms = 300, .write_ms = 2000,
		};
		char err[256];
		close(p[0]);
		ct_evloop_new(&ev);
		if (ct_ctl_server_open(&srv, ev, sock, &lim, err, sizeof err) != 0) {
			fprintf(stderr, "server: %s\n", err);
			_exit(1);
		}
		ct_ctl_server_add(srv, "echo", m_echo, NULL);
		ct_ctl_server_add(srv, "slow", m_slow, NULL);
		ct_ctl_server_add(srv, "never", m_never, NULL);
		ct_ctl_server_add(srv, "long", m_long, NULL);
		ct_ctl_server_add(srv, "fail", m_fail, NULL);
		ct_ctl_server_add(srv, "quit", m_quit, NULL);
		ct_ctl_server_add(srv, "clients", m_clients, NULL);
		ct_ctl_server_add(srv, "big", m_big, NULL);
		ct_ctl_server_add(srv, "streams", m_streams, NULL);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		close(p[1]);
		ct_evloop_run(ev);
		ct_ctl_server_close(srv);
		ct_evloop_free(ev);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

/* ---- client helpers ---- */

static int each_item(const struct ct_json *el, const char *raw, size_t len, void *ud)
{
	struct seen { int64_t n; int inorder; } *sn = ud;
	int64_t i = -1;

	(void)raw;
	(void)len;
	sn->inorder &= ct_json_get_i64(el, "i", &i) == 0 && i == sn->n;
	sn->n++;
	return 0;
}

/* call_raw: no tree, the text only, whole and valid */
static int each_raw(const struct ct_json *el, const char *raw, size_t len, void *ud)
{
	struct seen { int64_t n; int inorder; } *sn = ud;
	struct ct_json *h = NULL;
	int64_t i = -1;

	sn->inorder &= el == NULL && ct_json_parse(raw, len, &h) == 0 && ct_json_get_i64(h, "i", &i) == 0 &&
		i == sn->n && raw[0] == '{' && raw[len - 1] == '}';
	ct_json_free(h);
	sn->n++;
	return 0;
}

static struct ct_ctl_client *conn(void)
{
	struct ct_ctl_client *c;

	ct_ctl_client_new(&c);
	if (ct_ctl_client_connect(c, sock, 3000) != 0)
		printf("# connect: %s\n", ct_ctl_client_error(c));
	return c;
}

/* Raw exchange: sends a line, returns the next message (caller frees). */
static struct ct_json *raw(struct ct_ctl_client *c, const char *line)
{
	struct ct_json *m = NULL;

	if (line)
		ct_ctl_client_send_raw(c, line, 3000);
	ct_ctl_client_recv(c, 3000, &m);
	return m;
}

static const char *err_code(const struct ct_json *m)
{
	return ct_json_get_str(ct_json_get(m, "error"), "code");
}

int main(void)
{
	struct ct_ctl_client *a, *b, *c;
	struct ct_json *params, *res, *m;
	pid_t pid;
	int r;
	struct stat sb;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	ct_log_set_level(CT_LOG_ERR);
	if (!mkdtemp(dir))
		return 1;
	snprintf(sock, sizeof sock, "%s/run/camtraced/ctl.sock", dir);

	/* daemon not running */
	ct_ctl_client_new(&a);
	is_int(ct_ctl_client_connect(a, sock, 1000), CT_ENOTFOUND, "no socket: CT_ENOTFOUND");
	ok(strstr(ct_ctl_client_error(a), sock) != NULL, "error names the socket path");
	ct_ctl_client_free(a);

	pid = start_server();
	ok(pid > 0, "server started");
	ok(stat(sock, &sb) == 0 && S_ISSOCK(sb.st_mode), "socket created (directories made)");
	is_int(sb.st_mode & 0777, 0660, "socket mode 0660");

	/* hello and a call */
	a = conn();
	ok(ct_ctl_client_hello(a) != NULL, "hello answered");
	{
		int64_t proto = 0;
		const struct ct_json *h = ct_ctl_client_hello(a), *ms = ct_json_get(h, "methods");
		int found = 0;
		ct_json_get_i64(h, "protocol", &proto);
		is_int(proto, CT_CTL_PROTOCOL, "hello carries the protocol version");
		ok(ct_json_get_str(h, "server") && strncmp(ct_json_get_str(h, "server"), "camtraced ", 10) == 0,
			"hello names the server");
		for (size_t i = 0; i < ct_json_arr_len(ms); i++)
			found += ct_json_str(ct_json_arr_at(ms, i)) && strcmp(ct_json_str(ct_json_arr_at(ms, i)), "echo") == 0;
		is_int(found, 1, "hello lists the registered methods");
	}
	params = ct_json_obj();
	ct_json_add_str(params, "word", "hi");
	r = ct_ctl_client_call(a, "echo", params, 3000, &res);
	is_int(r, 0, "call echo");
	is_str(ct_json_get_str(res, "word"), "hi", "echo returns its params");
	ct_json_free(res);
	ct_json_free(params);

	/* ids echoed, including strings; replies out of order when a method defers */
	m = raw(a, "{\"id\":\"abc\",\"method\":\"echo\"}");
	is_str(ct_json_get_str(m, "id"), "abc", "string id echoed");
	ct_json_free(m);
	ct_ctl_client_send_raw(a, "{\"id\":101,\"method\":\"slow\"}\n{\"id\":102,\"method\":\"echo\"}", 3000);
	{
		int64_t id1 = 0, id2 = 0;
		m = raw(a, NULL);
		ct_json_get_i64(m, "id", &id1);
		ct_json_free(m);
		m = raw(a, NULL);
		ct_json_get_i64(m, "id", &id2);
		is_str(ct_json_get_str(ct_json_get(m, "result"), "done"), "late", "deferred answer arrives");
		ct_json_free(m);
		ok(id1 == 102 && id2 == 101, "the quick request is answered before the deferred one (%lld, %lld)",
			(long long)id1, (long long)id2);
	}

	/* errors */
	m = raw(a, "this is not json");
	is_str(err_code(m), "bad_json", "bad JSON answered with bad_json");
	ok(m && ct_json_get(m, "id") && !ct_json_get_str(m, "id"), "bad JSON reply has id null");
	ct_json_free(m);
	m = raw(a, "[1,2]");
	is_str(err_code(m), "bad_request", "non-object request refused");
	ct_json_free(m);
	m = raw(a, "{\"id\":5}");
	is_str(err_code(m), "bad_request", "request without method refused");
	ct_json_free(m);
	m = raw(a, "{\"id\":6,\"method\":\"echo\",\"params\":[1]}");
	is_str(err_code(m), "bad_params", "params must be an object");
	ct_json_free(m);
	r = ct_ctl_client_call(a, "frobnicate", NULL, 3000, &res);
	is_int(r, CT_EPROTO, "unknown method is an error");
	is_str(ct_ctl_client_error_code(a), "unknown_method", "... coded unknown_method");
	ok(strstr(ct_ctl_client_error(a), "echo") != NULL, "... and the message lists the methods");
	r = ct_ctl_client_call(a, "fail", NULL, 3000, &res);
	is_int(r, CT_EPROTO, "handler error reaches the client");
	is_str(ct_ctl_client_error_code(a), "no_such_thing", "... with the handler's code");
	is_str(ct_ctl_client_error(a), "there is no spoon", "... and message");
	r = ct_ctl_client_call(a, "never", NULL, 3000, &res);
	is_int(r, CT_EPROTO, "a request the daemon never finishes gets an answer");
	is_str(ct_ctl_client_error_code(a), "timeout", "... a timeout error");
	r = ct_ctl_client_call(a, "long", NULL, 3000, &res);
	is_int(r, 0, "a request deferred past the request timeout by ct_ctl_call_defer_for is answered");
	is_str(res ? ct_json_get_str(res, "done") : NULL, "late", "... with its result, not a timeout");
	ct_json_free(res);
	r = ct_ctl_client_call(a, "echo", NULL, 3000, &res);
	is_int(r, 0, "connection still usable after all those errors");
	ct_json_free(res);

	/* hello rules, on raw connections */
	{
		/* a connection that skips hello */
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char buf[512];
		ssize_t n;
		strcpy(sa.sun_path, sock);
		ok(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "raw connect");
		n = write(fd, "{\"id\":1,\"method\":\"echo\"}\n", 25);
		n = read(fd, buf, sizeof buf - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		ok(strstr(buf, "hello_required") != NULL, "a method before hello is refused: %s", buf);
		n = write(fd, "{\"id\":2,\"method\":\"hello\",\"params\":{\"protocol\":2}}\n", 50);
		n = read(fd, buf, sizeof buf - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		ok(strstr(buf, "protocol_version") != NULL && strstr(buf, "\"id\":2"), "wrong protocol version refused: %s", buf);
		/* silent client: disconnected after the hello timeout, without blocking others */
		c = conn();
		r = ct_ctl_client_call(c, "echo", NULL, 3000, &res);
		is_int(r, 0, "another client is served while one is silent");
		ct_json_free(res);
		n = read(fd, buf, sizeof buf); /* blocks until the server drops us (300 ms) */
		is_int(n, 0, "silent client disconnected by the server");
		close(fd);
		ct_ctl_client_free(c);
	}
	{
		/* a client that stalls in the middle of a line does not wedge the daemon */
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		char buf[64];
		strcpy(sa.sun_path, sock);
		connect(fd, (struct sockaddr *)&sa, sizeof sa);
		r = (int)write(fd, "{\"id\":1,\"method\":\"he", 20);
		b = conn();
		r = ct_ctl_client_call(b, "echo", NULL, 3000, &res);
		is_int(r, 0, "a half-written request on another connection does not block this one");
		ct_json_free(res);
		ct_ctl_client_free(b);
		is_int(read(fd, buf, sizeof buf), 0, "half-line client dropped after its timeout");
		close(fd);
	}

	/* two clients at once, interleaved (fresh connections: `a` may have idled out meanwhile) */
	ct_ctl_client_free(a);
	a = conn();
	b = conn();
	params = ct_json_obj();
	ct_json_add_int(params, "n", 1);
	ct_ctl_client_send_raw(a, "{\"id\":201,\"method\":\"slow\"}", 1000);
	r = ct_ctl_client_call(b, "echo", params, 3000, &res);
	is_int(r, 0, "client B answered while client A waits on a slow request");
	ct_json_free(res);
	m = raw(a, NULL);
	{
		int64_t id = 0;
		ct_json_get_i64(m, "id", &id);
		is_int(id, 201, "client A gets its own answer");
	}
	ct_json_free(m);
	ct_json_free(params);

	/* too many clients */
	{
		struct ct_ctl_client *x[4];
		int busy = 0, okc = 0;
		for (int i = 0; i < 4; i++) {
			ct_ctl_client_new(&x[i]);
			r = ct_ctl_client_connect(x[i], sock, 2000);
			if (r == 0)
				okc++;
			else if (strcmp(ct_ctl_client_error_code(x[i]), "busy") == 0)
				busy++;
		}
		is_int(okc, 2, "clients up to the limit (4, two already connected) accepted");
		is_int(busy, 2, "clients over the limit told busy");
		for (int i = 0; i < 4; i++)
			ct_ctl_client_free(x[i]);
	}

	/* over-long line */
	{
		size_t n = CT_CTL_MAX_LINE + 100;
		char *big = malloc(n + 1);
		memset(big, ' ', n);
		memcpy(big, "{\"id\":1,\"method\":\"echo\",\"params\":{\"x\":\"", 39);
		big[n] = '\0';
		m = raw(b, big);
		is_str(err_code(m), "line_too_long", "over-long request refused");
		ct_json_free(m);
		m = raw(b, NULL);
		ok(m == NULL, "... and the connection closed");
		free(big);
	}
	ct_ctl_client_free(b);

	/* hostile input: random bytes, then 1,000 pipelined requests in one write */
	{
		struct ct_ctl_client *h = conn();
		char line[300];
		struct ct_sbuf burst;
		int good = 0, inorder = 1;
		srand(7);
		for (int i = 0; i < 200; i++) {
			int n = rand() % (int)(sizeof line - 1);
			for (int k = 0; k < n; k++) {
				line[k] = (char)(rand() % 256);
				if (line[k] == '\n')
					line[k] = ' ';
			}
			line[n] = '\0'; /* send_raw stops at the first NUL: lines of random length */
			ct_ctl_client_send_raw(h, line, 1000);
		}
		r = ct_ctl_client_call(h, "echo", NULL, 5000, &res);
		is_int(r, 0, "200 lines of random bytes: the server still answers on that connection");
		ct_json_free(res);
		ct_sbuf_init(&burst);
		for (int i = 0; i < 1000; i++)
			ct_sbuf_printf(&burst, "%s{\"id\":%d,\"method\":\"echo\",\"params\":{\"i\":%d}}", i ? "\n" : "", 5000 + i, i);
		ct_ctl_client_send_raw(h, burst.p, 5000);
		ct_sbuf_fini(&burst);
		for (int i = 0; i < 1000; i++) {
			int64_t id = 0, v = -1;
			m = NULL;
			if (ct_ctl_client_recv(h, 5000, &m) != 0)
				break;
			ct_json_get_i64(m, "id", &id);
			ct_json_get_i64(ct_json_get(m, "result"), "i", &v);
			good += id == 5000 + i && v == i;
			inorder &= id == 5000 + i;
			ct_json_free(m);
		}
		is_int(good, 1000, "1,000 pipelined requests: every one answered with its own id");
		ok(inorder, "... in order");
		ct_ctl_client_free(h);
	}

	/* streamed replies: element by element on the client, one chunk at a time in the server */
	{
		struct seen { int64_t n; int inorder; } sn = { 0, 1 };
		struct ct_ctl_client *slow, *c2;
		struct ct_json *p = ct_json_obj();
		uint64_t t0;
		int64_t v = 0, done0 = 0;
		ct_json_add_int(p, "n", 50000);
		r = ct_ctl_client_call_each(a, "big", p, 20000, "items", each_item, &sn, &res);
		is_int(r, 0, "a streamed reply of 50,000 elements (5 MB) arrives");
		ok(sn.n == 50000 && sn.inorder, "... every element once, in order (%lld)", (long long)sn.n);
		ok(ct_json_get_i64(res, "n", &v) == 0 && v == 50000 && ct_json_get(res, "end") &&
			ct_json_first(ct_json_get(res, "items")) == NULL, "... the rest of the result kept, the array emptied");
		ct_json_free(res);
		sn.n = 0;
		sn.inorder = 1;
		r = ct_ctl_client_call_raw(a, "big", p, 20000, "items", each_raw, &sn, &res);
		ok(r == 0 && sn.n == 50000 && sn.inorder, "call_raw: the 50,000 elements as text (el NULL), each one whole "
			"JSON object, in order (%lld)", (long long)sn.n);
		ct_json_free(res);
		r = ct_ctl_client_call(a, "streams", NULL, 3000, &res);
		v = -1;
		r = r ? r : ct_json_get_i64(res, "max_len", &v);
		ok(r == 0 && v > 0 && v < 2 * CT_CTL_STREAM_CHUNK, "... the server held at most %lld bytes of it at a time",
			(long long)v);
		ct_json_get_i64(res, "done", &done0);
		ct_json_free(res);
		/* a call abandoned in the middle of its streamed reply: the next call finishes reading it
		 * and gets only its own elements */
		ct_json_free(p);
		p = ct_json_obj();
		ct_json_add_int(p, "n", 50000);
		r = ct_ctl_client_call_each(a, "big", p, 1, "items", each_item, &(struct seen){ 0, 1 }, &res);
		ct_json_free(res);
		ct_json_free(p);
		p = ct_json_obj();
		ct_json_add_int(p, "n", 10);
		sn.n = 0;
		sn.inorder = 1;
		r = ct_ctl_client_call_each(a, "big", p, 5000, "items", each_item, &sn, &res);
		ok(r == 0 && sn.n == 10 && sn.inorder, "after an abandoned streamed call, the next one gets its own 10 elements "
			"only (%lld)", (long long)sn.n);
		ct_json_free(res);
		/* a reader that does not read: the others are served meanwhile, it is dropped after write_ms */
		if (ct_ctl_client_call(a, "streams", NULL, 3000, &res) == 0)
			ct_json_get_i64(res, "done", &done0);
		ct_json_free(res);
		slow = conn();
		ct_ctl_client_send_raw(slow, "{\"id\":9,\"method\":\"big\",\"params\":{\"n\":200000}}", 1000);
		usleep(100000);
		c2 = conn();
		t0 = ct_mono_ms();
		r = ct_ctl_client_call(c2, "echo", NULL, 3000, &res);
		ok(r == 0 && ct_mono_ms() - t0 < 500, "another client is answered while a reader stalls a stream (%llu ms)",
			(unsigned long long)(ct_mono_ms() - t0));
		ct_json_free(res);
		usleep(2300000);
		r = ct_ctl_client_call(c2, "streams", NULL, 3000, &res);
		ok(r == 0 && ct_json_get_i64(res, "done", &v) == 0 && v == done0 + 1,
			"the stalled reader is dropped after write_ms and its stream freed");
		v = -1;
		ct_json_get_i64(res, "max_len", &v);
		ok(v > 0 && v < 2 * CT_CTL_STREAM_CHUNK, "... having cost the server one chunk at a time (%lld bytes)",
			(long long)v);
		ct_json_free(res);
		ct_ctl_client_free(slow);
		/* requests behind a streamed reply are answered after it, in order */
		ct_ctl_client_send_raw(c2, "{\"id\":20,\"method\":\"big\",\"params\":{\"n\":3000}}\n"
			"{\"id\":21,\"method\":\"echo\",\"params\":{\"x\":1}}", 1000);
		m = NULL;
		r = ct_ctl_client_recv(c2, 3000, &m);
		ok(r == 0 && ct_json_get_i64(m, "id", &v) == 0 && v == 20, "pipelined: the streamed reply first");
		ct_json_free(m);
		m = NULL;
		r = ct_ctl_client_recv(c2, 3000, &m);
		ok(r == 0 && ct_json_get_i64(m, "id", &v) == 0 && v == 21, "... then the request sent behind it");
		ct_json_free(m);
		ct_ctl_client_free(c2);
		ct_json_free(p);
	}

	/* a second server on the same path is refused */
	{
		struct ct_evloop *e2;
		struct ct_ctl_server *s2;
		char err[256];
		ct_evloop_new(&e2);
		is_int(ct_ctl_server_open(&s2, e2, sock, NULL, err, sizeof err), CT_EEXIST, "second daemon refused");
		ok(strstr(err, "already answers") != NULL, "... saying why");
		ct_evloop_free(e2);
	}

	/* a client that said hello and then nothing is dropped after the idle timeout */
	ct_ctl_client_free(a);
	a = conn();
	m = NULL;
	r = ct_ctl_client_recv(a, 10000, &m);
	is_int(r, CT_ECLOSED, "an idle client is disconnected");
	ct_json_free(m);
	ct_ctl_client_free(a);
	a = conn();
	r = ct_ctl_client_call(a, "quit", NULL, 3000, &res);
	is_int(r, 0, "quit");
	ct_json_free(res);
	ct_ctl_client_free(a);
	if (r != 0)
		kill(pid, SIGTERM);
	waitpid(pid, &r, 0);
	ok(WIFEXITED(r) && WEXITSTATUS(r) == 0, "server exited cleanly");
	ok(access(sock, F_OK) != 0, "socket removed on close");

	/* a stale socket (daemon killed) is told apart from a missing one, and replaced */
	{
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct ct_evloop *e2;
		struct ct_ctl_server *s2;
		char err[256];
		strcpy(sa.sun_path, sock);
		bind(fd, (struct sockaddr *)&sa, sizeof sa);
		close(fd);
		ct_ctl_client_new(&a);
		is_int(ct_ctl_client_connect(a, sock, 1000), CT_ECLOSED, "stale socket: CT_ECLOSED");
		ct_ctl_client_free(a);
		ct_evloop_new(&e2);
		is_int(ct_ctl_server_open(&s2, e2, sock, NULL, err, sizeof err), 0, "stale socket replaced");
		ct_ctl_server_close(s2);
		ct_evloop_free(e2);
	}

	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return tap_done();
}
