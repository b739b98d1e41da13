/* Unit tests: names, subjects, ARNs, default role names. */
#include "tap.h"
#include "irsa/names.h"
#include "irsa/serviceaccount.h"
#include "irsa/strutil.h"

TEST(namespace_labels)
{
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_validate_namespace("kube-system", 0, &err), 0);
	CHECK_INT(irsa_validate_namespace("a", 0, &err), 0);
	CHECK_INT(irsa_validate_namespace("Prod", 0, &err), -1);
	CHECK(strstr(err.message, "'Prod'") && strstr(err.message, "DNS-1123 label"));
	CHECK(strstr(err.message, "upper-case"));
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK_INT(irsa_validate_namespace("-a", 0, &err), -1);
	CHECK_INT(irsa_validate_namespace("a-", 0, &err), -1);
	CHECK_INT(irsa_validate_namespace("a.b", 0, &err), -1);
	CHECK_INT(irsa_validate_namespace("", 0, &err), -1);
	CHECK_INT(irsa_validate_namespace("abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abc", 0, &err), 0);
	CHECK_INT(irsa_validate_namespace("abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcd", 0, &err), -1);
	CHECK(strstr(err.message, "63"));
	CHECK_INT(irsa_validate_namespace("team-*", 0, &err), -1);
	CHECK_INT(irsa_validate_namespace("team-*", IRSA_NAME_WILDCARD, &err), 0);
	CHECK_INT(irsa_validate_namespace("*", IRSA_NAME_WILDCARD, &err), 0);
}

TEST(service_account_subdomain)
{
	struct irsa_error err = { 0 };
	char longname[300];

	CHECK_INT(irsa_validate_service_account("my-app", 0, &err), 0);
	CHECK_INT(irsa_validate_service_account("my.app.v1", 0, &err), 0);
	CHECK_INT(irsa_validate_service_account("my..app", 0, &err), -1);
	CHECK_INT(irsa_validate_service_account("my_app", 0, &err), -1);
	CHECK(strstr(err.message, "'my_app'"));
	CHECK_INT(irsa_validate_service_account("app-?", IRSA_NAME_WILDCARD, &err), 0);
	memset(longname, 'a', 254);
	longname[254] = '\0';
	for (int i = 60; i < 254; i += 61)
		longname[i] = '.';
	CHECK_INT(irsa_validate_service_account(longname, 0, &err), -1);
	CHECK(strstr(err.message, "253"));
}

TEST(subject_parse)
{
	struct irsa_error err = { 0 };
	struct irsa_subject s = { 0 };
	char *str;

	CHECK_INT(irsa_subject_parse("default:my-sa", 0, &s, &err), 0);
	CHECK_STR(s.ns, "default");
	CHECK_STR(s.sa, "my-sa");
	str = irsa_subject_string(&s);
	CHECK_STR(str, "system:serviceaccount:default:my-sa");
	free(str);
	irsa_subject_release(&s);
	CHECK_INT(irsa_subject_parse("default", 0, &s, &err), -1);
	CHECK(strstr(err.message, "NAMESPACE:SERVICEACCOUNT"));
	CHECK_INT(irsa_subject_parse("a:b:c", 0, &s, &err), -1);
	CHECK_INT(irsa_subject_parse("Bad:sa", 0, &s, &err), -1);
	CHECK_INT(irsa_subject_parse("ns:*", 0, &s, &err), -1);
	CHECK_INT(irsa_subject_parse("ns:*", IRSA_NAME_WILDCARD, &s, &err), 0);
	CHECK(irsa_name_has_wildcard(s.sa));
	irsa_subject_release(&s);
}

TEST(role_names_and_paths)
{
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_validate_role_name("irsa-demo_app+x=y,z.w@q", &err), 0);
	CHECK_INT(irsa_validate_role_name("a/b", &err), -1);
	CHECK(strstr(err.message, "'/'"));
	CHECK_INT(irsa_validate_role_name("0123456789012345678901234567890123456789012345678901234567890123", &err), 0);
	CHECK_INT(irsa_validate_role_name("0123456789012345678901234567890123456789012345678901234567890123x", &err), -1);
	CHECK(strstr(err.message, "65 characters") && strstr(err.message, "at most 64"));
	CHECK_INT(irsa_validate_role_name("", &err), -1);
	CHECK_INT(irsa_validate_iam_path("/", &err), 0);
	CHECK_INT(irsa_validate_iam_path("/irsa/team/", &err), 0);
	CHECK_INT(irsa_validate_iam_path("/irsa", &err), -1);
	CHECK_INT(irsa_validate_iam_path("irsa/", &err), -1);
	CHECK_INT(irsa_validate_iam_path("/a//b/", &err), 0); /* IAM's pattern allows it */
	CHECK_INT(irsa_validate_iam_path("//", &err), -1);
	CHECK_INT(irsa_validate_iam_path("///", &err), 0);
	CHECK_INT(irsa_validate_iam_path("/a b/", &err), -1);
	CHECK_INT(irsa_validate_account_id("123456789012", &err), 0);
	CHECK_INT(irsa_validate_account_id("12345678901", &err), -1);
	CHECK_INT(irsa_validate_account_id("12345678901a", &err), -1);
}

