/* irsactl annotate-sa: the annotated ServiceAccount, as YAML on stdout,
 * a new file, merged into a manifest, or applied to a cluster. The work is
 * in irsa/serviceaccount.h and irsa/manifest.h; this file parses flags and
 * prints results. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "irsa/helm_values.h"
#include "irsa/kube.h"
#include "irsa/log.h"
#include "irsa/manifest.h"
#include "irsa/serviceaccount.h"
#include "irsa/strutil.h"

static const struct cli_option annotate_options[] = {
	{ "namespace", 'n', "NS", "namespace of the ServiceAccount (with --apply: default the context's namespace)", 0, NULL },
	{ "service-account", 's', "NAME", "name of the ServiceAccount", 0, NULL },
	{ "role-arn", 0, "ARN", "IAM role for eks.amazonaws.com/role-arn", 0, NULL },
	{ "role-name", 0, "NAME", "IAM role name; its ARN is looked up in IAM (GetRole)", 0, NULL },
	{ "path", 0, "PATH", "IAM path --role-name must have, like '/irsa/' (checked against the role)", 0, NULL },
	{ "audience", 0, "AUDIENCE", "eks.amazonaws.com/audience (the webhook's default is sts.amazonaws.com)", 0, NULL },
	{ "sts-regional-endpoints", 0, "BOOL", "eks.amazonaws.com/sts-regional-endpoints: true or false", 0, "true|false" },
	{ "token-expiration", 0, "SECONDS", "eks.amazonaws.com/token-expiration (the webhook allows 600 to 86400)", 0, NULL },
	{ "label", 'l', "KEY=VALUE", "an extra label (with --remove: a label KEY to take off)", OPT_REPEAT, NULL },
	{ "annotation", 'a', "KEY=VALUE", "an extra annotation (with --remove: an annotation KEY to take off)", OPT_REPEAT, NULL },
	{ "overwrite", 0, NULL, "replace an existing, different eks.amazonaws.com/role-arn", 0, NULL },
	{ "remove", 0, NULL, "take irsactl's annotations (and the --label/--annotation keys named) off", 0, NULL },
	{ "output-file", 0, "FILE", "write the ServiceAccount to FILE (replaced atomically, mode 0644)", 0, "file" },
	{ "manifest", 'f', "MANIFEST", "merge into this existing multi-document YAML file in place (with --format helm-values: a Helm values file)", 0, "file" },
	{ "format", 0, "FORMAT", "manifest (a ServiceAccount, the default) or helm-values (the chart's serviceAccount values: create, name, annotations)", 0, "manifest|helm-values" },
	{ "values-path", 0, "KEY[.KEY]", "where the chart takes the ServiceAccount values (default serviceAccount)", 0, NULL },
	{ "apply", 0, NULL, "apply to the cluster with server-side apply (field manager irsactl)", 0, NULL },
	{ "kubeconfig", 0, "PATH", "kubeconfig for --apply (default: $KUBECONFIG, then ~/.kube/config)", 0, "file" },
	{ "context", 0, "NAME", "kubeconfig context for --apply (default: the current context)", 0, "context" },
	{ "create-namespace", 0, NULL, "with --apply: create the namespace when it does not exist", 0, NULL },
	{ "force-conflicts", 0, NULL, "with --apply: take fields over from other field managers", 0, NULL },
	{ "dry-run", 0, NULL, "show what would change; write nothing (with --apply: a server-side dry run)", 0, NULL },
	{ NULL },
};

static int to_stdout(const struct cli_ctx *ctx, const struct irsa_sa_spec *s,
		     struct irsa_error *err)
{
	_cleanup_free_ char *yaml = NULL;

	if (ctx->output == CLI_OUTPUT_JSON)
		return cli_print_result(ctx, irsa_sa_spec_object(s), NULL);
	if (irsa_manifest_render(s, &yaml, err) < 0)
		return -1;
	fputs(yaml, stdout);
	return 0;
}

static int to_file(struct cli_ctx *ctx, const struct irsa_sa_spec *s, const char *path,
		   bool manifest, bool overwrite, bool dry_run, struct irsa_error *err)
{
	struct irsa_sa_file_plan p;
	int r;

	if (irsa_sa_plan_file(path, manifest, s, overwrite, &p, err) < 0)
		return -1;
	r = cli_plan_finish(ctx, &p.plan, dry_run, err);
	irsa_sa_file_plan_release(&p);
	return r;
}

static void namespace_progress(struct cli_ctx *ctx, const struct irsa_plan *plan)
{
	for (size_t i = 0; i < plan->n_actions; i++)
		if (strcmp(plan->actions[i].verb, "create-namespace") == 0)
			cli_status(ctx, "%s namespace '%s'",
				   plan->executed ? "created" : "would create",
				   plan->actions[i].target);
}

static int to_cluster(struct cli_ctx *ctx, struct irsa_sa_spec *s, const struct cli_args *args,
		      struct irsa_error *err)
{
	struct irsa_kube_options ko = {
		.kubeconfig = cli_arg(args, "kubeconfig"),
		.context = cli_arg(args, "context"),
	};
	struct irsa_sa_apply_options ao = {
		.overwrite = cli_flag(args, "overwrite"),
		.force_conflicts = cli_flag(args, "force-conflicts"),
		.create_namespace = cli_flag(args, "create-namespace"),
		.dry_run = cli_flag(args, "dry-run"),
	};
	_cleanup_(irsa_kube_freep) struct irsa_kube *k = NULL;
	struct irsa_sa_plan p;
	struct irsa_error aws_err = { 0 };
	int r;

	/* the AWS session lets the client make EKS tokens itself; without
	 * one the exec plugin runs as configured */
	ko.aws = cli_aws(ctx, &aws_err);
	if (!ko.aws)
		cli_log(ctx, CLI_LOG_DEBUG, "no AWS session for native EKS tokens: %s",
			aws_err.message);
	if (irsa_kube_open(&ko, &k, err) < 0)
		return -1;
	if (!s->namespace && irsa_sa_spec_set_namespace(s, irsa_kube_default_namespace(k), err) < 0)
		return -1;
	cli_log(ctx, CLI_LOG_DEBUG, "applying to context '%s' at '%s' (auth: %s)",
		irsa_kube_context_name(k), irsa_kube_server(k), irsa_kube_auth_method(k));
	if (irsa_sa_plan_apply(k, s, &ao, &p, err) < 0)
		return -1;
	r = cli_plan_finish(ctx, &p.plan, ao.dry_run, err);
	if (r == 0)
		namespace_progress(ctx, &p.plan);
	irsa_sa_plan_release(&p);
	return r;
}

