/* match.c: pairs IPMsg/TCP answers with their requests in a trace, flags silences, counts per peer. */
#include "config.h"
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "decode-ip.h"
#include "decode-tcp.h"
#include "err.h"
#include "match.h"
#include "xferwatch.h"

#define NONE (-1)

/* One request waiting for its answer. */
struct pend {
	int64_t ts_ns;
	uint64_t frame;
	uint32_t hash;
	int32_t hnext, hprev;  /* hash chain */
	int live;              /* still waiting (group requests stay live until they expire) */
	int af, tcp, group;
	uint8_t req[16], ans[16]; /* requester, answerer (zero for a group request) */
	uint8_t to[16];           /* where the request went (the group address for a group request) */
	uint16_t rport, aport;    /* TCP ports of requester and answerer */
	uint32_t mode, want, packetno, retries, answers;
};

/* An encrypted SENDMSG, kept for the DecryptErr answer that may follow its RECVMSG. */
#define ENC_RING 64
struct enc_sent {
	int af;
	uint8_t from[16], to[16];
	uint64_t frame;
	int64_t ts_ns;
};

struct ct_match {
	int64_t timeout_ns;
	struct enc_sent enc[ENC_RING]; /* the last ENC_RING unicast encrypted SENDMSGs */
	size_t nenc;
	struct pend *ring;     /* insertion (= time) order */
	size_t cap, head, count;
	int32_t *bucket;       /* chains of the live requests; grown with them (a few hundred live at a
	                        * time fit the cache, a table sized for the whole ring did not) */
	size_t nbucket, maxbucket, nlive;
	uint64_t overflow;
	/* peers: open addressing, grown on demand */
	struct ct_peer *peers;
	size_t npeers, peercap;
	struct ct_peer *recent[2]; /* the last two peers looked up: a conversation alternates between them */
};

static const uint8_t zero16[16];

int ct_match_new(struct ct_match **out, int64_t timeout_ns, size_t capacity)
{
	struct ct_match *m;

	*out = NULL;
	if (capacity < 16)
		capacity = 16;
	if (!(m = calloc(1, sizeof *m)))
		return CT_ENOMEM;
	m->timeout_ns = timeout_ns > 0 ? timeout_ns : 2000000000;
	m->cap = capacity;
	m->maxbucket = 16;
	while (m->maxbucket < capacity)
		m->maxbucket *= 2;
	m->nbucket = m->maxbucket < 256 ? m->maxbucket : 256;
	m->ring = calloc(m->cap, sizeof *m->ring);
	m->bucket = malloc(m->nbucket * sizeof *m->bucket);
	m->peercap = 64;
	m->peers = calloc(m->peercap, sizeof *m->peers);
	if (!m->ring || !m->bucket || !m->peers) {
		ct_match_free(m);
		return CT_ENOMEM;
	}
	for (size_t i = 0; i < m->nbucket; i++)
		m->bucket[i] = NONE;
	*out = m;
	return 0;
}

void ct_match_free(struct ct_match *m)
{
	if (!m)
		return;
	for (size_t i = 0; m->peers && i < m->peercap; i++)
		free(m->peers[i].cmd);
	free(m->peers);
	free(m->ring);
	free(m->bucket);
	free(m);
}

uint64_t ct_match_overflow(const struct ct_match *m) { return m->overflow; }

/* Two addresses of al bytes (4 or 16) equal: an IPv4 one is one compare, not a call to memcmp. */
static inline int addr_eq(const uint8_t *a, const uint8_t *b, size_t al)
{
	uint32_t x, y;

	if (al != 4)
		return memcmp(a, b, al) == 0;
	memcpy(&x, a, 4);
	memcpy(&y, b, 4);
	return x == y;
}

/* Mixes 4-byte words (addresses are 4 or 16 bytes) into h, without the final avalanche. */
static inline uint32_t mixw(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t w;

	for (; n >= 4; b += 4, n -= 4) {
		memcpy(&w, b, 4);
		h = (h ^ w) * 0x9E3779B1u;
		h ^= h >> 15;
	}
	for (; n; n--, b++)
		h = (h ^ *b) * 16777619u;
	return h;
}

