/* Reading apply files (irsa/apply.h): irsactl's format and eksctl's
 * ClusterConfig, strictly, into one request. */
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "irsa/apply.h"
#include "irsa/buf.h"
#include "irsa/fileutil.h"
#include "irsa/serviceaccount.h"
#include "irsa/names.h"
#include "irsa/strutil.h"
#include "irsa/yaml.h"

#define MAX_FILE (4u * 1024u * 1024u)

struct reader {
	const char *name;
	const char *dir;
	yaml_document_t *d;
	struct irsa_error *err;
};

/* ---- places and messages ---- */

static char *where(const struct reader *rd, int id)
{
	yaml_node_t *n = irsa_yaml_node(rd->d, id);

	if (!n)
		return irsa_strdup(rd->name);
	return irsa_asprintf("%s:%zu:%zu", rd->name, n->start_mark.line + 1,
			     n->start_mark.column + 1);
}

_printf_(3, 4)
static int fail_at(const struct reader *rd, int id, const char *fmt, ...)
{
	_cleanup_free_ char *at = where(rd, id);
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = irsa_vasprintf(fmt, ap);
	va_end(ap);
	return irsa_error_set(rd->err, IRSA_ERR_USAGE, "%s: %s", at, msg);
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = irsa_malloc0((lb + 1) * sizeof(*row));
	size_t r;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	r = row[lb];
	free(row);
	return r;
}

const char *irsa_apply_suggest(const char *word, const char *const *words, size_t n)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	size_t limit = strlen(word) / 3 > 2 ? strlen(word) / 3 : 2;

	for (size_t i = 0; i < n; i++) {
		size_t dist = edit_distance(word, words[i]);

		if (dist < best_d) {
			best_d = dist;
			best = words[i];
		}
	}
	return best_d <= limit ? best : NULL;
}

/* Every key of the mapping is one of the n known ones. */
static int check_fields(const struct reader *rd, int map, const char *what,
			const char *const *known, size_t n)
{
	yaml_node_t *node = irsa_yaml_node(rd->d, map);
	const char *dup = irsa_yaml_map_duplicate(rd->d, map);

	if (dup)
		return fail_at(rd, map, "field '%s' appears twice in %s", dup, what);
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
	     p < node->data.mapping.pairs.top; p++) {
		const char *key = irsa_yaml_scalar(rd->d, p->key);
		const char *hint;
		size_t i;

		if (!key)
			return fail_at(rd, p->key, "a key of %s is not a string", what);
		for (i = 0; i < n && strcmp(key, known[i]) != 0; i++)
			;
		if (i < n)
			continue;
		hint = irsa_apply_suggest(key, known, n);
		if (hint)
			return fail_at(rd, p->key, "unknown field '%s' in %s; did you mean '%s'?",
				       key, what, hint);
		return fail_at(rd, p->key, "unknown field '%s' in %s", key, what);
	}
	return 0;
}

/* ---- typed values (absent keys leave the output as it was) ---- */

static int need_map(const struct reader *rd, int id, const char *what)
{
	if (!irsa_yaml_is_map(rd->d, id))
		return fail_at(rd, id, "%s must be a mapping", what);
	return 0;
}

static int get_string(const struct reader *rd, int map, const char *key, char **out)
{
	int id = irsa_yaml_map_get(rd->d, map, key, NULL);
	const char *s;

	if (!id || irsa_yaml_is_null(rd->d, id))
		return 0;
	s = irsa_yaml_scalar(rd->d, id);
	if (!s)
		return fail_at(rd, id, "'%s' must be a string", key);
	free(*out);
	*out = irsa_strdup(s);
	return 0;
}

static int get_bool(const struct reader *rd, int map, const char *key, bool *out)
{
	int id = irsa_yaml_map_get(rd->d, map, key, NULL);
	const char *s;

	if (!id || irsa_yaml_is_null(rd->d, id))
		return 0;
	s = irsa_yaml_scalar(rd->d, id);
	if (s && strcmp(s, "true") == 0)
		*out = true;
	else if (s && strcmp(s, "false") == 0)
		*out = false;
	else
		return fail_at(rd, id, "'%s' must be true or false", key);
	return 0;
}

static int get_long(const struct reader *rd, int map, const char *key, long lo, long hi,
		    long *out)
{
	int id = irsa_yaml_map_get(rd->d, map, key, NULL);
	const char *s;
	char *end;
	long v;

	if (!id || irsa_yaml_is_null(rd->d, id))
		return 0;
	s = irsa_yaml_scalar(rd->d, id);
	if (!s || !*s)
		return fail_at(rd, id, "'%s' must be a number", key);
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return fail_at(rd, id, "'%s' must be a number from %ld to %ld", key, lo, hi);
	*out = v;
	return 0;
}

/* A list of strings (a single string counts as a list of one). */
static int get_strings(const struct reader *rd, int map, const char *key,
		       struct irsa_strlist *out)
{
	int id = irsa_yaml_map_get(rd->d, map, key, NULL);
	yaml_node_t *n;

	if (!id || irsa_yaml_is_null(rd->d, id))
		return 0;
	if (irsa_yaml_scalar(rd->d, id)) {
		irsa_strlist_add(out, irsa_yaml_scalar(rd->d, id));
		return 0;
	}
	if (!irsa_yaml_is_seq(rd->d, id))
		return fail_at(rd, id, "'%s' must be a list of strings", key);
	n = irsa_yaml_node(rd->d, id);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		const char *s = irsa_yaml_scalar(rd->d, *it);

		if (!s)
			return fail_at(rd, *it, "the items of '%s' must be strings", key);
		irsa_strlist_add(out, s);
	}
	return 0;
}

/* A map of strings to strings, merged into out (the file's values win). */
static int get_string_map(const struct reader *rd, int map, const char *key,
			  struct irsa_tags *out)
{
	int id = irsa_yaml_map_get(rd->d, map, key, NULL);
	yaml_node_t *n;

	if (!id || irsa_yaml_is_null(rd->d, id))
		return 0;
	if (!irsa_yaml_is_map(rd->d, id))
		return fail_at(rd, id, "'%s' must be a mapping of strings", key);
	n = irsa_yaml_node(rd->d, id);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const char *k = irsa_yaml_scalar(rd->d, p->key);
		const char *v = irsa_yaml_scalar(rd->d, p->value);
		size_t i;

