/* Test driver for the parallel AWS reads, used by test_aws_batch.py:
 * irsa_iam_read_roles() and irsa_eks_describe_clusters() against the AWS
 * emulator through libcurl's multi interface. Not installed.
 *
 *   aws-batch-driver [--concurrency N] roles NAME... | clusters NAME...
 *
 * stdout: a JSON result; exit status 1 on a usage or session failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "irsa/aws.h"
#include "irsa/eks.h"
#include "irsa/iam.h"

static json_t *tags_json(const struct irsa_tags *t)
{
	json_t *o = json_object();

	for (size_t i = 0; i < t->n; i++)
		json_object_set_new(o, t->items[i].key, json_string(t->items[i].value));
	return o;
}

static json_t *role_json(const char *name, const struct irsa_role_details *d)
{
	json_t *o = json_object(), *attached, *inl;

	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "found", json_boolean(d->found));
	if (d->err.kind)
		json_object_set_new(o, "error", json_string(d->err.message));
	if (!d->found)
		return o;
	attached = json_array();
	inl = json_object();
	json_object_set_new(o, "trust", json_string(d->role.trust_policy));
	json_object_set_new(o, "boundary", d->role.permissions_boundary ?
				   json_string(d->role.permissions_boundary) : json_null());
	json_object_set_new(o, "tags", tags_json(&d->role.tags));
	for (size_t i = 0; i < d->n_attached; i++)
		json_array_append_new(attached, json_string(d->attached[i].arn));
	for (size_t i = 0; i < d->n_inline; i++)
		json_object_set_new(inl, d->inline_policies[i].name,
				    json_string(d->inline_policies[i].document));
	json_object_set_new(o, "attached", attached);
	json_object_set_new(o, "inline", inl);
	return o;
}

static json_t *read_roles(struct irsa_aws *aws, char **names, size_t n)
{
	struct irsa_role_details *d = calloc(n ? n : 1, sizeof(*d));
	struct irsa_error err = { 0 };
	json_t *out = json_object(), *roles = json_array();
	bool bulk = false;

	if (irsa_iam_read_roles(aws, (const char *const *)names, n, d, &bulk, &err) < 0)
		json_object_set_new(out, "error", json_string(err.message));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(roles, role_json(names[i], &d[i]));
	irsa_role_details_free(d, n);
	json_object_set_new(out, "bulk", json_boolean(bulk));
	json_object_set_new(out, "roles", roles);
	return out;
}

static json_t *describe(struct irsa_aws *aws, char **names, size_t n)
{
	struct irsa_eks_cluster *c = calloc(n ? n : 1, sizeof(*c));
	struct irsa_error *errs = calloc(n ? n : 1, sizeof(*errs));
	json_t *out = json_object(), *list = json_array();

	irsa_eks_describe_clusters(aws, (const char *const *)names, n, c, errs);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(names[i]));
		if (errs[i].kind)
			json_object_set_new(o, "error", json_string(errs[i].message));
		else
			json_object_set_new(o, "issuer", c[i].oidc_issuer ?
					    json_string(c[i].oidc_issuer) : json_null());
		json_array_append_new(list, o);
		irsa_eks_cluster_release(&c[i]);
	}
	free(c);
	free(errs);
	json_object_set_new(out, "clusters", list);
	return out;
}

int main(int argc, char **argv)
{
	struct irsa_aws_options opts = { 0 };
	struct irsa_error err = { 0 };
	struct irsa_aws *aws = NULL;
	json_t *out;
	int i = 1;
	long concurrency = 0;

	if (argc > 2 && strcmp(argv[1], "--concurrency") == 0) {
		concurrency = atol(argv[2]);
		i = 3;
	}
	if (i >= argc || (strcmp(argv[i], "roles") && strcmp(argv[i], "clusters"))) {
		fprintf(stderr, "usage: aws-batch-driver [--concurrency N] roles|clusters NAME...\n");
		return 1;
	}
	if (irsa_aws_new(&opts, &aws, &err) < 0) {
		fprintf(stderr, "irsactl: error: %s\n", err.message);
		return 1;
	}
	if (concurrency > 0)
		irsa_aws_set_concurrency(aws, (size_t)concurrency);
	if (strcmp(argv[i], "roles") == 0)
		out = read_roles(aws, argv + i + 1, (size_t)(argc - i - 1));
	else
		out = describe(aws, argv + i + 1, (size_t)(argc - i - 1));
	json_object_set_new(out, "attempts", json_integer(irsa_aws_attempts(aws)));
	json_dumpf(out, stdout, JSON_SORT_KEYS);
	putchar('\n');
	json_decref(out);
	irsa_aws_free(aws);
	return 0;
}
