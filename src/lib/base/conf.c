/* conf.c: the table-driven configuration engine: parse `keyword = value` files, print the effective config. */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "log.h"
#include "util.h"
#include "conf.h"

#define FIELD(dst, o, type) ((type *)(void *)((char *)(dst) + (o)->off))
#define CFIELD(src, o, type) ((const type *)(const void *)((const char *)(src) + (o)->off))

/* ---- setting one value ---- */

static const char *type_hint(enum ct_conf_type t)
{
	switch (t) {
	case CT_CONF_STRING: return "a text value";
	case CT_CONF_INT: return "a whole number";
	case CT_CONF_BOOL: return "yes or no";
	case CT_CONF_DURATION: return "a duration such as 30s, 90m, 2h or 1h30m";
	case CT_CONF_RATE: return "a rate such as 100 (per second), 20/m or 5/h";
	case CT_CONF_LOGLEVEL: return "one of error, warning, notice, info, debug";
	case CT_CONF_CIDRS: return "addresses or networks such as 192.168.1.0/24, 10.0.0.7 or 2001:db8::/32";
	case CT_CONF_LIST: return "a list of words separated by commas or blanks";
	case CT_CONF_PORTS: return "a port (2425) or a port range (22224-22227)";
	}
	return "a value";
}

static void fmt_bound(const struct ct_conf_opt *o, int64_t v, char *buf, size_t len)
{
	struct ct_sbuf b;

	if (o->type == CT_CONF_DURATION) {
		ct_sbuf_init(&b);
		ct_conf_format_duration((uint64_t)v, &b);
		ct_strlcpy(buf, b.p ? b.p : "?", len);
		ct_sbuf_fini(&b);
	} else
		snprintf(buf, len, "%lld", (long long)v);
}

static int range_err(const struct ct_conf_opt *o, int64_t v_below, char *err, size_t errlen)
{
	char lo[32], hi[32];

	(void)v_below;
	fmt_bound(o, o->min, lo, sizeof lo);
	fmt_bound(o, o->max, hi, sizeof hi);
	snprintf(err, errlen, "%s must be between %s and %s", o->name, lo, hi);
	return CT_ERANGE;
}

static int bounded(const struct ct_conf_opt *o)
{
	return o->min != 0 || o->max != 0;
}

/* Splits a list value on commas and blanks and feeds each item to fn. */
static int each_item(const char *value, int (*fn)(const struct ct_conf_opt *, void *, const char *,
	char *, size_t), const struct ct_conf_opt *o, void *dst, char *err, size_t errlen)
{
	char *copy = strdup(value), *save = NULL, *tok;
	int r = 0, n = 0;

	if (!copy)
		return CT_ENOMEM;
	for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		n++;
		if ((r = fn(o, dst, tok, err, errlen)) != 0)
			break;
	}
	free(copy);
	if (r == 0 && n == 0) {
		snprintf(err, errlen, "%s needs at least one item (%s)", o->name, type_hint(o->type));
		return CT_EFORMAT;
	}
	return r;
}

static int add_cidr_item(const struct ct_conf_opt *o, void *dst, const char *item, char *err, size_t errlen)
{
	struct ct_cidr c;
	int r = ct_cidr_parse(item, &c);

	if (r == CT_ERANGE) {
		snprintf(err, errlen, "'%s': prefix length too long for the address family (at most /32 for IPv4, /128 for IPv6)", item);
		return r;
	}
	if (r != 0) {
		snprintf(err, errlen, "'%s' is not an address or network; write %s", item, type_hint(o->type));
		return r;
	}
	return ct_cidr_list_add(FIELD(dst, o, struct ct_cidr_list), &c);
}

static int add_list_item(const struct ct_conf_opt *o, void *dst, const char *item, char *err, size_t errlen)
{
	int r;

	if (o->check && (r = o->check(item, err, errlen)) != 0)
		return r < 0 ? r : CT_EFORMAT;
	return ct_strlist_add(FIELD(dst, o, struct ct_strlist), item);
}

