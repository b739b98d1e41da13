/* IAM role plans: read, plan, execute (see role.h for the rules). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/iam_rules.h"
#include "irsa/log.h"
#include "irsa/plan.h"
#include "irsa/role.h"
#include "irsa/role_read.h"
#include "irsa/strutil.h"
#include "irsa/templates.h"
#include "irsa/trust.h"
#include "role_internal.h"

static const char *const verb_names[] = {
	[IRSA_ROLE_CREATE] = "create-role",
	[IRSA_ROLE_UPDATE_TRUST] = "update-trust-policy",
	[IRSA_ROLE_UPDATE] = "update-role",
	[IRSA_ROLE_PUT_BOUNDARY] = "put-permissions-boundary",
	[IRSA_ROLE_TAG] = "tag-role",
	[IRSA_ROLE_ATTACH_POLICY] = "attach-role-policy",
	[IRSA_ROLE_DETACH_POLICY] = "detach-role-policy",
	[IRSA_ROLE_PUT_INLINE_POLICY] = "put-role-policy",
	[IRSA_ROLE_DELETE_INLINE_POLICY] = "delete-role-policy",
	[IRSA_ROLE_DELETE] = "delete-role",
	[IRSA_ROLE_CREATE_POLICY] = "create-policy",
	[IRSA_ROLE_CREATE_POLICY_VERSION] = "create-policy-version",
	[IRSA_ROLE_DELETE_POLICY_VERSION] = "delete-policy-version",
	[IRSA_ROLE_DELETE_POLICY] = "delete-policy",
};

const char *irsa_role_verb_name(enum irsa_role_verb v)
{
	return (size_t)v < ARRAY_SIZE(verb_names) ? verb_names[v] : "unknown";
}

/* ---- state ---------------------------------------------------------------- */

void irsa_role_state_release(struct irsa_role_state *s)
{
	if (!s)
		return;
	irsa_role_release(&s->role);
	irsa_attached_policies_free(s->attached, s->n_attached);
	for (size_t i = 0; s->inline_docs && i < s->inline_names.n; i++)
		free(s->inline_docs[i]);
	free(s->inline_docs);
	irsa_strlist_release(&s->inline_names);
	for (size_t i = 0; i < s->n_policies; i++)
		irsa_managed_policy_state_release(&s->policies[i]);
	free(s->policies);
	memset(s, 0, sizeof(*s));
}

/* irsa_role_read() is in role_read.c, with the reader in rounds. */

/* ---- plans ---------------------------------------------------------------- */

void irsa_role_plan_release(struct irsa_role_plan *plan)
{
	if (!plan)
		return;
	irsa_plan_release(&plan->plan);
	free(plan->role_name);
	free(plan->role_arn);
	json_decref(plan->trust);
	json_decref(plan->managed);
	json_decref(plan->inline_policies);
	free(plan->description);
	free(plan->permissions_boundary);
	irsa_tags_release(&plan->tags);
	json_decref(plan->customer_managed);
	for (size_t i = 0; i < plan->n_policies; i++) {
		free(plan->policies[i].arn);
		free(plan->policies[i].name);
		free(plan->policies[i].description);
	}
	free(plan->policies);
	memset(plan, 0, sizeof(*plan));
}

static struct irsa_plan_action *add_action(struct irsa_role_plan *plan, enum irsa_role_verb verb,
					   const char *target, const json_t *document,
					   char *details)
{
	struct irsa_plan_action *a = irsa_plan_add(&plan->plan, (int)verb,
						   irsa_role_verb_name(verb), plan->role_name,
						   target, details, document);

	free(details);
	return a;
}

static void note(struct irsa_role_plan *plan, const char *fmt, ...) _printf_(2, 3);
static void note(struct irsa_role_plan *plan, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = irsa_vasprintf(fmt, ap);
	va_end(ap);
	irsa_strlist_add(&plan->plan.notes, s);
	free(s);
}

static void plan_start(struct irsa_role_plan *plan, const char *role_name)
{
	memset(plan, 0, sizeof(*plan));
	irsa_plan_init(&plan->plan);
	plan->role_name = irsa_strdup(role_name);
}

static int run_action(struct irsa_plan *p, struct irsa_plan_action *a, struct irsa_error *err);

