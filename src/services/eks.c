/* Amazon EKS (REST-JSON): DescribeCluster. */
#include <stdlib.h>
#include <string.h>

#include "irsa/eks.h"
#include "irsa/strutil.h"
#include "eks_internal.h"

void irsa_eks_cluster_release(struct irsa_eks_cluster *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->arn);
	free(c->status);
	free(c->endpoint);
	free(c->ca_data);
	free(c->oidc_issuer);
	free(c->version);
	memset(c, 0, sizeof(*c));
}

static char *dup_json_string(const json_t *v)
{
	const char *s = json_string_value(v);

	return s && *s ? irsa_strdup(s) : NULL;
}

char *eks_cluster_path(const char *name)
{
	struct irsa_buf path = IRSA_BUF_INIT;

	irsa_buf_puts(&path, "/clusters/");
	irsa_uri_encode(&path, name, strlen(name), false);
	return irsa_buf_detach(&path);
}

int eks_describe_failed(struct irsa_aws *aws, const char *name, struct irsa_error *err)
{
	if (err && err->kind == IRSA_ERR_NOT_FOUND)
		return irsa_error_set(err, IRSA_ERR_NOT_FOUND,
				      "EKS cluster '%s' not found in region '%s'; check the "
				      "name and --region (aws eks list-clusters)",
				      name, irsa_aws_region(aws));
	return -1;
}

/* The DescribeCluster answer root (taken) into ret. */
static int cluster_from_answer(const char *name, json_t *root, struct irsa_eks_cluster *ret,
			       struct irsa_error *err)
{
	struct irsa_eks_cluster c = { 0 };
	json_t *cl = json_object_get(root, "cluster");

	if (!json_is_object(cl)) {
		json_decref(root);
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "eks DescribeCluster: the answer for '%s' has no cluster object",
				      name);
	}
	c.name = dup_json_string(json_object_get(cl, "name"));
	c.arn = dup_json_string(json_object_get(cl, "arn"));
	c.status = dup_json_string(json_object_get(cl, "status"));
	c.endpoint = dup_json_string(json_object_get(cl, "endpoint"));
	c.ca_data = dup_json_string(json_object_get(json_object_get(cl, "certificateAuthority"),
						    "data"));
	c.oidc_issuer = dup_json_string(
		json_object_get(json_object_get(json_object_get(cl, "identity"), "oidc"), "issuer"));
	c.version = dup_json_string(json_object_get(cl, "version"));
	json_decref(root);
	if (!c.name)
		c.name = irsa_strdup(name);
	if (!c.status)
		c.status = irsa_strdup("UNKNOWN");
	*ret = c;
	return 0;
}

int eks_cluster_parse(const json_t *root, const char *name, struct irsa_eks_cluster *ret,
		      struct irsa_error *err)
{
	return cluster_from_answer(name, json_incref((json_t *)root), ret, err);
}

int irsa_eks_describe_cluster(struct irsa_aws *aws, const char *name,
			      struct irsa_eks_cluster *ret, struct irsa_error *err)
{
	_cleanup_free_ char *path = NULL;
	json_t *root = NULL;

	if (irsa_str_empty(name))
		return irsa_error_set(err, IRSA_ERR_USAGE, "an EKS cluster name is required");
	path = eks_cluster_path(name);
	if (irsa_aws_json(aws, "eks", "GET", path, NULL, &root, err) < 0)
		return eks_describe_failed(aws, name, err);
	return cluster_from_answer(name, root, ret, err);
}

int irsa_eks_describe_clusters(struct irsa_aws *aws, const char *const *names, size_t n,
			       struct irsa_eks_cluster *ret, struct irsa_error *errs)
{
	struct irsa_aws_json_call *calls = irsa_malloc0((n ? n : 1) * sizeof(*calls));
	char **paths = irsa_malloc0((n ? n : 1) * sizeof(*paths));
	int r = 0;

