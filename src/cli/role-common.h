#pragma once
/* Helpers shared by render-trust-policy, create-role and delete-role
 * (defined in role-common.c): the trust flags, their validation before any
 * request, and resolving clusters and the account. */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "cli.h"
#include "irsa/names.h"
#include "irsa/role.h"

struct cli_trust_input {
	struct irsa_subject *subjects;
	size_t n_subjects;
	const char *const *clusters;     /* --cluster, borrowed from args */
	size_t n_clusters;
	char **issuers;                  /* normalised issuer URLs: --issuer-url, then clusters' */
	size_t n_issuers;
	size_t n_issuer_args;            /* how many came from --issuer-url */
	const char *audience;            /* NULL = sts.amazonaws.com */
	const char *const *trust_role_arns;
	size_t n_trust_role_arns;
	const char *account_id;          /* --account-id, or filled by cli_trust_resolve */
	char *account_owned;
	const char *partition;           /* filled by cli_trust_resolve */
};
void cli_trust_input_release(struct cli_trust_input *in);

/* --namespace/--service-account/--subject into subjects (required when
 * need_subjects), --cluster/--issuer-url (at least one when need_target),
 * --audience, --trust-role-arn, --account-id. No request. */
int cli_trust_input_parse(const struct cli_args *args, bool need_subjects, bool need_target,
			  struct cli_trust_input *in, struct irsa_error *err);
/* The session, the partition, the account (STS GetCallerIdentity unless
 * --account-id) and the clusters' issuers (EKS DescribeCluster). */
int cli_trust_resolve(struct cli_ctx *ctx, struct cli_trust_input *in, bool need_account,
		      struct irsa_error *err);
/* The trust document for in (resolved). */
int cli_trust_render(const struct cli_trust_input *in, json_t **ret_doc, struct irsa_error *err);

