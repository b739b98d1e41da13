/* EKS Pod Identity commands: read, plan, execute (pod_identity.h). The
 * decisions are pod_identity.c's, the role's planning is role.c's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/account.h"
#include "irsa/iam.h"
#include "irsa/kube.h"
#include "irsa/log.h"
#include "irsa/oidc.h"
#include "irsa/pod_identity.h"
#include "irsa/serviceaccount.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"

static const char *const irsa_annotations[] = {
	IRSA_SA_ANNOTATION_ROLE_ARN,
	IRSA_SA_ANNOTATION_AUDIENCE,
	IRSA_SA_ANNOTATION_STS_REGIONAL,
	IRSA_SA_ANNOTATION_TOKEN_EXPIRATION,
};

static int run_action(struct irsa_plan *plan, struct irsa_plan_action *a, struct irsa_error *err);

static void plan_start(struct irsa_pod_identity_plan *p)
{
	memset(p, 0, sizeof(*p));
	irsa_plan_init(&p->plan);
	p->plan.run = run_action;
	p->plan.data = p;
}

void irsa_pod_identity_plan_release(struct irsa_pod_identity_plan *p)
{
	if (!p)
		return;
	irsa_plan_release(&p->plan);
	free(p->cluster);
	irsa_role_plan_release(&p->role);
	irsa_create_role_input_release(&p->role_input);
	irsa_tags_release(&p->association_tags);
	memset(p, 0, sizeof(*p));
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static char *joined(const struct irsa_strlist *l, const char *sep)
{
	struct irsa_buf b = IRSA_BUF_INIT;

	for (size_t i = 0; i < l->n; i++)
		irsa_buf_printf(&b, "%s%s", i ? sep : "", l->items[i]);
	return irsa_buf_detach(&b);
}

static char *association_label(const char *ns, const char *sa, const char *cluster)
{
	return irsa_asprintf("Pod Identity association '%s/%s' in cluster '%s'", ns, sa, cluster);
}

static json_t *association_subject(const char *cluster, const char *ns, const char *sa)
{
	return json_pack("{s:s, s:s, s:s}", "cluster", cluster, "namespace", ns, "service_account",
			 sa);
}

/* The shared checks of the names every command takes. */
static int check_names(const char *cluster, const char *ns, const char *sa, bool need_sa,
		       struct irsa_error *err)
{
	if (irsa_str_empty(cluster))
		return irsa_error_set(err, IRSA_ERR_USAGE, "which cluster? give --cluster NAME");
	if (irsa_validate_cluster_name(cluster, err) < 0)
		return -1;
	if (need_sa && (irsa_str_empty(ns) || irsa_str_empty(sa)))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "which service account? give --namespace NS and "
				      "--service-account SA");
	if (ns && irsa_validate_namespace(ns, 0, err) < 0)
		return -1;
	if (sa && irsa_validate_service_account(sa, 0, err) < 0)
		return -1;
	return 0;
}

/* ---- the association's piece of a plan ---- */

/* The CreatePodIdentityAssociation body, as the plan shows it. */
static json_t *create_document(const struct irsa_pod_identity_spec *spec)
{
	json_t *doc = json_pack("{s:s, s:s, s:s}", "namespace", spec->namespace_, "serviceAccount",
				spec->service_account, "roleArn", spec->role_arn);
	json_t *tags = json_object();

	if (spec->target_role_arn)
		json_object_set_new(doc, "targetRoleArn", json_string(spec->target_role_arn));
	if (spec->disable_session_tags)
		json_object_set_new(doc, "disableSessionTags", json_true());
	for (size_t i = 0; spec->tags && i < spec->tags->n; i++)
		json_object_set_new(tags, spec->tags->items[i].key,
				    json_string(spec->tags->items[i].value));
	if (json_object_size(tags))
		json_object_set(doc, "tags", tags);
	json_decref(tags);
	return doc;
}

static json_t *update_document(const struct irsa_pod_identity_spec *spec)
{
	return json_pack("{s:s, s:s?, s:b}", "roleArn", spec->role_arn, "targetRoleArn",
			 spec->target_role_arn, "disableSessionTags", spec->disable_session_tags);
}

static json_t *settings_json(const char *role_arn, const char *target, bool disable_tags)
{
	return json_pack("{s:s?, s:s?, s:b}", "role_arn", role_arn, "target_role_arn", target,
			 "disable_session_tags", disable_tags);
}

/* Plan what makes EKS hold spec into sub (initialised by the caller): a
 * create, an update with its changes, or nothing. */
