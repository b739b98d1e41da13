/* irsactl apply: plan every role and ServiceAccount a request (apply.h)
 * asks for, then execute roles before the ServiceAccounts that name them.
 * A failure is kept on its object; independent objects go on. */
#include <errno.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irsa/alloc.h"
#include "irsa/apply.h"
#include "apply_internal.h"
#include "irsa/kube.h"
#include "irsa/log.h"
#include "irsa/role.h"

static bool selected(const struct irsa_apply_options *o, const struct irsa_apply_sa *sa)
{
	_cleanup_free_ char *key = irsa_asprintf("%s/%s", sa->namespace_, sa->name);
	bool in = o->n_include == 0;

	for (size_t i = 0; i < o->n_include && !in; i++)
		in = fnmatch(o->include[i], key, 0) == 0;
	for (size_t i = 0; i < o->n_exclude && in; i++)
		in = fnmatch(o->exclude[i], key, 0) != 0;
	return in;
}

/* The role of sa: the group of the same role name, or a new one. */
static void group_sa(struct irsa_apply *a, size_t idx)
{
	const struct irsa_apply_sa *sa = &a->req->sas[idx];
	struct irsa_apply_role *r = NULL;

	for (size_t i = 0; sa->role_name && !sa->role_arn && i < a->n_roles && !r; i++)
		if (a->roles[i].role_name && strcmp(a->roles[i].role_name, sa->role_name) == 0)
			r = &a->roles[i];
	if (!r) {
		a->roles = irsa_realloc(a->roles, (a->n_roles + 1) * sizeof(*a->roles));
		r = &a->roles[a->n_roles++];
		memset(r, 0, sizeof(*r));
		r->role_name = sa->role_name ? irsa_strdup(sa->role_name) : NULL;
		r->external_arn = sa->role_arn;
	}
	r->sas = irsa_realloc(r->sas, (r->n_sas + 1) * sizeof(*r->sas));
	r->sas[r->n_sas++] = idx;
}

static void fail(char **failure, bool *failed, struct irsa_apply *a, const struct irsa_error *e)
{
	if (*failed)
		return;
	*failed = true;
	*failure = irsa_strdup(e->message[0] ? e->message : "failed");
	if (!a->n_failed++)
		a->failure_kind = e->kind != IRSA_ERR_NONE ? e->kind : IRSA_ERR_INTERNAL;
}

/* The clusters of sa: its own list, or every cluster of the request. */
bool irsa_apply_sa_has_cluster(const struct irsa_apply_sa *sa, const struct irsa_apply_cluster *c)
{
	if (!sa->clusters.n)
		return true;
	for (size_t i = 0; i < sa->clusters.n; i++)
		if ((c->name && strcmp(sa->clusters.items[i], c->name) == 0) ||
		    (c->issuer_url && strcmp(sa->clusters.items[i], c->issuer_url) == 0))
			return true;
	return false;
}

static void add_unique(struct irsa_strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return;
	irsa_strlist_add(l, s);
}

struct role_strings {
	struct irsa_strlist ns, names, clusters, issuers, policies, arns, files, trust, tags;
};

static void role_strings_release(struct role_strings *s)
{
	irsa_strlist_release(&s->ns);
	irsa_strlist_release(&s->names);
	irsa_strlist_release(&s->clusters);
	irsa_strlist_release(&s->issuers);
	irsa_strlist_release(&s->policies);
	irsa_strlist_release(&s->arns);
	irsa_strlist_release(&s->files);
	irsa_strlist_release(&s->trust);
	irsa_strlist_release(&s->tags);
}

#define SA_SUBJECT_PREFIX "system:serviceaccount:"

/* eksctl's subjectPattern system:serviceaccount:NS:NAME as namespace and
 * name (either may hold * and ?). */
static int add_subject(struct role_strings *s, const struct irsa_apply_sa *sa,
		       struct irsa_error *err)
{
	const char *p = sa->subject_pattern, *colon;

	if (!p) {
		irsa_strlist_add(&s->ns, sa->namespace_);
		irsa_strlist_add(&s->names, sa->name);
		return 0;
	}
	colon = strncmp(p, SA_SUBJECT_PREFIX, strlen(SA_SUBJECT_PREFIX)) == 0 ?
		strchr(p + strlen(SA_SUBJECT_PREFIX), ':') : NULL;
	if (!colon || !colon[1])
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "subjectPattern '%s' at %s is not "
				      "system:serviceaccount:NAMESPACE:NAME", p, sa->where);
	{
		_cleanup_free_ char *ns = irsa_strndup(p + strlen(SA_SUBJECT_PREFIX),
						       (size_t)(colon - p) - strlen(SA_SUBJECT_PREFIX));
		irsa_strlist_add(&s->ns, ns);
	}
	irsa_strlist_add(&s->names, colon + 1);
	return 0;
}

