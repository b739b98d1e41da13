/* irsactl apply --prune: delete the roles of the request's scopes that
 * the request no longer lists, and take irsactl's annotations off their
 * ServiceAccounts (irsa/apply.h). A role is a candidate only when it
 * carries both irsactl's owner tag and the scope tag of one of the
 * request's scopes, so a file never touches another file's roles nor a
 * role irsactl did not make. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsa/alloc.h"
#include "irsa/apply.h"
#include "apply_internal.h"
#include "irsa/iam_rules.h"
#include "irsa/inventory.h"
#include "irsa/kube.h"
#include "irsa/names.h"
#include "irsa/role.h"
#include "irsa/role_read.h"

#define SCOPE_TAG_KEY "irsactl.io/scope"
#define SA_SUBJECT_PREFIX "system:serviceaccount:"

static void prune_sa_free(struct irsa_apply_prune_sa *s)
{
	if (!s)
		return;
	irsa_sa_plan_release(&s->plan);
	irsa_sa_spec_release(&s->spec);
	free(s);
}

void irsa_apply_prune_release(struct irsa_apply_prune *p)
{
	for (size_t i = 0; i < p->n_roles; i++) {
		struct irsa_apply_prune_role *r = &p->roles[i];

		irsa_role_plan_release(&r->plan);
		for (size_t k = 0; k < r->n_sas; k++)
			prune_sa_free(r->sas[k]);
		free(r->sas);
		free(r->scope);
		free(r->failure);
	}
	free(p->roles);
	free(p->failure);
	memset(p, 0, sizeof(*p));
}

int irsa_apply_prune_check(const struct irsa_apply_request *req,
			   const struct irsa_apply_options *opts, struct irsa_error *err)
{
	if (!req->scopes.n)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--prune needs a scope: add a top-level 'scope: NAME' to the "
				      "file (an eksctl ClusterConfig's scope is its metadata.name)");
	if (opts->n_include || opts->n_exclude)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--prune cannot be combined with --include or --exclude: the "
				      "roles left out would be pruned as no longer listed");
	return 0;
}

static void fail_role(struct irsa_apply_prune *p, struct irsa_apply_prune_role *r,
		      const struct irsa_error *e)
{
	if (r->failed)
		return;
	r->failed = true;
	r->failure = irsa_strdup(e->message[0] ? e->message : "failed");
	if (!p->n_failed++)
		p->failure_kind = e->kind != IRSA_ERR_NONE ? e->kind : IRSA_ERR_INTERNAL;
}

/* ---- what the request keeps ---- */

static const char *arn_role_name(const char *arn)
{
	const char *slash = arn ? strrchr(arn, '/') : NULL;

	return slash ? slash + 1 : arn;
}

static bool request_keeps(const struct irsa_apply *a, const char *role_name)
{
	for (size_t i = 0; i < a->n_roles; i++) {
		const struct irsa_apply_role *r = &a->roles[i];
		const char *name = r->external_arn ? arn_role_name(r->external_arn) :
				   r->in.role_name ? r->in.role_name : r->role_name;

		/* IAM role names are unique ignoring case */
		if (name && strcasecmp(name, role_name) == 0)
			return true;
	}
	return false;
}

/* A role of the request that could not be planned may have no name yet:
 * then no role can safely be called unlisted. */
static const struct irsa_apply_role *unplanned_role(const struct irsa_apply *a)
{
	for (size_t i = 0; i < a->n_roles; i++)
		if (!a->roles[i].external_arn && !a->roles[i].planned)
			return &a->roles[i];
	return NULL;
}

/* The scope of the request the role is tagged with, or NULL. */
static const char *role_scope(const struct irsa_apply_request *req, const struct irsa_role *role)
{
	const struct irsa_kv *owner = irsa_tags_find(&role->tags, IRSA_OWNER_TAG_KEY);
	const struct irsa_kv *scope = irsa_tags_find(&role->tags, SCOPE_TAG_KEY);

	if (!owner || strcmp(owner->value, IRSA_OWNER_TAG_VALUE) != 0 || !scope)
		return NULL;
	return irsa_strlist_contains(&req->scopes, scope->value) ? scope->value : NULL;
}

/* ---- reading the candidates ---- */

/* When GetAccountAuthorizationDetails is denied: ListRoles (which has
 * the trust policies but no tags), then full reads of the roles with an
 * irsactl trust statement. */
static int read_roles_listed(struct irsa_aws *aws, struct irsa_role_details **ret, size_t *ret_n,
			     struct irsa_error *err)
{
	struct irsa_role *roles = NULL;
	struct irsa_strlist names = { 0 };
	size_t n = 0;
	int r = -1;

