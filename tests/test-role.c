/* Unit tests: role plans computed against a state (no AWS). */
#include "tap.h"
#include "irsa/names.h"
#include "irsa/role.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"

#define KEY "oidc.example.com/id/1"

static json_t *trust_for(const char *sa)
{
	struct irsa_subject s = { (char *)"default", (char *)sa };
	struct irsa_trust_provider p = { KEY, &s, 1 };
	struct irsa_trust_spec spec = { "aws", "111122223333", NULL, &p, 1, NULL, 0 };
	json_t *doc = NULL;

	irsa_trust_render(&spec, &doc, NULL);
	return doc;
}

static json_t *trust_doc(void)
{
	return trust_for("app");
}

static json_t *s3_doc(void)
{
	return json_loads("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
			  "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}", 0, NULL);
}

static void state_with_role(struct irsa_role_state *st, const json_t *trust, const char *inline_doc)
{
	memset(st, 0, sizeof(*st));
	st->exists = true;
	st->role.name = irsa_strdup("r");
	st->role.arn = irsa_strdup("arn:aws:iam::111122223333:role/r");
	st->role.path = irsa_strdup("/");
	st->role.trust_policy = irsa_policy_compact(trust);
	st->role.max_session_duration = 3600;
	if (inline_doc) {
		irsa_strlist_add(&st->inline_names, "irsactl-s3-read");
		st->inline_docs = irsa_malloc0(2 * sizeof(char *));
		st->inline_docs[0] = irsa_strdup(inline_doc);
	}
}

/* A request for role r: the trust of default/app and the inline policy
 * irsactl-s3-read. */
struct s3_role {
	json_t *trust, *s3;
	struct irsa_inline_policy inl;
	struct irsa_role_request req;
};

static void s3_role_init(struct s3_role *r)
{
	r->trust = trust_doc();
	r->s3 = s3_doc();
	r->inl = (struct irsa_inline_policy){ "irsactl-s3-read", r->s3 };
	r->req = (struct irsa_role_request){ .role_name = "r", .trust = r->trust,
					     .inline_policies = &r->inl, .n_inline_policies = 1 };
}

static void s3_role_release(struct s3_role *r)
{
	json_decref(r->trust);
	json_decref(r->s3);
}

TEST(new_role)
{
	const char *arns[] = { "arn:aws-cn:iam::aws:policy/ReadOnlyAccess" };
	struct s3_role r;
	struct irsa_role_state st = { 0 };
	struct irsa_role_plan plan = { 0 };
	struct irsa_error err = { 0 };

	s3_role_init(&r);
	r.req.path = "/irsa/";
	r.req.managed_arns = arns;
	r.req.n_managed_arns = 1;
	r.req.partition = "aws-cn";
	r.req.account = "111122223333";
	CHECK_INT(irsa_role_plan_apply_compute(&r.req, &st, &plan, &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_CREATE);
	CHECK_STR(plan.role_arn, "arn:aws-cn:iam::111122223333:role/irsa/r");
	CHECK_INT(plan.plan.n_actions, 3);
	CHECK_STR(plan.plan.actions[0].verb, "create-role");
	CHECK_STR(plan.plan.actions[1].verb, "attach-role-policy");
	CHECK_STR(plan.plan.actions[2].verb, "put-role-policy");
	CHECK(json_equal(plan.plan.actions[0].document, r.trust));
	/* a role irsactl creates says so */
	CHECK_INT(plan.tags.n, 1);
	CHECK_STR(plan.tags.items[0].key, "managed-by");
	CHECK_STR(plan.tags.items[0].value, "irsactl");
	irsa_role_plan_release(&plan);
	s3_role_release(&r);
}

/* IAM keeps one tag per key ignoring case: "team" matches an existing
 * "Team", so a second run converges instead of tagging again. */
TEST(tags_compared_case_insensitively)
{
	json_t *trust = trust_doc();
	struct irsa_tags tags = { 0 };
	struct irsa_role_request req = { .role_name = "r", .trust = trust, .tags = &tags };
	struct irsa_role_state st;
	struct irsa_role_plan plan = { 0 };
	struct irsa_error err = { 0 };

	state_with_role(&st, trust, NULL);
	irsa_tags_add(&st.role.tags, "Team", "payments");
	irsa_tags_add(&tags, "team", "payments");
	CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), 0);
	CHECK_INT(plan.plan.n_actions, 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_UNCHANGED);
	irsa_role_plan_release(&plan);
	free(tags.items[0].value);
	tags.items[0].value = irsa_strdup("billing");
	CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), 0);
	CHECK_INT(plan.plan.n_actions, 1);
	CHECK_STR(plan.plan.actions[0].details, "team");
	/* an existing role taken over is not marked as irsactl's */
	CHECK_INT(plan.tags.n, 1);
	CHECK(irsa_tags_find(&plan.tags, "managed-by") == NULL);
	irsa_role_plan_release(&plan);
	irsa_tags_release(&tags);
	irsa_role_state_release(&st);
	json_decref(trust);
}