		if (!k || !v)
			return fail_at(rd, p->value, "'%s' must map strings to strings", key);
		for (i = 0; i < out->n && strcmp(out->items[i].key, k) != 0; i++)
			;
		if (i < out->n) {
			free(out->items[i].value);
			out->items[i].value = irsa_strdup(v);
		} else {
			irsa_tags_add(out, k, v);
		}
	}
	return 0;
}

/* A YAML node as JSON (for policy documents): scalars as strings except
 * true/false, which IAM takes either way. */
static json_t *node_json(const struct reader *rd, int id)
{
	yaml_node_t *n = irsa_yaml_node(rd->d, id);
	json_t *j;

	if (!n)
		return json_null();
	if (n->type == YAML_SCALAR_NODE)
		return json_string((const char *)n->data.scalar.value);
	if (n->type == YAML_SEQUENCE_NODE) {
		j = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++)
			json_array_append_new(j, node_json(rd, *it));
		return j;
	}
	j = json_object();
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const char *k = irsa_yaml_scalar(rd->d, p->key);

		if (k)
			json_object_set_new(j, k, node_json(rd, p->value));
	}
	return j;
}

static int add_document(const struct reader *rd, int id, const char *what, const char *name,
			struct irsa_tags *out)
{
	json_t *j;
	char *text;

	if (!irsa_yaml_is_map(rd->d, id))
		return fail_at(rd, id, "%s must be a policy document (a mapping)", what);
	j = node_json(rd, id);
	text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	irsa_tags_add(out, name, text);
	free(text);
	return 0;
}

static char *relative_to(const struct reader *rd, const char *path)
{
	if (path[0] == '/' || !rd->dir || !*rd->dir || strcmp(rd->dir, ".") == 0)
		return irsa_strdup(path);
	return irsa_asprintf("%s/%s", rd->dir, path);
}

/* ---- the request ---- */

static void cluster_release(struct irsa_apply_cluster *c)
{
	free(c->name);
	free(c->issuer_url);
	free(c->region);
	free(c->context);
	free(c->where);
}

static void sa_release(struct irsa_apply_sa *s)
{
	free(s->namespace_);
	free(s->name);
	free(s->subject_pattern);
	irsa_strlist_release(&s->clusters);
	free(s->role_name);
	free(s->role_arn);
	free(s->path);
	free(s->description);
	free(s->permissions_boundary);
	irsa_strlist_release(&s->policies);
	irsa_strlist_release(&s->managed_policy_arns);
	irsa_strlist_release(&s->policy_files);
	irsa_tags_release(&s->inline_policies);
	irsa_strlist_release(&s->trust_role_arns);
	irsa_tags_release(&s->tags);
	irsa_tags_release(&s->labels);
	irsa_tags_release(&s->annotations);
	free(s->audience);
	free(s->manifest);
	free(s->scope);
	free(s->where);
	free(s->target_role_arn);
}

void irsa_apply_request_release(struct irsa_apply_request *r)
{
	for (size_t i = 0; i < r->n_clusters; i++)
		cluster_release(&r->clusters[i]);
	free(r->clusters);
	for (size_t i = 0; i < r->n_sas; i++)
		sa_release(&r->sas[i]);
	free(r->sas);
	irsa_strlist_release(&r->scopes);
	irsa_strlist_release(&r->notes);
	memset(r, 0, sizeof(*r));
}

static struct irsa_apply_cluster *new_cluster(struct irsa_apply_request *r)
{
	r->clusters = irsa_realloc(r->clusters, (r->n_clusters + 1) * sizeof(*r->clusters));
	memset(&r->clusters[r->n_clusters], 0, sizeof(*r->clusters));
	r->clusters[r->n_clusters].create_provider = true;
	return &r->clusters[r->n_clusters++];
}

static struct irsa_apply_sa *new_sa(struct irsa_apply_request *r)
{
	struct irsa_apply_sa *s;

	r->sas = irsa_realloc(r->sas, (r->n_sas + 1) * sizeof(*r->sas));
	s = &r->sas[r->n_sas++];
	memset(s, 0, sizeof(*s));
	s->sts_regional_endpoints = -1;
	s->create_namespace = true;
	return s;
}

static void copy_strings(struct irsa_strlist *dst, const struct irsa_strlist *src)
{
	for (size_t i = 0; i < src->n; i++)
		irsa_strlist_add(dst, src->items[i]);
}

static void copy_map(struct irsa_tags *dst, const struct irsa_tags *src)
{
	for (size_t i = 0; i < src->n; i++)
		irsa_tags_add(dst, src->items[i].key, src->items[i].value);
}

static void dup_if_set(char **dst, const char *src)
{
	if (src)
		*dst = irsa_strdup(src);
}

/* ---- irsactl's format ---- */

static const char *const top_fields[] = {
	"apiVersion", "kind", "scope", "clusters", "defaults", "serviceAccounts",
};
static const char *const cluster_fields[] = {
	"name", "issuerURL", "region", "context", "createOIDCProvider",
};
static const char *const defaults_fields[] = {
	"clusters", "audience", "path", "permissionsBoundary", "maxSessionDuration", "tags",
	"labels", "annotations", "stsRegionalEndpoints", "tokenExpiration", "target",
	"createNamespace", "mechanism",
};
static const char *const sa_fields[] = {
	"namespace", "name", "clusters", "roleName", "path", "description",
	"permissionsBoundary", "maxSessionDuration", "tags", "policies", "attachPolicyARNs",
	"policyFiles", "inlinePolicies", "trustRoleARNs", "audience", "stsRegionalEndpoints",
	"tokenExpiration", "labels", "annotations", "target", "createNamespace",
	"mechanism", "targetRoleARN", "disableSessionTags",
};
static const char *const template_fields[] = { "template", "parameters" };
static const char *const target_fields[] = { "manifest" };

