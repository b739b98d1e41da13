/* irsactl whoami: who the AWS credentials belong to. */
#include <stdio.h>

#include "cli.h"
#include "irsa/sts.h"

static const struct cli_option whoami_options[] = { { NULL } };

static int whoami_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct irsa_aws *aws = cli_aws(ctx, err);
	const struct irsa_credentials *creds;
	struct irsa_caller_identity id = { 0 };
	json_t *result;

	if (!aws || irsa_aws_credentials(aws, &creds, err) < 0 ||
	    irsa_sts_get_caller_identity(aws, &id, err) < 0)
		return -1;
	result = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			   "account", id.account,
			   "arn", id.arn,
			   "user_id", id.user_id ? id.user_id : "",
			   "region", irsa_aws_region(aws),
			   "partition", irsa_aws_partition(aws)->id,
			   "provider", creds->provider ? creds->provider : "unknown",
			   "profile", irsa_aws_profile_name(aws));
	irsa_caller_identity_release(&id);
	return cli_print_result(ctx, result, NULL);
}

const struct cli_command cli_cmd_whoami = {
	.name = "whoami",
	.summary = "Show the AWS identity, region and credential provider in use",
	.usage = "[--profile NAME] [--region REGION] [--output FORMAT]",
	.description =
		"Calls STS GetCallerIdentity with the credentials irsactl resolves (the AWS SDK\n"
		"order: environment, shared config and credentials files, web identity,\n"
		"container credentials, EC2 instance metadata) and prints the account, ARN,\n"
		"user id, region, partition and which credential provider answered.",
	.options = whoami_options,
	.min_args = 0,
	.max_args = 0,
	.run = whoami_run,
	.examples = "  irsactl whoami\n  irsactl whoami --profile ci --output json",
};
