#pragma once
/* Validation and parsing of the names irsactl accepts from users:
 * Kubernetes namespaces and ServiceAccount names, "NS:SA" subjects, IAM
 * role names and paths, ARNs, account ids and the default role name. Pure functions, no I/O. Every validator returns 0, or -1 with
 * IRSA_ERR_USAGE and a message naming the value, the rule it breaks and
 * what a valid value looks like. */
#include <stdbool.h>
#include <stddef.h>
#include "irsa/aws_config.h"
#include "irsa/error.h"
#include "irsa/strlist.h"

#define IRSA_ROLE_NAME_MAX 64
#define IRSA_IAM_PATH_MAX 512
#define IRSA_POLICY_NAME_MAX 128

enum irsa_name_flags {
	IRSA_NAME_WILDCARD = 1 << 0, /* '*' and '?' allowed (IAM StringLike) */
};

/* True when s contains '*' or '?'. */
bool irsa_name_has_wildcard(const char *s);

/* DNS-1123 label: 1-63 of [a-z0-9-], starting and ending alphanumeric. */
int irsa_validate_namespace(const char *ns, unsigned flags, struct irsa_error *err);
/* DNS-1123 subdomain: 1-253, dot-separated labels of [a-z0-9-]. */
int irsa_validate_service_account(const char *sa, unsigned flags, struct irsa_error *err);

/* One ServiceAccount, "NAMESPACE:NAME". */
struct irsa_subject {
	char *ns;
	char *sa;
};
/* Parse and validate "NS:SA". Caller releases ret. */
int irsa_subject_parse(const char *s, unsigned flags, struct irsa_subject *ret,
		       struct irsa_error *err);
/* Validate ns and sa, and fill ret with copies. */
int irsa_subject_make(const char *ns, const char *sa, unsigned flags,
		      struct irsa_subject *ret, struct irsa_error *err);
void irsa_subject_release(struct irsa_subject *s);
/* "system:serviceaccount:NS:SA", malloc'd. */
char *irsa_subject_string(const struct irsa_subject *s);

/* IAM role name: 1-64 of [A-Za-z0-9+=,.@_-]. */
int irsa_validate_role_name(const char *name, struct irsa_error *err);
/* IAM path, IAM's pattern (/)|(/[!-~]+/): "/" or "/a/b/", at most 512
 * printable ASCII characters without spaces ("/a//b/" is allowed, "//"
 * is not). Role ARNs (irsa_role_arn_parse) are checked with this rule. */
int irsa_validate_iam_path(const char *path, struct irsa_error *err);
/* IAM managed/inline policy name: 1-128 of [A-Za-z0-9+=,.@_-]. */
int irsa_validate_policy_name(const char *name, struct irsa_error *err);
/* EKS cluster name: 1-100 of [A-Za-z0-9_-], starting alphanumeric. */
int irsa_validate_cluster_name(const char *name, struct irsa_error *err);
/* Twelve decimal digits. */
int irsa_validate_account_id(const char *id, struct irsa_error *err);

/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE */
struct irsa_arn {
	char *partition;
	char *service;
	char *region;
	char *account;
	char *resource;
};
/* Parse an ARN; the partition must be a known one (aws, aws-cn,
 * aws-us-gov, ...), service and resource non-empty. `what` names the
 * value in messages ("--permissions-boundary"). Caller releases ret
 * (ret may be NULL to only validate). */
int irsa_arn_parse(const char *s, const char *what, struct irsa_arn *ret,
		   struct irsa_error *err);
void irsa_arn_release(struct irsa_arn *a);
/* An IAM policy ARN: arn:P:iam::ACCOUNT|aws:policy/... */
int irsa_validate_policy_arn(const char *s, const char *what, struct irsa_error *err);
/* An IAM principal ARN for sts:AssumeRole: arn:P:iam::ACCOUNT:root,
 * ...:role/NAME or ...:user/NAME. */
int irsa_validate_principal_arn(const char *s, const char *what, struct irsa_error *err);

/* Tags ("--tag KEY=VALUE") are parsed by irsa_tag_arg_parse() in oidc.h,
 * with these checks: key 1-128 and value 0-256 characters of letters,
 * digits, spaces and _.:/=+-@ (UTF-8; non-ASCII letters allowed), keys
 * not starting with "aws:" (any case). */
int irsa_validate_tag(const char *key, const char *value, struct irsa_error *err);
/* IAM tag keys are unique case-insensitively: the tag of t whose key
 * equals key ignoring ASCII case, or NULL. */
const struct irsa_kv *irsa_tags_find(const struct irsa_tags *t, const char *key);

/* A role description as IAM accepts it: at most 1,000 characters (not
 * bytes) of tab, LF, CR, U+0020-U+007E and U+00A1-U+00FF, valid UTF-8. */
int irsa_validate_role_description(const char *s, struct irsa_error *err);

/* A policy ARN (irsa_validate_policy_arn) in the given partition; one of
 * another partition is refused with the ARN it should be. */
int irsa_validate_policy_arn_in(const char *s, const char *what, const char *partition,
				struct irsa_error *err);

/* Decode the UTF-8 character at *p into *cp and advance *p; -1 (and *p
 * unchanged) on an invalid or overlong sequence or a surrogate. */
int irsa_utf8_next(const char **p, unsigned *cp);
/* Number of characters of a valid UTF-8 string, (size_t)-1 if invalid. */
size_t irsa_utf8_length(const char *s);

/* Replace, in place, every character IAM does not allow in a role or
 * policy name with '-'. */
void irsa_iam_name_sanitize(char *name);

/* A readable, deterministic role name "irsa-CLUSTER-NS-SA" (characters
 * outside the IAM set replaced by '-'); when longer than 64, cut and
 * suffixed with "-" and 8 hex digits of a stable hash of the full name.
 * cluster may be NULL. malloc'd. */
char *irsa_default_role_name(const char *cluster, const char *ns, const char *sa);

/* FNV-1a 32-bit: a stable hash for names and statement ids. */
unsigned irsa_name_hash(const char *s);
