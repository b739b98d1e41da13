/* AWS calls through the client (client.h): build, sign, send with the
 * standard retry mode (retry quota, jittered backoff, clock skew
 * correction), decode. Knows nothing of the session or the credentials
 * chain: the caller passes the credentials. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "irsa/log.h"
#include "irsa/sigv4.h"
#include "irsa/strutil.h"
#include "xml.h"

static const char *const throttling_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	"TooManyRequestsException", "ProvisionedThroughputExceededException",
	"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
	"LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
	"EC2ThrottledException",
};
static const char *const transient_codes[] = {
	"RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
	"ServiceUnavailable",
};
static const char *const skew_codes[] = {
	"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException",
	"AuthFailure",
};
static const char *const auth_codes[] = {
	"AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "SignatureDoesNotMatch",
	"ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException",
	"InvalidIdentityToken", "IDPRejectedClaim", "IDPCommunicationError",
	"UnauthorizedOperation", "IncompleteSignature", "MissingAuthenticationToken",
	"AuthFailure", "RequestExpired", "RequestTimeTooSkewed", "NotAuthorizedException",
	"UnauthorizedException", "InvalidSignatureException",
};
static const char *const not_found_codes[] = {
	"NoSuchEntity", "ResourceNotFoundException", "NotFoundException",
};
static const char *const conflict_codes[] = {
	"EntityAlreadyExists", "DeleteConflict", "ResourceInUseException",
	"ConcurrentModification", "LimitExceeded", "ResourceLimitExceededException",
	"EntityTemporarilyUnmodifiable", "ConflictException",
};
static const char *const usage_codes[] = {
	"MalformedPolicyDocument", "ValidationError", "InvalidInput", "InvalidParameterException",
	"InvalidRequestException", "InvalidParameterValue", "PackedPolicyTooLarge",
	"InvalidAuthorizationMessageException", "RegionDisabledException",
};

#define IN_LIST(code, list) in_list(code, list, ARRAY_SIZE(list))

static bool in_list(const char *code, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return true;
	return false;
}

static void copy_text(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
	for (char *p = dst; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static void decode_xml_fault(const struct irsa_response *resp, struct irsa_aws_fault *f)
{
	xmlDoc *doc = NULL;
	xmlNode *root;
	_cleanup_free_ char *code = NULL, *message = NULL, *rid = NULL;

	if (irsa_xml_parse(irsa_buf_str(&resp->body), resp->body.len, "error", &doc, NULL) < 0)
		return;
	root = xmlDocGetRootElement(doc);
	code = irsa_xml_find_text(root, "Code");
	message = irsa_xml_find_text(root, "Message");
	rid = irsa_xml_find_text(root, "RequestId");
	copy_text(f->code, sizeof(f->code), code);
	copy_text(f->message, sizeof(f->message), message);
	if (rid)
		copy_text(f->request_id, sizeof(f->request_id), rid);
	xmlFreeDoc(doc);
}

static void decode_json_fault(const struct irsa_response *resp, struct irsa_aws_fault *f)
{
	const char *type = irsa_response_get_header(resp, "x-amzn-ErrorType");
	json_t *root = json_loadb(irsa_buf_str(&resp->body), resp->body.len, 0, NULL);
	const char *msg = NULL;

	if (root) {
		const char *t = json_string_value(json_object_get(root, "__type"));

		msg = json_string_value(json_object_get(root, "message"));
		if (!msg)
			msg = json_string_value(json_object_get(root, "Message"));
		if (!type)
			type = t;
	}
	if (type) {
		const char *colon = strchr(type, ':');
		const char *hash = strrchr(type, '#');
		size_t len = colon ? (size_t)(colon - type) : strlen(type);

		if (hash && (!colon || hash < colon)) {
			len -= (size_t)(hash + 1 - type);
			type = hash + 1;
		}
		snprintf(f->code, sizeof(f->code), "%.*s", (int)len, type);
	}
	copy_text(f->message, sizeof(f->message), msg);
	json_decref(root);
}

void irsa_aws_fault_decode(const struct irsa_response *resp, bool json,
			   struct irsa_aws_fault *f)
{
	const char *rid = irsa_response_get_header(resp, "x-amzn-RequestId");

	memset(f, 0, sizeof(*f));
	f->status = resp->status;
	if (!rid)
		rid = irsa_response_get_header(resp, "x-amz-request-id");
	copy_text(f->request_id, sizeof(f->request_id), rid);
	if (json)
		decode_json_fault(resp, f);
	else
		decode_xml_fault(resp, f);
	if (!f->code[0]) {
		/* No error document (a proxy, a load balancer): use the status. */
		snprintf(f->code, sizeof(f->code), "%s",
			 resp->status == 503 ? "ServiceUnavailable" :
			 resp->status >= 500 ? "InternalFailure" :
			 resp->status == 403 ? "AccessDenied" :
			 resp->status == 404 ? "NotFound" : "UnknownError");
	}
}

