/* rtpstat.c: RTP stream table; sequence accounting after RFC 3550 A.1, jitter after A.8. */
#include "config.h"
#include <sys/socket.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "err.h"
#include "rtpstat.h"

#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define SEQ_MOD 65536u

int ct_rtpstat_init(struct ct_rtpstat *st, size_t max_streams, uint32_t default_clock)
{
	size_t cap = 16;

	memset(st, 0, sizeof *st);
	while (cap < max_streams * 2 && cap < ((size_t)1 << 20))
		cap *= 2;
	if (!(st->tab = calloc(cap, sizeof *st->tab)))
		return CT_ENOMEM;
	st->cap = cap;
	st->default_clock = default_clock ? default_clock : 8000;
	return 0;
}

void ct_rtpstat_fini(struct ct_rtpstat *st)
{
	free(st->tab);
	memset(st, 0, sizeof *st);
}

static uint32_t mix(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void seq_init(struct ct_rtp_stream *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = SEQ_MOD + 1;
	s->cycles = 0;
	s->received = 0;
}

/* RFC 3550 A.1 update_seq without probation: counts every packet of a stream we already track. */
static void seq_update(struct ct_rtp_stream *s, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	if (udelta == 0) {
		s->reordered++; /* the highest packet again: a duplicate */
	} else if (udelta < MAX_DROPOUT) {
		if (seq < s->max_seq)
			s->cycles += SEQ_MOD;
		s->max_seq = seq;
	} else if (udelta <= SEQ_MOD - MAX_MISORDER) {
		if (seq == s->bad_seq) {
			/* two sequential packets after a big jump: the source restarted */
			s->resyncs++;
			seq_init(s, seq);
		} else {
			s->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
			return;
		}
	} else {
		s->reordered++; /* duplicate or out of order */
	}
	s->received++;
}

struct ct_rtp_stream *ct_rtpstat_update(struct ct_rtpstat *st, int af, const uint8_t *src,
	const uint8_t *dst, uint16_t sport, uint16_t dport, const struct ct_rtp *r,
	uint32_t bytes, int64_t arrival_ns)
{
	size_t alen = af == AF_INET6 ? 16 : 4, i;
	uint32_t h = 2166136261u;
	uint16_t ports[2] = { sport, dport };
	struct ct_rtp_stream *s;

	h = mix(h, (const uint8_t *)&r->ssrc, 4);
	h = mix(h, (const uint8_t *)ports, 4);
	h = mix(h, src, alen);
	h = mix(h, dst, alen);
	for (i = h & (st->cap - 1);; i = (i + 1) & (st->cap - 1)) {
		s = &st->tab[i];
		if (!s->used)
			break;
		if (s->ssrc == r->ssrc && s->sport == sport && s->dport == dport && s->af == af &&
		    memcmp(s->src, src, alen) == 0 && memcmp(s->dst, dst, alen) == 0)
			goto found;
	}
	if (st->n * 4 >= st->cap * 3) {
		st->untracked++;
		return NULL;
	}
	memset(s, 0, sizeof *s);
	s->used = 1;
	s->af = af;
	memcpy(s->src, src, alen);
	memcpy(s->dst, dst, alen);
	s->sport = sport;
	s->dport = dport;
	s->ssrc = r->ssrc;
	s->first_ns = arrival_ns;
	seq_init(s, r->seq);
	st->n++;
	s->received = 1; /* counted here: the first packet defines the base */
	goto counted;
found:
	seq_update(s, r->seq);
counted:
	s->packets++;
	s->bytes += bytes;
	s->pt = r->pt;
	if (!s->clock) {
		s->clock = ct_rtp_pt_clock(r->pt);
		if (!s->clock)
			s->clock = st->default_clock;
	}
	if (s->have_last) {
		double d = (double)(arrival_ns - s->last_arrival_ns) * s->clock / 1e9 -
			(double)(int32_t)(r->ts - s->last_ts);
		s->jitter += (fabs(d) - s->jitter) / 16.0;
	}
	s->have_last = 1;
	s->last_arrival_ns = arrival_ns;
	s->last_ts = r->ts;
	return s;
}

uint64_t ct_rtp_stream_expected(const struct ct_rtp_stream *s)
{
	return (uint64_t)s->cycles + s->max_seq - s->base_seq + 1;
}

int64_t ct_rtp_stream_lost(const struct ct_rtp_stream *s)
{
	return (int64_t)ct_rtp_stream_expected(s) - (int64_t)s->received;
}

double ct_rtp_stream_loss_pct(const struct ct_rtp_stream *s)
{
	uint64_t e = ct_rtp_stream_expected(s);
	int64_t l = ct_rtp_stream_lost(s);
	return e && l > 0 ? 100.0 * (double)l / (double)e : 0.0;
}

double ct_rtp_stream_jitter_ms(const struct ct_rtp_stream *s)
{
	return s->clock ? s->jitter * 1000.0 / s->clock : 0.0;
}

void ct_rtpstat_foreach(const struct ct_rtpstat *st, void (*fn)(const struct ct_rtp_stream *, void *), void *ud)
{
	for (size_t i = 0; i < st->cap; i++)
		if (st->tab[i].used)
			fn(&st->tab[i], ud);
}
