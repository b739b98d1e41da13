/* irsactl migrate-to-pod-identity: move IRSA service accounts to EKS Pod
 * Identity (the engine is src/domain/pod_identity_apply.c). */
#include "cli.h"
#include "irsa/kube.h"
#include "irsa/pod_identity.h"

static const struct cli_option migrate_options[] = {
	{ "cluster", 'c', "NAME", "the EKS cluster", 0, NULL },
	{ "namespace", 'n', "NS", "only this namespace (default: every namespace)", 0, NULL },
	{ "remove-oidc-trust", 0, NULL, "also take the service account out of irsactl's IRSA trust statement and remove its eks.amazonaws.com annotations", 0, NULL },
	{ "trust-policy-limit", 0, "CHARS", "trust policy size allowed by your IAM quota (default: 2048)", 0, NULL },
	{ "kubeconfig", 0, "PATH", "kubeconfig (default: $KUBECONFIG, then ~/.kube/config)", 0, "file" },
	{ "context", 0, "NAME", "kubeconfig context (default: the current context)", 0, "context" },
	{ "dry-run", 0, NULL, "print the plan, change nothing", 0, NULL },
	{ NULL },
};

static int migrate_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct irsa_pod_identity_migrate_request req = {
		.cluster = cli_arg(args, "cluster"),
		.namespace_ = cli_arg(args, "namespace"),
		.remove_oidc_trust = cli_flag(args, "remove-oidc-trust"),
		.trust_policy_limit = cli_arg(args, "trust-policy-limit"),
	};
	struct irsa_kube_options ko = { cli_arg(args, "kubeconfig"), cli_arg(args, "context"), NULL };
	_cleanup_(irsa_kube_freep) struct irsa_kube *kube = NULL;
	struct irsa_pod_identity_plan plan;
	struct irsa_account *acct;
	int r = -1;

	if (irsa_pod_identity_migrate_parse(&req, &plan, err) < 0)
		goto out;
	acct = cli_account(ctx, err);
	if (!acct)
		goto out;
	ko.aws = acct->aws;
	if (irsa_kube_open(&ko, &kube, err) < 0 ||
	    irsa_pod_identity_migrate_plan(acct, kube, &plan, err) < 0)
		goto out;
	r = cli_plan_finish(ctx, &plan.plan, cli_flag(args, "dry-run"), err);
out:
	irsa_pod_identity_plan_release(&plan);
	return r;
}

const struct cli_command cli_cmd_migrate_to_pod_identity = {
	.name = "migrate-to-pod-identity",
	.summary = "Move IRSA service accounts to EKS Pod Identity",
	.usage = "--cluster NAME [-n NS] [--remove-oidc-trust] [--trust-policy-limit CHARS] [--dry-run]",
	.description =
		"Reads the ServiceAccounts annotated eks.amazonaws.com/role-arn (of one\n"
		"namespace, or every namespace) and, for each, plans: the EKS Pod Identity\n"
		"statement added to its role's trust policy, and the Pod Identity association\n"
		"of the service account with that role. With --remove-oidc-trust it also takes\n"
		"the service account out of irsactl's IRSA statement for the cluster's issuer\n"
		"(statements irsactl did not write are kept) and removes the eks.amazonaws.com\n"
		"annotations, so pods use Pod Identity once restarted. Roles of another\n"
		"account are skipped with a warning. A trust policy that would be longer than\n"
		"IAM allows (--trust-policy-limit, default 2048 characters) fails the whole\n"
		"plan before any change, as in create-role. A second run sends no change;\n"
		"--dry-run prints the whole plan.",
	.options = migrate_options,
	.min_args = 0,
	.max_args = 0,
	.run = migrate_run,
	.examples =
		"  irsactl migrate-to-pod-identity --cluster demo -n apps --dry-run\n"
		"  irsactl migrate-to-pod-identity --cluster demo --remove-oidc-trust",
};
