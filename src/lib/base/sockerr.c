/* sockerr.c: socket error queues (IP_RECVERR / IPV6_RECVERR) and TTL settings, for probes and the coop check. */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <sys/socket.h>
#include "err.h"
#include "sockerr.h"

static int sock_family(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;

	return getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 ? ss.ss_family : AF_INET;
}

int ct_sock_recverr(int fd)
{
	int on = 1;

	if (sock_family(fd) == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on) != 0)
			return CT_ESYS;
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
		return 0;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on) != 0)
		return CT_ESYS;
	(void)setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
	return 0;
}

void ct_sock_ttl(int fd, int family, int ttl)
{
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof ttl);
	else
		(void)setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
}

int ct_sock_read_err(int fd, struct ct_sockerr *e, uint8_t *quote, size_t *qlen)
{
	char cbuf[512];
	struct sockaddr_in6 from;
	struct iovec iov = { quote, *qlen };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	ssize_t n = recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
	int found = 0;

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : CT_ESYS;
	*qlen = (size_t)n;
	memset(e, 0, sizeof *e);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
		    (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
			struct sock_extended_err ee;
			struct sockaddr_in6 off;
			memcpy(&ee, CMSG_DATA(c), sizeof ee);
			if (ee.ee_origin != SO_EE_ORIGIN_ICMP && ee.ee_origin != SO_EE_ORIGIN_ICMP6)
				return 0;
			memset(&off, 0, sizeof off);
			memcpy(&off, (const char *)CMSG_DATA(c) + sizeof ee,
				c->cmsg_len >= CMSG_LEN(sizeof ee + sizeof off) ? sizeof off : sizeof(struct sockaddr_in));
			found = 1;
			e->type = ee.ee_type;
			e->code = ee.ee_code;
			if (ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
				e->family = AF_INET6;
				if (off.sin6_family == AF_INET6)
					e->from6 = off.sin6_addr;
			} else {
				e->family = AF_INET;
				if (off.sin6_family == AF_INET) {
					struct sockaddr_in o4;
					memcpy(&o4, &off, sizeof o4);
					e->from = o4.sin_addr.s_addr;
				}
			}
			e->err = (int)ee.ee_errno;
		}
	}
	return found;
}
