/* Unit tests: trust policy render, merge, remove, compare, size. */
#include "tap.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"

#define EKS "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
#define ACCT "111122223333"

static struct irsa_subject app = { (char *)"default", (char *)"my-app" };
static struct irsa_subject worker = { (char *)"jobs", (char *)"worker" };
static struct irsa_subject team_any = { (char *)"team-a", (char *)"*" };

static json_t *render(const char *partition, const struct irsa_trust_provider *p, size_t n,
		      const char *const *arns, size_t n_arns)
{
	struct irsa_trust_spec spec = { partition, ACCT, NULL, p, n, arns, n_arns };
	struct irsa_error err = { 0 };
	json_t *doc = NULL;

	if (irsa_trust_render(&spec, &doc, &err) < 0)
		printf("# render: %s\n", err.message);
	return doc;
}

static char *compact(const json_t *doc)
{
	return irsa_policy_compact(doc);
}

static json_t *parse(const char *text)
{
	json_t *doc = NULL;
	struct irsa_error err = { 0 };

	if (irsa_policy_parse(text, "test document", &doc, &err) < 0)
		printf("# parse: %s\n", err.message);
	return doc;
}

TEST(one_service_account)
{
	struct irsa_trust_provider p = { EKS, &app, 1 };
	json_t *doc = render("aws", &p, 1, NULL, 0);
	char *s = compact(doc);

	CHECK_STR(s, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"IrsactlOidcac2383fb\","
		  "\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:"
		  "oidc-provider/" EKS "\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\","
		  "\"Condition\":{\"StringEquals\":{\"" EKS ":aud\":\"sts.amazonaws.com\",\"" EKS
		  ":sub\":\"system:serviceaccount:default:my-app\"}}}]}");
	CHECK_INT(irsa_trust_count_owned(doc), 1);
	free(s);
	json_decref(doc);
}

TEST(several_service_accounts)
{
	struct irsa_subject subs[3] = { app, worker, app };
	struct irsa_trust_provider p = { EKS, subs, 3 };
	json_t *doc = render("aws", &p, 1, NULL, 0);
	json_t *eq = json_object_get(json_object_get(json_array_get(json_object_get(doc, "Statement"), 0),
						     "Condition"), "StringEquals");
	char *s = json_dumps(json_object_get(eq, EKS ":sub"), JSON_COMPACT);

	CHECK_STR(s, "[\"system:serviceaccount:default:my-app\",\"system:serviceaccount:jobs:worker\"]");
	CHECK_STR(json_string_value(json_object_get(eq, EKS ":aud")), "sts.amazonaws.com");
	free(s);
	json_decref(doc);
}

TEST(wildcard_uses_string_like_for_sub_only)
{
	struct irsa_subject subs[2] = { app, team_any };
	struct irsa_trust_provider p = { EKS, subs, 2 };
	json_t *doc = render("aws", &p, 1, NULL, 0);
	json_t *cond = json_object_get(json_array_get(json_object_get(doc, "Statement"), 0), "Condition");
	char *s = json_dumps(cond, JSON_COMPACT | JSON_PRESERVE_ORDER);

	CHECK_STR(s, "{\"StringEquals\":{\"" EKS ":aud\":\"sts.amazonaws.com\"},\"StringLike\":{\""
		  EKS ":sub\":[\"system:serviceaccount:default:my-app\","
		  "\"system:serviceaccount:team-a:*\"]}}");
	free(s);
	json_decref(doc);
}

TEST(two_clusters_one_role)
{
	struct irsa_trust_provider p[2] = { { EKS, &app, 1 },
					    { "oidc.eks.eu-west-1.amazonaws.com/id/B", &app, 1 } };
	json_t *doc = render("aws", p, 2, NULL, 0);
	json_t *st = json_object_get(doc, "Statement");

	CHECK_INT(json_array_size(st), 2);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(st, 1), "Principal"),
						    "Federated")),
		  "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/B");
	{
		const char *sid0 = json_string_value(json_object_get(json_array_get(st, 0), "Sid"));
		const char *sid1 = json_string_value(json_object_get(json_array_get(st, 1), "Sid"));

		REQUIRE(sid0 && sid1);
		CHECK(strcmp(sid0, sid1) != 0);
	}
	CHECK_INT(irsa_trust_count_owned(doc), 2);
	json_decref(doc);
}

