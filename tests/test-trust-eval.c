/* Unit tests: trust policy evaluation (irsa/trust_eval.h). */
#include "tap.h"
#include "irsa/strutil.h"
#include "irsa/trust_eval.h"

#define ISS "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
#define PROV "arn:aws:iam::111122223333:oidc-provider/" ISS
#define SUB_KEY ISS ":sub"
#define AUD_KEY ISS ":aud"

#define ALLOWED IRSA_TRUST_ALLOWED
#define IMPLICIT IRSA_TRUST_IMPLICIT_DENY
#define EXPLICIT IRSA_TRUST_EXPLICIT_DENY

/* A statement: Effect, Principal, Action, Condition (JSON fragments). */
#define STMT(effect, principal, action, cond) \
	"{\"Effect\":\"" effect "\",\"Principal\":" principal ",\"Action\":" action \
	",\"Condition\":" cond "}"
#define FED "{\"Federated\":\"" PROV "\"}"
#define WI "\"sts:AssumeRoleWithWebIdentity\""
#define DOC1(s) "{\"Version\":\"2012-10-17\",\"Statement\":[" s "]}"
#define DOC2(a, b) "{\"Version\":\"2012-10-17\",\"Statement\":[" a "," b "]}"
#define EQ_SUB_AUD(sub, aud) \
	"{\"StringEquals\":{\"" SUB_KEY "\":\"" sub "\",\"" AUD_KEY "\":\"" aud "\"}}"
#define IRSA_ALLOW(sub) STMT("Allow", FED, WI, EQ_SUB_AUD(sub, "sts.amazonaws.com"))

/* A one-statement document that allows web identities of the provider
 * under this condition, asked for the ServiceAccount default/app with no
 * audience: the doc, ns, sa and audience of a case. */
#define APP_IF(cond) DOC1(STMT("Allow", FED, WI, cond)), "default", "app", NULL

struct wi_case {
	const char *name;
	const char *doc;
	const char *ns, *sa, *audience;
	enum irsa_trust_decision want;
	int want_statement;
	const char *want_reason; /* a substring of the reason, or NULL */
};