/* The report's subject and result from the plan's fields. */
static void report(struct irsa_role_plan *plan)
{
	json_object_clear(plan->plan.subject);
	json_object_clear(plan->plan.result);
	json_object_set_new(plan->plan.subject, "role_arn",
			    plan->role_arn ? json_string(plan->role_arn) : json_null());
	json_object_set_new(plan->plan.subject, "role_name", json_string(plan->role_name));
	json_object_set(plan->plan.result, "trust_policy", plan->trust ? plan->trust : json_null());
	json_object_set_new(plan->plan.result, "policies",
			    json_pack("{s:O?, s:O?, s:O?}", "managed", plan->managed, "inline",
				      plan->inline_policies, "customer_managed",
				      plan->customer_managed));
	free(plan->plan.label);
	plan->plan.label = irsa_strdup(plan->role_arn ? plan->role_arn : plan->role_name);
}

/* Place the plan built in `built` at ret, where it stays. */
static void plan_finish(struct irsa_role_plan *built, struct irsa_aws *aws,
			struct irsa_role_plan *ret)
{
	*ret = *built;
	ret->aws = aws;
	ret->plan.run = run_action;
	ret->plan.data = ret;
	report(ret);
}

static bool attached_has(const struct irsa_role_state *s, const char *arn)
{
	for (size_t i = 0; i < s->n_attached; i++)
		if (strcmp(s->attached[i].arn, arn) == 0)
			return true;
	return false;
}

static bool list_has(const char *const *l, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i], s) == 0)
			return true;
	return false;
}

/* IAM keeps one tag per key ignoring case: look keys up the same way. */
static const char *tag_value(const struct irsa_tags *t, const char *key)
{
	const struct irsa_kv *kv = irsa_tags_find(t, key);

	return kv ? kv->value : NULL;
}

static char *role_arn(const char *partition, const char *account, const char *path,
		      const char *name)
{
	return irsa_asprintf("arn:%s:iam::%s:role%s%s", partition ? partition : "aws",
			     account ? account : "ACCOUNT", path ? path : "/", name);
}

/* The trust policy of an existing role; one IAM gives back that does not
 * parse is IAM's fault (IRSA_ERR_REMOTE). */
static int state_trust(const struct irsa_role_state *state, const char *role_name, json_t **ret,
		       struct irsa_error *err)
{
	_cleanup_free_ char *what = irsa_asprintf("the trust policy of role '%s'", role_name);

	if (irsa_policy_parse(state->role.trust_policy ? state->role.trust_policy : "", what, ret,
			      err) < 0) {
		if (err)
			err->kind = IRSA_ERR_REMOTE;
		return -1;
	}
	return 0;
}

static int plan_trust(const struct irsa_role_request *req, const struct irsa_role_state *state,
		      struct irsa_role_plan *plan, struct irsa_error *err)
{
	json_t *existing = NULL, *merged = NULL;
	bool changed = false;

	if (!state->exists) {
		plan->trust = json_incref((json_t *)req->trust);
		return irsa_trust_check_size(plan->trust, req->trust_limit, err);
	}
	if (state_trust(state, req->role_name, &existing, err) < 0)
		return -1;
	if (irsa_trust_merge(existing, req->trust, &merged, &changed, err) < 0) {
		json_decref(existing);
		return -1;
	}
	plan->trust = merged;
	if (!changed) {
		json_decref(existing);
		return 0;
	}
	if (irsa_trust_check_size(merged, req->trust_limit, err) < 0) {
		json_decref(existing);
		return irsa_error_prefix(err, "role '%s'", req->role_name);
	}
	/* the action keeps the trust policy it replaces, for the diff */
	add_action(plan, IRSA_ROLE_UPDATE_TRUST, req->role_name, merged, NULL)->before = existing;
	return 0;
}

static int plan_settings(const struct irsa_role_request *req, const struct irsa_role_state *state,
			 struct irsa_role_plan *plan, struct irsa_error *err)
{
	const struct irsa_role *r = &state->role;
	struct irsa_buf what = IRSA_BUF_INIT;
	struct irsa_buf keys = IRSA_BUF_INIT;