/* The final avalanche (murmur3): every input bit reaches the low bits used as the index. */
static inline uint32_t fmix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85EBCA6Bu;
	h ^= h >> 13;
	h *= 0xC2B2AE35u;
	return h ^ (h >> 16);
}

static uint32_t key_hash(int af, const uint8_t *req, const uint8_t *ans, uint32_t want, int tcp,
	uint16_t rport, uint16_t aport)
{
	size_t al = af == AF_INET6 ? 16 : 4;
	uint32_t h = 2166136261u ^ want ^ ((uint32_t)tcp << 16);

	h = mixw(h, req, al);
	h = mixw(h, ans, al);
	if (tcp)
		h = mixw(h, (uint32_t[]){ (uint32_t)rport << 16 | aport }, 4);
	return fmix(h);
}

static void unlink_pend(struct ct_match *m, struct pend *p)
{
	int32_t idx = (int32_t)(p - m->ring);

	if (!p->live)
		return;
	p->live = 0;
	m->nlive--;
	if (p->hprev != NONE)
		m->ring[p->hprev].hnext = p->hnext;
	else if (m->bucket[p->hash & (m->nbucket - 1)] == idx)
		m->bucket[p->hash & (m->nbucket - 1)] = p->hnext;
	if (p->hnext != NONE)
		m->ring[p->hnext].hprev = p->hprev;
}

/* Doubles the bucket table when the live requests outnumber its buckets (up to one a ring slot):
 * the live ones are linked again oldest first, so a chain still holds the newest first. Without
 * memory the table stays as it is (longer chains, same answers). */
static void grow_buckets(struct ct_match *m)
{
	size_t nb = m->nbucket * 2;
	int32_t *b;

	if (m->nlive <= m->nbucket || m->nbucket >= m->maxbucket || !(b = malloc(nb * sizeof *b)))
		return;
	for (size_t i = 0; i < nb; i++)
		b[i] = NONE;
	for (size_t k = 0; k < m->count; k++) {
		int32_t idx = (int32_t)((m->head + k) % m->cap);
		struct pend *p = &m->ring[idx];
		if (!p->live)
			continue;
		p->hprev = NONE;
		p->hnext = b[p->hash & (nb - 1)];
		if (p->hnext != NONE)
			m->ring[p->hnext].hprev = idx;
		b[p->hash & (nb - 1)] = idx;
	}
	free(m->bucket);
	m->bucket = b;
	m->nbucket = nb;
}

/* The pending request with this key (h: its key_hash), or NULL. */
static struct pend *find_h(struct ct_match *m, uint32_t h, int af, const uint8_t *req, const uint8_t *ans,
	uint32_t want, int tcp, uint16_t rport, uint16_t aport)
{
	size_t al = af == AF_INET6 ? 16 : 4;

	for (int32_t i = m->bucket[h & (m->nbucket - 1)]; i != NONE; i = m->ring[i].hnext) {
		struct pend *p = &m->ring[i];
		if (p->hash == h && p->want == want && p->af == af && p->tcp == tcp &&
		    addr_eq(p->req, req, al) && addr_eq(p->ans, ans, al) &&
		    (!tcp || (p->rport == rport && p->aport == aport)))
			return p;
	}
	return NULL;
}

static struct pend *find(struct ct_match *m, int af, const uint8_t *req, const uint8_t *ans, uint32_t want,
	int tcp, uint16_t rport, uint16_t aport)
{
	return find_h(m, key_hash(af, req, ans, want, tcp, rport, aport), af, req, ans, want, tcp, rport, aport);
}

/* --- unanswered reports --- */