	memset(ret, 0, n * sizeof(*ret));
	memset(errs, 0, n * sizeof(*errs));
	for (size_t i = 0; i < n; i++) {
		paths[i] = eks_cluster_path(names[i]);
		calls[i] = (struct irsa_aws_json_call){ "eks", "GET", paths[i], NULL };
	}
	irsa_aws_json_many(aws, calls, n, NULL);
	for (size_t i = 0; i < n; i++) {
		if (irsa_str_empty(names[i]))
			irsa_error_set(&errs[i], IRSA_ERR_USAGE, "an EKS cluster name is required");
		else if (calls[i].rc < 0) {
			errs[i] = calls[i].err;
			eks_describe_failed(aws, names[i], &errs[i]);
		} else {
			cluster_from_answer(names[i], calls[i].ret, &ret[i], &errs[i]);
		}
		if (errs[i].kind)
			r = -1;
		free(paths[i]);
	}
	free(paths);
	free(calls);
	return r;
}

/* ---- add-ons ---- */

void irsa_eks_addon_release(struct irsa_eks_addon *a)
{
	if (!a)
		return;
	free(a->name);
	free(a->version);
	free(a->status);
	memset(a, 0, sizeof(*a));
}

static void append_segment(struct irsa_buf *path, const char *s)
{
	irsa_buf_puts(path, "/");
	irsa_uri_encode(path, s, strlen(s), false);
}

/* EKS answers ResourceNotFoundException for a missing cluster as for a
 * missing add-on or association; its message tells which. */
static bool cluster_missing(const struct irsa_error *err)
{
	return err && err->kind == IRSA_ERR_NOT_FOUND && strstr(err->message, "No cluster found");
}

static int cluster_not_found(struct irsa_aws *aws, const char *cluster, struct irsa_error *err)
{
	return irsa_error_set(err, IRSA_ERR_NOT_FOUND,
			      "EKS cluster '%s' not found in region '%s'; check the name and "
			      "--region (aws eks list-clusters)",
			      cluster, irsa_aws_region(aws));
}

int irsa_eks_describe_addon(struct irsa_aws *aws, const char *cluster, const char *addon,
			    struct irsa_eks_addon *ret, struct irsa_error *err)
{
	struct irsa_buf path = IRSA_BUF_INIT;
	json_t *root = NULL, *a;
	int r;

	if (irsa_str_empty(cluster) || irsa_str_empty(addon))
		return irsa_error_set(err, IRSA_ERR_USAGE, "an EKS cluster and add-on name are required");
	irsa_buf_puts(&path, "/clusters");
	append_segment(&path, cluster);
	irsa_buf_puts(&path, "/addons");
	append_segment(&path, addon);
	r = irsa_aws_json(aws, "eks", "GET", irsa_buf_str(&path), NULL, &root, err);
	irsa_buf_release(&path);
	if (r < 0) {
		if (cluster_missing(err))
			return cluster_not_found(aws, cluster, err);
		if (err && err->kind == IRSA_ERR_NOT_FOUND)
			return irsa_error_set(err, IRSA_ERR_NOT_FOUND,
					      "the add-on '%s' is not installed in EKS cluster '%s'",
					      addon, cluster);
		return -1;
	}
	a = json_object_get(root, "addon");
	ret->name = irsa_strdup(addon);
	ret->version = dup_json_string(json_object_get(a, "addonVersion"));
	ret->status = dup_json_string(json_object_get(a, "status"));
	if (!ret->status)
		ret->status = irsa_strdup("UNKNOWN");
	json_decref(root);
	return 0;
}

/* ---- Pod Identity associations ---- */

void irsa_pod_identity_association_release(struct irsa_pod_identity_association *a)
{
	if (!a)
		return;
	free(a->cluster);
	free(a->namespace_);
	free(a->service_account);
	free(a->association_id);
	free(a->association_arn);
	free(a->role_arn);
	free(a->target_role_arn);
	free(a->external_id);
	irsa_tags_release(&a->tags);
	memset(a, 0, sizeof(*a));
}

void irsa_pod_identity_associations_free(struct irsa_pod_identity_association *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++)
		irsa_pod_identity_association_release(&a[i]);
	free(a);
}

