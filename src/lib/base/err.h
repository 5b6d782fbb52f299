/* err.h: engine error codes (negative CT_E*) and their names. */
#ifndef CT_ERR_H
#define CT_ERR_H

enum {
	CT_OK = 0,
	CT_EINVAL = -1,    /* invalid argument */
	CT_ETRUNC = -2,    /* input truncated */
	CT_EFORMAT = -3,   /* malformed input */
	CT_ERANGE = -4,    /* number out of range */
	CT_ENOMEM = -5,    /* out of memory */
	CT_ETOOBIG = -6,   /* result does not fit */
	CT_ESYS = -7,      /* system call failed (see errno / error buffer) */
	CT_ENOTFOUND = -8, /* no such thing */
	CT_ETIMEDOUT = -9, /* timed out */
	CT_EPERM = -10,    /* missing privilege */
	CT_ECHARSET = -11, /* text conversion failed */
	CT_EUNSUP = -12,   /* not supported */
	CT_EEXIST = -13,   /* already exists */
	CT_ESTATE = -14,   /* wrong state for this operation */
	CT_ECONFIG = -15,  /* configuration error */
	CT_EPROTO = -16,   /* protocol violation by peer */
	CT_ECLOSED = -17,  /* connection closed */
	CT_EAGAIN = -18,   /* try again */
	CT_ELAST = -18
};

/* Returns a static, human-readable name for code (0 or CT_E*). */
const char *ct_strerror(int code);

#endif
