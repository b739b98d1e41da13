#pragma once
#include "irsa/aws.h"
#include "irsa/error.h"

/* The session's account, looked up at most once per process: STS
 * GetCallerIdentity only when it is not already known from an ARN of the
 * caller's own account (an IAM answer) or from the user (--account-id). */
struct irsa_account {
	struct irsa_aws *aws; /* borrowed */
	char *id;             /* NULL until known */
	unsigned lookups;     /* GetCallerIdentity calls made: 0 or 1 */
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
