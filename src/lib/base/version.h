/* version.h: package version and build features for --version. */
#ifndef CT_VERSION_H
#define CT_VERSION_H

const char *ct_version(void);
const char *ct_build_features(void);

#endif