static void association_from_json(const json_t *j, struct irsa_pod_identity_association *a)
{
	const char *key;
	json_t *v;

	a->cluster = dup_json_string(json_object_get(j, "clusterName"));
	a->namespace_ = dup_json_string(json_object_get(j, "namespace"));
	a->service_account = dup_json_string(json_object_get(j, "serviceAccount"));
	a->association_id = dup_json_string(json_object_get(j, "associationId"));
	a->association_arn = dup_json_string(json_object_get(j, "associationArn"));
	a->role_arn = dup_json_string(json_object_get(j, "roleArn"));
	a->target_role_arn = dup_json_string(json_object_get(j, "targetRoleArn"));
	a->external_id = dup_json_string(json_object_get(j, "externalId"));
	a->disable_session_tags = json_is_true(json_object_get(j, "disableSessionTags"));
	json_object_foreach((json_t *)json_object_get(j, "tags"), key, v)
		if (json_is_string(v))
			irsa_tags_add(&a->tags, key, json_string_value(v));
}

static void associations_path(struct irsa_buf *path, const char *cluster, const char *id)
{
	irsa_buf_puts(path, "/clusters");
	append_segment(path, cluster);
	irsa_buf_puts(path, "/pod-identity-associations");
	if (id)
		append_segment(path, id);
}

/* One association call: the answer's "association" into *ret (may be
 * NULL). Errors about a missing cluster are reworded. */
static int association_call(struct irsa_aws *aws, const char *method, const char *cluster,
			    const char *id, const json_t *body,
			    struct irsa_pod_identity_association *ret, struct irsa_error *err)
{
	struct irsa_buf path = IRSA_BUF_INIT;
	json_t *root = NULL, *a;
	int r;

	if (irsa_str_empty(cluster))
		return irsa_error_set(err, IRSA_ERR_USAGE, "an EKS cluster name is required");
	associations_path(&path, cluster, id);
	r = irsa_aws_json(aws, "eks", method, irsa_buf_str(&path), body, &root, err);
	irsa_buf_release(&path);
	if (r < 0)
		return cluster_missing(err) ? cluster_not_found(aws, cluster, err) : -1;
	a = json_object_get(root, "association");
	if (ret) {
		if (!json_is_object(a)) {
			json_decref(root);
			return irsa_error_set(err, IRSA_ERR_REMOTE,
					      "eks: the answer for cluster '%s' has no association",
					      cluster);
		}
		memset(ret, 0, sizeof(*ret));
		association_from_json(a, ret);
	}
	json_decref(root);
	return 0;
}

static json_t *tags_object(const struct irsa_tags *tags)
{
	json_t *o = json_object();

	for (size_t i = 0; tags && i < tags->n; i++)
		json_object_set_new(o, tags->items[i].key, json_string(tags->items[i].value));
	return o;
}

int irsa_eks_create_pod_identity_association(struct irsa_aws *aws,
					     const struct irsa_pod_identity_spec *spec,
					     struct irsa_pod_identity_association *ret,
					     struct irsa_error *err)
{
	json_t *body = json_pack("{s:s, s:s, s:s}", "namespace", spec->namespace_,
				 "serviceAccount", spec->service_account, "roleArn", spec->role_arn);
	int r;

	if (!body)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "a Pod Identity association needs a namespace, a service "
				      "account and a role ARN");
	if (spec->target_role_arn)
		json_object_set_new(body, "targetRoleArn", json_string(spec->target_role_arn));
	if (spec->disable_session_tags)
		json_object_set_new(body, "disableSessionTags", json_true());
	if (spec->tags && spec->tags->n)
		json_object_set_new(body, "tags", tags_object(spec->tags));
	r = association_call(aws, "POST", spec->cluster, NULL, body, ret, err);
	json_decref(body);
	if (r < 0 && err && err->kind == IRSA_ERR_CONFLICT)
		return irsa_error_set(err, IRSA_ERR_CONFLICT,
				      "service account '%s/%s' in EKS cluster '%s' has a Pod "
				      "Identity association already; update or delete it",
				      spec->namespace_, spec->service_account, spec->cluster);
	return r;
}