static void plan_association(const struct irsa_pod_identity_spec *spec,
			     const struct irsa_pod_identity_association *have, struct irsa_plan *sub)
{
	struct irsa_strlist changes = { 0 };
	_cleanup_free_ char *target = irsa_asprintf("%s/%s", spec->namespace_,
						    spec->service_account);
	enum irsa_pod_identity_step step = irsa_pod_identity_plan(spec, have, &changes);
	struct irsa_plan_action *a;
	json_t *doc;

	sub->label = association_label(spec->namespace_, spec->service_account, spec->cluster);
	json_decref(sub->subject);
	sub->subject = association_subject(spec->cluster, spec->namespace_, spec->service_account);
	json_object_set_new(sub->subject, "association_id",
			    have && have->association_id ? json_string(have->association_id)
							 : json_null());
	switch (step) {
	case IRSA_POD_IDENTITY_CREATE:
		doc = create_document(spec);
		irsa_plan_add(sub, IRSA_PI_CREATE_ASSOCIATION, "create-pod-identity-association",
			      spec->cluster, target, NULL, doc);
		json_decref(doc);
		sub->status = IRSA_PLAN_CREATE;
		break;
	case IRSA_POD_IDENTITY_UPDATE: {
		_cleanup_free_ char *details = joined(&changes, ", ");

		doc = update_document(spec);
		a = irsa_plan_add(sub, IRSA_PI_UPDATE_ASSOCIATION, "update-pod-identity-association",
				  target, have->association_id, details, doc);
		json_decref(doc);
		if (!same(have->role_arn, spec->role_arn))
			irsa_plan_action_change(a, "role_arn", json_string(have->role_arn),
						json_string(spec->role_arn));
		if (!same(have->target_role_arn, spec->target_role_arn))
			irsa_plan_action_change(a, "target_role_arn",
						have->target_role_arn ? json_string(have->target_role_arn)
								      : json_null(),
						spec->target_role_arn ? json_string(spec->target_role_arn)
								      : json_null());
		if (have->disable_session_tags != spec->disable_session_tags)
			irsa_plan_action_change(a, "disable_session_tags",
						json_boolean(have->disable_session_tags),
						json_boolean(spec->disable_session_tags));
		sub->status = IRSA_PLAN_UPDATE;
		break;
	}
	case IRSA_POD_IDENTITY_UNCHANGED:
		break;
	}
	irsa_strlist_release(&changes);
}

/* The add-on check: a warning on the plan, or with require an error. An
 * add-on irsactl may not read is a warning too (the association works
 * without irsactl seeing the agent). */
static int check_agent(struct irsa_pod_identity_plan *p, bool require, struct irsa_error *err)
{
	struct irsa_eks_addon addon = { 0 };
	struct irsa_error inner = { 0 };
	char *msg = NULL;
	bool installed = true;
	int r;

	if (irsa_eks_describe_addon(p->aws, p->cluster, IRSA_EKS_POD_IDENTITY_AGENT, &addon,
				    &inner) < 0) {
		if (inner.kind != IRSA_ERR_NOT_FOUND && (require || inner.kind != IRSA_ERR_AUTH)) {
			*err = inner;
			return -1;
		}
		if (inner.kind == IRSA_ERR_AUTH) {
			irsa_plan_warn(&p->plan, "could not check the EKS Pod Identity Agent add-on "
				       "of cluster '%s': %s", p->cluster, inner.message);
			irsa_error_clear(&inner);
			return 0;
		}
		installed = false;
		irsa_error_clear(&inner);
	}
	r = irsa_pod_identity_agent_check(p->cluster, installed ? &addon : NULL, require, &msg,
					  err);
	irsa_eks_addon_release(&addon);
	if (msg)
		irsa_plan_warn(&p->plan, "%s", msg);
	free(msg);
	return r;
}

/* DescribeCluster: a missing cluster is IRSA_ERR_NOT_FOUND before anything
 * is planned. *ret_issuer (may be NULL) gets the OIDC issuer, or NULL. */
static int read_cluster(struct irsa_pod_identity_plan *p, char **ret_issuer,
			struct irsa_error *err)
{
	struct irsa_eks_cluster c = { 0 };

	if (irsa_eks_describe_cluster(p->aws, p->cluster, &c, err) < 0)
		return -1;
	if (ret_issuer)
		*ret_issuer = c.oidc_issuer ? irsa_strdup(c.oidc_issuer) : NULL;
	irsa_eks_cluster_release(&c);
	return 0;
}

/* ---- create ---- */

int irsa_pod_identity_create_parse(const struct irsa_pod_identity_create_request *req,
				   struct irsa_pod_identity_plan *p, struct irsa_error *err)
{
	const struct irsa_create_role_request *role = &req->role;
	struct irsa_create_role_request with_trust;
	struct irsa_role_arn target;

	plan_start(p);
	p->create = req;
	if (check_names(req->cluster, req->namespace_, req->service_account, true, err) < 0)
		return -1;
	if (!req->role_name == !req->role_arn)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give either --role-name NAME (the role is created or updated) "
				      "or --role-arn ARN (the role is used as it is)%s",
				      req->role_name ? ", not both" : "");
	if (req->target_role_arn && irsa_role_arn_parse(req->target_role_arn, &target, err) < 0)
		return irsa_error_prefix(err, "--target-role-arn");
	for (size_t i = 0; i < role->n_tags; i++)
		if (irsa_tag_arg_parse(role->tags[i], &p->association_tags, err) < 0)
			return -1;
	if (req->role_arn) {
		struct irsa_pod_identity_spec spec = { req->cluster, req->namespace_,
						       req->service_account, req->role_arn,
						       req->target_role_arn, false, NULL };

		if (role->n_policies || role->n_managed_arns || role->n_policy_files ||
		    role->n_managed_policies || role->n_managed_policy_files ||
		    role->path || role->description || role->permissions_boundary ||
		    role->max_session_duration || role->prune)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "permissions and role settings (--policy, "
					      "--attach-policy-arn, --policy-file, --path, ...) need "
					      "--role-name: irsactl does not change a role given by "
					      "--role-arn");
		return irsa_pod_identity_check(&spec, err);
	}
	with_trust = *role;
	memset(&with_trust.trust, 0, sizeof(with_trust.trust));
	with_trust.trust.pod_identity = true;
	with_trust.role_name = req->role_name;
	with_trust.template_cluster = req->cluster;
	return irsa_create_role_parse(&with_trust, &p->role_input, err);
}

