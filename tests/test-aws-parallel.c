/* AWS Query calls in parallel (irsa_aws_query_many): through the HTTP
 * seam, each call's own outcome, retries on each call's own schedule,
 * the shared retry quota and throttling; against a loopback HTTP server,
 * libcurl's multi interface: the bound on requests in flight, connection
 * reuse, and that the calls really overlap. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "aws-fake.h"
#include "irsa/aws.h"
#include "irsa/eks.h"
#include "irsa/iam.h"
#include "irsa/strutil.h"
#include "src/aws/query.h"

static char endpoint_url[64];
static const char *retry_base = "1000";

static const char *fake_getenv(const char *name)
{
	if (strcmp(name, "AWS_ENDPOINT_URL") == 0 && endpoint_url[0])
		return endpoint_url;
	if (strcmp(name, "IRSACTL_RETRY_BASE_DELAY_MS") == 0)
		return retry_base;
	return fake_aws_getenv(name);
}

static const struct irsa_env_ops ops = { fake_getenv, fake_aws_now, NULL };

static struct irsa_aws *session(void)
{
	return fake_aws_new(&ops, "us-west-2");
}

/* A session whose requests t answers. */
static struct irsa_aws *answered_session(const struct irsa_http_transport *t)
{
	return fake_aws_transport(&ops, "us-west-2", t);
}

/* A transport that answers GetRole by the RoleName in the body: role
 * "denied*" gets AccessDenied, "down*" always 503, role "slowN" is throttled N times first,
 * role "flakyN" gets N 503s first; every other role exists. */
struct role_server {
	int seen[64];        /* attempts per role index */
	size_t requests;
	size_t sleeps;
	long slept_ms;
	char order[1024];    /* role names in the order requests came */
};

static int role_index(const char *name)
{
	const char *digits = name + strcspn(name, "0123456789");

	return *digits ? atoi(digits) % 64 : 0;
}

#define XML_ERROR(code, msg) \
	"<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>" \
	"<Type>Sender</Type><Code>" code "</Code><Message>" msg "</Message></Error>" \
	"<RequestId>rid-" code "</RequestId></ErrorResponse>"

static int role_send(void *userdata, const struct irsa_request *req,
		     const struct irsa_http_options *opts, struct irsa_response *ret,
		     struct irsa_error *err)
{
	struct role_server *s = userdata;
	const char *p = strstr(irsa_buf_str(&req->body), "RoleName=");
	char name[64] = "";
	int idx, times;

	(void)opts;
	(void)err;
	s->requests++;
	if (p)
		sscanf(p + strlen("RoleName="), "%63[^&]", name);
	snprintf(s->order + strlen(s->order), sizeof(s->order) - strlen(s->order), "%s ", name);
	idx = role_index(name);
	times = s->seen[idx]++;
	if (strncmp(name, "denied", 6) == 0) {
		ret->status = 403;
		irsa_buf_puts(&ret->body, XML_ERROR("AccessDenied", "not allowed"));
		return 0;
	}
	if (strncmp(name, "down", 4) == 0) {
		ret->status = 503;
		irsa_buf_puts(&ret->body, XML_ERROR("ServiceUnavailable", "down"));
		return 0;
	}
	if ((strncmp(name, "slow", 4) == 0 || strncmp(name, "flaky", 5) == 0) && times < idx) {
		ret->status = name[0] == 's' ? 400 : 503;
		irsa_buf_puts(&ret->body, name[0] == 's' ? XML_ERROR("Throttling", "rate exceeded")
							 : XML_ERROR("ServiceUnavailable", "later"));
		return 0;
	}
	ret->status = 200;
	irsa_buf_printf(&ret->body,
			"<GetRoleResponse><GetRoleResult><Role><RoleName>%s</RoleName></Role>"
			"</GetRoleResult></GetRoleResponse>", name);
	return 0;
}

static void role_sleep(void *userdata, long ms)
{
	struct role_server *s = userdata;

	s->sleeps++;
	s->slept_ms += ms;
}

static void install(struct irsa_aws *aws, struct role_server *s)
{
	struct irsa_http_transport t = { role_send, role_sleep, s };

	memset(s, 0, sizeof(*s));
	irsa_http_set_transport(irsa_aws_http(aws), &t);
}

struct batch {
	struct irsa_params params[64];
	struct irsa_aws_query_call calls[64];
	size_t n;
};

static void batch_add(struct batch *b, const char *role)
{
	struct irsa_params *p = &b->params[b->n];

	*p = (struct irsa_params){ 0 };
	irsa_params_add(p, "RoleName", role);
	b->calls[b->n] = (struct irsa_aws_query_call){ "iam", "2010-05-08", "GetRole", p };
	b->n++;
}

