/* ECS / EKS Pod Identity container credentials:
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (http://169.254.170.2 + URI) or
 * AWS_CONTAINER_CREDENTIALS_FULL_URI, restricted as the SDKs restrict it
 * (https anywhere; http only to loopback or the agent addresses), with
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every call; wins) or
 * AWS_CONTAINER_AUTHORIZATION_TOKEN sent as the Authorization header.
 * Without those variables the provider does not apply and the chain
 * goes on to instance metadata. The URI's query and any user:password
 * may hold a secret: messages and the request log show them redacted. */
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

char *irsa_cred_url_display(const char *url)
{
	const char *rest = strstr(url, "://");
	const char *authority = rest ? rest + 3 : url;
	size_t auth_len = strcspn(authority, "/?#");
	const char *at = memchr(authority, '@', auth_len);
	const char *path = authority + auth_len;
	size_t path_len = strcspn(path, "?#");
	struct irsa_buf b = IRSA_BUF_INIT;

	irsa_buf_append(&b, url, (size_t)(authority - url));
	if (at) {
		irsa_buf_puts(&b, "REDACTED@");
		authority = at + 1;
	}
	irsa_buf_append(&b, authority, (size_t)(path - authority));
	irsa_buf_append(&b, path, path_len);
	if (path[path_len] == '?')
		irsa_buf_puts(&b, "?REDACTED");
	return irsa_buf_detach(&b);
}

static bool has_userinfo(const char *url)
{
	const char *rest = strstr(url, "://");
	const char *authority = rest ? rest + 3 : url;

	return memchr(authority, '@', strcspn(authority, "/?#")) != NULL;
}

int irsa_cred_container_url(const struct irsa_cred_context *ctx, char **ret_url,
			    struct irsa_error *err)
{
	_cleanup_free_ char *shown = NULL;
	const char *relative = irsa_cred_getenv(ctx, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = irsa_cred_getenv(ctx, "AWS_CONTAINER_CREDENTIALS_FULL_URI");

	if (relative) {
		*ret_url = irsa_asprintf("%s%s%s", ECS_AGENT_URL, relative[0] == '/' ? "" : "/",
					 relative);
		return 1;
	}
	if (!full)
		return 0;
	shown = irsa_cred_url_display(full);
	if (has_userinfo(full))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "AWS_CONTAINER_CREDENTIALS_FULL_URI '%s' has a user name or "
				      "password, which irsactl does not send; put the credential in "
				      "AWS_CONTAINER_AUTHORIZATION_TOKEN instead", shown);
	if (!irsa_cred_container_url_allowed(full))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "AWS_CONTAINER_CREDENTIALS_FULL_URI '%s' is not allowed: use "
				      "https, or http to a loopback address or the ECS/EKS agent "
				      "(169.254.170.2, 169.254.170.23, fd00:ec2::23)", shown);
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

static int parse_answer(const char *shown, const struct irsa_response *resp,
			struct irsa_credentials **ret, struct irsa_error *err)
{
	_cleanup_free_ char *who = irsa_asprintf("container credentials endpoint '%s'", shown);
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
	_cleanup_free_ char *url = NULL, *shown = NULL;
	struct irsa_buf token = IRSA_BUF_INIT;
	struct irsa_response resp;
	struct irsa_header headers[2] = { { (char *)"Accept", (char *)"application/json" } };
	struct irsa_cred_http_request hr = {
		.method = "GET",
		.headers = headers,
		.n_headers = 1,
		.connect_timeout_ms = 2000,
		.timeout_ms = 5000,
		.secret_query = true,
	};
	int r;

	r = irsa_cred_container_url(ctx, &url, err);
	if (r <= 0)
		return r;
	shown = irsa_cred_url_display(url);
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
		return irsa_error_prefix(err, "container credentials endpoint '%s'", shown);
	r = parse_answer(shown, &resp, ret, err);
	irsa_buf_release_secure(&resp.body);
	irsa_response_release(&resp);
	return r < 0 ? -1 : 1;
}