/* A role given by ARN is not changed; say when it cannot work: in another
 * account than the cluster's (refused as EKS refuses it), missing, or not
 * trusting EKS Pod Identity. */
static int check_given_role(struct irsa_account *acct, struct irsa_pod_identity_plan *p,
			    const char *arn, struct irsa_error *err)
{
	struct irsa_role role = { 0 };
	struct irsa_role_arn parsed;
	const char *account;
	json_t *doc;

	if (irsa_role_arn_parse(arn, &parsed, err) < 0 || irsa_account_get(acct, &account, err) < 0)
		return -1;
	/* the cluster is in the caller's account: DescribeCluster found it */
	if (strcmp(parsed.account, account) != 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "role '%s' is in account %s and cluster '%s' in %s: EKS "
				      "associates only a role of the cluster's account; give one of "
				      "account %s (--role-name creates it) and this role as "
				      "--target-role-arn", arn, parsed.account, p->cluster, account,
				      account);
	if (irsa_iam_get_role(p->aws, parsed.name, &role, err) < 0) {
		if (err->kind != IRSA_ERR_NOT_FOUND)
			return -1;
		irsa_error_clear(err);
		irsa_plan_warn(&p->plan, "role '%s' does not exist; create it with 'irsactl "
			       "pod-identity create --role-name %s ...' or give another --role-arn",
			       arn, parsed.name);
		return 0;
	}
	doc = role.trust_policy ? json_loads(role.trust_policy, 0, NULL) : NULL;
	if (!doc || !irsa_trust_has_pod_identity(doc))
		irsa_plan_warn(&p->plan, "role '%s' does not trust EKS Pod Identity (Service '%s', "
			       "sts:AssumeRole and sts:TagSession), so pods cannot assume it; add "
			       "the statement with 'irsactl pod-identity create --role-name %s ...'",
			       arn, IRSA_POD_IDENTITY_SERVICE, parsed.name);
	json_decref(doc);
	irsa_role_release(&role);
	return 0;
}

static void set_report(struct irsa_pod_identity_plan *p, const struct irsa_pod_identity_spec *spec,
		       const struct irsa_pod_identity_association *have)
{
	json_decref(p->plan.subject);
	p->plan.subject = association_subject(spec->cluster, spec->namespace_,
					      spec->service_account);
	json_object_set_new(p->plan.result, "association",
			    json_pack("{s:o, s:o}", "association_id",
				      have && have->association_id
					      ? json_string(have->association_id)
					      : json_null(),
				      "settings",
				      settings_json(spec->role_arn, spec->target_role_arn,
						    spec->disable_session_tags)));
	if (p->has_role)
		json_object_set(p->plan.result, "role", p->role.plan.result);
}

/* Inline policies that use EKS's session tags (prefix-by-namespace)
 * grant nothing with --disable-session-tags. */
static void warn_session_tag_policies(struct irsa_pod_identity_plan *p)
{
	const struct irsa_create_role_input *in = &p->role_input;

	for (size_t i = 0; in->inline_policies && i < in->n_policies; i++) {
		_cleanup_free_ char *text = irsa_policy_compact(in->inline_policies[i].document);

		if (text && strstr(text, "${aws:PrincipalTag/"))
			irsa_plan_warn(&p->plan, "the policy '%s' uses EKS session tags "
				       "(${aws:PrincipalTag/...}), which --disable-session-tags turns "
				       "off: it grants nothing then", in->inline_policies[i].name);
	}
}

/* A tag of want that have lacks or holds with another value. */
static bool tags_missing(const struct irsa_tags *want, const struct irsa_tags *have)
{
	for (size_t i = 0; i < want->n; i++) {
		bool found = false;

		for (size_t j = 0; j < have->n && !found; j++)
			found = strcmp(want->items[i].key, have->items[j].key) == 0 &&
				strcmp(want->items[i].value, have->items[j].value) == 0;
		if (!found)
			return true;
	}
	return false;
}

int irsa_pod_identity_create_plan(struct irsa_account *acct, struct irsa_pod_identity_plan *p,
				  struct irsa_error *err)
{
	const struct irsa_pod_identity_create_request *req = p->create;
	struct irsa_pod_identity_association have = { 0 };
	struct irsa_pod_identity_spec spec;
	struct irsa_plan sub;
	bool found = false;

