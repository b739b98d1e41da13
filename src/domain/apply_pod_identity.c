/* EKS Pod Identity in `irsactl apply` (irsa/apply.h): the trust of a role
 * whose service accounts use Pod Identity, their ServiceAccount objects
 * (no role-arn annotation), and the associations, planned from one list
 * per cluster and executed after the roles. */
#include <stdlib.h>
#include <string.h>

#include "irsa/alloc.h"
#include "irsa/apply.h"
#include "apply_internal.h"
#include "irsa/buf.h"
#include "irsa/eks.h"
#include "irsa/names.h"
#include "irsa/pod_identity.h"
#include "irsa/strutil.h"

enum association_op { ASSOCIATION_CREATE, ASSOCIATION_UPDATE };

static bool uses_irsa(const struct irsa_apply_sa *sa)
{
	return sa->mechanism != IRSA_APPLY_POD_IDENTITY;
}

static bool uses_pod_identity(const struct irsa_apply_sa *sa)
{
	return sa->mechanism != IRSA_APPLY_IRSA;
}

/* Whether one of r's service accounts passes `uses`. */
static bool role_has(const struct irsa_apply_request *req, const struct irsa_apply_role *r,
		     bool (*uses)(const struct irsa_apply_sa *))
{
	for (size_t k = 0; k < r->n_sas; k++)
		if (uses(&req->sas[r->sas[k]]))
			return true;
	return false;
}

bool irsa_apply_role_trusts_subject(const struct irsa_apply_request *req,
				    const struct irsa_apply_role *r, const struct irsa_apply_sa *sa)
{
	/* a Pod Identity-only role still names its accounts: they make its
	 * default name and validate the request, and no OIDC statement is made */
	return uses_irsa(sa) || !role_has(req, r, uses_irsa);
}

/* ---- the role ---------------------------------------------------------- */

/* The clusters exist (DescribeCluster), as the IRSA path learns from their
 * issuers: a role is not made for an association that cannot be. */
static int check_clusters(struct irsa_account *acct, const struct irsa_trust_request *t,
			  struct irsa_error *err)
{
	for (size_t i = 0; i < t->n_clusters; i++) {
		struct irsa_eks_cluster c = { 0 };

		if (irsa_eks_describe_cluster(acct->aws, t->clusters[i], &c, err) < 0)
			return -1;
		irsa_eks_cluster_release(&c);
	}
	return 0;
}

/* A Pod Identity-only role: create-role's request with the Pod Identity
 * trust alone (no service account, no issuer: no OIDC provider needed);
 * its one cluster, if one, for the templates and the default name. */
static int parse_pod_identity_only(const struct irsa_create_role_request *cr,
				   struct irsa_create_role_input *in, struct irsa_error *err)
{
	const struct irsa_trust_request *t = &cr->trust;
	struct irsa_create_role_request pi = *cr;
	_cleanup_free_ char *name = NULL;

	memset(&pi.trust, 0, sizeof(pi.trust));
	pi.trust.pod_identity = true;
	pi.trust.trust_role_arns = t->trust_role_arns;
	pi.trust.n_trust_role_arns = t->n_trust_role_arns;
	pi.template_cluster = t->n_clusters == 1 ? t->clusters[0] : NULL;
	if (!pi.role_name && t->n_namespaces == 1 && t->n_service_accounts == 1 &&
	    t->n_clusters == 1 && t->n_issuer_urls == 0) {
		name = irsa_default_role_name(t->clusters[0], t->namespaces[0],
					      t->service_accounts[0]);
		pi.role_name = name;
	}
	if (!pi.role_name)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give 'roleName': a default name needs exactly one cluster "
				      "and one service account");
	return irsa_create_role_parse(&pi, in, err);
}

int irsa_apply_role_resolve(struct irsa_account *acct, const struct irsa_apply_request *req,
			    const struct irsa_apply_role *r,
			    const struct irsa_create_role_request *cr,
			    struct irsa_create_role_input *in, struct irsa_error *err)
{
	struct irsa_create_role_request with_oidc = *cr;

