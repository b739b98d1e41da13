/* irsactl list: IRSA roles and annotated service accounts (see inventory.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irsa/eks.h"
#include "irsa/iam.h"
#include "irsa/inventory.h"
#include "irsa/oidc.h"
#include "irsa/round.h"
#include "irsa/serviceaccount.h"
#include "irsa/strutil.h"
#include "irsa/trust.h"
#include "irsa/trust_eval.h"

#define PROVIDER_MARK ":oidc-provider/"

int irsa_resolve_issuer(struct irsa_aws *aws, const char *cluster, const char *issuer_url,
			char **ret, struct irsa_error *err)
{
	struct irsa_eks_cluster c = { 0 };
	int r;

	*ret = NULL;
	if (cluster && issuer_url)
		return irsa_error_set(err, IRSA_ERR_USAGE, "give --cluster or --issuer-url, not both");
	if (issuer_url)
		return irsa_oidc_issuer_normalize(issuer_url, ret, err);
	if (!cluster)
		return 0;
	if (irsa_eks_describe_cluster(aws, cluster, &c, err) < 0)
		return -1;
	if (irsa_str_empty(c.oidc_issuer))
		r = irsa_error_set(err, IRSA_ERR_NOT_FOUND, "cluster '%s' has no OIDC issuer", cluster);
	else
		r = irsa_oidc_issuer_normalize(c.oidc_issuer, ret, err);
	irsa_eks_cluster_release(&c);
	return r;
}

void irsa_listed_roles_free(struct irsa_listed_role *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].name);
		free(r[i].arn);
		irsa_strlist_release(&r[i].issuers);
		irsa_strlist_release(&r[i].subjects);
	}
	free(r);
}

void irsa_listed_sas_free(struct irsa_listed_sa *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].namespace_name);
		free(s[i].name);
		free(s[i].role_arn);
		free(s[i].detail);
	}
	free(s);
}

/* Calls add(value) for a "string or list of strings" element. */
static void each_string(const json_t *elem, struct irsa_strlist *out, bool (*keep)(const char *))
{
	size_t i;
	json_t *item;

	if (json_is_string(elem)) {
		if (!keep || keep(json_string_value(elem)))
			if (!irsa_strlist_contains(out, json_string_value(elem)))
				irsa_strlist_add(out, json_string_value(elem));
		return;
	}
	json_array_foreach(elem, i, item)
		each_string(item, out, keep);
}

static bool is_oidc_provider(const char *arn)
{
	return strstr(arn, PROVIDER_MARK) != NULL;
}

static bool allows_web_identity(const json_t *stmt)
{
	struct irsa_strlist actions = { 0 };
	bool hit = false;

	each_string(json_object_get(stmt, "Action"), &actions, NULL);
	for (size_t i = 0; i < actions.n && !hit; i++)
		hit = irsa_wildcard_match(actions.items[i], IRSA_ACTION_WEB_IDENTITY, true);
	irsa_strlist_release(&actions);
	return hit;
}

/* The values of every ...:sub key of every operator of the statement. */
static void collect_subjects(const json_t *stmt, struct irsa_strlist *out)
{
	const char *op, *key;
	json_t *keys, *values;

	json_object_foreach(json_object_get(stmt, "Condition"), op, keys)
		json_object_foreach(keys, key, values)
			if (strlen(key) > 4 && strcasecmp(key + strlen(key) - 4, ":sub") == 0)
				each_string(values, out, NULL);
}