static int collect(const struct irsa_apply_request *req, const struct irsa_apply_role *r,
		   struct role_strings *s, const char *scope, struct irsa_error *err)
{
	for (size_t k = 0; k < r->n_sas; k++) {
		const struct irsa_apply_sa *sa = &req->sas[r->sas[k]];
		bool trusted = irsa_apply_role_trusts_subject(req, r, sa);

		if (trusted && add_subject(s, sa, err) < 0)
			return -1;
		for (size_t i = 0; trusted && i < req->n_clusters; i++) {
			const struct irsa_apply_cluster *c = &req->clusters[i];

			if (!irsa_apply_sa_has_cluster(sa, c))
				continue;
			if (c->name)
				add_unique(&s->clusters, c->name);
			else
				add_unique(&s->issuers, c->issuer_url);
		}
		for (size_t i = 0; i < sa->policies.n; i++)
			add_unique(&s->policies, sa->policies.items[i]);
		for (size_t i = 0; i < sa->managed_policy_arns.n; i++)
			add_unique(&s->arns, sa->managed_policy_arns.items[i]);
		for (size_t i = 0; i < sa->policy_files.n; i++)
			add_unique(&s->files, sa->policy_files.items[i]);
		for (size_t i = 0; i < sa->trust_role_arns.n; i++)
			add_unique(&s->trust, sa->trust_role_arns.items[i]);
		for (size_t i = 0; i < sa->tags.n; i++) {
			_cleanup_free_ char *kv = irsa_asprintf("%s=%s", sa->tags.items[i].key,
								sa->tags.items[i].value);
			add_unique(&s->tags, kv);
		}
	}
	if (scope) {
		_cleanup_free_ char *kv = irsa_asprintf("irsactl.io/scope=%s", scope);
		add_unique(&s->tags, kv);
	}
	return 0;
}

static int add_inline_documents(const struct irsa_apply_request *req, struct irsa_apply_role *r,
				struct irsa_error *err)
{
	struct irsa_create_role_input *in = &r->in;
	size_t n = 0, cap = in->n_policies;

	for (size_t k = 0; k < r->n_sas; k++)
		cap += req->sas[r->sas[k]].inline_policies.n;
	r->inline_all = irsa_malloc0((cap + 1) * sizeof(*r->inline_all));
	r->extra_docs = irsa_malloc0((cap + 1) * sizeof(*r->extra_docs));
	for (size_t i = 0; i < in->n_policies; i++)
		r->inline_all[n++] = in->inline_policies[i];
	for (size_t k = 0; k < r->n_sas; k++) {
		const struct irsa_tags *docs = &req->sas[r->sas[k]].inline_policies;

		for (size_t i = 0; i < docs->n; i++) {
			json_error_t jerr;
			json_t *doc = json_loads(docs->items[i].value, 0, &jerr);

			if (!doc)
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "inline policy '%s' is not JSON: %s",
						      docs->items[i].key, jerr.text);
			r->extra_docs[n - in->n_policies] = doc;
			/* irsactl-* names: create-role --prune and apply treat them as irsactl's */
			{
				_cleanup_free_ char *name = irsa_asprintf("irsactl-inline-%s",
									  docs->items[i].key);
				irsa_strlist_add(&r->inline_names, name);
			}
			r->inline_all[n].name = r->inline_names.items[r->inline_names.n - 1];
			r->inline_all[n++].document = doc;
		}
	}
	in->role.inline_policies = r->inline_all;
	in->role.n_inline_policies = n;
	return 0;
}

/* Everything a role's plan needs but its current state: the account,
 * issuers and providers (read once per run, account.h), the trust
 * document, the templates. No request of its own. */
