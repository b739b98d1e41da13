/* irsactl verify: prove that a service account can get its role's
 * credentials, or name the broken link and its fix (the checks are in
 * src/domain/verify.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "irsa/kube.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "irsa/verify.h"

static const struct cli_option verify_options[] = {
	{ "cluster", 'c', "NAME", "EKS cluster whose issuer to check (DescribeCluster)", 0, NULL },
	{ "issuer-url", 0, "URL", "OIDC issuer URL of a self-managed cluster (https://...)", 0, NULL },
	{ "namespace", 'n', "NS", "namespace of the service account (default: the context's namespace)", 0, NULL },
	{ "service-account", 's', "NAME", "the service account to verify (default: every annotated or Pod Identity one of the namespace)", 0, NULL },
	{ "all-namespaces", 'A', NULL, "without -s: every annotated service account of the cluster", 0, NULL },
	{ "role-arn", 0, "ARN", "the role the service account should have (default: its annotation)", 0, NULL },
	{ "live", 0, NULL, "also get a token for the SA and exchange it with STS for the role's credentials", 0, NULL },
	{ "action", 0, "ACTIONS", "check that the role may do these actions (SimulatePrincipalPolicy)", OPT_REPEAT, NULL },
	{ "resource", 0, "ARN", "the resource of --action (default: *)", 0, NULL },
	{ "no-thumbprint", 0, NULL, "do not fetch the issuer's TLS chain to compare the provider's thumbprint", 0, NULL },
	{ "kubeconfig", 0, "PATH", "kubeconfig (default: $KUBECONFIG, then ~/.kube/config)", 0, "file" },
	{ "context", 0, "NAME", "kubeconfig context (default: the current context)", 0, "context" },
	{ NULL },
};

/* "a,b" given once or several times -> one list. */
static void split_actions(const struct cli_args *args, struct irsa_strlist *ret)
{
	const char *const *items;
	size_t n = cli_arg_list(args, "action", &items);

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *copy = irsa_strdup(items[i]);
		char *save = NULL;

		for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (*irsa_str_trim(tok))
				irsa_strlist_add(ret, tok);
	}
}

/* ---- text output ------------------------------------------------------ */

static void print_checks(const json_t *checks, FILE *out)
{
	size_t i;
	json_t *c;

	json_array_foreach(checks, i, c) {
		const char *fix = json_string_value(json_object_get(c, "fix"));
		/* evidence quotes what servers said: escaped, one line each */
		_cleanup_free_ char *message = cli_escape(json_string_value(json_object_get(c, "message")));
		_cleanup_free_ char *safe_fix = fix ? cli_escape(fix) : NULL;

		fprintf(out, "%-5s %-24s %s\n", json_string_value(json_object_get(c, "status")),
			json_string_value(json_object_get(c, "check")), message);
		if (safe_fix)
			fprintf(out, "      fix: %s\n", safe_fix);
	}
}

static void text_one(const struct cli_ctx *ctx, const json_t *result, FILE *out)
{
	size_t i;
	json_t *note;

	(void)ctx;
	print_checks(json_object_get(result, "checks"), out);
	json_array_foreach(json_object_get(result, "notes"), i, note) {
		_cleanup_free_ char *text = cli_escape(json_string_value(note));

		fprintf(out, "note: %s\n", text);
	}
}

/* One summary line per service account: its first failure, else ok. */
static void text_many(const struct cli_ctx *ctx, const json_t *result, FILE *out)
{
	size_t i, j;
	json_t *sa, *c;

	(void)ctx;
	json_array_foreach(json_object_get(result, "service_accounts"), i, sa) {
		const json_t *first = NULL;
		_cleanup_free_ char *who = irsa_asprintf(
			"%s/%s", json_string_value(json_object_get(sa, "namespace")),
			json_string_value(json_object_get(sa, "service_account")));

		json_array_foreach(json_object_get(sa, "checks"), j, c)
			if (!first && strcmp(json_string_value(json_object_get(c, "status")), "fail") == 0)
				first = c;
		if (!first) {
			fprintf(out, "ok    %s\n", who);
			continue;
		}
		_cleanup_free_ char *message = cli_escape(json_string_value(json_object_get(first, "message")));
		const char *fix = json_string_value(json_object_get(first, "fix"));
		_cleanup_free_ char *safe_fix = fix ? cli_escape(fix) : NULL;

		fprintf(out, "fail  %s  %s: %s\n", who, json_string_value(json_object_get(first, "check")),
			message);
		if (safe_fix)
			fprintf(out, "      fix: %s\n", safe_fix);
	}
	if (json_array_size(json_object_get(result, "service_accounts")) == 0)
		fprintf(out, "no service account with an eks.amazonaws.com/role-arn annotation or an "
			"EKS Pod Identity association\n");
}

/* ---- run -------------------------------------------------------------- */

