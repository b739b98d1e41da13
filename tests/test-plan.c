/* The shared plan (irsa/plan.h): status names, execution with partial
 * failures, several objects in one plan, the JSON report and diffs. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "irsa/plan.h"
#include "irsa/strutil.h"

TEST(status_names)
{
	CHECK_STR(irsa_plan_status_name(IRSA_PLAN_CREATE, false), "create");
	CHECK_STR(irsa_plan_status_name(IRSA_PLAN_CREATE, true), "created");
	CHECK_STR(irsa_plan_status_name(IRSA_PLAN_UPDATE, false), "update");
	CHECK_STR(irsa_plan_status_name(IRSA_PLAN_UPDATE, true), "updated");
	CHECK_STR(irsa_plan_status_name(IRSA_PLAN_DELETE, false), "delete");
	CHECK_STR(irsa_plan_status_name(IRSA_PLAN_DELETE, true), "deleted");
	CHECK_STR(irsa_plan_status_name(IRSA_PLAN_UNCHANGED, true), "unchanged");
	CHECK_STR(irsa_plan_status_name(IRSA_PLAN_ABSENT, false), "absent");
}

/* An executor that fails on the action whose target is "bad". */
static int fake_run(struct irsa_plan *plan, struct irsa_plan_action *a, struct irsa_error *err)
{
	int *calls = plan->data;

	(*calls)++;
	if (strcmp(a->target, "bad") == 0) {
		irsa_error_set(err, IRSA_ERR_NETWORK, "connection reset");
		snprintf(err->code, sizeof(err->code), "Reset");
		return -1;
	}
	return 0;
}

TEST(execute_and_partial_failure)
{
	struct irsa_plan p;
	struct irsa_error err = { 0 };
	int calls = 0;
	json_t *j;

	irsa_plan_init(&p);
	p.run = fake_run;
	p.data = &calls;
	p.status = IRSA_PLAN_CREATE;
	irsa_plan_add(&p, 0, "create-thing", NULL, "one", NULL, NULL);
	irsa_plan_add(&p, 1, "put-part", NULL, "two", "details", NULL);
	irsa_plan_add(&p, 1, "put-part", NULL, "bad", NULL, NULL);
	CHECK_INT(irsa_plan_execute(&p, NULL, NULL, &err), -1);
	CHECK_INT(calls, 3);
	CHECK_INT(err.kind, IRSA_ERR_NETWORK);
	CHECK_STR(err.code, "Reset");
	CHECK_STR(err.message, "put-part 'bad': connection reset; already done: create-thing "
			       "'one', put-part 'two'; run the same command again to complete the rest");
	CHECK(!p.executed);
	CHECK(p.actions[0].done && p.actions[1].done && !p.actions[2].done);
	j = irsa_plan_to_json(&p);
	CHECK_STR(json_string_value(json_object_get(j, "status")), "create");
	CHECK(json_is_true(json_object_get(j, "dry_run")));
	CHECK(json_is_true(json_object_get(json_array_get(json_object_get(j, "actions"), 0), "done")));
	json_decref(j);
	/* a re-run of the same plan does only what is left */
	free(p.actions[2].target);
	p.actions[2].target = irsa_strdup("good");
	calls = 0;
	irsa_error_clear(&err);
	CHECK_INT(irsa_plan_execute(&p, NULL, NULL, &err), 0);
	CHECK_INT(calls, 1);
	CHECK(p.executed);
	j = irsa_plan_to_json(&p);
	CHECK_STR(json_string_value(json_object_get(j, "status")), "created");
	CHECK(json_is_false(json_object_get(j, "dry_run")));
	json_decref(j);
	irsa_plan_release(&p);

	/* the first action failing: no "already done" */
	irsa_plan_init(&p);
	p.run = fake_run;
	p.data = &calls;
	irsa_plan_add(&p, 0, "put-part", NULL, "bad", NULL, NULL);
	CHECK_INT(irsa_plan_execute(&p, NULL, NULL, &err), -1);
	CHECK_STR(err.message, "put-part 'bad': connection reset");
	irsa_plan_release(&p);
}

TEST(several_objects)
{
	struct irsa_plan all, a, b;
	json_t *j;

	irsa_plan_init(&all);
	irsa_plan_init(&a);
	irsa_plan_init(&b);
	json_object_set_new(a.subject, "name", json_string("a"));
	a.label = irsa_strdup("thing a");
	a.status = IRSA_PLAN_UNCHANGED;
	irsa_plan_note(&a, "note %d", 1);
	json_object_set_new(b.subject, "name", json_string("b"));
	b.status = IRSA_PLAN_CREATE;
	irsa_plan_add(&b, 0, "create-b", "b", "b", NULL, NULL);
	irsa_plan_warn(&b, "careful");
	irsa_plan_absorb(&all, &a);
	CHECK_INT(all.status, IRSA_PLAN_UNCHANGED);
	irsa_plan_absorb(&all, &b);
	CHECK_INT(all.status, IRSA_PLAN_CREATE);
	CHECK_INT(all.n_actions, 1);
	CHECK_INT(b.n_actions, 0);
	CHECK_INT(all.notes.n, 1);
	CHECK_INT(all.warnings.n, 1);
	j = irsa_plan_to_json(&all);
	CHECK_INT(json_array_size(json_object_get(j, "objects")), 2);
	CHECK_INT(all.object_labels.n, 2);
	CHECK_STR(all.object_labels.items[0], "thing a");
	CHECK_INT(all.object_status[1], IRSA_PLAN_CREATE);
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "objects"), 1),
						    "status")), "create");
	CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "actions"), 0),
						    "object")), "b");
	json_decref(j);
	irsa_plan_release(&a);
	irsa_plan_release(&b);
	irsa_plan_release(&all);
}

TEST(diffs)
{
	char *d;
	json_t *before, *after;

	CHECK(irsa_text_diff("a\nb\n", "a\nb\n", "x", "y") == NULL);
	d = irsa_text_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", "old",
			   "new");
	CHECK_STR(d, "--- old\n+++ new\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
	free(d);
	d = irsa_text_diff("", "a\n", "/dev/null", "new");
	CHECK_STR(d, "--- /dev/null\n+++ new\n@@ -0,0 +1,1 @@\n+a\n");
	free(d);
	/* two changes far apart: two hunks */
	d = irsa_text_diff("a\n1\n2\n3\n4\n5\n6\n7\n8\nb\n", "A\n1\n2\n3\n4\n5\n6\n7\n8\nB\n", "o",
			   "n");
	CHECK_STR(d, "--- o\n+++ n\n@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n"
		     " 8\n-b\n+B\n");
	free(d);
	before = json_pack("{s:s, s:i}", "b", "x", "a", 1);
	after = json_pack("{s:i, s:s}", "a", 2, "b", "x");
	d = irsa_json_diff(before, after);
	CHECK_STR(d, "--- before\n+++ after\n@@ -1,4 +1,4 @@\n {\n-  \"a\": 1,\n+  \"a\": 2,\n"
		     "   \"b\": \"x\"\n }\n");
	free(d);
	json_decref(before);
	json_decref(after);
}

int main(void)
{
	RUN(status_names);
	RUN(execute_and_partial_failure);
	RUN(several_objects);
	RUN(diffs);
	return tap_done();
}
