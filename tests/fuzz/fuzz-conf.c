/* fuzz-conf.c: libFuzzer target for the configuration parser (conf.c, confval.c, camtraced's table): never crashes, every error has FILE:LINE, and -T of what parses re-parses to the same config. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "conf.h"
#include "dconf.h"
#include "err.h"
#include "log.h"
#include "sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What camtraced does with a file: defaults, the text, the machine-dependent values. */
static int load(struct ct_daemon_conf *c, const char *name, const char *text, size_t len, struct ct_sbuf *errs)
{
	int r;

	memset(c, 0, sizeof *c);
	if (ct_conf_defaults(&ct_dconf_table, c, errs) != 0)
		abort(); /* the built-in defaults always parse */
	r = ct_conf_parse_text(&ct_dconf_table, c, name, text, len, errs);
	/* an error exactly when there is a message, and each one says where */
	if ((r != 0) != (errs->len > 0) || (r != 0 && strncmp(errs->p, name, strlen(name)) != 0))
		abort();
	if (r == 0)
		r = ct_dconf_finalize(c, errs);
	return r;
}

/* -T without the note on a computed allow list (the re-parsed file states it explicitly). */
static void print_T(const struct ct_daemon_conf *c, struct ct_sbuf *out)
{
	char *note;

	ct_dconf_print(c, out);
	/* a line of its own at the end (values never hold a raw newline in -T) */
	if (out->p && (note = strstr(out->p, "\n# allow above was computed")) != NULL) {
		out->len = (size_t)(note + 1 - out->p);
		out->p[out->len] = '\0';
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_daemon_conf c, c2;
	struct ct_sbuf errs, t1, t2;

	if (size > 16384)
		return 0;
	ct_log_set_level(CT_LOG_ERR); /* "set again" notices are not the point */
	ct_sbuf_init(&errs);
	ct_sbuf_init(&t1);
	ct_sbuf_init(&t2);
	if (load(&c, "fuzz", (const char *)data, size, &errs) == 0) {
		print_T(&c, &t1);
		/* -T is text: no control byte but the line ends */
		for (size_t i = 0; i < t1.len; i++)
			if (((unsigned char)t1.p[i] < 0x20 && t1.p[i] != '\n') || t1.p[i] == 0x7f)
				abort();
		ct_sbuf_reset(&errs);
		if (load(&c2, "-T", t1.p, t1.len, &errs) != 0)
			abort(); /* -T output that does not parse back */
		print_T(&c2, &t2);
		if (t1.len != t2.len || memcmp(t1.p, t2.p, t1.len) != 0)
			abort(); /* ... or parses to another configuration */
		ct_dconf_free(&c2);
	}
	ct_dconf_free(&c);
	ct_sbuf_fini(&errs);
	ct_sbuf_fini(&t1);
	ct_sbuf_fini(&t2);
	return 0;
}