	p->aws = acct->aws;
	p->cluster = irsa_strdup(req->cluster);
	if (read_cluster(p, NULL, err) < 0 || check_agent(p, req->require_agent, err) < 0)
		return -1;
	if (req->role_name) {
		if (irsa_create_role_resolve(acct, &p->role_input, err) < 0 ||
		    irsa_role_plan_apply(p->aws, &p->role_input.role, &p->role, err) < 0)
			return -1;
		p->has_role = true;
		for (size_t i = 0; i < p->role_input.trust.warnings.n; i++)
			irsa_plan_warn(&p->plan, "%s", p->role_input.trust.warnings.items[i]);
	} else if (check_given_role(acct, p, req->role_arn, err) < 0) {
		return -1;
	}
	spec = (struct irsa_pod_identity_spec){
		.cluster = req->cluster,
		.namespace_ = req->namespace_,
		.service_account = req->service_account,
		.role_arn = p->has_role ? p->role.role_arn : req->role_arn,
		.target_role_arn = req->target_role_arn,
		.disable_session_tags = req->disable_session_tags,
		.tags = &p->association_tags,
	};
	if (irsa_pod_identity_check(&spec, err) < 0 ||
	    irsa_eks_find_pod_identity_association(p->aws, req->cluster, req->namespace_,
						   req->service_account, &have, &found, err) < 0)
		return -1;
	if (req->disable_session_tags)
		warn_session_tag_policies(p);
	if (req->target_role_arn)
		irsa_plan_note(&p->plan, "the target role '%s' must trust '%s' (sts:AssumeRole and "
			       "sts:TagSession), and that role needs permission to assume it",
			       req->target_role_arn, spec.role_arn);
	if (found && tags_missing(&p->association_tags, &have.tags))
		irsa_plan_note(&p->plan, "the association of '%s/%s' exists: --tag applies to a new "
			       "association only; its tags are left as they are",
			       req->namespace_, req->service_account);
	set_report(p, &spec, found ? &have : NULL);
	if (p->has_role)
		irsa_plan_absorb(&p->plan, &p->role.plan);
	irsa_plan_init(&sub);
	plan_association(&spec, found ? &have : NULL, &sub);
	irsa_plan_absorb(&p->plan, &sub);
	irsa_plan_release(&sub);
	irsa_pod_identity_association_release(&have);
	return 0;
}

/* ---- delete ---- */

int irsa_pod_identity_delete_parse(const struct irsa_pod_identity_delete_request *req,
				   struct irsa_pod_identity_plan *p, struct irsa_error *err)
{
	plan_start(p);
	p->delete_ = req;
	return check_names(req->cluster, req->namespace_, req->service_account, true, err);
}

/* Another association of the cluster with the role arn: deleting the role
 * would leave its pods without credentials (IRSA_ERR_CONFLICT). */
static int check_role_unshared(struct irsa_pod_identity_plan *p,
			       const struct irsa_pod_identity_association *deleted, const char *arn,
			       struct irsa_error *err)
{
	struct irsa_pod_identity_association *all = NULL;
	size_t n = 0;
	int r = 0;

	if (irsa_eks_list_pod_identity_associations(p->aws, p->cluster, NULL, NULL, &all, &n,
						    err) < 0)
		return -1;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct irsa_pod_identity_association d = { 0 };

		if (!all[i].association_id || same(all[i].association_id, deleted->association_id))
			continue;
		if (irsa_eks_describe_pod_identity_association(p->aws, p->cluster,
							       all[i].association_id, &d, err) < 0) {
			r = err->kind == IRSA_ERR_NOT_FOUND ? 0 : -1;
			if (r == 0)
				irsa_error_clear(err);
			continue;
		}
		if (same(d.role_arn, arn))
			r = irsa_error_set(err, IRSA_ERR_CONFLICT,
					   "role '%s' is also the role of service account '%s/%s' "
					   "in cluster '%s'; leave out --delete-role, or delete that "
					   "association first", arn, d.namespace_, d.service_account,
					   p->cluster);
		irsa_pod_identity_association_release(&d);
	}
	irsa_pod_identity_associations_free(all, n);
	return r;
}

/* --delete-role: the association's role, deleted as delete-role does it
 * (refused for a role irsactl did not make, or one another association of
 * the cluster uses). */
static int plan_role_deletion(struct irsa_account *acct, struct irsa_pod_identity_plan *p,
			      const struct irsa_pod_identity_association *have,
			      struct irsa_error *err)
{
	const char *arn = have->role_arn;
	struct irsa_role_arn parsed;
	const char *account;

	if (irsa_role_arn_parse(arn, &parsed, err) < 0) {
		err->kind = IRSA_ERR_REMOTE;
		return -1;
	}
	if (irsa_account_get(acct, &account, err) < 0)
		return -1;
	if (strcmp(parsed.account, account) != 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "the association's role '%s' is in account %s, not in this "
				      "one (%s); leave out --delete-role and delete it there",
				      arn, parsed.account, account);
	if (check_role_unshared(p, have, arn, err) < 0)
		return -1;
	if (irsa_role_plan_delete(p->aws, parsed.name, false, &p->role, err) < 0)
		return -1;
	p->has_role = true;
	return 0;
}

int irsa_pod_identity_delete_plan(struct irsa_account *acct, struct irsa_pod_identity_plan *p,
				  struct irsa_error *err)
{
	const struct irsa_pod_identity_delete_request *req = p->delete_;
	struct irsa_pod_identity_association have = { 0 };
	struct irsa_plan sub;
	bool found = false;
	int r = -1;

	p->aws = acct->aws;
	p->cluster = irsa_strdup(req->cluster);
	if (irsa_eks_find_pod_identity_association(p->aws, req->cluster, req->namespace_,
						   req->service_account, &have, &found, err) < 0)
		return -1;
	json_decref(p->plan.subject);
	p->plan.subject = association_subject(req->cluster, req->namespace_, req->service_account);
	irsa_plan_init(&sub);
	sub.label = association_label(req->namespace_, req->service_account, req->cluster);
	json_decref(sub.subject);
	sub.subject = association_subject(req->cluster, req->namespace_, req->service_account);
	if (!found) {
		sub.status = IRSA_PLAN_ABSENT;
		irsa_plan_note(&sub, "service account '%s/%s' has no Pod Identity association in "
			       "cluster '%s'; nothing to delete%s", req->namespace_,
			       req->service_account, req->cluster,
			       req->delete_role ? " (and no role to delete with it)" : "");
	} else {
		_cleanup_free_ char *target = irsa_asprintf("%s/%s", req->namespace_,
							    req->service_account);

		json_object_set_new(sub.subject, "association_id", json_string(have.association_id));
		irsa_plan_add(&sub, IRSA_PI_DELETE_ASSOCIATION, "delete-pod-identity-association",
			      target, have.association_id, have.role_arn, NULL);
		sub.status = IRSA_PLAN_DELETE;
		if (req->delete_role && have.role_arn &&
		    plan_role_deletion(acct, p, &have, err) < 0)
			goto out;
	}
	json_object_set_new(p->plan.result, "role_arn",
			    found && have.role_arn ? json_string(have.role_arn) : json_null());
	irsa_plan_absorb(&p->plan, &sub);
	if (p->has_role)
		irsa_plan_absorb(&p->plan, &p->role.plan);
	r = 0;
out:
	irsa_plan_release(&sub);
	irsa_pod_identity_association_release(&have);
	return r;
}

