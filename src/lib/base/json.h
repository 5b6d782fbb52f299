/* json.h: the engine's only JSON API (cJSON stays inside json.c); output is always valid JSON. */
#ifndef CT_JSON_H
#define CT_JSON_H

#include <stddef.h>
#include <stdint.h>

struct ct_json; /* a JSON value; owned by its parent once added */

struct ct_json *ct_json_obj(void);
struct ct_json *ct_json_arr(void);
void ct_json_free(struct ct_json *j);

/* Adders: key names the member of an object; pass key NULL to append to an array.
 * Strings are made valid UTF-8 (invalid bytes become "\xNN" text); NULL strings become null;
 * non-finite numbers become null (never NaN in output). */
struct ct_json *ct_json_add_obj(struct ct_json *parent, const char *key);
struct ct_json *ct_json_add_arr(struct ct_json *parent, const char *key);
void ct_json_add_str(struct ct_json *parent, const char *key, const char *v);
void ct_json_add_strn(struct ct_json *parent, const char *key, const char *v, size_t n);
void ct_json_add_int(struct ct_json *parent, const char *key, int64_t v);
void ct_json_add_num(struct ct_json *parent, const char *key, double v);
void ct_json_add_bool(struct ct_json *parent, const char *key, int v);
void ct_json_add_null(struct ct_json *parent, const char *key);
void ct_json_add(struct ct_json *parent, const char *key, struct ct_json *child);

/* Prints (malloc'd, caller frees); pretty=0 gives one line (for NDJSON / JSON lines). */
char *ct_json_print(const struct ct_json *j, int pretty);

/* Parsing and reading */
int ct_json_parse(const char *text, size_t len, struct ct_json **out);
const struct ct_json *ct_json_get(const struct ct_json *o, const char *key);
const char *ct_json_get_str(const struct ct_json *o, const char *key);
int ct_json_get_i64(const struct ct_json *o, const char *key, int64_t *out); /* CT_ENOTFOUND */
int ct_json_get_num(const struct ct_json *o, const char *key, double *out);
int ct_json_get_bool(const struct ct_json *o, const char *key, int *out);
int ct_json_is_obj(const struct ct_json *j);
int ct_json_is_arr(const struct ct_json *j);
const char *ct_json_str(const struct ct_json *j); /* NULL unless a string */
size_t ct_json_arr_len(const struct ct_json *a); /* walks the array: not inside a loop */
/* Element i of an array: walks from the start, so loops use ct_json_first/ct_json_next. */
const struct ct_json *ct_json_arr_at(const struct ct_json *a, size_t i);
/* Iteration in constant time per step: first element of an array (NULL if empty or not an
 * array), then the element after j (NULL at the end):
 *   for (el = ct_json_first(arr); el; el = ct_json_next(el)) ... */
const struct ct_json *ct_json_first(const struct ct_json *a);
const struct ct_json *ct_json_next(const struct ct_json *j);
struct ct_json *ct_json_dup(const struct ct_json *j);
/* Takes member key out of object o (the caller owns it then); NULL when absent. */
struct ct_json *ct_json_detach(struct ct_json *o, const char *key);

/* 1 when text[0..len) is exactly one JSON value (whitespace around allowed; strings valid UTF-8,
 * at most 64 levels deep), else 0; builds nothing (jsonv.c), for text passed on as it came. */
int ct_json_valid(const char *text, size_t len);

/* Valid-UTF-8 check used by the adders (exposed for tests). */
int ct_utf8_valid(const char *s, size_t n);

#endif
