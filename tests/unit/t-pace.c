/* t-pace.c: unit tests for the token buckets: pacing math and the per-source rate limiter. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "pace.h"
#include "tap.h"

int main(void)
{
	struct ct_pace p;
	struct ct_haddr a, b;
	struct ct_ratelim *rl;
	int n;

	ct_pace_init(&p, 100, 1, 0);
	is_int(ct_pace_take(&p, 0, 1), 1, "first token available at once");
	is_int(ct_pace_take(&p, 0, 1), 0, "burst 1: second refused");
	is_int(ct_pace_wait_ms(&p, 0, 1), 10, "100/s: next in 10 ms");
	is_int(ct_pace_wait_ms(&p, 4, 1), 6, "6 ms left after 4 ms");
	is_int(ct_pace_take(&p, 10, 1), 1, "token after 10 ms");
	n = 0;
	for (uint64_t t = 10; t <= 1010; t++)
		n += ct_pace_take(&p, t, 1);
	is_int(n, 100, "100 packets in one second at 100/s");
	ct_pace_init(&p, 0, 1, 0);
	is_int(ct_pace_wait_ms(&p, 0, 5), 0, "rate 0 = unlimited");
	is_int(ct_pace_duration_ms(254, 100), 2530, "254 packets at 100/s take 2.53 s");
	is_int(ct_pace_duration_ms(1, 100), 0, "one packet takes no time");
	ct_pace_init(&p, 50, 10, 0);
	is_int((int)ct_pace_avail(&p, 1000000), 10, "never more than the burst");

	rl = ct_ratelim_new(10, 5, 4);
	ct_haddr_parse(&a, "198.18.2.11", 2425);
	ct_haddr_parse(&b, "198.18.2.12", 2425);
	n = 0;
	for (int i = 0; i < 20; i++)
		n += ct_ratelim_allow(rl, &a, 1, 0);
	is_int(n, 5, "burst 5 from one source");
	is_int(ct_ratelim_allow(rl, &b, 1, 0), 1, "another source has its own bucket");
	a.port = 9999;
	is_int(ct_ratelim_allow(rl, &a, 1, 0), 0, "the port does not open a new bucket");
	is_int(ct_ratelim_allow(rl, &a, 1, 100), 1, "refilled after 100 ms at 10/s");
	is_int(ct_ratelim_refused(rl), 16, "refusals counted");
	for (unsigned i = 0; i < 10; i++) {
		struct ct_haddr c;
		ct_haddr_set_v4(&c, 0x0A000000u + i, 1);
		ct_ratelim_allow(rl, &c, 5, 200);
	}
	ok(ct_ratelim_sources(rl) <= 4, "tracked sources stay bounded (%zu)", ct_ratelim_sources(rl));
	ct_ratelim_free(rl);
	return tap_done();
}