static const struct wi_case wi_cases[] = {
	{ "irsactl's own statement allows its subject",
	  DOC1("{\"Sid\":\"IrsactlOidc1\",\"Effect\":\"Allow\",\"Principal\":" FED ",\"Action\":" WI
	       ",\"Condition\":" EQ_SUB_AUD("system:serviceaccount:default:app", "sts.amazonaws.com") "}"),
	  "default", "app", NULL, ALLOWED, 0, "statement 0 ('IrsactlOidc1') allows Federated" },
	{ "sub for another namespace",
	  DOC1(IRSA_ALLOW("system:serviceaccount:other:app")), "default", "app", NULL, IMPLICIT, 0,
	  "wants 'system:serviceaccount:other:app', the request has 'system:serviceaccount:default:app'" },
	{ "sub for another service account",
	  DOC1(IRSA_ALLOW("system:serviceaccount:default:web")), "default", "app", NULL, IMPLICIT, 0,
	  "StringEquals on '" SUB_KEY "'" },
	{ "aud condition wrong",
	  APP_IF(EQ_SUB_AUD("system:serviceaccount:default:app", "sts.amazonaws.com.cn")),
	  IMPLICIT, 0, "on '" AUD_KEY "' wants 'sts.amazonaws.com.cn'" },
	{ "custom audience matches its condition",
	  DOC1(STMT("Allow", FED, WI, EQ_SUB_AUD("system:serviceaccount:default:app", "vault"))),
	  "default", "app", "vault", ALLOWED, 0, NULL },
	{ "String values are case-sensitive",
	  DOC1(IRSA_ALLOW("system:serviceaccount:Default:app")), "default", "app", NULL, IMPLICIT, 0, NULL },
	{ "condition keys are case-insensitive",
	  APP_IF("{\"StringEquals\":{\"OIDC.EKS.US-EAST-1.AMAZONAWS.COM/ID/EXAMPLED539D4633E53DE1B71EXAMPLE:SUB\":"
		    "\"system:serviceaccount:default:app\"}}"),
	  ALLOWED, 0, NULL },
	{ "StringEqualsIgnoreCase ignores the case of values",
	  APP_IF("{\"StringEqualsIgnoreCase\":{\"" SUB_KEY "\":\"SYSTEM:ServiceAccount:DEFAULT:APP\"}}"),
	  ALLOWED, 0, NULL },
	{ "StringNotEqualsIgnoreCase excludes whatever the case",
	  APP_IF("{\"StringNotEqualsIgnoreCase\":{\"" SUB_KEY "\":\"SYSTEM:SERVICEACCOUNT:DEFAULT:APP\"}}"),
	  IMPLICIT, 0, "StringNotEqualsIgnoreCase" },
	{ "StringLike with '*' matches every SA of the namespace",
	  APP_IF("{\"StringLike\":{\"" SUB_KEY "\":\"system:serviceaccount:default:*\"}}"),
	  ALLOWED, 0, NULL },
	{ "StringLike that does not match",
	  APP_IF("{\"StringLike\":{\"" SUB_KEY "\":\"system:serviceaccount:team-*:app\"}}"),
	  IMPLICIT, 0, "StringLike on '" SUB_KEY "' wants 'system:serviceaccount:team-*:app'" },
	{ "StringLike '?' matches one character",
	  APP_IF("{\"StringLike\":{\"" SUB_KEY "\":\"system:serviceaccount:default:ap?\"}}"),
	  ALLOWED, 0, NULL },
	{ "StringLike '?' does not match two characters",
	  APP_IF("{\"StringLike\":{\"" SUB_KEY "\":\"system:serviceaccount:default:a?\"}}"),
	  IMPLICIT, 0, NULL },
	{ "StringEquals does not expand '*'",
	  APP_IF("{\"StringEquals\":{\"" SUB_KEY "\":\"system:serviceaccount:default:*\"}}"),
	  IMPLICIT, 0, NULL },
	{ "a list of values is an OR",
	  APP_IF("{\"StringEquals\":{\"" SUB_KEY "\":[\"system:serviceaccount:a:b\",\"system:serviceaccount:default:app\"]}}"),
	  ALLOWED, 0, NULL },
	{ "a list without the subject names it in the reason",
	  APP_IF("{\"StringEquals\":{\"" SUB_KEY "\":[\"system:serviceaccount:a:b\",\"system:serviceaccount:c:d\"]}}"),
	  IMPLICIT, 0, "wants [\"system:serviceaccount:a:b\",\"system:serviceaccount:c:d\"]" },
	{ "two operators are an AND (both hold)",
	  APP_IF("{\"StringLike\":{\"" SUB_KEY "\":\"system:serviceaccount:default:*\"},"
		    "\"StringEquals\":{\"" AUD_KEY "\":\"sts.amazonaws.com\"}}"),
	  ALLOWED, 0, NULL },
	{ "two operators are an AND (one fails)",
	  APP_IF("{\"StringLike\":{\"" SUB_KEY "\":\"system:serviceaccount:default:*\"},"
		    "\"StringEquals\":{\"" AUD_KEY "\":\"other\"}}"),
	  IMPLICIT, 0, "'" AUD_KEY "'" },
	{ "StringNotEquals holds for another value",
	  APP_IF("{\"StringNotEquals\":{\"" SUB_KEY "\":\"system:serviceaccount:kube-system:x\"}}"),
	  ALLOWED, 0, NULL },
	{ "StringNotEquals fails for the value",
	  APP_IF("{\"StringNotEquals\":{\"" SUB_KEY "\":[\"x\",\"system:serviceaccount:default:app\"]}}"),
	  IMPLICIT, 0, NULL },
	{ "StringNotLike fails when a pattern matches",
	  APP_IF("{\"StringNotLike\":{\"" SUB_KEY "\":\"system:serviceaccount:default:*\"}}"),
	  IMPLICIT, 0, NULL },
	{ "StringNotEquals on a key the request lacks holds",
	  APP_IF("{\"StringNotEquals\":{\"" ISS ":amr\":\"x\"}}"),
	  ALLOWED, 0, NULL },
	{ "StringEquals on a key the request lacks fails",
	  APP_IF("{\"StringEquals\":{\"" ISS ":amr\":\"x\"}}"),
	  IMPLICIT, 0, "the request has no '" ISS ":amr'" },
	{ "StringEqualsIfExists on a missing key holds",
	  APP_IF("{\"StringEqualsIfExists\":{\"" ISS ":amr\":\"x\"}}"),
	  ALLOWED, 0, NULL },
	{ "StringEqualsIfExists on a present key compares",
	  APP_IF("{\"StringEqualsIfExists\":{\"" SUB_KEY "\":\"x\"}}"),
	  IMPLICIT, 0, NULL },
	{ "Null true holds for a missing key",
	  APP_IF("{\"Null\":{\"" ISS ":amr\":\"true\"}}"),
	  ALLOWED, 0, NULL },
	{ "Null false fails for a missing key",
	  APP_IF("{\"Null\":{\"" ISS ":amr\":\"false\"}}"),
	  IMPLICIT, 0, NULL },
	{ "Null false holds for a present key",
	  APP_IF("{\"Null\":{\"" SUB_KEY "\":false}}"),
	  ALLOWED, 0, NULL },
	{ "ForAnyValue:StringEquals on aud",
	  APP_IF("{\"ForAnyValue:StringEquals\":{\"" AUD_KEY "\":[\"a\",\"sts.amazonaws.com\"]}}"),
	  ALLOWED, 0, NULL },
	{ "ForAllValues:StringLike on sub",
	  APP_IF("{\"ForAllValues:StringLike\":{\"" SUB_KEY "\":\"system:serviceaccount:*\"}}"),
	  ALLOWED, 0, NULL },
	{ "ForAllValues on a missing key holds",
	  APP_IF("{\"ForAllValues:StringEquals\":{\"" ISS ":amr\":\"x\"}}"),
	  ALLOWED, 0, NULL },
	{ "ForAnyValue on a missing key fails",
	  APP_IF("{\"ForAnyValue:StringEquals\":{\"" ISS ":amr\":\"x\"}}"),
	  IMPLICIT, 0, NULL },
	{ "an explicit Deny wins over an Allow",
	  DOC2(IRSA_ALLOW("system:serviceaccount:default:app"),
	       "{\"Sid\":\"NoDefault\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"sts:*\","
	       "\"Condition\":{\"StringLike\":{\"" SUB_KEY "\":\"system:serviceaccount:default:*\"}}}"),
	  "default", "app", NULL, EXPLICIT, 1, "statement 1 ('NoDefault') explicitly denies" },
	{ "a Deny whose condition does not match is ignored",
	  DOC2(IRSA_ALLOW("system:serviceaccount:default:app"),
	       STMT("Deny", "\"*\"", "\"sts:*\"", "{\"StringLike\":{\"" SUB_KEY "\":\"system:serviceaccount:kube-system:*\"}}")),
	  "default", "app", NULL, ALLOWED, 0, NULL },
	{ "a Deny before the Allow still wins",
	  DOC2(STMT("Deny", "{\"AWS\":\"*\"}", WI, "{\"StringEquals\":{\"" AUD_KEY "\":\"sts.amazonaws.com\"}}"),
	       IRSA_ALLOW("system:serviceaccount:default:app")),
	  "default", "app", NULL, EXPLICIT, 0, NULL },
	{ "another provider is not this one",
	  DOC1(STMT("Allow", "{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/OTHER\"}",
		    WI, EQ_SUB_AUD("system:serviceaccount:default:app", "sts.amazonaws.com"))),
	  "default", "app", NULL, IMPLICIT, 0, "it names principal Federated 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2" },
	{ "a provider of another partition is not this one",
	  DOC1(STMT("Allow", "{\"Federated\":\"arn:aws-cn:iam::111122223333:oidc-provider/" ISS "\"}",
		    WI, EQ_SUB_AUD("system:serviceaccount:default:app", "sts.amazonaws.com"))),
	  "default", "app", NULL, IMPLICIT, 0, NULL },
	{ "Federated as a list",
	  DOC1(STMT("Allow", "{\"Federated\":[\"arn:aws:iam::1:oidc-provider/x\",\"" PROV "\"]}",
		    WI, EQ_SUB_AUD("system:serviceaccount:default:app", "sts.amazonaws.com"))),
	  "default", "app", NULL, ALLOWED, 0, NULL },
	{ "Principal '*' lets anyone in",
	  DOC1(STMT("Allow", "\"*\"", WI, EQ_SUB_AUD("system:serviceaccount:default:app", "sts.amazonaws.com"))),
	  "default", "app", NULL, ALLOWED, 0, NULL },
	{ "an AWS principal is not the provider",
	  DOC1(STMT("Allow", "{\"AWS\":\"arn:aws:iam::111122223333:root\"}", WI, "{}")),
	  "default", "app", NULL, IMPLICIT, 0, "names principal AWS 'arn:aws:iam::111122223333:root', not Federated '" PROV "'" },
	{ "a Service principal is not the provider",
	  DOC1(STMT("Allow", "{\"Service\":\"pods.eks.amazonaws.com\"}", "[\"sts:AssumeRole\",\"sts:TagSession\"]", "{}")),
	  "default", "app", NULL, IMPLICIT, -1, "no Allow statement of the trust policy covers the action" },
	{ "NotPrincipal Allow naming someone else",
	  DOC1("{\"Effect\":\"Allow\",\"NotPrincipal\":{\"AWS\":\"arn:aws:iam::1:root\"},\"Action\":" WI "}"),
	  "default", "app", NULL, ALLOWED, 0, NULL },
	{ "Action wildcard 'sts:*'",
	  DOC1(STMT("Allow", FED, "\"sts:*\"", EQ_SUB_AUD("system:serviceaccount:default:app", "sts.amazonaws.com"))),
	  "default", "app", NULL, ALLOWED, 0, NULL },
	{ "Action is case-insensitive",
	  DOC1(STMT("Allow", FED, "\"STS:assumerolewithwebidentity\"", EQ_SUB_AUD("system:serviceaccount:default:app", "sts.amazonaws.com"))),
	  "default", "app", NULL, ALLOWED, 0, NULL },
	{ "Action with '?'",
	  DOC1(STMT("Allow", FED, "\"sts:AssumeRoleWith?ebIdentity\"", "{}")),
	  "default", "app", NULL, ALLOWED, 0, NULL },
	{ "Action sts:AssumeRole does not cover web identity",
	  DOC1(STMT("Allow", FED, "\"sts:AssumeRole\"", "{}")),
	  "default", "app", NULL, IMPLICIT, -1, "covers the action 'sts:AssumeRoleWithWebIdentity'" },
	{ "NotAction excluding web identity",
	  DOC1("{\"Effect\":\"Allow\",\"Principal\":" FED ",\"NotAction\":\"sts:AssumeRoleWith*\"}"),
	  "default", "app", NULL, IMPLICIT, -1, NULL },
	{ "NotAction excluding something else",
	  DOC1("{\"Effect\":\"Allow\",\"Principal\":" FED ",\"NotAction\":[\"iam:*\",\"sts:TagSession\"]}"),
	  "default", "app", NULL, ALLOWED, 0, NULL },
	{ "Statement as a single object",
	  "{\"Version\":\"2012-10-17\",\"Statement\":" IRSA_ALLOW("system:serviceaccount:default:app") "}",
	  "default", "app", NULL, ALLOWED, 0, NULL },
	{ "the first allowing statement decides, the closest one explains",
	  DOC2(IRSA_ALLOW("system:serviceaccount:x:y"), IRSA_ALLOW("system:serviceaccount:default:app")),
	  "default", "app", NULL, ALLOWED, 1, "statement 1 allows" },
	{ "a statement that got further explains the deny",
	  DOC2(STMT("Allow", "{\"AWS\":\"arn:aws:iam::1:root\"}", WI, "{}"), IRSA_ALLOW("system:serviceaccount:x:y")),
	  "default", "app", NULL, IMPLICIT, 1, "statement 1 comes closest" },
	{ "an unknown operator makes the statement not match",
	  APP_IF("{\"DateGreaterThan\":{\"aws:CurrentTime\":\"2020-01-01T00:00:00Z\"}}"),
	  IMPLICIT, 0, "condition operator 'DateGreaterThan' is not one irsactl evaluates" },
	{ "issuer given with https://",
	  DOC1(IRSA_ALLOW("system:serviceaccount:default:app")), "default", "app", NULL, ALLOWED, 0, NULL },
	{ "an Effect other than Allow/Deny is skipped",
	  DOC1(STMT("Permit", FED, WI, "{}")), "default", "app", NULL, IMPLICIT, -1, NULL },
	{ "no statement",
	  "{\"Version\":\"2012-10-17\",\"Statement\":[]}", "default", "app", NULL, IMPLICIT, -1, NULL },
};

