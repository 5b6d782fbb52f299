/* cmd-decode.c: `camtrace decode`: decode IPMsg datagrams given as C-escaped strings, hex, or raw files. */
#include "config.h"
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include "cmd.h"
#include "codec.h"
#include "err.h"
#include "ipmsg.h"
#include "out.h"
#include "sbuf.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* C escapes: \a \b \f \n \r \t \v \\ \" \' \? \e, \0 (always one NUL), \NNN octal (first digit
 * 1-7), \xH or \xHH. Writes a message into err on failure. */
static int unescape(const char *s, struct ct_sbuf *out, char *err, size_t errlen)
{
	for (size_t i = 0; s[i];) {
		char c = s[i++];
		if (c != '\\') {
			ct_sbuf_addc(out, c);
			continue;
		}
		c = s[i++];
		switch (c) {
		case 'a': ct_sbuf_addc(out, '\a'); break;
		case 'b': ct_sbuf_addc(out, '\b'); break;
		case 'f': ct_sbuf_addc(out, '\f'); break;
		case 'n': ct_sbuf_addc(out, '\n'); break;
		case 'r': ct_sbuf_addc(out, '\r'); break;
		case 't': ct_sbuf_addc(out, '\t'); break;
		case 'v': ct_sbuf_addc(out, '\v'); break;
		case 'e': ct_sbuf_addc(out, '\033'); break;
		case '0': ct_sbuf_addc(out, '\0'); break;
		case '\\': case '"': case '\'': case '?': ct_sbuf_addc(out, c); break;
		case 'x': {
			int h1 = hexval((unsigned char)s[i]), h2;
			if (h1 < 0) {
				snprintf(err, errlen, "'\\x' without hex digits at offset %zu", i - 2);
				return -1;
			}
			i++;
			h2 = hexval((unsigned char)s[i]);
			if (h2 >= 0) {
				h1 = h1 * 16 + h2;
				i++;
			}
			ct_sbuf_addc(out, (char)h1);
			break;
		}
		default:
			if (c >= '1' && c <= '7') {
				int v = c - '0';
				for (int k = 0; k < 2 && s[i] >= '0' && s[i] <= '7'; k++)
					v = v * 8 + (s[i++] - '0');
				if (v > 0xff) {
					snprintf(err, errlen, "octal escape above \\377 at offset %zu", i);
					return -1;
				}
				ct_sbuf_addc(out, (char)v);
				break;
			}
			if (c == '\0')
				snprintf(err, errlen, "a lone '\\' at the end");
			else
				snprintf(err, errlen, "unknown escape '\\%c' at offset %zu", c, i - 2);
			return -1;
		}
	}
	return out->err;
}

/* Hex digits, optionally "0x"-prefixed, whitespace anywhere. */
static int unhex(const char *s, struct ct_sbuf *out, char *err, size_t errlen)
{
	int hi = -1;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (size_t i = 0; s[i]; i++) {
		int v;
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			continue;
		if ((v = hexval((unsigned char)s[i])) < 0) {
			snprintf(err, errlen, "'%c' is not a hex digit (offset %zu)", s[i], i);
			return -1;
		}
		if (hi < 0) {
			hi = v;
		} else {
			ct_sbuf_addc(out, (char)(hi * 16 + v));
			hi = -1;
		}
	}
	if (hi >= 0) {
		snprintf(err, errlen, "odd number of hex digits");
		return -1;
	}
	return out->err;
}

static int read_file(const char *path, struct ct_sbuf *out, char *err, size_t errlen)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char buf[8192];
	size_t n;

	if (!fp) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0 && out->len <= CT_IPMSG_MAXDGRAM)
		ct_sbuf_add(out, buf, n);
	if (ferror(fp))
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
	if (fp != stdin)
		fclose(fp);
	return err[0] ? -1 : out->err;
}

struct decode_run {
	struct ct_cli *cli;
	struct ct_json *doc, *pkts;
	unsigned n, bad;
};

static void emit(struct decode_run *r, const char *input, const char *data, size_t len)
{
	struct ct_ipmsg_desc d;
	struct ct_sbuf line;

	r->n++;
	if (ct_ipmsg_describe(data, len, &d) != 0) {
		out_err(r->cli, "decode", "out of memory");
		ct_ipmsg_desc_fini(&d);
		r->bad++;
		return;
	}
	if ((d.err && !d.ipdict) || d.body_err)
		r->bad++; /* an IPDict datagram is recognised, not malformed */
	if (r->doc) {
		struct ct_json *o = ct_json_add_obj(r->pkts, NULL);
		ct_json_add_int(o, "index", r->n);
		ct_json_add_str(o, "input", input);
		ct_ipmsg_desc_json(&d, o);
	} else {
		ct_sbuf_init(&line);
		ct_ipmsg_desc_line(&d, &line);
		printf("%s\n", line.p ? line.p : "");
		if (r->cli->verbose) {
			ct_sbuf_reset(&line);
			ct_ipmsg_escape(&line, data, len);
			printf("    raw (%zu bytes): \"%s\"\n", len, line.p ? line.p : "");
			if (r->cli->verbose > 1) {
				struct ct_json *o = ct_json_obj();
				char *t;
				ct_ipmsg_desc_json(&d, o);
				t = ct_json_print(o, 1);
				printf("%s\n", t ? t : "");
				free(t);
				ct_json_free(o);
			}
		}
		ct_sbuf_fini(&line);
	}
	ct_ipmsg_desc_fini(&d);
}