/* Sets o from value; `fresh` clears a list first (first occurrence in a file replaces the default). */
static int set_value(const struct ct_conf_opt *o, void *dst, const char *value, int fresh,
	char *err, size_t errlen)
{
	int r = 0, iv;
	uint64_t u;
	double d;
	int64_t i64;

	switch (o->type) {
	case CT_CONF_STRING:
		if (o->check && (r = o->check(value, err, errlen)) != 0)
			return r < 0 ? r : CT_EFORMAT;
		{
			char *s = strdup(value);
			if (!s)
				return CT_ENOMEM;
			free(*FIELD(dst, o, char *));
			*FIELD(dst, o, char *) = s;
		}
		return 0;
	case CT_CONF_INT:
		r = ct_conf_parse_int(value, &i64);
		if (r == CT_EFORMAT) {
			snprintf(err, errlen, "'%s' is not %s", value, type_hint(o->type));
			return r;
		}
		if (r != 0 || (bounded(o) && (i64 < o->min || i64 > o->max)))
			return range_err(o, i64, err, errlen);
		*FIELD(dst, o, int64_t) = i64;
		return 0;
	case CT_CONF_BOOL:
		if (ct_conf_parse_bool(value, &iv) != 0) {
			snprintf(err, errlen, "'%s' is not %s", value, type_hint(o->type));
			return CT_EFORMAT;
		}
		*FIELD(dst, o, int) = iv;
		return 0;
	case CT_CONF_DURATION:
		r = ct_conf_parse_duration(value, &u);
		if (r == CT_EFORMAT) {
			snprintf(err, errlen, "'%s' is not %s", value, type_hint(o->type));
			return r;
		}
		if (r != 0 || (bounded(o) && (u < (uint64_t)o->min || u > (uint64_t)o->max)))
			return range_err(o, 0, err, errlen);
		*FIELD(dst, o, uint64_t) = u;
		return 0;
	case CT_CONF_RATE:
		if (ct_conf_parse_rate(value, &d) != 0) {
			snprintf(err, errlen, "'%s' is not %s", value, type_hint(o->type));
			return CT_EFORMAT;
		}
		if (bounded(o) && (d < (double)o->min || d > (double)o->max)) {
			snprintf(err, errlen, "%s must be between %lld and %lld per second", o->name,
				(long long)o->min, (long long)o->max);
			return CT_ERANGE;
		}
		*FIELD(dst, o, double) = d;
		return 0;
	case CT_CONF_LOGLEVEL:
		iv = ct_log_level_parse(value);
		if (iv < 0) {
			snprintf(err, errlen, "'%s' is not a log level; write %s", value, type_hint(o->type));
			return CT_EFORMAT;
		}
		*FIELD(dst, o, int) = iv;
		return 0;
	case CT_CONF_CIDRS:
		if (fresh)
			ct_cidr_list_free(FIELD(dst, o, struct ct_cidr_list));
		return each_item(value, add_cidr_item, o, dst, err, errlen);
	case CT_CONF_LIST:
		if (fresh)
			ct_strlist_free(FIELD(dst, o, struct ct_strlist));
		return each_item(value, add_list_item, o, dst, err, errlen);
	case CT_CONF_PORTS: {
		struct ct_port_range pr;
		r = ct_conf_parse_ports(value, &pr);
		if (r == CT_EFORMAT) {
			snprintf(err, errlen, "'%s' is not %s", value, type_hint(o->type));
			return r;
		}
		if (r == 0 && bounded(o) && (pr.lo < o->min || pr.hi > o->max))
			r = CT_ERANGE;
		if (r != 0) {
			snprintf(err, errlen, "%s: ports must be 1-65535 with the lower one first%s", o->name,
				bounded(o) ? " and inside the allowed range" : "");
			return r;
		}
		*FIELD(dst, o, struct ct_port_range) = pr;
		return 0;
	}
	}
	snprintf(err, errlen, "%s: unknown option type", o->name);
	return CT_EINVAL;
}

