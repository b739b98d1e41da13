/* Requests resolved by the engine (request.h): the trust flags, and create-role's values, templates and policy files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>

#include "irsa/fileutil.h"
#include "irsa/iam.h"
#include "irsa/iam_rules.h"
#include "irsa/managed_policy.h"
#include "irsa/oidc.h"
#include "irsa/request.h"
#include "irsa/role_read.h"
#include "irsa/round.h"
#include "irsa/strutil.h"
#include "irsa/sts.h"
#include "irsa/templates.h"
#include "irsa/trust.h"

#define POLICY_FILE_MAX (128u * 1024u)
#define AUDIENCE_MAX 255

/* ---- trust ---- */

void irsa_trust_input_release(struct irsa_trust_input *in)
{
	for (size_t i = 0; i < in->n_subjects; i++)
		irsa_subject_release(&in->subjects[i]);
	free(in->subjects);
	for (size_t i = 0; i < in->n_issuers; i++) {
		free(in->issuers[i]);
		free(in->cluster_of[i]);
		if (in->provider_arns)
			free(in->provider_arns[i]);
	}
	free(in->issuers);
	free(in->cluster_of);
	free(in->provider_arns);
	irsa_strlist_release(&in->warnings);
	memset(in, 0, sizeof(*in));
}

static void add_issuer(struct irsa_trust_input *in, char *issuer, const char *cluster)
{
	for (size_t i = 0; i < in->n_issuers; i++)
		if (strcmp(in->issuers[i], issuer) == 0) {
			free(issuer);
			return;
		}
	in->issuers = irsa_realloc(in->issuers, (in->n_issuers + 1) * sizeof(char *));
	in->cluster_of = irsa_realloc(in->cluster_of, (in->n_issuers + 1) * sizeof(char *));
	in->issuers[in->n_issuers] = issuer;
	in->cluster_of[in->n_issuers] = cluster ? irsa_strdup(cluster) : NULL;
	in->n_issuers++;
}

static int add_subject(struct irsa_trust_input *in, const char *ns, const char *sa,
		       const char *pair, struct irsa_error *err)
{
	struct irsa_subject s = { 0 };

	if (pair ? irsa_subject_parse(pair, IRSA_NAME_WILDCARD, &s, err) < 0
		 : irsa_subject_make(ns, sa, IRSA_NAME_WILDCARD, &s, err) < 0)
		return -1;
	for (size_t i = 0; i < in->n_subjects; i++)
		if (strcmp(in->subjects[i].ns, s.ns) == 0 && strcmp(in->subjects[i].sa, s.sa) == 0) {
			irsa_subject_release(&s);
			return 0;
		}
	in->subjects = irsa_realloc(in->subjects, (in->n_subjects + 1) * sizeof(s));
	in->subjects[in->n_subjects++] = s;
	return 0;
}

/* --namespace NS --service-account SA: one namespace for every account,
 * or as many namespaces as accounts (paired in order). */
static int parse_subjects(const struct irsa_trust_request *req, struct irsa_trust_input *in,
			  struct irsa_error *err)
{
	size_t n_ns = req->n_namespaces, n_sa = req->n_service_accounts;

	if (n_sa && !n_ns)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--service-account needs --namespace (or use --subject NS:SA)");
	if (n_ns && !n_sa)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--namespace needs --service-account (or use --subject NS:SA)");
	if (n_ns > 1 && n_ns != n_sa)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%zu --namespace and %zu --service-account given; give one "
				      "namespace for all, or one per service account, or use "
				      "--subject NS:SA", n_ns, n_sa);
	for (size_t i = 0; i < n_sa; i++)
		if (add_subject(in, req->namespaces[n_ns == 1 ? 0 : i], req->service_accounts[i],
				NULL, err) < 0)
			return -1;
	for (size_t i = 0; i < req->n_subjects; i++)
		if (add_subject(in, NULL, NULL, req->subjects[i], err) < 0)
			return -1;
	return 0;
}

int irsa_validate_audience(const char *audience, struct irsa_error *err)
{
	if (!*audience || strpbrk(audience, "\"\\ ") || strlen(audience) > AUDIENCE_MAX)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "audience '%s' is not valid: 1 to %d characters without spaces "
				      "or quotes", audience, AUDIENCE_MAX);
	return 0;
}

