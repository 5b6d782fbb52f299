/* cmdopt.c: the one option parser of camtrace's commands: tables of struct cmd_opt, values checked by the config engine's parsers, help lines. */
#include "config.h"
#include <arpa/inet.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "confval.h"
#include "err.h"
#include "cmdopt.h"

#define FIELD(dst, o, type) ((type *)(void *)((char *)(dst) + (o)->off))

static int takes_value(const struct cmd_opt *o)
{
	return o->type != CMD_OPT_FLAG && o->type != CMD_OPT_SET && o->type != CMD_OPT_COUNTER;
}

static int is_option(const struct cmd_opt *o)
{
	return o->type != CMD_OPT_TEXT;
}

/* The range of a number option: the table's, else the type's own. */
static void range_of(const struct cmd_opt *o, double *lo, double *hi)
{
	*lo = o->min;
	*hi = o->max;
	if (o->min != 0 || o->max != 0)
		return;
	switch (o->type) {
	case CMD_OPT_INT: *lo = INT_MIN; *hi = INT_MAX; break;
	case CMD_OPT_PORT: *lo = 1; *hi = 65535; break;
	case CMD_OPT_SECONDS: *lo = 0; *hi = 86400.0 * 366; break;
	case CMD_OPT_MS: *lo = 0; *hi = 86400000.0 * 366; break;
	case CMD_OPT_RATE: *lo = 0; *hi = 1e9; break;
	default: break;
	}
}

void cmdopt_want(const struct cmd_opt *o, char *buf, size_t len)
{
	double lo, hi;
	size_t n;

	range_of(o, &lo, &hi);
	switch (o->type) {
	case CMD_OPT_INT:
		snprintf(buf, len, "a whole number from %.10g to %.10g", lo, hi);
		return;
	case CMD_OPT_PORT:
		snprintf(buf, len, "a port number from %.10g to %.10g", lo, hi);
		return;
	case CMD_OPT_PORTS:
		if (o->max > 0)
			snprintf(buf, len, "a port or a range LOW-HIGH of at most %.10g ports (such as 22224-22227)", o->max);
		else
			snprintf(buf, len, "a port or a range LOW-HIGH (such as 22224-22227)");
		return;
	case CMD_OPT_SECONDS:
		snprintf(buf, len, "seconds from %.10g to %.10g (fractions or a unit, such as 2.5 or 1500ms)", lo, hi);
		return;
	case CMD_OPT_MS:
		snprintf(buf, len, "milliseconds from %.10g to %.10g (such as 250, or with a unit: 4s, 1m)", lo, hi);
		return;
	case CMD_OPT_RATE:
		snprintf(buf, len, "a rate from %.10g to %.10g per second (such as 100, 100/s or 20/m)", lo, hi);
		return;
	case CMD_OPT_ADDRESS:
		snprintf(buf, len, "an IPv4 or IPv6 address");
		return;
	case CMD_OPT_CIDR:
		snprintf(buf, len, "a network in CIDR form such as 192.168.1.0/24");
		return;
	case CMD_OPT_ENUM:
		snprintf(buf, len, "one of ");
		for (size_t i = 0; o->choices && o->choices[i]; i++) {
			n = strlen(buf);
			snprintf(buf + n, len - n, "%s%s", i == 0 ? "" : o->choices[i + 1] ? ", " : " or ",
				o->choices[i]);
		}
		return;
	default:
		snprintf(buf, len, "a %s (not empty)", o->arg ? o->arg : "value");
		return;
	}
}

static int want_err(const struct cmd_opt *o, const char *name, const char *v, char *err, size_t errlen)
{
	char want[200];

	cmdopt_want(o, want, sizeof want);
	snprintf(err, errlen, "%s wants %s, not '%s'", name, want, v);
	return -1;
}

static int in_range(const struct cmd_opt *o, double v)
{
	double lo, hi;

	range_of(o, &lo, &hi);
	return v >= lo && v <= hi;
}