TEST(partitions)
{
	struct irsa_trust_provider cn = { "oidc.eks.cn-north-1.amazonaws.com.cn/id/C", &app, 1 };
	struct irsa_trust_provider gov = { "oidc.eks.us-gov-west-1.amazonaws.com/id/G", &app, 1 };
	json_t *a = render("aws-cn", &cn, 1, NULL, 0), *b = render("aws-us-gov", &gov, 1, NULL, 0);
	json_t *sa = json_array_get(json_object_get(a, "Statement"), 0);
	json_t *sb = json_array_get(json_object_get(b, "Statement"), 0);

	CHECK_STR(json_string_value(json_object_get(json_object_get(sa, "Principal"), "Federated")),
		  "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/C");
	CHECK_STR(json_string_value(json_object_get(json_object_get(sb, "Principal"), "Federated")),
		  "arn:aws-us-gov:iam::111122223333:oidc-provider/oidc.eks.us-gov-west-1.amazonaws.com/id/G");
	/* the audience stays sts.amazonaws.com in every partition */
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(sa, "Condition"),
								    "StringEquals"),
						    "oidc.eks.cn-north-1.amazonaws.com.cn/id/C:aud")),
		  "sts.amazonaws.com");
	json_decref(a);
	json_decref(b);
}

TEST(cross_account_statement)
{
	struct irsa_trust_provider p = { EKS, &app, 1 };
	const char *arns[] = { "arn:aws:iam::444455556666:role/ci", "arn:aws:iam::444455556666:role/ci" };
	json_t *doc = render("aws", &p, 1, arns, 2);
	json_t *st = json_object_get(doc, "Statement");
	char *s = json_dumps(json_array_get(st, 1), JSON_COMPACT | JSON_PRESERVE_ORDER);

	CHECK_INT(json_array_size(st), 2);
	CHECK_STR(s, "{\"Sid\":\"IrsactlAssumeRolec22b36d3\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
		  "\"arn:aws:iam::444455556666:role/ci\"},\"Action\":\"sts:AssumeRole\"}");
	free(s);
	json_decref(doc);
}

TEST(audience)
{
	struct irsa_trust_provider p = { EKS, &app, 1 };
	struct irsa_trust_spec spec = { "aws", ACCT, "vault", &p, 1, NULL, 0 };
	struct irsa_error err = { 0 };
	json_t *doc = NULL;

	CHECK_INT(irsa_trust_render(&spec, &doc, &err), 0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(
			json_array_get(json_object_get(doc, "Statement"), 0), "Condition"), "StringEquals"),
			EKS ":aud")), "vault");
	json_decref(doc);
	spec.n_providers = 0;
	CHECK_INT(irsa_trust_render(&spec, &doc, &err), -1);
	CHECK(strstr(err.message, "--cluster"));
}

static const char *hand_written =
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Ec2\",\"Effect\":\"Allow\","
	"\"Principal\":{\"Service\":[\"ec2.amazonaws.com\"]},\"Action\":\"sts:AssumeRole\"}]}";

