/* fuzz-coop.c: libFuzzer target for the cooperative check's CTCP parser (coop.c): never crashes, and what parses re-encodes to itself. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "coop-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_coop_msg m, m2;
	uint8_t out[CT_COOP_LEN];
	char text[300];

	(void)ct_coop_is_app(data, size);
	if (ct_coop_decode(data, size, &m) != 0)
		return 0;
	ct_coop_result_text(&m.res, m.checks, text, sizeof text);
	if (m.version != CT_COOP_VERSION)
		return 0;
	/* a version-1 packet re-encodes to one that decodes to the same fields */
	if (ct_coop_encode(&m, out, sizeof out) != CT_COOP_LEN || ct_coop_decode(out, sizeof out, &m2) != 0 ||
	    m2.answer != m.answer || m2.ssrc != m.ssrc || m2.checks != m.checks || m2.wait_ms != m.wait_ms ||
	    m2.target != m.target || m2.port != m.port || memcmp(m2.nonce, m.nonce, 8) != 0 ||
	    m2.res.status != m.res.status || m2.res.udp != m.res.udp || m2.res.tcp != m.res.tcp ||
	    m2.res.udp_rtt_us != m.res.udp_rtt_us || strcmp(m2.res.program, m.res.program) != 0)
		abort();
	return 0;
}
