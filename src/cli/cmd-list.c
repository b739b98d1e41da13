/* irsactl list roles | service-accounts (the engine is src/domain/inventory.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "irsa/inventory.h"
#include "irsa/kube.h"
#include "irsa/strutil.h"

static const struct cli_option list_options[] = {
	{ "cluster", 'c', "NAME", "only what trusts this EKS cluster's issuer (DescribeCluster)", 0, NULL },
	{ "issuer-url", 0, "URL", "only what trusts this OIDC issuer (https://...)", 0, NULL },
	{ "namespace", 'n', "NS", "service-accounts: the namespace (default: the context's namespace)", 0, NULL },
	{ "all-namespaces", 'A', NULL, "service-accounts: every namespace", 0, NULL },
	{ "kubeconfig", 0, "PATH", "service-accounts: kubeconfig (default: $KUBECONFIG, then ~/.kube/config)", 0, "file" },
	{ "context", 0, "NAME", "service-accounts: kubeconfig context (default: the current context)", 0, "context" },
	{ NULL },
};

/* The issuer of --cluster / --issuer-url (normalised), or NULL for neither. */
static int resolve_issuer(struct cli_ctx *ctx, const struct cli_args *args, char **ret,
			  struct irsa_error *err)
{
	const char *cluster = cli_arg(args, "cluster"), *url = cli_arg(args, "issuer-url");
	struct irsa_aws *aws = NULL;

	*ret = NULL;
	if (cluster && !(aws = cli_aws(ctx, err)))
		return -1;
	return irsa_resolve_issuer(aws, cluster, url, ret, err);
}

static json_t *strlist_json(const struct irsa_strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->items[i]));
	return a;
}

static void join_to(FILE *out, const json_t *list)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		fprintf(out, "%s%s", i ? "," : "", json_string_value(v));
	if (json_array_size(list) == 0)
		fputs("-", out);
}

static void roles_text(const struct cli_ctx *ctx, const json_t *result, FILE *out)
{
	size_t i;
	json_t *r;

	(void)ctx;
	fprintf(out, "%-40s %-8s %-50s %s\n", "ROLE", "MANAGED", "ISSUER", "SUBJECTS");
	json_array_foreach(json_object_get(result, "roles"), i, r) {
		fprintf(out, "%-40s %-8s ", json_string_value(json_object_get(r, "role_name")),
			json_is_true(json_object_get(r, "managed")) ? "yes" : "no");
		join_to(out, json_object_get(r, "issuers"));
		fputc(' ', out);
		join_to(out, json_object_get(r, "subjects"));
		fputc('\n', out);
	}
}

static int list_roles(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	_cleanup_free_ char *issuer = NULL;
	struct irsa_listed_role *roles = NULL;
	struct irsa_aws *aws;
	size_t n = 0;
	json_t *list;

	if (cli_arg(args, "namespace") || cli_flag(args, "all-namespaces"))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "'list roles' takes no --namespace or --all-namespaces");
	if (resolve_issuer(ctx, args, &issuer, err) < 0)
		return -1;
	aws = cli_aws(ctx, err);
	if (!aws || irsa_list_irsa_roles(aws, issuer, &roles, &n, err) < 0)
		return -1;
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:o, s:b}",
						      "role_name", roles[i].name,
						      "role_arn", roles[i].arn,
						      "issuers", strlist_json(&roles[i].issuers),
						      "subjects", strlist_json(&roles[i].subjects),
						      "managed", roles[i].managed));
	irsa_listed_roles_free(roles, n);
	return cli_print_result(ctx, json_pack("{s:o}", "roles", list), roles_text);
}


static void sas_text(const struct cli_ctx *ctx, const json_t *result, FILE *out)
{
	size_t i;
	json_t *s;

	(void)ctx;
	fprintf(out, "%-40s %-60s %-6s %-6s %s\n", "SERVICE ACCOUNT", "ROLE", "EXISTS", "TRUST",
		"DETAIL");
	json_array_foreach(json_object_get(result, "service_accounts"), i, s) {
		_cleanup_free_ char *who = irsa_asprintf(
			"%s/%s", json_string_value(json_object_get(s, "namespace")),
			json_string_value(json_object_get(s, "service_account")));
		const json_t *exists = json_object_get(s, "role_exists");
		const json_t *admits = json_object_get(s, "trust_admits");
		const char *detail = json_string_value(json_object_get(s, "detail"));
		_cleanup_free_ char *safe_detail = cli_escape(detail ? detail : "");

		fprintf(out, "%-40s %-60s %-6s %-6s %s\n", who,
			json_string_value(json_object_get(s, "role_arn")),
			json_is_null(exists) ? "?" : json_is_true(exists) ? "yes" : "no",
			json_is_null(admits) ? "?" : json_is_true(admits) ? "admits" : "denies",
			safe_detail);
	}
}