static void report(struct ct_match *m, struct pend *p, int64_t now_ns, int at_end, ct_unans_cb cb, void *ud)
{
	struct ct_unans u;
	size_t al = p->af == AF_INET6 ? 16 : 4;

	if (p->group && p->answers > 0)
		return;
	memset(&u, 0, sizeof u);
	u.frame = p->frame;
	u.ts_ns = p->ts_ns;
	u.af = p->af;
	memcpy(u.src, p->req, al);
	memcpy(u.dst, p->to, al);
	u.dport = p->aport;
	u.tcp = p->tcp;
	u.dst_group = p->group;
	u.mode = p->mode;
	u.want = p->want;
	u.packetno = p->packetno;
	u.retries = p->retries;
	u.at_end = at_end;
	u.waited_s = at_end ? (double)(now_ns - p->ts_ns) / 1e9 : (double)m->timeout_ns / 1e9;
	if (u.waited_s < 0)
		u.waited_s = 0;
	(void)m;
	if (cb)
		cb(&u, ud);
}

static struct ct_peer *peer_get(struct ct_match *m, int af, const uint8_t *addr);

static void pop_head(struct ct_match *m, int64_t now_ns, int at_end, ct_unans_cb cb, void *ud)
{
	struct pend *p = &m->ring[m->head];

	if (p->live) {
		struct ct_peer *pe = peer_get(m, p->af, p->req);
		if (!(p->group && p->answers > 0) && pe)
			pe->unanswered++;
		report(m, p, now_ns, at_end, cb, ud);
		unlink_pend(m, p);
	}
	m->head = (m->head + 1) % m->cap;
	m->count--;
}

void ct_match_expire(struct ct_match *m, int64_t now_ns, ct_unans_cb cb, void *ud)
{
	while (m->count > 0) {
		struct pend *p = &m->ring[m->head];
		if (p->live && p->ts_ns + m->timeout_ns > now_ns)
			break;
		pop_head(m, now_ns, 0, cb, ud);
	}
}

void ct_match_flush(struct ct_match *m, int64_t end_ns, ct_unans_cb cb, void *ud)
{
	while (m->count > 0) {
		struct pend *p = &m->ring[m->head];
		int at_end = p->live && p->ts_ns + m->timeout_ns > end_ns;
		pop_head(m, end_ns, at_end, cb, ud);
	}
}

/* --- requests --- */

/* The answer a packet asks for, or 0 when none is expected. */
static uint32_t wanted_answer(const struct ct_mpkt *k)
{
	uint32_t o = k->opts;

	if (k->tcp)
		return 0;
	switch (k->mode) {
	case CT_IPMSG_BR_ENTRY: return CT_IPMSG_ANSENTRY;
	case CT_IPMSG_SENDMSG:
		if (!(o & CT_IPMSG_SENDCHECKOPT) || (o & (CT_IPMSG_BROADCASTOPT | CT_IPMSG_AUTORETOPT)) || k->dst_group)
			return 0;
		return CT_IPMSG_RECVMSG;
	case CT_IPMSG_READMSG: return (o & CT_IPMSG_READCHECKOPT) ? CT_IPMSG_ANSREADMSG : 0;
	case CT_IPMSG_GETINFO: return CT_IPMSG_SENDINFO;
	case CT_IPMSG_GETABSENCEINFO: return CT_IPMSG_SENDABSENCEINFO;
	case CT_IPMSG_GETPUBKEY: return CT_IPMSG_ANSPUBKEY;
	case CT_IPMSG_BR_ISGETLIST:
	case CT_IPMSG_BR_ISGETLIST2: return CT_IPMSG_OKGETLIST;
	case CT_IPMSG_OKGETLIST: return k->dst_group ? 0 : CT_IPMSG_GETLIST;
	case CT_IPMSG_GETLIST: return CT_IPMSG_ANSLIST;
	case CT_IPMSG_ANSLIST: return k->has_next && k->next != 0 && !k->dst_group ? CT_IPMSG_GETLIST : 0;
	default: return 0;
	}
}