static int read_cluster(const struct reader *rd, int id, struct irsa_apply_request *r)
{
	struct irsa_apply_cluster *c = new_cluster(r);

	c->where = where(rd, id);
	if (need_map(rd, id, "a cluster") < 0 ||
	    check_fields(rd, id, "a cluster", cluster_fields, ARRAY_SIZE(cluster_fields)) < 0 ||
	    get_string(rd, id, "name", &c->name) < 0 ||
	    get_string(rd, id, "issuerURL", &c->issuer_url) < 0 ||
	    get_string(rd, id, "region", &c->region) < 0 ||
	    get_string(rd, id, "context", &c->context) < 0 ||
	    get_bool(rd, id, "createOIDCProvider", &c->create_provider) < 0)
		return -1;
	if (!c->name == !c->issuer_url)
		return fail_at(rd, id, "a cluster needs exactly one of 'name' and 'issuerURL'");
	if (c->issuer_url && strncmp(c->issuer_url, "https://", 8) != 0)
		return fail_at(rd, id, "issuerURL '%s' must start with https://", c->issuer_url);
	return 0;
}

static int read_target(const struct reader *rd, int map, struct irsa_apply_sa *s)
{
	int id = irsa_yaml_map_get(rd->d, map, "target", NULL);
	const char *v;

	if (!id || irsa_yaml_is_null(rd->d, id))
		return 0;
	if (irsa_yaml_is_map(rd->d, id)) {
		if (check_fields(rd, id, "target", target_fields, ARRAY_SIZE(target_fields)) < 0 ||
		    get_string(rd, id, "manifest", &s->manifest) < 0)
			return -1;
		if (!s->manifest)
			return fail_at(rd, id, "target needs 'manifest: FILE'");
		s->target = IRSA_APPLY_TARGET_MANIFEST;
		return 0;
	}
	v = irsa_yaml_scalar(rd->d, id);
	if (v && strcmp(v, "cluster") == 0)
		s->target = IRSA_APPLY_TARGET_CLUSTER;
	else if (v && strcmp(v, "none") == 0)
		s->target = IRSA_APPLY_TARGET_NONE;
	else
		return fail_at(rd, id, "target must be 'cluster', 'none' or 'manifest: FILE'");
	return 0;
}

static const char *const mechanism_names[] = {
	[IRSA_APPLY_IRSA] = "irsa",
	[IRSA_APPLY_POD_IDENTITY] = "pod-identity",
	[IRSA_APPLY_BOTH] = "both",
};

const char *irsa_apply_mechanism_name(enum irsa_apply_mechanism m)
{
	return (unsigned)m < ARRAY_SIZE(mechanism_names) ? mechanism_names[m] : "?";
}

static int read_mechanism(const struct reader *rd, int map, enum irsa_apply_mechanism *out)
{
	int id = irsa_yaml_map_get(rd->d, map, "mechanism", NULL);
	const char *v, *hint;

	if (!id || irsa_yaml_is_null(rd->d, id))
		return 0;
	v = irsa_yaml_scalar(rd->d, id);
	for (size_t i = 0; v && i < ARRAY_SIZE(mechanism_names); i++)
		if (strcmp(v, mechanism_names[i]) == 0) {
			*out = (enum irsa_apply_mechanism)i;
			return 0;
		}
	hint = v ? irsa_apply_suggest(v, mechanism_names, ARRAY_SIZE(mechanism_names)) : NULL;
	if (hint)
		return fail_at(rd, id, "mechanism '%s' is not one of irsa, pod-identity, both; "
			       "did you mean '%s'?", v, hint);
	return fail_at(rd, id, "mechanism must be one of irsa, pod-identity, both");
}

/* The Pod Identity fields of a service account, and what Pod Identity
 * cannot do (an exact name is needed: an association names one account). */
static int read_pod_identity(const struct reader *rd, int map, struct irsa_apply_sa *s)
{
	int target = irsa_yaml_map_get(rd->d, map, "targetRoleARN", NULL);
	int tags = irsa_yaml_map_get(rd->d, map, "disableSessionTags", NULL);

	struct irsa_error inner = { 0 };

	if (get_string(rd, map, "targetRoleARN", &s->target_role_arn) < 0 ||
	    get_bool(rd, map, "disableSessionTags", &s->disable_session_tags) < 0)
		return -1;
	if (s->target_role_arn && irsa_role_arn_parse(s->target_role_arn, NULL, &inner) < 0)
		return fail_at(rd, target, "targetRoleARN: %s", inner.message);
	if (s->mechanism == IRSA_APPLY_IRSA && (target || tags))
		return fail_at(rd, target ? target : tags, "'%s' is a Pod Identity field; set "
			       "'mechanism: pod-identity' (or 'both') on this service account",
			       target ? "targetRoleARN" : "disableSessionTags");
	if (s->mechanism != IRSA_APPLY_IRSA && s->name && strpbrk(s->name, "*?"))
		return fail_at(rd, map, "service account '%s' is a pattern; a Pod Identity "
			       "association names one service account (mechanism '%s')", s->name,
			       irsa_apply_mechanism_name(s->mechanism));
	return 0;
}

/* The fields that defaults and a service account share. */
static int read_common(const struct reader *rd, int map, struct irsa_apply_sa *s)
{
	long v = 0;

	if (get_string(rd, map, "audience", &s->audience) < 0 ||
	    read_mechanism(rd, map, &s->mechanism) < 0 ||
	    get_string(rd, map, "path", &s->path) < 0 ||
	    get_string(rd, map, "permissionsBoundary", &s->permissions_boundary) < 0 ||
	    get_string_map(rd, map, "tags", &s->tags) < 0 ||
	    get_string_map(rd, map, "labels", &s->labels) < 0 ||
	    get_string_map(rd, map, "annotations", &s->annotations) < 0 ||
	    get_bool(rd, map, "createNamespace", &s->create_namespace) < 0 ||
	    read_target(rd, map, s) < 0)
		return -1;
	if (get_long(rd, map, "maxSessionDuration", 3600, 43200, &v) < 0)
		return -1;
	if (v)
		s->max_session_duration = (int)v;
	v = 0;
	if (get_long(rd, map, "tokenExpiration", 600, 86400, &v) < 0)
		return -1;
	if (v)
		s->token_expiration = v;
	if (irsa_yaml_map_get(rd->d, map, "stsRegionalEndpoints", NULL)) {
		bool b = false;

		if (get_bool(rd, map, "stsRegionalEndpoints", &b) < 0)
			return -1;
		s->sts_regional_endpoints = b;
	}
	return 0;
}

