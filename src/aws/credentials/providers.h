#pragma once
/* Private to the credential providers in src/aws/credentials/.
 *
 * Each provider of the default chain has a get() with the contract of
 * struct irsa_cred_provider (1 = credentials, 0 = does not apply,
 * -1 = failed with err set). The building blocks below it are shared by
 * the profile provider (assume role, credential_process, web identity)
 * and exposed here so that the unit tests can reach the parts that need
 * no network. */
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "irsa/buf.h"
#include "irsa/aws_config.h"
#include "irsa/credentials.h"
#include "irsa/error.h"
#include "irsa/http.h"
#include "src/aws/client.h"
#include "src/aws/xml.h"

/* The provider names (struct irsa_credentials.provider), stable: the CLI
 * prints them. */
#define IRSA_PROVIDER_ENVIRONMENT "environment"
#define IRSA_PROVIDER_PROFILE "profile"
#define IRSA_PROVIDER_ASSUME_ROLE "assume-role"
#define IRSA_PROVIDER_PROCESS "credential-process"
#define IRSA_PROVIDER_WEB_IDENTITY "web-identity"
#define IRSA_PROVIDER_CONTAINER "container"
#define IRSA_PROVIDER_IMDS "imds"
#define IRSA_PROVIDER_SSO "sso"

#define IRSA_STS_VERSION "2011-06-15"
#define IRSA_PROCESS_OUTPUT_MAX (64u * 1024u)
#define IRSA_PROCESS_TIMEOUT_MS 60000
#define IRSA_TOKEN_FILE_MAX (16u * 1024u)

/* The client's view of the outside world, for the providers. */
static inline const char *irsa_cred_getenv(const struct irsa_cred_context *ctx, const char *name)
{
	return irsa_aws_client_getenv(ctx->client, name);
}

static inline time_t irsa_cred_now(const struct irsa_cred_context *ctx)
{
	return irsa_aws_client_now(ctx->client);
}

static inline void irsa_cred_sleep_ms(const struct irsa_cred_context *ctx, long ms)
{
	irsa_aws_client_sleep_ms(ctx->client, ms);
}

/* --- the links of the default chain (credentials.c lists them) --- */
int irsa_cred_env_get(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
		      struct irsa_error *err);
/* The session profile's role_arn (without web_identity_token_file). */
int irsa_cred_assume_role_get(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
			      struct irsa_error *err);
/* The session profile's other links (irsa_cred_profile_links), the
 * environment allowed unless --profile was given. */
int irsa_cred_profile_get(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
			  struct irsa_error *err);
/* (then irsa_cred_container_load: container credentials when
 * AWS_CONTAINER_CREDENTIALS_* is set; IMDS only when it does not apply) */
int irsa_cred_imds_get(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
		       struct irsa_error *err);

/* --- building blocks --- */

/* The environment keys, whether or not a profile was chosen explicitly
 * (credential_source = Environment uses this). 1 / 0 / -1. */
int irsa_cred_env_load(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
		       struct irsa_error *err);

/* botocore's ProfileProviderBuilder.providers() for profile `name`: web
 * identity (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN and
 * AWS_ROLE_SESSION_NAME win key by key when env_allowed), SSO, the
 * credentials file's keys, credential_process, the config file's keys.
 * The profile need not exist (web identity from the environment). */
int irsa_cred_profile_links(const struct irsa_cred_context *ctx, const char *name,
			    bool env_allowed, struct irsa_credentials **ret, struct irsa_error *err);

/* SSO (IAM Identity Center) credentials for profile `name` when it has
 * sso_account_id or sso_role_name: the aws CLI's token cache
 * (~/.aws/sso/cache/SHA1.json), refreshed through SSO OIDC CreateToken
 * for sso_session profiles, then the portal's GetRoleCredentials.
 * 1 / 0 / -1. */
int irsa_cred_sso_load(const struct irsa_cred_context *ctx, const char *name,
		       struct irsa_credentials **ret, struct irsa_error *err);
/* The token cache file name for a start URL or sso-session name:
 * lower-case hex SHA-1 + ".json", malloc'd. */
char *irsa_cred_sso_cache_name(const char *key);

/* The profile settings STS would refuse (duration_seconds,
 * role_session_name), found before any request: 0 or -1 (IRSA_ERR_USAGE). */
int irsa_cred_assume_role_check(const char *name, const struct irsa_profile *prof,
				struct irsa_error *err);
/* STS's RoleSessionName rule: 2 to 64 of [A-Za-z0-9_+=,.@-]. */
bool irsa_cred_session_name_valid(const char *s);
/* 0, or -1 with "WHO has SETTING 'V', which STS refuses; ..." (the value
 * quoted only when it is printable ASCII). */
int irsa_cred_session_name_check(const char *who, const char *setting, const char *v,
				 struct irsa_error *err);
/* STS AssumeRole for profile `name` (role_arn, role_session_name,
 * duration_seconds, external_id) signed with src. */
