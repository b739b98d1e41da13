/* Rounds of reads (irsa/round.h) and the role reader (irsa/role_read.h)
 * through the HTTP seam: IAM, STS and EKS reads in one batch, each answer
 * decoded with its own error, a truncated list followed to its last page,
 * and the role read in at most three rounds, no further when absent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "aws-fake.h"
#include "irsa/aws.h"
#include "irsa/eks.h"
#include "irsa/oidc.h"
#include "irsa/role_read.h"
#include "irsa/round.h"
#include "irsa/strutil.h"

/* What the fake services were asked, in order, one letter per request:
 * C DescribeCluster, I GetCallerIdentity, P ListOpenIDConnectProviders,
 * R GetRole, A ListAttachedRolePolicies, N ListRolePolicies, D GetRolePolicy. */
struct server {
	char asked[64];
	size_t n;
};

static bool has(const struct irsa_request *req, const char *s)
{
	return strstr(irsa_buf_str(&req->body), s) != NULL;
}

#define XML_ERROR(code, msg)                                                                    \
	"<ErrorResponse><Error><Type>Sender</Type><Code>" code "</Code><Message>" msg             \
	"</Message></Error><RequestId>r</RequestId></ErrorResponse>"
#define ROLE_XML                                                                                \
	"<Role><RoleName>app</RoleName><Arn>arn:aws:iam::111122223333:role/app</Arn><Path>/"    \
	"</Path><AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument><Tags><member><Key>"  \
	"managed-by</Key><Value>irsactl</Value></member></Tags></Role>"

static void ask(struct server *s, char c)
{
	if (s->n + 1 < sizeof(s->asked))
		s->asked[s->n++] = c;
}

static int iam_answer(struct server *s, const struct irsa_request *req, struct irsa_buf *b,
		      long *status)
{
	if (has(req, "Action=GetCallerIdentity")) {
		ask(s, 'I');
		irsa_buf_puts(b, "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>"
			      "111122223333</Account><Arn>arn:aws:iam::111122223333:user/u</Arn>"
			      "<UserId>U</UserId></GetCallerIdentityResult></GetCallerIdentityResponse>");
	} else if (has(req, "Action=ListOpenIDConnectProviders")) {
		bool second = has(req, "Marker=m1");

		ask(s, 'P');
		irsa_buf_printf(b, "<ListOpenIDConnectProvidersResponse><ListOpenIDConnectProvidersResult>"
				"<OpenIDConnectProviderList><member><Arn>arn:aws:iam::111122223333:"
				"oidc-provider/p%d</Arn></member></OpenIDConnectProviderList>%s"
				"</ListOpenIDConnectProvidersResult></ListOpenIDConnectProvidersResponse>",
				second ? 2 : 1,
				second ? "" : "<IsTruncated>true</IsTruncated><Marker>m1</Marker>");
	} else if (has(req, "Action=GetRole&")) {
		ask(s, 'R');
		if (!has(req, "RoleName=app")) {
			*status = 404;
			irsa_buf_puts(b, XML_ERROR("NoSuchEntity", "The role cannot be found."));
		} else {
			irsa_buf_puts(b, "<GetRoleResponse><GetRoleResult>" ROLE_XML
				      "</GetRoleResult></GetRoleResponse>");
		}
	} else if (has(req, "Action=ListAttachedRolePolicies")) {
		ask(s, 'A');
		irsa_buf_puts(b, "<ListAttachedRolePoliciesResponse><ListAttachedRolePoliciesResult>"
			      "<AttachedPolicies><member><PolicyName>P</PolicyName><PolicyArn>"
			      "arn:aws:iam::aws:policy/P</PolicyArn></member></AttachedPolicies>"
			      "<IsTruncated>false</IsTruncated></ListAttachedRolePoliciesResult>"
			      "</ListAttachedRolePoliciesResponse>");
	} else if (has(req, "Action=ListRolePolicies")) {
		ask(s, 'N');
		irsa_buf_puts(b, "<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames>"
			      "<member>irsactl-s3-read</member><member>theirs</member>"
			      "<member>irsactl-ecr-pull</member></PolicyNames><IsTruncated>false"
			      "</IsTruncated></ListRolePoliciesResult></ListRolePoliciesResponse>");
	} else if (has(req, "Action=GetRolePolicy")) {
		ask(s, 'D');
		irsa_buf_printf(b, "<GetRolePolicyResponse><GetRolePolicyResult><PolicyDocument>"
				"%%7B%%22n%%22%%3A%d%%7D</PolicyDocument></GetRolePolicyResult>"
				"</GetRolePolicyResponse>", has(req, "PolicyName=irsactl-s3-read") ? 1 : 2);
	} else {
		return -1;
	}
	return 0;
}

static int send_fake(void *userdata, const struct irsa_request *req,
		     const struct irsa_http_options *opts, struct irsa_response *ret,
		     struct irsa_error *err)
{
	struct server *s = userdata;