/* policies: TEMPLATE[:K=V,...] strings or {template, parameters}. */
static int read_policies(const struct reader *rd, int map, struct irsa_apply_sa *s)
{
	int id = irsa_yaml_map_get(rd->d, map, "policies", NULL);
	yaml_node_t *n;

	if (!id || irsa_yaml_is_null(rd->d, id))
		return 0;
	if (!irsa_yaml_is_seq(rd->d, id))
		return fail_at(rd, id, "'policies' must be a list");
	n = irsa_yaml_node(rd->d, id);
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		_cleanup_free_ char *name = NULL;
		struct irsa_tags params = { 0 };
		struct irsa_buf spec = IRSA_BUF_INIT;
		int pid;

		if (irsa_yaml_scalar(rd->d, *it)) {
			irsa_strlist_add(&s->policies, irsa_yaml_scalar(rd->d, *it));
			continue;
		}
		if (need_map(rd, *it, "a policy") < 0 ||
		    check_fields(rd, *it, "a policy", template_fields,
				 ARRAY_SIZE(template_fields)) < 0 ||
		    get_string(rd, *it, "template", &name) < 0)
			return -1;
		if (!name)
			return fail_at(rd, *it, "a policy needs 'template'");
		irsa_buf_puts(&spec, name);
		pid = irsa_yaml_map_get(rd->d, *it, "parameters", NULL);
		if (pid && !irsa_yaml_is_null(rd->d, pid)) {
			yaml_node_t *pn = irsa_yaml_node(rd->d, pid);

			if (!irsa_yaml_is_map(rd->d, pid)) {
				irsa_buf_release(&spec);
				return fail_at(rd, pid, "'parameters' must be a mapping");
			}
			for (yaml_node_pair_t *p = pn->data.mapping.pairs.start;
			     p < pn->data.mapping.pairs.top; p++) {
				struct irsa_strlist values = { 0 };
				const char *k = irsa_yaml_scalar(rd->d, p->key);
				int r;

				/* get_strings on the parent map: a list joins with ';'. */
				r = k ? get_strings(rd, pid, k, &values) : -1;
				if (r < 0 || values.n == 0) {
					irsa_strlist_release(&values);
					irsa_buf_release(&spec);
					irsa_tags_release(&params);
					return r < 0 && k ? -1 :
					       fail_at(rd, p->value, "parameter '%s' has no value",
						       k ? k : "?");
				}
				irsa_buf_printf(&spec, "%s%s=", p == pn->data.mapping.pairs.start ?
						":" : ",", k);
				for (size_t i = 0; i < values.n; i++)
					irsa_buf_printf(&spec, "%s%s", i ? ";" : "", values.items[i]);
				irsa_strlist_release(&values);
			}
		}
		irsa_strlist_add(&s->policies, irsa_buf_str(&spec));
		irsa_buf_release(&spec);
	}
	return 0;
}

static int read_inline_policies(const struct reader *rd, int map, struct irsa_apply_sa *s)
{
	int id = irsa_yaml_map_get(rd->d, map, "inlinePolicies", NULL);
	yaml_node_t *n;

	if (!id || irsa_yaml_is_null(rd->d, id))
		return 0;
	if (!irsa_yaml_is_map(rd->d, id))
		return fail_at(rd, id, "'inlinePolicies' must map names to policy documents");
	n = irsa_yaml_node(rd->d, id);
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const char *k = irsa_yaml_scalar(rd->d, p->key);

		if (!k || add_document(rd, p->value, "an inline policy", k, &s->inline_policies) < 0)
			return -1;
	}
	return 0;
}

static void apply_defaults(struct irsa_apply_sa *s, const struct irsa_apply_sa *def)
{
	struct irsa_tags merged = { 0 };

	if (!s->clusters.n)
		copy_strings(&s->clusters, &def->clusters);
	if (!s->audience)
		dup_if_set(&s->audience, def->audience);
	if (!s->path)
		dup_if_set(&s->path, def->path);
	if (!s->permissions_boundary)
		dup_if_set(&s->permissions_boundary, def->permissions_boundary);
	if (!s->max_session_duration)
		s->max_session_duration = def->max_session_duration;
	if (!s->token_expiration)
		s->token_expiration = def->token_expiration;
	if (s->sts_regional_endpoints < 0)
		s->sts_regional_endpoints = def->sts_regional_endpoints;
	struct { struct irsa_tags *own; const struct irsa_tags *def; } maps[] = {
		{ &s->tags, &def->tags }, { &s->labels, &def->labels },
		{ &s->annotations, &def->annotations },
	};
	for (size_t m = 0; m < ARRAY_SIZE(maps); m++) {
		copy_map(&merged, maps[m].def);
		for (size_t i = 0; i < maps[m].own->n; i++) {
			size_t k;

			for (k = 0; k < merged.n && strcmp(merged.items[k].key,
							   maps[m].own->items[i].key) != 0; k++)
				;
			if (k < merged.n) {
				free(merged.items[k].value);
				merged.items[k].value = irsa_strdup(maps[m].own->items[i].value);
			} else {
				irsa_tags_add(&merged, maps[m].own->items[i].key,
					      maps[m].own->items[i].value);
			}
		}
		irsa_tags_release(maps[m].own);
		*maps[m].own = merged;
		merged = (struct irsa_tags){ 0 };
	}
}

