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

struct irsa_credentials;
/* GetCallerIdentity signed with creds (NULL = the session's). */
int irsa_sts_get_caller_identity_as(struct irsa_aws *aws, const struct irsa_credentials *creds,
				    struct irsa_caller_identity *ret, struct irsa_error *err);

/* What AssumeRoleWithWebIdentity returns. credentials are secrets. */
struct irsa_web_identity_session {
	struct irsa_credentials *credentials;
	char *assumed_role_arn;
	char *subject;   /* SubjectFromWebIdentityToken */
	char *audience;
	char *provider;
};
void irsa_web_identity_session_release(struct irsa_web_identity_session *s);

/* STS AssumeRoleWithWebIdentity, unsigned, at the session's STS endpoint.
 * token is a secret: never logged. */
int irsa_sts_assume_role_with_web_identity(struct irsa_aws *aws, const char *role_arn,
					   const char *session_name, const char *token,
					   struct irsa_web_identity_session *ret,
					   struct irsa_error *err);