TEST(merge_keeps_hand_written_statement)
{
	struct irsa_trust_provider p = { EKS, &app, 1 }, p2 = { EKS, &worker, 1 };
	json_t *existing = parse(hand_written), *want = render("aws", &p, 1, NULL, 0);
	json_t *merged = NULL, *again = NULL, *want2 = render("aws", &p2, 1, NULL, 0), *m2 = NULL;
	bool changed = false;
	struct irsa_error err = { 0 };
	json_t *st;

	CHECK_INT(irsa_trust_merge(existing, want, &merged, &changed, &err), 0);
	CHECK(changed);
	st = json_object_get(merged, "Statement");
	CHECK_INT(json_array_size(st), 2);
	CHECK(json_equal(json_array_get(st, 0), json_array_get(json_object_get(existing, "Statement"), 0)));
	CHECK(json_equal(json_array_get(st, 1), json_array_get(json_object_get(want, "Statement"), 0)));
	/* the same merge again changes nothing */
	CHECK_INT(irsa_trust_merge(merged, want, &again, &changed, &err), 0);
	CHECK(!changed);
	/* another subject joins irsactl's statement, not a new one */
	CHECK_INT(irsa_trust_merge(merged, want2, &m2, &changed, &err), 0);
	CHECK(changed);
	st = json_object_get(m2, "Statement");
	CHECK_INT(json_array_size(st), 2);
	CHECK(json_equal(json_array_get(st, 0), json_array_get(json_object_get(existing, "Statement"), 0)));
	CHECK_INT(json_array_size(json_object_get(json_object_get(json_object_get(json_array_get(st, 1),
		"Condition"), "StringEquals"), EKS ":sub")), 2);
	json_decref(existing);
	json_decref(want);
	json_decref(want2);
	json_decref(merged);
	json_decref(again);
	json_decref(m2);
}

TEST(merge_compares_canonically)
{
	struct irsa_trust_provider p = { EKS, &app, 1 };
	json_t *want = render("aws", &p, 1, NULL, 0), *merged = NULL;
	bool changed = true;
	struct irsa_error err = { 0 };
	/* as IAM may give it back: single values as lists, other key order */
	json_t *normalised = parse(
		"{\"Statement\":[{\"Condition\":{\"StringEquals\":{\"" EKS ":sub\":[\"system:serviceaccount:default:my-app\"],"
		"\"" EKS ":aud\":[\"sts.amazonaws.com\"]}},\"Action\":[\"sts:AssumeRoleWithWebIdentity\"],"
		"\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/" EKS "\"},"
		"\"Effect\":\"Allow\",\"Sid\":\"IrsactlOidcac2383fb\"}],\"Version\":\"2012-10-17\"}");

	CHECK(irsa_policy_equal(want, normalised));
	CHECK_INT(irsa_trust_merge(normalised, want, &merged, &changed, &err), 0);
	CHECK(!changed);
	json_decref(want);
	json_decref(merged);
	json_decref(normalised);
}

TEST(merge_skips_subject_granted_by_foreign_statement)
{
	struct irsa_trust_provider p = { EKS, &app, 1 };
	json_t *want = render("aws", &p, 1, NULL, 0), *merged = NULL;
	bool changed = true;
	struct irsa_error err = { 0 };
	/* what the aws CLI recipe writes: no Sid */
	json_t *recipe = parse(
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
		"{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/" EKS "\"},"
		"\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{"
		"\"" EKS ":aud\":\"sts.amazonaws.com\",\"" EKS ":sub\":\"system:serviceaccount:default:my-app\"}}}]}");

	CHECK_INT(irsa_trust_merge(recipe, want, &merged, &changed, &err), 0);
	CHECK(!changed);
	CHECK_INT(json_array_size(json_object_get(merged, "Statement")), 1);
	json_decref(merged);
	/* with a second subject: only that one goes into irsactl's statement,
	 * and merging the same again changes nothing */
	{
		struct irsa_subject both[2] = { app, worker };
		struct irsa_trust_provider p2 = { EKS, both, 2 };
		json_t *want2 = render("aws", &p2, 1, NULL, 0), *m1 = NULL, *m2 = NULL;

		CHECK_INT(irsa_trust_merge(recipe, want2, &m1, &changed, &err), 0);
		CHECK(changed);
		CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(
			json_array_get(json_object_get(m1, "Statement"), 1), "Condition"),
			"StringEquals"), EKS ":sub")), "system:serviceaccount:jobs:worker");
		CHECK_INT(irsa_trust_merge(m1, want2, &m2, &changed, &err), 0);
		CHECK(!changed);
		json_decref(want2);
		json_decref(m1);
		json_decref(m2);
	}
	json_decref(want);
	json_decref(recipe);
}