static int read_sa(const struct reader *rd, int id, const struct irsa_apply_sa *def,
		   bool def_target, bool def_create_ns, struct irsa_apply_request *r)
{
	struct irsa_apply_sa *s = new_sa(r);
	struct irsa_strlist files = { 0 };
	int rc;

	s->where = where(rd, id);
	s->target = def_target ? def->target : IRSA_APPLY_TARGET_CLUSTER;
	if (def_target && def->manifest)
		s->manifest = irsa_strdup(def->manifest);
	s->create_namespace = def_create_ns;
	s->mechanism = def->mechanism;
	if (need_map(rd, id, "a service account") < 0 ||
	    check_fields(rd, id, "a service account", sa_fields, ARRAY_SIZE(sa_fields)) < 0 ||
	    get_string(rd, id, "namespace", &s->namespace_) < 0 ||
	    get_string(rd, id, "name", &s->name) < 0 ||
	    get_strings(rd, id, "clusters", &s->clusters) < 0 ||
	    get_string(rd, id, "roleName", &s->role_name) < 0 ||
	    get_string(rd, id, "description", &s->description) < 0 ||
	    read_common(rd, id, s) < 0 || read_policies(rd, id, s) < 0 ||
	    get_strings(rd, id, "attachPolicyARNs", &s->managed_policy_arns) < 0 ||
	    get_strings(rd, id, "trustRoleARNs", &s->trust_role_arns) < 0 ||
	    read_inline_policies(rd, id, s) < 0)
		return -1;
	rc = get_strings(rd, id, "policyFiles", &files);
	for (size_t i = 0; rc == 0 && i < files.n; i++) {
		_cleanup_free_ char *p = relative_to(rd, files.items[i]);

		irsa_strlist_add(&s->policy_files, p);
	}
	irsa_strlist_release(&files);
	if (rc < 0)
		return -1;
	if (s->target == IRSA_APPLY_TARGET_MANIFEST) {
		char *p = relative_to(rd, s->manifest);

		free(s->manifest);
		s->manifest = p;
	}
	if (!s->namespace_ || !s->name)
		return fail_at(rd, id, "a service account needs 'namespace' and 'name'");
	if (read_pod_identity(rd, id, s) < 0)
		return -1;
	apply_defaults(s, def);
	return 0;
}

/* A scope is a tag value on every role of its file (irsactl.io/scope). */
static int check_scope(const struct reader *rd, int map, const char *scope)
{
	struct irsa_error e = { 0 };

	if (!scope)
		return 0;
	if (!*scope)
		return fail_at(rd, irsa_yaml_map_get(rd->d, map, "scope", NULL),
			       "'scope' is empty; give the file's roles a name, or leave it out");
	if (irsa_validate_tag("irsactl.io/scope", scope, &e) < 0)
		return fail_at(rd, irsa_yaml_map_get(rd->d, map, "scope", NULL),
			       "'scope' is the value of a role tag: %s", e.message);
	return 0;
}

/* The scope of the service accounts r->sas[first..] read from one file. */
static void set_scope(struct irsa_apply_request *r, size_t first, const char *scope)
{
	for (size_t i = first; scope && i < r->n_sas; i++)
		dup_if_set(&r->sas[i].scope, scope);
}

static int read_irsactl(const struct reader *rd, int root, struct irsa_apply_request *r)
{
	struct irsa_apply_sa def = { .sts_regional_endpoints = -1, .create_namespace = true };
	_cleanup_free_ char *scope = NULL;
	size_t first;
	int id, rc = -1;
	bool def_target = false;

	if (check_fields(rd, root, "the file", top_fields, ARRAY_SIZE(top_fields)) < 0 ||
	    get_string(rd, root, "scope", &scope) < 0 || check_scope(rd, root, scope) < 0)
		return -1;
	if (scope && !irsa_strlist_contains(&r->scopes, scope))
		irsa_strlist_add(&r->scopes, scope);
	first = r->n_sas;
	id = irsa_yaml_map_get(rd->d, root, "clusters", NULL);
	if (id && !irsa_yaml_is_seq(rd->d, id))
		return fail_at(rd, id, "'clusters' must be a list");
	for (size_t i = 0; id && i < irsa_yaml_seq_size(rd->d, id); i++)
		if (read_cluster(rd, irsa_yaml_node(rd->d, id)->data.sequence.items.start[i], r) < 0)
			return -1;
	id = irsa_yaml_map_get(rd->d, root, "defaults", NULL);
	if (id && !irsa_yaml_is_null(rd->d, id)) {
		if (need_map(rd, id, "'defaults'") < 0 ||
		    check_fields(rd, id, "defaults", defaults_fields,
				 ARRAY_SIZE(defaults_fields)) < 0 ||
		    get_strings(rd, id, "clusters", &def.clusters) < 0 || read_common(rd, id, &def) < 0)
			goto out;
		def_target = irsa_yaml_map_get(rd->d, id, "target", NULL) != 0;
		if (def.manifest) {
			char *p = relative_to(rd, def.manifest);

			free(def.manifest);
			def.manifest = p;
		}
	}
	id = irsa_yaml_map_get(rd->d, root, "serviceAccounts", NULL);
	if (!id || !irsa_yaml_is_seq(rd->d, id)) {
		fail_at(rd, id ? id : root, "'serviceAccounts' must be a list");
		goto out;
	}
	for (size_t i = 0; i < irsa_yaml_seq_size(rd->d, id); i++)
		if (read_sa(rd, irsa_yaml_node(rd->d, id)->data.sequence.items.start[i], &def,
			    def_target, def.create_namespace, r) < 0)
			goto out;
	set_scope(r, first, scope);
	rc = 0;
out:
	sa_release(&def);
	return rc;
}

/* ---- eksctl's ClusterConfig ---- */

static const char *const eksctl_sa_fields[] = {
	"metadata", "attachPolicyARNs", "attachPolicy", "attachRoleARN", "wellKnownPolicies",
	"permissionsBoundary", "roleName", "roleOnly", "tags", "subjectPattern", "status",
};
static const char *const eksctl_meta_fields[] = { "name", "namespace", "labels", "annotations" };
static const char *const eksctl_iam_fields[] = {
	"withOIDC", "serviceRolePermissionsBoundary", "serviceAccounts", "serviceRoleARN",
	"fargatePodExecutionRolePermissionsBoundary", "vpcResourceControllerPolicy",
	"podIdentityAssociations",
};

/* wellKnownPolicies -> an irsactl template, or the managed policy eksctl
 * attaches (prefixed "arn:"). */
