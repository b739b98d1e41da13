/* SSO (IAM Identity Center) credentials, as botocore's SSOProvider and
 * SSOTokenProvider get them:
 *
 *   - a profile applies when it has sso_account_id or sso_role_name; with
 *     sso_session its sso_start_url / sso_region come from the config
 *     file's "[sso-session NAME]" section (the same key in both must agree),
 *     otherwise from the profile itself (the legacy form);
 *   - the access token is the one `aws sso login` cached in
 *     ~/.aws/sso/cache/SHA1.json, SHA-1 of the sso-session name (or of the
 *     start URL for the legacy form);
 *   - with sso_session, a token expiring within 15 minutes is refreshed
 *     with the cached refresh token and client registration (SSO OIDC
 *     CreateToken), and the cache file is rewritten atomically (0600);
 *   - the portal's GetRoleCredentials trades the token for role
 *     credentials.
 *
 * Both calls are unsigned (a bearer token, or no auth at all). Tokens,
 * client secrets and refresh tokens never reach a message or the log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "irsa/buf.h"
#include "irsa/fileutil.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "providers.h"

#define SSO_CACHE_DIR ".aws/sso/cache"
#define SSO_CACHE_FILE_MAX (64u * 1024u)
#define SSO_REFRESH_WINDOW 900 /* seconds, botocore's _REFRESH_WINDOW */
#define SSO_TOKEN_LIFETIME_MAX (400LL * 86400) /* more is a malformed answer */
#define SSO_CONNECT_TIMEOUT_MS 5000
#define SSO_TIMEOUT_MS 30000

struct sso_config {
	const char *profile;
	const char *session;   /* sso_session, NULL in the legacy form */
	const char *start_url;
	const char *region;
	const char *account_id;
	const char *role_name;
};

struct sso_token {
	json_t *cache;         /* the whole cache file */
	const char *access_token; /* borrowed from cache */
	time_t expires;
	char *path;
};

static void sso_token_release(struct sso_token *t)
{
	json_decref(t->cache);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

static int login_error(const struct sso_config *c, const char *why, struct irsa_error *err)
{
	return irsa_error_set(err, IRSA_ERR_AUTH,
			      "profile '%s' uses SSO, but %s; run 'aws sso login --profile %s'",
			      c->profile, why, c->profile);
}

/* --- configuration --- */

static const char *sso_setting(const struct irsa_profile *p, const struct irsa_profile *s,
			       const char *key)
{
	const char *v = irsa_profile_get(s, key);

	return v ? v : irsa_profile_get(p, key);
}

/* Every key of the sso-session section must agree with the profile's. */
static int check_session_agrees(const char *name, const struct irsa_profile *p,
				const struct irsa_profile *s, struct irsa_error *err)
{
	for (size_t i = 0; i < s->n_items[IRSA_CONFIG_FILE_CONFIG]; i++) {
		const struct irsa_kv *kv = &s->items[IRSA_CONFIG_FILE_CONFIG][i];
		const char *mine = irsa_profile_get(p, kv->key);

		if (mine && strcmp(mine, kv->value) != 0)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "profile '%s' and its sso-session '%s' disagree on '%s'; "
					      "keep it in the sso-session only", name, s->name, kv->key);
	}
	return 0;
}

static int sso_config_resolve(const struct irsa_cred_context *ctx, const char *name,
			      struct sso_config *c, struct irsa_error *err)
{
	const struct irsa_config *config = ctx->config;
	const struct irsa_profile *p = irsa_config_profile(config, name);
	const struct irsa_profile *s = NULL;
	struct irsa_buf missing = IRSA_BUF_INIT;
	static const char *const required[] = {
		"sso_role_name", "sso_account_id", "sso_start_url", "sso_region",
	};

