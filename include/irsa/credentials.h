#pragma once
/* AWS credentials and the SDK-order provider chain.
 *
 * The secret fields are zeroed when freed. Providers get what they need
 * in a struct irsa_cred_context, not the session: the AWS client (the
 * layer below the session: environment, clock, HTTP, endpoints, signed
 * calls) through which those that need STS (assume role, web identity)
 * call it with explicit credentials, and the profile settings. */
#include <stdbool.h>
#include <time.h>
#include "irsa/error.h"

struct irsa_aws_client;
struct irsa_config;

struct irsa_cred_context {
	struct irsa_aws_client *client;   /* src/aws/client.h */
	const struct irsa_config *config; /* the shared config/credentials files */
	const char *profile;              /* the profile's name */
	bool profile_explicit;            /* chosen with --profile */
};

struct irsa_credentials {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;   /* NULL when none */
	time_t expiration;     /* 0 = does not expire */
	char *provider;        /* who answered, one of: "environment", "profile"
	                        * (static keys of either file), "assume-role",
	                        * "credential-process", "web-identity", "sso",
	                        * "container", "imds" */
};

/* Copies every string; provider may be NULL. Never fails (aborts on OOM). */
struct irsa_credentials *irsa_credentials_new(const char *access_key_id,
					      const char *secret_access_key,
					      const char *session_token, time_t expiration,
					      const char *provider);
struct irsa_credentials *irsa_credentials_dup(const struct irsa_credentials *c);
/* Zeroes the secrets; accepts NULL; returns NULL. */
struct irsa_credentials *irsa_credentials_free(struct irsa_credentials *c);
static inline void irsa_credentials_freep(struct irsa_credentials **c) { irsa_credentials_free(*c); }

/* A provider: get() returns 1 and fills *ret (caller owns it) when it has
 * credentials, 0 when it does not apply (e.g. env vars unset; the chain
 * then tries the next one), -1 on a real failure (the chain stops; err
 * names the provider and the reason). */
struct irsa_cred_provider {
	const char *name;
	int (*get)(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
		   struct irsa_error *err);
};

/* Resolve credentials in botocore's order (create_credential_resolver):
 *  1. environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN),
 *     skipped when a profile was chosen explicitly with --profile;
 *  2. the profile's role_arn (STS AssumeRole from source_profile or
 *     credential_source), unless it has web_identity_token_file;
 *  3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN /
 *     AWS_ROLE_SESSION_NAME (not with --profile), each else the profile's
 *     web_identity_token_file / role_arn / role_session_name;
 *  4. SSO (sso_account_id / sso_role_name; the aws CLI's token cache);
 *  5. static keys of the profile in the credentials file;
 *  6. the profile's credential_process;
 *  7. static keys of the profile in the config file;
 *  8. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI /
 *     _FULL_URI), else EC2 instance metadata (IMDSv2).
 * Returns 0 and *ret (caller owns) or -1 with err (IRSA_ERR_AUTH when no
 * provider had credentials, naming what was tried). */
int irsa_credentials_resolve(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
			     struct irsa_error *err);
