/* The AWS session and the IAM / STS / EKS wrappers driven through the
 * HTTP seam with canned answers: the standard retry mode (backoff,
 * quota), clock skew correction, XML and JSON error classification,
 * pagination, and the limits on what a server may send. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tap.h"
#include "aws-fake.h"
#include "irsa/aws.h"
#include "irsa/eks.h"
#include "irsa/iam.h"
#include "irsa/sts.h"
#include "irsa/strutil.h"
#include "src/aws/client.h"
#include "src/aws/xml.h"

static const char *max_attempts = "3";

static const char *fake_getenv(const char *name)
{
	if (strcmp(name, "AWS_MAX_ATTEMPTS") == 0)
		return max_attempts;
	if (strcmp(name, "IRSACTL_RETRY_BASE_DELAY_MS") == 0)
		return "1000";
	return fake_aws_getenv(name);
}

/* No sleep_ms: the session waits through the HTTP client, i.e. the fake. */
static const struct irsa_env_ops ops = { fake_getenv, fake_aws_now, NULL };

static struct irsa_aws *session(struct fake_http *f, const struct fake_answer *script, size_t n)
{
	return fake_aws_scripted(f, &ops, "us-west-2", script, n);
}

#define IDENTITY_OK \
	"<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">" \
	"<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn>" \
	"<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>" \
	"</GetCallerIdentityResult><ResponseMetadata><RequestId>rid-ok</RequestId>" \
	"</ResponseMetadata></GetCallerIdentityResponse>"

#define XML_ERROR(code, msg) \
	"<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>" \
	"<Type>Sender</Type><Code>" code "</Code><Message>" msg "</Message></Error>" \
	"<RequestId>rid-" code "</RequestId></ErrorResponse>"

/* One call through a session answered by a script: what the call
 * returned, its error, and what was sent. */
struct call {
	struct fake_http f;
	struct irsa_aws *aws;
	struct irsa_error err;
	struct irsa_caller_identity id;
	int rc;
};

static void call_start(struct call *c, const struct fake_answer *script, size_t n)
{
	memset(c, 0, sizeof(*c));
	c->aws = session(&c->f, script, n);
}

static void call_end(struct call *c)
{
	irsa_caller_identity_release(&c->id);
	fake_release(&c->f);
	irsa_aws_free(c->aws);
}

/* GetCallerIdentity (whoami) answered by the script. */
static void whoami(struct call *c, const struct fake_answer *script, size_t n)
{
	call_start(c, script, n);
	c->rc = irsa_sts_get_caller_identity(c->aws, &c->id, &c->err);
}

/* A script as a pointer and a count, for the tables below. */
#define SCRIPT(...) (const struct fake_answer[]){ __VA_ARGS__ }, \
	ARRAY_SIZE(((const struct fake_answer[]){ __VA_ARGS__ }))

/* A whoami the session gives up on: the error it ends with, and how many
 * requests, waits and retry tokens that took. */
struct refusal {
	const char *name;
	const struct fake_answer *script;
	size_t n_script;
	enum irsa_error_kind kind;
	const char *code;       /* NULL: not checked */
	const char *request_id; /* NULL: not checked */
	long http_status;       /* 0: not checked */
	const char *message;    /* a part of err.message; NULL: not checked */
	size_t requests;
	bool no_wait;           /* no retry waited */
	int quota;              /* the retry quota left of 500; 0: not checked */
};