bool irsa_trust_describe_irsa(const json_t *doc, struct irsa_listed_role *r)
{
	const json_t *stmts = json_object_get(doc, "Statement");
	json_t *one = json_is_object(stmts) ? json_array() : NULL, *stmt;
	size_t i;
	bool irsa = false;

	if (one)
		json_array_append(one, (json_t *)stmts);
	json_array_foreach(one ? one : stmts, i, stmt) {
		struct irsa_strlist providers = { 0 };
		const char *effect = json_string_value(json_object_get(stmt, "Effect"));
		const char *sid = json_string_value(json_object_get(stmt, "Sid"));

		if (!effect || strcmp(effect, "Allow") != 0 || !allows_web_identity(stmt))
			continue;
		each_string(json_object_get(json_object_get(stmt, "Principal"), "Federated"), &providers,
			    is_oidc_provider);
		for (size_t p = 0; p < providers.n; p++) {
			const char *key = strstr(providers.items[p], PROVIDER_MARK) + strlen(PROVIDER_MARK);

			if (!irsa_strlist_contains(&r->issuers, key))
				irsa_strlist_add(&r->issuers, key);
		}
		if (providers.n) {
			irsa = true;
			collect_subjects(stmt, &r->subjects);
			if (sid && irsa_str_has_prefix(sid, IRSA_SID_OIDC))
				r->managed = true;
		}
		irsa_strlist_release(&providers);
	}
	json_decref(one);
	return irsa;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct irsa_listed_role *)a)->name,
		      ((const struct irsa_listed_role *)b)->name);
}

int irsa_list_irsa_roles(struct irsa_aws *aws, const char *issuer,
			 struct irsa_listed_role **ret, size_t *ret_n, struct irsa_error *err)
{
	struct irsa_role *roles = NULL;
	size_t n = 0, kept = 0;
	struct irsa_listed_role *out;
	const char *key = issuer ? irsa_oidc_issuer_key(issuer) : NULL;

	if (irsa_iam_list_roles(aws, NULL, &roles, &n, err) < 0)
		return -1;
	out = irsa_malloc0((n + 1) * sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		struct irsa_listed_role *r = &out[kept];
		json_t *doc = roles[i].trust_policy ? json_loads(roles[i].trust_policy, 0, NULL) : NULL;
		bool irsa = doc && irsa_trust_describe_irsa(doc, r);

		json_decref(doc);
		if (!irsa || (key && !irsa_strlist_contains(&r->issuers, key))) {
			irsa_strlist_release(&r->issuers);
			irsa_strlist_release(&r->subjects);
			memset(r, 0, sizeof(*r));
			continue;
		}
		r->name = irsa_strdup(roles[i].name);
		r->arn = irsa_strdup(roles[i].arn);
		kept++;
	}
	irsa_roles_free(roles, n);
	qsort(out, kept, sizeof(*out), by_name);
	*ret = out;
	*ret_n = kept;
	return 0;
}

/* ---- service accounts ---------------------------------------------------- */

/* Does the trust admit ns/sa through the provider of key (host/path)? */
static int admits_through(const json_t *doc, const char *role_arn, const char *key, const char *ns,
			  const char *sa, struct irsa_trust_result *res)
{
	struct irsa_role_arn parts;
	_cleanup_free_ char *provider = NULL, *issuer = NULL;
	struct irsa_web_identity wi;

	if (irsa_role_arn_parse(role_arn, &parts, NULL) < 0)
		return -1;
	issuer = irsa_asprintf("https://%s", key);
	provider = irsa_oidc_provider_arn(parts.partition, parts.account, issuer);
	wi = (struct irsa_web_identity){ provider, key, ns, sa, NULL };
	return irsa_trust_evaluate_web_identity(doc, &wi, res, NULL);
}

static void evaluate_trust(const struct irsa_role *role, const char *issuer,
			   struct irsa_listed_sa *s)
{
	json_t *doc = NULL;
	struct irsa_listed_role described = { 0 };
	struct irsa_trust_result res = { 0 };
	struct irsa_error e = { 0 };

	if (irsa_policy_parse(role->trust_policy ? role->trust_policy : "", "the trust policy", &doc,
			      &e) < 0) {
		s->trust_admits = 0;
		s->detail = irsa_strdup(e.message);
		return;
	}
	if (issuer)
		irsa_strlist_add(&described.issuers, irsa_oidc_issuer_key(issuer));
	else
		irsa_trust_describe_irsa(doc, &described);
	s->trust_admits = 0;
	for (size_t i = 0; i < described.issuers.n; i++) {
		if (admits_through(doc, s->role_arn, described.issuers.items[i], s->namespace_name,
				   s->name, &res) == 0 && res.decision == IRSA_TRUST_ALLOWED) {
			s->trust_admits = 1;
			break;
		}
	}
	if (!s->trust_admits)
		s->detail = described.issuers.n ? irsa_strdup(res.reason)
						: irsa_strdup("the trust policy names no OIDC provider");
	irsa_strlist_release(&described.issuers);
	irsa_strlist_release(&described.subjects);
	json_decref(doc);
}

