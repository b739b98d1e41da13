/* irsactl apply: every role and ServiceAccount of one or more files. The
 * reading is in irsa/apply.h (apply_read.c), the planning and execution in
 * apply.c; this file parses flags and prints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "irsa/apply.h"
#include "irsa/alloc.h"
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
	{ "prune", 0, NULL, "delete the roles of the files' scopes that they no longer list, and their annotations", 0, NULL },
	/* one service account without a file */
	{ "cluster", 'c', "NAME", "one-shot: the EKS cluster (instead of -f)", 0, NULL },
	{ "issuer-url", 0, "URL", "one-shot: a self-managed cluster's OIDC issuer (instead of --cluster)", 0, NULL },
	{ "context", 0, "NAME", "one-shot: kubeconfig context of the cluster (default: the current one)", 0, "context" },
	{ "namespace", 'n', "NS", "one-shot: namespace of the service account", 0, NULL },
	{ "service-account", 's', "SA", "one-shot: service account name", 0, NULL },
	{ "role-name", 0, "NAME", "one-shot: IAM role name (default: irsa-CLUSTER-NAMESPACE-SA)", 0, NULL },
	{ "role-only", 0, NULL, "one-shot: the role only, no ServiceAccount", 0, NULL },
	{ "policy", 'p', "TEMPLATE[:K=V,...]", "one-shot: built-in permission template (see 'irsactl policy list')", OPT_REPEAT, "policy-template" },
	{ "attach-policy-arn", 0, "ARN", "one-shot: managed policy to attach", OPT_REPEAT, NULL },
	{ "policy-file", 0, "FILE", "one-shot: a policy document to put as inline policy 'irsactl-file-NAME'", OPT_REPEAT, "file" },
	{ "tag", 0, "KEY=VALUE", "one-shot: role tag", OPT_REPEAT, NULL },
	{ "description", 0, "TEXT", "one-shot: role description", 0, NULL },
	{ "path", 0, "PATH", "one-shot: IAM path of a new role (default: /)", 0, NULL },
	{ "permissions-boundary", 0, "ARN", "one-shot: managed policy ARN to use as permissions boundary", 0, NULL },
	{ "max-session-duration", 0, "SECONDS", "one-shot: maximum session duration, 3600 to 43200", 0, NULL },
	{ "audience", 0, "AUD", "one-shot: token audience (default: sts.amazonaws.com)", 0, NULL },
	{ NULL },
};

static int read_files(const struct cli_args *args, struct irsa_apply_request *req,
		      struct irsa_error *err)
{
	const char *const *files;
	size_t n = cli_arg_list(args, "filename", &files);

	if (!n)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give the file to apply with -f FILE, or one service account "
				      "with --cluster NAME --namespace NS --service-account SA");
	for (size_t i = 0; i < n; i++)
		if (irsa_apply_read_path(files[i], req, err) < 0)
			return -1;
	return irsa_apply_request_check(req, err);
}

/* The flags of one-shot mode: any of them means "no file". */
static const char *const one_shot_flags[] = {
	"cluster", "issuer-url", "context", "namespace", "service-account", "role-name",
	"role-only", "policy", "attach-policy-arn", "policy-file", "tag", "description", "path",
	"permissions-boundary", "max-session-duration", "audience",
};

static const char *one_shot_flag_given(const struct cli_args *args)
{
	for (size_t i = 0; i < sizeof(one_shot_flags) / sizeof(one_shot_flags[0]); i++) {
		const char *const *values;

		if (cli_arg_list(args, one_shot_flags[i], &values) || cli_flag(args, one_shot_flags[i]))
			return one_shot_flags[i];
	}
	return NULL;
}

/* `irsactl apply --cluster C -n NS -s SA ...`: the flags into the
 * engine's one-shot struct. */
static int read_one_shot(const struct cli_args *args, struct irsa_apply_request *req,
			 struct irsa_error *err)
{
	struct irsa_apply_one one = {
		.cluster = cli_arg(args, "cluster"),
		.issuer_url = cli_arg(args, "issuer-url"),
		.context = cli_arg(args, "context"),
		.namespace_ = cli_arg(args, "namespace"),
		.name = cli_arg(args, "service-account"),
		.role_name = cli_arg(args, "role-name"),
		.path = cli_arg(args, "path"),
		.description = cli_arg(args, "description"),
		.permissions_boundary = cli_arg(args, "permissions-boundary"),
		.max_session_duration = cli_arg(args, "max-session-duration"),
		.audience = cli_arg(args, "audience"),
		.role_only = cli_flag(args, "role-only"),
	};