static int resolve_role(struct irsa_account *acct, struct irsa_apply *a, struct irsa_apply_role *r,
			struct irsa_error *err)
{
	const struct irsa_apply_request *req = a->req;
	const struct irsa_apply_sa *first = &req->sas[r->sas[0]];
	struct role_strings *sp, s;
	_cleanup_free_ char *msd = first->max_session_duration ?
		irsa_asprintf("%d", first->max_session_duration) : NULL;
	struct irsa_create_role_request cr = {
		.role_name = r->role_name,
		.path = first->path,
		.description = first->description,
		.permissions_boundary = first->permissions_boundary,
		.max_session_duration = msd,
	};
	if (r->external_arn) /* eksctl attachRoleARN: nothing to plan */
		return 0;
	sp = irsa_malloc0(sizeof(*sp));
	r->strings = sp;
	/* irsa_apply_request_check(): the service accounts of a role agree on it */
	if (collect(req, r, sp, first->scope, err) < 0)
		return -1;
	s = *sp;
	/* eksctl names the role of a subjectPattern after metadata.name */
	if (!r->role_name && first->subject_pattern && s.clusters.n == 1 && !s.issuers.n)
		r->role_name = irsa_default_role_name(s.clusters.items[0], first->namespace_,
						      first->name);
	cr.role_name = r->role_name;
	cr.trust = (struct irsa_trust_request){
		.namespaces = (const char *const *)s.ns.items, .n_namespaces = s.ns.n,
		.service_accounts = (const char *const *)s.names.items,
		.n_service_accounts = s.names.n,
		.clusters = (const char *const *)s.clusters.items, .n_clusters = s.clusters.n,
		.issuer_urls = (const char *const *)s.issuers.items, .n_issuer_urls = s.issuers.n,
		.audience = first->audience,
		.trust_role_arns = (const char *const *)s.trust.items,
		.n_trust_role_arns = s.trust.n,
	};
	cr.tags = (const char *const *)s.tags.items;
	cr.n_tags = s.tags.n;
	cr.managed_arns = (const char *const *)s.arns.items;
	cr.n_managed_arns = s.arns.n;
	cr.policies = (const char *const *)s.policies.items;
	cr.n_policies = s.policies.n;
	cr.policy_files = (const char *const *)s.files.items;
	cr.n_policy_files = s.files.n;
	if (irsa_apply_role_resolve(acct, req, r, &cr, &r->in, err) < 0 ||
	    add_inline_documents(req, r, err) < 0)
		return -1;
	return 0;
}

/* The plan of a resolved role from its state as read. */
static int plan_role(struct irsa_aws *aws, struct irsa_apply_role *r, struct irsa_role_details *d,
		     struct irsa_error *err)
{
	struct irsa_role_state state;
	int rc;

	if (d->err.kind) {
		*err = d->err;
		return -1;
	}
	irsa_role_state_from_details(d, &state);
	/* customer-managed policies the role asks for (none from a file today) */
	rc = irsa_role_read_managed_policies(aws, &r->in.role, &state, err);
	if (rc == 0)
		rc = irsa_role_plan_apply_compute(&r->in.role, &state, &r->plan, err);
	irsa_role_state_release(&state);
	if (rc < 0)
		return -1;
	r->plan.aws = aws;
	for (size_t i = 0; i < r->in.trust.warnings.n; i++)
		irsa_plan_warn(&r->plan.plan, "%s", r->in.trust.warnings.items[i]);
	r->planned = true;
	return 0;
}

/* Resolve every role, read all of them at once (one
 * GetAccountAuthorizationDetails, or per-role reads in parallel rounds when
 * that is denied; GetRole again only where the description or session
 * duration is asked for and the bulk read does not carry it), then plan
 * each. A role that fails is marked; the others go on. */
static int plan_roles(struct irsa_account *acct, struct irsa_apply *a, struct irsa_error *err)
{
	const char **names = irsa_malloc0((a->n_roles + 1) * sizeof(*names));
	size_t *which = irsa_malloc0((a->n_roles + 1) * sizeof(*which));
	struct irsa_role_details *d = NULL;
	bool *want = NULL;
	size_t n = 0;
	int rc = -1;

	for (size_t i = 0; i < a->n_roles; i++) {
		struct irsa_apply_role *r = &a->roles[i];
		struct irsa_error e = { 0 };

		if (resolve_role(acct, a, r, &e) < 0)
			fail(&r->failure, &r->failed, a, &e);
		else if (!r->external_arn) {
			which[n] = i;
			names[n++] = r->in.role_name;
		}
	}
	d = irsa_malloc0((n + 1) * sizeof(*d));
	want = irsa_malloc0((n + 1) * sizeof(*want));
	if (n && irsa_iam_read_roles(acct->aws, names, n, d, NULL, err) < 0)
		goto out;
	for (size_t k = 0; k < n; k++)
		want[k] = a->roles[which[k]].in.role.description ||
			  a->roles[which[k]].in.role.max_session_duration > 0;
	irsa_iam_read_role_fields(acct->aws, d, n, want);
	for (size_t k = 0; k < n; k++) {
		struct irsa_apply_role *r = &a->roles[which[k]];
		struct irsa_error e = { 0 };

		if (plan_role(acct->aws, r, &d[k], &e) < 0)
			fail(&r->failure, &r->failed, a, &e);
	}
	rc = 0;
out:
	irsa_role_details_free(d, n);
	free(want);
	free(which);
	free(names);
	return rc;
}

