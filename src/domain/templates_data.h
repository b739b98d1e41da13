#pragma once
/* The permission templates embedded at build time by scripts/embed.py
 * (a generated templates_data.c). Private to src/domain/templates.c. */
#include <stddef.h>

struct irsa_embedded_file {
	const char *name; /* file name without ".json" */
	const char *text; /* the file's JSON text */
};

extern const struct irsa_embedded_file irsa_template_files[];
extern const size_t irsa_template_files_n;
