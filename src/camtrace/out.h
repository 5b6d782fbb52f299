/* out.h: rendering helpers shared by commands: JSON documents, colour, progress, errors. */
#ifndef CT_OUT_H
#define CT_OUT_H

#include "cmd.h"
#include "json.h"

#define CT_SCHEMA_VERSION 1

/* Starts the JSON document every diagnostic command prints: {schema_version, command, ...}. */
struct ct_json *out_doc_new(const char *command);
/* Records an error inside the document's "errors" array (code is a short snake_case tag). */
void out_doc_error(struct ct_json *doc, const char *code, const char *message);
/* Prints the document (pretty) to stdout and frees it. */
void out_doc_print(struct ct_json *doc);

/* Colour codes, empty strings when colour is off. */
const char *out_c(const struct ct_cli *cli, const char *what); /* "ok" "bad" "warn" "dim" "bold" "reset" */
/* A one-line progress indicator on stderr (TTY only); done=total clears it. */
void out_progress(const struct ct_cli *cli, const char *label, unsigned long done, unsigned long total);
/* An error that ends the command: with --json one document {command, ctl_socket (when not NULL),
 * errors: [{code, message}]} on stdout, else "camtrace CMD: message" on stderr. Returns rc. */
int out_fail(const struct ct_cli *cli, const char *cmd, const char *ctl_socket, const char *code, int rc,
	const char *msg);
/* Prints "camtrace CMD: message" to stderr (text mode). */
void out_err(const struct ct_cli *cli, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
