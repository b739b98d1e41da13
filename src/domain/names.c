/* Validation of user-supplied names: Kubernetes, IAM, ARNs. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	return check_iam_name("policy name", name, IRSA_POLICY_NAME_MAX, err);
}

int irsa_validate_iam_path(const char *path, struct irsa_error *err)
{
	size_t len = path ? strlen(path) : 0;

	/* IAM's pattern: (/)|(/[\x21-\x7e]+/), at most 512 */
	if (len == 0 || path[0] != '/' || path[len - 1] != '/' || len == 2)
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

/* ---- UTF-8, descriptions, tags ------------------------------------------ */

int irsa_utf8_next(const char **p, unsigned *cp)
{
	const unsigned char *s = (const unsigned char *)*p;
	unsigned c = s[0], n, min;

	if (c < 0x80) {
		n = 0, min = 0;
	} else if ((c & 0xe0) == 0xc0) {
		n = 1, min = 0x80, c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2, min = 0x800, c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3, min = 0x10000, c &= 0x07;
	} else {
		return -1;
	}
	for (unsigned i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	*p += n + 1;
	return 0;
}

size_t irsa_utf8_length(const char *s)
{
	size_t n = 0;
	unsigned cp;

	while (*s) {
		if (irsa_utf8_next(&s, &cp) < 0)
			return (size_t)-1;
		n++;
	}
	return n;
}

#define DESCRIPTION_MAX 1000

static bool description_char_ok(unsigned cp)
{
	return cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x20 && cp <= 0x7e) ||
	       (cp >= 0xa1 && cp <= 0xff);
}

int irsa_validate_role_description(const char *s, struct irsa_error *err)
{
	size_t chars = 0;
	unsigned cp;

	for (const char *p = s; p && *p; chars++) {
		if (irsa_utf8_next(&p, &cp) < 0)
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "--description is not valid UTF-8; give it as UTF-8 text");
		if (!description_char_ok(cp))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "--description has the character U+%04X that IAM does not "
					      "allow; use tab, newline and the Latin-1 printable "
					      "characters (U+0020-U+007E, U+00A1-U+00FF)", cp);
	}
	if (chars > DESCRIPTION_MAX)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "--description is %zu characters long and IAM allows %d; "
				      "shorten it", chars, DESCRIPTION_MAX);
	return 0;
}

#define TAG_KEY_MAX 128
#define TAG_VALUE_MAX 256

/* IAM's [\p{L}\p{Z}\p{N}_.:/=+\-@]: ASCII letters, digits, space and
 * those signs; beyond ASCII, letters, numbers and spaces (the Latin-1
 * signs and controls are refused; beyond Latin-1 everything printable is
 * let through, IAM has the final word there). */
static bool tag_char_ok(unsigned cp)
{
	if (cp < 0x80)
		return isalnum((int)cp) || cp == ' ' || strchr("_.:/=+-@", (int)cp);
	if (cp < 0xa0)
		return false;
	if (cp < 0xc0)
		return cp == 0xa0 || cp == 0xaa || cp == 0xb2 || cp == 0xb3 || cp == 0xb5 ||
		       cp == 0xb9 || cp == 0xba || (cp >= 0xbc && cp <= 0xbe);
	if (cp <= 0xff)
		return cp != 0xd7 && cp != 0xf7;
	return true;
}

static int check_tag_text(const char *key, const char *what, const char *s, size_t max,
			  struct irsa_error *err)
{
	size_t chars = 0;
	unsigned cp;

	for (const char *p = s; *p; chars++)
		if (irsa_utf8_next(&p, &cp) < 0 || !tag_char_ok(cp))
			return irsa_error_set(err, IRSA_ERR_USAGE,
					      "tag '%s': the %s may contain only letters, digits, "
					      "spaces and _.:/=+-@", key, what);
	if (chars > max)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "tag '%s': the %s is %zu characters long and IAM allows %zu",
				      key, what, chars, max);
	return 0;
}

int irsa_validate_tag(const char *key, const char *value, struct irsa_error *err)
{
	if (!key || !*key)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "a tag has an empty key; give KEY=VALUE (e.g. --tag team=payments)");
	if (check_tag_text(key, "key", key, TAG_KEY_MAX, err) < 0 ||
	    check_tag_text(key, "value", value ? value : "", TAG_VALUE_MAX, err) < 0)
		return -1;
	if (strncasecmp(key, "aws:", 4) == 0)
		return irsa_error_set(err, IRSA_ERR_USAGE,
				      "tag '%s': keys starting with 'aws:' are reserved by AWS; "
				      "choose another key", key);
	return 0;
}

const struct irsa_kv *irsa_tags_find(const struct irsa_tags *t, const char *key)
{
	for (size_t i = 0; t && i < t->n; i++)
		if (strcasecmp(t->items[i].key, key) == 0)
			return &t->items[i];
	return NULL;
}

int irsa_validate_policy_arn_in(const char *s, const char *what, const char *partition,
				struct irsa_error *err)
{
	struct irsa_arn a = { 0 };
	int r = 0;

	if (irsa_validate_policy_arn(s, what, err) < 0)
		return -1;
	if (!partition || irsa_arn_parse(s, what, &a, err) < 0)
		return partition ? -1 : 0;
	if (strcmp(a.partition, partition) != 0)
		r = irsa_error_set(err, IRSA_ERR_USAGE,
				   "%s '%s' is in the partition '%s' but the account is in '%s'; "
				   "use 'arn:%s:iam::%s:%s'", what, s, a.partition, partition,
				   partition, a.account, a.resource);
	irsa_arn_release(&a);
	return r;
}
