/* fuzz-fedwire.c: libFuzzer target for the federation wire parser (fedwire.c): never crashes, and what parses re-encodes to the same fields. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fedwire.h"
#include "sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void digest_round(const char *b, size_t n)
{
	struct ct_fed_digest d, d2;
	struct ct_sbuf s;

	if (ct_fedwire_digest_decode(b, n, &d) != 0)
		return;
	ct_sbuf_init(&s);
	if (ct_fedwire_digest_encode(&d, &s) != 0 || ct_fedwire_digest_decode(s.p, s.len, &d2) != 0 ||
	    memcmp(&d, &d2, sizeof d) != 0)
		abort();
	ct_sbuf_fini(&s);
}

static void page_round(const char *b, size_t n)
{
	struct ct_fed_page p, p2;
	struct ct_sbuf s;

	if (ct_fedwire_page_decode(b, n, &p) == 0) {
		ct_sbuf_init(&s);
		if (ct_fedwire_page_header(&s, p.inc, p.from, p.to, p.last) != 0)
			abort();
		for (size_t i = 0; i < p.n; i++) {
			struct ct_fed_entry e = p.e[i];
			if (e.gone)
				e.nick = e.group = ""; /* a tombstone carries no names */
			if (ct_fedwire_entry_encode(&e, &s) != 0)
				abort();
		}
		if (ct_fedwire_page_decode(s.p, s.len, &p2) != 0 || p2.n != p.n || p2.to != p.to || p2.inc != p.inc)
			abort();
		for (size_t i = 0; i < p.n; i++)
			if (p2.e[i].ver != p.e[i].ver || strcmp(p2.e[i].user, p.e[i].user) != 0 ||
			    strcmp(p2.e[i].host, p.e[i].host) != 0 || p2.e[i].port != p.e[i].port ||
			    p2.e[i].status != p.e[i].status || p2.e[i].gone != p.e[i].gone)
				abort();
		ct_fedwire_page_fini(&p2);
		ct_sbuf_fini(&s);
	}
	ct_fedwire_page_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;

	switch (ct_fedwire_kind(b, size)) {
	case CT_FEDWIRE_DIGEST:
		digest_round(b, size);
		break;
	case CT_FEDWIRE_PAGE:
		page_round(b, size);
		break;
	default:
		break;
	}
	return 0;
}
