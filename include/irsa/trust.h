#pragma once
/* IRSA trust policies (the role's AssumeRolePolicyDocument) and policy
 * documents in general: render, merge into an existing document, remove
 * a subject or a provider, compare canonically, check IAM's size limit.
 * Pure functions on jansson values; no I/O.
 *
 * Statement ownership. irsactl marks the statements it writes with a Sid
 * that starts with "Irsactl":
 *   - "IrsactlOidc" + 8 hex digits (FNV-1a of "PROVIDER_ARN\nAUDIENCE"):
 *     one statement per OIDC provider and audience, Federated principal,
 *     sts:AssumeRoleWithWebIdentity, StringEquals on ISSUER:aud and
 *     StringEquals (or StringLike when a name has '*' or '?') on ISSUER:sub;
 *   - "IrsactlAssumeRole" + 8 hex digits (FNV-1a of the principal ARN):
 *     the --trust-role-arn sts:AssumeRole statements (with a StringEquals
 *     sts:ExternalId condition when an external ID is given);
 *   - "IrsactlPodIdentity": EKS Pod Identity, Service principal
 *     pods.eks.amazonaws.com, actions sts:AssumeRole and sts:TagSession.
 * Only statements with these Sids are ever changed or removed; every other
 * statement is kept as it is. When merging, a subject (or an AssumeRole
 * principal) already granted by a statement irsactl did not write is not
 * added again: the same principal and action, no condition but ISSUER:sub
 * and ISSUER:aud, the subject among its subs (or matched by a StringLike
 * pattern), the audience among its auds or no aud condition at all.
 *
 * Every string that goes into a document must be UTF-8 (jansson refuses
 * the rest); a constructor that fails is an error, never a statement or
 * condition silently left out.
 *
 * Documents are compared canonically, as IAM may give them back in another
 * shape: key order ignored, a one-element list equals its only element,
 * lists of strings are sets, statements are compared as a set. */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "irsa/error.h"
#include "irsa/names.h"

#define IRSA_TRUST_SIZE_LIMIT 2048      /* IAM default, characters without whitespace */
#define IRSA_TRUST_SIZE_LIMIT_MAX 4096  /* the most a quota increase gives */
#define IRSA_DEFAULT_AUDIENCE "sts.amazonaws.com"
#define IRSA_SID_PREFIX "Irsactl"
#define IRSA_SID_OIDC "IrsactlOidc"
#define IRSA_SID_ASSUME "IrsactlAssumeRole"
#define IRSA_SID_POD_IDENTITY "IrsactlPodIdentity"
#define IRSA_POD_IDENTITY_SERVICE "pods.eks.amazonaws.com"

struct irsa_trust_provider {
	const char *issuer; /* host/path without "https://", as IAM names the provider */
	const struct irsa_subject *subjects;
	size_t n_subjects;
};

struct irsa_trust_spec {
	const char *partition;  /* "aws", "aws-cn", "aws-us-gov" */
	const char *account;    /* 12 digits: the account holding the OIDC providers */
	const char *audience;   /* NULL = "sts.amazonaws.com" */
	const struct irsa_trust_provider *providers;
	size_t n_providers;
	const char *const *trust_role_arns; /* sts:AssumeRole principals */
	size_t n_trust_role_arns;
	const char *external_id;  /* NULL = none; sts:ExternalId on the AssumeRole statements */
	bool pod_identity;        /* add the EKS Pod Identity statement */
};

/* A new trust document for spec: Version, then one OIDC statement per
 * provider (in order), then one AssumeRole statement per ARN, then the Pod
 * Identity statement. Any one of the three alone is a trust (a cross-account
 * target role needs no provider). Fails with IRSA_ERR_USAGE when there is
 * none of them, a provider has no subject, or an external ID is given
 * without a trusted role ARN or breaks STS's rule (2-1224 characters of
 * [\w+=,.@:/-]). */
int irsa_trust_render(const struct irsa_trust_spec *spec, json_t **ret_doc,
		      struct irsa_error *err);

/* STS's rule for an external ID: 2 to 1224 characters of [\w+=,.@:/-].
 * IRSA_ERR_USAGE naming the character it refuses. */
int irsa_trust_check_external_id(const char *id, struct irsa_error *err);

/* Merge desired (rendered by irsa_trust_render) into existing: irsactl's
 * statements gain the missing subjects, missing statements are appended,
 * other statements are kept. *ret_merged is a new document (existing's
 * order and statements first); *ret_changed tells whether it differs
 * canonically from existing. */
int irsa_trust_merge(const json_t *existing, const json_t *desired, json_t **ret_merged,
		     bool *ret_changed, struct irsa_error *err);

/* Remove from irsactl's OIDC statements of issuer (NULL = every provider)
 * the subject (NULL = the whole statement). Statements left without a
 * subject are dropped. *ret_removed counts the subjects/statements taken
 * out (0 = nothing matched: *ret_doc equals existing). */
int irsa_trust_remove(const json_t *existing, const char *issuer,
		      const struct irsa_subject *subject, json_t **ret_doc, size_t *ret_removed,
		      struct irsa_error *err);

/* Remove irsactl's Pod Identity statement. *ret_removed: 1 when it was
 * there, else 0 (*ret_doc then equals existing). */
int irsa_trust_remove_pod_identity(const json_t *existing, json_t **ret_doc,
				   size_t *ret_removed, struct irsa_error *err);
/* True when doc lets EKS Pod Identity assume the role (irsactl's statement
 * or an equivalent statement of someone else's, without conditions). */
bool irsa_trust_has_pod_identity(const json_t *doc);

/* Number of irsactl's OIDC statements in doc. */
size_t irsa_trust_count_owned(const json_t *doc);
/* Number of statements in doc. */
size_t irsa_policy_statement_count(const json_t *doc);

/* Parse a policy document and check its shape (an object with a
 * Statement, each statement with Effect Allow or Deny). `what` names it in
 * messages ("policy file 'x.json'"). */
int irsa_policy_parse(const char *text, const char *what, json_t **ret_doc,
		      struct irsa_error *err);
/* A canonical copy (see above) for comparisons. New reference. */
json_t *irsa_policy_canonical(const json_t *doc);
bool irsa_policy_equal(const json_t *a, const json_t *b);
/* Compact JSON (no whitespace, keys in document order, characters beyond
 * Latin-1 as \uXXXX), malloc'd; the form irsactl sends and IAM measures
 * (irsa_iam_policy_text()). irsa_policy_size() counts its characters. */
char *irsa_policy_compact(const json_t *doc);
/* Indented JSON for people, malloc'd, ending without a newline. */
char *irsa_policy_pretty(const json_t *doc);
size_t irsa_policy_size(const json_t *doc);

/* Fail with IRSA_ERR_USAGE when the compact trust document is longer
 * than limit (0 = IRSA_TRUST_SIZE_LIMIT), saying what to do. */
int irsa_trust_check_size(const json_t *doc, size_t limit, struct irsa_error *err);