	if (!irsa_profile_has(p, "sso_account_id") && !irsa_profile_has(p, "sso_role_name"))
		return 0;
	*c = (struct sso_config){ .profile = name, .session = irsa_profile_get(p, "sso_session") };
	if (c->session) {
		s = irsa_config_sso_session(config, c->session);
		if (!s)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "profile '%s' names sso_session '%s', which is not in '%s'",
					      name, c->session, irsa_config_path(config));
		if (check_session_agrees(name, p, s, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(required); i++)
		if (!sso_setting(p, s, required[i]))
			irsa_buf_printf(&missing, "%s%s", missing.len ? ", " : "", required[i]);
	if (missing.len) {
		irsa_error_set(err, IRSA_ERR_USAGE,
			       "profile '%s' is configured for SSO but lacks %s; run 'aws configure "
			       "sso --profile %s'", name, irsa_buf_str(&missing), name);
		irsa_buf_release(&missing);
		return -1;
	}
	c->role_name = sso_setting(p, s, "sso_role_name");
	c->account_id = sso_setting(p, s, "sso_account_id");
	c->start_url = sso_setting(p, s, "sso_start_url");
	c->region = sso_setting(p, s, "sso_region");
	return 1;
}

/* --- the token cache --- */

char *irsa_cred_sso_cache_name(const char *key)
{
	unsigned char md[SHA_DIGEST_LENGTH];
	char hex[2 * SHA_DIGEST_LENGTH + 1];

	SHA1((const unsigned char *)key, strlen(key), md);
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return irsa_asprintf("%s.json", hex);
}

static char *cache_path(const struct irsa_cred_context *ctx, const struct sso_config *c)
{
	_cleanup_free_ char *file = irsa_cred_sso_cache_name(c->session ? c->session
									 : c->start_url);
	const char *home = irsa_cred_getenv(ctx, "HOME");
	_cleanup_free_ char *dir = home ? irsa_asprintf("%s/" SSO_CACHE_DIR, home)
					: irsa_path_expand_home("~/" SSO_CACHE_DIR);

	return irsa_asprintf("%s/%s", dir, file);
}

/* Cached times: "2024-05-01T12:00:00Z", older CLIs wrote "...UTC". */
static int parse_cache_time(const char *s, time_t *ret)
{
	char buf[64];
	size_t n;

	if (!s || (n = strlen(s)) >= sizeof(buf))
		return -1;
	memcpy(buf, s, n + 1);
	if (n > 3 && strcmp(buf + n - 3, "UTC") == 0)
		snprintf(buf + n - 3, 4, "Z");
	return irsa_parse_iso8601(buf, ret);
}

static int token_load(const struct irsa_cred_context *ctx, const struct sso_config *c,
		      struct sso_token *t, struct irsa_error *err)
{
	struct irsa_buf b = IRSA_BUF_INIT;
	json_error_t jerr;
	const char *expires;
	int r;