static void batch_release(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		irsa_params_release(&b->params[i]);
		if (b->calls[i].doc)
			xmlFreeDoc(b->calls[i].doc);
	}
}

/* The RoleName in call i's answer (malloc'd). */
static char *answered_role(const struct batch *b, size_t i)
{
	if (!b->calls[i].doc)
		return irsa_strdup("(no answer)");
	return irsa_xml_find_text(xmlDocGetRootElement(b->calls[i].doc), "RoleName");
}

/* A batch of GetRole calls through a session the role server answers. */
struct role_run {
	struct irsa_aws *aws;
	struct role_server s;
	struct batch b;
	struct irsa_error err;
};

static void role_run_start(struct role_run *r)
{
	memset(r, 0, sizeof(*r));
	r->aws = session();
	install(r->aws, &r->s);
}

static int role_run_send(struct role_run *r)
{
	return irsa_aws_query_many(r->aws, r->b.calls, r->b.n, &r->err);
}

static void role_run_end(struct role_run *r)
{
	batch_release(&r->b);
	irsa_aws_free(r->aws);
}

TEST(each_call_gets_its_own_answer)
{
	struct role_run r;
	char name[32];

	role_run_start(&r);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "app%d", i);
		batch_add(&r.b, name);
	}
	CHECK_INT(role_run_send(&r), 0);
	for (size_t i = 0; i < r.b.n; i++) {
		_cleanup_free_ char *got = answered_role(&r.b, i);

		snprintf(name, sizeof(name), "app%zu", i);
		CHECK_INT(r.b.calls[i].rc, 0);
		CHECK_STR(got, name);
	}
	CHECK_INT(r.s.requests, 20);
	CHECK_INT(irsa_aws_attempts(r.aws), 20);
	CHECK_INT(r.s.sleeps, 0);
	CHECK_INT(irsa_aws_retry_quota(r.aws), 500);
	role_run_end(&r);
}

TEST(one_failure_does_not_stop_the_others)
{
	struct role_run r;

	role_run_start(&r);
	batch_add(&r.b, "app1");
	batch_add(&r.b, "denied2");
	batch_add(&r.b, "app3");
	CHECK_INT(role_run_send(&r), -1);
	CHECK_INT(r.err.kind, IRSA_ERR_AUTH);
	CHECK_STR(r.err.code, "AccessDenied");
	CHECK_INT(r.b.calls[0].rc, 0);
	CHECK_INT(r.b.calls[1].rc, -1);
	CHECK_STR(r.b.calls[1].err.code, "AccessDenied");
	CHECK(strstr(r.b.calls[1].err.message, "iam GetRole failed") != NULL);
	CHECK(r.b.calls[1].doc == NULL);
	CHECK_INT(r.b.calls[2].rc, 0);
	CHECK_INT(r.s.requests, 3); /* AccessDenied is not retried */
	role_run_end(&r);
}

/* on_done: the caller's per-call hook, here taking each answer's role name
 * and freeing the document at once, as apply's waves do. */
struct handed_over {
	unsigned calls;
	char names[4][32];
};

static void take_answer(struct irsa_aws_query_call *call)
{
	struct handed_over *h = call->userdata;
	char *name = call->doc ? irsa_xml_find_text(xmlDocGetRootElement(call->doc), "RoleName")
			       : NULL;

	snprintf(h->names[h->calls++ % 4], sizeof(h->names[0]), "%d:%s", call->rc,
		 name ? name : "-");
	free(name);
	if (call->doc)
		xmlFreeDoc(call->doc);
	call->doc = NULL;
}

TEST(each_finished_call_is_handed_to_its_hook)
{
	struct irsa_aws *aws = session();
	struct role_server s;
	struct batch b = { 0 };
	struct handed_over h[3] = { 0 };
	struct irsa_error err = { 0 };

	install(aws, &s);
	batch_add(&b, "app1");
	batch_add(&b, "denied2");
	batch_add(&b, "flaky2"); /* two 503s, then the role: one hand-over */
	for (size_t i = 0; i < b.n; i++) {
		b.calls[i].userdata = &h[i];
		b.calls[i].on_done = take_answer;
	}
	CHECK_INT(irsa_aws_query_many(aws, b.calls, b.n, &err), -1);
	CHECK_INT(h[0].calls, 1);
	CHECK_STR(h[0].names[0], "0:app1");
	CHECK_INT(h[1].calls, 1);
	CHECK_STR(h[1].names[0], "-1:-");
	CHECK_INT(h[2].calls, 1);
	CHECK_STR(h[2].names[0], "0:flaky2");
	for (size_t i = 0; i < b.n; i++)
		CHECK(b.calls[i].doc == NULL);
	CHECK_STR(b.calls[1].err.code, "AccessDenied");
	batch_release(&b);
	irsa_aws_free(aws);
}

