#pragma once
/* Files the tests write into their scratch folders. */
#include <stdio.h>
#include <stdlib.h>

#include "irsa/strutil.h"

/* Write text to dir/name, replacing the file; returns its path
 * (malloc'd). A file that cannot be written ends the test program. */
static inline char *tmp_file_write(const char *dir, const char *name, const char *text)
{
	char *path = irsa_asprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return path;
}
