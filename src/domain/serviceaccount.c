/* The IRSA ServiceAccount as data: validation, the owned set, the
 * --overwrite rule. No network here (see serviceaccount-apply.c). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/endpoints.h"
#include "irsa/names.h"
#include "irsa/serviceaccount.h"
#include "irsa/strutil.h"

static const char *const owned_annotations[] = {
	IRSA_SA_ANNOTATION_ROLE_ARN,
	IRSA_SA_ANNOTATION_AUDIENCE,
	IRSA_SA_ANNOTATION_STS_REGIONAL,
	IRSA_SA_ANNOTATION_TOKEN_EXPIRATION,
};

/* ---- Kubernetes names ---------------------------------------------------- */

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return isascii((unsigned char)c) && isalnum((unsigned char)c);
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) */
static bool dns_label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool dns_subdomain_ok(const char *s, size_t n)
{
	size_t start = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (!dns_label_ok(s + start, i - start))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63 */
static bool name_part_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

int irsa_k8s_check_qualified_name(const char *key, const char *what, struct irsa_error *err)
{
	const char *slash = strchr(key, '/');
	const char *name = slash ? slash + 1 : key;

	if (slash && !dns_subdomain_ok(key, (size_t)(slash - key)))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s '%s' has an invalid prefix: the part before '/' must be a DNS "
				      "subdomain such as 'example.com'", what, key);
	if (!name_part_ok(name, strlen(name)))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s '%s' is not valid: the name%s must be 1-63 letters, digits, "
				      "'-', '_' or '.', starting and ending with a letter or digit",
				      what, key, slash ? " after '/'" : "");
	return 0;
}

int irsa_k8s_check_label_value(const char *key, const char *value, struct irsa_error *err)
{
	if (*value && !name_part_ok(value, strlen(value)))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "value '%s' of label '%s' is not valid: use at most 63 letters, "
				      "digits, '-', '_' or '.', starting and ending with a letter or digit",
				      value, key);
	return 0;
}

static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n;
		unsigned cp;

		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xE0) == 0xC0) {
			n = 1;
			cp = *p & 0x1F;
		} else if ((*p & 0xF0) == 0xE0) {
			n = 2;
			cp = *p & 0x0F;
		} else if ((*p & 0xF8) == 0xF0) {
			n = 3;
			cp = *p & 0x07;
		} else {
			return false;
		}
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		p += n + 1;
	}
	return true;
}

/* ---- role ARNs ----------------------------------------------------------- */

/* The same rule as the builder's (irsa_validate_iam_path). */
static bool role_path_ok(const char *s, size_t n)
{
	_cleanup_free_ char *path = irsa_strndup(s, n);

	return irsa_validate_iam_path(path, NULL) == 0;
}

static int check_name_path(const char *name, const char *path, struct irsa_error *err)
{
	if (irsa_validate_role_name(name, err) < 0)
		return -1;
	return path ? irsa_validate_iam_path(path, err) : 0;
}

int irsa_role_arn_parse(const char *arn, struct irsa_role_arn *ret, struct irsa_error *err)
{
	struct irsa_role_arn r = { 0 };
	const char *p, *colon, *res, *last;
	size_t n;

	if (!irsa_str_has_prefix(arn, "arn:"))
		goto bad;
	p = arn + 4;
	colon = strchr(p, ':');
	if (!colon || (size_t)(colon - p) >= sizeof(r.partition))
		goto bad;
	memcpy(r.partition, p, (size_t)(colon - p));
	if (!irsa_partition_by_id(r.partition))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "role ARN '%s' has an unknown partition '%s'; use aws, aws-cn, "
				      "aws-us-gov, aws-iso or aws-iso-b", arn, r.partition);
	p = colon + 1;
	if (!irsa_str_has_prefix(p, "iam::"))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "'%s' is not an IAM role ARN: expected "
				      "'arn:%s:iam::ACCOUNT:role/NAME'", arn, r.partition);
	p += 5;
	colon = strchr(p, ':');
	n = colon ? (size_t)(colon - p) : 0;
	if (n != 12 || strspn(p, "0123456789") != 12)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "role ARN '%s' has an invalid account id: it must be 12 digits",
				      arn);
	memcpy(r.account, p, 12);
	res = colon + 1;
	if (!irsa_str_has_prefix(res, "role/"))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "'%s' is not an IAM role ARN: the resource must be 'role/NAME' "
				      "or 'role/PATH/NAME'", arn);
	res += 4; /* at the '/' that starts the path */
	last = strrchr(res, '/');
	n = (size_t)(last - res) + 1;
	if (!role_path_ok(res, n) || n >= sizeof(r.path))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "role ARN '%s' has an invalid path '%.*s'", arn, (int)n, res);
	memcpy(r.path, res, n);
	if (irsa_validate_role_name(last + 1, NULL) < 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "role ARN '%s' has an invalid role name '%s': use 1-64 letters, "
				      "digits and '+=,.@_-'", arn, last + 1);
	strcpy(r.name, last + 1);
	if (ret)
		*ret = r;
	return 0;
