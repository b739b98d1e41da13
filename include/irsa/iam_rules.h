#pragma once
/* IAM's limits and policy grammar, checked before any request so that
 * irsactl refuses locally, with a message naming the rule and the fix,
 * what IAM would reject half-way through a run.
 *
 * Sizes are counted as IAM counts them: the compact document (no
 * whitespace outside strings) in characters, not bytes. Documents are
 * sent in that compact form, with characters beyond Latin-1 written as
 * \uXXXX escapes (IAM's policy text allows only tab, LF, CR and
 * U+0020-U+00FF raw; JSON escapes are accepted).
 *
 * Value rules (names, paths, tags, descriptions, ARNs) live in names.h;
 * this module applies them to a whole request and adds the rules that
 * need the role's current state (aggregate inline size, tag count). */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "irsa/error.h"
#include "irsa/iam.h"
#include "irsa/role.h"

#define IRSA_IAM_TRUST_POLICY_DEFAULT 2048 /* default quota "Role trust policy length" */
#define IRSA_IAM_TRUST_POLICY_MAX 4096     /* the most a quota increase gives */
#define IRSA_IAM_INLINE_TOTAL_MAX 10240    /* all inline policies of a role together */
#define IRSA_IAM_MANAGED_POLICY_MAX 6144   /* one customer-managed policy */
#define IRSA_IAM_MANAGED_PER_ROLE 10       /* default quota */
#define IRSA_IAM_TAGS_MAX 50               /* per role or OIDC provider */

/* The tag irsactl puts on the roles and OIDC providers it creates: what
 * delete-role takes as proof that a role is irsactl's to delete. */
#define IRSA_OWNER_TAG_KEY "managed-by"
#define IRSA_OWNER_TAG_VALUE "irsactl"

enum irsa_policy_kind {
	IRSA_POLICY_PERMISSIONS, /* identity (inline or managed) policy: no Principal */
	IRSA_POLICY_TRUST,       /* a role's trust policy: Principal required, no Resource */
};

/* The text irsactl sends for doc: compact, keys in document order,
 * non-Latin-1 characters as \uXXXX. malloc'd; NULL only when doc cannot
 * be encoded (not an object or array). */
char *irsa_iam_policy_text(const json_t *doc);
/* The characters of irsa_iam_policy_text(doc), as IAM counts them. */
size_t irsa_iam_policy_size(const json_t *doc);

/* IAM's policy grammar: an object with an optional Version
 * ("2012-10-17" or "2008-10-17") and Id, a Statement (an object or a
 * non-empty list of objects); each statement has Effect Allow or Deny,
 * an optional Sid of letters and digits (unique in the document), one of
 * Action/NotAction, and only the elements IAM knows. Permissions
 * policies need one of Resource/NotResource and have no Principal; trust
 * policies need Principal or NotPrincipal and have no Resource. `what`
 * names the document in messages. IRSA_ERR_USAGE. */
int irsa_iam_check_policy(const json_t *doc, enum irsa_policy_kind kind, const char *what,
			  struct irsa_error *err);

/* A customer-managed policy's document: the permissions grammar above and
 * IRSA_IAM_MANAGED_POLICY_MAX characters as IAM counts them (the message
 * says to split it). IRSA_ERR_USAGE. */
int irsa_iam_check_managed_policy(const json_t *doc, const char *what, struct irsa_error *err);

/* --trust-policy-limit: 1 to IRSA_IAM_TRUST_POLICY_MAX (0 = default). */
int irsa_iam_check_trust_limit(size_t limit, struct irsa_error *err);

/* Every value of a create-role request, before anything is read:
 * description, tags (count, case-insensitive uniqueness, characters),
 * trust limit, managed and boundary ARNs in req->partition, inline
 * policy names and grammar, customer-managed policies' names, grammar and
 * size, the trust policy's grammar. IRSA_ERR_USAGE. */
int irsa_iam_check_role_request(const struct irsa_role_request *req, struct irsa_error *err);

/* The limits that depend on what the role holds already: the inline
 * policies that will be on the role after the plan (the request's, plus
 * those already there that stay: foreign ones, and irsactl's not asked
 * for unless prune) within IRSA_IAM_INLINE_TOTAL_MAX, and the tags after
 * the plan (existing ones plus new keys, compared case-insensitively)
 * within IRSA_IAM_TAGS_MAX. An existing inline policy whose document was
 * not read counts as 0. IRSA_ERR_USAGE. */
int irsa_iam_check_role_totals(const struct irsa_role_request *req,
			       const struct irsa_role_state *state, struct irsa_error *err);

/* Tags after adding add to have (keys compared ignoring case, as IAM
 * does) within IRSA_IAM_TAGS_MAX; `what` names the resource ("role 'x'").
 * have may be NULL. IRSA_ERR_USAGE. */
int irsa_iam_check_tag_total(const struct irsa_tags *have, const struct irsa_tags *add,
			     const char *what, struct irsa_error *err);

/* True when role is irsactl's: it carries the owner tag, or its trust
 * policy has a statement irsactl wrote (Sid prefix "Irsactl"). */
bool irsa_iam_role_is_owned(const struct irsa_role *role);
