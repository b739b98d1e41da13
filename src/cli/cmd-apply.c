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
	for (size_t i = 0; i < a.n_targets; i++)
		log_plan_messages(ctx, object_plan(&a.targets[i]));
	if (!o.dry_run) {
		struct progress p;

		progress_start(&p, ctx, &a);
		irsa_apply_execute(&a, progress_line, &p);
		progress_end(&p);
	}
	if (report(ctx, &a, o.dry_run) < 0)
		goto out;
	if (a.n_failed) {
		log_failures(ctx, &a);
		r = irsa_error_set(err, a.failure_kind, "%zu of %zu objects failed; running the same "
				   "command again completes the rest", a.n_failed,
				   a.n_providers + a.n_roles + a.n_targets);
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
