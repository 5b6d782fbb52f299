/* pcap-dl.c: libpcap loaded when a capture starts, not at every command's start-up (Debian's libpcap pulls in nine more libraries, dbus and systemd among them): the pcap_* functions capture.c calls, forwarded to the library dlopen()ed on first use. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <pcap/pcap.h>
#include "dlib.h"

/* every function capture.c calls: X(return type, name, parameters, arguments) */
#define CT_PCAP_FUNCS(X) \
	X(pcap_t *, pcap_create, (const char *dev, char *eb), (dev, eb)) \
	X(pcap_t *, pcap_open_offline_with_tstamp_precision, (const char *f, u_int p, char *eb), (f, p, eb)) \
	X(pcap_t *, pcap_fopen_offline_with_tstamp_precision, (FILE *fp, u_int p, char *eb), (fp, p, eb)) \
	X(pcap_t *, pcap_open_dead, (int lt, int snap), (lt, snap)) \
	X(pcap_t *, pcap_open_dead_with_tstamp_precision, (int lt, int snap, u_int p), (lt, snap, p)) \
	X(const char *, pcap_statustostr, (int e), (e)) \
	X(const char *, pcap_datalink_val_to_name, (int v), (v)) \
	X(char *, pcap_geterr, (pcap_t *p), (p)) \
	X(void, pcap_close, (pcap_t *p), (p)) \
	X(void, pcap_freecode, (struct bpf_program *b), (b)) \
	X(int, pcap_compile, (pcap_t *p, struct bpf_program *b, const char *s, int o, bpf_u_int32 m), (p, b, s, o, m)) \
	X(int, pcap_setfilter, (pcap_t *p, struct bpf_program *b), (p, b)) \
	X(int, pcap_offline_filter, (const struct bpf_program *b, const struct pcap_pkthdr *h, const u_char *d), \
		(b, h, d)) \
	X(int, pcap_stats, (pcap_t *p, struct pcap_stat *s), (p, s)) \
	X(int, pcap_snapshot, (pcap_t *p), (p)) \
	X(int, pcap_setnonblock, (pcap_t *p, int nb, char *eb), (p, nb, eb)) \
	X(int, pcap_set_tstamp_precision, (pcap_t *p, int t), (p, t)) \
	X(int, pcap_get_tstamp_precision, (pcap_t *p), (p)) \
	X(int, pcap_set_timeout, (pcap_t *p, int ms), (p, ms)) \
	X(int, pcap_set_snaplen, (pcap_t *p, int n), (p, n)) \
	X(int, pcap_set_promisc, (pcap_t *p, int on), (p, on)) \
	X(int, pcap_set_immediate_mode, (pcap_t *p, int on), (p, on)) \
	X(int, pcap_set_buffer_size, (pcap_t *p, int n), (p, n)) \
	X(int, pcap_activate, (pcap_t *p), (p)) \
	X(int, pcap_next_ex, (pcap_t *p, struct pcap_pkthdr **h, const u_char **d), (p, h, d)) \
	X(int, pcap_get_selectable_fd, (pcap_t *p), (p)) \
	X(int, pcap_datalink, (pcap_t *p), (p)) \
	X(void, pcap_breakloop, (pcap_t *p), (p)) \
	X(pcap_dumper_t *, pcap_dump_open, (pcap_t *p, const char *f), (p, f)) \
	X(FILE *, pcap_dump_file, (pcap_dumper_t *d), (d)) \
	X(int, pcap_dump_flush, (pcap_dumper_t *d), (d)) \
	X(void, pcap_dump_close, (pcap_dumper_t *d), (d)) \
	X(void, pcap_dump, (u_char *u, const struct pcap_pkthdr *h, const u_char *d), (u, h, d))

#define PTR(ret, name, params, args) static ret(*p_##name) params;
CT_PCAP_FUNCS(PTR)

static const struct ct_dlsym syms[] = {
#define ROW(ret, name, params, args) { #name, (void **)&p_##name },
	CT_PCAP_FUNCS(ROW)
};

static void *lib;
static char load_err[256];

/* 0 when libpcap is loaded with every function above; else errbuf (PCAP_ERRBUF_SIZE, may be
 * NULL) says why, once and for all */