static void run_wi_case(const struct wi_case *c)
{
	struct irsa_web_identity wi = {
		PROV, strstr(c->name, "https://") ? "https://" ISS : ISS, c->ns, c->sa, c->audience,
	};
	struct irsa_trust_result res;
	struct irsa_error err = { 0 };
	json_error_t jerr;
	json_t *doc = json_loads(c->doc, 0, &jerr);
	int ok = doc != NULL;

	if (!doc)
		printf("#   bad test JSON: %s\n", jerr.text);
	if (ok && irsa_trust_evaluate_web_identity(doc, &wi, &res, &err) < 0) {
		printf("#   error: %s\n", err.message);
		ok = 0;
	}
	if (ok && (res.decision != c->want || res.statement != c->want_statement)) {
		printf("#   got %s at %d, want %s at %d (%s)\n", irsa_trust_decision_name(res.decision),
		       res.statement, irsa_trust_decision_name(c->want), c->want_statement, res.reason);
		ok = 0;
	}
	if (ok && c->want_reason && !strstr(res.reason, c->want_reason)) {
		printf("#   reason '%s'\n#   lacks  '%s'\n", res.reason, c->want_reason);
		ok = 0;
	}
	tap_result(c->name, ok);
	json_decref(doc);
}

static json_t *load(const char *text)
{
	return json_loads(text, 0, NULL);
}