static int is_list(const struct ct_conf_opt *o)
{
	return o->type == CT_CONF_CIDRS || o->type == CT_CONF_LIST;
}

int ct_conf_defaults(const struct ct_conf_table *t, void *dst, struct ct_sbuf *errs)
{
	char err[256];
	int ret = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct ct_conf_opt *o = &t->opts[i];
		if (!o->def)
			continue;
		if (is_list(o) && !o->def[0])
			continue;
		if (set_value(o, dst, o->def, 1, err, sizeof err) != 0) {
			if (errs)
				ct_sbuf_printf(errs, "built-in default of %s: %s\n", o->name, err);
			ret = CT_ECONFIG;
		}
	}
	return ret;
}

/* ---- lookup and suggestions ---- */

const struct ct_conf_opt *ct_conf_find(const struct ct_conf_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->opts[i].name, name) == 0)
			return &t->opts[i];
	return NULL;
}

/* Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), pp[64], prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = pp[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t m = sub < del ? sub : del;
			if (ins < m)
				m = ins;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < m)
				m = pp[j - 2] + 1;
			cur[j] = m;
		}
		memcpy(pp, prev, (lb + 1) * sizeof *pp);
		memcpy(prev, cur, (lb + 1) * sizeof *prev);
	}
	return prev[lb];
}

const char *ct_conf_suggest(const struct ct_conf_table *t, const char *name)
{
	const char *best = NULL, *pfx = NULL;
	size_t bestd = 4, n = strlen(name);
	int npfx = 0;
	char lower[64];

	if (n == 0 || n >= sizeof lower)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
	for (size_t i = 0; i < n; i++)
		if (lower[i] == '-')
			lower[i] = '_';
	for (size_t i = 0; i < t->n; i++) {
		const char *k = t->opts[i].name;
		size_t d = edit_distance(lower, k);
		size_t limit = strlen(k) <= 4 ? 1 : strlen(k) <= 7 ? 2 : 3;
		if (d <= limit && d < bestd) {
			bestd = d;
			best = k;
		}
		if (n >= 3 && strncmp(k, lower, n) == 0) {
			pfx = k;
			npfx++;
		}
	}
	if (best)
		return best;
	return npfx == 1 ? pfx : NULL;
}

int ct_conf_set(const struct ct_conf_table *t, void *dst, const char *key, const char *value,
	char *err, size_t errlen)
{
	const struct ct_conf_opt *o = ct_conf_find(t, key);

	if (!o) {
		const char *s = ct_conf_suggest(t, key);
		if (s)
			snprintf(err, errlen, "unknown keyword '%s'; did you mean '%s'?", key, s);
		else
			snprintf(err, errlen, "unknown keyword '%s'; see camtraced.conf(5) for the list", key);
		return CT_ENOTFOUND;
	}
	return set_value(o, dst, value, 0, err, errlen);
}

/* ---- the line parser ---- */

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Extracts the value: quoted ("..." with \" \\ and \xNN escapes; another backslash stays as it is)
 * or bare up to a " #" comment. Returns 0 and a malloc'd string, or CT_EFORMAT with the problem in err. */
static int take_value(const char *p, const char *end, char **out, char *err, size_t errlen)
{
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && *p == '"') {
		p++;
		while (p < end && *p != '"') {
			if (*p == '\\' && p + 3 < end && p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
				int v = hexval(p[2]) * 16 + hexval(p[3]);
				if (v == 0) {
					ct_sbuf_fini(&b);
					snprintf(err, errlen, "\\x00 in a quoted value: a value cannot hold a NUL byte");
					return CT_EFORMAT;
				}
				ct_sbuf_addc(&b, (char)v);
				p += 4;
				continue;
			}
			if (*p == '\\' && p + 1 < end && (p[1] == '"' || p[1] == '\\'))
				p++;
			ct_sbuf_addc(&b, *p++);
		}
		if (p >= end) {
			ct_sbuf_fini(&b);
			snprintf(err, errlen, "missing closing '\"' in the value");
			return CT_EFORMAT;
		}
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p != '#') {
			ct_sbuf_fini(&b);
			snprintf(err, errlen, "unexpected text after the quoted value; put a comment after ' #'");
			return CT_EFORMAT;
		}
	} else {
		const char *q = p, *stop = end;
		for (; q < end; q++)
			if (*q == '#' && (q == p || q[-1] == ' ' || q[-1] == '\t')) {
				stop = q;
				break;
			}
		while (stop > p && (stop[-1] == ' ' || stop[-1] == '\t'))
			stop--;
		ct_sbuf_add(&b, p, (size_t)(stop - p));
	}
	if (b.err) {
		ct_sbuf_fini(&b);
		return CT_ENOMEM;
	}
	*out = ct_sbuf_steal(&b, NULL);
	if (!*out)
		*out = strdup("");
	return *out ? 0 : CT_ENOMEM;
}

