/* The IRSA ServiceAccount as data: validation, role ARNs, the owned set,
 * the --overwrite rule, the object irsactl applies. */
#include "tap.h"
#include "irsa/serviceaccount.h"
#include "irsa/strutil.h"

static int build(struct irsa_sa_options *o, struct irsa_sa_spec *s, struct irsa_error *err)
{
	irsa_error_clear(err);
	return irsa_sa_spec_build(o, false, s, err);
}

TEST(qualified_names)
{
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_k8s_check_qualified_name("app", "label key", &err), 0);
	CHECK_INT(irsa_k8s_check_qualified_name("app.kubernetes.io/name", "label key", &err), 0);
	CHECK_INT(irsa_k8s_check_qualified_name("eks.amazonaws.com/role-arn", "k", &err), 0);
	CHECK_INT(irsa_k8s_check_qualified_name("A_b.c-9", "k", &err), 0);
	CHECK_INT(irsa_k8s_check_qualified_name("-app", "label key", &err), -1);
	CHECK(strstr(err.message, "label key '-app'") != NULL);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK_INT(irsa_k8s_check_qualified_name("Example.com/x", "k", &err), -1);
	CHECK(strstr(err.message, "prefix") != NULL);
	CHECK_INT(irsa_k8s_check_qualified_name("/x", "k", &err), -1);
	CHECK_INT(irsa_k8s_check_qualified_name("a/b/c", "k", &err), -1);
	CHECK_INT(irsa_k8s_check_qualified_name("a/", "k", &err), -1);
	CHECK_INT(irsa_k8s_check_qualified_name("a b", "k", &err), -1);
	CHECK_INT(irsa_k8s_check_qualified_name(
			  "x234567890123456789012345678901234567890123456789012345678901234", "k", &err),
		  -1);
	CHECK_INT(irsa_k8s_check_qualified_name(
			  "x23456789012345678901234567890123456789012345678901234567890123", "k", &err),
		  0);
}

TEST(label_values)
{
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_k8s_check_label_value("k", "", &err), 0);
	CHECK_INT(irsa_k8s_check_label_value("k", "web-1.a_b", &err), 0);
	CHECK_INT(irsa_k8s_check_label_value("k", "has space", &err), -1);
	CHECK(strstr(err.message, "value 'has space' of label 'k'") != NULL);
	CHECK_INT(irsa_k8s_check_label_value("k", "-x", &err), -1);
	CHECK_INT(irsa_k8s_check_label_value("k", "a/b", &err), -1);
}

TEST(role_arns)
{
	struct irsa_role_arn r;
	struct irsa_error err = { 0 };
	char *arn = NULL;

	CHECK_INT(irsa_role_arn_parse("arn:aws:iam::111122223333:role/web", &r, &err), 0);
	CHECK_STR(r.partition, "aws");
	CHECK_STR(r.account, "111122223333");
	CHECK_STR(r.path, "/");
	CHECK_STR(r.name, "web");
	CHECK_INT(irsa_role_arn_parse("arn:aws-cn:iam::111122223333:role/irsa/team/web", &r, &err), 0);
	CHECK_STR(r.partition, "aws-cn");
	CHECK_STR(r.path, "/irsa/team/");
	CHECK_STR(r.name, "web");
	CHECK_INT(irsa_role_arn_parse("arn:aws-us-gov:iam::111122223333:role/a", NULL, &err), 0);
	CHECK_INT(irsa_role_arn_parse("arn:aws-iso:iam::111122223333:role/a", NULL, &err), 0);
	CHECK_INT(irsa_role_arn_parse("arn:aws-iso-b:iam::111122223333:role/a", NULL, &err), 0);

	CHECK_INT(irsa_role_arn_parse("arn:aws-xx:iam::111122223333:role/a", NULL, &err), -1);
	CHECK(strstr(err.message, "unknown partition 'aws-xx'") != NULL);
	CHECK_INT(irsa_role_arn_parse("arn:aws:iam::11112222333:role/a", NULL, &err), -1);
	CHECK(strstr(err.message, "12 digits") != NULL);
	CHECK_INT(irsa_role_arn_parse("arn:aws:iam::111122223333:user/a", NULL, &err), -1);
	CHECK_INT(irsa_role_arn_parse("arn:aws:sts::111122223333:role/a", NULL, &err), -1);
	CHECK_INT(irsa_role_arn_parse("arn:aws:iam:us-east-1:111122223333:role/a", NULL, &err), -1);
	CHECK_INT(irsa_role_arn_parse("arn:aws:iam::111122223333:role/", NULL, &err), -1);
	CHECK_INT(irsa_role_arn_parse("arn:aws:iam::111122223333:role/a b", NULL, &err), -1);
	CHECK_INT(irsa_role_arn_parse("web", NULL, &err), -1);
	CHECK(strstr(err.message, "'web' is not a role ARN") != NULL);
	CHECK_INT(irsa_role_arn_parse("", NULL, &err), -1);

	CHECK_INT(irsa_role_arn_build("aws-cn", "111122223333", "/irsa/", "web", &arn, &err), 0);
	CHECK_STR(arn, "arn:aws-cn:iam::111122223333:role/irsa/web");
	free(arn);
	arn = NULL;
	CHECK_INT(irsa_role_arn_build("aws", "111122223333", NULL, "web", &arn, &err), 0);
	CHECK_STR(arn, "arn:aws:iam::111122223333:role/web");
	free(arn);
	arn = NULL;
	CHECK_INT(irsa_role_arn_build("aws", "111122223333", "irsa", "web", &arn, &err), -1);
	CHECK(arn == NULL);
	CHECK_INT(irsa_role_arn_build("aws", "111122223333", "/", "bad name", &arn, &err), -1);
	CHECK(arn == NULL);
}

