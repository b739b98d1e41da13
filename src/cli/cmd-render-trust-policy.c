/* irsactl render-trust-policy: print the IRSA trust policy for service
 * accounts of one or more clusters. */
#include <stdio.h>
#include <stdlib.h>

#include "role-common.h"
#include "irsa/trust.h"

static const struct cli_option render_options[] = {
	{ "namespace", 'n', "NS", "namespace of the service accounts (one for all, or one per --service-account)", OPT_REPEAT, NULL },
	{ "service-account", 's', "SA", "service account name; '*' and '?' match several (StringLike)", OPT_REPEAT, NULL },
	{ "subject", 0, "NS:SA", "a service account as NAMESPACE:NAME", OPT_REPEAT, NULL },
	{ "cluster", 'c', "NAME", "EKS cluster whose OIDC issuer to trust (DescribeCluster)", OPT_REPEAT, NULL },
	{ "issuer-url", 0, "URL", "OIDC issuer URL to trust (https://...)", OPT_REPEAT, NULL },
	{ "account-id", 0, "ID", "account of the OIDC providers (default: STS GetCallerIdentity)", 0, NULL },
	{ "audience", 0, "AUD", "token audience (default: sts.amazonaws.com)", 0, NULL },
	{ "trust-role-arn", 0, "ARN", "let this IAM role or account assume the role (sts:AssumeRole); alone: a cross-account role", OPT_REPEAT, NULL },
	{ "external-id", 0, "ID", "the sts:ExternalId the --trust-role-arn principals must give", 0, NULL },
	{ NULL },
};

static void print_document(const struct cli_ctx *ctx, const json_t *doc, FILE *out)
{
	char *s = irsa_policy_pretty(doc);

	fprintf(out, "%s\n", s ? s : "");
	free(s);
}

static int render_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct irsa_trust_request req = { 0 };
	struct irsa_trust_input in;
	struct irsa_error size_err = { 0 };
	struct irsa_account *acct;
	json_t *doc = NULL;
	int r = -1;

	cli_trust_request(&cli_cmd_render_trust_policy, args, &req);
	if (irsa_trust_input_parse(&req, IRSA_NEED_ROLE_TRUST, &in, err) < 0)
		goto out;
	acct = cli_account(ctx, err);
	/* only a provider's ARN needs the account: --trust-role-arn alone sends nothing */
	if (!acct ||
	    irsa_trust_input_resolve(acct, &in, irsa_trust_input_names_account(&in), err) < 0 ||
	    irsa_trust_input_render(&in, &doc, err) < 0)
		goto out;
	if (irsa_trust_check_size(doc, 0, &size_err) < 0)
		cli_log(ctx, CLI_LOG_WARN, "%s", size_err.message);
	r = cli_print_result(ctx, doc, print_document);
out:
	irsa_trust_input_release(&in);
	return r;
}

const struct cli_command cli_cmd_render_trust_policy = {
	.name = "render-trust-policy",
	.summary = "Print the IRSA trust policy for service accounts of one or more clusters",
	.usage = "(--cluster NAME | --issuer-url URL)... (--namespace NS --service-account SA | --subject NS:SA)... [OPTIONS]\n"
		 "       --trust-role-arn ARN... [--external-id ID]",
	.description =
		"Prints the role trust policy (AssumeRolePolicyDocument) that lets the given\n"
		"Kubernetes service accounts assume a role through IRSA: one statement per\n"
		"OIDC provider with the Federated principal\n"
		"arn:PARTITION:iam::ACCOUNT:oidc-provider/ISSUER, sts:AssumeRoleWithWebIdentity,\n"
		"StringEquals on ISSUER:aud and on ISSUER:sub (StringLike when a name has '*'\n"
		"or '?'). --trust-role-arn adds an sts:AssumeRole statement per principal\n"
		"(with --external-id, a StringEquals sts:ExternalId condition); alone, it is\n"
		"the trust of a role that roles of other accounts assume. The document is the\n"
		"one create-role sends for a new role given the same options. Works offline\n"
		"with --account-id and --issuer-url, or with --trust-role-arn alone; the\n"
		"partition follows --region. Warns when the policy is over IAM's\n"
		"2048-character limit.",
	.options = render_options,
	.min_args = 0,
	.max_args = 0,
	.run = render_run,
	.examples =
		"  irsactl render-trust-policy --cluster demo --namespace default --service-account app\n"
		"  irsactl render-trust-policy --issuer-url https://oidc.example.com --account-id 111122223333 \\\n"
		"      --subject jobs:worker --subject 'team-a:*'\n"
		"  irsactl render-trust-policy --external-id team-a \\\n"
		"      --trust-role-arn arn:aws:iam::111122223333:role/irsa-demo-jobs-worker",
};
