/* cmd.c: the table of camtrace subcommands and unique-prefix lookup. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "cmd.h"

extern const struct cmd_entry cmd_bundle_entry;
extern const struct cmd_entry cmd_decode_entry;
extern const struct cmd_entry cmd_doctor_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_probe_entry;
extern const struct cmd_entry cmd_reach_entry;
extern const struct cmd_entry cmd_refresh_entry;
extern const struct cmd_entry cmd_route_entry;
extern const struct cmd_entry cmd_rtp_entry;
extern const struct cmd_entry cmd_scan_entry;
extern const struct cmd_entry cmd_search_entry;
extern const struct cmd_entry cmd_sniff_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_users_entry;
extern const struct cmd_entry cmd_version_entry;

/* Keep sorted by name: lookup and `camtrace help` rely on the order. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_bundle_entry,
	&cmd_decode_entry,
	&cmd_doctor_entry,
	&cmd_help_entry,
	&cmd_probe_entry,
	&cmd_reach_entry,
	&cmd_refresh_entry,
	&cmd_route_entry,
	&cmd_rtp_entry,
	&cmd_scan_entry,
	&cmd_search_entry,
	&cmd_sniff_entry,
	&cmd_status_entry,
	&cmd_users_entry,
	&cmd_version_entry,
};
const unsigned cmd_count = sizeof cmd_table / sizeof cmd_table[0];

const struct cmd_entry *cmd_lookup(const char *name, char *err, size_t errlen)
{
	const struct cmd_entry *found = NULL;
	size_t n = strlen(name);
	int matches = 0;
	char cands[256] = "";

	for (unsigned i = 0; i < cmd_count; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (strcmp(e->name, name) == 0)
			return e;
		if (n > 0 && strncmp(e->name, name, n) == 0) {
			found = e;
			matches++;
			if (strlen(cands) + strlen(e->name) + 2 < sizeof cands) {
				if (cands[0])
					strcat(cands, ", ");
				strcat(cands, e->name);
			}
		}
	}
	if (matches == 1)
		return found;
	if (matches > 1)
		snprintf(err, errlen, "ambiguous command '%s': could be %s", name, cands);
	else
		snprintf(err, errlen, "unknown command '%s': run 'camtrace help' for the list", name);
	return NULL;
}

void cmd_usage(FILE *fp, const struct cmd_entry *e)
{
	fprintf(fp, "usage: camtrace %s%s%s\n", e->name, e->args[0] ? " " : "", e->args);
}