	if (irsa_iam_list_roles(aws, "/", &roles, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (roles[i].name && irsa_iam_role_is_owned(&roles[i]))
			irsa_strlist_add(&names, roles[i].name);
	*ret = irsa_malloc0((names.n + 1) * sizeof(**ret));
	*ret_n = names.n;
	if (!names.n || irsa_iam_read_roles(aws, (const char *const *)names.items, names.n, *ret,
					     NULL, err) == 0)
		r = 0;
	for (size_t i = 0; r == 0 && i < *ret_n; i++)
		if ((*ret)[i].err.kind != IRSA_ERR_NONE) {
			*err = (*ret)[i].err;
			r = -1;
		}
	if (r < 0) {
		irsa_role_details_free(*ret, *ret_n);
		*ret = NULL;
		*ret_n = 0;
	}
	irsa_roles_free(roles, n);
	irsa_strlist_release(&names);
	return r;
}

static int read_account_roles(struct irsa_aws *aws, struct irsa_role_details **ret,
			      size_t *ret_n, struct irsa_error *err)
{
	struct irsa_error bulk = { 0 };

	if (irsa_iam_account_roles(aws, ret, ret_n, &bulk) == 0)
		return 0;
	if (bulk.kind != IRSA_ERR_AUTH) {
		*err = bulk;
		return -1;
	}
	return read_roles_listed(aws, ret, ret_n, err);
}

/* ---- the ServiceAccounts of a pruned role ---- */

/* Whether the request writes ServiceAccounts to cluster c at all, and
 * whether it writes ns/name there (then the apply re-annotates it). */
static bool cluster_used(const struct irsa_apply_request *req, const struct irsa_apply_cluster *c,
			 const char *ns, const char *name, bool *ret_listed)
{
	bool used = false;

	*ret_listed = false;
	for (size_t i = 0; i < req->n_sas; i++) {
		const struct irsa_apply_sa *sa = &req->sas[i];

		if (sa->target != IRSA_APPLY_TARGET_CLUSTER || !irsa_apply_sa_has_cluster(sa, c))
			continue;
		used = true;
		if (strcmp(sa->namespace_, ns) == 0 && strcmp(sa->name, name) == 0)
			*ret_listed = true;
	}
	return used;
}

/* Whether the ServiceAccount names role_arn through an annotation that
 * irsactl's field manager set. */
static int sa_names_role(struct irsa_kube *kube, const char *ns, const char *name,
			 const char *role_arn, bool *ret, struct irsa_error *err)
{
	struct irsa_error gerr = { 0 };
	json_t *obj = NULL;
	const char *value;

	*ret = false;
	if (irsa_kube_get_service_account(kube, ns, name, &obj, &gerr) < 0) {
		if (gerr.kind == IRSA_ERR_NOT_FOUND)
			return 0;
		*err = gerr;
		return -1;
	}
	value = json_string_value(json_object_get(
		json_object_get(json_object_get(obj, "metadata"), "annotations"),
		IRSA_SA_ANNOTATION_ROLE_ARN));
	*ret = value && strcmp(value, role_arn) == 0 &&
	       irsa_sa_owned_by_irsactl(obj, IRSA_SA_ANNOTATION_ROLE_ARN, false);
	json_decref(obj);
	return 0;
}

static int plan_sa(struct irsa_apply *a, struct irsa_apply_prune_role *r, struct irsa_kube *kube,
		   const char *ns, const char *name, struct irsa_error *err)
{
	struct irsa_apply_prune_sa *s = irsa_malloc0(sizeof(*s));
	struct irsa_sa_options so = { .namespace = ns, .name = name, .remove = true };
	struct irsa_sa_apply_options ao = { .dry_run = a->opts.dry_run };

	if (irsa_sa_spec_build(&so, false, &s->spec, err) < 0 ||
	    irsa_sa_plan_apply(kube, &s->spec, &ao, &s->plan, err) < 0) {
		irsa_sa_spec_release(&s->spec);
		free(s);
		return -1;
	}
	r->sas = irsa_realloc(r->sas, (r->n_sas + 1) * sizeof(*r->sas));
	r->sas[r->n_sas++] = s;
	return 0;
}

/* system:serviceaccount:NS:NAME into ns and name; false for anything
 * else, and for a pattern (it names no one object). */
static bool split_subject(const char *subject, char **ret_ns, char **ret_name)
{
	const char *p, *colon;

	if (strncmp(subject, SA_SUBJECT_PREFIX, strlen(SA_SUBJECT_PREFIX)) != 0 ||
	    strpbrk(subject, "*?"))
		return false;
	p = subject + strlen(SA_SUBJECT_PREFIX);
	colon = strchr(p, ':');
	if (!colon || colon == p || !colon[1])
		return false;
	*ret_ns = irsa_strndup(p, (size_t)(colon - p));
	*ret_name = irsa_strdup(colon + 1);
	return true;
}

static int plan_subject(struct irsa_apply *a, struct irsa_apply_prune_role *r,
			struct irsa_aws *aws, const char *subject, const char *role_arn,
			struct irsa_error *err)
{
	_cleanup_free_ char *ns = NULL, *name = NULL;

	if (!split_subject(subject, &ns, &name))
		return 0;
	for (size_t c = 0; c < a->req->n_clusters; c++) {
		struct irsa_kube *kube;
		bool listed, names_role;

		if (!cluster_used(a->req, &a->req->clusters[c], ns, name, &listed) || listed)
			continue;
		if (irsa_apply_open_kube(a, c, aws, &kube, err) < 0 ||
		    sa_names_role(kube, ns, name, role_arn, &names_role, err) < 0)
			return -1;
		if (names_role && plan_sa(a, r, kube, ns, name, err) < 0)
			return -1;
	}
	return 0;
}

static int plan_sas(struct irsa_apply *a, struct irsa_apply_prune_role *r, struct irsa_aws *aws,
		    const struct irsa_role *role, struct irsa_error *err)
{
	struct irsa_listed_role described = { 0 };
	json_t *doc = role->trust_policy ? json_loads(role->trust_policy, 0, NULL) : NULL;
	int rc = 0;

	if (doc && role->arn && irsa_trust_describe_irsa(doc, &described))
		for (size_t i = 0; rc == 0 && i < described.subjects.n; i++)
			rc = plan_subject(a, r, aws, described.subjects.items[i], role->arn, err);
	json_decref(doc);
	irsa_strlist_release(&described.issuers);
	irsa_strlist_release(&described.subjects);
	return rc;
}

/* ---- planning ---- */

/* d's role as the state irsa_role_plan_delete_state() takes; d keeps
 * nothing it must free twice. */
static void take_state(struct irsa_role_details *d, struct irsa_role_state *s)
{
	memset(s, 0, sizeof(*s));
	s->exists = true;
	s->role = d->role;
	memset(&d->role, 0, sizeof(d->role));
	s->attached = d->attached;
	s->n_attached = d->n_attached;
	d->attached = NULL;
	d->n_attached = 0;
	for (size_t i = 0; i < d->n_inline; i++)
		irsa_strlist_add(&s->inline_names, d->inline_policies[i].name);
}

static int plan_role(struct irsa_apply *a, struct irsa_apply_prune_role *r, struct irsa_aws *aws,
		     struct irsa_role_details *d, struct irsa_error *err)
{
	struct irsa_role_state state;
	int rc;

	/* the ServiceAccounts first: they are changed before the role goes */
	if (plan_sas(a, r, aws, &d->role, err) < 0)
		return -1;
	take_state(d, &state);
	rc = irsa_role_plan_delete_state(aws, state.role.name, false, &state, &r->plan, err);
	irsa_role_state_release(&state);
	if (rc == 0) {
		r->planned = true;
		irsa_plan_note(&r->plan.plan, "role '%s' of scope '%s' is no longer listed; --prune "
			       "deletes it", r->plan.role_name, r->scope);
	}
	return rc;
}

static void refuse(struct irsa_apply_prune *p, const struct irsa_apply_role *r)
{
	const char *name = r->in.role_name ? r->in.role_name : r->role_name;

	p->failure = irsa_asprintf("nothing was pruned: role '%s' of the request could not be "
				   "planned, so the roles it leaves out are not known; fix it and "
				   "run again", name ? name : "(unnamed)");
	p->n_failed++;
	p->failure_kind = IRSA_ERR_CONFLICT;
}

int irsa_apply_prune_plan(struct irsa_account *acct, struct irsa_apply *a,
			  struct irsa_apply_prune *ret, struct irsa_error *err)
{
	const struct irsa_apply_role *unplanned;
	struct irsa_role_details *roles = NULL;
	struct irsa_error e = { 0 };
	size_t n = 0;

	memset(ret, 0, sizeof(*ret));
	if (irsa_apply_prune_check(a->req, &a->opts, err) < 0)
		return -1;
	unplanned = unplanned_role(a);
	if (unplanned) {
		refuse(ret, unplanned);
		return 0;
	}
	if (read_account_roles(acct->aws, &roles, &n, &e) < 0) {
		/* the apply goes on; only the pruning waits for the next run */
		ret->failure = irsa_asprintf("nothing was pruned: the account's roles could not be "
					     "read: %s", e.message);
		ret->n_failed++;
		ret->failure_kind = e.kind != IRSA_ERR_NONE ? e.kind : IRSA_ERR_INTERNAL;
		return 0;
	}
	/* allocated once: the plans point into their roles */
	ret->roles = irsa_malloc0((n + 1) * sizeof(*ret->roles));
	for (size_t i = 0; i < n; i++) {
		struct irsa_role_details *d = &roles[i];
		const char *scope = d->found ? role_scope(a->req, &d->role) : NULL;
		struct irsa_apply_prune_role *r;

		memset(&e, 0, sizeof(e));
		if (!scope || request_keeps(a, d->role.name))
			continue;
		r = &ret->roles[ret->n_roles++];
		r->scope = irsa_strdup(scope);
		if (plan_role(a, r, acct->aws, d, &e) < 0)
			fail_role(ret, r, &e);
	}
	irsa_role_details_free(roles, n);
	return 0;
}

/* ---- executing and reporting ---- */

static const char *role_label(const struct irsa_apply_prune_role *r)
{
	return r->plan.plan.label ? r->plan.plan.label :
	       r->plan.role_name ? r->plan.role_name : "(unnamed role)";
}

static void execute_role(struct irsa_apply_prune *p, struct irsa_apply_prune_role *r,
			 irsa_apply_progress_fn progress, void *userdata)
{
	struct irsa_error e = { 0 };

	for (size_t k = 0; k < r->n_sas && !r->failed; k++) {
		struct irsa_plan *sp = &r->sas[k]->plan.plan;

		if (sp->n_actions && irsa_plan_execute(sp, NULL, NULL, &e) < 0)
			fail_role(p, r, &e);
		if (progress)
			progress(userdata, sp->label, r->failed ? "failed" :
				 irsa_plan_status_name(sp->status, true), r->failure);
	}
	if (!r->failed && irsa_plan_execute(&r->plan.plan, NULL, NULL, &e) < 0)
		fail_role(p, r, &e);
}

void irsa_apply_prune_execute(struct irsa_apply_prune *p, const struct irsa_apply *a,
			      irsa_apply_progress_fn progress, void *userdata)
{
	/* a ServiceAccount whose new role failed may still name a role to prune */
	if (a->n_failed && p->n_roles && !p->failure) {
		p->failure = irsa_asprintf("nothing was pruned: %zu objects of the request failed, "
					   "and a ServiceAccount may still use a role to prune; "
					   "run again", a->n_failed);
		p->n_failed++;
		p->failure_kind = a->failure_kind;
		return;
	}
	for (size_t i = 0; i < p->n_roles; i++) {
		struct irsa_apply_prune_role *r = &p->roles[i];

		if (r->planned)
			execute_role(p, r, progress, userdata);
		if (progress)
			progress(userdata, role_label(r), r->failed ? "failed" :
				 irsa_plan_status_name(r->plan.plan.status, true), r->failure);
	}
}

bool irsa_apply_prune_changed(const struct irsa_apply_prune *p)
{
	for (size_t i = 0; i < p->n_roles; i++)
		if (p->roles[i].planned && p->roles[i].plan.plan.status == IRSA_PLAN_DELETE)
			return true;
	return false;
}

void irsa_apply_prune_to_json(const struct irsa_apply_prune *p, json_t *report)
{
	json_t *objects = json_object_get(report, "objects");
	json_t *failed = json_object_get(report, "failed");

	for (size_t i = 0; i < p->n_roles; i++) {
		const struct irsa_apply_prune_role *r = &p->roles[i];

		for (size_t k = 0; r->planned && k < r->n_sas; k++)
			json_array_append_new(objects, irsa_plan_to_json(&r->sas[k]->plan.plan));
		if (r->planned)
			json_array_append_new(objects, irsa_plan_to_json(&r->plan.plan));
		if (r->failed)
			json_array_append_new(failed, json_pack("{s:s, s:s, s:s}", "object", "role",
								"name", role_label(r), "failure",
								r->failure ? r->failure : ""));
	}
	if (p->failure)
		json_array_append_new(failed, json_pack("{s:s, s:s, s:s}", "object", "prune",
							"name", "", "failure", p->failure));
}
