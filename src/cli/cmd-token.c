/* irsactl token: an EKS bearer token as an ExecCredential, for kubeconfig
 * exec plugins (in place of `aws eks get-token`). Its stdout is exactly
 * one ExecCredential JSON line whatever --output says: kubectl reads it. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "irsa/eks.h"
#include "irsa/strutil.h"

static const struct cli_option token_options[] = {
	{ "cluster", 'c', "NAME", "EKS cluster name (the x-k8s-aws-id the token is for)", 0, NULL },
	{ "api-version", 0, "VERSION",
	  "ExecCredential apiVersion: client.authentication.k8s.io/v1beta1 (default, or the one "
	  "kubectl asks for in KUBERNETES_EXEC_INFO) or client.authentication.k8s.io/v1", 0,
	  IRSA_EXEC_CREDENTIAL_V1BETA1 "|" IRSA_EXEC_CREDENTIAL_V1 },
	{ NULL },
};

static int token_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	const char *cluster = cli_arg(args, "cluster");
	const char *api_version = cli_arg(args, "api-version");
	struct irsa_aws *aws;
	char *out = NULL;

	if (irsa_str_empty(cluster))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "'token' needs --cluster NAME (the EKS cluster name)");
	/* --api-version, else the version kubectl put in KUBERNETES_EXEC_INFO,
	 * else v1beta1 (what `aws eks get-token` prints). */
	if (!api_version)
		api_version = irsa_exec_credential_api_version(getenv("KUBERNETES_EXEC_INFO"));
	else if (!irsa_exec_credential_api_version_known(api_version))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "unknown --api-version '%s'; use " IRSA_EXEC_CREDENTIAL_V1BETA1
				      " or " IRSA_EXEC_CREDENTIAL_V1, api_version);
	aws = cli_aws(ctx, err);
	if (!aws || irsa_eks_exec_credential(aws, cluster, api_version, &out, err) < 0)
		return -1;
	fputs(out, stdout);
	fputc('\n', stdout);
	irsa_free_secret(out);
	return 0;
}

const struct cli_command cli_cmd_token = {
	.name = "token",
	.summary = "Print an EKS bearer token as a kubeconfig exec credential",
	.usage = "--cluster NAME [--api-version VERSION] [--profile NAME] [--region REGION]",
	.description =
		"Makes the bearer token the EKS API server accepts: 'k8s-aws-v1.' followed by\n"
		"a presigned STS GetCallerIdentity URL (valid 15 minutes, signed for the\n"
		"cluster name in the x-k8s-aws-id header), from the AWS credentials irsactl\n"
		"resolves, and prints it as an ExecCredential on stdout. Nothing is sent to\n"
		"AWS. Use it as a kubeconfig exec plugin in place of 'aws eks get-token'\n"
		"(irsactl update-kubeconfig writes such an entry). The output is always the\n"
		"ExecCredential JSON, whatever --output says.",
	.options = token_options,
	.min_args = 0,
	.max_args = 0,
	.run = token_run,
	.examples = "  irsactl token --cluster demo\n"
		    "  irsactl token --cluster demo --region eu-west-1 --api-version "
		    "client.authentication.k8s.io/v1",
};