static const struct refusal refusals[] = {
	{ "no_retry_on_access_denied",
	  SCRIPT({ 403, "x-amzn-RequestId: hdr-rid\n", XML_ERROR("AccessDenied", "not allowed") },
		 { 200, NULL, IDENTITY_OK }),
	  IRSA_ERR_AUTH, "AccessDenied",
	  "rid-AccessDenied", /* the body's wins over the header */
	  403, "not allowed", 1, true, 0 },
	{ "throttling_exhausts_attempts",
	  SCRIPT({ 400, NULL, XML_ERROR("Throttling", "Rate exceeded") }),
	  IRSA_ERR_THROTTLED, "Throttling", NULL, 0, "after 3 attempts", 3, false, 500 - 2 * 5 },
	/* A retry after a timeout costs 10, after another failure 5. */
	{ "transport_failures_and_timeouts",
	  SCRIPT({ 0, NULL, NULL, IRSA_HTTP_TIMEOUT_CODE }, { 0, NULL, NULL, NULL },
		 { 0, NULL, NULL, IRSA_HTTP_TIMEOUT_CODE }),
	  IRSA_ERR_NETWORK, NULL, NULL, 0, "after every retry", 3, false, 500 - 10 - 5 },
	{ "skew_without_date_is_an_error",
	  SCRIPT({ 403, NULL, XML_ERROR("RequestExpired", "Request has expired") }),
	  IRSA_ERR_AUTH, NULL, NULL, 0, NULL, 1, false, 0 },
	/* 17 MiB of padding: over the HTTP layer's 16 MiB default; not retried. */
	{ "oversized_answer_refused",
	  SCRIPT({ 200, NULL, "                                                                " /* 64 */,
		   NULL, 17u * 1024u * 16u }),
	  IRSA_ERR_REMOTE, NULL, NULL, 0, "larger than", 1, false, 0 },
	{ "not_xml",
	  SCRIPT({ 200, NULL, "{\"not\":\"xml\"}" }),
	  IRSA_ERR_REMOTE, NULL, NULL, 0, "not valid XML", 1, false, 0 },
};

static void check_refusal(const struct refusal *r)
{
	struct call c;

	whoami(&c, r->script, r->n_script);
	CHECK_INT(c.rc, -1);
	CHECK_INT(c.err.kind, r->kind);
	if (r->code)
		CHECK_STR(c.err.code, r->code);
	if (r->request_id)
		CHECK_STR(c.err.request_id, r->request_id);
	if (r->http_status)
		CHECK_INT(c.err.http_status, r->http_status);
	if (r->message)
		CHECK(strstr(c.err.message, r->message) != NULL);
	CHECK_INT(c.f.n_requests, r->requests);
	if (r->no_wait)
		CHECK_INT(c.f.n_sleeps, 0);
	if (r->quota)
		CHECK_INT(irsa_aws_retry_quota(c.aws), r->quota);
	call_end(&c);
}

/* --- retries and backoff --- */

TEST(retry_then_success)
{
	static const struct fake_answer script[] = {
		{ 503, NULL, XML_ERROR("ServiceUnavailable", "try later") },
		{ 500, NULL, "" },
		{ 200, NULL, IDENTITY_OK },
	};
	struct call c;

	whoami(&c, script, ARRAY_SIZE(script));
	CHECK_INT(c.rc, 0);
	CHECK_STR(c.id.account, "123456789012");
	CHECK_STR(c.id.arn, "arn:aws:iam::123456789012:user/alice");
	CHECK_INT(c.f.n_requests, 3);
	CHECK_INT(irsa_aws_attempts(c.aws), 3);
	/* Full jitter under the standard mode's cap: [0, base * 2^(n-1)). */
	CHECK_INT(c.f.n_sleeps, 2);
	CHECK(c.f.sleeps[0] >= 0 && c.f.sleeps[0] < 1000);
	CHECK(c.f.sleeps[1] >= 0 && c.f.sleeps[1] < 2000);
	/* Two retries took 5 each; the success gave the last 5 back. */
	CHECK_INT(irsa_aws_retry_quota(c.aws), 500 - 5);
	/* Every attempt is signed again (same body, fresh signature). */
	CHECK_STR(c.f.requests[0].body, c.f.requests[2].body);
	CHECK(strstr(c.f.requests[2].headers, "Authorization: AWS4-HMAC-SHA256") != NULL);
	call_end(&c);
}

