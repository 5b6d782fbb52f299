/* fuzz-state.c: libFuzzer target for the state file loader (state.c read/load, the "hosts" and "found" sections): never crashes, bounded, what loads saves and loads back the same. */
#include "config.h"
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "addr.h"
#include "err.h"
#include "fsutil.h"
#include "hosts.h"
#include "json.h"
#include "log.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_MS 5000000000ull   /* a fixed clock: runs repeat */
#define NOW_WALL 1795000000.0

static char dir[PATH_MAX];
static size_t nrecords, nbad; /* elements of the "hosts" array handed to the loader, refused ones */

/* The "hosts" section as camtraced registers it (dstate.c): streamed, one record at a time. */
static int load_host(const struct ct_json *el, void *ud)
{
	int r = ct_hosts_state_load_one(ud, el, NOW_MS, NOW_WALL);

	nrecords++;
	nbad += r != 0;
	return r;
}

static int save_hosts(struct ct_state_elems *e, void *ud)
{
	return ct_hosts_state_write(ud, e, NOW_MS, NOW_WALL);
}

static int load_found(const struct ct_json *v, void *ud)
{
	struct ct_haddr a;

	(void)ud;
	if (!ct_json_is_arr(v))
		return CT_EFORMAT;
	for (const struct ct_json *el = ct_json_first(v); el; el = ct_json_next(el)) {
		const char *s = ct_json_str(el);
		if (s && ct_haddr_parse(&a, s, 2425) == 0 && a.family != AF_INET && a.family != AF_INET6)
			abort();
	}
	return 0;
}

/* Whatever a load accepted saves (the streamed writer, in this process), and that loads back
 * to as many hosts with nothing refused. */
static void check_roundtrip(struct ct_hosts *t)
{
	char path[PATH_MAX + 16];
	struct ct_state *st;
	struct ct_hosts *t2 = ct_hosts_new();

	snprintf(path, sizeof path, "%s/roundtrip.json", dir);
	if (!t2 || ct_state_new(&st, path) != 0)
		abort();
	ct_state_register_stream(st, "hosts", save_hosts, load_host, t);
	if (ct_state_save(st) != 0)
		abort();
	ct_state_free(st);
	if (ct_state_new(&st, path) != 0)
		abort();
	ct_state_register_stream(st, "hosts", save_hosts, load_host, t2);
	nrecords = nbad = 0;
	if (ct_state_load(st) != 0 || nbad != 0 || ct_hosts_count(t2) != ct_hosts_count(t))
		abort();
	ct_state_free(st);
	ct_hosts_free(t2);
}

/* The loader moves a bad file aside: empty the directory after each run. */
static void clean_dir(void)
{
	DIR *dp = opendir(dir);
	struct dirent *de;
	char p[PATH_MAX + 256];

	if (!dp)
		return;
	while ((de = readdir(dp)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
			unlink(p);
		}
	closedir(dp);
}

static void at_exit(void)
{
	clean_dir();
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[PATH_MAX + 16];
	struct ct_state *st;
	struct ct_hosts *t;
	int fd, r;

	if (!dir[0]) {
		snprintf(dir, sizeof dir, "%s/ct-fuzz-state.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(dir))
			abort();
		atexit(at_exit);
		ct_log_set_level(CT_LOG_ERR);
	}
	if (size > (1u << 20))
		return 0;
	snprintf(path, sizeof path, "%s/state.json", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    ct_fs_write_full(fd, data, size) != 0)
		abort();
	close(fd);
	if (ct_state_new(&st, path) != 0 || !(t = ct_hosts_new()))
		abort();
	ct_state_register_stream(st, "hosts", save_hosts, load_host, t);
	ct_state_register(st, "found", NULL, load_found, NULL);
	nrecords = nbad = 0;
	r = ct_state_load(st);
	if (r == 0 && ct_hosts_count(t) > nrecords - nbad)
		abort(); /* more hosts than usable records given */
	if (r != 0 && r != CT_EFORMAT && r != CT_ENOTFOUND && r != CT_ESYS && r != CT_ENOMEM)
		abort();
	if (r == CT_EFORMAT && !ct_state_moved_to(st)[0])
		abort(); /* a bad file is always moved aside */
	check_roundtrip(t);
	ct_hosts_free(t);
	ct_state_free(st);
	clean_dir();
	return 0;
}
