/* out.h: rendering helpers shared by commands: JSON documents, colour, progress, errors. */
#ifndef CT_OUT_H
#define CT_OUT_H

#include "cmd.h"
#include "json.h"
#include "sbuf.h"
#include "jsonw.h"

#define CT_SCHEMA_VERSION 1

/* Starts the JSON document every diagnostic command prints: {schema_version, command, ...}. */
struct ct_json *out_doc_new(const char *command);
/* Records an error inside the document's "errors" array (code is a short snake_case tag). */
void out_doc_error(struct ct_json *doc, const char *code, const char *message);
/* Prints the document (pretty) to stdout and frees it. */
void out_doc_print(struct ct_json *doc);

/* A document written as it goes (long lists, never a whole tree): begin writes "{" and
 * schema_version, command, camtrace_version; out_sdoc_key starts one more member; out_sdoc_end
 * writes "errors" (one error when code is not NULL), closes the document and flushes. */
void out_sdoc_begin(struct ct_out *o, const char *command);
void out_sdoc_key(struct ct_out *o, const char *key);
void out_sdoc_end(struct ct_out *o, const char *code, const char *message);
/* An array member written element by element: items are raw JSON texts. */
void out_sdoc_item(struct ct_out *o, const char *raw, size_t len, int first);

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
/* A table cell: s in exactly width columns by display width (a Japanese character takes two;
 * cut with an ellipsis, never mid-character; controls shown as '?'), then one space. */
void out_cell(struct ct_sbuf *b, const char *s, unsigned width);

#endif
