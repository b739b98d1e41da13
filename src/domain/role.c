/* IAM role plans: read, plan, execute (see role.h for the rules). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/iam_rules.h"
#include "irsa/log.h"
#include "irsa/role.h"
#include "irsa/strutil.h"
#include "irsa/templates.h"
#include "irsa/trust.h"

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
};

const char *irsa_role_verb_name(enum irsa_role_verb v)
{
	return (size_t)v < ARRAY_SIZE(verb_names) ? verb_names[v] : "unknown";
}

const char *irsa_role_status_name(enum irsa_role_status s)
{
	switch (s) {
	case IRSA_ROLE_CREATED:
		return "created";
	case IRSA_ROLE_UPDATED:
		return "updated";
	case IRSA_ROLE_DELETED:
		return "deleted";
	case IRSA_ROLE_ABSENT:
		return "absent";
	case IRSA_ROLE_UNCHANGED:
		break;
	}
	return "unchanged";
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
	memset(s, 0, sizeof(*s));
}

int irsa_role_read(struct irsa_aws *aws, const char *role_name, const char *read_prefix,
		   struct irsa_role_state *ret, struct irsa_error *err)
{
	struct irsa_role_state s = { 0 };

	if (irsa_iam_get_role(aws, role_name, &s.role, err) < 0) {
		if (err && err->kind == IRSA_ERR_NOT_FOUND) {
			irsa_error_clear(err);
			*ret = s;
			return 0;
		}
		return -1;
	}
	s.exists = true;
	if (irsa_iam_list_attached_role_policies(aws, role_name, &s.attached, &s.n_attached,
						 err) < 0 ||
	    irsa_iam_list_role_policies(aws, role_name, &s.inline_names, err) < 0)
		goto fail;
	s.inline_docs = irsa_malloc0((s.inline_names.n + 1) * sizeof(char *));
	for (size_t i = 0; read_prefix && i < s.inline_names.n; i++) {
		if (!irsa_str_has_prefix(s.inline_names.items[i], read_prefix))
			continue;
		if (irsa_iam_get_role_policy(aws, role_name, s.inline_names.items[i],
					     &s.inline_docs[i], err) < 0)
			goto fail;
	}
	*ret = s;
	return 0;
fail:
	irsa_role_state_release(&s);
	return -1;
}

/* ---- plans ---------------------------------------------------------------- */

void irsa_role_plan_release(struct irsa_role_plan *plan)
{
	if (!plan)
		return;
	free(plan->role_name);
	free(plan->role_arn);
	json_decref(plan->trust);
	json_decref(plan->managed);
	json_decref(plan->inline_policies);
	free(plan->description);
	free(plan->permissions_boundary);
	irsa_tags_release(&plan->tags);
	for (size_t i = 0; i < plan->n_actions; i++) {
		free(plan->actions[i].target);
		json_decref(plan->actions[i].document);
		free(plan->actions[i].details);
	}
	free(plan->actions);
	irsa_strlist_release(&plan->notes);
	memset(plan, 0, sizeof(*plan));
}

static void add_action(struct irsa_role_plan *plan, enum irsa_role_verb verb, const char *target,
		       const json_t *document, char *details)
{
	struct irsa_role_action *a;

	plan->actions = irsa_realloc(plan->actions, (plan->n_actions + 1) * sizeof(*a));
	a = &plan->actions[plan->n_actions++];
	a->verb = verb;
	a->target = irsa_strdup(target);
	a->document = document ? json_deep_copy(document) : NULL;
	a->details = details;
}