TEST(retries_on_their_own_schedule_share_the_quota)
{
	struct role_run r;

	role_run_start(&r);
	batch_add(&r.b, "app0");
	batch_add(&r.b, "flaky2"); /* two 503s, then the role */
	batch_add(&r.b, "slow1");  /* throttled once, then the role */
	batch_add(&r.b, "app3");
	CHECK_INT(role_run_send(&r), 0);
	for (size_t i = 0; i < r.b.n; i++)
		CHECK_INT(r.b.calls[i].rc, 0);
	CHECK_INT(r.s.requests, 4 + 2 + 1);
	CHECK_INT(irsa_aws_attempts(r.aws), 7);
	/* In start order: app0 ok (+1, capped at 500), flaky2 503 (-5),
	 * slow1 throttled (-5), app3 ok (+1), flaky2 503 again (-5), slow1 ok
	 * (its retry's 5 back), flaky2 ok (5 back). */
	CHECK_INT(irsa_aws_retry_quota(r.aws), 500 - 5 - 5 + 1 - 5 + 5 + 5);
	/* The waits are the backoffs, on the test's clock (no real sleep). */
	CHECK(r.s.sleeps >= 1);
	CHECK(r.s.slept_ms < 1000 + 2000);
	role_run_end(&r);
}

TEST(an_exhausted_quota_fails_calls_instead_of_retrying)
{
	struct role_run r;
	size_t failed = 0;

	role_run_start(&r);
	/* 60 calls always answered 503, 3 attempts each: 120 retries would
	 * need 600 tokens, the one quota has 500 = 100 retries. */
	for (int i = 0; i < 60; i++)
		batch_add(&r.b, "down");
	CHECK_INT(role_run_send(&r), -1);
	for (size_t i = 0; i < r.b.n; i++)
		failed += r.b.calls[i].rc < 0;
	CHECK_INT(failed, 60);
	CHECK_INT(r.s.requests, 60 + 100);
	CHECK_INT(irsa_aws_retry_quota(r.aws), 0);
	CHECK_STR(r.err.code, "ServiceUnavailable");
	role_run_end(&r);
}

TEST(throttled_calls_wait_and_succeed)
{
	struct role_run r;
	char name[32];

	role_run_start(&r);
	/* The first request for slow1 and the first two for slow2 are
	 * throttled (three calls each): they wait and all succeed. */
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "slow%d", 1 + i % 2);
		batch_add(&r.b, name);
	}
	CHECK_INT(role_run_send(&r), 0);
	for (size_t i = 0; i < r.b.n; i++)
		CHECK_INT(r.b.calls[i].rc, 0);
	CHECK_INT(r.s.requests, 6 + 1 + 2);
	CHECK(r.s.sleeps >= 1);
	/* Each success gave its retry's tokens back. */
	CHECK_INT(irsa_aws_retry_quota(r.aws), 500);
	role_run_end(&r);
}

