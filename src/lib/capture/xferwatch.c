/* xferwatch.c: follows GETFILEDATA/GETDIRFILES connections on TCP 2425 and reports those whose data stalls or ends short. */
#include "config.h"
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "decode-ip.h"
#include "decode-tcp.h"
#include "err.h"
#include "xferwatch.h"

/* One followed connection. state 0: free; 1: request seen, no data yet; 2: data flowing. */
struct xslot {
	int state;
	int af;
	uint8_t cli[16], srv[16];
	uint16_t cport, sport;
	uint64_t frame;        /* the request's frame */
	int64_t ts_ns;         /* the request's time */
	int64_t last_ns;       /* last data (or the request) */
	uint32_t mode, packetno, file_id;
	uint64_t offset, bytes, expected;
	int has_expected;
	uint32_t hiseq;        /* highest data sequence number seen + 1 */
};

struct xoffer {
	int af;
	uint8_t from[16];
	uint32_t packetno, id;
	uint64_t size;
};

struct ct_xwatch {
	int64_t stall_ns;
	int64_t next_check;    /* no slot can stall before this (a lower bound) */
	size_t active;
	struct xslot slot[CT_XWATCH_SLOTS];
	struct xoffer offer[CT_XWATCH_OFFERS];
	size_t noffer;         /* written so far (ring index = noffer % CT_XWATCH_OFFERS) */
};

int ct_xwatch_new(struct ct_xwatch **out, int64_t stall_ns)
{
	struct ct_xwatch *w = calloc(1, sizeof *w);

	*out = w;
	if (!w)
		return CT_ENOMEM;
	w->stall_ns = stall_ns > 0 ? stall_ns : 5000000000LL;
	w->next_check = INT64_MAX;
	return 0;
}

void ct_xwatch_free(struct ct_xwatch *w) { free(w); }

static size_t alen(int af) { return af == AF_INET6 ? 16 : 4; }

void ct_xwatch_offer(struct ct_xwatch *w, int af, const uint8_t *from, uint32_t packetno, const uint32_t *ids,
	const uint64_t *sizes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct xoffer *o = &w->offer[w->noffer++ % CT_XWATCH_OFFERS];
		o->af = af;
		memcpy(o->from, from, alen(af));
		o->packetno = packetno;
		o->id = ids[i];
		o->size = sizes[i];
	}
}

static const struct xoffer *find_offer(const struct ct_xwatch *w, int af, const uint8_t *from, uint32_t packetno,
	uint32_t id)
{
	size_t n = w->noffer < CT_XWATCH_OFFERS ? w->noffer : CT_XWATCH_OFFERS;

	for (size_t i = 0; i < n; i++) {
		const struct xoffer *o = &w->offer[i];
		if (o->af == af && o->packetno == packetno && o->id == id && memcmp(o->from, from, alen(af)) == 0)
			return o;
	}
	return NULL;
}

static void report(struct ct_xwatch *w, struct xslot *s, int how, int by_requester, int64_t now_ns, ct_unans_cb cb,
	void *ud)
{
	struct ct_unans u;

	memset(&u, 0, sizeof u);
	u.frame = s->frame;
	u.ts_ns = s->ts_ns;
	u.af = s->af;
	memcpy(u.src, s->cli, alen(s->af));
	memcpy(u.dst, s->srv, alen(s->af));
	u.dport = s->sport;
	u.sport = s->cport;
	u.tcp = 1;
	u.mode = s->mode;
	u.want = CT_MATCH_TCP_DATA;
	u.packetno = s->packetno;
	u.waited_s = (double)(now_ns - s->ts_ns) / 1e9;
	u.at_end = how == CT_XFER_CUT_AT_END;
	u.xfer = how;
	u.by_requester = by_requester;
	u.file_id = s->file_id;
	u.offset = s->offset;
	u.bytes = s->bytes;
	u.expected = s->expected;
	u.has_expected = s->has_expected;
	u.idle_s = how == CT_XFER_STALLED ? (double)w->stall_ns / 1e9 : (double)(now_ns - s->last_ns) / 1e9;
	if (u.idle_s < 0)
		u.idle_s = 0;
	if (cb)
		cb(&u, ud);
}

static void drop(struct ct_xwatch *w, struct xslot *s)
{
	s->state = 0;
	w->active--;
}

static void start(struct ct_xwatch *w, const struct ct_mpkt *k)
{
	struct xslot *s = NULL, *old = NULL;
	const struct xoffer *o;

	for (size_t i = 0; i < CT_XWATCH_SLOTS && !s; i++) {
		if (!w->slot[i].state)
			s = &w->slot[i];
		else if (!old || w->slot[i].last_ns < old->last_ns)
			old = &w->slot[i];
	}
	if (!s) {
		s = old; /* full: the connection heard from least recently gives way */
		drop(w, s);
	}
	memset(s, 0, sizeof *s);
	s->state = 1;
	s->af = k->af;
	memcpy(s->cli, k->src, alen(k->af));
	memcpy(s->srv, k->dst, alen(k->af));
	s->cport = k->sport;
	s->sport = k->dport;
	s->frame = k->frame;
	s->ts_ns = s->last_ns = k->ts_ns;
	s->mode = k->mode;
	s->packetno = k->packetno;
	s->file_id = k->req_fileid;
	s->offset = k->req_offset;
	if (k->mode == CT_IPMSG_GETFILEDATA && (o = find_offer(w, k->af, k->dst, k->req_packetno, k->req_fileid)) &&
	    o->size >= k->req_offset) {
		s->expected = o->size - k->req_offset;
		s->has_expected = 1;
	}
	w->active++;
	if (s->ts_ns + w->stall_ns < w->next_check)
		w->next_check = s->ts_ns + w->stall_ns;
}