/* The inline total counts the policies already on the role that stay. */
TEST(inline_total_counts_foreign_policies)
{
	struct s3_role r;
	struct irsa_role_state st;
	struct irsa_role_plan plan = { 0 };
	struct irsa_error err = { 0 };
	char *big = irsa_malloc0(10300);

	s3_role_init(&r);
	strcpy(big, "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"a:b\",\"Resource\":\"");
	memset(big + strlen(big), 'x', 10200);
	strcat(big, "\"}]}");
	state_with_role(&st, r.trust, NULL);
	irsa_strlist_add(&st.inline_names, "by-hand");
	st.inline_docs = irsa_malloc0(2 * sizeof(char *));
	st.inline_docs[0] = big;
	CHECK_INT(irsa_role_plan_apply_compute(&r.req, &st, &plan, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_USAGE);
	CHECK(strstr(err.message, "'by-hand' already on the role"));
	irsa_role_state_release(&st);
	s3_role_release(&r);
}

TEST(existing_role_unchanged_then_updated)
{
	struct s3_role r;
	char *s3_text;
	struct irsa_role_state st;
	struct irsa_role_plan plan = { 0 };
	struct irsa_error err = { 0 };
	json_t *j;

	s3_role_init(&r);
	s3_text = irsa_policy_compact(r.s3);
	state_with_role(&st, r.trust, s3_text);
	CHECK_INT(irsa_role_plan_apply_compute(&r.req, &st, &plan, &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_UNCHANGED);
	CHECK_INT(plan.plan.n_actions, 0);
	j = irsa_plan_to_json(&plan.plan);
	CHECK_STR(json_string_value(json_object_get(j, "status")), "unchanged");
	CHECK(json_is_true(json_object_get(j, "dry_run")));
	json_decref(j);
	irsa_role_plan_release(&plan);
	r.req.description = "new";
	r.req.max_session_duration = 7200;
	CHECK_INT(irsa_role_plan_apply_compute(&r.req, &st, &plan, &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_UPDATE);
	CHECK_INT(plan.plan.n_actions, 1);
	CHECK_STR(plan.plan.actions[0].details, "description, max-session-duration 7200");
	CHECK_INT(json_integer_value(json_object_get(json_object_get(plan.plan.actions[0].changes,
								     "max_session_duration"), "to")),
		  7200);
	irsa_role_plan_release(&plan);
	/* a changed inline policy: the plan carries the document it replaces */
	{
		json_t *s3b = json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "Version", "2012-10-17",
					"Statement", "Effect", "Allow", "Action", "s3:GetObject",
					"Resource", "arn:aws:s3:::other/*");
		struct irsa_inline_policy inl2 = { "irsactl-s3-read", s3b };
		char *diff;

		r.req.description = NULL;
		r.req.max_session_duration = 0;
		r.req.inline_policies = &inl2;
		CHECK_INT(irsa_role_plan_apply_compute(&r.req, &st, &plan, &err), 0);
		CHECK_INT(plan.plan.status, IRSA_PLAN_UPDATE);
		CHECK_INT(plan.plan.n_actions, 1);
		CHECK(json_equal(plan.plan.actions[0].before, r.s3));
		diff = irsa_json_diff(plan.plan.actions[0].before, plan.plan.actions[0].document);
		CHECK(diff && strstr(diff, "+      \"Resource\": \"arn:aws:s3:::other/*\""));
		free(diff);
		j = irsa_plan_to_json(&plan.plan);
		CHECK_STR(json_string_value(json_object_get(j, "status")), "update");
		CHECK(json_is_string(json_object_get(json_array_get(json_object_get(j, "actions"), 0),
						     "diff")));
		json_decref(j);
		r.req.inline_policies = &r.inl;
		r.req.description = "new";
		json_decref(s3b);
	}
	irsa_role_plan_release(&plan);
	r.req.path = "/other/";
	CHECK_INT(irsa_role_plan_apply_compute(&r.req, &st, &plan, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_CONFLICT);
	CHECK(strstr(err.message, "cannot move"));
	irsa_role_state_release(&st);
	free(s3_text);
	s3_role_release(&r);
}

TEST(existing_role_trust_differs)
{
	json_t *trust = trust_doc(), *wanted = trust_for("worker"), *subs;
	struct irsa_role_request req = { .role_name = "r", .trust = wanted };
	struct irsa_role_state st;
	struct irsa_role_plan plan = { 0 };
	struct irsa_error err = { 0 };

	state_with_role(&st, trust, NULL);
	CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_UPDATE);
	REQUIRE(plan.plan.n_actions == 1);
	CHECK_STR(plan.plan.actions[0].verb, "update-trust-policy");
	/* the new subject joins the existing one: nothing is dropped */
	subs = json_object_get(json_object_get(json_object_get(json_array_get(
		json_object_get(plan.plan.actions[0].document, "Statement"), 0), "Condition"),
		"StringEquals"), KEY ":sub");
	CHECK_INT(json_array_size(subs), 2);
	CHECK(json_equal(plan.plan.actions[0].document, plan.trust));
	irsa_role_plan_release(&plan);
	irsa_role_state_release(&st);
	json_decref(trust);
	json_decref(wanted);
}

TEST(prune_and_managed_limit)
{
	json_t *trust = trust_doc();
	struct irsa_role_request req = { .role_name = "r", .trust = trust };
	struct irsa_role_state st;
	struct irsa_role_plan plan = { 0 };
	struct irsa_error err = { 0 };
	const char *arns[11];
	char buf[11][64];

	state_with_role(&st, trust, NULL);
	irsa_strlist_add(&st.inline_names, "irsactl-old");
	irsa_strlist_add(&st.inline_names, "hand-written");
	st.inline_docs = irsa_malloc0(3 * sizeof(char *));
	st.attached = irsa_malloc0(sizeof(*st.attached));
	st.attached[0].arn = irsa_strdup("arn:aws:iam::aws:policy/ByHand");
	st.attached[0].name = irsa_strdup("ByHand");
	st.n_attached = 1;
	CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), 0);
	CHECK_INT(plan.plan.n_actions, 0);
	CHECK_INT(plan.plan.notes.n, 2);
	irsa_role_plan_release(&plan);
	req.prune = true;
	CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), 0);
	CHECK_INT(plan.plan.n_actions, 2);
	CHECK_STR(plan.plan.actions[0].verb, "detach-role-policy");
	CHECK_STR(plan.plan.actions[1].target, "irsactl-old");
	irsa_role_plan_release(&plan);
	req.prune = false;
	for (int i = 0; i < 10; i++) {
		snprintf(buf[i], sizeof(buf[i]), "arn:aws:iam::aws:policy/P%d", i);
		arns[i] = buf[i];
	}
	req.managed_arns = arns;
	req.n_managed_arns = 10;
	CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_CONFLICT);
	CHECK(strstr(err.message, "11 managed policies"));
	irsa_role_state_release(&st);
	json_decref(trust);
}

