/* privs.c: privilege checks and the one-way privilege drop after raw sockets are open. */
#include "config.h"
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#ifdef HAVE_LINUX_CAPABILITY_H
#include <linux/capability.h>
#endif
#include "err.h"
#include "log.h"
#include "privs.h"
#include "util.h"

int ct_privs_have_net_raw(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int ct_privs_ping_socket_ok(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

const char *ct_privs_advice(void)
{
	return "run camtrace as root, or grant it raw sockets once with "
	       "`setcap cap_net_raw+ep $(command -v camtrace)`";
}

static int env_id(const char *name, unsigned *out)
{
	const char *s = getenv(name);
	uint32_t v;

	if (!s || ct_parse_u32(s, strlen(s), 10, &v) != 0 || v == 0)
		return 0;
	*out = v;
	return 1;
}

static int clear_caps(char *err, size_t errlen)
{
#ifdef HAVE_LINUX_CAPABILITY_H
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof d);
#ifdef PR_CAP_AMBIENT
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
#endif
	if (syscall(SYS_capset, &h, d) != 0) {
		snprintf(err, errlen, "cannot clear capabilities: %s", strerror(errno));
		return CT_ESYS;
	}
#endif
	(void)err;
	(void)errlen;
	return 0;
}

int ct_privs_no_new_privs(char *err, size_t errlen)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return CT_ESYS;
	}
	return 0;
}

int ct_privs_drop(char *err, size_t errlen)
{
	uid_t uid = getuid(), euid = geteuid();
	unsigned tuid = 65534, tgid = 65534;
	int r;

	if (err && errlen)
		err[0] = 0;
	if (uid == 0 || euid == 0) {
		if (!env_id("SUDO_UID", &tuid))
			tuid = 65534;
		if (!env_id("SUDO_GID", &tgid))
			tgid = 65534;
		if (setgroups(0, NULL) != 0) {
			snprintf(err, errlen, "cannot drop supplementary groups: %s", strerror(errno));
			return CT_ESYS;
		}
		if (setresgid(tgid, tgid, tgid) != 0 || setresuid(tuid, tuid, tuid) != 0) {
			snprintf(err, errlen, "cannot switch to uid %u gid %u: %s", tuid, tgid, strerror(errno));
			return CT_ESYS;
		}
		if (setuid(0) == 0) {
			snprintf(err, errlen, "privilege drop did not stick (setuid(0) still works)");
			return CT_ESYS;
		}
		log_debug("dropped to uid %u gid %u", tuid, tgid);
	} else if (uid != euid) {
		/* setuid-root installs are not supported: become the real user */
		if (setresgid(getgid(), getgid(), getgid()) != 0 || setresuid(uid, uid, uid) != 0) {
			snprintf(err, errlen, "cannot return to the real uid: %s", strerror(errno));
			return CT_ESYS;
		}
	}
	if ((r = clear_caps(err, errlen)) != 0)
		return r;
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return 0;
}