TEST(spec_all_annotations)
{
	const char *ann[] = { "example.com/team=payments" };
	const char *lbl[] = { "app.kubernetes.io/name=web", "tier=" };
	struct irsa_sa_options o = {
		.namespace = "apps", .name = "web",
		.role_arn = "arn:aws:iam::111122223333:role/web",
		.audience = "sts.amazonaws.com", .sts_regional_endpoints = "true",
		.token_expiration = "3600",
		.annotations = ann, .n_annotations = 1, .labels = lbl, .n_labels = 2,
	};
	struct irsa_sa_spec s;
	struct irsa_error err = { 0 };
	json_t *obj;
	char *dump;

	CHECK_INT(build(&o, &s, &err), 0);
	CHECK_INT(s.n_annotations, 5);
	CHECK_STR(s.annotations[0].key, IRSA_SA_ANNOTATION_ROLE_ARN);
	CHECK_STR(irsa_sa_spec_role_arn(&s), "arn:aws:iam::111122223333:role/web");
	CHECK_STR(s.annotations[3].value, "3600");
	CHECK_INT(s.n_warnings, 0);
	CHECK_STR(s.annotations[4].key, "example.com/team");
	CHECK_INT(s.n_labels, 2);
	CHECK_STR(s.labels[1].key, "tier");
	obj = irsa_sa_spec_object(&s);
	dump = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK_STR(dump, "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"web\","
			"\"namespace\":\"apps\",\"labels\":{\"app.kubernetes.io/name\":\"web\",\"tier\":\"\"},"
			"\"annotations\":{\"eks.amazonaws.com/role-arn\":\"arn:aws:iam::111122223333:role/web\","
			"\"eks.amazonaws.com/audience\":\"sts.amazonaws.com\","
			"\"eks.amazonaws.com/sts-regional-endpoints\":\"true\","
			"\"eks.amazonaws.com/token-expiration\":\"3600\","
			"\"example.com/team\":\"payments\"}}}");
	free(dump);
	json_decref(obj);
	irsa_sa_spec_release(&s);
}

TEST(spec_token_expiration)
{
	struct irsa_sa_options o = { .namespace = "apps", .name = "web",
				     .role_arn = "arn:aws:iam::111122223333:role/web" };
	struct irsa_sa_spec s;
	struct irsa_error err = { 0 };

	o.token_expiration = "300";
	CHECK_INT(build(&o, &s, &err), 0);
	CHECK_INT(s.n_warnings, 1);
	CHECK(s.n_warnings && strstr(s.warnings[0], "raises it to 600") != NULL);
	irsa_sa_spec_release(&s);
	o.token_expiration = "90000";
	CHECK_INT(build(&o, &s, &err), 0);
	CHECK(s.n_warnings && strstr(s.warnings[0], "caps it at 86400") != NULL);
	irsa_sa_spec_release(&s);
	o.token_expiration = "0600";
	CHECK_INT(build(&o, &s, &err), 0);
	CHECK_STR(s.annotations[1].value, "600");
	CHECK_INT(s.n_warnings, 0);
	irsa_sa_spec_release(&s);
	const char *bad[] = { "0", "-5", "1h", "", " 600", "99999999999999999999999" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		o.token_expiration = bad[i];
		CHECK_INT(build(&o, &s, &err), -1);
		CHECK_INT(err.kind, IRSA_ERR_USAGE);
		CHECK(strstr(err.message, "token expiration") != NULL);
		irsa_sa_spec_release(&s);
	}
}

