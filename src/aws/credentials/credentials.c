/* The default provider chain. The credentials object and the helpers
 * the providers share are in common.c. */
#include <stdio.h>

#include "irsa/aws_config.h"
#include "irsa/credentials.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "providers.h"

int irsa_credentials_resolve(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
			     struct irsa_error *err)
{
	/* botocore's create_credential_resolver(): the environment, the
	 * profile's role_arn, then its other links (web identity, SSO, the
	 * credentials file, credential_process, the config file), then the
	 * container and instance metadata. */
	struct irsa_cred_provider chain[] = {
		{ "environment", irsa_cred_env_get },
		{ "assume role", irsa_cred_assume_role_get },
		{ "profile", irsa_cred_profile_get },
		{ "container", irsa_cred_container_load },
		{ "instance metadata", irsa_cred_imds_get },
	};
	const char *profile = ctx->profile;
	const struct irsa_config *config = ctx->config;

	for (size_t i = 0; i < ARRAY_SIZE(chain); i++) {
		struct irsa_credentials *c = NULL;
		int r = chain[i].get(ctx, &c, err);

		if (r < 0)
			return -1;
		if (r > 0) {
			irsa_log_debug("credentials: %s provider answered (access key %.4s...)",
				       c->provider ? c->provider : chain[i].name, c->access_key_id);
			*ret = c;
			return 0;
		}
		irsa_log_debug("credentials: %s provider does not apply", chain[i].name);
	}
	return irsa_error_set(err, IRSA_ERR_AUTH,
			      "no AWS credentials found (tried the environment, profile '%s' in "
			      "'%s' and '%s', web identity, SSO, container and instance "
			      "metadata); "
			      "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or choose a "
			      "profile with --profile",
			      profile ? profile : "default",
			      config ? irsa_config_path(config) : "~/.aws/config",
			      config ? irsa_config_credentials_path(config) : "~/.aws/credentials");
}
