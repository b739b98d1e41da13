/* Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SECURITY_TOKEN or AWS_SESSION_TOKEN (botocore reads the older name
 * first). */
#include "irsa/credentials.h"
#include "irsa/log.h"
#include "providers.h"

int irsa_cred_env_load(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
		       struct irsa_error *err)
{
	const char *key_id = irsa_cred_getenv(ctx, "AWS_ACCESS_KEY_ID");
	const char *secret = irsa_cred_getenv(ctx, "AWS_SECRET_ACCESS_KEY");
	const char *token = irsa_cred_getenv(ctx, "AWS_SECURITY_TOKEN");

	if (!key_id && !secret)
		return 0;
	if (!key_id)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not; "
				      "set both or neither");
	if (!secret)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; "
				      "set both or neither");
	if (!token)
		token = irsa_cred_getenv(ctx, "AWS_SESSION_TOKEN");
	*ret = irsa_credentials_new(key_id, secret, token, 0, IRSA_PROVIDER_ENVIRONMENT);
	return 1;
}

int irsa_cred_env_get(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
		      struct irsa_error *err)
{
	/* --profile overrides the environment keys, as in the AWS CLI */
	if (ctx->profile_explicit) {
		if (irsa_cred_getenv(ctx, "AWS_ACCESS_KEY_ID"))
			irsa_log_debug("credentials: ignoring AWS_ACCESS_KEY_ID because --profile "
				       "was given");
		return 0;
	}
	return irsa_cred_env_load(ctx, ret, err);
}
