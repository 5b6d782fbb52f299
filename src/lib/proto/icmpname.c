/* icmpname.c: ICMP (RFC 792, 1122, 1812, 4884, 8335) and ICMPv6 (RFC 4443, 4861) names, tags, verdicts. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "icmpname.h"

struct code_name {
	uint8_t code;
	const char *name;
	const char *key;
	const char *tag;
	enum ct_icmp_verdict verdict;
};

struct type_name {
	uint8_t type;
	const char *name;
	const char *key;            /* key when the code is not listed */
	const char *tag;
	enum ct_icmp_verdict verdict; /* for codes not listed */
	int error;                  /* quotes the offending datagram */
	const struct code_name *codes;
	size_t ncodes;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define F CT_ICMPV_FILTERED

static const struct code_name v4_unreach[] = {
	{ 0, "network unreachable", "net_unreachable", "!N", F },
	{ 1, "host unreachable", "host_unreachable", "!H", F },
	{ 2, "protocol unreachable", "protocol_unreachable", "!P", F },
	{ 3, "port unreachable", "port_unreachable", "", CT_ICMPV_CLOSED },
	{ 4, "fragmentation needed and DF set", "frag_needed", "!F", CT_ICMPV_OTHER },
	{ 5, "source route failed", "source_route_failed", "!S", F },
	{ 6, "destination network unknown", "net_unknown", "!N", F },
	{ 7, "destination host unknown", "host_unknown", "!H", F },
	{ 8, "source host isolated", "host_isolated", "!I", F },
	{ 9, "communication with destination network administratively prohibited", "net_prohibited", "!X", F },
	{ 10, "communication with destination host administratively prohibited", "host_prohibited", "!X", F },
	{ 11, "network unreachable for type of service", "net_unreachable_tos", "!N", F },
	{ 12, "host unreachable for type of service", "host_unreachable_tos", "!H", F },
	{ 13, "communication administratively prohibited", "admin_prohibited", "!X", F },
	{ 14, "host precedence violation", "host_precedence_violation", "!V", F },
	{ 15, "precedence cutoff in effect", "precedence_cutoff", "!C", F },
};
static const struct code_name v4_redirect[] = {
	{ 0, "redirect for network", "redirect_net", "", CT_ICMPV_NONE },
	{ 1, "redirect for host", "redirect_host", "", CT_ICMPV_NONE },
	{ 2, "redirect for type of service and network", "redirect_tos_net", "", CT_ICMPV_NONE },
	{ 3, "redirect for type of service and host", "redirect_tos_host", "", CT_ICMPV_NONE },
};
static const struct code_name v4_timex[] = {
	{ 0, "time to live exceeded in transit", "ttl_exceeded", "", CT_ICMPV_TRANSIT },
	{ 1, "fragment reassembly time exceeded", "reassembly_timeout", "!TF", CT_ICMPV_OTHER },
};
static const struct code_name v4_param[] = {
	{ 0, "pointer indicates the error", "param_pointer", "!Q", CT_ICMPV_OTHER },
	{ 1, "missing a required option", "param_missing_option", "!Q", CT_ICMPV_OTHER },
	{ 2, "bad length", "param_bad_length", "!Q", CT_ICMPV_OTHER },
};
static const struct code_name v4_extecho[] = {
	{ 0, "no error", "ext_echo_ok", "", CT_ICMPV_NONE },
	{ 1, "malformed query", "ext_echo_malformed", "", CT_ICMPV_NONE },
	{ 2, "no such interface", "ext_echo_no_interface", "", CT_ICMPV_NONE },
	{ 3, "no such table entry", "ext_echo_no_entry", "", CT_ICMPV_NONE },
	{ 4, "multiple interfaces satisfy query", "ext_echo_multiple", "", CT_ICMPV_NONE },
};

static const struct type_name v4[] = {
	{ 0, "echo reply", "echo_reply", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 3, "destination unreachable", "unreachable", "!U", F, 1, v4_unreach, N(v4_unreach) },
	{ 4, "source quench", "source_quench", "!Z", CT_ICMPV_OTHER, 1, NULL, 0 },
	{ 5, "redirect", "redirect", "", CT_ICMPV_NONE, 1, v4_redirect, N(v4_redirect) },
	{ 8, "echo request", "echo_request", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 9, "router advertisement", "router_advertisement", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 10, "router solicitation", "router_solicitation", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 11, "time exceeded", "time_exceeded", "!T", CT_ICMPV_OTHER, 1, v4_timex, N(v4_timex) },
	{ 12, "parameter problem", "parameter_problem", "!Q", CT_ICMPV_OTHER, 1, v4_param, N(v4_param) },
	{ 13, "timestamp request", "timestamp_request", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 14, "timestamp reply", "timestamp_reply", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 15, "information request", "info_request", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 16, "information reply", "info_reply", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 17, "address mask request", "mask_request", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 18, "address mask reply", "mask_reply", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 42, "extended echo request", "ext_echo_request", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 43, "extended echo reply", "ext_echo_reply", "", CT_ICMPV_NONE, 0, v4_extecho, N(v4_extecho) },
};