/* Reports a bad argument; returns the usage exit code. */
static int bad_input(struct decode_run *r, const char *what, const char *msg)
{
	if (r->doc) {
		char m[512];
		snprintf(m, sizeof m, "%s: %s", what, msg);
		out_doc_error(r->doc, "bad_input", m);
		out_doc_print(r->doc);
	} else {
		out_err(r->cli, "decode", "%s: %s", what, msg);
	}
	return CT_EXIT_USAGE;
}

struct decode_opts {
	int hex;              /* -x: PACKET arguments are hex, -e: C-escaped */
	struct cmd_list files; /* -f FILE... */
};

/* The raw datagrams of the --file arguments; EX_NOINPUT (reported) when one cannot be read. */
static int decode_files(struct decode_run *r, const struct cmd_list *files, struct ct_sbuf *pkt)
{
	char err[256] = "";

	for (int i = 0; i < files->n; i++) {
		ct_sbuf_reset(pkt);
		if (read_file(files->v[i], pkt, err, sizeof err) != 0) {
			if (r->doc) {
				out_doc_error(r->doc, "no_input", err);
				out_doc_print(r->doc);
			} else {
				out_err(r->cli, "decode", "%s", err);
			}
			return EX_NOINPUT;
		}
		emit(r, files->v[i], pkt->p ? pkt->p : "", pkt->len);
	}
	return CT_EXIT_OK;
}

/* The PACKET arguments, else one packet per line of standard input. */
static int decode_args(struct decode_run *r, int hex, int from_stdin, int argc, char **argv, struct ct_sbuf *pkt)
{
	char err[256], what[64], *lbuf = NULL;
	size_t lcap = 0;
	int rc = CT_EXIT_OK;

	for (int i = 0; from_stdin || i < argc; i++) {
		const char *arg;
		if (from_stdin) {
			ssize_t n = getline(&lbuf, &lcap, stdin);
			if (n < 0)
				break;
			while (n > 0 && (lbuf[n - 1] == '\n' || lbuf[n - 1] == '\r'))
				lbuf[--n] = '\0';
			if (n == 0 || lbuf[0] == '#')
				continue; /* blank lines and comments */
			arg = lbuf;
		} else {
			arg = argv[i];
		}
		err[0] = '\0';
		ct_sbuf_reset(pkt);
		if ((hex ? unhex(arg, pkt, err, sizeof err) : unescape(arg, pkt, err, sizeof err)) != 0) {
			snprintf(what, sizeof what, "packet %u", r->n + 1);
			rc = bad_input(r, what, err[0] ? err : "out of memory");
			break;
		}
		emit(r, arg, pkt->p ? pkt->p : "", pkt->len);
	}
	free(lbuf);
	return rc;
}

static int decode_exec(struct ct_cli *cli, void *opts, int argc, char **argv)
{
	const struct decode_opts *o = opts;
	struct decode_run r = { .cli = cli };
	struct ct_sbuf pkt;
	int rc;

	if (cli->json) {
		r.doc = out_doc_new("decode");
		r.pkts = ct_json_add_arr(r.doc, "packets");
	}
	ct_sbuf_init(&pkt);
	rc = decode_files(&r, &o->files, &pkt);
	if (rc == CT_EXIT_OK)
		rc = decode_args(&r, o->hex, argc == 0 && o->files.n == 0, argc, argv, &pkt);
	ct_sbuf_fini(&pkt);
	if (rc != CT_EXIT_OK)
		return rc;
	if (r.doc) {
		ct_json_add_int(r.doc, "decoded", r.n);
		ct_json_add_int(r.doc, "malformed", r.bad);
		out_doc_print(r.doc);
	}
	return r.bad ? CT_EXIT_FAIL : CT_EXIT_OK;
}

#define O(f) offsetof(struct decode_opts, f)
static const struct cmd_opt decode_opts[] = {
	{ .type = CMD_OPT_TEXT, .arg = "PACKET", .help = "a datagram as a C-escaped string (default): \\0 is one NUL byte,\n"
	  "\\a \\b \\n \\r \\t \\\\ \\\" \\xHH \\NNN (octal, first digit 1-7)" },
	{ "hex", 'x', CMD_OPT_SET, O(hex), .val = 1, .help = "PACKET arguments are hex digits (whitespace ignored, 0x allowed)" },
	{ "escaped", 'e', CMD_OPT_SET, O(hex), .val = 0, .help = "PACKET arguments are C-escaped strings (the default)" },
	{ "file", 'f', CMD_OPT_LIST, O(files), .arg = "FILE",
	  .help = "decode the raw bytes of FILE as one datagram ('-' = stdin); repeatable" },
	{ .type = CMD_OPT_TEXT, .help = "  With no PACKET and no --file, reads one packet per line from standard input\n"
	  "  (blank lines and lines starting with '#' are skipped)." },
	{ .type = CMD_OPT_TEXT, .arg = "-v", .help = "also print the raw bytes; -vv adds the JSON of each packet" },
	{ .type = CMD_OPT_TEXT, .arg = "--json", .help = "one document: {\"packets\": [...], \"decoded\", \"malformed\"}" },
	{ 0 },
};

const struct cmd_entry cmd_decode_entry = {
	.name = "decode",
	.args = "[--hex | --escaped] [--file FILE]... [PACKET...]",
	.summary = "decode IP Messenger datagrams given as C-escaped strings, hex, or raw files",
	.help = "  Exit status: 0 all decoded, 1 some datagram was malformed, 2 bad input text.\n",
	.flags = CMD_F_ARGS_END_OPTS,
	.opts = decode_opts,
	.opts_size = sizeof(struct decode_opts),
	.arg_name = "PACKET",
	.args_max = -1,
	.exec = decode_exec,
};
