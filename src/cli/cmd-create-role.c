/* irsactl create-role: create or update the IAM role of service accounts:
 * trust policy, settings, managed policies and built-in templates. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "role-common.h"
#include "irsa/fileutil.h"
#include "irsa/iam_rules.h"
#include "irsa/oidc.h"
#include "irsa/strutil.h"
#include "irsa/templates.h"
#include "irsa/trust.h"

#define POLICY_FILE_MAX (128u * 1024u)

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
	{ "audience", 0, "AUD", "token audience (default: sts.amazonaws.com)", 0, NULL },
	{ "trust-role-arn", 0, "ARN", "also let this IAM role or account assume the role (sts:AssumeRole)", OPT_REPEAT, NULL },
	{ "trust-policy-limit", 0, "CHARS", "trust policy size allowed by your IAM quota (default: 2048)", 0, NULL },
	{ "prune", 0, NULL, "detach managed policies and delete irsactl-* inline policies not asked for", 0, NULL },
	{ "dry-run", 0, NULL, "print the plan, change nothing", 0, NULL },
	{ NULL },
};

struct create_input {
	struct cli_trust_input trust;
	char *role_name;
	const char *path, *description, *boundary;
	int max_session;
	size_t trust_limit;
	struct irsa_tags tags;
	const char *const *managed;
	size_t n_managed;
	struct irsa_policy_ref *refs;
	size_t n_refs;
	char **file_names;
	json_t **file_docs;
	size_t n_files;
	bool prune, dry_run;
};

static void create_input_release(struct create_input *in)
{
	cli_trust_input_release(&in->trust);
	free(in->role_name);
	irsa_tags_release(&in->tags);
	for (size_t i = 0; i < in->n_refs; i++)
		irsa_policy_ref_release(&in->refs[i]);
	free(in->refs);
	for (size_t i = 0; i < in->n_files; i++) {
		free(in->file_names[i]);
		json_decref(in->file_docs[i]);
	}
	free(in->file_names);
	free(in->file_docs);
}

static int parse_int(const char *flag, const char *s, long min, long max, long *ret,
		     struct irsa_error *err)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < min || v > max)
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s '%s' is not a number from %ld to %ld",
				      flag, s, min, max);
	*ret = v;
	return 0;
}

/* "irsa-CLUSTER-NS-SA" when there is one service account without a
 * wildcard and one cluster or issuer. */
static int default_role_name(struct create_input *in, struct irsa_error *err)
{
	const struct cli_trust_input *t = &in->trust;
	_cleanup_free_ char *label = NULL;

	if (t->n_subjects != 1 || irsa_name_has_wildcard(t->subjects[0].ns) ||
	    irsa_name_has_wildcard(t->subjects[0].sa) || t->n_clusters + t->n_issuers != 1)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give --role-name: a default name needs exactly one cluster and "
				      "one service account without wildcards");
	label = t->n_clusters ? irsa_strdup(t->clusters[0]) : irsa_oidc_issuer_label(t->issuers[0]);
	in->role_name = irsa_default_role_name(label, t->subjects[0].ns, t->subjects[0].sa);
	return 0;
}

static int parse_policy_files(const struct cli_args *args, struct create_input *in,
			      struct irsa_error *err)
{
	const char *const *files;
	size_t n = cli_arg_list(args, "policy-file", &files);

	in->file_names = irsa_malloc0((n + 1) * sizeof(char *));
	in->file_docs = irsa_malloc0((n + 1) * sizeof(json_t *));
	for (size_t i = 0; i < n; i++) {
		struct irsa_buf text = IRSA_BUF_INIT;
		_cleanup_free_ char *what = irsa_asprintf("policy file '%s'", files[i]);

		if (irsa_file_read(files[i], POLICY_FILE_MAX, "policy file", &text, err) < 0) {
			/* a file the user named: a usage error, whatever the reason */
			err->kind = IRSA_ERR_USAGE;
			return -1;
		}
		if (irsa_policy_parse(irsa_buf_str(&text), what, &in->file_docs[i], err) < 0) {
			irsa_buf_release(&text);
			return -1;
		}
		irsa_buf_release(&text);
		in->n_files = i + 1;
		if (irsa_iam_check_policy(in->file_docs[i], IRSA_POLICY_PERMISSIONS, what, err) < 0)
			return -1;
		in->file_names[i] = irsa_policy_file_policy_name(files[i]);
		if (irsa_validate_policy_name(in->file_names[i], err) < 0)
			return irsa_error_prefix(err, "policy file '%s'", files[i]);
	}
	return 0;
}

