/* Validation of user-supplied names: Kubernetes, IAM, ARNs. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irsa/endpoints.h"
#include "irsa/names.h"
#include "irsa/strutil.h"

bool irsa_name_has_wildcard(const char *s)
{
	return s && strpbrk(s, "*?") != NULL;
}

static bool is_dns_char(char c, bool wildcard)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       (wildcard && (c == '*' || c == '?'));
}

static bool is_dns_edge(char c, bool wildcard)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (wildcard && (c == '*' || c == '?'));
}

/* One DNS-1123 label of len bytes; returns a short reason or NULL. */
static const char *label_problem(const char *s, size_t len, bool wildcard)
{
	if (len == 0)
		return "is empty";
	if (len > 63)
		return "is longer than 63 characters";
	for (size_t i = 0; i < len; i++)
		if (!is_dns_char(s[i], wildcard))
			return isupper((unsigned char)s[i]) ? "has an upper-case letter"
							    : "has a character other than a-z, 0-9 and '-'";
	if (!is_dns_edge(s[0], wildcard) || !is_dns_edge(s[len - 1], wildcard))
		return "does not start and end with a letter or digit";
	return NULL;
}

int irsa_validate_namespace(const char *ns, unsigned flags, struct irsa_error *err)
{
	const char *why;

	if (!ns)
		ns = "";
	why = label_problem(ns, strlen(ns), flags & IRSA_NAME_WILDCARD);
	if (why)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "namespace '%s' is not a valid DNS-1123 label: it %s; use at "
				      "most 63 of a-z, 0-9 and '-', starting and ending alphanumeric",
				      ns, why);
	return 0;
}

int irsa_validate_service_account(const char *sa, unsigned flags, struct irsa_error *err)
{
	const char *why = NULL;
	size_t len;

	if (!sa)
		sa = "";
	len = strlen(sa);
	if (len > 253)
		why = "is longer than 253 characters";
	for (const char *p = sa; !why;) {
		size_t n = strcspn(p, ".");

		why = label_problem(p, n, flags & IRSA_NAME_WILDCARD);
		if (!p[n])
			break;
		p += n + 1;
	}
	if (why)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "service account name '%s' is not a valid DNS-1123 subdomain: "
				      "a part %s; use at most 253 of a-z, 0-9, '-' and '.'",
				      sa, why);
	return 0;
}

int irsa_subject_make(const char *ns, const char *sa, unsigned flags,
		      struct irsa_subject *ret, struct irsa_error *err)
{
	if (irsa_validate_namespace(ns, flags, err) < 0 ||
	    irsa_validate_service_account(sa, flags, err) < 0)
		return -1;
	ret->ns = irsa_strdup(ns);
	ret->sa = irsa_strdup(sa);
	return 0;
}

int irsa_subject_parse(const char *s, unsigned flags, struct irsa_subject *ret,
		       struct irsa_error *err)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	_cleanup_free_ char *ns = NULL;

	if (!colon || strchr(colon + 1, ':'))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "subject '%s' is not NAMESPACE:SERVICEACCOUNT; for example "
				      "'kube-system:cluster-autoscaler'", s ? s : "");
	ns = irsa_strndup(s, (size_t)(colon - s));
	return irsa_subject_make(ns, colon + 1, flags, ret, err);
}

void irsa_subject_release(struct irsa_subject *s)
{
	if (!s)
		return;
	free(s->ns);
	free(s->sa);
	s->ns = s->sa = NULL;
}

char *irsa_subject_string(const struct irsa_subject *s)
{
	return irsa_asprintf("system:serviceaccount:%s:%s", s->ns, s->sa);
}

static bool is_iam_name_char(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("+=,.@_-", c));
}

