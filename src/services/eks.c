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

int eks_cluster_parse(const json_t *root, const char *name, struct irsa_eks_cluster *ret,
		      struct irsa_error *err)
{
	struct irsa_eks_cluster c = { 0 };
	const json_t *cl = json_object_get(root, "cluster");

	if (!json_is_object(cl))
		return irsa_error_set(err, IRSA_ERR_REMOTE,
				      "eks DescribeCluster: the answer for '%s' has no cluster object",
				      name);
	c.name = dup_json_string(json_object_get(cl, "name"));
	c.arn = dup_json_string(json_object_get(cl, "arn"));
	c.status = dup_json_string(json_object_get(cl, "status"));
	c.endpoint = dup_json_string(json_object_get(cl, "endpoint"));
	c.ca_data = dup_json_string(json_object_get(json_object_get(cl, "certificateAuthority"),
						    "data"));
	c.oidc_issuer = dup_json_string(
		json_object_get(json_object_get(json_object_get(cl, "identity"), "oidc"), "issuer"));
	c.version = dup_json_string(json_object_get(cl, "version"));
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
	struct irsa_buf path = IRSA_BUF_INIT;
	json_t *root = NULL;
	int r;

	if (irsa_str_empty(name))
		return irsa_error_set(err, IRSA_ERR_USAGE, "an EKS cluster name is required");
	irsa_buf_puts(&path, "/clusters/");
	irsa_uri_encode(&path, name, strlen(name), false);
	r = irsa_aws_json(aws, "eks", "GET", irsa_buf_str(&path), NULL, &root, err);
	irsa_buf_release(&path);
	if (r < 0) {
		if (err && err->kind == IRSA_ERR_NOT_FOUND)
			return irsa_error_set(err, IRSA_ERR_NOT_FOUND,
					      "EKS cluster '%s' not found in region '%s'; check the "
					      "name and --region (aws eks list-clusters)",
					      name, irsa_aws_region(aws));
		return -1;
	}
	r = eks_cluster_parse(root, name, ret, err);
	json_decref(root);
	return r;
}