TEST(spec_bad_input)
{
	const char *dup[] = { "a=1", "a=2" };
	const char *noeq[] = { "a" };
	const char *owned[] = { "eks.amazonaws.com/audience=x" };
	const char *badlbl[] = { "app=has space" };
	const char *badkey[] = { "Bad_Prefix.com/x=1" };
	struct {
		struct irsa_sa_options o;
		const char *want;
	} cases[] = {
		{ { .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web" }, "--namespace is required" },
		{ { .namespace = "apps", .role_arn = "arn:aws:iam::111122223333:role/web" }, "--service-account is required" },
		{ { .namespace = "Apps", .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web" }, "namespace 'Apps'" },
		{ { .namespace = "apps", .name = "web_1", .role_arn = "arn:aws:iam::111122223333:role/web" }, "service account name 'web_1'" },
		{ { .namespace = "apps", .name = "web" }, "--role-arn or --role-name is required" },
		{ { .namespace = "apps", .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web", .role_name = "x" }, "not both" },
		{ { .namespace = "apps", .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web", .role_path = "/x/" }, "--path goes with --role-name" },
		{ { .namespace = "apps", .name = "web", .role_name = "bad name" }, "role name 'bad name'" },
		{ { .namespace = "apps", .name = "web", .role_name = "ok", .role_path = "x" }, "IAM path 'x'" },
		{ { .namespace = "apps", .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web", .sts_regional_endpoints = "yes" }, "use 'true' or 'false'" },
		{ { .namespace = "apps", .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web", .audience = "" }, "audience ''" },
		{ { .namespace = "apps", .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web", .annotations = dup, .n_annotations = 2 }, "given more than once" },
		{ { .namespace = "apps", .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web", .annotations = noeq, .n_annotations = 1 }, "needs a value" },
		{ { .namespace = "apps", .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web", .annotations = owned, .n_annotations = 1 }, "is written by --audience" },
		{ { .namespace = "apps", .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web", .labels = badlbl, .n_labels = 1 }, "value 'has space' of label 'app'" },
		{ { .namespace = "apps", .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web", .annotations = badkey, .n_annotations = 1 }, "invalid prefix" },
		{ { .namespace = "apps", .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web", .remove = true }, "--remove takes" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct irsa_sa_spec s;
		struct irsa_error err = { 0 };

		if (build(&cases[i].o, &s, &err) != -1 || err.kind != IRSA_ERR_USAGE ||
		    !strstr(err.message, cases[i].want)) {
			printf("#   case %zu: got '%s', want '%s'\n", i, err.message, cases[i].want);
			tap_case_failed = 1;
		}
		CHECK(strchr(err.message, '\n') == NULL);
		irsa_sa_spec_release(&s);
	}
}

TEST(spec_remove)
{
	const char *ann[] = { "example.com/team" };
	const char *lbl[] = { "app=ignored" };
	struct irsa_sa_options o = { .namespace = "apps", .name = "web", .remove = true,
				     .annotations = ann, .n_annotations = 1,
				     .labels = lbl, .n_labels = 1 };
	struct irsa_sa_spec s;
	struct irsa_error err = { 0 };
	json_t *a = json_pack("{s:s, s:s, s:s}", IRSA_SA_ANNOTATION_ROLE_ARN, "x",
			      "example.com/team", "t", "keep", "k");
	json_t *l = json_pack("{s:s}", "app", "web");
	bool changed = false;

	CHECK_INT(build(&o, &s, &err), 0);
	CHECK_INT(s.n_annotations, 5);
	CHECK(irsa_sa_spec_role_arn(&s) == NULL);
	CHECK(s.labels[0].value == NULL);
	CHECK_INT(irsa_sa_check(&s, a, l, false, "x", &changed, &err), 0);
	CHECK(changed);
	irsa_sa_merge(&s, a, l);
	CHECK_INT(json_object_size(a), 1);
	CHECK(json_object_get(a, "keep") != NULL);
	CHECK_INT(json_object_size(l), 0);
	CHECK_INT(irsa_sa_check(&s, a, l, false, "x", &changed, &err), 0);
	CHECK(!changed);
	json_decref(a);
	json_decref(l);
	irsa_sa_spec_release(&s);
}

TEST(overwrite_rule)
{
	struct irsa_sa_options o = { .namespace = "apps", .name = "web",
				     .role_arn = "arn:aws:iam::111122223333:role/web",
				     .audience = "sts.amazonaws.com" };
	struct irsa_sa_spec s;
	struct irsa_error err = { 0 };
	json_t *a = json_pack("{s:s}", IRSA_SA_ANNOTATION_ROLE_ARN, "arn:aws:iam::111122223333:role/old");
	bool changed = false;

	CHECK_INT(build(&o, &s, &err), 0);
	CHECK_INT(irsa_sa_check(&s, a, NULL, false, "the cluster", &changed, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_CONFLICT);
	CHECK(strstr(err.message, "'arn:aws:iam::111122223333:role/old'") != NULL);
	CHECK(strstr(err.message, "--overwrite") != NULL);
	CHECK(strstr(err.message, "'apps/web'") != NULL);
	CHECK_INT(irsa_sa_check(&s, a, NULL, true, "the cluster", &changed, &err), 0);
	CHECK(changed);
	irsa_sa_merge(&s, a, NULL);
	CHECK_INT(irsa_sa_check(&s, a, NULL, false, "the cluster", &changed, &err), 0);
	CHECK(!changed);
	/* a nil current state: everything is new */
	CHECK_INT(irsa_sa_check(&s, NULL, NULL, false, "x", &changed, &err), 0);
	CHECK(changed);
	json_decref(a);
	irsa_sa_spec_release(&s);
}

TEST(role_name_unresolved)
{
	struct irsa_sa_options o = { .namespace = "apps", .name = "web", .role_name = "web",
				     .role_path = "/irsa/" };
	struct irsa_sa_spec s;
	struct irsa_error err = { 0 };
	bool changed;

	CHECK_INT(build(&o, &s, &err), 0);
	CHECK(!s.role_resolved);
	CHECK_STR(s.role_path, "/irsa/");
	CHECK_INT(irsa_sa_check(&s, NULL, NULL, false, "x", &changed, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_INTERNAL);
	irsa_sa_spec_release(&s);
}

TEST(namespace_later)
{
	struct irsa_sa_options o = { .name = "web", .role_arn = "arn:aws:iam::111122223333:role/web" };
	struct irsa_sa_spec s;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_sa_spec_build(&o, true, &s, &err), 0);
	CHECK(s.namespace == NULL);
	CHECK_INT(irsa_sa_spec_set_namespace(&s, "Bad", &err), -1);
	CHECK_INT(irsa_sa_spec_set_namespace(&s, "team-a", &err), 0);
	CHECK_STR(s.namespace, "team-a");
	irsa_sa_spec_release(&s);
}

/* The start of the ServiceAccount apps/web as the cluster has it, with
 * the role annotation and more to come. */
#define CURRENT_WEB_WITH_ROLE \
	"{\"metadata\":{\"name\":\"web\",\"namespace\":\"apps\"," \
	"\"annotations\":{\"eks.amazonaws.com/role-arn\":\"arn:aws:iam::111122223333:role/web\","

TEST(apply_object_keeps_owned)
{
	const char *ann[] = { "example.com/x=1" };
	struct irsa_sa_options o = { .namespace = "apps", .name = "web",
				     .role_arn = "arn:aws:iam::111122223333:role/web",
				     .annotations = ann, .n_annotations = 1 };
	struct irsa_sa_spec s;
	struct irsa_error err = { 0 };
	json_error_t je;
	json_t *cur = json_loads(
		CURRENT_WEB_WITH_ROLE
		"\"eks.amazonaws.com/audience\":\"sts.amazonaws.com\",\"theirs\":\"t\"},"
		"\"labels\":{\"app\":\"web\"},"
		"\"managedFields\":["
		"{\"manager\":\"irsactl\",\"operation\":\"Apply\",\"fieldsV1\":{\"f:metadata\":{"
		"\"f:annotations\":{\"f:eks.amazonaws.com/role-arn\":{},\"f:eks.amazonaws.com/audience\":{}}}}},"
		"{\"manager\":\"kubectl\",\"operation\":\"Update\",\"fieldsV1\":{\"f:metadata\":{"
		"\"f:annotations\":{\".\":{},\"f:theirs\":{}},\"f:labels\":{\"f:app\":{}}}}}]}}",
		0, &je);
	json_t *obj;
	char *dump;

	CHECK(cur != NULL);
	CHECK(irsa_sa_owned_by_irsactl(cur, "eks.amazonaws.com/audience", false));
	CHECK(!irsa_sa_owned_by_irsactl(cur, "theirs", false));
	CHECK(!irsa_sa_owned_by_irsactl(cur, "app", true));

	CHECK_INT(build(&o, &s, &err), 0);
	obj = irsa_sa_apply_object(&s, cur);
	dump = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR(dump, "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{"
			"\"annotations\":{\"eks.amazonaws.com/audience\":\"sts.amazonaws.com\","
			"\"eks.amazonaws.com/role-arn\":\"arn:aws:iam::111122223333:role/web\","
			"\"example.com/x\":\"1\"},\"name\":\"web\",\"namespace\":\"apps\"}}");
	free(dump);
	json_decref(obj);
	irsa_sa_spec_release(&s);

	/* nothing there yet */
	CHECK_INT(build(&o, &s, &err), 0);
	obj = irsa_sa_apply_object(&s, NULL);
	CHECK_INT(json_object_size(json_object_get(json_object_get(obj, "metadata"), "annotations")), 2);
	json_decref(obj);
	irsa_sa_spec_release(&s);
	json_decref(cur);
}

TEST(remove_patch)
{
	const char *ann[] = { "example.com/x", "example.com/absent" };
	const char *lbl[] = { "irsa" };
	struct irsa_sa_options o = { .namespace = "apps", .name = "web", .remove = true,
				     .annotations = ann, .n_annotations = 2,
				     .labels = lbl, .n_labels = 1 };
	struct irsa_sa_spec s;
	struct irsa_error err = { 0 };
	json_error_t je;
	json_t *cur = json_loads(
		CURRENT_WEB_WITH_ROLE
		"\"example.com/x\":\"1\",\"theirs\":\"t\"},\"labels\":{\"app\":\"web\",\"irsa\":\"yes\"}}}",
		0, &je);
	json_t *bare = json_loads("{\"metadata\":{\"name\":\"web\",\"annotations\":{\"theirs\":\"t\"}}}",
				  0, &je);
	json_t *patch;
	char *dump;

	CHECK(cur != NULL && bare != NULL);
	CHECK_INT(build(&o, &s, &err), 0);
	patch = irsa_sa_remove_patch(&s, cur);
	dump = json_dumps(patch, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR(dump, "{\"metadata\":{\"annotations\":{\"eks.amazonaws.com/role-arn\":null,"
			"\"example.com/x\":null},\"labels\":{\"irsa\":null}}}");
	free(dump);
	json_decref(patch);
	/* nothing to take off: no patch at all */
	CHECK(irsa_sa_remove_patch(&s, bare) == NULL);
	CHECK(irsa_sa_remove_patch(&s, NULL) == NULL);
	irsa_sa_spec_release(&s);
	json_decref(cur);
	json_decref(bare);
}

TEST(status_names)
{
	CHECK_STR(irsa_sa_status_name(IRSA_SA_CREATED), "created");
	CHECK_STR(irsa_sa_status_name(IRSA_SA_UPDATED), "updated");
	CHECK_STR(irsa_sa_status_name(IRSA_SA_UNCHANGED), "unchanged");
}

int main(void)
{
	RUN(qualified_names);
	RUN(label_values);
	RUN(role_arns);
	RUN(spec_all_annotations);
	RUN(spec_token_expiration);
	RUN(spec_bad_input);
	RUN(spec_remove);
	RUN(overwrite_rule);
	RUN(role_name_unresolved);
	RUN(namespace_later);
	RUN(apply_object_keeps_owned);
	RUN(remove_patch);
	RUN(status_names);
	return tap_done();
}