static void add_request(struct ct_match *m, const struct ct_mpkt *k, uint32_t want, int group,
	const uint8_t *ans, uint16_t rport, uint16_t aport, struct ct_mres *res)
{
	size_t al = k->af == AF_INET6 ? 16 : 4;
	uint32_t h = key_hash(k->af, k->src, ans, want, k->tcp, rport, aport); /* found or filed under it */
	struct pend *p = find_h(m, h, k->af, k->src, ans, want, k->tcp, rport, aport);
	int32_t idx;

	if (p && p->mode == k->mode && (k->tcp || p->packetno == k->packetno)) {
		if (!addr_eq(p->to, k->dst, al)) {
			res->copy = 1; /* iptux sends one BR_ENTRY to 255.255.255.255 and to the subnet */
			return;
		}
		p->retries++;
		res->retransmission = 1;
		return;
	}
	if (m->count == m->cap) {
		if (m->ring[m->head].live)
			m->overflow++;
		unlink_pend(m, &m->ring[m->head]);
		m->head = (m->head + 1) % m->cap;
		m->count--;
	}
	idx = (int32_t)((m->head + m->count) % m->cap);
	p = &m->ring[idx];
	memset(p, 0, sizeof *p);
	p->ts_ns = k->ts_ns;
	p->frame = k->frame;
	p->af = k->af;
	p->tcp = k->tcp;
	p->group = group;
	memcpy(p->req, k->src, al);
	memcpy(p->ans, ans, al);
	memcpy(p->to, k->dst, al);
	p->rport = rport;
	p->aport = aport;
	p->mode = k->mode;
	p->want = want;
	p->packetno = k->packetno;
	p->hash = h;
	p->hprev = NONE;
	p->hnext = m->bucket[h & (m->nbucket - 1)];
	if (p->hnext != NONE)
		m->ring[p->hnext].hprev = idx;
	m->bucket[h & (m->nbucket - 1)] = idx;
	p->live = 1;
	m->nlive++;
	grow_buckets(m);
	m->count++;
	res->is_request = 1;
}

static void answered(struct ct_match *m, struct pend *p, const struct ct_mpkt *k, struct ct_mres *res)
{
	struct ct_peer *pe;

	res->answered = 1;
	res->req_frame = p->frame;
	res->req_mode = p->mode;
	res->latency_ns = k->ts_ns - p->ts_ns;
	res->retries = p->retries;
	if (p->group) {
		if (p->answers++ == 0 && (pe = peer_get(m, p->af, p->req)))
			pe->answered++;
		return;
	}
	if ((pe = peer_get(m, p->af, p->req)))
		pe->answered++;
	unlink_pend(m, p);
}

/* Encrypted SENDMSGs are remembered; a DecryptErr answers the latest one the other way. */
static void match_enc(struct ct_match *m, const struct ct_mpkt *k, struct ct_mres *res)
{
	size_t al = k->af == AF_INET6 ? 16 : 4;
	struct enc_sent *e;

	if (k->decrypt_err) {
		for (size_t i = 0; i < ENC_RING && i < m->nenc; i++) {
			e = &m->enc[(m->nenc - 1 - i) % ENC_RING];
			if (e->af == k->af && addr_eq(e->from, k->dst, al) && addr_eq(e->to, k->src, al)) {
				res->answered = res->refused = res->decrypt_err = 1;
				res->req_frame = e->frame;
				res->req_mode = CT_IPMSG_SENDMSG;
				res->latency_ns = k->ts_ns - e->ts_ns;
				return;
			}
		}
		return;
	}
	e = &m->enc[m->nenc++ % ENC_RING];
	e->af = k->af;
	memcpy(e->from, k->src, al);
	memcpy(e->to, k->dst, al);
	e->frame = k->frame;
	e->ts_ns = k->ts_ns;
}

static void match_udp(struct ct_match *m, const struct ct_mpkt *k, struct ct_mres *res)
{
	struct pend *p;
	uint32_t want;

	/* as an answer: first the unicast request from the peer we hear from, then a group request */
	p = find(m, k->af, k->dst, k->src, k->mode, 0, 0, 0);
	if (p && k->has_ref && p->packetno != k->ref)
		p = NULL; /* RECVMSG/ANSREADMSG for another packet */
	if (!p && !k->has_ref)
		p = find(m, k->af, k->dst, zero16, k->mode, 0, 0, 0);
	if (p && !k->dst_group)
		answered(m, p, k, res);
	if ((want = wanted_answer(k)) != 0)
		add_request(m, k, want, k->dst_group, k->dst_group ? zero16 : k->dst, k->sport, k->dport, res);
	if (k->mode == CT_IPMSG_SENDMSG && !k->dst_group &&
	    (k->decrypt_err || ((k->opts & CT_IPMSG_ENCRYPTOPT) && !res->retransmission && !res->copy)))
		match_enc(m, k, res);
}

