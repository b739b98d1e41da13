/* AWS calls: build, sign, send with the standard retry mode, decode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "aws_internal.h"
#include "irsa/log.h"
#include "irsa/sigv4.h"
#include "irsa/strutil.h"

#define MAX_BACKOFF_MS 20000L

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

/* A decoded error answer. */
struct aws_fault {
	long status;
	char code[128];
	char message[512];
	char request_id[128];
};

xmlNode *irsa_xml_find(xmlNode *node, const char *name)
{
	for (xmlNode *n = node; n; n = n->next) {
		xmlNode *found;

		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
		found = irsa_xml_find(n->children, name);
		if (found)
			return found;
	}
	return NULL;
}

char *irsa_xml_text(xmlNode *n)
{
	xmlChar *content;
	char *s;

	if (!n)
		return NULL;
	content = xmlNodeGetContent(n);
	s = irsa_strdup(content ? (const char *)content : "");
	xmlFree(content);
	return s;
}

char *irsa_xml_find_text(xmlNode *node, const char *name)
{
	return irsa_xml_text(irsa_xml_find(node, name));
}

/* Parse without entity substitution, DTD loading or network access. */
static xmlDoc *parse_xml(const struct irsa_buf *body)
{
	if (!body->len)
		return NULL;
	return xmlReadMemory(irsa_buf_str(body), (int)body->len, NULL, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static void copy_text(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
	for (char *p = dst; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static void decode_xml_fault(const struct irsa_response *resp, struct aws_fault *f)
{
	xmlDoc *doc = parse_xml(&resp->body);
	_cleanup_free_ char *code = NULL, *message = NULL, *rid = NULL;

	if (!doc)
		return;
	code = irsa_xml_find_text(xmlDocGetRootElement(doc), "Code");
	message = irsa_xml_find_text(xmlDocGetRootElement(doc), "Message");
	rid = irsa_xml_find_text(xmlDocGetRootElement(doc), "RequestId");
	copy_text(f->code, sizeof(f->code), code);
	copy_text(f->message, sizeof(f->message), message);
	if (rid)
		copy_text(f->request_id, sizeof(f->request_id), rid);
	xmlFreeDoc(doc);
}

static void decode_json_fault(const struct irsa_response *resp, struct aws_fault *f)
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

static void decode_fault(const struct irsa_response *resp, bool json, struct aws_fault *f)
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

static bool is_throttle(const struct aws_fault *f)
{
	return IN_LIST(f->code, throttling_codes) || f->status == 429;
}

static bool is_retryable(const struct aws_fault *f)
{
	return is_throttle(f) || IN_LIST(f->code, transient_codes) || f->status == 500 ||
	       f->status == 502 || f->status == 503 || f->status == 504;
}

static bool is_skew(const struct aws_fault *f)
{
	return IN_LIST(f->code, skew_codes) ||
	       (strcmp(f->code, "SignatureDoesNotMatch") == 0 && strstr(f->message, "expired"));
}

static enum irsa_error_kind fault_kind(const struct aws_fault *f)
{
	if (is_throttle(f))
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

static int fault_error(const char *service, const char *action, const struct aws_fault *f,
		       int attempts, struct irsa_error *err)
{
	enum irsa_error_kind kind = fault_kind(f);
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

static long backoff_ms(const struct irsa_aws *aws, int attempt)
{
	double b = (double)rand() / RAND_MAX;
	double ms = b * (double)aws->retry_base_ms * (double)(1L << (attempt > 10 ? 10 : attempt - 1));

	return ms > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : (long)ms;
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
static bool adjust_skew(struct irsa_aws *aws, const struct irsa_response *resp)
{
	const char *date = irsa_response_get_header(resp, "Date");
	struct tm tm = { 0 };
	long skew;

	if (!date || !strptime(date, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		return false;
	skew = (long)(timegm(&tm) - irsa_aws_now(aws));
	if (skew > -60 && skew < 60)
		return false;
	irsa_log_debug("clock skew of %ld s against the server, correcting", skew);
	aws->clock_skew = skew;
	return true;
}

struct call {
	const char *service;  /* for messages: "iam", "sts", "eks" */
	const char *action;
	const struct irsa_endpoint *endpoint;
	const struct irsa_credentials *creds; /* NULL = unsigned */
	bool json;
};

static int sign(struct irsa_aws *aws, const struct call *call, struct irsa_request *req,
		struct irsa_error *err)
{
	struct irsa_sigv4_config cfg = {
		.region = call->endpoint->signing_region,
		.service = call->endpoint->signing_name,
		.time = irsa_aws_now(aws) + aws->clock_skew,
		.mode = IRSA_SIGV4_HEADER,
		.flags = IRSA_SIGV4_DEFAULT_FLAGS,
		.creds = call->creds,
	};

	if (!call->creds)
		return 0;
	return irsa_sigv4_sign(&cfg, req, err);
}

/* Send with the standard retry mode. On success ret holds a 2xx answer. */
static int send_with_retries(struct irsa_aws *aws, const struct call *call,
			     const struct irsa_request *tmpl, struct irsa_response *ret,
			     struct irsa_error *err)
{
	bool skew_retried = false;
	struct aws_fault fault;

	for (int attempt = 1;; attempt++) {
		struct irsa_request req;
		struct irsa_error terr = { 0 };
		int r;

		copy_request(&req, tmpl);
		if (sign(aws, call, &req, err) < 0) {
			irsa_request_release(&req);
			return -1;
		}
		irsa_response_release(ret);
		irsa_response_init(ret);
		aws->attempts++;
		r = irsa_http_send(aws->http, &req, &aws->http_options, attempt, ret, &terr);
		irsa_request_release(&req);

		if (r < 0) {
			if (attempt >= aws->max_attempts || terr.kind != IRSA_ERR_NETWORK) {
				if (err)
					*err = terr;
				return irsa_error_prefix(err, "%s %s failed%s", call->service,
							 call->action,
							 attempt > 1 ? " after every retry" : "");
			}
			irsa_aws_sleep_ms(aws, backoff_ms(aws, attempt));
			continue;
		}
		if (ret->status >= 200 && ret->status < 300)
			return 0;

		decode_fault(ret, call->json, &fault);
		if (!skew_retried && is_skew(&fault) && adjust_skew(aws, ret)) {
			skew_retried = true;
			attempt--; /* a corrected clock is not a retry */
			continue;
		}
		if (!is_retryable(&fault) || attempt >= aws->max_attempts)
			return fault_error(call->service, call->action, &fault, attempt, err);
		irsa_log_debug("%s %s: %s, retrying", call->service, call->action, fault.code);
		irsa_aws_sleep_ms(aws, backoff_ms(aws, attempt));
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

int irsa_aws_query_as(struct irsa_aws *aws, const struct irsa_credentials *creds,
		      const char *service, const char *version, const char *action,
		      const struct irsa_params *params, xmlDoc **ret_doc,
		      struct irsa_error *err)
{
	struct irsa_endpoint ep;
	struct irsa_request req;
	struct irsa_response resp;
	struct call call = { service, action, &ep, creds, false };
	_cleanup_free_ char *url = NULL;
	xmlDoc *doc;
	int r = -1;

	if (irsa_aws_endpoint(aws, service, &ep, err) < 0)
		return -1;
	url = irsa_asprintf("%s/", ep.url);
	irsa_response_init(&resp);
	if (init_request(&req, "POST", url, err) < 0)
		goto out;
	irsa_request_set_header(&req, "Content-Type",
				"application/x-www-form-urlencoded; charset=utf-8");
	irsa_buf_puts(&req.body, "Action=");
	irsa_form_encode(&req.body, action);
	irsa_buf_puts(&req.body, "&Version=");
	irsa_form_encode(&req.body, version);
	for (size_t i = 0; params && i < params->n; i++) {
		irsa_buf_putc(&req.body, '&');
		irsa_form_encode(&req.body, params->items[i].key);
		irsa_buf_putc(&req.body, '=');
		irsa_form_encode(&req.body, params->items[i].value);
	}
	if (send_with_retries(aws, &call, &req, &resp, err) < 0)
		goto out;
	doc = parse_xml(&resp.body);
	if (!doc) {
		irsa_error_set(err, IRSA_ERR_REMOTE,
			       "%s %s: the answer is not valid XML (HTTP %ld, %zu bytes); "
			       "is the endpoint '%s' really %s?",
			       service, action, resp.status, resp.body.len, ep.url, service);
		goto out;
	}
	*ret_doc = doc;
	r = 0;
out:
	irsa_buf_release_secure(&req.body);
	irsa_request_release(&req);
	irsa_buf_release_secure(&resp.body);
	irsa_response_release(&resp);
	return r;
}

int irsa_aws_query(struct irsa_aws *aws, const char *service, const char *version,
		   const char *action, const struct irsa_params *params, xmlDoc **ret_doc,
		   struct irsa_error *err)
{
	const struct irsa_credentials *creds;

	if (irsa_aws_credentials(aws, &creds, err) < 0)
		return -1;
	return irsa_aws_query_as(aws, creds, service, version, action, params, ret_doc, err);
}

int irsa_aws_json(struct irsa_aws *aws, const char *service, const char *method,
		  const char *path, const json_t *body, json_t **ret, struct irsa_error *err)
{
	const struct irsa_credentials *creds;
	struct irsa_endpoint ep;
	struct irsa_request req;
	struct irsa_response resp;
	struct call call = { service, path, &ep, NULL, true };
	_cleanup_free_ char *url = NULL;
	json_error_t jerr;
	json_t *root;
	int r = -1;

	if (irsa_aws_credentials(aws, &creds, err) < 0 || irsa_aws_endpoint(aws, service, &ep, err) < 0)
		return -1;
	call.creds = creds;
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
	if (send_with_retries(aws, &call, &req, &resp, err) < 0)
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