	if (req->path && r->path && strcmp(req->path, r->path) != 0)
		return irsa_error_set(err, IRSA_ERR_CONFLICT,
				      "role '%s' exists with the path '%s', not '%s'; IAM cannot move "
				      "a role: leave out --path or delete the role first",
				      req->role_name, r->path, req->path);
	struct irsa_plan_action *a;
	bool new_description = req->description &&
			       strcmp(req->description, r->description ? r->description : "") != 0;
	bool new_duration = req->max_session_duration > 0 &&
			    req->max_session_duration != r->max_session_duration;

	if (new_description) {
		plan->description = irsa_strdup(req->description);
		irsa_buf_puts(&what, "description");
	}
	if (new_duration) {
		plan->max_session_duration = req->max_session_duration;
		irsa_buf_printf(&what, "%smax-session-duration %d", what.len ? ", " : "",
				req->max_session_duration);
	}
	if (what.len) {
		a = add_action(plan, IRSA_ROLE_UPDATE, req->role_name, NULL, irsa_buf_detach(&what));
		if (new_description)
			irsa_plan_action_change(a, "description",
						json_string(r->description ? r->description : ""),
						json_string(req->description));
		if (new_duration)
			irsa_plan_action_change(a, "max_session_duration",
						json_integer(r->max_session_duration),
						json_integer(req->max_session_duration));
	}
	irsa_buf_release(&what);
	if (req->permissions_boundary &&
	    strcmp(req->permissions_boundary, r->permissions_boundary ? r->permissions_boundary : "") != 0) {
		plan->permissions_boundary = irsa_strdup(req->permissions_boundary);
		a = add_action(plan, IRSA_ROLE_PUT_BOUNDARY, req->role_name, NULL,
			       irsa_strdup(req->permissions_boundary));
		irsa_plan_action_change(a, "permissions_boundary",
					r->permissions_boundary ? json_string(r->permissions_boundary)
								: json_null(),
					json_string(req->permissions_boundary));
	}
	for (size_t i = 0; req->tags && i < req->tags->n; i++) {
		const char *have = tag_value(&r->tags, req->tags->items[i].key);

		if (have && strcmp(have, req->tags->items[i].value) == 0)
			continue;
		irsa_tags_add(&plan->tags, req->tags->items[i].key, req->tags->items[i].value);
		irsa_buf_printf(&keys, "%s%s", keys.len ? ", " : "", req->tags->items[i].key);
	}
	if (plan->tags.n) {
		a = add_action(plan, IRSA_ROLE_TAG, req->role_name, NULL, irsa_buf_detach(&keys));
		for (size_t i = 0; i < plan->tags.n; i++) {
			const char *have = tag_value(&r->tags, plan->tags.items[i].key);
			_cleanup_free_ char *field = irsa_asprintf("tag:%s", plan->tags.items[i].key);

			irsa_plan_action_change(a, field, have ? json_string(have) : json_null(),
						json_string(plan->tags.items[i].value));
		}
	}
	irsa_buf_release(&keys);
	return 0;
}

/* wanted: --attach-policy-arn, then the customer-managed policies. */
static int plan_managed(const struct irsa_role_request *req, const struct irsa_role_state *state,
			const char *const *wanted, size_t n_wanted, struct irsa_role_plan *plan,
			struct irsa_error *err)
{
	size_t n_after = 0;

	plan->managed = json_array();
	for (size_t i = 0; i < state->n_attached; i++) {
		const char *arn = state->attached[i].arn;

		if (req->prune && !list_has(wanted, n_wanted, arn)) {
			add_action(plan, IRSA_ROLE_DETACH_POLICY, arn, NULL, NULL);
			continue;
		}
		if (!req->prune && !list_has(wanted, n_wanted, arn))
			note(plan, "managed policy '%s' is attached to role '%s' but was not asked "
			     "for; kept (--prune detaches it)", arn, req->role_name);
		json_array_append_new(plan->managed, json_string(arn));
		n_after++;
	}
	for (size_t i = 0; i < n_wanted; i++) {
		const char *arn = wanted[i];

		if (attached_has(state, arn) || list_has(wanted, i, arn))
			continue;
		add_action(plan, IRSA_ROLE_ATTACH_POLICY, arn, NULL, NULL);
		json_array_append_new(plan->managed, json_string(arn));
		n_after++;
	}
	if (n_after > IRSA_MANAGED_POLICIES_MAX)
		return irsa_error_set(err, IRSA_ERR_CONFLICT,
				      "role '%s' would have %zu managed policies attached and IAM "
				      "allows %d per role; attach fewer, detach unused ones with "
				      "--prune, use built-in templates (inline policies) instead, or "
				      "ask AWS Service Quotas for more 'Managed policies per role'",
				      req->role_name, n_after, IRSA_MANAGED_POLICIES_MAX);
	return 0;
}

