/* The global options and the table of commands: main.c dispatches through
 * it, help.c and completion list it. */
#include <string.h>

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

/* Sorted by name; `help` output lists them in this order. */
static const struct cli_command *const commands[] = {
	&cli_cmd_annotate_sa,
	&cli_cmd_apply,
	&cli_cmd_associate_oidc,
	&cli_cmd_create_role,
	&cli_cmd_delete_role,
	&cli_cmd_disassociate_oidc,
	&cli_cmd_help,
	&cli_cmd_policy,
	&cli_cmd_render_trust_policy,
	&cli_cmd_token,
	&cli_cmd_update_kubeconfig,
	&cli_cmd_whoami,
};

const struct cli_command *const *cli_commands(size_t *ret_n)
{
	*ret_n = sizeof(commands) / sizeof(commands[0]);
	return commands;
}

const struct cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}