/* Multi-valued keys through the generic request. */
TEST(for_all_values_with_several_request_values)
{
	const char *groups[] = { "dev", "ops" };
	struct irsa_trust_key k = { "aws:PrincipalTag/groups", groups, 2 };
	struct irsa_trust_request req = { "AWS", "arn:aws:iam::1:role/x", "sts:AssumeRole", &k, 1 };
	struct irsa_trust_result res;
	json_t *all = load(DOC1(STMT("Allow", "\"*\"", "\"sts:AssumeRole\"",
				     "{\"ForAllValues:StringEquals\":{\"aws:PrincipalTag/groups\":[\"dev\",\"qa\"]}}")));
	json_t *any = load(DOC1(STMT("Allow", "\"*\"", "\"sts:AssumeRole\"",
				     "{\"ForAnyValue:StringEquals\":{\"aws:PrincipalTag/groups\":[\"dev\",\"qa\"]}}")));
	json_t *any_not = load(DOC1(STMT("Allow", "\"*\"", "\"sts:AssumeRole\"",
					 "{\"ForAnyValue:StringNotEquals\":{\"aws:PrincipalTag/groups\":\"dev\"}}")));
	json_t *all_not = load(DOC1(STMT("Allow", "\"*\"", "\"sts:AssumeRole\"",
					 "{\"ForAllValues:StringNotEquals\":{\"aws:PrincipalTag/groups\":\"dev\"}}")));

	CHECK(irsa_trust_evaluate(all, &req, &res, NULL) == 0);
	CHECK_INT(res.decision, IMPLICIT); /* "ops" is not in the set */
	CHECK(irsa_trust_evaluate(any, &req, &res, NULL) == 0);
	CHECK_INT(res.decision, ALLOWED);
	CHECK(irsa_trust_evaluate(any_not, &req, &res, NULL) == 0);
	CHECK_INT(res.decision, ALLOWED); /* "ops" is not "dev" */
	CHECK(irsa_trust_evaluate(all_not, &req, &res, NULL) == 0);
	CHECK_INT(res.decision, IMPLICIT);
	json_decref(all);
	json_decref(any);
	json_decref(any_not);
	json_decref(all_not);
}

