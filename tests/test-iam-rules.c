/* Unit tests: IAM's limits and grammar (iam_rules.h) and the value rules
 * of names.h they use. */
#include "tap.h"
#include "irsa/iam_rules.h"
#include "irsa/names.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"

static json_t *doc(const char *text)
{
	json_t *d = json_loads(text, 0, NULL);

	if (!d)
		printf("# bad test JSON: %s\n", text);
	return d;
}

static int check_text(const char *text, enum irsa_policy_kind kind, struct irsa_error *err)
{
	json_t *d = doc(text);
	int r = irsa_iam_check_policy(d, kind, "policy file 'p.json'", err);

	json_decref(d);
	return r;
}

#define S3 "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\""
#define WEB "\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/x\"}," \
	    "\"Action\":\"sts:AssumeRoleWithWebIdentity\""

TEST(permissions_grammar)
{
	struct irsa_error err = { 0 };

	CHECK_INT(check_text("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Read1\","
			     "\"Effect\":\"Allow\"," S3 "}]}", IRSA_POLICY_PERMISSIONS, &err), 0);
	CHECK_INT(check_text("{\"Statement\":{\"Effect\":\"Deny\",\"NotAction\":[\"s3:*\"],"
			     "\"NotResource\":\"x\"}}", IRSA_POLICY_PERMISSIONS, &err), 0);
	/* Sid: letters and digits only */
	CHECK_INT(check_text("{\"Statement\":[{\"Sid\":\"read-all\",\"Effect\":\"Allow\"," S3 "}]}",
			     IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "policy file 'p.json': statement 1 has a Sid"));
	/* no Principal in a permissions policy */
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\"," S3 "}]}",
			     IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK(strstr(err.message, "must not have"));
	CHECK(strstr(err.message, "Principal"));
	/* Action and Resource required, one of each pair */
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\"}]}",
			     IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK(strstr(err.message, "neither Action nor NotAction"));
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}]}",
			     IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK(strstr(err.message, "Resource"));
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"a:b\","
			     "\"NotAction\":\"c:d\",\"Resource\":\"*\"}]}",
			     IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK(strstr(err.message, "has both"));
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":3,\"Resource\":\"*\"}]}",
			     IRSA_POLICY_PERMISSIONS, &err), -1);
	/* unknown elements, bad Effect, duplicate Sids, empty Statement */
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"Allow\",\"Actions\":\"s3:*\"," S3 "}]}",
			     IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK(strstr(err.message, "'Actions'"));
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"allow\"," S3 "}]}",
			     IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK_INT(check_text("{\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\"," S3 "},"
			     "{\"Sid\":\"A\",\"Effect\":\"Deny\"," S3 "}]}",
			     IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK(strstr(err.message, "\"A\" is used by statements 1 and 2"));
	CHECK_INT(check_text("{\"Statement\":[]}", IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK_INT(check_text("{\"Version\":\"2013-01-01\",\"Statement\":[{\"Effect\":\"Allow\","
			     S3 "}]}", IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"Allow\"," S3 "}],\"Extra\":1}",
			     IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"Allow\"," S3 ",\"Condition\":"
			     "{\"StringEquals\":\"x\"}}]}", IRSA_POLICY_PERMISSIONS, &err), -1);
	CHECK(strstr(err.message, "Condition"));
}

TEST(trust_grammar)
{
	struct irsa_error err = { 0 };

	CHECK_INT(check_text("{\"Statement\":[{\"Sid\":\"\",\"Effect\":\"Allow\"," WEB "}]}",
			     IRSA_POLICY_TRUST, &err), 0);
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\"}]}",
			     IRSA_POLICY_TRUST, &err), -1);
	CHECK(strstr(err.message, "neither Principal nor NotPrincipal"));
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"Allow\"," WEB ",\"Resource\":\"*\"}]}",
			     IRSA_POLICY_TRUST, &err), -1);
	CHECK(strstr(err.message, "Resource"));
	CHECK_INT(check_text("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"someone\","
			     "\"Action\":\"sts:AssumeRole\"}]}", IRSA_POLICY_TRUST, &err), -1);
}