static void match_tcp(struct ct_match *m, const struct ct_mpkt *k, struct ct_mres *res)
{
	uint8_t f = k->tcp_flags;
	struct pend *p;

	if ((f & CT_TCP_SYN) && !(f & CT_TCP_ACK)) {
		struct ct_mpkt s = *k;
		s.mode = CT_MATCH_TCP_SYN;
		add_request(m, &s, CT_MATCH_TCP_SYN, 0, k->dst, k->sport, k->dport, res);
		return;
	}
	/* from the answering side: SYN-ACK or RST answers a SYN; data, FIN or RST answers a request */
	if ((p = find(m, k->af, k->dst, k->src, CT_MATCH_TCP_SYN, 1, k->dport, k->sport)) &&
	    ((f & (CT_TCP_SYN | CT_TCP_ACK)) == (CT_TCP_SYN | CT_TCP_ACK) || (f & CT_TCP_RST))) {
		res->refused = (f & CT_TCP_RST) != 0;
		answered(m, p, k, res);
		return;
	}
	if ((p = find(m, k->af, k->dst, k->src, CT_MATCH_TCP_DATA, 1, k->dport, k->sport)) &&
	    (k->tcp_len > 0 || (f & (CT_TCP_FIN | CT_TCP_RST)))) {
		res->refused = k->tcp_len == 0;
		answered(m, p, k, res);
		return;
	}
	/* an IPMsg request on a connection (GETFILEDATA, GETDIRFILES, iptux commands) */
	if (k->mode < 0x100 && k->tcp_len > 0) {
		struct ct_mpkt s = *k;
		add_request(m, &s, CT_MATCH_TCP_DATA, 0, k->dst, k->sport, k->dport, res);
	}
}

/* --- peers --- */

static struct ct_peer *peer_slot(struct ct_peer *tab, size_t cap, int af, const uint8_t *addr)
{
	size_t al = af == AF_INET6 ? 16 : 4;
	uint32_t h = fmix(mixw(2166136261u ^ (af == AF_INET6 ? 6u : 4u), addr, al));

	for (size_t i = h & (cap - 1);; i = (i + 1) & (cap - 1)) {
		struct ct_peer *p = &tab[i];
		if (!p->af || (p->af == af && addr_eq(p->addr, addr, al)))
			return p;
	}
}

static struct ct_peer *peer_get(struct ct_match *m, int af, const uint8_t *addr)
{
	struct ct_peer *p;

	for (int i = 0; i < 2; i++) {
		p = m->recent[i];
		if (p && p->af == af && addr_eq(p->addr, addr, af == AF_INET6 ? 16 : 4))
			return p;
	}
	if (m->npeers * 2 >= m->peercap) {
		size_t ncap = m->peercap * 2;
		struct ct_peer *nt = calloc(ncap, sizeof *nt);
		if (!nt)
			return NULL;
		for (size_t i = 0; i < m->peercap; i++)
			if (m->peers[i].af)
				*peer_slot(nt, ncap, m->peers[i].af, m->peers[i].addr) = m->peers[i];
		free(m->peers);
		m->peers = nt;
		m->peercap = ncap;
		m->recent[0] = m->recent[1] = NULL; /* they pointed into the old table */
	}
	p = peer_slot(m->peers, m->peercap, af, addr);
	if (!p->af) {
		p->af = af;
		memcpy(p->addr, addr, af == AF_INET6 ? 16 : 4);
		m->npeers++;
	}
	m->recent[1] = m->recent[0];
	m->recent[0] = p;
	return p;
}

static struct ct_peer_cmd *peer_cmd(struct ct_peer *p, uint32_t mode)
{
	size_t i;

