/* jsonw.c: the streaming JSON writer: quoted strings and key/value members written into a struct ct_out. */
#include "config.h"
#include <string.h>
#include "jsonw.h"

void ct_jw_str(struct ct_out *o, const char *s, size_t n)
{
	ct_out_putc(o, '"');
	ct_out_escaped(o, s, n, 1);
	ct_out_putc(o, '"');
}

void ct_jw_kstr(struct ct_out *o, const char *key, const char *v)
{
	ct_jw_key(o, key, 0);
	ct_jw_str(o, v, strlen(v));
}

void ct_jw_kint(struct ct_out *o, const char *key, int64_t v)
{
	ct_jw_key(o, key, 0);
	ct_out_i64(o, v);
}

void ct_jw_kbool(struct ct_out *o, const char *key, int v)
{
	ct_jw_key(o, key, 0);
	ct_out_puts(o, v ? "true" : "false");
}

void ct_jw_kfixed(struct ct_out *o, const char *key, double v, int decimals)
{
	ct_jw_key(o, key, 0);
	ct_out_fixed(o, v, decimals);
}