int irsa_eks_describe_pod_identity_association(struct irsa_aws *aws, const char *cluster,
					       const char *association_id,
					       struct irsa_pod_identity_association *ret,
					       struct irsa_error *err)
{
	return association_call(aws, "GET", cluster, association_id, NULL, ret, err);
}

int irsa_eks_update_pod_identity_association(struct irsa_aws *aws, const char *association_id,
					     const struct irsa_pod_identity_spec *spec,
					     struct irsa_pod_identity_association *ret,
					     struct irsa_error *err)
{
	json_t *body = json_pack("{s:s, s:s, s:b}", "roleArn", spec->role_arn, "targetRoleArn",
				 spec->target_role_arn ? spec->target_role_arn : "",
				 "disableSessionTags", spec->disable_session_tags);
	int r;

	if (!body)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "a Pod Identity association update needs a role ARN");
	r = association_call(aws, "POST", spec->cluster, association_id, body, ret, err);
	json_decref(body);
	return r;
}

int irsa_eks_delete_pod_identity_association(struct irsa_aws *aws, const char *cluster,
					     const char *association_id, struct irsa_error *err)
{
	return association_call(aws, "DELETE", cluster, association_id, NULL, NULL, err);
}

static void add_query(struct irsa_buf *path, char *sep, const char *key, const char *value)
{
	if (!value)
		return;
	irsa_buf_printf(path, "%c%s=", *sep, key);
	irsa_uri_encode(path, value, strlen(value), false);
	*sep = '&';
}

int irsa_eks_list_pod_identity_associations(struct irsa_aws *aws, const char *cluster,
					    const char *namespace_, const char *service_account,
					    struct irsa_pod_identity_association **ret,
					    size_t *ret_n, struct irsa_error *err)
{
	struct irsa_pod_identity_association *items = NULL;
	char *token = NULL;
	size_t n = 0;

	if (irsa_str_empty(cluster))
		return irsa_error_set(err, IRSA_ERR_USAGE, "an EKS cluster name is required");
	do {
		struct irsa_buf path = IRSA_BUF_INIT;
		json_t *root = NULL, *item;
		char sep = '?';
		size_t i;
		int r;

		associations_path(&path, cluster, NULL);
		add_query(&path, &sep, "namespace", namespace_);
		add_query(&path, &sep, "serviceAccount", service_account);
		add_query(&path, &sep, "nextToken", token);
		free(token);
		token = NULL;
		r = irsa_aws_json(aws, "eks", "GET", irsa_buf_str(&path), NULL, &root, err);
		irsa_buf_release(&path);
		if (r < 0) {
			irsa_pod_identity_associations_free(items, n);
			return cluster_missing(err) ? cluster_not_found(aws, cluster, err) : -1;
		}
		json_array_foreach(json_object_get(root, "associations"), i, item) {
			items = irsa_realloc(items, (n + 1) * sizeof(*items));
			memset(&items[n], 0, sizeof(*items));
			association_from_json(item, &items[n++]);
		}
		token = dup_json_string(json_object_get(root, "nextToken"));
		json_decref(root);
	} while (token);
	*ret = items;
	*ret_n = n;
	return 0;
}

int irsa_eks_find_pod_identity_association(struct irsa_aws *aws, const char *cluster,
					   const char *namespace_, const char *service_account,
					   struct irsa_pod_identity_association *ret,
					   bool *ret_found, struct irsa_error *err)
{
	struct irsa_pod_identity_association *items = NULL;
	size_t n = 0;
	int r = 0;

	*ret_found = false;
	if (irsa_eks_list_pod_identity_associations(aws, cluster, namespace_, service_account,
						    &items, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && !*ret_found; i++) {
		if (!items[i].association_id || !items[i].namespace_ || !items[i].service_account ||
		    strcmp(items[i].namespace_, namespace_) != 0 ||
		    strcmp(items[i].service_account, service_account) != 0)
			continue;
		r = irsa_eks_describe_pod_identity_association(aws, cluster,
							       items[i].association_id, ret, err);
		*ret_found = r == 0;
	}
	irsa_pod_identity_associations_free(items, n);
	return r;
}