	for (i = 0; i < p->ncmd && p->cmd[i].mode < mode; i++)
		;
	if (i < p->ncmd && p->cmd[i].mode == mode)
		return &p->cmd[i];
	if (p->ncmd == p->capcmd) {
		size_t nc = p->capcmd ? p->capcmd * 2 : 4;
		struct ct_peer_cmd *n = realloc(p->cmd, nc * sizeof *n);
		if (!n)
			return NULL;
		p->cmd = n;
		p->capcmd = nc;
	}
	memmove(&p->cmd[i + 1], &p->cmd[i], (p->ncmd - i) * sizeof *p->cmd);
	memset(&p->cmd[i], 0, sizeof *p->cmd);
	p->cmd[i].mode = mode;
	p->ncmd++;
	return &p->cmd[i];
}

static void count(struct ct_match *m, const struct ct_mpkt *k)
{
	struct ct_peer *p;
	struct ct_peer_cmd *c;
	uint32_t mode = k->tcp && k->mode >= 0x100 ? CT_MATCH_TCP_DATA : k->mode;

	if ((p = peer_get(m, k->af, k->src))) {
		p->tx_pkts++;
		p->tx_bytes += k->bytes;
		if ((c = peer_cmd(p, mode))) {
			c->tx_pkts++;
			c->tx_bytes += k->bytes;
		}
	}
	if ((p = peer_get(m, k->af, k->dst))) {
		p->rx_pkts++;
		p->rx_bytes += k->bytes;
		if ((c = peer_cmd(p, mode))) {
			c->rx_pkts++;
			c->rx_bytes += k->bytes;
		}
	}
}

void ct_match_packet(struct ct_match *m, const struct ct_mpkt *k, struct ct_mres *res,
	ct_unans_cb cb, void *ud)
{
	memset(res, 0, sizeof *res);
	ct_match_expire(m, k->ts_ns, cb, ud);
	count(m, k);
	if (k->tcp)
		match_tcp(m, k, res);
	else if (k->mode < 0x100)
		match_udp(m, k, res);
}

void ct_match_icmp(struct ct_match *m, int64_t ts_ns, uint64_t frame, int af, const uint8_t *qsrc,
	const uint8_t *qdst, uint8_t qproto, uint16_t qsport, uint16_t qdport, struct ct_mres *res,
	ct_unans_cb cb, void *ud)
{
	static const uint32_t wants[] = { CT_IPMSG_ANSENTRY, CT_IPMSG_RECVMSG, CT_IPMSG_ANSREADMSG,
		CT_IPMSG_SENDINFO, CT_IPMSG_SENDABSENCEINFO, CT_IPMSG_ANSPUBKEY, CT_IPMSG_OKGETLIST,
		CT_IPMSG_GETLIST, CT_IPMSG_ANSLIST };
	struct ct_mpkt k;
	struct pend *p = NULL;

	memset(res, 0, sizeof *res);
	ct_match_expire(m, ts_ns, cb, ud);
	memset(&k, 0, sizeof k);
	k.ts_ns = ts_ns;
	k.frame = frame;
	if (qproto == 6) {
		if (!(p = find(m, af, qsrc, qdst, CT_MATCH_TCP_SYN, 1, qsport, qdport)))
			p = find(m, af, qsrc, qdst, CT_MATCH_TCP_DATA, 1, qsport, qdport);
	} else if (qproto == 17) {
		for (size_t i = 0; !p && i < sizeof wants / sizeof wants[0]; i++)
			p = find(m, af, qsrc, qdst, wants[i], 0, 0, 0);
	}
	if (!p)
		return;
	res->refused = 1;
	res->icmp = 1;
	answered(m, p, &k, res);
}

static int peer_cmp(const void *a, const void *b)
{
	const struct ct_peer *x = *(const struct ct_peer *const *)a, *y = *(const struct ct_peer *const *)b;
	if (x->af != y->af)
		return x->af - y->af;
	return memcmp(x->addr, y->addr, x->af == AF_INET6 ? 16 : 4);
}

void ct_match_peers(const struct ct_match *m, void (*fn)(const struct ct_peer *p, void *ud), void *ud)
{
	const struct ct_peer **v;
	size_t n = 0;

	if (!m->npeers || !(v = malloc(m->npeers * sizeof *v)))
		return;
	for (size_t i = 0; i < m->peercap; i++)
		if (m->peers[i].af)
			v[n++] = &m->peers[i];
	qsort(v, n, sizeof *v, peer_cmp);
	for (size_t i = 0; i < n; i++)
		fn(v[i], ud);
	free(v);
}

