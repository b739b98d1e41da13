/* Customer-managed policies: names, ARNs, create / new version planning. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsa/buf.h"
#include "irsa/iam_rules.h"
#include "irsa/managed_policy.h"
#include "irsa/names.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"

void irsa_managed_policy_plan_release(struct irsa_managed_policy_plan *p)
{
	if (!p)
		return;
	free(p->delete_version_id);
	memset(p, 0, sizeof(*p));
}

/* The oldest version that is not the default: by creation date, then by
 * the number in the version ID ("v3" before "v12") when dates tie. */
static const struct irsa_policy_version *
oldest_non_default(const struct irsa_policy_version *v, size_t n)
{
	const struct irsa_policy_version *best = NULL;

	for (size_t i = 0; i < n; i++) {
		int c;

		if (v[i].is_default)
			continue;
		if (!best) {
			best = &v[i];
			continue;
		}
		c = strcmp(v[i].create_date ? v[i].create_date : "",
			   best->create_date ? best->create_date : "");
		if (c < 0 || (c == 0 && strtol(v[i].version_id + (v[i].version_id[0] == 'v'), NULL, 10) <
						strtol(best->version_id + (best->version_id[0] == 'v'),
						       NULL, 10)))
			best = &v[i];
	}
	return best;
}

int irsa_managed_policy_plan(const json_t *desired, const struct irsa_managed_policy_current *cur,
			     struct irsa_managed_policy_plan *ret, struct irsa_error *err)
{
	const struct irsa_policy_version *old;

	memset(ret, 0, sizeof(*ret));
	if (!cur || !cur->exists) {
		ret->step = IRSA_MANAGED_POLICY_CREATE;
		return 0;
	}
	if (cur->default_document && irsa_policy_equal(cur->default_document, desired)) {
		ret->step = IRSA_MANAGED_POLICY_UNCHANGED;
		return 0;
	}
	ret->step = IRSA_MANAGED_POLICY_NEW_VERSION;
	if (cur->n_versions < IRSA_POLICY_VERSIONS_MAX)
		return 0;
	old = oldest_non_default(cur->versions, cur->n_versions);
	if (!old)
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "the managed policy has %zu versions and none that is not the "
				      "default; delete one (aws iam delete-policy-version)",
				      cur->n_versions);
	ret->delete_version_id = irsa_strdup(old->version_id);
	return 0;
}

char *irsa_managed_policy_arn(const char *partition, const char *account, const char *path,
			      const char *name)
{
	return irsa_asprintf("arn:%s:iam::%s:policy%s%s", partition, account,
			     path && *path ? path : "/", name);
}

char *irsa_managed_policy_name(const struct irsa_policy_ref *ref)
{
	struct irsa_buf key = IRSA_BUF_INIT;
	char *name;

	if (ref->n_params == 0)
		return irsa_asprintf("irsactl-%s", ref->name);
	for (size_t i = 0; i < ref->n_params; i++)
		irsa_buf_printf(&key, "%s=%s\n", ref->params[i].key, ref->params[i].value);
	name = irsa_asprintf("irsactl-%s-%08x", ref->name, irsa_name_hash(irsa_buf_str(&key)));
	irsa_buf_release(&key);
	return name;
}

bool irsa_managed_policy_deletable(const struct irsa_tags *policy_tags, const char *role_name,
				   const struct irsa_strlist *entity_roles)
{
	const struct irsa_kv *owner = irsa_tags_find(policy_tags, IRSA_OWNER_TAG_KEY);

	if (!owner || strcmp(owner->value, IRSA_OWNER_TAG_VALUE) != 0)
		return false;
	for (size_t i = 0; entity_roles && i < entity_roles->n; i++)
		if (strcasecmp(entity_roles->items[i], role_name) != 0)
			return false;
	return true;
}

/* "'a', 'b'" of the names in l but role_name; *ret_n counts them. */
static void other_names(const struct irsa_strlist *l, const char *role_name,
			struct irsa_buf *ret, size_t *ret_n)
{
	*ret_n = 0;
	for (size_t i = 0; l && i < l->n; i++) {
		if (strcasecmp(l->items[i], role_name) == 0)
			continue;
		irsa_buf_printf(ret, "%s'%s'", *ret_n ? ", " : "", l->items[i]);
		(*ret_n)++;
	}
}

static void add_reason(struct irsa_buf *why, const char *reason)
{
	irsa_buf_printf(why, "%s%s", why->len ? "; " : "", reason);
}

static void attached_reason(const struct irsa_managed_policy_use *use, const char *role_name,
			    struct irsa_buf *why)
{
	struct irsa_buf names = IRSA_BUF_INIT;
	size_t n, listed = use->roles ? use->roles->n : 0;
	char *s;