static int check_iam_name(const char *what, const char *name, size_t max,
			  struct irsa_error *err)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0)
		return irsa_error_set(err, IRSA_ERR_USAGE, "%s is empty; give 1 to %zu characters",
				      what, max);
	if (len > max)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s '%s' is %zu characters long; IAM allows at most %zu",
				      what, name, len, max);
	for (const char *p = name; *p; p++)
		if (!is_iam_name_char(*p))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "%s '%s' has the character '%c' that IAM does not "
					      "allow; use letters, digits and + = , . @ _ -",
					      what, name, *p);
	return 0;
}

int irsa_validate_role_name(const char *name, struct irsa_error *err)
{
	return check_iam_name("role name", name, IRSA_ROLE_NAME_MAX, err);
}

int irsa_validate_policy_name(const char *name, struct irsa_error *err)
{
	return check_iam_name("policy name", name, 128, err);
}

int irsa_validate_iam_path(const char *path, struct irsa_error *err)
{
	size_t len = path ? strlen(path) : 0;

	if (len == 0 || path[0] != '/' || path[len - 1] != '/' || strstr(path, "//"))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "IAM path '%s' must be '/' or start and end with '/' "
				      "(for example '/irsa/')", path ? path : "");
	if (len > IRSA_IAM_PATH_MAX)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "IAM path '%s' is %zu characters long; IAM allows at most %d",
				      path, len, IRSA_IAM_PATH_MAX);
	for (const char *p = path; *p; p++)
		if (*p <= ' ' || *p > '~')
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "IAM path '%s' has a space or non-ASCII character; "
					      "use printable ASCII only", path);
	return 0;
}

#define CLUSTER_NAME_MAX 100

int irsa_validate_cluster_name(const char *name, struct irsa_error *err)
{
	size_t n = strlen(name);

	if (n == 0 || n > CLUSTER_NAME_MAX || !isalnum((unsigned char)name[0]))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_')
			goto bad;
	return 0;
bad:
	return irsa_error_set(err, IRSA_ERR_USAGE,
			      "cluster name '%s' is not valid: 1 to %d letters, digits, '-' and "
			      "'_', starting with a letter or digit", name, CLUSTER_NAME_MAX);
}

int irsa_validate_account_id(const char *id, struct irsa_error *err)
{
	size_t len = id ? strlen(id) : 0;

	if (len != 12 || strspn(id, "0123456789") != 12)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "account id '%s' is not 12 digits", id ? id : "");
	return 0;
}

void irsa_arn_release(struct irsa_arn *a)
{
	if (!a)
		return;
	free(a->partition);
	free(a->service);
	free(a->region);
	free(a->account);
	free(a->resource);
	memset(a, 0, sizeof(*a));
}

int irsa_arn_parse(const char *s, const char *what, struct irsa_arn *ret,
		   struct irsa_error *err)
{
	struct irsa_arn a = { 0 };
	char *fields[5] = { 0 };
	const char *p;
	int i;

	if (!s || !irsa_str_has_prefix(s, "arn:"))
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s '%s' is not an ARN; expected "
				      "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE",
				      what, s ? s : "");
	p = s + 4;
	for (i = 0; i < 4; i++) {
		const char *c = strchr(p, ':');

		if (!c)
			break;
		fields[i] = irsa_strndup(p, (size_t)(c - p));
		p = c + 1;
	}
	if (i < 4) {
		for (int j = 0; j < i; j++)
			free(fields[j]);
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "%s '%s' is not an ARN: it has fewer than six ':'-separated "
				      "parts; expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE",
				      what, s);
	}
	fields[4] = irsa_strdup(p);
	a.partition = fields[0];
	a.service = fields[1];
	a.region = fields[2];
	a.account = fields[3];
	a.resource = fields[4];
	if (!irsa_partition_by_id(a.partition)) {
		irsa_error_set(err, IRSA_ERR_USAGE,
			       "%s '%s' has the unknown partition '%s'; use aws, aws-cn or aws-us-gov",
			       what, s, a.partition);
		goto fail;
	}
	if (!*a.service || !*a.resource) {
		irsa_error_set(err, IRSA_ERR_USAGE, "%s '%s' has an empty %s", what, s,
			       !*a.service ? "service" : "resource");
		goto fail;
	}
	for (const char *q = s; *q; q++)
		if (*q <= ' ' || *q > '~' || *q == '"' || *q == '\\') {
			irsa_error_set(err, IRSA_ERR_USAGE,
				       "%s '%s' has a space, quote or non-ASCII character", what, s);
			goto fail;
		}
	if (ret)
		*ret = a;
	else
		irsa_arn_release(&a);
	return 0;