static int set_list(const struct cmd_opt *o, void *dst, const char *name, const char *v, int argc, char *err,
	size_t errlen)
{
	struct cmd_list *l = FIELD(dst, o, struct cmd_list);

	if (o->max > 0 && l->n >= (int)o->max) {
		snprintf(err, errlen, "%s may be given at most %.10g times", name, o->max);
		return -1;
	}
	if (!l->v && !(l->v = calloc((size_t)argc + 1, sizeof *l->v))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	l->v[l->n++] = v;
	return 0;
}

/* Stores one value (v is NULL for an option without one); name is the spelling for messages. */
static int set_value(const struct cmd_opt *o, void *dst, const char *name, const char *v, int argc, char *err,
	size_t errlen)
{
	struct ct_port_range pr;
	struct ct_cidr cidr;
	struct in6_addr a6;
	int64_t i64;
	double d;

	switch (o->type) {
	case CMD_OPT_FLAG: *FIELD(dst, o, int) = 1; return 0;
	case CMD_OPT_SET: *FIELD(dst, o, int) = o->val; return 0;
	case CMD_OPT_COUNTER: ++*FIELD(dst, o, int); return 0;
	default: break;
	}
	if (!v[0] && o->type != CMD_OPT_ENUM)
		return want_err(o, name, v, err, errlen);
	switch (o->type) {
	case CMD_OPT_INT:
	case CMD_OPT_PORT:
		if (ct_conf_parse_int(v, &i64) != 0 || !in_range(o, (double)i64))
			return want_err(o, name, v, err, errlen);
		*FIELD(dst, o, int) = (int)i64;
		return 0;
	case CMD_OPT_PORTS:
		if (ct_conf_parse_ports(v, &pr) != 0 || (o->max > 0 && pr.hi - pr.lo + 1 > o->max))
			return want_err(o, name, v, err, errlen);
		*FIELD(dst, o, struct ct_port_range) = pr;
		return 0;
	case CMD_OPT_SECONDS:
		if (ct_conf_parse_seconds(v, &d) != 0 || !in_range(o, d))
			return want_err(o, name, v, err, errlen);
		*FIELD(dst, o, double) = d;
		return 0;
	case CMD_OPT_MS: {
		uint64_t ms;
		if (v[strspn(v, "0123456789")] == '\0') {
			if (ct_conf_parse_int(v, &i64) != 0)
				return want_err(o, name, v, err, errlen);
			ms = (uint64_t)i64;
		} else if (ct_conf_parse_duration(v, &ms) != 0)
			return want_err(o, name, v, err, errlen);
		if (!in_range(o, (double)ms))
			return want_err(o, name, v, err, errlen);
		*FIELD(dst, o, uint64_t) = ms;
		return 0;
	}
	case CMD_OPT_RATE:
		if (ct_conf_parse_rate(v, &d) != 0 || !in_range(o, d))
			return want_err(o, name, v, err, errlen);
		*FIELD(dst, o, double) = d;
		return 0;
	case CMD_OPT_ADDRESS:
		if (inet_pton(AF_INET, v, &a6) != 1 && inet_pton(AF_INET6, v, &a6) != 1)
			return want_err(o, name, v, err, errlen);
		*FIELD(dst, o, const char *) = v;
		return 0;
	case CMD_OPT_CIDR:
		if (ct_cidr_parse(v, &cidr) != 0)
			return want_err(o, name, v, err, errlen);
		*FIELD(dst, o, const char *) = v;
		return 0;
	case CMD_OPT_ENUM:
		for (size_t i = 0; o->choices && o->choices[i]; i++)
			if (strcmp(o->choices[i], v) == 0) {
				*FIELD(dst, o, const char *) = o->choices[i];
				return 0;
			}
		return want_err(o, name, v, err, errlen);
	case CMD_OPT_LIST:
		return set_list(o, dst, name, v, argc, err, errlen);
	default:
		*FIELD(dst, o, const char *) = v;
		return 0;
	}
}

/* The option called --name (n bytes of it): exact, else a unique prefix. */
static const struct cmd_opt *find_long(const struct cmd_opt *opts, const char *name, size_t n, char *err,
	size_t errlen)
{
	const struct cmd_opt *found = NULL;
	char cands[200] = "";
	int matches = 0;

	for (const struct cmd_opt *o = opts; o && o->type != CMD_OPT_END; o++)
		if (is_option(o) && o->name && strlen(o->name) == n && strncmp(o->name, name, n) == 0)
			return o;
	for (const struct cmd_opt *o = opts; o && o->type != CMD_OPT_END; o++) {
		size_t l = strlen(cands);
		if (!is_option(o) || !o->name || (o->flags & CMD_OPT_HIDDEN) || strncmp(o->name, name, n) != 0)
			continue;
		found = o;
		snprintf(cands + l, sizeof cands - l, "%s--%s", matches++ ? ", " : "", o->name);
	}
	if (matches == 1)
		return found;
	if (matches > 1)
		snprintf(err, errlen, "option '--%.*s' is ambiguous: %s", (int)n, name, cands);
	else
		snprintf(err, errlen, "unknown option '--%.*s'", (int)n, name);
	return NULL;
}

static const struct cmd_opt *find_short(const struct cmd_opt *opts, char c)
{
	for (const struct cmd_opt *o = opts; o && o->type != CMD_OPT_END; o++)
		if (is_option(o) && o->shortname && o->shortname == c)
			return o;
	return NULL;
}

/* One "--name", "--name=value" or "--name value" at argv[*i]. */
static int parse_long(const struct cmd_opt *opts, void *dst, int argc, char **argv, int *i, char *err,
	size_t errlen)
{
	const char *a = argv[*i] + 2, *eq = strchr(a, '=');
	const struct cmd_opt *o = find_long(opts, a, eq ? (size_t)(eq - a) : strlen(a), err, errlen);
	char name[80], want[200];

	if (!o)
		return -1;
	snprintf(name, sizeof name, "--%s", o->name);
	if (!takes_value(o)) {
		if (eq) {
			snprintf(err, errlen, "%s takes no value ('%s')", name, argv[*i]);
			return -1;
		}
		return set_value(o, dst, name, NULL, argc, err, errlen);
	}
	if (eq)
		return set_value(o, dst, name, eq + 1, argc, err, errlen);
	if (*i + 1 >= argc) {
		cmdopt_want(o, want, sizeof want);
		snprintf(err, errlen, "%s needs a value: %s", name, want);
		return -1;
	}
	return set_value(o, dst, name, argv[++*i], argc, err, errlen);
}

/* One group of short options at argv[*i]: "-c 3", "-c3", "-xA". */
static int parse_short(const struct cmd_opt *opts, void *dst, int argc, char **argv, int *i, char *err,
	size_t errlen)
{
	const char *a = argv[*i];
	char name[3] = "-?", want[200];

	for (size_t j = 1; a[j]; j++) {
		const struct cmd_opt *o = find_short(opts, a[j]);
		name[1] = a[j];
		if (!o) {
			if (j > 1 || a[2])
				snprintf(err, errlen, "unknown option '%s' (in '%s')", name, a);
			else
				snprintf(err, errlen, "unknown option '%s'", name);
			return -1;
		}
		if (!takes_value(o)) {
			if (set_value(o, dst, name, NULL, argc, err, errlen) != 0)
				return -1;
			continue;
		}
		if (a[j + 1])
			return set_value(o, dst, name, a + j + 1, argc, err, errlen);
		if (*i + 1 >= argc) {
			cmdopt_want(o, want, sizeof want);
			snprintf(err, errlen, "%s needs a value: %s", name, want);
			return -1;
		}
		return set_value(o, dst, name, argv[++*i], argc, err, errlen);
	}
	return 0;
}

int cmdopt_parse(const struct cmd_opt *opts, int args_end_options, void *dst, int argc, char **argv,
	char **pos, int *npos, char *err, size_t errlen)
{
	int done = 0, r;

	*npos = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (done || a[0] != '-' || a[1] == '\0') {
			pos[(*npos)++] = argv[i];
			done |= args_end_options;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			done = 1;
			continue;
		}
		r = a[1] == '-' ? parse_long(opts, dst, argc, argv, &i, err, errlen) :
			parse_short(opts, dst, argc, argv, &i, err, errlen);
		if (r != 0)
			return -1;
	}
	pos[*npos] = NULL;
	return 0;
}

