/* The customer-managed policies of a role plan (role.h): reading them,
 * planning their creation or new default version before they are
 * attached, their deletion with the role (--delete-policies), and running
 * those actions. */
#include <stdlib.h>
#include <string.h>

#include "irsa/iam_rules.h"
#include "irsa/log.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"
#include "role_internal.h"

/* ---- reading -------------------------------------------------------------- */

int irsa_role_read_managed_policies(struct irsa_aws *aws, const struct irsa_role_request *req,
				    struct irsa_role_state *state, struct irsa_error *err)
{
	state->policies = irsa_malloc0((req->n_managed_policies + 1) * sizeof(*state->policies));
	for (size_t i = 0; i < req->n_managed_policies; i++) {
		if (irsa_managed_policy_read(aws, req->managed_policies[i].arn, &state->policies[i],
					     err) < 0)
			return -1;
		state->n_policies = i + 1;
	}
	return 0;
}

/* ---- planning ------------------------------------------------------------- */

static struct irsa_plan_action *add_policy_action(struct irsa_role_plan *plan,
						  enum irsa_role_verb verb, const char *arn,
						  const json_t *document, const char *details)
{
	return irsa_plan_add(&plan->plan, (int)verb, irsa_role_verb_name(verb), plan->role_name, arn,
			     details, document);
}

static bool made_by_irsactl(const struct irsa_tags *tags)
{
	const struct irsa_kv *owner = irsa_tags_find(tags, IRSA_OWNER_TAG_KEY);

	return owner && strcmp(owner->value, IRSA_OWNER_TAG_VALUE) == 0;
}

static void remember_creation(struct irsa_role_plan *plan, const struct irsa_role_managed_policy *mp)
{
	plan->policies = irsa_realloc(plan->policies, (plan->n_policies + 1) * sizeof(*plan->policies));
	plan->policies[plan->n_policies++] = (struct irsa_role_plan_policy){
		irsa_strdup(mp->arn), irsa_strdup(mp->name),
		mp->description ? irsa_strdup(mp->description) : NULL
	};
}

static int plan_one(struct irsa_role_plan *plan, const struct irsa_role_managed_policy *mp,
		    const struct irsa_managed_policy_state *have, struct irsa_error *err)
{
	struct irsa_managed_policy_plan step = { 0 };
	struct irsa_plan_action *a;

	if (have && have->current.exists && !made_by_irsactl(&have->policy.tags))
		return irsa_error_set(err, IRSA_ERR_CONFLICT,
				      "the managed policy '%s' exists and irsactl did not make it "
				      "(no tag %s=%s), so it is not changed; attach it with "
				      "--attach-policy-arn, or rename the policy file", mp->arn,
				      IRSA_OWNER_TAG_KEY, IRSA_OWNER_TAG_VALUE);
	if (irsa_managed_policy_plan(mp->document, have ? &have->current : NULL, &step, err) < 0)
		return irsa_error_prefix(err, "managed policy '%s'", mp->arn);
	switch (step.step) {
	case IRSA_MANAGED_POLICY_UNCHANGED:
		break;
	case IRSA_MANAGED_POLICY_CREATE:
		add_policy_action(plan, IRSA_ROLE_CREATE_POLICY, mp->arn, mp->document, NULL);
		remember_creation(plan, mp);
		break;
	case IRSA_MANAGED_POLICY_NEW_VERSION:
		if (step.delete_version_id)
			add_policy_action(plan, IRSA_ROLE_DELETE_POLICY_VERSION, mp->arn, NULL,
					  step.delete_version_id);
		a = add_policy_action(plan, IRSA_ROLE_CREATE_POLICY_VERSION, mp->arn, mp->document,
				      "as the default version");
		a->before = have->current.default_document
				    ? json_deep_copy(have->current.default_document)
				    : NULL;
		break;
	}
	irsa_managed_policy_plan_release(&step);
	return 0;
}

