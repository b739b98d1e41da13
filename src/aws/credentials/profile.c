/* The profile links of the default chain, in botocore's order
 * (credentials.py create_credential_resolver and ProfileProviderBuilder):
 *
 *   assume role      role_arn without web_identity_token_file (merged view)
 *   web identity     web_identity_token_file + role_arn, each key taken from
 *                    AWS_WEB_IDENTITY_TOKEN_FILE / AWS_ROLE_ARN /
 *                    AWS_ROLE_SESSION_NAME first unless --profile was given
 *   SSO              sso_account_id / sso_role_name (sso.c)
 *   credentials file aws_access_key_id in the credentials file's section
 *   credential_process                              (merged view)
 *   config file      aws_access_key_id in the config file's section
 *
 * A source_profile is resolved with botocore's rules: when it has static
 * keys, or no role_arn, the links after "assume role" run for it with the
 * environment ignored and must yield credentials; otherwise its own role
 * is assumed first. A profile may name itself as source_profile only when
 * it has static keys; any other cycle is an error, found before any
 * request. */
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

static const struct irsa_profile *profile_named(const struct irsa_cred_context *ctx,
						const char *name)
{
	return irsa_config_profile(ctx->config, name);
}

static const char *session_profile(const struct irsa_cred_context *ctx)
{
	const char *name = ctx->profile;

	return name ? name : "default";
}

static bool has_static_keys(const struct irsa_profile *p)
{
	return irsa_profile_has(p, "aws_access_key_id") ||
	       irsa_profile_has(p, "aws_secret_access_key");
}

static bool is_assume_role(const struct irsa_profile *p)
{
	return irsa_profile_get(p, "role_arn") && !irsa_profile_has(p, "web_identity_token_file");
}

/* --- static keys of one file --- */

static int file_keys(const char *name, const struct irsa_profile *p, enum irsa_config_file file,
		     struct irsa_credentials **ret, struct irsa_error *err)
{
	const char *key_id = irsa_profile_get_in(p, file, "aws_access_key_id");
	const char *secret = irsa_profile_get_in(p, file, "aws_secret_access_key");
	/* botocore reads the older name first */
	const char *token = irsa_profile_get_in(p, file, "aws_security_token");
	const char *which = file == IRSA_CONFIG_FILE_CONFIG ? "the config file"
							    : "the credentials file";

	if (!key_id)
		return 0;
	if (!secret)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' has aws_access_key_id but no aws_secret_access_key "
				      "in %s", name, which);
	if (!token)
		token = irsa_profile_get_in(p, file, "aws_session_token");
	irsa_log_debug("credentials: profile '%s': static keys from %s", name, which);
	*ret = irsa_credentials_new(key_id, secret, token, 0, IRSA_PROVIDER_PROFILE);
	return 1;
}

/* --- web identity --- */

static const char *web_identity_setting(const struct irsa_cred_context *ctx,
					const struct irsa_profile *p, bool env_allowed,
					const char *env, const char *key)
{
	const char *v = env_allowed ? irsa_cred_getenv(ctx, env) : NULL;

	return v ? v : irsa_profile_get(p, key);
}

static int web_identity(const struct irsa_cred_context *ctx, const char *name, bool env_allowed,
			struct irsa_credentials **ret, struct irsa_error *err)
{
	const struct irsa_profile *p = profile_named(ctx, name);
	const char *token_file = web_identity_setting(ctx, p, env_allowed,
						      "AWS_WEB_IDENTITY_TOKEN_FILE",
						      "web_identity_token_file");
	const char *role_arn = web_identity_setting(ctx, p, env_allowed, "AWS_ROLE_ARN", "role_arn");
	const char *session = web_identity_setting(ctx, p, env_allowed, "AWS_ROLE_SESSION_NAME",
						   "role_session_name");
	bool from_env = env_allowed && irsa_cred_getenv(ctx, "AWS_WEB_IDENTITY_TOKEN_FILE");
	char who[512];

	if (!token_file)
		return 0;
	if (!role_arn && from_env)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not; set "
				      "both for web identity");
	if (!role_arn)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' has web_identity_token_file but no role_arn", name);
	if (from_env)
		snprintf(who, sizeof(who), "AWS_WEB_IDENTITY_TOKEN_FILE");
	else
		snprintf(who, sizeof(who), "profile '%s'", name);
	if (irsa_cred_web_identity(ctx, who, role_arn, token_file, session, ret, err) < 0)
		return -1;
	return 1;
}

/* --- the links after "assume role", for one profile --- */

int irsa_cred_profile_links(const struct irsa_cred_context *ctx, const char *name, bool env_allowed,
			    struct irsa_credentials **ret, struct irsa_error *err)
{
	const struct irsa_profile *p = profile_named(ctx, name);
	const char *process;
	int r;

	r = web_identity(ctx, name, env_allowed, ret, err);
	if (r != 0 || !p)
		return r;
	r = irsa_cred_sso_load(ctx, name, ret, err);
	if (r != 0)
		return r;
	r = file_keys(name, p, IRSA_CONFIG_FILE_CREDENTIALS, ret, err);
	if (r != 0)
		return r;
	process = irsa_profile_get(p, "credential_process");
	if (process)
		return irsa_cred_process_run(ctx, name, process, ret, err) < 0 ? -1 : 1;
	return file_keys(name, p, IRSA_CONFIG_FILE_CONFIG, ret, err);
}

/* --- assume role --- */

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
		/* botocore's source profiles never read the environment */
		r = irsa_cred_profile_links(ctx, source_name, false, ret, err);
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
	const struct irsa_profile *p = profile_named(ctx, name);
	_cleanup_(irsa_credentials_freep) struct irsa_credentials *src = NULL;

	if (irsa_profile_get(p, "mfa_serial"))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "profile '%s' needs an MFA code (mfa_serial), which irsactl "
				      "cannot prompt for; use a profile with credentials that need "
				      "no MFA", name);
	/* refuse what STS would refuse before any source is asked */
	if (irsa_cred_assume_role_check(name, p, err) < 0)
		return -1;
	if (source_credentials(ctx, w, &src, err) < 0)
		return -1;
	irsa_log_debug("credentials: profile '%s' assumes its role with credentials from %s",
		       name, src->provider ? src->provider : "a source");
	return irsa_cred_assume_role(ctx, src, name, p, ret, err);
}

/* --- the links as the default chain calls them --- */

int irsa_cred_assume_role_get(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
			      struct irsa_error *err)
{
	const char *name = session_profile(ctx);
	const struct irsa_profile *p = profile_named(ctx, name);
	struct walk w = { .names = { name }, .n = 1 };

	if (!p || !is_assume_role(p))
		return 0;
	return assume_role_profile(ctx, &w, ret, err) < 0 ? -1 : 1;
}

int irsa_cred_profile_get(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
			  struct irsa_error *err)
{
	/* an explicit --profile turns the environment off, as for the keys */
	return irsa_cred_profile_links(ctx, session_profile(ctx), !ctx->profile_explicit,
				       ret, err);
}
