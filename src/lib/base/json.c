/* json.c: wraps cJSON (the only file that includes it) with always-valid, typed adders. */
#include "config.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "err.h"
#include "sbuf.h"
#include "json.h"

#define C(j) ((cJSON *)(j))
#define J(c) ((struct ct_json *)(c))

struct ct_json *ct_json_obj(void) { return J(cJSON_CreateObject()); }
struct ct_json *ct_json_arr(void) { return J(cJSON_CreateArray()); }
void ct_json_free(struct ct_json *j) { cJSON_Delete(C(j)); }

static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2; cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3; cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4; cp = c & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int ct_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t l = p[i] ? utf8_seq(p + i, n - i) : 0;
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

/* Copies s into a fresh valid-UTF-8 string; bad bytes and NULs become "\xNN". */
static char *clean_utf8(const char *s, size_t n)
{
	struct ct_sbuf b;
	const unsigned char *p = (const unsigned char *)s;

	ct_sbuf_init(&b);
	for (size_t i = 0; i < n;) {
		size_t l = p[i] ? utf8_seq(p + i, n - i) : 0;
		if (l) {
			ct_sbuf_add(&b, p + i, l);
			i += l;
		} else {
			ct_sbuf_printf(&b, "\\x%02x", p[i]);
			i++;
		}
	}
	return ct_sbuf_steal(&b, NULL);
}

void ct_json_add(struct ct_json *parent, const char *key, struct ct_json *child)
{
	if (!parent || !child) {
		cJSON_Delete(C(child));
		return;
	}
	if (key)
		cJSON_AddItemToObject(C(parent), key, C(child));
	else
		cJSON_AddItemToArray(C(parent), C(child));
}

struct ct_json *ct_json_add_obj(struct ct_json *parent, const char *key)
{
	struct ct_json *o = ct_json_obj();

	ct_json_add(parent, key, o);
	return o;
}

struct ct_json *ct_json_add_arr(struct ct_json *parent, const char *key)
{
	struct ct_json *a = ct_json_arr();

	ct_json_add(parent, key, a);
	return a;
}

void ct_json_add_strn(struct ct_json *parent, const char *key, const char *v, size_t n)
{
	char *c;

	if (!v) {
		ct_json_add_null(parent, key);
		return;
	}
	c = clean_utf8(v, n);
	ct_json_add(parent, key, J(cJSON_CreateString(c ? c : "")));
	free(c);
}

void ct_json_add_str(struct ct_json *parent, const char *key, const char *v)
{
	ct_json_add_strn(parent, key, v, v ? strlen(v) : 0);
}

void ct_json_add_int(struct ct_json *parent, const char *key, int64_t v)
{
	ct_json_add(parent, key, J(cJSON_CreateNumber((double)v)));
}

void ct_json_add_num(struct ct_json *parent, const char *key, double v)
{
	if (!isfinite(v))
		ct_json_add_null(parent, key);
	else
		ct_json_add(parent, key, J(cJSON_CreateNumber(v)));
}

void ct_json_add_bool(struct ct_json *parent, const char *key, int v)
{
	ct_json_add(parent, key, J(cJSON_CreateBool(v ? 1 : 0)));
}

void ct_json_add_null(struct ct_json *parent, const char *key)
{
	ct_json_add(parent, key, J(cJSON_CreateNull()));
}

char *ct_json_print(const struct ct_json *j, int pretty)
{
	return pretty ? cJSON_Print(C(j)) : cJSON_PrintUnformatted(C(j));
}

int ct_json_parse(const char *text, size_t len, struct ct_json **out)
{
	cJSON *c = cJSON_ParseWithLength(text, len);

	*out = J(c);
	return c ? 0 : CT_EFORMAT;
}

const struct ct_json *ct_json_get(const struct ct_json *o, const char *key)
{
	return cJSON_IsObject(C(o)) ? J(cJSON_GetObjectItemCaseSensitive(C(o), key)) : NULL;
}

const char *ct_json_str(const struct ct_json *j)
{
	return cJSON_IsString(C(j)) ? C(j)->valuestring : NULL;
}

const char *ct_json_get_str(const struct ct_json *o, const char *key)
{
	return ct_json_str(ct_json_get(o, key));
}

int ct_json_get_num(const struct ct_json *o, const char *key, double *out)
{
	const cJSON *c = C(ct_json_get(o, key));

	if (!cJSON_IsNumber(c))
		return CT_ENOTFOUND;
	*out = c->valuedouble;
	return 0;
}

int ct_json_get_i64(const struct ct_json *o, const char *key, int64_t *out)
{
	double d;
	int r = ct_json_get_num(o, key, &d);

	if (r)
		return r;
	if (d < -9007199254740992.0 || d > 9007199254740992.0)
		return CT_ERANGE;
	*out = (int64_t)d;
	return 0;
}

int ct_json_get_bool(const struct ct_json *o, const char *key, int *out)
{
	const cJSON *c = C(ct_json_get(o, key));

	if (!cJSON_IsBool(c))
		return CT_ENOTFOUND;
	*out = cJSON_IsTrue(c);
	return 0;
}

int ct_json_is_obj(const struct ct_json *j) { return cJSON_IsObject(C(j)); }
int ct_json_is_arr(const struct ct_json *j) { return cJSON_IsArray(C(j)); }

size_t ct_json_arr_len(const struct ct_json *a)
{
	return cJSON_IsArray(C(a)) ? (size_t)cJSON_GetArraySize(C(a)) : 0;
}

const struct ct_json *ct_json_arr_at(const struct ct_json *a, size_t i)
{
	return cJSON_IsArray(C(a)) ? J(cJSON_GetArrayItem(C(a), (int)i)) : NULL;
}

const struct ct_json *ct_json_first(const struct ct_json *a)
{
	return cJSON_IsArray(C(a)) ? J(C(a)->child) : NULL;
}

const struct ct_json *ct_json_next(const struct ct_json *j)
{
	return j ? J(C(j)->next) : NULL;
}

struct ct_json *ct_json_dup(const struct ct_json *j) { return J(cJSON_Duplicate(C(j), 1)); }

struct ct_json *ct_json_detach(struct ct_json *o, const char *key)
{
	return cJSON_IsObject(C(o)) ? J(cJSON_DetachItemFromObjectCaseSensitive(C(o), key)) : NULL;
}
