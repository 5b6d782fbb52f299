/* dctl.h: camtraced's control methods (dctl.c), on top of the daemon's public interface (daemon.h). */
#ifndef CAMTRACED_DCTL_H
#define CAMTRACED_DCTL_H

struct daemon;

/* Adds the control methods to the daemon's control socket and takes the end of each list fetch
 * (daemon_on_fetch_done) to answer the waiting `refresh` requests. Call after daemon_open(). */
void dctl_register(struct daemon *d);

#endif