	other_names(use->roles, role_name, &names, &n);
	if (n) {
		s = irsa_asprintf("the role%s %s also use%s it", n > 1 ? "s" : "",
				  irsa_buf_str(&names), n > 1 ? "" : "s");
		add_reason(why, s);
		free(s);
	} else if (use->attachment_count > 0 && (size_t)use->attachment_count > listed) {
		add_reason(why, "users or groups use it");
	}
	irsa_buf_release(&names);
}

static void boundary_reason(const struct irsa_managed_policy_use *use, const char *role_name,
			    struct irsa_buf *why)
{
	struct irsa_buf names = IRSA_BUF_INIT;
	size_t n, listed = use->boundary_roles ? use->boundary_roles->n : 0;
	/* the count takes in users too; the list names roles only */
	bool users = use->boundary_count > 0 && (size_t)use->boundary_count > listed;
	char *s;

	other_names(use->boundary_roles, role_name, &names, &n);
	if (n)
		s = irsa_asprintf("it is the permissions boundary of the role%s %s%s",
				  n > 1 ? "s" : "", irsa_buf_str(&names), users ? " and of users" : "");
	else
		s = users ? irsa_strdup("it is the permissions boundary of users") : NULL;
	if (s)
		add_reason(why, s);
	free(s);
	irsa_buf_release(&names);
}

char *irsa_managed_policy_kept_reason(const struct irsa_managed_policy_use *use,
				      const char *role_name)
{
	struct irsa_buf why = IRSA_BUF_INIT;

	if (!irsa_managed_policy_deletable(use->tags, role_name, NULL))
		return irsa_asprintf("irsactl did not make it (no tag %s=%s)", IRSA_OWNER_TAG_KEY,
				     IRSA_OWNER_TAG_VALUE);
	attached_reason(use, role_name, &why);
	boundary_reason(use, role_name, &why);
	if (!why.len) {
		irsa_buf_release(&why);
		return NULL;
	}
	return irsa_buf_detach(&why);
}

void irsa_managed_policy_state_release(struct irsa_managed_policy_state *s)
{
	if (!s)
		return;
	irsa_policy_release(&s->policy);
	json_decref(s->default_document);
	irsa_policy_versions_free(s->versions, s->n_versions);
	memset(s, 0, sizeof(*s));
}

int irsa_managed_policy_read(struct irsa_aws *aws, const char *arn,
			     struct irsa_managed_policy_state *ret, struct irsa_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *what = NULL;

	memset(ret, 0, sizeof(*ret));
	if (irsa_iam_get_policy(aws, arn, &ret->policy, err) < 0) {
		if (err && err->kind == IRSA_ERR_NOT_FOUND) {
			irsa_error_clear(err);
			return 0;
		}
		return -1;
	}
	what = irsa_asprintf("managed policy '%s' (version %s)", arn,
			     ret->policy.default_version_id ? ret->policy.default_version_id : "?");
	if (irsa_iam_get_policy_version(aws, arn, ret->policy.default_version_id, &text, err) < 0 ||
	    irsa_policy_parse(text, what, &ret->default_document, err) < 0 ||
	    irsa_iam_list_policy_versions(aws, arn, &ret->versions, &ret->n_versions, err) < 0) {
		irsa_managed_policy_state_release(ret);
		return -1;
	}
	ret->current = (struct irsa_managed_policy_current){ true, ret->default_document,
							     ret->versions, ret->n_versions };
	return 0;
}

int irsa_managed_policy_apply(struct irsa_aws *aws, const char *arn, const char *name,
			      const char *path, const json_t *document, const char *description,
			      const struct irsa_tags *tags,
			      const struct irsa_managed_policy_plan *plan, struct irsa_error *err)
{
	_cleanup_free_ char *text = irsa_policy_compact(document);
	_cleanup_free_ char *version = NULL;
	struct irsa_policy created = { 0 };

	if (!text)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot write the policy document");
	switch (plan->step) {
	case IRSA_MANAGED_POLICY_UNCHANGED:
		return 0;
	case IRSA_MANAGED_POLICY_CREATE:
		if (irsa_iam_create_policy(aws, name, path, text, description, tags, &created,
					   err) < 0)
			return -1;
		irsa_policy_release(&created);
		return 0;
	case IRSA_MANAGED_POLICY_NEW_VERSION:
		if (plan->delete_version_id &&
		    irsa_iam_delete_policy_version(aws, arn, plan->delete_version_id, err) < 0)
			return -1;
		return irsa_iam_create_policy_version(aws, arn, text, true, &version, err);
	}
	return irsa_error_set(err, IRSA_ERR_INTERNAL, "unknown managed policy step");
}