	if (!role_has(req, r, uses_irsa)) {
		if (check_clusters(acct, &cr->trust, err) < 0 ||
		    parse_pod_identity_only(cr, in, err) < 0)
			return -1;
	} else {
		/* the OIDC statements, and the Pod Identity one when an account uses it */
		with_oidc.trust.pod_identity = role_has(req, r, uses_pod_identity);
		if (irsa_create_role_parse(&with_oidc, in, err) < 0)
			return -1;
	}
	return irsa_create_role_resolve(acct, in, err);
}

/* ---- the ServiceAccount ------------------------------------------------ */

int irsa_apply_pod_identity_sa_spec(const struct irsa_apply_sa *sa, struct irsa_sa_spec *spec,
				    struct irsa_error *err)
{
	/* irsa_sa_spec_build() validates names, labels and annotations but
	 * wants a role: built with a stand-in, whose annotation is then taken
	 * out (Pod Identity needs none) */
	struct irsa_sa_options o = {
		.namespace = sa->namespace_,
		.name = sa->name,
		.role_arn = "arn:aws:iam::000000000000:role/stand-in",
	};
	int rc = irsa_apply_sa_spec_build(sa, &o, spec, err);

	if (rc < 0)
		return -1;
	for (size_t i = 0; i < spec->n_annotations; i++) {
		if (strcmp(spec->annotations[i].key, IRSA_SA_ANNOTATION_ROLE_ARN) != 0)
			continue;
		free(spec->annotations[i].key);
		free(spec->annotations[i].value);
		memmove(&spec->annotations[i], &spec->annotations[i + 1],
			(spec->n_annotations - i - 1) * sizeof(*spec->annotations));
		spec->n_annotations--;
		break;
	}
	return 0;
}

/* ---- the associations -------------------------------------------------- */

static void fail(struct irsa_apply *a, struct irsa_apply_association *o, const struct irsa_error *e)
{
	if (o->failed)
		return;
	o->failed = true;
	o->failure = irsa_strdup(e->message[0] ? e->message : "failed");
	if (!a->n_failed++)
		a->failure_kind = e->kind != IRSA_ERR_NONE ? e->kind : IRSA_ERR_INTERNAL;
}

/* The associations of one cluster, listed once for every account. */
struct cluster_associations {
	bool listed;
	struct irsa_pod_identity_association *items;
	size_t n;
	struct irsa_error error;
};

static void cluster_associations_release(struct cluster_associations *c)
{
	irsa_pod_identity_associations_free(c->items, c->n);
}

static const struct irsa_pod_identity_association *
find_summary(const struct cluster_associations *c, const char *ns, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->items[i].namespace_ && c->items[i].service_account &&
		    strcmp(c->items[i].namespace_, ns) == 0 &&
		    strcmp(c->items[i].service_account, name) == 0)
			return &c->items[i];
	return NULL;
}

static const char *role_arn_of(const struct irsa_apply_role *r)
{
	return r->external_arn ? r->external_arn : r->plan.role_arn;
}

static void report_subject(struct irsa_apply_association *o, const struct irsa_apply_sa *sa,
			   const char *target_role_arn)
{
	json_t *subj = o->plan.subject, *res = o->plan.result;

	json_object_set_new(subj, "cluster", json_string(o->cluster_name));
	json_object_set_new(subj, "namespace", json_string(sa->namespace_));
	json_object_set_new(subj, "service_account", json_string(sa->name));
	json_object_set_new(subj, "role_arn", o->role_arn ? json_string(o->role_arn) : json_null());
	json_object_set_new(subj, "target", json_string("pod-identity-association"));
	json_object_set_new(res, "association_id",
			    o->association_id ? json_string(o->association_id) : json_null());
	json_object_set_new(res, "target_role_arn",
			    target_role_arn ? json_string(target_role_arn) : json_null());
	json_object_set_new(res, "disable_session_tags", json_boolean(o->disable_session_tags));
}