fail:
	irsa_arn_release(&a);
	return -1;
}

static int parse_iam_arn(const char *s, const char *what, bool aws_account_ok,
			 struct irsa_arn *a, struct irsa_error *err)
{
	if (irsa_arn_parse(s, what, a, err) < 0)
		return -1;
	if (strcmp(a->service, "iam") != 0 || *a->region) {
		irsa_error_set(err, IRSA_ERR_USAGE,
			       "%s '%s' is not an IAM ARN; expected arn:%s:iam::ACCOUNT:...", what, s,
			       a->partition);
		goto fail;
	}
	if (!(aws_account_ok && strcmp(a->account, "aws") == 0) &&
	    irsa_validate_account_id(a->account, NULL) < 0) {
		irsa_error_set(err, IRSA_ERR_USAGE,
			       "%s '%s' has the account '%s'; an account id is 12 digits", what, s,
			       a->account);
		goto fail;
	}
	return 0;
fail:
	irsa_arn_release(a);
	return -1;
}

int irsa_validate_policy_arn(const char *s, const char *what, struct irsa_error *err)
{
	struct irsa_arn a = { 0 };
	int r = 0;

	if (parse_iam_arn(s, what, true, &a, err) < 0)
		return -1;
	if (!irsa_str_has_prefix(a.resource, "policy/") || !a.resource[7])
		r = irsa_error_set(err, IRSA_ERR_USAGE,
				   "%s '%s' is not a policy ARN; expected arn:%s:iam::ACCOUNT:policy/NAME",
				   what, s, a.partition);
	irsa_arn_release(&a);
	return r;
}

int irsa_validate_principal_arn(const char *s, const char *what, struct irsa_error *err)
{
	struct irsa_arn a = { 0 };
	int r = 0;

	if (parse_iam_arn(s, what, false, &a, err) < 0)
		return -1;
	if (strcmp(a.resource, "root") != 0 &&
	    !((irsa_str_has_prefix(a.resource, "role/") && a.resource[5]) ||
	      (irsa_str_has_prefix(a.resource, "user/") && a.resource[5])))
		r = irsa_error_set(err, IRSA_ERR_USAGE,
				   "%s '%s' is not a role, user or account root ARN; expected "
				   "arn:%s:iam::ACCOUNT:role/NAME or arn:%s:iam::ACCOUNT:root",
				   what, s, a.partition, a.partition);
	irsa_arn_release(&a);
	return r;
}

unsigned irsa_name_hash(const char *s)
{
	unsigned h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

void irsa_iam_name_sanitize(char *name)
{
	for (char *p = name; *p; p++)
		if (!is_iam_name_char(*p))
			*p = '-';
}

char *irsa_default_role_name(const char *cluster, const char *ns, const char *sa)
{
	struct irsa_buf b = IRSA_BUF_INIT;
	char *name;

	irsa_buf_puts(&b, "irsa-");
	if (cluster && *cluster)
		irsa_buf_printf(&b, "%s-", cluster);
	irsa_buf_printf(&b, "%s-%s", ns, sa);
	name = irsa_buf_detach(&b);
	irsa_iam_name_sanitize(name);
	if (strlen(name) > IRSA_ROLE_NAME_MAX) {
		/* 55 readable characters, '-', 8 hex digits = 64. */
		unsigned h = irsa_name_hash(name);

		snprintf(name + IRSA_ROLE_NAME_MAX - 9, 10, "-%08x", h);
	}
	return name;
}