/* Text that is not UTF-8 is refused: it never becomes a statement that
 * lost its aud condition or a policy without statements. */
TEST(invalid_utf8_is_an_error)
{
	struct irsa_trust_provider p = { EKS, &app, 1 };
	struct irsa_trust_spec spec = { "aws", ACCT, "aud\xff", &p, 1, NULL, 0 };
	struct irsa_error err = { 0 };
	json_t *doc = NULL;

	CHECK_INT(irsa_trust_render(&spec, &doc, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "audience is not valid UTF-8"));
	CHECK(doc == NULL);
	spec.audience = NULL;
	p.issuer = "oidc.example.com/id/\xc3";
	CHECK_INT(irsa_trust_render(&spec, &doc, &err), -1);
	CHECK(strstr(err.message, "issuer is not valid UTF-8"));
	CHECK(doc == NULL);
	/* a valid non-ASCII audience keeps its condition */
	p.issuer = EKS;
	spec.audience = "caf\xc3\xa9";
	CHECK_INT(irsa_trust_render(&spec, &doc, &err), 0);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(
			json_array_get(json_object_get(doc, "Statement"), 0), "Condition"), "StringEquals"),
			EKS ":aud")), "caf\xc3\xa9");
	json_decref(doc);
}

/* A hand-written IRSA statement (no irsactl Sid) for the same issuer and
 * subject is recognised in its usual shapes: no aud condition, aud as a
 * list, the subject matched by a StringLike pattern, Action as a list. */
TEST(merge_recognises_equivalent_hand_written_statements)
{
	static const char *const shapes[] = {
		"\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{"
		"\"" EKS ":sub\":\"system:serviceaccount:default:my-app\"}}",
		"\"Action\":[\"sts:AssumeRoleWithWebIdentity\"],\"Condition\":{\"StringEquals\":{"
		"\"" EKS ":aud\":[\"other\",\"sts.amazonaws.com\"],"
		"\"" EKS ":sub\":[\"system:serviceaccount:default:my-app\"]}}",
		"\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringLike\":{"
		"\"" EKS ":sub\":\"system:serviceaccount:default:*\"},\"StringEquals\":{"
		"\"" EKS ":aud\":\"sts.amazonaws.com\"}}",
	};
	/* and shapes that grant less, so irsactl's statement is still added */
	static const char *const narrower[] = {
		"\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{"
		"\"" EKS ":aud\":\"other\",\"" EKS ":sub\":\"system:serviceaccount:default:my-app\"}}",
		"\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{"
		"\"" EKS ":sub\":\"system:serviceaccount:default:my-app\"},\"IpAddress\":{"
		"\"aws:SourceIp\":\"10.0.0.0/8\"}}",
		"\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{"
		"\"" EKS ":sub\":\"system:serviceaccount:default:*\"}}",
	};
	struct irsa_trust_provider p = { EKS, &app, 1 };
	json_t *want = render("aws", &p, 1, NULL, 0);
	struct irsa_error err = { 0 };

	for (size_t k = 0; k < 2; k++) {
		const char *const *list = k ? narrower : shapes;
		size_t n = k ? ARRAY_SIZE(narrower) : ARRAY_SIZE(shapes);

		for (size_t i = 0; i < n; i++) {
			char *text = irsa_asprintf(
				"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
				"\"Principal\":{\"Federated\":\"arn:aws:iam::" ACCT ":oidc-provider/"
				EKS "\"},%s}]}", list[i]);
			json_t *have = parse(text), *merged = NULL;
			bool changed = !k;

			CHECK_INT(irsa_trust_merge(have, want, &merged, &changed, &err), 0);
			if (changed != (k == 1))
				printf("# shape %zu/%zu: changed=%d\n", k, i, changed);
			CHECK(changed == (k == 1));
			CHECK_INT(json_array_size(json_object_get(merged, "Statement")), k ? 2 : 1);
			json_decref(merged);
			json_decref(have);
			free(text);
		}
	}
	json_decref(want);
}