/* ---- list ---- */

static int by_namespace_and_name(const void *a, const void *b)
{
	const struct irsa_pod_identity_association *x = a, *y = b;
	int c = strcmp(x->namespace_ ? x->namespace_ : "", y->namespace_ ? y->namespace_ : "");

	return c ? c
		 : strcmp(x->service_account ? x->service_account : "",
			  y->service_account ? y->service_account : "");
}

int irsa_pod_identity_list(struct irsa_aws *aws, const char *cluster, const char *namespace_,
			   json_t **ret, struct irsa_error *err)
{
	struct irsa_pod_identity_association *items = NULL;
	json_t *list;
	size_t n = 0;

	if (check_names(cluster, namespace_, NULL, false, err) < 0 ||
	    irsa_eks_list_pod_identity_associations(aws, cluster, namespace_, NULL, &items, &n,
						    err) < 0)
		return -1;
	if (n)
		qsort(items, n, sizeof(*items), by_namespace_and_name);
	list = json_array();
	for (size_t i = 0; i < n; i++) {
		struct irsa_pod_identity_association d = { 0 };

		if (!items[i].association_id)
			continue;
		if (irsa_eks_describe_pod_identity_association(aws, cluster, items[i].association_id,
							       &d, err) < 0) {
			/* deleted between the list and now */
			if (err->kind == IRSA_ERR_NOT_FOUND) {
				irsa_error_clear(err);
				continue;
			}
			json_decref(list);
			irsa_pod_identity_associations_free(items, n);
			return -1;
		}
		json_array_append_new(list, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:b}",
						      "namespace", d.namespace_,
						      "service_account", d.service_account,
						      "association_id", d.association_id,
						      "association_arn", d.association_arn,
						      "role_arn", d.role_arn,
						      "target_role_arn", d.target_role_arn,
						      "disable_session_tags",
						      d.disable_session_tags));
		irsa_pod_identity_association_release(&d);
	}
	irsa_pod_identity_associations_free(items, n);
	*ret = list;
	return 0;
}

/* ---- migrate ---- */

int irsa_pod_identity_migrate_parse(const struct irsa_pod_identity_migrate_request *req,
				    struct irsa_pod_identity_plan *p, struct irsa_error *err)
{
	plan_start(p);
	p->migrate = req;
	if (check_names(req->cluster, req->namespace_, NULL, false, err) < 0)
		return -1;
	return irsa_trust_limit_parse(req->trust_policy_limit, &p->trust_limit, err);
}

/* A role the migration changes: its trust as read and as planned. */
struct migrate_role {
	char *name;
	json_t *before, *after;
	bool planned; /* its update-trust-policy action is in the plan */
};

/* An annotated ServiceAccount to migrate. */
struct migrate_sa {
	char *ns, *name, *role_arn;
	struct migrate_role *role; /* NULL: skipped */
	json_t *annotations;       /* the IRSA annotations present */
};

struct migration {
	struct migrate_role **roles; /* each allocated: service accounts point at them */
	size_t n_roles;
	struct migrate_sa *sas;
	size_t n_sas;
	const char *issuer_key;    /* the cluster's issuer (host/path), or NULL */
	const char *account;
};

static void migration_release(struct migration *m)
{
	for (size_t i = 0; i < m->n_roles; i++) {
		free(m->roles[i]->name);
		json_decref(m->roles[i]->before);
		json_decref(m->roles[i]->after);
		free(m->roles[i]);
	}
	free(m->roles);
	for (size_t i = 0; i < m->n_sas; i++) {
		free(m->sas[i].ns);
		free(m->sas[i].name);
		free(m->sas[i].role_arn);
		json_decref(m->sas[i].annotations);
	}
	free(m->sas);
}

/* The annotated ServiceAccounts of the list answer items. */
static void collect_sas(struct migration *m, const json_t *items)
{
	size_t i;
	json_t *item;

	json_array_foreach(items, i, item) {
		const json_t *meta = json_object_get(item, "metadata");
		const json_t *ann = json_object_get(meta, "annotations");
		const char *arn = json_string_value(json_object_get(ann, IRSA_SA_ANNOTATION_ROLE_ARN));
		const char *ns = json_string_value(json_object_get(meta, "namespace"));
		const char *name = json_string_value(json_object_get(meta, "name"));
		struct migrate_sa *s;

		if (!arn || !ns || !name)
			continue;
		m->sas = irsa_realloc(m->sas, (m->n_sas + 1) * sizeof(*m->sas));
		s = &m->sas[m->n_sas++];
		memset(s, 0, sizeof(*s));
		s->ns = irsa_strdup(ns);
		s->name = irsa_strdup(name);
		s->role_arn = irsa_strdup(arn);
		s->annotations = json_object();
		for (size_t k = 0; k < ARRAY_SIZE(irsa_annotations); k++)
			if (json_object_get(ann, irsa_annotations[k]))
				json_object_set_new(s->annotations, irsa_annotations[k], json_null());
	}
}

