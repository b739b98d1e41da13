/* irsactl create-role: create or update the IAM role of service accounts:
 * trust policy, settings, managed policies and built-in templates. */
#include "role-common.h"
#include "irsa/request.h"
#include "irsa/role_read.h"

static const struct cli_option create_options[] = {
	{ "cluster", 'c', "NAME", "EKS cluster whose OIDC issuer to trust (DescribeCluster)", OPT_REPEAT, NULL },
	{ "issuer-url", 0, "URL", "OIDC issuer URL of a self-managed cluster (https://...)", OPT_REPEAT, NULL },
	{ "namespace", 'n', "NS", "namespace of the service accounts (one for all, or one per --service-account)", OPT_REPEAT, NULL },
	{ "service-account", 's', "SA", "service account name; '*' and '?' match several (StringLike)", OPT_REPEAT, NULL },
	{ "subject", 0, "NS:SA", "a service account as NAMESPACE:NAME", OPT_REPEAT, NULL },
	{ "role-name", 0, "NAME", "IAM role name (default: irsa-CLUSTER-NAMESPACE-SA)", 0, NULL },
	{ "path", 0, "PATH", "IAM path of a new role (default: /)", 0, NULL },
	{ "description", 0, "TEXT", "role description", 0, NULL },
	{ "tag", 0, "KEY=VALUE", "role tag (added or changed, never removed)", OPT_REPEAT, NULL },
	{ "permissions-boundary", 0, "ARN", "managed policy ARN to use as permissions boundary", 0, NULL },
	{ "max-session-duration", 0, "SECONDS", "maximum session duration, 3600 to 43200", 0, NULL },
	{ "attach-policy-arn", 0, "ARN", "managed policy to attach", OPT_REPEAT, NULL },
	{ "policy", 'p', "TEMPLATE[:K=V,...]", "built-in permission template (see 'irsactl policy list')", OPT_REPEAT, "policy-template" },
	{ "policy-file", 0, "FILE", "a policy document to put as inline policy 'irsactl-file-NAME'", OPT_REPEAT, "file" },
	{ "managed-policy", 0, "TEMPLATE[:K=V,...]", "a template as customer-managed policy (created or updated, attached; shared by roles)", OPT_REPEAT, "policy-template" },
	{ "managed-policy-file", 0, "FILE", "a policy document as customer-managed policy 'irsactl-file-NAME'", OPT_REPEAT, "file" },
	{ "audience", 0, "AUD", "token audience (default: sts.amazonaws.com)", 0, NULL },
	{ "trust-role-arn", 0, "ARN", "let this IAM role or account assume the role (sts:AssumeRole); alone: a cross-account role", OPT_REPEAT, NULL },
	{ "external-id", 0, "ID", "the sts:ExternalId the --trust-role-arn principals must give", 0, NULL },
	{ "trust-policy-limit", 0, "CHARS", "trust policy size allowed by your IAM quota (default: 2048)", 0, NULL },
	{ "prune", 0, NULL, "detach managed policies and delete irsactl-* inline policies not asked for", 0, NULL },
	{ "dry-run", 0, NULL, "print the plan, change nothing", 0, NULL },
	{ NULL },
};

static void parse_request(const struct cli_args *args, struct irsa_create_role_request *req)
{
	cli_trust_request(&cli_cmd_create_role, args, &req->trust);
	req->role_name = cli_arg(args, "role-name");
	req->path = cli_arg(args, "path");
	req->description = cli_arg(args, "description");
	req->permissions_boundary = cli_arg(args, "permissions-boundary");
	req->max_session_duration = cli_arg(args, "max-session-duration");
	req->trust_policy_limit = cli_arg(args, "trust-policy-limit");
	req->n_tags = cli_arg_list(args, "tag", &req->tags);
	req->n_managed_arns = cli_arg_list(args, "attach-policy-arn", &req->managed_arns);
	req->n_policies = cli_arg_list(args, "policy", &req->policies);
	req->n_policy_files = cli_arg_list(args, "policy-file", &req->policy_files);
	req->n_managed_policies = cli_arg_list(args, "managed-policy", &req->managed_policies);
	req->n_managed_policy_files = cli_arg_list(args, "managed-policy-file",
						   &req->managed_policy_files);
	req->prune = cli_flag(args, "prune");
}

static int create_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct irsa_create_role_request req = { 0 };
	struct irsa_create_role_input in;
	struct irsa_role_plan plan = { 0 };
	struct irsa_role_state state = { 0 };
	struct irsa_account *acct;
	int r = -1;

	parse_request(args, &req);
	if (irsa_create_role_parse(&req, &in, err) < 0)
		goto out;
	acct = cli_account(ctx, err);
	/* the request's reads and the role's share three rounds */
	if (!acct || irsa_create_role_read(acct, &in, &state, err) < 0 ||
	    irsa_role_plan_apply_state(acct->aws, &in.role, &state, &plan, err) < 0)
		goto out;
	for (size_t i = 0; i < in.trust.warnings.n; i++)
		irsa_plan_warn(&plan.plan, "%s", in.trust.warnings.items[i]);
	r = cli_plan_finish(ctx, &plan.plan, cli_flag(args, "dry-run"), err);
out:
	irsa_role_state_release(&state);
	irsa_role_plan_release(&plan);
	irsa_create_role_input_release(&in);
	return r;
}

const struct cli_command cli_cmd_create_role = {
	.name = "create-role",
	.summary = "Create or update the IAM role of service accounts, with its trust and permissions",
	.usage = "(--cluster NAME | --issuer-url URL)... (--namespace NS --service-account SA | --subject NS:SA)... [OPTIONS]\n"
		 "       --role-name NAME --trust-role-arn ARN... [--external-id ID] [OPTIONS]",
	.description =
		"Reads the role (GetRole, attached and inline policies), plans, and makes it\n"
		"match: creates it, or merges the missing service accounts and clusters into\n"
		"its trust policy (statements irsactl did not write are kept), updates the\n"
		"description, session duration, boundary and tags, attaches the missing\n"
		"managed policies and puts the templates and policy files as inline policies\n"
		"named irsactl-NAME. --managed-policy and --managed-policy-file make\n"
		"customer-managed policies instead (created, or given a new default version\n"
		"when the document changed, tagged managed-by=irsactl) and attach them; roles\n"
		"given the same template and parameters share one. Nothing is detached or\n"
		"deleted without --prune. Every issuer must already have an IAM OIDC provider\n"
		"(irsactl associate-oidc). With only --trust-role-arn (no service account, no\n"
		"cluster) the role is one that roles of other accounts assume (with\n"
		"--external-id, only when they give that ID). A second run sends no change\n"
		"and says 'unchanged'; --dry-run prints the plan: new documents in full,\n"
		"changed ones as a diff.",
	.options = create_options,
	.min_args = 0,
	.max_args = 0,
	.run = create_run,
	.examples =
		"  irsactl create-role --cluster demo --namespace default --service-account app \\\n"
		"      --policy s3-read:bucket=my-bucket,prefix=reports/\n"
		"  irsactl create-role --cluster demo --subject kube-system:cluster-autoscaler \\\n"
		"      --role-name demo-autoscaler --policy cluster-autoscaler --dry-run\n"
		"  irsactl create-role --cluster demo -n jobs -s worker \\\n"
		"      --managed-policy s3-readwrite:bucket=shared-data --managed-policy-file team.json\n"
		"  irsactl create-role --role-name data-reader --external-id team-a \\\n"
		"      --trust-role-arn arn:aws:iam::111122223333:role/irsa-demo-jobs-worker",
};
