/* Credentials from a profile of the shared config/credentials files.
 *
 * Within a profile, as the SDKs: role_arn (assume role, from
 * source_profile or credential_source) > role_arn + web_identity_token_file
 * > credential_process > static keys. A source_profile is resolved with
 * botocore's rules: when it has static keys, or no role_arn, it is read
 * without assuming a role (web identity, credential_process, static
 * keys) and must yield credentials; otherwise its own role is assumed
 * first. A profile may name itself as source_profile only when it has
 * static keys; any other cycle is an error, found before any request. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "irsa/buf.h"
#include "irsa/aws_config.h"
#include "irsa/credentials.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "providers.h"

#define MAX_CHAIN 16

struct walk {
	const char *names[MAX_CHAIN + 1]; /* profiles visited, top first */
	size_t n;
};

static bool has_static_keys(const struct irsa_profile *p)
{
	return irsa_profile_get(p, "aws_access_key_id") != NULL;
}

static bool is_assume_role(const struct irsa_profile *p)
{
	return irsa_profile_get(p, "role_arn") && !irsa_profile_get(p, "web_identity_token_file");
}

static int static_keys(const char *name, const struct irsa_profile *p,
		       struct irsa_credentials **ret, struct irsa_error *err)
{
	const char *key_id = irsa_profile_get(p, "aws_access_key_id");
	const char *secret = irsa_profile_get(p, "aws_secret_access_key");

	if (!key_id)
		return 0;
	if (!secret)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' has aws_access_key_id but no aws_secret_access_key",
				      name);
	*ret = irsa_credentials_new(key_id, secret, irsa_profile_get(p, "aws_session_token"), 0,
				    IRSA_PROVIDER_PROFILE);
	return 1;
}

static int web_identity(const struct irsa_cred_context *ctx, const char *name,
			const struct irsa_profile *p, struct irsa_credentials **ret,
			struct irsa_error *err)
{
	const char *role_arn = irsa_profile_get(p, "role_arn");
	const char *token_file = irsa_profile_get(p, "web_identity_token_file");
	char who[512];

	if (!role_arn)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' has web_identity_token_file but no role_arn", name);
	snprintf(who, sizeof(who), "profile '%s'", name);
	if (irsa_cred_web_identity(ctx, who, role_arn, token_file,
				   irsa_profile_get(p, "role_session_name"),
				   irsa_profile_get(p, "duration_seconds"), ret, err) < 0)
		return -1;
	return 1;
}

/* Everything but assume role, in precedence order. */
static int direct_credentials(const struct irsa_cred_context *ctx, const char *name,
			      const struct irsa_profile *p, struct irsa_credentials **ret,
			      struct irsa_error *err)
{
	const char *process = irsa_profile_get(p, "credential_process");

	if (irsa_profile_get(p, "web_identity_token_file"))
		return web_identity(ctx, name, p, ret, err);
	if (process) {
		if (irsa_cred_process_run(name, process, ret, err) < 0)
			return -1;
		return 1;
	}
	return static_keys(name, p, ret, err);
}

static int loop_error(const struct walk *w, const char *next, struct irsa_error *err)
{
	struct irsa_buf path = IRSA_BUF_INIT;

	for (size_t i = 0; i < w->n; i++)
		irsa_buf_printf(&path, "%s -> ", w->names[i]);
	irsa_buf_puts(&path, next);
	irsa_error_set(err, IRSA_ERR_USAGE, "profile '%s' has a source_profile loop: %s",
		       w->names[0], irsa_buf_str(&path));
	irsa_buf_release(&path);
	return -1;
}

static bool visited(const struct walk *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->names[i], name) == 0)
			return true;
	return false;
}

static int from_credential_source(const struct irsa_cred_context *ctx, const char *name,
				  const char *role_arn, const char *source,
				  struct irsa_credentials **ret, struct irsa_error *err)
{
	int r;

	if (strcasecmp(source, "Environment") == 0) {
		r = irsa_cred_env_load(ctx, ret, err);
		if (r == 0)
			irsa_error_set(err, IRSA_ERR_AUTH,
				       "profile '%s' assumes role '%s' with credential_source "
				       "Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
				       "are not set", name, role_arn);
	} else if (strcasecmp(source, "Ec2InstanceMetadata") == 0) {
		r = irsa_cred_imds_load(ctx, true, ret, err);
		if (r == 0)
			irsa_error_set(err, IRSA_ERR_AUTH,
				       "profile '%s' assumes role '%s' with credential_source "
				       "Ec2InstanceMetadata, but instance metadata has no credentials",
				       name, role_arn);
	} else if (strcasecmp(source, "EcsContainer") == 0) {
		r = irsa_cred_container_load(ctx, ret, err);
		if (r == 0)
			irsa_error_set(err, IRSA_ERR_AUTH,
				       "profile '%s' assumes role '%s' with credential_source "
				       "EcsContainer, but AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
				       "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set", name, role_arn);
	} else {
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' has an unknown credential_source '%s'; use "
				      "Environment, Ec2InstanceMetadata or EcsContainer", name, source);
	}
	if (r < 0)
		irsa_error_prefix(err, "profile '%s' (credential_source %s)", name, source);
	return r > 0 ? 0 : -1;
}