/* --format helm-values: print the block, or merge it into -f VALUES. */
static int to_helm_values(struct cli_ctx *ctx, const struct irsa_sa_spec *s,
			  const char *values_path, const char *file, bool dry_run,
			  struct irsa_error *err)
{
	struct irsa_helm_values_spec hv = { values_path, s->name, true, s->annotations,
					    s->n_annotations };
	struct irsa_helm_values_plan p;
	_cleanup_free_ char *text = NULL;
	int r;

	if (!file) {
		if (ctx->output != CLI_OUTPUT_TEXT) {
			json_t *tree;

			if (irsa_helm_values_tree(&hv, &tree, err) < 0)
				return -1;
			return cli_print_result(ctx, tree, NULL);
		}
		if (irsa_helm_values_render(&hv, &text, err) < 0)
			return -1;
		fputs(text, stdout);
		return 0;
	}
	if (irsa_helm_values_plan_file(file, &hv, &p, err) < 0)
		return -1;
	r = cli_plan_finish(ctx, &p.plan, dry_run, err);
	irsa_helm_values_plan_release(&p);
	return r;
}

/* --format and --values-path: which output, and what goes with it. */
static int check_format(const struct cli_args *args, bool *ret_helm, struct irsa_error *err)
{
	const char *format = cli_arg(args, "format");
	static const char *const not_with_helm[] = { "output-file", "apply", "remove", "label" };

	*ret_helm = format && strcmp(format, "helm-values") == 0;
	if (format && !*ret_helm && strcmp(format, "manifest") != 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--format takes manifest or helm-values, not '%s'", format);
	if (!*ret_helm && cli_arg(args, "values-path"))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--values-path goes with --format helm-values");
	for (size_t i = 0; *ret_helm && i < ARRAY_SIZE(not_with_helm); i++)
		if (cli_arg(args, not_with_helm[i]) || cli_flag(args, not_with_helm[i]))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "--%s does not go with --format helm-values (print "
					      "the values, or merge them with -f VALUES)",
					      not_with_helm[i]);
	return 0;
}