static json_t *tri_json(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

static int list_service_accounts(struct cli_ctx *ctx, const struct cli_args *args,
				 struct irsa_error *err)
{
	struct irsa_kube_options ko = { cli_arg(args, "kubeconfig"), cli_arg(args, "context"), NULL };
	_cleanup_(irsa_kube_freep) struct irsa_kube *kube = NULL;
	_cleanup_free_ char *issuer = NULL;
	const char *ns = cli_arg(args, "namespace");
	struct irsa_listed_sa *sas = NULL;
	struct irsa_aws *aws;
	size_t n = 0;
	json_t *list;

	if (ns && cli_flag(args, "all-namespaces"))
		return irsa_error_set(err, IRSA_ERR_USAGE, "give --namespace or --all-namespaces, not both");
	if (resolve_issuer(ctx, args, &issuer, err) < 0)
		return -1;
	aws = cli_aws(ctx, err);
	if (!aws)
		return -1;
	ko.aws = aws;
	if (irsa_kube_open(&ko, &kube, err) < 0)
		return -1;
	if (!ns && !cli_flag(args, "all-namespaces"))
		ns = irsa_kube_default_namespace(kube);
	if (irsa_list_service_accounts(aws, kube, ns, issuer, &sas, &n, err) < 0)
		return -1;
	list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}",
						      "namespace", sas[i].namespace_name,
						      "service_account", sas[i].name,
						      "role_arn", sas[i].role_arn,
						      "role_exists", tri_json(sas[i].role_exists),
						      "trust_admits", tri_json(sas[i].trust_admits),
						      "detail", sas[i].detail ? json_string(sas[i].detail)
									      : json_null()));
	irsa_listed_sas_free(sas, n);
	return cli_print_result(ctx, json_pack("{s:o}", "service_accounts", list), sas_text);
}

static int list_run(struct cli_ctx *ctx, const struct cli_args *args, struct irsa_error *err)
{
	const char *const *pos;
	const char *what = cli_positional(args, &pos) ? pos[0] : "";

	if (strcmp(what, "roles") == 0)
		return list_roles(ctx, args, err);
	if (strcmp(what, "service-accounts") == 0 || strcmp(what, "sa") == 0)
		return list_service_accounts(ctx, args, err);
	return irsa_error_set(err, IRSA_ERR_USAGE,
			      "unknown list '%s': use 'irsactl list roles' or 'irsactl list service-accounts'",
			      what);
}

static void list_complete(const char *const *words, size_t n)
{
	(void)words;
	if (n == 0)
		printf("roles\nservice-accounts\n");
}

const struct cli_command cli_cmd_list = {
	.name = "list",
	.summary = "List the account's IRSA roles or the cluster's annotated service accounts",
	.usage = "roles [--cluster NAME | --issuer-url URL]\n"
		 "       irsactl list service-accounts [-n NS | -A] [--cluster NAME | --issuer-url URL]",
	.description =
		"'list roles' reads every role of the account (ListRoles, to the last page) and\n"
		"lists those whose trust policy allows sts:AssumeRoleWithWebIdentity to an OIDC\n"
		"provider: the role, the issuers it trusts, the subjects its ':sub' conditions name\n"
		"and whether irsactl wrote the statement. --cluster or --issuer-url keeps the roles\n"
		"trusting that issuer.\n"
		"\n"
		"'list service-accounts' lists the ServiceAccounts with an eks.amazonaws.com/role-arn\n"
		"annotation and, for each, whether the role exists and whether its trust policy\n"
		"admits that ServiceAccount (through the given issuer's provider, or any provider\n"
		"the trust names) - the 'role' and 'trust' checks of 'irsactl verify'.",
	.options = list_options,
	.min_args = 1,
	.max_args = 1,
	.run = list_run,
	.examples =
		"  irsactl list roles\n"
		"  irsactl list roles --cluster prod --output json\n"
		"  irsactl list service-accounts -n apps\n"
		"  irsactl list service-accounts -A --cluster prod",
	.complete_args = list_complete,
};
