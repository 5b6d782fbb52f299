/* err.c: names for the engine's negative error codes. */
#include "config.h"
#include "err.h"

static const char *const names[] = {
	"success",
	"invalid argument",
	"input truncated",
	"malformed input",
	"number out of range",
	"out of memory",
	"result too big",
	"system error",
	"not found",
	"timed out",
	"permission denied",
	"text conversion failed",
	"not supported",
	"already exists",
	"wrong state",
	"configuration error",
	"protocol error",
	"connection closed",
	"try again",
};

const char *ct_strerror(int code)
{
	if (code > 0 || code < CT_ELAST)
		return "unknown error";
	return names[-code];
}