/* The role of s, read once per role; NULL (with a warning) when it cannot
 * be migrated here. */
static int find_role(struct irsa_pod_identity_plan *p, struct migration *m,
		     const struct migrate_sa *s, struct migrate_role **ret, struct irsa_error *err)
{
	struct irsa_role_arn parsed;
	struct irsa_error inner = { 0 };
	struct irsa_role role = { 0 };
	struct migrate_role *r;
	json_t *doc = NULL;

	*ret = NULL;
	if (irsa_role_arn_parse(s->role_arn, &parsed, &inner) < 0) {
		irsa_plan_warn(&p->plan, "service account '%s/%s': %s; skipped", s->ns, s->name,
			       inner.message);
		return 0;
	}
	if (strcmp(parsed.account, m->account) != 0) {
		irsa_plan_warn(&p->plan, "service account '%s/%s': the role '%s' is in account %s, "
			       "not this one (%s); skipped: migrate it with that account's "
			       "credentials", s->ns, s->name, s->role_arn, parsed.account, m->account);
		return 0;
	}
	for (size_t i = 0; i < m->n_roles; i++)
		if (strcmp(m->roles[i]->name, parsed.name) == 0) {
			*ret = m->roles[i];
			return 0;
		}
	if (irsa_iam_get_role(p->aws, parsed.name, &role, err) < 0) {
		if (err->kind != IRSA_ERR_NOT_FOUND)
			return -1;
		irsa_error_clear(err);
		irsa_plan_warn(&p->plan, "service account '%s/%s': its role '%s' does not exist; "
			       "skipped", s->ns, s->name, s->role_arn);
		return 0;
	}
	if (irsa_policy_parse(role.trust_policy ? role.trust_policy : "", "the trust policy",
			      &doc, err) < 0) {
		irsa_role_release(&role);
		err->kind = IRSA_ERR_REMOTE;
		return irsa_error_prefix(err, "role '%s'", parsed.name);
	}
	irsa_role_release(&role);
	m->roles = irsa_realloc(m->roles, (m->n_roles + 1) * sizeof(*m->roles));
	r = m->roles[m->n_roles++] = irsa_malloc0(sizeof(*r));
	r->name = irsa_strdup(parsed.name);
	r->before = doc;
	r->after = json_deep_copy(doc);
	r->planned = false;
	*ret = r;
	return 0;
}

/* The role's trust after migrating s. */
static int migrate_trust(struct irsa_pod_identity_plan *p, struct migration *m,
			 struct migrate_sa *s, struct irsa_error *err)
{
	bool remove = p->migrate->remove_oidc_trust && m->issuer_key;
	struct irsa_subject subject = { s->ns, s->name };
	json_t *next = NULL;

	if (irsa_pod_identity_migrate_trust(s->role->after, m->issuer_key, &subject, remove, &next,
					    NULL, err) < 0)
		return irsa_error_prefix(err, "role '%s'", s->role->name);
	json_decref(s->role->after);
	s->role->after = next;
	return 0;
}

static void plan_sa(struct irsa_pod_identity_plan *p, struct migrate_sa *s,
		    const struct irsa_pod_identity_association *have)
{
	struct irsa_pod_identity_spec spec = { p->cluster, s->ns, s->name, s->role_arn, NULL, false,
					       NULL };
	struct irsa_plan sub;
	struct migrate_role *r = s->role;

	irsa_plan_init(&sub);
	/* the role's trust first, so the association works once made; once
	 * per role, with every service account's change in it */
	if (!r->planned && !irsa_policy_equal(r->before, r->after)) {
		irsa_plan_add(&sub, IRSA_PI_UPDATE_TRUST, "update-trust-policy", r->name, r->name,
			      NULL, r->after)->before = json_incref(r->before);
		r->planned = true;
	}
	/* an association someone made with another role is theirs to change */
	if (have && !same(have->role_arn, s->role_arn)) {
		irsa_plan_warn(&p->plan, "service account '%s/%s' has a Pod Identity association "
			       "with role '%s', not its IRSA role '%s'; the association is left as "
			       "it is (change it with 'irsactl pod-identity create')", s->ns,
			       s->name, have->role_arn ? have->role_arn : "", s->role_arn);
		spec.role_arn = have->role_arn;
		spec.target_role_arn = have->target_role_arn;
		spec.disable_session_tags = have->disable_session_tags;
	} else if (have) {
		spec.target_role_arn = have->target_role_arn;
		spec.disable_session_tags = have->disable_session_tags;
	}
	plan_association(&spec, have, &sub);
	free(sub.label);
	sub.label = irsa_asprintf("service account '%s/%s'", s->ns, s->name);
	json_object_set_new(sub.subject, "role_arn", json_string(s->role_arn));
	if (p->migrate->remove_oidc_trust && json_object_size(s->annotations)) {
		json_t *patch = json_pack("{s:{s:O}}", "metadata", "annotations", s->annotations);
		_cleanup_free_ char *target = irsa_asprintf("%s/%s", s->ns, s->name);

		irsa_plan_add(&sub, IRSA_PI_REMOVE_ANNOTATIONS, "remove-service-account-annotations",
			      target, target, NULL, patch);
		json_decref(patch);
	}
	if (sub.n_actions && sub.status == IRSA_PLAN_UNCHANGED)
		sub.status = IRSA_PLAN_UPDATE;
	irsa_plan_absorb(&p->plan, &sub);
	irsa_plan_release(&sub);
}