static int load(char *errbuf)
{
	if (!lib && !load_err[0])
		lib = ct_dlib_open(CT_PCAP_SONAME, "libpcap", "libpcap0.8", syms, sizeof syms / sizeof syms[0], load_err,
			sizeof load_err);
	if (!lib && errbuf)
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", load_err);
	return lib ? 0 : -1;
}

/* The entry points load the library and report a failure the way libpcap reports its own
 * errors (errbuf, NULL, a status text); everything else takes a pcap_t, which only exists once
 * the library is loaded. */
pcap_t *pcap_create(const char *dev, char *eb)
{
	return load(eb) == 0 ? p_pcap_create(dev, eb) : NULL;
}

pcap_t *pcap_open_offline_with_tstamp_precision(const char *f, u_int p, char *eb)
{
	return load(eb) == 0 ? p_pcap_open_offline_with_tstamp_precision(f, p, eb) : NULL;
}

pcap_t *pcap_fopen_offline_with_tstamp_precision(FILE *fp, u_int p, char *eb)
{
	return load(eb) == 0 ? p_pcap_fopen_offline_with_tstamp_precision(fp, p, eb) : NULL;
}

pcap_t *pcap_open_dead(int lt, int snap)
{
	return load(NULL) == 0 ? p_pcap_open_dead(lt, snap) : NULL;
}

pcap_t *pcap_open_dead_with_tstamp_precision(int lt, int snap, u_int p)
{
	return load(NULL) == 0 ? p_pcap_open_dead_with_tstamp_precision(lt, snap, p) : NULL;
}

const char *pcap_statustostr(int e)
{
	return load(NULL) == 0 ? p_pcap_statustostr(e) : load_err;
}

const char *pcap_datalink_val_to_name(int v)
{
	return load(NULL) == 0 ? p_pcap_datalink_val_to_name(v) : NULL;
}

#define FWD(ret, name, params, args) \
	ret name params \
	{ \
		return p_##name args; \
	}
#define FWDV(name, params, args) \
	void name params \
	{ \
		p_##name args; \
	}
FWD(char *, pcap_geterr, (pcap_t *p), (p))
FWDV(pcap_close, (pcap_t *p), (p))
FWDV(pcap_freecode, (struct bpf_program *b), (b))
FWD(int, pcap_compile, (pcap_t *p, struct bpf_program *b, const char *s, int o, bpf_u_int32 m), (p, b, s, o, m))
FWD(int, pcap_setfilter, (pcap_t *p, struct bpf_program *b), (p, b))
FWD(int, pcap_offline_filter, (const struct bpf_program *b, const struct pcap_pkthdr *h, const u_char *d), (b, h, d))
FWD(int, pcap_stats, (pcap_t *p, struct pcap_stat *s), (p, s))
FWD(int, pcap_snapshot, (pcap_t *p), (p))
FWD(int, pcap_setnonblock, (pcap_t *p, int nb, char *eb), (p, nb, eb))
FWD(int, pcap_set_tstamp_precision, (pcap_t *p, int t), (p, t))
FWD(int, pcap_get_tstamp_precision, (pcap_t *p), (p))
FWD(int, pcap_set_timeout, (pcap_t *p, int ms), (p, ms))
FWD(int, pcap_set_snaplen, (pcap_t *p, int n), (p, n))
FWD(int, pcap_set_promisc, (pcap_t *p, int on), (p, on))
FWD(int, pcap_set_immediate_mode, (pcap_t *p, int on), (p, on))
FWD(int, pcap_set_buffer_size, (pcap_t *p, int n), (p, n))
FWD(int, pcap_activate, (pcap_t *p), (p))
FWD(int, pcap_next_ex, (pcap_t *p, struct pcap_pkthdr **h, const u_char **d), (p, h, d))
FWD(int, pcap_get_selectable_fd, (pcap_t *p), (p))
FWD(int, pcap_datalink, (pcap_t *p), (p))
FWDV(pcap_breakloop, (pcap_t *p), (p))
FWD(pcap_dumper_t *, pcap_dump_open, (pcap_t *p, const char *f), (p, f))
FWD(FILE *, pcap_dump_file, (pcap_dumper_t *d), (d))
FWD(int, pcap_dump_flush, (pcap_dumper_t *d), (d))
FWDV(pcap_dump_close, (pcap_dumper_t *d), (d))
FWDV(pcap_dump, (u_char *u, const struct pcap_pkthdr *h, const u_char *d), (u, h, d))