bad:
	return irsa_error_set(err, IRSA_ERR_USAGE,
			      "'%s' is not a role ARN: expected 'arn:PARTITION:iam::ACCOUNT:role/NAME'",
			      arn);
}

int irsa_role_arn_build(const char *partition, const char *account, const char *path,
			const char *name, char **ret, struct irsa_error *err)
{
	_cleanup_free_ char *arn = NULL;

	if (check_name_path(name, path, err) < 0)
		return -1;
	arn = irsa_asprintf("arn:%s:iam::%s:role%s%s", partition, account, path ? path : "/", name);
	if (irsa_role_arn_parse(arn, NULL, err) < 0)
		return -1;
	*ret = TAKE_PTR(arn);
	return 0;
}

/* ---- the spec ------------------------------------------------------------ */

static void kv_add(struct irsa_sa_kv **list, size_t *n, const char *key, const char *value)
{
	*list = irsa_realloc(*list, (*n + 1) * sizeof(**list));
	(*list)[*n].key = irsa_strdup(key);
	(*list)[*n].value = value ? irsa_strdup(value) : NULL;
	(*n)++;
}

static struct irsa_sa_kv *kv_find(struct irsa_sa_kv *list, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].key, key) == 0)
			return &list[i];
	return NULL;
}

static void warn(struct irsa_sa_spec *s, char *msg)
{
	s->warnings = irsa_realloc(s->warnings, (s->n_warnings + 1) * sizeof(char *));
	s->warnings[s->n_warnings++] = msg;
}

void irsa_sa_spec_release(struct irsa_sa_spec *s)
{
	if (!s)
		return;
	free(s->namespace);
	free(s->name);
	free(s->role_name);
	free(s->role_path);
	for (size_t i = 0; i < s->n_annotations; i++) {
		free(s->annotations[i].key);
		free(s->annotations[i].value);
	}
	free(s->annotations);
	for (size_t i = 0; i < s->n_labels; i++) {
		free(s->labels[i].key);
		free(s->labels[i].value);
	}
	free(s->labels);
	for (size_t i = 0; i < s->n_warnings; i++)
		free(s->warnings[i]);
	free(s->warnings);
	memset(s, 0, sizeof(*s));
}

static bool is_owned_annotation(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(owned_annotations); i++)
		if (strcmp(key, owned_annotations[i]) == 0)
			return true;
	return false;
}

static const char *owned_flag(const char *key)
{
	if (strcmp(key, IRSA_SA_ANNOTATION_ROLE_ARN) == 0)
		return "--role-arn or --role-name";
	if (strcmp(key, IRSA_SA_ANNOTATION_AUDIENCE) == 0)
		return "--audience";
	if (strcmp(key, IRSA_SA_ANNOTATION_STS_REGIONAL) == 0)
		return "--sts-regional-endpoints";
	return "--token-expiration";
}

/* "key=value" (or "key" alone when remove) into list, validated. */
static int add_pair(struct irsa_sa_spec *s, const char *arg, bool is_label, struct irsa_error *err)
{
	const char *flag = is_label ? "--label" : "--annotation";
	const char *what = is_label ? "label key" : "annotation key";
	const char *eq = strchr(arg, '=');
	_cleanup_free_ char *key = eq ? irsa_strndup(arg, (size_t)(eq - arg)) : irsa_strdup(arg);
	const char *value = eq ? eq + 1 : NULL;
	struct irsa_sa_kv **list = is_label ? &s->labels : &s->annotations;
	size_t *n = is_label ? &s->n_labels : &s->n_annotations;

	if (!value && !s->remove)
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s '%s' needs a value: use %s KEY=VALUE",
				      flag, arg, flag);
	if (!*key)
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s '%s' has an empty key; use %s KEY=VALUE",
				      flag, arg, flag);
	if (!utf8_valid(arg))
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s '%s' is not valid UTF-8", flag, arg);
	if (irsa_k8s_check_qualified_name(key, what, err) < 0)
		return -1;
	if (!is_label && is_owned_annotation(key) && !s->remove)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "annotation '%s' is written by %s; do not pass it with --annotation",
				      key, owned_flag(key));
	if (is_label && value && !s->remove && irsa_k8s_check_label_value(key, value, err) < 0)
		return -1;
	if (kv_find(*list, *n, key))
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s '%s' is given more than once", what, key);
	kv_add(list, n, key, s->remove ? NULL : value);
	return 0;
}