/* One customer-managed policy the state says IAM holds with doc as default
 * version, n_versions versions (v1 the oldest), tagged by irsactl or not. */
static void state_with_policy(struct irsa_role_state *st, const char *arn, const json_t *doc,
			      size_t n_versions, bool ours)
{
	struct irsa_managed_policy_state *p;

	st->policies = irsa_malloc0(sizeof(*st->policies));
	st->n_policies = 1;
	p = &st->policies[0];
	p->policy.arn = irsa_strdup(arn);
	p->policy.default_version_id = irsa_asprintf("v%zu", n_versions);
	if (ours)
		irsa_tags_add(&p->policy.tags, "managed-by", "irsactl");
	p->default_document = json_deep_copy(doc);
	p->versions = irsa_malloc0(n_versions * sizeof(*p->versions));
	p->n_versions = n_versions;
	for (size_t i = 0; i < n_versions; i++) {
		/* newest first, as IAM lists them */
		p->versions[i].version_id = irsa_asprintf("v%zu", n_versions - i);
		p->versions[i].create_date = irsa_asprintf("2026-01-0%zuT00:00:00Z", n_versions - i);
		p->versions[i].is_default = i == 0;
	}
	p->current = (struct irsa_managed_policy_current){ true, p->default_document, p->versions,
							   p->n_versions };
}

