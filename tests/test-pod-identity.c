/* Unit tests: EKS Pod Identity checks, association step, agent check,
 * migration trust. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tap.h"
#include "aws-fake.h"
#include "irsa/account.h"
#include "irsa/aws.h"
#include "irsa/pod_identity.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"

#define ROLE "arn:aws:iam::111122223333:role/app"
#define OTHER "arn:aws:iam::111122223333:role/other"
#define TARGET "arn:aws:iam::444455556666:role/target"
#define EKS "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"

static struct irsa_pod_identity_spec spec_for(const char *role, const char *target)
{
	struct irsa_pod_identity_spec s = { "demo", "default", "app", role, target, false, NULL };

	return s;
}

TEST(checks_before_any_request)
{
	struct irsa_pod_identity_spec s = spec_for(ROLE, TARGET);
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_pod_identity_check(&s, &err), 0);
	s.service_account = "app-*";
	CHECK_INT(irsa_pod_identity_check(&s, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	s = spec_for(ROLE, NULL);
	s.cluster = NULL;
	CHECK_INT(irsa_pod_identity_check(&s, &err), -1);
	CHECK(strstr(err.message, "--cluster"));
	s = spec_for("arn:aws:iam::111122223333:user/bob", NULL);
	CHECK_INT(irsa_pod_identity_check(&s, &err), -1);
	CHECK(irsa_str_has_prefix(err.message, "the role ARN: "));
	s = spec_for(ROLE, ROLE);
	CHECK_INT(irsa_pod_identity_check(&s, &err), -1);
	CHECK(strstr(err.message, "own role"));
	s = spec_for(ROLE, "arn:aws-cn:iam::444455556666:role/target");
	CHECK_INT(irsa_pod_identity_check(&s, &err), -1);
	CHECK(strstr(err.message, "same partition"));
	s = spec_for(NULL, NULL);
	CHECK_INT(irsa_pod_identity_check(&s, &err), -1);
	CHECK(strstr(err.message, "--role-name or --role-arn"));
}

TEST(association_step)
{
	struct irsa_pod_identity_spec s = spec_for(ROLE, NULL);
	struct irsa_pod_identity_association have = { 0 };
	struct irsa_strlist changes = { 0 };

	CHECK_INT(irsa_pod_identity_plan(&s, NULL, NULL), IRSA_POD_IDENTITY_CREATE);
	have.role_arn = (char *)ROLE;
	CHECK_INT(irsa_pod_identity_plan(&s, &have, &changes), IRSA_POD_IDENTITY_UNCHANGED);
	CHECK_INT(changes.n, 0);
	s = spec_for(OTHER, TARGET);
	s.disable_session_tags = true;
	CHECK_INT(irsa_pod_identity_plan(&s, &have, &changes), IRSA_POD_IDENTITY_UPDATE);
	CHECK_INT(changes.n, 3);
	CHECK_STR(changes.items[0], "role ARN '" ROLE "' -> '" OTHER "'");
	CHECK_STR(changes.items[1], "target role ARN '(none)' -> '" TARGET "'");
	CHECK_STR(changes.items[2], "session tags 'on' -> 'off'");
	irsa_strlist_release(&changes);
}

TEST(agent_check)
{
	struct irsa_eks_addon active = { (char *)"eks-pod-identity-agent", (char *)"v1",
					 (char *)"ACTIVE" };
	struct irsa_eks_addon degraded = { (char *)"eks-pod-identity-agent", (char *)"v1",
					   (char *)"DEGRADED" };
	struct irsa_error err = { 0 };
	char *msg = (char *)"unset";

	CHECK_INT(irsa_pod_identity_agent_check("demo", &active, true, &msg, &err), 0);
	CHECK(!msg);
	CHECK_INT(irsa_pod_identity_agent_check("demo", NULL, false, &msg, &err), 0);
	CHECK(msg && strstr(msg, "aws eks create-addon --cluster-name demo --addon-name "
			    "eks-pod-identity-agent"));
	free(msg);
	CHECK_INT(irsa_pod_identity_agent_check("demo", &degraded, false, &msg, &err), 0);
	CHECK(msg && strstr(msg, "is DEGRADED, not ACTIVE"));
	free(msg);
	CHECK_INT(irsa_pod_identity_agent_check("demo", NULL, true, &msg, &err), -1);
	CHECK(!msg);
	CHECK_INT(err.kind, IRSA_ERR_NOT_FOUND);
	CHECK(strstr(err.message, "not installed in cluster 'demo'"));
}

TEST(migrate_trust)
{
	struct irsa_subject app = { (char *)"default", (char *)"app" };
	struct irsa_subject other = { (char *)"default", (char *)"other" };
	struct irsa_subject both[2] = { app, other };
	struct irsa_trust_provider p = { EKS, both, 2 };
	struct irsa_trust_spec irsa = { "aws", "111122223333", NULL, &p, 1, NULL, 0, NULL, false };
	struct irsa_error err = { 0 };
	json_t *existing = NULL, *kept = NULL, *moved = NULL, *again = NULL;
	bool changed = false;

	CHECK_INT(irsa_trust_render(&irsa, &existing, &err), 0);
	/* keep the OIDC trust: Pod Identity added */
	CHECK_INT(irsa_pod_identity_migrate_trust(existing, EKS, &app, false, &kept, &changed,
						  &err), 0);
	CHECK(changed);
	CHECK(irsa_trust_has_pod_identity(kept));
	CHECK_INT(irsa_trust_count_owned(kept), 1);
	/* remove it: only app's subject goes, other keeps IRSA */
	CHECK_INT(irsa_pod_identity_migrate_trust(existing, EKS, &app, true, &moved, &changed,
						  &err), 0);
	CHECK(changed);
	CHECK(irsa_trust_has_pod_identity(moved));
	char *s = irsa_policy_compact(moved);
	CHECK(!strstr(s, "system:serviceaccount:default:app\""));
	CHECK(strstr(s, "system:serviceaccount:default:other"));
	free(s);
	/* a second run changes nothing */
	CHECK_INT(irsa_pod_identity_migrate_trust(moved, EKS, &app, true, &again, &changed, &err),
		  0);
	CHECK(!changed);
	json_decref(existing);
	json_decref(kept);
	json_decref(moved);
	json_decref(again);
}