int irsa_apply_open_kube(struct irsa_apply *a, size_t cluster, struct irsa_aws *aws,
			 struct irsa_kube **ret, struct irsa_error *err)
{
	struct irsa_kube_options ko = {
		.kubeconfig = a->opts.kubeconfig,
		.context = a->req->clusters[cluster].context,
		.aws = aws,
	};

	if (!a->kubes[cluster] && irsa_kube_open(&ko, &a->kubes[cluster], err) < 0)
		return -1;
	*ret = a->kubes[cluster];
	return 0;
}

int irsa_apply_sa_spec_build(const struct irsa_apply_sa *sa, struct irsa_sa_options *o,
			     struct irsa_sa_spec *spec, struct irsa_error *err)
{
	struct irsa_strlist labels = { 0 }, annotations = { 0 };
	int r;

	for (size_t i = 0; i < sa->labels.n; i++) {
		_cleanup_free_ char *kv = irsa_asprintf("%s=%s", sa->labels.items[i].key,
							sa->labels.items[i].value);
		irsa_strlist_add(&labels, kv);
	}
	for (size_t i = 0; i < sa->annotations.n; i++) {
		_cleanup_free_ char *kv = irsa_asprintf("%s=%s", sa->annotations.items[i].key,
							sa->annotations.items[i].value);
		irsa_strlist_add(&annotations, kv);
	}
	o->labels = (const char *const *)labels.items;
	o->n_labels = labels.n;
	o->annotations = (const char *const *)annotations.items;
	o->n_annotations = annotations.n;
	r = irsa_sa_spec_build(o, false, spec, err);
	irsa_strlist_release(&labels);
	irsa_strlist_release(&annotations);
	return r;
}

static int build_spec(const struct irsa_apply_sa *sa, const char *role_arn,
		      struct irsa_sa_spec *spec, struct irsa_error *err)
{
	_cleanup_free_ char *te = sa->token_expiration ?
		irsa_asprintf("%ld", sa->token_expiration) : NULL;
	struct irsa_sa_options o = {
		.namespace = sa->namespace_,
		.name = sa->name,
		.role_arn = role_arn,
		.audience = sa->audience,
		.sts_regional_endpoints = sa->sts_regional_endpoints < 0 ? NULL :
					  sa->sts_regional_endpoints ? "true" : "false",
		.token_expiration = te,
	};

	return irsa_apply_sa_spec_build(sa, &o, spec, err);
}

static struct irsa_apply_object *add_object(struct irsa_apply *a, size_t sa, size_t role)
{
	struct irsa_apply_object *o;

	/* allocated once (irsa_apply_plan()): the plans point into their objects */
	o = &a->targets[a->n_targets++];
	memset(o, 0, sizeof(*o));
	o->sa = sa;
	o->role = role;
	return o;
}

static void plan_sas_of(struct irsa_apply *a, size_t role, struct irsa_aws *aws)
{
	const struct irsa_apply_request *req = a->req;
	struct irsa_apply_role *r = &a->roles[role];

	for (size_t k = 0; k < r->n_sas; k++) {
		const struct irsa_apply_sa *sa = &req->sas[r->sas[k]];

		/* a pattern names no object: the role trusts the accounts it matches */
		if (sa->target == IRSA_APPLY_TARGET_NONE || strpbrk(sa->name, "*?"))
			continue;
		for (size_t c = 0; c < req->n_clusters; c++) {
			struct irsa_apply_object *o;
			struct irsa_error e = { 0 };
			struct irsa_kube *kube;
			struct irsa_sa_apply_options ao = {
				.create_namespace = sa->create_namespace,
				.dry_run = a->opts.dry_run,
				/* the file says which role: a role-arn irsactl set moves
				 * with it (another field manager's is still a conflict) */
				.overwrite = true,
			};

			if (sa->target == IRSA_APPLY_TARGET_CLUSTER &&
			    !irsa_apply_sa_has_cluster(sa, &req->clusters[c]))
				continue;
			o = add_object(a, r->sas[k], role);
			o->is_file = sa->target == IRSA_APPLY_TARGET_MANIFEST;
			if (!r->planned && !r->external_arn) {
				irsa_error_set(&e, IRSA_ERR_USAGE, "its role could not be planned");
				fail(&o->failure, &o->failed, a, &e);
			} else if (sa->mechanism == IRSA_APPLY_POD_IDENTITY ?
				   irsa_apply_pod_identity_sa_spec(sa, &o->spec, &e) < 0 :
				   build_spec(sa, r->external_arn ? r->external_arn : r->plan.role_arn,
					      &o->spec, &e) < 0) {
				fail(&o->failure, &o->failed, a, &e);
			} else if (o->is_file) {
				if (irsa_sa_plan_file(sa->manifest, access(sa->manifest, F_OK) == 0,
						      &o->spec, false, &o->file_plan, &e) < 0)
					fail(&o->failure, &o->failed, a, &e);
				else
					o->planned = true;
			} else if (irsa_apply_open_kube(a, c, aws, &kube, &e) < 0 ||
				   irsa_sa_plan_apply(kube, &o->spec, &ao, &o->plan, &e) < 0) {
				fail(&o->failure, &o->failed, a, &e);
			} else {
				o->planned = true;
			}
			if (o->is_file)
				break; /* one manifest, whatever the clusters */
		}
	}
}