static const struct {
	const char *field;
	const char *policy;
} well_known[] = {
	/* eksctl's; the image-builder template needs repositories, which
	 * an eksctl file cannot give */
	{ "imageBuilder", "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess" },
	{ "autoScaler", "cluster-autoscaler" },
	{ "awsLoadBalancerController", "aws-load-balancer-controller" },
	{ "externalDNS", "external-dns" },
	{ "certManager", "cert-manager" },
	{ "ebsCSIController", "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy" },
	{ "efsCSIController", "efs-csi" },
};

static int read_well_known(const struct reader *rd, int map, struct irsa_apply_sa *s)
{
	int id = irsa_yaml_map_get(rd->d, map, "wellKnownPolicies", NULL);
	const char *names[ARRAY_SIZE(well_known)];

	if (!id || irsa_yaml_is_null(rd->d, id))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(well_known); i++)
		names[i] = well_known[i].field;
	if (need_map(rd, id, "'wellKnownPolicies'") < 0 ||
	    check_fields(rd, id, "wellKnownPolicies", names, ARRAY_SIZE(names)) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(well_known); i++) {
		bool on = false;

		if (get_bool(rd, id, well_known[i].field, &on) < 0)
			return -1;
		if (!on)
			continue;
		if (strncmp(well_known[i].policy, "arn:", 4) == 0)
			irsa_strlist_add(&s->managed_policy_arns, well_known[i].policy);
		else
			irsa_strlist_add(&s->policies, well_known[i].policy);
	}
	return 0;
}

static int read_eksctl_sa(const struct reader *rd, int id, const char *cluster,
			  const char *boundary, struct irsa_apply_request *r)
{
	struct irsa_apply_sa *s = new_sa(r);
	bool role_only = false;
	int meta, pol;

	s->where = where(rd, id);
	irsa_strlist_add(&s->clusters, cluster);
	if (need_map(rd, id, "iam.serviceAccounts[]") < 0 ||
	    check_fields(rd, id, "iam.serviceAccounts[]", eksctl_sa_fields,
			 ARRAY_SIZE(eksctl_sa_fields)) < 0)
		return -1;
	meta = irsa_yaml_map_get(rd->d, id, "metadata", NULL);
	if (!meta || need_map(rd, meta, "metadata") < 0)
		return meta ? -1 : fail_at(rd, id, "a service account needs 'metadata'");
	if (check_fields(rd, meta, "metadata", eksctl_meta_fields,
			 ARRAY_SIZE(eksctl_meta_fields)) < 0 ||
	    get_string(rd, meta, "name", &s->name) < 0 ||
	    get_string(rd, meta, "namespace", &s->namespace_) < 0 ||
	    get_string_map(rd, meta, "labels", &s->labels) < 0 ||
	    get_string_map(rd, meta, "annotations", &s->annotations) < 0 ||
	    get_strings(rd, id, "attachPolicyARNs", &s->managed_policy_arns) < 0 ||
	    get_string(rd, id, "attachRoleARN", &s->role_arn) < 0 ||
	    get_string(rd, id, "permissionsBoundary", &s->permissions_boundary) < 0 ||
	    get_string(rd, id, "roleName", &s->role_name) < 0 ||
	    get_bool(rd, id, "roleOnly", &role_only) < 0 ||
	    get_string_map(rd, id, "tags", &s->tags) < 0 ||
	    get_string(rd, id, "subjectPattern", &s->subject_pattern) < 0 ||
	    read_well_known(rd, id, s) < 0)
		return -1;
	pol = irsa_yaml_map_get(rd->d, id, "attachPolicy", NULL);
	if (pol && add_document(rd, pol, "attachPolicy", "policy", &s->inline_policies) < 0)
		return -1;
	if (!s->name)
		return fail_at(rd, meta, "metadata needs 'name'");
	if (!s->namespace_)
		s->namespace_ = irsa_strdup("default");
	if (!s->permissions_boundary && boundary)
		s->permissions_boundary = irsa_strdup(boundary);
	s->target = role_only ? IRSA_APPLY_TARGET_NONE : IRSA_APPLY_TARGET_CLUSTER;
	return 0;
}

static const char *const eksctl_pia_fields[] = {
	"namespace", "serviceAccountName", "roleARN", "roleName", "createServiceAccount",
	"permissionPolicyARNs", "permissionPolicy", "wellKnownPolicies",
	"permissionsBoundaryARN", "tags", "targetRoleARN", "disableSessionTags",
};

/* A field of `id` that makes no sense with roleARN (the role is not
 * irsactl's to change), or NULL. */
static const char *role_field_with_role_arn(const struct reader *rd, int id)
{
	static const char *const role_fields[] = {
		"roleName", "permissionPolicyARNs", "permissionPolicy", "wellKnownPolicies",
		"permissionsBoundaryARN",
	};

	for (size_t i = 0; i < ARRAY_SIZE(role_fields); i++)
		if (irsa_yaml_map_get(rd->d, id, role_fields[i], NULL))
			return role_fields[i];
	return NULL;
}

/* iam.podIdentityAssociations[]: one Pod Identity service account. The
 * role irsactl makes for it gets iam.serviceRolePermissionsBoundary
 * (boundary) unless it names its own; a roleARN is used as it is. */