/* Every flag checked before the first request. */
static int parse_input(const struct cli_args *args, struct create_input *in,
		       struct irsa_error *err)
{
	const char *const *list;
	const char *v;
	size_t n;
	long num;

	if (cli_trust_input_parse(args, true, true, &in->trust, err) < 0)
		return -1;
	if ((v = cli_arg(args, "role-name"))) {
		if (irsa_validate_role_name(v, err) < 0)
			return -1;
		in->role_name = irsa_strdup(v);
	} else if (default_role_name(in, err) < 0) {
		return -1;
	}
	in->path = cli_arg(args, "path");
	if (in->path && irsa_validate_iam_path(in->path, err) < 0)
		return -1;
	in->description = cli_arg(args, "description");
	if (in->description && irsa_validate_role_description(in->description, err) < 0)
		return -1;
	in->boundary = cli_arg(args, "permissions-boundary");
	if (in->boundary && irsa_validate_policy_arn(in->boundary, "--permissions-boundary", err) < 0)
		return -1;
	if ((v = cli_arg(args, "max-session-duration"))) {
		if (parse_int("--max-session-duration", v, 3600, 43200, &num, err) < 0)
			return -1;
		in->max_session = (int)num;
	}
	if ((v = cli_arg(args, "trust-policy-limit"))) {
		if (parse_int("--trust-policy-limit", v, 1, LONG_MAX, &num, err) < 0 ||
		    irsa_iam_check_trust_limit((size_t)num, err) < 0)
			return -1;
		in->trust_limit = (size_t)num;
	}
	n = cli_arg_list(args, "tag", &list);
	for (size_t i = 0; i < n; i++)
		if (irsa_tag_arg_parse(list[i], &in->tags, err) < 0)
			return -1;
	in->n_managed = cli_arg_list(args, "attach-policy-arn", &in->managed);
	for (size_t i = 0; i < in->n_managed; i++)
		if (irsa_validate_policy_arn(in->managed[i], "--attach-policy-arn", err) < 0)
			return -1;
	n = cli_arg_list(args, "policy", &list);
	in->refs = irsa_malloc0((n + 1) * sizeof(*in->refs));
	for (size_t i = 0; i < n; i++) {
		struct irsa_template_ctx tctx = {
			.cluster = in->trust.n_clusters == 1 ? in->trust.clusters[0] : NULL,
		};

		if (irsa_policy_ref_parse(list[i], &tctx, &in->refs[i], err) < 0)
			return -1;
		in->n_refs = i + 1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(in->refs[j].name, in->refs[i].name) == 0)
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "template '%s' is given twice; give it once "
						      "(list parameters take several values "
						      "separated by ';')", in->refs[i].name);
	}
	if (parse_policy_files(args, in, err) < 0)
		return -1;
	in->prune = cli_flag(args, "prune");
	in->dry_run = cli_flag(args, "dry-run");
	return 0;
}

static int render_policies(struct cli_ctx *ctx, struct create_input *in,
			   struct irsa_inline_policy *ret, json_t **docs, char **names,
			   struct irsa_error *err)
{
	struct irsa_template_ctx tctx = {
		.partition = in->trust.partition,
		.region = irsa_aws_region(ctx->aws),
		.account = in->trust.account_id,
		.cluster = in->trust.n_clusters == 1 ? in->trust.clusters[0] : NULL,
	};

	for (size_t i = 0; i < in->n_refs; i++) {
		if (irsa_template_render(&in->refs[i], &tctx, &docs[i], err) < 0)
			return -1;
		names[i] = irsa_template_policy_name(&in->refs[i]);
		ret[i] = (struct irsa_inline_policy){ names[i], docs[i] };
	}
	for (size_t i = 0; i < in->n_files; i++)
		ret[in->n_refs + i] = (struct irsa_inline_policy){ in->file_names[i], in->file_docs[i] };
	return 0;
}

