/* irsactl pod-identity create | list | delete: EKS Pod Identity
 * associations and their roles (the engine is src/domain/pod_identity_apply.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "irsa/pod_identity.h"
#include "irsa/strutil.h"

static const struct cli_option pod_identity_options[] = {
	{ "cluster", 'c', "NAME", "the EKS cluster", 0, NULL },
	{ "namespace", 'n', "NS", "the service account's namespace (list: only this namespace)", 0, NULL },
	{ "service-account", 's', "SA", "the service account (an exact name)", 0, NULL },
	{ "role-name", 0, "NAME", "create: create or update this role with the Pod Identity trust", 0, NULL },
	{ "role-arn", 0, "ARN", "create: associate this role as it is", 0, NULL },
	{ "path", 0, "PATH", "create: IAM path of a new role (default: /)", 0, NULL },
	{ "description", 0, "TEXT", "create: role description", 0, NULL },
	{ "permissions-boundary", 0, "ARN", "create: managed policy ARN to use as permissions boundary", 0, NULL },
	{ "max-session-duration", 0, "SECONDS", "create: maximum session duration, 3600 to 43200", 0, NULL },
	{ "tag", 0, "KEY=VALUE", "create: tag of the role and of a new association", OPT_REPEAT, NULL },
	{ "attach-policy-arn", 0, "ARN", "create: managed policy to attach to the role", OPT_REPEAT, NULL },
	{ "policy", 'p', "TEMPLATE[:K=V,...]", "create: built-in permission template (see 'irsactl policy list')", OPT_REPEAT, "policy-template" },
	{ "policy-file", 0, "FILE", "create: a policy document to put as inline policy 'irsactl-file-NAME'", OPT_REPEAT, "file" },
	{ "managed-policy", 0, "TEMPLATE[:K=V,...]", "create: a template as customer-managed policy (created or updated, attached)", OPT_REPEAT, "policy-template" },
	{ "managed-policy-file", 0, "FILE", "create: a policy document as customer-managed policy 'irsactl-file-NAME'", OPT_REPEAT, "file" },
	{ "prune", 0, NULL, "create: detach managed policies and delete irsactl-* inline policies not asked for", 0, NULL },
	{ "target-role-arn", 0, "ARN", "create: a role EKS assumes with the association's role (role chaining)", 0, NULL },
	{ "disable-session-tags", 0, NULL, "create: no EKS session tags (kubernetes-namespace, ...)", 0, NULL },
	{ "require-agent", 0, NULL, "create: fail when the eks-pod-identity-agent add-on is not ACTIVE", 0, NULL },
	{ "delete-role", 0, NULL, "delete: also delete the association's role, if irsactl made it", 0, NULL },
	{ "dry-run", 0, NULL, "create, delete: print the plan, change nothing", 0, NULL },
	{ NULL },
};

/* The options each subcommand takes; any other of the table is refused. */
static const char *const create_takes[] = {
	"cluster", "namespace", "service-account", "role-name", "role-arn", "path", "description",
	"permissions-boundary", "max-session-duration", "tag", "attach-policy-arn", "policy",
	"policy-file", "managed-policy", "managed-policy-file", "prune", "target-role-arn", "disable-session-tags", "require-agent",
	"dry-run", NULL,
};
static const char *const list_takes[] = { "cluster", "namespace", NULL };
static const char *const delete_takes[] = {
	"cluster", "namespace", "service-account", "delete-role", "dry-run", NULL,
};

static bool takes(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

static bool given(const struct cli_args *args, const struct cli_option *o)
{
	const char *const *list;

	if (!o->arg)
		return cli_flag(args, o->name);
	if (o->flags & OPT_REPEAT)
		return cli_arg_list(args, o->name, &list) > 0;
	return cli_arg(args, o->name) != NULL;
}

static int check_options(const struct cli_args *args, const char *sub, const char *const *names,
			 struct irsa_error *err)
{
	for (const struct cli_option *o = pod_identity_options; o->name; o++)
		if (!takes(names, o->name) && given(args, o))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "'pod-identity %s' takes no --%s", sub, o->name);
	return 0;
}

