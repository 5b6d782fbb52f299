/* util.h: small checked helpers: number parsing, bounded copies, hex dumps. */
#ifndef CT_UTIL_H
#define CT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define CT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Parse a whole string as an unsigned number in base (10 or 16); CT_EFORMAT / CT_ERANGE. */
int ct_parse_u64(const char *s, size_t n, int base, uint64_t max, uint64_t *out);
int ct_parse_u32(const char *s, size_t n, int base, uint32_t *out);
/* Copies at most dstlen-1 bytes and terminates; returns strlen(src). */
size_t ct_strlcpy(char *dst, const char *src, size_t dstlen);
/* Duplicates n bytes into a fresh NUL-terminated string, or NULL. */
char *ct_strndup(const char *s, size_t n);
/* Writes a C-style escaped rendering of n bytes (\a \b \0 \xNN) into out (NUL-terminated). */
size_t ct_escape_bytes(const void *data, size_t n, char *out, size_t outlen);

#endif
