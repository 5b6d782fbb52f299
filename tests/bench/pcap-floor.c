/* pcap-floor.c: the floor for tests/bench/bench-sniff.sh: a bare libpcap read-and-count loop over a capture file. */
#include <pcap/pcap.h>
#include <stdio.h>

volatile unsigned char ct_floor_sink; /* keeps the byte read from each packet live */

/* Usage: pcap-floor FILE. Prints "PACKETS BYTES": every record read with pcap_next_ex(), nothing decoded. */
int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const unsigned char *d;
	unsigned long long n = 0, bytes = 0;
	pcap_t *p;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap-floor FILE\n");
		return 2;
	}
	p = pcap_open_offline(argv[1], err);
	if (!p) {
		fprintf(stderr, "pcap-floor: %s\n", err);
		return 1;
	}
	while ((r = pcap_next_ex(p, &h, &d)) == 1) {
		n++;
		bytes += h->caplen;
		if (h->caplen)
			ct_floor_sink = d[h->caplen - 1]; /* touch the packet, as any reader would */
	}
	if (r == PCAP_ERROR) {
		fprintf(stderr, "pcap-floor: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("%llu %llu\n", n, bytes);
	return 0;
}
