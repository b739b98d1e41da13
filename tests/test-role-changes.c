/* Unit tests: a role plan run step by step as apply's waves run it
 * (irsa_role_plan_next_change / _change_done), and a role's state from a
 * batch read (irsa_role_state_from_details). No AWS: the outcomes of the
 * changes are filled in by the test. */
#include "tap.h"
#include "irsa/role.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"

#define KEY "oidc.example.com/id/1"
#define ARN "arn:aws:iam::111122223333:role/r"

static json_t *trust_doc(void)
{
	struct irsa_subject s = { (char *)"default", (char *)"app" };
	struct irsa_trust_provider p = { KEY, &s, 1 };
	struct irsa_trust_spec spec = { "aws", "111122223333", NULL, &p, 1, NULL, 0 };
	json_t *doc = NULL;

	irsa_trust_render(&spec, &doc, NULL);
	return doc;
}

static json_t *policy_doc(const char *action)
{
	return json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "Version", "2012-10-17", "Statement",
			 "Effect", "Allow", "Action", action, "Resource", "*");
}

struct fixture {
	json_t *trust, *s3, *ddb;
	struct irsa_inline_policy inl[2];
	const char *arns[1];
	struct irsa_role_request req;
	/* the role as it is, the plan from it, and the change it hands out */
	struct irsa_role_state st;
	struct irsa_role_plan plan;
	struct irsa_iam_role_change c;
	struct irsa_error err;
	char *doc;
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->trust = trust_doc();
	f->s3 = policy_doc("s3:GetObject");
	f->ddb = policy_doc("dynamodb:GetItem");
	f->inl[0] = (struct irsa_inline_policy){ "irsactl-s3-read", f->s3 };
	f->inl[1] = (struct irsa_inline_policy){ "irsactl-dynamodb-read", f->ddb };
	f->arns[0] = "arn:aws:iam::aws:policy/ReadOnlyAccess";
	f->req = (struct irsa_role_request){
		.role_name = "r", .trust = f->trust, .description = "d",
		.managed_arns = f->arns, .n_managed_arns = 1,
		.inline_policies = f->inl, .n_inline_policies = 2,
		.partition = "aws", .account = "111122223333",
	};
}

static void fixture_release(struct fixture *f)
{
	irsa_role_plan_release(&f->plan);
	irsa_role_state_release(&f->st);
	json_decref(f->trust);
	json_decref(f->s3);
	json_decref(f->ddb);
}

static int compute(struct fixture *f)
{
	return irsa_role_plan_apply_compute(&f->req, &f->st, &f->plan, &f->err);
}

/* The plan's next change into f->c and f->doc: 1, or 0 when none is left. */
static int next_change(struct fixture *f)
{
	return irsa_role_plan_next_change(&f->plan, &f->c, &f->doc, &f->err);
}

/* Hand f->c's outcome back to the plan. */
static int change_done(struct fixture *f)
{
	return irsa_role_plan_change_done(&f->plan, &f->c, &f->err);
}

/* The outcome of a change as irsa_iam_change_roles() leaves it. */
static void succeed(struct irsa_iam_role_change *c, const char *created_arn)
{
	c->rc = 0;
	memset(&c->err, 0, sizeof(c->err));
	c->created_arn = created_arn ? irsa_strdup(created_arn) : NULL;
}

static void fail_with(struct irsa_iam_role_change *c, enum irsa_error_kind kind, const char *code)
{
	c->rc = -1;
	irsa_error_set(&c->err, kind, "iam call failed: %s", code);
	snprintf(c->err.code, sizeof(c->err.code), "%s", code);
	c->created_arn = NULL;
}

/* A new role: CreateRole (with its tags and trust), then attach, then
 * each inline policy, one change per call, in the plan's order; the ARN
 * from IAM's answer goes into the report. */
TEST(new_role_step_by_step)
{
	static const enum irsa_iam_role_op want[] = {
		IRSA_IAM_CREATE_ROLE, IRSA_IAM_ATTACH_POLICY, IRSA_IAM_PUT_ROLE_POLICY,
		IRSA_IAM_PUT_ROLE_POLICY,
	};
	struct fixture f;
	size_t step = 0;

	fixture_init(&f);
	REQUIRE(compute(&f) == 0);
	CHECK_INT(f.plan.plan.n_actions, 4);
	while (next_change(&f) == 1) {
		REQUIRE(step < 4);
		CHECK_INT(f.c.op, want[step]);
		CHECK_STR(f.c.role_name, "r");
		if (step == 0) {
			CHECK_STR(f.c.create.name, "r");
			CHECK_STR(f.c.create.description, "d");
			CHECK(f.c.create.trust_policy == f.doc);
			CHECK(strstr(f.doc, "sts:AssumeRoleWithWebIdentity") != NULL);
			REQUIRE(f.c.create.tags != NULL);
			CHECK_STR(f.c.create.tags->items[0].key, "managed-by");
			succeed(&f.c, "arn:aws:iam::111122223333:role/from-iam/r");
		} else {
			if (f.c.op == IRSA_IAM_ATTACH_POLICY)
				CHECK_STR(f.c.target, "arn:aws:iam::aws:policy/ReadOnlyAccess");
			if (step == 2) {
				CHECK_STR(f.c.target, "irsactl-s3-read");
				CHECK(strstr(f.c.document, "s3:GetObject") != NULL);
			}
			succeed(&f.c, NULL);
		}
		CHECK_INT(change_done(&f), 0);
		free(f.c.created_arn);
		free(f.doc);
		step++;
	}
	CHECK_INT(step, 4);
	CHECK(f.plan.plan.executed);
	for (size_t i = 0; i < f.plan.plan.n_actions; i++)
		CHECK(f.plan.plan.actions[i].done);
	CHECK_STR(f.plan.role_arn, "arn:aws:iam::111122223333:role/from-iam/r");
	CHECK_STR(f.plan.plan.label, "arn:aws:iam::111122223333:role/from-iam/r");
	fixture_release(&f);
}