	one.n_policies = cli_arg_list(args, "policy", &one.policies);
	one.n_managed_arns = cli_arg_list(args, "attach-policy-arn", &one.managed_arns);
	one.n_policy_files = cli_arg_list(args, "policy-file", &one.policy_files);
	one.n_tags = cli_arg_list(args, "tag", &one.tags);
	return irsa_apply_request_add_one(&one, req, err);
}

/* -f FILE..., or one service account from flags; never both. */
static int read_request(const struct cli_args *args, struct irsa_apply_request *req,
			struct irsa_error *err)
{
	const char *const *files;
	const char *flag = one_shot_flag_given(args);

	if (!flag)
		return read_files(args, req, err);
	if (cli_arg_list(args, "filename", &files))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "-f and --%s cannot be combined: apply either files or one "
				      "service account given by flags", flag);
	if (cli_flag(args, "prune"))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--prune needs -f: a service account given by flags has no "
				      "scope whose roles could be pruned");
	return read_one_shot(args, req, err);
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

/* Progress on standard error. On a terminal (and CI unset) one status
 * line redrawn in place: done/total, failures, the last object finished;
 * cleared at the end. In CI (no terminal, or CI set) one plain line per
 * finished object. Nothing with --quiet. */
struct progress {
	const struct cli_ctx *ctx;
	bool live;
	size_t done, total, failed;
};

static void progress_start(struct progress *p, const struct cli_ctx *ctx,
			   const struct irsa_apply *a)
{
	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	p->live = !ctx->quiet && !ctx->debug && isatty(STDERR_FILENO) && !getenv("CI");
	p->total = a->n_providers + a->n_targets;
	for (size_t i = 0; i < a->n_roles; i++)
		p->total += !a->roles[i].external_arn;
}

/* The width of the terminal, for a status line that never wraps. */
static size_t terminal_columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static void progress_draw(const struct progress *p, const char *label, const char *status)
{
	_cleanup_free_ char *safe = cli_escape(label ? label : "?");
	_cleanup_free_ char *line = irsa_asprintf("apply: %zu/%zu done, %zu failed | %s %s",
						  p->done, p->total, p->failed, safe, status);
	size_t width = terminal_columns() - 1;

	if (strlen(line) > width)
		line[width] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
}

static void progress_line(void *userdata, const char *label, const char *status,
			  const char *failure)
{
	struct progress *p = userdata;

	p->done++;
	p->failed += failure != NULL;
	if (p->live)
		progress_draw(p, label, status);
	else if (failure)
		cli_status(p->ctx, "%s failed: %s", label ? label : "?", failure);
	else
		cli_status(p->ctx, "%s %s", label ? label : "?", status);
}