/* The slot of the connection k belongs to; *from_srv says which way k goes. */
static struct xslot *find_conn(struct ct_xwatch *w, const struct ct_mpkt *k, int *from_srv)
{
	size_t al = alen(k->af);

	for (size_t i = 0; i < CT_XWATCH_SLOTS; i++) {
		struct xslot *s = &w->slot[i];
		if (!s->state || s->af != k->af)
			continue;
		if (s->sport == k->sport && s->cport == k->dport && !memcmp(s->srv, k->src, al) && !memcmp(s->cli, k->dst, al)) {
			*from_srv = 1;
			return s;
		}
		if (s->cport == k->sport && s->sport == k->dport && !memcmp(s->cli, k->src, al) && !memcmp(s->srv, k->dst, al)) {
			*from_srv = 0;
			return s;
		}
	}
	return NULL;
}

void ct_xwatch_tcp(struct ct_xwatch *w, const struct ct_mpkt *k, ct_unans_cb cb, void *ud)
{
	struct xslot *s;
	int from_srv = 0;

	if (k->has_filereq && (k->mode == CT_IPMSG_GETFILEDATA || k->mode == CT_IPMSG_GETDIRFILES)) {
		if ((s = find_conn(w, k, &from_srv)) && !from_srv && s->state == 1 && s->frame != k->frame)
			return; /* the request again (retransmission) */
		if (s)
			drop(w, s);
		start(w, k);
		return;
	}
	if (!w->active || !(s = find_conn(w, k, &from_srv)))
		return;
	if (from_srv && k->tcp_len > 0) {
		uint32_t end = k->tcp_seq + k->tcp_len;
		/* progress is new data: a retransmission adds nothing and does not count as data */
		if (s->state == 1) {
			s->state = 2;
			s->bytes = k->tcp_len;
			s->hiseq = end;
			s->last_ns = k->ts_ns;
		} else if ((int32_t)(end - s->hiseq) > 0) {
			s->bytes += end - s->hiseq;
			s->hiseq = end;
			s->last_ns = k->ts_ns;
		}
	}
	if (k->tcp_flags & (CT_TCP_FIN | CT_TCP_RST)) {
		/* no data at all is the matcher's "closed without data"; a known size reached is complete */
		if (s->state == 2 && s->has_expected && s->bytes < s->expected)
			report(w, s, (k->tcp_flags & CT_TCP_RST) ? CT_XFER_RESET : CT_XFER_CLOSED, !from_srv, k->ts_ns, cb, ud);
		drop(w, s);
	}
}

void ct_xwatch_expire(struct ct_xwatch *w, int64_t now_ns, ct_unans_cb cb, void *ud)
{
	int64_t next = INT64_MAX;

	if (now_ns < w->next_check)
		return;
	for (size_t i = 0; i < CT_XWATCH_SLOTS && w->active; i++) {
		struct xslot *s = &w->slot[i];
		if (!s->state)
			continue;
		if (s->last_ns + w->stall_ns <= now_ns) {
			/* a request never answered is the matcher's to report; a stop after data is ours */
			if (s->state == 2)
				report(w, s, CT_XFER_STALLED, 0, s->last_ns + w->stall_ns, cb, ud);
			drop(w, s);
		} else if (s->last_ns + w->stall_ns < next) {
			next = s->last_ns + w->stall_ns;
		}
	}
	w->next_check = next;
}

void ct_xwatch_flush(struct ct_xwatch *w, int64_t end_ns, ct_unans_cb cb, void *ud)
{
	ct_xwatch_expire(w, end_ns, cb, ud);
	for (size_t i = 0; i < CT_XWATCH_SLOTS && w->active; i++) {
		struct xslot *s = &w->slot[i];
		if (s->state == 2 && s->has_expected && s->bytes < s->expected)
			report(w, s, CT_XFER_CUT_AT_END, 0, end_ns, cb, ud);
		if (s->state)
			drop(w, s);
	}
	w->next_check = INT64_MAX;
}

int ct_xwatch_sentence(const struct ct_unans *u, char *buf, size_t len)
{
	char a[48], b[48], got[80], nb[8];
	const char *name = ct_match_mode_name(u->mode, nb);

	ct_ip_ntop(u->af, u->src, a);
	ct_ip_ntop(u->af, u->dst, b);
	if (u->has_expected)
		snprintf(got, sizeof got, "%llu of %llu bytes", (unsigned long long)u->bytes,
			(unsigned long long)u->expected);
	else
		snprintf(got, sizeof got, "%llu bytes", (unsigned long long)u->bytes);
	switch (u->xfer) {
	case CT_XFER_STALLED:
		return snprintf(buf, len, "stalled transfer: %s from %s to %s over TCP got %s then nothing new for %.1f s "
			"(no FIN or RST): a firewall or NAT on the way dropped the connection, or %s stopped sending",
			name, a, b, got, u->idle_s, b);
	case CT_XFER_CLOSED:
	case CT_XFER_RESET:
		return snprintf(buf, len, "cut transfer: %s from %s to %s over TCP got %s, then %s %s the connection: %s",
			name, a, b, got, u->by_requester ? a : b, u->xfer == CT_XFER_RESET ? "reset" : "closed",
			u->by_requester ? "the receiver gave up before the end of the file"
					: "the sender stopped before the end of the file (changed or removed, or it quit)");
	default:
		return snprintf(buf, len, "unfinished transfer: %s from %s to %s over TCP got %s before the capture ended "
			"(the last data %.1f s before)", name, a, b, got, u->idle_s);
	}
}
