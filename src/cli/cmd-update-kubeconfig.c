/* irsactl update-kubeconfig: add or refresh an EKS cluster's entry in a
 * kubeconfig, the way `aws eks update-kubeconfig` does, with the exec
 * plugin `irsactl token`. The work is in irsa/kubeconfig_update.h; this
 * file parses flags and prints results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "irsa/kubeconfig_update.h"
#include "irsa/strutil.h"

static const struct cli_option update_options[] = {
	{ "cluster", 'c', "NAME", "EKS cluster to add (DescribeCluster gives its endpoint and CA)", 0, NULL },
	{ "kubeconfig", 0, "PATH", "file to update (default: the first file in $KUBECONFIG, else ~/.kube/config)", 0, "file" },
	{ "alias", 0, "NAME", "context name (default: the cluster ARN)", 0, NULL },
	{ "dry-run", 'n', NULL, "print the resulting kubeconfig instead of writing it", 0, NULL },
	{ NULL },
};

static void print_text(const struct cli_ctx *ctx, const json_t *r, FILE *out)
{
	const char *change = json_string_value(json_object_get(r, "change"));
	const char *context = json_string_value(json_object_get(r, "context"));
	const char *file = json_string_value(json_object_get(r, "kubeconfig"));

	if (strcmp(change, "added") == 0)
		fprintf(out, "added context '%s' to '%s'\n", context, file);
	else if (strcmp(change, "updated") == 0)
		fprintf(out, "updated context '%s' in '%s'\n", context, file);
	else
		fprintf(out, "context '%s' in '%s' is up to date\n", context, file);
}

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
	if (o.alias && !*o.alias)
		return irsa_error_set(err, IRSA_ERR_USAGE, "--alias must not be empty");
	/* the file is read and checked before the AWS session is set up */
	if (irsa_kubeconfig_update_read(&o, &u, err) < 0)
		goto out;
	aws = cli_aws(ctx, err);
	if (!aws || irsa_kubeconfig_update_plan(aws, &u, err) < 0)
		goto out;
	if (dry_run) {
		fputs(u.content, stdout);
		cli_status(ctx, "dry run: '%s' not written (%s)", u.path,
			   u.change == IRSA_KUBECONFIG_UNCHANGED ? "it is up to date" : "it would change");
		r = 0;
		goto out;
	}
	if (irsa_kubeconfig_update_write(&u, err) < 0)
		goto out;
	r = cli_print_result(ctx, json_pack("{s:s, s:s, s:s, s:s, s:s}",
					    "kubeconfig", u.path,
					    "context", u.context,
					    "cluster", u.cluster_arn,
					    "server", u.server,
					    "change", irsa_kubeconfig_change_name(u.change)),
			     print_text);
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