/* Everything `need` asks for and the request lacks, in one message. */
static int check_needs(const struct irsa_trust_input *in, unsigned need, struct irsa_error *err)
{
	bool role_alone = (need & IRSA_NEED_OR_ROLE) && in->n_trust_role_arns > 0 &&
			  in->n_subjects == 0 && !in->n_clusters && !in->n_issuers;

	/* the Pod Identity statement names no service account or issuer */
	if (role_alone || in->pod_identity)
		return 0;
	bool no_subjects = (need & IRSA_NEED_SUBJECTS) && in->n_subjects == 0;
	bool no_target = (need & IRSA_NEED_TARGET) && !in->n_clusters && !in->n_issuers;

	if (no_subjects && no_target && (need & IRSA_NEED_OR_ROLE))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "which service account and which cluster? give --namespace NS "
				      "--service-account SA (or --subject NS:SA), and --cluster NAME "
				      "(or --issuer-url URL); or, for a role assumed from another "
				      "account, --trust-role-arn ARN");
	if (no_subjects && no_target)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "which service account and which cluster? give --namespace NS "
				      "--service-account SA (or --subject NS:SA), and --cluster NAME "
				      "(or --issuer-url URL)");
	if (no_subjects)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "which service account? give --namespace NS --service-account "
				      "SA, or --subject NS:SA");
	if (no_target)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "which cluster? give --cluster NAME or --issuer-url URL");
	return 0;
}

int irsa_trust_input_parse(const struct irsa_trust_request *req, unsigned need,
			   struct irsa_trust_input *in, struct irsa_error *err)
{
	memset(in, 0, sizeof(*in));
	if (parse_subjects(req, in, err) < 0)
		return -1;
	in->clusters = req->clusters;
	in->n_clusters = req->n_clusters;
	for (size_t i = 0; i < in->n_clusters; i++)
		if (irsa_validate_cluster_name(in->clusters[i], err) < 0)
			return -1;
	for (size_t i = 0; i < req->n_issuer_urls; i++) {
		char *issuer = NULL;

		if (irsa_oidc_issuer_normalize(req->issuer_urls[i], &issuer, err) < 0)
			return -1;
		add_issuer(in, issuer, NULL);
	}
	in->n_issuer_args = in->n_issuers;
	in->pod_identity = req->pod_identity;
	in->trust_role_arns = req->trust_role_arns;
	in->n_trust_role_arns = req->n_trust_role_arns;
	if (check_needs(in, need, err) < 0)
		return -1;
	in->audience = req->audience;
	if (in->audience && irsa_validate_audience(in->audience, err) < 0)
		return -1;
	for (size_t i = 0; i < in->n_trust_role_arns; i++)
		if (irsa_validate_principal_arn(in->trust_role_arns[i], "--trust-role-arn", err) < 0)
			return -1;
	in->external_id = req->external_id;
	if (in->external_id && !in->n_trust_role_arns)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--external-id is checked when a role of another account "
				      "assumes this one; give the role with --trust-role-arn ARN");
	if (in->external_id && irsa_trust_check_external_id(in->external_id, err) < 0)
		return irsa_error_prefix(err, "--external-id");
	in->account_id = req->account_id;
	if (in->account_id && irsa_validate_account_id(in->account_id, err) < 0)
		return irsa_error_prefix(err, "--account-id");
	return 0;
}

int irsa_trust_input_resolve(struct irsa_account *acct, struct irsa_trust_input *in,
			     bool need_account, struct irsa_error *err)
{
	return irsa_trust_input_resolve_read(acct, in, need_account, false, NULL, err);
}

static char *associate_command(const struct irsa_trust_input *in, size_t i)
{
	if (in->cluster_of[i])
		return irsa_asprintf("irsactl associate-oidc --cluster %s", in->cluster_of[i]);
	return irsa_asprintf("irsactl associate-oidc --issuer-url %s", in->issuers[i]);
}

/* A custom audience the provider does not list as a client id: tokens for
 * it are refused by STS. */
static void audience_warning(struct irsa_trust_input *in, size_t i,
			     const struct irsa_oidc_provider *p)
{
	_cleanup_free_ char *cmd = NULL;
	char *w;

	if (irsa_strlist_contains(&p->client_ids, in->audience))
		return;
	cmd = associate_command(in, i);
	w = irsa_asprintf("the OIDC provider '%s' does not list the audience '%s' as a "
			  "client id, so STS refuses its tokens; add it with '%s "
			  "--audience %s'", in->provider_arns[i], in->audience, cmd,
			  in->audience);
	irsa_strlist_add(&in->warnings, w);
	free(w);
}

static int check_audience_listed(struct irsa_account *acct, struct irsa_trust_input *in, size_t i,
				 struct irsa_error *err)
{
	struct irsa_oidc_provider p = { 0 };

