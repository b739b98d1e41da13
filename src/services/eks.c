/* Amazon EKS (REST-JSON): DescribeCluster. */
#include <stdlib.h>
#include <string.h>

#include "irsa/eks.h"
#include "irsa/strutil.h"

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

static char *cluster_path(const char *name)
{
	struct irsa_buf path = IRSA_BUF_INIT;

	irsa_buf_puts(&path, "/clusters/");
	irsa_uri_encode(&path, name, strlen(name), false);
	return irsa_buf_detach(&path);
}

static int describe_failed(struct irsa_aws *aws, const char *name, struct irsa_error *err)
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

int irsa_eks_describe_cluster(struct irsa_aws *aws, const char *name,
			      struct irsa_eks_cluster *ret, struct irsa_error *err)
{
	_cleanup_free_ char *path = NULL;
	json_t *root = NULL;

	if (irsa_str_empty(name))
		return irsa_error_set(err, IRSA_ERR_USAGE, "an EKS cluster name is required");
	path = cluster_path(name);
	if (irsa_aws_json(aws, "eks", "GET", path, NULL, &root, err) < 0)
		return describe_failed(aws, name, err);
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
		paths[i] = cluster_path(names[i]);
		calls[i] = (struct irsa_aws_json_call){ "eks", "GET", paths[i], NULL };
	}
	irsa_aws_json_many(aws, calls, n, NULL);
	for (size_t i = 0; i < n; i++) {
		if (irsa_str_empty(names[i]))
			irsa_error_set(&errs[i], IRSA_ERR_USAGE, "an EKS cluster name is required");
		else if (calls[i].rc < 0) {
			errs[i] = calls[i].err;
			describe_failed(aws, names[i], &errs[i]);
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
