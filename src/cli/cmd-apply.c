/* irsactl apply: every role and ServiceAccount of one or more files. The
 * reading is in irsa/apply.h (apply_read.c), the planning and execution in
 * apply.c; this file parses flags and prints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "irsa/apply.h"
#include "irsa/log.h"

#define APPLY_EXIT_CHANGES 10

static const struct cli_option apply_options[] = {
	{ "filename", 'f', "FILE", "a file, a directory of *.yaml/*.yml/*.json, or '-' for stdin", OPT_REPEAT, "file" },
	{ "dry-run", 0, NULL, "print the plan, change nothing", 0, NULL },
	{ "detailed-exitcode", 0, NULL, "exit 0 when nothing had to change, 10 when changes were planned or made", 0, NULL },
	{ "include", 0, "GLOB", "only the service accounts whose NAMESPACE/NAME matches", OPT_REPEAT, NULL },
	{ "exclude", 0, "GLOB", "leave out the service accounts whose NAMESPACE/NAME matches", OPT_REPEAT, NULL },
	{ "concurrency", 0, "N", "AWS requests in flight at once (default: 8)", 0, NULL },
	{ "kubeconfig", 0, "PATH", "kubeconfig for the clusters' contexts (default: $KUBECONFIG, then ~/.kube/config)", 0, "file" },
	{ NULL },
};

static int read_files(const struct cli_args *args, struct irsa_apply_request *req,
		      struct irsa_error *err)
{
	const char *const *files;
	size_t n = cli_arg_list(args, "filename", &files);

	if (!n)
		return irsa_error_set(err, IRSA_ERR_USAGE, "give the file to apply with -f FILE");
	for (size_t i = 0; i < n; i++)
		if (irsa_apply_read_path(files[i], req, err) < 0)
			return -1;
	return irsa_apply_request_check(req, err);
}

static int set_concurrency(struct cli_ctx *ctx, const char *arg, struct irsa_error *err)
{
	char *end;
	long n;

	if (!arg)
		return 0;
	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || *end || end == arg || n < 1 || n > 64)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--concurrency '%s' is not a number from 1 to 64", arg);
	if (!cli_aws(ctx, err))
		return -1;
	irsa_aws_set_concurrency(ctx->aws, (size_t)n);
	return 0;
}

/* In CI (no terminal, or CI set) one plain line per finished object. */
static void progress_line(void *userdata, const char *label, const char *status,
			  const char *failure)
{
	const struct cli_ctx *ctx = userdata;

	if (isatty(STDERR_FILENO) && !getenv("CI"))
		return;
	if (failure)
		cli_status(ctx, "%s failed: %s", label ? label : "?", failure);
	else
		cli_status(ctx, "%s %s", label ? label : "?", status);
}

static void log_plan_messages(struct cli_ctx *ctx, const struct irsa_plan *plan)
{
	for (size_t i = 0; i < plan->notes.n; i++)
		cli_log(ctx, CLI_LOG_INFO, "%s", plan->notes.items[i]);
	for (size_t i = 0; i < plan->warnings.n; i++)
		cli_log(ctx, CLI_LOG_WARN, "%s", plan->warnings.items[i]);
}

static const struct irsa_plan *object_plan(const struct irsa_apply_object *o)
{
	return o->is_file ? &o->file_plan.plan : &o->plan.plan;
}

static void print_text(const struct irsa_apply *a, FILE *out)
{
	for (size_t i = 0; i < a->n_providers; i++)
		if (a->providers[i].planned && !a->providers[i].failed)
			cli_plan_print_text(&a->providers[i].plan.plan, out);
	for (size_t i = 0; i < a->n_roles; i++)
		if (a->roles[i].planned && !a->roles[i].failed)
			cli_plan_print_text(&a->roles[i].plan.plan, out);
	for (size_t i = 0; i < a->n_associations; i++)
		if (a->associations[i].planned && !a->associations[i].failed)
			cli_plan_print_text(&a->associations[i].plan, out);
	for (size_t i = 0; i < a->n_targets; i++)
		if (a->targets[i].planned && !a->targets[i].failed)
			cli_plan_print_text(object_plan(&a->targets[i]), out);
}