/* EKS Pod Identity: Service principal, two actions, both must be allowed. */
TEST(pod_identity_trust)
{
	const char *account[] = { "111122223333" };
	struct irsa_trust_key k = { "aws:SourceAccount", account, 1 };
	struct irsa_trust_request req = { "Service", IRSA_POD_IDENTITY_SERVICE, "sts:AssumeRole", &k, 1 };
	struct irsa_trust_result res;
	json_t *both = load(DOC1(STMT("Allow", "{\"Service\":\"pods.eks.amazonaws.com\"}",
				      "[\"sts:AssumeRole\",\"sts:TagSession\"]",
				      "{\"StringEquals\":{\"aws:SourceAccount\":\"111122223333\"}}")));
	json_t *no_tag = load(DOC1(STMT("Allow", "{\"Service\":\"pods.eks.amazonaws.com\"}",
					"\"sts:AssumeRole\"", "{}")));

	CHECK(irsa_trust_evaluate(both, &req, &res, NULL) == 0);
	CHECK_INT(res.decision, ALLOWED);
	req.action = "sts:TagSession";
	CHECK(irsa_trust_evaluate(both, &req, &res, NULL) == 0);
	CHECK_INT(res.decision, ALLOWED);
	CHECK(irsa_trust_evaluate(no_tag, &req, &res, NULL) == 0);
	CHECK_INT(res.decision, IMPLICIT);
	CHECK(strstr(res.reason, "'sts:TagSession'") != NULL);
	json_decref(both);
	json_decref(no_tag);
}