size_t ct_match_peer_count(const struct ct_match *m) { return m->npeers; }

/* --- words --- */

const char *ct_match_mode_name(uint32_t mode, char *buf)
{
	const char *n;

	switch (mode) {
	case CT_MATCH_TCP_SYN: return "TCP_SYN";
	case CT_MATCH_TCP_DATA: return "TCP_DATA";
	case CT_MATCH_MALFORMED: return "MALFORMED";
	}
	if (mode < 0x100 && (n = ct_codec_cmd_name(mode)))
		return n;
	snprintf(buf, 8, "0x%02X", mode & 0xFFFu);
	return buf;
}

int ct_match_sentence(const struct ct_unans *u, char *buf, size_t len)
{
	char a[48], b[48], when[64], tries[32] = "", nb[8];
	const char *name = ct_match_mode_name(u->mode, nb);

	if (u->xfer)
		return ct_xwatch_sentence(u, buf, len);
	ct_ip_ntop(u->af, u->src, a);
	ct_ip_ntop(u->af, u->dst, b);
	if (u->at_end)
		snprintf(when, sizeof when, "before the capture ended (%.1f s later)", u->waited_s);
	else
		snprintf(when, sizeof when, "in %.1f s", u->waited_s);
	if (u->retries)
		snprintf(tries, sizeof tries, " (sent %u times)", u->retries + 1);
	if (u->tcp && u->mode == CT_MATCH_TCP_SYN)
		return snprintf(buf, len, "TCP connect from %s to %s port %u got no answer %s%s: a firewall on %s "
			"or on the way probably drops TCP %u (messages may work while file transfer fails)",
			a, b, u->dport, when, tries, b, u->dport);
	if (u->tcp)
		return snprintf(buf, len, "%s from %s to %s over TCP got no data %s: %s accepted the connection but "
			"does not serve the request (unknown file, or it does not know %s)", name, a, b, when, b, a);
	if (u->dst_group) {
		if (u->mode == CT_IPMSG_BR_ISGETLIST2 || u->mode == CT_IPMSG_BR_ISGETLIST)
			return snprintf(buf, len, "%s broadcast from %s to %s got no answer %s: no list server on "
				"that segment answered (none there, or a firewall blocks UDP 2425)", name, a, b, when);
		return snprintf(buf, len, "%s broadcast from %s to %s got no answer %s%s: no IP Messenger host on "
			"that segment answered (none running, or their firewalls block UDP 2425)", name, a, b, when, tries);
	}
	switch (u->mode) {
	case CT_IPMSG_OKGETLIST:
		return snprintf(buf, len, "OKGETLIST from %s to %s got no GETLIST %s: %s did not ask for the list "
			"(it may have one from another server), or a firewall on %s or on the way blocks UDP 2425",
			a, b, when, b, a);
	case CT_IPMSG_ANSLIST:
		return snprintf(buf, len, "ANSLIST from %s to %s got no GETLIST for the next page %s: %s stopped "
			"fetching the list, or the page was lost on the way", a, b, when, b);
	case CT_IPMSG_GETINFO:
	case CT_IPMSG_GETABSENCEINFO:
	case CT_IPMSG_GETPUBKEY:
	case CT_IPMSG_GETLIST:
	case CT_IPMSG_BR_ISGETLIST:
	case CT_IPMSG_BR_ISGETLIST2:
	case CT_IPMSG_READMSG:
		return snprintf(buf, len, "%s from %s to %s got no answer %s%s: %s may not implement %s (iptux "
			"ignores it), or a firewall on %s or on the way blocks UDP %u",
			name, a, b, when, tries, b, name, b, u->dport ? u->dport : 2425);
	default:
		return snprintf(buf, len, "%s from %s to %s got no answer %s%s: a firewall on %s or on the way "
			"probably blocks UDP %u", name, a, b, when, tries, b, u->dport ? u->dport : 2425);
	}
}