	t->path = cache_path(ctx, c);
	if (!irsa_file_exists(t->path))
		return login_error(c, "no SSO token is cached for it", err);
	r = irsa_file_read(t->path, SSO_CACHE_FILE_MAX, "SSO token cache file", &b, err);
	if (r == 0)
		t->cache = json_loadb(b.data ? b.data : "", b.len, 0, &jerr);
	irsa_buf_release_secure(&b);
	if (r < 0) {
		if (err)
			err->kind = IRSA_ERR_AUTH;
		return -1;
	}
	t->access_token = json_string_value(json_object_get(t->cache, "accessToken"));
	expires = json_string_value(json_object_get(t->cache, "expiresAt"));
	if (irsa_str_empty(t->access_token) || parse_cache_time(expires, &t->expires) < 0)
		return login_error(c, "its cached SSO token is unreadable", err);
	irsa_log_debug("credentials: profile '%s': cached SSO token %s, expires %s", c->profile,
		       t->path, expires);
	return 0;
}

static void format_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* --- the two HTTP calls --- */

static int sso_endpoint(const struct irsa_cred_context *ctx, const char *service,
			const struct sso_config *c, struct irsa_endpoint *ret,
			struct irsa_error *err)
{
	if (irsa_aws_client_endpoint_in(ctx->client, service, c->region, ret, err) < 0)
		return irsa_error_prefix(err, "profile '%s' has sso_region '%s'", c->profile,
					 c->region);
	return 0;
}

/* "HTTP 400 InvalidGrantException: message" from an SSO error answer. */
static char *error_summary(const struct irsa_response *resp)
{
	const char *type = irsa_response_get_header(resp, "x-amzn-ErrorType");
	json_t *root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	const char *message = json_string_value(json_object_get(root, "message"));
	char *s;

	if (!message)
		message = json_string_value(json_object_get(root, "error_description"));
	if (!type)
		type = json_string_value(json_object_get(root, "error"));
	s = irsa_asprintf("HTTP %ld%s%.*s%s%.200s", resp->status, type ? " " : "",
			  type ? (int)strcspn(type, ":") : 0, type ? type : "",
			  message ? ": " : "", message ? message : "");
	json_decref(root);
	return s;
}

/* The cached client registration and refresh token, or 0 when there is
 * none that can still be used. */
static int refresh_grant(const struct irsa_cred_context *ctx, const struct sso_token *t,
			 char **ret_body)
{
	const char *client_id = json_string_value(json_object_get(t->cache, "clientId"));
	const char *client_secret = json_string_value(json_object_get(t->cache, "clientSecret"));
	const char *refresh = json_string_value(json_object_get(t->cache, "refreshToken"));
	const char *registration = json_string_value(json_object_get(t->cache,
								     "registrationExpiresAt"));
	time_t registration_expires;
	json_t *req;

	if (!client_id || !client_secret || !refresh ||
	    parse_cache_time(registration, &registration_expires) < 0) {
		irsa_log_debug("credentials: the cached SSO token has no refresh token or client "
			       "registration");
		return 0;
	}
	if (registration_expires <= irsa_cred_now(ctx)) {
		irsa_log_debug("credentials: the SSO client registration expired at %s",
			       registration);
		return 0;
	}
	req = json_pack("{s:s, s:s, s:s, s:s}", "clientId", client_id, "clientSecret",
			client_secret, "grantType", "refresh_token", "refreshToken", refresh);
	*ret_body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	return *ret_body ? 1 : -1;
}

/* The cache entry botocore writes after a refresh: the registration kept,
 * a new refresh token only when one came back. NULL when the answer is
 * not a usable token. */
static json_t *refreshed_entry(const struct irsa_cred_context *ctx, const struct sso_config *c,
			       const json_t *old, const json_t *answer, time_t *ret_expires)
{
	const char *access = json_string_value(json_object_get(answer, "accessToken"));
	const char *new_refresh = json_string_value(json_object_get(answer, "refreshToken"));
	json_int_t expires_in = json_integer_value(json_object_get(answer, "expiresIn"));
	char when[32];
	json_t *fresh;

	if (irsa_str_empty(access) || expires_in <= 0 || expires_in > SSO_TOKEN_LIFETIME_MAX)
		return NULL;
	*ret_expires = irsa_cred_now(ctx) + (time_t)expires_in;
	format_time(*ret_expires, when, sizeof(when));
	fresh = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:O}", "startUrl", c->start_url,
			  "region", c->region, "accessToken", access, "expiresAt", when,
			  "clientId", json_object_get(old, "clientId"),
			  "clientSecret", json_object_get(old, "clientSecret"),
			  "registrationExpiresAt", json_object_get(old, "registrationExpiresAt"));
	if (fresh && new_refresh)
		json_object_set_new(fresh, "refreshToken", json_string(new_refresh));
	return fresh;
}

/* SSO OIDC CreateToken with the refresh token: 1 and t updated, 0 when the
 * cache cannot refresh, -1 on failure. */