static int valid_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int ct_conf_parse_text(const struct ct_conf_table *t, void *dst, const char *name,
	const char *text, size_t len, struct ct_sbuf *errs)
{
	unsigned char *seen = calloc(t->n ? t->n : 1, 1);
	const char *p = text, *end = text + len;
	unsigned line = 0;
	int bad = 0;

	if (!seen)
		return CT_ENOMEM;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *k, *ke;
		char key[64], err[512], *value = NULL;
		const struct ct_conf_opt *o;
		int r;
		size_t ll;

		line++;
		ll = (size_t)(le - p);
		if (ll > 0 && p[ll - 1] == '\r')
			le = p + --ll;
		if (ll > 0 && memchr(p, '\0', ll)) {
			ct_sbuf_printf(errs, "%s:%u: NUL byte in the line; the file must be text\n", name, line);
			bad = 1;
			goto next;
		}
		k = p;
		while (k < le && (*k == ' ' || *k == '\t'))
			k++;
		if (k == le || *k == '#')
			goto next;
		ke = k;
		while (ke < le && valid_key_char(*ke))
			ke++;
		if (ke == k) {
			ct_sbuf_printf(errs, "%s:%u: expected 'keyword = value', found '%.*s'\n", name, line,
				(int)((le - k) > 40 ? 40 : (le - k)), k);
			bad = 1;
			goto next;
		}
		if ((size_t)(ke - k) >= sizeof key) {
			ct_sbuf_printf(errs, "%s:%u: keyword too long\n", name, line);
			bad = 1;
			goto next;
		}
		memcpy(key, k, (size_t)(ke - k));
		key[ke - k] = '\0';
		while (ke < le && (*ke == ' ' || *ke == '\t'))
			ke++;
		o = ct_conf_find(t, key);
		if (!o) {
			const char *s = ct_conf_suggest(t, key);
			if (s)
				ct_sbuf_printf(errs, "%s:%u: unknown keyword '%s'; did you mean '%s'?\n", name, line, key, s);
			else
				ct_sbuf_printf(errs, "%s:%u: unknown keyword '%s'; see camtraced.conf(5) for the keywords\n",
					name, line, key);
			bad = 1;
			goto next;
		}
		if (ke >= le || *ke != '=') {
			ct_sbuf_printf(errs, "%s:%u: missing '=' after '%s'; write '%s = %s'\n", name, line, key, key,
				o->argname ? o->argname : "VALUE");
			bad = 1;
			goto next;
		}
		r = take_value(ke + 1, le, &value, err, sizeof err);
		if (r == 0 && !value[0] && o->type != CT_CONF_STRING) {
			snprintf(err, sizeof err, "%s needs a value: %s", key, type_hint(o->type));
			r = CT_EFORMAT;
		}
		if (r == 0 && seen[o - t->opts] && !is_list(o)) {
			/* a second setting wins, like most daemons, but say so: it is often a mistake */
			log_notice("%s:%u: %s set again; the last setting wins", name, line, key);
		}
		if (r == 0)
			r = set_value(o, dst, value, is_list(o) && !seen[o - t->opts], err, sizeof err);
		if (r != 0) {
			ct_sbuf_printf(errs, "%s:%u: %s\n", name, line, err);
			bad = 1;
		} else
			seen[o - t->opts] = 1;
		free(value);
next:
		p = eol ? eol + 1 : end;
	}
	free(seen);
	if (errs->err)
		return CT_ENOMEM;
	return bad ? CT_ECONFIG : 0;
}

