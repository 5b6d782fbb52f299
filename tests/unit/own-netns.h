/* own-netns.h: a unit test that uses UDP/TCP 2425 on loopback moves into a network namespace of its own (as root), so tests run side by side (make -j) never hold each other's port. */
#ifndef CT_TEST_OWN_NETNS_H
#define CT_TEST_OWN_NETNS_H

#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* As root: a fresh network namespace with lo up (the process leaves it when it exits, and the
 * kernel removes it). Elsewhere nothing changes: the test uses the host's loopback as before. */
static inline void own_netns(void)
{
	struct ifreq ifr;
	int fd;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0)
		return;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	if (fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		(void)ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (fd >= 0)
		close(fd);
}

#endif
