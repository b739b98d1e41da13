/* The trust flags shared by render-trust-policy, create-role and
 * delete-role, into a request for the engine. */
#include "args.h"
#include "role-common.h"

static size_t list_if(const struct cli_command *cmd, const struct cli_args *args,
		      const char *name, const char *const **ret)
{
	static const char *const none[] = { NULL };

	if (cli_command_has_option(cmd, name))
		return cli_arg_list(args, name, ret);
	*ret = none;
	return 0;
}

static const char *arg_if(const struct cli_command *cmd, const struct cli_args *args,
			  const char *name)
{
	return cli_command_has_option(cmd, name) ? cli_arg(args, name) : NULL;
}

void cli_trust_request(const struct cli_command *cmd, const struct cli_args *args,
		       struct irsa_trust_request *req)
{
	req->n_namespaces = list_if(cmd, args, "namespace", &req->namespaces);
	req->n_service_accounts = list_if(cmd, args, "service-account", &req->service_accounts);
	req->n_subjects = list_if(cmd, args, "subject", &req->subjects);
	req->n_clusters = list_if(cmd, args, "cluster", &req->clusters);
	req->n_issuer_urls = list_if(cmd, args, "issuer-url", &req->issuer_urls);
	req->audience = arg_if(cmd, args, "audience");
	req->n_trust_role_arns = list_if(cmd, args, "trust-role-arn", &req->trust_role_arns);
	req->external_id = arg_if(cmd, args, "external-id");
	req->account_id = arg_if(cmd, args, "account-id");
}
