/* probe-filter.c: kernel socket filters (classic BPF) that let a prober's raw TCP and UDP sockets take only its targets' packets, so a busy host's other traffic costs nothing. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <sys/socket.h>
#include "err.h"
#include "probe.h"

/* Beyond this many sources the filter tests only the port (a compare a source costs each packet). */
#define CT_FILTER_MAX_ADDRS 64

/* The program: the IPv4 header's source address is one of addrs (network order), then the
 * transport header's source port (after the IP header's length, IHL) is port; else dropped.
 * n == 0: nothing is taken. */
static size_t build(struct sock_filter *f, const uint32_t *addrs, size_t n, uint16_t port)
{
	size_t k = 0, tests = n <= CT_FILTER_MAX_ADDRS ? n : 0;

	if (n == 0) {
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
		return k;
	}
	if (tests) {
		f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12);
		/* address i: equal -> jump over the rest of the list and the drop to the port test */
		for (size_t i = 0; i < tests; i++)
			f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(addrs[i]),
				(uint8_t)(tests - i), 0);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0);
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 1);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0x40000);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	return k;
}

int ct_prober_accept_from(struct ct_prober *pr, const uint32_t *addrs, size_t n, uint16_t port)
{
	struct sock_filter f[CT_FILTER_MAX_ADDRS + 8];
	struct sock_fprog prog = { .filter = f };
	const int fds[2] = { pr->tcp_fd, pr->udp_fd };
	int r = 0;

	prog.len = (unsigned short)build(f, addrs, n, port);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0 && setsockopt(fds[i], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0)
			r = CT_ESYS;
	return r;
}
