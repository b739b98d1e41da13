/* A round of reads (irsa/round.h): typed IAM, STS and EKS reads sent in
 * one batch of the AWS core, each answer decoded as the one-at-a-time
 * call decodes it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/log.h"
#include "irsa/round.h"
#include "irsa/strutil.h"
#include "eks_internal.h"
#include "iam_internal.h"
#include "sts_internal.h"

enum read_kind {
	READ_CLUSTER,
	READ_IDENTITY,
	READ_PROVIDERS,
	READ_PROVIDER,
	READ_ROLE,
	READ_ATTACHED,
	READ_INLINE_NAMES,
	READ_INLINE_DOC,
};

static const struct {
	const char *service, *version, *action;
	const char *list; /* the list element of a paged List read */
} kinds[] = {
	[READ_CLUSTER] = { "eks", NULL, "DescribeCluster", NULL },
	[READ_IDENTITY] = { "sts", STS_VERSION, "GetCallerIdentity", NULL },
	[READ_PROVIDERS] = { "iam", IAM_VERSION, "ListOpenIDConnectProviders",
			     "OpenIDConnectProviderList" },
	[READ_PROVIDER] = { "iam", IAM_VERSION, "GetOpenIDConnectProvider", NULL },
	[READ_ROLE] = { "iam", IAM_VERSION, "GetRole", NULL },
	[READ_ATTACHED] = { "iam", IAM_VERSION, "ListAttachedRolePolicies", "AttachedPolicies" },
	[READ_INLINE_NAMES] = { "iam", IAM_VERSION, "ListRolePolicies", "PolicyNames" },
	[READ_INLINE_DOC] = { "iam", IAM_VERSION, "GetRolePolicy", NULL },
};

struct read {
	enum read_kind kind;
	char *name;    /* the cluster, role or provider ARN */
	char *policy;  /* GetRolePolicy's policy name */
	char *marker;  /* a List read's next page, NULL when it is complete */
	void *out;
	size_t *out_n;
	struct irsa_error *err;
};

struct irsa_round {
	struct irsa_aws *aws;
	struct read *reads;
	size_t n, cap;
	unsigned batches;
};

struct irsa_round *irsa_round_new(struct irsa_aws *aws)
{
	struct irsa_round *r = irsa_malloc0(sizeof(*r));

	r->aws = aws;
	return r;
}

static void read_release(struct read *rd)
{
	free(rd->name);
	free(rd->policy);
	free(rd->marker);
	memset(rd, 0, sizeof(*rd));
}

struct irsa_round *irsa_round_free(struct irsa_round *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n; i++)
		read_release(&r->reads[i]);
	free(r->reads);
	free(r);
	return NULL;
}

static void add(struct irsa_round *r, enum read_kind kind, const char *name, const char *policy,
		void *out, size_t *out_n, struct irsa_error *err)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->reads = irsa_realloc(r->reads, r->cap * sizeof(*r->reads));
	}
	r->reads[r->n++] = (struct read){
		.kind = kind,
		.name = name ? irsa_strdup(name) : NULL,
		.policy = policy ? irsa_strdup(policy) : NULL,
		.out = out,
		.out_n = out_n,
		.err = err,
	};
	*err = (struct irsa_error){ 0 };
}

void irsa_round_describe_cluster(struct irsa_round *r, const char *name,
				 struct irsa_eks_cluster *ret, struct irsa_error *err)
{
	memset(ret, 0, sizeof(*ret));
	add(r, READ_CLUSTER, name, NULL, ret, NULL, err);
}

void irsa_round_get_caller_identity(struct irsa_round *r, struct irsa_caller_identity *ret,
				    struct irsa_error *err)
{
	memset(ret, 0, sizeof(*ret));
	add(r, READ_IDENTITY, NULL, NULL, ret, NULL, err);
}

void irsa_round_list_oidc_providers(struct irsa_round *r, struct irsa_strlist *ret_arns,
				    struct irsa_error *err)
{
	memset(ret_arns, 0, sizeof(*ret_arns));
	add(r, READ_PROVIDERS, NULL, NULL, ret_arns, NULL, err);
}

void irsa_round_get_oidc_provider(struct irsa_round *r, const char *arn,
				  struct irsa_oidc_provider *ret, struct irsa_error *err)
{
	memset(ret, 0, sizeof(*ret));
	add(r, READ_PROVIDER, arn, NULL, ret, NULL, err);
}

