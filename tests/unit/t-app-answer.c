/* t-app-answer.c: the application probe takes only the answering mode as an answer: a target that sends its own BR_ENTRY to our port but never answers the GETINFO is not "open". */
#include "config.h"
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "codec.h"
#include "probe.h"
#include "probe-ipmsg.h"
#include "sbuf.h"
#include "tap.h"

#define PEER 0x7F000209u /* 127.0.2.9 */

/* A peer on 127.0.2.9:port that answers each datagram with one packet of mode `mode` (our own
 * BR_ENTRY: not an answer to GETINFO; SENDINFO: the answer), to the sender's address and port. */
static pid_t peer(uint16_t port, uint32_t mode)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(PEER) };
	pid_t pid;

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0)
		return -1;
	if ((pid = fork()) != 0) {
		close(fd);
		return pid;
	}
	for (;;) {
		char buf[1500];
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		struct ct_sbuf b;
		if (recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl) < 0)
			_exit(0);
		ct_sbuf_init(&b);
		ct_codec_build(&b, NULL, 4242, "peer", "peerhost", mode, mode == CT_IPMSG_SENDINFO ? "PeerMsg 1.0" : "Nick\0grp",
			mode == CT_IPMSG_SENDINFO ? 11 : 8, 1);
		sendto(fd, b.p, b.len, 0, (struct sockaddr *)&from, fl);
		ct_sbuf_fini(&b);
	}
}

static struct ct_app_result probe_peer(struct ct_prober *pr, uint16_t port, uint32_t mode)
{
	struct ct_app_opts o = { .dport = port, .sport = (uint16_t)(port + 1), .tries = 1, .wait_ns = 300000000ull,
		.no_entry = 1, .control_port = 65535 };
	struct ct_app_result res;
	char err[200];
	pid_t pid = peer(port, mode);

	memset(&res, 0, sizeof res);
	if (pid > 0) {
		ct_app_probe(pr, htonl(PEER), &o, &res, err, sizeof err);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return res;
}

int main(void)
{
	struct ct_prober *pr = NULL;
	uint16_t port = (uint16_t)(41000 + getpid() % 2000 * 2);
	struct ct_app_result r;

	ct_prober_open(&pr, 0);
	if (!ok(pr != NULL, "a prober without privileges"))
		return tap_done();
	r = probe_peer(pr, port, CT_IPMSG_SENDINFO);
	is_int(r.answered_getinfo, 1, "a SENDINFO answers the GETINFO");
	is_str(r.program, "PeerMsg 1.0", "... and names the program");
	r = probe_peer(pr, (uint16_t)(port + 100), CT_IPMSG_BR_ENTRY);
	is_int(r.answered_getinfo, 0, "the target's own BR_ENTRY to our port does not answer the GETINFO");
	ok(r.state != CT_PORT_OPEN, "... and the port is not called open (state %d)", (int)r.state);
	ct_prober_close(pr);
	return tap_done();
}