/* A failure stops the role where it is, with the message
 * irsa_plan_execute() would give; a re-run's next change is the same. */
TEST(failure_is_explained_and_stops)
{
	struct fixture f;

	fixture_init(&f);
	REQUIRE(compute(&f) == 0);
	REQUIRE(next_change(&f) == 1);
	succeed(&f.c, ARN);
	CHECK_INT(change_done(&f), 0);
	free(f.c.created_arn);
	free(f.doc);
	REQUIRE(next_change(&f) == 1);
	fail_with(&f.c, IRSA_ERR_THROTTLED, "Throttling");
	CHECK_INT(change_done(&f), -1);
	CHECK_INT(f.err.kind, IRSA_ERR_THROTTLED);
	CHECK(strstr(f.err.message, "attach-role-policy") != NULL);
	CHECK(strstr(f.err.message, "already done: create-role 'r'") != NULL);
	CHECK(!f.plan.plan.actions[1].done);
	CHECK(!f.plan.plan.executed);
	free(f.doc);
	REQUIRE(next_change(&f) == 1);
	CHECK_INT(f.c.op, IRSA_IAM_ATTACH_POLICY);
	free(f.doc);
	fixture_release(&f);
}

/* Deleting what is already gone counts as done (a re-run after a partial
 * one); anything else that is not found is a failure. */
TEST(gone_already_is_done)
{
	struct fixture f;

	fixture_init(&f);
	f.req.prune = true;
	f.req.n_managed_arns = 0;
	f.req.description = NULL;
	f.st.exists = true;
	f.st.role.name = irsa_strdup("r");
	f.st.role.arn = irsa_strdup(ARN);
	f.st.role.trust_policy = irsa_policy_compact(f.trust);
	f.st.attached = irsa_malloc0(sizeof(*f.st.attached));
	f.st.attached[0].arn = irsa_strdup("arn:aws:iam::aws:policy/Old");
	f.st.attached[0].name = irsa_strdup("Old");
	f.st.n_attached = 1;
	REQUIRE(compute(&f) == 0);
	REQUIRE(next_change(&f) == 1);
	CHECK_INT(f.c.op, IRSA_IAM_DETACH_POLICY);
	CHECK(f.doc == NULL);
	fail_with(&f.c, IRSA_ERR_NOT_FOUND, "NoSuchEntity");
	CHECK_INT(change_done(&f), 0);
	REQUIRE(next_change(&f) == 1);
	CHECK_INT(f.c.op, IRSA_IAM_PUT_ROLE_POLICY);
	fail_with(&f.c, IRSA_ERR_NOT_FOUND, "NoSuchEntity");
	CHECK_INT(change_done(&f), -1);
	CHECK_INT(f.err.kind, IRSA_ERR_NOT_FOUND);
	free(f.doc);
	fixture_release(&f);
}

/* A batch read's role becomes the state a plan is computed from: found,
 * its policies, every inline document; the details are left empty. */
TEST(state_from_details)
{
	struct irsa_role_details d = { 0 };
	struct irsa_role_state st;

	d.found = true;
	d.role.name = irsa_strdup("r");
	d.role.arn = irsa_strdup(ARN);
	d.attached = irsa_malloc0(sizeof(*d.attached));
	d.attached[0].arn = irsa_strdup("arn:aws:iam::aws:policy/A");
	d.attached[0].name = irsa_strdup("A");
	d.n_attached = 1;
	d.inline_policies = irsa_malloc0(2 * sizeof(*d.inline_policies));
	d.inline_policies[0].name = irsa_strdup("irsactl-a");
	d.inline_policies[0].document = irsa_strdup("{\"Version\":\"2012-10-17\"}");
	d.inline_policies[1].name = irsa_strdup("theirs");
	d.inline_policies[1].document = irsa_strdup("{}");
	d.n_inline = 2;
	irsa_role_state_from_details(&d, &st);
	CHECK(st.exists);
	CHECK_STR(st.role.arn, ARN);
	CHECK_INT(st.n_attached, 1);
	CHECK_STR(st.attached[0].arn, "arn:aws:iam::aws:policy/A");
	CHECK_INT(st.inline_names.n, 2);
	CHECK_STR(st.inline_names.items[1], "theirs");
	CHECK_STR(st.inline_docs[0], "{\"Version\":\"2012-10-17\"}");
	CHECK_STR(st.inline_docs[1], "{}");
	CHECK(!d.found && d.role.name == NULL && d.attached == NULL && d.inline_policies == NULL);
	irsa_role_details_release(&d);
	irsa_role_state_release(&st);

	/* an absent role */
	irsa_role_state_from_details(&d, &st);
	CHECK(!st.exists);
	CHECK_INT(st.inline_names.n, 0);
	irsa_role_state_release(&st);
}

int main(void)
{
	RUN(new_role_step_by_step);
	RUN(failure_is_explained_and_stops);
	RUN(gone_already_is_done);
	RUN(state_from_details);
	return tap_done();
}
