/* irsactl disassociate-oidc: delete the cluster's IAM OpenID Connect
 * provider, unless a role still trusts it. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "oidc-common.h"
#include "irsa/oidc.h"

static const struct cli_option disassociate_options[] = {
	{ "cluster", 'c', "NAME", "EKS cluster whose OIDC provider to delete", 0, NULL },
	{ "issuer-url", 0, "URL", "OIDC issuer URL of a self-managed cluster (https://...)", 0, NULL },
	{ "force", 0, NULL, "delete even while roles still trust the provider", 0, NULL },
	{ "dry-run", 0, NULL, "print the plan; send no mutating request", 0, NULL },
	{ NULL },
};

static int disassociate_run(struct cli_ctx *ctx, const struct cli_args *args,
			    struct irsa_error *err)
{
	struct irsa_oidc_plan plan = { 0 };
	_cleanup_free_ char *issuer = NULL;
	const char *cluster;
	struct irsa_account *acct;
	int r = -1;

	if (cli_oidc_target(args, true, &cluster, &issuer, err) < 0)
		return -1;
	acct = cli_account(ctx, err);
	if (!acct)
		return -1;
	if (cluster && irsa_oidc_cluster_issuer(acct->aws, cluster, false, &issuer, err) < 0)
		return -1;
	if (irsa_oidc_plan_disassociate(acct, issuer, cli_flag(args, "force"), &plan, err) == 0)
		r = cli_plan_finish(ctx, &plan.plan, cli_flag(args, "dry-run"), err);
	irsa_oidc_plan_release(&plan);
	return r;
}

const struct cli_command cli_cmd_disassociate_oidc = {
	.name = "disassociate-oidc",
	.summary = "Delete the cluster's IAM OpenID Connect provider",
	.usage = "--cluster NAME | --issuer-url URL [--force] [--dry-run]",
	.description =
		"Finds the IAM OpenID Connect provider of the cluster's issuer and deletes it.\n"
		"Every role's trust policy is read first (ListRoles): while a role still\n"
		"trusts the provider the command refuses (exit 5) and names the roles, unless\n"
		"--force is given. A provider that does not exist is reported as absent and\n"
		"is not an error.",
	.options = disassociate_options,
	.min_args = 0,
	.max_args = 0,
	.run = disassociate_run,
	.examples =
		"  irsactl disassociate-oidc --cluster demo --dry-run\n"
		"  irsactl disassociate-oidc --issuer-url https://oidc.example.com/cluster1 --force",
};