TEST(customer_managed_policies)
{
	const char *arn = "arn:aws:iam::111122223333:policy/irsactl-file-team";
	json_t *trust = trust_doc(), *s3 = s3_doc(), *other = json_deep_copy(s3);
	struct irsa_role_managed_policy mp = { "irsactl-file-team", arn, "made by irsactl", s3 };
	struct irsa_role_request req = { .role_name = "r", .trust = trust, .managed_policies = &mp,
					 .n_managed_policies = 1, .partition = "aws",
					 .account = "111122223333" };
	struct irsa_role_state st = { 0 };
	struct irsa_role_plan plan = { 0 };
	struct irsa_error err = { 0 };

	/* a new role and a new policy: made, then attached */
	CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), 0);
	CHECK_INT(plan.plan.n_actions, 3);
	CHECK_STR(plan.plan.actions[1].verb, "create-policy");
	CHECK_STR(plan.plan.actions[1].target, arn);
	CHECK(json_equal(plan.plan.actions[1].document, s3));
	CHECK_STR(plan.plan.actions[2].verb, "attach-role-policy");
	CHECK_STR(plan.plan.actions[2].target, arn);
	CHECK_INT(plan.n_policies, 1);
	CHECK_STR(plan.policies[0].name, "irsactl-file-team");
	CHECK(json_equal(json_object_get(plan.customer_managed, arn), s3));
	irsa_role_plan_release(&plan);

	/* the role has it attached and IAM holds the same document: nothing,
	 * and --prune keeps what was asked for */
	state_with_role(&st, trust, NULL);
	st.attached = irsa_malloc0(sizeof(*st.attached));
	st.attached[0].arn = irsa_strdup(arn);
	st.attached[0].name = irsa_strdup("irsactl-file-team");
	st.n_attached = 1;
	state_with_policy(&st, arn, s3, 1, true);
	req.prune = true;
	CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_UNCHANGED);
	CHECK_INT(plan.plan.n_actions, 0);
	irsa_role_plan_release(&plan);
	req.prune = false;

	/* another document and 5 versions: the oldest goes, then a new default */
	json_object_set_new(json_array_get(json_object_get(other, "Statement"), 0), "Action",
			    json_string("s3:PutObject"));
	irsa_managed_policy_state_release(&st.policies[0]);
	free(st.policies);
	state_with_policy(&st, arn, other, 5, true);
	CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), 0);
	CHECK_INT(plan.plan.status, IRSA_PLAN_UPDATE);
	CHECK_INT(plan.plan.n_actions, 2);
	CHECK_STR(plan.plan.actions[0].verb, "delete-policy-version");
	CHECK_STR(plan.plan.actions[0].details, "v1");
	CHECK_STR(plan.plan.actions[1].verb, "create-policy-version");
	CHECK(json_equal(plan.plan.actions[1].before, other));
	CHECK(json_equal(plan.plan.actions[1].document, s3));
	irsa_role_plan_release(&plan);

	/* a policy of that name irsactl did not make is not changed */
	irsa_tags_release(&st.policies[0].policy.tags);
	CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), -1);
	CHECK_INT(err.kind, IRSA_ERR_CONFLICT);
	CHECK(strstr(err.message, "irsactl did not make it"));

	/* customer-managed policies count towards the 10 per role */
	{
		const char *arns[9];
		char buf[9][64];

		irsa_tags_add(&st.policies[0].policy.tags, "managed-by", "irsactl");
		for (int i = 0; i < 9; i++) {
			snprintf(buf[i], sizeof(buf[i]), "arn:aws:iam::aws:policy/P%d", i);
			arns[i] = buf[i];
		}
		req.managed_arns = arns;
		req.n_managed_arns = 9;
		CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), 0);
		irsa_role_plan_release(&plan);
		st.attached = irsa_realloc(st.attached, 2 * sizeof(*st.attached));
		st.attached[1].arn = irsa_strdup("arn:aws:iam::aws:policy/ByHand");
		st.attached[1].name = irsa_strdup("ByHand");
		st.n_attached = 2;
		CHECK_INT(irsa_role_plan_apply_compute(&req, &st, &plan, &err), -1);
		CHECK(strstr(err.message, "11 managed policies"));
	}
	irsa_role_state_release(&st);
	json_decref(trust);
	json_decref(s3);
	json_decref(other);
}

int main(void)
{
	RUN(new_role);
	RUN(tags_compared_case_insensitively);
	RUN(inline_total_counts_foreign_policies);
	RUN(existing_role_unchanged_then_updated);
	RUN(existing_role_trust_differs);
	RUN(prune_and_managed_limit);
	RUN(customer_managed_policies);
	return tap_done();
}
