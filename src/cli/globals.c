/* The global options, shared by every command (parsed by args.c). */
#include "cli.h"

const struct cli_option cli_global_options[] = {
	{ "profile", 0, "NAME", "AWS profile from the shared config files (default: $AWS_PROFILE, then 'default')", 0, "profile" },
	{ "region", 0, "REGION", "AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, the profile's region, us-east-1)", 0, "region" },
	{ "output", 'o', "FORMAT", "result format: text, json or yaml (default: text)", 0, "text|json|yaml" },
	{ "debug", 0, NULL, "log every request (secrets redacted) and decision to stderr", 0, NULL },
	{ "quiet", 'q', NULL, "print only results and errors", 0, NULL },
	{ "no-color", 0, NULL, "no colours in messages (also: NO_COLOR set)", 0, NULL },
	{ "help", 'h', NULL, "show help and exit", 0, NULL },
	{ "version", 0, NULL, "print the version and exit", OPT_HIDDEN, NULL },
	{ NULL },
};