/* The role of s as GetRole answered it (role, or e). */
static void check_one(const char *issuer, const struct irsa_role *role, const struct irsa_error *e,
		      struct irsa_listed_sa *s)
{
	if (e->kind) {
		if (e->kind == IRSA_ERR_NOT_FOUND)
			s->role_exists = 0;
		s->detail = irsa_strdup(e->message);
		return;
	}
	s->role_exists = strcmp(role->arn, s->role_arn) == 0;
	if (!s->role_exists)
		s->detail = irsa_asprintf("the role exists as '%s', not '%s'", role->arn, s->role_arn);
	else
		evaluate_trust(role, issuer, s);
}

/* One GetRole per role named (each once), all in one round. */
static void check_all(struct irsa_aws *aws, const char *issuer, struct irsa_listed_sa *sas,
		      size_t n)
{
	_cleanup_(irsa_round_freep) struct irsa_round *round = irsa_round_new(aws);
	struct irsa_role *roles = irsa_malloc0((n + 1) * sizeof(*roles));
	struct irsa_error *errs = irsa_malloc0((n + 1) * sizeof(*errs));
	size_t *read_at = irsa_malloc0((n + 1) * sizeof(*read_at)); /* i: read by i, or n */

	for (size_t i = 0; i < n; i++) {
		struct irsa_role_arn parts;

		read_at[i] = n;
		sas[i].role_exists = -1;
		sas[i].trust_admits = -1;
		if (irsa_role_arn_parse(sas[i].role_arn, &parts, &errs[i]) < 0)
			continue;
		for (size_t k = 0; k < i && read_at[i] == n; k++)
			if (read_at[k] == k &&
			    strcmp(sas[k].role_arn, sas[i].role_arn) == 0)
				read_at[i] = k;
		if (read_at[i] != n)
			continue;
		read_at[i] = i;
		irsa_round_get_role(round, parts.name, &roles[i], &errs[i]);
	}
	irsa_round_run(round);
	for (size_t i = 0; i < n; i++) {
		size_t k = read_at[i] == n ? i : read_at[i];

		if (errs[i].kind && read_at[i] == n) {
			sas[i].detail = irsa_strdup(errs[i].message); /* no valid role ARN */
			continue;
		}
		check_one(issuer, &roles[k], &errs[k], &sas[i]);
	}
	for (size_t i = 0; i < n; i++)
		irsa_role_release(&roles[i]);
	free(roles);
	free(errs);
	free(read_at);
}

int irsa_list_service_accounts(struct irsa_aws *aws, struct irsa_kube *kube, const char *ns,
			       const char *issuer, struct irsa_listed_sa **ret, size_t *ret_n,
			       struct irsa_error *err)
{
	json_t *items = NULL, *sa;
	struct irsa_listed_sa *out;
	size_t i, n = 0;

	if (irsa_kube_list_service_accounts(kube, ns, &items, err) < 0)
		return -1;
	out = irsa_malloc0((json_array_size(items) + 1) * sizeof(*out));
	json_array_foreach(items, i, sa) {
		json_t *md = json_object_get(sa, "metadata");
		const char *role = json_string_value(json_object_get(json_object_get(md, "annotations"),
								     IRSA_SA_ANNOTATION_ROLE_ARN));

		if (!role)
			continue;
		out[n].namespace_name = irsa_strdup(json_string_value(json_object_get(md, "namespace")));
		out[n].name = irsa_strdup(json_string_value(json_object_get(md, "name")));
		out[n].role_arn = irsa_strdup(role);
		n++;
	}
	json_decref(items);
	check_all(aws, issuer, out, n);
	*ret = out;
	*ret_n = n;
	return 0;
}
