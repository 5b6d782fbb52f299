/* ipmsg-fixtures.h: shared helpers of the codec unit tests: byte-string literals and Japanese names. */
#ifndef CT_IPMSG_FIXTURES_H
#define CT_IPMSG_FIXTURES_H

/* a string literal as (pointer, length), NULs included */
#define LIT(s) (s), (sizeof(s) - 1)
#define is_lit(g, gl, s, ...) is_mem(g, gl, s, sizeof(s) - 1, __VA_ARGS__)

/* UTF-8 and CP932 bytes of the test names (CP932 checked with iconv -t CP932) */
#define TARO_U8 "\xe5\xa4\xaa\xe9\x83\x8e"                 /* 太郎 */
#define TARO_SJ "\x91\xbe\x98\x59"
#define EIGYO_U8 "\xe5\x96\xb6\xe6\xa5\xad\xe9\x83\xa8"    /* 営業部 */
#define EIGYO_SJ "\x89\x63\x8b\xc6\x95\x94"

#endif
