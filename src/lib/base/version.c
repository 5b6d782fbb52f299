/* version.c: version string and the list of compiled-in features. */
#include "config.h"
#include "version.h"

const char *ct_version(void) { return PACKAGE_VERSION; }

const char *ct_build_features(void)
{
	return CT_FEATURES
#ifdef CT_SANITIZED
		" asan ubsan"
#endif
		;
}
