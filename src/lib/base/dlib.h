/* dlib.h: a shared library opened on first use (libpcap, libcrypto, zlib): every symbol resolved at once, or the reason why not. */
#ifndef CT_DLIB_H
#define CT_DLIB_H

#include <stddef.h>

/* A function the caller forwards to: its name in the library and the pointer to fill. */
struct ct_dlsym {
	const char *name;
	void **slot;
};

/* Opens soname (RTLD_NOW, local) and fills every slot; returns the handle, or NULL with err
 * saying why: the library missing ("cannot load WHAT: ...; install the Debian package PACKAGE") or
 * a symbol missing ("SONAME has no NAME: it is older than the WHAT camtrace was built with"). */
void *ct_dlib_open(const char *soname, const char *what, const char *package, const struct ct_dlsym *syms,
	size_t nsyms, char *err, size_t errlen);

#endif
