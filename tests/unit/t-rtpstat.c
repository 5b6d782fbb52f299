/* t-rtpstat.c: RTP stream statistics: loss, reordering, duplicates, sequence wrap, resync, RFC 3550 jitter. */
#include "config.h"
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include "rtpstat.h"
#include "tap.h"

static const uint8_t A[4] = { 198, 18, 1, 11 }, B[4] = { 198, 18, 2, 11 };

/* One PCMU packet (pt 0, 8000 Hz) of stream ssrc from A:22224 to B:22224. */
static struct ct_rtp_stream *feed(struct ct_rtpstat *st, uint32_t ssrc, uint16_t seq, uint32_t ts, int64_t arrival_ns)
{
	struct ct_rtp r;

	memset(&r, 0, sizeof r);
	r.pt = 0;
	r.seq = seq;
	r.ts = ts;
	r.ssrc = ssrc;
	r.pl_len = 160;
	return ct_rtpstat_update(st, AF_INET, A, B, 22224, 22224, &r, 180, arrival_ns);
}

/* Feeds the sequence numbers in order, 20 ms and 160 timestamp units apart. */
static struct ct_rtp_stream *feed_seqs(struct ct_rtpstat *st, uint32_t ssrc, const uint16_t *seq, size_t n)
{
	struct ct_rtp_stream *s = NULL;