static int create_parse(const char *role_name, const char *role_arn, const char *policy,
			const char *sa, struct irsa_pod_identity_plan *p, struct irsa_error *err)
{
	static const char *policies[1];
	struct irsa_pod_identity_create_request req = {
		.cluster = "demo", .namespace_ = "default", .service_account = sa,
		.role_name = role_name, .role_arn = role_arn,
	};

	policies[0] = policy;
	req.role.policies = policies;
	req.role.n_policies = policy ? 1 : 0;
	irsa_error_clear(err);
	return irsa_pod_identity_create_parse(&req, p, err);
}

TEST(create_request_checked_before_any_request)
{
	struct irsa_pod_identity_plan p;
	struct irsa_error err = { 0 };
	json_t *doc = NULL;
	char *s;

	CHECK_INT(create_parse(NULL, NULL, NULL, "app", &p, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "--role-name NAME"));
	irsa_pod_identity_plan_release(&p);
	CHECK_INT(create_parse("app", ROLE, NULL, "app", &p, &err), -1);
	CHECK(strstr(err.message, "not both"));
	irsa_pod_identity_plan_release(&p);
	CHECK_INT(create_parse(NULL, ROLE, "s3-read:bucket=demo-bucket", "app", &p, &err), -1);
	CHECK(strstr(err.message, "need --role-name"));
	irsa_pod_identity_plan_release(&p);
	CHECK_INT(create_parse("app", NULL, "no-such-template", "app", &p, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	irsa_pod_identity_plan_release(&p);
	CHECK_INT(create_parse("app", NULL, NULL, "app-*", &p, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	irsa_pod_identity_plan_release(&p);
	CHECK_INT(create_parse(NULL, ROLE, NULL, "app", &p, &err), 0);
	irsa_pod_identity_plan_release(&p);

	/* create-role's request, with the Pod Identity trust alone */
	CHECK_INT(create_parse("app", NULL, "s3-read:bucket=demo-bucket", "app", &p, &err), 0);
	CHECK(p.role_input.trust.pod_identity);
	CHECK_INT(p.role_input.n_refs, 1);
	CHECK_STR(p.role_input.role_name, "app");
	CHECK_INT(irsa_trust_input_render(&p.role_input.trust, &doc, &err), 0);
	s = irsa_policy_compact(doc);
	CHECK_STR(s, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"IrsactlPodIdentity\","
		  "\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},"
		  "\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}]}");
	free(s);
	json_decref(doc);
	irsa_pod_identity_plan_release(&p);
}

TEST(delete_and_migrate_requests)
{
	struct irsa_pod_identity_delete_request del = { "demo", "default", NULL, true };
	struct irsa_pod_identity_migrate_request mig = { "demo", NULL, false };
	struct irsa_pod_identity_plan p;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_pod_identity_delete_parse(&del, &p, &err), -1);
	CHECK(strstr(err.message, "--service-account"));
	irsa_pod_identity_plan_release(&p);
	del.service_account = "app";
	CHECK_INT(irsa_pod_identity_delete_parse(&del, &p, &err), 0);
	irsa_pod_identity_plan_release(&p);
	CHECK_INT(irsa_pod_identity_migrate_parse(&mig, &p, &err), 0);
	irsa_pod_identity_plan_release(&p);
	mig.namespace_ = "Not_A_Namespace";
	CHECK_INT(irsa_pod_identity_migrate_parse(&mig, &p, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	irsa_pod_identity_plan_release(&p);
	mig.cluster = NULL;
	CHECK_INT(irsa_pod_identity_migrate_parse(&mig, &p, &err), -1);
	CHECK(strstr(err.message, "--cluster"));
	irsa_pod_identity_plan_release(&p);
}

#define ASSOCIATION(role) \
	"{\"association\":{\"clusterName\":\"demo\",\"namespace\":\"default\"," \
	"\"serviceAccount\":\"app\",\"associationId\":\"a-1\",\"roleArn\":\"" role "\"}}"

/* EKS answers 409 to the creation (a concurrent run made the association
 * after this one listed none): the association is found, and updated to
 * the planned role. */
TEST(create_conflict_is_an_existing_association)
{
	static const struct fake_answer script[] = {
		{ 200, NULL, "{\"cluster\":{\"name\":\"demo\",\"status\":\"ACTIVE\"}}", NULL, 0 },
		{ 200, NULL, "{\"addon\":{\"addonName\":\"eks-pod-identity-agent\","
			     "\"status\":\"ACTIVE\"}}", NULL, 0 },
		{ 404, NULL, "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
			     "<Message>no role</Message></Error><RequestId>r</RequestId></ErrorResponse>",
		  NULL, 0 },
		{ 200, NULL, "{\"associations\":[]}", NULL, 0 },
		{ 409, "x-amzn-ErrorType: ResourceInUseException\n",
		  "{\"message\":\"Association already exists: a-1\"}", NULL, 0 },
		{ 200, NULL, "{\"associations\":[{\"namespace\":\"default\",\"serviceAccount\":"
			     "\"app\",\"associationId\":\"a-1\"}]}", NULL, 0 },
		{ 200, NULL, ASSOCIATION(OTHER), NULL, 0 },
		{ 200, NULL, ASSOCIATION(ROLE), NULL, 0 },
	};
	struct irsa_pod_identity_create_request req = {
		.cluster = "demo", .namespace_ = "default", .service_account = "app",
		.role_arn = ROLE,
	};
	struct irsa_pod_identity_plan p;
	struct irsa_account acct;
	struct irsa_error err = { 0 };
	struct fake_http f;
	struct irsa_aws *aws = fake_aws_scripted(&f, NULL, "us-east-1", script, ARRAY_SIZE(script));

	irsa_account_init(&acct, aws);
	irsa_account_set(&acct, "111122223333");
	CHECK_INT(irsa_pod_identity_create_parse(&req, &p, &err), 0);
	CHECK_INT(irsa_pod_identity_create_plan(&acct, &p, &err), 0);
	CHECK_INT(p.plan.status, IRSA_PLAN_CREATE);
	CHECK_INT(p.plan.warnings.n, 1); /* the role does not exist */
	CHECK_INT(irsa_plan_execute(&p.plan, NULL, NULL, &err), 0);
	CHECK(p.plan.executed);
	CHECK_INT(f.n_requests, ARRAY_SIZE(script));
	CHECK_STR(f.requests[7].method, "POST");
	CHECK(irsa_str_has_suffix(f.requests[7].url, "/clusters/demo/pod-identity-associations/a-1"));
	CHECK(strstr(f.requests[7].body, ROLE));
	CHECK(strstr(p.plan.actions[0].details, "exists"));
	irsa_pod_identity_plan_release(&p);
	irsa_account_release(&acct);
	fake_release(&f);
	irsa_aws_free(aws);
}

int main(void)
{
	RUN(checks_before_any_request);
	RUN(association_step);
	RUN(agent_check);
	RUN(migrate_trust);
	RUN(create_request_checked_before_any_request);
	RUN(delete_and_migrate_requests);
	RUN(create_conflict_is_an_existing_association);
	return tap_done();
}
