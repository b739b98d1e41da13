/* irsactl delete-role: delete an IRSA role, or take service accounts or
 * one cluster out of its trust policy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "role-common.h"
#include "oidc-common.h"
#include "irsa/strutil.h"

static const struct cli_option delete_options[] = {
	{ "role-name", 0, "NAME", "the IAM role", 0, NULL },
	{ "remove-subject", 0, "NS:SA", "only take this service account out of the trust policy", OPT_REPEAT, NULL },
	{ "cluster", 'c', "NAME", "only the trust statement of this EKS cluster's issuer", 0, NULL },
	{ "issuer-url", 0, "URL", "only the trust statement of this OIDC issuer", 0, NULL },
	{ "force", 0, NULL, "delete the role even if irsactl did not make it", 0, NULL },
	{ "dry-run", 0, NULL, "print the plan, change nothing", 0, NULL },
	{ NULL },
};

struct delete_input {
	const char *role_name;
	const char *cluster;
	char *issuer;
	struct irsa_subject *subjects;
	size_t n_subjects;
	bool force, dry_run;
};

static void delete_input_release(struct delete_input *in)
{
	free(in->issuer);
	for (size_t i = 0; i < in->n_subjects; i++)
		irsa_subject_release(&in->subjects[i]);
	free(in->subjects);
}

static int parse_input(const struct cli_args *args, struct delete_input *in,
		       struct irsa_error *err)
{
	const char *const *list;
	size_t n;

	in->role_name = cli_arg(args, "role-name");
	if (!in->role_name)
		return irsa_error_set(err, IRSA_ERR_USAGE, "which role? give --role-name NAME");
	if (irsa_validate_role_name(in->role_name, err) < 0)
		return -1;
	if (cli_oidc_target(args, false, &in->cluster, &in->issuer, err) < 0)
		return -1;
	n = cli_arg_list(args, "remove-subject", &list);
	in->subjects = irsa_malloc0((n + 1) * sizeof(*in->subjects));
	for (size_t i = 0; i < n; i++) {
		if (irsa_subject_parse(list[i], IRSA_NAME_WILDCARD, &in->subjects[i], err) < 0)
			return irsa_error_prefix(err, "--remove-subject");
		in->n_subjects = i + 1;
	}
	in->force = cli_flag(args, "force");
	in->dry_run = cli_flag(args, "dry-run");
	return 0;
}

static int delete_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct delete_input in = { 0 };
	struct irsa_role_plan plan = { 0 };
	struct irsa_aws *aws;
	bool partial;
	int r = -1;

	if (parse_input(args, &in, err) < 0)
		goto out;
	aws = cli_aws(ctx, err);
	if (!aws)
		goto out;
	if (in.cluster && irsa_oidc_cluster_issuer(aws, in.cluster, false, &in.issuer, err) < 0)
		goto out;
	partial = in.n_subjects > 0 || in.issuer;
	if (partial ? irsa_role_plan_remove(aws, in.role_name,
					    in.issuer ? irsa_oidc_issuer_key(in.issuer) : NULL,
					    in.subjects, in.n_subjects, &plan, err) < 0
		    : irsa_role_plan_delete(aws, in.role_name, in.force, &plan, err) < 0)
		goto out;
	r = cli_role_finish(ctx, &plan, in.dry_run, err);
out:
	irsa_role_plan_release(&plan);
	delete_input_release(&in);
	return r;
}

const struct cli_command cli_cmd_delete_role = {
	.name = "delete-role",
	.summary = "Delete an IRSA role, or take service accounts or a cluster out of its trust",
	.usage = "--role-name NAME [--remove-subject NS:SA]... [--cluster NAME | --issuer-url URL] [--force] [--dry-run]",
	.description =
		"Without --remove-subject, --cluster or --issuer-url: detaches every managed\n"
		"policy, deletes every inline policy, then deletes the role. Only a role\n"
		"irsactl made (tag managed-by=irsactl, or an irsactl trust statement) is\n"
		"deleted without --force; a role that does not exist is reported 'absent'.\n"
		"With --remove-subject: takes those service accounts out of irsactl's trust\n"
		"statements (of one cluster with --cluster/--issuer-url) and keeps the rest.\n"
		"With only --cluster/--issuer-url: removes irsactl's statement for that\n"
		"issuer. The role itself is never deleted implicitly; irsactl says when none\n"
		"of its statements is left.",
	.options = delete_options,
	.min_args = 0,
	.max_args = 0,
	.run = delete_run,
	.examples =
		"  irsactl delete-role --role-name irsa-demo-default-app\n"
		"  irsactl delete-role --role-name shared --remove-subject jobs:worker\n"
		"  irsactl delete-role --role-name shared --cluster old-cluster --dry-run",
};
