/* fuzz-offers.c: libFuzzer target for the state file's "offers" section (xfer-save.c restore): never crashes, bounded in offers and log, what it restores saves and restores again the same. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "nodefuzz.h"
#include "xfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_WALL 1795000000.0

/* A fresh engine on a loopback node; its offers restored from arr: how many. */
static size_t restore(struct ct_evloop *ev, struct ct_hosts *t, const struct ct_json *arr, struct ct_node **n,
	struct ct_xfer **x)
{
	struct ct_xfer_conf c = { .max_offers = 64 };

	*n = fz_node(ev, t, "fuzzoffers");
	if (ct_xfer_new(x, *n, &c) != 0)
		fz_fail("transfer engine");
	return ct_xfer_offers_restore(*x, arr, NOW_WALL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_evloop *ev = NULL;
	struct ct_hosts *t1, *t2;
	struct ct_json *arr = NULL, *saved, *saved2;
	struct ct_node *n1, *n2;
	struct ct_xfer *x1, *x2;
	size_t k1, k2;
	char *s1, *s2;

	if (size > 65536 || ct_json_parse((const char *)data, size, &arr) != 0)
		return 0;
	ct_evloop_new(&ev);
	t1 = ct_hosts_new();
	t2 = ct_hosts_new();
	fz_log_bytes = 0;
	k1 = restore(ev, t1, arr, &n1, &x1);
	if (k1 > 64)
		fz_fail("more offers restored than max_offers");
	saved = ct_xfer_offers_save(x1, NOW_WALL);
	if (k1 && (!saved || !ct_json_is_arr(saved)))
		fz_fail("restored offers do not save");
	/* what was taken saves and comes back the same */
	k2 = restore(ev, t2, saved, &n2, &x2);
	saved2 = ct_xfer_offers_save(x2, NOW_WALL);
	if (k2 != k1)
		fz_fail("a saved offer is not restored again");
	/* each offer's files and recipients the same ("made" moves with the clock between saves) */
	for (const struct ct_json *a = ct_json_first(saved), *b = ct_json_first(saved2); a || b;
	     a = ct_json_next(a), b = ct_json_next(b)) {
		if (!a || !b)
			fz_fail("the second save has another number of offers");
		for (int k = 0; k < 2; k++) {
			const char *key = k ? "to" : "files";
			s1 = ct_json_print(ct_json_get(a, key), 0);
			s2 = ct_json_print(ct_json_get(b, key), 0);
			if (!s1 || !s2 || strcmp(s1, s2) != 0) {
				fprintf(stderr, "first save:  %s\nsecond save: %s\n", s1 ? s1 : "(none)", s2 ? s2 : "(none)");
				fz_fail("the second save differs from the first");
			}
			free(s1);
			free(s2);
		}
	}
	if (fz_log_bytes > FZ_LOG_PER_INPUT)
		fz_fail("log volume");
	ct_json_free(saved);
	ct_json_free(saved2);
	ct_json_free(arr);
	ct_xfer_free(x1);
	ct_xfer_free(x2);
	ct_node_free(n1);
	ct_node_free(n2);
	ct_hosts_free(t1);
	ct_hosts_free(t2);
	ct_evloop_free(ev);
	return 0;
}