	if (!in->audience)
		return 0;
	if (irsa_iam_get_oidc_provider(acct->aws, in->provider_arns[i], &p, err) < 0)
		return -1;
	audience_warning(in, i, &p);
	irsa_oidc_provider_release(&p);
	return 0;
}

/* Each issuer's provider among the account's (arns), or
 * IRSA_ERR_NOT_FOUND naming the command that creates it. */
static int match_providers(struct irsa_account *acct, struct irsa_trust_input *in,
			   const struct irsa_strlist *arns, struct irsa_error *err)
{
	in->provider_arns = irsa_malloc0((in->n_issuers + 1) * sizeof(char *));
	for (size_t i = 0; i < in->n_issuers; i++) {
		for (size_t j = 0; j < arns->n && !in->provider_arns[i]; j++)
			if (irsa_oidc_arn_is_for(arns->items[j], in->issuers[i]))
				in->provider_arns[i] = irsa_strdup(arns->items[j]);
		if (!in->provider_arns[i]) {
			_cleanup_free_ char *cmd = associate_command(in, i);

			return irsa_error_set(err, IRSA_ERR_NOT_FOUND,
					      "IAM has no OIDC provider for the issuer '%s', so no "
					      "role can trust it; create the provider first: %s",
					      in->issuers[i], cmd);
		}
		irsa_account_learn(acct, in->provider_arns[i]);
	}
	return 0;
}

int irsa_trust_check_providers(struct irsa_account *acct, struct irsa_trust_input *in,
			       struct irsa_error *err)
{
	const struct irsa_strlist *arns;

	if (in->n_issuers == 0)
		return 0; /* trusted only by other roles or EKS Pod Identity: no provider */
	if (irsa_account_provider_arns(acct, &arns, err) < 0 ||
	    match_providers(acct, in, arns, err) < 0)
		return -1;
	for (size_t i = 0; i < in->n_issuers; i++)
		if (check_audience_listed(acct, in, i, err) < 0)
			return -1;
	return 0;
}

bool irsa_trust_input_names_account(const struct irsa_trust_input *in)
{
	return in->n_clusters > 0 || in->n_issuers > 0;
}

int irsa_trust_input_render(const struct irsa_trust_input *in, json_t **ret_doc,
			    struct irsa_error *err)
{
	struct irsa_trust_provider *p = irsa_malloc0((in->n_issuers + 1) * sizeof(*p));
	struct irsa_trust_spec spec = {
		.partition = in->partition,
		.account = in->account_id,
		.audience = in->audience,
		.providers = p,
		.n_providers = in->n_issuers,
		.trust_role_arns = in->trust_role_arns,
		.n_trust_role_arns = in->n_trust_role_arns,
		.external_id = in->external_id,
		.pod_identity = in->pod_identity,
	};
	int r;

	for (size_t i = 0; i < in->n_issuers; i++)
		p[i] = (struct irsa_trust_provider){ irsa_oidc_issuer_key(in->issuers[i]),
						     in->subjects, in->n_subjects };
	r = irsa_trust_render(&spec, ret_doc, err);
	free(p);
	return r;
}

/* ---- create-role ---- */

void irsa_create_role_input_release(struct irsa_create_role_input *in)
{
	irsa_trust_input_release(&in->trust);
	free(in->role_name);
	irsa_tags_release(&in->tags);
	for (size_t i = 0; i < in->n_refs; i++)
		irsa_policy_ref_release(&in->refs[i]);
	free(in->refs);
	for (size_t i = 0; i < in->n_policies; i++) {
		free(in->policy_names[i]);
		json_decref(in->policy_docs[i]);
	}
	free(in->policy_names);
	free(in->policy_docs);
	free(in->inline_policies);
	for (size_t i = 0; i < in->n_managed_refs; i++)
		irsa_policy_ref_release(&in->managed_refs[i]);
	free(in->managed_refs);
	for (size_t i = 0; i < in->n_managed; i++) {
		free(in->managed_names[i]);
		free(in->managed_descriptions[i]);
		free(in->managed_arns[i]);
		json_decref(in->managed_docs[i]);
	}
	free(in->managed_names);
	free(in->managed_descriptions);
	free(in->managed_arns);
	free(in->managed_docs);
	free(in->managed_policies);
	json_decref(in->trust_doc);
	memset(in, 0, sizeof(*in));
}

static int parse_number(const char *flag, const char *s, long min, long max, long *ret,
			struct irsa_error *err)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < min || v > max)
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s '%s' is not a number from %ld to %ld",
				      flag, s, min, max);
	*ret = v;
	return 0;
}