	for (size_t i = 0; i < n; i++)
		s = feed(st, ssrc, seq[i], (uint32_t)seq[i] * 160u, (int64_t)i * 20000000);
	return s;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void t_in_order_and_loss(void)
{
	struct ct_rtpstat st;
	struct ct_rtp_stream *s;
	static const uint16_t all[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const uint16_t holes[] = { 1, 2, 3, 5, 6, 8, 9, 10 }; /* 4 and 7 lost */

	ct_rtpstat_init(&st, 8, 0);
	s = feed_seqs(&st, 0x11, all, N(all));
	ok(s != NULL, "a stream is tracked");
	is_int(s->packets, 10, "in order: 10 packets");
	is_int(ct_rtp_stream_expected(s), 10, "in order: 10 expected");
	is_int(ct_rtp_stream_lost(s), 0, "in order: nothing lost");
	is_int(s->reordered, 0, "in order: nothing reordered");
	ok(ct_rtp_stream_loss_pct(s) == 0.0, "in order: 0%% loss");

	s = feed_seqs(&st, 0x22, holes, N(holes));
	is_int(st.n, 2, "another SSRC is another stream");
	is_int(s->packets, 8, "with holes: 8 packets");
	is_int(ct_rtp_stream_expected(s), 10, "with holes: 10 expected (1..10)");
	is_int(ct_rtp_stream_lost(s), 2, "with holes: 2 lost (4 and 7)");
	ok(fabs(ct_rtp_stream_loss_pct(s) - 20.0) < 1e-9, "with holes: 20%% loss (%.3f)", ct_rtp_stream_loss_pct(s));
	ct_rtpstat_fini(&st);
}

static void t_reorder_duplicate(void)
{
	struct ct_rtpstat st;
	struct ct_rtp_stream *s;
	static const uint16_t reorder[] = { 1, 2, 4, 3, 5 };
	static const uint16_t dup[] = { 1, 2, 2, 3 };
	static const uint16_t late_loss[] = { 1, 2, 5, 3, 6 }; /* 3 late, 4 lost */

	ct_rtpstat_init(&st, 8, 0);
	s = feed_seqs(&st, 1, reorder, N(reorder));
	is_int(s->reordered, 1, "1 2 4 3 5: one packet reordered");
	is_int(ct_rtp_stream_lost(s), 0, "1 2 4 3 5: nothing lost (the late packet counts)");
	is_int(s->max_seq, 5, "1 2 4 3 5: highest sequence 5");

	s = feed_seqs(&st, 2, dup, N(dup));
	is_int(s->reordered, 1, "1 2 2 3: the duplicate counts as reordered");
	is_int(ct_rtp_stream_expected(s), 3, "1 2 2 3: 3 expected");
	is_int(ct_rtp_stream_lost(s), -1, "1 2 2 3: lost is -1 (RFC 3550: duplicates make it negative)");
	ok(ct_rtp_stream_loss_pct(s) == 0.0, "1 2 2 3: negative loss shows as 0%%");

	s = feed_seqs(&st, 3, late_loss, N(late_loss));
	is_int(s->reordered, 1, "1 2 5 3 6: 3 arrived late");
	is_int(ct_rtp_stream_lost(s), 1, "1 2 5 3 6: 4 lost");
	ct_rtpstat_fini(&st);
}

static void t_wrap_resync(void)
{
	struct ct_rtpstat st;
	struct ct_rtp_stream *s;
	static const uint16_t wrap[] = { 65533, 65534, 65535, 0, 1, 2 };
	static const uint16_t wrap_loss[] = { 65534, 65535, 1, 2 }; /* 0 lost across the wrap */
	static const uint16_t jump[] = { 100, 101, 102, 30000, 30001, 30002 };
	static const uint16_t stray[] = { 100, 101, 30000, 102, 103 };

	ct_rtpstat_init(&st, 8, 0);
	s = feed_seqs(&st, 1, wrap, N(wrap));
	is_int(s->cycles, 65536, "65533..2: one sequence cycle");
	is_int(ct_rtp_stream_expected(s), 6, "65533..2: 6 expected across the wrap");
	is_int(ct_rtp_stream_lost(s), 0, "65533..2: nothing lost");
	is_int(s->reordered, 0, "65533..2: the wrap is not a reordering");

	s = feed_seqs(&st, 2, wrap_loss, N(wrap_loss));
	is_int(ct_rtp_stream_expected(s), 5, "65534 65535 1 2: 5 expected");
	is_int(ct_rtp_stream_lost(s), 1, "65534 65535 1 2: sequence 0 lost");

	s = feed_seqs(&st, 3, jump, N(jump));
	is_int(s->resyncs, 1, "a jump of 29898 followed by its successor restarts the count (RFC 3550 A.1)");
	is_int(ct_rtp_stream_expected(s), 2, "after the resync: counting from 30001");
	is_int(ct_rtp_stream_lost(s), 0, "after the resync: nothing lost");

	s = feed_seqs(&st, 4, stray, N(stray));
	is_int(s->resyncs, 0, "one stray far sequence number does not restart the count");
	is_int(ct_rtp_stream_lost(s), 0, "the stray packet is ignored, 100..103 complete");
	is_int(s->packets, 5, "the stray packet is still counted as a packet");
	ct_rtpstat_fini(&st);
}

static void t_jitter(void)
{
	struct ct_rtpstat st;
	struct ct_rtp_stream *s;

	/* Hand-worked, RFC 3550 A.8, PCMU (8000 Hz, so 1 ms = 8 timestamp units):
	 *   packet  ts   arrival  R-R'(units)  S-S'  D    J = J + (|D| - J)/16
	 *   1       0    0 ms     -            -     -    0
	 *   2       160  20 ms    160          160   0    0
	 *   3       320  45 ms    200          160   40   40/16 = 2.5
	 *   4       480  60 ms    120          160   -40  2.5 + 37.5/16 = 4.84375
	 *   5       640  80 ms    160          160   0    4.84375 - 4.84375/16 = 4.541015625
	 * jitter = 4.541015625 / 8 ms = 0.567626953125 ms */
	ct_rtpstat_init(&st, 8, 0);
	feed(&st, 7, 1, 0, 0);
	s = feed(&st, 7, 2, 160, 20000000);
	ok(fabs(s->jitter) < 1e-9, "jitter after an on-time packet is 0");
	s = feed(&st, 7, 3, 320, 45000000);
	ok(fabs(s->jitter - 2.5) < 1e-9, "jitter after 5 ms late: 2.5 units (%.9f)", s->jitter);
	s = feed(&st, 7, 4, 480, 60000000);
	ok(fabs(s->jitter - 4.84375) < 1e-9, "jitter after 5 ms early: 4.84375 units (%.9f)", s->jitter);
	s = feed(&st, 7, 5, 640, 80000000);
	ok(fabs(s->jitter - 4.541015625) < 1e-9, "jitter after an on-time packet decays: 4.541015625 units (%.9f)", s->jitter);
	is_int(s->clock, 8000, "PCMU clock 8000 Hz");
	ok(fabs(ct_rtp_stream_jitter_ms(s) - 0.567626953125) < 1e-9, "jitter in ms: 0.5676 (%.9f)", ct_rtp_stream_jitter_ms(s));
	ct_rtpstat_fini(&st);
}

static void t_table(void)
{
	struct ct_rtpstat st;
	struct ct_rtp r;
	struct ct_rtp_stream *s;
	size_t tracked = 0;

	ct_rtpstat_init(&st, 1, 90000);
	memset(&r, 0, sizeof r);
	r.pt = 96;
	r.ssrc = 1;
	s = ct_rtpstat_update(&st, 4, A, B, 22226, 22226, &r, 100, 0);
	is_int(s->clock, 90000, "a dynamic payload type uses the default clock");
	r.pt = 8;
	s = ct_rtpstat_update(&st, 4, B, A, 22226, 22226, &r, 100, 0);
	ok(s && st.n == 2, "the reverse direction is another stream");
	is_int(s->clock, 8000, "PCMA clock 8000 Hz");
	for (uint32_t i = 2; i < 40; i++) {
		r.ssrc = i;
		if (ct_rtpstat_update(&st, 4, A, B, 22226, 22226, &r, 100, 0))
			tracked++;
	}
	ok(st.n < st.cap && st.untracked > 0, "a full table refuses new streams (%zu tracked, %llu untracked)",
		st.n, (unsigned long long)st.untracked);
	is_int(st.n + st.untracked, 40, "every packet is either tracked or counted as untracked");
	r.ssrc = 1;
	r.pt = 96;
	ok(ct_rtpstat_update(&st, 4, A, B, 22226, 22226, &r, 100, 0) != NULL, "a known stream is still updated when full");
	ct_rtpstat_fini(&st);
}

int main(void)
{
	t_in_order_and_loss();
	t_reorder_duplicate();
	t_wrap_resync();
	t_jitter();
	t_table();
	return tap_done();
}