TEST(credentials_failure_fails_every_call)
{
	struct irsa_aws_options opts = { .region = "us-west-2" };
	struct irsa_aws *aws = NULL;
	struct irsa_error err = { 0 };
	struct role_server s;
	struct batch b = { 0 };
	struct handed_over hook = { 0 };

	setenv("AWS_CONFIG_FILE", "/nonexistent/irsactl-test", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/irsactl-test", 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
	unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	if (irsa_aws_new(&opts, &aws, &err) < 0) {
		printf("# irsa_aws_new: %s\n", err.message);
		exit(1);
	}
	install(aws, &s);
	batch_add(&b, "app1");
	batch_add(&b, "app2");
	b.calls[1].userdata = &hook;
	b.calls[1].on_done = take_answer;
	CHECK_INT(irsa_aws_query_many(aws, b.calls, b.n, &err), -1);
	CHECK_INT(b.calls[0].rc, -1);
	CHECK_INT(b.calls[1].rc, -1);
	CHECK_INT(b.calls[1].err.kind, err.kind);
	CHECK_INT(hook.calls, 1); /* the hook runs for a call that was never sent too */
	CHECK_STR(hook.names[0], "-1:-");
	/* without an err of its own, the caller still finds why in each call */
	CHECK_INT(irsa_aws_query_many(aws, b.calls, b.n, NULL), -1);
	CHECK_INT(b.calls[0].err.kind, err.kind);
	CHECK_STR(b.calls[0].err.message, err.message);
	CHECK(b.calls[0].err.message[0] != '\0');
	batch_release(&b);
	irsa_aws_free(aws);
}

/* --- many roles: the bulk read and the per-role fallback --- */

/* An IAM with roles app1 (one attached, one inline policy) and app2
 * (nothing attached); GetAccountAuthorizationDetails allowed or not. */
struct iam_fake {
	bool bulk_denied;
	bool paged; /* app1's lists and the bulk read come in two pages */
	size_t gaad, get_role, list_attached, list_inline, get_inline, other;
	size_t second_pages; /* requests that carried the Marker of a first page */
};

#define ROLE_XML(name) \
	"<RoleName>" name "</RoleName><Arn>arn:aws:iam::123456789012:role/" name "</Arn>" \
	"<Path>/</Path><RoleId>ID" name "</RoleId>" \
	"<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument>"

static bool body_has(const struct irsa_request *req, const char *s)
{
	return strstr(irsa_buf_str(&req->body), s) != NULL;
}

/* The body's RoleName is exactly name. */
static bool names_role(const struct irsa_request *req, const char *name)
{
	const char *p = strstr(irsa_buf_str(&req->body), "RoleName=");
	size_t n = strlen(name);

	return p && strncmp(p + 9, name, n) == 0 && (p[9 + n] == '&' || p[9 + n] == '\0');
}

/* A List answer in two pages: `first` then, asked with the first page's
 * Marker, `second`. */
static void page_answer(struct iam_fake *f, const struct irsa_request *req,
			struct irsa_response *ret, const char *action, const char *list,
			const char *first, const char *second)
{
	bool later = body_has(req, "Marker=page2");

	if (later)
		f->second_pages++;
	irsa_buf_printf(&ret->body, "<%sResponse><%sResult><%s>%s</%s>%s</%sResult></%sResponse>",
			action, action, list, later ? second : first, list,
			later ? "<IsTruncated>false</IsTruncated>"
			      : "<IsTruncated>true</IsTruncated><Marker>page2</Marker>",
			action, action);
}

static int iam_send(void *userdata, const struct irsa_request *req,
		    const struct irsa_http_options *opts, struct irsa_response *ret,
		    struct irsa_error *err)
{
	struct iam_fake *f = userdata;
	bool app1 = names_role(req, "app1");
	bool app2 = names_role(req, "app2");

	(void)opts;
	(void)err;
	ret->status = 200;
	if (body_has(req, "Action=GetAccountAuthorizationDetails")) {
		f->gaad++;
		if (f->bulk_denied) {
			ret->status = 403;
			irsa_buf_puts(&ret->body, XML_ERROR("AccessDenied", "not authorized"));
			return 0;
		}
		if (f->paged) {
			page_answer(f, req, ret, "GetAccountAuthorizationDetails", "RoleDetailList",
				    "<member>" ROLE_XML("app1") "</member>",
				    "<member>" ROLE_XML("app2") "</member>");
			return 0;
		}
		irsa_buf_puts(&ret->body,
			      "<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult>"
			      "<RoleDetailList><member>" ROLE_XML("app1")
			      "<AttachedManagedPolicies><member><PolicyName>P</PolicyName>"
			      "<PolicyArn>arn:aws:iam::aws:policy/P</PolicyArn></member></AttachedManagedPolicies>"
			      "<RolePolicyList><member><PolicyName>inl</PolicyName>"
			      "<PolicyDocument>%7B%22a%22%3A1%7D</PolicyDocument></member></RolePolicyList>"
			      "<PermissionsBoundary><PermissionsBoundaryArn>arn:aws:iam::aws:policy/B"
			      "</PermissionsBoundaryArn></PermissionsBoundary>"
			      "</member><member>" ROLE_XML("app2") "</member><member>" ROLE_XML("other")
			      "</member></RoleDetailList><IsTruncated>false</IsTruncated>"
			      "</GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>");
		return 0;
	}
	if (body_has(req, "Action=GetRole&")) {
		f->get_role++;
		if (!app1 && !app2) {
			ret->status = 404;
			irsa_buf_puts(&ret->body, XML_ERROR("NoSuchEntity", "no such role"));
		} else {
			irsa_buf_printf(&ret->body, "<GetRoleResponse><GetRoleResult><Role>%s"
					"<Description>d</Description><MaxSessionDuration>7200"
					"</MaxSessionDuration></Role></GetRoleResult></GetRoleResponse>",
					app1 ? ROLE_XML("app1") : ROLE_XML("app2"));
		}
		return 0;
	}
	if (body_has(req, "Action=ListAttachedRolePolicies")) {
		f->list_attached++;
		if (f->paged && app1) {
			page_answer(f, req, ret, "ListAttachedRolePolicies", "AttachedPolicies",
				    "<member><PolicyName>P</PolicyName><PolicyArn>"
				    "arn:aws:iam::aws:policy/P</PolicyArn></member>",
				    "<member><PolicyName>Q</PolicyName><PolicyArn>"
				    "arn:aws:iam::aws:policy/Q</PolicyArn></member>");
			return 0;
		}
		irsa_buf_printf(&ret->body, "<ListAttachedRolePoliciesResponse>"
				"<ListAttachedRolePoliciesResult><AttachedPolicies>%s</AttachedPolicies>"
				"<IsTruncated>false</IsTruncated></ListAttachedRolePoliciesResult>"
				"</ListAttachedRolePoliciesResponse>",
				app1 ? "<member><PolicyName>P</PolicyName><PolicyArn>"
				       "arn:aws:iam::aws:policy/P</PolicyArn></member>" : "");
		return 0;
	}
	if (body_has(req, "Action=ListRolePolicies")) {
		f->list_inline++;
		if (f->paged && app1) {
			page_answer(f, req, ret, "ListRolePolicies", "PolicyNames",
				    "<member>inl</member>", "<member>inl2</member>");
			return 0;
		}
		irsa_buf_printf(&ret->body, "<ListRolePoliciesResponse><ListRolePoliciesResult>"
				"<PolicyNames>%s</PolicyNames><IsTruncated>false</IsTruncated>"
				"</ListRolePoliciesResult></ListRolePoliciesResponse>",
				app1 ? "<member>inl</member>" : "");
		return 0;
	}
	if (body_has(req, "Action=GetRolePolicy")) {
		f->get_inline++;
		irsa_buf_puts(&ret->body, "<GetRolePolicyResponse><GetRolePolicyResult>"
			      "<PolicyName>inl</PolicyName><PolicyDocument>%7B%22a%22%3A1%7D"
			      "</PolicyDocument></GetRolePolicyResult></GetRolePolicyResponse>");
		return 0;
	}
	f->other++;
	ret->status = 400;
	irsa_buf_puts(&ret->body, XML_ERROR("InvalidAction", "unexpected"));
	return 0;
}

static const char *const ten_roles[] = { "app1", "app2", "app3", "app4", "app5",
					 "app6", "app7", "app8", "app9", "app10" };

static void check_app1(const struct irsa_role_details *d)
{
	CHECK(d->found);
	CHECK_STR(d->role.name, "app1");
	CHECK_STR(d->role.trust_policy, "{\"Version\":\"2012-10-17\"}");
	CHECK_INT(d->n_attached, 1);
	if (d->n_attached == 1)
		CHECK_STR(d->attached[0].arn, "arn:aws:iam::aws:policy/P");
	CHECK_INT(d->n_inline, 1);
	if (d->n_inline == 1) {
		CHECK_STR(d->inline_policies[0].name, "inl");
		CHECK_STR(d->inline_policies[0].document, "{\"a\":1}");
	}
}

static void read_ten(bool denied, size_t n)
{
	struct iam_fake f = { .bulk_denied = denied };
	struct irsa_http_transport t = { iam_send, fake_no_sleep, &f };
	struct irsa_aws *aws = answered_session(&t);
	struct irsa_role_details d[10];
	struct irsa_error err = { 0 };
	bool bulk = true;

	CHECK_INT(irsa_iam_read_roles(aws, ten_roles, n, d, &bulk, &err), 0);
	check_app1(&d[0]);
	CHECK(d[1].found);
	CHECK_INT(d[1].n_attached, 0);
	CHECK_INT(d[1].n_inline, 0);
	for (size_t i = 2; i < n; i++) {
		CHECK(!d[i].found);
		CHECK_INT(d[i].err.kind, 0);
	}
	CHECK_INT(f.other, 0);
	if (n >= IRSA_IAM_BULK_MIN && !denied) {
		CHECK(bulk);
		CHECK_INT(f.gaad, 1);
		CHECK_INT(f.get_role, 0);
		CHECK_STR(d[0].role.permissions_boundary, "arn:aws:iam::aws:policy/B");
		CHECK(!d[0].role_fields);
	} else {
		CHECK(!bulk);
		CHECK_INT(f.gaad, n >= IRSA_IAM_BULK_MIN ? 1 : 0);
		/* One GetRole each; lists only for the two that exist. */
		CHECK_INT(f.get_role, n);
		CHECK_INT(f.list_attached, 2);
		CHECK_INT(f.list_inline, 2);
		CHECK_INT(f.get_inline, 1);
		CHECK(d[0].role_fields);
		CHECK_STR(d[0].role.description, "d");
		CHECK_INT(d[0].role.max_session_duration, 7200);
	}
	for (size_t i = 0; i < n; i++)
		irsa_role_details_release(&d[i]);
	irsa_aws_free(aws);
}

TEST(many_roles_one_bulk_read)
{
	read_ten(false, 10);
}

TEST(bulk_read_denied_falls_back_to_per_role_rounds)
{
	read_ten(true, 10);
}

TEST(few_roles_are_read_role_by_role)
{
	read_ten(false, 3);
}

/* Lists with more than one page are followed to their end, in the bulk
 * read and in the per-role rounds alike (IAM answers 100 items a page
 * unless told otherwise; a role can have more inline policies). */
static void read_paged(bool denied)
{
	struct iam_fake f = { .bulk_denied = denied, .paged = true };
	struct irsa_http_transport t = { iam_send, fake_no_sleep, &f };
	struct irsa_aws *aws = answered_session(&t);
	struct irsa_role_details d[10];
	struct irsa_error err = { 0 };
	bool bulk = false;

	CHECK_INT(irsa_iam_read_roles(aws, ten_roles, 10, d, &bulk, &err), 0);
	CHECK(d[0].found);
	CHECK(d[1].found);
	CHECK_INT(d[0].err.kind, 0);
	CHECK_INT(d[1].err.kind, 0);
	CHECK(!d[2].found);
	CHECK_INT(f.other, 0);
	if (!denied) {
		CHECK(bulk);
		CHECK_INT(f.gaad, 2);
		CHECK_INT(f.second_pages, 1);
		CHECK_INT(f.get_role, 0);
	} else {
		CHECK(!bulk);
		CHECK_INT(f.gaad, 1);
		/* app1's two lists each in two pages, app2's in one */
		CHECK_INT(f.list_attached, 3);
		CHECK_INT(f.list_inline, 3);
		CHECK_INT(f.second_pages, 2);
		CHECK_INT(f.get_inline, 2);
		CHECK_INT(d[0].n_attached, 2);
		if (d[0].n_attached == 2) {
			CHECK_STR(d[0].attached[0].arn, "arn:aws:iam::aws:policy/P");
			CHECK_STR(d[0].attached[1].arn, "arn:aws:iam::aws:policy/Q");
		}
		CHECK_INT(d[0].n_inline, 2);
		if (d[0].n_inline == 2) {
			CHECK_STR(d[0].inline_policies[0].name, "inl");
			CHECK_STR(d[0].inline_policies[1].name, "inl2");
			CHECK_STR(d[0].inline_policies[1].document, "{\"a\":1}");
		}
	}
	for (size_t i = 0; i < 10; i++)
		irsa_role_details_release(&d[i]);
	irsa_aws_free(aws);
}

TEST(bulk_read_follows_its_marker)
{
	read_paged(false);
}

TEST(per_role_lists_follow_their_markers)
{
	read_paged(true);
}

/* --- EKS calls in parallel --- */

struct eks_fake {
	size_t requests;
	bool dev_throttled_once;
};

static int eks_send(void *userdata, const struct irsa_request *req,
		    const struct irsa_http_options *opts, struct irsa_response *ret,
		    struct irsa_error *err)
{
	struct eks_fake *f = userdata;
	const char *name = strrchr(req->path, '/') + 1;

	(void)opts;
	(void)err;
	f->requests++;
	if (strcmp(name, "dev") == 0 && !f->dev_throttled_once) {
		f->dev_throttled_once = true;
		ret->status = 429;
		fake_add_headers(ret, "x-amzn-ErrorType: ThrottlingException\n");
		irsa_buf_puts(&ret->body, "{\"message\":\"Rate exceeded\"}");
		return 0;
	}
	if (strcmp(name, "prod") != 0 && strcmp(name, "dev") != 0) {
		ret->status = 404;
		fake_add_headers(ret, "x-amzn-ErrorType: ResourceNotFoundException\n");
		irsa_buf_puts(&ret->body, "{\"message\":\"No cluster found\"}");
		return 0;
	}
	ret->status = 200;
	irsa_buf_printf(&ret->body, "{\"cluster\":{\"name\":\"%s\",\"status\":\"ACTIVE\","
			"\"identity\":{\"oidc\":{\"issuer\":\"https://oidc.eks.us-west-2.amazonaws.com/id/%s\"}}}}",
			name, name);
	return 0;
}

TEST(clusters_described_in_parallel)
{
	struct eks_fake f = { 0 };
	struct irsa_http_transport t = { eks_send, fake_no_sleep, &f };
	struct irsa_aws *aws = answered_session(&t);
	static const char *const names[] = { "prod", "gone", "dev" };
	struct irsa_eks_cluster c[3];
	struct irsa_error errs[3];

	CHECK_INT(irsa_eks_describe_clusters(aws, names, 3, c, errs), -1);
	CHECK_INT(errs[0].kind, 0);
	CHECK_STR(c[0].oidc_issuer, "https://oidc.eks.us-west-2.amazonaws.com/id/prod");
	CHECK_INT(errs[1].kind, IRSA_ERR_NOT_FOUND);
	CHECK_STR(errs[1].message, "EKS cluster 'gone' not found in region 'us-west-2'; check the "
		  "name and --region (aws eks list-clusters)");
	CHECK_INT(errs[2].kind, 0);
	CHECK_STR(c[2].name, "dev");
	CHECK_INT(f.requests, 4); /* dev was throttled once, then answered */
	for (int i = 0; i < 3; i++)
		irsa_eks_cluster_release(&c[i]);
	irsa_aws_free(aws);
}

/* --- libcurl's multi interface against a loopback server --- */

struct loop_server {
	int fd;
	int port;
	atomic_int connections, in_flight, peak, requests;
	int throttle_first;   /* the first N requests are throttled */
	atomic_int peak_after; /* the peak among the requests after those */
	int delay_ms;          /* each answer's wait (default 50 ms) */
	atomic_int first_after; /* in flight when the first request after them came */
	pthread_t thread;
};

static void *serve_connection(void *arg);

struct conn {
	struct loop_server *srv;
	int fd;
};

static void *accept_loop(void *arg)
{
	struct loop_server *srv = arg;

	for (;;) {
		int fd = accept(srv->fd, NULL, NULL);
		struct conn *c;
		pthread_t t;

		if (fd < 0)
			return NULL;
		atomic_fetch_add(&srv->connections, 1);
		c = malloc(sizeof(*c));
		c->srv = srv;
		c->fd = fd;
		pthread_create(&t, NULL, serve_connection, c);
		pthread_detach(t);
	}
}

/* One request (headers and a Content-Length body) into buf; false at EOF. */
static bool read_request(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	char *end;
	long body;

	for (;;) {
		ssize_t n;

		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end) {
			char *cl = strcasestr(buf, "Content-Length:");

			body = cl ? atol(cl + 15) : 0;
			if ((long)(len - (size_t)(end + 4 - buf)) >= body)
				return true;
		}
		if (len + 1 >= cap)
			return false;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			return false;
		len += (size_t)n;
	}
}