int irsa_trust_limit_parse(const char *text, size_t *ret, struct irsa_error *err)
{
	long num = 0;

	*ret = 0;
	if (!text)
		return 0;
	if (parse_number("--trust-policy-limit", text, 1, LONG_MAX, &num, err) < 0 ||
	    irsa_iam_check_trust_limit((size_t)num, err) < 0)
		return -1;
	*ret = (size_t)num;
	return 0;
}

/* "irsa-CLUSTER-NS-SA" when there is one service account without a
 * wildcard and one cluster or issuer. */
static int default_role_name(struct irsa_create_role_input *in, struct irsa_error *err)
{
	const struct irsa_trust_input *t = &in->trust;
	_cleanup_free_ char *label = NULL;

	if (t->n_subjects == 0 && t->n_trust_role_arns > 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give --role-name: a role trusted only by --trust-role-arn "
				      "has no default name");
	if (t->n_subjects != 1 || irsa_name_has_wildcard(t->subjects[0].ns) ||
	    irsa_name_has_wildcard(t->subjects[0].sa) || t->n_clusters + t->n_issuers != 1)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "give --role-name: a default name needs exactly one cluster and "
				      "one service account without wildcards");
	label = t->n_clusters ? irsa_strdup(t->clusters[0]) : irsa_oidc_issuer_label(t->issuers[0]);
	in->role_name = irsa_default_role_name(label, t->subjects[0].ns, t->subjects[0].sa);
	return 0;
}

static const char *one_cluster(const struct irsa_create_role_input *in)
{
	return in->trust.n_clusters == 1 ? in->trust.clusters[0] : in->template_cluster;
}

static int parse_templates(const struct irsa_create_role_request *req,
			   struct irsa_create_role_input *in, struct irsa_error *err)
{
	struct irsa_template_ctx tctx = { .cluster = one_cluster(in) };

	in->refs = irsa_malloc0((req->n_policies + 1) * sizeof(*in->refs));
	for (size_t i = 0; i < req->n_policies; i++) {
		if (irsa_policy_ref_parse(req->policies[i], &tctx, &in->refs[i], err) < 0)
			return -1;
		in->n_refs = i + 1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(in->refs[j].name, in->refs[i].name) == 0)
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "template '%s' is given twice; give it once "
						      "(list parameters take several values "
						      "separated by ';')", in->refs[i].name);
	}
	return 0;
}

/* The policy document in the file at path (a usage error whatever goes
 * wrong: the user named the file). */
static int read_policy_file(const char *path, const char *what, json_t **ret,
			    struct irsa_error *err)
{
	struct irsa_buf text = IRSA_BUF_INIT;
	int r;

	if (irsa_file_read(path, POLICY_FILE_MAX, "policy file", &text, err) < 0) {
		err->kind = IRSA_ERR_USAGE;
		irsa_buf_release(&text);
		return -1;
	}
	r = irsa_policy_parse(irsa_buf_str(&text), what, ret, err);
	irsa_buf_release(&text);
	return r;
}

/* Policy files are read and checked before any request; their inline
 * policies follow the templates' (slots n_refs..). */
static int parse_policy_files(const struct irsa_create_role_request *req,
			      struct irsa_create_role_input *in, struct irsa_error *err)
{
	size_t total = in->n_refs + req->n_policy_files;

	in->policy_names = irsa_malloc0((total + 1) * sizeof(char *));
	in->policy_docs = irsa_malloc0((total + 1) * sizeof(json_t *));
	in->n_policies = in->n_refs;
	for (size_t i = 0; i < req->n_policy_files; i++) {
		const char *path = req->policy_files[i];
		size_t slot = in->n_refs + i;
		_cleanup_free_ char *what = irsa_asprintf("policy file '%s'", path);

		if (read_policy_file(path, what, &in->policy_docs[slot], err) < 0)
			return -1;
		in->policy_names[slot] = irsa_policy_file_policy_name(path);
		in->n_policies = slot + 1;
		if (irsa_iam_check_policy(in->policy_docs[slot], IRSA_POLICY_PERMISSIONS, what,
					  err) < 0)
			return -1;
		if (irsa_validate_policy_name(in->policy_names[slot], err) < 0)
			return irsa_error_prefix(err, "policy file '%s'", path);
	}
	return 0;
}

static int parse_settings(const struct irsa_create_role_request *req,
			  struct irsa_create_role_input *in, struct irsa_error *err)
{
	struct irsa_role_request *role = &in->role;
	long num = 0; /* set by parse_number(); gcc -O3 cannot see its error path returns -1 */