/* 1 when every letter of a group such as "-vq" is an option of the table. */
static int all_short(const struct cmd_opt *opts, const char *a)
{
	for (size_t j = 1; a[j]; j++) {
		const struct cmd_opt *o = find_short(opts, a[j]);
		if (!o)
			return 0;
		if (takes_value(o))
			return 1; /* the rest of the word is its value */
	}
	return a[1] != '\0';
}

/* 1 when argv[i] names an option of the table exactly (--name or --name=value). */
static int exact_long(const struct cmd_opt *opts, const char *a)
{
	const char *eq = strchr(a + 2, '=');
	size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

	for (const struct cmd_opt *o = opts; o && o->type != CMD_OPT_END; o++)
		if (is_option(o) && o->name && strlen(o->name) == n && strncmp(o->name, a + 2, n) == 0)
			return 1;
	return 0;
}

int cmdopt_take(const struct cmd_opt *opts, void *dst, int *argc, char **argv, char *err, size_t errlen)
{
	int o = 1, bad = 0;
	char e[300];

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		int r;
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[o++] = argv[i++];
			break;
		}
		if (a[0] == '-' && a[1] == '-' && a[2] && exact_long(opts, a))
			r = parse_long(opts, dst, *argc, argv, &i, e, sizeof e);
		else if (a[0] == '-' && a[1] != '-' && all_short(opts, a))
			r = parse_short(opts, dst, *argc, argv, &i, e, sizeof e);
		else {
			argv[o++] = argv[i];
			continue;
		}
		if (r != 0 && !bad++)
			snprintf(err, errlen, "%s", e);
	}
	*argc = o;
	argv[o] = NULL;
	return bad ? -1 : 0;
}

