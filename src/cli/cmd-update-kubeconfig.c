/* irsactl update-kubeconfig: add or refresh an EKS cluster's entry in a
 * kubeconfig, the way `aws eks update-kubeconfig` does, with the exec
 * plugin `irsactl token`. The work and the plan are in
 * irsa/kubeconfig_update.h; this file parses flags and finishes the plan. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "irsa/kubeconfig_update.h"
#include "irsa/strutil.h"

static const struct cli_option update_options[] = {
	{ "cluster", 'c', "NAME", "EKS cluster to add (DescribeCluster gives its endpoint and CA)", 0, NULL },
	{ "kubeconfig", 0, "PATH", "file to update (default: the first file in $KUBECONFIG, else ~/.kube/config)", 0, "file" },
	{ "alias", 0, "NAME", "context name (default: the cluster ARN)", 0, NULL },
	{ "dry-run", 0, NULL, "print the plan (with a diff of the file), write nothing", 0, NULL },
	{ NULL },
};

static int update_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct irsa_kubeconfig_update_options o = {
		.cluster = cli_arg(args, "cluster"),
		.alias = cli_arg(args, "alias"),
		.path = cli_arg(args, "kubeconfig"),
		.env_list = getenv("KUBECONFIG"),
	};
	bool dry_run = cli_flag(args, "dry-run");
	struct irsa_kubeconfig_update u = { 0 };
	struct irsa_aws *aws;
	int r = -1;

	if (irsa_str_empty(o.cluster))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "'update-kubeconfig' needs --cluster NAME (the EKS cluster name)");
	/* the file is read and checked before the AWS session is set up */
	if (irsa_kubeconfig_update_read(&o, &u, err) < 0)
		goto out;
	aws = cli_aws(ctx, err);
	if (!aws || irsa_kubeconfig_update_plan(aws, &u, err) < 0)
		goto out;
	r = cli_plan_finish(ctx, &u.plan, dry_run, err);
out:
	irsa_kubeconfig_update_release(&u);
	return r;
}

const struct cli_command cli_cmd_update_kubeconfig = {
	.name = "update-kubeconfig",
	.summary = "Add an EKS cluster to a kubeconfig, authenticated by 'irsactl token'",
	.usage = "--cluster NAME [--kubeconfig PATH] [--alias NAME] [--dry-run]",
	.description =
		"Calls EKS DescribeCluster and writes the cluster (endpoint and certificate\n"
		"authority), a user whose exec plugin is 'irsactl token --cluster NAME --region\n"
		"REGION' (with AWS_PROFILE when a profile was chosen), and a context named after\n"
		"the cluster ARN (or --alias) into the kubeconfig, and makes it the current\n"
		"context, as 'aws eks update-kubeconfig' does. Entries of the same names are\n"
		"replaced; everything else in the file is kept (comments are not, when the file\n"
		"changes). The file is written atomically with mode 0600, and not at all when\n"
		"nothing changes.",
	.options = update_options,
	.min_args = 0,
	.max_args = 0,
	.run = update_run,
	.examples = "  irsactl update-kubeconfig --cluster demo\n"
		    "  irsactl update-kubeconfig --cluster demo --alias demo --kubeconfig ./kubeconfig\n"
		    "  irsactl update-kubeconfig --cluster demo --dry-run",
};