	(void)opts;
	(void)err;
	ret->status = 200;
	if (strcmp(req->method, "GET") == 0) {
		ask(s, 'C');
		if (strstr(req->path, "/clusters/demo")) {
			irsa_buf_puts(&ret->body, "{\"cluster\":{\"name\":\"demo\",\"status\":\"ACTIVE\","
				      "\"identity\":{\"oidc\":{\"issuer\":\"https://oidc.example/id/X\"}}}}");
		} else {
			ret->status = 404;
			fake_add_headers(ret, "x-amzn-ErrorType: ResourceNotFoundException\n");
			irsa_buf_puts(&ret->body, "{\"message\":\"No cluster found\"}");
		}
		return 0;
	}
	if (iam_answer(s, req, &ret->body, &ret->status) < 0) {
		ret->status = 400;
		irsa_buf_puts(&ret->body, XML_ERROR("InvalidAction", "unexpected"));
	}
	return 0;
}

static struct irsa_aws *session(struct server *s)
{
	struct irsa_http_transport t = { send_fake, fake_no_sleep, s };

	return fake_aws_transport(NULL, "us-west-2", &t);
}

/* The letters of asked sorted, to compare a batch whatever its order. */
static char *sorted(const char *asked, size_t from, size_t to)
{
	char *s = irsa_strndup(asked + from, to - from);

	for (size_t i = 0; s[i]; i++)
		for (size_t j = i + 1; s[j]; j++)
			if (s[j] < s[i]) {
				char c = s[i];

				s[i] = s[j];
				s[j] = c;
			}
	return s;
}

TEST(one_round_mixes_services_and_follows_pages)
{
	struct server s = { 0 };
	struct irsa_aws *aws = session(&s);
	struct irsa_round *r = irsa_round_new(aws);
	struct irsa_eks_cluster demo, gone;
	struct irsa_caller_identity id;
	struct irsa_strlist arns;
	struct irsa_role app, absent;
	struct irsa_error e_demo, e_gone, e_id, e_arns, e_app, e_absent;
	char *first;

	irsa_round_describe_cluster(r, "demo", &demo, &e_demo);
	irsa_round_describe_cluster(r, "gone", &gone, &e_gone);
	irsa_round_get_caller_identity(r, &id, &e_id);
	irsa_round_list_oidc_providers(r, &arns, &e_arns);
	irsa_round_get_role(r, "app", &app, &e_app);
	irsa_round_get_role(r, "absent", &absent, &e_absent);
	CHECK_INT(irsa_round_pending(r), 6);
	/* the provider list had a second page: one more batch with only that */
	CHECK_INT(irsa_round_run(r), 2);
	CHECK_INT(irsa_round_pending(r), 0);
	first = sorted(s.asked, 0, 6);
	CHECK_STR(first, "CCIPRR");
	CHECK_STR(s.asked + 6, "P");
	CHECK_INT(e_demo.kind, 0);
	CHECK_STR(demo.oidc_issuer, "https://oidc.example/id/X");
	CHECK_INT(e_gone.kind, IRSA_ERR_NOT_FOUND);
	CHECK_STR(e_gone.message, "EKS cluster 'gone' not found in region 'us-west-2'; check the "
		  "name and --region (aws eks list-clusters)");
	CHECK_INT(e_id.kind, 0);
	CHECK_STR(id.account, "111122223333");
	CHECK_INT(e_arns.kind, 0);
	CHECK_INT(arns.n, 2);
	CHECK_STR(arns.items[1], "arn:aws:iam::111122223333:oidc-provider/p2");
	CHECK_INT(e_app.kind, 0);
	CHECK_STR(app.arn, "arn:aws:iam::111122223333:role/app");
	CHECK_STR(app.trust_policy, "{}");
	CHECK_INT(app.tags.n, 1);
	CHECK_INT(e_absent.kind, IRSA_ERR_NOT_FOUND);
	CHECK(absent.name == NULL);
	/* nothing pending: nothing sent */
	CHECK_INT(irsa_round_run(r), 0);
	CHECK_INT(irsa_round_batches(r), 2);
	CHECK_INT(s.n, 7);
	free(first);
	irsa_eks_cluster_release(&demo);
	irsa_eks_cluster_release(&gone);
	irsa_caller_identity_release(&id);
	irsa_strlist_release(&arns);
	irsa_role_release(&app);
	irsa_role_release(&absent);
	irsa_round_free(r);
	irsa_aws_free(aws);
}

/* Drive a reader alone; returns the batches sent. */
static unsigned read_role(struct irsa_aws *aws, const char *name, const char *prefix,
			  struct irsa_role_state *state, struct irsa_error *err)
{
	struct irsa_round *r = irsa_round_new(aws);
	struct irsa_role_reader rd;
	unsigned batches;

	irsa_role_reader_init(&rd, name, prefix);
	while (irsa_role_reader_add(&rd, r)) {
		irsa_round_run(r);
		if (irsa_role_reader_take(&rd, err) < 0)
			break;
	}
	CHECK(irsa_role_reader_done(&rd));
	irsa_role_reader_finish(&rd, state);
	batches = irsa_round_batches(r);
	irsa_round_free(r);
	return batches;
}

