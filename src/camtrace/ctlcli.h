/* ctlcli.h: what the daemon-facing commands share: connect to camtraced, call, report errors (text or JSON). */
#ifndef CT_CTLCLI_H
#define CT_CTLCLI_H

#include "cmd.h"
#include "ctl.h"
#include "json.h"

/* The control socket path: --ctl, else $CAMTRACED_CTL, else the built-in default. */
const char *ctlcli_path(const struct ct_cli *cli);
/* Per-request timeout in ms (--timeout, default 10 s). */
int ctlcli_timeout_ms(const struct ct_cli *cli);
/* Connects and says hello. On failure prints the reason (naming the socket and how to start
 * camtraced) as text or as a JSON document, stores the exit code in *rc and returns NULL. */
struct ct_ctl_client *ctlcli_connect(const struct ct_cli *cli, const char *cmd, int *rc);
/* One call with the request timeout; on failure prints the error like ctlcli_connect and
 * returns the exit code, else 0 with *res set (caller frees). */
int ctlcli_call(const struct ct_cli *cli, const char *cmd, struct ct_ctl_client *c,
	const char *method, const struct ct_json *params, struct ct_json **res);
/* What a failed call (r from ct_ctl_client_call*) means: *code (snake_case), msg, and the
 * exit code; nothing printed (for a command that already began its output). */
int ctlcli_why(const struct ct_cli *cli, struct ct_ctl_client *c, const char *method, int r,
	const char **code, char *msg, size_t len);

/* Calls fn for each element of a JSON array, in order (ct_json_first/ct_json_next). */
int ctlcli_foreach(const struct ct_json *arr, void (*fn)(const struct ct_json *el, void *ud), void *ud);

/* Text helpers for results. */
const char *ctlcli_str(const struct ct_json *o, const char *key, const char *dflt);
long long ctlcli_int(const struct ct_json *o, const char *key, long long dflt);
/* "3h05m", "42s" */
void ctlcli_fmt_secs(long long s, char *buf, size_t len);

#endif
