/* dlib.c: opens a shared library on first use and resolves the functions its forwarders call (pcap-dl.c, crypto-dl.c, zlib-dl.c). */
#include "config.h"
#include <dlfcn.h>
#include <stdio.h>
#include "dlib.h"

void *ct_dlib_open(const char *soname, const char *what, const char *package, const struct ct_dlsym *syms,
	size_t nsyms, char *err, size_t errlen)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(err, errlen, "cannot load %s: %s; install the Debian package %s", what, dlerror(), package);
		return NULL;
	}
	for (size_t i = 0; i < nsyms; i++)
		if (!(*syms[i].slot = dlsym(h, syms[i].name))) {
			snprintf(err, errlen, "%s has no %s: it is older than the %s camtrace was built with", soname,
				syms[i].name, what);
			dlclose(h);
			return NULL;
		}
	return h;
}