static void spec_of(const struct irsa_apply *a, const struct irsa_apply_association *o,
		    struct irsa_pod_identity_spec *spec)
{
	const struct irsa_apply_sa *sa = &a->req->sas[o->sa];

	*spec = (struct irsa_pod_identity_spec){
		.cluster = o->cluster_name,
		.namespace_ = sa->namespace_,
		.service_account = sa->name,
		.role_arn = o->role_arn,
		.target_role_arn = sa->target_role_arn,
		.disable_session_tags = sa->disable_session_tags,
		.tags = sa->tags.n ? &sa->tags : NULL,
	};
}

struct run_ctx {
	struct irsa_apply_association *o;
	struct irsa_pod_identity_spec spec;
};

static int run_association(struct irsa_plan *plan, struct irsa_plan_action *act,
			   struct irsa_error *err)
{
	struct run_ctx *ctx = plan->data;
	struct irsa_apply_association *o = ctx->o;
	struct irsa_pod_identity_association got = { 0 };
	int r;

	if (act->op == ASSOCIATION_CREATE)
		r = irsa_eks_create_pod_identity_association(o->aws, &ctx->spec, &got, err);
	else
		r = irsa_eks_update_pod_identity_association(o->aws, o->association_id, &ctx->spec,
							     &got, err);
	if (r < 0)
		return -1;
	if (got.association_id) {
		free(o->association_id);
		o->association_id = irsa_strdup(got.association_id);
		json_object_set_new(plan->result, "association_id", json_string(got.association_id));
	}
	irsa_pod_identity_association_release(&got);
	return 0;
}

static void add_change_action(struct irsa_apply_association *o, const struct irsa_strlist *changes)
{
	_cleanup_free_ char *details = NULL;
	struct irsa_buf b = IRSA_BUF_INIT;

	for (size_t i = 0; i < changes->n; i++)
		irsa_buf_printf(&b, "%s%s", i ? "; " : "", changes->items[i]);
	details = irsa_buf_detach(&b);
	irsa_plan_add(&o->plan, ASSOCIATION_UPDATE, "update-pod-identity-association",
		      o->cluster_name, o->association_id, details, NULL);
}

static int plan_association(struct irsa_apply *a, struct irsa_apply_association *o,
			    struct cluster_associations *list, struct irsa_error *err)
{
	const struct irsa_apply_sa *sa = &a->req->sas[o->sa];
	const struct irsa_pod_identity_association *summary;
	struct irsa_pod_identity_association have = { 0 };
	struct irsa_pod_identity_spec spec;
	struct irsa_strlist changes = { 0 };
	enum irsa_pod_identity_step step;

	spec_of(a, o, &spec);
	if (irsa_pod_identity_check(&spec, err) < 0)
		return irsa_error_prefix(err, "%s", sa->where);
	if (!list->listed) {
		list->listed = true;
		irsa_eks_list_pod_identity_associations(o->aws, o->cluster_name, NULL, NULL,
							&list->items, &list->n, &list->error);
	}
	if (list->error.kind) {
		*err = list->error;
		return -1;
	}
	summary = find_summary(list, sa->namespace_, sa->name);
	if (summary) {
		if (irsa_eks_describe_pod_identity_association(o->aws, o->cluster_name,
							       summary->association_id, &have,
							       err) < 0)
			return -1;
		o->association_id = irsa_strdup(have.association_id);
	}
	step = irsa_pod_identity_plan(&spec, summary ? &have : NULL, &changes);
	if (step == IRSA_POD_IDENTITY_CREATE) {
		_cleanup_free_ char *details = irsa_asprintf(
			"%s/%s -> %s%s%s%s", sa->namespace_, sa->name, o->role_arn,
			sa->target_role_arn ? " -> " : "",
			sa->target_role_arn ? sa->target_role_arn : "",
			sa->disable_session_tags ? " (session tags off)" : "");

		irsa_plan_add(&o->plan, ASSOCIATION_CREATE, "create-pod-identity-association",
			      o->cluster_name, sa->namespace_, details, NULL);
		o->plan.status = IRSA_PLAN_CREATE;
	} else if (step == IRSA_POD_IDENTITY_UPDATE) {
		add_change_action(o, &changes);
		o->plan.status = IRSA_PLAN_UPDATE;
	}
	if (summary && sa->tags.n && step != IRSA_POD_IDENTITY_CREATE)
		irsa_plan_note(&o->plan, "%s: the tags of an existing Pod Identity association "
			       "are not changed (EKS sets them at creation)", o->plan.label);
	irsa_strlist_release(&changes);
	irsa_pod_identity_association_release(&have);
	report_subject(o, sa, sa->target_role_arn);
	return 0;
}