	role->path = req->path;
	if (role->path && irsa_validate_iam_path(role->path, err) < 0)
		return -1;
	role->description = req->description;
	if (role->description && irsa_validate_role_description(role->description, err) < 0)
		return -1;
	role->permissions_boundary = req->permissions_boundary;
	if (role->permissions_boundary &&
	    irsa_validate_policy_arn(role->permissions_boundary, "--permissions-boundary", err) < 0)
		return -1;
	if (req->max_session_duration) {
		if (parse_number("--max-session-duration", req->max_session_duration, 3600, 43200,
				 &num, err) < 0)
			return -1;
		role->max_session_duration = (int)num;
	}
	if (irsa_trust_limit_parse(req->trust_policy_limit, &role->trust_limit, err) < 0)
		return -1;
	for (size_t i = 0; i < req->n_tags; i++)
		if (irsa_tag_arg_parse(req->tags[i], &in->tags, err) < 0)
			return -1;
	role->managed_arns = req->managed_arns;
	role->n_managed_arns = req->n_managed_arns;
	for (size_t i = 0; i < req->n_managed_arns; i++)
		if (irsa_validate_policy_arn(req->managed_arns[i], "--attach-policy-arn", err) < 0)
			return -1;
	role->prune = req->prune;
	return 0;
}

/* ---- customer-managed policies ---- */

/* A stand-in context: templates are rendered at parse to check their size
 * before any request, and again for the real account at resolve. */
#define STAND_IN_ACCOUNT "123456789012"
#define STAND_IN_REGION "us-east-1"

/* The managed policy slot i gets name, after checking it is unique. */
static int set_managed_name(struct irsa_create_role_input *in, size_t i, char *name,
			    const char *what, struct irsa_error *err)
{
	in->managed_names[i] = name;
	if (irsa_validate_policy_name(name, err) < 0)
		return irsa_error_prefix(err, "%s", what);
	for (size_t j = 0; j < i; j++)
		if (strcmp(in->managed_names[j], name) == 0)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "two managed policies would be named '%s' (%s and an "
					      "earlier one); give each template and parameters, or "
					      "each file name, once", name, what);
	return 0;
}

/* "made by irsactl from the policy template 'NAME:K=V,...'", within
 * IAM's 1000 characters for a policy description. */
static char *template_description(const struct irsa_policy_ref *ref)
{
	struct irsa_buf b = IRSA_BUF_INIT;
	char *s;

	irsa_buf_printf(&b, "made by irsactl from the policy template '%s", ref->name);
	for (size_t i = 0; i < ref->n_params; i++)
		irsa_buf_printf(&b, "%c%s=%s", i ? ',' : ':', ref->params[i].key,
				ref->params[i].value);
	irsa_buf_putc(&b, '\'');
	if (b.len <= 1000)
		return irsa_buf_detach(&b);
	irsa_buf_release(&b);
	s = irsa_asprintf("made by irsactl from the policy template '%s' (its parameters are too "
			  "long to list)", ref->name);
	return s;
}

static int parse_managed_templates(const struct irsa_create_role_request *req,
				   struct irsa_create_role_input *in, struct irsa_error *err)
{
	struct irsa_template_ctx stand_in = { .partition = "aws", .region = STAND_IN_REGION,
					      .account = STAND_IN_ACCOUNT,
					      .cluster = one_cluster(in) };

	for (size_t i = 0; i < req->n_managed_policies; i++) {
		struct irsa_policy_ref *ref = &in->managed_refs[i];
		_cleanup_free_ char *what = NULL;
		json_t *doc = NULL;
		int r;

		if (irsa_policy_ref_parse(req->managed_policies[i], &stand_in, ref, err) < 0)
			return -1;
		in->n_managed_refs = in->n_managed = i + 1;
		in->managed_descriptions[i] = template_description(ref);
		what = irsa_asprintf("--managed-policy '%s%s'", ref->name, ref->n_params ? ":..." : "");
		if (set_managed_name(in, i, irsa_managed_policy_name(ref), what, err) < 0 ||
		    irsa_template_render(ref, &stand_in, &doc, err) < 0)
			return -1;
		r = irsa_iam_check_managed_policy(doc, what, err);
		json_decref(doc);
		if (r < 0)
			return -1;
	}
	return 0;
}

static int parse_managed_files(const struct irsa_create_role_request *req,
			       struct irsa_create_role_input *in, struct irsa_error *err)
{
	for (size_t i = 0; i < req->n_managed_policy_files; i++) {
		const char *path = req->managed_policy_files[i];
		size_t slot = in->n_managed_refs + i;
		_cleanup_free_ char *what = irsa_asprintf("managed policy file '%s'", path);
		char *name = irsa_policy_file_policy_name(path);

		in->n_managed = slot + 1;
		in->managed_descriptions[slot] =
			irsa_asprintf("made by irsactl from the policy file of %s", name);
		if (set_managed_name(in, slot, name, what, err) < 0 ||
		    read_policy_file(path, what, &in->managed_docs[slot], err) < 0 ||
		    irsa_iam_check_managed_policy(in->managed_docs[slot], what, err) < 0)
			return -1;
	}
	return 0;
}