TEST(role_reader_three_rounds_documents_by_prefix)
{
	struct server s = { 0 };
	struct irsa_aws *aws = session(&s);
	struct irsa_role_state st;
	struct irsa_error err = { 0 };
	char *lists;

	CHECK_INT(read_role(aws, "app", "irsactl-", &st, &err), 3);
	CHECK_INT(err.kind, 0);
	CHECK_INT(s.n, 5);
	CHECK(s.asked[0] == 'R');
	lists = sorted(s.asked, 1, 3);
	CHECK_STR(lists, "AN");
	CHECK_STR(s.asked + 3, "DD");
	CHECK(st.exists);
	CHECK_STR(st.role.name, "app");
	CHECK_INT(st.n_attached, 1);
	CHECK_STR(st.attached[0].arn, "arn:aws:iam::aws:policy/P");
	CHECK_INT(st.inline_names.n, 3);
	CHECK_STR(st.inline_docs[0], "{\"n\":1}");
	CHECK(st.inline_docs[1] == NULL); /* not irsactl's: not read */
	CHECK_STR(st.inline_docs[2], "{\"n\":2}");
	free(lists);
	irsa_role_state_release(&st);
	irsa_aws_free(aws);
}

TEST(role_reader_no_prefix_two_rounds)
{
	struct server s = { 0 };
	struct irsa_aws *aws = session(&s);
	struct irsa_role_state st;
	struct irsa_error err = { 0 };

	CHECK_INT(read_role(aws, "app", NULL, &st, &err), 2);
	CHECK_INT(s.n, 3);
	CHECK(st.exists);
	CHECK_INT(st.inline_names.n, 3);
	irsa_role_state_release(&st);
	irsa_aws_free(aws);
}

TEST(role_reader_absent_role_is_read_once)
{
	struct server s = { 0 };
	struct irsa_aws *aws = session(&s);
	struct irsa_role_state st;
	struct irsa_error err = { 0 };

	CHECK_INT(read_role(aws, "absent", "", &st, &err), 1);
	CHECK_INT(err.kind, 0);
	CHECK_STR(s.asked, "R");
	CHECK(!st.exists);
	CHECK(st.role.name == NULL);
	irsa_role_state_release(&st);
	irsa_aws_free(aws);
}

TEST(role_reader_stops_at_a_failed_read)
{
	struct irsa_round *r = irsa_round_new(NULL); /* never run: the outcomes are set by hand */
	struct irsa_role_reader rd;
	struct irsa_role_state st;
	struct irsa_error err = { 0 };

	irsa_role_reader_init(&rd, "app", "");
	CHECK(irsa_role_reader_add(&rd, r));
	CHECK_INT(irsa_round_pending(r), 1);
	CHECK_INT(irsa_role_reader_take(&rd, &err), 0);
	CHECK(irsa_role_reader_add(&rd, r));
	CHECK_INT(irsa_round_pending(r), 3);
	irsa_error_set(&rd.names_err, IRSA_ERR_AUTH, "not allowed to list");
	CHECK_INT(irsa_role_reader_take(&rd, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_AUTH);
	CHECK_STR(err.message, "not allowed to list");
	CHECK(!irsa_role_reader_add(&rd, r));
	CHECK(irsa_role_reader_done(&rd));
	irsa_role_reader_finish(&rd, &st);
	irsa_role_state_release(&st);
	irsa_round_free(r);
}

TEST(issuer_of_a_cluster_read)
{
	char name[] = "demo", status[] = "CREATING", upper[] = "https://OIDC.example/id/X/";
	char insecure[] = "http://insecure.example";
	struct irsa_eks_cluster c = { .name = name, .status = status, .oidc_issuer = upper };
	struct irsa_error err = { 0 };
	char *issuer = NULL;

	CHECK_INT(irsa_oidc_issuer_of_cluster(&c, "demo", false, &issuer, &err), 0);
	CHECK_STR(issuer, "https://oidc.example/id/X");
	free(issuer);
	CHECK_INT(irsa_oidc_issuer_of_cluster(&c, "demo", true, &issuer, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_CONFLICT);
	c.oidc_issuer = NULL;
	CHECK_INT(irsa_oidc_issuer_of_cluster(&c, "demo", false, &issuer, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_REMOTE);
	c.oidc_issuer = insecure;
	CHECK_INT(irsa_oidc_issuer_of_cluster(&c, "demo", false, &issuer, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "EKS cluster 'demo'") != NULL);
}

int main(void)
{
	RUN(one_round_mixes_services_and_follows_pages);
	RUN(role_reader_three_rounds_documents_by_prefix);
	RUN(role_reader_no_prefix_two_rounds);
	RUN(role_reader_absent_role_is_read_once);
	RUN(role_reader_stops_at_a_failed_read);
	RUN(issuer_of_a_cluster_read);
	return tap_done();
}
