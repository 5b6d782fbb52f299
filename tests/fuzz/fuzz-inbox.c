/* fuzz-inbox.c: libFuzzer target for camtraced's inbox file loader (inbox.c): never crashes, keeps at most its bound, ids unique and below the next one, and what loads saves and loads back the same. */
#include "config.h"
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fsutil.h"
#include "inbox.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX 50

static char dir[PATH_MAX], path[PATH_MAX + 16];

static void check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz-inbox: %s\n", what);
		abort();
	}
}

static void cleanup(void)
{
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_inbox *ib = NULL, *back = NULL;
	char err[512], bad[PATH_MAX + 32];
	FILE *f;

	if (!dir[0]) {
		char t[] = "/tmp/fuzz-inbox.XXXXXX";
		if (!mkdtemp(t))
			abort();
		snprintf(dir, sizeof dir, "%s", t);
		snprintf(path, sizeof path, "%s/inbox.json", dir);
		ct_log_set_level(CT_LOG_ERR);
		atexit(cleanup);
	}
	snprintf(bad, sizeof bad, "%s.bad", path);
	if (!(f = fopen(path, "wb")))
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if (ct_inbox_open(&ib, path, FUZZ_MAX, err, sizeof err) != 0 || !ib) {
		unlink(path);
		unlink(bad);
		return 0;
	}
	check(ct_inbox_count(ib) <= FUZZ_MAX, "more messages kept than the bound");
	check(ct_inbox_unread(ib) <= ct_inbox_count(ib), "more unread than messages");
	for (size_t i = 0; i < ct_inbox_count(ib); i++) {
		struct ct_inbox_msg *m = ct_inbox_at(ib, i);
		struct ct_haddr a;
		check(m && m->id != 0 && m->from && m->user && m->host && m->nick && m->text && m->charset,
			"a kept message lacks an id or a field");
		check(ct_inbox_find(ib, m->id) == m, "two kept messages share an id");
		(void)ct_inbox_msg_addr(m, &a);
		ct_json_free(ct_inbox_msg_json(m, 0));
	}
	/* saved and loaded back, it is the same */
	if (ct_inbox_save(ib, err, sizeof err) == 0) {
		check(ct_inbox_open(&back, path, FUZZ_MAX, err, sizeof err) == 0 && back, "a saved inbox does not load");
		check(ct_inbox_count(back) == ct_inbox_count(ib), "a saved inbox loads back with another count");
		for (size_t i = 0; i < ct_inbox_count(ib); i++) {
			check(ct_inbox_at(back, i)->id == ct_inbox_at(ib, i)->id, "ids change through a save");
			check(strcmp(ct_inbox_at(back, i)->text, ct_inbox_at(ib, i)->text) == 0, "texts change through a save");
		}
		ct_inbox_close(back);
	}
	ct_inbox_close(ib);
	unlink(path);
	unlink(bad);
	{
		char tmp[PATH_MAX + 32];
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		unlink(tmp);
	}
	return 0;
}