static int failed(const char *who, const struct irsa_verify_report *r, struct irsa_error *err)
{
	enum irsa_check_id first = irsa_verify_first_failure(r);

	return irsa_error_set(err, IRSA_ERR_CHECK_FAILED, "%s: the '%s' check failed", who,
			      irsa_check_name(first));
}

static int verify_one(struct cli_ctx *ctx, const struct irsa_verify_env *env,
		      const struct irsa_verify_request *req, struct irsa_error *err)
{
	struct irsa_verify_report rep;
	_cleanup_free_ char *who = NULL;
	bool ok;

	if (irsa_verify_run(env, req, &rep, err) < 0)
		return -1;
	ok = irsa_verify_ok(&rep);
	if (cli_print_result(ctx, irsa_verify_report_to_json(&rep), text_one) < 0) {
		irsa_verify_report_release(&rep);
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot write the report");
	}
	who = irsa_asprintf("service account '%s/%s'", req->namespace_name, req->service_account);
	if (!ok) {
		failed(who, &rep, err);
		irsa_verify_report_release(&rep);
		return -1;
	}
	irsa_verify_report_release(&rep);
	return 0;
}

#define VERIFY_PARALLEL 4

/* With an EKS cluster, the service accounts that have a Pod Identity
 * association join the annotated ones; the cluster's associations are
 * listed once for every worker. A list EKS refuses leaves each run to
 * look its own up (and say what failed). */
static void list_associations(const struct irsa_verify_env *env, struct irsa_verify_request *req,
			      bool all_namespaces, struct irsa_strlist *sas,
			      struct irsa_pod_identity_association **ret, size_t *ret_n)
{
	struct irsa_error e = { 0 };

	if (!req->cluster)
		return;
	if (irsa_verify_pod_identity_service_accounts(env->aws, req->cluster,
						      all_namespaces ? NULL : req->namespace_name,
						      ret, ret_n, sas, &e) < 0) {
		irsa_log_warn("cannot list the EKS Pod Identity associations of cluster '%s': %s",
			      req->cluster, e.message);
		return;
	}
	req->associations = *ret;
	req->n_associations = *ret_n;
	req->associations_listed = true;
}

static int verify_many(struct cli_ctx *ctx, const struct irsa_verify_env *env,
		       const struct irsa_kube_options *ko, struct irsa_verify_request *req,
		       bool all_namespaces, struct irsa_error *err)
{
	struct irsa_aws_options ao = { ctx->profile, ctx->region, NULL };
	struct irsa_verify_sessions sessions = { &ao, ko };
	struct irsa_strlist sas = { 0 };
	struct irsa_verify_report *reports;
	struct irsa_pod_identity_association *assocs = NULL;
	struct irsa_verify_cluster cluster = { 0 };
	json_t *list = json_array(), *result;
	size_t n_failed = 0, n_assocs = 0;

	if (!env->kube) {
		json_decref(list);
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s", env->kube_error);
	}
	if (irsa_verify_annotated_service_accounts(env->kube, all_namespaces ? NULL : req->namespace_name,
						   &sas, err) < 0) {
		json_decref(list);
		return -1;
	}
	list_associations(env, req, all_namespaces, &sas, &assocs, &n_assocs);
	/* the cluster (and the agent, for the associations) once for every run */
	if (req->cluster && sas.n) {
		irsa_verify_read_cluster(env->aws, req->cluster, n_assocs > 0, &cluster);
		req->cluster_read = &cluster;
	}
	reports = irsa_malloc0((sas.n + 1) * sizeof(*reports));
	if (irsa_verify_run_many(&sessions, req, &sas, VERIFY_PARALLEL, reports, err) < 0) {
		irsa_verify_cluster_release(&cluster);
		req->cluster_read = NULL;
		irsa_pod_identity_associations_free(assocs, n_assocs);
		free(reports);
		irsa_strlist_release(&sas);
		json_decref(list);
		return -1;
	}
	for (size_t i = 0; i < sas.n; i++) {
		json_t *one = irsa_verify_report_to_json(&reports[i]);

		if (!irsa_verify_ok(&reports[i]))
			n_failed++;
		json_object_set_new(one, "namespace", json_string(reports[i].namespace_name));
		json_object_set_new(one, "service_account", json_string(reports[i].service_account));
		json_array_append_new(list, one);
		irsa_verify_report_release(&reports[i]);
	}
	free(reports);
	irsa_strlist_release(&sas);
	irsa_pod_identity_associations_free(assocs, n_assocs);
	req->associations = NULL;
	req->n_associations = 0;
	irsa_verify_cluster_release(&cluster);
	req->cluster_read = NULL;
	result = json_pack("{s:b, s:o}", "ok", n_failed == 0, "service_accounts", list);
	if (cli_print_result(ctx, result, text_many) < 0)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot write the report");
	if (n_failed)
		return irsa_error_set(err, IRSA_ERR_CHECK_FAILED, "%zu service account%s failed a check",
				      n_failed, n_failed == 1 ? "" : "s");
	return 0;
}