TEST(rendered_trust_is_grammatical)
{
	static struct irsa_subject s[2] = { { (char *)"default", (char *)"app" },
					    { (char *)"jobs", (char *)"*" } };
	struct irsa_trust_provider p = { "oidc.example.com/id/1", s, 2 };
	const char *arns[] = { "arn:aws:iam::111122223333:role/ci" };
	struct irsa_trust_spec spec = { "aws", "111122223333", NULL, &p, 1, arns, 1 };
	struct irsa_error err = { 0 };
	json_t *d = NULL;

	CHECK_INT(irsa_trust_render(&spec, &d, &err), 0);
	CHECK_INT(irsa_iam_check_policy(d, IRSA_POLICY_TRUST, "trust", &err), 0);
	CHECK_INT(irsa_iam_check_policy(d, IRSA_POLICY_PERMISSIONS, "trust", &err), -1);
	json_decref(d);
}

TEST(text_and_size)
{
	/* "é" (Latin-1) stays raw and counts 1; "ł" and an emoji beyond
	 * Latin-1 are escaped (IAM refuses them raw) and counted escaped */
	json_t *d = doc("{\"Id\":\"caf\xc3\xa9 \xc5\x82 \xf0\x9f\x98\x80\"}");
	char *text = irsa_iam_policy_text(d);

	CHECK_STR(text, "{\"Id\":\"caf\xc3\xa9 \\u0142 \\ud83d\\ude00\"}");
	CHECK_INT(irsa_iam_policy_size(d), strlen("{\"Id\":\"cafe \\u0142 \\ud83d\\ude00\"}"));
	CHECK_INT(irsa_policy_size(d), irsa_iam_policy_size(d));
	free(text);
	json_decref(d);
	/* the escaped text reads back as the same document */
	d = doc("{\"a\":[\"\xe6\x97\xa5\xe6\x9c\xac\",\"\\\\u0041\"],\"b\":\"\\u00ff\"}");
	text = irsa_iam_policy_text(d);
	{
		json_t *back = json_loads(text, 0, NULL);

		CHECK(back && json_equal(back, d));
		CHECK(strstr(text, "\\u65e5\\u672c"));
		CHECK(strstr(text, "\\\\u0041"));
		json_decref(back);
	}
	free(text);
	json_decref(d);
}

TEST(trust_limit)
{
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_iam_check_trust_limit(0, &err), 0);
	CHECK_INT(irsa_iam_check_trust_limit(4096, &err), 0);
	CHECK_INT(irsa_iam_check_trust_limit(4097, &err), -1);
	CHECK(strstr(err.message, "--trust-policy-limit 4097"));
	CHECK(strstr(err.message, "4096"));
}

TEST(description)
{
	struct irsa_error err = { 0 };
	char *s = irsa_malloc0(1001 * 2 + 1);

	/* 501 x "é" is 1002 bytes but 501 characters: valid */
	for (int i = 0; i < 501; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);
	CHECK_INT(irsa_validate_role_description(s, &err), 0);
	for (int i = 0; i < 1001; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);
	CHECK_INT(irsa_validate_role_description(s, &err), -1);
	CHECK(strstr(err.message, "1001 characters"));
	free(s);
	CHECK_INT(irsa_validate_role_description("tab\there\nand\r\n", &err), 0);
	CHECK_INT(irsa_validate_role_description("", &err), 0);
	CHECK_INT(irsa_validate_role_description("euro \xe2\x82\xac", &err), -1);
	CHECK(strstr(err.message, "U+20AC"));
	CHECK_INT(irsa_validate_role_description("bell \a", &err), -1);
	CHECK_INT(irsa_validate_role_description("\xc2\xa0 nbsp", &err), -1); /* U+00A0 */
	CHECK_INT(irsa_validate_role_description("bad \xc3", &err), -1);
	CHECK(strstr(err.message, "UTF-8"));
	CHECK_INT(irsa_validate_role_description("overlong \xc0\xaf", &err), -1);
}