static const char *state_inline_doc(const struct irsa_role_state *s, const char *name)
{
	for (size_t i = 0; i < s->inline_names.n; i++)
		if (strcmp(s->inline_names.items[i], name) == 0)
			return s->inline_docs ? s->inline_docs[i] : NULL;
	return NULL;
}

static bool request_has_inline(const struct irsa_role_request *req, const char *name)
{
	for (size_t i = 0; i < req->n_inline_policies; i++)
		if (strcmp(req->inline_policies[i].name, name) == 0)
			return true;
	return false;
}

static int plan_inline(const struct irsa_role_request *req, const struct irsa_role_state *state,
		       struct irsa_role_plan *plan, struct irsa_error *err)
{
	plan->inline_policies = json_object();
	for (size_t i = 0; i < req->n_inline_policies; i++) {
		const struct irsa_inline_policy *p = &req->inline_policies[i];
		const char *have = state_inline_doc(state, p->name);
		json_t *have_doc = have ? json_loads(have, 0, NULL) : NULL;

		if (json_object_get(plan->inline_policies, p->name)) {
			json_decref(have_doc);
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "the inline policy '%s' is asked for twice; give each "
					      "template once (list parameters take several values "
					      "separated by ';')", p->name);
		}
		if (!have_doc || !irsa_policy_equal(have_doc, p->document))
			add_action(plan, IRSA_ROLE_PUT_INLINE_POLICY, p->name, p->document, NULL)
				->before = json_incref(have_doc);
		json_decref(have_doc);
		json_object_set(plan->inline_policies, p->name, (json_t *)p->document);
	}
	for (size_t i = 0; i < state->inline_names.n; i++) {
		const char *name = state->inline_names.items[i];

		if (request_has_inline(req, name))
			continue;
		if (req->prune && irsa_str_has_prefix(name, IRSA_POLICY_NAME_PREFIX))
			add_action(plan, IRSA_ROLE_DELETE_INLINE_POLICY, name, NULL, NULL);
		else if (irsa_str_has_prefix(name, IRSA_POLICY_NAME_PREFIX))
			note(plan, "inline policy '%s' of role '%s' was not asked for; kept "
			     "(--prune deletes it)", name, req->role_name);
	}
	return 0;
}

/* Customer-managed policies first (made before they are attached), then
 * every managed policy's attachment, then the inline policies. */
static int plan_permissions(const struct irsa_role_request *req,
			    const struct irsa_role_state *state, struct irsa_role_plan *plan,
			    struct irsa_error *err)
{
	size_t n = req->n_managed_arns + req->n_managed_policies;
	const char **wanted = irsa_malloc0((n + 1) * sizeof(char *));
	int r;

	for (size_t i = 0; i < req->n_managed_arns; i++)
		wanted[i] = req->managed_arns[i];
	for (size_t i = 0; i < req->n_managed_policies; i++)
		wanted[req->n_managed_arns + i] = req->managed_policies[i].arn;
	r = irsa_role_plan_customer_policies(req, state, plan, err);
	if (r == 0)
		r = plan_managed(req, state, wanted, n, plan, err);
	if (r == 0)
		r = plan_inline(req, state, plan, err);
	free(wanted);
	return r;
}

/* A role irsactl creates says so (what delete-role checks), unless the
 * user's tags take the key or the whole quota. */
static void add_owner_tag(struct irsa_tags *tags)
{
	if (!irsa_tags_find(tags, IRSA_OWNER_TAG_KEY) && tags->n < IRSA_IAM_TAGS_MAX)
		irsa_tags_add(tags, IRSA_OWNER_TAG_KEY, IRSA_OWNER_TAG_VALUE);
}

int irsa_role_plan_apply_compute(const struct irsa_role_request *req,
				 const struct irsa_role_state *state, struct irsa_role_plan *ret,
				 struct irsa_error *err)
{
	struct irsa_role_plan plan;