static void log_failures(struct cli_ctx *ctx, const struct irsa_apply *a)
{
	for (size_t i = 0; i < a->n_providers; i++)
		if (a->providers[i].failed)
			cli_log(ctx, CLI_LOG_WARN, "OIDC provider of '%s' failed: %s",
				a->req->clusters[a->providers[i].cluster].name ?
				a->req->clusters[a->providers[i].cluster].name :
				a->req->clusters[a->providers[i].cluster].issuer_url,
				a->providers[i].failure);
	for (size_t i = 0; i < a->n_roles; i++)
		if (a->roles[i].failed)
			cli_log(ctx, CLI_LOG_WARN, "role '%s' failed: %s",
				a->roles[i].plan.role_name ? a->roles[i].plan.role_name :
				a->roles[i].in.role_name ? a->roles[i].in.role_name :
				a->roles[i].role_name ? a->roles[i].role_name : "(unnamed)",
				a->roles[i].failure);
	for (size_t i = 0; i < a->n_targets; i++)
		if (a->targets[i].failed)
			cli_log(ctx, CLI_LOG_WARN, "service account '%s/%s' failed: %s",
				a->req->sas[a->targets[i].sa].namespace_,
				a->req->sas[a->targets[i].sa].name, a->targets[i].failure);
	for (size_t i = 0; i < a->n_associations; i++)
		if (a->associations[i].failed)
			cli_log(ctx, CLI_LOG_WARN, "%s failed: %s", a->associations[i].plan.label,
				a->associations[i].failure);
}

static int report(struct cli_ctx *ctx, const struct irsa_apply *a, bool dry_run)
{
	json_t *j;

	if (ctx->output == CLI_OUTPUT_TEXT) {
		print_text(a, stdout);
		return 0;
	}
	j = irsa_apply_to_json(a);
	json_object_set_new(j, "dry_run", json_boolean(dry_run));
	json_object_set_new(j, "changed", json_boolean(irsa_apply_changed(a)));
	return cli_print_result(ctx, j, NULL);
}

static int apply_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct irsa_apply_request req = { 0 };
	struct irsa_apply_options o = {
		.kubeconfig = cli_arg(args, "kubeconfig"),
		.dry_run = cli_flag(args, "dry-run"),
	};
	struct irsa_apply a = { 0 };
	struct irsa_account *acct;
	int r = -1;

	o.n_include = cli_arg_list(args, "include", &o.include);
	o.n_exclude = cli_arg_list(args, "exclude", &o.exclude);
	if (read_files(args, &req, err) < 0)
		goto out;
	for (size_t i = 0; i < req.notes.n; i++)
		cli_log(ctx, CLI_LOG_INFO, "%s", req.notes.items[i]);
	if (set_concurrency(ctx, cli_arg(args, "concurrency"), err) < 0)
		goto out;
	acct = cli_account(ctx, err);
	if (!acct || irsa_apply_plan(acct, &req, &o, &a, err) < 0)
		goto out;
	for (size_t i = 0; i < a.n_providers; i++)
		log_plan_messages(ctx, &a.providers[i].plan.plan);
	for (size_t i = 0; i < a.n_roles; i++)
		log_plan_messages(ctx, &a.roles[i].plan.plan);
	for (size_t i = 0; i < a.n_associations; i++)
		log_plan_messages(ctx, &a.associations[i].plan);
	for (size_t i = 0; i < a.n_targets; i++)
		log_plan_messages(ctx, object_plan(&a.targets[i]));
	if (!o.dry_run)
		irsa_apply_execute(&a, progress_line, ctx);
	if (report(ctx, &a, o.dry_run) < 0)
		goto out;
	if (a.n_failed) {
		log_failures(ctx, &a);
		r = irsa_error_set(err, a.failure_kind, "%zu of %zu objects failed; running the same "
				   "command again completes the rest", a.n_failed,
				   a.n_providers + a.n_roles + a.n_targets + a.n_associations);
		goto out;
	}
	if (cli_flag(args, "detailed-exitcode") && irsa_apply_changed(&a))
		ctx->exit_code = APPLY_EXIT_CHANGES;
	r = 0;
out:
	irsa_apply_release(&a);
	irsa_apply_request_release(&req);
	return r;
}

const struct cli_command cli_cmd_apply = {
	.name = "apply",
	.summary = "Make the roles and ServiceAccounts of one or more files exist as written",
	.usage = "-f FILE|DIR|- ... [--dry-run] [--detailed-exitcode] [--include GLOB]... [--exclude GLOB]...",
	.description =
		"Reads irsactl's own format (irsactl.io/v1alpha1 ServiceAccountSet) and eksctl\n"
		"ClusterConfig files strictly (an unknown field is an error at FILE:LINE:COLUMN),\n"
		"resolves the account, clusters and OIDC providers, reads every role and\n"
		"ServiceAccount, plans each object and, unless --dry-run, executes: roles\n"
		"first, then the ServiceAccounts that name them. A failing object does not\n"
		"stop the others; the summary names what failed and a re-run completes the\n"
		"rest. A second run sends no change. See irsactl-apply(1) for the format.",
	.options = apply_options,
	.min_args = 0,
	.max_args = 0,
	.run = apply_run,
	.examples =
		"  irsactl apply -f examples/irsactl.yaml --dry-run\n"
		"  irsactl apply -f cluster.yaml -f irsa/ --detailed-exitcode\n"
		"  irsactl apply -f - --include 'payments/*' < irsa.yaml",
};
