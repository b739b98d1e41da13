/* ECS / EKS Pod Identity container credentials:
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (http://169.254.170.2 + URI) or
 * AWS_CONTAINER_CREDENTIALS_FULL_URI, restricted as the SDKs restrict it
 * (https anywhere; http only to loopback or the agent addresses), with
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every call; wins) or
 * AWS_CONTAINER_AUTHORIZATION_TOKEN sent as the Authorization header.
 * Without those variables the provider does not apply and the chain
 * goes on to instance metadata. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "irsa/buf.h"
#include "irsa/http.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "providers.h"

#define ECS_AGENT_URL "http://169.254.170.2"

static bool host_allowed_for_http(const char *host)
{
	static const unsigned char v6_loopback[16] = { [15] = 1 };
	static const unsigned char v6_eks[16] = { 0xfd, 0x00, 0x0e, 0xc2, [15] = 0x23 };
	unsigned char addr[16];
	char inner[64];
	size_t len = strlen(host);

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, addr) == 1)
		return addr[0] == 127 || strcmp(host, "169.254.170.2") == 0 ||
		       strcmp(host, "169.254.170.23") == 0;
	if (len < 3 || len - 2 >= sizeof(inner) || host[0] != '[' || host[len - 1] != ']')
		return false;
	memcpy(inner, host + 1, len - 2);
	inner[len - 2] = '\0';
	if (inet_pton(AF_INET6, inner, addr) != 1)
		return false;
	return memcmp(addr, v6_loopback, 16) == 0 || memcmp(addr, v6_eks, 16) == 0;
}

bool irsa_cred_container_url_allowed(const char *url)
{
	_cleanup_free_ char *scheme = NULL;
	_cleanup_free_ char *host = NULL;

	if (irsa_http_url_host(url, &scheme, &host) < 0)
		return false;
	if (strcasecmp(scheme, "https") == 0)
		return true;
	if (strcasecmp(scheme, "http") != 0)
		return false;
	return host_allowed_for_http(host);
}

int irsa_cred_container_url(const struct irsa_cred_context *ctx, char **ret_url,
			    struct irsa_error *err)
{
	const char *relative = irsa_cred_getenv(ctx, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = irsa_cred_getenv(ctx, "AWS_CONTAINER_CREDENTIALS_FULL_URI");

	if (relative) {
		*ret_url = irsa_asprintf("%s%s%s", ECS_AGENT_URL, relative[0] == '/' ? "" : "/",
					 relative);
		return 1;
	}
	if (!full)
		return 0;
	if (!irsa_cred_container_url_allowed(full))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "AWS_CONTAINER_CREDENTIALS_FULL_URI '%s' is not allowed: use "
				      "https, or http to a loopback address or the ECS/EKS agent "
				      "(169.254.170.2, 169.254.170.23, fd00:ec2::23)", full);
	*ret_url = irsa_strdup(full);
	return 1;
}

/* The Authorization header value, or an empty buffer when none. */
static int auth_token(const struct irsa_cred_context *ctx, struct irsa_buf *token,
		      struct irsa_error *err)
{
	const char *file = irsa_cred_getenv(ctx, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *value = irsa_cred_getenv(ctx, "AWS_CONTAINER_AUTHORIZATION_TOKEN");

	if (file) {
		if (irsa_cred_read_token_file(file, "container authorization token file", token,
					      err) < 0)
			return -1;
	} else if (value) {
		irsa_buf_puts(token, value);
	}
	if (token->len && (strchr(token->data, '\n') || strchr(token->data, '\r')))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "the container authorization token%s%s%s has a line break; "
				      "it cannot be sent as a header",
				      file ? " file '" : "", file ? file : "", file ? "'" : "");
	return 0;
}

static int parse_answer(const char *url, const struct irsa_response *resp,
			struct irsa_credentials **ret, struct irsa_error *err)
{
	_cleanup_free_ char *who = irsa_asprintf("container credentials endpoint '%s'", url);
	json_error_t jerr;
	json_t *root;
	int r;

	root = json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, &jerr);
	if (resp->status != 200) {
		const char *code = json_string_value(json_object_get(root, "code"));

		if (!code)
			code = json_string_value(json_object_get(root, "Code"));
		irsa_error_set(err, resp->status == 401 || resp->status == 403 ? IRSA_ERR_AUTH
									      : IRSA_ERR_REMOTE,
			       "%s answered HTTP %ld%s%.100s", who, resp->status,
			       code ? ": " : "", code ? code : "");
		if (err)
			err->http_status = (int)resp->status;
		json_decref(root);
		return -1;
	}
	if (!root)
		return irsa_error_set(err, IRSA_ERR_REMOTE, "%s answered malformed JSON (line %d)",
				      who, jerr.line);
	r = irsa_cred_from_json(root, "Token", who, IRSA_PROVIDER_CONTAINER, ret, err);
	if (r < 0 && err)
		err->kind = IRSA_ERR_REMOTE;
	json_decref(root);
	return r;
}

int irsa_cred_container_load(const struct irsa_cred_context *ctx, struct irsa_credentials **ret,
			     struct irsa_error *err)
{
	_cleanup_free_ char *url = NULL;
	struct irsa_buf token = IRSA_BUF_INIT;
	struct irsa_response resp;
	struct irsa_header headers[2] = { { (char *)"Accept", (char *)"application/json" } };
	struct irsa_cred_http_request hr = {
		.method = "GET",
		.headers = headers,
		.n_headers = 1,
		.connect_timeout_ms = 2000,
		.timeout_ms = 5000,
	};
	int r;

	r = irsa_cred_container_url(ctx, &url, err);
	if (r <= 0)
		return r;
	if (auth_token(ctx, &token, err) < 0) {
		irsa_buf_release_secure(&token);
		return -1;
	}
	if (token.len) {
		headers[1] = (struct irsa_header){ (char *)"Authorization", token.data };
		hr.n_headers = 2;
	}
	hr.url = url;
	irsa_log_debug("credentials: asking the container credentials endpoint%s",
		       token.len ? " with an authorization token" : "");
	r = irsa_cred_http(ctx, &hr, &resp, err);
	irsa_buf_release_secure(&token);
	if (r < 0)
		return irsa_error_prefix(err, "container credentials endpoint '%s'", url);
	r = parse_answer(url, &resp, ret, err);
	irsa_buf_release_secure(&resp.body);
	irsa_response_release(&resp);
	return r < 0 ? -1 : 1;
}
