#pragma once
/* Requests: what the CLI parsed from flags (strings borrowed from argv,
 * nothing checked), and their resolution by the engine: values validated
 * (names.h, oidc.h, templates.h), the account, the clusters' issuers, the
 * OIDC providers, templates rendered and policy files read.
 *
 * The CLI fills a *_request struct and calls *_parse() (no network: every
 * value is checked before the first request, and everything missing is
 * named at once), then *_resolve() with the session's account helper. */
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "irsa/account.h"
#include "irsa/aws.h"
#include "irsa/error.h"
#include "irsa/names.h"
#include "irsa/role.h"
#include "irsa/strlist.h"

/* A token audience (an OIDC client id): 1 to 255 characters without
 * spaces or quotes. IRSA_ERR_USAGE. */
int irsa_validate_audience(const char *audience, struct irsa_error *err);

/* --trust-policy-limit as given: a number from 1 to IAM's maximum for a
 * role trust policy (iam_rules.h); NULL leaves *ret 0 (the default,
 * IRSA_TRUST_SIZE_LIMIT). IRSA_ERR_USAGE. */
int irsa_trust_limit_parse(const char *text, size_t *ret, struct irsa_error *err);

/* ---- service accounts, clusters and trust ---- */

/* Trust flags as given. */
struct irsa_trust_request {
	const char *const *namespaces;       /* --namespace */
	size_t n_namespaces;
	const char *const *service_accounts; /* --service-account */
	size_t n_service_accounts;
	const char *const *subjects;         /* --subject NS:SA */
	size_t n_subjects;
	const char *const *clusters;         /* --cluster */
	size_t n_clusters;
	const char *const *issuer_urls;      /* --issuer-url */
	size_t n_issuer_urls;
	const char *audience;                /* --audience */
	const char *const *trust_role_arns;  /* --trust-role-arn */
	size_t n_trust_role_arns;
	const char *external_id;             /* --external-id (with --trust-role-arn) */
	const char *account_id;              /* --account-id */
	bool pod_identity;                   /* also trust EKS Pod Identity; a trust on its own */
};

enum irsa_trust_need {
	IRSA_NEED_SUBJECTS = 1 << 0, /* at least one service account */
	IRSA_NEED_TARGET = 1 << 1,   /* at least one cluster or issuer */
	/* with IRSA_NEED_SUBJECTS | IRSA_NEED_TARGET: --trust-role-arn alone
	 * (no service account, no cluster) is a trust too (a cross-account
	 * target role) */
	IRSA_NEED_OR_ROLE = 1 << 2,
	/* a role's trust as create-role takes it (render-trust-policy too) */
	IRSA_NEED_ROLE_TRUST = IRSA_NEED_SUBJECTS | IRSA_NEED_TARGET | IRSA_NEED_OR_ROLE,
};

/* The trust request validated, then resolved. */
struct irsa_trust_input {
	struct irsa_subject *subjects;   /* deduplicated */
	size_t n_subjects;
	const char *const *clusters;     /* borrowed from the request */
	size_t n_clusters;
	char **issuers;                  /* normalised: --issuer-url, then the clusters' */
	size_t n_issuers;
	size_t n_issuer_args;            /* how many came from --issuer-url */
	char **cluster_of;               /* per issuer: the cluster it came from, or NULL */
	const char *audience;            /* NULL = sts.amazonaws.com */
	const char *const *trust_role_arns;
	size_t n_trust_role_arns;
	const char *external_id;         /* borrowed from the request */
	bool pod_identity;               /* the EKS Pod Identity statement too */
	const char *account_id;          /* after resolve (borrowed from the account helper) */
	const char *partition;           /* after resolve */
	char **provider_arns;            /* per issuer, after irsa_trust_check_providers() */
	struct irsa_strlist warnings;    /* for the plan or stderr */
};
void irsa_trust_input_release(struct irsa_trust_input *in);

/* Validate every value (no request). What `need` asks for and is missing
 * is named in one IRSA_ERR_USAGE message. */
int irsa_trust_input_parse(const struct irsa_trust_request *req, unsigned need,
			   struct irsa_trust_input *in, struct irsa_error *err);
/* The partition, the clusters' issuers (EKS DescribeCluster) and, with
 * need_account, the account (--account-id, else the account helper). */
int irsa_trust_input_resolve(struct irsa_account *acct, struct irsa_trust_input *in,
			     bool need_account, struct irsa_error *err);
/* What a real CreateRole / UpdateAssumeRolePolicy checks, checked first:
 * every issuer has an IAM OIDC provider in the caller's account
 * (ListOpenIDConnectProviders; IRSA_ERR_NOT_FOUND naming the
 * associate-oidc command that creates it), and, with a custom audience,
 * the provider lists it as a client id (GetOpenIDConnectProvider; a
 * warning naming `associate-oidc --audience` otherwise). The account is
 * learnt from the providers' ARNs, so no STS call is needed. */