int irsa_role_plan_customer_policies(const struct irsa_role_request *req,
				     const struct irsa_role_state *state,
				     struct irsa_role_plan *plan, struct irsa_error *err)
{
	plan->customer_managed = json_object();
	for (size_t i = 0; i < req->n_managed_policies; i++) {
		const struct irsa_role_managed_policy *mp = &req->managed_policies[i];
		const struct irsa_managed_policy_state *have =
			state->policies && i < state->n_policies ? &state->policies[i] : NULL;

		if (plan_one(plan, mp, have, err) < 0)
			return -1;
		json_object_set(plan->customer_managed, mp->arn, (json_t *)mp->document);
	}
	return 0;
}

/* ---- deleting with the role ------------------------------------------------ */

/* The customer-managed policies among the ARNs the plan detaches. */
static void detached_customer_policies(const struct irsa_role_plan *plan,
				       struct irsa_strlist *ret)
{
	for (size_t i = 0; i < plan->plan.n_actions; i++) {
		const struct irsa_plan_action *a = &plan->plan.actions[i];
		struct irsa_arn arn = { 0 };

		if (a->op != IRSA_ROLE_DETACH_POLICY ||
		    irsa_arn_parse(a->target, "policy ARN", &arn, NULL) < 0)
			continue;
		if (strcmp(arn.account, "aws") != 0)
			irsa_strlist_add(ret, a->target);
		irsa_arn_release(&arn);
	}
}

static const char *policy_name_of(const char *arn)
{
	const char *slash = strrchr(arn, '/');

	return slash ? slash + 1 : arn;
}

/* Plan deleting arn (its other versions, then itself), or say why not. */
static int plan_policy_deletion(struct irsa_role_plan *plan, const char *arn,
				struct irsa_error *err)
{
	struct irsa_policy pol = { 0 };
	struct irsa_strlist roles = { 0 }, boundary_roles = { 0 };
	struct irsa_managed_policy_use use;
	struct irsa_policy_version *versions = NULL;
	size_t n_versions = 0;
	char *why = NULL;
	int r = -1;

	if (irsa_iam_get_policy(plan->aws, arn, &pol, err) < 0) {
		if (err && err->kind == IRSA_ERR_NOT_FOUND) {
			irsa_error_clear(err);
			return 0;
		}
		return -1;
	}
	/* a boundary in use is not among the entities it is attached to, and
	 * IAM refuses to delete it: name its roles when there are some */
	if (made_by_irsactl(&pol.tags) &&
	    (irsa_iam_list_policy_roles(plan->aws, arn, &roles, err) < 0 ||
	     (pol.boundary_usage_count > 0 &&
	      irsa_iam_list_policy_boundary_roles(plan->aws, arn, &boundary_roles, err) < 0)))
		goto out;
	use = (struct irsa_managed_policy_use){ &pol.tags, pol.attachment_count, &roles,
						pol.boundary_usage_count, &boundary_roles };
	why = irsa_managed_policy_kept_reason(&use, plan->role_name);
	if (why) {
		irsa_plan_note(&plan->plan, "managed policy '%s' is kept: %s", arn, why);
		r = 0;
		goto out;
	}
	if (irsa_iam_list_policy_versions(plan->aws, arn, &versions, &n_versions, err) < 0)
		goto out;
	for (size_t i = 0; i < n_versions; i++)
		if (!versions[i].is_default)
			add_policy_action(plan, IRSA_ROLE_DELETE_POLICY_VERSION, arn, NULL,
					  versions[i].version_id);
	add_policy_action(plan, IRSA_ROLE_DELETE_POLICY, arn, NULL, NULL);
	r = 0;
out:
	free(why);
	irsa_policy_versions_free(versions, n_versions);
	irsa_strlist_release(&roles);
	irsa_strlist_release(&boundary_roles);
	irsa_policy_release(&pol);
	return r;
}

int irsa_role_plan_delete_policies(struct irsa_role_plan *plan, bool delete,
				   struct irsa_error *err)
{
	struct irsa_strlist arns = { 0 };
	int r = 0;