static int read_eksctl_pia(const struct reader *rd, int id, const char *cluster,
			   const char *boundary, struct irsa_apply_request *r)
{
	struct irsa_apply_sa *s = new_sa(r);
	const char *what = "iam.podIdentityAssociations[]";
	struct irsa_error inner = { 0 };
	bool create_sa = false;
	int pol;

	s->where = where(rd, id);
	s->mechanism = IRSA_APPLY_POD_IDENTITY;
	irsa_strlist_add(&s->clusters, cluster);
	if (need_map(rd, id, what) < 0 ||
	    check_fields(rd, id, what, eksctl_pia_fields, ARRAY_SIZE(eksctl_pia_fields)) < 0 ||
	    get_string(rd, id, "namespace", &s->namespace_) < 0 ||
	    get_string(rd, id, "serviceAccountName", &s->name) < 0 ||
	    get_string(rd, id, "roleARN", &s->role_arn) < 0 ||
	    get_string(rd, id, "roleName", &s->role_name) < 0 ||
	    get_bool(rd, id, "createServiceAccount", &create_sa) < 0 ||
	    get_strings(rd, id, "permissionPolicyARNs", &s->managed_policy_arns) < 0 ||
	    get_string(rd, id, "permissionsBoundaryARN", &s->permissions_boundary) < 0 ||
	    get_string_map(rd, id, "tags", &s->tags) < 0 ||
	    read_well_known(rd, id, s) < 0)
		return -1;
	pol = irsa_yaml_map_get(rd->d, id, "permissionPolicy", NULL);
	if (pol && add_document(rd, pol, "permissionPolicy", "policy", &s->inline_policies) < 0)
		return -1;
	if (!s->namespace_ || !s->name)
		return fail_at(rd, id, "a Pod Identity association needs 'namespace' and "
			       "'serviceAccountName'");
	if (s->role_arn && irsa_role_arn_parse(s->role_arn, NULL, &inner) < 0)
		return fail_at(rd, irsa_yaml_map_get(rd->d, id, "roleARN", NULL), "roleARN: %s",
			       inner.message);
	if (s->role_arn && role_field_with_role_arn(rd, id))
		return fail_at(rd, irsa_yaml_map_get(rd->d, id, role_field_with_role_arn(rd, id), NULL),
			       "'%s' cannot go with 'roleARN': that role is used as it is",
			       role_field_with_role_arn(rd, id));
	if (read_pod_identity(rd, id, s) < 0)
		return -1;
	if (!s->permissions_boundary && !s->role_arn && boundary)
		s->permissions_boundary = irsa_strdup(boundary);
	s->target = create_sa ? IRSA_APPLY_TARGET_CLUSTER : IRSA_APPLY_TARGET_NONE;
	return 0;
}

static int read_eksctl_pias(const struct reader *rd, int iam, const char *cluster,
			    const char *boundary, struct irsa_apply_request *r)
{
	int list = irsa_yaml_map_get(rd->d, iam, "podIdentityAssociations", NULL);

	if (!list || irsa_yaml_is_null(rd->d, list))
		return 0;
	if (!irsa_yaml_is_seq(rd->d, list))
		return fail_at(rd, list, "iam.podIdentityAssociations must be a list");
	for (size_t i = 0; i < irsa_yaml_seq_size(rd->d, list); i++)
		if (read_eksctl_pia(rd, irsa_yaml_node(rd->d, list)->data.sequence.items.start[i],
				    cluster, boundary, r) < 0)
			return -1;
	return 0;
}

static int read_eksctl(const struct reader *rd, int root, struct irsa_apply_request *r)
{
	_cleanup_free_ char *name = NULL, *region = NULL, *boundary = NULL;
	struct irsa_buf ignored = IRSA_BUF_INIT;
	yaml_node_t *n = irsa_yaml_node(rd->d, root);
	struct irsa_apply_cluster *c;
	size_t first;
	int meta, iam, sas;
	bool with_oidc = false;

	meta = irsa_yaml_map_get(rd->d, root, "metadata", NULL);
	if (!meta || need_map(rd, meta, "metadata") < 0)
		return meta ? -1 : fail_at(rd, root, "a ClusterConfig needs 'metadata'");
	if (get_string(rd, meta, "name", &name) < 0 || get_string(rd, meta, "region", &region) < 0)
		return -1;
	if (!name)
		return fail_at(rd, meta, "a ClusterConfig needs 'metadata.name'");
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		const char *k = irsa_yaml_scalar(rd->d, p->key);

		if (k && strcmp(k, "apiVersion") && strcmp(k, "kind") && strcmp(k, "metadata") &&
		    strcmp(k, "iam"))
			irsa_buf_printf(&ignored, "%s%s", ignored.len ? ", " : "", k);
	}
	if (ignored.len) {
		_cleanup_free_ char *note = irsa_asprintf(
			"%s: ignoring the sections that are not about IAM: %s", rd->name,
			irsa_buf_str(&ignored));

		irsa_strlist_add(&r->notes, note);
	}
	irsa_buf_release(&ignored);
	c = new_cluster(r);
	c->name = irsa_strdup(name);
	dup_if_set(&c->region, region);
	c->where = where(rd, meta);
	/* an eksctl file's scope (for --prune) is its cluster */
	if (!irsa_strlist_contains(&r->scopes, name))
		irsa_strlist_add(&r->scopes, name);
	iam = irsa_yaml_map_get(rd->d, root, "iam", NULL);
	if (!iam || irsa_yaml_is_null(rd->d, iam)) {
		c->create_provider = false;
		return 0;
	}
	if (need_map(rd, iam, "iam") < 0 ||
	    check_fields(rd, iam, "iam", eksctl_iam_fields, ARRAY_SIZE(eksctl_iam_fields)) < 0 ||
	    get_bool(rd, iam, "withOIDC", &with_oidc) < 0 ||
	    get_string(rd, iam, "serviceRolePermissionsBoundary", &boundary) < 0)
		return -1;
	c = &r->clusters[r->n_clusters - 1];
	c->create_provider = with_oidc;
	if (read_eksctl_pias(rd, iam, name, boundary, r) < 0)
		return -1;
	sas = irsa_yaml_map_get(rd->d, iam, "serviceAccounts", NULL);
	if (!sas || irsa_yaml_is_null(rd->d, sas))
		return 0;
	if (!irsa_yaml_is_seq(rd->d, sas))
		return fail_at(rd, sas, "iam.serviceAccounts must be a list");
	first = r->n_sas;
	for (size_t i = 0; i < irsa_yaml_seq_size(rd->d, sas); i++)
		if (read_eksctl_sa(rd, irsa_yaml_node(rd->d, sas)->data.sequence.items.start[i], name,
				   boundary, r) < 0)
			return -1;
	set_scope(r, first, name);
	return 0;
}

/* ---- documents, files, folders ---- */