int ct_conf_parse_file(const struct ct_conf_table *t, void *dst, const char *path, struct ct_sbuf *errs)
{
	FILE *fp = fopen(path, "r");
	struct ct_sbuf b;
	char buf[4096];
	size_t n;
	int r;

	if (!fp) {
		int e = errno;
		ct_sbuf_printf(errs, "%s: cannot open: %s%s\n", path, strerror(e),
			e == ENOENT ? " (create it from camtraced.conf.example, or give another file with -c)" : "");
		return CT_ESYS;
	}
	ct_sbuf_init(&b);
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
		if (b.len + n > 4 * 1024 * 1024) {
			ct_sbuf_printf(errs, "%s: larger than 4 MiB; is this really a configuration file?\n", path);
			fclose(fp);
			ct_sbuf_fini(&b);
			return CT_ECONFIG;
		}
		ct_sbuf_add(&b, buf, n);
	}
	if (ferror(fp)) {
		ct_sbuf_printf(errs, "%s: read error: %s\n", path, strerror(errno));
		fclose(fp);
		ct_sbuf_fini(&b);
		return CT_ESYS;
	}
	fclose(fp);
	if (b.err) {
		ct_sbuf_fini(&b);
		return CT_ENOMEM;
	}
	r = ct_conf_parse_text(t, dst, path, b.p ? b.p : "", b.len, errs);
	ct_sbuf_fini(&b);
	return r;
}

/* ---- printing ---- */

/* Bytes a bare value cannot carry back: control characters (a CR at the end would be eaten as
 * CRLF, a newline ends the line, others would reach the terminal raw) and DEL. */
