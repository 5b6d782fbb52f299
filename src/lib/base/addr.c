/* addr.c: the compact transport address: conversion from and to sockaddrs, parsing, printing, hashing. */
#include "config.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "addr.h"
#include "err.h"

int ct_haddr_from_sa(struct ct_haddr *a, const struct sockaddr *sa)
{
	memset(a, 0, sizeof *a);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		a->family = AF_INET;
		memcpy(a->ip, &s4->sin_addr, 4);
		a->port = ntohs(s4->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			a->family = AF_INET;
			memcpy(a->ip, &s6->sin6_addr.s6_addr[12], 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->ip, &s6->sin6_addr, 16);
		}
		a->port = ntohs(s6->sin6_port);
		return 0;
	}
	return CT_EINVAL;
}

unsigned ct_haddr_to_sa(const struct ct_haddr *a, void *ss)
{
	memset(ss, 0, sizeof(struct sockaddr_storage));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->ip, 16);
		s6->sin6_port = htons(a->port);
		return sizeof *s6;
	}
	struct sockaddr_in *s4 = ss;
	s4->sin_family = AF_INET;
	memcpy(&s4->sin_addr, a->ip, 4);
	s4->sin_port = htons(a->port);
	return sizeof *s4;
}

int ct_haddr_parse(struct ct_haddr *a, const char *text, uint16_t port)
{
	memset(a, 0, sizeof *a);
	a->port = port;
	if (inet_pton(AF_INET, text, a->ip) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, a->ip) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return CT_EFORMAT;
}

char *ct_haddr_ip_str(const struct ct_haddr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->ip, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

char *ct_haddr_str(const struct ct_haddr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	ct_haddr_ip_str(a, ip, sizeof ip);
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, len, "%s:%u", ip, a->port);
	return buf;
}

int ct_haddr_eq(const struct ct_haddr *a, const struct ct_haddr *b)
{
	return a->family == b->family && a->port == b->port &&
		memcmp(a->ip, b->ip, a->family == AF_INET6 ? 16 : 4) == 0;
}

uint32_t ct_haddr_v4(const struct ct_haddr *a)
{
	if (a->family != AF_INET)
		return 0;
	return (uint32_t)a->ip[0] << 24 | (uint32_t)a->ip[1] << 16 | (uint32_t)a->ip[2] << 8 | a->ip[3];
}

void ct_haddr_set_v4(struct ct_haddr *a, uint32_t ip, uint16_t port)
{
	memset(a, 0, sizeof *a);
	a->family = AF_INET;
	a->ip[0] = (uint8_t)(ip >> 24);
	a->ip[1] = (uint8_t)(ip >> 16);
	a->ip[2] = (uint8_t)(ip >> 8);
	a->ip[3] = (uint8_t)ip;
	a->port = port;
}

/* ---- hashing ---- */

uint64_t ct_haddr_hash_ip(const struct ct_haddr *a)
{
	uint64_t h = 1469598103934665603ULL ^ a->family;

	for (int i = 0; i < (a->family == AF_INET6 ? 16 : 4); i++)
		h = (h ^ a->ip[i]) * 1099511628211ULL;
	return h ^ (h >> 31);
}

int ct_haddr_same_ip(const struct ct_haddr *a, const struct ct_haddr *b)
{
	return a->family == b->family && memcmp(a->ip, b->ip, a->family == AF_INET6 ? 16 : 4) == 0;
}
