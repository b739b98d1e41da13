/* EC2 instance metadata, IMDSv2 only: PUT /latest/api/token first, then
 * GET /latest/meta-data/iam/security-credentials/ (the role name) and
 * .../ROLE, each with the session token. Short timeouts (1 s connect, 2 s
 * total) and one retry, so a machine that is not on EC2 is not slowed
 * down. AWS_EC2_METADATA_DISABLED=true skips it;
 * AWS_EC2_METADATA_SERVICE_ENDPOINT (or _ENDPOINT_MODE=IPv6) moves it.
 * When no metadata service answers, or the instance has no role, the
 * provider does not apply, as in the SDKs; an explicitly configured
 * endpoint that fails is an error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "irsa/buf.h"
#include "irsa/http.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "providers.h"

#define IMDS_URL "http://169.254.169.254"
#define IMDS_URL_IPV6 "http://[fd00:ec2::254]"
#define TOKEN_TTL "21600"

struct imds {
	const struct irsa_cred_context *ctx;
	char *base;      /* endpoint without the trailing '/' */
	bool configured; /* endpoint set by the user */
	bool required;   /* credential_source = Ec2InstanceMetadata */
	char *token;
};

static void imds_release(struct imds *m)
{
	free(m->base);
	irsa_free_secret(m->token);
}

/* A failure that means "no instance metadata here": does not apply,
 * unless the user pointed us at an endpoint or asked for IMDS. */
static int unavailable(const struct imds *m, struct irsa_error *err, const char *fmt, ...)
	_printf_(3, 4);

static int unavailable(const struct imds *m, struct irsa_error *err, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!m->configured && !m->required) {
		irsa_log_debug("credentials: instance metadata at '%s' not available: %s", m->base,
			       why);
		irsa_error_clear(err);
		return 0;
	}
	return irsa_error_set(err, IRSA_ERR_AUTH, "instance metadata at '%s': %s", m->base, why);
}

static int request(struct imds *m, const char *method, const char *path,
		   struct irsa_response *resp, struct irsa_error *err)
{
	_cleanup_free_ char *url = irsa_asprintf("%s%s", m->base, path);
	struct irsa_header headers[1];
	struct irsa_cred_http_request hr = {
		.method = method,
		.url = url,
		.headers = headers,
		.n_headers = 1,
		.connect_timeout_ms = 1000,
		.timeout_ms = 2000,
	};

	if (m->token)
		headers[0] = (struct irsa_header){ (char *)"X-aws-ec2-metadata-token", m->token };
	else
		headers[0] = (struct irsa_header){ (char *)"X-aws-ec2-metadata-token-ttl-seconds",
						   (char *)TOKEN_TTL };
	return irsa_cred_http(m->ctx, &hr, resp, err);
}

static int get_token(struct imds *m, struct irsa_error *err)
{
	struct irsa_response resp;
	int r;

	if (request(m, "PUT", "/latest/api/token", &resp, err) < 0)
		return unavailable(m, err, "%s", err ? err->message : "no answer");
	if (resp.status != 200 || resp.body.len == 0) {
		r = unavailable(m, err, "the token request (PUT /latest/api/token) answered HTTP %ld",
				resp.status);
		irsa_response_release(&resp);
		return r;
	}
	m->token = irsa_buf_detach(&resp.body);
	irsa_str_trim(m->token);
	irsa_response_release(&resp);
	return 1;
}