TEST(remove_one_subject)
{
	struct irsa_subject subs[2] = { app, worker };
	struct irsa_trust_provider p[2] = { { EKS, subs, 2 }, { "oidc.example.com/id/2", &app, 1 } };
	json_t *doc = render("aws", p, 2, NULL, 0), *existing = parse(hand_written), *merged = NULL;
	json_t *out = NULL, *out2 = NULL, *out3 = NULL;
	size_t removed = 0;
	bool changed;
	struct irsa_error err = { 0 };
	json_t *st;

	CHECK_INT(irsa_trust_merge(existing, doc, &merged, &changed, &err), 0);
	/* app out of the EKS statement only */
	CHECK_INT(irsa_trust_remove(merged, EKS, &app, &out, &removed, &err), 0);
	CHECK_INT(removed, 1);
	st = json_object_get(out, "Statement");
	CHECK_INT(json_array_size(st), 3);
	CHECK_STR(json_string_value(json_object_get(json_object_get(json_object_get(json_array_get(st, 1),
		"Condition"), "StringEquals"), EKS ":sub")), "system:serviceaccount:jobs:worker");
	CHECK(json_equal(json_array_get(st, 0), json_array_get(json_object_get(existing, "Statement"), 0)));
	CHECK(json_equal(json_array_get(st, 2), json_array_get(json_object_get(merged, "Statement"), 2)));
	/* app out of every provider: the second statement goes away */
	CHECK_INT(irsa_trust_remove(out, NULL, &app, &out2, &removed, &err), 0);
	CHECK_INT(removed, 1);
	CHECK_INT(json_array_size(json_object_get(out2, "Statement")), 2);
	CHECK_INT(irsa_trust_count_owned(out2), 1);
	/* not there: nothing removed */
	CHECK_INT(irsa_trust_remove(out2, NULL, &team_any, &out3, &removed, &err), 0);
	CHECK_INT(removed, 0);
	CHECK(irsa_policy_equal(out2, out3));
	json_decref(out3);
	/* one provider's statement */
	CHECK_INT(irsa_trust_remove(out2, EKS, NULL, &out3, &removed, &err), 0);
	CHECK_INT(removed, 1);
	CHECK_INT(irsa_trust_count_owned(out3), 0);
	CHECK_INT(irsa_policy_statement_count(out3), 1);
	json_decref(doc);
	json_decref(existing);
	json_decref(merged);
	json_decref(out);
	json_decref(out2);
	json_decref(out3);
}

TEST(size_limit)
{
	struct irsa_subject subs[40];
	char names[40][32];
	struct irsa_trust_provider p = { EKS, subs, 0 };
	struct irsa_error err = { 0 };
	json_t *doc;

	for (int i = 0; i < 40; i++) {
		snprintf(names[i], sizeof(names[i]), "service-account-%02d", i);
		subs[i].ns = (char *)"default";
		subs[i].sa = names[i];
	}
	p.n_subjects = 10;
	doc = render("aws", &p, 1, NULL, 0);
	CHECK(irsa_policy_size(doc) < 2048);
	CHECK_INT(irsa_trust_check_size(doc, 0, &err), 0);
	json_decref(doc);
	p.n_subjects = 40;
	doc = render("aws", &p, 1, NULL, 0);
	CHECK(irsa_policy_size(doc) > 2048);
	CHECK_INT(irsa_trust_check_size(doc, 0, &err), -1);
	CHECK(strstr(err.message, "2048") && strstr(err.message, "4096") &&
	      strstr(err.message, "several roles") && strstr(err.message, "wildcard"));
	CHECK_INT(irsa_trust_check_size(doc, 4096, &err), 0);
	json_decref(doc);
}