/* Policy ARNs of another partition, refused before the first request. */
static int check_partition(struct cli_ctx *ctx, const struct create_input *in,
			   struct irsa_error *err)
{
	struct irsa_aws *aws = cli_aws(ctx, err);
	const char *partition;

	if (!aws)
		return -1;
	partition = irsa_aws_partition(aws)->id;
	if (in->boundary && irsa_validate_policy_arn_in(in->boundary, "--permissions-boundary",
							partition, err) < 0)
		return -1;
	for (size_t i = 0; i < in->n_managed; i++)
		if (irsa_validate_policy_arn_in(in->managed[i], "--attach-policy-arn", partition,
						err) < 0)
			return -1;
	return 0;
}

static int create_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct create_input in = { 0 };
	struct irsa_role_plan plan = { 0 };
	struct irsa_inline_policy *inl = NULL;
	json_t **docs = NULL, *trust = NULL;
	char **names = NULL;
	int r = -1;

	if (parse_input(args, &in, err) < 0 || check_partition(ctx, &in, err) < 0 ||
	    cli_trust_resolve(ctx, &in.trust, true, err) < 0 ||
	    cli_trust_render(&in.trust, &trust, err) < 0)
		goto out;
	inl = irsa_malloc0((in.n_refs + in.n_files + 1) * sizeof(*inl));
	docs = irsa_malloc0((in.n_refs + 1) * sizeof(*docs));
	names = irsa_malloc0((in.n_refs + 1) * sizeof(*names));
	if (render_policies(ctx, &in, inl, docs, names, err) < 0)
		goto out;
	{
		struct irsa_role_request req = {
			.role_name = in.role_name,
			.path = in.path,
			.description = in.description,
			.permissions_boundary = in.boundary,
			.max_session_duration = in.max_session,
			.tags = &in.tags,
			.trust = trust,
			.trust_limit = in.trust_limit,
			.managed_arns = in.managed,
			.n_managed_arns = in.n_managed,
			.inline_policies = inl,
			.n_inline_policies = in.n_refs + in.n_files,
			.prune = in.prune,
			.partition = in.trust.partition,
			.account = in.trust.account_id,
		};

		if (irsa_role_plan_apply(ctx->aws, &req, &plan, err) < 0)
			goto out;
	}
	r = cli_role_finish(ctx, &plan, in.dry_run, err);
out:
	for (size_t i = 0; docs && i < in.n_refs; i++) {
		json_decref(docs[i]);
		free(names[i]);
	}
	free(docs);
	free(names);
	free(inl);
	json_decref(trust);
	irsa_role_plan_release(&plan);
	create_input_release(&in);
	return r;
}

const struct cli_command cli_cmd_create_role = {
	.name = "create-role",
	.summary = "Create or update the IAM role of service accounts, with its trust and permissions",
	.usage = "(--cluster NAME | --issuer-url URL)... (--namespace NS --service-account SA | --subject NS:SA)... [OPTIONS]",
	.description =
		"Reads the role (GetRole, attached and inline policies), plans, and makes it\n"
		"match: creates it, or merges the missing service accounts and clusters into\n"
		"its trust policy (statements irsactl did not write are kept), updates the\n"
		"description, session duration, boundary and tags, attaches the missing\n"
		"managed policies and puts the templates and policy files as inline policies\n"
		"named irsactl-NAME. Nothing is detached or deleted without --prune. A second\n"
		"run sends no change and says 'unchanged'; --dry-run prints the plan with the\n"
		"full trust and permission documents.",
	.options = create_options,
	.min_args = 0,
	.max_args = 0,
	.run = create_run,
	.examples =
		"  irsactl create-role --cluster demo --namespace default --service-account app \\\n"
		"      --policy s3-read:bucket=my-bucket,prefix=reports/\n"
		"  irsactl create-role --cluster demo --subject kube-system:cluster-autoscaler \\\n"
		"      --role-name demo-autoscaler --policy cluster-autoscaler --dry-run",
};