/* The association of ns/sa among the cluster's, described; *found false
 * when there is none. */
static int find_in(struct irsa_pod_identity_plan *p,
		   const struct irsa_pod_identity_association *all, size_t n, const char *ns,
		   const char *sa, struct irsa_pod_identity_association *ret, bool *found,
		   struct irsa_error *err)
{
	*found = false;
	for (size_t i = 0; i < n; i++) {
		if (!all[i].association_id || !same(all[i].namespace_, ns) ||
		    !same(all[i].service_account, sa))
			continue;
		if (irsa_eks_describe_pod_identity_association(p->aws, p->cluster,
							       all[i].association_id, ret, err) < 0)
			return -1;
		*found = true;
		return 0;
	}
	return 0;
}

/* Every trust the migration changes fits IAM's quota, as create-role
 * checks it: the whole plan fails before any change. */
static int check_trust_sizes(const struct irsa_pod_identity_plan *p, const struct migration *m,
			     struct irsa_error *err)
{
	for (size_t i = 0; i < m->n_roles; i++) {
		const struct migrate_role *r = m->roles[i];

		if (!irsa_policy_equal(r->before, r->after) &&
		    irsa_trust_check_size(r->after, p->trust_limit, err) < 0)
			return irsa_error_prefix(err, "role '%s'", r->name);
	}
	return 0;
}

static int plan_migration(struct irsa_pod_identity_plan *p, struct migration *m,
			  struct irsa_error *err)
{
	struct irsa_pod_identity_association *all = NULL;
	size_t n_all = 0;
	int r = -1;

	for (size_t i = 0; i < m->n_sas; i++)
		if (find_role(p, m, &m->sas[i], &m->sas[i].role, err) < 0 ||
		    (m->sas[i].role && migrate_trust(p, m, &m->sas[i], err) < 0))
			return -1;
	if (check_trust_sizes(p, m, err) < 0)
		return -1;
	if (irsa_eks_list_pod_identity_associations(p->aws, p->cluster, p->migrate->namespace_,
						    NULL, &all, &n_all, err) < 0)
		return -1;
	for (size_t i = 0; i < m->n_sas; i++) {
		struct irsa_pod_identity_association have = { 0 };
		bool found;

		if (!m->sas[i].role)
			continue;
		if (find_in(p, all, n_all, m->sas[i].ns, m->sas[i].name, &have, &found, err) < 0)
			goto out;
		plan_sa(p, &m->sas[i], found ? &have : NULL);
		irsa_pod_identity_association_release(&have);
	}
	r = 0;
out:
	irsa_pod_identity_associations_free(all, n_all);
	return r;
}

int irsa_pod_identity_migrate_plan(struct irsa_account *acct, struct irsa_kube *kube,
				   struct irsa_pod_identity_plan *p, struct irsa_error *err)
{
	const struct irsa_pod_identity_migrate_request *req = p->migrate;
	struct migration m = { 0 };
	_cleanup_free_ char *issuer = NULL;
	json_t *items = NULL;
	int r = -1;

	p->aws = acct->aws;
	p->kube = kube;
	p->cluster = irsa_strdup(req->cluster);
	if (read_cluster(p, &issuer, err) < 0 || check_agent(p, false, err) < 0 ||
	    irsa_account_get(acct, &m.account, err) < 0)
		return -1;
	m.issuer_key = issuer ? irsa_oidc_issuer_key(issuer) : NULL;
	if (req->remove_oidc_trust && !issuer)
		irsa_plan_note(&p->plan, "cluster '%s' has no OIDC issuer: no IRSA trust statement "
			       "to remove", req->cluster);
	if (irsa_kube_list_service_accounts(kube, req->namespace_, &items, err) < 0)
		return -1;
	collect_sas(&m, items);
	json_decref(items);
	json_decref(p->plan.subject);
	p->plan.subject = json_pack("{s:s, s:s?}", "cluster", req->cluster, "namespace",
				    req->namespace_);
	if (plan_migration(p, &m, err) < 0)
		goto out;
	if (!p->plan.object_labels.n) {
		p->plan.label = req->namespace_
				? irsa_asprintf("service accounts of namespace '%s'", req->namespace_)
				: irsa_strdup("service accounts");
		irsa_plan_note(&p->plan, "no ServiceAccount with an '%s' annotation to migrate%s%s%s",
			       IRSA_SA_ANNOTATION_ROLE_ARN, req->namespace_ ? " in namespace '" : "",
			       req->namespace_ ? req->namespace_ : "", req->namespace_ ? "'" : "");
	}
	r = 0;
out:
	migration_release(&m);
	return r;
}

/* ---- execution ---- */

static void spec_from_document(const struct irsa_pod_identity_plan *p, const json_t *doc,
			       struct irsa_pod_identity_spec *spec, struct irsa_tags *tags)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)json_object_get(doc, "tags"), key, v)
		irsa_tags_add(tags, key, json_string_value(v));
	*spec = (struct irsa_pod_identity_spec){
		.cluster = p->cluster,
		.namespace_ = json_string_value(json_object_get(doc, "namespace")),
		.service_account = json_string_value(json_object_get(doc, "serviceAccount")),
		.role_arn = json_string_value(json_object_get(doc, "roleArn")),
		.target_role_arn = json_string_value(json_object_get(doc, "targetRoleArn")),
		.disable_session_tags = json_is_true(json_object_get(doc, "disableSessionTags")),
		.tags = tags->n ? tags : NULL,
	};
	/* a role created in this run: IAM's ARN */
	if (p->has_role && p->role.role_arn && p->create)
		spec->role_arn = p->role.role_arn;
}