TEST(retry_quota_shared_and_exhausted)
{
	static const struct fake_answer failing[] = { { 500, NULL, XML_ERROR("InternalError", "x") } };
	static const struct fake_answer ok[] = { { 200, NULL, IDENTITY_OK } };
	struct fake_http f;
	struct irsa_aws *aws = session(&f, failing, ARRAY_SIZE(failing));
	struct irsa_caller_identity id = { 0 };
	struct irsa_error err = { 0 };
	int fully_retried = 0;

	/* Each failing call retries twice (10 tokens) while the quota lasts. */
	for (int call = 0; call < 60; call++) {
		size_t before = f.n_requests;

		CHECK_INT(irsa_sts_get_caller_identity(aws, &id, &err), -1);
		if (f.n_requests - before == 3)
			fully_retried++;
		else
			CHECK_INT(f.n_requests - before, 1);
	}
	CHECK_INT(fully_retried, 50);
	CHECK_INT(irsa_aws_retry_quota(aws), 0);
	CHECK_INT(err.kind, IRSA_ERR_REMOTE);
	/* A success without retries gives one token back. */
	fake_release(&f);
	fake_install(&f, irsa_aws_http(aws), ok, 1);
	CHECK_INT(irsa_sts_get_caller_identity(aws, &id, &err), 0);
	CHECK_INT(irsa_aws_retry_quota(aws), 1);
	irsa_caller_identity_release(&id);
	fake_release(&f);
	irsa_aws_free(aws);
}

TEST(max_attempts_one_means_no_retry)
{
	static const struct fake_answer script[] = { { 503, NULL, "" } };
	struct fake_http f;
	struct irsa_aws *aws;
	struct irsa_caller_identity id = { 0 };
	struct irsa_error err = { 0 };

	max_attempts = "1";
	aws = session(&f, script, 1);
	CHECK_INT(irsa_sts_get_caller_identity(aws, &id, &err), -1);
	CHECK_INT(f.n_requests, 1);
	CHECK_STR(err.code, "ServiceUnavailable"); /* from the status: no error document */
	max_attempts = "3";
	fake_release(&f);
	irsa_aws_free(aws);
}

TEST(backoff_bounds)
{
	struct irsa_aws_client c;

	irsa_aws_client_init(&c, &ops);
	c.retry.base_ms = 1000;
	for (int i = 0; i < 200; i++) {
		long a1 = irsa_aws_client_backoff_ms(&c, 1);
		long a3 = irsa_aws_client_backoff_ms(&c, 3);
		long a20 = irsa_aws_client_backoff_ms(&c, 20);

		CHECK(a1 >= 0 && a1 < 1000);
		CHECK(a3 >= 0 && a3 < 4000);
		CHECK(a20 >= 0 && a20 < 20000);
	}
	irsa_aws_client_release(&c);
}

/* --- clock skew --- */

TEST(skew_corrected_once)
{
	/* The server's clock is one hour ahead of ours. */
	static const struct fake_answer script[] = {
		{ 403, "Date: Tue, 14 Nov 2023 23:13:20 GMT\n",
		  XML_ERROR("RequestTimeTooSkewed", "The difference is too large") },
		{ 200, NULL, IDENTITY_OK },
	};
	struct call c;
	char *d0, *d1;

	whoami(&c, script, ARRAY_SIZE(script));
	CHECK_INT(c.rc, 0);
	CHECK_INT(c.f.n_requests, 2);
	CHECK_INT(c.f.n_sleeps, 0); /* a corrected clock is not a retry */
	d0 = fake_request_header(&c.f, 0, "X-Amz-Date");
	d1 = fake_request_header(&c.f, 1, "X-Amz-Date");
	CHECK_STR(d0, "20231114T221320Z"); /* NOW */
	CHECK_STR(d1, "20231114T231320Z"); /* NOW + 3600 */
	CHECK_INT(irsa_aws_retry_quota(c.aws), 500); /* nothing taken, capped */
	free(d0);
	free(d1);
	call_end(&c);
}

/* --- error classification --- */

static void classify(const char *name, long status, const char *headers, const char *body,
		     bool json, const char *want_code, enum irsa_error_kind want_kind,
		     bool want_retry)
{
	struct irsa_response r;
	struct irsa_aws_fault f;
	bool ok;

	irsa_response_init(&r);
	r.status = status;
	fake_add_headers(&r, headers);
	if (body)
		irsa_buf_puts(&r.body, body);
	irsa_aws_fault_decode(&r, json, &f);
	ok = strcmp(f.code, want_code) == 0 && irsa_aws_fault_kind(&f) == want_kind &&
	     irsa_aws_fault_is_retryable(&f) == want_retry;
	if (!ok)
		printf("#   %s: code '%s' kind %d retry %d\n", name, f.code, irsa_aws_fault_kind(&f),
		       irsa_aws_fault_is_retryable(&f));
	tap_result(name, ok);
	irsa_response_release(&r);
}