static const struct code_name v6_unreach[] = {
	{ 0, "no route to destination", "no_route", "!N", F },
	{ 1, "communication with destination administratively prohibited", "admin_prohibited", "!X", F },
	{ 2, "beyond scope of source address", "beyond_scope", "!S", F },
	{ 3, "address unreachable", "address_unreachable", "!H", F },
	{ 4, "port unreachable", "port_unreachable", "", CT_ICMPV_CLOSED },
	{ 5, "source address failed ingress/egress policy", "source_policy_failed", "!X", F },
	{ 6, "reject route to destination", "reject_route", "!X", F },
	{ 7, "error in source routing header", "source_routing_error", "!S", F },
	{ 8, "headers too long", "headers_too_long", "!P", F },
};
static const struct code_name v6_timex[] = {
	{ 0, "hop limit exceeded in transit", "ttl_exceeded", "", CT_ICMPV_TRANSIT },
	{ 1, "fragment reassembly time exceeded", "reassembly_timeout", "!TF", CT_ICMPV_OTHER },
};
static const struct code_name v6_param[] = {
	{ 0, "erroneous header field encountered", "param_bad_field", "!Q", CT_ICMPV_OTHER },
	{ 1, "unrecognized next header type", "param_bad_next_header", "!P", CT_ICMPV_OTHER },
	{ 2, "unrecognized IPv6 option", "param_bad_option", "!Q", CT_ICMPV_OTHER },
	{ 3, "first fragment has incomplete header chain", "param_incomplete_chain", "!Q", CT_ICMPV_OTHER },
};

static const struct type_name v6[] = {
	{ 1, "destination unreachable", "unreachable", "!U", F, 1, v6_unreach, N(v6_unreach) },
	{ 2, "packet too big", "packet_too_big", "!F", CT_ICMPV_OTHER, 1, NULL, 0 },
	{ 3, "time exceeded", "time_exceeded", "!T", CT_ICMPV_OTHER, 1, v6_timex, N(v6_timex) },
	{ 4, "parameter problem", "parameter_problem", "!Q", CT_ICMPV_OTHER, 1, v6_param, N(v6_param) },
	{ 128, "echo request", "echo_request", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 129, "echo reply", "echo_reply", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 133, "router solicitation", "router_solicitation", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 134, "router advertisement", "router_advertisement", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 135, "neighbor solicitation", "neighbor_solicitation", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 136, "neighbor advertisement", "neighbor_advertisement", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 137, "redirect", "redirect", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 160, "extended echo request", "ext_echo_request", "", CT_ICMPV_NONE, 0, NULL, 0 },
	{ 161, "extended echo reply", "ext_echo_reply", "", CT_ICMPV_NONE, 0, NULL, 0 },
};

static const struct type_name *find_type(int family, uint8_t type)
{
	const struct type_name *t = family == CT_ICMP_V6 ? v6 : v4;
	size_t n = family == CT_ICMP_V6 ? N(v6) : N(v4);

	for (size_t i = 0; i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}

static const struct code_name *find_code(const struct type_name *t, uint8_t code)
{
	for (size_t i = 0; t && i < t->ncodes; i++)
		if (t->codes[i].code == code)
			return &t->codes[i];
	return NULL;
}

static _Thread_local char unknown_buf[64];

const char *ct_icmp_type_name(int family, uint8_t type)
{
	const struct type_name *t = find_type(family, type);

	if (t)
		return t->name;
	snprintf(unknown_buf, sizeof unknown_buf, "type %u", type);
	return unknown_buf;
}

const char *ct_icmp_code_name(int family, uint8_t type, uint8_t code)
{
	const struct code_name *c = find_code(find_type(family, type), code);

	return c ? c->name : "";
}

const char *ct_icmp_name(int family, uint8_t type, uint8_t code)
{
	const struct type_name *t = find_type(family, type);
	const struct code_name *c = find_code(t, code);

	if (t && c)
		snprintf(unknown_buf, sizeof unknown_buf, "%s", c->name);
	else if (t && (t->ncodes > 0 || code != 0))
		snprintf(unknown_buf, sizeof unknown_buf, "%s (code %u)", t->name, code);
	else if (t)
		return t->name;
	else
		snprintf(unknown_buf, sizeof unknown_buf, "type %u code %u", type, code);
	return unknown_buf;
}

const char *ct_icmp_tag(int family, uint8_t type, uint8_t code)
{
	const struct type_name *t = find_type(family, type);
	const struct code_name *c = find_code(t, code);

	if (c)
		return c->tag;
	return t ? t->tag : "!?";
}

const char *ct_icmp_key(int family, uint8_t type, uint8_t code)
{
	const struct type_name *t = find_type(family, type);
	const struct code_name *c = find_code(t, code);

	if (c)
		return c->key;
	return t ? t->key : "unknown";
}

enum ct_icmp_verdict ct_icmp_verdict(int family, uint8_t type, uint8_t code)
{
	const struct type_name *t = find_type(family, type);
	const struct code_name *c = find_code(t, code);

	if (c)
		return c->verdict;
	if (t)
		return t->verdict;
	return CT_ICMPV_OTHER;
}

int ct_icmp_is_error(int family, uint8_t type)
{
	const struct type_name *t = find_type(family, type);

	if (t)
		return t->error;
	return family == CT_ICMP_V6 ? type < 128 : 0;
}
