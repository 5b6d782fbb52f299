/* out.c: JSON document framing, colour and TTY progress for the camtrace front end. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "out.h"
#include "textw.h"
#include "version.h"

struct ct_json *out_doc_new(const char *command)
{
	struct ct_json *d = ct_json_obj();

	ct_json_add_int(d, "schema_version", CT_SCHEMA_VERSION);
	ct_json_add_str(d, "command", command);
	ct_json_add_str(d, "camtrace_version", ct_version());
	return d;
}

void out_doc_error(struct ct_json *doc, const char *code, const char *message)
{
	struct ct_json *errs = (struct ct_json *)ct_json_get(doc, "errors");
	struct ct_json *e;

	if (!errs)
		errs = ct_json_add_arr(doc, "errors");
	e = ct_json_add_obj(errs, NULL);
	ct_json_add_str(e, "code", code);
	ct_json_add_str(e, "message", message);
}

void out_doc_print(struct ct_json *doc)
{
	char *s;

	if (!ct_json_get(doc, "errors"))
		ct_json_add_arr(doc, "errors");
	s = ct_json_print(doc, 1);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	fflush(stdout);
	ct_json_free(doc);
}

void out_sdoc_key(struct ct_out *o, const char *key)
{
	ct_out_puts(o, ",\n  ");
	ct_jw_str(o, key, strlen(key));
	ct_out_puts(o, ": ");
}

void out_sdoc_begin(struct ct_out *o, const char *command)
{
	ct_out_puts(o, "{\n  \"schema_version\": ");
	ct_out_i64(o, CT_SCHEMA_VERSION);
	out_sdoc_key(o, "command");
	ct_jw_str(o, command, strlen(command));
	out_sdoc_key(o, "camtrace_version");
	ct_jw_str(o, ct_version(), strlen(ct_version()));
}

void out_sdoc_item(struct ct_out *o, const char *raw, size_t len, int first)
{
	ct_out_puts(o, first ? "\n    " : ",\n    ");
	ct_out_put(o, raw, len);
	ct_out_flush(o, 0);
}

void out_sdoc_end(struct ct_out *o, const char *code, const char *message)
{
	out_sdoc_key(o, "errors");
	if (code) {
		ct_out_puts(o, "[\n    {\"code\": ");
		ct_jw_str(o, code, strlen(code));
		ct_out_puts(o, ", \"message\": ");
		ct_jw_str(o, message, strlen(message));
		ct_out_puts(o, "}\n  ]");
	} else
		ct_out_puts(o, "[]");
	ct_out_puts(o, "\n}\n");
	ct_out_flush(o, 1);
}

const char *out_c(const struct ct_cli *cli, const char *what)
{
	static const struct { const char *name, *code; } tab[] = {
		{ "ok", "\033[32m" }, { "bad", "\033[31m" }, { "warn", "\033[33m" },
		{ "dim", "\033[2m" }, { "bold", "\033[1m" }, { "reset", "\033[0m" },
	};

	if (!cli->color)
		return "";
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strcmp(tab[i].name, what) == 0)
			return tab[i].code;
	return "";
}

void out_progress(const struct ct_cli *cli, const char *label, unsigned long done, unsigned long total)
{
	int width = 30, fill;

	if (!cli->progress)
		return;
	if (total == 0 || done >= total) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		return;
	}
	fill = (int)((double)done / (double)total * width);
	fprintf(stderr, "\r\033[K%s [%.*s%*s] %lu/%lu", label, fill,
		"##############################", width - fill, "", done, total);
	fflush(stderr);
}

int out_fail(const struct ct_cli *cli, const char *cmd, const char *ctl_socket, const char *code, int rc,
	const char *msg)
{
	struct ct_json *d;

	if (!cli->json) {
		out_err(cli, cmd, "%s", msg);
		return rc;
	}
	d = out_doc_new(cmd);
	if (ctl_socket)
		ct_json_add_str(d, "ctl_socket", ctl_socket);
	out_doc_error(d, code, msg);
	out_doc_print(d);
	return rc;
}

void out_err(const struct ct_cli *cli, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "camtrace%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	(void)cli;
}

void out_cell(struct ct_sbuf *b, const char *s, unsigned width)
{
	ct_textw_fit(b, s, width, 0);
	ct_sbuf_addc(b, ' ');
}