/* The agent add-on of a cluster: a warning on the first association of
 * the cluster when it is not ACTIVE. */
static void check_agent(struct irsa_apply_association *o)
{
	struct irsa_eks_addon addon = { 0 };
	struct irsa_error e = { 0 };
	_cleanup_free_ char *msg = NULL;
	bool found = irsa_eks_describe_addon(o->aws, o->cluster_name, IRSA_EKS_POD_IDENTITY_AGENT,
					     &addon, &e) == 0;

	if (!found && e.kind != IRSA_ERR_NOT_FOUND) {
		irsa_plan_warn(&o->plan, "cannot tell whether the EKS Pod Identity Agent add-on "
			       "runs in cluster '%s': %s", o->cluster_name, e.message);
		return;
	}
	if (irsa_pod_identity_agent_check(o->cluster_name, found ? &addon : NULL, false, &msg,
					  &e) == 0 && msg)
		irsa_plan_warn(&o->plan, "%s", msg);
	irsa_eks_addon_release(&addon);
}

static struct irsa_apply_association *add_association(struct irsa_apply *a, size_t sa,
						      size_t role, size_t cluster,
						      struct irsa_aws *aws)
{
	struct irsa_apply_association *o;

	a->associations = irsa_realloc(a->associations,
				       (a->n_associations + 1) * sizeof(*a->associations));
	o = &a->associations[a->n_associations++];
	memset(o, 0, sizeof(*o));
	o->sa = sa;
	o->role = role;
	o->cluster = cluster;
	o->aws = aws;
	o->cluster_name = a->req->clusters[cluster].name;
	o->disable_session_tags = a->req->sas[sa].disable_session_tags;
	return o;
}

static void plan_role_associations(struct irsa_apply *a, size_t role, struct irsa_aws *aws,
				   struct cluster_associations *lists, bool *agent_checked)
{
	const struct irsa_apply_role *r = &a->roles[role];

	for (size_t k = 0; k < r->n_sas; k++) {
		const struct irsa_apply_sa *sa = &a->req->sas[r->sas[k]];

		if (!uses_pod_identity(sa))
			continue;
		for (size_t c = 0; c < a->req->n_clusters; c++) {
			const struct irsa_apply_cluster *cl = &a->req->clusters[c];
			struct irsa_apply_association *o;
			struct irsa_error e = { 0 };

			if (!irsa_apply_sa_has_cluster(sa, cl) || (!cl->name && !sa->clusters.n))
				continue;
			o = add_association(a, r->sas[k], role, c, aws);
			irsa_plan_init(&o->plan);
			o->plan.label = irsa_asprintf("Pod Identity association '%s/%s'",
						      sa->namespace_, sa->name);
			o->plan.where = irsa_asprintf("cluster '%s'", cl->name ? cl->name :
						      cl->issuer_url);
			if (!cl->name) {
				irsa_error_set(&e, IRSA_ERR_USAGE, "%s: Pod Identity needs an EKS "
					       "cluster; '%s' is a self-managed issuer", sa->where,
					       cl->issuer_url);
				fail(a, o, &e);
				continue;
			}
			if (!r->planned && !r->external_arn) {
				irsa_error_set(&e, IRSA_ERR_USAGE, "its role could not be planned");
				fail(a, o, &e);
				continue;
			}
			o->role_arn = irsa_strdup(role_arn_of(r));
			if (plan_association(a, o, &lists[c], &e) < 0) {
				fail(a, o, &e);
				continue;
			}
			o->planned = true;
			if (!agent_checked[c]) {
				agent_checked[c] = true;
				check_agent(o);
			}
		}
	}
}

