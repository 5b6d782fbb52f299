/* privs.h: open privileged descriptors first, then drop uid, gid, groups and capabilities (mtr-packet style). */
#ifndef CT_PRIVS_H
#define CT_PRIVS_H

#include <stddef.h>

/* 1 if this process may open raw sockets (root or CAP_NET_RAW effective). */
int ct_privs_have_net_raw(void);
/* 1 if unprivileged ICMP echo ("ping") sockets are allowed for this process's group
 * (net.ipv4.ping_group_range); the probe actually tries to open one. */
int ct_privs_ping_socket_ok(void);
/* Drops every privilege for good: supplementary groups, gid, uid (to SUDO_UID/SUDO_GID when run
 * through sudo, else to nobody 65534 when root) and all capabilities (effective, permitted,
 * inheritable, ambient), then sets no_new_privs. Descriptors already open stay usable.
 * A process without privileges returns 0 and does nothing. CT_ESYS with detail in err. */
int ct_privs_drop(char *err, size_t errlen);
/* Sets no_new_privs (prctl PR_SET_NO_NEW_PRIVS): no execve can gain privileges (setuid bits, file
 * capabilities) from here on; setuid()/setgid() to drop privileges still work. 0 or CT_ESYS. */
int ct_privs_no_new_privs(char *err, size_t errlen);
/* The advice printed when something needs privileges, e.g. "run as root or `setcap
 * cap_net_raw+ep /usr/bin/camtrace`". */
const char *ct_privs_advice(void);

#endif