bool irsa_aws_fault_is_throttle(const struct irsa_aws_fault *f)
{
	return IN_LIST(f->code, throttling_codes) || f->status == 429;
}

bool irsa_aws_fault_is_retryable(const struct irsa_aws_fault *f)
{
	return irsa_aws_fault_is_throttle(f) || IN_LIST(f->code, transient_codes) || f->status == 500 ||
	       f->status == 502 || f->status == 503 || f->status == 504;
}

bool irsa_aws_fault_is_skew(const struct irsa_aws_fault *f)
{
	return IN_LIST(f->code, skew_codes) ||
	       (strcmp(f->code, "SignatureDoesNotMatch") == 0 && strstr(f->message, "expired"));
}

enum irsa_error_kind irsa_aws_fault_kind(const struct irsa_aws_fault *f)
{
	if (irsa_aws_fault_is_throttle(f))
		return IRSA_ERR_THROTTLED;
	if (IN_LIST(f->code, auth_codes))
		return IRSA_ERR_AUTH;
	if (IN_LIST(f->code, not_found_codes))
		return IRSA_ERR_NOT_FOUND;
	if (IN_LIST(f->code, conflict_codes))
		return IRSA_ERR_CONFLICT;
	if (IN_LIST(f->code, usage_codes))
		return IRSA_ERR_USAGE;
	return IRSA_ERR_REMOTE;
}

static const char *fault_hint(enum irsa_error_kind kind)
{
	switch (kind) {
	case IRSA_ERR_AUTH:
		return "; check the credentials and permissions with 'irsactl whoami'";
	case IRSA_ERR_THROTTLED:
		return "; try again later, or raise AWS_MAX_ATTEMPTS";
	case IRSA_ERR_REMOTE:
		return "; the service may be having trouble, try again later";
	default:
		return "";
	}
}

static int fault_error(const char *service, const char *action, const struct irsa_aws_fault *f,
		       int attempts, struct irsa_error *err)
{
	enum irsa_error_kind kind = irsa_aws_fault_kind(f);
	char after[64] = "";

	if (attempts > 1)
		snprintf(after, sizeof(after), " after %d attempts", attempts);
	irsa_error_set(err, kind, "%s %s failed%s: %s%s%s (HTTP %ld%s%s)%s", service, action, after,
		       f->code, f->message[0] ? ": " : "", f->message, f->status,
		       f->request_id[0] ? ", request id " : "", f->request_id, fault_hint(kind));
	if (err) {
		snprintf(err->code, sizeof(err->code), "%s", f->code);
		snprintf(err->request_id, sizeof(err->request_id), "%s", f->request_id);
		err->http_status = (int)f->status;
	}
	return -1;
}

static void copy_request(struct irsa_request *dst, const struct irsa_request *src)
{
	irsa_request_init(dst);
	dst->method = irsa_strdup(src->method);
	dst->scheme = irsa_strdup(src->scheme);
	dst->authority = irsa_strdup(src->authority);
	dst->path = irsa_strdup(src->path);
	dst->query = irsa_strdup(src->query);
	for (size_t i = 0; i < src->n_headers; i++)
		irsa_request_add_header(dst, src->headers[i].name, src->headers[i].value);
	irsa_buf_append(&dst->body, src->body.data ? src->body.data : "", src->body.len);
}