TEST(arns)
{
	struct irsa_error err = { 0 };
	struct irsa_arn a = { 0 };

	CHECK_INT(irsa_arn_parse("arn:aws:iam::123456789012:role/path/x", "ARN", &a, &err), 0);
	CHECK_STR(a.partition, "aws");
	CHECK_STR(a.service, "iam");
	CHECK_STR(a.region, "");
	CHECK_STR(a.account, "123456789012");
	CHECK_STR(a.resource, "role/path/x");
	irsa_arn_release(&a);
	CHECK_INT(irsa_arn_parse("arn:aws-cn:s3:::bucket/key:with:colons", "ARN", &a, &err), 0);
	CHECK_STR(a.resource, "bucket/key:with:colons");
	irsa_arn_release(&a);
	CHECK_INT(irsa_arn_parse("arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x", "ARN", NULL, &err), 0);
	CHECK_INT(irsa_arn_parse("arn:aws:iam:123456789012:role/x", "--permissions-boundary", NULL, &err), -1);
	CHECK(strstr(err.message, "--permissions-boundary"));
	CHECK_INT(irsa_arn_parse("arn:foo:iam::123456789012:role/x", "ARN", NULL, &err), -1);
	CHECK(strstr(err.message, "unknown partition 'foo'"));
	CHECK_INT(irsa_arn_parse("not-an-arn", "ARN", NULL, &err), -1);
	CHECK_INT(irsa_arn_parse("arn:aws:iam::123456789012:", "ARN", NULL, &err), -1);
	CHECK_INT(irsa_validate_policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess", "p", &err), 0);
	CHECK_INT(irsa_validate_policy_arn("arn:aws:iam::123456789012:policy/team/x", "p", &err), 0);
	CHECK_INT(irsa_validate_policy_arn("arn:aws:iam::12345:policy/x", "p", &err), -1);
	CHECK(strstr(err.message, "12 digits"));
	CHECK_INT(irsa_validate_policy_arn("arn:aws:iam::123456789012:role/x", "p", &err), -1);
	CHECK_INT(irsa_validate_policy_arn("arn:aws:s3:::x", "p", &err), -1);
	CHECK_INT(irsa_validate_principal_arn("arn:aws:iam::123456789012:role/ci", "t", &err), 0);
	CHECK_INT(irsa_validate_principal_arn("arn:aws:iam::123456789012:root", "t", &err), 0);
	CHECK_INT(irsa_validate_principal_arn("arn:aws:iam::123456789012:policy/x", "t", &err), -1);
}

TEST(default_role_name)
{
	char *n = irsa_default_role_name("demo", "default", "my-app");
	char *a, *b;
	struct irsa_error err = { 0 };

	CHECK_STR(n, "irsa-demo-default-my-app");
	free(n);
	n = irsa_default_role_name(NULL, "ns", "sa");
	CHECK_STR(n, "irsa-ns-sa");
	free(n);
	a = irsa_default_role_name("a-very-long-cluster-name-for-production",
				   "payments-processing", "settlement-worker.v2");
	b = irsa_default_role_name("a-very-long-cluster-name-for-production",
				   "payments-processing", "settlement-worker.v3");
	CHECK_INT(strlen(a), 64);
	CHECK(irsa_str_has_prefix(a, "irsa-a-very-long-cluster-name-for-production-payments-p"));
	CHECK(strcmp(a, b) != 0);
	CHECK_INT(irsa_validate_role_name(a, &err), 0);
	n = irsa_default_role_name("a-very-long-cluster-name-for-production",
				   "payments-processing", "settlement-worker.v2");
	CHECK_STR(n, a);
	free(n);
	free(a);
	free(b);
	n = irsa_default_role_name("my_cluster:x", "ns", "sa");
	CHECK_STR(n, "irsa-my_cluster-x-ns-sa");
	free(n);
}

/* The ARN parser and the builder follow the same path rule (IAM's). */
TEST(role_arn_path_rule_shared)
{
	static const char *const paths[] = { "/a//b/", "/a/b/", "/", "/a b/", "/\xc3\xa9/" };
	struct irsa_error err = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		char *arn = NULL, *text = irsa_asprintf("arn:aws:iam::111122223333:role%sr",
							 paths[i]);
		int built = irsa_role_arn_build("aws", "111122223333", paths[i], "r", &arn, &err);
		int parsed = irsa_role_arn_parse(text, NULL, &err);

		CHECK_INT(parsed, built);
		CHECK_INT(parsed, irsa_validate_iam_path(paths[i], NULL));
		if (built == 0)
			CHECK_STR(arn, text);
		free(arn);
		free(text);
	}
}

int main(void)
{
	RUN(namespace_labels);
	RUN(service_account_subdomain);
	RUN(subject_parse);
	RUN(role_names_and_paths);
	RUN(arns);
	RUN(default_role_name);
	RUN(role_arn_path_rule_shared);
	return tap_done();
}