static void *serve_connection(void *arg)
{
	struct conn *c = arg;
	struct loop_server *srv = c->srv;
	char buf[16384];
	static const char body[] = "<GetRoleResponse><GetRoleResult><Role><RoleName>x</RoleName>"
				   "</Role></GetRoleResult></GetRoleResponse>";
	char answer[1024];
	long delay_ms = srv->delay_ms ? srv->delay_ms : 50;
	struct timespec delay = { delay_ms / 1000, (delay_ms % 1000) * 1000000L };

	while (read_request(c->fd, buf, sizeof(buf))) {
		int now = atomic_fetch_add(&srv->in_flight, 1) + 1;
		int peak = atomic_load(&srv->peak);
		int nth = atomic_fetch_add(&srv->requests, 1);
		bool throttled = nth < srv->throttle_first;

		while (now > peak && !atomic_compare_exchange_weak(&srv->peak, &peak, now))
			;
		if (srv->throttle_first && nth == srv->throttle_first)
			atomic_store(&srv->first_after, now);
		peak = atomic_load(&srv->peak_after);
		while (!throttled && srv->throttle_first && now > peak &&
		       !atomic_compare_exchange_weak(&srv->peak_after, &peak, now))
			;
		nanosleep(&delay, NULL);
		atomic_fetch_sub(&srv->in_flight, 1);
		/* One write: a second small one would wait on a delayed ACK. */
		if (throttled)
			snprintf(answer, sizeof(answer), "HTTP/1.1 400 Bad Request\r\n"
				 "Content-Type: text/xml\r\nContent-Length: %zu\r\n\r\n%s",
				 strlen(XML_ERROR("Throttling", "Rate exceeded")),
				 XML_ERROR("Throttling", "Rate exceeded"));
		else
			snprintf(answer, sizeof(answer), "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
				 "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
		if (write(c->fd, answer, strlen(answer)) < 0)
			break;
	}
	close(c->fd);
	free(c);
	return NULL;
}

static int loop_server_start(struct loop_server *srv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	memset(srv, 0, sizeof(*srv));
	srv->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv->fd < 0 || bind(srv->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(srv->fd, 64) < 0 || getsockname(srv->fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	srv->port = ntohs(a.sin_port);
	pthread_create(&srv->thread, NULL, accept_loop, srv);
	pthread_detach(srv->thread);
	return 0;
}

static double since_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

TEST(multi_interface_bounds_and_reuses_connections)
{
	static struct loop_server srv;
	struct irsa_aws *aws;
	struct batch b = { 0 }, again = { 0 };
	struct irsa_error err = { 0 };
	struct timespec start;
	char name[32];
	double ms;

	if (loop_server_start(&srv) < 0) {
		printf("# cannot listen on loopback\n");
		CHECK(0);
		return;
	}
	/* long enough that a slow client (valgrind, a busy machine) still
	 * shows the overlap: one after another would take 2000 ms */
	srv.delay_ms = 100;
	snprintf(endpoint_url, sizeof(endpoint_url), "http://127.0.0.1:%d", srv.port);
	aws = session();
	irsa_aws_set_concurrency(aws, 4);
	CHECK_INT(irsa_aws_concurrency(aws), 4);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "app%d", i);
		batch_add(&b, name);
		batch_add(&again, name);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK_INT(irsa_aws_query_many(aws, b.calls, b.n, &err), 0);
	ms = since_ms(&start);
	for (size_t i = 0; i < b.n; i++)
		CHECK_INT(b.calls[i].rc, 0);
	CHECK_INT(atomic_load(&srv.requests), 20);
	/* Never more than 4 at once, and they did overlap. */
	CHECK(atomic_load(&srv.peak) <= 4);
	CHECK(atomic_load(&srv.peak) >= 2);
	/* 20 x 100 ms one after another would be 2000 ms. */
	printf("# 20 requests of 100 ms, 4 at once: %.0f ms, peak %d, %d connections\n", ms,
	       atomic_load(&srv.peak), atomic_load(&srv.connections));
	CHECK(ms < 1900); /* one after another: 2000 ms and more */
	/* Connections kept: at most one per slot, also across batches. */
	CHECK(atomic_load(&srv.connections) <= 4);
	CHECK_INT(irsa_aws_query_many(aws, again.calls, again.n, &err), 0);
	CHECK_INT(atomic_load(&srv.requests), 40);
	CHECK(atomic_load(&srv.connections) <= 4);
	batch_release(&b);
	batch_release(&again);
	irsa_aws_free(aws);
	endpoint_url[0] = '\0';
}

TEST(throttling_lowers_the_requests_in_flight)
{
	static struct loop_server srv;
	struct irsa_aws *aws;
	struct batch b = { 0 };
	struct irsa_error err = { 0 };
	char name[32];

	if (loop_server_start(&srv) < 0) {
		CHECK(0);
		return;
	}
	srv.throttle_first = 8;
	srv.delay_ms = 200; /* time for all eight to be in flight, even on a slow client */
	snprintf(endpoint_url, sizeof(endpoint_url), "http://127.0.0.1:%d", srv.port);
	retry_base = "20";
	aws = session();
	irsa_aws_set_concurrency(aws, 8);
	for (int i = 0; i < 24; i++) {
		snprintf(name, sizeof(name), "app%d", i);
		batch_add(&b, name);
	}
	CHECK_INT(irsa_aws_query_many(aws, b.calls, b.n, &err), 0);
	for (size_t i = 0; i < b.n; i++)
		CHECK_INT(b.calls[i].rc, 0);
	CHECK_INT(atomic_load(&srv.requests), 24 + 8);
	CHECK_INT(atomic_load(&srv.peak), 8);
	/* Eight throttled answers brought the limit down to 1: the first
	 * request after them went alone; each success then let one more in. */
	printf("# in flight after the throttling: first %d, peak %d\n",
	       atomic_load(&srv.first_after), atomic_load(&srv.peak_after));
	CHECK_INT(atomic_load(&srv.first_after), 1);
	CHECK(atomic_load(&srv.peak_after) <= 8);
	/* Each throttled call retried once and gave its tokens back. */
	CHECK_INT(irsa_aws_retry_quota(aws), 500);
	batch_release(&b);
	irsa_aws_free(aws);
	endpoint_url[0] = '\0';
	retry_base = "1000";
}

int main(void)
{
	RUN(each_call_gets_its_own_answer);
	RUN(one_failure_does_not_stop_the_others);
	RUN(each_finished_call_is_handed_to_its_hook);
	RUN(retries_on_their_own_schedule_share_the_quota);
	RUN(an_exhausted_quota_fails_calls_instead_of_retrying);
	RUN(throttled_calls_wait_and_succeed);
	RUN(credentials_failure_fails_every_call);
	RUN(many_roles_one_bulk_read);
	RUN(bulk_read_denied_falls_back_to_per_role_rounds);
	RUN(few_roles_are_read_role_by_role);
	RUN(bulk_read_follows_its_marker);
	RUN(per_role_lists_follow_their_markers);
	RUN(clusters_described_in_parallel);
	RUN(multi_interface_bounds_and_reuses_connections);
	RUN(throttling_lowers_the_requests_in_flight);
	return tap_done();
}
