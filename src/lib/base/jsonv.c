/* jsonv.c: checks that a text is one JSON value (RFC 8259) without building it, for records passed on as they came. */
#include "config.h"
#include <string.h>
#include "json.h"

#define MAX_DEPTH 64

struct jv {
	const unsigned char *p, *end;
};

static void ws(struct jv *v)
{
	while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r'))
		v->p++;
}

static int hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* the 4 hex digits after the 'u' at p, or 0x10000 when they are not there */
static unsigned u16(const unsigned char *p, const unsigned char *end)
{
	unsigned u = 0;

	if (end - p < 5)
		return 0x10000;
	for (int i = 1; i <= 4; i++) {
		unsigned char c = p[i];
		if (!hex(c))
			return 0x10000;
		u = u * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return u;
}

static int str(struct jv *v)
{
	const unsigned char *s;

	v->p++; /* the opening quote */
	s = v->p;
	while (v->p < v->end && *v->p != '"') {
		if (*v->p < 0x20)
			return 0;
		if (*v->p == '\\') {
			if (++v->p >= v->end)
				return 0;
			if (*v->p == 'u') {
				/* surrogates only in pairs, high then low, as the parser wants them */
				unsigned u = u16(v->p, v->end);
				if (u > 0xffff || (u >= 0xdc00 && u <= 0xdfff))
					return 0;
				v->p += 4;
				if (u >= 0xd800 && u <= 0xdbff) {
					unsigned lo = v->end - v->p > 2 && v->p[1] == '\\' && v->p[2] == 'u' ?
						u16(v->p + 2, v->end) : 0x10000;
					if (lo < 0xdc00 || lo > 0xdfff)
						return 0;
					v->p += 6;
				}
			} else if (!strchr("\"\\/bfnrt", *v->p) || !*v->p)
				return 0;
		}
		v->p++;
	}
	if (v->p >= v->end || !ct_utf8_valid((const char *)s, (size_t)(v->p - s)))
		return 0;
	v->p++;
	return 1;
}

static int digits(struct jv *v)
{
	const unsigned char *s = v->p;
	while (v->p < v->end && *v->p >= '0' && *v->p <= '9')
		v->p++;
	return v->p > s;
}

static int num(struct jv *v)
{
	if (*v->p == '-')
		v->p++;
	if (v->p < v->end && *v->p == '0')
		v->p++;
	else if (!digits(v))
		return 0;
	if (v->p < v->end && *v->p == '.') {
		v->p++;
		if (!digits(v))
			return 0;
	}
	if (v->p < v->end && (*v->p == 'e' || *v->p == 'E')) {
		v->p++;
		if (v->p < v->end && (*v->p == '+' || *v->p == '-'))
			v->p++;
		if (!digits(v))
			return 0;
	}
	return 1;
}

static int word(struct jv *v, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(v->end - v->p) < n || memcmp(v->p, w, n) != 0)
		return 0;
	v->p += n;
	return 1;
}

static int value(struct jv *v, int depth);

/* the members of an object or the elements of an array, after its opening bracket */
static int items(struct jv *v, int depth, unsigned char close)
{
	v->p++;
	ws(v);
	if (v->p < v->end && *v->p == close) {
		v->p++;
		return 1;
	}
	for (;;) {
		if (close == '}') {
			ws(v);
			if (v->p >= v->end || *v->p != '"' || !str(v))
				return 0;
			ws(v);
			if (v->p >= v->end || *v->p++ != ':')
				return 0;
		}
		if (!value(v, depth + 1))
			return 0;
		ws(v);
		if (v->p >= v->end)
			return 0;
		if (*v->p == close) {
			v->p++;
			return 1;
		}
		if (*v->p++ != ',')
			return 0;
	}
}

static int value(struct jv *v, int depth)
{
	ws(v);
	if (v->p >= v->end || depth > MAX_DEPTH)
		return 0;
	switch (*v->p) {
	case '{': return items(v, depth, '}');
	case '[': return items(v, depth, ']');
	case '"': return str(v);
	case 't': return word(v, "true");
	case 'f': return word(v, "false");
	case 'n': return word(v, "null");
	default: return (*v->p == '-' || (*v->p >= '0' && *v->p <= '9')) && num(v);
	}
}

int ct_json_valid(const char *text, size_t len)
{
	struct jv v = { (const unsigned char *)text, (const unsigned char *)text + len };

	if (!text || !value(&v, 0))
		return 0;
	ws(&v);
	return v.p == v.end;
}
