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

/* Where a call stands between attempts. */
struct attempts {
	int attempt;       /* the attempt last sent, 1 for the first */
	int last_cost;     /* what its retry took from the quota */
	bool skew_retried;
};

enum verdict { CALL_DONE, CALL_FAILED, CALL_RETRY };

/* Judge one attempt (r, terr: what the HTTP layer said; ret: the answer)
 * by the standard retry mode. CALL_RETRY sets *delay_ms (the backoff)
 * and *throttled; CALL_FAILED fills err. */
static enum verdict judge(struct irsa_aws_client *c, const struct call *call,
			  struct attempts *st, int r, const struct irsa_error *terr,
			  const struct irsa_response *ret, long *delay_ms, bool *throttled,
			  struct irsa_error *err)
{
	struct irsa_aws_fault fault;
	int cost;

	*delay_ms = 0;
	*throttled = false;
	if (r < 0) {
		cost = strcmp(terr->code, IRSA_HTTP_TIMEOUT_CODE) == 0 ? IRSA_RETRY_TIMEOUT_COST
								       : IRSA_RETRY_COST;
		if (terr->kind != IRSA_ERR_NETWORK || st->attempt >= c->retry.max_attempts ||
		    !take_retry_quota(c, cost)) {
			transport_error(call, st->attempt, terr, err);
			return CALL_FAILED;
		}
		st->last_cost = cost;
		*delay_ms = irsa_aws_client_backoff_ms(c, st->attempt);
		return CALL_RETRY;
	}
	if (ret->status >= 200 && ret->status < 300) {
		refill_retry_quota(c, st->last_cost);
		return CALL_DONE;
	}
	irsa_aws_fault_decode(ret, call->json, &fault);
	if (!st->skew_retried && irsa_aws_fault_is_skew(&fault) && adjust_skew(c, ret)) {
		st->skew_retried = true;
		st->attempt--; /* a corrected clock is not a retry */
		return CALL_RETRY;
	}
	if (!irsa_aws_fault_is_retryable(&fault) || st->attempt >= c->retry.max_attempts ||
	    !take_retry_quota(c, IRSA_RETRY_COST)) {
		fault_error(call->service, call->action, &fault, st->attempt, err);
		return CALL_FAILED;
	}
	st->last_cost = IRSA_RETRY_COST;
	*throttled = irsa_aws_fault_is_throttle(&fault);
	irsa_log_debug("%s %s: %s, retrying", call->service, call->action, fault.code);
	*delay_ms = irsa_aws_client_backoff_ms(c, st->attempt);
	return CALL_RETRY;
}

/* The next attempt of tmpl, signed. */
static int signed_copy(struct irsa_aws_client *c, const struct call *call,
		       const struct irsa_request *tmpl, struct irsa_request *req,
		       struct irsa_error *err)
{
	copy_request(req, tmpl);
	if (sign(c, call, req, err) < 0) {
		irsa_request_release(req);
		return -1;
	}
	return 0;
}

/* Send with the standard retry mode. On success ret holds a 2xx answer. */
static int send_with_retries(struct irsa_aws_client *c, const struct call *call,
			     const struct irsa_request *tmpl, struct irsa_response *ret,
			     struct irsa_error *err)
{
	struct attempts st = { 0 };

