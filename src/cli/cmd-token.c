/* irsactl token: an EKS bearer token as an ExecCredential, for kubeconfig
 * exec plugins (in place of `aws eks get-token`). Its stdout is exactly
 * one ExecCredential JSON line whatever --output says: kubectl reads it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "irsa/eks.h"
#include "irsa/strutil.h"

#define API_V1 "client.authentication.k8s.io/v1"
#define API_V1BETA1 "client.authentication.k8s.io/v1beta1"

static const struct cli_option token_options[] = {
	{ "cluster", 'c', "NAME", "EKS cluster name (the x-k8s-aws-id the token is for)", 0, NULL },
	{ "api-version", 0, "VERSION",
	  "ExecCredential apiVersion: client.authentication.k8s.io/v1beta1 (default, or the one "
	  "kubectl asks for in KUBERNETES_EXEC_INFO) or client.authentication.k8s.io/v1", 0,
	  API_V1BETA1 "|" API_V1 },
	{ NULL },
};

static bool api_version_known(const char *v)
{
	return v && (strcmp(v, API_V1) == 0 || strcmp(v, API_V1BETA1) == 0);
}

/* --api-version, else the version kubectl put in KUBERNETES_EXEC_INFO,
 * else v1beta1 (what `aws eks get-token` prints). */
static int choose_api_version(const char *flag, const char **ret, struct irsa_error *err)
{
	const char *info = getenv("KUBERNETES_EXEC_INFO");

	if (flag) {
		if (!api_version_known(flag))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "unknown --api-version '%s'; use " API_V1BETA1 " or " API_V1,
					      flag);
		*ret = flag;
		return 0;
	}
	*ret = API_V1BETA1;
	if (!irsa_str_empty(info)) {
		json_t *root = json_loads(info, 0, NULL);
		const char *v = json_string_value(json_object_get(root, "apiVersion"));

		if (api_version_known(v))
			*ret = strcmp(v, API_V1) == 0 ? API_V1 : API_V1BETA1;
		json_decref(root);
	}
	return 0;
}

static int token_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	const char *cluster = cli_arg(args, "cluster");
	const char *api_version = NULL;
	struct irsa_aws *aws;
	char *token = NULL, *out;
	time_t expiration;
	struct tm tm;
	char stamp[32];
	json_t *cred;

	if (irsa_str_empty(cluster))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "'token' needs --cluster NAME (the EKS cluster name)");
	if (choose_api_version(cli_arg(args, "api-version"), &api_version, err) < 0)
		return -1;
	aws = cli_aws(ctx, err);
	if (!aws || irsa_eks_token(aws, cluster, 0, &token, &expiration, err) < 0)
		return -1;
	gmtime_r(&expiration, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cred = json_pack("{s:s, s:s, s:{}, s:{s:s, s:s}}", "kind", "ExecCredential",
			 "apiVersion", api_version, "spec",
			 "status", "expirationTimestamp", stamp, "token", token);
	irsa_free_secret(token);
	out = json_dumps(cred, JSON_COMPACT | JSON_PRESERVE_ORDER);
	/* Zero the token inside the JSON tree too. */
	irsa_secure_zero((char *)json_string_value(json_object_get(json_object_get(cred, "status"), "token")),
			 json_string_length(json_object_get(json_object_get(cred, "status"), "token")));
	json_decref(cred);
	if (!out)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot encode the ExecCredential");
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