int irsa_cred_assume_role(const struct irsa_cred_context *ctx, const struct irsa_credentials *src,
			  const char *name, const struct irsa_profile *prof,
			  struct irsa_credentials **ret, struct irsa_error *err);

/* Run `command` with /bin/sh -c and parse its JSON answer. `profile`
 * names the profile in messages. The time limit is 60 s, or less with
 * IRSACTL_CREDENTIAL_PROCESS_TIMEOUT_MS (ctx may be NULL). */
int irsa_cred_process_run(const struct irsa_cred_context *ctx, const char *profile,
			  const char *command, struct irsa_credentials **ret,
			  struct irsa_error *err);
/* Parse the credential_process JSON output (Version 1). Never echoes
 * the output in err. */
int irsa_cred_process_parse(const char *profile, const char *out, size_t len,
			    struct irsa_credentials **ret, struct irsa_error *err);

/* STS AssumeRoleWithWebIdentity (unsigned). `who` says where the
 * settings came from for messages ("profile 'x'",
 * "AWS_WEB_IDENTITY_TOKEN_FILE"). session_name may be NULL. */
int irsa_cred_web_identity(const struct irsa_cred_context *ctx, const char *who,
			   const char *role_arn, const char *token_file, const char *session_name,
			   struct irsa_credentials **ret, struct irsa_error *err);

/* One request to a local credential endpoint (container agent, IMDS):
 * the session's TLS options with these timeouts, a 64 KiB body limit and
 * one retry on a transport failure or a 5xx answer. On success *ret holds
 * the answer whatever its status (caller releases it). */
#define IRSA_METADATA_BODY_MAX (64u * 1024u)
struct irsa_cred_http_request {
	const char *method;
	const char *url;
	const struct irsa_header *headers;
	size_t n_headers;
	const char *body;      /* NULL = none; may be secret (zeroed after) */
	bool secret_query;     /* the URL's query never reaches the log */
	long connect_timeout_ms;
	long timeout_ms;
};
int irsa_cred_http(const struct irsa_cred_context *ctx, const struct irsa_cred_http_request *hr,
		   struct irsa_response *ret, struct irsa_error *err);

/* True when AWS_CONTAINER_CREDENTIALS_FULL_URI may point there: https to
 * any host; http only to loopback (127.0.0.0/8, [::1], localhost) or the
 * ECS/EKS agent addresses 169.254.170.2, 169.254.170.23, [fd00:ec2::23]. */
bool irsa_cred_container_url_allowed(const char *url);
/* The container endpoint URL from the environment: 1 and *ret_url
 * (malloc'd), 0 when neither variable is set, -1 when FULL_URI points
 * somewhere it may not. */
int irsa_cred_container_url(const struct irsa_cred_context *ctx, char **ret_url,
			    struct irsa_error *err);
/* url for messages and logs: any user:password and the query replaced by
 * "REDACTED" (malloc'd). */
char *irsa_cred_url_display(const char *url);
/* Container credentials (1 / 0 when not configured / -1). */
int irsa_cred_container_load(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
			     struct irsa_error *err);
/* Instance metadata credentials. `required` (credential_source =
 * Ec2InstanceMetadata) turns "no metadata service here" into an error. */
int irsa_cred_imds_load(const struct irsa_cred_context *ctx, bool required,
			struct irsa_credentials **ret, struct irsa_error *err);

/* The Credentials element of an STS AssumeRole* answer. `what` names the
 * call for messages. */
int irsa_cred_sts_parse(xmlDoc *doc, const char *what, const char *provider,
			struct irsa_credentials **ret, struct irsa_error *err);
/* An AccessKeyId / SecretAccessKey / <token_key> / Expiration JSON object
 * (container endpoint, IMDS, credential_process). `who` starts the
 * error messages. */
int irsa_cred_from_json(const json_t *obj, const char *token_key, const char *who,
			const char *provider, struct irsa_credentials **ret,
			struct irsa_error *err);

/* ISO 8601 / RFC 3339 UTC time ("2024-05-01T12:00:00Z", fractional
 * seconds and +hh:mm offsets accepted). */
int irsa_parse_iso8601(const char *s, time_t *ret);

/* Append a token file ("~/" expanded, at most IRSA_TOKEN_FILE_MAX bytes)
 * to token, without trailing whitespace; failures are IRSA_ERR_AUTH.
 * `what` names the file in messages. The caller releases token with
 * irsa_buf_release_secure(), also after a failure. */
int irsa_cred_read_token_file(const char *path, const char *what, struct irsa_buf *token,
			      struct irsa_error *err);

/* "irsactl-<epoch>", malloc'd: the default role session name. */
char *irsa_cred_session_name(const struct irsa_cred_context *ctx);
/* True for "true" in any case (AWS_EC2_METADATA_DISABLED & co). */
bool irsa_env_true(const char *v);