	detached_customer_policies(plan, &arns);
	for (size_t i = 0; i < arns.n && r == 0; i++) {
		if (delete)
			r = plan_policy_deletion(plan, arns.items[i], err);
		else if (irsa_str_has_prefix(policy_name_of(arns.items[i]), IRSA_POLICY_NAME_PREFIX))
			irsa_plan_note(&plan->plan,
				       "managed policy '%s' is kept (--delete-policies deletes the "
				       "policies irsactl made that no other role uses)",
				       arns.items[i]);
	}
	irsa_strlist_release(&arns);
	return r;
}

/* ---- execution ------------------------------------------------------------ */

static const struct irsa_role_plan_policy *creation_of(const struct irsa_role_plan *plan,
						       const char *arn)
{
	for (size_t i = 0; i < plan->n_policies; i++)
		if (strcmp(plan->policies[i].arn, arn) == 0)
			return &plan->policies[i];
	return NULL;
}

/* The policy appeared since the plan was made (a retried CreatePolicy that
 * went through the first time): make it hold the document all the same. */
static int converge(struct irsa_aws *aws, const struct irsa_role_plan_policy *p,
		    const json_t *document, const struct irsa_tags *tags, struct irsa_error *err)
{
	struct irsa_managed_policy_state state = { 0 };
	struct irsa_managed_policy_plan step = { 0 };
	int r;

	irsa_log_debug("managed policy '%s' already exists; checking its document instead",
		       p->arn);
	r = irsa_managed_policy_read(aws, p->arn, &state, err);
	if (r == 0)
		r = irsa_managed_policy_plan(document, &state.current, &step, err);
	if (r == 0)
		r = irsa_managed_policy_apply(aws, p->arn, p->name, "/", document, p->description,
					      tags, &step, err);
	irsa_managed_policy_plan_release(&step);
	irsa_managed_policy_state_release(&state);
	return r;
}

static int create_policy(struct irsa_role_plan *plan, const struct irsa_plan_action *a,
			 struct irsa_error *err)
{
	const struct irsa_role_plan_policy *p = creation_of(plan, a->target);
	_cleanup_free_ char *text = irsa_policy_compact(a->document);
	struct irsa_tags tags = { 0 };
	struct irsa_policy created = { 0 };
	int r;

	if (!p || !text)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "no managed policy '%s' in the plan",
				      a->target);
	irsa_tags_add(&tags, IRSA_OWNER_TAG_KEY, IRSA_OWNER_TAG_VALUE);
	r = irsa_iam_create_policy(plan->aws, p->name, "/", text, p->description, &tags, &created,
				   err);
	if (r < 0 && err && strcmp(err->code, "EntityAlreadyExists") == 0) {
		irsa_error_clear(err);
		r = converge(plan->aws, p, a->document, &tags, err);
	}
	irsa_policy_release(&created);
	irsa_tags_release(&tags);
	return r;
}

/* Deleting what is already gone is fine: a re-run after a partial one. */
static int gone_is_fine(int r, struct irsa_error *err)
{
	if (r < 0 && err && err->kind == IRSA_ERR_NOT_FOUND) {
		irsa_error_clear(err);
		return 0;
	}
	return r;
}

int irsa_role_run_policy_action(struct irsa_role_plan *plan, struct irsa_plan_action *a,
				struct irsa_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *version = NULL;

	switch ((enum irsa_role_verb)a->op) {
	case IRSA_ROLE_CREATE_POLICY:
		return create_policy(plan, a, err);
	case IRSA_ROLE_CREATE_POLICY_VERSION:
		text = irsa_policy_compact(a->document);
		if (!text)
			return irsa_error_set(err, IRSA_ERR_INTERNAL,
					      "cannot write the policy document");
		return irsa_iam_create_policy_version(plan->aws, a->target, text, true, &version,
						      err);
	case IRSA_ROLE_DELETE_POLICY_VERSION:
		return gone_is_fine(irsa_iam_delete_policy_version(plan->aws, a->target, a->details,
								   err), err);
	case IRSA_ROLE_DELETE_POLICY:
		return gone_is_fine(irsa_iam_delete_policy(plan->aws, a->target, err), err);
	default:
		break;
	}
	return irsa_error_set(err, IRSA_ERR_INTERNAL, "unknown managed policy action %d", a->op);
}