	for (;;) {
		struct irsa_request req;
		struct irsa_error terr = { 0 };
		enum verdict v;
		long delay;
		bool throttled;
		int r;

		st.attempt++;
		if (signed_copy(c, call, tmpl, &req, err) < 0)
			return -1;
		irsa_response_release(ret);
		irsa_response_init(ret);
		c->attempts++;
		r = irsa_http_send(c->http, &req, &c->http_options, st.attempt, ret, &terr);
		irsa_request_release(&req);
		v = judge(c, call, &st, r, &terr, ret, &delay, &throttled, err);
		if (v != CALL_RETRY)
			return v == CALL_DONE ? 0 : -1;
		if (delay > 0)
			irsa_aws_client_sleep_ms(c, delay);
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

/* A batch call between attempts (irsa_aws_client_query_many). */
struct batch_item {
	struct irsa_aws_query_call *out;  /* a Query call, or */
	struct irsa_aws_json_call *jout;  /* a REST-JSON call */
	struct call call;
	struct irsa_endpoint ep;
	struct irsa_request tmpl;
	struct attempts st;
	long ready_at;  /* batch clock, ms: when the next attempt may start */
	bool in_flight, finished;
};

struct batch {
	struct irsa_aws_client *c;
	struct irsa_http_exchange *x;
	struct batch_item *items;
	size_t n, unfinished, in_flight;
	size_t max, limit; /* limit: max, lowered while throttled */
	long clock;        /* ms; moves with the monotonic clock and the waits */
};

static long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void batch_tick(struct batch *b)
{
	long now = monotonic_ms();

	if (now > b->clock)
		b->clock = now;
}

/* A query call's caller hears of its outcome as soon as it is known
 * (irsa_aws_query_call.on_done), exactly once. */
static void hand_over(struct batch_item *it)
{
	if (it->out && it->out->on_done)
		it->out->on_done(it->out);
}

static void item_finish(struct batch *b, struct batch_item *it, int rc,
			const struct irsa_error *err)
{
	int *out_rc = it->jout ? &it->jout->rc : &it->out->rc;
	struct irsa_error *out_err = it->jout ? &it->jout->err : &it->out->err;

	*out_rc = rc;
	if (rc < 0 && err)
		*out_err = *err;
	it->finished = true;
	b->unfinished--;
	hand_over(it);
}

static int item_prepare(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			struct batch_item *it, struct irsa_error *err)
{
	struct irsa_aws_query_call *q = it->out;
	_cleanup_free_ char *url = NULL;

	it->call = (struct call){ q->service, q->action, &it->ep, creds, false };
	irsa_request_init(&it->tmpl);
	if (irsa_aws_client_endpoint(c, q->service, &it->ep, err) < 0)
		return -1;
	url = irsa_asprintf("%s/", it->ep.url);
	if (init_request(&it->tmpl, "POST", url, err) < 0)
		return -1;
	irsa_request_set_header(&it->tmpl, "Content-Type",
				"application/x-www-form-urlencoded; charset=utf-8");
	form_body(&it->tmpl.body, q->action, q->version, q->params);
	return 0;
}

static int item_prepare_json(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			     struct batch_item *it, struct irsa_error *err)
{
	struct irsa_aws_json_call *q = it->jout;
	_cleanup_free_ char *url = NULL;

	it->call = (struct call){ q->service, q->path, &it->ep, creds, true };
	irsa_request_init(&it->tmpl);
	if (irsa_aws_client_endpoint(c, q->service, &it->ep, err) < 0)
		return -1;
	url = irsa_asprintf("%s%s", it->ep.url, q->path);
	if (init_request(&it->tmpl, q->method, url, err) < 0)
		return -1;
	if (q->body) {
		char *text = json_dumps(q->body, JSON_COMPACT);

		irsa_buf_puts(&it->tmpl.body, text);
		free(text);
		irsa_request_set_header(&it->tmpl, "Content-Type", "application/json");
	}
	return 0;
}

static void item_start(struct batch *b, struct batch_item *it)
{
	struct irsa_request req;
	struct irsa_error e = { 0 };

	it->st.attempt++;
	if (signed_copy(b->c, &it->call, &it->tmpl, &req, &e) < 0) {
		item_finish(b, it, -1, &e);
		return;
	}
	b->c->attempts++;
	if (irsa_http_exchange_start(b->x, &req, &b->c->http_options, it->st.attempt, it,
				     &e) < 0) {
		irsa_request_release(&req);
		item_finish(b, it, -1, &e);
		return;
	}
	it->in_flight = true;
	b->in_flight++;
}

static void item_parse_json(struct batch *b, struct batch_item *it, struct irsa_response *resp)
{
	struct irsa_error e = { 0 };
	json_error_t jerr;

	it->jout->ret = json_loadb(irsa_buf_str(&resp->body), resp->body.len, 0, &jerr);
	if (it->jout->ret) {
		item_finish(b, it, 0, NULL);
		return;
	}
	irsa_error_set(&e, IRSA_ERR_REMOTE, "%s %s %s: the answer is not valid JSON (HTTP %ld): %s",
		       it->jout->service, it->jout->method, it->jout->path, resp->status, jerr.text);
	item_finish(b, it, -1, &e);
}

static void item_parse(struct batch *b, struct batch_item *it, struct irsa_response *resp)
{
	struct irsa_error e = { 0 };

	if (it->jout) {
		item_parse_json(b, it, resp);
		return;
	}
	_cleanup_free_ char *what = irsa_asprintf("%s %s (HTTP %ld, %zu bytes from '%s')",
						  it->call.service, it->call.action, resp->status,
						  resp->body.len, it->ep.url);

	if (irsa_xml_parse(irsa_buf_str(&resp->body), resp->body.len, what, &it->out->doc, &e) < 0)
		item_finish(b, it, -1, &e);
	else
		item_finish(b, it, 0, NULL);
}

/* One attempt came back: done, failed, or scheduled again. */
static void item_answered(struct batch *b, struct batch_item *it, int r,
			  const struct irsa_error *terr, struct irsa_response *resp)
{
	struct irsa_error e = { 0 };
	bool throttled;
	long delay;

	it->in_flight = false;
	b->in_flight--;
	switch (judge(b->c, &it->call, &it->st, r, terr, resp, &delay, &throttled, &e)) {
	case CALL_DONE:
		if (b->limit < b->max)
			b->limit++;
		item_parse(b, it, resp);
		break;
	case CALL_FAILED:
		item_finish(b, it, -1, &e);
		break;
	case CALL_RETRY:
		if (throttled && b->limit > 1)
			b->limit /= 2;
		it->ready_at = b->clock + delay;
		break;
	}
}

static void start_ready(struct batch *b)
{
	for (size_t i = 0; i < b->n && b->in_flight < b->limit; i++) {
		struct batch_item *it = &b->items[i];

		if (!it->finished && !it->in_flight && it->ready_at <= b->clock)
			item_start(b, it);
	}
}

/* How long to wait for an answer: until the earliest waiting retry may
 * start (if there is room for it), else until an answer comes. */
static long wait_ms(const struct batch *b)
{
	long earliest = -1;

	if (b->in_flight >= b->limit)
		return -1;
	for (size_t i = 0; i < b->n; i++) {
		const struct batch_item *it = &b->items[i];

		if (!it->finished && !it->in_flight && (earliest < 0 || it->ready_at < earliest))
			earliest = it->ready_at;
	}
	if (earliest < 0)
		return -1;
	return earliest > b->clock ? earliest - b->clock : 0;
}

static void run_batch(struct batch *b)
{
	while (b->unfinished > 0) {
		struct irsa_response resp;
		struct irsa_error terr = { 0 };
		void *tag;
		long timeout;
		int rc, got;

		batch_tick(b);
		start_ready(b);
		if (b->unfinished == 0)
			break;
		timeout = wait_ms(b);
		if (b->in_flight == 0 && timeout == 0)
			continue;
		irsa_response_init(&resp);
		got = irsa_http_exchange_next(b->x, timeout, &tag, &rc, &resp, &terr);
		if (got == 0 && b->in_flight == 0 && timeout > 0)
			b->clock += timeout; /* waited that long (maybe on a test clock) */
		if (got == 1)
			item_answered(b, tag, rc, &terr, &resp);
		irsa_buf_release_secure(&resp.body);
		irsa_response_release(&resp);
	}
}

/* Run a batch whose items' out or jout are set and prepared. */
static int batch_run(struct irsa_aws_client *c, struct batch *b, size_t concurrency)
{
	b->c = c;
	b->unfinished = b->n;
	b->max = b->limit = concurrency ? concurrency : c->concurrency ? c->concurrency : 1;
	b->x = irsa_http_exchange_new(c->http, b->max);
	b->clock = monotonic_ms();
	for (size_t i = 0; i < b->n; i++)
		if (b->items[i].finished)
			b->unfinished--;
	run_batch(b);
	irsa_http_exchange_free(b->x);
	for (size_t i = 0; i < b->n; i++) {
		irsa_buf_release_secure(&b->items[i].tmpl.body);
		irsa_request_release(&b->items[i].tmpl);
	}
	return 0;
}

/* Prepare failed before anything was sent: the item is finished. */
static void item_failed_early(struct batch_item *it, const struct irsa_error *e)
{
	int *out_rc = it->jout ? &it->jout->rc : &it->out->rc;
	struct irsa_error *out_err = it->jout ? &it->jout->err : &it->out->err;

	*out_rc = -1;
	*out_err = *e;
	it->finished = true;
	hand_over(it);
}

/* Frees the batch; -1 with the first failed call's error in err when any
 * call failed (each call keeps its own result either way). */
static int batch_finish(struct batch *b, struct irsa_error *err)
{
	int r = 0;

	for (size_t i = 0; i < b->n && r == 0; i++) {
		const struct batch_item *it = &b->items[i];
		int rc = it->out ? it->out->rc : it->jout->rc;

		if (rc < 0) {
			if (err)
				*err = it->out ? it->out->err : it->jout->err;
			r = -1;
		}
	}
	free(b->items);
	return r;
}

/* Reset each call's outcome, prepare it (one that cannot be prepared is
 * finished with its error), run the batch, free it: -1 with the first
 * failed call's error. */
static int batch_go(struct irsa_aws_client *c, const struct irsa_credentials *creds,
		    struct batch *b, size_t concurrency, struct irsa_error *err)
{
	for (size_t i = 0; i < b->n; i++) {
		struct batch_item *it = &b->items[i];
		struct irsa_error e = { 0 };
		int r;

		if (it->jout) {
			it->jout->rc = 0;
			it->jout->ret = NULL;
			it->jout->err = (struct irsa_error){ 0 };
			r = item_prepare_json(c, creds, it, &e);
		} else {
			it->out->rc = 0;
			it->out->doc = NULL;
			it->out->err = (struct irsa_error){ 0 };
			r = item_prepare(c, creds, it, &e);
		}
		if (r < 0)
			item_failed_early(it, &e);
	}
	batch_run(c, b, concurrency);
	return batch_finish(b, err);
}

int irsa_aws_client_call_many(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			      struct irsa_aws_query_call *queries, size_t n_queries,
			      struct irsa_aws_json_call *jsons, size_t n_jsons, size_t concurrency,
			      struct irsa_error *err)
{
	struct batch b = { .n = n_queries + n_jsons };

	b.items = irsa_malloc0((b.n ? b.n : 1) * sizeof(*b.items));
	for (size_t i = 0; i < n_queries; i++)
		b.items[i].out = &queries[i];
	for (size_t i = 0; i < n_jsons; i++)
		b.items[n_queries + i].jout = &jsons[i];
	return batch_go(c, creds, &b, concurrency, err);
}

int irsa_aws_client_query_many(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			       struct irsa_aws_query_call *calls, size_t n, size_t concurrency,
			       struct irsa_error *err)
{
	return irsa_aws_client_call_many(c, creds, calls, n, NULL, 0, concurrency, err);
}

int irsa_aws_client_json_many(struct irsa_aws_client *c, const struct irsa_credentials *creds,
			      struct irsa_aws_json_call *calls, size_t n, size_t concurrency,
			      struct irsa_error *err)
{
	return irsa_aws_client_call_many(c, creds, NULL, 0, calls, n, concurrency, err);
}
