/* xfer-names.c: the check of every file name a peer sends us (attachment lists, directory streams) before it touches the disk. */
#include "config.h"
#include <ctype.h>
#include <strings.h>
#include <string.h>
#include "err.h"
#include "xfer.h"

/* Windows device names, reserved with any extension ("nul.txt") and in any case */
static const char *const reserved[] = {
	"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
	"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
	"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
};

static int is_reserved(const char *name)
{
	size_t stem = strcspn(name, ".");

	while (stem > 0 && name[stem - 1] == ' ')
		stem--;
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strlen(reserved[i]) == stem && strncasecmp(reserved[i], name, stem) == 0)
			return 1;
	return 0;
}

int ct_xfer_name_check(const char *name, const char **why)
{
	const char *w = NULL;
	size_t len = name ? strlen(name) : 0;

	if (!len)
		w = "empty name";
	else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		w = "'.' or '..'";
	else if (len > 255)
		w = "longer than 255 bytes";
	else if (strpbrk(name, "/\\"))
		w = "a path (holds '/' or '\\')";
	else if (name[len - 1] == '.' || name[len - 1] == ' ')
		w = "ends with a dot or a space";
	else if (is_reserved(name))
		w = "a reserved device name";
	else
		for (const unsigned char *p = (const unsigned char *)name; *p; p++)
			if (*p < 0x20 || *p == 0x7F) {
				w = "a control character";
				break;
			}
	if (why)
		*why = w;
	return w ? CT_EINVAL : 0;
}