/* From this many ServiceAccounts of one namespace in one cluster on, one
 * LIST reads them all instead of one GET each. */
#define APPLY_LIST_MIN 3

static bool sa_in_cluster(const struct irsa_apply_sa *sa, const struct irsa_apply_cluster *c)
{
	return sa->target == IRSA_APPLY_TARGET_CLUSTER && !strpbrk(sa->name, "*?") &&
	       irsa_apply_sa_has_cluster(sa, c);
}

/* Read the ServiceAccounts of each namespace with many of them in one
 * LIST per cluster and namespace (the kube client answers the GETs of the
 * plans from it). When the list is refused (RBAC may allow get but not
 * list), the plans GET each one as before. */
static void prefetch_service_accounts(struct irsa_apply *a, struct irsa_aws *aws)
{
	const struct irsa_apply_request *req = a->req;

	for (size_t c = 0; c < req->n_clusters; c++) {
		struct irsa_strlist done = { 0 };

		for (size_t i = 0; i < a->n_roles; i++) {
			for (size_t k = 0; k < a->roles[i].n_sas; k++) {
				const struct irsa_apply_sa *sa = &req->sas[a->roles[i].sas[k]];
				struct irsa_error e = { 0 };
				struct irsa_kube *kube;
				size_t same = 0;

				if (!sa_in_cluster(sa, &req->clusters[c]) ||
				    irsa_strlist_contains(&done, sa->namespace_))
					continue;
				irsa_strlist_add(&done, sa->namespace_);
				for (size_t j = 0; j < req->n_sas; j++)
					same += sa_in_cluster(&req->sas[j], &req->clusters[c]) &&
						strcmp(req->sas[j].namespace_, sa->namespace_) == 0;
				if (same < APPLY_LIST_MIN)
					continue;
				if (irsa_apply_open_kube(a, c, aws, &kube, &e) < 0 ||
				    irsa_kube_prefetch_service_accounts(kube, sa->namespace_, &e) < 0)
					irsa_log_debug("reading the ServiceAccounts of '%s' one by one: %s",
						       sa->namespace_, e.message);
			}
		}
		irsa_strlist_release(&done);
	}
}

static int plan_provider(struct irsa_account *acct, struct irsa_apply *a,
			 struct irsa_apply_provider *p, struct irsa_error *err)
{
	const struct irsa_apply_cluster *c = &a->req->clusters[p->cluster];
	/* IAM does not use thumbprints for an EKS issuer; a self-managed one
	 * gets the fetched chain, as associate-oidc does */
	struct irsa_oidc_request oreq = {
		.thumbprint_mode = c->issuer_url ? IRSA_THUMBPRINT_FETCH : IRSA_THUMBPRINT_NONE,
	};

	if (c->issuer_url ? irsa_oidc_issuer_normalize(c->issuer_url, &p->issuer, err) < 0 :
	    irsa_account_cluster_issuer(acct, c->name, &p->issuer, err) < 0)
		return -1;
	oreq.issuer = p->issuer;
	if (irsa_oidc_plan_associate(acct, &oreq, &p->plan, err) < 0)
		return -1;
	p->planned = true;
	/* the roles' trust names the provider: it must exist before they are planned */
	if (!a->opts.dry_run && irsa_plan_execute(&p->plan.plan, NULL, NULL, err) < 0)
		return -1;
	if (!a->opts.dry_run && p->plan.arn)
		irsa_account_provider_created(acct, p->plan.arn);
	return 0;
}

static void plan_providers(struct irsa_account *acct, struct irsa_apply *a)
{
	const struct irsa_apply_request *req = a->req;

	a->providers = irsa_malloc0((req->n_clusters + 1) * sizeof(*a->providers));
	for (size_t i = 0; i < req->n_clusters; i++) {
		struct irsa_apply_provider *p;
		struct irsa_error e = { 0 };

		if (!req->clusters[i].create_provider)
			continue;
		p = &a->providers[a->n_providers++];
		p->cluster = i;
		if (plan_provider(acct, a, p, &e) < 0)
			fail(&p->failure, &p->failed, a, &e);
	}
}