static int assume_role_profile(const struct irsa_cred_context *ctx, struct walk *w,
			       struct irsa_credentials **ret, struct irsa_error *err);

/* The credentials that profile `name` assumes its role with. */
static int source_credentials(const struct irsa_cred_context *ctx, struct walk *w,
			      struct irsa_credentials **ret, struct irsa_error *err)
{
	const struct irsa_config *config = ctx->config;
	const char *name = w->names[w->n - 1];
	const struct irsa_profile *p = irsa_config_profile(config, name);
	const char *role_arn = irsa_profile_get(p, "role_arn");
	const char *source_name = irsa_profile_get(p, "source_profile");
	const char *credential_source = irsa_profile_get(p, "credential_source");
	const struct irsa_profile *source;
	int r;

	if (source_name && credential_source)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' has both source_profile and credential_source; "
				      "keep one", name);
	if (credential_source)
		return from_credential_source(ctx, name, role_arn, credential_source, ret, err);
	if (!source_name)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' has role_arn but neither source_profile nor "
				      "credential_source", name);
	source = irsa_config_profile(config, source_name);
	if (!source)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' has source_profile '%s', which is not in '%s' or '%s'",
				      name, source_name, irsa_config_path(config),
				      irsa_config_credentials_path(config));
	if (visited(w, source_name) &&
	    (strcmp(source_name, name) != 0 || !has_static_keys(source)))
		return loop_error(w, source_name, err);
	if (w->n >= MAX_CHAIN)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' has a source_profile chain longer than %d profiles",
				      w->names[0], MAX_CHAIN);
	if (has_static_keys(source) || !is_assume_role(source)) {
		r = direct_credentials(ctx, source_name, source, ret, err);
		if (r == 0)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "profile '%s' assumes role '%s' from source_profile '%s', "
					      "which has no credentials", name, role_arn, source_name);
		return r < 0 ? -1 : 0;
	}
	w->names[w->n++] = source_name;
	r = assume_role_profile(ctx, w, ret, err);
	w->n--;
	return r;
}

static int assume_role_profile(const struct irsa_cred_context *ctx, struct walk *w,
			       struct irsa_credentials **ret, struct irsa_error *err)
{
	const char *name = w->names[w->n - 1];
	const struct irsa_profile *p = irsa_config_profile(ctx->config, name);
	_cleanup_(irsa_credentials_freep) struct irsa_credentials *src = NULL;

	if (irsa_profile_get(p, "mfa_serial"))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' needs an MFA code (mfa_serial), which irsactl "
				      "cannot prompt for; use a profile with credentials that need "
				      "no MFA", name);
	if (source_credentials(ctx, w, &src, err) < 0)
		return -1;
	irsa_log_debug("credentials: profile '%s' assumes its role with credentials from %s",
		       name, src->provider ? src->provider : "a source");
	return irsa_cred_assume_role(ctx, src, name, p, ret, err);
}

int irsa_cred_profile_load(const struct irsa_cred_context *ctx, const char *name,
			   struct irsa_credentials **ret, struct irsa_error *err)
{
	const struct irsa_profile *p = irsa_config_profile(ctx->config, name);
	struct walk w = { .names = { name }, .n = 1 };
	int r;

	if (!p)
		return 0;
	if (is_assume_role(p))
		return assume_role_profile(ctx, &w, ret, err) < 0 ? -1 : 1;
	r = direct_credentials(ctx, name, p, ret, err);
	if (r == 0 && (irsa_profile_get(p, "sso_session") || irsa_profile_get(p, "sso_start_url")))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' uses IAM Identity Center (SSO), which irsactl "
				      "does not support; run 'aws configure export-credentials "
				      "--profile %s --format env' and use the environment instead",
				      name, name);
	return r;
}

int irsa_cred_profile_get(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
			  struct irsa_error *err)
{
	const struct irsa_config *config = ctx->config;
	const char *name = ctx->profile;

	if (!config)
		return 0;
	if (!name)
		name = "default";
	if (!irsa_config_profile(config, name)) {
		/* a profile the user asked for must exist; "default" need not */
		if (ctx->profile_explicit || irsa_cred_getenv(ctx, "AWS_PROFILE"))
			return irsa_config_require_profile(config, name, err);
		return 0;
	}
	return irsa_cred_profile_load(ctx, name, ret, err);
}