	if (irsa_iam_check_role_request(req, err) < 0 ||
	    irsa_iam_check_role_totals(req, state, err) < 0)
		return -1;
	plan_start(&plan, req->role_name);
	if (plan_trust(req, state, &plan, err) < 0)
		goto fail;
	if (state->exists) {
		plan.role_arn = irsa_strdup(state->role.arn);
		if (plan_settings(req, state, &plan, err) < 0)
			goto fail;
	} else {
		plan.role_arn = role_arn(req->partition, req->account, req->path, req->role_name);
		for (size_t i = 0; req->tags && i < req->tags->n; i++)
			irsa_tags_add(&plan.tags, req->tags->items[i].key, req->tags->items[i].value);
		add_owner_tag(&plan.tags);
		plan.create = (struct irsa_role_spec){
			.name = plan.role_name,
			.path = req->path,
			.description = req->description,
			.permissions_boundary = req->permissions_boundary,
			.max_session_duration = req->max_session_duration,
		};
		add_action(&plan, IRSA_ROLE_CREATE, req->role_name, plan.trust, NULL);
	}
	if (plan_permissions(req, state, &plan, err) < 0)
		goto fail;
	plan.plan.status = !state->exists ? IRSA_PLAN_CREATE
			   : plan.plan.n_actions ? IRSA_PLAN_UPDATE
						 : IRSA_PLAN_UNCHANGED;
	plan_finish(&plan, NULL, ret);
	return 0;
fail:
	irsa_role_plan_release(&plan);
	return -1;
}

int irsa_role_plan_apply(struct irsa_aws *aws, const struct irsa_role_request *req,
			 struct irsa_role_plan *ret, struct irsa_error *err)
{
	struct irsa_role_state state = { 0 };
	int r;

	/* every inline document: the ones that stay count towards IAM's total */
	if (irsa_iam_check_role_request(req, err) < 0 ||
	    irsa_role_read(aws, req->role_name, "", &state, err) < 0)
		return -1;
	r = irsa_role_read_managed_policies(aws, req, &state, err);
	if (r == 0)
		r = irsa_role_plan_apply_compute(req, &state, ret, err);
	irsa_role_state_release(&state);
	if (r == 0)
		ret->aws = aws;
	return r;
}

int irsa_role_plan_delete(struct irsa_aws *aws, const char *role_name, bool force,
			  struct irsa_role_plan *ret, struct irsa_error *err)
{
	struct irsa_role_state state = { 0 };
	int r;

	if (irsa_role_read(aws, role_name, NULL, &state, err) < 0)
		return -1;
	r = irsa_role_plan_delete_state(aws, role_name, force, &state, ret, err);
	irsa_role_state_release(&state);
	return r;
}

int irsa_role_plan_delete_state(struct irsa_aws *aws, const char *role_name, bool force,
				const struct irsa_role_state *state, struct irsa_role_plan *ret,
				struct irsa_error *err)
{
	struct irsa_role_plan plan;

	plan_start(&plan, role_name);
	plan.managed = json_array();
	plan.inline_policies = json_object();
	if (!state->exists) {
		note(&plan, "role '%s' does not exist; nothing to delete", role_name);
		plan.plan.status = IRSA_PLAN_ABSENT;
		plan_finish(&plan, aws, ret);
		return 0;
	}
	if (!force && !irsa_iam_role_is_owned(&state->role)) {
		irsa_error_set(err, IRSA_ERR_CONFLICT,
			       "role '%s' was not made by irsactl (no '%s' tag and no irsactl "
			       "trust statement), so it is not deleted; check the role, then pass "
			       "--force to delete it with its %zu managed and %zu inline policies",
			       role_name, IRSA_OWNER_TAG_KEY, state->n_attached, state->inline_names.n);
		irsa_role_plan_release(&plan);
		return -1;
	}
	plan.role_arn = irsa_strdup(state->role.arn);
	for (size_t i = 0; i < state->n_attached; i++)
		add_action(&plan, IRSA_ROLE_DETACH_POLICY, state->attached[i].arn, NULL, NULL);
	for (size_t i = 0; i < state->inline_names.n; i++)
		add_action(&plan, IRSA_ROLE_DELETE_INLINE_POLICY, state->inline_names.items[i], NULL,
			   NULL);
	add_action(&plan, IRSA_ROLE_DELETE, role_name, NULL, NULL);
	plan.plan.status = IRSA_PLAN_DELETE;
	plan_finish(&plan, aws, ret);
	return 0;
}