int irsa_apply_plan(struct irsa_account *acct, const struct irsa_apply_request *req,
		    const struct irsa_apply_options *opts, struct irsa_apply *ret,
		    struct irsa_error *err)
{
	const struct irsa_strlist *providers;
	const char *account;

	memset(ret, 0, sizeof(*ret));
	ret->req = req;
	ret->aws = acct->aws;
	ret->opts = *opts;
	ret->kubes = irsa_malloc0((req->n_clusters + 1) * sizeof(*ret->kubes));
	for (size_t i = 0; i < req->n_clusters; i++) {
		const char *want = req->clusters[i].region, *have = irsa_aws_region(acct->aws);

		if (want && have && strcmp(want, have) != 0)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "cluster '%s' at %s is in region '%s' but this session's "
					      "region is '%s'; pass --region %s (one region per run)",
					      req->clusters[i].name ? req->clusters[i].name :
					      req->clusters[i].issuer_url, req->clusters[i].where, want,
					      have, want);
	}
	/* the provider list names the account: no GetCallerIdentity when
	 * there is a provider */
	if (irsa_account_provider_arns(acct, &providers, err) < 0 ||
	    irsa_account_get(acct, &account, err) < 0)
		return -1;
	/* at most one object per service account and cluster */
	ret->targets = irsa_malloc0((req->n_sas * (req->n_clusters ? req->n_clusters : 1) + 1) *
				    sizeof(*ret->targets));
	plan_providers(acct, ret);
	for (size_t i = 0; i < req->n_sas; i++)
		if (selected(opts, &req->sas[i]))
			group_sa(ret, i);
	if (plan_roles(acct, ret, err) < 0)
		return -1;
	prefetch_service_accounts(ret, acct->aws);
	for (size_t i = 0; i < ret->n_roles; i++)
		plan_sas_of(ret, i, acct->aws);
	irsa_apply_plan_pod_identity(acct, ret);
	return 0;
}

/* The folders of a manifest target the file names (out/sa.yaml), made
 * as `mkdir -p` would, mode 0755. */
static int make_parent_dirs(const char *path, struct irsa_error *err)
{
	_cleanup_free_ char *dir = irsa_strdup(path);

	for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return irsa_error_set(err, IRSA_ERR_INTERNAL, "cannot create folder '%s': %s",
					      dir, strerror(errno));
		*p = '/';
	}
	return 0;
}

static struct irsa_plan *object_plan(struct irsa_apply_object *o)
{
	return o->is_file ? &o->file_plan.plan : &o->plan.plan;
}

static const char *provider_label(const struct irsa_apply *a, const struct irsa_apply_provider *p)
{
	const struct irsa_apply_cluster *c = &a->req->clusters[p->cluster];

	return p->planned ? p->plan.plan.label : c->name ? c->name : c->issuer_url;
}

static void role_finished(const struct irsa_apply_role *r, irsa_apply_progress_fn progress,
			  void *userdata)
{
	if (progress && !r->external_arn)
		progress(userdata, r->planned ? r->plan.plan.label :
			 r->in.role_name ? r->in.role_name : r->role_name,
			 r->failed ? "failed" : irsa_plan_status_name(r->plan.plan.status, true),
			 r->failure);
}

/* One wave: the next action of every role that has one left, sent at
 * once. Returns how many were sent; a role whose action fails stops
 * there (its later actions and its ServiceAccounts are not run). */
static size_t run_wave(struct irsa_apply *a, struct irsa_aws *aws, irsa_apply_progress_fn progress,
		       void *userdata)
{
	struct irsa_iam_role_change *c = irsa_malloc0((a->n_roles + 1) * sizeof(*c));
	char **docs = irsa_malloc0((a->n_roles + 1) * sizeof(*docs));
	size_t *owner = irsa_malloc0((a->n_roles + 1) * sizeof(*owner));
	size_t n = 0;

	for (size_t i = 0; i < a->n_roles; i++) {
		struct irsa_apply_role *r = &a->roles[i];
		struct irsa_error e = { 0 };
		int next;

		if (!r->planned || r->failed || r->plan.plan.executed)
			continue;
		next = irsa_role_plan_next_change(&r->plan, &c[n], &docs[n], &e);
		if (next > 0) {
			owner[n++] = i;
			continue;
		}
		if (next < 0)
			fail(&r->failure, &r->failed, a, &e);
		role_finished(r, progress, userdata);
	}
	if (n)
		irsa_iam_change_roles(aws, c, n);
	for (size_t k = 0; k < n; k++) {
		struct irsa_apply_role *r = &a->roles[owner[k]];
		struct irsa_error e = { 0 };

		if (irsa_role_plan_change_done(&r->plan, &c[k], &e) < 0) {
			fail(&r->failure, &r->failed, a, &e);
			role_finished(r, progress, userdata);
		}
		free(c[k].created_arn);
		free(docs[k]);
	}
	free(c);
	free(docs);
	free(owner);
	return n;
}