void irsa_round_get_role(struct irsa_round *r, const char *name, struct irsa_role *ret,
			 struct irsa_error *err)
{
	memset(ret, 0, sizeof(*ret));
	add(r, READ_ROLE, name, NULL, ret, NULL, err);
}

void irsa_round_list_attached_role_policies(struct irsa_round *r, const char *role_name,
					    struct irsa_attached_policy **ret, size_t *ret_n,
					    struct irsa_error *err)
{
	*ret = NULL;
	*ret_n = 0;
	add(r, READ_ATTACHED, role_name, NULL, ret, ret_n, err);
}

void irsa_round_list_role_policies(struct irsa_round *r, const char *role_name,
				   struct irsa_strlist *ret_names, struct irsa_error *err)
{
	memset(ret_names, 0, sizeof(*ret_names));
	add(r, READ_INLINE_NAMES, role_name, NULL, ret_names, NULL, err);
}

void irsa_round_get_role_policy(struct irsa_round *r, const char *role_name, const char *name,
				char **ret_document, struct irsa_error *err)
{
	*ret_document = NULL;
	add(r, READ_INLINE_DOC, role_name, name, ret_document, NULL, err);
}

size_t irsa_round_pending(const struct irsa_round *r)
{
	return r->n;
}

unsigned irsa_round_batches(const struct irsa_round *r)
{
	return r->batches;
}

/* ---- requests ---- */

static void query_params(const struct read *rd, struct irsa_params *p)
{
	switch (rd->kind) {
	case READ_PROVIDER:
		irsa_params_add(p, "OpenIDConnectProviderArn", rd->name);
		break;
	case READ_ROLE:
	case READ_ATTACHED:
	case READ_INLINE_NAMES:
		irsa_params_add(p, "RoleName", rd->name);
		break;
	case READ_INLINE_DOC:
		irsa_params_add(p, "RoleName", rd->name);
		irsa_params_add(p, "PolicyName", rd->policy);
		break;
	default:
		break;
	}
	if (rd->marker)
		irsa_params_add(p, "Marker", rd->marker);
}

/* ---- answers ---- */

/* What a List read failing leaves: nothing (as the one-at-a-time call). */
static void discard_list(struct read *rd)
{
	switch (rd->kind) {
	case READ_PROVIDERS:
	case READ_INLINE_NAMES:
		irsa_strlist_release(rd->out);
		break;
	case READ_ATTACHED:
		irsa_attached_policies_free(*(struct irsa_attached_policy **)rd->out, *rd->out_n);
		*(struct irsa_attached_policy **)rd->out = NULL;
		*rd->out_n = 0;
		break;
	default:
		break;
	}
	free(rd->marker);
	rd->marker = NULL;
}

static void add_attached(struct read *rd, xmlNode *member)
{
	struct irsa_attached_policy **items = rd->out;
	char *arn = iam_child_text(member, "PolicyArn");
	char *name = iam_child_text(member, "PolicyName");

	if (!arn) {
		free(name);
		return;
	}
	*items = irsa_realloc(*items, (*rd->out_n + 1) * sizeof(**items));
	(*items)[*rd->out_n] = (struct irsa_attached_policy){ name ? name : irsa_strdup(""), arn };
	(*rd->out_n)++;
}

static void list_member(struct read *rd, xmlNode *m)
{
	_cleanup_free_ char *text = NULL;

	switch (rd->kind) {
	case READ_PROVIDERS:
		text = iam_child_text(m, "Arn");
		break;
	case READ_INLINE_NAMES:
		text = irsa_xml_text(m);
		break;
	case READ_ATTACHED:
		add_attached(rd, m);
		return;
	default:
		return;
	}
	if (text)
		irsa_strlist_add(rd->out, text);
}

/* One page of a List read; its Marker kept when there are more. */
static void take_page(struct read *rd, xmlNode *result)
{
	const char *action = kinds[rd->kind].action;
	xmlNode *l = iam_child(result, kinds[rd->kind].list);

	free(rd->marker);
	rd->marker = NULL;
	if (!result) {
		irsa_error_set(rd->err, IRSA_ERR_REMOTE, "iam %s: the answer has no %sResult element",
			       action, action);
		discard_list(rd);
		return;
	}
	for (xmlNode *m = l ? l->children : NULL; m; m = m->next)
		if (m->type == XML_ELEMENT_NODE && strcmp((const char *)m->name, "member") == 0)
			list_member(rd, m);
	if (iam_child_bool(result, "IsTruncated"))
		rd->marker = iam_child_text(result, "Marker");
	if (irsa_str_empty(rd->marker)) {
		free(rd->marker);
		rd->marker = NULL;
	}
}