static void role_request(const struct cli_args *args, struct irsa_create_role_request *r)
{
	r->path = cli_arg(args, "path");
	r->description = cli_arg(args, "description");
	r->permissions_boundary = cli_arg(args, "permissions-boundary");
	r->max_session_duration = cli_arg(args, "max-session-duration");
	r->n_tags = cli_arg_list(args, "tag", &r->tags);
	r->n_managed_arns = cli_arg_list(args, "attach-policy-arn", &r->managed_arns);
	r->n_policies = cli_arg_list(args, "policy", &r->policies);
	r->n_policy_files = cli_arg_list(args, "policy-file", &r->policy_files);
	r->n_managed_policies = cli_arg_list(args, "managed-policy", &r->managed_policies);
	r->n_managed_policy_files = cli_arg_list(args, "managed-policy-file",
						 &r->managed_policy_files);
	r->prune = cli_flag(args, "prune");
}

static int create_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct irsa_pod_identity_create_request req = {
		.cluster = cli_arg(args, "cluster"),
		.namespace_ = cli_arg(args, "namespace"),
		.service_account = cli_arg(args, "service-account"),
		.role_name = cli_arg(args, "role-name"),
		.role_arn = cli_arg(args, "role-arn"),
		.target_role_arn = cli_arg(args, "target-role-arn"),
		.disable_session_tags = cli_flag(args, "disable-session-tags"),
		.require_agent = cli_flag(args, "require-agent"),
	};
	struct irsa_pod_identity_plan plan;
	struct irsa_account *acct;
	int r = -1;

	role_request(args, &req.role);
	if (irsa_pod_identity_create_parse(&req, &plan, err) < 0)
		goto out;
	acct = cli_account(ctx, err);
	if (!acct || irsa_pod_identity_create_plan(acct, &plan, err) < 0)
		goto out;
	r = cli_plan_finish(ctx, &plan.plan, cli_flag(args, "dry-run"), err);
out:
	irsa_pod_identity_plan_release(&plan);
	return r;
}

static int delete_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct irsa_pod_identity_delete_request req = {
		.cluster = cli_arg(args, "cluster"),
		.namespace_ = cli_arg(args, "namespace"),
		.service_account = cli_arg(args, "service-account"),
		.delete_role = cli_flag(args, "delete-role"),
	};
	struct irsa_pod_identity_plan plan;
	struct irsa_account *acct;
	int r = -1;

	if (irsa_pod_identity_delete_parse(&req, &plan, err) < 0)
		goto out;
	acct = cli_account(ctx, err);
	if (!acct || irsa_pod_identity_delete_plan(acct, &plan, err) < 0)
		goto out;
	r = cli_plan_finish(ctx, &plan.plan, cli_flag(args, "dry-run"), err);
out:
	irsa_pod_identity_plan_release(&plan);
	return r;
}

static const char *str_or(const json_t *o, const char *key, const char *none)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : none;
}

static void list_text(const struct cli_ctx *ctx, const json_t *result, FILE *out)
{
	size_t i;
	json_t *a;

	(void)ctx;
	fprintf(out, "%-40s %-60s %-22s %-12s %s\n", "SERVICE ACCOUNT", "ROLE", "ASSOCIATION",
		"SESSION TAGS", "TARGET ROLE");
	json_array_foreach(json_object_get(result, "associations"), i, a) {
		_cleanup_free_ char *who = irsa_asprintf("%s/%s", str_or(a, "namespace", ""),
							 str_or(a, "service_account", ""));
		_cleanup_free_ char *safe_who = cli_escape(who);
		_cleanup_free_ char *role = cli_escape(str_or(a, "role_arn", "-"));
		_cleanup_free_ char *target = cli_escape(str_or(a, "target_role_arn", "-"));
		_cleanup_free_ char *id = cli_escape(str_or(a, "association_id", "-"));

		fprintf(out, "%-40s %-60s %-22s %-12s %s\n", safe_who, role, id,
			json_is_true(json_object_get(a, "disable_session_tags")) ? "off" : "on",
			target);
	}
}