static int parse_expiration(struct irsa_sa_spec *s, const char *v, char **ret,
			    struct irsa_error *err)
{
	unsigned long secs;
	char *end;

	errno = 0;
	secs = strtoul(v, &end, 10);
	if (!*v || !isdigit((unsigned char)v[0]) || *end || errno || secs == 0 || secs > 100000000ul)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "token expiration '%s' is not valid: give a number of seconds "
				      "between %d and %d", v, IRSA_SA_TOKEN_EXPIRATION_MIN,
				      IRSA_SA_TOKEN_EXPIRATION_MAX);
	if (secs < IRSA_SA_TOKEN_EXPIRATION_MIN)
		warn(s, irsa_asprintf("token expiration %lu is below %d seconds; the pod identity "
				      "webhook raises it to %d", secs, IRSA_SA_TOKEN_EXPIRATION_MIN,
				      IRSA_SA_TOKEN_EXPIRATION_MIN));
	if (secs > IRSA_SA_TOKEN_EXPIRATION_MAX)
		warn(s, irsa_asprintf("token expiration %lu is above %d seconds; the pod identity "
				      "webhook caps it at %d", secs, IRSA_SA_TOKEN_EXPIRATION_MAX,
				      IRSA_SA_TOKEN_EXPIRATION_MAX));
	*ret = irsa_asprintf("%lu", secs);
	return 0;
}

int irsa_sa_spec_set_namespace(struct irsa_sa_spec *s, const char *ns, struct irsa_error *err)
{
	if (irsa_validate_namespace(ns, 0, err) < 0)
		return -1;
	free(s->namespace);
	s->namespace = irsa_strdup(ns);
	return 0;
}

int irsa_sa_spec_build(const struct irsa_sa_options *o, bool allow_no_namespace,
		       struct irsa_sa_spec *ret, struct irsa_error *err)
{
	struct irsa_sa_spec *s = ret;
	size_t total = 0;

	memset(s, 0, sizeof(*s));
	s->remove = o->remove;
	if (!o->namespace && !allow_no_namespace)
		return irsa_error_set(err, IRSA_ERR_USAGE, "--namespace is required");
	if (o->namespace && irsa_sa_spec_set_namespace(s, o->namespace, err) < 0)
		return -1;
	if (!o->name)
		return irsa_error_set(err, IRSA_ERR_USAGE, "--service-account is required");
	if (irsa_validate_service_account(o->name, 0, err) < 0)
		return -1;
	s->name = irsa_strdup(o->name);

	if (o->remove) {
		if (o->role_arn || o->role_name || o->audience || o->sts_regional_endpoints ||
		    o->token_expiration || o->role_path)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "--remove takes the IRSA annotations off and accepts no "
					      "values; drop --role-arn, --role-name, --path, --audience, "
					      "--sts-regional-endpoints and --token-expiration");
		for (size_t i = 0; i < ARRAY_SIZE(owned_annotations); i++)
			kv_add(&s->annotations, &s->n_annotations, owned_annotations[i], NULL);
		s->role_resolved = true;
	} else {
		if (!!o->role_arn == !!o->role_name)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      o->role_arn ? "give either --role-arn or --role-name, not both"
							  : "--role-arn or --role-name is required");
		if (o->role_path && !o->role_name)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "--path goes with --role-name; a role ARN already holds "
					      "its path");
		if (o->role_arn) {
			if (irsa_role_arn_parse(o->role_arn, NULL, err) < 0)
				return -1;
			kv_add(&s->annotations, &s->n_annotations, IRSA_SA_ANNOTATION_ROLE_ARN,
			       o->role_arn);
			s->role_resolved = true;
		} else {
			if (check_name_path(o->role_name, o->role_path, err) < 0)
				return -1;
			s->role_name = irsa_strdup(o->role_name);
			s->role_path = irsa_strdup(o->role_path ? o->role_path : "/");
			/* placeholder, filled by irsa_sa_spec_resolve_role() */
			kv_add(&s->annotations, &s->n_annotations, IRSA_SA_ANNOTATION_ROLE_ARN, NULL);
		}
		if (o->audience) {
			if (!*o->audience || !utf8_valid(o->audience))
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "audience '%s' is not valid: give a non-empty "
						      "UTF-8 string such as 'sts.amazonaws.com'",
						      o->audience);
			kv_add(&s->annotations, &s->n_annotations, IRSA_SA_ANNOTATION_AUDIENCE,
			       o->audience);
		}
		if (o->sts_regional_endpoints) {
			if (strcmp(o->sts_regional_endpoints, "true") != 0 &&
			    strcmp(o->sts_regional_endpoints, "false") != 0)
				return irsa_error_set(err, IRSA_ERR_USAGE,
						      "--sts-regional-endpoints is '%s'; use 'true' or "
						      "'false'", o->sts_regional_endpoints);
			kv_add(&s->annotations, &s->n_annotations, IRSA_SA_ANNOTATION_STS_REGIONAL,
			       o->sts_regional_endpoints);
		}
		if (o->token_expiration) {
			_cleanup_free_ char *v = NULL;

			if (parse_expiration(s, o->token_expiration, &v, err) < 0)
				return -1;
			kv_add(&s->annotations, &s->n_annotations,
			       IRSA_SA_ANNOTATION_TOKEN_EXPIRATION, v);
		}
	}
	for (size_t i = 0; i < o->n_annotations; i++)
		if (add_pair(s, o->annotations[i], false, err) < 0)
			return -1;
	for (size_t i = 0; i < o->n_labels; i++)
		if (add_pair(s, o->labels[i], true, err) < 0)
			return -1;
	for (size_t i = 0; i < s->n_annotations; i++)
		total += strlen(s->annotations[i].key) +
			 (s->annotations[i].value ? strlen(s->annotations[i].value) : 0);
	if (total > 256 * 1024)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "the annotations are %zu bytes; Kubernetes allows at most 262144",
				      total);
	return 0;
}