void cmdopt_free(const struct cmd_opt *opts, void *dst)
{
	if (!dst)
		return;
	for (const struct cmd_opt *o = opts; o && o->type != CMD_OPT_END; o++)
		if (o->type == CMD_OPT_LIST) {
			struct cmd_list *l = FIELD(dst, o, struct cmd_list);
			free(l->v);
			l->v = NULL;
			l->n = 0;
		}
}

/* "N", "SECONDS", ...: the name of an option's value in help. */
static const char *arg_name(const struct cmd_opt *o)
{
	if (o->arg)
		return o->arg;
	switch (o->type) {
	case CMD_OPT_INT: return "N";
	case CMD_OPT_PORT: return "PORT";
	case CMD_OPT_PORTS: return "LOW-HIGH";
	case CMD_OPT_SECONDS: return "SECONDS";
	case CMD_OPT_MS: return "MS";
	case CMD_OPT_RATE: return "RATE";
	case CMD_OPT_ADDRESS: return "ADDR";
	case CMD_OPT_CIDR: return "CIDR";
	case CMD_OPT_ENUM: return o->choices && o->choices[0] ? o->choices[0] : "WORD";
	default: return "VALUE";
	}
}

/* "-c, --count N" */
static void names_of(const struct cmd_opt *o, char *buf, size_t len)
{
	const char *arg = takes_value(o) ? arg_name(o) : NULL;

	if (o->shortname && o->name)
		snprintf(buf, len, "-%c, --%s%s%s", o->shortname, o->name, arg ? " " : "", arg ? arg : "");
	else if (o->name)
		snprintf(buf, len, "--%s%s%s", o->name, arg ? " " : "", arg ? arg : "");
	else
		snprintf(buf, len, "-%c%s%s", o->shortname, arg ? " " : "", arg ? arg : "");
}

/* The left column of one help line: the option and the rows joined to it ("-4, -6"), or the
 * label of a text row ("PACKET"). Returns the last row of the line. */
static const struct cmd_opt *line_names(const struct cmd_opt *o, char *buf, size_t len)
{
	if (o->type == CMD_OPT_TEXT) {
		snprintf(buf, len, "%s", o->arg);
		return o;
	}
	names_of(o, buf, len);
	while (o[1].type != CMD_OPT_END && is_option(&o[1]) && !o[1].help && !(o[1].flags & CMD_OPT_HIDDEN)) {
		size_t n = strlen(buf);
		o++;
		snprintf(buf + n, len - n, ", ");
		n = strlen(buf);
		names_of(o, buf + n, len - n);
	}
	return o;
}

