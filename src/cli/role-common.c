/* Trust flags and role output shared by render-trust-policy, create-role
 * and delete-role. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "oidc-common.h"
#include "role-common.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "irsa/sts.h"
#include "irsa/trust.h"

void cli_trust_input_release(struct cli_trust_input *in)
{
	for (size_t i = 0; i < in->n_subjects; i++)
		irsa_subject_release(&in->subjects[i]);
	free(in->subjects);
	for (size_t i = 0; i < in->n_issuers; i++)
		free(in->issuers[i]);
	free(in->issuers);
	free(in->account_owned);
	memset(in, 0, sizeof(*in));
}

static void add_issuer(struct cli_trust_input *in, char *issuer)
{
	for (size_t i = 0; i < in->n_issuers; i++)
		if (strcmp(in->issuers[i], issuer) == 0) {
			free(issuer);
			return;
		}
	in->issuers = irsa_realloc(in->issuers, (in->n_issuers + 1) * sizeof(char *));
	in->issuers[in->n_issuers++] = issuer;
}

static int add_subject(struct cli_trust_input *in, const char *ns, const char *sa,
		       const char *pair, struct irsa_error *err)
{
	struct irsa_subject s = { 0 };

	if (pair ? irsa_subject_parse(pair, IRSA_NAME_WILDCARD, &s, err) < 0
		 : irsa_subject_make(ns, sa, IRSA_NAME_WILDCARD, &s, err) < 0)
		return -1;
	for (size_t i = 0; i < in->n_subjects; i++)
		if (strcmp(in->subjects[i].ns, s.ns) == 0 && strcmp(in->subjects[i].sa, s.sa) == 0) {
			irsa_subject_release(&s);
			return 0;
		}
	in->subjects = irsa_realloc(in->subjects, (in->n_subjects + 1) * sizeof(s));
	in->subjects[in->n_subjects++] = s;
	return 0;
}

/* --namespace NS --service-account SA: one namespace for every account,
 * or as many namespaces as accounts (paired in order). */
static int parse_subjects(const struct cli_args *args, struct cli_trust_input *in,
			  struct irsa_error *err)
{
	const char *const *ns, *const *sa, *const *pairs;
	size_t n_ns = cli_arg_list(args, "namespace", &ns);
	size_t n_sa = cli_arg_list(args, "service-account", &sa);
	size_t n_pairs = cli_arg_list(args, "subject", &pairs);

	if (n_sa && !n_ns)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--service-account needs --namespace (or use --subject NS:SA)");
	if (n_ns && !n_sa)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--namespace needs --service-account (or use --subject NS:SA)");
	if (n_ns > 1 && n_ns != n_sa)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%zu --namespace and %zu --service-account given; give one "
				      "namespace for all, or one per service account, or use "
				      "--subject NS:SA", n_ns, n_sa);
	for (size_t i = 0; i < n_sa; i++)
		if (add_subject(in, ns[n_ns == 1 ? 0 : i], sa[i], NULL, err) < 0)
			return -1;
	for (size_t i = 0; i < n_pairs; i++)
		if (add_subject(in, NULL, NULL, pairs[i], err) < 0)
			return -1;
	return 0;
}

int cli_trust_input_parse(const struct cli_args *args, bool need_subjects, bool need_target,
			  struct cli_trust_input *in, struct irsa_error *err)
{
	const char *const *urls;
	size_t n_urls;

	if (parse_subjects(args, in, err) < 0)
		return -1;
	if (need_subjects && in->n_subjects == 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "which service account? give --namespace NS --service-account "
				      "SA, or --subject NS:SA");
	in->n_clusters = cli_arg_list(args, "cluster", &in->clusters);
	for (size_t i = 0; i < in->n_clusters; i++)
		if (irsa_validate_cluster_name(in->clusters[i], err) < 0)
			return -1;
	n_urls = cli_arg_list(args, "issuer-url", &urls);
	for (size_t i = 0; i < n_urls; i++) {
		char *issuer = NULL;

		if (irsa_oidc_issuer_normalize(urls[i], &issuer, err) < 0)
			return -1;
		add_issuer(in, issuer);
	}
	in->n_issuer_args = in->n_issuers;
	if (need_target && !in->n_clusters && !in->n_issuers)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "which cluster? give --cluster NAME or --issuer-url URL");
	in->audience = cli_arg(args, "audience");
	if (in->audience && (!*in->audience || strpbrk(in->audience, "\"\\ ") ||
			     strlen(in->audience) > 255))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "audience '%s' is not valid: 1 to 255 characters without "
				      "spaces or quotes", in->audience);
	in->n_trust_role_arns = cli_arg_list(args, "trust-role-arn", &in->trust_role_arns);
	for (size_t i = 0; i < in->n_trust_role_arns; i++)
		if (irsa_validate_principal_arn(in->trust_role_arns[i], "--trust-role-arn", err) < 0)
			return -1;
	in->account_id = cli_arg(args, "account-id");
	if (in->account_id && irsa_validate_account_id(in->account_id, err) < 0)
		return irsa_error_prefix(err, "--account-id");
	return 0;
}

int cli_trust_resolve(struct cli_ctx *ctx, struct cli_trust_input *in, bool need_account,
		      struct irsa_error *err)
{
	struct irsa_aws *aws = cli_aws(ctx, err);

	if (!aws)
		return -1;
	in->partition = irsa_aws_partition(aws)->id;
	if (!in->account_id && need_account) {
		struct irsa_caller_identity id = { 0 };

		if (irsa_sts_get_caller_identity(aws, &id, err) < 0)
			return irsa_error_prefix(err, "cannot find the AWS account (give --account-id "
						 "to work offline)");
		in->account_owned = irsa_strdup(id.account);
		in->account_id = in->account_owned;
		irsa_caller_identity_release(&id);
	}
	for (size_t i = 0; i < in->n_clusters; i++) {
		char *issuer = NULL;

		if (irsa_oidc_cluster_issuer(aws, in->clusters[i], false, &issuer, err) < 0)
			return -1;
		add_issuer(in, issuer);
	}
	return 0;
}

int cli_trust_render(const struct cli_trust_input *in, json_t **ret_doc, struct irsa_error *err)
{
	struct irsa_trust_provider *p = irsa_malloc0((in->n_issuers + 1) * sizeof(*p));
	struct irsa_trust_spec spec = {
		.partition = in->partition,
		.account = in->account_id,
		.audience = in->audience,
		.providers = p,
		.n_providers = in->n_issuers,
		.trust_role_arns = in->trust_role_arns,
		.n_trust_role_arns = in->n_trust_role_arns,
	};
	int r;

	for (size_t i = 0; i < in->n_issuers; i++)
		p[i] = (struct irsa_trust_provider){ irsa_oidc_issuer_key(in->issuers[i]),
						     in->subjects, in->n_subjects };
	r = irsa_trust_render(&spec, ret_doc, err);
	free(p);
	return r;
}