static void take_document(struct read *rd, xmlNode *result)
{
	char *document = iam_child_document(result, "PolicyDocument");

	if (!document) {
		irsa_error_set(rd->err, IRSA_ERR_REMOTE,
			       "iam GetRolePolicy: the answer for '%s' of role '%s' has no "
			       "PolicyDocument", rd->policy, rd->name);
		return;
	}
	*(char **)rd->out = document;
}

/* A Query answer (doc taken). */
static void take_query(struct read *rd, xmlDoc *doc)
{
	char name[128];
	xmlNode *result;

	snprintf(name, sizeof(name), "%sResult", kinds[rd->kind].action);
	result = iam_child(xmlDocGetRootElement(doc), name);
	switch (rd->kind) {
	case READ_IDENTITY:
		sts_caller_identity_result(doc, rd->out, rd->err);
		return;
	case READ_PROVIDER:
		iam_oidc_provider_result(doc, result, rd->name, rd->out, rd->err);
		return;
	case READ_ROLE:
		iam_role_result(doc, result, "GetRole", rd->name, rd->out, rd->err);
		return;
	case READ_INLINE_DOC:
		take_document(rd, result);
		break;
	default:
		take_page(rd, result);
		break;
	}
	xmlFreeDoc(doc);
}

static void query_failed(struct read *rd, const struct irsa_error *e)
{
	*rd->err = *e;
	discard_list(rd);
}

static void take_cluster(struct irsa_round *r, struct read *rd, struct irsa_aws_json_call *c)
{
	if (c->rc < 0) {
		*rd->err = c->err;
		eks_describe_failed(r->aws, rd->name, rd->err);
		return;
	}
	eks_cluster_parse(c->ret, rd->name, rd->out, rd->err);
	json_decref(c->ret);
}

/* Send every pending read (or page) in one batch and take the answers. */
static void send_batch(struct irsa_round *r)
{
	struct irsa_aws_query_call *queries = irsa_malloc0((r->n + 1) * sizeof(*queries));
	struct irsa_aws_json_call *jsons = irsa_malloc0((r->n + 1) * sizeof(*jsons));
	struct irsa_params *params = irsa_malloc0((r->n + 1) * sizeof(*params));
	char **paths = irsa_malloc0((r->n + 1) * sizeof(*paths));
	struct irsa_error e = { 0 };
	size_t nq = 0, nj = 0;

	for (size_t i = 0; i < r->n; i++) {
		struct read *rd = &r->reads[i];

		if (rd->kind == READ_CLUSTER) {
			paths[nj] = eks_cluster_path(rd->name);
			jsons[nj] = (struct irsa_aws_json_call){ "eks", "GET", paths[nj], NULL, rd };
			nj++;
			continue;
		}
		params[nq] = (struct irsa_params)IRSA_PARAMS_INIT;
		query_params(rd, &params[nq]);
		queries[nq] = (struct irsa_aws_query_call){ kinds[rd->kind].service,
							    kinds[rd->kind].version,
							    kinds[rd->kind].action, &params[nq], rd };
		nq++;
	}
	irsa_log_debug("sending %zu reads at once", nq + nj);
	irsa_aws_call_many(r->aws, queries, nq, jsons, nj, &e);
	for (size_t i = 0; i < nq; i++) {
		struct read *rd = queries[i].userdata;

		if (queries[i].rc < 0)
			query_failed(rd, &queries[i].err);
		else
			take_query(rd, queries[i].doc);
		irsa_params_release(&params[i]);
	}
	for (size_t i = 0; i < nj; i++) {
		take_cluster(r, jsons[i].userdata, &jsons[i]);
		free(paths[i]);
	}
	free(queries);
	free(jsons);
	free(params);
	free(paths);
}

/* Keep only the List reads with another page to read. */
static void keep_unfinished(struct irsa_round *r)
{
	size_t kept = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (r->reads[i].marker)
			r->reads[kept++] = r->reads[i];
		else
			read_release(&r->reads[i]);
	}
	r->n = kept;
}

unsigned irsa_round_run(struct irsa_round *r)
{
	unsigned sent = 0;

	while (r->n > 0) {
		send_batch(r);
		keep_unfinished(r);
		sent++;
	}
	r->batches += sent;
	return sent;
}
