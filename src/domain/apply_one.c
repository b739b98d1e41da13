/* irsactl apply without a file: one cluster and one service account from
 * flags, added to a request as a file would add them (irsa/apply.h). Every
 * value is checked here, before anything is planned, by the same parsers
 * create-role and annotate-sa use, so bad input sends no request. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/alloc.h"
#include "irsa/apply.h"
#include "irsa/request.h"
#include "irsa/serviceaccount.h"

#define WHERE "the command line"

/* The role part: create-role's parser (names, settings, tags, templates,
 * policy files; no network). */
static int check_role(const struct irsa_apply_one *o, struct irsa_error *err)
{
	const char *ns[] = { o->namespace_ }, *sa[] = { o->name };
	const char *cluster[] = { o->cluster }, *issuer[] = { o->issuer_url };
	struct irsa_create_role_request cr = {
		.trust = {
			.namespaces = ns, .n_namespaces = 1,
			.service_accounts = sa, .n_service_accounts = 1,
			.clusters = cluster, .n_clusters = o->cluster ? 1 : 0,
			.issuer_urls = issuer, .n_issuer_urls = o->issuer_url ? 1 : 0,
			.audience = o->audience,
		},
		.role_name = o->role_name,
		.path = o->path,
		.description = o->description,
		.permissions_boundary = o->permissions_boundary,
		.max_session_duration = o->max_session_duration,
		.tags = o->tags, .n_tags = o->n_tags,
		.managed_arns = o->managed_arns, .n_managed_arns = o->n_managed_arns,
		.policies = o->policies, .n_policies = o->n_policies,
		.policy_files = o->policy_files, .n_policy_files = o->n_policy_files,
	};
	struct irsa_create_role_input in;
	int r = irsa_create_role_parse(&cr, &in, err);

	irsa_create_role_input_release(&in);
	return r;
}

/* The ServiceAccount part: annotate-sa's checks (a placeholder ARN: the
 * role's is known only once it is planned). */
static int check_sa(const struct irsa_apply_one *o, struct irsa_error *err)
{
	struct irsa_sa_options so = {
		.namespace = o->namespace_,
		.name = o->name,
		.role_arn = "arn:aws:iam::000000000000:role/placeholder",
		.audience = o->audience,
	};
	struct irsa_sa_spec spec;
	int r;

	if (o->role_only)
		return 0;
	r = irsa_sa_spec_build(&so, false, &spec, err);
	irsa_sa_spec_release(&spec);
	return r;
}

static void copy_list(struct irsa_strlist *dst, const char *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		irsa_strlist_add(dst, items[i]);
}

static char *dup_or_null(const char *s)
{
	return s ? irsa_strdup(s) : NULL;
}

static void add_cluster(const struct irsa_apply_one *o, struct irsa_apply_request *r)
{
	struct irsa_apply_cluster *c;

	r->clusters = irsa_realloc(r->clusters, (r->n_clusters + 1) * sizeof(*r->clusters));
	c = &r->clusters[r->n_clusters++];
	memset(c, 0, sizeof(*c));
	c->name = dup_or_null(o->cluster);
	c->issuer_url = dup_or_null(o->issuer_url);
	c->context = dup_or_null(o->context);
	c->create_provider = true;
	c->where = irsa_strdup(WHERE);
}

static void add_sa(const struct irsa_apply_one *o, struct irsa_apply_request *r)
{
	struct irsa_apply_sa *s;

	r->sas = irsa_realloc(r->sas, (r->n_sas + 1) * sizeof(*r->sas));
	s = &r->sas[r->n_sas++];
	memset(s, 0, sizeof(*s));
	s->namespace_ = irsa_strdup(o->namespace_);
	s->name = irsa_strdup(o->name);
	irsa_strlist_add(&s->clusters, o->cluster ? o->cluster : o->issuer_url);
	s->role_name = dup_or_null(o->role_name);
	s->path = dup_or_null(o->path);
	s->description = dup_or_null(o->description);
	s->permissions_boundary = dup_or_null(o->permissions_boundary);
	/* checked by check_role(): 3600 to 43200 */
	s->max_session_duration = o->max_session_duration ? atoi(o->max_session_duration) : 0;
	s->audience = dup_or_null(o->audience);
	copy_list(&s->policies, o->policies, o->n_policies);
	copy_list(&s->managed_policy_arns, o->managed_arns, o->n_managed_arns);
	copy_list(&s->policy_files, o->policy_files, o->n_policy_files);
	for (size_t i = 0; i < o->n_tags; i++) {
		const char *eq = strchr(o->tags[i], '=');
		_cleanup_free_ char *key = eq ? irsa_strndup(o->tags[i], (size_t)(eq - o->tags[i]))
					      : irsa_strdup(o->tags[i]);

		irsa_tags_add(&s->tags, key, eq ? eq + 1 : "");
	}
	s->sts_regional_endpoints = -1;
	s->target = o->role_only ? IRSA_APPLY_TARGET_NONE : IRSA_APPLY_TARGET_CLUSTER;
	s->create_namespace = true;
	s->where = irsa_strdup(WHERE);
}

int irsa_apply_request_add_one(const struct irsa_apply_one *o, struct irsa_apply_request *r,
			       struct irsa_error *err)
{
	if (!o->cluster == !o->issuer_url)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give the cluster with --cluster NAME or --issuer-url URL "
				      "(one of them)");
	if (!o->namespace_ || !o->name)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give the service account with --namespace NS and "
				      "--service-account NAME");
	if (strpbrk(o->name, "*?") && !o->role_only)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "service account '%s' is a pattern: it names no object to "
				      "annotate; add --role-only for the role alone", o->name);
	if (check_role(o, err) < 0 || check_sa(o, err) < 0)
		return -1;
	add_cluster(o, r);
	add_sa(o, r);
	return 0;
}