static void record_association(struct irsa_pod_identity_plan *p,
			       const struct irsa_pod_identity_association *a)
{
	json_t *assoc = json_object_get(p->plan.result, "association");

	if (assoc && a->association_id)
		json_object_set_new(assoc, "association_id", json_string(a->association_id));
}

/* EKS says the service account has an association already (a concurrent
 * run, or an earlier attempt whose answer was lost): it exists; make its
 * settings the planned ones when EKS lists it. */
static int association_exists(struct irsa_pod_identity_plan *p, struct irsa_plan_action *a,
			      const struct irsa_pod_identity_spec *spec, struct irsa_error *err)
{
	struct irsa_pod_identity_association have = { 0 };
	bool found = false;
	int r = 0;

	irsa_error_clear(err);
	free(a->details);
	a->details = irsa_strdup("exists (EKS answered ResourceInUseException)");
	if (irsa_eks_find_pod_identity_association(p->aws, spec->cluster, spec->namespace_,
						   spec->service_account, &have, &found, err) < 0)
		return -1;
	if (!found) {
		irsa_log_warn("EKS says service account '%s/%s' has a Pod Identity association in "
			      "cluster '%s' but does not list it yet; run the command again to "
			      "check its settings", spec->namespace_, spec->service_account,
			      spec->cluster);
		return 0;
	}
	if (irsa_pod_identity_plan(spec, &have, NULL) == IRSA_POD_IDENTITY_UPDATE)
		r = irsa_eks_update_pod_identity_association(p->aws, have.association_id, spec, NULL,
							     err);
	if (r == 0)
		record_association(p, &have);
	irsa_pod_identity_association_release(&have);
	return r;
}

static int create_association(struct irsa_pod_identity_plan *p, struct irsa_plan_action *a,
			      struct irsa_error *err)
{
	struct irsa_pod_identity_association made = { 0 };
	struct irsa_pod_identity_spec spec;
	struct irsa_tags tags = { 0 };
	int r;

	spec_from_document(p, a->document, &spec, &tags);
	r = irsa_eks_create_pod_identity_association(p->aws, &spec, &made, err);
	if (r == 0)
		record_association(p, &made);
	else if (err && err->kind == IRSA_ERR_CONFLICT)
		r = association_exists(p, a, &spec, err);
	irsa_pod_identity_association_release(&made);
	irsa_tags_release(&tags);
	return r;
}

static int update_association(struct irsa_pod_identity_plan *p, struct irsa_plan_action *a,
			      struct irsa_error *err)
{
	struct irsa_pod_identity_spec spec;
	struct irsa_tags tags = { 0 };
	int r;

	spec_from_document(p, a->document, &spec, &tags);
	r = irsa_eks_update_pod_identity_association(p->aws, a->target, &spec, NULL, err);
	irsa_tags_release(&tags);
	return r;
}

static int remove_annotations(struct irsa_pod_identity_plan *p, struct irsa_plan_action *a,
			      struct irsa_error *err)
{
	const char *slash = strchr(a->target, '/');
	_cleanup_free_ char *ns = slash ? irsa_strndup(a->target, (size_t)(slash - a->target))
					: NULL;
	int r;

	if (!ns || !p->kube)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "no service account to patch");
	r = irsa_kube_patch_service_account(p->kube, ns, slash + 1, a->document, false, NULL, err);
	/* gone since the plan: nothing left to remove */
	if (r < 0 && err->kind == IRSA_ERR_NOT_FOUND) {
		irsa_error_clear(err);
		r = 0;
	}
	return r;
}

static int run_action(struct irsa_plan *plan, struct irsa_plan_action *a, struct irsa_error *err)
{
	struct irsa_pod_identity_plan *p = plan->data;
	_cleanup_free_ char *doc = NULL;
	int r;

	if (a->op < IRSA_PI_CREATE_ASSOCIATION)
		return p->has_role ? p->role.plan.run(&p->role.plan, a, err)
				   : irsa_error_set(err, IRSA_ERR_INTERNAL, "a role action without a role");
	switch ((enum irsa_pod_identity_verb)a->op) {
	case IRSA_PI_CREATE_ASSOCIATION:
		return create_association(p, a, err);
	case IRSA_PI_UPDATE_ASSOCIATION:
		return update_association(p, a, err);
	case IRSA_PI_DELETE_ASSOCIATION:
		r = irsa_eks_delete_pod_identity_association(p->aws, p->cluster, a->target, err);
		if (r < 0 && err->kind == IRSA_ERR_NOT_FOUND) {
			irsa_error_clear(err);
			r = 0;
		}
		return r;
	case IRSA_PI_UPDATE_TRUST:
		doc = irsa_policy_compact(a->document);
		return irsa_iam_update_trust_policy(p->aws, a->object, doc, err);
	case IRSA_PI_REMOVE_ANNOTATIONS:
		return remove_annotations(p, a, err);
	}
	return irsa_error_set(err, IRSA_ERR_INTERNAL, "unknown Pod Identity action %d", a->op);
}