static int get_role(struct imds *m, char **ret_role, struct irsa_error *err)
{
	struct irsa_response resp;
	char *role;
	int r;

	if (request(m, "GET", "/latest/meta-data/iam/security-credentials/", &resp, err) < 0)
		return irsa_error_prefix(err, "instance metadata at '%s'", m->base);
	if (resp.status == 404) {
		irsa_response_release(&resp);
		return unavailable(m, err, "the instance has no IAM role (instance profile)");
	}
	if (resp.status != 200) {
		r = irsa_error_set(err, IRSA_ERR_REMOTE,
				   "instance metadata at '%s' answered HTTP %ld for the role name",
				   m->base, resp.status);
		irsa_response_release(&resp);
		return r;
	}
	role = irsa_buf_detach(&resp.body);
	role[strcspn(role, "\r\n")] = '\0';
	irsa_str_trim(role);
	irsa_response_release(&resp);
	if (!*role) {
		free(role);
		return unavailable(m, err, "the instance has no IAM role (instance profile)");
	}
	*ret_role = role;
	return 1;
}

static int get_credentials(struct imds *m, const char *role, struct irsa_credentials **ret,
			   struct irsa_error *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *who = irsa_asprintf("instance metadata at '%s'", m->base);
	struct irsa_buf enc = IRSA_BUF_INIT;
	struct irsa_response resp;
	json_error_t jerr;
	const char *code;
	json_t *root;
	int r;

	irsa_uri_encode(&enc, role, strlen(role), false);
	path = irsa_asprintf("/latest/meta-data/iam/security-credentials/%s", irsa_buf_str(&enc));
	irsa_buf_release(&enc);
	if (request(m, "GET", path, &resp, err) < 0)
		return irsa_error_prefix(err, "%s", who);
	if (resp.status != 200) {
		r = irsa_error_set(err, IRSA_ERR_REMOTE, "%s answered HTTP %ld for role '%s'",
				   who, resp.status, role);
		irsa_response_release(&resp);
		return r;
	}
	root = json_loadb(irsa_buf_str(&resp.body), resp.body.len, 0, &jerr);
	irsa_buf_release_secure(&resp.body);
	irsa_response_release(&resp);
	if (!root)
		return irsa_error_set(err, IRSA_ERR_REMOTE, "%s answered malformed JSON (line %d)",
				      who, jerr.line);
	code = json_string_value(json_object_get(root, "Code"));
	if (code && strcmp(code, "Success") != 0) {
		r = irsa_error_set(err, IRSA_ERR_AUTH, "%s has no credentials for role '%s': %.100s",
				   who, role, code);
	} else {
		r = irsa_cred_from_json(root, "Token", who, IRSA_PROVIDER_IMDS, ret, err);
		if (r < 0 && err)
			err->kind = IRSA_ERR_REMOTE;
	}
	json_decref(root);
	return r < 0 ? -1 : 1;
}

int irsa_cred_imds_load(const struct irsa_cred_context *ctx, bool required,
			struct irsa_credentials **ret, struct irsa_error *err)
{
	const char *endpoint = irsa_cred_getenv(ctx, "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = irsa_cred_getenv(ctx, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	struct imds m = { .ctx = ctx, .required = required };
	_cleanup_free_ char *role = NULL;
	size_t len;
	int r;

	if (irsa_env_true(irsa_cred_getenv(ctx, "AWS_EC2_METADATA_DISABLED"))) {
		if (required)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "instance metadata is disabled by "
					      "AWS_EC2_METADATA_DISABLED");
		return 0;
	}
	m.configured = endpoint != NULL;
	if (endpoint)
		m.base = irsa_strdup(endpoint);
	else if (mode && strcasecmp(mode, "IPv6") == 0)
		m.base = irsa_strdup(IMDS_URL_IPV6);
	else
		m.base = irsa_strdup(IMDS_URL);
	len = strlen(m.base);
	while (len && m.base[len - 1] == '/')
		m.base[--len] = '\0';
	irsa_log_debug("credentials: asking instance metadata at '%s'", m.base);
	r = get_token(&m, err);
	if (r > 0)
		r = get_role(&m, &role, err);
	if (r > 0)
		r = get_credentials(&m, role, ret, err);
	imds_release(&m);
	return r;
}

int irsa_cred_imds_get(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
		       struct irsa_error *err)
{
	return irsa_cred_imds_load(ctx, false, ret, err);
}
