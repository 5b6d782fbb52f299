/* ctlcli.c: what the daemon-facing commands share: connect to camtraced, call, report errors (text or JSON). */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include "err.h"
#include "out.h"
#include "ctlcli.h"

const char *ctlcli_path(const struct ct_cli *cli)
{
	const char *env = getenv("CAMTRACED_CTL");

	if (cli->ctl && cli->ctl[0])
		return cli->ctl;
	if (env && env[0])
		return env;
	return CT_CTL_DEFAULT_PATH;
}

int ctlcli_timeout_ms(const struct ct_cli *cli)
{
	return cli->timeout > 0 ? (int)(cli->timeout * 1000) : 10000;
}

static int report(const struct ct_cli *cli, const char *cmd, const char *code, int rc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int report(const struct ct_cli *cli, const char *cmd, const char *code, int rc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return out_fail(cli, cmd, ctlcli_path(cli), code, rc, msg);
}

struct ct_ctl_client *ctlcli_connect(const struct ct_cli *cli, const char *cmd, int *rc)
{
	struct ct_ctl_client *c;
	const char *path = ctlcli_path(cli);
	int r;

	if (ct_ctl_client_new(&c) != 0) {
		*rc = report(cli, cmd, "no_memory", EX_OSERR, "out of memory");
		return NULL;
	}
	r = ct_ctl_client_connect(c, path, ctlcli_timeout_ms(cli));
	if (r == 0)
		return c;
	switch (r) {
	case CT_ENOTFOUND:
	case CT_ECLOSED:
		*rc = report(cli, cmd, "daemon_not_running", EX_UNAVAILABLE,
			"camtraced is not running (%s). Start it with 'systemctl start camtraced' or "
			"'camtraced -f', or give its ctl_socket with --ctl PATH",
			ct_ctl_client_error(c));
		break;
	case CT_EPERM:
		*rc = report(cli, cmd, "permission_denied", EX_NOPERM,
			"%s: run as root or as a member of the socket's group (ctl_group in camtraced.conf)",
			ct_ctl_client_error(c));
		break;
	case CT_ETIMEDOUT:
		*rc = report(cli, cmd, "timeout", EX_TEMPFAIL, "camtraced on %s did not answer within %d ms",
			path, ctlcli_timeout_ms(cli));
		break;
	default:
		if (strcmp(ct_ctl_client_error_code(c), "busy") == 0)
			*rc = report(cli, cmd, "busy", EX_TEMPFAIL, "camtraced is busy: %s", ct_ctl_client_error(c));
		else
			*rc = report(cli, cmd, r == CT_EPROTO ? "protocol" : "ctl_error",
				r == CT_EPROTO ? EX_PROTOCOL : EX_UNAVAILABLE, "%s", ct_ctl_client_error(c));
		break;
	}
	ct_ctl_client_free(c);
	return NULL;
}

int ctlcli_why(const struct ct_cli *cli, struct ct_ctl_client *c, const char *method, int r,
	const char **code, char *msg, size_t len)
{
	const char *ec = ct_ctl_client_error_code(c), *em = ct_ctl_client_error(c);

	if (r == CT_EPROTO) {
		*code = ec[0] ? ec : "failed";
		if (strcmp(ec, "unknown_method") == 0) {
			snprintf(msg, len, "this camtraced does not offer '%s' (is it older than camtrace?): %s", method, em);
			return EX_PROTOCOL;
		}
		snprintf(msg, len, "%s", em);
		if (strcmp(ec, "bad_params") == 0)
			return CT_EXIT_USAGE;
		if (strcmp(ec, "timeout") == 0 || strcmp(ec, "busy") == 0)
			return EX_TEMPFAIL;
		return CT_EXIT_FAIL;
	}
	if (r == CT_ETIMEDOUT) {
		*code = "timeout";
		snprintf(msg, len, "camtraced did not answer '%s' within %d ms (raise it with --timeout SECONDS)",
			method, ctlcli_timeout_ms(cli));
		return EX_TEMPFAIL;
	}
	if (r == CT_ECLOSED) {
		*code = "daemon_gone";
		snprintf(msg, len, "camtraced closed the connection during '%s' (did it stop? see its log)", method);
		return EX_UNAVAILABLE;
	}
	*code = "ctl_error";
	snprintf(msg, len, "%s", em);
	return EX_SOFTWARE;
}

int ctlcli_call(const struct ct_cli *cli, const char *cmd, struct ct_ctl_client *c,
	const char *method, const struct ct_json *params, struct ct_json **res)
{
	int r = ct_ctl_client_call(c, method, params, ctlcli_timeout_ms(cli), res);
	const char *code;
	char msg[1024];
	int rc;

	if (r == 0)
		return 0;
	rc = ctlcli_why(cli, c, method, r, &code, msg, sizeof msg);
	return report(cli, cmd, code, rc, "%s", msg);
}

const char *ctlcli_str(const struct ct_json *o, const char *key, const char *dflt)
{
	const char *s = o ? ct_json_get_str(o, key) : NULL;

	return s ? s : dflt;
}

long long ctlcli_int(const struct ct_json *o, const char *key, long long dflt)
{
	int64_t v;

	return o && ct_json_get_i64(o, key, &v) == 0 ? (long long)v : dflt;
}

void ctlcli_fmt_secs(long long s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
	else
		snprintf(buf, len, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
}

int ctlcli_foreach(const struct ct_json *arr, void (*fn)(const struct ct_json *el, void *ud), void *ud)
{
	for (const struct ct_json *el = ct_json_first(arr); el; el = ct_json_next(el))
		fn(el, ud);
	return 0;
}
