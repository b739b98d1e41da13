#pragma once
#include <stdbool.h>
#include "irsa/aws.h"
#include "irsa/error.h"
#include "irsa/strlist.h"

/* The session's account, looked up at most once per process: STS
 * GetCallerIdentity only when it is not already known from an ARN of the
 * caller's own account (an IAM answer) or from the user (--account-id). */
struct irsa_account {
	struct irsa_aws *aws; /* borrowed */
	char *id;             /* NULL until known */
	unsigned lookups;     /* GetCallerIdentity calls made: 0 or 1 */
	/* Reads every request of one run shares (apply plans many roles
	 * against the same clusters and providers): each made once. */
	struct irsa_tags issuers;         /* cluster name -> issuer (DescribeCluster) */
	struct irsa_strlist provider_arns; /* ListOpenIDConnectProviders */
	bool providers_read;
};
void irsa_account_init(struct irsa_account *a, struct irsa_aws *aws);
void irsa_account_release(struct irsa_account *a);
/* The account is id (already validated). */
void irsa_account_set(struct irsa_account *a, const char *id);
/* Learn the account from an ARN of the caller's own account (a role or
 * provider IAM listed); ignored when it has no 12-digit account. */
void irsa_account_learn(struct irsa_account *a, const char *arn);
/* The account id (borrowed from a), with at most one GetCallerIdentity. */
int irsa_account_get(struct irsa_account *a, const char **ret, struct irsa_error *err);

/* The normalised OIDC issuer of an EKS cluster (irsa_oidc_cluster_issuer()),
 * described once per run; malloc'd copy. */
int irsa_account_cluster_issuer(struct irsa_account *a, const char *cluster, char **ret,
				struct irsa_error *err);
/* The issuer of cluster when this run has described it (borrowed), or NULL. */
const char *irsa_account_known_issuer(const struct irsa_account *a, const char *cluster);
/* Remember the issuer of cluster, described by a caller's own read. */
void irsa_account_add_issuer(struct irsa_account *a, const char *cluster, const char *issuer);
/* Remember the provider list, read by a caller's own ListOpenIDConnectProviders. */
void irsa_account_set_providers(struct irsa_account *a, const struct irsa_strlist *arns);
/* The ARNs of the account's OIDC providers, listed once per run
 * (borrowed); the account is learnt from them. */
int irsa_account_provider_arns(struct irsa_account *a, const struct irsa_strlist **ret,
			       struct irsa_error *err);
/* A provider this run created: later lookups find it without a new listing. */
void irsa_account_provider_created(struct irsa_account *a, const char *arn);