const struct cmd_opt *cmdopt_first(const struct cmd_opt *opts)
{
	for (const struct cmd_opt *o = opts; o && o->type != CMD_OPT_END; o++)
		if (!(o->flags & CMD_OPT_HIDDEN))
			return o;
	return NULL;
}

/* The column where the help texts start: two blanks after the longest left column that is
 * not too long (a longer one gets its text on the next line), at least 21. */
static size_t help_column(const struct cmd_opt *opts)
{
	char names[160];
	size_t col = 21;

	for (const struct cmd_opt *o = opts; o && o->type != CMD_OPT_END; o++) {
		if ((o->type == CMD_OPT_TEXT && !o->arg) || (o->flags & CMD_OPT_HIDDEN))
			continue;
		o = line_names(o, names, sizeof names);
		if (strlen(names) <= 24 && strlen(names) + 4 > col)
			col = strlen(names) + 4;
	}
	return col;
}

void cmdopt_help(FILE *fp, const struct cmd_opt *opts)
{
	size_t col = help_column(opts);
	char names[160];

	for (const struct cmd_opt *o = opts; o && o->type != CMD_OPT_END; o++) {
		const char *h, *nl;
		if (o->type == CMD_OPT_TEXT && !o->arg) {
			fprintf(fp, "%s\n", o->help ? o->help : "");
			continue;
		}
		if (o->flags & CMD_OPT_HIDDEN)
			continue;
		h = o->help ? o->help : "";
		o = line_names(o, names, sizeof names);
		if (strlen(names) + 3 > col)
			fprintf(fp, "  %s\n%*s", names, (int)col, "");
		else
			fprintf(fp, "  %-*s", (int)col - 2, names);
		for (; (nl = strchr(h, '\n')); h = nl + 1)
			fprintf(fp, "%.*s\n%*s", (int)(nl - h), h, (int)col, "");
		fprintf(fp, "%s\n", h);
	}
}

void cmdopt_dump(FILE *fp, const char *section, const struct cmd_opt *opts)
{
	for (const struct cmd_opt *o = opts; o && o->type != CMD_OPT_END; o++) {
		if (!is_option(o) || (o->flags & CMD_OPT_HIDDEN))
			continue;
		if (o->shortname)
			fprintf(fp, "%s -%c\n", section, o->shortname);
		if (o->name)
			fprintf(fp, "%s --%s\n", section, o->name);
	}
}

/* What a value is, for shell completion: a file, an interface, a host, one of the choices. */
const char *cmdopt_value_kind(const char *arg)
{
	static const struct { const char *arg, *kind; } kinds[] = {
		{ "FILE", "file" }, { "PATH", "file" }, { "IFNAME", "iface" }, { "IF", "iface" },
		{ "ADDR", "host" }, { "HOST", "host" }, { "NAME-OR-ADDRESS", "host" }, { "NAME|ADDRESS", "host" },
		{ "COMMAND", "command" },
	};

	for (size_t i = 0; arg && i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(arg, kinds[i].arg) == 0)
			return kinds[i].kind;
	return "value";
}

void cmdopt_complete_dump(FILE *fp, const char *section, const struct cmd_opt *opts)
{
	for (const struct cmd_opt *o = opts; o && o->type != CMD_OPT_END; o++) {
		const char *kind = cmdopt_value_kind(arg_name(o));
		if (!is_option(o) || (o->flags & CMD_OPT_HIDDEN))
			continue;
		if (o->type == CMD_OPT_FLAG || o->type == CMD_OPT_SET || o->type == CMD_OPT_COUNTER)
			kind = "flag";
		for (int form = 0; form < 2; form++) {
			if (form == 0 ? !o->shortname : !o->name)
				continue;
			if (form == 0)
				fprintf(fp, "opt\t%s\t-%c\t", section, o->shortname);
			else
				fprintf(fp, "opt\t%s\t--%s\t", section, o->name);
			if (o->type == CMD_OPT_ENUM && o->choices) {
				fputs("enum", fp);
				for (const char *const *c = o->choices; *c; c++)
					fprintf(fp, "%c%s", c == o->choices ? ':' : ' ', *c);
				fputc('\n', fp);
			} else
				fprintf(fp, "%s\n", kind);
		}
	}
}