static void test_classification(void)
{
	classify("xml NoSuchEntity", 404, NULL, XML_ERROR("NoSuchEntity", "no role"), false,
		 "NoSuchEntity", IRSA_ERR_NOT_FOUND, false);
	classify("xml EntityAlreadyExists", 409, NULL, XML_ERROR("EntityAlreadyExists", "x"), false,
		 "EntityAlreadyExists", IRSA_ERR_CONFLICT, false);
	classify("xml MalformedPolicyDocument", 400, NULL,
		 XML_ERROR("MalformedPolicyDocument", "x"), false, "MalformedPolicyDocument",
		 IRSA_ERR_USAGE, false);
	classify("xml Throttling", 400, NULL, XML_ERROR("Throttling", "x"), false, "Throttling",
		 IRSA_ERR_THROTTLED, true);
	classify("xml InternalError", 500, NULL, XML_ERROR("InternalError", "x"), false,
		 "InternalError", IRSA_ERR_REMOTE, true);
	classify("xml unknown 400", 400, NULL, XML_ERROR("SomethingNew", "x"), false,
		 "SomethingNew", IRSA_ERR_REMOTE, false);
	classify("html 502 from a proxy", 502, NULL, "<html><body>Bad gateway</body></html>",
		 false, "InternalFailure", IRSA_ERR_REMOTE, true);
	classify("empty 429", 429, NULL, NULL, false, "UnknownError", IRSA_ERR_THROTTLED, true);
	classify("empty 403", 403, NULL, NULL, false, "AccessDenied", IRSA_ERR_AUTH, false);
	classify("json header type", 404,
		 "x-amzn-ErrorType: ResourceNotFoundException:http://internal.amazon.com/\n",
		 "{\"message\":\"No cluster found for name: c.\"}", true,
		 "ResourceNotFoundException", IRSA_ERR_NOT_FOUND, false);
	classify("json __type with namespace", 400, NULL,
		 "{\"__type\":\"com.amazonaws.eks#InvalidParameterException\",\"message\":\"m\"}",
		 true, "InvalidParameterException", IRSA_ERR_USAGE, false);
	classify("json throttling", 429, NULL,
		 "{\"__type\":\"ThrottlingException\",\"Message\":\"slow down\"}", true,
		 "ThrottlingException", IRSA_ERR_THROTTLED, true);
	classify("json not json", 503, NULL, "Service Unavailable", true, "ServiceUnavailable",
		 IRSA_ERR_REMOTE, true);
	classify("xml error with a DTD is not read", 400, NULL,
		 "<!DOCTYPE e [<!ENTITY c \"AccessDenied\">]><ErrorResponse><Error><Code>&c;</Code>"
		 "</Error></ErrorResponse>", false, "UnknownError", IRSA_ERR_REMOTE, false);
}

TEST(eks_json_error)
{
	static const struct fake_answer script[] = {
		{ 404, "x-amzn-ErrorType: ResourceNotFoundException:http://internal.amazon.com/\n"
		       "x-amzn-RequestId: eks-rid\n",
		  "{\"message\":\"No cluster found for name: prod.\"}" },
	};
	struct call c;
	struct irsa_eks_cluster cluster = { 0 };

	call_start(&c, script, ARRAY_SIZE(script));
	CHECK_INT(irsa_eks_describe_cluster(c.aws, "prod", &cluster, &c.err), -1);
	CHECK_INT(c.err.kind, IRSA_ERR_NOT_FOUND);
	CHECK_STR(c.err.code, "ResourceNotFoundException");
	CHECK_STR(c.err.request_id, "eks-rid");
	CHECK_INT(c.f.n_requests, 1);
	CHECK_STR(c.f.requests[0].method, "GET");
	CHECK_STR(c.f.requests[0].url, "https://eks.us-west-2.amazonaws.com/clusters/prod");
	irsa_eks_cluster_release(&cluster);
	call_end(&c);
}

