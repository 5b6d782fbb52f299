/* replay.c: runs a libFuzzer target over every file of its seed corpus (TAP), for make check under the sanitizers. */
#include "config.h"
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char dir[4096];
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dp;
	int t = 0, fail = 0;

	if (argc > 1)
		snprintf(dir, sizeof dir, "%s", argv[1]);
	else
		snprintf(dir, sizeof dir, "%s/%s", top ? top : ".", CORPUS_DIR);
	if (!(dp = opendir(dir))) {
		printf("1..0 # SKIP cannot open %s\n", dir);
		return 0;
	}
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof *names);
			if (!names)
				return 99;
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof *names, cmp);
	for (size_t i = 0; i < n; i++) {
		char path[8192];
		FILE *fp;
		uint8_t *buf;
		long len;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		fp = fopen(path, "rb");
		if (!fp || fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
			printf("not ok %d - cannot read %s\n", ++t, names[i]);
			fail = 1;
			if (fp)
				fclose(fp);
			continue;
		}
		/* an exact-size copy so that ASan sees any read past the end */
		buf = malloc(len ? (size_t)len : 1);
		if (!buf || fread(buf, 1, (size_t)len, fp) != (size_t)len) {
			printf("not ok %d - cannot read %s\n", ++t, names[i]);
			fail = 1;
		} else {
			LLVMFuzzerTestOneInput(buf, (size_t)len);
			printf("ok %d - %s (%ld bytes)\n", ++t, names[i], len);
		}
		free(buf);
		fclose(fp);
		free(names[i]);
	}
	free(names);
	printf("1..%d\n", t);
	return fail;
}
