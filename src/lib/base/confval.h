/* confval.h: the config engine's value types and parsers (durations, rates, ports, booleans, CIDR, lists), shared with the command line. */
#ifndef CT_CONFVAL_H
#define CT_CONFVAL_H

#include <stddef.h>
#include <stdint.h>
#include "sbuf.h"

struct ct_cidr {
	int family;          /* AF_INET or AF_INET6 */
	uint8_t addr[16];    /* network byte order; host bits cleared */
	unsigned prefix;     /* 0..32 or 0..128 */
};

struct ct_cidr_list {
	size_t n;
	struct ct_cidr *v;
};

struct ct_strlist {
	size_t n;
	char **v;
};

struct ct_port_range {
	uint16_t lo, hi;
};

/* The value parsers: 0, or CT_EFORMAT (not that kind of value) or CT_ERANGE (out of range). */
/* A decimal integer (strtoll: leading blanks and a sign allowed). */
int ct_conf_parse_int(const char *s, int64_t *v);
/* "2h", "90m", "30s", "500ms", "1d", "1h30m"; a plain number is seconds. */
int ct_conf_parse_duration(const char *s, uint64_t *ms);
/* Seconds with fractions ("0.2", "5"), or a duration as above ("500ms", "1m30s"). */
int ct_conf_parse_seconds(const char *s, double *sec);
/* "100", "100/s", "20/m", "5/h": per second. */
int ct_conf_parse_rate(const char *s, double *per_sec);
/* yes/no, true/false, on/off, 1/0 (any case). */
int ct_conf_parse_bool(const char *s, int *out);
/* "2425" or "22224-22227": ports 1-65535, the lower one first (CT_ERANGE otherwise). */
int ct_conf_parse_ports(const char *s, struct ct_port_range *pr);
void ct_conf_format_duration(uint64_t ms, struct ct_sbuf *out);
int ct_cidr_parse(const char *s, struct ct_cidr *out);
void ct_cidr_format(const struct ct_cidr *c, char *buf, size_t len);
/* 1 when addr (family, 4 or 16 bytes network order) lies in c. */
int ct_cidr_contains(const struct ct_cidr *c, int family, const void *addr);
int ct_cidr_list_contains(const struct ct_cidr_list *l, int family, const void *addr);
int ct_cidr_list_add(struct ct_cidr_list *l, const struct ct_cidr *c);
void ct_cidr_list_free(struct ct_cidr_list *l);
int ct_strlist_add(struct ct_strlist *l, const char *s);
void ct_strlist_free(struct ct_strlist *l);

#endif