TEST(eks_success)
{
	static const struct fake_answer script[] = {
		{ 200, NULL,
		  "{\"cluster\":{\"name\":\"prod\",\"arn\":\"arn:aws:eks:us-west-2:123456789012:"
		  "cluster/prod\",\"status\":\"ACTIVE\",\"endpoint\":\"https://ABC.eks.amazonaws.com\","
		  "\"identity\":{\"oidc\":{\"issuer\":\"https://oidc.eks.us-west-2.amazonaws.com/id/"
		  "ABC\"}},\"version\":\"1.29\"}}" },
	};
	struct call c;
	struct irsa_eks_cluster cluster = { 0 };

	call_start(&c, script, ARRAY_SIZE(script));
	CHECK_INT(irsa_eks_describe_cluster(c.aws, "prod", &cluster, &c.err), 0);
	CHECK_STR(cluster.status, "ACTIVE");
	CHECK_STR(cluster.oidc_issuer, "https://oidc.eks.us-west-2.amazonaws.com/id/ABC");
	irsa_eks_cluster_release(&cluster);
	call_end(&c);
}

/* --- pagination --- */

#define ATTACHED_PAGE(members, truncated, marker) \
	"<ListAttachedRolePoliciesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">" \
	"<ListAttachedRolePoliciesResult><AttachedPolicies>" members "</AttachedPolicies>" \
	"<IsTruncated>" truncated "</IsTruncated>" marker "</ListAttachedRolePoliciesResult>" \
	"</ListAttachedRolePoliciesResponse>"
#define POLICY(n) "<member><PolicyName>" n "</PolicyName><PolicyArn>arn:aws:iam::aws:policy/" \
	n "</PolicyArn></member>"

TEST(iam_pagination)
{
	static const struct fake_answer script[] = {
		{ 200, NULL, ATTACHED_PAGE(POLICY("A") POLICY("B"), "true", "<Marker>m+1/=</Marker>") },
		{ 200, NULL, ATTACHED_PAGE(POLICY("C"), "true", "<Marker>m2</Marker>") },
		{ 200, NULL, ATTACHED_PAGE(POLICY("D"), "false", "") },
	};
	struct call c;
	struct irsa_attached_policy *p = NULL;
	size_t n = 0;

	call_start(&c, script, ARRAY_SIZE(script));
	CHECK_INT(irsa_iam_list_attached_role_policies(c.aws, "app", &p, &n, &c.err), 0);
	CHECK_INT(n, 4);
	if (n == 4) {
		CHECK_STR(p[0].name, "A");
		CHECK_STR(p[2].name, "C");
		CHECK_STR(p[3].arn, "arn:aws:iam::aws:policy/D");
	}
	CHECK_INT(c.f.n_requests, 3);
	CHECK(strstr(c.f.requests[0].body, "Marker") == NULL);
	CHECK(strstr(c.f.requests[1].body, "&Marker=m%2B1%2F%3D") != NULL);
	CHECK(strstr(c.f.requests[2].body, "&Marker=m2") != NULL);
	CHECK(strstr(c.f.requests[2].body, "RoleName=app") != NULL);
	CHECK_STR(c.f.requests[0].url, "https://iam.amazonaws.com/");
	irsa_attached_policies_free(p, n);
	call_end(&c);
}

TEST(iam_pagination_error_on_later_page)
{
	static const struct fake_answer script[] = {
		{ 200, NULL, ATTACHED_PAGE(POLICY("A"), "true", "<Marker>m</Marker>") },
		{ 404, NULL, XML_ERROR("NoSuchEntity", "The role cannot be found") },
	};
	struct call c;
	struct irsa_attached_policy *p = NULL;
	size_t n = 0;

	call_start(&c, script, ARRAY_SIZE(script));
	CHECK_INT(irsa_iam_list_attached_role_policies(c.aws, "app", &p, &n, &c.err), -1);
	CHECK_INT(c.err.kind, IRSA_ERR_NOT_FOUND);
	CHECK_INT(c.f.n_requests, 2);
	irsa_attached_policies_free(p, n);
	call_end(&c);
}