const char *irsa_sa_spec_role_arn(const struct irsa_sa_spec *s)
{
	struct irsa_sa_kv *kv;

	if (s->remove)
		return NULL;
	kv = kv_find(s->annotations, s->n_annotations, IRSA_SA_ANNOTATION_ROLE_ARN);
	return kv ? kv->value : NULL;
}

static json_t *kv_object(const struct irsa_sa_kv *list, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, list[i].key, json_string(list[i].value ? list[i].value : ""));
	return o;
}

json_t *irsa_sa_spec_object(const struct irsa_sa_spec *s)
{
	json_t *md = json_pack("{s:s, s:s}", "name", s->name, "namespace",
			       s->namespace ? s->namespace : "default");

	if (!s->remove) {
		if (s->n_labels)
			json_object_set_new(md, "labels", kv_object(s->labels, s->n_labels));
		json_object_set_new(md, "annotations", kv_object(s->annotations, s->n_annotations));
	}
	return json_pack("{s:s, s:s, s:o}", "apiVersion", "v1", "kind", "ServiceAccount",
			 "metadata", md);
}

const char *irsa_sa_status_name(enum irsa_sa_status st)
{
	switch (st) {
	case IRSA_SA_CREATED:
		return "created";
	case IRSA_SA_UPDATED:
		return "updated";
	case IRSA_SA_UNCHANGED:
		break;
	}
	return "unchanged";
}

static const char *obj_str(const json_t *o, const char *key)
{
	return o ? json_string_value(json_object_get(o, key)) : NULL;
}

static bool kv_changed(const struct irsa_sa_kv *list, size_t n, bool remove, const json_t *cur)
{
	for (size_t i = 0; i < n; i++) {
		json_t *v = cur ? json_object_get(cur, list[i].key) : NULL;

		if (remove ? v != NULL : !json_is_string(v) ||
					 strcmp(json_string_value(v), list[i].value) != 0)
			return true;
	}
	return false;
}

int irsa_sa_check(const struct irsa_sa_spec *s, const json_t *annotations, const json_t *labels,
		  bool overwrite, const char *where, bool *ret_changed, struct irsa_error *err)
{
	const char *want = irsa_sa_spec_role_arn(s);
	const char *have = obj_str(annotations, IRSA_SA_ANNOTATION_ROLE_ARN);

	if (!s->role_resolved)
		return irsa_error_set(err, IRSA_ERR_INTERNAL, "the role ARN is not resolved yet");
	if (want && have && strcmp(want, have) != 0 && !overwrite)
		return irsa_error_set(err, IRSA_ERR_CONFLICT,
				      "service account '%s/%s' in %s already has %s '%s'; pass "
				      "--overwrite to replace it with '%s'",
				      s->namespace ? s->namespace : "default", s->name, where,
				      IRSA_SA_ANNOTATION_ROLE_ARN, have, want);
	*ret_changed = kv_changed(s->annotations, s->n_annotations, s->remove, annotations) ||
		       kv_changed(s->labels, s->n_labels, s->remove, labels);
	return 0;
}

static void merge_list(const struct irsa_sa_kv *list, size_t n, bool remove, json_t *o)
{
	for (size_t i = 0; i < n; i++) {
		if (remove)
			json_object_del(o, list[i].key);
		else
			json_object_set_new(o, list[i].key, json_string(list[i].value));
	}
}

void irsa_sa_merge(const struct irsa_sa_spec *s, json_t *annotations, json_t *labels)
{
	if (annotations)
		merge_list(s->annotations, s->n_annotations, s->remove, annotations);
	if (labels)
		merge_list(s->labels, s->n_labels, s->remove, labels);
}