/* Every managed policy asked for counts towards IAM's quota per role. */
static int check_managed_count(const struct irsa_create_role_request *req,
			       const struct irsa_create_role_input *in, struct irsa_error *err)
{
	size_t n = in->n_managed;

	for (size_t i = 0; i < req->n_managed_arns; i++) {
		bool dup = false;

		for (size_t j = 0; j < i && !dup; j++)
			dup = strcmp(req->managed_arns[i], req->managed_arns[j]) == 0;
		n += !dup;
	}
	if (n > IRSA_IAM_MANAGED_PER_ROLE)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%zu managed policies asked for (--attach-policy-arn, "
				      "--managed-policy, --managed-policy-file) and IAM attaches at "
				      "most %d to a role; put some permissions in templates "
				      "(--policy, inline) or in fewer policies",
				      n, IRSA_IAM_MANAGED_PER_ROLE);
	return 0;
}

static int parse_managed(const struct irsa_create_role_request *req,
			 struct irsa_create_role_input *in, struct irsa_error *err)
{
	size_t total = req->n_managed_policies + req->n_managed_policy_files;

	in->managed_refs = irsa_malloc0((req->n_managed_policies + 1) * sizeof(*in->managed_refs));
	in->managed_names = irsa_malloc0((total + 1) * sizeof(char *));
	in->managed_descriptions = irsa_malloc0((total + 1) * sizeof(char *));
	in->managed_arns = irsa_malloc0((total + 1) * sizeof(char *));
	in->managed_docs = irsa_malloc0((total + 1) * sizeof(json_t *));
	if (parse_managed_templates(req, in, err) < 0 || parse_managed_files(req, in, err) < 0)
		return -1;
	return check_managed_count(req, in, err);
}

/* The trust needs service accounts and clusters, or --trust-role-arn alone. */
int irsa_create_role_parse(const struct irsa_create_role_request *req,
			   struct irsa_create_role_input *in, struct irsa_error *err)
{
	memset(in, 0, sizeof(*in));
	in->template_cluster = req->template_cluster;
	if (irsa_trust_input_parse(&req->trust, IRSA_NEED_ROLE_TRUST, &in->trust, err) < 0)
		return -1;
	if (req->role_name) {
		if (irsa_validate_role_name(req->role_name, err) < 0)
			return -1;
		in->role_name = irsa_strdup(req->role_name);
	} else if (default_role_name(in, err) < 0) {
		return -1;
	}
	if (parse_settings(req, in, err) < 0 || parse_templates(req, in, err) < 0 ||
	    parse_policy_files(req, in, err) < 0 || parse_managed(req, in, err) < 0)
		return -1;
	return 0;
}

static int render_templates(struct irsa_account *acct, struct irsa_create_role_input *in,
			    struct irsa_error *err)
{
	struct irsa_template_ctx tctx = {
		.partition = in->trust.partition,
		.region = irsa_aws_region(acct->aws),
		.account = in->trust.account_id,
		.cluster = one_cluster(in),
	};

	for (size_t i = 0; i < in->n_refs; i++) {
		if (irsa_template_render(&in->refs[i], &tctx, &in->policy_docs[i], err) < 0)
			return -1;
		in->policy_names[i] = irsa_template_policy_name(&in->refs[i]);
	}
	in->inline_policies = irsa_malloc0((in->n_policies + 1) * sizeof(*in->inline_policies));
	for (size_t i = 0; i < in->n_policies; i++)
		in->inline_policies[i] = (struct irsa_inline_policy){ in->policy_names[i],
								      in->policy_docs[i] };
	for (size_t i = 0; i < in->n_managed_refs; i++)
		if (irsa_template_render(&in->managed_refs[i], &tctx, &in->managed_docs[i], err) < 0)
			return -1;
	in->managed_policies = irsa_malloc0((in->n_managed + 1) * sizeof(*in->managed_policies));
	for (size_t i = 0; i < in->n_managed; i++) {
		in->managed_arns[i] = irsa_managed_policy_arn(tctx.partition, tctx.account, "/",
							      in->managed_names[i]);
		in->managed_policies[i] = (struct irsa_role_managed_policy){
			in->managed_names[i], in->managed_arns[i], in->managed_descriptions[i],
			in->managed_docs[i]
		};
	}
	return 0;
}

