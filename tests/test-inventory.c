/* Unit tests: recognising IRSA trust policies for 'irsactl list roles'. */
#include "tap.h"
#include "irsa/inventory.h"
#include "irsa/strutil.h"

#define ISS "oidc.eks.us-east-1.amazonaws.com/id/ABC"
#define PROV "arn:aws:iam::111122223333:oidc-provider/" ISS

static bool describe(const char *text, struct irsa_listed_role *r)
{
	json_t *doc = json_loads(text, 0, NULL);
	bool irsa;

	memset(r, 0, sizeof(*r));
	irsa = irsa_trust_describe_irsa(doc, r);
	json_decref(doc);
	return irsa;
}

static void release(struct irsa_listed_role *r)
{
	irsa_strlist_release(&r->issuers);
	irsa_strlist_release(&r->subjects);
}

TEST(irsactl_statement)
{
	struct irsa_listed_role r;

	CHECK(describe("{\"Statement\":[{\"Sid\":\"IrsactlOidc12345678\",\"Effect\":\"Allow\","
		       "\"Principal\":{\"Federated\":\"" PROV "\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\","
		       "\"Condition\":{\"StringEquals\":{\"" ISS ":sub\":[\"system:serviceaccount:a:b\","
		       "\"system:serviceaccount:c:d\"],\"" ISS ":aud\":\"sts.amazonaws.com\"}}}]}", &r));
	CHECK(r.managed);
	CHECK_INT(r.issuers.n, 1);
	CHECK_STR(r.issuers.items[0], ISS);
	CHECK_INT(r.subjects.n, 2);
	CHECK_STR(r.subjects.items[1], "system:serviceaccount:c:d");
	release(&r);
}

TEST(hand_written_statement_with_wildcards)
{
	struct irsa_listed_role r;

	CHECK(describe("{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":[\"" PROV "\"]},"
		       "\"Action\":[\"sts:AssumeRoleWith*\"],\"Condition\":{\"StringLike\":{\"" ISS
		       ":SUB\":\"system:serviceaccount:ci:*\"}}}}", &r));
	CHECK(!r.managed);
	CHECK_STR(r.subjects.items[0], "system:serviceaccount:ci:*");
	release(&r);
}

TEST(not_irsa)
{
	struct irsa_listed_role r;

	CHECK(!describe("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
			"\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}", &r));
	release(&r);
	CHECK(!describe("{\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":{\"Federated\":\"" PROV
			"\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}", &r));
	release(&r);
	CHECK(!describe("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":"
			"\"cognito-identity.amazonaws.com\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}",
			&r));
	release(&r);
	CHECK(!describe("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"" PROV
			"\"},\"Action\":\"sts:AssumeRole\"}]}", &r));
	release(&r);
}

int main(void)
{
	RUN(irsactl_statement);
	RUN(hand_written_statement_with_wildcards);
	RUN(not_irsa);
	return tap_done();
}
