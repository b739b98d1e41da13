#pragma once
/* The OpenID Connect provider of a cluster: issuer URLs, provider ARNs,
 * and the plans behind `associate-oidc` and `disassociate-oidc`.
 *
 * A plan is computed from the current IAM state (read first, never
 * changed while planning) and is either executed or only described
 * (--dry-run). The *_compute() functions are pure: they take the state
 * as arguments, so tests can plan against a fake state. */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "irsa/aws.h"
#include "irsa/error.h"
#include "irsa/iam.h"
#include "irsa/plan.h"

/* ---- issuer URLs and ARNs ---- */

/* Validate and normalise an issuer URL: https only, a host, no port (IAM
 * takes none), no user info, query or fragment, no spaces or non-ASCII;
 * scheme and host lower-cased, the trailing '/' trimmed. *ret is
 * "https://HOST[/PATH]" (malloc'd).
 * IRSA_ERR_USAGE with a message naming the problem. */
int irsa_oidc_issuer_normalize(const char *url, char **ret, struct irsa_error *err);
/* The normalised issuer without "https://": how IAM names the provider
 * ("oidc.eks.us-east-1.amazonaws.com/id/ABC"). Borrowed from issuer. */
const char *irsa_oidc_issuer_key(const char *issuer);
/* A short label for the issuer in default names: its last path segment
 * (an EKS issuer id), else its host up to the first '.' or ':'; at most
 * 12 characters. malloc'd. */
char *irsa_oidc_issuer_label(const char *issuer);
/* arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH (malloc'd). */
char *irsa_oidc_provider_arn(const char *partition, const char *account, const char *issuer);
/* True when arn is an OIDC provider ARN for this (normalised) issuer,
 * in any account or partition. */
bool irsa_oidc_arn_is_for(const char *arn, const char *issuer);
/* True when the trust policy (JSON text) names provider_arn as a
 * Federated principal of any statement. Unparseable text: false. */
bool irsa_oidc_trust_references(const char *trust_policy, const char *provider_arn);

/* One "--tag KEY=VALUE" into tags, checked against IAM's rules (key 1-128
 * and value 0-256 characters of letters, digits, spaces and _.:/=+-@,
 * no "aws:" prefix, no key given twice, at most 50 tags). */
int irsa_tag_arg_parse(const char *arg, struct irsa_tags *tags, struct irsa_error *err);

/* The --thumbprint arguments: each 40 hex digits, lower-cased,
 * duplicates dropped, at most 5 (IAM's limit). IRSA_ERR_USAGE. */
int irsa_oidc_thumbprints_parse(const char *const *args, size_t n, struct irsa_strlist *ret,
				struct irsa_error *err);

/* ---- plans ---- */

enum irsa_thumbprint_mode {
	IRSA_THUMBPRINT_FETCH,    /* default: fetch the issuer's chain */
	IRSA_THUMBPRINT_EXPLICIT, /* --thumbprint HEX ... : set exactly these */
	IRSA_THUMBPRINT_NONE,     /* --no-thumbprint: send none, check none */
};

struct irsa_oidc_request {
	const char *issuer;                   /* normalised */
	const char *client_id;                /* NULL = the partition's sts_audience */
	enum irsa_thumbprint_mode thumbprint_mode;
	const struct irsa_strlist *thumbprints; /* EXPLICIT (and FETCH once fetched); lower-case */
	const struct irsa_tags *tags;         /* NULL = none */
};

/* The module's action codes (struct irsa_plan_action.op). */
enum irsa_oidc_verb {
	IRSA_OIDC_CREATE_PROVIDER,
	IRSA_OIDC_ADD_CLIENT_ID,
	IRSA_OIDC_UPDATE_THUMBPRINTS,
	IRSA_OIDC_TAG_PROVIDER,
	IRSA_OIDC_DELETE_PROVIDER,
};
/* "create-oidc-provider", "add-client-id", ... as printed in plans. */
const char *irsa_oidc_verb_name(enum irsa_oidc_verb v);

/* An OIDC provider plan: the shared plan (plan.h) and what its actions
 * need. The report's subject is {provider_arn, issuer}, its result
 * {thumbprints, client_ids, trusted_by}. The creation's document is
 * {url, client_ids, thumbprints, tags}; updates carry "changes". Built in
 * place (the plan points back at it); run with irsa_plan_execute(&p->plan,
 * ...), which sets arn from a creation; release with
 * irsa_oidc_plan_release(). */
struct irsa_oidc_plan {
	struct irsa_plan plan;
	struct irsa_aws *aws;            /* for execution (borrowed; NULL from *_compute) */
	char *issuer;                    /* normalised issuer URL */
	char *arn;                       /* provider ARN (predicted before creation) */
	bool exists;                     /* the provider exists now */
	struct irsa_strlist client_ids;  /* after the plan */
	struct irsa_strlist thumbprints; /* after the plan */
	struct irsa_tags tags;           /* tags to set (creation / tag action) */
	struct irsa_strlist trusted_by;  /* roles whose trust names the provider */
};
void irsa_oidc_plan_release(struct irsa_oidc_plan *plan);

/* Pure planning for associate-oidc. existing NULL = no provider yet;
 * arn is the existing provider's ARN or the predicted one. fetched is the
 * issuer's current thumbprint in FETCH mode (NULL if it could not be
 * fetched or the mode is another). */
int irsa_oidc_plan_associate_compute(const struct irsa_oidc_request *req,
				     const char *partition_client_id, const char *arn,
				     const struct irsa_oidc_provider *existing,
				     const char *fetched, struct irsa_oidc_plan *ret,
				     struct irsa_error *err);
/* Pure planning for disassociate-oidc: existing NULL = nothing to do
 * (status absent). Refuses with IRSA_ERR_CONFLICT while trusted_by is not
 * empty, unless force. */
int irsa_oidc_plan_disassociate_compute(const char *issuer, const char *arn,
					const struct irsa_oidc_provider *existing,
					const struct irsa_strlist *trusted_by, bool force,
					struct irsa_oidc_plan *ret, struct irsa_error *err);

/* Read the IAM state (ListOpenIDConnectProviders, GetOpenIDConnectProvider;
 * the account of a provider to create from the listing, else from the
 * account helper, account.h), fetch
 * the issuer's thumbprint in FETCH mode (a failure is fatal only when the
 * provider must be created), and plan. No mutating request. */
struct irsa_account;
int irsa_oidc_plan_associate(struct irsa_account *acct, const struct irsa_oidc_request *req,
			     struct irsa_oidc_plan *ret, struct irsa_error *err);
/* Read the provider and every role's trust policy (ListRoles), and plan
 * the deletion. No mutating request. */
int irsa_oidc_plan_disassociate(struct irsa_account *acct, const char *issuer, bool force,
				struct irsa_oidc_plan *ret, struct irsa_error *err);

/* The normalised OIDC issuer of an EKS cluster (DescribeCluster). With
 * need_active, a cluster that is not ACTIVE is IRSA_ERR_CONFLICT; a cluster
 * without an issuer is IRSA_ERR_REMOTE. *ret_issuer is malloc'd. */
int irsa_oidc_cluster_issuer(struct irsa_aws *aws, const char *cluster, bool need_active,
			     char **ret_issuer, struct irsa_error *err);
struct irsa_eks_cluster;
/* The same from a DescribeCluster answer already read (no request). */
int irsa_oidc_issuer_of_cluster(const struct irsa_eks_cluster *c, const char *cluster,
				bool need_active, char **ret_issuer, struct irsa_error *err);