TEST(policy_parse_errors)
{
	struct irsa_error err = { 0 };
	json_t *doc = NULL;

	CHECK_INT(irsa_policy_parse("{", "policy file 'x.json'", &doc, &err), -1);
	CHECK(strstr(err.message, "policy file 'x.json' is not valid JSON"));
	CHECK_INT(irsa_policy_parse("[]", "p", &doc, &err), -1);
	CHECK_INT(irsa_policy_parse("{\"Version\":\"2012-10-17\"}", "p", &doc, &err), -1);
	CHECK(strstr(err.message, "no Statement"));
	CHECK_INT(irsa_policy_parse("{\"Statement\":[{\"Effect\":\"Maybe\"}]}", "p", &doc, &err), -1);
	CHECK_INT(irsa_policy_parse("{\"Version\":\"2020-01-01\",\"Statement\":{\"Effect\":\"Allow\"}}", "p", &doc, &err), -1);
	CHECK_INT(irsa_policy_parse("{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}", "p", &doc, &err), 0);
	CHECK_INT(irsa_policy_statement_count(doc), 1);
	json_decref(doc);
}

#define SOURCE_ROLE "arn:aws:iam::444455556666:role/source"

static json_t *render_spec(const struct irsa_trust_spec *spec, struct irsa_error *err)
{
	json_t *doc = NULL;

	if (irsa_trust_render(spec, &doc, err) < 0)
		return NULL;
	return doc;
}

TEST(pod_identity_alone)
{
	struct irsa_trust_spec spec = { "aws", ACCT, NULL, NULL, 0, NULL, 0, NULL, true };
	struct irsa_error err = { 0 };
	json_t *doc = render_spec(&spec, &err);
	char *s = compact(doc);

	CHECK_STR(s, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"IrsactlPodIdentity\","
		  "\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},"
		  "\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}]}");
	CHECK(irsa_trust_has_pod_identity(doc));
	CHECK_INT(irsa_trust_count_owned(doc), 0);
	free(s);
	json_decref(doc);
}

TEST(pod_identity_with_irsa_then_removed)
{
	struct irsa_trust_provider p = { EKS, &app, 1 };
	struct irsa_trust_spec irsa = { "aws", ACCT, NULL, &p, 1, NULL, 0, NULL, false };
	struct irsa_trust_spec pod = { "aws", ACCT, NULL, NULL, 0, NULL, 0, NULL, true };
	struct irsa_error err = { 0 };
	json_t *existing = render_spec(&irsa, &err), *want = render_spec(&pod, &err);
	json_t *merged = NULL, *again = NULL, *removed_doc = NULL, *none = NULL;
	bool changed = false;
	size_t removed = 9;

	CHECK(!irsa_trust_has_pod_identity(existing));
	CHECK_INT(irsa_trust_merge(existing, want, &merged, &changed, &err), 0);
	CHECK(changed);
	CHECK_INT(irsa_policy_statement_count(merged), 2);
	CHECK_INT(irsa_trust_count_owned(merged), 1);
	CHECK(irsa_trust_has_pod_identity(merged));
	/* idempotent */
	CHECK_INT(irsa_trust_merge(merged, want, &again, &changed, &err), 0);
	CHECK(!changed);
	CHECK_INT(irsa_trust_remove_pod_identity(merged, &removed_doc, &removed, &err), 0);
	CHECK_INT(removed, 1);
	CHECK(irsa_policy_equal(removed_doc, existing));
	CHECK_INT(irsa_trust_remove_pod_identity(existing, &none, &removed, &err), 0);
	CHECK_INT(removed, 0);
	CHECK(irsa_policy_equal(none, existing));
	/* migrate: the IRSA statement removed, Pod Identity kept */
	json_t *only_pod = NULL;
	CHECK_INT(irsa_trust_remove(merged, NULL, NULL, &only_pod, &removed, &err), 0);
	CHECK_INT(removed, 1);
	CHECK(irsa_policy_equal(only_pod, want));
	json_decref(only_pod);
	json_decref(existing);
	json_decref(want);
	json_decref(merged);
	json_decref(again);
	json_decref(removed_doc);
	json_decref(none);
}