int irsa_role_plan_remove(struct irsa_aws *aws, const char *role_name, const char *issuer,
			  const struct irsa_subject *subjects, size_t n_subjects,
			  struct irsa_role_plan *ret, struct irsa_error *err)
{
	struct irsa_role_state state = { 0 };
	int r;

	if (irsa_role_read(aws, role_name, NULL, &state, err) < 0)
		return -1;
	r = irsa_role_plan_remove_state(aws, role_name, issuer, subjects, n_subjects, &state, ret,
					err);
	irsa_role_state_release(&state);
	return r;
}

int irsa_role_plan_remove_state(struct irsa_aws *aws, const char *role_name, const char *issuer,
				const struct irsa_subject *subjects, size_t n_subjects,
				const struct irsa_role_state *s, struct irsa_role_plan *ret,
				struct irsa_error *err)
{
	const struct irsa_role_state state = *s;
	struct irsa_role_plan plan;
	json_t *doc = NULL, *before = NULL;
	size_t total = 0;

	if (!state.exists)
		return irsa_error_set(err, IRSA_ERR_NOT_FOUND,
				      "role '%s' does not exist; check the name with 'aws iam "
				      "get-role --role-name %s'", role_name, role_name);
	plan_start(&plan, role_name);
	if (state_trust(&state, role_name, &doc, err) < 0)
		goto fail;
	before = json_deep_copy(doc);
	plan.role_arn = irsa_strdup(state.role.arn);
	plan.managed = json_array();
	plan.inline_policies = json_object();
	for (size_t i = 0; i < state.n_attached; i++)
		json_array_append_new(plan.managed, json_string(state.attached[i].arn));
	for (size_t i = 0; i < (n_subjects ? n_subjects : 1); i++) {
		json_t *next = NULL;
		size_t removed = 0;

		if (irsa_trust_remove(doc, issuer, n_subjects ? &subjects[i] : NULL, &next,
				      &removed, err) < 0)
			goto fail;
		json_decref(doc);
		doc = next;
		total += removed;
		if (removed == 0 && n_subjects)
			note(&plan, "no irsactl trust statement of role '%s' grants '%s:%s'%s%s%s",
			     role_name, subjects[i].ns, subjects[i].sa, issuer ? " for '" : "",
			     issuer ? issuer : "", issuer ? "'" : "");
		else if (removed == 0)
			note(&plan, "role '%s' has no irsactl trust statement for '%s'", role_name,
			     issuer ? issuer : "any provider");
	}
	plan.trust = doc;
	doc = NULL;
	if (total > 0) {
		if (irsa_policy_statement_count(plan.trust) == 0) {
			irsa_error_set(err, IRSA_ERR_CONFLICT,
				       "removing this from role '%s' would leave its trust policy "
				       "without any statement; delete the role instead: irsactl "
				       "delete-role --role-name %s", role_name, role_name);
			goto fail;
		}
		add_action(&plan, IRSA_ROLE_UPDATE_TRUST, role_name, plan.trust, NULL)->before =
			TAKE_PTR(before);
		plan.plan.status = IRSA_PLAN_UPDATE;
	}
	if (irsa_trust_count_owned(plan.trust) == 0)
		note(&plan, "role '%s' has no irsactl trust statement left; it is kept: delete it "
		     "with 'irsactl delete-role --role-name %s' if it is no longer needed",
		     role_name, role_name);
	json_decref(before);
	plan_finish(&plan, aws, ret);
	return 0;
fail:
	json_decref(before);
	json_decref(doc);
	irsa_role_plan_release(&plan);
	return -1;
}

/* ---- execution ------------------------------------------------------------ */

/* CreateRole; when a retried request finds the role already there (the
 * first attempt went through), make the trust policy what it should be. */
static int do_create(struct irsa_aws *aws, struct irsa_role_plan *plan, const char *trust,
		     struct irsa_error *err)
{
	struct irsa_role_spec spec = plan->create;
	struct irsa_role role = { 0 };