static void progress_end(const struct progress *p)
{
	if (p->live && p->done) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
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

/* --prune's part of the text report and of the failures. */
static void print_prune_text(const struct irsa_apply_prune *p, FILE *out)
{
	for (size_t i = 0; i < p->n_roles; i++) {
		const struct irsa_apply_prune_role *r = &p->roles[i];

		for (size_t k = 0; r->planned && k < r->n_sas; k++)
			cli_plan_print_text(&r->sas[k]->plan.plan, out);
		if (r->planned && !r->failed)
			cli_plan_print_text(&r->plan.plan, out);
	}
}

static void log_prune(struct cli_ctx *ctx, const struct irsa_apply_prune *p, bool failures)
{
	for (size_t i = 0; i < p->n_roles; i++) {
		const struct irsa_apply_prune_role *r = &p->roles[i];

		if (!failures && r->planned)
			log_plan_messages(ctx, &r->plan.plan);
		if (failures && r->failed)
			cli_log(ctx, CLI_LOG_WARN, "pruning role '%s' failed: %s",
				r->plan.role_name ? r->plan.role_name : "?", r->failure);
	}
	if (failures && p->failure)
		cli_log(ctx, CLI_LOG_WARN, "%s", p->failure);
}

static int report(struct cli_ctx *ctx, const struct irsa_apply *a,
		  const struct irsa_apply_prune *prune, bool dry_run)
{
	json_t *j;

	if (ctx->output == CLI_OUTPUT_TEXT) {
		print_text(a, stdout);
		print_prune_text(prune, stdout);
		return 0;
	}
	j = irsa_apply_to_json(a);
	irsa_apply_prune_to_json(prune, j);
	json_object_set_new(j, "dry_run", json_boolean(dry_run));
	json_object_set_new(j, "changed",
			    json_boolean(irsa_apply_changed(a) || irsa_apply_prune_changed(prune)));
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
	struct irsa_apply_prune prune = { 0 };
	bool do_prune = cli_flag(args, "prune");
	struct irsa_account *acct;
	int r = -1;

	o.n_include = cli_arg_list(args, "include", &o.include);
	o.n_exclude = cli_arg_list(args, "exclude", &o.exclude);
	if (read_request(args, &req, err) < 0 ||
	    (do_prune && irsa_apply_prune_check(&req, &o, err) < 0))
		goto out;
	for (size_t i = 0; i < req.notes.n; i++)
		cli_log(ctx, CLI_LOG_INFO, "%s", req.notes.items[i]);
	if (set_concurrency(ctx, cli_arg(args, "concurrency"), err) < 0)
		goto out;
	acct = cli_account(ctx, err);
	if (!acct || irsa_apply_plan(acct, &req, &o, &a, err) < 0 ||
	    (do_prune && irsa_apply_prune_plan(acct, &a, &prune, err) < 0))
		goto out;
	log_prune(ctx, &prune, false);
	for (size_t i = 0; i < a.n_providers; i++)
		log_plan_messages(ctx, &a.providers[i].plan.plan);
	for (size_t i = 0; i < a.n_roles; i++)
		log_plan_messages(ctx, &a.roles[i].plan.plan);
	for (size_t i = 0; i < a.n_associations; i++)
		log_plan_messages(ctx, &a.associations[i].plan);
	for (size_t i = 0; i < a.n_targets; i++)
		log_plan_messages(ctx, object_plan(&a.targets[i]));
	if (!o.dry_run) {
		struct progress p;

		progress_start(&p, ctx, &a);
		irsa_apply_execute(&a, progress_line, &p);
		irsa_apply_prune_execute(&prune, &a, progress_line, &p);
		progress_end(&p);
	}
	if (report(ctx, &a, &prune, o.dry_run) < 0)
		goto out;
	if (a.n_failed || prune.n_failed) {
		log_failures(ctx, &a);
		log_prune(ctx, &prune, true);
		r = irsa_error_set(err, a.n_failed ? a.failure_kind : prune.failure_kind,
				   "%zu of %zu objects failed; running the same command again "
				   "completes the rest", a.n_failed + prune.n_failed,
				   a.n_providers + a.n_roles + a.n_targets + prune.n_roles +
				   (prune.failure ? 1 : 0) + a.n_associations);
		goto out;
	}
	if (cli_flag(args, "detailed-exitcode") &&
	    (irsa_apply_changed(&a) || irsa_apply_prune_changed(&prune)))
		ctx->exit_code = APPLY_EXIT_CHANGES;
	r = 0;
out:
	irsa_apply_prune_release(&prune);
	irsa_apply_release(&a);
	irsa_apply_request_release(&req);
	return r;
}

const struct cli_command cli_cmd_apply = {
	.name = "apply",
	.summary = "Make the roles and ServiceAccounts of one or more files exist as written",
	.usage = "-f FILE|DIR|- ... [--prune] [--dry-run] [--detailed-exitcode] [--include GLOB]... [--exclude GLOB]...\n"
		 "       irsactl apply (--cluster NAME | --issuer-url URL) -n NS -s SA [--policy T]... [--attach-policy-arn ARN]... [OPTIONS]",
	.description =
		"Reads irsactl's own format (irsactl.io/v1alpha1 ServiceAccountSet) and eksctl\n"
		"ClusterConfig files strictly (an unknown field is an error at FILE:LINE:COLUMN),\n"
		"resolves the account, clusters and OIDC providers, reads every role and\n"
		"ServiceAccount, plans each object and, unless --dry-run, executes: roles\n"
		"first, then the ServiceAccounts that name them. A failing object does not\n"
		"stop the others; the summary names what failed and a re-run completes the\n"
		"rest. A second run sends no change. See irsactl-apply(1) for the format.\n\n"
		"--prune also deletes the roles tagged with the files' scope (irsactl.io/scope)\n"
		"that they no longer list, after taking irsactl's annotations off their\n"
		"ServiceAccounts. Without -f, the one-shot flags give one service account: its\n"
		"cluster's OIDC provider (created when missing), role and ServiceAccount.",
	.options = apply_options,
	.min_args = 0,
	.max_args = 0,
	.run = apply_run,
	.examples =
		"  irsactl apply -f examples/irsactl.yaml --dry-run\n"
		"  irsactl apply -f cluster.yaml -f irsa/ --detailed-exitcode\n"
		"  irsactl apply -f - --include 'payments/*' < irsa.yaml\n"
		"  irsactl apply -f irsa.yaml --prune --dry-run\n"
		"  irsactl apply --cluster prod -n payments -s api --policy s3-read:bucket=reports",
};