static int list_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct irsa_aws *aws;
	json_t *list = NULL;

	aws = cli_aws(ctx, err);
	if (!aws || irsa_pod_identity_list(aws, cli_arg(args, "cluster"), cli_arg(args, "namespace"),
					   &list, err) < 0)
		return -1;
	return cli_print_result(ctx, json_pack("{s:s, s:o}", "cluster", cli_arg(args, "cluster"),
					       "associations", list),
				list_text);
}

static int pod_identity_run(struct cli_ctx *ctx, const struct cli_args *args,
			    struct irsa_error *err)
{
	const char *const *pos;
	const char *sub = cli_positional(args, &pos) ? pos[0] : "";

	if (strcmp(sub, "create") == 0)
		return check_options(args, sub, create_takes, err) < 0 ? -1
								       : create_run(ctx, args, err);
	if (strcmp(sub, "list") == 0)
		return check_options(args, sub, list_takes, err) < 0 ? -1 : list_run(ctx, args, err);
	if (strcmp(sub, "delete") == 0)
		return check_options(args, sub, delete_takes, err) < 0 ? -1
								       : delete_run(ctx, args, err);
	return irsa_error_set(err, IRSA_ERR_USAGE,
			      "unknown 'pod-identity' subcommand '%s'; use 'create', 'list' or "
			      "'delete'", sub);
}

/* The options of the subcommand typed; before one, all of them. */
static bool option_applies(const char *const *words, size_t n, const char *name)
{
	if (n == 0)
		return true;
	if (strcmp(words[0], "create") == 0)
		return takes(create_takes, name);
	if (strcmp(words[0], "list") == 0)
		return takes(list_takes, name);
	if (strcmp(words[0], "delete") == 0)
		return takes(delete_takes, name);
	return true;
}

static void complete_args(const char *const *words, size_t n)
{
	(void)words;
	if (n == 0)
		printf("create\nlist\ndelete\n");
}

const struct cli_command cli_cmd_pod_identity = {
	.name = "pod-identity",
	.summary = "Create, list or delete EKS Pod Identity associations and their roles",
	.usage = "create --cluster NAME -n NS -s SA (--role-name NAME | --role-arn ARN) [OPTIONS]\n"
		 "       irsactl pod-identity list --cluster NAME [-n NS]\n"
		 "       irsactl pod-identity delete --cluster NAME -n NS -s SA [--delete-role] [--dry-run]",
	.description =
		"'pod-identity create' checks the cluster (DescribeCluster) and the\n"
		"eks-pod-identity-agent add-on (a warning when it is not ACTIVE; an error with\n"
		"--require-agent), then with --role-name creates or updates the role as\n"
		"create-role does, with the EKS Pod Identity trust (Service\n"
		"pods.eks.amazonaws.com, sts:AssumeRole and sts:TagSession; statements irsactl\n"
		"did not write are kept) and the permissions asked for, and finally creates the\n"
		"association, or updates it when its role, target role or session-tag setting\n"
		"differs. With --role-arn the role is used as it is. A second run sends no\n"
		"change and says 'unchanged'; --dry-run prints every planned step.\n"
		"\n"
		"'pod-identity list' prints the cluster's associations (every page), each with\n"
		"its role. 'pod-identity delete' deletes the service account's association\n"
		"('absent' when there is none) and with --delete-role its role, when irsactl\n"
		"made it.",
	.options = pod_identity_options,
	.min_args = 1,
	.max_args = 1,
	.run = pod_identity_run,
	.examples =
		"  irsactl pod-identity create --cluster demo -n apps -s web --role-name demo-web \\\n"
		"      --policy s3-read:bucket=my-bucket\n"
		"  irsactl pod-identity list --cluster demo -o json\n"
		"  irsactl pod-identity delete --cluster demo -n apps -s web --delete-role --dry-run",
	.complete_args = complete_args,
	.option_applies = option_applies,
};
