/* fuzz-codec.c: libFuzzer target: every codec parser and ct_ipmsg_describe() on arbitrary bytes, plus round trips. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "bodies.h"
#include "charset.h"
#include "codec.h"
#include "entry.h"
#include "hostlist.h"
#include "ipmsg.h"
#include "json.h"
#include "sbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The header builder must reproduce a parsed header that has canonical numbers. */
static void header_roundtrip(const struct ct_ipmsg *m)
{
	struct ct_sbuf b;
	struct ct_ipmsg m2;

	ct_sbuf_init(&b);
	if (ct_codec_build(&b, m->version.p, m->packetno, m->user.p, m->host.p, m->command,
		m->sec[0].p, m->sec[0].len, 1) == 0) {
		if (ct_codec_parse(&m2, b.p, b.len) != 0 || m2.packetno != m->packetno ||
			m2.command != m->command || m2.user.len != m->user.len ||
			memcmp(m2.user.p, m->user.p, m->user.len) != 0 || m2.sec[0].len != m->sec[0].len)
			abort();
		ct_codec_fini(&m2);
	}
	ct_sbuf_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct ct_ipmsg m;
	struct ct_ipmsg_desc d;
	struct ct_sbuf b;

	ct_sbuf_init(&b);
	/* the one-call decoder with both renderers */
	if (ct_ipmsg_describe(s, size, &d) == 0) {
		struct ct_json *o = ct_json_obj();
		char *t;
		ct_ipmsg_desc_line(&d, &b);
		ct_ipmsg_desc_json(&d, o);
		t = ct_json_print(o, 0);
		free(t);
		ct_json_free(o);
	}
	ct_ipmsg_desc_fini(&d);

	if (ct_codec_parse(&m, s, size) == 0) {
		struct ct_entry e;
		ct_entry_parse(&m, &e);
		ct_entry_fini(&e);
		header_roundtrip(&m);
	}
	ct_codec_fini(&m);

	/* every body parser on the raw bytes */
	{
		struct ct_hostlist l;
		struct ct_attach_list al;
		struct ct_attach_dirhdr h;
		struct ct_attach_req rq;
		struct ct_body_pubkey k;
		struct ct_body_enc e;
		uint32_t v;
		size_t need;
		ct_hostlist_parse(s, size, 0, &l);
		ct_hostlist_next_request(&l);
		ct_hostlist_fini(&l);
		ct_attach_list_parse(s, size, &al);
		ct_attach_list_fini(&al);
		/* walk a directory stream as a receiver would */
		for (size_t off = 0; off < size;) {
			int r = ct_attach_dirhdr_parse(s + off, size - off, &h, &need);
			size_t adv = h.hsize;
			if (r == 0 && (h.f.attr & 0xFF) == 1)
				adv += h.f.size > size ? size : (size_t)h.f.size;
			ct_attach_dirhdr_fini(&h);
			if (r != 0 || adv == 0)
				break;
			off += adv;
		}
		ct_attach_req_parse(s, size, &rq);
		ct_hostlist_parse_getlist(s, size, &v);
		ct_body_pktno_parse(s, size, &v);
		ct_body_getpubkey_parse(s, size, &v);
		ct_body_anspubkey_parse(s, size, &k);
		ct_body_enc_parse(s, size, &e);
	}
	/* charsets: never fail on bad bytes */
	ct_sbuf_reset(&b);
	if (ct_charset_decode(CT_CS_CP932, s, size, &b, NULL) < 0 && b.err == 0)
		abort();
	ct_sbuf_reset(&b);
	if (ct_charset_decode(CT_CS_AUTO, s, size, &b, NULL) < 0 && b.err == 0)
		abort();
	ct_sbuf_reset(&b);
	if (ct_charset_encode(CT_CS_CP932, s, size, &b, 0) < 0 && b.err == 0)
		abort();
	ct_sbuf_fini(&b);
	return 0;
}