int irsa_trust_check_providers(struct irsa_account *acct, struct irsa_trust_input *in,
			       struct irsa_error *err);
struct irsa_role_reader;
/* irsa_trust_input_resolve() and, with check_providers,
 * irsa_trust_check_providers() in rounds of reads (round.h) shared with
 * a role's reader (role_read.h; NULL for none), which it reads to the
 * end: round 1 DescribeCluster of every cluster, ListOpenIDConnectProviders
 * (or GetCallerIdentity when the account is needed and not known) and
 * GetRole; round 2 GetOpenIDConnectProvider of each issuer for a custom
 * audience, with the role's policy lists; round 3 the role's inline
 * documents. Errors are taken in the order of the one-by-one reads: the
 * trust's first; the role is read no further after one. */
int irsa_trust_input_resolve_read(struct irsa_account *acct, struct irsa_trust_input *in,
				  bool need_account, bool check_providers,
				  struct irsa_role_reader *reader, struct irsa_error *err);
/* True when in's document names the account: an OIDC provider's ARN
 * (a cluster or issuer). A trust of --trust-role-arn principals or EKS Pod
 * Identity alone renders without it. */
bool irsa_trust_input_names_account(const struct irsa_trust_input *in);
/* The trust document for in (resolved). */
int irsa_trust_input_render(const struct irsa_trust_input *in, json_t **ret_doc,
			    struct irsa_error *err);

/* ---- create-role ---- */

struct irsa_create_role_request {
	struct irsa_trust_request trust;
	const char *role_name;            /* NULL = irsa-CLUSTER-NS-SA */
	const char *path, *description, *permissions_boundary;
	const char *max_session_duration; /* decimal seconds, as given */
	const char *trust_policy_limit;   /* decimal characters, as given */
	const char *const *tags;          /* KEY=VALUE */
	size_t n_tags;
	const char *const *managed_arns;
	size_t n_managed_arns;
	const char *const *policies;      /* TEMPLATE[:K=V,...] */
	size_t n_policies;
	const char *const *policy_files;
	size_t n_policy_files;
	const char *const *managed_policies;     /* --managed-policy TEMPLATE[:K=V,...] */
	size_t n_managed_policies;
	const char *const *managed_policy_files; /* --managed-policy-file FILE */
	size_t n_managed_policy_files;
	bool prune;
	/* The cluster templates take when trust.clusters names none (NULL =
	 * none): pod-identity create trusts no issuer of its cluster. */
	const char *template_cluster;
};

/* create-role's request validated, then resolved into role (role.h).
 * Customer-managed policies are checked at parse: names (unique), files'
 * grammar and size (IRSA_IAM_MANAGED_POLICY_MAX), templates rendered for
 * a stand-in account to check their size, and the number of managed
 * policies asked for (IRSA_IAM_MANAGED_PER_ROLE). */
struct irsa_create_role_input {
	struct irsa_trust_input trust;
	char *role_name;
	const char *template_cluster;     /* borrowed from the request */
	struct irsa_tags tags;
	struct irsa_policy_ref *refs;
	size_t n_refs;
	char **policy_names;              /* per inline policy: templates, then files */
	json_t **policy_docs;
	size_t n_policies;                /* rendered templates + files */
	struct irsa_inline_policy *inline_policies;
	/* customer-managed policies (managed_policy.h): templates, then files */
	struct irsa_policy_ref *managed_refs;
	size_t n_managed_refs;
	char **managed_names;             /* irsa_managed_policy_name(), or from the file name */
	char **managed_descriptions;
	char **managed_arns;              /* after resolve: in the session's account */
	json_t **managed_docs;            /* files: at parse; templates: at resolve */
	size_t n_managed;
	struct irsa_role_managed_policy *managed_policies;
	json_t *trust_doc;
	struct irsa_role_request role;    /* ready after irsa_create_role_resolve() */
};
void irsa_create_role_input_release(struct irsa_create_role_input *in);
/* Every value checked and policy files read (no network). */
int irsa_create_role_parse(const struct irsa_create_role_request *req,
			   struct irsa_create_role_input *in, struct irsa_error *err);
/* Issuers, OIDC providers (irsa_trust_check_providers()), account, trust
 * document and templates: in->role is then the request for
 * irsa_role_plan_apply(). */
int irsa_create_role_resolve(struct irsa_account *acct, struct irsa_create_role_input *in,
			     struct irsa_error *err);
/* irsa_create_role_resolve() and the role's state (every inline document
 * read) for irsa_role_plan_apply_state() (role_read.h), in at most three
 * rounds of reads; ret_state NULL reads no role. */
int irsa_create_role_read(struct irsa_account *acct, struct irsa_create_role_input *in,
			  struct irsa_role_state *ret_state, struct irsa_error *err);