static int annotate_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct irsa_sa_options o = {
		.namespace = cli_arg(args, "namespace"),
		.name = cli_arg(args, "service-account"),
		.role_arn = cli_arg(args, "role-arn"),
		.role_name = cli_arg(args, "role-name"),
		.role_path = cli_arg(args, "path"),
		.audience = cli_arg(args, "audience"),
		.sts_regional_endpoints = cli_arg(args, "sts-regional-endpoints"),
		.token_expiration = cli_arg(args, "token-expiration"),
		.remove = cli_flag(args, "remove"),
	};
	const char *file = cli_arg(args, "output-file"), *manifest = cli_arg(args, "manifest");
	bool apply = cli_flag(args, "apply"), dry_run = cli_flag(args, "dry-run");
	static const char *const apply_only[] = { "kubeconfig", "context", "create-namespace",
						  "force-conflicts" };
	struct irsa_sa_spec s;
	bool helm = false;
	int r = -1;

	if (check_format(args, &helm, err) < 0)
		return -1;
	if ((file != NULL) + (manifest != NULL) + apply > 1)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give only one of --output-file FILE, -f MANIFEST and --apply");
	for (size_t i = 0; i < ARRAY_SIZE(apply_only); i++)
		if (!apply && cli_arg(args, apply_only[i]))
			return irsa_error_set(err, IRSA_ERR_USAGE, "--%s goes with --apply",
					      apply_only[i]);
	o.n_labels = cli_arg_list(args, "label", &o.labels);
	o.n_annotations = cli_arg_list(args, "annotation", &o.annotations);

	if (irsa_sa_spec_build(&o, apply || helm, &s, err) < 0)
		goto out;
	for (size_t i = 0; i < s.n_warnings; i++)
		cli_log(ctx, CLI_LOG_WARN, "%s", s.warnings[i]);
	if (!s.role_resolved) {
		struct irsa_aws *aws = cli_aws(ctx, err);

		if (!aws || irsa_sa_spec_resolve_role(&s, aws, err) < 0)
			goto out;
		cli_log(ctx, CLI_LOG_DEBUG, "role '%s' is '%s'", s.role_name,
			irsa_sa_spec_role_arn(&s));
	}
	if (helm)
		r = to_helm_values(ctx, &s, cli_arg(args, "values-path"), manifest, dry_run, err);
	else if (apply)
		r = to_cluster(ctx, &s, args, err);
	else if (file || manifest)
		r = to_file(ctx, &s, file ? file : manifest, manifest != NULL,
			    cli_flag(args, "overwrite"), dry_run, err);
	else
		r = to_stdout(ctx, &s, err);
out:
	irsa_sa_spec_release(&s);
	return r;
}

const struct cli_command cli_cmd_annotate_sa = {
	.name = "annotate-sa",
	.summary = "Write or apply the ServiceAccount annotated for an IAM role",
	.usage = "--namespace NS --service-account NAME (--role-arn ARN | --role-name NAME [--path PATH])\n"
		 "       [--audience A] [--sts-regional-endpoints true|false] [--token-expiration SECONDS]\n"
		 "       [--label K=V ...] [--annotation K=V ...] [--overwrite] [--remove]\n"
		 "       [--output-file FILE | -f MANIFEST | --apply [--kubeconfig PATH] [--context NAME]\n"
		 "       [--create-namespace] [--force-conflicts]] [--dry-run]\n"
		 "       [--format helm-values [--values-path KEY[.KEY]] [-f VALUES]]",
	.description =
		"Builds the ServiceAccount that the EKS pod identity webhook needs: the annotation\n"
		"eks.amazonaws.com/role-arn and, when asked, eks.amazonaws.com/audience,\n"
		"eks.amazonaws.com/sts-regional-endpoints and eks.amazonaws.com/token-expiration,\n"
		"plus extra labels and annotations. By default it prints the YAML on stdout.\n"
		"--output-file writes a new file, -f merges into an existing manifest in place (only the\n"
		"lines irsactl owns change; other documents and comments are kept), and --apply\n"
		"sends it to the cluster with server-side apply as field manager 'irsactl'.\n"
		"An existing, different role ARN is only replaced with --overwrite. A second\n"
		"identical run changes nothing and reports 'unchanged'.\n"
		"--format helm-values gives the chart's values instead (serviceAccount: create,\n"
		"name, annotations; --values-path for charts that take them elsewhere): printed,\n"
		"or with -f merged into a values file in place, keeping its comments.",
	.options = annotate_options,
	.min_args = 0,
	.max_args = 0,
	.run = annotate_run,
	.examples =
		"  irsactl annotate-sa -n apps -s web --role-arn arn:aws:iam::111122223333:role/web\n"
		"  irsactl annotate-sa -n apps -s web --role-name web --sts-regional-endpoints true \\\n"
		"      --output-file sa.yaml\n"
		"  irsactl annotate-sa -n apps -s web --role-name web -f deploy/app.yaml\n"
		"  irsactl annotate-sa -s web --role-name web --apply --context prod --create-namespace\n"
		"  irsactl annotate-sa -n apps -s web --remove --apply\n"
		"  irsactl annotate-sa -s web --role-name web --format helm-values -f charts/web/values.yaml",
};