TEST(tags)
{
	struct irsa_error err = { 0 };
	struct irsa_tags t = { 0 };
	const struct irsa_kv *kv;

	CHECK_INT(irsa_validate_tag("team", "payments", &err), 0);
	CHECK_INT(irsa_validate_tag("\xc3\xa9quipe", "caf\xc3\xa9", &err), 0);
	CHECK_INT(irsa_validate_tag("AWS:x", "1", &err), -1);
	CHECK(strstr(err.message, "reserved"));
	CHECK_INT(irsa_validate_tag("k", "\xff", &err), -1);
	CHECK_INT(irsa_validate_tag("k", "a\xc3\x97" "b", &err), -1); /* U+00D7 is a sign */
	CHECK_INT(irsa_validate_tag("", "v", &err), -1);
	irsa_tags_add(&t, "Team", "a");
	kv = irsa_tags_find(&t, "TEAM");
	CHECK(kv && strcmp(kv->value, "a") == 0);
	CHECK(irsa_tags_find(&t, "owner") == NULL);
	irsa_tags_release(&t);
}

TEST(partition_of_policy_arns)
{
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_validate_policy_arn_in("arn:aws-cn:iam::aws:policy/ReadOnlyAccess", "ARN",
					      "aws-cn", &err), 0);
	CHECK_INT(irsa_validate_policy_arn_in("arn:aws:iam::aws:policy/ReadOnlyAccess",
					      "--attach-policy-arn", "aws-cn", &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "use 'arn:aws-cn:iam::aws:policy/ReadOnlyAccess'"));
	CHECK_INT(irsa_validate_policy_arn_in("arn:aws-us-gov:iam::111122223333:policy/a/b", "ARN",
					      "aws", &err), -1);
	CHECK(strstr(err.message, "'arn:aws:iam::111122223333:policy/a/b'"));
}

TEST(ownership)
{
	struct irsa_role r = { 0 };

	r.trust_policy = irsa_strdup("{\"Statement\":[{\"Sid\":\"Ec2\",\"Effect\":\"Allow\"}]}");
	CHECK(!irsa_iam_role_is_owned(&r));
	irsa_tags_add(&r.tags, "Managed-By", "irsactl");
	CHECK(irsa_iam_role_is_owned(&r));
	irsa_tags_release(&r.tags);
	irsa_tags_add(&r.tags, "managed-by", "terraform");
	CHECK(!irsa_iam_role_is_owned(&r));
	free(r.trust_policy);
	r.trust_policy = irsa_strdup("{\"Statement\":{\"Sid\":\"IrsactlOidc01234567\"}}");
	CHECK(irsa_iam_role_is_owned(&r));
	free(r.trust_policy);
	r.trust_policy = irsa_strdup("{\"Statement\":[{\"Sid\":\"Ec2\"},"
				     "{\"Sid\":\"IrsactlAssumeRole01234567\"}]}");
	CHECK(irsa_iam_role_is_owned(&r));
	irsa_role_release(&r);
}

static json_t *policy_of_size(size_t n)
{
	/* {"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"X..."}]} */
	size_t base = strlen("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"a:b\","
			     "\"Resource\":\"\"}]}");
	char *res = irsa_malloc0(n - base + 1);
	json_t *d;

	memset(res, 'x', n - base);
	d = json_pack("{s:[{s:s, s:s, s:s}]}", "Statement", "Effect", "Allow", "Action", "a:b",
		      "Resource", res);
	free(res);
	return d;
}