static void note(struct irsa_role_plan *plan, const char *fmt, ...) _printf_(2, 3);
static void note(struct irsa_role_plan *plan, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	irsa_strlist_add(&plan->notes, s);
	free(s);
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
		plan->trust = json_deep_copy(req->trust);
		return irsa_trust_check_size(plan->trust, req->trust_limit, err);
	}
	if (state_trust(state, req->role_name, &existing, err) < 0)
		return -1;
	if (irsa_trust_merge(existing, req->trust, &merged, &changed, err) < 0) {
		json_decref(existing);
		return -1;
	}
	json_decref(existing);
	plan->trust = merged;
	if (!changed)
		return 0;
	if (irsa_trust_check_size(merged, req->trust_limit, err) < 0)
		return irsa_error_prefix(err, "role '%s'", req->role_name);
	add_action(plan, IRSA_ROLE_UPDATE_TRUST, req->role_name, merged, NULL);
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
	if (req->description && strcmp(req->description, r->description ? r->description : "") != 0) {
		plan->description = irsa_strdup(req->description);
		irsa_buf_puts(&what, "description");
	}
	if (req->max_session_duration > 0 && req->max_session_duration != r->max_session_duration) {
		plan->max_session_duration = req->max_session_duration;
		irsa_buf_printf(&what, "%smax-session-duration %d", what.len ? ", " : "",
				req->max_session_duration);
	}
	if (what.len)
		add_action(plan, IRSA_ROLE_UPDATE, req->role_name, NULL, irsa_buf_detach(&what));
	irsa_buf_release(&what);
	if (req->permissions_boundary &&
	    strcmp(req->permissions_boundary, r->permissions_boundary ? r->permissions_boundary : "") != 0) {
		plan->permissions_boundary = irsa_strdup(req->permissions_boundary);
		add_action(plan, IRSA_ROLE_PUT_BOUNDARY, req->role_name, NULL,
			   irsa_strdup(req->permissions_boundary));
	}
	for (size_t i = 0; req->tags && i < req->tags->n; i++) {
		const char *have = tag_value(&r->tags, req->tags->items[i].key);

		if (have && strcmp(have, req->tags->items[i].value) == 0)
			continue;
		irsa_tags_add(&plan->tags, req->tags->items[i].key, req->tags->items[i].value);
		irsa_buf_printf(&keys, "%s%s", keys.len ? ", " : "", req->tags->items[i].key);
	}
	if (plan->tags.n)
		add_action(plan, IRSA_ROLE_TAG, req->role_name, NULL, irsa_buf_detach(&keys));
	irsa_buf_release(&keys);
	return 0;
}

static int plan_managed(const struct irsa_role_request *req, const struct irsa_role_state *state,
			struct irsa_role_plan *plan, struct irsa_error *err)
{
	size_t n_after = 0;

	plan->managed = json_array();
	for (size_t i = 0; i < state->n_attached; i++) {
		const char *arn = state->attached[i].arn;

		if (req->prune && !list_has(req->managed_arns, req->n_managed_arns, arn)) {
			add_action(plan, IRSA_ROLE_DETACH_POLICY, arn, NULL, NULL);
			continue;
		}
		if (!req->prune && !list_has(req->managed_arns, req->n_managed_arns, arn))
			note(plan, "managed policy '%s' is attached to role '%s' but was not asked "
			     "for; kept (--prune detaches it)", arn, req->role_name);
		json_array_append_new(plan->managed, json_string(arn));
		n_after++;
	}
	for (size_t i = 0; i < req->n_managed_arns; i++) {
		const char *arn = req->managed_arns[i];

		if (attached_has(state, arn) || list_has(req->managed_arns, i, arn))
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
			add_action(plan, IRSA_ROLE_PUT_INLINE_POLICY, p->name, p->document, NULL);
		json_decref(have_doc);
		json_object_set_new(plan->inline_policies, p->name, json_deep_copy(p->document));
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
	struct irsa_role_plan plan = { 0 };

	if (irsa_iam_check_role_request(req, err) < 0 ||
	    irsa_iam_check_role_totals(req, state, err) < 0)
		return -1;
	plan.role_name = irsa_strdup(req->role_name);
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
	if (plan_managed(req, state, &plan, err) < 0 || plan_inline(req, state, &plan, err) < 0)
		goto fail;
	plan.status = !state->exists ? IRSA_ROLE_CREATED
		      : plan.n_actions ? IRSA_ROLE_UPDATED
				       : IRSA_ROLE_UNCHANGED;
	*ret = plan;
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
	r = irsa_role_plan_apply_compute(req, &state, ret, err);
	irsa_role_state_release(&state);
	return r;
}

int irsa_role_plan_delete(struct irsa_aws *aws, const char *role_name, bool force,
			  struct irsa_role_plan *ret, struct irsa_error *err)
{
	struct irsa_role_state state = { 0 };
	struct irsa_role_plan plan = { 0 };

	if (irsa_role_read(aws, role_name, NULL, &state, err) < 0)
		return -1;
	plan.role_name = irsa_strdup(role_name);
	plan.managed = json_array();
	plan.inline_policies = json_object();
	if (!state.exists) {
		note(&plan, "role '%s' does not exist; nothing to delete", role_name);
		plan.status = IRSA_ROLE_ABSENT;
		*ret = plan;
		return 0;
	}
	if (!force && !irsa_iam_role_is_owned(&state.role)) {
		irsa_error_set(err, IRSA_ERR_CONFLICT,
			       "role '%s' was not made by irsactl (no '%s' tag and no irsactl "
			       "trust statement), so it is not deleted; check the role, then pass "
			       "--force to delete it with its %zu managed and %zu inline policies",
			       role_name, IRSA_OWNER_TAG_KEY, state.n_attached, state.inline_names.n);
		irsa_role_state_release(&state);
		irsa_role_plan_release(&plan);
		return -1;
	}
	plan.role_arn = irsa_strdup(state.role.arn);
	for (size_t i = 0; i < state.n_attached; i++)
		add_action(&plan, IRSA_ROLE_DETACH_POLICY, state.attached[i].arn, NULL, NULL);
	for (size_t i = 0; i < state.inline_names.n; i++)
		add_action(&plan, IRSA_ROLE_DELETE_INLINE_POLICY, state.inline_names.items[i], NULL,
			   NULL);
	add_action(&plan, IRSA_ROLE_DELETE, role_name, NULL, NULL);
	plan.status = IRSA_ROLE_DELETED;
	irsa_role_state_release(&state);
	*ret = plan;
	return 0;
}

int irsa_role_plan_remove(struct irsa_aws *aws, const char *role_name, const char *issuer,
			  const struct irsa_subject *subjects, size_t n_subjects,
			  struct irsa_role_plan *ret, struct irsa_error *err)
{
	struct irsa_role_state state = { 0 };
	struct irsa_role_plan plan = { 0 };
	json_t *doc = NULL;
	size_t total = 0;