/* Learn the clock skew from the server's Date header. */
static bool adjust_skew(struct irsa_aws_client *c, const struct irsa_response *resp)
{
	const char *date = irsa_response_get_header(resp, "Date");
	struct tm tm = { 0 };
	long skew;

	if (!date || !strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		return false;
	skew = (long)(timegm(&tm) - irsa_aws_client_now(c));
	if (skew > -60 && skew < 60)
		return false;
	irsa_log_debug("clock skew of %ld s against the server, correcting", skew);
	c->clock_skew = skew;
	return true;
}

struct call {
	const char *service;  /* for messages: "iam", "sts", "eks" */
	const char *action;
	const struct irsa_endpoint *endpoint;
	const struct irsa_credentials *creds; /* NULL = unsigned */
	bool json;
};

static int sign(const struct irsa_aws_client *c, const struct call *call,
		struct irsa_request *req, struct irsa_error *err)
{
	struct irsa_sigv4_config cfg = {
		.region = call->endpoint->signing_region,
		.service = call->endpoint->signing_name,
		.time = irsa_aws_client_now(c) + c->clock_skew,
		.mode = IRSA_SIGV4_HEADER,
		.flags = IRSA_SIGV4_DEFAULT_FLAGS,
		.creds = call->creds,
	};

	if (!call->creds)
		return 0;
	return irsa_sigv4_sign(&cfg, req, err);
}

/* Take the cost of one retry from the client's quota; false when the
 * quota cannot pay for it (then the call fails now). */
static bool take_retry_quota(struct irsa_aws_client *c, int cost)
{
	if (c->retry.quota < cost) {
		irsa_log_debug("retry quota exhausted (%d left, %d needed), not retrying",
			       c->retry.quota, cost);
		return false;
	}
	c->retry.quota -= cost;
	return true;
}

/* A success gives back what its last retry took, or a token when it
 * needed none. */
static void refill_retry_quota(struct irsa_aws_client *c, int last_cost)
{
	c->retry.quota += last_cost ? last_cost : IRSA_RETRY_NO_RETRY_INCREMENT;
	if (c->retry.quota > IRSA_RETRY_QUOTA_MAX)
		c->retry.quota = IRSA_RETRY_QUOTA_MAX;
}

static int transport_error(const struct call *call, int attempt, const struct irsa_error *terr,
			   struct irsa_error *err)
{
	if (err)
		*err = *terr;
	return irsa_error_prefix(err, "%s %s failed%s", call->service, call->action,
				 attempt > 1 ? " after every retry" : "");
}

/* Send with the standard retry mode. On success ret holds a 2xx answer. */
static int send_with_retries(struct irsa_aws_client *c, const struct call *call,
			     const struct irsa_request *tmpl, struct irsa_response *ret,
			     struct irsa_error *err)
{
	bool skew_retried = false;
	int last_cost = 0;
	struct irsa_aws_fault fault;

	for (int attempt = 1;; attempt++) {
		struct irsa_request req;
		struct irsa_error terr = { 0 };
		int r, cost;

		copy_request(&req, tmpl);
		if (sign(c, call, &req, err) < 0) {
			irsa_request_release(&req);
			return -1;
		}
		irsa_response_release(ret);
		irsa_response_init(ret);
		c->attempts++;
		r = irsa_http_send(c->http, &req, &c->http_options, attempt, ret, &terr);
		irsa_request_release(&req);

		if (r < 0) {
			cost = strcmp(terr.code, IRSA_HTTP_TIMEOUT_CODE) == 0 ? IRSA_RETRY_TIMEOUT_COST
									     : IRSA_RETRY_COST;
			if (terr.kind != IRSA_ERR_NETWORK || attempt >= c->retry.max_attempts ||
			    !take_retry_quota(c, cost))
				return transport_error(call, attempt, &terr, err);
			last_cost = cost;
			irsa_aws_client_sleep_ms(c, irsa_aws_client_backoff_ms(c, attempt));
			continue;
		}
		if (ret->status >= 200 && ret->status < 300) {
			refill_retry_quota(c, last_cost);
			return 0;
		}

		irsa_aws_fault_decode(ret, call->json, &fault);
		if (!skew_retried && irsa_aws_fault_is_skew(&fault) && adjust_skew(c, ret)) {
			skew_retried = true;
			attempt--; /* a corrected clock is not a retry */
			continue;
		}
		if (!irsa_aws_fault_is_retryable(&fault) || attempt >= c->retry.max_attempts ||
		    !take_retry_quota(c, IRSA_RETRY_COST))
			return fault_error(call->service, call->action, &fault, attempt, err);
		last_cost = IRSA_RETRY_COST;
		irsa_log_debug("%s %s: %s, retrying", call->service, call->action, fault.code);
		irsa_aws_client_sleep_ms(c, irsa_aws_client_backoff_ms(c, attempt));
	}
}

static int init_request(struct irsa_request *req, const char *method, const char *url,
			struct irsa_error *err)
{
	irsa_request_init(req);
	if (irsa_request_set_url(req, method, url, err) < 0)
		return -1;
	irsa_request_set_header(req, "Host", req->authority);
	return 0;
}

static void form_body(struct irsa_buf *body, const char *action, const char *version,
		      const struct irsa_params *params)
{
	irsa_buf_puts(body, "Action=");
	irsa_form_encode(body, action);
	irsa_buf_puts(body, "&Version=");
	irsa_form_encode(body, version);
	for (size_t i = 0; params && i < params->n; i++) {
		irsa_buf_putc(body, '&');
		irsa_form_encode(body, params->items[i].key);
		irsa_buf_putc(body, '=');
		irsa_form_encode(body, params->items[i].value);
	}
}

int irsa_aws_client_query(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			  const char *service, const char *version, const char *action,
			  const struct irsa_params *params, xmlDoc **ret_doc,
			  struct irsa_error *err)
{
	struct irsa_endpoint ep;
	struct irsa_request req;
	struct irsa_response resp;
	struct call call = { service, action, &ep, creds, false };
	_cleanup_free_ char *url = NULL;
	_cleanup_free_ char *what = NULL;
	int r = -1;

	if (irsa_aws_client_endpoint(c, service, &ep, err) < 0)
		return -1;
	url = irsa_asprintf("%s/", ep.url);
	irsa_response_init(&resp);
	if (init_request(&req, "POST", url, err) < 0)
		goto out;
	irsa_request_set_header(&req, "Content-Type",
				"application/x-www-form-urlencoded; charset=utf-8");
	form_body(&req.body, action, version, params);
	if (send_with_retries(c, &call, &req, &resp, err) < 0)
		goto out;
	what = irsa_asprintf("%s %s (HTTP %ld, %zu bytes from '%s')", service, action,
			     resp.status, resp.body.len, ep.url);
	if (irsa_xml_parse(irsa_buf_str(&resp.body), resp.body.len, what, ret_doc, err) < 0)
		goto out;
	r = 0;
out:
	irsa_buf_release_secure(&req.body);
	irsa_request_release(&req);
	irsa_buf_release_secure(&resp.body);
	irsa_response_release(&resp);
	return r;
}

int irsa_aws_client_json(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			 const char *service, const char *method, const char *path,
			 const json_t *body, json_t **ret, struct irsa_error *err)
{
	struct irsa_endpoint ep;
	struct irsa_request req;
	struct irsa_response resp;
	struct call call = { service, path, &ep, creds, true };
	_cleanup_free_ char *url = NULL;
	json_error_t jerr;
	json_t *root;
	int r = -1;

	if (irsa_aws_client_endpoint(c, service, &ep, err) < 0)
		return -1;
	url = irsa_asprintf("%s%s", ep.url, path);
	irsa_response_init(&resp);
	if (init_request(&req, method, url, err) < 0)
		goto out;
	if (body) {
		char *text = json_dumps(body, JSON_COMPACT);

		irsa_buf_puts(&req.body, text);
		free(text);
		irsa_request_set_header(&req, "Content-Type", "application/json");
	}
	if (send_with_retries(c, &call, &req, &resp, err) < 0)
		goto out;
	root = json_loadb(irsa_buf_str(&resp.body), resp.body.len, 0, &jerr);
	if (!root) {
		irsa_error_set(err, IRSA_ERR_REMOTE,
			       "%s %s %s: the answer is not valid JSON (HTTP %ld): %s", service,
			       method, path, resp.status, jerr.text);
		goto out;
	}
	*ret = root;
	r = 0;
out:
	irsa_request_release(&req);
	irsa_response_release(&resp);
	return r;
}