	spec.trust_policy = trust;
	spec.tags = plan->tags.n ? &plan->tags : NULL;
	if (irsa_iam_create_role(aws, &spec, &role, err) == 0) {
		if (role.arn) {
			free(plan->role_arn);
			plan->role_arn = irsa_strdup(role.arn);
			report(plan);
		}
		irsa_role_release(&role);
		return 0;
	}
	if (!err || strcmp(err->code, "EntityAlreadyExists") != 0)
		return -1;
	irsa_log_debug("role '%s' already exists; updating its trust policy instead",
		       plan->role_name);
	irsa_error_clear(err);
	return irsa_iam_update_trust_policy(aws, plan->role_name, trust, err);
}

/* Deleting what is already gone is fine: a re-run after a partial one. */
static int ignore_not_found(int r, struct irsa_error *err)
{
	if (r < 0 && err && err->kind == IRSA_ERR_NOT_FOUND) {
		irsa_error_clear(err);
		return 0;
	}
	return r;
}

static int run_action(struct irsa_plan *p, struct irsa_plan_action *a, struct irsa_error *err)
{
	struct irsa_role_plan *plan = p->data;
	struct irsa_aws *aws = plan->aws;
	_cleanup_free_ char *doc = a->document ? irsa_policy_compact(a->document) : NULL;
	const char *role = plan->role_name;

	switch ((enum irsa_role_verb)a->op) {
	case IRSA_ROLE_CREATE:
		return do_create(aws, plan, doc, err);
	case IRSA_ROLE_UPDATE_TRUST:
		return irsa_iam_update_trust_policy(aws, role, doc, err);
	case IRSA_ROLE_UPDATE:
		return irsa_iam_update_role(aws, role, plan->description,
					    plan->max_session_duration, err);
	case IRSA_ROLE_PUT_BOUNDARY:
		return irsa_iam_put_permissions_boundary(aws, role, plan->permissions_boundary, err);
	case IRSA_ROLE_TAG:
		return irsa_iam_tag_role(aws, role, &plan->tags, err);
	case IRSA_ROLE_ATTACH_POLICY:
		return irsa_iam_attach_role_policy(aws, role, a->target, err);
	case IRSA_ROLE_DETACH_POLICY:
		return ignore_not_found(irsa_iam_detach_role_policy(aws, role, a->target, err), err);
	case IRSA_ROLE_PUT_INLINE_POLICY:
		return irsa_iam_put_role_policy(aws, role, a->target, doc, err);
	case IRSA_ROLE_DELETE_INLINE_POLICY:
		return ignore_not_found(irsa_iam_delete_role_policy(aws, role, a->target, err), err);
	case IRSA_ROLE_DELETE:
		return ignore_not_found(irsa_iam_delete_role(aws, role, err), err);
	case IRSA_ROLE_CREATE_POLICY:
	case IRSA_ROLE_CREATE_POLICY_VERSION:
	case IRSA_ROLE_DELETE_POLICY_VERSION:
	case IRSA_ROLE_DELETE_POLICY:
		return irsa_role_run_policy_action(plan, a, err);
	}
	return irsa_error_set(err, IRSA_ERR_INTERNAL, "unknown role action %d", a->op);
}

/* ---- many plans at once (apply) -------------------------------------------- */

void irsa_role_state_from_details(struct irsa_role_details *d, struct irsa_role_state *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->exists = d->found;
	ret->role = d->role;
	ret->attached = d->attached;
	ret->n_attached = d->n_attached;
	ret->inline_docs = irsa_malloc0((d->n_inline + 1) * sizeof(char *));
	for (size_t i = 0; i < d->n_inline; i++) {
		irsa_strlist_add(&ret->inline_names, d->inline_policies[i].name);
		ret->inline_docs[i] = d->inline_policies[i].document;
		free(d->inline_policies[i].name);
	}
	free(d->inline_policies);
	memset(d, 0, sizeof(*d));
}

