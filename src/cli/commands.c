/* The table of commands: main.c dispatches through it and hands it to
 * help and completion (help.c), which never look it up themselves, so no
 * command calls back into the table that refers to it. */
#include "cli.h"

/* Sorted by name; `help` output lists them in this order. */
static const struct cli_command *const commands[] = {
	&cli_cmd_annotate_sa,
	&cli_cmd_apply,
	&cli_cmd_associate_oidc,
	&cli_cmd_create_role,
	&cli_cmd_delete_role,
	&cli_cmd_disassociate_oidc,
	&cli_cmd_help,
	&cli_cmd_list,
	&cli_cmd_migrate_to_pod_identity,
	&cli_cmd_pod_identity,
	&cli_cmd_policy,
	&cli_cmd_render_trust_policy,
	&cli_cmd_token,
	&cli_cmd_update_kubeconfig,
	&cli_cmd_verify,
	&cli_cmd_whoami,
};

const struct cli_command *const *cli_commands(size_t *ret_n)
{
	*ret_n = sizeof(commands) / sizeof(commands[0]);
	return commands;
}