static int read_document(const struct reader *rd, struct irsa_apply_request *r)
{
	int root = irsa_yaml_root(rd->d);
	_cleanup_free_ char *api = NULL, *kind = NULL;

	if (!root)
		return 0;
	if (need_map(rd, root, "a document") < 0 || get_string(rd, root, "apiVersion", &api) < 0 ||
	    get_string(rd, root, "kind", &kind) < 0)
		return -1;
	if (api && kind && strcmp(api, IRSA_APPLY_API_VERSION) == 0 &&
	    strcmp(kind, IRSA_APPLY_KIND) == 0)
		return read_irsactl(rd, root, r);
	if (api && kind && strcmp(api, "eksctl.io/v1alpha5") == 0 &&
	    strcmp(kind, "ClusterConfig") == 0)
		return read_eksctl(rd, root, r);
	return fail_at(rd, root, "apiVersion '%s' kind '%s' is neither irsactl's format ("
		       IRSA_APPLY_API_VERSION " " IRSA_APPLY_KIND ") nor an eksctl ClusterConfig "
		       "(eksctl.io/v1alpha5 ClusterConfig)", api ? api : "", kind ? kind : "");
}

int irsa_apply_read_buffer(const char *name, const char *dir, const char *data, size_t len,
			   struct irsa_apply_request *r, struct irsa_error *err)
{
	struct irsa_yaml_docs docs = { 0 };
	int rc = 0;

	if (irsa_yaml_load("apply file", name, data, len, &docs, err) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < docs.n; i++) {
		struct reader rd = { name, dir, &docs.doc[i], err };

		rc = read_document(&rd, r);
	}
	irsa_yaml_docs_release(&docs);
	return rc;
}

static int read_file(const char *path, struct irsa_apply_request *r, struct irsa_error *err)
{
	struct irsa_buf data = IRSA_BUF_INIT;
	_cleanup_free_ char *dir = NULL;
	const char *slash = strrchr(path, '/');
	int rc;

	if (irsa_file_read(path, MAX_FILE, "apply file", &data, err) < 0) {
		irsa_buf_release(&data);
		return -1;
	}
	dir = slash ? irsa_strndup(path, (size_t)(slash - path)) : NULL;
	if (slash && slash == path) {
		free(dir);
		dir = irsa_strdup("/");
	}
	rc = irsa_apply_read_buffer(path, dir, irsa_buf_str(&data), data.len, r, err);
	irsa_buf_release(&data);
	return rc;
}

static int read_stdin(struct irsa_apply_request *r, struct irsa_error *err)
{
	struct irsa_buf data = IRSA_BUF_INIT;
	char chunk[65536];
	size_t n;
	int rc;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (data.len + n > MAX_FILE) {
			irsa_buf_release(&data);
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "standard input is larger than %u bytes", MAX_FILE);
		}
		irsa_buf_append(&data, chunk, n);
	}
	rc = irsa_apply_read_buffer("<stdin>", NULL, irsa_buf_str(&data), data.len, r, err);
	irsa_buf_release(&data);
	return rc;
}

static bool wanted(const char *name)
{
	const char *dot = strrchr(name, '.');

	return name[0] != '.' && dot && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0 ||
					 strcmp(dot, ".json") == 0);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_dir(const char *path, struct irsa_apply_request *r, struct irsa_error *err)
{
	struct irsa_strlist names = { 0 };
	struct dirent *e;
	DIR *d = opendir(path);
	int rc = 0;

	if (!d)
		return irsa_error_set(err, IRSA_ERR_USAGE, "cannot read the folder '%s': %m", path);
	while ((e = readdir(d)))
		if (wanted(e->d_name))
			irsa_strlist_add(&names, e->d_name);
	closedir(d);
	qsort(names.items, names.n, sizeof(*names.items), compare_names);
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		_cleanup_free_ char *p = irsa_asprintf("%s/%s", path, names.items[i]);

		rc = read_file(p, r, err);
	}
	if (rc == 0 && names.n == 0)
		rc = irsa_error_set(err, IRSA_ERR_USAGE,
				    "the folder '%s' has no .yaml, .yml or .json file", path);
	irsa_strlist_release(&names);
	return rc;
}

int irsa_apply_read_path(const char *path, struct irsa_apply_request *r,
			 struct irsa_error *err)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return read_stdin(r, err);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return read_dir(path, r, err);
	return read_file(path, r, err);
}

/* ---- checks across files ---- */

static bool share_cluster(const struct irsa_apply_sa *a, const struct irsa_apply_sa *b)
{
	if (!a->clusters.n || !b->clusters.n)
		return true;
	for (size_t i = 0; i < a->clusters.n; i++)
		if (irsa_strlist_contains(&b->clusters, a->clusters.items[i]))
			return true;
	return false;
}

static bool differ(const char *a, const char *b)
{
	return a && b && strcmp(a, b) != 0;
}

/* The role fields two service accounts sharing a role disagree on, or
 * NULL. */
static const char *role_conflict(const struct irsa_apply_sa *a, const struct irsa_apply_sa *b)
{
	if (differ(a->path, b->path))
		return "path";
	if (differ(a->description, b->description))
		return "description";
	if (differ(a->permissions_boundary, b->permissions_boundary))
		return "permissionsBoundary";
	if (a->max_session_duration && b->max_session_duration &&
	    a->max_session_duration != b->max_session_duration)
		return "maxSessionDuration";
	/* the role carries one scope tag; two would take it from each other */
	if (differ(a->scope, b->scope))
		return "scope";
	return NULL;
}

int irsa_apply_request_check(const struct irsa_apply_request *r, struct irsa_error *err)
{
	for (size_t i = 0; i < r->n_sas; i++) {
		const struct irsa_apply_sa *a = &r->sas[i];

		for (size_t k = 0; k < i; k++) {
			const struct irsa_apply_sa *b = &r->sas[k];
			const char *field;

			if (strcmp(a->namespace_, b->namespace_) == 0 && strcmp(a->name, b->name) == 0 &&
			    share_cluster(a, b))
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "%s: service account '%s/%s' is already listed at %s",
						      a->where, a->namespace_, a->name, b->where);
			if (!a->role_name || !b->role_name || strcmp(a->role_name, b->role_name) != 0)
				continue;
			field = role_conflict(a, b);
			if (field)
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "%s: role '%s' is shared with the service account at "
						      "%s, which gives it another '%s'; give both the same "
						      "value or use two roles", a->where, a->role_name,
						      b->where, field);
		}
	}
	return 0;
}