TEST(iam_get_role)
{
	static const struct fake_answer script[] = {
		{ 200, NULL,
		  "<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetRoleResult>"
		  "<Role><Path>/irsa/</Path><RoleName>app</RoleName><RoleId>AROAEXAMPLE</RoleId>"
		  "<Arn>arn:aws:iam::123456789012:role/irsa/app</Arn>"
		  "<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement"
		  "%22%3A%5B%5D%7D</AssumeRolePolicyDocument><MaxSessionDuration>7200"
		  "</MaxSessionDuration><PermissionsBoundary><PermissionsBoundaryType>Policy"
		  "</PermissionsBoundaryType><PermissionsBoundaryArn>arn:aws:iam::123456789012:"
		  "policy/b</PermissionsBoundaryArn></PermissionsBoundary><Tags><member><Key>team"
		  "</Key><Value>a &amp; b</Value></member></Tags></Role></GetRoleResult>"
		  "</GetRoleResponse>" },
	};
	struct call c;
	struct irsa_role r = { 0 };

	call_start(&c, script, ARRAY_SIZE(script));
	CHECK_INT(irsa_iam_get_role(c.aws, "app", &r, &c.err), 0);
	CHECK_STR(r.arn, "arn:aws:iam::123456789012:role/irsa/app");
	CHECK_STR(r.trust_policy, "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
	CHECK_STR(r.permissions_boundary, "arn:aws:iam::123456789012:policy/b");
	CHECK_INT(r.max_session_duration, 7200);
	CHECK_INT(r.tags.n, 1);
	if (r.tags.n == 1)
		CHECK_STR(r.tags.items[0].value, "a & b");
	CHECK(strstr(c.f.requests[0].body, "Action=GetRole&Version=2010-05-08&RoleName=app") != NULL);
	irsa_role_release(&r);
	call_end(&c);
}

/* Calls whose answer is one field (iam_call_field): decoded when it is a
 * document, and a missing or empty one is a remote error naming the call,
 * the object and the field. */
TEST(iam_one_field_answers)
{
	static const struct fake_answer script[] = {
		{ 200, NULL,
		  "<GetPolicyVersionResponse><GetPolicyVersionResult><PolicyVersion>"
		  "<Document>%7B%22Version%22%3A%222012-10-17%22%7D</Document><VersionId>v2"
		  "</VersionId></PolicyVersion></GetPolicyVersionResult></GetPolicyVersionResponse>" },
		{ 200, NULL,
		  "<CreatePolicyVersionResponse><CreatePolicyVersionResult><PolicyVersion>"
		  "<VersionId></VersionId></PolicyVersion></CreatePolicyVersionResult>"
		  "</CreatePolicyVersionResponse>" },
		{ 200, NULL,
		  "<GetRolePolicyResponse><GetRolePolicyResult><PolicyName>p</PolicyName>"
		  "</GetRolePolicyResult></GetRolePolicyResponse>" },
	};
	struct call c;
	char *text = NULL;

	call_start(&c, script, ARRAY_SIZE(script));
	CHECK_INT(irsa_iam_get_policy_version(c.aws, "arn:aws:iam::aws:policy/P", "v2", &text, &c.err),
		  0);
	CHECK_STR(text, "{\"Version\":\"2012-10-17\"}");
	free(text);
	text = NULL;
	CHECK_INT(irsa_iam_create_policy_version(c.aws, "arn:aws:iam::1:policy/P", "{}", true, &text,
						 &c.err), -1);
	CHECK_INT(c.err.kind, IRSA_ERR_REMOTE);
	CHECK_STR(c.err.message, "iam CreatePolicyVersion: the answer for 'arn:aws:iam::1:policy/P' "
			       "has no VersionId");
	CHECK(!text);
	CHECK_INT(irsa_iam_get_role_policy(c.aws, "app", "p", &text, &c.err), -1);
	CHECK_STR(c.err.message, "iam GetRolePolicy: the answer for 'p' of role 'app' has no "
			       "PolicyDocument");
	CHECK(strstr(c.f.requests[1].body, "Action=CreatePolicyVersion&") != NULL);
	call_end(&c);
}

/* --- limits on what a server sends --- */

/* Issue #8: a 110 KB answer with one internal entity referenced 20,000
 * times made whoami build a 1 GB string. A DTD is now refused. */
TEST(entity_expansion_refused)
{
	struct irsa_buf body = IRSA_BUF_INIT;
	struct fake_answer script[1] = { { 200, NULL, NULL } };
	struct call c;

	irsa_buf_puts(&body, "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"");
	for (int i = 0; i < 3000; i++)
		irsa_buf_puts(&body, "0123456789");
	irsa_buf_puts(&body, "\">]><GetCallerIdentityResponse><GetCallerIdentityResult><Arn>");
	for (int i = 0; i < 20000; i++)
		irsa_buf_puts(&body, "&e;");
	irsa_buf_puts(&body, "</Arn><Account>123456789012</Account></GetCallerIdentityResult>"
			     "</GetCallerIdentityResponse>");
	CHECK(body.len > 90000);
	script[0].body = irsa_buf_str(&body);
	whoami(&c, script, 1);
	CHECK_INT(c.rc, -1);
	CHECK_INT(c.err.kind, IRSA_ERR_REMOTE);
	CHECK(strstr(c.err.message, "document type declaration") != NULL);
	CHECK(c.id.arn == NULL);
	call_end(&c);
	irsa_buf_release(&body);
}

TEST(any_doctype_refused)
{
	static const char *const docs[] = {
		"<!DOCTYPE r SYSTEM \"file:///etc/passwd\"><r/>",
		"<!DOCTYPE r PUBLIC \"-//x//y\" \"http://127.0.0.1:9/x.dtd\"><r/>",
		"<?xml version=\"1.0\"?>\n<!DOCTYPE r []><r/>",
	};
	static const char ok[] = "<r a='&amp;'>&lt;x&gt;</r>";
	struct irsa_error err = { 0 };
	xmlDoc *doc = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		CHECK_INT(irsa_xml_parse(docs[i], strlen(docs[i]), "t", &doc, &err), -1);
		CHECK(strstr(err.message, "document type declaration") != NULL);
	}
	CHECK_INT(irsa_xml_parse(ok, strlen(ok), "t", &doc, &err), 0);
	if (doc) {
		char *text = irsa_xml_find_text(xmlDocGetRootElement(doc), "r");

		CHECK_STR(text, "<x>");
		free(text);
		xmlFreeDoc(doc);
	}
}

TEST(deep_nesting_refused)
{
	struct irsa_buf body = IRSA_BUF_INIT;
	struct fake_answer script[1] = { { 200, NULL, NULL } };
	struct call c;

	irsa_buf_puts(&body, "<GetCallerIdentityResponse><GetCallerIdentityResult>");
	for (int i = 0; i < 40; i++)
		irsa_buf_puts(&body, "<a>");
	for (int i = 0; i < 40; i++)
		irsa_buf_puts(&body, "</a>");
	irsa_buf_puts(&body, "</GetCallerIdentityResult></GetCallerIdentityResponse>");
	script[0].body = irsa_buf_str(&body);
	whoami(&c, script, 1);
	CHECK_INT(c.rc, -1);
	CHECK(strstr(c.err.message, "deeper than") != NULL);
	call_end(&c);
	irsa_buf_release(&body);
}

int main(void)
{
	RUN(retry_then_success);
	RUN_TABLE(refusals, check_refusal);
	RUN(retry_quota_shared_and_exhausted);
	RUN(max_attempts_one_means_no_retry);
	RUN(backoff_bounds);
	RUN(skew_corrected_once);
	test_classification();
	RUN(eks_json_error);
	RUN(eks_success);
	RUN(iam_pagination);
	RUN(iam_pagination_error_on_later_page);
	RUN(iam_get_role);
	RUN(iam_one_field_answers);
	RUN(entity_expansion_refused);
	RUN(any_doctype_refused);
	RUN(deep_nesting_refused);
	return tap_done();
}