/* Roles in waves (step k of every role in one parallel batch): the
 * requests of different roles overlap, those of one role keep their
 * order (CreateRole before its PutRolePolicy). */
static void execute_roles(struct irsa_apply *a, irsa_apply_progress_fn progress, void *userdata)
{
	while (a->aws && run_wave(a, a->aws, progress, userdata) > 0)
		;
	/* roles that were never planned (failed) and eksctl attachRoleARN ones */
	for (size_t i = 0; i < a->n_roles; i++)
		if (!a->roles[i].planned)
			role_finished(&a->roles[i], progress, userdata);
}

/* Whether o is a ServiceAccount to apply to a cluster in one request. */
static const json_t *single_apply(const struct irsa_apply *a, const struct irsa_apply_object *o)
{
	if (o->failed || !o->planned || o->is_file || a->roles[o->role].failed)
		return NULL;
	return irsa_sa_plan_only_apply(&o->plan);
}

/* The ServiceAccounts of each cluster that need one server-side apply,
 * sent at once (at most --concurrency in flight); the others (a namespace
 * to create first, a manifest file) go one by one afterwards. */
static void apply_service_accounts_at_once(struct irsa_apply *a)
{
	size_t max = a->aws ? irsa_aws_concurrency(a->aws) : 1;

	for (size_t c = 0; c < a->req->n_clusters; c++) {
		struct irsa_kube_apply_call *calls;
		size_t *owner, n = 0;

		if (!a->kubes[c])
			continue;
		calls = irsa_malloc0((a->n_targets + 1) * sizeof(*calls));
		owner = irsa_malloc0((a->n_targets + 1) * sizeof(*owner));
		for (size_t i = 0; i < a->n_targets; i++) {
			const struct irsa_apply_object *o = &a->targets[i];
			const json_t *doc = single_apply(a, o);

			if (!doc || o->plan.kube != a->kubes[c])
				continue;
			calls[n] = (struct irsa_kube_apply_call){
				.ns = o->spec.namespace, .name = o->spec.name, .object = doc,
				.force = o->plan.opts.force_conflicts,
			};
			owner[n++] = i;
		}
		if (n)
			irsa_kube_apply_service_accounts(a->kubes[c], calls, n, max);
		for (size_t k = 0; k < n; k++) {
			struct irsa_apply_object *o = &a->targets[owner[k]];

			if (calls[k].rc == 0) {
				irsa_sa_plan_applied(&o->plan, calls[k].ret);
			} else {
				irsa_plan_explain_failure(&o->plan.plan, 0, &calls[k].err);
				fail(&o->failure, &o->failed, a, &calls[k].err);
			}
			json_decref(calls[k].ret);
		}
		free(calls);
		free(owner);
	}
}

void irsa_apply_execute(struct irsa_apply *a, irsa_apply_progress_fn progress, void *userdata)
{
	for (size_t i = 0; progress && i < a->n_providers; i++) {
		const struct irsa_apply_provider *p = &a->providers[i];

		progress(userdata, provider_label(a, p),
			 p->failed ? "failed" : irsa_plan_status_name(p->plan.plan.status, true),
			 p->failure);
	}
	execute_roles(a, progress, userdata);
	irsa_apply_execute_pod_identity(a, progress, userdata);
	/* AWS is done with until a prune: its idle connections need not stay
	 * open beside the Kubernetes ones */
	if (a->aws)
		irsa_aws_close_connections(a->aws);
	apply_service_accounts_at_once(a);
	for (size_t i = 0; i < a->n_targets; i++) {
		struct irsa_apply_object *o = &a->targets[i];
		struct irsa_plan *p = object_plan(o);
		struct irsa_error e = { 0 };

		if (!o->failed && a->roles[o->role].failed) {
			irsa_error_set(&e, IRSA_ERR_USAGE, "its role '%s' failed",
				       a->roles[o->role].plan.role_name ?
				       a->roles[o->role].plan.role_name : "?");
			fail(&o->failure, &o->failed, a, &e);
		} else if (!o->failed && o->planned && !p->executed &&
			   ((o->is_file && p->n_actions &&
			     make_parent_dirs(o->file_plan.path, &e) < 0) ||
			    irsa_plan_execute(p, NULL, NULL, &e) < 0)) {
			fail(&o->failure, &o->failed, a, &e);
		}
		if (progress) {
			_cleanup_free_ char *label = irsa_asprintf(
				"service account '%s/%s'", a->req->sas[o->sa].namespace_,
				a->req->sas[o->sa].name);
			progress(userdata, label,
				 o->failed ? "failed" : irsa_plan_status_name(p->status, true),
				 o->failure);
		}
	}
}