/* Policy ARNs of another partition, refused before the first request. */
static int check_partition(const struct irsa_create_role_input *in, const char *partition,
			   struct irsa_error *err)
{
	const struct irsa_role_request *role = &in->role;

	if (role->permissions_boundary &&
	    irsa_validate_policy_arn_in(role->permissions_boundary, "--permissions-boundary",
					partition, err) < 0)
		return -1;
	for (size_t i = 0; i < role->n_managed_arns; i++)
		if (irsa_validate_policy_arn_in(role->managed_arns[i], "--attach-policy-arn",
						partition, err) < 0)
			return -1;
	return 0;
}

int irsa_create_role_resolve(struct irsa_account *acct, struct irsa_create_role_input *in,
			     struct irsa_error *err)
{
	return irsa_create_role_read(acct, in, NULL, err);
}

/* ---- resolution in rounds, sharing them with a role's reads ---- */

struct trust_reads {
	struct irsa_eks_cluster *clusters;   /* per --cluster */
	struct irsa_error *cluster_errs;
	bool check_providers;                /* the trust needs its providers */
	bool list_providers;                 /* not listed yet this run */
	struct irsa_strlist arns;
	struct irsa_error arns_err;
	bool identity;
	struct irsa_caller_identity id;
	struct irsa_error id_err;
	struct irsa_oidc_provider *providers; /* per issuer, for a custom audience */
	struct irsa_error *provider_errs;
};

static void trust_reads_release(struct trust_reads *t, size_t n_clusters, size_t n_issuers)
{
	for (size_t i = 0; t->clusters && i < n_clusters; i++)
		irsa_eks_cluster_release(&t->clusters[i]);
	for (size_t i = 0; t->providers && i < n_issuers; i++)
		irsa_oidc_provider_release(&t->providers[i]);
	free(t->clusters);
	free(t->cluster_errs);
	free(t->providers);
	free(t->provider_errs);
	irsa_strlist_release(&t->arns);
	irsa_caller_identity_release(&t->id);
}

/* Round 1: every cluster, the provider list, and the caller when the
 * account is needed and nothing else will name it. */
static void add_first_reads(struct irsa_account *acct, struct irsa_trust_input *in,
			    bool need_account, bool check_providers, struct trust_reads *t,
			    struct irsa_round *round)
{
	t->clusters = irsa_malloc0((in->n_clusters + 1) * sizeof(*t->clusters));
	t->cluster_errs = irsa_malloc0((in->n_clusters + 1) * sizeof(*t->cluster_errs));
	for (size_t i = 0; i < in->n_clusters; i++)
		if (!irsa_account_known_issuer(acct, in->clusters[i]))
			irsa_round_describe_cluster(round, in->clusters[i], &t->clusters[i],
						    &t->cluster_errs[i]);
	/* a role trusted only by other roles has no provider to check */
	t->check_providers = check_providers && (in->n_clusters || in->n_issuers);
	t->list_providers = t->check_providers && !acct->providers_read;
	if (t->list_providers)
		irsa_round_list_oidc_providers(round, &t->arns, &t->arns_err);
	t->identity = need_account && !t->list_providers && !in->account_id && !acct->id &&
		      !acct->lookups;
	if (t->identity)
		irsa_round_get_caller_identity(round, &t->id, &t->id_err);
}

/* What round 1 read, in the order irsa_trust_input_resolve() and
 * irsa_trust_check_providers() take it one read after the other. */
static int take_first_reads(struct irsa_account *acct, struct irsa_trust_input *in,
			    bool need_account, struct trust_reads *t, struct irsa_error *err)
{
	for (size_t i = 0; i < in->n_clusters; i++) {
		const char *known = irsa_account_known_issuer(acct, in->clusters[i]);
		char *issuer = NULL;

		if (known) {
			add_issuer(in, irsa_strdup(known), in->clusters[i]);
			continue;
		}
		if (t->cluster_errs[i].kind) {
			if (err)
				*err = t->cluster_errs[i];
			return -1;
		}
		if (irsa_oidc_issuer_of_cluster(&t->clusters[i], in->clusters[i], false, &issuer,
						err) < 0)
			return -1;
		irsa_account_add_issuer(acct, in->clusters[i], issuer);
		add_issuer(in, issuer, in->clusters[i]);
	}
	if (in->account_id)
		irsa_account_set(acct, in->account_id);
	if (t->identity) {
		acct->lookups++;
		if (t->id_err.kind) {
			if (err)
				*err = t->id_err;
			return irsa_error_prefix(err, "cannot find the AWS account");
		}
		irsa_account_set(acct, t->id.account);
	}
	if (need_account && irsa_account_get(acct, &in->account_id, err) < 0)
		return -1;
	if (!t->check_providers)
		return 0;
	if (t->list_providers) {
		if (t->arns_err.kind) {
			if (err)
				*err = t->arns_err;
			return -1;
		}
		irsa_account_set_providers(acct, &t->arns);
	}
	return match_providers(acct, in, &acct->provider_arns, err);
}

