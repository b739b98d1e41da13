#pragma once
/* Helpers shared by render-trust-policy, create-role and delete-role
 * (defined in role-common.c): the trust flags into a request (request.h);
 * the engine validates and resolves it. */
#include "cli.h"
#include "irsa/request.h"

/* --namespace, --service-account, --subject, --cluster, --issuer-url,
 * --audience, --trust-role-arn, --external-id and --account-id, each read only when
 * the command declares it. */
void cli_trust_request(const struct cli_command *cmd, const struct cli_args *args,
		       struct irsa_trust_request *req);