void irsa_apply_plan_pod_identity(struct irsa_account *acct, struct irsa_apply *a)
{
	size_t n = a->req->n_clusters;
	struct cluster_associations *lists = irsa_malloc0((n + 1) * sizeof(*lists));
	bool *agent_checked = irsa_malloc0(n + 1);

	for (size_t i = 0; i < a->n_roles; i++)
		plan_role_associations(a, i, acct->aws, lists, agent_checked);
	for (size_t i = 0; i < n; i++)
		cluster_associations_release(&lists[i]);
	free(lists);
	free(agent_checked);
}

void irsa_apply_execute_pod_identity(struct irsa_apply *a, irsa_apply_progress_fn progress,
				     void *userdata)
{
	for (size_t i = 0; i < a->n_associations; i++) {
		struct irsa_apply_association *o = &a->associations[i];
		const struct irsa_apply_role *r = &a->roles[o->role];
		struct irsa_error e = { 0 };
		struct run_ctx ctx = { o, { 0 } };

		if (!o->failed && r->failed) {
			irsa_error_set(&e, IRSA_ERR_USAGE, "its role '%s' failed",
				       r->plan.role_name ? r->plan.role_name : "?");
			fail(a, o, &e);
		} else if (o->planned && o->plan.n_actions) {
			/* a role created by this run has IAM's ARN now */
			free(o->role_arn);
			o->role_arn = irsa_strdup(role_arn_of(r));
			json_object_set_new(o->plan.subject, "role_arn", json_string(o->role_arn));
			spec_of(a, o, &ctx.spec);
			o->plan.run = run_association;
			o->plan.data = &ctx;
			if (irsa_plan_execute(&o->plan, NULL, NULL, &e) < 0)
				fail(a, o, &e);
			o->plan.data = NULL;
		}
		if (progress)
			progress(userdata, o->plan.label,
				 o->failed ? "failed" : irsa_plan_status_name(o->plan.status, true),
				 o->failure);
	}
}

bool irsa_apply_pod_identity_changed(const struct irsa_apply *a)
{
	for (size_t i = 0; i < a->n_associations; i++)
		if (a->associations[i].planned &&
		    a->associations[i].plan.status != IRSA_PLAN_UNCHANGED)
			return true;
	return false;
}

void irsa_apply_pod_identity_to_json(const struct irsa_apply *a, json_t *objects, json_t *failed)
{
	for (size_t i = 0; i < a->n_associations; i++) {
		const struct irsa_apply_association *o = &a->associations[i];
		const struct irsa_apply_sa *sa = &a->req->sas[o->sa];

		if (o->planned)
			json_array_append_new(objects, irsa_plan_to_json(&o->plan));
		if (o->failed) {
			_cleanup_free_ char *name = irsa_asprintf("%s/%s", sa->namespace_, sa->name);

			json_array_append_new(failed, json_pack("{s:s, s:s, s:s}", "object",
								"pod-identity-association", "name",
								name, "failure", o->failure));
		}
	}
}

void irsa_apply_pod_identity_release(struct irsa_apply *a)
{
	for (size_t i = 0; i < a->n_associations; i++) {
		struct irsa_apply_association *o = &a->associations[i];

		irsa_plan_release(&o->plan);
		free(o->association_id);
		free(o->role_arn);
		free(o->failure);
	}
	free(a->associations);
	a->associations = NULL;
	a->n_associations = 0;
}