static void add_audience_reads(struct irsa_trust_input *in, struct trust_reads *t,
			       struct irsa_round *round)
{
	if (!t->check_providers || !in->audience)
		return;
	t->providers = irsa_malloc0((in->n_issuers + 1) * sizeof(*t->providers));
	t->provider_errs = irsa_malloc0((in->n_issuers + 1) * sizeof(*t->provider_errs));
	for (size_t i = 0; i < in->n_issuers; i++)
		irsa_round_get_oidc_provider(round, in->provider_arns[i], &t->providers[i],
					     &t->provider_errs[i]);
}

static int take_audience_reads(struct irsa_trust_input *in, struct trust_reads *t,
			       struct irsa_error *err)
{
	for (size_t i = 0; t->providers && i < in->n_issuers; i++) {
		if (t->provider_errs[i].kind) {
			if (err)
				*err = t->provider_errs[i];
			return -1;
		}
		audience_warning(in, i, &t->providers[i]);
	}
	return 0;
}

/* A role's reader, added to the round when there is one. */
static bool reader_add(struct irsa_role_reader *rd, struct irsa_round *round)
{
	return rd && irsa_role_reader_add(rd, round);
}

int irsa_trust_input_resolve_read(struct irsa_account *acct, struct irsa_trust_input *in,
				  bool need_account, bool check_providers,
				  struct irsa_role_reader *reader, struct irsa_error *err)
{
	_cleanup_(irsa_round_freep) struct irsa_round *round = irsa_round_new(acct->aws);
	struct trust_reads t = { 0 };
	size_t n_clusters = in->n_clusters;
	bool role_sent;
	int r = -1;

	in->partition = irsa_aws_partition(acct->aws)->id;
	add_first_reads(acct, in, need_account, check_providers, &t, round);
	role_sent = reader_add(reader, round);
	irsa_round_run(round);
	if (take_first_reads(acct, in, need_account, &t, err) < 0 ||
	    (role_sent && irsa_role_reader_take(reader, err) < 0))
		goto out;
	add_audience_reads(in, &t, round);
	role_sent = reader_add(reader, round);
	irsa_round_run(round);
	if (take_audience_reads(in, &t, err) < 0 ||
	    (role_sent && irsa_role_reader_take(reader, err) < 0))
		goto out;
	while (reader_add(reader, round)) {
		irsa_round_run(round);
		if (irsa_role_reader_take(reader, err) < 0)
			goto out;
	}
	r = 0;
out:
	trust_reads_release(&t, n_clusters, in->n_issuers);
	return r;
}

int irsa_create_role_read(struct irsa_account *acct, struct irsa_create_role_input *in,
			  struct irsa_role_state *ret_state, struct irsa_error *err)
{
	struct irsa_role_request *role = &in->role;
	struct irsa_role_reader reader;
	int r = -1;

	if (check_partition(in, irsa_aws_partition(acct->aws)->id, err) < 0)
		return -1;
	/* every inline document: the ones that stay count towards IAM's total */
	irsa_role_reader_init(&reader, in->role_name, "");
	/* without an issuer no provider's ARN names the account: ask STS in round 1 */
	if (irsa_trust_input_resolve_read(acct, &in->trust,
					  !irsa_trust_input_names_account(&in->trust), true,
					  ret_state ? &reader : NULL, err) < 0)
		goto out;
	if (ret_state && reader.state.exists)
		irsa_account_learn(acct, reader.state.role.arn);
	if (irsa_account_get(acct, &in->trust.account_id, err) < 0 ||
	    irsa_trust_input_render(&in->trust, &in->trust_doc, err) < 0 ||
	    render_templates(acct, in, err) < 0)
		goto out;
	role->role_name = in->role_name;
	role->tags = &in->tags;
	role->trust = in->trust_doc;
	role->inline_policies = in->inline_policies;
	role->n_inline_policies = in->n_policies;
	role->managed_policies = in->managed_policies;
	role->n_managed_policies = in->n_managed;
	role->partition = in->trust.partition;
	role->account = in->trust.account_id;
	if (ret_state)
		irsa_role_reader_finish(&reader, ret_state);
	r = 0;
out:
	irsa_role_reader_release(&reader);
	return r;
}