static int verify_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	struct irsa_kube_options ko = { cli_arg(args, "kubeconfig"), cli_arg(args, "context"), NULL };
	_cleanup_(irsa_kube_freep) struct irsa_kube *kube = NULL;
	struct irsa_strlist actions = { 0 };
	struct irsa_error kube_err = { 0 };
	struct irsa_verify_env env = { 0 };
	struct irsa_verify_request req = {
		.cluster = cli_arg(args, "cluster"),
		.issuer_url = cli_arg(args, "issuer-url"),
		.namespace_name = cli_arg(args, "namespace"),
		.service_account = cli_arg(args, "service-account"),
		.role_arn = cli_arg(args, "role-arn"),
		.live = cli_flag(args, "live"),
		.resource = cli_arg(args, "resource"),
		.no_thumbprint = cli_flag(args, "no-thumbprint"),
	};
	bool all = cli_flag(args, "all-namespaces");
	int r;

	if (!req.cluster == !req.issuer_url)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give exactly one of --cluster NAME and --issuer-url URL");
	if (all && (req.service_account || req.namespace_name))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--all-namespaces verifies every annotated service account: "
				      "give it without -n and -s");
	if (req.resource && !cli_arg(args, "action"))
		return irsa_error_set(err, IRSA_ERR_USAGE, "--resource needs --action");
	env.aws = cli_aws(ctx, err);
	if (!env.aws)
		return -1;
	ko.aws = env.aws;
	if (irsa_kube_open(&ko, &kube, &kube_err) < 0) {
		env.kube_error = kube_err.message;
		irsa_log_debug("kubeconfig: %s", kube_err.message);
	}
	env.kube = kube;
	if (!req.namespace_name && kube && !all)
		req.namespace_name = irsa_kube_default_namespace(kube);
	if (!req.namespace_name && !all)
		req.namespace_name = "default";
	split_actions(args, &actions);
	req.actions = &actions;
	r = req.service_account ? verify_one(ctx, &env, &req, err)
				: verify_many(ctx, &env, &ko, &req, all, err);
	irsa_strlist_release(&actions);
	return r;
}

const struct cli_command cli_cmd_verify = {
	.name = "verify",
	.summary = "Check every link from a service account to its role's credentials",
	.usage = "(--cluster NAME | --issuer-url URL) [-n NS] [-s SA | -A] [--role-arn ARN] [--live]\n"
		 "               [--action ACTION[,ACTION...] [--resource ARN]] [--kubeconfig PATH] [--context NAME]",
	.description =
		"Checks, in order, each link a pod needs to get its role's credentials and reports\n"
		"every one, going on after a failure wherever later links can still be checked:\n"
		"identity (who is asking), cluster (exists, ACTIVE, its issuer), oidc-provider (an\n"
		"IAM provider for exactly that issuer whose client IDs include the audience; a\n"
		"thumbprint mismatch is a warning), service-account (exists; its role-arn,\n"
		"audience, sts-regional-endpoints and token-expiration annotations), role (GetRole),\n"
		"trust (the trust policy lets system:serviceaccount:NS:SA in, evaluated as IAM\n"
		"does), permissions (with --action: SimulatePrincipalPolicy), pods (the SA's pods\n"
		"carry the webhook's injection and the right role) and live (with --live: a token\n"
		"for the SA from the TokenRequest API exchanged with STS AssumeRoleWithWebIdentity,\n"
		"then GetCallerIdentity with the credentials; neither is ever printed).\n"
		"\n"
		"With --cluster, a service account with an EKS Pod Identity association gets the\n"
		"Pod Identity checks: pod-identity-association (exists, names --role-arn if given),\n"
		"pod-identity-role, pod-identity-trust (pods.eks.amazonaws.com may do sts:AssumeRole\n"
		"and sts:TagSession), pod-identity-target-role (with a target role) and\n"
		"pod-identity-agent (the eks-pod-identity-agent add-on is ACTIVE). One without the\n"
		"role-arn annotation gets no IRSA-only check; one with both gets both, and a note\n"
		"that Pod Identity takes precedence.\n"
		"\n"
		"Each check is ok, warn, fail or skip, with one line of evidence and, for a\n"
		"failure, the command that fixes it. The exit status is 0 when no check fails\n"
		"(warnings allowed) and 9 when one does. Without -s every service account of the\n"
		"namespace (or with -A of the cluster) that has an eks.amazonaws.com/role-arn\n"
		"annotation or a Pod Identity association is verified, four at a time, one summary\n"
		"line each.",
	.options = verify_options,
	.min_args = 0,
	.max_args = 0,
	.run = verify_run,
	.examples =
		"  irsactl verify --cluster prod -n payments -s api\n"
		"  irsactl verify --cluster prod -n payments -s api --live\n"
		"  irsactl verify --cluster prod -n payments -s api --action s3:GetObject --resource 'arn:aws:s3:::bucket/*'\n"
		"  irsactl verify --issuer-url https://oidc.example.com -A --output json",
};
