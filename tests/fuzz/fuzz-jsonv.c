/* fuzz-jsonv.c: libFuzzer target for ct_json_valid (records the control client passes on unparsed): never crashes, and what it accepts the JSON parser accepts too. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_json *j = NULL;

	if (ct_json_valid((const char *)data, size)) {
		/* stricter than the parser, never looser: users --json copies what it accepts */
		if (ct_json_parse((const char *)data, size, &j) != 0) {
			fprintf(stderr, "ct_json_valid accepted what ct_json_parse refuses\n");
			abort();
		}
		ct_json_free(j);
	}
	return 0;
}