TEST(pod_identity_granted_by_foreign_statement)
{
	struct irsa_trust_spec pod = { "aws", ACCT, NULL, NULL, 0, NULL, 0, NULL, true };
	struct irsa_error err = { 0 };
	json_t *want = render_spec(&pod, &err), *merged = NULL;
	json_t *foreign = parse("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
				"\"Principal\":{\"Service\":[\"pods.eks.amazonaws.com\"]},"
				"\"Action\":[\"sts:TagSession\",\"sts:AssumeRole\"]}]}");
	json_t *partial = parse("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
				"\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},"
				"\"Action\":\"sts:AssumeRole\"}]}");
	bool changed = true;

	CHECK(irsa_trust_has_pod_identity(foreign));
	CHECK_INT(irsa_trust_merge(foreign, want, &merged, &changed, &err), 0);
	CHECK(!changed);
	json_decref(merged);
	/* without sts:TagSession it does not do: ours is added, theirs kept */
	CHECK(!irsa_trust_has_pod_identity(partial));
	CHECK_INT(irsa_trust_merge(partial, want, &merged, &changed, &err), 0);
	CHECK(changed);
	CHECK_INT(irsa_policy_statement_count(merged), 2);
	json_decref(merged);
	json_decref(want);
	json_decref(foreign);
	json_decref(partial);
}

TEST(cross_account_target_alone_with_external_id)
{
	const char *arns[] = { SOURCE_ROLE };
	struct irsa_trust_spec spec = { "aws", ACCT, NULL, NULL, 0, arns, 1, "team-a:build", false };
	struct irsa_trust_spec plain = { "aws", ACCT, NULL, NULL, 0, arns, 1, NULL, false };
	struct irsa_error err = { 0 };
	json_t *doc = render_spec(&spec, &err), *old = render_spec(&plain, &err);
	json_t *merged = NULL;
	bool changed = false;
	char *s = compact(doc);

	CHECK_STR(s, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"IrsactlAssumeRole"
		  "e91e5e9e\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" SOURCE_ROLE "\"},"
		  "\"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":"
		  "\"team-a:build\"}}}]}");
	/* adding an external ID to an existing statement replaces it */
	CHECK_INT(irsa_trust_merge(old, doc, &merged, &changed, &err), 0);
	CHECK(changed);
	CHECK(irsa_policy_equal(merged, doc));
	free(s);
	json_decref(doc);
	json_decref(old);
	json_decref(merged);
}

TEST(external_id_rules)
{
	const char *arns[] = { SOURCE_ROLE };
	struct irsa_trust_spec spec = { "aws", ACCT, NULL, NULL, 0, arns, 1, "x", false };
	struct irsa_trust_spec pod = { "aws", ACCT, NULL, NULL, 0, NULL, 0, "abc", true };
	struct irsa_trust_spec none = { "aws", ACCT, NULL, NULL, 0, NULL, 0, NULL, false };
	struct irsa_error err = { 0 };

	CHECK(!render_spec(&spec, &err));
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "2 to 1224"));
	spec.external_id = "has space";
	CHECK(!render_spec(&spec, &err));
	CHECK(strstr(err.message, "' '"));
	CHECK(!render_spec(&pod, &err));
	CHECK(strstr(err.message, "--trust-role-arn"));
	CHECK(!render_spec(&none, &err));
	CHECK(strstr(err.message, "no OIDC provider"));
}

int main(void)
{
	RUN(one_service_account);
	RUN(several_service_accounts);
	RUN(wildcard_uses_string_like_for_sub_only);
	RUN(two_clusters_one_role);
	RUN(partitions);
	RUN(cross_account_statement);
	RUN(audience);
	RUN(merge_keeps_hand_written_statement);
	RUN(merge_compares_canonically);
	RUN(merge_skips_subject_granted_by_foreign_statement);
	RUN(remove_one_subject);
	RUN(size_limit);
	RUN(policy_parse_errors);
	RUN(invalid_utf8_is_an_error);
	RUN(merge_recognises_equivalent_hand_written_statements);
	RUN(pod_identity_alone);
	RUN(pod_identity_with_irsa_then_removed);
	RUN(pod_identity_granted_by_foreign_statement);
	RUN(cross_account_target_alone_with_external_id);
	RUN(external_id_rules);
	return tap_done();
}