static int create_token(const struct irsa_cred_context *ctx, const struct sso_config *c,
			struct sso_token *t, struct irsa_error *err)
{
	struct irsa_header headers[] = { { (char *)"Content-Type", (char *)"application/json" } };
	struct irsa_endpoint ep;
	_cleanup_free_ char *url = NULL;
	char *body = NULL;
	json_t *answer, *fresh = NULL;
	struct irsa_response resp;
	time_t expires = 0;
	int r;

	r = refresh_grant(ctx, t, &body);
	if (r < 0)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot encode the SSO token request");
	if (r == 0 || sso_endpoint(ctx, "sso-oidc", c, &ep, err) < 0) {
		irsa_free_secret(body);
		return r == 0 ? 0 : -1;
	}
	url = irsa_asprintf("%s/token", ep.url);
	irsa_log_debug("credentials: profile '%s': refreshing the SSO token (SSO OIDC "
		       "CreateToken)", c->profile);
	r = irsa_cred_http(ctx, &(struct irsa_cred_http_request){
				   .method = "POST", .url = url, .headers = headers,
				   .n_headers = ARRAY_SIZE(headers), .body = body,
				   .connect_timeout_ms = SSO_CONNECT_TIMEOUT_MS,
				   .timeout_ms = SSO_TIMEOUT_MS },
			   &resp, err);
	irsa_free_secret(body);
	if (r < 0)
		return irsa_error_prefix(err, "SSO OIDC CreateToken");
	answer = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
	if (resp.status == 200)
		fresh = refreshed_entry(ctx, c, t->cache, answer, &expires);
	if (!fresh) {
		_cleanup_free_ char *why = resp.status != 200 ? error_summary(&resp)
							      : irsa_strdup("a malformed answer");

		irsa_error_set(err, IRSA_ERR_AUTH, "SSO OIDC CreateToken: %s", why);
	}
	json_decref(answer);
	irsa_buf_release_secure(&resp.body);
	irsa_response_release(&resp);
	if (!fresh)
		return -1;
	json_decref(t->cache);
	t->cache = fresh;
	t->access_token = json_string_value(json_object_get(fresh, "accessToken"));
	t->expires = expires;
	return 1;
}

static int token_save(const struct sso_token *t, struct irsa_error *err)
{
	char *text = json_dumps(t->cache, JSON_INDENT(2));
	int r;

	if (!text)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot encode the SSO token cache");
	r = irsa_file_write_atomic(t->path, text, strlen(text), 0600, err);
	irsa_free_secret(text);
	return r;
}

/* botocore: a token within 15 minutes of its expiry is refreshed when it
 * can be; a failed refresh leaves the cached token in use. */
static int token_refresh(const struct irsa_cred_context *ctx, const struct sso_config *c,
			 struct sso_token *t, struct irsa_error *err)
{
	struct irsa_error refresh_err;
	int r;

	if (!c->session || t->expires - irsa_cred_now(ctx) >= SSO_REFRESH_WINDOW)
		return 0;
	irsa_error_clear(&refresh_err);
	r = create_token(ctx, c, t, &refresh_err);
	if (r < 0) {
		irsa_log_debug("credentials: the SSO token refresh failed: %s", refresh_err.message);
		return 0;
	}
	if (r > 0 && token_save(t, err) < 0)
		return irsa_error_prefix(err, "cannot update the SSO token cache");
	return 0;
}

static char *escape(const char *s)
{
	struct irsa_buf b = IRSA_BUF_INIT;

	irsa_form_encode(&b, s);
	return irsa_buf_detach(&b);
}

