/* Unit tests: customer-managed policy planning, names, ARNs, deletion rule. */
#include "tap.h"
#include "irsa/managed_policy.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"

static json_t *doc_for(const char *bucket)
{
	char *text = irsa_asprintf("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
				   "\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":"
				   "\"arn:aws:s3:::%s/*\"}]}", bucket);
	json_t *doc = NULL;
	struct irsa_error err = { 0 };

	irsa_policy_parse(text, "test", &doc, &err);
	free(text);
	return doc;
}

TEST(missing_policy_is_created)
{
	json_t *want = doc_for("a");
	struct irsa_managed_policy_current cur = { 0 };
	struct irsa_managed_policy_plan plan;
	struct irsa_error err = { 0 };

	CHECK_INT(irsa_managed_policy_plan(want, &cur, &plan, &err), 0);
	CHECK_INT(plan.step, IRSA_MANAGED_POLICY_CREATE);
	CHECK(!plan.delete_version_id);
	irsa_managed_policy_plan_release(&plan);
	json_decref(want);
}

TEST(same_document_in_another_shape_is_unchanged)
{
	json_t *want = doc_for("a"), *have = NULL;
	struct irsa_error err = { 0 };
	struct irsa_policy_version v[] = { { (char *)"v1", true, (char *)"2026-01-01T00:00:00Z" } };
	struct irsa_managed_policy_current cur = { true, NULL, v, 1 };
	struct irsa_managed_policy_plan plan;

	irsa_policy_parse("{\"Statement\":{\"Resource\":[\"arn:aws:s3:::a/*\"],\"Effect\":\"Allow\","
			  "\"Action\":[\"s3:GetObject\"]},\"Version\":\"2012-10-17\"}",
			  "test", &have, &err);
	cur.default_document = have;
	CHECK_INT(irsa_managed_policy_plan(want, &cur, &plan, &err), 0);
	CHECK_INT(plan.step, IRSA_MANAGED_POLICY_UNCHANGED);
	irsa_managed_policy_plan_release(&plan);
	json_decref(want);
	json_decref(have);
}

TEST(changed_document_gets_a_new_version)
{
	json_t *want = doc_for("b"), *have = doc_for("a");
	struct irsa_error err = { 0 };
	struct irsa_policy_version v[] = {
		{ (char *)"v2", true, (char *)"2026-01-02T00:00:00Z" },
		{ (char *)"v1", false, (char *)"2026-01-01T00:00:00Z" },
	};
	struct irsa_managed_policy_current cur = { true, have, v, 2 };
	struct irsa_managed_policy_plan plan;

	CHECK_INT(irsa_managed_policy_plan(want, &cur, &plan, &err), 0);
	CHECK_INT(plan.step, IRSA_MANAGED_POLICY_NEW_VERSION);
	CHECK(!plan.delete_version_id);
	irsa_managed_policy_plan_release(&plan);
	json_decref(want);
	json_decref(have);
}

