#pragma once
/* AWS STS calls the CLI needs (the credential providers make their own
 * AssumeRole calls in the AWS core). */
#include "irsa/aws.h"

struct irsa_caller_identity {
	char *account;
	char *arn;
	char *user_id;
};

/* GetCallerIdentity with the session's credentials. Caller releases
 * ret with irsa_caller_identity_release(). */
int irsa_sts_get_caller_identity(struct irsa_aws *aws, struct irsa_caller_identity *ret,
				 struct irsa_error *err);
void irsa_caller_identity_release(struct irsa_caller_identity *id);