static int parse_role_credentials(const struct sso_config *c, const struct irsa_response *resp,
				  struct irsa_credentials **ret, struct irsa_error *err)
{
	json_t *root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL);
	json_t *rc = json_object_get(root, "roleCredentials");
	const char *key_id = json_string_value(json_object_get(rc, "accessKeyId"));
	const char *secret = json_string_value(json_object_get(rc, "secretAccessKey"));
	const char *token = json_string_value(json_object_get(rc, "sessionToken"));
	json_t *expiration = json_object_get(rc, "expiration");
	int r = 0;

	if (irsa_str_empty(key_id) || irsa_str_empty(secret) || irsa_str_empty(token) ||
	    !json_is_integer(expiration))
		r = irsa_error_set(err, IRSA_ERR_REMOTE,
				   "the SSO portal's GetRoleCredentials answer for profile '%s' lacks "
				   "accessKeyId, secretAccessKey, sessionToken or expiration",
				   c->profile);
	else
		*ret = irsa_credentials_new(key_id, secret, token,
					    (time_t)(json_integer_value(expiration) / 1000),
					    IRSA_PROVIDER_SSO);
	json_decref(root);
	return r;
}

static int get_role_credentials(const struct irsa_cred_context *ctx, const struct sso_config *c,
				const char *access_token, struct irsa_credentials **ret,
				struct irsa_error *err)
{
	_cleanup_free_ char *role = escape(c->role_name), *account = escape(c->account_id);
	_cleanup_free_ char *url = NULL;
	struct irsa_header headers[] = {
		{ (char *)"Accept", (char *)"application/json" },
		{ (char *)"x-amz-sso_bearer_token", (char *)access_token },
	};
	struct irsa_endpoint ep;
	struct irsa_response resp;
	int r;

	if (sso_endpoint(ctx, "sso", c, &ep, err) < 0)
		return -1;
	url = irsa_asprintf("%s/federation/credentials?role_name=%s&account_id=%s", ep.url, role,
			    account);
	irsa_log_debug("credentials: profile '%s': SSO GetRoleCredentials for role '%s' in "
		       "account '%s'", c->profile, c->role_name, c->account_id);
	r = irsa_cred_http(ctx, &(struct irsa_cred_http_request){
				   .method = "GET", .url = url, .headers = headers,
				   .n_headers = ARRAY_SIZE(headers),
				   .connect_timeout_ms = SSO_CONNECT_TIMEOUT_MS,
				   .timeout_ms = SSO_TIMEOUT_MS },
			   &resp, err);
	if (r < 0)
		return irsa_error_prefix(err, "profile '%s': SSO GetRoleCredentials", c->profile);
	if (resp.status == 401) {
		r = login_error(c, "the SSO portal no longer accepts its token", err);
	} else if (resp.status != 200) {
		_cleanup_free_ char *why = error_summary(&resp);

		r = irsa_error_set(err, resp.status == 403 ? IRSA_ERR_AUTH : IRSA_ERR_REMOTE,
				   "profile '%s': SSO GetRoleCredentials for role '%s' in account "
				   "'%s' failed: %s", c->profile, c->role_name, c->account_id, why);
		if (err)
			err->http_status = (int)resp.status;
	} else {
		r = parse_role_credentials(c, &resp, ret, err);
	}
	irsa_buf_release_secure(&resp.body);
	irsa_response_release(&resp);
	return r;
}

int irsa_cred_sso_load(const struct irsa_cred_context *ctx, const char *name,
		       struct irsa_credentials **ret, struct irsa_error *err)
{
	struct sso_config c;
	struct sso_token t = { 0 };
	int r;

	r = sso_config_resolve(ctx, name, &c, err);
	if (r <= 0)
		return r;
	r = token_load(ctx, &c, &t, err);
	if (r == 0)
		r = token_refresh(ctx, &c, &t, err);
	if (r == 0 && t.expires <= irsa_cred_now(ctx))
		r = login_error(&c, "its SSO token has expired", err);
	if (r == 0)
		r = get_role_credentials(ctx, &c, t.access_token, ret, err);
	sso_token_release(&t);
	return r < 0 ? -1 : 1;
}