TEST(five_versions_delete_the_oldest_non_default)
{
	json_t *want = doc_for("b"), *have = doc_for("a");
	struct irsa_error err = { 0 };
	/* v2 is the default and the oldest; v3 and v11 share a date: v3 is older */
	struct irsa_policy_version v[] = {
		{ (char *)"v12", false, (char *)"2026-01-05T00:00:00Z" },
		{ (char *)"v11", false, (char *)"2026-01-03T00:00:00Z" },
		{ (char *)"v9", false, (char *)"2026-01-04T00:00:00Z" },
		{ (char *)"v3", false, (char *)"2026-01-03T00:00:00Z" },
		{ (char *)"v2", true, (char *)"2026-01-01T00:00:00Z" },
	};
	struct irsa_managed_policy_current cur = { true, have, v, 5 };
	struct irsa_managed_policy_plan plan;

	CHECK_INT(irsa_managed_policy_plan(want, &cur, &plan, &err), 0);
	CHECK_INT(plan.step, IRSA_MANAGED_POLICY_NEW_VERSION);
	CHECK_STR(plan.delete_version_id, "v3");
	irsa_managed_policy_plan_release(&plan);
	/* a broken answer: five versions, all default */
	for (size_t i = 0; i < 5; i++)
		v[i].is_default = true;
	CHECK_INT(irsa_managed_policy_plan(want, &cur, &plan, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_REMOTE);
	json_decref(want);
	json_decref(have);
}

TEST(names_and_arns)
{
	struct irsa_kv params[] = { { (char *)"bucket", (char *)"data" } };
	struct irsa_kv other[] = { { (char *)"bucket", (char *)"logs" } };
	struct irsa_policy_ref bare = { (char *)"ecr-pull", NULL, 0 };
	struct irsa_policy_ref a = { (char *)"s3-read", params, 1 };
	struct irsa_policy_ref b = { (char *)"s3-read", other, 1 };
	char *n0 = irsa_managed_policy_name(&bare), *na = irsa_managed_policy_name(&a);
	char *na2 = irsa_managed_policy_name(&a), *nb = irsa_managed_policy_name(&b);
	char *arn = irsa_managed_policy_arn("aws-cn", "111122223333", "/irsa/", na);
	char *root = irsa_managed_policy_arn("aws", "111122223333", NULL, n0);

	CHECK_STR(n0, "irsactl-ecr-pull");
	CHECK(irsa_str_has_prefix(na, "irsactl-s3-read-"));
	CHECK_INT(strlen(na), strlen("irsactl-s3-read-") + 8);
	CHECK_STR(na, na2);
	CHECK(strcmp(na, nb) != 0);
	CHECK(irsa_str_has_prefix(arn, "arn:aws-cn:iam::111122223333:policy/irsa/irsactl-s3-read-"));
	CHECK_STR(root, "arn:aws:iam::111122223333:policy/irsactl-ecr-pull");
	free(n0);
	free(na);
	free(na2);
	free(nb);
	free(arn);
	free(root);
}

TEST(deletable_only_when_ours_and_unshared)
{
	struct irsa_tags ours = { 0 }, theirs = { 0 };
	struct irsa_strlist only_me = { 0 }, shared = { 0 }, nobody = { 0 };

	irsa_tags_add(&ours, "managed-by", "irsactl");
	irsa_tags_add(&theirs, "team", "payments");
	irsa_strlist_add(&only_me, "App");
	irsa_strlist_add(&shared, "app");
	irsa_strlist_add(&shared, "worker");
	CHECK(irsa_managed_policy_deletable(&ours, "app", &only_me));
	CHECK(irsa_managed_policy_deletable(&ours, "app", &nobody));
	CHECK(!irsa_managed_policy_deletable(&ours, "app", &shared));
	CHECK(!irsa_managed_policy_deletable(&theirs, "app", &only_me));
	irsa_tags_release(&ours);
	irsa_tags_release(&theirs);
	irsa_strlist_release(&only_me);
	irsa_strlist_release(&shared);
}

/* The reason the policy of use stays when 'app' is deleted (NULL: it goes). */
static char *kept(const struct irsa_managed_policy_use *use)
{
	return irsa_managed_policy_kept_reason(use, "app");
}

TEST(kept_reason_attached_and_boundary)
{
	struct irsa_tags ours = { 0 }, theirs = { 0 };
	struct irsa_strlist me = { 0 }, me_and_two = { 0 }, none = { 0 }, worker = { 0 };
	struct irsa_managed_policy_use use = { &ours, 1, &me, 0, &none };
	char *why;

	irsa_tags_add(&ours, "managed-by", "irsactl");
	irsa_tags_add(&theirs, "managed-by", "terraform");
	irsa_strlist_add(&me, "APP");
	irsa_strlist_add(&me_and_two, "app");
	irsa_strlist_add(&me_and_two, "worker");
	irsa_strlist_add(&me_and_two, "batch");
	irsa_strlist_add(&worker, "worker");

	CHECK(kept(&use) == NULL);
	/* the role deleted is the boundary's only user: it goes with the role */
	use.boundary_count = 1;
	use.boundary_roles = &me;
	CHECK(kept(&use) == NULL);

	use.tags = &theirs;
	CHECK_STR(why = kept(&use), "irsactl did not make it (no tag managed-by=irsactl)");
	free(why);
	use.tags = &ours;

	use.boundary_count = 1;
	use.boundary_roles = &worker;
	CHECK_STR(why = kept(&use), "it is the permissions boundary of the role 'worker'");
	free(why);
	use.boundary_count = 3;
	use.boundary_roles = &me_and_two;
	CHECK_STR(why = kept(&use),
		  "it is the permissions boundary of the roles 'worker', 'batch'");
	free(why);
	/* the count takes in users, the list names roles only */
	use.boundary_count = 2;
	use.boundary_roles = &worker;
	CHECK_STR(why = kept(&use),
		  "it is the permissions boundary of the role 'worker' and of users");
	free(why);
	use.boundary_count = 1;
	use.boundary_roles = &none;
	CHECK_STR(why = kept(&use), "it is the permissions boundary of users");
	free(why);
	use.boundary_roles = NULL;
	CHECK_STR(why = kept(&use), "it is the permissions boundary of users");
	free(why);

	/* attached elsewhere too: both reasons */
	use.attachment_count = 3;
	use.roles = &me_and_two;
	CHECK_STR(why = kept(&use), "the roles 'worker', 'batch' also use it; "
		  "it is the permissions boundary of users");
	free(why);
	use.boundary_count = 0;
	use.attachment_count = 2;
	use.roles = &me;
	CHECK_STR(why = kept(&use), "users or groups use it");
	free(why);
	use.attachment_count = 2;
	use.roles = &worker;
	CHECK_STR(why = kept(&use), "the role 'worker' also uses it");
	free(why);

	irsa_tags_release(&ours);
	irsa_tags_release(&theirs);
	irsa_strlist_release(&me);
	irsa_strlist_release(&me_and_two);
	irsa_strlist_release(&worker);
}

int main(void)
{
	RUN(missing_policy_is_created);
	RUN(same_document_in_another_shape_is_unchanged);
	RUN(changed_document_gets_a_new_version);
	RUN(five_versions_delete_the_oldest_non_default);
	RUN(names_and_arns);
	RUN(deletable_only_when_ours_and_unshared);
	RUN(kept_reason_attached_and_boundary);
	return tap_done();
}