bool irsa_apply_changed(const struct irsa_apply *a)
{
	for (size_t i = 0; i < a->n_providers; i++)
		if (a->providers[i].planned && a->providers[i].plan.plan.status != IRSA_PLAN_UNCHANGED)
			return true;
	for (size_t i = 0; i < a->n_roles; i++)
		if (a->roles[i].planned && a->roles[i].plan.plan.status != IRSA_PLAN_UNCHANGED)
			return true;
	for (size_t i = 0; i < a->n_targets; i++)
		if (a->targets[i].planned &&
		    object_plan(&a->targets[i])->status != IRSA_PLAN_UNCHANGED)
			return true;
	return irsa_apply_pod_identity_changed(a);
}

static json_t *failed_report(const char *kind, const char *name, const char *failure)
{
	return json_pack("{s:s, s:s, s:s}", "object", kind, "name", name ? name : "",
			 "failure", failure ? failure : "");
}

json_t *irsa_apply_to_json(const struct irsa_apply *a)
{
	json_t *objects = json_array(), *failed = json_array();

	for (size_t i = 0; i < a->n_providers; i++) {
		const struct irsa_apply_provider *p = &a->providers[i];

		if (p->planned)
			json_array_append_new(objects, irsa_plan_to_json(&p->plan.plan));
		if (p->failed)
			json_array_append_new(failed, failed_report("oidc-provider",
								    provider_label(a, p), p->failure));
	}

	for (size_t i = 0; i < a->n_roles; i++) {
		const struct irsa_apply_role *r = &a->roles[i];
		const char *name = r->plan.role_name ? r->plan.role_name : r->role_name;

		if (r->planned)
			json_array_append_new(objects, irsa_plan_to_json(&r->plan.plan));
		if (r->failed)
			json_array_append_new(failed, failed_report("role", name, r->failure));
	}
	for (size_t i = 0; i < a->n_targets; i++) {
		struct irsa_apply_object *o = &a->targets[i];
		_cleanup_free_ char *name = irsa_asprintf("%s/%s", a->req->sas[o->sa].namespace_,
							  a->req->sas[o->sa].name);

		if (o->planned)
			json_array_append_new(objects, irsa_plan_to_json(object_plan(o)));
		if (o->failed)
			json_array_append_new(failed,
					      failed_report("service-account", name, o->failure));
	}
	irsa_apply_pod_identity_to_json(a, objects, failed);
	return json_pack("{s:o, s:o}", "objects", objects, "failed", failed);
}

void irsa_apply_release(struct irsa_apply *a)
{
	for (size_t i = 0; i < a->n_targets; i++) {
		struct irsa_apply_object *o = &a->targets[i];

		if (o->is_file)
			irsa_sa_file_plan_release(&o->file_plan);
		else
			irsa_sa_plan_release(&o->plan);
		irsa_sa_spec_release(&o->spec);
		free(o->failure);
	}
	free(a->targets);
	for (size_t i = 0; i < a->n_providers; i++) {
		irsa_oidc_plan_release(&a->providers[i].plan);
		free(a->providers[i].issuer);
		free(a->providers[i].failure);
	}
	free(a->providers);
	for (size_t i = 0; i < a->n_roles; i++) {
		struct irsa_apply_role *r = &a->roles[i];

		irsa_role_plan_release(&r->plan);
		irsa_create_role_input_release(&r->in);
		if (r->strings)
			role_strings_release(r->strings);
		free(r->strings);
		for (size_t k = 0; r->extra_docs && r->extra_docs[k]; k++)
			json_decref(r->extra_docs[k]);
		free(r->extra_docs);
		free(r->inline_all);
		irsa_strlist_release(&r->inline_names);
		free(r->sas);
		free(r->role_name);
		free(r->failure);
	}
	free(a->roles);
	irsa_apply_pod_identity_release(a);
	for (size_t i = 0; a->req && i < a->req->n_clusters; i++)
		irsa_kube_free(a->kubes[i]);
	free(a->kubes);
	memset(a, 0, sizeof(*a));
}