TEST(role_totals)
{
	json_t *mine = policy_of_size(4000), *trust;
	char *foreign = irsa_iam_policy_text(mine);
	struct irsa_inline_policy inl = { "irsactl-file-big", mine };
	struct irsa_tags tags = { 0 };
	struct irsa_role_request req = { .role_name = "r", .inline_policies = &inl,
					 .n_inline_policies = 1, .tags = &tags };
	struct irsa_role_state st = { 0 };
	struct irsa_error err = { 0 };
	char key[16];

	CHECK_INT(irsa_iam_policy_size(mine), 4000);
	trust = NULL;
	st.exists = true;
	irsa_strlist_add(&st.inline_names, "hand-made");
	irsa_strlist_add(&st.inline_names, "irsactl-old");
	st.inline_docs = irsa_malloc0(3 * sizeof(char *));
	st.inline_docs[0] = irsa_strdup(foreign);
	st.inline_docs[1] = irsa_strdup(foreign);
	/* 4000 asked + 4000 foreign + 4000 irsactl-old kept = 12000 > 10240 */
	CHECK_INT(irsa_iam_check_role_totals(&req, &st, &err), -1);
	CHECK(strstr(err.message, "12000 characters"));
	CHECK(strstr(err.message, "'hand-made', 'irsactl-old' already on the role"));
	/* with prune, irsactl-old goes: 8000 fits */
	req.prune = true;
	CHECK_INT(irsa_iam_check_role_totals(&req, &st, &err), 0);
	req.prune = false;
	/* replacing irsactl-old itself does not count it twice */
	inl.name = "irsactl-old";
	CHECK_INT(irsa_iam_check_role_totals(&req, &st, &err), 0);
	/* tags: 49 existing + 2 new keys (one differing only in case from an
	 * existing one, so not new) */
	for (int i = 0; i < 49; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		irsa_tags_add(&st.role.tags, key, "v");
	}
	irsa_tags_add(&tags, "K0", "changed");
	irsa_tags_add(&tags, "new", "v");
	CHECK_INT(irsa_iam_check_role_totals(&req, &st, &err), 0);
	irsa_tags_add(&tags, "newer", "v");
	CHECK_INT(irsa_iam_check_role_totals(&req, &st, &err), -1);
	CHECK(strstr(err.message, "has 49 tags and 2 new keys"));
	irsa_tags_release(&tags);
	irsa_role_state_release(&st);
	free(foreign);
	json_decref(mine);
	json_decref(trust);
}

TEST(tag_total)
{
	struct irsa_tags have = { 0 }, add = { 0 };
	struct irsa_error err = { 0 };
	char key[16];

	CHECK_INT(irsa_iam_check_tag_total(NULL, NULL, "x", &err), 0);
	for (int i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		irsa_tags_add(&have, key, "v");
	}
	irsa_tags_add(&add, "K7", "changed"); /* the same key to IAM */
	CHECK_INT(irsa_iam_check_tag_total(&have, &add, "the OIDC provider", &err), 0);
	irsa_tags_add(&add, "one-more", "v");
	CHECK_INT(irsa_iam_check_tag_total(&have, &add, "the OIDC provider", &err), -1);
	CHECK(strstr(err.message, "the OIDC provider has 50 tags and 1 new keys"));
	irsa_tags_release(&have);
	irsa_tags_release(&add);
}

TEST(role_request)
{
	json_t *bad = doc("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\"," S3 "}]}");
	struct irsa_inline_policy inl = { "irsactl-file-x", bad };
	struct irsa_tags tags = { 0 };
	const char *arns[] = { "arn:aws:iam::aws:policy/ReadOnlyAccess" };
	struct irsa_role_request req = { .role_name = "r", .tags = &tags, .partition = "aws" };
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_iam_check_role_request(&req, &err), 0);
	req.trust_limit = 5000;
	CHECK_INT(irsa_iam_check_role_request(&req, &err), -1);
	req.trust_limit = 0;
	irsa_tags_add(&tags, "Team", "a");
	irsa_tags_add(&tags, "team", "b");
	CHECK_INT(irsa_iam_check_role_request(&req, &err), -1);
	CHECK(strstr(err.message, "differ only in case"));
	irsa_tags_release(&tags);
	req.managed_arns = arns;
	req.n_managed_arns = 1;
	CHECK_INT(irsa_iam_check_role_request(&req, &err), 0);
	req.partition = "aws-us-gov";
	CHECK_INT(irsa_iam_check_role_request(&req, &err), -1);
	CHECK(strstr(err.message, "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess"));
	req.n_managed_arns = 0;
	req.inline_policies = &inl;
	req.n_inline_policies = 1;
	CHECK_INT(irsa_iam_check_role_request(&req, &err), -1);
	CHECK(strstr(err.message, "inline policy 'irsactl-file-x'"));
	req.n_inline_policies = 0;
	req.description = "\xe2\x82\xac";
	CHECK_INT(irsa_iam_check_role_request(&req, &err), -1);
	json_decref(bad);
}

int main(void)
{
	RUN(permissions_grammar);
	RUN(trust_grammar);
	RUN(rendered_trust_is_grammatical);
	RUN(text_and_size);
	RUN(trust_limit);
	RUN(description);
	RUN(tags);
	RUN(partition_of_policy_arns);
	RUN(ownership);
	RUN(role_totals);
	RUN(tag_total);
	RUN(role_request);
	return tap_done();
}