TEST(numeric_and_bool_operators)
{
	const char *age[] = { "30" }, *mfa[] = { "true" };
	struct irsa_trust_key keys[] = { { "aws:MultiFactorAuthAge", age, 1 },
					 { "aws:MultiFactorAuthPresent", mfa, 1 } };
	struct irsa_trust_request req = { "AWS", "arn:aws:iam::1:root", "sts:AssumeRole", keys, 2 };
	struct irsa_trust_result res;
	json_t *lt = load(DOC1(STMT("Allow", "{\"AWS\":\"arn:aws:iam::1:root\"}", "\"sts:AssumeRole\"",
				    "{\"NumericLessThan\":{\"aws:MultiFactorAuthAge\":\"3600\"},"
				    "\"Bool\":{\"aws:MultiFactorAuthPresent\":\"TRUE\"}}")));
	json_t *gt = load(DOC1(STMT("Allow", "{\"AWS\":\"arn:aws:iam::1:root\"}", "\"sts:AssumeRole\"",
				    "{\"NumericGreaterThan\":{\"aws:MultiFactorAuthAge\":3600}}")));

	CHECK(irsa_trust_evaluate(lt, &req, &res, NULL) == 0);
	CHECK_INT(res.decision, ALLOWED);
	CHECK(irsa_trust_evaluate(gt, &req, &res, NULL) == 0);
	CHECK_INT(res.decision, IMPLICIT);
	json_decref(lt);
	json_decref(gt);
}

TEST(malformed_documents_fail)
{
	struct irsa_web_identity wi = { PROV, ISS, "default", "app", NULL };
	struct irsa_trust_result res;
	struct irsa_error err = { 0 };
	json_t *no_stmt = load("{\"Version\":\"2012-10-17\"}");
	json_t *bad_stmt = load("{\"Statement\":[\"x\"]}");

	CHECK(irsa_trust_evaluate_web_identity(no_stmt, &wi, &res, &err) < 0);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "no Statement") != NULL);
	CHECK(irsa_trust_evaluate_web_identity(bad_stmt, &wi, &res, &err) < 0);
	CHECK(irsa_trust_evaluate_web_identity(NULL, &wi, &res, &err) < 0);
	json_decref(no_stmt);
	json_decref(bad_stmt);
}

TEST(wildcard_match)
{
	CHECK(irsa_wildcard_match("*", "", false));
	CHECK(irsa_wildcard_match("a*b*c", "axxbyyc", false));
	CHECK(!irsa_wildcard_match("a*b*c", "axxbyy", false));
	CHECK(irsa_wildcard_match("a**", "a", false));
	CHECK(!irsa_wildcard_match("?", "", false));
	CHECK(irsa_wildcard_match("AB?", "abc", true));
	CHECK(!irsa_wildcard_match("AB?", "abc", false));
	CHECK(irsa_wildcard_match("*:sa", "system:serviceaccount:ns:sa", false));
}

int main(void)
{
	for (size_t i = 0; i < sizeof(wi_cases) / sizeof(wi_cases[0]); i++)
		run_wi_case(&wi_cases[i]);
	RUN(for_all_values_with_several_request_values);
	RUN(pod_identity_trust);
	RUN(numeric_and_bool_operators);
	RUN(malformed_documents_fail);
	RUN(wildcard_match);
	return tap_done();
}
