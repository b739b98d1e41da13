#pragma once
/* Evaluate a role's trust policy against one request, as IAM does, and
 * say which statement decided and why.
 *
 * A request is a principal (type and value), an action and a request
 * context (condition keys with their values). Every statement is looked
 * at: a matching Deny wins (explicit deny), else a matching Allow grants
 * (allowed), else nothing grants (implicit deny). A statement matches
 * when its Principal / NotPrincipal, Action / NotAction and every
 * condition match.
 *
 * IAM's rules followed here:
 *   - Action and condition key names compare case-insensitively; Action
 *     takes '*' and '?' wildcards;
 *   - String* operators compare values case-sensitively, *IgnoreCase
 *     variants do not; StringLike / StringNotLike and ArnLike take '*'
 *     and '?';
 *   - operators AND together, keys of one operator AND together, the
 *     values listed for a key OR together; negated operators
 *     (StringNotEquals, StringNotLike, ...) hold when no value matches;
 *   - a key missing from the request: positive operators fail, negated
 *     ones hold, ...IfExists holds, Null tests presence;
 *   - ForAnyValue: / ForAllValues: qualify multi-valued keys (ForAllValues
 *     holds for a missing or empty key, ForAnyValue fails);
 *   - Principal "*" and {"AWS": "*"} match anyone.
 * An operator irsactl does not know (Date*, IpAddress, Binary*) makes its
 * statement not match, and the reason says so.
 *
 * Web identity (IRSA): principal Federated = the OIDC provider ARN,
 * action sts:AssumeRoleWithWebIdentity, keys ISSUER:sub and ISSUER:aud
 * (ISSUER is the issuer URL without "https://").
 * EKS Pod Identity: principal Service = pods.eks.amazonaws.com, actions
 * sts:AssumeRole and sts:TagSession (evaluate each), keys as the caller
 * knows them (aws:RequestTag/..., aws:SourceAccount, ...). */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "irsa/error.h"

#define IRSA_ACTION_WEB_IDENTITY "sts:AssumeRoleWithWebIdentity"
#define IRSA_POD_IDENTITY_SERVICE "pods.eks.amazonaws.com"

struct irsa_trust_key {
	const char *name;             /* e.g. "oidc.example.com/id/X:sub" */
	const char *const *values;    /* n_values values; a present key may have none */
	size_t n_values;
};

struct irsa_trust_request {
	const char *principal_type;   /* "Federated", "Service" or "AWS" */
	const char *principal;        /* provider ARN, service name, role/user ARN */
	const char *action;           /* e.g. "sts:AssumeRoleWithWebIdentity" */
	const struct irsa_trust_key *keys;
	size_t n_keys;
};

enum irsa_trust_decision {
	IRSA_TRUST_IMPLICIT_DENY = 0, /* no statement allows it */
	IRSA_TRUST_ALLOWED,
	IRSA_TRUST_EXPLICIT_DENY,     /* a Deny statement matches */
};

struct irsa_trust_result {
	enum irsa_trust_decision decision;
	/* The deciding statement (for an implicit deny: the Allow that came
	 * closest, if any), its index in Statement and Sid ("" if none). */
	int statement;                /* -1 when no statement is relevant */
	char sid[128];
	char reason[768];             /* one line, lower-case start, no final period */
};

/* Evaluate doc (a policy document object) for req. Fails only when doc is
 * not a policy document (IRSA_ERR_USAGE); a denied request is a success
 * with res->decision != IRSA_TRUST_ALLOWED. */
int irsa_trust_evaluate(const json_t *doc, const struct irsa_trust_request *req,
			struct irsa_trust_result *res, struct irsa_error *err);

/* A web-identity request for service account NS/SA. */
struct irsa_web_identity {
	const char *provider_arn;     /* arn:PARTITION:iam::ACCOUNT:oidc-provider/ISSUER */
	const char *issuer;           /* with or without "https://" */
	const char *namespace_name;
	const char *service_account;
	const char *audience;         /* NULL = "sts.amazonaws.com" */
};

int irsa_trust_evaluate_web_identity(const json_t *doc, const struct irsa_web_identity *wi,
				     struct irsa_trust_result *res, struct irsa_error *err);

/* "allowed", "implicitDeny", "explicitDeny" (the words IAM's simulator uses). */
const char *irsa_trust_decision_name(enum irsa_trust_decision d);

/* IAM's wildcard match: '*' any run of characters, '?' any one. */
bool irsa_wildcard_match(const char *pattern, const char *s, bool ignore_case);
