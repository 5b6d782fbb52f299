/* zlib-dl.c: zlib loaded when a bundle is written, not at every command's start-up: the four zlib functions tarball.c calls, forwarded to the library dlopen()ed on first use. */
#include "config.h"
#include <pthread.h>
#include <zlib.h>
#include "dlib.h"

static int (*p_deflateInit2_)(z_streamp, int, int, int, int, int, const char *, int);
static int (*p_deflate)(z_streamp, int);
static int (*p_deflateEnd)(z_streamp);
static const char *(*p_zlibVersion)(void);

static const struct ct_dlsym syms[] = {
	{ "deflateInit2_", (void **)&p_deflateInit2_ },
	{ "deflate", (void **)&p_deflate },
	{ "deflateEnd", (void **)&p_deflateEnd },
	{ "zlibVersion", (void **)&p_zlibVersion },
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *lib;
static char load_err[256];

static void load_once(void)
{
	lib = ct_dlib_open(CT_ZLIB_SONAME, "zlib", "zlib1g", syms, sizeof syms / sizeof syms[0], load_err,
		sizeof load_err);
}

static int loaded(void)
{
	pthread_once(&once, load_once);
	return lib != NULL;
}

/* the entry point: without the library the stream says why (tarball.c reports strm->msg) */
int deflateInit2_(z_streamp strm, int level, int method, int windowBits, int memLevel, int strategy,
	const char *version, int stream_size)
{
	if (!loaded()) {
		strm->msg = load_err;
		return Z_VERSION_ERROR;
	}
	return p_deflateInit2_(strm, level, method, windowBits, memLevel, strategy, version, stream_size);
}

/* only called on a stream deflateInit2_ set up, so the library is there */
int deflate(z_streamp strm, int flush)
{
	return loaded() ? p_deflate(strm, flush) : Z_STREAM_ERROR;
}

int deflateEnd(z_streamp strm)
{
	return loaded() ? p_deflateEnd(strm) : Z_STREAM_ERROR;
}

const char *zlibVersion(void)
{
	return loaded() ? p_zlibVersion() : "not loaded";
}
