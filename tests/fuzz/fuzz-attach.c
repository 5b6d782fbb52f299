/* fuzz-attach.c: libFuzzer target for what a file sender controls: attachment lists, GETFILEDATA/GETDIRFILES bodies and the directory stream (attach.c), each name through the receiver's check (xfer-names.c): never crashes, a header consumes what it says. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "err.h"
#include "xfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Walks the input as a directory stream: header, then contents for a regular file. */
static void stream(const char *p, size_t n)
{
	for (unsigned guard = 0; n > 0 && guard < 10000; guard++) {
		struct ct_attach_dirhdr h;
		size_t need = 0;
		int r = ct_attach_dirhdr_parse(p, n, &h, &need);
		if (r != 0) {
			ct_attach_dirhdr_fini(&h);
			if (r == CT_ETRUNC && need && need <= n)
				abort(); /* "need more" must not ask for what is there */
			return;
		}
		if (h.hsize == 0 || h.hsize > n)
			abort();
		(void)ct_xfer_name_check(h.f.name, NULL);
		p += h.hsize;
		n -= h.hsize;
		if ((h.f.attr & 0xFF) == 1) {
			if (h.f.size > n) {
				ct_attach_dirhdr_fini(&h);
				return;
			}
			p += h.f.size;
			n -= h.f.size;
		}
		ct_attach_dirhdr_fini(&h);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_attach_list l;
	struct ct_attach_req rq;
	const char *s = (const char *)data;

	if (size > 1 << 20)
		return 0;
	if (ct_attach_list_parse(s, size, &l) == 0 || l.n)
		for (size_t i = 0; i < l.n; i++)
			(void)ct_xfer_name_check(l.f[i].name, NULL);
	ct_attach_list_fini(&l);
	(void)ct_attach_req_parse(s, size, &rq);
	stream(s, size);
	return 0;
}