static const enum irsa_iam_role_op change_ops[] = {
	[IRSA_ROLE_CREATE] = IRSA_IAM_CREATE_ROLE,
	[IRSA_ROLE_UPDATE_TRUST] = IRSA_IAM_UPDATE_TRUST,
	[IRSA_ROLE_UPDATE] = IRSA_IAM_UPDATE_ROLE,
	[IRSA_ROLE_PUT_BOUNDARY] = IRSA_IAM_PUT_BOUNDARY,
	[IRSA_ROLE_TAG] = IRSA_IAM_TAG_ROLE,
	[IRSA_ROLE_ATTACH_POLICY] = IRSA_IAM_ATTACH_POLICY,
	[IRSA_ROLE_DETACH_POLICY] = IRSA_IAM_DETACH_POLICY,
	[IRSA_ROLE_PUT_INLINE_POLICY] = IRSA_IAM_PUT_ROLE_POLICY,
	[IRSA_ROLE_DELETE_INLINE_POLICY] = IRSA_IAM_DELETE_ROLE_POLICY,
	[IRSA_ROLE_DELETE] = IRSA_IAM_DELETE_ROLE,
};

static size_t next_action(const struct irsa_role_plan *plan)
{
	size_t i = 0;

	while (i < plan->plan.n_actions && plan->plan.actions[i].done)
		i++;
	return i;
}

/* The actions irsa_iam_change_roles() sends; the others (customer-managed
 * policies) run one by one through the plan's executor. */
static bool in_batch(int op)
{
	return op >= 0 && (size_t)op < ARRAY_SIZE(change_ops);
}

int irsa_role_plan_next_change(struct irsa_role_plan *plan, struct irsa_iam_role_change *c,
			       char **ret_doc, struct irsa_error *err)
{
	size_t i = next_action(plan);
	struct irsa_plan_action *a;

	*ret_doc = NULL;
	for (; i < plan->plan.n_actions && !in_batch(plan->plan.actions[i].op); i++) {
		if (plan->plan.run(&plan->plan, &plan->plan.actions[i], err) < 0) {
			irsa_plan_explain_failure(&plan->plan, i, err);
			return -1;
		}
		plan->plan.actions[i].done = true;
	}
	if (i == plan->plan.n_actions) {
		plan->plan.executed = true;
		return 0;
	}
	a = &plan->plan.actions[i];
	*ret_doc = a->document ? irsa_policy_compact(a->document) : NULL;
	*c = (struct irsa_iam_role_change){
		.op = change_ops[a->op],
		.role_name = plan->role_name,
		.target = a->op == IRSA_ROLE_PUT_BOUNDARY ? plan->permissions_boundary : a->target,
		.document = *ret_doc,
		.description = plan->description,
		.max_session_duration = plan->max_session_duration,
		.tags = &plan->tags,
	};
	if (a->op == IRSA_ROLE_CREATE) {
		c->create = plan->create;
		c->create.trust_policy = *ret_doc;
		c->create.tags = plan->tags.n ? &plan->tags : NULL;
	}
	return 1;
}

static bool gone_already(const struct irsa_iam_role_change *c)
{
	return c->err.kind == IRSA_ERR_NOT_FOUND &&
	       (c->op == IRSA_IAM_DETACH_POLICY || c->op == IRSA_IAM_DELETE_ROLE_POLICY ||
		c->op == IRSA_IAM_DELETE_ROLE);
}

int irsa_role_plan_change_done(struct irsa_role_plan *plan, struct irsa_iam_role_change *c,
			       struct irsa_error *err)
{
	size_t i = next_action(plan);
	struct irsa_error e = c->err;

	if (i == plan->plan.n_actions)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "role '%s': no action left",
				      plan->role_name);
	if (c->rc == 0 && c->created_arn) {
		free(plan->role_arn);
		plan->role_arn = irsa_strdup(c->created_arn);
		report(plan);
	}
	if (c->rc < 0 && c->op == IRSA_IAM_CREATE_ROLE &&
	    strcmp(c->err.code, "EntityAlreadyExists") == 0) {
		/* a retried CreateRole whose first attempt went through */
		irsa_log_debug("role '%s' already exists; updating its trust policy instead",
			       plan->role_name);
		irsa_error_clear(&e);
		if (irsa_iam_update_trust_policy(plan->aws, plan->role_name,
						 c->create.trust_policy, &e) == 0)
			c->rc = 0;
	}
	if (c->rc < 0 && !gone_already(c)) {
		if (err) {
			*err = e;
			irsa_plan_explain_failure(&plan->plan, i, err);
		}
		return -1;
	}
	plan->plan.actions[i].done = true;
	return 0;
}