static int is_ctl_byte(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Writes s so that take_value() reads exactly s back: bare when that is safe, else quoted with
 * \" \\ and \xNN for control bytes (bytes >= 0x80, UTF-8 or CP932 names, stay as they are). */
static void add_quoted_if_needed(struct ct_sbuf *out, const char *s)
{
	size_t n = strlen(s);
	int need = !n || s[0] == ' ' || s[0] == '"' || s[n - 1] == ' ' || strchr(s, '#') != NULL;

	for (size_t i = 0; i < n && !need; i++)
		need = is_ctl_byte((unsigned char)s[i]);
	if (!need) {
		ct_sbuf_adds(out, s);
		return;
	}
	ct_sbuf_addc(out, '"');
	for (; *s; s++) {
		if (is_ctl_byte((unsigned char)*s)) {
			ct_sbuf_printf(out, "\\x%02x", (unsigned char)*s);
			continue;
		}
		if (*s == '"' || *s == '\\')
			ct_sbuf_addc(out, '\\');
		ct_sbuf_addc(out, *s);
	}
	ct_sbuf_addc(out, '"');
}

void ct_conf_format(const struct ct_conf_opt *o, const void *src, struct ct_sbuf *out)
{
	char buf[80];

	switch (o->type) {
	case CT_CONF_STRING: {
		const char *s = *CFIELD(src, o, char *);
		add_quoted_if_needed(out, s ? s : "");
		break;
	}
	case CT_CONF_INT:
		ct_sbuf_printf(out, "%lld", (long long)*CFIELD(src, o, int64_t));
		break;
	case CT_CONF_BOOL:
		ct_sbuf_adds(out, *CFIELD(src, o, int) ? "yes" : "no");
		break;
	case CT_CONF_DURATION:
		ct_conf_format_duration(*CFIELD(src, o, uint64_t), out);
		break;
	case CT_CONF_RATE: {
		double d = *CFIELD(src, o, double);
		if (d == floor(d) && d < 1e15)
			ct_sbuf_printf(out, "%.0f/s", d);
		else if (d * 60 == floor(d * 60) && d * 60 < 1e15)
			ct_sbuf_printf(out, "%.0f/m", d * 60);
		else if (d * 3600 == floor(d * 3600) && d * 3600 < 1e15)
			ct_sbuf_printf(out, "%.0f/h", d * 3600);
		else
			ct_sbuf_printf(out, "%.17g/s", d);
		break;
	}
	case CT_CONF_LOGLEVEL:
		ct_sbuf_adds(out, ct_log_level_name((enum ct_log_level)*CFIELD(src, o, int)));
		break;
	case CT_CONF_CIDRS: {
		const struct ct_cidr_list *l = CFIELD(src, o, struct ct_cidr_list);
		for (size_t i = 0; i < l->n; i++) {
			ct_cidr_format(&l->v[i], buf, sizeof buf);
			ct_sbuf_printf(out, "%s%s", i ? ", " : "", buf);
		}
		break;
	}
	case CT_CONF_LIST: {
		const struct ct_strlist *l = CFIELD(src, o, struct ct_strlist);
		for (size_t i = 0; i < l->n; i++)
			ct_sbuf_printf(out, "%s%s", i ? ", " : "", l->v[i]);
		break;
	}
	case CT_CONF_PORTS: {
		const struct ct_port_range *pr = CFIELD(src, o, struct ct_port_range);
		if (pr->lo == pr->hi)
			ct_sbuf_printf(out, "%u", pr->lo);
		else
			ct_sbuf_printf(out, "%u-%u", pr->lo, pr->hi);
		break;
	}
	}
}

void ct_conf_print(const struct ct_conf_table *t, const void *src, struct ct_sbuf *out)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct ct_conf_opt *o = &t->opts[i];
		if (o->help)
			ct_sbuf_printf(out, "# %s\n", o->help);
		if (o->type == CT_CONF_CIDRS && CFIELD(src, o, struct ct_cidr_list)->n == 0)
			ct_sbuf_printf(out, "# %s = (none)\n", o->name);
		else if (o->type == CT_CONF_LIST && CFIELD(src, o, struct ct_strlist)->n == 0)
			ct_sbuf_printf(out, "# %s = (none)\n", o->name);
		else if (o->type == CT_CONF_LIST) {
			const struct ct_strlist *l = CFIELD(src, o, struct ct_strlist);
			for (size_t j = 0; j < l->n; j++) {
				ct_sbuf_printf(out, "%s = ", o->name);
				add_quoted_if_needed(out, l->v[j]);
				ct_sbuf_addc(out, '\n');
			}
		} else {
			ct_sbuf_printf(out, "%s = ", o->name);
			ct_conf_format(o, src, out);
			ct_sbuf_addc(out, '\n');
		}
	}
}

void ct_conf_free(const struct ct_conf_table *t, void *dst)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct ct_conf_opt *o = &t->opts[i];
		if (o->type == CT_CONF_STRING) {
			free(*FIELD(dst, o, char *));
			*FIELD(dst, o, char *) = NULL;
		} else if (o->type == CT_CONF_CIDRS)
			ct_cidr_list_free(FIELD(dst, o, struct ct_cidr_list));
		else if (o->type == CT_CONF_LIST)
			ct_strlist_free(FIELD(dst, o, struct ct_strlist));
	}
}
