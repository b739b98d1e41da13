#pragma once
#include "cli.h"

struct cli_args {
	struct cli_item {
		const struct cli_option *opt;
		const char *value;
	} *items;
	size_t n;
	const char **positional;
	size_t n_positional;
	const char ***lists; /* from cli_arg_list(), freed on release */
	size_t n_lists;
	const struct cli_option *const *tables; /* what may be read: the declared options */
	size_t n_tables;
};

void cli_args_init(struct cli_args *a, int argc);
void cli_args_release(struct cli_args *a);
/* Parse argv against the tables. Returns the index of the first word not
 * consumed (with stop_at_positional, the command name), or -1. */
int cli_args_parse(struct cli_args *a, const struct cli_option *const *tables, size_t nt,
		   int argc, char **argv, bool stop_at_positional, const char *cmd,
		   struct irsa_error *err);