	if (irsa_role_read(aws, role_name, NULL, &state, err) < 0)
		return -1;
	if (!state.exists)
		return irsa_error_set(err, IRSA_ERR_NOT_FOUND,
				      "role '%s' does not exist; check the name with 'aws iam "
				      "get-role --role-name %s'", role_name, role_name);
	if (state_trust(&state, role_name, &doc, err) < 0)
		goto fail;
	plan.role_name = irsa_strdup(role_name);
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
		add_action(&plan, IRSA_ROLE_UPDATE_TRUST, role_name, plan.trust, NULL);
		plan.status = IRSA_ROLE_UPDATED;
	}
	if (irsa_trust_count_owned(plan.trust) == 0)
		note(&plan, "role '%s' has no irsactl trust statement left; it is kept: delete it "
		     "with 'irsactl delete-role --role-name %s' if it is no longer needed",
		     role_name, role_name);
	irsa_role_state_release(&state);
	*ret = plan;
	return 0;
fail:
	json_decref(doc);
	irsa_role_state_release(&state);
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

static int run_action(struct irsa_aws *aws, struct irsa_role_plan *plan,
		      const struct irsa_role_action *a, struct irsa_error *err)
{
	_cleanup_free_ char *doc = a->document ? irsa_policy_compact(a->document) : NULL;
	const char *role = plan->role_name;

	switch (a->verb) {
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
	}
	return irsa_error_set(err, IRSA_ERR_INTERNAL, "unknown role action %d", (int)a->verb);
}

int irsa_role_plan_execute(struct irsa_aws *aws, struct irsa_role_plan *plan,
			   void (*progress)(void *userdata, const struct irsa_role_action *a),
			   void *userdata, struct irsa_error *err)
{
	for (size_t i = 0; i < plan->n_actions; i++) {
		const struct irsa_role_action *a = &plan->actions[i];

		if (progress)
			progress(userdata, a);
		if (run_action(aws, plan, a, err) < 0) {
			if (err && err->code[0] && strcmp(err->code, "MalformedPolicyDocument") == 0 &&
			    (a->verb == IRSA_ROLE_CREATE || a->verb == IRSA_ROLE_UPDATE_TRUST))
				return irsa_error_prefix(err, "%s '%s' (does the OIDC provider "
							 "exist? see 'irsactl associate-oidc')",
							 irsa_role_verb_name(a->verb), a->target);
			return irsa_error_prefix(err, "%s '%s'", irsa_role_verb_name(a->verb),
						 a->target);
		}
	}
	plan->executed = true;
	return 0;
}

json_t *irsa_role_plan_to_json(const struct irsa_role_plan *plan, bool dry_run)
{
	json_t *actions = json_array(), *notes = json_array();

	for (size_t i = 0; i < plan->n_actions; i++) {
		const struct irsa_role_action *a = &plan->actions[i];
		json_t *o = json_pack("{s:s, s:s}", "verb", irsa_role_verb_name(a->verb), "target",
				      a->target);

		if (a->details)
			json_object_set_new(o, "details", json_string(a->details));
		if (a->document)
			json_object_set(o, "document", a->document);
		json_array_append_new(actions, o);
	}
	for (size_t i = 0; i < plan->notes.n; i++)
		json_array_append_new(notes, json_string(plan->notes.items[i]));
	return json_pack("{s:s?, s:s, s:s, s:b, s:o, s:O?, s:{s:O?, s:O?}, s:o}",
			 "role_arn", plan->role_arn, "role_name", plan->role_name, "status",
			 irsa_role_status_name(plan->status), "dry_run", dry_run, "actions", actions,
			 "trust_policy", plan->trust, "policies", "managed", plan->managed, "inline",
			 plan->inline_policies, "notes", notes);
}
